#include "common/metric_log.h"

#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

/* ---- checks ---- */

/* What a float field may hold: its bounds, and whether NaN ("not measured") is allowed. */
typedef struct {
    const char *name;
    size_t offset;
    float lo, hi;   /* hi INFINITY: no upper bound (but still finite) */
    int nan_ok;
} FloatField;

#define LOSS(T, f, nan_ok) {#f, offsetof(T, f), 0, INFINITY, nan_ok}
#define ACC(T, f, nan_ok) {#f, offsetof(T, f), 0, 1, nan_ok}

static const FloatField epoch_floats[] = {
    LOSS(EpochMetrics, train_loss, 0), ACC(EpochMetrics, train_acc, 0),
    LOSS(EpochMetrics, test_loss, 1),  ACC(EpochMetrics, test_acc, 1),
    LOSS(EpochMetrics, val_loss, 1),   ACC(EpochMetrics, val_acc, 1),
    {"seconds", offsetof(EpochMetrics, seconds), 0, INFINITY, 0},
    {"samples_per_s", offsetof(EpochMetrics, samples_per_s), 0, INFINITY, 0},
    {"lr", offsetof(EpochMetrics, lr), 0, 10, 0},
    {"eval_seconds", offsetof(EpochMetrics, eval_seconds), 0, INFINITY, 1},
};
static const FloatField step_floats[] = {
    LOSS(StepMetrics, loss, 0), ACC(StepMetrics, acc, 0),
    {"lr", offsetof(StepMetrics, lr), 0, 10, 1},   /* NaN in logs older than the schedules */
};

/* The float fields of one row (table[row]); -1 with the first bad one in err. */
static int check_floats(const char *table, size_t row, const void *rec, const FloatField *f,
                        size_t n, char *err, size_t errlen)
{
    for (size_t i = 0; i < n; i++) {
        float v;
        memcpy(&v, (const char *)rec + f[i].offset, sizeof v);
        if (isnan(v) && f[i].nan_ok) continue;
        if (v >= f[i].lo && v <= f[i].hi && isfinite(v)) continue;
        if (isinf(f[i].hi))
            snprintf(err, errlen, "%s[%zu].%s is %g, not a finite number >= 0%s", table, row,
                     f[i].name, (double)v, f[i].nan_ok ? " (or NaN: not measured)" : "");
        else
            snprintf(err, errlen, "%s[%zu].%s is %g, outside %g..%g%s", table, row, f[i].name,
                     (double)v, (double)f[i].lo, (double)f[i].hi,
                     f[i].nan_ok ? " (or NaN: not measured)" : "");
        return -1;
    }
    return 0;
}

int metrics_check(const MetricLog *log, char *err, size_t errlen)
{
    for (size_t r = 0; r < log->n_epochs; r++) {
        const EpochMetrics *e = &log->epochs[r];
        if (e->epoch < 1 || e->epoch > METRICS_MAX_EPOCH) {
            snprintf(err, errlen, "epochs[%zu].epoch is %ld, outside 1..%d", r, (long)e->epoch,
                     METRICS_MAX_EPOCH);
            return -1;
        }
        if (check_floats("epochs", r, e, epoch_floats, sizeof epoch_floats / sizeof *epoch_floats,
                         err, errlen))
            return -1;
    }
    for (size_t r = 0; r < log->n_steps; r++) {
        const StepMetrics *s = &log->steps[r];
        if (s->step < 1 || s->step > METRICS_MAX_STEP) {
            snprintf(err, errlen, "steps[%zu].step is %lld, outside 1..%lld", r, (long long)s->step,
                     METRICS_MAX_STEP);
            return -1;
        }
        if (check_floats("steps", r, s, step_floats, sizeof step_floats / sizeof *step_floats, err,
                         errlen))
            return -1;
    }
    return 0;
}
