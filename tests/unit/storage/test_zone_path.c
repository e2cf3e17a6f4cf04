/* test_zone_path.c - unit tests of the Parquet raw zone's path templates (zone_path.c): every
 * variable rendered, empty segments dropped, the stream prefix, rejected templates and values
 * (unknown variables, "..", absolute paths, {part} misplaced), and the partition values of
 * extraction times and cursor values (date-time with offsets, dates, epoch seconds, anything
 * else -> __HIVE_DEFAULT_PARTITION__). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base/json.h"
#include "base/mem.h"
#include "storage/zone_int.h"
#include "unit/testutil.h"

/* Values of every variable. */
static void full_vals(const char *vals[ZV__COUNT])
{
    vals[ZV_NAMESPACE] = "crm";
    vals[ZV_STREAM] = "users";
    vals[ZV_CONNECTION] = "pg";
    vals[ZV_DATE] = "2024-01-02";
    vals[ZV_YEAR] = "2024";
    vals[ZV_MONTH] = "01";
    vals[ZV_DAY] = "02";
    vals[ZV_HOUR] = "03";
    vals[ZV_RUN_ID] = "RUN";
    vals[ZV_SYNC_ID] = "7";
    vals[ZV_PART] = "004";
    vals[ZV_EPOCH] = "1704164645";
}

/* Renders text with vals; returns the path (caller frees) or NULL with err set. */
static char *render(const char *text, const char *const *vals, size_t n_segs, struct wv_error *err)
{
    struct zone_tmpl t;
    wv_error_clear(err);
    char *out = NULL;
    if (stor_zone_int_tmpl_parse(&t, text, err) == 0)
        stor_zone_int_render(&t, vals, n_segs, &out, err);
    stor_zone_int_tmpl_done(&t);
    return out;
}

static void test_every_variable(void **state)
{
    (void)state;
    const char *vals[ZV__COUNT];
    full_vals(vals);
    struct wv_error err;
    char *p = render("c={connection}/{namespace}/{stream}/{year}/{month}/{day}/h={hour}/"
                     "{date}/s{sync_id}/{run_id}-{epoch}-{part}.parquet",
                     vals, SIZE_MAX, &err);
    assert_non_null(p);
    assert_string_equal(p, "c=pg/crm/users/2024/01/02/h=03/2024-01-02/s7/RUN-1704164645-004"
                           ".parquet");
    free(p);
    p = render(ZONE_DEFAULT_TEMPLATE, vals, SIZE_MAX, &err);
    assert_string_equal(p, "crm/users/dt=2024-01-02/RUN-004.parquet");
    free(p);
    /* the partition key: {part} kept as text */
    vals[ZV_PART] = NULL;
    p = render(ZONE_DEFAULT_TEMPLATE, vals, SIZE_MAX, &err);
    assert_string_equal(p, "crm/users/dt=2024-01-02/RUN-{part}.parquet");
    free(p);
}

static void test_empty_segments(void **state)
{
    (void)state;
    const char *vals[ZV__COUNT];
    full_vals(vals);
    vals[ZV_NAMESPACE] = NULL;
    struct wv_error err;
    char *p = render(ZONE_DEFAULT_TEMPLATE, vals, SIZE_MAX, &err);
    assert_string_equal(p, "users/dt=2024-01-02/RUN-004.parquet");
    free(p);
    vals[ZV_NAMESPACE] = "";
    vals[ZV_CONNECTION] = "";
    /* a segment with literal text stays even when its variable is empty */
    p = render("{connection}/{namespace}/c={connection}/{stream}-{run_id}{part}", vals, SIZE_MAX,
               &err);
    assert_string_equal(p, "c=/users-RUN004");
    free(p);
    /* an empty file name is an error */
    vals[ZV_PART] = "";
    vals[ZV_RUN_ID] = "";
    p = render("{stream}/{namespace}{part}{run_id}", vals, SIZE_MAX, &err);
    assert_null(p);
    assert_non_null(strstr(err.msg, "empty file name"));
}

static void test_prefix(void **state)
{
    (void)state;
    const char *vals[ZV__COUNT];
    full_vals(vals);
    struct zone_tmpl t;
    struct wv_error err;
    wv_error_clear(&err);
    assert_int_equal(stor_zone_int_tmpl_parse(&t, ZONE_DEFAULT_TEMPLATE, &err), 0);
    assert_int_equal(stor_zone_int_prefix_segs(&t), 2);
    char *p;
    assert_int_equal(stor_zone_int_render(&t, vals, 2, &p, &err), 0);
    assert_string_equal(p, "crm/users");
    free(p);
    vals[ZV_NAMESPACE] = NULL;
    assert_int_equal(stor_zone_int_render(&t, vals, 2, &p, &err), 0);
    assert_string_equal(p, "users");
    free(p);
    stor_zone_int_tmpl_done(&t);
    assert_int_equal(stor_zone_int_tmpl_parse(&t, "{date}/{stream}/{run_id}{part}.parquet", &err),
                     0);
    assert_int_equal(stor_zone_int_prefix_segs(&t), 0);
    assert_int_equal(stor_zone_int_render(&t, vals, 0, &p, &err), 0);
    assert_string_equal(p, "");
    free(p);
    stor_zone_int_tmpl_done(&t);
}

/* A template that must not parse, with a piece of the expected message. */
static void bad_template(const char *text, const char *want)
{
    struct zone_tmpl t;
    struct wv_error err;
    wv_error_clear(&err);
    assert_int_equal(stor_zone_int_tmpl_parse(&t, text, &err), -1);
    stor_zone_int_tmpl_done(&t);
    if (!strstr(err.msg, want))
        fail_msg("template <%s>: message <%s> lacks <%s>", text, err.msg, want);
    assert_int_equal(err.code, WV_E_CONFIG);
}

static void test_bad_templates(void **state)
{
    (void)state;
    bad_template("../{stream}/{part}.parquet", "segment \"..\"");
    bad_template("{stream}/./{part}.parquet", "segment \".\"");
    bad_template("/data/{stream}/{part}.parquet", "must be relative");
    bad_template("{stream}/{nope}/{part}.parquet", "unknown variable {nope}");
    bad_template("{stream}//{part}.parquet", "empty path segment");
    bad_template("{stream}/{part}.parquet/", "empty path segment");
    bad_template("{stream}/{run_id}.parquet", "needs {part}");
    bad_template("{part}/{stream}-{run_id}.parquet", "{part} belongs in the file name");
    bad_template("{stream/{run_id}{part}", "unclosed '{'");
    bad_template("{stream}}/{run_id}{part}", "unmatched '}'");
    bad_template("", "empty path segment");
    bad_template("{stream}/{date}-{part}.parquet", "needs {run_id} or {sync_id}");
}

/* Values that would leave the zone. */
static void test_bad_values(void **state)
{
    (void)state;
    const char *vals[ZV__COUNT];
    full_vals(vals);
    struct wv_error err;
    static const char *const bad[] = {"..", ".", "a/b", "/etc"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        vals[ZV_STREAM] = bad[i];
        char *p = render(ZONE_DEFAULT_TEMPLATE, vals, SIZE_MAX, &err);
        if (p)
            fail_msg("stream <%s> rendered <%s>", bad[i], p);
        assert_non_null(strstr(err.msg, "path must stay relative"));
    }
    /* ".." inside a longer segment is harmless */
    vals[ZV_STREAM] = "a..b";
    char *p = render(ZONE_DEFAULT_TEMPLATE, vals, SIZE_MAX, &err);
    assert_string_equal(p, "crm/a..b/dt=2024-01-02/RUN-004.parquet");
    free(p);
}

/* Partition values of a cursor value given as JSON text. */
static void when_of(const char *json, struct zone_when *w)
{
    struct wv_json *j = json ? wv_test_json(json, "cursor") : NULL;
    stor_zone_int_when_cursor(j, w);
    wv_json_free(j);
}

static void test_when(void **state)
{
    (void)state;
    struct zone_when w;
    stor_zone_int_when_ms(INT64_C(1704164645678), &w); /* 2024-01-02T03:04:05.678Z */
    assert_string_equal(w.date, "2024-01-02");
    assert_string_equal(w.year, "2024");
    assert_string_equal(w.month, "01");
    assert_string_equal(w.day, "02");
    assert_string_equal(w.hour, "03");
    assert_string_equal(w.epoch, "1704164645");
    /* an offset moves the time to UTC, across midnight */
    when_of("\"2024-03-01T23:30:00-02:00\"", &w);
    assert_string_equal(w.date, "2024-03-02");
    assert_string_equal(w.hour, "01");
    when_of("\"2024-03-01T00:30:00.123+05:30\"", &w);
    assert_string_equal(w.date, "2024-02-29");
    assert_string_equal(w.hour, "19");
    when_of("\"2024-03-05\"", &w);
    assert_string_equal(w.date, "2024-03-05");
    assert_string_equal(w.hour, "00");
    when_of("1709251200", &w); /* epoch seconds */
    assert_string_equal(w.date, "2024-03-01");
    assert_string_equal(w.epoch, "1709251200");
    when_of("1709254800.5", &w);
    assert_string_equal(w.hour, "01");
    when_of("-1", &w);
    assert_string_equal(w.date, "1969-12-31");
    assert_string_equal(w.epoch, "-1");
    static const char *const none[] = {
        NULL, "null", "\"garbage\"", "\"2024-13-01\"", "true", "{}", "[1]", "1e300", "\"\""};
    for (size_t i = 0; i < sizeof none / sizeof none[0]; i++) {
        when_of(none[i], &w);
        if (strcmp(w.date, ZONE_HIVE_DEFAULT) != 0)
            fail_msg("cursor <%s> gave date <%s>", none[i] ? none[i] : "(missing)", w.date);
        assert_string_equal(w.year, ZONE_HIVE_DEFAULT);
        assert_string_equal(w.month, ZONE_HIVE_DEFAULT);
        assert_string_equal(w.day, ZONE_HIVE_DEFAULT);
        assert_string_equal(w.hour, ZONE_HIVE_DEFAULT);
        assert_string_equal(w.epoch, ZONE_HIVE_DEFAULT);
    }
}

/* The string set grows and finds every key. */
static void test_set(void **state)
{
    (void)state;
    struct zone_set s = {0};
    assert_int_equal(stor_zone_int_set_find(&s, "x"), -1);
    for (size_t i = 0; i < 1000; i++) {
        char *k = wv_asprintf("k%zu", i);
        stor_zone_int_set_put(&s, k, i);
        free(k);
    }
    stor_zone_int_set_put(&s, "k5", 42);
    assert_int_equal(s.n, 1000);
    for (size_t i = 0; i < 1000; i++) {
        char *k = wv_asprintf("k%zu", i);
        assert_int_equal(stor_zone_int_set_find(&s, k), i == 5 ? 42 : (int64_t)i);
        free(k);
    }
    assert_int_equal(stor_zone_int_set_find(&s, "k1000"), -1);
    stor_zone_int_set_done(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_variable),
        cmocka_unit_test(test_empty_segments),
        cmocka_unit_test(test_prefix),
        cmocka_unit_test(test_bad_templates),
        cmocka_unit_test(test_bad_values),
        cmocka_unit_test(test_when),
        cmocka_unit_test(test_set),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
