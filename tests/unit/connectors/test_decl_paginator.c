/* test_decl_paginator.c - DefaultPaginator (decl_paginator.c) driven by hand without a network:
 * CursorPagination cursor_value/stop_condition over response, last_record, last_page_size and
 * a parsed Link header; OffsetIncrement and PageIncrement tokens, stop on a short or empty
 * page, start_from_page and inject_on_first_request; page_size_option/page_token_option
 * request parts (parameter, header, body_json, body_data, RequestPath); NoPagination.
 * Single-threaded. */
#include <setjmp.h>
#include <stdarg.h>
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

static const char *const CONFIG =
    "{\"page_size\": \"2\", \"base\": \"https://api.example.com/v1\"}";

/* Test fixture: a config, a run and vars as decl_stream.c sets them up. */
struct fix {
    struct wv_json *config;
    struct decl_run run;
    struct decl_vars vars;
    struct decl_paginator pag;
};

/* Parses JSON text. Caller frees. */
static struct wv_json *json(const char *text)
{
    return wv_test_json(text, "test.json");
}

/* Builds f->pag from a YAML paginator node. */
static void fix_init(struct fix *f, const char *yaml_text)
{
    memset(f, 0, sizeof *f);
    f->config = json(CONFIG);
    f->run.config = f->config;
    f->vars.config = f->config;
    struct wv_error err = {0};
    struct wv_json *node = NULL;
    if (yaml_text) {
        node = wv_yaml_parse(yaml_text, strlen(yaml_text), "pag.yaml", &err);
        if (!node)
            print_error("yaml: %s\n", err.msg);
        assert_non_null(node);
    }
    int rc = conn_decl_paginator_build(&f->pag, node, "pag.yaml", &err);
    if (rc != 0)
        print_error("build: %s\n", err.msg);
    assert_int_equal(rc, 0);
    wv_json_free(node);
}

/* Frees the fixture. */
static void fix_done(struct fix *f)
{
    conn_decl_paginator_done(&f->pag);
    wv_json_free(f->config);
}

/* The next token as compact JSON ("STOP" when none) after a page with body (JSON text, may be
 * NULL), headers (JSON object text, may be NULL), last token (JSON text or NULL), page size
 * and last record (JSON text or NULL). Caller frees. */
static char *next_token(struct fix *f, const char *body, const char *headers, const char *last,
                        size_t size, const char *last_record)
{
    struct decl_page page;
    memset(&page, 0, sizeof page);
    page.body = body ? json(body) : NULL;
    page.headers = headers ? json(headers) : NULL;
    struct wv_json *lt = last ? json(last) : NULL, *lr = last_record ? json(last_record) : NULL;
    struct wv_json *next = NULL;
    struct wv_error err = {0};
    int rc = conn_decl_paginator_next(&f->pag, &page, lt, size, lr, &f->vars, &f->run, &next, &err);
    if (rc != 0)
        print_error("next: %s\n", err.msg);
    assert_int_equal(rc, 0);
    char *out = next ? wv_json_to_string(next) : wv_strdup("STOP");
    wv_json_free(next);
    wv_json_free(lt);
    wv_json_free(lr);
    conn_decl_page_done(&page);
    return out;
}

/* Asserts the next token. */
static void expect_next(struct fix *f, const char *body, const char *headers, const char *last,
                        size_t size, const char *last_record, const char *want)
{
    char *got = next_token(f, body, headers, last, size, last_record);
    assert_string_equal(got, want);
    free(got);
}

/* The request parts injected for token (JSON text or NULL) as one JSON object
 * {"path":..,"params":..,"headers":..,"body_json":..,"body_data":..} of the parts set.
 * Caller frees. */
static char *inject(struct fix *f, const char *token)
{
    struct decl_req req;
    conn_decl_req_init(&req);
    struct wv_json *t = token ? json(token) : NULL;
    struct wv_error err = {0};
    int rc = conn_decl_paginator_inject(&f->pag, t, &f->vars, &f->run, &req, &err);
    if (rc != 0)
        print_error("inject: %s\n", err.msg);
    assert_int_equal(rc, 0);
    struct wv_json *o = wv_json_object();
    if (req.path)
        wv_json_set(o, "path", wv_json_str(req.path));
    if (req.params)
        wv_json_set(o, "params", wv_json_dup(req.params));
    if (req.headers)
        wv_json_set(o, "headers", wv_json_dup(req.headers));
    if (req.body_json)
        wv_json_set(o, "body_json", wv_json_dup(req.body_json));
    if (req.body_data)
        wv_json_set(o, "body_data", wv_json_dup(req.body_data));
    char *out = wv_json_to_string(o);
    wv_json_free(o);
    wv_json_free(t);
    conn_decl_req_done(&req);
    return out;
}

/* Asserts the request parts injected for token. */
static void expect_inject(struct fix *f, const char *token, const char *want)
{
    char *got = inject(f, token);
    assert_string_equal(got, want);
    free(got);
}

/* Asserts the initial token (compact JSON, "NONE" when there is none). */
static void expect_initial(struct fix *f, const char *want)
{
    struct wv_json *t = conn_decl_paginator_initial(&f->pag);
    char *got = t ? wv_json_to_string(t) : wv_strdup("NONE");
    assert_string_equal(got, want);
    free(got);
    wv_json_free(t);
}

/* No paginator and NoPagination: one page, nothing injected. */
static void test_no_pagination(void **state)
{
    (void)state;
    const char *docs[] = {NULL, "type: NoPagination\n"};
    for (size_t i = 0; i < 2; i++) {
        struct fix f;
        fix_init(&f, docs[i]);
        assert_int_equal(f.pag.kind, DECL_PAG_NONE);
        expect_initial(&f, "NONE");
        expect_inject(&f, "5", "{}");
        expect_next(&f, "{\"next\": \"x\"}", NULL, NULL, 10, "{\"id\": 1}", "STOP");
        fix_done(&f);
    }
}

/* CursorPagination from the response body, with a stop condition. */
static void test_cursor_response(void **state)
{
    (void)state;
    struct fix f;
    fix_init(&f, "type: DefaultPaginator\n"
                 "pagination_strategy:\n  type: CursorPagination\n"
                 "  cursor_value: \"{{ response.meta.next_cursor }}\"\n"
                 "  stop_condition: \"{{ response.meta.has_more is false }}\"\n"
                 "page_token_option:\n  type: RequestOption\n  inject_into: request_parameter\n"
                 "  field_name: cursor\n");
    assert_int_equal(f.pag.kind, DECL_PAG_CURSOR);
    expect_initial(&f, "NONE");
    expect_next(&f, "{\"meta\": {\"next_cursor\": \"abc\", \"has_more\": true}}", NULL, NULL, 2,
                NULL, "\"abc\"");
    expect_next(&f, "{\"meta\": {\"next_cursor\": \"abc\", \"has_more\": false}}", NULL, NULL, 2,
                NULL, "STOP");
    /* a falsy cursor stops too: null, "", missing */
    expect_next(&f, "{\"meta\": {\"next_cursor\": null, \"has_more\": true}}", NULL, NULL, 2, NULL,
                "STOP");
    expect_next(&f, "{\"meta\": {\"next_cursor\": \"\", \"has_more\": true}}", NULL, NULL, 2, NULL,
                "STOP");
    expect_next(&f, "{\"meta\": {\"has_more\": true}}", NULL, NULL, 2, NULL, "STOP");
    /* numbers keep their type */
    expect_next(&f, "{\"meta\": {\"next_cursor\": 1234567890123, \"has_more\": true}}", NULL, NULL,
                2, NULL, "1234567890123");
    /* the token goes into the parameter as text; the first request has none */
    expect_inject(&f, NULL, "{}");
    expect_inject(&f, "\"abc\"", "{\"params\":{\"cursor\":\"abc\"}}");
    expect_inject(&f, "42", "{\"params\":{\"cursor\":\"42\"}}");
    fix_done(&f);
}

/* cursor_value from last_record; stop_condition from last_page_size; 0 is falsy. */
static void test_cursor_last_record(void **state)
{
    (void)state;
    struct fix f;
    fix_init(&f, "type: DefaultPaginator\n"
                 "pagination_strategy:\n  type: CursorPagination\n"
                 "  cursor_value: \"{{ last_record['id'] }}\"\n"
                 "  stop_condition: \"{{ last_page_size < 3 }}\"\n"
                 "  page_size: 3\n"
                 "page_token_option:\n  type: RequestOption\n  inject_into: header\n"
                 "  field_name: X-After\n"
                 "page_size_option:\n  type: RequestOption\n  inject_into: request_parameter\n"
                 "  field_name: limit\n");
    expect_next(&f, "[]", NULL, NULL, 3, "{\"id\": 17}", "17");
    expect_next(&f, "[]", NULL, NULL, 2, "{\"id\": 17}", "STOP");
    expect_next(&f, "[]", NULL, NULL, 3, "{\"id\": 0}", "STOP");
    expect_next(&f, "[]", NULL, NULL, 3, "{\"id\": \"z9\"}", "\"z9\"");
    expect_inject(&f, NULL, "{\"params\":{\"limit\":\"3\"}}");
    expect_inject(&f, "17", "{\"params\":{\"limit\":\"3\"},\"headers\":{\"X-After\":\"17\"}}");
    fix_done(&f);
}

/* The Link header shape (headers['link'][rel]['url']) and RequestPath relative to url_base. */
static void test_cursor_link_header(void **state)
{
    (void)state;
    struct fix f;
    fix_init(&f, "type: DefaultPaginator\n"
                 "url_base: \"{{ config.base }}\"\n"
                 "pagination_strategy:\n  type: CursorPagination\n"
                 "  cursor_value: \"{{ headers['link']['next']['url'] }}\"\n"
                 "  stop_condition: \"{{ 'next' not in headers['link'] }}\"\n"
                 "page_token_option:\n  type: RequestPath\n");
    /* headers as conn_decl_requester_send leaves them: 'link' parsed */
    struct wv_json *link =
        conn_http_parse_link("<https://api.example.com/v1/items?page=2&per_page=50>; rel=\"next\", "
                             "<https://api.example.com/v1/items?page=9&per_page=50>; rel=\"last\"");
    struct wv_json *h = wv_json_object();
    wv_json_set(h, "link", link);
    char *hs = wv_json_to_string(h);
    wv_json_free(h);
    expect_next(&f, "[]", hs, NULL, 50, NULL,
                "\"https://api.example.com/v1/items?page=2&per_page=50\"");
    free(hs);
    /* the last page has no rel="next" */
    link = conn_http_parse_link("<https://api.example.com/v1/items?page=1>; rel=\"first\", "
                                "<https://api.example.com/v1/items?page=8>; rel=\"prev\"");
    h = wv_json_object();
    wv_json_set(h, "link", link);
    hs = wv_json_to_string(h);
    wv_json_free(h);
    expect_next(&f, "[]", hs, NULL, 50, NULL, "STOP");
    free(hs);
    /* no Link header at all: an empty object after parsing */
    expect_next(&f, "[]", "{\"link\": {}}", NULL, 50, NULL, "STOP");
    /* the token URL becomes the request path after url_base */
    expect_inject(&f, "\"https://api.example.com/v1/items?page=2&per_page=50\"",
                  "{\"path\":\"/items?page=2&per_page=50\"}");
    /* a URL elsewhere is kept whole */
    expect_inject(&f, "\"https://other.example.com/x?p=2\"",
                  "{\"path\":\"https://other.example.com/x?p=2\"}");
    expect_inject(&f, NULL, "{}");
    fix_done(&f);
}

/* OffsetIncrement: offset grows by the page size; a short or empty page stops. */
static void test_offset_increment(void **state)
{
    (void)state;
    struct fix f;
    fix_init(&f, "type: DefaultPaginator\n"
                 "pagination_strategy:\n  type: OffsetIncrement\n"
                 "  page_size: \"{{ config['page_size'] }}\"\n"
                 "page_token_option:\n  type: RequestOption\n  inject_into: request_parameter\n"
                 "  field_name: offset\n"
                 "page_size_option:\n  type: RequestOption\n  inject_into: request_parameter\n"
                 "  field_name: limit\n");
    assert_int_equal(f.pag.kind, DECL_PAG_OFFSET);
    expect_initial(&f, "NONE");
    expect_next(&f, "[]", NULL, NULL, 2, NULL, "2");
    expect_next(&f, "[]", NULL, "2", 2, NULL, "4");
    expect_next(&f, "[]", NULL, "4", 1, NULL, "STOP");
    expect_next(&f, "[]", NULL, "4", 0, NULL, "STOP");
    /* more than a page (a selector that yields extra records) still continues */
    expect_next(&f, "[]", NULL, "4", 3, NULL, "7");
    expect_inject(&f, NULL, "{\"params\":{\"limit\":\"2\"}}");
    expect_inject(&f, "4", "{\"params\":{\"limit\":\"2\",\"offset\":\"4\"}}");
    fix_done(&f);

    /* without page_size only an empty page stops; inject_on_first_request starts at 0 */
    fix_init(&f, "type: DefaultPaginator\n"
                 "pagination_strategy:\n  type: OffsetIncrement\n"
                 "  inject_on_first_request: true\n"
                 "page_token_option:\n  type: RequestOption\n  inject_into: body_json\n"
                 "  field_path: [paging, offset]\n");
    expect_initial(&f, "0");
    expect_next(&f, "[]", NULL, "0", 1, NULL, "1");
    expect_next(&f, "[]", NULL, "1", 7, NULL, "8");
    expect_next(&f, "[]", NULL, "8", 0, NULL, "STOP");
    expect_inject(&f, "0", "{\"body_json\":{\"paging\":{\"offset\":0}}}");
    expect_inject(&f, "8", "{\"body_json\":{\"paging\":{\"offset\":8}}}");
    fix_done(&f);
}

/* A page token that is not an integer is an error for the counting strategies. */
static void test_offset_bad_token(void **state)
{
    (void)state;
    struct fix f;
    fix_init(&f, "type: DefaultPaginator\npagination_strategy:\n  type: OffsetIncrement\n"
                 "  page_size: 2\n");
    struct decl_page page;
    memset(&page, 0, sizeof page);
    struct wv_json *lt = json("\"abc\""), *next = NULL;
    struct wv_error err = {0};
    assert_int_equal(
        conn_decl_paginator_next(&f.pag, &page, lt, 2, NULL, &f.vars, &f.run, &next, &err), -1);
    assert_null(next);
    assert_string_equal(err.msg, "page token is not an integer");
    wv_json_free(lt);
    fix_done(&f);
}

/* PageIncrement: page numbers from start_from_page; a short or empty page stops. */
static void test_page_increment(void **state)
{
    (void)state;
    struct fix f;
    fix_init(&f, "type: DefaultPaginator\n"
                 "pagination_strategy:\n  type: PageIncrement\n  page_size: 3\n"
                 "page_token_option:\n  type: RequestOption\n  inject_into: request_parameter\n"
                 "  field_name: page\n"
                 "page_size_option:\n  type: RequestOption\n  inject_into: body_data\n"
                 "  field_name: per_page\n");
    assert_int_equal(f.pag.kind, DECL_PAG_PAGE);
    assert_int_equal(f.pag.start_from_page, 1);
    expect_initial(&f, "NONE");
    expect_next(&f, "[]", NULL, NULL, 3, NULL, "2");
    expect_next(&f, "[]", NULL, "2", 3, NULL, "3");
    expect_next(&f, "[]", NULL, "3", 2, NULL, "STOP");
    expect_next(&f, "[]", NULL, "3", 0, NULL, "STOP");
    expect_inject(&f, NULL, "{\"body_data\":{\"per_page\":\"3\"}}");
    expect_inject(&f, "2", "{\"params\":{\"page\":\"2\"},\"body_data\":{\"per_page\":\"3\"}}");
    fix_done(&f);

    fix_init(&f, "type: DefaultPaginator\n"
                 "pagination_strategy:\n  type: PageIncrement\n  page_size: 100\n"
                 "  start_from_page: 0\n  inject_on_first_request: true\n"
                 "page_token_option:\n  type: RequestOption\n  inject_into: header\n"
                 "  field_name: X-Page\n");
    expect_initial(&f, "0");
    expect_next(&f, "[]", NULL, "0", 100, NULL, "1");
    expect_next(&f, "[]", NULL, "1", 99, NULL, "STOP");
    expect_inject(&f, "0", "{\"headers\":{\"X-Page\":\"0\"}}");
    fix_done(&f);

    /* start_from_page without inject_on_first_request: the first page has no token and the
     * second asks for start + 1 */
    fix_init(&f, "type: DefaultPaginator\n"
                 "pagination_strategy:\n  type: PageIncrement\n  start_from_page: 5\n");
    expect_initial(&f, "NONE");
    expect_next(&f, "[]", NULL, NULL, 10, NULL, "6");
    expect_next(&f, "[]", NULL, "6", 10, NULL, "7");
    expect_next(&f, "[]", NULL, "7", 0, NULL, "STOP");
    fix_done(&f);
}

/* Builds from YAML expecting failure; asserts the message contains want. */
static void expect_build_error(const char *yaml_text, const char *want)
{
    struct wv_error err = {0};
    struct wv_json *node = wv_yaml_parse(yaml_text, strlen(yaml_text), "p.yaml", &err);
    assert_non_null(node);
    struct decl_paginator p;
    assert_int_equal(conn_decl_paginator_build(&p, node, "p.yaml", &err), -1);
    conn_decl_paginator_done(&p);
    if (!strstr(err.msg, want))
        print_error("got: %s\n", err.msg);
    assert_non_null(strstr(err.msg, want));
    wv_json_free(node);
}

/* Invalid paginators are refused at build time with their position. */
static void test_build_errors(void **state)
{
    (void)state;
    expect_build_error("type: DefaultPaginator\n",
                       "p.yaml:1:1: DefaultPaginator needs pagination_strategy");
    expect_build_error("type: DefaultPaginator\npagination_strategy:\n  type: CursorPagination\n",
                       "p.yaml:3:3: CursorPagination needs cursor_value");
    expect_build_error("type: DefaultPaginator\npagination_strategy:\n  type: PageIncrement\n"
                       "  start_from_page: one\n",
                       "p.yaml:4:20: start_from_page must be an integer");
    expect_build_error("type: DefaultPaginator\npagination_strategy:\n  type: OffsetIncrement\n"
                       "page_token_option:\n  type: RequestOption\n  inject_into: query\n"
                       "  field_name: o\n",
                       "p.yaml:5:3: RequestOption: bad inject_into 'query'");
    expect_build_error("type: DefaultPaginator\npagination_strategy:\n  type: OffsetIncrement\n"
                       "page_size_option:\n  type: RequestOption\n  inject_into: header\n",
                       "p.yaml:5:3: RequestOption needs field_name");
    expect_build_error("type: DefaultPaginator\npagination_strategy:\n  type: Fancy\n",
                       "p.yaml:3:3");
    expect_build_error("type: CustomPaginator\n", "p.yaml:1:1");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_no_pagination),      cmocka_unit_test(test_cursor_response),
        cmocka_unit_test(test_cursor_last_record), cmocka_unit_test(test_cursor_link_header),
        cmocka_unit_test(test_offset_increment),   cmocka_unit_test(test_offset_bad_token),
        cmocka_unit_test(test_page_increment),     cmocka_unit_test(test_build_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
