/* One training run per output file at a time: a lock file beside it (OUT.lock) holding the
 * process id, locked with flock, so the lock goes away with its process however that ends (even
 * SIGKILL) and a second run is told which process holds it. */
#ifndef MNIST_IO_RUN_LOCK_H
#define MNIST_IO_RUN_LOCK_H

#include <stddef.h>

typedef struct {
    int fd;            /* -1 when not held */
    char path[4200];
} RunLock;

/* Takes the lock for out, or returns -1 with a message naming the process that holds it (or why
 * the lock file cannot be made, which also means out's folder is not writable). */
int run_lock(RunLock *lock, const char *out, char *err, size_t errlen);
/* Whether a running process holds the lock for out now (a lock file a killed run left behind,
 * unlocked, does not count). */
int run_lock_held(const char *out);
/* Releases it and removes the lock file. */
void run_unlock(RunLock *lock);

#endif
