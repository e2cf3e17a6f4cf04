/* test_vm.c - the console's view models (src/tui/vm.c) on hand-made snapshots: the list
 * tables with their cells and slots, the / filter (regex, case-insensitive, ! inverts), the
 * runs grid (tasks x newest runs, missing cells), the run detail tables, metrics with
 * sparklines, and the small formatters. No terminal needed. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base/mem.h"
#include "tui/vm.h"

#define NOW 1700000000000LL

static struct core_snap_run run(int64_t id, const char *flow, const char *state,
                                const char *const *tasks, const char *const *states, size_t n)
{
    struct core_snap_run r = {.id = id, .flow = wv_strdup(flow), .state = wv_strdup(state),
                              .trigger = wv_strdup("manual"), .started_ms = NOW - id * 60000,
                              .ended_ms = NOW - id * 60000 + 2000};
    r.tasks = wv_calloc(n ? n : 1, sizeof *r.tasks);
    for (size_t i = 0; i < n; i++) {
        r.tasks[i].name = wv_strdup(tasks[i]);
        r.tasks[i].state = wv_strdup(states[i]);
    }
    r.n_tasks = n;
    return r;
}

/* A snapshot: 2 connections, 3 jobs, a flow with 3 tasks and 2 runs. */
static struct core_snapshot *snap(void)
{
    struct core_snapshot *s = wv_calloc(1, sizeof *s);
    s->taken_ms = NOW;
    s->workspace_name = wv_strdup("demo");
    s->n_sources = 1;
    s->sources = wv_calloc(1, sizeof *s->sources);
    s->sources[0].name = wv_strdup("faker");
    s->sources[0].connector = wv_strdup("builtin:faker");
    s->sources[0].check_status = wv_strdup("failed");
    s->sources[0].check_message = wv_strdup("HTTP 401");
    s->sources[0].checked_ms = NOW - 5000;
    s->n_conns = 2;
    s->conns = wv_calloc(2, sizeof *s->conns);
    const char *names[] = {"acme_orders", "globex_orders"};
    for (int i = 0; i < 2; i++) {
        struct core_snap_conn *c = &s->conns[i];
        c->name = wv_strdup(names[i]);
        c->source = wv_strdup("faker");
        c->destination = wv_strdup("raw");
        c->schedule = wv_strdup(i ? "every 1h" : "manual");
        c->enabled = i == 0;
        c->next_ms = i ? NOW + 90000 : -1;
        c->last_status = wv_strdup(i ? "failed" : "succeeded");
        c->last_started_ms = NOW - 120000;
        c->last_records = 10 * (i + 1);
        c->last_error = i ? wv_strdup("HTTP 503 after 5 retries") : NULL;
    }
    s->n_jobs = 3;
    s->jobs = wv_calloc(3, sizeof *s->jobs);
    for (int i = 0; i < 3; i++) { /* newest first: job 3, 2, 1 of acme */
        struct core_snap_job *j = &s->jobs[i];
        j->id = 3 - i;
        j->connection = wv_strdup("acme_orders");
        j->status = wv_strdup(i == 1 ? "failed" : "succeeded");
        j->started_ms = NOW - (i + 1) * 60000;
        j->ended_ms = j->started_ms + 1000;
        j->records = 100 * (3 - i);
        j->bytes = 2500;
    }
    s->n_flows = 1;
    s->flows = wv_calloc(1, sizeof *s->flows);
    s->flows[0].name = wv_strdup("daily");
    s->flows[0].schedule = wv_strdup("every 60s");
    s->flows[0].enabled = true;
    s->flows[0].next_ms = NOW + 30000;
    const char *tasks[] = {"sync", "quality", "publish"};
    s->flows[0].tasks = wv_calloc(3, sizeof(char *));
    for (int i = 0; i < 3; i++)
        s->flows[0].tasks[i] = wv_strdup(tasks[i]);
    s->flows[0].n_tasks = 3;
    s->n_runs = 2;
    s->runs = wv_calloc(2, sizeof *s->runs);
    const char *st2[] = {"success", "failed", "upstream_failed"};
    const char *st1[] = {"success", "success"};
    s->runs[0] = run(2, "daily", "failed", tasks, st2, 3);
    s->runs[1] = run(1, "daily", "success", tasks, st1, 2); /* publish missing */
    return s;
}

static void test_connections_table(void **state)
{
    (void)state;
    struct core_snapshot *s = snap();
    struct tui_table t;
    tui_vm_connections(s, NULL, &t);
    assert_int_equal(t.n_rows, 2);
    assert_string_equal(t.cols[0], "NAME");
    assert_string_equal(t.rows[0].key, "acme_orders");
    assert_string_equal(t.rows[0].cells[3].text, "yes");
    assert_string_equal(t.rows[1].cells[3].text, "no");
    assert_int_equal(t.rows[1].cells[3].slot, TUI_SLOT_RUN_SKIPPED);
    assert_string_equal(t.rows[1].cells[5].text, "in 1m");
    assert_string_equal(t.rows[0].cells[5].text, "-");
    assert_string_equal(t.rows[1].cells[6].text, "failed");
    assert_int_equal(t.rows[1].cells[6].slot, TUI_SLOT_RUN_FAILED);
    assert_string_equal(t.rows[0].cells[7].text, "2m ago");
    assert_string_equal(t.rows[1].cells[9].text, "HTTP 503 after 5 retries");
    tui_table_free(&t);
    core_snapshot_free(s);
}

static void test_filter(void **state)
{
    (void)state;
    struct core_snapshot *s = snap();
    char err[128];
    struct tui_filter *f = tui_filter_new("GLOBEX", err, sizeof err);
    assert_non_null(f);
    struct tui_table t;
    tui_vm_connections(s, f, &t);
    assert_int_equal(t.n_rows, 1);
    assert_string_equal(t.rows[0].key, "globex_orders");
    tui_table_free(&t);
    tui_filter_free(f);
    f = tui_filter_new("!503", err, sizeof err); /* inverted: rows NOT matching */
    tui_vm_connections(s, f, &t);
    assert_int_equal(t.n_rows, 1);
    assert_string_equal(t.rows[0].key, "acme_orders");
    tui_table_free(&t);
    tui_filter_free(f);
    assert_null(tui_filter_new("(", err, sizeof err));
    assert_true(strlen(err) > 0);
    assert_null(tui_filter_new("", err, sizeof err));
    assert_string_equal(err, "");
    core_snapshot_free(s);
}

static void test_grid(void **state)
{
    (void)state;
    struct core_snapshot *s = snap();
    struct tui_grid g;
    tui_vm_grid(s, "daily", 10, &g);
    assert_int_equal(g.n_tasks, 3);
    assert_int_equal(g.n_runs, 2);
    assert_int_equal(g.run_ids[0], 2); /* newest first */
    assert_string_equal(g.cells[1 * 2 + 0], "failed");
    assert_string_equal(g.cells[2 * 2 + 0], "upstream_failed");
    assert_null(g.cells[2 * 2 + 1]); /* run 1 had no publish */
    tui_grid_free(&g);
    tui_vm_grid(s, "daily", 1, &g);
    assert_int_equal(g.n_runs, 1);
    tui_grid_free(&g);
    tui_vm_grid(s, "nope", 5, &g);
    assert_int_equal(g.n_tasks, 0);
    tui_grid_free(&g);
    assert_string_equal(tui_state_glyph("failed", true), "x");
    assert_string_equal(tui_state_glyph("success", false), "\u25cf");
    core_snapshot_free(s);
}

static void test_runs_flows_jobs_sources(void **state)
{
    (void)state;
    struct core_snapshot *s = snap();
    struct tui_table t;
    tui_vm_runs(s, "daily", NULL, &t);
    assert_int_equal(t.n_rows, 2);
    assert_string_equal(t.rows[0].key, "2");
    assert_string_equal(t.rows[0].cells[5].text, "2.0s");
    tui_table_free(&t);
    tui_vm_flows(s, NULL, &t);
    assert_int_equal(t.n_rows, 1);
    assert_string_equal(t.rows[0].cells[5].text, "2");
    assert_string_equal(t.rows[0].cells[6].text, "failed");
    assert_string_equal(t.rows[0].cells[3].text, "in 30s");
    tui_table_free(&t);
    tui_vm_jobs(s, NULL, &t);
    assert_int_equal(t.n_rows, 3);
    assert_string_equal(t.rows[1].cells[2].text, "failed");
    tui_table_free(&t);
    tui_vm_sources(s, NULL, &t);
    assert_string_equal(t.rows[0].cells[2].text, "failed");
    assert_string_equal(t.rows[0].cells[4].text, "HTTP 401");
    tui_table_free(&t);
    core_snapshot_free(s);
}

static void test_metrics_and_format(void **state)
{
    (void)state;
    struct core_snapshot *s = snap();
    struct tui_table t;
    tui_vm_metrics(s, 10, true, &t);
    assert_int_equal(t.n_rows, 2);
    /* acme: 2 succeeded jobs (100 then 300 records in 1 s each: oldest first) */
    assert_string_equal(t.rows[0].cells[1].text, ":#");
    assert_string_equal(t.rows[0].cells[2].text, "300");
    assert_string_equal(t.rows[0].cells[3].text, "600");
    assert_string_equal(t.rows[0].cells[4].text, "7.5 KB");
    assert_string_equal(t.rows[0].cells[6].text, "1/3");
    assert_string_equal(t.rows[1].cells[1].text, "-");
    tui_table_free(&t);
    char buf[64];
    double v[] = {0, 1, 2, 4, 8};
    tui_sparkline(v, 5, 3, false, buf, sizeof buf);
    assert_string_equal(buf, "\u2583\u2585\u2588");
    assert_string_equal(tui_fmt_dur(1000, 126000, buf, sizeof buf), "2m05s");
    assert_string_equal(tui_fmt_dur(0, 5, buf, sizeof buf), "-");
    assert_string_equal(tui_fmt_ago(NOW - 3 * 86400000LL, NOW, buf, sizeof buf), "3d ago");
    assert_int_equal(tui_state_slot("up_for_retry"), TUI_SLOT_RUN_RETRY);
    assert_int_equal(tui_state_slot(NULL), TUI_SLOT_DIM);
    core_snapshot_free(s);
}

static void test_run_detail(void **state)
{
    (void)state;
    const char *tasks[] = {"sync", "quality"};
    const char *st[] = {"success", "failed"};
    struct core_run_detail *d = wv_calloc(1, sizeof *d);
    d->run = run(7, "daily", "failed", tasks, st, 2);
    d->run.tasks[1].try_number = 2;
    d->run.tasks[1].error = wv_strdup("1 error-level check failed");
    d->n_checks = 1;
    d->checks = wv_calloc(1, sizeof *d->checks);
    d->checks[0] = (struct core_snap_check){
        wv_strdup("quality"), wv_strdup("sync"), wv_strdup("orders"), wv_strdup("row_count"),
        wv_strdup("fail"), wv_strdup("min 1"), wv_strdup("orders row_count 0 < min 1"), true, 0};
    d->n_attempts = 1;
    d->attempts = wv_calloc(1, sizeof *d->attempts);
    d->attempts[0] = (struct core_snap_attempt){.id = 11, .task = wv_strdup("quality"),
                                                .state = wv_strdup("failed"), .number = 2};
    struct tui_table t;
    tui_vm_run_tasks(d, &t);
    assert_int_equal(t.n_rows, 2);
    assert_non_null(strstr(t.rows[1].cells[1].text, "failed"));
    assert_string_equal(t.rows[1].cells[2].text, "2");
    assert_string_equal(t.rows[1].cells[6].text, "1 error-level check failed");
    tui_table_free(&t);
    tui_vm_run_checks(d, &t);
    assert_string_equal(t.rows[0].cells[4].text, "fail");
    assert_int_equal(t.rows[0].cells[4].slot, TUI_SLOT_CHECK_FAIL);
    assert_string_equal(t.rows[0].cells[5].text, "0");
    assert_string_equal(t.rows[0].cells[6].text, "min 1");
    tui_table_free(&t);
    tui_vm_run_attempts(d, &t);
    assert_string_equal(t.rows[0].key, "11");
    tui_table_free(&t);
    core_run_detail_free(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_connections_table), cmocka_unit_test(test_filter),
        cmocka_unit_test(test_grid),              cmocka_unit_test(test_runs_flows_jobs_sources),
        cmocka_unit_test(test_metrics_and_format), cmocka_unit_test(test_run_detail),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
