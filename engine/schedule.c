#include "engine/schedule.h"

#include <math.h>
#include <string.h>

static const char *const names[] = {"constant", "cosine", "onecycle"};

const char *schedule_name(ScheduleKind k)
{
    return (unsigned)k < sizeof names / sizeof names[0] ? names[k] : "?";
}

int schedule_from_name(const char *name)
{
    for (int i = 0; i < (int)(sizeof names / sizeof names[0]); i++)
        if (strcmp(name, names[i]) == 0) return i;
    return -1;
}

/* Half a cosine from a (t = 0) to b (t = 1). */
static double cos_anneal(double a, double b, double t)
{
    return b + (a - b) * 0.5 * (1 + cos(M_PI * t));
}

/* Where step lies in the decay after warm steps of warm-up: 0 for the first, 1 for the last. */
static double decay_position(int64_t step, int64_t warm, int64_t total)
{
    int64_t span = total - warm - 1;
    return span > 0 ? (double)(step - warm - 1) / (double)span : 0.0;
}

float schedule_lr(const Schedule *s, int64_t step)
{
    double peak = s->peak;
    int64_t total = s->total_steps > 0 ? s->total_steps : 1;
    if (step < 1) step = 1;
    if (step > total) step = total;
    /* computed in double from integers, so the rate of a step is the same bits on every run */
    int64_t warm = (int64_t)llround((double)s->warmup * (double)total);
    if (warm >= total) warm = total - 1;
    switch (s->kind) {
    case SCHEDULE_COSINE:
        if (step <= warm) return (float)(peak * (double)step / (double)warm);
        /* the step after warm-up runs at the peak, the last one at 0 */
        return (float)cos_anneal(peak, 0.0, decay_position(step, warm, total));
    case SCHEDULE_ONECYCLE: {
        /* PyTorch's arithmetic: its warm-up phase ends at 0-based step warmup * total - 1 */
        double start = peak / 25.0, end = start / 1e4, i = (double)(step - 1);
        double phase_end = (double)s->warmup * (double)total - 1;
        if (phase_end > 0 && i <= phase_end) return (float)cos_anneal(start, peak, i / phase_end);
        if (phase_end < 0) phase_end = 0;
        double span = (double)total - 1 - phase_end;
        return (float)cos_anneal(peak, end, span > 0 ? (i - phase_end) / span : 0.0);
    }
    default: return s->peak;
    }
}
