/* Pictures from a metric log, without the MNIST files: io/plot.h drawn directly, and the
 * `mnist-cnn plot` command (argv[1]) on checkpoints made here with the io API — one with a
 * metric log, one without /metrics, one with an empty log, one whose log is broken, and a file
 * that is not HDF5 at all. Checks that each PNG is a PNG of the expected size and each SVG has an
 * <svg> root of the expected size, and that bad input fails with a message naming the file.
 *
 *   test_plot path/to/mnist-cnn */
#include "tests/check.h"
#include "engine/model.h"
#include "io/checkpoint.h"
#include "io/seal.h"
#include "io/plot.h"

#include <hdf5.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *bin;
static char dir[512];
static int can_draw;

static const char *path_in(const char *name)
{
    static char bufs[8][640];
    static int next;
    char *b = bufs[next++ & 7];
    snprintf(b, sizeof bufs[0], "%s/%s", dir, name);
    return b;
}

static int exists(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0;
}

static char *slurp(const char *p, size_t *len)
{
    FILE *f = fopen(p, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    rewind(f);
    char *b = malloc((size_t)n + 1);
    if (b && fread(b, 1, (size_t)n, f) != (size_t)n) {
        free(b);
        b = NULL;
    }
    if (b) b[n] = 0;
    if (len) *len = (size_t)n;
    fclose(f);
    return b;
}

/* 1 if p is a PNG (signature, then an IHDR chunk first) of w x h pixels. */
static int png_ok(const char *p, int w, int h)
{
    size_t n;
    unsigned char *b = (unsigned char *)slurp(p, &n);
    int ok = 0;
    static const unsigned char sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    if (b && n > 33 && !memcmp(b, sig, 8) && !memcmp(b + 12, "IHDR", 4)) {
        uint32_t pw = (uint32_t)b[16] << 24 | (uint32_t)b[17] << 16 | (uint32_t)b[18] << 8 | b[19];
        uint32_t ph = (uint32_t)b[20] << 24 | (uint32_t)b[21] << 16 | (uint32_t)b[22] << 8 | b[23];
        ok = (int)pw == w && (int)ph == h;
        if (!ok) printf("# %s: %ux%u, expected %dx%d\n", p, pw, ph, w, h);
    } else {
        printf("# %s: not a PNG\n", p);
    }
    free(b);
    return ok;
}

/* Value of attribute name in the tag starting at tag (up to its '>'), as a number. */
static double attr_num(const char *tag, const char *name)
{
    const char *end = strchr(tag, '>');
    char key[64];
    snprintf(key, sizeof key, " %s=\"", name);
    const char *a = strstr(tag, key);
    if (!a || (end && a > end)) return NAN;
    return strtod(a + strlen(key), NULL);
}

/* 1 if p is an XML file whose root element is <svg> with width w and height h (in pt) and which
 * ends with </svg>. (The shell test parses a real run's SVG with a full XML parser.) */
static int svg_ok(const char *p, int w, int h)
{
    char *b = slurp(p, NULL);
    int ok = 0;
    if (b) {
        const char *t = b;
        /* skip the XML declaration, processing instructions, comments and doctype */
        while ((t = strchr(t, '<')) && (t[1] == '?' || t[1] == '!')) t++;
        const char *tail = b + strlen(b);
        while (tail > b && (tail[-1] == '\n' || tail[-1] == ' ')) tail--;
        if (t && !strncmp(t, "<svg", 4) && (t[4] == ' ' || t[4] == '\n') && tail - b > 6 &&
            !strncmp(tail - 6, "</svg>", 6)) {
            double sw = attr_num(t, "width"), sh = attr_num(t, "height");
            ok = sw == w && sh == h;
            if (!ok) printf("# %s: <svg> is %gx%g, expected %dx%d\n", p, sw, sh, w, h);
        } else {
            printf("# %s: no <svg> root element\n", p);
        }
    } else {
        printf("# %s: cannot read\n", p);
    }
    free(b);
    return ok;
}

static void make_log(MetricLog *log, int epochs, int steps_per_epoch, int log_every)
{
    *log = (MetricLog){0};
    for (int e = 1; e <= epochs; e++) {
        EpochMetrics m = {.epoch = e, .train_loss = 1.0f / e, .train_acc = 1 - 0.2f / e,
                          .test_loss = 0.8f / e, .test_acc = 1 - 0.1f / e, .seconds = 2,
                          .samples_per_s = 320, .lr = 1e-3f};
        metrics_add_epoch(log, &m);
    }
    for (int s = log_every; log_every > 0 && s <= epochs * steps_per_epoch; s += log_every) {
        StepMetrics m = {.step = s, .loss = 2.3f / (1 + 0.1f * s), .acc = 0.5f};
        metrics_add_step(log, &m);
    }
}

/* Saves a checkpoint with a freshly initialised model and the given log (may be NULL). */
static int save_checkpoint(const char *p, const MetricLog *log, int epoch, long step)
{
    Model m;
    char err[512];
    if (model_alloc(&m)) return -1;
    model_init(&m, 7);
    CheckpointMeta meta = {.epoch = epoch, .step = step, .seed = 7, .epochs = epoch, .batch = 64};
    int rc = checkpoint_save(p, &m, NULL, &meta, log, err, sizeof err);
    if (rc) printf("# %s\n", err);
    model_free(&m);
    return rc;
}

/* Runs `bin args`, stdout and stderr to files in dir; returns the exit code (-1: no exit). */
static int run_cli(const char *args, char **out, char **errtext)
{
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "'%s' %s >'%s' 2>'%s'", bin, args, path_in("cli.out"),
             path_in("cli.err"));
    int st = system(cmd);
    *out = slurp(path_in("cli.out"), NULL);
    *errtext = slurp(path_in("cli.err"), NULL);
    if (!*out) *out = calloc(1, 1);
    if (!*errtext) *errtext = calloc(1, 1);
    return st != -1 && WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static int skip_if_no_plplot(const char *name)
{
    if (can_draw) return 0;
    check_cases_++;
    printf("ok %d - %s # SKIP built without PLplot\n", check_cases_, name);
    return 1;
}

/* ---- io/plot.h ---- */

static void training_png_and_svg_of_requested_size(void)
{
    MetricLog log;
    make_log(&log, 5, 20, 4);
    char err[512] = "";
    int rc = plot_training(&log, 20, path_in("t.png"), path_in("t.svg"), 640, 300, err, sizeof err);
    CHECK(rc == 0, "plot_training: %s", err);
    CHECK(png_ok(path_in("t.png"), 640, 300), "PNG");
    CHECK(svg_ok(path_in("t.svg"), 640, 300), "SVG");
    metrics_free(&log);
}

static void training_default_size_one_epoch_no_test(void)
{
    /* one epoch, test metrics NaN (not evaluated), no step rows: still a picture */
    MetricLog log = {0};
    EpochMetrics e = {.epoch = 1, .train_loss = 0.5f, .train_acc = 0.9f, .test_loss = NAN,
                      .test_acc = NAN, .seconds = 1, .samples_per_s = 100, .lr = 1e-3f};
    metrics_add_epoch(&log, &e);
    char err[512] = "";
    int rc = plot_training(&log, 0, path_in("one.png"), NULL, 0, 0, err, sizeof err);
    CHECK(rc == 0, "plot_training: %s", err);
    CHECK(png_ok(path_in("one.png"), PLOT_TRAINING_W, PLOT_TRAINING_H), "PNG");
    CHECK(!exists(path_in("one.svg")), "no SVG asked for");
    metrics_free(&log);
}

static void training_empty_log_is_an_error(void)
{
    MetricLog log = {0};
    char err[512] = "";
    int rc = plot_training(&log, 0, path_in("empty.png"), path_in("empty.svg"), 0, 0, err,
                           sizeof err);
    CHECK(rc == -1, "rc %d", rc);
    CHECK(strstr(err, "empty.png") != NULL, "err names the file: %s", err);
    CHECK(!exists(path_in("empty.png")) && !exists(path_in("empty.svg")), "nothing written");
}

static void unwritable_path_is_an_error(void)
{
    MetricLog log;
    make_log(&log, 2, 10, 0);
    char err[512] = "";
    int rc = plot_training(&log, 0, path_in("no/such/dir/x.png"), NULL, 0, 0, err, sizeof err);
    CHECK(rc == -1, "rc %d", rc);
    CHECK(strstr(err, "no/such/dir/x.png") != NULL, "err names the file: %s", err);
    metrics_free(&log);
}

static void overwrites_and_leaves_no_temporary_files(void)
{
    MetricLog log;
    make_log(&log, 3, 10, 5);
    char err[512] = "";
    CHECK(plot_training(&log, 10, path_in("o.png"), NULL, 400, 200, err, sizeof err) == 0, "%s", err);
    CHECK(plot_training(&log, 10, path_in("o.png"), NULL, 500, 250, err, sizeof err) == 0, "%s", err);
    CHECK(png_ok(path_in("o.png"), 500, 250), "replaced by the second picture");
    char cmd[700];
    snprintf(cmd, sizeof cmd, "ls '%s' | grep -q tmp", dir);
    CHECK(system(cmd) != 0, "a temporary file was left in %s", dir);
    metrics_free(&log);
}

static void confusion_and_gallery(void)
{
    long conf[10][10] = {{0}};
    for (int t = 0; t < 10; t++)
        for (int k = 0; k < 10; k++) conf[t][k] = t == k ? 950 + t : (t * 7 + k) % 5;
    char err[512] = "";
    CHECK(plot_confusion(conf, "test", path_in("c.png"), err, sizeof err) == 0, "%s", err);
    CHECK(png_ok(path_in("c.png"), 760, 760), "confusion PNG");

    uint8_t img[5][784];
    GalleryItem items[5];
    for (int i = 0; i < 5; i++) {
        for (int p = 0; p < 784; p++) img[i][p] = (uint8_t)((p % 28 > 8 && p % 28 < 14 + i) * 255);
        items[i] = (GalleryItem){img[i], i, 9 - i, 0.9f, 100 + i};
    }
    CHECK(plot_gallery(items, 5, 3, "mistakes", path_in("g.png"), err, sizeof err) == 0, "%s", err);
    /* 3 columns of 170 px + 40, 2 rows of 230 px + 60 with a title */
    CHECK(png_ok(path_in("g.png"), 40 + 3 * 170, 60 + 2 * 230), "gallery PNG");
    CHECK(plot_gallery(items, 0, 3, NULL, path_in("g0.png"), err, sizeof err) == -1,
          "no images is an error");
}

static void base_names(void)
{
    char b[64];
    CHECK(plot_training_base("runs/model.h5", b, sizeof b) == 0 && !strcmp(b, "runs/model-training"),
          "%s", b);
    CHECK(plot_training_base("a.hdf5", b, sizeof b) == 0 && !strcmp(b, "a-training"), "%s", b);
    CHECK(plot_training_base("run", b, sizeof b) == 0 && !strcmp(b, "run-training"), "%s", b);
    CHECK(plot_training_base("d/.h5", b, sizeof b) == 0 && !strcmp(b, "d/.h5-training"), "%s", b);
    CHECK(plot_training_base("0123456789012345678901234567890123456789012345678901234567890.h5", b,
                             sizeof b) == -1, "too long");
}

/* ---- mnist-cnn plot ---- */

static void cli_plot_writes_png_and_svg(void)
{
    MetricLog log;
    make_log(&log, 4, 30, 10);
    CHECK(save_checkpoint(path_in("run.h5"), &log, 4, 120) == 0, "fixture");
    metrics_free(&log);
    char *out, *errt, args[1024];
    snprintf(args, sizeof args, "plot '%s' -o '%s' --width 800 --height 360", path_in("run.h5"),
             path_in("graphs.png"));
    int rc = run_cli(args, &out, &errt);
    CHECK(rc == 0, "exit %d, stderr: %s", rc, errt);
    CHECK(png_ok(path_in("graphs.png"), 800, 360), "PNG");
    CHECK(svg_ok(path_in("graphs.svg"), 800, 360), "SVG beside it");
    CHECK(strstr(out, "graphs.svg") != NULL, "says what it wrote: %s", out);
    free(out);
    free(errt);
    /* default: next to the checkpoint, default size */
    snprintf(args, sizeof args, "plot '%s'", path_in("run.h5"));
    rc = run_cli(args, &out, &errt);
    CHECK(rc == 0, "exit %d, stderr: %s", rc, errt);
    CHECK(png_ok(path_in("run-training.png"), PLOT_TRAINING_W, PLOT_TRAINING_H), "default PNG");
    CHECK(svg_ok(path_in("run-training.svg"), PLOT_TRAINING_W, PLOT_TRAINING_H), "default SVG");
    free(out);
    free(errt);
}

/* Runs `plot file` and expects exit 1, a message naming the file, and no pictures. */
static void expect_plot_error(const char *file, const char *what)
{
    char *out, *errt, args[1024];
    snprintf(args, sizeof args, "plot '%s' -o '%s'", file, path_in("bad"));
    int rc = run_cli(args, &out, &errt);
    CHECK(rc == 1, "%s: exit %d", what, rc);
    CHECK(strstr(errt, file) != NULL, "%s: stderr names %s: %s", what, file, errt);
    CHECK(!exists(path_in("bad.png")) && !exists(path_in("bad.svg")), "%s: no pictures", what);
    printf("# %s -> %s", what, errt);
    free(out);
    free(errt);
}

static void cli_plot_checkpoint_without_metrics(void)
{
    CHECK(save_checkpoint(path_in("nometrics.h5"), NULL, 0, 0) == 0, "fixture");
    expect_plot_error(path_in("nometrics.h5"), "no /metrics");
}

static void cli_plot_empty_log(void)
{
    /* steps recorded, but no epoch finished: /metrics/epochs has no rows */
    MetricLog log = {0};
    StepMetrics s = {.step = 50, .loss = 1.0f, .acc = 0.5f};
    metrics_add_step(&log, &s);
    CHECK(save_checkpoint(path_in("empty.h5"), &log, 0, 50) == 0, "fixture");
    metrics_free(&log);
    expect_plot_error(path_in("empty.h5"), "empty /metrics/epochs");
}

static void cli_plot_broken_log(void)
{
    /* /metrics/epochs replaced by a plain int dataset */
    MetricLog log;
    make_log(&log, 2, 10, 5);
    CHECK(save_checkpoint(path_in("broken.h5"), &log, 2, 20) == 0, "fixture");
    metrics_free(&log);
    hid_t f = H5Fopen(path_in("broken.h5"), H5F_ACC_RDWR, H5P_DEFAULT);
    CHECK(f >= 0, "open fixture");
    if (f >= 0) {
        CHECK(H5Ldelete(f, "/metrics/epochs", H5P_DEFAULT) >= 0, "delete");
        hsize_t n = 3;
        hid_t sp = H5Screate_simple(1, &n, NULL);
        hid_t d = H5Dcreate2(f, "/metrics/epochs", H5T_STD_I32LE, sp, H5P_DEFAULT, H5P_DEFAULT,
                             H5P_DEFAULT);
        int v[3] = {1, 2, 3};
        CHECK(d >= 0 && H5Dwrite(d, H5T_NATIVE_INT, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) >= 0, "write");
        H5Dclose(d);
        H5Sclose(sp);
        H5Fclose(f);
        char serr[512];
        CHECK(seal_file(path_in("broken.h5"), serr, sizeof serr) == 0, "%s", serr);
    }
    expect_plot_error(path_in("broken.h5"), "broken /metrics/epochs");
}

static void cli_plot_not_a_checkpoint(void)
{
    FILE *f = fopen(path_in("junk.h5"), "wb");
    if (f) {
        fputs("this is not HDF5\n", f);
        fclose(f);
    }
    expect_plot_error(path_in("junk.h5"), "not HDF5");
    expect_plot_error(path_in("missing.h5"), "missing file");
}

static void cli_plot_without_plplot_says_so(void)
{
    char *out, *errt, args[1024];
    snprintf(args, sizeof args, "plot '%s'", path_in("whatever.h5"));
    int rc = run_cli(args, &out, &errt);
    CHECK(rc == 1, "exit %d", rc);
    CHECK(strstr(errt, "PLplot") != NULL, "stderr: %s", errt);
    free(out);
    free(errt);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        printf("Bail out! usage: test_plot path/to/mnist-cnn\n");
        return 1;
    }
    bin = argv[1];
    const char *base = getenv("TMPDIR");
    snprintf(dir, sizeof dir, "%s/mnist-plot-XXXXXX", base && *base ? base : "/tmp");
    if (!mkdtemp(dir)) {
        printf("Bail out! cannot create a scratch directory\n");
        return 1;
    }
    char why[256] = "";
    can_draw = plot_available(why, sizeof why);
    if (!can_draw) printf("# no plots in this build: %s\n", why);

    RUN(base_names);
    if (!skip_if_no_plplot("training_png_and_svg_of_requested_size"))
        RUN(training_png_and_svg_of_requested_size);
    if (!skip_if_no_plplot("training_default_size_one_epoch_no_test"))
        RUN(training_default_size_one_epoch_no_test);
    RUN(training_empty_log_is_an_error);
    RUN(unwritable_path_is_an_error);
    if (!skip_if_no_plplot("overwrites_and_leaves_no_temporary_files"))
        RUN(overwrites_and_leaves_no_temporary_files);
    if (!skip_if_no_plplot("confusion_and_gallery")) RUN(confusion_and_gallery);
    if (can_draw) {
        RUN(cli_plot_writes_png_and_svg);
        RUN(cli_plot_checkpoint_without_metrics);
        RUN(cli_plot_empty_log);
        RUN(cli_plot_broken_log);
        RUN(cli_plot_not_a_checkpoint);
    } else {
        RUN(cli_plot_without_plplot_says_so);
    }

    char cmd[700];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0) printf("# could not remove %s\n", dir);
    return check_done();
}
