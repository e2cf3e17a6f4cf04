/* actions.c - what the console's actions do. Every change goes through the command table
 * (the engine runs it on its own thread), so the command log shows the CLI equivalent of each
 * action; destructive ones ask first, reruns show what will rerun before asking. Files are
 * edited in $EDITOR (re-validated after each save, with the choice to edit again or restore),
 * and new sources and connections come from forms (form.c). */
#include <curses.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/fs.h"
#include "base/mem.h"
#include "tui/tui_int.h"

/* The selected run (run view, or the grid's column) or 0. */
static int64_t selected_run(const struct app *a)
{
    if (a->view == VIEW_RUN)
        return a->run_id;
    char key[64];
    if (a->view == VIEW_FLOWS && a->pane[VIEW_FLOWS] == 1)
        return strtoll(tui_app_selected(a, key, sizeof key), NULL, 10);
    return 0;
}

/* The selected task (run view's task pane, or the grid's row) into buf, or NULL. */
static const char *selected_task(const struct app *a, char *buf, size_t size)
{
    buf[0] = '\0';
    if (a->view == VIEW_RUN && a->pane[VIEW_RUN] == 0)
        tui_app_selected(a, buf, size);
    else if (a->view == VIEW_RUN && a->pane[VIEW_RUN] == 2 && a->detail) {
        size_t sel = a->sel[VIEW_RUN][2];
        if (sel < a->detail->n_attempts)
            snprintf(buf, size, "%s", a->detail->attempts[sel].task);
    } else if (a->view == VIEW_FLOWS && a->pane[VIEW_FLOWS] == 1 && a->snap) {
        char fl[256];
        struct tui_table t;
        tui_app_table(a, VIEW_FLOWS, 0, &t);
        size_t s = a->sel[VIEW_FLOWS][0];
        fl[0] = '\0';
        if (s < t.n_rows)
            snprintf(fl, sizeof fl, "%s", t.rows[s].key);
        tui_table_free(&t);
        struct tui_grid g;
        tui_vm_grid(a->snap, fl, 1, &g);
        if (a->grid_task < g.n_tasks)
            snprintf(buf, size, "%s", g.tasks[a->grid_task]);
        tui_grid_free(&g);
    }
    return buf[0] ? buf : NULL;
}

/* Opens the run view on a run. */
static void open_run(struct app *a, int64_t id)
{
    struct wv_error err;
    wv_error_clear(&err);
    struct core_run_detail *d = a->engine->ops->run_detail(a->engine->ctx, id, &err);
    if (!d) {
        tui_app_status(a, true, "%s", err.msg);
        return;
    }
    core_run_detail_free(a->detail);
    a->detail = d;
    a->run_id = id;
    memset(a->sel[VIEW_RUN], 0, sizeof a->sel[VIEW_RUN]);
    tui_app_goto(a, VIEW_RUN);
}

/* A rerun: ask the engine for the plan (dry run), then confirm showing it. */
static void rerun(struct app *a, int64_t run, const char *from)
{
    char line[512];
    if (from)
        snprintf(line, sizeof line, "flow rerun %lld --from %s", (long long)run, from);
    else
        snprintf(line, sizeof line, "flow rerun %lld --failed", (long long)run);
    char dry[560];
    snprintf(dry, sizeof dry, "%s --dry-run", line);
    char *words[16];
    size_t n = tui_prompt_split(dry, words, 16);
    struct wv_buf out;
    wv_buf_init(&out, 1 << 16);
    struct wv_error err;
    wv_error_clear(&err);
    int rc = a->engine->ops->exec(a->engine->ctx, (int)n, words, &out, &err);
    for (size_t i = 0; i < n; i++)
        free(words[i]);
    if (rc < 0) {
        tui_app_status(a, true, "%s", err.msg);
    } else {
        char q[512];
        snprintf(q, sizeof q, "%.*s - rerun them?", (int)strcspn(wv_buf_cstr(&out), "\n"),
                 wv_buf_cstr(&out));
        tui_app_confirm(a, q, line);
    }
    wv_buf_done(&out);
}

/* The name of the selected row of a list view, or NULL. */
static const char *sel_name(const struct app *a, enum view v, char *buf, size_t size)
{
    if (a->view != v)
        return NULL;
    tui_app_selected(a, buf, size);
    return buf[0] ? buf : NULL;
}

/* The file behind the selected source, connection or flow. */
static char *selected_file(const struct app *a)
{
    char name[256];
    const struct core_snapshot *s = a->snap;
    if (!s)
        return NULL;
    if (sel_name(a, VIEW_SOURCES, name, sizeof name)) {
        char *p = wv_asprintf("%s/sources/%s.yaml", s->workspace_root, name);
        if (wv_fs_exists(p))
            return p;
        free(p);
        return wv_asprintf("%s/sources/%s.yml", s->workspace_root, name);
    }
    if (sel_name(a, VIEW_CONNECTIONS, name, sizeof name) && a->pane[VIEW_CONNECTIONS] == 0)
        for (size_t i = 0; i < s->n_conns; i++)
            if (!strcmp(s->conns[i].name, name))
                return s->conns[i].file ? wv_strdup(s->conns[i].file) : NULL;
    if (sel_name(a, VIEW_FLOWS, name, sizeof name) && a->pane[VIEW_FLOWS] == 0)
        for (size_t i = 0; i < s->n_flows; i++)
            if (!strcmp(s->flows[i].name, name))
                return s->flows[i].file ? wv_strdup(s->flows[i].file) : NULL;
    return NULL;
}

/* Enter. */
static bool open_selected(struct app *a)
{
    char key[256];
    switch (a->view) {
    case VIEW_FLOWS:
        if (a->pane[VIEW_FLOWS] == 0) {
            a->pane[VIEW_FLOWS] = 1;
            a->grid_run = a->grid_task = 0;
        } else if (selected_run(a) > 0) {
            open_run(a, selected_run(a));
        }
        return true;
    case VIEW_RUN:
        if (a->pane[VIEW_RUN] == 2 && a->detail &&
            a->sel[VIEW_RUN][2] < a->detail->n_attempts) /* one attempt */
            tui_logs_open_attempt(a, a->run_id, a->detail->attempts[a->sel[VIEW_RUN][2]].id);
        else if (selected_task(a, key, sizeof key))
            tui_logs_open(a, a->run_id, key);
        tui_app_goto(a, VIEW_LOGS);
        return true;
    case VIEW_CONNECTIONS:
        if (a->pane[VIEW_CONNECTIONS] == 0 && sel_name(a, VIEW_CONNECTIONS, key, sizeof key)) {
            char line[300];
            snprintf(line, sizeof line, "connection show %s", key);
            tui_app_exec(a, line);
            tui_app_goto(a, VIEW_COMMANDS);
        }
        return true;
    default:
        return false;
    }
}

bool tui_actions_run(struct app *a, enum tui_action act)
{
    char name[256], task[192], line[600], q[600];
    int64_t run;
    switch (act) {
    case TUI_ACT_OPEN:
        return open_selected(a);
    case TUI_ACT_CHECK:
        if (!sel_name(a, VIEW_SOURCES, name, sizeof name))
            return false;
        snprintf(line, sizeof line, "check %s", name);
        tui_app_exec(a, line);
        return true;
    case TUI_ACT_NEW_SOURCE:
        tui_prompt_reset(&a->line);
        a->modal = MODAL_CONNECTOR;
        return true;
    case TUI_ACT_NEW_CONNECTION:
        a->form_is_connection = true;
        tui_actions_new_source(a, NULL);
        return true;
    case TUI_ACT_EDIT:
    {
        char *f = selected_file(a);
        if (!f)
            return false;
        tui_actions_edit(a, f);
        free(f);
        return true;
    }
    case TUI_ACT_SYNC_NOW:
        if (!sel_name(a, VIEW_CONNECTIONS, name, sizeof name) || a->pane[VIEW_CONNECTIONS])
            return false;
        snprintf(line, sizeof line, "sync %s", name);
        tui_app_exec(a, line);
        return true;
    case TUI_ACT_TOGGLE_ENABLED:
        if (a->view == VIEW_CONNECTIONS && !a->pane[VIEW_CONNECTIONS] &&
            sel_name(a, VIEW_CONNECTIONS, name, sizeof name)) {
            bool on = true;
            for (size_t i = 0; a->snap && i < a->snap->n_conns; i++)
                if (!strcmp(a->snap->conns[i].name, name))
                    on = a->snap->conns[i].enabled;
            snprintf(line, sizeof line, "connection %s %s", on ? "disable" : "enable", name);
        } else if (a->view == VIEW_FLOWS && !a->pane[VIEW_FLOWS] &&
                   sel_name(a, VIEW_FLOWS, name, sizeof name)) {
            bool on = true;
            for (size_t i = 0; a->snap && i < a->snap->n_flows; i++)
                if (!strcmp(a->snap->flows[i].name, name))
                    on = a->snap->flows[i].enabled;
            snprintf(line, sizeof line, "flow %s %s", on ? "disable" : "enable", name);
        } else {
            return false;
        }
        tui_app_exec(a, line);
        return true;
    case TUI_ACT_DISCOVER:
        if (!sel_name(a, VIEW_CONNECTIONS, name, sizeof name) || a->pane[VIEW_CONNECTIONS])
            return false;
        snprintf(line, sizeof line, "discover %s", name);
        tui_app_exec(a, line);
        tui_app_goto(a, VIEW_COMMANDS);
        return true;
    case TUI_ACT_RESET_STATE:
    {
        if (a->view != VIEW_CONNECTIONS || a->pane[VIEW_CONNECTIONS] == 2)
            return false;
        /* the connection selected in the first pane; a stream when the streams pane has focus */
        struct tui_table t;
        tui_app_table(a, VIEW_CONNECTIONS, 0, &t);
        size_t cs = a->sel[VIEW_CONNECTIONS][0];
        snprintf(name, sizeof name, "%s", cs < t.n_rows ? t.rows[cs].key : "");
        tui_table_free(&t);
        if (!name[0])
            return false;
        if (a->pane[VIEW_CONNECTIONS] == 1) {
            tui_app_selected(a, task, sizeof task);
            if (!task[0])
                return false;
            snprintf(q, sizeof q, "Reset the state of stream %s of %s? Its next sync of that "
                                  "stream starts over.", task, name);
            snprintf(line, sizeof line, "state reset %s %s --yes", name, task);
        } else {
            snprintf(q, sizeof q, "Reset every stream's state of %s? Its next sync starts over.",
                     name);
            snprintf(line, sizeof line, "state reset %s --yes", name);
        }
        tui_app_confirm(a, q, line);
        return true;
    }
    case TUI_ACT_RUN_NOW:
        if (!sel_name(a, VIEW_FLOWS, name, sizeof name) || a->pane[VIEW_FLOWS])
            return false;
        snprintf(line, sizeof line, "flow run %s", name);
        tui_app_exec(a, line);
        return true;
    case TUI_ACT_RERUN_FAILED:
    case TUI_ACT_RERUN_FROM:
        run = selected_run(a);
        if (run <= 0)
            return false;
        if (act == TUI_ACT_RERUN_FROM && !selected_task(a, task, sizeof task))
            return false;
        rerun(a, run, act == TUI_ACT_RERUN_FROM ? task : NULL);
        return true;
    case TUI_ACT_CANCEL:
        run = selected_run(a);
        if (run <= 0)
            return false;
        snprintf(q, sizeof q, "Cancel run %lld? Running tasks are stopped.", (long long)run);
        snprintf(line, sizeof line, "flow cancel %lld", (long long)run);
        tui_app_confirm(a, q, line);
        return true;
    case TUI_ACT_MARK_SUCCESS:
    case TUI_ACT_MARK_FAILED:
    {
        run = selected_run(a);
        if (run <= 0 || !selected_task(a, task, sizeof task))
            return false;
        const char *what = act == TUI_ACT_MARK_SUCCESS ? "success" : "failed";
        snprintf(q, sizeof q, "Mark task %s of run %lld %s?", task, (long long)run, what);
        snprintf(line, sizeof line, "flow mark %lld %s %s", (long long)run, task, what);
        tui_app_confirm(a, q, line);
        return true;
    }
    case TUI_ACT_TASK_LOGS:
        run = selected_run(a);
        if (run <= 0)
            return false;
        tui_logs_open(a, run, selected_task(a, task, sizeof task));
        tui_app_goto(a, VIEW_LOGS);
        return true;
    case TUI_ACT_FOLLOW:
        if (a->view != VIEW_LOGS)
            return false;
        a->follow = !a->follow;
        if (!a->follow) {
            size_t n = tui_logbuf_count(a->logs);
            a->log_top = n > (size_t)LINES ? n - (size_t)LINES + 3 : 0;
        }
        return true;
    case TUI_ACT_WRAP:
        a->wrap = !a->wrap;
        return a->view == VIEW_LOGS;
    case TUI_ACT_TIMESTAMPS:
        a->timestamps = !a->timestamps;
        return a->view == VIEW_LOGS;
    case TUI_ACT_LEVEL:
        a->min_level = a->min_level >= WV_LOG_ERROR ? WV_LOG_DEBUG : a->min_level + 1;
        tui_logs_apply_filter(a);
        return a->view == VIEW_LOGS;
    case TUI_ACT_SEARCH_NEXT:
    case TUI_ACT_SEARCH_PREV:
    {
        if (a->view != VIEW_LOGS)
            return false;
        long hit = tui_logbuf_search_next(a->logs, a->log_top, act == TUI_ACT_SEARCH_PREV);
        if (hit < 0) {
            tui_app_status(a, true, "no match");
        } else {
            a->follow = false;
            a->log_top = (size_t)hit;
        }
        return true;
    }
    default:
        return false;
    }
}

/* ---- forms ---- */

/* The spec of the new-connection form: name, source, destination, streams, modes, schedule. */
static struct wv_json *connection_spec(const struct app *a)
{
    struct wv_json *props = wv_json_object(), *req = wv_json_array();
    struct wv_json *src = wv_json_object(), *srcs = wv_json_array();
    for (size_t i = 0; a->snap && i < a->snap->n_sources; i++)
        wv_json_push(srcs, wv_json_str(a->snap->sources[i].name));
    wv_json_set(src, "type", wv_json_str("string"));
    wv_json_set(src, "title", wv_json_str("Source"));
    wv_json_set(src, "enum", srcs);
    wv_json_set(src, "order", wv_json_int(0));
    wv_json_set(props, "source", src);
    struct wv_json *st = wv_json_object();
    wv_json_set(st, "type", wv_json_str("array"));
    struct wv_json *items = wv_json_object();
    wv_json_set(items, "type", wv_json_str("string"));
    wv_json_set(st, "items", items);
    wv_json_set(st, "title", wv_json_str("Streams (comma-separated)"));
    wv_json_set(st, "order", wv_json_int(1));
    wv_json_set(props, "streams", st);
    static const char *const modes[] = {"full_refresh", "incremental"};
    static const char *const dmodes[] = {"overwrite", "append", "append_dedup"};
    struct wv_json *sm = wv_json_object(), *sme = wv_json_array();
    for (size_t i = 0; i < 2; i++)
        wv_json_push(sme, wv_json_str(modes[i]));
    wv_json_set(sm, "type", wv_json_str("string"));
    wv_json_set(sm, "title", wv_json_str("Sync mode"));
    wv_json_set(sm, "enum", sme);
    wv_json_set(sm, "default", wv_json_str("full_refresh"));
    wv_json_set(sm, "order", wv_json_int(2));
    wv_json_set(props, "sync_mode", sm);
    struct wv_json *dm = wv_json_object(), *dme = wv_json_array();
    for (size_t i = 0; i < 3; i++)
        wv_json_push(dme, wv_json_str(dmodes[i]));
    wv_json_set(dm, "type", wv_json_str("string"));
    wv_json_set(dm, "title", wv_json_str("Destination sync mode"));
    wv_json_set(dm, "enum", dme);
    wv_json_set(dm, "default", wv_json_str("overwrite"));
    wv_json_set(dm, "order", wv_json_int(3));
    wv_json_set(props, "destination_sync_mode", dm);
    struct wv_json *sc = wv_json_object();
    wv_json_set(sc, "type", wv_json_str("string"));
    wv_json_set(sc, "title", wv_json_str("Schedule (cron line or every 1h; empty: manual)"));
    wv_json_set(sc, "order", wv_json_int(4));
    wv_json_set(props, "schedule", sc);
    wv_json_push(req, wv_json_str("source"));
    wv_json_push(req, wv_json_str("streams"));
    struct wv_json *spec = wv_json_object();
    wv_json_set(spec, "type", wv_json_str("object"));
    wv_json_set(spec, "required", req);
    wv_json_set(spec, "properties", props);
    return spec;
}

void tui_actions_new_source(struct app *a, const char *connector)
{
    struct wv_error err;
    wv_error_clear(&err);
    struct wv_json *spec = NULL;
    if (a->form_is_connection) {
        spec = connection_spec(a);
    } else {
        if (!connector || !*connector)
            return;
        spec = a->engine->ops->connector_spec(a->engine->ctx, connector, &err);
        if (!spec) {
            tui_app_status(a, true, "%s", err.msg);
            return;
        }
        snprintf(a->form_connector, sizeof a->form_connector, "%s", connector);
    }
    char title[300];
    snprintf(title, sizeof title, a->form_is_connection ? "New connection" : "New source (%s)",
             connector ? connector : "");
    if (tui_form_from_spec(&a->form, title, spec, &err) < 0) {
        tui_app_status(a, true, "%s", err.msg);
        a->form_is_connection = false;
    } else {
        a->modal = MODAL_FORM;
    }
    wv_json_free(spec);
}
