/* test_decl_cursor.c - DatetimeBasedCursor (decl_cursor.c) on a fake clock, no network: window
 * slicing with step and cursor_granularity, start/end from MinMaxDatetime clamps, lookback_window
 * and input state, datetime_format / cursor_datetime_formats parsing, request options, state
 * updates to the highest cursor seen, client-side filtering and is_data_feed. */
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

/* The fake wall clock's time. */
static int64_t fake_now;

/* Wall time of the fake clock. */
static int64_t fake_now_ms(void *ctx)
{
    (void)ctx;
    return fake_now;
}

/* Monotonic time of the fake clock. */
static int64_t fake_mono_ns(void *ctx)
{
    (void)ctx;
    return fake_now * 1000000;
}

static const struct wv_clock_ops fake_ops = {fake_now_ms, fake_mono_ns};
static const struct wv_clock fake_clock = {&fake_ops, NULL};

/* ms of an ISO 8601 time. */
static int64_t iso_ms(const char *s)
{
    int64_t ms = 0;
    assert_int_equal(wv_time_parse(s, &ms), 0);
    return ms;
}

/* A parsed JSON value (caller frees). */
static struct wv_json *js(const char *text)
{
    return wv_test_json(text, "t.json");
}

/* One test's cursor, run and config. */
struct fx {
    struct wv_json *cfg;
    struct decl_cursor *c;
    struct decl_run run;
    struct decl_cursor_run cr;
};

/* Builds the cursor from YAML, starts it with state (JSON text or NULL). */
static void fx_open(struct fx *f, const char *yaml, const char *config, const char *state)
{
    struct wv_error err = {0};
    memset(f, 0, sizeof *f);
    f->cfg = js(config ? config : "{}");
    struct wv_json *node = wv_yaml_parse(yaml, strlen(yaml), "t.yaml", &err);
    assert_non_null(node);
    f->c = conn_decl_cursor_build(node, "t.yaml", &err);
    if (!f->c)
        print_error("%s\n", err.msg);
    assert_non_null(f->c);
    wv_json_free(node);
    f->run.config = f->cfg;
    f->run.clock = &fake_clock;
    struct wv_json *st = state ? js(state) : NULL;
    int rc = conn_decl_cursor_start(f->c, st, &f->cr, &f->run, &err);
    if (rc < 0)
        print_error("%s\n", err.msg);
    assert_int_equal(rc, 0);
    wv_json_free(st);
}

/* Frees a fixture. */
static void fx_close(struct fx *f)
{
    conn_decl_cursor_run_done(&f->cr);
    conn_decl_cursor_free(f->c);
    wv_json_free(f->cfg);
}

/* Asserts the slices of f serialize to want. */
static void assert_slices(struct fx *f, const char *want)
{
    struct wv_error err = {0};
    struct wv_json *sl = NULL;
    int rc = conn_decl_cursor_slices(&f->cr, &f->run, &sl, &err);
    if (rc < 0)
        print_error("%s\n", err.msg);
    assert_int_equal(rc, 0);
    char *s = wv_json_to_string(sl);
    assert_string_equal(s, want);
    free(s);
    wv_json_free(sl);
}

/* Observes a record (JSON text) in slice (JSON text); returns keep. */
static bool observe(struct fx *f, const char *slice, const char *record)
{
    struct wv_error err = {0};
    struct wv_json *sl = js(slice), *rec = js(record);
    bool keep = false;
    assert_int_equal(conn_decl_cursor_observe(&f->cr, sl, rec, &f->run, &keep, &err), 0);
    wv_json_free(sl);
    wv_json_free(rec);
    return keep;
}

/* The state of f as JSON text (caller frees). */
static char *state_text(struct fx *f)
{
    return wv_json_to_string(f->cr.state);
}

#define BASE                                                                                       \
    "type: DatetimeBasedCursor\n"                                                                  \
    "cursor_field: updated_at\n"                                                                   \
    "datetime_format: \"%Y-%m-%dT%H:%M:%SZ\"\n"

/* Daily windows ending one granule before the next start; the last is clipped to end. */
static void test_step_granularity(void **state)
{
    (void)state;
    struct fx f;
    fake_now = iso_ms("2030-01-01T00:00:00Z");
    fx_open(&f,
            BASE "start_datetime: \"2024-01-01T00:00:00Z\"\n"
                 "end_datetime: \"2024-01-03T12:00:00Z\"\n"
                 "step: P1D\n"
                 "cursor_granularity: PT1S\n",
            NULL, NULL);
    assert_slices(&f, "[{\"start_time\":\"2024-01-01T00:00:00Z\","
                      "\"end_time\":\"2024-01-01T23:59:59Z\"},"
                      "{\"start_time\":\"2024-01-02T00:00:00Z\","
                      "\"end_time\":\"2024-01-02T23:59:59Z\"},"
                      "{\"start_time\":\"2024-01-03T00:00:00Z\","
                      "\"end_time\":\"2024-01-03T12:00:00Z\"}]");
    fx_close(&f);
}

/* Month steps keep calendar months; custom partition fields and a date-only format. */
static void test_month_step(void **state)
{
    (void)state;
    struct fx f;
    fake_now = iso_ms("2030-01-01T00:00:00Z");
    fx_open(&f,
            "type: DatetimeBasedCursor\n"
            "cursor_field: day\n"
            "datetime_format: \"%Y-%m-%d\"\n"
            "start_datetime: \"2024-01-15\"\n"
            "end_datetime: \"2024-03-20\"\n"
            "step: P1M\n"
            "cursor_granularity: P1D\n"
            "partition_field_start: from\n"
            "partition_field_end: to\n",
            NULL, NULL);
    assert_slices(&f, "[{\"from\":\"2024-01-15\",\"to\":\"2024-02-14\"},"
                      "{\"from\":\"2024-02-15\",\"to\":\"2024-03-14\"},"
                      "{\"from\":\"2024-03-15\",\"to\":\"2024-03-20\"}]");
    fx_close(&f);
}

/* No step: one window; no end_datetime: the end is now (fake clock); an end in the future is
 * clipped to now. */
static void test_no_step_end_now(void **state)
{
    (void)state;
    struct fx f;
    fake_now = iso_ms("2024-02-10T08:30:00Z");
    fx_open(&f, BASE "start_datetime: \"2024-02-01T00:00:00Z\"\n", NULL, NULL);
    assert_slices(&f, "[{\"start_time\":\"2024-02-01T00:00:00Z\","
                      "\"end_time\":\"2024-02-10T08:30:00Z\"}]");
    fx_close(&f);
    fx_open(&f,
            BASE "start_datetime: \"2024-02-09T00:00:00Z\"\n"
                 "end_datetime: \"2099-01-01T00:00:00Z\"\n"
                 "step: P1D\n"
                 "cursor_granularity: PT1S\n",
            NULL, NULL);
    assert_slices(&f, "[{\"start_time\":\"2024-02-09T00:00:00Z\","
                      "\"end_time\":\"2024-02-09T23:59:59Z\"},"
                      "{\"start_time\":\"2024-02-10T00:00:00Z\","
                      "\"end_time\":\"2024-02-10T08:30:00Z\"}]");
    fx_close(&f);
}

/* MinMaxDatetime: interpolated datetime clamped by min_datetime and max_datetime. */
static void test_minmax(void **state)
{
    (void)state;
    struct fx f;
    fake_now = iso_ms("2030-01-01T00:00:00Z");
    const char *yaml = BASE "start_datetime:\n"
                            "  type: MinMaxDatetime\n"
                            "  datetime: \"{{ config['start'] }}\"\n"
                            "  datetime_format: \"%Y-%m-%d\"\n"
                            "  min_datetime: \"2024-01-05\"\n"
                            "end_datetime:\n"
                            "  type: MinMaxDatetime\n"
                            "  datetime: \"{{ config['end'] }}\"\n"
                            "  datetime_format: \"%Y-%m-%d\"\n"
                            "  max_datetime: \"2024-01-07\"\n";
    fx_open(&f, yaml, "{\"start\": \"2024-01-01\", \"end\": \"2024-12-31\"}", NULL);
    assert_slices(&f, "[{\"start_time\":\"2024-01-05T00:00:00Z\","
                      "\"end_time\":\"2024-01-07T00:00:00Z\"}]");
    fx_close(&f);
    /* Inside the bounds nothing is clamped. */
    fx_open(&f, yaml, "{\"start\": \"2024-01-06\", \"end\": \"2024-01-06\"}", NULL);
    assert_slices(&f, "[{\"start_time\":\"2024-01-06T00:00:00Z\","
                      "\"end_time\":\"2024-01-06T00:00:00Z\"}]");
    fx_close(&f);
}

/* A start after the end collapses to one empty window at the end. */
static void test_start_after_end(void **state)
{
    (void)state;
    struct fx f;
    fake_now = iso_ms("2030-01-01T00:00:00Z");
    fx_open(&f,
            BASE "start_datetime: \"2024-05-01T00:00:00Z\"\n"
                 "end_datetime: \"2024-04-01T00:00:00Z\"\n",
            NULL, NULL);
    assert_slices(&f, "[{\"start_time\":\"2024-04-01T00:00:00Z\","
                      "\"end_time\":\"2024-04-01T00:00:00Z\"}]");
    fx_close(&f);
}

/* Input state moves the start; lookback_window reaches back from it but not before start. */
static void test_state_and_lookback(void **state)
{
    (void)state;
    struct fx f;
    fake_now = iso_ms("2030-01-01T00:00:00Z");
    const char *y = BASE "start_datetime: \"2024-01-01T00:00:00Z\"\n"
                         "end_datetime: \"2024-01-12T00:00:00Z\"\n";
    fx_open(&f, y, NULL, "{\"updated_at\": \"2024-01-10T06:00:00Z\"}");
    assert_int_equal(f.cr.state_ms, iso_ms("2024-01-10T06:00:00Z"));
    assert_slices(&f, "[{\"start_time\":\"2024-01-10T06:00:00Z\","
                      "\"end_time\":\"2024-01-12T00:00:00Z\"}]");
    int64_t origin = 0;
    struct wv_error err = {0};
    assert_int_equal(conn_decl_cursor_origin(&f.cr, &f.run, &origin, &err), 0);
    assert_int_equal(origin, iso_ms("2024-01-10T06:00:00Z"));
    fx_close(&f);

    char *yl = wv_asprintf("%slookback_window: P2D\n", y);
    fx_open(&f, yl, NULL, "{\"updated_at\": \"2024-01-10T06:00:00Z\"}");
    assert_slices(&f, "[{\"start_time\":\"2024-01-08T06:00:00Z\","
                      "\"end_time\":\"2024-01-12T00:00:00Z\"}]");
    fx_close(&f);
    fx_open(&f, yl, NULL, "{\"updated_at\": \"2024-01-02T00:00:00Z\"}");
    assert_slices(&f, "[{\"start_time\":\"2024-01-01T00:00:00Z\","
                      "\"end_time\":\"2024-01-12T00:00:00Z\"}]");
    fx_close(&f);
    free(yl);

    /* Without state, the origin is start_datetime. */
    fx_open(&f, y, NULL, "{}");
    assert_int_equal(f.cr.state_ms, INT64_MIN);
    assert_int_equal(conn_decl_cursor_origin(&f.cr, &f.run, &origin, &err), 0);
    assert_int_equal(origin, iso_ms("2024-01-01T00:00:00Z"));
    fx_close(&f);
}

/* An unparsable state cursor is a config error. */
static void test_bad_state(void **state)
{
    (void)state;
    struct wv_error err = {0};
    const char *yaml = BASE "start_datetime: \"2024-01-01T00:00:00Z\"\n";
    struct wv_json *node = wv_yaml_parse(yaml, strlen(yaml), "t.yaml", &err);
    struct decl_cursor *c = conn_decl_cursor_build(node, "t.yaml", &err);
    assert_non_null(c);
    struct wv_json *st = js("{\"updated_at\": \"yesterday\"}");
    struct decl_run run = {.clock = &fake_clock};
    struct decl_cursor_run cr;
    assert_int_equal(conn_decl_cursor_start(c, st, &cr, &run, &err), -1);
    assert_int_equal(err.code, WV_E_CONFIG);
    assert_non_null(strstr(err.msg, "updated_at"));
    conn_decl_cursor_run_done(&cr);
    wv_json_free(st);
    conn_decl_cursor_free(c);
    wv_json_free(node);
}

/* Missing start_datetime is a positioned config error. */
static void test_build_errors(void **state)
{
    (void)state;
    struct wv_error err = {0};
    const char *yaml = "type: DatetimeBasedCursor\ncursor_field: x\n";
    struct wv_json *node = wv_yaml_parse(yaml, strlen(yaml), "t.yaml", &err);
    assert_null(conn_decl_cursor_build(node, "t.yaml", &err));
    assert_int_equal(err.code, WV_E_CONFIG);
    assert_non_null(strstr(err.msg, "t.yaml:1:"));
    assert_non_null(strstr(err.msg, "start_datetime"));
    wv_json_free(node);
    const char *y2 = "type: CustomIncrementalSync\nclass_name: a.B\n";
    wv_error_clear(&err);
    node = wv_yaml_parse(y2, strlen(y2), "t.yaml", &err);
    assert_null(conn_decl_cursor_build(node, "t.yaml", &err));
    assert_int_not_equal(err.code, WV_E_OK);
    wv_json_free(node);
}

/* Epoch formats: %s windows; records parsed with cursor_datetime_formats. */
static void test_formats(void **state)
{
    (void)state;
    struct fx f;
    fake_now = iso_ms("2030-01-01T00:00:00Z");
    fx_open(&f,
            "type: DatetimeBasedCursor\n"
            "cursor_field: ts\n"
            "datetime_format: \"%s\"\n"
            "cursor_datetime_formats: [\"%Y-%m-%d %H:%M:%S\"]\n"
            "start_datetime: \"1704067200\"\n"
            "end_datetime: \"1704240000\"\n"
            "step: P1D\n"
            "cursor_granularity: PT1S\n",
            NULL, NULL);
    assert_slices(&f, "[{\"start_time\":\"1704067200\",\"end_time\":\"1704153599\"},"
                      "{\"start_time\":\"1704153600\",\"end_time\":\"1704239999\"},"
                      "{\"start_time\":\"1704240000\",\"end_time\":\"1704240000\"}]");
    int64_t ms = 0;
    struct wv_json *v = js("\"2024-01-01 10:00:00\"");
    assert_int_equal(conn_decl_cursor_parse_value(f.c, v, &ms), 0);
    assert_int_equal(ms, iso_ms("2024-01-01T10:00:00Z"));
    wv_json_free(v);
    v = js("1704103200");
    assert_int_equal(conn_decl_cursor_parse_value(f.c, v, &ms), 0);
    assert_int_equal(ms, iso_ms("2024-01-01T10:00:00Z"));
    wv_json_free(v);
    v = js("\"not a date\"");
    assert_int_equal(conn_decl_cursor_parse_value(f.c, v, &ms), -1);
    wv_json_free(v);
    v = js("null");
    assert_int_equal(conn_decl_cursor_parse_value(f.c, v, &ms), -1);
    wv_json_free(v);
    struct wv_json *out = conn_decl_cursor_output(f.c, iso_ms("2024-01-02T00:00:00Z"));
    assert_string_equal(out->s, "1704153600");
    wv_json_free(out);
    fx_close(&f);
}

/* start_datetime/end_datetime strings are parsed with datetime_format (the CDK's
 * DatetimeBasedCursor gives its MinMaxDatetimes its datetime_format when they have none);
 * cursor_datetime_formats only parse record and state values. Here "%ms" would also match. */
static void test_start_uses_datetime_format(void **state)
{
    (void)state;
    struct fx f;
    fake_now = iso_ms("2030-01-01T00:00:00Z");
    fx_open(&f,
            "type: DatetimeBasedCursor\n"
            "cursor_field: ts\n"
            "datetime_format: \"%s\"\n"
            "cursor_datetime_formats: [\"%ms\"]\n"
            "start_datetime: \"1704067200\"\n"
            "end_datetime: \"1704153600\"\n",
            NULL, NULL);
    assert_slices(&f, "[{\"start_time\":\"1704067200\",\"end_time\":\"1704153600\"}]");
    /* Record values do use cursor_datetime_formats. */
    int64_t ms = 0;
    struct wv_json *v = js("1704103200000");
    assert_int_equal(conn_decl_cursor_parse_value(f.c, v, &ms), 0);
    assert_int_equal(ms, iso_ms("2024-01-01T10:00:00Z"));
    wv_json_free(v);
    fx_close(&f);
}

/* The time helpers: formats, parsing with offsets and fractions, durations. */
static void test_time_helpers(void **state)
{
    (void)state;
    int64_t ms = 0;
    assert_int_equal(conn_decl_time_parse("2024-03-01T10:20:30.250+02:00",
                                          "%Y-%m-%dT%H:%M:%S.%f%z", &ms), 0);
    assert_int_equal(ms, iso_ms("2024-03-01T08:20:30.250Z"));
    assert_int_equal(conn_decl_time_parse("2024-03-01", "%Y-%m-%dT%H", &ms), -1);
    assert_int_equal(conn_decl_time_parse("2024-13-01", "%Y-%m-%d", &ms), -1);
    assert_int_equal(conn_decl_time_parse("1700000000.5", "%s_as_float", &ms), 0);
    assert_int_equal(ms, 1700000000500);
    char *s = conn_decl_time_format(iso_ms("2024-03-01T08:20:30.250Z"), NULL);
    assert_string_equal(s, "2024-03-01T08:20:30.250000+0000");
    free(s);
    s = conn_decl_time_format(iso_ms("2024-03-01T08:20:30Z"), "%d/%m/%y %%");
    assert_string_equal(s, "01/03/24 %");
    free(s);
    assert_int_equal(conn_decl_duration_add("P1M", iso_ms("2024-01-31T00:00:00Z"), 1, &ms), 0);
    assert_int_equal(ms, iso_ms("2024-02-29T00:00:00Z"));
    assert_int_equal(conn_decl_duration_add("P1Y", iso_ms("2024-02-29T00:00:00Z"), 1, &ms), 0);
    assert_int_equal(ms, iso_ms("2025-02-28T00:00:00Z"));
    assert_int_equal(conn_decl_duration_add("PT1H30M", iso_ms("2024-01-01T00:00:00Z"), -2, &ms),
                     0);
    assert_int_equal(ms, iso_ms("2023-12-31T21:00:00Z"));
    assert_int_equal(conn_decl_duration_add("P1W", iso_ms("2024-01-01T00:00:00Z"), 1, &ms), 0);
    assert_int_equal(ms, iso_ms("2024-01-08T00:00:00Z"));
    assert_int_equal(conn_decl_duration_add("1D", 0, 1, &ms), -1);
    assert_int_equal(conn_decl_duration_add("P1X", 0, 1, &ms), -1);
}

/* start/end_time_option inject the window bounds. */
static void test_inject(void **state)
{
    (void)state;
    struct fx f;
    fake_now = iso_ms("2030-01-01T00:00:00Z");
    fx_open(&f,
            BASE "start_datetime: \"2024-01-01T00:00:00Z\"\n"
                 "start_time_option:\n"
                 "  type: RequestOption\n"
                 "  inject_into: request_parameter\n"
                 "  field_name: since\n"
                 "end_time_option:\n"
                 "  type: RequestOption\n"
                 "  inject_into: header\n"
                 "  field_name: X-Until\n",
            NULL, NULL);
    struct wv_json *slice = js("{\"start_time\": \"2024-01-01T00:00:00Z\","
                               " \"end_time\": \"2024-01-02T00:00:00Z\"}");
    struct decl_req req;
    conn_decl_req_init(&req);
    struct decl_vars vars = {.config = f.cfg, .stream_slice = slice};
    struct wv_error err = {0};
    assert_int_equal(conn_decl_cursor_inject(f.c, slice, &vars, &f.run, &req, &err), 0);
    char *p = wv_json_to_string(req.params), *h = wv_json_to_string(req.headers);
    assert_string_equal(p, "{\"since\":\"2024-01-01T00:00:00Z\"}");
    assert_string_equal(h, "{\"X-Until\":\"2024-01-02T00:00:00Z\"}");
    assert_null(req.body_json);
    free(p);
    free(h);
    conn_decl_req_done(&req);
    wv_json_free(slice);
    fx_close(&f);
}

#define SLICE "{\"start_time\":\"2024-01-01T00:00:00Z\",\"end_time\":\"2024-01-31T00:00:00Z\"}"

/* The state becomes the highest cursor seen inside the slice, as the record had it. */
static void test_state_update(void **state)
{
    (void)state;
    struct fx f;
    fake_now = iso_ms("2030-01-01T00:00:00Z");
    fx_open(&f,
            BASE "cursor_datetime_formats: [\"%Y-%m-%dT%H:%M:%S.%fZ\", \"%Y-%m-%dT%H:%M:%SZ\"]\n"
                 "start_datetime: \"2024-01-01T00:00:00Z\"\n",
            NULL, "{\"updated_at\": \"2024-01-05T00:00:00Z\", \"other\": 1}");
    assert_true(observe(&f, SLICE, "{\"updated_at\": \"2024-01-10T00:00:00.500Z\"}"));
    assert_true(observe(&f, SLICE, "{\"updated_at\": \"2024-01-20T00:00:00Z\"}"));
    assert_true(observe(&f, SLICE, "{\"updated_at\": \"2024-01-15T00:00:00Z\"}"));
    /* Outside the slice: kept (server-side filtering) but not observed. */
    assert_true(observe(&f, SLICE, "{\"updated_at\": \"2024-03-01T00:00:00Z\"}"));
    /* No cursor: kept, not observed. */
    assert_true(observe(&f, SLICE, "{\"id\": 1}"));
    assert_true(observe(&f, SLICE, "{\"updated_at\": null}"));
    assert_int_equal(f.cr.max_ms, iso_ms("2024-01-20T00:00:00Z"));
    conn_decl_cursor_close_slice(&f.cr, &f.run);
    char *s = state_text(&f);
    assert_string_equal(s, "{\"updated_at\":\"2024-01-20T00:00:00Z\",\"other\":1}");
    free(s);
    fx_close(&f);

    /* Records older than the state never lower it. */
    fx_open(&f, BASE "start_datetime: \"2024-01-01T00:00:00Z\"\n", NULL,
            "{\"updated_at\": \"2024-01-25T00:00:00Z\"}");
    assert_true(observe(&f, SLICE, "{\"updated_at\": \"2024-01-02T00:00:00Z\"}"));
    conn_decl_cursor_close_slice(&f.cr, &f.run);
    s = state_text(&f);
    assert_string_equal(s, "{\"updated_at\":\"2024-01-25T00:00:00Z\"}");
    free(s);
    fx_close(&f);

    /* Nothing observed and no input state: the state stays empty. */
    fx_open(&f, BASE "start_datetime: \"2024-01-01T00:00:00Z\"\n", NULL, NULL);
    conn_decl_cursor_close_slice(&f.cr, &f.run);
    s = state_text(&f);
    assert_string_equal(s, "{}");
    free(s);
    fx_close(&f);
}

/* is_client_side_incremental drops records outside the slice or older than the state. */
static void test_client_side(void **state)
{
    (void)state;
    struct fx f;
    fake_now = iso_ms("2030-01-01T00:00:00Z");
    fx_open(&f,
            BASE "start_datetime: \"2024-01-01T00:00:00Z\"\n"
                 "is_client_side_incremental: true\n",
            NULL, "{\"updated_at\": \"2024-01-10T00:00:00Z\"}");
    assert_false(observe(&f, SLICE, "{\"updated_at\": \"2024-01-05T00:00:00Z\"}"));
    assert_true(observe(&f, SLICE, "{\"updated_at\": \"2024-01-10T00:00:00Z\"}"));
    assert_true(observe(&f, SLICE, "{\"updated_at\": \"2024-01-31T00:00:00Z\"}"));
    assert_false(observe(&f, SLICE, "{\"updated_at\": \"2024-01-31T00:00:01Z\"}"));
    assert_true(observe(&f, SLICE, "{\"name\": \"no cursor\"}"));
    assert_false(f.cr.feed_stop);
    conn_decl_cursor_close_slice(&f.cr, &f.run);
    char *s = state_text(&f);
    assert_string_equal(s, "{\"updated_at\":\"2024-01-31T00:00:00Z\"}");
    free(s);
    fx_close(&f);
}

/* is_data_feed: a record older than the state marks the feed as caught up. */
static void test_data_feed(void **state)
{
    (void)state;
    struct fx f;
    fake_now = iso_ms("2030-01-01T00:00:00Z");
    fx_open(&f,
            BASE "start_datetime: \"2024-01-01T00:00:00Z\"\n"
                 "is_data_feed: true\n",
            NULL, "{\"updated_at\": \"2024-01-10T00:00:00Z\"}");
    assert_true(observe(&f, SLICE, "{\"updated_at\": \"2024-01-20T00:00:00Z\"}"));
    assert_false(f.cr.feed_stop);
    assert_true(observe(&f, SLICE, "{\"updated_at\": \"2024-01-10T00:00:00Z\"}"));
    assert_false(f.cr.feed_stop);
    assert_true(observe(&f, SLICE, "{\"updated_at\": \"2024-01-09T23:59:59Z\"}"));
    assert_true(f.cr.feed_stop);
    fx_close(&f);
    /* Without state a feed never stops early. */
    fx_open(&f,
            BASE "start_datetime: \"2024-01-01T00:00:00Z\"\n"
                 "is_data_feed: true\n",
            NULL, NULL);
    assert_true(observe(&f, SLICE, "{\"updated_at\": \"2024-01-02T00:00:00Z\"}"));
    assert_false(f.cr.feed_stop);
    fx_close(&f);
}

/* strip removes only the window keys; global_substream_cursor is read. */
static void test_strip_global(void **state)
{
    (void)state;
    struct fx f;
    fake_now = iso_ms("2030-01-01T00:00:00Z");
    fx_open(&f,
            BASE "start_datetime: \"2024-01-01T00:00:00Z\"\n"
                 "global_substream_cursor: true\n",
            NULL, NULL);
    assert_true(conn_decl_cursor_global(f.c));
    assert_string_equal(conn_decl_cursor_field(f.c), "updated_at");
    struct wv_json *sl = js("{\"start_time\": \"a\", \"end_time\": \"b\", \"id\": 7}");
    conn_decl_cursor_strip(f.c, sl);
    char *s = wv_json_to_string(sl);
    assert_string_equal(s, "{\"id\":7}");
    free(s);
    wv_json_free(sl);
    fx_close(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_step_granularity), cmocka_unit_test(test_month_step),
        cmocka_unit_test(test_no_step_end_now),  cmocka_unit_test(test_minmax),
        cmocka_unit_test(test_start_after_end),  cmocka_unit_test(test_state_and_lookback),
        cmocka_unit_test(test_bad_state),        cmocka_unit_test(test_build_errors),
        cmocka_unit_test(test_formats),          cmocka_unit_test(test_time_helpers),
        cmocka_unit_test(test_inject),           cmocka_unit_test(test_state_update),
        cmocka_unit_test(test_client_side),      cmocka_unit_test(test_data_feed),
        cmocka_unit_test(test_strip_global),     cmocka_unit_test(test_start_uses_datetime_format),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
