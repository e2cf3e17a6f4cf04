/* test_decl_config.c - config validation against spec.connection_specification: type,
 * required, enum, const, pattern (ECMA-262 patterns from real manifests through the POSIX
 * translation), format date/date-time, bounds, arrays, additionalProperties, oneOf with const
 * discriminators, defaults applied, CDK null stripping, and secrets never echoed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base/json.h"
#include "base/mem.h"
#include "connectors/decl_int.h"


/* A spec modelled on real Airbyte specs. */
static const char *const SPEC =
    "{\"type\": \"object\", \"required\": [\"start_date\", \"api_key\"],"
    " \"additionalProperties\": true,"
    " \"properties\": {"
    "  \"api_key\": {\"type\": \"string\", \"airbyte_secret\": true, \"minLength\": 8},"
    "  \"start_date\": {\"type\": \"string\", \"pattern\": \"^[0-9]{4}-[0-9]{2}-[0-9]{2}$\"},"
    "  \"end_date\": {\"type\": \"string\", \"format\": \"date-time\"},"
    "  \"day\": {\"type\": \"string\", \"format\": \"date\"},"
    "  \"region\": {\"type\": \"string\", \"enum\": [\"us\", \"eu\"], \"default\": \"us\"},"
    "  \"page_size\": {\"type\": \"integer\", \"minimum\": 1, \"maximum\": 500, \"default\": 100},"
    "  \"ratio\": {\"type\": [\"number\", \"null\"]},"
    "  \"tags\": {\"type\": \"array\", \"items\": {\"type\": \"string\", \"pattern\": \"^\\\\w+$\"},"
    "            \"minItems\": 1},"
    "  \"credentials\": {\"type\": \"object\", \"oneOf\": ["
    "    {\"title\": \"OAuth2.0\", \"type\": \"object\", \"required\": [\"auth_type\", \"client_id\"],"
    "     \"properties\": {\"auth_type\": {\"type\": \"string\", \"const\": \"oauth2.0\"},"
    "       \"client_id\": {\"type\": \"string\"},"
    "       \"client_secret\": {\"type\": \"string\", \"airbyte_secret\": true,"
    "                           \"pattern\": \"^[a-z]+$\"},"
    "       \"scope\": {\"type\": \"string\", \"default\": \"read\"}}},"
    "    {\"title\": \"API Token\", \"type\": \"object\", \"required\": [\"auth_type\", \"token\"],"
    "     \"properties\": {\"auth_type\": {\"type\": \"string\", \"const\": \"token\"},"
    "       \"token\": {\"type\": \"string\", \"airbyte_secret\": true}}}]}"
    " }}";

/* Validates config text against spec text: the result, the error message and the output. */
static int validate(const char *spec, const char *config, struct wv_json **out,
                    struct wv_error *err)
{
    struct wv_error perr = {0};
    struct wv_json *s = wv_json_parse(spec, strlen(spec), "spec", &perr);
    struct wv_json *c = wv_json_parse(config, strlen(config), "config", &perr);
    if (!s || !c)
        print_error("%s\n", perr.msg);
    assert_non_null(s);
    assert_non_null(c);
    wv_error_clear(err);
    struct wv_json *o = NULL;
    int rc = conn_decl_config_validate(s, c, &o, err);
    wv_json_free(s);
    wv_json_free(c);
    if (out)
        *out = o;
    else
        wv_json_free(o);
    return rc;
}

/* Asserts config fails against SPEC with exactly the message want. */
static void expect_error(const char *config, const char *want)
{
    struct wv_error err = {0};
    struct wv_json *out = (struct wv_json *)&err;
    assert_int_equal(validate(SPEC, config, &out, &err), -1);
    assert_null(out);
    assert_int_equal(err.code, WV_E_CONFIG);
    if (strcmp(err.msg, want) != 0)
        print_error("got:  %s\nwant: %s\n", err.msg, want);
    assert_string_equal(err.msg, want);
}

#define BASE "\"api_key\": \"sekret-123\", \"start_date\": \"2024-01-01\""

/* A good config passes and gets the spec's defaults; what it had stays as it was. */
static void test_valid_with_defaults(void **state)
{
    (void)state;
    struct wv_error err = {0};
    struct wv_json *out = NULL;
    assert_int_equal(validate(SPEC, "{" BASE ", \"page_size\": 20, \"extra\": 1}", &out, &err),
                     0);
    assert_string_equal(wv_json_get_str(out, "region"), "us");
    int64_t n = 0;
    assert_int_equal(wv_json_get_i64(out, "page_size", &n), 0);
    assert_int_equal(n, 20);
    assert_non_null(wv_json_get(out, "extra"));
    assert_null(wv_json_get(out, "end_date")); /* no default: not added */
    wv_json_free(out);

    assert_int_equal(validate(SPEC, "{" BASE "}", &out, &err), 0);
    assert_int_equal(wv_json_get_i64(out, "page_size", &n), 0);
    assert_int_equal(n, 100);
    wv_json_free(out);

    /* A default is filled in, not validated (the CDK never sees a filled-in default; real
     * specs have defaults that fail their own schema). */
    static const char *const odd = "{\"type\": \"object\", \"properties\": {\"region\": "
                                   "{\"type\": \"string\", \"pattern\": \"^[a-z]+$\", "
                                   "\"default\": \"EU-1\"}}}";
    assert_int_equal(validate(odd, "{}", &out, &err), 0);
    assert_string_equal(wv_json_get_str(out, "region"), "EU-1");
    wv_json_free(out);
    assert_int_equal(validate(odd, "{\"region\": \"EU-1\"}", NULL, &err), -1);
}

/* Missing required fields name their path; a nested one its full path. */
static void test_required(void **state)
{
    (void)state;
    expect_error("{\"api_key\": \"sekret-123\"}", "config: 'start_date' is required");
    expect_error("{" BASE ", \"credentials\": {\"auth_type\": \"oauth2.0\"}}",
                 "config: 'credentials.client_id' is required");
    expect_error("[]", "config: must be an object");
}

/* Wrong types, with the offending (non-secret) value. */
static void test_types(void **state)
{
    (void)state;
    expect_error("{" BASE ", \"page_size\": \"20\"}",
                 "config: 'page_size' must be an integer (got \"20\")");
    expect_error("{" BASE ", \"page_size\": 2.5}",
                 "config: 'page_size' must be an integer (got 2.5)");
    expect_error("{" BASE ", \"ratio\": true}",
                 "config: 'ratio' must be of type number or null (got true)");
    expect_error("{" BASE ", \"tags\": \"a\"}", "config: 'tags' must be an array (got \"a\")");
    struct wv_error err = {0};
    assert_int_equal(validate(SPEC, "{" BASE ", \"ratio\": null, \"page_size\": 7.0}", NULL, &err),
                     0);
}

/* enum, bounds, array items and sizes. */
static void test_enum_bounds_items(void **state)
{
    (void)state;
    expect_error("{" BASE ", \"region\": \"asia\"}",
                 "config: 'region' must be one of [\"us\",\"eu\"] (got \"asia\")");
    expect_error("{" BASE ", \"page_size\": 0}", "config: 'page_size' must be >= 1 (got 0)");
    expect_error("{" BASE ", \"page_size\": 501}", "config: 'page_size' must be <= 500 (got 501)");
    expect_error("{" BASE ", \"tags\": []}", "config: 'tags' must have at least 1 items");
    expect_error("{" BASE ", \"tags\": [\"ok\", \"not ok\"]}",
                 "config: 'tags[1]' must match ^\\w+$ (got \"not ok\")");
}

/* pattern and format; secrets are never echoed. */
static void test_pattern_format_secret(void **state)
{
    (void)state;
    expect_error("{\"api_key\": \"sekret-123\", \"start_date\": \"2024/01/01\"}",
                 "config: 'start_date' must match ^[0-9]{4}-[0-9]{2}-[0-9]{2}$ "
                 "(got \"2024/01/01\")");
    expect_error("{" BASE ", \"end_date\": \"yesterday\"}",
                 "config: 'end_date' must be a date-time (e.g. 2024-01-01T00:00:00Z) "
                 "(got \"yesterday\")");
    expect_error("{" BASE ", \"day\": \"2023-02-29\"}",
                 "config: 'day' must be a date (YYYY-MM-DD) (got \"2023-02-29\")");
    expect_error("{\"api_key\": \"short\", \"start_date\": \"2024-01-01\"}",
                 "config: 'api_key' must be at least 8 characters long");
    expect_error("{\"api_key\": 12345678, \"start_date\": \"2024-01-01\"}",
                 "config: 'api_key' must be a string");
    struct wv_error err = {0};
    static const char *const ok[] = {"2024-01-01T00:00:00Z", "2024-01-01 10:20",
                                     "2024-02-29T23:59:59.123456+02:00", "2024-01-01T00:00:00"};
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        char *cfg = wv_asprintf("{" BASE ", \"end_date\": \"%s\", \"day\": \"2024-02-29\"}", ok[i]);
        assert_int_equal(validate(SPEC, cfg, NULL, &err), 0);
        free(cfg);
    }
}

/* oneOf: the branch named by the discriminator reports its error (secret hidden); defaults of
 * the matching branch apply; an unknown discriminator lists the options. */
static void test_one_of(void **state)
{
    (void)state;
    expect_error("{" BASE ", \"credentials\": {\"auth_type\": \"oauth2.0\", \"client_id\": \"c\","
                 " \"client_secret\": \"NOT-LOWER-secret\"}}",
                 "config: 'credentials.client_secret' must match ^[a-z]+$");
    expect_error("{" BASE ", \"credentials\": {\"auth_type\": \"saml\"}}",
                 "config: 'credentials' must match one of 'OAuth2.0', 'API Token' "
                 "(by its 'auth_type' field)");
    struct wv_error err = {0};
    struct wv_json *out = NULL;
    assert_int_equal(validate(SPEC,
                              "{" BASE ", \"credentials\": {\"auth_type\": \"oauth2.0\","
                              " \"client_id\": \"c\"}}",
                              &out, &err),
                     0);
    assert_string_equal(wv_json_get_str(wv_json_get(out, "credentials"), "scope"), "read");
    wv_json_free(out);
    assert_int_equal(validate(SPEC,
                              "{" BASE ", \"credentials\": {\"auth_type\": \"token\","
                              " \"token\": \"t\"}}",
                              &out, &err),
                     0);
    assert_null(wv_json_get(wv_json_get(out, "credentials"), "scope"));
    wv_json_free(out);
}

/* additionalProperties: false rejects unknown fields (but not the CDK's _limit); a null
 * optional top-level field is treated as absent, as the CDK does. */
static void test_additional_and_nulls(void **state)
{
    (void)state;
    static const char *const strict =
        "{\"type\": \"object\", \"additionalProperties\": false, \"required\": [\"a\"],"
        " \"properties\": {\"a\": {\"type\": \"string\"}, \"b\": {\"type\": \"string\"}}}";
    struct wv_error err = {0};
    assert_int_equal(validate(strict, "{\"a\": \"x\", \"_limit\": 5, \"b\": null}", NULL, &err),
                     0);
    assert_int_equal(validate(strict, "{\"a\": \"x\", \"c\": 1}", NULL, &err), -1);
    assert_string_equal(err.msg, "config: 'c' is not a field of this connector's config");
    assert_int_equal(validate(strict, "{\"a\": null}", NULL, &err), -1);
    assert_string_equal(err.msg, "config: 'a' must be a string (got null)");
}

/* Patterns of real manifests, translated to POSIX ERE: matches and non-matches. */
static void test_corpus_patterns(void **state)
{
    (void)state;
    static const struct {
        const char *pattern, *good, *bad;
    } cases[] = {
        {"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$", "2024-01-01T00:00:00Z",
         "2024-01-01"},
        {"^$|^[0-9]{4}-[0-9]{2}-[0-9]{2}$", "", "2024-1-1"},
        {"^\\\\d{4}-\\\\d{2}-\\\\d{2}[T ]\\\\d{2}:\\\\d{2}:\\\\d{2}(\\\\.\\\\d+)?Z?$",
         "2024-01-01 10:00:00.5Z", "2024-01-01T10:00"},
        {"^[a-z0-9_\\\\-]+$", "my-shop_1", "my shop"},
        {"^[A-Za-z0-9-.]+\\\\.[A-Z-a-z0-9-.]+", "shop.example.com", "nodot"},
        {"^[a-zA-Z0-9._-]*\\\\.freshdesk\\\\.com$", "acme.freshdesk.com", "acme.freshdesk.org"},
        {"^([1-9][0-9]{3})\\\\-(0?[1-9]|1[012])\\\\-(0?[1-9]|[12][0-9]|3[01])$", "2024-1-31",
         "2024-13-01"},
        {"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(|Z|[+-][0-9]{2}:[0-9]{2})$",
         "2024-01-01T00:00:00+02:00", "2024-01-01T00:00:00+2"},
        {"^(?:origin:)?(http(s)?:\\\\/\\\\/)[\\\\w.-]+(?:\\\\.[\\\\w\\\\.-]+)+"
         "[\\\\w\\\\-\\\\._~:\\\\/?#\\\\[\\\\]@!\\\\$&'\\\\(\\\\)\\\\*\\\\+,;=.]+$",
         "https://api.example.com/v1?x=[1]", "ftp://x"},
        {"^[\\\\w-]+:[\\\\w]+$", "a-b:c", "a b:c"},
        {"^(s|r)k_(live|test)_[a-zA-Z0-9]+$", "sk_live_abc", "pk_live_abc"},
        {"^[-]?\\\\d{1,2}(\\\\.\\\\d+)?$", "-12.5", "123"},
        /* lookaheads cannot be translated: accepted (best effort) */
        {"^(?!https://)", "http://x", NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *spec = wv_asprintf("{\"type\": \"object\", \"properties\": {\"v\": "
                                 "{\"type\": \"string\", \"pattern\": \"%s\"}}}",
                                 cases[i].pattern);
        char *good = wv_asprintf("{\"v\": \"%s\"}", cases[i].good);
        struct wv_error err = {0};
        if (validate(spec, good, NULL, &err) != 0)
            print_error("case %zu: %s\n", i, err.msg);
        assert_int_equal(validate(spec, good, NULL, &err), 0);
        if (cases[i].bad) {
            char *bad = wv_asprintf("{\"v\": \"%s\"}", cases[i].bad);
            if (validate(spec, bad, NULL, &err) != -1)
                print_error("case %zu accepted %s\n", i, cases[i].bad);
            assert_int_equal(validate(spec, bad, NULL, &err), -1);
            assert_non_null(strstr(err.msg, "'v' must match "));
            free(bad);
        }
        free(good);
        free(spec);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid_with_defaults),
        cmocka_unit_test(test_required),
        cmocka_unit_test(test_types),
        cmocka_unit_test(test_enum_bounds_items),
        cmocka_unit_test(test_pattern_format_secret),
        cmocka_unit_test(test_one_of),
        cmocka_unit_test(test_additional_and_nulls),
        cmocka_unit_test(test_corpus_patterns),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
