/* test_decl_records.c - RecordFilter and transformations (RemoveFields, AddFields with nested
 * paths and typed values) on fixture records, and offset pagination stopping on a page that is
 * short after the filter (as the CDK counts). */
#include "test_decl_common.h"

/* Filter price > 200 and category != beta, then remove/add fields; compared field by field
 * with the same rules applied here to the fixture's items. */
static void test_filter_transform(void **state)
{
    (void)state;
    struct fx_out out;
    struct wv_error err = {0};
    int rc = fx_read("records.yaml", "expensive", "full_refresh", "{\"min_price\": 200}", NULL,
                     &out, &err);
    if (rc < 0)
        print_error("%s\n", err.msg);
    assert_int_equal(rc, 0);
    struct wv_json *items = fx_items(NULL), *want = wv_json_array();
    for (size_t i = 0; i < items->len; i++) {
        struct wv_json *r = items->items[i];
        double price = 0;
        wv_json_as_double(wv_json_get(r, "price"), &price);
        if (price <= 200 || wv_str_eq(wv_json_get_str(r, "category"), "beta"))
            continue;
        struct wv_json *x = wv_json_dup(r);
        wv_json_remove(x, "tags");
        wv_json_remove(x, "note");
        struct wv_json *meta = wv_json_get(x, "meta");
        wv_json_remove(meta, "color");
        int64_t size = 0;
        wv_json_get_i64(meta, "size", &size);
        wv_json_set(meta, "doubled", wv_json_int(size * 2));
        wv_json_set(x, "source", wv_json_str("fixture"));
        wv_json_set(x, "window", wv_json_int(200));
        wv_json_push(want, x);
    }
    assert_true(want->len > 10 && want->len < 200);
    fx_assert_json(out.records, want);
    wv_json_free(items);
    wv_json_free(want);
    fx_out_done(&out);
}

/* OffsetIncrement(50) with a filter keeping even ids: the first page has 25 records after the
 * filter, which is short, so pagination stops after one request. */
static void test_short_page_after_filter(void **state)
{
    (void)state;
    fx_reset();
    struct fx_out out;
    struct wv_error err = {0};
    assert_int_equal(fx_read("records.yaml", "short_pages", "full_refresh", "{}", NULL, &out, &err),
                     0);
    struct wv_json *items = fx_items(NULL), *want = wv_json_array();
    for (size_t i = 1; i < 50; i += 2)
        wv_json_push(want, wv_json_dup(items->items[i]));
    fx_assert_json(out.records, want);
    assert_int_equal(fx_requests("/items/offset"), 1);
    wv_json_free(items);
    wv_json_free(want);
    fx_out_done(&out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_filter_transform),
        cmocka_unit_test(test_short_page_after_filter),
    };
    return cmocka_run_group_tests(tests, fx_start, fx_stop);
}
