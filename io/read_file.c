#include "io/read_file.h"
#include "io/error.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* "12.3 MB" */
static void size_str(unsigned long long n, char *buf, size_t len)
{
    if (n >= 1ULL << 30) snprintf(buf, len, "%.1f GB", (double)n / (1ULL << 30));
    else if (n >= 1ULL << 20) snprintf(buf, len, "%.1f MB", (double)n / (1ULL << 20));
    else snprintf(buf, len, "%llu bytes", n);
}

FILE *read_file_open(const char *path, unsigned long long limit, unsigned long long *size,
                     char *err, size_t errlen)
{
    /* O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer forever */
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
    if (fd < 0) {
        io_fail(err, errlen, "%s: cannot open: %s", path, strerror(errno));
        return NULL;
    }
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        io_fail(err, errlen, "%s: not a regular file%s", path,
                S_ISFIFO(st.st_mode) ? " (a pipe)" : S_ISDIR(st.st_mode) ? " (a folder)"
                : S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode) ? " (a device)" : "");
        return NULL;
    }
    if ((unsigned long long)st.st_size > limit) {
        char got[32], max[32];
        size_str((unsigned long long)st.st_size, got, sizeof got);
        size_str(limit, max, sizeof max);
        close(fd);
        io_fail(err, errlen, "%s: too large (%s; this program reads at most %s of this kind)", path,
                got, max);
        return NULL;
    }
    int flags = fcntl(fd, F_GETFL);
    if (flags >= 0) fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
    FILE *f = fdopen(fd, "rb");
    if (!f) {
        io_fail(err, errlen, "%s: cannot open: %s", path, strerror(errno));
        close(fd);
        return NULL;
    }
    if (size) *size = (unsigned long long)st.st_size;
    return f;
}

int read_file_all(const char *path, unsigned long long limit, unsigned char **data, size_t *size,
                  char *err, size_t errlen)
{
    unsigned long long n;
    *data = NULL;
    *size = 0;
    FILE *f = read_file_open(path, limit, &n, err, errlen);
    if (!f) return -1;
    unsigned char *buf = malloc(n ? (size_t)n : 1);
    int rc = 0;
    if (!buf) rc = io_fail(err, errlen, "%s: out of memory for %llu bytes", path, n);
    else if (fread(buf, 1, (size_t)n, f) != (size_t)n)
        rc = io_fail(err, errlen, "%s: read error (the file changed while being read?)", path);
    fclose(f);
    if (rc) {
        free(buf);
        return -1;
    }
    *data = buf;
    *size = (size_t)n;
    return 0;
}
