/* mnist-cnn train: parse the options, prepare (model, optimizer, output files, data), run the
 * engine's training loop with checkpoints inside and after every epoch, summarise. Everything a
 * run holds is in one TrainRun, freed in one place on every path.
 *
 * Nothing is lost: the metric log is written before the checkpoint, so after a kill at any moment
 * the log is never behind the checkpoint, and --resume cuts it back to the checkpoint's position
 * and continues bit for bit (the random numbers are keyed by seed, epoch, sample and step).
 * SIGINT/SIGTERM finish the current step, save, and exit 130/143; a file-size limit (SIGXFSZ) is
 * a write error with a message; a non-finite loss or gradient stops before it spreads. */
#include "cli/checkpoint.h"
#include "cli/commands.h"
#include "cli/data_fingerprint.h"
#include "cli/common.h"
#include "cli/train_graphs.h"
#include "cli/train_output.h"
#include "cli/train_processes.h"
#include "cli/train_run.h"
#include "engine/holdout.h"
#include "engine/input.h"
#include "engine/net.h"
#include "engine/schedule.h"
#include "engine/train.h"
#include "io/idx.h"
#include "io/metric_log_file.h"
#include "io/path.h"
#include "simd/conv_bf16.h"
#include "simd/isa.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Steps between checkpoints inside an epoch: a kill loses at most this much work (half an epoch
 * of MNIST, a few seconds), and a checkpoint (5 MB, fsync'ed) costs well under 1 % of it. */
enum { DEFAULT_CHECKPOINT_EVERY = 500 };

/* Under mpirun: seconds a process waits for the others before it calls the run failed (a
 * checkpoint or an evaluation takes a few seconds at most; a dead process never answers). */
enum { DEFAULT_MPI_TIMEOUT = 60 };

/* The recipes --recipe chooses (docs/training.md, "Recipes"): the default, the best measured on
 * MNIST; the original project's (--original); and quick, the most accuracy in two epochs. */
typedef struct {
    const char *name;
    long epochs, val;
    float lr, warmup, weight_decay;
    ScheduleKind schedule;
    float ema, label_smoothing;
} Recipe;
static const Recipe recipes[] = {
    {"default", 30, 0, 3e-3f, 0.1f, 0.02f, SCHEDULE_COSINE, 0.999f, 0.0f},
    {"original", 15, 0, 1e-3f, 0.0f, 0.0f, SCHEDULE_CONSTANT, 0.0f, 0.0f},
    {"quick", 2, 0, 8e-3f, 0.1f, 0.02f, SCHEDULE_ONECYCLE, 0.0f, 0.0f},
};
enum { N_RECIPES = sizeof recipes / sizeof recipes[0] };

static const Recipe *recipe_named(const char *name)
{
    for (int i = 0; i < N_RECIPES; i++)
        if (!strcmp(recipes[i].name, name)) return &recipes[i];
    return NULL;
}

static void usage(FILE *f)
{
    fprintf(f,
        "Usage: mnist-cnn train [OPTIONS]\n"
        "Train the CNN on MNIST (or any IDX data set laid out like it) and write a checkpoint.\n\n"
        "  --data DIR        folder with train-/t10k- IDX files (default: $MNIST_DATA or data/mnist)\n"
        "  --epochs N        epochs to train in all (default 30)\n"
        "  --batch N         samples per step (default 64)\n"
        "  --lr X            peak learning rate (default 0.003)\n"
        "  --schedule constant|cosine|onecycle\n"
        "                    the learning rate over the run: constant, cosine (linear warm-up,\n"
        "                    then a half cosine down to 0) or onecycle (default cosine)\n"
        "  --warmup F        fraction of all steps spent warming up (default 0.1)\n"
        "  --weight-decay X  AdamW's decoupled weight decay (default 0.02; 0: plain Adam)\n"
        "  --label-smoothing X  train towards 1 - X for the label and X / 10 for every class\n"
        "                    (PyTorch's label_smoothing; default 0, at most 0.5); the train\n"
        "                    loss shown is that loss, test and validation losses stay plain\n"
        "  --ema D           keep an exponential moving average of the weights, decay D\n"
        "                    (default 0.999; 0: none): it is the model evaluated and saved (the\n"
        "                    trained weights are kept beside it to resume)\n"
        "  --val N           hold out N training images, chosen by the seed, to validate on\n"
        "                    after each epoch; the best epoch is kept in FILE-best.h5 (default\n"
        "                    0: none, every image is trained on)\n"
        "  --recipe default|original|quick\n"
        "                    the defaults of the options above: default (the best measured:\n"
        "                    the values shown), original (the original project's: 15 epochs,\n"
        "                    Adam at a constant 0.001, no weight decay, no average) or quick\n"
        "                    (2 epochs, one-cycle to 0.008, no validation: about 99 %% in two\n"
        "                    epochs); options given still apply\n"
        "  --original        the same as --recipe original\n"
        "  --patience N      with --val: stop after N epochs without a better validation\n"
        "                    (default 0: never)\n"
        "  --threads N       OpenMP threads (default: all cores, under mpirun the process's\n"
        "                    share of them); results do not depend on it\n"
        "  --seed N          seed for initialisation, shuffling, augmentation, dropout (default 1)\n"
        "  --limit N         train on the first N training images only\n"
        "  --test-limit N    evaluate on the first N test images only\n"
        "  --no-augment      no random affine augmentation\n"
        "  --augment-strength F  scale the augmentation's ranges (rotation +-15 degrees, shift\n"
        "                    +-2.8 px, scale 0.8-1.2) by F, 0..1 (default 1)\n"
        "  --conv winograd|direct\n"
        "                    how conv2 is computed in training: winograd (default: Winograd\n"
        "                    F(2x2,3x3), 2.25x fewer multiplications, a different float rounding\n"
        "                    of the same sums, the same accuracy) or direct; evaluation is direct\n"
        "  --precision fp32|bf16\n"
        "                    conv2's products in training: fp32 (default) or bf16 (operands rounded\n"
        "                    to bfloat16, sums in float, on the direct convolution, so it implies\n"
        "                    --conv direct; needs a CPU with AVX512_BF16, or MNIST_CNN_ISA=scalar\n"
        "                    for a slow emulation); weights, gradients, Adam and evaluation stay fp32\n"
        "  --log-every N     record batch loss/accuracy every N steps (default 50)\n"
        "  --out FILE.h5     checkpoint to write, with its metric log FILE-metrics.h5, best epoch\n"
        "                    FILE-best.h5 and graphs FILE-training.png/.svg; none of them may\n"
        "                    exist (--force replaces them). Default: the first free name of\n"
        "                    " DEFAULT_CHECKPOINT ", runs/model-2.h5, ...\n"
        "  --checkpoint-every N  also checkpoint every N steps inside an epoch (default %d,\n"
        "                    0: only at the end of each epoch)\n"
        "  --resume FILE.h5  continue a run from its checkpoint, even one saved inside an epoch:\n"
        "                    seed, batch, lr, schedule, warm-up, weight decay, val, patience, limit,\n"
        "                    augmentation, conv and precision come from it (epochs, data,\n"
        "                    log-every and test-limit too unless given), --out defaults to it; the\n"
        "                    result is bitwise the same as an uninterrupted run (same instruction\n"
        "                    set)\n"
        "  --force           replace the files of --out when they exist; with --resume, go on\n"
        "                    when the data files are not the ones the run trained on\n"
        "  --quiet           no progress output, only the final summary line\n"
        "  --json            one JSON object per epoch on stdout (for scripts)\n"
        "  --mpi-timeout S   under mpirun: give up when the other processes have not answered\n"
        "                    for S seconds (default %d)\n"
        "  -h, --help        this help\n\n"
        "Ctrl-C (SIGINT), SIGTERM, SIGHUP (the terminal closed) or SIGPIPE (the reader of its\n"
        "output went away): the current step finishes, a checkpoint is written, and the command\n"
        "says how to resume (exit 130, 143, 129, 141). Exit 1 on errors, also when the loss or a\n"
        "gradient becomes NaN or infinite (the last good checkpoint is kept).\n\n"
        "Several processes: mpirun -np R mnist-cnn train ... trains one model on R processes\n"
        "(R a power of two, up to the batch's chunks of 2 samples), each on its share of every\n"
        "batch, with the same result, bit for bit, as one process. Rank 0 reads the data and\n"
        "checkpoints and writes every file; a process that dies stops the run with an error,\n"
        "and the last checkpoint resumes on any number of processes.\n",
        DEFAULT_CHECKPOINT_EVERY, DEFAULT_MPI_TIMEOUT);
}

/* The run's lock, removed at exit() too: libgomp and other libraries end the process with exit()
 * on errors they cannot return (a thread that cannot be created). */
static RunLock *held_lock;

static void train_run_free(TrainRun *r)
{
    metrics_free(&r->log);
    adam_free(&r->opt);
    model_free(&r->m);
    model_free(&r->avg);
    dataset_free(&r->train);
    dataset_free(&r->test);
    shared_data_free(&r->held);
    run_unlock(&r->lock);
    held_lock = NULL;
}

/* ---- signals: a request to stop after the current step ---- */

static volatile sig_atomic_t stop_signal;
static volatile int stop_requested;

static void on_stop_signal(int sig)
{
    if (sig == SIGPIPE) {
        /* the reader of stdout went away: print nothing more there (open and dup2 are
         * async-signal-safe), finish the step, save, and end like any other stop */
        int null = open("/dev/null", O_WRONLY);
        if (null >= 0) dup2(null, STDOUT_FILENO), close(null);
        if (stop_signal) return;
    } else if (stop_signal && stop_signal != SIGPIPE) {
        /* a second Ctrl-C while the last checkpoint is written: that write is atomic, leave */
        _exit(128 + sig);
    }
    if (!stop_signal) stop_signal = sig;
    stop_requested = 1;
}

static void catch_signals(void)
{
    struct sigaction sa, old;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_stop_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGPIPE, &sa, NULL);
    /* a closed terminal stops the run like SIGTERM, unless it was started to outlive one (nohup) */
    if (sigaction(SIGHUP, NULL, &old) == 0 && old.sa_handler != SIG_IGN) sigaction(SIGHUP, &sa, NULL);
    /* past a file-size limit, write() then fails with EFBIG and the save reports it */
    signal(SIGXFSZ, SIG_IGN);
}

/* ---- parse ---- */

/* The recipe the arguments name: --recipe NAME (or --recipe=NAME) or --original anywhere among
 * them, the last one winning; the default recipe when none (or an unknown name, which parsing
 * reports). */
static const Recipe *chosen_recipe(int argc, char **argv)
{
    const Recipe *r = &recipes[0];
    for (int i = 1; i < argc && strcmp(argv[i], "--"); i++) {
        const Recipe *named = NULL;
        if (!strcmp(argv[i], "--original")) named = recipe_named("original");
        else if (!strcmp(argv[i], "--recipe") && i + 1 < argc) named = recipe_named(argv[++i]);
        else if (!strncmp(argv[i], "--recipe=", 9)) named = recipe_named(argv[i] + 9);
        if (named) r = named;
    }
    return r;
}

/* The defaults: the chosen recipe's (the options given still apply, whatever their order). */
static void set_defaults(int argc, char **argv, TrainOptions *o)
{
    const Recipe *recipe = chosen_recipe(argc, argv);
    *o = (TrainOptions){.data = default_data_dir(), .out = DEFAULT_CHECKPOINT,
                        .batch = 64, .seed = 1, .log_every = 50, .augment = 1,
                        .checkpoint_every = DEFAULT_CHECKPOINT_EVERY, .conv = CONV_WINOGRAD,
                        .augment_strength = 1.0f, .epochs = recipe->epochs,
                        .mpi_timeout = DEFAULT_MPI_TIMEOUT,
                        .val = recipe->val, .lr = recipe->lr, .warmup = recipe->warmup,
                        .weight_decay = recipe->weight_decay,
                        .schedule = recipe->schedule, .ema = recipe->ema,
                        .label_smoothing = recipe->label_smoothing,
                        .data_from = default_data_origin()};
}

/* An option of the recipe (what --resume takes from the checkpoint): 0 when parsed, 1 when its
 * value is bad (reported), -1 when c is not one of them. */
static int recipe_option(int c, TrainOptions *o)
{
    int bad = 0;
    switch (c) {
    case 'b': bad = parse_long("train", "--batch", optarg, 1, 4096, &o->batch); o->fixed_opt = "--batch"; break;
    case 'l': bad = parse_float("train", "--lr", optarg, 1e-12, 10, &o->lr); o->fixed_opt = "--lr"; break;
    case 's':
        bad = parse_long("train", "--seed", optarg, 0, 0x7fffffffffffffffL, &o->seed);
        o->fixed_opt = "--seed";
        break;
    case 'n': bad = parse_long("train", "--limit", optarg, 1, 100000000, &o->limit); o->fixed_opt = "--limit"; break;
    case 'A': o->augment = 0; o->fixed_opt = "--no-augment"; break;
    case 'O': o->fixed_opt = "--original"; break;   /* applied by set_defaults */
    case 'R':   /* applied by set_defaults; checked here */
        if (!recipe_named(optarg)) {
            fprintf(stderr, "mnist-cnn train: --recipe: '%s' is not default, original or quick\n",
                    optarg);
            bad = 1;
        }
        o->fixed_opt = "--recipe";
        break;
    case 'G':
        bad = parse_float("train", "--augment-strength", optarg, 0.001, 1, &o->augment_strength);
        o->fixed_opt = "--augment-strength";
        break;
    case 'V':
        if (conv_algo_from_name(optarg) < 0) {
            fprintf(stderr, "mnist-cnn train: --conv: '%s' is not direct or winograd\n", optarg);
            bad = 1;
        }
        o->conv = (ConvAlgo)conv_algo_from_name(optarg);
        o->conv_given = 1;
        o->fixed_opt = "--conv";
        break;
    case 'X':
        if (precision_from_name(optarg) < 0) {
            fprintf(stderr, "mnist-cnn train: --precision: '%s' is not fp32 or bf16\n", optarg);
            bad = 1;
        }
        o->precision = (Precision)precision_from_name(optarg);
        o->fixed_opt = "--precision";
        break;
    case 'S':
        if (schedule_from_name(optarg) < 0) {
            fprintf(stderr, "mnist-cnn train: --schedule: '%s' is not constant, cosine or "
                            "onecycle\n", optarg);
            bad = 1;
        }
        o->schedule = (ScheduleKind)schedule_from_name(optarg);
        o->fixed_opt = "--schedule";
        break;
    case 'W': bad = parse_float("train", "--warmup", optarg, 0, 1, &o->warmup); o->fixed_opt = "--warmup"; break;
    case 'Z':
        bad = parse_float("train", "--label-smoothing", optarg, 0, 0.5, &o->label_smoothing);
        o->fixed_opt = "--label-smoothing";
        break;
    case 'E':
        bad = parse_float("train", "--ema", optarg, 0, 0.999999, &o->ema);
        o->fixed_opt = "--ema";
        break;
    case 'D':
        bad = parse_float("train", "--weight-decay", optarg, 0, 1, &o->weight_decay);
        o->fixed_opt = "--weight-decay";
        break;
    case 'v': bad = parse_long("train", "--val", optarg, 0, 100000000, &o->val); o->fixed_opt = "--val"; break;
    case 'P': bad = parse_long("train", "--patience", optarg, 0, 100000, &o->patience); o->fixed_opt = "--patience"; break;
    default: return -1;
    }
    return bad ? 1 : 0;
}

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
        {"resume", required_argument, 0, 'r'},   {"force", no_argument, 0, 'F'},
        {"checkpoint-every", required_argument, 0, 'C'}, {"conv", required_argument, 0, 'V'},
        {"schedule", required_argument, 0, 'S'}, {"warmup", required_argument, 0, 'W'},
        {"weight-decay", required_argument, 0, 'D'}, {"val", required_argument, 0, 'v'},
        {"patience", required_argument, 0, 'P'},
        {"augment-strength", required_argument, 0, 'G'}, {"original", no_argument, 0, 'O'},
        {"mpi-timeout", required_argument, 0, 'M'}, {"precision", required_argument, 0, 'X'},
        {"recipe", required_argument, 0, 'R'}, {"label-smoothing", required_argument, 0, 'Z'},
        {"ema", required_argument, 0, 'E'},
        {0, 0, 0, 0}};
    set_defaults(argc, argv, o);
    int c;
    optind = 0;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        int bad = 0;
        switch (c) {
        case 'd': o->data = optarg; o->data_given = 1; o->data_from = DATA_FROM_OPTION; break;
        case 'e':
            bad = parse_long("train", "--epochs", optarg, 1, 100000, &o->epochs);
            o->epochs_given = 1;
            break;
        case 't': bad = parse_long("train", "--threads", optarg, 1, 1024, &o->threads); break;
        case 'M':
            bad = parse_long("train", "--mpi-timeout", optarg, 1, 86400, &o->mpi_timeout);
            break;
        case 'T':
            bad = parse_long("train", "--test-limit", optarg, 1, 100000000, &o->test_limit);
            o->test_limit_given = 1;
            break;
        case 'L':
            bad = parse_long("train", "--log-every", optarg, 0, 100000000, &o->log_every);
            o->log_every_given = 1;
            break;
        case 'C': bad = parse_long("train", "--checkpoint-every", optarg, 0, 100000000, &o->checkpoint_every); break;
        case 'o': o->out = optarg; o->out_given = 1; break;
        case 'r': o->resume = optarg; break;
        case 'F': o->force = 1; break;
        case 'q': o->quiet = 1; break;
        case 'j': o->json = 1; break;
        case 'h': usage(stdout); return EXIT_OK;
        default:
            bad = recipe_option(c, o);
            if (bad < 0) return usage_error("train");
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
    if (o->precision == PRECISION_BF16) {
        /* BF16 products are on the direct convolution only */
        if (o->conv_given && o->conv != CONV_DIRECT) {
            fprintf(stderr, "mnist-cnn train: --precision bf16 runs conv2 direct: it cannot be "
                            "combined with --conv %s\n", conv_algo_name(o->conv));
            return usage_error("train");
        }
        o->conv = CONV_DIRECT;
    }
    return -1;
}

/* BF16 needs its products on the kernels in use: native (AVX-512 BF16) or the portable set's
 * emulation; a set without them (AVX2, AVX-512 without BF16) is refused rather than quietly
 * emulated at a fraction of the speed. Returns 0, or -1 reported. */
static int check_precision(const TrainOptions *o)
{
    if (o->precision != PRECISION_BF16 || conv_bf16_supported()) return 0;
    fprintf(stderr, "mnist-cnn train: --precision bf16: the %s kernels have no BF16 products "
                    "(this CPU has no AVX512_BF16, or MNIST_CNN_ISA chose another set); use "
                    "--precision fp32, or MNIST_CNN_ISA=scalar for the portable emulation (the "
                    "same results, far slower)\n", isa_name(isa_current()));
    return -1;
}

/* ---- prepare ---- */

/* Continue a run: model, optimizer, options and position from its checkpoint, and its metric log
 * cut back to the checkpoint's position (the log is written before the checkpoint, so it can be
 * ahead of it after a kill, never behind; the rows past the checkpoint are trained again). */
static int load_resume(TrainRun *r)
{
    char err[512];
    TrainOptions *o = &r->o;
    if (checkpoint_load_averaged(o->resume, &r->avg, &r->m, &r->opt, &r->run, err, sizeof err) ||
        metric_log_load_for(o->resume, &r->log, err, sizeof err)) {
        fprintf(stderr, "mnist-cnn train: --resume: %s\n", err);
        return -1;
    }
    if (r->run.batch < 1 || (r->run.epoch < 1 && r->run.epoch_samples < 1)) {
        fprintf(stderr, "mnist-cnn train: --resume: %s: it holds no training to continue from\n",
                o->resume);
        return -1;
    }
    MetricLog *log = &r->log;
    while (log->n_epochs && log->epochs[log->n_epochs - 1].epoch > r->run.epoch) log->n_epochs--;
    while (log->n_steps && log->steps[log->n_steps - 1].step > r->opt.step) log->n_steps--;
    o->seed = (long)r->run.seed;
    o->batch = r->run.batch;
    /* the peak rate; files from before the schedules ran at a constant one, the optimizer's */
    o->lr = r->run.schedule[0] ? r->run.lr : r->opt.lr;
    o->schedule = r->run.schedule[0] ? (ScheduleKind)schedule_from_name(r->run.schedule)
                                     : SCHEDULE_CONSTANT;
    o->warmup = r->run.warmup;
    o->weight_decay = r->opt.weight_decay;
    o->val = r->run.val;
    o->patience = r->run.patience;
    o->limit = r->run.limit;
    o->augment = r->run.augment;
    o->augment_strength = r->run.augment_strength > 0 ? r->run.augment_strength : 1.0f;
    o->label_smoothing = r->run.label_smoothing;   /* 0 in files from before the option */
    o->ema = r->run.ema;
    /* files from before --conv existed trained with the direct convolution */
    o->conv = r->run.conv[0] ? (ConvAlgo)conv_algo_from_name(r->run.conv) : CONV_DIRECT;
    /* and before --precision, in fp32 */
    o->precision = r->run.precision[0] ? (Precision)precision_from_name(r->run.precision)
                                       : PRECISION_FP32;
    if (!o->epochs_given) o->epochs = r->run.epochs;
    /* what the log records: as the run had it (files of format 1 did not store it) */
    if (!o->log_every_given && r->run.format_version >= 2) o->log_every = r->run.log_every;
    if (!o->test_limit_given && r->run.format_version >= 2) o->test_limit = r->run.test_limit;
    memcpy(r->resumed_data, r->run.data_dir, sizeof r->resumed_data);
    if (!o->data_given && r->resumed_data[0]) {
        o->data = r->resumed_data;
        o->data_from = DATA_FROM_CHECKPOINT;
    }
    if (!o->out_given) o->out = o->resume;
    memcpy(r->resumed_isa, r->run.isa, sizeof r->resumed_isa);
    r->start = (TrainPosition){r->run.epoch + 1, r->run.epoch_samples, r->run.epoch_loss_sum,
                               r->run.epoch_correct};
    return 0;
}

static int load_data(TrainRun *r)
{
    char err[512];
    if (dataset_load(r->o.data, "train", &r->train, err, sizeof err) ||
        dataset_load(r->o.data, "t10k", &r->test, err, sizeof err)) {
        report_data_error("train", r->o.data, r->o.data_from, err);
        return -1;
    }
    data_fingerprint(&r->train, &r->test, r->fingerprint, sizeof r->fingerprint);
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
    if (r->o.val && r->o.val >= r->tr.n) {
        fprintf(stderr, "mnist-cnn train: --val %ld leaves no training images: %s holds %d (with "
                        "--limit)\n", r->o.val, r->o.data, r->tr.n);
        return -1;
    }
    if (r->o.val) {
        /* the held-out images move to the end of the loaded set, in place: no copy of the set */
        if (holdout_split(r->train.images.data, r->train.labels.data, r->tr.n, (int)r->o.val,
                          (uint64_t)r->o.seed, NULL)) {
            fprintf(stderr, "mnist-cnn train: out of memory\n");
            return -1;
        }
        r->tr.n -= (int)r->o.val;
        r->va = (ImageSet){r->train.images.data + (size_t)r->tr.n * IMG_PIXELS,
                           r->train.labels.data + r->tr.n, (int)r->o.val};
    }
    if (r->start.samples > r->tr.n) {
        fprintf(stderr, "mnist-cnn train: --resume: %s stopped after %lld samples of an epoch, but "
                        "%s holds only %d training images\n",
                r->o.resume, (long long)r->start.samples, r->o.data, r->tr.n);
        return -1;
    }
    return 0;
}

/* With --force, a new run at the --out of an earlier one owns FILE-best.h5: the earlier run's
 * would be read by draw and eval as this run's best. Only after every input is checked. */
static int drop_previous_best(const TrainRun *r)
{
    struct stat st;
    if (lstat(r->files.best, &st) != 0) return 0;
    if (unlink(r->files.best) != 0) {
        fprintf(stderr, "mnist-cnn train: %s: cannot remove the previous run's best checkpoint: "
                        "%s\n", r->files.best, strerror(errno));
        return -1;
    }
    if (!r->o.quiet)
        fprintf(stderr, "mnist-cnn train: removed %s, the replaced run's best checkpoint (--force)\n",
                r->files.best);
    return 0;
}

/* a and b name the same file (or the same name, when neither exists yet). */
static int same_file(const char *a, const char *b)
{
    struct stat sa, sb;
    if (stat(a, &sa) == 0 && stat(b, &sb) == 0) return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
    return strcmp(a, b) == 0;
}

/* The run's files: --out, or (a new run without it) the first free name; checked, not touched. */
static int choose_files(TrainRun *r)
{
    TrainOptions *o = &r->o;
    int rc;
    if (!o->out_given && !o->resume && !o->force) {
        if ((rc = train_files_free(&r->files))) return rc;
    } else if ((rc = train_files(o->out, &r->files))) {
        return rc;
    }
    o->out = r->files.out;
    return train_output_check(&r->files, o->data, o->force,
                              o->resume && same_file(o->out, o->resume));
}

/* A resumed run trains on the data it started on, or is refused (--force: on these data). */
static int check_resumed_data(TrainRun *r)
{
    char msg[1024];
    if (!data_fingerprint_compare(r->run.data_fingerprint, r->fingerprint, r->o.data, r->o.resume,
                                  msg, sizeof msg))
        return 0;
    if (r->o.force) {
        fprintf(stderr, "mnist-cnn train: warning: %s; going on with it (--force)\n", msg);
        return 0;
    }
    fprintf(stderr, "mnist-cnn train: --resume: %s: the data changed since the run started. "
                    "Resume with the data it trained on (--data DIR), or --force to go on with "
                    "these\n", msg);
    return -1;
}

static void unlock_at_exit(void)
{
    if (held_lock) run_unlock(held_lock);
}

static int claim_files(TrainRun *r)
{
    if (train_output_claim(&r->lock, &r->files)) return -1;
    held_lock = &r->lock;
    atexit(unlock_at_exit);
    return 0;
}

/* Returns -1 to go on, else the exit code. Every input (options, checkpoint, output names, data)
 * is checked before anything is created, replaced or removed. */
static int prepare(TrainRun *r)
{
    TrainOptions *o = &r->o;
    r->lock.fd = -1;
    /* the average is allocated for every run: a resume learns only from the file whether it
     * has one */
    if (model_alloc(&r->m) || model_alloc(&r->avg) || adam_alloc(&r->opt, o->lr)) {
        fprintf(stderr, "mnist-cnn train: out of memory\n");
        return EXIT_RUNTIME;
    }
    r->start = (TrainPosition){1, 0, 0, 0};
    if (o->resume) {
        if (load_resume(r)) return EXIT_RUNTIME;
    } else {
        model_init(&r->m, (uint64_t)o->seed);
        model_copy(&r->avg, &r->m);   /* the average starts at the initial weights */
        r->opt.weight_decay = o->weight_decay;
    }
    if (check_precision(o)) return EXIT_RUNTIME;
    /* the output first: a bad --out is reported before the data is read or a step trained */
    int bad = choose_files(r);
    if (bad) return bad;
    if (o->resume && r->start.epoch > o->epochs) {
        /* the training is done; what a kill may have cut short after it is the graphs */
        if (claim_files(r)) return EXIT_RUNTIME;
        printf("%s: %d of %ld epochs already trained; nothing to do (--epochs N trains "
               "further)\n", o->resume, r->run.epoch, o->epochs);
        train_write_graphs(&r->files, &r->log, (double)r->opt.step / (double)r->run.epoch, 1);
        return EXIT_OK;
    }
    if (load_data(r)) return EXIT_RUNTIME;
    if (o->resume && check_resumed_data(r)) return EXIT_RUNTIME;
    if (claim_files(r)) return EXIT_RUNTIME;
    if (!o->resume && o->force && drop_previous_best(r)) return EXIT_RUNTIME;
    if (!o->out_given && !o->resume && strcmp(o->out, DEFAULT_CHECKPOINT) != 0 && !o->quiet)
        fprintf(stderr, "mnist-cnn train: %s is taken (an earlier run, kept): this run writes %s "
                        "(--out FILE names it; --resume %s continues the earlier one)\n",
                DEFAULT_CHECKPOINT, o->out, DEFAULT_CHECKPOINT);
    r->nthreads = set_threads(o->threads);
    r->tty = isatty(2);
    r->run = (RunInfo){.format_version = STATE_FORMAT_VERSION, .seed = (uint64_t)o->seed,
                       .epochs = (int32_t)o->epochs,
                       .epoch = r->start.epoch - 1, .step = r->opt.step, .batch = (int32_t)o->batch,
                       .limit = (int32_t)o->limit, .augment = o->augment, .lr = o->lr,
                       .log_every = (int32_t)o->log_every, .test_limit = (int32_t)o->test_limit,
                       .warmup = o->warmup, .val = (int32_t)o->val,
                       .patience = (int32_t)o->patience,
                       .augment_strength = o->augment_strength,
                       .label_smoothing = o->label_smoothing, .ema = o->ema};
    snprintf(r->run.schedule, sizeof r->run.schedule, "%s", schedule_name(o->schedule));
    snprintf(r->run.isa, sizeof r->run.isa, "%s", isa_name(isa_current()));
    snprintf(r->run.conv, sizeof r->run.conv, "%s", conv_algo_name(o->conv));
    snprintf(r->run.precision, sizeof r->run.precision, "%s", precision_name(o->precision));
    snprintf(r->run.data_dir, sizeof r->run.data_dir, "%s", o->data);
    snprintf(r->run.data_fingerprint, sizeof r->run.data_fingerprint, "%s", r->fingerprint);
    return -1;
}

/* ---- run ---- */

/* The best epoch's copy of the checkpoint: the same state, marked as the best. */
static int save_best(TrainRun *r, char *err, size_t errlen)
{
    RunInfo best = r->run;
    snprintf(best.role, sizeof best.role, "best");
    return checkpoint_save_averaged(r->files.best, run_model(r), r->o.ema > 0 ? &r->m : NULL,
                                    &r->opt, &best, err, errlen);
}

/* The run's state at pos: the metric log first, then (at the end of an epoch that validated
 * best so far) the best checkpoint, then the checkpoint (see the top of the file): a kill between
 * them leaves the checkpoint at the previous epoch, whose resume trains this one again and
 * writes the same best file. A state that is not finite is never saved over a good one. */
static int save_state(TrainRun *r, const TrainPosition *pos, int best)
{
    char err[4600];
    r->run.epoch = pos->epoch - 1;
    r->run.step = r->opt.step;
    r->run.epoch_samples = pos->samples;
    r->run.epoch_loss_sum = pos->loss_sum;
    r->run.epoch_correct = pos->correct;
    if (state_check(&r->m, &r->opt, &r->run, err, sizeof err) ||
        state_check(run_model(r), NULL, NULL, err, sizeof err)) {
        fprintf(stderr, "mnist-cnn train: step %lld: %s; training stopped, %s not overwritten (it "
                        "holds the last good state)\n", (long long)r->opt.step, err, r->o.out);
        return 1;
    }
    if (metric_log_save(r->files.metrics, &r->log, err, sizeof err) ||
        (best && save_best(r, err, sizeof err)) ||
        checkpoint_save_averaged(r->o.out, run_model(r), r->o.ema > 0 ? &r->m : NULL, &r->opt,
                                 &r->run, err, sizeof err)) {
        fprintf(stderr, "mnist-cnn train: %s\n", err);
        return 1;
    }
    r->saved = 1;
    return 0;
}

static int on_checkpoint(void *ctx, const TrainPosition *pos) { return save_state(ctx, pos, 0); }

static int on_epoch_end(void *ctx, int epoch, const EpochMetrics *e)
{
    TrainRun *r = ctx;
    if (!r->o.quiet && !r->o.json && r->tty) fprintf(stderr, "\r\033[K");
    TrainPosition done = {epoch + 1, 0, 0, 0};
    /* the log already holds this epoch: it is the best when the log says so */
    long b = metrics_best_epoch(&r->log, epoch);
    int best = b >= 0 && r->log.epochs[b].epoch == epoch;
    if (save_state(r, &done, best)) return 1;
    train_print_epoch(r, epoch, e, best);
    return 0;
}

static int run_training(TrainRun *r)
{
    const TrainOptions *o = &r->o;
    if (leader(r)) train_print_start(r);
    if (leader(r) && o->resume && strcmp(r->resumed_isa, r->run.isa) != 0)
        fprintf(stderr, "mnist-cnn train: note: %s was trained with %s kernels, this run uses %s: "
                        "it continues fine, but not bitwise like an uninterrupted run\n",
                o->resume, r->resumed_isa, r->run.isa);
    TrainConfig cfg = {.epochs = (int)o->epochs, .batch = (int)o->batch, .threads = r->nthreads,
                       .augment = o->augment, .augment_strength = o->augment_strength,
                       .label_smoothing = o->label_smoothing,
                       .ema = o->ema > 0 ? &r->avg : NULL, .ema_decay = o->ema,
                       .log_every = (int)o->log_every,
                       .checkpoint_every = (int)o->checkpoint_every, .conv = o->conv,
                       .precision = o->precision,
                       .schedule = {o->schedule, o->lr, o->warmup, 0},
                       .patience = (int)o->patience, .seed = (uint64_t)o->seed,
                       .comm = r->comm, .stop = &stop_requested};
    /* rank 0 logs, saves and prints; the others train their parts and follow it */
    TrainCallbacks cb = {train_on_progress, on_epoch_end, on_checkpoint, r}, none = {0};
    char err[512] = "";
    catch_signals();
    if (r->comm && share_run_state(r->comm, &cfg, &r->m, &r->avg, &r->opt, &r->start, &r->tr, &r->va,
                                   &r->te, &r->held, err, sizeof err)) {
        fprintf(stderr, "mnist-cnn train: %s\n", err);
        r->comm_failed = 1;
        return EXIT_RUNTIME;
    }
    TrainResult result = train_run(&r->m, &r->opt, leader(r) ? &r->log : NULL, &r->tr,
                                   r->va.n ? &r->va : NULL, &r->te, &cfg, &r->start,
                                   leader(r) ? &cb : &none, err, sizeof err);
    /* the others may be waiting for a process that ran out of memory: end them all */
    r->comm_failed = result == TRAIN_COMM_FAILED || result == TRAIN_NO_MEMORY;
    if (!leader(r)) {
        if (result == TRAIN_COMM_FAILED) fprintf(stderr, "mnist-cnn train: %s\n", err);
        return result == TRAIN_DONE || result == TRAIN_PATIENCE ? EXIT_OK
               : result == TRAIN_STOPPED ? 128 + (stop_signal ? (int)stop_signal : SIGINT)
                                         : EXIT_RUNTIME;
    }
    if (result == TRAIN_PATIENCE && !o->quiet && !o->json)
        printf("no better validation for %ld epochs: training stopped early\n", o->patience);
    if (result == TRAIN_DONE || result == TRAIN_PATIENCE) return EXIT_OK;
    return train_report_unfinished(r, result, err, (int)stop_signal);
}

/* ---- summarise ---- */

static void summarise(TrainRun *r)
{
    const TrainOptions *o = &r->o;
    train_print_summary(r);
    double steps_per_epoch = (double)r->opt.step / (double)o->epochs;
    /* the data and optimizer state are done with: free them before PLplot loads its fonts and
     * cairo, so the graphs do not add to the run's peak memory */
    adam_free(&r->opt);
    model_free(&r->m);
    model_free(&r->avg);
    dataset_free(&r->train);
    dataset_free(&r->test);
    train_write_graphs(&r->files, &r->log, steps_per_epoch, o->quiet || o->json);
}

/* The options on every process (the others quietly: rank 0 reports their errors once). */
static int parse_everywhere(TrainRun *r, int argc, char **argv)
{
    if (leader(r)) return parse_options(argc, argv, &r->o);
    int saved = dup(STDERR_FILENO), null = open("/dev/null", O_WRONLY);
    if (null >= 0) dup2(null, STDERR_FILENO), close(null);
    int rc = parse_options(argc, argv, &r->o);
    if (saved >= 0) dup2(saved, STDERR_FILENO), close(saved);
    return rc;
}

int cmd_train(int argc, char **argv)
{
    TrainRun r = {.lock = {.fd = -1}};
    int rc = processes_start(&r.comm, &stop_requested, DEFAULT_MPI_TIMEOUT);
    if (rc < 0) rc = parse_everywhere(&r, argc, argv);
    if (rc < 0 && r.comm && r.o.threads == 0) r.o.threads = processes_default_threads();
    if (rc < 0 && leader(&r)) rc = prepare(&r);
    if (rc < 0 && leader(&r)) rc = processes_check(r.comm, r.o.batch);
    rc = processes_agree(r.comm, rc, r.o.mpi_timeout);
    if (rc < 0) {
        r.nthreads = set_threads(r.o.threads);   /* rank 0's prepare did it already */
        rc = run_training(&r);
        if (rc == EXIT_OK && leader(&r)) summarise(&r);
    }
    train_run_free(&r);
    processes_end(r.comm, r.comm_failed, rc);
    return rc;
}
