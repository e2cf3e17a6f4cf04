/* test_decl_pagination.c - declarative streams with every pagination kind (CursorPagination with
 * a body cursor and with Link headers + RequestPath, OffsetIncrement, PageIncrement from 1 and
 * from 0 with inject_on_first_request, NoPagination), DpathExtractor wildcards, POST JSON bodies,
 * spec/discover/check, against tests/fixtures/api_server.py. */
#include "test_decl_common.h"

#define CFG "{\"page_size\": 50, \"category\": \"beta\"}"

/* Reads a stream and asserts it returned exactly the fixture's items, with no state. */
static void read_all_items(const char *stream, const char *path, size_t want_requests)
{
    fx_reset();
    struct fx_out out;
    struct wv_error err = {0};
    int rc = fx_read("pagination.yaml", stream, "full_refresh", CFG, NULL, &out, &err);
    if (rc < 0)
        print_error("%s\n", err.msg);
    assert_int_equal(rc, 0);
    assert_int_equal(fx_requests(path), want_requests);
    struct wv_json *want = fx_items(NULL);
    assert_int_equal(want->len, 250);
    fx_assert_json(out.records, want);
    assert_int_equal(out.states->len, 0);
    wv_json_free(want);
    fx_out_done(&out);
}

/* CursorPagination: body cursor, stop_condition, page_size from config: 5 pages of 50. */
static void test_cursor(void **state)
{
    (void)state;
    read_all_items("cursor_items", "/items/cursor", 5);
}

/* CursorPagination on headers['link']['next']['url'] with RequestPath: 7 pages of 40. */
static void test_link(void **state)
{
    (void)state;
    read_all_items("link_items", "/items/link", 7);
}

/* OffsetIncrement of 60: 5 pages, the last one short. */
static void test_offset(void **state)
{
    (void)state;
    read_all_items("offset_items", "/items/offset", 5);
}

/* PageIncrement of 70 from page 1: 4 pages, the last one short. */
static void test_page(void **state)
{
    (void)state;
    read_all_items("page_items", "/items/page", 4);
}

/* PageIncrement from page 0, injected on the first request: pages 0,1,2 (short). */
static void test_page_zero(void **state)
{
    (void)state;
    read_all_items("page0_items", "/items/page", 3);
    struct wv_json *log = fx_call("GET", "/_requests?path=/items/page", NULL);
    const struct wv_json *first = wv_json_at(wv_json_get(log, "requests"), 0);
    fx_assert_text(wv_json_get(first, "query"),
                   "{\"page_base\": \"0\", \"page_size\": \"100\", \"page\": \"0\"}");
    wv_json_free(log);
}

/* NoPagination with a path built from $parameters. */
static void test_none(void **state)
{
    (void)state;
    read_all_items("all_items", "/items/all", 1);
}

/* JsonlDecoder: one record per line. */
static void test_jsonl(void **state)
{
    (void)state;
    read_all_items("jsonl_items", "/items/jsonl", 1);
}

/* DpathExtractor ["data", "*", "meta"] and a POST JSON body from the config. */
static void test_wildcard_post(void **state)
{
    (void)state;
    fx_reset();
    struct fx_out out;
    struct wv_error err = {0};
    assert_int_equal(fx_read("pagination.yaml", "item_meta", "full_refresh", CFG, NULL, &out, &err),
                     0);
    struct wv_json *items = fx_items(NULL), *want = wv_json_array();
    for (size_t i = 0; i < items->len; i++)
        wv_json_push(want, wv_json_dup(wv_json_get(items->items[i], "meta")));
    fx_assert_json(out.records, want);
    struct wv_json *log = fx_call("GET", "/_requests?path=/items/all", NULL);
    const struct wv_json *req = wv_json_at(wv_json_get(log, "requests"), 0);
    assert_string_equal(wv_json_get_str(req, "method"), "POST");
    fx_assert_text(wv_json_get(req, "body"), "\"{\\\"query\\\":\\\"beta\\\"}\"");
    wv_json_free(log);
    wv_json_free(items);
    wv_json_free(want);
    fx_out_done(&out);
}

/* spec, discover and check of the manifest. */
static void test_spec_discover_check(void **state)
{
    (void)state;
    struct wv_error err = {0};
    struct conn_source *src = fx_open("pagination.yaml", &err);
    assert_non_null(src);
    struct wv_json *spec = NULL, *cat = NULL;
    assert_int_equal(conn_source_spec(src, &spec, &err), 0);
    fx_assert_text(wv_json_get(wv_json_get(spec, "connectionSpecification"), "required"),
                   "[\"page_size\"]");
    struct wv_json *cfg = wv_json_parse(CFG, strlen(CFG), "cfg", &err);
    assert_int_equal(conn_source_discover(src, cfg, &cat, &err), 0);
    const struct wv_json *s0 = wv_json_at(wv_json_get(cat, "streams"), 0);
    assert_string_equal(wv_json_get_str(s0, "name"), "cursor_items");
    fx_assert_text(wv_json_get(s0, "source_defined_primary_key"), "[[\"id\"]]");
    fx_assert_text(wv_json_get(s0, "supported_sync_modes"), "[\"full_refresh\"]");
    assert_int_equal(wv_json_get(cat, "streams")->len, 8);
    bool ok = false;
    char *msg = NULL;
    assert_int_equal(conn_source_check(src, cfg, &ok, &msg, &err), 0);
    assert_true(ok);
    free(msg);
    wv_json_free(spec);
    wv_json_free(cat);
    wv_json_free(cfg);
    conn_source_free(src);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cursor),        cmocka_unit_test(test_link),
        cmocka_unit_test(test_offset),        cmocka_unit_test(test_page),
        cmocka_unit_test(test_page_zero),     cmocka_unit_test(test_none),
        cmocka_unit_test(test_wildcard_post), cmocka_unit_test(test_spec_discover_check),
        cmocka_unit_test(test_jsonl),
    };
    return cmocka_run_group_tests(tests, fx_start, fx_stop);
}
