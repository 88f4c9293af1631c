/* JPEG reader through libjpeg(-turbo)'s classic API, from the file's bytes in memory.
 *
 * libjpeg's default error handler prints and calls exit(); ours formats the message and longjmps
 * back here. Its default for damaged data is a warning and gray filler (a truncated photo would
 * be read as half a picture); we stop on the warnings that mean pixels are missing or wrong, as
 * TurboJPEG's TJFLAG_STOPONWARNING does, and drop the harmless ones (library code never prints).
 * Sizes are checked from the frame header before anything is decompressed, and a progressive
 * file may have at most MAX_SCANS scans (libjpeg-turbo's advice against files made of millions of
 * empty scans, which take minutes). The Exif Orientation tag turns the pixels upright. */
#include "io/image_formats.h"
#include "io/error.h"

#include <setjmp.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jpeglib.h>   /* after stdio.h and stddef.h: it uses FILE and size_t without them */
#include <jerror.h>

enum { MAX_SCANS = 500 };

typedef struct {
    struct jpeg_error_mgr pub;   /* first: libjpeg hands us a pointer to it */
    jmp_buf jump;
    char msg[JMSG_LENGTH_MAX];
} JpegErr;

static void on_error(j_common_ptr cinfo)
{
    JpegErr *e = (JpegErr *)cinfo->err;
    cinfo->err->format_message(cinfo, e->msg);
    longjmp(e->jump, 1);
}

/* level -1: a warning; 0 and up: trace messages. */
static void on_message(j_common_ptr cinfo, int level)
{
    if (level >= 0) return;
    switch (cinfo->err->msg_code) {
    case JWRN_JPEG_EOF:          /* truncated file */
    case JWRN_HIT_MARKER:        /* entropy data cut short */
    case JWRN_HUFF_BAD_CODE:
    case JWRN_ARITH_BAD_CODE:
    case JWRN_MUST_RESYNC:       /* a restart marker lost: rows are missing */
    case JWRN_NOT_SEQUENTIAL:
    case JWRN_BOGUS_PROGRESSION:
    case JWRN_TOO_MUCH_DATA:
        on_error(cinfo);
        break;
    default:                     /* extraneous bytes, unknown JFIF revision, bad ICC profile, ... */
        break;
    }
}

typedef struct {
    struct jpeg_progress_mgr pub;
    char why[80];
} JpegProgress;

static void on_progress(j_common_ptr cinfo)
{
    j_decompress_ptr d = (j_decompress_ptr)cinfo;
    if (d->input_scan_number > MAX_SCANS) {
        JpegErr *e = (JpegErr *)cinfo->err;
        snprintf(e->msg, sizeof e->msg, "more than %d progressive scans", MAX_SCANS);
        longjmp(e->jump, 1);
    }
}

/* Orientation from the first Exif APP1 segment; -1 with why for a malformed one. */
static int find_orientation(j_decompress_ptr d, int *orientation, char *why, size_t whylen)
{
    *orientation = 1;
    for (jpeg_saved_marker_ptr m = d->marker_list; m; m = m->next)
        if (m->marker == JPEG_APP0 + 1 && exif_is_app1(m->data, m->data_length))
            return exif_orientation(m->data, m->data_length, orientation, why, whylen);
    return 0;
}

int jpeg_read_gray(const uint8_t *data, size_t len, const char *path, GrayImage *img, char *err,
                   size_t errlen)
{
    struct jpeg_decompress_struct d;
    JpegErr jerr;
    JpegProgress prog;
    memset(&jerr, 0, sizeof jerr);
    memset(&prog, 0, sizeof prog);
    d.err = jpeg_std_error(&jerr.pub);
    jerr.pub.error_exit = on_error;
    jerr.pub.emit_message = on_message;
    float *volatile pix = NULL;
    JSAMPLE *volatile row = NULL;
    if (setjmp(jerr.jump)) {
        /* libjpeg refuses sides over its limit (below ours) when it sets up, after the frame
         * header: that is a picture too large, not a damaged file */
        int too_big = jerr.pub.msg_code == JERR_IMAGE_TOO_BIG;
        unsigned long tw = d.image_width, th = d.image_height;
        jpeg_destroy_decompress(&d);
        free(pix);
        free(row);
        if (too_big)
            return io_fail(err, errlen, "%s: image too large (%lux%lu pixels; a JPEG may have at "
                           "most %ld per side)", path, tw, th, (long)JPEG_MAX_DIMENSION);
        return io_fail(err, errlen, "%s: corrupt or truncated JPEG: %s", path, jerr.msg);
    }
    jpeg_create_decompress(&d);
    prog.pub.progress_monitor = on_progress;
    d.progress = &prog.pub;
    /* libjpeg takes the length as unsigned long; read_file_open bounded it far below that */
    jpeg_mem_src(&d, data, (unsigned long)len);
    jpeg_save_markers(&d, JPEG_APP0 + 1, 0xffff);
    jpeg_read_header(&d, TRUE);

    unsigned long w = d.image_width, h = d.image_height;
    int rc = 0, orientation = 1;
    char why[160];
    if (w > IMAGE_MAX_SIDE || h > IMAGE_MAX_SIDE || (unsigned long long)w * h > IMAGE_MAX_PIXELS)
        rc = io_fail(err, errlen, "%s: image too large (%lux%lu pixels; at most %d per side and %d "
                     "in all)", path, w, h, IMAGE_MAX_SIDE, IMAGE_MAX_PIXELS);
    else if (d.jpeg_color_space == JCS_CMYK || d.jpeg_color_space == JCS_YCCK)
        rc = io_fail(err, errlen, "%s: CMYK JPEGs are not supported; save it as RGB or gray", path);
    else if (find_orientation(&d, &orientation, why, sizeof why))
        rc = io_fail(err, errlen, "%s: %s", path, why);
    if (rc) {
        jpeg_destroy_decompress(&d);
        return rc;
    }
    /* libjpeg's gray output is the luma Y (Rec. 601 on the stored values, as luma601): taken
     * straight from YCbCr files, computed from RGB ones. */
    d.out_color_space = JCS_GRAYSCALE;
    jpeg_start_decompress(&d);
    if (d.output_components != 1 || d.output_width != w || d.output_height != h) {
        snprintf(jerr.msg, sizeof jerr.msg, "unexpected output layout");
        longjmp(jerr.jump, 1);
    }
    pix = malloc((size_t)w * h * sizeof(float));
    row = malloc(w);
    if (!pix || !row) {
        snprintf(jerr.msg, sizeof jerr.msg, "out of memory");
        longjmp(jerr.jump, 1);
    }
    while (d.output_scanline < d.output_height) {
        JSAMPROW rows[1] = {row};
        size_t y = d.output_scanline;
        if (jpeg_read_scanlines(&d, rows, 1) != 1) {
            snprintf(jerr.msg, sizeof jerr.msg, "no data for row %zu", y);
            longjmp(jerr.jump, 1);
        }
        for (size_t x = 0; x < w; x++) pix[y * w + x] = (float)row[x] / 255.0f;
    }
    jpeg_finish_decompress(&d);
    jpeg_destroy_decompress(&d);
    free(row);
    img->w = (int)w;
    img->h = (int)h;
    img->pix = pix;
    if (image_orient(img, orientation)) return io_fail(err, errlen, "%s: out of memory", path);
    return 0;
}
