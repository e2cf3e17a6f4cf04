/* test_error.c - first error wins, context prefixes, truncation, codes; buffers and strings. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/error.h"
#include "base/log.h"
#include "base/mem.h"

/* The innermost error is kept; callers prepend context. */
static void test_first_wins(void **state)
{
    (void)state;
    struct wv_error err;
    wv_error_clear(&err);
    assert_false(wv_error_isset(&err));
    assert_int_equal(wv_error_set(&err, WV_E_HTTP, 503, "GET %s: HTTP %d", "https://x/y", 503), -1);
    assert_int_equal(wv_error_set(&err, WV_E_IO, 0, "later"), -1);
    wv_error_prefix(&err, "task %s", "extract");
    wv_error_prefix(&err, "flow orders");
    assert_string_equal(err.msg, "flow orders: task extract: GET https://x/y: HTTP 503");
    assert_int_equal(err.code, WV_E_HTTP);
    assert_int_equal(err.detail, 503);
    assert_true(wv_code_retryable(err.code));
    assert_false(wv_code_retryable(WV_E_CONFIG));
    assert_string_equal(wv_code_name(WV_E_CONFIG), "config");
    assert_int_equal(wv_error_set(NULL, WV_E_IO, 0, "no crash"), -1);
}

/* Long prefixes truncate the tail and stay terminated. */
static void test_truncation(void **state)
{
    (void)state;
    struct wv_error err;
    wv_error_clear(&err);
    char big[3000];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    wv_error_set(&err, WV_E_IO, 0, "%s", big);
    assert_int_equal(strlen(err.msg), WV_ERROR_MSG_MAX - 1);
    wv_error_prefix(&err, "ctx");
    assert_true(strncmp(err.msg, "ctx: xxx", 8) == 0);
    assert_int_equal(strlen(err.msg), WV_ERROR_MSG_MAX - 1);
    wv_error_prefix(&err, "%s", big);
    assert_int_equal(strlen(err.msg), WV_ERROR_MSG_MAX - 1);
}

/* errno errors get strerror text and NOTFOUND for ENOENT. */
static void test_errno(void **state)
{
    (void)state;
    struct wv_error err;
    wv_error_clear(&err);
    wv_error_errno(&err, ENOENT, "open %s", "/x");
    assert_int_equal(err.code, WV_E_NOTFOUND);
    assert_string_equal(err.msg, "open /x: No such file or directory");
}

/* Capped buffers refuse growth past the cap and keep their contents. */
static void test_buf(void **state)
{
    (void)state;
    struct wv_error err;
    wv_error_clear(&err);
    struct wv_buf b;
    wv_buf_init(&b, 10);
    assert_string_equal(wv_buf_cstr(&b), "");
    assert_int_equal(wv_buf_printf(&b, &err, "%d-%s", 42, "ab"), 0);
    assert_int_equal(wv_buf_puts(&b, "cdef", &err), 0);
    assert_string_equal(wv_buf_cstr(&b), "42-abcdef");
    assert_int_equal(wv_buf_putc(&b, 'g', &err), 0);
    assert_int_equal(wv_buf_putc(&b, 'h', &err), -1);
    assert_int_equal(err.code, WV_E_LIMIT);
    assert_string_equal(wv_buf_cstr(&b), "42-abcdefg");
    size_t len;
    char *s = wv_buf_steal(&b, &len);
    assert_int_equal(len, 10);
    assert_string_equal(s, "42-abcdefg");
    free(s);
    assert_null(b.data);
    wv_buf_done(&b);
}

/* String helpers. */
static void test_strings(void **state)
{
    (void)state;
    char small[4];
    assert_int_equal(wv_strlcpy(small, "abcdef", sizeof small), 6);
    assert_string_equal(small, "abc");
    int64_t v;
    assert_int_equal(wv_parse_i64("-9223372036854775808", &v), 0);
    assert_true(v == INT64_MIN);
    assert_int_equal(wv_parse_i64("9223372036854775808", &v), -1);
    assert_int_equal(wv_parse_i64("12x", &v), -1);
    assert_int_equal(wv_parse_i64("", &v), -1);
    assert_true(wv_str_starts("abc", "ab"));
    assert_true(wv_str_ends("abc", "bc"));
    assert_false(wv_str_ends("c", "bc"));
    assert_true(wv_str_eq(NULL, NULL));
    assert_false(wv_str_eq("a", NULL));
    char *s = wv_asprintf("%s=%d", "n", 5);
    assert_string_equal(s, "n=5");
    free(s);
}

static char last_line[256];
static enum wv_level last_level;

/* Test log sink. */
static void sink(void *ctx, enum wv_level level, const char *msg)
{
    (void)ctx;
    last_level = level;
    wv_strlcpy(last_line, msg, sizeof last_line);
}

/* Logging respects the minimum level; level names parse. */
static void test_log(void **state)
{
    (void)state;
    struct wv_log log = {sink, NULL, WV_LOG_INFO};
    wv_logf(&log, WV_LOG_DEBUG, "hidden");
    assert_string_equal(last_line, "");
    wv_logf(&log, WV_LOG_WARN, "shown %d", 1);
    assert_string_equal(last_line, "shown 1");
    assert_int_equal(last_level, WV_LOG_WARN);
    wv_logf(NULL, WV_LOG_FATAL, "no crash");
    enum wv_level l;
    assert_int_equal(wv_level_parse("warning", &l), 0);
    assert_int_equal(l, WV_LOG_WARN);
    assert_int_equal(wv_level_parse("fatal", &l), 0);
    assert_int_equal(l, WV_LOG_FATAL);
    assert_int_equal(wv_level_parse("loud", &l), -1);
    assert_string_equal(wv_level_name(WV_LOG_ERROR), "ERROR");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_first_wins), cmocka_unit_test(test_truncation),
        cmocka_unit_test(test_errno),      cmocka_unit_test(test_buf),
        cmocka_unit_test(test_strings),    cmocka_unit_test(test_log),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
