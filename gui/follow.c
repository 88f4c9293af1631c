/* Following a training run: the CLI watches the checkpoint and its metric log and reloads them
 * (gui_follow's callback); here the window swaps in what it got, the model into the Infer it
 * already has (its weights are packed again, nothing reallocated), and reads the drawing again,
 * so the prediction shown is always the held model's. The window itself knows no files. */
#include "gui/app.h"

#include <stdio.h>

void gui_follow(Gui *g, int fd, GuiReloadFn reload, void *ctx)
{
    g->follow_fd = fd;
    g->reload = reload;
    g->reload_ctx = ctx;
}

void follow_reload(Gui *g)
{
    const Model *m = g->model;
    const MetricLog *log = g->log;
    char about[sizeof g->model_name];
    int got = g->reload(g->reload_ctx, &m, &log, about, sizeof about);
    if (got == 0) return;
    g->need_redraw = 1;
    if (got < 0) {   /* the model is kept: say why */
        snprintf(g->status, sizeof g->status, "reload failed (model kept): %.130s", about);
        return;
    }
    snprintf(g->model_name, sizeof g->model_name, "%s", about);
    g->log = log;
    g->need_full = 1;   /* the curves grow; the status line names the new model */
    if (!(got & GUI_RELOADED_MODEL)) return;
    g->model = m;
    infer_set_model(g->inf, m);
    snprintf(g->status, sizeof g->status, "reloaded %.149s", about);
    /* read the drawing again, and say so like a finished stroke (--print) */
    g->need_predict = 1;
    report_prediction(g);
}
