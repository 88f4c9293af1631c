/* PNG read and write through libpng's classic API. libpng reports errors by calling our handler,
 * which longjmps back here; warnings are dropped (library code never prints). Everything that
 * must be freed after a longjmp is kept in volatile locals or the context struct. */
#include "io/image_formats.h"
#include "io/atomic_file.h"
#include "io/error.h"

#include <errno.h>
#include <fcntl.h>
#include <png.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct {
    char msg[200];
} PngCtx;

static void on_error(png_structp png, png_const_charp msg)
{
    PngCtx *ctx = png_get_error_ptr(png);
    snprintf(ctx->msg, sizeof ctx->msg, "%s", msg);
    png_longjmp(png, 1);
}

static void on_warning(png_structp png, png_const_charp msg) { (void)png, (void)msg; }

/* One pixel of a row (8- or 16-bit samples, 1..4 channels after png_set_expand) as gray 0..1. */
static float pixel_gray(const png_byte *row, size_t x, int ch, int depth)
{
    float s[4];
    for (int c = 0; c < ch; c++) {
        size_t i = x * (size_t)ch + (size_t)c;
        s[c] = depth == 16 ? (float)((unsigned)row[2 * i] << 8 | row[2 * i + 1]) / 65535.0f
                           : (float)row[i] / 255.0f;
    }
    switch (ch) {
    case 1: return s[0];
    case 2: return s[0] * s[1] + (1.0f - s[1]);                      /* gray + alpha over white */
    case 3: return luma601(s[0], s[1], s[2]);
    default: return luma601(s[0], s[1], s[2]) * s[3] + (1.0f - s[3]); /* RGBA over white */
    }
}

int png_read_gray(FILE *f, const char *path, GrayImage *img, char *err, size_t errlen)
{
    PngCtx ctx = {""};
    png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &ctx, on_error, on_warning);
    if (!png) return io_fail(err, errlen, "%s: out of memory", path);
    png_infop info = png_create_info_struct(png);
    png_byte *volatile raw = NULL;
    png_bytep *volatile rows = NULL;
    float *volatile pix = NULL;
    if (!info || setjmp(png_jmpbuf(png))) {
        png_destroy_read_struct(&png, info ? &info : NULL, NULL);
        free(raw);
        free(rows);
        free(pix);
        return io_fail(err, errlen, "%s: corrupt or truncated PNG: %s", path, ctx.msg[0] ? ctx.msg : "out of memory");
    }
    png_init_io(png, f);
    png_set_user_limits(png, IMAGE_MAX_SIDE, IMAGE_MAX_SIDE);
    png_read_info(png, info);
    png_uint_32 w = png_get_image_width(png, info), h = png_get_image_height(png, info);
    if ((size_t)w * h > IMAGE_MAX_PIXELS) png_error(png, "image too large");
    /* Palette -> RGB, gray below 8 bits -> 8 bits, tRNS chunk -> alpha channel. */
    png_set_expand(png);
    png_set_interlace_handling(png);
    png_read_update_info(png, info);
    int ch = png_get_channels(png, info), depth = png_get_bit_depth(png, info);
    size_t rowbytes = png_get_rowbytes(png, info);
    raw = malloc(rowbytes * h);
    rows = malloc(h * sizeof *rows);
    pix = malloc((size_t)w * h * sizeof(float));
    if (!raw || !rows || !pix) png_error(png, "out of memory");
    for (png_uint_32 y = 0; y < h; y++) rows[y] = raw + y * rowbytes;
    png_read_image(png, rows);
    png_read_end(png, NULL);
    for (png_uint_32 y = 0; y < h; y++)
        for (png_uint_32 x = 0; x < w; x++) pix[(size_t)y * w + x] = pixel_gray(rows[y], x, ch, depth);
    png_destroy_read_struct(&png, &info, NULL);
    free(raw);
    free(rows);
    img->w = (int)w;
    img->h = (int)h;
    img->pix = pix;
    return 0;
}

/* Encode into an open stream; 0 or -1 with the libpng message in ctx. */
static int png_encode(FILE *f, const uint8_t *pixels, int w, int h, int channels,
                      const char *software, PngCtx *ctx)
{
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, ctx, on_error, on_warning);
    if (!png) {
        snprintf(ctx->msg, sizeof ctx->msg, "out of memory");
        return -1;
    }
    png_infop info = png_create_info_struct(png);
    if (!info || setjmp(png_jmpbuf(png))) {
        png_destroy_write_struct(&png, info ? &info : NULL);
        if (!ctx->msg[0]) snprintf(ctx->msg, sizeof ctx->msg, "out of memory");
        return -1;
    }
    png_init_io(png, f);
    png_set_IHDR(png, info, (png_uint_32)w, (png_uint_32)h, 8,
                 channels == 1 ? PNG_COLOR_TYPE_GRAY : PNG_COLOR_TYPE_RGB, PNG_INTERLACE_NONE,
                 PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    if (software) {
        png_text t = {.compression = PNG_TEXT_COMPRESSION_NONE, .key = "Software",
                      .text = (char *)software};
        png_set_text(png, info, &t, 1);
    }
    png_write_info(png, info);
    for (int y = 0; y < h; y++) png_write_row(png, pixels + (size_t)y * (size_t)w * (size_t)channels);
    png_write_end(png, NULL);
    png_destroy_write_struct(&png, &info);
    return 0;
}

typedef struct {
    const uint8_t *pixels;
    int w, h, channels;
    const char *software;   /* the Software tag, or NULL */
} PngImage;

/* Encodes the image into the temporary file (through a stream on a duplicate of its descriptor:
 * atomic_write closes the original). */
static int fill_png(int fd, const char *tmp_path, const char *path, void *ctx, char *err,
                    size_t errlen)
{
    const PngImage *im = ctx;
    int fd2 = dup(fd);
    FILE *f = fd2 >= 0 ? fdopen(fd2, "wb") : NULL;
    if (!f) {
        if (fd2 >= 0) close(fd2);
        return io_fail(err, errlen, "%s: cannot open %s: %s", path, tmp_path, strerror(errno));
    }
    PngCtx pc = {""};
    int rc = png_encode(f, im->pixels, im->w, im->h, im->channels, im->software, &pc);
    if (rc) io_fail(err, errlen, "%s: cannot encode PNG: %s", path, pc.msg);
    if (fclose(f) != 0 && rc == 0)
        rc = io_fail(err, errlen, "%s: cannot write %s: %s", path, tmp_path, strerror(errno));
    return rc;
}

int image_save_png(const char *path, const uint8_t *pixels, int w, int h, int channels, char *err,
                   size_t errlen)
{
    return image_save_png_by(path, pixels, w, h, channels, NULL, err, errlen);
}

int image_save_png_by(const char *path, const uint8_t *pixels, int w, int h, int channels,
                      const char *software, char *err, size_t errlen)
{
    if (!pixels || w <= 0 || h <= 0 || w > IMAGE_MAX_SIDE || h > IMAGE_MAX_SIDE ||
        (channels != 1 && channels != 3))
        return io_fail(err, errlen, "%s: cannot write a %dx%d image with %d channels (need 1 or 3)",
                       path, w, h, channels);
    PngImage im = {pixels, w, h, channels, software};
    return atomic_write(path, fill_png, &im, err, errlen);
}

static uint32_t be32_at(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

int image_png_written_by(const char *path, const char *software)
{
    /* the tag is written right after the header: the first few chunks are enough to look at */
    static const unsigned char sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    unsigned char b[4096];
    struct stat st;
    if (lstat(path, &st) || !S_ISREG(st.st_mode)) return 0;
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) return 0;
    ssize_t n = read(fd, b, sizeof b);
    close(fd);
    if (n < 8 || memcmp(b, sig, 8) != 0) return 0;
    size_t want = strlen("Software") + 1 + strlen(software);
    for (size_t at = 8; at + 8 <= (size_t)n;) {
        uint32_t len = be32_at(b + at);
        const unsigned char *type = b + at + 4, *data = b + at + 8;
        if (!memcmp(type, "IDAT", 4) || len > (size_t)n - at - 8) return 0;
        if (!memcmp(type, "tEXt", 4) && len == want && !memcmp(data, "Software", 9) &&
            !memcmp(data + 9, software, want - 9))
            return 1;
        at += 12 + (size_t)len;   /* length, type, data, CRC */
    }
    return 0;
}
