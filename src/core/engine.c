/* engine.c - the local engine behind struct core_engine_ops: snapshots of the workspace and
 * the state store for the console, command execution through the command table, and the
 * scheduler (sched_run.c) running scheduled flows and syncs on threads of its own while the
 * console is open; its diagnostics go to .weaver/engine.log. Snapshots are short SQLite reads
 * on the console's thread. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/fs.h"
#include "base/mem.h"
#include "core/core_int.h"
#include "storage/storage.h"

#define SNAPSHOT_JOBS 200

struct local_engine {
    char *root;
    struct core_scheduler *sched;
    FILE *log_file;
    struct wv_log log;
};

/* Scheduler diagnostics into .weaver/engine.log (the scheduler serializes calls). */
static void file_log(void *ctx, enum wv_level level, const char *msg)
{
    FILE *f = ctx;
    char ts[32];
    wv_time_iso(wv_clock_now_ms(wv_clock_system()), ts, sizeof ts);
    fprintf(f, "%s %s %s\n", ts, wv_level_name(level), msg);
    fflush(f);
}

/* Copies a job row into a snapshot job. */
static void snap_job(struct core_snap_job *d, const struct stor_job *j)
{
    d->id = j->id;
    d->connection = wv_strdup(j->connection);
    d->status = wv_strdup(stor_job_status_name(j->status));
    d->error = wv_strdup(j->error);
    d->started_ms = j->started_ms;
    d->ended_ms = j->ended_ms;
    d->records = j->records;
    d->bytes = j->bytes;
}

/* Fills sources and connections from the workspace. */
static void snap_workspace(struct core_snapshot *s, const struct core_workspace *ws)
{
    s->workspace_name = wv_strdup(ws->name);
    s->sources = wv_calloc(ws->n_sources ? ws->n_sources : 1, sizeof *s->sources);
    for (size_t i = 0; i < ws->n_sources; i++) {
        s->sources[i].name = wv_strdup(ws->sources[i].name);
        s->sources[i].connector = wv_strdup(ws->sources[i].connector);
    }
    s->n_sources = ws->n_sources;
    s->conns = wv_calloc(ws->n_conns ? ws->n_conns : 1, sizeof *s->conns);
    for (size_t i = 0; i < ws->n_conns; i++) {
        const struct core_connection *c = &ws->conns[i];
        struct core_snap_conn *d = &s->conns[i];
        d->name = wv_strdup(c->name);
        d->source = wv_strdup(c->source);
        d->destination = wv_strdup(c->destination);
        d->schedule = wv_strdup(c->schedule ? c->schedule : "manual");
        d->enabled = c->enabled;
        d->n_streams = c->n_streams;
    }
    s->n_conns = ws->n_conns;
}

/* Adds job history (and each connection's last job) from the state store. */
static void snap_jobs(struct core_snapshot *s, const struct core_workspace *ws,
                      struct wv_error *err)
{
    struct stor_db *db = core_db_open(ws, err);
    if (!db)
        return;
    struct stor_job *jobs = NULL;
    size_t n = 0;
    if (stor_job_list(db, NULL, SNAPSHOT_JOBS, &jobs, &n, err) == 0) {
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
                s->conns[c].last_error = wv_strdup(jobs[i].error);
                break;
            }
        }
    }
    stor_jobs_free(jobs, n);
    stor_db_close(db);
}

/* Takes a snapshot; problems are shown in it rather than failing. */
static struct core_snapshot *local_snapshot(void *ctx)
{
    struct local_engine *e = ctx;
    struct core_snapshot *s = wv_calloc(1, sizeof *s);
    s->workspace_root = wv_strdup(e->root);
    s->taken_ms = wv_clock_now_ms(wv_clock_system());
    struct wv_error err;
    wv_error_clear(&err);
    struct core_workspace *ws = core_workspace_load(e->root, &err);
    if (ws) {
        snap_workspace(s, ws);
        snap_jobs(s, ws, &err);
        core_workspace_free(ws);
    }
    if (!s->workspace_name)
        s->workspace_name = wv_path_stem(e->root, NULL);
    if (wv_error_isset(&err))
        s->load_error = wv_strdup(err.msg);
    return s;
}

/* Output sink appending to a buffer. */
static void buf_write(void *ctx, const char *data, size_t len)
{
    wv_buf_append(ctx, data, len, NULL);
}

/* Runs a command with output into a buffer. */
static int local_exec(void *ctx, int argc, char **argv, struct wv_buf *out, struct wv_error *err)
{
    struct local_engine *e = ctx;
    static const struct core_out_ops ops = {buf_write, NULL};
    struct core_cmd_env env = {.workspace_flag = e->root};
    env.out = (struct core_out){&ops, out};
    env.diag = (struct core_out){&ops, out};
    return core_cmd_run(&env, argc, argv, err);
}

/* Frees the engine. */
static void local_close(void *ctx)
{
    struct local_engine *e = ctx;
    core_scheduler_free(e->sched, true);
    if (e->log_file)
        fclose(e->log_file);
    free(e->root);
    free(e);
}

static const struct core_engine_ops local_ops = {local_exec, local_snapshot, local_close};

/* Creates a local engine. */
int core_engine_local(const char *root, struct core_engine *out, struct wv_error *err)
{
    char *abs = wv_path_real(root, err);
    if (!abs)
        return wv_error_prefix(err, "workspace");
    struct local_engine *e = wv_calloc(1, sizeof *e);
    e->root = abs;
    out->ops = &local_ops;
    out->ctx = e;
    /* the scheduler: best effort (a workspace with errors is shown, not scheduled) */
    char *logp = wv_asprintf("%s/.weaver/engine.log", abs), *dir = wv_path_dirname(logp);
    struct wv_error serr;
    wv_error_clear(&serr);
    if (wv_fs_mkdirs(dir, 0700, &serr) == 0)
        e->log_file = fopen(logp, "ae");
    e->log = (struct wv_log){e->log_file ? file_log : NULL, e->log_file, WV_LOG_INFO};
    e->sched = core_scheduler_new(abs, &e->log, &serr);
    if (e->sched && core_scheduler_start(e->sched, &serr) < 0) {
        core_scheduler_free(e->sched, true);
        e->sched = NULL;
    }
    free(logp);
    free(dir);
    return 0;
}

/* Frees a snapshot. */
void core_snapshot_free(struct core_snapshot *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->n_sources; i++) {
        free(s->sources[i].name);
        free(s->sources[i].connector);
    }
    for (size_t i = 0; i < s->n_conns; i++) {
        struct core_snap_conn *c = &s->conns[i];
        free(c->name);
        free(c->source);
        free(c->destination);
        free(c->schedule);
        free(c->last_status);
        free(c->last_error);
    }
    for (size_t i = 0; i < s->n_jobs; i++) {
        free(s->jobs[i].connection);
        free(s->jobs[i].status);
        free(s->jobs[i].error);
    }
    free(s->sources);
    free(s->conns);
    free(s->jobs);
    free(s->workspace_name);
    free(s->workspace_root);
    free(s->load_error);
    free(s);
}
