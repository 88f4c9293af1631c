/* HDF5 helpers: see h5util.h. Every id opened here is closed here, also on error paths. */
#include "io/h5util.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void h5u_quiet(void) { H5Eset_auto2(H5E_DEFAULT, NULL, NULL); }

/* H5Ewalk callback: keep the first (innermost, most specific) description. */
static herr_t first_desc(unsigned n, const H5E_error2_t *e, void *data)
{
    char *buf = data;
    if (n == 0 && e->desc && e->desc[0]) snprintf(buf, 256, "%s", e->desc);
    return 0;
}

int h5u_fail(char *err, size_t errlen, const char *fmt, ...)
{
    if (!err || !errlen) return -1;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    char desc[256] = "";
    H5Ewalk2(H5E_DEFAULT, H5E_WALK_UPWARD, first_desc, desc);
    H5Eclear2(H5E_DEFAULT);
    if (desc[0]) {
        size_t used = strlen(err);
        if (used < errlen) snprintf(err + used, errlen - used, " (HDF5: %s)", desc);
    }
    return -1;
}

hid_t h5u_gcpl(void)
{
    hid_t p = H5Pcreate(H5P_GROUP_CREATE);
    if (p >= 0 && H5Pset_obj_track_times(p, 0) < 0) {
        H5Pclose(p);
        return -1;
    }
    return p;
}

hid_t h5u_dcpl(void)
{
    hid_t p = H5Pcreate(H5P_DATASET_CREATE);
    if (p >= 0 && H5Pset_obj_track_times(p, 0) < 0) {
        H5Pclose(p);
        return -1;
    }
    return p;
}

hid_t h5u_group(hid_t loc, const char *name)
{
    hid_t gcpl = h5u_gcpl();
    if (gcpl < 0) return -1;
    hid_t g = H5Gcreate2(loc, name, H5P_DEFAULT, gcpl, H5P_DEFAULT);
    H5Pclose(gcpl);
    return g;
}

int h5u_attr_write(hid_t obj, const char *name, hid_t ftype, hid_t mtype, const void *value)
{
    hid_t sp = H5Screate(H5S_SCALAR);
    if (sp < 0) return -1;
    hid_t a = H5Acreate2(obj, name, ftype, sp, H5P_DEFAULT, H5P_DEFAULT);
    int rc = (a >= 0 && H5Awrite(a, mtype, value) >= 0) ? 0 : -1;
    if (a >= 0) H5Aclose(a);
    H5Sclose(sp);
    return rc;
}

int h5u_attr_write_str(hid_t obj, const char *name, const char *value)
{
    hid_t t = H5Tcopy(H5T_C_S1);
    if (t < 0) return -1;
    int rc = -1;
    if (H5Tset_size(t, H5T_VARIABLE) >= 0 && H5Tset_cset(t, H5T_CSET_UTF8) >= 0)
        rc = h5u_attr_write(obj, name, t, t, &value);
    H5Tclose(t);
    return rc;
}

int h5u_dataset_write(hid_t loc, const char *name, hid_t ftype, hid_t mtype, int ndim,
                      const int *shape, const void *data)
{
    hsize_t dims[8];
    for (int i = 0; i < ndim; i++) dims[i] = (hsize_t)shape[i];
    hid_t sp = ndim ? H5Screate_simple(ndim, dims, NULL) : H5Screate(H5S_SCALAR);
    if (sp < 0) return -1;
    hid_t dcpl = h5u_dcpl();
    hid_t d = dcpl >= 0 ? H5Dcreate2(loc, name, ftype, sp, H5P_DEFAULT, dcpl, H5P_DEFAULT) : -1;
    int rc = (d >= 0 && H5Dwrite(d, mtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, data) >= 0) ? 0 : -1;
    if (d >= 0) H5Dclose(d);
    if (dcpl >= 0) H5Pclose(dcpl);
    H5Sclose(sp);
    return rc;
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

int h5u_attr_read(hid_t obj, const char *file, const char *objname, const char *name,
                  H5T_class_t want_class, hid_t mtype, void *value, char *err, size_t errlen)
{
    if (H5Aexists(obj, name) <= 0)
        return h5u_fail(err, errlen, "%s: attribute '%s' of %s is missing", file, name, objname);
    hid_t a = H5Aopen(obj, name, H5P_DEFAULT);
    if (a < 0) return h5u_fail(err, errlen, "%s: cannot open attribute '%s' of %s", file, name, objname);
    hid_t t = H5Aget_type(a), sp = H5Aget_space(a);
    int rc = -1;
    char tn[32] = "?";
    if (t >= 0) h5u_type_name(t, tn, sizeof tn);
    if (t < 0 || sp < 0)
        h5u_fail(err, errlen, "%s: cannot read attribute '%s' of %s", file, name, objname);
    else if (H5Tget_class(t) != want_class)
        h5u_fail(err, errlen, "%s: attribute '%s' of %s is %s, expected %s", file, name, objname, tn,
                 want_class == H5T_FLOAT ? "a float" : "an integer");
    else if (H5Sget_simple_extent_npoints(sp) != 1)
        h5u_fail(err, errlen, "%s: attribute '%s' of %s holds %lld values, expected one", file, name,
                 objname, (long long)H5Sget_simple_extent_npoints(sp));
    else if (H5Aread(a, mtype, value) < 0)
        h5u_fail(err, errlen, "%s: cannot read attribute '%s' of %s", file, name, objname);
    else
        rc = 0;
    if (t >= 0) H5Tclose(t);
    if (sp >= 0) H5Sclose(sp);
    H5Aclose(a);
    return rc;
}

int h5u_attr_read_str(hid_t obj, const char *file, const char *objname, const char *name,
                      char *buf, size_t len, char *err, size_t errlen)
{
    if (H5Aexists(obj, name) <= 0)
        return h5u_fail(err, errlen, "%s: attribute '%s' of %s is missing", file, name, objname);
    hid_t a = H5Aopen(obj, name, H5P_DEFAULT);
    if (a < 0) return h5u_fail(err, errlen, "%s: cannot open attribute '%s' of %s", file, name, objname);
    hid_t t = H5Aget_type(a);
    int rc = -1;
    if (t < 0 || H5Tget_class(t) != H5T_STRING) {
        h5u_fail(err, errlen, "%s: attribute '%s' of %s is not a string", file, name, objname);
    } else if (H5Tis_variable_str(t) > 0) {
        /* Variable length: HDF5 allocates the string; we copy and free it. */
        hid_t mt = H5Tcopy(H5T_C_S1);
        char *s = NULL;
        if (H5Tset_size(mt, H5T_VARIABLE) >= 0 && H5Tset_cset(mt, H5Tget_cset(t)) >= 0 &&
            H5Aread(a, mt, &s) >= 0) {
            snprintf(buf, len, "%s", s ? s : "");
            H5free_memory(s);
            rc = 0;
        } else {
            h5u_fail(err, errlen, "%s: cannot read attribute '%s' of %s", file, name, objname);
        }
        H5Tclose(mt);
    } else {
        /* Fixed length (e.g. written by h5py from numpy bytes): read the whole and terminate. */
        size_t n = H5Tget_size(t);
        char *tmp = calloc(n + 1, 1);
        hid_t mt = H5Tcopy(t);
        if (tmp && mt >= 0 && H5Tset_strpad(mt, H5T_STR_NULLPAD) >= 0 && H5Aread(a, mt, tmp) >= 0) {
            snprintf(buf, len, "%s", tmp);
            rc = 0;
        } else {
            h5u_fail(err, errlen, "%s: cannot read attribute '%s' of %s", file, name, objname);
        }
        if (mt >= 0) H5Tclose(mt);
        free(tmp);
    }
    if (t >= 0) H5Tclose(t);
    H5Aclose(a);
    return rc;
}

int h5u_exists(hid_t fid, const char *path)
{
    /* H5Lexists fails rather than answering 0 when a parent is missing: test each prefix. */
    char buf[512];
    snprintf(buf, sizeof buf, "%s", path);
    for (char *p = buf + 1;; p++) {
        if (*p == '/' || *p == '\0') {
            char c = *p;
            *p = '\0';
            if (H5Lexists(fid, buf, H5P_DEFAULT) <= 0) return 0;
            if (c == '\0') return 1;
            *p = c;
        }
    }
}

int h5u_dataset_read(hid_t fid, const char *file, const char *dpath, hid_t want, int ndim,
                     const int *shape, hid_t mtype, void *buf, char *err, size_t errlen)
{
    if (!h5u_exists(fid, dpath)) return h5u_fail(err, errlen, "%s: %s is missing", file, dpath);
    /* H5Oopen + H5Iget_type rather than H5Oget_info, whose signature differs across versions. */
    hid_t d = H5Oopen(fid, dpath, H5P_DEFAULT);
    if (d < 0) return h5u_fail(err, errlen, "%s: cannot open %s", file, dpath);
    if (H5Iget_type(d) != H5I_DATASET) {
        H5Oclose(d);
        return h5u_fail(err, errlen, "%s: %s is not a dataset", file, dpath);
    }
    hid_t t = H5Dget_type(d), sp = H5Dget_space(d);
    int rc = -1;
    if (t < 0 || sp < 0) {
        h5u_fail(err, errlen, "%s: cannot read %s", file, dpath);
        goto out;
    }
    int ok_type = H5Tget_class(t) == H5Tget_class(want) && H5Tget_size(t) == H5Tget_size(want) &&
                  (H5Tget_class(want) != H5T_INTEGER || H5Tget_sign(t) == H5Tget_sign(want));
    if (!ok_type) {
        char got[32], exp[32];
        h5u_type_name(t, got, sizeof got);
        h5u_type_name(want, exp, sizeof exp);
        h5u_fail(err, errlen, "%s: %s has dtype %s, expected %s", file, dpath, got, exp);
        goto out;
    }
    int rank = H5Sget_simple_extent_ndims(sp);
    hsize_t dims[H5S_MAX_RANK];
    if (rank < 0 || H5Sget_simple_extent_dims(sp, dims, NULL) < 0) {
        h5u_fail(err, errlen, "%s: cannot read the shape of %s", file, dpath);
        goto out;
    }
    int same = rank == ndim;
    for (int i = 0; same && i < ndim; i++) same = dims[i] == (hsize_t)shape[i];
    if (!same) {
        unsigned long long g[H5S_MAX_RANK], e[8];
        for (int i = 0; i < rank; i++) g[i] = dims[i];
        for (int i = 0; i < ndim; i++) e[i] = (unsigned long long)shape[i];
        char gs[128], es[128];
        h5u_shape_str(rank, g, gs, sizeof gs);
        h5u_shape_str(ndim, e, es, sizeof es);
        h5u_fail(err, errlen, "%s: %s has shape %s, expected %s", file, dpath, gs, es);
        goto out;
    }
    if (H5Dread(d, mtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) < 0) {
        h5u_fail(err, errlen, "%s: cannot read the data of %s", file, dpath);
        goto out;
    }
    rc = 0;
out:
    if (t >= 0) H5Tclose(t);
    if (sp >= 0) H5Sclose(sp);
    H5Oclose(d);
    return rc;
}
