/* The window: set-up, one event loop with a handler per event type (as suckless st does), the
 * pen, the actions behind keys and buttons, replay and screenshots. Everything is drawn into an
 * off-screen pixmap (gui/panel.c) and copied to the window, so nothing flickers. */
#include "gui/app.h"
#include "gui/replay.h"
#include "engine/preprocess.h"
#include "io/image.h"

#ifdef MNIST_HAVE_XSHM
#include <X11/extensions/XShm.h>
#include <sys/ipc.h>
#include <sys/shm.h>
#endif
#include <X11/Xatom.h>
#include <X11/Xutil.h>
#include <X11/keysym.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

Gui *gui_open(const GuiOptions *opt, char *err, size_t errlen)
{
    Display *dpy = XOpenDisplay(NULL);
    if (!dpy) {
        const char *d = getenv("DISPLAY");
        snprintf(err, errlen,
                 "cannot open the X display%s%s%s: this command needs a graphical session. "
                 "Without a screen, run it under Xvfb (xvfb-run mnist-cnn draw ...); on a remote "
                 "machine, log in with ssh -X",
                 d ? " '" : " (DISPLAY is not set", d ? d : ")", d ? "'" : "");
        return NULL;
    }
    int screen = DefaultScreen(dpy);
    Visual *vis = DefaultVisual(dpy, screen);
    if (vis->class != TrueColor || DefaultDepth(dpy, screen) < 24 || vis->red_mask != 0xff0000 ||
        vis->green_mask != 0xff00 || vis->blue_mask != 0xff) {
        snprintf(err, errlen, "the X display needs a 24-bit TrueColor visual (Xvfb: -screen 0 "
                              "1280x1024x24)");
        XCloseDisplay(dpy);
        return NULL;
    }
    Gui *g = calloc(1, sizeof *g);
    if (!g) {
        snprintf(err, errlen, "out of memory");
        XCloseDisplay(dpy);
        return NULL;
    }
    g->dpy = dpy;
    g->screen = screen;
    g->opt = *opt;
    if (g->opt.pen_width <= 0) g->opt.pen_width = CANVAS_PEN_WIDTH;
    g->pressed_button = -1;
    return g;
}

void gui_close(Gui *g)
{
    if (!g) return;
    if (g->inf) infer_free(g->inf);
    if (g->text) text_close(g->text);
#ifdef MNIST_HAVE_XSHM
    if (g->shm) {
        XShmSegmentInfo *si = g->shm_info;
        XShmDetach(g->dpy, si);
        XSync(g->dpy, False);
        XDestroyImage(g->scratch);
        shmdt(si->shmaddr);
        free(si);
        g->scratch = NULL;
    }
#endif
    if (g->scratch) XDestroyImage(g->scratch);   /* frees scratch_px too */
    if (g->pix) XFreePixmap(g->dpy, g->pix);
    if (g->gc) XFreeGC(g->dpy, g->gc);
    if (g->win) XDestroyWindow(g->dpy, g->win);
    XCloseDisplay(g->dpy);
    free(g);
}

/* ---- drawing and prediction ---- */

static void new_pixmap(Gui *g, int w, int h)
{
    if (g->pix) XFreePixmap(g->dpy, g->pix);
    g->w = w;
    g->h = h;
    g->pix = XCreatePixmap(g->dpy, g->win, (unsigned)w, (unsigned)h,
                           (unsigned)DefaultDepth(g->dpy, g->screen));
    text_target(g->text, g->pix);
    g->need_full = 1;
}

static double cpu_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Copies a rectangle of the pixmap to the window. */
static void show(Gui *g, int x, int y, int w, int h)
{
    XCopyArea(g->dpy, g->pix, g->win, g->gc, x, y, (unsigned)w, (unsigned)h, x, y);
}

/* One step of the window's work after events changed something: preprocess + forward (+ feature
 * maps in the debug view) when the canvas changed, then redraw what changed into the pixmap and
 * copy just those parts to the window. */
static void update(Gui *g)
{
    double t0 = now(), c0 = cpu_now(), t1 = t0, t2 = t0;
    int predicted = 0;
    if (g->shm_pending) {   /* the server must have read the shared scratch before we redraw it */
        XSync(g->dpy, False);
        g->shm_pending = 0;
    }
    if (g->need_predict) {
        g->has_pred = preprocess_digit(g->canvas.pix, CANVAS_SIZE, CANVAS_SIZE, g->input) == 0;
        t1 = now();
        if (g->has_pred)
            g->digit = infer_run(g->inf, g->model, g->input, NULL, g->probs,
                                 g->debug ? g->maps1 : NULL, g->debug ? g->maps2 : NULL);
        g->maps_valid = g->has_pred && g->debug;
        t2 = now();
        g->need_predict = 0;
        predicted = 1;
    }
    int x, y, w, h;
    /* the status line shows the cost of the last event; a few times a second is enough */
    int status = g->need_full || g->need_redraw || t0 - g->status_time > 0.25;
    if (g->need_full) {
        canvas_take_dirty(&g->canvas, &x, &y, &w, &h);
        panel_background(g);
        panel_canvas(g, 0, 0, CANVAS_SIZE, CANVAS_SIZE);
        panel_prediction(g);
        if (g->debug) panel_debug(g);
        panel_buttons(g);
        panel_status(g);
        show(g, 0, 0, g->w, g->h);
        g->status_time = t0;
    } else {
        if (canvas_take_dirty(&g->canvas, &x, &y, &w, &h)) {
            panel_canvas(g, x, y, w, h);
            show(g, L_CANVAS_X + x, L_CANVAS_Y + y, w, h);
        }
        if (predicted) {
            panel_prediction(g);
            show(g, L_PANEL_X, 0, L_PANEL_W, L_BARS_Y + 10 * L_BAR_ROW);
            if (g->debug) {
                panel_debug(g);
                show(g, 0, L_INPUT_Y - 22, L_PANEL_X, 28 * L_INPUT_ZOOM + 24);
                show(g, L_MAPS_X, 0, g->w - L_MAPS_X, L_DEBUG_H - 24);
            }
        }
        if (g->need_redraw) {
            panel_buttons(g);
            show(g, 0, L_BUTTON_Y, L_PANEL_X, L_BUTTON_H);
        }
        if (status) {
            panel_status(g);
            show(g, 0, g->h - 22, g->w, 22);
            g->status_time = t0;
        }
    }
    g->need_full = g->need_redraw = 0;
    if (g->opt.timing) XSync(g->dpy, False);   /* count the X server's share of the work */
    else XFlush(g->dpy);
    if (predicted) {
        double t3 = now();
        Timing *t = &g->timing;
        g->last_cost = t3 - t0;
        if (t->n < (double)(sizeof t->sample / sizeof t->sample[0]))
            t->sample[(int)t->n] = (float)(t3 - t0);
        t->n++;
        t->sum += t3 - t0;
        t->cpu += cpu_now() - c0;
        if (t3 - t0 > t->max) t->max = t3 - t0;
        t->pre += t1 - t0;
        t->fwd += t2 - t1;
        t->draw += t3 - t2;
    }
}

static int cmp_float(const void *a, const void *b)
{
    float x = *(const float *)a, y = *(const float *)b;
    return (x > y) - (x < y);
}

static void print_timing(Gui *g)
{
    Timing *t = &g->timing;
    int ns = t->n < 4096 ? (int)t->n : 4096;
    qsort(t->sample, (size_t)ns, sizeof t->sample[0], cmp_float);
    fprintf(stderr,
            "mnist-cnn draw: per-event cost over %.0f events (%s view): median %.3f ms, mean %.3f "
            "ms, max %.3f ms (this process's CPU: %.3f ms); mean parts: preprocess %.3f + "
            "forward%s %.3f + redraw and X server %.3f ms\n",
            t->n, g->debug ? "debug" : "normal", 1e3 * t->sample[ns / 2], 1e3 * t->sum / t->n,
            1e3 * t->max, 1e3 * t->cpu / t->n, 1e3 * t->pre / t->n, g->debug ? " with maps" : "", 1e3 * t->fwd / t->n,
            1e3 * t->draw / t->n);
}

static void print_prediction(Gui *g)
{
    if (!g->opt.print) return;
    if (g->need_predict) update(g);
    printf("{\"stroke\": %d, \"digit\": ", g->strokes);
    if (g->has_pred) {
        printf("%d, \"probs\": [", g->digit);
        for (int j = 0; j < 10; j++) printf("%s%.6f", j ? ", " : "", g->probs[j]);
        printf("]}\n");
    } else {
        printf("null, \"probs\": null}\n");
    }
    fflush(stdout);
}

/* ---- the pen: mouse handlers and replay both come through here ---- */

static void pen_down(Gui *g, float x, float y, int button)
{
    g->pen = button;
    g->last_x = x;
    g->last_y = y;
    canvas_segment(&g->canvas, x, y, x, y,
                   button == 3 ? CANVAS_ERASER_WIDTH : g->opt.pen_width, button == 3);
    g->need_predict = 1;
}

static void pen_move(Gui *g, float x, float y)
{
    if (!g->pen) return;
    canvas_segment(&g->canvas, g->last_x, g->last_y, x, y,
                   g->pen == 3 ? CANVAS_ERASER_WIDTH : g->opt.pen_width, g->pen == 3);
    g->last_x = x;
    g->last_y = y;
    g->need_predict = 1;
}

static void pen_up(Gui *g)
{
    if (!g->pen) return;
    g->pen = 0;
    g->strokes++;
    print_prediction(g);
}

/* ---- actions behind keys and buttons ---- */

static void set_view(Gui *g, int debug)
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

static void action_clear(Gui *g)
{
    canvas_clear(&g->canvas);
    g->need_predict = 1;
    g->status[0] = 0;
}

static void action_predict(Gui *g)
{
    g->need_predict = 1;
    update(g);
    if (g->has_pred)
        snprintf(g->status, sizeof g->status, "prediction: %d (%.1f%%)", g->digit,
                 100.0 * g->probs[g->digit]);
    else
        snprintf(g->status, sizeof g->status, "nothing to predict: the canvas is blank");
    print_prediction(g);
}

static void action_save(Gui *g)
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

static void run_button(Gui *g, int b)
{
    switch (b) {
    case BTN_CLEAR: action_clear(g); break;
    case BTN_PREDICT: action_predict(g); break;
    case BTN_DEBUG: set_view(g, !g->debug); break;
    case BTN_SAVE: action_save(g); break;
    }
}

/* ---- event handlers, one per event type ---- */

static void on_button_press(Gui *g, XEvent *ev)
{
    XButtonEvent *e = &ev->xbutton;
    int b = panel_button_at(e->x, e->y);
    if (b >= 0 && e->button == Button1) {
        g->pressed_button = b;
        g->need_redraw = 1;
        run_button(g, b);
        return;
    }
    int inside = e->x >= L_CANVAS_X && e->x < L_CANVAS_X + CANVAS_SIZE && e->y >= L_CANVAS_Y &&
                 e->y < L_CANVAS_Y + CANVAS_SIZE;
    if (inside && (e->button == Button1 || e->button == Button3) && !g->pen)
        pen_down(g, (float)(e->x - L_CANVAS_X) + 0.5f, (float)(e->y - L_CANVAS_Y) + 0.5f,
                 (int)e->button);
}

static void on_button_release(Gui *g, XEvent *ev)
{
    XButtonEvent *e = &ev->xbutton;
    if (g->pressed_button >= 0) {
        g->pressed_button = -1;
        g->need_redraw = 1;
    }
    if (g->pen && (int)e->button == g->pen) pen_up(g);
}

static void on_motion(Gui *g, XEvent *ev)
{
    pen_move(g, (float)(ev->xmotion.x - L_CANVAS_X) + 0.5f,
             (float)(ev->xmotion.y - L_CANVAS_Y) + 0.5f);
}

static void on_key_press(Gui *g, XEvent *ev)
{
    KeySym k = NoSymbol;
    char buf[8];
    XLookupString(&ev->xkey, buf, sizeof buf, &k, NULL);
    g->need_redraw = 1;
    switch (k) {
    case XK_c: case XK_C: case XK_BackSpace: case XK_Delete: action_clear(g); break;
    case XK_p: case XK_P: case XK_Return: case XK_KP_Enter: action_predict(g); break;
    case XK_d: case XK_D: set_view(g, !g->debug); break;
    case XK_s: case XK_S: action_save(g); break;
    case XK_q: case XK_Q: case XK_Escape: g->running = 0; break;
    default: break;
    }
}

static void on_expose(Gui *g, XEvent *ev)
{
    XExposeEvent *e = &ev->xexpose;
    g->mapped = 1;
    XCopyArea(g->dpy, g->pix, g->win, g->gc, e->x, e->y, (unsigned)e->width, (unsigned)e->height,
              e->x, e->y);
}

static void on_configure(Gui *g, XEvent *ev)
{
    XConfigureEvent *e = &ev->xconfigure;
    if (e->width != g->w || e->height != g->h) new_pixmap(g, e->width, e->height);
}

static void on_map(Gui *g, XEvent *ev) { g->mapped = 1; }

static void on_client_message(Gui *g, XEvent *ev)
{
    if ((Atom)ev->xclient.data.l[0] == g->wm_delete) g->running = 0;
}

static void on_focus_in(Gui *g, XEvent *ev) { g->focused = 1; }

/* Losing the focus mid-stroke (a window manager's key, another window popping up) ends the
 * stroke, so the pen does not draw a line to wherever the pointer comes back. */
static void on_focus_out(Gui *g, XEvent *ev)
{
    g->focused = 0;
    pen_up(g);
}

static void on_mapping(Gui *g, XEvent *ev) { XRefreshKeyboardMapping(&ev->xmapping); }

static void (*const handler[LASTEvent])(Gui *, XEvent *) = {
    [ButtonPress] = on_button_press,
    [ButtonRelease] = on_button_release,
    [MotionNotify] = on_motion,
    [KeyPress] = on_key_press,
    [Expose] = on_expose,
    [ConfigureNotify] = on_configure,
    [MapNotify] = on_map,
    [ClientMessage] = on_client_message,
    [FocusIn] = on_focus_in,
    [FocusOut] = on_focus_out,
    [MappingNotify] = on_mapping,
};

static void dispatch(Gui *g, XEvent *ev)
{
    if (ev->type < LASTEvent && handler[ev->type]) handler[ev->type](g, ev);
}

/* ---- replay and screenshot ---- */

static int replay(Gui *g, const char *path)
{
    Replay r;
    char err[512];
    if (replay_load(path, &r, err, sizeof err)) {
        fprintf(stderr, "mnist-cnn draw: %s\n", err);
        return -1;
    }
    for (int i = 0; i < r.n && g->running; i++) {
        const ReplayStroke *s = &r.strokes[i];
        if (s->kind == REPLAY_CLEAR) {
            action_clear(g);
            update(g);
            continue;
        }
        pen_down(g, s->xy[0], s->xy[1], s->kind == REPLAY_ERASE ? 3 : 1);
        update(g);
        for (int k = 1; k < s->n; k++) {
            pen_move(g, s->xy[2 * k], s->xy[2 * k + 1]);
            update(g);
        }
        pen_up(g);
        while (XPending(g->dpy)) {   /* stay responsive to Expose and close during long replays */
            XEvent ev;
            XNextEvent(g->dpy, &ev);
            dispatch(g, &ev);
        }
    }
    replay_free(&r);
    return 0;
}

static int screenshot(Gui *g, const char *path)
{
    g->need_full = 1;
    update(g);
    XImage *im = XGetImage(g->dpy, g->pix, 0, 0, (unsigned)g->w, (unsigned)g->h, AllPlanes, ZPixmap);
    uint8_t *rgb = im ? malloc((size_t)g->w * (size_t)g->h * 3) : NULL;
    if (!rgb) {
        fprintf(stderr, "mnist-cnn draw: %s: could not read the window's image\n", path);
        if (im) XDestroyImage(im);
        return -1;
    }
    for (int y = 0; y < g->h; y++)
        for (int x = 0; x < g->w; x++) {
            unsigned long p = XGetPixel(im, x, y);
            uint8_t *o = rgb + ((size_t)y * (size_t)g->w + (size_t)x) * 3;
            o[0] = (uint8_t)(p >> 16);
            o[1] = (uint8_t)(p >> 8);
            o[2] = (uint8_t)p;
        }
    XDestroyImage(im);
    char err[512];
    int rc = image_save_png(path, rgb, g->w, g->h, 3, err, sizeof err);
    if (rc) fprintf(stderr, "mnist-cnn draw: %s\n", err);
    free(rgb);
    return rc;
}

/* ---- set-up and the loop ---- */

#ifdef MNIST_HAVE_XSHM
static int shm_failed;
static int on_shm_error(Display *dpy, XErrorEvent *e)
{
    shm_failed = 1;
    return 0;
}
#endif

/* The scratch image in MIT-SHM shared memory when the server offers it (a local display):
 * the canvas and the feature maps then reach the server without going through the socket.
 * Returns 1 when done, 0 to fall back to a plain XImage. */
static int create_shm_scratch(Gui *g)
{
#ifdef MNIST_HAVE_XSHM
    if (!XShmQueryExtension(g->dpy) || getenv("MNIST_CNN_NO_SHM")) return 0;
    XShmSegmentInfo *si = calloc(1, sizeof *si);
    if (!si) return 0;
    XImage *im = XShmCreateImage(g->dpy, DefaultVisual(g->dpy, g->screen),
                                 (unsigned)DefaultDepth(g->dpy, g->screen), ZPixmap, NULL, si,
                                 L_SCRATCH_W, L_SCRATCH_H);
    if (!im || im->bits_per_pixel != 32 || im->bytes_per_line != L_SCRATCH_W * 4) goto fail;
    si->shmid = shmget(IPC_PRIVATE, (size_t)im->bytes_per_line * (size_t)im->height,
                       IPC_CREAT | 0600);
    if (si->shmid < 0) goto fail;
    si->shmaddr = im->data = shmat(si->shmid, NULL, 0);
    if (si->shmaddr == (char *)-1) {
        shmctl(si->shmid, IPC_RMID, NULL);
        goto fail;
    }
    si->readOnly = True;
    /* XShmAttach fails asynchronously (e.g. a remote display): catch the error */
    shm_failed = 0;
    XSync(g->dpy, False);
    int (*old)(Display *, XErrorEvent *) = XSetErrorHandler(on_shm_error);
    XShmAttach(g->dpy, si);
    XSync(g->dpy, False);
    XSetErrorHandler(old);
    shmctl(si->shmid, IPC_RMID, NULL);   /* freed once both sides detach */
    if (shm_failed) {
        shmdt(si->shmaddr);
        goto fail;
    }
    memset(im->data, 0, (size_t)im->bytes_per_line * (size_t)im->height);
    g->scratch = im;
    g->shm = 1;
    g->shm_info = si;
    return 1;
fail:
    if (im) {
        im->data = NULL;
        XDestroyImage(im);
    }
    free(si);
#endif
    return 0;
}

static int create_window(Gui *g)
{
    Display *dpy = g->dpy;
    XSetWindowAttributes wa = {0};
    wa.background_pixmap = None;   /* we paint everything ourselves: no flash of background */
    wa.event_mask = ExposureMask | KeyPressMask | ButtonPressMask | ButtonReleaseMask |
                    ButtonMotionMask | StructureNotifyMask | FocusChangeMask;
    g->win = XCreateWindow(dpy, RootWindow(dpy, g->screen), 0, 0, L_NORMAL_W, L_NORMAL_H, 0,
                           CopyFromParent, InputOutput, CopyFromParent,
                           CWBackPixmap | CWEventMask, &wa);
    XStoreName(dpy, g->win, "mnist-cnn draw");
    XClassHint ch = {"mnist-cnn", "MnistCnn"};
    XSetClassHint(dpy, g->win, &ch);
    XWMHints wmh = {.flags = InputHint, .input = True};
    XSetWMHints(dpy, g->win, &wmh);
    g->wm_delete = XInternAtom(dpy, "WM_DELETE_WINDOW", False);
    XSetWMProtocols(dpy, g->win, &g->wm_delete, 1);
    g->gc = XCreateGC(dpy, g->win, 0, NULL);
    g->text = text_open(dpy, g->screen);
    if (!g->text) {
        fprintf(stderr, "mnist-cnn draw: no usable font on this X display\n");
        return -1;
    }
    if (!create_shm_scratch(g)) {
        uint32_t *px = calloc((size_t)L_SCRATCH_W * L_SCRATCH_H, sizeof *px);
        if (!px) return -1;
        g->scratch = XCreateImage(dpy, DefaultVisual(dpy, g->screen),
                                  (unsigned)DefaultDepth(dpy, g->screen), ZPixmap, 0, (char *)px,
                                  L_SCRATCH_W, L_SCRATCH_H, 32, L_SCRATCH_W * 4);
        if (!g->scratch) free(px);
    }
    if (!g->scratch || g->scratch->bits_per_pixel != 32) {
        fprintf(stderr, "mnist-cnn draw: the X display does not use 32-bit pixels\n");
        return -1;
    }
    g->scratch_px = (uint32_t *)g->scratch->data;
    set_view(g, g->opt.debug);
    return 0;
}

int gui_run(Gui *g, const Model *m, const MetricLog *log, const char *name)
{
    g->model = m;
    g->log = log;
    g->model_name = name;
    g->inf = infer_create();
    if (!g->inf) {
        fprintf(stderr, "mnist-cnn draw: out of memory\n");
        return 1;
    }
    if (create_window(g)) return 1;
    canvas_clear(&g->canvas);
    g->need_predict = 1;
    g->running = 1;
    update(g);
    XMapRaised(g->dpy, g->win);
    while (!g->mapped) {   /* the replay draws into a window that is on the screen */
        XEvent ev;
        XNextEvent(g->dpy, &ev);
        dispatch(g, &ev);
    }
    int rc = 0;
    if (g->opt.replay) {
        g->timing = (Timing){0};   /* count the replay's events only */
        if (replay(g, g->opt.replay)) rc = 1;
        if (!rc && g->opt.screenshot && screenshot(g, g->opt.screenshot)) rc = 1;
        if (rc || g->opt.print || g->opt.screenshot) g->running = 0;
    }
    while (g->running) {
        XEvent ev;
        XNextEvent(g->dpy, &ev);
        dispatch(g, &ev);
        if ((g->need_predict || g->need_full || g->need_redraw) && !XPending(g->dpy)) update(g);
    }
    if (g->opt.timing && g->timing.n > 0) print_timing(g);
    return rc;
}
