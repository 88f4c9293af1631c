/* Text for the window: Xft (anti-aliased DejaVu) when built with it, else X core fonts. */
#ifndef MNIST_GUI_TEXT_H
#define MNIST_GUI_TEXT_H

#include <X11/Xlib.h>

typedef enum { FONT_SMALL, FONT_BOLD, FONT_BIG, N_FONTS } FontId;

typedef struct Text Text;

/* NULL when not even the core "fixed" font can be opened. */
Text *text_open(Display *dpy, int screen);
void text_close(Text *t);
/* Where the following text_draw calls draw (the off-screen pixmap). */
void text_target(Text *t, Drawable d);
/* s at (x, baseline y) in colour rgb (0xRRGGBB). */
void text_draw(Text *t, FontId f, int x, int y, unsigned rgb, const char *s);
int text_width(Text *t, FontId f, const char *s);
int text_ascent(Text *t, FontId f);

#endif
