/* test_db_flow.c - unit tests of flow runs in the state store (src/storage/db_flow.c) on real
 * database files in a temporary directory: runs, task instances, attempts and their capped
 * logs, reaping, quality results, job statistics and the publish-aware job history. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "unit/testutil.h"

#include "base/fs.h"
#include "base/mem.h"
#include "storage/storage.h"

struct fixture {
    char *dir;
    struct stor_db *db;
};

static int setup(void **state)
{
    struct fixture *f = wv_calloc(1, sizeof *f);
    f->dir = wv_test_tmpdir("dbflow");
    if (!f->dir)
        return -1;
    char *path = wv_asprintf("%s/state.db", f->dir);
    struct wv_error e = {0};
    f->db = stor_db_open(path, &e);
    free(path);
    if (!f->db) {
        fprintf(stderr, "stor_db_open: %s\n", e.msg);
        return -1;
    }
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    struct wv_error e = {0};
    stor_db_close(f->db);
    int r = wv_fs_rmtree(f->dir, &e);
    free(f->dir);
    free(f);
    return r;
}

#define OK(call)                                                                                   \
    do {                                                                                           \
        struct wv_error e_ = {0};                                                                  \
        struct wv_error *err = &e_;                                                                \
        if ((call) < 0)                                                                            \
            fail_msg("%s: %s", #call, e_.msg);                                                     \
    } while (0)

static const char *const tasks3[] = {"extract", "check", "publish"};

/* Starts a run of flow with the three tasks. */
static int64_t start_run(struct stor_db *db, const char *flow, int64_t now, int pid)
{
    int64_t id = 0;
    OK(stor_flow_run_start(db, flow, "manual", now - 5, now, pid, tasks3, 3, &id, err));
    assert_true(id > 0);
    return id;
}

static void test_state_names(void **state)
{
    (void)state;
    assert_string_equal(stor_run_state_name(STOR_RUN_CANCELLED), "cancelled");
    assert_string_equal(stor_run_state_name(STOR_RUN_QUEUED), "queued");
    assert_string_equal(stor_task_state_name(STOR_TASK_UP_FOR_RETRY), "up_for_retry");
    assert_string_equal(stor_task_state_name(STOR_TASK_UPSTREAM_FAILED), "upstream_failed");
    enum stor_task_state s = STOR_TASK_NONE;
    assert_int_equal(stor_task_state_parse("skipped", &s), 0);
    assert_int_equal(s, STOR_TASK_SKIPPED);
    assert_int_equal(stor_task_state_parse("none", &s), 0);
    assert_int_equal(s, STOR_TASK_NONE);
    assert_int_equal(stor_task_state_parse("succeeded", &s), -1);
    assert_int_equal(stor_task_state_parse(NULL, &s), -1);
}

static void test_run_lifecycle(void **state)
{
    struct fixture *f = *state;
    int64_t id = start_run(f->db, "daily", 1000, 42);
    struct stor_flow_run r;
    OK(stor_flow_run_get(f->db, id, &r, err));
    assert_int_equal(r.id, id);
    assert_string_equal(r.flow, "daily");
    assert_string_equal(r.trigger, "manual");
    assert_int_equal(r.state, STOR_RUN_RUNNING);
    assert_int_equal(r.logical_ms, 995);
    assert_int_equal(r.started_ms, 1000);
    assert_int_equal(r.ended_ms, 0);
    assert_int_equal(r.pid, 42);
    assert_false(r.cancel_requested);
    assert_null(r.error);
    stor_flow_run_done(&r);

    OK(stor_flow_run_cancel(f->db, id, err));
    OK(stor_flow_run_finish(f->db, id, STOR_RUN_FAILED, 2000, "task check failed", err));
    OK(stor_flow_run_get(f->db, id, &r, err));
    assert_int_equal(r.state, STOR_RUN_FAILED);
    assert_int_equal(r.ended_ms, 2000);
    assert_true(r.cancel_requested);
    assert_string_equal(r.error, "task check failed");
    stor_flow_run_done(&r);

    OK(stor_flow_run_reopen(f->db, id, 77, err));
    OK(stor_flow_run_get(f->db, id, &r, err));
    assert_int_equal(r.state, STOR_RUN_RUNNING);
    assert_int_equal(r.ended_ms, 0);
    assert_int_equal(r.pid, 77);
    assert_false(r.cancel_requested);
    assert_null(r.error);
    assert_int_equal(r.started_ms, 1000);
    stor_flow_run_done(&r);

    OK(stor_flow_run_finish(f->db, id, STOR_RUN_SUCCESS, 3000, NULL, err));
    OK(stor_flow_run_get(f->db, id, &r, err));
    assert_int_equal(r.state, STOR_RUN_SUCCESS);
    assert_null(r.error);
    stor_flow_run_done(&r);
    stor_flow_run_done(NULL);

    /* A running state is not an end state. */
    struct wv_error e = {0};
    assert_int_equal(stor_flow_run_finish(f->db, id, STOR_RUN_RUNNING, 1, NULL, &e), -1);
    assert_int_equal(e.code, WV_E_USAGE);
    wv_error_clear(&e);
    assert_int_equal(stor_flow_run_start(f->db, "", "manual", 1, 1, 1, NULL, 0, NULL, &e), -1);
    assert_int_equal(e.code, WV_E_USAGE);
}

static void test_not_found(void **state)
{
    struct fixture *f = *state;
    struct wv_error e = {0};
    struct stor_flow_run r;
    assert_int_equal(stor_flow_run_get(f->db, 99, &r, &e), -1);
    assert_int_equal(e.code, WV_E_NOTFOUND);
    assert_string_equal(e.msg, "state.db: no flow run 99");
    assert_null(r.flow);
#define EXPECT_NOTFOUND(call, text)                                                                \
    do {                                                                                           \
        wv_error_clear(&e);                                                                      \
        assert_int_equal((call), -1);                                                              \
        assert_int_equal(e.code, WV_E_NOTFOUND);                                                 \
        assert_string_equal(e.msg, text);                                                        \
    } while (0)
    EXPECT_NOTFOUND(stor_flow_run_finish(f->db, 99, STOR_RUN_SUCCESS, 1, NULL, &e),
                    "state.db: finish flow run: no flow run 99");
    EXPECT_NOTFOUND(stor_flow_run_reopen(f->db, 99, 1, &e),
                    "state.db: reopen flow run: no flow run 99");
    EXPECT_NOTFOUND(stor_flow_run_cancel(f->db, 99, &e),
                    "state.db: cancel flow run: no flow run 99");
    int64_t id = start_run(f->db, "daily", 1000, 42);
    struct stor_task_run t = {.run_id = id, .task = "nope", .state = STOR_TASK_RUNNING};
    char *want = wv_asprintf("state.db: update task instance: no task 'nope' in flow run %lld",
                             (long long)id);
    EXPECT_NOTFOUND(stor_task_run_update(f->db, &t, &e), want);
    free(want);
    want = wv_asprintf("state.db: start attempt: no task 'nope' in flow run %lld", (long long)id);
    EXPECT_NOTFOUND(stor_attempt_start(f->db, id, "nope", 1, 1, NULL, &e), want);
    free(want);
    EXPECT_NOTFOUND(stor_attempt_start(f->db, 99, "extract", 1, 1, NULL, &e),
                    "state.db: start attempt: no task 'extract' in flow run 99");
    EXPECT_NOTFOUND(stor_attempt_finish(f->db, 5, STOR_TASK_SUCCESS, 1, 0, 0, NULL, &e),
                    "state.db: finish attempt: no attempt 5");
    EXPECT_NOTFOUND(stor_attempt_log(f->db, 5, "x\n", &e),
                    "state.db: append attempt log: no attempt 5");
    char *text = NULL;
    int64_t next = -1;
    EXPECT_NOTFOUND(stor_attempt_log_read(f->db, 5, 0, &text, &next, &e),
                    "state.db: read attempt log: no attempt 5");
    assert_null(text);
    /* Empty lists are not errors. */
    struct stor_task_run *tr = NULL;
    size_t n = 9;
    OK(stor_task_run_list(f->db, 99, &tr, &n, err));
    assert_int_equal(n, 0);
    assert_null(tr);
    struct stor_attempt *at = NULL;
    OK(stor_attempt_list(f->db, 99, NULL, &at, &n, err));
    assert_int_equal(n, 0);
    struct stor_quality_result *q = NULL;
    OK(stor_quality_list(f->db, 99, NULL, &q, &n, err));
    assert_int_equal(n, 0);
}

static void test_run_list_order(void **state)
{
    struct fixture *f = *state;
    int64_t a1 = start_run(f->db, "a", 100, 1);
    int64_t b1 = start_run(f->db, "b", 200, 1);
    int64_t a2 = start_run(f->db, "a", 300, 1);
    int64_t a3 = start_run(f->db, "a", 400, 1);
    struct stor_flow_run *runs = NULL;
    size_t n = 0;
    OK(stor_flow_run_list(f->db, NULL, 0, &runs, &n, err));
    assert_int_equal(n, 4);
    assert_int_equal(runs[0].id, a3);
    assert_int_equal(runs[1].id, a2);
    assert_int_equal(runs[2].id, b1);
    assert_int_equal(runs[3].id, a1);
    assert_string_equal(runs[2].flow, "b");
    stor_flow_runs_free(runs, n);
    OK(stor_flow_run_list(f->db, "a", 2, &runs, &n, err));
    assert_int_equal(n, 2);
    assert_int_equal(runs[0].id, a3);
    assert_int_equal(runs[1].id, a2);
    stor_flow_runs_free(runs, n);
    OK(stor_flow_run_list(f->db, "zzz", 0, &runs, &n, err));
    assert_int_equal(n, 0);
    stor_flow_runs_free(runs, n);
    stor_flow_runs_free(NULL, 0);
}

static void test_task_instances(void **state)
{
    struct fixture *f = *state;
    int64_t id = start_run(f->db, "daily", 1000, 42);
    struct stor_task_run *t = NULL;
    size_t n = 0;
    OK(stor_task_run_list(f->db, id, &t, &n, err));
    assert_int_equal(n, 3);
    for (size_t i = 0; i < n; i++) {
        assert_string_equal(t[i].task, tasks3[i]); /* creation order, not name order */
        assert_int_equal(t[i].state, STOR_TASK_NONE);
        assert_int_equal(t[i].try_number, 0);
        assert_int_equal(t[i].job_id, 0);
        assert_null(t[i].error);
    }
    stor_task_runs_free(t, n);

    int64_t job = 0;
    OK(stor_job_start(f->db, "users", "sync", 1100, 42, &job, NULL, err));
    struct stor_task_run u = {.run_id = id, .task = "extract", .state = STOR_TASK_UP_FOR_RETRY,
                              .try_number = 2, .loop = 1, .started_ms = 1100, .ended_ms = 1200,
                              .job_id = job, .records = 10, .bytes = 300, .error = "HTTP 500"};
    OK(stor_task_run_update(f->db, &u, err));
    OK(stor_task_run_list(f->db, id, &t, &n, err));
    assert_int_equal(n, 3);
    assert_string_equal(t[0].task, "extract");
    assert_int_equal(t[0].run_id, id);
    assert_int_equal(t[0].state, STOR_TASK_UP_FOR_RETRY);
    assert_int_equal(t[0].try_number, 2);
    assert_int_equal(t[0].loop, 1);
    assert_int_equal(t[0].started_ms, 1100);
    assert_int_equal(t[0].ended_ms, 1200);
    assert_int_equal(t[0].job_id, job);
    assert_int_equal(t[0].records, 10);
    assert_int_equal(t[0].bytes, 300);
    assert_string_equal(t[0].error, "HTTP 500");
    assert_int_equal(t[1].state, STOR_TASK_NONE);
    stor_task_runs_free(t, n);

    /* Clearing the error and job. */
    u.state = STOR_TASK_SUCCESS;
    u.error = NULL;
    u.job_id = 0;
    OK(stor_task_run_update(f->db, &u, err));
    OK(stor_task_run_list(f->db, id, &t, &n, err));
    assert_int_equal(t[0].state, STOR_TASK_SUCCESS);
    assert_null(t[0].error);
    assert_int_equal(t[0].job_id, 0);
    stor_task_runs_free(t, n);

    /* Duplicate task names are refused and leave no run behind. */
    const char *dup[] = {"x", "x"};
    struct wv_error e = {0};
    assert_int_equal(stor_flow_run_start(f->db, "dup", "manual", 1, 1, 1, dup, 2, NULL, &e), -1);
    assert_int_equal(e.code, WV_E_DB);
    struct stor_flow_run *runs = NULL;
    OK(stor_flow_run_list(f->db, "dup", 0, &runs, &n, err));
    assert_int_equal(n, 0);
    stor_flow_runs_free(runs, n);
}

static void test_attempts(void **state)
{
    struct fixture *f = *state;
    int64_t id = start_run(f->db, "daily", 1000, 42);
    int64_t a1 = 0, a2 = 0, a3 = 0;
    OK(stor_attempt_start(f->db, id, "extract", 1, 1100, &a1, err));
    OK(stor_attempt_start(f->db, id, "check", 1, 1150, &a2, err));
    OK(stor_attempt_finish(f->db, a1, STOR_TASK_FAILED, 1200, 5, 50, "timeout", err));
    OK(stor_attempt_start(f->db, id, "extract", 2, 1300, &a3, err));
    OK(stor_attempt_finish(f->db, a3, STOR_TASK_SUCCESS, 1400, 10, 100, NULL, err));
    assert_true(a1 < a2 && a2 < a3);

    struct wv_error e = {0};
    assert_int_equal(stor_attempt_finish(f->db, a2, STOR_TASK_RUNNING, 1, 0, 0, NULL, &e), -1);
    assert_int_equal(e.code, WV_E_USAGE);
    wv_error_clear(&e);
    /* The same try number twice is refused. */
    assert_int_equal(stor_attempt_start(f->db, id, "extract", 2, 1, NULL, &e), -1);
    assert_int_equal(e.code, WV_E_DB);

    struct stor_attempt *a = NULL;
    size_t n = 0;
    OK(stor_attempt_list(f->db, id, NULL, &a, &n, err));
    assert_int_equal(n, 3);
    assert_int_equal(a[0].id, a1);
    assert_int_equal(a[1].id, a2);
    assert_int_equal(a[2].id, a3);
    assert_int_equal(a[0].run_id, id);
    assert_string_equal(a[0].task, "extract");
    assert_int_equal(a[0].number, 1);
    assert_int_equal(a[0].state, STOR_TASK_FAILED);
    assert_int_equal(a[0].started_ms, 1100);
    assert_int_equal(a[0].ended_ms, 1200);
    assert_int_equal(a[0].records, 5);
    assert_int_equal(a[0].bytes, 50);
    assert_string_equal(a[0].error, "timeout");
    assert_int_equal(a[1].state, STOR_TASK_RUNNING);
    assert_int_equal(a[1].ended_ms, 0);
    assert_int_equal(a[2].number, 2);
    assert_null(a[2].error);
    stor_attempts_free(a, n);

    OK(stor_attempt_list(f->db, id, "extract", &a, &n, err));
    assert_int_equal(n, 2);
    assert_int_equal(a[0].number, 1);
    assert_int_equal(a[1].number, 2);
    stor_attempts_free(a, n);
    stor_attempts_free(NULL, 0);
}

static bool always_alive(int pid)
{
    (void)pid;
    return true;
}

static void test_log_append_and_offsets(void **state)
{
    struct fixture *f = *state;
    int64_t id = start_run(f->db, "daily", 1000, 42), at = 0, other = 0;
    OK(stor_attempt_start(f->db, id, "extract", 1, 1100, &at, err));
    OK(stor_attempt_start(f->db, id, "check", 1, 1100, &other, err));
    char *text = NULL;
    int64_t next = -1;
    OK(stor_attempt_log_read(f->db, at, 0, &text, &next, err)); /* empty log */
    assert_string_equal(text, "");
    assert_int_equal(next, 0);
    free(text);

    OK(stor_attempt_log(f->db, at, "first line\n", err));
    OK(stor_attempt_log(f->db, other, "other\n", err));
    OK(stor_attempt_log(f->db, at, "second\nthird\n", err));
    OK(stor_attempt_log(f->db, at, "", err)); /* nothing */
    OK(stor_attempt_log(f->db, at, "h\xc3\xa9llo\n", err));   /* bytes, not characters */

    const char *all = "first line\nsecond\nthird\nh\xc3\xa9llo\n";
    OK(stor_attempt_log_read(f->db, at, 0, &text, &next, err));
    assert_string_equal(text, all);
    assert_int_equal(next, (int64_t)strlen(all));
    free(text);
    /* From every offset: the rest of the log, whatever chunk it falls in. */
    for (int64_t off = 0; off <= (int64_t)strlen(all); off++) {
        OK(stor_attempt_log_read(f->db, at, off, &text, &next, err));
        assert_string_equal(text, all + off);
        assert_int_equal(next, (int64_t)strlen(all));
        free(text);
    }
    /* Following: read, append, read from next. */
    int64_t end = next;
    OK(stor_attempt_log(f->db, at, "more\n", err));
    OK(stor_attempt_log_read(f->db, at, end, &text, &next, err));
    assert_string_equal(text, "more\n");
    assert_int_equal(next, end + 5);
    free(text);
    /* Past the end: nothing. */
    OK(stor_attempt_log_read(f->db, at, next + 100, &text, &next, err));
    assert_string_equal(text, "");
    free(text);
    OK(stor_attempt_log_read(f->db, other, 0, &text, &next, err));
    assert_string_equal(text, "other\n");
    free(text);
    struct wv_error e = {0};
    assert_int_equal(stor_attempt_log_read(f->db, at, -1, &text, &next, &e), -1);
    assert_int_equal(e.code, WV_E_USAGE);

    /* Inside a batch (one open transaction) appends and reads work and the batch commits. */
    OK(stor_db_batch_begin(f->db, err));
    OK(stor_attempt_log(f->db, other, "in batch\n", err));
    OK(stor_attempt_log_read(f->db, other, 6, &text, &next, err));
    assert_string_equal(text, "in batch\n");
    assert_int_equal(next, 15);
    free(text);
    OK(stor_flow_run_reap(f->db, always_alive, 1, NULL, err));
    OK(stor_db_batch_end(f->db, err));
    OK(stor_attempt_log_read(f->db, other, 0, &text, &next, err));
    assert_string_equal(text, "other\nin batch\n");
    free(text);
}

static void test_log_cap(void **state)
{
    struct fixture *f = *state;
    int64_t id = start_run(f->db, "daily", 1000, 42), at = 0;
    OK(stor_attempt_start(f->db, id, "extract", 1, 1100, &at, err));
    const int64_t cap = (int64_t)4 << 20;
    /* A block of 1023 'x' and a newline: 1 KiB lines, 256 KiB per append. */
    size_t block = 256 * 1024;
    char *chunk = wv_malloc(block + 1);
    for (size_t i = 0; i < block; i++)
        chunk[i] = (i % 1024 == 1023) ? '\n' : 'x';
    chunk[block] = '\0';
    for (int i = 0; i < 15; i++) /* 3.75 MiB */
        OK(stor_attempt_log(f->db, at, chunk, err));
    /* The next append does not fit whole: the lines that fit are kept, then the marker. */
    OK(stor_attempt_log(f->db, at, chunk, err));
    OK(stor_attempt_log(f->db, at, "after the cap\n", err)); /* dropped */
    char *text = NULL;
    int64_t next = 0;
    OK(stor_attempt_log_read(f->db, at, 0, &text, &next, err));
    size_t len = strlen(text);
    assert_int_equal((int64_t)len, next);
    assert_true((int64_t)len <= cap);
    assert_true((int64_t)len > cap - 1024 - 16); /* every whole line that fitted */
    assert_true(wv_str_ends(text, "x\n[log truncated]\n"));
    assert_null(strstr(text, "after the cap"));
    /* Every kept line is whole: the text before the marker is a multiple of 1 KiB. */
    assert_int_equal((len - strlen("[log truncated]\n")) % 1024, 0);
    /* The marker appears once. */
    assert_ptr_equal(strstr(text, "[log truncated]"), text + len - strlen("[log truncated]\n"));
    free(text);
    free(chunk);

    /* A single line larger than the cap: only the marker. */
    int64_t big = 0;
    OK(stor_attempt_start(f->db, id, "check", 1, 1100, &big, err));
    char *huge = wv_malloc((size_t)cap + 2);
    memset(huge, 'y', (size_t)cap);
    huge[cap] = '\n';
    huge[cap + 1] = '\0';
    OK(stor_attempt_log(f->db, big, huge, err));
    OK(stor_attempt_log(f->db, big, "x\n", err));
    OK(stor_attempt_log_read(f->db, big, 0, &text, &next, err));
    assert_string_equal(text, "[log truncated]\n");
    free(text);
    free(huge);
}

static int alive_pid; /* the one pid the fake is_alive reports alive */

static bool fake_alive(int pid) { return pid == alive_pid; }

static void test_reap(void **state)
{
    struct fixture *f = *state;
    alive_pid = 100;
    int64_t dead = start_run(f->db, "a", 1000, 200);
    int64_t live = start_run(f->db, "b", 1000, 100);
    int64_t done = start_run(f->db, "c", 1000, 300);
    OK(stor_flow_run_finish(f->db, done, STOR_RUN_SUCCESS, 1500, NULL, err));
    int64_t at1 = 0, at2 = 0, at3 = 0;
    OK(stor_attempt_start(f->db, dead, "extract", 1, 1100, &at1, err));
    OK(stor_attempt_finish(f->db, at1, STOR_TASK_SUCCESS, 1150, 1, 1, NULL, err));
    OK(stor_attempt_start(f->db, dead, "check", 1, 1200, &at2, err));
    OK(stor_attempt_start(f->db, live, "check", 1, 1200, &at3, err));
    struct stor_task_run t1 = {.run_id = dead, .task = "extract", .state = STOR_TASK_SUCCESS};
    struct stor_task_run t2 = {.run_id = dead, .task = "check", .state = STOR_TASK_RUNNING,
                               .try_number = 1, .started_ms = 1200};
    struct stor_task_run t3 = {.run_id = live, .task = "check", .state = STOR_TASK_RUNNING};
    OK(stor_task_run_update(f->db, &t1, err));
    OK(stor_task_run_update(f->db, &t2, err));
    OK(stor_task_run_update(f->db, &t3, err));

    int n = -1;
    OK(stor_flow_run_reap(f->db, fake_alive, 5000, &n, err));
    assert_int_equal(n, 1);

    struct stor_flow_run r;
    OK(stor_flow_run_get(f->db, dead, &r, err));
    assert_int_equal(r.state, STOR_RUN_FAILED);
    assert_int_equal(r.ended_ms, 5000);
    assert_string_equal(r.error, "abandoned: process 200 is gone");
    stor_flow_run_done(&r);
    OK(stor_flow_run_get(f->db, live, &r, err));
    assert_int_equal(r.state, STOR_RUN_RUNNING);
    stor_flow_run_done(&r);
    OK(stor_flow_run_get(f->db, done, &r, err));
    assert_int_equal(r.state, STOR_RUN_SUCCESS);
    assert_int_equal(r.ended_ms, 1500);
    stor_flow_run_done(&r);

    struct stor_task_run *t = NULL;
    size_t nt = 0;
    OK(stor_task_run_list(f->db, dead, &t, &nt, err));
    assert_int_equal(t[0].state, STOR_TASK_SUCCESS); /* finished tasks keep their state */
    assert_int_equal(t[1].state, STOR_TASK_FAILED);
    assert_int_equal(t[1].ended_ms, 5000);
    assert_string_equal(t[1].error, "abandoned: process 200 is gone");
    assert_int_equal(t[2].state, STOR_TASK_NONE);
    stor_task_runs_free(t, nt);
    OK(stor_task_run_list(f->db, live, &t, &nt, err));
    assert_int_equal(t[1].state, STOR_TASK_RUNNING);
    stor_task_runs_free(t, nt);

    struct stor_attempt *a = NULL;
    size_t na = 0;
    OK(stor_attempt_list(f->db, dead, NULL, &a, &na, err));
    assert_int_equal(na, 2);
    assert_int_equal(a[0].state, STOR_TASK_SUCCESS);
    assert_null(a[0].error);
    assert_int_equal(a[1].state, STOR_TASK_FAILED);
    assert_int_equal(a[1].ended_ms, 5000);
    assert_string_equal(a[1].error, "abandoned: process 200 is gone");
    stor_attempts_free(a, na);
    OK(stor_attempt_list(f->db, live, NULL, &a, &na, err));
    assert_int_equal(a[0].state, STOR_TASK_RUNNING);
    stor_attempts_free(a, na);

    /* Nothing left to reap; n may be NULL. */
    OK(stor_flow_run_reap(f->db, fake_alive, 6000, &n, err));
    assert_int_equal(n, 0);
    OK(stor_flow_run_reap(f->db, fake_alive, 6000, NULL, err));
}

static void test_quality_results(void **state)
{
    struct fixture *f = *state;
    int64_t id = start_run(f->db, "daily", 1000, 42);
    struct stor_quality_result q1 = {.run_id = id, .task = "check", .sync_task = "extract",
                                     .stream = "users", .check = "row_count",
                                     .error_severity = true, .verdict = "pass", .observed = 42.5,
                                     .threshold = "min 1", .text = "row_count users: 42.5"};
    struct stor_quality_result q2 = {.run_id = id, .task = "check", .check = "freshness",
                                     .verdict = "not_enough_history", .observed = NAN};
    struct stor_quality_result q3 = {.run_id = id, .task = "publish", .check = "a_first",
                                     .verdict = "warn", .observed = -0.25, .text = "meh"};
    OK(stor_quality_add(f->db, &q1, err));
    OK(stor_quality_add(f->db, &q2, err));
    OK(stor_quality_add(f->db, &q3, err));
    struct wv_error e = {0};
    struct stor_quality_result bad = {.run_id = id, .task = "check", .check = "x",
                                      .verdict = "maybe", .observed = 1};
    assert_int_equal(stor_quality_add(f->db, &bad, &e), -1);
    assert_int_equal(e.code, WV_E_DB);
    wv_error_clear(&e);
    bad.verdict = "pass";
    bad.run_id = 999; /* no such run */
    assert_int_equal(stor_quality_add(f->db, &bad, &e), -1);
    assert_int_equal(e.code, WV_E_DB);

    struct stor_quality_result *q = NULL;
    size_t n = 0;
    OK(stor_quality_list(f->db, id, NULL, &q, &n, err));
    assert_int_equal(n, 3); /* insertion order */
    assert_string_equal(q[0].check, "row_count");
    assert_string_equal(q[1].check, "freshness");
    assert_string_equal(q[2].check, "a_first");
    assert_int_equal(q[0].run_id, id);
    assert_string_equal(q[0].task, "check");
    assert_string_equal(q[0].sync_task, "extract");
    assert_string_equal(q[0].stream, "users");
    assert_true(q[0].error_severity);
    assert_string_equal(q[0].verdict, "pass");
    assert_true(q[0].observed == 42.5);
    assert_string_equal(q[0].threshold, "min 1");
    assert_string_equal(q[0].text, "row_count users: 42.5");
    assert_null(q[1].sync_task);
    assert_null(q[1].stream);
    assert_null(q[1].threshold);
    assert_null(q[1].text);
    assert_false(q[1].error_severity);
    assert_string_equal(q[1].verdict, "not_enough_history");
    assert_true(isnan(q[1].observed));
    assert_true(q[2].observed == -0.25);
    stor_quality_free(q, n);
    OK(stor_quality_list(f->db, id, "publish", &q, &n, err));
    assert_int_equal(n, 1);
    assert_string_equal(q[0].verdict, "warn");
    stor_quality_free(q, n);
    stor_quality_free(NULL, 0);
}

static void test_job_stats(void **state)
{
    struct fixture *f = *state;
    int64_t job = 0;
    OK(stor_job_start(f->db, "users", "sync", 1, 1, &job, NULL, err));
    char *stats = (char *)"junk", *schemas = (char *)"junk";
    OK(stor_job_stats_get(f->db, job, &stats, &schemas, err));
    assert_null(stats);
    assert_null(schemas);
    OK(stor_job_stats_put(f->db, job, "{\"rows\":1}", "{\"users\":{}}", err));
    OK(stor_job_stats_get(f->db, job, &stats, &schemas, err));
    assert_string_equal(stats, "{\"rows\":1}");
    assert_string_equal(schemas, "{\"users\":{}}");
    free(stats);
    free(schemas);
    OK(stor_job_stats_put(f->db, job, "{\"rows\":2}", NULL, err)); /* replaces */
    OK(stor_job_stats_get(f->db, job, &stats, &schemas, err));
    assert_string_equal(stats, "{\"rows\":2}");
    assert_null(schemas);
    free(stats);
    struct wv_error e = {0};
    assert_int_equal(stor_job_stats_put(f->db, job + 50, "{}", NULL, &e), -1); /* no job */
    assert_int_equal(e.code, WV_E_DB);
}

/* A finished sync job of a connection; pub: publish status, or NULL for none (JSONL). */
static int64_t finished_job(struct stor_db *db, const char *conn, const char *kind,
                            enum stor_job_status status, const char *pub)
{
    int64_t job = 0, att = 0;
    OK(stor_job_start(db, conn, kind, 1, 1, &job, &att, err));
    OK(stor_job_finish(db, job, att, status, 2, 1, 1, NULL, err));
    if (pub) {
        struct stor_publish p = {.job_id = job, .connection = (char *)conn,
                                 .destination = (char *)"lake", .stage_dir = (char *)"/s",
                                 .manifest_json = (char *)"{}", .states_json = (char *)"[]"};
        OK(stor_publish_stage(db, &p, 3, err));
        enum stor_pub_status st = STOR_PUB_STAGED;
        if (strcmp(pub, "published") == 0)
            st = STOR_PUB_PUBLISHED;
        else if (strcmp(pub, "blocked") == 0)
            st = STOR_PUB_BLOCKED;
        if (st != STOR_PUB_STAGED)
            OK(stor_publish_set(db, job, st, NULL, 4, err));
    }
    return job;
}

static void test_job_history(void **state)
{
    struct fixture *f = *state;
    int64_t j1 = finished_job(f->db, "users", "sync", STOR_JOB_SUCCEEDED, NULL);
    int64_t j2 = finished_job(f->db, "users", "sync", STOR_JOB_SUCCEEDED, "published");
    finished_job(f->db, "users", "sync", STOR_JOB_SUCCEEDED, "blocked");
    finished_job(f->db, "users", "sync", STOR_JOB_SUCCEEDED, "staged");
    finished_job(f->db, "users", "sync", STOR_JOB_FAILED, NULL);
    finished_job(f->db, "orders", "sync", STOR_JOB_SUCCEEDED, NULL);
    int64_t j7 = finished_job(f->db, "users", "sync", STOR_JOB_SUCCEEDED, NULL);
    int64_t j8 = finished_job(f->db, "users", "sync", STOR_JOB_SUCCEEDED, "published");
    int64_t running = 0;
    OK(stor_job_start(f->db, "users", "sync", 1, 1, &running, NULL, err));

    int64_t *ids = NULL;
    size_t n = 0;
    OK(stor_job_history(f->db, "users", 10, 0, &ids, &n, err));
    assert_int_equal(n, 4); /* newest first */
    assert_int_equal(ids[0], j8);
    assert_int_equal(ids[1], j7);
    assert_int_equal(ids[2], j2);
    assert_int_equal(ids[3], j1);
    free(ids);
    OK(stor_job_history(f->db, "users", 2, j8, &ids, &n, err));
    assert_int_equal(n, 2);
    assert_int_equal(ids[0], j7);
    assert_int_equal(ids[1], j2);
    free(ids);
    OK(stor_job_history(f->db, "nobody", 5, 0, &ids, &n, err));
    assert_int_equal(n, 0);
    assert_null(ids);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_state_names),
        cmocka_unit_test_setup_teardown(test_run_lifecycle, setup, teardown),
        cmocka_unit_test_setup_teardown(test_not_found, setup, teardown),
        cmocka_unit_test_setup_teardown(test_run_list_order, setup, teardown),
        cmocka_unit_test_setup_teardown(test_task_instances, setup, teardown),
        cmocka_unit_test_setup_teardown(test_attempts, setup, teardown),
        cmocka_unit_test_setup_teardown(test_log_append_and_offsets, setup, teardown),
        cmocka_unit_test_setup_teardown(test_log_cap, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reap, setup, teardown),
        cmocka_unit_test_setup_teardown(test_quality_results, setup, teardown),
        cmocka_unit_test_setup_teardown(test_job_stats, setup, teardown),
        cmocka_unit_test_setup_teardown(test_job_history, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
