/* test_decl_partition_state.c - per-partition cursor state of routed incremental streams in the
 * CDK's ConcurrentPerPartitionCursor shape: exact state after a first read, a second read that
 * starts each partition at its own cursor (checked in the fixture's request log), a partition
 * new to the state, legacy input state, incremental_dependency parent_state round trip and the
 * global_substream_cursor shape. A fixed clock makes lookback_window (the sync's duration) 0. */
#include "test_decl_common.h"

#define CFG "{\"start_date\": \"2024-01-01T00:00:00Z\"}"

/* Fixed clock: 2024-02-01T00:00:00Z, monotonic time standing still. */
static int64_t fixed_now(void *ctx)
{
    (void)ctx;
    return 1706745600000LL;
}

static int64_t fixed_mono(void *ctx)
{
    (void)ctx;
    return 0;
}

static const struct wv_clock_ops fixed_ops = {fixed_now, fixed_mono};
static const struct wv_clock fixed_clock = {&fixed_ops, NULL};
static const struct conn_read_env fixed_env = {.clock = &fixed_clock};

/* Reads a stream incrementally from a stream state (JSON text or NULL); asserts success. */
static void read_ok(const char *stream, const char *config, const char *stream_state,
                    struct fx_out *out)
{
    char *st = stream_state ? wv_asprintf("[{\"type\": \"STREAM\", \"stream\": "
                                          "{\"stream_descriptor\": {\"name\": \"%s\"}, "
                                          "\"stream_state\": %s}}]",
                                          stream, stream_state)
                            : NULL;
    struct wv_error err = {0};
    fx_env = &fixed_env;
    int rc = fx_read("partition_state.yaml", stream, "incremental", config, st, out, &err);
    fx_env = NULL;
    if (rc < 0)
        print_error("%s\n", err.msg);
    assert_int_equal(rc, 0);
    free(st);
}

/* The last emitted state as JSON text (caller frees). */
static char *last_state(const struct fx_out *out)
{
    assert_true(out->states->len > 0);
    return wv_json_to_string(out->states->items[out->states->len - 1]);
}

/* Asserts the ids of the records read, in order. */
static void assert_ids(const struct fx_out *out, const char *ids)
{
    struct wv_json *got = wv_json_array();
    for (size_t i = 0; i < out->records->len; i++)
        wv_json_push(got, wv_json_dup(wv_json_get(out->records->items[i], "id")));
    fx_assert_text(got, ids);
    wv_json_free(got);
}

/* Asserts the query strings of the logged requests to path. */
static void assert_queries(const char *path, const char *queries)
{
    char *p = wv_asprintf("/_requests?path=%s", path);
    struct wv_json *log = fx_call("GET", p, NULL), *got = wv_json_array();
    const struct wv_json *reqs = wv_json_get(log, "requests");
    for (size_t i = 0; reqs && i < reqs->len; i++)
        wv_json_push(got, wv_json_dup(wv_json_get(reqs->items[i], "query")));
    fx_assert_text(got, queries);
    wv_json_free(got);
    wv_json_free(log);
    free(p);
}

#define P(n) "{\"project_id\": " #n ", \"parent_slice\": {}}"
#define C(v) "{\"updated_at\": \"" v "\"}"
#define E(n, v) "{\"partition\": " P(n) ", \"cursor\": " C(v) "}"
#define FIRST_STATES                                                                               \
    "[" E(1, "2024-01-03T15:00:00Z") "," E(2, "2024-01-06T20:00:00Z") "," E(                       \
        3, "2024-01-01T00:00:00Z") "," E(4,                                                        \
                                         "2024-01-07T10:00:00Z") "," E(5,                          \
                                                                       "2024-01-08T21:00:00Z") "]"

/* First read: one cursor per project (project 3 has no tasks: its start), the global cursor
 * the highest of all; a STATE after each slice, then the final one. Second read from it:
 * each partition starts at its own cursor. */
static void test_first_and_second_read(void **state)
{
    (void)state;
    fx_reset();
    struct fx_out out;
    read_ok("tasks_sub", CFG, NULL, &out);
    assert_int_equal(out.records->len, 27);
    assert_int_equal(out.states->len, 6);
    fx_assert_text(
        out.states->items[0],
        "{\"use_global_cursor\": false, \"states\": [" E(
            1, "2024-01-03T15:00:00Z") "], \"lookback_window\": 0, \"parent_state\": {}}");
    fx_assert_text(out.states->items[5],
                   "{\"use_global_cursor\": false, \"states\": " FIRST_STATES ", \"state\": " C(
                       "2024-01-08T21:00:00Z") ", \"lookback_window\": 0, \"parent_state\": {}}");
    assert_queries("/projects/1/tasks",
                   "[{\"start\": \"2024-01-01T00:00:00Z\", \"end\": \"2024-01-10T00:00:00Z\"}]");
    char *st = last_state(&out);
    fx_out_done(&out);

    fx_reset();
    read_ok("tasks_sub", CFG, st, &out);
    free(st);
    assert_ids(&out, "[9, 20, 22, 27]");
    assert_queries("/projects/1/tasks",
                   "[{\"start\": \"2024-01-03T15:00:00Z\", \"end\": \"2024-01-10T00:00:00Z\"}]");
    assert_queries("/projects/2/tasks",
                   "[{\"start\": \"2024-01-06T20:00:00Z\", \"end\": \"2024-01-10T00:00:00Z\"}]");
    assert_queries("/projects/3/tasks",
                   "[{\"start\": \"2024-01-01T00:00:00Z\", \"end\": \"2024-01-10T00:00:00Z\"}]");
    assert_queries("/projects/5/tasks",
                   "[{\"start\": \"2024-01-08T21:00:00Z\", \"end\": \"2024-01-10T00:00:00Z\"}]");
    fx_assert_text(out.states->items[out.states->len - 1],
                   "{\"use_global_cursor\": false, \"states\": " FIRST_STATES ", \"state\": " C(
                       "2024-01-08T21:00:00Z") ", \"lookback_window\": 0, \"parent_state\": {}}");
    fx_out_done(&out);
}

#define L(n, v) "{\"partition\": {\"project_id\": " #n "}, \"cursor\": " C(v) "}"

/* A partition missing from the state starts from the global cursor less lookback_window; one
 * missing with no global cursor starts at start_datetime. */
static void test_new_partition(void **state)
{
    (void)state;
    fx_reset();
    struct fx_out out;
    read_ok("tasks_list", "{\"start_date\": \"2024-01-01T00:00:00Z\", \"projects\": [1, 2]}", NULL,
            &out);
    assert_ids(&out, "[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20]");
    fx_assert_text(
        out.states->items[out.states->len - 1],
        "{\"use_global_cursor\": false, \"states\": [" L(1, "2024-01-03T15:00:00Z") ", " L(
            2, "2024-01-06T20:00:00Z") "], \"state\": " C("2024-01-06T20:00:00Z") ", "
                                                                                  "\"lookback_"
                                                                                  "window\": 0}");
    fx_out_done(&out);

    fx_reset();
    read_ok(
        "tasks_list", "{\"start_date\": \"2024-01-01T00:00:00Z\", \"projects\": [1, 4]}",
        "{\"use_global_cursor\": false, \"states\": [" L(1, "2024-01-03T15:00:00Z") ", " L(
            2, "2024-01-06T20:00:00Z") "], \"state\": " C("2024-01-06T20:00:00Z") ", "
                                                                                  "\"lookback_"
                                                                                  "window\": 3600}",
        &out);
    assert_ids(&out, "[9, 21, 22]");
    assert_queries("/projects/4/tasks",
                   "[{\"start\": \"2024-01-06T19:00:00Z\", \"end\": \"2024-01-10T00:00:00Z\"}]");
    fx_assert_text(
        out.states->items[out.states->len - 1],
        "{\"use_global_cursor\": false, \"states\": [" L(1, "2024-01-03T15:00:00Z") ", " L(
            2,
            "2024-01-06T20:00:00Z") ", " L(4,
                                           "2024-01-07T10:00:00Z") "], \"state\": " C("2024-01-"
                                                                                      "07T10:00:"
                                                                                      "00Z") ", "
                                                                                             "\"loo"
                                                                                             "kback"
                                                                                             "_wind"
                                                                                             "ow\":"
                                                                                             " 0}");
    fx_out_done(&out);

    fx_reset();
    read_ok("tasks_list", "{\"start_date\": \"2024-01-01T00:00:00Z\", \"projects\": [4]}",
            "{\"states\": [" L(1, "2024-01-03T15:00:00Z") "]}", &out);
    assert_queries("/projects/4/tasks",
                   "[{\"start\": \"2024-01-01T00:00:00Z\", \"end\": \"2024-01-10T00:00:00Z\"}]");
    assert_ids(&out, "[21, 22]");
    fx_out_done(&out);
}

/* Legacy input state {cursor_field: value}: the global cursor every partition starts from. */
static void test_legacy_state(void **state)
{
    (void)state;
    fx_reset();
    struct fx_out out;
    read_ok("tasks_list", "{\"start_date\": \"2024-01-01T00:00:00Z\", \"projects\": [2, 3]}",
            C("2024-01-06T12:00:00Z"), &out);
    assert_ids(&out, "[19, 20]");
    assert_queries("/projects/3/tasks",
                   "[{\"start\": \"2024-01-06T12:00:00Z\", \"end\": \"2024-01-10T00:00:00Z\"}]");
    fx_assert_text(
        out.states->items[out.states->len - 1],
        "{\"use_global_cursor\": false, \"states\": [" L(2, "2024-01-06T20:00:00Z") ", " L(
            3, "2024-01-06T12:00:00Z") "], \"state\": " C("2024-01-06T20:00:00Z") ", "
                                                                                  "\"lookback_"
                                                                                  "window\": 0}");
    fx_out_done(&out);
}

/* incremental_dependency: the parent's state is kept under parent_state and the next read
 * only gets partitions from parent records at or after it. */
static void test_incremental_dependency(void **state)
{
    (void)state;
    fx_reset();
    struct fx_out out;
    read_ok("tasks_dep", CFG, NULL, &out);
    assert_int_equal(out.records->len, 27);
    fx_assert_text(out.states->items[out.states->len - 1],
                   "{\"use_global_cursor\": false, \"states\": " FIRST_STATES ", \"state\": " C(
                       "2024-01-08T21:00:00Z") ", \"lookback_window\": 0, \"parent_state\": "
                                               "{\"projects\": " C("2024-01-06T00:00:00Z") "}}");
    char *st = last_state(&out);
    fx_out_done(&out);

    fx_reset();
    read_ok("tasks_dep", CFG, st, &out);
    free(st);
    assert_ids(&out, "[27]");
    assert_int_equal(fx_requests("/projects/1/tasks"), 0);
    assert_queries("/projects/5/tasks",
                   "[{\"start\": \"2024-01-08T21:00:00Z\", \"end\": \"2024-01-10T00:00:00Z\"}]");
    for (size_t i = 0; i < out.states->len; i++)
        fx_assert_text(wv_json_get(out.states->items[i], "parent_state"),
                       "{\"projects\": " C("2024-01-06T00:00:00Z") "}");
    fx_assert_text(out.states->items[out.states->len - 1],
                   "{\"use_global_cursor\": false, \"states\": " FIRST_STATES ", \"state\": " C(
                       "2024-01-08T21:00:00Z") ", \"lookback_window\": 0, \"parent_state\": "
                                               "{\"projects\": " C("2024-01-06T00:00:00Z") "}}");
    fx_out_done(&out);
}

/* global_substream_cursor: one global cursor, no per-partition states, one STATE at the end. */
static void test_global_cursor(void **state)
{
    (void)state;
    fx_reset();
    struct fx_out out;
    read_ok("tasks_global", CFG, NULL, &out);
    assert_int_equal(out.records->len, 27);
    fx_assert_text(out.states, "[{\"use_global_cursor\": true, \"state\": " C(
                                   "2024-01-08T21:00:00Z") ", \"lookback_window\": 0, "
                                                           "\"parent_state\": {}}]");
    char *st = last_state(&out);
    fx_out_done(&out);

    fx_reset();
    read_ok("tasks_global", CFG, st, &out);
    free(st);
    assert_ids(&out, "[27]");
    assert_queries("/projects/1/tasks",
                   "[{\"start\": \"2024-01-08T21:00:00Z\", \"end\": \"2024-01-10T00:00:00Z\"}]");
    fx_assert_text(out.states, "[{\"use_global_cursor\": true, \"state\": " C(
                                   "2024-01-08T21:00:00Z") ", \"lookback_window\": 0, "
                                                           "\"parent_state\": {}}]");
    fx_out_done(&out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_first_and_second_read), cmocka_unit_test(test_new_partition),
        cmocka_unit_test(test_legacy_state),          cmocka_unit_test(test_incremental_dependency),
        cmocka_unit_test(test_global_cursor),
    };
    return cmocka_run_group_tests(tests, fx_start, fx_stop);
}
