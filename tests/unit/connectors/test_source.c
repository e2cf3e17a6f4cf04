/* test_source.c - the connector registry and the conn_source_* dispatch: names, error messages
 * for unknown connectors, defaults filled in (clock), and errors guaranteed on failure. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base/mem.h"
#include "connectors/connectors.h"

/* ---- registry ---- */

/* builtin:faker opens and keeps its name. */
static void test_open_faker(void **state)
{
    (void)state;
    struct wv_error err = {0};
    struct conn_source *src = conn_source_open("builtin:faker", "/nonexistent", &err);
    assert_non_null(src);
    assert_int_equal(err.code, WV_E_OK);
    assert_string_equal(src->name, "builtin:faker");
    assert_non_null(src->ops);
    conn_source_free(src);
    conn_source_free(NULL);
}

/* Unknown names list the builtins; manifests are not there yet; no name is a usage error. */
static void test_open_errors(void **state)
{
    (void)state;
    struct wv_error err = {0};
    assert_null(conn_source_open("builtin:nope", NULL, &err));
    assert_int_equal(err.code, WV_E_NOTFOUND);
    assert_string_equal(err.msg,
                        "unknown connector 'builtin:nope' (builtin connectors: builtin:faker)");

    wv_error_clear(&err);
    assert_null(conn_source_open("faker", NULL, &err));
    assert_string_equal(err.msg, "unknown connector 'faker' (builtin connectors: builtin:faker)");

    wv_error_clear(&err);
    assert_null(conn_source_open("manifest:connectors/x.yaml", "/nonexistent", &err));
    assert_int_equal(err.code, WV_E_NOTFOUND);
    assert_string_equal(err.msg, "/nonexistent/connectors/x.yaml: No such file or directory");

    wv_error_clear(&err);
    assert_null(conn_source_open("", NULL, &err));
    assert_int_equal(err.code, WV_E_USAGE);
    wv_error_clear(&err);
    assert_null(conn_source_open(NULL, NULL, &err));
    assert_int_equal(err.code, WV_E_USAGE);
}

/* Every listed builtin opens. */
static void test_builtin_names(void **state)
{
    (void)state;
    const char *const *names = conn_builtin_names();
    size_t n = 0;
    bool faker = false;
    for (; names[n]; n++) {
        struct wv_error err = {0};
        struct conn_source *src = conn_source_open(names[n], NULL, &err);
        assert_non_null(src);
        conn_source_free(src);
        faker |= strcmp(names[n], "builtin:faker") == 0;
    }
    assert_true(n >= 1);
    assert_true(faker);
}

/* ---- dispatch through the faker ---- */

/* Counts records; checks emitted_at came from a real clock. */
static int count_emit(void *ctx, const struct wv_msg *msg, struct wv_error *err)
{
    (void)err;
    if (msg->type == WV_MSG_RECORD) {
        assert_true(msg->emitted_at > 1577836800000LL); /* after 2020: the system clock */
        (*(long *)ctx)++;
    }
    return 0;
}

/* spec, check, discover and read work through the dispatch functions. */
static void test_dispatch_faker(void **state)
{
    (void)state;
    struct wv_error err = {0};
    struct conn_source *src = conn_source_open("builtin:faker", NULL, &err);
    assert_non_null(src);

    struct wv_json *spec = NULL;
    assert_int_equal(conn_source_spec(src, &spec, &err), 0);
    assert_non_null(wv_json_get(spec, "connectionSpecification"));
    wv_json_free(spec);

    struct wv_json *bad = wv_json_object();
    wv_json_set(bad, "count", wv_json_int(0));
    bool ok = true;
    char *msg = NULL;
    assert_int_equal(conn_source_check(src, bad, &ok, &msg, &err), 0);
    assert_false(ok);
    assert_non_null(msg);
    assert_non_null(strstr(msg, "count"));
    free(msg);

    struct wv_json *good = wv_json_object();
    wv_json_set(good, "count", wv_json_int(25));
    assert_int_equal(conn_source_check(src, good, &ok, &msg, &err), 0);
    assert_true(ok);
    free(msg);

    struct wv_json *cat = NULL;
    assert_int_equal(conn_source_discover(src, good, &cat, &err), 0);
    assert_int_equal(wv_json_get(cat, "streams")->len, 3);
    wv_json_free(cat);
    assert_int_equal(conn_source_discover(src, bad, &cat, &err), -1);
    assert_null(cat);
    assert_int_equal(err.code, WV_E_CONFIG);
    wv_error_clear(&err);

    struct wv_cfg_stream streams[1];
    memset(streams, 0, sizeof streams);
    streams[0].stream.name = "users";
    streams[0].sync_mode = WV_SYNC_FULL_REFRESH;
    struct wv_cfg_catalog ccat = {streams, 1};
    static const struct conn_sink_ops ops = {count_emit};
    long n = 0;
    struct conn_sink sink = {&ops, &n};
    assert_int_equal(conn_source_read(src, good, &ccat, NULL, NULL, &sink, &err), 0);
    assert_int_equal(n, 25);
    struct conn_read_env env = {.clock = NULL}; /* no clock: the system clock */
    assert_int_equal(conn_source_read(src, good, &ccat, NULL, &env, &sink, &err), 0);
    assert_int_equal(n, 50);

    assert_int_equal(conn_source_read(src, good, &ccat, NULL, NULL, NULL, &err), -1);
    assert_int_equal(err.code, WV_E_USAGE);
    wv_error_clear(&err);
    assert_int_equal(conn_source_read(src, good, NULL, NULL, NULL, &sink, &err), -1);
    assert_int_equal(err.code, WV_E_USAGE);

    wv_json_free(bad);
    wv_json_free(good);
    conn_source_free(src);
}

/* ---- dispatch guarantees, with a fake source ---- */

struct fake {
    int frees;
    bool fail; /* ops return -1 without setting err */
};

/* spec: fails silently or returns nothing. */
static int fake_spec(void *ctx, struct wv_json **spec, struct wv_error *err)
{
    (void)err;
    struct fake *f = ctx;
    *spec = NULL;
    return f->fail ? -1 : 0;
}

/* check: fails silently, or reports a failed check without a message. */
static int fake_check(void *ctx, const struct wv_json *config, bool *ok, char **message,
                      struct wv_error *err)
{
    (void)config;
    (void)err;
    struct fake *f = ctx;
    *ok = false;
    *message = f->fail ? wv_strdup("half-written") : NULL;
    return f->fail ? -1 : 0;
}

/* read: checks the env it was given. */
static int fake_read(void *ctx, const struct wv_json *config, const struct wv_cfg_catalog *catalog,
                     const struct wv_json *state, const struct conn_read_env *env,
                     const struct conn_sink *sink, struct wv_error *err)
{
    (void)config;
    (void)catalog;
    (void)state;
    (void)sink;
    (void)err;
    struct fake *f = ctx;
    assert_non_null(env);
    assert_ptr_equal(env->clock, wv_clock_system());
    return f->fail ? -1 : 0;
}

/* free: counted. */
static void fake_free(void *ctx) { ((struct fake *)ctx)->frees++; }

static const struct conn_source_ops fake_ops = {fake_spec, fake_check, NULL, fake_read, fake_free};

/* Count-only sink. */
static int nop_emit(void *ctx, const struct wv_msg *msg, struct wv_error *err)
{
    (void)ctx;
    (void)msg;
    (void)err;
    return 0;
}

/* A failing operation always leaves an error; missing operations are refused. */
static void test_dispatch_guarantees(void **state)
{
    (void)state;
    struct fake f = {0};
    struct conn_source *src = wv_calloc(1, sizeof *src);
    src->ops = &fake_ops;
    src->ctx = &f;
    src->name = wv_strdup("fake");
    struct wv_error err = {0};

    struct wv_json *spec = (struct wv_json *)&f; /* overwritten */
    assert_int_equal(conn_source_spec(src, &spec, &err), -1);
    assert_null(spec);
    assert_int_equal(err.code, WV_E_INTERNAL);
    assert_string_equal(err.msg, "fake: spec returned nothing");

    bool ok = true;
    char *msg = NULL;
    wv_error_clear(&err);
    assert_int_equal(conn_source_check(src, NULL, &ok, &msg, &err), 0);
    assert_false(ok);
    assert_string_equal(msg, "connection check failed");
    free(msg);

    struct wv_json *cat = NULL;
    assert_int_equal(conn_source_discover(src, NULL, &cat, &err), -1);
    assert_int_equal(err.code, WV_E_USAGE);
    assert_string_equal(err.msg, "fake does not support discover");

    static const struct conn_sink_ops sops = {nop_emit};
    struct conn_sink sink = {&sops, NULL};
    struct wv_cfg_catalog ccat = {NULL, 0};
    wv_error_clear(&err);
    assert_int_equal(conn_source_read(src, NULL, &ccat, NULL, NULL, &sink, &err), 0);

    f.fail = true;
    wv_error_clear(&err);
    assert_int_equal(conn_source_spec(src, &spec, &err), -1);
    assert_string_equal(err.msg, "fake: spec failed");
    wv_error_clear(&err);
    assert_int_equal(conn_source_check(src, NULL, &ok, &msg, &err), -1);
    assert_null(msg); /* the half-written message was freed */
    assert_false(ok);
    assert_string_equal(err.msg, "fake: check failed");
    wv_error_clear(&err);
    assert_int_equal(conn_source_read(src, NULL, &ccat, NULL, NULL, &sink, &err), -1);
    assert_string_equal(err.msg, "fake: read failed");

    /* first error wins: an error set before is kept */
    wv_error_clear(&err);
    wv_error_set(&err, WV_E_HTTP, 503, "earlier");
    assert_int_equal(conn_source_read(src, NULL, &ccat, NULL, NULL, &sink, &err), -1);
    assert_string_equal(err.msg, "earlier");

    conn_source_free(src);
    assert_int_equal(f.frees, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_open_faker),          cmocka_unit_test(test_open_errors),
        cmocka_unit_test(test_builtin_names),       cmocka_unit_test(test_dispatch_faker),
        cmocka_unit_test(test_dispatch_guarantees),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
