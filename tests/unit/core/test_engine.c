/* test_engine.c - the local engine behind the console (core_engine_local) on the demo
 * workspace with the scheduler off: the first snapshot (sources, connections with streams,
 * flows with tasks), a flow run through exec_async reaching the command log and the next
 * snapshots, the run's detail (attempts, quality results, published files) and attempt log,
 * `check` remembered for the source, the engine log, a connector's spec, and a read-only
 * engine refusing a sync while allowing `flow status`. Waits are bounded by a count of polls,
 * never by a duration asserted. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "unit/testutil.h"

#include "base/fs.h"
#include "core/core.h"

#define POLLS 6000 /* 10 ms apart: gives up after about a minute */

struct fx {
    char *dir, *ws;
    struct core_engine eng;
    int64_t run_id;
};

static struct fx *FX;

static void nap(void)
{
    struct timespec ts = {0, 10 * 1000 * 1000};
    nanosleep(&ts, NULL);
}

static int group_setup(void **state)
{
    (void)state;
    struct fx *f = wv_calloc(1, sizeof *f);
    f->dir = wv_test_tmpdir("engine");
    f->ws = wv_path_join(f->dir, "ws");
    struct wv_error err = {0};
    if (core_workspace_init(f->ws, true, &err) < 0)
        fail_msg("init: %s", err.msg);
    struct core_engine_opts opts = {.no_scheduler = true};
    if (core_engine_local(f->ws, &opts, &f->eng, &err) < 0)
        fail_msg("engine: %s", err.msg);
    FX = f;
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    struct fx *f = FX;
    f->eng.ops->close(f->eng.ctx);
    struct wv_error err = {0};
    wv_fs_rmtree(f->dir, &err);
    free(f->ws);
    free(f->dir);
    free(f);
    return 0;
}

/* Waits for the result of command id; fails the test after POLLS polls. Caller frees. */
static struct core_cmd_result wait_result(const struct core_engine *eng, int64_t id)
{
    for (int i = 0; i < POLLS; i++) {
        struct core_cmd_result *rs = NULL, got = {0};
        size_t n = 0;
        eng->ops->poll_results(eng->ctx, &rs, &n);
        bool found = false;
        for (size_t k = 0; k < n; k++) {
            if (rs[k].id == id && !found) {
                got = rs[k];
                found = true;
            } else {
                core_cmd_result_free(&rs[k]);
            }
        }
        free(rs);
        if (found)
            return got;
        nap();
    }
    fail_msg("command %lld did not finish", (long long)id);
    return (struct core_cmd_result){0};
}

static int64_t start(const struct core_engine *eng, const char *line)
{
    char *copy = wv_strdup(line), *argv[8];
    int argc = 0;
    char *save = NULL;
    for (char *p = strtok_r(copy, " ", &save); p && argc < 8; p = strtok_r(NULL, " ", &save))
        argv[argc++] = p;
    struct wv_error err = {0};
    int64_t id = eng->ops->exec_async(eng->ctx, argc, argv, &err);
    if (id <= 0)
        fail_msg("exec_async %s: %s", line, err.msg);
    free(copy);
    return id;
}

static const struct core_snap_source *find_source(const struct core_snapshot *s, const char *n)
{
    for (size_t i = 0; i < s->n_sources; i++)
        if (strcmp(s->sources[i].name, n) == 0)
            return &s->sources[i];
    return NULL;
}

static void test_first_snapshot(void **state)
{
    (void)state;
    struct core_snapshot *s = FX->eng.ops->snapshot(FX->eng.ctx);
    assert_non_null(s);
    assert_null(s->load_error);
    assert_non_null(find_source(s, "faker"));
    assert_non_null(find_source(s, "acme"));
    assert_int_equal(s->n_conns, 4);
    bool users = false;
    for (size_t i = 0; i < s->n_conns; i++) {
        assert_non_null(s->conns[i].file);
        if (strcmp(s->conns[i].name, "faker_users") == 0) {
            users = true;
            assert_int_equal(s->conns[i].n_streams, 3);
            assert_string_equal(s->conns[i].streams[0].name, "users");
            assert_string_equal(s->conns[i].streams[0].sync_mode, "incremental");
            assert_string_equal(s->conns[i].streams[0].dest_mode, "append_dedup");
            assert_false(s->conns[i].streams[0].has_state);
            assert_true(s->conns[i].next_ms > 0);
        }
    }
    assert_true(users);
    assert_int_equal(s->n_flows, 1);
    assert_string_equal(s->flows[0].name, "daily_orders");
    assert_string_equal(s->flows[0].schedule, "every 1m");
    assert_int_equal(s->flows[0].n_tasks, 5);
    assert_string_equal(s->flows[0].tasks[4], "publish");
    assert_int_equal(s->n_runs, 0);
    core_snapshot_free(s);
}

static void test_flow_run(void **state)
{
    (void)state;
    const struct core_engine *eng = &FX->eng;
    int64_t id = start(eng, "flow run daily_orders");
    struct core_cmd_result r = wait_result(eng, id);
    assert_string_equal(r.line, "flow run daily_orders");
    if (r.rc != 0)
        fail_msg("flow run failed: %s\n%s", r.error ? r.error : "", r.output);
    assert_true(r.ended_ms >= r.started_ms);
    assert_non_null(strstr(r.output, "publish"));
    core_cmd_result_free(&r);
    const struct core_snap_run *run = NULL;
    struct core_snapshot *s = NULL;
    for (int i = 0; i < POLLS && !run; i++) {
        core_snapshot_free(s);
        s = eng->ops->snapshot(eng->ctx);
        if (s->n_runs == 1 && strcmp(s->runs[0].state, "success") == 0)
            run = &s->runs[0];
        else
            nap();
    }
    assert_non_null(run);
    assert_string_equal(run->flow, "daily_orders");
    assert_string_equal(run->trigger, "manual");
    assert_int_equal(run->n_tasks, 5);
    for (size_t i = 0; i < run->n_tasks; i++)
        assert_string_equal(run->tasks[i].state, "success");
    assert_string_equal(run->tasks[4].name, "publish");
    FX->run_id = run->id;
    /* the connections the flow synced have state now */
    for (size_t i = 0; i < s->n_conns; i++)
        if (strcmp(s->conns[i].name, "acme_orders") == 0) {
            assert_string_equal(s->conns[i].last_status, "succeeded");
            assert_true(s->conns[i].streams[0].has_state);
        }
    assert_true(s->n_jobs >= 2);
    core_snapshot_free(s);
}

static void test_run_detail(void **state)
{
    (void)state;
    const struct core_engine *eng = &FX->eng;
    struct wv_error err = {0};
    assert_true(FX->run_id > 0);
    struct core_run_detail *d = eng->ops->run_detail(eng->ctx, FX->run_id, &err);
    if (!d)
        fail_msg("run_detail: %s", err.msg);
    assert_int_equal(d->run.id, FX->run_id);
    assert_int_equal(d->run.n_tasks, 5);
    assert_true(d->n_attempts >= 5);
    assert_int_equal(d->n_checks, 10); /* five checks on each of the two syncs */
    assert_string_equal(d->checks[0].check, "row_count");
    assert_string_equal(d->checks[0].verdict, "pass");
    assert_non_null(d->checks[0].sync_task);
    assert_true(d->n_files >= 2);
    bool parquet = false;
    for (size_t i = 0; i < d->n_files; i++)
        parquet = parquet || strstr(d->files[i], ".parquet") != NULL;
    assert_true(parquet);
    int64_t quality = 0;
    for (size_t i = 0; i < d->n_attempts; i++)
        if (strcmp(d->attempts[i].task, "quality") == 0)
            quality = d->attempts[i].id;
    assert_true(quality > 0);
    char *text = NULL;
    int64_t next = 0;
    assert_int_equal(eng->ops->attempt_log(eng->ctx, quality, 0, &text, &next, &err), 0);
    assert_non_null(strstr(text, "row_count"));
    assert_int_equal(next, (int64_t)strlen(text));
    free(text);
    core_run_detail_free(d);
    assert_null(eng->ops->run_detail(eng->ctx, 999999, &err));
}

static void test_check_remembered(void **state)
{
    (void)state;
    const struct core_engine *eng = &FX->eng;
    struct core_cmd_result r = wait_result(eng, start(eng, "check faker"));
    assert_int_equal(r.rc, 0);
    assert_non_null(strstr(r.output, "source faker: check succeeded"));
    core_cmd_result_free(&r);
    bool seen = false;
    for (int i = 0; i < POLLS && !seen; i++) {
        struct core_snapshot *s = eng->ops->snapshot(eng->ctx);
        const struct core_snap_source *src = find_source(s, "faker");
        assert_non_null(src);
        if (src->check_status) {
            assert_string_equal(src->check_status, "succeeded");
            assert_true(src->checked_ms > 0);
            seen = true;
        }
        core_snapshot_free(s);
        if (!seen)
            nap();
    }
    assert_true(seen);
}

static void test_engine_log_and_spec(void **state)
{
    (void)state;
    const struct core_engine *eng = &FX->eng;
    struct wv_error err = {0};
    char *text = NULL;
    int64_t next = 0;
    assert_int_equal(eng->ops->engine_log(eng->ctx, 0, &text, &next, &err), 0);
    assert_non_null(strstr(text, "check faker"));
    assert_int_equal(next, (int64_t)strlen(text));
    free(text);
    assert_int_equal(eng->ops->engine_log(eng->ctx, next, &text, &next, &err), 0);
    assert_string_equal(text, "");
    free(text);
    struct wv_json *spec = eng->ops->connector_spec(eng->ctx, "builtin:faker", &err);
    if (!spec)
        fail_msg("spec: %s", err.msg);
    assert_non_null(wv_json_get(wv_json_get(spec, "properties"), "count"));
    wv_json_free(spec);
    assert_null(eng->ops->connector_spec(eng->ctx, "builtin:nope", &err));
}

static void test_readonly(void **state)
{
    (void)state;
    struct core_engine ro;
    struct core_engine_opts opts = {.readonly = true, .no_scheduler = true};
    struct wv_error err = {0};
    assert_int_equal(core_engine_local(FX->ws, &opts, &ro, &err), 0);
    char *sync[] = {"sync", "faker_users"};
    assert_int_equal(ro.ops->exec_async(ro.ctx, 2, sync, &err), -1);
    assert_non_null(strstr(err.msg, "read-only console: `sync faker_users` changes"));
    struct wv_buf out = WV_BUF_INIT;
    wv_error_clear(&err);
    assert_int_equal(ro.ops->exec(ro.ctx, 2, sync, &out, &err), -1);
    char *status[] = {"flow", "status"};
    wv_error_clear(&err);
    assert_int_equal(ro.ops->exec(ro.ctx, 2, status, &out, &err), 0);
    assert_non_null(strstr(wv_buf_cstr(&out), "daily_orders"));
    wv_buf_done(&out);
    int64_t id = ro.ops->exec_async(ro.ctx, 2, status, &err);
    assert_true(id > 0);
    struct core_cmd_result r = wait_result(&ro, id);
    assert_int_equal(r.rc, 0);
    core_cmd_result_free(&r);
    ro.ops->close(ro.ctx);
}

static void test_readonly_names(void **state)
{
    (void)state;
    char *a[] = {"flow", "status", "3"}, *b[] = {"flow", "run", "x"}, *c[] = {"export", "snowflake"},
         *d[] = {"state", "reset", "x"}, *e[] = {"check", "faker"}, *f[] = {"connection", "disable"};
    assert_true(core_cmd_readonly(3, a));
    assert_false(core_cmd_readonly(3, b));
    assert_true(core_cmd_readonly(2, c));
    assert_false(core_cmd_readonly(3, d));
    assert_true(core_cmd_readonly(2, e));
    assert_false(core_cmd_readonly(2, f));
    assert_false(core_cmd_readonly(0, a));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_first_snapshot),
        cmocka_unit_test(test_flow_run),
        cmocka_unit_test(test_run_detail),
        cmocka_unit_test(test_check_remembered),
        cmocka_unit_test(test_engine_log_and_spec),
        cmocka_unit_test(test_readonly),
        cmocka_unit_test(test_readonly_names),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
