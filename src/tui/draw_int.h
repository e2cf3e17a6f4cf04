/* draw_int.h - drawing helpers shared by draw.c (chrome, modals) and draw_views.c (view
 * bodies). TUI thread only. */
#ifndef TUI_DRAW_INT_H
#define TUI_DRAW_INT_H

#include "tui/tui_int.h"

/* Text at (y, x) clipped to width display columns (UTF-8, wide characters); padded with
 * spaces when pad. Returns the columns used. */
int tui_put(int y, int x, const char *text, int width, bool pad);
/* Turns a theme slot's attributes on or off. */
void tui_attr(enum tui_slot s, bool on);
/* A bordered box with a title. */
void tui_box(int y, int x, int h, int w, const char *title);
/* The current view's body in lines [y, y + h). */
void tui_draw_view(struct app *a, int y, int h);

#endif
