/* What the fuzz targets share: the fuzzer's bytes as a file, since every reader here starts from
 * a path (and refuses anything but a regular file, which a memfd is). */
#ifndef MNIST_TESTS_FUZZ_INPUT_H
#define MNIST_TESTS_FUZZ_INPUT_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

/* The bytes as a file; its path in path (a /proc/self/fd/N name). -1 when it cannot be made. */
static inline int fuzz_file(const uint8_t *data, size_t size, char *path, size_t len)
{
    int fd = memfd_create("fuzz-input", MFD_CLOEXEC);
    if (fd < 0) return -1;
    size_t done = 0;
    while (done < size) {
        ssize_t w = write(fd, data + done, size - done);
        if (w <= 0) {
            close(fd);
            return -1;
        }
        done += (size_t)w;
    }
    snprintf(path, len, "/proc/self/fd/%d", fd);
    return fd;
}

#endif
