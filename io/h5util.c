/* HDF5 helpers: see h5util.h. */
#include "io/h5util.h"

#include <stdio.h>
#include <string.h>

void h5u_quiet(void)
{
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    H5PLset_loading_state(0);
}

/* H5Ewalk callback: keep the first (innermost, most specific) description. */
static herr_t first_desc(unsigned n, const H5E_error2_t *e, void *data)
{
    char *buf = data;
    if (n == 0 && e->desc && e->desc[0]) snprintf(buf, 200, "%s", e->desc);
    return 0;
}

const char *h5u_why(void)
{
    static _Thread_local char why[256];
    char desc[200] = "";
    H5Ewalk2(H5E_DEFAULT, H5E_WALK_UPWARD, first_desc, desc);
    H5Eclear2(H5E_DEFAULT);
    if (desc[0]) snprintf(why, sizeof why, " (HDF5: %s)", desc);
    else why[0] = '\0';
    return why;
}

static hid_t no_timestamps(hid_t p)
{
    if (p >= 0 && H5Pset_obj_track_times(p, 0) < 0) {
        H5Pclose(p);
        return -1;
    }
    return p;
}

hid_t h5u_gcpl(void) { return no_timestamps(H5Pcreate(H5P_GROUP_CREATE)); }
hid_t h5u_dcpl(void) { return no_timestamps(H5Pcreate(H5P_DATASET_CREATE)); }

static hid_t vl_utf8(void)
{
    hid_t t = H5Tcopy(H5T_C_S1);
    if (t >= 0 && (H5Tset_size(t, H5T_VARIABLE) < 0 || H5Tset_cset(t, H5T_CSET_UTF8) < 0)) {
        H5Tclose(t);
        return -1;
    }
    return t;
}

hid_t h5u_file_type(ElemType t)
{
    switch (t) {
    case ELEM_F32: return H5T_IEEE_F32LE;
    case ELEM_F64: return H5T_IEEE_F64LE;
    case ELEM_U8: return H5T_STD_U8LE;
    case ELEM_I32: return H5T_STD_I32LE;
    case ELEM_I64: return H5T_STD_I64LE;
    case ELEM_U64: return H5T_STD_U64LE;
    default: return vl_utf8();
    }
}

hid_t h5u_mem_type(ElemType t)
{
    switch (t) {
    case ELEM_F32: return H5T_NATIVE_FLOAT;
    case ELEM_F64: return H5T_NATIVE_DOUBLE;
    case ELEM_U8: return H5T_NATIVE_UINT8;
    case ELEM_I32: return H5T_NATIVE_INT32;
    case ELEM_I64: return H5T_NATIVE_INT64;
    case ELEM_U64: return H5T_NATIVE_UINT64;
    default: return vl_utf8();
    }
}

/* The compound type of a table's records: the C struct's layout in memory, packed little-endian
 * in the file. Negative on error. */
hid_t h5u_record_type(const RecordTable *t, int for_file, const unsigned char *skip)
{
    size_t packed = 0;
    for (int i = 0; i < t->n_fields; i++)
        if (!skip || !skip[i]) packed += elem_size(t->fields[i].type);
    hid_t ct = H5Tcreate(H5T_COMPOUND, for_file ? packed : t->record_size);
    if (ct < 0) return -1;
    size_t off = 0;
    for (int i = 0; i < t->n_fields; i++) {
        const RecordField *f = &t->fields[i];
        if (skip && skip[i]) continue;
        hid_t ft = for_file ? h5u_file_type(f->type) : h5u_mem_type(f->type);
        if (H5Tinsert(ct, f->name, for_file ? off : f->offset, ft) < 0) {
            H5Tclose(ct);
            return -1;
        }
        off += elem_size(f->type);
    }
    return ct;
}

void h5u_type_name(hid_t type, char *buf, size_t len)
{
    size_t bits = H5Tget_size(type) * 8;
    switch (H5Tget_class(type)) {
    case H5T_INTEGER:
        snprintf(buf, len, "%sint%zu", H5Tget_sign(type) == H5T_SGN_NONE ? "u" : "", bits);
        break;
    case H5T_FLOAT: snprintf(buf, len, "float%zu", bits); break;
    case H5T_STRING: snprintf(buf, len, "string"); break;
    case H5T_COMPOUND: snprintf(buf, len, "compound"); break;
    case H5T_ENUM: snprintf(buf, len, "enum"); break;
    case H5T_ARRAY: snprintf(buf, len, "array"); break;
    case H5T_VLEN: snprintf(buf, len, "vlen"); break;
    default: snprintf(buf, len, "an unsupported type"); break;
    }
}

void h5u_shape_str(int ndim, const unsigned long long *dims, char *buf, size_t len)
{
    if (ndim == 0) {
        snprintf(buf, len, "a scalar");
        return;
    }
    size_t used = 0;
    buf[0] = '\0';
    for (int i = 0; i < ndim && used < len; i++) {
        int w = snprintf(buf + used, len - used, i ? "x%llu" : "%llu", dims[i]);
        if (w < 0) break;
        used += (size_t)w;
    }
}

int h5u_walk(hid_t fid, const char *path, char *where, size_t len)
{
    /* H5Lexists fails rather than answering 0 when a parent is missing: test each step */
    char buf[ITEM_PATH_MAX + 2];
    if (snprintf(buf, sizeof buf, "/%s", path) >= (int)sizeof buf) {
        snprintf(where, len, "%s", path);
        return H5U_MISSING;
    }
    for (char *p = buf + 1;; p++) {
        if (*p != '/' && *p != '\0') continue;
        char c = *p;
        *p = '\0';
        H5L_info_t li;
        if (H5Lexists(fid, buf, H5P_DEFAULT) <= 0 || H5Lget_info(fid, buf, &li, H5P_DEFAULT) < 0) {
            H5Eclear2(H5E_DEFAULT);
            snprintf(where, len, "%s", buf + 1);
            return H5U_MISSING;
        }
        if (li.type != H5L_TYPE_HARD) {
            snprintf(where, len, "%s", buf + 1);
            return H5U_NOT_HARD;
        }
        if (c == '\0') return H5U_FOUND;
        *p = c;
    }
}

int h5u_data_is_internal(hid_t d)
{
    hid_t dcpl = H5Dget_create_plist(d);
    if (dcpl < 0) return 0;
    int ok = H5Pget_external_count(dcpl) == 0 && H5Pget_layout(dcpl) != H5D_VIRTUAL;
    H5Pclose(dcpl);
    return ok;
}

int h5u_data_stored(hid_t d, unsigned long long n)
{
    H5D_space_status_t st;
    if (n == 0) return 1;
    if (H5Dget_space_status(d, &st) < 0) return 0;
    return st != H5D_SPACE_STATUS_NOT_ALLOCATED;
}
