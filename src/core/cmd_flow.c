/* cmd_flow.c - `weaver flow list|run|status|logs|rerun|cancel|mark`: flows from the CLI and
 * the console prompt. `flow run` and `flow rerun` run in the foreground, one line per task
 * state change on the diagnostics output, the run's grid at the end; exit 1 when the run
 * failed. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/mem.h"
#include "core/cmd_int.h"

/* "12.3s" or "-". */
static const char *fmt_dur(int64_t from, int64_t to, char *buf, size_t size)
{
    if (from <= 0 || to <= 0)
        return wv_strlcpy(buf, "-", size), buf;
    snprintf(buf, size, "%.1fs", (double)(to - from) / 1000.0);
    return buf;
}

#define RUN_USAGE "RUN must be a flow run id (see `weaver flow status`)"

/* weaver flow list */
int core_cmd_flow_list(const struct core_cmd_env *env, int argc, char **argv,
                       struct wv_error *err)
{
    (void)argc, (void)argv;
    struct core_workspace *ws = core_cmd_workspace(env, err);
    if (!ws)
        return -1;
    struct stor_db *db = core_db_open(ws, err);
    int rc = db ? 0 : -1;
    int64_t now = wv_clock_now_ms(env->clock ? env->clock : wv_clock_system());
    if (rc == 0)
        core_printf(&env->out, "%-24s %-18s %6s %-19s %-10s %s\n", "FLOW", "SCHEDULE", "TASKS",
                    "NEXT (UTC)", "LAST RUN", "LAST STATE");
    for (size_t i = 0; rc == 0 && i < ws->n_flows; i++) {
        const struct core_flow *f = &ws->flows[i];
        struct stor_flow_run *runs = NULL;
        size_t n = 0;
        if (stor_flow_run_list(db, f->name, 1, &runs, &n, err) < 0) {
            rc = -1;
            break;
        }
        char sched[64] = "manual", next[32], last[32] = "-";
        if (f->schedule)
            snprintf(sched, sizeof sched, "%s", f->schedule);
        else if (f->every_ms)
            snprintf(sched, sizeof sched, "every %llds", (long long)(f->every_ms / 1000));
        int64_t nx = f->enabled ? core_sched_next(f, NULL, now) : -1;
        if (n)
            snprintf(last, sizeof last, "%lld", (long long)runs[0].id);
        core_printf(&env->out, "%-24s %-18s %6zu %-19s %-10s %s%s\n", f->name, sched, f->n_tasks,
                    core_cmd_fmt_time(nx, next, sizeof next), last,
                    n ? stor_run_state_name(runs[0].state) : "-",
                    f->enabled ? "" : "  (disabled)");
        stor_flow_runs_free(runs, n);
    }
    stor_db_close(db);
    core_workspace_free(ws);
    return rc;
}

/* Prints a run: its tasks (the grid) and its quality results. */
static int print_run(const struct core_cmd_env *env, struct stor_db *db, int64_t id,
                     struct wv_error *err)
{
    struct stor_flow_run r;
    if (stor_flow_run_get(db, id, &r, err) < 0)
        return -1;
    char a[32], b[32], d[32];
    core_printf(&env->out, "run %lld  flow %s  %s  trigger %s  started %s  duration %s\n",
                (long long)r.id, r.flow, stor_run_state_name(r.state), r.trigger,
                core_cmd_fmt_time(r.started_ms, a, sizeof a),
                fmt_dur(r.started_ms, r.ended_ms, b, sizeof b));
    if (r.error)
        core_printf(&env->out, "error: %s\n", r.error);
    stor_flow_run_done(&r);
    struct stor_task_run *ts = NULL;
    size_t n = 0;
    if (stor_task_run_list(db, id, &ts, &n, err) < 0)
        return -1;
    core_printf(&env->out, "%-20s %-15s %5s %4s %9s %12s  %s\n", "TASK", "STATE", "TRIES", "LOOP",
                "DURATION", "RECORDS", "ERROR");
    for (size_t i = 0; i < n; i++) {
        char recs[32];
        core_printf(&env->out, "%-20s %-15s %5d %4d %9s %12s  %s\n", ts[i].task,
                    stor_task_state_name(ts[i].state), ts[i].try_number, ts[i].loop,
                    fmt_dur(ts[i].started_ms, ts[i].ended_ms, d, sizeof d),
                    core_cmd_fmt_count(ts[i].records, recs, sizeof recs),
                    ts[i].error ? ts[i].error : "");
    }
    stor_task_runs_free(ts, n);
    struct stor_quality_result *q = NULL;
    if (stor_quality_list(db, id, NULL, &q, &n, err) < 0)
        return -1;
    if (n)
        core_printf(&env->out, "\n%-16s %-16s %-16s %-8s %-18s %12s  %s\n", "CHECK", "SYNC",
                    "STREAM", "SEVERITY", "VERDICT", "OBSERVED", "THRESHOLD");
    for (size_t i = 0; i < n; i++) {
        char obs[32] = "-";
        if (!isnan(q[i].observed))
            snprintf(obs, sizeof obs, "%.6g", q[i].observed);
        core_printf(&env->out, "%-16s %-16s %-16s %-8s %-18s %12s  %s\n", q[i].check,
                    q[i].sync_task, q[i].stream, q[i].error_severity ? "error" : "warn",
                    q[i].verdict, obs, q[i].threshold ? q[i].threshold : "");
    }
    stor_quality_free(q, n);
    return 0;
}

/* weaver flow status [RUN] [--flow NAME] */
int core_cmd_flow_status(const struct core_cmd_env *env, int argc, char **argv,
                         struct wv_error *err)
{
    const char *flow = NULL;
    if (core_cmd_opt(argc, argv, "--flow", &flow, err) < 0)
        return -1;
    int64_t id = 0;
    if (core_cmd_arg(argc, argv, 0) && core_cmd_id_arg(argc, argv, 0, RUN_USAGE, &id, err) < 0)
        return -1;
    struct core_workspace *ws = core_cmd_workspace(env, err);
    if (!ws)
        return -1;
    struct stor_db *db = core_db_open(ws, err);
    int rc = db ? 0 : -1;
    if (rc == 0 && id) {
        rc = print_run(env, db, id, err);
    } else if (rc == 0) {
        struct stor_flow_run *runs = NULL;
        size_t n = 0;
        rc = stor_flow_run_list(db, flow, 20, &runs, &n, err);
        if (rc == 0)
            core_printf(&env->out, "%-6s %-24s %-10s %-9s %-19s %9s  %s\n", "RUN", "FLOW",
                        "STATE", "TRIGGER", "STARTED (UTC)", "DURATION", "ERROR");
        for (size_t i = 0; rc == 0 && i < n; i++) {
            char a[32], b[32];
            core_printf(&env->out, "%-6lld %-24s %-10s %-9s %-19s %9s  %s\n",
                        (long long)runs[i].id, runs[i].flow, stor_run_state_name(runs[i].state),
                        runs[i].trigger, core_cmd_fmt_time(runs[i].started_ms, a, sizeof a),
                        fmt_dur(runs[i].started_ms, runs[i].ended_ms, b, sizeof b),
                        runs[i].error ? runs[i].error : "");
        }
        stor_flow_runs_free(runs, n);
    }
    stor_db_close(db);
    core_workspace_free(ws);
    return rc;
}

/* Prints flow events as lines on the diagnostics output. */
static void print_event(void *ctx, const struct core_flow_event *e)
{
    const struct core_cmd_env *env = ctx;
    char ts[32];
    struct wv_tm t;
    wv_time_split(wv_clock_now_ms(env->clock ? env->clock : wv_clock_system()), &t);
    snprintf(ts, sizeof ts, "%02d:%02d:%02d", t.hour, t.min, t.sec);
    if (!e->task)
        core_printf(&env->diag, "%s run %lld %s%s%s\n", ts, (long long)e->run_id,
                    e->message ? "ended: " : "", e->message ? e->message : "", "");
    else
        core_printf(&env->diag, "%s %-20s %-15s try %d%s%s\n", ts, e->task, e->state,
                    e->try_number, e->message ? "  " : "", e->message ? e->message : "");
    core_flush(&env->diag);
}

/* The options of a foreground run. */
static struct core_flow_opts fg_opts(const struct core_cmd_env *env, struct wv_log *log)
{
    *log = (struct wv_log){core_cmd_diag_log, (void *)env, WV_LOG_WARN};
    return (struct core_flow_opts){.clock = env->clock, .log = log, .cancel = env->cancel,
                                   .trigger = "manual", .on_event = print_event,
                                   .event_ctx = (void *)env};
}

/* After a foreground run: its grid. */
static void print_after(const struct core_cmd_env *env, const struct core_workspace *ws,
                        int64_t id)
{
    struct wv_error e;
    wv_error_clear(&e);
    struct stor_db *db = core_db_open(ws, &e);
    if (db && id)
        print_run(env, db, id, &e);
    stor_db_close(db);
}

/* weaver flow run NAME */
int core_cmd_flow_run(const struct core_cmd_env *env, int argc, char **argv,
                      struct wv_error *err)
{
    struct core_workspace *ws = core_cmd_workspace(env, err);
    if (!ws)
        return -1;
    struct wv_log log;
    struct core_flow_opts o = fg_opts(env, &log);
    int64_t id = 0;
    int rc = core_flow_run(ws, core_cmd_arg(argc, argv, 0), &o, &id, err);
    print_after(env, ws, id);
    core_workspace_free(ws);
    return rc;
}

/* weaver flow rerun RUN --failed | --from TASK */
int core_cmd_flow_rerun(const struct core_cmd_env *env, int argc, char **argv,
                        struct wv_error *err)
{
    int64_t id = 0;
    const char *from = NULL;
    if (core_cmd_id_arg(argc, argv, 0, RUN_USAGE, &id, err) < 0 ||
        core_cmd_opt(argc, argv, "--from", &from, err) < 0)
        return -1;
    bool failed = core_cmd_flag(argc, argv, "--failed");
    if (failed == (from != NULL))
        return wv_error_set(err, WV_E_USAGE, 0, "give either --failed or --from TASK");
    struct core_workspace *ws = core_cmd_workspace(env, err);
    if (!ws)
        return -1;
    char **names = NULL;
    size_t n = 0;
    int rc = core_flow_rerun_plan(ws, id, from, &names, &n, err);
    if (rc == 0 && n == 0)
        rc = wv_error_set(err, WV_E_USAGE, 0, "run %lld has nothing to rerun", (long long)id);
    if (rc == 0) {
        core_printf(&env->out, "run %lld: will rerun %zu task%s:", (long long)id, n,
                    n == 1 ? "" : "s");
        for (size_t i = 0; i < n; i++)
            core_printf(&env->out, " %s", names[i]);
        core_printf(&env->out, "\n");
        core_flush(&env->out);
    }
    if (rc == 0 && core_cmd_flag(argc, argv, "--dry-run")) {
        core_names_free(names, n);
        core_workspace_free(ws);
        return 0;
    }
    if (rc == 0) {
        struct wv_log log;
        struct core_flow_opts o = fg_opts(env, &log);
        o.trigger = "rerun";
        rc = core_flow_rerun(ws, id, from, &o, err);
        print_after(env, ws, id);
    }
    core_names_free(names, n);
    core_workspace_free(ws);
    return rc;
}

/* weaver flow cancel RUN */
int core_cmd_flow_cancel(const struct core_cmd_env *env, int argc, char **argv,
                         struct wv_error *err)
{
    int64_t id = 0;
    if (core_cmd_id_arg(argc, argv, 0, RUN_USAGE, &id, err) < 0)
        return -1;
    struct core_workspace *ws = core_cmd_workspace(env, err);
    if (!ws)
        return -1;
    int rc = core_flow_cancel(ws, id, err);
    if (rc == 0)
        core_printf(&env->out, "run %lld: cancel requested\n", (long long)id);
    core_workspace_free(ws);
    return rc;
}

/* weaver flow mark RUN TASK success|failed */
int core_cmd_flow_mark(const struct core_cmd_env *env, int argc, char **argv,
                       struct wv_error *err)
{
    int64_t id = 0;
    if (core_cmd_id_arg(argc, argv, 0, RUN_USAGE, &id, err) < 0)
        return -1;
    const char *task = core_cmd_arg(argc, argv, 1), *what = core_cmd_arg(argc, argv, 2);
    if (!what || (strcmp(what, "success") != 0 && strcmp(what, "failed") != 0))
        return wv_error_set(err, WV_E_USAGE, 0, "mark a task success or failed");
    struct core_workspace *ws = core_cmd_workspace(env, err);
    if (!ws)
        return -1;
    int rc = core_flow_mark(ws, id, task, strcmp(what, "success") == 0, err);
    if (rc == 0)
        core_printf(&env->out, "run %lld: task %s marked %s\n", (long long)id, task, what);
    core_workspace_free(ws);
    return rc;
}

/* Prints the logs of a run's attempts (task NULL = all; attempt 0 = all). With follow, keeps
 * printing new lines until the run ends or the command is cancelled. */
int core_cmd_flow_logs(const struct core_cmd_env *env, int argc, char **argv,
                       struct wv_error *err)
{
    int64_t id = 0;
    const char *nattempt = NULL;
    if (core_cmd_id_arg(argc, argv, 0, RUN_USAGE, &id, err) < 0 ||
        core_cmd_opt(argc, argv, "--attempt", &nattempt, err) < 0)
        return -1;
    const char *task = core_cmd_arg(argc, argv, 1);
    int want = nattempt ? (int)strtol(nattempt, NULL, 10) : 0;
    if (nattempt && want <= 0)
        return wv_error_set(err, WV_E_USAGE, 0, "--attempt takes a number (1, 2, ...)");
    bool follow = core_cmd_flag(argc, argv, "--follow");
    struct core_workspace *ws = core_cmd_workspace(env, err);
    if (!ws)
        return -1;
    struct stor_db *db = core_db_open(ws, err);
    int rc = db ? 0 : -1;
    int64_t *offsets = NULL, *ids = NULL;
    size_t n_seen = 0;
    for (int pass = 0; rc == 0; pass++) {
        struct stor_attempt *at = NULL;
        size_t n = 0;
        if (stor_attempt_list(db, id, task, &at, &n, err) < 0) {
            rc = -1;
            break;
        }
        if (n > n_seen) {
            offsets = wv_realloc(offsets, n * sizeof *offsets);
            ids = wv_realloc(ids, n * sizeof *ids);
            for (size_t i = n_seen; i < n; i++)
                offsets[i] = -1, ids[i] = at[i].id;
            n_seen = n;
        }
        for (size_t i = 0; i < n && rc == 0; i++) {
            if (want && at[i].number != want)
                continue;
            char *text = NULL;
            int64_t next = 0;
            if (stor_attempt_log_read(db, at[i].id, offsets[i] < 0 ? 0 : offsets[i], &text,
                                      &next, err) < 0) {
                rc = -1;
                break;
            }
            if (offsets[i] < 0)
                core_printf(&env->out, "== %s, attempt %d (%s) ==\n", at[i].task, at[i].number,
                            stor_task_state_name(at[i].state));
            if (text && *text)
                core_write(&env->out, text, strlen(text));
            free(text);
            offsets[i] = next;
        }
        stor_attempts_free(at, n);
        core_flush(&env->out);
        if (rc < 0 || !follow || (env->cancel && *env->cancel))
            break;
        struct stor_flow_run r;
        if (stor_flow_run_get(db, id, &r, err) < 0) {
            rc = -1;
            break;
        }
        bool running = r.state == STOR_RUN_RUNNING;
        stor_flow_run_done(&r);
        if (!running && pass > 0)
            break;
        struct timespec ts = {0, 300 * 1000000L};
        nanosleep(&ts, NULL);
    }
    free(offsets);
    free(ids);
    stor_db_close(db);
    core_workspace_free(ws);
    return rc;
}
