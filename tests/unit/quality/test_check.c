/* test_check.c - unit tests of data-quality checks (src/quality/check.c): parsing with
 * file:line:col errors, and row_count / null_ratio / freshness verdicts (pass, warn by
 * severity, fail) with the observed value and the threshold in the text; parse errors and
 * defaults of the other kinds (their evaluation: test_check_kinds.c). Single-threaded. */
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

/* Parses a check from YAML, failing the test if it does not parse. */
static void parse_ok(const char *yaml, struct qual_check *c)
{
    struct wv_json *n = wv_test_yaml(yaml, "c.yaml");
    struct wv_error err = {0};
    if (qual_check_parse(n, "c.yaml", c, &err) < 0)
        fail_msg("%s: %s", yaml, err.msg);
    wv_json_free(n);
}

/* Parses a bad check and returns the error text (static buffer). */
static const char *parse_err(const char *yaml)
{
    static char msg[1100];
    struct wv_json *n = wv_test_yaml(yaml, "c.yaml");
    struct wv_error err = {0};
    struct qual_check c;
    assert_int_equal(qual_check_parse(n, "c.yaml", &c, &err), -1);
    assert_int_equal(err.code, WV_E_CONFIG);
    snprintf(msg, sizeof msg, "%s", err.msg);
    wv_json_free(n);
    return msg;
}

/* Statistics of users: 10 rows, email null in 3, updated_at max 2024-01-02T00:00:00Z. */
static struct qual_stats *users_stats(void)
{
    struct qual_stats *s = qual_stats_new();
    struct wv_path cur = {0};
    struct wv_json *p = wv_test_json("\"updated_at\"", "p");
    assert_int_equal(wv_path_from_json(p, &cur), 0);
    wv_json_free(p);
    for (int i = 0; i < 10; i++) {
        char text[160];
        snprintf(text, sizeof text, "{\"id\":%d,\"email\":%s,\"updated_at\":\"2024-01-0%dT00:00:00Z\"}",
                 i, i < 3 ? "null" : "\"a@b\"", i % 2 + 1);
        struct wv_json *r = wv_test_json(text, "r");
        qual_stats_add(s, NULL, "users", r, &cur);
        wv_json_free(r);
    }
    wv_path_done(&cur);
    return s;
}

static void test_parse_errors(void **state)
{
    (void)state;
    assert_string_equal(parse_err("{check: row_count, min: 1}"),
                        "c.yaml:1:1: a check needs 'stream' (a stream name)");
    assert_string_equal(parse_err("{stream: u, check: nope}"),
                        "c.yaml:1:20: unknown check (row_count, null_ratio, freshness, no_records, "
                        "low_count, unique, accepted_values, schema_drift, failed_requests)");
    assert_string_equal(parse_err("{stream: u, check: row_count}"),
                        "c.yaml:1:1: row_count needs min or max");
    assert_string_equal(parse_err("{stream: u, check: row_count, min: -1}"),
                        "c.yaml:1:36: 'min' must be a number >= 0");
    assert_string_equal(parse_err("{stream: u, check: null_ratio, max: 0.1}"),
                        "c.yaml:1:1: null_ratio needs 'column'");
    assert_string_equal(parse_err("{stream: u, check: null_ratio, column: e, max: 2}"),
                        "c.yaml:1:1: null_ratio needs 'max' between 0 and 1");
    assert_string_equal(parse_err("{stream: u, check: freshness, max_age: soon}"),
                        "c.yaml:1:40: freshness needs 'max_age' like 26h, 30m, 7d");
    assert_string_equal(parse_err("{stream: u, check: row_count, min: 1, severity: fatal}"),
                        "c.yaml:1:49: severity must be error or warn");
    assert_string_equal(parse_err("{stream: u, check: row_count, minimum: 1}"),
                        "c.yaml:1:40: unknown field 'minimum' (expected stream, check, min, max, "
                        "column, columns, values, max_age, below_pct_of_median, runs, allow, "
                        "severity)");
}

/* Parse errors of the other kinds, each at its exact position. */
static void test_parse_errors_kinds(void **state)
{
    (void)state;
    assert_string_equal(parse_err("{stream: u}"),
                        "c.yaml:1:1: a check needs 'check' (row_count, null_ratio, freshness, "
                        "no_records, low_count, unique, accepted_values, schema_drift, "
                        "failed_requests)");
    assert_string_equal(parse_err("{stream: u, check: unique}"),
                        "c.yaml:1:1: unique needs 'columns' (a list of column names)");
    assert_string_equal(parse_err("{stream: u, check: unique, columns: id}"),
                        "c.yaml:1:37: unique 'columns' must be a non-empty list of column names");
    assert_string_equal(parse_err("{stream: u, check: unique, columns: []}"),
                        "c.yaml:1:37: unique 'columns' must be a non-empty list of column names");
    assert_string_equal(parse_err("{stream: u, check: unique, columns: [id, 3]}"),
                        "c.yaml:1:42: unique 'columns' entries must be column names");
    assert_string_equal(parse_err("{stream: u, check: accepted_values, values: [a]}"),
                        "c.yaml:1:1: accepted_values needs 'column'");
    assert_string_equal(parse_err("{stream: u, check: accepted_values, column: s}"),
                        "c.yaml:1:1: accepted_values needs 'values' (a list of values)");
    assert_string_equal(parse_err("{stream: u, check: accepted_values, column: s, values: a}"),
                        "c.yaml:1:56: accepted_values 'values' must be a non-empty list");
    assert_string_equal(parse_err("{stream: u, check: accepted_values, column: s, values: []}"),
                        "c.yaml:1:56: accepted_values 'values' must be a non-empty list");
    assert_string_equal(
        parse_err("{stream: u, check: accepted_values, column: s, values: [a, [b]]}"),
        "c.yaml:1:60: accepted_values 'values' entries must be scalars (string, number, bool, "
        "null)");
    assert_string_equal(parse_err("{stream: u, check: low_count, below_pct_of_median: 0}"),
                        "c.yaml:1:52: low_count 'below_pct_of_median' must be a number in "
                        "(0, 100]");
    assert_string_equal(parse_err("{stream: u, check: low_count, below_pct_of_median: 101}"),
                        "c.yaml:1:52: low_count 'below_pct_of_median' must be a number in "
                        "(0, 100]");
    assert_string_equal(parse_err("{stream: u, check: low_count, runs: 3}"),
                        "c.yaml:1:37: low_count 'runs' must be an integer from 4 to 1000");
    assert_string_equal(parse_err("{stream: u, check: low_count, runs: 4.5}"),
                        "c.yaml:1:37: low_count 'runs' must be an integer from 4 to 1000");
    assert_string_equal(parse_err("{stream: u, check: schema_drift, allow: new}"),
                        "c.yaml:1:41: schema_drift 'allow' must be a list of new, missing, "
                        "type_changed");
    assert_string_equal(parse_err("{stream: u, check: schema_drift, allow: [new, gone]}"),
                        "c.yaml:1:47: schema_drift 'allow' must be a list of new, missing, "
                        "type_changed");
    assert_string_equal(parse_err("{stream: u, check: failed_requests}"),
                        "c.yaml:1:1: failed_requests needs 'max' between 0 and 1");
    assert_string_equal(parse_err("{stream: u, check: failed_requests, max: 1.5}"),
                        "c.yaml:1:1: failed_requests needs 'max' between 0 and 1");
    assert_string_equal(parse_err("{stream: u, check: freshness, column: [a], max_age: 1h}"),
                        "c.yaml:1:39: 'column' must be a column name");
    assert_string_equal(parse_err("{check: no_records}"),
                        "c.yaml:1:1: a check needs 'stream' (a stream name)");
}

/* Defaults and parsed members of the other kinds. */
static void test_parse_kinds(void **state)
{
    (void)state;
    struct qual_check c;
    parse_ok("{stream: u, check: low_count}", &c);
    assert_int_equal(c.kind, QUAL_CHECK_LOW_COUNT);
    assert_true(c.below_pct == 50);
    assert_int_equal(c.runs, 7);
    assert_true(c.error);
    qual_check_done(&c);
    parse_ok("{stream: u, check: low_count, below_pct_of_median: 80, runs: 10, severity: warn}",
             &c);
    assert_true(c.below_pct == 80);
    assert_int_equal(c.runs, 10);
    assert_false(c.error);
    qual_check_done(&c);
    parse_ok("{stream: u, check: unique, columns: [id, region]}", &c);
    assert_int_equal(c.n_columns, 2);
    assert_string_equal(c.columns[0], "id");
    assert_string_equal(c.columns[1], "region");
    qual_check_done(&c);
    parse_ok("{stream: u, check: accepted_values, column: s, values: [a, 1, true, null]}", &c);
    char *v = wv_json_to_string(c.values);
    assert_string_equal(v, "[\"a\",1,true,null]");
    free(v);
    qual_check_done(&c);
    parse_ok("{stream: u, check: schema_drift, allow: [new, type_changed]}", &c);
    assert_int_equal(c.allow, QUAL_DRIFT_NEW | QUAL_DRIFT_TYPE);
    qual_check_done(&c);
    parse_ok("{stream: u, check: schema_drift}", &c);
    assert_int_equal(c.allow, 0);
    qual_check_done(&c);
    parse_ok("{stream: u, check: failed_requests, max: 0.05}", &c);
    assert_true(c.max == 0.05);
    qual_check_done(&c);
    parse_ok("{stream: u, check: freshness, column: updated_at, max_age: 2h}", &c);
    assert_string_equal(c.column, "updated_at");
    assert_true(c.max_age_ms == 7200000);
    qual_check_done(&c);
    assert_string_equal(qual_check_kind_name(QUAL_CHECK_FAILED_REQUESTS), "failed_requests");
    assert_string_equal(qual_verdict_name(QUAL_PASS), "pass");
    assert_string_equal(qual_verdict_name(QUAL_WARN), "warn");
    assert_string_equal(qual_verdict_name(QUAL_FAIL), "fail");
    assert_string_equal(qual_verdict_name(QUAL_NO_HISTORY), "not_enough_history");
}

static void test_row_count(void **state)
{
    (void)state;
    struct qual_stats *s = users_stats();
    struct qual_check c;
    struct qual_result r;
    parse_ok("{stream: users, check: row_count, min: 5, max: 20}", &c);
    qual_check_eval(&c, s, 0, &r);
    assert_int_equal(r.verdict, QUAL_PASS);
    assert_true(r.observed == 10);
    assert_string_equal(r.threshold, "min 5, max 20");
    qual_check_done(&c);
    parse_ok("{stream: users, check: row_count, min: 11}", &c);
    qual_check_eval(&c, s, 0, &r);
    assert_int_equal(r.verdict, QUAL_FAIL);
    assert_string_equal(r.text, "users row_count 10 < min 11");
    assert_string_equal(r.threshold, "min 11");
    qual_check_done(&c);
    parse_ok("{stream: users, check: row_count, max: 9, severity: warn}", &c);
    qual_check_eval(&c, s, 0, &r);
    assert_int_equal(r.verdict, QUAL_WARN);
    assert_string_equal(r.text, "users row_count 10 > max 9");
    qual_check_done(&c);
    /* a stream without records has 0 rows */
    parse_ok("{stream: orders, check: row_count, min: 1}", &c);
    qual_check_eval(&c, s, 0, &r);
    assert_int_equal(r.verdict, QUAL_FAIL);
    assert_string_equal(r.text, "orders row_count 0 < min 1");
    qual_check_done(&c);
    qual_stats_free(s);
}

static void test_null_ratio(void **state)
{
    (void)state;
    struct qual_stats *s = users_stats();
    struct qual_check c;
    struct qual_result r;
    parse_ok("{stream: users, check: null_ratio, column: email, max: 0.3}", &c);
    qual_check_eval(&c, s, 0, &r);
    assert_int_equal(r.verdict, QUAL_PASS);
    assert_true(r.observed > 0.2999 && r.observed < 0.3001);
    qual_check_done(&c);
    parse_ok("{stream: users, check: null_ratio, column: email, max: 0.2}", &c);
    qual_check_eval(&c, s, 0, &r);
    assert_int_equal(r.verdict, QUAL_FAIL);
    assert_string_equal(r.text, "users.email null_ratio 0.3000 > max 0.2");
    assert_string_equal(r.threshold, "max 0.2");
    qual_check_done(&c);
    /* a column never seen is null in every row */
    parse_ok("{stream: users, check: null_ratio, column: phone, max: 0.5, severity: warn}", &c);
    qual_check_eval(&c, s, 0, &r);
    assert_int_equal(r.verdict, QUAL_WARN);
    assert_true(r.observed == 1.0);
    qual_check_done(&c);
    qual_stats_free(s);
}

static void test_freshness(void **state)
{
    (void)state;
    struct qual_stats *s = users_stats();
    int64_t newest;
    assert_int_equal(wv_time_parse("2024-01-02T00:00:00Z", &newest), 0);
    struct qual_check c;
    struct qual_result r;
    parse_ok("{stream: users, check: freshness, max_age: 26h}", &c);
    qual_check_eval(&c, s, newest + 25 * 3600000LL, &r);
    assert_int_equal(r.verdict, QUAL_PASS);
    assert_true(r.observed == 25 * 3600.0);
    qual_check_eval(&c, s, newest + 27 * 3600000LL, &r);
    assert_int_equal(r.verdict, QUAL_FAIL);
    assert_string_equal(r.text, "users freshness: newest cursor 97200s old > max 93600s");
    assert_string_equal(r.threshold, "max 93600s");
    qual_check_done(&c);
    /* nothing to measure: a stream without a cursor value fails (by severity) */
    parse_ok("{stream: orders, check: freshness, max_age: 1d, severity: warn}", &c);
    qual_check_eval(&c, s, newest, &r);
    assert_int_equal(r.verdict, QUAL_WARN);
    assert_true(r.observed == -1);
    qual_check_done(&c);
    qual_stats_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_errors),
        cmocka_unit_test(test_parse_errors_kinds),
        cmocka_unit_test(test_parse_kinds),
        cmocka_unit_test(test_row_count),
        cmocka_unit_test(test_null_ratio),
        cmocka_unit_test(test_freshness),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
