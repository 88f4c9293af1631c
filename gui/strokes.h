/* The strokes drawn since the last clear, as the pen gave them (canvas pixels): what the network's
 * input is drawn from (gui/restroke.h). Pure data, no X11. Fixed arrays, so recording a point never
 * allocates; a drawing that outgrows them is marked full and the canvas is used instead. */
#ifndef MNIST_GUI_STROKES_H
#define MNIST_GUI_STROKES_H

/* A drawn digit is a few hundred points (a slow mouse gives one per canvas pixel); this is a dozen
 * without clearing. Drawing the record again when the digit's box grows costs ~0.2 ms per 1000
 * points, so a cap keeps that event under the window's 2 ms. */
enum { STROKES_MAX_POINTS = 4096, STROKES_MAX = 512 };

typedef struct {
    int first;      /* index of its first point */
    int n;          /* points */
    int erase;      /* drawn with the eraser */
    float width;    /* pen width, canvas pixels */
} Stroke;

typedef struct {
    Stroke stroke[STROKES_MAX];
    float xy[2 * STROKES_MAX_POINTS];
    int n_strokes, n_points;
    int n_drawn;       /* points of strokes drawn with the pen (not the eraser) */
    float box[4];      /* their bounding box: x0, y0, x1, y1 (inclusive) */
    float pen;         /* the widest pen they were drawn with */
    int n_erase;       /* eraser strokes */
    int full;          /* a stroke or point did not fit: the record is incomplete */
    unsigned clears;   /* times cleared, so what was drawn from the record knows it is gone */
} Strokes;

/* Also what a zeroed Strokes is, but for the count of clears. */
void strokes_clear(Strokes *s);
/* A new stroke starting at (x, y). */
void strokes_begin(Strokes *s, float x, float y, float width, int erase);
/* The pen moved to (x, y) in the current stroke. */
void strokes_add(Strokes *s, float x, float y);

#endif
