/* test_decl_router.c - partition routers (decl_router.c) without a network: ListPartitionRouter
 * values from a list or interpolated config, partition shapes and request_option injection;
 * SubstreamPartitionRouter build checks and injection of a given partition (its partitions come
 * from reading the parent over HTTP, which the integration tests cover). */
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

/* A parsed JSON value (caller frees). */
static struct wv_json *js(const char *text)
{
    return wv_test_json(text, "t.json");
}

/* Builds a router from YAML (asserts success). */
static struct decl_router *build(const char *yaml)
{
    struct wv_error err = {0};
    struct wv_json *node = wv_yaml_parse(yaml, strlen(yaml), "t.yaml", &err);
    assert_non_null(node);
    struct decl_router *r = conn_decl_router_build(node, "t.yaml", &err);
    if (!r)
        print_error("%s\n", err.msg);
    assert_non_null(r);
    wv_json_free(node);
    return r;
}

/* Building yaml fails with a message containing want. */
static void build_fails(const char *yaml, const char *want)
{
    struct wv_error err = {0};
    struct wv_json *node = wv_yaml_parse(yaml, strlen(yaml), "t.yaml", &err);
    assert_non_null(node);
    assert_null(conn_decl_router_build(node, "t.yaml", &err));
    assert_int_not_equal(err.code, WV_E_OK);
    if (!strstr(err.msg, want))
        print_error("message: %s\n", err.msg);
    assert_non_null(strstr(err.msg, want));
    wv_json_free(node);
}

/* The partitions of r with config (JSON text), serialized (caller frees). */
static char *partitions(const struct decl_router *r, const char *config)
{
    struct wv_json *cfg = js(config ? config : "{}");
    struct decl_run run = {.config = cfg, .clock = wv_clock_system()};
    struct wv_error err = {0};
    struct wv_json *parts = NULL;
    int rc = conn_decl_router_partitions(r, &run, &parts, &err);
    if (rc < 0)
        print_error("%s\n", err.msg);
    assert_int_equal(rc, 0);
    char *s = wv_json_to_string(parts);
    wv_json_free(parts);
    wv_json_free(cfg);
    return s;
}

/* Injects slice (JSON text) with r into a fresh request; returns params, headers, body_json
 * serialized and joined with " | " ("-" for none). Caller frees. */
static char *inject(const struct decl_router *r, const char *slice, const char *config)
{
    struct wv_json *cfg = js(config ? config : "{}"), *sl = js(slice);
    struct decl_run run = {.config = cfg, .clock = wv_clock_system()};
    struct decl_vars vars = {.config = cfg, .stream_slice = sl};
    struct decl_req req;
    conn_decl_req_init(&req);
    struct wv_error err = {0};
    int rc = conn_decl_router_inject(r, sl, &vars, &run, &req, &err);
    if (rc < 0)
        print_error("%s\n", err.msg);
    assert_int_equal(rc, 0);
    char *p = req.params ? wv_json_to_string(req.params) : wv_strdup("-");
    char *h = req.headers ? wv_json_to_string(req.headers) : wv_strdup("-");
    char *b = req.body_json ? wv_json_to_string(req.body_json) : wv_strdup("-");
    char *out = wv_asprintf("%s | %s | %s", p, h, b);
    free(p);
    free(h);
    free(b);
    conn_decl_req_done(&req);
    wv_json_free(sl);
    wv_json_free(cfg);
    return out;
}

/* Literal values become one partition each, keyed by cursor_field. */
static void test_list_values(void **state)
{
    (void)state;
    struct decl_router *r = build("type: ListPartitionRouter\n"
                                  "cursor_field: section\n"
                                  "values: [\"news\", \"sport\", 3]\n");
    assert_false(conn_decl_router_substream(r));
    char *s = partitions(r, NULL);
    assert_string_equal(s, "[{\"section\":\"news\"},{\"section\":\"sport\"},{\"section\":3}]");
    free(s);
    /* No request_option: nothing injected. */
    s = inject(r, "{\"section\": \"news\"}", NULL);
    assert_string_equal(s, "- | - | -");
    free(s);
    conn_decl_router_free(r);
}

/* Values from an interpolated config list; an interpolated cursor_field. */
static void test_list_from_config(void **state)
{
    (void)state;
    struct decl_router *r = build("type: ListPartitionRouter\n"
                                  "cursor_field: \"{{ config['key'] }}\"\n"
                                  "values: \"{{ config['accounts'] }}\"\n");
    char *s = partitions(r, "{\"key\": \"account_id\", \"accounts\": [\"a1\", \"b2\"]}");
    assert_string_equal(s, "[{\"account_id\":\"a1\"},{\"account_id\":\"b2\"}]");
    free(s);
    s = partitions(r, "{\"key\": \"account_id\", \"accounts\": []}");
    assert_string_equal(s, "[]");
    free(s);
    conn_decl_router_free(r);
    /* A list expression in the template. */
    r = build("type: ListPartitionRouter\n"
              "cursor_field: region\n"
              "values: \"{{ config['regions'].split(',') }}\"\n");
    s = partitions(r, "{\"regions\": \"eu,us,ap\"}");
    assert_string_equal(s, "[{\"region\":\"eu\"},{\"region\":\"us\"},{\"region\":\"ap\"}]");
    free(s);
    conn_decl_router_free(r);
}

/* request_option into a query parameter, a header and a body_json path. */
static void test_list_inject(void **state)
{
    (void)state;
    struct decl_router *r = build("type: ListPartitionRouter\n"
                                  "cursor_field: section\n"
                                  "values: [\"news\"]\n"
                                  "request_option:\n"
                                  "  type: RequestOption\n"
                                  "  inject_into: request_parameter\n"
                                  "  field_name: \"{{ config['param'] }}\"\n");
    char *s = inject(r, "{\"section\": \"news\"}", "{\"param\": \"sec\"}");
    assert_string_equal(s, "{\"sec\":\"news\"} | - | -");
    free(s);
    /* A slice without the field injects nothing. */
    s = inject(r, "{\"other\": 1}", "{\"param\": \"sec\"}");
    assert_string_equal(s, "- | - | -");
    free(s);
    conn_decl_router_free(r);

    r = build("type: ListPartitionRouter\n"
              "cursor_field: n\n"
              "values: [1, 2]\n"
              "request_option:\n"
              "  inject_into: header\n"
              "  field_name: X-Shard\n");
    s = inject(r, "{\"n\": 2}", NULL);
    assert_string_equal(s, "- | {\"X-Shard\":\"2\"} | -");
    free(s);
    conn_decl_router_free(r);

    r = build("type: ListPartitionRouter\n"
              "cursor_field: n\n"
              "values: [1, 2]\n"
              "request_option:\n"
              "  inject_into: body_json\n"
              "  field_path: [filter, shard]\n");
    s = inject(r, "{\"n\": 2}", NULL);
    assert_string_equal(s, "- | - | {\"filter\":{\"shard\":2}}");
    free(s);
    conn_decl_router_free(r);
}

/* Bad routers: an unknown type, a bad inject_into, a parent config without parent_key. */
static void test_build_errors(void **state)
{
    (void)state;
    build_fails("type: CustomPartitionRouter\nclass_name: a.B\n", "t.yaml:1:");
    build_fails("type: ListPartitionRouter\n"
                "cursor_field: s\n"
                "values: [1]\n"
                "request_option:\n"
                "  inject_into: cookie\n"
                "  field_name: s\n",
                "bad inject_into 'cookie'");
    build_fails("type: SubstreamPartitionRouter\n"
                "parent_stream_configs:\n"
                "  - type: ParentStreamConfig\n"
                "    partition_field: pid\n"
                "    stream:\n"
                "      type: DeclarativeStream\n"
                "      name: parents\n",
                "ParentStreamConfig needs stream, parent_key and partition_field");
}

/* A parent stream that needs HTTP to read (its partitions are integration-tested). */
#define PARENT                                                                                     \
    "      type: DeclarativeStream\n"                                                              \
    "      name: projects\n"                                                                       \
    "      primary_key: id\n"                                                                      \
    "      schema_loader:\n"                                                                       \
    "        type: InlineSchemaLoader\n"                                                           \
    "        schema: {type: object}\n"                                                             \
    "      retriever:\n"                                                                           \
    "        type: SimpleRetriever\n"                                                              \
    "        requester:\n"                                                                         \
    "          type: HttpRequester\n"                                                              \
    "          url_base: http://127.0.0.1:9/\n"                                                    \
    "          path: projects\n"                                                                   \
    "        record_selector:\n"                                                                  \
    "          type: RecordSelector\n"                                                             \
    "          extractor:\n"                                                                       \
    "            type: DpathExtractor\n"                                                           \
    "            field_path: []\n"

/* SubstreamPartitionRouter: built without reading; injects the partition_field of a given
 * partition (the shape {partition_field: value, parent_slice: {...}}). */
static void test_substream_inject(void **state)
{
    (void)state;
    struct decl_router *r = build("type: SubstreamPartitionRouter\n"
                                  "parent_stream_configs:\n"
                                  "  - type: ParentStreamConfig\n"
                                  "    parent_key: id\n"
                                  "    partition_field: project_id\n"
                                  "    request_option:\n"
                                  "      type: RequestOption\n"
                                  "      inject_into: request_parameter\n"
                                  "      field_name: project\n"
                                  "    stream:\n" PARENT);
    assert_true(conn_decl_router_substream(r));
    char *s = inject(r, "{\"project_id\": 42, \"parent_slice\": {}}", NULL);
    assert_string_equal(s, "{\"project\":\"42\"} | - | -");
    free(s);
    conn_decl_router_free(r);
    /* Without request_option nothing is injected. */
    r = build("type: SubstreamPartitionRouter\n"
              "parent_stream_configs:\n"
              "  - type: ParentStreamConfig\n"
              "    parent_key: id\n"
              "    partition_field: project_id\n"
              "    stream:\n" PARENT);
    s = inject(r, "{\"project_id\": 42, \"parent_slice\": {}}", NULL);
    assert_string_equal(s, "- | - | -");
    free(s);
    conn_decl_router_free(r);
}

/* An empty parent_stream_configs list yields no partitions without any request. */
static void test_substream_no_parents(void **state)
{
    (void)state;
    struct decl_router *r = build("type: SubstreamPartitionRouter\n"
                                  "parent_stream_configs: []\n");
    char *s = partitions(r, NULL);
    assert_string_equal(s, "[]");
    free(s);
    conn_decl_router_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_list_values),      cmocka_unit_test(test_list_from_config),
        cmocka_unit_test(test_list_inject),      cmocka_unit_test(test_build_errors),
        cmocka_unit_test(test_substream_inject), cmocka_unit_test(test_substream_no_parents),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
