/* core.h - weaver's engine layer: the workspace model, the command table shared by the CLI,
 * the console prompt and the remote protocol, the sync engine, and the engine interface the
 * console renders from. */
#ifndef CORE_H
#define CORE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "base/buf.h"
#include "base/clock.h"
#include "base/cron.h"
#include "base/error.h"
#include "base/json.h"
#include "base/log.h"
#include "base/msg.h"
#include "quality/quality.h"
#include "storage/storage.h"

/* ================= workspace ================= */

struct core_source {
    char *name;          /* file stem unless `name:` says otherwise */
    char *file;          /* path of the YAML file (for errors) */
    char *connector;     /* "builtin:faker", "manifest:connectors/x.yaml" ... */
    struct wv_json *config_node; /* config as written (templates unresolved, positions kept) */
};

struct core_destination {
    char *name;
    char *type;          /* "local" or "s3" */
    char *format;        /* "parquet" (default) or "jsonl" (local only) */
    char *path;          /* local: absolute directory of the raw zone; NULL for s3 */
    char *bucket;        /* s3: bucket, and key prefix ("" or "a/b") from path s3://bucket/a/b */
    char *prefix;
    struct wv_json *s3_node; /* s3: the `s3:` block as written (endpoint, region,
                                access_key_id, secret_access_key, session_token, profile,
                                credentials_file, parallel) - templates unresolved; NULL if none */
    char *path_template; /* NULL = the zone default */
    char *compression;   /* "zstd" (default), "snappy", "gzip", "none" */
    bool partition_by_cursor; /* partition_by: cursor (default: extracted_at) */
    bool flatten;
    int64_t file_bytes;       /* file_size; 0 = default (128 MiB) */
    int64_t row_group_bytes;  /* row_group_size; 0 = default */
    char *file;          /* weaver.yaml (for errors) */
};

/* A destination's storage target with credentials resolved (templates `{{ env.X }}` /
 * `{{ file('p') }}` in the s3 block). Owns the strings stor_target points to. */
struct core_target {
    struct stor_target t;
    char *strs[12];
};

struct core_conn_stream {
    char *name;
    char *ns;            /* NULL when none */
    enum wv_sync_mode sync_mode;
    enum wv_dest_mode dest_mode;
    struct wv_path cursor;   /* n == 0: source-defined */
    struct wv_path *pk;      /* n_pk == 0: source-defined */
    size_t n_pk;
};

struct core_connection {
    char *name;
    char *file;
    char *source;        /* name of a core_source */
    char *destination;   /* name of a core_destination */
    char *prefix;        /* directory under the destination (default: the connection name) */
    char *schedule;      /* as written ("every 1h", "0 6 * * *") or NULL */
    bool enabled;
    struct core_conn_stream *streams;
    size_t n_streams;
    struct qual_check *checks; /* the gate: checks every sync must pass before publishing */
    size_t n_checks;
};

/* ---- flows (flow.c): flows/ *.yaml, a DAG of tasks ---- */

struct core_workspace;

#define CORE_TASK_KINDS(X) X(SYNC, "sync") X(QUALITY, "quality") X(GATE, "gate") \
    X(PUBLISH, "publish") X(COMMAND, "command") X(NOOP, "noop")

enum core_task_kind {
#define CORE_X_TK(id, text) CORE_TASK_##id,
    CORE_TASK_KINDS(CORE_X_TK)
#undef CORE_X_TK
};

#define CORE_TRIGGERS(X) X(ALL_SUCCESS, "all_success") X(ALL_DONE, "all_done") \
    X(ONE_FAILED, "one_failed") X(NONE_FAILED, "none_failed")

enum core_trigger {
#define CORE_X_TR(id, text) CORE_TRIGGER_##id,
    CORE_TRIGGERS(CORE_X_TR)
#undef CORE_X_TR
};

const char *core_task_kind_name(enum core_task_kind k);
const char *core_trigger_name(enum core_trigger t);

struct core_task {
    char *name;
    enum core_task_kind kind;
    unsigned line, col;          /* position of the task in its flow file */
    char *connection;            /* sync: a workspace connection */
    size_t *deps;                /* indexes of depends_on tasks (in the flow's task array) */
    size_t n_deps;
    enum core_trigger trigger;   /* trigger_rule (default all_success) */
    int retries;                 /* extra tries after a failure (default 0) */
    int64_t retry_delay_ms;      /* first backoff (retry_delay, default 10s); doubles each try,
                                    with up to 25% jitter, capped at 10 min */
    int64_t timeout_ms;          /* 0 = none */
    struct qual_check *checks;   /* quality */
    size_t n_checks;
    size_t *rerun;               /* gate on_failure.rerun: task indexes */
    size_t n_rerun;
    int max_loops;               /* gate on_failure.max_loops (default 1 when rerun is given) */
    char **argv;                 /* command: argv (argv[0] resolved on PATH at load), NULL-ended */
    size_t argc;
};

struct core_flow {
    char *name;                  /* `name:` or the file stem */
    char *file;
    char *schedule;              /* cron text as written, or NULL */
    struct wv_cron cron;         /* parsed schedule (when schedule is set) */
    int64_t every_ms;            /* `every: 15m` instead of a cron line; 0 = none */
    char *catchup;               /* "none" (default), "last", "all": missed schedule times */
    int max_parallel;            /* default 4 */
    bool enabled;
    struct core_task *tasks;     /* in file order */
    size_t n_tasks;
    size_t *order;               /* a topological order of task indexes */
};

/* The flow of that name, or NULL. */
const struct core_flow *core_workspace_flow(const struct core_workspace *ws, const char *name);
/* The task of that name in a flow, or -1. */
long core_flow_task(const struct core_flow *f, const char *name);

struct core_workspace {
    char *root;          /* absolute */
    char *name;
    char *state_dir;     /* root/.weaver */
    char *db_path;       /* root/.weaver/state.db */
    char *default_destination; /* defaults.destination, or NULL */
    struct core_destination *dests;
    size_t n_dests;
    struct core_source *sources;
    size_t n_sources;
    struct core_connection *conns;
    size_t n_conns;
    struct core_flow *flows;
    size_t n_flows;
};

/* Finds the workspace root: flag_dir if given, else $WEAVER_WORKSPACE, else the current
 * directory or the nearest parent holding weaver.yaml. *root is absolute; caller frees. */
int core_workspace_find(const char *flag_dir, char **root, struct wv_error *err);

/* Loads weaver.yaml, sources/ *.yaml and connections/ *.yaml, checking structure (unknown
 * fields, types, references) with file:line:col errors. Templates in source configs are
 * resolved later, at use (core_source_config). Caller frees. */
struct core_workspace *core_workspace_load(const char *root, struct wv_error *err);
void core_workspace_free(struct core_workspace *ws);

/* Borrowed lookups by name; NULL when missing. */
const struct core_source *core_workspace_source(const struct core_workspace *ws,
                                                const char *name);
const struct core_connection *core_workspace_connection(const struct core_workspace *ws,
                                                        const char *name);
const struct core_destination *core_workspace_destination(const struct core_workspace *ws,
                                                          const char *name);

/* Resolves `{{ env.NAME }}` and `{{ file('path') }}` templates inside string values of a
 * config tree (file paths relative to base_dir; one trailing newline stripped). Unknown
 * variables or unreadable files are errors naming origin:line:col. Caller frees *out. */
int core_config_resolve(const struct wv_json *node, const char *origin, const char *base_dir,
                        struct wv_json **out, struct wv_error *err);

/* Converts string values (typically from templates) to the scalar types that a connector's
 * connectionSpecification declares (integer, number, boolean), recursing into object
 * properties. A value that does not convert is an error naming origin:line:col. Never logs or
 * echoes the value (it may be a secret). */
int core_config_coerce(struct wv_json *config, const struct wv_json *schema, const char *origin,
                       struct wv_error *err);

/* Builds the storage target of a destination (templates in its s3 block resolved; secrets are
 * never echoed in errors). Caller frees with core_target_done. */
int core_destination_target(const struct core_workspace *ws, const struct core_destination *d,
                            struct core_target *out, struct wv_error *err);
void core_target_done(struct core_target *t);

/* The zone writer options of a destination (strings borrowed from d). */
void core_destination_zone_options(const struct core_destination *d,
                                   struct stor_zone_options *out);

/* The source's config with templates resolved. Caller frees. */
int core_source_config(const struct core_workspace *ws, const struct core_source *src,
                       struct wv_json **out, struct wv_error *err);

/* Creates a new workspace in dir (must be absent or empty): weaver.yaml, sources/,
 * connections/, flows/, .gitignore; with demo, the bundled demo workspace's files. */
int core_workspace_init(const char *dir, bool demo, struct wv_error *err);

/* ================= sync ================= */

struct core_sync_progress {
    int64_t records, bytes;
    int64_t elapsed_ns;
    int64_t states_committed;
    const char *stream; /* stream of the last record (borrowed) */
};

typedef void (*core_progress_fn)(void *ctx, const struct core_sync_progress *p);

struct core_sync_opts {
    const struct wv_clock *clock;      /* NULL: system */
    const struct wv_log *log;          /* diagnostics; may be NULL */
    core_progress_fn progress;         /* called at most ~10 times a second; may be NULL */
    void *progress_ctx;
    const volatile int *cancel;        /* may be NULL */
    bool stage_only;                   /* Parquet zones: stage the run and stop (a flow's gate
                                          and publish task decide later: core_publish_run) */
    const struct qual_check *track;    /* checks whose data the statistics must collect */
    size_t n_track;
};

struct qual_stats;

struct core_sync_result {
    int64_t job_id;
    int64_t records, bytes, files;
    int64_t states_committed;
    int64_t requests, failed_requests; /* HTTP requests the source sent (tries), failed ones */
    bool staged;                       /* Parquet zone: the run was staged (job_id names it) */
    bool published;                    /* ... and published */
    enum wv_code code;                 /* WV_E_OK on success */
    struct qual_stats *stats;          /* per-stream statistics (owned; core_sync_result_done) */
};

/* Frees what a result owns. */
void core_sync_result_done(struct core_sync_result *res);

/* Runs one sync of a connection: reads the source, writes the destination, commits each STATE
 * to the state store only after the data it covers is durable and published, records the job
 * and attempt. Holds the connection's lock for the duration (WV_E_CONFLICT if another sync of
 * it is running). */
int core_sync_run(const struct core_workspace *ws, const char *connection,
                  const struct core_sync_opts *opts, struct core_sync_result *result,
                  struct wv_error *err);

/* Publishes a staged run of a Parquet raw zone (job id of its sync): files, then manifest, then
 * its states committed. Resumes a publish that was interrupted. */
int core_publish_run(const struct core_workspace *ws, struct stor_db *db, int64_t job_id,
                     const struct wv_clock *clock, const struct wv_log *log,
                     struct wv_error *err);
/* Discards a staged run (uploads aborted, staging removed, reason recorded); its states are
 * never committed. */
int core_publish_discard(const struct core_workspace *ws, struct stor_db *db, int64_t job_id,
                         const char *reason, const struct wv_clock *clock,
                         const struct wv_log *log, struct wv_error *err);

/* ================= flow runs (flow_run*.c) ================= */
/* A flow run executes a flow's DAG on a pool of worker threads (at most max_parallel tasks at
 * once) from the calling thread, which owns the run's SQLite connection: tasks start when
 * their trigger rule allows, failed tries are retried with exponential backoff and jitter, a
 * task past its timeout is cancelled, and cancelling the run (the cancel flag, or `flow cancel`
 * from another process through the database) reaches running syncs and commands. Sync tasks
 * stage Parquet runs when a publish task is downstream; quality tasks judge what their
 * upstream syncs staged; a gate passes when no error-level check failed, else it fails the run
 * or sends it back to the syncs (on_failure.rerun, bounded by max_loops); publish tasks
 * publish the staged runs. Every run, task instance and attempt (with its log) is recorded. */

struct core_flow_event {
    int64_t run_id;
    const char *task;              /* NULL: the run itself */
    const char *state;             /* "running", "success", "failed", "up_for_retry", ... */
    int try_number;
    const char *message;           /* error or NULL */
};

typedef void (*core_flow_event_fn)(void *ctx, const struct core_flow_event *e);

struct core_flow_opts {
    const struct wv_clock *clock;  /* NULL: system */
    const struct wv_log *log;      /* run-level diagnostics; may be NULL */
    const volatile int *cancel;    /* may be NULL */
    const char *trigger;           /* "manual" (default), "schedule" */
    int64_t logical_ms;            /* schedule time; 0 = start time */
    core_flow_event_fn on_event;   /* task and run state changes (from the calling thread) */
    void *event_ctx;
};

/* Runs a flow to its end. *run_id is set as soon as the run is recorded. Returns 0 when the run
 * succeeded; -1 with err "flow NAME: task T: cause" when it failed or was cancelled. */
int core_flow_run(const struct core_workspace *ws, const char *flow,
                  const struct core_flow_opts *opts, int64_t *run_id, struct wv_error *err);

/* What a rerun would run: from_task and everything downstream of it, or (from_task NULL)
 * every failed, upstream_failed or skipped task and everything downstream of those. *tasks
 * (names, caller frees with core_names_free) in topological order. */
int core_flow_rerun_plan(const struct core_workspace *ws, int64_t run_id, const char *from_task,
                         char ***tasks, size_t *n, struct wv_error *err);
void core_names_free(char **names, size_t n);
/* Clears those tasks (Airflow "clear") and runs the run again; the other tasks keep their
 * results. */
int core_flow_rerun(const struct core_workspace *ws, int64_t run_id, const char *from_task,
                    const struct core_flow_opts *opts, struct wv_error *err);
/* Asks the process running a run to cancel it. */
int core_flow_cancel(const struct core_workspace *ws, int64_t run_id, struct wv_error *err);
/* Sets a finished run's task to success or failed by hand (the run's state follows). */
int core_flow_mark(const struct core_workspace *ws, int64_t run_id, const char *task,
                   bool success, struct wv_error *err);

/* ================= scheduler (sched.c) ================= */

/* One thing the scheduler wants started. */
struct core_sched_due {
    bool is_flow;                  /* else a connection sync */
    const char *name;              /* borrowed from the workspace */
    int64_t logical_ms;            /* the schedule time it stands for */
};

/* The flows and connections due at now_ms: for each with a schedule, the schedule times after
 * its last scheduled run (from the state database) up to now, filtered by the catch-up policy
 * (none: only a time within the last 2 minutes; last: the latest missed time; all: every missed
 * time, at most 100). Caller frees *due. */
int core_sched_due(const struct core_workspace *ws, struct stor_db *db, int64_t now_ms,
                   struct core_sched_due **due, size_t *n, struct wv_error *err);
/* The next schedule time of a flow or connection after after_ms, or -1. */
int64_t core_sched_next(const struct core_flow *f, const struct core_connection *c,
                        int64_t after_ms);

/* The scheduler at work (sched_run.c): ticks every second on its own thread over its own copy
 * of the workspace at root, starting due flows and connection syncs on threads of their own. */
struct core_scheduler;
struct core_scheduler *core_scheduler_new(const char *root, const struct wv_log *log,
                                          struct wv_error *err);
/* Starts the ticking thread. */
int core_scheduler_start(struct core_scheduler *s, struct wv_error *err);
/* One pass by hand: starts what is due now. */
int core_scheduler_tick(struct core_scheduler *s, struct wv_error *err);
/* Runs under way (finished ones are collected). */
size_t core_scheduler_active(struct core_scheduler *s);
/* Cancels the runs under way. */
void core_scheduler_cancel(struct core_scheduler *s);
/* Stops ticking, cancels the runs under way when asked, waits for them, frees. NULL is a
 * no-op. */
void core_scheduler_free(struct core_scheduler *s, bool cancel);

/* ================= commands ================= */

/* Where a command's output goes. write() receives bytes to show the user (stdout in the CLI,
 * a pane in the console, a protocol frame remotely). */
struct core_out_ops {
    void (*write)(void *ctx, const char *data, size_t len);
    /* Pushes buffered output to its reader now (may be NULL: unbuffered). */
    void (*flush)(void *ctx);
};

struct core_out {
    const struct core_out_ops *ops;
    void *ctx;
};

/* Everything a command runs with; borrowed. */
struct core_cmd_env {
    const char *workspace_flag;   /* --workspace value or NULL */
    struct core_out out;          /* results */
    struct core_out diag;         /* progress and diagnostics (stderr in the CLI) */
    bool diag_is_tty;             /* whether to draw a live progress line */
    const struct wv_clock *clock; /* NULL: system */
    const volatile int *cancel;
    const char *man_extra;        /* roff appended to `help --man` (the console's keys) */
};

/* Writes formatted text to an output. */
void core_printf(const struct core_out *out, const char *fmt, ...) WV_PRINTF(2, 3);
void core_write(const struct core_out *out, const char *data, size_t len);
/* Flushes an output (a piped CLI stdout is buffered: an echoed STATE must reach its reader). */
void core_flush(const struct core_out *out);

/* Runs argv (argv[0] is the first word of the command, e.g. "sync") through the command table.
 * Usage errors are WV_E_USAGE (the CLI exits 2). */
int core_cmd_run(const struct core_cmd_env *env, int argc, char **argv, struct wv_error *err);

/* Help: the command list, or one command's help. -1 WV_E_USAGE for an unknown command. */
int core_cmd_help(const struct core_out *out, int argc, char **argv, struct wv_error *err);

/* Writes the man page (roff) generated from the command table. */
void core_cmd_man(const struct core_out *out);

/* Whether argv names a command (used to tell commands from typos). */
bool core_cmd_exists(int argc, char **argv);

/* ================= engine interface (what the console sees) ================= */

struct core_snap_source {
    char *name, *connector;
    char *check_status;    /* "succeeded"/"failed" of the last check run from the console, or
                              NULL when never checked in this session */
    char *check_message;   /* or NULL */
    int64_t checked_ms;
};

struct core_snap_stream {
    char *name, *sync_mode, *dest_mode;
    bool has_state;        /* the connection has stored state for it */
};

struct core_snap_conn {
    char *name, *source, *destination, *schedule;
    bool enabled;
    size_t n_streams;
    struct core_snap_stream *streams;
    char *last_status;     /* NULL if never run */
    int64_t last_started_ms, last_records;
    char *last_error;
    int64_t next_ms;       /* next scheduled sync, or -1 */
    char *file;            /* the connection's YAML file (for $EDITOR) */
};

struct core_snap_job {
    int64_t id;
    char *connection, *status, *error;
    int64_t started_ms, ended_ms, records, bytes;
};

struct core_snap_flow {
    char *name, *schedule;   /* schedule as text ("every 60s", cron line) or "manual" */
    bool enabled;
    int64_t next_ms;         /* next scheduled run, or -1 */
    char **tasks;            /* task names in topological order */
    size_t n_tasks;
    char *file;
};

struct core_snap_task {
    char *name, *state, *error; /* state: none, running, success, failed, upstream_failed... */
    int try_number, loop;
    int64_t started_ms, ended_ms, records;
};

struct core_snap_run {
    int64_t id;
    char *flow, *state, *trigger, *error;
    int64_t started_ms, ended_ms;
    struct core_snap_task *tasks; /* in the flow's topological order when known */
    size_t n_tasks;
};

/* An immutable picture of the engine at one moment. */
struct core_snapshot {
    char *workspace_name, *workspace_root;
    char *load_error;      /* workspace problem to show, or NULL */
    struct core_snap_source *sources;
    size_t n_sources;
    struct core_snap_conn *conns;
    size_t n_conns;
    struct core_snap_job *jobs; /* newest first (at most 200) */
    size_t n_jobs;
    struct core_snap_flow *flows;
    size_t n_flows;
    struct core_snap_run *runs; /* newest first (at most 100), with their tasks */
    size_t n_runs;
    int64_t taken_ms;
};

void core_snapshot_free(struct core_snapshot *s);

/* One run in depth (the run detail view). */
struct core_snap_attempt {
    int64_t id;
    char *task, *state, *error;
    int number;
    int64_t started_ms, ended_ms, records, bytes;
};

struct core_snap_check {
    char *task, *sync_task, *stream, *check, *verdict, *threshold, *text;
    bool error_severity;
    double observed;         /* NaN when not measured */
};

struct core_run_detail {
    struct core_snap_run run;
    struct core_snap_attempt *attempts; /* oldest first */
    size_t n_attempts;
    struct core_snap_check *checks;
    size_t n_checks;
    char **files;            /* files the run published (from its syncs' manifests) */
    size_t n_files;
};

void core_run_detail_free(struct core_run_detail *d);

/* A command the engine ran for the console (the command log). */
struct core_cmd_result {
    int64_t id;              /* the id exec_async returned */
    char *line;              /* the command as typed, e.g. "flow run daily_orders" */
    int rc;                  /* 0 ok, else failed */
    char *output;            /* what it printed (stdout and diagnostics) */
    char *error;             /* error message, or NULL */
    int64_t started_ms, ended_ms;
};

void core_cmd_result_free(struct core_cmd_result *r);

struct core_engine_ops {
    /* Runs one command line (as typed at the console prompt) to its end; output appended to
     * out. For short commands only: long ones go through exec_async. */
    int (*exec)(void *ctx, int argc, char **argv, struct wv_buf *out, struct wv_error *err);
    /* Starts a command on an engine thread and returns at once: its id (> 0), or -1 with err
     * (e.g. the engine is read-only and the command changes something). */
    int64_t (*exec_async)(void *ctx, int argc, char **argv, struct wv_error *err);
    /* Takes the results of commands that finished since the last call (caller frees each
     * with core_cmd_result_free, and the array). */
    void (*poll_results)(void *ctx, struct core_cmd_result **out, size_t *n);
    /* The latest snapshot, refreshed by the engine's own thread about every second; never
     * blocks on work in progress. Caller frees with core_snapshot_free. Never NULL. */
    struct core_snapshot *(*snapshot)(void *ctx);
    /* One run in depth; NULL with err when unknown. Caller frees with core_run_detail_free. */
    struct core_run_detail *(*run_detail)(void *ctx, int64_t run_id, struct wv_error *err);
    /* Log text of an attempt from a byte offset: *text (caller frees) and the next offset. */
    int (*attempt_log)(void *ctx, int64_t attempt_id, int64_t offset, char **text,
                       int64_t *next, struct wv_error *err);
    /* The engine's own log (scheduler, commands) from a byte offset, as attempt_log. */
    int (*engine_log)(void *ctx, int64_t offset, char **text, int64_t *next,
                      struct wv_error *err);
    /* A source's connector spec (connectionSpecification JSON schema) for the new-source
     * form, by connector name ("builtin:faker", "manifest:connectors/x.yaml"). Caller frees. */
    struct wv_json *(*connector_spec)(void *ctx, const char *connector, struct wv_error *err);
    /* Frees the engine (cancels the runs it started and waits for them). */
    void (*close)(void *ctx);
};

struct core_engine {
    const struct core_engine_ops *ops;
    void *ctx;
};

struct core_engine_opts {
    bool readonly;           /* refuse commands that change anything (exec_async, exec) */
    bool no_scheduler;       /* do not run scheduled flows and syncs while open */
};

/* An engine over a local workspace (the root must exist). opts may be NULL. Caller closes. */
int core_engine_local(const char *root, const struct core_engine_opts *opts,
                      struct core_engine *out, struct wv_error *err);

/* Whether a command line (argv as the prompt splits it) only reads (help, list, status, logs,
 * show, jobs, runs, metrics, export, inspect, validate, spec) - allowed in read-only mode. */
bool core_cmd_readonly(int argc, char **argv);

#endif
