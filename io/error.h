/* How io/ reports errors: every function returns 0, or -1 with a message in the caller's buffer
 * that names the file and what is wrong. Nothing in io prints. */
#ifndef MNIST_IO_ERROR_H
#define MNIST_IO_ERROR_H

#include <stddef.h>

/* Format the message into err (if err and errlen are non-zero) and return -1. */
int io_fail(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
