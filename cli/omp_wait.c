/* OpenMP's waiting threads (issue 18). With OMP_WAIT_POLICY unset, GCC's libgomp lets a thread
 * that waits at a barrier or for the next parallel region spin 300,000 times (2-3 ms here) before
 * it sleeps, and LLVM's libomp 200 ms. On an idle machine that saves a wake-up per region; on a
 * busy one the spinning threads take the cores from the threads they wait for, and from the
 * other work: with one CPU-bound job beside it, a 2-thread `train` on 2 cores ran at half the
 * speed it ran at with OMP_WAIT_POLICY=passive. Sleeping at once costs a wake-up at each of a
 * step's ~25 hand-overs instead, ~5 % on an idle machine. With its two threads on two free cores
 * a step's hand-overs come within ~0.1 ms, so 10000 spins catch nearly all of them: 40 steps
 * slept 50-120 times, as with 300,000 (~50), against ~1,050 passive. A longer spin only takes
 * more from a busy machine (samples/s beside a CPU-bound job fell with each tenfold: README,
 * "Busy machines"; benchmarks/busy_machine.sh).
 *
 * libgomp reads its variables once, in its library constructor, before main runs, and glibc (2.36)
 * hands the executable's .preinit_array a null `environ` and resets it before libgomp's
 * constructor, so a setenv() there or in main is never seen. The default is therefore set and the
 * program executed again, once: the same process (pid, open files, signal dispositions) with
 * one more variable. libomp reads its variables at the first OpenMP call, so there setenv() is
 * enough. Only train and eval run long parallel work; predict and draw infer one image at a time
 * on one thread (engine/infer.h) and the other commands none, so they are spared the exec. */
#include "cli/omp_wait.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* LLVM's libomp (clang -fopenmp) defines it, GCC's libgomp does not. */
extern void kmp_set_blocktime(int msec) __attribute__((weak));

void omp_wait_default(const char *command, char **argv)
{
    if (strcmp(command, "train") != 0 && strcmp(command, "eval") != 0) return;
    if (getenv("OMP_WAIT_POLICY")) return;   /* the user's choice */
    if (kmp_set_blocktime) {
        setenv("KMP_BLOCKTIME", OMP_WAIT_BLOCKTIME, 0);   /* 0: a user's value stays */
        return;
    }
    if (getenv("GOMP_SPINCOUNT")) return;
    /* under valgrind the new image would run outside it */
    const char *preload = getenv("LD_PRELOAD");
    if (preload && strstr(preload, "vgpreload")) return;
    if (setenv("GOMP_SPINCOUNT", OMP_WAIT_SPINCOUNT, 1) != 0) return;
    execv("/proc/self/exe", argv);
    unsetenv("GOMP_SPINCOUNT");   /* no /proc: libgomp's default, as it read it */
}
