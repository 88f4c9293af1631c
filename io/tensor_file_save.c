/* tensor_file_save: the whole file is built in memory (HDF5's core driver, no backing store), then
 * sealed and written atomically. Disk I/O stays out of HDF5: a full disk then fails in our write()
 * with errno, instead of leaving HDF5 with a file it can neither flush nor close. */
#include "io/atomic_file.h"
#include "io/error.h"
#include "io/h5util.h"
#include "io/seal.h"
#include "io/tensor_file.h"

#include <stdlib.h>
#include <string.h>

/* The object an item lives under: the parent group of a tensor or table, the object of an
 * attribute. Groups are created on first use (timestamps off); "" is the root. */
static hid_t open_parent(hid_t fid, const char *item_path, char *name, size_t name_len)
{
    char dir[ITEM_PATH_MAX];
    snprintf(dir, sizeof dir, "%s", item_path);
    char *slash = strrchr(dir, '/');
    snprintf(name, name_len, "%s", slash ? slash + 1 : dir);
    if (!slash) return H5Gopen2(fid, "/", H5P_DEFAULT);
    *slash = '\0';
    /* create each missing group on the way down */
    for (char *p = dir;; p++) {
        if (*p != '/' && *p != '\0') continue;
        char c = *p;
        *p = '\0';
        if (H5Lexists(fid, dir, H5P_DEFAULT) <= 0) {
            hid_t gcpl = h5u_gcpl();
            hid_t g = gcpl >= 0 ? H5Gcreate2(fid, dir, H5P_DEFAULT, gcpl, H5P_DEFAULT) : -1;
            if (gcpl >= 0) H5Pclose(gcpl);
            if (g < 0) return -1;
            H5Gclose(g);
        }
        if (c == '\0') break;
        *p = c;
    }
    return H5Oopen(fid, dir, H5P_DEFAULT);
}

static int write_attr(hid_t obj, const char *name, const TensorItem *it)
{
    hid_t ft = h5u_file_type(it->type), mt = h5u_mem_type(it->type);
    hid_t sp = H5Screate(H5S_SCALAR);
    hid_t a = ft >= 0 && sp >= 0 ? H5Acreate2(obj, name, ft, sp, H5P_DEFAULT, H5P_DEFAULT) : -1;
    /* a string attribute is written from a char * to the (terminated) buffer */
    char *s = NULL;
    if (it->type == ELEM_STR) {
        s = calloc(1, it->cap + 1);
        if (s) memcpy(s, it->data, strnlen(it->data, it->cap));
    }
    const void *value = it->type == ELEM_STR ? (const void *)&s : it->data;
    int rc = a >= 0 && mt >= 0 && (it->type != ELEM_STR || s) && H5Awrite(a, mt, value) >= 0 ? 0 : -1;
    free(s);
    if (a >= 0) H5Aclose(a);
    if (sp >= 0) H5Sclose(sp);
    if (it->type == ELEM_STR) {
        if (ft >= 0) H5Tclose(ft);
        if (mt >= 0) H5Tclose(mt);
    }
    return rc;
}

static int write_tensor(hid_t loc, const char *name, const TensorItem *it)
{
    hsize_t dims[ITEM_MAX_DIMS];
    for (int i = 0; i < it->ndim; i++) dims[i] = (hsize_t)it->shape[i];
    hid_t sp = it->ndim ? H5Screate_simple(it->ndim, dims, NULL) : H5Screate(H5S_SCALAR);
    hid_t dcpl = h5u_dcpl();
    hid_t d = sp >= 0 && dcpl >= 0
                  ? H5Dcreate2(loc, name, h5u_file_type(it->type), sp, H5P_DEFAULT, dcpl, H5P_DEFAULT)
                  : -1;
    int rc = d >= 0 && H5Dwrite(d, h5u_mem_type(it->type), H5S_ALL, H5S_ALL, H5P_DEFAULT,
                                it->data) >= 0 ? 0 : -1;
    if (d >= 0) H5Dclose(d);
    if (dcpl >= 0) H5Pclose(dcpl);
    if (sp >= 0) H5Sclose(sp);
    return rc;
}

/* One extendible (chunked, unlimited maxdims) table. */
static int write_table(hid_t loc, const char *name, const TensorItem *it)
{
    const RecordTable *t = it->table;
    size_t n = *it->n_rows;
    hsize_t dims[1] = {n}, maxdims[1] = {H5S_UNLIMITED}, chunk[1] = {t->chunk_rows};
    hid_t ft = h5u_record_type(t, 1, NULL), mt = h5u_record_type(t, 0, NULL);
    hid_t sp = H5Screate_simple(1, dims, maxdims);
    hid_t dcpl = h5u_dcpl();
    hid_t d = -1;
    int rc = -1;
    if (ft >= 0 && mt >= 0 && sp >= 0 && dcpl >= 0 && H5Pset_chunk(dcpl, 1, chunk) >= 0) {
        d = H5Dcreate2(loc, name, ft, sp, H5P_DEFAULT, dcpl, H5P_DEFAULT);
        if (d >= 0 && (n == 0 || H5Dwrite(d, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, *it->rows) >= 0))
            rc = 0;
    }
    if (d >= 0) H5Dclose(d);
    if (dcpl >= 0) H5Pclose(dcpl);
    if (sp >= 0) H5Sclose(sp);
    if (mt >= 0) H5Tclose(mt);
    if (ft >= 0) H5Tclose(ft);
    return rc;
}

static int write_item(hid_t fid, const TensorItem *it, const char *file, char *err, size_t errlen)
{
    char name[ITEM_PATH_MAX];
    hid_t obj = open_parent(fid, it->path, name, sizeof name);
    int rc = -1;
    if (obj >= 0) {
        switch (it->kind) {
        case ITEM_ATTR: rc = write_attr(obj, name, it); break;
        case ITEM_TENSOR: rc = write_tensor(obj, name, it); break;
        case ITEM_TABLE: rc = write_table(obj, name, it); break;
        }
        H5Oclose(obj);
    }
    if (rc)
        io_fail(err, errlen, "%s: cannot write %s/%s%s", file,
                it->kind == ITEM_ATTR ? "attribute " : "", it->path, h5u_why());
    return rc;
}

/* Builds the file in memory and returns its bytes, seal included, in *image. */
static int build_image(const char *file, const TensorList *list, unsigned char **image,
                       size_t *size, char *err, size_t errlen)
{
    *image = NULL;
    /* the root group's timestamps come from the file-creation list */
    hid_t fcpl = H5Pcreate(H5P_FILE_CREATE), fapl = H5Pcreate(H5P_FILE_ACCESS);
    hid_t fid = -1;
    if (fcpl >= 0 && fapl >= 0 && H5Pset_obj_track_times(fcpl, 0) >= 0 &&
        H5Pset_userblock(fcpl, SEAL_BLOCK) >= 0 && H5Pset_fapl_core(fapl, (size_t)1 << 20, 0) >= 0)
        /* the name only identifies the in-memory file; nothing is created on disk */
        fid = H5Fcreate(file, H5F_ACC_TRUNC, fcpl, fapl);
    if (fcpl >= 0) H5Pclose(fcpl);
    if (fapl >= 0) H5Pclose(fapl);
    if (fid < 0) return io_fail(err, errlen, "%s: cannot create an HDF5 file in memory%s", file, h5u_why());

    int rc = 0;
    for (int i = 0; i < list->n && rc == 0; i++) rc = write_item(fid, &list->items[i], file, err, errlen);
    if (rc == 0) {
        /* flush the metadata cache into the in-memory file before copying it out; the image
         * starts at the superblock, and the user block reserved in front of it carries the seal */
        ssize_t n = H5Fflush(fid, H5F_SCOPE_GLOBAL) < 0 ? -1 : H5Fget_file_image(fid, NULL, 0);
        unsigned char *buf = n > 0 ? malloc(SEAL_BLOCK + (size_t)n) : NULL;
        if (!buf || H5Fget_file_image(fid, buf + SEAL_BLOCK, (size_t)n) != n) {
            rc = io_fail(err, errlen, "%s: cannot take the HDF5 file image (out of memory?)%s", file,
                         h5u_why());
            free(buf);
        } else {
            *size = SEAL_BLOCK + (size_t)n;
            seal_image(buf, *size);
            *image = buf;
        }
    }
    H5Fclose(fid);
    return rc;
}

int tensor_file_save(const char *path, const TensorList *list, char *err, size_t errlen)
{
    h5u_quiet();
    if (list->overflow) return io_fail(err, errlen, "%s: too many items to save", path);
    unsigned char *image;
    size_t size = 0;
    if (build_image(path, list, &image, &size, err, errlen)) return -1;
    int rc = atomic_write_bytes(path, image, size, err, errlen);
    free(image);
    return rc;
}
