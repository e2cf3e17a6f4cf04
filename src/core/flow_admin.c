/* flow_admin.c - acting on recorded flow runs: Airflow's "clear" (rerun the failed tasks, or a
 * task and everything downstream of it, the others keeping their results and staged data),
 * the plan of such a rerun, cancelling a run another process runs (through the database), and
 * marking a task by hand. */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/mem.h"
#include "core/flow_int.h"

/* Loads a run's task instances into fr (by task name). */
static int load_tasks(struct frun *fr, struct wv_error *err)
{
    struct stor_task_run *trs = NULL;
    size_t n = 0;
    if (stor_task_run_list(fr->db, fr->run_id, &trs, &n, err) < 0)
        return -1;
    for (size_t i = 0; i < n; i++) {
        long k = core_flow_task(fr->f, trs[i].task);
        if (k < 0)
            continue; /* a task since removed from the flow */
        struct ftask *ft = &fr->ts[k];
        char *keep = ft->tr.error;
        ft->tr = trs[i];
        ft->tr.task = ft->t->name;
        ft->tr.error = trs[i].error ? wv_strdup(trs[i].error) : NULL;
        free(keep);
        ft->staged = false;
        if (ft->t->kind == CORE_TASK_SYNC && ft->tr.job_id > 0) {
            struct stor_publish p;
            struct wv_error e;
            wv_error_clear(&e);
            if (stor_publish_get(fr->db, ft->tr.job_id, &p, &e) == 0) {
                ft->staged = p.status == STOR_PUB_STAGED || p.status == STOR_PUB_BLOCKED;
                stor_publish_done(&p);
            }
        }
    }
    stor_task_runs_free(trs, n);
    return 0;
}

/* The tasks a rerun clears, as flags. */
static int plan(struct frun *fr, const char *from_task, bool *clear, struct wv_error *err)
{
    memset(clear, 0, fr->n * sizeof *clear);
    if (from_task) {
        long k = core_flow_task(fr->f, from_task);
        if (k < 0)
            return wv_error_set(err, WV_E_NOTFOUND, 0, "flow %s has no task '%s'", fr->f->name,
                                from_task);
        for (size_t j = 0; j < fr->n; j++)
            clear[j] = (long)j == k || core_flow_upstream(fr, (size_t)k, j);
        return 0;
    }
    for (size_t i = 0; i < fr->n; i++) {
        enum stor_task_state s = fr->ts[i].tr.state;
        if (s == STOR_TASK_SUCCESS)
            continue;
        for (size_t j = 0; j < fr->n; j++)
            if (j == i || core_flow_upstream(fr, i, j))
                clear[j] = true;
    }
    return 0;
}

/* Opens a finished run of the workspace for rerun planning. */
static int open_run(const struct core_workspace *ws, int64_t run_id,
                    const struct core_flow_opts *opts, struct frun *fr, struct wv_error *err)
{
    struct stor_db *db = core_db_open(ws, err);
    if (!db)
        return -1;
    struct stor_flow_run r;
    if (stor_flow_run_get(db, run_id, &r, err) < 0) {
        stor_db_close(db);
        return -1;
    }
    const struct core_flow *f = core_workspace_flow(ws, r.flow);
    int rc = 0;
    if (!f)
        rc = wv_error_set(err, WV_E_NOTFOUND, 0, "run %lld: flow '%s' is no longer in the "
                                                 "workspace", (long long)run_id, r.flow);
    else if (r.state == STOR_RUN_RUNNING && core_flow_pid_alive(r.pid))
        rc = wv_error_set(err, WV_E_CONFLICT, 0, "run %lld is still running (pid %d)",
                          (long long)run_id, r.pid);
    stor_flow_run_done(&r);
    if (rc < 0) {
        stor_db_close(db);
        return -1;
    }
    core_flow_frun_init(fr, ws, f, opts);
    fr->db = db;
    fr->run_id = run_id;
    return load_tasks(fr, err);
}

void core_names_free(char **names, size_t n)
{
    for (size_t i = 0; names && i < n; i++)
        free(names[i]);
    free(names);
}

/* What a rerun would run. */
int core_flow_rerun_plan(const struct core_workspace *ws, int64_t run_id, const char *from_task,
                         char ***tasks, size_t *n, struct wv_error *err)
{
    *tasks = NULL;
    *n = 0;
    struct frun fr;
    memset(&fr, 0, sizeof fr);
    int rc = open_run(ws, run_id, NULL, &fr, err);
    if (rc == 0) {
        bool *clear = wv_calloc(fr.n ? fr.n : 1, sizeof *clear);
        rc = plan(&fr, from_task, clear, err);
        *tasks = wv_calloc(fr.n ? fr.n : 1, sizeof **tasks);
        for (size_t k = 0; rc == 0 && k < fr.n; k++)
            if (clear[fr.f->order[k]])
                (*tasks)[(*n)++] = wv_strdup(fr.f->tasks[fr.f->order[k]].name);
        free(clear);
    }
    if (fr.ts)
        core_flow_frun_done(&fr);
    return rc;
}

/* Clears the planned tasks and runs the run again. */
int core_flow_rerun(const struct core_workspace *ws, int64_t run_id, const char *from_task,
                    const struct core_flow_opts *opts, struct wv_error *err)
{
    struct frun fr;
    memset(&fr, 0, sizeof fr);
    if (open_run(ws, run_id, opts, &fr, err) < 0) {
        if (fr.ts)
            core_flow_frun_done(&fr);
        return -1;
    }
    bool *clear = wv_calloc(fr.n ? fr.n : 1, sizeof *clear);
    int rc = plan(&fr, from_task, clear, err);
    if (rc == 0)
        rc = stor_flow_run_reopen(fr.db, run_id, (int)getpid(), err);
    for (size_t i = 0; rc == 0 && i < fr.n; i++) {
        if (!clear[i])
            continue;
        struct ftask *ft = &fr.ts[i];
        if (ft->t->kind == CORE_TASK_SYNC && ft->staged && ft->tr.job_id > 0) {
            struct wv_error e;
            wv_error_clear(&e);
            if (core_publish_discard(ws, fr.db, ft->tr.job_id, "superseded by a rerun",
                                     fr.clock, fr.o->log, &e) < 0)
                wv_logf(fr.o->log, WV_LOG_WARN, "task %s: %s", ft->t->name, e.msg);
        }
        ft->staged = false;
        ft->tr.job_id = 0;
        ft->tr.records = ft->tr.bytes = 0;
        core_flow_set_state(&fr, ft, STOR_TASK_NONE, NULL);
    }
    free(clear);
    if (rc == 0)
        rc = core_flow_loop(&fr, err);
    core_flow_frun_done(&fr);
    return rc;
}

/* Asks the running process to cancel. */
int core_flow_cancel(const struct core_workspace *ws, int64_t run_id, struct wv_error *err)
{
    struct stor_db *db = core_db_open(ws, err);
    if (!db)
        return -1;
    struct stor_flow_run r;
    int rc = stor_flow_run_get(db, run_id, &r, err);
    if (rc == 0 && r.state != STOR_RUN_RUNNING)
        rc = wv_error_set(err, WV_E_CONFLICT, 0, "run %lld is not running (%s)",
                          (long long)run_id, stor_run_state_name(r.state));
    if (rc == 0)
        stor_flow_run_done(&r);
    if (rc == 0)
        rc = stor_flow_run_cancel(db, run_id, err);
    stor_db_close(db);
    return rc;
}

/* Marks a task of a finished run by hand; the run's state follows. */
int core_flow_mark(const struct core_workspace *ws, int64_t run_id, const char *task,
                   bool success, struct wv_error *err)
{
    struct frun fr;
    memset(&fr, 0, sizeof fr);
    if (open_run(ws, run_id, NULL, &fr, err) < 0) {
        if (fr.ts)
            core_flow_frun_done(&fr);
        return -1;
    }
    long k = core_flow_task(fr.f, task);
    int rc = 0;
    if (k < 0) {
        rc = wv_error_set(err, WV_E_NOTFOUND, 0, "flow %s has no task '%s'", fr.f->name, task);
    } else {
        core_flow_set_state(&fr, &fr.ts[k], success ? STOR_TASK_SUCCESS : STOR_TASK_FAILED,
                  success ? NULL : "marked failed by the operator");
        bool ok = true;
        for (size_t i = 0; i < fr.n; i++)
            ok &= fr.ts[i].tr.state == STOR_TASK_SUCCESS || fr.ts[i].tr.state == STOR_TASK_SKIPPED;
        rc = stor_flow_run_finish(fr.db, run_id, ok ? STOR_RUN_SUCCESS : STOR_RUN_FAILED,
                                  wv_clock_now_ms(fr.clock),
                                  ok ? NULL : "not every task succeeded", err);
    }
    core_flow_frun_done(&fr);
    return rc;
}
