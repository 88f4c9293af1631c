/* A batch shared out between processes gives the bits of one process: R "processes" (threads
 * here, each with its own model, optimizer and workspace, talking through an in-memory
 * Collective with the semantics of dist/comm_mpi.c) train the same short run as one process, and
 * every one of them ends with the same weights, running statistics and Adam moments, byte for
 * byte. The real thing over MPI is tests/dist/mpi.sh; this one runs everywhere, sanitizers
 * included, and also covers batches whose last block is short or empty. */
#include "common/tree_sum.h"
#include "engine/net.h"
#include "engine/train.h"
#include "tests/check.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

enum { MAX_RANKS = 8 };

typedef struct {
    pthread_barrier_t barrier;
    const void *slot[MAX_RANKS];
} Shared;

/* Every rank posts its buffer, all read, all wait: the next call may reuse the buffers. */
static int sum(Collective *c, void *v, size_t n, CollType type, int nodes)
{
    Shared *sh = c->impl;
    const size_t es = type == COLL_FLOAT ? sizeof(float) : sizeof(double);
    char *all = malloc(es * n * (size_t)(nodes > 0 ? nodes : 1));
    sh->slot[c->rank] = v;
    pthread_barrier_wait(&sh->barrier);
    for (int r = 0; r < nodes; r++) memcpy(all + (size_t)r * n * es, sh->slot[r], n * es);
    pthread_barrier_wait(&sh->barrier);
    if (type == COLL_FLOAT) tree_sum_floats((float *)all, nodes, n, 0, n);
    else tree_sum_doubles((double *)all, nodes, n, 0, n);
    memcpy(v, all, n * es);
    free(all);
    return 0;
}

static int broadcast(Collective *c, void *buf, size_t bytes)
{
    Shared *sh = c->impl;
    sh->slot[c->rank] = buf;
    pthread_barrier_wait(&sh->barrier);
    if (c->rank) memcpy(buf, sh->slot[0], bytes);
    pthread_barrier_wait(&sh->barrier);
    return 0;
}

static int gather(Collective *c, const void *mine, void *all, const size_t *bytes)
{
    Shared *sh = c->impl;
    sh->slot[c->rank] = mine;
    pthread_barrier_wait(&sh->barrier);
    size_t off = 0;
    for (int r = 0; r < c->ranks; r++) {
        if (r != c->rank) memcpy((char *)all + off, sh->slot[r], bytes[r]);
        off += bytes[r];
    }
    pthread_barrier_wait(&sh->barrier);
    return 0;
}

static void synth(uint8_t *img, uint8_t *lab, int n)
{
    unsigned s = 11;
    for (int k = 0; k < n; k++) {
        lab[k] = (uint8_t)(k * 7 % 10);
        for (int i = 0; i < IMG_PIXELS; i++) {
            s = s * 1664525u + 1013904223u;
            int y = i / IMG_W, x = i % IMG_W;
            int on = (abs(y - 14) < 2 + lab[k] % 5 && abs(x - 6 - lab[k]) < 3) || x == 20 - lab[k];
            img[(size_t)k * IMG_PIXELS + i] = on ? (uint8_t)(150 + (s >> 26)) : (uint8_t)(s >> 30);
        }
    }
}

typedef struct {
    Model m;
    Adam opt;
    TrainConfig cfg;
    const ImageSet *set, *val;
    Collective comm;
    TrainResult result;
    char err[512];
} Run;

static void *train_thread(void *arg)
{
    Run *r = arg;
    TrainPosition start = {1, 0, 0, 0};
    r->result = train_run(&r->m, &r->opt, NULL, r->set, r->val, NULL, &r->cfg, &start, NULL,
                          r->err, sizeof r->err);
    return NULL;
}

static void run_init(Run *r, const TrainConfig *cfg, const ImageSet *set, const ImageSet *val)
{
    model_alloc(&r->m);
    model_init(&r->m, cfg->seed);
    adam_alloc(&r->opt, 2e-3f);
    r->opt.weight_decay = 0.01f;
    r->cfg = *cfg;
    r->set = set;
    r->val = val;
}

static void run_free(Run *r)
{
    model_free(&r->m);
    adam_free(&r->opt);
}

/* One process, then `ranks` threads, on n images in batches of `batch`. */
static void compare(int ranks, int n, int batch, ConvAlgo conv)
{
    uint8_t *img = malloc(IMG_PIXELS * (size_t)n), *lab = malloc((size_t)n);
    synth(img, lab, n);
    const int nval = n / 8;
    ImageSet val = {img, lab, nval}, set = {img + IMG_PIXELS * (size_t)nval, lab + nval, n - nval};
    TrainConfig cfg = {.epochs = 2, .batch = batch, .threads = 1, .augment = 1, .seed = 3,
                       .conv = conv,
                       .schedule = {SCHEDULE_COSINE, 2e-3f, 0.2f, 0}};
    Run one;
    run_init(&one, &cfg, &set, &val);
    train_thread(&one);
    CHECK(one.result == TRAIN_DONE, "one process: %s", one.err);

    Shared sh;
    pthread_barrier_init(&sh.barrier, NULL, (unsigned)ranks);
    Run runs[MAX_RANKS];
    pthread_t tid[MAX_RANKS];
    for (int r = 0; r < ranks; r++) {
        run_init(&runs[r], &cfg, &set, &val);
        runs[r].comm = (Collective){.rank = r, .ranks = ranks, .sum = sum, .broadcast = broadcast,
                                    .gather = gather, .impl = &sh};
        runs[r].cfg.comm = &runs[r].comm;
        pthread_create(&tid[r], NULL, train_thread, &runs[r]);
    }
    for (int r = 0; r < ranks; r++) pthread_join(tid[r], NULL);
    for (int r = 0; r < ranks; r++) {
        Run *x = &runs[r];
        CHECK(x->result == TRAIN_DONE, "rank %d of %d: %s", r, ranks, x->err);
        CHECK(memcmp(x->m.params, one.m.params, sizeof(float) * MODEL_N_PARAMS) == 0 &&
                  memcmp(x->m.buffers, one.m.buffers, sizeof(float) * MODEL_N_BUFFERS) == 0 &&
                  memcmp(x->m.counters, one.m.counters, sizeof one.m.counters) == 0,
              "%s, %d images, batch %d: rank %d of %d ends with another model than one process",
              conv_algo_name(conv), n - nval, batch, r, ranks);
        CHECK(x->opt.step == one.opt.step &&
                  memcmp(x->opt.m, one.opt.m, sizeof(float) * MODEL_N_PARAMS) == 0 &&
                  memcmp(x->opt.v, one.opt.v, sizeof(float) * MODEL_N_PARAMS) == 0,
              "%s, batch %d: rank %d of %d ends with other Adam moments than one process",
              conv_algo_name(conv), batch, r, ranks);
        run_free(x);
    }
    pthread_barrier_destroy(&sh.barrier);
    run_free(&one);
    free(img);
    free(lab);
}

/* 2 and 4 ranks of a batch of 64 (half or a quarter of its chunks each), the last batch short (289 = 4 x 64
 * + 33: the 4th rank gets none of it), both conv algorithms; a batch of 36 (a tree of 64 / NET_CHUNK leaves,
 * not all used): 2 ranks hold 32 and 4 samples, 4 ranks 16, 16, 4 and none (the CLI refuses
 * that split, net_ranks_supported, but the arithmetic must hold for it too). */
static void test_two_ranks(void) { compare(2, 330, 64, CONV_DIRECT); }
static void test_four_ranks_winograd(void) { compare(4, 330, 64, CONV_WINOGRAD); }
static void test_odd_batch(void)
{
    compare(2, 250, 36, CONV_DIRECT);
    compare(4, 250, 36, CONV_WINOGRAD);
}

static void test_supported(void)
{
    CHECK(net_ranks_supported(1, 64) && net_ranks_supported(2, 64) && net_ranks_supported(4, 64) &&
              net_ranks_supported(16, 64),
          "1, 2, 4, 16 ranks share a batch of 64");
    CHECK(!net_ranks_supported(3, 64) && !net_ranks_supported(2 * (64 / NET_CHUNK), 64) &&
              !net_ranks_supported(8, 100) && !net_ranks_supported(0, 64),
          "3 (not a power of two), twice the chunks, 8 for 100 (a rank left empty) "
          "are refused");
    BatchPart p;
    Collective c = {.rank = 3, .ranks = 4};
    CHECK(net_batch_part(&c, 64, 64, &p) == 16 && p.first == 48 && p.block == 16,
          "rank 3 of 4: samples 48..63 of 64");
    CHECK(net_batch_part(&c, 64, 40, &p) == 0, "rank 3 of 4: none of a last batch of 40");
    c.rank = 2;
    CHECK(net_batch_part(&c, 64, 40, &p) == 8 && p.first == 32, "rank 2 of 4: 32..39 of 40");
}

int main(void)
{
    RUN(test_supported);
    RUN(test_two_ranks);
    RUN(test_four_ranks_winograd);
    RUN(test_odd_batch);
    return check_done();
}
