#include "io/seal.h"
#include "io/error.h"
#include "io/read_file.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

static const char seal_magic[] = "mnist-cnn sealed HDF5 file v1\n";

/* CRC-32 of len bytes, in zlib's chunks (its length argument is a uInt). */
static unsigned long crc_of(const unsigned char *p, size_t len)
{
    unsigned long crc = crc32(0L, Z_NULL, 0);
    while (len) {
        uInt n = len > (1u << 30) ? (1u << 30) : (uInt)len;
        crc = crc32(crc, p, n);
        p += n;
        len -= n;
    }
    return crc;
}

void seal_image(unsigned char *image, size_t size)
{
    char head[SEAL_BLOCK];
    memset(head, 0, sizeof head);
    snprintf(head, sizeof head, "%ssize %zu\ncrc32 %08lx\n", seal_magic, size,
             size > SEAL_BLOCK ? crc_of(image + SEAL_BLOCK, size - SEAL_BLOCK) : 0UL);
    memcpy(image, head, SEAL_BLOCK);
}

/* Whole file into memory; NULL with err on failure. */
static unsigned char *read_all(const char *path, size_t *size, char *err, size_t errlen)
{
    unsigned char *buf;
    return read_file_all(path, READ_LIMIT_HDF5, &buf, size, err, errlen) ? NULL : buf;
}

/* Parse the seal in buf (size bytes read): 1 if there is none, 0 with the recorded values. */
static int parse_seal(const unsigned char *buf, size_t size, unsigned long long *want_size,
                      unsigned long *want_crc)
{
    size_t ml = sizeof seal_magic - 1;
    if (size < ml || memcmp(buf, seal_magic, ml) != 0) return 1;
    char head[SEAL_BLOCK + 1];
    size_t hl = size < SEAL_BLOCK ? size : SEAL_BLOCK;
    memcpy(head, buf, hl);
    head[hl] = 0;
    if (sscanf(head + ml, "size %llu\ncrc32 %lx", want_size, want_crc) != 2) return -1;
    return 0;
}

int seal_check_image(const unsigned char *buf, size_t size, const char *path, char *err,
                     size_t errlen)
{
    unsigned long long want_size = 0;
    unsigned long want_crc = 0;
    int rc = parse_seal(buf, size, &want_size, &want_crc);
    if (rc < 0)
        return io_fail(err, errlen, "%s: damaged: its seal (the header in the first 512 bytes) is "
                       "unreadable", path);
    if (rc == 0 && size <= SEAL_BLOCK)
        return io_fail(err, errlen, "%s: truncated: the file is only %zu bytes, its seal alone takes %d",
                       path, size, SEAL_BLOCK);
    if (rc == 0 && want_size != size)
        return io_fail(err, errlen, "%s: %s: the file should be %llu bytes long, it is %zu", path,
                       size < want_size ? "truncated" : "damaged (bytes added at the end)",
                       want_size, size);
    if (rc == 0 && crc_of(buf + SEAL_BLOCK, size - SEAL_BLOCK) != want_crc)
        return io_fail(err, errlen, "%s: damaged: its contents do not match their checksum (changed "
                       "after it was written)", path);
    return rc;
}

int seal_check(const char *path, char *err, size_t errlen)
{
    size_t size = 0;
    unsigned char *buf = read_all(path, &size, err, errlen);
    if (!buf) return -1;
    int rc = seal_check_image(buf, size, path, err, errlen);
    free(buf);
    return rc;
}

int seal_file(const char *path, char *err, size_t errlen)
{
    size_t size = 0;
    unsigned char *buf = read_all(path, &size, err, errlen);
    if (!buf) return -1;
    unsigned long long s;
    unsigned long c;
    int rc = 0;
    if (size <= SEAL_BLOCK || parse_seal(buf, size, &s, &c) == 1) {
        rc = io_fail(err, errlen, "%s: carries no seal to renew", path);
    } else {
        seal_image(buf, size);
        FILE *f = fopen(path, "r+b");
        int ok = f && fwrite(buf, 1, SEAL_BLOCK, f) == SEAL_BLOCK;
        if (f && fclose(f) != 0) ok = 0;
        if (!ok) rc = io_fail(err, errlen, "%s: cannot rewrite its seal: %s", path, strerror(errno));
    }
    free(buf);
    return rc;
}
