/* Collective over MPI: see comm_mpi.h. */
#include "dist/comm_mpi.h"
#include "common/tree_sum.h"

#include <mpi.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Vectors of at most this many bytes times the processes are gathered whole (one round, for
 * BatchNorm's sums and the loss); longer ones take the reduce-scatter (for the gradients).
 * STOP_GRACE: seconds a wait goes on after a stop signal: long enough for the other processes,
 * signalled too, to finish their step and reach the same exchange (tens of milliseconds), short
 * enough to say why before mpirun's SIGKILL, which follows its SIGTERM by 1 s (Open MPI's
 * odls_base_sigkill_timeout) when it ends a job because a process died. SPIN: seconds a wait
 * polls without sleeping. */
enum { GATHER_BYTES = 64 * 1024 };
#define STOP_GRACE 0.5
#define SPIN 0.002

typedef struct {
    Collective c;
    double timeout;
    volatile const int *stop;
    char host[MPI_MAX_PROCESSOR_NAME];
    char *scratch;         /* the slices or vectors received */
    size_t scratch_bytes;
    int *counts, *displs;  /* per rank, for the v-collectives */
} Dist;

int dist_launched(void)
{
    /* Open MPI's launcher sets the first; PMIx and Slurm-style launchers the others */
    return getenv("OMPI_COMM_WORLD_SIZE") || getenv("PMIX_RANK") || getenv("PMI_RANK");
}

static Dist *dist_of(Collective *c) { return c->impl; }

/* Waits for req, polling; 0 when it completed, else -1 with the reason in c->error. */
static int wait_for(Collective *c, MPI_Request *req, const char *what)
{
    Dist *d = dist_of(c);
    const double start = MPI_Wtime();
    double stop_seen = 0;
    for (;;) {
        int done = 0;
        if (MPI_Test(req, &done, MPI_STATUS_IGNORE) != MPI_SUCCESS) {
            snprintf(c->error, sizeof c->error, "rank %d: MPI failed while %s", c->rank, what);
            return -1;
        }
        if (done) return 0;
        const double now = MPI_Wtime();
        if (d->stop && *d->stop && stop_seen == 0) stop_seen = now;
        if (stop_seen > 0 && now - stop_seen > STOP_GRACE) {
            snprintf(c->error, sizeof c->error,
                     "rank %d was told to stop (mpirun does so when a process dies) while %s, "
                     "and the other processes did not answer: one of them died or was stopped "
                     "alone", c->rank, what);
            return -1;
        }
        if (now - start > d->timeout) {
            snprintf(c->error, sizeof c->error,
                     "rank %d: no answer from the other processes for %.0f s while %s: one of "
                     "them died or its host cannot be reached", c->rank, now - start, what);
            return -1;
        }
        if (now - start > SPIN) nanosleep(&(struct timespec){0, 50 * 1000}, NULL);
    }
}

static int scratch(Collective *c, size_t bytes)
{
    Dist *d = dist_of(c);
    if (bytes <= d->scratch_bytes) return 0;
    char *p = realloc(d->scratch, bytes);
    if (!p) {
        snprintf(c->error, sizeof c->error, "rank %d: out of memory (%zu bytes)", c->rank, bytes);
        return -1;
    }
    d->scratch = p;
    d->scratch_bytes = bytes;
    return 0;
}

static void tree_sum(void *v, int nodes, size_t stride, size_t j0, size_t j1, CollType type)
{
    if (type == COLL_FLOAT) tree_sum_floats(v, nodes, stride, j0, j1);
    else tree_sum_doubles(v, nodes, stride, j0, j1);
}

/* Small vectors: every process gets every node's vector and adds them up itself. */
static int sum_gathered(Collective *c, void *v, size_t n, CollType type, int nodes)
{
    const size_t es = type == COLL_FLOAT ? sizeof(float) : sizeof(double);
    if (scratch(c, n * es * (size_t)c->ranks)) return -1;
    char *all = dist_of(c)->scratch;
    MPI_Request req;
    MPI_Iallgather(v, (int)(n * es), MPI_BYTE, all, (int)(n * es), MPI_BYTE, MPI_COMM_WORLD, &req);
    if (wait_for(c, &req, "summing BatchNorm statistics or the loss")) return -1;
    tree_sum(all, nodes, n, 0, n, type);
    memcpy(v, all, n * es);
    return 0;
}

/* Large vectors: rank i owns slice i; every node sends each owner its slice, the owner adds the
 * nodes' slices in the tree, and the sums go back to everyone. */
static int sum_scattered(Collective *c, void *v, size_t n, CollType type, int nodes)
{
    Dist *d = dist_of(c);
    const int R = c->ranks;
    const size_t es = type == COLL_FLOAT ? sizeof(float) : sizeof(double);
    const MPI_Datatype t = type == COLL_FLOAT ? MPI_FLOAT : MPI_DOUBLE;
    int *lo = d->displs, *len = d->counts;
    for (int i = 0; i < R; i++) {
        lo[i] = (int)(n * (size_t)i / (size_t)R);
        len[i] = (int)(n * (size_t)(i + 1) / (size_t)R) - lo[i];
    }
    const size_t mine = (size_t)len[c->rank];
    if (scratch(c, mine * es * (size_t)R)) return -1;
    int sendc[R], recvc[R], recvd[R];
    for (int i = 0; i < R; i++) {
        sendc[i] = c->rank < nodes ? len[i] : 0;
        recvc[i] = i < nodes ? (int)mine : 0;
        recvd[i] = i * (int)mine;
    }
    MPI_Request req;
    MPI_Ialltoallv(v, sendc, lo, t, d->scratch, recvc, recvd, t, MPI_COMM_WORLD, &req);
    if (wait_for(c, &req, "sending the step's gradients")) return -1;
    tree_sum(d->scratch, nodes, mine, 0, mine, type);
    memcpy((char *)v + (size_t)lo[c->rank] * es, d->scratch, mine * es);
    MPI_Iallgatherv(MPI_IN_PLACE, 0, t, v, len, lo, t, MPI_COMM_WORLD, &req);
    return wait_for(c, &req, "receiving the summed gradients");
}

static int sum(Collective *c, void *v, size_t n, CollType type, int nodes)
{
    const size_t es = type == COLL_FLOAT ? sizeof(float) : sizeof(double);
    if (n * es > (size_t)INT32_MAX) {
        snprintf(c->error, sizeof c->error, "rank %d: %zu values are too many for one exchange",
                 c->rank, n);
        return -1;
    }
    if (n * es * (size_t)c->ranks <= GATHER_BYTES || n < (size_t)c->ranks)
        return sum_gathered(c, v, n, type, nodes);
    return sum_scattered(c, v, n, type, nodes);
}

static int broadcast(Collective *c, void *buf, size_t bytes)
{
    /* in pieces of at most 1 GiB: MPI counts are ints */
    const size_t piece = (size_t)1 << 30;
    size_t off = 0;
    do {
        const size_t n = bytes - off < piece ? bytes - off : piece;
        MPI_Request req;
        MPI_Ibcast((char *)buf + off, (int)n, MPI_BYTE, 0, MPI_COMM_WORLD, &req);
        if (wait_for(c, &req, "receiving from rank 0")) return -1;
        off += n;
    } while (off < bytes);
    return 0;
}

static int gather(Collective *c, const void *mine, void *all, const size_t *bytes)
{
    Dist *d = dist_of(c);
    size_t off = 0;
    for (int r = 0; r < c->ranks; r++) {
        if (bytes[r] > (size_t)INT32_MAX || off > (size_t)INT32_MAX) {
            snprintf(c->error, sizeof c->error, "rank %d: a gather of over 2 GiB", c->rank);
            return -1;
        }
        d->counts[r] = (int)bytes[r];
        d->displs[r] = (int)off;
        off += bytes[r];
    }
    const void *send = (const char *)all + d->displs[c->rank] == mine ? MPI_IN_PLACE : mine;
    MPI_Request req;
    MPI_Iallgatherv(send, (int)bytes[c->rank], MPI_BYTE, all, d->counts, d->displs, MPI_BYTE,
                    MPI_COMM_WORLD, &req);
    return wait_for(c, &req, "gathering the evaluation");
}

Collective *dist_start(double timeout_s, volatile const int *stop, char *err, size_t errlen)
{
    int provided;
    if (MPI_Init_thread(NULL, NULL, MPI_THREAD_FUNNELED, &provided) != MPI_SUCCESS) {
        snprintf(err, errlen, "MPI_Init failed");
        return NULL;
    }
    /* errors come back as codes (and become messages here), not as an abort inside MPI */
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    Dist *d = calloc(1, sizeof *d);
    int ranks = 1;
    MPI_Comm_size(MPI_COMM_WORLD, &ranks);
    if (d) {
        d->counts = calloc((size_t)ranks, sizeof(int));
        d->displs = calloc((size_t)ranks, sizeof(int));
    }
    if (!d || !d->counts || !d->displs) {
        snprintf(err, errlen, "out of memory");
        MPI_Abort(MPI_COMM_WORLD, 1);
    }
    d->c = (Collective){.ranks = ranks, .sum = sum, .broadcast = broadcast, .gather = gather,
                        .impl = d};
    MPI_Comm_rank(MPI_COMM_WORLD, &d->c.rank);
    int len = 0;
    MPI_Get_processor_name(d->host, &len);
    d->timeout = timeout_s;
    d->stop = stop;
    return &d->c;
}

void dist_set_timeout(Collective *c, double timeout_s) { dist_of(c)->timeout = timeout_s; }

const char *dist_host(const Collective *c) { return ((const Dist *)c->impl)->host; }

void dist_finish(Collective *c)
{
    Dist *d = dist_of(c);
    MPI_Finalize();
    free(d->scratch);
    free(d->counts);
    free(d->displs);
    free(d);
}

void dist_abort(Collective *c, int code)
{
    (void)c;
    fflush(stdout);
    fflush(stderr);
    MPI_Abort(MPI_COMM_WORLD, code);
    exit(code);
}
