/* Checks on picture files the tests share: a PNG's size from its header, an SVG's root element
 * and size. Plain C, no libraries, so the test does not trust the code under test. */
#ifndef MNIST_TESTS_PICTURE_CHECK_H
#define MNIST_TESTS_PICTURE_CHECK_H

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

__attribute__((unused)) static int exists(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0;
}

__attribute__((unused)) static char *slurp(const char *p, size_t *len)
{
    FILE *f = fopen(p, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    rewind(f);
    char *b = malloc((size_t)n + 1);
    if (b && fread(b, 1, (size_t)n, f) != (size_t)n) {
        free(b);
        b = NULL;
    }
    if (b) b[n] = 0;
    if (len) *len = (size_t)n;
    fclose(f);
    return b;
}

/* 1 if p is a PNG (signature, then an IHDR chunk first) of w x h pixels. */
__attribute__((unused)) static int png_ok(const char *p, int w, int h)
{
    size_t n;
    unsigned char *b = (unsigned char *)slurp(p, &n);
    int ok = 0;
    static const unsigned char sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    if (b && n > 33 && !memcmp(b, sig, 8) && !memcmp(b + 12, "IHDR", 4)) {
        uint32_t pw = (uint32_t)b[16] << 24 | (uint32_t)b[17] << 16 | (uint32_t)b[18] << 8 | b[19];
        uint32_t ph = (uint32_t)b[20] << 24 | (uint32_t)b[21] << 16 | (uint32_t)b[22] << 8 | b[23];
        ok = (int)pw == w && (int)ph == h;
        if (!ok) printf("# %s: %ux%u, expected %dx%d\n", p, pw, ph, w, h);
    } else {
        printf("# %s: not a PNG\n", p);
    }
    free(b);
    return ok;
}

/* Value of attribute name in the tag starting at tag (up to its '>'), as a number. */
static double attr_num(const char *tag, const char *name)
{
    const char *end = strchr(tag, '>');
    char key[64];
    snprintf(key, sizeof key, " %s=\"", name);
    const char *a = strstr(tag, key);
    if (!a || (end && a > end)) return NAN;
    return strtod(a + strlen(key), NULL);
}

/* 1 if p is an XML file whose root element is <svg> with width w and height h (in pt) and which
 * ends with </svg>. (The shell test parses a real run's SVG with a full XML parser.) */
__attribute__((unused)) static int svg_ok(const char *p, int w, int h)
{
    char *b = slurp(p, NULL);
    int ok = 0;
    if (b) {
        const char *t = b;
        /* skip the XML declaration, processing instructions, comments and doctype */
        while ((t = strchr(t, '<')) && (t[1] == '?' || t[1] == '!')) t++;
        const char *tail = b + strlen(b);
        while (tail > b && (tail[-1] == '\n' || tail[-1] == ' ')) tail--;
        if (t && !strncmp(t, "<svg", 4) && (t[4] == ' ' || t[4] == '\n') && tail - b > 6 &&
            !strncmp(tail - 6, "</svg>", 6)) {
            double sw = attr_num(t, "width"), sh = attr_num(t, "height");
            ok = sw == w && sh == h;
            if (!ok) printf("# %s: <svg> is %gx%g, expected %dx%d\n", p, sw, sh, w, h);
        } else {
            printf("# %s: no <svg> root element\n", p);
        }
    } else {
        printf("# %s: cannot read\n", p);
    }
    free(b);
    return ok;
}

#endif
