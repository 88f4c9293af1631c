/* The network's input drawn again from the strokes, with a pen in proportion to the digit.
 *
 * Preprocessing scales the ink's bounding box to MNIST's 20 px, and the pen's width with it: the
 * canvas' 22 px pen is MNIST-like (~2 px) only for a digit that fills the canvas; a digit 35 px
 * tall comes out with strokes ~8 px wide, a blob. So the window keeps the strokes (gui/strokes.h)
 * and rasterises them a second time into a small image where the ink's longer side is
 * RESTROKE_BOX px, at a pen of RESTROKE_BOX * width / 20, i.e. `width` px once preprocess_digit
 * scales the box to 20 px (it then centres by centre of mass as for any image).
 * The canvas stays as drawn; what the user's pen width was no longer matters to the network.
 *
 * Eraser strokes are drawn again too, in order, at a width that wipes the same pieces of stroke
 * as on the canvas (see draw_from in restroke.c). The box is taken from the drawn points, which
 * may have been erased at the ends: then the surviving ink is measured and the strokes drawn once
 * more with the box fitted to it.
 *
 * Per event only the new points are drawn, onto the image kept from the last event, as long as
 * the box stays the same; a box that grows (or a clear) draws everything again. Pure
 * computation, no X11. */
#ifndef MNIST_GUI_RESTROKE_H
#define MNIST_GUI_RESTROKE_H

#include "engine/model.h"
#include "gui/strokes.h"

/* The ink's longer side in the re-drawn image: 4 pixels per pixel of MNIST's 20 px box
 * (DIGIT_BOX), so area averaging down to 20 px gives smooth edges. */
#define RESTROKE_BOX (4 * DIGIT_BOX)
/* The widest stroke asked for, in pixels of the 20 px box: the pen must fit the margin. */
#define RESTROKE_MAX_WIDTH 4.0f
/* The image: the box plus a margin for anti-aliased edges and for ink that a flat eraser cut
 * leaves beyond a box fitted to the ink (at most the pen's width). */
enum { RESTROKE_MARGIN = 10, RESTROKE_SIZE = RESTROKE_BOX + 2 * RESTROKE_MARGIN };

/* Canvas point (x, y) goes to (x * s + ox, y * s + oy) in the image. */
typedef struct {
    float s, ox, oy;
} RestrokeXform;

/* The image kept between events and how far the record is drawn into it. Zero it to start. */
typedef struct {
    float img[RESTROKE_SIZE * RESTROKE_SIZE];
    float pen;              /* image pixels */
    RestrokeXform t;        /* what img is drawn with */
    RestrokeXform fitted;   /* fitted to the drawn box (t differs after fitting to erased ink) */
    unsigned clears;        /* the record's count of clears when img was started */
    int valid;
    int stroke, point;      /* next to draw: point `point` of stroke `stroke` */
    float lx, ly;           /* the last point drawn of that stroke, image pixels */
} Restroke;

/* The network input (IMG_W x IMG_H) from the strokes, as preprocess_digit makes it, with strokes `width`
 * pixels wide (0 < width <= RESTROKE_MAX_WIDTH). Returns 0, or -1 when the strokes cannot give it
 * (the record is full, or no ink survives the eraser): then dst is undefined and the caller uses
 * the canvas. */
int restroke_input(Restroke *r, const Strokes *s, float width, float dst[IMG_PIXELS]);

#endif
