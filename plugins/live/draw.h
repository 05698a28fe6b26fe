/* Drawing helpers shared by draw.c and draw_header.c. */
#ifndef LIVE_DRAW_H
#define LIVE_DRAW_H

#include <curses.h>

#include "live.h"

/* Upstream's palette, or bold/reverse stand-ins without colours. */
struct lv_colors {
    attr_t cyan, yellow, green, magenta, red;
    attr_t normal_header, sorted_header;
    attr_t file, func;
    attr_t trend_up, trend_down;
};

extern struct lv_colors lv_col;

void lv_colors_init(int use_colors);
/* Draw UTF-8 text at (y, x), clipped to the screen's width minus one (so the
 * last cell, which would scroll, is never written). Returns the number of
 * code points the text has, drawn or not, so callers can advance as
 * upstream does. */
int lv_put(int y, int x, const char *text, attr_t attr);
/* Code points in a UTF-8 string. */
size_t lv_cplen(const char *s);
/* Bytes of the first n code points of s. */
size_t lv_cpbytes(const char *s, size_t n);

#endif
