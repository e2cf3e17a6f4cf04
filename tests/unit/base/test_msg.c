/* test_msg.c - unit tests for the Airbyte protocol codec (src/base/msg.c): wire round trips,
 * constructors' exact wire text, validation errors, catalogs, paths and state lookup. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "unit/testutil.h"

#include "base/log.h"
#include "base/mem.h"
#include "base/msg.h"

/* Parses JSON text or fails the test. */
static struct wv_json *js(const char *text)
{
    return wv_test_json(text, "test");
}

/* Writes msg to a string (caller frees). */
static char *wire(const struct wv_msg *m)
{
    struct wv_error err;
    struct wv_buf b;
    wv_error_clear(&err);
    wv_buf_init(&b, 0);
    assert_int_equal(wv_msg_write(&b, m, &err), 0);
    return wv_buf_steal(&b, NULL);
}

/* Parses a line that must be valid. */
static void parse_ok(const char *line, struct wv_msg *m)
{
    struct wv_error err;
    wv_error_clear(&err);
    if (wv_msg_parse(line, strlen(line), "t", 7, m, &err) != 0)
        fail_msg("parse of %s failed: %s", line, err.msg);
}

/* Each message type, in the compact form the writer produces. */
static const char *const wire_lines[] = {
    "{\"type\":\"RECORD\",\"record\":{\"namespace\":\"public\",\"stream\":\"users\","
    "\"data\":{\"id\":1,\"a\":{\"b\":[1,2]}},\"emitted_at\":1700000000000}}",
    "{\"type\":\"RECORD\",\"record\":{\"stream\":\"s\",\"data\":{},\"emitted_at\":0}}",
    "{\"type\":\"STATE\",\"state\":{\"type\":\"STREAM\",\"stream\":{\"stream_descriptor\":"
    "{\"name\":\"users\",\"namespace\":\"public\"},\"stream_state\":{\"updated\":\"2024-01-01\"}},"
    "\"sourceStats\":{\"recordCount\":10}}}",
    "{\"type\":\"STATE\",\"state\":{\"type\":\"GLOBAL\",\"global\":{\"shared_state\":{\"lsn\":5},"
    "\"stream_states\":[{\"stream_descriptor\":{\"name\":\"a\"},\"stream_state\":{\"x\":1}}]}}}",
    "{\"type\":\"STATE\",\"state\":{\"data\":{\"users\":{\"c\":1}}}}",
    "{\"type\":\"LOG\",\"log\":{\"level\":\"ERROR\",\"message\":\"it broke\","
    "\"stack_trace\":\"at x\"}}",
    "{\"type\":\"TRACE\",\"trace\":{\"type\":\"ERROR\",\"emitted_at\":1700000000000,\"error\":"
    "{\"message\":\"boom\",\"internal_message\":\"npe\",\"stack_trace\":\"s\","
    "\"failure_type\":\"system_error\"}}}",
    "{\"type\":\"TRACE\",\"trace\":{\"type\":\"ESTIMATE\",\"emitted_at\":1,\"estimate\":"
    "{\"name\":\"users\",\"namespace\":\"n\",\"type\":\"STREAM\",\"row_estimate\":10,"
    "\"byte_estimate\":200}}}",
    "{\"type\":\"TRACE\",\"trace\":{\"type\":\"STREAM_STATUS\",\"emitted_at\":2,\"stream_status\":"
    "{\"stream_descriptor\":{\"name\":\"users\"},\"status\":\"INCOMPLETE\"}}}",
    "{\"type\":\"TRACE\",\"trace\":{\"type\":\"ANALYTICS\",\"emitted_at\":3,\"analytics\":"
    "{\"type\":\"x\",\"value\":\"2\"}}}",
    "{\"type\":\"SPEC\",\"spec\":{\"documentationUrl\":\"https://x\","
    "\"connectionSpecification\":{\"type\":\"object\"}}}",
    "{\"type\":\"CATALOG\",\"catalog\":{\"streams\":[{\"name\":\"users\",\"json_schema\":{},"
    "\"supported_sync_modes\":[\"full_refresh\"]}]}}",
    "{\"type\":\"CONNECTION_STATUS\",\"connectionStatus\":{\"status\":\"SUCCEEDED\"}}",
    "{\"type\":\"CONTROL\",\"control\":{\"type\":\"CONNECTOR_CONFIG\",\"emitted_at\":4,"
    "\"connectorConfig\":{\"config\":{\"token\":\"t2\"}}}}",
};

/* parse -> write gives the same text back, and parsing that again gives an equal tree. */
static void test_round_trip(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof wire_lines / sizeof wire_lines[0]; i++) {
        struct wv_msg m, m2;
        parse_ok(wire_lines[i], &m);
        char *out = wire(&m);
        size_t n = strlen(wire_lines[i]);
        assert_int_equal(strlen(out), n + 1);
        assert_memory_equal(out, wire_lines[i], n);
        assert_int_equal(out[n], '\n');
        parse_ok(out, &m2); /* with its newline */
        assert_int_equal(m2.type, m.type);
        assert_true(wv_json_equal(m.root, m2.root));
        free(out);
        wv_msg_done(&m);
        wv_msg_done(&m2);
    }
}

/* The typed views of each parsed message. */
static void test_views(void **state)
{
    (void)state;
    struct wv_msg m;
    parse_ok(wire_lines[0], &m);
    assert_int_equal(m.type, WV_MSG_RECORD);
    assert_string_equal(m.stream, "users");
    assert_string_equal(m.ns, "public");
    assert_ptr_equal(m.data, wv_json_get(m.body, "data"));
    assert_ptr_equal(m.body, wv_json_get(m.root, "record"));
    assert_true(m.emitted_at == INT64_C(1700000000000));
    wv_msg_done(&m);
    assert_null(m.root);

    parse_ok(wire_lines[1], &m);
    assert_null(m.ns);
    assert_true(m.emitted_at == 0);
    wv_msg_done(&m);

    parse_ok(wire_lines[2], &m);
    assert_int_equal(m.type, WV_MSG_STATE);
    assert_int_equal(m.state_type, WV_STATE_STREAM);
    assert_string_equal(m.stream, "users");
    assert_string_equal(m.ns, "public");
    assert_string_equal(wv_json_get_str(m.stream_state, "updated"), "2024-01-01");
    wv_msg_done(&m);

    parse_ok(wire_lines[3], &m);
    assert_int_equal(m.state_type, WV_STATE_GLOBAL);
    assert_null(m.stream);
    wv_msg_done(&m);

    parse_ok(wire_lines[4], &m);
    assert_int_equal(m.state_type, WV_STATE_LEGACY);
    assert_non_null(wv_json_get(m.data, "users"));
    wv_msg_done(&m);

    parse_ok(wire_lines[5], &m);
    assert_int_equal(m.type, WV_MSG_LOG);
    assert_int_equal(m.level, WV_LOG_ERROR);
    assert_string_equal(m.message, "it broke");
    wv_msg_done(&m);

    parse_ok(wire_lines[6], &m);
    assert_int_equal(m.trace_type, WV_TRACE_ERROR);
    assert_string_equal(m.message, "boom");
    assert_true(m.emitted_at == INT64_C(1700000000000));
    wv_msg_done(&m);

    parse_ok(wire_lines[7], &m);
    assert_int_equal(m.trace_type, WV_TRACE_ESTIMATE);
    assert_string_equal(m.stream, "users");
    assert_string_equal(m.ns, "n");
    wv_msg_done(&m);

    parse_ok(wire_lines[8], &m);
    assert_int_equal(m.trace_type, WV_TRACE_STREAM_STATUS);
    assert_string_equal(m.stream, "users");
    assert_null(m.ns);
    assert_string_equal(m.status, "INCOMPLETE");
    wv_msg_done(&m);

    parse_ok(wire_lines[9], &m);
    assert_int_equal(m.trace_type, WV_TRACE_ANALYTICS);
    assert_true(m.emitted_at == 3);
    wv_msg_done(&m);
}

/* Views of the remaining types, and leniency: unknown fields, floats, CRLF, lower-case level. */
static void test_views_more(void **state)
{
    (void)state;
    struct wv_msg m;
    parse_ok(wire_lines[10], &m);
    assert_int_equal(m.type, WV_MSG_SPEC);
    assert_string_equal(wv_json_get_str(m.body, "documentationUrl"), "https://x");
    wv_msg_done(&m);

    parse_ok(wire_lines[11], &m);
    assert_int_equal(m.type, WV_MSG_CATALOG);
    assert_non_null(wv_json_get(m.body, "streams"));
    wv_msg_done(&m);

    parse_ok(wire_lines[12], &m);
    assert_int_equal(m.type, WV_MSG_CONNECTION_STATUS);
    assert_string_equal(m.status, "SUCCEEDED");
    assert_null(m.message);
    wv_msg_done(&m);

    parse_ok(wire_lines[13], &m);
    assert_int_equal(m.type, WV_MSG_CONTROL);
    assert_true(m.emitted_at == 4);
    assert_string_equal(wv_json_get_str(m.data, "token"), "t2");
    wv_msg_done(&m);

    parse_ok("{\"type\":\"RECORD\",\"future\":[1],\"record\":{\"stream\":\"s\",\"data\":{},"
             "\"emitted_at\":1.5e3,\"meta\":{}}}\r\n",
             &m);
    assert_true(m.emitted_at == 1500);
    wv_msg_done(&m);

    parse_ok("  {\"type\":\"TRACE\",\"trace\":{\"type\":\"STREAM_STATUS\",\"emitted_at\":"
             "1700000000000.75,\"stream_status\":{\"stream_descriptor\":{\"name\":\"u\","
             "\"namespace\":null},\"status\":\"STARTED\"}}}",
             &m);
    assert_true(m.emitted_at == INT64_C(1700000000000));
    assert_null(m.ns);
    wv_msg_done(&m);

    parse_ok("{\"type\":\"LOG\",\"log\":{\"level\":\"debug\",\"message\":\"\"}}", &m);
    assert_int_equal(m.level, WV_LOG_DEBUG);
    wv_msg_done(&m);

    parse_ok("{\"type\":\"STATE\",\"state\":{\"type\":\"STREAM\",\"stream\":{"
             "\"stream_descriptor\":{\"name\":\"u\"}}}}",
             &m);
    assert_null(m.stream_state);
    wv_msg_done(&m);

    parse_ok("{\"type\":\"TRACE\",\"trace\":{\"type\":\"ESTIMATE\",\"emitted_at\":1,"
             "\"estimate\":{\"name\":\"\",\"type\":\"SYNC\",\"row_estimate\":5}}}",
             &m);
    assert_null(m.stream);
    wv_msg_done(&m);
}

/* Checks that a constructed message writes exactly `expect` and parses back equal. */
static void expect_wire(struct wv_msg *m, const char *expect)
{
    char *out = wire(m);
    size_t n = strlen(out);
    assert_true(n > 0 && out[n - 1] == '\n');
    out[n - 1] = '\0';
    assert_string_equal(out, expect);
    struct wv_msg back;
    parse_ok(out, &back);
    assert_int_equal(back.type, m->type);
    assert_true(wv_json_equal(back.root, m->root));
    wv_msg_done(&back);
    free(out);
    wv_msg_done(m);
}

/* Each constructor's exact wire text and views. */
static void test_constructors(void **state)
{
    (void)state;
    struct wv_msg m;
    wv_msg_record(&m, "public", "users", js("{\"id\":1}"), INT64_C(1700000000000));
    assert_int_equal(m.type, WV_MSG_RECORD);
    assert_string_equal(m.stream, "users");
    assert_string_equal(m.ns, "public");
    assert_ptr_equal(m.data, wv_json_get(m.body, "data"));
    assert_true(m.emitted_at == INT64_C(1700000000000));
    expect_wire(&m, "{\"type\":\"RECORD\",\"record\":{\"namespace\":\"public\",\"stream\":"
                    "\"users\",\"data\":{\"id\":1},\"emitted_at\":1700000000000}}");

    wv_msg_record(&m, NULL, "s", js("{}"), 5);
    assert_null(m.ns);
    expect_wire(&m, "{\"type\":\"RECORD\",\"record\":{\"stream\":\"s\",\"data\":{},"
                    "\"emitted_at\":5}}");

    wv_msg_state_stream(&m, NULL, "users", js("{\"cursor\":\"2024-01-01\"}"));
    assert_int_equal(m.state_type, WV_STATE_STREAM);
    assert_string_equal(m.stream, "users");
    assert_non_null(m.stream_state);
    expect_wire(&m, "{\"type\":\"STATE\",\"state\":{\"type\":\"STREAM\",\"stream\":{"
                    "\"stream_descriptor\":{\"name\":\"users\"},\"stream_state\":{\"cursor\":"
                    "\"2024-01-01\"}}}}");

    wv_msg_state_global(&m, js("{\"lsn\":5}"),
                        js("[{\"stream_descriptor\":{\"name\":\"a\",\"namespace\":\"n\"},"
                           "\"stream_state\":{\"x\":1}}]"));
    assert_int_equal(m.state_type, WV_STATE_GLOBAL);
    expect_wire(&m, "{\"type\":\"STATE\",\"state\":{\"type\":\"GLOBAL\",\"global\":{"
                    "\"shared_state\":{\"lsn\":5},\"stream_states\":[{\"stream_descriptor\":"
                    "{\"name\":\"a\",\"namespace\":\"n\"},\"stream_state\":{\"x\":1}}]}}}");

    wv_msg_state_global(&m, NULL, js("[]"));
    expect_wire(&m, "{\"type\":\"STATE\",\"state\":{\"type\":\"GLOBAL\",\"global\":{"
                    "\"stream_states\":[]}}}");

    wv_msg_state_legacy(&m, js("{\"users\":{\"c\":1}}"));
    assert_int_equal(m.state_type, WV_STATE_LEGACY);
    assert_ptr_equal(m.data, wv_json_get(m.body, "data"));
    expect_wire(&m, "{\"type\":\"STATE\",\"state\":{\"data\":{\"users\":{\"c\":1}}}}");

    wv_msg_log(&m, WV_LOG_WARN, "slow \"api\"");
    assert_int_equal(m.level, WV_LOG_WARN);
    assert_string_equal(m.message, "slow \"api\"");
    expect_wire(&m, "{\"type\":\"LOG\",\"log\":{\"level\":\"WARN\",\"message\":"
                    "\"slow \\\"api\\\"\"}}");
}

/* TRACE, SPEC, CATALOG, CONNECTION_STATUS and CONTROL constructors. */
static void test_constructors_more(void **state)
{
    (void)state;
    struct wv_msg m;
    wv_msg_trace_error(&m, 5, "boom", "stack", "config_error");
    assert_int_equal(m.trace_type, WV_TRACE_ERROR);
    assert_string_equal(m.message, "boom");
    expect_wire(&m, "{\"type\":\"TRACE\",\"trace\":{\"type\":\"ERROR\",\"emitted_at\":5,"
                    "\"error\":{\"message\":\"boom\",\"internal_message\":\"stack\","
                    "\"failure_type\":\"config_error\"}}}");

    wv_msg_trace_error(&m, 5, "boom", NULL, NULL);
    expect_wire(&m, "{\"type\":\"TRACE\",\"trace\":{\"type\":\"ERROR\",\"emitted_at\":5,"
                    "\"error\":{\"message\":\"boom\"}}}");

    wv_msg_trace_status(&m, 6, "ns", "users", "COMPLETE");
    assert_string_equal(m.status, "COMPLETE");
    assert_string_equal(m.stream, "users");
    assert_string_equal(m.ns, "ns");
    expect_wire(&m, "{\"type\":\"TRACE\",\"trace\":{\"type\":\"STREAM_STATUS\",\"emitted_at\":6,"
                    "\"stream_status\":{\"stream_descriptor\":{\"name\":\"users\",\"namespace\":"
                    "\"ns\"},\"status\":\"COMPLETE\"}}}");

    wv_msg_trace_estimate(&m, 7, NULL, "users", 100, -1);
    assert_int_equal(m.trace_type, WV_TRACE_ESTIMATE);
    assert_string_equal(m.stream, "users");
    expect_wire(&m, "{\"type\":\"TRACE\",\"trace\":{\"type\":\"ESTIMATE\",\"emitted_at\":7,"
                    "\"estimate\":{\"name\":\"users\",\"type\":\"STREAM\",\"row_estimate\":100}}}");

    wv_msg_trace_estimate(&m, 7, NULL, NULL, 100, 2000);
    expect_wire(&m, "{\"type\":\"TRACE\",\"trace\":{\"type\":\"ESTIMATE\",\"emitted_at\":7,"
                    "\"estimate\":{\"name\":\"\",\"type\":\"SYNC\",\"row_estimate\":100,"
                    "\"byte_estimate\":2000}}}");

    wv_msg_spec(&m, js("{\"connectionSpecification\":{\"type\":\"object\"}}"));
    assert_int_equal(m.type, WV_MSG_SPEC);
    expect_wire(&m, "{\"type\":\"SPEC\",\"spec\":{\"connectionSpecification\":"
                    "{\"type\":\"object\"}}}");

    wv_msg_catalog(&m, js("{\"streams\":[]}"));
    assert_ptr_equal(m.body, wv_json_get(m.root, "catalog"));
    expect_wire(&m, "{\"type\":\"CATALOG\",\"catalog\":{\"streams\":[]}}");

    wv_msg_connection_status(&m, false, "bad key");
    assert_string_equal(m.status, "FAILED");
    assert_string_equal(m.message, "bad key");
    expect_wire(&m, "{\"type\":\"CONNECTION_STATUS\",\"connectionStatus\":{\"status\":"
                    "\"FAILED\",\"message\":\"bad key\"}}");

    wv_msg_connection_status(&m, true, NULL);
    expect_wire(&m, "{\"type\":\"CONNECTION_STATUS\",\"connectionStatus\":{\"status\":"
                    "\"SUCCEEDED\"}}");

    wv_msg_control_config(&m, 8, js("{\"token\":\"t2\"}"));
    assert_string_equal(wv_json_get_str(m.data, "token"), "t2");
    expect_wire(&m, "{\"type\":\"CONTROL\",\"control\":{\"type\":\"CONNECTOR_CONFIG\","
                    "\"emitted_at\":8,\"connectorConfig\":{\"config\":{\"token\":\"t2\"}}}}");

    assert_string_equal(wv_msg_type_name(WV_MSG_CONNECTION_STATUS), "CONNECTION_STATUS");
    assert_string_equal(wv_msg_type_name(WV_MSG_RECORD), "RECORD");
}

struct bad_case {
    const char *line;
    const char *msg;
};

#define REC(x) "{\"type\":\"RECORD\",\"record\":{" x "}}"
#define ST(x) "{\"type\":\"STATE\",\"state\":{" x "}}"
#define TR(x) "{\"type\":\"TRACE\",\"trace\":{" x "}}"

static const struct bad_case bad_cases[] = {
    {"", "t:7: empty line (expected a JSON object)"},
    {"[1]", "t:7: not a JSON object"},
    {"\"RECORD\"", "t:7: not a JSON object"},
    {"{\"record\":{}}", "t:7: message without 'type'"},
    {"{\"type\":1}", "t:7: message 'type' is not a string"},
    {"{\"type\":\"FOO\"}", "t:7: unknown message type 'FOO'"},
    {"{\"type\":\"RECORD\"}", "t:7: RECORD without 'record'"},
    {"{\"type\":\"RECORD\",\"record\":[]}", "t:7: RECORD 'record' is not an object"},
    {REC("\"data\":{},\"emitted_at\":1"), "t:7: RECORD without 'stream'"},
    {REC("\"stream\":5,\"data\":{},\"emitted_at\":1"), "t:7: RECORD 'stream' is not a string"},
    {REC("\"namespace\":5,\"stream\":\"s\",\"data\":{},\"emitted_at\":1"),
     "t:7: RECORD 'namespace' is not a string"},
    {REC("\"stream\":\"s\",\"emitted_at\":1"), "t:7: RECORD without 'data'"},
    {REC("\"stream\":\"s\",\"data\":[1],\"emitted_at\":1"), "t:7: RECORD 'data' is not an object"},
    {REC("\"stream\":\"s\",\"data\":{}"), "t:7: RECORD without 'emitted_at'"},
    {REC("\"stream\":\"s\",\"data\":{},\"emitted_at\":\"x\""),
     "t:7: RECORD 'emitted_at' is not a number"},
    {REC("\"stream\":\"s\",\"data\":{},\"emitted_at\":1e300"),
     "t:7: RECORD 'emitted_at' is out of range"},
    {ST(""), "t:7: STATE without 'data'"},
    {ST("\"type\":\"LEGACY\",\"data\":1"), "t:7: STATE 'data' is not an object"},
    {ST("\"type\":\"BOGUS\""), "t:7: STATE of unknown type 'BOGUS'"},
    {ST("\"type\":7"), "t:7: STATE 'type' is not a string"},
    {ST("\"type\":\"STREAM\""), "t:7: STATE without 'stream'"},
    {ST("\"type\":\"STREAM\",\"stream\":{}"), "t:7: STATE without 'stream.stream_descriptor'"},
    {ST("\"type\":\"STREAM\",\"stream\":{\"stream_descriptor\":{}}"),
     "t:7: STATE without 'stream.stream_descriptor.name'"},
    {ST("\"type\":\"STREAM\",\"stream\":{\"stream_descriptor\":{\"name\":\"u\",\"namespace\":1}}"),
     "t:7: STATE 'stream.stream_descriptor.namespace' is not a string"},
    {ST("\"type\":\"STREAM\",\"stream\":{\"stream_descriptor\":{\"name\":\"u\"},"
        "\"stream_state\":3}"),
     "t:7: STATE 'stream.stream_state' is not an object"},
    {ST("\"type\":\"GLOBAL\""), "t:7: STATE without 'global'"},
    {ST("\"type\":\"GLOBAL\",\"global\":{}"), "t:7: STATE without 'global.stream_states'"},
    {ST("\"type\":\"GLOBAL\",\"global\":{\"shared_state\":[],\"stream_states\":[]}"),
     "t:7: STATE 'global.shared_state' is not an object"},
    {ST("\"type\":\"GLOBAL\",\"global\":{\"stream_states\":[{}]}"),
     "t:7: STATE without 'global.stream_states[0].stream_descriptor'"},
    {ST("\"type\":\"GLOBAL\",\"global\":{\"stream_states\":[{\"stream_descriptor\":{\"name\":"
        "\"a\"}},2]}"),
     "t:7: STATE 'global.stream_states[1]' is not an object"},
    {"{\"type\":\"LOG\",\"log\":{\"level\":\"LOUD\",\"message\":\"m\"}}",
     "t:7: LOG level 'LOUD' is not one of FATAL, ERROR, WARN, INFO, DEBUG, TRACE"},
    {"{\"type\":\"LOG\",\"log\":{\"message\":\"m\"}}", "t:7: LOG without 'level'"},
    {"{\"type\":\"LOG\",\"log\":{\"level\":\"INFO\"}}", "t:7: LOG without 'message'"},
    {TR("\"type\":\"X\",\"emitted_at\":1"), "t:7: TRACE of unknown type 'X'"},
    {TR("\"type\":\"ERROR\",\"error\":{\"message\":\"m\"}"), "t:7: TRACE without 'emitted_at'"},
    {TR("\"type\":\"ERROR\",\"emitted_at\":1"), "t:7: TRACE without 'error'"},
    {TR("\"type\":\"ERROR\",\"emitted_at\":1,\"error\":{}"), "t:7: TRACE without 'error.message'"},
    {TR("\"type\":\"ERROR\",\"emitted_at\":1,\"error\":{\"message\":\"m\","
        "\"stream_descriptor\":{}}"),
     "t:7: TRACE without 'error.stream_descriptor.name'"},
    {TR("\"type\":\"STREAM_STATUS\",\"emitted_at\":1,\"stream_status\":{\"stream_descriptor\":"
        "{\"name\":\"u\"},\"status\":\"DONE\"}"),
     "t:7: TRACE stream status 'DONE' is not one of STARTED, RUNNING, COMPLETE, INCOMPLETE"},
    {TR("\"type\":\"STREAM_STATUS\",\"emitted_at\":1,\"stream_status\":{\"status\":\"RUNNING\"}"),
     "t:7: TRACE without 'stream_status.stream_descriptor'"},
    {TR("\"type\":\"ESTIMATE\",\"emitted_at\":1,\"estimate\":{\"name\":\"u\",\"type\":\"X\"}"),
     "t:7: TRACE estimate type 'X' is not STREAM or SYNC"},
    {TR("\"type\":\"ESTIMATE\",\"emitted_at\":1,\"estimate\":{\"name\":\"u\",\"type\":\"SYNC\","
        "\"row_estimate\":\"9\"}"),
     "t:7: TRACE 'estimate.row_estimate' is not a number"},
    {"{\"type\":\"SPEC\",\"spec\":{}}", "t:7: SPEC without 'connectionSpecification'"},
    {"{\"type\":\"CATALOG\",\"catalog\":{}}", "t:7: CATALOG without 'streams'"},
    {"{\"type\":\"CONNECTION_STATUS\",\"connectionStatus\":{\"status\":\"MAYBE\"}}",
     "t:7: CONNECTION_STATUS status 'MAYBE' is not SUCCEEDED or FAILED"},
    {"{\"type\":\"CONNECTION_STATUS\",\"connectionStatus\":{\"status\":\"FAILED\","
     "\"message\":{}}}",
     "t:7: CONNECTION_STATUS 'message' is not a string"},
    {"{\"type\":\"CONTROL\",\"control\":{\"type\":\"X\",\"emitted_at\":1}}",
     "t:7: CONTROL of unknown type 'X'"},
    {"{\"type\":\"CONTROL\",\"control\":{\"type\":\"CONNECTOR_CONFIG\",\"emitted_at\":1,"
     "\"connectorConfig\":{}}}",
     "t:7: CONTROL without 'connectorConfig.config'"},
};

/* Every validation error, with its message; msg is untouched on error. */
static void test_errors(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof bad_cases / sizeof bad_cases[0]; i++) {
        struct wv_error err;
        struct wv_msg m;
        memset(&m, 0x5a, sizeof m);
        wv_error_clear(&err);
        int rc = wv_msg_parse(bad_cases[i].line, strlen(bad_cases[i].line), "t", 7, &m, &err);
        if (rc != -1)
            fail_msg("case %zu accepted: %s", i, bad_cases[i].line);
        assert_string_equal(err.msg, bad_cases[i].msg);
        assert_int_equal(err.code, WV_E_PROTOCOL);
        const unsigned char *p = (const unsigned char *)&m;
        for (size_t k = 0; k < sizeof m; k++)
            assert_int_equal(p[k], 0x5a);
    }
}

/* wv_msg_from_json takes ownership (frees on error too; ASan checks the leak). */
static void test_from_json(void **state)
{
    (void)state;
    struct wv_error err;
    struct wv_msg m;
    wv_error_clear(&err);
    assert_int_equal(wv_msg_from_json(js("{\"type\":\"LOG\",\"log\":{\"level\":\"INFO\","
                                         "\"message\":\"hi\"}}"),
                                      "f", 2, &m, &err),
                     0);
    assert_string_equal(m.message, "hi");
    wv_msg_done(&m);
    assert_int_equal(wv_msg_from_json(js("{\"type\":\"LOG\",\"log\":{}}"), "f", 2, &m, &err), -1);
    assert_string_equal(err.msg, "f:2: LOG without 'level'");
    wv_error_clear(&err);
    assert_int_equal(wv_msg_from_json(js("[]"), "f", 3, &m, &err), -1);
    assert_string_equal(err.msg, "f:3: not a JSON object (got array)");
    wv_error_clear(&err);
    assert_int_equal(wv_msg_from_json(NULL, "f", 4, &m, &err), -1);
    assert_int_equal(err.code, WV_E_PROTOCOL);
}

/* JSON syntax errors: one line naming origin:LINENO and the column; over-long lines. */
static void test_json_errors(void **state)
{
    (void)state;
    struct wv_error err;
    struct wv_msg m;
    const char *bad = "{\"type\": }";
    wv_error_clear(&err);
    assert_int_equal(wv_msg_parse(bad, strlen(bad), "stdin", 12, &m, &err), -1);
    assert_int_equal(err.code, WV_E_PROTOCOL);
    assert_true(wv_str_starts(err.msg, "stdin:12: invalid JSON at col 10: "));
    assert_true(strlen(err.msg) > strlen("stdin:12: invalid JSON at col 10: "));
    assert_null(strchr(err.msg, '\n'));

    const char *two = "{\"a\":1,\n \"b\":}";
    wv_error_clear(&err);
    assert_int_equal(wv_msg_parse(two, strlen(two), "stdin", 12, &m, &err), -1);
    assert_true(
        wv_str_starts(err.msg, "stdin:12: invalid JSON at col 6 (line 2 of the message): "));

    const char *trail = "{\"type\":\"LOG\"} x";
    wv_error_clear(&err);
    assert_int_equal(wv_msg_parse(trail, strlen(trail), "stdin", 3, &m, &err), -1);
    assert_true(wv_str_starts(err.msg, "stdin:3: invalid JSON at col 16: "));

    size_t big = (size_t)64 * 1024 * 1024 + 1;
    char *line = wv_malloc(big);
    memset(line, ' ', big);
    line[0] = '{';
    line[big - 1] = '}';
    wv_error_clear(&err);
    assert_int_equal(wv_msg_parse(line, big, "stdin", 1, &m, &err), -1);
    assert_int_equal(err.code, WV_E_LIMIT);
    assert_true(wv_str_starts(err.msg, "stdin:1: "));
    free(line);
}

/* The writer refuses an empty message. */
static void test_write_empty(void **state)
{
    (void)state;
    struct wv_msg m;
    struct wv_error err;
    struct wv_buf b;
    memset(&m, 0, sizeof m);
    wv_error_clear(&err);
    wv_buf_init(&b, 0);
    assert_int_equal(wv_msg_write(&b, &m, &err), -1);
    assert_int_equal(b.len, 0);
    wv_buf_done(&b);
}

static const char catalog_text[] =
    "{\"streams\":[\n"
    " {\"name\":\"users\",\"namespace\":\"public\",\"json_schema\":{\"type\":\"object\"},"
    "\"supported_sync_modes\":[\"full_refresh\",\"incremental\"],\"source_defined_cursor\":true,"
    "\"default_cursor_field\":[\"updated_at\"],\"source_defined_primary_key\":[[\"id\"],"
    "[\"org\",\"id\"]],\"is_resumable\":true},\n"
    " {\"name\":\"events\",\"json_schema\":{},\"supported_sync_modes\":[\"full_refresh\"]}\n"
    "]}";

/* AirbyteCatalog parse, fields, to_json round trip. */
static void test_catalog(void **state)
{
    (void)state;
    struct wv_error err;
    struct wv_catalog c, c2;
    wv_error_clear(&err);
    struct wv_json *j = js(catalog_text);
    assert_int_equal(wv_catalog_parse(j, "cat.json", &c, &err), 0);
    assert_int_equal(c.n, 2);
    const struct wv_catalog_stream *u = &c.streams[0];
    assert_string_equal(u->name, "users");
    assert_string_equal(u->ns, "public");
    assert_true(u->supports_full_refresh && u->supports_incremental);
    assert_true(u->source_defined_cursor && u->is_resumable);
    assert_int_equal(u->default_cursor.n, 1);
    assert_string_equal(u->default_cursor.parts[0], "updated_at");
    assert_int_equal(u->n_source_pk, 2);
    assert_int_equal(u->source_pk[1].n, 2);
    assert_string_equal(u->source_pk[1].parts[1], "id");
    assert_string_equal(wv_json_get_str(u->json_schema, "type"), "object");
    const struct wv_catalog_stream *e = &c.streams[1];
    assert_null(e->ns);
    assert_true(e->supports_full_refresh && !e->supports_incremental);
    assert_false(e->source_defined_cursor || e->is_resumable);
    assert_int_equal(e->default_cursor.n, 0);
    assert_int_equal(e->n_source_pk, 0);

    struct wv_json *out = wv_catalog_to_json(&c);
    char *text = wv_json_to_string(out);
    assert_string_equal(text, "{\"streams\":[{\"name\":\"users\",\"namespace\":\"public\","
                              "\"json_schema\":{\"type\":\"object\"},\"supported_sync_modes\":"
                              "[\"full_refresh\",\"incremental\"],\"source_defined_cursor\":true,"
                              "\"default_cursor_field\":[\"updated_at\"],"
                              "\"source_defined_primary_key\":[[\"id\"],[\"org\",\"id\"]],"
                              "\"is_resumable\":true},{\"name\":\"events\",\"json_schema\":{},"
                              "\"supported_sync_modes\":[\"full_refresh\"],"
                              "\"source_defined_cursor\":false,\"is_resumable\":false}]}");
    assert_int_equal(wv_catalog_parse(out, "x", &c2, &err), 0);
    assert_int_equal(c2.n, 2);
    struct wv_json *out2 = wv_catalog_to_json(&c2);
    assert_true(wv_json_equal(out, out2));
    free(text);
    wv_json_free(out);
    wv_json_free(out2);
    wv_json_free(j);
    wv_catalog_done(&c);
    wv_catalog_done(&c2);
    wv_catalog_done(&c2); /* done twice is harmless */
}

/* Expects catalog parse of text to fail with exactly msg. */
static void catalog_bad(const char *text, const char *msg)
{
    struct wv_error err;
    struct wv_catalog c;
    wv_error_clear(&err);
    struct wv_json *j = js(text);
    assert_int_equal(wv_catalog_parse(j, "cat.json", &c, &err), -1);
    assert_string_equal(err.msg, msg);
    assert_int_equal(err.code, WV_E_PROTOCOL);
    assert_int_equal(c.n, 0);
    assert_null(c.streams);
    wv_json_free(j);
}

/* AirbyteCatalog errors name origin:line:col of the offending node. */
static void test_catalog_errors(void **state)
{
    (void)state;
    catalog_bad("[]", "cat.json:1:1: catalog is not an object");
    catalog_bad("{}", "cat.json:1:1: catalog without 'streams'");
    catalog_bad("{\"streams\":{}}", "cat.json:1:12: catalog 'streams' is not an array");
    catalog_bad("{\"streams\":[\n 3]}", "cat.json:2:2: streams[0]: not an object");
    catalog_bad("{\"streams\":[\n {\"json_schema\":{}}]}",
                "cat.json:2:2: streams[0]: missing 'name'");
    catalog_bad("{\"streams\":[{\"name\":\"u\"}]}",
                "cat.json:1:13: stream 'u': missing 'json_schema'");
    catalog_bad("{\"streams\":[{\"name\":\"u\",\"json_schema\":{},\n"
                "\"supported_sync_modes\":[\"full_refresh\",\"sometimes\"]}]}",
                "cat.json:2:40: stream 'u': unknown sync mode in 'supported_sync_modes' "
                "(expected full_refresh or incremental)");
    catalog_bad("{\"streams\":[{\"name\":\"u\",\"json_schema\":{},\n\"supported_sync_modes\":[]}]}",
                "cat.json:2:24: stream 'u': 'supported_sync_modes' is not a non-empty array");
    catalog_bad("{\"streams\":[{\"name\":\"u\",\"json_schema\":{},\n"
                "\"source_defined_primary_key\":[[\"id\"],[1]]}]}",
                "cat.json:2:38: stream 'u': 'source_defined_primary_key' item 1 is not a path "
                "(array of strings)");
    catalog_bad("{\"streams\":[{\"name\":\"u\",\"json_schema\":{},\n\"is_resumable\":\"yes\"}]}",
                "cat.json:2:16: stream 'u': 'is_resumable' is not a boolean");
}

/* A configured stream around `extra`, with the stream definition `stream`. */
static char *cfg_text(const char *stream, const char *extra)
{
    return wv_asprintf("{\"streams\":[\n{\"stream\":%s,\n%s}]}", stream, extra);
}

#define S_PLAIN "{\"name\":\"u\",\"json_schema\":{}}"
#define S_FR "{\"name\":\"u\",\"json_schema\":{},\"supported_sync_modes\":[\"full_refresh\"]}"
#define S_SRC                                                                                      \
    "{\"name\":\"u\",\"json_schema\":{},\"source_defined_cursor\":true,"                          \
    "\"default_cursor_field\":[\"ts\"],\"source_defined_primary_key\":[[\"id\"]]}"

/* Configured catalog parse result for (stream, extra): 0 or -1 with err filled. */
static int cfg_try(const char *stream, const char *extra, struct wv_cfg_catalog *out,
                   struct wv_error *err)
{
    char *text = cfg_text(stream, extra);
    struct wv_json *j = js(text);
    wv_error_clear(err);
    int rc = wv_cfg_catalog_parse(j, "cfg.json", out, err);
    wv_json_free(j);
    free(text);
    return rc;
}

/* Expects acceptance. */
static void cfg_good(const char *stream, const char *extra)
{
    struct wv_error err;
    struct wv_cfg_catalog c;
    if (cfg_try(stream, extra, &c, &err) != 0)
        fail_msg("rejected %s: %s", extra, err.msg);
    wv_cfg_catalog_done(&c);
}

/* Expects rejection with msg. */
static void cfg_bad(const char *stream, const char *extra, const char *msg)
{
    struct wv_error err;
    struct wv_cfg_catalog c;
    assert_int_equal(cfg_try(stream, extra, &c, &err), -1);
    assert_string_equal(err.msg, msg);
    assert_int_equal(err.code, WV_E_CONFIG);
    assert_int_equal(c.n, 0);
}

/* Configured catalog validation: cursors, keys, supported modes, names. */
static void test_cfg_validation(void **state)
{
    (void)state;
    cfg_good(S_PLAIN, "\"sync_mode\":\"incremental\",\"destination_sync_mode\":\"append\","
                      "\"cursor_field\":[\"updated\"]");
    cfg_good(S_SRC, "\"sync_mode\":\"incremental\",\"destination_sync_mode\":\"append_dedup\"");
    cfg_good(S_PLAIN, "\"sync_mode\":\"incremental\",\"destination_sync_mode\":\"overwrite\","
                      "\"cursor_field\":\"updated\"");
    cfg_good(S_PLAIN, "\"sync_mode\":\"full_refresh\",\"destination_sync_mode\":"
                      "\"overwrite_dedup\",\"primary_key\":[[\"id\"]]");
    cfg_good(S_FR, "\"sync_mode\":\"full_refresh\",\"destination_sync_mode\":\"overwrite\"");
    cfg_good(S_FR, "\"sync_mode\":\"full_refresh\"");

    cfg_bad(S_PLAIN, "\"sync_mode\":\"incremental\",\"destination_sync_mode\":\"append\"",
            "cfg.json:3:13: stream 'u': sync_mode incremental needs a 'cursor_field' (the "
            "source defines no cursor)");
    cfg_bad(S_PLAIN, "\"sync_mode\":\"incremental\",\"cursor_field\":[]",
            "cfg.json:3:13: stream 'u': sync_mode incremental needs a 'cursor_field' (the "
            "source defines no cursor)");
    cfg_bad("{\"name\":\"u\",\"json_schema\":{},\"source_defined_cursor\":true}",
            "\"sync_mode\":\"incremental\"",
            "cfg.json:3:13: stream 'u': sync_mode incremental needs a 'cursor_field' (the "
            "source defines no cursor)");
    cfg_bad(S_PLAIN, "\"sync_mode\":\"full_refresh\",\"destination_sync_mode\":\"append_dedup\"",
            "cfg.json:3:52: stream 'u': destination_sync_mode append_dedup needs a "
            "'primary_key' (the source defines none)");
    cfg_bad(S_PLAIN, "\"destination_sync_mode\":\"overwrite_dedup\",\"primary_key\":[]",
            "cfg.json:3:25: stream 'u': destination_sync_mode overwrite_dedup needs a "
            "'primary_key' (the source defines none)");
    cfg_bad(S_FR, "\"sync_mode\":\"incremental\",\"cursor_field\":[\"x\"]",
            "cfg.json:3:13: stream 'u': sync_mode incremental is not in the stream's "
            "supported_sync_modes");
    cfg_bad(S_PLAIN, "\"sync_mode\":\"sometimes\"",
            "cfg.json:3:13: stream 'u': 'sync_mode' is not one of full_refresh, incremental");
    cfg_bad(S_PLAIN, "\"destination_sync_mode\":\"upsert\"",
            "cfg.json:3:25: stream 'u': 'destination_sync_mode' is not one of append, "
            "overwrite, append_dedup, overwrite_dedup");
    cfg_bad(S_PLAIN, "\"cursor_field\":[1]",
            "cfg.json:3:16: stream 'u': 'cursor_field' is not a path (array of strings)");
    cfg_bad(S_PLAIN, "\"generation_id\":1.5",
            "cfg.json:3:17: stream 'u': 'generation_id' is not an integer");
    cfg_bad("{\"name\":\"u\"}", "\"sync_mode\":\"full_refresh\"",
            "cfg.json:2:11: stream 'u': missing 'json_schema'");
}

/* Configured catalog structure errors, duplicates, fields, find and to_json round trip. */
static void test_cfg_catalog(void **state)
{
    (void)state;
    struct wv_error err;
    struct wv_cfg_catalog c, c2;
    struct wv_json *j = js("{\"streams\":[\n{\"sync_mode\":\"full_refresh\"}]}");
    wv_error_clear(&err);
    assert_int_equal(wv_cfg_catalog_parse(j, "cfg.json", &c, &err), -1);
    assert_string_equal(err.msg, "cfg.json:2:1: streams[0]: missing 'stream'");
    wv_json_free(j);

    j = js("{\"streams\":[\n{\"stream\":" S_PLAIN "},\n{\"stream\":" S_PLAIN "}]}");
    wv_error_clear(&err);
    assert_int_equal(wv_cfg_catalog_parse(j, "cfg.json", &c, &err), -1);
    assert_string_equal(err.msg, "cfg.json:3:1: stream 'u': stream listed twice");
    wv_json_free(j);

    j = js("{\"streams\":[{\"stream\":" S_SRC ",\"sync_mode\":\"incremental\","
           "\"destination_sync_mode\":\"append_dedup\",\"cursor_field\":[\"a\",\"b\"],"
           "\"primary_key\":[[\"k1\"],[\"k2\"]],\"generation_id\":3,\"minimum_generation_id\":1,"
           "\"sync_id\":99},"
           "{\"stream\":{\"name\":\"u\",\"namespace\":\"n2\",\"json_schema\":{}}}]}");
    wv_error_clear(&err);
    assert_int_equal(wv_cfg_catalog_parse(j, "cfg.json", &c, &err), 0);
    assert_int_equal(c.n, 2);
    const struct wv_cfg_stream *s = wv_cfg_catalog_find(&c, NULL, "u");
    assert_ptr_equal(s, &c.streams[0]);
    assert_int_equal(s->sync_mode, WV_SYNC_INCREMENTAL);
    assert_int_equal(s->dest_mode, WV_DEST_APPEND_DEDUP);
    assert_int_equal(s->cursor.n, 2);
    assert_string_equal(s->cursor.parts[1], "b");
    assert_int_equal(s->n_pk, 2);
    assert_string_equal(s->pk[1].parts[0], "k2");
    assert_true(s->generation_id == 3 && s->minimum_generation_id == 1 && s->sync_id == 99);
    const struct wv_cfg_stream *s2 = wv_cfg_catalog_find(&c, "n2", "u");
    assert_ptr_equal(s2, &c.streams[1]);
    assert_int_equal(s2->sync_mode, WV_SYNC_FULL_REFRESH); /* defaults from the spec */
    assert_int_equal(s2->dest_mode, WV_DEST_APPEND);
    assert_null(wv_cfg_catalog_find(&c, "n3", "u"));
    assert_null(wv_cfg_catalog_find(&c, NULL, "v"));

    struct wv_json *out = wv_cfg_catalog_to_json(&c);
    const struct wv_json *o0 = wv_json_at(wv_json_get(out, "streams"), 0);
    assert_string_equal(wv_json_get_str(o0, "destination_sync_mode"), "append_dedup");
    char *pk = wv_json_to_string(wv_json_get(o0, "primary_key"));
    assert_string_equal(pk, "[[\"k1\"],[\"k2\"]]");
    free(pk);
    assert_int_equal(wv_cfg_catalog_parse(out, "x", &c2, &err), 0);
    struct wv_json *out2 = wv_cfg_catalog_to_json(&c2);
    assert_true(wv_json_equal(out, out2));
    wv_json_free(out);
    wv_json_free(out2);
    wv_json_free(j);
    wv_cfg_catalog_done(&c);
    wv_cfg_catalog_done(&c2);
}

/* Mode names round trip. */
static void test_mode_names(void **state)
{
    (void)state;
    for (int i = 0; i <= WV_DEST_OVERWRITE_DEDUP; i++) {
        enum wv_dest_mode d;
        assert_int_equal(wv_dest_mode_parse(wv_dest_mode_name((enum wv_dest_mode)i), &d), 0);
        assert_int_equal((int)d, i);
    }
    enum wv_sync_mode sm;
    assert_int_equal(wv_sync_mode_parse("incremental", &sm), 0);
    assert_int_equal(sm, WV_SYNC_INCREMENTAL);
    assert_string_equal(wv_sync_mode_name(WV_SYNC_FULL_REFRESH), "full_refresh");
    assert_int_equal(wv_sync_mode_parse("Incremental", &sm), -1);
    enum wv_dest_mode dm;
    assert_int_equal(wv_dest_mode_parse("upsert", &dm), -1);
    assert_string_equal(wv_dest_mode_name(WV_DEST_OVERWRITE_DEDUP), "overwrite_dedup");
}

/* Paths from JSON, copy, to_json and get through nested objects. */
static void test_paths(void **state)
{
    (void)state;
    struct wv_json *rec = js("{\"id\":7,\"address\":{\"city\":\"Oslo\",\"geo\":{\"lat\":59.9}},"
                             "\"tags\":[\"a\"]}");
    struct wv_path p, q, one;
    struct wv_json *pj = js("[\"address\",\"geo\",\"lat\"]");
    assert_int_equal(wv_path_from_json(pj, &p), 0);
    assert_int_equal(p.n, 3);
    struct wv_json *v = wv_path_get(rec, &p);
    assert_non_null(v);
    assert_int_equal(v->type, WV_JSON_NUMBER);
    assert_ptr_equal(v, wv_json_get(wv_json_get(wv_json_get(rec, "address"), "geo"), "lat"));

    wv_path_copy(&q, &p);
    wv_path_done(&p);
    assert_int_equal(p.n, 0);
    assert_int_equal(q.n, 3);
    struct wv_json *back = wv_path_to_json(&q);
    assert_true(wv_json_equal(back, pj));
    wv_json_free(back);
    free(q.parts[2]);
    q.parts[2] = wv_strdup("lon");
    assert_null(wv_path_get(rec, &q));
    wv_path_done(&q);

    struct wv_json *sj = wv_json_str("id");
    assert_int_equal(wv_path_from_json(sj, &one), 0);
    assert_int_equal(one.n, 1);
    assert_ptr_equal(wv_path_get(rec, &one), wv_json_get(rec, "id"));
    one.parts[0][0] = 't'; /* "td": missing */
    assert_null(wv_path_get(rec, &one));
    wv_path_done(&one);

    struct wv_json *through = js("[\"tags\",\"x\"]"); /* through an array: not followed */
    assert_int_equal(wv_path_from_json(through, &p), 0);
    assert_null(wv_path_get(rec, &p));
    wv_path_done(&p);

    struct wv_json *empty = js("[]");
    assert_int_equal(wv_path_from_json(empty, &p), 0);
    assert_int_equal(p.n, 0);
    assert_null(wv_path_get(rec, &p));
    wv_path_done(&p);

    struct wv_json *badj = js("[\"a\",1]");
    assert_int_equal(wv_path_from_json(badj, &p), -1);
    assert_int_equal(p.n, 0);
    struct wv_json *num = js("3");
    assert_int_equal(wv_path_from_json(num, &p), -1);
    assert_int_equal(wv_path_from_json(NULL, &p), -1);

    wv_json_free(rec);
    wv_json_free(pj);
    wv_json_free(sj);
    wv_json_free(through);
    wv_json_free(empty);
    wv_json_free(badj);
    wv_json_free(num);
}

/* Checks that stream (ns, name) in the state text has stream_state `expect` (NULL: none). */
static void state_expect(const char *text, const char *ns, const char *name, const char *expect)
{
    struct wv_json *st = js(text);
    struct wv_json *v = wv_state_find_stream(st, ns, name);
    if (!expect) {
        assert_null(v);
    } else {
        assert_non_null(v);
        char *got = wv_json_to_string(v);
        assert_string_equal(got, expect);
        free(got);
    }
    wv_json_free(st);
}

/* State lookup in every form: STREAM array, GLOBAL, LEGACY in an array, bare legacy object. */
static void test_state_find(void **state)
{
    (void)state;
    const char *arr =
        "[{\"type\":\"STREAM\",\"stream\":{\"stream_descriptor\":{\"name\":\"users\"},"
        "\"stream_state\":{\"c\":1}}},"
        "{\"type\":\"STREAM\",\"stream\":{\"stream_descriptor\":{\"name\":\"users\","
        "\"namespace\":\"s2\"},\"stream_state\":{\"c\":2}}},"
        "{\"type\":\"STREAM\",\"stream\":{\"stream_descriptor\":{\"name\":\"bare\","
        "\"namespace\":null}}}]";
    state_expect(arr, NULL, "users", "{\"c\":1}");
    state_expect(arr, "s2", "users", "{\"c\":2}");
    state_expect(arr, "s3", "users", NULL);
    state_expect(arr, NULL, "orders", NULL);
    state_expect(arr, NULL, "bare", NULL);

    const char *glob =
        "[{\"type\":\"GLOBAL\",\"global\":{\"shared_state\":{\"lsn\":9},\"stream_states\":["
        "{\"stream_descriptor\":{\"name\":\"a\"},\"stream_state\":{\"x\":1}},"
        "{\"stream_descriptor\":{\"name\":\"b\",\"namespace\":\"n\"},\"stream_state\":{\"x\":2}}"
        "]}}]";
    state_expect(glob, NULL, "a", "{\"x\":1}");
    state_expect(glob, "n", "b", "{\"x\":2}");
    state_expect(glob, NULL, "b", NULL);

    const char *legacy_arr = "[{\"data\":{\"users\":{\"cursor\":\"2024\"}}}]";
    state_expect(legacy_arr, NULL, "users", "{\"cursor\":\"2024\"}");
    state_expect(legacy_arr, NULL, "orders", NULL);
    state_expect("[{\"type\":\"LEGACY\",\"data\":{\"users\":{\"c\":3}}}]", NULL, "users",
                 "{\"c\":3}");

    state_expect("{\"users\":{\"cursor\":\"2023\"},\"orders\":{\"id\":5}}", NULL, "orders",
                 "{\"id\":5}");
    state_expect("{\"users\":{\"cursor\":\"2023\"}}", NULL, "events", NULL);

    /* a single state message object, and whole AirbyteMessages in the array */
    state_expect("{\"type\":\"STREAM\",\"stream\":{\"stream_descriptor\":{\"name\":\"u\"},"
                 "\"stream_state\":{\"c\":4}}}",
                 NULL, "u", "{\"c\":4}");
    state_expect("[{\"type\":\"STATE\",\"state\":{\"type\":\"STREAM\",\"stream\":{"
                 "\"stream_descriptor\":{\"name\":\"u\"},\"stream_state\":{\"c\":5}}}}]",
                 NULL, "u", "{\"c\":5}");
    state_expect("[]", NULL, "u", NULL);
    state_expect("7", NULL, "u", NULL);
    assert_null(wv_state_find_stream(NULL, NULL, "u"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),      cmocka_unit_test(test_views),
        cmocka_unit_test(test_views_more),      cmocka_unit_test(test_constructors),
        cmocka_unit_test(test_constructors_more), cmocka_unit_test(test_errors),
        cmocka_unit_test(test_from_json),       cmocka_unit_test(test_json_errors),
        cmocka_unit_test(test_write_empty),     cmocka_unit_test(test_catalog),
        cmocka_unit_test(test_catalog_errors),  cmocka_unit_test(test_cfg_validation),
        cmocka_unit_test(test_cfg_catalog),     cmocka_unit_test(test_mode_names),
        cmocka_unit_test(test_paths),           cmocka_unit_test(test_state_find),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
