/* engine_int.h - the local engine's state shared by engine.c (open/close, logs, run detail),
 * engine_snap.c (the snapshot thread) and engine_exec.c (commands on worker threads). */
#ifndef ENGINE_INT_H
#define ENGINE_INT_H

#include <pthread.h>
#include <stdio.h>

#include "core/core_int.h"

#define ENGINE_WORKERS 4

/* The outcome of the last `check SOURCE` run through the engine. */
struct engine_check {
    char *source, *status, *message;
    int64_t ms;
};

/* A command waiting for a worker. */
struct engine_cmd {
    int64_t id;
    int argc;
    char **argv;                   /* owned */
    struct engine_cmd *next;
};

struct local_engine {
    char *root, *db_path, *log_path;
    struct core_engine_opts opts;
    struct core_scheduler *sched;
    FILE *log_file;
    struct wv_log log;

    pthread_mutex_t mu;            /* guards everything below */
    pthread_cond_t cond;           /* snapshot thread's sleep; workers' queue */
    bool stop;
    struct core_snapshot *snap;    /* the latest snapshot (owned) */
    struct engine_check *checks;
    size_t n_checks;
    struct engine_cmd *queue, *queue_tail;
    struct core_cmd_result *results;
    size_t n_results, cap_results;
    int64_t next_id;
    volatile int cancel;           /* set at close: running commands stop */

    pthread_t snap_thread, workers[ENGINE_WORKERS];
    bool snap_started;
    size_t n_workers;
};

/* Builds a fresh snapshot (workspace reload + state store reads); never fails: problems go
 * into load_error. *db is the calling thread's connection, opened when NULL and the state
 * store exists (caller closes). Caller frees the snapshot. */
struct core_snapshot *core_engine_snap_build(struct local_engine *e, struct stor_db **db);
/* Deep copy of a snapshot. Caller frees. */
struct core_snapshot *core_engine_snap_dup(const struct core_snapshot *s);
/* Starts the snapshot thread (the first snapshot already in e->snap). */
int core_engine_snap_start(struct local_engine *e, struct wv_error *err);

/* Starts the command workers. */
int core_engine_exec_start(struct local_engine *e, struct wv_error *err);
/* Stops the workers (e->stop and e->cancel already set), joins them, frees the queue and the
 * results not taken. */
void core_engine_exec_stop(struct local_engine *e);

/* Engine ops implemented in engine_exec.c. */
int core_engine_exec(void *ctx, int argc, char **argv, struct wv_buf *out, struct wv_error *err);
int64_t core_engine_exec_async(void *ctx, int argc, char **argv, struct wv_error *err);
void core_engine_poll_results(void *ctx, struct core_cmd_result **out, size_t *n);

/* Copies a snapshot run task / strings (engine_snap.c, shared with the run detail). */
void core_engine_snap_run_fill(struct core_snap_run *d, const struct stor_flow_run *r,
                               const struct stor_task_run *t, size_t n_t,
                               const struct core_flow *f);
void core_engine_snap_run_done(struct core_snap_run *r);

#endif
