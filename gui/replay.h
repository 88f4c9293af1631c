/* Stroke files for `mnist-cnn draw --replay`: recorded strokes replayed as if drawn with the
 * mouse. Text, one item per line:
 *
 *   # a comment, to the end of the line (blank lines are ignored too)
 *   x,y x,y x,y ...        a stroke drawn with the left button, from the first point to the last
 *   erase x,y x,y ...      a stroke with the right button (the eraser)
 *   clear                  clear the canvas (the c key)
 *
 * Points are canvas pixels, (0,0) the top-left corner of the 280x280 canvas, numbers may have a
 * fraction; points are separated by blanks. A stroke of one point is a dot. */
#ifndef MNIST_GUI_REPLAY_H
#define MNIST_GUI_REPLAY_H

#include <stddef.h>

typedef enum { REPLAY_DRAW, REPLAY_ERASE, REPLAY_CLEAR } ReplayKind;

typedef struct {
    ReplayKind kind;
    int n;        /* points (0 for REPLAY_CLEAR) */
    float *xy;    /* n (x, y) pairs */
} ReplayStroke;

typedef struct {
    ReplayStroke *strokes;
    int n;
} Replay;

/* Returns 0, or -1 with "FILE:LINE: what is wrong" in err. */
int replay_load(const char *path, Replay *r, char *err, size_t errlen);
void replay_free(Replay *r);

#endif
