/* Every colour the window draws with (0xRRGGBB on the 24-bit TrueColor visual gui_open checks
 * for), in one place beside the layout. */
#ifndef MNIST_GUI_COLOURS_H
#define MNIST_GUI_COLOURS_H

enum {
    COL_BG = 0x1e1f22,          /* window background */
    COL_FRAME = 0x55585e,       /* frames around canvas, buttons, plots */
    COL_TEXT = 0xdfe1e5, COL_DIM = 0x8b8f96,
    COL_BUTTON = 0x34373c, COL_BUTTON_ON = 0x3d5a80, COL_BUTTON_DOWN = 0x50535a,
    COL_BAR_BG = 0x2c2e33, COL_BAR = 0x4a90e2, COL_BAR_TOP = 0xf5a623,   /* also train / test */
    COL_EMPTY = 0x141517,       /* feature maps of a blank canvas */
    COL_NO_DIGIT = 0x3a3c42,    /* the "?" shown before anything is drawn */
    COL_WARN = 0xe06c5a,        /* the "!" of a model whose output is not a number */
    COL_PLOT_BG = 0x17181a, COL_PLOT_GRID = 0x34363b,
    COL_STATUS_RULE = 0x2b2d31, /* the line above the status bar */
};

#endif
