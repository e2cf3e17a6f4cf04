/* app_prompt.c - what the console's prompts do: the `:` line (console words - views, theme,
 * help, quit - else any command of the command table, run on the engine), its Tab completion
 * (command words, then connection, flow, source and theme names), and the `/` filter of the
 * current view. TUI thread only. */
#include <curses.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "tui/tui_int.h"

/* Completion for the : prompt: command words, then workspace names and themes. */
size_t tui_app_complete(void *ctx, char **words, size_t n_words, const char *prefix,
                       const char ***out)
{
    struct app *a = ctx;
    static const char *list[512];
    size_t n = 0;
    (void)prefix;
    static const char *const cmds[] = {
        "sync", "flow", "connection", "state", "check", "discover", "jobs", "runs", "publish",
        "discard", "metrics", "export", "theme", "help", "source", "parquet", "manifest",
        "destination", "quit", "sources", "connections", "flows", "logs", "commands", NULL};
    static const char *const flow_sub[] = {"list", "run", "status", "logs", "rerun", "cancel",
                                           "mark", "enable", "disable", NULL};
    static const char *const conn_sub[] = {"list", "show", "enable", "disable", NULL};
    if (n_words == 0) {
        for (size_t i = 0; cmds[i]; i++)
            list[n++] = cmds[i];
    } else if (!strcmp(words[0], "theme")) {
        for (const char *const *t = tui_theme_names(); t && *t && n < 64; t++)
            list[n++] = *t;
    } else if (n_words == 1 && !strcmp(words[0], "flow")) {
        for (size_t i = 0; flow_sub[i]; i++)
            list[n++] = flow_sub[i];
    } else if (n_words == 1 && !strcmp(words[0], "connection")) {
        for (size_t i = 0; conn_sub[i]; i++)
            list[n++] = conn_sub[i];
    } else if (a->snap) {
        bool flows = !strcmp(words[0], "flow");
        for (size_t i = 0; flows && i < a->snap->n_flows && n < 500; i++)
            list[n++] = a->snap->flows[i].name;
        for (size_t i = 0; !flows && i < a->snap->n_conns && n < 500; i++)
            list[n++] = a->snap->conns[i].name;
        for (size_t i = 0; !flows && !strcmp(words[0], "check") && i < a->snap->n_sources; i++)
            list[n++] = a->snap->sources[i].name;
    }
    *out = list;
    return n;
}

/* A line typed at the : prompt: console commands, else the command table. */
void tui_app_run_prompt(struct app *a, const char *line)
{
    while (*line == ' ')
        line++;
    if (!*line)
        return;
    char *w[4] = {0};
    size_t n = tui_prompt_split(line, w, 4);
    static const struct {
        const char *word;
        enum view v;
    } jumps[] = {{"sources", VIEW_SOURCES}, {"connections", VIEW_CONNECTIONS},
                 {"flows", VIEW_FLOWS},     {"logs", VIEW_LOGS},
                 {"metrics", VIEW_METRICS}, {"commands", VIEW_COMMANDS}};
    bool handled = false;
    for (size_t i = 0; n == 1 && i < sizeof jumps / sizeof jumps[0]; i++)
        if (!strcmp(w[0], jumps[i].word)) {
            if (jumps[i].v == VIEW_LOGS && !a->n_srcs && !a->logs_engine)
                tui_logs_open(a, 0, NULL);
            tui_app_goto(a, jumps[i].v);
            handled = true;
        }
    if (!handled && (!strcmp(w[0], "q") || !strcmp(w[0], "quit"))) {
        a->quit = true;
        handled = true;
    } else if (!handled && !strcmp(w[0], "theme")) {
        struct wv_error err;
        wv_error_clear(&err);
        struct tui_theme t;
        if (n < 2)
            tui_app_status(a, false, "theme %s (themes: see :theme <Tab>)", a->theme.name);
        else if (tui_theme_builtin(w[1], &t, &err) < 0)
            tui_app_status(a, true, "%s", err.msg);
        else {
            a->theme = t;
            tui_theme_apply(&a->theme, a->depth, !a->color);
            tui_app_status(a, false, "theme %s", t.name);
        }
        handled = true;
    } else if (!handled && !strcmp(w[0], "help") && n == 1) {
        a->modal = MODAL_HELP;
        a->help_top = 0;
        handled = true;
    }
    for (size_t i = 0; i < n; i++)
        free(w[i]);
    if (!handled)
        tui_app_exec(a, line);
}

/* Applies the / filter of the current view (or the logs). */
void tui_app_set_filter(struct app *a, const char *text)
{
    if (a->view == VIEW_LOGS) {
        snprintf(a->log_filter, sizeof a->log_filter, "%.255s", text);
        tui_logs_apply_filter(a);
        return;
    }
    char errbuf[256];
    struct tui_filter *f = tui_filter_new(text, errbuf, sizeof errbuf);
    if (!f && *errbuf) {
        tui_app_status(a, true, "filter: %s", errbuf);
        return;
    }
    tui_filter_free(a->filter[a->view]);
    a->filter[a->view] = f;
    snprintf(a->filter_text[a->view], sizeof a->filter_text[a->view], "%.255s", text);
    a->sel[a->view][a->pane[a->view]] = 0;
    a->top[a->view][a->pane[a->view]] = 0;
}

