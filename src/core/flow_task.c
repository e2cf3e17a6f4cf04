/* flow_task.c - what one try of each kind of flow task does, on a worker thread:
 *   sync     core_sync_run (staging Parquet runs when a publish task is downstream), with the
 *            statistics downstream checks need
 *   quality  the task's checks over each upstream sync's staged run (statistics, history of
 *            the connection's published runs, catalog schemas, request counts); results are
 *            stored; an error-level failure fails the task
 *   gate     passes when no upstream quality task or sync failed
 *   publish  publishes what the upstream syncs staged (files, manifest, then their states)
 *   command  argv run directly (never a shell), output to the attempt's log; cancelled or
 *            timed out: SIGTERM, then SIGKILL after 5 s
 *   noop     nothing (for tests and benchmarks)
 * A worker never touches the run's SQLite connection; it opens its own when it needs one. */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/mem.h"
#include "core/flow_int.h"

/* The worker's log: lines go to the task's pending buffer. */
struct log_ctx {
    struct frun *fr;
    struct ftask *ft;
};

static void log_fn(void *ctx, enum wv_level level, const char *msg)
{
    struct log_ctx *lc = ctx;
    core_flow_task_log(lc->fr, lc->ft, level, msg);
}

/* Appends a timestamped line to the task's pending log. */
void core_flow_task_log(struct frun *fr, struct ftask *ft, enum wv_level level, const char *msg)
{
    char ts[32];
    wv_time_iso(wv_clock_now_ms(fr->clock), ts, sizeof ts);
    pthread_mutex_lock(&fr->mu);
    wv_buf_printf(&ft->log, NULL, "%s %s %s\n", ts, wv_level_name(level), msg);
    pthread_mutex_unlock(&fr->mu);
}

/* Whether a task of kind k lies downstream of task i. */
static bool kind_downstream(const struct frun *fr, size_t i, enum core_task_kind k)
{
    const struct core_flow *f = fr->f;
    for (size_t j = 0; j < f->n_tasks; j++)
        if (f->tasks[j].kind == k && core_flow_upstream(fr, i, j))
            return true;
    return false;
}

/* sync: one sync of the task's connection. */
static void run_sync(struct frun *fr, struct ftask *ft, const struct wv_log *log)
{
    const struct core_flow *f = fr->f;
    /* the checks of downstream quality tasks, so the sync collects what they need */
    size_t n_track = 0;
    for (size_t j = 0; j < f->n_tasks; j++)
        if (f->tasks[j].kind == CORE_TASK_QUALITY && core_flow_upstream(fr, ft->idx, j))
            n_track += f->tasks[j].n_checks;
    struct qual_check *track = wv_calloc(n_track ? n_track : 1, sizeof *track);
    size_t k = 0;
    for (size_t j = 0; j < f->n_tasks; j++)
        if (f->tasks[j].kind == CORE_TASK_QUALITY && core_flow_upstream(fr, ft->idx, j))
            for (size_t c = 0; c < f->tasks[j].n_checks; c++)
                track[k++] = f->tasks[j].checks[c];
    struct core_sync_opts so = {.clock = fr->clock, .log = log, .cancel = &ft->cancel,
                                .stage_only = kind_downstream(fr, ft->idx, CORE_TASK_PUBLISH),
                                .track = track, .n_track = n_track};
    struct core_sync_result res;
    ft->rc = core_sync_run(fr->ws, ft->t->connection, &so, &res, &ft->err);
    ft->job_id = res.job_id;
    ft->records = res.records;
    ft->bytes = res.bytes;
    ft->staged = res.staged && so.stage_only;
    core_sync_result_done(&res);
    free(track);
}

/* The sync tasks upstream of task i that produced a job in this run. */
static size_t upstream_syncs(struct frun *fr, size_t i, size_t *out)
{
    size_t n = 0;
    for (size_t j = 0; j < fr->n; j++) {
        const struct ftask *s = &fr->ts[j];
        if (s->t->kind == CORE_TASK_SYNC && core_flow_upstream(fr, j, i) && s->tr.job_id > 0)
            out[n++] = j;
    }
    return n;
}

/* quality: the task's checks over one upstream sync's job. Returns error-level failures. */
static int judge_sync(struct frun *fr, struct ftask *ft, struct stor_db *db, const struct ftask *s,
                      const struct wv_log *log, struct wv_buf *why, struct wv_error *err)
{
    struct qual_stats *stats = NULL;
    struct wv_json *schemas = NULL;
    size_t n = ft->t->n_checks;
    struct qual_result *res = wv_calloc(n ? n : 1, sizeof *res);
    int fails = -1;
    if (core_job_stats_load(db, s->tr.job_id, &stats, &schemas, err) < 0)
        goto out;
    if (!stats) {
        wv_error_set(err, WV_E_NOTFOUND, 0, "sync %s (job %lld) kept no statistics",
                     s->t->name, (long long)s->tr.job_id);
        goto out;
    }
    if (core_judge(db, s->t->connection, s->tr.job_id, stats, schemas, ft->t->checks, n,
                   wv_clock_now_ms(fr->clock), res, err) < 0)
        goto out;
    fails = 0;
    for (size_t c = 0; c < n; c++) {
        const struct qual_check *q = &ft->t->checks[c];
        const struct qual_result *r = &res[c];
        struct stor_quality_result sr = {.run_id = fr->run_id, .task = ft->t->name,
                                         .sync_task = (char *)s->t->name, .stream = q->stream,
                                         .check = (char *)qual_check_kind_name(q->kind),
                                         .error_severity = q->error,
                                         .verdict = (char *)qual_verdict_name(r->verdict),
                                         .observed = r->observed,
                                         .threshold = (char *)r->threshold,
                                         .text = (char *)r->text};
        if (stor_quality_add(db, &sr, err) < 0) {
            fails = -1;
            break;
        }
        wv_logf(log, r->verdict == QUAL_FAIL   ? WV_LOG_ERROR
                     : r->verdict == QUAL_WARN ? WV_LOG_WARN
                                               : WV_LOG_INFO,
                "%s: %s: %s", s->t->name, qual_verdict_name(r->verdict), r->text);
        if (r->verdict == QUAL_FAIL) {
            fails++;
            wv_buf_printf(why, NULL, "%s%s: %s", why->len ? "; " : "", s->t->name, r->text);
        }
    }
out:
    free(res);
    qual_stats_free(stats);
    wv_json_free(schemas);
    return fails;
}

/* quality: every upstream sync judged. */
static void run_quality(struct frun *fr, struct ftask *ft, const struct wv_log *log)
{
    struct stor_db *db = core_db_open(fr->ws, &ft->err);
    ft->rc = db ? 0 : -1;
    size_t *ups = wv_calloc(fr->n, sizeof *ups);
    size_t n = db ? upstream_syncs(fr, ft->idx, ups) : 0;
    if (db && n == 0)
        ft->rc = wv_error_set(&ft->err, WV_E_NOTFOUND, 0, "no upstream sync ran in this run");
    struct wv_buf why;
    wv_buf_init(&why, 4096);
    int fails = 0;
    for (size_t i = 0; ft->rc == 0 && i < n; i++) {
        int f = judge_sync(fr, ft, db, &fr->ts[ups[i]], log, &why, &ft->err);
        if (f < 0)
            ft->rc = -1;
        else
            fails += f;
    }
    if (ft->rc == 0 && fails)
        ft->rc = wv_error_set(&ft->err, WV_E_QUALITY, 0, "%d error-level check%s failed: %s",
                              fails, fails == 1 ? "" : "s", wv_buf_cstr(&why));
    wv_buf_done(&why);
    free(ups);
    stor_db_close(db);
}

/* gate: passes when nothing upstream failed. */
static void run_gate(struct frun *fr, struct ftask *ft)
{
    struct wv_buf why;
    wv_buf_init(&why, 4096);
    for (size_t j = 0; j < fr->n; j++) {
        const struct ftask *u = &fr->ts[j];
        if (!core_flow_upstream(fr, j, ft->idx))
            continue;
        if (u->tr.state == STOR_TASK_FAILED || u->tr.state == STOR_TASK_UPSTREAM_FAILED)
            wv_buf_printf(&why, NULL, "%s%s %s%s%s", why.len ? "; " : "", u->t->name,
                          stor_task_state_name(u->tr.state), u->tr.error ? ": " : "",
                          u->tr.error ? u->tr.error : "");
    }
    ft->rc = why.len ? wv_error_set(&ft->err, WV_E_QUALITY, 0, "gate closed: %s",
                                    wv_buf_cstr(&why))
                     : 0;
    wv_buf_done(&why);
}

/* publish: the staged runs of the upstream syncs. */
static void run_publish(struct frun *fr, struct ftask *ft, const struct wv_log *log)
{
    struct stor_db *db = core_db_open(fr->ws, &ft->err);
    ft->rc = db ? 0 : -1;
    size_t *ups = wv_calloc(fr->n, sizeof *ups);
    size_t n = db ? upstream_syncs(fr, ft->idx, ups) : 0;
    for (size_t i = 0; ft->rc == 0 && i < n; i++) {
        const struct ftask *s = &fr->ts[ups[i]];
        struct stor_publish p;
        if (stor_publish_get(db, s->tr.job_id, &p, &ft->err) < 0) {
            if (ft->err.code != WV_E_NOTFOUND) {
                ft->rc = -1;
                break;
            }
            wv_error_clear(&ft->err); /* a JSONL zone: published as it was written */
            continue;
        }
        bool done = p.status == STOR_PUB_PUBLISHED;
        stor_publish_done(&p);
        if (done)
            continue;
        int lock = -1;
        ft->rc = core_conn_lock(fr->ws, s->t->connection, &lock, &ft->err);
        if (ft->rc == 0)
            ft->rc = core_publish_run(fr->ws, db, s->tr.job_id, fr->clock, log, &ft->err);
        if (lock >= 0)
            close(lock);
        if (ft->rc == 0) {
            ft->records += s->tr.records;
            ft->bytes += s->tr.bytes;
            wv_logf(log, WV_LOG_INFO, "published job %lld of %s", (long long)s->tr.job_id,
                    s->t->connection);
        }
    }
    free(ups);
    stor_db_close(db);
}

/* command: argv, output captured, cancel and timeout honoured. */
static void run_command(struct frun *fr, struct ftask *ft, const struct wv_log *log)
{
    int fds[2];
    if (pipe(fds) < 0) {
        ft->rc = wv_error_errno(&ft->err, errno, "pipe");
        return;
    }
    pid_t pid = fork();
    if (pid < 0) {
        ft->rc = wv_error_errno(&ft->err, errno, "fork");
        close(fds[0]);
        close(fds[1]);
        return;
    }
    if (pid == 0) {
        setpgid(0, 0);
        dup2(fds[1], 1);
        dup2(fds[1], 2);
        close(fds[0]);
        close(fds[1]);
        int devnull = open("/dev/null", O_RDONLY);
        if (devnull >= 0)
            dup2(devnull, 0);
        execv(ft->t->argv[0], ft->t->argv);
        _exit(127);
    }
    close(fds[1]);
    struct wv_buf line;
    wv_buf_init(&line, 64 * 1024);
    int64_t kill_at = 0;
    bool termed = false;
    for (;;) {
        struct pollfd p = {fds[0], POLLIN, 0};
        int r = poll(&p, 1, 100);
        if (r > 0) {
            char buf[4096];
            ssize_t k = read(fds[0], buf, sizeof buf);
            if (k <= 0)
                break;
            for (ssize_t i = 0; i < k; i++) {
                if (buf[i] == '\n' || line.len >= 16 * 1024) {
                    wv_logf(log, WV_LOG_INFO, "%s", wv_buf_cstr(&line));
                    wv_buf_reset(&line);
                    if (buf[i] == '\n')
                        continue;
                }
                wv_buf_putc(&line, buf[i], NULL);
            }
        }
        if (ft->cancel && !termed) {
            kill(-pid, SIGTERM);
            termed = true;
            kill_at = wv_clock_mono_ns(wv_clock_system()) + 5000000000LL;
        }
        if (termed && wv_clock_mono_ns(wv_clock_system()) > kill_at)
            kill(-pid, SIGKILL);
    }
    if (line.len)
        wv_logf(log, WV_LOG_INFO, "%s", wv_buf_cstr(&line));
    wv_buf_done(&line);
    close(fds[0]);
    int st = 0;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
        ;
    if (termed)
        ft->rc = wv_error_set(&ft->err, WV_E_CANCELLED, 0, "command %s stopped", ft->t->argv[0]);
    else if (WIFEXITED(st) && WEXITSTATUS(st) == 127)
        ft->rc = wv_error_set(&ft->err, WV_E_NOTFOUND, 127, "command %s could not be run",
                              ft->t->argv[0]);
    else if (WIFEXITED(st) && WEXITSTATUS(st) != 0)
        ft->rc = wv_error_set(&ft->err, WV_E_SOURCE, WEXITSTATUS(st), "command %s exited with %d",
                              ft->t->argv[0], WEXITSTATUS(st));
    else if (WIFSIGNALED(st))
        ft->rc = wv_error_set(&ft->err, WV_E_SOURCE, WTERMSIG(st), "command %s killed by signal %d",
                              ft->t->argv[0], WTERMSIG(st));
    else
        ft->rc = 0;
    (void)fr;
}

/* Runs one try of a task. */
void core_flow_task_exec(struct frun *fr, struct ftask *ft)
{
    struct log_ctx lc = {fr, ft};
    struct wv_log log = {log_fn, &lc, WV_LOG_INFO};
    wv_error_clear(&ft->err);
    ft->rc = 0;
    ft->job_id = ft->records = ft->bytes = 0;
    ft->staged = false;
    switch (ft->t->kind) {
    case CORE_TASK_SYNC:
        run_sync(fr, ft, &log);
        break;
    case CORE_TASK_QUALITY:
        run_quality(fr, ft, &log);
        break;
    case CORE_TASK_GATE:
        run_gate(fr, ft);
        break;
    case CORE_TASK_PUBLISH:
        run_publish(fr, ft, &log);
        break;
    case CORE_TASK_COMMAND:
        run_command(fr, ft, &log);
        break;
    case CORE_TASK_NOOP:
        break;
    }
    if (ft->rc < 0)
        wv_logf(&log, WV_LOG_ERROR, "%s", ft->err.msg);
}
