/* test_json.c - unit tests for base/json.c: strict parsing with exact error positions, numbers
 * kept as text, unicode, limits, tree operations, ordering, and the serializer cross-checked by
 * an independent reader (cJSON). Single-threaded. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "unit/testutil.h"

#include <cjson/cJSON.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/json.h"
#include "base/mem.h"

/* Parses a C string, failing the test on error. */
static struct wv_json *parse_ok(const char *text)
{
    return wv_test_json(text, "t");
}

/* Parses n bytes expecting failure with exactly the message `want`. */
static void parse_fails_n(const char *text, size_t n, const char *want)
{
    struct wv_error err;
    wv_error_clear(&err);
    struct wv_json *j = wv_json_parse(text, n, "t", &err);
    if (j)
        fail_msg("parse of <%s> unexpectedly succeeded", text);
    assert_int_equal(err.code, WV_E_PARSE);
    if (strcmp(err.msg, want) != 0)
        fail_msg("<%s>: got \"%s\", want \"%s\"", text, err.msg, want);
}

/* parse_fails_n for a C string. */
static void parse_fails(const char *text, const char *want)
{
    parse_fails_n(text, strlen(text), want);
}

/* Compact serialization of j as a string the caller frees. */
static char *dump(const struct wv_json *j)
{
    char *s = wv_json_to_string(j);
    assert_non_null(s);
    return s;
}

/* Parses text and checks its compact serialization. */
static void roundtrip_is(const char *text, const char *want)
{
    struct wv_json *j = parse_ok(text);
    char *s = dump(j);
    assert_string_equal(s, want);
    free(s);
    wv_json_free(j);
}

static void test_scalars_and_positions(void **state)
{
    (void)state;
    struct wv_json *j = parse_ok("{\n  \"a\": [1, true,\n\tnull],\n  \"b\": \"x\", \"c\": false\n}");
    assert_int_equal(j->type, WV_JSON_OBJECT);
    assert_int_equal(j->line, 1);
    assert_int_equal(j->col, 1);
    struct wv_json *a = wv_json_get(j, "a");
    assert_non_null(a);
    assert_int_equal(a->line, 2);
    assert_int_equal(a->col, 8);
    assert_int_equal(a->len, 3);
    assert_int_equal(wv_json_at(a, 0)->type, WV_JSON_NUMBER);
    assert_int_equal(wv_json_at(a, 1)->col, 12);
    assert_true(wv_json_at(a, 1)->b);
    assert_int_equal(wv_json_at(a, 2)->type, WV_JSON_NULL);
    assert_int_equal(wv_json_at(a, 2)->line, 3);
    assert_int_equal(wv_json_at(a, 2)->col, 2);
    assert_null(wv_json_at(a, 3));
    assert_string_equal(wv_json_get_str(j, "b"), "x");
    assert_int_equal(wv_json_get(j, "b")->line, 4);
    assert_int_equal(wv_json_get(j, "b")->col, 8);
    bool b = true;
    assert_int_equal(wv_json_get_bool(j, "c", true, &b), 0);
    assert_false(b);
    assert_int_equal(wv_json_get_bool(j, "missing", true, &b), 0);
    assert_true(b);
    assert_int_equal(wv_json_get_bool(j, "b", true, &b), -1);
    char *s = dump(j);
    assert_string_equal(s, "{\"a\":[1,true,null],\"b\":\"x\",\"c\":false}");
    free(s);
    wv_json_free(j);

    roundtrip_is(" \t\r\n 42 \n", "42");
    roundtrip_is("\xEF\xBB\xBF[]", "[]");
    roundtrip_is("{}", "{}");
    roundtrip_is("[[],{},[{}]]", "[[],{},[{}]]");
    roundtrip_is("\"\"", "\"\"");
    roundtrip_is("[-0,0.5,1E+2,-1e-7,123456789012345678901234567890]",
                 "[-0,0.5,1E+2,-1e-7,123456789012345678901234567890]");
}

static void test_error_positions(void **state)
{
    (void)state;
    parse_fails("", "t:1:1: unexpected end of input (expected a value)");
    parse_fails("   \n  ", "t:2:3: unexpected end of input (expected a value)");
    parse_fails("[1,]", "t:1:4: expected a value");
    parse_fails("{\"a\":1,}", "t:1:8: expected a string key");
    parse_fails("{\"a\":1 \"b\":2}", "t:1:8: expected ',' or '}' after object member");
    parse_fails("{\"a\":1", "t:1:7: expected ',' or '}' after object member");
    parse_fails("{\"a\" 1}", "t:1:6: expected ':' after object key");
    parse_fails("{a:1}", "t:1:2: expected a string key");
    parse_fails("[1 2]", "t:1:4: expected ',' or ']' after array element");
    parse_fails("[1,\n  2\n  3]", "t:3:3: expected ',' or ']' after array element");
    parse_fails("[\"abc", "t:1:2: unterminated string");
    parse_fails("[\"ab\ncd\"]", "t:1:5: unterminated string (newline in string)");
    parse_fails("\"a\tb\"", "t:1:3: unescaped control character in string");
    parse_fails("\"a\\qb\"", "t:1:3: invalid escape in string");
    parse_fails("\"\\", "t:1:1: unterminated string");
    parse_fails("01", "t:1:1: invalid number");
    parse_fails("[1.]", "t:1:2: invalid number");
    parse_fails("[.5]", "t:1:2: expected a value");
    parse_fails("-", "t:1:1: invalid number");
    parse_fails("1e", "t:1:1: invalid number");
    parse_fails("1e+", "t:1:1: invalid number");
    parse_fails("+1", "t:1:1: expected a value");
    parse_fails("0x10", "t:1:1: invalid number");
    parse_fails("12abc", "t:1:1: invalid number");
    parse_fails("NaN", "t:1:1: expected a value");
    parse_fails("[Infinity]", "t:1:2: expected a value");
    parse_fails("[-Infinity]", "t:1:2: invalid number");
    parse_fails("{\"x\":\n  tru}", "t:2:3: invalid literal (expected true, false or null)");
    parse_fails("nullx", "t:1:1: invalid literal (expected true, false or null)");
    parse_fails("truefalse", "t:1:1: invalid literal (expected true, false or null)");
    parse_fails("[1] [2]", "t:1:5: unexpected data after the document");
    parse_fails("{} x", "t:1:4: unexpected data after the document");
    parse_fails("[1] // c", "t:1:5: unexpected data after the document");
    parse_fails("/* c */ 1", "t:1:1: expected a value");
    parse_fails("['a']", "t:1:2: expected a value");
    parse_fails_n("[1,\0]", 5, "t:1:4: expected a value");
    /* the origin names the input; the first error wins */
    struct wv_error err;
    wv_error_clear(&err);
    assert_null(wv_json_parse("[", 1, "conf/x.json", &err));
    assert_string_equal(err.msg, "conf/x.json:1:2: unexpected end of input (expected a value)");
    assert_null(wv_json_parse("]", 1, "other", &err));
    assert_string_equal(err.msg, "conf/x.json:1:2: unexpected end of input (expected a value)");
    assert_null(wv_json_parse("x", 1, "o", NULL)); /* NULL err is allowed */
}

static void test_numbers(void **state)
{
    (void)state;
    struct wv_json *j = parse_ok("[9223372036854775807,-9223372036854775808,9223372036854775808,"
                                 "-9223372036854775809,12345678901234567890,1.0,1e2,1.5,-0,"
                                 "0.1e1,100e-2,1e19,1E18,-12.50e1,0e999999999999,1e-99999]");
    int64_t v = 0;
    assert_int_equal(wv_json_as_i64(wv_json_at(j, 0), &v), 0);
    assert_true(v == INT64_MAX);
    assert_int_equal(wv_json_as_i64(wv_json_at(j, 1), &v), 0);
    assert_true(v == INT64_MIN);
    assert_int_equal(wv_json_as_i64(wv_json_at(j, 2), &v), -1);
    assert_int_equal(wv_json_as_i64(wv_json_at(j, 3), &v), -1);
    assert_int_equal(wv_json_as_i64(wv_json_at(j, 4), &v), -1);
    assert_string_equal(wv_json_at(j, 4)->s, "12345678901234567890");
    assert_int_equal(wv_json_at(j, 4)->slen, 20);
    const struct {
        bool ok;
        int64_t v;
    } want[] = {{true, 1}, {true, 100}, {false, 0}, {true, 0}, {true, 1}, {true, 1}, {false, 0},
                {true, 1000000000000000000LL}, {true, -125}, {true, 0}, {false, 0}};
    for (size_t i = 5; i < 16; i++) {
        int rc = wv_json_as_i64(wv_json_at(j, i), &v);
        assert_int_equal(rc, want[i - 5].ok ? 0 : -1);
        if (want[i - 5].ok)
            assert_true(v == want[i - 5].v);
    }
    char *s = dump(j);
    assert_string_equal(s, "[9223372036854775807,-9223372036854775808,9223372036854775808,"
                           "-9223372036854775809,12345678901234567890,1.0,1e2,1.5,-0,"
                           "0.1e1,100e-2,1e19,1E18,-12.50e1,0e999999999999,1e-99999]");
    free(s);
    double d = 0;
    assert_int_equal(wv_json_as_double(wv_json_at(j, 7), &d), 0);
    assert_true(d == 1.5);
    assert_int_equal(wv_json_as_double(wv_json_at(j, 15), &d), 0); /* underflow is 0 */
    assert_int_equal(wv_json_as_double(wv_json_get(j, "x"), &d), -1);
    wv_json_free(j);

    j = parse_ok("1e400");
    assert_int_equal(wv_json_as_double(j, &d), -1); /* not finite */
    wv_json_free(j);
    j = parse_ok("\"12\"");
    assert_int_equal(wv_json_as_i64(j, &v), -1); /* a string is not a number */
    wv_json_free(j);

    j = parse_ok("{\"id\":-9223372036854775808,\"f\":2.5}");
    assert_int_equal(wv_json_get_i64(j, "id", &v), 0);
    assert_true(v == INT64_MIN);
    assert_int_equal(wv_json_get_i64(j, "f", &v), -1);
    assert_int_equal(wv_json_get_i64(j, "nope", &v), -1);
    wv_json_free(j);
}

static void test_number_constructors(void **state)
{
    (void)state;
    struct {
        double d;
        const char *want;
    } cases[] = {{0.1, "0.1"},        {3, "3"},       {-2.5, "-2.5"},
                 {1e21, "1e+21"},     {1e300, "1e+300"}, {1.0 / 3, "0.3333333333333333"},
                 {0.30000000000000004, "0.30000000000000004"}, {123456789.125, "123456789.125"}};
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        struct wv_json *j = wv_json_double(cases[i].d);
        assert_int_equal(j->type, WV_JSON_NUMBER);
        assert_string_equal(j->s, cases[i].want);
        double back = 0;
        assert_int_equal(wv_json_as_double(j, &back), 0);
        assert_true(back == cases[i].d);
        wv_json_free(j);
    }
    struct wv_json *j = wv_json_double(0.0 / 0.0);
    assert_int_equal(j->type, WV_JSON_NULL);
    wv_json_free(j);
    j = wv_json_double(1.0 / 0.0);
    assert_int_equal(j->type, WV_JSON_NULL);
    wv_json_free(j);

    j = wv_json_int(INT64_MIN);
    assert_string_equal(j->s, "-9223372036854775808");
    int64_t v = 0;
    assert_int_equal(wv_json_as_i64(j, &v), 0);
    assert_true(v == INT64_MIN);
    wv_json_free(j);

    const char *good[] = {"0", "-0", "1.5e-3", "123456789012345678901234567890", "1E9"};
    for (size_t i = 0; i < sizeof good / sizeof *good; i++) {
        j = wv_json_number_text(good[i]);
        assert_non_null(j);
        assert_string_equal(j->s, good[i]);
        wv_json_free(j);
    }
    const char *bad[] = {"", "01", "+1", "1.", ".5", "1e", "NaN", "inf", "1 ", "0x1", "--1"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        assert_null(wv_json_number_text(bad[i]));
    assert_null(wv_json_number_text(NULL));

    /* number text never follows the process locale */
    if (setlocale(LC_NUMERIC, "de_DE.UTF-8") || setlocale(LC_NUMERIC, "fr_FR.UTF-8")) {
        j = wv_json_double(1.5);
        assert_string_equal(j->s, "1.5");
        double d = 0;
        assert_int_equal(wv_json_as_double(j, &d), 0);
        assert_true(d == 1.5);
        wv_json_free(j);
        setlocale(LC_NUMERIC, "C");
    }
}

static void test_unicode(void **state)
{
    (void)state;
    struct wv_json *j = parse_ok("[\"\\u00e9\\u20AC\\ud83d\\ude00\", \"a\\u0000b\", "
                                 "\"\\\"\\\\\\/\\b\\f\\n\\r\\t\", \"h\xC3\xA9\xF0\x9F\x98\x80\"]");
    assert_string_equal(wv_json_at(j, 0)->s, "\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80");
    assert_int_equal(wv_json_at(j, 1)->slen, 3);
    assert_memory_equal(wv_json_at(j, 1)->s, "a\0b", 4);
    assert_string_equal(wv_json_at(j, 2)->s, "\"\\/\b\f\n\r\t");
    assert_string_equal(wv_json_at(j, 3)->s, "h\xC3\xA9\xF0\x9F\x98\x80");
    char *s = dump(j);
    assert_string_equal(s, "[\"\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80\",\"a\\u0000b\","
                           "\"\\\"\\\\/\\b\\f\\n\\r\\t\",\"h\xC3\xA9\xF0\x9F\x98\x80\"]");
    free(s);
    wv_json_free(j);

    j = parse_ok("{\"k\\u00e9y\":1}");
    assert_non_null(wv_json_get(j, "k\xC3\xA9y"));
    wv_json_free(j);

    parse_fails("\"\\ud800\"", "t:1:2: lone surrogate in \\u escape");
    parse_fails("\"ab\\udc00\"", "t:1:4: lone surrogate in \\u escape");
    parse_fails("\"\\ud800\\u0041\"", "t:1:2: lone surrogate in \\u escape");
    parse_fails("\"\\ud800x\"", "t:1:2: lone surrogate in \\u escape");
    parse_fails("\"\\u12g4\"", "t:1:2: invalid \\u escape (expected 4 hex digits)");
    parse_fails("\"\\u12\"", "t:1:2: invalid \\u escape (expected 4 hex digits)");

    /* invalid UTF-8 is refused with its position */
    parse_fails("\"ab\xC0\x80\"", "t:1:4: invalid UTF-8 in string");           /* overlong */
    parse_fails("\"\xE0\x80\x80\"", "t:1:2: invalid UTF-8 in string");         /* overlong */
    parse_fails("\"\xED\xA0\x80\"", "t:1:2: invalid UTF-8 in string");         /* surrogate */
    parse_fails("\"\xF4\x90\x80\x80\"", "t:1:2: invalid UTF-8 in string");     /* > U+10FFFF */
    parse_fails("\"\xF5\x80\x80\x80\"", "t:1:2: invalid UTF-8 in string");
    parse_fails("\n\"x\xC3\"", "t:2:3: invalid UTF-8 in string");              /* truncated */
    parse_fails("\"\x80\"", "t:1:2: invalid UTF-8 in string");
    parse_fails("{\"\xFF\":1}", "t:1:3: invalid UTF-8 in string");
    parse_fails("\xC3\xA9", "t:1:1: expected a value");
    /* every lone byte >= 0x80 is invalid; every printable ASCII byte is kept */
    for (int c = 0x80; c <= 0xFF; c++) {
        char doc[4] = {'"', (char)c, '"', 0};
        parse_fails(doc, "t:1:2: invalid UTF-8 in string");
    }
    for (int c = 0x20; c < 0x7F; c++) {
        if (c == '"' || c == '\\')
            continue;
        char doc[4] = {'"', (char)c, '"', 0};
        j = parse_ok(doc);
        assert_int_equal(j->slen, 1);
        assert_int_equal((unsigned char)j->s[0], c);
        wv_json_free(j);
    }
}

static void test_depth_limit(void **state)
{
    (void)state;
    size_t n = WV_JSON_MAX_DEPTH;
    char *doc = wv_malloc(2 * n + 3);
    memset(doc, '[', n);
    memset(doc + n, ']', n);
    struct wv_json *j = wv_json_parse(doc, 2 * n, "t", NULL);
    assert_non_null(j);
    wv_json_free(j);
    memset(doc, '[', n + 1);
    memset(doc + n + 1, ']', n + 1);
    char want[80];
    snprintf(want, sizeof want, "t:1:%zu: nesting deeper than %d levels", n + 1,
             WV_JSON_MAX_DEPTH);
    parse_fails_n(doc, 2 * n + 2, want);
    free(doc);
}

static void test_duplicates(void **state)
{
    (void)state;
    roundtrip_is("{\"a\":1,\"b\":2,\"a\":{\"x\":[1]},\"a\":3}", "{\"a\":3,\"b\":2}");
    /* large objects switch to a hash index: duplicates must still be found */
    struct wv_buf b;
    wv_buf_init(&b, 0);
    wv_buf_putc(&b, '{', NULL);
    for (int i = 0; i < 3000; i++)
        wv_buf_printf(&b, NULL, "%s\"k%d\":%d", i ? "," : "", i % 1000, i);
    wv_buf_putc(&b, '}', NULL);
    struct wv_json *j = parse_ok(wv_buf_cstr(&b));
    assert_int_equal(j->len, 1000);
    for (int i = 0; i < 1000; i++) {
        char key[16];
        snprintf(key, sizeof key, "k%d", i);
        int64_t v = 0;
        assert_int_equal(wv_json_get_i64(j, key, &v), 0);
        assert_int_equal(v, i + 2000);
        assert_string_equal(j->keys[i], key);
    }
    wv_json_free(j);
    wv_buf_done(&b);
}

static void test_tree_ops(void **state)
{
    (void)state;
    struct wv_json *o = wv_json_object();
    wv_json_set(o, "a", wv_json_int(1));
    wv_json_set(o, "b", wv_json_str("x\"y"));
    struct wv_json *arr = wv_json_array();
    for (int i = 0; i < 10; i++)
        wv_json_push(arr, wv_json_int(i));
    wv_json_set(o, "arr", arr);
    wv_json_set(o, "a", wv_json_bool(true)); /* replaces in place */
    wv_json_set(o, "n", wv_json_null());
    wv_json_set(o, "s", wv_json_strn("a\0b", 3));
    wv_json_set(o, "ns", wv_json_str(NULL));
    char *s = dump(o);
    assert_string_equal(s, "{\"a\":true,\"b\":\"x\\\"y\",\"arr\":[0,1,2,3,4,5,6,7,8,9],"
                           "\"n\":null,\"s\":\"a\\u0000b\",\"ns\":null}");
    free(s);
    assert_true(wv_json_remove(o, "n"));
    assert_false(wv_json_remove(o, "n"));
    struct wv_json *t = wv_json_take(o, "arr");
    assert_non_null(t);
    assert_int_equal(t->len, 10);
    assert_null(wv_json_get(o, "arr"));
    assert_null(wv_json_take(o, "arr"));
    wv_json_free(t);
    s = dump(o);
    assert_string_equal(s, "{\"a\":true,\"b\":\"x\\\"y\",\"s\":\"a\\u0000b\",\"ns\":null}");
    free(s);
    /* wrong container types take ownership and ignore the value */
    wv_json_push(o, wv_json_int(1));
    wv_json_set(arr = wv_json_array(), "k", wv_json_int(1));
    assert_int_equal(arr->len, 0);
    wv_json_free(arr);
    assert_null(wv_json_get(NULL, "a"));
    assert_null(wv_json_get(o, NULL));
    assert_null(wv_json_at(o, 0));
    assert_null(wv_json_get_str(o, "a"));
    wv_json_free(o);
    wv_json_free(NULL);

    o = parse_ok("{\"a\":{\"b\":{\"c\":[5]}},\"x\":1}");
    char *path[] = {"a", "b", "c"};
    assert_int_equal(wv_json_path(o, path, 3)->type, WV_JSON_ARRAY);
    assert_ptr_equal(wv_json_path(o, path, 0), o);
    char *bad[] = {"a", "zz", "c"};
    assert_null(wv_json_path(o, bad, 3));
    assert_true(wv_json_is(o, WV_JSON_OBJECT));
    assert_false(wv_json_is(NULL, WV_JSON_NULL));
    struct wv_json *d = wv_json_dup(o);
    assert_true(wv_json_equal(o, d));
    assert_int_equal(wv_json_get(d, "x")->col, wv_json_get(o, "x")->col);
    wv_json_push(wv_json_path(d, path, 3), wv_json_int(6)); /* grows a parsed array */
    assert_false(wv_json_equal(o, d));
    wv_json_set(d, "new", wv_json_object()); /* grows a parsed object */
    s = dump(d);
    assert_string_equal(s, "{\"a\":{\"b\":{\"c\":[5,6]}},\"x\":1,\"new\":{}}");
    free(s);
    wv_json_free(d);
    wv_json_free(o);
    assert_string_equal(wv_json_type_name(WV_JSON_OBJECT), "object");
    assert_string_equal(wv_json_type_name(WV_JSON_NUMBER), "number");
    assert_string_equal(wv_json_type_name(WV_JSON_NULL), "null");
}

/* compare() of two documents. */
static int cmp_docs(const char *a, const char *b)
{
    struct wv_json *x = parse_ok(a), *y = parse_ok(b);
    int c = wv_json_compare(x, y);
    int r = wv_json_compare(y, x);
    assert_true((c < 0 && r > 0) || (c > 0 && r < 0) || (c == 0 && r == 0));
    assert_int_equal(c == 0, wv_json_equal(x, y));
    wv_json_free(x);
    wv_json_free(y);
    return c < 0 ? -1 : c > 0 ? 1 : 0;
}

static void test_equal_compare(void **state)
{
    (void)state;
    assert_int_equal(cmp_docs("1", "1.0"), 0);
    assert_int_equal(cmp_docs("1", "10e-1"), 0);
    assert_int_equal(cmp_docs("100", "1e2"), 0);
    assert_int_equal(cmp_docs("0", "-0.0e5"), 0);
    assert_int_equal(cmp_docs("0.001", "1E-3"), 0);
    assert_int_equal(cmp_docs("9007199254740993", "9007199254740992"), 1);
    assert_int_equal(cmp_docs("9223372036854775807", "9223372036854775806"), 1);
    assert_int_equal(cmp_docs("12345678901234567890123", "12345678901234567890124"), -1);
    assert_int_equal(cmp_docs("-5", "3"), -1);
    assert_int_equal(cmp_docs("-5", "-3"), -1);
    assert_int_equal(cmp_docs("-0.5", "0"), -1);
    assert_int_equal(cmp_docs("0.5", "0"), 1);
    assert_int_equal(cmp_docs("0.12", "0.115"), 1);
    assert_int_equal(cmp_docs("99", "100"), -1);
    assert_int_equal(cmp_docs("1e-7", "1e-8"), 1);
    assert_int_equal(cmp_docs("null", "false"), -1);
    assert_int_equal(cmp_docs("false", "true"), -1);
    assert_int_equal(cmp_docs("true", "-1e300"), -1);
    assert_int_equal(cmp_docs("1e300", "\"\""), -1);
    assert_int_equal(cmp_docs("\"zzz\"", "[]"), -1);
    assert_int_equal(cmp_docs("[1,2,3]", "{}"), -1);
    assert_int_equal(cmp_docs("\"abc\"", "\"abd\""), -1);
    assert_int_equal(cmp_docs("\"ab\"", "\"abc\""), -1);
    assert_int_equal(cmp_docs("\"\xC3\xA9\"", "\"z\""), 1); /* bytewise */
    assert_int_equal(cmp_docs("\"a\\u0000b\"", "\"a\\u0000c\""), -1);
    assert_int_equal(cmp_docs("[1,2]", "[1,2,0]"), -1);
    assert_int_equal(cmp_docs("[1,3]", "[1,2,0]"), 1);
    assert_int_equal(cmp_docs("{\"a\":1,\"b\":[1,{\"c\":null}]}", "{\"b\":[1.0,{\"c\":null}],\"a\":1}"),
                     0);
    assert_int_equal(cmp_docs("{\"a\":1}", "{\"a\":2}"), -1);
    assert_int_equal(cmp_docs("{\"a\":1}", "{\"b\":1}"), -1);
    assert_int_equal(cmp_docs("{\"a\":1}", "{\"a\":1,\"b\":0}"), -1);
    assert_true(wv_json_equal(NULL, NULL));
    struct wv_json *n = wv_json_null();
    assert_false(wv_json_equal(n, NULL));
    assert_true(wv_json_compare(NULL, n) < 0);
    wv_json_free(n);
    struct wv_json *a = wv_json_int(7), *b = wv_json_double(7.0);
    assert_true(wv_json_equal(a, b));
    wv_json_free(a);
    wv_json_free(b);
}

static void test_serializer(void **state)
{
    (void)state;
    struct wv_buf b;
    wv_buf_init(&b, 0);
    char raw[40];
    for (int i = 0; i < 32; i++)
        raw[i] = (char)(i + 1);
    memcpy(raw + 31, "\"\\\x7f\xC3\xA9\xFF\xE2\x82", 9);
    assert_int_equal(wv_json_write_string(&b, raw, 39, NULL), 0);
    assert_string_equal(wv_buf_cstr(&b),
                        "\"\\u0001\\u0002\\u0003\\u0004\\u0005\\u0006\\u0007\\b\\t\\n\\u000b\\f\\r"
                        "\\u000e\\u000f\\u0010\\u0011\\u0012\\u0013\\u0014\\u0015\\u0016\\u0017"
                        "\\u0018\\u0019\\u001a\\u001b\\u001c\\u001d\\u001e\\u001f\\\"\\\\\x7f"
                        "\xC3\xA9\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\"");
    /* what we write, we read back (invalid UTF-8 was replaced) */
    struct wv_json *j = wv_json_parse(b.data, b.len, "t", NULL);
    assert_non_null(j);
    assert_memory_equal(j->s, raw, 36);
    wv_json_free(j);
    wv_buf_reset(&b);

    j = parse_ok("{\"a\":[1,{\"b\":null,\"c\":[]},\"s\"],\"d\":{},\"e\":\"x\"}");
    assert_int_equal(wv_json_write_pretty(&b, j, NULL), 0);
    assert_string_equal(wv_buf_cstr(&b), "{\n"
                                         "  \"a\": [\n"
                                         "    1,\n"
                                         "    {\n"
                                         "      \"b\": null,\n"
                                         "      \"c\": []\n"
                                         "    },\n"
                                         "    \"s\"\n"
                                         "  ],\n"
                                         "  \"d\": {},\n"
                                         "  \"e\": \"x\"\n"
                                         "}");
    struct wv_json *back = wv_json_parse(b.data, b.len, "t", NULL);
    assert_true(wv_json_equal(j, back));
    wv_json_free(back);
    /* a capped buffer reports WV_E_LIMIT */
    struct wv_buf small;
    wv_buf_init(&small, 10);
    struct wv_error err;
    wv_error_clear(&err);
    assert_int_equal(wv_json_write(&small, j, &err), -1);
    assert_int_equal(err.code, WV_E_LIMIT);
    wv_buf_done(&small);
    /* appends */
    wv_buf_reset(&b);
    wv_buf_puts(&b, "x=", NULL);
    assert_int_equal(wv_json_write(&b, wv_json_get(j, "d"), NULL), 0);
    assert_string_equal(wv_buf_cstr(&b), "x={}");
    wv_json_free(j);
    wv_buf_done(&b);
}

/* Checks that cJSON reads our serialization of `doc` exactly as it reads `doc` itself. */
static void cjson_crosscheck(const char *doc)
{
    struct wv_json *j = parse_ok(doc);
    for (int pretty = 0; pretty < 2; pretty++) {
        struct wv_buf b;
        wv_buf_init(&b, 0);
        assert_int_equal(pretty ? wv_json_write_pretty(&b, j, NULL) : wv_json_write(&b, j, NULL),
                         0);
        cJSON *ours = cJSON_ParseWithLength(b.data, b.len);
        cJSON *orig = cJSON_Parse(doc);
        assert_non_null(ours);
        assert_non_null(orig);
        char *x = cJSON_PrintUnformatted(ours), *y = cJSON_PrintUnformatted(orig);
        assert_string_equal(x, y);
        assert_true(cJSON_Compare(ours, orig, 1));
        free(x);
        free(y);
        cJSON_Delete(ours);
        cJSON_Delete(orig);
        /* and we read our own output back to an equal tree */
        struct wv_json *again = wv_json_parse(b.data, b.len, "again", NULL);
        assert_true(wv_json_equal(j, again));
        wv_json_free(again);
        wv_buf_done(&b);
    }
    wv_json_free(j);
}

static void test_cjson_roundtrip(void **state)
{
    (void)state;
    cjson_crosscheck("{\"type\":\"RECORD\",\"record\":{\"stream\":\"orders\",\"emitted_at\":"
                     "1700000000000,\"data\":{\"id\":42,\"amount\":19.99,\"tags\":[\"a\",\"b\"],"
                     "\"customer\":{\"name\":\"Zo\\u00eb \\\"Z\\\" O'Neil\",\"vip\":true,"
                     "\"note\":null},\"ratio\":-1.5e-3}}}");
    cjson_crosscheck("[[[[[[]]]]],{\"\":\"\"},\"\\t\\u0001\\u001f\\ud834\\udd1e\",0,-0,1E+30,"
                     "\"line1\\nline2\\r\\n\",\"\xE6\x97\xA5\xE6\x9C\xAC\",true,false,null]");
    cjson_crosscheck("{\"a\":{\"b\":{\"c\":{\"d\":[1,2,{\"e\":\"\\\\\\/\"}]}}},\"f\":[{},[]]}");
    cjson_crosscheck("\"just a string \\u2028 \\u2029\"");
    cjson_crosscheck("  3.25  ");
}

/* A random tree of bounded depth for the round-trip property test. */
static struct wv_json *random_tree(unsigned *seed, int depth)
{
    int kind = rand_r(seed) % (depth > 0 ? 7 : 5);
    switch (kind) {
    case 0:
        return wv_json_null();
    case 1:
        return wv_json_bool(rand_r(seed) & 1);
    case 2:
        return rand_r(seed) & 1 ? wv_json_int((int64_t)rand_r(seed) * rand_r(seed) - 1000000)
                                : wv_json_double((rand_r(seed) - RAND_MAX / 2) / 7.0);
    case 3:
    case 4: {
        char s[16];
        size_t n = (size_t)rand_r(seed) % sizeof s;
        for (size_t i = 0; i < n; i++)
            s[i] = (char)(rand_r(seed) % 0x7F + 1);
        return wv_json_strn(s, n);
    }
    case 5: {
        struct wv_json *a = wv_json_array();
        for (int i = rand_r(seed) % 5; i > 0; i--)
            wv_json_push(a, random_tree(seed, depth - 1));
        return a;
    }
    default: {
        struct wv_json *o = wv_json_object();
        for (int i = rand_r(seed) % 5; i > 0; i--) {
            char k[8];
            snprintf(k, sizeof k, "k%d", rand_r(seed) % 10);
            wv_json_set(o, k, random_tree(seed, depth - 1));
        }
        return o;
    }
    }
}

static void test_random_roundtrip(void **state)
{
    (void)state;
    unsigned seed = 12345;
    for (int i = 0; i < 500; i++) {
        struct wv_json *t = random_tree(&seed, 5);
        char *s = dump(t);
        struct wv_json *back = parse_ok(s);
        assert_true(wv_json_equal(t, back));
        assert_int_equal(wv_json_compare(t, back), 0);
        cJSON *c = cJSON_Parse(s);
        assert_non_null(c);
        cJSON_Delete(c);
        char *s2 = dump(back);
        assert_string_equal(s, s2);
        free(s);
        free(s2);
        wv_json_free(t);
        wv_json_free(back);
    }
}

static void test_parse_file(void **state)
{
    (void)state;
    const char *tmp = getenv("TMPDIR");
    char dir[512];
    snprintf(dir, sizeof dir, "%s/wvjsonXXXXXX", tmp && *tmp ? tmp : "/tmp");
    assert_non_null(mkdtemp(dir));
    char path[600], bad[600];
    snprintf(path, sizeof path, "%s/ok.json", dir);
    snprintf(bad, sizeof bad, "%s/bad.json", dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("{\"a\": [1, 2, 3]}\n", f);
    fclose(f);
    f = fopen(bad, "w");
    assert_non_null(f);
    fputs("{\n \"a\": [1, 2,,]}\n", f);
    fclose(f);

    struct wv_error err;
    wv_error_clear(&err);
    struct wv_json *j = wv_json_parse_file(path, 1024, &err);
    assert_non_null(j);
    assert_int_equal(wv_json_get(j, "a")->len, 3);
    wv_json_free(j);

    assert_null(wv_json_parse_file(path, 10, &err));
    assert_int_equal(err.code, WV_E_LIMIT);
    assert_non_null(strstr(err.msg, path));

    wv_error_clear(&err);
    assert_null(wv_json_parse_file(bad, 1024, &err));
    assert_int_equal(err.code, WV_E_PARSE);
    char want[700];
    snprintf(want, sizeof want, "%s:2:13: expected a value", bad);
    assert_string_equal(err.msg, want);

    wv_error_clear(&err);
    char missing[600];
    snprintf(missing, sizeof missing, "%s/missing.json", dir);
    assert_null(wv_json_parse_file(missing, 1024, &err));
    assert_int_equal(err.code, WV_E_NOTFOUND);
    assert_non_null(strstr(err.msg, missing));

    unlink(path);
    unlink(bad);
    assert_int_equal(rmdir(dir), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_scalars_and_positions),
        cmocka_unit_test(test_error_positions),
        cmocka_unit_test(test_numbers),
        cmocka_unit_test(test_number_constructors),
        cmocka_unit_test(test_unicode),
        cmocka_unit_test(test_depth_limit),
        cmocka_unit_test(test_duplicates),
        cmocka_unit_test(test_tree_ops),
        cmocka_unit_test(test_equal_compare),
        cmocka_unit_test(test_serializer),
        cmocka_unit_test(test_cjson_roundtrip),
        cmocka_unit_test(test_random_roundtrip),
        cmocka_unit_test(test_parse_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
