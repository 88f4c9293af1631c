/* How io opens a file to read: never blocks (a FIFO or device given as a file is refused, not
 * waited on), only regular files, and never more than the caller's limit in bytes, checked
 * before anything is allocated or read. Every reader in io starts here. Functions return NULL or
 * -1 with a message that starts with the path in err. */
#ifndef MNIST_IO_READ_FILE_H
#define MNIST_IO_READ_FILE_H

#include <stddef.h>
#include <stdio.h>

/* Limits, in bytes, of what the readers accept. Far above any file of the kind this program makes
 * or reads (a checkpoint is 5 MB, MNIST's training images 47 MB, EMNIST's largest 0.7 GB), small
 * enough that a hostile or mistaken file cannot make it allocate without bound. */
#define READ_LIMIT_IDX (4ULL << 30)
#define READ_LIMIT_HDF5 (256ULL << 20)
#define READ_LIMIT_IMAGE (256ULL << 20)
#define READ_LIMIT_TEXT (16ULL << 20)

/* Opens path for reading as a stream; *size (if not NULL) gets its size. */
FILE *read_file_open(const char *path, unsigned long long limit, unsigned long long *size,
                     char *err, size_t errlen);

/* The whole file in a malloc'ed buffer (*data, *size bytes). */
int read_file_all(const char *path, unsigned long long limit, unsigned char **data, size_t *size,
                  char *err, size_t errlen);

#endif
