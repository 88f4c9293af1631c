/* image_load: sniff the magic bytes and hand over to the PNG, JPEG or PNM reader. */
#include "io/image.h"
#include "io/error.h"
#include "io/image_formats.h"
#include "io/read_file.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* The whole file in memory (the PNM header parser wants random access, libjpeg reads from
 * memory); its size is bounded by read_file_open. */
static int slurp(FILE *f, const char *path, uint8_t **data, size_t *len, char *err, size_t errlen)
{
    struct stat st;
    if (fstat(fileno(f), &st) != 0) return io_fail(err, errlen, "%s: cannot stat: %s", path, strerror(errno));
    *len = (size_t)st.st_size;
    *data = malloc(*len ? *len : 1);
    if (!*data) return io_fail(err, errlen, "%s: out of memory", path);
    rewind(f);
    if (fread(*data, 1, *len, f) != *len) {
        free(*data);
        *data = NULL;
        return io_fail(err, errlen, "%s: read error", path);
    }
    return 0;
}

int image_load(const char *path, GrayImage *img, char *err, size_t errlen)
{
    memset(img, 0, sizeof *img);
    FILE *f = read_file_open(path, READ_LIMIT_IMAGE, NULL, err, errlen);
    if (!f) return -1;
    uint8_t magic[24] = {0};
    size_t got = fread(magic, 1, sizeof magic, f);
    static const uint8_t png_sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    int rc;
    if (got >= 8 && memcmp(magic, png_sig, 8) == 0) {
        /* the size from the IHDR chunk, so a huge image is called too large, not corrupt */
        unsigned long w = got == 24 ? (unsigned long)magic[16] << 24 | magic[17] << 16 | magic[18] << 8 | magic[19] : 0;
        unsigned long h = got == 24 ? (unsigned long)magic[20] << 24 | magic[21] << 16 | magic[22] << 8 | magic[23] : 0;
        rewind(f);
        if (w > IMAGE_MAX_SIDE || h > IMAGE_MAX_SIDE || (unsigned long long)w * h > IMAGE_MAX_PIXELS)
            rc = io_fail(err, errlen, "%s: image too large (%lux%lu pixels; at most %d per side and %d "
                         "in all)", path, w, h, IMAGE_MAX_SIDE, IMAGE_MAX_PIXELS);
        else
            rc = png_read_gray(f, path, img, err, errlen);
    } else if (got >= 3 && magic[0] == 0xff && magic[1] == 0xd8 && magic[2] == 0xff) {
        uint8_t *data = NULL;
        size_t len = 0;
        rc = slurp(f, path, &data, &len, err, errlen);
        if (rc == 0) rc = jpeg_read_gray(data, len, path, img, err, errlen);
        free(data);
    } else if (got >= 2 && magic[0] == 'P' && strchr("2356", magic[1]) && magic[1]) {
        uint8_t *data = NULL;
        size_t len = 0;
        rc = slurp(f, path, &data, &len, err, errlen);
        if (rc == 0) rc = pnm_read_gray(data, len, path, img, err, errlen);
        free(data);
    } else if (got >= 2 && magic[0] == 'P' && (magic[1] == '1' || magic[1] == '4')) {
        rc = io_fail(err, errlen, "%s: PBM bitmaps (P1/P4) are not supported; use PGM, PPM or PNG", path);
    } else {
        rc = io_fail(err, errlen, "%s: not a PNG, JPEG or PGM/PPM image", path);
    }
    fclose(f);
    if (rc) image_free(img);
    return rc;
}

void image_free(GrayImage *img)
{
    if (!img) return;
    free(img->pix);
    img->pix = NULL;
    img->w = img->h = 0;
}
