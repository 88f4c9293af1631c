/* What rank 0 hands the other processes: see train_shared.h. */
#include "cli/train_shared.h"
#include "simd/isa.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The fixed-size part, sent first. */
typedef struct {
    TrainConfig cfg;
    char isa[32];
    TrainPosition start;
    float lr, beta1, beta2, eps, weight_decay;
    int64_t step;
    int64_t counters[N_COUNTERS];
    int32_t n[3];   /* train, val, test images */
} Header;

static int fail(Collective *c, char *err, size_t errlen)
{
    snprintf(err, errlen, "%s", c->error);
    return -1;
}

int share_int(Collective *c, int *v, char *err, size_t errlen)
{
    int32_t x = *v;
    if (c->broadcast(c, &x, sizeof x)) return fail(c, err, errlen);
    *v = x;
    return 0;
}

/* The images and labels of the three sets, one after the other. */
static int share_images(Collective *c, ImageSet *set[3], const int32_t n[3], SharedData *held,
                        char *err, size_t errlen)
{
    size_t total = 0;
    for (int i = 0; i < 3; i++) total += (size_t)n[i] * (IMG_PIXELS + 1);
    uint8_t *p = NULL;
    if (c->rank != 0) {
        held->images = p = malloc(total ? total : 1);
        if (!p) {
            snprintf(err, errlen, "rank %d: out of memory for %zu bytes of images", c->rank, total);
            return -1;
        }
    }
    for (int i = 0; i < 3; i++) {
        if (c->rank != 0) {
            *set[i] = (ImageSet){p, p + (size_t)n[i] * IMG_PIXELS, n[i]};
            p += (size_t)n[i] * (IMG_PIXELS + 1);
        }
        if (n[i] == 0) continue;
        if (c->broadcast(c, (void *)set[i]->images, (size_t)n[i] * IMG_PIXELS) ||
            c->broadcast(c, (void *)set[i]->labels, (size_t)n[i]))
            return fail(c, err, errlen);
    }
    return 0;
}

int share_run_state(Collective *c, TrainConfig *cfg, Model *m, Model *avg, Adam *opt,
                    TrainPosition *start, ImageSet *tr, ImageSet *va, ImageSet *te,
                    SharedData *held, char *err, size_t errlen)
{
    Header h;
    memset(&h, 0, sizeof h);
    if (c->rank == 0) {
        h.cfg = *cfg;
        snprintf(h.isa, sizeof h.isa, "%s", isa_name(isa_current()));
        h.start = *start;
        h.lr = opt->lr, h.beta1 = opt->beta1, h.beta2 = opt->beta2, h.eps = opt->eps;
        h.weight_decay = opt->weight_decay;
        h.step = opt->step;
        memcpy(h.counters, m->counters, sizeof h.counters);
        h.n[0] = tr->n, h.n[1] = va ? va->n : 0, h.n[2] = te->n;
    }
    if (c->broadcast(c, &h, sizeof h)) return fail(c, err, errlen);
    if (c->rank != 0) {
        /* the same kernels as rank 0, or the bits would differ */
        h.isa[sizeof h.isa - 1] = 0;
        const IsaDesc *isa = isa_find(h.isa);
        if (!isa || isa_set(isa)) {
            snprintf(err, errlen, "rank %d: rank 0 trains with %s kernels, which this CPU (or "
                     "build) does not run; set MNIST_CNN_ISA to one every host runs", c->rank,
                     h.isa);
            return -1;
        }
        for (int i = 0; i < 3; i++)
            if (h.n[i] < 0 || (size_t)h.n[i] > SIZE_MAX / 4 / (IMG_PIXELS + 1)) {
                snprintf(err, errlen, "rank %d: rank 0 sent a bad image count", c->rank);
                return -1;
            }
        const int threads = cfg->threads;
        volatile const int *stop = cfg->stop;
        const int averaged = h.cfg.ema != NULL;   /* rank 0's pointer: only whether it is set */
        *cfg = h.cfg;
        cfg->threads = threads;
        cfg->stop = stop;
        cfg->comm = c;
        cfg->phase_seconds = NULL;
        cfg->ema = NULL;
        if (averaged) {
            if (model_alloc(avg)) {
                snprintf(err, errlen, "rank %d: out of memory", c->rank);
                return -1;
            }
            cfg->ema = avg;
        }
        *start = h.start;
        if (model_alloc(m) || adam_alloc(opt, h.lr)) {
            snprintf(err, errlen, "rank %d: out of memory", c->rank);
            return -1;
        }
        opt->beta1 = h.beta1, opt->beta2 = h.beta2, opt->eps = h.eps;
        opt->weight_decay = h.weight_decay;
        opt->step = h.step;
        memcpy(m->counters, h.counters, sizeof h.counters);
    }
    if (c->broadcast(c, m->params, sizeof(float) * MODEL_N_PARAMS) ||
        c->broadcast(c, m->buffers, sizeof(float) * MODEL_N_BUFFERS) ||
        c->broadcast(c, opt->m, sizeof(float) * MODEL_N_PARAMS) ||
        c->broadcast(c, opt->v, sizeof(float) * MODEL_N_PARAMS) ||
        (cfg->ema && (c->broadcast(c, cfg->ema->params, sizeof(float) * MODEL_N_PARAMS) ||
                      c->broadcast(c, cfg->ema->buffers, sizeof(float) * MODEL_N_BUFFERS) ||
                      c->broadcast(c, cfg->ema->counters, sizeof cfg->ema->counters))))
        return fail(c, err, errlen);
    ImageSet none = {0}, *sets[3] = {tr, va ? va : &none, te};
    return share_images(c, sets, h.n, held, err, errlen);
}

void shared_data_free(SharedData *held)
{
    free(held->images);
    held->images = NULL;
}
