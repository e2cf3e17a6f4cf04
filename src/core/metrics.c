/* metrics.c - the workspace's metrics in the Prometheus text exposition format 0.0.4, built
 * from the state store on each scrape (so they survive restarts and count every process's
 * runs): sync jobs per connection, flow runs per flow, attempts, retries and quality verdicts
 * per task, and the build. Families come in a fixed order, each with # HELP and # TYPE; label
 * values are escaped (\\, \", \n). Counters only count finished jobs, runs and attempts (a
 * running one would make them go down again when it ends). The HTTP server that serves them
 * is in cmd_metrics.c. */
#include "core/metrics_int.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"

/* ---- aggregation ---- */

#define N_JOB_END 3 /* succeeded, failed, cancelled */

static const enum stor_job_status job_ends[N_JOB_END] = {STOR_JOB_SUCCEEDED, STOR_JOB_FAILED,
                                                         STOR_JOB_CANCELLED};
static const enum stor_run_state run_ends[] = {STOR_RUN_SUCCESS, STOR_RUN_FAILED,
                                               STOR_RUN_CANCELLED};
#define N_RUN_END (sizeof run_ends / sizeof run_ends[0])
#define N_TASK_STATES ((size_t)STOR_TASK_UP_FOR_RETRY + 1)

struct m_conn {
    char *name;
    int64_t runs[N_JOB_END];
    int64_t records, bytes; /* of succeeded jobs */
    int64_t last_ok_ms;     /* end of the newest succeeded job; 0 = none */
    bool have_last;         /* a finished job exists: */
    int64_t last_dur_ms, last_records; /* the newest finished job */
};

struct m_flow {
    char *name;
    int64_t runs[N_RUN_END];
    int64_t last_start_ms; /* 0 = never ran */
};

struct m_task {
    char *flow, *task;
    int64_t attempts[N_TASK_STATES]; /* finished attempts by end state */
    int64_t retries;                 /* attempts numbered 2 and up */
    int64_t last_id, last_dur_ms;    /* the newest finished attempt (last_id 0 = none) */
};

struct m_check {
    char *flow, *task, *check, *verdict;
    int64_t n;
};

struct metrics {
    struct m_conn *conns;
    size_t n_conns;
    struct m_flow *flows;
    size_t n_flows;
    struct m_task *tasks;
    size_t n_tasks;
    struct m_check *checks;
    size_t n_checks;
};

/* Grows an array by one zeroed element; returns it. */
static void *grow(void *arr, size_t *n, size_t size, void **elem)
{
    char *a = wv_realloc(arr, (*n + 1) * size);
    *elem = a + *n * size;
    memset(*elem, 0, size);
    (*n)++;
    return a;
}

static struct m_conn *conn_of(struct metrics *m, const char *name)
{
    for (size_t i = 0; i < m->n_conns; i++)
        if (strcmp(m->conns[i].name, name) == 0)
            return &m->conns[i];
    void *e;
    m->conns = grow(m->conns, &m->n_conns, sizeof *m->conns, &e);
    struct m_conn *c = e;
    c->name = wv_strdup(name);
    return c;
}

static struct m_flow *flow_of(struct metrics *m, const char *name)
{
    for (size_t i = 0; i < m->n_flows; i++)
        if (strcmp(m->flows[i].name, name) == 0)
            return &m->flows[i];
    void *e;
    m->flows = grow(m->flows, &m->n_flows, sizeof *m->flows, &e);
    struct m_flow *f = e;
    f->name = wv_strdup(name);
    return f;
}

static struct m_task *task_of(struct metrics *m, const char *flow, const char *task)
{
    for (size_t i = 0; i < m->n_tasks; i++)
        if (strcmp(m->tasks[i].flow, flow) == 0 && strcmp(m->tasks[i].task, task) == 0)
            return &m->tasks[i];
    void *e;
    m->tasks = grow(m->tasks, &m->n_tasks, sizeof *m->tasks, &e);
    struct m_task *t = e;
    t->flow = wv_strdup(flow);
    t->task = wv_strdup(task);
    return t;
}

static void check_count(struct metrics *m, const char *flow, const struct stor_quality_result *q)
{
    for (size_t i = 0; i < m->n_checks; i++) {
        struct m_check *c = &m->checks[i];
        if (strcmp(c->flow, flow) == 0 && strcmp(c->task, q->task) == 0 &&
            strcmp(c->check, q->check) == 0 && strcmp(c->verdict, q->verdict) == 0) {
            c->n++;
            return;
        }
    }
    void *e;
    m->checks = grow(m->checks, &m->n_checks, sizeof *m->checks, &e);
    struct m_check *c = e;
    c->flow = wv_strdup(flow);
    c->task = wv_strdup(q->task);
    c->check = wv_strdup(q->check);
    c->verdict = wv_strdup(q->verdict);
    c->n = 1;
}

static void metrics_done(struct metrics *m)
{
    for (size_t i = 0; i < m->n_conns; i++)
        free(m->conns[i].name);
    for (size_t i = 0; i < m->n_flows; i++)
        free(m->flows[i].name);
    for (size_t i = 0; i < m->n_tasks; i++) {
        free(m->tasks[i].flow);
        free(m->tasks[i].task);
    }
    for (size_t i = 0; i < m->n_checks; i++) {
        free(m->checks[i].flow);
        free(m->checks[i].task);
        free(m->checks[i].check);
        free(m->checks[i].verdict);
    }
    free(m->conns);
    free(m->flows);
    free(m->tasks);
    free(m->checks);
}

/* Sync jobs, newest first. */
static int gather_jobs(struct metrics *m, struct stor_db *db, struct wv_error *err)
{
    struct stor_job *jobs = NULL;
    size_t n = 0;
    if (stor_job_list(db, NULL, INT_MAX, &jobs, &n, err) < 0)
        return -1;
    for (size_t i = 0; i < n; i++) {
        const struct stor_job *j = &jobs[i];
        if (strcmp(j->kind, "sync") != 0 || j->status == STOR_JOB_RUNNING)
            continue;
        struct m_conn *c = conn_of(m, j->connection);
        for (size_t k = 0; k < N_JOB_END; k++)
            c->runs[k] += j->status == job_ends[k];
        if (j->status == STOR_JOB_SUCCEEDED) {
            c->records += j->records;
            c->bytes += j->bytes;
            if (!c->last_ok_ms)
                c->last_ok_ms = j->ended_ms;
        }
        if (!c->have_last) {
            c->have_last = true;
            c->last_dur_ms = j->ended_ms > j->started_ms ? j->ended_ms - j->started_ms : 0;
            c->last_records = j->records;
        }
    }
    stor_jobs_free(jobs, n);
    return 0;
}

/* The attempts and quality results of one run. */
static int gather_run(struct metrics *m, struct stor_db *db, const struct stor_flow_run *r,
                      struct wv_error *err)
{
    struct stor_attempt *a = NULL;
    size_t n = 0;
    if (stor_attempt_list(db, r->id, NULL, &a, &n, err) < 0)
        return -1;
    for (size_t i = 0; i < n; i++) {
        struct m_task *t = task_of(m, r->flow, a[i].task);
        t->retries += a[i].number > 1;
        if (a[i].state == STOR_TASK_RUNNING || (size_t)a[i].state >= N_TASK_STATES)
            continue;
        t->attempts[a[i].state]++;
        if (a[i].id > t->last_id) {
            t->last_id = a[i].id;
            t->last_dur_ms = a[i].ended_ms > a[i].started_ms ? a[i].ended_ms - a[i].started_ms : 0;
        }
    }
    stor_attempts_free(a, n);
    struct stor_quality_result *q = NULL;
    if (stor_quality_list(db, r->id, NULL, &q, &n, err) < 0)
        return -1;
    for (size_t i = 0; i < n; i++)
        check_count(m, r->flow, &q[i]);
    stor_quality_free(q, n);
    return 0;
}

static int gather_flows(struct metrics *m, struct stor_db *db, struct wv_error *err)
{
    struct stor_flow_run *runs = NULL;
    size_t n = 0;
    if (stor_flow_run_list(db, NULL, INT_MAX, &runs, &n, err) < 0)
        return -1;
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < n; i++) {
        struct m_flow *f = flow_of(m, runs[i].flow);
        for (size_t k = 0; k < N_RUN_END; k++)
            f->runs[k] += runs[i].state == run_ends[k];
        if (runs[i].started_ms > f->last_start_ms)
            f->last_start_ms = runs[i].started_ms;
        rc = gather_run(m, db, &runs[i], err);
    }
    stor_flow_runs_free(runs, n);
    return rc;
}

static int cmp_conn(const void *a, const void *b)
{
    return strcmp(((const struct m_conn *)a)->name, ((const struct m_conn *)b)->name);
}

static int cmp_flow(const void *a, const void *b)
{
    return strcmp(((const struct m_flow *)a)->name, ((const struct m_flow *)b)->name);
}

static int cmp_task(const void *a, const void *b)
{
    const struct m_task *x = a, *y = b;
    int c = strcmp(x->flow, y->flow);
    return c ? c : strcmp(x->task, y->task);
}

static int cmp_check(const void *a, const void *b)
{
    const struct m_check *x = a, *y = b;
    int c = strcmp(x->flow, y->flow);
    if (!c)
        c = strcmp(x->task, y->task);
    if (!c)
        c = strcmp(x->check, y->check);
    return c ? c : strcmp(x->verdict, y->verdict);
}

/* ---- exposition ---- */

struct out {
    struct wv_buf *b;
    struct wv_error *err;
    int rc;
};

static void put(struct out *o, const char *s)
{
    if (o->rc == 0)
        o->rc = wv_buf_puts(o->b, s, o->err);
}

/* A label value, escaped as the format asks. */
static void put_escaped(struct out *o, const char *s)
{
    for (; *s && o->rc == 0; s++) {
        if (*s == '\\')
            put(o, "\\\\");
        else if (*s == '"')
            put(o, "\\\"");
        else if (*s == '\n')
            put(o, "\\n");
        else
            o->rc = wv_buf_putc(o->b, *s, o->err);
    }
}

static void family(struct out *o, const char *name, const char *type, const char *help)
{
    if (o->rc == 0)
        o->rc = wv_buf_printf(o->b, o->err, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* name{k1="v1",...} value; labels: NULL-ended key, value pairs. */
static void sample(struct out *o, const char *name, const char *const *labels, const char *value)
{
    put(o, name);
    for (size_t i = 0; labels && labels[i]; i += 2) {
        put(o, i ? "," : "{");
        put(o, labels[i]);
        put(o, "=\"");
        put_escaped(o, labels[i + 1]);
        put(o, "\"");
    }
    if (labels && labels[0])
        put(o, "}");
    put(o, " ");
    put(o, value);
    put(o, "\n");
}

/* Integer, seconds from ms ("12.5", "3") and float values. */
static const char *v_int(int64_t v, char *buf, size_t size)
{
    snprintf(buf, size, "%lld", (long long)v);
    return buf;
}

static const char *v_secs(int64_t ms, char *buf, size_t size)
{
    int n = snprintf(buf, size, "%lld.%03lld", (long long)(ms / 1000), (long long)(ms % 1000));
    while (n > 0 && buf[n - 1] == '0')
        buf[--n] = '\0';
    if (n > 0 && buf[n - 1] == '.')
        buf[--n] = '\0';
    return buf;
}

static const char *v_float(double v, char *buf, size_t size)
{
    snprintf(buf, size, "%.10g", v);
    return buf;
}

static void write_sync(struct out *o, const struct metrics *m)
{
    char v[64];
    family(o, "weaver_sync_runs_total", "counter", "Finished sync jobs by end status.");
    for (size_t i = 0; i < m->n_conns; i++)
        for (size_t k = 0; k < N_JOB_END; k++)
            sample(o, "weaver_sync_runs_total",
                   (const char *[]){"connection", m->conns[i].name, "status",
                                    stor_job_status_name(job_ends[k]), NULL},
                   v_int(m->conns[i].runs[k], v, sizeof v));
    family(o, "weaver_sync_records_total", "counter", "Records written by succeeded sync jobs.");
    for (size_t i = 0; i < m->n_conns; i++)
        sample(o, "weaver_sync_records_total",
               (const char *[]){"connection", m->conns[i].name, NULL},
               v_int(m->conns[i].records, v, sizeof v));
    family(o, "weaver_sync_bytes_total", "counter", "Bytes written by succeeded sync jobs.");
    for (size_t i = 0; i < m->n_conns; i++)
        sample(o, "weaver_sync_bytes_total", (const char *[]){"connection", m->conns[i].name, NULL},
               v_int(m->conns[i].bytes, v, sizeof v));
    family(o, "weaver_sync_last_success_timestamp_seconds", "gauge",
           "End time of the newest succeeded sync job (Unix seconds).");
    for (size_t i = 0; i < m->n_conns; i++)
        if (m->conns[i].last_ok_ms)
            sample(o, "weaver_sync_last_success_timestamp_seconds",
                   (const char *[]){"connection", m->conns[i].name, NULL},
                   v_secs(m->conns[i].last_ok_ms, v, sizeof v));
    family(o, "weaver_sync_last_duration_seconds", "gauge",
           "Duration of the newest finished sync job.");
    for (size_t i = 0; i < m->n_conns; i++)
        if (m->conns[i].have_last)
            sample(o, "weaver_sync_last_duration_seconds",
                   (const char *[]){"connection", m->conns[i].name, NULL},
                   v_secs(m->conns[i].last_dur_ms, v, sizeof v));
    family(o, "weaver_sync_last_rate_records_per_second", "gauge",
           "Records per second of the newest finished sync job.");
    for (size_t i = 0; i < m->n_conns; i++) {
        const struct m_conn *c = &m->conns[i];
        if (c->have_last)
            sample(o, "weaver_sync_last_rate_records_per_second",
                   (const char *[]){"connection", c->name, NULL},
                   v_float(c->last_dur_ms > 0 ? (double)c->last_records * 1000.0 /
                                                    (double)c->last_dur_ms
                                              : 0.0,
                           v, sizeof v));
    }
}

static void write_flows(struct out *o, const struct metrics *m)
{
    char v[64];
    family(o, "weaver_flow_runs_total", "counter", "Finished flow runs by end state.");
    for (size_t i = 0; i < m->n_flows; i++)
        for (size_t k = 0; k < N_RUN_END; k++)
            sample(o, "weaver_flow_runs_total",
                   (const char *[]){"flow", m->flows[i].name, "state",
                                    stor_run_state_name(run_ends[k]), NULL},
                   v_int(m->flows[i].runs[k], v, sizeof v));
    family(o, "weaver_flow_last_run_timestamp_seconds", "gauge",
           "Start time of the flow's newest run (Unix seconds).");
    for (size_t i = 0; i < m->n_flows; i++)
        if (m->flows[i].last_start_ms)
            sample(o, "weaver_flow_last_run_timestamp_seconds",
                   (const char *[]){"flow", m->flows[i].name, NULL},
                   v_secs(m->flows[i].last_start_ms, v, sizeof v));
    family(o, "weaver_task_attempts_total", "counter",
           "Finished task attempts by end state (success and failed always shown).");
    for (size_t i = 0; i < m->n_tasks; i++) {
        const struct m_task *t = &m->tasks[i];
        for (size_t s = 0; s < N_TASK_STATES; s++)
            if (t->attempts[s] || s == STOR_TASK_SUCCESS || s == STOR_TASK_FAILED)
                sample(o, "weaver_task_attempts_total",
                       (const char *[]){"flow", t->flow, "task", t->task, "state",
                                        stor_task_state_name((enum stor_task_state)s), NULL},
                       v_int(t->attempts[s], v, sizeof v));
    }
    family(o, "weaver_task_retries_total", "counter", "Task attempts after the first (retries).");
    for (size_t i = 0; i < m->n_tasks; i++)
        sample(o, "weaver_task_retries_total",
               (const char *[]){"flow", m->tasks[i].flow, "task", m->tasks[i].task, NULL},
               v_int(m->tasks[i].retries, v, sizeof v));
    family(o, "weaver_task_last_duration_seconds", "gauge",
           "Duration of the task's newest finished attempt.");
    for (size_t i = 0; i < m->n_tasks; i++)
        if (m->tasks[i].last_id)
            sample(o, "weaver_task_last_duration_seconds",
                   (const char *[]){"flow", m->tasks[i].flow, "task", m->tasks[i].task, NULL},
                   v_secs(m->tasks[i].last_dur_ms, v, sizeof v));
    family(o, "weaver_quality_checks_total", "counter", "Quality check results by verdict.");
    for (size_t i = 0; i < m->n_checks; i++) {
        const struct m_check *c = &m->checks[i];
        sample(o, "weaver_quality_checks_total",
               (const char *[]){"flow", c->flow, "task", c->task, "check", c->check, "verdict",
                                c->verdict, NULL},
               v_int(c->n, v, sizeof v));
    }
}

int core_metrics_text(const struct core_workspace *ws, struct stor_db *db, int64_t now_ms,
                      struct wv_buf *out, struct wv_error *err)
{
    (void)now_ms;
    struct metrics m = {0};
    for (size_t i = 0; ws && i < ws->n_conns; i++)
        conn_of(&m, ws->conns[i].name);
    for (size_t i = 0; ws && i < ws->n_flows; i++) {
        flow_of(&m, ws->flows[i].name);
        for (size_t k = 0; k < ws->flows[i].n_tasks; k++)
            task_of(&m, ws->flows[i].name, ws->flows[i].tasks[k].name);
    }
    if (gather_jobs(&m, db, err) < 0 || gather_flows(&m, db, err) < 0) {
        metrics_done(&m);
        return wv_error_prefix(err, "metrics");
    }
    if (m.n_conns > 1)
        qsort(m.conns, m.n_conns, sizeof *m.conns, cmp_conn);
    if (m.n_flows > 1)
        qsort(m.flows, m.n_flows, sizeof *m.flows, cmp_flow);
    if (m.n_tasks > 1)
        qsort(m.tasks, m.n_tasks, sizeof *m.tasks, cmp_task);
    if (m.n_checks > 1)
        qsort(m.checks, m.n_checks, sizeof *m.checks, cmp_check);
    struct out o = {out, err, 0};
    family(&o, "weaver_build_info", "gauge", "The running weaver's version.");
    sample(&o, "weaver_build_info", (const char *[]){"version", WEAVER_VERSION, NULL}, "1");
    write_sync(&o, &m);
    write_flows(&o, &m);
    metrics_done(&m);
    return o.rc;
}
