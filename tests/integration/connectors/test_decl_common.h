/* test_decl_common.h - shared helpers of the declarative-connector integration tests: starts
 * tests/fixtures/api_server.py on 127.0.0.1 (port 0), reads manifests from tests/data/decl/
 * through conn_source_open_opts with --http-rewrite https://api.example.com -> the fixture, and
 * collects the emitted messages. Header-only (static functions) so each test stays one file. */
#ifndef TEST_DECL_COMMON_H
#define TEST_DECL_COMMON_H

#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "base/json.h"
#include "base/mem.h"
#include "base/msg.h"
#include "connectors/connectors.h"
#include "connectors/http_int.h"

struct fx {
    pid_t pid;
    int port;
    char base[64]; /* http://127.0.0.1:PORT */
};

static struct fx fx_server;
static const struct conn_read_env *fx_env; /* env of fx_read (NULL: defaults) */
static struct wv_json *fx_all_items; /* GET /items/all, fetched once at start (not logged later) */
static inline struct wv_json *fx_call(const char *method, const char *path, const char *body);

/* Starts the fixture server (cmocka group setup). */
static inline int fx_start(void **state)
{
    (void)state;
    const char *dir = getenv("WEAVER_FIXTURES");
    if (!dir)
        return -1;
    char script[1024];
    snprintf(script, sizeof script, "%s/api_server.py", dir);
    int fds[2];
    if (pipe(fds) < 0)
        return -1;
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        dup2(fds[1], 1);
        close(fds[0]);
        close(fds[1]);
        execlp("python3", "python3", script, "--port", "0", (char *)NULL);
        _exit(127);
    }
    close(fds[1]);
    FILE *f = fdopen(fds[0], "r");
    char line[128] = "";
    if (!f || !fgets(line, sizeof line, f) || sscanf(line, "PORT %d", &fx_server.port) != 1) {
        kill(pid, SIGTERM);
        waitpid(pid, NULL, 0);
        return -1;
    }
    fclose(f);
    fx_server.pid = pid;
    snprintf(fx_server.base, sizeof fx_server.base, "http://127.0.0.1:%d", fx_server.port);
    struct wv_json *j = fx_call("GET", "/items/all", NULL);
    fx_all_items = wv_json_take(j, "data");
    wv_json_free(j);
    return fx_all_items ? 0 : -1;
}

/* Stops the fixture server by its PID (cmocka group teardown). */
static inline int fx_stop(void **state)
{
    (void)state;
    if (fx_server.pid > 0) {
        kill(fx_server.pid, SIGTERM);
        waitpid(fx_server.pid, NULL, 0);
        fx_server.pid = 0;
    }
    wv_json_free(fx_all_items);
    fx_all_items = NULL;
    return 0;
}

/* One exchange with the fixture (method, path, JSON body or NULL); the decoded body. */
static inline struct wv_json *fx_call(const char *method, const char *path, const char *body)
{
    struct wv_error err = {0};
    struct conn_http_opts o = {0};
    struct conn_http *h = conn_http_new(&o, &err);
    assert_non_null(h);
    char *url = wv_asprintf("%s%s", fx_server.base, path);
    struct conn_http_header hd = {"Content-Type", "application/json"};
    struct conn_http_req req = {method, url, &hd, 1, body, body ? strlen(body) : 0};
    struct conn_http_resp resp;
    memset(&resp, 0, sizeof resp);
    assert_int_equal(conn_http_do(h, &req, &resp, &err), 0);
    struct wv_json *j = wv_json_parse(resp.body, resp.body_len, url, &err);
    assert_non_null(j);
    conn_http_resp_done(&resp);
    conn_http_free(h);
    free(url);
    return j;
}

/* Resets the fixture's rules and request log. */
static inline void fx_reset(void)
{
    wv_json_free(fx_call("POST", "/_control", "{\"reset\": true}"));
}

/* Number of logged requests to a path. */
static inline size_t fx_requests(const char *path)
{
    char *p = wv_asprintf("/_requests?path=%s", path);
    struct wv_json *j = fx_call("GET", p, NULL);
    size_t n = wv_json_get(j, "requests") ? wv_json_get(j, "requests")->len : 0;
    wv_json_free(j);
    free(p);
    return n;
}

/* What a read emitted. */
struct fx_out {
    struct wv_json *records;  /* array of record data */
    struct wv_json *streams;  /* array of stream names, parallel to records */
    struct wv_json *states;   /* array of stream_state objects */
    struct wv_json *controls; /* array of CONTROL configs */
};

/* Sink: collects messages. */
static inline int fx_emit(void *ctx, const struct wv_msg *m, struct wv_error *err)
{
    (void)err;
    struct fx_out *o = ctx;
    if (m->type == WV_MSG_RECORD) {
        wv_json_push(o->records, wv_json_dup(m->data));
        wv_json_push(o->streams, wv_json_str(m->stream));
    } else if (m->type == WV_MSG_STATE) {
        wv_json_push(o->states, m->stream_state ? wv_json_dup(m->stream_state) : wv_json_null());
    } else if (m->type == WV_MSG_CONTROL) {
        wv_json_push(o->controls, wv_json_dup(m->data));
    }
    return 0;
}

static const struct conn_sink_ops fx_sink_ops = {fx_emit};

/* Frees what a read collected. */
static inline void fx_out_done(struct fx_out *o)
{
    wv_json_free(o->records);
    wv_json_free(o->streams);
    wv_json_free(o->states);
    wv_json_free(o->controls);
    memset(o, 0, sizeof *o);
}

/* Opens tests/data/decl/<manifest> with the rewrite to the fixture. */
static inline struct conn_source *fx_open(const char *manifest, struct wv_error *err)
{
    struct conn_url_rewrite rw = {"https://api.example.com", fx_server.base};
    struct conn_open_opts opts = {&rw, 1};
    char *name = wv_asprintf("manifest:decl/%s", manifest);
    struct conn_source *src = conn_source_open_opts(name, getenv("WEAVER_TEST_DATA"), &opts, err);
    free(name);
    return src;
}

/* Reads one stream (mode "full_refresh"/"incremental") with a config and state (JSON texts,
 * state may be NULL). Returns the read's result; out is filled either way. */
static inline int fx_read(const char *manifest, const char *stream, const char *mode,
                          const char *config, const char *state, struct fx_out *out,
                          struct wv_error *err)
{
    memset(out, 0, sizeof *out);
    out->records = wv_json_array();
    out->streams = wv_json_array();
    out->states = wv_json_array();
    out->controls = wv_json_array();
    struct conn_source *src = fx_open(manifest, err);
    if (!src)
        return -1;
    struct wv_json *cfg = wv_json_parse(config, strlen(config), "config", err);
    struct wv_json *st = state ? wv_json_parse(state, strlen(state), "state", err) : NULL;
    struct wv_json *cat = NULL;
    assert_non_null(cfg);
    assert_int_equal(conn_source_discover(src, cfg, &cat, err), 0);
    struct wv_json *cc = wv_json_object(), *arr = wv_json_array();
    const struct wv_json *streams = wv_json_get(cat, "streams");
    for (size_t i = 0; i < streams->len; i++) {
        if (strcmp(wv_json_get_str(streams->items[i], "name"), stream) != 0)
            continue;
        struct wv_json *c = wv_json_object();
        wv_json_set(c, "stream", wv_json_dup(streams->items[i]));
        wv_json_set(c, "sync_mode", wv_json_str(mode));
        wv_json_set(c, "destination_sync_mode", wv_json_str("append"));
        wv_json_push(arr, c);
    }
    assert_int_equal(arr->len, 1);
    wv_json_set(cc, "streams", arr);
    struct wv_cfg_catalog cfgcat;
    assert_int_equal(wv_cfg_catalog_parse(cc, "catalog", &cfgcat, err), 0);
    struct conn_sink sink = {&fx_sink_ops, out};
    int rc = conn_source_read(src, cfg, &cfgcat, st, fx_env, &sink, err);
    wv_cfg_catalog_done(&cfgcat);
    wv_json_free(cc);
    wv_json_free(cat);
    wv_json_free(cfg);
    wv_json_free(st);
    conn_source_free(src);
    return rc;
}

/* The fixture's items (GET /items/all, read independently of the manifest runtime; without
 * a query from the copy fetched at start, so the request log stays the test's own). */
static inline struct wv_json *fx_items(const char *query)
{
    if (!query)
        return wv_json_dup(fx_all_items);
    char *p = wv_asprintf("/items/all%s", query ? query : "");
    struct wv_json *j = fx_call("GET", p, NULL);
    free(p);
    struct wv_json *d = wv_json_take(j, "data");
    wv_json_free(j);
    assert_non_null(d);
    return d;
}

/* Asserts two JSON values are equal, printing both when not. */
static inline void fx_assert_json(const struct wv_json *got, const struct wv_json *want)
{
    if (!wv_json_equal(got, want)) {
        char *a = wv_json_to_string(got), *b = wv_json_to_string(want);
        print_error("got:  %.2000s\nwant: %.2000s\n", a, b);
        free(a);
        free(b);
        fail();
    }
}

/* Asserts a JSON value equals the JSON text want. */
static inline void fx_assert_text(const struct wv_json *got, const char *want)
{
    struct wv_error err = {0};
    struct wv_json *w = wv_json_parse(want, strlen(want), "want", &err);
    assert_non_null(w);
    fx_assert_json(got, w);
    wv_json_free(w);
}

#endif
