#include "io/path.h"

#include <stdio.h>
#include <string.h>

const char *const path_hdf5_exts[] = {".h5", ".hdf5", ".H5", ".HDF5", NULL};
const char *const path_picture_exts[] = {".png", ".svg", NULL};

int path_has_ext(const char *path, const char *const *exts)
{
    size_t len = strlen(path);
    for (; exts && *exts; exts++) {
        size_t el = strlen(*exts);
        if (len > el && strcmp(path + len - el, *exts) == 0) return 1;
    }
    return 0;
}

int path_with_suffix(const char *path, const char *const *exts, const char *suffix, char *buf,
                     size_t n)
{
    size_t len = strlen(path);
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    for (; exts && *exts; exts++) {
        size_t el = strlen(*exts);
        if ((size_t)(path + len - base) > el && strcmp(path + len - el, *exts) == 0) {
            len -= el;
            break;
        }
    }
    int w = snprintf(buf, n, "%.*s%s", (int)len, path, suffix);
    return w < 0 || (size_t)w >= n ? -1 : 0;
}
