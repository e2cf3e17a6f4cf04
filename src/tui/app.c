/* app.c - the first console screen: workspace header, sources, connections (with their last
 * job) and recent jobs, refreshed from engine snapshots every two seconds. TUI thread only: the
 * only caller of ncurses. One draw site (draw()); input handlers only change state and ask for
 * a redraw. The full console (views, prompt, themes, bindings) grows from here. */
#include <curses.h>
#include <locale.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "tui/tui.h"

#define REFRESH_MS 2000
#define TICK_MS 100

enum pane { PANE_SOURCES, PANE_CONNS, PANE_JOBS, PANE__COUNT };

enum color_slot { C_TITLE = 1, C_HEADER, C_OK, C_FAILED, C_RUNNING, C_DIM, C_SELECT };

struct app {
    const struct core_engine *engine;
    struct core_snapshot *snap;
    enum pane focus;
    size_t sel[PANE__COUNT];
    bool color;
    int64_t next_refresh_ms;
};

static volatile sig_atomic_t got_signal;

/* Restores the terminal (out-of-memory hook and exit paths). */
static void restore_terminal(void)
{
    if (!isendwin())
        endwin();
}

/* Fatal signals: remember, the loop exits cleanly. */
static void on_signal(int sig)
{
    got_signal = sig;
}

/* Sets up colours unless NO_COLOR is set or the terminal has none. */
static bool setup_colors(void)
{
    const char *nc = getenv("NO_COLOR");
    if ((nc && *nc) || !has_colors())
        return false;
    start_color();
    use_default_colors();
    init_pair(C_TITLE, COLOR_BLACK, COLOR_CYAN);
    init_pair(C_HEADER, COLOR_CYAN, -1);
    init_pair(C_OK, COLOR_GREEN, -1);
    init_pair(C_FAILED, COLOR_RED, -1);
    init_pair(C_RUNNING, COLOR_YELLOW, -1);
    init_pair(C_DIM, COLOR_BLUE, -1);
    init_pair(C_SELECT, COLOR_BLACK, COLOR_WHITE);
    return true;
}

/* Attribute for a slot (colour, or a mono fallback). */
static attr_t slot_attr(const struct app *a, enum color_slot slot)
{
    if (a->color)
        return COLOR_PAIR(slot) | (slot == C_TITLE || slot == C_HEADER ? A_BOLD : 0);
    switch (slot) {
    case C_TITLE:
    case C_SELECT:
        return A_REVERSE;
    case C_HEADER:
    case C_FAILED:
        return A_BOLD;
    case C_DIM:
        return A_DIM;
    default:
        return A_NORMAL;
    }
}

/* Colour for a job status. */
static enum color_slot status_slot(const char *status)
{
    if (!status)
        return C_DIM;
    if (strcmp(status, "succeeded") == 0)
        return C_OK;
    if (strcmp(status, "running") == 0)
        return C_RUNNING;
    return C_FAILED;
}

/* Number of rows in a pane. */
static size_t pane_rows(const struct app *a, enum pane p)
{
    switch (p) {
    case PANE_SOURCES:
        return a->snap->n_sources;
    case PANE_CONNS:
        return a->snap->n_conns;
    default:
        return a->snap->n_jobs;
    }
}

/* "2024-01-02 03:04" UTC, or "-". */
static void fmt_when(int64_t ms, char *buf, size_t size)
{
    if (!ms) {
        wv_strlcpy(buf, "-", size);
        return;
    }
    struct wv_tm t;
    wv_time_split(ms, &t);
    snprintf(buf, size, "%04d-%02d-%02d %02d:%02d:%02d", t.year, t.month, t.day, t.hour, t.min,
             t.sec);
}

/* Draws a pane title line. */
static void draw_title(const struct app *a, int y, const char *title, enum pane p, size_t n)
{
    attr_t at = slot_attr(a, C_HEADER) | (a->focus == p ? A_UNDERLINE : 0);
    attron(at);
    mvprintw(y, 0, "%s %s (%zu)", a->focus == p ? ">" : " ", title, n);
    attroff(at);
}

/* Starts a row: selection highlight when the pane has focus. */
static void row_begin(const struct app *a, enum pane p, size_t i, int y, int w)
{
    move(y, 0);
    if (a->focus == p && a->sel[p] == i) {
        attron(slot_attr(a, C_SELECT));
        mvhline(y, 0, ' ', w);
    }
}

/* Ends a row. */
static void row_end(const struct app *a) { attroff(slot_attr(a, C_SELECT)); }

/* First row to show so that the selection stays visible in `height` rows. */
static size_t first_row(const struct app *a, enum pane p, int height)
{
    size_t h = height > 0 ? (size_t)height : 1;
    return a->sel[p] >= h ? a->sel[p] - h + 1 : 0;
}

/* Sources pane. */
static int draw_sources(const struct app *a, int y, int height, int w)
{
    const struct core_snapshot *s = a->snap;
    draw_title(a, y++, "Sources", PANE_SOURCES, s->n_sources);
    for (size_t i = first_row(a, PANE_SOURCES, height); i < s->n_sources && height > 0;
         i++, height--) {
        row_begin(a, PANE_SOURCES, i, y, w);
        mvprintw(y++, 2, "%-24.24s %-.*s", s->sources[i].name, w > 30 ? w - 30 : 1,
                 s->sources[i].connector);
        row_end(a);
    }
    return y;
}

/* Connections pane. */
static int draw_conns(const struct app *a, int y, int height, int w)
{
    const struct core_snapshot *s = a->snap;
    draw_title(a, y++, "Connections", PANE_CONNS, s->n_conns);
    attron(A_DIM);
    mvprintw(y++, 2, "%-24s %-14s %-12s %-12s %-10s %-19s", "NAME", "SOURCE", "DESTINATION",
             "SCHEDULE", "LAST", "LAST RUN (UTC)");
    attroff(A_DIM);
    for (size_t i = first_row(a, PANE_CONNS, height); i < s->n_conns && height > 0;
         i++, height--) {
        const struct core_snap_conn *c = &s->conns[i];
        char when[32];
        fmt_when(c->last_started_ms, when, sizeof when);
        row_begin(a, PANE_CONNS, i, y, w);
        mvprintw(y, 2, "%-24.24s %-14.14s %-12.12s %-12.12s ", c->name, c->source,
                 c->destination, c->schedule);
        bool sel = a->focus == PANE_CONNS && a->sel[PANE_CONNS] == i;
        if (!sel)
            attron(slot_attr(a, status_slot(c->last_status)));
        printw("%-10.10s", c->last_status ? c->last_status : "never");
        if (!sel)
            attroff(slot_attr(a, status_slot(c->last_status)));
        printw(" %-19s%s", when, c->enabled ? "" : " disabled");
        row_end(a);
        y++;
    }
    return y;
}

/* Recent jobs pane. */
static int draw_jobs(const struct app *a, int y, int height, int w)
{
    const struct core_snapshot *s = a->snap;
    draw_title(a, y++, "Recent runs", PANE_JOBS, s->n_jobs);
    attron(A_DIM);
    mvprintw(y++, 2, "%-6s %-24s %-10s %-19s %10s  %s", "JOB", "CONNECTION", "STATUS",
             "STARTED (UTC)", "RECORDS", "ERROR");
    attroff(A_DIM);
    for (size_t i = first_row(a, PANE_JOBS, height); i < s->n_jobs && height > 0; i++, height--) {
        const struct core_snap_job *j = &s->jobs[i];
        char when[32];
        fmt_when(j->started_ms, when, sizeof when);
        row_begin(a, PANE_JOBS, i, y, w);
        mvprintw(y, 2, "%-6lld %-24.24s ", (long long)j->id, j->connection);
        bool sel = a->focus == PANE_JOBS && a->sel[PANE_JOBS] == i;
        if (!sel)
            attron(slot_attr(a, status_slot(j->status)));
        printw("%-10.10s", j->status);
        if (!sel)
            attroff(slot_attr(a, status_slot(j->status)));
        printw(" %-19s %10lld  %-.*s", when, (long long)j->records, w > 80 ? w - 80 : 1,
               j->error ? j->error : "");
        row_end(a);
        y++;
    }
    return y;
}

/* The one draw site. */
static void draw(const struct app *a)
{
    int h, w;
    getmaxyx(stdscr, h, w);
    erase();
    attron(slot_attr(a, C_TITLE));
    mvhline(0, 0, ' ', w);
    mvprintw(0, 1, "weaver %s | workspace %s | %s", WEAVER_VERSION, a->snap->workspace_name,
             a->snap->workspace_root);
    attroff(slot_attr(a, C_TITLE));
    int y = 2;
    if (a->snap->load_error) {
        attron(slot_attr(a, C_FAILED));
        mvprintw(y, 1, "workspace error: %.*s", w > 20 ? w - 20 : 1, a->snap->load_error);
        attroff(slot_attr(a, C_FAILED));
        y += 2;
    }
    int avail = h - y - 2;
    int src_h = (int)a->snap->n_sources < avail / 4 ? (int)a->snap->n_sources : avail / 4;
    int conn_h = (int)a->snap->n_conns < avail / 3 ? (int)a->snap->n_conns : avail / 3;
    y = draw_sources(a, y, src_h, w) + 1;
    y = draw_conns(a, y, conn_h, w) + 1;
    draw_jobs(a, y, h - y - 3, w);
    attron(slot_attr(a, C_DIM));
    mvprintw(h - 1, 0, " q quit  Tab pane  j/k move  r refresh   (runs shown in UTC)");
    attroff(slot_attr(a, C_DIM));
    refresh();
}

/* Replaces the snapshot, keeping selections in range. */
static void take_snapshot(struct app *a)
{
    core_snapshot_free(a->snap);
    a->snap = a->engine->ops->snapshot(a->engine->ctx);
    for (int p = 0; p < PANE__COUNT; p++) {
        size_t n = pane_rows(a, (enum pane)p);
        if (a->sel[p] >= n)
            a->sel[p] = n ? n - 1 : 0;
    }
    a->next_refresh_ms = wv_clock_now_ms(wv_clock_system()) + REFRESH_MS;
}

/* Handles one key; returns false to quit. */
static bool on_key(struct app *a, int ch)
{
    size_t n = pane_rows(a, a->focus);
    switch (ch) {
    case 'q':
    case 'Q':
        return false;
    case '\t':
        a->focus = (enum pane)((a->focus + 1) % PANE__COUNT);
        break;
    case KEY_BTAB:
        a->focus = (enum pane)((a->focus + PANE__COUNT - 1) % PANE__COUNT);
        break;
    case 'j':
    case KEY_DOWN:
        if (a->sel[a->focus] + 1 < n)
            a->sel[a->focus]++;
        break;
    case 'k':
    case KEY_UP:
        if (a->sel[a->focus] > 0)
            a->sel[a->focus]--;
        break;
    case 'g':
    case KEY_HOME:
        a->sel[a->focus] = 0;
        break;
    case 'G':
    case KEY_END:
        a->sel[a->focus] = n ? n - 1 : 0;
        break;
    case 'r':
        take_snapshot(a);
        break;
    default:
        break;
    }
    return true;
}

/* Runs the console. */
int tui_run(const struct core_engine *engine, struct wv_error *err)
{
    (void)err;
    struct app a = {.engine = engine, .focus = PANE_CONNS};
    setlocale(LC_ALL, "");
    wv_set_oom_hook(restore_terminal);
    signal(SIGTERM, on_signal);
    signal(SIGHUP, on_signal);
    signal(SIGINT, on_signal);
    if (!initscr())
        return wv_error_set(err, WV_E_IO, 0, "cannot initialise the terminal");
    cbreak();
    noecho();
    keypad(stdscr, TRUE);
    curs_set(0);
    timeout(TICK_MS);
    a.color = setup_colors();
    take_snapshot(&a);
    bool running = true, dirty = true;
    while (running && !got_signal) {
        if (dirty)
            draw(&a);
        dirty = false;
        int ch = getch();
        if (ch == ERR) {
            if (wv_clock_now_ms(wv_clock_system()) >= a.next_refresh_ms) {
                take_snapshot(&a);
                dirty = true;
            }
            continue;
        }
        running = ch == KEY_RESIZE ? true : on_key(&a, ch);
        dirty = true;
    }
    restore_terminal();
    wv_set_oom_hook(NULL);
    core_snapshot_free(a.snap);
    return 0;
}
