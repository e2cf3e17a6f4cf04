/* core_int.h - private helpers shared by the core module's files. */
#ifndef CORE_INT_H
#define CORE_INT_H

#include "core/core.h"
#include "storage/storage.h"

/* "origin:line:col" of a node, into buf. */
const char *core_where(const char *origin, const struct wv_json *node, char *buf, size_t size);

/* Checks that every key of an object is in allowed (NULL-terminated); error names the first
 * unknown key and position. */
int core_check_keys(const struct wv_json *obj, const char *origin, const char *const *allowed,
                    struct wv_error *err);

/* Whether s is a valid name for sources, connections, destinations, streams in paths. */
bool core_name_ok(const char *s);

/* Error at a node: "origin:line:col: what" (WV_E_CONFIG). Returns -1. */
int core_node_error(struct wv_error *err, const char *origin, const struct wv_json *node,
                    const char *what);

/* A required or optional string field of obj into *out (replacing it; caller frees). */
int core_get_string(const struct wv_json *obj, const char *key, const char *origin,
                    bool required, char **out, struct wv_error *err);

/* Parses one `destinations:` entry of weaver.yaml (dest.c); root makes paths absolute. */
int core_destination_load(const char *name, const struct wv_json *node, const char *origin,
                          const char *root, struct core_destination *d, struct wv_error *err);
/* Frees what a destination owns. */
void core_destination_done(struct core_destination *d);

/* The storage target of a connection's raw zone (destination root + the connection's prefix).
 * Caller frees with core_target_done. */
int core_conn_target(const struct core_workspace *ws, const struct core_connection *conn,
                     struct core_target *out, struct wv_error *err);
/* Where a connection's run is staged (caller frees). */
char *core_conn_stage_dir(const struct core_workspace *ws, const struct core_target *t,
                          const char *connection, const char *run_id);
/* Takes a connection's lock file (flock, released by the kernel if the process dies); the fd
 * to close when done. WV_E_CONFLICT naming the holder's pid when taken. */
int core_conn_lock(const struct core_workspace *ws, const char *name, int *fd_out,
                   struct wv_error *err);

/* Finishes what dead processes left of a connection's runs (lock held): half-published runs
 * are published, staged ones discarded. */
int core_publish_recover(const struct core_workspace *ws, struct stor_db *db,
                         const char *connection, const struct wv_clock *clock,
                         const struct wv_log *log, struct wv_error *err);

struct conn_source;
/* Opens a workspace source: *config (caller frees) resolved and coerced to the connector's
 * spec; the connector opened with $WEAVER_HTTP_REWRITE's rewrites. Caller frees the source with
 * conn_source_free. Errors are prefixed with the source's file. */
struct conn_source *core_source_open(const struct core_workspace *ws,
                                     const struct core_source *def, struct wv_json **config,
                                     struct wv_error *err);

/* Loads a job's kept statistics and schemas document (each may come back NULL). */
int core_job_stats_load(struct stor_db *db, int64_t job_id, struct qual_stats **stats,
                        struct wv_json **schemas, struct wv_error *err);
/* Evaluates n checks (results[i] each) on a run's statistics and schemas document
 * ({"streams": {...}, "requests": n, "failed_requests": n}) with the history of the
 * connection's published runs before job_id (judge.c). */
int core_judge(struct stor_db *db, const char *connection, int64_t job_id,
               const struct qual_stats *stats, const struct wv_json *schemas,
               const struct qual_check *checks, size_t n, int64_t now_ms,
               struct qual_result *results, struct wv_error *err);

/* Opens the workspace's state store, creating .weaver/ (0700) if needed. Caller closes. */
struct stor_db *core_db_open(const struct core_workspace *ws, struct wv_error *err);

#endif
