/* test_clock.c - UTC calendar arithmetic, ISO formatting and RFC 3339 parsing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "base/clock.h"

/* Known instants round-trip through split/join and format. */
static void test_format(void **state)
{
    (void)state;
    char b[40];
    assert_string_equal(wv_time_iso(0, b, sizeof b), "1970-01-01T00:00:00.000Z");
    assert_string_equal(wv_time_iso(1704067200123, b, sizeof b), "2024-01-01T00:00:00.123Z");
    assert_string_equal(wv_time_iso_s(951782400000, b, sizeof b), "2000-02-29T00:00:00Z");
    assert_string_equal(wv_time_date(-1, b, sizeof b), "1969-12-31");
    assert_string_equal(wv_time_iso(-86400000LL * 365, b, sizeof b), "1969-01-01T00:00:00.000Z");
    assert_string_equal(wv_time_iso(253402300799999LL, b, sizeof b), "9999-12-31T23:59:59.999Z");
}

/* Every day of 1900..2100 joins back to the same instant. */
static void test_roundtrip_days(void **state)
{
    (void)state;
    for (int64_t d = -25567; d < 47482; d++) {
        int64_t ms = d * 86400000 + 3723004;
        struct wv_tm t;
        wv_time_split(ms, &t);
        assert_int_equal(wv_time_join(&t), ms);
        assert_int_equal(t.hour, 1);
        assert_int_equal(t.min, 2);
        assert_int_equal(t.sec, 3);
        assert_int_equal(t.ms, 4);
    }
}

/* RFC 3339 forms, offsets normalised to UTC. */
static void test_parse(void **state)
{
    (void)state;
    int64_t ms = 0;
    assert_int_equal(wv_time_parse("2024-01-01", &ms), 0);
    assert_int_equal(ms, 1704067200000);
    assert_int_equal(wv_time_parse("2024-01-01T00:00:00Z", &ms), 0);
    assert_int_equal(ms, 1704067200000);
    assert_int_equal(wv_time_parse("2024-01-01T02:00:00+02:00", &ms), 0);
    assert_int_equal(ms, 1704067200000);
    assert_int_equal(wv_time_parse("2023-12-31T19:30:00.5-04:30", &ms), 0);
    assert_int_equal(ms, 1704067200500);
    assert_int_equal(wv_time_parse("2024-01-01 00:00:00.123456", &ms), 0);
    assert_int_equal(ms, 1704067200123);
    assert_int_equal(wv_time_parse("2024-01-01T00:00", &ms), 0);
    assert_int_equal(ms, 1704067200000);
}

/* Malformed inputs are refused. */
static void test_parse_bad(void **state)
{
    (void)state;
    int64_t ms = 7;
    const char *bad[] = {"", "2024", "2024-13-01", "2023-02-29", "2024-01-32", "2024-1-01",
                         "2024-01-01T25:00:00Z", "2024-01-01T00:00:00.Z", "2024-01-01Tjunk",
                         "2024-01-01T00:00:00+", "2024-01-01T00:00:00Zx", "not a date"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(wv_time_parse(bad[i], &ms), -1);
    assert_int_equal(ms, 7);
    assert_int_equal(wv_time_parse("2024-02-29", &ms), 0);
}

/* The system clock moves forward. */
static void test_system_clock(void **state)
{
    (void)state;
    const struct wv_clock *c = wv_clock_system();
    int64_t a = wv_clock_mono_ns(c), b = wv_clock_mono_ns(c);
    assert_true(b >= a);
    assert_true(wv_clock_now_ms(c) > 1700000000000LL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_format),      cmocka_unit_test(test_roundtrip_days),
        cmocka_unit_test(test_parse),       cmocka_unit_test(test_parse_bad),
        cmocka_unit_test(test_system_clock),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
