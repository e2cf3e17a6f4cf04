/* logs.c - the live logs view's data: which logs it tails (one run, one task of it, or
 * everything: the engine's own log and the attempts of the newest runs), pulling new text from
 * the engine every few hundred milliseconds into the bounded buffer (logbuf.c), and the
 * filter/search typed by the operator. */
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "tui/tui_int.h"

#define EVERYTHING_RUNS 5

static void pull(struct app *a);

/* Adds the attempts of a run (of one task, or all) not tailed yet. */
static void add_attempts(struct app *a, int64_t run_id, const char *task)
{
    struct wv_error err;
    wv_error_clear(&err);
    struct core_run_detail *d = a->engine->ops->run_detail(a->engine->ctx, run_id, &err);
    if (!d)
        return;
    for (size_t i = 0; i < d->n_attempts && a->n_srcs < MAX_LOG_SOURCES; i++) {
        const struct core_snap_attempt *at = &d->attempts[i];
        if ((task && strcmp(at->task, task) != 0) ||
            (a->logs_attempt && at->id != a->logs_attempt))
            continue;
        bool known = false;
        for (size_t k = 0; k < a->n_srcs && !known; k++)
            known = a->srcs[k].attempt_id == at->id;
        if (known)
            continue;
        struct log_src *s = &a->srcs[a->n_srcs++];
        memset(s, 0, sizeof *s);
        s->attempt_id = at->id;
        if (task)
            snprintf(s->name, sizeof s->name, "%s#%d", at->task, at->number);
        else
            snprintf(s->name, sizeof s->name, "%lld/%s#%d", (long long)run_id, at->task,
                     at->number);
    }
    core_run_detail_free(d);
}

void tui_logs_open_attempt(struct app *a, int64_t run_id, int64_t attempt_id)
{
    tui_logbuf_clear(a->logs);
    a->n_srcs = 0;
    a->logs_engine = false;
    a->logs_task[0] = '\0';
    a->follow = true;
    a->log_top = 0;
    a->logs_run = run_id;
    a->logs_attempt = attempt_id;
    snprintf(a->logs_title, sizeof a->logs_title, "Logs: run %lld attempt %lld",
             (long long)run_id, (long long)attempt_id);
    add_attempts(a, run_id, NULL);
    pull(a);
}

void tui_logs_open(struct app *a, int64_t run_id, const char *task)
{
    a->logs_attempt = 0;
    tui_logbuf_clear(a->logs);
    a->n_srcs = 0;
    a->logs_run = run_id;
    snprintf(a->logs_task, sizeof a->logs_task, "%s", task ? task : "");
    a->logs_engine = run_id == 0;
    a->engine_off = 0;
    a->follow = true;
    a->log_top = 0;
    if (run_id > 0) {
        if (task)
            snprintf(a->logs_title, sizeof a->logs_title, "Logs: run %lld task %s",
                     (long long)run_id, task);
        else
            snprintf(a->logs_title, sizeof a->logs_title, "Logs: run %lld", (long long)run_id);
        add_attempts(a, run_id, task);
    } else {
        snprintf(a->logs_title, sizeof a->logs_title, "Logs: everything");
        size_t k = a->snap ? a->snap->n_runs : 0;
        if (k > EVERYTHING_RUNS)
            k = EVERYTHING_RUNS;
        for (size_t i = k; i-- > 0;) /* oldest of the newest runs first */
            add_attempts(a, a->snap->runs[i].id, NULL);
    }
    pull(a);
}

/* Pulls new text of every tailed log from the engine. */
static void pull(struct app *a)
{
    struct wv_error err;
    if (a->logs_run > 0)
        add_attempts(a, a->logs_run, a->logs_task[0] ? a->logs_task : NULL);
    for (size_t i = 0; i < a->n_srcs; i++) {
        struct log_src *s = &a->srcs[i];
        for (int rounds = 0; rounds < 64; rounds++) { /* a large log comes in several reads */
            char *text = NULL;
            int64_t next = s->offset;
            wv_error_clear(&err);
            if (a->engine->ops->attempt_log(a->engine->ctx, s->attempt_id, s->offset, &text,
                                            &next, &err) < 0 ||
                !text) {
                free(text);
                break;
            }
            size_t len = strlen(text);
            if (len)
                tui_logbuf_append(a->logs, s->name, text, len);
            free(text);
            if (next == s->offset || len == 0)
                break;
            s->offset = next;
        }
    }
    if (a->logs_engine) {
        for (int rounds = 0; rounds < 64; rounds++) {
            char *text = NULL;
            int64_t next = a->engine_off;
            wv_error_clear(&err);
            if (a->engine->ops->engine_log(a->engine->ctx, a->engine_off, &text, &next, &err) <
                    0 ||
                !text) {
                free(text);
                break;
            }
            size_t len = strlen(text);
            if (len)
                tui_logbuf_append(a->logs, "engine", text, len);
            free(text);
            if (next == a->engine_off || len == 0)
                break;
            a->engine_off = next;
        }
    }
}

/* Only while the logs view is shown: elsewhere nobody reads the lines, and each pull asks the
 * engine for the run's attempts; coming back catches up from the offsets. */
void tui_logs_poll(struct app *a)
{
    if (a->view == VIEW_LOGS)
        pull(a);
}

void tui_logs_apply_filter(struct app *a)
{
    struct wv_error err;
    wv_error_clear(&err);
    bool invert = a->log_filter[0] == '!';
    if (tui_logbuf_filter(a->logs, a->log_filter + invert, invert, a->min_level, &err) < 0)
        tui_app_status(a, true, "filter: %s", err.msg);
    wv_error_clear(&err);
    if (tui_logbuf_search(a->logs, a->log_search[0] ? a->log_search : NULL, &err) < 0)
        tui_app_status(a, true, "search: %s", err.msg);
    a->log_top = 0;
}
