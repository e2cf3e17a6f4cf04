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
};

struct qual_stats;

struct core_sync_result {
    int64_t job_id;
    int64_t records, bytes, files;
    int64_t states_committed;
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
};

struct core_snap_conn {
    char *name, *source, *destination, *schedule;
    bool enabled;
    size_t n_streams;
    char *last_status;     /* NULL if never run */
    int64_t last_started_ms, last_records;
    char *last_error;
};

struct core_snap_job {
    int64_t id;
    char *connection, *status, *error;
    int64_t started_ms, ended_ms, records, bytes;
};

/* An immutable picture of the engine at one moment. */
struct core_snapshot {
    char *workspace_name, *workspace_root;
    char *load_error;      /* workspace problem to show, or NULL */
    struct core_snap_source *sources;
    size_t n_sources;
    struct core_snap_conn *conns;
    size_t n_conns;
    struct core_snap_job *jobs; /* newest first */
    size_t n_jobs;
    int64_t taken_ms;
};

void core_snapshot_free(struct core_snapshot *s);

struct core_engine_ops {
    /* Runs one command line (as typed at the console prompt); output appended to out. */
    int (*exec)(void *ctx, int argc, char **argv, struct wv_buf *out, struct wv_error *err);
    /* Takes a fresh snapshot (caller frees with core_snapshot_free). Never NULL. */
    struct core_snapshot *(*snapshot)(void *ctx);
    /* Frees the engine. */
    void (*close)(void *ctx);
};

struct core_engine {
    const struct core_engine_ops *ops;
    void *ctx;
};

/* An engine over a local workspace (the root must exist). Caller closes. */
int core_engine_local(const char *root, struct core_engine *out, struct wv_error *err);

#endif
