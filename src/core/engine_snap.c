/* engine_snap.c - the engine's snapshots: a picture of the workspace (reloaded each time) and
 * of the state store (jobs, flow runs with their tasks, connection state, next schedule times),
 * rebuilt about every second on the snapshot thread with its own SQLite connection. The
 * console gets deep copies (core_engine_snap_dup), so it never waits for SQLite. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/fs.h"
#include "base/mem.h"
#include "core/engine_int.h"
#include "storage/storage.h"

#define SNAPSHOT_JOBS 200
#define SNAPSHOT_RUNS 100
#define SNAPSHOT_PERIOD_MS 1000

static char *dup_or_null(const char *s)
{
    return s ? wv_strdup(s) : NULL;
}

/* Copies a job row into a snapshot job. */
static void snap_job(struct core_snap_job *d, const struct stor_job *j)
{
    d->id = j->id;
    d->connection = wv_strdup(j->connection);
    d->status = wv_strdup(stor_job_status_name(j->status));
    d->error = dup_or_null(j->error);
    d->started_ms = j->started_ms;
    d->ended_ms = j->ended_ms;
    d->records = j->records;
    d->bytes = j->bytes;
}

/* A flow's schedule as text: the cron line, "every Ns" or "manual". */
static char *flow_schedule(const struct core_flow *f)
{
    if (f->schedule)
        return wv_strdup(f->schedule);
    if (f->every_ms > 0) {
        int64_t s = f->every_ms / 1000;
        if (s % 3600 == 0)
            return wv_asprintf("every %lldh", (long long)(s / 3600));
        if (s % 60 == 0)
            return wv_asprintf("every %lldm", (long long)(s / 60));
        return wv_asprintf("every %llds", (long long)s);
    }
    return wv_strdup("manual");
}

/* Copies a task instance. */
static void snap_task(struct core_snap_task *d, const struct stor_task_run *t)
{
    d->name = wv_strdup(t->task);
    d->state = wv_strdup(stor_task_state_name(t->state));
    d->error = dup_or_null(t->error);
    d->try_number = t->try_number;
    d->loop = t->loop;
    d->started_ms = t->started_ms;
    d->ended_ms = t->ended_ms;
    d->records = t->records;
}

/* Fills a snapshot run from a run row and its task instances, in the flow's topological order
 * when the flow is known (instances the flow no longer has come last). */
void core_engine_snap_run_fill(struct core_snap_run *d, const struct stor_flow_run *r,
                               const struct stor_task_run *t, size_t n_t,
                               const struct core_flow *f)
{
    d->id = r->id;
    d->flow = wv_strdup(r->flow);
    d->state = wv_strdup(stor_run_state_name(r->state));
    d->trigger = dup_or_null(r->trigger);
    d->error = dup_or_null(r->error);
    d->started_ms = r->started_ms;
    d->ended_ms = r->ended_ms;
    d->tasks = wv_calloc(n_t ? n_t : 1, sizeof *d->tasks);
    bool *used = wv_calloc(n_t ? n_t : 1, sizeof *used);
    size_t k = 0;
    for (size_t o = 0; f && o < f->n_tasks; o++) {
        const char *name = f->tasks[f->order[o]].name;
        for (size_t i = 0; i < n_t; i++)
            if (!used[i] && strcmp(t[i].task, name) == 0) {
                snap_task(&d->tasks[k++], &t[i]);
                used[i] = true;
                break;
            }
    }
    for (size_t i = 0; i < n_t; i++)
        if (!used[i])
            snap_task(&d->tasks[k++], &t[i]);
    d->n_tasks = k;
    free(used);
}

/* Frees what a snapshot run owns. */
void core_engine_snap_run_done(struct core_snap_run *r)
{
    for (size_t i = 0; i < r->n_tasks; i++) {
        free(r->tasks[i].name);
        free(r->tasks[i].state);
        free(r->tasks[i].error);
    }
    free(r->tasks);
    free(r->flow);
    free(r->state);
    free(r->trigger);
    free(r->error);
}

/* Marks the streams named in a stored state (array of AirbyteStateMessage objects). */
static void mark_state(struct core_snap_conn *c, const struct wv_json *state)
{
    for (size_t i = 0; state && state->type == WV_JSON_ARRAY && i < state->len; i++) {
        const struct wv_json *m = state->items[i];
        const char *type = wv_json_get_str(m, "type");
        const struct wv_json *descs[256];
        size_t n = 0;
        if (type && strcmp(type, "STREAM") == 0) {
            descs[n++] = wv_json_get(wv_json_get(m, "stream"), "stream_descriptor");
        } else if (type && strcmp(type, "GLOBAL") == 0) {
            const struct wv_json *ss = wv_json_get(wv_json_get(m, "global"), "stream_states");
            for (size_t j = 0; ss && ss->type == WV_JSON_ARRAY && j < ss->len && n < 256; j++)
                descs[n++] = wv_json_get(ss->items[j], "stream_descriptor");
        } else {
            for (size_t s = 0; s < c->n_streams; s++) /* legacy: one blob for all */
                c->streams[s].has_state = true;
        }
        for (size_t j = 0; j < n; j++) {
            const char *name = wv_json_get_str(descs[j], "name");
            for (size_t s = 0; name && s < c->n_streams; s++)
                if (strcmp(c->streams[s].name, name) == 0)
                    c->streams[s].has_state = true;
        }
    }
}

/* Sources (with the checks remembered by the engine), connections and flows. */
static void snap_workspace(struct local_engine *e, struct core_snapshot *s,
                           const struct core_workspace *ws, int64_t now)
{
    s->workspace_name = wv_strdup(ws->name);
    s->sources = wv_calloc(ws->n_sources ? ws->n_sources : 1, sizeof *s->sources);
    pthread_mutex_lock(&e->mu);
    for (size_t i = 0; i < ws->n_sources; i++) {
        struct core_snap_source *d = &s->sources[i];
        d->name = wv_strdup(ws->sources[i].name);
        d->connector = wv_strdup(ws->sources[i].connector);
        for (size_t k = 0; k < e->n_checks; k++)
            if (strcmp(e->checks[k].source, d->name) == 0) {
                d->check_status = wv_strdup(e->checks[k].status);
                d->check_message = dup_or_null(e->checks[k].message);
                d->checked_ms = e->checks[k].ms;
            }
    }
    pthread_mutex_unlock(&e->mu);
    s->n_sources = ws->n_sources;
    s->conns = wv_calloc(ws->n_conns ? ws->n_conns : 1, sizeof *s->conns);
    for (size_t i = 0; i < ws->n_conns; i++) {
        const struct core_connection *c = &ws->conns[i];
        struct core_snap_conn *d = &s->conns[i];
        d->name = wv_strdup(c->name);
        d->source = wv_strdup(c->source);
        d->destination = dup_or_null(c->destination);
        d->schedule = wv_strdup(c->schedule ? c->schedule : "manual");
        d->enabled = c->enabled;
        d->n_streams = c->n_streams;
        d->streams = wv_calloc(c->n_streams ? c->n_streams : 1, sizeof *d->streams);
        for (size_t k = 0; k < c->n_streams; k++) {
            d->streams[k].name = wv_strdup(c->streams[k].name);
            d->streams[k].sync_mode = wv_strdup(wv_sync_mode_name(c->streams[k].sync_mode));
            d->streams[k].dest_mode = wv_strdup(wv_dest_mode_name(c->streams[k].dest_mode));
        }
        d->next_ms = c->enabled ? core_sched_next(NULL, c, now) : -1;
        d->file = dup_or_null(c->file);
    }
    s->n_conns = ws->n_conns;
    s->flows = wv_calloc(ws->n_flows ? ws->n_flows : 1, sizeof *s->flows);
    for (size_t i = 0; i < ws->n_flows; i++) {
        const struct core_flow *f = &ws->flows[i];
        struct core_snap_flow *d = &s->flows[i];
        d->name = wv_strdup(f->name);
        d->schedule = flow_schedule(f);
        d->enabled = f->enabled;
        d->next_ms = f->enabled ? core_sched_next(f, NULL, now) : -1;
        d->tasks = wv_calloc(f->n_tasks ? f->n_tasks : 1, sizeof *d->tasks);
        for (size_t k = 0; k < f->n_tasks; k++)
            d->tasks[k] = wv_strdup(f->tasks[f->order[k]].name);
        d->n_tasks = f->n_tasks;
        d->file = dup_or_null(f->file);
    }
    s->n_flows = ws->n_flows;
}

/* Jobs (and each connection's last job). */
static int snap_jobs(struct core_snapshot *s, struct stor_db *db, struct wv_error *err)
{
    struct stor_job *jobs = NULL;
    size_t n = 0;
    if (stor_job_list(db, NULL, SNAPSHOT_JOBS, &jobs, &n, err) < 0)
        return -1;
    s->jobs = wv_calloc(n ? n : 1, sizeof *s->jobs);
    for (size_t i = 0; i < n; i++)
        snap_job(&s->jobs[i], &jobs[i]);
    s->n_jobs = n;
    for (size_t c = 0; c < s->n_conns; c++) {
        for (size_t i = 0; i < n; i++) {
            if (strcmp(jobs[i].connection, s->conns[c].name) != 0)
                continue;
            s->conns[c].last_status = wv_strdup(stor_job_status_name(jobs[i].status));
            s->conns[c].last_started_ms = jobs[i].started_ms;
            s->conns[c].last_records = jobs[i].records;
            s->conns[c].last_error = dup_or_null(jobs[i].error);
            break;
        }
    }
    stor_jobs_free(jobs, n);
    return 0;
}

/* Flow runs with their task instances. */
static int snap_runs(struct core_snapshot *s, const struct core_workspace *ws,
                     struct stor_db *db, struct wv_error *err)
{
    struct stor_flow_run *runs = NULL;
    size_t n = 0;
    if (stor_flow_run_list(db, NULL, SNAPSHOT_RUNS, &runs, &n, err) < 0)
        return -1;
    s->runs = wv_calloc(n ? n : 1, sizeof *s->runs);
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        struct stor_task_run *t = NULL;
        size_t nt = 0;
        rc = stor_task_run_list(db, runs[i].id, &t, &nt, err);
        if (rc == 0) {
            core_engine_snap_run_fill(&s->runs[i], &runs[i], t, nt,
                                      ws ? core_workspace_flow(ws, runs[i].flow) : NULL);
            s->n_runs = i + 1;
        }
        stor_task_runs_free(t, nt);
    }
    stor_flow_runs_free(runs, n);
    return rc;
}

/* Connection state presence per stream. */
static int snap_states(struct core_snapshot *s, struct stor_db *db, struct wv_error *err)
{
    for (size_t i = 0; i < s->n_conns; i++) {
        struct wv_json *state = NULL;
        if (stor_state_get(db, s->conns[i].name, &state, err) < 0)
            return -1;
        mark_state(&s->conns[i], state);
        wv_json_free(state);
    }
    return 0;
}

/* Builds a snapshot; problems are shown in it rather than failing. */
struct core_snapshot *core_engine_snap_build(struct local_engine *e, struct stor_db **dbp)
{
    struct core_snapshot *s = wv_calloc(1, sizeof *s);
    s->workspace_root = wv_strdup(e->root);
    s->taken_ms = wv_clock_now_ms(wv_clock_system());
    struct wv_error err;
    wv_error_clear(&err);
    struct core_workspace *ws = core_workspace_load(e->root, &err);
    if (ws)
        snap_workspace(e, s, ws, s->taken_ms);
    else
        s->workspace_name = wv_path_stem(e->root, NULL);
    struct wv_error derr;
    wv_error_clear(&derr);
    if (!*dbp && wv_fs_exists(e->db_path))
        *dbp = stor_db_open(e->db_path, &derr);
    struct stor_db *db = *dbp;
    if (db && snap_jobs(s, db, &derr) == 0 && snap_runs(s, ws, db, &derr) == 0)
        snap_states(s, db, &derr);
    if (!wv_error_isset(&err) && wv_error_isset(&derr))
        err = derr;
    if (wv_error_isset(&err))
        s->load_error = wv_strdup(err.msg);
    core_workspace_free(ws);
    return s;
}

/* The snapshot thread: rebuilds every second until stopped. */
static void *snap_main(void *arg)
{
    struct local_engine *e = arg;
    struct stor_db *db = NULL;
    pthread_mutex_lock(&e->mu);
    while (!e->stop) {
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_sec += SNAPSHOT_PERIOD_MS / 1000;
        pthread_cond_timedwait(&e->cond, &e->mu, &until);
        if (e->stop)
            break;
        pthread_mutex_unlock(&e->mu);
        struct core_snapshot *s = core_engine_snap_build(e, &db);
        pthread_mutex_lock(&e->mu);
        core_snapshot_free(e->snap);
        e->snap = s;
    }
    pthread_mutex_unlock(&e->mu);
    stor_db_close(db);
    return NULL;
}

/* Starts the snapshot thread. */
int core_engine_snap_start(struct local_engine *e, struct wv_error *err)
{
    int rc = pthread_create(&e->snap_thread, NULL, snap_main, e);
    if (rc != 0)
        return wv_error_errno(err, rc, "engine: starting the snapshot thread");
    e->snap_started = true;
    return 0;
}

/* Deep copy of a snapshot run. */
static void run_dup(struct core_snap_run *d, const struct core_snap_run *r)
{
    *d = *r;
    d->flow = dup_or_null(r->flow);
    d->state = dup_or_null(r->state);
    d->trigger = dup_or_null(r->trigger);
    d->error = dup_or_null(r->error);
    d->tasks = wv_calloc(r->n_tasks ? r->n_tasks : 1, sizeof *d->tasks);
    for (size_t i = 0; i < r->n_tasks; i++) {
        d->tasks[i] = r->tasks[i];
        d->tasks[i].name = dup_or_null(r->tasks[i].name);
        d->tasks[i].state = dup_or_null(r->tasks[i].state);
        d->tasks[i].error = dup_or_null(r->tasks[i].error);
    }
}

/* Deep copy of a snapshot. */
struct core_snapshot *core_engine_snap_dup(const struct core_snapshot *s)
{
    struct core_snapshot *d = wv_calloc(1, sizeof *d);
    *d = *s;
    d->workspace_name = dup_or_null(s->workspace_name);
    d->workspace_root = dup_or_null(s->workspace_root);
    d->load_error = dup_or_null(s->load_error);
    d->sources = wv_calloc(s->n_sources ? s->n_sources : 1, sizeof *d->sources);
    for (size_t i = 0; i < s->n_sources; i++) {
        const struct core_snap_source *a = &s->sources[i];
        d->sources[i] = (struct core_snap_source){dup_or_null(a->name), dup_or_null(a->connector),
                                                  dup_or_null(a->check_status),
                                                  dup_or_null(a->check_message), a->checked_ms};
    }
    d->conns = wv_calloc(s->n_conns ? s->n_conns : 1, sizeof *d->conns);
    for (size_t i = 0; i < s->n_conns; i++) {
        const struct core_snap_conn *a = &s->conns[i];
        struct core_snap_conn *b = &d->conns[i];
        *b = *a;
        b->name = dup_or_null(a->name);
        b->source = dup_or_null(a->source);
        b->destination = dup_or_null(a->destination);
        b->schedule = dup_or_null(a->schedule);
        b->last_status = dup_or_null(a->last_status);
        b->last_error = dup_or_null(a->last_error);
        b->file = dup_or_null(a->file);
        b->streams = wv_calloc(a->n_streams ? a->n_streams : 1, sizeof *b->streams);
        for (size_t k = 0; k < a->n_streams; k++)
            b->streams[k] = (struct core_snap_stream){
                dup_or_null(a->streams[k].name), dup_or_null(a->streams[k].sync_mode),
                dup_or_null(a->streams[k].dest_mode), a->streams[k].has_state};
    }
    d->jobs = wv_calloc(s->n_jobs ? s->n_jobs : 1, sizeof *d->jobs);
    for (size_t i = 0; i < s->n_jobs; i++) {
        d->jobs[i] = s->jobs[i];
        d->jobs[i].connection = dup_or_null(s->jobs[i].connection);
        d->jobs[i].status = dup_or_null(s->jobs[i].status);
        d->jobs[i].error = dup_or_null(s->jobs[i].error);
    }
    d->flows = wv_calloc(s->n_flows ? s->n_flows : 1, sizeof *d->flows);
    for (size_t i = 0; i < s->n_flows; i++) {
        const struct core_snap_flow *a = &s->flows[i];
        struct core_snap_flow *b = &d->flows[i];
        *b = *a;
        b->name = dup_or_null(a->name);
        b->schedule = dup_or_null(a->schedule);
        b->file = dup_or_null(a->file);
        b->tasks = wv_calloc(a->n_tasks ? a->n_tasks : 1, sizeof *b->tasks);
        for (size_t k = 0; k < a->n_tasks; k++)
            b->tasks[k] = dup_or_null(a->tasks[k]);
    }
    d->runs = wv_calloc(s->n_runs ? s->n_runs : 1, sizeof *d->runs);
    for (size_t i = 0; i < s->n_runs; i++)
        run_dup(&d->runs[i], &s->runs[i]);
    return d;
}

/* Frees a snapshot. */
void core_snapshot_free(struct core_snapshot *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->n_sources; i++) {
        free(s->sources[i].name);
        free(s->sources[i].connector);
        free(s->sources[i].check_status);
        free(s->sources[i].check_message);
    }
    for (size_t i = 0; i < s->n_conns; i++) {
        struct core_snap_conn *c = &s->conns[i];
        for (size_t k = 0; k < c->n_streams; k++) {
            free(c->streams[k].name);
            free(c->streams[k].sync_mode);
            free(c->streams[k].dest_mode);
        }
        free(c->streams);
        free(c->name);
        free(c->source);
        free(c->destination);
        free(c->schedule);
        free(c->last_status);
        free(c->last_error);
        free(c->file);
    }
    for (size_t i = 0; i < s->n_jobs; i++) {
        free(s->jobs[i].connection);
        free(s->jobs[i].status);
        free(s->jobs[i].error);
    }
    for (size_t i = 0; i < s->n_flows; i++) {
        for (size_t k = 0; k < s->flows[i].n_tasks; k++)
            free(s->flows[i].tasks[k]);
        free(s->flows[i].tasks);
        free(s->flows[i].name);
        free(s->flows[i].schedule);
        free(s->flows[i].file);
    }
    for (size_t i = 0; i < s->n_runs; i++)
        core_engine_snap_run_done(&s->runs[i]);
    free(s->sources);
    free(s->conns);
    free(s->jobs);
    free(s->flows);
    free(s->runs);
    free(s->workspace_name);
    free(s->workspace_root);
    free(s->load_error);
    free(s);
}
