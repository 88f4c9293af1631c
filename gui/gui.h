/* The drawing window of `mnist-cnn draw` (Xlib). The CLI opens it, hands it a loaded model and
 * runs it; the window talks to the engine only through engine/infer.h and engine/preprocess.h. */
#ifndef MNIST_GUI_GUI_H
#define MNIST_GUI_GUI_H

#include <stddef.h>

#include "common/metric_log.h"
#include "engine/model.h"

typedef struct {
    const char *replay;       /* stroke file to replay (gui/replay.h), or NULL */
    const char *screenshot;   /* PNG to write after the replay, then exit; or NULL */
    int print;                /* print each finished stroke's prediction as JSON on stdout */
    int debug;                /* start in the debug view */
    int timing;               /* per-event cost summary on stderr at exit */
    float pen_width;          /* canvas pixels */
} GuiOptions;

typedef struct Gui Gui;

/* Opens the display (NULL display name: $DISPLAY). Returns NULL with a message in err when there
 * is no display or no usable visual; nothing is shown yet. */
Gui *gui_open(const GuiOptions *opt, char *err, size_t errlen);

/* Creates the window for model m (log: training metrics, may be NULL or empty; name: shown in
 * the status line) and runs until it is closed, or until the replay is done when opt has replay
 * with print or screenshot. Returns the exit code: 0, or 1 on a runtime error (printed). */
int gui_run(Gui *g, const Model *m, const MetricLog *log, const char *name);

void gui_close(Gui *g);

#endif
