/* test_decl_records.c - RecordSelector (decl_records.c): DpathExtractor paths, "*" wildcards and
 * whole-body extraction, RecordFilter conditions, and the transformations AddFields,
 * RemoveFields, KeysToLower, KeysToSnakeCase, KeysReplace, FlattenFields and
 * DpathFlattenFields, built from small YAML snippets and run on in-memory pages (no network).
 * Single-threaded. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "unit/testutil.h"

#include "base/json.h"
#include "base/mem.h"
#include "base/yaml.h"
#include "connectors/decl_int.h"

static const char *const CONFIG = "{\"region\": \"eu\", \"key\": \"items\", \"min\": 2}";

/* Parses YAML text (the selector node and, optionally, transformations). Caller frees. */
static struct wv_json *yaml(const char *text)
{
    return wv_test_yaml(text, "test.yaml");
}

/* Parses JSON text. Caller frees. */
static struct wv_json *json(const char *text)
{
    return wv_test_json(text, "test.json");
}

/* Builds a selector from a YAML document {selector: ..., transformations: [...]}, selects the
 * records of body (JSON text) and returns them as compact JSON (caller frees). */
static char *select_records(const char *doc, const char *body)
{
    struct wv_json *d = yaml(doc), *cfg = json(CONFIG);
    struct wv_error err = {0};
    struct decl_selector *s = conn_decl_selector_build(
        wv_json_get(d, "selector"), wv_json_get(d, "transformations"), "test.yaml", &err);
    if (!s)
        print_error("build: %s\n", err.msg);
    assert_non_null(s);
    struct decl_page page;
    memset(&page, 0, sizeof page);
    page.body = json(body);
    struct decl_run run = {.config = cfg};
    struct decl_vars vars = {.config = cfg};
    struct wv_json *out = wv_json_array();
    int rc = conn_decl_selector_select(s, &page, &vars, &run, out, &err);
    if (rc != 0)
        print_error("select: %s\n", err.msg);
    assert_int_equal(rc, 0);
    char *got = wv_json_to_string(out);
    wv_json_free(out);
    conn_decl_page_done(&page);
    conn_decl_selector_free(s);
    wv_json_free(cfg);
    wv_json_free(d);
    return got;
}

/* Asserts the records selected from body equal want (compact JSON). */
static void expect(const char *doc, const char *body, const char *want)
{
    char *got = select_records(doc, body);
    bool same = strcmp(got, want) == 0;
    if (!same)
        print_error("got:  %s\nwant: %s\n", got, want);
    free(got); /* before asserting: a failure must not leak under the sanitizer */
    assert_true(same);
}

/* field_path to a list keeps its objects; to an object yields it; a missing path nothing. */
static void test_dpath_plain(void **state)
{
    (void)state;
    const char *doc = "selector:\n  type: RecordSelector\n  extractor:\n"
                      "    type: DpathExtractor\n    field_path: [data]\n";
    expect(doc, "{\"data\": [{\"id\": 1}, {\"id\": 2}], \"meta\": {}}", "[{\"id\":1},{\"id\":2}]");
    expect(doc, "{\"data\": {\"id\": 7}}", "[{\"id\":7}]");
    expect(doc, "{\"other\": [{\"id\": 1}]}", "[]");
    expect(doc, "{\"data\": []}", "[]");
    /* non-object list items are not records */
    expect(doc, "{\"data\": [1, \"x\", {\"id\": 3}, null]}", "[{\"id\":3}]");
    /* nested path, and a list index as a segment */
    const char *doc2 = "selector:\n  extractor:\n    field_path: [a, b]\n";
    expect(doc2, "{\"a\": {\"b\": [{\"k\": true}]}}", "[{\"k\":true}]");
    const char *doc3 = "selector:\n  extractor:\n    field_path: [pages, '1', rows]\n";
    expect(doc3, "{\"pages\": [{\"rows\": [{\"p\": 0}]}, {\"rows\": [{\"p\": 1}]}]}",
           "[{\"p\":1}]");
    /* an interpolated path segment from config */
    const char *doc4 = "selector:\n  extractor:\n    field_path: [\"{{ config['key'] }}\"]\n";
    expect(doc4, "{\"items\": [{\"i\": 1}], \"data\": [{\"i\": 2}]}", "[{\"i\":1}]");
}

/* An empty object at the path is no record, as the CDK's DpathExtractor documents ("If the
 * field path points to an empty object, an empty array is returned": `elif extracted:`). */
static void test_dpath_empty_object(void **state)
{
    (void)state;
    expect("selector:\n  extractor:\n    field_path: [data]\n", "{\"data\": {}}", "[]");
}

/* "*" matches every member of a list or object at that level. */
static void test_dpath_wildcard(void **state)
{
    (void)state;
    const char *doc = "selector:\n  extractor:\n    field_path: [data, '*']\n";
    expect(doc, "{\"data\": [{\"id\": 1}, 5, {\"id\": 2}]}", "[{\"id\":1},{\"id\":2}]");
    expect(doc, "{\"data\": {\"a\": {\"id\": 1}, \"b\": {\"id\": 2}}}", "[{\"id\":1},{\"id\":2}]");
    const char *doc2 = "selector:\n  extractor:\n    field_path: [groups, '*', owner]\n";
    expect(doc2,
           "{\"groups\": [{\"owner\": {\"n\": \"a\"}}, {\"x\": 1}, {\"owner\": {\"n\": \"b\"}}]}",
           "[{\"n\":\"a\"},{\"n\":\"b\"}]");
    expect(doc2, "{\"groups\": []}", "[]");
}

/* Without a field_path the body itself is the record list or the one record. */
static void test_whole_body(void **state)
{
    (void)state;
    const char *doc = "selector:\n  extractor:\n    type: DpathExtractor\n    field_path: []\n";
    expect(doc, "[{\"id\": 1}, {\"id\": 2}]", "[{\"id\":1},{\"id\":2}]");
    expect(doc, "{\"id\": 1, \"name\": \"x\"}", "[{\"id\":1,\"name\":\"x\"}]");
    expect(doc, "{}", "[]");
    expect(doc, "[]", "[]");
    expect(doc, "null", "[]");
    expect("selector:\n  type: RecordSelector\n", "[{\"a\": 1}]", "[{\"a\":1}]");
}

/* RecordFilter keeps the records whose condition is truthy; it sees record and config. */
static void test_record_filter(void **state)
{
    (void)state;
    const char *doc = "selector:\n  extractor:\n    field_path: [data]\n  record_filter:\n"
                      "    type: RecordFilter\n"
                      "    condition: \"{{ record['status'] == 'active' }}\"\n";
    expect(doc,
           "{\"data\": [{\"id\": 1, \"status\": \"active\"}, {\"id\": 2, \"status\": \"gone\"},"
           " {\"id\": 3, \"status\": \"active\"}, {\"id\": 4}]}",
           "[{\"id\":1,\"status\":\"active\"},{\"id\":3,\"status\":\"active\"}]");
    const char *doc2 = "selector:\n  extractor:\n    field_path: [data]\n  record_filter:\n"
                       "    condition: \"{{ record.n >= config.min }}\"\n";
    expect(doc2, "{\"data\": [{\"n\": 1}, {\"n\": 2}, {\"n\": 3}]}", "[{\"n\":2},{\"n\":3}]");
    const char *doc3 = "selector:\n  extractor:\n    field_path: [data]\n  record_filter:\n"
                       "    condition: \"{{ false }}\"\n";
    expect(doc3, "{\"data\": [{\"n\": 1}]}", "[]");
}

/* AddFields: nested paths created, typed values, interpolation from record and config. */
static void test_add_fields(void **state)
{
    (void)state;
    const char *doc =
        "selector:\n  extractor:\n    field_path: [data]\n"
        "transformations:\n"
        "  - type: AddFields\n    fields:\n"
        "      - {type: AddedFieldDefinition, path: [region], value: \"{{ config['region'] }}\"}\n"
        "      - {path: [meta, source, name], value: static}\n"
        "      - {path: [double], value: \"{{ record['id'] * 2 }}\"}\n"
        "      - {path: [flag], value: \"{{ record['id'] > 1 }}\"}\n"
        "      - {path: [lit], value: 5}\n"
        "      - {path: [copy], value: \"{{ record['tags'] }}\"}\n"
        "      - {path: [label], value: \"id-{{ record.id }}\"}\n";
    expect(doc, "{\"data\": [{\"id\": 1, \"tags\": [\"a\"]}, {\"id\": 2}]}",
           "[{\"id\":1,\"tags\":[\"a\"],\"region\":\"eu\",\"meta\":{\"source\":{\"name\":"
           "\"static\"}},\"double\":2,\"flag\":false,\"lit\":5,\"copy\":[\"a\"],"
           "\"label\":\"id-1\"},"
           "{\"id\":2,\"region\":\"eu\",\"meta\":{\"source\":{\"name\":\"static\"}},\"double\":4,"
           "\"flag\":true,\"lit\":5,\"copy\":null,\"label\":\"id-2\"}]");
    /* a later field sees the earlier ones; an existing value is replaced in place */
    const char *doc2 = "selector:\n  extractor:\n    field_path: []\n"
                       "transformations:\n  - type: AddFields\n    fields:\n"
                       "      - {path: [a], value: \"{{ record.a + 1 }}\"}\n"
                       "      - {path: [b], value: \"{{ record.a }}\"}\n";
    expect(doc2, "{\"a\": 1, \"z\": 0}", "[{\"a\":2,\"z\":0,\"b\":2}]");
    /* condition: only records where it holds */
    const char *doc3 = "selector:\n  extractor:\n    field_path: [data]\n"
                       "transformations:\n  - type: AddFields\n"
                       "    condition: \"{{ record.id == 2 }}\"\n    fields:\n"
                       "      - {path: [hit], value: yes}\n";
    expect(doc3, "{\"data\": [{\"id\": 1}, {\"id\": 2}]}",
           "[{\"id\":1},{\"id\":2,\"hit\":\"yes\"}]");
}

/* RemoveFields: plain and nested pointers, "*" wildcards, missing paths ignored. */
static void test_remove_fields(void **state)
{
    (void)state;
    const char *doc = "selector:\n  extractor:\n    field_path: []\n"
                      "transformations:\n  - type: RemoveFields\n    field_pointers:\n"
                      "      - [secret]\n      - [nested, drop]\n      - [list, '*', x]\n"
                      "      - [missing, deeper]\n";
    expect(doc,
           "{\"id\": 1, \"secret\": \"s\", \"nested\": {\"drop\": 1, \"keep\": 2},"
           " \"list\": [{\"x\": 1, \"y\": 1}, {\"y\": 2}, 3]}",
           "[{\"id\":1,\"nested\":{\"keep\":2},\"list\":[{\"y\":1},{\"y\":2},3]}]");
    const char *doc2 = "selector:\n  extractor:\n    field_path: []\n"
                       "transformations:\n  - type: RemoveFields\n    field_pointers:\n"
                       "      - [obj, '*']\n      - ['*', t]\n";
    expect(doc2, "{\"obj\": {\"a\": 1, \"b\": 2}, \"o2\": {\"t\": 1, \"u\": 2}, \"t\": 3}",
           "[{\"obj\":{},\"o2\":{\"u\":2},\"t\":3}]");
}

/* KeysToLower and KeysToSnakeCase rename the top-level keys only. */
static void test_keys_lower_snake(void **state)
{
    (void)state;
    const char *lower = "selector:\n  extractor:\n    field_path: []\n"
                        "transformations:\n  - type: KeysToLower\n";
    expect(lower, "{\"ID\": 1, \"FirstName\": \"a\", \"Nested\": {\"InNer\": 1}}",
           "[{\"id\":1,\"firstname\":\"a\",\"nested\":{\"InNer\":1}}]");
    const char *snake = "selector:\n  extractor:\n    field_path: []\n"
                        "transformations:\n  - type: KeysToSnakeCase\n";
    expect(
        snake,
        "{\"FirstName\": 1, \"userID\": 2, \"some key\": 3, \"123abc\": 4, \"Caf\xc3\xa9 Name\": 5,"
        " \"already_snake\": 6, \"HTTPResponse\": 7, \"a-b.c\": 8, \"  lead\": 9,"
        " \"Nested\": {\"InNer\": 1}}",
        "[{\"first_name\":1,\"user_id\":2,\"some_key\":3,\"_123_abc\":4,\"cafe_name\":5,"
        "\"already_snake\":6,\"httpresponse\":7,\"a_b_c\":8,\"_lead\":9,"
        "\"nested\":{\"InNer\":1}}]");
}

/* KeysReplace replaces a substring in keys, also in nested objects. */
static void test_keys_replace(void **state)
{
    (void)state;
    const char *doc = "selector:\n  extractor:\n    field_path: []\n"
                      "transformations:\n  - type: KeysReplace\n    old: \" \"\n    new: \"_\"\n";
    expect(doc, "{\"first name\": 1, \"a b c\": {\"x y\": 2}, \"ok\": 3}",
           "[{\"first_name\":1,\"a_b_c\":{\"x_y\":2},\"ok\":3}]");
    const char *doc2 = "selector:\n  extractor:\n    field_path: []\n"
                       "transformations:\n  - type: KeysReplace\n"
                       "    old: \"{{ config.region }}\"\n    new: \"\"\n";
    expect(doc2, "{\"eu_id\": 1, \"us_id\": 2}", "[{\"_id\":1,\"us_id\":2}]");
}

/* FlattenFields visits members as the CDK's stack does (last first) and prefixes keys that
 * clash or follow a list. */
static void test_flatten_fields(void **state)
{
    (void)state;
    const char *doc = "selector:\n  extractor:\n    field_path: []\n"
                      "transformations:\n  - type: FlattenFields\n";
    expect(doc, "{\"a\": {\"b\": 1}, \"c\": 2}", "[{\"c\":2,\"b\":1}]");
    expect(doc, "{\"a\": {\"b\": 1}, \"b\": 2}", "[{\"b\":2,\"a.b\":1}]");
    expect(doc, "{\"a\": {\"b\": 1}, \"c\": [1, 2]}", "[{\"c.1\":2,\"c.0\":1,\"a.b\":1}]");
    const char *nolists = "selector:\n  extractor:\n    field_path: []\n"
                          "transformations:\n  - type: FlattenFields\n    flatten_lists: false\n";
    expect(nolists, "{\"a\": {\"b\": 1}, \"c\": [1, 2]}", "[{\"c\":[1,2],\"b\":1}]");
}

/* DpathFlattenFields merges the object at field_path into the record. */
static void test_dpath_flatten_fields(void **state)
{
    (void)state;
    const char *doc = "selector:\n  extractor:\n    field_path: []\n"
                      "transformations:\n  - type: DpathFlattenFields\n    field_path: [data]\n";
    expect(doc, "{\"id\": 1, \"data\": {\"x\": 1, \"y\": 2}}",
           "[{\"id\":1,\"data\":{\"x\":1,\"y\":2},\"x\":1,\"y\":2}]");
    /* a clashing key leaves the record as it was */
    expect(doc, "{\"id\": 1, \"data\": {\"id\": 2}}", "[{\"id\":1,\"data\":{\"id\":2}}]");
    /* not an object: nothing */
    expect(doc, "{\"id\": 1, \"data\": [1]}", "[{\"id\":1,\"data\":[1]}]");
    const char *del = "selector:\n  extractor:\n    field_path: []\n"
                      "transformations:\n  - type: DpathFlattenFields\n"
                      "    field_path: [props, '*', v]\n    delete_origin_value: true\n";
    expect(del, "{\"id\": 1, \"props\": [{\"w\": 0}, {\"v\": {\"k\": 3}}]}",
           "[{\"id\":1,\"props\":[{\"w\":0},{}],\"k\":3}]");
    const char *rep = "selector:\n  extractor:\n    field_path: []\n"
                      "transformations:\n  - type: DpathFlattenFields\n"
                      "    field_path: [data]\n    replace_record: true\n";
    expect(rep, "{\"id\": 1, \"data\": {\"x\": 1}}", "[{\"x\":1}]");
    const char *kt = "selector:\n  extractor:\n    field_path: []\n"
                     "transformations:\n  - type: DpathFlattenFields\n    field_path: [data]\n"
                     "    key_transformation:\n      type: KeyTransformation\n"
                     "      prefix: d_\n      suffix: _{{ config.region }}\n";
    expect(kt, "{\"id\": 1, \"data\": {\"id\": 2}}",
           "[{\"id\":1,\"data\":{\"id\":2},\"d_id_eu\":2}]");
}

/* Transformations apply in order, after the filter (which sees the raw record). */
static void test_order(void **state)
{
    (void)state;
    const char *doc = "selector:\n  extractor:\n    field_path: [data]\n"
                      "  record_filter:\n    condition: \"{{ record.Keep }}\"\n"
                      "transformations:\n  - type: KeysToLower\n"
                      "  - type: AddFields\n    fields:\n"
                      "      - {path: [twice], value: \"{{ record.keep }}{{ record.keep }}\"}\n"
                      "  - type: RemoveFields\n    field_pointers: [[keep]]\n";
    expect(doc, "{\"data\": [{\"Keep\": \"y\"}, {\"Keep\": \"\"}]}", "[{\"twice\":\"yy\"}]");
}

/* Records of an arena body that a transformation changes are copies: the body stays as
 * received (the paginator reads it after selection); an ignored page yields nothing. */
static void test_arena_body_unchanged(void **state)
{
    (void)state;
    struct wv_json *d = yaml("selector:\n  extractor:\n    field_path: [data]\n"
                             "transformations:\n  - type: RemoveFields\n"
                             "    field_pointers: [[id]]\n");
    struct wv_error err = {0};
    struct decl_selector *s = conn_decl_selector_build(
        wv_json_get(d, "selector"), wv_json_get(d, "transformations"), "t", &err);
    assert_non_null(s);
    const char *body = "{\"data\": [{\"id\": 1, \"v\": \"a\"}, {\"id\": 2, \"v\": \"b\"}]}";
    struct decl_page page;
    memset(&page, 0, sizeof page);
    page.body = wv_json_parse_arena(body, strlen(body), "body", &err);
    assert_non_null(page.body);
    struct decl_run run = {0};
    struct decl_vars vars = {0};
    struct wv_json *out = wv_json_array();
    assert_int_equal(conn_decl_selector_select(s, &page, &vars, &run, out, &err), 0);
    char *got = wv_json_to_string(out), *raw = wv_json_to_string(page.body);
    assert_string_equal(got, "[{\"v\":\"a\"},{\"v\":\"b\"}]");
    assert_string_equal(raw, "{\"data\":[{\"id\":1,\"v\":\"a\"},{\"id\":2,\"v\":\"b\"}]}");
    free(got);
    free(raw);
    /* appending: a second select adds after what is there; ignored pages add nothing */
    page.ignored = true;
    assert_int_equal(conn_decl_selector_select(s, &page, &vars, &run, out, &err), 0);
    assert_int_equal(out->len, 2);
    wv_json_free(out);
    conn_decl_page_done(&page);
    conn_decl_selector_free(s);
    wv_json_free(d);
}

/* Builds from YAML text expecting failure with a message containing want_sub. */
static void expect_build_error(const char *doc, const char *want_sub)
{
    struct wv_json *d = yaml(doc);
    struct wv_error err = {0};
    struct decl_selector *s = conn_decl_selector_build(
        wv_json_get(d, "selector"), wv_json_get(d, "transformations"), "m.yaml", &err);
    assert_null(s);
    if (!strstr(err.msg, want_sub))
        print_error("got: %s\n", err.msg);
    assert_non_null(strstr(err.msg, want_sub));
    wv_json_free(d);
}

/* Unknown extractor or transformation types are refused at build time, positioned. */
static void test_build_errors(void **state)
{
    (void)state;
    expect_build_error("selector:\n  extractor:\n    type: CustomRecordExtractor\n"
                       "    class_name: x.Y\n",
                       "m.yaml:3:5");
    expect_build_error("selector:\n  extractor:\n    field_path: []\n"
                       "transformations:\n  - type: AddFields\n    fields: []\n"
                       "  - type: CustomTransformation\n    class_name: a.B\n",
                       "m.yaml:7:5");
}

/* A filter that fails to evaluate is an error, and drops the records. */
static void test_filter_error(void **state)
{
    (void)state;
    struct wv_json *d =
        yaml("selector:\n  extractor:\n    field_path: [data]\n"
             "  record_filter:\n    condition: \"{{ record.a | nosuchfilter }}\"\n");
    struct wv_error err = {0};
    struct decl_selector *s = conn_decl_selector_build(wv_json_get(d, "selector"), NULL, "t", &err);
    if (s) {
        struct decl_page page;
        memset(&page, 0, sizeof page);
        page.body = json("{\"data\": [{\"a\": 1}]}");
        struct decl_run run = {0};
        struct decl_vars vars = {0};
        struct wv_json *out = wv_json_array();
        assert_int_equal(conn_decl_selector_select(s, &page, &vars, &run, out, &err), -1);
        assert_int_equal(out->len, 0);
        wv_json_free(out);
        conn_decl_page_done(&page);
    }
    assert_true(wv_error_isset(&err));
    conn_decl_selector_free(s);
    wv_json_free(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dpath_plain),          cmocka_unit_test(test_dpath_empty_object),
        cmocka_unit_test(test_dpath_wildcard),       cmocka_unit_test(test_whole_body),
        cmocka_unit_test(test_record_filter),        cmocka_unit_test(test_add_fields),
        cmocka_unit_test(test_remove_fields),        cmocka_unit_test(test_keys_lower_snake),
        cmocka_unit_test(test_keys_replace),         cmocka_unit_test(test_flatten_fields),
        cmocka_unit_test(test_dpath_flatten_fields), cmocka_unit_test(test_order),
        cmocka_unit_test(test_arena_body_unchanged), cmocka_unit_test(test_build_errors),
        cmocka_unit_test(test_filter_error),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
