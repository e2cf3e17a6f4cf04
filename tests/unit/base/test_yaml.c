/* test_yaml.c - unit tests for base/yaml.c: core-schema scalar resolution, tags, anchors and
 * aliases, merge keys, the node cap (billion laughs), one-document rule, error positions, files
 * and wv_where. YAML results are checked against JSON parsed by base/json.c. Single-threaded. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "unit/testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/json.h"
#include "base/mem.h"
#include "base/yaml.h"

/* Parses YAML, failing the test on error. */
static struct wv_json *yaml_ok(const char *text)
{
    return wv_test_yaml(text, "y.yaml");
}

/* Expects YAML to fail with exactly `want`. */
static void yaml_fails(const char *text, const char *want)
{
    struct wv_error err;
    wv_error_clear(&err);
    struct wv_json *j = wv_yaml_parse(text, strlen(text), "y.yaml", &err);
    if (j)
        fail_msg("YAML <%s> unexpectedly loaded", text);
    assert_int_equal(err.code, WV_E_PARSE);
    if (strcmp(err.msg, want) != 0)
        fail_msg("<%s>: got \"%s\", want \"%s\"", text, err.msg, want);
}

/* Expects YAML to load to a tree whose compact JSON is exactly `json`. */
static void yaml_is(const char *text, const char *json)
{
    struct wv_json *j = yaml_ok(text);
    char *s = wv_json_to_string(j);
    if (strcmp(s, json) != 0)
        fail_msg("<%s>: got %s, want %s", text, s, json);
    /* and the JSON reader agrees the output is what we meant */
    struct wv_json *back = wv_json_parse(json, strlen(json), "want", NULL);
    assert_non_null(back);
    assert_true(wv_json_equal(j, back));
    wv_json_free(back);
    free(s);
    wv_json_free(j);
}

static void test_structure_and_positions(void **state)
{
    (void)state;
    struct wv_json *j = yaml_ok("# comment\n"
                                "name: orders\n"
                                "streams:\n"
                                "  - id: 1\n"
                                "    tags: [a, \"b\"]\n"
                                "  - {id: 2}\n");
    assert_int_equal(j->type, WV_JSON_OBJECT);
    assert_int_equal(j->line, 2);
    assert_int_equal(j->col, 1);
    struct wv_json *name = wv_json_get(j, "name");
    assert_string_equal(name->s, "orders");
    assert_int_equal(name->line, 2);
    assert_int_equal(name->col, 7);
    struct wv_json *streams = wv_json_get(j, "streams");
    assert_int_equal(streams->type, WV_JSON_ARRAY);
    assert_int_equal(streams->line, 4);
    assert_int_equal(streams->col, 3);
    struct wv_json *tags = wv_json_get(wv_json_at(streams, 0), "tags");
    assert_int_equal(tags->line, 5);
    assert_int_equal(tags->col, 11);
    assert_int_equal(wv_json_at(tags, 1)->col, 15);
    struct wv_json *id2 = wv_json_get(wv_json_at(streams, 1), "id");
    assert_int_equal(id2->line, 6);
    assert_int_equal(id2->col, 10);
    int64_t v = 0;
    assert_int_equal(wv_json_as_i64(id2, &v), 0);
    assert_int_equal(v, 2);
    wv_json_free(j);

    yaml_is("a: {b: [1, {c: d}], e: []}", "{\"a\":{\"b\":[1,{\"c\":\"d\"}],\"e\":[]}}");
    yaml_is("- - - x", "[[[\"x\"]]]");
    yaml_is("key with spaces: value with spaces", "{\"key with spaces\":\"value with spaces\"}");
    yaml_is("1: one\ntrue: yes\nnull: ~\n", "{\"1\":\"one\",\"true\":\"yes\",\"null\":null}");
    yaml_is("a: 1\nb: 2\na: 3\n", "{\"a\":3,\"b\":2}"); /* duplicate: last wins, first place */
    yaml_is("lit: |\n  line1\n  line2\nfold: >\n  a\n  b\nkeep: |+\n  x\n\n",
            "{\"lit\":\"line1\\nline2\\n\",\"fold\":\"a b\\n\",\"keep\":\"x\\n\\n\"}");
    yaml_is("s: \"tab\\there \\u00e9 \\x41 \\0 end\"", "{\"s\":\"tab\\there \xC3\xA9 A \\u0000 end\"}");
    yaml_is("s: 'it''s'", "{\"s\":\"it's\"}");
    yaml_is("u: h\xC3\xA9llo \xE6\x97\xA5", "{\"u\":\"h\xC3\xA9llo \xE6\x97\xA5\"}");
}

static void test_documents(void **state)
{
    (void)state;
    struct wv_json *j = yaml_ok("");
    assert_int_equal(j->type, WV_JSON_NULL);
    wv_json_free(j);
    yaml_is("# only a comment\n", "null");
    yaml_is("---\n", "null");
    yaml_is("--- 5\n", "5");
    yaml_is("%YAML 1.2\n---\na: 1\n...\n", "{\"a\":1}");
    yaml_is("- 1\n- 2\n...\n", "[1,2]");
    yaml_is("plain text", "\"plain text\"");
    yaml_fails("a: 1\n---\nb: 2\n", "y.yaml:2:1: more than one document");
    yaml_fails("--- 1\n--- 2\n", "y.yaml:2:1: more than one document");
    yaml_fails("a: 1\n...\n---\nb: 2\n", "y.yaml:3:1: more than one document");
}

struct scalar_case {
    const char *yaml, *json;
};

static void test_scalar_resolution(void **state)
{
    (void)state;
    static const struct scalar_case cases[] = {
        /* null */
        {"", "null"}, {"~", "null"}, {"null", "null"}, {"Null", "null"}, {"NULL", "null"},
        {"nULL", "\"nULL\""}, {"'null'", "\"null\""}, {"\"~\"", "\"~\""}, {"''", "\"\""},
        /* bool: only the core-schema spellings */
        {"true", "true"}, {"True", "true"}, {"TRUE", "true"}, {"false", "false"},
        {"False", "false"}, {"FALSE", "false"}, {"yes", "\"yes\""}, {"no", "\"no\""},
        {"on", "\"on\""}, {"tRUE", "\"tRUE\""}, {"\"true\"", "\"true\""},
        /* int */
        {"0", "0"}, {"42", "42"}, {"-17", "-17"}, {"+17", "17"}, {"007", "7"}, {"-0", "0"},
        {"+0", "0"}, {"000", "0"}, {"-007", "-7"}, {"0x1F", "31"}, {"0xff", "255"},
        {"0o17", "15"}, {"0o0", "0"}, {"9223372036854775807", "9223372036854775807"},
        {"-9223372036854775808", "-9223372036854775808"},
        {"123456789012345678901234", "123456789012345678901234"},
        {"0xFFFFFFFFFFFFFFFF", "18446744073709551615"},
        {"0x10000000000000000", "\"0x10000000000000000\""}, /* past 64 bits: text */
        {"0x", "\"0x\""}, {"0xG", "\"0xG\""}, {"0o8", "\"0o8\""}, {"-0x1", "\"-0x1\""},
        {"1_000", "\"1_000\""}, {"0b101", "\"0b101\""}, {"'42'", "\"42\""}, {"\"42\"", "\"42\""},
        /* float */
        {".5", "0.5"}, {"-.5", "-0.5"}, {"+.5", "0.5"}, {"1.", "1.0"}, {"-1.", "-1.0"},
        {"1.5", "1.5"}, {"+1.5", "1.5"}, {"007.50", "7.50"}, {"1e5", "1e5"}, {"1E-2", "1E-2"},
        {"-2.5e+3", "-2.5e+3"}, {".5e1", "0.5e1"}, {"1.e2", "1.0e2"}, {"0.0", "0.0"},
        {".", "\".\""}, {"1e", "\"1e\""}, {"e5", "\"e5\""}, {".e5", "\".e5\""},
        {"1.2.3", "\"1.2.3\""}, {"1,5", "\"1,5\""}, {"12:30", "\"12:30\""},
        {".inf", "\".inf\""}, {"-.inf", "\"-.inf\""}, {".Inf", "\".Inf\""}, {".nan", "\".nan\""},
        {".NaN", "\".NaN\""}, {"'1.5'", "\"1.5\""},
        /* other text */
        {"2024-01-02", "\"2024-01-02\""}, {"hello world", "\"hello world\""},
        {"\"a\\nb\"", "\"a\\nb\""}, {"|\n  1\n", "\"1\\n\""}, {">-\n  true\n", "\"true\""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char doc[128], want[128];
        snprintf(doc, sizeof doc, "v: %s", cases[i].yaml);
        snprintf(want, sizeof want, "{\"v\":%s}", cases[i].json);
        yaml_is(doc, want);
        /* the same scalar in a sequence, at top level of a flow collection */
        if (!strchr(cases[i].yaml, '\n') && !strchr(cases[i].yaml, ',')) {
            snprintf(doc, sizeof doc, "- %s", cases[i].yaml);
            snprintf(want, sizeof want, "[%s]", cases[i].json);
            yaml_is(doc, want);
        }
    }
    /* int text is exact for the whole int64 range */
    struct wv_json *j = yaml_ok("a: 9223372036854775807\nb: -9223372036854775808\nc: 0x7FFFFFFFFFFFFFFF");
    int64_t v = 0;
    assert_int_equal(wv_json_get_i64(j, "a", &v), 0);
    assert_true(v == INT64_MAX);
    assert_int_equal(wv_json_get_i64(j, "b", &v), 0);
    assert_true(v == INT64_MIN);
    assert_int_equal(wv_json_get_i64(j, "c", &v), 0);
    assert_true(v == INT64_MAX);
    wv_json_free(j);
}

static void test_tags(void **state)
{
    (void)state;
    static const struct scalar_case cases[] = {
        {"!!str 1", "\"1\""},      {"!!str true", "\"true\""}, {"!!str", "\"\""},
        {"!!str ~", "\"~\""},      {"!!int \"42\"", "42"},     {"!!int '0x10'", "16"},
        {"!!int -3", "-3"},        {"!!float 1", "1"},         {"!!float '2.5'", "2.5"},
        {"!!float .5", "0.5"},     {"!!float .inf", "\".inf\""}, {"!!float -.Inf", "\"-.Inf\""},
        {"!!float .nan", "\".nan\""}, {"!!bool \"true\"", "true"}, {"!!bool False", "false"},
        {"!!null ''", "null"},     {"!!null ~", "null"},       {"!!null", "null"},
        {"! 5", "\"5\""},          {"!custom 5", "\"5\""},     {"!custom true", "\"true\""},
        {"!<tag:yaml.org,2002:int> 7", "7"}, {"!!binary aGk=", "\"aGk=\""},
        {"!!seq [1]", "[1]"},      {"!!map {a: 1}", "{\"a\":1}"}, {"!foo [x]", "[\"x\"]"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char doc[128], want[128];
        snprintf(doc, sizeof doc, "v: %s", cases[i].yaml);
        snprintf(want, sizeof want, "{\"v\":%s}", cases[i].json);
        yaml_is(doc, want);
    }
    yaml_fails("v: !!int x", "y.yaml:1:4: invalid !!int value 'x'");
    yaml_fails("v: !!int 1.5", "y.yaml:1:4: invalid !!int value '1.5'");
    yaml_fails("a: 1\nv:  !!float abc", "y.yaml:2:5: invalid !!float value 'abc'");
    yaml_fails("v: !!bool yes", "y.yaml:1:4: invalid !!bool value 'yes'");
    yaml_fails("- !!null 0", "y.yaml:1:3: invalid !!null value '0'");
}

static void test_anchors(void **state)
{
    (void)state;
    yaml_is("a: &x {b: 1, c: [1, 2]}\nd: *x\n",
            "{\"a\":{\"b\":1,\"c\":[1,2]},\"d\":{\"b\":1,\"c\":[1,2]}}");
    yaml_is("- &s hello\n- *s\n- [*s, *s]\n", "[\"hello\",\"hello\",[\"hello\",\"hello\"]]");
    yaml_is("a: &n 12\nb: *n\n", "{\"a\":12,\"b\":12}");
    /* a redefined anchor: later aliases see the new node */
    yaml_is("a: &x 1\nb: *x\nc: &x 2\nd: *x\n", "{\"a\":1,\"b\":1,\"c\":2,\"d\":2}");
    /* alias of a scalar used as a key */
    yaml_is("a: &k key\n*k : 2\n", "{\"a\":\"key\",\"key\":2}");
    /* the anchored value is replaced by a duplicate key, then aliased (must stay valid) */
    yaml_is("a: &x {deep: [1, 2]}\na: 2\nb: *x\n", "{\"a\":2,\"b\":{\"deep\":[1,2]}}");
    /* a copy is independent of its original and carries the alias position */
    struct wv_json *j = yaml_ok("a: &x [1]\nb:   *x\n");
    struct wv_json *a = wv_json_get(j, "a"), *b = wv_json_get(j, "b");
    assert_ptr_not_equal(a, b);
    assert_int_equal(b->line, 2);
    assert_int_equal(b->col, 6);
    assert_int_equal(wv_json_at(b, 0)->line, 1); /* inner nodes keep the anchor's positions */
    wv_json_push(a, wv_json_int(2));
    assert_int_equal(b->len, 1);
    wv_json_free(j);

    yaml_fails("a: *nope\n", "y.yaml:1:4: undefined alias *nope");
    yaml_fails("a: &a [1, *a]\n", "y.yaml:1:11: alias *a refers to a node that contains it");
    yaml_fails("a: &a {b: {c: *a}}\n", "y.yaml:1:15: alias *a refers to a node that contains it");
}

static void test_merge_keys(void **state)
{
    (void)state;
    const char *base = "base: &b {host: h, port: 1, tls: true}\n";
    char doc[512];
    snprintf(doc, sizeof doc, "%sdev:\n  name: d\n  <<: *b\n  port: 2\n", base);
    yaml_is(doc, "{\"base\":{\"host\":\"h\",\"port\":1,\"tls\":true},"
                 "\"dev\":{\"name\":\"d\",\"host\":\"h\",\"tls\":true,\"port\":2}}");
    /* explicit keys win even when written before the merge */
    yaml_is("a: &a {x: 1, y: 1}\nb: {y: 2, <<: *a}\n",
            "{\"a\":{\"x\":1,\"y\":1},\"b\":{\"y\":2,\"x\":1}}");
    /* a list of maps: earlier maps win */
    yaml_is("p: &p {k: p, p: 1}\nq: &q {k: q, q: 1}\nr:\n  <<: [*p, *q]\n  own: 0\n",
            "{\"p\":{\"k\":\"p\",\"p\":1},\"q\":{\"k\":\"q\",\"q\":1},"
            "\"r\":{\"k\":\"p\",\"p\":1,\"q\":1,\"own\":0}}");
    /* an inline map, and a merged value that is itself nested */
    yaml_is("m:\n  <<: {a: [1, {b: 2}]}\n  c: 3\n", "{\"m\":{\"a\":[1,{\"b\":2}],\"c\":3}}");
    /* the source stays intact for later aliases */
    yaml_is("x:\n  <<: &s {a: 1}\n  b: 2\ny: *s\n", "{\"x\":{\"a\":1,\"b\":2},\"y\":{\"a\":1}}");
    /* a quoted "<<" is an ordinary key */
    yaml_is("m: {'<<': {a: 1}}\n", "{\"m\":{\"<<\":{\"a\":1}}}");
    /* merged copies are independent */
    struct wv_json *j = yaml_ok("a: &a {l: [1]}\nb: {<<: *a}\n");
    wv_json_push(wv_json_get(wv_json_get(j, "a"), "l"), wv_json_int(2));
    assert_int_equal(wv_json_get(wv_json_get(j, "b"), "l")->len, 1);
    wv_json_free(j);

    yaml_fails("a: {<<: 5}\n", "y.yaml:1:9: merge key '<<' needs a mapping or a list of mappings");
    yaml_fails("a: &s [1]\nb:\n  <<: *s\n",
               "y.yaml:3:7: merge key '<<' needs a mapping or a list of mappings");
    yaml_fails("b:\n  <<: [{a: 1}, 2]\n",
               "y.yaml:2:7: merge key '<<' needs a mapping or a list of mappings");
}

static void test_errors(void **state)
{
    (void)state;
    yaml_fails("a: [1, 2\nb: 3\n",
               "y.yaml:2:2: did not find expected ',' or ']' while parsing a flow sequence");
    yaml_fails("a:\n  b: 1\n c: 2\n",
               "y.yaml:3:2: did not find expected key while parsing a block mapping");
    yaml_fails("a: 1\n\tb: 2\n", "y.yaml:2:1: found a tab character that violates indentation "
                                 "while scanning a plain scalar");
    yaml_fails("a: b: c\n", "y.yaml:1:5: mapping values are not allowed in this context");
    yaml_fails("a: 'x\n", "y.yaml:2:1: found unexpected end of stream while scanning a quoted "
                          "scalar");
    yaml_fails("[1, 2]]\n", "y.yaml:1:7: did not find expected <document start>");
    yaml_fails("a: \"x\xff\"\n", "y.yaml:1:6: invalid leading UTF-8 octet");
    yaml_fails("a: 1\nb: \xC3\n", "y.yaml:2:5: invalid trailing UTF-8 octet");
    yaml_fails("? [a, b]\n: 1\n", "y.yaml:1:3: mapping keys must be scalars");
    yaml_fails("x:\n  {a: 1}: 2\n", "y.yaml:2:3: mapping keys must be scalars");
    yaml_fails("a: &m {k: v}\n*m : 1\n", "y.yaml:2:1: mapping keys must be scalars");
    /* the first error wins and the origin is used */
    struct wv_error err;
    wv_error_clear(&err);
    assert_null(wv_yaml_parse("a: [", 4, "conf/flow.yaml", &err));
    assert_string_equal(err.msg, "conf/flow.yaml:2:1: did not find expected node content while "
                                 "parsing a flow node");
    char first[WV_ERROR_MSG_MAX];
    memcpy(first, err.msg, sizeof first);
    assert_null(wv_yaml_parse("*x", 2, "other", &err));
    assert_string_equal(err.msg, first);
    assert_null(wv_yaml_parse("a: *x", 5, "o", NULL)); /* NULL err is allowed */
}

static void test_limits(void **state)
{
    (void)state;
    /* nesting */
    size_t n = WV_JSON_MAX_DEPTH + 1;
    char *doc = wv_malloc(2 * n + 1);
    memset(doc, '[', n);
    memset(doc + n, ']', n);
    doc[2 * n] = '\0';
    char want[96];
    snprintf(want, sizeof want, "y.yaml:1:%zu: nesting deeper than %d levels", n,
             WV_JSON_MAX_DEPTH);
    yaml_fails(doc, want);
    doc[2 * n - 1] = '\0';
    struct wv_json *j = yaml_ok(doc + 1); /* exactly the limit is fine */
    assert_int_equal(j->type, WV_JSON_ARRAY);
    wv_json_free(j);
    free(doc);

    /* billion laughs: 9^9 strings from a few hundred bytes, refused at the cap */
    struct wv_buf b;
    wv_buf_init(&b, 0);
    wv_buf_puts(&b, "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n", NULL);
    for (char c = 'b'; c <= 'i'; c++) {
        wv_buf_printf(&b, NULL, "%c: &%c [", c, c);
        for (int i = 0; i < 9; i++)
            wv_buf_printf(&b, NULL, "%s*%c", i ? ", " : "", c - 1);
        wv_buf_puts(&b, "]\n", NULL);
    }
    /* the error points at the alias whose copy crosses the cap: g's first *f for a 1M cap
       (1 + 9 + 81 + ... nodes per level) */
    snprintf(want, sizeof want, "y.yaml:7:%d: document expands past %u nodes", 8,
             WV_YAML_MAX_NODES);
    yaml_fails(wv_buf_cstr(&b), want);
    wv_buf_done(&b);

    struct wv_error err;
    /* input size is checked before anything is read */
    char *big = calloc(1, (size_t)WV_YAML_MAX_BYTES + 1);
    assert_non_null(big);
    wv_error_clear(&err);
    assert_null(wv_yaml_parse(big, (size_t)WV_YAML_MAX_BYTES + 1, "big.yaml", &err));
    assert_int_equal(err.code, WV_E_LIMIT);
    assert_non_null(strstr(err.msg, "big.yaml"));
    free(big);
}

static void test_matches_json(void **state)
{
    (void)state;
    const char *yaml = "version: 1\n"
                       "source:\n"
                       "  type: faker\n"
                       "  config: {count: 1000, seed: -42, rate: 2.5, enabled: true}\n"
                       "streams:\n"
                       "  - name: users\n"
                       "    cursor: [updated_at]\n"
                       "    pk: ~\n"
                       "  - name: \"orders\"\n"
                       "    cursor: []\n"
                       "    note: |\n"
                       "      two\n"
                       "      lines\n";
    const char *json = "{\"version\":1,\"source\":{\"type\":\"faker\",\"config\":{\"count\":1000,"
                       "\"seed\":-42,\"rate\":2.5,\"enabled\":true}},\"streams\":[{\"name\":"
                       "\"users\",\"cursor\":[\"updated_at\"],\"pk\":null},{\"name\":\"orders\","
                       "\"cursor\":[],\"note\":\"two\\nlines\\n\"}]}";
    yaml_is(yaml, json);
    /* a JSON document is (almost always) YAML too */
    struct wv_json *y = yaml_ok(json), *jj = wv_json_parse(json, strlen(json), "j", NULL);
    assert_true(wv_json_equal(y, jj));
    wv_json_free(y);
    wv_json_free(jj);
}

static void test_file_and_where(void **state)
{
    (void)state;
    const char *tmp = getenv("TMPDIR");
    char dir[512], ok[600], bad[600], missing[600];
    snprintf(dir, sizeof dir, "%s/wvyamlXXXXXX", tmp && *tmp ? tmp : "/tmp");
    assert_non_null(mkdtemp(dir));
    snprintf(ok, sizeof ok, "%s/ok.yaml", dir);
    snprintf(bad, sizeof bad, "%s/bad.yaml", dir);
    snprintf(missing, sizeof missing, "%s/missing.yaml", dir);
    FILE *f = fopen(ok, "w");
    assert_non_null(f);
    fputs("a:\n  b: [1, 2]\n", f);
    fclose(f);
    f = fopen(bad, "w");
    assert_non_null(f);
    fputs("a: 1\nb: *nope\n", f);
    fclose(f);

    struct wv_error err;
    wv_error_clear(&err);
    struct wv_json *j = wv_yaml_parse_file(ok, &err);
    assert_non_null(j);
    char buf[700], want[700];
    const struct wv_json *b = wv_json_get(wv_json_get(j, "a"), "b");
    assert_ptr_equal(wv_where(ok, b, buf, sizeof buf), buf);
    snprintf(want, sizeof want, "%s:2:6", ok);
    assert_string_equal(buf, want);
    struct wv_json *mem = wv_json_int(1);
    assert_string_equal(wv_where("cfg", mem, buf, sizeof buf), "cfg");
    assert_string_equal(wv_where("cfg", NULL, buf, sizeof buf), "cfg");
    char tiny[6];
    assert_string_equal(wv_where("cfg.yaml", b, tiny, sizeof tiny), "cfg.y");
    wv_json_free(mem);
    wv_json_free(j);

    assert_null(wv_yaml_parse_file(bad, &err));
    snprintf(want, sizeof want, "%s:2:4: undefined alias *nope", bad);
    assert_string_equal(err.msg, want);

    wv_error_clear(&err);
    assert_null(wv_yaml_parse_file(missing, &err));
    assert_int_equal(err.code, WV_E_NOTFOUND);
    assert_non_null(strstr(err.msg, missing));

    unlink(ok);
    unlink(bad);
    assert_int_equal(rmdir(dir), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_structure_and_positions),
        cmocka_unit_test(test_documents),
        cmocka_unit_test(test_scalar_resolution),
        cmocka_unit_test(test_tags),
        cmocka_unit_test(test_anchors),
        cmocka_unit_test(test_merge_keys),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_matches_json),
        cmocka_unit_test(test_file_and_where),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
