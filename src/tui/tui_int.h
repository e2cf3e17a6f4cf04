/* tui_int.h - private to the console: the application state shared by the loop (app.c), the
 * one draw site (draw.c, draw_views.c), the actions (actions.c) and the logs view (logs.c). TUI
 * thread only; everything the engine knows arrives as snapshots, run details, log text and
 * command results through struct core_engine_ops. */
#ifndef TUI_INT_H
#define TUI_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "core/core.h"
#include "tui/form.h"
#include "tui/keys.h"
#include "tui/logbuf.h"
#include "tui/prompt.h"
#include "tui/theme.h"
#include "tui/tui.h"
#include "tui/vm.h"

#define TUI_VIEWS(X) X(SOURCES, "Sources", TUI_CTX_SOURCES) \
    X(CONNECTIONS, "Connections", TUI_CTX_CONNECTIONS) X(FLOWS, "Flows", TUI_CTX_FLOWS) \
    X(RUN, "Run", TUI_CTX_RUN) X(LOGS, "Logs", TUI_CTX_LOGS) \
    X(METRICS, "Metrics", TUI_CTX_METRICS) X(COMMANDS, "Commands", TUI_CTX_LIST)

enum view {
#define TUI_X_VIEW(id, title, ctx) VIEW_##id,
    TUI_VIEWS(TUI_X_VIEW)
#undef TUI_X_VIEW
    VIEW__COUNT
};

enum modal { MODAL_NONE, MODAL_PROMPT, MODAL_FILTER, MODAL_SEARCH, MODAL_CONFIRM, MODAL_FORM,
             MODAL_HELP, MODAL_CONNECTOR };

#define MAX_PANES 3
#define MAX_LOG_SOURCES 256

/* One attempt log being tailed into the logs view. */
struct log_src {
    int64_t attempt_id;
    int64_t offset;
    char name[160];  /* "sync_acme#1" */
    bool done;       /* attempt ended and fully read */
};

struct app {
    const struct core_engine *engine;
    struct tui_opts opts;
    struct core_snapshot *snap;
    enum view view;
    enum view back[16];             /* Esc goes back through these */
    size_t n_back;
    int pane[VIEW__COUNT];
    size_t sel[VIEW__COUNT][MAX_PANES];
    size_t top[VIEW__COUNT][MAX_PANES];
    int row_y[VIEW__COUNT][MAX_PANES]; /* screen line of each pane's first row, as drawn last */
    int row_n[VIEW__COUNT][MAX_PANES]; /* rows it showed (0: not drawn) */
    char filter_text[VIEW__COUNT][256];
    struct tui_filter *filter[VIEW__COUNT];
    /* flows: the grid's selected task row and run column */
    size_t grid_task, grid_run;
    /* run detail */
    int64_t run_id;
    struct core_run_detail *detail;
    /* logs */
    struct tui_logbuf *logs;
    char logs_title[192];
    struct log_src srcs[MAX_LOG_SOURCES];
    size_t n_srcs;
    bool logs_engine;               /* tail the engine's own log too */
    int64_t engine_off;
    int64_t logs_run;
    char logs_task[129];
    int64_t logs_attempt;           /* one attempt only (0: every attempt of run/task) */
    bool follow, wrap, timestamps;
    enum wv_level min_level;
    size_t log_top;                 /* first filtered line shown when not following */
    char log_filter[256], log_search[256];
    /* modals */
    enum modal modal;
    struct tui_prompt prompt;       /* the : prompt (keeps its history) */
    struct tui_prompt line;         /* the / filter and search line, and the connector prompt */
    char confirm_text[512];
    char confirm_cmd[512];          /* the command to run on y */
    struct tui_form form;
    bool form_is_connection;
    char form_connector[256];
    size_t help_top;
    /* command log */
    struct core_cmd_result *results;
    size_t n_results;
    char status[512];
    bool status_error;
    int64_t status_ms;
    /* look */
    struct tui_theme theme;
    struct tui_keymap keys;
    enum tui_depth depth;
    bool color;
    bool ascii;                     /* no UTF-8 glyphs */
    int64_t next_snap_ms, next_log_ms;
    bool quit;
};

/* The console's state over an engine (first snapshot taken, default keys); freed with
 * tui_app_free. opts may be NULL. */
struct app *tui_app_new(const struct core_engine *engine, const struct tui_opts *opts);
void tui_app_free(struct app *a);

/* The keymap context of the current view (and pane). */
enum tui_context tui_app_context(const struct app *a);
const char *tui_view_title(enum view v);

/* Switches view (pushing the current one for Esc). */
void tui_app_goto(struct app *a, enum view v);
/* Sets the status line. */
void tui_app_status(struct app *a, bool error, const char *fmt, ...) WV_PRINTF(3, 4);
/* Runs a command line on the engine (async), noting its CLI form in the status line. */
void tui_app_exec(struct app *a, const char *line);
/* Asks y/N before running line. */
void tui_app_confirm(struct app *a, const char *question, const char *line);

/* The table of a view's pane (caller frees with tui_table_free). */
void tui_app_table(const struct app *a, enum view v, int pane, struct tui_table *out);
/* Number of panes of a view. */
int tui_app_panes(const struct app *a, enum view v);
/* The key of the selected row of the current pane ("" if none) into buf. */
const char *tui_app_selected(const struct app *a, char *buf, size_t size);

/* The : prompt's line: console words (views, theme, help, quit), else the command table. */
void tui_app_run_prompt(struct app *a, const char *line);
/* Tab completion for the : prompt (a tui_complete_fn; ctx is the app). */
size_t tui_app_complete(void *ctx, char **words, size_t n_words, const char *prefix,
                        const char ***out);
/* Applies a / filter to the current view (or the logs): regex, "!" inverts, "" clears. */
void tui_app_set_filter(struct app *a, const char *text);

/* Handles an action; returns true when it was for this view. */
bool tui_actions_run(struct app *a, enum tui_action act);
/* Opens the new-source flow (asks for the connector, then the form). */
void tui_actions_new_source(struct app *a, const char *connector);
/* Writes the submitted form as a source or connection file. */
void tui_actions_form_submit(struct app *a);
/* Opens $EDITOR on a file, re-validating the workspace after each save. */
void tui_actions_edit(struct app *a, const char *path);

/* Logs view: (re)targets it (run 0 = the engine log and every recent attempt; task NULL =
 * every task of the run), and pulls new text from the engine. */
void tui_logs_open(struct app *a, int64_t run_id, const char *task);
/* The logs view on one attempt of a run. */
void tui_logs_open_attempt(struct app *a, int64_t run_id, int64_t attempt_id);
void tui_logs_poll(struct app *a);
void tui_logs_apply_filter(struct app *a);

/* The one draw site. */
void tui_draw(struct app *a);

#endif
