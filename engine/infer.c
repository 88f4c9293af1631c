#include "engine/argmax.h"
#include "engine/input.h"
#include "engine/infer.h"
#include "engine/net.h"

#include <math.h>
#include <stdlib.h>

struct Infer {
    Workspace *ws;
    float x[IMG_PIXELS];
};

Infer *infer_create(const Model *m, int threads)
{
    Infer *inf = calloc(1, sizeof *inf);
    if (!inf) return NULL;
    /* with several threads, conv2 and fc1 split their output channels between them (engine/net.c) */
    inf->ws = workspace_create(1, threads, CONV_DIRECT);
    if (!inf->ws) {
        free(inf);
        return NULL;
    }
    net_eval_prepare(inf->ws, m);
    return inf;
}

void infer_set_model(Infer *inf, const Model *m) { net_eval_prepare(inf->ws, m); }

void infer_free(Infer *inf)
{
    if (!inf) return;
    workspace_free(inf->ws);
    free(inf);
}

int infer_run(Infer *inf, const float img[IMG_PIXELS], float logits[N_CLASSES],
              float probs[N_CLASSES], float *maps1, float *maps2)
{
    float z[N_CLASSES];
    for (int i = 0; i < IMG_PIXELS; i++) inf->x[i] = input_normalize(img[i]);
    net_eval_forward(inf->ws, inf->x, 1, z);   /* cannot fail: infer_create took a snapshot */
    if (maps1 || maps2) net_feature_maps(inf->ws, maps1, maps2);
    /* the one check of every result shown: finite logits make finite probabilities */
    if (!values_finite(z, N_CLASSES) || (maps1 && !values_finite(maps1, MAP1_FLOATS)) ||
        (maps2 && !values_finite(maps2, MAP2_FLOATS)))
        return INFER_NOT_FINITE;
    int best = argmax(z, N_CLASSES);
    if (logits)
        for (int j = 0; j < N_CLASSES; j++) logits[j] = z[j];
    if (probs) {
        double sum = 0;
        for (int j = 0; j < N_CLASSES; j++) sum += exp((double)z[j] - z[best]);
        for (int j = 0; j < N_CLASSES; j++) probs[j] = (float)(exp((double)z[j] - z[best]) / sum);
    }
    return best;
}
