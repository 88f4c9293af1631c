/* Stroke files for `mnist-cnn draw --replay`: recorded strokes replayed as if drawn with the
 * mouse. Text, one item per line:
 *
 *   # a comment, to the end of the line (blank lines are ignored too)
 *   x,y x,y x,y ...        a stroke drawn with the left button, from the first point to the last
 *   erase x,y x,y ...      a stroke with the right button (the eraser)
 *   clear                  clear the canvas (the c key)
 *
 * Points are canvas pixels, (0,0) the top-left corner of the 280x280 canvas, numbers may have a
 * fraction; points are separated by blanks. A stroke of one point is a dot.
 *
 * Bounds, far above what a hand draws (a digit is a few hundred points; a slow mouse gives one per
 * canvas pixel) and what keeps a replay short (each point is an event of about half a
 * millisecond: predict and redraw): coordinates are numbers within -REPLAY_MAX_COORD..
 * REPLAY_MAX_COORD (points off the canvas are drawn where they fall, as a drag out of the window);
 * at most REPLAY_MAX_LINE_POINTS points on a line, REPLAY_MAX_POINTS in the file and
 * REPLAY_MAX_ITEMS strokes and clears. Anything else is an error naming the file and the line. */
#ifndef MNIST_GUI_REPLAY_H
#define MNIST_GUI_REPLAY_H

#include <stddef.h>

#define REPLAY_MAX_COORD 10000.0f
enum { REPLAY_MAX_LINE_POINTS = 4096, REPLAY_MAX_POINTS = 16384, REPLAY_MAX_ITEMS = 4096 };

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
