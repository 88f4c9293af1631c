/* Drawing the window's parts into the off-screen pixmap: canvas, buttons, prediction and bars,
 * the debug view (input, feature maps, training curves) and the status line. Nothing here
 * touches the window itself; gui/window.c copies the pixmap over. */
#include "gui/app.h"
#include "gui/colours.h"

#ifdef MNIST_HAVE_XSHM
#include <X11/extensions/XShm.h>
#endif
#include <math.h>
#include <stdio.h>
#include <string.h>

/* A colour as the X server wants it: 0xRRGGBB itself on the TrueColor visual gui_open checked. */
static unsigned long gui_rgb(unsigned rgb) { return rgb; }

static void fill(Gui *g, unsigned rgb, int x, int y, int w, int h)
{
    XSetForeground(g->dpy, g->gc, gui_rgb(rgb));
    XFillRectangle(g->dpy, g->pix, g->gc, x, y, (unsigned)w, (unsigned)h);
}

static void frame(Gui *g, unsigned rgb, int x, int y, int w, int h)
{
    XSetForeground(g->dpy, g->gc, gui_rgb(rgb));
    XDrawRectangle(g->dpy, g->pix, g->gc, x, y, (unsigned)w - 1, (unsigned)h - 1);
}

static void label(Gui *g, FontId f, int x, int y, unsigned rgb, const char *s)
{
    text_draw(g->text, f, x, y, rgb, s);
}

void panel_background(Gui *g)
{
    fill(g, COL_BG, 0, 0, g->w, g->h);
    frame(g, COL_FRAME, L_CANVAS_X - 1, L_CANVAS_Y - 1, CANVAS_SIZE + 2, CANVAS_SIZE + 2);
}

static uint32_t gray_px(float v)
{
    int b = (int)(v * 255.0f + 0.5f);
    b = b < 0 ? 0 : b > 255 ? 255 : b;
    return (uint32_t)(b << 16 | b << 8 | b);
}

/* The first pixel of a band of the scratch image. */
static uint32_t *band(Gui *g, int row) { return g->scratch_px + (size_t)row * L_SCRATCH_W; }

/* Copies the top-left w x h of a band of the scratch image to (x, y) of the pixmap. */
static void put_scratch(Gui *g, int row, int x, int y, int w, int h)
{
#ifdef MNIST_HAVE_XSHM
    if (g->shm) {
        XShmPutImage(g->dpy, g->pix, g->gc, g->scratch, 0, row, x, y, (unsigned)w, (unsigned)h,
                     False);
        g->shm_pending = 1;
        return;
    }
#endif
    XPutImage(g->dpy, g->pix, g->gc, g->scratch, 0, row, x, y, (unsigned)w, (unsigned)h);
}

void panel_canvas(Gui *g, int x, int y, int w, int h)
{
    for (int r = 0; r < h; r++) {
        const float *src = g->canvas.pix + (size_t)(y + r) * CANVAS_SIZE + x;
        uint32_t *dst = band(g, R_CANVAS) + (size_t)r * L_SCRATCH_W;
        for (int c = 0; c < w; c++) dst[c] = gray_px(src[c]);
    }
    put_scratch(g, R_CANVAS, L_CANVAS_X + x, L_CANVAS_Y + y, w, h);
}

int panel_button_at(int x, int y)
{
    if (y < L_BUTTON_Y || y >= L_BUTTON_Y + L_BUTTON_H || x < L_CANVAS_X) return -1;
    int i = (x - L_CANVAS_X) / (L_BUTTON_W + L_BUTTON_GAP);
    int in = (x - L_CANVAS_X) % (L_BUTTON_W + L_BUTTON_GAP) < L_BUTTON_W;
    return i < n_buttons && in ? i : -1;
}

void panel_buttons(Gui *g)
{
    for (int i = 0; i < n_buttons; i++) {
        const ButtonBinding *b = &button_bindings[i];
        int x = L_CANVAS_X + i * (L_BUTTON_W + L_BUTTON_GAP);
        unsigned bg = g->pressed_button == i ? COL_BUTTON_DOWN
                      : b->lit && b->lit(g) ? COL_BUTTON_ON : COL_BUTTON;
        fill(g, bg, x, L_BUTTON_Y, L_BUTTON_W, L_BUTTON_H);
        frame(g, COL_FRAME, x, L_BUTTON_Y, L_BUTTON_W, L_BUTTON_H);
        int tw = text_width(g->text, FONT_BOLD, b->label);
        label(g, FONT_BOLD, x + (L_BUTTON_W - tw) / 2,
              L_BUTTON_Y + (L_BUTTON_H + text_ascent(g->text, FONT_BOLD)) / 2 - 1, COL_TEXT,
              b->label);
    }
}

void panel_prediction(Gui *g)
{
    fill(g, COL_BG, L_PANEL_X, 0, L_PANEL_W, L_BARS_Y + N_CLASSES * L_BAR_ROW);
    char s[64];
    int cap = text_ascent(g->text, FONT_BIG) * 3 / 4;   /* about a digit's height */
    int base = L_DIGIT_Y + (L_DIGIT_H + cap) / 2;
    if (g->has_pred) {
        snprintf(s, sizeof s, "%d", g->digit);
        int tw = text_width(g->text, FONT_BIG, s);
        label(g, FONT_BIG, L_PANEL_X + (96 - tw) / 2, base, COL_TEXT, s);
        label(g, FONT_SMALL, L_PANEL_X + 112, L_DIGIT_Y + 44, COL_DIM, "prediction");
        snprintf(s, sizeof s, "%.1f%% sure", 100.0 * g->probs[g->digit]);
        label(g, FONT_BOLD, L_PANEL_X + 112, L_DIGIT_Y + 62, COL_TEXT, s);
        /* the runner-up, which says most about what the network hesitates over */
        int second = g->digit == 0 ? 1 : 0;
        for (int j = 0; j < N_CLASSES; j++)
            if (j != g->digit && g->probs[j] > g->probs[second]) second = j;
        snprintf(s, sizeof s, "next: %d (%.1f%%)", second, 100.0 * g->probs[second]);
        label(g, FONT_SMALL, L_PANEL_X + 112, L_DIGIT_Y + 80, COL_DIM, s);
    } else if (g->not_finite) {
        int tw = text_width(g->text, FONT_BIG, "!");
        label(g, FONT_BIG, L_PANEL_X + (96 - tw) / 2, base, COL_WARN, "!");
        label(g, FONT_BOLD, L_PANEL_X + 112, L_DIGIT_Y + 62, COL_TEXT, "no prediction");
        label(g, FONT_SMALL, L_PANEL_X + 112, L_DIGIT_Y + 80, COL_DIM, "the model's output");
        label(g, FONT_SMALL, L_PANEL_X + 112, L_DIGIT_Y + 96, COL_DIM, "is not a number");
    } else {
        int tw = text_width(g->text, FONT_BIG, "?");
        label(g, FONT_BIG, L_PANEL_X + (96 - tw) / 2, base, COL_NO_DIGIT, "?");
        label(g, FONT_BOLD, L_PANEL_X + 112, L_DIGIT_Y + 62, COL_DIM, "draw a digit");
        label(g, FONT_SMALL, L_PANEL_X + 112, L_DIGIT_Y + 80, COL_DIM, "left button draws,");
        label(g, FONT_SMALL, L_PANEL_X + 112, L_DIGIT_Y + 96, COL_DIM, "right button erases");
    }
    for (int j = 0; j < N_CLASSES; j++) {
        int y = L_BARS_Y + j * L_BAR_ROW;
        float p = g->has_pred ? g->probs[j] : 0.0f;
        int top = g->has_pred && j == g->digit;
        snprintf(s, sizeof s, "%d", j);
        label(g, top ? FONT_BOLD : FONT_SMALL, L_PANEL_X + 3, y + L_BAR_H - 1,
              top ? COL_TEXT : COL_DIM, s);
        fill(g, COL_BAR_BG, L_BAR_X, y, L_BAR_W, L_BAR_H);
        int len = (int)lroundf(p * L_BAR_W);
        if (len > 0) fill(g, top ? COL_BAR_TOP : COL_BAR, L_BAR_X, y, len, L_BAR_H);
        if (g->has_pred) {
            snprintf(s, sizeof s, "%5.1f%%", 100.0 * p);
            label(g, FONT_SMALL, L_BAR_X + L_BAR_W + 8, y + L_BAR_H - 1, top ? COL_TEXT : COL_DIM,
                  s);
        }
    }
}

/* A perceptual colour map (viridis, 9 stops) for activations scaled to 0..1. */
static uint32_t viridis(float t)
{
    static const unsigned char stops[9][3] = {
        {68, 1, 84},    {71, 44, 122},  {59, 81, 139},  {44, 113, 142}, {33, 144, 141},
        {39, 173, 129}, {92, 200, 99},  {170, 220, 50}, {253, 231, 37}};
    t = t < 0 ? 0 : t > 1 ? 1 : t;
    float f = t * 8;
    int i = (int)f;
    if (i > 7) i = 7;
    f -= (float)i;
    uint32_t px = 0;
    for (int c = 0; c < 3; c++)
        px = px << 8 | (uint32_t)(stops[i][c] + f * (stops[i + 1][c] - stops[i][c]) + 0.5f);
    return px;
}

/* n maps of side x side in a grid of cols columns, cell pixels apart, each pixel zoom times,
 * coloured on the shared scale 0..vmax; the grid goes to (x0, y0). */
static void map_grid(Gui *g, int row, const float *maps, int n, int side, int cols, int zoom,
                     int cell, float vmax, int x0, int y0)
{
    uint32_t *px = band(g, row);
    static uint32_t lut[256];
    if (!lut[255])
        for (int i = 0; i < 256; i++) lut[i] = viridis((float)i / 255.0f);
    int rows = n / cols, gw = cols * cell, gh = rows * cell;
    uint32_t bg = COL_BG;
    for (int r = 0; r < gh; r++)
        for (int c = 0; c < gw; c++) px[(size_t)r * L_SCRATCH_W + c] = bg;
    float scale = vmax > 0 ? 255.0f / vmax : 0.0f;
    for (int k = 0; k < n; k++) {
        int cx = (k % cols) * cell, cy = (k / cols) * cell;
        const float *m = maps + (size_t)k * side * side;
        for (int yy = 0; yy < side * zoom; yy++) {
            uint32_t *dst = px + (size_t)(cy + yy) * L_SCRATCH_W + cx;
            const float *src = m + (size_t)(yy / zoom) * side;
            for (int xx = 0; xx < side * zoom; xx++) {
                if (!g->maps_valid) {   /* the maps may hold anything, NaN included */
                    dst[xx] = COL_EMPTY;
                    continue;
                }
                int v = (int)(src[xx / zoom] * scale + 0.5f);   /* activations are >= 0 */
                dst[xx] = lut[v > 255 ? 255 : v];
            }
        }
    }
    put_scratch(g, row, x0, y0, gw, gh);
}

static float max_of(const float *v, int n)
{
    float m = 0;
    for (int i = 0; i < n; i++)
        if (v[i] > m) m = v[i];
    return m;
}

/* A line plot of one metric per epoch: train (blue) and test (orange, skipped where NaN). */
static void plot(Gui *g, int x, int y, int w, int h, const char *title, int acc)
{
    const MetricLog *log = g->log;
    int n = (int)log->n_epochs;
    float lo = INFINITY, hi = -INFINITY;
    for (int i = 0; i < n; i++) {
        const EpochMetrics *e = &log->epochs[i];
        float v[2] = {acc ? 100 * e->train_acc : e->train_loss, acc ? 100 * e->test_acc : e->test_loss};
        for (int s = 0; s < 2; s++)
            if (isfinite(v[s])) { lo = fminf(lo, v[s]); hi = fmaxf(hi, v[s]); }
    }
    if (!(lo <= hi)) { lo = 0; hi = 1; }
    float pad = (hi - lo) * 0.08f;
    if (pad < (acc ? 0.25f : 0.005f)) pad = acc ? 0.25f : 0.005f;
    /* pad the range, but never past what the metric can be (loss >= 0, accuracy <= 100 %) */
    lo = fmaxf(lo - pad, 0.0f);
    hi = acc ? fminf(hi + pad, 100.0f) : hi + pad;
    int px = x + 44, py = y + 20, pw = w - 52, ph = h - 40;
    label(g, FONT_BOLD, x, y + 12, COL_TEXT, title);
    label(g, FONT_SMALL, x + w - 110, y + 12, COL_BAR, "train");
    label(g, FONT_SMALL, x + w - 70, y + 12, COL_BAR_TOP, "test");
    fill(g, COL_PLOT_BG, px, py, pw, ph);
    XSetLineAttributes(g->dpy, g->gc, 1, LineOnOffDash, CapButt, JoinMiter);
    XSetForeground(g->dpy, g->gc, gui_rgb(COL_PLOT_GRID));
    for (int k = 1; k < 4; k++)
        XDrawLine(g->dpy, g->pix, g->gc, px, py + k * ph / 4, px + pw - 1, py + k * ph / 4);
    XSetLineAttributes(g->dpy, g->gc, 1, LineSolid, CapButt, JoinMiter);
    frame(g, COL_FRAME, px, py, pw, ph);
    char s[32];
    snprintf(s, sizeof s, acc ? "%.1f%%" : "%.3f", (double)hi);
    label(g, FONT_SMALL, px - 4 - text_width(g->text, FONT_SMALL, s), py + 10, COL_DIM, s);
    snprintf(s, sizeof s, acc ? "%.1f%%" : "%.3f", (double)lo);
    label(g, FONT_SMALL, px - 4 - text_width(g->text, FONT_SMALL, s), py + ph, COL_DIM, s);
    label(g, FONT_SMALL, px, py + ph + 14, COL_DIM, "1");
    snprintf(s, sizeof s, "%d", n);
    label(g, FONT_SMALL, px + pw - text_width(g->text, FONT_SMALL, s), py + ph + 14, COL_DIM, s);
    label(g, FONT_SMALL, px + pw / 2 - 14, py + ph + 14, COL_DIM, "epoch");
    XSetLineAttributes(g->dpy, g->gc, 2, LineSolid, CapRound, JoinRound);
    for (int s2 = 0; s2 < 2; s2++) {
        XSetForeground(g->dpy, g->gc, gui_rgb(s2 ? COL_BAR_TOP : COL_BAR));
        int have_prev = 0, prev_x = 0, prev_y = 0;
        for (int i = 0; i < n; i++) {
            const EpochMetrics *e = &log->epochs[i];
            float v = s2 ? (acc ? 100 * e->test_acc : e->test_loss)
                         : (acc ? 100 * e->train_acc : e->train_loss);
            if (!isfinite(v)) { have_prev = 0; continue; }
            int qx = n > 1 ? px + 6 + i * (pw - 12) / (n - 1) : px + pw / 2;
            int qy = py + (int)lroundf((hi - v) / (hi - lo) * (float)(ph - 1));
            if (have_prev) XDrawLine(g->dpy, g->pix, g->gc, prev_x, prev_y, qx, qy);
            XFillArc(g->dpy, g->pix, g->gc, qx - 3, qy - 3, 7, 7, 0, 360 * 64);
            have_prev = 1; prev_x = qx; prev_y = qy;
        }
    }
    XSetLineAttributes(g->dpy, g->gc, 1, LineSolid, CapButt, JoinMiter);
}

void panel_debug(Gui *g)
{
    char s[96];
    /* the input exactly as the network gets it */
    fill(g, COL_BG, 0, L_INPUT_Y - L_TITLE_H, L_PANEL_X - 8, L_TITLE_H);
    snprintf(s, sizeof s, "network input %dx%d", IMG_W, IMG_H);
    label(g, FONT_BOLD, L_CANVAS_X, L_INPUT_Y - 8, COL_TEXT, s);
    for (int r = 0; r < IMG_H * L_INPUT_ZOOM; r++)
        for (int c = 0; c < IMG_W * L_INPUT_ZOOM; c++)
            band(g, R_INPUT)[(size_t)r * L_SCRATCH_W + c] =
                gray_px(g->input[(r / L_INPUT_ZOOM) * IMG_W + c / L_INPUT_ZOOM]);
    put_scratch(g, R_INPUT, L_INPUT_X, L_INPUT_Y, IMG_W * L_INPUT_ZOOM, IMG_H * L_INPUT_ZOOM);
    frame(g, COL_FRAME, L_INPUT_X - 1, L_INPUT_Y - 1, IMG_W * L_INPUT_ZOOM + 2, IMG_H * L_INPUT_ZOOM + 2);

    /* feature maps, each layer on one colour scale shared by its maps */
    float m1 = g->maps_valid ? max_of(g->maps1, MAP1_FLOATS) : 0;
    float m2 = g->maps_valid ? max_of(g->maps2, MAP2_FLOATS) : 0;
    fill(g, COL_BG, L_MAPS_X, 0, g->w - L_MAPS_X, L_DEBUG_H - L_STATUS_H - 2);
    snprintf(s, sizeof s, "conv1: %d maps %dx%d after BN + ReLU   (scale 0 .. %.2f)", C1, MAP1_W,
             MAP1_H, (double)m1);
    label(g, FONT_BOLD, L_MAPS_X, L_MAP1_Y - 10, COL_TEXT, s);
    map_grid(g, R_MAP1, g->maps1, C1, MAP1_W, L_MAP_COLS, L_MAP1_ZOOM, L_MAP1_CELL, m1, L_MAPS_X,
             L_MAP1_Y);
    snprintf(s, sizeof s, "conv2: %d maps %dx%d after BN + ReLU   (scale 0 .. %.2f)", C2, MAP2_W,
             MAP2_H, (double)m2);
    label(g, FONT_BOLD, L_MAPS_X, L_MAP2_Y - 10, COL_TEXT, s);
    map_grid(g, R_MAP2, g->maps2, C2, MAP2_W, L_MAP_COLS, L_MAP2_ZOOM, L_MAP2_CELL, m2, L_MAPS_X,
             L_MAP2_Y);

    /* the colour scale, beside conv2's maps */
    int rows2 = C2 / L_MAP_COLS;
    int lx = L_MAPS_X + L_MAP_COLS * L_MAP2_CELL + 28, ly = L_MAP2_Y, lh = rows2 * L_MAP2_CELL - 3;
    for (int r = 0; r < lh; r++) {
        XSetForeground(g->dpy, g->gc, gui_rgb(viridis(1.0f - (float)r / (float)(lh - 1))));
        XDrawLine(g->dpy, g->pix, g->gc, lx, ly + r, lx + 15, ly + r);
    }
    frame(g, COL_FRAME, lx - 1, ly - 1, 18, lh + 2);
    label(g, FONT_SMALL, lx + 24, ly + 10, COL_DIM, "layer max");
    label(g, FONT_SMALL, lx + 24, ly + lh, COL_DIM, "0");
    label(g, FONT_SMALL, lx + 24, ly + lh / 2 + 4, COL_DIM, "activation");
    if (!g->maps_valid)
        label(g, FONT_SMALL, lx + 24, ly + lh / 2 + 22, COL_DIM,
              g->not_finite ? "(not a number)" : "(blank canvas)");

    /* training curves, drawn once per full redraw (they do not change) */
    if (g->need_full) {
        fill(g, COL_BG, L_PANEL_X, L_CURVES_Y - 20, L_PANEL_W, L_CURVES_H + 20);
        if (g->log && g->log->n_epochs) {
            int ph = (L_CURVES_H - 10) / 2;
            plot(g, L_PANEL_X, L_CURVES_Y, L_PANEL_W, ph, "loss per epoch", 0);
            plot(g, L_PANEL_X, L_CURVES_Y + ph + 10, L_PANEL_W, ph, "accuracy per epoch", 1);
        } else {
            label(g, FONT_BOLD, L_PANEL_X, L_CURVES_Y + 12, COL_TEXT, "training curves");
            label(g, FONT_SMALL, L_PANEL_X, L_CURVES_Y + 32, COL_DIM,
                  "no training metrics in this checkpoint");
        }
    }
}

void panel_status(Gui *g)
{
    int y = g->h - L_STATUS_H;
    fill(g, COL_BG, 0, y, g->w, L_STATUS_H);
    XSetForeground(g->dpy, g->gc, gui_rgb(COL_STATUS_RULE));
    XDrawLine(g->dpy, g->pix, g->gc, 0, y, g->w, y);
    char s[400], cost[32] = "";
    if (g->timing.n > 0) snprintf(cost, sizeof cost, "%.2f ms/event", g->last_cost * 1e3);
    int cost_x = g->w - 16 - text_width(g->text, FONT_SMALL, cost);
    if (g->status[0]) snprintf(s, sizeof s, "%s", g->status);
    else
        snprintf(s, sizeof s, "%s   |   c clear   d debug   s save   q quit", g->model_name);
    /* the model's line (which epoch, its accuracy) matters more than the keys' reminder */
    if (!g->status[0] && L_CANVAS_X + text_width(g->text, FONT_SMALL, s) + 16 > cost_x)
        snprintf(s, sizeof s, "%s", g->model_name);
    label(g, FONT_SMALL, L_CANVAS_X, g->h - 7, COL_DIM, s);
    if (cost[0]) label(g, FONT_SMALL, cost_x, g->h - 7, COL_DIM, cost);
}
