/* The Exif Orientation tag of a JPEG, and turning the decoded pixels upright by it.
 *
 * Hand-parsed rather than through libexif: we need one tag of IFD0 (0x0112), which is a header,
 * one offset and a table of 12-byte entries; walking that with every offset checked against the
 * segment's length is shorter than the code to set up libexif, adds no dependency to a reader
 * that fuzzing covers, and does not take on libexif's history of out-of-bounds reads in parts
 * (maker notes, thumbnails) we never need. Nothing past IFD0 is followed.
 *
 * Layout (Exif 2.32, TIFF 6.0): "Exif\0\0", then the TIFF header: "II" (little-endian) or "MM"
 * (big-endian), 42, the offset of IFD0 from the start of the TIFF header; IFD0 is a 2-byte entry
 * count and that many entries of tag (2), type (2), count (4), value or offset (4). */
#include "io/image_formats.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { TAG_ORIENTATION = 0x0112, TYPE_SHORT = 3 };

static unsigned rd16(const uint8_t *p, int big)
{
    return big ? (unsigned)p[0] << 8 | p[1] : (unsigned)p[1] << 8 | p[0];
}

static uint32_t rd32(const uint8_t *p, int big)
{
    return big ? (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]
               : (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}

int exif_is_app1(const uint8_t *seg, size_t len)
{
    return len >= 6 && memcmp(seg, "Exif\0\0", 6) == 0;
}

int exif_orientation(const uint8_t *seg, size_t len, int *orientation, char *why, size_t whylen)
{
    *orientation = 1;
    if (!exif_is_app1(seg, len)) return 0;   /* not Exif (XMP, ...): nothing recorded */
    const uint8_t *t = seg + 6;
    size_t n = len - 6;
    if (n < 8) {
        snprintf(why, whylen, "Exif segment of %zu bytes is too short for a TIFF header", len);
        return -1;
    }
    int big;
    if (t[0] == 'I' && t[1] == 'I') big = 0;
    else if (t[0] == 'M' && t[1] == 'M') big = 1;
    else {
        snprintf(why, whylen, "Exif byte order is neither II nor MM");
        return -1;
    }
    if (rd16(t + 2, big) != 42) {
        snprintf(why, whylen, "Exif TIFF header lacks the number 42");
        return -1;
    }
    uint32_t ifd = rd32(t + 4, big);
    if (ifd < 8 || ifd > n - 2) {
        snprintf(why, whylen, "Exif IFD0 offset %lu lies outside the segment's %zu bytes",
                 (unsigned long)ifd, n);
        return -1;
    }
    unsigned count = rd16(t + ifd, big);
    if ((size_t)count * 12 > n - ifd - 2) {
        snprintf(why, whylen, "Exif IFD0 claims %u entries, more than its segment holds", count);
        return -1;
    }
    for (unsigned i = 0; i < count; i++) {
        const uint8_t *e = t + ifd + 2 + (size_t)i * 12;
        if (rd16(e, big) != TAG_ORIENTATION) continue;
        unsigned type = rd16(e + 2, big);
        uint32_t cnt = rd32(e + 4, big);
        if (type != TYPE_SHORT || cnt != 1) {
            snprintf(why, whylen, "Exif Orientation has type %u and count %lu, expected one SHORT",
                     type, (unsigned long)cnt);
            return -1;
        }
        unsigned v = rd16(e + 8, big);   /* a SHORT sits in the first two bytes of the field */
        /* 0 is what Android writes for "undefined": the pixels are stored upright. */
        if (v > 8) {
            snprintf(why, whylen, "Exif Orientation is %u, not one of 1-8", v);
            return -1;
        }
        *orientation = v == 0 ? 1 : (int)v;
        return 0;
    }
    return 0;
}

/* Source pixel of display pixel (x, y) for a stored image sw x sh (Exif 2.32, table of tag
 * 0x0112: e.g. 6 = "the 0th row is the visual right-hand side, the 0th column the visual top",
 * i.e. the stored picture is shown turned 90 degrees clockwise). */
static size_t source_index(int o, int x, int y, int sw, int sh)
{
    int sx, sy;
    switch (o) {
    case 2: sx = sw - 1 - x, sy = y; break;
    case 3: sx = sw - 1 - x, sy = sh - 1 - y; break;
    case 4: sx = x, sy = sh - 1 - y; break;
    case 5: sx = y, sy = x; break;
    case 6: sx = y, sy = sh - 1 - x; break;
    case 7: sx = sw - 1 - y, sy = sh - 1 - x; break;
    case 8: sx = sw - 1 - y, sy = x; break;
    default: sx = x, sy = y; break;
    }
    return (size_t)sy * (size_t)sw + (size_t)sx;
}

int image_orient(GrayImage *img, int orientation)
{
    if (orientation <= 1 || orientation > 8) return 0;
    int sw = img->w, sh = img->h;
    int dw = orientation >= 5 ? sh : sw, dh = orientation >= 5 ? sw : sh;
    float *out = malloc((size_t)sw * (size_t)sh * sizeof(float));
    if (!out) return -1;
    for (int y = 0; y < dh; y++)
        for (int x = 0; x < dw; x++)
            out[(size_t)y * (size_t)dw + (size_t)x] = img->pix[source_index(orientation, x, y, sw, sh)];
    free(img->pix);
    img->pix = out;
    img->w = dw;
    img->h = dh;
    return 0;
}
