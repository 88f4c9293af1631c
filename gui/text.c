/* Text drawing behind one small interface, so the panels do not care which font system runs. */
#include "gui/text.h"

#include <stdlib.h>
#include <string.h>
#include <X11/Xutil.h>
#ifdef MNIST_HAVE_XFT
#include <X11/Xft/Xft.h>
#endif

#ifdef MNIST_HAVE_XFT
static const char *const font_names[N_FONTS] = {
    "DejaVu Sans:pixelsize=12", "DejaVu Sans:bold:pixelsize=13", "DejaVu Sans:bold:pixelsize=104"};
enum { N_COLOURS = 16 };
struct Text {
    Display *dpy;
    int screen;
    XftFont *font[N_FONTS];
    XftDraw *draw;
    Drawable target;
    struct { unsigned rgb; XftColor c; } colour[N_COLOURS];
    int n_colours;
};
#else
static const char *const font_names[N_FONTS] = {
    "-misc-fixed-medium-r-normal--13-*-*-*-*-*-iso8859-1",
    "-misc-fixed-bold-r-normal--13-*-*-*-*-*-iso8859-1",
    "-misc-fixed-bold-r-normal--18-*-*-*-*-*-iso8859-1"};
/* Core fonts have no large sizes: FONT_BIG is the 18 px one drawn BIG_SCALE times larger. */
enum { BIG_SCALE = 7 };
struct Text {
    Display *dpy;
    XFontStruct *font[N_FONTS];
    GC gc;
    Drawable target;
};
#endif

Text *text_open(Display *dpy, int screen)
{
    Text *t = calloc(1, sizeof *t);
    if (!t) return NULL;
    t->dpy = dpy;
#ifdef MNIST_HAVE_XFT
    t->screen = screen;
    for (int i = 0; i < N_FONTS; i++) {
        t->font[i] = XftFontOpenName(dpy, screen, font_names[i]);
        if (!t->font[i]) {
            text_close(t);
            return NULL;
        }
    }
#else
    (void)screen;
    for (int i = 0; i < N_FONTS; i++) {
        t->font[i] = XLoadQueryFont(dpy, font_names[i]);
        if (!t->font[i]) t->font[i] = XLoadQueryFont(dpy, "fixed");
        if (!t->font[i]) {
            text_close(t);
            return NULL;
        }
    }
    t->gc = XCreateGC(dpy, DefaultRootWindow(dpy), 0, NULL);
#endif
    return t;
}

void text_close(Text *t)
{
    if (!t) return;
#ifdef MNIST_HAVE_XFT
    Visual *vis = DefaultVisual(t->dpy, t->screen);
    Colormap cmap = DefaultColormap(t->dpy, t->screen);
    for (int i = 0; i < t->n_colours; i++) XftColorFree(t->dpy, vis, cmap, &t->colour[i].c);
    if (t->draw) XftDrawDestroy(t->draw);
    for (int i = 0; i < N_FONTS; i++)
        if (t->font[i]) XftFontClose(t->dpy, t->font[i]);
#else
    for (int i = 0; i < N_FONTS; i++)
        if (t->font[i]) XFreeFont(t->dpy, t->font[i]);
    if (t->gc) XFreeGC(t->dpy, t->gc);
#endif
    free(t);
}

void text_target(Text *t, Drawable d)
{
    if (t->target == d) return;
    t->target = d;
#ifdef MNIST_HAVE_XFT
    if (t->draw) XftDrawChange(t->draw, d);
    else t->draw = XftDrawCreate(t->dpy, d, DefaultVisual(t->dpy, t->screen),
                                 DefaultColormap(t->dpy, t->screen));
#endif
}

#ifdef MNIST_HAVE_XFT
static XftColor *colour(Text *t, unsigned rgb)
{
    for (int i = 0; i < t->n_colours; i++)
        if (t->colour[i].rgb == rgb) return &t->colour[i].c;
    int i = t->n_colours < N_COLOURS ? t->n_colours++ : N_COLOURS - 1;
    if (i == N_COLOURS - 1 && t->n_colours == N_COLOURS)
        XftColorFree(t->dpy, DefaultVisual(t->dpy, t->screen), DefaultColormap(t->dpy, t->screen),
                     &t->colour[i].c);
    XRenderColor rc = {(unsigned short)(((rgb >> 16) & 255) * 257),
                       (unsigned short)(((rgb >> 8) & 255) * 257), (unsigned short)((rgb & 255) * 257),
                       0xffff};
    XftColorAllocValue(t->dpy, DefaultVisual(t->dpy, t->screen), DefaultColormap(t->dpy, t->screen),
                       &rc, &t->colour[i].c);
    t->colour[i].rgb = rgb;
    return &t->colour[i].c;
}
#endif

void text_draw(Text *t, FontId f, int x, int y, unsigned rgb, const char *s)
{
#ifdef MNIST_HAVE_XFT
    XftDrawStringUtf8(t->draw, colour(t, rgb), t->font[f], x, y, (const FcChar8 *)s,
                      (int)strlen(s));
#else
    XFontStruct *fs = t->font[f];
    int len = (int)strlen(s);
    XSetForeground(t->dpy, t->gc, rgb);
    if (f != FONT_BIG) {
        XSetFont(t->dpy, t->gc, fs->fid);
        XDrawString(t->dpy, t->target, t->gc, x, y, s, len);
        return;
    }
    /* draw the text into a bitmap, then each of its pixels as a BIG_SCALE square */
    int w = XTextWidth(fs, s, len), h = fs->ascent + fs->descent;
    if (w <= 0 || h <= 0) return;
    Pixmap bm = XCreatePixmap(t->dpy, t->target, (unsigned)w, (unsigned)h, 1);
    GC bgc = XCreateGC(t->dpy, bm, 0, NULL);
    XSetForeground(t->dpy, bgc, 0);
    XFillRectangle(t->dpy, bm, bgc, 0, 0, (unsigned)w, (unsigned)h);
    XSetForeground(t->dpy, bgc, 1);
    XSetFont(t->dpy, bgc, fs->fid);
    XDrawString(t->dpy, bm, bgc, 0, fs->ascent, s, len);
    XImage *im = XGetImage(t->dpy, bm, 0, 0, (unsigned)w, (unsigned)h, 1, XYPixmap);
    if (im) {
        for (int r = 0; r < h; r++)
            for (int c = 0; c < w; c++)
                if (XGetPixel(im, c, r))
                    XFillRectangle(t->dpy, t->target, t->gc, x + c * BIG_SCALE,
                                   y + (r - fs->ascent) * BIG_SCALE, BIG_SCALE, BIG_SCALE);
        XDestroyImage(im);
    }
    XFreeGC(t->dpy, bgc);
    XFreePixmap(t->dpy, bm);
#endif
}

int text_width(Text *t, FontId f, const char *s)
{
#ifdef MNIST_HAVE_XFT
    XGlyphInfo g;
    XftTextExtentsUtf8(t->dpy, t->font[f], (const FcChar8 *)s, (int)strlen(s), &g);
    return g.xOff;
#else
    return XTextWidth(t->font[f], s, (int)strlen(s)) * (f == FONT_BIG ? BIG_SCALE : 1);
#endif
}

int text_ascent(Text *t, FontId f)
{
#ifdef MNIST_HAVE_XFT
    return t->font[f]->ascent;
#else
    return t->font[f]->ascent * (f == FONT_BIG ? BIG_SCALE : 1);
#endif
}
