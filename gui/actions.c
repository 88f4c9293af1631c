/* The pen and the actions behind keys and buttons (bound in gui/bindings.c). */
#include "gui/app.h"
#include "io/image.h"

#include <X11/Xutil.h>
#include <stdio.h>
#include <time.h>

void report_prediction(Gui *g)
{
    if (!g->opt.on_prediction) return;
    if (g->need_predict) update(g);
    g->opt.on_prediction(g->opt.ctx, g->strokes,
                         g->has_pred ? g->digit : g->not_finite ? GUI_NOT_FINITE : -1,
                         g->has_pred ? g->probs : NULL);
}

/* ---- the pen ---- */

static float pen_width(const Gui *g, int button)
{
    return button == 3 ? CANVAS_ERASER_WIDTH : g->opt.pen_width;
}

void pen_down(Gui *g, float x, float y, int button)
{
    g->pen = button;
    g->last_x = x;
    g->last_y = y;
    canvas_segment(&g->canvas, x, y, x, y, pen_width(g, button), button == 3);
    strokes_begin(&g->rec, x, y, pen_width(g, button), button == 3);
    g->need_predict = 1;
}

void pen_move(Gui *g, float x, float y)
{
    if (!g->pen) return;
    canvas_segment(&g->canvas, g->last_x, g->last_y, x, y, pen_width(g, g->pen), g->pen == 3);
    strokes_add(&g->rec, x, y);
    g->last_x = x;
    g->last_y = y;
    g->need_predict = 1;
}

void pen_up(Gui *g)
{
    if (!g->pen) return;
    g->pen = 0;
    g->strokes++;
    report_prediction(g);
}

/* ---- views ---- */

void new_pixmap(Gui *g, int w, int h)
{
    if (g->pix) XFreePixmap(g->dpy, g->pix);
    g->w = w;
    g->h = h;
    g->pix = XCreatePixmap(g->dpy, g->win, (unsigned)w, (unsigned)h,
                           (unsigned)DefaultDepth(g->dpy, g->screen));
    text_target(g->text, g->pix);
    g->need_full = 1;
}

void set_view(Gui *g, int debug)
{
    g->debug = debug;
    int w = debug ? L_DEBUG_W : L_NORMAL_W, h = debug ? L_DEBUG_H : L_NORMAL_H;
    XSizeHints *hints = XAllocSizeHints();
    if (hints) {   /* a fixed size per view: the layout does not stretch */
        hints->flags = PMinSize | PMaxSize;
        hints->min_width = hints->max_width = w;
        hints->min_height = hints->max_height = h;
        XSetWMNormalHints(g->dpy, g->win, hints);
        XFree(hints);
    }
    XResizeWindow(g->dpy, g->win, (unsigned)w, (unsigned)h);
    new_pixmap(g, w, h);
    g->need_predict = 1;   /* the debug view needs the feature maps */
}

/* ---- actions ---- */

void action_clear(Gui *g)
{
    canvas_clear(&g->canvas);
    strokes_clear(&g->rec);
    g->need_predict = 1;
    g->status[0] = 0;
}

void action_predict(Gui *g)
{
    g->need_predict = 1;
    update(g);
    if (g->has_pred)
        snprintf(g->status, sizeof g->status, "prediction: %d (%.1f%%)", g->digit,
                 100.0 * g->probs[g->digit]);
    else if (!g->not_finite)   /* else predict() said why there is none */
        snprintf(g->status, sizeof g->status, "nothing to predict: the canvas is blank");
    report_prediction(g);
}

void action_toggle_debug(Gui *g) { set_view(g, !g->debug); }

void action_save(Gui *g)
{
    static uint8_t px[CANVAS_SIZE * CANVAS_SIZE];
    for (int i = 0; i < CANVAS_SIZE * CANVAS_SIZE; i++) {
        float v = g->canvas.pix[i];
        px[i] = (uint8_t)(v <= 0 ? 0 : v >= 1 ? 255 : (int)(v * 255.0f + 0.5f));
    }
    char name[64], err[512];
    time_t t = time(NULL);
    strftime(name, sizeof name, "digit-%Y%m%d-%H%M%S.png", localtime(&t));
    if (image_save_png(name, px, CANVAS_SIZE, CANVAS_SIZE, 1, err, sizeof err))
        snprintf(g->status, sizeof g->status, "could not save: %.140s", err);
    else
        snprintf(g->status, sizeof g->status, "saved the canvas as %s", name);
}

void action_quit(Gui *g) { g->running = 0; }
