/* msg.h - the Airbyte protocol v0 message model and its JSON-lines wire form.
 * Spec: docs.airbyte.com "Airbyte Protocol" and airbyte_protocol.yaml (airbytehq/airbyte-protocol,
 * protocol-models/src/main/resources/airbyte_protocol/airbyte_protocol.yaml). One message is one
 * JSON object on one line: {"type": "RECORD", "record": {...}}. Message payloads are kept as
 * wv_json trees; the typed fields below are parsed out and validated for the parts weaver acts on.
 * Shared by connectors (sources emit, external connectors are decoded) and storage/core. */
#ifndef WV_MSG_H
#define WV_MSG_H

#include <stdbool.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/error.h"
#include "base/json.h"

#define WV_MSG_TYPES(X)                                                                            \
    X(RECORD, "RECORD", "record")                                                                  \
    X(STATE, "STATE", "state")                                                                     \
    X(LOG, "LOG", "log")                                                                           \
    X(TRACE, "TRACE", "trace")                                                                     \
    X(SPEC, "SPEC", "spec")                                                                        \
    X(CATALOG, "CATALOG", "catalog")                                                               \
    X(CONNECTION_STATUS, "CONNECTION_STATUS", "connectionStatus")                                  \
    X(CONTROL, "CONTROL", "control")

enum wv_msg_type {
#define WV_X_MT(id, wire, field) WV_MSG_##id,
    WV_MSG_TYPES(WV_X_MT)
#undef WV_X_MT
};

enum wv_state_type { WV_STATE_LEGACY, WV_STATE_STREAM, WV_STATE_GLOBAL };
enum wv_trace_type { WV_TRACE_ERROR, WV_TRACE_ESTIMATE, WV_TRACE_STREAM_STATUS, WV_TRACE_ANALYTICS };

struct wv_msg {
    enum wv_msg_type type;
    /* The whole message object as on the wire (owned); the borrowed views below point into it. */
    struct wv_json *root;
    /* The payload object (root[field], e.g. root["record"]); borrowed. */
    struct wv_json *body;

    /* RECORD */
    const char *stream;    /* also STATE(STREAM) and TRACE stream_status/estimate */
    const char *ns;        /* namespace or NULL */
    struct wv_json *data;  /* RECORD data object; STATE(LEGACY) data */
    int64_t emitted_at;    /* RECORD / TRACE, ms */

    /* STATE */
    enum wv_state_type state_type;
    struct wv_json *stream_state; /* STATE(STREAM): stream.stream_state (may be NULL) */

    /* LOG */
    int level;             /* enum wv_level */
    const char *message;   /* LOG message; TRACE error message; CONNECTION_STATUS message */

    /* TRACE */
    enum wv_trace_type trace_type;
    const char *status;    /* TRACE stream_status status (STARTED/RUNNING/COMPLETE/INCOMPLETE);
                              CONNECTION_STATUS status (SUCCEEDED/FAILED) */
};

/* Decodes one line (without or with its trailing newline) into msg. Errors are
 * "origin:LINENO: ..." (WV_E_PROTOCOL), e.g. "stdin:12: RECORD without 'stream'".
 * Unknown message types are an error. msg is untouched on error. */
int wv_msg_parse(const char *line, size_t len, const char *origin, long lineno,
                 struct wv_msg *msg, struct wv_error *err);

/* Builds msg from a message object (takes ownership of root); validates as wv_msg_parse. */
int wv_msg_from_json(struct wv_json *root, const char *origin, long lineno, struct wv_msg *msg,
                     struct wv_error *err);

/* Frees the message's tree; msg can then be reused. */
void wv_msg_done(struct wv_msg *msg);

/* Appends the wire form (compact JSON + '\n'). */
int wv_msg_write(struct wv_buf *out, const struct wv_msg *msg, struct wv_error *err);

/* Constructors: each fills msg (caller calls wv_msg_done). Takes ownership of every
 * struct wv_json * argument. For CONTROL, msg->data is the new connector config. */
void wv_msg_record(struct wv_msg *msg, const char *ns, const char *stream, struct wv_json *data,
                   int64_t emitted_at);
void wv_msg_state_stream(struct wv_msg *msg, const char *ns, const char *stream,
                         struct wv_json *stream_state);
/* GLOBAL: shared_state may be NULL; stream_states is an array of
 * {"stream_descriptor":{...},"stream_state":{...}}. */
void wv_msg_state_global(struct wv_msg *msg, struct wv_json *shared_state,
                         struct wv_json *stream_states);
void wv_msg_state_legacy(struct wv_msg *msg, struct wv_json *data);
void wv_msg_log(struct wv_msg *msg, int level, const char *text);
/* failure_type: "system_error", "config_error" or "transient_error". */
void wv_msg_trace_error(struct wv_msg *msg, int64_t emitted_at, const char *message,
                        const char *internal_message, const char *failure_type);
void wv_msg_trace_status(struct wv_msg *msg, int64_t emitted_at, const char *ns,
                         const char *stream, const char *status);
void wv_msg_trace_estimate(struct wv_msg *msg, int64_t emitted_at, const char *ns,
                           const char *stream, int64_t row_estimate, int64_t byte_estimate);
void wv_msg_spec(struct wv_msg *msg, struct wv_json *spec);
void wv_msg_catalog(struct wv_msg *msg, struct wv_json *catalog);
void wv_msg_connection_status(struct wv_msg *msg, bool succeeded, const char *message);
/* CONTROL connector_config: the connector's new config (e.g. a rotated refresh token). */
void wv_msg_control_config(struct wv_msg *msg, int64_t emitted_at, struct wv_json *config);

const char *wv_msg_type_name(enum wv_msg_type t);

/* ---- catalogs ---- */

enum wv_sync_mode { WV_SYNC_FULL_REFRESH, WV_SYNC_INCREMENTAL };
enum wv_dest_mode { WV_DEST_APPEND, WV_DEST_OVERWRITE, WV_DEST_APPEND_DEDUP, WV_DEST_OVERWRITE_DEDUP };

/* A field path such as ["address", "city"]. */
struct wv_path {
    char **parts; /* owned */
    size_t n;
};

struct wv_catalog_stream {
    char *name;                 /* owned */
    char *ns;                   /* owned or NULL */
    struct wv_json *json_schema; /* owned */
    bool supports_full_refresh, supports_incremental;
    bool source_defined_cursor;
    struct wv_path default_cursor; /* n == 0 when none */
    struct wv_path *source_pk;  /* source_defined_primary_key; owned array */
    size_t n_source_pk;
    bool is_resumable;
};

struct wv_catalog {
    struct wv_catalog_stream *streams; /* owned */
    size_t n;
};

struct wv_cfg_stream {
    struct wv_catalog_stream stream;
    enum wv_sync_mode sync_mode;
    enum wv_dest_mode dest_mode;
    struct wv_path cursor;      /* n == 0 when none */
    struct wv_path *pk;         /* owned array of paths */
    size_t n_pk;
    int64_t generation_id, minimum_generation_id, sync_id;
};

struct wv_cfg_catalog {
    struct wv_cfg_stream *streams; /* owned */
    size_t n;
};

/* Parses an AirbyteCatalog object ({"streams":[...]}); errors name origin:line:col. */
int wv_catalog_parse(const struct wv_json *j, const char *origin, struct wv_catalog *out,
                     struct wv_error *err);
void wv_catalog_done(struct wv_catalog *c);
struct wv_json *wv_catalog_to_json(const struct wv_catalog *c);

/* Parses a ConfiguredAirbyteCatalog; validates modes and that cursor/pk are set where the mode
 * needs them (incremental needs a cursor unless source-defined; *_dedup needs a primary key). */
int wv_cfg_catalog_parse(const struct wv_json *j, const char *origin, struct wv_cfg_catalog *out,
                         struct wv_error *err);
void wv_cfg_catalog_done(struct wv_cfg_catalog *c);
struct wv_json *wv_cfg_catalog_to_json(const struct wv_cfg_catalog *c);
/* Finds a configured stream by namespace (NULL matches NULL) and name; borrowed or NULL. */
const struct wv_cfg_stream *wv_cfg_catalog_find(const struct wv_cfg_catalog *c, const char *ns,
                                                const char *name);

const char *wv_sync_mode_name(enum wv_sync_mode m);   /* "full_refresh", "incremental" */
const char *wv_dest_mode_name(enum wv_dest_mode m);   /* "append", "overwrite", "append_dedup",
                                                          "overwrite_dedup" */
int wv_sync_mode_parse(const char *s, enum wv_sync_mode *out);
int wv_dest_mode_parse(const char *s, enum wv_dest_mode *out);

/* Paths: from a JSON string ("a" -> ["a"]) or array of strings; caller frees with done. */
int wv_path_from_json(const struct wv_json *j, struct wv_path *out);
void wv_path_done(struct wv_path *p);
void wv_path_copy(struct wv_path *dst, const struct wv_path *src);
struct wv_json *wv_path_to_json(const struct wv_path *p);
/* Value at path inside a record; borrowed or NULL. */
struct wv_json *wv_path_get(const struct wv_json *record, const struct wv_path *p);

/* ---- state files ---- */

/* From an input state file's JSON (an array of AirbyteStateMessage objects, or a legacy
 * object): the stream_state of one stream, or NULL. Borrowed. */
struct wv_json *wv_state_find_stream(const struct wv_json *state, const char *ns,
                                     const char *name);

#endif
