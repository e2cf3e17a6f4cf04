/* test_cron.c - cron expressions (src/base/cron.c, cron_tz.c): every field syntax, the
 * day-of-month / day-of-week OR rule, parse errors with their column, next() across month and
 * year ends and leap years, daylight-saving gaps and overlaps in Europe/Paris and
 * America/New_York (from the system's zoneinfo; skipped when it is not installed), including
 * years past the last transition of the file (the POSIX rule footer), and interval durations. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "base/clock.h"
#include "base/cron.h"
#include "base/mem.h"

/* Parses or fails the test. */
static struct wv_cron parse_ok(const char *expr, const char *tz)
{
    struct wv_cron c;
    struct wv_error err = {0};
    if (wv_cron_parse(expr, tz, &c, &err) < 0)
        fail_msg("wv_cron_parse(%s): %s", expr, err.msg);
    return c;
}

/* The parse error message of expr. */
static void expect_error(const char *expr, const char *tz, const char *msg)
{
    struct wv_cron c;
    struct wv_error err = {0};
    assert_int_equal(wv_cron_parse(expr, tz, &c, &err), -1);
    assert_int_equal(err.code, WV_E_CONFIG);
    assert_string_equal(err.msg, msg);
}

/* RFC 3339 text to ms. */
static int64_t at(const char *iso)
{
    int64_t ms;
    if (wv_time_parse(iso, &ms) < 0)
        fail_msg("bad test time %s", iso);
    return ms;
}

/* Asserts that the next firing after `after` is `want` (ISO, seconds). */
static void expect_next(const struct wv_cron *c, const char *after, const char *want)
{
    char b[40];
    int64_t n = wv_cron_next(c, at(after));
    if (!want) {
        assert_int_equal(n, -1);
        return;
    }
    assert_true(n >= 0);
    assert_string_equal(wv_time_iso_s(n, b, sizeof b), want);
}

static bool have_zoneinfo(void)
{
    return access("/usr/share/zoneinfo/Europe/Paris", R_OK) == 0 &&
           access("/usr/share/zoneinfo/America/New_York", R_OK) == 0;
}

static uint64_t bits(const int *v, size_t n)
{
    uint64_t b = 0;
    for (size_t i = 0; i < n; i++)
        b |= (uint64_t)1 << v[i];
    return b;
}

/* Stars, numbers, ranges, steps, lists, names, 7 = Sunday. */
static void test_fields(void **state)
{
    (void)state;
    struct wv_cron c = parse_ok("*/15 0-6/2 1,15 JAN-MAR,dec sun,7", NULL);
    assert_int_equal(c.minutes, bits((int[]){0, 15, 30, 45}, 4));
    assert_int_equal(c.hours, bits((int[]){0, 2, 4, 6}, 4));
    assert_int_equal(c.mdays, bits((int[]){1, 15}, 2));
    assert_int_equal(c.months, bits((int[]){1, 2, 3, 12}, 4));
    assert_int_equal(c.wdays, 1);
    assert_false(c.mday_star);
    assert_false(c.wday_star);
    assert_string_equal(c.tz, "UTC");

    c = parse_ok("  5/20\t*  *  *  MON-FRI ", "");
    assert_int_equal(c.minutes, bits((int[]){5, 25, 45}, 3));
    assert_int_equal(c.hours, 0xffffffu);
    assert_int_equal(c.mdays, 0xfffffffeu);
    assert_int_equal(c.months, 0x1ffe);
    assert_int_equal(c.wdays, bits((int[]){1, 2, 3, 4, 5}, 5));
    assert_true(c.mday_star);
    assert_false(c.wday_star);

    c = parse_ok("59 23 */10 feb-Apr/2 5-7", "UTC");
    assert_int_equal(c.minutes, (uint64_t)1 << 59);
    assert_int_equal(c.hours, 1u << 23);
    assert_int_equal(c.mdays, bits((int[]){1, 11, 21, 31}, 4));
    assert_true(c.mday_star);
    assert_int_equal(c.months, bits((int[]){2, 4}, 2));
    assert_int_equal(c.wdays, bits((int[]){0, 5, 6}, 3));

    c = parse_ok("0 0 * * 7", NULL);
    assert_int_equal(c.wdays, 1);
    c = parse_ok("0 0 * * 0-7", NULL);
    assert_int_equal(c.wdays, 0x7f);
    c = parse_ok("0,30 12 1-3,28-31 * *", NULL);
    assert_int_equal(c.minutes, bits((int[]){0, 30}, 2));
    assert_int_equal(c.mdays, bits((int[]){1, 2, 3, 28, 29, 30, 31}, 7));
}

/* Errors name the field and column. */
static void test_errors(void **state)
{
    (void)state;
    expect_error("0 25 * * *", NULL, "cron field 2 (hour) at column 3: 25 is out of range 0-23");
    expect_error("60 * * * *", NULL, "cron field 1 (minute) at column 1: 60 is out of range 0-59");
    expect_error("0 0 0 * *", NULL,
                 "cron field 3 (day-of-month) at column 5: 0 is out of range 1-31");
    expect_error("0 0 * 13 *", NULL, "cron field 4 (month) at column 7: 13 is out of range 1-12");
    expect_error("0 0 * * 8", NULL,
                 "cron field 5 (day-of-week) at column 9: 8 is out of range 0-7");
    expect_error("0 6 * FOO *", NULL,
                 "cron field 4 (month) at column 7: 'FOO' is not a number or month name "
                 "(JAN-DEC)");
    expect_error("0 6 * * MONDAY", NULL,
                 "cron field 5 (day-of-week) at column 9: 'MONDAY' is not a number or day name "
                 "(SUN-SAT)");
    expect_error("0 JAN * * *", NULL, "cron field 2 (hour) at column 3: 'JAN' is not a number");
    expect_error("0 5-3 * * *", NULL, "cron field 2 (hour) at column 3: range 5-3 is reversed");
    expect_error("*/0 * * * *", NULL,
                 "cron field 1 (minute) at column 3: a step must be between 1 and the range");
    expect_error("*/x * * * *", NULL, "cron field 1 (minute) at column 3: a step must be a number");
    expect_error("1,,2 * * * *", NULL, "cron field 1 (minute) at column 3: a value is missing");
    expect_error("1, * * * *", NULL, "cron field 1 (minute) at column 3: a value is missing");
    expect_error("0 1-2-3 * * *", NULL, "cron field 2 (hour) at column 6: unexpected '-'");
    expect_error("0 6 * *", NULL,
                 "cron expression has 4 fields, expected 5 (minute hour day-of-month month "
                 "day-of-week)");
    expect_error("", NULL,
                 "cron expression has 0 fields, expected 5 (minute hour day-of-month month "
                 "day-of-week)");
    expect_error("0 6 * * * 2026", NULL,
                 "cron expression at column 11: more than 5 fields (minute hour day-of-month "
                 "month day-of-week)");
    expect_error("0 6 * * *", "Mars/Olympus_Mons", "unknown time zone 'Mars/Olympus_Mons'");
    expect_error("0 6 * * *", "../../etc/passwd", "unknown time zone '../../etc/passwd'");
    expect_error("0 6 * * *", "/etc/passwd", "unknown time zone '/etc/passwd'");
}

/* Both day fields restricted: either matches; one a star: only the other counts. */
static void test_dom_dow(void **state)
{
    (void)state;
    /* 2026-01-01 is a Thursday */
    struct wv_cron c = parse_ok("0 0 13 * FRI", NULL);
    expect_next(&c, "2026-01-01T00:00:00Z", "2026-01-02T00:00:00Z");
    expect_next(&c, "2026-01-02T00:00:00Z", "2026-01-09T00:00:00Z");
    expect_next(&c, "2026-01-09T00:00:00Z", "2026-01-13T00:00:00Z");
    expect_next(&c, "2026-01-13T00:00:00Z", "2026-01-16T00:00:00Z");
    c = parse_ok("0 0 * * FRI", NULL);
    expect_next(&c, "2026-01-02T00:00:00Z", "2026-01-09T00:00:00Z");
    c = parse_ok("0 0 13 * *", NULL);
    expect_next(&c, "2026-01-01T00:00:00Z", "2026-01-13T00:00:00Z");
    c = parse_ok("0 0 */7 * SUN", NULL); /* a stepped star is still a star: AND */
    expect_next(&c, "2026-01-01T00:00:00Z", "2026-02-01T00:00:00Z");
}

/* Month ends, leap years, year ends, strictly-after. */
static void test_next_calendar(void **state)
{
    (void)state;
    struct wv_cron c = parse_ok("0 6 * * *", NULL);
    expect_next(&c, "2026-05-01T05:59:59Z", "2026-05-01T06:00:00Z");
    expect_next(&c, "2026-05-01T06:00:00Z", "2026-05-02T06:00:00Z");
    expect_next(&c, "2026-05-01T06:00:00.001Z", "2026-05-02T06:00:00Z");
    expect_next(&c, "2026-04-30T07:00:00Z", "2026-05-01T06:00:00Z");
    c = parse_ok("0 0 31 * *", NULL);
    expect_next(&c, "2026-01-31T00:00:00Z", "2026-03-31T00:00:00Z");
    expect_next(&c, "2026-03-31T00:00:00Z", "2026-05-31T00:00:00Z");
    c = parse_ok("0 0 29 2 *", NULL);
    expect_next(&c, "2026-01-01T00:00:00Z", "2028-02-29T00:00:00Z");
    expect_next(&c, "2028-02-29T00:00:00Z", "2032-02-29T00:00:00Z");
    c = parse_ok("0 0 29 2 *", NULL);
    expect_next(&c, "2100-01-01T00:00:00Z", "2104-02-29T00:00:00Z"); /* 2100 is not leap */
    c = parse_ok("0 0 30 2 *", NULL);
    expect_next(&c, "2026-01-01T00:00:00Z", NULL);
    c = parse_ok("59 23 31 12 *", NULL);
    expect_next(&c, "2026-12-31T23:59:00Z", "2027-12-31T23:59:00Z");
    c = parse_ok("0 0 1 1 *", NULL);
    expect_next(&c, "2026-12-31T23:59:30Z", "2027-01-01T00:00:00Z");
    c = parse_ok("* * * * *", NULL);
    expect_next(&c, "2026-12-31T23:59:59.999Z", "2027-01-01T00:00:00Z");
    c = parse_ok("*/20 9-17 * * MON-FRI", NULL);
    expect_next(&c, "2026-01-02T17:40:00Z", "2026-01-05T09:00:00Z"); /* Fri -> Mon */
}

/* Paris: 2026-03-29 02:00 CET -> 03:00 CEST; 2026-10-25 03:00 CEST -> 02:00 CET. */
static void test_dst_paris(void **state)
{
    (void)state;
    if (!have_zoneinfo())
        skip();
    struct wv_cron c = parse_ok("0 6 * * *", "Europe/Paris");
    assert_string_equal(c.tz, "Europe/Paris");
    expect_next(&c, "2026-03-28T00:00:00Z", "2026-03-28T05:00:00Z");
    expect_next(&c, "2026-03-28T05:00:00Z", "2026-03-29T04:00:00Z");
    expect_next(&c, "2026-10-25T00:00:00Z", "2026-10-25T05:00:00Z");
    /* gap: 02:30 does not exist -> the first minute after the gap (03:00 CEST) */
    c = parse_ok("30 2 * * *", "Europe/Paris");
    expect_next(&c, "2026-03-28T12:00:00Z", "2026-03-29T01:00:00Z");
    expect_next(&c, "2026-03-29T01:00:00Z", "2026-03-30T00:30:00Z");
    /* gap with several candidates inside it: one firing, then normal ones */
    c = parse_ok("*/30 * * * *", "Europe/Paris");
    expect_next(&c, "2026-03-29T00:45:00Z", "2026-03-29T01:00:00Z");
    expect_next(&c, "2026-03-29T01:00:00Z", "2026-03-29T01:30:00Z");
    /* overlap: 02:30 happens twice -> the first (CEST) only */
    c = parse_ok("30 2 * * *", "Europe/Paris");
    expect_next(&c, "2026-10-24T12:00:00Z", "2026-10-25T00:30:00Z");
    expect_next(&c, "2026-10-25T00:30:00Z", "2026-10-26T01:30:00Z");
    /* a repeated hour fires once */
    c = parse_ok("*/30 * * * *", "Europe/Paris");
    expect_next(&c, "2026-10-25T00:00:00Z", "2026-10-25T00:30:00Z"); /* 02:30 CEST */
    expect_next(&c, "2026-10-25T00:30:00Z", "2026-10-25T02:00:00Z"); /* 03:00 CET */
    /* beyond the last transition of the file: the POSIX rule */
    c = parse_ok("0 6 * * *", "Europe/Paris");
    expect_next(&c, "2045-07-01T00:00:00Z", "2045-07-01T04:00:00Z");
    expect_next(&c, "2045-12-01T00:00:00Z", "2045-12-01T05:00:00Z");
    c = parse_ok("30 2 * * *", "Europe/Paris");
    expect_next(&c, "2045-03-25T12:00:00Z", "2045-03-26T01:00:00Z"); /* last Sunday of March */
}

/* New York: 2026-03-08 02:00 EST -> 03:00 EDT; 2026-11-01 02:00 EDT -> 01:00 EST. */
static void test_dst_new_york(void **state)
{
    (void)state;
    if (!have_zoneinfo())
        skip();
    struct wv_cron c = parse_ok("30 2 * * *", "America/New_York");
    expect_next(&c, "2026-03-07T12:00:00Z", "2026-03-08T07:00:00Z");
    expect_next(&c, "2026-03-08T07:00:00Z", "2026-03-09T06:30:00Z");
    c = parse_ok("30 1 * * *", "America/New_York");
    expect_next(&c, "2026-10-31T12:00:00Z", "2026-11-01T05:30:00Z"); /* 01:30 EDT */
    expect_next(&c, "2026-11-01T05:30:00Z", "2026-11-02T06:30:00Z"); /* not 01:30 EST */
    c = parse_ok("0 * * * *", "America/New_York");
    expect_next(&c, "2026-11-01T05:00:00Z", "2026-11-01T07:00:00Z"); /* 02:00 EST */
    c = parse_ok("0 9 * * MON", "America/New_York");
    expect_next(&c, "2026-01-01T00:00:00Z", "2026-01-05T14:00:00Z");
    expect_next(&c, "2026-07-01T00:00:00Z", "2026-07-06T13:00:00Z");
    expect_next(&c, "2050-07-01T00:00:00Z", "2050-07-04T13:00:00Z");
}

/* Without zoneinfo (TZDIR naming an empty place), UTC still works and zones are unknown. */
static void test_no_zoneinfo(void **state)
{
    (void)state;
    const char *old = getenv("TZDIR");
    char *saved = old ? wv_strdup(old) : NULL;
    setenv("TZDIR", "/nonexistent/zoneinfo", 1);
    struct wv_cron c = parse_ok("0 6 * * *", "UTC");
    expect_next(&c, "2026-03-29T00:00:00Z", "2026-03-29T06:00:00Z");
    c = parse_ok("0 6 * * *", NULL);
    expect_next(&c, "2026-03-29T06:00:00Z", "2026-03-30T06:00:00Z");
    expect_error("0 6 * * *", "Europe/Paris", "unknown time zone 'Europe/Paris'");
    if (saved) {
        setenv("TZDIR", saved, 1);
        free(saved);
    } else {
        unsetenv("TZDIR");
    }
}

/* Interval durations. */
static void test_duration(void **state)
{
    (void)state;
    assert_int_equal(wv_duration_parse("90s"), 90000);
    assert_int_equal(wv_duration_parse("15m"), 900000);
    assert_int_equal(wv_duration_parse("2h"), 7200000);
    assert_int_equal(wv_duration_parse("1d"), 86400000);
    assert_int_equal(wv_duration_parse("1h30m"), 5400000);
    assert_int_equal(wv_duration_parse("1d2h3m4s"), 93784000);
    const char *bad[] = {"", "15", "m", "15x", "0m", "0s0m", "-5m", "1.5h", " 15m", "15m ",
                         "15 m", "h1", "99999999999999d", "1m30", NULL};
    for (const char **b = bad; *b; b++)
        if (wv_duration_parse(*b) != -1)
            fail_msg("'%s' parsed", *b);
    assert_int_equal(wv_duration_parse(NULL), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fields),         cmocka_unit_test(test_errors),
        cmocka_unit_test(test_dom_dow),        cmocka_unit_test(test_next_calendar),
        cmocka_unit_test(test_dst_paris),      cmocka_unit_test(test_dst_new_york),
        cmocka_unit_test(test_duration),       cmocka_unit_test(test_no_zoneinfo),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
