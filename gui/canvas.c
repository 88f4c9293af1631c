/* Stroke rasterisation: each pixel's coverage is its distance to the segment (a capsule), with
 * a linear one-pixel ramp at the edge, so strokes are smooth and round at any speed. */
#include "gui/canvas.h"

#include <math.h>
#include <string.h>

void canvas_clear(Canvas *c)
{
    memset(c->pix, 0, sizeof c->pix);
    c->x0 = c->y0 = 0;
    c->x1 = c->y1 = CANVAS_SIZE;
    c->ink = 0;
}

static int clampi(int v, int lo, int hi) { return v < lo ? lo : v > hi ? hi : v; }

void raster_segment(float *pix, int w, int h, float ax, float ay, float bx, float by, float width,
                    int erase, int rect[4])
{
    float r = width * 0.5f;
    int x0 = clampi((int)floorf(fminf(ax, bx) - r - 1), 0, w);
    int x1 = clampi((int)ceilf(fmaxf(ax, bx) + r + 1), 0, w);
    int y0 = clampi((int)floorf(fminf(ay, by) - r - 1), 0, h);
    int y1 = clampi((int)ceilf(fmaxf(ay, by) + r + 1), 0, h);
    rect[0] = x0; rect[1] = y0; rect[2] = x1; rect[3] = y1;
    if (x0 >= x1 || y0 >= y1) return;
    float dx = bx - ax, dy = by - ay, len2 = dx * dx + dy * dy;
    for (int y = y0; y < y1; y++) {
        float py = (float)y + 0.5f;
        float *row = pix + (size_t)y * (size_t)w;
        for (int x = x0; x < x1; x++) {
            float px = (float)x + 0.5f;
            /* distance from the pixel centre to the nearest point of the segment */
            float t = len2 > 0 ? ((px - ax) * dx + (py - ay) * dy) / len2 : 0.0f;
            t = t < 0 ? 0 : t > 1 ? 1 : t;
            float ex = px - (ax + t * dx), ey = py - (ay + t * dy);
            float cov = r + 0.5f - sqrtf(ex * ex + ey * ey);
            if (cov <= 0) continue;
            if (cov > 1) cov = 1;
            if (erase) {
                if (row[x] > 1 - cov) row[x] = 1 - cov;
            } else if (row[x] < cov) {
                row[x] = cov;
            }
        }
    }
}

void canvas_segment(Canvas *c, float ax, float ay, float bx, float by, float width, int erase)
{
    int r[4];
    raster_segment(c->pix, CANVAS_SIZE, CANVAS_SIZE, ax, ay, bx, by, width, erase, r);
    int x0 = r[0], y0 = r[1], x1 = r[2], y1 = r[3];
    if (x0 >= x1 || y0 >= y1) return;
    if (c->x0 >= c->x1) { c->x0 = x0; c->y0 = y0; c->x1 = x1; c->y1 = y1; }
    else {
        if (x0 < c->x0) c->x0 = x0;
        if (y0 < c->y0) c->y0 = y0;
        if (x1 > c->x1) c->x1 = x1;
        if (y1 > c->y1) c->y1 = y1;
    }
    if (!erase) c->ink++;
}

int canvas_has_ink(const Canvas *c, float above)
{
    for (int i = 0; i < CANVAS_SIZE * CANVAS_SIZE; i++)
        if (c->pix[i] > above) return 1;
    return 0;
}

int canvas_take_dirty(Canvas *c, int *x, int *y, int *w, int *h)
{
    if (c->x0 >= c->x1 || c->y0 >= c->y1) return 0;
    *x = c->x0; *y = c->y0; *w = c->x1 - c->x0; *h = c->y1 - c->y0;
    c->x0 = c->y0 = c->x1 = c->y1 = 0;
    return 1;
}
