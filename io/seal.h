/* A seal on the HDF5 files we write. HDF5's parser can crash or hang on a damaged file (a few
 * flipped bytes are enough with libhdf5 1.10), so our files carry a check that runs before HDF5
 * ever sees them: a 512-byte user block at the start (HDF5 skips it, so h5py and h5dump read the
 * files as usual) holding, as text, the file's size and a CRC-32 of everything after the block.
 *
 * Files without the seal (written by other tools) are read as before, unchecked. A tool that
 * edits one of our files in place with HDF5 must call seal_file afterwards, or the edit is
 * reported as damage. */
#ifndef MNIST_IO_SEAL_H
#define MNIST_IO_SEAL_H

#include <stddef.h>

enum { SEAL_BLOCK = 512 };   /* the user-block size to create the HDF5 file with */

/* Write the seal into the first SEAL_BLOCK bytes of a complete file image of size bytes. */
void seal_image(unsigned char *image, size_t size);

/* 0: sealed and intact; 1: no seal (not written by us; nothing to check); -1: damaged, truncated
 * or unreadable, with a message naming the file in err. */
int seal_check(const char *path, char *err, size_t errlen);
/* The same on a file already in memory (size bytes). */
int seal_check_image(const unsigned char *buf, size_t size, const char *path, char *err,
                     size_t errlen);

/* Recompute the seal of a file that carries one (after an in-place edit). 0 or -1 with err. */
int seal_file(const char *path, char *err, size_t errlen);

#endif
