/* test_decl_errors.c - declarative error handling against the fixture's failure injection: a
 * 429 with Retry-After honoured, 500s retried with a constant backoff, a give-up after
 * max_retries with a clear error and no state past the unread slice, response filters (IGNORE,
 * FAIL with a message and predicate, SUCCESS by error_message_contains) in a composite handler,
 * and secrets redacted from errors. */
#include <time.h>

#include "test_decl_common.h"

/* Monotonic seconds. */
static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Installs a failure rule (JSON object text). */
static void fail_rule(const char *rule)
{
    char *body = wv_asprintf("{\"fail\": [%s]}", rule);
    wv_json_free(fx_call("POST", "/_control", body));
    free(body);
}

/* A 429 with Retry-After: 1 is retried after about a second, then the read completes. */
static void test_429_retry_after(void **state)
{
    (void)state;
    fx_reset();
    fail_rule("{\"path\": \"/items/cursor\", \"status\": 429, \"times\": 1, \"retry_after\": 1}");
    struct fx_out out;
    struct wv_error err = {0};
    double t0 = now_s();
    int rc = fx_read("errors.yaml", "default_items", "full_refresh", "{}", NULL, &out, &err);
    double dt = now_s() - t0;
    if (rc < 0)
        print_error("%s\n", err.msg);
    assert_int_equal(rc, 0);
    struct wv_json *want = fx_items(NULL);
    fx_assert_json(out.records, want);
    assert_int_equal(fx_requests("/items/cursor"), 4);
    assert_true(dt >= 0.9);
    assert_true(dt < 4.0);
    wv_json_free(want);
    fx_out_done(&out);
}

/* Two 500s are retried with the constant backoff, then the read completes. */
static void test_500_retried(void **state)
{
    (void)state;
    fx_reset();
    fail_rule("{\"path\": \"/items/cursor\", \"status\": 500, \"times\": 2}");
    struct fx_out out;
    struct wv_error err = {0};
    int rc = fx_read("errors.yaml", "constant_items", "full_refresh", "{}", NULL, &out, &err);
    if (rc < 0)
        print_error("%s\n", err.msg);
    assert_int_equal(rc, 0);
    struct wv_json *want = fx_items(NULL);
    fx_assert_json(out.records, want);
    assert_int_equal(fx_requests("/items/cursor"), 5);
    wv_json_free(want);
    fx_out_done(&out);
}

/* A window that always fails: give up after max_retries, first window's state only. */
static void test_give_up(void **state)
{
    (void)state;
    fx_reset();
    fail_rule("{\"path\": \"/items/all\", \"status\": 500, \"times\": -1, "
              "\"query\": {\"start\": \"2024-01-04T00:00:00Z\"}}");
    struct fx_out out;
    struct wv_error err = {0};
    assert_int_equal(fx_read("errors.yaml", "windowed_items", "incremental",
                             "{\"api_key\": \"sekret-value-123\"}", NULL, &out, &err),
                     -1);
    assert_int_equal(err.code, WV_E_HTTP);
    assert_int_equal(err.detail, 500);
    assert_true(wv_str_starts(err.msg, "stream windowed_items: GET http://127.0.0.1:"));
    assert_true(wv_str_ends(err.msg, ": HTTP 500 after 3 retries"));
    assert_non_null(strstr(err.msg, "/items/all?start=2024-01-04"));
    assert_null(strstr(err.msg, "sekret"));
    assert_int_equal(out.records->len, 72);
    fx_assert_text(out.states, "[{\"updated_at\": \"2024-01-03T23:00:00Z\"}]");
    assert_int_equal(fx_requests("/items/all"), 5);
    fx_out_done(&out);
}

/* Composite handler: 404 ignored, 418 fails with the filter's message (secret redacted), 409
 * succeeds by error_message_contains, 403 fails by default. */
static void test_filters(void **state)
{
    (void)state;
    struct fx_out out;
    struct wv_error err = {0};
    assert_int_equal(fx_read("errors.yaml", "filtered_status", "full_refresh",
                             "{\"status\": 404, \"api_key\": \"sekret-value-123\"}", NULL, &out,
                             &err),
                     0);
    assert_int_equal(out.records->len, 0);
    fx_out_done(&out);

    assert_int_equal(fx_read("errors.yaml", "filtered_status", "full_refresh",
                             "{\"status\": 418, \"api_key\": \"sekret-value-123\"}", NULL, &out,
                             &err),
                     -1);
    if (!wv_str_ends(err.msg, ": HTTP 418: teapot 418 for ****"))
        print_error("%s\n", err.msg);
    assert_true(wv_str_ends(err.msg, ": HTTP 418: teapot 418 for ****"));
    fx_out_done(&out);

    wv_error_clear(&err);
    assert_int_equal(fx_read("errors.yaml", "filtered_status", "full_refresh", "{\"status\": 409}",
                             NULL, &out, &err),
                     0);
    fx_assert_text(out.records, "[{\"status\": 409}]");
    fx_out_done(&out);

    assert_int_equal(fx_read("errors.yaml", "filtered_status", "full_refresh", "{\"status\": 403}",
                             NULL, &out, &err),
                     -1);
    assert_non_null(strstr(err.msg, "/status/403: HTTP 403: "));
    fx_out_done(&out);
}

static volatile int cancel_flag;

/* Log sink: the retry notice cancels the read. */
static void cancel_on_log(void *ctx, enum wv_level level, const char *msg)
{
    (void)ctx;
    (void)level;
    if (strstr(msg, "retrying"))
        cancel_flag = 1;
}

/* A cancel during a long Retry-After wait ends the read promptly with WV_E_CANCELLED. */
static void test_cancel_during_backoff(void **state)
{
    (void)state;
    fx_reset();
    fail_rule("{\"path\": \"/items/cursor\", \"status\": 429, \"times\": 1, "
              "\"retry_after\": 30}");
    struct wv_log log = {cancel_on_log, NULL, WV_LOG_TRACE};
    struct conn_read_env env = {.log = &log, .cancel = &cancel_flag};
    struct fx_out out;
    struct wv_error err = {0};
    cancel_flag = 0;
    fx_env = &env;
    double t0 = now_s();
    int rc = fx_read("errors.yaml", "default_items", "full_refresh", "{}", NULL, &out, &err);
    fx_env = NULL;
    assert_int_equal(rc, -1);
    assert_int_equal(err.code, WV_E_CANCELLED);
    assert_true(now_s() - t0 < 3.0);
    assert_int_equal(out.records->len, 0);
    fx_out_done(&out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_429_retry_after),
        cmocka_unit_test(test_500_retried),
        cmocka_unit_test(test_give_up),
        cmocka_unit_test(test_filters),
        cmocka_unit_test(test_cancel_during_backoff),
    };
    return cmocka_run_group_tests(tests, fx_start, fx_stop);
}
