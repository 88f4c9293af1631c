/* The record of the strokes since the last clear (see strokes.h). */
#include "gui/strokes.h"

void strokes_clear(Strokes *s)
{
    s->n_strokes = s->n_points = s->n_drawn = s->n_erase = s->full = 0;
    s->pen = 0;
    s->clears++;
}

static void add_point(Strokes *s, float x, float y)
{
    if (s->n_points == STROKES_MAX_POINTS) {
        s->full = 1;
        return;
    }
    s->xy[2 * s->n_points] = x;
    s->xy[2 * s->n_points + 1] = y;
    s->n_points++;
    Stroke *st = &s->stroke[s->n_strokes - 1];
    st->n++;
    if (st->erase) return;
    if (!s->n_drawn++) {
        s->box[0] = s->box[2] = x;
        s->box[1] = s->box[3] = y;
    }
    s->box[0] = x < s->box[0] ? x : s->box[0];
    s->box[1] = y < s->box[1] ? y : s->box[1];
    s->box[2] = x > s->box[2] ? x : s->box[2];
    s->box[3] = y > s->box[3] ? y : s->box[3];
}

void strokes_begin(Strokes *s, float x, float y, float width, int erase)
{
    if (s->full || s->n_strokes == STROKES_MAX) {
        s->full = 1;
        return;
    }
    s->stroke[s->n_strokes++] = (Stroke){.first = s->n_points, .erase = erase, .width = width};
    s->n_erase += erase != 0;
    if (!erase && width > s->pen) s->pen = width;
    add_point(s, x, y);
}

void strokes_add(Strokes *s, float x, float y)
{
    if (s->full || !s->n_strokes) return;
    add_point(s, x, y);
}
