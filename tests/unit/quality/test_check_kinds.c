/* test_check_kinds.c - unit tests of the check kinds beyond row_count / null_ratio
 * (src/quality/check_eval.c, check_drift.c and the collectors of stats.c): no_records,
 * low_count (history median, not enough history), unique (duplicates, null keys, multi-column
 * keys), accepted_values (misses and examples), freshness of a tracked column, schema_drift and
 * failed_requests - pass, warn and fail, with exact texts and thresholds. Single-threaded. */
#include <math.h>
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

/* Adds a record given as JSON text. */
static void add(struct qual_stats *s, const char *stream, const char *text,
                const struct wv_path *cursor)
{
    struct wv_json *r = wv_test_json(text, "record");
    qual_stats_add(s, NULL, stream, r, cursor);
    wv_json_free(r);
}

/* Parses a check, evaluates it in ctx, frees it. */
static void eval(const char *yaml, const struct qual_eval_ctx *ctx, struct qual_result *r)
{
    struct qual_check c;
    parse_ok(yaml, &c);
    qual_check_eval_ctx(&c, ctx, r);
    qual_check_done(&c);
}

/* A collector with `rows` records in stream users. */
static struct qual_stats *rows_stats(int rows)
{
    struct qual_stats *s = qual_stats_new();
    for (int i = 0; i < rows; i++)
        add(s, "users", "{\"id\":1}", NULL);
    return s;
}

static void test_no_records(void **state)
{
    (void)state;
    struct qual_stats *s = rows_stats(3);
    struct qual_eval_ctx ctx = {.stats = s};
    struct qual_result r;
    eval("{stream: users, check: no_records}", &ctx, &r);
    assert_int_equal(r.verdict, QUAL_PASS);
    assert_true(r.observed == 3);
    assert_string_equal(r.text, "users no_records: 3 rows");
    assert_string_equal(r.threshold, "rows > 0");
    eval("{stream: orders, check: no_records}", &ctx, &r);
    assert_int_equal(r.verdict, QUAL_FAIL);
    assert_string_equal(r.text, "orders no_records: 0 rows (empty)");
    eval("{stream: orders, check: no_records, severity: warn}", &ctx, &r);
    assert_int_equal(r.verdict, QUAL_WARN);
    qual_stats_free(s);
}

static void test_low_count(void **state)
{
    (void)state;
    int sizes[] = {100, 120, 80, 110, 10000};
    struct qual_stats *hist[5];
    for (int i = 0; i < 5; i++)
        hist[i] = rows_stats(sizes[i]);
    struct qual_stats *s = rows_stats(50);
    struct qual_eval_ctx ctx = {.stats = s, .history = (const struct qual_stats *const *)hist,
                                .n_history = 2};
    struct qual_result r;
    eval("{stream: users, check: low_count}", &ctx, &r);
    assert_int_equal(r.verdict, QUAL_NO_HISTORY);
    assert_string_equal(r.text, "users low_count: not enough history (2 of 4 runs)");
    assert_string_equal(r.threshold, ">= 50% of median (needs 4 runs)");
    assert_true(r.observed == 50);
    /* the newest `runs` entries only: 100, 120, 80, 110 -> median 105 */
    ctx.n_history = 5;
    eval("{stream: users, check: low_count, below_pct_of_median: 50, runs: 4}", &ctx, &r);
    assert_int_equal(r.verdict, QUAL_FAIL);
    assert_string_equal(r.text, "users low_count 50 < 50% of median 105 (4 runs)");
    assert_string_equal(r.threshold, ">= 50% of median 105 (4 runs)");
    eval("{stream: users, check: low_count, runs: 4, severity: warn}", &ctx, &r);
    assert_int_equal(r.verdict, QUAL_WARN);
    eval("{stream: users, check: low_count, below_pct_of_median: 40, runs: 4}", &ctx, &r);
    assert_int_equal(r.verdict, QUAL_PASS);
    assert_string_equal(r.text, "users low_count 50 >= 40% of median 105 (4 runs)");
    /* default runs 7 with 5 entries: median of 80 100 110 120 10000 = 110 */
    eval("{stream: users, check: low_count}", &ctx, &r);
    assert_int_equal(r.verdict, QUAL_FAIL);
    assert_string_equal(r.text, "users low_count 50 < 50% of median 110 (5 runs)");
    /* a run without the stream counts 0 rows; without a context: no history */
    eval("{stream: orders, check: low_count, runs: 4}", &ctx, &r);
    assert_int_equal(r.verdict, QUAL_PASS);
    assert_string_equal(r.text, "orders low_count 0 >= 50% of median 0 (4 runs)");
    struct qual_check c;
    parse_ok("{stream: users, check: low_count}", &c);
    qual_check_eval(&c, s, 0, &r);
    assert_int_equal(r.verdict, QUAL_NO_HISTORY);
    assert_string_equal(r.text, "users low_count: not enough history (0 of 4 runs)");
    qual_check_done(&c);
    for (int i = 0; i < 5; i++)
        qual_stats_free(hist[i]);
    qual_stats_free(s);
}

/* Parses checks and registers them on a new collector; the checks are freed. */
static struct qual_stats *tracked(const char *const *yaml, size_t n)
{
    struct qual_check c[8];
    for (size_t i = 0; i < n; i++)
        parse_ok(yaml[i], &c[i]);
    struct qual_stats *s = qual_stats_new();
    qual_stats_track(s, c, n);
    for (size_t i = 0; i < n; i++)
        qual_check_done(&c[i]);
    return s;
}

static void test_unique(void **state)
{
    (void)state;
    static const char *const checks[] = {"{stream: users, check: unique, columns: [id]}",
                                         "{stream: pairs, check: unique, columns: [a, b]}",
                                         "{stream: clean, check: unique, columns: [id]}"};
    struct qual_stats *s = tracked(checks, 3);
    for (int i = 0; i < 10; i++) {
        char text[64];
        snprintf(text, sizeof text, "{\"id\":%d}", i);
        add(s, "users", text, NULL);
        add(s, "clean", text, NULL);
    }
    add(s, "users", "{\"id\":3}", NULL);
    add(s, "users", "{\"id\":3}", NULL);
    add(s, "users", "{\"id\":5,\"x\":1}", NULL);
    add(s, "users", "{\"id\":\"5\"}", NULL); /* a string is another key */
    add(s, "users", "{\"x\":1}", NULL);
    add(s, "users", "{\"id\":null}", NULL);
    add(s, "pairs", "{\"a\":1,\"b\":\"x\"}", NULL);
    add(s, "pairs", "{\"a\":1,\"b\":\"y\"}", NULL);
    add(s, "pairs", "{\"b\":\"x\",\"a\":1}", NULL);
    add(s, "pairs", "{\"a\":\"1\",\"b\":\"x\"}", NULL);
    add(s, "plain", "{\"id\":1}", NULL);
    struct qual_eval_ctx ctx = {.stats = s};
    struct qual_result r;
    eval("{stream: users, check: unique, columns: [id]}", &ctx, &r);
    assert_int_equal(r.verdict, QUAL_FAIL);
    assert_true(r.observed == 3);
    assert_string_equal(r.text,
                        "users unique [id]: 3 duplicate rows, 2 rows with a null or missing key");
    assert_string_equal(r.threshold, "no duplicates of [id]");
    eval("{stream: users, check: unique, columns: [id], severity: warn}", &ctx, &r);
    assert_int_equal(r.verdict, QUAL_WARN);
    eval("{stream: pairs, check: unique, columns: [a, b]}", &ctx, &r);
    assert_int_equal(r.verdict, QUAL_FAIL);
    assert_string_equal(r.text, "pairs unique [a, b]: 1 duplicate rows");
    eval("{stream: clean, check: unique, columns: [id]}", &ctx, &r);
    assert_int_equal(r.verdict, QUAL_PASS);
    assert_true(r.observed == 0);
    assert_string_equal(r.text, "clean unique [id]: 0 duplicate rows");
    /* no records: nothing duplicated; records but the key was not tracked: not measured */
    eval("{stream: orders, check: unique, columns: [id]}", &ctx, &r);
    assert_int_equal(r.verdict, QUAL_PASS);
    eval("{stream: plain, check: unique, columns: [id]}", &ctx, &r);
    assert_int_equal(r.verdict, QUAL_FAIL);
    assert_true(isnan(r.observed));
    assert_string_equal(r.text, "plain unique [id]: not collected in this run");
    qual_stats_free(s);
}

/* Only null keys fail too. */
static void test_unique_null_keys_only(void **state)
{
    (void)state;
    static const char *const checks[] = {"{stream: users, check: unique, columns: [id]}"};
    struct qual_stats *s = tracked(checks, 1);
    add(s, "users", "{\"id\":1}", NULL);
    add(s, "users", "{\"name\":\"x\"}", NULL);
    struct qual_eval_ctx ctx = {.stats = s};
    struct qual_result r;
    eval(checks[0], &ctx, &r);
    assert_int_equal(r.verdict, QUAL_FAIL);
    assert_true(r.observed == 0);
    assert_string_equal(r.text,
                        "users unique [id]: 0 duplicate rows, 1 rows with a null or missing key");
    qual_stats_free(s);
}

/* Many keys (set growth), and tracking registered after the stream's first records: counted
 * from then on. */
static void test_unique_many(void **state)
{
    (void)state;
    struct qual_stats *s = qual_stats_new();
    add(s, "users", "{\"id\":0}", NULL);
    add(s, "users", "{\"id\":0}", NULL);
    struct qual_check c;
    parse_ok("{stream: users, check: unique, columns: [id]}", &c);
    qual_stats_track(s, &c, 1);
    for (int round = 0; round < 2; round++)
        for (int i = 0; i < 5000; i++) {
            char text[64];
            snprintf(text, sizeof text, "{\"id\":\"k%d\"}", i);
            add(s, "users", text, NULL);
        }
    struct qual_result r;
    qual_check_eval(&c, s, 0, &r);
    assert_int_equal(r.verdict, QUAL_FAIL);
    assert_true(r.observed == 5000);
    qual_check_done(&c);
    qual_stats_free(s);
}

static void test_accepted_values(void **state)
{
    (void)state;
    static const char *const checks[] = {
        "{stream: users, check: accepted_values, column: status, values: [a, b]}",
        "{stream: users, check: accepted_values, column: status, values: [a, b, c, d, e, f, g, "
        "null]}",
        "{stream: users, check: accepted_values, column: n, values: [1, 2]}"};
    struct qual_stats *s = tracked(checks, 3);
    const char *statuses[] = {"a", "b", "c", "d", "c", "e", "f", "g", "a"};
    for (size_t i = 0; i < sizeof statuses / sizeof *statuses; i++) {
        char text[64];
        snprintf(text, sizeof text, "{\"status\":\"%s\",\"n\":%zu}", statuses[i], i % 2 + 1);
        add(s, "users", text, NULL);
    }
    add(s, "users", "{\"status\":null,\"n\":\"1\"}", NULL);
    add(s, "users", "{\"n\":2}", NULL);
    struct qual_eval_ctx ctx = {.stats = s};
    struct qual_result r;
    eval(checks[0], &ctx, &r);
    assert_int_equal(r.verdict, QUAL_FAIL);
    assert_true(r.observed == 8);
    assert_string_equal(r.text, "users.status accepted_values: 8 rows not accepted (\"c\", \"d\", "
                                "\"e\", \"f\", \"g\")");
    assert_string_equal(r.threshold, "values [\"a\",\"b\"]");
    /* null listed: null and missing are accepted */
    eval(checks[1], &ctx, &r);
    assert_int_equal(r.verdict, QUAL_PASS);
    assert_true(r.observed == 0);
    assert_string_equal(r.text, "users.status accepted_values: all rows accepted");
    /* canonical JSON text: the string "1" is not the number 1 */
    eval("{stream: users, check: accepted_values, column: n, values: [1, 2], severity: warn}",
         &ctx, &r);
    assert_int_equal(r.verdict, QUAL_WARN);
    assert_string_equal(r.text, "users.n accepted_values: 1 rows not accepted (\"1\")");
    /* another list than the tracked one: not measured */
    eval("{stream: users, check: accepted_values, column: n, values: [1]}", &ctx, &r);
    assert_int_equal(r.verdict, QUAL_FAIL);
    assert_true(isnan(r.observed));
    assert_string_equal(r.text, "users.n accepted_values: not collected in this run");
    qual_stats_free(s);
}

static void test_freshness_column(void **state)
{
    (void)state;
    static const char *const checks[] = {
        "{stream: users, check: freshness, column: updated_at, max_age: 2h}",
        "{stream: users, check: freshness, column: deleted_at, max_age: 2h}"};
    struct qual_stats *s = tracked(checks, 2);
    struct wv_path cur = {0};
    struct wv_json *p = wv_test_json("\"ts\"", "p");
    assert_int_equal(wv_path_from_json(p, &cur), 0);
    wv_json_free(p);
    int64_t t0;
    assert_int_equal(wv_time_parse("2024-01-02T00:00:00Z", &t0), 0);
    char text[160];
    snprintf(text, sizeof text, "{\"ts\":%lld,\"updated_at\":\"2024-01-01T23:00:00Z\"}",
             (long long)(t0 / 1000 - 7200));
    add(s, "users", text, &cur);
    add(s, "users", "{\"ts\":1,\"updated_at\":\"2024-01-01T20:00:00Z\",\"deleted_at\":null}", &cur);
    /* compared as times: later in text order but earlier in time; an epoch number */
    add(s, "users", "{\"ts\":2,\"updated_at\":\"2024-01-02T00:30:00+02:00\"}", &cur);
    add(s, "users", "{\"ts\":3,\"updated_at\":1704067200}", &cur);
    wv_path_done(&cur);
    struct qual_eval_ctx ctx = {.stats = s, .now_ms = t0};
    struct qual_result r;
    eval(checks[0], &ctx, &r);
    assert_int_equal(r.verdict, QUAL_PASS);
    assert_true(r.observed == 3600);
    assert_string_equal(r.text, "users freshness: newest updated_at 3600s old <= max 7200s");
    assert_string_equal(r.threshold, "max 7200s");
    /* without a column, or a column not tracked: the cursor (epoch seconds) */
    eval("{stream: users, check: freshness, max_age: 1h}", &ctx, &r);
    assert_int_equal(r.verdict, QUAL_FAIL);
    assert_string_equal(r.text, "users freshness: newest cursor 7200s old > max 3600s");
    eval("{stream: users, check: freshness, column: other, max_age: 1h, severity: warn}", &ctx,
         &r);
    assert_int_equal(r.verdict, QUAL_WARN);
    assert_true(r.observed == 7200);
    /* tracked but never set */
    eval(checks[1], &ctx, &r);
    assert_int_equal(r.verdict, QUAL_FAIL);
    assert_true(r.observed == -1);
    assert_string_equal(r.text, "users freshness: no deleted_at value to measure");
    qual_stats_free(s);
}

static void test_schema_drift(void **state)
{
    (void)state;
    struct wv_json *prev = wv_test_json(
        "{\"users\":{\"properties\":{\"id\":{\"type\":\"integer\"},\"fax\":{\"type\":\"string\"},"
        "\"ts\":{\"type\":[\"null\",\"string\"],\"format\":\"date-time\"},"
        "\"n\":{\"type\":[\"number\",\"null\"]}}}}",
        "prev");
    struct wv_json *cur = wv_test_json(
        "{\"users\":{\"properties\":{\"id\":{\"type\":\"string\"},\"age\":{\"type\":\"integer\"},"
        "\"ts\":{\"type\":[\"string\",\"null\"],\"format\":\"date-time\"},"
        "\"n\":{\"type\":\"number\"}}}}",
        "cur");
    struct qual_stats *s = qual_stats_new();
    struct qual_eval_ctx ctx = {.stats = s, .schemas = cur, .prev_schemas = prev};
    struct qual_result r;
    eval("{stream: users, check: schema_drift}", &ctx, &r);
    assert_int_equal(r.verdict, QUAL_FAIL);
    assert_true(r.observed == 3);
    assert_string_equal(r.text,
                        "users schema drift: new [age], missing [fax], type changed [id: integer "
                        "-> string]");
    assert_string_equal(r.threshold, "no changes");
    eval("{stream: users, check: schema_drift, allow: [new, missing], severity: warn}", &ctx, &r);
    assert_int_equal(r.verdict, QUAL_WARN);
    eval("{stream: users, check: schema_drift, allow: [new, missing, type_changed]}", &ctx, &r);
    assert_int_equal(r.verdict, QUAL_PASS);
    assert_string_equal(r.text, "users schema drift: new [age], missing [fax], type changed [id: "
                                "integer -> string] (allowed)");
    assert_string_equal(r.threshold, "no changes except [new, missing, type_changed]");
    /* same schema: none; a format change is a type change */
    ctx.schemas = prev;
    eval("{stream: users, check: schema_drift}", &ctx, &r);
    assert_int_equal(r.verdict, QUAL_PASS);
    assert_true(r.observed == 0);
    assert_string_equal(r.text, "users schema drift: none");
    struct wv_json *fmt = wv_test_json(
        "{\"users\":{\"properties\":{\"id\":{\"type\":\"integer\"},\"fax\":{\"type\":\"string\"},"
        "\"ts\":{\"type\":\"string\"},\"n\":{\"type\":\"number\"}}}}",
        "fmt");
    ctx.schemas = fmt;
    eval("{stream: users, check: schema_drift, allow: [new]}", &ctx, &r);
    assert_int_equal(r.verdict, QUAL_FAIL);
    assert_string_equal(r.text,
                        "users schema drift: type changed [ts: string(date-time) -> string]");
    /* no previous schema: not enough history */
    ctx.prev_schemas = NULL;
    eval("{stream: users, check: schema_drift}", &ctx, &r);
    assert_int_equal(r.verdict, QUAL_NO_HISTORY);
    assert_string_equal(r.text, "users schema drift: no previous schema to compare");
    struct qual_check c;
    parse_ok("{stream: users, check: schema_drift}", &c);
    qual_check_eval(&c, s, 0, &r);
    assert_int_equal(r.verdict, QUAL_NO_HISTORY);
    qual_check_done(&c);
    wv_json_free(fmt);
    wv_json_free(prev);
    wv_json_free(cur);
    qual_stats_free(s);
}

static void test_failed_requests(void **state)
{
    (void)state;
    struct qual_stats *s = qual_stats_new();
    struct qual_eval_ctx ctx = {.stats = s, .requests = 100, .failed_requests = 5};
    struct qual_result r;
    eval("{stream: users, check: failed_requests, max: 0.05}", &ctx, &r);
    assert_int_equal(r.verdict, QUAL_PASS);
    assert_true(r.observed == 0.05);
    assert_string_equal(r.text, "users failed_requests 0.0500 (5 of 100 requests) <= max 0.05");
    assert_string_equal(r.threshold, "max 0.05");
    eval("{stream: users, check: failed_requests, max: 0.01}", &ctx, &r);
    assert_int_equal(r.verdict, QUAL_FAIL);
    assert_string_equal(r.text, "users failed_requests 0.0500 (5 of 100 requests) > max 0.01");
    eval("{stream: users, check: failed_requests, max: 0.01, severity: warn}", &ctx, &r);
    assert_int_equal(r.verdict, QUAL_WARN);
    ctx.requests = ctx.failed_requests = 0;
    eval("{stream: users, check: failed_requests, max: 0}", &ctx, &r);
    assert_int_equal(r.verdict, QUAL_PASS);
    assert_true(r.observed == 0);
    qual_stats_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_no_records),
        cmocka_unit_test(test_low_count),
        cmocka_unit_test(test_unique),
        cmocka_unit_test(test_unique_null_keys_only),
        cmocka_unit_test(test_unique_many),
        cmocka_unit_test(test_accepted_values),
        cmocka_unit_test(test_freshness_column),
        cmocka_unit_test(test_schema_drift),
        cmocka_unit_test(test_failed_requests),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
