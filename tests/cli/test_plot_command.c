/* `mnist-cnn plot` (argv[1]) on checkpoints made here: one with a metric log beside it, one
 * without, one with an empty log, one whose log is broken, and files that are not HDF5 or do not
 * exist. Pictures of the expected size, or exit 1 with a message naming the file. */
#include "cli/checkpoint.h"
#include "io/metric_log_file.h"
#include "io/plot.h"
#include "io/seal.h"
#include "tests/check.h"
#include "tests/make_log.h"
#include "tests/picture_check.h"
#include "tests/tmpdir.h"

#include <hdf5.h>
#include <sys/wait.h>

static const char *bin;

/* Saves a checkpoint with a freshly initialised model and, when log is not NULL, its metric log
 * beside it, as `train` does. */
static int save_checkpoint(const char *p, const MetricLog *log, int epoch, long step)
{
    Model m;
    char err[512], side[700];
    if (model_alloc(&m)) return -1;
    model_init(&m, 7);
    RunInfo run = {.epoch = epoch, .step = step, .seed = 7, .epochs = epoch, .batch = 64};
    int rc = checkpoint_save(p, &m, NULL, &run, err, sizeof err);
    if (rc == 0 && log)
        rc = metric_log_path(p, side, sizeof side) || metric_log_save(side, log, err, sizeof err);
    if (rc) printf("# %s\n", err);
    model_free(&m);
    return rc;
}

/* Runs `bin args`, stdout and stderr to files in dir; returns the exit code (-1: no exit). */
static int run_cli(const char *args, char **out, char **errtext)
{
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "'%s' %s >'%s' 2>'%s'", bin, args, tmp_path("cli.out"),
             tmp_path("cli.err"));
    int st = system(cmd);
    *out = slurp(tmp_path("cli.out"), NULL);
    *errtext = slurp(tmp_path("cli.err"), NULL);
    if (!*out) *out = calloc(1, 1);
    if (!*errtext) *errtext = calloc(1, 1);
    return st != -1 && WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* ---- mnist-cnn plot ---- */

static void cli_plot_writes_png_and_svg(void)
{
    MetricLog log;
    make_log(&log, 4, 30, 10);
    CHECK(save_checkpoint(tmp_path("run.h5"), &log, 4, 120) == 0, "fixture");
    metrics_free(&log);
    char *out, *errt, args[1024];
    snprintf(args, sizeof args, "plot '%s' -o '%s' --width 800 --height 360", tmp_path("run.h5"),
             tmp_path("graphs.png"));
    int rc = run_cli(args, &out, &errt);
    CHECK(rc == 0, "exit %d, stderr: %s", rc, errt);
    CHECK(png_ok(tmp_path("graphs.png"), 800, 360), "PNG");
    CHECK(svg_ok(tmp_path("graphs.svg"), 800, 360), "SVG beside it");
    CHECK(strstr(out, "graphs.svg") != NULL, "says what it wrote: %s", out);
    free(out);
    free(errt);
    /* default: next to the checkpoint, default size */
    snprintf(args, sizeof args, "plot '%s'", tmp_path("run.h5"));
    rc = run_cli(args, &out, &errt);
    CHECK(rc == 0, "exit %d, stderr: %s", rc, errt);
    CHECK(png_ok(tmp_path("run-training.png"), PLOT_TRAINING_W, PLOT_TRAINING_H), "default PNG");
    CHECK(svg_ok(tmp_path("run-training.svg"), PLOT_TRAINING_W, PLOT_TRAINING_H), "default SVG");
    free(out);
    free(errt);
}

/* Runs `plot file` and expects exit 1, a message naming the file at fault (named), and no
 * pictures. */
static void expect_plot_error(const char *file, const char *named, const char *what)
{
    char *out, *errt, args[1024];
    snprintf(args, sizeof args, "plot '%s' -o '%s'", file, tmp_path("bad"));
    int rc = run_cli(args, &out, &errt);
    CHECK(rc == 1, "%s: exit %d", what, rc);
    CHECK(strstr(errt, named) != NULL, "%s: stderr names %s: %s", what, named, errt);
    CHECK(!exists(tmp_path("bad.png")) && !exists(tmp_path("bad.svg")), "%s: no pictures", what);
    printf("# %s -> %s", what, errt);
    free(out);
    free(errt);
}

static void cli_plot_checkpoint_without_metrics(void)
{
    CHECK(save_checkpoint(tmp_path("nometrics.h5"), NULL, 0, 0) == 0, "fixture");
    expect_plot_error(tmp_path("nometrics.h5"), tmp_path("nometrics.h5"), "no /metrics");
}

static void cli_plot_empty_log(void)
{
    /* steps recorded, but no epoch finished: /metrics/epochs has no rows */
    MetricLog log = {0};
    StepMetrics s = {.step = 50, .loss = 1.0f, .acc = 0.5f};
    metrics_add_step(&log, &s);
    CHECK(save_checkpoint(tmp_path("empty.h5"), &log, 0, 50) == 0, "fixture");
    metrics_free(&log);
    expect_plot_error(tmp_path("empty.h5"), tmp_path("empty.h5"), "empty /metrics/epochs");
}

static void cli_plot_broken_log(void)
{
    /* /metrics/epochs replaced by a plain int dataset */
    MetricLog log;
    make_log(&log, 2, 10, 5);
    CHECK(save_checkpoint(tmp_path("broken.h5"), &log, 2, 20) == 0, "fixture");
    metrics_free(&log);
    hid_t f = H5Fopen(tmp_path("broken-metrics.h5"), H5F_ACC_RDWR, H5P_DEFAULT);
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
        CHECK(seal_file(tmp_path("broken-metrics.h5"), serr, sizeof serr) == 0, "%s", serr);
    }
    expect_plot_error(tmp_path("broken.h5"), tmp_path("broken-metrics.h5"), "broken /metrics/epochs");
}

static void cli_plot_not_a_checkpoint(void)
{
    FILE *f = fopen(tmp_path("junk.h5"), "wb");
    if (f) {
        fputs("this is not HDF5\n", f);
        fclose(f);
    }
    expect_plot_error(tmp_path("junk.h5"), tmp_path("junk.h5"), "not HDF5");
    expect_plot_error(tmp_path("missing.h5"), tmp_path("missing.h5"), "missing file");
}

static void cli_plot_without_plplot_says_so(void)
{
    char *out, *errt, args[1024];
    snprintf(args, sizeof args, "plot '%s'", tmp_path("whatever.h5"));
    int rc = run_cli(args, &out, &errt);
    CHECK(rc == 1, "exit %d", rc);
    CHECK(strstr(errt, "PLplot") != NULL, "stderr: %s", errt);
    free(out);
    free(errt);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        printf("Bail out! usage: test_plot_command path/to/mnist-cnn\n");
        return 1;
    }
    bin = argv[1];
    tmp_setup("plot-cmd");
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    if (plot_available(NULL, 0)) {
        RUN(cli_plot_writes_png_and_svg);
        RUN(cli_plot_checkpoint_without_metrics);
        RUN(cli_plot_empty_log);
        RUN(cli_plot_broken_log);
        RUN(cli_plot_not_a_checkpoint);
    } else {
        RUN(cli_plot_without_plplot_says_so);
    }
    tmp_cleanup();
    return check_done();
}
