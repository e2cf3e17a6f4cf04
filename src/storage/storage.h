/* storage.h - what weaver keeps: the SQLite state store (.weaver/state.db: connection state,
 * jobs, attempts) and the raw zone writer (local directory, JSONL per stream, staged then
 * published). The engine loop thread owns the write connection. */
#ifndef STORAGE_H
#define STORAGE_H

#include <stdbool.h>
#include <stdint.h>

#include "base/error.h"
#include "base/json.h"
#include "base/log.h"
#include "base/msg.h"

/* ================= state store ================= */

struct stor_db;

/* Opens (creating with mode 0600 if missing) the state database at path, enables WAL and a
 * busy timeout, and applies pending migrations (forward-only, each in a transaction). The parent
 * directory must exist. Caller frees with stor_db_close. */
struct stor_db *stor_db_open(const char *path, struct wv_error *err);
void stor_db_close(struct stor_db *db); /* NULL is a no-op */

/* Groups writes: every stor_* write between the two calls is one transaction (one fsync), as
 * the flow runner does for each pass of its loop. A failing write inside rolls the whole batch
 * back and batch_end then fails. */
int stor_db_batch_begin(struct stor_db *db, struct wv_error *err);
int stor_db_batch_end(struct stor_db *db, struct wv_error *err);

/* The schema version after migrations; the newest version this build knows. */
int stor_db_version(struct stor_db *db);
int stor_db_latest_version(void);

/* ---- jobs and attempts ---- */

#define STOR_JOB_STATUSES(X) X(RUNNING, "running") X(SUCCEEDED, "succeeded") \
    X(FAILED, "failed") X(CANCELLED, "cancelled")

enum stor_job_status {
#define STOR_X_JS(id, text) STOR_JOB_##id,
    STOR_JOB_STATUSES(STOR_X_JS)
#undef STOR_X_JS
};

const char *stor_job_status_name(enum stor_job_status s);

struct stor_job {
    int64_t id;
    char *connection;    /* owned */
    char *kind;          /* "sync" ... owned */
    enum stor_job_status status;
    int64_t started_ms, ended_ms; /* ended 0 while running */
    int64_t records, bytes;
    int attempts;
    int pid;             /* process that runs it */
    char *error;         /* owned or NULL */
};

/* Records a new running job and its first attempt; returns ids. */
int stor_job_start(struct stor_db *db, const char *connection, const char *kind, int64_t now_ms,
                   int pid, int64_t *job_id, int64_t *attempt_id, struct wv_error *err);
/* Updates the running totals of a job and its attempt (called at checkpoints). */
int stor_job_progress(struct stor_db *db, int64_t job_id, int64_t attempt_id, int64_t records,
                      int64_t bytes, struct wv_error *err);
/* Ends a job and its attempt with a status and optional error text. */
int stor_job_finish(struct stor_db *db, int64_t job_id, int64_t attempt_id,
                    enum stor_job_status status, int64_t now_ms, int64_t records, int64_t bytes,
                    const char *error, struct wv_error *err);
/* Marks running jobs whose process is gone as failed ("abandoned: process N is gone").
 * is_alive(pid) decides; returns the number reaped in *n. */
int stor_job_reap(struct stor_db *db, bool (*is_alive)(int pid), int64_t now_ms, int *n,
                  struct wv_error *err);
/* Newest first; connection NULL = all. limit <= 0 = 50. Caller frees with stor_jobs_free. */
int stor_job_list(struct stor_db *db, const char *connection, int limit, struct stor_job **jobs,
                  size_t *n, struct wv_error *err);
void stor_jobs_free(struct stor_job *jobs, size_t n);

/* ---- connection state ---- */

/* Stores the state carried by one STATE message for a connection, in one transaction:
 * STREAM replaces that stream's state; GLOBAL is kept as one row; LEGACY replaces the legacy
 * blob. The newest kind wins: committing one kind deletes stored rows of the other kinds, so
 * the input state handed back to a source is never a mix. sourceStats/destinationStats are
 * stripped (per-checkpoint counts, not position). job_id records which job committed it. */
int stor_state_commit(struct stor_db *db, const char *connection, const struct wv_msg *state,
                      int64_t job_id, int64_t now_ms, struct wv_error *err);
/* The connection's state as an Airbyte input state (array of AirbyteStateMessage objects;
 * NULL when there is none). Caller frees. */
int stor_state_get(struct stor_db *db, const char *connection, struct wv_json **state,
                   struct wv_error *err);
/* Drops a stream's state (ns may be NULL), or all of the connection's state if stream is NULL.
 * Under GLOBAL state a stream reset removes that stream's entry from stream_states; an opaque
 * LEGACY blob can only be reset as a whole. */
int stor_state_reset(struct stor_db *db, const char *connection, const char *ns,
                     const char *stream, struct wv_error *err);

/* ---- staged runs and their publishing (db_publish.c) ---- */
/* A run that writes a Parquet raw zone stages its files and keeps its STATE messages aside;
 * only publishing the files commits those states (one transaction), so state never runs ahead
 * of published data, and a run a gate blocks leaves the state where it was. A publish
 * interrupted by a crash is found by the next run of the connection and finished (staged
 * files, manifest and states are all here), including multipart uploads half done. */

#define STOR_PUB_STATUSES(X) X(STAGED, "staged") X(PUBLISHING, "publishing") \
    X(PUBLISHED, "published") X(BLOCKED, "blocked") X(DISCARDED, "discarded")

enum stor_pub_status {
#define STOR_X_PS(id, text) STOR_PUB_##id,
    STOR_PUB_STATUSES(STOR_X_PS)
#undef STOR_X_PS
};

const char *stor_pub_status_name(enum stor_pub_status s);

struct stor_publish {
    int64_t job_id;
    char *connection, *destination; /* owned */
    char *stage_dir;                /* owned: the run's staging directory */
    char *manifest_json;            /* owned: the run's manifest (stor_zone_manifest) */
    char *states_json;              /* owned: JSON array of the run's STATE messages, in order */
    enum stor_pub_status status;
    char *reason;                   /* owned or NULL: why blocked/discarded */
    int64_t created_ms, updated_ms;
};

/* Records a staged run (status staged). Strings borrowed. */
int stor_publish_stage(struct stor_db *db, const struct stor_publish *p, int64_t now_ms,
                       struct wv_error *err);
/* Moves a run to another status (reason may be NULL). Publishing a run: set PUBLISHING, publish
 * the files, then stor_publish_commit. */
int stor_publish_set(struct stor_db *db, int64_t job_id, enum stor_pub_status status,
                     const char *reason, int64_t now_ms, struct wv_error *err);
/* In one transaction: commits the run's states (in order, as stor_state_commit) and marks it
 * published. */
int stor_publish_commit(struct stor_db *db, int64_t job_id, int64_t now_ms,
                        struct wv_error *err);
/* The runs of a connection (NULL = all) in the given status, oldest first. Caller frees with
 * stor_publish_list_free. */
int stor_publish_list(struct stor_db *db, const char *connection, enum stor_pub_status status,
                      struct stor_publish **out, size_t *n, struct wv_error *err);
/* One run by job id (WV_E_NOTFOUND when none). Caller frees with stor_publish_done. */
int stor_publish_get(struct stor_db *db, int64_t job_id, struct stor_publish *out,
                     struct wv_error *err);
void stor_publish_done(struct stor_publish *p);
void stor_publish_list_free(struct stor_publish *p, size_t n);

/* Multipart upload progress of a run's file (rel), for stor_upload_store. */
int stor_upload_load(struct stor_db *db, int64_t job_id, const char *rel, char **upload_id,
                     int64_t *part_size, char ***etags, size_t *n_etags, struct wv_error *err);
int stor_upload_created(struct stor_db *db, int64_t job_id, const char *rel,
                        const char *upload_id, int64_t part_size, struct wv_error *err);
int stor_upload_part(struct stor_db *db, int64_t job_id, const char *rel, int part_no,
                     const char *etag, struct wv_error *err);
int stor_upload_forget(struct stor_db *db, int64_t job_id, const char *rel,
                       struct wv_error *err);
/* Every recorded upload of a job (rel, upload id) - to abort those of a discarded run. */
int stor_upload_list(struct stor_db *db, int64_t job_id, char ***rels, char ***upload_ids,
                     size_t *n, struct wv_error *err);

/* ---- flow runs, task instances, attempts, quality results (db_flow.c) ---- */
/* A flow run is a row in flow_runs; each of its tasks has one task instance (state, try
 * number, loop); each try is an attempt with its own log and metrics; quality tasks store one
 * result per check. States follow Airflow: a task is none (not yet decided), queued, running,
 * success, failed, upstream_failed (its trigger rule can never pass), skipped, or
 * up_for_retry (failed, a retry is scheduled). */

#define STOR_RUN_STATES(X) X(QUEUED, "queued") X(RUNNING, "running") X(SUCCESS, "success") \
    X(FAILED, "failed") X(CANCELLED, "cancelled")

enum stor_run_state {
#define STOR_X_RS(id, text) STOR_RUN_##id,
    STOR_RUN_STATES(STOR_X_RS)
#undef STOR_X_RS
};

#define STOR_TASK_STATES(X) X(NONE, "none") X(QUEUED, "queued") X(RUNNING, "running") \
    X(SUCCESS, "success") X(FAILED, "failed") X(UPSTREAM_FAILED, "upstream_failed") \
    X(SKIPPED, "skipped") X(UP_FOR_RETRY, "up_for_retry")

enum stor_task_state {
#define STOR_X_TS(id, text) STOR_TASK_##id,
    STOR_TASK_STATES(STOR_X_TS)
#undef STOR_X_TS
};

const char *stor_run_state_name(enum stor_run_state s);
const char *stor_task_state_name(enum stor_task_state s);
/* "success" -> state; -1 if unknown. */
int stor_task_state_parse(const char *s, enum stor_task_state *out);

struct stor_flow_run {
    int64_t id;
    char *flow;                 /* owned */
    enum stor_run_state state;
    char *trigger;              /* "manual", "schedule", "rerun" (owned) */
    int64_t logical_ms;         /* the schedule time it stands for (manual: the start) */
    int64_t started_ms, ended_ms; /* ended 0 while running */
    int pid;                    /* process running it (0 when none) */
    bool cancel_requested;
    char *error;                /* owned or NULL: why it failed */
};

struct stor_task_run {
    int64_t run_id;
    char *task;                 /* owned */
    enum stor_task_state state;
    int try_number;             /* attempts made so far */
    int loop;                   /* gate loops that re-ran it */
    int64_t started_ms, ended_ms;
    int64_t job_id;             /* sync: its sync job (0 when none) */
    int64_t records, bytes;
    char *error;                /* owned or NULL */
};

struct stor_attempt {
    int64_t id, run_id;
    char *task;                 /* owned */
    int number;                 /* 1, 2, ... */
    enum stor_task_state state; /* running, success, failed */
    int64_t started_ms, ended_ms;
    int64_t records, bytes;
    char *error;                /* owned or NULL */
};

struct stor_quality_result {
    int64_t run_id;
    char *task, *sync_task, *stream, *check; /* owned; sync_task: the sync it judged */
    bool error_severity;
    char *verdict;              /* "pass", "warn", "fail", "not_enough_history" (owned) */
    double observed;            /* NaN when nothing was measured */
    char *threshold;            /* text, e.g. "min 1" (owned) */
    char *text;                 /* the one-line result (owned) */
};

/* Starts a run (state running, pid) with one task instance per name (state none). */
int stor_flow_run_start(struct stor_db *db, const char *flow, const char *trigger,
                        int64_t logical_ms, int64_t now_ms, int pid, const char *const *tasks,
                        size_t n_tasks, int64_t *run_id, struct wv_error *err);
/* Ends a run (error may be NULL). */
int stor_flow_run_finish(struct stor_db *db, int64_t run_id, enum stor_run_state state,
                         int64_t now_ms, const char *error, struct wv_error *err);
/* Re-opens a finished run for a rerun (state running, pid, ended cleared, cancel cleared). */
int stor_flow_run_reopen(struct stor_db *db, int64_t run_id, int pid, struct wv_error *err);
/* Sets cancel_requested (the running process polls it). */
int stor_flow_run_cancel(struct stor_db *db, int64_t run_id, struct wv_error *err);
/* One run (WV_E_NOTFOUND when none). Caller frees with stor_flow_run_done. */
int stor_flow_run_get(struct stor_db *db, int64_t run_id, struct stor_flow_run *out,
                      struct wv_error *err);
/* Newest first; flow NULL = all; limit <= 0 = 50. Caller frees with stor_flow_runs_free. */
int stor_flow_run_list(struct stor_db *db, const char *flow, int limit,
                       struct stor_flow_run **out, size_t *n, struct wv_error *err);
void stor_flow_run_done(struct stor_flow_run *r);
void stor_flow_runs_free(struct stor_flow_run *r, size_t n);
/* Runs left running by a process that is gone: marked failed ("abandoned"), their running
 * tasks and attempts failed too. */
int stor_flow_run_reap(struct stor_db *db, bool (*is_alive)(int pid), int64_t now_ms, int *n,
                       struct wv_error *err);

/* Updates a task instance: every field of t except run_id/task (error may be NULL). */
int stor_task_run_update(struct stor_db *db, const struct stor_task_run *t, struct wv_error *err);
/* The task instances of a run, in the order they were created. Caller frees with
 * stor_task_runs_free. */
int stor_task_run_list(struct stor_db *db, int64_t run_id, struct stor_task_run **out, size_t *n,
                       struct wv_error *err);
void stor_task_runs_free(struct stor_task_run *t, size_t n);

/* Attempts: start (state running) returns its id; finish sets state/records/bytes/error. */
int stor_attempt_start(struct stor_db *db, int64_t run_id, const char *task, int number,
                       int64_t now_ms, int64_t *attempt_id, struct wv_error *err);
int stor_attempt_finish(struct stor_db *db, int64_t attempt_id, enum stor_task_state state,
                        int64_t now_ms, int64_t records, int64_t bytes, const char *error,
                        struct wv_error *err);
/* Appends log lines to an attempt (text ends with '\n'; capped at 4 MiB per attempt, then a
 * single "[log truncated]" line). */
int stor_attempt_log(struct stor_db *db, int64_t attempt_id, const char *text,
                     struct wv_error *err);
/* An attempt's log from byte offset (for --follow); *text caller frees, *next the offset after
 * it. */
int stor_attempt_log_read(struct stor_db *db, int64_t attempt_id, int64_t offset, char **text,
                          int64_t *next, struct wv_error *err);
/* Attempts of a run (task NULL = all), oldest first. Caller frees with stor_attempts_free. */
int stor_attempt_list(struct stor_db *db, int64_t run_id, const char *task,
                      struct stor_attempt **out, size_t *n, struct wv_error *err);
void stor_attempts_free(struct stor_attempt *a, size_t n);

/* Quality results of a run: add one; list them (task NULL = all) in insertion order. */
int stor_quality_add(struct stor_db *db, const struct stor_quality_result *r,
                     struct wv_error *err);
int stor_quality_list(struct stor_db *db, int64_t run_id, const char *task,
                      struct stor_quality_result **out, size_t *n, struct wv_error *err);
void stor_quality_free(struct stor_quality_result *r, size_t n);

/* Per-job statistics (the quality module's JSON: per stream rows, field nulls, cursor range,
 * duplicates, values...) and the stream schemas of the job's catalog, kept for checks that
 * look at history (low_count, schema drift) and for reruns in another process. */
int stor_job_stats_put(struct stor_db *db, int64_t job_id, const char *stats_json,
                       const char *schemas_json, struct wv_error *err);
/* *stats_json / *schemas_json caller frees; both NULL when the job has none. */
int stor_job_stats_get(struct stor_db *db, int64_t job_id, char **stats_json,
                       char **schemas_json, struct wv_error *err);
/* The ids of the connection's last `limit` sync jobs that succeeded AND whose data was
 * published (or that wrote JSONL), newest first, excluding exclude_job. Caller frees *ids. */
int stor_job_history(struct stor_db *db, const char *connection, int limit, int64_t exclude_job,
                     int64_t **ids, size_t *n, struct wv_error *err);

/* ================= raw zone (local directory) ================= */

/* Layout under root:
 *   [<namespace>/]<stream>/dt=YYYY-MM-DD/<run_id>-<part>.jsonl   published files
 *   _weaver_staging/<run_id>/...                                 a run's staging (hidden from
 *                                                                 readers by the leading '_')
 * Each line: {"_airbyte_raw_id":"uuid","_airbyte_extracted_at":ms,"_airbyte_generation_id":n,
 *             "_airbyte_meta":{"sync_id":n,"changes":[]},"_airbyte_data":{record}} */

struct stor_raw;

struct stor_raw_stream_cfg {
    const char *ns;         /* may be NULL */
    const char *name;
    enum wv_dest_mode mode; /* append, overwrite, append_dedup */
    const struct wv_path *pk;   /* primary key paths (append_dedup) */
    size_t n_pk;
    const struct wv_path *cursor; /* cursor path (append_dedup tie-break), may be NULL */
};

struct stor_raw_stats {
    int64_t records;   /* records written by this run */
    int64_t bytes;     /* bytes written by this run */
    int64_t files;     /* files published by this run */
};

/* Opens a run's writer under root (created if missing): run_id names the files, extracted_at_ms
 * the partition date and _airbyte_extracted_at, generation_id and sync_id go into each line.
 * Caller frees with stor_raw_free (which discards anything unpublished). */
struct stor_raw *stor_raw_open(const char *root, const char *run_id, int64_t extracted_at_ms,
                               int64_t generation_id, int64_t sync_id, struct wv_error *err);

/* Declares a stream before writing to it. */
int stor_raw_add_stream(struct stor_raw *w, const struct stor_raw_stream_cfg *cfg,
                        struct wv_error *err);

/* Appends one record (the RECORD's data object) to the stream's staged part. */
int stor_raw_write(struct stor_raw *w, const char *ns, const char *stream,
                   const struct wv_json *data, struct wv_error *err);

/* Makes everything written so far to a stream (NULL: to every stream) durable and, for append
 * and append_dedup streams, visible: the staged part is fsynced and renamed to its final path.
 * Overwrite streams are fsynced but stay staged until stor_raw_finish. After this returns 0 the
 * caller may commit the state that covers these records. */
int stor_raw_checkpoint(struct stor_raw *w, const char *ns, const char *stream,
                        struct wv_error *err);

/* Ends a successful run: checkpoints every stream; overwrite streams publish their staged files
 * and remove the stream's older files; append_dedup streams are compacted so that each primary
 * key appears once (latest cursor wins, then latest extraction); staging is removed. */
int stor_raw_finish(struct stor_raw *w, struct wv_error *err);

/* Per-stream and total statistics of this run (stream NULL = totals). */
void stor_raw_stats(const struct stor_raw *w, const char *ns, const char *stream,
                    struct stor_raw_stats *out);

/* Discards unpublished data and frees the writer. NULL is a no-op. */
void stor_raw_free(struct stor_raw *w);

/* Removes staging directories left by runs that died (all of them: call it only while holding
 * the connection's lock). */
int stor_raw_gc(const char *root, struct wv_error *err);

/* ================= Parquet writer (pq_*.c) ================= */
/* Writes Parquet files (apache/parquet-format) with a flat schema: data pages v1, RLE_DICTIONARY
 * values (PLAIN fallback, or PLAIN only), RLE/bit-packed definition levels, one of four codecs,
 * row groups closed by a byte budget, column statistics and key-value metadata. The file is
 * written to PATH.tmp.PID and fsynced and
 * renamed to PATH by stor_pq_close; stor_pq_free without close removes the temp file. One
 * writer is used by one thread at a time. */

#define STOR_PQ_TYPES(X) X(INT64, "int64") X(DOUBLE, "double") X(BOOLEAN, "boolean") \
    X(STRING, "string") X(TIMESTAMP, "timestamp") X(DATE, "date") X(JSON, "json")

/* Column types: INT64; DOUBLE; BOOLEAN; STRING (BYTE_ARRAY, STRING logical type); TIMESTAMP
 * (INT64, TIMESTAMP(MICROS, isAdjustedToUTC) - values are RFC 3339 strings with Z or an offset);
 * DATE (INT32, DATE - values "YYYY-MM-DD"); JSON (BYTE_ARRAY, JSON logical type - any JSON
 * value, stored as its compact text). */
enum stor_pq_type {
#define STOR_X_PQT(id, text) STOR_PQ_##id,
    STOR_PQ_TYPES(STOR_X_PQT)
#undef STOR_X_PQT
};

/* Codecs, numbered as parquet.thrift CompressionCodec. */
enum stor_pq_codec { STOR_PQ_UNCOMPRESSED = 0, STOR_PQ_SNAPPY = 1, STOR_PQ_GZIP = 2,
                     STOR_PQ_ZSTD = 6 };

/* "int64" ... -> type; -1 if unknown. */
int stor_pq_type_parse(const char *name, enum stor_pq_type *out);
/* "none"/"uncompressed", "snappy", "gzip", "zstd" -> codec; -1 if unknown. */
int stor_pq_codec_parse(const char *name, enum stor_pq_codec *out);

struct stor_pq_column {
    const char *name; /* borrowed for the call (the writer copies it) */
    enum stor_pq_type type;
    bool optional;    /* nulls allowed */
};

struct stor_pq_options {
    enum stor_pq_codec codec;
    int64_t row_group_bytes; /* approximate uncompressed bytes per row group; 0 = 128 MiB */
    int64_t page_bytes;      /* approximate bytes per data page; 0 = 1 MiB */
    bool no_dictionary;       /* PLAIN only; by default every column but BOOLEAN is
                                 RLE_DICTIONARY-encoded, falling back to PLAIN for the rest of
                                 the column chunk once its dictionary passes dictionary_bytes
                                 or is not smaller than PLAIN after 8192 values */
    int64_t dictionary_bytes; /* dictionary page budget per column chunk; 0 = 1 MiB */
    bool airbyte_changes;     /* with a JSON column "_airbyte_meta": a value that does not fit
                                 its optional column is written as null and recorded in that
                                 row's _airbyte_meta.changes ({"field", "change": "NULLED",
                                 "reason": "DESTINATION_SERIALIZATION_ERROR"}) instead of
                                 failing the row */
};

#define STOR_PQ_MAX_COLUMNS 4096

struct stor_pq_writer;

/* Creates PATH.tmp.PID for a file with these columns (borrowed; names must be unique and
 * non-empty). opts may be NULL (uncompressed, defaults). Caller frees with stor_pq_free. */
struct stor_pq_writer *stor_pq_open(const char *path, const struct stor_pq_column *cols,
                                    size_t n_cols, const struct stor_pq_options *opts,
                                    struct wv_error *err);

/* Adds a key-value metadata entry to the footer (both copied; value may be NULL). */
int stor_pq_add_kv(struct stor_pq_writer *w, const char *key, const char *value,
                   struct wv_error *err);

/* Appends one row: values[i] (borrowed) for column i; NULL or a JSON null is a null. A value
 * that does not fit its column (or a null in a required column) fails with WV_E_PARSE naming the
 * column and the row, and the row is not written (the writer stays usable). */
int stor_pq_write_row(struct stor_pq_writer *w, const struct wv_json *const *values, size_t n,
                      struct wv_error *err);
/* Appends one row from an object (borrowed): each column takes the member of its name, a missing
 * member is a null. Members that are not columns are ignored. */
int stor_pq_write_object(struct stor_pq_writer *w, const struct wv_json *obj,
                         struct wv_error *err);

/* Rows written so far, and row groups closed so far. */
int64_t stor_pq_rows(const struct stor_pq_writer *w);
int64_t stor_pq_row_groups(const struct stor_pq_writer *w);
/* Size of the file so far: bytes already laid out (header, closed row groups) plus an estimate
 * of the buffered row group once compressed (its pages compressed so far, the rest scaled by the
 * compression ratio seen so far, or uncompressed before any page was compressed). The footer is
 * not counted until stor_pq_close has written it. For rolling files by size. */
int64_t stor_pq_bytes(const struct stor_pq_writer *w);

/* Flushes the last row group, writes the footer, fsyncs and renames the file into place. */
int stor_pq_close(struct stor_pq_writer *w, struct wv_error *err);

/* Frees the writer; an unclosed file's temp file is removed. NULL is a no-op. */
void stor_pq_free(struct stor_pq_writer *w);

/* Appends to out (borrowed) a description of the Parquet file at path: schema, key-value
 * metadata keys, row groups (rows, bytes) and per column chunk the codec, encodings, value
 * count, null count and min/max decoded for the type; then the first max_rows rows (at most
 * 100000) as JSON objects. Reads flat-schema files with v1 pages (what weaver writes); a
 * corrupt or unsupported file fails with a message naming it, never a crash. */
int stor_pq_inspect(const char *path, int64_t max_rows, struct wv_buf *out, struct wv_error *err);

/* Columns for an Airbyte stream's JSON schema ({"type":"object","properties":{...}}, borrowed):
 * integer -> INT64, number -> DOUBLE, boolean, string -> STRING (format date-time ->
 * TIMESTAMP unless airbyte_type is timestamp_without_timezone, format date -> DATE), object,
 * array, unions of several types and untyped properties -> JSON; a type admitting null or a
 * property not in "required" is optional. airbyte_meta: first _airbyte_raw_id (string),
 * _airbyte_extracted_at (timestamp), _airbyte_meta (json), _airbyte_generation_id (optional
 * int64); a property named _airbyte_* is then an error. Caller frees *cols (names owned) with
 * stor_pq_columns_free. */
int stor_pq_columns_from_json_schema(const struct wv_json *schema, bool airbyte_meta,
                                     struct stor_pq_column **cols, size_t *n,
                                     struct wv_error *err);
/* Frees such a list. NULL is a no-op. */
void stor_pq_columns_free(struct stor_pq_column *cols, size_t n);

/* ================= S3 client (s3.c, s3_ops.c, s3_sigv4.c) ================= */
/* A small S3 client on libcurl with weaver's own SigV4 signing. Path-style URLs to a custom
 * endpoint (http://127.0.0.1:PORT/bucket/key) for S3-compatible servers, virtual-host style
 * (https://bucket.s3.REGION.amazonaws.com/key) for AWS. TLS verification is always on. Errors
 * read "PUT s3://bucket/key: HTTP 403: SignatureDoesNotMatch: <message>" (never secrets or
 * signatures); 5xx and network errors of idempotent calls (and of each part) are retried with
 * exponential backoff. One client is used by one thread at a time. */

struct stor_s3_config {
    const char *endpoint;          /* NULL = AWS; else "http(s)://host[:port]" (path-style) */
    const char *region;            /* NULL = $AWS_REGION, $AWS_DEFAULT_REGION, "us-east-1" */
    const char *access_key_id;     /* explicit credentials (all three borrowed; NULL = from */
    const char *secret_access_key; /*  the AWS_* environment, else the credentials file) */
    const char *session_token;
    const char *profile;           /* NULL = $AWS_PROFILE, else "default" */
    const char *credentials_file;  /* NULL = $AWS_SHARED_CREDENTIALS_FILE, ~/.aws/credentials */
    int max_retries;               /* retries after the first try; 0 = 4, -1 = none */
    int retry_base_ms;             /* first backoff; 0 = 200 (doubles, capped at 10 s) */
    long timeout_ms;               /* per request; 0 = 300000 */
    int64_t part_size;             /* multipart part size; 0 = 8 MiB, clamped to 8-16 MiB */
    bool unsigned_payload;         /* sign PUT bodies as UNSIGNED-PAYLOAD instead of hashing */
    int64_t max_send_speed;        /* upload bandwidth cap per request, bytes/s; 0 = none */
};

#define STOR_S3_MIN_PART ((int64_t)8 << 20)
#define STOR_S3_MAX_PART ((int64_t)16 << 20)
#define STOR_S3_MAX_PARTS 10000

struct stor_s3;

struct stor_s3_object {
    char *key;           /* owned */
    int64_t size;
    char *etag;          /* owned, with its quotes as S3 sends it; may be NULL */
    char *last_modified; /* owned, as S3 sends it; may be NULL */
};

/* Creates a client: resolves region and credentials (config, then AWS_ACCESS_KEY_ID/
 * AWS_SECRET_ACCESS_KEY/AWS_SESSION_TOKEN, then the [profile] of the credentials file). cfg and
 * its strings are borrowed for the call. Caller frees with stor_s3_free. */
struct stor_s3 *stor_s3_new(const struct stor_s3_config *cfg, struct wv_error *err);
void stor_s3_free(struct stor_s3 *s); /* NULL is a no-op */

/* Single PUT of len bytes (borrowed) with x-amz-content-sha256 set to their hash. */
int stor_s3_put(struct stor_s3 *s, const char *bucket, const char *key, const void *data,
                size_t len, struct wv_error *err);
/* Uploads the rest of fd (borrowed; read to EOF): one PUT if it fits in one part, else a
 * multipart upload (aborted if it gives up). */
int stor_s3_put_fd(struct stor_s3 *s, const char *bucket, const char *key, int fd,
                   struct wv_error *err);
/* GET into memory: fails with WV_E_LIMIT past max bytes. *data (caller frees) is NUL-terminated. */
int stor_s3_get(struct stor_s3 *s, const char *bucket, const char *key, size_t max, char **data,
                size_t *len, struct wv_error *err);
/* GET written to fd (borrowed; retried from its start offset if fd is seekable). */
int stor_s3_get_fd(struct stor_s3 *s, const char *bucket, const char *key, int fd,
                   struct wv_error *err);
/* HEAD: size, ETag, Last-Modified into out (caller frees with stor_s3_object_done). A missing
 * object fails with WV_E_NOTFOUND. */
int stor_s3_head(struct stor_s3 *s, const char *bucket, const char *key,
                 struct stor_s3_object *out, struct wv_error *err);
int stor_s3_delete(struct stor_s3 *s, const char *bucket, const char *key, struct wv_error *err);
/* ListObjectsV2 of every key under prefix (NULL = all), following continuation tokens;
 * page_size 0 = 1000. Caller frees *objs with stor_s3_objects_free. */
int stor_s3_list(struct stor_s3 *s, const char *bucket, const char *prefix, int page_size,
                 struct stor_s3_object **objs, size_t *n, struct wv_error *err);
void stor_s3_object_done(struct stor_s3_object *o);
void stor_s3_objects_free(struct stor_s3_object *objs, size_t n);

/* Multipart upload steps (CreateMultipartUpload, UploadPart, CompleteMultipartUpload,
 * AbortMultipartUpload). *upload_id and *etag are caller-freed; etags[i] is part i+1. */
int stor_s3_mpu_create(struct stor_s3 *s, const char *bucket, const char *key,
                       char **upload_id, struct wv_error *err);
int stor_s3_mpu_part(struct stor_s3 *s, const char *bucket, const char *key,
                     const char *upload_id, int part_no, const void *data, size_t len,
                     char **etag, struct wv_error *err);
int stor_s3_mpu_complete(struct stor_s3 *s, const char *bucket, const char *key,
                         const char *upload_id, char *const *etags, size_t n,
                         struct wv_error *err);
int stor_s3_mpu_abort(struct stor_s3 *s, const char *bucket, const char *key,
                      const char *upload_id, struct wv_error *err);
/* The effective part size of this client. */
int64_t stor_s3_part_size(const struct stor_s3 *s);

/* ================= resumable, parallel uploads (s3_upload.c) ================= */
/* Uploads a local file: one PUT when it fits in one part, else a multipart upload with up to
 * `parallel` parts in flight (each on its own thread and client), each part retried by the
 * client; on give-up the upload is aborted. The upload id and every part's ETag are handed to
 * the hooks as they happen so that a caller can keep them (weaver keeps them in SQLite) and a
 * later process can resume: given a resume record, parts with an ETag are not sent again. A
 * resume record whose upload S3 no longer knows (NoSuchUpload) starts a new upload. */

struct stor_s3_upload_hooks {
    void *ctx;
    /* After CreateMultipartUpload (or when a resume record is used, not called). Nonzero
     * return stops the upload (aborted) with that error. */
    int (*created)(void *ctx, const char *upload_id, int64_t part_size, struct wv_error *err);
    /* After each part succeeded; called from the calling thread, one at a time. Nonzero return
     * stops the upload (NOT aborted: the caller asked to stop, e.g. it is shutting down). */
    int (*part_done)(void *ctx, int part_no, const char *etag, struct wv_error *err);
};

struct stor_s3_resume {
    const char *upload_id;   /* the upload to continue */
    int64_t part_size;       /* the part size it was started with */
    const char *const *etags; /* etags[i]: ETag of part i+1, or NULL when not uploaded */
    size_t n_etags;
};

/* Uploads path to bucket/key. cfg (borrowed for the call) is used to create one client per
 * thread; parallel 0 = 4 (at most 16). resume and hooks may be NULL. */
int stor_s3_upload_file(const struct stor_s3_config *cfg, const char *bucket, const char *key,
                        const char *path, int parallel, const struct stor_s3_resume *resume,
                        const struct stor_s3_upload_hooks *hooks, struct wv_error *err);

/* ================= raw zone of Parquet files (zone*.c) ================= */
/* The Parquet raw zone writer of one run. Files are written under a staging directory with
 * their final relative paths, rendered from a path template:
 *   default "{namespace}/{stream}/dt={date}/{run_id}-{part}.parquet"
 *   variables {namespace} {stream} {connection} {date} (YYYY-MM-DD) {year} {month} {day} {hour}
 *   {run_id} {sync_id} {part} (000, 001, ... per stream and directory) {epoch} (seconds);
 *   a variable with an empty value that leaves an empty path segment drops the segment
 *   (no namespace: "users/dt=..."), and the rendered path must stay relative (no "..", no
 *   leading "/"). The partition time is the run's extraction time, or with
 *   partition_by_cursor the record's cursor value (RFC 3339 date-time or date string, or epoch
 *   seconds); a record without a usable cursor value goes to {date} "__HIVE_DEFAULT_PARTITION__"
 *   (year/month/day/hour likewise) as Hive does.
 * A file is closed and a new part started past file_bytes (compressed bytes written so far).
 * Columns come from the stream's JSON schema with Airbyte's meta columns
 * (stor_pq_columns_from_json_schema), flattened when asked; a value that does not fit its
 * column is written as null and recorded in _airbyte_meta.changes. Nothing is visible to
 * readers until stor_zone_publish. */

struct stor_zone_options {
    const char *path_template;   /* NULL = default above */
    const char *connection;      /* {connection}; may be NULL ("") */
    int64_t file_bytes;          /* roll size; 0 = 128 MiB */
    bool partition_by_cursor;    /* partition time from each record's cursor field */
    bool flatten;                /* nested objects -> parent_child columns (one level deeper per
                                    level, as Airbyte's basic normalization), arrays stay JSON */
    struct stor_pq_options pq;   /* codec, row group and page sizes (airbyte_changes forced on) */
};

struct stor_zone_stream_cfg {
    const char *ns;                  /* may be NULL */
    const char *name;
    enum wv_dest_mode mode;          /* overwrite: the run's files replace the stream's older
                                        files at publish; others append */
    const struct wv_json *json_schema; /* borrowed for the call */
    const struct wv_path *cursor;    /* may be NULL; used by partition_by_cursor and recorded */
    const struct wv_path *pk;        /* recorded in the manifest */
    size_t n_pk;
};

/* One sealed (closed, fsynced) file of a run, staged at stage_path, to be published at rel
 * (relative to the zone root / S3 prefix). */
struct stor_zone_file {
    char *rel;          /* owned */
    char *stage_path;   /* owned, absolute */
    char *ns, *stream;  /* owned; ns may be NULL */
    int64_t rows, bytes;
    char sha256[65];    /* hex of the file's bytes */
};

struct stor_zone_stats {
    int64_t records;    /* rows written (sealed or not) */
    int64_t bytes;      /* bytes of sealed files + bytes written to open files so far */
    int64_t files;      /* sealed files */
};

struct stor_zone;

/* Opens a run's writer staging under stage_dir (created; must not hold another run). run_id
 * names the files, extracted_at_ms is _airbyte_extracted_at and the default partition time,
 * generation_id and sync_id go into each row and the manifest. opts may be NULL. */
struct stor_zone *stor_zone_open(const char *stage_dir, const char *run_id,
                                 int64_t extracted_at_ms, int64_t generation_id, int64_t sync_id,
                                 const struct stor_zone_options *opts, struct wv_error *err);

/* Declares a stream (its columns are fixed from here on). */
int stor_zone_add_stream(struct stor_zone *z, const struct stor_zone_stream_cfg *cfg,
                         struct wv_error *err);

/* Writes one record (the RECORD's data object, borrowed). A record whose value does not fit a
 * column is still written (see above); a record that is not an object fails. */
int stor_zone_write(struct stor_zone *z, const char *ns, const char *stream,
                    const struct wv_json *data, struct wv_error *err);

/* Closes every open file (footer, fsync, rename within staging) so that everything written so
 * far is durable in staging. Later writes start new parts. */
int stor_zone_seal(struct stor_zone *z, struct wv_error *err);

/* Hands over the files sealed since the last call (caller frees with stor_zone_files_free). */
void stor_zone_take_files(struct stor_zone *z, struct stor_zone_file **files, size_t *n);
void stor_zone_files_free(struct stor_zone_file *files, size_t n);

/* The run's manifest (JSON text, caller frees), describing files (borrowed list: the ones
 * about to be published), per stream: namespace, name, mode, prefix (the stream's directory:
 * the template rendered up to the first run-dependent segment), columns (name, type,
 * optional), primary key, cursor field, rows, bytes; and run_id, connection, sync_id,
 * generation_id, extracted_at, path_template, format, compression, weaver version:
 *   {"version":1,"run_id":...,"connection":...,"extracted_at":"RFC 3339","sync_id":N,
 *    "generation_id":N,"format":"parquet","compression":"zstd","path_template":"...",
 *    "writer":"weaver X.Y.Z",
 *    "streams":[{"namespace":null,"name":"users","mode":"append","prefix":"users",
 *                "columns":[{"name":"id","type":"int64","optional":false},...],
 *                "primary_key":[["id"]],"cursor_field":["updated_at"],"rows":N,"bytes":N,
 *                "files":N}],
 *    "files":[{"path":"users/dt=2024-01-01/RUN-000.parquet","namespace":null,
 *              "stream":"users","rows":N,"bytes":N,"sha256":"hex"}]} */
char *stor_zone_manifest(const struct stor_zone *z, const struct stor_zone_file *files,
                         size_t n, struct wv_error *err);

/* Totals of this run (stream NULL = all streams). */
void stor_zone_stats(const struct stor_zone *z, const char *ns, const char *stream,
                     struct stor_zone_stats *out);

/* Frees the writer; open (unsealed) files are removed, sealed staged files are left in place
 * (the caller publishes or discards them). NULL is a no-op. */
void stor_zone_free(struct stor_zone *z);

/* A parsed manifest (for export and for resuming a publish). */
struct stor_zone_col {
    char *name;
    enum stor_pq_type type;
    bool optional;
};

struct stor_zone_mstream {
    char *ns, *name, *prefix;   /* ns may be NULL */
    enum wv_dest_mode mode;
    struct stor_zone_col *cols;
    size_t n_cols;
    struct wv_path *pk;
    size_t n_pk;
    struct wv_path cursor;      /* n == 0 when none */
    int64_t rows, bytes, files;
};

struct stor_zone_manifest {
    char *run_id, *connection, *extracted_at, *path_template, *format, *compression;
    int64_t sync_id, generation_id;
    struct stor_zone_mstream *streams;
    size_t n_streams;
    struct stor_zone_file *files; /* stage_path NULL */
    size_t n_files;
};

/* Parses manifest text (origin names it in errors, with line:col). Caller frees with
 * stor_zone_manifest_done. */
int stor_zone_manifest_parse(const char *text, size_t len, const char *origin,
                             struct stor_zone_manifest *out, struct wv_error *err);
void stor_zone_manifest_done(struct stor_zone_manifest *m);

/* ---- publishing (zone_publish.c) ---- */

/* Where a raw zone lives: a local directory, or an S3 bucket and prefix. */
struct stor_target {
    const char *dir;            /* absolute local root; NULL for S3 */
    const char *bucket;         /* S3 when set */
    const char *prefix;         /* key prefix under the bucket ("" or "a/b", no slashes at ends) */
    struct stor_s3_config s3;   /* endpoint, region, credentials ... (borrowed strings) */
    int parallel;               /* S3 parts in flight; 0 = 4 */
};

/* The S3 key of rel under a target's prefix ("prefix/rel", or rel). Caller frees. */
char *stor_target_key(const struct stor_target *t, const char *rel);

/* Keeps the progress of multipart uploads so an interrupted publish resumes (core keeps it in
 * SQLite). All may be NULL (no resume). */
struct stor_upload_store {
    void *ctx;
    /* The recorded upload of rel, if any: *upload_id / *etags caller-freed (etags[i] part i+1,
     * NULL when missing). Return 0 with *upload_id NULL when none. */
    int (*load)(void *ctx, const char *rel, char **upload_id, int64_t *part_size,
                char ***etags, size_t *n_etags, struct wv_error *err);
    int (*created)(void *ctx, const char *rel, const char *upload_id, int64_t part_size,
                   struct wv_error *err);
    int (*part_done)(void *ctx, const char *rel, int part_no, const char *etag,
                     struct wv_error *err);
    /* The upload of rel finished (completed, or given up and aborted): forget it. */
    int (*forget)(void *ctx, const char *rel, struct wv_error *err);
};

/* Publishes sealed files and then the run's manifest at "_runs/<run_id>/_manifest.json":
 * local: each file is renamed from staging into place (directories created, everything
 * fsynced); S3: each file is uploaded to prefix/rel (skipping a file whose object already
 * exists with the same size, so a resumed publish does not send it again); the manifest is
 * written last, so a reader that keys on manifests never sees part of a run. Then, for each
 * overwrite stream of the manifest, the stream's older .parquet files (under its prefix, not
 * in this manifest) are deleted. files are the staged files (stage_path set); manifest_json is
 * the text of stor_zone_manifest. log may be NULL. */
int stor_zone_publish(const struct stor_target *t, const struct stor_zone_file *files, size_t n,
                      const char *manifest_json, const struct stor_upload_store *store,
                      const struct wv_log *log, struct wv_error *err);

#endif
