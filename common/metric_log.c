#include "common/metric_log.h"

#include <math.h>
#include <stdlib.h>

/* Grow *buf (holding *cap items of size sz) so it holds at least need items. */
static int grow(void **buf, size_t *cap, size_t need, size_t sz)
{
    if (need <= *cap) return 0;
    size_t ncap = *cap ? *cap * 2 : 64;
    while (ncap < need) ncap *= 2;
    void *p = realloc(*buf, ncap * sz);
    if (!p) return -1;
    *buf = p;
    *cap = ncap;
    return 0;
}

int metrics_add_epoch(MetricLog *log, const EpochMetrics *e)
{
    if (grow((void **)&log->epochs, &log->cap_epochs, log->n_epochs + 1, sizeof *e)) return -1;
    log->epochs[log->n_epochs++] = *e;
    return 0;
}

int metrics_add_step(MetricLog *log, const StepMetrics *s)
{
    if (grow((void **)&log->steps, &log->cap_steps, log->n_steps + 1, sizeof *s)) return -1;
    log->steps[log->n_steps++] = *s;
    return 0;
}

void metrics_free(MetricLog *log)
{
    free(log->epochs);
    free(log->steps);
    *log = (MetricLog){0};
}

long metrics_best_epoch(const MetricLog *log, int upto)
{
    long best = -1;
    for (size_t i = 0; i < log->n_epochs; i++) {
        const EpochMetrics *e = &log->epochs[i];
        if (e->epoch > upto || isnan(e->val_acc)) continue;
        const EpochMetrics *b = best >= 0 ? &log->epochs[best] : NULL;
        if (!b || e->val_acc > b->val_acc || (e->val_acc == b->val_acc && e->val_loss < b->val_loss))
            best = (long)i;
    }
    return best;
}
