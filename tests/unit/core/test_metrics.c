/* test_metrics.c - unit tests of the Prometheus metrics (src/core/metrics.c) and their HTTP
 * server and command (src/core/cmd_metrics.c): the exact exposition text for rows inserted
 * through the stor_* API (label escaping, zero counters for configured names, running jobs
 * and attempts left out), and the server on 127.0.0.1 port 0 fetched with a plain socket. */
#include <arpa/inet.h>
#include <math.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "unit/testutil.h"

#include "base/fs.h"
#include "base/mem.h"
#include "core/metrics_int.h"

struct fixture {
    char *dir;
    struct stor_db *db;
};

static int setup(void **state)
{
    struct fixture *f = wv_calloc(1, sizeof *f);
    f->dir = wv_test_tmpdir("metrics");
    if (!f->dir)
        return -1;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    struct wv_error e = {0};
    stor_db_close(f->db);
    int r = wv_fs_rmtree(f->dir, &e);
    free(f->dir);
    free(f);
    return r;
}

#define OK(call)                                                                                   \
    do {                                                                                           \
        struct wv_error e_ = {0};                                                                  \
        struct wv_error *err = &e_;                                                                \
        if ((call) < 0)                                                                            \
            fail_msg("%s: %s", #call, e_.msg);                                                     \
    } while (0)

/* A finished job: started at start_ms, ended at end_ms. */
static void job(struct stor_db *db, const char *conn, const char *kind, enum stor_job_status st,
                int64_t start_ms, int64_t end_ms, int64_t records, int64_t bytes)
{
    int64_t id = 0, att = 0;
    OK(stor_job_start(db, conn, kind, start_ms, 1, &id, &att, err));
    if (st != STOR_JOB_RUNNING)
        OK(stor_job_finish(db, id, att, st, end_ms, records, bytes, NULL, err));
}

static void attempt(struct stor_db *db, int64_t run, const char *task, int number,
                    enum stor_task_state st, int64_t start_ms, int64_t end_ms)
{
    int64_t id = 0;
    OK(stor_attempt_start(db, run, task, number, start_ms, &id, err));
    if (st != STOR_TASK_RUNNING)
        OK(stor_attempt_finish(db, id, st, end_ms, 0, 0, NULL, err));
}

static void quality(struct stor_db *db, int64_t run, const char *check, const char *verdict,
                    double observed)
{
    struct stor_quality_result q = {.run_id = run, .task = "check", .sync_task = "extract",
                                    .stream = "users", .check = (char *)check,
                                    .verdict = (char *)verdict, .observed = observed};
    OK(stor_quality_add(db, &q, err));
}

static const char expected[] =
    "# HELP weaver_build_info The running weaver's version.\n"
    "# TYPE weaver_build_info gauge\n"
    "weaver_build_info{version=\"" WEAVER_VERSION "\"} 1\n"
    "# HELP weaver_sync_runs_total Finished sync jobs by end status.\n"
    "# TYPE weaver_sync_runs_total counter\n"
    "weaver_sync_runs_total{connection=\"idle\",status=\"succeeded\"} 0\n"
    "weaver_sync_runs_total{connection=\"idle\",status=\"failed\"} 0\n"
    "weaver_sync_runs_total{connection=\"idle\",status=\"cancelled\"} 0\n"
    "weaver_sync_runs_total{connection=\"users\",status=\"succeeded\"} 1\n"
    "weaver_sync_runs_total{connection=\"users\",status=\"failed\"} 1\n"
    "weaver_sync_runs_total{connection=\"users\",status=\"cancelled\"} 0\n"
    "weaver_sync_runs_total{connection=\"we\\\"ird\\\\name\\n\",status=\"succeeded\"} 1\n"
    "weaver_sync_runs_total{connection=\"we\\\"ird\\\\name\\n\",status=\"failed\"} 0\n"
    "weaver_sync_runs_total{connection=\"we\\\"ird\\\\name\\n\",status=\"cancelled\"} 0\n"
    "# HELP weaver_sync_records_total Records written by succeeded sync jobs.\n"
    "# TYPE weaver_sync_records_total counter\n"
    "weaver_sync_records_total{connection=\"idle\"} 0\n"
    "weaver_sync_records_total{connection=\"users\"} 100\n"
    "weaver_sync_records_total{connection=\"we\\\"ird\\\\name\\n\"} 50\n"
    "# HELP weaver_sync_bytes_total Bytes written by succeeded sync jobs.\n"
    "# TYPE weaver_sync_bytes_total counter\n"
    "weaver_sync_bytes_total{connection=\"idle\"} 0\n"
    "weaver_sync_bytes_total{connection=\"users\"} 1000\n"
    "weaver_sync_bytes_total{connection=\"we\\\"ird\\\\name\\n\"} 500\n"
    "# HELP weaver_sync_last_success_timestamp_seconds End time of the newest succeeded sync job"
    " (Unix seconds).\n"
    "# TYPE weaver_sync_last_success_timestamp_seconds gauge\n"
    "weaver_sync_last_success_timestamp_seconds{connection=\"users\"} 3\n"
    "weaver_sync_last_success_timestamp_seconds{connection=\"we\\\"ird\\\\name\\n\"} 1700000012.5\n"
    "# HELP weaver_sync_last_duration_seconds Duration of the newest finished sync job.\n"
    "# TYPE weaver_sync_last_duration_seconds gauge\n"
    "weaver_sync_last_duration_seconds{connection=\"users\"} 0.5\n"
    "weaver_sync_last_duration_seconds{connection=\"we\\\"ird\\\\name\\n\"} 2.5\n"
    "# HELP weaver_sync_last_rate_records_per_second Records per second of the newest finished"
    " sync job.\n"
    "# TYPE weaver_sync_last_rate_records_per_second gauge\n"
    "weaver_sync_last_rate_records_per_second{connection=\"users\"} 14\n"
    "weaver_sync_last_rate_records_per_second{connection=\"we\\\"ird\\\\name\\n\"} 20\n"
    "# HELP weaver_flow_runs_total Finished flow runs by end state.\n"
    "# TYPE weaver_flow_runs_total counter\n"
    "weaver_flow_runs_total{flow=\"daily\",state=\"success\"} 1\n"
    "weaver_flow_runs_total{flow=\"daily\",state=\"failed\"} 0\n"
    "weaver_flow_runs_total{flow=\"daily\",state=\"cancelled\"} 1\n"
    "weaver_flow_runs_total{flow=\"weekly\",state=\"success\"} 0\n"
    "weaver_flow_runs_total{flow=\"weekly\",state=\"failed\"} 0\n"
    "weaver_flow_runs_total{flow=\"weekly\",state=\"cancelled\"} 0\n"
    "# HELP weaver_flow_last_run_timestamp_seconds Start time of the flow's newest run (Unix"
    " seconds).\n"
    "# TYPE weaver_flow_last_run_timestamp_seconds gauge\n"
    "weaver_flow_last_run_timestamp_seconds{flow=\"daily\"} 20\n"
    "# HELP weaver_task_attempts_total Finished task attempts by end state (success and failed"
    " always shown).\n"
    "# TYPE weaver_task_attempts_total counter\n"
    "weaver_task_attempts_total{flow=\"daily\",task=\"check\",state=\"success\"} 1\n"
    "weaver_task_attempts_total{flow=\"daily\",task=\"check\",state=\"failed\"} 0\n"
    "weaver_task_attempts_total{flow=\"daily\",task=\"extract\",state=\"success\"} 1\n"
    "weaver_task_attempts_total{flow=\"daily\",task=\"extract\",state=\"failed\"} 1\n"
    "weaver_task_attempts_total{flow=\"daily\",task=\"extract\",state=\"up_for_retry\"} 1\n"
    "weaver_task_attempts_total{flow=\"weekly\",task=\"t1\",state=\"success\"} 0\n"
    "weaver_task_attempts_total{flow=\"weekly\",task=\"t1\",state=\"failed\"} 0\n"
    "# HELP weaver_task_retries_total Task attempts after the first (retries).\n"
    "# TYPE weaver_task_retries_total counter\n"
    "weaver_task_retries_total{flow=\"daily\",task=\"check\"} 0\n"
    "weaver_task_retries_total{flow=\"daily\",task=\"extract\"} 2\n"
    "weaver_task_retries_total{flow=\"weekly\",task=\"t1\"} 0\n"
    "# HELP weaver_task_last_duration_seconds Duration of the task's newest finished attempt.\n"
    "# TYPE weaver_task_last_duration_seconds gauge\n"
    "weaver_task_last_duration_seconds{flow=\"daily\",task=\"check\"} 0.25\n"
    "weaver_task_last_duration_seconds{flow=\"daily\",task=\"extract\"} 2.5\n"
    "# HELP weaver_quality_checks_total Quality check results by verdict.\n"
    "# TYPE weaver_quality_checks_total counter\n"
    "weaver_quality_checks_total{flow=\"daily\",task=\"check\",check=\"freshness\","
    "verdict=\"not_enough_history\"} 1\n"
    "weaver_quality_checks_total{flow=\"daily\",task=\"check\",check=\"row_count\","
    "verdict=\"pass\"} 2\n";

static void test_text(void **state)
{
    struct fixture *f = *state;
    char *path = wv_asprintf("%s/state.db", f->dir);
    OK((f->db = stor_db_open(path, err)) ? 0 : -1);
    free(path);
    struct stor_db *db = f->db;
    const char *weird = "we\"ird\\name\n";
    job(db, "users", "sync", STOR_JOB_SUCCEEDED, 1000, 3000, 100, 1000);
    job(db, "users", "sync", STOR_JOB_FAILED, 4000, 4500, 7, 70);
    job(db, "users", "other", STOR_JOB_FAILED, 5000, 9000, 1, 1); /* not a sync */
    job(db, weird, "sync", STOR_JOB_SUCCEEDED, 1700000010000, 1700000012500, 50, 500);
    job(db, "users", "sync", STOR_JOB_RUNNING, 6000, 0, 0, 0); /* not counted yet */

    const char *tasks[] = {"extract", "check"};
    int64_t r1 = 0, r2 = 0, r3 = 0;
    OK(stor_flow_run_start(db, "daily", "manual", 5000, 5000, 1, tasks, 2, &r1, err));
    attempt(db, r1, "extract", 1, STOR_TASK_FAILED, 5000, 5100);
    attempt(db, r1, "extract", 2, STOR_TASK_UP_FOR_RETRY, 5500, 5600);
    attempt(db, r1, "extract", 3, STOR_TASK_SUCCESS, 6000, 8500);
    attempt(db, r1, "check", 1, STOR_TASK_SUCCESS, 9000, 9250);
    quality(db, r1, "row_count", "pass", 42);
    quality(db, r1, "row_count", "pass", 7);
    quality(db, r1, "freshness", "not_enough_history", NAN);
    OK(stor_flow_run_finish(db, r1, STOR_RUN_SUCCESS, 9300, NULL, err));
    OK(stor_flow_run_start(db, "daily", "schedule", 15000, 15000, 1, tasks, 2, &r3, err));
    OK(stor_flow_run_finish(db, r3, STOR_RUN_CANCELLED, 16000, "cancelled", err));
    OK(stor_flow_run_start(db, "daily", "schedule", 20000, 20000, 1, tasks, 2, &r2, err));
    attempt(db, r2, "extract", 1, STOR_TASK_RUNNING, 20000, 0); /* running: left out */

    /* The configuration adds an idle connection and a flow that never ran. */
    struct core_connection conns[2] = {{.name = (char *)"users"}, {.name = (char *)"idle"}};
    struct core_task wtasks[1] = {{.name = (char *)"t1"}};
    struct core_flow flows[1] = {{.name = (char *)"weekly", .tasks = wtasks, .n_tasks = 1}};
    struct core_workspace ws = {.conns = conns, .n_conns = 2, .flows = flows, .n_flows = 1};

    struct wv_buf out = WV_BUF_INIT;
    OK(core_metrics_text(&ws, db, 99999, &out, err));
    assert_string_equal(wv_buf_cstr(&out), expected);
    wv_buf_done(&out);

    /* Without a workspace: only what the store knows. */
    OK(core_metrics_text(NULL, db, 99999, &out, err));
    assert_null(strstr(wv_buf_cstr(&out), "\"idle\""));
    assert_null(strstr(wv_buf_cstr(&out), "weekly"));
    assert_non_null(strstr(wv_buf_cstr(&out),
                           "\nweaver_sync_runs_total{connection=\"users\",status=\"failed\"} 1\n"));
    wv_buf_done(&out);
}

static void test_empty_store(void **state)
{
    struct fixture *f = *state;
    char *path = wv_asprintf("%s/state.db", f->dir);
    OK((f->db = stor_db_open(path, err)) ? 0 : -1);
    free(path);
    struct wv_buf out = WV_BUF_INIT;
    OK(core_metrics_text(NULL, f->db, 0, &out, err));
    const char *t = wv_buf_cstr(&out);
    /* Every family is declared, with no samples but the build's. */
    size_t helps = 0, samples = 0;
    for (const char *p = t; *p; p = strchr(p, '\n') + 1) {
        helps += strncmp(p, "# HELP ", 7) == 0;
        samples += *p != '#';
    }
    assert_int_equal(helps, 13);
    assert_int_equal(samples, 1);
    wv_buf_done(&out);
}

/* ---- the server and the command, on a workspace on disk ---- */

/* A workspace with one connection "users" and a succeeded sync job of it. */
static void make_workspace(struct fixture *f)
{
    wv_test_put(f->dir, "weaver.yaml", "version: 1\ndestinations:\n  raw:\n    path: raw\n");
    wv_test_put(f->dir, "sources/faker.yaml", "connector: builtin:faker\n");
    wv_test_put(f->dir, "connections/users.yaml", "source: faker\nstreams: [users]\n");
    struct wv_error e = {0};
    struct core_workspace *ws = core_workspace_load(f->dir, &e);
    if (!ws)
        fail_msg("core_workspace_load: %s", e.msg);
    OK((f->db = core_db_open(ws, err)) ? 0 : -1);
    core_workspace_free(ws);
    job(f->db, "users", "sync", STOR_JOB_SUCCEEDED, 1000, 2000, 10, 20);
}

/* Sends request to 127.0.0.1:port and returns the whole response (caller frees). */
static char *fetch(int port, const char *request)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    struct sockaddr_in a = {0};
    a.sin_family = AF_INET;
    a.sin_port = htons((uint16_t)port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(send(fd, request, strlen(request), MSG_NOSIGNAL), (ssize_t)strlen(request));
    struct wv_buf b = WV_BUF_INIT;
    char chunk[4096];
    ssize_t r;
    while ((r = recv(fd, chunk, sizeof chunk, 0)) > 0)
        assert_int_equal(wv_buf_append(&b, chunk, (size_t)r, NULL), 0);
    close(fd);
    return wv_buf_steal(&b, NULL);
}

static const char users_ok[] =
    "\nweaver_sync_runs_total{connection=\"users\",status=\"succeeded\"} 1\n";

static void test_server(void **state)
{
    struct fixture *f = *state;
    make_workspace(f);
    struct core_metrics_server *s = NULL;
    OK(core_metrics_serve_start(f->dir, "127.0.0.1:0", &s, err));
    int port = core_metrics_serve_port(s);
    assert_true(port > 0 && port < 65536);

    char *resp = fetch(port, "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n");
    assert_true(wv_str_starts(resp, "HTTP/1.1 200 OK\r\n"));
    assert_non_null(strstr(resp, "\r\nContent-Type: text/plain; version=0.0.4"));
    const char *body = strstr(resp, "\r\n\r\n");
    assert_non_null(body);
    body += 4;
    char *cl = wv_asprintf("\r\nContent-Length: %zu\r\n", strlen(body));
    assert_non_null(strstr(resp, cl));
    free(cl);
    assert_true(wv_str_starts(body, "# HELP weaver_build_info "));
    assert_non_null(strstr(body, users_ok));
    free(resp);

    resp = fetch(port, "GET /metrics?x=1 HTTP/1.0\r\n\r\n");
    assert_true(wv_str_starts(resp, "HTTP/1.1 200 OK\r\n"));
    free(resp);
    resp = fetch(port, "GET /other HTTP/1.1\r\n\r\n");
    assert_true(wv_str_starts(resp, "HTTP/1.1 404 Not Found\r\n"));
    free(resp);
    resp = fetch(port, "GET /metricsx HTTP/1.1\r\n\r\n");
    assert_true(wv_str_starts(resp, "HTTP/1.1 404 Not Found\r\n"));
    free(resp);
    resp = fetch(port, "POST /metrics HTTP/1.1\r\n\r\n");
    assert_true(wv_str_starts(resp, "HTTP/1.1 404 Not Found\r\n"));
    free(resp);
    resp = fetch(port, "garbage\n\n");
    assert_true(wv_str_starts(resp, "HTTP/1.1 404 Not Found\r\n"));
    free(resp);

    /* Each scrape reads the store afresh. */
    job(f->db, "users", "sync", STOR_JOB_SUCCEEDED, 3000, 4000, 10, 20);
    resp = fetch(port, "GET /metrics HTTP/1.1\r\n\r\n");
    assert_non_null(strstr(resp, "\nweaver_sync_runs_total{connection=\"users\",status=\"succeeded\"} 2\n"));
    free(resp);

    /* A workspace that cannot be loaded: 500 with the reason. */
    char *yaml = wv_path_join(f->dir, "weaver.yaml");
    assert_int_equal(unlink(yaml), 0);
    free(yaml);
    resp = fetch(port, "GET /metrics HTTP/1.1\r\n\r\n");
    assert_true(wv_str_starts(resp, "HTTP/1.1 500 Internal Server Error\r\n"));
    assert_non_null(strstr(resp, "\r\n\r\nerror: "));
    free(resp);

    core_metrics_serve_stop(s);
    core_metrics_serve_stop(NULL);
}

static void test_server_bad_listen(void **state)
{
    struct fixture *f = *state;
    const char *bad[] = {"127.0.0.1", "127.0.0.1:", "127.0.0.1:70000", ":9464", "127.0.0.1:x",
                         "127.0.0.1:-1"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct wv_error e = {0};
        struct core_metrics_server *s = (struct core_metrics_server *)1;
        assert_int_equal(core_metrics_serve_start(f->dir, bad[i], &s, &e), -1);
        assert_null(s);
        assert_int_equal(e.code, WV_E_USAGE);
        assert_non_null(strstr(e.msg, bad[i]));
    }
    /* A port in use. */
    struct core_metrics_server *a = NULL, *b = NULL;
    OK(core_metrics_serve_start(f->dir, "127.0.0.1:0", &a, err));
    char *addr = wv_asprintf("127.0.0.1:%d", core_metrics_serve_port(a));
    struct wv_error e = {0};
    assert_int_equal(core_metrics_serve_start(f->dir, addr, &b, &e), -1);
    assert_int_equal(e.code, WV_E_IO);
    assert_non_null(strstr(e.msg, "metrics: listen on 127.0.0.1:"));
    free(addr);
    core_metrics_serve_stop(a);
}

static void buf_write(void *ctx, const char *data, size_t len)
{
    assert_int_equal(wv_buf_append(ctx, data, len, NULL), 0);
}

static void test_command(void **state)
{
    struct fixture *f = *state;
    make_workspace(f);
    static const struct core_out_ops ops = {buf_write, NULL};
    struct wv_buf out = WV_BUF_INIT, diag = WV_BUF_INIT;
    struct core_cmd_env env = {.workspace_flag = f->dir, .out = {&ops, &out},
                               .diag = {&ops, &diag}};
    char *argv[] = {(char *)"metrics", NULL};
    OK(core_cmd_run(&env, 1, argv, err));
    assert_true(wv_str_starts(wv_buf_cstr(&out), "# HELP weaver_build_info "));
    assert_non_null(strstr(wv_buf_cstr(&out), users_ok));
    assert_non_null(strstr(wv_buf_cstr(&out),
                           "\nweaver_sync_records_total{connection=\"users\"} 10\n"));

    /* --listen serves until the cancel flag is set (here: already set). */
    volatile int cancel = 1;
    env.cancel = &cancel;
    char *argv2[] = {(char *)"metrics", (char *)"--listen", (char *)"127.0.0.1:0", NULL};
    OK(core_cmd_run(&env, 3, argv2, err));
    assert_true(wv_str_starts(wv_buf_cstr(&diag), "serving metrics on http://127.0.0.1:"));

    struct wv_error e = {0};
    char *argv3[] = {(char *)"metrics", (char *)"extra", NULL};
    assert_int_equal(core_cmd_run(&env, 2, argv3, &e), -1);
    assert_int_equal(e.code, WV_E_USAGE);
    wv_buf_done(&out);
    wv_buf_done(&diag);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_text, setup, teardown),
        cmocka_unit_test_setup_teardown(test_empty_store, setup, teardown),
        cmocka_unit_test_setup_teardown(test_server, setup, teardown),
        cmocka_unit_test_setup_teardown(test_server_bad_listen, setup, teardown),
        cmocka_unit_test_setup_teardown(test_command, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
