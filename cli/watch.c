/* The folder watch of cli/watch.h (Linux inotify). */
#include "cli/watch.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/inotify.h>
#include <unistd.h>

/* The part of path after its last '/' into name; the part before it (or ".") into dir. */
static int split(const char *path, char *dir, size_t dirlen, char *name, size_t namelen)
{
    const char *slash = strrchr(path, '/');
    const char *base = slash ? slash + 1 : path;
    size_t dn = slash ? (size_t)(slash - path) : 0;
    if (!*base || strlen(base) >= namelen || dn + 2 > dirlen) return -1;
    if (slash) {
        memcpy(dir, path, dn ? dn : 1);   /* "/model.h5": the root */
        dir[dn ? dn : 1] = 0;
    } else {
        snprintf(dir, dirlen, ".");
    }
    snprintf(name, namelen, "%s", base);
    return 0;
}

int watch_open(Watch *w, const char *checkpoint, const char *log, char *err, size_t errlen)
{
    char dir[PATH_MAX], logdir[PATH_MAX];
    w->fd = -1;
    w->log[0] = 0;
    if (split(checkpoint, dir, sizeof dir, w->checkpoint, sizeof w->checkpoint)) {
        snprintf(err, errlen, "%s: cannot watch: not a file name", checkpoint);
        return -1;
    }
    /* the log is watched only when it lies in the same folder (it always does beside a
     * checkpoint); elsewhere its changes come with the checkpoint's */
    if (log && split(log, logdir, sizeof logdir, w->log, sizeof w->log) == 0 &&
        strcmp(logdir, dir) != 0)
        w->log[0] = 0;
    w->fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (w->fd < 0) {
        snprintf(err, errlen, "%s: cannot watch: %s", checkpoint, strerror(errno));
        return -1;
    }
    if (inotify_add_watch(w->fd, dir, IN_MOVED_TO | IN_CLOSE_WRITE) < 0) {
        snprintf(err, errlen, "%s: cannot watch its folder %s: %s", checkpoint, dir,
                 strerror(errno));
        watch_close(w);
        return -1;
    }
    return 0;
}

int watch_read(Watch *w)
{
    /* aligned as the kernel writes struct inotify_event records */
    char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
    int found = 0;
    for (;;) {
        ssize_t n = read(w->fd, buf, sizeof buf);
        if (n <= 0) break;   /* EAGAIN: all read (a signal or an error: nothing more to do) */
        for (char *p = buf; p < buf + n;) {
            const struct inotify_event *e = (const struct inotify_event *)p;
            if (e->mask & IN_Q_OVERFLOW) found |= WATCH_CHECKPOINT | WATCH_LOG;   /* lost some */
            if (e->len && strcmp(e->name, w->checkpoint) == 0) found |= WATCH_CHECKPOINT;
            if (e->len && w->log[0] && strcmp(e->name, w->log) == 0) found |= WATCH_LOG;
            p += sizeof *e + e->len;
        }
    }
    return found;
}

void watch_close(Watch *w)
{
    if (w->fd >= 0) close(w->fd);
    w->fd = -1;
}
