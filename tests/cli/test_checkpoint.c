/* Checkpoints (cli/checkpoint.h: engine/state.h through io/tensor_file.h): exact round trips,
 * deterministic bytes, the documented layout as seen through plain HDF5 calls (what h5py sees),
 * every kind of bad file, and saves that fail part-way. */
#include "cli/checkpoint.h"
#include "engine/adam.h"
#include "engine/model.h"
#include "io/seal.h"
#include "tests/check.h"
#include "tests/tmpdir.h"

#include <hdf5.h>
#include <math.h>
#include <signal.h>
#include <string.h>
#include <sys/resource.h>

static Model model;
static Adam adam;
static RunInfo meta;

/* A state where every tensor differs from its neighbours, so swapped tensors would show. */
static void make_state(uint64_t seed)
{
    model_init(&model, seed);
    for (size_t i = 0; i < MODEL_N_BUFFERS; i++) model.buffers[i] = 0.5f + 0.001f * (float)i;
    model.counters[0] = 1234;
    model.counters[1] = 1234;
    adam.step = 77;
    adam.lr = 0.003f;
    for (size_t i = 0; i < MODEL_N_PARAMS; i++) {
        adam.m[i] = sinf((float)i) * 1e-3f;
        adam.v[i] = (float)(i % 1000) * 1e-7f;
    }
    meta = (RunInfo){.epoch = 3, .step = 77, .seed = seed, .epochs = 10, .batch = 64,
                            .limit = 0, .augment = 1, .lr = 0.003f};
    snprintf(meta.isa, sizeof meta.isa, "avx512");
    snprintf(meta.data_dir, sizeof meta.data_dir, "data/mnist");
}

static int files_equal(const char *a, const char *b)
{
    size_t la = 0, lb = 0;
    uint8_t *ba = tmp_read(a, &la), *bb = tmp_read(b, &lb);
    int eq = ba && bb && la == lb && memcmp(ba, bb, la) == 0;
    free(ba);
    free(bb);
    return eq;
}

/* Raw stored bytes of a dataset (in its file type), malloc'ed; NULL on failure. */
static uint8_t *dataset_bytes(const char *file, const char *dpath, size_t *len)
{
    hid_t f = H5Fopen(file, H5F_ACC_RDONLY, H5P_DEFAULT);
    if (f < 0) return NULL;
    hid_t d = H5Dopen2(f, dpath, H5P_DEFAULT);
    uint8_t *buf = NULL;
    if (d >= 0) {
        hid_t t = H5Dget_type(d), s = H5Dget_space(d);
        *len = H5Tget_size(t) * (size_t)H5Sget_simple_extent_npoints(s);
        buf = malloc(*len ? *len : 1);
        if (buf && *len && H5Dread(d, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) < 0) {
            free(buf);
            buf = NULL;
        }
        H5Tclose(t);
        H5Sclose(s);
        H5Dclose(d);
    }
    H5Fclose(f);
    return buf;
}

static int same_dataset(const char *a, const char *b, const char *dpath)
{
    size_t la = 0, lb = 0;
    uint8_t *ba = dataset_bytes(a, dpath, &la), *bb = dataset_bytes(b, dpath, &lb);
    int eq = ba && bb && la == lb && memcmp(ba, bb, la) == 0;
    free(ba);
    free(bb);
    return eq;
}

static void roundtrip_exact(void)
{
    make_state(42);
    char err[512] = "";
    const char *a = tmp_path("a.h5"), *b = tmp_path("b.h5");
    CHECK(checkpoint_save(a, &model, &adam, &meta, err, sizeof err) == 0, "%s", err);

    Model m2;
    Adam a2;
    model_alloc(&m2);
    adam_alloc(&a2, 1.0f);
    RunInfo meta2;
    CHECK(checkpoint_load(a, &m2, &a2, &meta2, err, sizeof err) == 0, "%s", err);
    CHECK(memcmp(m2.params, model.params, MODEL_N_PARAMS * sizeof(float)) == 0, "params differ");
    CHECK(memcmp(m2.buffers, model.buffers, MODEL_N_BUFFERS * sizeof(float)) == 0, "buffers differ");
    CHECK(m2.counters[0] == 1234 && m2.counters[1] == 1234, "counters %lld %lld",
          (long long)m2.counters[0], (long long)m2.counters[1]);
    CHECK(memcmp(a2.m, adam.m, MODEL_N_PARAMS * sizeof(float)) == 0, "exp_avg differs");
    CHECK(memcmp(a2.v, adam.v, MODEL_N_PARAMS * sizeof(float)) == 0, "exp_avg_sq differs");
    CHECK(a2.step == 77 && a2.lr == 0.003f && a2.beta1 == 0.9f && a2.beta2 == 0.999f && a2.eps == 1e-8f,
          "adam scalars step %lld lr %g", (long long)a2.step, (double)a2.lr);
    CHECK(meta2.epoch == 3 && meta2.step == 77 && meta2.seed == 42 && meta2.epochs == 10 &&
              meta2.batch == 64 && meta2.limit == 0 && meta2.augment == 1 &&
              meta2.lr == 0.003f,
          "meta differs");
    CHECK(strcmp(meta2.isa, "avx512") == 0 && strcmp(meta2.data_dir, "data/mnist") == 0, "strings '%s' '%s'",
          meta2.isa, meta2.data_dir);
    /* save -> load -> save: every dataset identical, and the whole file too */
    CHECK(checkpoint_save(b, &m2, &a2, &meta2, err, sizeof err) == 0, "%s", err);
    for (int i = 0; i < N_STATE_ENTRIES; i++) {
        char dp[128];
        snprintf(dp, sizeof dp, "/model/%s", model_state[i].name);
        CHECK(same_dataset(a, b, dp), "%s differs after a round trip", dp);
    }
    for (int p = 0; p < N_PARAM_TENSORS; p++) {
        char dp[128];
        snprintf(dp, sizeof dp, "/optimizer/exp_avg_sq/%s", model_param_entry((ParamId)p)->name);
        CHECK(same_dataset(a, b, dp), "%s differs after a round trip", dp);
    }
    CHECK(files_equal(a, b), "save -> load -> save gives a different file");
    adam_free(&a2);
    model_free(&m2);
}

static void two_saves_identical(void)
{
    make_state(7);
    char err[512] = "";
    const char *a = tmp_path("twice1.h5"), *b = tmp_path("twice2.h5");
    CHECK(checkpoint_save(a, &model, &adam, &meta, err, sizeof err) == 0, "%s", err);
    CHECK(checkpoint_save(b, &model, &adam, &meta, err, sizeof err) == 0, "%s", err);
    CHECK(files_equal(a, b), "two saves of the same state differ");
    /* and a different state must give a different file (the comparison can fail) */
    model.params[5] += 1.0f;
    CHECK(checkpoint_save(b, &model, &adam, &meta, err, sizeof err) == 0, "%s", err);
    CHECK(!files_equal(a, b), "changed state but identical file");
    CHECK(tmp_count(tmp_dir_, ".tmp-") == 0, "temporary files left behind");
}

/* The layout a PyTorch user relies on, checked through plain HDF5 calls. */
static void layout_as_documented(void)
{
    make_state(1);
    char err[512] = "";
    const char *p = tmp_path("layout.h5");
    CHECK(checkpoint_save(p, &model, &adam, &meta, err, sizeof err) == 0, "%s", err);
    hid_t f = H5Fopen(p, H5F_ACC_RDONLY, H5P_DEFAULT);
    CHECK(f >= 0, "cannot open with HDF5");
    if (f < 0) return;
    for (int i = 0; i < N_STATE_ENTRIES; i++) {
        const StateEntry *e = &model_state[i];
        char dp[128];
        snprintf(dp, sizeof dp, "/model/%s", e->name);
        hid_t d = H5Dopen2(f, dp, H5P_DEFAULT);
        CHECK(d >= 0, "%s missing", dp);
        if (d < 0) continue;
        hid_t t = H5Dget_type(d), s = H5Dget_space(d);
        hid_t want = e->kind == T_COUNTER ? H5T_STD_I64LE : H5T_IEEE_F32LE;
        CHECK(H5Tequal(t, want) > 0, "%s has the wrong dtype", dp);
        hsize_t dims[4] = {0};
        int nd = H5Sget_simple_extent_ndims(s);
        H5Sget_simple_extent_dims(s, dims, NULL);
        CHECK(nd == e->ndim, "%s rank %d", dp, nd);
        for (int k = 0; k < nd && k < 4; k++) CHECK(dims[k] == (hsize_t)e->shape[k], "%s dim %d", dp, k);
        if (e->kind == T_PARAM && i == 0) {
            float first[2];
            hid_t ms = H5Screate_simple(1, (hsize_t[]){288}, NULL);
            float all[288];
            H5Dread(d, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, all);
            first[0] = all[0];
            first[1] = all[287];
            CHECK(first[0] == model.params[0] && first[1] == model.params[287], "conv1.weight data");
            H5Sclose(ms);
        }
        H5Tclose(t);
        H5Sclose(s);
        H5Dclose(d);
    }
    /* root attributes */
    int32_t v = 0;
    hid_t a = H5Aopen(f, "format_version", H5P_DEFAULT);
    CHECK(a >= 0 && H5Aread(a, H5T_NATIVE_INT32, &v) >= 0 && v == STATE_FORMAT_VERSION, "format_version %d", v);
    if (a >= 0) H5Aclose(a);
    const char *attrs[] = {"epoch", "step", "seed", "epochs", "batch", "limit", "augment", "lr",
                           "isa", "data_dir"};
    for (size_t i = 0; i < sizeof attrs / sizeof attrs[0]; i++)
        CHECK(H5Aexists(f, attrs[i]) > 0, "root attribute %s missing", attrs[i]);
    hid_t g = H5Gopen2(f, "/optimizer", H5P_DEFAULT);
    CHECK(g >= 0 && H5Aexists(g, "step") > 0 && H5Aexists(g, "eps") > 0, "optimizer attributes");
    if (g >= 0) H5Gclose(g);
    CHECK(H5Lexists(f, "/optimizer/exp_avg", H5P_DEFAULT) > 0 &&
              H5Lexists(f, "/optimizer/exp_avg/fc1.weight", H5P_DEFAULT) > 0,
          "exp_avg/fc1.weight missing");
    CHECK(H5Lexists(f, "/metrics", H5P_DEFAULT) == 0, "the metric log belongs beside the checkpoint");
    H5Fclose(f);
}

/* Copy the good checkpoint to name, apply edit to it with HDF5, and expect checkpoint_load to fail
 * with a message containing needle; the model passed in must stay untouched. */
typedef void (*Edit)(hid_t f);

static void expect_load_error(const char *name, Edit edit, int with_opt, const char *needle)
{
    const char *p = tmp_path(name);
    char err[512] = "";
    make_state(3);
    CHECK(checkpoint_save(p, &model, &adam, &meta, err, sizeof err) == 0, "%s", err);
    if (edit) {
        hid_t f = H5Fopen(p, H5F_ACC_RDWR, H5P_DEFAULT);
        CHECK(f >= 0, "cannot reopen %s", p);
        if (f < 0) return;
        edit(f);
        H5Fclose(f);
        /* renew the seal (io/seal.h), so it is the edit's structure that gets reported */
        CHECK(seal_file(p, err, sizeof err) == 0, "%s", err);
    }
    Model m2;
    Adam a2;
    model_alloc(&m2);
    adam_alloc(&a2, 1.0f);
    for (size_t i = 0; i < MODEL_N_PARAMS; i++) m2.params[i] = 9.0f;
    RunInfo meta2 = {.epoch = -5};
    err[0] = '\0';
    CHECK(checkpoint_load(p, &m2, with_opt ? &a2 : NULL, &meta2, err, sizeof err) == -1,
          "loaded a bad file (%s)", name);
    printf("# %s\n", err);
    CHECK(strstr(err, p) == err, "message does not start with the file name: %s", err);
    CHECK(strstr(err, needle) != NULL, "message lacks '%s': %s", needle, err);
    CHECK(m2.params[0] == 9.0f && m2.params[MODEL_N_PARAMS - 1] == 9.0f, "model modified by a failed load");
    CHECK(meta2.epoch == -5 && a2.step == 0, "run/optimizer modified by a failed load");
    adam_free(&a2);
    model_free(&m2);
}

static void replace(hid_t f, const char *dpath, hid_t type, int ndim, const hsize_t *dims)
{
    H5Ldelete(f, dpath, H5P_DEFAULT);
    hid_t s = ndim ? H5Screate_simple(ndim, dims, NULL) : H5Screate(H5S_SCALAR);
    hid_t d = H5Dcreate2(f, dpath, type, s, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    H5Dclose(d);
    H5Sclose(s);
}

static void edit_missing(hid_t f) { H5Ldelete(f, "/model/fc1.bias", H5P_DEFAULT); }
static void edit_shape(hid_t f) { replace(f, "/model/fc1.weight", H5T_IEEE_F32LE, 2, (hsize_t[]){128, 3000}); }
static void edit_dtype(hid_t f) { replace(f, "/model/conv1.bias", H5T_IEEE_F64LE, 1, (hsize_t[]){32}); }
static void edit_counter(hid_t f) { replace(f, "/model/bn2.num_batches_tracked", H5T_STD_I32LE, 0, NULL); }
static void edit_counter_shape(hid_t f)
{
    replace(f, "/model/bn1.num_batches_tracked", H5T_STD_I64LE, 1, (hsize_t[]){1});
}
static void edit_extra(hid_t f) { replace(f, "/model/fc3.weight", H5T_IEEE_F32LE, 2, (hsize_t[]){10, 10}); }
static void edit_moment(hid_t f) { replace(f, "/optimizer/exp_avg_sq/conv2.weight", H5T_IEEE_F32LE, 1, (hsize_t[]){18432}); }
static void edit_no_opt(hid_t f) { H5Ldelete(f, "/optimizer", H5P_DEFAULT); }
static void edit_version(hid_t f)
{
    int32_t future = STATE_FORMAT_VERSION + 1;
    hid_t a = H5Aopen(f, "format_version", H5P_DEFAULT);
    H5Awrite(a, H5T_NATIVE_INT32, &future);
    H5Aclose(a);
}
static void edit_attr(hid_t f) { H5Adelete(f, "seed"); }

static void load_missing_dataset(void) { expect_load_error("missing.h5", edit_missing, 1, "/model/fc1.bias is missing"); }
static void load_misshaped(void)
{
    expect_load_error("shape.h5", edit_shape, 1, "/model/fc1.weight has shape 128x3000, expected 128x3136");
}
static void load_wrong_dtype(void)
{
    expect_load_error("dtype.h5", edit_dtype, 1, "/model/conv1.bias has dtype float64, expected float32");
    expect_load_error("counter.h5", edit_counter, 1, "/model/bn2.num_batches_tracked has dtype int32, expected int64");
    expect_load_error("counter1.h5", edit_counter_shape, 1,
                      "/model/bn1.num_batches_tracked has shape 1, expected a scalar");
}
static void load_extra_entry(void) { expect_load_error("extra.h5", edit_extra, 1, "unexpected entry /model/fc3.weight"); }
static void load_bad_optimizer(void)
{
    expect_load_error("moment.h5", edit_moment, 1,
                      "/optimizer/exp_avg_sq/conv2.weight has shape 18432, expected 64x32x3x3");
    expect_load_error("noopt.h5", edit_no_opt, 1, "/optimizer is missing");
}
static void load_bad_root(void)
{
    expect_load_error("version.h5", edit_version, 0, "format_version is 3; this program reads versions 1 to 2");
    expect_load_error("noseed.h5", edit_attr, 0, "attribute 'seed' of / is missing");
}

static void load_not_hdf5(void)
{
    const char *p = tmp_path("model.txt");
    tmp_write(p, "conv1.weight = [1, 2, 3]\n", 25);
    Model m2;
    model_alloc(&m2);
    char err[512] = "";
    CHECK(checkpoint_load(p, &m2, NULL, NULL, err, sizeof err) == -1, "loaded a text file");
    printf("# %s\n", err);
    char want[700];
    snprintf(want, sizeof want, "%s: not an HDF5 file", p);
    CHECK(strcmp(err, want) == 0, "message: %s", err);
    CHECK(checkpoint_load(tmp_path("nope.h5"), &m2, NULL, NULL, err, sizeof err) == -1, "loaded nothing");
    CHECK(strstr(err, "nope.h5: cannot open: No such file") != NULL, "message: %s", err);

    /* a checkpoint cut short (interrupted copy) */
    make_state(4);
    const char *full = tmp_path("full.h5"), *half = tmp_path("half.h5");
    CHECK(checkpoint_save(full, &model, NULL, &meta, err, sizeof err) == 0, "%s", err);
    size_t len = 0;
    uint8_t *b = tmp_read(full, &len);
    CHECK(b && tmp_write(half, b, len / 2) == 0, "fixture");
    free(b);
    CHECK(checkpoint_load(half, &m2, NULL, NULL, err, sizeof err) == -1, "loaded a truncated file");
    printf("# %s\n", err);
    CHECK(strstr(err, half) == err && strstr(err, "truncated"), "message: %s", err);
    model_free(&m2);
}

/* Without an optimizer: no such group, and a load without opt works. */
static void model_only(void)
{
    make_state(5);
    char err[512] = "";
    const char *p = tmp_path("plain.h5");
    CHECK(checkpoint_save(p, &model, NULL, &meta, err, sizeof err) == 0, "%s", err);
    hid_t f = H5Fopen(p, H5F_ACC_RDONLY, H5P_DEFAULT);
    CHECK(H5Lexists(f, "/optimizer", H5P_DEFAULT) == 0, "optimizer group written");
    H5Fclose(f);
    Model m2;
    model_alloc(&m2);
    CHECK(checkpoint_load(p, &m2, NULL, NULL, err, sizeof err) == 0, "%s", err);
    CHECK(memcmp(m2.params, model.params, MODEL_N_PARAMS * sizeof(float)) == 0, "params differ");
    int has = 1;
    CHECK(checkpoint_has_optimizer(p, &has, err, sizeof err) == 0 && !has, "has_optimizer %d %s", has, err);
    model_free(&m2);
}

/* A run that averages its weights: model/ is the average (what a model-only reader gets), the
 * trained weights come back for a resume; a file of a run without one gives its model as both;
 * an averaged file without the trained weights is refused. */
static void averaged(void)
{
    make_state(8);
    meta.ema = 0.999f;
    char err[512] = "";
    const char *p = tmp_path("avg.h5"), *q = tmp_path("plainavg.h5");
    Model avg, m2, t2;
    Adam a2;
    model_alloc(&avg), model_alloc(&m2), model_alloc(&t2);
    adam_alloc(&a2, 1.0f);
    model_copy(&avg, &model);
    for (size_t i = 0; i < MODEL_N_PARAMS; i++) avg.params[i] = 0.5f * model.params[i];
    CHECK(checkpoint_save_averaged(p, &avg, &model, &adam, &meta, err, sizeof err) == 0, "%s", err);
    RunInfo r2;
    CHECK(checkpoint_load_averaged(p, &m2, &t2, &a2, &r2, err, sizeof err) == 0, "%s", err);
    CHECK(memcmp(m2.params, avg.params, MODEL_N_PARAMS * sizeof(float)) == 0, "model/ is not the average");
    CHECK(memcmp(t2.params, model.params, MODEL_N_PARAMS * sizeof(float)) == 0, "trained weights differ");
    CHECK(r2.ema == 0.999f, "ema %g", (double)r2.ema);
    CHECK(checkpoint_load(p, &m2, NULL, NULL, err, sizeof err) == 0 &&
              memcmp(m2.params, avg.params, MODEL_N_PARAMS * sizeof(float)) == 0,
          "a model-only reader does not get the average: %s", err);
    CHECK(checkpoint_load(p, &m2, &a2, &r2, err, sizeof err) == 0, "a resume without asking for the "
          "trained weights: %s", err);
    /* without averaging: the trained weights are the model */
    meta.ema = 0;
    CHECK(checkpoint_save(q, &model, &adam, &meta, err, sizeof err) == 0, "%s", err);
    CHECK(checkpoint_load_averaged(q, &m2, &t2, &a2, &r2, err, sizeof err) == 0 &&
              memcmp(t2.params, model.params, MODEL_N_PARAMS * sizeof(float)) == 0,
          "plain file: %s", err);
    /* an average without the trained weights */
    meta.ema = 0.999f;
    CHECK(checkpoint_save(q, &model, &adam, &meta, err, sizeof err) == 0, "%s", err);
    CHECK(checkpoint_load_averaged(q, &m2, &t2, &a2, &r2, err, sizeof err) != 0 &&
              strstr(err, "not the weights it trained"),
          "missing trained weights accepted: %s", err);
    meta.ema = 0;
    model_free(&avg), model_free(&m2), model_free(&t2);
    adam_free(&a2);
}

static void failed_save_keeps_old(void)
{
    make_state(11);
    char err[512] = "";
    const char *p = tmp_path("keep.h5");
    CHECK(checkpoint_save(p, &model, &adam, &meta, err, sizeof err) == 0, "%s", err);
    size_t len0 = 0;
    uint8_t *before = tmp_read(p, &len0);

    /* 1. target directory does not exist */
    CHECK(checkpoint_save(tmp_path("no-such-dir/x.h5"), &model, NULL, &meta, err, sizeof err) == -1,
          "saved into a missing directory");
    printf("# %s\n", err);
    CHECK(strstr(err, "no-such-dir/x.h5") && strstr(err, "No such file"), "message: %s", err);

    /* 2. the file system fills up part-way (RLIMIT_FSIZE: writes past 200 kB fail with EFBIG) */
    model.params[0] = 123.0f;
    struct rlimit old_lim, lim;
    getrlimit(RLIMIT_FSIZE, &old_lim);
    lim = old_lim;
    lim.rlim_cur = 200 * 1024;
    signal(SIGXFSZ, SIG_IGN);
    int limited = setrlimit(RLIMIT_FSIZE, &lim) == 0;
    int rc = checkpoint_save(p, &model, &adam, &meta, err, sizeof err);
    if (limited) setrlimit(RLIMIT_FSIZE, &old_lim);
    CHECK(limited, "cannot set RLIMIT_FSIZE");
    CHECK(rc == -1, "save succeeded despite a full disk");
    printf("# %s\n", err);
    CHECK(strstr(err, p) == err, "message does not name the file: %s", err);
    size_t len1 = 0;
    uint8_t *after = tmp_read(p, &len1);
    CHECK(before && after && len0 == len1 && memcmp(before, after, len0) == 0, "old checkpoint changed");
    CHECK(tmp_count(tmp_dir_, ".tmp-") == 0, "temporary file left after a failed save");

    /* 3. rename fails: the target is a directory */
    const char *dirp = tmp_path("adir.h5");
    mkdir(dirp, 0755);
    CHECK(checkpoint_save(dirp, &model, NULL, &meta, err, sizeof err) == -1, "saved over a directory");
    printf("# %s\n", err);
    CHECK(strstr(err, "cannot rename") != NULL, "message: %s", err);
    CHECK(tmp_count(tmp_dir_, ".tmp-") == 0, "temporary file left after a failed rename");
    rmdir(dirp);

    /* the old file still loads */
    Model m2;
    model_alloc(&m2);
    CHECK(checkpoint_load(p, &m2, NULL, NULL, err, sizeof err) == 0, "%s", err);
    CHECK(m2.params[0] != 123.0f, "old checkpoint holds the new state");
    model_free(&m2);
    free(before);
    free(after);
}

/* Damaged files (random bytes changed anywhere): HDF5 itself can crash or hang on such files, so
 * the seal (io/seal.h) must catch every change before HDF5 parses anything. A change inside the
 * user block's padding harms nothing; then the file must load and give the same model. */
static void damaged_files(void)
{
    make_state(8);
    char err[512] = "";
    const char *good = tmp_path("good.h5"), *bad = tmp_path("bad.h5");
    CHECK(checkpoint_save(good, &model, &adam, &meta, err, sizeof err) == 0, "%s", err);
    size_t len = 0;
    uint8_t *img = tmp_read(good, &len);
    CHECK(img && len > SEAL_BLOCK, "fixture");
    if (!img) return;
    Model m2;
    model_alloc(&m2);
    unsigned state = 12345;
    int caught = 0, harmless = 0;
    for (int t = 0; t < 300; t++) {
        uint8_t *copy = malloc(len);
        memcpy(copy, img, len);
        int nflip = 1 + t % 3, in_block = 1;
        for (int k = 0; k < nflip; k++) {
            state = state * 1664525u + 1013904223u;
            /* every third trial aims at the first 8 KB (superblock and root metadata) */
            size_t pos = (t % 3 == 0) ? (state >> 8) % 8192 : (state >> 4) % len;
            copy[pos] ^= (uint8_t)(1u << (state >> 29));
            in_block &= pos < SEAL_BLOCK;
        }
        CHECK(tmp_write(bad, copy, len) == 0, "write");
        free(copy);
        err[0] = 0;
        if (checkpoint_load(bad, &m2, NULL, NULL, err, sizeof err) == 0) {
            CHECK(in_block && memcmp(m2.params, model.params, MODEL_N_PARAMS * sizeof(float)) == 0,
                  "trial %d: a damaged file loaded", t);
            harmless++;
        } else {
            CHECK(strncmp(err, bad, strlen(bad)) == 0, "trial %d: message %s", t, err);
            caught++;
        }
    }
    printf("# 300 damaged copies: %d refused with a message, %d harmless (user-block padding)\n",
           caught, harmless);
    CHECK(caught >= 250, "only %d of 300 damaged files refused", caught);
    model_free(&m2);
    free(img);
}

int main(void)
{
    tmp_setup("ckpt");
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    if (model_alloc(&model) || adam_alloc(&adam, 0.001f)) {
        printf("Bail out! out of memory\n");
        return 1;
    }
    RUN(roundtrip_exact);
    RUN(two_saves_identical);
    RUN(layout_as_documented);
    RUN(load_missing_dataset);
    RUN(load_misshaped);
    RUN(load_wrong_dtype);
    RUN(load_extra_entry);
    RUN(load_bad_optimizer);
    RUN(load_bad_root);
    RUN(load_not_hdf5);
    RUN(model_only);
    RUN(averaged);
    RUN(failed_save_keeps_old);
    RUN(damaged_files);
    adam_free(&adam);
    model_free(&model);
    tmp_cleanup();
    return check_done();
}
