/* db.c - the state store: .weaver/state.db (SQLite, WAL, synchronous=FULL, mode 0600) with
 * forward-only migrations tracked by PRAGMA user_version, jobs and their attempts, and each
 * connection's Airbyte state (per stream, global or legacy). Runs on the engine loop thread,
 * which owns the write connection; every value goes through bound parameters. */
#include "storage/storage.h"
#include "storage/storage_int.h"
#include "storage/db_int.h"

#include <errno.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/mem.h"

/* ---- schema ---- */

/* The schema's migrations are in db_schema.c. */
#define N_MIGRATIONS stor_dbi_n_migrations()


static const char *const job_status_names[] = {
#define STOR_X_JSN(id, text) text,
    STOR_JOB_STATUSES(STOR_X_JSN)
#undef STOR_X_JSN
};

#define N_JOB_STATUSES (sizeof job_status_names / sizeof job_status_names[0])

/* ---- SQLite helpers ---- */

/* The error code for an SQLite result code: lock contention is retryable. */
static enum wv_code db_code(int rc)
{
    switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        return WV_E_BUSY;
    case SQLITE_NOMEM:
        return WV_E_NOMEM;
    default:
        return WV_E_DB;
    }
}

/* Records a failed SQLite call as "state.db: <what>: <sqlite message>" (detail: the rc). */
int stor_dbi_fail(struct stor_db *db, int rc, const char *what, struct wv_error *err)
{
    const char *msg = db->h ? sqlite3_errmsg(db->h) : sqlite3_errstr(rc);
    return wv_error_set(err, db_code(rc), rc, "state.db: %s: %s", what, msg);
}

/* Runs SQL text without values (pragmas, transactions, migrations). */
int stor_dbi_exec(struct stor_db *db, const char *sql, const char *what, struct wv_error *err)
{
    char *emsg = NULL;
    int rc = sqlite3_exec(db->h, sql, NULL, NULL, &emsg);
    if (rc == SQLITE_OK)
        return 0;
    wv_error_set(err, db_code(rc), rc, "state.db: %s: %s", what, emsg ? emsg : sqlite3_errstr(rc));
    sqlite3_free(emsg);
    return -1;
}

/* Prepares one statement and binds args to ?1..?n. NULL on error (nothing to finalize). */
sqlite3_stmt *stor_dbi_prepare(struct stor_db *db, const char *sql, const char *what,
                                const struct db_arg *args, size_t n, struct wv_error *err)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(db->h, sql, -1, &st, NULL);
    for (size_t i = 0; rc == SQLITE_OK && i < n; i++) {
        int idx = (int)i + 1;
        if (args[i].kind == ARG_INT || (args[i].kind == ARG_ID && args[i].i > 0))
            rc = sqlite3_bind_int64(st, idx, args[i].i);
        else if (args[i].kind == ARG_TEXT && args[i].s)
            rc = sqlite3_bind_text(st, idx, args[i].s, -1, SQLITE_STATIC);
        else
            rc = sqlite3_bind_null(st, idx);
    }
    if (rc != SQLITE_OK) {
        stor_dbi_fail(db, rc, what, err);
        sqlite3_finalize(st);
        return NULL;
    }
    return st;
}

/* Runs one statement to completion; *changes (may be NULL) gets the number of rows changed. */
int stor_dbi_run(struct stor_db *db, const char *sql, const char *what, const struct db_arg *args,
                  size_t n, int *changes, struct wv_error *err)
{
    sqlite3_stmt *st = stor_dbi_prepare(db, sql, what, args, n, err);
    if (!st)
        return -1;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        ;
    if (rc != SQLITE_DONE) {
        stor_dbi_fail(db, rc, what, err);
        sqlite3_finalize(st);
        return -1;
    }
    if (changes)
        *changes = sqlite3_changes(db->h);
    sqlite3_finalize(st);
    return 0;
}

/* Starts a write transaction (takes the write lock now, waiting up to the busy timeout). */
int stor_dbi_begin(struct stor_db *db, struct wv_error *err)
{
    if (db->depth++ > 0)
        return 0; /* inside a batch: one transaction */
    if (stor_dbi_exec(db, "BEGIN IMMEDIATE", "begin transaction", err) == 0)
        return 0;
    db->depth = 0;
    return -1;
}

/* Commits (the outermost call); on failure the transaction is still open and the caller rolls
 * back. */
int stor_dbi_commit(struct stor_db *db, struct wv_error *err)
{
    if (db->depth > 1) {
        db->depth--;
        return 0;
    }
    if (stor_dbi_exec(db, "COMMIT", "commit", err) < 0)
        return -1;
    db->depth = 0;
    return 0;
}

/* Rolls back the open transaction, if any - a batch included (errors ignored: the first error
 * is already set). */
void stor_dbi_rollback(struct stor_db *db)
{
    if (!sqlite3_get_autocommit(db->h))
        sqlite3_exec(db->h, "ROLLBACK", NULL, NULL, NULL);
    db->depth = 0;
}

/* Rolls back and returns -1, for `return stor_dbi_fail_tx(db);` after an error was recorded. */
int stor_dbi_fail_tx(struct stor_db *db)
{
    stor_dbi_rollback(db);
    return -1;
}

/* ---- open, pragmas, migrations ---- */

/* Reads PRAGMA user_version. */
static int db_user_version(struct stor_db *db, int *v, struct wv_error *err)
{
    sqlite3_stmt *st = stor_dbi_prepare(db, "PRAGMA user_version", "read schema version", NO_ARGS, err);
    if (!st)
        return -1;
    int rc = sqlite3_step(st);
    if (rc != SQLITE_ROW) {
        stor_dbi_fail(db, rc, "read schema version", err);
        sqlite3_finalize(st);
        return -1;
    }
    *v = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    return 0;
}

/* Connection settings: foreign keys, durable commits, WAL (checked: some file systems refuse). */
static int db_pragmas(struct stor_db *db, struct wv_error *err)
{
    if (stor_dbi_exec(db, "PRAGMA foreign_keys = ON", "enable foreign keys", err) ||
        stor_dbi_exec(db, "PRAGMA synchronous = FULL", "set synchronous", err))
        return -1;
    const char *what = "set journal mode";
    sqlite3_stmt *st = stor_dbi_prepare(db, "PRAGMA journal_mode = WAL", what, NO_ARGS, err);
    if (!st)
        return -1;
    int rc = sqlite3_step(st);
    if (rc != SQLITE_ROW) {
        stor_dbi_fail(db, rc, what, err);
        sqlite3_finalize(st);
        return -1;
    }
    char mode[32];
    const unsigned char *txt = sqlite3_column_text(st, 0);
    wv_strlcpy(mode, txt ? (const char *)txt : "?", sizeof mode);
    sqlite3_finalize(st);
    if (strcmp(mode, "wal") != 0)
        return wv_error_set(err, WV_E_DB, 0, "state.db: %s: got %s instead of wal", what, mode);
    return 0;
}

/* Applies the migration after the current version in its own transaction (re-reading the
 * version under the write lock, as another process may have migrated meanwhile). */
static int db_migrate_step(struct stor_db *db, int *v, struct wv_error *err)
{
    if (stor_dbi_begin(db, err))
        return -1;
    int cur;
    if (db_user_version(db, &cur, err))
        return stor_dbi_fail_tx(db);
    if (cur >= 0 && cur < N_MIGRATIONS) {
        char what[160], set[64];
        snprintf(what, sizeof what, "migrate to version %d (%s)", cur + 1, stor_dbi_migration(cur)->what);
        /* PRAGMA takes no parameters; the number is this build's constant, not a value. */
        snprintf(set, sizeof set, "PRAGMA user_version = %d", cur + 1);
        if (stor_dbi_exec(db, stor_dbi_migration(cur)->sql, what, err) || stor_dbi_exec(db, set, what, err))
            return stor_dbi_fail_tx(db);
        cur++;
    }
    if (stor_dbi_commit(db, err))
        return stor_dbi_fail_tx(db);
    *v = cur;
    return 0;
}

/* Brings the schema to the newest version; refuses databases from a newer weaver. */
static int db_migrate(struct stor_db *db, struct wv_error *err)
{
    int v;
    if (db_user_version(db, &v, err))
        return -1;
    while (v >= 0 && v < N_MIGRATIONS)
        if (db_migrate_step(db, &v, err))
            return -1;
    if (v < 0)
        return wv_error_set(err, WV_E_DB, v, "state.db schema version %d is invalid", v);
    if (v > N_MIGRATIONS)
        return wv_error_set(err, WV_E_DB, v,
                            "state.db schema version %d is newer than this weaver (%d)", v,
                            N_MIGRATIONS);
    db->version = v;
    return 0;
}

/* Opens (creating 0600) and migrates the state database. */
struct stor_db *stor_db_open(const char *path, struct wv_error *err)
{
    /* Create the file ourselves so its mode is 0600 whatever the umask says; SQLite gives the
     * -wal and -shm files the main file's permissions. An existing file keeps its mode - and is
     * never opened and closed here: closing any descriptor of a database file drops every POSIX
     * lock this process holds on it, including those of other connections (flow workers, the
     * console's engine threads), which SQLite reports as disk I/O errors or worse. */
    int fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd >= 0) {
        close(fd); /* new and empty: nobody holds locks on it yet */
    } else if (errno != EEXIST) {
        wv_error_errno(err, errno, "state.db: open %s", path);
        return NULL;
    }
    struct stor_db *db = wv_calloc(1, sizeof *db);
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX;
#ifdef SQLITE_OPEN_EXRESCODE
    flags |= SQLITE_OPEN_EXRESCODE;
#endif
    int rc = sqlite3_open_v2(path, &db->h, flags, NULL);
    if (rc != SQLITE_OK) {
        wv_error_set(err, db_code(rc), rc, "state.db: open %s: %s", path,
                     db->h ? sqlite3_errmsg(db->h) : sqlite3_errstr(rc));
        stor_db_close(db);
        return NULL;
    }
    sqlite3_extended_result_codes(db->h, 1);
    sqlite3_busy_timeout(db->h, STOR_DB_BUSY_TIMEOUT_MS);
    if (db_pragmas(db, err) || db_migrate(db, err)) {
        stor_db_close(db);
        return NULL;
    }
    return db;
}

/* Closes the connection (every statement is finalized by the call that prepared it). */
void stor_db_close(struct stor_db *db)
{
    if (!db)
        return;
    sqlite3_close(db->h);
    free(db);
}

/* Batches: every write until stor_db_batch_end is one transaction (one fsync). */
int stor_db_batch_begin(struct stor_db *db, struct wv_error *err)
{
    return stor_dbi_begin(db, err);
}

int stor_db_batch_end(struct stor_db *db, struct wv_error *err)
{
    if (db->depth == 0)
        return wv_error_set(err, WV_E_DB, 0, "state.db: batch: an earlier error rolled it back");
    if (stor_dbi_commit(db, err) < 0)
        return stor_dbi_fail_tx(db);
    return 0;
}

/* Sets the busy timeout. */
void stor_db_set_busy_timeout(struct stor_db *db, int ms) { sqlite3_busy_timeout(db->h, ms); }

/* Schema version of an open database. */
int stor_db_version(struct stor_db *db) { return db->version; }

/* Newest schema version this build knows. */
int stor_db_latest_version(void) { return N_MIGRATIONS; }

/* ---- jobs and attempts ---- */

/* Name of a job status ("running" ...). */
const char *stor_job_status_name(enum stor_job_status s)
{
    if ((unsigned)s >= N_JOB_STATUSES)
        return "unknown";
    return job_status_names[s];
}

/* Status from its stored name; -1 if unknown. */
static int job_status_parse(const char *s, enum stor_job_status *out)
{
    for (size_t i = 0; s && i < N_JOB_STATUSES; i++)
        if (strcmp(s, job_status_names[i]) == 0) {
            *out = (enum stor_job_status)i;
            return 0;
        }
    return -1;
}

/* Inserts a running job and its attempt 1 in one transaction. */
int stor_job_start(struct stor_db *db, const char *connection, const char *kind, int64_t now_ms,
                   int pid, int64_t *job_id, int64_t *attempt_id, struct wv_error *err)
{
    if (!connection || !*connection || !kind || !*kind)
        return wv_error_set(err, WV_E_USAGE, 0, "state.db: start job: connection and kind needed");
    const char *running = stor_job_status_name(STOR_JOB_RUNNING);
    if (stor_dbi_begin(db, err))
        return -1;
    if (stor_dbi_run(db,
               "INSERT INTO jobs (connection, kind, status, started_ms, pid)"
               " VALUES (?1, ?2, ?3, ?4, ?5)",
               "start job", ARGS(A_TEXT(connection), A_TEXT(kind), A_TEXT(running),
                                 A_INT(now_ms), A_INT(pid)), NULL, err))
        return stor_dbi_fail_tx(db);
    int64_t jid = sqlite3_last_insert_rowid(db->h);
    if (stor_dbi_run(db,
               "INSERT INTO attempts (job_id, number, status, started_ms) VALUES (?1, 1, ?2, ?3)",
               "start attempt", ARGS(A_INT(jid), A_TEXT(running), A_INT(now_ms)), NULL, err))
        return stor_dbi_fail_tx(db);
    int64_t aid = sqlite3_last_insert_rowid(db->h);
    if (stor_dbi_commit(db, err))
        return stor_dbi_fail_tx(db);
    if (job_id)
        *job_id = jid;
    if (attempt_id)
        *attempt_id = aid;
    return 0;
}

/* Fails with WV_E_NOTFOUND unless both updates of a job/attempt pair changed a row. */
static int job_check_found(int jobs, int attempts, int64_t job_id, int64_t attempt_id,
                           const char *what, struct wv_error *err)
{
    if (jobs == 1 && attempts == 1)
        return 0;
    return wv_error_set(err, WV_E_NOTFOUND, 0, "state.db: %s: no job %lld with attempt %lld", what,
                        (long long)job_id, (long long)attempt_id);
}

/* Updates the totals of a job and its attempt. */
int stor_job_progress(struct stor_db *db, int64_t job_id, int64_t attempt_id, int64_t records,
                      int64_t bytes, struct wv_error *err)
{
    const char *what = "job progress";
    int nj = 0, na = 0;
    if (stor_dbi_begin(db, err))
        return -1;
    if (stor_dbi_run(db, "UPDATE jobs SET records = ?2, bytes = ?3 WHERE id = ?1", what,
               ARGS(A_INT(job_id), A_INT(records), A_INT(bytes)), &nj, err) ||
        stor_dbi_run(db, "UPDATE attempts SET records = ?3, bytes = ?4 WHERE id = ?2 AND job_id = ?1",
               what, ARGS(A_INT(job_id), A_INT(attempt_id), A_INT(records), A_INT(bytes)), &na,
               err) ||
        job_check_found(nj, na, job_id, attempt_id, what, err) || stor_dbi_commit(db, err))
        return stor_dbi_fail_tx(db);
    return 0;
}

/* Ends a job and its attempt in one transaction. */
int stor_job_finish(struct stor_db *db, int64_t job_id, int64_t attempt_id,
                    enum stor_job_status status, int64_t now_ms, int64_t records, int64_t bytes,
                    const char *error, struct wv_error *err)
{
    const char *what = "finish job";
    if (status == STOR_JOB_RUNNING || (unsigned)status >= N_JOB_STATUSES)
        return wv_error_set(err, WV_E_USAGE, 0, "state.db: %s: %s is not an end status", what,
                            stor_job_status_name(status));
    const char *st = stor_job_status_name(status);
    int nj = 0, na = 0;
    if (stor_dbi_begin(db, err))
        return -1;
    if (stor_dbi_run(db,
               "UPDATE jobs SET status = ?2, ended_ms = ?3, records = ?4, bytes = ?5, error = ?6"
               " WHERE id = ?1",
               what, ARGS(A_INT(job_id), A_TEXT(st), A_INT(now_ms), A_INT(records), A_INT(bytes),
                          A_TEXT(error)), &nj, err) ||
        stor_dbi_run(db,
               "UPDATE attempts SET status = ?3, ended_ms = ?4, records = ?5, bytes = ?6,"
               " error = ?7 WHERE id = ?2 AND job_id = ?1",
               what, ARGS(A_INT(job_id), A_INT(attempt_id), A_TEXT(st), A_INT(now_ms),
                          A_INT(records), A_INT(bytes), A_TEXT(error)), &na, err) ||
        job_check_found(nj, na, job_id, attempt_id, what, err) || stor_dbi_commit(db, err))
        return stor_dbi_fail_tx(db);
    return 0;
}

struct running_job {
    int64_t id;
    int pid;
};

/* Lists the running jobs (inside the caller's transaction). Caller frees *out. */
static int jobs_running(struct stor_db *db, struct running_job **out, size_t *n,
                        struct wv_error *err)
{
    const char *what = "list running jobs";
    sqlite3_stmt *st = stor_dbi_prepare(db, "SELECT id, pid FROM jobs WHERE status = ?1 ORDER BY id",
                                  what, ARGS(A_TEXT(stor_job_status_name(STOR_JOB_RUNNING))), err);
    if (!st)
        return -1;
    size_t cap = 0;
    int rc;
    *out = NULL;
    *n = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (*n == cap) {
            cap = cap ? cap * 2 : 8;
            *out = wv_realloc(*out, cap * sizeof **out);
        }
        (*out)[*n].id = sqlite3_column_int64(st, 0);
        (*out)[(*n)++].pid = sqlite3_column_int(st, 1);
    }
    if (rc != SQLITE_DONE) {
        stor_dbi_fail(db, rc, what, err);
        sqlite3_finalize(st);
        free(*out);
        *out = NULL;
        return -1;
    }
    sqlite3_finalize(st);
    return 0;
}

/* Marks one running job and its running attempts failed as abandoned. */
static int job_abandon(struct stor_db *db, const struct running_job *j, int64_t now_ms,
                       struct wv_error *err)
{
    const char *what = "reap job";
    const char *failed = stor_job_status_name(STOR_JOB_FAILED);
    const char *running = stor_job_status_name(STOR_JOB_RUNNING);
    char *msg = wv_asprintf("abandoned: process %d is gone", j->pid);
    int r = stor_dbi_run(db,
                   "UPDATE jobs SET status = ?2, ended_ms = ?3, error = ?4"
                   " WHERE id = ?1 AND status = ?5",
                   what, ARGS(A_INT(j->id), A_TEXT(failed), A_INT(now_ms), A_TEXT(msg),
                              A_TEXT(running)), NULL, err);
    if (r == 0)
        r = stor_dbi_run(db,
                   "UPDATE attempts SET status = ?2, ended_ms = ?3, error = ?4"
                   " WHERE job_id = ?1 AND status = ?5",
                   what, ARGS(A_INT(j->id), A_TEXT(failed), A_INT(now_ms), A_TEXT(msg),
                              A_TEXT(running)), NULL, err);
    free(msg);
    return r;
}

/* Fails running jobs whose process is gone, in one transaction. */
int stor_job_reap(struct stor_db *db, bool (*is_alive)(int pid), int64_t now_ms, int *n,
                  struct wv_error *err)
{
    struct running_job *jobs = NULL;
    size_t nj = 0;
    int reaped = 0;
    if (n)
        *n = 0;
    if (stor_dbi_begin(db, err))
        return -1;
    if (jobs_running(db, &jobs, &nj, err))
        return stor_dbi_fail_tx(db);
    for (size_t i = 0; i < nj; i++) {
        if (is_alive(jobs[i].pid))
            continue;
        if (job_abandon(db, &jobs[i], now_ms, err)) {
            free(jobs);
            return stor_dbi_fail_tx(db);
        }
        reaped++;
    }
    free(jobs);
    if (stor_dbi_commit(db, err))
        return stor_dbi_fail_tx(db);
    if (n)
        *n = reaped;
    return 0;
}

/* Copies a text column (NULL stays NULL). */
char *stor_dbi_strdup(sqlite3_stmt *st, int col)
{
    const unsigned char *t = sqlite3_column_text(st, col);
    return t ? wv_strdup((const char *)t) : NULL;
}

/* Fills a job from a row of the list query. */
static int job_from_row(sqlite3_stmt *st, struct stor_job *j, struct wv_error *err)
{
    memset(j, 0, sizeof *j);
    j->id = sqlite3_column_int64(st, 0);
    if (job_status_parse((const char *)sqlite3_column_text(st, 3), &j->status))
        return wv_error_set(err, WV_E_DB, 0, "state.db: job %lld has an unknown status",
                            (long long)j->id);
    j->connection = stor_dbi_strdup(st, 1);
    j->kind = stor_dbi_strdup(st, 2);
    j->started_ms = sqlite3_column_int64(st, 4);
    j->ended_ms = sqlite3_column_int64(st, 5); /* NULL reads as 0 */
    j->records = sqlite3_column_int64(st, 6);
    j->bytes = sqlite3_column_int64(st, 7);
    j->pid = sqlite3_column_int(st, 8);
    j->error = stor_dbi_strdup(st, 9);
    j->attempts = sqlite3_column_int(st, 10);
    return 0;
}

#define JOB_COLUMNS                                                                                \
    "SELECT j.id, j.connection, j.kind, j.status, j.started_ms, j.ended_ms, j.records, j.bytes,"   \
    " j.pid, j.error, (SELECT count(*) FROM attempts a WHERE a.job_id = j.id) FROM jobs j"

/* Lists jobs newest first. */
int stor_job_list(struct stor_db *db, const char *connection, int limit, struct stor_job **jobs,
                  size_t *n, struct wv_error *err)
{
    const char *what = "list jobs";
    *jobs = NULL;
    *n = 0;
    if (limit <= 0)
        limit = 50;
    sqlite3_stmt *st =
        connection
            ? stor_dbi_prepare(db, JOB_COLUMNS " WHERE j.connection = ?2 ORDER BY j.id DESC LIMIT ?1",
                         what, ARGS(A_INT(limit), A_TEXT(connection)), err)
            : stor_dbi_prepare(db, JOB_COLUMNS " ORDER BY j.id DESC LIMIT ?1", what,
                         ARGS(A_INT(limit)), err);
    if (!st)
        return -1;
    struct stor_job *out = NULL;
    size_t cnt = 0, cap = 0;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (cnt == cap) {
            cap = cap ? cap * 2 : 16;
            out = wv_realloc(out, cap * sizeof *out);
        }
        if (job_from_row(st, &out[cnt], err))
            break;
        cnt++;
    }
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        stor_dbi_fail(db, rc, what, err);
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) {
        stor_jobs_free(out, cnt);
        return -1;
    }
    *jobs = out;
    *n = cnt;
    return 0;
}

/* Frees a job list. */
void stor_jobs_free(struct stor_job *jobs, size_t n)
{
    for (size_t i = 0; jobs && i < n; i++) {
        free(jobs[i].connection);
        free(jobs[i].kind);
        free(jobs[i].error);
    }
    free(jobs);
}

