/* db_flow.c - flow runs in the state store (schema version 3): table flow_runs (one row per
 * run of a flow), task_runs (one task instance per task of a run, in creation order = rowid),
 * task_attempts (one row per try, with the size of its log), attempt_logs (the log as
 * appended chunks: pos = byte offset of the chunk in the attempt's log, len = its bytes, so an
 * append is one INSERT and a read from an offset only touches the chunks after it),
 * quality_results (one row per check a quality task ran; observed NULL when NaN) and
 * job_stats (a sync job's statistics and stream schemas as JSON text). This file: runs and
 * task instances; db_attempts.c: attempts, their logs, quality results and job statistics.
 * Same thread rules as db.c. */
#include "storage/storage.h"
#include "storage/db_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"


static const char *const run_state_names[] = {
#define STOR_X_RSN(id, text) text,
    STOR_RUN_STATES(STOR_X_RSN)
#undef STOR_X_RSN
};

static const char *const task_state_names[] = {
#define STOR_X_TSN(id, text) text,
    STOR_TASK_STATES(STOR_X_TSN)
#undef STOR_X_TSN
};

#define N_RUN_STATES (sizeof run_state_names / sizeof run_state_names[0])
#define N_TASK_STATES (sizeof task_state_names / sizeof task_state_names[0])

/* "running" ... ("?" when out of range). */
const char *stor_run_state_name(enum stor_run_state s)
{
    return (size_t)s < N_RUN_STATES ? run_state_names[s] : "?";
}

const char *stor_task_state_name(enum stor_task_state s)
{
    return (size_t)s < N_TASK_STATES ? task_state_names[s] : "?";
}

int stor_task_state_parse(const char *s, enum stor_task_state *out)
{
    for (size_t i = 0; s && i < N_TASK_STATES; i++)
        if (strcmp(task_state_names[i], s) == 0) {
            *out = (enum stor_task_state)i;
            return 0;
        }
    return -1;
}

static int run_state_parse(const char *s, enum stor_run_state *out)
{
    for (size_t i = 0; s && i < N_RUN_STATES; i++)
        if (strcmp(run_state_names[i], s) == 0) {
            *out = (enum stor_run_state)i;
            return 0;
        }
    return -1;
}

/* ---- shared list reading ---- */

/* Steps st to the end, filling one item of `size` bytes per row with fill; finalizes st. On
 * error frees what was read (free_fn) and leaves *out NULL, *n 0. */
int stor_dbi_read_rows(struct stor_db *db, sqlite3_stmt *st, const char *what, size_t size,
                       stor_dbi_row_fn fill, stor_dbi_rows_free_fn free_fn, void **out,
                       size_t *n, struct wv_error *err)
{
    char *items = NULL;
    size_t cnt = 0, cap = 0;
    int rc, r = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (cnt == cap) {
            cap = cap ? cap * 2 : 8;
            items = wv_realloc(items, cap * size);
        }
        memset(items + cnt * size, 0, size);
        cnt++; /* counted before filling: a half-filled item is freed too */
        if ((r = fill(st, items + (cnt - 1) * size, err)) < 0)
            break;
    }
    if (r == 0 && rc != SQLITE_DONE)
        r = stor_dbi_fail(db, rc, what, err);
    sqlite3_finalize(st);
    if (r < 0) {
        free_fn(items, cnt);
        items = NULL;
        cnt = 0;
    }
    *out = items;
    *n = cnt;
    return r;
}

/* WV_E_NOTFOUND "state.db: <what>: no <thing> <id>" unless a row changed. */
int stor_dbi_check_found(int changes, const char *what, const char *thing, int64_t id,
                         struct wv_error *err)
{
    if (changes > 0)
        return 0;
    return wv_error_set(err, WV_E_NOTFOUND, 0, "state.db: %s: no %s %lld", what, thing,
                        (long long)id);
}

/* ---- flow runs ---- */

int stor_flow_run_start(struct stor_db *db, const char *flow, const char *trigger,
                        int64_t logical_ms, int64_t now_ms, int pid, const char *const *tasks,
                        size_t n_tasks, int64_t *run_id, struct wv_error *err)
{
    const char *what = "start flow run";
    if (!flow || !*flow || !trigger || !*trigger)
        return wv_error_set(err, WV_E_USAGE, 0, "state.db: %s: flow and trigger needed", what);
    if (stor_dbi_begin(db, err) < 0)
        return -1;
    if (stor_dbi_run(db,
                     "INSERT INTO flow_runs (flow, state, triggered_by, logical_ms, started_ms,"
                     " pid) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                     what,
                     ARGS(A_TEXT(flow), A_TEXT(stor_run_state_name(STOR_RUN_RUNNING)),
                          A_TEXT(trigger), A_INT(logical_ms), A_INT(now_ms), A_INT(pid)),
                     NULL, err) < 0)
        return stor_dbi_fail_tx(db);
    int64_t id = sqlite3_last_insert_rowid(db->h);
    for (size_t i = 0; i < n_tasks; i++)
        if (stor_dbi_run(db, "INSERT INTO task_runs (run_id, task, state) VALUES (?1, ?2, ?3)",
                         what,
                         ARGS(A_INT(id), A_TEXT(tasks[i]),
                              A_TEXT(stor_task_state_name(STOR_TASK_NONE))),
                         NULL, err) < 0)
            return stor_dbi_fail_tx(db);
    if (stor_dbi_commit(db, err) < 0)
        return stor_dbi_fail_tx(db);
    if (run_id)
        *run_id = id;
    return 0;
}

int stor_flow_run_finish(struct stor_db *db, int64_t run_id, enum stor_run_state state,
                         int64_t now_ms, const char *error, struct wv_error *err)
{
    const char *what = "finish flow run";
    if (state != STOR_RUN_SUCCESS && state != STOR_RUN_FAILED && state != STOR_RUN_CANCELLED)
        return wv_error_set(err, WV_E_USAGE, 0, "state.db: %s: %s is not an end state", what,
                            stor_run_state_name(state));
    int changes = 0;
    if (stor_dbi_run(db, "UPDATE flow_runs SET state = ?2, ended_ms = ?3, error = ?4 WHERE id = ?1",
                     what,
                     ARGS(A_INT(run_id), A_TEXT(stor_run_state_name(state)), A_INT(now_ms),
                          A_TEXT(error)),
                     &changes, err) < 0)
        return -1;
    return stor_dbi_check_found(changes, what, "flow run", run_id, err);
}

int stor_flow_run_reopen(struct stor_db *db, int64_t run_id, int pid, struct wv_error *err)
{
    const char *what = "reopen flow run";
    int changes = 0;
    if (stor_dbi_run(db,
                     "UPDATE flow_runs SET state = ?2, pid = ?3, ended_ms = NULL,"
                     " cancel_requested = 0, error = NULL WHERE id = ?1",
                     what,
                     ARGS(A_INT(run_id), A_TEXT(stor_run_state_name(STOR_RUN_RUNNING)),
                          A_INT(pid)),
                     &changes, err) < 0)
        return -1;
    return stor_dbi_check_found(changes, what, "flow run", run_id, err);
}

int stor_flow_run_cancel(struct stor_db *db, int64_t run_id, struct wv_error *err)
{
    const char *what = "cancel flow run";
    int changes = 0;
    if (stor_dbi_run(db, "UPDATE flow_runs SET cancel_requested = 1 WHERE id = ?1", what,
                     ARGS(A_INT(run_id)), &changes, err) < 0)
        return -1;
    return stor_dbi_check_found(changes, what, "flow run", run_id, err);
}

#define RUN_COLS                                                                                   \
    "SELECT id, flow, state, triggered_by, logical_ms, started_ms, ended_ms, pid,"                 \
    " cancel_requested, error FROM flow_runs"

static int run_from_row(sqlite3_stmt *st, void *item, struct wv_error *err)
{
    struct stor_flow_run *r = item;
    r->id = sqlite3_column_int64(st, 0);
    r->flow = stor_dbi_strdup(st, 1);
    r->trigger = stor_dbi_strdup(st, 3);
    r->logical_ms = sqlite3_column_int64(st, 4);
    r->started_ms = sqlite3_column_int64(st, 5);
    r->ended_ms = sqlite3_column_int64(st, 6); /* NULL reads as 0 */
    r->pid = sqlite3_column_int(st, 7);
    r->cancel_requested = sqlite3_column_int(st, 8) != 0;
    r->error = stor_dbi_strdup(st, 9);
    if (run_state_parse((const char *)sqlite3_column_text(st, 2), &r->state) < 0 || !r->flow ||
        !r->trigger)
        return wv_error_set(err, WV_E_DB, 0, "state.db: flow run %lld: invalid row",
                            (long long)r->id);
    return 0;
}

void stor_flow_run_done(struct stor_flow_run *r)
{
    if (!r)
        return;
    free(r->flow);
    free(r->trigger);
    free(r->error);
    memset(r, 0, sizeof *r);
}

void stor_flow_runs_free(struct stor_flow_run *r, size_t n)
{
    for (size_t i = 0; r && i < n; i++)
        stor_flow_run_done(&r[i]);
    free(r);
}

static void runs_free(void *items, size_t n) { stor_flow_runs_free(items, n); }

int stor_flow_run_get(struct stor_db *db, int64_t run_id, struct stor_flow_run *out,
                      struct wv_error *err)
{
    const char *what = "read flow run";
    memset(out, 0, sizeof *out);
    sqlite3_stmt *st = stor_dbi_prepare(db, RUN_COLS " WHERE id = ?1", what, ARGS(A_INT(run_id)),
                                        err);
    if (!st)
        return -1;
    int rc = sqlite3_step(st), r;
    if (rc == SQLITE_ROW)
        r = run_from_row(st, out, err);
    else if (rc == SQLITE_DONE)
        r = wv_error_set(err, WV_E_NOTFOUND, 0, "state.db: no flow run %lld", (long long)run_id);
    else
        r = stor_dbi_fail(db, rc, what, err);
    sqlite3_finalize(st);
    if (r < 0)
        stor_flow_run_done(out);
    return r;
}

int stor_flow_run_list(struct stor_db *db, const char *flow, int limit,
                       struct stor_flow_run **out, size_t *n, struct wv_error *err)
{
    const char *what = "list flow runs";
    *out = NULL;
    *n = 0;
    sqlite3_stmt *st = stor_dbi_prepare(db,
                                        RUN_COLS " WHERE ?2 IS NULL OR flow = ?2"
                                                 " ORDER BY id DESC LIMIT ?1",
                                        what, ARGS(A_INT(limit > 0 ? limit : 50), A_TEXT(flow)),
                                        err);
    if (!st)
        return -1;
    void *items;
    int r = stor_dbi_read_rows(db, st, what, sizeof **out, run_from_row, runs_free, &items, n, err);
    *out = items;
    return r;
}

struct running_run {
    int64_t id;
    int pid;
};

/* Fails one abandoned run with its running, queued and up-for-retry task instances (no
 * process is left to run them) and its running attempts. Inside the caller's transaction. */
static int run_abandon(struct stor_db *db, const struct running_run *r, int64_t now_ms,
                       struct wv_error *err)
{
    const char *what = "reap flow run";
    char *msg = wv_asprintf("abandoned: process %d is gone", r->pid);
    int rc = stor_dbi_run(db,
                          "UPDATE flow_runs SET state = 'failed', ended_ms = ?2, error = ?3"
                          " WHERE id = ?1 AND state = 'running'",
                          what, ARGS(A_INT(r->id), A_INT(now_ms), A_TEXT(msg)), NULL, err);
    if (rc == 0)
        rc = stor_dbi_run(db,
                          "UPDATE task_runs SET state = 'failed', ended_ms = ?2,"
                          " error = coalesce(error, ?3) WHERE run_id = ?1"
                          " AND state IN ('running', 'queued', 'up_for_retry')",
                          what, ARGS(A_INT(r->id), A_INT(now_ms), A_TEXT(msg)), NULL, err);
    if (rc == 0)
        rc = stor_dbi_run(db,
                          "UPDATE task_attempts SET state = 'failed', ended_ms = ?2, error = ?3"
                          " WHERE run_id = ?1 AND state = 'running'",
                          what, ARGS(A_INT(r->id), A_INT(now_ms), A_TEXT(msg)), NULL, err);
    free(msg);
    return rc;
}

int stor_flow_run_reap(struct stor_db *db, bool (*is_alive)(int pid), int64_t now_ms, int *n,
                       struct wv_error *err)
{
    const char *what = "list running flow runs";
    if (n)
        *n = 0;
    if (stor_dbi_begin(db, err) < 0)
        return -1;
    sqlite3_stmt *st = stor_dbi_prepare(db,
                                        "SELECT id, pid FROM flow_runs WHERE state = 'running'"
                                        " ORDER BY id",
                                        what, NO_ARGS, err);
    if (!st)
        return stor_dbi_fail_tx(db);
    struct running_run *runs = NULL;
    size_t cnt = 0, cap = 0;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (cnt == cap) {
            cap = cap ? cap * 2 : 8;
            runs = wv_realloc(runs, cap * sizeof *runs);
        }
        runs[cnt].id = sqlite3_column_int64(st, 0);
        runs[cnt++].pid = sqlite3_column_int(st, 1);
    }
    sqlite3_finalize(st);
    int reaped = 0, r = rc == SQLITE_DONE ? 0 : stor_dbi_fail(db, rc, what, err);
    for (size_t i = 0; r == 0 && i < cnt; i++) {
        if (is_alive(runs[i].pid))
            continue;
        r = run_abandon(db, &runs[i], now_ms, err);
        reaped += r == 0;
    }
    free(runs);
    if (r < 0 || stor_dbi_commit(db, err) < 0)
        return stor_dbi_fail_tx(db);
    if (n)
        *n = reaped;
    return 0;
}

/* ---- task instances ---- */

int stor_task_run_update(struct stor_db *db, const struct stor_task_run *t, struct wv_error *err)
{
    const char *what = "update task instance";
    int changes = 0;
    if ((size_t)t->state >= N_TASK_STATES)
        return wv_error_set(err, WV_E_USAGE, 0, "state.db: %s: invalid state", what);
    if (stor_dbi_run(db,
                     "UPDATE task_runs SET state = ?3, try_number = ?4, loop = ?5,"
                     " started_ms = ?6, ended_ms = ?7, job_id = ?8, records = ?9, bytes = ?10,"
                     " error = ?11 WHERE run_id = ?1 AND task = ?2",
                     what,
                     ARGS(A_INT(t->run_id), A_TEXT(t->task), A_TEXT(stor_task_state_name(t->state)),
                          A_INT(t->try_number), A_INT(t->loop), A_ID(t->started_ms),
                          A_ID(t->ended_ms), A_ID(t->job_id), A_INT(t->records), A_INT(t->bytes),
                          A_TEXT(t->error)),
                     &changes, err) < 0)
        return -1;
    if (changes == 0)
        return wv_error_set(err, WV_E_NOTFOUND, 0, "state.db: %s: no task '%s' in flow run %lld",
                            what, t->task ? t->task : "", (long long)t->run_id);
    return 0;
}

static int task_from_row(sqlite3_stmt *st, void *item, struct wv_error *err)
{
    struct stor_task_run *t = item;
    t->run_id = sqlite3_column_int64(st, 0);
    t->task = stor_dbi_strdup(st, 1);
    t->try_number = sqlite3_column_int(st, 3);
    t->loop = sqlite3_column_int(st, 4);
    t->started_ms = sqlite3_column_int64(st, 5);
    t->ended_ms = sqlite3_column_int64(st, 6);
    t->job_id = sqlite3_column_int64(st, 7);
    t->records = sqlite3_column_int64(st, 8);
    t->bytes = sqlite3_column_int64(st, 9);
    t->error = stor_dbi_strdup(st, 10);
    if (stor_task_state_parse((const char *)sqlite3_column_text(st, 2), &t->state) < 0 ||
        !t->task)
        return wv_error_set(err, WV_E_DB, 0, "state.db: task instance of flow run %lld: invalid"
                            " row", (long long)t->run_id);
    return 0;
}

void stor_task_runs_free(struct stor_task_run *t, size_t n)
{
    for (size_t i = 0; t && i < n; i++) {
        free(t[i].task);
        free(t[i].error);
    }
    free(t);
}

static void tasks_free(void *items, size_t n) { stor_task_runs_free(items, n); }

int stor_task_run_list(struct stor_db *db, int64_t run_id, struct stor_task_run **out, size_t *n,
                       struct wv_error *err)
{
    const char *what = "list task instances";
    *out = NULL;
    *n = 0;
    sqlite3_stmt *st = stor_dbi_prepare(db,
                                        "SELECT run_id, task, state, try_number, loop, started_ms,"
                                        " ended_ms, job_id, records, bytes, error FROM task_runs"
                                        " WHERE run_id = ?1 ORDER BY rowid",
                                        what, ARGS(A_INT(run_id)), err);
    if (!st)
        return -1;
    void *items;
    int r = stor_dbi_read_rows(db, st, what, sizeof **out, task_from_row, tasks_free, &items, n, err);
    *out = items;
    return r;
}

