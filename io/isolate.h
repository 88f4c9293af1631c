/* Running a risky parse in a child process with a time limit. libhdf5 can crash or loop forever on
 * a damaged or crafted file, and nothing we check beforehand can rule that out; in a child, such a
 * failure becomes an error message instead of our crash or hang. The child shares nothing back
 * but its verdict: callers redo the work in-process on the same bytes once the child succeeded. */
#ifndef MNIST_IO_ISOLATE_H
#define MNIST_IO_ISOLATE_H

#include <stddef.h>

/* Seconds a child may take: loading a checkpoint takes milliseconds, the largest file accepted
 * (io/read_file.h) well under a second. MNIST_CNN_PARSE_TIMEOUT (seconds) overrides it, for tests
 * and very slow machines. */
#define ISOLATE_TIMEOUT_S 10.0
double isolate_timeout(void);

/* The work: 0, or -1 with a message in err. */
typedef int (*IsolatedFn)(void *ctx, char *err, size_t errlen);

/* How a child ended. */
typedef enum { ISOLATE_OK, ISOLATE_FAILED, ISOLATE_CRASHED, ISOLATE_LATE } IsolateEnd;

/* Runs fn(ctx) in a child and says how it ended: ISOLATE_FAILED with its message in err (or ""),
 * ISOLATE_CRASHED with the signal in *sig, ISOLATE_LATE when it did not finish within timeout_s
 * (it is then killed). When no child can be started, fn runs in this process instead. Also for
 * work whose result is files the child writes (the training graphs). */
IsolateEnd isolate_call(IsolatedFn fn, void *ctx, double timeout_s, int *sig, char *err,
                        size_t errlen);

/* Runs fn(ctx) in a child. 0 when it succeeded; -1 with its message, or with one saying that it
 * crashed (signal) or did not finish within timeout_s (it is then killed), each naming path. When
 * no child can be started, fn runs in this process instead. */
int isolate_run(IsolatedFn fn, void *ctx, double timeout_s, const char *path, char *err,
                size_t errlen);

#endif
