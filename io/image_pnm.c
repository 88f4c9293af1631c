/* PGM/PPM (netpbm) reader: P2/P3 plain text, P5/P6 binary; maxval 1..65535 (two big-endian bytes
 * per sample above 255). Header comments ('#' to end of line) are allowed between tokens. */
#include "io/image_formats.h"
#include "io/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

static int is_space(uint8_t c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'; }

/* Skip whitespace and comments, then parse an unsigned decimal at *pos. Returns 0 or -1. */
static int next_uint(const uint8_t *d, size_t len, size_t *pos, unsigned long *out)
{
    size_t p = *pos;
    for (;;) {
        while (p < len && is_space(d[p])) p++;
        if (p < len && d[p] == '#') {
            while (p < len && d[p] != '\n') p++;
            continue;
        }
        break;
    }
    if (p >= len || d[p] < '0' || d[p] > '9') return -1;
    unsigned long v = 0;
    while (p < len && d[p] >= '0' && d[p] <= '9') {
        if (v > 100000000UL) return -1;   /* absurd: no valid header field is this big */
        v = v * 10 + (unsigned long)(d[p] - '0');
        p++;
    }
    *pos = p;
    *out = v;
    return 0;
}

int pnm_read_gray(const uint8_t *d, size_t len, const char *path, GrayImage *img, char *err,
                  size_t errlen)
{
    char kind = (char)d[1];
    int colour = kind == '3' || kind == '6';
    int binary = kind == '5' || kind == '6';
    size_t pos = 2;
    unsigned long w, h, maxval;
    if (next_uint(d, len, &pos, &w) || next_uint(d, len, &pos, &h) || next_uint(d, len, &pos, &maxval))
        return io_fail(err, errlen, "%s: truncated or malformed P%c header (expected width, height, maxval)",
                    path, kind);
    if (w == 0 || h == 0 || w > IMAGE_MAX_SIDE || h > IMAGE_MAX_SIDE || w * h > IMAGE_MAX_PIXELS)
        return io_fail(err, errlen, "%s: unsupported image size %lux%lu", path, w, h);
    if (maxval == 0 || maxval > 65535)
        return io_fail(err, errlen, "%s: maxval %lu out of range (1..65535)", path, maxval);

    size_t n = (size_t)w * h, nsamp = n * (colour ? 3 : 1);
    float *samples = malloc(nsamp * sizeof(float));
    if (!samples) return io_fail(err, errlen, "%s: out of memory", path);
    if (binary) {
        /* Exactly one whitespace byte separates maxval from the raster. */
        if (pos >= len || !is_space(d[pos])) {
            free(samples);
            return io_fail(err, errlen, "%s: malformed P%c header (no whitespace after maxval)", path, kind);
        }
        pos++;
        size_t bps = maxval > 255 ? 2 : 1;
        size_t need = nsamp * bps;
        if (len - pos < need) {
            free(samples);
            return io_fail(err, errlen, "%s: truncated: %lux%lu P%c needs %zu bytes of pixel data, file has %zu",
                        path, w, h, kind, need, len - pos);
        }
        const uint8_t *r = d + pos;
        for (size_t i = 0; i < nsamp; i++) {
            unsigned v = bps == 2 ? (unsigned)r[2 * i] << 8 | r[2 * i + 1] : r[i];
            if (v > maxval) {
                free(samples);
                return io_fail(err, errlen, "%s: sample %zu is %u, above maxval %lu", path, i, v, maxval);
            }
            samples[i] = (float)v / (float)maxval;
        }
    } else {
        for (size_t i = 0; i < nsamp; i++) {
            unsigned long v;
            if (next_uint(d, len, &pos, &v)) {
                free(samples);
                return io_fail(err, errlen, "%s: truncated or malformed P%c data: sample %zu of %zu missing",
                            path, kind, i, nsamp);
            }
            if (v > maxval) {
                free(samples);
                return io_fail(err, errlen, "%s: sample %zu is %lu, above maxval %lu", path, i, v, maxval);
            }
            samples[i] = (float)v / (float)maxval;
        }
    }
    if (colour) {
        for (size_t i = 0; i < n; i++)
            samples[i] = luma601(samples[3 * i], samples[3 * i + 1], samples[3 * i + 2]);
        float *shrunk = realloc(samples, n * sizeof(float));
        if (shrunk) samples = shrunk;
    }
    img->w = (int)w;
    img->h = (int)h;
    img->pix = samples;
    return 0;
}
