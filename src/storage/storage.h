/* storage.h - what weaver keeps: the SQLite state store (.weaver/state.db: connection state,
 * jobs, attempts) and the raw zone writer (local directory, JSONL per stream, staged then
 * published). The engine loop thread owns the write connection. */
#ifndef STORAGE_H
#define STORAGE_H

#include <stdbool.h>
#include <stdint.h>

#include "base/error.h"
#include "base/json.h"
#include "base/msg.h"

/* ================= state store ================= */

struct stor_db;

/* Opens (creating with mode 0600 if missing) the state database at path, enables WAL and a
 * busy timeout, and applies pending migrations (forward-only, each in a transaction). The parent
 * directory must exist. Caller frees with stor_db_close. */
struct stor_db *stor_db_open(const char *path, struct wv_error *err);
void stor_db_close(struct stor_db *db); /* NULL is a no-op */

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
                                 the column chunk once its dictionary passes dictionary_bytes */
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

#endif
