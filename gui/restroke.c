/* The strokes drawn again for the network at a pen in proportion to the digit (see restroke.h). */
#include "gui/restroke.h"
#include "engine/preprocess.h"
#include "gui/canvas.h"

#include <string.h>

typedef RestrokeXform Xform;
enum { SIZE = RESTROKE_SIZE };

/* Puts a box of the stroke centre lines (canvas pixels; its longer side len, at least one pixel, so
 * a single dot has a scale) in the middle of the image with its longer side RESTROKE_BOX - pen: the
 * pen's caps make the ink's side RESTROKE_BOX. */
static Xform fit(float pen, float cx, float cy, float len)
{
    float s = (RESTROKE_BOX - pen) / (len > 1.0f ? len : 1.0f);
    return (Xform){s, SIZE * 0.5f - s * cx, SIZE * 0.5f - s * cy};
}

static int same(Xform a, Xform b) { return a.s == b.s && a.ox == b.ox && a.oy == b.oy; }

/* The record from point i0 of stroke k0 on, drawn over r->img with r->t; r->lx, r->ly is the last
 * point drawn of stroke k0 when i0 > 0. On the canvas an eraser wipes a stroke's whole width where
 * its centre line passes within (eraser - pen) / 2 of the eraser's; here the eraser is made
 * (eraser - pen) * s + r->pen wide, so it wipes the whole width of exactly those pieces, and
 * where it took only part of a canvas stroke's width it takes part or none of the re-drawn one's:
 * a stroke the canvas still shows is not cut. Points closer than a pixel to the last one drawn are joined
 * into the next segment: a slow mouse gives a point per canvas pixel and a big digit shrinks
 * three times, so drawing everything again costs the ink's length, not the events'. */
static void draw_from(Restroke *r, const Strokes *s, int k0, int i0)
{
    Xform t = r->t;
    int rect[4];
    for (int k = k0; k < s->n_strokes; k++) {
        const Stroke *st = &s->stroke[k];
        float w = st->erase ? (st->width - s->pen) * t.s + r->pen : r->pen;
        int i = k == k0 ? i0 : 0;
        r->stroke = k;
        r->point = st->n;
        if (w <= 0 || i >= st->n) continue;   /* an eraser no wider than the pen wipes no stroke */
        const float *p = s->xy + 2 * st->first;
        float ax = r->lx, ay = r->ly;
        if (i == 0) {   /* pen down: a dot, as on the canvas */
            ax = p[0] * t.s + t.ox;
            ay = p[1] * t.s + t.oy;
            raster_segment(r->img, SIZE, SIZE, ax, ay, ax, ay, w, st->erase, rect);
            i = 1;
        }
        for (; i < st->n; i++) {
            float bx = p[2 * i] * t.s + t.ox, by = p[2 * i + 1] * t.s + t.oy;
            float dx = bx - ax, dy = by - ay;
            if (i < st->n - 1 && dx * dx + dy * dy < 1.0f) continue;
            raster_segment(r->img, SIZE, SIZE, ax, ay, bx, by, w, st->erase, rect);
            ax = bx;
            ay = by;
        }
        r->lx = ax;
        r->ly = ay;
    }
}

static void draw_all(Restroke *r, const Strokes *s)
{
    memset(r->img, 0, sizeof r->img);
    draw_from(r, s, 0, 0);
}

/* The box of the ink preprocess_digit will see; returns its longer side, 0 when there is none. */
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
    if (b[2] < 0) return 0;
    return b[2] - b[0] > b[3] - b[1] ? b[2] - b[0] + 1 : b[3] - b[1] + 1;
}

/* The transform that puts the surviving ink's centre in the middle and its centre lines (the ink
 * less the caps) at RESTROKE_BOX - pen. An end cut flat by the eraser has no cap, so the ink may
 * then exceed the box by up to the pen's width: the margin holds it. */
static Xform fit_to_ink(float pen, Xform t, const int b[4], int side)
{
    float cx = ((float)(b[0] + b[2] + 1) * 0.5f - t.ox) / t.s;
    float cy = ((float)(b[1] + b[3] + 1) * 0.5f - t.oy) / t.s;
    float len = (float)side - pen;
    return fit(pen, cx, cy, (len > 1.0f ? len : 1.0f) / t.s);
}

/* After the eraser took ink off the ends, the ink is smaller than the box and preprocessing would
 * blow the pen up again: fit the box to the surviving ink and draw again. Strokes drawn since
 * that may outgrow it (beyond what a flat cut explains): start again from the drawn box. */
static void refit(Restroke *r, const Strokes *s)
{
    int b[4], side = ink_box(r->img, b);
    if (!side) return;
    if (side > RESTROKE_BOX + r->pen + 3 && !same(r->t, r->fitted)) {
        r->t = r->fitted;
        draw_all(r, s);
        if (!(side = ink_box(r->img, b))) return;
    }
    if (side < RESTROKE_BOX - 3) {
        r->t = fit_to_ink(r->pen, r->t, b, side);
        draw_all(r, s);
    }
}

int restroke_input(Restroke *r, const Strokes *s, float width, float dst[IMG_PIXELS])
{
    if (s->full || !s->n_drawn || !(width > 0 && width <= RESTROKE_MAX_WIDTH)) {
        r->valid = 0;
        return -1;
    }
    float pen = RESTROKE_BOX * width / (float)DIGIT_BOX;
    const float *b = s->box;
    float w = b[2] - b[0], h = b[3] - b[1];
    Xform fitted = fit(pen, (b[0] + b[2]) * 0.5f, (b[1] + b[3]) * 0.5f, w > h ? w : h);
    if (!r->valid || r->clears != s->clears || r->pen != pen || !same(fitted, r->fitted)) {
        r->valid = 1;
        r->pen = pen;
        r->clears = s->clears;
        r->fitted = r->t = fitted;
        draw_all(r, s);
    } else {
        draw_from(r, s, r->stroke, r->point);
    }
    if (s->n_erase) refit(r, s);
    return preprocess_digit(r->img, SIZE, SIZE, dst);
}
