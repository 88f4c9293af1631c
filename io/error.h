/* How io/ reports errors: every function returns 0, or -1 with a message in the caller's buffer
 * that names the file and what is wrong. Nothing here prints. Also the checked open every reader
 * starts with. */
#ifndef MNIST_IO_ERROR_H
#define MNIST_IO_ERROR_H

#include <stddef.h>

/* Format the message into err (if err and errlen are non-zero) and return -1. */
int io_fail(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Open path for reading; it must be a regular file (not a folder or device). On failure returns
 * NULL with "PATH: cannot open: REASON" or "PATH: not a regular file" in err. If size is not NULL
 * it receives the file's size in bytes. */
#include <stdio.h>
FILE *io_open_regular(const char *path, unsigned long long *size, char *err, size_t errlen);

#endif
