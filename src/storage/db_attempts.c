/* db_attempts.c - the tries of flow tasks in the state store (tables task_attempts and
 * attempt_logs, see db_flow.c), quality results, and job statistics with the history query the
 * checks use. An attempt's log is capped at STOR_ATTEMPT_LOG_MAX bytes: appends keep whole
 * lines while they fit and then one "[log truncated]" line ends it (the marker counts toward
 * the cap). Same thread rules as db.c. */
#include "storage/storage.h"
#include "storage/db_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"

#define STOR_ATTEMPT_LOG_MAX ((int64_t)4 << 20)
#define LOG_TRUNCATED "[log truncated]\n"

/* ---- attempts and their logs ---- */

int stor_attempt_start(struct stor_db *db, int64_t run_id, const char *task, int number,
                       int64_t now_ms, int64_t *attempt_id, struct wv_error *err)
{
    const char *what = "start attempt";
    int changes = 0;
    if (stor_dbi_run(db,
                     "INSERT INTO task_attempts (run_id, task, number, state, started_ms)"
                     " SELECT run_id, task, ?3, 'running', ?4 FROM task_runs"
                     " WHERE run_id = ?1 AND task = ?2",
                     what, ARGS(A_INT(run_id), A_TEXT(task), A_INT(number), A_INT(now_ms)),
                     &changes, err) < 0)
        return -1;
    if (changes == 0)
        return wv_error_set(err, WV_E_NOTFOUND, 0, "state.db: %s: no task '%s' in flow run %lld",
                            what, task ? task : "", (long long)run_id);
    if (attempt_id)
        *attempt_id = sqlite3_last_insert_rowid(db->h);
    return 0;
}

int stor_attempt_finish(struct stor_db *db, int64_t attempt_id, enum stor_task_state state,
                        int64_t now_ms, int64_t records, int64_t bytes, const char *error,
                        struct wv_error *err)
{
    const char *what = "finish attempt";
    if ((size_t)state > STOR_TASK_UP_FOR_RETRY || state == STOR_TASK_NONE ||
        state == STOR_TASK_QUEUED || state == STOR_TASK_RUNNING)
        return wv_error_set(err, WV_E_USAGE, 0, "state.db: %s: %s is not an end state", what,
                            stor_task_state_name(state));
    int changes = 0;
    if (stor_dbi_run(db,
                     "UPDATE task_attempts SET state = ?2, ended_ms = ?3, records = ?4,"
                     " bytes = ?5, error = ?6 WHERE id = ?1",
                     what,
                     ARGS(A_INT(attempt_id), A_TEXT(stor_task_state_name(state)), A_INT(now_ms),
                          A_INT(records), A_INT(bytes), A_TEXT(error)),
                     &changes, err) < 0)
        return -1;
    return stor_dbi_check_found(changes, what, "attempt", attempt_id, err);
}

/* Appends one chunk at pos and moves the attempt's log size (inside the transaction). */
static int log_put(struct stor_db *db, int64_t attempt_id, int64_t pos, const char *text,
                   bool truncated, struct wv_error *err)
{
    const char *what = "append attempt log";
    int64_t len = (int64_t)strlen(text);
    if (len > 0 && stor_dbi_run(db,
                                "INSERT INTO attempt_logs (attempt_id, pos, len, chunk)"
                                " VALUES (?1, ?2, ?3, ?4)",
                                what,
                                ARGS(A_INT(attempt_id), A_INT(pos), A_INT(len), A_TEXT(text)),
                                NULL, err) < 0)
        return -1;
    return stor_dbi_run(db,
                        "UPDATE task_attempts SET log_bytes = ?2, log_truncated = ?3 WHERE id = ?1",
                        what, ARGS(A_INT(attempt_id), A_INT(pos + len), A_INT(truncated)), NULL,
                        err);
}

int stor_attempt_log(struct stor_db *db, int64_t attempt_id, const char *text,
                     struct wv_error *err)
{
    const char *what = "append attempt log";
    if (!text || !*text)
        return 0;
    if (stor_dbi_begin(db, err) < 0)
        return -1;
    sqlite3_stmt *st = stor_dbi_prepare(db,
                                        "SELECT log_bytes, log_truncated FROM task_attempts"
                                        " WHERE id = ?1",
                                        what, ARGS(A_INT(attempt_id)), err);
    if (!st)
        return stor_dbi_fail_tx(db);
    int rc = sqlite3_step(st);
    int64_t size = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    bool truncated = rc == SQLITE_ROW && sqlite3_column_int(st, 1) != 0;
    sqlite3_finalize(st);
    if (rc == SQLITE_DONE) { /* nothing written: end the (maybe inner) transaction cleanly */
        if (stor_dbi_commit(db, err) < 0)
            return stor_dbi_fail_tx(db);
        return wv_error_set(err, WV_E_NOTFOUND, 0, "state.db: %s: no attempt %lld", what,
                            (long long)attempt_id);
    }
    if (rc != SQLITE_ROW) {
        stor_dbi_fail(db, rc, what, err);
        return stor_dbi_fail_tx(db);
    }
    if (truncated) /* the cap was reached: later lines are dropped */
        return stor_dbi_commit(db, err) < 0 ? stor_dbi_fail_tx(db) : 0;
    size_t len = strlen(text);
    int r;
    int64_t room = STOR_ATTEMPT_LOG_MAX - (int64_t)strlen(LOG_TRUNCATED) - size;
    if ((int64_t)len <= room) {
        r = log_put(db, attempt_id, size, text, false, err);
    } else {
        /* Keep the whole lines that fit, then the marker. */
        size_t keep = room > 0 ? (size_t)room : 0;
        while (keep > 0 && text[keep - 1] != '\n')
            keep--;
        char *part = wv_asprintf("%.*s%s", (int)keep, text, LOG_TRUNCATED);
        r = log_put(db, attempt_id, size, part, true, err);
        free(part);
    }
    if (r < 0 || stor_dbi_commit(db, err) < 0)
        return stor_dbi_fail_tx(db);
    return 0;
}

int stor_attempt_log_read(struct stor_db *db, int64_t attempt_id, int64_t offset, char **text,
                          int64_t *next, struct wv_error *err)
{
    const char *what = "read attempt log";
    *text = NULL;
    *next = offset;
    if (offset < 0)
        return wv_error_set(err, WV_E_USAGE, 0, "state.db: %s: negative offset", what);
    /* No transaction of its own (the caller may be inside a batch): chunks are contiguous, so
     * one SELECT of the chunks past offset reads a consistent tail even while a writer appends. */
    sqlite3_stmt *st = stor_dbi_prepare(db, "SELECT 1 FROM task_attempts WHERE id = ?1", what,
                                        ARGS(A_INT(attempt_id)), err);
    if (!st)
        return -1;
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc == SQLITE_DONE)
        return wv_error_set(err, WV_E_NOTFOUND, 0, "state.db: %s: no attempt %lld", what,
                            (long long)attempt_id);
    if (rc != SQLITE_ROW)
        return stor_dbi_fail(db, rc, what, err);
    st = stor_dbi_prepare(db,
                          "SELECT pos, chunk FROM attempt_logs WHERE attempt_id = ?1"
                          " AND pos + len > ?2 ORDER BY pos",
                          what, ARGS(A_INT(attempt_id), A_INT(offset)), err);
    if (!st)
        return -1;
    struct wv_buf out = WV_BUF_INIT;
    int64_t at = offset;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        int64_t pos = sqlite3_column_int64(st, 0);
        const char *chunk = (const char *)sqlite3_column_text(st, 1);
        int64_t len = sqlite3_column_bytes(st, 1);
        int64_t skip = at > pos ? at - pos : 0;
        if (chunk && skip < len && wv_buf_append(&out, chunk + skip, (size_t)(len - skip), err) < 0)
            break;
        at = pos + len;
    }
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        stor_dbi_fail(db, rc, what, err);
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) {
        wv_buf_done(&out);
        return -1;
    }
    *next = offset + (int64_t)out.len;
    *text = wv_buf_steal(&out, NULL);
    return 0;
}

static int attempt_from_row(sqlite3_stmt *st, void *item, struct wv_error *err)
{
    struct stor_attempt *a = item;
    a->id = sqlite3_column_int64(st, 0);
    a->run_id = sqlite3_column_int64(st, 1);
    a->task = stor_dbi_strdup(st, 2);
    a->number = sqlite3_column_int(st, 3);
    a->started_ms = sqlite3_column_int64(st, 5);
    a->ended_ms = sqlite3_column_int64(st, 6);
    a->records = sqlite3_column_int64(st, 7);
    a->bytes = sqlite3_column_int64(st, 8);
    a->error = stor_dbi_strdup(st, 9);
    if (stor_task_state_parse((const char *)sqlite3_column_text(st, 4), &a->state) < 0 ||
        !a->task)
        return wv_error_set(err, WV_E_DB, 0, "state.db: attempt %lld: invalid row",
                            (long long)a->id);
    return 0;
}

void stor_attempts_free(struct stor_attempt *a, size_t n)
{
    for (size_t i = 0; a && i < n; i++) {
        free(a[i].task);
        free(a[i].error);
    }
    free(a);
}

static void attempts_free(void *items, size_t n) { stor_attempts_free(items, n); }

int stor_attempt_list(struct stor_db *db, int64_t run_id, const char *task,
                      struct stor_attempt **out, size_t *n, struct wv_error *err)
{
    const char *what = "list attempts";
    *out = NULL;
    *n = 0;
    sqlite3_stmt *st = stor_dbi_prepare(db,
                                        "SELECT id, run_id, task, number, state, started_ms,"
                                        " ended_ms, records, bytes, error FROM task_attempts"
                                        " WHERE run_id = ?1 AND (?2 IS NULL OR task = ?2)"
                                        " ORDER BY id",
                                        what, ARGS(A_INT(run_id), A_TEXT(task)), err);
    if (!st)
        return -1;
    void *items;
    int r = stor_dbi_read_rows(db, st, what, sizeof **out, attempt_from_row, attempts_free, &items, n, err);
    *out = items;
    return r;
}

/* ---- quality results ---- */

int stor_quality_add(struct stor_db *db, const struct stor_quality_result *r,
                     struct wv_error *err)
{
    const char *what = "add quality result";
    sqlite3_stmt *st = stor_dbi_prepare(db,
                                        "INSERT INTO quality_results (run_id, task, sync_task,"
                                        " stream, check_name, error_severity, verdict, threshold,"
                                        " text, observed)"
                                        " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
                                        what,
                                        ARGS(A_INT(r->run_id), A_TEXT(r->task),
                                             A_TEXT(r->sync_task), A_TEXT(r->stream),
                                             A_TEXT(r->check), A_INT(r->error_severity),
                                             A_TEXT(r->verdict), A_TEXT(r->threshold),
                                             A_TEXT(r->text)),
                                        err);
    if (!st)
        return -1;
    int rc = isnan(r->observed) ? sqlite3_bind_null(st, 10)
                                : sqlite3_bind_double(st, 10, r->observed);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(st);
    int res = rc == SQLITE_DONE ? 0 : stor_dbi_fail(db, rc, what, err);
    sqlite3_finalize(st);
    return res;
}

static int quality_from_row(sqlite3_stmt *st, void *item, struct wv_error *err)
{
    struct stor_quality_result *q = item;
    q->run_id = sqlite3_column_int64(st, 0);
    q->task = stor_dbi_strdup(st, 1);
    q->sync_task = stor_dbi_strdup(st, 2);
    q->stream = stor_dbi_strdup(st, 3);
    q->check = stor_dbi_strdup(st, 4);
    q->error_severity = sqlite3_column_int(st, 5) != 0;
    q->verdict = stor_dbi_strdup(st, 6);
    q->observed = sqlite3_column_type(st, 7) == SQLITE_NULL ? NAN : sqlite3_column_double(st, 7);
    q->threshold = stor_dbi_strdup(st, 8);
    q->text = stor_dbi_strdup(st, 9);
    if (!q->task || !q->check || !q->verdict)
        return wv_error_set(err, WV_E_DB, 0, "state.db: quality result of flow run %lld:"
                            " invalid row", (long long)q->run_id);
    return 0;
}

void stor_quality_free(struct stor_quality_result *r, size_t n)
{
    for (size_t i = 0; r && i < n; i++) {
        free(r[i].task);
        free(r[i].sync_task);
        free(r[i].stream);
        free(r[i].check);
        free(r[i].verdict);
        free(r[i].threshold);
        free(r[i].text);
    }
    free(r);
}

static void quality_free(void *items, size_t n) { stor_quality_free(items, n); }

int stor_quality_list(struct stor_db *db, int64_t run_id, const char *task,
                      struct stor_quality_result **out, size_t *n, struct wv_error *err)
{
    const char *what = "list quality results";
    *out = NULL;
    *n = 0;
    sqlite3_stmt *st = stor_dbi_prepare(db,
                                        "SELECT run_id, task, sync_task, stream, check_name,"
                                        " error_severity, verdict, observed, threshold, text"
                                        " FROM quality_results WHERE run_id = ?1"
                                        " AND (?2 IS NULL OR task = ?2) ORDER BY id",
                                        what, ARGS(A_INT(run_id), A_TEXT(task)), err);
    if (!st)
        return -1;
    void *items;
    int r = stor_dbi_read_rows(db, st, what, sizeof **out, quality_from_row, quality_free, &items, n, err);
    *out = items;
    return r;
}

/* ---- job statistics and history ---- */

int stor_job_stats_put(struct stor_db *db, int64_t job_id, const char *stats_json,
                       const char *schemas_json, struct wv_error *err)
{
    return stor_dbi_run(db,
                        "INSERT OR REPLACE INTO job_stats (job_id, stats_json, schemas_json)"
                        " VALUES (?1, ?2, ?3)",
                        "store job stats",
                        ARGS(A_INT(job_id), A_TEXT(stats_json), A_TEXT(schemas_json)), NULL, err);
}

int stor_job_stats_get(struct stor_db *db, int64_t job_id, char **stats_json,
                       char **schemas_json, struct wv_error *err)
{
    const char *what = "read job stats";
    *stats_json = *schemas_json = NULL;
    sqlite3_stmt *st = stor_dbi_prepare(db,
                                        "SELECT stats_json, schemas_json FROM job_stats"
                                        " WHERE job_id = ?1",
                                        what, ARGS(A_INT(job_id)), err);
    if (!st)
        return -1;
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        *stats_json = stor_dbi_strdup(st, 0);
        *schemas_json = stor_dbi_strdup(st, 1);
    }
    sqlite3_finalize(st);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : stor_dbi_fail(db, rc, what, err);
}

int stor_job_history(struct stor_db *db, const char *connection, int limit, int64_t exclude_job,
                     int64_t **ids, size_t *n, struct wv_error *err)
{
    const char *what = "read job history";
    *ids = NULL;
    *n = 0;
    if (limit <= 0)
        return 0;
    sqlite3_stmt *st = stor_dbi_prepare(db,
                                        "SELECT j.id FROM jobs j LEFT JOIN publishes p"
                                        " ON p.job_id = j.id WHERE j.connection = ?1"
                                        " AND j.kind = 'sync' AND j.status = 'succeeded'"
                                        " AND j.id <> ?3"
                                        " AND (p.job_id IS NULL OR p.status = 'published')"
                                        " ORDER BY j.id DESC LIMIT ?2",
                                        what,
                                        ARGS(A_TEXT(connection), A_INT(limit), A_INT(exclude_job)),
                                        err);
    if (!st)
        return -1;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        *ids = wv_realloc(*ids, (*n + 1) * sizeof **ids);
        (*ids)[(*n)++] = sqlite3_column_int64(st, 0);
    }
    sqlite3_finalize(st);
    if (rc == SQLITE_DONE)
        return 0;
    free(*ids);
    *ids = NULL;
    *n = 0;
    return stor_dbi_fail(db, rc, what, err);
}
