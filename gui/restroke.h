/* The network's input drawn again from the strokes, with a pen in proportion to the digit.
 *
 * Preprocessing scales the ink's bounding box to MNIST's 20 px, and the pen's width with it: the
 * canvas' 22 px pen is MNIST-like (~2 px) only for a digit that fills the canvas; a digit 35 px
 * tall comes out with strokes ~8 px wide, a blob. So the window keeps the strokes (gui/strokes.h)
 * and rasterises them a second time into a small image where the ink's longer side is
 * RESTROKE_BOX px, at a pen of RESTROKE_BOX * RESTROKE_WIDTH / 20, i.e. RESTROKE_WIDTH px once
 * preprocess_digit scales the box to 20 px (it then centres by centre of mass as for any image).
 * The canvas stays as drawn; what the user's pen width was no longer matters to the network.
 *
 * Eraser strokes are drawn again too, in order, at a width that wipes the same pieces of stroke
 * as on the canvas (see render in restroke.c). The box is taken from the drawn points, which may
 * have been erased at the ends: then the surviving ink is measured and the strokes drawn once more
 * with the box fitted to it. Pure computation, no X11. */
#ifndef MNIST_GUI_RESTROKE_H
#define MNIST_GUI_RESTROKE_H

#include "gui/strokes.h"

/* The ink's longer side in the re-drawn image: 4 pixels per pixel of MNIST's 20 px box, so area
 * averaging down to 20 px gives smooth edges. */
#define RESTROKE_BOX 80
/* The stroke width after scaling to 20 px (MNIST's pen), chosen by measurement: README.md,
 * "Drawing window". */
#define RESTROKE_WIDTH 2.5f

/* The 28x28 network input from the strokes, as preprocess_digit makes it. Returns 0, or -1 when
 * the strokes cannot give it (the record is full, or no ink survives the eraser): then dst is
 * undefined and the caller uses the canvas. */
int restroke_input(const Strokes *s, float dst[784]);

#endif
