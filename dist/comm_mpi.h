/* The engine's Collective (engine/collective.h) over MPI (Open MPI from Debian), for
 * `mpirun -np R mnist-cnn train`. Only the CLI includes this; the build has it when MPI is
 * found (meson option mpi=auto), and a run started without mpirun never initialises MPI.
 *
 * Sums over processes are taken in the tree of common/tree_sum.h, never by MPI_Allreduce (whose
 * order MPI leaves open): small vectors are gathered whole and every process adds them up;
 * large ones (the gradients) go as a reduce-scatter in which each process adds its slice of the
 * vector over the processes in the tree, then an allgather of the slices: the bytes of a ring
 * allreduce, 2 (R-1)/R of the vector in and out per process, and bits independent of R.
 *
 * No wait is unbounded: every exchange is non-blocking MPI polled against a deadline, so a
 * process that died or a host that stopped answering turns into an error within timeout_s
 * (and within a few seconds of a stop signal). */
#ifndef MNIST_DIST_COMM_MPI_H
#define MNIST_DIST_COMM_MPI_H

#include "engine/collective.h"

#include <stddef.h>

/* Whether mpirun (or another MPI launcher) started this process. */
int dist_launched(void);

/* MPI_Init and a Collective over MPI_COMM_WORLD; timeout_s bounds every wait, stop (may be
 * NULL) is a flag a signal raises: a wait then gives up after a short grace. NULL, with the
 * reason in err, when MPI cannot start. */
Collective *dist_start(double timeout_s, volatile const int *stop, char *err, size_t errlen);

/* Sets the bound of every later wait. */
void dist_set_timeout(Collective *c, double timeout_s);

/* The host this process runs on (for messages). */
const char *dist_host(const Collective *c);

/* MPI_Finalize, after every process is done. */
void dist_finish(Collective *c);

/* Ends every process of the run with this exit code (MPI_Abort): a failure on one must not
 * leave the others waiting. Does not return. */
void dist_abort(Collective *c, int code) __attribute__((noreturn));

#endif
