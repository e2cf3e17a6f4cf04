/* sched.c - the scheduler's decisions: which flows and connections are due at a given time.
 * Flows keep their schedule in `schedule:` (cron, in the flow's time zone) or `every:`
 * (intervals aligned to the epoch, so every process agrees on the times); connections in
 * `schedule:` ("every 1h" or a cron line in UTC). What already ran comes from the state
 * database (a flow's runs triggered by the schedule, a connection's jobs), so a restarted
 * daemon neither repeats nor forgets a time. Pure decisions: the caller starts the runs. */
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "core/core_int.h"

#define RECENT_MS (2 * 60 * 1000) /* catchup none: a time this recent still runs */
#define MAX_CATCHUP 100

/* The next time of a cron line or an interval after after_ms. */
static int64_t next_time(const struct wv_cron *cron, int64_t every_ms, int64_t after_ms)
{
    if (every_ms > 0)
        return (after_ms / every_ms + 1) * every_ms;
    return cron ? wv_cron_next(cron, after_ms) : -1;
}

/* A connection's schedule text parsed ("every 1h", or a cron line in UTC). */
static int conn_schedule(const struct core_connection *c, struct wv_cron *cron, int64_t *every)
{
    *every = 0;
    if (!c->schedule)
        return -1;
    if (strncmp(c->schedule, "every ", 6) == 0) {
        *every = wv_duration_parse(c->schedule + 6);
        return *every > 0 ? 0 : -1;
    }
    struct wv_error e;
    wv_error_clear(&e);
    return wv_cron_parse(c->schedule, "UTC", cron, &e);
}

int64_t core_sched_next(const struct core_flow *f, const struct core_connection *c,
                        int64_t after_ms)
{
    if (f)
        return f->schedule || f->every_ms
                   ? next_time(f->schedule ? &f->cron : NULL, f->every_ms, after_ms)
                   : -1;
    struct wv_cron cron;
    int64_t every;
    if (!c || conn_schedule(c, &cron, &every) < 0)
        return -1;
    return next_time(every ? NULL : &cron, every, after_ms);
}

/* Appends a due item. */
static void add_due(struct core_sched_due **due, size_t *n, size_t *cap, bool is_flow,
                    const char *name, int64_t t)
{
    if (*n == *cap) {
        *cap = *cap ? *cap * 2 : 8;
        *due = wv_realloc(*due, *cap * sizeof **due);
    }
    (*due)[(*n)++] = (struct core_sched_due){is_flow, name, t};
}

/* The logical time of a flow's last scheduled run, or 0. */
static int last_scheduled(struct stor_db *db, const char *flow, int64_t *last,
                          struct wv_error *err)
{
    struct stor_flow_run *runs = NULL;
    size_t n = 0;
    *last = 0;
    if (stor_flow_run_list(db, flow, 200, &runs, &n, err) < 0)
        return -1;
    for (size_t i = 0; i < n; i++)
        if (strcmp(runs[i].trigger, "schedule") == 0 && runs[i].logical_ms > *last)
            *last = runs[i].logical_ms;
    stor_flow_runs_free(runs, n);
    return 0;
}

/* The flows and connections due at now. */
int core_sched_due(const struct core_workspace *ws, struct stor_db *db, int64_t now_ms,
                   struct core_sched_due **due, size_t *n, struct wv_error *err)
{
    size_t cap = 0;
    *due = NULL;
    *n = 0;
    for (size_t i = 0; i < ws->n_flows; i++) {
        const struct core_flow *f = &ws->flows[i];
        if (!f->enabled || (!f->schedule && !f->every_ms))
            continue;
        int64_t last;
        if (last_scheduled(db, f->name, &last, err) < 0)
            goto fail;
        int64_t base = last ? last : now_ms - RECENT_MS;
        const char *policy = f->catchup ? f->catchup : "none";
        int64_t times[MAX_CATCHUP];
        size_t k = 0;
        for (int64_t t = core_sched_next(f, NULL, base); t > 0 && t <= now_ms;
             t = core_sched_next(f, NULL, t)) {
            if (k == MAX_CATCHUP)
                memmove(times, times + 1, (MAX_CATCHUP - 1) * sizeof *times), k--;
            times[k++] = t;
        }
        if (k == 0)
            continue;
        if (strcmp(policy, "all") == 0) {
            for (size_t j = 0; j < k; j++)
                add_due(due, n, &cap, true, f->name, times[j]);
        } else if (strcmp(policy, "last") == 0 || times[k - 1] >= now_ms - RECENT_MS) {
            add_due(due, n, &cap, true, f->name, times[k - 1]);
        }
    }
    for (size_t i = 0; i < ws->n_conns; i++) {
        const struct core_connection *c = &ws->conns[i];
        if (!c->enabled || !c->schedule)
            continue;
        struct stor_job *jobs = NULL;
        size_t nj = 0;
        if (stor_job_list(db, c->name, 1, &jobs, &nj, err) < 0)
            goto fail;
        int64_t base = nj ? jobs[0].started_ms : now_ms - RECENT_MS;
        stor_jobs_free(jobs, nj);
        int64_t t = core_sched_next(NULL, c, base), latest = -1;
        for (int guard = 0; t > 0 && t <= now_ms && guard < 100000; guard++) {
            latest = t;
            t = core_sched_next(NULL, c, t);
        }
        if (latest > 0)
            add_due(due, n, &cap, false, c->name, latest);
    }
    return 0;
fail:
    free(*due);
    *due = NULL;
    *n = 0;
    return -1;
}
