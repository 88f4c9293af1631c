/* One step of the window's work after events changed something: predict (input + forward,
 * with the feature maps in the debug view) when the canvas changed, redraw what changed into the
 * pixmap and copy just those parts to the window, and record what the event cost. */
#include "gui/app.h"
#include "common/clock.h"
#include "engine/preprocess.h"

#include <stdio.h>
#include <stdlib.h>

/* Copies a rectangle of the pixmap to the window. */
static void show(Gui *g, int x, int y, int w, int h)
{
    XCopyArea(g->dpy, g->pix, g->win, g->gc, x, y, (unsigned)w, (unsigned)h, x, y);
}

/* The network's input: the strokes drawn again at a pen in proportion to the digit's size
 * (gui/restroke.h), so that a digit drawn small is not a blob once scaled to MNIST's 20 px.
 * The canvas itself when they cannot be: more points than the record holds, or an eraser that
 * wiped the strokes' centre lines but left some edge of the canvas' wider ones. With eraser
 * strokes, a canvas with no ink left is blank whatever the strokes say (several eraser passes can
 * wipe a stroke between them that none wipes alone). Returns 0, or -1 for a blank canvas. */
static int make_input(Gui *g)
{
    float width = g->opt.input_stroke;
    if (width > 0 && g->rec.n_erase && !canvas_has_ink(&g->canvas, PREPROCESS_INK_THRESHOLD))
        return -1;
    if (width > 0 && restroke_input(&g->restroke, &g->rec, width, g->input) == 0) return 0;
    return preprocess_digit(g->canvas.pix, CANVAS_SIZE, CANVAS_SIZE, g->input);
}

/* Make the input and run the network when the canvas changed; the seconds each part took go to
 * *pre and *fwd. Returns whether it predicted. */
static int predict(Gui *g, double *pre, double *fwd)
{
    if (!g->need_predict) return 0;
    double t0 = clock_seconds();
    int digit = make_input(g) == 0 ? 0 : -1;
    double t1 = clock_seconds();
    if (digit == 0)
        digit = infer_run(g->inf, g->input, NULL, g->probs, g->debug ? g->maps1 : NULL,
                          g->debug ? g->maps2 : NULL);
    g->has_pred = digit >= 0;
    g->digit = g->has_pred ? digit : 0;
    g->not_finite = digit == INFER_NOT_FINITE;
    g->maps_valid = g->has_pred && g->debug;
    if (g->not_finite) {   /* the panel shows "!"; the status line says why, until cleared */
        snprintf(g->status, sizeof g->status,
                 "no prediction: the model's output is NaN or infinite (weights too large)");
        g->need_redraw = 1;
    }
    *pre = t1 - t0;
    *fwd = clock_seconds() - t1;
    g->need_predict = 0;
    return 1;
}

static void redraw_all(Gui *g)
{
    int x, y, w, h;
    canvas_take_dirty(&g->canvas, &x, &y, &w, &h);
    panel_background(g);
    panel_canvas(g, 0, 0, CANVAS_SIZE, CANVAS_SIZE);
    panel_prediction(g);
    if (g->debug) panel_debug(g);
    panel_buttons(g);
    panel_status(g);
    show(g, 0, 0, g->w, g->h);
}

/* Only the parts that changed: the canvas' dirty rectangle, the prediction (and the debug view's
 * input and maps) after a prediction, the buttons, the status line. */
static void redraw_changed(Gui *g, int predicted, int status)
{
    int x, y, w, h;
    if (canvas_take_dirty(&g->canvas, &x, &y, &w, &h)) {
        panel_canvas(g, x, y, w, h);
        show(g, L_CANVAS_X + x, L_CANVAS_Y + y, w, h);
    }
    if (predicted) {
        panel_prediction(g);
        show(g, L_PANEL_X, 0, L_PANEL_W, L_BARS_Y + N_CLASSES * L_BAR_ROW);
        if (g->debug) {
            panel_debug(g);
            show(g, 0, L_INPUT_Y - L_TITLE_H, L_PANEL_X, IMG_H * L_INPUT_ZOOM + L_TITLE_H + 2);
            show(g, L_MAPS_X, 0, g->w - L_MAPS_X, L_DEBUG_H - L_STATUS_H - 2);
        }
    }
    if (g->need_redraw) {
        panel_buttons(g);
        show(g, 0, L_BUTTON_Y, L_PANEL_X, L_BUTTON_H);
    }
    if (status) {
        panel_status(g);
        show(g, 0, g->h - L_STATUS_H, g->w, L_STATUS_H);
    }
}

static void record_timing(Gui *g, double total, double pre, double fwd, double cpu)
{
    Timing *t = &g->timing;
    g->last_cost = total;
    if (t->n < (double)(sizeof t->sample / sizeof t->sample[0])) t->sample[(int)t->n] = (float)total;
    t->n++;
    t->sum += total;
    t->cpu += cpu;
    if (total > t->max) t->max = total;
    t->pre += pre;
    t->fwd += fwd;
    t->draw += total - pre - fwd;
}

void update(Gui *g)
{
    double t0 = clock_seconds(), c0 = clock_cpu_seconds(), pre = 0, fwd = 0;
    if (g->shm_pending) {   /* the server must have read the shared scratch before we redraw it */
        XSync(g->dpy, False);
        g->shm_pending = 0;
    }
    int predicted = predict(g, &pre, &fwd);
    /* the status line shows the cost of the last event: a few times a second is enough */
    int status = g->need_full || g->need_redraw || t0 - g->status_time > 0.25;
    if (g->need_full) redraw_all(g);
    else redraw_changed(g, predicted, status);
    if (status) g->status_time = t0;
    g->need_full = g->need_redraw = 0;
    if (g->opt.timing) XSync(g->dpy, False);   /* count the X server's share of the work */
    else XFlush(g->dpy);
    if (predicted) record_timing(g, clock_seconds() - t0, pre, fwd, clock_cpu_seconds() - c0);
}

static int cmp_float(const void *a, const void *b)
{
    float x = *(const float *)a, y = *(const float *)b;
    return (x > y) - (x < y);
}

int gui_timing_summary(const Gui *g, char *buf, size_t len)
{
    const Timing *t = &g->timing;
    if (t->n <= 0) return -1;
    enum { N_SAMPLES = sizeof t->sample / sizeof t->sample[0] };
    int ns = t->n < N_SAMPLES ? (int)t->n : N_SAMPLES;
    float sorted[N_SAMPLES];
    for (int i = 0; i < ns; i++) sorted[i] = t->sample[i];
    qsort(sorted, (size_t)ns, sizeof sorted[0], cmp_float);
    snprintf(buf, len,
             "per-event cost over %.0f events (%s view): median %.3f ms, mean %.3f ms, max %.3f "
             "ms (this process's CPU: %.3f ms); mean parts: input %.3f + forward%s %.3f + "
             "redraw and X server %.3f ms",
             t->n, g->debug ? "debug" : "normal", 1e3 * sorted[ns / 2], 1e3 * t->sum / t->n,
             1e3 * t->max, 1e3 * t->cpu / t->n, 1e3 * t->pre / t->n, g->debug ? " with maps" : "",
             1e3 * t->fwd / t->n, 1e3 * t->draw / t->n);
    return 0;
}
