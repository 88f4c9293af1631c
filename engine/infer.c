#include "engine/infer.h"
#include "engine/net.h"

#include <math.h>
#include <stdlib.h>

struct Infer {
    Net *net;
    float x[IMG_PIXELS];
};

Infer *infer_create(void)
{
    Infer *inf = calloc(1, sizeof *inf);
    if (!inf) return NULL;
    /* one image: a single thread avoids waking a team for microseconds of work */
    inf->net = net_create(1, 1);
    if (!inf->net) {
        free(inf);
        return NULL;
    }
    return inf;
}

void infer_free(Infer *inf)
{
    if (!inf) return;
    net_free(inf->net);
    free(inf);
}

int infer_run(Infer *inf, const Model *m, const float img[784], float logits[10], float probs[10],
              float *maps1, float *maps2)
{
    float z[N_CLASSES];
    for (int i = 0; i < IMG_PIXELS; i++) inf->x[i] = (img[i] - 0.5f) / 0.5f;
    net_forward_eval(inf->net, m, inf->x, 1, z);
    if (maps1 || maps2) net_feature_maps(inf->net, maps1, maps2);
    int best = 0;
    for (int j = 1; j < N_CLASSES; j++)
        if (z[j] > z[best]) best = j;
    if (logits)
        for (int j = 0; j < N_CLASSES; j++) logits[j] = z[j];
    if (probs) {
        double sum = 0;
        for (int j = 0; j < N_CLASSES; j++) sum += exp((double)z[j] - z[best]);
        for (int j = 0; j < N_CLASSES; j++) probs[j] = (float)(exp((double)z[j] - z[best]) / sum);
    }
    return best;
}
