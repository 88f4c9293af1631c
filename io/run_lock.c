#include "io/run_lock.h"
#include "io/error.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

int run_lock(RunLock *lock, const char *out, char *err, size_t errlen)
{
    lock->fd = -1;
    if (snprintf(lock->path, sizeof lock->path, "%s.lock", out) >= (int)sizeof lock->path)
        return io_fail(err, errlen, "%s: path too long", out);
    int fd = open(lock->path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK, 0666);
    if (fd < 0)
        return io_fail(err, errlen, "%s: cannot create the lock file %s: %s", out, lock->path,
                       strerror(errno));
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        char pid[32] = "";
        ssize_t n = pread(fd, pid, sizeof pid - 1, 0);
        if (n > 0) pid[n] = '\0';
        pid[strcspn(pid, "\n")] = '\0';
        close(fd);
        if (errno != EWOULDBLOCK && errno != EAGAIN && !pid[0])
            return io_fail(err, errlen, "%s: cannot lock %s: %s", out, lock->path, strerror(errno));
        return io_fail(err, errlen, "%s is being written by another training run (process %s); wait "
                       "for it to finish, or stop it (kill -INT %s) and resume it later", out,
                       pid[0] ? pid : "unknown", pid[0] ? pid : "PID");
    }
    char pid[32];
    int len = snprintf(pid, sizeof pid, "%ld\n", (long)getpid());
    if (ftruncate(fd, 0) != 0 || pwrite(fd, pid, (size_t)len, 0) != len) {
        /* the lock holds all the same; only the message for a second run is poorer */
    }
    lock->fd = fd;
    return 0;
}

int run_lock_held(const char *out)
{
    char path[4200];
    if (snprintf(path, sizeof path, "%s.lock", out) >= (int)sizeof path) return 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
    if (fd < 0) return errno != ENOENT;   /* there, but unreadable: count it as held */
    int held = flock(fd, LOCK_SH | LOCK_NB) != 0 && (errno == EWOULDBLOCK || errno == EAGAIN);
    close(fd);
    return held;
}

void run_unlock(RunLock *lock)
{
    if (lock->fd < 0) return;
    unlink(lock->path);   /* while still locked: a waiting run then makes a fresh file */
    close(lock->fd);
    lock->fd = -1;
}
