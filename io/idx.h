/* IDX files (the format MNIST and Fashion-MNIST ship in): a 4-byte magic {0, 0, type, ndim},
 * ndim big-endian uint32 dimensions, then the data row-major. Only unsigned-byte data (type 0x08)
 * with 1 to 4 dimensions is accepted; that covers every image and label file of both data sets.
 *
 * All functions return 0 on success, -1 on failure with a message naming the file in err. */
#ifndef MNIST_IO_IDX_H
#define MNIST_IO_IDX_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    uint8_t *data;      /* count * item_size bytes */
    int ndim;
    int dims[4];        /* dims[ndim..3] are 0 */
    size_t count;       /* dims[0] */
    size_t item_size;   /* product of dims[1..ndim) (1 for a 1-D file) */
    uint32_t crc32;     /* CRC-32 of the data as read: which file a run trained on */
} IdxArray;

int idx_load(const char *path, IdxArray *out, char *err, size_t errlen);
void idx_free(IdxArray *a);
/* "NAME DIMS crc32 HEX" (e.g. "train-labels-idx1-ubyte 60000 crc32 1a2b3c4d") into buf: what a
 * checkpoint records of each data file, to tell on a resume whether the data changed. */
void idx_fingerprint(const IdxArray *a, const char *name, char *buf, size_t n);

typedef struct {
    IdxArray images, labels;   /* images: n x rows x cols; labels: n, each < 10 */
    int n, rows, cols;
} Dataset;

/* Loads <dir>/<prefix>-images-idx3-ubyte and <dir>/<prefix>-labels-idx1-ubyte (prefix "train" or
 * "t10k"), checking that the images are 3-D, the labels 1-D and < 10, and that the counts agree. */
int dataset_load(const char *dir, const char *prefix, Dataset *out, char *err, size_t errlen);
void dataset_free(Dataset *d);

#endif
