#include "cli/common.h"
#include "cli/checkpoint.h"

#include <errno.h>
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <stdlib.h>

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
        break;
    case DATA_FROM_ENV:
        fprintf(stderr, "mnist-cnn %s: MNIST_DATA=%s: no such folder; give the folder of the MNIST "
                "IDX files with --data DIR or MNIST_DATA=DIR\n", cmd, dir);
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

const char *default_model(void)
{
    struct stat st;
    return stat(DEFAULT_BEST_CHECKPOINT, &st) == 0 ? DEFAULT_BEST_CHECKPOINT : DEFAULT_CHECKPOINT;
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
