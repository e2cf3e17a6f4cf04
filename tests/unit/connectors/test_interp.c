/* test_interp.c - the template engine (connectors/interp_int.h): data-driven cases from
 * tests/data/interp (unit_cases.jsonl: one shared set of variables and ~330 templates covering
 * every feature; corpus_cases.jsonl: 170 real templates from Airbyte manifests with variables),
 * whose expected values were produced by Jinja2 3.1 with the CDK's environment, filters,
 * macros and literal_eval step under the same fake clock; plus compile and runtime errors with
 * positions, defaults, truthiness, sandboxing, limits, digests and reuse of compiled templates. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "unit/testutil.h"

#include "base/json.h"
#include "base/mem.h"
#include "connectors/interp_int.h"

/* ---- fixtures ---- */

#define FAKE_NOW 1710506096789LL /* 2024-03-15T12:34:56.789Z */

/* A clock that always says FAKE_NOW. */
static int64_t fake_now(void *ctx)
{
    (void)ctx;
    return FAKE_NOW;
}

/* A monotonic clock that never moves. */
static int64_t fake_mono(void *ctx)
{
    (void)ctx;
    return 0;
}

static const struct wv_clock_ops fake_clock_ops = {fake_now, fake_mono};
static const struct wv_clock fake_clock = {&fake_clock_ops, NULL};

/* An environment over the members of a JSON object (vars must outlive it). */
struct tenv {
    struct conn_interp_var v[32];
    struct conn_interp_env env;
};

/* Fills an environment from a JSON object of variables. */
static void tenv_init(struct tenv *e, const struct wv_json *vars)
{
    size_t n = 0;
    for (size_t i = 0; vars && i < vars->len && n < 32; i++, n++) {
        e->v[n].name = vars->keys[i];
        e->v[n].value = vars->items[i];
    }
    e->env.vars = e->v;
    e->env.n_vars = n;
    e->env.clock = &fake_clock;
}

/* Parses JSON text (test input; must be valid). */
static struct wv_json *J(const char *text)
{
    return wv_test_json(text, "test");
}

/* Reads a file from $WEAVER_TEST_DATA/interp; caller frees. */
static char *read_data(const char *name, size_t *len)
{
    const char *dir = getenv("WEAVER_TEST_DATA");
    assert_non_null(dir);
    char *path = wv_asprintf("%s/interp/%s", dir, name);
    FILE *f = fopen(path, "rb");
    if (!f)
        fail_msg("cannot open %s", path);
    free(path);
    struct wv_buf b = WV_BUF_INIT;
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        assert_int_equal(wv_buf_append(&b, chunk, n, NULL), 0);
    fclose(f);
    return wv_buf_steal(&b, len);
}

/* Whether a JSON number's text is a float (Python float vs int matters to the CDK). */
static bool is_float_text(const struct wv_json *j) { return strpbrk(j->s, ".eE") != NULL; }

/* Structural equality that also tells ints from floats. */
static bool same(const struct wv_json *a, const struct wv_json *b)
{
    if (!a || !b || a->type != b->type)
        return false;
    switch (a->type) {
    case WV_JSON_NUMBER: return wv_json_equal(a, b) && is_float_text(a) == is_float_text(b);
    case WV_JSON_ARRAY:
        if (a->len != b->len)
            return false;
        for (size_t i = 0; i < a->len; i++)
            if (!same(a->items[i], b->items[i]))
                return false;
        return true;
    case WV_JSON_OBJECT:
        if (a->len != b->len)
            return false;
        for (size_t i = 0; i < a->len; i++)
            if (!same(a->items[i], wv_json_get(b, a->keys[i])))
                return false;
        return true;
    default: return wv_json_equal(a, b);
    }
}

/* Runs one data case; returns whether it matched (and reports why not). */
static bool run_case(const struct wv_json *c, const struct wv_json *vars)
{
    const char *t = wv_json_get_str(c, "t");
    struct tenv e;
    struct wv_error err;
    wv_error_clear(&err);
    tenv_init(&e, vars);
    struct conn_tmpl *tp = conn_tmpl_compile(t, "case", &err);
    bool want_error = wv_json_get(c, "error") != NULL, ok = true;
    if (!tp) {
        if (!want_error)
            print_message("compile failed: %s\n", err.msg);
        return want_error;
    }
    struct wv_json *got = NULL;
    int rc = conn_tmpl_eval(tp, &e.env, NULL, &got, &err);
    if (want_error) {
        ok = rc < 0 && err.msg[0];
    } else if (rc < 0 || !same(got, wv_json_get(c, "eval"))) {
        char *g = got ? wv_json_to_string(got) : wv_strdup(err.msg);
        char *x = wv_json_to_string(wv_json_get(c, "eval"));
        print_message("template %s\n  eval: got %s, want %s\n", t, g, x);
        free(g);
        free(x);
        ok = false;
    }
    wv_json_free(got);
    if (!want_error) {
        char *r = NULL;
        wv_error_clear(&err);
        if (conn_tmpl_render(tp, &e.env, &r, &err) < 0 ||
            strcmp(r, wv_json_get_str(c, "render")) != 0) {
            print_message("template %s\n  render: got '%s' (%s), want '%s'\n", t, r ? r : "", err.msg,
                          wv_json_get_str(c, "render"));
            ok = false;
        }
        free(r);
    }
    conn_tmpl_free(tp);
    return ok;
}

/* Runs every line of a JSONL case file; a line with only "vars" sets the shared variables. */
static void run_file(const char *name, size_t min_cases)
{
    size_t len, cases = 0, bad = 0;
    char *text = read_data(name, &len);
    struct wv_json *shared = NULL;
    for (char *line = text, *nl; line && *line; line = nl ? nl + 1 : NULL) {
        nl = strchr(line, '\n');
        size_t n = nl ? (size_t)(nl - line) : strlen(line);
        if (!n)
            continue;
        struct wv_error err;
        wv_error_clear(&err);
        struct wv_json *c = wv_json_parse(line, n, name, &err);
        if (!c)
            fail_msg("%s", err.msg);
        if (!wv_json_get(c, "t")) {
            wv_json_free(shared);
            shared = c;
            continue;
        }
        const struct wv_json *vars =
            wv_json_get(c, "vars") ? wv_json_get(c, "vars") : wv_json_get(shared, "vars");
        cases++;
        bad += !run_case(c, vars);
        wv_json_free(c);
    }
    wv_json_free(shared);
    free(text);
    print_message("%s: %zu cases, %zu failed\n", name, cases, bad);
    assert_true(cases >= min_cases);
    assert_int_equal(bad, 0);
}

/* ---- data-driven ---- */

static void test_unit_cases(void **state)
{
    (void)state;
    run_file("unit_cases.jsonl", 300);
}

static void test_corpus_cases(void **state)
{
    (void)state;
    run_file("corpus_cases.jsonl", 150);
}

/* ---- errors ---- */

/* Compiles text expecting failure with msg containing want. */
static void expect_compile_error(const char *text, const char *want)
{
    struct wv_error err;
    wv_error_clear(&err);
    struct conn_tmpl *t = conn_tmpl_compile(text, "m.yaml:3:9", &err);
    if (t || !strstr(err.msg, want))
        fail_msg("template %s: want error '%s', got '%s'", text, want, t ? "(compiled)" : err.msg);
    assert_true(err.code == WV_E_PARSE || err.code == WV_E_LIMIT);
}

static void test_compile_errors(void **state)
{
    (void)state;
    struct wv_error err;
    wv_error_clear(&err);
    assert_null(conn_tmpl_compile("{{ x | }}", "manifest.yaml:41:7", &err));
    assert_string_equal(err.msg,
                        "manifest.yaml:41:7: template '{{ x | }}': expected a filter name at offset 7");
    assert_int_equal(err.code, WV_E_PARSE);
    expect_compile_error("{{ x", "unclosed '{{' opened at offset 0");
    expect_compile_error("ab {% if x", "unclosed '{%' opened at offset 3");
    expect_compile_error("{{ 'abc }}", "unterminated string at offset 3");
    expect_compile_error("{% if x %}a", "missing {% endif %}");
    expect_compile_error("{% for x in y %}a", "missing {% endfor %}");
    expect_compile_error("{% endif %}", "unknown or unexpected tag 'endif' at offset 3");
    expect_compile_error("{% include 'x' %}", "unknown or unexpected tag 'include'");
    expect_compile_error("{{ x | nosuch }}", "no filter named 'nosuch' at offset 7");
    expect_compile_error("{{ x | b64encode }}", "no filter named 'b64encode'");
    expect_compile_error("{{ x is nosuch }}", "no test named 'nosuch' at offset 8");
    expect_compile_error("{{ (1 }}", "unclosed '{{' opened at offset 0"); /* braces balance */
    expect_compile_error("{{ (1 ] }}", "expected ')' at offset 6");
    expect_compile_error("{{ 1 + }}", "unexpected end of expression at offset 7");
    expect_compile_error("{% for x %}{% endfor %}", "expected 'in'");
    expect_compile_error("{% set x %}", "block assignments are not supported");
    expect_compile_error("{{ a.b) }}", "expected '}}' at offset 6");
    expect_compile_error("{% raw %}x", "missing endraw");
    expect_compile_error("{# x", "unclosed comment at offset 0");
    expect_compile_error("{{ x ! y }}", "unexpected '!' at offset 5");
    expect_compile_error("{{ @ }}", "unexpected character '@' at offset 3");
    expect_compile_error("{{ f(x)(y) }}", "only names and methods can be called");
    expect_compile_error("{{ x[1:2:3] }}", "slice steps are not supported");
    expect_compile_error("{{ {'a' 1} }}", "expected ':' in dict literal");
    expect_compile_error("{{ x. }}", "expected an attribute name after '.'");
}

/* Evaluates text against `vars` expecting a runtime error containing want. */
static void expect_runtime_error(const char *text, const char *vars, const char *want)
{
    struct wv_error err;
    struct wv_json *v = J(vars), *out = NULL;
    struct tenv e;
    tenv_init(&e, v);
    wv_error_clear(&err);
    int rc = conn_interp_eval(text, "m.yaml:3:9", &e.env, NULL, &out, &err);
    if (rc == 0 || !strstr(err.msg, want))
        fail_msg("template %s: want error '%s', got '%s'", text, want, rc == 0 ? "(ok)" : err.msg);
    assert_null(out);
    assert_true(strncmp(err.msg, "m.yaml:3:9: template '", 22) == 0);
    wv_json_free(v);
}

static void test_runtime_errors(void **state)
{
    (void)state;
    expect_runtime_error("{{ range(3) }}", "{}", "'range' is undefined (no such macro) at offset 3");
    expect_runtime_error("{{ 1 + 1 / 0 }}", "{}", "division by zero at offset 9");
    expect_runtime_error("{{ 1 // 0 }}", "{}", "integer division or modulo by zero");
    expect_runtime_error("{{ 'a' - 1 }}", "{}", "unsupported operand type(s) for -: 'str' and 'int'");
    expect_runtime_error("{{ 'a' < 1 }}", "{}", "'<' not supported between instances of 'str' and 'int'");
    expect_runtime_error("{{ 1 in 5 }}", "{}", "argument of type 'int' is not iterable");
    expect_runtime_error("{{ str_to_datetime('nope') }}", "{}", "Could not parse datetime string: nope");
    expect_runtime_error("{{ duration('1D') }}", "{}", "Unable to parse duration string 1D");
    expect_runtime_error("{{ 'x' | hash('whirlpool') }}", "{}", "No hashing function named whirlpool");
    expect_runtime_error("{{ 'x' | hmac('k', 'md5') }}", "{}", "Hash type 'md5' is not allowed");
    expect_runtime_error("{{ 'abc' | base64decode }}", "{}", "Incorrect base64 padding");
    expect_runtime_error("{{ 5 | base64encode }}", "{}", "'int' object has no attribute 'encode'");
    expect_runtime_error("{{ today_with_timezone('Mars/Base') }}", "{}", "unknown time zone 'Mars/Base'");
    expect_runtime_error("{% for x in 5 %}{% endfor %}", "{}", "'int' object is not iterable");
    expect_runtime_error("{{ max([]) }}", "{}", "max() arg is an empty sequence");
    expect_runtime_error("{{ [1, 'a'] | max }}", "{}", "cannot compare");
    expect_runtime_error("{{ config.l.append(1) }}", "{\"config\":{\"l\":[]}}",
                         "cannot modify input data (list.append)");
    expect_runtime_error("{{ ''.__len__() }}", "{}", "access to attribute '__len__' is unsafe");
    expect_runtime_error("{{ 'a,b'.split('') }}", "{}", "empty separator");
    expect_runtime_error("{{ ','.join([1]) }}", "{}", "sequence item 0: expected str instance, int found");
    expect_runtime_error("{{ 'x' | regex_search('(?=x)') }}", "{}", "unsupported regular expression");
    expect_runtime_error("{{ format_datetime('2024', '%Y', '%d/%m') }}", "{}",
                         "time data '2024' does not match format '%d/%m'");
}

/* ---- defaults, undefined, truthiness ---- */

/* Evaluates with a default and compares with the JSON text want. */
static void expect_eval(const char *text, const char *vars, const char *dflt, const char *want)
{
    struct wv_error err;
    struct wv_json *v = J(vars), *d = dflt ? J(dflt) : NULL, *w = J(want), *out = NULL;
    struct tenv e;
    tenv_init(&e, v);
    wv_error_clear(&err);
    if (conn_interp_eval(text, "t", &e.env, d, &out, &err) < 0)
        fail_msg("template %s: %s", text, err.msg);
    if (!same(out, w)) {
        char *g = wv_json_to_string(out);
        fail_msg("template %s: got %s, want %s", text, g, want);
    }
    wv_json_free(out);
    wv_json_free(w);
    wv_json_free(d);
    wv_json_free(v);
}

/* Renders and compares with want. */
static void expect_render(const char *text, const char *vars, const char *want)
{
    struct wv_error err;
    struct wv_json *v = J(vars);
    struct tenv e;
    char *out = NULL;
    tenv_init(&e, v);
    wv_error_clear(&err);
    if (conn_interp_render(text, "t", &e.env, &out, &err) < 0)
        fail_msg("template %s: %s", text, err.msg);
    if (strcmp(out, want) != 0)
        fail_msg("template %s: got '%s', want '%s'", text, out, want);
    free(out);
    wv_json_free(v);
}

static void test_defaults(void **state)
{
    (void)state;
    const char *cfg = "{\"config\":{\"a\":{\"b\":1},\"s\":\"\",\"n\":null}}";
    expect_eval("{{ config.missing }}", cfg, "\"dflt\"", "\"dflt\"");
    expect_eval("{{ config.missing.deeper }}", cfg, "7", "7");  /* UndefinedError -> default */
    expect_eval("{{ config.s }}", cfg, "[1]", "[1]");            /* empty text -> default */
    expect_eval("{{ config.n }}", cfg, "\"d\"", "\"d\"");        /* None -> default */
    expect_eval("{{ config.n }}", cfg, NULL, "null");
    expect_eval("", cfg, "3", "3");
    expect_eval("{{ config.a }}", cfg, "3", "{\"b\":1}");
    expect_eval("{{ config.a.b }}", cfg, "3", "1");
    expect_eval("{{ config.a.b | string }}", cfg, NULL, "\"1\"");
    expect_eval("{{ config.s | default('x', true) }}", cfg, NULL, "\"x\"");
    expect_render("a{{ missing }}b", "{}", "ab");
    expect_render("a{{ missing.attr }}b", "{}", "");
    expect_render("{{ config.a }}", cfg, "{'b': 1}");
    expect_render("{% if config.missing is not defined %}nd{% endif %}", cfg, "nd");
    expect_render("{{ missing | int }}|{{ missing | lower }}|{{ missing | length }}", cfg, "");
    expect_render("{{ missing | lower }}|{{ missing | length }}|{{ missing | first }}", cfg, "|0|");
    expect_render("{{ config.keys }}", cfg, "<built-in method keys of dict object>");
}

/* Evaluates a condition. */
static bool truthy(const char *text, const char *vars)
{
    struct wv_error err;
    struct wv_json *v = J(vars);
    struct tenv e;
    bool r = false;
    tenv_init(&e, v);
    wv_error_clear(&err);
    struct conn_tmpl *t = conn_tmpl_compile(text, "t", &err);
    assert_non_null(t);
    assert_int_equal(conn_tmpl_truthy(t, &e.env, &r, &err), 0);
    conn_tmpl_free(t);
    wv_json_free(v);
    return r;
}

static void test_truthy(void **state)
{
    (void)state;
    const char *rs = "{\"response\":{\"next\":null,\"items\":[],\"more\":true,\"s\":\"false\"}}";
    assert_true(truthy("{{ response.more }}", rs));
    assert_false(truthy("{{ response.next }}", rs));
    assert_false(truthy("{{ response['items'] }}", rs));
    assert_true(truthy("{{ not response['items'] }}", rs));
    assert_true(truthy("{{ response.items }}", rs)); /* Jinja's getattr: the dict method wins */
    assert_true(truthy("{{ response['values'] }}", rs)); /* a missing key falls back to getattr */
    assert_false(truthy("{{ response.s }}", rs));
    assert_false(truthy("{{ response.missing }}", rs));
    assert_false(truthy("{{ 0 }}", rs));
    assert_false(truthy("{{ 0.0 }}", rs));
    assert_false(truthy("{{ {} }}", rs));
    assert_false(truthy("False", rs));
    assert_true(truthy("{{ 'x' }}", rs));
    assert_true(truthy("{{ response.next is none }}", rs));
    assert_true(truthy("{{ 'next' not in response or response.more }}", rs));
}

static void test_static(void **state)
{
    (void)state;
    struct wv_error err;
    wv_error_clear(&err);
    const char *yes[] = {"", "plain", "a } b { c", "{ {x} }"};
    const char *no[] = {"{{ x }}", "a {% if y %}b{% endif %}", "{# c #}", "{% raw %}r{% endraw %}x"};
    for (size_t i = 0; i < 4; i++) {
        struct conn_tmpl *t = conn_tmpl_compile(yes[i], "t", &err);
        assert_non_null(t);
        assert_true(conn_tmpl_is_static(t));
        conn_tmpl_free(t);
        t = conn_tmpl_compile(no[i], "t", &err);
        assert_non_null(t);
        assert_false(conn_tmpl_is_static(t));
        conn_tmpl_free(t);
    }
    conn_tmpl_free(NULL);
}

/* ---- sandbox, aliases, clock ---- */

static void test_sandbox_and_aliases(void **state)
{
    (void)state;
    const char *v = "{\"config\":{\"_k\":\"v\"},\"stream_slice\":{\"id\":3}}";
    expect_render("{{ config.__class__ }}|{{ config._k }}", v, "|v");
    expect_render("{{ ''.__class__.__mro__ }}", v, "");
    expect_render("{{ stream_partition.id }}{{ stream_interval['id'] }}{{ stream_slice.id }}", v, "333");
    expect_render("{{ stream_partition.id }}",
                  "{\"stream_slice\":{\"id\":3},\"stream_partition\":{\"id\":4}}", "4");
    expect_render("{{ env }}{{ environ }}{{ os }}", v, "");

    struct wv_error err;
    char *out = NULL;
    struct conn_interp_env env = {NULL, 0, NULL}; /* system clock */
    wv_error_clear(&err);
    assert_int_equal(conn_interp_render("{{ now_utc().year >= 2024 }}", "t", &env, &out, &err), 0);
    assert_string_equal(out, "True");
    free(out);
    assert_int_equal(conn_interp_render("{{ x }}y", "t", NULL, &out, &err), 0);
    assert_string_equal(out, "y");
    free(out);
}

/* ---- digests ---- */

static void test_digests(void **state)
{
    (void)state;
    expect_eval("{{ '' | hash }}", "{}", NULL, "\"d41d8cd98f00b204e9800998ecf8427e\"");
    expect_eval("{{ ('a' * 200) | hash }}", "{}", NULL, "\"887f30b43b2867f4a9accceee7d16e6c\"");
    expect_eval("{{ ('b' * 64) | hash('sha1') }}", "{}", NULL,
                "\"9d682ff9a7018603023176b8c12926c6a15510ee\"");
    expect_eval("{{ '' | hash('sha256') }}", "{}", NULL,
                "\"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\"");
    expect_eval("{{ ('a' * 1000) | hash('sha256') }}", "{}", NULL,
                "\"41edece42d63e8d9bf515a9ba6932e1c20cbc9f5a5d134645adb5db1b9737ea3\"");
    expect_eval("{{ 'what do ya want for nothing?' | hmac('Jefe') }}", "{}", NULL, /* RFC 4231 #2 */
                "\"5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843\"");
    expect_eval("{{ 'ab' | base64encode }}{{ 'abc' | base64encode }}", "{}", NULL, "\"YWI=YWJj\"");
    expect_eval("{{ 'YWI=' | base64decode }}", "{}", NULL, "\"ab\"");
}

/* regex_search: Python patterns on POSIX regex (classes, lazy quantifiers, (?i), \\b). */
static void test_regex(void **state)
{
    (void)state;
    const char *v = "{\"q\":\"x SELECT a,\\nsegments.date FROM t\",\"l\":\"<https://x/?p=2>; rel=\\\"next\\\"\"}";
    expect_render("{{ q | regex_search('(?i)(\\\\bselect\\\\b[\\\\s\\\\S]*?segments\\\\.date"
                  "[\\\\s\\\\S]*?\\\\bFROM\\\\b)') }}",
                  v, "SELECT a,\nsegments.date FROM");
    expect_render("{{ l | regex_search('<([^>]+)>; rel=\"next\"') }}", v, "https://x/?p=2");
    expect_render("{{ 'a-b_c d' | regex_search('(\\\\w+)\\\\b') }}", v, "a");
    expect_render("{{ 'id: 42' | regex_search('(?:id): (\\\\d+)') }}", v, "42");
    expect_render("{{ 'abc' | regex_search('(x)?b') }}", v, "None");
    expect_render("{{ 'ABC' | regex_search('(?i)(b)') }}", v, "B");
}

/* ---- limits and robustness ---- */

static void test_limits(void **state)
{
    (void)state;
    expect_runtime_error("{{ 'x' * 20000000 }}", "{}", "repetition exceeds");
    expect_runtime_error("{% for a in l %}{% for b in l %}{% for c in l %}x{% endfor %}{% endfor %}"
                         "{% endfor %}",
                         "{\"l\":[1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,"
                         "26,27,28,29,30,31,32,33,34,35,36,37,38,39,40,41,42,43,44,45,46,47,48,49,50,"
                         "51,52,53,54,55,56,57,58,59,60,61,62,63,64,65,66,67,68,69,70,71,72,73,74,75,"
                         "76,77,78,79,80,81,82,83,84,85,86,87,88,89,90,91,92,93,94,95,96,97,98,99,100,"
                         "101,102,103,104,105]}",
                         "exceeds 1000000 steps");
    /* output cap: 20 x 1 MiB */
    struct wv_error err;
    wv_error_clear(&err);
    struct wv_json *v = J("{\"l\":[1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20]}");
    struct tenv e;
    tenv_init(&e, v);
    char *out = NULL;
    assert_int_equal(conn_interp_render("{% for i in l %}{{ 'y' * 1048576 }}{% endfor %}", "t", &e.env,
                                        &out, &err), -1);
    assert_int_equal(err.code, WV_E_LIMIT);
    assert_null(out);
    wv_json_free(v);
    /* nesting and size */
    struct wv_buf b = WV_BUF_INIT;
    wv_buf_puts(&b, "{{ ", NULL);
    for (int i = 0; i < 300; i++)
        wv_buf_putc(&b, '(', NULL);
    wv_buf_putc(&b, '1', NULL);
    for (int i = 0; i < 300; i++)
        wv_buf_putc(&b, ')', NULL);
    wv_buf_puts(&b, " }}", NULL);
    expect_compile_error(wv_buf_cstr(&b), "nested too deeply");
    wv_buf_reset(&b);
    for (int i = 0; i < 300; i++)
        wv_buf_puts(&b, "{% if x %}", NULL);
    expect_compile_error(wv_buf_cstr(&b), "nested too deeply");
    wv_buf_reset(&b);
    for (int i = 0; i < (1 << 20) + 1; i++)
        wv_buf_putc(&b, 'a', NULL);
    expect_compile_error(wv_buf_cstr(&b), "exceeds the limit");
    wv_buf_done(&b);
}

/* Garbage built from template fragments never crashes (errors are fine). */
static void test_garbage(void **state)
{
    (void)state;
    static const char *const frag[] = {"{{", "}}", "{%", "%}", "{#", "#}", "-", "'", "\"", "\\",
                                       "(", ")", "[", "]", "{", "}", "|", "x", " is ", " not ",
                                       "if", "for", "in", "else", "endif", "endfor", "set", "=",
                                       ".", ",", ":", "1", "2.5", "*", "**", "~", "raw", "endraw",
                                       "default", "int", "now_utc()", "config", "loop", "none"};
    struct wv_json *v = J("{\"config\":{\"a\":[1,{\"b\":\"c\"}]}}");
    struct tenv e;
    tenv_init(&e, v);
    uint32_t seed = 12345;
    for (int round = 0; round < 20000; round++) {
        struct wv_buf b = WV_BUF_INIT;
        int n = 1 + (int)(seed % 12);
        for (int k = 0; k < n; k++) {
            seed = seed * 1103515245u + 12345u;
            wv_buf_puts(&b, frag[(seed >> 8) % (sizeof frag / sizeof frag[0])], NULL);
        }
        struct wv_error err;
        wv_error_clear(&err);
        struct conn_tmpl *t = conn_tmpl_compile(wv_buf_cstr(&b), "g", &err);
        if (t) {
            struct wv_json *out = NULL;
            char *r = NULL;
            if (conn_tmpl_eval(t, &e.env, NULL, &out, &err) == 0)
                assert_non_null(out);
            wv_error_clear(&err);
            if (conn_tmpl_render(t, &e.env, &r, &err) == 0)
                assert_non_null(r);
            wv_json_free(out);
            free(r);
            conn_tmpl_free(t);
        } else {
            assert_true(err.msg[0] != '\0');
        }
        wv_buf_done(&b);
    }
    wv_json_free(v);
}

/* ---- compile once, evaluate many times ---- */

static void test_reuse(void **state)
{
    (void)state;
    struct wv_error err;
    wv_error_clear(&err);
    struct conn_tmpl *t = conn_tmpl_compile(
        "{{ record.id * 2 if record.id is not none else 'none' }}-{{ record.get('tag', 'x') | upper }}",
        "t", &err);
    assert_non_null(t);
    for (int i = 0; i < 20000; i++) {
        char *text = i % 7 ? wv_asprintf("{\"record\":{\"id\":%d,\"tag\":\"t%d\"}}", i, i % 3)
                           : wv_strdup("{\"record\":{\"id\":null}}");
        struct wv_json *v = J(text);
        struct tenv e;
        char *out = NULL, *want = i % 7 ? wv_asprintf("%d-T%d", i * 2, i % 3) : wv_strdup("none-X");
        tenv_init(&e, v);
        assert_int_equal(conn_tmpl_render(t, &e.env, &out, &err), 0);
        assert_string_equal(out, want);
        free(out);
        free(want);
        free(text);
        wv_json_free(v);
    }
    conn_tmpl_free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_unit_cases),
        cmocka_unit_test(test_corpus_cases),
        cmocka_unit_test(test_compile_errors),
        cmocka_unit_test(test_runtime_errors),
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_truthy),
        cmocka_unit_test(test_static),
        cmocka_unit_test(test_sandbox_and_aliases),
        cmocka_unit_test(test_digests),
        cmocka_unit_test(test_regex),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_garbage),
        cmocka_unit_test(test_reuse),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
