/* test_decl_counts.c - the HTTP request counters of a declarative read (conn_read_env
 * .http_counts) against the fixture's failure injection: every try is counted, retries
 * included, and tries answered with HTTP >= 400 count as failed; a read without counters still
 * works. Single-threaded test; the counters are read after the read returned. */
#include <stdatomic.h>

#include "test_decl_common.h"

/* Installs a failure rule (JSON object text). */
static void fail_rule(const char *rule)
{
    char *body = wv_asprintf("{\"fail\": [%s]}", rule);
    wv_json_free(fx_call("POST", "/_control", body));
    free(body);
}

/* Two 500s retried, then three good pages: 5 tries, 2 failed. */
static void test_counts_with_retries(void **state)
{
    (void)state;
    fx_reset();
    fail_rule("{\"path\": \"/items/cursor\", \"status\": 500, \"times\": 2}");
    struct conn_http_counts counts = {0};
    struct conn_read_env env = {.http_counts = &counts};
    fx_env = &env;
    struct fx_out out;
    struct wv_error err = {0};
    int rc = fx_read("errors.yaml", "constant_items", "full_refresh", "{}", NULL, &out, &err);
    fx_env = NULL;
    if (rc < 0)
        print_error("%s\n", err.msg);
    assert_int_equal(rc, 0);
    assert_int_equal(fx_requests("/items/cursor"), 5);
    assert_int_equal(atomic_load(&counts.requests), 5);
    assert_int_equal(atomic_load(&counts.failed), 2);
    fx_out_done(&out);
}

/* Give up after max_retries on the second window: 1 good try + 4 failed tries. */
static void test_counts_give_up(void **state)
{
    (void)state;
    fx_reset();
    fail_rule("{\"path\": \"/items/all\", \"status\": 500, \"times\": -1, "
              "\"query\": {\"start\": \"2024-01-04T00:00:00Z\"}}");
    struct conn_http_counts counts = {0};
    struct conn_read_env env = {.http_counts = &counts};
    fx_env = &env;
    struct fx_out out;
    struct wv_error err = {0};
    assert_int_equal(fx_read("errors.yaml", "windowed_items", "incremental", "{}", NULL, &out,
                             &err),
                     -1);
    fx_env = NULL;
    assert_int_equal(err.code, WV_E_HTTP);
    assert_int_equal(fx_requests("/items/all"), 5);
    assert_int_equal(atomic_load(&counts.requests), 5);
    assert_int_equal(atomic_load(&counts.failed), 4);
    fx_out_done(&out);
}

/* No failures: every try counted, none failed; counters accumulate across reads. */
static void test_counts_clean_and_accumulate(void **state)
{
    (void)state;
    fx_reset();
    struct conn_http_counts counts = {0};
    struct conn_read_env env = {.http_counts = &counts};
    fx_env = &env;
    struct fx_out out;
    struct wv_error err = {0};
    assert_int_equal(fx_read("errors.yaml", "constant_items", "full_refresh", "{}", NULL, &out,
                             &err),
                     0);
    fx_out_done(&out);
    long long first = atomic_load(&counts.requests);
    assert_int_equal(first, (long long)fx_requests("/items/cursor"));
    assert_true(first > 0);
    assert_int_equal(atomic_load(&counts.failed), 0);
    assert_int_equal(fx_read("errors.yaml", "constant_items", "full_refresh", "{}", NULL, &out,
                             &err),
                     0);
    fx_env = NULL;
    fx_out_done(&out);
    assert_int_equal(atomic_load(&counts.requests), 2 * first);
    assert_int_equal(atomic_load(&counts.failed), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_counts_with_retries),
        cmocka_unit_test(test_counts_give_up),
        cmocka_unit_test(test_counts_clean_and_accumulate),
    };
    return cmocka_run_group_tests(tests, fx_start, fx_stop);
}
