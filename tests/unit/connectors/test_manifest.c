/* test_manifest.c - declarative manifest loading and validation: $ref in both forms (nested,
 * list indexes, slash keys, cycles, missing targets), $parameters propagation, default types,
 * every validation error with its exact message and position, Custom* attribution, the
 * component table, and conn_manifest_validate. Data: tests/data/manifests/. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base/mem.h"
#include "connectors/connectors.h"
#include "connectors/manifest_int.h"

/* Path of a data file (caller frees). */
static char *data_path(const char *name)
{
    const char *dir = getenv("WEAVER_TEST_DATA");
    return wv_asprintf("%s/manifests/%s", dir ? dir : "tests/data", name);
}

/* Loads a data manifest, failing the test on error. */
static struct conn_manifest *load_ok(const char *name)
{
    char *path = data_path(name);
    struct wv_error err = {0};
    struct conn_manifest *m = conn_manifest_load(path, &err);
    if (!m)
        fail_msg("%s: %s", name, err.msg);
    free(path);
    return m;
}

/* Follows "a.b.0.c"-style steps (numbers index arrays) in a tree. */
static const struct wv_json *at(const struct wv_json *j, const char *steps)
{
    char *copy = wv_strdup(steps);
    char *save = copy;
    for (char *p = copy; j && p && *p;) {
        char *dot = strchr(p, '.');
        if (dot)
            *dot = '\0';
        int64_t i;
        j = j->type == WV_JSON_ARRAY && wv_parse_i64(p, &i) == 0 ? wv_json_at(j, (size_t)i)
                                                                 : wv_json_get(j, p);
        p = dot ? dot + 1 : NULL;
    }
    free(save);
    return j;
}

/* String at a path, or "" when absent. */
static const char *str_at(const struct conn_manifest *m, const char *steps)
{
    const struct wv_json *j = at(m->resolved, steps);
    return j && j->type == WV_JSON_STRING ? j->s : "";
}

/* ---- $ref ---- */

/* Map refs, string refs, refs to refs, sibling overrides, list indexes, slash keys. */
static void test_refs(void **state)
{
    (void)state;
    struct conn_manifest *m = load_ok("refs.yaml");
    assert_string_equal(m->version, "6.0.0");
    const char *rq = "streams.0.retriever.requester";
    char k[128];
    snprintf(k, sizeof k, "%s.url_base", rq);
    assert_string_equal(str_at(m, k), "https://api.example.com/v1");
    snprintf(k, sizeof k, "%s.path", rq);
    assert_string_equal(str_at(m, k), "/users"); /* "#/definitions/paths/0" */
    snprintf(k, sizeof k, "%s.authenticator.type", rq);
    assert_string_equal(str_at(m, k), "BearerAuthenticator"); /* string ref -> ref -> map */
    snprintf(k, sizeof k, "%s.authenticator.api_token", rq);
    assert_string_equal(str_at(m, k), "{{ config['token'] }}"); /* sibling overrides */
    snprintf(k, sizeof k, "%s.request_headers.X-Note", rq);
    assert_string_equal(str_at(m, k), "uh oh"); /* the whole "nested/path" key first */
    assert_string_equal(str_at(m, "streams.0.retriever.record_selector.extractor.field_path.0"),
                        "data");
    int64_t size = 0;
    assert_int_equal(
        wv_json_as_i64(at(m->resolved, "streams.0.retriever.paginator.pagination_strategy."
                                       "page_size"),
                       &size),
        0);
    assert_int_equal(size, 50);
    assert_null(wv_json_get(m->resolved, "definitions"));
    /* positions: a copied target keeps its own, a merged map the referencing one */
    const struct wv_json *url = at(m->resolved, "streams.0.retriever.requester.url_base");
    assert_int_equal(url->line, 7);
    assert_int_equal(url->col, 15);
    const struct wv_json *req = at(m->resolved, "streams.0.retriever.requester");
    assert_int_equal(req->line, 33);
    assert_int_equal(req->col, 9);
    struct wv_error err = {0};
    assert_int_equal(conn_manifest_check(m, &err), 0);
    conn_manifest_free(m);
    conn_manifest_free(NULL);
}

/* A $ref cycle names the chain and where it closes. */
static void test_ref_cycle(void **state)
{
    (void)state;
    char *path = data_path("cycle.yaml");
    struct wv_error err = {0};
    assert_null(conn_manifest_load(path, &err));
    assert_int_equal(err.code, WV_E_CONFIG);
    char *want = wv_asprintf(
        "%s:7:11: $ref cycle: #/definitions/a -> #/definitions/b -> #/definitions/a", path);
    assert_string_equal(err.msg, want);
    free(want);
    free(path);
}

/* A missing target is named with the position of the reference. */
static void test_ref_missing(void **state)
{
    (void)state;
    char *path = data_path("missing.yaml");
    struct wv_error err = {0};
    assert_null(conn_manifest_load(path, &err));
    assert_int_equal(err.code, WV_E_CONFIG);
    char *want = wv_asprintf("%s:7:18: $ref '#/definitions/nope' not found", path);
    assert_string_equal(err.msg, want);
    free(want);
    free(path);
}

/* Parses inline text as "manifest.yaml"; returns NULL with err set on failure. */
static struct conn_manifest *parse(const char *text, struct wv_error *err)
{
    wv_error_clear(err);
    return conn_manifest_parse(text, strlen(text), "manifest.yaml", err);
}

/* Refs to non-mappings drop the siblings (as the CDK); bad refs and self-refs fail. */
static void test_ref_edge_cases(void **state)
{
    (void)state;
    struct wv_error err;
    struct conn_manifest *m = parse("definitions:\n  s: hello\n  l: [1, 2]\n"
                                    "a:\n  $ref: \"#/definitions/s\"\n  extra: 1\n"
                                    "b: \"#/definitions/l/1\"\n",
                                    &err);
    assert_non_null(m);
    assert_string_equal(str_at(m, "a"), "hello");
    int64_t v = 0;
    assert_int_equal(wv_json_as_i64(at(m->resolved, "b"), &v), 0);
    assert_int_equal(v, 2);
    assert_string_equal(str_at(m, "type"), "DeclarativeSource"); /* the CDK's default */
    conn_manifest_free(m);

    assert_null(parse("a:\n  $ref: definitions/x\n", &err));
    assert_string_equal(err.msg,
                        "manifest.yaml:2:9: $ref 'definitions/x' is not a '#/...' reference");
    assert_null(parse("a: \"#/a\"\n", &err));
    assert_string_equal(err.msg, "manifest.yaml:1:4: $ref cycle: #/a -> #/a");
    assert_null(parse("- 1\n", &err));
    assert_string_equal(err.msg, "manifest.yaml:1:1: a manifest must be a mapping");
    assert_null(parse("a: [1\n", &err));
    assert_int_equal(err.code, WV_E_PARSE);
}

/* Refs that multiply past the node limit fail instead of eating memory. */
static void test_ref_expansion_limit(void **state)
{
    (void)state;
    struct wv_buf b;
    wv_buf_init(&b, 0);
    wv_buf_puts(&b, "definitions:\n  l0: [x, x, x, x]\n", NULL);
    for (int i = 1; i <= 10; i++)
        wv_buf_printf(&b, NULL,
                      "  l%d: [\"#/definitions/l%d\", \"#/definitions/l%d\", "
                      "\"#/definitions/l%d\", \"#/definitions/l%d\"]\n",
                      i, i - 1, i - 1, i - 1, i - 1);
    wv_buf_puts(&b, "top: \"#/definitions/l10\"\n", NULL);
    struct wv_error err = {0};
    assert_null(conn_manifest_parse(b.data, b.len, "big.yaml", &err));
    assert_int_equal(err.code, WV_E_LIMIT);
    assert_non_null(strstr(err.msg, "manifest expands past the node limit"));
    wv_buf_done(&b);
}

/* ---- $parameters and default types ---- */

/* Parameters reach children, children override, values fill empty fields. */
static void test_parameters(void **state)
{
    (void)state;
    struct conn_manifest *m = load_ok("params.yaml");
    assert_string_equal(str_at(m, "streams.0.name"), "users");
    assert_string_equal(str_at(m, "streams.0.primary_key"), "id");
    assert_string_equal(str_at(m, "streams.0.$parameters.resource"), "users");
    assert_string_equal(str_at(m, "streams.0.retriever.$parameters.field_path"), "items");
    /* the requester's own value wins over the stream's */
    assert_string_equal(str_at(m, "streams.0.retriever.requester.$parameters.resource"), "members");
    assert_string_equal(str_at(m, "streams.0.retriever.requester.$parameters.name"), "users");
    assert_string_equal(str_at(m, "streams.0.retriever.requester.name"), "users");
    /* an existing field is not overwritten; the template stays for the interpolator */
    assert_string_equal(str_at(m, "streams.0.retriever.requester.path"),
                        "/{{ parameters['resource'] }}");
    assert_string_equal(str_at(m, "streams.0.retriever.record_selector.extractor.field_path.0"),
                        "{{ parameters['field_path'] }}");
    assert_string_equal(
        str_at(m, "streams.0.retriever.record_selector.extractor.$parameters.field_path"), "items");
    /* JSON schemas are not components: no parameters copied in */
    assert_null(at(m->resolved, "streams.0.schema_loader.schema.name"));
    assert_string_equal(str_at(m, "streams.0.schema_loader.name"), "users");
    /* the top level has no parameters: check gets a type but none */
    assert_string_equal(str_at(m, "check.type"), "CheckStream");
    assert_null(at(m->resolved, "check.$parameters"));
    struct wv_error err = {0};
    assert_int_equal(conn_manifest_check(m, &err), 0); /* copied names are not "unknown" */
    conn_manifest_free(m);
}

/* Untyped components get the CDK's default type for their place. */
static void test_default_types(void **state)
{
    (void)state;
    struct conn_manifest *m = load_ok("defaults.yaml");
    static const char *const want[][2] = {
        {"type", "DeclarativeSource"},
        {"check.type", "CheckStream"},
        {"spec.type", "Spec"},
        {"streams.0.type", "DeclarativeStream"},
        {"streams.0.retriever.type", "SimpleRetriever"},
        {"streams.0.retriever.requester.type", "HttpRequester"},
        {"streams.0.retriever.requester.error_handler.type", "DefaultErrorHandler"},
        {"streams.0.retriever.requester.error_handler.response_filters.0.type",
         "HttpResponseFilter"},
        {"streams.0.retriever.record_selector.type", "RecordSelector"},
        {"streams.0.retriever.record_selector.extractor.type", "DpathExtractor"},
        {"streams.0.retriever.paginator.type", "NoPagination"},
        {"streams.0.incremental_sync.start_datetime.type", "MinMaxDatetime"},
        {"streams.0.incremental_sync.start_time_option.type", "RequestOption"},
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
        if (strcmp(str_at(m, want[i][0]), want[i][1]) != 0)
            fail_msg("%s: '%s', want '%s'", want[i][0], str_at(m, want[i][0]), want[i][1]);
    /* the connection specification is a JSON schema: left alone */
    assert_string_equal(str_at(m, "spec.connection_specification.type"), "object");
    struct wv_error err = {0};
    assert_int_equal(conn_manifest_check(m, &err), 0);
    conn_manifest_free(m);
}

/* ---- validation ---- */

static const char base_manifest[] = "version: 6.0.0\n"                   /* 1 */
                                    "type: DeclarativeSource\n"          /* 2 */
                                    "check:\n"                           /* 3 */
                                    "  type: CheckStream\n"              /* 4 */
                                    "  stream_names: [users]\n"          /* 5 */
                                    "streams:\n"                         /* 6 */
                                    "  - type: DeclarativeStream\n"      /* 7 */
                                    "    name: users\n"                  /* 8 */
                                    "    retriever:\n"                   /* 9 */
                                    "      type: SimpleRetriever\n"      /* 10 */
                                    "      requester:\n"                 /* 11 */
                                    "        type: HttpRequester\n"      /* 12 */
                                    "        url_base: https://x.test\n" /* 13 */
                                    "        path: /users\n"             /* 14 */
                                    "      record_selector:\n"           /* 15 */
                                    "        type: RecordSelector\n"     /* 16 */
                                    "        extractor:\n"               /* 17 */
                                    "          type: DpathExtractor\n"   /* 18 */
                                    "          field_path: [data]\n"     /* 19 */
                                    "      paginator:\n"                 /* 20 */
                                    "        type: DefaultPaginator\n"   /* 21 */
                                    "        pagination_strategy:\n"     /* 22 */
                                    "          type: PageIncrement\n"    /* 23 */
                                    "          page_size: 10\n";         /* 24 */

/* base_manifest with the first `from` replaced by `to` (caller frees). */
static char *variant(const char *from, const char *to)
{
    const char *p = strstr(base_manifest, from);
    assert_non_null(p);
    return wv_asprintf("%.*s%s%s", (int)(p - base_manifest), base_manifest, to, p + strlen(from));
}

/* Checks a variant: exact message (or prefix when `prefix`) and code. */
static void check_variant(const char *from, const char *to, enum wv_code code, const char *msg,
                          bool prefix)
{
    char *text = variant(from, to);
    struct wv_error err;
    struct conn_manifest *m = parse(text, &err);
    if (!m)
        fail_msg("load failed: %s", err.msg);
    int rc = conn_manifest_check(m, &err);
    if (msg) {
        assert_int_equal(rc, -1);
        assert_int_equal(err.code, code);
        if (prefix ? strncmp(err.msg, msg, strlen(msg)) != 0 : strcmp(err.msg, msg) != 0)
            fail_msg("got '%s'\nwant '%s'", err.msg, msg);
    } else if (rc != 0) {
        fail_msg("unexpected: %s", err.msg);
    }
    conn_manifest_free(m);
    free(text);
}

/* The base manifest is valid; every error kind has its exact message and position. */
static void test_check_errors(void **state)
{
    (void)state;
    check_variant("", "", WV_E_OK, NULL, false);
    check_variant("page_size: 10\n", "page_size: 10\n        page_sise: 10\n", WV_E_CONFIG,
                  "manifest.yaml:25:20: streams[0].retriever.paginator: unknown field 'page_sise'",
                  false);
    check_variant("check:\n", "foo: 1\ncheck:\n", WV_E_CONFIG,
                  "manifest.yaml:3:6: unknown field 'foo'", false);
    check_variant("type: PageIncrement", "type: PageIncrementt", WV_E_CONFIG,
                  "manifest.yaml:23:17: streams[0].retriever.paginator.pagination_strategy: "
                  "unknown component type 'PageIncrementt'",
                  false);
    check_variant("          field_path: [data]\n", "          decoder: {type: JsonDecoder}\n",
                  WV_E_CONFIG,
                  "manifest.yaml:18:11: streams[0].retriever.record_selector.extractor: missing "
                  "required field 'field_path'",
                  false);
    check_variant("path: /users\n", "path: /users\n        use_cache: [1]\n", WV_E_CONFIG,
                  "manifest.yaml:15:20: streams[0].retriever.requester: field 'use_cache': "
                  "expected a boolean, got an array",
                  false);
    check_variant("page_size: 10", "page_size: 1.5", WV_E_CONFIG,
                  "manifest.yaml:24:22: streams[0].retriever.paginator.pagination_strategy: "
                  "field 'page_size': expected an integer, got a number",
                  false);
    check_variant("type: DefaultPaginator", "type: RecordFilter", WV_E_CONFIG,
                  "manifest.yaml:21:15: streams[0].retriever.paginator: component type "
                  "'RecordFilter' not allowed here (expected NoPagination, DefaultPaginator)",
                  false);
    check_variant("path: /users\n", "path: /users\n        authenticator: {api_token: x}\n",
                  WV_E_CONFIG,
                  "manifest.yaml:15:24: streams[0].retriever.requester.authenticator: component "
                  "without a type (expected ApiKeyAuthenticator, BasicHttpAuthenticator",
                  true);
    check_variant("path: /users\n", "path: /users\n        error_handler: 5\n", WV_E_CONFIG,
                  "manifest.yaml:15:24: streams[0].retriever.requester: field 'error_handler': "
                  "expected a component (DefaultErrorHandler, CompositeErrorHandler, "
                  "CustomErrorHandler), got a number",
                  false);
}

/* Custom components need Python and win over other problems; the CDK's leniencies hold. */
static void test_check_python_and_leniency(void **state)
{
    (void)state;
    check_variant("          type: DpathExtractor\n          field_path: [data]\n",
                  "          type: CustomRecordExtractor\n          class_name: x.Foo\n",
                  WV_E_NOTFOUND,
                  "manifest.yaml:18:11: streams[0].retriever.record_selector.extractor: "
                  "CustomRecordExtractor needs Python (class_name x.Foo)",
                  false);
    /* ignored like the CDK: a misplaced real field, a leftover far from any field name */
    check_variant("    name: users\n", "    name: users\n    selector: old\n", WV_E_OK, NULL,
                  false);
    check_variant("path: /users\n", "path: /users\n        name: users\n", WV_E_OK, NULL, false);
    check_variant("check:\n",
                  "spec:\n  documentationUrl: https://d.test\n"
                  "  connection_specification: {}\ncheck:\n",
                  WV_E_OK, NULL, false);
    /* a component inside a mapping of components is walked (SelectiveAuthenticator) */
    check_variant("path: /users\n",
                  "path: /users\n        authenticator:\n          type: SelectiveAuthenticator\n"
                  "          authenticator_selection_path: [auth]\n          authenticators:\n"
                  "            a: {type: CustomAuthenticator, class_name: x.A}\n",
                  WV_E_NOTFOUND,
                  "manifest.yaml:19:16: streams[0].retriever.requester.authenticator."
                  "authenticators.a: CustomAuthenticator needs Python (class_name x.A)",
                  false);

    struct wv_error err;
    assert_null(parse("streams:\n  - type: DeclarativeStream\n    $parameters: [1]\n", &err));
    assert_string_equal(err.msg, "manifest.yaml:3:18: $parameters must be a mapping");
}

/* The class_name form is typed as the CDK's Custom* for its place; the file API agrees. */
static void test_validate_custom_file(void **state)
{
    (void)state;
    char *path = data_path("custom.yaml");
    struct wv_error err = {0};
    assert_int_equal(conn_manifest_validate(path, &err), -1);
    assert_int_equal(err.code, WV_E_NOTFOUND);
    char *want = wv_asprintf("%s:19:11: streams[0].retriever.record_selector.extractor: "
                             "CustomRecordExtractor needs Python (class_name "
                             "source_x.components.Foo)",
                             path);
    assert_string_equal(err.msg, want);
    free(want);
    free(path);

    path = data_path("refs.yaml");
    wv_error_clear(&err);
    assert_int_equal(conn_manifest_validate(path, &err), 0);
    free(path);
    wv_error_clear(&err);
    assert_int_equal(conn_manifest_validate("/nonexistent/m.yaml", &err), -1);
    assert_int_not_equal(err.code, WV_E_OK);
}

/* ---- table and paths ---- */

/* The table finds every type (binary search over a sorted table) with the schema's flags. */
static void test_component_table(void **state)
{
    (void)state;
    static const char *const names[] = {"AddFields",
                                        "AddedFieldDefinition",
                                        "ApiKeyAuthenticator",
                                        "CheckStream",
                                        "CursorPagination",
                                        "DatetimeBasedCursor",
                                        "DeclarativeSource",
                                        "DeclarativeStream",
                                        "DpathExtractor",
                                        "HttpRequester",
                                        "MinMaxDatetime",
                                        "OAuthAuthenticator",
                                        "RecordSelector",
                                        "SimpleRetriever",
                                        "Spec",
                                        "SubstreamPartitionRouter",
                                        "TypesMap",
                                        "WaitUntilTimeFromHeader",
                                        "ZipfileDecoder",
                                        "ApiKey",
                                        "Bearer"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        const struct conn_component_def *d = conn_component_find(names[i]);
        if (!d)
            fail_msg("%s missing", names[i]);
        assert_string_equal(d->type, names[i]);
        assert_false(d->needs_python);
    }
    assert_null(conn_component_find("Foo"));
    assert_null(conn_component_find(NULL));
    assert_null(conn_component_find(""));
    const struct conn_component_def *c = conn_component_find("CustomRecordExtractor");
    assert_non_null(c);
    assert_true(c->needs_python);
    const struct conn_component_def *r = conn_component_find("SimpleRetriever");
    bool saw_requester = false;
    for (const struct conn_field_def *f = r->fields; f->name; f++) {
        if (strcmp(f->name, "requester") == 0) {
            saw_requester = true;
            assert_true(f->required);
            assert_int_equal(f->kind, CONN_FK_COMPONENT);
            assert_int_equal(strncmp(f->types, "HttpRequester ", 14), 0); /* default first */
        }
        if (strcmp(f->name, "paginator") == 0)
            assert_int_equal(strncmp(f->types, "NoPagination ", 13), 0);
    }
    assert_true(saw_requester);
}

/* Paths name list indexes and keys; the root and unknown nodes give "". */
static void test_path_of(void **state)
{
    (void)state;
    struct conn_manifest *m = load_ok("refs.yaml");
    char buf[128];
    const struct wv_json *pg = at(m->resolved, "streams.0.retriever.paginator");
    assert_string_equal(conn_manifest_path_of(m, pg, buf, sizeof buf),
                        "streams[0].retriever.paginator");
    assert_string_equal(conn_manifest_path_of(m, m->resolved, buf, sizeof buf), "");
    struct wv_json *other = wv_json_null();
    assert_string_equal(conn_manifest_path_of(m, other, buf, sizeof buf), "");
    wv_json_free(other);
    char small[8];
    assert_string_equal(conn_manifest_path_of(m, pg, small, sizeof small), "streams");
    conn_manifest_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_refs),
        cmocka_unit_test(test_ref_cycle),
        cmocka_unit_test(test_ref_missing),
        cmocka_unit_test(test_ref_edge_cases),
        cmocka_unit_test(test_ref_expansion_limit),
        cmocka_unit_test(test_parameters),
        cmocka_unit_test(test_default_types),
        cmocka_unit_test(test_check_errors),
        cmocka_unit_test(test_check_python_and_leniency),
        cmocka_unit_test(test_validate_custom_file),
        cmocka_unit_test(test_component_table),
        cmocka_unit_test(test_path_of),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
