/* test_decl_dynamic.c - dynamic_streams (Http/Parametrized/ConfigComponentsResolver,
 * CheckDynamicStream), StateDelegatingStream (as a stream and as a parent),
 * LegacySessionTokenAuthenticator and templates that fail to compile only when evaluated,
 * against the fixture server. */
#include "test_decl_common.h"

/* The first logged request to a path (owned copy), or NULL. */
static struct wv_json *first_request(const char *path)
{
    char *p = wv_asprintf("/_requests?path=%s", path);
    struct wv_json *j = fx_call("GET", p, NULL);
    const struct wv_json *reqs = wv_json_get(j, "requests");
    struct wv_json *out = reqs && reqs->len ? wv_json_dup(reqs->items[0]) : NULL;
    wv_json_free(j);
    free(p);
    return out;
}

/* The fixture's tasks of project pid, each with project_name set to pname (NULL: as is). */
static struct wv_json *project_tasks(int pid, const char *pname)
{
    char *p = wv_asprintf("/projects/%d/tasks", pid);
    struct wv_json *j = fx_call("GET", p, NULL);
    struct wv_json *d = wv_json_take(j, "data");
    wv_json_free(j);
    free(p);
    assert_non_null(d);
    for (size_t i = 0; pname && i < d->len; i++)
        wv_json_set(d->items[i], "project_name", wv_json_str(pname));
    return d;
}

/* Reads a stream and asserts success. */
static void read_ok(const char *manifest, const char *stream, const char *mode, const char *config,
                    const char *state, struct fx_out *out)
{
    struct wv_error err = {0};
    int rc = fx_read(manifest, stream, mode, config, state, out, &err);
    if (rc < 0)
        print_error("%s\n", err.msg);
    assert_int_equal(rc, 0);
}

/* ---- LegacySessionTokenAuthenticator ---- */

/* No session token: logs in with username and password, never validates. */
static void test_legacy_login(void **state)
{
    (void)state;
    fx_reset();
    struct fx_out out;
    read_ok("legacy_session.yaml", "items", "full_refresh",
            "{\"username\": \"test-user\", \"password\": \"test-pass\"}", NULL, &out);
    struct wv_json *want = fx_items(NULL);
    fx_assert_json(out.records, want);
    wv_json_free(want);
    assert_int_equal(fx_requests("/session/login"), 1);
    assert_int_equal(fx_requests("/session/current"), 0);
    struct wv_json *login = first_request("/session/login");
    assert_string_equal(wv_json_get_str(login, "method"), "POST");
    wv_json_free(login);
    fx_out_done(&out);
}

/* A live session token from the config is validated once and used as is. */
static void test_legacy_valid_token(void **state)
{
    (void)state;
    fx_reset();
    struct wv_json *s = fx_call("POST", "/session/login",
                                "{\"username\": \"test-user\", \"password\": \"test-pass\"}");
    char *cfg = wv_asprintf("{\"session_token\": \"%s\"}", wv_json_get_str(s, "token"));
    struct fx_out out;
    read_ok("legacy_session.yaml", "items", "full_refresh", cfg, NULL, &out);
    struct wv_json *want = fx_items(NULL);
    fx_assert_json(out.records, want);
    wv_json_free(want);
    assert_int_equal(fx_requests("/session/current"), 1);
    assert_int_equal(fx_requests("/session/login"), 1); /* only the test's own */
    struct wv_json *items = first_request("/auth/session/items");
    assert_string_equal(wv_json_get_str(wv_json_get(items, "headers"), "x-session-token"),
                        wv_json_get_str(s, "token"));
    wv_json_free(items);
    fx_out_done(&out);
    free(cfg);
    wv_json_free(s);
}

/* A rejected session token falls back to a login; without credentials the read fails. */
static void test_legacy_invalid_token(void **state)
{
    (void)state;
    fx_reset();
    struct fx_out out;
    read_ok("legacy_session.yaml", "items", "full_refresh",
            "{\"session_token\": \"bogus\", \"username\": \"test-user\", "
            "\"password\": \"test-pass\"}",
            NULL, &out);
    struct wv_json *want = fx_items(NULL);
    fx_assert_json(out.records, want);
    wv_json_free(want);
    assert_int_equal(fx_requests("/session/current"), 1);
    assert_int_equal(fx_requests("/session/login"), 1);
    fx_out_done(&out);

    struct wv_error err = {0};
    assert_int_equal(fx_read("legacy_session.yaml", "items", "full_refresh",
                             "{\"session_token\": \"bogus\"}", NULL, &out, &err),
                     -1);
    assert_non_null(strstr(err.msg, "Invalid credentials"));
    assert_int_equal(out.records->len, 0);
    fx_out_done(&out);
}

/* ---- lazily compiled templates ---- */

/* The broken template is harmless until the selected authenticator evaluates it. */
static void test_lazy_template(void **state)
{
    (void)state;
    fx_reset();
    char *path = wv_asprintf("%s/decl/lazy_template.yaml", getenv("WEAVER_TEST_DATA"));
    struct wv_error err = {0};
    assert_int_equal(conn_manifest_validate(path, &err), 0);
    free(path);
    struct fx_out out;
    read_ok("lazy_template.yaml", "items", "full_refresh",
            "{\"token\": \"test-bearer-token\", \"credentials\": {\"kind\": \"bearer\"}}", NULL,
            &out);
    struct wv_json *want = fx_items(NULL);
    fx_assert_json(out.records, want);
    wv_json_free(want);
    fx_out_done(&out);
    size_t sent = fx_requests("/auth/bearer/items");
    assert_true(sent > 0);

    wv_error_clear(&err);
    assert_int_equal(fx_read("lazy_template.yaml", "items", "full_refresh",
                             "{\"token\": \"test-bearer-token\", \"credentials\": "
                             "{\"kind\": \"broken\"}}",
                             NULL, &out, &err),
                     -1);
    assert_non_null(strstr(err.msg, "lazy_template.yaml:27:26: template '{{ config['token']) }}'"));
    assert_int_equal(out.records->len, 0);
    assert_int_equal(fx_requests("/auth/bearer/items"), sent); /* the first read only */
    fx_out_done(&out);
}

/* ---- dynamic streams ---- */

#define DYN_CFG "{\"projects\": [{\"name\": \"alpha\", \"id\": 4}]}"

/* Discover lists the generated streams of every resolver, in order. */
static void test_dynamic_discover(void **state)
{
    (void)state;
    fx_reset();
    struct wv_error err = {0};
    struct conn_source *src = fx_open("dynamic.yaml", &err);
    assert_non_null(src);
    struct wv_json *cfg = wv_json_parse(DYN_CFG, strlen(DYN_CFG), "config", &err);
    struct wv_json *cat = NULL;
    assert_int_equal(conn_source_discover(src, cfg, &cat, &err), 0);
    struct wv_json *names = wv_json_array();
    const struct wv_json *streams = wv_json_get(cat, "streams");
    for (size_t i = 0; i < streams->len; i++)
        wv_json_push(names, wv_json_str(wv_json_get_str(streams->items[i], "name")));
    fx_assert_text(names, "[\"tasks_1_t\", \"tasks_2_t\", \"tasks_3_t\", \"tasks_4_t\", "
                          "\"tasks_5_t\", \"param_first\", \"param_second\", \"cfg_alpha\"]");
    assert_int_equal(fx_requests("/projects"), 3); /* page_size 2: five projects */
    wv_json_free(names);
    wv_json_free(cat);
    wv_json_free(cfg);
    conn_source_free(src);
}

/* A generated stream reads what its mappings say: path, AddFields value, created parameter. */
static void test_dynamic_read(void **state)
{
    (void)state;
    fx_reset();
    struct fx_out out;
    read_ok("dynamic.yaml", "tasks_2_t", "full_refresh", DYN_CFG, NULL, &out);
    struct wv_json *want = project_tasks(2, "project-2");
    fx_assert_json(out.records, want);
    wv_json_free(want);
    fx_out_done(&out);
    struct wv_json *req = first_request("/projects/2/tasks");
    struct wv_json *projects = fx_call("GET", "/projects?page_size=10", NULL);
    const char *owner = wv_json_get_str(wv_json_at(wv_json_get(projects, "data"), 1), "owner");
    assert_non_null(owner);
    assert_string_equal(wv_json_get_str(wv_json_get(req, "query"), "owner"), owner);
    assert_null(wv_json_get(wv_json_get(req, "query"), "absent"));
    wv_json_free(projects);
    wv_json_free(req);

    read_ok("dynamic.yaml", "param_second", "full_refresh", DYN_CFG, NULL, &out);
    want = project_tasks(2, "template");
    fx_assert_json(out.records, want);
    wv_json_free(want);
    fx_out_done(&out);
    read_ok("dynamic.yaml", "cfg_alpha", "full_refresh", DYN_CFG, NULL, &out);
    want = project_tasks(4, "template");
    fx_assert_json(out.records, want);
    wv_json_free(want);
    fx_out_done(&out);
}

/* Duplicate generated names are an error; CheckDynamicStream reads the first streams. */
static void test_dynamic_check(void **state)
{
    (void)state;
    fx_reset();
    struct wv_error err = {0};
    struct conn_source *src = fx_open("dynamic.yaml", &err);
    assert_non_null(src);
    const char *dup =
        "{\"projects\": [{\"name\": \"x\", \"id\": 1}, {\"name\": \"x\", \"id\": 2}]}";
    struct wv_json *bad = wv_json_parse(dup, strlen(dup), "config", &err);
    struct wv_json *good = wv_json_parse(DYN_CFG, strlen(DYN_CFG), "config", &err);
    struct wv_json *cat = NULL;
    assert_int_equal(conn_source_discover(src, bad, &cat, &err), -1);
    assert_null(cat);
    assert_non_null(strstr(err.msg, "duplicate name: cfg_x"));
    bool ok = false;
    char *msg = NULL;
    assert_int_equal(conn_source_check(src, good, &ok, &msg, &err), 0);
    if (!ok)
        print_error("%s\n", msg);
    assert_true(ok);
    free(msg);
    msg = NULL;
    assert_int_equal(fx_requests("/projects/1/tasks"), 1);
    assert_int_equal(fx_requests("/projects/2/tasks"), 1);
    assert_int_equal(fx_requests("/projects/4/tasks"), 0);
    wv_json_free(fx_call("POST", "/_control",
                         "{\"fail\": [{\"path\": \"/projects/1/tasks\", \"status\": 401}]}"));
    assert_int_equal(conn_source_check(src, good, &ok, &msg, &err), 0);
    assert_false(ok);
    assert_non_null(strstr(msg, "HTTP 401"));
    free(msg);
    wv_json_free(bad);
    wv_json_free(good);
    conn_source_free(src);
}

/* ---- StateDelegatingStream ---- */

/* Without state the full refresh stream runs; with state the incremental one. */
static void test_delegating(void **state)
{
    (void)state;
    fx_reset();
    struct fx_out out;
    read_ok("delegating.yaml", "items", "incremental", "{}", NULL, &out);
    struct wv_json *want = fx_items(NULL);
    fx_assert_json(out.records, want);
    wv_json_free(want);
    assert_int_equal(fx_requests("/items/all"), 0);
    assert_true(fx_requests("/items/cursor") > 0);
    fx_out_done(&out);

    fx_reset();
    const char *st = "[{\"type\": \"STREAM\", \"stream\": {\"stream_descriptor\": {\"name\": "
                     "\"items\"}, \"stream_state\": {\"updated_at\": \"2024-01-09T00:00:00Z\"}}}]";
    read_ok("delegating.yaml", "items", "incremental", "{}", st, &out);
    assert_int_equal(fx_requests("/items/cursor"), 0);
    assert_int_equal(fx_requests("/items/all"), 1);
    struct wv_json *req = first_request("/items/all");
    assert_string_equal(wv_json_get_str(wv_json_get(req, "query"), "start"),
                        "2024-01-09T00:00:00Z");
    wv_json_free(req);
    want = fx_items("?start=2024-01-09T00:00:00Z");
    fx_assert_json(out.records, want);
    assert_true(want->len > 0 && want->len < fx_all_items->len);
    wv_json_free(want);
    assert_true(out.states->len > 0);
    fx_out_done(&out);
}

/* A StateDelegatingStream parent is read through its full refresh side. */
static void test_delegating_parent(void **state)
{
    (void)state;
    fx_reset();
    struct fx_out out;
    read_ok("delegating.yaml", "tasks", "full_refresh", "{}", NULL, &out);
    struct wv_json *want = wv_json_array();
    for (int p = 1; p <= 5; p++) {
        struct wv_json *t = project_tasks(p, NULL);
        for (size_t i = 0; i < t->len; i++)
            wv_json_push(want, wv_json_dup(t->items[i]));
        wv_json_free(t);
    }
    fx_assert_json(out.records, want);
    wv_json_free(want);
    assert_int_equal(fx_requests("/status/500"), 0);
    fx_out_done(&out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_legacy_login),         cmocka_unit_test(test_legacy_valid_token),
        cmocka_unit_test(test_legacy_invalid_token), cmocka_unit_test(test_lazy_template),
        cmocka_unit_test(test_dynamic_discover),     cmocka_unit_test(test_dynamic_read),
        cmocka_unit_test(test_dynamic_check),        cmocka_unit_test(test_delegating),
        cmocka_unit_test(test_delegating_parent),
    };
    return cmocka_run_group_tests(tests, fx_start, fx_stop);
}
