/* The drawing window of `mnist-cnn draw` (Xlib). The CLI opens it, hands it a loaded model and
 * runs it; the window talks to the engine only through engine/infer.h and engine/preprocess.h.
 * Nothing here prints: errors come back in err, predictions and timings through the options'
 * callback and gui_timing_summary, and the CLI decides what to show. */
#ifndef MNIST_GUI_GUI_H
#define MNIST_GUI_GUI_H

#include <stddef.h>

#include "common/metric_log.h"
#include "engine/model.h"

/* A prediction the window made: after each finished stroke, and on Predict. digit is -1 (probs
 * NULL) when the canvas is blank, GUI_NOT_FINITE (probs NULL) when the network's output was not a
 * number (engine/finite.h: the model's weights are too large): no prediction then. */
enum { GUI_NOT_FINITE = -2 };
typedef void (*GuiPredictionFn)(void *ctx, int stroke, int digit, const float probs[N_CLASSES]);

/* Following a training run (gui_follow): the window waits on a descriptor beside the X connection
 * and, when it is readable, calls reload, which reads whatever changed (the CLI knows the files;
 * the window does not). Returns GUI_RELOADED_MODEL and/or GUI_RELOADED_LOG with *m and/or *log
 * set (the model and log handed over before are not used again once it returns), and a line on
 * the model now held in about (as gui_run's name); 0 when nothing it follows changed; -1 with the
 * reason in about when a file could not be read (the window keeps what it had). */
enum { GUI_RELOADED_MODEL = 1, GUI_RELOADED_LOG = 2 };
typedef int (*GuiReloadFn)(void *ctx, const Model **m, const MetricLog **log, char *about,
                           size_t len);

typedef struct {
    const char *replay;       /* stroke file to replay (gui/replay.h), or NULL */
    const char *screenshot;   /* PNG to write after the replay, then exit; or NULL */
    GuiPredictionFn on_prediction;   /* may be NULL */
    void *ctx;
    int exit_after_replay;    /* with replay: leave once it is done */
    int debug;                /* start in the debug view */
    int timing;               /* measure each event's cost (see gui_timing_summary) */
    float pen_width;          /* canvas pixels; <= 0: the default */
    /* The stroke width of the network's input, in its 28x28 pixels: the strokes are drawn again
     * for it at this width (gui/restroke.h); 0: the canvas itself, scaled like any image (pen and
     * all); < 0: the default, GUI_INPUT_STROKE. */
    float input_stroke;
    /* after the replay, with exit_after_replay or screenshot: stay this many seconds more (events
     * and reloads handled, say for a test) before the screenshot and leaving */
    double linger;
    /* OpenMP threads for a drawing's inference (engine/infer.h): 0 OpenMP's default */
    int infer_threads;
} GuiOptions;

/* MNIST's pen, chosen by measurement (docs/drawing.md, "The width, measured"). */
#define GUI_INPUT_STROKE 2.5f

typedef struct Gui Gui;

/* Opens the display (NULL display name: $DISPLAY). Returns NULL with a message in err when there
 * is no display or no usable visual; nothing is shown yet. */
Gui *gui_open(const GuiOptions *opt, char *err, size_t errlen);

/* Creates the window for model m (log: training metrics, may be NULL or empty; name: the model
 * as the status line names it) and runs until it is closed, or until the replay is done (and
 * linger is over, screenshot taken) when exit_after_replay or screenshot is set. Returns 0, or
 * -1 with a message in err. */
int gui_run(Gui *g, const Model *m, const MetricLog *log, const char *name, char *err,
            size_t errlen);

/* After gui_run with timing: one line on the per-event cost (median, mean, max, parts) into buf.
 * Returns 0, or -1 when no event was measured. */
int gui_timing_summary(const Gui *g, char *buf, size_t len);

/* Before gui_run: follow a training run. fd is readable when reload(ctx, ...) has something to
 * read (cli/watch.h: inotify). */
void gui_follow(Gui *g, int fd, GuiReloadFn reload, void *ctx);

void gui_close(Gui *g);

#endif
