/* The drawing surface: a float image, 0 = black paper, 1 = white ink, that strokes are
 * rasterised into. Pure computation, no X11: the window shows it; the network's input is drawn
 * from the same strokes with the same rasteriser (gui/restroke.h), or taken from it when they
 * cannot be. */
#ifndef MNIST_GUI_CANVAS_H
#define MNIST_GUI_CANVAS_H

enum { CANVAS_SIZE = 280 };

/* Pen diameter in canvas pixels. MNIST strokes are about 2-3 px wide at 28 px (after the digit is
 * scaled to a 20 px box), so 22 px at 280 gives the same look on a digit that fills the canvas;
 * the network is given the strokes drawn again at MNIST's width whatever the digit's size
 * (gui/restroke.h), so this is only what the user sees. */
#define CANVAS_PEN_WIDTH 22.0f
#define CANVAS_ERASER_WIDTH 44.0f

typedef struct {
    float pix[CANVAS_SIZE * CANVAS_SIZE];
    int x0, y0, x1, y1;   /* dirty rectangle since the last canvas_take_dirty, x1/y1 exclusive */
    int ink;              /* number of segments drawn since the last clear (0: blank) */
} Canvas;

void canvas_clear(Canvas *c);

/* A round-capped segment from (ax, ay) to (bx, by) of the given width into any w x h float
 * image (pixel (x, y) covers [x, x+1) x [y, y+1)), clipped to it; erase as for canvas_segment.
 * The rectangle it touched goes to rect (x0, y0, x1, y1; x1/y1 exclusive; empty: x0 >= x1). */
void raster_segment(float *pix, int w, int h, float ax, float ay, float bx, float by, float width,
                    int erase, int rect[4]);

/* A round-capped segment from (ax, ay) to (bx, by) of the given width, with a one-pixel
 * anti-aliased edge. erase = 0 paints ink (max with what is there), 1 removes it. A single point
 * is a segment of length 0 (a dot). */
void canvas_segment(Canvas *c, float ax, float ay, float bx, float by, float width, int erase);

/* Whether any pixel is above the level `above`. */
int canvas_has_ink(const Canvas *c, float above);

/* Hands out the dirty rectangle and resets it; returns 0 when nothing changed. */
int canvas_take_dirty(Canvas *c, int *x, int *y, int *w, int *h);

#endif
