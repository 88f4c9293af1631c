/* The one way io writes a file: into a temporary file next to it, fsync, rename over it, fsync
 * the folder. A reader, a crash or a kill at any moment sees the old complete file or the new
 * complete file, never half of one. One permission rule for everything written: a file that is
 * replaced keeps its mode; a new one gets 0666 minus the umask, as any program's new file.
 * Temporary files are named PATH.tmp-XXXXXX and removed on every error path. */
#ifndef MNIST_IO_ATOMIC_FILE_H
#define MNIST_IO_ATOMIC_FILE_H

#include <stddef.h>

/* Fills the temporary file: through fd, or by name through tmp_path (for libraries that open files
 * themselves); returns 0, or -1 with a message naming path (the final name) in err. */
typedef int (*AtomicFill)(int fd, const char *tmp_path, const char *path, void *ctx, char *err,
                          size_t errlen);

int atomic_write(const char *path, AtomicFill fill, void *ctx, char *err, size_t errlen);

/* Removes the temporary files a writer killed outright (SIGKILL, power loss) left next to path:
 * PATH.tmp-XXXXXX. Only for a caller that knows nobody else writes path now (io/run_lock.h).
 * Returns how many it removed. */
int atomic_remove_stale(const char *path);

/* The common case: the file's bytes are all in memory. */
int atomic_write_bytes(const char *path, const void *data, size_t size, char *err, size_t errlen);

#endif
