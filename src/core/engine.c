/* engine.c - the local engine behind struct core_engine_ops: opening and closing it, the
 * scheduler (sched_run.c) running scheduled flows and syncs while the console is open (unless
 * opts->no_scheduler), the engine log (.weaver/engine.log), run details, attempt logs and
 * connector specs. Snapshots are built on the snapshot thread (engine_snap.c), commands run on
 * worker threads (engine_exec.c); each thread has its own SQLite connection. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/fs.h"
#include "base/mem.h"
#include "connectors/connectors.h"
#include "core/engine_int.h"
#include "storage/storage.h"

#define ENGINE_LOG_READ_MAX (1 << 20)

/* Diagnostics into .weaver/engine.log (one fprintf per line: stdio locks the stream). */
static void file_log(void *ctx, enum wv_level level, const char *msg)
{
    FILE *f = ctx;
    char ts[32];
    wv_time_iso(wv_clock_now_ms(wv_clock_system()), ts, sizeof ts);
    fprintf(f, "%s %s %s\n", ts, wv_level_name(level), msg);
    fflush(f);
}

/* The latest snapshot, copied. */
static struct core_snapshot *local_snapshot(void *ctx)
{
    struct local_engine *e = ctx;
    pthread_mutex_lock(&e->mu);
    struct core_snapshot *s = core_engine_snap_dup(e->snap);
    pthread_mutex_unlock(&e->mu);
    return s;
}

/* Opens the state store for a call on the console's thread. */
static struct stor_db *open_db(struct local_engine *e, struct wv_error *err)
{
    if (!wv_fs_exists(e->db_path)) {
        wv_error_set(err, WV_E_NOTFOUND, 0, "no state store yet (nothing has run)");
        return NULL;
    }
    return stor_db_open(e->db_path, err);
}

/* Copies an attempt. */
static void detail_attempt(struct core_snap_attempt *d, const struct stor_attempt *a)
{
    d->id = a->id;
    d->task = wv_strdup(a->task);
    d->state = wv_strdup(stor_task_state_name(a->state));
    d->error = a->error ? wv_strdup(a->error) : NULL;
    d->number = a->number;
    d->started_ms = a->started_ms;
    d->ended_ms = a->ended_ms;
    d->records = a->records;
    d->bytes = a->bytes;
}

/* Copies a quality result. */
static void detail_check(struct core_snap_check *d, const struct stor_quality_result *q)
{
    d->task = wv_strdup(q->task);
    d->sync_task = q->sync_task ? wv_strdup(q->sync_task) : NULL;
    d->stream = q->stream ? wv_strdup(q->stream) : NULL;
    d->check = q->check ? wv_strdup(q->check) : NULL;
    d->verdict = q->verdict ? wv_strdup(q->verdict) : NULL;
    d->threshold = q->threshold ? wv_strdup(q->threshold) : NULL;
    d->text = q->text ? wv_strdup(q->text) : NULL;
    d->error_severity = q->error_severity;
    d->observed = q->observed;
}

/* Adds the files of a sync job's published manifest. */
static void detail_files(struct core_run_detail *d, struct stor_db *db, int64_t job_id)
{
    struct stor_publish p;
    struct wv_error err;
    wv_error_clear(&err);
    if (stor_publish_get(db, job_id, &p, &err) < 0)
        return;
    struct stor_zone_manifest m;
    if (p.status == STOR_PUB_PUBLISHED && p.manifest_json &&
        stor_zone_manifest_parse(p.manifest_json, strlen(p.manifest_json), "manifest", &m,
                                 &err) == 0) {
        d->files = wv_realloc(d->files, (d->n_files + m.n_files + 1) * sizeof *d->files);
        for (size_t i = 0; i < m.n_files; i++)
            d->files[d->n_files++] = wv_strdup(m.files[i].rel);
        stor_zone_manifest_done(&m);
    }
    stor_publish_done(&p);
}

/* Fills a run detail from the store. */
static int detail_fill(struct local_engine *e, struct core_run_detail *d, struct stor_db *db,
                       int64_t run_id, struct wv_error *err)
{
    struct stor_flow_run run;
    if (stor_flow_run_get(db, run_id, &run, err) < 0)
        return -1;
    struct stor_task_run *t = NULL;
    size_t nt = 0;
    struct stor_attempt *a = NULL;
    size_t na = 0;
    struct stor_quality_result *q = NULL;
    size_t nq = 0;
    int rc = -1;
    if (stor_task_run_list(db, run_id, &t, &nt, err) < 0 ||
        stor_attempt_list(db, run_id, NULL, &a, &na, err) < 0 ||
        stor_quality_list(db, run_id, NULL, &q, &nq, err) < 0)
        goto out;
    struct wv_error lerr;
    wv_error_clear(&lerr);
    struct core_workspace *ws = core_workspace_load(e->root, &lerr);
    core_engine_snap_run_fill(&d->run, &run, t, nt, ws ? core_workspace_flow(ws, run.flow) : NULL);
    core_workspace_free(ws);
    d->attempts = wv_calloc(na ? na : 1, sizeof *d->attempts);
    for (size_t i = 0; i < na; i++)
        detail_attempt(&d->attempts[i], &a[i]);
    d->n_attempts = na;
    d->checks = wv_calloc(nq ? nq : 1, sizeof *d->checks);
    for (size_t i = 0; i < nq; i++)
        detail_check(&d->checks[i], &q[i]);
    d->n_checks = nq;
    for (size_t i = 0; i < nt; i++)
        if (t[i].job_id > 0)
            detail_files(d, db, t[i].job_id);
    rc = 0;
out:
    stor_flow_run_done(&run);
    stor_task_runs_free(t, nt);
    stor_attempts_free(a, na);
    stor_quality_free(q, nq);
    return rc;
}

/* One run in depth. */
static struct core_run_detail *local_run_detail(void *ctx, int64_t run_id, struct wv_error *err)
{
    struct local_engine *e = ctx;
    struct stor_db *db = open_db(e, err);
    if (!db)
        return NULL;
    struct core_run_detail *d = wv_calloc(1, sizeof *d);
    int rc = detail_fill(e, d, db, run_id, err);
    stor_db_close(db);
    if (rc < 0) {
        core_run_detail_free(d);
        return NULL;
    }
    return d;
}

/* Frees a run detail. */
void core_run_detail_free(struct core_run_detail *d)
{
    if (!d)
        return;
    core_engine_snap_run_done(&d->run);
    for (size_t i = 0; i < d->n_attempts; i++) {
        free(d->attempts[i].task);
        free(d->attempts[i].state);
        free(d->attempts[i].error);
    }
    for (size_t i = 0; i < d->n_checks; i++) {
        struct core_snap_check *c = &d->checks[i];
        free(c->task);
        free(c->sync_task);
        free(c->stream);
        free(c->check);
        free(c->verdict);
        free(c->threshold);
        free(c->text);
    }
    for (size_t i = 0; i < d->n_files; i++)
        free(d->files[i]);
    free(d->attempts);
    free(d->checks);
    free(d->files);
    free(d);
}

/* An attempt's log from an offset. */
static int local_attempt_log(void *ctx, int64_t attempt_id, int64_t offset, char **text,
                             int64_t *next, struct wv_error *err)
{
    struct local_engine *e = ctx;
    struct stor_db *db = open_db(e, err);
    if (!db)
        return -1;
    int rc = stor_attempt_log_read(db, attempt_id, offset, text, next, err);
    stor_db_close(db);
    return rc;
}

/* The engine log from an offset, at most ENGINE_LOG_READ_MAX bytes per call. */
static int local_engine_log(void *ctx, int64_t offset, char **text, int64_t *next,
                            struct wv_error *err)
{
    struct local_engine *e = ctx;
    *text = NULL;
    *next = offset;
    FILE *f = fopen(e->log_path, "rbe");
    if (!f) {
        *text = wv_strdup("");
        return 0;
    }
    if (offset < 0 || fseeko(f, (off_t)offset, SEEK_SET) != 0) {
        fclose(f);
        return wv_error_set(err, WV_E_USAGE, 0, "engine log: bad offset %lld",
                            (long long)offset), -1;
    }
    off_t end = fseeko(f, 0, SEEK_END) == 0 ? ftello(f) : -1;
    size_t want = end > (off_t)offset ? (size_t)(end - (off_t)offset) : 0;
    if (want > ENGINE_LOG_READ_MAX)
        want = ENGINE_LOG_READ_MAX;
    char *buf = wv_malloc(want + 1);
    size_t n = want && fseeko(f, (off_t)offset, SEEK_SET) == 0 ? fread(buf, 1, want, f) : 0;
    bool failed = ferror(f) != 0;
    fclose(f);
    if (failed) {
        free(buf);
        return wv_error_set(err, WV_E_IO, 0, "engine log: read error"), -1;
    }
    buf[n] = '\0';
    *text = buf;
    *next = offset + (int64_t)n;
    return 0;
}

/* A connector's connectionSpecification. */
static struct wv_json *local_connector_spec(void *ctx, const char *connector,
                                            struct wv_error *err)
{
    struct local_engine *e = ctx;
    struct conn_source *src = conn_source_open_opts(connector, e->root, NULL, err);
    if (!src)
        return NULL;
    struct wv_json *spec = NULL, *cs = NULL;
    if (conn_source_spec(src, &spec, err) == 0) {
        cs = wv_json_take(spec, "connectionSpecification");
        if (!cs)
            wv_error_set(err, WV_E_PROTOCOL, 0, "connector %s: no connectionSpecification",
                         connector);
    }
    wv_json_free(spec);
    conn_source_free(src);
    return cs;
}

/* Stops everything and frees the engine. */
static void local_close(void *ctx)
{
    struct local_engine *e = ctx;
    pthread_mutex_lock(&e->mu);
    e->stop = true;
    e->cancel = 1;
    pthread_cond_broadcast(&e->cond);
    pthread_mutex_unlock(&e->mu);
    if (e->snap_started)
        pthread_join(e->snap_thread, NULL);
    core_engine_exec_stop(e);
    core_scheduler_free(e->sched, true);
    core_snapshot_free(e->snap);
    if (e->log_file)
        fclose(e->log_file);
    pthread_cond_destroy(&e->cond);
    pthread_mutex_destroy(&e->mu);
    free(e->root);
    free(e->db_path);
    free(e->log_path);
    free(e);
}

static const struct core_engine_ops local_ops = {
    core_engine_exec,   core_engine_exec_async, core_engine_poll_results,
    local_snapshot,     local_run_detail,       local_attempt_log,
    local_engine_log,   local_connector_spec,   local_close,
};

/* Creates a local engine. */
int core_engine_local(const char *root, const struct core_engine_opts *opts,
                      struct core_engine *out, struct wv_error *err)
{
    char *abs = wv_path_real(root, err);
    if (!abs)
        return wv_error_prefix(err, "workspace");
    struct local_engine *e = wv_calloc(1, sizeof *e);
    e->root = abs;
    if (opts)
        e->opts = *opts;
    e->db_path = wv_asprintf("%s/.weaver/state.db", abs);
    e->log_path = wv_asprintf("%s/.weaver/engine.log", abs);
    pthread_mutex_init(&e->mu, NULL);
    pthread_cond_init(&e->cond, NULL);
    char *dir = wv_path_dirname(e->log_path);
    struct wv_error serr;
    wv_error_clear(&serr);
    if (wv_fs_mkdirs(dir, 0700, &serr) == 0)
        e->log_file = fopen(e->log_path, "ae");
    free(dir);
    e->log = (struct wv_log){e->log_file ? file_log : NULL, e->log_file, WV_LOG_INFO};
    struct stor_db *db = NULL;
    e->snap = core_engine_snap_build(e, &db);
    stor_db_close(db);
    out->ops = &local_ops;
    out->ctx = e;
    if (core_engine_snap_start(e, err) < 0 || core_engine_exec_start(e, err) < 0) {
        local_close(e);
        return -1;
    }
    /* the scheduler: best effort (a workspace with errors is shown, not scheduled) */
    if (!e->opts.no_scheduler) {
        e->sched = core_scheduler_new(abs, &e->log, &serr);
        if (e->sched && core_scheduler_start(e->sched, &serr) < 0) {
            core_scheduler_free(e->sched, true);
            e->sched = NULL;
        }
        if (!e->sched)
            wv_logf(&e->log, WV_LOG_WARN, "scheduler not started: %s", serr.msg);
    }
    return 0;
}
