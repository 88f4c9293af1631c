#include "io/atomic_file.h"
#include "io/error.h"

#include <errno.h>
#include <fcntl.h>
#include <dirent.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The mode of the file to be written: the old file's, else what open(2) with 0666 would give. */
static mode_t mode_for(const char *path)
{
    struct stat st;
    if (stat(path, &st) == 0 && S_ISREG(st.st_mode)) return st.st_mode & 07777;
    mode_t mask = umask(0);
    umask(mask);
    return 0666 & ~mask;
}

/* Make a rename durable: fsync the folder that holds path (best effort: some file systems refuse
 * to fsync a folder, and the data itself is already on disk). */
static void sync_folder(const char *path)
{
    char *copy = strdup(path);
    if (!copy) return;
    int fd = open(dirname(copy), O_RDONLY | O_DIRECTORY);
    if (fd >= 0) {
        if (fsync(fd) != 0) { /* see above */ }
        close(fd);
    }
    free(copy);
}

int atomic_write(const char *path, AtomicFill fill, void *ctx, char *err, size_t errlen)
{
    size_t plen = strlen(path);
    char *tmp = malloc(plen + sizeof ".tmp-XXXXXX");
    if (!tmp) return io_fail(err, errlen, "%s: out of memory", path);
    memcpy(tmp, path, plen);
    memcpy(tmp + plen, ".tmp-XXXXXX", sizeof ".tmp-XXXXXX");
    int fd = mkstemp(tmp);
    if (fd < 0) {
        int e = errno;
        io_fail(err, errlen, "%s: cannot create a temporary file %s: %s", path, tmp, strerror(e));
        free(tmp);
        return -1;
    }
    /* mkstemp makes 0600, which would stick after the rename */
    if (fchmod(fd, mode_for(path)) != 0) { /* not fatal: the contents are still right */ }
    int rc = fill(fd, tmp, path, ctx, err, errlen);
    if (rc == 0 && fsync(fd) != 0)
        rc = io_fail(err, errlen, "%s: cannot write %s: %s", path, tmp, strerror(errno));
    if (close(fd) != 0 && rc == 0)
        rc = io_fail(err, errlen, "%s: cannot write %s: %s", path, tmp, strerror(errno));
    if (rc == 0 && rename(tmp, path) != 0)
        rc = io_fail(err, errlen, "%s: cannot rename %s over it: %s", path, tmp, strerror(errno));
    if (rc == 0) sync_folder(path);
    else unlink(tmp);
    free(tmp);
    return rc;
}

typedef struct {
    const void *data;
    size_t size;
} Bytes;

/* write() all of the bytes, retrying short writes and EINTR. */
static int fill_bytes(int fd, const char *tmp_path, const char *path, void *ctx, char *err,
                      size_t errlen)
{
    const Bytes *b = ctx;
    const char *p = b->data;
    size_t left = b->size;
    while (left) {
        ssize_t w = write(fd, p, left);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0)
            return io_fail(err, errlen, "%s: cannot write %s: %s", path, tmp_path,
                           strerror(w == 0 ? EIO : errno));
        p += w;
        left -= (size_t)w;
    }
    return 0;
}

int atomic_write_bytes(const char *path, const void *data, size_t size, char *err, size_t errlen)
{
    Bytes b = {data, size};
    return atomic_write(path, fill_bytes, &b, err, errlen);
}

int atomic_remove_stale(const char *path)
{
    char *copy_dir = strdup(path), *copy_base = strdup(path);
    int removed = 0;
    if (copy_dir && copy_base) {
        const char *dir = dirname(copy_dir), *base = basename(copy_base);
        size_t bl = strlen(base);
        DIR *d = opendir(dir);
        struct dirent *e;
        while (d && (e = readdir(d))) {
            /* exactly BASE.tmp-XXXXXX, as mkstemp made it in atomic_write */
            if (strncmp(e->d_name, base, bl) != 0 || strncmp(e->d_name + bl, ".tmp-", 5) != 0 ||
                strlen(e->d_name + bl + 5) != 6)
                continue;
            char full[4400];
            if (snprintf(full, sizeof full, "%s/%s", dir, e->d_name) < (int)sizeof full &&
                unlink(full) == 0)
                removed++;
        }
        if (d) closedir(d);
    }
    free(copy_dir);
    free(copy_base);
    return removed;
}
