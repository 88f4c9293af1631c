/* The strokes drawn again for the network at a pen in proportion to the digit (see restroke.h). */
#include "gui/restroke.h"
#include "engine/preprocess.h"
#include "gui/canvas.h"

#include <stdlib.h>
#include <string.h>

/* The image: the box plus a margin for anti-aliased edges and for ink that a flat eraser cut
 * leaves beyond the fitted box (at most the pen's width, see fit_to_ink). */
enum { MARGIN = 10, SIZE = RESTROKE_BOX + 2 * MARGIN };

/* Canvas point (x, y) goes to (x * s + ox, y * s + oy) in the image. */
typedef struct {
    float s, ox, oy;
} Xform;

static const float PEN = RESTROKE_BOX * RESTROKE_WIDTH / 20.0f;

/* Puts a box of the stroke centre lines (canvas pixels; its longer side len, at least one pixel, so
 * a single dot has a scale) in the middle of the image with its longer side RESTROKE_BOX - PEN: the
 * pen's caps make the ink's side RESTROKE_BOX. */
static Xform fit(float cx, float cy, float len)
{
    float s = (RESTROKE_BOX - PEN) / (len > 1.0f ? len : 1.0f);
    return (Xform){s, SIZE * 0.5f - s * cx, SIZE * 0.5f - s * cy};
}

/* The box of the drawn strokes' points and the widest pen they were drawn with; returns 0 when
 * there are none. */
static int drawn_box(const Strokes *s, float b[4], float *pen)
{
    b[0] = b[1] = 1e30f;
    b[2] = b[3] = -1e30f;
    *pen = 0;
    int any = 0;
    for (int k = 0; k < s->n_strokes; k++) {
        const Stroke *st = &s->stroke[k];
        if (st->erase) continue;
        *pen = st->width > *pen ? st->width : *pen;
        for (int i = st->first; i < st->first + st->n; i++) {
            float x = s->xy[2 * i], y = s->xy[2 * i + 1];
            b[0] = x < b[0] ? x : b[0];
            b[1] = y < b[1] ? y : b[1];
            b[2] = x > b[2] ? x : b[2];
            b[3] = y > b[3] ? y : b[3];
            any = 1;
        }
    }
    return any;
}

/* Every stroke in order, drawn and erased, into img; pen: the canvas pen the strokes were drawn
 * with. On the canvas an eraser wipes a stroke's whole width where its centre line passes within
 * (eraser - pen) / 2 of the eraser's; here the eraser is made (eraser - pen) * s + PEN wide, so it
 * wipes the whole width of exactly those pieces, and where it took only part of a canvas stroke's
 * width it takes part or none of the re-drawn one's: a stroke the canvas still shows is not cut.
 * Points closer than half a pixel to the last one drawn are joined into the next segment: a slow
 * mouse gives a point per canvas pixel and a big digit shrinks three times, so this keeps the cost
 * to the ink's length, not the events'. */
static void render(const Strokes *s, Xform t, float pen, float *img)
{
    memset(img, 0, sizeof(float) * SIZE * SIZE);
    int rect[4];
    for (int k = 0; k < s->n_strokes; k++) {
        const Stroke *st = &s->stroke[k];
        float w = st->erase ? (st->width - pen) * t.s + PEN : PEN;
        if (!st->n || w <= 0) continue;   /* an eraser no wider than the pen wipes no stroke */
        const float *p = s->xy + 2 * st->first;
        float ax = p[0] * t.s + t.ox, ay = p[1] * t.s + t.oy;
        if (st->n == 1) raster_segment(img, SIZE, SIZE, ax, ay, ax, ay, w, st->erase, rect);
        for (int i = 1; i < st->n; i++) {
            float bx = p[2 * i] * t.s + t.ox, by = p[2 * i + 1] * t.s + t.oy;
            float dx = bx - ax, dy = by - ay;
            if (i < st->n - 1 && dx * dx + dy * dy < 0.25f) continue;
            raster_segment(img, SIZE, SIZE, ax, ay, bx, by, w, st->erase, rect);
            ax = bx;
            ay = by;
        }
    }
}

/* The box of the ink preprocess_digit will see; returns 0 when there is none. */
static int ink_box(const float *img, int b[4])
{
    b[0] = b[1] = SIZE;
    b[2] = b[3] = -1;
    for (int y = 0; y < SIZE; y++)
        for (int x = 0; x < SIZE; x++)
            if (img[y * SIZE + x] > PREPROCESS_INK_THRESHOLD) {
                b[0] = x < b[0] ? x : b[0];
                b[1] = y < b[1] ? y : b[1];
                b[2] = x > b[2] ? x : b[2];
                b[3] = y > b[3] ? y : b[3];
            }
    return b[2] >= 0;
}

/* After the eraser took ink off the ends, the ink is smaller than the box and preprocessing would
 * blow the pen up again: the transform that puts the surviving ink's centre in the middle and its
 * centre lines (the ink less the caps) at RESTROKE_BOX - PEN. An end cut flat by the eraser has no
 * cap, so the ink may then exceed the box by up to the pen's width: the margin holds it. */
static Xform fit_to_ink(Xform t, const int b[4])
{
    float w = (float)(b[2] - b[0] + 1), h = (float)(b[3] - b[1] + 1);
    float cx = ((float)(b[0] + b[2] + 1) * 0.5f - t.ox) / t.s;
    float cy = ((float)(b[1] + b[3] + 1) * 0.5f - t.oy) / t.s;
    float side = (w > h ? w : h) - PEN;
    return fit(cx, cy, (side > 1.0f ? side : 1.0f) / t.s);
}

int restroke_input(const Strokes *s, float dst[784])
{
    float b[4], pen;
    if (s->full || !drawn_box(s, b, &pen)) return -1;
    float *img = malloc(sizeof(float) * SIZE * SIZE);
    if (!img) return -1;
    float w = b[2] - b[0], h = b[3] - b[1];
    Xform t = fit((b[0] + b[2]) * 0.5f, (b[1] + b[3]) * 0.5f, w > h ? w : h);
    render(s, t, pen, img);
    int ib[4];
    if (s->n_erase && ink_box(img, ib)) {
        int side = ib[2] - ib[0] > ib[3] - ib[1] ? ib[2] - ib[0] + 1 : ib[3] - ib[1] + 1;
        if (side < RESTROKE_BOX - 3) render(s, fit_to_ink(t, ib), pen, img);
    }
    int rc = preprocess_digit(img, SIZE, SIZE, dst);
    free(img);
    return rc;
}
