#include "io/isolate.h"
#include "io/error.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Reads the child's message until EOF or the deadline; 1 when the deadline passed. */
static int read_message(int fd, char *msg, size_t len, double deadline)
{
    size_t used = 0;
    for (;;) {
        double left = deadline - now();
        if (left <= 0) return 1;
        struct pollfd p = {fd, POLLIN, 0};
        int r = poll(&p, 1, (int)(left * 1000) + 1);
        if (r < 0 && errno == EINTR) continue;
        if (r == 0) return 1;
        char buf[256];
        ssize_t n = read(fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return 0;
        size_t k = (size_t)n < len - 1 - used ? (size_t)n : len - 1 - used;
        memcpy(msg + used, buf, k);
        used += k;
        msg[used] = '\0';
    }
}

double isolate_timeout(void)
{
    const char *env = getenv("MNIST_CNN_PARSE_TIMEOUT");
    char *end;
    double t = env ? strtod(env, &end) : 0;
    return env && end != env && t > 0 && t < 86400 ? t : ISOLATE_TIMEOUT_S;
}

IsolateEnd isolate_call(IsolatedFn fn, void *ctx, double timeout_s, int *sig, char *err,
                        size_t errlen)
{
    int fds[2];
    *sig = 0;
    if (errlen) err[0] = '\0';
    if (pipe(fds) != 0) return fn(ctx, err, errlen) ? ISOLATE_FAILED : ISOLATE_OK;
    fflush(NULL);   /* nothing buffered is written twice */
    pid_t pid = fork();
    if (pid < 0) {
        close(fds[0]);
        close(fds[1]);
        return fn(ctx, err, errlen) ? ISOLATE_FAILED : ISOLATE_OK;
    }
    if (pid == 0) {
        close(fds[0]);
        char msg[1024] = "";
        int rc = fn(ctx, msg, sizeof msg);
        if (rc && write(fds[1], msg, strlen(msg)) < 0) { /* the parent reports a bare failure */ }
        _exit(rc ? 1 : 0);
    }
    close(fds[1]);
    char msg[1024] = "";
    int late = read_message(fds[0], msg, sizeof msg, now() + timeout_s);
    close(fds[0]);
    if (late) kill(pid, SIGKILL);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
    if (late) return ISOLATE_LATE;
    if (WIFSIGNALED(status)) {
        *sig = WTERMSIG(status);
        return ISOLATE_CRASHED;
    }
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return ISOLATE_OK;
    snprintf(err, errlen, "%s", msg);
    return ISOLATE_FAILED;
}

int isolate_run(IsolatedFn fn, void *ctx, double timeout_s, const char *path, char *err,
                size_t errlen)
{
    int sig;
    switch (isolate_call(fn, ctx, timeout_s, &sig, err, errlen)) {
    case ISOLATE_OK: return 0;
    case ISOLATE_LATE:
        return io_fail(err, errlen, "%s: damaged: reading it did not finish within %.0f s (HDF5 "
                       "went round in circles on it)", path, timeout_s);
    case ISOLATE_CRASHED:
        return io_fail(err, errlen, "%s: damaged: HDF5 crashed reading it (%s)", path,
                       strsignal(sig));
    default:
        if (!err[0]) io_fail(err, errlen, "%s: reading it failed", path);
        return -1;
    }
}
