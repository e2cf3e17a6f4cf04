/* test_decl_badinput.c - bad input from the API through the declarative runtime, with the
 * fixture's failure injection: a truncated JSON page, HTML and text bodies on a 200, a 200 with
 * an error body (warned, as the CDK would read it silently), connection resets retried then
 * given up, an oversized body, a truncated JSONL body, error handlers mapping a bad 200 to
 * IGNORE or RETRY, and configs that violate the spec. Each failure names the URL and status,
 * never shows the secret, and emits no STATE for the slice being read. */
#include "test_decl_common.h"

#define SECRET "tenant-sekret-4711"
#define CFG "{\"api_key\": \"" SECRET "\"}"
#define PAGE3 "b2Zmc2V0OjEwMA==" /* page_token of the third page (offset 100) */
#define PAGE2 "b2Zmc2V0OjUw"     /* offset 50 */

/* What a read emitted, in order. */
struct bi_out {
    struct wv_json *records; /* record data */
    struct wv_json *states;  /* stream_state objects */
    struct wv_json *logs;    /* LOG texts */
    char seq[4096];          /* one letter per message: R(ecord) S(tate) L(og) T(race) */
    size_t n;
};

/* Sink: collects messages and their order. */
static int bi_emit(void *ctx, const struct wv_msg *m, struct wv_error *err)
{
    (void)err;
    struct bi_out *o = ctx;
    char c = m->type == WV_MSG_RECORD ? 'R' : m->type == WV_MSG_STATE ? 'S'
             : m->type == WV_MSG_LOG  ? 'L' : m->type == WV_MSG_TRACE ? 'T' : '?';
    if (o->n + 1 < sizeof o->seq)
        o->seq[o->n++] = c;
    if (m->type == WV_MSG_RECORD)
        wv_json_push(o->records, wv_json_dup(m->data));
    else if (m->type == WV_MSG_STATE)
        wv_json_push(o->states, m->stream_state ? wv_json_dup(m->stream_state) : wv_json_null());
    else if (m->type == WV_MSG_LOG)
        wv_json_push(o->logs, wv_json_str(m->message ? m->message : ""));
    return 0;
}

static const struct conn_sink_ops bi_sink_ops = {bi_emit};

/* Frees what a read collected. */
static void bi_done(struct bi_out *o)
{
    wv_json_free(o->records);
    wv_json_free(o->states);
    wv_json_free(o->logs);
    memset(o, 0, sizeof *o);
}

/* Reads one stream of badinput.yaml (config JSON text; mode full_refresh/incremental). */
static int bi_read(const char *stream, const char *mode, const char *config, struct bi_out *out,
                   struct wv_error *err)
{
    memset(out, 0, sizeof *out);
    out->records = wv_json_array();
    out->states = wv_json_array();
    out->logs = wv_json_array();
    struct conn_source *src = fx_open("badinput.yaml", err);
    assert_non_null(src);
    struct wv_json *cfg = wv_json_parse(config, strlen(config), "config", err);
    assert_non_null(cfg);
    struct wv_json *good = wv_json_parse(CFG, strlen(CFG), "good", err), *found = NULL;
    assert_int_equal(conn_source_discover(src, good, &found, err), 0); /* with a valid config */
    wv_json_free(good);
    struct wv_json *cc = wv_json_object(), *arr = wv_json_array();
    const struct wv_json *streams = wv_json_get(found, "streams");
    for (size_t i = 0; i < streams->len; i++) {
        if (strcmp(wv_json_get_str(streams->items[i], "name"), stream) != 0)
            continue;
        struct wv_json *c = wv_json_object();
        wv_json_set(c, "stream", wv_json_dup(streams->items[i]));
        wv_json_set(c, "sync_mode", wv_json_str(mode));
        wv_json_set(c, "destination_sync_mode", wv_json_str("append"));
        wv_json_push(arr, c);
    }
    wv_json_free(found);
    assert_int_equal(arr->len, 1);
    wv_json_set(cc, "streams", arr);
    struct wv_cfg_catalog cat;
    assert_int_equal(wv_cfg_catalog_parse(cc, "catalog", &cat, err), 0);
    struct conn_sink sink = {&bi_sink_ops, out};
    wv_error_clear(err);
    int rc = conn_source_read(src, cfg, &cat, NULL, NULL, &sink, err);
    wv_cfg_catalog_done(&cat);
    wv_json_free(cc);
    wv_json_free(cfg);
    conn_source_free(src);
    return rc;
}

/* Installs one failure rule (JSON object text) after a reset. */
static void rule(const char *r)
{
    fx_reset();
    char *body = wv_asprintf("{\"fail\": [%s]}", r);
    wv_json_free(fx_call("POST", "/_control", body));
    free(body);
}

/* Asserts the error has the URL prefix of a stream's request and ends with `tail`; no secret. */
static void expect_err(const struct wv_error *err, const char *stream, const char *path,
                       const char *tail)
{
    char *head = wv_asprintf("stream %s: GET http://127.0.0.1:%d%s?", stream, fx_server.port, path);
    if (!wv_str_starts(err->msg, head) || !wv_str_ends(err->msg, tail))
        print_error("got: %s\nwant: %s...%s\n", err->msg, head, tail);
    assert_true(wv_str_starts(err->msg, head));
    assert_true(wv_str_ends(err->msg, tail));
    assert_null(strstr(err->msg, SECRET));
    free(head);
}

/* Asserts the first n fixture items were read, in order. */
static void expect_items(const struct wv_json *records, size_t n)
{
    struct wv_json *want = fx_items(NULL);
    while (want->len > n)
        wv_json_free(want->items[--want->len]);
    fx_assert_json(records, want);
    wv_json_free(want);
}

/* A page whose JSON is cut in half fails the read at that page, with the parser's position;
 * the pages before it were read, nothing after it, and it is not retried. */
static void test_truncated_page(void **state)
{
    (void)state;
    rule("{\"path\": \"/items/cursor\", \"kind\": \"truncated\", \"query\": {\"page_token\": \"" PAGE3
         "\"}}");
    struct bi_out out;
    struct wv_error err = {0};
    assert_int_equal(bi_read("cursor_items", "full_refresh", CFG, &out, &err), -1);
    assert_int_equal(err.code, WV_E_HTTP);
    assert_int_equal(err.detail, 200);
    expect_err(&err, "cursor_items", "/items/cursor", " (body truncated?)");
    assert_non_null(strstr(err.msg, "page_token=***")); /* conn_http_redact: names like token */
    assert_non_null(strstr(err.msg, ": HTTP 200: invalid JSON at 1:"));
    expect_items(out.records, 100);
    assert_int_equal(fx_requests("/items/cursor"), 3);
    bi_done(&out);
}

/* An HTML page or plain text on a 200 fails with the content type and the page's title. */
static void test_not_json(void **state)
{
    (void)state;
    rule("{\"path\": \"/items/cursor\", \"kind\": \"html\", \"status\": 200, "
         "\"query\": {\"page_token\": \"" PAGE2 "\"}}");
    struct bi_out out;
    struct wv_error err = {0};
    assert_int_equal(bi_read("cursor_items", "full_refresh", CFG, &out, &err), -1);
    expect_err(&err, "cursor_items", "/items/cursor",
               ": HTTP 200: expected JSON, got text/html (<title>200 Error</title>...)");
    expect_items(out.records, 50);
    bi_done(&out);

    rule("{\"path\": \"/items/cursor\", \"kind\": \"text\"}");
    assert_int_equal(bi_read("cursor_items", "full_refresh", CFG, &out, &err), -1);
    expect_err(&err, "cursor_items", "/items/cursor",
               ": HTTP 200: expected JSON, got text/plain (OK)");
    assert_int_equal(out.records->len, 0);
    bi_done(&out);
}

/* A 200 with only an error in its body is read as the CDK reads it (no records, pagination
 * ends) but with a LOG WARN naming the URL and the key. */
static void test_error_body_warns(void **state)
{
    (void)state;
    rule("{\"path\": \"/items/cursor\", \"kind\": \"error_body\", "
         "\"query\": {\"page_token\": \"" PAGE2 "\"}}");
    struct bi_out out;
    struct wv_error err = {0};
    assert_int_equal(bi_read("cursor_items", "full_refresh", CFG, &out, &err), 0);
    expect_items(out.records, 50);
    assert_int_equal(out.logs->len, 1);
    const char *log = out.logs->items[0]->s;
    if (!strstr(log, "('error' key)"))
        print_error("%s\n", log);
    assert_non_null(strstr(log, "/items/cursor?"));
    assert_non_null(strstr(log, "page_size=50"));
    assert_non_null(strstr(log, ": HTTP 200 with an error body ('error' key) and no records"));
    assert_null(strstr(log, SECRET));
    bi_done(&out);
}

/* A connection reset is retried; when it persists the read fails after max_retries naming the
 * URL, with the pages before it read. */
static void test_reset(void **state)
{
    (void)state;
    rule("{\"path\": \"/items/cursor\", \"kind\": \"reset\", \"times\": 1, "
         "\"query\": {\"page_token\": \"" PAGE2 "\"}}");
    struct bi_out out;
    struct wv_error err = {0};
    assert_int_equal(bi_read("cursor_items", "full_refresh", CFG, &out, &err), 0);
    expect_items(out.records, 250);
    assert_int_equal(fx_requests("/items/cursor"), 6);
    bi_done(&out);

    rule("{\"path\": \"/items/cursor\", \"kind\": \"reset\", \"times\": -1, "
         "\"query\": {\"page_token\": \"" PAGE2 "\"}}");
    assert_int_equal(bi_read("cursor_items", "full_refresh", CFG, &out, &err), -1);
    assert_int_equal(err.code, WV_E_NETWORK);
    assert_true(wv_str_starts(err.msg, "stream cursor_items: after 2 retries: GET http://"));
    assert_non_null(strstr(err.msg, "/items/cursor?"));
    assert_null(strstr(err.msg, SECRET));
    expect_items(out.records, 50);
    /* page 1, then page 2 four times: curl itself retries once on the reused connection */
    assert_int_equal(fx_requests("/items/cursor"), 5);
    assert_int_equal(out.logs->len, 2); /* weaver's retry notices, secret redacted */
    assert_non_null(strstr(out.logs->items[0]->s, ": Empty reply from server, retrying (1 of 2)"));
    assert_non_null(strstr(out.logs->items[1]->s, "retrying (2 of 2)"));
    assert_null(strstr(out.logs->items[0]->s, SECRET));
    bi_done(&out);
}

/* Error handlers decide first: a bad 200 mapped to IGNORE ends the slice quietly; one mapped
 * to RETRY is fetched again. */
static void test_handler_maps_bad_body(void **state)
{
    (void)state;
    rule("{\"path\": \"/items/cursor\", \"kind\": \"html\", \"status\": 200, "
         "\"query\": {\"page_token\": \"" PAGE2 "\"}}");
    struct bi_out out;
    struct wv_error err = {0};
    assert_int_equal(bi_read("html_ignored", "full_refresh", CFG, &out, &err), 0);
    expect_items(out.records, 50);
    bi_done(&out);

    rule("{\"path\": \"/items/cursor\", \"kind\": \"html\", \"status\": 200, "
         "\"query\": {\"page_token\": \"" PAGE2 "\"}}");
    assert_int_equal(bi_read("html_retried", "full_refresh", CFG, &out, &err), 0);
    expect_items(out.records, 250);
    assert_int_equal(fx_requests("/items/cursor"), 6);
    bi_done(&out);
}

/* Incremental: a bad body in the second window fails the read; the first window's STATE is
 * intact and no STATE follows the failure. */
static void test_no_state_past_bad_window(void **state)
{
    (void)state;
    static const char *const kinds[] = {"truncated", "html", "text"};
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
        char *r = wv_asprintf("{\"path\": \"/items/all\", \"kind\": \"%s\", \"status\": 200, "
                              "\"query\": {\"start\": \"2024-01-04T00:00:00Z\"}}",
                              kinds[i]);
        rule(r);
        free(r);
        struct bi_out out;
        struct wv_error err = {0};
        assert_int_equal(bi_read("windowed_items", "incremental", CFG, &out, &err), -1);
        assert_int_equal(err.code, WV_E_HTTP);
        assert_non_null(strstr(err.msg, "/items/all?start=2024-01-04T00%3A00%3A00Z"));
        assert_int_equal(out.records->len, 72);
        fx_assert_text(out.states, "[{\"updated_at\": \"2024-01-03T23:00:00Z\"}]");
        const char *last_state = strrchr(out.seq, 'S');
        assert_non_null(last_state);
        assert_null(strchr(last_state + 1, 'R')); /* nothing read after the last STATE */
        assert_int_equal(out.seq[71 + 2], 'S');    /* TRACE STARTED, 72 records, STATE */
        bi_done(&out);
    }
}

/* A JSONL body cut mid-line fails with the line; no record of it is emitted. */
static void test_jsonl_truncated(void **state)
{
    (void)state;
    rule("{\"path\": \"/items/jsonl\", \"kind\": \"truncated\"}");
    struct bi_out out;
    struct wv_error err = {0};
    assert_int_equal(bi_read("jsonl_items", "full_refresh", CFG, &out, &err), -1);
    assert_non_null(strstr(err.msg, "/items/jsonl: HTTP 200: invalid JSON on line "));
    assert_true(wv_str_ends(err.msg, " (body truncated?)"));
    assert_int_equal(out.records->len, 0);
    bi_done(&out);
}

/* A body over the client's limit (64 MiB) fails with WV_E_LIMIT and the URL. */
static void test_oversized(void **state)
{
    (void)state;
    fx_reset();
    struct bi_out out;
    struct wv_error err = {0};
    assert_int_equal(bi_read("big", "full_refresh",
                             "{\"api_key\": \"" SECRET "\", \"bytes\": 67108865}", &out, &err),
                     -1);
    assert_int_equal(err.code, WV_E_LIMIT);
    assert_non_null(strstr(err.msg, "/big?bytes=67108865"));
    assert_non_null(strstr(err.msg, " over "));
    assert_int_equal(out.records->len, 0);
    bi_done(&out);
}

/* Configs that violate the spec: read and discover fail, check reports a failed check; the
 * secret never appears. Defaults apply (bytes=1024 reaches the API). */
static void test_bad_config(void **state)
{
    (void)state;
    fx_reset();
    struct bi_out out;
    struct wv_error err = {0};
    assert_int_equal(bi_read("cursor_items", "full_refresh", "{}", &out, &err), -1);
    assert_int_equal(err.code, WV_E_CONFIG);
    assert_string_equal(err.msg, "config: 'api_key' is required");
    assert_int_equal(out.n, 0);
    bi_done(&out);
    assert_int_equal(bi_read("big", "full_refresh",
                             "{\"api_key\": \"" SECRET "\", \"bytes\": -1}", &out, &err),
                     -1);
    assert_string_equal(err.msg, "config: 'bytes' must be >= 0 (got -1)");
    bi_done(&out);
    assert_int_equal(bi_read("cursor_items", "full_refresh", "{\"api_key\": 4711}", &out, &err),
                     -1);
    assert_string_equal(err.msg, "config: 'api_key' must be a string");
    bi_done(&out);
    assert_int_equal(fx_requests("/items/cursor"), 0);

    assert_int_equal(bi_read("big", "full_refresh", CFG, &out, &err), -1); /* 1024 x's */
    assert_non_null(strstr(err.msg, "/big?bytes=1024: HTTP 200: expected JSON, got "));
    bi_done(&out);

    struct conn_source *src = fx_open("badinput.yaml", &err);
    assert_non_null(src);
    struct wv_json *cfg = wv_json_object(), *cat = NULL;
    bool ok = true;
    char *msg = NULL;
    assert_int_equal(conn_source_check(src, cfg, &ok, &msg, &err), 0);
    assert_false(ok);
    assert_string_equal(msg, "config: 'api_key' is required");
    free(msg);
    wv_error_clear(&err);
    assert_int_equal(conn_source_discover(src, cfg, &cat, &err), -1);
    assert_null(cat);
    assert_int_equal(err.code, WV_E_CONFIG);
    assert_string_equal(err.msg, "config: 'api_key' is required");
    wv_json_free(cfg);
    conn_source_free(src);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_truncated_page),
        cmocka_unit_test(test_not_json),
        cmocka_unit_test(test_error_body_warns),
        cmocka_unit_test(test_reset),
        cmocka_unit_test(test_handler_maps_bad_body),
        cmocka_unit_test(test_no_state_past_bad_window),
        cmocka_unit_test(test_jsonl_truncated),
        cmocka_unit_test(test_oversized),
        cmocka_unit_test(test_bad_config),
    };
    return cmocka_run_group_tests(tests, fx_start, fx_stop);
}
