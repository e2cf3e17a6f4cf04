/* test_decl_incremental.c - DatetimeBasedCursor windows (step, granularity, lookback, start/end
 * request options), STATE after each slice and state round-trips, client-side incremental
 * filtering, and the ListPartitionRouter / SubstreamPartitionRouter, against the fixture. */
#include "test_decl_common.h"

/* The fixture items with first <= id <= last. */
static struct wv_json *items_range(int64_t first, int64_t last)
{
    struct wv_json *all = fx_items(NULL), *out = wv_json_array();
    for (size_t i = 0; i < all->len; i++) {
        int64_t id = 0;
        wv_json_get_i64(all->items[i], "id", &id);
        if (id >= first && id <= last)
            wv_json_push(out, wv_json_dup(all->items[i]));
    }
    wv_json_free(all);
    return out;
}

/* Reads and asserts exact records (ids first..last) and exact states. */
static void read_expect(const char *stream, const char *config, const char *state, int64_t first,
                        int64_t last, const char *states)
{
    struct fx_out out;
    struct wv_error err = {0};
    int rc = fx_read("incremental.yaml", stream, "incremental", config, state, &out, &err);
    if (rc < 0)
        print_error("%s\n", err.msg);
    assert_int_equal(rc, 0);
    struct wv_json *want = items_range(first, last);
    fx_assert_json(out.records, want);
    fx_assert_text(out.states, states);
    wv_json_free(want);
    fx_out_done(&out);
}

/* Three-day windows from config.start_date to the end: four slices, four states. */
static void test_windows(void **state)
{
    (void)state;
    fx_reset();
    read_expect("items_windows", "{\"start_date\": \"2024-01-01\"}", NULL, 1, 217,
                "[{\"updated_at\": \"2024-01-03T23:00:00Z\"},"
                " {\"updated_at\": \"2024-01-06T23:00:00Z\"},"
                " {\"updated_at\": \"2024-01-09T23:00:00Z\"},"
                " {\"updated_at\": \"2024-01-10T00:00:00Z\"}]");
    struct wv_json *log = fx_call("GET", "/_requests?path=/items/all", NULL);
    const struct wv_json *reqs = wv_json_get(log, "requests");
    assert_int_equal(reqs->len, 4);
    fx_assert_text(wv_json_get(reqs->items[1], "query"),
                   "{\"start\": \"2024-01-04T00:00:00Z\", \"end\": \"2024-01-06T23:59:59Z\"}");
    fx_assert_text(wv_json_get(reqs->items[3], "query"),
                   "{\"start\": \"2024-01-10T00:00:00Z\", \"end\": \"2024-01-10T00:00:00Z\"}");
    wv_json_free(log);
}

#define STATE_MSG(v)                                                                               \
    "[{\"type\": \"STREAM\", \"stream\": {\"stream_descriptor\": {\"name\": \"items_windows\"}, "  \
    "\"stream_state\": {\"updated_at\": \"" v "\"}}}]"

/* Input state: the read starts at the state (minus lookback) and keeps the highest cursor. */
static void test_state_roundtrip(void **state)
{
    (void)state;
    fx_reset();
    read_expect("items_windows", "{\"start_date\": \"2024-01-01\"}",
                STATE_MSG("2024-01-08T12:00:00Z"), 181, 217,
                "[{\"updated_at\": \"2024-01-10T00:00:00Z\"}]");
    read_expect("items_windows", "{\"start_date\": \"2024-01-01\", \"lookback\": \"PT12H\"}",
                STATE_MSG("2024-01-08T12:00:00Z"), 169, 217,
                "[{\"updated_at\": \"2024-01-10T00:00:00Z\"}]");
    /* The output state fed back: only the boundary record again, state unchanged. */
    read_expect("items_windows", "{\"start_date\": \"2024-01-01\"}",
                STATE_MSG("2024-01-10T00:00:00Z"), 217, 217,
                "[{\"updated_at\": \"2024-01-10T00:00:00Z\"}]");
}

/* is_client_side_incremental: the server returns everything; the cursor filters. */
static void test_client_side(void **state)
{
    (void)state;
    read_expect("items_client", "{}", NULL, 25, 49, "[{\"updated_at\": \"2024-01-03T00:00:00Z\"}]");
    read_expect(
        "items_client", "{}",
        "[{\"type\": \"STREAM\", \"stream\": {\"stream_descriptor\": {\"name\": "
        "\"items_client\"}, \"stream_state\": {\"updated_at\": \"2024-01-02T12:00:00Z\"}}}]",
        37, 49, "[{\"updated_at\": \"2024-01-03T00:00:00Z\"}]");
}

/* ListPartitionRouter: one partition per configured category, injected as a parameter. */
static void test_list_router(void **state)
{
    (void)state;
    struct fx_out out;
    struct wv_error err = {0};
    assert_int_equal(fx_read("incremental.yaml", "items_by_category", "full_refresh",
                             "{\"categories\": [\"gamma\", \"alpha\"]}", NULL, &out, &err),
                     0);
    struct wv_json *want = fx_items("?category=gamma"), *alpha = fx_items("?category=alpha");
    for (size_t i = 0; i < alpha->len; i++)
        wv_json_push(want, wv_json_dup(alpha->items[i]));
    assert_true(want->len > 0 && alpha->len > 0);
    fx_assert_json(out.records, want);
    assert_int_equal(out.states->len, 0);
    wv_json_free(want);
    wv_json_free(alpha);
    fx_out_done(&out);
}

/* SubstreamPartitionRouter: tasks of every project (parent paginated 2 per page). */
static void test_substream(void **state)
{
    (void)state;
    fx_reset();
    struct fx_out out;
    struct wv_error err = {0};
    int rc = fx_read("incremental.yaml", "tasks", "full_refresh", "{}", NULL, &out, &err);
    if (rc < 0)
        print_error("%s\n", err.msg);
    assert_int_equal(rc, 0);
    assert_int_equal(fx_requests("/projects"), 3);
    assert_int_equal(fx_requests("/projects/3/tasks"), 1);
    struct wv_json *want = wv_json_array();
    for (int p = 1; p <= 5; p++) {
        char path[64];
        snprintf(path, sizeof path, "/projects/%d/tasks", p);
        struct wv_json *j = fx_call("GET", path, NULL);
        const struct wv_json *data = wv_json_get(j, "data");
        for (size_t i = 0; i < data->len; i++) {
            struct wv_json *t = wv_json_dup(data->items[i]);
            wv_json_set(t, "from_project", wv_json_int(p));
            wv_json_push(want, t);
        }
        wv_json_free(j);
    }
    assert_true(want->len > 0);
    fx_assert_json(out.records, want);
    wv_json_free(want);
    fx_out_done(&out);
}

/* is_data_feed: newest first; with a state, pagination stops at the first page that reaches
 * records older than the state (that page's records are still emitted). */
static void test_data_feed(void **state)
{
    (void)state;
    fx_reset();
    struct fx_out out;
    struct wv_error err = {0};
    int rc = fx_read("incremental.yaml", "items_feed", "incremental", "{}",
                     "[{\"type\": \"STREAM\", \"stream\": {\"stream_descriptor\": {\"name\": "
                     "\"items_feed\"}, \"stream_state\": {\"updated_at\": "
                     "\"2024-01-11T00:00:00Z\"}}}]",
                     &out, &err);
    if (rc < 0)
        print_error("%s\n", err.msg);
    assert_int_equal(rc, 0);
    assert_int_equal(fx_requests("/items/cursor"), 1);
    struct wv_json *want = items_range(231, 250), *rev = wv_json_array();
    for (size_t i = want->len; i > 0; i--)
        wv_json_push(rev, wv_json_dup(want->items[i - 1]));
    fx_assert_json(out.records, rev);
    fx_assert_text(out.states, "[{\"updated_at\": \"2024-01-11T09:00:00Z\"}]");
    wv_json_free(want);
    wv_json_free(rev);
    fx_out_done(&out);

    fx_reset();
    assert_int_equal(
        fx_read("incremental.yaml", "items_feed", "incremental", "{}", NULL, &out, &err), 0);
    assert_int_equal(fx_requests("/items/cursor"), 13);
    assert_int_equal(out.records->len, 250);
    fx_out_done(&out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_windows),     cmocka_unit_test(test_state_roundtrip),
        cmocka_unit_test(test_client_side), cmocka_unit_test(test_list_router),
        cmocka_unit_test(test_substream),   cmocka_unit_test(test_data_feed),
    };
    return cmocka_run_group_tests(tests, fx_start, fx_stop);
}
