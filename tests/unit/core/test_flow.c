/* test_flow.c - unit tests of the flow model (src/core/flow.c, flow_check.c): flows/ *.yaml
 * files written into a temporary workspace and loaded with core_workspace_load - every field
 * of a full example, defaults and the schedule forms, names from file stems, command lookup on
 * $PATH, the topological order, and the exact file:line:col message of every validation error.
 * Single-threaded (changes PATH). */
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

#include "base/fs.h"
#include "base/mem.h"
#include "core/core.h"

#define MAIN_YAML "version: 1\ndestinations:\n  raw:\n    path: raw\n"

struct fixture {
    char *dir;
    char *root;     /* realpath of dir */
    char *old_path; /* $PATH before the test */
};

/* Writes the base workspace: a source and two connections (acme_orders, globex_orders). */
static void put_base(const char *dir)
{
    wv_test_put(dir, "weaver.yaml", MAIN_YAML);
    wv_test_put(dir, "sources/s.yaml", "connector: builtin:faker\n");
    wv_test_put(dir, "connections/acme_orders.yaml", "source: s\nstreams: [orders]\n");
    wv_test_put(dir, "connections/globex_orders.yaml", "source: s\nstreams: [orders]\n");
}

static int setup(void **state)
{
    struct fixture *f = wv_calloc(1, sizeof *f);
    f->dir = wv_test_tmpdir("flow");
    if (!f->dir)
        return -1;
    f->root = wv_path_real(f->dir, NULL);
    const char *p = getenv("PATH");
    f->old_path = wv_strdup(p ? p : "/usr/bin:/bin");
    put_base(f->dir);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    struct wv_error err = {0};
    int r = wv_fs_rmtree(f->dir, &err);
    setenv("PATH", f->old_path, 1);
    free(f->old_path);
    free(f->dir);
    free(f->root);
    free(f);
    return r;
}

/* A copy of pattern with every "{R}" replaced by root. Caller frees. */
static char *expand(const char *pattern, const char *root)
{
    struct wv_buf b = WV_BUF_INIT;
    for (const char *p = pattern; *p;) {
        if (strncmp(p, "{R}", 3) == 0) {
            wv_buf_puts(&b, root, NULL);
            p += 3;
        } else {
            wv_buf_putc(&b, *p++, NULL);
        }
    }
    return wv_buf_steal(&b, NULL);
}

static struct core_workspace *load_ok(const char *root)
{
    struct wv_error err = {0};
    struct core_workspace *ws = core_workspace_load(root, &err);
    if (!ws)
        fail_msg("core_workspace_load: %s", err.msg);
    return ws;
}

/* The flow of the example in the design notes. */
static const char example_yaml[] =
    "# flows/daily_orders.yaml\n"
    "name: daily_orders\n"
    "schedule: \"0 6 * * *\"\n"
    "catchup: none\n"
    "max_parallel: 4\n"
    "enabled: true\n"
    "tasks:\n"
    "  - {name: sync_acme,   type: sync, connection: acme_orders, retries: 3, timeout: 30m}\n"
    "  - {name: sync_globex, type: sync, connection: globex_orders, retry_delay: 5s}\n"
    "  - name: quality\n"
    "    type: quality\n"
    "    depends_on: [sync_acme, sync_globex]\n"
    "    checks:\n"
    "      - {stream: orders, check: row_count, min: 1, severity: error}\n"
    "      - {stream: orders, check: low_count, below_pct_of_median: 50, runs: 7, severity: warn}\n"
    "  - name: gate\n"
    "    type: gate\n"
    "    depends_on: [quality]\n"
    "    on_failure: {rerun: [sync_acme, sync_globex], max_loops: 1}\n"
    "  - {name: publish, type: publish, depends_on: [gate]}\n"
    "  - {name: notify, type: command, argv: [/bin/echo, done], depends_on: [publish], "
    "trigger_rule: all_done}\n";

/* The example loads with every field as written and the defaults elsewhere. */
static void test_example(void **state)
{
    struct fixture *f = *state;
    wv_test_put(f->dir, "flows/daily_orders.yaml", example_yaml);
    struct core_workspace *ws = load_ok(f->dir);
    assert_int_equal(ws->n_flows, 1);
    const struct core_flow *fl = core_workspace_flow(ws, "daily_orders");
    assert_non_null(fl);
    assert_ptr_equal(fl, &ws->flows[0]);
    assert_null(core_workspace_flow(ws, "nope"));
    char *file = wv_asprintf("%s/flows/daily_orders.yaml", f->root);
    assert_string_equal(fl->file, file);
    free(file);
    assert_string_equal(fl->schedule, "0 6 * * *");
    assert_string_equal(fl->cron.tz, "UTC");
    assert_int_equal(fl->cron.minutes, 1);
    assert_int_equal(fl->cron.hours, 1u << 6);
    assert_int_equal(fl->every_ms, 0);
    assert_string_equal(fl->catchup, "none");
    assert_int_equal(fl->max_parallel, 4);
    assert_true(fl->enabled);
    assert_int_equal(fl->n_tasks, 6);

    const struct core_task *t = &fl->tasks[0];
    assert_string_equal(t->name, "sync_acme");
    assert_int_equal(t->kind, CORE_TASK_SYNC);
    assert_string_equal(core_task_kind_name(t->kind), "sync");
    assert_int_equal(t->line, 8);
    assert_int_equal(t->col, 5);
    assert_string_equal(t->connection, "acme_orders");
    assert_int_equal(t->n_deps, 0);
    assert_int_equal(t->retries, 3);
    assert_int_equal(t->timeout_ms, 30 * 60000);
    assert_int_equal(t->retry_delay_ms, 10000);
    assert_int_equal(t->trigger, CORE_TRIGGER_ALL_SUCCESS);

    t = &fl->tasks[1];
    assert_string_equal(t->name, "sync_globex");
    assert_string_equal(t->connection, "globex_orders");
    assert_int_equal(t->retry_delay_ms, 5000);
    assert_int_equal(t->retries, 0);
    assert_int_equal(t->timeout_ms, 0);

    t = &fl->tasks[2];
    assert_string_equal(t->name, "quality");
    assert_int_equal(t->kind, CORE_TASK_QUALITY);
    assert_int_equal(t->line, 10);
    assert_int_equal(t->col, 5);
    assert_int_equal(t->n_deps, 2);
    assert_int_equal(t->deps[0], 0);
    assert_int_equal(t->deps[1], 1);
    assert_int_equal(t->n_checks, 2);
    assert_string_equal(t->checks[0].stream, "orders");
    assert_int_equal(t->checks[0].kind, QUAL_CHECK_ROW_COUNT);
    assert_true(t->checks[0].error);
    assert_true(t->checks[0].has_min);
    assert_true(t->checks[0].min == 1);
    assert_int_equal(t->checks[1].kind, QUAL_CHECK_LOW_COUNT);
    assert_false(t->checks[1].error);
    assert_true(t->checks[1].below_pct == 50);
    assert_int_equal(t->checks[1].runs, 7);
    assert_null(t->connection);

    t = &fl->tasks[3];
    assert_string_equal(t->name, "gate");
    assert_int_equal(t->kind, CORE_TASK_GATE);
    assert_int_equal(t->n_deps, 1);
    assert_int_equal(t->deps[0], 2);
    assert_int_equal(t->n_rerun, 2);
    assert_int_equal(t->rerun[0], 0);
    assert_int_equal(t->rerun[1], 1);
    assert_int_equal(t->max_loops, 1);

    t = &fl->tasks[4];
    assert_string_equal(t->name, "publish");
    assert_int_equal(t->kind, CORE_TASK_PUBLISH);
    assert_int_equal(t->deps[0], 3);

    t = &fl->tasks[5];
    assert_string_equal(t->name, "notify");
    assert_int_equal(t->kind, CORE_TASK_COMMAND);
    assert_int_equal(t->trigger, CORE_TRIGGER_ALL_DONE);
    assert_string_equal(core_trigger_name(t->trigger), "all_done");
    assert_int_equal(t->argc, 2);
    assert_string_equal(t->argv[0], "/bin/echo");
    assert_string_equal(t->argv[1], "done");
    assert_null(t->argv[2]);
    assert_int_equal(t->deps[0], 4);

    for (size_t i = 0; i < 6; i++)
        assert_int_equal(fl->order[i], i);
    assert_int_equal(core_flow_task(fl, "gate"), 3);
    assert_int_equal(core_flow_task(fl, "sync_acme"), 0);
    assert_int_equal(core_flow_task(fl, "nope"), -1);
    core_workspace_free(ws);
}

/* Names default to the file stem (.yaml and .yml); defaults; no flows/ is no flows. */
static void test_defaults_and_stems(void **state)
{
    struct fixture *f = *state;
    struct core_workspace *ws = load_ok(f->dir);
    assert_int_equal(ws->n_flows, 0);
    core_workspace_free(ws);

    wv_test_put(f->dir, "flows/nightly.yml",
                "tasks:\n  - {name: s, type: sync, connection: acme_orders}\n");
    wv_test_put(f->dir, "flows/hourly.yaml",
                "tasks:\n  - {name: n, type: noop}\n");
    wv_test_put(f->dir, "flows/README.md", "not a flow");
    ws = load_ok(f->dir);
    assert_int_equal(ws->n_flows, 2);
    const struct core_flow *fl = core_workspace_flow(ws, "nightly");
    assert_non_null(fl);
    assert_non_null(core_workspace_flow(ws, "hourly"));
    assert_null(fl->schedule);
    assert_int_equal(fl->every_ms, 0);
    assert_string_equal(fl->catchup, "none");
    assert_int_equal(fl->max_parallel, 4);
    assert_true(fl->enabled);
    assert_int_equal(fl->n_tasks, 1);
    const struct core_task *t = &fl->tasks[0];
    assert_int_equal(t->retries, 0);
    assert_int_equal(t->retry_delay_ms, 10000);
    assert_int_equal(t->timeout_ms, 0);
    assert_int_equal(t->trigger, CORE_TRIGGER_ALL_SUCCESS);
    assert_int_equal(t->n_rerun, 0);
    assert_int_equal(t->max_loops, 0);
    assert_null(t->argv);
    assert_int_equal(fl->order[0], 0);
    core_workspace_free(ws);
}

/* A flow with a schedule and its tasks, loaded; caller frees. */
static struct core_workspace *load_head(const struct fixture *f, const char *head)
{
    char *text = wv_asprintf("%stasks:\n  - {name: s, type: sync, connection: acme_orders}\n",
                             head);
    wv_test_put(f->dir, "flows/x.yaml", text);
    free(text);
    return load_ok(f->dir);
}

/* Every schedule form. */
static void test_schedule_forms(void **state)
{
    struct fixture *f = *state;
    struct core_workspace *ws = load_head(f, "every: 15m\ncatchup: all\nmax_parallel: 64\n");
    assert_int_equal(ws->flows[0].every_ms, 15 * 60000);
    assert_null(ws->flows[0].schedule);
    assert_string_equal(ws->flows[0].catchup, "all");
    assert_int_equal(ws->flows[0].max_parallel, 64);
    core_workspace_free(ws);

    ws = load_head(f, "schedule: {every: 1h30m}\nenabled: false\ncatchup: last\n");
    assert_int_equal(ws->flows[0].every_ms, 90 * 60000);
    assert_false(ws->flows[0].enabled);
    assert_string_equal(ws->flows[0].catchup, "last");
    core_workspace_free(ws);

    ws = load_head(f, "schedule: every 2h\n");
    assert_int_equal(ws->flows[0].every_ms, 2 * 3600000);
    assert_null(ws->flows[0].schedule);
    core_workspace_free(ws);

    ws = load_head(f, "schedule: {cron: \"*/5 * * * MON-FRI\", timezone: UTC}\n");
    assert_string_equal(ws->flows[0].schedule, "*/5 * * * MON-FRI");
    assert_string_equal(ws->flows[0].cron.tz, "UTC");
    assert_int_equal(ws->flows[0].cron.wdays, 0x3e);
    core_workspace_free(ws);

    if (access("/usr/share/zoneinfo/Europe/Paris", R_OK) == 0) {
        ws = load_head(f, "schedule: 30 2 * * *\ntimezone: Europe/Paris\n");
        assert_string_equal(ws->flows[0].schedule, "30 2 * * *");
        assert_string_equal(ws->flows[0].cron.tz, "Europe/Paris");
        core_workspace_free(ws);
        ws = load_head(f, "schedule: {cron: 0 6 * * *, timezone: America/New_York}\n");
        assert_string_equal(ws->flows[0].cron.tz, "America/New_York");
        core_workspace_free(ws);
    }
}

/* Topological order: dependencies first, file order among tasks ready together. */
static void test_order(void **state)
{
    struct fixture *f = *state;
    wv_test_put(f->dir, "flows/o.yaml",
                "tasks:\n"
                "  - {name: d, type: noop, depends_on: [b, a]}\n"
                "  - {name: a, type: sync, connection: acme_orders}\n"
                "  - {name: b, type: noop, depends_on: a}\n"
                "  - {name: c, type: noop}\n"
                "  - {name: e, type: publish, depends_on: [d, d]}\n"
                "  - {name: f, type: noop, depends_on: [c]}\n");
    struct core_workspace *ws = load_ok(f->dir);
    const struct core_flow *fl = &ws->flows[0];
    size_t want[] = {1, 2, 0, 3, 4, 5};
    for (size_t i = 0; i < 6; i++)
        assert_int_equal(fl->order[i], want[i]);
    assert_int_equal(fl->tasks[0].n_deps, 2);
    assert_int_equal(fl->tasks[0].deps[0], 2);
    assert_int_equal(fl->tasks[0].deps[1], 1);
    assert_int_equal(fl->tasks[2].n_deps, 1);
    assert_int_equal(fl->tasks[4].n_deps, 1); /* listed twice, kept once */
    core_workspace_free(ws);
}

/* Commands: argv[0] found on $PATH (executables only), relative to the workspace with a '/'. */
static void test_command_lookup(void **state)
{
    struct fixture *f = *state;
    wv_test_put(f->dir, "bin1/tool", "#!/bin/sh\n");  /* not executable: skipped */
    wv_test_put(f->dir, "bin2/tool", "#!/bin/sh\n");
    wv_test_put(f->dir, "scripts/run.sh", "#!/bin/sh\n");
    char *b2 = wv_asprintf("%s/bin2/tool", f->root), *rs = wv_asprintf("%s/scripts/run.sh", f->root);
    assert_int_equal(chmod(b2, 0755), 0);
    assert_int_equal(chmod(rs, 0755), 0);
    char *path = wv_asprintf("relative/dir::%s/nothere:%s/bin1:%s/bin2", f->root, f->root,
                             f->root);
    setenv("PATH", path, 1);
    wv_test_put(f->dir, "flows/c.yaml",
                "tasks:\n"
                "  - {name: a, type: command, argv: [tool, --flag, 42]}\n"
                "  - {name: b, type: command, argv: [scripts/run.sh]}\n");
    struct core_workspace *ws = load_ok(f->dir);
    const struct core_task *t = &ws->flows[0].tasks[0];
    assert_string_equal(t->argv[0], b2);
    assert_string_equal(t->argv[1], "--flag");
    assert_string_equal(t->argv[2], "42");
    assert_null(t->argv[3]);
    assert_int_equal(t->argc, 3);
    assert_string_equal(ws->flows[0].tasks[1].argv[0], rs);
    core_workspace_free(ws);
    free(path);
    free(b2);
    free(rs);
}

/* Two files defining the same flow name. */
static void test_duplicate_flow(void **state)
{
    struct fixture *f = *state;
    wv_test_put(f->dir, "flows/a.yaml", "tasks: [{name: n, type: noop}]\n");
    wv_test_put(f->dir, "flows/b.yaml", "name: a\ntasks: [{name: n, type: noop}]\n");
    struct wv_error err = {0};
    assert_null(core_workspace_load(f->dir, &err));
    char *want = expand("{R}/flows/b.yaml:1:7: flow 'a' is also defined in {R}/flows/a.yaml",
                        f->root);
    assert_string_equal(err.msg, want);
    assert_int_equal(err.code, WV_E_CONFIG);
    free(want);
}

/* A quality task takes checks from a suite file, after its inline ones; errors in the suite
 * name the suite file. */
static void test_suite(void **state)
{
    struct fixture *f = *state;
    wv_test_put(f->dir, "suites/orders.yaml",
                "checks:\n  - {stream: purchases, check: unique, columns: [id]}\n"
                "  - {stream: purchases, check: no_records}\n");
    wv_test_put(f->dir, "flows/q.yaml",
                "tasks:\n  - {name: a, type: sync, connection: acme_orders}\n"
                "  - {name: q, type: quality, depends_on: [a], suite: suites/orders.yaml,\n"
                "     checks: [{stream: purchases, check: row_count, min: 1}]}\n");
    struct core_workspace *ws = load_ok(f->dir);
    const struct core_flow *fl = core_workspace_flow(ws, "q");
    assert_non_null(fl);
    const struct core_task *q = &fl->tasks[core_flow_task(fl, "q")];
    assert_int_equal(q->n_checks, 3);
    assert_int_equal(q->checks[0].kind, QUAL_CHECK_ROW_COUNT);
    assert_int_equal(q->checks[1].kind, QUAL_CHECK_UNIQUE);
    assert_int_equal(q->checks[2].kind, QUAL_CHECK_NO_RECORDS);
    core_workspace_free(ws);
    wv_test_put(f->dir, "suites/orders.yaml", "- {stream: purchases, check: nope}\n");
    struct wv_error err = {0};
    assert_null(core_workspace_load(f->dir, &err));
    char *want = expand("{R}/suites/orders.yaml:1:30: unknown check", f->root);
    if (strncmp(err.msg, want, strlen(want)) != 0)
        fail_msg("got %s", err.msg);
    free(want);
    wv_test_put(f->dir, "suites/orders.yaml", "checks: [\n");
    wv_error_clear(&err);
    assert_null(core_workspace_load(f->dir, &err));
    want = expand("{R}/flows/q.yaml:3:", f->root);
    if (strncmp(err.msg, want, strlen(want)) != 0 || !strstr(err.msg, "suite"))
        fail_msg("got %s", err.msg);
    free(want);
}

struct err_case {
    const char *what;
    const char *text; /* flows/f.yaml; "{R}" is the workspace root */
    const char *msg;  /* "{F}" is {R}/flows/f.yaml */
};

#define S_A "  - {name: a, type: sync, connection: acme_orders}\n"
#define S_B "  - {name: b, type: sync, connection: globex_orders}\n"
#define TYPES "(sync, quality, gate, publish, command, noop)"
#define COMMON "name, type, depends_on, trigger_rule, retries, retry_delay, timeout, description"
#define DUR "(use e.g. 90s, 15m, 2h, 1d, 1h30m)"
#define NOSYNC "does not depend on any sync task (directly or through other tasks)"
#define ROWS "checks: [{stream: orders, check: row_count, min: 1}]"

static const struct err_case err_cases[] = {
    {"not a mapping", "[a]\n", "{F}:1:1: a flow file must be a mapping"},
    {"unknown top-level field", "schedul: '0 6 * * *'\ntasks:\n" S_A,
     "{F}:1:10: unknown field 'schedul' (expected one of: name, description, schedule, every, "
     "timezone, catchup, max_parallel, enabled, tasks)"},
    {"bad flow name", "name: a/b\ntasks:\n" S_A,
     "{F}:1:7: invalid name 'a/b' (use letters, digits, '_', '-', '.')"},
    {"no tasks", "name: x\n", "{F}:1:1: 'tasks' must be a non-empty list of tasks"},
    {"empty tasks", "tasks: []\n", "{F}:1:8: 'tasks' must be a non-empty list of tasks"},
    {"task not a mapping", "tasks:\n  - a\n", "{F}:2:5: a task must be a mapping"},
    {"unknown sync field", "tasks:\n  - {name: a, type: sync, connection: acme_orders, argv: [x]}\n",
     "{F}:2:58: unknown field 'argv' (expected one of: " COMMON ", connection)"},
    {"unknown publish field", "tasks:\n" S_A "  - {name: p, type: publish, depends_on: a, "
     "connection: acme_orders}\n",
     "{F}:3:57: unknown field 'connection' (expected one of: " COMMON ")"},
    {"unknown command field", "tasks:\n  - name: c\n    type: command\n    argv: [/bin/echo]\n"
     "    env: {A: b}\n",
     "{F}:5:10: unknown field 'env' (expected one of: " COMMON ", argv)"},
    {"missing task name", "tasks:\n  - {type: sync, connection: acme_orders}\n",
     "{F}:2:5: missing required field 'name'"},
    {"bad task name", "tasks:\n  - {name: 'a b', type: noop}\n",
     "{F}:2:12: invalid task name 'a b' (use letters, digits, '_', '-', '.')"},
    {"duplicate task name", "tasks:\n" S_A S_B "  - {name: a, type: noop}\n",
     "{F}:4:12: duplicate task name 'a' (first at line 2)"},
    {"missing type", "tasks:\n  - {name: a}\n", "{F}:2:5: missing required field 'type'"},
    {"unknown type", "tasks:\n  - {name: a, type: python}\n",
     "{F}:2:21: unknown task type 'python' " TYPES},
    {"unknown depends_on", "tasks:\n" S_A "  - {name: n, type: noop, depends_on: [a, zz]}\n",
     "{F}:3:43: unknown task 'zz' in depends_on"},
    {"depends_on not names", "tasks:\n" S_A "  - {name: n, type: noop, depends_on: {a: 1}}\n",
     "{F}:3:39: 'depends_on' must be a task name or a list of task names"},
    {"cycle of two", "tasks:\n" S_A "  - {name: b, type: noop, depends_on: [a, c]}\n"
     "  - {name: c, type: noop, depends_on: [b]}\n",
     "{F}:3:5: cycle: b -> c -> b"},
    {"cycle of three", "tasks:\n  - {name: x, type: noop, depends_on: [z]}\n"
     "  - {name: y, type: noop, depends_on: [x]}\n  - {name: z, type: noop, depends_on: [y]}\n",
     "{F}:2:5: cycle: x -> y -> z -> x"},
    {"cycle reached from outside", "tasks:\n  - {name: w, type: noop, depends_on: [y]}\n"
     "  - {name: x, type: noop, depends_on: [y]}\n  - {name: y, type: noop, depends_on: [x]}\n",
     "{F}:3:5: cycle: x -> y -> x"},
    {"self cycle", "tasks:\n  - {name: a, type: noop, depends_on: a}\n",
     "{F}:2:5: cycle: a -> a"},
    {"sync without connection", "tasks:\n  - {name: a, type: sync}\n",
     "{F}:2:5: missing required field 'connection'"},
    {"sync unknown connection", "tasks:\n  - {name: a, type: sync, connection: nope}\n",
     "{F}:2:39: unknown connection 'nope' (no connections/ file defines it)"},
    {"quality without checks", "tasks:\n" S_A "  - {name: q, type: quality, depends_on: a}\n",
     "{F}:3:5: missing required field 'checks' (or 'suite')"},
    {"quality empty checks", "tasks:\n" S_A "  - {name: q, type: quality, depends_on: a, "
     "checks: []}\n", "{F}:3:53: 'checks' must be a non-empty list of checks"},
    {"quality without sync", "tasks:\n  - {name: c, type: noop}\n"
     "  - {name: q, type: quality, depends_on: c, " ROWS "}\n",
     "{F}:3:5: quality task 'q' " NOSYNC},
    {"gate rerun unknown", "tasks:\n" S_A "  - {name: q, type: quality, depends_on: a, " ROWS "}\n"
     "  - {name: g, type: gate, depends_on: q, on_failure: {rerun: [a, zz]}}\n",
     "{F}:4:66: unknown task 'zz' in rerun"},
    {"gate rerun not a sync", "tasks:\n" S_A "  - {name: q, type: quality, depends_on: a, " ROWS
     "}\n  - {name: g, type: gate, depends_on: q, on_failure: {rerun: q}}\n",
     "{F}:4:62: rerun: task 'q' is a quality task, not a sync"},
    {"gate rerun not upstream", "tasks:\n" S_A S_B "  - {name: q, type: quality, depends_on: a, "
     ROWS "}\n  - {name: g, type: gate, depends_on: q, on_failure: {rerun: [a, b]}}\n",
     "{F}:5:66: rerun: task 'b' is not upstream of gate 'g'"},
    {"gate on_failure without rerun", "tasks:\n  - {name: g, type: gate, on_failure: "
     "{max_loops: 2}}\n", "{F}:2:39: 'on_failure' needs 'rerun' (sync tasks to rerun)"},
    {"gate on_failure unknown field", "tasks:\n  - {name: g, type: gate, on_failure: "
     "{rerun: a, loops: 2}}\n",
     "{F}:2:57: unknown field 'loops' (expected one of: rerun, max_loops)"},
    {"gate max_loops 0", "tasks:\n" S_A "  - {name: g, type: gate, depends_on: a, on_failure: "
     "{rerun: a, max_loops: 0}}\n", "{F}:3:76: 'max_loops' must be an integer from 1 to 10"},
    {"publish without sync", "tasks:\n  - {name: c, type: noop}\n"
     "  - {name: p, type: publish, depends_on: [c]}\n", "{F}:3:5: publish task 'p' " NOSYNC},
    {"publish downstream of nothing", "tasks:\n" S_A "  - {name: p, type: publish}\n",
     "{F}:3:5: publish task 'p' " NOSYNC},
    {"command without argv", "tasks:\n  - {name: c, type: command}\n",
     "{F}:2:5: missing required field 'argv'"},
    {"command empty argv", "tasks:\n  - {name: c, type: command, argv: []}\n",
     "{F}:2:36: 'argv' must be a non-empty list of strings"},
    {"command argv a string", "tasks:\n  - {name: c, type: command, argv: /bin/echo}\n",
     "{F}:2:36: 'argv' must be a non-empty list of strings"},
    {"command missing absolute", "tasks:\n  - {name: c, type: command, argv: [/no/such/prog]}\n",
     "{F}:2:37: command '/no/such/prog' is not an executable file"},
    {"command not executable", "tasks:\n  - {name: c, type: command, argv: [{R}/weaver.yaml]}\n",
     "{F}:2:37: command '{R}/weaver.yaml' is not an executable file"},
    {"command a directory", "tasks:\n  - {name: c, type: command, argv: [/]}\n",
     "{F}:2:37: command '/' is not an executable file"},
    {"command relative missing", "tasks:\n  - {name: c, type: command, argv: [bin/x]}\n",
     "{F}:2:37: command 'bin/x' is not an executable file"},
    {"command not on PATH", "tasks:\n  - {name: c, type: command, argv: [no-such-prog-wv]}\n",
     "{F}:2:37: command 'no-such-prog-wv' not found on PATH"},
    {"bad timeout", "tasks:\n  - {name: a, type: noop, timeout: 30}\n",
     "{F}:2:36: invalid duration '30' for 'timeout' " DUR},
    {"bad retry_delay", "tasks:\n  - {name: a, type: noop, retry_delay: 5 s}\n",
     "{F}:2:40: invalid duration '5 s' for 'retry_delay' " DUR},
    {"bad every", "every: 0m\ntasks:\n" S_A, "{F}:1:8: invalid duration '0m' for 'every' " DUR},
    {"bad schedule every", "schedule: {every: soon}\ntasks:\n" S_A,
     "{F}:1:19: invalid duration 'soon' for 'every' " DUR},
    {"bad schedule every text", "schedule: every 1.5h\ntasks:\n" S_A,
     "{F}:1:11: invalid duration '1.5h' for 'every' " DUR},
    {"bad cron", "schedule: \"0 25 * * *\"\ntasks:\n" S_A,
     "{F}:1:11: cron field 2 (hour) at column 3: 25 is out of range 0-23"},
    {"bad cron in a mapping", "schedule: {cron: '0 6 * *', timezone: UTC}\ntasks:\n" S_A,
     "{F}:1:18: cron expression has 4 fields, expected 5 (minute hour day-of-month month "
     "day-of-week)"},
    {"unknown timezone", "schedule: 0 6 * * *\ntimezone: Mars/Base\ntasks:\n" S_A,
     "{F}:2:11: unknown time zone 'Mars/Base'"},
    {"unknown timezone in schedule", "schedule: {cron: 0 6 * * *, timezone: Nowhere}\ntasks:\n" S_A,
     "{F}:1:39: unknown time zone 'Nowhere'"},
    {"timezone without cron", "every: 1h\ntimezone: UTC\ntasks:\n" S_A,
     "{F}:2:11: 'timezone' applies to a cron schedule only"},
    {"timezone twice", "timezone: UTC\nschedule: {cron: 0 6 * * *, timezone: UTC}\ntasks:\n" S_A,
     "{F}:2:39: 'timezone' is given twice"},
    {"schedule and every", "schedule: 0 6 * * *\nevery: 1h\ntasks:\n" S_A,
     "{F}:2:8: give either 'schedule' or 'every', not both"},
    {"schedule both kinds", "schedule: {cron: 0 6 * * *, every: 1h}\ntasks:\n" S_A,
     "{F}:1:11: schedule must have exactly one of 'cron' and 'every'"},
    {"schedule unknown key", "schedule: {cron: 0 6 * * *, tz: UTC}\ntasks:\n" S_A,
     "{F}:1:33: unknown field 'tz' (expected one of: cron, every, timezone)"},
    {"schedule a number", "schedule: 5\ntasks:\n" S_A,
     "{F}:1:11: schedule must be a cron line, {every: 15m} or {cron: ...}"},
    {"retries negative", "tasks:\n  - {name: a, type: noop, retries: -1}\n",
     "{F}:2:36: 'retries' must be an integer from 0 to 100"},
    {"retries too many", "tasks:\n  - {name: a, type: noop, retries: 101}\n",
     "{F}:2:36: 'retries' must be an integer from 0 to 100"},
    {"retries not a number", "tasks:\n  - {name: a, type: noop, retries: many}\n",
     "{F}:2:36: 'retries' must be an integer from 0 to 100"},
    {"max_parallel 0", "max_parallel: 0\ntasks:\n" S_A,
     "{F}:1:15: 'max_parallel' must be an integer from 1 to 64"},
    {"max_parallel 65", "max_parallel: 65\ntasks:\n" S_A,
     "{F}:1:15: 'max_parallel' must be an integer from 1 to 64"},
    {"unknown trigger_rule", "tasks:\n  - {name: a, type: noop, trigger_rule: all_good}\n",
     "{F}:2:41: unknown trigger_rule 'all_good' (all_success, all_done, one_failed, "
     "none_failed)"},
    {"unknown catchup", "catchup: some\ntasks:\n" S_A,
     "{F}:1:10: unknown catchup 'some' (none, last, all)"},
    {"enabled not a bool", "enabled: maybe\ntasks:\n" S_A,
     "{F}:1:10: 'enabled' must be true or false"},
};

/* Writes one case into a fresh workspace and checks the error. */
static bool run_err_case(const struct fixture *f, const struct err_case *c)
{
    struct wv_error err = {0};
    if (wv_fs_rmtree(f->dir, &err) < 0 || wv_fs_mkdirs(f->dir, 0700, &err) < 0)
        fail_msg("%s: %s", c->what, err.msg);
    put_base(f->dir);
    char *text = expand(c->text, f->root);
    wv_test_put(f->dir, "flows/f.yaml", text);
    free(text);
    struct core_workspace *ws = core_workspace_load(f->dir, &err);
    if (ws) {
        core_workspace_free(ws);
        fail_msg("%s: loaded, expected an error", c->what);
    }
    char *file = wv_asprintf("%s/flows/f.yaml", f->root);
    struct wv_buf b = WV_BUF_INIT;
    for (const char *p = c->msg; *p;) {
        if (strncmp(p, "{F}", 3) == 0) {
            wv_buf_puts(&b, file, NULL);
            p += 3;
        } else if (strncmp(p, "{R}", 3) == 0) {
            wv_buf_puts(&b, f->root, NULL);
            p += 3;
        } else {
            wv_buf_putc(&b, *p++, NULL);
        }
    }
    char *want = wv_buf_steal(&b, NULL);
    bool ok = err.code == WV_E_CONFIG && strcmp(err.msg, want) == 0;
    if (!ok)
        print_message("%s:\n  got  [%s] %s\n  want [config] %s\n", c->what,
                      wv_code_name(err.code), err.msg, want);
    free(want);
    free(file);
    return ok;
}

/* Every validation error, with its exact file:line:col message. */
static void test_errors(void **state)
{
    struct fixture *f = *state;
    setenv("PATH", "/usr/bin:/bin", 1);
    size_t bad = 0;
    for (size_t i = 0; i < sizeof err_cases / sizeof err_cases[0]; i++)
        bad += !run_err_case(f, &err_cases[i]);
    assert_int_equal(bad, 0);
}

/* A check that does not parse is reported at its position (message from the quality module). */
static void test_bad_check(void **state)
{
    struct fixture *f = *state;
    wv_test_put(f->dir, "flows/f.yaml",
                "tasks:\n" S_A "  - name: q\n    type: quality\n    depends_on: a\n"
                "    checks:\n      - {stream: orders, check: vibes}\n");
    struct wv_error err = {0};
    assert_null(core_workspace_load(f->dir, &err));
    assert_int_equal(err.code, WV_E_CONFIG);
    char *prefix = wv_asprintf("%s/flows/f.yaml:7:", f->root);
    if (!wv_str_starts(err.msg, prefix))
        fail_msg("want prefix %s, got %s", prefix, err.msg);
    free(prefix);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_example, setup, teardown),
        cmocka_unit_test_setup_teardown(test_defaults_and_stems, setup, teardown),
        cmocka_unit_test_setup_teardown(test_schedule_forms, setup, teardown),
        cmocka_unit_test_setup_teardown(test_order, setup, teardown),
        cmocka_unit_test_setup_teardown(test_command_lookup, setup, teardown),
        cmocka_unit_test_setup_teardown(test_duplicate_flow, setup, teardown),
        cmocka_unit_test_setup_teardown(test_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_suite, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_check, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
