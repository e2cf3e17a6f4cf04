/* sched_run.c - the scheduler at work (`weaver daemon`, and the console's local engine):
 * every second it asks core_sched_due what is due and starts each due flow run (and scheduled
 * connection sync) on its own thread; a flow never has two runs at once, and a connection's
 * lock keeps two syncs of it apart. The workspace is reloaded every few seconds, so edited flows,
 * schedules and new connections take effect without a restart; runs keep the copy they started
 * with (copies are freed when their last run ends). Stopping cancels the runs under way and
 * waits for them. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/mem.h"
#include "core/core_int.h"

#define MAX_ACTIVE 64
#define RELOAD_MS 5000

struct core_scheduler;

/* A loaded copy of the workspace and the runs using it. */
struct ws_gen {
    struct core_workspace *ws;
    int users;
    struct ws_gen *next;
};

/* One run started by the daemon. */
struct active {
    struct core_scheduler *d;
    struct ws_gen *gen;
    bool is_flow;
    char *name;
    int64_t logical_ms;
    pthread_t th;
    bool done;
};

struct core_scheduler {
    struct core_workspace *ws;     /* the current copy (gens->ws) */
    struct ws_gen *gens;           /* newest first; older ones live while runs use them */
    char *root;
    int64_t next_reload_ms;
    char last_error[256];
    const struct wv_log *log;      /* where diagnostics go (may be NULL) */
    pthread_t th;
    volatile int stop;
    volatile int cancel;
    bool started;
    pthread_mutex_t mu;
    struct active *act[MAX_ACTIVE];
    size_t n;
};

/* Diagnostics of the daemon and its runs. */
static void dlog(void *ctx, enum wv_level level, const char *msg)
{
    struct core_scheduler *d = ctx;
    if (!d->log || !d->log->fn || level < d->log->min)
        return;
    pthread_mutex_lock(&d->mu);
    d->log->fn(d->log->ctx, level, msg);
    pthread_mutex_unlock(&d->mu);
}

static void *run_thread(void *arg)
{
    struct active *a = arg;
    struct core_scheduler *d = a->d;
    struct wv_log log = {dlog, d, WV_LOG_INFO};
    struct wv_error err;
    wv_error_clear(&err);
    int rc;
    if (a->is_flow) {
        struct core_flow_opts o = {.log = &log, .cancel = &d->cancel, .trigger = "schedule",
                                   .logical_ms = a->logical_ms};
        int64_t id = 0;
        wv_logf(&log, WV_LOG_INFO, "flow %s: starting a scheduled run", a->name);
        rc = core_flow_run(a->gen->ws, a->name, &o, &id, &err);
        if (rc == 0)
            wv_logf(&log, WV_LOG_INFO, "flow %s: run %lld succeeded", a->name, (long long)id);
    } else {
        struct core_sync_opts o = {.log = &log, .cancel = &d->cancel};
        struct core_sync_result res;
        wv_logf(&log, WV_LOG_INFO, "connection %s: starting a scheduled sync", a->name);
        rc = core_sync_run(a->gen->ws, a->name, &o, &res, &err);
        if (rc == 0)
            wv_logf(&log, WV_LOG_INFO, "connection %s: job %lld: %lld records", a->name,
                    (long long)res.job_id, (long long)res.records);
        core_sync_result_done(&res);
    }
    if (rc < 0)
        wv_logf(&log, WV_LOG_ERROR, "%s", err.msg);
    pthread_mutex_lock(&d->mu);
    a->done = true;
    pthread_mutex_unlock(&d->mu);
    return NULL;
}

/* Frees older copies of the workspace no run uses any more. */
static void drop_old(struct core_scheduler *d)
{
    pthread_mutex_lock(&d->mu);
    struct ws_gen **pp = d->gens ? &d->gens->next : NULL;
    while (pp && *pp) {
        struct ws_gen *g = *pp;
        if (g->users == 0) {
            *pp = g->next;
            core_workspace_free(g->ws);
            free(g);
        } else {
            pp = &g->next;
        }
    }
    pthread_mutex_unlock(&d->mu);
}

/* Loads the workspace again; a copy that does not load keeps the current one (logged once). */
static void reload(struct core_scheduler *d)
{
    struct wv_error err;
    wv_error_clear(&err);
    struct core_workspace *ws = core_workspace_load(d->root, &err);
    if (!ws) {
        if (strncmp(d->last_error, err.msg, sizeof d->last_error - 1) != 0) {
            snprintf(d->last_error, sizeof d->last_error, "%.255s", err.msg);
            struct wv_log log = {dlog, d, WV_LOG_WARN};
            wv_logf(&log, WV_LOG_WARN, "workspace no longer loads, keeping the last good one: %s",
                    err.msg);
        }
        return;
    }
    d->last_error[0] = '\0';
    struct ws_gen *g = wv_calloc(1, sizeof *g);
    g->ws = ws;
    pthread_mutex_lock(&d->mu);
    g->next = d->gens;
    d->gens = g;
    d->ws = ws;
    pthread_mutex_unlock(&d->mu);
    drop_old(d);
}

/* Joins finished runs. */
static void reap(struct core_scheduler *d, bool all)
{
    for (;;) {
        pthread_mutex_lock(&d->mu);
        struct active *fin = NULL;
        size_t k = 0;
        for (; k < d->n && !fin; k++)
            if (d->act[k]->done || all)
                fin = d->act[k];
        if (fin)
            d->act[k - 1] = d->act[--d->n];
        pthread_mutex_unlock(&d->mu);
        if (!fin)
            return;
        pthread_join(fin->th, NULL);
        pthread_mutex_lock(&d->mu);
        fin->gen->users--;
        pthread_mutex_unlock(&d->mu);
        free(fin->name);
        free(fin);
        drop_old(d);
    }
}

/* Whether something of that kind and name is running. */
static bool busy(struct core_scheduler *d, bool is_flow, const char *name)
{
    pthread_mutex_lock(&d->mu);
    bool b = false;
    for (size_t i = 0; i < d->n && !b; i++)
        b = d->act[i]->is_flow == is_flow && strcmp(d->act[i]->name, name) == 0 &&
            !d->act[i]->done;
    pthread_mutex_unlock(&d->mu);
    return b;
}

/* One scheduler pass: starts what is due. */
static int tick(struct core_scheduler *d, struct wv_error *err)
{
    int64_t now = wv_clock_mono_ns(wv_clock_system()) / 1000000;
    if (now >= d->next_reload_ms) {
        if (d->next_reload_ms)
            reload(d);
        d->next_reload_ms = now + RELOAD_MS;
    }
    struct stor_db *db = core_db_open(d->ws, err);
    if (!db)
        return -1;
    struct core_sched_due *due = NULL;
    size_t n = 0;
    int rc = core_sched_due(d->ws, db, wv_clock_now_ms(wv_clock_system()), &due, &n, err);
    stor_db_close(db);
    for (size_t i = 0; rc == 0 && i < n; i++) {
        if (busy(d, due[i].is_flow, due[i].name) || d->n >= MAX_ACTIVE)
            continue;
        struct active *a = wv_calloc(1, sizeof *a);
        *a = (struct active){d, d->gens, due[i].is_flow, wv_strdup(due[i].name),
                             due[i].logical_ms, 0, false};
        pthread_mutex_lock(&d->mu);
        d->act[d->n++] = a;
        d->gens->users++;
        pthread_mutex_unlock(&d->mu);
        if (pthread_create(&a->th, NULL, run_thread, a) != 0) {
            pthread_mutex_lock(&d->mu);
            d->n--;
            d->gens->users--;
            pthread_mutex_unlock(&d->mu);
            free(a->name);
            free(a);
            rc = wv_error_set(err, WV_E_INTERNAL, 0, "could not start a run thread");
        }
        /* runs of one flow for several missed times go one after the other */
        if (due[i].is_flow)
            break;
    }
    free(due);
    return rc;
}

/* Starts what is due now (one pass). */
int core_scheduler_tick(struct core_scheduler *s, struct wv_error *err)
{
    reap(s, false);
    return tick(s, err);
}

/* Runs under way. */
size_t core_scheduler_active(struct core_scheduler *s)
{
    reap(s, false);
    pthread_mutex_lock(&s->mu);
    size_t n = s->n;
    pthread_mutex_unlock(&s->mu);
    return n;
}

static void *loop(void *arg)
{
    struct core_scheduler *s = arg;
    while (!s->stop) {
        struct wv_error err;
        wv_error_clear(&err);
        if (core_scheduler_tick(s, &err) < 0) {
            struct wv_log log = {dlog, s, WV_LOG_ERROR};
            wv_logf(&log, WV_LOG_ERROR, "scheduler: %s", err.msg);
        }
        for (int i = 0; i < 10 && !s->stop; i++) {
            struct timespec ts = {0, 100 * 1000000L};
            nanosleep(&ts, NULL);
        }
    }
    return NULL;
}

/* A scheduler over its own copy of the workspace at root. */
struct core_scheduler *core_scheduler_new(const char *root, const struct wv_log *log,
                                          struct wv_error *err)
{
    struct core_workspace *ws = core_workspace_load(root, err);
    if (!ws)
        return NULL;
    struct core_scheduler *s = wv_calloc(1, sizeof *s);
    s->gens = wv_calloc(1, sizeof *s->gens);
    s->gens->ws = ws;
    s->ws = ws;
    s->root = wv_strdup(root);
    s->log = log;
    pthread_mutex_init(&s->mu, NULL);
    return s;
}

/* Ticks every second on a thread of its own. */
int core_scheduler_start(struct core_scheduler *s, struct wv_error *err)
{
    if (pthread_create(&s->th, NULL, loop, s) != 0)
        return wv_error_set(err, WV_E_INTERNAL, 0, "could not start the scheduler thread");
    s->started = true;
    return 0;
}

/* Stops ticking; with cancel, cancels the runs under way; waits for them; frees. */
void core_scheduler_free(struct core_scheduler *s, bool cancel)
{
    if (!s)
        return;
    s->stop = 1;
    if (s->started)
        pthread_join(s->th, NULL);
    if (cancel)
        s->cancel = 1;
    while (core_scheduler_active(s) > 0) {
        struct timespec ts = {0, 50 * 1000000L};
        nanosleep(&ts, NULL);
    }
    pthread_mutex_destroy(&s->mu);
    for (struct ws_gen *g = s->gens, *next; g; g = next) {
        next = g->next;
        core_workspace_free(g->ws);
        free(g);
    }
    free(s->root);
    free(s);
}

/* Cancels the runs under way (they end; the scheduler keeps ticking unless stopped). */
void core_scheduler_cancel(struct core_scheduler *s)
{
    s->cancel = 1;
}
