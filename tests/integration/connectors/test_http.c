/* test_http.c - integration tests of the libcurl client (connectors/http.c) against the fixture
 * API server (tests/fixtures/api_server.py), started here on 127.0.0.1 with a free port and
 * ended by PID. Real exchanges: methods, headers, bodies, statuses, errors, limits, gzip,
 * redirects, rewrites and proxies. Single-threaded. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base/json.h"
#include "base/mem.h"
#include "connectors/http_int.h"

struct fixture {
    pid_t pid;
    int port;
    char base[64]; /* "http://127.0.0.1:<port>" */
    struct conn_http *h;
};

static const char *const proxy_vars[] = {"http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY",
                                         "all_proxy",  "ALL_PROXY",  "no_proxy",    "NO_PROXY"};

/* Path of the fixture server script. */
static char *server_path(void)
{
    const char *dir = getenv("WEAVER_FIXTURES");
    if (dir && *dir)
        return wv_asprintf("%s/api_server.py", dir);
    const char *slash = strrchr(__FILE__, '/'); /* absolute in CMake builds */
    int n = slash ? (int)(slash - __FILE__) : 1;
    return wv_asprintf("%.*s/../../fixtures/api_server.py", n, slash ? __FILE__ : ".");
}

/* Reads the "PORT <n>" line the server prints first (10 s at most). */
static int read_port(int fd)
{
    char line[64];
    size_t n = 0;
    while (n < sizeof(line) - 1) {
        struct pollfd p = {.fd = fd, .events = POLLIN};
        if (poll(&p, 1, 10000) <= 0)
            return -1;
        ssize_t r = read(fd, line + n, 1);
        if (r <= 0)
            return -1;
        if (line[n] == '\n')
            break;
        n++;
    }
    line[n] = '\0';
    int64_t port = 0;
    if (strncmp(line, "PORT ", 5) != 0 || wv_parse_i64(line + 5, &port) < 0)
        return -1;
    return (int)port;
}

/* Starts the fixture server and a client for the whole group. */
static int group_setup(void **state)
{
    for (size_t i = 0; i < sizeof(proxy_vars) / sizeof(proxy_vars[0]); i++)
        unsetenv(proxy_vars[i]);
    struct fixture *f = wv_calloc(1, sizeof(*f));
    char *script = server_path();
    int fds[2];
    if (pipe(fds) < 0)
        return -1;
    f->pid = fork();
    if (f->pid == 0) {
        dup2(fds[1], STDOUT_FILENO);
        close(fds[0]);
        close(fds[1]);
        execlp("python3", "python3", script, "--port", "0", (char *)NULL);
        _exit(127);
    }
    free(script);
    close(fds[1]);
    f->port = read_port(fds[0]);
    close(fds[0]);
    if (f->port <= 0) {
        kill(f->pid, SIGKILL);
        waitpid(f->pid, NULL, 0);
        return -1;
    }
    snprintf(f->base, sizeof(f->base), "http://127.0.0.1:%d", f->port);
    struct wv_error err = {0};
    f->h = conn_http_new(NULL, &err);
    *state = f;
    return f->h ? 0 : -1;
}

/* Ends the server by PID (SIGTERM, then SIGKILL after 5 s). */
static int group_teardown(void **state)
{
    struct fixture *f = *state;
    conn_http_free(f->h);
    kill(f->pid, SIGTERM);
    int st = 0;
    for (int i = 0; i < 500; i++) {
        if (waitpid(f->pid, &st, WNOHANG) == f->pid) {
            free(f);
            return 0;
        }
        usleep(10000);
    }
    kill(f->pid, SIGKILL);
    waitpid(f->pid, &st, 0);
    free(f);
    return -1; /* the server ignored SIGTERM */
}

/* Performs method path on the fixture with optional headers/body; asserts success. */
static void fx_do(struct fixture *f, const char *method, const char *path,
                  const struct conn_http_header *hd, size_t nh, const char *body,
                  struct conn_http_resp *resp)
{
    char *url = wv_asprintf("%s%s", f->base, path);
    struct conn_http_req req = {.method = method,
                                .url = url,
                                .headers = hd,
                                .n_headers = nh,
                                .body = body,
                                .body_len = body ? strlen(body) : 0};
    struct wv_error err = {0};
    int rc = conn_http_do(f->h, &req, resp, &err);
    if (rc != 0)
        fail_msg("%s %s: %s", method, url, err.msg);
    free(url);
}

/* Per-test setup: clears the server's rules and request log. */
static int test_setup(void **state)
{
    struct fixture *f = *state;
    struct conn_http_resp resp;
    fx_do(f, "POST", "/_control", NULL, 0, "{\"reset\":true}", &resp);
    int rc = resp.status == 200 ? 0 : -1;
    conn_http_resp_done(&resp);
    return rc;
}

/* Parses a response body as JSON (asserting it is). Caller frees. */
static struct wv_json *body_json(const struct conn_http_resp *resp)
{
    struct wv_error err = {0};
    struct wv_json *j = wv_json_parse(resp->body, resp->body_len, "body", &err);
    if (!j)
        fail_msg("%s: %.200s", err.msg, resp->body);
    return j;
}

/* The last request the server logged. Caller frees. */
static struct wv_json *last_logged(struct fixture *f)
{
    struct conn_http_resp resp;
    fx_do(f, "GET", "/_requests", NULL, 0, NULL, &resp);
    struct wv_json *log = body_json(&resp);
    conn_http_resp_done(&resp);
    struct wv_json *reqs = wv_json_get(log, "requests");
    assert_true(reqs && reqs->len > 0);
    struct wv_json *last = wv_json_dup(wv_json_at(reqs, reqs->len - 1));
    wv_json_free(log);
    return last;
}

/* GET with query and headers: the server sees them; response headers come back lower-case. */
static void test_get_headers(void **state)
{
    struct fixture *f = *state;
    struct conn_http_header hd[] = {
        {"X-Custom", "v1"}, {"Authorization", "Bearer tok"}, {"X-Empty-Req", ""}};
    struct conn_http_resp resp;
    fx_do(f, "GET", "/echo?a=1&b=x%20y", hd, 3, NULL, &resp);
    assert_int_equal(resp.status, 200);
    assert_string_equal(wv_json_get_str(resp.headers, "content-type"), "application/json");
    assert_null(wv_json_get(resp.headers, "Content-Type"));
    assert_true(wv_str_starts(resp.url, f->base));
    assert_true(resp.elapsed_ms >= 0);
    struct wv_json *e = body_json(&resp);
    assert_string_equal(wv_json_get_str(e, "method"), "GET");
    struct wv_json *q = wv_json_get(e, "query");
    assert_string_equal(wv_json_get_str(q, "a"), "1");
    assert_string_equal(wv_json_get_str(q, "b"), "x y");
    struct wv_json *h = wv_json_get(e, "headers");
    assert_string_equal(wv_json_get_str(h, "x-custom"), "v1");
    assert_string_equal(wv_json_get_str(h, "authorization"), "Bearer tok");
    assert_string_equal(wv_json_get_str(h, "x-empty-req"), "");
    assert_string_equal(wv_json_get_str(h, "user-agent"), "weaver/" WEAVER_VERSION);
    assert_null(wv_json_get(h, "expect"));
    wv_json_free(e);
    conn_http_resp_done(&resp);

    e = last_logged(f); /* the request log agrees */
    assert_string_equal(wv_json_get_str(e, "path"), "/echo");
    assert_string_equal(wv_json_get_str(wv_json_get(e, "headers"), "x-custom"), "v1");
    wv_json_free(e);
}

/* Bodies go out with every method that carries one. */
static void test_methods_bodies(void **state)
{
    struct fixture *f = *state;
    const char *methods[] = {"POST", "PUT", "PATCH", "DELETE"};
    struct conn_http_header ct = {"Content-Type", "application/json"};
    for (size_t i = 0; i < 4; i++) {
        struct conn_http_resp resp;
        char *body = wv_asprintf("{\"n\":%zu,\"s\":\"h\\u00e9\"}", i);
        fx_do(f, methods[i], "/echo", &ct, 1, body, &resp);
        assert_int_equal(resp.status, 200);
        struct wv_json *e = body_json(&resp);
        assert_string_equal(wv_json_get_str(e, "method"), methods[i]);
        assert_string_equal(wv_json_get_str(e, "body"), body);
        struct wv_json *h = wv_json_get(e, "headers");
        assert_string_equal(wv_json_get_str(h, "content-type"), "application/json");
        wv_json_free(e);
        conn_http_resp_done(&resp);
        free(body);
    }
    /* POST without a body sends Content-Length: 0 (and never reads stdin). */
    struct conn_http_resp resp;
    fx_do(f, "POST", "/echo", NULL, 0, NULL, &resp);
    struct wv_json *e = body_json(&resp);
    assert_string_equal(wv_json_get_str(e, "body"), "");
    assert_string_equal(wv_json_get_str(wv_json_get(e, "headers"), "content-length"), "0");
    wv_json_free(e);
    conn_http_resp_done(&resp);
}

/* 4xx/5xx are results, not errors. */
static void test_status_is_result(void **state)
{
    struct fixture *f = *state;
    long codes[] = {404, 500, 429, 204};
    for (size_t i = 0; i < 4; i++) {
        char *path = wv_asprintf("/status/%ld", codes[i]);
        struct conn_http_resp resp;
        fx_do(f, "GET", path, NULL, 0, NULL, &resp);
        assert_int_equal(resp.status, codes[i]);
        assert_non_null(resp.body);
        if (codes[i] != 204)
            assert_non_null(strstr(resp.body, "\"status\""));
        conn_http_resp_done(&resp);
        free(path);
    }
}

/* A port nothing listens on. */
static int closed_port(void)
{
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof(a);
    assert_int_equal(bind(s, (struct sockaddr *)&a, sizeof(a)), 0);
    assert_int_equal(getsockname(s, (struct sockaddr *)&a, &len), 0);
    close(s);
    return ntohs(a.sin_port);
}

/* Connection refused: WV_E_NETWORK naming method and URL, secrets masked. */
static void test_refused(void **state)
{
    struct fixture *f = *state;
    char *url = wv_asprintf("http://127.0.0.1:%d/x?page=2&api_key=S3CR3T", closed_port());
    struct conn_http_req req = {.method = "GET", .url = url};
    struct conn_http_resp resp;
    struct wv_error err = {0};
    assert_int_equal(conn_http_do(f->h, &req, &resp, &err), -1);
    assert_int_equal(err.code, WV_E_NETWORK);
    assert_true(wv_code_retryable(err.code));
    char *want = conn_http_redact(url);
    assert_non_null(strstr(err.msg, want));
    assert_true(wv_str_starts(err.msg, "GET http://127.0.0.1:"));
    assert_null(strstr(err.msg, "S3CR3T"));
    assert_null(resp.body);
    conn_http_resp_done(&resp);
    free(want);
    free(url);
}

/* The whole-exchange timeout gives WV_E_TIMEOUT, promptly. */
static void test_timeout(void **state)
{
    struct fixture *f = *state;
    struct conn_http_opts o = {.timeout_ms = 300};
    struct wv_error err = {0};
    struct conn_http *h = conn_http_new(&o, &err);
    char *url = wv_asprintf("%s/echo?_delay=3&token=T0P", f->base);
    struct conn_http_req req = {.method = "GET", .url = url};
    struct conn_http_resp resp;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    assert_int_equal(conn_http_do(h, &req, &resp, &err), -1);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    assert_int_equal(err.code, WV_E_TIMEOUT);
    assert_non_null(strstr(err.msg, "/echo?_delay=3&token=***"));
    assert_true(t1.tv_sec - t0.tv_sec < 3);
    free(url);
    conn_http_free(h);
}

/* Bodies over max_body fail with WV_E_LIMIT (with and without Content-Length); at the cap
 * they pass. */
static void test_body_limit(void **state)
{
    struct fixture *f = *state;
    struct conn_http_opts o = {.max_body = 100000};
    struct wv_error err = {0};
    struct conn_http *h = conn_http_new(&o, &err);
    const char *over[] = {"/big?bytes=100001", "/big?bytes=50000000&chunked=1",
                          "/big?bytes=100001&chunked=1"};
    for (size_t i = 0; i < 3; i++) {
        char *url = wv_asprintf("%s%s", f->base, over[i]);
        struct conn_http_req req = {.method = "GET", .url = url};
        struct conn_http_resp resp;
        wv_error_clear(&err);
        assert_int_equal(conn_http_do(h, &req, &resp, &err), -1);
        assert_int_equal(err.code, WV_E_LIMIT);
        assert_non_null(strstr(err.msg, "100000 bytes"));
        assert_non_null(strstr(err.msg, "/big?bytes="));
        free(url);
    }
    char *url = wv_asprintf("%s/big?bytes=100000&chunked=1", f->base);
    struct conn_http_req req = {.method = "GET", .url = url};
    struct conn_http_resp resp;
    assert_int_equal(conn_http_do(h, &req, &resp, &err), 0);
    assert_int_equal(resp.body_len, 100000);
    assert_int_equal(strlen(resp.body), 100000);
    conn_http_resp_done(&resp);
    free(url);
    conn_http_free(h);
}

/* https://api.example.com is served by the fixture through a rewrite rule. */
static void test_rewrite_live(void **state)
{
    struct fixture *f = *state;
    struct conn_http_rewrite rw = {"https://api.example.com", f->base};
    struct conn_http_opts o = {.rewrites = &rw, .n_rewrites = 1};
    struct wv_error err = {0};
    struct conn_http *h = conn_http_new(&o, &err);
    struct conn_http_req req = {
        .method = "GET", .url = "https://api.example.com/items/all?end=2024-01-01T02:00:00Z"};
    struct conn_http_resp resp;
    assert_int_equal(conn_http_do(h, &req, &resp, &err), 0);
    assert_int_equal(resp.status, 200);
    assert_true(wv_str_starts(resp.url, f->base));
    struct wv_json *j = body_json(&resp);
    assert_int_equal(wv_json_get(j, "data")->len, 3);
    wv_json_free(j);
    conn_http_resp_done(&resp);
    conn_http_free(h);
}

/* Repeated headers join with ", ", obs-folded lines continue the previous header. */
static void test_header_folding(void **state)
{
    struct fixture *f = *state;
    struct conn_http_resp resp;
    fx_do(f, "GET", "/headers", NULL, 0, NULL, &resp);
    assert_string_equal(wv_json_get_str(resp.headers, "x-multi"), "one, two");
    assert_string_equal(wv_json_get_str(resp.headers, "x-folded"), "first second");
    assert_string_equal(wv_json_get_str(resp.headers, "x-ratelimit-remaining"), "42");
    assert_string_equal(wv_json_get_str(resp.headers, "x-empty"), "");
    assert_string_equal(wv_json_get_str(resp.headers, "content-length"), "12");
    conn_http_resp_done(&resp);
}

/* gzip responses are decoded; the request advertised gzip. */
static void test_gzip(void **state)
{
    struct fixture *f = *state;
    struct conn_http_resp resp;
    fx_do(f, "GET", "/gzip", NULL, 0, NULL, &resp);
    assert_string_equal(wv_json_get_str(resp.headers, "content-encoding"), "gzip");
    struct wv_json *j = body_json(&resp);
    bool b = false;
    assert_int_equal(wv_json_get_bool(j, "compressed", false, &b), 0);
    assert_true(b);
    assert_int_equal(wv_json_get(j, "data")->len, 20);
    wv_json_free(j);
    conn_http_resp_done(&resp);
    struct wv_json *e = last_logged(f);
    assert_non_null(strstr(wv_json_get_str(wv_json_get(e, "headers"), "accept-encoding"), "gzip"));
    wv_json_free(e);
}

/* GET and POST follow redirects (POST turns into GET on 303, like requests); the headers are
 * the final response's. Other methods get the 3xx back. */
static void test_redirects(void **state)
{
    struct fixture *f = *state;
    struct conn_http_resp resp;
    fx_do(f, "GET", "/redirect?to=/echo%3Fhop%3D1", NULL, 0, NULL, &resp);
    assert_int_equal(resp.status, 200);
    assert_null(wv_json_get(resp.headers, "location"));
    assert_true(wv_str_ends(resp.url, "/echo?hop=1"));
    struct wv_json *e = body_json(&resp);
    assert_string_equal(wv_json_get_str(e, "path"), "/echo");
    wv_json_free(e);
    conn_http_resp_done(&resp);

    fx_do(f, "POST", "/redirect?to=/echo&code=303", NULL, 0, "x=1", &resp);
    assert_int_equal(resp.status, 200);
    e = body_json(&resp);
    assert_string_equal(wv_json_get_str(e, "method"), "GET");
    wv_json_free(e);
    conn_http_resp_done(&resp);

    fx_do(f, "DELETE", "/redirect?to=/echo", NULL, 0, NULL, &resp);
    assert_int_equal(resp.status, 302);
    assert_string_equal(wv_json_get_str(resp.headers, "location"), "/echo");
    conn_http_resp_done(&resp);
}

/* Performs GET url with a fresh client (proxy variables are read per transfer). */
static int get_fresh(const char *url, struct conn_http_resp *resp, struct wv_error *err)
{
    struct conn_http_opts o = {.connect_timeout_ms = 3000, .timeout_ms = 10000};
    struct conn_http *h = conn_http_new(&o, err);
    struct conn_http_req req = {.method = "GET", .url = url};
    int rc = conn_http_do(h, &req, resp, err);
    conn_http_free(h);
    return rc;
}

/* http_proxy / HTTP_PROXY send requests through the fixture in proxy mode; NO_PROXY bypasses
 * a (dead) proxy. */
static void test_proxy_env(void **state)
{
    struct fixture *f = *state;
    struct conn_http_resp resp;
    struct wv_error err = {0};
    const char *vars[] = {"http_proxy", "HTTP_PROXY"};
    for (size_t i = 0; i < 2; i++) {
        setenv(vars[i], f->base, 1);
        wv_error_clear(&err);
        assert_int_equal(get_fresh("http://upstream.weaver.invalid/echo?via=proxy", &resp, &err),
                         0);
        unsetenv(vars[i]);
        assert_int_equal(resp.status, 200);
        conn_http_resp_done(&resp);
        struct wv_json *e = last_logged(f);
        assert_true(wv_json_get(e, "proxied")->b);
        assert_string_equal(wv_json_get_str(e, "raw_path"),
                            "http://upstream.weaver.invalid/echo?via=proxy");
        wv_json_free(e);
    }
    char *dead = wv_asprintf("http://127.0.0.1:%d", closed_port());
    char *url = wv_asprintf("%s/echo", f->base);
    setenv("http_proxy", dead, 1);
    wv_error_clear(&err);
    assert_int_equal(get_fresh(url, &resp, &err), -1); /* through the dead proxy */
    assert_int_equal(err.code, WV_E_NETWORK);
    setenv("NO_PROXY", "127.0.0.1", 1);
    wv_error_clear(&err);
    assert_int_equal(get_fresh(url, &resp, &err), 0); /* bypassed */
    assert_int_equal(resp.status, 200);
    conn_http_resp_done(&resp);
    unsetenv("NO_PROXY");
    unsetenv("http_proxy");
    free(url);
    free(dead);
}

/* Failure injection of the fixture, seen through the client: 429 with Retry-After then
 * success; a truncated body still is a 200 response (the decoder's problem). */
static void test_injected(void **state)
{
    struct fixture *f = *state;
    struct conn_http_resp resp;
    const char *rule = "{\"fail\":[{\"path\":\"/items/all\",\"status\":429,\"times\":1,"
                       "\"retry_after\":1},{\"path\":\"/items/offset\",\"kind\":\"truncated\"}]}";
    struct conn_http_header ct = {"Content-Type", "application/json"};
    fx_do(f, "POST", "/_control", &ct, 1, rule, &resp);
    conn_http_resp_done(&resp);
    fx_do(f, "GET", "/items/all", NULL, 0, NULL, &resp);
    assert_int_equal(resp.status, 429);
    assert_string_equal(wv_json_get_str(resp.headers, "retry-after"), "1");
    conn_http_resp_done(&resp);
    fx_do(f, "GET", "/items/all", NULL, 0, NULL, &resp);
    assert_int_equal(resp.status, 200);
    conn_http_resp_done(&resp);
    fx_do(f, "GET", "/items/offset?limit=5", NULL, 0, NULL, &resp);
    assert_int_equal(resp.status, 200);
    struct wv_error err = {0};
    struct wv_json *j = wv_json_parse(resp.body, resp.body_len, "body", &err);
    assert_null(j);
    assert_int_equal(err.code, WV_E_PARSE);
    conn_http_resp_done(&resp);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_get_headers, test_setup),
        cmocka_unit_test_setup(test_methods_bodies, test_setup),
        cmocka_unit_test_setup(test_status_is_result, test_setup),
        cmocka_unit_test_setup(test_refused, test_setup),
        cmocka_unit_test_setup(test_timeout, test_setup),
        cmocka_unit_test_setup(test_body_limit, test_setup),
        cmocka_unit_test_setup(test_rewrite_live, test_setup),
        cmocka_unit_test_setup(test_header_folding, test_setup),
        cmocka_unit_test_setup(test_gzip, test_setup),
        cmocka_unit_test_setup(test_redirects, test_setup),
        cmocka_unit_test_setup(test_proxy_env, test_setup),
        cmocka_unit_test_setup(test_injected, test_setup),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
