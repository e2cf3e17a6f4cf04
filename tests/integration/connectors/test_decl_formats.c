/* test_decl_formats.c - non-JSON decoders (XmlDecoder with xmltodict's shape and positioned
 * errors, IterableDecoder, CsvDecoder, GzipDecoder), the key transformations (DpathFlattenFields,
 * FlattenFields, KeysReplace, KeysToSnakeCase) and RESET_PAGINATION / PaginationReset limits,
 * each against the fixture server with expectations built from its items. */
#include "test_decl_common.h"

/* Reads a stream of formats.yaml and asserts success. */
static void fmt_read(const char *stream, struct fx_out *out)
{
    struct wv_error err = {0};
    int rc = fx_read("formats.yaml", stream, "full_refresh", "{}", NULL, out, &err);
    if (rc < 0)
        print_error("%s\n", err.msg);
    assert_int_equal(rc, 0);
}

/* The fixture's /formats/nested record for item r. */
static struct wv_json *fmt_nested(const struct wv_json *r)
{
    struct wv_json *n = wv_json_object(), *a = wv_json_object();
    wv_json_set(n, "id", wv_json_dup(wv_json_get(r, "id")));
    wv_json_set(a, "name", wv_json_dup(wv_json_get(r, "name")));
    wv_json_set(a, "category", wv_json_dup(wv_json_get(r, "category")));
    wv_json_set(n, "attributes", a);
    wv_json_set(n, "Created At", wv_json_dup(wv_json_get(r, "updated_at")));
    wv_json_set(n, "meta", wv_json_dup(wv_json_get(r, "meta")));
    wv_json_set(n, "tags", wv_json_dup(wv_json_get(r, "tags")));
    return n;
}

/* DpathFlattenFields (delete_origin_value) then KeysToSnakeCase: "Created At" -> created_at. */
static void test_dpath_flatten(void **state)
{
    (void)state;
    struct fx_out out;
    fmt_read("dpath_flatten", &out);
    struct wv_json *items = fx_items(NULL), *want = wv_json_array();
    for (size_t i = 0; i < items->len; i++) {
        const struct wv_json *r = items->items[i];
        struct wv_json *x = wv_json_object();
        wv_json_set(x, "id", wv_json_dup(wv_json_get(r, "id")));
        wv_json_set(x, "created_at", wv_json_dup(wv_json_get(r, "updated_at")));
        wv_json_set(x, "meta", wv_json_dup(wv_json_get(r, "meta")));
        wv_json_set(x, "tags", wv_json_dup(wv_json_get(r, "tags")));
        wv_json_set(x, "name", wv_json_dup(wv_json_get(r, "name")));
        wv_json_set(x, "category", wv_json_dup(wv_json_get(r, "category")));
        wv_json_push(want, x);
    }
    fx_assert_json(out.records, want);
    wv_json_free(want);
    fx_out_done(&out);
    /* replace_record with an interpolated path and key_transformation prefix/suffix */
    fmt_read("dpath_replace", &out);
    want = wv_json_array();
    for (size_t i = 0; i < items->len; i++) {
        const struct wv_json *m = wv_json_get(items->items[i], "meta");
        struct wv_json *x = wv_json_object();
        wv_json_set(x, "m_color_x", wv_json_dup(wv_json_get(m, "color")));
        wv_json_set(x, "m_size_x", wv_json_dup(wv_json_get(m, "size")));
        wv_json_push(want, x);
    }
    fx_assert_json(out.records, want);
    wv_json_free(want);
    fx_out_done(&out);
    /* a key clash ("name" added first): the record stays as it was, origin not deleted */
    fmt_read("dpath_clash", &out);
    want = wv_json_array();
    for (size_t i = 0; i < items->len; i++) {
        struct wv_json *x = fmt_nested(items->items[i]);
        wv_json_set(x, "name", wv_json_str("kept"));
        wv_json_push(want, x);
    }
    fx_assert_json(out.records, want);
    wv_json_free(want);
    wv_json_free(items);
    fx_out_done(&out);
}

/* FlattenFields: nested keys come up as they are until a list was flattened, after which every
 * key carries its parent's (the CDK's stack order visits tags before meta and attributes). */
static void test_flatten(void **state)
{
    (void)state;
    struct fx_out out;
    fmt_read("flatten", &out);
    struct wv_json *items = fx_items(NULL), *want = wv_json_array();
    for (size_t i = 0; i < items->len; i++) {
        const struct wv_json *r = items->items[i], *tags = wv_json_get(r, "tags");
        const struct wv_json *m = wv_json_get(r, "meta");
        bool force = tags->len > 0;
        struct wv_json *x = wv_json_object();
        wv_json_set(x, "id", wv_json_dup(wv_json_get(r, "id")));
        wv_json_set(x, force ? "attributes.name" : "name", wv_json_dup(wv_json_get(r, "name")));
        wv_json_set(x, force ? "attributes.category" : "category",
                    wv_json_dup(wv_json_get(r, "category")));
        wv_json_set(x, "Created At", wv_json_dup(wv_json_get(r, "updated_at")));
        wv_json_set(x, force ? "meta.color" : "color", wv_json_dup(wv_json_get(m, "color")));
        wv_json_set(x, force ? "meta.size" : "size", wv_json_dup(wv_json_get(m, "size")));
        for (size_t t = 0; t < tags->len; t++) {
            char k[32];
            snprintf(k, sizeof k, "tags.%zu", t);
            wv_json_set(x, k, wv_json_dup(tags->items[t]));
        }
        wv_json_push(want, x);
    }
    fx_assert_json(out.records, want);
    /* the CDK's insertion order: id is visited last */
    const struct wv_json *first = wv_json_at(out.records, 0);
    assert_string_equal(first->keys[first->len - 1], "id");
    wv_json_free(items);
    wv_json_free(want);
    fx_out_done(&out);
}

/* KeysReplace with an interpolated old value, in nested objects too. */
static void test_keys_replace(void **state)
{
    (void)state;
    struct fx_out out;
    fmt_read("keys_replace", &out);
    struct wv_json *items = fx_items(NULL);
    assert_int_equal(out.records->len, items->len);
    const struct wv_json *r = out.records->items[0];
    assert_non_null(wv_json_get(wv_json_get(r, "Attributes"), "nAme"));
    assert_non_null(wv_json_get(wv_json_get(r, "Attributes"), "cAtegory"));
    assert_non_null(wv_json_get(r, "CreAted At"));
    assert_non_null(wv_json_get(wv_json_get(r, "metA"), "color"));
    assert_non_null(wv_json_get(r, "tAgs"));
    assert_null(wv_json_get(r, "attributes"));
    assert_int_equal(r->len, 5);
    fx_assert_json(wv_json_get(wv_json_get(r, "Attributes"), "nAme"),
                   wv_json_get(items->items[0], "name"));
    wv_json_free(items);
    fx_out_done(&out);
}

/* XmlDecoder: items as records with "@id" attributes, optional elements absent. */
static void test_xml(void **state)
{
    (void)state;
    struct fx_out out;
    fmt_read("xml", &out);
    struct wv_json *items = fx_items(NULL), *want = wv_json_array();
    for (size_t i = 0; i < items->len; i++) {
        const struct wv_json *r = items->items[i];
        struct wv_json *x = wv_json_object();
        char *id = wv_json_to_string(wv_json_get(r, "id"));
        wv_json_set(x, "@id", wv_json_str(id));
        free(id);
        wv_json_set(x, "name", wv_json_dup(wv_json_get(r, "name")));
        wv_json_set(x, "category", wv_json_dup(wv_json_get(r, "category")));
        if (wv_json_get_str(r, "note"))
            wv_json_set(x, "note", wv_json_dup(wv_json_get(r, "note")));
        wv_json_push(want, x);
    }
    fx_assert_json(out.records, want);
    wv_json_free(items);
    wv_json_free(want);
    fx_out_done(&out);
}

/* XmlDecoder: entities, character references, CDATA, empty elements, mixed content,
 * comments/PI/DOCTYPE skipped; a malformed document fails with its position. */
static void test_xml_doc(void **state)
{
    (void)state;
    struct fx_out out;
    fmt_read("xmldoc", &out);
    fx_assert_text(out.records,
                   "[{\"doc\": {\"@version\": \"2\", \"row\": [{\"@kind\": \"a & b\", \"#text\": "
                   "\"one <1> \\\"q\\\" 's'\"}, \"<raw> & stuff\"], \"empty\": null, \"blank\": "
                   "{\"@attr\": \"x\"}, \"num\": \"\\u00e9A\", \"mixed\": {\"b\": \"c\", "
                   "\"#text\": \"ad\"}}}]");
    fx_out_done(&out);
    struct wv_error err = {0};
    assert_int_equal(fx_read("formats.yaml", "xml_bad", "full_refresh", "{}", NULL, &out, &err),
                     -1);
    assert_non_null(strstr(err.msg, "xml:4:"));
    assert_non_null(strstr(err.msg, "mismatched end tag"));
    assert_int_equal(out.records->len, 0);
    fx_out_done(&out);
}

/* IterableDecoder: {"record": line} per CRLF-terminated line. */
static void test_lines(void **state)
{
    (void)state;
    struct fx_out out;
    fmt_read("lines", &out);
    struct wv_json *items = fx_items(NULL), *want = wv_json_array();
    for (size_t i = 0; i < items->len; i++) {
        struct wv_json *x = wv_json_object();
        wv_json_set(x, "record", wv_json_dup(wv_json_get(items->items[i], "name")));
        wv_json_push(want, x);
    }
    fx_assert_json(out.records, want);
    wv_json_free(items);
    wv_json_free(want);
    fx_out_done(&out);
}

/* CsvDecoder: header-keyed string values, quoted fields, "" as null. */
static void test_csv(void **state)
{
    (void)state;
    struct fx_out out;
    fmt_read("csv", &out);
    struct wv_json *items = fx_items(NULL), *want = wv_json_array();
    for (size_t i = 0; i < items->len; i++) {
        const struct wv_json *r = items->items[i];
        struct wv_json *x = wv_json_object();
        char *id = wv_json_to_string(wv_json_get(r, "id"));
        wv_json_set(x, "id", wv_json_str(id));
        free(id);
        const char *name = wv_json_get_str(r, "name");
        char *q = i == 0 ? wv_asprintf("%s, \"first\"", name) : wv_strdup(name);
        wv_json_set(x, "name", wv_json_str(q));
        free(q);
        wv_json_set(x, "category", wv_json_dup(wv_json_get(r, "category")));
        const char *note = wv_json_get_str(r, "note");
        wv_json_set(x, "note", note ? wv_json_str(note) : wv_json_null());
        wv_json_push(want, x);
    }
    fx_assert_json(out.records, want);
    wv_json_free(items);
    wv_json_free(want);
    fx_out_done(&out);
}

/* GzipDecoder: a gzip file body (no Content-Encoding) inflated, then JSON. */
static void test_gzip(void **state)
{
    (void)state;
    struct fx_out out;
    fmt_read("gzip", &out);
    struct wv_json *items = fx_items(NULL);
    fx_assert_json(out.records, items);
    wv_json_free(items);
    fx_out_done(&out);
}

/* RESET_PAGINATION on page 3 (once): pages 1-2 were emitted, then the slice restarts from
 * page 1 and completes; twice on the same slice fails. */
static void test_reset_pagination(void **state)
{
    (void)state;
    fx_reset();
    wv_json_free(fx_call("POST", "/_control",
                         "{\"fail\": [{\"path\": \"/items/page\", \"status\": 409, \"times\": 1, "
                         "\"query\": {\"page\": \"3\"}}]}"));
    struct fx_out out;
    fmt_read("reset", &out);
    struct wv_json *items = fx_items(NULL), *want = wv_json_array();
    for (size_t i = 0; i < 100; i++)
        wv_json_push(want, wv_json_dup(items->items[i]));
    for (size_t i = 0; i < items->len; i++)
        wv_json_push(want, wv_json_dup(items->items[i]));
    fx_assert_json(out.records, want);
    assert_int_equal(fx_requests("/items/page"), 3 + 6);
    fx_out_done(&out);
    fx_reset();
    wv_json_free(fx_call("POST", "/_control",
                         "{\"fail\": [{\"path\": \"/items/page\", \"status\": 409, \"times\": 2, "
                         "\"query\": {\"page\": \"3\"}}]}"));
    struct wv_error err = {0};
    assert_int_equal(fx_read("formats.yaml", "reset", "full_refresh", "{}", NULL, &out, &err),
                     -1);
    assert_non_null(strstr(err.msg, "pagination reset"));
    assert_int_equal(out.records->len, 200);
    fx_out_done(&out);
    /* limits.number_of_records 120: resets after page 3 each time, bounded the same way */
    fx_reset();
    memset(&err, 0, sizeof err);
    assert_int_equal(
        fx_read("formats.yaml", "reset_limit", "full_refresh", "{}", NULL, &out, &err), -1);
    assert_non_null(strstr(err.msg, "pagination reset"));
    assert_int_equal(out.records->len, 300);
    assert_int_equal(fx_requests("/items/page"), 6);
    wv_json_free(items);
    wv_json_free(want);
    fx_out_done(&out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dpath_flatten), cmocka_unit_test(test_flatten),
        cmocka_unit_test(test_keys_replace),  cmocka_unit_test(test_xml),
        cmocka_unit_test(test_xml_doc),       cmocka_unit_test(test_lines),
        cmocka_unit_test(test_csv),           cmocka_unit_test(test_gzip),
        cmocka_unit_test(test_reset_pagination),
    };
    return cmocka_run_group_tests(tests, fx_start, fx_stop);
}
