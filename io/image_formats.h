/* Per-format readers behind image_load (internal to io/). Each fills img->w, h, pix (malloc'ed)
 * or returns -1 with a message naming path. */
#ifndef MNIST_IO_IMAGE_FORMATS_H
#define MNIST_IO_IMAGE_FORMATS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "io/image.h"

/* Largest image accepted (pixels): far above any drawing, small enough to never exhaust memory. */
enum { IMAGE_MAX_PIXELS = 1 << 26, IMAGE_MAX_SIDE = 1 << 16 };

int png_read_gray(FILE *f, const char *path, GrayImage *img, char *err, size_t errlen);
/* data[0..len) is the whole file, starting with "P2", "P3", "P5" or "P6". */
int pnm_read_gray(const uint8_t *data, size_t len, const char *path, GrayImage *img, char *err,
                  size_t errlen);

/* data[0..len) is the whole file, starting with FF D8 FF. Turned upright by its Exif Orientation. */
int jpeg_read_gray(const uint8_t *data, size_t len, const char *path, GrayImage *img, char *err,
                   size_t errlen);

/* Exif (io/image_exif.c). exif_is_app1: the APP1 segment's payload seg[0..len) is Exif.
 * exif_orientation: its Orientation tag, 1-8 (1 when the payload is not Exif or records none);
 * -1 with the reason in why for a malformed one. image_orient: turns img upright for orientation
 * (1-8; others leave it as it is); -1 when out of memory (img unchanged). */
int exif_is_app1(const uint8_t *seg, size_t len);
int exif_orientation(const uint8_t *seg, size_t len, int *orientation, char *why, size_t whylen);
int image_orient(GrayImage *img, int orientation);

/* Luma of gamma-encoded r, g, b in 0..1 (Rec. 601, as PIL's convert("L")). */
static inline float luma601(float r, float g, float b) { return 0.299f * r + 0.587f * g + 0.114f * b; }

#endif
