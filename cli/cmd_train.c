/* mnist-cnn train: parse the options, prepare (model, optimizer, data, output path), run the
 * engine's training loop with a checkpoint after every epoch, summarise. Everything a run holds
 * is in one TrainRun, freed in one place on every path. */
#include "cli/checkpoint.h"
#include "cli/commands.h"
#include "cli/common.h"
#include "engine/train.h"
#include "io/idx.h"
#include "io/metric_log_file.h"
#include "io/path.h"
#include "io/plot.h"
#include "simd/isa.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void usage(FILE *f)
{
    fprintf(f,
        "Usage: mnist-cnn train [OPTIONS]\n"
        "Train the CNN on MNIST (or any IDX data set laid out like it) and write a checkpoint.\n\n"
        "  --data DIR        folder with train-/t10k- IDX files (default: $MNIST_DATA or data/mnist)\n"
        "  --epochs N        epochs to train in all (default 15)\n"
        "  --batch N         samples per step (default 64)\n"
        "  --lr X            Adam learning rate (default 0.001)\n"
        "  --threads N       OpenMP threads (default: all cores); results do not depend on it\n"
        "  --seed N          seed for initialisation, shuffling, augmentation, dropout (default 1)\n"
        "  --limit N         train on the first N training images only\n"
        "  --test-limit N    evaluate on the first N test images only\n"
        "  --no-augment      no random affine augmentation\n"
        "  --log-every N     record batch loss/accuracy every N steps (default 50)\n"
        "  --out FILE.h5     checkpoint to write after every epoch (default " DEFAULT_CHECKPOINT "),\n"
        "                    with its metric log FILE-metrics.h5 and graphs FILE-training.png/.svg\n"
        "  --resume FILE.h5  continue a run from its checkpoint: seed, batch, lr, limit and\n"
        "                    augmentation come from it, --out defaults to it; the result is\n"
        "                    bitwise the same as an uninterrupted run (same instruction set)\n"
        "  --quiet           no progress output, only the final summary line\n"
        "  --json            one JSON object per epoch on stdout (for scripts)\n"
        "  -h, --help        this help\n");
}

/* What the command line asked for. */
typedef struct {
    const char *data, *out, *resume;
    const char *fixed_opt;   /* an option the checkpoint decides when resuming */
    long epochs, batch, threads, seed, limit, test_limit, log_every;
    float lr;
    int augment, quiet, json, epochs_given, data_given, out_given;
} TrainOptions;

/* Everything one run holds. */
typedef struct {
    TrainOptions o;
    Model m;
    Adam opt;
    MetricLog log;
    RunInfo run;             /* what the checkpoint records */
    Dataset train, test;
    ImageSet tr, te;
    int first_epoch, nthreads, tty;
    char metrics[4096];      /* the metric log beside the checkpoint */
    char resumed_isa[sizeof ((RunInfo *)0)->isa];        /* kernels of the run resumed */
    char resumed_data[sizeof ((RunInfo *)0)->data_dir];  /* its data folder */
} TrainRun;

static void train_run_free(TrainRun *r)
{
    metrics_free(&r->log);
    adam_free(&r->opt);
    model_free(&r->m);
    dataset_free(&r->train);
    dataset_free(&r->test);
}

/* ---- parse ---- */

/* Returns -1 to go on, else the exit code (help printed, or a usage error reported). */
static int parse_options(int argc, char **argv, TrainOptions *o)
{
    static const struct option opts[] = {
        {"data", required_argument, 0, 'd'},     {"epochs", required_argument, 0, 'e'},
        {"batch", required_argument, 0, 'b'},    {"lr", required_argument, 0, 'l'},
        {"threads", required_argument, 0, 't'},  {"seed", required_argument, 0, 's'},
        {"limit", required_argument, 0, 'n'},    {"test-limit", required_argument, 0, 'T'},
        {"no-augment", no_argument, 0, 'A'},     {"log-every", required_argument, 0, 'L'},
        {"out", required_argument, 0, 'o'},      {"quiet", no_argument, 0, 'q'},
        {"json", no_argument, 0, 'j'},           {"help", no_argument, 0, 'h'},
        {"resume", required_argument, 0, 'r'},   {0, 0, 0, 0}};
    *o = (TrainOptions){.data = default_data_dir(), .out = DEFAULT_CHECKPOINT, .epochs = 15,
                        .batch = 64, .seed = 1, .log_every = 50, .lr = 1e-3f, .augment = 1};
    int c;
    optind = 0;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        int bad = 0;
        switch (c) {
        case 'd': o->data = optarg; o->data_given = 1; break;
        case 'e':
            bad = parse_long("train", "--epochs", optarg, 1, 100000, &o->epochs);
            o->epochs_given = 1;
            break;
        case 'b': bad = parse_long("train", "--batch", optarg, 1, 4096, &o->batch); o->fixed_opt = "--batch"; break;
        case 'l': bad = parse_float("train", "--lr", optarg, 1e-12, 10, &o->lr); o->fixed_opt = "--lr"; break;
        case 't': bad = parse_long("train", "--threads", optarg, 1, 1024, &o->threads); break;
        case 's':
            bad = parse_long("train", "--seed", optarg, 0, 0x7fffffffffffffffL, &o->seed);
            o->fixed_opt = "--seed";
            break;
        case 'n': bad = parse_long("train", "--limit", optarg, 1, 100000000, &o->limit); o->fixed_opt = "--limit"; break;
        case 'T': bad = parse_long("train", "--test-limit", optarg, 1, 100000000, &o->test_limit); break;
        case 'A': o->augment = 0; o->fixed_opt = "--no-augment"; break;
        case 'L': bad = parse_long("train", "--log-every", optarg, 0, 100000000, &o->log_every); break;
        case 'o': o->out = optarg; o->out_given = 1; break;
        case 'r': o->resume = optarg; break;
        case 'q': o->quiet = 1; break;
        case 'j': o->json = 1; break;
        case 'h': usage(stdout); return EXIT_OK;
        default: return usage_error("train");
        }
        if (bad) return usage_error("train");
    }
    if (optind < argc) {
        fprintf(stderr, "mnist-cnn train: unexpected argument '%s'\n", argv[optind]);
        return usage_error("train");
    }
    if (o->resume && o->fixed_opt) {
        fprintf(stderr, "mnist-cnn train: %s cannot be combined with --resume: it comes from the "
                        "checkpoint\n", o->fixed_opt);
        return usage_error("train");
    }
    return -1;
}

/* ---- prepare ---- */

/* Check the checkpoint path before training rather than after the first epoch: not a folder,
 * and its folder exists (created if missing, one level like runs/) and is writable. */
static int check_output_path(const char *path)
{
    struct stat st;
    if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
        fprintf(stderr, "mnist-cnn train: --out %s is a folder, expected a file name\n", path);
        return -1;
    }
    char dir[1024];
    snprintf(dir, sizeof dir, "%s", path);
    char *slash = strrchr(dir, '/');
    if (!slash) snprintf(dir, sizeof dir, ".");
    else if (slash == dir) slash[1] = 0;
    else *slash = 0;
    if (stat(dir, &st) != 0 && mkdir(dir, 0777) != 0) {
        fprintf(stderr, "mnist-cnn train: cannot create folder %s for --out %s: %s\n", dir, path,
                strerror(errno));
        return -1;
    }
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode) || access(dir, W_OK | X_OK) != 0) {
        fprintf(stderr, "mnist-cnn train: cannot write --out %s: %s is not a writable folder\n",
                path, dir);
        return -1;
    }
    return 0;
}

/* Continue a run: model, optimizer and options from its checkpoint, and its metric log cut back
 * to what the checkpoint holds (the log is written after the checkpoint, so it can be one epoch
 * behind, never ahead; rows past the checkpoint would come from a later run). */
static int load_resume(TrainRun *r)
{
    char err[512];
    TrainOptions *o = &r->o;
    if (checkpoint_load(o->resume, &r->m, &r->opt, &r->run, err, sizeof err) ||
        metric_log_load_for(o->resume, &r->log, err, sizeof err)) {
        fprintf(stderr, "mnist-cnn train: --resume: %s\n", err);
        return -1;
    }
    if (r->run.batch < 1 || r->run.epoch < 1) {
        fprintf(stderr, "mnist-cnn train: --resume: %s: no completed epoch to continue from\n",
                o->resume);
        return -1;
    }
    MetricLog *log = &r->log;
    while (log->n_epochs && log->epochs[log->n_epochs - 1].epoch > r->run.epoch) log->n_epochs--;
    while (log->n_steps && log->steps[log->n_steps - 1].step > r->opt.step) log->n_steps--;
    o->seed = (long)r->run.seed;
    o->batch = r->run.batch;
    o->lr = r->opt.lr;
    o->limit = r->run.limit;
    o->augment = r->run.augment;
    if (!o->epochs_given) o->epochs = r->run.epochs;
    memcpy(r->resumed_data, r->run.data_dir, sizeof r->resumed_data);
    if (!o->data_given && r->resumed_data[0]) o->data = r->resumed_data;
    if (!o->out_given) o->out = o->resume;
    r->first_epoch = r->run.epoch + 1;
    memcpy(r->resumed_isa, r->run.isa, sizeof r->resumed_isa);
    return 0;
}

static int load_data(TrainRun *r)
{
    char err[512];
    if (dataset_load(r->o.data, "train", &r->train, err, sizeof err) ||
        dataset_load(r->o.data, "t10k", &r->test, err, sizeof err)) {
        fprintf(stderr, "mnist-cnn train: %s\n", err);
        return -1;
    }
    const Dataset *bad = r->train.rows != IMG_H || r->train.cols != IMG_W ? &r->train
                         : r->test.rows != IMG_H || r->test.cols != IMG_W ? &r->test : NULL;
    if (bad) {
        fprintf(stderr, "mnist-cnn train: %s: %s images are %dx%d, the model needs %dx%d\n",
                r->o.data, bad == &r->train ? "training" : "test", bad->rows, bad->cols, IMG_H, IMG_W);
        return -1;
    }
    r->tr = (ImageSet){r->train.images.data, r->train.labels.data, r->train.n};
    r->te = (ImageSet){r->test.images.data, r->test.labels.data, r->test.n};
    if (r->o.limit && r->o.limit < r->tr.n) r->tr.n = (int)r->o.limit;
    if (r->o.test_limit && r->o.test_limit < r->te.n) r->te.n = (int)r->o.test_limit;
    return 0;
}

/* Returns -1 to go on, else the exit code. */
static int prepare(TrainRun *r)
{
    TrainOptions *o = &r->o;
    if (model_alloc(&r->m) || adam_alloc(&r->opt, o->lr)) {
        fprintf(stderr, "mnist-cnn train: out of memory\n");
        return EXIT_RUNTIME;
    }
    r->first_epoch = 1;
    if (o->resume) {
        if (load_resume(r)) return EXIT_RUNTIME;
        if (r->first_epoch > o->epochs) {
            printf("%s: %d of %ld epochs already trained; nothing to do (--epochs N trains "
                   "further)\n", o->resume, r->run.epoch, o->epochs);
            return EXIT_OK;
        }
    } else {
        model_init(&r->m, (uint64_t)o->seed);
    }
    if (load_data(r) || check_output_path(o->out)) return EXIT_RUNTIME;
    if (metric_log_path(o->out, r->metrics, sizeof r->metrics)) {
        fprintf(stderr, "mnist-cnn train: --out %s: path too long\n", o->out);
        return EXIT_USAGE;
    }
    r->nthreads = set_threads(o->threads);
    r->tty = isatty(2);
    r->run = (RunInfo){.seed = (uint64_t)o->seed, .epochs = (int32_t)o->epochs,
                       .epoch = r->run.epoch, .step = r->opt.step, .batch = (int32_t)o->batch,
                       .limit = (int32_t)o->limit, .augment = o->augment, .lr = o->lr};
    snprintf(r->run.isa, sizeof r->run.isa, "%s", isa_name(isa_current()));
    snprintf(r->run.data_dir, sizeof r->run.data_dir, "%s", o->data);
    return -1;
}

/* ---- run ---- */

static void on_progress(void *ctx, int epoch, int done, int total, float loss, double sps)
{
    TrainRun *r = ctx;
    if (r->o.quiet || r->o.json || !r->tty) return;
    double eta = (total - done) / (sps > 0 ? sps : 1);
    fprintf(stderr, "\r\033[Kepoch %d/%d  %5.1f%%  %7.0f samples/s  loss %.4f  ETA %.0fs", epoch,
            r->run.epochs, 100.0 * done / total, sps, loss, eta);
    fflush(stderr);
}

static void print_epoch(const TrainRun *r, int epoch, const EpochMetrics *e)
{
    if (r->o.json) {
        printf("{\"epoch\": %d, \"train_loss\": %.6f, \"train_accuracy\": %.6f, \"test_loss\": %.6f,"
               " \"test_accuracy\": %.6f, \"seconds\": %.3f, \"samples_per_s\": %.1f,"
               " \"checkpoint\": \"",
               epoch, e->train_loss, e->train_acc, e->test_loss, e->test_acc, e->seconds,
               e->samples_per_s);
        json_string(stdout, r->o.out);
        printf("\"}\n");
    } else if (!r->o.quiet) {
        printf("epoch %2d/%d  train loss %.4f  acc %.2f%%  test loss %.4f  acc %.2f%%  %.1fs  "
               "%.0f samples/s\n",
               epoch, r->run.epochs, e->train_loss, 100 * e->train_acc, e->test_loss,
               100 * e->test_acc, e->seconds, e->samples_per_s);
    }
    fflush(stdout);
}

static int on_epoch_end(void *ctx, int epoch, const EpochMetrics *e)
{
    TrainRun *r = ctx;
    char err[512];
    if (!r->o.quiet && !r->o.json && r->tty) fprintf(stderr, "\r\033[K");
    r->run.epoch = epoch;
    r->run.step = r->opt.step;
    /* The checkpoint holds only what the seed, data and options determine, so same-seed runs
     * give byte-identical checkpoints; the log with its wall-clock timings goes beside it. */
    if (checkpoint_save(r->o.out, &r->m, &r->opt, &r->run, err, sizeof err) ||
        metric_log_save(r->metrics, &r->log, err, sizeof err)) {
        fprintf(stderr, "mnist-cnn train: %s\n", err);
        return 1;
    }
    print_epoch(r, epoch, e);
    return 0;
}

static int run_training(TrainRun *r)
{
    const TrainOptions *o = &r->o;
    if (!o->quiet && !o->json) {
        if (o->resume) printf("resuming %s after epoch %d\n", o->resume, r->run.epoch);
        printf("training on %d images (%s), testing on %d; %ld epochs, batch %ld, lr %g, %d threads,"
               " %s kernels, augmentation %s\n",
               r->tr.n, o->data, r->te.n, o->epochs, o->batch, o->lr, r->nthreads,
               isa_name(isa_current()), o->augment ? "on" : "off");
    }
    if (o->resume && strcmp(r->resumed_isa, r->run.isa) != 0)
        fprintf(stderr, "mnist-cnn train: note: %s was trained with %s kernels, this run uses %s: "
                        "it continues fine, but not bitwise like an uninterrupted run\n",
                o->resume, r->resumed_isa, r->run.isa);
    TrainConfig cfg = {.epochs = (int)o->epochs - r->first_epoch + 1, .batch = (int)o->batch,
                       .threads = r->nthreads, .augment = o->augment, .log_every = (int)o->log_every,
                       .seed = (uint64_t)o->seed};
    TrainCallbacks cb = {on_progress, on_epoch_end, r};
    int rc = train_run(&r->m, &r->opt, &r->log, &r->tr, &r->te, &cfg, r->first_epoch, &cb);
    if (rc < 0) fprintf(stderr, "mnist-cnn train: out of memory\n");
    return rc;
}

/* ---- summarise ---- */

/* The graphs of the finished run next to the checkpoint (runs/model.h5 -> runs/model-training.png
 * and .svg). The checkpoint already holds everything: a failure here is only a warning. */
static void write_training_graphs(const char *out, const MetricLog *log, double steps_per_epoch,
                                  int silent)
{
    char png[4100], svg[4100], err[512];
    if (!plot_available(err, sizeof err)) {
        fprintf(stderr, "mnist-cnn train: warning: no training graphs: %s\n", err);
        return;
    }
    if (path_with_suffix(out, path_hdf5_exts, "-training.png", png, sizeof png) ||
        path_with_suffix(out, path_hdf5_exts, "-training.svg", svg, sizeof svg)) {
        fprintf(stderr, "mnist-cnn train: warning: no training graphs: path too long\n");
        return;
    }
    if (plot_training(log, steps_per_epoch, png, svg, 0, 0, err, sizeof err))
        fprintf(stderr, "mnist-cnn train: warning: no training graphs: %s\n", err);
    else if (!silent)
        printf("training graphs %s, %s\n", png, svg);
}

static void summarise(TrainRun *r)
{
    const TrainOptions *o = &r->o;
    if (!o->json) {
        double secs = 0;
        for (size_t i = 0; i < r->log.n_epochs; i++) secs += r->log.epochs[i].seconds;
        const EpochMetrics *last = &r->log.epochs[r->log.n_epochs - 1];
        printf("test accuracy %.2f%% (loss %.4f) after %ld epochs, %.0f s training, "
               "%.0f samples/s; checkpoint %s, metric log %s\n",
               100 * last->test_acc, last->test_loss, o->epochs, secs, r->tr.n * o->epochs / secs,
               o->out, r->metrics);
    }
    double steps_per_epoch = (double)r->opt.step / (double)o->epochs;
    /* the data and optimizer state are done with: free them before PLplot loads its fonts and
     * cairo, so the graphs do not add to the run's peak memory */
    adam_free(&r->opt);
    model_free(&r->m);
    dataset_free(&r->train);
    dataset_free(&r->test);
    write_training_graphs(o->out, &r->log, steps_per_epoch, o->quiet || o->json);
}

int cmd_train(int argc, char **argv)
{
    TrainRun r = {0};
    int rc = parse_options(argc, argv, &r.o);
    if (rc < 0) rc = prepare(&r);
    if (rc < 0) {
        rc = run_training(&r) == 0 ? EXIT_OK : EXIT_RUNTIME;
        if (rc == EXIT_OK) summarise(&r);
    }
    train_run_free(&r);
    return rc;
}
