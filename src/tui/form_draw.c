/* form_draw.c - draws a form: a bordered box titled with the form's title, one row per shown
 * field ("Title *" for required ones, the value or "••••" for secrets, selects as "< v >"),
 * a field's error in the error colour after its value (or on the next row when it does not
 * fit), the focused field's help and the form's message at the bottom. TUI thread (curses). */
#include <curses.h>
#include <stdio.h>
#include <string.h>
#include <wchar.h>

#include "tui/draw_int.h"
#include "tui/form_int.h"
#include "tui/theme.h"

static int columns(const char *s, size_t n)
{
    int cols = 0;
    for (size_t i = 0; i < n; i++) {
        if (((unsigned char)s[i] & 0xC0) != 0x80)
            cols++;
    }
    return cols;
}

/* The text shown for a field's value. */
static void shown_value(const struct tui_field *fl, char *out, size_t size)
{
    if (fl->secret && fl->value[0])
        snprintf(out, size, "••••");
    else if (tui_form_is_select(fl))
        snprintf(out, size, "< %s >", fl->value[0] ? fl->value : "(none)");
    else
        snprintf(out, size, "%s", fl->value);
}

/* Rows a field takes at value width vw: 1, or 2 when its error goes on the next row. */
static int field_rows(const struct tui_field *fl, int vw)
{
    if (!fl->error[0])
        return 1;
    char v[600];
    shown_value(fl, v, sizeof v);
    int need = columns(v, strlen(v)) + 2 + (int)strlen(fl->error);
    return need <= vw ? 1 : 2;
}

/* The bordered, cleared box with the title on its top edge. */
static void draw_box(const char *title, int y, int x, int h, int w)
{
    tui_attr(TUI_SLOT_BORDER, true);
    mvaddch(y, x, ACS_ULCORNER);
    mvhline(y, x + 1, ACS_HLINE, w - 2);
    mvaddch(y, x + w - 1, ACS_URCORNER);
    mvvline(y + 1, x, ACS_VLINE, h - 2);
    mvvline(y + 1, x + w - 1, ACS_VLINE, h - 2);
    mvaddch(y + h - 1, x, ACS_LLCORNER);
    mvhline(y + h - 1, x + 1, ACS_HLINE, w - 2);
    mvaddch(y + h - 1, x + w - 1, ACS_LRCORNER);
    tui_attr(TUI_SLOT_BORDER, false);
    for (int r = y + 1; r < y + h - 1; r++)
        mvhline(r, x + 1, ' ', w - 2);
    tui_attr(TUI_SLOT_TITLE, true);
    char text[160];
    snprintf(text, sizeof text, " %s ", title);
    tui_put(y, x + 2, text, w - 4, false);
    tui_attr(TUI_SLOT_TITLE, false);
}

/* The first field to draw: from f->scroll, moved so the focused field fits in rows. */
static size_t first_shown(const struct tui_form *f, int rows, int vw)
{
    size_t start = f->scroll < f->n ? f->scroll : 0;
    if (f->sel < start)
        start = f->sel;
    for (;;) {
        int used = 0;
        for (size_t i = start; i < f->n && i <= f->sel; i++) {
            if (tui_form_visible(f, i))
                used += field_rows(&f->fields[i], vw);
        }
        if (used <= rows || start >= f->sel)
            return start;
        start++;
    }
}

/* Where the focused field's cursor goes (row -1: none). */
struct cursor {
    int y, x;
};

/* Draws one field at row r (label in lw columns at left, value at vx in vw columns); returns
 * the rows used (at most max). */
static int draw_field(const struct tui_field *fl, bool focus, int r, int left, int lw, int vx,
                      int vw, int max, struct cursor *cur)
{
    char label[300];
    snprintf(label, sizeof label, "%s%s", fl->title, fl->required ? " *" : "");
    if (focus) {
        tui_attr(TUI_SLOT_SELECTION, true);
        mvhline(r, left, ' ', lw + 1 + vw);
    } else {
        tui_attr(TUI_SLOT_HEADER, true);
    }
    tui_put(r, left, label, lw, false);
    if (!focus)
        tui_attr(TUI_SLOT_HEADER, false);
    char v[600];
    shown_value(fl, v, sizeof v);
    int used = tui_put(r, vx, v, vw, false);
    if (focus) {
        tui_attr(TUI_SLOT_SELECTION, false);
        if (!tui_form_is_select(fl)) {
            cur->y = r;
            cur->x = vx + (fl->secret ? used : columns(fl->value, fl->cursor));
            if (cur->x > vx + vw - 1)
                cur->x = vx + vw - 1;
        }
    }
    if (!fl->error[0])
        return 1;
    int rows = 1;
    tui_attr(TUI_SLOT_ERROR, true);
    if (field_rows(fl, vw) == 1) {
        tui_put(r, vx + used + 2, fl->error, vw - used - 2, false);
    } else if (max > 1) {
        tui_put(r + 1, vx, fl->error, vw, false);
        rows = 2;
    }
    tui_attr(TUI_SLOT_ERROR, false);
    return rows;
}

/* Draws the form in the area. */
void tui_form_draw(const struct tui_form *f, int y, int x, int h, int w)
{
    if (h < 5 || w < 20)
        return;
    draw_box(f->title, y, x, h, w);
    int inner = w - 4, left = x + 2;
    int lw = inner / 3 < 40 ? inner / 3 : 40;
    int vx = left + lw + 1, vw = inner - lw - 1;
    int top = y + 1, rows = h - 4; /* the two bottom rows: help, then message or key hints */
    struct cursor cur = {-1, -1};
    int r = top;
    for (size_t i = first_shown(f, rows, vw); i < f->n && r < top + rows; i++) {
        if (tui_form_visible(f, i))
            r += draw_field(&f->fields[i], i == f->sel, r, left, lw, vx, vw, top + rows - r, &cur);
    }
    int hy = y + h - 3;
    if (f->sel < f->n && f->fields[f->sel].help) {
        tui_attr(TUI_SLOT_DIM, true);
        tui_put(hy, left, f->fields[f->sel].help, inner, false);
        tui_attr(TUI_SLOT_DIM, false);
    }
    if (f->message[0]) {
        tui_attr(TUI_SLOT_ERROR, true);
        tui_put(hy + 1, left, f->message, inner, false);
        tui_attr(TUI_SLOT_ERROR, false);
    } else {
        tui_attr(TUI_SLOT_KEY, true);
        tui_put(hy + 1, left, "Tab/↓ next  ↑ previous  Space/←/→ choose  C-s save  Esc cancel", inner, false);
        tui_attr(TUI_SLOT_KEY, false);
    }
    if (cur.y >= 0)
        move(cur.y, cur.x);
}
