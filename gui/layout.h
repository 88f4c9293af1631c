/* Where things are in the window, in pixels. Fixed: the window has a fixed size per view (normal
 * or debug) and tells the window manager so with size hints. tests/gui reads screenshots with
 * these numbers too. */
#ifndef MNIST_GUI_LAYOUT_H
#define MNIST_GUI_LAYOUT_H

#include "engine/model.h"
#include "gui/canvas.h"

enum {
    /* left column: the canvas and the buttons under it */
    L_CANVAS_X = 16, L_CANVAS_Y = 16,
    L_BUTTON_Y = L_CANVAS_Y + CANVAS_SIZE + 10, L_BUTTON_H = 28, L_BUTTON_W = 64, L_BUTTON_GAP = 8,

    /* middle column: the predicted digit and one probability bar per class */
    L_PANEL_X = 320, L_PANEL_W = 264,
    L_DIGIT_Y = 16, L_DIGIT_H = 116,
    L_BARS_Y = 140, L_BAR_ROW = 16, L_BAR_H = 12,
    L_BAR_X = L_PANEL_X + 18, L_BAR_W = 190,

    L_NORMAL_W = 600, L_NORMAL_H = 372,

    /* debug view: under the canvas the network's input, under the bars the training curves, and a
     * third column with the feature maps */
    L_INPUT_ZOOM = 8,
    L_INPUT_X = L_CANVAS_X + (CANVAS_SIZE - IMG_W * L_INPUT_ZOOM) / 2, L_INPUT_Y = 372,
    L_CURVES_Y = 360, L_CURVES_H = 230,
    L_MAPS_X = 600,
    L_MAP1_ZOOM = 2, L_MAP1_CELL = MAP1_W * L_MAP1_ZOOM + 4, L_MAP1_Y = 36,
    L_MAP2_ZOOM = 2, L_MAP2_CELL = MAP2_W * L_MAP2_ZOOM + 3, L_MAP2_Y = 324,
    L_MAP_COLS = 8,                         /* feature maps per row */
    L_DEBUG_W = L_MAPS_X + L_MAP_COLS * L_MAP1_CELL + 12, L_DEBUG_H = 620,
    L_STATUS_H = 22,                        /* the status bar at the bottom */
    L_TITLE_H = 22,                         /* a title line above a part of the debug view */
};

/* The debug view's parts sized from engine/model.h must fit their places: a larger input needs a
 * smaller zoom (or a taller window), more channels a different grid. */
_Static_assert(IMG_W * L_INPUT_ZOOM <= CANVAS_SIZE &&
                   L_INPUT_Y + IMG_H * L_INPUT_ZOOM + 2 <= L_DEBUG_H - L_STATUS_H,
               "the network input at L_INPUT_ZOOM must fit under the canvas, above the status bar");
_Static_assert(C1 % L_MAP_COLS == 0 && C2 % L_MAP_COLS == 0,
               "the feature maps fill whole rows of L_MAP_COLS");
_Static_assert(L_MAP1_Y + C1 / L_MAP_COLS * L_MAP1_CELL <= L_MAP2_Y - L_TITLE_H &&
                   L_MAP2_Y + C2 / L_MAP_COLS * L_MAP2_CELL <= L_DEBUG_H - L_STATUS_H - 2,
               "conv1's maps must fit above conv2's title, conv2's above the status bar: change "
               "L_MAP1_ZOOM / L_MAP2_ZOOM, L_MAP2_Y or L_DEBUG_H");

#endif
