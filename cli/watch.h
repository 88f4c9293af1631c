/* Watching a checkpoint for replacement, for `draw` following a training run. train saves
 * atomically (temporary file, fsync, rename), so the checkpoint's inode changes on every save and
 * a watch on the file itself would go stale after the first: the folder is watched instead
 * (inotify), for the names of the checkpoint and of its metric log being renamed into place
 * (IN_MOVED_TO) or written in place and closed (IN_CLOSE_WRITE, a plain cp). A half-written file
 * is never seen under its name. One file descriptor to wait on beside others; no threads. */
#ifndef MNIST_CLI_WATCH_H
#define MNIST_CLI_WATCH_H

#include <limits.h>
#include <stddef.h>

enum { WATCH_CHECKPOINT = 1, WATCH_LOG = 2 };   /* what watch_read found replaced */

typedef struct {
    int fd;                   /* inotify; -1 when closed */
    char checkpoint[NAME_MAX + 1], log[NAME_MAX + 1];   /* file names within the folder */
} Watch;

/* Starts watching the folder of checkpoint for it and for log (a path in the same folder, or
 * NULL). 0, or -1 with a message in err. */
int watch_open(Watch *w, const char *checkpoint, const char *log, char *err, size_t errlen);
/* Reads the events waiting on w->fd without blocking: WATCH_CHECKPOINT | WATCH_LOG for the files
 * replaced since the last call (0: none, or only other files of the folder). */
int watch_read(Watch *w);
void watch_close(Watch *w);

#endif
