/* io/metric_log_file.h: the metric log beside a checkpoint. Round trip bit for bit (NaN too), the
 * documented layout through plain HDF5 calls (extendible compound tables), which log a reader
 * finds for a checkpoint (beside it, else inside it, else none), and broken logs: a table that is
 * not one, values no run writes. */
#include "io/metric_log_file.h"
#include "io/seal.h"
#include "io/tensor_file.h"
#include "tests/check.h"
#include "tests/tmpdir.h"

#include <hdf5.h>
#include <math.h>

static MetricLog mlog;

static void make_log(void)
{
    metrics_free(&mlog);
    for (int e = 1; e <= 3; e++) {
        EpochMetrics em = {e, 0.5f / e, 0.9f + 0.01f * e, 0.4f / e, e == 2 ? NAN : 0.95f + 0.01f * e,
                           12.5f, 4800.0f, 0.003f, 0.2f / e, 0.97f + 0.001f * e, 0.5f};
        metrics_add_epoch(&mlog, &em);
    }
    for (int s = 1; s <= 2500; s++) {
        StepMetrics sm = {s, 2.3f / (float)s, (float)(s % 100) / 100.0f, 1e-3f / (float)s};
        metrics_add_step(&mlog, &sm);
    }
}

static void names(void)
{
    char side[256];
    CHECK(metric_log_path("runs/model.h5", side, sizeof side) == 0 &&
              strcmp(side, "runs/model-metrics.h5") == 0, "%s", side);
    CHECK(metric_log_path("a.b/run", side, sizeof side) == 0 && strcmp(side, "a.b/run-metrics.h5") == 0,
          "%s", side);
    CHECK(metric_log_path("runs/model.h5", side, 8) == -1, "too small a buffer accepted");
}

static void round_trip(void)
{
    make_log();
    char err[512] = "";
    const char *lp = tmp_path("m-metrics.h5");
    CHECK(metric_log_save(lp, &mlog, err, sizeof err) == 0, "%s", err);
    MetricLog got = {0};
    CHECK(metric_log_load(lp, &got, err, sizeof err) == 0, "%s", err);
    CHECK(got.n_epochs == 3 && got.n_steps == 2500, "sizes %zu %zu", got.n_epochs, got.n_steps);
    if (got.n_epochs == 3 && got.n_steps == 2500) {
        CHECK(memcmp(got.epochs, mlog.epochs, 3 * sizeof(EpochMetrics)) == 0, "epoch rows differ");
        int same = 1;   /* field by field: StepMetrics has padding after its last float */
        for (int i = 0; i < 2500; i++)
            same &= got.steps[i].step == mlog.steps[i].step && got.steps[i].loss == mlog.steps[i].loss &&
                    got.steps[i].acc == mlog.steps[i].acc && got.steps[i].lr == mlog.steps[i].lr;
        CHECK(same, "step rows differ");
        CHECK(isnan(got.epochs[1].test_acc), "NaN test_acc lost");
    }
    /* the loaded log is an ordinary MetricLog: it can grow */
    StepMetrics more = {2501, 0.1f, 1.0f, 1e-3f};
    CHECK(metrics_add_step(&got, &more) == 0 && got.n_steps == 2501, "cannot append to a loaded log");
    metrics_free(&got);
    /* an empty log is a file with empty tables */
    MetricLog empty = {0};
    CHECK(metric_log_save(tmp_path("e-metrics.h5"), &empty, err, sizeof err) == 0, "%s", err);
    got.n_epochs = 7;
    CHECK(metric_log_load(tmp_path("e-metrics.h5"), &got, err, sizeof err) == 0 && got.n_epochs == 0 &&
              got.n_steps == 0, "empty: %s", err);
    metrics_free(&got);
}

/* The layout a Python user relies on, through plain HDF5 calls. */
static void layout_as_documented(void)
{
    make_log();
    char err[512] = "";
    const char *p = tmp_path("layout-metrics.h5");
    CHECK(metric_log_save(p, &mlog, err, sizeof err) == 0, "%s", err);
    hid_t f = H5Fopen(p, H5F_ACC_RDONLY, H5P_DEFAULT);
    CHECK(f >= 0 && H5Lexists(f, "/model", H5P_DEFAULT) == 0 && H5Aexists(f, "format_version") > 0,
          "a log file with a model, or without a format version");
    if (f < 0) return;
    /* metrics: extendible compound tables with named fields */
    hid_t d = H5Dopen2(f, "/metrics/epochs", H5P_DEFAULT);
    CHECK(d >= 0, "/metrics/epochs missing");
    if (d >= 0) {
        hid_t s = H5Dget_space(d), t = H5Dget_type(d), pl = H5Dget_create_plist(d);
        hsize_t dims[1], maxd[1];
        H5Sget_simple_extent_dims(s, dims, maxd);
        CHECK(dims[0] == 3 && maxd[0] == H5S_UNLIMITED, "epochs dims %llu max %llu",
              (unsigned long long)dims[0], (unsigned long long)maxd[0]);
        CHECK(H5Pget_layout(pl) == H5D_CHUNKED, "epochs not chunked");
        CHECK(H5Tget_class(t) == H5T_COMPOUND && H5Tget_member_index(t, "test_acc") >= 0 &&
                  H5Tget_member_index(t, "epoch") >= 0,
              "epochs fields");
        /* extendible in practice: h5py's resize() is this call */
        H5Pclose(pl);
        H5Tclose(t);
        H5Sclose(s);
        H5Dclose(d);
    }
    H5Fclose(f);
    /* extendible in practice: h5py's resize() is this call */
    hid_t fw = H5Fopen(p, H5F_ACC_RDWR, H5P_DEFAULT);
    hid_t dw = fw >= 0 ? H5Dopen2(fw, "/metrics/steps", H5P_DEFAULT) : -1;
    CHECK(dw >= 0 && H5Dset_extent(dw, (hsize_t[]){3000}) >= 0, "cannot extend /metrics/steps");
    if (dw >= 0) H5Dclose(dw);
    if (fw >= 0) H5Fclose(fw);
}

/* A checkpoint-like file: any named tensor will do, the log does not look at it. */
static void save_checkpoint_like(const char *p)
{
    static TensorList l;
    static float w[3] = {1, 2, 3};
    char err[512] = "";
    l = (TensorList){0};
    tensor_list_tensor(&l, "model/w", ELEM_F32, 1, (int[]){3}, w);
    CHECK(tensor_file_save(p, &l, err, sizeof err) == 0, "%s", err);
}

/* Older checkpoints carried their log inside: copy a log file's /metrics into one. */
static void put_log_inside(const char *checkpoint, const char *log_file)
{
    hid_t src = H5Fopen(log_file, H5F_ACC_RDONLY, H5P_DEFAULT);
    hid_t dst = H5Fopen(checkpoint, H5F_ACC_RDWR, H5P_DEFAULT);
    CHECK(src >= 0 && dst >= 0 && H5Ocopy(src, "/metrics", dst, "/metrics", H5P_DEFAULT, H5P_DEFAULT) >= 0,
          "copy /metrics");
    if (src >= 0) H5Fclose(src);
    if (dst >= 0) H5Fclose(dst);
    char err[512];
    CHECK(seal_file(checkpoint, err, sizeof err) == 0, "%s", err);
}

static void which_log_a_reader_finds(void)
{
    make_log();
    char err[512] = "";
    const char *cp = tmp_path("m.h5"), *side = tmp_path("m-metrics.h5"), *other = tmp_path("o.h5");
    MetricLog got = {0}, one = {0};
    EpochMetrics only = {.epoch = 42};
    metrics_add_epoch(&one, &only);
    CHECK(metric_log_save(other, &one, err, sizeof err) == 0, "%s", err);
    save_checkpoint_like(cp);
    put_log_inside(cp, other);
    CHECK(metric_log_save(side, &mlog, err, sizeof err) == 0, "%s", err);
    /* beside it first */
    CHECK(metric_log_load_for(cp, &got, err, sizeof err) == 0 && got.n_epochs == 3, "beside: %zu %s",
          got.n_epochs, err);
    /* else inside it */
    remove(side);
    CHECK(metric_log_load_for(cp, &got, err, sizeof err) == 0 && got.n_epochs == 1 &&
              got.epochs[0].epoch == 42, "inside: %zu %s", got.n_epochs, err);
    /* else none */
    save_checkpoint_like(cp);
    CHECK(metric_log_load_for(cp, &got, err, sizeof err) == 0 && got.n_epochs == 0, "none: %zu", got.n_epochs);
    CHECK(metric_log_load(cp, &got, err, sizeof err) == -1 && strstr(err, "holds no metric log"),
          "a checkpoint without a log: %s", err);
    /* a broken log beside it is an error, not silently ignored */
    FILE *bad = fopen(side, "w");
    if (bad) {
        fputs("not hdf5", bad);
        fclose(bad);
    }
    CHECK(metric_log_load_for(cp, &got, err, sizeof err) == -1 && strstr(err, "m-metrics.h5: not an HDF5 file"),
          "broken log: %s", err);
    remove(side);
    metrics_free(&one);
    metrics_free(&got);
}

static void bad_table(void)
{
    make_log();
    char err[512] = "";
    const char *p = tmp_path("bad-metrics.h5");
    CHECK(metric_log_save(p, &mlog, err, sizeof err) == 0, "%s", err);
    hid_t f = H5Fopen(p, H5F_ACC_RDWR, H5P_DEFAULT);
    H5Ldelete(f, "/metrics/epochs", H5P_DEFAULT);
    hid_t s = H5Screate_simple(1, (hsize_t[]){3}, NULL);
    hid_t d = H5Dcreate2(f, "/metrics/epochs", H5T_IEEE_F32LE, s, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    H5Dclose(d);
    H5Sclose(s);
    H5Fclose(f);
    CHECK(seal_file(p, err, sizeof err) == 0, "%s", err);
    MetricLog got = {0};
    EpochMetrics keep = {.epoch = 5};
    metrics_add_epoch(&got, &keep);
    CHECK(metric_log_load(p, &got, err, sizeof err) == -1 &&
              strstr(err, "/metrics/epochs has dtype float32, expected a compound table"), "%s", err);
    CHECK(got.n_epochs == 1 && got.epochs[0].epoch == 5, "log changed by a failed load");
    metrics_free(&got);
}

/* Values no run writes are refused on load, naming the file, the row and the field (they would
 * give plot an axis to 2e9 and info an accuracy of inf%); NaN where it means "not measured"
 * loads (round_trip). The log held before a failed load is kept. */
static void impossible_values(void)
{
    static const struct {
        int step_row;   /* -1: the edit is to epochs[1] */
        const char *field;
        double v;
        const char *says;
    } cases[] = {
        {-1, "epoch", -2147483648.0, "/metrics/epochs[1].epoch is -2147483648, outside 1..1000000"},
        {-1, "epoch", 2147483647.0, "/metrics/epochs[1].epoch is 2147483647, outside 1..1000000"},
        {-1, "test_acc", INFINITY, "/metrics/epochs[1].test_acc is inf, outside 0..1"},
        {-1, "val_acc", 1.5, "/metrics/epochs[1].val_acc is 1.5, outside 0..1"},
        {-1, "train_loss", NAN, "/metrics/epochs[1].train_loss is nan, not a finite number >= 0"},
        {-1, "test_loss", -INFINITY, "/metrics/epochs[1].test_loss is -inf"},
        {-1, "samples_per_s", INFINITY, "/metrics/epochs[1].samples_per_s is inf"},
        {7, "step", 0, "/metrics/steps[7].step is 0, outside 1..1000000000000"},
        {7, "loss", -1, "/metrics/steps[7].loss is -1, not a finite number >= 0"},
        {7, "lr", 1e30, "/metrics/steps[7].lr is 1e+30, outside 0..10"},
    };
    const char *p = tmp_path("impossible-metrics.h5");
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        make_log();
        EpochMetrics *e = &mlog.epochs[1];
        StepMetrics *st = &mlog.steps[cases[i].step_row >= 0 ? cases[i].step_row : 0];
        const char *f = cases[i].field;
        float v = (float)cases[i].v;
        if (!strcmp(f, "epoch")) e->epoch = (int32_t)cases[i].v;
        else if (!strcmp(f, "test_acc")) e->test_acc = v;
        else if (!strcmp(f, "val_acc")) e->val_acc = v;
        else if (!strcmp(f, "train_loss")) e->train_loss = v;
        else if (!strcmp(f, "test_loss")) e->test_loss = v;
        else if (!strcmp(f, "samples_per_s")) e->samples_per_s = v;
        else if (!strcmp(f, "step")) st->step = (int64_t)cases[i].v;
        else if (!strcmp(f, "loss")) st->loss = v;
        else if (!strcmp(f, "lr")) st->lr = v;
        char err[512] = "";
        CHECK(metric_log_save(p, &mlog, err, sizeof err) == 0, "%s", err);
        MetricLog got = {0};
        EpochMetrics keep = {.epoch = 5};
        metrics_add_epoch(&got, &keep);
        CHECK(metric_log_load(p, &got, err, sizeof err) == -1, "%s: loaded", cases[i].says);
        CHECK(strstr(err, p) == err && strstr(err, cases[i].says), "'%s' lacks '%s'", err,
              cases[i].says);
        CHECK(got.n_epochs == 1 && got.epochs[0].epoch == 5, "log changed by a failed load");
        metrics_free(&got);
    }
}

int main(void)
{
    tmp_setup("metric-log");
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    RUN(names);
    RUN(round_trip);
    RUN(layout_as_documented);
    RUN(which_log_a_reader_finds);
    RUN(bad_table);
    RUN(impossible_values);
    metrics_free(&mlog);
    tmp_cleanup();
    return check_done();
}
