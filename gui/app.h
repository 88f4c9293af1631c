/* The window's state, shared by gui/window.c (event loop and handlers) and gui/panel.c (drawing).
 * Internal to gui/. */
#ifndef MNIST_GUI_APP_H
#define MNIST_GUI_APP_H

#include <X11/Xlib.h>
#include <stdint.h>

#include "engine/infer.h"
#include "common/metric_log.h"
#include "gui/canvas.h"
#include "gui/gui.h"
#include "gui/layout.h"
#include "gui/text.h"

typedef struct {
    double n, sum, max;       /* per-event cost statistics, seconds */
    double pre, fwd, draw;    /* sums of the parts */
    double cpu;               /* sum of this process's CPU time */
    float sample[4096];       /* the first events' costs, for the median */
} Timing;

struct Gui {
    /* X */
    Display *dpy;
    int screen;
    Window win;
    Pixmap pix;               /* everything is drawn here, then copied to win */
    GC gc;
    Text *text;
    XImage *scratch;          /* client-side image for canvas and maps, L_SCRATCH_W x L_SCRATCH_H */
    uint32_t *scratch_px;
    int shm;                  /* scratch is in MIT-SHM shared memory (no copy through the socket) */
    int shm_pending;          /* a shared-memory put may still be read by the server */
    void *shm_info;           /* XShmSegmentInfo when shm */
    Atom wm_delete;
    int w, h;                 /* window size */
    int mapped, focused;

    /* model */
    const Model *model;
    const MetricLog *log;
    const char *model_name;
    Infer *inf;

    /* state */
    GuiOptions opt;
    Canvas canvas;
    int debug;                /* debug view shown */
    int pen;                  /* button held: 0 none, 1 draw, 3 erase */
    float last_x, last_y;     /* last pen position, canvas pixels */
    int strokes;              /* strokes finished since start */
    int need_predict;         /* canvas changed since the last prediction */
    int need_full;            /* everything must be redrawn */
    int need_redraw;          /* buttons or status changed */
    int pressed_button;       /* -1 or the button under a held click (drawn pressed) */
    int has_pred;             /* ink on the canvas, so digit/probs are meaningful */
    int digit;
    float input[784], probs[10];
    float maps1[32 * 784], maps2[64 * 196];
    int maps_valid;           /* maps1/maps2 belong to the current input */
    double last_cost;         /* seconds, last event */
    double status_time;       /* when the status line was last drawn */
    Timing timing;
    char status[160];
    int running;
};

/* The scratch image holds one band of rows per part, so that the parts drawn in one update
 * never overwrite each other's pixels before the X server has read them. */
enum {
    L_SCRATCH_W = 8 * L_MAP1_CELL,
    R_CANVAS = 0, R_INPUT = R_CANVAS + CANVAS_SIZE, R_MAP1 = R_INPUT + 28 * L_INPUT_ZOOM,
    R_MAP2 = R_MAP1 + 4 * L_MAP1_CELL, L_SCRATCH_H = R_MAP2 + 8 * L_MAP2_CELL,
};

/* gui/panel.c: drawing into g->pix. */
unsigned long gui_rgb(unsigned rgb);
void panel_background(Gui *g);
void panel_canvas(Gui *g, int x, int y, int w, int h);
void panel_buttons(Gui *g);
void panel_prediction(Gui *g);
void panel_debug(Gui *g);        /* input, feature maps, curves */
void panel_status(Gui *g);

/* The button under window point (x, y), or -1. */
int panel_button_at(int x, int y);
/* Button labels, in drawing order: Clear, Predict, Debug, Save. */
enum { BTN_CLEAR, BTN_PREDICT, BTN_DEBUG, BTN_SAVE };

#endif
