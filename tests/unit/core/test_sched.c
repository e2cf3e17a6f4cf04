/* test_sched.c - the scheduler's decisions on a fake clock (core_sched_due with chosen "now"
 * values and runs recorded in a real state database): intervals aligned to the epoch, cron
 * lines, the catch-up policies none / last / all after a gap, disabled flows, connection
 * schedules, and that a recorded scheduled run is not started again. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "unit/testutil.h"

#include "base/clock.h"
#include "base/fs.h"
#include "core/core.h"
#include "storage/storage.h"

#define MIN 60000LL
#define HOUR (60 * MIN)
#define DAY (24 * HOUR)

struct fx {
    char *dir;
    struct core_workspace *ws;
    struct stor_db *db;
};

static int64_t at(const char *iso)
{
    int64_t ms = 0;
    assert_int_equal(wv_time_parse(iso, &ms), 0);
    return ms;
}

static int setup(void **state)
{
    struct fx *f = wv_calloc(1, sizeof *f);
    f->dir = wv_test_tmpdir("sched");
    wv_test_put(f->dir, "weaver.yaml", "version: 1\ndestinations:\n  raw: {path: raw}\n");
    wv_test_put(f->dir, "sources/fk.yaml", "connector: builtin:faker\nconfig: {count: 10}\n");
    wv_test_put(f->dir, "connections/hourly.yaml",
                "source: fk\nschedule: {every: 1h}\nstreams: [{name: users}]\n");
    wv_test_put(f->dir, "flows/quarter.yaml",
                "every: 15m\ntasks:\n  - {name: a, type: noop}\n");
    wv_test_put(f->dir, "flows/morning_none.yaml",
                "schedule: \"0 6 * * *\"\ntasks:\n  - {name: a, type: noop}\n");
    wv_test_put(f->dir, "flows/morning_last.yaml",
                "schedule: \"0 6 * * *\"\ncatchup: last\ntasks:\n  - {name: a, type: noop}\n");
    wv_test_put(f->dir, "flows/morning_all.yaml",
                "schedule: \"0 6 * * *\"\ncatchup: all\ntasks:\n  - {name: a, type: noop}\n");
    wv_test_put(f->dir, "flows/off.yaml",
                "every: 1m\nenabled: false\ntasks:\n  - {name: a, type: noop}\n");
    struct wv_error err = {0};
    f->ws = core_workspace_load(f->dir, &err);
    if (!f->ws)
        fail_msg("load: %s", err.msg);
    char *sd = wv_path_join(f->dir, ".weaver");
    wv_fs_mkdirs(sd, 0700, NULL);
    free(sd);
    f->db = stor_db_open(f->ws->db_path, &err);
    assert_non_null(f->db);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    stor_db_close(f->db);
    core_workspace_free(f->ws);
    wv_fs_rmtree(f->dir, NULL);
    free(f->dir);
    free(f);
    return 0;
}

/* The due list at now as "name@iso" words. */
static char *due_text(struct fx *f, int64_t now)
{
    struct core_sched_due *due = NULL;
    size_t n = 0;
    struct wv_error err = {0};
    if (core_sched_due(f->ws, f->db, now, &due, &n, &err) < 0)
        fail_msg("due: %s", err.msg);
    struct wv_buf b;
    wv_buf_init(&b, 0);
    for (size_t i = 0; i < n; i++) {
        char t[32];
        wv_time_iso_s(due[i].logical_ms, t, sizeof t);
        wv_buf_printf(&b, NULL, "%s%s%s@%s", i ? " " : "", due[i].is_flow ? "" : "conn:",
                      due[i].name, t);
    }
    free(due);
    char *s = wv_buf_steal(&b, NULL);
    return s ? s : wv_strdup("");
}

/* Records a scheduled run of a flow (what the daemon does when it starts one). */
static void ran(struct fx *f, const char *flow, int64_t logical)
{
    const char *tasks[] = {"a"};
    int64_t id;
    struct wv_error err = {0};
    assert_int_equal(stor_flow_run_start(f->db, flow, "schedule", logical, logical, 0, tasks, 1,
                                         &id, &err),
                     0);
    assert_int_equal(stor_flow_run_finish(f->db, id, STOR_RUN_SUCCESS, logical + 1000, NULL, &err),
                     0);
}

static void expect_due(struct fx *f, int64_t now, const char *want)
{
    char *got = due_text(f, now);
    if (strcmp(got, want) != 0)
        fail_msg("due: got '%s', want '%s'", got, want);
    free(got);
}

/* An interval aligned to the epoch: due at the quarter, not again once it ran. */
static void test_interval(void **state)
{
    struct fx *f = *state;
    int64_t t = at("2024-03-10T10:07:00Z");
    expect_due(f, t, "");
    t = at("2024-03-10T10:15:30Z");
    expect_due(f, t, "quarter@2024-03-10T10:15:00Z");
    ran(f, "quarter", at("2024-03-10T10:15:00Z"));
    expect_due(f, at("2024-03-10T10:16:00Z"), "");
    expect_due(f, at("2024-03-10T10:30:05Z"), "quarter@2024-03-10T10:30:00Z");
    /* missed quarters (none): only the one that just came; the hourly connection is due */
    expect_due(f, at("2024-03-10T11:00:20Z"),
               "quarter@2024-03-10T11:00:00Z conn:hourly@2024-03-10T11:00:00Z");
}

/* Two missed mornings: none skips them, last runs the latest, all runs both in order. */
static void test_catchup(void **state)
{
    struct fx *f = *state;
    int64_t d1 = at("2024-03-01T06:00:00Z");
    ran(f, "morning_none", d1);
    ran(f, "morning_last", d1);
    ran(f, "morning_all", d1);
    ran(f, "quarter", at("2024-03-03T07:00:00Z"));
    int64_t now = at("2024-03-03T07:00:30Z");
    char *got = due_text(f, now);
    assert_null(strstr(got, "morning_none"));
    assert_non_null(strstr(got, "morning_last@2024-03-03T06:00:00Z"));
    assert_null(strstr(got, "morning_last@2024-03-02"));
    assert_non_null(strstr(got, "morning_all@2024-03-02T06:00:00Z morning_all@2024-03-03T06:00:00Z"));
    free(got);
    /* on time: none runs a time that just came */
    got = due_text(f, at("2024-03-04T06:00:40Z"));
    assert_non_null(strstr(got, "morning_none@2024-03-04T06:00:00Z"));
    free(got);
}

/* Disabled flows are never due; next times follow the schedule. */
static void test_disabled_and_next(void **state)
{
    struct fx *f = *state;
    char *got = due_text(f, at("2024-03-10T10:01:00Z"));
    assert_null(strstr(got, "off@"));
    free(got);
    const struct core_flow *q = core_workspace_flow(f->ws, "quarter");
    const struct core_flow *m = core_workspace_flow(f->ws, "morning_none");
    assert_non_null(q);
    assert_non_null(m);
    assert_int_equal(core_sched_next(q, NULL, at("2024-03-10T10:15:00Z")),
                     at("2024-03-10T10:30:00Z"));
    assert_int_equal(core_sched_next(m, NULL, at("2024-03-10T06:00:00Z")),
                     at("2024-03-11T06:00:00Z"));
    const struct core_connection *c = core_workspace_connection(f->ws, "hourly");
    assert_int_equal(core_sched_next(NULL, c, at("2024-03-10T10:15:00Z")),
                     at("2024-03-10T11:00:00Z"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_interval, setup, teardown),
        cmocka_unit_test_setup_teardown(test_catchup, setup, teardown),
        cmocka_unit_test_setup_teardown(test_disabled_and_next, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
