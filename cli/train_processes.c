/* train's side of mpirun: see train_processes.h. */
#include "cli/train_processes.h"
#include "cli/common.h"
#include "cli/train_shared.h"
#include "engine/net.h"
#ifdef HAVE_MPI
#include "dist/comm_mpi.h"
#endif

#include <fcntl.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int processes_start(Collective **comm, volatile const int *stop, int default_timeout)
{
    *comm = NULL;
    const char *size = getenv("OMPI_COMM_WORLD_SIZE"), *rank = getenv("OMPI_COMM_WORLD_RANK");
#ifdef HAVE_MPI
    (void)size, (void)rank;
    if (!dist_launched()) return -1;
    char err[256];
    Collective *c = dist_start(default_timeout, stop, err, sizeof err);
    if (!c) {
        fprintf(stderr, "mnist-cnn train: %s\n", err);
        return EXIT_RUNTIME;
    }
    if (c->ranks == 1) {   /* mpirun -np 1: a run like any other */
        dist_finish(c);
        return -1;
    }
    if (c->rank != 0) {
        /* rank 0 prints; the others' stdout would only repeat it */
        int null = open("/dev/null", O_WRONLY);
        if (null >= 0) dup2(null, STDOUT_FILENO), close(null);
    }
    *comm = c;
#else
    (void)stop, (void)default_timeout;
    if (size && atoi(size) > 1) {
        /* R copies that each train alone would each write the same files */
        if (!rank || !strcmp(rank, "0"))
            fprintf(stderr, "mnist-cnn train: started by mpirun, but this build has no MPI "
                            "(install libopenmpi-dev and rebuild: scripts/setup.sh)\n");
        return EXIT_USAGE;
    }
#endif
    return -1;
}

/* The cores this process may use (its affinity), divided among the processes of its host when
 * they all may use every core (mpirun --bind-to none, or bound to the only socket); bound to
 * cores of its own (mpirun's default for 2 processes, --map-by slot:PE=T), all of those. */
long processes_default_threads(void)
{
    const int mine = omp_get_num_procs();
    const long online = sysconf(_SC_NPROCESSORS_ONLN);
    const char *local = getenv("OMPI_COMM_WORLD_LOCAL_SIZE");
    const int peers = local ? atoi(local) : 1;
    if (peers > 1 && mine >= online) return mine / peers > 0 ? mine / peers : 1;
    return mine;
}

int processes_check(const Collective *c, long batch)
{
    if (!c || net_ranks_supported(c->ranks, (int)batch)) return -1;
    int most = 1;
    while (net_ranks_supported(most * 2, (int)batch)) most *= 2;
    fprintf(stderr, "mnist-cnn train: %d processes cannot share batches of %ld: the number of "
                    "processes must be a power of two that gives each at least one chunk of %d "
                    "samples of a batch (1, 2, ... %d here)\n",
            c->ranks, batch, NET_CHUNK, most);
    return EXIT_USAGE;
}

int processes_agree(Collective *c, int rc, long timeout_s)
{
#ifdef HAVE_MPI
    if (!c) return rc;
    char err[600];
    if (share_int(c, &rc, err, sizeof err)) {
        fprintf(stderr, "mnist-cnn train: %s\n", err);
        dist_abort(c, EXIT_RUNTIME);
    }
    if (rc < 0) dist_set_timeout(c, (double)timeout_s);
#else
    (void)c, (void)timeout_s;
#endif
    return rc;
}

void processes_end(Collective *c, int failed, int rc)
{
#ifdef HAVE_MPI
    if (!c) return;
    /* a process whose partners failed must not wait for them in MPI_Finalize */
    if (failed) dist_abort(c, rc);
    dist_finish(c);
#else
    (void)c, (void)failed, (void)rc;
#endif
}
