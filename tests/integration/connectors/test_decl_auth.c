/* test_decl_auth.c - declarative authenticators (ApiKey in a header and in the query, Bearer,
 * Basic, Selective) against the fixture, which answers 401 to wrong credentials; secrets never
 * appear in errors. */
#include "test_decl_common.h"

#define GOOD                                                                                       \
    "{\"api_key\": \"test-api-key\", \"token\": \"test-bearer-token\", \"username\": "             \
    "\"test-user\", \"password\": \"test-pass\", \"credentials\": {\"kind\": \"%s\"}}"
#define BAD                                                                                        \
    "{\"api_key\": \"wrong-api-key\", \"token\": \"wrong-bearer-token\", \"username\": "           \
    "\"test-user\", \"password\": \"wrong-pass\", \"credentials\": {\"kind\": \"%s\"}}"

/* Reads a stream with good credentials (all items) and with bad ones (401, no secret shown). */
static void check_auth(const char *stream, const char *kind)
{
    fx_reset();
    struct fx_out out;
    struct wv_error err = {0};
    char *good = wv_asprintf(GOOD, kind), *bad = wv_asprintf(BAD, kind);
    int rc = fx_read("auth.yaml", stream, "full_refresh", good, NULL, &out, &err);
    if (rc < 0)
        print_error("%s\n", err.msg);
    assert_int_equal(rc, 0);
    struct wv_json *want = fx_items(NULL);
    fx_assert_json(out.records, want);
    wv_json_free(want);
    fx_out_done(&out);

    wv_error_clear(&err);
    assert_int_equal(fx_read("auth.yaml", stream, "full_refresh", bad, NULL, &out, &err), -1);
    assert_int_equal(out.records->len, 0);
    assert_non_null(strstr(err.msg, "HTTP 401"));
    assert_null(strstr(err.msg, "wrong-api-key"));
    assert_null(strstr(err.msg, "wrong-bearer-token"));
    assert_null(strstr(err.msg, "wrong-pass"));
    fx_out_done(&out);
    free(good);
    free(bad);
}

/* ApiKeyAuthenticator injected as the X-API-Key header. */
static void test_apikey_header(void **state)
{
    (void)state;
    check_auth("apikey_header", "bearer");
}

/* ApiKeyAuthenticator injected as the api_key query parameter. */
static void test_apikey_query(void **state)
{
    (void)state;
    check_auth("apikey_query", "bearer");
}

/* BearerAuthenticator. */
static void test_bearer(void **state)
{
    (void)state;
    check_auth("bearer", "bearer");
}

/* BasicHttpAuthenticator. */
static void test_basic(void **state)
{
    (void)state;
    check_auth("basic", "basic");
}

/* SelectiveAuthenticator picking by config.credentials.kind, both ways. */
static void test_selective(void **state)
{
    (void)state;
    check_auth("selective", "bearer");
    check_auth("selective", "basic");
}

/* check: ok with good credentials, a failed check (not an error) with bad ones. */
static void test_check(void **state)
{
    (void)state;
    struct wv_error err = {0};
    struct conn_source *src = fx_open("auth.yaml", &err);
    assert_non_null(src);
    char *good = wv_asprintf(GOOD, "bearer"), *bad = wv_asprintf(BAD, "bearer");
    struct wv_json *g = wv_json_parse(good, strlen(good), "g", &err);
    struct wv_json *b = wv_json_parse(bad, strlen(bad), "b", &err);
    bool ok = false;
    char *msg = NULL;
    assert_int_equal(conn_source_check(src, g, &ok, &msg, &err), 0);
    assert_true(ok);
    free(msg);
    msg = NULL;
    assert_int_equal(conn_source_check(src, b, &ok, &msg, &err), 0);
    assert_false(ok);
    assert_non_null(strstr(msg, "HTTP 401"));
    assert_null(strstr(msg, "wrong-bearer-token"));
    free(msg);
    wv_json_free(g);
    wv_json_free(b);
    free(good);
    free(bad);
    conn_source_free(src);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_apikey_header), cmocka_unit_test(test_apikey_query),
        cmocka_unit_test(test_bearer),        cmocka_unit_test(test_basic),
        cmocka_unit_test(test_selective),     cmocka_unit_test(test_check),
    };
    return cmocka_run_group_tests(tests, fx_start, fx_stop);
}
