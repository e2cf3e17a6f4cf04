/* test_decl_errors.c - the declarative error handler (decl_errors.c) without a network: default
 * actions per status, HttpResponseFilter matching (http_codes, error_message_contains,
 * predicate) and actions, CompositeErrorHandler order, max_retries, and the backoff strategies
 * (Exponential, Constant, WaitTimeFromHeader, WaitUntilTimeFromHeader on a fake clock) with
 * Retry-After. Handlers are built from small YAML snippets; responses are made in memory. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base/json.h"
#include "base/mem.h"
#include "base/yaml.h"
#include "connectors/decl_int.h"

/* A fixed wall clock for WaitUntilTimeFromHeader. */
static int64_t fake_now_ms(void *ctx)
{
    return *(const int64_t *)ctx;
}

/* Monotonic time of the fake clock. */
static int64_t fake_mono_ns(void *ctx)
{
    return *(const int64_t *)ctx * 1000000;
}

static const struct wv_clock_ops fake_ops = {fake_now_ms, fake_mono_ns};

/* Builds a handler from YAML (NULL text: the default handler). */
static struct decl_errh *build(const char *yaml)
{
    struct wv_error err = {0};
    struct wv_json *node = NULL;
    if (yaml) {
        node = wv_yaml_parse(yaml, strlen(yaml), "t.yaml", &err);
        assert_non_null(node);
    }
    struct decl_errh *h = conn_decl_errh_build(node, "t.yaml", &err);
    if (!h)
        print_error("%s\n", err.msg);
    assert_non_null(h);
    wv_json_free(node);
    return h;
}

/* A response: status, body (may be NULL) and headers as a JSON object text (may be NULL). */
static void resp_make(struct conn_http_resp *r, long status, const char *body, const char *hdrs)
{
    memset(r, 0, sizeof *r);
    r->status = status;
    r->body = wv_strdup(body ? body : "");
    r->body_len = strlen(r->body);
    r->headers = hdrs ? wv_json_parse(hdrs, strlen(hdrs), "h", NULL) : wv_json_object();
    assert_non_null(r->headers);
}

/* Frees what resp_make made. */
static void resp_free(struct conn_http_resp *r)
{
    free(r->body);
    wv_json_free(r->headers);
}

/* Classifies status/body/headers with h; *msg (may be NULL) gets the message, caller frees. */
static enum decl_action classify(const struct decl_errh *h, long status, const char *body,
                                 const char *hdrs, char **msg)
{
    struct conn_http_resp r;
    resp_make(&r, status, body, hdrs);
    struct wv_json *j = body && *body ? wv_json_parse(body, strlen(body), "b", NULL) : NULL;
    struct wv_json *cfg = wv_json_parse("{\"word\": \"quota\"}", 17, "c", NULL);
    struct decl_run run = {.config = cfg, .clock = wv_clock_system()};
    struct wv_error err = {0};
    enum decl_action act = DECL_ACT_SUCCESS;
    char *m = NULL;
    int rc = conn_decl_errh_classify(h, &r, j ? j : NULL, &run, &act, &m, &err);
    if (rc < 0)
        print_error("%s\n", err.msg);
    assert_int_equal(rc, 0);
    if (msg)
        *msg = m;
    else
        free(m);
    wv_json_free(j);
    wv_json_free(cfg);
    resp_free(&r);
    return act;
}

/* Default mapping without filters (no handler, and a bare DefaultErrorHandler). */
static void test_default_actions(void **state)
{
    (void)state;
    struct decl_errh *hs[2] = {build(NULL), build("type: DefaultErrorHandler\n")};
    for (int i = 0; i < 2; i++) {
        const struct decl_errh *h = hs[i];
        assert_int_equal(classify(h, 200, NULL, NULL, NULL), DECL_ACT_SUCCESS);
        assert_int_equal(classify(h, 204, NULL, NULL, NULL), DECL_ACT_SUCCESS);
        assert_int_equal(classify(h, 302, NULL, NULL, NULL), DECL_ACT_SUCCESS);
        assert_int_equal(classify(h, 400, NULL, NULL, NULL), DECL_ACT_FAIL);
        assert_int_equal(classify(h, 401, NULL, NULL, NULL), DECL_ACT_FAIL);
        assert_int_equal(classify(h, 403, NULL, NULL, NULL), DECL_ACT_FAIL);
        assert_int_equal(classify(h, 404, NULL, NULL, NULL), DECL_ACT_FAIL);
        assert_int_equal(classify(h, 408, NULL, NULL, NULL), DECL_ACT_RETRY);
        assert_int_equal(classify(h, 429, NULL, NULL, NULL), DECL_ACT_RATE_LIMITED);
        assert_int_equal(classify(h, 500, NULL, NULL, NULL), DECL_ACT_RETRY);
        assert_int_equal(classify(h, 502, NULL, NULL, NULL), DECL_ACT_RETRY);
        assert_int_equal(classify(h, 503, NULL, NULL, NULL), DECL_ACT_RETRY);
        assert_int_equal(classify(h, 504, NULL, NULL, NULL), DECL_ACT_RETRY);
        assert_int_equal(conn_decl_errh_max_retries(h), 5);
    }
    /* A NULL handler behaves as the default one. */
    assert_int_equal(classify(NULL, 429, NULL, NULL, NULL), DECL_ACT_RATE_LIMITED);
    assert_int_equal(classify(NULL, 404, NULL, NULL, NULL), DECL_ACT_FAIL);
    assert_int_equal(conn_decl_errh_max_retries(NULL), 5);
    conn_decl_errh_free(hs[0]);
    conn_decl_errh_free(hs[1]);
}

/* http_codes with each action; unmatched statuses keep the default mapping. */
static void test_filter_http_codes(void **state)
{
    (void)state;
    static const struct {
        const char *name;
        enum decl_action act;
    } acts[] = {{"SUCCESS", DECL_ACT_SUCCESS}, {"FAIL", DECL_ACT_FAIL},
                {"RETRY", DECL_ACT_RETRY},     {"IGNORE", DECL_ACT_IGNORE},
                {"RATE_LIMITED", DECL_ACT_RATE_LIMITED},
                {"RESET_PAGINATION", DECL_ACT_RESET_PAGINATION}};
    for (size_t i = 0; i < sizeof acts / sizeof acts[0]; i++) {
        char *yaml = wv_asprintf("type: DefaultErrorHandler\n"
                                 "response_filters:\n"
                                 "  - type: HttpResponseFilter\n"
                                 "    http_codes: [403, 404]\n"
                                 "    action: %s\n",
                                 acts[i].name);
        struct decl_errh *h = build(yaml);
        assert_int_equal(classify(h, 403, NULL, NULL, NULL), acts[i].act);
        assert_int_equal(classify(h, 404, NULL, NULL, NULL), acts[i].act);
        assert_int_equal(classify(h, 401, NULL, NULL, NULL), DECL_ACT_FAIL);
        assert_int_equal(classify(h, 500, NULL, NULL, NULL), DECL_ACT_RETRY);
        assert_int_equal(classify(h, 200, NULL, NULL, NULL), DECL_ACT_SUCCESS);
        conn_decl_errh_free(h);
        free(yaml);
    }
}

/* An unknown action is a config error naming the position. */
static void test_filter_bad_action(void **state)
{
    (void)state;
    const char *yaml = "type: DefaultErrorHandler\n"
                       "response_filters:\n"
                       "  - http_codes: [403]\n"
                       "    action: EXPLODE\n";
    struct wv_error err = {0};
    struct wv_json *node = wv_yaml_parse(yaml, strlen(yaml), "t.yaml", &err);
    assert_non_null(node);
    assert_null(conn_decl_errh_build(node, "t.yaml", &err));
    assert_int_equal(err.code, WV_E_CONFIG);
    assert_non_null(strstr(err.msg, "t.yaml:3:"));
    assert_non_null(strstr(err.msg, "unknown action 'EXPLODE'"));
    wv_json_free(node);
    /* An unsupported handler type fails too. */
    const char *y2 = "type: CustomErrorHandler\nclass_name: x.Y\n";
    wv_error_clear(&err);
    node = wv_yaml_parse(y2, strlen(y2), "t.yaml", &err);
    assert_null(conn_decl_errh_build(node, "t.yaml", &err));
    assert_int_not_equal(err.code, WV_E_OK);
    wv_json_free(node);
}

/* error_message_contains matches the body text (interpolated with config). */
static void test_filter_contains(void **state)
{
    (void)state;
    struct decl_errh *h = build("type: DefaultErrorHandler\n"
                                "response_filters:\n"
                                "  - error_message_contains: \"{{ config['word'] }} exceeded\"\n"
                                "    action: IGNORE\n"
                                "    error_message: \"skipped: {{ response['error'] }}\"\n");
    char *msg = NULL;
    assert_int_equal(classify(h, 400, "{\"error\": \"quota exceeded\"}", NULL, &msg),
                     DECL_ACT_IGNORE);
    assert_non_null(msg);
    assert_string_equal(msg, "skipped: quota exceeded");
    free(msg);
    msg = NULL;
    assert_int_equal(classify(h, 400, "{\"error\": \"bad request\"}", NULL, &msg), DECL_ACT_FAIL);
    assert_null(msg);
    /* A matching body on a 200 is also IGNOREd, as the CDK does. */
    assert_int_equal(classify(h, 200, "{\"w\": \"quota exceeded\"}", NULL, NULL),
                     DECL_ACT_IGNORE);
    conn_decl_errh_free(h);
}

/* predicate sees response (decoded body) and headers. */
static void test_filter_predicate(void **state)
{
    (void)state;
    struct decl_errh *h = build("type: DefaultErrorHandler\n"
                                "response_filters:\n"
                                "  - predicate: \"{{ response.status == 'pending' }}\"\n"
                                "    action: RETRY\n"
                                "  - predicate: \"{{ headers['x-stop'] == 'yes' }}\"\n"
                                "    action: FAIL\n"
                                "  - predicate: \"{{ 'errors' in response }}\"\n"
                                "    action: IGNORE\n");
    assert_int_equal(classify(h, 200, "{\"status\": \"pending\"}", NULL, NULL), DECL_ACT_RETRY);
    assert_int_equal(classify(h, 200, "{\"status\": \"done\"}", NULL, NULL), DECL_ACT_SUCCESS);
    assert_int_equal(classify(h, 200, "{\"status\": \"done\"}", "{\"x-stop\": \"yes\"}", NULL),
                     DECL_ACT_FAIL);
    assert_int_equal(classify(h, 500, "{\"errors\": []}", NULL, NULL), DECL_ACT_IGNORE);
    /* Filters are tried in order: the first match decides. */
    assert_int_equal(classify(h, 200, "{\"status\": \"pending\", \"errors\": 1}",
                              "{\"x-stop\": \"yes\"}", NULL),
                     DECL_ACT_RETRY);
    conn_decl_errh_free(h);
}

/* A filter without action uses the status's default action when it matches. */
static void test_filter_without_action(void **state)
{
    (void)state;
    struct decl_errh *h = build("type: DefaultErrorHandler\n"
                                "response_filters:\n"
                                "  - http_codes: [503]\n"
                                "    error_message: \"down\"\n");
    char *msg = NULL;
    assert_int_equal(classify(h, 503, NULL, NULL, &msg), DECL_ACT_RETRY);
    assert_non_null(msg);
    assert_string_equal(msg, "down");
    free(msg);
    conn_decl_errh_free(h);
}

/* max_retries: literal, interpolated, and clamped. */
static void test_max_retries(void **state)
{
    (void)state;
    struct decl_errh *h = build("type: DefaultErrorHandler\nmax_retries: 3\n");
    assert_int_equal(conn_decl_errh_max_retries(h), 3);
    conn_decl_errh_free(h);
    h = build("type: DefaultErrorHandler\nmax_retries: 0\n");
    assert_int_equal(conn_decl_errh_max_retries(h), 0);
    conn_decl_errh_free(h);
    h = build("type: DefaultErrorHandler\nmax_retries: \"{{ 2 * 4 }}\"\n");
    assert_int_equal(conn_decl_errh_max_retries(h), 8);
    conn_decl_errh_free(h);
    h = build("type: DefaultErrorHandler\nmax_retries: -4\n");
    assert_int_equal(conn_decl_errh_max_retries(h), 0);
    conn_decl_errh_free(h);
    h = build("type: DefaultErrorHandler\nmax_retries: 100000\n");
    assert_int_equal(conn_decl_errh_max_retries(h), 100);
    conn_decl_errh_free(h);
}

/* CompositeErrorHandler: the first non-FAIL decides; max_retries from the first handler. */
static void test_composite(void **state)
{
    (void)state;
    struct decl_errh *h = build("type: CompositeErrorHandler\n"
                                "error_handlers:\n"
                                "  - type: DefaultErrorHandler\n"
                                "    max_retries: 2\n"
                                "    response_filters:\n"
                                "      - http_codes: [403]\n"
                                "        action: RETRY\n"
                                "  - type: DefaultErrorHandler\n"
                                "    max_retries: 9\n"
                                "    response_filters:\n"
                                "      - http_codes: [403, 404]\n"
                                "        action: IGNORE\n"
                                "      - http_codes: [400]\n"
                                "        action: SUCCESS\n");
    assert_int_equal(classify(h, 403, NULL, NULL, NULL), DECL_ACT_RETRY);
    assert_int_equal(classify(h, 404, NULL, NULL, NULL), DECL_ACT_IGNORE);
    assert_int_equal(classify(h, 400, NULL, NULL, NULL), DECL_ACT_SUCCESS);
    assert_int_equal(classify(h, 401, NULL, NULL, NULL), DECL_ACT_FAIL);
    assert_int_equal(classify(h, 200, NULL, NULL, NULL), DECL_ACT_SUCCESS);
    assert_int_equal(conn_decl_errh_max_retries(h), 2);
    conn_decl_errh_free(h);
}

/* CompositeErrorHandler where every handler fails: the CDK returns the LAST handler's
 * resolution (composite_error_handler.py keeps overwriting matched_error_resolution). */
static void test_composite_all_fail_message(void **state)
{
    (void)state;
    struct decl_errh *h = build("type: CompositeErrorHandler\n"
                                "error_handlers:\n"
                                "  - response_filters:\n"
                                "      - http_codes: [401]\n"
                                "        action: FAIL\n"
                                "        error_message: first\n"
                                "  - response_filters:\n"
                                "      - http_codes: [401]\n"
                                "        action: FAIL\n"
                                "        error_message: last\n");
    char *msg = NULL;
    assert_int_equal(classify(h, 401, NULL, NULL, &msg), DECL_ACT_FAIL);
    assert_non_null(msg);
    assert_string_equal(msg, "last");
    free(msg);
    conn_decl_errh_free(h);
}

/* Backoff of h for a response with the given headers at attempt, on a clock at now_ms. */
static double backoff(const struct decl_errh *h, const char *hdrs, int attempt, int64_t now_ms)
{
    struct conn_http_resp r;
    resp_make(&r, 429, NULL, hdrs);
    int64_t now = now_ms;
    struct wv_clock clk = {&fake_ops, &now};
    struct decl_run run = {.clock = &clk};
    double s = conn_decl_errh_backoff(h, &r, attempt, &run);
    resp_free(&r);
    return s;
}

/* Default backoff: Retry-After when present, else 5 * 2^attempt, capped at an hour. */
static void test_backoff_default(void **state)
{
    (void)state;
    struct decl_errh *h = build(NULL);
    assert_float_equal(backoff(h, NULL, 1, 0), 10.0, 1e-9);
    assert_float_equal(backoff(h, NULL, 2, 0), 20.0, 1e-9);
    assert_float_equal(backoff(h, NULL, 3, 0), 40.0, 1e-9);
    assert_float_equal(backoff(h, NULL, 20, 0), 3600.0, 1e-9);
    assert_float_equal(backoff(h, "{\"retry-after\": \"7\"}", 3, 0), 7.0, 1e-9);
    assert_float_equal(backoff(h, "{\"retry-after\": \"1.5\"}", 1, 0), 1.5, 1e-9);
    assert_float_equal(backoff(h, "{\"retry-after\": \"86400\"}", 1, 0), 3600.0, 1e-9);
    assert_float_equal(backoff(NULL, "{\"retry-after\": \"3\"}", 1, 0), 3.0, 1e-9);
    conn_decl_errh_free(h);
}

/* ExponentialBackoffStrategy: factor * 2^attempt (factor literal or interpolated). */
static void test_backoff_exponential(void **state)
{
    (void)state;
    struct decl_errh *h = build("type: DefaultErrorHandler\n"
                                "backoff_strategies:\n"
                                "  - type: ExponentialBackoffStrategy\n"
                                "    factor: 3\n");
    assert_float_equal(backoff(h, NULL, 1, 0), 6.0, 1e-9);
    assert_float_equal(backoff(h, NULL, 2, 0), 12.0, 1e-9);
    assert_float_equal(backoff(h, NULL, 4, 0), 48.0, 1e-9);
    /* The strategy wins over Retry-After. */
    assert_float_equal(backoff(h, "{\"retry-after\": \"7\"}", 1, 0), 6.0, 1e-9);
    conn_decl_errh_free(h);
    h = build("type: DefaultErrorHandler\n"
              "backoff_strategies:\n"
              "  - type: ExponentialBackoffStrategy\n");
    assert_float_equal(backoff(h, NULL, 1, 0), 10.0, 1e-9);
    conn_decl_errh_free(h);
    h = build("type: DefaultErrorHandler\n"
              "backoff_strategies:\n"
              "  - type: ExponentialBackoffStrategy\n"
              "    factor: \"{{ 0.5 }}\"\n");
    assert_float_equal(backoff(h, NULL, 3, 0), 4.0, 1e-9);
    conn_decl_errh_free(h);
}

/* ConstantBackoffStrategy ignores the attempt. */
static void test_backoff_constant(void **state)
{
    (void)state;
    struct decl_errh *h = build("type: DefaultErrorHandler\n"
                                "backoff_strategies:\n"
                                "  - type: ConstantBackoffStrategy\n"
                                "    backoff_time_in_seconds: 2.5\n");
    assert_float_equal(backoff(h, NULL, 1, 0), 2.5, 1e-9);
    assert_float_equal(backoff(h, NULL, 9, 0), 2.5, 1e-9);
    assert_float_equal(backoff(h, "{\"retry-after\": \"60\"}", 1, 0), 2.5, 1e-9);
    conn_decl_errh_free(h);
}

/* WaitTimeFromHeader: the header's number (case-insensitive name, first number in the value);
 * over max_waiting_time_in_seconds or missing it falls through to the next rule. */
static void test_backoff_wait_header(void **state)
{
    (void)state;
    struct decl_errh *h = build("type: DefaultErrorHandler\n"
                                "backoff_strategies:\n"
                                "  - type: WaitTimeFromHeader\n"
                                "    header: X-Wait-Seconds\n"
                                "    max_waiting_time_in_seconds: 100\n");
    assert_float_equal(backoff(h, "{\"x-wait-seconds\": \"12\"}", 1, 0), 12.0, 1e-9);
    assert_float_equal(backoff(h, "{\"x-wait-seconds\": \"wait=4.5s\"}", 1, 0), 4.5, 1e-9);
    assert_float_equal(backoff(h, "{\"x-wait-seconds\": \"100\"}", 1, 0), 100.0, 1e-9);
    /* Missing header: Retry-After, then the default exponential. */
    assert_float_equal(backoff(h, "{\"retry-after\": \"3\"}", 1, 0), 3.0, 1e-9);
    assert_float_equal(backoff(h, NULL, 2, 0), 20.0, 1e-9);
    /* Over the limit: no opinion from the strategy. */
    assert_float_equal(backoff(h, "{\"x-wait-seconds\": \"101\"}", 1, 0), 10.0, 1e-9);
    conn_decl_errh_free(h);
}

/* WaitUntilTimeFromHeader: header epoch seconds minus now (fake clock), floored by min_wait. */
static void test_backoff_wait_until(void **state)
{
    (void)state;
    struct decl_errh *h = build("type: DefaultErrorHandler\n"
                                "backoff_strategies:\n"
                                "  - type: WaitUntilTimeFromHeader\n"
                                "    header: X-Reset\n"
                                "    min_wait: 5\n");
    int64_t now = 1700000000000;
    assert_float_equal(backoff(h, "{\"x-reset\": \"1700000030\"}", 1, now), 30.0, 1e-6);
    assert_float_equal(backoff(h, "{\"x-reset\": \"1700000002\"}", 1, now), 5.0, 1e-6);
    assert_float_equal(backoff(h, "{\"x-reset\": \"1699999000\"}", 1, now), 5.0, 1e-6);
    assert_float_equal(backoff(h, "{\"x-reset\": \"1700000030\"}", 1, now + 10000), 20.0, 1e-6);
    conn_decl_errh_free(h);
    h = build("type: DefaultErrorHandler\n"
              "backoff_strategies:\n"
              "  - type: WaitUntilTimeFromHeader\n"
              "    header: X-Reset\n");
    assert_float_equal(backoff(h, "{\"x-reset\": \"1700000045.5\"}", 1, now), 45.5, 1e-6);
    conn_decl_errh_free(h);
}

/* CDK (wait_until_time_from_header_backoff_strategy.py): without the header the strategy
 * returns min_wait when one is set. */
static void test_backoff_wait_until_missing_header(void **state)
{
    (void)state;
    struct decl_errh *h = build("type: DefaultErrorHandler\n"
                                "backoff_strategies:\n"
                                "  - type: WaitUntilTimeFromHeader\n"
                                "    header: X-Reset\n"
                                "    min_wait: 5\n");
    assert_float_equal(backoff(h, NULL, 1, 1700000000000), 5.0, 1e-6);
    conn_decl_errh_free(h);
}

/* Composite backoff: the first sub-handler with strategies decides. */
static void test_backoff_composite(void **state)
{
    (void)state;
    struct decl_errh *h = build("type: CompositeErrorHandler\n"
                                "error_handlers:\n"
                                "  - response_filters:\n"
                                "      - http_codes: [403]\n"
                                "        action: RETRY\n"
                                "  - backoff_strategies:\n"
                                "      - type: ConstantBackoffStrategy\n"
                                "        backoff_time_in_seconds: 11\n"
                                "  - backoff_strategies:\n"
                                "      - type: ConstantBackoffStrategy\n"
                                "        backoff_time_in_seconds: 22\n");
    assert_float_equal(backoff(h, NULL, 1, 0), 11.0, 1e-9);
    conn_decl_errh_free(h);
}

/* conn_decl_sleep: zero returns at once; a set cancel flag is WV_E_CANCELLED. */
static void test_sleep_cancel(void **state)
{
    (void)state;
    struct wv_error err = {0};
    assert_int_equal(conn_decl_sleep(NULL, 0, &err), 0);
    assert_int_equal(conn_decl_sleep(NULL, 0.01, &err), 0);
    volatile int cancel = 1;
    struct decl_run run = {.cancel = &cancel};
    assert_int_equal(conn_decl_sleep(&run, 30, &err), -1);
    assert_int_equal(err.code, WV_E_CANCELLED);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_default_actions),
        cmocka_unit_test(test_filter_http_codes),
        cmocka_unit_test(test_filter_bad_action),
        cmocka_unit_test(test_filter_contains),
        cmocka_unit_test(test_filter_predicate),
        cmocka_unit_test(test_filter_without_action),
        cmocka_unit_test(test_max_retries),
        cmocka_unit_test(test_composite),
        cmocka_unit_test(test_composite_all_fail_message),
        cmocka_unit_test(test_backoff_default),
        cmocka_unit_test(test_backoff_exponential),
        cmocka_unit_test(test_backoff_constant),
        cmocka_unit_test(test_backoff_wait_header),
        cmocka_unit_test(test_backoff_wait_until),
        cmocka_unit_test(test_backoff_wait_until_missing_header),
        cmocka_unit_test(test_backoff_composite),
        cmocka_unit_test(test_sleep_cancel),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
