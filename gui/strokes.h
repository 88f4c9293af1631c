/* The strokes drawn since the last clear, as the pen gave them (canvas pixels): what the network's
 * input is drawn from (gui/restroke.h). Pure data, no X11. Fixed arrays, so recording a point never
 * allocates; a drawing that outgrows them is marked full and the canvas is used instead. */
#ifndef MNIST_GUI_STROKES_H
#define MNIST_GUI_STROKES_H

/* A drawn digit is a few hundred points; a minute of scribbling without clearing is ~6000. */
enum { STROKES_MAX_POINTS = 16384, STROKES_MAX = 1024 };

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
    int n_erase;    /* eraser strokes among them */
    int full;       /* a stroke or point did not fit: the record is incomplete */
} Strokes;

void strokes_clear(Strokes *s);
/* A new stroke starting at (x, y). */
void strokes_begin(Strokes *s, float x, float y, float width, int erase);
/* The pen moved to (x, y) in the current stroke. */
void strokes_add(Strokes *s, float x, float y);

#endif
