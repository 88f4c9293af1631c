/* Learning-rate schedules: the rate as a pure function of the optimizer step, so a run resumed at
 * any step continues with the same rates as one never stopped. No state, no files.
 *
 *   constant   peak at every step (the original project's recipe: Adam at 1e-3)
 *   cosine     linear warm-up from peak/warmup_steps to peak over the first warmup_steps steps,
 *              then half a cosine from peak down to 0 at the last step
 *   onecycle   PyTorch's OneCycleLR (pct_start = warmup, anneal_strategy "cos", div_factor 25,
 *              final_div_factor 1e4): from peak/25 up to peak along half a cosine over the
 *              warm-up, then down to peak/25/1e4 along half a cosine */
#ifndef MNIST_ENGINE_SCHEDULE_H
#define MNIST_ENGINE_SCHEDULE_H

#include <stdint.h>

typedef enum { SCHEDULE_CONSTANT = 0, SCHEDULE_COSINE = 1, SCHEDULE_ONECYCLE = 2 } ScheduleKind;

typedef struct {
    ScheduleKind kind;
    float peak;            /* --lr */
    float warmup;          /* fraction of all steps spent warming up, 0..1 */
    int64_t total_steps;   /* optimizer steps of the whole run (epochs x steps per epoch) */
} Schedule;

/* The rate for optimizer step `step` (1-based: the step about to be taken). Steps past
 * total_steps keep the last step's rate. */
float schedule_lr(const Schedule *s, int64_t step);

/* "constant", "cosine", "onecycle"; and back (-1 for an unknown name). */
const char *schedule_name(ScheduleKind k);
int schedule_from_name(const char *name);

#endif
