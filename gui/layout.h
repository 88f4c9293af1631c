/* Where things are in the window, in pixels. Fixed: the window has a fixed size per view (normal
 * or debug) and tells the window manager so with size hints. tests/gui reads screenshots with
 * these numbers too. */
#ifndef MNIST_GUI_LAYOUT_H
#define MNIST_GUI_LAYOUT_H

#include "gui/canvas.h"

enum {
    /* left column: the canvas and the buttons under it */
    L_CANVAS_X = 16, L_CANVAS_Y = 16,
    L_BUTTON_Y = L_CANVAS_Y + CANVAS_SIZE + 10, L_BUTTON_H = 28, L_BUTTON_W = 64, L_BUTTON_GAP = 8,
    L_N_BUTTONS = 4,

    /* middle column: the predicted digit and the 10 probability bars */
    L_PANEL_X = 320, L_PANEL_W = 264,
    L_DIGIT_Y = 16, L_DIGIT_H = 116,
    L_BARS_Y = 140, L_BAR_ROW = 16, L_BAR_H = 12,
    L_BAR_X = L_PANEL_X + 18, L_BAR_W = 190,

    L_NORMAL_W = 600, L_NORMAL_H = 372,

    /* debug view: under the canvas the network's input, under the bars the training curves, and a
     * third column with the feature maps */
    L_INPUT_ZOOM = 8,
    L_INPUT_X = L_CANVAS_X + (CANVAS_SIZE - 28 * L_INPUT_ZOOM) / 2, L_INPUT_Y = 372,
    L_CURVES_Y = 360, L_CURVES_H = 230,
    L_MAPS_X = 600,
    L_MAP1_ZOOM = 2, L_MAP1_CELL = 28 * L_MAP1_ZOOM + 4, L_MAP1_Y = 36,
    L_MAP2_ZOOM = 2, L_MAP2_CELL = 14 * L_MAP2_ZOOM + 3, L_MAP2_Y = 324,
    L_DEBUG_W = L_MAPS_X + 8 * L_MAP1_CELL + 12, L_DEBUG_H = 620,
};

#endif
