/* The window: set-up, one event loop with a handler per event type (as suckless st does), replay
 * and screenshots. Keys and buttons go through the tables in gui/bindings.c; everything is drawn
 * into an off-screen pixmap (gui/panel.c) and copied to the window by gui/update.c, so nothing
 * flickers. Errors are returned to the caller, never printed. */
#include "gui/app.h"
#include "common/clock.h"
#include "gui/replay.h"
#include "io/image.h"

#ifdef MNIST_HAVE_XSHM
#include <X11/extensions/XShm.h>
#include <sys/ipc.h>
#include <sys/shm.h>
#endif
#include <X11/Xatom.h>
#include <X11/Xutil.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
    if (g->opt.input_stroke < 0) g->opt.input_stroke = GUI_INPUT_STROKE;
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

/* ---- event handlers, one per event type ---- */

static void on_button_press(Gui *g, XEvent *ev)
{
    XButtonEvent *e = &ev->xbutton;
    int b = panel_button_at(e->x, e->y);
    if (b >= 0 && e->button == Button1) {
        g->pressed_button = b;
        g->need_redraw = 1;
        button_bindings[b].act(g);
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
    for (int i = 0; i < n_key_bindings; i++)
        if (key_bindings[i].key == k) {
            key_bindings[i].act(g);
            break;
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

static int replay(Gui *g, const char *path, char *err, size_t errlen)
{
    Replay r;
    if (replay_load(path, &r, err, errlen)) return -1;
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

static int screenshot(Gui *g, const char *path, char *err, size_t errlen)
{
    g->need_full = 1;
    update(g);
    XImage *im = XGetImage(g->dpy, g->pix, 0, 0, (unsigned)g->w, (unsigned)g->h, AllPlanes, ZPixmap);
    uint8_t *rgb = im ? malloc((size_t)g->w * (size_t)g->h * 3) : NULL;
    if (!rgb) {
        snprintf(err, errlen, "%s: could not read the window's image", path);
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
    int rc = image_save_png(path, rgb, g->w, g->h, 3, err, errlen);
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

static int create_window(Gui *g, char *err, size_t errlen)
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
        snprintf(err, errlen, "no usable font on this X display");
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
        snprintf(err, errlen, "the X display does not use 32-bit pixels");
        return -1;
    }
    g->scratch_px = (uint32_t *)g->scratch->data;
    set_view(g, g->opt.debug);
    return 0;
}

/* Sleeps until the X connection or the followed checkpoint's descriptor has something, or until
 * `until` (clock_seconds; < 0: no limit). Events Xlib has already read off the connection do not
 * wake poll, so it returns at once when there are some. Returns 1 when follow_fd is readable. */
static int wait_events(Gui *g, double until)
{
    XFlush(g->dpy);
    if (XPending(g->dpy)) return 0;
    struct pollfd fd[2] = {{.fd = ConnectionNumber(g->dpy), .events = POLLIN},
                           {.fd = g->follow_fd, .events = POLLIN}};
    int timeout = -1;
    if (until >= 0) {
        double left = until - clock_seconds();
        timeout = left <= 0 ? 0 : (int)(left * 1e3) + 1;
    }
    int n = poll(fd, g->reload ? 2 : 1, timeout);
    if (n < 0 && errno != EINTR) g->running = 0;   /* cannot wait: nothing more can happen */
    return n > 0 && g->reload && (fd[1].revents & POLLIN);
}

int gui_run(Gui *g, const Model *m, const MetricLog *log, const char *name, char *err,
            size_t errlen)
{
    g->model = m;
    g->log = log;
    snprintf(g->model_name, sizeof g->model_name, "%s", name);
    g->inf = infer_create(m, g->opt.infer_threads);
    if (!g->inf) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    if (create_window(g, err, errlen)) return -1;
    canvas_clear(&g->canvas);
    strokes_clear(&g->rec);
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
    double until = -1;   /* when to leave by itself (< 0: only when closed) */
    if (g->opt.replay) {
        g->timing = (Timing){0};   /* count the replay's events only */
        rc = replay(g, g->opt.replay, err, errlen);
        if (rc) g->running = 0;
        else if (g->opt.exit_after_replay || g->opt.screenshot)
            until = clock_seconds() + g->opt.linger;
    }
    while (g->running) {
        if (until >= 0 && clock_seconds() >= until) {
            if (g->opt.screenshot) rc = screenshot(g, g->opt.screenshot, err, errlen);
            break;
        }
        if (wait_events(g, until) > 0) follow_reload(g);
        while (XPending(g->dpy)) {
            XEvent ev;
            XNextEvent(g->dpy, &ev);
            dispatch(g, &ev);
        }
        /* all queued events first: motions that piled up during a prediction become one */
        if (g->need_predict || g->need_full || g->need_redraw) update(g);
    }
    return rc;
}
