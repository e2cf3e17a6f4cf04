/* app.c - the console's loop: terminal setup and restore (on return, fatal signal, crash and
 * out of memory), input (keys through the keymap, mouse, resize), modals (the : prompt, the /
 * filter, search, confirmation, forms, help), and the engine's output (a fresh snapshot about
 * every second, command results, log text). Input handlers only change state; tui_draw() is the
 * one place that draws. TUI thread only: the only caller of ncurses. */
#include <curses.h>
#include <locale.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/fs.h"
#include "base/mem.h"
#include "tui/tui_int.h"

#define TICK_MS 100
#define SNAP_MS 1000
#define LOG_MS 300

static volatile sig_atomic_t got_signal;

static void restore_terminal(void)
{
    if (!isendwin())
        endwin();
}

static void on_signal(int sig)
{
    got_signal = sig;
}

/* A crash: give the terminal back, then die as the signal says. */
static void on_crash(int sig)
{
    endwin();
    signal(sig, SIG_DFL);
    raise(sig);
}

static const struct {
    const char *title;
    enum tui_context ctx;
} views[] = {
#define TUI_X_VIEWT(id, title, ctx) {title, ctx},
    TUI_VIEWS(TUI_X_VIEWT)
#undef TUI_X_VIEWT
};

const char *tui_view_title(enum view v)
{
    return (size_t)v < VIEW__COUNT ? views[v].title : "?";
}

enum tui_context tui_app_context(const struct app *a)
{
    if (a->view == VIEW_FLOWS && a->pane[VIEW_FLOWS] == 1)
        return TUI_CTX_RUNS;
    if (a->view == VIEW_RUN)
        return TUI_CTX_RUNS;
    return views[a->view].ctx;
}

void tui_app_status(struct app *a, bool error, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(a->status, sizeof a->status, fmt, ap);
    va_end(ap);
    a->status_error = error;
    a->status_ms = wv_clock_now_ms(wv_clock_system());
}

void tui_app_goto(struct app *a, enum view v)
{
    if (v == a->view)
        return;
    if (a->n_back == sizeof a->back / sizeof a->back[0])
        memmove(a->back, a->back + 1, (a->n_back - 1) * sizeof *a->back), a->n_back--;
    a->back[a->n_back++] = a->view;
    a->view = v;
}

/* Esc: the previous view. */
static void go_back(struct app *a)
{
    if (a->n_back)
        a->view = a->back[--a->n_back];
}

void tui_app_exec(struct app *a, const char *line)
{
    char *words[64];
    size_t n = tui_prompt_split(line, words, 64);
    if (n == 0)
        return;
    struct wv_error err;
    wv_error_clear(&err);
    int64_t id = a->engine->ops->exec_async(a->engine->ctx, (int)n, words, &err);
    for (size_t i = 0; i < n; i++)
        free(words[i]);
    if (id < 0)
        tui_app_status(a, true, "%s", err.msg);
    else
        tui_app_status(a, false, "running: weaver %s  (command %lld; :commands shows its output)",
                       line, (long long)id);
}

void tui_app_confirm(struct app *a, const char *question, const char *line)
{
    snprintf(a->confirm_text, sizeof a->confirm_text, "%s", question);
    snprintf(a->confirm_cmd, sizeof a->confirm_cmd, "%s", line);
    a->modal = MODAL_CONFIRM;
}

/* Takes a fresh snapshot; keeps selections in range. */
static void refresh_snapshot(struct app *a)
{
    struct core_snapshot *s = a->engine->ops->snapshot(a->engine->ctx);
    if (!s)
        return;
    core_snapshot_free(a->snap);
    a->snap = s;
    if (a->view == VIEW_RUN && a->run_id) {
        struct wv_error err;
        wv_error_clear(&err);
        struct core_run_detail *d = a->engine->ops->run_detail(a->engine->ctx, a->run_id, &err);
        if (d) {
            core_run_detail_free(a->detail);
            a->detail = d;
        }
    }
}

/* Results of commands that finished: kept for the command log; the newest in the status. */
static void poll_results(struct app *a)
{
    struct core_cmd_result *r = NULL;
    size_t n = 0;
    a->engine->ops->poll_results(a->engine->ctx, &r, &n);
    for (size_t i = 0; i < n; i++) {
        if (r[i].rc == 0)
            tui_app_status(a, false, "done: weaver %s", r[i].line);
        else
            tui_app_status(a, true, "failed: weaver %s: %s", r[i].line,
                           r[i].error ? r[i].error : "error");
        a->results = wv_realloc(a->results, (a->n_results + 1) * sizeof *a->results);
        a->results[a->n_results++] = r[i];
    }
    free(r);
    if (n)
        a->next_snap_ms = 0;
}

/* Keys while a modal is open. */
static void modal_key(struct app *a, int ch)
{
    switch (a->modal) {
    case MODAL_PROMPT:
    {
        enum tui_prompt_result r = tui_prompt_key(&a->prompt, ch, tui_app_complete, a);
        if (r != TUI_PROMPT_EDIT)
            a->modal = MODAL_NONE;
        if (r == TUI_PROMPT_SUBMIT) {
            char line[TUI_PROMPT_MAX];
            snprintf(line, sizeof line, "%s", a->prompt.line);
            tui_prompt_reset(&a->prompt);
            tui_app_run_prompt(a, line);
        }
        return;
    }
    case MODAL_FILTER:
    case MODAL_SEARCH:
    case MODAL_CONNECTOR:
    {
        enum tui_prompt_result r = tui_prompt_key(&a->line, ch, NULL, NULL);
        enum modal m = a->modal;
        if (r != TUI_PROMPT_EDIT)
            a->modal = MODAL_NONE;
        if (r == TUI_PROMPT_SUBMIT && m == MODAL_FILTER)
            tui_app_set_filter(a, a->line.line);
        else if (r == TUI_PROMPT_SUBMIT && m == MODAL_SEARCH) {
            snprintf(a->log_search, sizeof a->log_search, "%.255s", a->line.line);
            tui_logs_apply_filter(a);
        } else if (r == TUI_PROMPT_SUBMIT && m == MODAL_CONNECTOR)
            tui_actions_new_source(a, a->line.line);
        return;
    }
    case MODAL_CONFIRM:
        if (ch == 'y' || ch == 'Y')
            tui_app_exec(a, a->confirm_cmd);
        else
            tui_app_status(a, false, "not done: weaver %s", a->confirm_cmd);
        a->modal = MODAL_NONE;
        return;
    case MODAL_FORM:
    {
        enum tui_form_result r = tui_form_key(&a->form, ch);
        if (r == TUI_FORM_CANCEL) {
            tui_form_done(&a->form);
            a->modal = MODAL_NONE;
        } else if (r == TUI_FORM_SUBMIT) {
            tui_actions_form_submit(a);
        }
        return;
    }
    case MODAL_HELP:
        if (ch == 'j' || ch == KEY_DOWN)
            a->help_top++;
        else if ((ch == 'k' || ch == KEY_UP) && a->help_top)
            a->help_top--;
        else
            a->modal = MODAL_NONE;
        return;
    case MODAL_NONE:
        return;
    }
}

/* Moves the selection of the current pane. */
static void move_sel(struct app *a, long delta, bool absolute)
{
    if (a->view == VIEW_LOGS) {
        size_t n = tui_logbuf_count(a->logs);
        long top = absolute ? (delta < 0 ? 0 : (long)n) : (long)a->log_top + delta;
        if (top < 0)
            top = 0;
        if (top > (long)n)
            top = (long)n;
        a->log_top = (size_t)top;
        a->follow = absolute && delta > 0;
        return;
    }
    if (a->view == VIEW_FLOWS && a->pane[VIEW_FLOWS] == 1) {
        long t = (long)a->grid_task + delta;
        a->grid_task = t < 0 ? 0 : (size_t)t;
        return;
    }
    struct tui_table t;
    tui_app_table(a, a->view, a->pane[a->view], &t);
    size_t n = t.n_rows;
    tui_table_free(&t);
    size_t *sel = &a->sel[a->view][a->pane[a->view]];
    long s = absolute ? (delta < 0 ? 0 : (long)n - 1) : (long)*sel + delta;
    if (s >= (long)n)
        s = (long)n - 1;
    if (s < 0)
        s = 0;
    *sel = (size_t)s;
}

/* A key in normal mode, through the keymap. */
static void normal_key(struct app *a, int ch)
{
    const struct tui_binding *b = tui_keymap_lookup(&a->keys, tui_app_context(a), ch);
    if (!b)
        return;
    if (b->command) {
        tui_app_run_prompt(a, b->command);
        return;
    }
    int page = LINES > 8 ? LINES / 2 : 4;
    switch (b->action) {
    case TUI_ACT_QUIT:
        a->quit = true;
        break;
    case TUI_ACT_HELP:
        a->modal = MODAL_HELP;
        a->help_top = 0;
        break;
    case TUI_ACT_PROMPT:
        tui_prompt_reset(&a->prompt);
        a->modal = MODAL_PROMPT;
        break;
    case TUI_ACT_FILTER:
        tui_prompt_reset(&a->line);
        a->modal = MODAL_FILTER;
        break;
    case TUI_ACT_SEARCH:
        tui_prompt_reset(&a->line);
        a->modal = MODAL_SEARCH;
        break;
    case TUI_ACT_BACK:
        if (a->filter[a->view] || (a->view == VIEW_LOGS && a->log_filter[0]))
            tui_app_set_filter(a, "");
        else
            go_back(a);
        break;
    case TUI_ACT_NEXT_PANE:
    case TUI_ACT_PREV_PANE:
    {
        int n = tui_app_panes(a, a->view);
        int d = b->action == TUI_ACT_NEXT_PANE ? 1 : n - 1;
        a->pane[a->view] = (a->pane[a->view] + d) % (n ? n : 1);
        break;
    }
    case TUI_ACT_VIEW_SOURCES:
        tui_app_goto(a, VIEW_SOURCES);
        a->pane[VIEW_SOURCES] = 0; /* a view key lands on its main list */
        break;
    case TUI_ACT_VIEW_CONNECTIONS:
        tui_app_goto(a, VIEW_CONNECTIONS);
        a->pane[VIEW_CONNECTIONS] = 0; /* a view key lands on its main list */
        break;
    case TUI_ACT_VIEW_FLOWS:
        tui_app_goto(a, VIEW_FLOWS);
        a->pane[VIEW_FLOWS] = 0; /* a view key lands on its main list */
        break;
    case TUI_ACT_VIEW_LOGS:
        if (!a->n_srcs && !a->logs_engine)
            tui_logs_open(a, 0, NULL);
        tui_app_goto(a, VIEW_LOGS);
        break;
    case TUI_ACT_VIEW_METRICS:
        tui_app_goto(a, VIEW_METRICS);
        a->pane[VIEW_METRICS] = 0; /* a view key lands on its main list */
        break;
    case TUI_ACT_COMMAND_LOG:
        tui_app_goto(a, VIEW_COMMANDS);
        break;
    case TUI_ACT_REFRESH:
        a->next_snap_ms = 0;
        break;
    case TUI_ACT_UP:
        move_sel(a, -1, false);
        break;
    case TUI_ACT_DOWN:
        move_sel(a, 1, false);
        break;
    case TUI_ACT_PAGE_UP:
        move_sel(a, -page, false);
        break;
    case TUI_ACT_PAGE_DOWN:
        move_sel(a, page, false);
        break;
    case TUI_ACT_TOP:
        move_sel(a, -1, true);
        break;
    case TUI_ACT_BOTTOM:
        move_sel(a, 1, true);
        break;
    case TUI_ACT_LEFT:
        if (a->view == VIEW_FLOWS && a->grid_run)
            a->grid_run--;
        break;
    case TUI_ACT_RIGHT:
        if (a->view == VIEW_FLOWS)
            a->grid_run++;
        break;
    default:
        if (!tui_actions_run(a, b->action))
            tui_app_status(a, false, "%s: not available here", tui_action_name(b->action));
        break;
    }
}

/* Mouse: a click selects a row (or a view tab on the top line); the wheel scrolls. */
static void mouse_key(struct app *a)
{
    MEVENT ev;
    if (getmouse(&ev) != OK)
        return;
    if (ev.bstate & BUTTON4_PRESSED) {
        move_sel(a, -3, false);
        return;
    }
#ifdef BUTTON5_PRESSED
    if (ev.bstate & BUTTON5_PRESSED) {
        move_sel(a, 3, false);
        return;
    }
#endif
    if (!(ev.bstate & (BUTTON1_CLICKED | BUTTON1_PRESSED)))
        return;
    if (ev.y == 0) { /* the tabs: " weaver  Sources  Connections ..." */
        int x = 9;
        for (int v = 0; v < VIEW__COUNT; v++) {
            int w = (int)strlen(tui_view_title((enum view)v)) + 2;
            if (ev.x >= x && ev.x < x + w)
                tui_app_goto(a, (enum view)v);
            x += w;
        }
        return;
    }
    /* a row of whichever pane was clicked: focus that pane and select the row */
    for (int p = 0; p < MAX_PANES; p++) {
        int y0 = a->row_y[a->view][p], n = a->row_n[a->view][p];
        if (n <= 0 || ev.y < y0 || ev.y >= y0 + n)
            continue;
        a->pane[a->view] = p;
        a->sel[a->view][p] = a->top[a->view][p] + (size_t)(ev.y - y0);
        move_sel(a, 0, false);
        return;
    }
}

/* The user's key bindings on top of the defaults. */
static void load_keys(struct app *a)
{
    const char *path = getenv("WEAVER_KEYS");
    char *own = NULL;
    if (!path && getenv("HOME"))
        path = own = wv_asprintf("%s/.config/weaver/keys", getenv("HOME"));
    char *text = NULL;
    size_t len = 0;
    struct wv_error err;
    wv_error_clear(&err);
    if (path && access(path, R_OK) == 0 && wv_fs_read_all(path, 1 << 20, &text, &len, &err) == 0) {
        struct wv_buf warn;
        wv_buf_init(&warn, 4096);
        tui_keymap_load(&a->keys, text, len, path, &warn);
        if (warn.len)
            tui_app_status(a, true, "%.*s", (int)strcspn(wv_buf_cstr(&warn), "\n"),
                           wv_buf_cstr(&warn));
        wv_buf_done(&warn);
        free(text);
    }
    free(own);
}

static void setup_look(struct app *a)
{
    const char *nc = getenv("NO_COLOR");
    a->color = !(nc && *nc) && has_colors();
    if (a->color) {
        start_color();
        use_default_colors();
    }
    a->depth = a->color ? tui_terminal_depth() : TUI_DEPTH_MONO;
    const char *name = a->opts.theme ? a->opts.theme : getenv("WEAVER_THEME");
    struct wv_error err;
    wv_error_clear(&err);
    if (tui_theme_builtin(name && *name ? name : "default", &a->theme, &err) < 0) {
        tui_app_status(a, true, "%s", err.msg);
        tui_theme_builtin("default", &a->theme, &err);
    }
    tui_theme_apply(&a->theme, a->depth, !a->color);
    const char *lang = getenv("LC_ALL");
    if (!lang || !*lang)
        lang = getenv("LC_CTYPE");
    if (!lang || !*lang)
        lang = getenv("LANG");
    a->ascii = !(lang && (strstr(lang, "UTF-8") || strstr(lang, "utf8") || strstr(lang, "UTF8")));
}

struct app *tui_app_new(const struct core_engine *engine, const struct tui_opts *opts)
{
    struct app *a = wv_calloc(1, sizeof *a);
    a->engine = engine;
    if (opts)
        a->opts = *opts;
    a->view = VIEW_CONNECTIONS;
    a->follow = true;
    a->timestamps = true;
    a->min_level = WV_LOG_DEBUG;
    a->logs = tui_logbuf_new(0);
    tui_prompt_init(&a->prompt);
    tui_prompt_init(&a->line);
    tui_keymap_defaults(&a->keys);
    a->snap = engine->ops->snapshot(engine->ctx);
    return a;
}

void tui_app_free(struct app *a)
{
    core_snapshot_free(a->snap);
    core_run_detail_free(a->detail);
    for (int v = 0; v < VIEW__COUNT; v++)
        tui_filter_free(a->filter[v]);
    for (size_t i = 0; i < a->n_results; i++)
        core_cmd_result_free(&a->results[i]);
    free(a->results);
    tui_logbuf_free(a->logs);
    tui_prompt_done(&a->prompt);
    tui_prompt_done(&a->line);
    if (a->modal == MODAL_FORM)
        tui_form_done(&a->form);
    tui_keymap_done(&a->keys);
    free(a);
}

/* Runs the console. */
int tui_run(const struct core_engine *engine, const struct tui_opts *opts, struct wv_error *err)
{
    struct app *a = tui_app_new(engine, opts);
    load_keys(a);

    setlocale(LC_ALL, "");
    if (!initscr()) {
        tui_app_free(a);
        return wv_error_set(err, WV_E_IO, 0, "cannot initialize the terminal");
    }
    wv_set_oom_hook(restore_terminal);
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    signal(SIGHUP, on_signal);
    signal(SIGSEGV, on_crash);
    signal(SIGABRT, on_crash);
    signal(SIGBUS, on_crash);
    cbreak();
    noecho();
    keypad(stdscr, TRUE);
    curs_set(0);
    set_escdelay(25);
    timeout(TICK_MS);
    mousemask(ALL_MOUSE_EVENTS, NULL);
    setup_look(a);
    if (a->opts.readonly)
        tui_app_status(a, false, "read-only console: actions that change something are refused");
    tui_draw(a);
    while (!a->quit && !got_signal) {
        int ch = getch();
        int64_t now = wv_clock_now_ms(wv_clock_system());
        if (ch == KEY_RESIZE) {
            clear();
        } else if (ch == KEY_MOUSE) {
            mouse_key(a);
        } else if (ch != ERR) {
            if (a->modal != MODAL_NONE)
                modal_key(a, ch);
            else
                normal_key(a, ch);
        }
        poll_results(a);
        if (now >= a->next_snap_ms) {
            refresh_snapshot(a);
            a->next_snap_ms = now + SNAP_MS;
        }
        if (now >= a->next_log_ms) {
            tui_logs_poll(a);
            a->next_log_ms = now + LOG_MS;
        }
        tui_draw(a);
    }
    restore_terminal();
    wv_set_oom_hook(NULL);
    signal(SIGINT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
    signal(SIGHUP, SIG_DFL);
    signal(SIGSEGV, SIG_DFL);
    signal(SIGABRT, SIG_DFL);
    signal(SIGBUS, SIG_DFL);
    tui_app_free(a);
    return 0;
}

void tui_man_keys(struct wv_buf *out)
{
    tui_keymap_man(out);
}
