/* test_stats_json.c - unit tests of statistics as JSON (src/quality/stats_json.c): the version 1
 * text of a collector, a round trip (to_json -> from_json) that gives the same results for every
 * check kind and the same text again, and from_json's errors with origin:line:col.
 * Single-threaded. */
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
#include "base/json.h"
#include "quality/quality.h"

static const char *const checks_yaml[] = {
    "{stream: users, check: row_count, min: 5, max: 20}",
    "{stream: users, check: null_ratio, column: email, max: 0.2}",
    "{stream: users, check: freshness, max_age: 26h}",
    "{stream: users, check: freshness, column: seen_at, max_age: 1h, severity: warn}",
    "{stream: users, check: no_records}",
    "{stream: orders, check: no_records}",
    "{stream: users, check: low_count, runs: 4}",
    "{stream: users, check: unique, columns: [id]}",
    "{stream: users, check: unique, columns: [id, email]}",
    "{stream: users, check: accepted_values, column: status, values: [a, b, null]}",
    "{stream: users, check: schema_drift}",
    "{stream: users, check: failed_requests, max: 0.1}",
};
#define N_CHECKS (sizeof checks_yaml / sizeof *checks_yaml)

/* Parses the checks above. */
static void parse_checks(struct qual_check *c)
{
    for (size_t i = 0; i < N_CHECKS; i++) {
        struct wv_json *n = wv_test_yaml(checks_yaml[i], "c.yaml");
        struct wv_error err = {0};
        if (qual_check_parse(n, "c.yaml", &c[i], &err) < 0)
            fail_msg("%s: %s", checks_yaml[i], err.msg);
        wv_json_free(n);
    }
}

/* users (tracked by the checks) with a cursor, plus a namespaced stream. */
static struct qual_stats *rich_stats(const struct qual_check *c)
{
    struct qual_stats *s = qual_stats_new();
    qual_stats_track(s, c, N_CHECKS);
    struct wv_path cur = {0};
    struct wv_json *p = wv_test_json("\"updated_at\"", "p");
    assert_int_equal(wv_path_from_json(p, &cur), 0);
    wv_json_free(p);
    for (int i = 0; i < 12; i++) {
        char text[256];
        snprintf(text, sizeof text,
                 "{\"id\":%d,\"email\":%s,\"status\":\"%s\","
                 "\"updated_at\":\"2024-01-0%dT00:00:00Z\""
                 "%s}",
                 i % 10, i < 3 ? "null" : "\"a@b\"", i % 4 ? "a" : "x\\u00e9\\\"", i % 2 + 1,
                 i == 5 ? ",\"seen_at\":\"2024-01-02T00:30:00Z\"" : "");
        struct wv_json *r = wv_test_json(text, "r");
        qual_stats_add(s, NULL, "users", r, &cur);
        qual_stats_add(s, "sales", "users", r, NULL);
        wv_json_free(r);
    }
    wv_path_done(&cur);
    return s;
}

/* Evaluates every check against two collectors and compares the results. */
static void assert_same_results(const struct qual_check *c, const struct qual_stats *a,
                                const struct qual_stats *b)
{
    int64_t now;
    assert_int_equal(wv_time_parse("2024-01-02T01:00:00Z", &now), 0);
    struct qual_stats *h[4] = {qual_stats_new(), qual_stats_new(), qual_stats_new(),
                               qual_stats_new()};
    struct wv_json *sch = wv_test_json("{\"users\":{\"properties\":{\"id\":{}}}}", "s");
    for (size_t i = 0; i < N_CHECKS; i++) {
        struct qual_eval_ctx ca = {.stats = a, .now_ms = now, .history =
                                   (const struct qual_stats *const *)h, .n_history = 4,
                                   .schemas = sch, .prev_schemas = sch, .requests = 10,
                                   .failed_requests = 2};
        struct qual_eval_ctx cb = ca;
        cb.stats = b;
        struct qual_result ra, rb;
        qual_check_eval_ctx(&c[i], &ca, &ra);
        qual_check_eval_ctx(&c[i], &cb, &rb);
        if (ra.verdict != rb.verdict || strcmp(ra.text, rb.text) != 0 ||
            strcmp(ra.threshold, rb.threshold) != 0 || ra.observed != rb.observed)
            fail_msg("%s: <%s> <%s>", checks_yaml[i], ra.text, rb.text);
    }
    for (int i = 0; i < 4; i++)
        qual_stats_free(h[i]);
    wv_json_free(sch);
}

static void test_round_trip(void **state)
{
    (void)state;
    struct qual_check c[N_CHECKS];
    parse_checks(c);
    struct qual_stats *s = rich_stats(c);
    char *text = qual_stats_to_json(s);
    struct wv_error err = {0};
    struct qual_stats *back = qual_stats_from_json(text, strlen(text), "job 7", &err);
    if (!back)
        fail_msg("%s\n%s", err.msg, text);
    assert_same_results(c, s, back);
    /* and the results read back are the measured ones, not "not collected" */
    int64_t now;
    assert_int_equal(wv_time_parse("2024-01-02T01:00:00Z", &now), 0);
    struct qual_result r;
    qual_check_eval(&c[7], back, now, &r);
    assert_string_equal(r.text, "users unique [id]: 2 duplicate rows");
    qual_check_eval(&c[8], back, now, &r);
    assert_string_equal(r.text, "users unique [id, email]: 0 duplicate rows, 3 rows with a null or "
                                "missing key");
    qual_check_eval(&c[9], back, now, &r);
    assert_string_equal(r.text,
                        "users.status accepted_values: 3 rows not accepted (\"x\u00e9\\\"\")");
    qual_check_eval(&c[3], back, now, &r);
    assert_string_equal(r.text, "users freshness: newest seen_at 1800s old <= max 3600s");
    qual_check_eval(&c[1], back, now, &r);
    assert_string_equal(r.text, "users.email null_ratio 0.2500 > max 0.2");
    qual_check_eval(&c[2], back, now, &r);
    assert_string_equal(r.text, "users freshness: newest cursor 3600s old <= max 93600s");
    char *again = qual_stats_to_json(back);
    assert_string_equal(again, text);
    /* the public view too */
    assert_int_equal(qual_stats_count(back), 2);
    const struct qual_stream_stats *st = qual_stats_find(back, "sales", "users");
    assert_non_null(st);
    assert_int_equal(st->rows, 12);
    assert_null(st->cursor_max);
    free(again);
    free(text);
    qual_stats_free(back);
    qual_stats_free(s);
    for (size_t i = 0; i < N_CHECKS; i++)
        qual_check_done(&c[i]);
}

/* The exact text of a small collector. */
static void test_format(void **state)
{
    (void)state;
    struct qual_stats *s = qual_stats_new();
    char *text = qual_stats_to_json(s);
    assert_string_equal(text, "{\"v\":1,\"streams\":[]}");
    free(text);
    struct wv_json *cf = wv_test_yaml("{stream: u, check: unique, columns: [id]}", "c");
    struct wv_json *ca = wv_test_yaml("{stream: u, check: accepted_values, column: k, values: [1]}",
                                      "c");
    struct wv_json *cfr = wv_test_yaml("{stream: u, check: freshness, column: t, max_age: 1h}",
                                       "c");
    struct qual_check c[3];
    struct wv_error err = {0};
    assert_int_equal(qual_check_parse(cf, "c", &c[0], &err), 0);
    assert_int_equal(qual_check_parse(ca, "c", &c[1], &err), 0);
    assert_int_equal(qual_check_parse(cfr, "c", &c[2], &err), 0);
    qual_stats_track(s, c, 3);
    struct wv_json *r = wv_test_json("{\"id\":1,\"k\":2,\"t\":null}", "r");
    qual_stats_add(s, "n", "u", r, NULL);
    qual_stats_add(s, "n", "u", r, NULL);
    text = qual_stats_to_json(s);
    assert_string_equal(text,
                        "{\"v\":1,\"streams\":[{\"ns\":\"n\",\"name\":\"u\",\"rows\":2,"
                        "\"fields\":[{\"name\":\"id\",\"present\":2,\"nulls\":0},"
                        "{\"name\":\"k\",\"present\":2,\"nulls\":0},"
                        "{\"name\":\"t\",\"present\":0,\"nulls\":2}],"
                        "\"column_max\":[{\"column\":\"t\",\"max\":null}],"
                        "\"unique\":[{\"columns\":[\"id\"],\"duplicates\":1,\"null_keys\":0}],"
                        "\"accepted\":[{\"column\":\"k\",\"values\":[1],\"misses\":2,"
                        "\"examples\":[\"2\"]}]}]}");
    free(text);
    wv_json_free(r);
    wv_json_free(cf);
    wv_json_free(ca);
    wv_json_free(cfr);
    for (int i = 0; i < 3; i++)
        qual_check_done(&c[i]);
    qual_stats_free(s);
}

/* from_json's error for a text (static buffer). */
static const char *from_err(const char *text)
{
    static char msg[1100];
    struct wv_error err = {0};
    struct qual_stats *s = qual_stats_from_json(text, strlen(text), "job 7", &err);
    assert_null(s);
    assert_int_equal(err.code, WV_E_PARSE);
    snprintf(msg, sizeof msg, "%s", err.msg);
    return msg;
}

static void test_from_json_errors(void **state)
{
    (void)state;
    assert_true(strncmp(from_err("{\"v\":1,"), "job 7:1:", 8) == 0);
    assert_string_equal(from_err("[1]"),
                        "job 7:1:1: statistics: expected an object {\"v\":1,\"streams\":[...]}");
    assert_string_equal(from_err("{\"streams\":[]}"),
                        "job 7:1:1: statistics: missing 'v' (the format version)");
    assert_string_equal(from_err("{\"v\":2,\"streams\":[]}"),
                        "job 7:1:6: statistics: unsupported version (this weaver reads version 1)");
    assert_string_equal(from_err("{\"v\":1}"), "job 7:1:1: statistics: missing 'streams'");
    assert_string_equal(from_err("{\"v\":1,\"streams\":{}}"),
                        "job 7:1:18: statistics: 'streams' must be an array");
    assert_string_equal(from_err("{\"v\":1,\"streams\":[3]}"),
                        "job 7:1:19: statistics: a stream must be an object");
    assert_string_equal(from_err("{\"v\":1,\"streams\":[{\"rows\":1}]}"),
                        "job 7:1:19: statistics: missing 'name'");
    assert_string_equal(from_err("{\"v\":1,\"streams\":[\n {\"name\":\"u\",\"rows\":-1}]}"),
                        "job 7:2:21: statistics: 'rows' must be an integer >= 0");
    assert_string_equal(from_err("{\"v\":1,\"streams\":[{\"name\":\"u\",\"rows\":1,"
                                 "\"fields\":[{\"name\":\"a\",\"present\":1}]}]}"),
                        "job 7:1:50: statistics: missing 'nulls'");
    assert_string_equal(from_err("{\"v\":1,\"streams\":[{\"name\":\"u\",\"rows\":1,"
                                 "\"fields\":[{\"name\":\"a\",\"present\":2,\"nulls\":0}]}]}"),
                        "job 7:1:50: statistics: a field's counts exceed 'rows'");
    assert_string_equal(from_err("{\"v\":1,\"streams\":[{\"name\":\"u\",\"rows\":1},"
                                 "{\"name\":\"u\",\"rows\":2}]}"),
                        "job 7:1:49: statistics: stream listed twice");
    assert_string_equal(from_err("{\"v\":1,\"streams\":[{\"name\":\"u\",\"rows\":1,"
                                 "\"unique\":[{\"columns\":[1],\"duplicates\":0,"
                                 "\"null_keys\":0}]}]}"),
                        "job 7:1:62: statistics: 'columns' entries must be strings");
    assert_string_equal(from_err("{\"v\":1,\"streams\":[{\"name\":\"u\",\"rows\":1,"
                                 "\"accepted\":[{\"column\":\"k\",\"values\":[1],\"misses\":1,"
                                 "\"examples\":[\"1\",\"2\",\"3\",\"4\",\"5\",\"6\"]}]}]}"),
                        "job 7:1:101: statistics: at most 5 'examples'");
    assert_string_equal(from_err("{\"v\":1,\"streams\":[{\"name\":\"u\",\"rows\":1,"
                                 "\"column_max\":[{\"max\":1}]}]}"),
                        "job 7:1:54: statistics: missing 'column'");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_format),
        cmocka_unit_test(test_from_json_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
