/* How OpenMP's threads wait in train and eval when the user has not said: a bounded spin, then
 * sleep (cli/omp_wait.c says why and how). */
#ifndef MNIST_CLI_OMP_WAIT_H
#define MNIST_CLI_OMP_WAIT_H

/* The spin GCC's libgomp gets (GOMP_SPINCOUNT, measured: cli/omp_wait.c) and LLVM's libomp
 * (KMP_BLOCKTIME in milliseconds: LLVM 14's smallest step above 0; chosen to match, not measured,
 * as libomp serves the sanitizer build). */
#define OMP_WAIT_SPINCOUNT "10000"
#define OMP_WAIT_BLOCKTIME "1"

/* Call first thing in main, with the command's name (argv[1]) and main's argv. For train and eval,
 * when none of OMP_WAIT_POLICY, GOMP_SPINCOUNT (libgomp) or KMP_BLOCKTIME (libomp) is set: sets
 * the runtime's variable, and with libgomp runs the program again (the same process) so that it
 * reads it. Returns when there is nothing to do or the exec failed (then libgomp's own default
 * stays). */
void omp_wait_default(const char *command, char **argv);

#endif
