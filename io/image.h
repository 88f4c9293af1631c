/* Images in and out: PNG through libpng, JPEG through libjpeg(-turbo) (turned upright by its Exif
 * Orientation tag, as a phone camera records it), PGM/PPM (P2, P5, P3, P6; maxval up to 65535)
 * parsed by hand. The format is detected from the magic bytes, never from the file name. Colour
 * is reduced to gray with Rec. 601 luma on the stored values (as PIL's convert("L")); alpha is
 * composited over white. Functions return 0, or -1 with a message naming the file in err;
 * nothing prints. */
#ifndef MNIST_IO_IMAGE_H
#define MNIST_IO_IMAGE_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    int w, h;
    float *pix;   /* w*h gray values 0..1, row-major, 1.0 = white */
} GrayImage;

int image_load(const char *path, GrayImage *img, char *err, size_t errlen);
void image_free(GrayImage *img);

/* Writes pixels (h rows of w*channels bytes; channels 1 = gray, 3 = RGB) as an 8-bit PNG via a
 * temporary file renamed over path, so path never holds a half-written image. */
int image_save_png(const char *path, const uint8_t *pixels, int w, int h, int channels, char *err,
                   size_t errlen);
/* The same with a tEXt chunk Software = software before the pixels, by which a later run can tell
 * the pictures it writes from anyone else's files (image_png_written_by). */
int image_save_png_by(const char *path, const uint8_t *pixels, int w, int h, int channels,
                      const char *software, char *err, size_t errlen);
/* Whether path is a regular file holding a PNG whose Software tag, ahead of its pixels, is
 * software. 0 for anything else: missing, unreadable, another program's, not a PNG. */
int image_png_written_by(const char *path, const char *software);

#endif
