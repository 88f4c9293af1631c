/* checkpoint_load: reads everything into temporaries first and copies into the caller's structs
 * only when the whole file checked out, so a bad file never leaves a half-loaded model behind. */
#include "io/checkpoint.h"
#include "io/checkpoint_tables.h"
#include "io/h5util.h"
#include "io/seal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* Every link in group gpath must be one of names[0..n): a file from a different model (extra
 * layers) is an error, as with load_state_dict(strict=True). */
static int check_no_extras(hid_t fid, const char *file, const char *gpath, const char *const *names,
                           int n, char *err, size_t errlen)
{
    hid_t g = H5Gopen2(fid, gpath, H5P_DEFAULT);
    if (g < 0) return h5u_fail(err, errlen, "%s: %s is not a group", file, gpath);
    H5G_info_t gi;
    int rc = 0;
    if (H5Gget_info(g, &gi) < 0) {
        rc = h5u_fail(err, errlen, "%s: cannot list %s", file, gpath);
    } else {
        for (hsize_t i = 0; i < gi.nlinks && rc == 0; i++) {
            char name[256];
            if (H5Lget_name_by_idx(g, ".", H5_INDEX_NAME, H5_ITER_INC, i, name, sizeof name, H5P_DEFAULT) < 0) {
                rc = h5u_fail(err, errlen, "%s: cannot list %s", file, gpath);
                break;
            }
            int known = 0;
            for (int k = 0; k < n && !known; k++) known = strcmp(name, names[k]) == 0;
            if (!known)
                rc = h5u_fail(err, errlen, "%s: unexpected entry %s/%s (not part of this model)", file,
                              gpath, name);
        }
    }
    H5Gclose(g);
    return rc;
}

static int read_meta(hid_t fid, const char *file, CheckpointMeta *mt, char *err, size_t errlen)
{
    int32_t version = 0;
    if (h5u_attr_read(fid, file, "/", "format_version", H5T_INTEGER, H5T_NATIVE_INT32, &version, err, errlen))
        return -1;
    if (version != CHECKPOINT_FORMAT_VERSION) {
        snprintf(err, errlen, "%s: checkpoint format_version is %d; this program reads version %d", file,
                 (int)version, CHECKPOINT_FORMAT_VERSION);
        return -1;
    }
    memset(mt, 0, sizeof *mt);
    const struct { const char *name; H5T_class_t cls; hid_t mt; void *v; } attrs[] = {
        {"epoch", H5T_INTEGER, H5T_NATIVE_INT32, &mt->epoch},
        {"step", H5T_INTEGER, H5T_NATIVE_INT64, &mt->step},
        {"seed", H5T_INTEGER, H5T_NATIVE_UINT64, &mt->seed},
        {"epochs", H5T_INTEGER, H5T_NATIVE_INT32, &mt->epochs},
        {"batch", H5T_INTEGER, H5T_NATIVE_INT32, &mt->batch},
        {"limit", H5T_INTEGER, H5T_NATIVE_INT32, &mt->limit},
        {"augment", H5T_INTEGER, H5T_NATIVE_INT32, &mt->augment},
        {"lr", H5T_FLOAT, H5T_NATIVE_FLOAT, &mt->lr},
    };
    for (size_t i = 0; i < sizeof attrs / sizeof attrs[0]; i++)
        if (h5u_attr_read(fid, file, "/", attrs[i].name, attrs[i].cls, attrs[i].mt, attrs[i].v, err, errlen))
            return -1;
    if (h5u_attr_read_str(fid, file, "/", "isa", mt->isa, sizeof mt->isa, err, errlen) ||
        h5u_attr_read_str(fid, file, "/", "data_dir", mt->data_dir, sizeof mt->data_dir, err, errlen))
        return -1;
    return 0;
}

static int read_model(hid_t fid, const char *file, Model *m, char *err, size_t errlen)
{
    if (!h5u_exists(fid, "/model")) return h5u_fail(err, errlen, "%s: group /model is missing", file);
    const char *names[N_STATE_ENTRIES];
    for (int i = 0; i < N_STATE_ENTRIES; i++) {
        const StateEntry *e = &model_state[i];
        names[i] = e->name;
        char dpath[128];
        snprintf(dpath, sizeof dpath, "/model/%s", e->name);
        int rc = e->kind == T_COUNTER
                     ? h5u_dataset_read(fid, file, dpath, H5T_STD_I64LE, 0, NULL, H5T_NATIVE_INT64,
                                        &m->counters[e->offset], err, errlen)
                     : h5u_dataset_read(fid, file, dpath, H5T_IEEE_F32LE, e->ndim, e->shape,
                                        H5T_NATIVE_FLOAT, model_tensor(m, e), err, errlen);
        if (rc) return -1;
    }
    return check_no_extras(fid, file, "/model", names, N_STATE_ENTRIES, err, errlen);
}

static int read_optimizer(hid_t fid, const char *file, Adam *a, char *err, size_t errlen)
{
    if (!h5u_exists(fid, "/optimizer"))
        return h5u_fail(err, errlen, "%s: has no optimizer state (/optimizer is missing)", file);
    hid_t g = H5Gopen2(fid, "/optimizer", H5P_DEFAULT);
    if (g < 0) return h5u_fail(err, errlen, "%s: /optimizer is not a group", file);
    int rc = h5u_attr_read(g, file, "/optimizer", "step", H5T_INTEGER, H5T_NATIVE_INT64, &a->step, err, errlen) ||
             h5u_attr_read(g, file, "/optimizer", "lr", H5T_FLOAT, H5T_NATIVE_FLOAT, &a->lr, err, errlen) ||
             h5u_attr_read(g, file, "/optimizer", "beta1", H5T_FLOAT, H5T_NATIVE_FLOAT, &a->beta1, err, errlen) ||
             h5u_attr_read(g, file, "/optimizer", "beta2", H5T_FLOAT, H5T_NATIVE_FLOAT, &a->beta2, err, errlen) ||
             h5u_attr_read(g, file, "/optimizer", "eps", H5T_FLOAT, H5T_NATIVE_FLOAT, &a->eps, err, errlen);
    H5Gclose(g);
    if (rc) return -1;

    static const char *const groups[2] = {"exp_avg", "exp_avg_sq"};
    if (check_no_extras(fid, file, "/optimizer", groups, 2, err, errlen)) return -1;
    const char *names[N_PARAM_TENSORS];
    for (int k = 0; k < 2; k++) {
        float *buf = k ? a->v : a->m;
        for (int p = 0; p < N_PARAM_TENSORS; p++) {
            const StateEntry *e = model_param_entry((ParamId)p);
            names[p] = e->name;
            char dpath[128];
            snprintf(dpath, sizeof dpath, "/optimizer/%s/%s", groups[k], e->name);
            if (h5u_dataset_read(fid, file, dpath, H5T_IEEE_F32LE, e->ndim, e->shape, H5T_NATIVE_FLOAT,
                                 buf + e->offset, err, errlen))
                return -1;
        }
        char gpath[64];
        snprintf(gpath, sizeof gpath, "/optimizer/%s", groups[k]);
        if (check_no_extras(fid, file, gpath, names, N_PARAM_TENSORS, err, errlen)) return -1;
    }
    return 0;
}

/* Reads a 1-D compound table into a malloc'ed array of C structs; fields are matched by name. */
static int read_table(hid_t fid, const char *file, const TableDesc *t, void **rows, size_t *n,
                      char *err, size_t errlen)
{
    *rows = NULL;
    *n = 0;
    if (!h5u_exists(fid, t->dpath)) return h5u_fail(err, errlen, "%s: %s is missing", file, t->dpath);
    hid_t d = H5Dopen2(fid, t->dpath, H5P_DEFAULT);
    if (d < 0) return h5u_fail(err, errlen, "%s: %s is not a dataset", file, t->dpath);
    hid_t ft = H5Dget_type(d), sp = H5Dget_space(d), mt = -1;
    int rc = -1;
    hsize_t dims[1] = {0};
    if (ft < 0 || sp < 0) {
        h5u_fail(err, errlen, "%s: cannot read %s", file, t->dpath);
        goto out;
    }
    if (H5Tget_class(ft) != H5T_COMPOUND) {
        char tn[32];
        h5u_type_name(ft, tn, sizeof tn);
        h5u_fail(err, errlen, "%s: %s has dtype %s, expected a compound table", file, t->dpath, tn);
        goto out;
    }
    for (int i = 0; i < t->n_fields; i++) {
        int idx = H5Tget_member_index(ft, t->fields[i].name);
        H5T_class_t c = idx >= 0 ? H5Tget_member_class(ft, (unsigned)idx) : H5T_NO_CLASS;
        if (c != H5T_INTEGER && c != H5T_FLOAT) {
            H5Eclear2(H5E_DEFAULT);
            h5u_fail(err, errlen, "%s: %s has no numeric field '%s'", file, t->dpath, t->fields[i].name);
            goto out;
        }
    }
    if (H5Sget_simple_extent_ndims(sp) != 1 || H5Sget_simple_extent_dims(sp, dims, NULL) < 0) {
        h5u_fail(err, errlen, "%s: %s must be 1-D", file, t->dpath);
        goto out;
    }
    *rows = calloc(dims[0] ? dims[0] : 1, t->row_size);
    mt = table_type(t, 0);
    if (!*rows || mt < 0) {
        h5u_fail(err, errlen, "%s: out of memory reading %s", file, t->dpath);
        goto out;
    }
    if (dims[0] && H5Dread(d, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, *rows) < 0) {
        h5u_fail(err, errlen, "%s: cannot read the rows of %s", file, t->dpath);
        goto out;
    }
    *n = dims[0];
    rc = 0;
out:
    if (rc) {
        free(*rows);
        *rows = NULL;
    }
    if (mt >= 0) H5Tclose(mt);
    if (ft >= 0) H5Tclose(ft);
    if (sp >= 0) H5Sclose(sp);
    H5Dclose(d);
    return rc;
}

static int read_metrics(hid_t fid, const char *file, MetricLog *log, char *err, size_t errlen)
{
    memset(log, 0, sizeof *log);
    if (!h5u_exists(fid, "/metrics")) return 0;
    void *e = NULL, *s = NULL;
    size_t ne = 0, ns = 0;
    if (read_table(fid, file, &epoch_table, &e, &ne, err, errlen)) return -1;
    if (read_table(fid, file, &step_table, &s, &ns, err, errlen)) {
        free(e);
        return -1;
    }
    *log = (MetricLog){.epochs = e, .n_epochs = ne, .cap_epochs = ne ? ne : 1,
                       .steps = s, .n_steps = ns, .cap_steps = ns ? ns : 1};
    return 0;
}

/* Open a file for reading with HDF5 once it has passed the checks HDF5 cannot be trusted with:
 * it exists, its seal (io/seal.h) holds, it is HDF5 at all. -1 with err otherwise. */
static hid_t open_checked(const char *path, char *err, size_t errlen)
{
    struct stat st;
    if (stat(path, &st) != 0) {
        snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
        return -1;
    }
    if (seal_check(path, err, errlen) < 0) return -1;
    if (H5Fis_hdf5(path) <= 0) {
        H5Eclear2(H5E_DEFAULT);
        snprintf(err, errlen, "%s: not an HDF5 file", path);
        return -1;
    }
    hid_t fid = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    if (fid < 0) h5u_fail(err, errlen, "%s: cannot open as HDF5", path);
    return fid;
}

int checkpoint_load(const char *path, Model *m, Adam *opt, CheckpointMeta *meta, MetricLog *log,
                    char *err, size_t errlen)
{
    h5u_quiet();
    if (!m || !m->params || !m->buffers || (opt && (!opt->m || !opt->v))) {
        snprintf(err, errlen, "%s: model or optimizer not allocated (use model_alloc/adam_alloc)", path);
        return -1;
    }
    hid_t fid = open_checked(path, err, errlen);
    if (fid < 0) return -1;

    CheckpointMeta tmeta;
    Model tm = {0};
    Adam ta = {0};
    MetricLog tlog = {0};
    int rc = -1;
    if (model_alloc(&tm)) {
        snprintf(err, errlen, "%s: out of memory", path);
        goto out;
    }
    if (opt) {
        ta.m = aligned_calloc(MODEL_N_PARAMS, sizeof(float));
        ta.v = aligned_calloc(MODEL_N_PARAMS, sizeof(float));
        if (!ta.m || !ta.v) {
            snprintf(err, errlen, "%s: out of memory", path);
            goto out;
        }
    }
    if (read_meta(fid, path, &tmeta, err, errlen) || read_model(fid, path, &tm, err, errlen) ||
        (opt && read_optimizer(fid, path, &ta, err, errlen)) ||
        (log && read_metrics(fid, path, &tlog, err, errlen)))
        goto out;

    /* Everything checked out: hand it over. */
    model_copy(m, &tm);
    if (opt) {
        memcpy(opt->m, ta.m, MODEL_N_PARAMS * sizeof(float));
        memcpy(opt->v, ta.v, MODEL_N_PARAMS * sizeof(float));
        opt->step = ta.step;
        opt->lr = ta.lr;
        opt->beta1 = ta.beta1;
        opt->beta2 = ta.beta2;
        opt->eps = ta.eps;
    }
    if (meta) *meta = tmeta;
    if (log) {
        metrics_free(log);
        *log = tlog;
        tlog = (MetricLog){0};
    }
    rc = 0;
out:
    metrics_free(&tlog);
    aligned_free(ta.m);
    aligned_free(ta.v);
    model_free(&tm);
    H5Fclose(fid);
    return rc;
}

int metrics_load(const char *path, MetricLog *log, char *err, size_t errlen)
{
    h5u_quiet();
    hid_t fid = open_checked(path, err, errlen);
    if (fid < 0) return -1;
    MetricLog tlog = {0};
    int rc = -1;
    if (!h5u_exists(fid, "/metrics"))
        snprintf(err, errlen, "%s: holds no metric log (/metrics)", path);
    else if (read_metrics(fid, path, &tlog, err, errlen) == 0) {
        metrics_free(log);
        *log = tlog;
        rc = 0;
    }
    H5Fclose(fid);
    return rc;
}

int metrics_path_for(const char *checkpoint, char *buf, size_t n)
{
    size_t len = strlen(checkpoint);
    const char *base = strrchr(checkpoint, '/');
    base = base ? base + 1 : checkpoint;
    static const char *const exts[] = {".h5", ".hdf5", ".H5", ".HDF5"};
    for (size_t i = 0; i < sizeof exts / sizeof exts[0]; i++) {
        size_t el = strlen(exts[i]);
        if (len > el && (size_t)(checkpoint + len - base) > el &&
            strcmp(checkpoint + len - el, exts[i]) == 0) {
            len -= el;
            break;
        }
    }
    int w = snprintf(buf, n, "%.*s-metrics.h5", (int)len, checkpoint);
    return w < 0 || (size_t)w >= n ? -1 : 0;
}

int load_run_metrics(const char *checkpoint, MetricLog *log, char *err, size_t errlen)
{
    char side[4096];
    struct stat st;
    if (metrics_path_for(checkpoint, side, sizeof side) == 0 && stat(side, &st) == 0)
        return metrics_load(side, log, err, errlen);
    /* no log beside it: a checkpoint saved with its log inside, or none at all */
    h5u_quiet();
    if (seal_check(checkpoint, err, errlen) < 0) return -1;
    if (H5Fis_hdf5(checkpoint) > 0) {
        hid_t fid = H5Fopen(checkpoint, H5F_ACC_RDONLY, H5P_DEFAULT);
        int has = fid >= 0 && h5u_exists(fid, "/metrics");
        if (fid >= 0) H5Fclose(fid);
        if (has) return metrics_load(checkpoint, log, err, errlen);
    }
    H5Eclear2(H5E_DEFAULT);
    metrics_free(log);
    return 0;
}
