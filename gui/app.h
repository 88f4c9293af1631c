/* The window's state and the parts of gui/ that share it (internal to gui/):
 *   window.c    set-up, the event loop with a handler per event type, replay and screenshot
 *   bindings.c  keys and buttons bound to actions (data only, like st's config.h)
 *   actions.c   the pen and the actions behind keys and buttons
 *   update.c    after events: predict, redraw what changed, time it
 *   canvas.c, strokes.c, restroke.c   the canvas, its strokes, the network's input drawn from them
 *   panel.c     drawing the parts into the off-screen pixmap
 *   follow.c    swapping in the model and log the CLI reloaded while training goes on */
#ifndef MNIST_GUI_APP_H
#define MNIST_GUI_APP_H

#include <X11/Xlib.h>
#include <stdint.h>

#include "common/metric_log.h"
#include "engine/infer.h"
#include "gui/canvas.h"
#include "gui/gui.h"
#include "gui/layout.h"
#include "gui/restroke.h"
#include "gui/strokes.h"
#include "gui/text.h"

/* The per-event cost, for --timing and the status bar. */
typedef struct {
    double n, sum, max;       /* seconds */
    double pre, fwd, draw;    /* sums of the parts: the input (strokes drawn again, preprocess),
                                 forward, redraw + X server */
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
    char model_name[200];     /* the model as the status line names it (which epoch, ...) */
    int follow_fd;            /* gui_follow: readable when reload has something */
    GuiReloadFn reload;       /* NULL: not following */
    void *reload_ctx;
    Infer *inf;

    /* state */
    GuiOptions opt;
    Canvas canvas;
    Strokes rec;              /* the canvas' strokes, which the network's input is drawn from */
    Restroke restroke;        /* the image they are drawn into, kept between events */
    int debug;                /* debug view shown */
    int pen;                  /* button held: 0 none, 1 draw, 3 erase */
    float last_x, last_y;     /* last pen position, canvas pixels */
    int strokes;              /* strokes finished since start */
    int need_predict;         /* canvas changed since the last prediction */
    int need_full;            /* everything must be redrawn */
    int need_redraw;          /* buttons or status changed */
    int pressed_button;       /* -1 or the button under a held click (drawn pressed) */
    int has_pred;             /* ink on the canvas, so digit/probs are meaningful */
    int not_finite;           /* ink, but the network's output was not a number: no prediction */
    int digit;
    float input[IMG_PIXELS], probs[N_CLASSES];
    float maps1[MAP1_FLOATS], maps2[MAP2_FLOATS];
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
    L_SCRATCH_W = L_MAP_COLS * L_MAP1_CELL,
    R_CANVAS = 0, R_INPUT = R_CANVAS + CANVAS_SIZE, R_MAP1 = R_INPUT + IMG_H * L_INPUT_ZOOM,
    R_MAP2 = R_MAP1 + (C1 / L_MAP_COLS) * L_MAP1_CELL,
    L_SCRATCH_H = R_MAP2 + (C2 / L_MAP_COLS) * L_MAP2_CELL,
};

/* ---- bindings.c: what keys and buttons do ---- */
typedef void (*Action)(Gui *g);
typedef struct {
    KeySym key;
    Action act;
} KeyBinding;
typedef struct {
    const char *label;
    Action act;
    int (*lit)(const Gui *g);   /* drawn highlighted while this says so; may be NULL */
} ButtonBinding;
extern const KeyBinding key_bindings[];
extern const int n_key_bindings;
extern const ButtonBinding button_bindings[];
extern const int n_buttons;

/* ---- actions.c ---- */
void action_clear(Gui *g);
void action_predict(Gui *g);
void action_toggle_debug(Gui *g);
void action_save(Gui *g);
void action_quit(Gui *g);
/* The prediction, predicting first if the canvas changed, to GuiOptions.on_prediction. */
void report_prediction(Gui *g);
/* The pen: mouse handlers and replay both come through here. button: 1 draws, 3 erases. */
void pen_down(Gui *g, float x, float y, int button);
void pen_move(Gui *g, float x, float y);
void pen_up(Gui *g);
/* Switch between the normal and the debug view (window size, pixmap, size hints). */
void set_view(Gui *g, int debug);
/* A new off-screen pixmap of w x h, for a new window size. */
void new_pixmap(Gui *g, int w, int h);

/* ---- update.c ---- */
/* After events changed something: predict if the canvas changed, redraw what changed, time it. */
void update(Gui *g);

/* ---- follow.c ---- */
/* follow_fd is readable: let the CLI reload what changed, swap it in, read the drawing again. */
void follow_reload(Gui *g);

/* ---- panel.c: drawing into g->pix ---- */
void panel_background(Gui *g);
void panel_canvas(Gui *g, int x, int y, int w, int h);
void panel_buttons(Gui *g);
void panel_prediction(Gui *g);
void panel_debug(Gui *g);        /* input, feature maps, curves */
void panel_status(Gui *g);
/* The button under window point (x, y), or -1. */
int panel_button_at(int x, int y);

#endif
