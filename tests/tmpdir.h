/* Scratch directories and fixture files for the C tests: each test binary works in its own
 * mkdtemp directory under $TMPDIR (or /tmp) and removes it at the end. */
#ifndef MNIST_TESTS_TMPDIR_H
#define MNIST_TESTS_TMPDIR_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <dirent.h>

static char tmp_dir_[512];

/* Creates the scratch directory; returns its path (aborts the test run if impossible). */
static inline const char *tmp_setup(const char *tag)
{
    const char *base = getenv("TMPDIR");
    snprintf(tmp_dir_, sizeof tmp_dir_, "%s/mnist-io-%s-XXXXXX", base && *base ? base : "/tmp", tag);
    if (!mkdtemp(tmp_dir_)) {
        printf("Bail out! cannot create a scratch directory %s\n", tmp_dir_);
        exit(1);
    }
    return tmp_dir_;
}

/* path of name inside the scratch directory (static buffer rotation: up to 8 live at once). */
static inline const char *tmp_path(const char *name)
{
    static char bufs[8][640];
    static int next;
    char *b = bufs[next++ & 7];
    snprintf(b, sizeof bufs[0], "%s/%s", tmp_dir_, name);
    return b;
}

static inline int tmp_write(const char *path, const void *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    if (!f) return -1;
    size_t w = fwrite(data, 1, len, f);
    return (fclose(f) == 0 && w == len) ? 0 : -1;
}

/* Reads a whole file into a malloc'ed buffer; NULL on failure. */
static inline uint8_t *tmp_read(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    rewind(f);
    uint8_t *b = malloc(n > 0 ? (size_t)n : 1);
    if (b && fread(b, 1, (size_t)n, f) != (size_t)n) {
        free(b);
        b = NULL;
    }
    fclose(f);
    *len = (size_t)n;
    return b;
}

/* Number of entries in dir whose name contains needle (to spot leftover temp files). */
static inline int tmp_count(const char *dir, const char *needle)
{
    DIR *d = opendir(dir);
    if (!d) return -1;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        if (strstr(e->d_name, needle)) n++;
    closedir(d);
    return n;
}

/* Removes the scratch directory's files (one level; the tests make no subdirectories except
 * those they remove themselves) and the directory. */
static inline void tmp_cleanup(void)
{
    DIR *d = opendir(tmp_dir_);
    if (!d) return;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
        char p[1024];
        snprintf(p, sizeof p, "%s/%s", tmp_dir_, e->d_name);
        if (unlink(p) != 0) rmdir(p);
    }
    closedir(d);
    rmdir(tmp_dir_);
}

#endif
