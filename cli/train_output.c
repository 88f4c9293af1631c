#include "cli/train_output.h"
#include "cli/checkpoint.h"
#include "cli/common.h"
#include "io/atomic_file.h"
#include "io/metric_log_file.h"
#include "io/path.h"
#include "io/seal.h"
#include "io/tensor_file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The free names a run without --out takes: runs/model.h5, then runs/model-2.h5 ... */
enum { FREE_NAMES_MAX = 1000 };

int train_files(const char *out, TrainFiles *f)
{
    if (!*out) {
        fprintf(stderr, "mnist-cnn train: --out expects a file name\n");
        return EXIT_USAGE;
    }
    if (strlen(out) >= PATH_MAX - 32 ||
        snprintf(f->out, sizeof f->out, "%s", out) >= (int)sizeof f->out ||
        metric_log_path(out, f->metrics, sizeof f->metrics) ||
        best_checkpoint_path(out, f->best, sizeof f->best) ||
        path_with_suffix(out, path_hdf5_exts, "-training.png", f->png, sizeof f->png) ||
        path_with_suffix(out, path_hdf5_exts, "-training.svg", f->svg, sizeof f->svg)) {
        fprintf(stderr, "mnist-cnn train: --out is too long (at most %d characters)\n",
                PATH_MAX - 32);
        return EXIT_USAGE;
    }
    return 0;
}

static int exists(const char *path)
{
    struct stat st;
    return lstat(path, &st) == 0;
}

/* What an existing regular file is, as far as replacing it goes. */
typedef enum { KIND_OTHER, KIND_DAMAGED, KIND_CHECKPOINT, KIND_METRIC_LOG } FileKind;
static FileKind file_kind(const char *path);

/* None of the run's files exists (but the metric log of a run killed before its first
 * checkpoint), and no run holds the name (one that has not saved yet). */
static int files_free(const TrainFiles *f)
{
    return !exists(f->out) && (!exists(f->metrics) || file_kind(f->metrics) == KIND_METRIC_LOG) &&
           !exists(f->best) && !exists(f->png) && !exists(f->svg) && !run_lock_held(f->out);
}

int train_files_free(TrainFiles *f)
{
    for (int i = 1; i <= FREE_NAMES_MAX; i++) {
        char name[64];
        if (i == 1) snprintf(name, sizeof name, "%s", DEFAULT_CHECKPOINT);
        else snprintf(name, sizeof name, DEFAULT_RUNS_DIR "/model-%d.h5", i);
        if (train_files(name, f)) return EXIT_RUNTIME;
        if (files_free(f)) return 0;
    }
    fprintf(stderr, "mnist-cnn train: " DEFAULT_RUNS_DIR "/ holds %d runs already: name this one with "
                    "--out FILE.h5\n", FREE_NAMES_MAX);
    return EXIT_RUNTIME;
}

/* ---- what a file is ---- */

static const char *const data_files[] = {"train-images-idx3-ubyte", "train-labels-idx1-ubyte",
                                         "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"};

/* st is the same file as one of the data set's. */
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


static FileKind file_kind(const char *path)
{
    char err[512];
    int sealed = seal_check(path, err, sizeof err);
    if (sealed == 1) return KIND_OTHER;        /* not written by us */
    if (sealed != 0) return KIND_DAMAGED;      /* ours, damaged: no loss */
    int has = 0;
    if (tensor_file_has(path, "model", &has, err, sizeof err)) return KIND_DAMAGED;
    if (has) return KIND_CHECKPOINT;
    if (tensor_file_has(path, "metrics", &has, err, sizeof err)) return KIND_DAMAGED;
    return has ? KIND_METRIC_LOG : KIND_OTHER;
}

static const char *kind_name(FileKind k)
{
    return k == KIND_CHECKPOINT ? "a checkpoint" : k == KIND_METRIC_LOG ? "a metric log" : "a file";
}

/* What the checkpoint at path holds, for the message refusing to replace it. */
static void describe_checkpoint(const char *path, char *buf, size_t n)
{
    RunInfo run;
    char err[512];
    if (checkpoint_load_run(path, &run, err, sizeof err) || !run.format_version) {
        snprintf(buf, n, "holds a model");
    } else if (!strcmp(run.role, "best")) {
        snprintf(buf, n, "holds the best epoch of a run (epoch %d of %d)", (int)run.epoch,
                 (int)run.epochs);
    } else if (run.epoch >= run.epochs && !run.epoch_samples) {
        snprintf(buf, n, "holds a finished run (%d of %d epochs)", (int)run.epoch,
                 (int)run.epochs);
    } else {
        snprintf(buf, n, "holds a run stopped after epoch %d of %d", (int)run.epoch,
                 (int)run.epochs);
    }
}

/* ---- the checks ---- */

typedef enum { ROLE_CHECKPOINT, ROLE_METRIC_LOG, ROLE_PICTURE } Role;

/* The file a run would write at path, in role, is new or may be replaced. what names it in
 * messages ("--out", "the metric log", ...). */
static int check_target(const char *path, const char *what, Role role, const TrainFiles *f,
                        const char *data_dir, int force, int own_run)
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
    if (role != ROLE_PICTURE) {
        /* a checkpoint only ever replaces a checkpoint, a metric log a metric log */
        FileKind k = file_kind(path), want = role == ROLE_CHECKPOINT ? KIND_CHECKPOINT
                                                                   : KIND_METRIC_LOG;
        if ((k == KIND_CHECKPOINT || k == KIND_METRIC_LOG) && k != want) {
            fprintf(stderr, "mnist-cnn train: %s %s is %s of another run, not %s: refusing to "
                            "replace it, even with --force\n", what, path, kind_name(k),
                    kind_name(want));
            return EXIT_RUNTIME;
        }
        if (own_run || force) return 0;
        if (k == KIND_METRIC_LOG && role == ROLE_METRIC_LOG && !exists(f->out))
            return 0;   /* the log of a run killed before its first checkpoint: nothing to lose */
        if (k == KIND_CHECKPOINT && path == f->out) {
            char held[160];
            describe_checkpoint(path, held, sizeof held);
            fprintf(stderr, "mnist-cnn train: --out %s %s: refusing to replace it. To continue it: "
                            "--resume %s (with --epochs N to train further); to keep it: another "
                            "--out; to replace it: --force\n", path, held, path);
            return EXIT_RUNTIME;
        }
    }
    if (own_run || force) return 0;
    fprintf(stderr, "mnist-cnn train: %s %s exists%s: refusing to replace it; give another --out, "
                    "or --force to replace it\n", what, path,
            role == ROLE_PICTURE || file_kind(path) == KIND_OTHER ? "" : " (another run's)");
    return EXIT_RUNTIME;
}

/* The folder of path, into dir ("." when path has none). */
static void folder_of(const char *path, char *dir, size_t n)
{
    snprintf(dir, n, "%s", path);
    char *slash = strrchr(dir, '/');
    if (!slash) snprintf(dir, n, ".");
    else if (slash == dir) slash[1] = 0;
    else *slash = 0;
}

/* The checkpoint's folder is a folder, or missing but can be made in a folder that exists. */
static int check_folder(const char *path)
{
    char dir[PATH_MAX], parent[PATH_MAX];
    struct stat st;
    folder_of(path, dir, sizeof dir);
    if (stat(dir, &st) == 0) {
        if (S_ISDIR(st.st_mode)) return 0;
        fprintf(stderr, "mnist-cnn train: cannot write --out %s: %s is not a folder\n", path, dir);
        return EXIT_RUNTIME;
    }
    folder_of(dir, parent, sizeof parent);
    if (errno == ENOENT && stat(parent, &st) == 0 && S_ISDIR(st.st_mode)) return 0;
    fprintf(stderr, "mnist-cnn train: cannot create folder %s for --out %s: %s\n", dir, path,
            errno == ENOENT ? "No such file or directory" : strerror(errno));
    return EXIT_RUNTIME;
}

int train_output_check(const TrainFiles *f, const char *data_dir, int force, int own_run)
{
    if (check_folder(f->out)) return EXIT_RUNTIME;
    int rc = check_target(f->out, "--out", ROLE_CHECKPOINT, f, data_dir, force, own_run);
    if (!rc) rc = check_target(f->metrics, "the metric log", ROLE_METRIC_LOG, f, data_dir, force, own_run);
    if (!rc) rc = check_target(f->best, "the best checkpoint", ROLE_CHECKPOINT, f, data_dir, force, own_run);
    if (!rc) rc = check_target(f->png, "the graph", ROLE_PICTURE, f, data_dir, force, own_run);
    if (!rc) rc = check_target(f->svg, "the graph", ROLE_PICTURE, f, data_dir, force, own_run);
    return rc;
}

/* ---- claiming the files ---- */

/* The folder of path exists (created if missing, one level) and is a folder. */
static int make_folder(const char *path)
{
    char dir[PATH_MAX];
    folder_of(path, dir, sizeof dir);
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

int train_output_claim(RunLock *lock, const TrainFiles *f)
{
    if (make_folder(f->out)) return EXIT_RUNTIME;
    char err[4600];
    if (run_lock(lock, f->out, err, sizeof err)) {
        fprintf(stderr, "mnist-cnn train: %s\n", err);
        return EXIT_RUNTIME;
    }
    int n = atomic_remove_stale(f->out) + atomic_remove_stale(f->metrics) +
            atomic_remove_stale(f->best) + atomic_remove_stale(f->png) +
            atomic_remove_stale(f->svg);
    if (n) fprintf(stderr, "mnist-cnn train: removed %d temporary file%s an interrupted run left\n",
                   n, n == 1 ? "" : "s");
    return 0;
}
