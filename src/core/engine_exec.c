/* engine_exec.c - commands run for the console: exec (on the caller's thread, short commands)
 * and exec_async (queued for a pool of ENGINE_WORKERS worker threads; the results wait in a
 * queue for poll_results - the console's command log). Output (results and diagnostics) is
 * captured into a buffer, at most OUTPUT_MAX bytes. A read-only engine refuses commands that
 * change the workspace (core_cmd_readonly). The outcome of `check SOURCE` is remembered for the
 * snapshot's sources. */
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "core/engine_int.h"

#define OUTPUT_MAX (1 << 20)

/* A command's captured output; the command's threads may write concurrently. */
struct capture {
    pthread_mutex_t mu;
    struct wv_buf buf;
    bool truncated;
};

static void capture_write(void *ctx, const char *data, size_t len)
{
    struct capture *c = ctx;
    pthread_mutex_lock(&c->mu);
    if (c->buf.len + len > OUTPUT_MAX) {
        if (!c->truncated)
            wv_buf_puts(&c->buf, "\n[output truncated]\n", NULL);
        c->truncated = true;
    } else {
        wv_buf_append(&c->buf, data, len, NULL);
    }
    pthread_mutex_unlock(&c->mu);
}

static void buf_write(void *ctx, const char *data, size_t len)
{
    wv_buf_append(ctx, data, len, NULL);
}

/* The command line as text, arguments with spaces quoted. Caller frees. */
static char *join_line(int argc, char **argv)
{
    struct wv_buf b = WV_BUF_INIT;
    for (int i = 0; i < argc; i++) {
        if (i)
            wv_buf_putc(&b, ' ', NULL);
        if (!*argv[i] || strpbrk(argv[i], " \t\"'"))
            wv_buf_printf(&b, NULL, "'%s'", argv[i]);
        else
            wv_buf_puts(&b, argv[i], NULL);
    }
    return wv_buf_steal(&b, NULL);
}

/* Refuses a changing command in read-only mode. */
static int check_allowed(const struct local_engine *e, int argc, char **argv,
                         struct wv_error *err)
{
    if (argc < 1)
        return wv_error_set(err, WV_E_USAGE, 0, "no command"), -1;
    if (!e->opts.readonly || core_cmd_readonly(argc, argv))
        return 0;
    char *line = join_line(argc, argv);
    wv_error_set(err, WV_E_CONFLICT, 0, "read-only console: `%s` changes the workspace", line);
    free(line);
    return -1;
}

/* Remembers the outcome of `check SOURCE` for the snapshot (lock held). */
static void record_check(struct local_engine *e, const char *source, int rc,
                         const struct wv_error *err, int64_t ms)
{
    struct engine_check *c = NULL;
    for (size_t i = 0; i < e->n_checks && !c; i++)
        if (strcmp(e->checks[i].source, source) == 0)
            c = &e->checks[i];
    if (!c) {
        e->checks = wv_realloc(e->checks, (e->n_checks + 1) * sizeof *e->checks);
        c = &e->checks[e->n_checks++];
        c->source = wv_strdup(source);
    } else {
        free(c->status);
        free(c->message);
    }
    c->status = wv_strdup(rc == 0 ? "succeeded" : "failed");
    c->message = rc == 0 ? NULL : wv_strdup(err->msg);
    c->ms = ms;
}

/* Runs a command on the calling thread into out. */
int core_engine_exec(void *ctx, int argc, char **argv, struct wv_buf *out, struct wv_error *err)
{
    struct local_engine *e = ctx;
    if (check_allowed(e, argc, argv, err) < 0)
        return -1;
    static const struct core_out_ops ops = {buf_write, NULL};
    struct core_cmd_env env = {.workspace_flag = e->root, .cancel = &e->cancel};
    env.out = (struct core_out){&ops, out};
    env.diag = (struct core_out){&ops, out};
    int rc = core_cmd_run(&env, argc, argv, err);
    if (argc == 2 && strcmp(argv[0], "check") == 0) {
        pthread_mutex_lock(&e->mu);
        record_check(e, argv[1], rc, err, wv_clock_now_ms(wv_clock_system()));
        pthread_mutex_unlock(&e->mu);
    }
    return rc;
}

/* Runs one queued command and queues its result. */
static void run_cmd(struct local_engine *e, struct engine_cmd *cmd)
{
    const struct wv_clock *clk = wv_clock_system();
    struct core_cmd_result r = {.id = cmd->id, .line = join_line(cmd->argc, cmd->argv)};
    r.started_ms = wv_clock_now_ms(clk);
    wv_logf(&e->log, WV_LOG_INFO, "command %lld: %s", (long long)r.id, r.line);
    struct capture cap = {.buf = WV_BUF_INIT};
    pthread_mutex_init(&cap.mu, NULL);
    static const struct core_out_ops ops = {capture_write, NULL};
    struct core_cmd_env env = {.workspace_flag = e->root, .cancel = &e->cancel};
    env.out = (struct core_out){&ops, &cap};
    env.diag = (struct core_out){&ops, &cap};
    struct wv_error err;
    wv_error_clear(&err);
    int rc = core_cmd_run(&env, cmd->argc, cmd->argv, &err);
    pthread_mutex_destroy(&cap.mu);
    r.ended_ms = wv_clock_now_ms(clk);
    r.rc = rc < 0 ? (err.code == WV_E_USAGE ? 2 : 1) : 0;
    r.output = wv_buf_steal(&cap.buf, NULL);
    r.error = rc < 0 ? wv_strdup(err.msg) : NULL;
    if (rc < 0)
        wv_logf(&e->log, WV_LOG_WARN, "command %lld failed: %s", (long long)r.id, err.msg);
    else
        wv_logf(&e->log, WV_LOG_INFO, "command %lld done", (long long)r.id);
    pthread_mutex_lock(&e->mu);
    if (cmd->argc == 2 && strcmp(cmd->argv[0], "check") == 0)
        record_check(e, cmd->argv[1], rc, &err, r.ended_ms);
    if (e->n_results == e->cap_results) {
        e->cap_results = e->cap_results ? e->cap_results * 2 : 8;
        e->results = wv_realloc(e->results, e->cap_results * sizeof *e->results);
    }
    e->results[e->n_results++] = r;
    pthread_cond_broadcast(&e->cond); /* the snapshot thread refreshes now */
    pthread_mutex_unlock(&e->mu);
}

static void cmd_free(struct engine_cmd *cmd)
{
    for (int i = 0; i < cmd->argc; i++)
        free(cmd->argv[i]);
    free(cmd->argv);
    free(cmd);
}

/* A worker: takes queued commands until the engine stops. */
static void *worker_main(void *arg)
{
    struct local_engine *e = arg;
    pthread_mutex_lock(&e->mu);
    for (;;) {
        while (!e->stop && !e->queue)
            pthread_cond_wait(&e->cond, &e->mu);
        if (e->stop)
            break;
        struct engine_cmd *cmd = e->queue;
        e->queue = cmd->next;
        if (!e->queue)
            e->queue_tail = NULL;
        pthread_mutex_unlock(&e->mu);
        run_cmd(e, cmd);
        cmd_free(cmd);
        pthread_mutex_lock(&e->mu);
    }
    pthread_mutex_unlock(&e->mu);
    return NULL;
}

/* Queues a command for the workers. */
int64_t core_engine_exec_async(void *ctx, int argc, char **argv, struct wv_error *err)
{
    struct local_engine *e = ctx;
    if (check_allowed(e, argc, argv, err) < 0)
        return -1;
    struct engine_cmd *cmd = wv_calloc(1, sizeof *cmd);
    cmd->argc = argc;
    cmd->argv = wv_calloc((size_t)argc + 1, sizeof *cmd->argv);
    for (int i = 0; i < argc; i++)
        cmd->argv[i] = wv_strdup(argv[i]);
    pthread_mutex_lock(&e->mu);
    if (e->stop || e->n_workers == 0) {
        pthread_mutex_unlock(&e->mu);
        cmd_free(cmd);
        return wv_error_set(err, WV_E_INTERNAL, 0, "engine: no command worker running"), -1;
    }
    int64_t id = cmd->id = ++e->next_id;
    if (e->queue_tail)
        e->queue_tail->next = cmd;
    else
        e->queue = cmd;
    e->queue_tail = cmd;
    pthread_cond_broadcast(&e->cond);
    pthread_mutex_unlock(&e->mu);
    return id;
}

/* Takes the finished results. */
void core_engine_poll_results(void *ctx, struct core_cmd_result **out, size_t *n)
{
    struct local_engine *e = ctx;
    pthread_mutex_lock(&e->mu);
    *out = e->results;
    *n = e->n_results;
    e->results = NULL;
    e->n_results = e->cap_results = 0;
    pthread_mutex_unlock(&e->mu);
}

/* Starts the workers. */
int core_engine_exec_start(struct local_engine *e, struct wv_error *err)
{
    for (size_t i = 0; i < ENGINE_WORKERS; i++) {
        int rc = pthread_create(&e->workers[i], NULL, worker_main, e);
        if (rc != 0)
            return wv_error_errno(err, rc, "engine: starting a command worker");
        pthread_mutex_lock(&e->mu);
        e->n_workers = i + 1;
        pthread_mutex_unlock(&e->mu);
    }
    return 0;
}

/* Joins the workers, frees what is left. */
void core_engine_exec_stop(struct local_engine *e)
{
    for (size_t i = 0; i < e->n_workers; i++)
        pthread_join(e->workers[i], NULL);
    e->n_workers = 0;
    while (e->queue) {
        struct engine_cmd *cmd = e->queue;
        e->queue = cmd->next;
        cmd_free(cmd);
    }
    e->queue_tail = NULL;
    for (size_t i = 0; i < e->n_results; i++) {
        struct core_cmd_result *r = &e->results[i];
        free(r->line);
        free(r->output);
        free(r->error);
    }
    free(e->results);
    e->results = NULL;
    e->n_results = 0;
    for (size_t i = 0; i < e->n_checks; i++) {
        free(e->checks[i].source);
        free(e->checks[i].status);
        free(e->checks[i].message);
    }
    free(e->checks);
    e->checks = NULL;
    e->n_checks = 0;
}

/* Frees what a result owns, and the result's fields (not the array). */
void core_cmd_result_free(struct core_cmd_result *r)
{
    if (!r)
        return;
    free(r->line);
    free(r->output);
    free(r->error);
    r->line = r->output = r->error = NULL;
}
