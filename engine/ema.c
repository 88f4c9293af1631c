#include "engine/ema.h"

#include <string.h>

float ema_decay_at(float decay, int64_t step)
{
    const double warm = (1.0 + (double)step) / (10.0 + (double)step);
    return (float)(warm < decay ? warm : decay);
}

void ema_update(Model *avg, const Model *m, float decay, int64_t step, int threads)
{
    const float d = ema_decay_at(decay, step), e = 1.0f - d;
    float *ap = avg->params, *ab = avg->buffers;
    const float *mp = m->params, *mb = m->buffers;
#pragma omp parallel for schedule(static) num_threads(threads)
    for (size_t i = 0; i < MODEL_N_PARAMS; i++) ap[i] = d * ap[i] + e * mp[i];
    for (size_t i = 0; i < MODEL_N_BUFFERS; i++) ab[i] = d * ab[i] + e * mb[i];
    memcpy(avg->counters, m->counters, sizeof m->counters);
}
