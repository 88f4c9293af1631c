/* tensor_file_load: the file is read into memory once (bounded), its seal checked, and parsed
 * from that image twice: first in a child process with a time limit (libhdf5 can crash or loop
 * on a damaged or crafted file), then, once the child succeeded on the very same bytes, here.
 * Every item is checked and read into memory of its own first; only when the whole file matched
 * the list is anything copied to where the list points. */
#include "io/error.h"
#include "io/h5util.h"
#include "io/isolate.h"
#include "io/read_file.h"
#include "io/seal.h"
#include "io/tensor_file.h"

#include <stdlib.h>
#include <math.h>
#include <string.h>

/* Largest string attribute read, in bytes: far above any path or name we store. */
enum { ATTR_STR_MAX = 4096 };

/* A file in memory, as read from disk. */
typedef struct {
    const char *path;
    unsigned char *bytes;
    size_t size;
} Image;

/* Reads the file (at most READ_LIMIT_HDF5 bytes) and checks what HDF5 cannot be trusted with:
 * its seal (io/seal.h) when it has one, and that it is HDF5 at all (the signature at 0, 512,
 * 1024, ... where HDF5 looks for it). */
static int read_image(const char *path, Image *im, char *err, size_t errlen)
{
    static const unsigned char sig[8] = {0x89, 'H', 'D', 'F', '\r', '\n', 0x1a, '\n'};
    im->path = path;
    if (read_file_all(path, READ_LIMIT_HDF5, &im->bytes, &im->size, err, errlen)) return -1;
    if (seal_check_image(im->bytes, im->size, path, err, errlen) < 0) {
        free(im->bytes);
        return -1;
    }
    for (size_t at = 0; at + sizeof sig <= im->size; at = at ? 2 * at : 512)
        if (memcmp(im->bytes + at, sig, sizeof sig) == 0) return 0;
    free(im->bytes);
    return io_fail(err, errlen, "%s: not an HDF5 file", path);
}

/* Opens the image with HDF5 from memory (the core driver, no backing store): nothing on disk is
 * read again, so what the child checked is what is parsed here. HDF5 insists that the name it is
 * given for an image does not exist on disk; nothing can exist below /dev/null. */
static hid_t open_image(const Image *im, char *err, size_t errlen)
{
    h5u_quiet();
    hid_t fapl = H5Pcreate(H5P_FILE_ACCESS), fid = -1;
    if (fapl >= 0 && H5Pset_fapl_core(fapl, 1 << 16, 0) >= 0 &&
        H5Pset_file_image(fapl, im->bytes, im->size) >= 0)
        fid = H5Fopen("/dev/null/mnist-cnn file image", H5F_ACC_RDONLY, fapl);
    if (fapl >= 0) H5Pclose(fapl);
    if (fid < 0) io_fail(err, errlen, "%s: cannot open as HDF5%s", im->path, h5u_why());
    return fid;
}

/* Walks an item's path: -1 with a message when a step is missing or not a plain link. */
static int walk(hid_t fid, const char *file, const char *path, char *err, size_t errlen)
{
    char where[ITEM_PATH_MAX];
    switch (h5u_walk(fid, path, where, sizeof where)) {
    case H5U_FOUND: return 0;
    case H5U_NOT_HARD:
        return io_fail(err, errlen, "%s: /%s is a link to elsewhere (soft and external links are "
                       "not followed)", file, where);
    default: return io_fail(err, errlen, "%s: /%s is missing", file, where);
    }
}

/* The object part and the last name of an item's path: "optimizer/step" -> "/optimizer", "step". */
static void split_path(const char *path, char *obj, size_t olen, const char **name)
{
    const char *slash = strrchr(path, '/');
    *name = slash ? slash + 1 : path;
    snprintf(obj, olen, "/%.*s", slash ? (int)(slash - path) : 0, path);
}

static int class_matches(hid_t t, ElemType want)
{
    H5T_class_t c = H5Tget_class(t);
    return want == ELEM_F32 || want == ELEM_F64 ? c == H5T_FLOAT
           : want == ELEM_STR                  ? c == H5T_STRING
                                               : c == H5T_INTEGER;
}

static const char *class_words(ElemType t)
{
    return t == ELEM_F32 || t == ELEM_F64 ? "a float" : t == ELEM_STR ? "a string" : "an integer";
}

/* A string attribute (variable or fixed length) into stage[0..cap), terminated, truncated. */
static int read_str_attr(hid_t a, hid_t t, char *stage, size_t cap)
{
    int rc = -1;
    if (H5Tis_variable_str(t) > 0) {
        /* HDF5 allocates the string; we copy and free it */
        hid_t mt = H5Tcopy(H5T_C_S1);
        char *s = NULL;
        if (mt >= 0 && H5Tset_size(mt, H5T_VARIABLE) >= 0 && H5Tset_cset(mt, H5Tget_cset(t)) >= 0 &&
            H5Aread(a, mt, &s) >= 0) {
            snprintf(stage, cap, "%s", s ? s : "");
            H5free_memory(s);
            rc = 0;
        }
        if (mt >= 0) H5Tclose(mt);
    } else {
        /* fixed length (h5py writes numpy bytes so): read the whole, then terminate */
        size_t n = H5Tget_size(t);
        char *tmp = n <= ATTR_STR_MAX ? calloc(n + 1, 1) : NULL;
        hid_t mt = tmp ? H5Tcopy(t) : -1;
        if (mt >= 0 && H5Tset_strpad(mt, H5T_STR_NULLPAD) >= 0 && H5Aread(a, mt, tmp) >= 0) {
            snprintf(stage, cap, "%s", tmp);
            rc = 0;
        }
        if (mt >= 0) H5Tclose(mt);
        free(tmp);
    }
    return rc;
}

static int read_attr(hid_t fid, const char *file, const TensorItem *it, void *stage, char *err,
                     size_t errlen)
{
    char obj[ITEM_PATH_MAX + 2];
    const char *name;
    split_path(it->path, obj, sizeof obj, &name);
    if (obj[1] && walk(fid, file, obj + 1, err, errlen)) return -1;
    if (H5Aexists_by_name(fid, obj, name, H5P_DEFAULT) <= 0) {
        H5Eclear2(H5E_DEFAULT);
        return io_fail(err, errlen, "%s: attribute '%s' of %s is missing", file, name, obj);
    }
    hid_t a = H5Aopen_by_name(fid, obj, name, H5P_DEFAULT, H5P_DEFAULT);
    if (a < 0)
        return io_fail(err, errlen, "%s: cannot open attribute '%s' of %s%s", file, name, obj, h5u_why());
    hid_t t = H5Aget_type(a), sp = H5Aget_space(a);
    int rc = -1;
    char tn[32] = "?";
    if (t >= 0) h5u_type_name(t, tn, sizeof tn);
    hssize_t npoints = sp >= 0 ? H5Sget_simple_extent_npoints(sp) : -1;
    if (t < 0 || sp < 0)
        io_fail(err, errlen, "%s: cannot read attribute '%s' of %s%s", file, name, obj, h5u_why());
    else if (!class_matches(t, it->type))
        io_fail(err, errlen, "%s: attribute '%s' of %s is %s, expected %s", file, name, obj, tn,
                class_words(it->type));
    else if (npoints != 1 || H5Sget_simple_extent_ndims(sp) > 1)
        io_fail(err, errlen, "%s: attribute '%s' of %s holds %lld values, expected one", file, name,
                obj, (long long)npoints);
    else if (it->type != ELEM_STR && H5Tget_size(t) > 8)
        io_fail(err, errlen, "%s: attribute '%s' of %s is a %zu-byte number", file, name, obj,
                H5Tget_size(t));
    else if (it->type == ELEM_STR ? read_str_attr(a, t, stage, it->cap)
                                  : H5Aread(a, h5u_mem_type(it->type), stage) < 0)
        io_fail(err, errlen, "%s: cannot read attribute '%s' of %s%s", file, name, obj, h5u_why());
    else
        rc = 0;
    if (t >= 0) H5Tclose(t);
    if (sp >= 0) H5Sclose(sp);
    H5Aclose(a);
    return rc;
}

/* Opens the dataset at an item's path; -1 with a message when it or a group above is missing. */
static hid_t open_dataset(hid_t fid, const char *file, const char *path, char *err, size_t errlen)
{
    char abs[ITEM_PATH_MAX + 2];
    if (walk(fid, file, path, err, errlen)) return -1;
    snprintf(abs, sizeof abs, "/%s", path);
    /* H5Oopen + H5Iget_type rather than H5Oget_info, whose signature differs across versions */
    hid_t d = H5Oopen(fid, abs, H5P_DEFAULT);
    if (d < 0) return io_fail(err, errlen, "%s: cannot open %s%s", file, abs, h5u_why());
    if (H5Iget_type(d) != H5I_DATASET) {
        H5Oclose(d);
        return io_fail(err, errlen, "%s: %s is not a dataset", file, abs);
    }
    if (!h5u_data_is_internal(d)) {
        H5Oclose(d);
        return io_fail(err, errlen, "%s: %s keeps its data outside the file (external storage or "
                       "a virtual dataset): refused", file, abs);
    }
    return d;
}

/* -1 with a message when dataset d (n elements) has no data stored: HDF5 would hand back zeros
 * (a model predicting 0.1 for every class). */
static int check_stored(hid_t d, unsigned long long n, const char *file, const char *path,
                        char *err, size_t errlen)
{
    if (h5u_data_stored(d, n)) return 0;
    return io_fail(err, errlen, "%s: /%s holds no data (the dataset was created but never written)",
                   file, path);
}

/* Does the stored type hold the element type exactly: class, size and, for integers, sign
 * (either byte order)? */
static int type_matches(hid_t t, ElemType want)
{
    hid_t w = h5u_file_type(want);
    return H5Tget_class(t) == H5Tget_class(w) && H5Tget_size(t) == H5Tget_size(w) &&
           (H5Tget_class(w) != H5T_INTEGER || H5Tget_sign(t) == H5Tget_sign(w));
}

static int read_tensor(hid_t fid, const char *file, const TensorItem *it, void *stage, char *err,
                       size_t errlen)
{
    hid_t d = open_dataset(fid, file, it->path, err, errlen);
    if (d < 0) return -1;
    hid_t t = H5Dget_type(d), sp = H5Dget_space(d);
    int rc = -1, rank = sp >= 0 ? H5Sget_simple_extent_ndims(sp) : -1;
    hsize_t dims[H5S_MAX_RANK];
    if (t < 0 || rank < 0 || H5Sget_simple_extent_dims(sp, dims, NULL) < 0) {
        io_fail(err, errlen, "%s: cannot read /%s%s", file, it->path, h5u_why());
    } else if (!type_matches(t, it->type)) {
        char got[32], exp[32];
        h5u_type_name(t, got, sizeof got);
        h5u_type_name(h5u_file_type(it->type), exp, sizeof exp);
        io_fail(err, errlen, "%s: /%s has dtype %s, expected %s", file, it->path, got, exp);
    } else {
        int same = rank == it->ndim;
        for (int i = 0; same && i < rank; i++) same = dims[i] == (hsize_t)it->shape[i];
        if (!same) {
            unsigned long long g[H5S_MAX_RANK], e[ITEM_MAX_DIMS];
            for (int i = 0; i < rank; i++) g[i] = dims[i];
            for (int i = 0; i < it->ndim; i++) e[i] = (unsigned long long)it->shape[i];
            char gs[160], es[64];
            h5u_shape_str(rank, g, gs, sizeof gs);
            h5u_shape_str(it->ndim, e, es, sizeof es);
            io_fail(err, errlen, "%s: /%s has shape %s, expected %s", file, it->path, gs, es);
        } else if (check_stored(d, tensor_item_numel(it), file, it->path, err, errlen)) {
            /* said */
        } else if (H5Dread(d, h5u_mem_type(it->type), H5S_ALL, H5S_ALL, H5P_DEFAULT, stage) < 0) {
            io_fail(err, errlen, "%s: cannot read the data of /%s%s", file, it->path, h5u_why());
        } else {
            rc = 0;
        }
    }
    if (t >= 0) H5Tclose(t);
    if (sp >= 0) H5Sclose(sp);
    H5Oclose(d);
    return rc;
}

/* Checks a table's fields and length, then reads its rows into a new array (*rows, *n). */
static int read_table(hid_t fid, const char *file, const TensorItem *it, void **rows, size_t *n,
                      char *err, size_t errlen)
{
    const RecordTable *tab = it->table;
    hid_t d = open_dataset(fid, file, it->path, err, errlen);
    if (d < 0) return -1;
    hid_t ft = H5Dget_type(d), sp = H5Dget_space(d), mt = -1;
    hsize_t dims[1] = {0};
    int rc = -1;
    if (ft < 0 || sp < 0) {
        io_fail(err, errlen, "%s: cannot read /%s%s", file, it->path, h5u_why());
        goto out;
    }
    if (H5Tget_class(ft) != H5T_COMPOUND) {
        char tn[32];
        h5u_type_name(ft, tn, sizeof tn);
        io_fail(err, errlen, "%s: /%s has dtype %s, expected a compound table", file, it->path, tn);
        goto out;
    }
    unsigned char missing[64] = {0};
    if (tab->n_fields > (int)sizeof missing) {
        io_fail(err, errlen, "%s: /%s: too many fields", file, it->path);
        goto out;
    }
    for (int i = 0; i < tab->n_fields; i++) {
        int idx = H5Tget_member_index(ft, tab->fields[i].name);
        H5T_class_t c = idx >= 0 ? H5Tget_member_class(ft, (unsigned)idx) : H5T_NO_CLASS;
        if (idx < 0 && tab->fields[i].optional) {
            H5Eclear2(H5E_DEFAULT);
            missing[i] = 1;
            continue;
        }
        if (c != H5T_INTEGER && c != H5T_FLOAT) {
            H5Eclear2(H5E_DEFAULT);
            io_fail(err, errlen, "%s: /%s has no numeric field '%s'", file, it->path, tab->fields[i].name);
            goto out;
        }
    }
    if (H5Sget_simple_extent_ndims(sp) != 1 || H5Sget_simple_extent_dims(sp, dims, NULL) < 0) {
        io_fail(err, errlen, "%s: /%s must be 1-D", file, it->path);
        goto out;
    }
    if (dims[0] > tab->max_rows) {
        io_fail(err, errlen, "%s: /%s has %llu rows, more than the %zu this program reads", file,
                it->path, (unsigned long long)dims[0], tab->max_rows);
        goto out;
    }
    if (check_stored(d, dims[0], file, it->path, err, errlen)) goto out;
    *rows = calloc(dims[0] ? dims[0] : 1, tab->record_size);
    mt = h5u_record_type(tab, 0, missing);
    if (!*rows || mt < 0) {
        io_fail(err, errlen, "%s: out of memory reading /%s", file, it->path);
        goto out;
    }
    /* fields an older file lacks: NaN for floats ("not measured"), 0 for integers (calloc) */
    for (int i = 0; i < tab->n_fields; i++)
        if (missing[i] && tab->fields[i].type == ELEM_F32)
            for (hsize_t r = 0; r < dims[0]; r++)
                memcpy((char *)*rows + r * tab->record_size + tab->fields[i].offset, &(float){NAN},
                       sizeof(float));
    if (dims[0] && H5Dread(d, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, *rows) < 0) {
        io_fail(err, errlen, "%s: cannot read the rows of /%s%s", file, it->path, h5u_why());
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
    H5Oclose(d);
    return rc;
}

/* Is full (a path below the root, no leading slash) a listed tensor or table, or a group above
 * one? */
static int covered(const TensorList *l, const char *full)
{
    size_t len = strlen(full);
    for (int i = 0; i < l->n; i++) {
        const TensorItem *it = &l->items[i];
        if (it->kind == ITEM_ATTR || strncmp(it->path, full, len) != 0) continue;
        if (it->path[len] == '\0' || it->path[len] == '/') return 1;
    }
    return 0;
}

/* Group gpath (no leading slash) holds nothing the list does not name. */
static int check_group(hid_t fid, const char *file, const TensorList *l, const char *gpath,
                       char *err, size_t errlen)
{
    char abs[ITEM_PATH_MAX + 2];
    snprintf(abs, sizeof abs, "/%s", gpath);
    /* a group of optional items may be absent (a missing required item is reported where it is
     * read); H5Lexists fails, rather than says no, below a missing group */
    if (H5Lexists(fid, abs, H5P_DEFAULT) <= 0) return 0;
    hid_t g = H5Gopen2(fid, abs, H5P_DEFAULT);
    if (g < 0) return io_fail(err, errlen, "%s: %s is not a group%s", file, abs, h5u_why());
    H5G_info_t gi;
    int rc = 0;
    if (H5Gget_info(g, &gi) < 0) rc = io_fail(err, errlen, "%s: cannot list %s%s", file, abs, h5u_why());
    for (hsize_t i = 0; rc == 0 && i < gi.nlinks; i++) {
        char name[ITEM_PATH_MAX], full[2 * ITEM_PATH_MAX];
        ssize_t len = H5Lget_name_by_idx(g, ".", H5_INDEX_NAME, H5_ITER_INC, i, name, sizeof name,
                                         H5P_DEFAULT);
        if (len < 0) {
            rc = io_fail(err, errlen, "%s: cannot list %s%s", file, abs, h5u_why());
        } else {
            snprintf(full, sizeof full, "%s/%s", gpath, name);
            if ((size_t)len >= sizeof name || !covered(l, full))
                rc = io_fail(err, errlen, "%s: unexpected entry /%s (not something this program "
                             "reads there)", file, full);
        }
    }
    H5Gclose(g);
    return rc;
}

/* Every group holding a listed tensor or table, and every group above one but the root. */
static int check_no_extras(hid_t fid, const char *file, const TensorList *l, char *err, size_t errlen)
{
    char checked[TENSOR_LIST_MAX][ITEM_PATH_MAX];
    int n_checked = 0;
    for (int i = 0; i < l->n; i++) {
        if (l->items[i].kind == ITEM_ATTR) continue;
        char g[ITEM_PATH_MAX];
        snprintf(g, sizeof g, "%s", l->items[i].path);
        for (char *slash = strrchr(g, '/'); slash; slash = strrchr(g, '/')) {
            *slash = '\0';
            int seen = 0;
            for (int k = 0; k < n_checked && !seen; k++) seen = strcmp(checked[k], g) == 0;
            if (seen) continue;
            if (check_group(fid, file, l, g, err, errlen)) return -1;
            if (n_checked < TENSOR_LIST_MAX) snprintf(checked[n_checked++], ITEM_PATH_MAX, "%s", g);
        }
    }
    return 0;
}

/* Bytes of staging an item needs. */
static size_t stage_size(const TensorItem *it)
{
    switch (it->kind) {
    case ITEM_ATTR: return it->type == ELEM_STR ? it->cap : 8;
    case ITEM_TENSOR: return tensor_item_numel(it) * elem_size(it->type);
    default: return 0;   /* tables are read into arrays of their own */
    }
}

typedef struct {
    void *data;
    size_t n_rows;   /* tables */
    int absent;      /* an optional item the file does not have */
} Staged;

/* Whether an item is in the file at all (its path walks, and an attribute exists there). */
static int item_exists(hid_t fid, const TensorItem *it)
{
    char obj[ITEM_PATH_MAX + 2], where[ITEM_PATH_MAX];
    const char *name;
    if (it->kind != ITEM_ATTR) return h5u_walk(fid, it->path, where, sizeof where) == H5U_FOUND;
    split_path(it->path, obj, sizeof obj, &name);
    if (obj[1] && h5u_walk(fid, obj + 1, where, sizeof where) != H5U_FOUND) return 0;
    int r = H5Aexists_by_name(fid, obj, name, H5P_DEFAULT) > 0;
    H5Eclear2(H5E_DEFAULT);
    return r;
}

/* One parse of the image against the list, into staging of its own (st). */
typedef struct {
    const Image *im;
    TensorList *list;
    Staged *st;
} Parse;

static void free_staging(Staged *st, int n)
{
    for (int i = 0; st && i < n; i++) free(st[i].data);
    free(st);
}

static int parse(void *ctx, char *err, size_t errlen)
{
    Parse *p = ctx;
    const char *path = p->im->path;
    TensorList *l = p->list;
    hid_t fid = open_image(p->im, err, errlen);
    if (fid < 0) return -1;
    p->st = calloc((size_t)(l->n ? l->n : 1), sizeof *p->st);
    int rc = p->st ? 0 : io_fail(err, errlen, "%s: out of memory", path);
    for (int i = 0; rc == 0 && i < l->n; i++) {
        const TensorItem *it = &l->items[i];
        Staged *st = &p->st[i];
        if (it->optional && !item_exists(fid, it)) {
            st->absent = 1;
            continue;
        }
        if (it->kind != ITEM_TABLE && !(st->data = malloc(stage_size(it) ? stage_size(it) : 1))) {
            rc = io_fail(err, errlen, "%s: out of memory", path);
            break;
        }
        switch (it->kind) {
        case ITEM_ATTR: rc = read_attr(fid, path, it, st->data, err, errlen); break;
        case ITEM_TENSOR: rc = read_tensor(fid, path, it, st->data, err, errlen); break;
        case ITEM_TABLE: rc = read_table(fid, path, it, &st->data, &st->n_rows, err, errlen); break;
        }
    }
    if (rc == 0) rc = check_no_extras(fid, path, l, err, errlen);
    H5Fclose(fid);
    return rc;
}

/* The child's parse: its staging dies with it. */
static int parse_and_forget(void *ctx, char *err, size_t errlen)
{
    Parse *p = ctx;
    int rc = parse(p, err, errlen);
    free_staging(p->st, p->list->n);
    p->st = NULL;
    return rc;
}

/* Everything read and checked: hand it over. */
static void commit(TensorList *l, Staged *st)
{
    for (int i = 0; i < l->n; i++) {
        TensorItem *it = &l->items[i];
        it->found = !st[i].absent;
        if (st[i].absent) continue;
        if (it->kind == ITEM_TABLE) {
            *it->rows = st[i].data;
            *it->n_rows = st[i].n_rows;
            st[i].data = NULL;
        } else if (it->kind == ITEM_ATTR && it->type != ELEM_STR) {
            memcpy(it->data, st[i].data, elem_size(it->type));
        } else {
            memcpy(it->data, st[i].data, stage_size(it));
        }
    }
}

int tensor_file_load(const char *path, TensorList *l, char *err, size_t errlen)
{
    if (l->overflow) return io_fail(err, errlen, "%s: too many items to load", path);
    Image im;
    if (read_image(path, &im, err, errlen)) return -1;
    Parse p = {&im, l, NULL};
    int rc = isolate_run(parse_and_forget, &p, isolate_timeout(), path, err, errlen);
    if (rc == 0) rc = parse(&p, err, errlen);
    if (rc == 0) commit(l, p.st);
    free_staging(p.st, l->n);
    free(im.bytes);
    return rc;
}

typedef struct {
    const Image *im;
    const char *item_path;
    int found;
} Probe;

static int probe(void *ctx, char *err, size_t errlen)
{
    Probe *p = ctx;
    hid_t fid = open_image(p->im, err, errlen);
    if (fid < 0) return -1;
    char where[ITEM_PATH_MAX];
    p->found = h5u_walk(fid, p->item_path, where, sizeof where) == H5U_FOUND;
    H5Fclose(fid);
    return 0;
}

int tensor_file_has(const char *path, const char *item_path, int *has, char *err, size_t errlen)
{
    Image im;
    if (read_image(path, &im, err, errlen)) return -1;
    Probe p = {&im, item_path, 0};
    int rc = isolate_run(probe, &p, isolate_timeout(), path, err, errlen);
    if (rc == 0) rc = probe(&p, err, errlen);
    *has = p.found;
    free(im.bytes);
    return rc;
}
