/* test_db.c - unit tests of the SQLite state store (src/storage/db.c) on real database files
 * in a temporary directory: file mode, WAL, migrations, jobs, reaping and connection state,
 * including commits that fail (injected trigger, foreign key, lock) and must change nothing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "unit/testutil.h"
#include <sqlite3.h>

#include "base/fs.h"
#include "base/mem.h"
#include "storage/storage.h"
#include "storage/storage_int.h"

struct fixture {
    char *dir;
    char *path; /* dir/state.db */
};

/* Creates a fresh temporary directory for one test. */
static int setup(void **state)
{
    struct fixture *f = wv_calloc(1, sizeof *f);
    f->dir = wv_test_tmpdir("db");
    if (!f->dir)
        return -1;
    f->path = wv_asprintf("%s/state.db", f->dir);
    *state = f;
    return 0;
}

/* Removes the temporary directory. */
static int teardown(void **state)
{
    struct fixture *f = *state;
    struct wv_error err = {0};
    int r = wv_fs_rmtree(f->dir, &err);
    free(f->dir);
    free(f->path);
    free(f);
    return r;
}

/* Opens the store, failing the test with the error message if it cannot. */
static struct stor_db *open_ok(const struct fixture *f)
{
    struct wv_error err = {0};
    struct stor_db *db = stor_db_open(f->path, &err);
    if (!db)
        fail_msg("stor_db_open: %s", err.msg);
    return db;
}

/* Runs SQL on a separate raw SQLite connection (an independent reader/writer). */
static void raw_exec(const char *path, const char *sql)
{
    sqlite3 *h = NULL;
    assert_int_equal(sqlite3_open(path, &h), SQLITE_OK);
    char *emsg = NULL;
    if (sqlite3_exec(h, sql, NULL, NULL, &emsg) != SQLITE_OK)
        fail_msg("%s: %s", sql, emsg);
    sqlite3_close(h);
}

/* The first column of the first row of a query on a raw connection, as text ("" if none). */
static char *raw_query(const char *path, const char *sql)
{
    sqlite3 *h = NULL;
    sqlite3_stmt *st = NULL;
    assert_int_equal(sqlite3_open(path, &h), SQLITE_OK);
    if (sqlite3_prepare_v2(h, sql, -1, &st, NULL) != SQLITE_OK)
        fail_msg("%s: %s", sql, sqlite3_errmsg(h));
    char *out = wv_strdup("");
    if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0)) {
        free(out);
        out = wv_strdup((const char *)sqlite3_column_text(st, 0));
    }
    sqlite3_finalize(st);
    sqlite3_close(h);
    return out;
}

/* Asserts that a raw query returns the expected text. */
static void assert_query(const char *path, const char *sql, const char *want)
{
    char *got = raw_query(path, sql);
    if (strcmp(got, want) != 0)
        fail_msg("%s: got '%s', want '%s'", sql, got, want);
    free(got);
}

/* Parses one Airbyte message line. */
static void msg_ok(struct wv_msg *m, const char *line)
{
    struct wv_error err = {0};
    if (wv_msg_parse(line, strlen(line), "test", 1, m, &err))
        fail_msg("wv_msg_parse: %s", err.msg);
}

/* Commits one STATE message given as a wire line. */
static int commit_line(struct stor_db *db, const char *conn, const char *line, int64_t job_id,
                       struct wv_error *err)
{
    struct wv_msg m;
    msg_ok(&m, line);
    int r = stor_state_commit(db, conn, &m, job_id, 1000, err);
    wv_msg_done(&m);
    return r;
}

/* Asserts that the connection's stored state equals the JSON text want ("null" = none). */
static void assert_state(struct stor_db *db, const char *conn, const char *want)
{
    struct wv_error err = {0};
    struct wv_json *got = NULL;
    if (stor_state_get(db, conn, &got, &err))
        fail_msg("stor_state_get: %s", err.msg);
    if (strcmp(want, "null") == 0) {
        assert_null(got);
        return;
    }
    struct wv_json *exp = wv_json_parse(want, strlen(want), "want", &err);
    assert_non_null(exp);
    if (!got || !wv_json_equal(got, exp)) {
        char *g = got ? wv_json_to_string(got) : wv_strdup("NULL");
        fail_msg("state of %s:\n got  %s\n want %s", conn, g, want);
    }
    wv_json_free(got);
    wv_json_free(exp);
}

/* ---- open, mode, WAL, migrations ---- */

static void test_open_mode_0600_and_wal(void **state)
{
    struct fixture *f = *state;
    mode_t old = umask(0); /* the mode must not depend on the umask */
    struct stor_db *db = open_ok(f);
    umask(old);
    struct stat st;
    assert_int_equal(stat(f->path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);

    /* A write creates the WAL, which must be as private as the database. */
    struct wv_error err = {0};
    int64_t job, att;
    assert_int_equal(stor_job_start(db, "c", "sync", 1, 1, &job, &att, &err), 0);
    char *wal = wv_asprintf("%s-wal", f->path);
    assert_int_equal(stat(wal, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    free(wal);
    assert_query(f->path, "PRAGMA journal_mode", "wal");
    stor_db_close(db);
}

static void test_existing_file_keeps_mode(void **state)
{
    struct fixture *f = *state;
    stor_db_close(open_ok(f));
    assert_int_equal(chmod(f->path, 0640), 0);
    stor_db_close(open_ok(f));
    struct stat st;
    assert_int_equal(stat(f->path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0640);
}

static void test_migrations_idempotent(void **state)
{
    struct fixture *f = *state;
    assert_true(stor_db_latest_version() >= 1);
    struct stor_db *db = open_ok(f);
    assert_int_equal(stor_db_version(db), stor_db_latest_version());
    struct wv_error err = {0};
    int64_t job, att;
    assert_int_equal(stor_job_start(db, "c", "sync", 1, 1, &job, &att, &err), 0);
    stor_db_close(db);

    db = open_ok(f); /* second open: nothing to apply, data kept */
    assert_int_equal(stor_db_version(db), stor_db_latest_version());
    stor_db_close(db);
    char *v = wv_asprintf("%d", stor_db_latest_version());
    assert_query(f->path, "PRAGMA user_version", v);
    free(v);
    assert_query(f->path, "SELECT count(*) FROM jobs", "1");
    assert_query(f->path,
                 "SELECT group_concat(name, ',') FROM (SELECT name FROM sqlite_master"
                 " WHERE type = 'table' ORDER BY name)",
                 "attempt_logs,attempts,connection_state,flow_runs,job_stats,jobs,publishes,"
                 "quality_results,task_attempts,task_runs,upload_parts,uploads");
}

static void test_newer_version_refused(void **state)
{
    struct fixture *f = *state;
    int newer = stor_db_latest_version() + 7;
    char *sql = wv_asprintf("PRAGMA user_version = %d", newer);
    raw_exec(f->path, sql);
    free(sql);
    struct wv_error err = {0};
    assert_null(stor_db_open(f->path, &err));
    assert_int_equal(err.code, WV_E_DB);
    char *want = wv_asprintf("state.db schema version %d is newer than this weaver (%d)", newer,
                             stor_db_latest_version());
    assert_string_equal(err.msg, want);
    free(want);
}

static void test_failed_migration_rolls_back(void **state)
{
    struct fixture *f = *state;
    raw_exec(f->path, "CREATE TABLE jobs (x)"); /* makes migration 1 fail half-way */
    struct wv_error err = {0};
    assert_null(stor_db_open(f->path, &err));
    assert_int_equal(err.code, WV_E_DB);
    assert_non_null(strstr(err.msg, "state.db: migrate to version 1"));
    assert_non_null(strstr(err.msg, "already exists"));
    assert_int_not_equal(err.detail, 0);
    assert_query(f->path, "PRAGMA user_version", "0");
    assert_query(f->path, "SELECT count(*) FROM sqlite_master WHERE name = 'attempts'", "0");
}

static void test_not_a_database(void **state)
{
    struct fixture *f = *state;
    struct wv_error err = {0};
    const char junk[] = "this is not an SQLite database, not even close, really not at all";
    assert_int_equal(wv_fs_write_atomic(f->path, junk, sizeof junk, 0600, &err), 0);
    assert_null(stor_db_open(f->path, &err));
    assert_int_equal(err.code, WV_E_DB);
    assert_true(wv_str_starts(err.msg, "state.db: "));
    assert_int_equal(err.detail & 0xff, SQLITE_NOTADB);

    char *missing = wv_asprintf("%s/no/such/dir/state.db", f->dir);
    wv_error_clear(&err);
    assert_null(stor_db_open(missing, &err));
    assert_int_equal(err.code, WV_E_NOTFOUND);
    free(missing);
}

/* ---- jobs ---- */

static void test_job_lifecycle(void **state)
{
    struct fixture *f = *state;
    struct stor_db *db = open_ok(f);
    struct wv_error err = {0};
    int64_t job = 0, att = 0;
    assert_int_equal(stor_job_start(db, "gh", "sync", 1000, 4242, &job, &att, &err), 0);
    assert_true(job > 0 && att > 0);

    struct stor_job *jobs = NULL;
    size_t n = 0;
    assert_int_equal(stor_job_list(db, NULL, 0, &jobs, &n, &err), 0);
    assert_int_equal(n, 1);
    assert_int_equal(jobs[0].id, job);
    assert_string_equal(jobs[0].connection, "gh");
    assert_string_equal(jobs[0].kind, "sync");
    assert_int_equal(jobs[0].status, STOR_JOB_RUNNING);
    assert_int_equal(jobs[0].started_ms, 1000);
    assert_int_equal(jobs[0].ended_ms, 0);
    assert_int_equal(jobs[0].pid, 4242);
    assert_int_equal(jobs[0].attempts, 1);
    assert_null(jobs[0].error);
    stor_jobs_free(jobs, n);

    assert_int_equal(stor_job_progress(db, job, att, 10, 200, &err), 0);
    assert_query(f->path, "SELECT records || '/' || bytes FROM attempts", "10/200");
    assert_int_equal(stor_job_finish(db, job, att, STOR_JOB_FAILED, 5000, 12, 300, "HTTP 503",
                                     &err), 0);
    assert_int_equal(stor_job_list(db, "gh", 10, &jobs, &n, &err), 0);
    assert_int_equal(n, 1);
    assert_int_equal(jobs[0].status, STOR_JOB_FAILED);
    assert_int_equal(jobs[0].ended_ms, 5000);
    assert_int_equal(jobs[0].records, 12);
    assert_int_equal(jobs[0].bytes, 300);
    assert_string_equal(jobs[0].error, "HTTP 503");
    stor_jobs_free(jobs, n);
    assert_query(f->path, "SELECT status || ' ' || ended_ms || ' ' || error FROM attempts",
                 "failed 5000 HTTP 503");

    /* Misuse and unknown ids are errors and change nothing. */
    assert_int_equal(stor_job_finish(db, job, att, STOR_JOB_RUNNING, 1, 0, 0, NULL, &err), -1);
    assert_int_equal(err.code, WV_E_USAGE);
    wv_error_clear(&err);
    assert_int_equal(stor_job_finish(db, job + 99, att, STOR_JOB_SUCCEEDED, 1, 0, 0, NULL, &err),
                     -1);
    assert_int_equal(err.code, WV_E_NOTFOUND);
    wv_error_clear(&err);
    assert_int_equal(stor_job_progress(db, job, att + 99, 1, 1, &err), -1);
    assert_int_equal(err.code, WV_E_NOTFOUND);
    assert_query(f->path, "SELECT records FROM jobs", "12");
    assert_string_equal(stor_job_status_name(STOR_JOB_CANCELLED), "cancelled");
    stor_db_close(db);
}

static void test_job_list_order_filter_limit(void **state)
{
    struct fixture *f = *state;
    struct stor_db *db = open_ok(f);
    struct wv_error err = {0};
    int64_t ids[60], att;
    for (int i = 0; i < 60; i++)
        assert_int_equal(stor_job_start(db, i % 3 == 0 ? "a" : "b", "sync", i, 1, &ids[i], &att,
                                        &err), 0);
    struct stor_job *jobs = NULL;
    size_t n = 0;
    assert_int_equal(stor_job_list(db, NULL, 0, &jobs, &n, &err), 0);
    assert_int_equal(n, 50); /* default limit */
    for (size_t i = 0; i < n; i++)
        assert_int_equal(jobs[i].id, ids[59 - i]); /* newest first */
    stor_jobs_free(jobs, n);

    assert_int_equal(stor_job_list(db, "a", 3, &jobs, &n, &err), 0);
    assert_int_equal(n, 3);
    assert_int_equal(jobs[0].id, ids[57]);
    assert_int_equal(jobs[1].id, ids[54]);
    assert_int_equal(jobs[2].id, ids[51]);
    for (size_t i = 0; i < n; i++)
        assert_string_equal(jobs[i].connection, "a");
    stor_jobs_free(jobs, n);

    assert_int_equal(stor_job_list(db, "a", 1000, &jobs, &n, &err), 0);
    assert_int_equal(n, 20);
    stor_jobs_free(jobs, n);
    assert_int_equal(stor_job_list(db, "nobody", 5, &jobs, &n, &err), 0);
    assert_int_equal(n, 0);
    stor_jobs_free(jobs, n);
    stor_db_close(db);
}

static int alive_calls;

/* Fake liveness: only process 100 runs. */
static bool fake_alive(int pid)
{
    alive_calls++;
    return pid == 100;
}

static void test_job_reap(void **state)
{
    struct fixture *f = *state;
    struct stor_db *db = open_ok(f);
    struct wv_error err = {0};
    int64_t live, dead, done, a_live, a_dead, a_done;
    assert_int_equal(stor_job_start(db, "c", "sync", 1, 100, &live, &a_live, &err), 0);
    assert_int_equal(stor_job_start(db, "c", "sync", 2, 200, &dead, &a_dead, &err), 0);
    assert_int_equal(stor_job_start(db, "c", "sync", 3, 300, &done, &a_done, &err), 0);
    assert_int_equal(stor_job_finish(db, done, a_done, STOR_JOB_SUCCEEDED, 4, 1, 1, NULL, &err),
                     0);
    int n = -1;
    alive_calls = 0;
    assert_int_equal(stor_job_reap(db, fake_alive, 9000, &n, &err), 0);
    assert_int_equal(n, 1);
    assert_int_equal(alive_calls, 2); /* finished jobs are not asked about */

    struct stor_job *jobs = NULL;
    size_t cnt = 0;
    assert_int_equal(stor_job_list(db, NULL, 0, &jobs, &cnt, &err), 0);
    assert_int_equal(cnt, 3);
    assert_int_equal(jobs[0].status, STOR_JOB_SUCCEEDED);
    assert_null(jobs[0].error);
    assert_int_equal(jobs[1].id, dead);
    assert_int_equal(jobs[1].status, STOR_JOB_FAILED);
    assert_int_equal(jobs[1].ended_ms, 9000);
    assert_string_equal(jobs[1].error, "abandoned: process 200 is gone");
    assert_int_equal(jobs[2].status, STOR_JOB_RUNNING);
    stor_jobs_free(jobs, cnt);
    assert_query(f->path,
                 "SELECT group_concat(status || ':' || coalesce(error, '-'), ',')"
                 " FROM (SELECT * FROM attempts ORDER BY id)",
                 "running:-,failed:abandoned: process 200 is gone,succeeded:-");

    assert_int_equal(stor_job_reap(db, fake_alive, 9500, &n, &err), 0);
    assert_int_equal(n, 0);
    stor_db_close(db);
}

/* ---- connection state ---- */

#define USERS_1                                                                                    \
    "{\"type\":\"STREAM\",\"stream\":{\"stream_descriptor\":{\"name\":\"users\"},"                 \
    "\"stream_state\":{\"updated_at\":\"2024-01-01\"}}}"
#define USERS_2                                                                                    \
    "{\"type\":\"STREAM\",\"stream\":{\"stream_descriptor\":{\"name\":\"users\"},"                 \
    "\"stream_state\":{\"updated_at\":\"2024-02-02\"}}}"
#define ORDERS                                                                                     \
    "{\"type\":\"STREAM\",\"stream\":{\"stream_descriptor\":{\"name\":\"orders\","                 \
    "\"namespace\":\"shop\"},\"stream_state\":{\"id\":17}}}"
#define GLOBAL                                                                                     \
    "{\"type\":\"GLOBAL\",\"global\":{\"shared_state\":{\"lsn\":123456789012345678},"              \
    "\"stream_states\":[{\"stream_descriptor\":{\"name\":\"users\"},\"stream_state\":{}},"         \
    "{\"stream_descriptor\":{\"name\":\"orders\",\"namespace\":\"shop\"},"                         \
    "\"stream_state\":{\"done\":true}}]}}"
#define GLOBAL_NO_USERS                                                                            \
    "{\"type\":\"GLOBAL\",\"global\":{\"shared_state\":{\"lsn\":123456789012345678},"              \
    "\"stream_states\":[{\"stream_descriptor\":{\"name\":\"orders\",\"namespace\":\"shop\"},"      \
    "\"stream_state\":{\"done\":true}}]}}"
#define LEGACY "{\"data\":{\"users\":{\"cursor\":5}}}"
#define WIRE(s) "{\"type\":\"STATE\",\"state\":" s "}"

static void test_state_stream(void **state)
{
    struct fixture *f = *state;
    struct stor_db *db = open_ok(f);
    struct wv_error err = {0};
    int64_t job, att;
    assert_int_equal(stor_job_start(db, "c", "sync", 1, 1, &job, &att, &err), 0);
    assert_state(db, "c", "null");
    assert_int_equal(commit_line(db, "c", WIRE(ORDERS), job, &err), 0);
    assert_int_equal(commit_line(db, "c", WIRE(USERS_1), job, &err), 0);
    assert_state(db, "c", "[" USERS_1 "," ORDERS "]"); /* by namespace, then stream */
    assert_int_equal(commit_line(db, "c", WIRE(USERS_2), 0, &err), 0);
    assert_state(db, "c", "[" USERS_2 "," ORDERS "]");
    assert_state(db, "other", "null");
    assert_query(f->path,
                 "SELECT coalesce(job_id, 'none') FROM connection_state WHERE stream = 'users'",
                 "none");
    stor_db_close(db);
}

static void test_state_global_and_legacy(void **state)
{
    struct fixture *f = *state;
    struct stor_db *db = open_ok(f);
    struct wv_error err = {0};
    assert_int_equal(commit_line(db, "c", WIRE(LEGACY), 0, &err), 0);
    assert_state(db, "c", "[" LEGACY "]");
    assert_int_equal(commit_line(db, "c", WIRE(USERS_1), 0, &err), 0);
    assert_state(db, "c", "[" USERS_1 "]"); /* per-stream state supersedes the legacy blob */
    assert_int_equal(commit_line(db, "c", WIRE(GLOBAL), 0, &err), 0);
    assert_state(db, "c", "[" GLOBAL "]"); /* a global message carries every stream */
    assert_query(f->path, "SELECT count(*) FROM connection_state", "1");

    /* Resetting one stream edits it out of the global state. */
    assert_int_equal(stor_state_reset(db, "c", NULL, "users", &err), 0);
    assert_state(db, "c", "[" GLOBAL_NO_USERS "]");
    assert_int_equal(stor_state_reset(db, "c", NULL, "orders", &err), 0); /* wrong namespace */
    assert_state(db, "c", "[" GLOBAL_NO_USERS "]");
    assert_int_equal(commit_line(db, "c", WIRE(LEGACY), 0, &err), 0);
    assert_state(db, "c", "[" LEGACY "]");
    stor_db_close(db);
}

static void test_state_reset(void **state)
{
    struct fixture *f = *state;
    struct stor_db *db = open_ok(f);
    struct wv_error err = {0};
    assert_int_equal(commit_line(db, "c", WIRE(USERS_1), 0, &err), 0);
    assert_int_equal(commit_line(db, "c", WIRE(ORDERS), 0, &err), 0);
    assert_int_equal(commit_line(db, "d", WIRE(ORDERS), 0, &err), 0);
    assert_int_equal(stor_state_reset(db, "c", NULL, "orders", &err), 0); /* not in ns "" */
    assert_state(db, "c", "[" USERS_1 "," ORDERS "]");
    assert_int_equal(stor_state_reset(db, "c", "shop", "orders", &err), 0);
    assert_state(db, "c", "[" USERS_1 "]");
    assert_state(db, "d", "[" ORDERS "]");
    assert_int_equal(commit_line(db, "c", WIRE(ORDERS), 0, &err), 0);
    assert_int_equal(stor_state_reset(db, "c", NULL, NULL, &err), 0);
    assert_state(db, "c", "null");
    assert_state(db, "d", "[" ORDERS "]");
    stor_db_close(db);
}

static void test_state_survives_reopen_and_round_trips(void **state)
{
    struct fixture *f = *state;
    const char *body = "{\"type\":\"STREAM\",\"stream\":{\"stream_descriptor\":{\"name\":\"ü\","
                       "\"namespace\":\"n\"},\"stream_state\":{\"big\":12345678901234567890,"
                       "\"dec\":0.1000,\"s\":\"a\\\"b\\n\\u0001\",\"nested\":[1,[2,{}],null,"
                       "true,false,-0.5e-3],\"empty\":\"\"}},\"sourceStats\":{\"recordCount\":7},"
                       "\"destinationStats\":{\"recordCount\":7}}";
    char *line = wv_asprintf("{\"type\":\"STATE\",\"state\":%s}", body);
    struct stor_db *db = open_ok(f);
    struct wv_error err = {0};
    assert_int_equal(commit_line(db, "c", line, 0, &err), 0);
    free(line);
    stor_db_close(db);

    db = open_ok(f);
    struct wv_json *got = NULL;
    assert_int_equal(stor_state_get(db, "c", &got, &err), 0);
    assert_non_null(got);
    assert_int_equal(got->len, 1);
    /* Exactly the message, numbers as written, minus the per-checkpoint counts. */
    struct wv_json *want = wv_json_parse(body, strlen(body), "want", &err);
    assert_non_null(want);
    assert_true(wv_json_remove(want, "sourceStats"));
    assert_true(wv_json_remove(want, "destinationStats"));
    char *g = wv_json_to_string(got->items[0]), *w = wv_json_to_string(want);
    assert_string_equal(g, w);
    assert_true(wv_json_equal(got->items[0], want));
    free(g);
    free(w);
    wv_json_free(got);
    wv_json_free(want);
    stor_db_close(db);
}

static void test_failed_commit_keeps_state(void **state)
{
    struct fixture *f = *state;
    struct stor_db *db = open_ok(f);
    struct wv_error err = {0};
    assert_int_equal(commit_line(db, "c", WIRE(GLOBAL), 0, &err), 0);

    /* The insert fails after the delete of the global row ran: both must be undone. */
    raw_exec(f->path, "CREATE TRIGGER boom BEFORE INSERT ON connection_state"
                      " WHEN NEW.stream = 'users' BEGIN SELECT RAISE(ABORT, 'injected'); END");
    assert_int_equal(commit_line(db, "c", WIRE(USERS_1), 0, &err), -1);
    assert_int_equal(err.code, WV_E_DB);
    assert_non_null(strstr(err.msg, "state.db: commit stream state of c stream users: injected"));
    assert_state(db, "c", "[" GLOBAL "]");
    raw_exec(f->path, "DROP TRIGGER boom");

    /* A job id that does not exist violates the foreign key. */
    wv_error_clear(&err);
    assert_int_equal(commit_line(db, "c", WIRE(USERS_1), 999, &err), -1);
    assert_int_equal(err.code, WV_E_DB);
    assert_non_null(strstr(err.msg, "FOREIGN KEY"));
    assert_state(db, "c", "[" GLOBAL "]");

    /* Another process holds the write lock: the commit gives up as busy (retryable). */
    sqlite3 *h = NULL;
    assert_int_equal(sqlite3_open(f->path, &h), SQLITE_OK);
    assert_int_equal(sqlite3_exec(h, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);
    stor_db_set_busy_timeout(db, 20);
    wv_error_clear(&err);
    assert_int_equal(commit_line(db, "c", WIRE(USERS_1), 0, &err), -1);
    assert_int_equal(err.code, WV_E_BUSY);
    assert_true(wv_code_retryable(err.code));
    assert_int_equal(sqlite3_exec(h, "ROLLBACK", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(h);
    assert_state(db, "c", "[" GLOBAL "]");

    /* And with the lock gone the same commit goes through. */
    stor_db_set_busy_timeout(db, STOR_DB_BUSY_TIMEOUT_MS);
    wv_error_clear(&err);
    assert_int_equal(commit_line(db, "c", WIRE(USERS_1), 0, &err), 0);
    assert_state(db, "c", "[" USERS_1 "]");
    stor_db_close(db);
}

static void test_state_commit_rejects_non_state(void **state)
{
    struct fixture *f = *state;
    struct stor_db *db = open_ok(f);
    struct wv_error err = {0};
    struct wv_msg m;
    msg_ok(&m, "{\"type\":\"LOG\",\"log\":{\"level\":\"INFO\",\"message\":\"hi\"}}");
    assert_int_equal(stor_state_commit(db, "c", &m, 0, 1, &err), -1);
    assert_int_equal(err.code, WV_E_USAGE);
    wv_msg_done(&m);
    assert_state(db, "c", "null");
    stor_db_close(db);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_open_mode_0600_and_wal, setup, teardown),
        cmocka_unit_test_setup_teardown(test_existing_file_keeps_mode, setup, teardown),
        cmocka_unit_test_setup_teardown(test_migrations_idempotent, setup, teardown),
        cmocka_unit_test_setup_teardown(test_newer_version_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_failed_migration_rolls_back, setup, teardown),
        cmocka_unit_test_setup_teardown(test_not_a_database, setup, teardown),
        cmocka_unit_test_setup_teardown(test_job_lifecycle, setup, teardown),
        cmocka_unit_test_setup_teardown(test_job_list_order_filter_limit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_job_reap, setup, teardown),
        cmocka_unit_test_setup_teardown(test_state_stream, setup, teardown),
        cmocka_unit_test_setup_teardown(test_state_global_and_legacy, setup, teardown),
        cmocka_unit_test_setup_teardown(test_state_reset, setup, teardown),
        cmocka_unit_test_setup_teardown(test_state_survives_reopen_and_round_trips, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_failed_commit_keeps_state, setup, teardown),
        cmocka_unit_test_setup_teardown(test_state_commit_rejects_non_state, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
