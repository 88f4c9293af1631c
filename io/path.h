/* The names of the files that go with a checkpoint: "runs/model.h5" -> "runs/model-metrics.h5",
 * "runs/model-training" (+ .png/.svg), ... One rule for all of them. */
#ifndef MNIST_IO_PATH_H
#define MNIST_IO_PATH_H

#include <stddef.h>

/* The checkpoint extensions a companion name replaces (.h5, .hdf5, either case), NULL-ended. */
extern const char *const path_hdf5_exts[];
/* Picture extensions (.png, .svg), NULL-ended. */
extern const char *const path_picture_exts[];

/* path ends in one of exts (NULL-ended). */
int path_has_ext(const char *path, const char *const *exts);

/* path with its extension (the first of exts it ends in, if any, and if something is left of its
 * file name) replaced by suffix, into buf. Returns -1 when it does not fit in n bytes. */
int path_with_suffix(const char *path, const char *const *exts, const char *suffix, char *buf,
                     size_t n);

#endif
