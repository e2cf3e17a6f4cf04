/* draw.c - the one draw site of the console: the tab bar, the current view's body
 * (draw_views.c), the status or prompt line, and the modal on top (help, confirmation, form).
 * Text is clipped by display width (UTF-8 aware, wide characters counted as two). */
#include <curses.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "base/clock.h"
#include "base/mem.h"
#include "tui/draw_int.h"

/* Puts text at (y, x) in at most width display columns, padded with spaces when pad. */
int tui_put(int y, int x, const char *text, int width, bool pad)
{
    if (x + width > COLS) /* never write past the right edge (curses would wrap) */
        width = COLS - x;
    if (width <= 0 || y < 0 || y >= LINES || x < 0)
        return 0;
    mbstate_t st;
    memset(&st, 0, sizeof st);
    const char *p = text ? text : "";
    int used = 0;
    move(y, x);
    while (*p && used < width) {
        wchar_t wc;
        size_t n = mbrtowc(&wc, p, strlen(p), &st);
        if (n == (size_t)-1 || n == (size_t)-2 || n == 0) { /* invalid byte: show '?' */
            memset(&st, 0, sizeof st);
            addch('?');
            used++;
            p++;
            continue;
        }
        int cw = wcwidth(wc);
        if (cw < 0)
            cw = 1, wc = L'?';
        if (used + cw > width)
            break;
        if (wc == L'\t' || wc == L'\n' || wc == L'\r')
            wc = L' ';
        addnwstr(&wc, 1);
        used += cw;
        p += n;
    }
    while (pad && used < width) {
        addch(' ');
        used++;
    }
    return used;
}

/* Sets a slot's attribute on (or off). */
void tui_attr(enum tui_slot s, bool on)
{
    attr_t at = (attr_t)tui_theme_attr(s);
    if (on)
        attron(at);
    else
        attroff(at);
}

/* The tab bar: views, workspace, clock, read-only flag. */
static void draw_tabs(const struct app *a)
{
    tui_attr(TUI_SLOT_TITLE, true);
    tui_put(0, 0, " weaver ", COLS, true);
    int x = 9;
    for (int v = 0; v < VIEW__COUNT; v++) {
        const char *t = tui_view_title((enum view)v);
        int w = (int)strlen(t) + 2;
        if (x + w >= COLS)
            break;
        if (v == (int)a->view) {
            tui_attr(TUI_SLOT_TITLE, false);
            tui_attr(TUI_SLOT_SELECTION, true);
        }
        char buf[64];
        snprintf(buf, sizeof buf, " %s ", t);
        tui_put(0, x, buf, w, false);
        if (v == (int)a->view) {
            tui_attr(TUI_SLOT_SELECTION, false);
            tui_attr(TUI_SLOT_TITLE, true);
        }
        x += w;
    }
    char right[192];
    struct wv_tm t;
    wv_time_split(a->snap ? a->snap->taken_ms : 0, &t);
    snprintf(right, sizeof right, "%sworkspace %s  %02d:%02d:%02d UTC ",
             a->opts.readonly ? "[read-only]  " : "",
             a->snap && a->snap->workspace_name ? a->snap->workspace_name : "?", t.hour, t.min,
             t.sec);
    int rw = (int)strlen(right);
    if (COLS - rw > x)
        tui_put(0, COLS - rw, right, rw, false);
    tui_attr(TUI_SLOT_TITLE, false);
}

/* The bottom line: a modal line being typed, or the status, or key hints. */
static void draw_bottom(const struct app *a)
{
    int y = LINES - 1;
    move(y, 0);
    clrtoeol();
    const struct tui_prompt *p = NULL;
    const char *lead = NULL;
    if (a->modal == MODAL_PROMPT)
        p = &a->prompt, lead = ":";
    else if (a->modal == MODAL_FILTER)
        p = &a->line, lead = "/";
    else if (a->modal == MODAL_SEARCH)
        p = &a->line, lead = "search: ";
    else if (a->modal == MODAL_CONNECTOR)
        p = &a->line, lead = "connector (builtin:faker, manifest:connectors/x.yaml): ";
    if (p) {
        tui_attr(TUI_SLOT_PROMPT, true);
        int x = tui_put(y, 0, lead, COLS, false);
        tui_put(y, x, p->line, COLS - x - 1, false);
        tui_attr(TUI_SLOT_PROMPT, false);
        int cx = x + (int)p->cursor;
        move(y, cx < COLS ? cx : COLS - 1);
        curs_set(1);
        return;
    }
    curs_set(0);
    if (a->status[0]) {
        tui_attr(a->status_error ? TUI_SLOT_ERROR : TUI_SLOT_STATUS, true);
        tui_put(y, 0, a->status, COLS, true);
        tui_attr(a->status_error ? TUI_SLOT_ERROR : TUI_SLOT_STATUS, false);
        return;
    }
    tui_attr(TUI_SLOT_DIM, true);
    tui_put(y, 0, " ? help   : command   / filter   Tab pane   Enter open   Esc back   q quit",
            COLS, true);
    tui_attr(TUI_SLOT_DIM, false);
}

/* A box with a border and a title, cleared inside. */
void tui_box(int y, int x, int h, int w, const char *title)
{
    tui_attr(TUI_SLOT_BORDER, true);
    for (int r = 0; r < h; r++) {
        move(y + r, x);
        for (int c = 0; c < w; c++) {
            bool edge_r = r == 0 || r == h - 1, edge_c = c == 0 || c == w - 1;
            addch(edge_r && edge_c ? '+' : edge_r ? '-' : edge_c ? '|' : ' ');
        }
    }
    tui_attr(TUI_SLOT_BORDER, false);
    if (title) {
        tui_attr(TUI_SLOT_HEADER, true);
        char t[256];
        snprintf(t, sizeof t, " %s ", title);
        tui_put(y, x + 2, t, w - 4, false);
        tui_attr(TUI_SLOT_HEADER, false);
    }
}

/* Help: the live bindings of the current context, then the prompt's commands. */
static void draw_help(const struct app *a)
{
    struct wv_buf b;
    wv_buf_init(&b, 0);
    tui_keymap_help(&a->keys, tui_app_context(a), &b);
    wv_buf_puts(&b,
                "\n: commands - every CLI command (flow run NAME, sync CONN, check SOURCE, "
                "discover CONN, flow rerun RUN --failed, state reset CONN ...), and:\n"
                "  theme NAME    switch theme (default, light, high-contrast, solarized)\n"
                "  sources connections flows logs metrics commands    go to a view\n"
                "  quit\n",
                NULL);
    int h = LINES - 4, w = COLS - 8;
    if (h < 5 || w < 20) {
        wv_buf_done(&b);
        return;
    }
    char title[96];
    snprintf(title, sizeof title, "Help: %s keys (j/k scroll, any other key closes)",
             tui_context_name(tui_app_context(a)));
    tui_box(2, 4, h, w, title);
    const char *p = wv_buf_cstr(&b);
    size_t line = 0;
    int y = 3;
    while (*p && y < 2 + h - 1) {
        size_t n = strcspn(p, "\n");
        if (line >= a->help_top) {
            char *l = wv_strndup(p, n);
            tui_put(y++, 6, l, w - 4, false);
            free(l);
        }
        line++;
        p += n + (p[n] == '\n');
    }
    wv_buf_done(&b);
}

static void draw_confirm(const struct app *a)
{
    int w = COLS - 10 < 90 ? COLS - 10 : 90;
    if (w < 20)
        w = COLS;
    int x = (COLS - w) / 2, y = LINES / 2 - 3;
    tui_box(y, x, 6, w, "Confirm");
    tui_put(y + 2, x + 2, a->confirm_text, w - 4, false);
    char cmd[600];
    snprintf(cmd, sizeof cmd, "runs: weaver %s", a->confirm_cmd);
    tui_attr(TUI_SLOT_DIM, true);
    tui_put(y + 3, x + 2, cmd, w - 4, false);
    tui_attr(TUI_SLOT_DIM, false);
    tui_attr(TUI_SLOT_KEY, true);
    tui_put(y + 4, x + 2, "y: yes    any other key: no", w - 4, false);
    tui_attr(TUI_SLOT_KEY, false);
}

void tui_draw(struct app *a)
{
    erase();
    draw_tabs(a);
    if (LINES >= 4 && COLS >= 20)
        tui_draw_view(a, 1, LINES - 2);
    if (a->modal == MODAL_HELP)
        draw_help(a);
    else if (a->modal == MODAL_CONFIRM)
        draw_confirm(a);
    else if (a->modal == MODAL_FORM)
        tui_form_draw(&a->form, 1, 2, LINES - 2, COLS - 4);
    draw_bottom(a);
    refresh();
}
