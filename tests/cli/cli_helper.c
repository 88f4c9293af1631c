/* cli_helper: small tools the end-to-end CLI tests (the tests/cli scripts) need and that a stock Debian
 * machine may lack. Not part of the product; each subcommand prints an error and exits 1 on
 * failure.
 *
 *   cli_helper mkckpt OUT.h5 SEED            untrained checkpoint (model_init, no optimizer)
 *   cli_helper drop FILE.h5 PATH              delete the dataset/link PATH in place
 *   cli_helper reshape FILE.h5 PATH D0 [D1..]  replace (or add) dataset PATH: float32 zeros of
 *                                             that shape
 *   cli_helper digest FILE.h5                 one line per dataset, compound field and attribute:
 *                                             "<path> <type> <shape> <64-bit FNV-1a of the raw
 *                                             bytes>", so two files can be compared object by
 *                                             object (bitwise) while leaving some out
 *   cli_helper setattr FILE NAME int32|int64|float32 VALUE   root attribute NAME replaced
 *   cli_helper strarray FILE NAME             root attribute NAME replaced by 64 long strings
 *                                             (h5py: attrs.create(name, ['x'] * 64, ...))
 *   cli_helper fill FILE PATH VALUE           every value of float32 dataset PATH set to VALUE
 *                                             (nan, inf, -1, 1e30 ...; "at:I=VALUE" one of them)
 *   cli_helper extlink FILE PATH TARGET TPATH  PATH replaced by an external link to TARGET:TPATH
 *   cli_helper external FILE PATH RAW         PATH replaced by a dataset of the same shape whose
 *                                             data lives in the file RAW (external storage)
 *   cli_helper statedict OUT SEED             a bare state_dict as a PyTorch user writes it
 *                                             with h5py: /model/<key> only, no attributes, no
 *                                             seal; with "unwritten", each dataset created but
 *                                             never written (h5py create_dataset(name, shape))
 *   cli_helper mklog OUT                      a metric log of 3 epochs and 40 step rows
 *   cli_helper setfield FILE TABLE ROW FIELD VALUE   field FIELD of row ROW of the compound table
 *                                             TABLE (/metrics/epochs ...) set to VALUE (nan,
 *                                             inf, -2147483648 ...), converted to its stored type
 *   cli_helper unseal FILE                    zero the seal (the file then reads as foreign)
 *   cli_helper poke FILE OFFSET=BYTE...       set bytes (decimal offsets and values)
 *   cli_helper export IDX K OUT [invert] [scale=N] [rgb]
 *                                             image K of an IDX image file as PNG (OUT ends in
 *                                             .png) or binary PGM (.pgm); invert: black on white;
 *                                             scale=N: N times larger (nearest neighbour); rgb:
 *                                             3-channel PNG */
#include "cli/checkpoint.h"
#include "io/seal.h"
#include "io/idx.h"
#include "io/image.h"
#include "io/metric_log_file.h"

#include <math.h>

#include <hdf5.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t fnv1a(uint64_t h, const void *p, size_t n)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++) {
        h ^= b[i];
        h *= 1099511628211ULL;
    }
    return h;
}
#define FNV_START 14695981039346656037ULL

static int die(const char *what)
{
    fprintf(stderr, "cli_helper: %s\n", what);
    return 1;
}

static int cmd_mkckpt(const char *out, const char *seed)
{
    Model m;
    char err[512];
    if (model_alloc(&m)) return die("out of memory");
    model_init(&m, strtoull(seed, NULL, 10));
    RunInfo run = {.seed = strtoull(seed, NULL, 10), .epochs = 1, .batch = 64, .lr = 1e-3f};
    snprintf(run.isa, sizeof run.isa, "scalar");
    snprintf(run.data_dir, sizeof run.data_dir, "none");
    int rc = checkpoint_save(out, &m, NULL, &run, err, sizeof err);
    model_free(&m);
    return rc ? die(err) : 0;
}

/* An edit made with HDF5 changes the bytes under the file's seal (io/seal.h): renew it, so the
 * loader reports the structural problem made here rather than the changed bytes. */
static int reseal(const char *file)
{
    char err[512];
    return seal_file(file, err, sizeof err) ? die(err) : 0;
}

static int cmd_drop(const char *file, const char *path)
{
    hid_t f = H5Fopen(file, H5F_ACC_RDWR, H5P_DEFAULT);
    if (f < 0) return die("cannot open the file");
    herr_t r = H5Ldelete(f, path, H5P_DEFAULT);
    H5Fclose(f);
    return r < 0 ? die("cannot delete the path") : reseal(file);
}

static int cmd_reshape(const char *file, const char *path, int nd, char **dimstr)
{
    hsize_t dims[8];
    size_t n = 1;
    if (nd < 1 || nd > 8) return die("1 to 8 dimensions");
    for (int i = 0; i < nd; i++) n *= (size_t)(dims[i] = strtoull(dimstr[i], NULL, 10));
    float *zeros = calloc(n ? n : 1, sizeof *zeros);
    hid_t f = H5Fopen(file, H5F_ACC_RDWR, H5P_DEFAULT);
    if (f < 0 || !zeros) return die("cannot open the file");
    if (H5Lexists(f, path, H5P_DEFAULT) > 0 && H5Ldelete(f, path, H5P_DEFAULT) < 0)
        return die("cannot delete the path");
    hid_t s = H5Screate_simple(nd, dims, NULL);
    hid_t d = H5Dcreate2(f, path, H5T_IEEE_F32LE, s, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    if (d < 0 || H5Dwrite(d, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, zeros) < 0)
        return die("cannot write the new dataset");
    H5Dclose(d);
    H5Sclose(s);
    H5Fclose(f);
    free(zeros);
    return reseal(file);
}

/* "float32", "int64", "compound", "string" ... and "3x4" / "scalar" for the digest lines. */
static void type_name(hid_t t, char *buf, size_t len)
{
    size_t bits = 8 * H5Tget_size(t);
    switch (H5Tget_class(t)) {
    case H5T_INTEGER:
        snprintf(buf, len, "%sint%zu", H5Tget_sign(t) == H5T_SGN_NONE ? "u" : "", bits);
        break;
    case H5T_FLOAT: snprintf(buf, len, "float%zu", bits); break;
    case H5T_STRING: snprintf(buf, len, "string"); break;
    case H5T_COMPOUND: snprintf(buf, len, "compound"); break;
    default: snprintf(buf, len, "other"); break;
    }
}

static void shape_name(hid_t s, char *buf, size_t len)
{
    hsize_t dims[32];
    int nd = H5Sget_simple_extent_ndims(s);
    if (nd <= 0 || nd > 32) {
        snprintf(buf, len, "scalar");
        return;
    }
    H5Sget_simple_extent_dims(s, dims, NULL);
    size_t used = 0;
    buf[0] = 0;
    for (int i = 0; i < nd && used < len; i++)
        used += (size_t)snprintf(buf + used, len - used, i ? "x%llu" : "%llu",
                                 (unsigned long long)dims[i]);
}

/* Hash of the raw values of an attribute (strings: their characters). */
static void digest_attr(hid_t obj, const char *objpath, const char *name)
{
    hid_t a = H5Aopen(obj, name, H5P_DEFAULT);
    hid_t t = H5Aget_type(a), s = H5Aget_space(a);
    char tn[32], sn[128];
    type_name(t, tn, sizeof tn);
    shape_name(s, sn, sizeof sn);
    hssize_t n = H5Sget_simple_extent_npoints(s);
    uint64_t h = FNV_START;
    if (H5Tget_class(t) == H5T_STRING && H5Tis_variable_str(t) > 0 && n == 1) {
        char *str = NULL;
        hid_t mt = H5Tcopy(H5T_C_S1);
        H5Tset_size(mt, H5T_VARIABLE);
        H5Tset_cset(mt, H5Tget_cset(t));
        if (H5Aread(a, mt, &str) >= 0 && str) h = fnv1a(h, str, strlen(str));
        H5free_memory(str);
        H5Tclose(mt);
    } else {
        size_t sz = H5Tget_size(t) * (size_t)n;
        void *buf = malloc(sz ? sz : 1);
        if (buf && H5Aread(a, t, buf) >= 0) h = fnv1a(h, buf, sz);
        free(buf);
    }
    printf("%s@%s %s %s %016" PRIx64 "\n", objpath, name, tn, sn, h);
    H5Tclose(t);
    H5Sclose(s);
    H5Aclose(a);
}

static herr_t attr_cb(hid_t obj, const char *name, const H5A_info_t *ai, void *objpath)
{
    (void)ai;
    digest_attr(obj, objpath, name);
    return 0;
}

static void digest_attrs(hid_t obj, const char *objpath)
{
    hsize_t idx = 0;
    H5Aiterate2(obj, H5_INDEX_NAME, H5_ITER_INC, &idx, attr_cb, (void *)objpath);
}

static void digest_dataset(hid_t d, const char *path)
{
    hid_t t = H5Dget_type(d), s = H5Dget_space(d);
    char tn[32], sn[128];
    type_name(t, tn, sizeof tn);
    shape_name(s, sn, sizeof sn);
    size_t n = (size_t)H5Sget_simple_extent_npoints(s);
    if (H5Tget_class(t) == H5T_COMPOUND) {
        /* one line per field, so a field can be left out of a comparison */
        int nm = H5Tget_nmembers(t);
        for (int i = 0; i < nm; i++) {
            char *fname = H5Tget_member_name(t, (unsigned)i);
            hid_t ft = H5Tget_member_type(t, (unsigned)i);
            size_t fs = H5Tget_size(ft);
            hid_t mt = H5Tcreate(H5T_COMPOUND, fs);
            H5Tinsert(mt, fname, 0, ft);
            void *buf = malloc(fs * n + 1);
            uint64_t h = FNV_START;
            if (buf && H5Dread(d, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) >= 0)
                h = fnv1a(h, buf, fs * n);
            char ftn[32];
            type_name(ft, ftn, sizeof ftn);
            printf("%s.%s %s %s %016" PRIx64 "\n", path, fname, ftn, sn, h);
            free(buf);
            H5Tclose(mt);
            H5Tclose(ft);
            H5free_memory(fname);
        }
    } else {
        size_t sz = H5Tget_size(t) * n;
        void *buf = malloc(sz ? sz : 1);
        uint64_t h = FNV_START;
        if (buf && H5Dread(d, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) >= 0) h = fnv1a(h, buf, sz);
        printf("%s %s %s %016" PRIx64 "\n", path, tn, sn, h);
        free(buf);
    }
    H5Tclose(t);
    H5Sclose(s);
}

/* Walks the tree with calls whose signatures are the same in HDF5 1.10 and 1.12+. */
static int walk(hid_t g, const char *gpath)
{
    printf("%s group\n", gpath);
    digest_attrs(g, gpath);
    H5G_info_t gi;
    if (H5Gget_info(g, &gi) < 0) return -1;
    for (hsize_t i = 0; i < gi.nlinks; i++) {
        char name[256], path[1024];
        if (H5Lget_name_by_idx(g, ".", H5_INDEX_NAME, H5_ITER_INC, i, name, sizeof name,
                               H5P_DEFAULT) < 0)
            return -1;
        snprintf(path, sizeof path, "%s/%s", strcmp(gpath, "/") ? gpath : "", name);
        hid_t o = H5Oopen(g, name, H5P_DEFAULT);
        if (o < 0) return -1;
        int rc = 0;
        if (H5Iget_type(o) == H5I_GROUP) {
            rc = walk(o, path);
        } else {
            digest_dataset(o, path);
            digest_attrs(o, path);
        }
        H5Oclose(o);
        if (rc) return rc;
    }
    return 0;
}

static int cmd_digest(const char *file)
{
    hid_t f = H5Fopen(file, H5F_ACC_RDONLY, H5P_DEFAULT);
    if (f < 0) return die("cannot open the file");
    hid_t root = H5Gopen2(f, "/", H5P_DEFAULT);
    int r = walk(root, "/");
    H5Gclose(root);
    H5Fclose(f);
    return r < 0 ? die("cannot walk the file") : 0;
}

static int cmd_export(int argc, char **argv)
{
    const char *src = argv[0], *out = argv[2];
    long k = strtol(argv[1], NULL, 10);
    int invert = 0, scale = 1, channels = 1;
    for (int i = 3; i < argc; i++) {
        if (!strcmp(argv[i], "invert")) invert = 1;
        else if (!strncmp(argv[i], "scale=", 6)) scale = atoi(argv[i] + 6);
        else if (!strcmp(argv[i], "rgb")) channels = 3;
        else return die("unknown export option");
    }
    IdxArray a;
    char err[512];
    if (idx_load(src, &a, err, sizeof err)) return die(err);
    if (a.ndim != 3 || k < 0 || (size_t)k >= a.count || scale < 1) return die("bad image index");
    int rows = a.dims[1], cols = a.dims[2], w = cols * scale, h = rows * scale;
    uint8_t *pix = malloc((size_t)w * h * channels);
    if (!pix) return die("out of memory");
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            uint8_t v = a.data[(size_t)k * a.item_size + (size_t)(y / scale) * cols + x / scale];
            if (invert) v = (uint8_t)(255 - v);
            for (int c = 0; c < channels; c++) pix[((size_t)y * w + x) * channels + c] = v;
        }
    idx_free(&a);
    size_t len = strlen(out);
    int rc = 0;
    if (len > 4 && !strcmp(out + len - 4, ".pgm")) {
        FILE *f = fopen(out, "wb");
        if (!f || channels != 1) return die("cannot write the PGM");
        fprintf(f, "P5\n%d %d\n255\n", w, h);
        if (fwrite(pix, 1, (size_t)w * h, f) != (size_t)w * h) rc = die("cannot write the PGM");
        if (fclose(f)) rc = die("cannot write the PGM");
    } else if (image_save_png(out, pix, w, h, channels, err, sizeof err)) {
        rc = die(err);
    }
    free(pix);
    return rc;
}

static hid_t open_rw(const char *file) { return H5Fopen(file, H5F_ACC_RDWR, H5P_DEFAULT); }

static int cmd_setattr(const char *file, const char *name, const char *type, const char *value)
{
    hid_t f = open_rw(file);
    if (f < 0) return die("cannot open the file");
    H5Adelete(f, name);
    hid_t ft = !strcmp(type, "int32") ? H5T_STD_I32LE : !strcmp(type, "int64") ? H5T_STD_I64LE
                                                                                : H5T_IEEE_F32LE;
    double v = strtod(value, NULL);
    int32_t i32 = (int32_t)strtoll(value, NULL, 10);
    int64_t i64 = strtoll(value, NULL, 10);
    float f32 = (float)v;
    const void *buf = ft == H5T_STD_I32LE ? (const void *)&i32 : ft == H5T_STD_I64LE ? (const void *)&i64
                                                                                   : (const void *)&f32;
    hid_t mt = ft == H5T_STD_I32LE ? H5T_NATIVE_INT32 : ft == H5T_STD_I64LE ? H5T_NATIVE_INT64
                                                                           : H5T_NATIVE_FLOAT;
    hid_t sp = H5Screate(H5S_SCALAR);
    hid_t a = H5Acreate2(f, name, ft, sp, H5P_DEFAULT, H5P_DEFAULT);
    int ok = a >= 0 && H5Awrite(a, mt, buf) >= 0;
    if (a >= 0) H5Aclose(a);
    H5Sclose(sp);
    H5Fclose(f);
    return ok ? reseal(file) : die("cannot write the attribute");
}

static int cmd_strarray(const char *file, const char *name)
{
    hid_t f = open_rw(file);
    if (f < 0) return die("cannot open the file");
    H5Adelete(f, name);
    hid_t t = H5Tcopy(H5T_C_S1);
    H5Tset_size(t, H5T_VARIABLE);
    H5Tset_cset(t, H5T_CSET_UTF8);
    hid_t sp = H5Screate_simple(1, (hsize_t[]){64}, NULL);
    hid_t a = H5Acreate2(f, name, t, sp, H5P_DEFAULT, H5P_DEFAULT);
    static char longstr[2000];
    memset(longstr, 'x', sizeof longstr - 1);
    const char *v[64];
    for (int i = 0; i < 64; i++) v[i] = longstr;
    int ok = a >= 0 && H5Awrite(a, t, v) >= 0;
    if (a >= 0) H5Aclose(a);
    H5Sclose(sp);
    H5Tclose(t);
    H5Fclose(f);
    return ok ? reseal(file) : die("cannot write the attribute");
}

static int cmd_fill(const char *file, const char *path, const char *value)
{
    hid_t f = open_rw(file);
    hid_t d = f >= 0 ? H5Dopen2(f, path, H5P_DEFAULT) : -1;
    if (d < 0) return die("cannot open the dataset");
    hid_t sp = H5Dget_space(d);
    size_t n = (size_t)H5Sget_simple_extent_npoints(sp);
    float *buf = malloc(n * sizeof *buf);
    int ok = buf && H5Dread(d, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) >= 0;
    long at = -1;
    if (!strncmp(value, "at:", 3)) {
        at = strtol(value + 3, NULL, 10);
        value = strchr(value, '=') ? strchr(value, '=') + 1 : "0";
    }
    float v = strtof(value, NULL);
    for (size_t i = 0; ok && i < n; i++)
        if (at < 0 || (size_t)at == i) buf[i] = v;
    ok = ok && H5Dwrite(d, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) >= 0;
    free(buf);
    H5Sclose(sp);
    H5Dclose(d);
    H5Fclose(f);
    return ok ? reseal(file) : die("cannot fill the dataset");
}

static int cmd_extlink(const char *file, const char *path, const char *target, const char *tpath)
{
    hid_t f = open_rw(file);
    if (f < 0) return die("cannot open the file");
    H5Ldelete(f, path, H5P_DEFAULT);
    int ok = H5Lcreate_external(target, tpath, f, path, H5P_DEFAULT, H5P_DEFAULT) >= 0;
    H5Fclose(f);
    return ok ? reseal(file) : die("cannot make the link");
}

static int cmd_external(const char *file, const char *path, const char *raw)
{
    hid_t f = open_rw(file);
    hid_t d = f >= 0 ? H5Dopen2(f, path, H5P_DEFAULT) : -1;
    if (d < 0) return die("cannot open the dataset");
    hid_t sp = H5Dget_space(d);
    hsize_t n = (hsize_t)H5Sget_simple_extent_npoints(sp);
    H5Dclose(d);
    H5Ldelete(f, path, H5P_DEFAULT);
    hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
    H5Pset_external(dcpl, raw, 0, n * sizeof(float));
    d = H5Dcreate2(f, path, H5T_IEEE_F32LE, sp, H5P_DEFAULT, dcpl, H5P_DEFAULT);
    int ok = d >= 0;
    if (d >= 0) H5Dclose(d);
    H5Pclose(dcpl);
    H5Sclose(sp);
    H5Fclose(f);
    return ok ? reseal(file) : die("cannot make the dataset");
}

static int cmd_statedict(const char *out, const char *seed, int unwritten)
{
    Model m;
    if (model_alloc(&m)) return die("out of memory");
    model_init(&m, strtoull(seed, NULL, 10));
    hid_t f = H5Fcreate(out, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    hid_t g = f >= 0 ? H5Gcreate2(f, "model", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT) : -1;
    int ok = g >= 0;
    for (int i = 0; ok && i < N_STATE_ENTRIES; i++) {
        const StateEntry *e = &model_state[i];
        hsize_t dims[4];
        for (int k = 0; k < e->ndim; k++) dims[k] = (hsize_t)e->shape[k];
        hid_t sp = e->ndim ? H5Screate_simple(e->ndim, dims, NULL) : H5Screate(H5S_SCALAR);
        int counter = e->kind == T_COUNTER;
        hid_t d = H5Dcreate2(g, e->name, counter ? H5T_STD_I64LE : H5T_IEEE_F32LE, sp, H5P_DEFAULT,
                             H5P_DEFAULT, H5P_DEFAULT);
        ok = d >= 0 && (unwritten || H5Dwrite(d, counter ? H5T_NATIVE_INT64 : H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL,
                                H5P_DEFAULT, counter ? (const void *)&m.counters[e->index]
                                                     : (const void *)model_tensor(&m, e)) >= 0);
        if (d >= 0) H5Dclose(d);
        H5Sclose(sp);
    }
    if (g >= 0) H5Gclose(g);
    if (f >= 0) H5Fclose(f);
    model_free(&m);
    return ok ? 0 : die("cannot write the state_dict");
}

static int cmd_mklog(const char *out)
{
    MetricLog log = {0};
    char err[512];
    for (int e = 1; e <= 3; e++) {
        EpochMetrics em = {e, 1.0f / e, 0.9f, 0.8f / e, e == 2 ? NAN : 0.95f, 2.0f, 3000.0f, 1e-3f, NAN, NAN, NAN};
        metrics_add_epoch(&log, &em);
    }
    for (int s = 1; s <= 40; s++) {
        StepMetrics sm = {s * 3, 2.3f / s, 0.5f, 1e-3f};
        metrics_add_step(&log, &sm);
    }
    int rc = metric_log_save(out, &log, err, sizeof err);
    metrics_free(&log);
    return rc ? die(err) : 0;
}

static int cmd_setfield(const char *file, const char *table, const char *row, const char *field,
                        const char *value)
{
    hid_t f = open_rw(file);
    hid_t d = f >= 0 ? H5Dopen2(f, table, H5P_DEFAULT) : -1;
    if (d < 0) return die("cannot open the table");
    /* a memory type of that one field, as a double: HDF5 converts it to the stored type */
    hid_t mt = H5Tcreate(H5T_COMPOUND, sizeof(double));
    H5Tinsert(mt, field, 0, H5T_NATIVE_DOUBLE);
    hid_t fs = H5Dget_space(d), ms = H5Screate_simple(1, (hsize_t[]){1}, NULL);
    hsize_t at = strtoull(row, NULL, 10);
    double v = strtod(value, NULL);
    int ok = H5Sselect_elements(fs, H5S_SELECT_SET, 1, &at) >= 0 &&
             H5Dwrite(d, mt, ms, fs, H5P_DEFAULT, &v) >= 0;
    H5Sclose(ms);
    H5Sclose(fs);
    H5Tclose(mt);
    H5Dclose(d);
    H5Fclose(f);
    return ok ? reseal(file) : die("cannot write the field");
}

static int cmd_unseal(const char *file)
{
    FILE *f = fopen(file, "r+b");
    static const char zeros[512];
    int ok = f && fwrite(zeros, 1, sizeof zeros, f) == sizeof zeros;
    if (f && fclose(f)) ok = 0;
    return ok ? 0 : die("cannot unseal");
}

static int cmd_poke(const char *file, int n, char **edits)
{
    FILE *f = fopen(file, "r+b");
    if (!f) return die("cannot open the file");
    int ok = 1;
    for (int i = 0; i < n && ok; i++) {
        long off = strtol(edits[i], NULL, 10);
        const char *eq = strchr(edits[i], '=');
        unsigned char b = (unsigned char)(eq ? strtol(eq + 1, NULL, 10) : 0);
        ok = eq && fseek(f, off, SEEK_SET) == 0 && fwrite(&b, 1, 1, f) == 1;
    }
    if (fclose(f)) ok = 0;
    return ok ? 0 : die("cannot poke");
}

int main(int argc, char **argv)
{
    if (argc >= 4 && !strcmp(argv[1], "mkckpt")) return cmd_mkckpt(argv[2], argv[3]);
    if (argc == 4 && !strcmp(argv[1], "drop")) return cmd_drop(argv[2], argv[3]);
    if (argc >= 5 && !strcmp(argv[1], "reshape")) return cmd_reshape(argv[2], argv[3], argc - 4, argv + 4);
    if (argc == 3 && !strcmp(argv[1], "digest")) return cmd_digest(argv[2]);
    if (argc >= 5 && !strcmp(argv[1], "export")) return cmd_export(argc - 2, argv + 2);
    if (argc == 6 && !strcmp(argv[1], "setattr")) return cmd_setattr(argv[2], argv[3], argv[4], argv[5]);
    if (argc == 4 && !strcmp(argv[1], "strarray")) return cmd_strarray(argv[2], argv[3]);
    if (argc == 5 && !strcmp(argv[1], "fill")) return cmd_fill(argv[2], argv[3], argv[4]);
    if (argc == 6 && !strcmp(argv[1], "extlink")) return cmd_extlink(argv[2], argv[3], argv[4], argv[5]);
    if (argc == 5 && !strcmp(argv[1], "external")) return cmd_external(argv[2], argv[3], argv[4]);
    if ((argc == 4 || (argc == 5 && !strcmp(argv[4], "unwritten"))) && !strcmp(argv[1], "statedict"))
        return cmd_statedict(argv[2], argv[3], argc == 5);
    if (argc == 3 && !strcmp(argv[1], "unseal")) return cmd_unseal(argv[2]);
    if (argc == 3 && !strcmp(argv[1], "mklog")) return cmd_mklog(argv[2]);
    if (argc == 7 && !strcmp(argv[1], "setfield"))
        return cmd_setfield(argv[2], argv[3], argv[4], argv[5], argv[6]);
    if (argc >= 4 && !strcmp(argv[1], "poke")) return cmd_poke(argv[2], argc - 3, argv + 3);
    fprintf(stderr, "usage: cli_helper mkckpt|drop|reshape|digest|export|setattr|strarray|fill|"
                    "extlink|external|statedict|mklog|setfield|unseal|poke ... (see the source)\n");
    return 2;
}
