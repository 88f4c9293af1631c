/* mnist-cnn info: what a checkpoint holds, as text for people. Everything printed has passed the
 * same checks as a real load (cli/checkpoint.h). */
#include "cli/checkpoint.h"
#include "cli/commands.h"
#include "cli/common.h"
#include "io/metric_log_file.h"
#include "simd/isa.h"

#include <getopt.h>
#include <math.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

/* "128x3136", or "scalar". */
static void shape_str(const StateEntry *e, char *buf, size_t len)
{
    if (e->ndim == 0) {
        snprintf(buf, len, "scalar");
        return;
    }
    size_t used = 0;
    for (int i = 0; i < e->ndim && used < len; i++)
        used += (size_t)snprintf(buf + used, len - used, i ? "x%d" : "%d", e->shape[i]);
}

static void tensor_line(const StateEntry *e, const Model *m)
{
    char shape[64];
    shape_str(e, shape, sizeof shape);
    if (e->kind == T_COUNTER) {
        printf("  %-26s int64   %-12s value %lld\n", e->name, shape, (long long)m->counters[e->index]);
        return;
    }
    const float *x = model_tensor(m, e);
    double lo = x[0], hi = x[0], sum = 0;
    for (size_t i = 0; i < e->numel; i++) {
        lo = x[i] < lo ? x[i] : lo;
        hi = x[i] > hi ? x[i] : hi;
        sum += x[i];
    }
    printf("  %-26s float32 %-12s min %+.4g  max %+.4g  mean %+.4g\n", e->name, shape, lo, hi,
           sum / (double)e->numel);
}

static void print_run(const char *path, const RunInfo *r)
{
    if (!r) {
        printf("%s: a model without training attributes (a state_dict saved by another program)\n",
               path);
        return;
    }
    printf("%s: mnist-cnn checkpoint, format version %d\n", path, r->format_version);
    printf("  epochs completed %d of %d, optimizer steps %lld, seed %llu\n", r->epoch, r->epochs,
           (long long)r->step, (unsigned long long)r->seed);
    if (r->epoch_samples)
        printf("  saved inside epoch %d, after %lld of its samples\n", r->epoch + 1,
               (long long)r->epoch_samples);
    if (r->role[0]) printf("  role: %s\n", strcmp(r->role, "best") == 0
                                                ? "best (the best epoch by validation)" : r->role);
    /* files from before an option existed ran without it: say what they trained with */
    printf("  recipe: batch %d, lr %g %s", r->batch, (double)r->lr,
           r->schedule[0] ? r->schedule : "constant");
    if (r->warmup > 0) printf(" (warm-up %g of the steps)", (double)r->warmup);
    if (r->label_smoothing > 0) printf(", label smoothing %g", (double)r->label_smoothing);
    if (r->ema > 0) printf(", weight average (EMA %g)", (double)r->ema);
    printf(", validation %d images, patience %d\n", r->val, r->patience);
    printf("  data: %s, limit %d, augmentation %s", r->data_dir[0] ? r->data_dir : "-", r->limit,
           r->augment ? "on" : "off");
    if (r->augment) printf(" (strength %g)", r->augment_strength > 0 ? (double)r->augment_strength : 1.0);
    printf("\n  kernels: %s, conv2 in training: %s, precision %s\n", r->isa[0] ? r->isa : "-",
           r->conv[0] ? r->conv : "direct", r->precision[0] ? r->precision : "fp32");
    if (r->data_fingerprint[0]) printf("  data files: %s\n", r->data_fingerprint);
}

static void print_checkpoint(const char *path, const Model *m, const Adam *a, const RunInfo *r)
{
    print_run(path, r);
    printf("model (%zu trainable floats):\n", MODEL_N_PARAMS);
    for (int i = 0; i < N_STATE_ENTRIES; i++) tensor_line(&model_state[i], m);
    if (a)
        printf("optimizer: %s, step %lld, lr %g (the last step's), betas (%g, %g), eps %g",
               a->weight_decay > 0 ? "AdamW" : "Adam", (long long)a->step, (double)a->lr,
               (double)a->beta1, (double)a->beta2, (double)a->eps);
    if (a && a->weight_decay > 0) printf(", weight decay %g", (double)a->weight_decay);
    if (a) printf("\n");
    else
        printf("optimizer: none (model only; training cannot resume Adam's moments)\n");
}

/* The run's metric log: beside the checkpoint, or (older files) inside it. -1 when it cannot be
 * read (said on stderr: it holds what no run writes, or is damaged). */
static int print_metric_log(const char *path)
{
    char side[4096], err[512], log_of[PATH_MAX];
    MetricLog log = {0};
    struct stat st;
    checkpoint_log_owner(path, log_of, sizeof log_of);
    path = log_of;
    int beside = metric_log_path(path, side, sizeof side) == 0 && stat(side, &st) == 0;
    if (metric_log_load_for(path, &log, err, sizeof err)) {
        fprintf(stderr, "mnist-cnn info: %s\n", err);
        return -1;
    } else if (log.n_epochs > 0) {
        const EpochMetrics *e = &log.epochs[log.n_epochs - 1];
        printf("metric log: %s (%zu epochs, %zu step rows; epoch %d: ", beside ? side : path,
               log.n_epochs, log.n_steps, e->epoch);
        if (isnan(e->test_acc)) printf("not evaluated on the test set, ");
        else printf("test accuracy %.2f%%, ", 100 * e->test_acc);
        printf("%.0f samples/s)\n", e->samples_per_s);
    } else {
        printf("metric log: %s\n", beside ? "empty" : "none");
    }
    metrics_free(&log);
    return 0;
}

int cmd_info(int argc, char **argv)
{
    static const struct option opts[] = {{"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    int c;
    optind = 0;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        if (c == 'h') {
            printf("Usage: mnist-cnn info FILE.h5\n"
                   "Print what a checkpoint holds: options, tensors, optimizer state, metrics.\n");
            return EXIT_OK;
        }
        return usage_error("info");
    }
    if (argc - optind != 1) {
        fprintf(stderr, "mnist-cnn info: expected exactly one checkpoint file\n");
        return usage_error("info");
    }
    const char *path = argv[optind];
    char err[512];
    Model m = {0};
    Adam a = {0};
    RunInfo run;
    int has_opt = 0, has_run = 0, rc = EXIT_RUNTIME;
    /* the model first (attributes optional: a state_dict saved elsewhere has none, but any that
     * are there are checked), then the training attributes and Adam's state if the file has them */
    if (model_alloc(&m))
        snprintf(err, sizeof err, "out of memory");
    else if (checkpoint_load(path, &m, NULL, NULL, err, sizeof err) == 0 &&
             checkpoint_has_optimizer(path, &has_opt, err, sizeof err) == 0) {
        char why[512];
        has_run = checkpoint_load_run(path, &run, why, sizeof why) == 0;
        if (!has_opt) rc = EXIT_OK;
        else if (adam_alloc(&a, 0.0f)) snprintf(err, sizeof err, "out of memory");
        else if (checkpoint_load(path, &m, &a, &run, err, sizeof err) == 0) rc = EXIT_OK;
    }
    if (rc == EXIT_OK) {
        print_checkpoint(path, &m, has_opt ? &a : NULL, has_run ? &run : NULL);
        if (print_metric_log(path)) rc = EXIT_RUNTIME;
        printf("kernels in use here: %s\n", isa_name(isa_current()));
    } else {
        fprintf(stderr, "mnist-cnn info: %s\n", err);
    }
    adam_free(&a);
    model_free(&m);
    return rc;
}
