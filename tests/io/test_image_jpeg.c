/* image_load on JPEGs: gray, colour (luma), progressive; the Exif Orientation tag (all eight
 * values, both byte orders, checked against pictures written out by hand from the Exif table);
 * and what must be refused with a message naming the file: truncated files, a frame header
 * claiming a huge picture, malformed or lying Exif data, CMYK, a flood of progressive scans. */
#include "io/image.h"
#include "tests/check.h"
#include "tests/io/image_error.h"
#include "tests/jpeg_write.h"
#include "tests/tmpdir.h"

#include <stdlib.h>
#include <string.h>

/* A 3x2 picture of 16x16 blocks (flat blocks survive JPEG at quality 100 nearly exactly):
 *   a b c
 *   d e f   with gray levels a..f = 0, 50, 100, 150, 200, 250. */
enum { B = 16 };
static const int levels[6] = {0, 50, 100, 150, 200, 250};

static uint8_t *blocks(int bw, int bh, const int *lv)
{
    uint8_t *p = malloc((size_t)bw * bh * B * B);
    for (int y = 0; y < bh * B; y++)
        for (int x = 0; x < bw * B; x++) p[(size_t)y * bw * B + x] = (uint8_t)lv[(y / B) * bw + x / B];
    return p;
}

/* The loaded image must be bw x bh blocks whose centres hold want[] (levels 0..255) within tol. */
static void expect_blocks(const char *path, int bw, int bh, const int *want, float tol)
{
    GrayImage img;
    char err[512] = "";
    CHECK(image_load(path, &img, err, sizeof err) == 0, "%s", err);
    CHECK(img.w == bw * B && img.h == bh * B, "%s is %dx%d, expected %dx%d", path, img.w, img.h, bw * B,
          bh * B);
    if (img.pix && img.w == bw * B && img.h == bh * B)
        for (int by = 0; by < bh; by++)
            for (int bx = 0; bx < bw; bx++) {
                float v = img.pix[(size_t)(by * B + B / 2) * img.w + bx * B + B / 2];
                float e = want[by * bw + bx] / 255.0f;
                CHECK(fabsf(v - e) <= tol, "%s block (%d,%d) = %.3f, expected %.3f", path, bx, by,
                      (double)v, (double)e);
            }
    image_free(&img);
}

static void gray_baseline_and_progressive(void)
{
    uint8_t *p = blocks(3, 2, levels);
    CHECK(jpeg_write_file(tmp_path("g.jpg"), p, 3 * B, 2 * B, 1, 100, 0, NULL, 0) == 0, "write");
    expect_blocks(tmp_path("g.jpg"), 3, 2, levels, 2.5f / 255);
    CHECK(jpeg_write_file(tmp_path("gp.jpg"), p, 3 * B, 2 * B, 1, 100, 1, NULL, 0) == 0, "write");
    expect_blocks(tmp_path("gp.jpg"), 3, 2, levels, 2.5f / 255);
    /* the name does not matter, the bytes do */
    CHECK(jpeg_write_file(tmp_path("really-a-jpeg.png"), p, 3 * B, 2 * B, 1, 100, 0, NULL, 0) == 0, "write");
    expect_blocks(tmp_path("really-a-jpeg.png"), 3, 2, levels, 2.5f / 255);
    free(p);
}

static void colour_to_luma(void)
{
    /* red, green, blue / white, black, yellow as 16x16 blocks */
    static const uint8_t col[6][3] = {{255, 0, 0}, {0, 255, 0}, {0, 0, 255}, {255, 255, 255}, {0, 0, 0}, {255, 255, 0}};
    uint8_t *p = malloc(3 * B * 2 * B * 3);
    for (int y = 0; y < 2 * B; y++)
        for (int x = 0; x < 3 * B; x++) memcpy(p + ((size_t)y * 3 * B + x) * 3, col[(y / B) * 3 + x / B], 3);
    CHECK(jpeg_write_file(tmp_path("rgb.jpg"), p, 3 * B, 2 * B, 3, 100, 0, NULL, 0) == 0, "write");
    /* Rec. 601: 0.299, 0.587, 0.114 */
    const int want[6] = {76, 150, 29, 255, 0, 226};
    expect_blocks(tmp_path("rgb.jpg"), 3, 2, want, 4.0f / 255);
    free(p);
}

/* The eight orientations: what a viewer shows for the stored blocks  a b c / d e f, written out
 * from the Exif table (row 0 / column 0 of the stored picture is the visual top/right/... side). */
static void orientations(void)
{
    enum { A = 0, Bv = 50, C = 100, D = 150, E = 200, F = 250 };
    static const struct {
        int o, w, h;
        int want[6];
    } t[] = {
        {1, 3, 2, {A, Bv, C, D, E, F}},
        {2, 3, 2, {C, Bv, A, F, E, D}},   /* mirrored left-right */
        {3, 3, 2, {F, E, D, C, Bv, A}},   /* turned 180 degrees */
        {4, 3, 2, {D, E, F, A, Bv, C}},   /* mirrored top-bottom */
        {5, 2, 3, {A, D, Bv, E, C, F}},   /* transposed */
        {6, 2, 3, {D, A, E, Bv, F, C}},   /* turned 90 degrees clockwise (phone held upright) */
        {7, 2, 3, {F, C, E, Bv, D, A}},   /* transverse */
        {8, 2, 3, {C, F, Bv, E, A, D}},   /* turned 90 degrees anticlockwise */
    };
    uint8_t *p = blocks(3, 2, levels);
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
        for (int big = 0; big < 2; big++) {
            uint8_t exif[32];
            size_t n = exif_payload(exif, t[i].o, big);
            char name[64];
            snprintf(name, sizeof name, "o%d%s.jpg", t[i].o, big ? "mm" : "ii");
            CHECK(jpeg_write_file(tmp_path(name), p, 3 * B, 2 * B, 1, 100, 0, exif, n) == 0, "write");
            expect_blocks(tmp_path(name), t[i].w, t[i].h, t[i].want, 2.5f / 255);
        }
    /* 0 is Android's "undefined": stored upright. An APP1 that is not Exif (XMP) is ignored. */
    uint8_t exif[32];
    size_t n = exif_payload(exif, 0, 1);
    jpeg_write_file(tmp_path("o0.jpg"), p, 3 * B, 2 * B, 1, 100, 0, exif, n);
    expect_blocks(tmp_path("o0.jpg"), 3, 2, levels, 2.5f / 255);
    static const uint8_t xmp[] = "http://ns.adobe.com/xap/1.0/\0<x:xmpmeta/>";
    jpeg_write_file(tmp_path("xmp.jpg"), p, 3 * B, 2 * B, 1, 100, 0, xmp, sizeof xmp);
    expect_blocks(tmp_path("xmp.jpg"), 3, 2, levels, 2.5f / 255);
    free(p);
}

/* Exif that lies: each must be refused, not read past its segment or guessed. */
static void lying_exif(void)
{
    uint8_t *p = blocks(3, 2, levels);
    static const struct {
        const char *name;
        int at, value;   /* byte of the 32-byte big-endian payload to overwrite */
        size_t len;      /* payload length kept */
        const char *needle;
    } t[] = {
        {"ifd-far.jpg", 13, 200, 32, "IFD0 offset 200 lies outside the segment's 26 bytes"},
        {"ifd-edge.jpg", 13, 25, 32, "IFD0 offset 25 lies outside"},
        {"count.jpg", 15, 9, 32, "IFD0 claims 9 entries"},
        {"cut.jpg", 0, 'E', 20, "IFD0 claims 1 entries"},
        {"short.jpg", 0, 'E', 12, "too short for a TIFF header"},
        {"order.jpg", 6, 'X', 32, "byte order is neither II nor MM"},
        {"magic.jpg", 9, 43, 32, "lacks the number 42"},
        {"nine.jpg", 25, 9, 32, "Orientation is 9, not one of 1-8"},
        {"type.jpg", 19, 4, 32, "Orientation has type 4 and count 1"},
        {"many.jpg", 23, 2, 32, "Orientation has type 3 and count 2"},
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        uint8_t exif[32];
        exif_payload(exif, 6, 1);
        exif[t[i].at] = (uint8_t)t[i].value;
        CHECK(jpeg_write_file(tmp_path(t[i].name), p, 3 * B, 2 * B, 1, 90, 0, exif, t[i].len) == 0, "write");
        expect_error(tmp_path(t[i].name), t[i].needle);
    }
    free(p);
}

/* A valid 64x64 JPEG in memory. */
static uint8_t *sample_jpeg(size_t *len, int progressive)
{
    uint8_t px[64 * 64];
    for (int i = 0; i < 64 * 64; i++) px[i] = (uint8_t)(i * 7 + (i >> 6) * 13);
    jpeg_write_file(tmp_path("sample.jpg"), px, 64, 64, 1, 90, progressive, NULL, 0);
    return tmp_read(tmp_path("sample.jpg"), len);
}

static void truncated(void)
{
    for (int prog = 0; prog < 2; prog++) {
        size_t len = 0;
        uint8_t *b = sample_jpeg(&len, prog);
        CHECK(b && len > 400, "fixture");
        if (!b) return;
        tmp_write(tmp_path("half.jpg"), b, len / 2);
        expect_error(tmp_path("half.jpg"), "corrupt or truncated JPEG: Premature end of JPEG file");
        tmp_write(tmp_path("noeoi.jpg"), b, len - 2);   /* all but the end-of-image marker */
        expect_error(tmp_path("noeoi.jpg"), "corrupt or truncated JPEG");
        tmp_write(tmp_path("head.jpg"), b, 3);          /* the magic bytes only */
        expect_error(tmp_path("head.jpg"), "corrupt or truncated JPEG");
        free(b);
    }
}

/* Offset of the frame header's height field (SOF0 or SOF2 marker + 5), or 0. */
static size_t sof_size_at(const uint8_t *b, size_t len)
{
    for (size_t i = 2; i + 9 < len; i++)
        if (b[i] == 0xff && (b[i + 1] == 0xc0 || b[i + 1] == 0xc2)) return i + 5;
    return 0;
}

static void lying_size(void)
{
    size_t len = 0;
    uint8_t *b = sample_jpeg(&len, 1);
    size_t at = b ? sof_size_at(b, len) : 0;
    CHECK(at, "no frame header in the fixture");
    if (!at) {
        free(b);
        return;
    }
    /* 65535 x 65535 and 64 x 65535: over libjpeg's own limit (65500 per side), called too large
     * with the limit, not "corrupt or truncated"; 40000 x 40000: each side fits, the total does
     * not. All must be refused from the header, before any pixel memory is asked for. */
    b[at] = b[at + 1] = b[at + 2] = b[at + 3] = 0xff;
    tmp_write(tmp_path("huge.jpg"), b, len);
    expect_error(tmp_path("huge.jpg"),
                 "image too large (65535x65535 pixels; a JPEG may have at most 65500 per side)");
    b[at] = 0, b[at + 1] = 64;   /* height 64, width 65535 */
    tmp_write(tmp_path("wide.jpg"), b, len);
    expect_error(tmp_path("wide.jpg"), "image too large (65535x64 pixels; a JPEG may have at most");
    char err[512] = "";
    GrayImage img;
    CHECK(image_load(tmp_path("wide.jpg"), &img, err, sizeof err) == -1 && !strstr(err, "corrupt"),
          "a picture too wide called damaged: %s", err);
    b[at] = b[at + 2] = 40000 >> 8;
    b[at + 1] = b[at + 3] = 40000 & 255;
    tmp_write(tmp_path("big.jpg"), b, len);
    expect_error(tmp_path("big.jpg"), "image too large (40000x40000 pixels");
    /* 1000 x 1000 claimed by a file holding 64 x 64 worth of data: truncated, not gray filler */
    b[at] = b[at + 2] = 1000 >> 8;
    b[at + 1] = b[at + 3] = 1000 & 255;
    tmp_write(tmp_path("claims.jpg"), b, len);
    expect_error(tmp_path("claims.jpg"), "corrupt or truncated JPEG");
    free(b);
}

static void cmyk_refused(void)
{
    uint8_t px[16 * 16 * 4];
    memset(px, 40, sizeof px);
    CHECK(jpeg_write_file(tmp_path("cmyk.jpg"), px, 16, 16, 4, 90, 0, NULL, 0) == 0, "write");
    expect_error(tmp_path("cmyk.jpg"), "CMYK JPEGs are not supported");
}

/* A valid progressive file of 631 scans (each AC coefficient on its own, bit by bit): over the
 * limit of 500, refused quickly rather than decoded. */
static void too_many_scans(void)
{
    static jpeg_scan_info s[1 + 63 * 10];
    int n = 0;
    s[n++] = (jpeg_scan_info){1, {0}, 0, 0, 0, 0};
    for (int k = 1; k <= 63; k++) {
        s[n++] = (jpeg_scan_info){1, {0}, k, k, 0, 9};
        for (int al = 8; al >= 0; al--) s[n++] = (jpeg_scan_info){1, {0}, k, k, al + 1, al};
    }
    uint8_t px[16 * 16];
    for (int i = 0; i < 256; i++) px[i] = (uint8_t)(i * 37);
    CHECK(jpeg_write_scans(tmp_path("scans.jpg"), px, 16, 16, 1, 95, 0, s, n, NULL, 0) == 0, "write");
    expect_error(tmp_path("scans.jpg"), "more than 500 progressive scans");
}

int main(void)
{
    tmp_setup("jpeg");
    RUN(gray_baseline_and_progressive);
    RUN(colour_to_luma);
    RUN(orientations);
    RUN(lying_exif);
    RUN(truncated);
    RUN(lying_size);
    RUN(cmyk_refused);
    RUN(too_many_scans);
    tmp_cleanup();
    return check_done();
}
