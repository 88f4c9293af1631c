/* image_load over every PNG colour type and bit depth that matters, PGM/PPM in both encodings,
 * and the failures: not an image, truncated PNG and PNM, bad headers. image_save_png round trips. */
#include "io/image.h"
#include "tests/check.h"
#include "tests/io/image_error.h"
#include "tests/tmpdir.h"

#include <png.h>
#include <string.h>

/* 4x2 test pattern: gray levels 0, 85, 170, 255 / 255, 170, 85, 0 */
static const uint8_t pattern[8] = {0, 85, 170, 255, 255, 170, 85, 0};

/* Writes a PNG whose rows are already in the target format (rows of rowbytes each). */
static int write_png(const char *path, int w, int h, int color_type, int depth, const uint8_t *data,
                     size_t rowbytes, const png_color *palette, int npal)
{
    FILE *f = fopen(path, "wb");
    if (!f) return -1;
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
    png_infop info = png_create_info_struct(png);
    if (setjmp(png_jmpbuf(png))) {
        png_destroy_write_struct(&png, &info);
        fclose(f);
        return -1;
    }
    png_init_io(png, f);
    png_set_IHDR(png, info, (png_uint_32)w, (png_uint_32)h, depth, color_type, PNG_INTERLACE_NONE,
                 PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    if (palette) png_set_PLTE(png, info, palette, npal);
    png_write_info(png, info);
    for (int y = 0; y < h; y++) png_write_row(png, data + (size_t)y * rowbytes);
    png_write_end(png, NULL);
    png_destroy_write_struct(&png, &info);
    return fclose(f);
}

/* Loads path and compares with expected[w*h] within tol. */
static void expect_image(const char *path, int w, int h, const float *expected, float tol)
{
    GrayImage img;
    char err[512] = "";
    CHECK(image_load(path, &img, err, sizeof err) == 0, "%s", err);
    CHECK(img.w == w && img.h == h, "%s is %dx%d, expected %dx%d", path, img.w, img.h, w, h);
    if (img.pix && img.w == w && img.h == h)
        for (int i = 0; i < w * h; i++)
            CHECK(fabsf(img.pix[i] - expected[i]) <= tol, "%s pixel %d = %g, expected %g", path, i,
                  (double)img.pix[i], (double)expected[i]);
    image_free(&img);
    CHECK(img.pix == NULL, "image_free leaves pixels");
}

static float pattern_f[8];

static void png_gray8(void)
{
    write_png(tmp_path("g8.png"), 4, 2, PNG_COLOR_TYPE_GRAY, 8, pattern, 4, NULL, 0);
    expect_image(tmp_path("g8.png"), 4, 2, pattern_f, 1e-6f);
}

static void png_gray16(void)
{
    uint8_t d[16];
    float want[8];
    for (int i = 0; i < 8; i++) {
        unsigned v = (unsigned)i * 9000 + 1;   /* not a multiple of 257: 8-bit reduction would show */
        d[2 * i] = (uint8_t)(v >> 8);
        d[2 * i + 1] = (uint8_t)v;
        want[i] = (float)v / 65535.0f;
    }
    write_png(tmp_path("g16.png"), 4, 2, PNG_COLOR_TYPE_GRAY, 16, d, 8, NULL, 0);
    expect_image(tmp_path("g16.png"), 4, 2, want, 1e-6f);
}

static void png_gray1(void)
{
    /* 1-bit: 8 pixels in one byte per row, 10110000 */
    const uint8_t d[2] = {0xb0, 0x0f};
    const float want[8] = {1, 0, 1, 1, 0, 0, 0, 0};
    const float want2[8] = {0, 0, 0, 0, 1, 1, 1, 1};
    float w16[16];
    memcpy(w16, want, sizeof want);
    memcpy(w16 + 8, want2, sizeof want2);
    write_png(tmp_path("g1.png"), 8, 2, PNG_COLOR_TYPE_GRAY, 1, d, 1, NULL, 0);
    expect_image(tmp_path("g1.png"), 8, 2, w16, 1e-6f);
}

static void png_rgb(void)
{
    /* pure red, green, blue, white; second row black, gray 128, yellow, cyan */
    const uint8_t d[24] = {255, 0, 0, 0, 255, 0, 0, 0, 255, 255, 255, 255,
                           0, 0, 0, 128, 128, 128, 255, 255, 0, 0, 255, 255};
    const float want[8] = {0.299f, 0.587f, 0.114f, 1.0f, 0.0f, 128.0f / 255, 0.886f, 0.701f};
    write_png(tmp_path("rgb.png"), 4, 2, PNG_COLOR_TYPE_RGB, 8, d, 12, NULL, 0);
    expect_image(tmp_path("rgb.png"), 4, 2, want, 1e-5f);
}

static void png_rgba(void)
{
    /* black opaque, black transparent (-> white), black half (-> ~0.5), red opaque */
    const uint8_t d[16] = {0, 0, 0, 255, 0, 0, 0, 0, 0, 0, 0, 128, 255, 0, 0, 255};
    const float want[4] = {0.0f, 1.0f, 1.0f - 128.0f / 255, 0.299f};
    write_png(tmp_path("rgba.png"), 4, 1, PNG_COLOR_TYPE_RGBA, 8, d, 16, NULL, 0);
    expect_image(tmp_path("rgba.png"), 4, 1, want, 1e-5f);
}

static void png_gray_alpha_and_palette(void)
{
    const uint8_t ga[4] = {0, 255, 0, 0};  /* black opaque, black transparent */
    const float want_ga[2] = {0.0f, 1.0f};
    write_png(tmp_path("ga.png"), 2, 1, PNG_COLOR_TYPE_GRAY_ALPHA, 8, ga, 4, NULL, 0);
    expect_image(tmp_path("ga.png"), 2, 1, want_ga, 1e-6f);
    const png_color pal[3] = {{0, 0, 0}, {255, 255, 255}, {0, 0, 255}};
    const uint8_t idx[3] = {2, 1, 0};
    const float want_p[3] = {0.114f, 1.0f, 0.0f};
    write_png(tmp_path("pal.png"), 3, 1, PNG_COLOR_TYPE_PALETTE, 8, idx, 3, pal, 3);
    expect_image(tmp_path("pal.png"), 3, 1, want_p, 1e-5f);
}

static void pgm_plain_and_raw(void)
{
    const char *p2 = "P2\n# a comment\n4 2\n255\n0 85 170 255\n255 170 85 0\n";
    tmp_write(tmp_path("a.pgm"), p2, strlen(p2));
    expect_image(tmp_path("a.pgm"), 4, 2, pattern_f, 1e-6f);
    uint8_t p5[64];
    int n = snprintf((char *)p5, sizeof p5, "P5 4 2 255\n");
    memcpy(p5 + n, pattern, 8);
    tmp_write(tmp_path("b.pgm"), p5, (size_t)n + 8);
    expect_image(tmp_path("b.pgm"), 4, 2, pattern_f, 1e-6f);
    /* 16-bit raw: big-endian samples, maxval 1000 */
    n = snprintf((char *)p5, sizeof p5, "P5\n2 1\n1000\n");
    p5[n] = 0x03, p5[n + 1] = 0xe8, p5[n + 2] = 0x01, p5[n + 3] = 0xf4;   /* 1000, 500 */
    tmp_write(tmp_path("c.pgm"), p5, (size_t)n + 4);
    expect_image(tmp_path("c.pgm"), 2, 1, (const float[]){1.0f, 0.5f}, 1e-6f);
    /* the extension does not matter */
    tmp_write(tmp_path("really-a-pgm.png"), p2, strlen(p2));
    expect_image(tmp_path("really-a-pgm.png"), 4, 2, pattern_f, 1e-6f);
}

static void ppm_plain_and_raw(void)
{
    const char *p3 = "P3 2 1 15\n15 0 0  0 0 15\n";
    tmp_write(tmp_path("a.ppm"), p3, strlen(p3));
    expect_image(tmp_path("a.ppm"), 2, 1, (const float[]){0.299f, 0.114f}, 1e-5f);
    const uint8_t p6[] = {'P', '6', ' ', '1', ' ', '1', ' ', '2', '5', '5', '\n', 0, 255, 0};
    tmp_write(tmp_path("b.ppm"), p6, sizeof p6);
    expect_image(tmp_path("b.ppm"), 1, 1, (const float[]){0.587f}, 1e-5f);
}

static void not_an_image(void)
{
    tmp_write(tmp_path("x.txt"), "hello world\n", 12);
    expect_error(tmp_path("x.txt"), "not a PNG, JPEG or PGM/PPM image");
    tmp_write(tmp_path("empty"), "", 0);
    expect_error(tmp_path("empty"), "not a PNG, JPEG or PGM/PPM image");
    expect_error(tmp_path("missing.png"), "cannot open");
    tmp_write(tmp_path("bits.pbm"), "P1 1 1 1\n", 9);
    expect_error(tmp_path("bits.pbm"), "not supported");
}

static void truncated_png(void)
{
    uint8_t big[64 * 64];
    for (int i = 0; i < 64 * 64; i++) big[i] = (uint8_t)(i * 31 + (i >> 6));
    write_png(tmp_path("full.png"), 64, 64, PNG_COLOR_TYPE_GRAY, 8, big, 64, NULL, 0);
    size_t len = 0;
    uint8_t *b = tmp_read(tmp_path("full.png"), &len);
    CHECK(b && len > 200, "fixture");
    if (!b) return;
    tmp_write(tmp_path("half.png"), b, len / 2);
    expect_error(tmp_path("half.png"), "corrupt or truncated PNG");
    tmp_write(tmp_path("sig.png"), b, 8);   /* signature only */
    expect_error(tmp_path("sig.png"), "corrupt or truncated PNG");
    b[40] ^= 0x55;                           /* damage the IDAT stream */
    b[41] ^= 0xff;
    tmp_write(tmp_path("bad.png"), b, len);
    expect_error(tmp_path("bad.png"), "corrupt or truncated PNG");
    free(b);
}

static void bad_pnm(void)
{
    const uint8_t p5[] = {'P', '5', ' ', '4', ' ', '4', ' ', '2', '5', '5', '\n', 1, 2, 3};
    tmp_write(tmp_path("short.pgm"), p5, sizeof p5);
    expect_error(tmp_path("short.pgm"), "needs 16 bytes of pixel data, file has 3");
    tmp_write(tmp_path("hdr.pgm"), "P2 4\n", 5);
    expect_error(tmp_path("hdr.pgm"), "malformed P2 header");
    tmp_write(tmp_path("max.pgm"), "P2 1 1 70000 5\n", 15);
    expect_error(tmp_path("max.pgm"), "maxval 70000");
    tmp_write(tmp_path("over.pgm"), "P2 2 1 10 5 11\n", 15);
    expect_error(tmp_path("over.pgm"), "above maxval");
    tmp_write(tmp_path("few.pgm"), "P2 2 2 10 5 1 2\n", 16);
    expect_error(tmp_path("few.pgm"), "sample 3 of 4 missing");
    tmp_write(tmp_path("zero.pgm"), "P2 0 2 10\n", 10);
    expect_error(tmp_path("zero.pgm"), "unsupported image size 0x2");
}

static void save_png_roundtrip(void)
{
    char err[512] = "";
    CHECK(image_save_png(tmp_path("out.png"), pattern, 4, 2, 1, err, sizeof err) == 0, "%s", err);
    expect_image(tmp_path("out.png"), 4, 2, pattern_f, 1e-6f);
    const uint8_t rgb[6] = {255, 0, 0, 255, 255, 255};
    CHECK(image_save_png(tmp_path("rgbout.png"), rgb, 2, 1, 3, err, sizeof err) == 0, "%s", err);
    expect_image(tmp_path("rgbout.png"), 2, 1, (const float[]){0.299f, 1.0f}, 1e-5f);
    /* overwriting replaces the file */
    CHECK(image_save_png(tmp_path("out.png"), rgb, 2, 1, 3, err, sizeof err) == 0, "%s", err);
    expect_image(tmp_path("out.png"), 2, 1, (const float[]){0.299f, 1.0f}, 1e-5f);
    /* failures: bad channel count, missing directory; no temporary files left */
    CHECK(image_save_png(tmp_path("x.png"), rgb, 2, 1, 2, err, sizeof err) == -1, "2 channels accepted");
    CHECK(image_save_png(tmp_path("nodir/x.png"), rgb, 2, 1, 3, err, sizeof err) == -1, "saved into a missing dir");
    CHECK(strstr(err, "nodir/x.png") != NULL, "message: %s", err);
    CHECK(tmp_count(tmp_dir_, ".tmp-") == 0, "temporary files left behind");
}

int main(void)
{
    tmp_setup("image");
    for (int i = 0; i < 8; i++) pattern_f[i] = pattern[i] / 255.0f;
    RUN(png_gray8);
    RUN(png_gray16);
    RUN(png_gray1);
    RUN(png_rgb);
    RUN(png_rgba);
    RUN(png_gray_alpha_and_palette);
    RUN(pgm_plain_and_raw);
    RUN(ppm_plain_and_raw);
    RUN(not_an_image);
    RUN(truncated_png);
    RUN(bad_pnm);
    RUN(save_png_roundtrip);
    tmp_cleanup();
    return check_done();
}
