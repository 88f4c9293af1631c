/* How the processes of a data-parallel run (mpirun -np R mnist-cnn train) combine what each
 * computed on its part of every batch. The engine calls it where a sum over the whole batch is
 * needed (BatchNorm's statistics and sums, the gradients, the loss) and to agree on decisions;
 * the CLI provides it over MPI (dist/), and a run of one process passes none. The engine knows
 * no MPI: this is its whole view of the other processes.
 *
 * Failures (a process that died, a host that stopped answering) come back as a non-zero return
 * with the reason in error[]; the engine stops training and hands the reason up. */
#ifndef MNIST_ENGINE_COLLECTIVE_H
#define MNIST_ENGINE_COLLECTIVE_H

#include <stddef.h>

typedef enum { COLL_FLOAT, COLL_DOUBLE } CollType;

typedef struct Collective Collective;
struct Collective {
    int rank, ranks;
    /* In place, on every rank: the sum of v[0..n) over ranks 0..nodes-1 in the tree of
     * common/tree_sum.h, rank r's v being node r of the tree (the sum over its block of the
     * batch's chunks); ranks >= nodes hold none of this batch and their v is not read. Every
     * rank gets the same bits. */
    int (*sum)(Collective *c, void *v, size_t n, CollType type, int nodes);
    /* bytes of buf from rank 0 to every other rank. */
    int (*broadcast)(Collective *c, void *buf, size_t bytes);
    /* every rank's bytes[r] bytes (mine on rank r), rank after rank, into all on every rank. */
    int (*gather)(Collective *c, const void *mine, void *all, const size_t *bytes);
    char error[512];   /* why the last call failed */
    void *impl;
};

#endif
