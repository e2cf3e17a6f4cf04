/* test_http.c - unit tests of the pure parts of the HTTP client (connectors/http.c): query
 * encoding, parameters, secret redaction, Link header parsing and URL rewrites. No network. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "unit/testutil.h"

#include "base/json.h"
#include "connectors/http_int.h"

/* Checks a returned string and frees it. */
static void expect_str(char *got, const char *want)
{
    assert_non_null(got);
    assert_string_equal(got, want);
    free(got);
}

/* Parses a JSON literal for test input. */
static struct wv_json *J(const char *text)
{
    return wv_test_json(text, "test");
}

/* Unreserved characters pass, everything else is %XX with upper-case hex. */
static void test_urlencode(void **state)
{
    (void)state;
    expect_str(conn_http_urlencode("AZaz09-._~"), "AZaz09-._~");
    expect_str(conn_http_urlencode("a b&c=d/e?f+g"), "a%20b%26c%3Dd%2Fe%3Ff%2Bg");
    expect_str(conn_http_urlencode("2024-01-01T00:00:00Z"), "2024-01-01T00%3A00%3A00Z");
    expect_str(conn_http_urlencode("\xc3\xa9"), "%C3%A9");
    expect_str(conn_http_urlencode(""), "");
    expect_str(conn_http_urlencode(NULL), "");
}

/* Params: order kept, lists repeat the key, nulls dropped, bools as Python renders them. */
static void test_url_with_params(void **state)
{
    (void)state;
    struct wv_json *p = J("{\"a\":\"x y\",\"n\":5,\"f\":1.50,\"t\":true,\"no\":false,"
                          "\"skip\":null,\"ids\":[1,2,null,\"3\"]}");
    expect_str(conn_http_url_with_params("http://h/p", p),
               "http://h/p?a=x%20y&n=5&f=1.50&t=True&no=False&ids=1&ids=2&ids=3");
    wv_json_free(p);

    p = J("{\"page\":2}");
    expect_str(conn_http_url_with_params("http://h/p?x=1", p), "http://h/p?x=1&page=2");
    expect_str(conn_http_url_with_params("http://h/p?", p), "http://h/p?page=2");
    expect_str(conn_http_url_with_params("http://h/p?x=1&", p), "http://h/p?x=1&page=2");
    expect_str(conn_http_url_with_params("http://h/p#frag", p), "http://h/p?page=2#frag");
    wv_json_free(p);

    p = J("{}");
    expect_str(conn_http_url_with_params("http://h/p", p), "http://h/p");
    wv_json_free(p);
    expect_str(conn_http_url_with_params("http://h/p", NULL), "http://h/p");
    p = J("{\"only\":null,\"empty\":[]}");
    expect_str(conn_http_url_with_params("http://h/p", p), "http://h/p");
    wv_json_free(p);
    p = J("{\"k&y\":{\"a\":1}}");
    expect_str(conn_http_url_with_params("http://h/p", p), "http://h/p?k%26y=%7B%22a%22%3A1%7D");
    wv_json_free(p);
}

/* Secret-looking query values and URL passwords are masked; the rest stays. */
static void test_redact(void **state)
{
    (void)state;
    expect_str(conn_http_redact("https://api.x.com/v1/items?page=2&api_key=S3CR3T&limit=5"),
               "https://api.x.com/v1/items?page=2&api_key=***&limit=5");
    expect_str(conn_http_redact("http://h/p?access_token=a&client_secret=b&Password=c&sig=d"),
               "http://h/p?access_token=***&client_secret=***&Password=***&sig=***");
    expect_str(conn_http_redact("http://h/p?X-Amz-Signature=abc&code=x&auth=1&design=ok"),
               "http://h/p?X-Amz-Signature=***&code=***&auth=***&design=ok");
    expect_str(conn_http_redact("https://user:hunter2@h.com:8443/p?q=1#frag"),
               "https://user:***@h.com:8443/p?q=1#frag");
    expect_str(conn_http_redact("https://user@h.com/p"), "https://user@h.com/p");
    expect_str(conn_http_redact("http://h/p?token=&flag&key"), "http://h/p?token=&flag&key");
    expect_str(conn_http_redact("http://h/p"), "http://h/p");
    expect_str(conn_http_redact("/relative?apikey=zz"), "/relative?apikey=***");
    expect_str(conn_http_redact(NULL), "");
}

/* The requests-style shape: rel -> {url, rel, other params}. */
static void test_parse_link(void **state)
{
    (void)state;
    struct wv_json *l =
        conn_http_parse_link("<https://api.github.com/x?page=2&per_page=10>; rel=\"next\", "
                             "<https://api.github.com/x?page=5>; rel=\"last\"; title='end'");
    struct wv_json *want = J("{\"next\":{\"url\":\"https://api.github.com/x?page=2&per_page=10\","
                             "\"rel\":\"next\"},\"last\":{\"url\":\"https://api.github.com/x?"
                             "page=5\",\"rel\":\"last\",\"title\":\"end\"}}");
    assert_true(wv_json_equal(l, want));
    wv_json_free(l);
    wv_json_free(want);

    /* A comma inside the URL does not split; no rel: keyed by URL; junk does not crash. */
    l = conn_http_parse_link("<http://h/a?ids=1,2>;rel=next,<http://h/b>");
    assert_string_equal(wv_json_get_str(wv_json_get(l, "next"), "url"), "http://h/a?ids=1,2");
    assert_non_null(wv_json_get(l, "http://h/b"));
    assert_int_equal(l->len, 2);
    wv_json_free(l);

    l = conn_http_parse_link("");
    assert_true(wv_json_is(l, WV_JSON_OBJECT));
    assert_int_equal(l->len, 0);
    wv_json_free(l);
    l = conn_http_parse_link(NULL);
    assert_int_equal(l->len, 0);
    wv_json_free(l);
    l = conn_http_parse_link(";;;,,<, ;=;rel=");
    assert_true(wv_json_is(l, WV_JSON_OBJECT));
    wv_json_free(l);
}

/* First matching prefix wins, at URL boundaries only; no match returns a copy. */
static void test_rewrite(void **state)
{
    (void)state;
    struct conn_http_rewrite rw[] = {
        {"https://api.example.com", "http://127.0.0.1:8080"},
        {"https://api.example.com/v2", "http://never"},
        {"https://files.example.com/", "http://127.0.0.1:9000/files/"},
    };
    struct conn_http_opts o = {.rewrites = rw, .n_rewrites = 3};
    struct wv_error err = {0};
    struct conn_http *h = conn_http_new(&o, &err);
    assert_non_null(h);
    rw[0].to = "http://changed"; /* opts are copied */
    expect_str(conn_http_rewrite_url(h, "https://api.example.com/v2/items?a=1"),
               "http://127.0.0.1:8080/v2/items?a=1");
    expect_str(conn_http_rewrite_url(h, "https://api.example.com"), "http://127.0.0.1:8080");
    expect_str(conn_http_rewrite_url(h, "https://api.example.com?x=1"),
               "http://127.0.0.1:8080?x=1");
    expect_str(conn_http_rewrite_url(h, "https://api.example.com.evil.org/x"),
               "https://api.example.com.evil.org/x");
    expect_str(conn_http_rewrite_url(h, "https://files.example.com/a/b"),
               "http://127.0.0.1:9000/files/a/b");
    expect_str(conn_http_rewrite_url(h, "http://api.example.com/x"), "http://api.example.com/x");
    conn_http_free(h);
    conn_http_free(NULL);

    h = conn_http_new(NULL, &err);
    assert_non_null(h);
    expect_str(conn_http_rewrite_url(h, "https://a/b"), "https://a/b");
    conn_http_free(h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_urlencode), cmocka_unit_test(test_url_with_params),
        cmocka_unit_test(test_redact),    cmocka_unit_test(test_parse_link),
        cmocka_unit_test(test_rewrite),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
