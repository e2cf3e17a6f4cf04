/* flow_int.h - private to the flow runner (flow_run.c: the DAG loop on the calling thread,
 * which owns the run's SQLite connection; flow_task.c: what each kind of task does, on a
 * worker thread with its own SQLite connection when it needs one). */
#ifndef CORE_FLOW_INT_H
#define CORE_FLOW_INT_H

#include <pthread.h>
#include <stdint.h>

#include "base/buf.h"
#include "core/core_int.h"

struct frun;

/* The runtime state of one task of a run. */
struct ftask {
    const struct core_task *t;
    size_t idx;
    struct stor_task_run tr;   /* persisted; tr.task borrowed from t->name */
    int64_t next_try_ms;       /* up_for_retry: when to try again */
    int64_t attempt_id;
    int64_t deadline_ms;       /* running: when its timeout fires (0: none) */
    bool timed_out;
    volatile int cancel;       /* set to stop the running try */
    pthread_t th;
    /* filled by the worker, read by the loop after `finished` */
    bool finished;
    int rc;
    struct wv_error err;
    int64_t job_id, records, bytes;
    bool staged;               /* sync: its job staged a Parquet run */
    struct wv_buf log;         /* lines not yet written to the attempt's log (under mu) */
};

/* One run being executed. */
struct frun {
    const struct core_workspace *ws;
    const struct core_flow *f;
    const struct core_flow_opts *o;
    const struct wv_clock *clock;
    struct stor_db *db;
    int64_t run_id;
    struct ftask *ts;
    size_t n;
    uint64_t *reach;           /* reach[b * words + a / 64] bit a%64: a is upstream of b */
    size_t words;
    int running;
    pthread_mutex_t mu;
    pthread_cond_t cv;
};

/* The runtime state of a run's tasks (flow_run.c), freed with core_flow_frun_done. */
void core_flow_frun_init(struct frun *fr, const struct core_workspace *ws,
                         const struct core_flow *f, const struct core_flow_opts *o);
void core_flow_frun_done(struct frun *fr);
/* Sets a task's state (saved, and told to the caller's on_event). */
void core_flow_set_state(struct frun *fr, struct ftask *ft, enum stor_task_state s,
                         const char *error);
/* The DAG loop until every task is decided; records the run's end. */
int core_flow_loop(struct frun *fr, struct wv_error *err);
/* Whether a process exists. */
bool core_flow_pid_alive(int pid);

/* Runs one try of a task on the calling (worker) thread; fills ft->rc/err/job_id/... */
void core_flow_task_exec(struct frun *fr, struct ftask *ft);

/* Appends a line to the task's pending log (thread-safe; flushed to SQLite by the loop). */
void core_flow_task_log(struct frun *fr, struct ftask *ft, enum wv_level level, const char *msg);

/* Whether task a is upstream (transitively) of task b in this run's flow. */
bool core_flow_upstream(const struct frun *fr, size_t a, size_t b);

#endif
