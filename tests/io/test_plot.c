/* io/plot.h without the MNIST files: training graphs from a metric log made here, the confusion
 * matrix and the gallery. Each PNG must be a PNG of the expected size and each SVG have an <svg>
 * root of the expected size; bad paths fail with a message naming the file. */
#include "io/plot.h"
#include "tests/check.h"
#include "tests/make_log.h"
#include "tests/picture_check.h"
#include "tests/tmpdir.h"

static int can_draw;

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
    int rc = plot_training(&log, 20, tmp_path("t.png"), tmp_path("t.svg"), 640, 300, err, sizeof err);
    CHECK(rc == 0, "plot_training: %s", err);
    CHECK(png_ok(tmp_path("t.png"), 640, 300), "PNG");
    CHECK(svg_ok(tmp_path("t.svg"), 640, 300), "SVG");
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
    int rc = plot_training(&log, 0, tmp_path("one.png"), NULL, 0, 0, err, sizeof err);
    CHECK(rc == 0, "plot_training: %s", err);
    CHECK(png_ok(tmp_path("one.png"), PLOT_TRAINING_W, PLOT_TRAINING_H), "PNG");
    CHECK(!exists(tmp_path("one.svg")), "no SVG asked for");
    metrics_free(&log);
}

static void training_empty_log_is_an_error(void)
{
    MetricLog log = {0};
    char err[512] = "";
    int rc = plot_training(&log, 0, tmp_path("empty.png"), tmp_path("empty.svg"), 0, 0, err,
                           sizeof err);
    CHECK(rc == -1, "rc %d", rc);
    CHECK(strstr(err, "empty.png") != NULL, "err names the file: %s", err);
    CHECK(!exists(tmp_path("empty.png")) && !exists(tmp_path("empty.svg")), "nothing written");
}

static void unwritable_path_is_an_error(void)
{
    MetricLog log;
    make_log(&log, 2, 10, 0);
    char err[512] = "";
    int rc = plot_training(&log, 0, tmp_path("no/such/dir/x.png"), NULL, 0, 0, err, sizeof err);
    CHECK(rc == -1, "rc %d", rc);
    CHECK(strstr(err, "no/such/dir/x.png") != NULL, "err names the file: %s", err);
    metrics_free(&log);
}

static void overwrites_and_leaves_no_temporary_files(void)
{
    MetricLog log;
    make_log(&log, 3, 10, 5);
    char err[512] = "";
    CHECK(plot_training(&log, 10, tmp_path("o.png"), NULL, 400, 200, err, sizeof err) == 0, "%s", err);
    CHECK(plot_training(&log, 10, tmp_path("o.png"), NULL, 500, 250, err, sizeof err) == 0, "%s", err);
    CHECK(png_ok(tmp_path("o.png"), 500, 250), "replaced by the second picture");
    CHECK(tmp_count(tmp_dir_, ".tmp-") == 0, "a temporary file was left in %s", tmp_dir_);
    metrics_free(&log);
}

static void confusion_and_gallery(void)
{
    long conf[10][10] = {{0}};
    for (int t = 0; t < 10; t++)
        for (int k = 0; k < 10; k++) conf[t][k] = t == k ? 950 + t : (t * 7 + k) % 5;
    char err[512] = "";
    CHECK(plot_confusion(conf, "test", tmp_path("c.png"), err, sizeof err) == 0, "%s", err);
    CHECK(png_ok(tmp_path("c.png"), 760, 760), "confusion PNG");

    uint8_t img[5][784];
    GalleryItem items[5];
    for (int i = 0; i < 5; i++) {
        for (int p = 0; p < 784; p++) img[i][p] = (uint8_t)((p % 28 > 8 && p % 28 < 14 + i) * 255);
        items[i] = (GalleryItem){img[i], i, 9 - i, 0.9f, 100 + i, 28, 28};
    }
    CHECK(plot_gallery(items, 5, 3, "mistakes", tmp_path("g.png"), err, sizeof err) == 0, "%s", err);
    /* 3 columns of 170 px + 40, 2 rows of 230 px + 60 with a title */
    CHECK(png_ok(tmp_path("g.png"), 40 + 3 * 170, 60 + 2 * 230), "gallery PNG");
    CHECK(plot_gallery(items, 0, 3, NULL, tmp_path("g0.png"), err, sizeof err) == -1,
          "no images is an error");
}

int main(void)
{
    tmp_setup("plot");
    char why[256] = "";
    can_draw = plot_available(why, sizeof why);
    if (!can_draw) printf("# no plots in this build: %s\n", why);
    if (!skip_if_no_plplot("training_png_and_svg_of_requested_size"))
        RUN(training_png_and_svg_of_requested_size);
    if (!skip_if_no_plplot("training_default_size_one_epoch_no_test"))
        RUN(training_default_size_one_epoch_no_test);
    RUN(training_empty_log_is_an_error);
    RUN(unwritable_path_is_an_error);
    if (!skip_if_no_plplot("overwrites_and_leaves_no_temporary_files"))
        RUN(overwrites_and_leaves_no_temporary_files);
    if (!skip_if_no_plplot("confusion_and_gallery")) RUN(confusion_and_gallery);
    tmp_cleanup();
    return check_done();
}
