/* Stroke-file parsing (format in gui/replay.h). */
#include "gui/replay.h"
#include "io/read_file.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *skip_blank(const char *s)
{
    while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n') s++;
    return s;
}

/* A coordinate the canvas can take: a number, and not so far off it that converting it to a pixel
 * index overflows (gui/canvas.c). */
static int coord_ok(float v) { return v >= -REPLAY_MAX_COORD && v <= REPLAY_MAX_COORD; }

/* Parses the points of one line into st, counting them into *total (the file's points so far);
 * returns 0 or -1 with a message in what. */
static int parse_points(const char *s, ReplayStroke *st, int *total, char *what, size_t wlen)
{
    int cap = 0;
    for (s = skip_blank(s); *s; s = skip_blank(s)) {
        char *end;
        float x = strtof(s, &end);
        if (end == s || *end != ',') {
            snprintf(what, wlen, "expected a point 'x,y' at '%.20s'", s);
            return -1;
        }
        s = end + 1;
        float y = strtof(s, &end);
        if (end == s || (*end && !isspace((unsigned char)*end))) {
            snprintf(what, wlen, "expected a point 'x,y' at '%.20s'", s);
            return -1;
        }
        s = end;
        /* strtof reads "nan", "inf" and 1e20 as numbers; none is a place on the canvas */
        if (!coord_ok(x) || !coord_ok(y)) {
            snprintf(what, wlen, "point %d is (%g, %g): coordinates must be numbers within "
                     "-%g..%g (the canvas is 0..280)", st->n + 1, (double)x, (double)y,
                     (double)REPLAY_MAX_COORD, (double)REPLAY_MAX_COORD);
            return -1;
        }
        if (st->n == REPLAY_MAX_LINE_POINTS) {
            snprintf(what, wlen, "more than %d points on one line (a drawn stroke has a few "
                     "hundred)", REPLAY_MAX_LINE_POINTS);
            return -1;
        }
        if (++*total > REPLAY_MAX_POINTS) {
            snprintf(what, wlen, "more than %d points in the file", REPLAY_MAX_POINTS);
            return -1;
        }
        if (st->n == cap) {
            cap = cap ? 2 * cap : 16;
            float *p = realloc(st->xy, (size_t)cap * 2 * sizeof *p);
            if (!p) {
                snprintf(what, wlen, "out of memory");
                return -1;
            }
            st->xy = p;
        }
        st->xy[2 * st->n] = x;
        st->xy[2 * st->n + 1] = y;
        st->n++;
    }
    if (!st->n) {
        snprintf(what, wlen, "a stroke needs at least one point");
        return -1;
    }
    return 0;
}

int replay_load(const char *path, Replay *r, char *err, size_t errlen)
{
    FILE *f = read_file_open(path, READ_LIMIT_TEXT, NULL, err, errlen);
    if (!f) return -1;
    memset(r, 0, sizeof *r);
    int cap = 0, lineno = 0, rc = 0, points = 0;
    char *line = NULL;
    size_t linecap = 0;
    while (getline(&line, &linecap, f) != -1) {
        lineno++;
        char *hash = strchr(line, '#');   /* a comment runs to the end of the line */
        if (hash) *hash = 0;
        const char *s = skip_blank(line);
        if (!*s) continue;
        if (r->n == REPLAY_MAX_ITEMS) {
            snprintf(err, errlen, "%s:%d: more than %d strokes and clears in the file", path,
                     lineno, REPLAY_MAX_ITEMS);
            rc = -1;
            break;
        }
        if (r->n == cap) {
            cap = cap ? 2 * cap : 16;
            ReplayStroke *p = realloc(r->strokes, (size_t)cap * sizeof *p);
            if (!p) {
                snprintf(err, errlen, "%s: out of memory", path);
                rc = -1;
                break;
            }
            r->strokes = p;
        }
        ReplayStroke *st = &r->strokes[r->n++];
        memset(st, 0, sizeof *st);
        char what[160];
        if (!strncmp(s, "clear", 5) && !*skip_blank(s + 5)) {
            st->kind = REPLAY_CLEAR;
            continue;
        }
        st->kind = REPLAY_DRAW;
        if (!strncmp(s, "erase", 5) && isspace((unsigned char)s[5])) {
            st->kind = REPLAY_ERASE;
            s += 5;
        }
        if (parse_points(s, st, &points, what, sizeof what)) {
            snprintf(err, errlen, "%s:%d: %s", path, lineno, what);
            rc = -1;
            break;
        }
    }
    if (!rc && ferror(f)) {
        snprintf(err, errlen, "%s: read error", path);
        rc = -1;
    }
    free(line);
    fclose(f);
    if (rc) replay_free(r);
    return rc;
}

void replay_free(Replay *r)
{
    for (int i = 0; i < r->n; i++) free(r->strokes[i].xy);
    free(r->strokes);
    r->strokes = NULL;
    r->n = 0;
}
