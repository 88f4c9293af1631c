#include "cli/train_output.h"
#include "cli/common.h"
#include "io/atomic_file.h"
#include "io/path.h"
#include "io/seal.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *const data_files[] = {"train-images-idx3-ubyte", "train-labels-idx1-ubyte",
                                         "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"};

/* path is the same file as one of the data set's. */
static int is_data_file(const struct stat *st, const char *data_dir)
{
    for (size_t i = 0; i < sizeof data_files / sizeof data_files[0]; i++) {
        char p[PATH_MAX + 64];
        struct stat ds;
        snprintf(p, sizeof p, "%s/%s", data_dir, data_files[i]);
        if (stat(p, &ds) == 0 && ds.st_dev == st->st_dev && ds.st_ino == st->st_ino) return 1;
    }
    return 0;
}

/* The first bytes are an IDX header ({0, 0, 0x08, 1..4}): a data file, wherever it lives. */
static int looks_like_idx(const char *path)
{
    unsigned char m[4];
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) return 0;
    int n = (int)read(fd, m, sizeof m);
    close(fd);
    return n == 4 && m[0] == 0 && m[1] == 0 && m[2] == 0x08 && m[3] >= 1 && m[3] <= 4;
}

/* One file the run will replace: new, ours, or allowed by --force; never a data file or a device.
 * what: "--out" or "the metric log". */
static int check_target(const char *path, const char *what, const char *data_dir, int force)
{
    struct stat st;
    if (lstat(path, &st) != 0) {
        if (errno == ENOENT) return 0;
        fprintf(stderr, "mnist-cnn train: %s %s: %s\n", what, path, strerror(errno));
        return EXIT_RUNTIME;
    }
    if (S_ISLNK(st.st_mode) && stat(path, &st) != 0) return 0;   /* a dangling link: replaced */
    if (S_ISDIR(st.st_mode)) {
        fprintf(stderr, "mnist-cnn train: %s %s is a folder, expected a file name\n", what, path);
        return EXIT_RUNTIME;
    }
    if (!S_ISREG(st.st_mode)) {
        fprintf(stderr, "mnist-cnn train: %s %s is not a regular file (a device or a pipe): "
                        "refusing to replace it, even with --force\n", what, path);
        return EXIT_RUNTIME;
    }
    if (is_data_file(&st, data_dir) || looks_like_idx(path)) {
        fprintf(stderr, "mnist-cnn train: %s %s is a data file: refusing to replace it, even with "
                        "--force; write the checkpoint somewhere else (e.g. --out runs/model.h5)\n",
                what, path);
        return EXIT_RUNTIME;
    }
    /* ours: it carries our seal (intact or not: a damaged file of ours is no loss) */
    char err[512];
    if (!force && seal_check(path, err, sizeof err) == 1) {
        fprintf(stderr, "mnist-cnn train: %s %s exists and is not a file mnist-cnn wrote: refusing "
                        "to replace it (--force replaces it anyway)\n", what, path);
        return EXIT_RUNTIME;
    }
    return 0;
}

/* The folder of path exists (created if missing, one level) and is a folder. */
static int check_folder(const char *path)
{
    char dir[PATH_MAX];
    snprintf(dir, sizeof dir, "%s", path);
    char *slash = strrchr(dir, '/');
    if (!slash) snprintf(dir, sizeof dir, ".");
    else if (slash == dir) slash[1] = 0;
    else *slash = 0;
    struct stat st;
    if (stat(dir, &st) != 0 && mkdir(dir, 0777) != 0) {
        fprintf(stderr, "mnist-cnn train: cannot create folder %s for --out %s: %s\n", dir, path,
                strerror(errno));
        return EXIT_RUNTIME;
    }
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        fprintf(stderr, "mnist-cnn train: cannot write --out %s: %s is not a folder\n", path, dir);
        return EXIT_RUNTIME;
    }
    return 0;
}

int train_output_check(const char *out, const char *metrics, const char *best, const char *data_dir,
                       int force)
{
    if (!*out) {
        fprintf(stderr, "mnist-cnn train: --out expects a file name\n");
        return EXIT_USAGE;
    }
    if (strlen(out) >= PATH_MAX - 32 || !metrics) {
        fprintf(stderr, "mnist-cnn train: --out is too long (at most %d characters)\n", PATH_MAX - 32);
        return EXIT_USAGE;
    }
    int rc = check_folder(out);
    if (!rc) rc = check_target(out, "--out", data_dir, force);
    if (!rc) rc = check_target(metrics, "the metric log", data_dir, force);
    if (!rc && best) rc = check_target(best, "the best checkpoint", data_dir, force);
    return rc;
}

int train_output_claim(RunLock *lock, const char *out, const char *metrics)
{
    char err[4600];
    if (run_lock(lock, out, err, sizeof err)) {
        fprintf(stderr, "mnist-cnn train: %s\n", err);
        return EXIT_RUNTIME;
    }
    char png[PATH_MAX + 32], svg[PATH_MAX + 32], best[PATH_MAX + 32];
    int n = atomic_remove_stale(out) + atomic_remove_stale(metrics);
    if (path_with_suffix(out, path_hdf5_exts, "-best.h5", best, sizeof best) == 0)
        n += atomic_remove_stale(best);
    if (path_with_suffix(out, path_hdf5_exts, "-training.png", png, sizeof png) == 0)
        n += atomic_remove_stale(png);
    if (path_with_suffix(out, path_hdf5_exts, "-training.svg", svg, sizeof svg) == 0)
        n += atomic_remove_stale(svg);
    if (n) fprintf(stderr, "mnist-cnn train: removed %d temporary file%s an interrupted run left\n",
                   n, n == 1 ? "" : "s");
    return 0;
}
