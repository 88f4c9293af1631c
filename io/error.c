#include "io/error.h"

#include <stdarg.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

int io_fail(char *err, size_t errlen, const char *fmt, ...)
{
    if (err && errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return -1;
}

FILE *io_open_regular(const char *path, unsigned long long *size, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        io_fail(err, errlen, "%s: cannot open: %s", path, strerror(errno));
        return NULL;
    }
    struct stat st;
    if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
        fclose(f);
        io_fail(err, errlen, "%s: not a regular file", path);
        return NULL;
    }
    if (size) *size = (unsigned long long)st.st_size;
    return f;
}
