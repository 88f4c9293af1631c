/* The network's input drawn again from the strokes (gui/restroke.h), without a display or a
 * model: the same digit at any size and with any pen gives the same input, its strokes as wide as
 * MNIST's, the eraser wipes what it wiped on the canvas, and the cases that fall back to the
 * canvas say so. The old way (the canvas straight into preprocess_digit) is checked alongside to
 * show what it did to a small digit. */
#include "engine/preprocess.h"
#include "gui/canvas.h"
#include "gui/gui.h"
#include "gui/restroke.h"
#include "tests/check.h"

#include <string.h>

static Strokes rec;
static Canvas canvas;
static Restroke rs;
static const float W = GUI_INPUT_STROKE;   /* the window's stroke width in the input */

/* A 3 in a unit box, as control points of one stroke. */
static const float THREE[][2] = {
    {0.10f, 0.15f}, {0.30f, 0.03f}, {0.55f, 0.00f}, {0.80f, 0.10f}, {0.85f, 0.28f},
    {0.70f, 0.42f}, {0.40f, 0.48f}, {0.75f, 0.56f}, {0.90f, 0.75f}, {0.80f, 0.93f},
    {0.50f, 1.00f}, {0.20f, 0.95f}, {0.05f, 0.85f},
};
enum { N_THREE = sizeof THREE / sizeof THREE[0] };

/* A stroke of n points (x, y) into the record and the canvas, as the pen does it. */
static void stroke(const float *xy, int n, float width, int erase)
{
    strokes_begin(&rec, xy[0], xy[1], width, erase);
    canvas_segment(&canvas, xy[0], xy[1], xy[0], xy[1], width, erase);
    for (int i = 1; i < n; i++) {
        strokes_add(&rec, xy[2 * i], xy[2 * i + 1]);
        canvas_segment(&canvas, xy[2 * i - 2], xy[2 * i - 1], xy[2 * i], xy[2 * i + 1], width,
                       erase);
    }
}

static void line(float ax, float ay, float bx, float by, float width, int erase)
{
    const float xy[4] = {ax, ay, bx, by};
    stroke(xy, 2, width, erase);
}

static void start(void)
{
    strokes_clear(&rec);
    canvas_clear(&canvas);
}

/* The points of the 3, h canvas pixels tall, its box centred at (cx, cy), a point every ~3
 * canvas pixels, into xy; returns how many. */
static int three_points(float h, float cx, float cy, float *xy)
{
    int n = 0;
    for (int k = 0; k + 1 < N_THREE; k++) {
        float ax = THREE[k][0], ay = THREE[k][1], bx = THREE[k + 1][0], by = THREE[k + 1][1];
        int steps = 1 + (int)(h * sqrtf((bx - ax) * (bx - ax) + (by - ay) * (by - ay)) / 3.0f);
        for (int i = 0; i < steps; i++) {
            float t = (float)i / (float)steps;
            xy[2 * n] = cx + (ax + t * (bx - ax) - 0.5f) * h;
            xy[2 * n + 1] = cy + (ay + t * (by - ay) - 0.5f) * h;
            n++;
        }
    }
    xy[2 * n] = cx + (THREE[N_THREE - 1][0] - 0.5f) * h;
    xy[2 * n + 1] = cy + (THREE[N_THREE - 1][1] - 0.5f) * h;
    return n + 1;
}

static void draw_three(float h, float cx, float cy, float width)
{
    static float xy[2 * 4096];
    stroke(xy, three_points(h, cx, cy, xy), width, 0);
}

static float mass(const float *v)
{
    float m = 0;
    for (int i = 0; i < IMG_PIXELS; i++) m += v[i];
    return m;
}

static float max_diff(const float *a, const float *b)
{
    float d = 0;
    for (int i = 0; i < IMG_PIXELS; i++) d = fabsf(a[i] - b[i]) > d ? fabsf(a[i] - b[i]) : d;
    return d;
}

/* A square ring, side canvas pixels a side, centred at (140, 140). */
static void ring(float side, float width)
{
    float a = 140 - side / 2, b = 140 + side / 2;
    const float xy[10] = {a, a, b, a, b, b, a, b, a, a};
    stroke(xy, 5, width, 0);
}

/* The stroke width of a ring in the input: its ink over its centre line's length, which is
 * 4 (20 - w) once the ink's side is scaled to 20 px (rounded corners make it a little less). */
static float ring_width(const float *v, float w)
{
    return mass(v) / (4 * (20 - w));
}

/* The same 3 drawn 36, 70 and 220 px tall gives the same input; through the canvas the small
 * ones carry two to three times the ink (the 22 px pen scaled with the digit). */
static void same_input_at_any_size(void)
{
    static const float heights[] = {36, 70, 220};
    float in[3][IMG_PIXELS], old[3][IMG_PIXELS];
    for (int i = 0; i < 3; i++) {
        start();
        draw_three(heights[i], 140, 140, CANVAS_PEN_WIDTH);
        CHECK(restroke_input(&rs, &rec, W, in[i]) == 0, "height %g: no input", heights[i]);
        CHECK(preprocess_digit(canvas.pix, CANVAS_SIZE, CANVAS_SIZE, old[i]) == 0, "canvas");
    }
    for (int i = 0; i < 2; i++) {
        CHECK(max_diff(in[i], in[2]) < 0.1f, "%g px tall vs 220: differ by %.3f", heights[i],
              max_diff(in[i], in[2]));
        CHECK_CLOSE(mass(in[i]), mass(in[2]), 0, 0.02);
        CHECK(mass(old[i]) > 1.5f * mass(old[2]), "the canvas' %g px 3 has ink %.0f, the 220 "
              "px one %.0f: no longer a blob?", heights[i], mass(old[i]), mass(old[2]));
    }
}

/* A ring's strokes are as wide in the input as asked, whatever its size and pen; through the
 * canvas a 30 px ring's are ~7 px (22 px of 52 scaled to 20). */
static void strokes_as_wide_as_asked(void)
{
    static const float sides[] = {30, 70, 200}, pens[] = {8, CANVAS_PEN_WIDTH, 30};
    static const float widths[] = {1.5f, W, RESTROKE_MAX_WIDTH};
    float in[IMG_PIXELS];
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++)
            for (int k = 0; k < 3; k++) {
                start();
                ring(sides[i], pens[j]);
                CHECK(restroke_input(&rs, &rec, widths[k], in) == 0, "no input");
                float got = ring_width(in, widths[k]);
                CHECK(fabsf(got - widths[k]) < 0.08f * widths[k],
                      "ring of %g px, pen %g: strokes %.2f px wide, not %g", sides[i], pens[j],
                      got, widths[k]);
            }
    start();
    ring(30, CANVAS_PEN_WIDTH);
    CHECK(preprocess_digit(canvas.pix, CANVAS_SIZE, CANVAS_SIZE, in) == 0, "canvas");
    float w = 22.0f * 20 / 52;
    CHECK(ring_width(in, w) > 6, "the canvas' 30 px ring has strokes %.1f px wide",
          ring_width(in, w));
}

/* The pen the user drew with does not change what the network is given. */
static void pen_width_does_not_matter(void)
{
    float a[IMG_PIXELS], b[IMG_PIXELS];
    start();
    draw_three(120, 100, 150, 8);
    CHECK(restroke_input(&rs, &rec, W, a) == 0, "no input");
    start();
    draw_three(120, 100, 150, 30);
    CHECK(restroke_input(&rs, &rec, W, b) == 0, "no input");
    CHECK(!memcmp(a, b, sizeof a), "pens 8 and 30 give different inputs");
}

/* An eraser pass along a stray line takes it away and the digit is scaled as if it had never
 * been there; one beside a line that takes only part of the canvas stroke's width (its centre line
 * out of reach) does not cut it; one across its middle does. */
static void eraser_wipes_what_it_wiped_on_the_canvas(void)
{
    float alone[IMG_PIXELS], in[IMG_PIXELS];
    start();
    draw_three(150, 140, 120, CANVAS_PEN_WIDTH);
    CHECK(restroke_input(&rs, &rec, W, alone) == 0, "no input");
    line(20, 260, 260, 262, CANVAS_PEN_WIDTH, 0);
    line(10, 261, 270, 261, CANVAS_ERASER_WIDTH, 1);
    CHECK(restroke_input(&rs, &rec, W, in) == 0, "no input");
    CHECK(max_diff(in, alone) < 0.2f, "stray line erased: differs by %.3f", max_diff(in, alone));
    CHECK_CLOSE(mass(in), mass(alone), 0, 0.02);

    /* a short line, where the eraser is far wider than the re-drawn pen */
    start();
    line(140, 120, 140, 160, CANVAS_PEN_WIDTH, 0);
    CHECK(restroke_input(&rs, &rec, W, alone) == 0, "no input");
    line(140 + 15, 100, 140 + 15, 180, CANVAS_ERASER_WIDTH, 1);   /* reach is (44 - 22) / 2 = 11 */
    CHECK(canvas_has_ink(&canvas, PREPROCESS_INK_THRESHOLD), "the canvas keeps an edge");
    CHECK(restroke_input(&rs, &rec, W, in) == 0, "no input");
    for (int y = 0; y < IMG_H; y++) {
        float was = 0, now = 0;
        for (int x = 0; x < IMG_W; x++) {
            was += alone[y * IMG_W + x];
            now += in[y * IMG_W + x];
        }
        CHECK(was < 1 || now > 0.2f, "row %d: the line is cut (%.2f of ink, was %.2f)", y, now,
              was);
    }

    line(100, 140, 180, 140, CANVAS_ERASER_WIDTH, 1);
    CHECK(restroke_input(&rs, &rec, W, in) == 0, "no input");
    float middle = 0;
    for (int x = 0; x < IMG_W; x++) middle += in[14 * 28 + x];
    CHECK(middle < 0.05f, "the cut line still has %.2f of ink in its middle row", middle);
}

/* What the record gives drawn from scratch is what rs gave. */
static void check_as_from_scratch(const float *in, const char *when)
{
    static Restroke fresh;
    float want[IMG_PIXELS];
    fresh = (Restroke){0};
    CHECK(restroke_input(&fresh, &rec, W, want) == 0, "no input");
    CHECK(max_diff(in, want) < 0.1f, "%s: point by point and all at once differ by %.3f", when,
          max_diff(in, want));
    CHECK_CLOSE(mass(in), mass(want), 0, 0.02);
}

/* Drawn as the window does it, a point per event with an input after each (only the new points
 * drawn while the box stays), the input is the one drawn from scratch: after a clear, a stroke
 * inside the box, one that grows it, an eraser. */
static void one_point_at_a_time(void)
{
    static float xy[2 * 4096];
    float in[IMG_PIXELS];
    start();
    line(100, 100, 101, 100, CANVAS_PEN_WIDTH, 0);   /* cleared below */
    CHECK(restroke_input(&rs, &rec, W, in) == 0, "no input");
    start();
    int n = three_points(120, 140, 140, xy);
    for (int i = 0; i < n; i++) {
        if (i) strokes_add(&rec, xy[2 * i], xy[2 * i + 1]);
        else strokes_begin(&rec, xy[0], xy[1], CANVAS_PEN_WIDTH, 0);
        CHECK(restroke_input(&rs, &rec, W, in) == 0, "point %d: no input", i);
    }
    check_as_from_scratch(in, "a 3");
    strokes_begin(&rec, 110, 140, CANVAS_PEN_WIDTH, 0);
    for (int i = 1; i <= 20; i++) {   /* a bar inside the box */
        strokes_add(&rec, 110 + 3 * (float)i, 140);
        CHECK(restroke_input(&rs, &rec, W, in) == 0, "bar %d: no input", i);
    }
    check_as_from_scratch(in, "a bar inside");
    strokes_begin(&rec, 120, 150, CANVAS_PEN_WIDTH, 0);
    for (int i = 1; i <= 30; i++) {   /* a tail below the 3: the box grows */
        strokes_add(&rec, 120 + i, 150 + 2.5f * (float)i);
        CHECK(restroke_input(&rs, &rec, W, in) == 0, "tail %d: no input", i);
    }
    check_as_from_scratch(in, "a tail");
    strokes_begin(&rec, 140, 180, CANVAS_ERASER_WIDTH, 1);   /* erase the tail's end */
    for (int i = 1; i <= 20; i++) {
        strokes_add(&rec, 140 + (float)i, 180 + 2 * (float)i);
        CHECK(restroke_input(&rs, &rec, W, in) == 0, "eraser %d: no input", i);
    }
    check_as_from_scratch(in, "an eraser");
}

static void everything_erased(void)
{
    float in[IMG_PIXELS];
    start();
    line(140, 60, 140, 220, CANVAS_PEN_WIDTH, 0);
    line(140, 20, 140, 260, CANVAS_ERASER_WIDTH, 1);
    CHECK(restroke_input(&rs, &rec, W, in) == -1, "a wiped digit still gives an input");
    CHECK(!canvas_has_ink(&canvas, PREPROCESS_INK_THRESHOLD), "the canvas keeps ink");
}

/* A click is a dot: an input, finite, with ink. */
static void a_dot(void)
{
    float in[IMG_PIXELS];
    start();
    const float xy[2] = {100, 100};
    stroke(xy, 1, CANVAS_PEN_WIDTH, 0);
    CHECK(restroke_input(&rs, &rec, W, in) == 0, "no input");
    float m = mass(in);
    CHECK(isfinite(m) && m > 1, "ink %g", m);
}

/* More points than the record holds: it says so (the window then reads the canvas) until
 * cleared. */
static void a_full_record_falls_back(void)
{
    float in[IMG_PIXELS];
    start();
    strokes_begin(&rec, 10, 10, CANVAS_PEN_WIDTH, 0);
    for (int i = 1; i <= STROKES_MAX_POINTS; i++) strokes_add(&rec, 10 + (float)(i % 200), 10);
    CHECK(rec.full, "not full after %d points", STROKES_MAX_POINTS + 1);
    CHECK(restroke_input(&rs, &rec, W, in) == -1, "an incomplete record gives an input");
    start();
    line(140, 60, 140, 220, CANVAS_PEN_WIDTH, 0);
    CHECK(!rec.full && restroke_input(&rs, &rec, W, in) == 0, "clear does not reset the record");
}

int main(void)
{
    RUN(same_input_at_any_size);
    RUN(strokes_as_wide_as_asked);
    RUN(pen_width_does_not_matter);
    RUN(eraser_wipes_what_it_wiped_on_the_canvas);
    RUN(one_point_at_a_time);
    RUN(everything_erased);
    RUN(a_dot);
    RUN(a_full_record_falls_back);
    return check_done();
}
