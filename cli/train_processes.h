/* train's side of mpirun: starting MPI when mpirun started us, each process's default threads,
 * which process counts can share a batch, agreeing on rank 0's exit code, and the end. Without
 * MPI in the build, only the refusal to run as R unconnected copies. */
#ifndef MNIST_CLI_TRAIN_PROCESSES_H
#define MNIST_CLI_TRAIN_PROCESSES_H

#include "engine/collective.h"

/* Under mpirun (and in a build with MPI): *comm, the processes (NULL for mpirun -np 1 or no
 * mpirun); on ranks other than 0, stdout goes to /dev/null. stop: the signal flag every wait
 * watches. -1 to go on, else the exit code (the reason printed). */
int processes_start(Collective **comm, volatile const int *stop, int default_timeout);
/* The default --threads of a process under mpirun (see train_processes.c). */
long processes_default_threads(void);
/* Whether c's processes can share batches of `batch`: -1 to go on, else the exit code (the
 * reason printed). */
int processes_check(const Collective *c, long batch);
/* Rank 0's exit code rc (-1: go on) on every process, and the bound of every later wait; a
 * failure to hear from rank 0 ends the run. */
int processes_agree(Collective *c, int rc, long timeout_s);
/* The end of the run on this process: every process waits for the others, unless the others
 * stopped answering (failed), in which case they are all ended with rc. */
void processes_end(Collective *c, int failed, int rc);

#endif
