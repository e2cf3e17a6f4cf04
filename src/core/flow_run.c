/* flow_run.c - the flow runner: the DAG loop on the calling thread (which owns the run's
 * SQLite connection), tasks on worker threads (at most max_parallel at once). Each pass: poll
 * cancellation (the caller's flag, or `flow cancel` through the database), fire timeouts,
 * collect finished tries (success, retry later with exponential backoff and jitter, or
 * failure; a failing gate may clear the syncs it names and everything downstream of them,
 * bounded by max_loops), decide waiting tasks by their trigger rule, start ready ones, write
 * pending log lines; then sleep until a worker finishes or 200 ms pass. */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/mem.h"
#include "core/flow_int.h"

#define POLL_MS 200
#define CANCEL_POLL_MS 500
#define MAX_BACKOFF_MS (10 * 60 * 1000)

/* Whether a process still exists. */
bool core_flow_pid_alive(int pid)
{
    return pid > 0 && (kill(pid, 0) == 0 || errno == EPERM);
}

/* Whether task a is upstream of task b (a path of depends_on edges from b to a). */
bool core_flow_upstream(const struct frun *fr, size_t a, size_t b)
{
    return (fr->reach[b * fr->words + a / 64] >> (a % 64)) & 1;
}

/* The reachability table, built in topological order: a task's upstream set is its deps and
 * their upstream sets. */
static void build_reach(struct frun *fr)
{
    fr->words = (fr->n + 63) / 64;
    fr->reach = wv_calloc(fr->n * fr->words + 1, sizeof *fr->reach);
    for (size_t k = 0; k < fr->n; k++) {
        size_t b = fr->f->order[k];
        uint64_t *row = &fr->reach[b * fr->words];
        const struct core_task *t = &fr->f->tasks[b];
        for (size_t i = 0; i < t->n_deps; i++) {
            size_t d = t->deps[i];
            const uint64_t *drow = &fr->reach[d * fr->words];
            for (size_t w = 0; w < fr->words; w++)
                row[w] |= drow[w];
            row[d / 64] |= (uint64_t)1 << (d % 64);
        }
    }
}

static bool terminal(enum stor_task_state s)
{
    return s == STOR_TASK_SUCCESS || s == STOR_TASK_FAILED || s == STOR_TASK_UPSTREAM_FAILED ||
           s == STOR_TASK_SKIPPED;
}

static int64_t mono_ms(const struct frun *fr)
{
    return wv_clock_mono_ns(fr->clock) / 1000000;
}

/* Tells the caller about a state change. */
static void emit(struct frun *fr, const struct ftask *ft, const char *message)
{
    if (!fr->o->on_event)
        return;
    struct core_flow_event e = {fr->run_id, ft ? ft->t->name : NULL,
                                ft ? stor_task_state_name(ft->tr.state) : NULL,
                                ft ? ft->tr.try_number : 0, message};
    fr->o->on_event(fr->o->event_ctx, &e);
}

/* Saves a task instance (errors logged: the run goes on). */
static void persist(struct frun *fr, struct ftask *ft)
{
    struct wv_error e;
    wv_error_clear(&e);
    if (stor_task_run_update(fr->db, &ft->tr, &e) < 0)
        wv_logf(fr->o->log, WV_LOG_ERROR, "task %s: %s", ft->t->name, e.msg);
}

void core_flow_set_state(struct frun *fr, struct ftask *ft, enum stor_task_state s,
                         const char *error)
{
    ft->tr.state = s;
    free(ft->tr.error);
    ft->tr.error = error ? wv_strdup(error) : NULL;
    if (s == STOR_TASK_SUCCESS || s == STOR_TASK_FAILED || s == STOR_TASK_UPSTREAM_FAILED ||
        s == STOR_TASK_SKIPPED)
        ft->tr.ended_ms = wv_clock_now_ms(fr->clock);
    persist(fr, ft);
    emit(fr, ft, error);
}

/* Writes the lines workers logged since the last pass. */
static void flush_logs(struct frun *fr)
{
    for (size_t i = 0; i < fr->n; i++) {
        struct ftask *ft = &fr->ts[i];
        char *text = NULL;
        pthread_mutex_lock(&fr->mu);
        if (ft->log.len && ft->attempt_id)
            text = wv_buf_steal(&ft->log, NULL);
        pthread_mutex_unlock(&fr->mu);
        if (!text)
            continue;
        struct wv_error e;
        wv_error_clear(&e);
        if (stor_attempt_log(fr->db, ft->attempt_id, text, &e) < 0)
            wv_logf(fr->o->log, WV_LOG_WARN, "task %s: log: %s", ft->t->name, e.msg);
        free(text);
    }
}

struct wctx {
    struct frun *fr;
    struct ftask *ft;
};

static void *worker(void *arg)
{
    struct wctx *w = arg;
    core_flow_task_exec(w->fr, w->ft);
    pthread_mutex_lock(&w->fr->mu);
    w->ft->finished = true;
    pthread_cond_signal(&w->fr->cv);
    pthread_mutex_unlock(&w->fr->mu);
    free(w);
    return NULL;
}

/* Starts a try of a task on a worker thread. */
static int start_task(struct frun *fr, struct ftask *ft, struct wv_error *err)
{
    int64_t now = wv_clock_now_ms(fr->clock);
    ft->tr.try_number++;
    if (stor_attempt_start(fr->db, fr->run_id, ft->t->name, ft->tr.try_number, now,
                           &ft->attempt_id, err) < 0)
        return -1;
    ft->tr.started_ms = now;
    ft->tr.ended_ms = 0;
    ft->cancel = 0;
    ft->finished = false;
    ft->timed_out = false;
    ft->deadline_ms = ft->t->timeout_ms ? mono_ms(fr) + ft->t->timeout_ms : 0;
    core_flow_set_state(fr, ft, STOR_TASK_RUNNING, NULL);
    struct wctx *w = wv_malloc(sizeof *w);
    *w = (struct wctx){fr, ft};
    int rc = pthread_create(&ft->th, NULL, worker, w);
    if (rc != 0) {
        free(w);
        return wv_error_errno(err, rc, "start a worker thread");
    }
    fr->running++;
    return 0;
}

/* The delay before try number `next` (2, 3, ...): retry_delay * 2^(next-2), capped, +0-25%. */
static int64_t backoff_ms(const struct core_task *t, int next)
{
    int64_t d = t->retry_delay_ms > 0 ? t->retry_delay_ms : 10000;
    for (int i = 2; i < next && d < MAX_BACKOFF_MS; i++)
        d *= 2;
    if (d > MAX_BACKOFF_MS)
        d = MAX_BACKOFF_MS;
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return d + (int64_t)((uint64_t)ts.tv_nsec % (uint64_t)(d / 4 + 1));
}

/* A gate failed and may send the run back: clears the syncs it names and everything
 * downstream of them (the gate included). Their staged runs are discarded. */
static bool gate_loop(struct frun *fr, struct ftask *gate)
{
    const struct core_task *t = gate->t;
    if (t->n_rerun == 0 || gate->tr.loop >= t->max_loops)
        return false;
    int loop = gate->tr.loop + 1;
    wv_logf(fr->o->log, WV_LOG_WARN, "flow %s: gate %s failed: rerunning (loop %d of %d)",
            fr->f->name, t->name, loop, t->max_loops);
    for (size_t j = 0; j < fr->n; j++) {
        struct ftask *ft = &fr->ts[j];
        bool clear = false;
        for (size_t r = 0; r < t->n_rerun && !clear; r++)
            clear = j == t->rerun[r] || core_flow_upstream(fr, t->rerun[r], j);
        if (!clear)
            continue;
        if (ft->t->kind == CORE_TASK_SYNC && ft->staged && ft->tr.job_id > 0) {
            struct wv_error e;
            wv_error_clear(&e);
            if (core_publish_discard(fr->ws, fr->db, ft->tr.job_id,
                                     "superseded: the gate sent the flow back to its syncs",
                                     fr->clock, fr->o->log, &e) < 0)
                wv_logf(fr->o->log, WV_LOG_WARN, "task %s: %s", ft->t->name, e.msg);
            ft->staged = false;
        }
        ft->tr.loop = loop;
        ft->tr.job_id = 0;
        core_flow_set_state(fr, ft, STOR_TASK_NONE, NULL);
    }
    return true;
}

/* Collects a finished try. */
static void collect(struct frun *fr, struct ftask *ft, bool cancelling)
{
    pthread_join(ft->th, NULL);
    fr->running--;
    flush_logs(fr);
    int64_t now = wv_clock_now_ms(fr->clock);
    char *msg = NULL;
    if (ft->rc < 0 && ft->timed_out)
        msg = wv_asprintf("timed out after %llds (%s)", (long long)(ft->t->timeout_ms / 1000),
                          ft->err.msg);
    else if (ft->rc < 0)
        msg = wv_strdup(ft->err.msg);
    struct wv_error e;
    wv_error_clear(&e);
    if (stor_attempt_finish(fr->db, ft->attempt_id,
                            ft->rc == 0 ? STOR_TASK_SUCCESS : STOR_TASK_FAILED, now, ft->records,
                            ft->bytes, msg, &e) < 0)
        wv_logf(fr->o->log, WV_LOG_ERROR, "task %s: %s", ft->t->name, e.msg);
    if (ft->t->kind == CORE_TASK_SYNC) {
        ft->tr.job_id = ft->job_id;
        ft->tr.records = ft->records;
        ft->tr.bytes = ft->bytes;
    } else if (ft->t->kind == CORE_TASK_PUBLISH) {
        ft->tr.records = ft->records;
        ft->tr.bytes = ft->bytes;
    }
    if (ft->rc == 0) {
        core_flow_set_state(fr, ft, STOR_TASK_SUCCESS, NULL);
    } else if (!cancelling && ft->tr.try_number <= ft->t->retries) {
        ft->next_try_ms = mono_ms(fr) + backoff_ms(ft->t, ft->tr.try_number + 1);
        core_flow_set_state(fr, ft, STOR_TASK_UP_FOR_RETRY, msg);
    } else if (!(ft->t->kind == CORE_TASK_GATE && !cancelling && gate_loop(fr, ft))) {
        core_flow_set_state(fr, ft, STOR_TASK_FAILED, msg);
    }
    free(msg);
}

/* Decides a waiting task by its trigger rule: returns true when it may start. */
static bool decide(struct frun *fr, struct ftask *ft)
{
    const struct core_task *t = ft->t;
    bool all_done = true, all_success = true, any_failed = false, any_skipped = false;
    for (size_t i = 0; i < t->n_deps; i++) {
        enum stor_task_state s = fr->ts[t->deps[i]].tr.state;
        all_done &= terminal(s);
        all_success &= s == STOR_TASK_SUCCESS;
        any_failed |= s == STOR_TASK_FAILED || s == STOR_TASK_UPSTREAM_FAILED;
        any_skipped |= s == STOR_TASK_SKIPPED;
    }
    enum core_trigger rule = t->trigger;
    if (t->kind == CORE_TASK_GATE && rule == CORE_TRIGGER_ALL_SUCCESS)
        rule = CORE_TRIGGER_ALL_DONE; /* a gate judges failures: it runs once upstream is done */
    switch (rule) {
    case CORE_TRIGGER_ALL_SUCCESS:
        if (any_failed)
            core_flow_set_state(fr, ft, STOR_TASK_UPSTREAM_FAILED, "an upstream task failed");
        else if (all_done && any_skipped)
            core_flow_set_state(fr, ft, STOR_TASK_SKIPPED, "an upstream task was skipped");
        return all_success;
    case CORE_TRIGGER_ALL_DONE:
        return all_done;
    case CORE_TRIGGER_ONE_FAILED:
        if (!any_failed && all_done)
            core_flow_set_state(fr, ft, STOR_TASK_SKIPPED, "no upstream task failed");
        return any_failed;
    case CORE_TRIGGER_NONE_FAILED:
        if (any_failed)
            core_flow_set_state(fr, ft, STOR_TASK_UPSTREAM_FAILED, "an upstream task failed");
        return all_done && !any_failed;
    }
    return false;
}

/* Whether the run was asked to stop (caller's flag, or `flow cancel` in the database). */
static bool cancel_asked(struct frun *fr, int64_t *next_poll)
{
    if (fr->o->cancel && *fr->o->cancel)
        return true;
    int64_t now = mono_ms(fr);
    if (now < *next_poll)
        return false;
    *next_poll = now + CANCEL_POLL_MS;
    struct stor_flow_run r;
    struct wv_error e;
    wv_error_clear(&e);
    if (stor_flow_run_get(fr->db, fr->run_id, &r, &e) < 0)
        return false;
    bool c = r.cancel_requested;
    stor_flow_run_done(&r);
    return c;
}

/* Staged runs nobody will publish: blocked when a gate closed (kept for diagnosis), else
 * discarded (their data will be read again). */
static void settle_staged(struct frun *fr)
{
    const char *gate_err = NULL;
    for (size_t i = 0; i < fr->n; i++)
        if (fr->ts[i].t->kind == CORE_TASK_GATE && fr->ts[i].tr.state == STOR_TASK_FAILED)
            gate_err = fr->ts[i].tr.error;
    for (size_t i = 0; i < fr->n; i++) {
        struct ftask *ft = &fr->ts[i];
        if (ft->t->kind != CORE_TASK_SYNC || ft->tr.job_id <= 0)
            continue;
        struct stor_publish p;
        struct wv_error e;
        wv_error_clear(&e);
        if (stor_publish_get(fr->db, ft->tr.job_id, &p, &e) < 0)
            continue;
        bool staged = p.status == STOR_PUB_STAGED;
        stor_publish_done(&p);
        if (!staged)
            continue;
        char *why = wv_asprintf("flow %s run %lld: %s", fr->f->name, (long long)fr->run_id,
                                gate_err ? gate_err : "the run ended before publishing");
        int rc = gate_err ? stor_publish_set(fr->db, ft->tr.job_id, STOR_PUB_BLOCKED, why,
                                             wv_clock_now_ms(fr->clock), &e)
                          : core_publish_discard(fr->ws, fr->db, ft->tr.job_id, why, fr->clock,
                                                 fr->o->log, &e);
        if (rc < 0)
            wv_logf(fr->o->log, WV_LOG_WARN, "task %s: %s", ft->t->name, e.msg);
        free(why);
    }
}

/* The loop: runs until every task is decided and no worker runs. */
int core_flow_loop(struct frun *fr, struct wv_error *err)
{
    bool cancelling = false;
    int64_t next_poll = 0;
    int rc = 0;
    for (;;) {
        /* each pass's writes are one transaction */
        struct wv_error berr;
        wv_error_clear(&berr);
        bool batch = stor_db_batch_begin(fr->db, &berr) == 0;
        if (!cancelling && cancel_asked(fr, &next_poll)) {
            cancelling = true;
            wv_logf(fr->o->log, WV_LOG_WARN, "flow %s run %lld: cancelling", fr->f->name,
                    (long long)fr->run_id);
            for (size_t i = 0; i < fr->n; i++) {
                struct ftask *ft = &fr->ts[i];
                if (ft->tr.state == STOR_TASK_RUNNING)
                    ft->cancel = 1;
                else if (!terminal(ft->tr.state))
                    core_flow_set_state(fr, ft, STOR_TASK_SKIPPED, "run cancelled");
            }
        }
        int64_t now = mono_ms(fr);
        bool any_finished = false;
        for (size_t i = 0; i < fr->n; i++) {
            struct ftask *ft = &fr->ts[i];
            if (ft->tr.state != STOR_TASK_RUNNING)
                continue;
            if (ft->deadline_ms && now > ft->deadline_ms && !ft->timed_out) {
                ft->timed_out = true;
                ft->cancel = 1;
            }
            pthread_mutex_lock(&fr->mu);
            bool fin = ft->finished;
            pthread_mutex_unlock(&fr->mu);
            if (fin) {
                collect(fr, ft, cancelling);
                any_finished = true;
            }
        }
        bool waiting = false;
        for (size_t k = 0; k < fr->n && !cancelling; k++) {
            struct ftask *ft = &fr->ts[fr->f->order[k]];
            if (ft->tr.state == STOR_TASK_UP_FOR_RETRY && now >= ft->next_try_ms &&
                fr->running < fr->f->max_parallel) {
                if (start_task(fr, ft, err) < 0) {
                    rc = -1;
                    cancelling = true;
                }
                continue;
            }
            if (ft->tr.state == STOR_TASK_UP_FOR_RETRY)
                waiting = true;
            if (ft->tr.state != STOR_TASK_NONE)
                continue;
            if (fr->running >= fr->f->max_parallel) {
                waiting = true;
                continue;
            }
            if (decide(fr, ft) && start_task(fr, ft, err) < 0) {
                rc = -1;
                cancelling = true;
            }
            if (ft->tr.state == STOR_TASK_NONE)
                waiting = true;
        }
        flush_logs(fr);
        if (batch && stor_db_batch_end(fr->db, &berr) < 0)
            wv_logf(fr->o->log, WV_LOG_ERROR, "flow %s: %s", fr->f->name, berr.msg);
        if (fr->running == 0 && !waiting && !any_finished)
            break;
        if (any_finished)
            continue;
        pthread_mutex_lock(&fr->mu);
        bool ready = false;
        for (size_t i = 0; i < fr->n && !ready; i++)
            ready = fr->ts[i].tr.state == STOR_TASK_RUNNING && fr->ts[i].finished;
        if (!ready) {
            struct timespec ts;
            clock_gettime(CLOCK_REALTIME, &ts);
            ts.tv_nsec += POLL_MS * 1000000L;
            if (ts.tv_nsec >= 1000000000L)
                ts.tv_sec++, ts.tv_nsec -= 1000000000L;
            pthread_cond_timedwait(&fr->cv, &fr->mu, &ts);
        }
        pthread_mutex_unlock(&fr->mu);
    }
    settle_staged(fr);
    /* the run's verdict */
    const struct ftask *failed = NULL;
    for (size_t k = 0; k < fr->n && !failed; k++) {
        const struct ftask *ft = &fr->ts[fr->f->order[k]];
        if (ft->tr.state == STOR_TASK_FAILED)
            failed = ft;
    }
    bool ok = !failed && !cancelling;
    for (size_t i = 0; i < fr->n && ok; i++)
        ok = fr->ts[i].tr.state == STOR_TASK_SUCCESS || fr->ts[i].tr.state == STOR_TASK_SKIPPED;
    enum stor_run_state st = cancelling && rc == 0 ? STOR_RUN_CANCELLED
                             : ok                  ? STOR_RUN_SUCCESS
                                                   : STOR_RUN_FAILED;
    if (rc == 0 && st == STOR_RUN_CANCELLED)
        rc = wv_error_set(err, WV_E_CANCELLED, 0, "flow %s: run %lld cancelled", fr->f->name,
                          (long long)fr->run_id);
    else if (rc == 0 && failed)
        rc = wv_error_set(err, WV_E_SOURCE, 0, "flow %s: task %s: %s", fr->f->name,
                          failed->t->name, failed->tr.error ? failed->tr.error : "failed");
    else if (rc == 0 && !ok)
        rc = wv_error_set(err, WV_E_SOURCE, 0, "flow %s: not every task succeeded",
                          fr->f->name);
    struct wv_error e;
    wv_error_clear(&e);
    if (stor_flow_run_finish(fr->db, fr->run_id, st, wv_clock_now_ms(fr->clock),
                             rc < 0 ? err->msg : NULL, &e) < 0)
        wv_logf(fr->o->log, WV_LOG_ERROR, "flow %s: %s", fr->f->name, e.msg);
    emit(fr, NULL, rc < 0 ? err->msg : NULL);
    return rc;
}

/* Sets up the runtime state of a run's tasks. */
void core_flow_frun_init(struct frun *fr, const struct core_workspace *ws,
                         const struct core_flow *f, const struct core_flow_opts *o)
{
    static const struct core_flow_opts none;
    memset(fr, 0, sizeof *fr);
    fr->ws = ws;
    fr->f = f;
    fr->o = o ? o : &none;
    fr->clock = fr->o->clock ? fr->o->clock : wv_clock_system();
    fr->n = f->n_tasks;
    fr->ts = wv_calloc(fr->n ? fr->n : 1, sizeof *fr->ts);
    for (size_t i = 0; i < fr->n; i++) {
        struct ftask *ft = &fr->ts[i];
        ft->t = &f->tasks[i];
        ft->idx = i;
        ft->tr.task = f->tasks[i].name;
        wv_buf_init(&ft->log, 4u << 20);
    }
    build_reach(fr);
    pthread_mutex_init(&fr->mu, NULL);
    pthread_cond_init(&fr->cv, NULL);
}

void core_flow_frun_done(struct frun *fr)
{
    for (size_t i = 0; i < fr->n; i++) {
        free(fr->ts[i].tr.error);
        wv_buf_done(&fr->ts[i].log);
    }
    free(fr->ts);
    free(fr->reach);
    pthread_mutex_destroy(&fr->mu);
    pthread_cond_destroy(&fr->cv);
    stor_db_close(fr->db);
}

/* Opens the database and reaps runs of dead processes. */
static int open_db(struct frun *fr, struct wv_error *err)
{
    fr->db = core_db_open(fr->ws, err);
    if (!fr->db)
        return -1;
    int n = 0;
    if (stor_flow_run_reap(fr->db, core_flow_pid_alive, wv_clock_now_ms(fr->clock), &n, err) < 0)
        return -1;
    if (n)
        wv_logf(fr->o->log, WV_LOG_WARN, "marked %d abandoned flow run(s) as failed", n);
    return 0;
}

/* Runs a flow. */
int core_flow_run(const struct core_workspace *ws, const char *flow,
                  const struct core_flow_opts *opts, int64_t *run_id, struct wv_error *err)
{
    const struct core_flow *f = core_workspace_flow(ws, flow);
    if (run_id)
        *run_id = 0;
    if (!f)
        return wv_error_set(err, WV_E_NOTFOUND, 0, "unknown flow '%s'", flow);
    struct frun fr;
    core_flow_frun_init(&fr, ws, f, opts);
    const char **names = wv_calloc(fr.n ? fr.n : 1, sizeof *names);
    for (size_t i = 0; i < fr.n; i++)
        names[i] = f->tasks[i].name;
    int64_t now = wv_clock_now_ms(fr.clock);
    int rc = open_db(&fr, err);
    if (rc == 0)
        rc = stor_flow_run_start(fr.db, f->name, fr.o->trigger ? fr.o->trigger : "manual",
                                 fr.o->logical_ms ? fr.o->logical_ms : now, now, (int)getpid(),
                                 names, fr.n, &fr.run_id, err);
    free(names);
    if (rc == 0) {
        if (run_id)
            *run_id = fr.run_id;
        for (size_t i = 0; i < fr.n; i++)
            fr.ts[i].tr.run_id = fr.run_id;
        emit(&fr, NULL, NULL);
        rc = core_flow_loop(&fr, err);
    }
    core_flow_frun_done(&fr);
    return rc;
}

