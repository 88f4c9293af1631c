/* mnist-cnn train: load the data, train with the fast engine, checkpoint after every epoch. */
#include "cli/commands.h"
#include "cli/common.h"
#include "engine/train.h"
#include "io/checkpoint.h"
#include "io/idx.h"
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

typedef struct {
    const char *out;
    char metrics[4096];    /* the metric log beside the checkpoint */
    CheckpointMeta meta;
    Model *m;
    Adam *opt;
    MetricLog *log;
    int quiet, json, tty;
} TrainCtx;

static void on_progress(void *ctx, int epoch, int done, int total, float loss, double sps)
{
    TrainCtx *c = ctx;
    if (c->quiet || c->json || !c->tty) return;
    double eta = (total - done) / (sps > 0 ? sps : 1);
    fprintf(stderr, "\r\033[Kepoch %d/%d  %5.1f%%  %7.0f samples/s  loss %.4f  ETA %.0fs", epoch,
            c->meta.epochs, 100.0 * done / total, sps, loss, eta);
    fflush(stderr);
}

static int on_epoch_end(void *ctx, int epoch, const EpochMetrics *e)
{
    TrainCtx *c = ctx;
    char err[512];
    if (!c->quiet && !c->json && c->tty) fprintf(stderr, "\r\033[K");
    c->meta.epoch = epoch;
    c->meta.step = c->opt->step;
    /* The checkpoint holds only what the seed, data and options determine, so same-seed runs
     * give byte-identical checkpoints; the log with its wall-clock timings goes beside it. */
    if (checkpoint_save(c->out, c->m, c->opt, &c->meta, NULL, err, sizeof err) ||
        metrics_save(c->metrics, c->log, err, sizeof err)) {
        fprintf(stderr, "mnist-cnn train: %s\n", err);
        return 1;
    }
    if (c->json) {
        printf("{\"epoch\": %d, \"train_loss\": %.6f, \"train_accuracy\": %.6f, \"test_loss\": %.6f,"
               " \"test_accuracy\": %.6f, \"seconds\": %.3f, \"samples_per_s\": %.1f,"
               " \"checkpoint\": \"",
               epoch, e->train_loss, e->train_acc, e->test_loss, e->test_acc, e->seconds,
               e->samples_per_s);
        json_string(stdout, c->out);
        printf("\"}\n");
    } else if (!c->quiet) {
        printf("epoch %2d/%d  train loss %.4f  acc %.2f%%  test loss %.4f  acc %.2f%%  %.1fs  "
               "%.0f samples/s\n",
               epoch, c->meta.epochs, e->train_loss, 100 * e->train_acc, e->test_loss,
               100 * e->test_acc, e->seconds, e->samples_per_s);
    }
    fflush(stdout);
    return 0;
}

/* The graphs of the finished run next to the checkpoint (runs/model.h5 -> runs/model-training.png
 * and .svg). The checkpoint already holds everything: a failure here is only a warning. */
static void write_training_graphs(const char *out, const MetricLog *log, double steps_per_epoch,
                                  int silent)
{
    char base[4096], png[4100], svg[4100], err[512];
    if (!plot_available(err, sizeof err)) {
        fprintf(stderr, "mnist-cnn train: warning: no training graphs: %s\n", err);
        return;
    }
    if (plot_training_base(out, base, sizeof base)) {
        fprintf(stderr, "mnist-cnn train: warning: no training graphs: path too long\n");
        return;
    }
    snprintf(png, sizeof png, "%s.png", base);
    snprintf(svg, sizeof svg, "%s.svg", base);
    if (plot_training(log, steps_per_epoch, png, svg, 0, 0, err, sizeof err))
        fprintf(stderr, "mnist-cnn train: warning: no training graphs: %s\n", err);
    else if (!silent)
        printf("training graphs %s, %s\n", png, svg);
}

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

/* Load a run to continue: model, optimizer and options from its checkpoint, and its metric log
 * cut back to what the checkpoint holds (the log is written after the checkpoint, so it can be
 * one epoch behind, never ahead; rows past the checkpoint would come from a later run). */
static int load_resume(const char *path, Model *m, Adam *opt, CheckpointMeta *meta, MetricLog *log)
{
    char err[512];
    if (checkpoint_load(path, m, opt, meta, NULL, err, sizeof err) ||
        load_run_metrics(path, log, err, sizeof err)) {
        fprintf(stderr, "mnist-cnn train: --resume: %s\n", err);
        return -1;
    }
    if (meta->batch < 1 || meta->epoch < 1) {
        fprintf(stderr, "mnist-cnn train: --resume: %s: no completed epoch to continue from\n", path);
        return -1;
    }
    while (log->n_epochs && log->epochs[log->n_epochs - 1].epoch > meta->epoch) log->n_epochs--;
    while (log->n_steps && log->steps[log->n_steps - 1].step > opt->step) log->n_steps--;
    return 0;
}

int cmd_train(int argc, char **argv)
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
    const char *data = default_data_dir(), *out = DEFAULT_CHECKPOINT, *resume = NULL;
    const char *fixed_opt = NULL;   /* an option the checkpoint decides when resuming */
    int epochs_given = 0, data_given = 0, out_given = 0;
    long epochs = 15, batch = 64, threads = 0, seed = 1, limit = 0, test_limit = 0, log_every = 50;
    float lr = 1e-3f;
    int augment = 1, quiet = 0, json = 0, c;
    optind = 0;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        int bad = 0;
        switch (c) {
        case 'd': data = optarg; data_given = 1; break;
        case 'e':
            bad = parse_long("train", "--epochs", optarg, 1, 100000, &epochs);
            epochs_given = 1;
            break;
        case 'b': bad = parse_long("train", "--batch", optarg, 1, 4096, &batch); fixed_opt = "--batch"; break;
        case 'l': bad = parse_float("train", "--lr", optarg, 1e-12, 10, &lr); fixed_opt = "--lr"; break;
        case 't': bad = parse_long("train", "--threads", optarg, 1, 1024, &threads); break;
        case 's':
            bad = parse_long("train", "--seed", optarg, 0, 0x7fffffffffffffffL, &seed);
            fixed_opt = "--seed";
            break;
        case 'n': bad = parse_long("train", "--limit", optarg, 1, 100000000, &limit); fixed_opt = "--limit"; break;
        case 'T': bad = parse_long("train", "--test-limit", optarg, 1, 100000000, &test_limit); break;
        case 'A': augment = 0; fixed_opt = "--no-augment"; break;
        case 'L': bad = parse_long("train", "--log-every", optarg, 0, 100000000, &log_every); break;
        case 'o': out = optarg; out_given = 1; break;
        case 'r': resume = optarg; break;
        case 'q': quiet = 1; break;
        case 'j': json = 1; break;
        case 'h': usage(stdout); return EXIT_OK;
        default: return usage_error("train");
        }
        if (bad) return usage_error("train");
    }
    if (optind < argc) {
        fprintf(stderr, "mnist-cnn train: unexpected argument '%s'\n", argv[optind]);
        return usage_error("train");
    }
    if (resume && fixed_opt) {
        fprintf(stderr, "mnist-cnn train: %s cannot be combined with --resume: it comes from the "
                        "checkpoint\n", fixed_opt);
        return usage_error("train");
    }

    char err[512];
    Model m;
    Adam opt;
    MetricLog log = {0};
    CheckpointMeta rmeta = {0};
    if (model_alloc(&m) || adam_alloc(&opt, lr)) {
        fprintf(stderr, "mnist-cnn train: out of memory\n");
        return EXIT_RUNTIME;
    }
    int first_epoch = 1;
    if (resume) {
        if (load_resume(resume, &m, &opt, &rmeta, &log)) return EXIT_RUNTIME;
        seed = (long)rmeta.seed;
        batch = rmeta.batch;
        lr = opt.lr;
        limit = rmeta.limit;
        augment = rmeta.augment;
        if (!epochs_given) epochs = rmeta.epochs;
        if (!data_given && rmeta.data_dir[0]) data = rmeta.data_dir;
        if (!out_given) out = resume;
        first_epoch = rmeta.epoch + 1;
        if (first_epoch > epochs) {
            printf("%s: %d of %ld epochs already trained; nothing to do (--epochs N trains "
                   "further)\n", resume, rmeta.epoch, epochs);
            metrics_free(&log);
            adam_free(&opt);
            model_free(&m);
            return EXIT_OK;
        }
    } else {
        model_init(&m, (uint64_t)seed);
    }

    Dataset train = {0}, test = {0};
    if (dataset_load(data, "train", &train, err, sizeof err) ||
        dataset_load(data, "t10k", &test, err, sizeof err)) {
        fprintf(stderr, "mnist-cnn train: %s\n", err);
        dataset_free(&train);
        return EXIT_RUNTIME;
    }
    if (train.rows != IMG_H || train.cols != IMG_W || test.rows != IMG_H || test.cols != IMG_W) {
        fprintf(stderr, "mnist-cnn train: %s: images are %dx%d, the model needs 28x28\n", data,
                train.rows, train.cols);
        dataset_free(&train);
        dataset_free(&test);
        return EXIT_RUNTIME;
    }
    if (check_output_path(out)) {
        dataset_free(&train);
        dataset_free(&test);
        return EXIT_RUNTIME;
    }
    int nthreads = set_threads(threads);

    ImageSet tr = {train.images.data, train.labels.data, train.n};
    ImageSet te = {test.images.data, test.labels.data, test.n};
    if (limit && limit < tr.n) tr.n = (int)limit;
    if (test_limit && test_limit < te.n) te.n = (int)test_limit;

    TrainCtx ctx = {.out = out, .m = &m, .opt = &opt, .log = &log, .quiet = quiet, .json = json,
                    .tty = isatty(2)};
    if (metrics_path_for(out, ctx.metrics, sizeof ctx.metrics)) {
        fprintf(stderr, "mnist-cnn train: --out %s: path too long\n", out);
        return EXIT_USAGE;
    }
    ctx.meta = (CheckpointMeta){.seed = (uint64_t)seed, .epochs = (int32_t)epochs,
                                .epoch = rmeta.epoch, .step = opt.step,
                                .batch = (int32_t)batch, .limit = (int32_t)limit,
                                .augment = augment, .lr = lr};
    snprintf(ctx.meta.isa, sizeof ctx.meta.isa, "%s", isa_name(isa_current()));
    snprintf(ctx.meta.data_dir, sizeof ctx.meta.data_dir, "%s", data);
    if (!quiet && !json) {
        if (resume) printf("resuming %s after epoch %d\n", resume, rmeta.epoch);
        printf("training on %d images (%s), testing on %d; %ld epochs, batch %ld, lr %g, %d threads,"
               " %s kernels, augmentation %s\n",
               tr.n, data, te.n, epochs, batch, lr, nthreads, isa_name(isa_current()),
               augment ? "on" : "off");
    }
    if (resume && strcmp(rmeta.isa, isa_name(isa_current())) != 0)
        fprintf(stderr, "mnist-cnn train: note: %s was trained with %s kernels, this run uses %s: "
                        "it continues fine, but not bitwise like an uninterrupted run\n",
                resume, rmeta.isa, isa_name(isa_current()));
    TrainConfig cfg = {.epochs = (int)epochs - first_epoch + 1, .batch = (int)batch,
                       .threads = nthreads, .augment = augment, .log_every = (int)log_every,
                       .seed = (uint64_t)seed};
    TrainCallbacks cb = {on_progress, on_epoch_end, &ctx};
    int rc = train_run(&m, &opt, &log, &tr, &te, &cfg, first_epoch, &cb);
    if (rc < 0) fprintf(stderr, "mnist-cnn train: out of memory\n");
    if (rc == 0 && !json) {
        double secs = 0;
        for (size_t i = 0; i < log.n_epochs; i++) secs += log.epochs[i].seconds;
        const EpochMetrics *last = &log.epochs[log.n_epochs - 1];
        printf("test accuracy %.2f%% (loss %.4f) after %ld epochs, %.0f s training, "
               "%.0f samples/s; checkpoint %s, metric log %s\n",
               100 * last->test_acc, last->test_loss, epochs, secs, tr.n * epochs / secs, out,
               ctx.metrics);
    }
    double steps_per_epoch = (double)opt.step / (double)epochs;
    /* the data and optimizer state are done with: free them before PLplot loads its fonts and
     * cairo, so the graphs do not add to the run's peak memory */
    adam_free(&opt);
    model_free(&m);
    dataset_free(&train);
    dataset_free(&test);
    if (rc == 0) write_training_graphs(out, &log, steps_per_epoch, quiet || json);
    metrics_free(&log);
    return rc == 0 ? EXIT_OK : EXIT_RUNTIME;
}
