/* test_decl_oauth.c - OAuthAuthenticator (refresh_token grant with and without rotation,
 * client_credentials) and SessionTokenAuthenticator against the fixture's token endpoints:
 * rotated refresh tokens land in CONTROL connectorConfig messages, wrong credentials fail
 * without showing secrets. */
#include "test_decl_common.h"

#define CFG(secret, rt)                                                                            \
    "{\"client_id\": \"test-client\", \"client_secret\": \"" secret "\", \"username\": "           \
    "\"test-user\", \"password\": \"test-pass\", \"credentials\": {\"refresh_token\": \"" rt       \
    "\"}}"

/* Reads a stream and asserts all items came back. */
static void read_ok(const char *stream, const char *cfg, struct fx_out *out)
{
    struct wv_error err = {0};
    int rc = fx_read("oauth.yaml", stream, "full_refresh", cfg, NULL, out, &err);
    if (rc < 0)
        print_error("%s\n", err.msg);
    assert_int_equal(rc, 0);
    struct wv_json *want = fx_items(NULL);
    fx_assert_json(out->records, want);
    wv_json_free(want);
}

/* refresh_token grant, long-lived token: one refresh for three pages, no CONTROL. */
static void test_refresh(void **state)
{
    (void)state;
    fx_reset();
    struct fx_out out;
    read_ok("oauth_refresh", CFG("test-secret", "test-refresh-token"), &out);
    assert_int_equal(fx_requests("/oauth/token"), 1);
    assert_int_equal(out.controls->len, 0);
    fx_out_done(&out);
}

/* Short-lived tokens with rotation: refreshed before expiry, each new refresh token is used
 * next and reported in a CONTROL message carrying the updated config. */
static void test_rotation(void **state)
{
    (void)state;
    fx_reset();
    wv_json_free(
        fx_call("POST", "/_control", "{\"oauth\": {\"expires_in\": 2, \"rotate\": true}}"));
    struct fx_out out;
    read_ok("oauth_refresh", CFG("test-secret", "test-refresh-token"), &out);
    size_t n = fx_requests("/oauth/token");
    assert_true(n >= 1);
    assert_int_equal(out.controls->len, n);
    const char *prev = "test-refresh-token";
    for (size_t i = 0; i < n; i++) {
        const struct wv_json *c = out.controls->items[i];
        const struct wv_json *cr = wv_json_get(c, "credentials");
        const char *rt = wv_json_get_str(cr, "refresh_token");
        assert_non_null(rt);
        assert_true(wv_str_starts(rt, "rt-"));
        assert_string_not_equal(rt, prev);
        assert_true(wv_str_starts(wv_json_get_str(cr, "access_token"), "at-"));
        assert_non_null(wv_json_get_str(cr, "token_expiry_date"));
        assert_string_equal(wv_json_get_str(c, "client_id"), "test-client");
        prev = rt;
    }
    fx_out_done(&out);
}

/* client_credentials grant. */
static void test_client_credentials(void **state)
{
    (void)state;
    fx_reset();
    struct fx_out out;
    read_ok("oauth_client", CFG("test-secret", "unused"), &out);
    assert_int_equal(fx_requests("/oauth/token"), 1);
    fx_out_done(&out);
}

/* A wrong client secret: the refresh fails with 401, the secret is not shown. */
static void test_bad_secret(void **state)
{
    (void)state;
    fx_reset();
    struct fx_out out;
    struct wv_error err = {0};
    assert_int_equal(fx_read("oauth.yaml", "oauth_refresh", "full_refresh",
                             CFG("wrong-secret-xyz", "test-refresh-token"), NULL, &out, &err),
                     -1);
    assert_non_null(strstr(err.msg, "HTTP 401"));
    assert_non_null(strstr(err.msg, "OAuth token refresh"));
    assert_null(strstr(err.msg, "wrong-secret-xyz"));
    assert_int_equal(out.records->len, 0);
    fx_out_done(&out);
}

/* SessionTokenAuthenticator: one login, the token sent in X-Session-Token. */
static void test_session(void **state)
{
    (void)state;
    fx_reset();
    struct fx_out out;
    read_ok("session", CFG("test-secret", "x"), &out);
    assert_int_equal(fx_requests("/session/login"), 1);
    fx_out_done(&out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_refresh),
        cmocka_unit_test(test_rotation),
        cmocka_unit_test(test_client_credentials),
        cmocka_unit_test(test_bad_secret),
        cmocka_unit_test(test_session),
    };
    return cmocka_run_group_tests(tests, fx_start, fx_stop);
}
