/* Writing JPEGs for the tests and the photo generator (tests/photo): libjpeg's compressor with an
 * optional APP1 segment, and the Exif payload a phone camera writes for its Orientation tag. The
 * program reads JPEGs only; this is test-side code. */
#ifndef MNIST_TESTS_JPEG_WRITE_H
#define MNIST_TESTS_JPEG_WRITE_H

#include <setjmp.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <jpeglib.h>   /* after stdio.h and stddef.h: it uses FILE and size_t without them */

typedef struct {
    struct jpeg_error_mgr pub;
    jmp_buf jump;
} JpegWriteErr;

static void jpeg_write_on_error_(j_common_ptr c) { longjmp(((JpegWriteErr *)c->err)->jump, 1); }

/* pix: h rows of w*channels bytes (1 = gray, 3 = RGB, 4 = CMYK). progressive: 0 baseline, 1
 * libjpeg's standard progression. scans/nscans: a scan script of one's own instead (or NULL).
 * app1: the payload of one APP1 segment (e.g. from exif_payload) or NULL. Returns 0 or -1. */
static inline int jpeg_write_scans(const char *path, const uint8_t *pix, int w, int h,
                                   int channels, int quality, int progressive,
                                   const jpeg_scan_info *scans, int nscans, const uint8_t *app1,
                                   size_t app1_len)
{
    FILE *volatile f = fopen(path, "wb");
    if (!f) return -1;
    struct jpeg_compress_struct c;
    JpegWriteErr e;
    c.err = jpeg_std_error(&e.pub);
    e.pub.error_exit = jpeg_write_on_error_;
    if (setjmp(e.jump)) {
        jpeg_destroy_compress(&c);
        fclose(f);
        return -1;
    }
    jpeg_create_compress(&c);
    jpeg_stdio_dest(&c, f);
    c.image_width = (JDIMENSION)w;
    c.image_height = (JDIMENSION)h;
    c.input_components = channels;
    c.in_color_space = channels == 4 ? JCS_CMYK : channels == 3 ? JCS_RGB : JCS_GRAYSCALE;
    jpeg_set_defaults(&c);
    jpeg_set_quality(&c, quality, TRUE);
    if (progressive) jpeg_simple_progression(&c);
    if (scans) {
        c.scan_info = scans;
        c.num_scans = nscans;
    }
    jpeg_start_compress(&c, TRUE);
    if (app1) jpeg_write_marker(&c, JPEG_APP0 + 1, app1, (unsigned)app1_len);
    while (c.next_scanline < c.image_height) {
        JSAMPROW row = (JSAMPROW)(pix + (size_t)c.next_scanline * (size_t)w * (size_t)channels);
        jpeg_write_scanlines(&c, &row, 1);
    }
    jpeg_finish_compress(&c);
    jpeg_destroy_compress(&c);
    return fclose(f) == 0 ? 0 : -1;
}

static inline int jpeg_write_file(const char *path, const uint8_t *pix, int w, int h, int channels,
                                  int quality, int progressive, const uint8_t *app1, size_t app1_len)
{
    return jpeg_write_scans(path, pix, w, h, channels, quality, progressive, NULL, 0, app1,
                            app1_len);
}

/* The Exif APP1 payload of a camera that records only the Orientation: "Exif\0\0", a TIFF header
 * (big- or little-endian) and IFD0 with one SHORT entry. buf needs 32 bytes; returns the length. */
static inline size_t exif_payload(uint8_t *buf, int orientation, int big_endian)
{
    static const uint8_t be[32] = {'E', 'x', 'i', 'f', 0, 0, 'M', 'M', 0, 42, 0, 0, 0, 8,
                                   0, 1,                       /* one entry */
                                   0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, 0, 0, 0,
                                   0, 0, 0, 0};                /* no next IFD */
    static const uint8_t le[32] = {'E', 'x', 'i', 'f', 0, 0, 'I', 'I', 42, 0, 8, 0, 0, 0,
                                   1, 0,
                                   0x12, 0x01, 3, 0, 1, 0, 0, 0, 0, 0, 0, 0,
                                   0, 0, 0, 0};
    memcpy(buf, big_endian ? be : le, 32);
    if (big_endian) buf[24] = (uint8_t)(orientation >> 8), buf[25] = (uint8_t)orientation;
    else buf[24] = (uint8_t)orientation, buf[25] = (uint8_t)(orientation >> 8);
    return 32;
}

#endif
