/* Stroke files (gui/replay.h) without a display: what a hand writes loads; points that are not
 * numbers or lie nowhere near the canvas (they reached a float-to-int conversion in the
 * rasteriser), and files past the caps on points and strokes (a line of 200,000 points took over
 * a minute to replay), are refused with FILE:LINE and what is wrong. */
#include "gui/replay.h"
#include "tests/check.h"
#include "tests/tmpdir.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* text must be refused with "PATH:LINE: ..." holding needle. */
static void refused(const char *text, int line, const char *needle)
{
    const char *p = tmp_path("bad.txt");
    tmp_write(p, text, strlen(text));
    Replay r;
    char err[512] = "", where[600];
    CHECK(replay_load(p, &r, err, sizeof err) == -1, "loaded: %.60s", text);
    printf("# %s\n", err);
    snprintf(where, sizeof where, "%s:%d: ", p, line);
    CHECK(strstr(err, where) == err, "'%s' does not start with '%s'", err, where);
    CHECK(strstr(err, needle) != NULL, "'%s' lacks '%s'", err, needle);
}

static void numbers_on_the_canvas_load(void)
{
    const char *text = "# a dot, a stroke leaving the canvas, an eraser, a clear\n"
                       "140,140\n-30.5,10 10,20 310,300 9999.5,-9999.5\nerase 1,2 3,4\nclear\n";
    const char *p = tmp_path("good.txt");
    tmp_write(p, text, strlen(text));
    Replay r;
    char err[512] = "";
    CHECK(replay_load(p, &r, err, sizeof err) == 0, "%s", err);
    CHECK(r.n == 4 && r.strokes[1].n == 4 && r.strokes[1].xy[6] == 9999.5f, "parsed wrong");
    replay_free(&r);
}

static void points_that_are_not_places(void)
{
    refused("10,10\nnan,nan\n", 2, "point 1 is (nan, nan): coordinates must be numbers within");
    refused("1e20,5\n", 1, "point 1 is (1e+20, 5)");
    refused("10,10 20,inf\n", 1, "point 2 is (20, inf)");
    refused("10,10 -1e300,3\n", 1, "point 2 is (-inf, 3)");   /* out of float's range */
    refused("10,10000.5\n", 1, "within -10000..10000");
    refused("erase 5,5 NAN,1\n", 1, "point 2 is (nan, 1)");
}

/* n points "i,i" on one line, after a first line holding one point. */
static char *long_line(int n)
{
    char *t = malloc((size_t)n * 8 + 16), *q = t;
    q += sprintf(q, "1,1\n");
    for (int i = 0; i < n; i++) q += sprintf(q, "%d,%d ", i % 280, i % 280);
    sprintf(q, "\n");
    return t;
}

static void caps(void)
{
    char *t = long_line(REPLAY_MAX_LINE_POINTS);
    const char *p = tmp_path("cap.txt");
    tmp_write(p, t, strlen(t));
    Replay r;
    char err[512] = "";
    CHECK(replay_load(p, &r, err, sizeof err) == 0, "a line of exactly the cap: %s", err);
    if (err[0] == 0) replay_free(&r);
    free(t);
    t = long_line(REPLAY_MAX_LINE_POINTS + 1);
    refused(t, 2, "more than 4096 points on one line");
    free(t);
    /* the file's cap: lines of 4000 points, the fifth goes over 16384 */
    size_t len = 0;
    t = malloc(5 * (4000 * 8 + 2) + 1);
    for (int l = 0; l < 5; l++) {
        for (int i = 0; i < 4000; i++) len += (size_t)sprintf(t + len, "%d,5 ", i % 280);
        t[len++] = '\n';
    }
    t[len] = 0;
    refused(t, 5, "more than 16384 points in the file");
    free(t);
    /* strokes and clears: 4097 clear lines */
    t = malloc((REPLAY_MAX_ITEMS + 1) * 6 + 1);
    t[0] = 0;
    for (int i = 0; i <= REPLAY_MAX_ITEMS; i++) strcat(t, "clear\n");
    refused(t, REPLAY_MAX_ITEMS + 1, "more than 4096 strokes and clears");
    free(t);
}

int main(void)
{
    tmp_setup("replay");
    RUN(numbers_on_the_canvas_load);
    RUN(points_that_are_not_places);
    RUN(caps);
    tmp_cleanup();
    return check_done();
}
