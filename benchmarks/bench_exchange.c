/* What the processes of `mpirun -np R mnist-cnn train` exchange per training step, and how long
 * it takes here: run under mpirun (benchmarks/mpi_scaling.sh does). Each iteration is one step's
 * exchanges through dist/comm_mpi.c, as the engine makes them: BatchNorm's sums four times (bn1
 * and bn2, forward and backward), the loss, the stop flag, and the gradients in one buffer.
 *
 *   mpirun -np R build/benchmarks/mnist-cnn-bench-exchange [iterations]
 *
 * Prints, on rank 0: the gradient buffer's size, the bytes each process sends (and receives) for
 * it, and the median and 90th-percentile time of the gradient exchange, of the small ones, and of
 * a whole step's exchanges. */
#include "dist/comm_mpi.h"
#include "engine/model.h"
#include "engine/net.h"

#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double pct(double *v, int n, double p)
{
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return v[(int)(p * (n - 1))];
}

int main(int argc, char **argv)
{
    const int iters = argc > 1 ? atoi(argv[1]) : 300;
    char err[256];
    Collective *c = dist_start(60, NULL, err, sizeof err);
    if (!c) {
        fprintf(stderr, "bench-exchange: %s\n", err);
        return 1;
    }
    const size_t n = net_exchange_floats(CONV_WINOGRAD);
    float *grad = calloc(n, sizeof(float));
    double small[2 * C2] = {0}, *t_grad = calloc((size_t)iters, sizeof(double)),
           *t_small = calloc((size_t)iters, sizeof(double)), *t_step = calloc((size_t)iters, sizeof(double));
    const size_t small_n[] = {2 * C1, 2 * C2, 2 * C2, 2 * C1, 2, 1};   /* in the step's order */
    for (int i = -20; i < iters; i++) {
        for (size_t j = 0; j < n; j += 97) grad[j] = (float)(i + j);
        MPI_Barrier(MPI_COMM_WORLD);
        double t0 = MPI_Wtime();
        for (size_t k = 0; k < sizeof small_n / sizeof small_n[0]; k++)
            if (c->sum(c, small, small_n[k], COLL_DOUBLE, c->ranks)) goto fail;
        double t1 = MPI_Wtime();
        if (c->sum(c, grad, n, COLL_FLOAT, c->ranks)) goto fail;
        double t2 = MPI_Wtime();
        if (i >= 0) t_small[i] = t1 - t0, t_grad[i] = t2 - t1, t_step[i] = t2 - t0;
    }
    if (c->rank == 0) {
        const int R = c->ranks;
        const double bytes = 2.0 * (R - 1) / R * (double)n * sizeof(float);
        printf("processes %d: gradient buffer %zu floats (%.2f MB); per step each process sends "
               "and receives %.2f MB of it (reduce-scatter + allgather)\n", R, n,
               n * sizeof(float) / 1e6, bytes / 1e6);
        printf("  gradient exchange: median %.3f ms, p90 %.3f ms (%.2f GB/s per process)\n",
               pct(t_grad, iters, 0.5) * 1e3, pct(t_grad, iters, 0.9) * 1e3,
               bytes / pct(t_grad, iters, 0.5) / 1e9);
        printf("  6 small exchanges (BatchNorm x4, loss, stop): median %.3f ms, p90 %.3f ms\n",
               pct(t_small, iters, 0.5) * 1e3, pct(t_small, iters, 0.9) * 1e3);
        printf("  a step's exchanges: median %.3f ms\n", pct(t_step, iters, 0.5) * 1e3);
    }
    dist_finish(c);
    return 0;
fail:
    fprintf(stderr, "bench-exchange: %s\n", c->error);
    dist_abort(c, 1);
}
