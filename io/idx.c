/* IDX reader: validates the header against the file size before allocating, so a corrupt or
 * truncated file gives a message instead of a huge allocation or a short read. */
#include "io/idx.h"
#include "io/error.h"
#include "io/read_file.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zlib.h>

/* Describes dims as "60000x28x28" for messages. */
static void dims_str(const int *dims, int ndim, char *buf, size_t len)
{
    size_t used = 0;
    buf[0] = '\0';
    for (int i = 0; i < ndim && used < len; i++) {
        int w = snprintf(buf + used, len - used, i ? "x%d" : "%d", dims[i]);
        if (w < 0) break;
        used += (size_t)w;
    }
}

/* The magic bytes {0, 0, 0x08, ndim} and the dimensions; fills out->ndim and out->dims. */
static int read_dims(FILE *f, const char *path, unsigned long long fsize, IdxArray *out,
                     char *err, size_t errlen)
{
    uint8_t magic[4];
    if (fread(magic, 1, 4, f) != 4)
        return io_fail(err, errlen, "%s: truncated header: file holds only %llu bytes", path, fsize);
    if (magic[0] != 0 || magic[1] != 0)
        return io_fail(err, errlen,
                       "%s: not an IDX file (magic bytes %02x %02x %02x %02x; expected 00 00 08 0n)",
                       path, magic[0], magic[1], magic[2], magic[3]);
    if (magic[2] != 0x08)
        return io_fail(err, errlen, "%s: IDX data type 0x%02x is not supported (only 0x08, unsigned byte)",
                       path, magic[2]);
    int ndim = magic[3];
    if (ndim < 1 || ndim > 4)
        return io_fail(err, errlen, "%s: IDX header has %d dimensions (supported: 1 to 4)", path, ndim);
    uint8_t raw[16];
    if (fread(raw, 4, (size_t)ndim, f) != (size_t)ndim)
        return io_fail(err, errlen, "%s: truncated header: %d dimensions need %d bytes but the file holds only %llu",
                       path, ndim, 4 + 4 * ndim, fsize);
    for (int i = 0; i < ndim; i++) {
        uint32_t d = (uint32_t)raw[4 * i] << 24 | (uint32_t)raw[4 * i + 1] << 16 |
                     (uint32_t)raw[4 * i + 2] << 8 | raw[4 * i + 3];
        if (d == 0) return io_fail(err, errlen, "%s: dimension %d of the IDX header is 0", path, i);
        if (d > INT_MAX)
            return io_fail(err, errlen, "%s: dimension %d of the IDX header is absurd (%lu)", path, i,
                           (unsigned long)d);
        out->dims[i] = (int)d;
    }
    out->ndim = ndim;
    return 0;
}

/* The header's size must be the data's size exactly: checked before anything is allocated. */
static int check_size(const char *path, unsigned long long fsize, const IdxArray *a,
                      unsigned long long *total, char *err, size_t errlen)
{
    unsigned long long payload = fsize - (4 + 4 * (unsigned long long)a->ndim);
    int overflow = 0;
    *total = 1;
    for (int i = 0; i < a->ndim; i++)
        if (__builtin_mul_overflow(*total, (unsigned long long)a->dims[i], total)) overflow = 1;
    /* "60000 items of 28x28" reads better in messages than a bare byte count. */
    char what[96];
    if (a->ndim == 1) {
        snprintf(what, sizeof what, "%d items", a->dims[0]);
    } else {
        char inner[64];
        dims_str(a->dims + 1, a->ndim - 1, inner, sizeof inner);
        snprintf(what, sizeof what, "%d items of %s", a->dims[0], inner);
    }
    if (overflow) return io_fail(err, errlen, "%s: header claims %s, an absurd size", path, what);
    if (*total > payload)
        return io_fail(err, errlen,
                       "%s: header claims %s (%llu bytes) but the file holds only %llu bytes of data",
                       path, what, *total, payload);
    if (*total < payload)
        return io_fail(err, errlen,
                       "%s: header claims %s (%llu bytes) but the file has %llu extra bytes after them",
                       path, what, *total, payload - *total);
    return 0;
}

int idx_load(const char *path, IdxArray *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    unsigned long long fsize, total = 0;
    FILE *f = read_file_open(path, READ_LIMIT_IDX, &fsize, err, errlen);
    if (!f) return -1;
    if (read_dims(f, path, fsize, out, err, errlen) || check_size(path, fsize, out, &total, err, errlen)) {
        fclose(f);
        memset(out, 0, sizeof *out);
        return -1;
    }
    out->data = malloc(total ? (size_t)total : 1);
    if (!out->data) {
        fclose(f);
        memset(out, 0, sizeof *out);
        return io_fail(err, errlen, "%s: out of memory for %llu bytes", path, total);
    }
    if (fread(out->data, 1, (size_t)total, f) != (size_t)total) {
        int e = ferror(f) ? errno : 0;
        fclose(f);
        idx_free(out);
        return io_fail(err, errlen, "%s: read error%s%s", path, e ? ": " : "", e ? strerror(e) : "");
    }
    fclose(f);
    out->crc32 = (uint32_t)crc32_z(crc32_z(0, Z_NULL, 0), out->data, (size_t)total);
    out->count = (size_t)out->dims[0];
    out->item_size = out->count ? (size_t)total / out->count : 0;
    return 0;
}

void idx_fingerprint(const IdxArray *a, const char *name, char *buf, size_t n)
{
    char dims[64];
    dims_str(a->dims, a->ndim, dims, sizeof dims);
    snprintf(buf, n, "%s %s crc32 %08x", name, dims, (unsigned)a->crc32);
}

void idx_free(IdxArray *a)
{
    if (!a) return;
    free(a->data);
    memset(a, 0, sizeof *a);
}

int dataset_load(const char *dir, const char *prefix, Dataset *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    char ipath[4096], lpath[4096];
    int a = snprintf(ipath, sizeof ipath, "%s/%s-images-idx3-ubyte", dir, prefix);
    int b = snprintf(lpath, sizeof lpath, "%s/%s-labels-idx1-ubyte", dir, prefix);
    if (a < 0 || b < 0 || (size_t)a >= sizeof ipath || (size_t)b >= sizeof lpath)
        return io_fail(err, errlen, "%s: data directory path too long", dir);

    if (idx_load(ipath, &out->images, err, errlen)) return -1;
    if (out->images.ndim != 3) {
        char shape[64];
        dims_str(out->images.dims, out->images.ndim, shape, sizeof shape);
        dataset_free(out);
        return io_fail(err, errlen, "%s: images must be 3-D (count x rows x cols) but the file is %s",
                    ipath, shape);
    }
    if (idx_load(lpath, &out->labels, err, errlen)) {
        dataset_free(out);
        return -1;
    }
    if (out->labels.ndim != 1) {
        char shape[64];
        dims_str(out->labels.dims, out->labels.ndim, shape, sizeof shape);
        dataset_free(out);
        return io_fail(err, errlen, "%s: labels must be 1-D but the file is %s", lpath, shape);
    }
    if (out->labels.count != out->images.count) {
        size_t ni = out->images.count, nl = out->labels.count;
        dataset_free(out);
        return io_fail(err, errlen, "%s holds %zu labels but %s holds %zu images", lpath, nl, ipath, ni);
    }
    for (size_t i = 0; i < out->labels.count; i++) {
        if (out->labels.data[i] >= 10) {
            int v = out->labels.data[i];
            dataset_free(out);
            return io_fail(err, errlen, "%s: label %zu is %d (labels must be 0..9)", lpath, i, v);
        }
    }
    out->n = out->images.dims[0];
    out->rows = out->images.dims[1];
    out->cols = out->images.dims[2];
    return 0;
}

void dataset_free(Dataset *d)
{
    if (!d) return;
    idx_free(&d->images);
    idx_free(&d->labels);
    d->n = d->rows = d->cols = 0;
}
