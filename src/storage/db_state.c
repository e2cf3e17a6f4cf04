/* db_state.c - each connection's Airbyte state in the state store (table connection_state):
 * per stream, global or legacy; the newest kind wins; handed back to sources as input state;
 * reset per stream or whole. Same thread rules as db.c. */
#include "storage/storage.h"
#include "storage/db_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"

/* ---- connection state ---- */

/* The AirbyteStateMessage to keep: the message's state object without the per-checkpoint
 * counts (sourceStats, destinationStats), which describe a sync and not the source's position.
 * Caller frees. */
static char *state_text(const struct wv_msg *state)
{
    struct wv_json *copy = wv_json_dup(state->body);
    wv_json_remove(copy, "sourceStats");
    wv_json_remove(copy, "destinationStats");
    char *text = wv_json_to_string(copy);
    wv_json_free(copy);
    return text;
}

/* Stores one STATE message. A message of one kind supersedes stored state of the other kinds
 * (the connector moved from legacy to per-stream, or to global), so the input state handed back
 * is never a mix. A GLOBAL message carries every stream's state and is kept as one row. */
int stor_dbi_state_put(struct stor_db *db, const char *connection, const struct wv_msg *state,
                       int64_t job_id, int64_t now_ms, struct wv_error *err)
{
    if (!connection || !state || state->type != WV_MSG_STATE ||
        !wv_json_is(state->body, WV_JSON_OBJECT))
        return wv_error_set(err, WV_E_USAGE, 0, "state.db: commit state: not a STATE message");
    const char *scope = "legacy", *ns = "", *stream = "";
    if (state->state_type == WV_STATE_STREAM) {
        if (!state->stream || !*state->stream)
            return wv_error_set(err, WV_E_PROTOCOL, 0,
                                "state.db: commit state: STREAM state without a stream name");
        scope = "stream";
        ns = state->ns ? state->ns : "";
        stream = state->stream;
    } else if (state->state_type == WV_STATE_GLOBAL) {
        scope = "global";
    }
    char what[256];
    snprintf(what, sizeof what, "commit %s state of %s%s%s%s%s", scope, connection,
             *stream ? " stream " : "", ns, *ns ? "." : "", stream);
    char *text = state_text(state);
    if (!text)
        return wv_error_set(err, WV_E_INTERNAL, 0, "state.db: %s: cannot serialize", what);
    int r = stor_dbi_run(db, "DELETE FROM connection_state WHERE connection = ?1 AND scope <> ?2",
                         what, ARGS(A_TEXT(connection), A_TEXT(scope)), NULL, err);
    if (r == 0)
        r = stor_dbi_run(db,
                   "INSERT INTO connection_state"
                   " (connection, scope, namespace, stream, state_json, job_id, updated_ms)"
                   " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"
                   " ON CONFLICT (connection, scope, namespace, stream) DO UPDATE SET"
                   " state_json = excluded.state_json, job_id = excluded.job_id,"
                   " updated_ms = excluded.updated_ms",
                   what, ARGS(A_TEXT(connection), A_TEXT(scope), A_TEXT(ns), A_TEXT(stream),
                              A_TEXT(text), A_ID(job_id), A_INT(now_ms)), NULL, err);
    free(text);
    return r;
}

/* Stores one STATE message in its own transaction. */
int stor_state_commit(struct stor_db *db, const char *connection, const struct wv_msg *state,
                      int64_t job_id, int64_t now_ms, struct wv_error *err)
{
    if (stor_dbi_begin(db, err) < 0)
        return -1;
    if (stor_dbi_state_put(db, connection, state, job_id, now_ms, err) < 0 ||
        stor_dbi_commit(db, err) < 0)
        return stor_dbi_fail_tx(db);
    return 0;
}

/* Parses a stored state row. Caller frees. */
static struct wv_json *state_parse(sqlite3_stmt *st, int col, const char *connection,
                                   struct wv_error *err)
{
    const char *text = (const char *)sqlite3_column_text(st, col);
    if (!text) {
        wv_error_set(err, WV_E_NOMEM, 0, "state.db: read state: out of memory");
        return NULL;
    }
    struct wv_json *j = wv_json_parse(text, (size_t)sqlite3_column_bytes(st, col), "state.db", err);
    if (!j)
        wv_error_prefix(err, "stored state of %s", connection);
    return j;
}

/* The connection's state as an array of AirbyteStateMessage objects, or NULL. */
int stor_state_get(struct stor_db *db, const char *connection, struct wv_json **state,
                   struct wv_error *err)
{
    const char *what = "read state";
    *state = NULL;
    sqlite3_stmt *st = stor_dbi_prepare(db,
                                  "SELECT state_json FROM connection_state WHERE connection = ?1"
                                  " ORDER BY CASE scope WHEN 'global' THEN 0 WHEN 'stream' THEN 1"
                                  " ELSE 2 END, namespace, stream",
                                  what, ARGS(A_TEXT(connection)), err);
    if (!st)
        return -1;
    struct wv_json *arr = NULL;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct wv_json *j = state_parse(st, 0, connection, err);
        if (!j)
            break;
        if (!arr)
            arr = wv_json_array();
        wv_json_push(arr, j);
    }
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        stor_dbi_fail(db, rc, what, err);
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) {
        wv_json_free(arr);
        return -1;
    }
    *state = arr;
    return 0;
}

/* Whether an entry of global.stream_states describes stream ns.name (missing namespace = ""). */
static bool descriptor_is(const struct wv_json *entry, const char *ns, const char *name)
{
    const struct wv_json *d = wv_json_get(entry, "stream_descriptor");
    const char *dname = wv_json_get_str(d, "name");
    const char *dns = wv_json_get_str(d, "namespace");
    return dname && strcmp(dname, name) == 0 && strcmp(dns ? dns : "", ns) == 0;
}

/* Removes a stream from the connection's GLOBAL state, if there is one (inside a transaction). */
static int global_drop_stream(struct stor_db *db, const char *connection, const char *ns,
                              const char *stream, struct wv_error *err)
{
    const char *what = "reset stream state";
    sqlite3_stmt *st = stor_dbi_prepare(db,
                                  "SELECT state_json FROM connection_state"
                                  " WHERE connection = ?1 AND scope = 'global'",
                                  what, ARGS(A_TEXT(connection)), err);
    if (!st)
        return -1;
    int rc = sqlite3_step(st);
    struct wv_json *g = rc == SQLITE_ROW ? state_parse(st, 0, connection, err) : NULL;
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        stor_dbi_fail(db, rc, what, err);
    sqlite3_finalize(st);
    if (rc == SQLITE_DONE)
        return 0;
    if (!g)
        return -1;
    struct wv_json *arr = wv_json_path(g, (char *const[]){"global", "stream_states"}, 2);
    size_t kept = 0, len = wv_json_is(arr, WV_JSON_ARRAY) ? arr->len : 0;
    for (size_t i = 0; i < len; i++) {
        if (descriptor_is(arr->items[i], ns, stream))
            wv_json_free(arr->items[i]);
        else
            arr->items[kept++] = arr->items[i];
    }
    int r = 0;
    if (kept != len) {
        arr->len = kept;
        char *text = wv_json_to_string(g);
        r = stor_dbi_run(db,
                   "UPDATE connection_state SET state_json = ?2"
                   " WHERE connection = ?1 AND scope = 'global'",
                   what, ARGS(A_TEXT(connection), A_TEXT(text)), NULL, err);
        free(text);
    }
    wv_json_free(g);
    return r;
}

/* Drops one stream's state (its row, or its entry in the GLOBAL state) or all of it. A legacy
 * blob is opaque: only a reset of the whole connection removes it. */
int stor_state_reset(struct stor_db *db, const char *connection, const char *ns,
                     const char *stream, struct wv_error *err)
{
    if (!stream)
        return stor_dbi_run(db, "DELETE FROM connection_state WHERE connection = ?1", "reset state",
                      ARGS(A_TEXT(connection)), NULL, err);
    if (!ns)
        ns = "";
    if (stor_dbi_begin(db, err))
        return -1;
    if (stor_dbi_run(db,
               "DELETE FROM connection_state WHERE connection = ?1 AND scope = 'stream'"
               " AND namespace = ?2 AND stream = ?3",
               "reset stream state", ARGS(A_TEXT(connection), A_TEXT(ns), A_TEXT(stream)), NULL,
               err) ||
        global_drop_stream(db, connection, ns, stream, err) || stor_dbi_commit(db, err))
        return stor_dbi_fail_tx(db);
    return 0;
}
