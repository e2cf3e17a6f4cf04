/* decl_int.h - the declarative connector runtime: components built once from a resolved manifest
 * (templates compiled at build time) and the per-read state they run with. Behaviour follows
 * the CDK's airbyte_cdk/sources/declarative/ (simple_retriever, http_requester, paginators,
 * error_handlers, auth, extractors, incremental, partition_routers, transformations). A built
 * source is immutable; one read runs on one thread with its own struct decl_run. */
#ifndef DECL_INT_H
#define DECL_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/clock.h"
#include "base/error.h"
#include "base/json.h"
#include "base/log.h"
#include "connectors/connectors.h"
#include "connectors/http_int.h"
#include "connectors/interp_int.h"
#include "connectors/manifest_int.h"

/* Limits. */
#define DECL_MAX_PAGES 1000000 /* per slice, guards against a paginator that never stops */
#define DECL_MAX_SLICES 1000000

/* ---- values: a manifest field compiled once (strings become templates) ---- */

struct decl_val {
    bool present;            /* the field was in the manifest */
    enum wv_json_type type;  /* of the source node */
    struct conn_tmpl *t;     /* STRING */
    struct wv_json *lit;     /* NULL/BOOL/NUMBER literal (owned) */
    struct conn_tmpl **keys; /* OBJECT: compiled keys */
    struct decl_val *kids;   /* OBJECT/ARRAY children */
    size_t n;
    /* A template (or key) that failed to compile: its positioned error, raised only when the
     * value is evaluated, as the CDK compiles lazily. Owned, NULL when none. */
    char *deferred;
    enum wv_code deferred_code;
};

/* The variables a template sees (all borrowed, any may be NULL). */
struct decl_vars {
    const struct wv_json *config, *parameters, *stream_state, *stream_slice, *next_page_token,
        *response, *headers, *last_record, *last_page_size, *record, *creation_response;
    /* AsyncRetriever: the completed job's polling response and the download target (a
     * string) of the download requester (decl_async.c). */
    const struct wv_json *polling_response, *download_target;
};

/* One read (or check): borrowed environment plus owned per-read resources. */
struct decl_run {
    const struct wv_json *config; /* borrowed */
    const struct wv_clock *clock; /* borrowed */
    const volatile int *cancel;   /* borrowed, may be NULL */
    const struct wv_log *log;     /* borrowed, may be NULL */
    const struct conn_sink *sink; /* borrowed, may be NULL (check) */
    int64_t poll_ms;              /* async polling interval override (0: default) */
    struct conn_http *http;       /* owned */
    struct wv_json *auth_state;   /* owned: per-authenticator tokens, keyed by "auth@line:col" */
    struct wv_json *config_copy;  /* owned: config updated by rotating OAuth tokens, or NULL */
    char **secrets;               /* owned NULL-terminated list of secret values */
};

/* Builds v from node (NULL node: not present). where names the manifest for errors. */
int conn_decl_val_build(struct decl_val *v, const struct wv_json *node, const char *origin,
                        struct wv_error *err);
void conn_decl_val_done(struct decl_val *v);
/* Typed evaluation (CDK eval); an absent value yields a copy of dflt or null. Caller frees. */
int conn_decl_val_eval(const struct decl_val *v, const struct decl_vars *vars,
                       const struct decl_run *run, const struct wv_json *dflt, struct wv_json **out,
                       struct wv_error *err);
/* Evaluation rendered as text ("" when absent or null). Caller frees. */
int conn_decl_val_text(const struct decl_val *v, const struct decl_vars *vars,
                       const struct decl_run *run, char **out, struct wv_error *err);
/* Condition (InterpolatedBoolean); absent yields dflt. */
int conn_decl_val_truthy(const struct decl_val *v, const struct decl_vars *vars,
                         const struct decl_run *run, bool dflt, bool *out, struct wv_error *err);
/* A whole JSON value rendered to text as Python's str() would for scalars. Caller frees. */
char *conn_decl_json_text(const struct wv_json *j);

/* Builds a field of obj. */
int conn_decl_field(struct decl_val *v, const struct wv_json *obj, const char *key,
                    const char *origin, struct wv_error *err);
/* "origin:line:col" of a node into buf. */
const char *conn_decl_where(const char *origin, const struct wv_json *node, char *buf, size_t size);
/* The component type of a node ("" when none). */
const char *conn_decl_type(const struct wv_json *node);
/* Error for an unsupported component. */
int conn_decl_unsupported(const char *origin, const struct wv_json *node, const char *what,
                          struct wv_error *err);

/* ---- request options and the request being built ---- */

enum decl_inject {
    DECL_INJ_NONE,
    DECL_INJ_PARAM,
    DECL_INJ_HEADER,
    DECL_INJ_BODY_DATA,
    DECL_INJ_BODY_JSON,
    DECL_INJ_PATH
};

struct decl_reqopt {
    enum decl_inject into;
    struct decl_val field_name;
    char **field_path; /* body_json nested path (NULL-terminated) or NULL */
};

struct decl_req {
    char *path; /* overrides the requester's path (RequestPath) or NULL */
    struct wv_json *params, *headers, *body_json, *body_data; /* objects, owned */
};

int conn_decl_reqopt_build(struct decl_reqopt *o, const struct wv_json *node, const char *origin,
                           struct wv_error *err);
void conn_decl_reqopt_done(struct decl_reqopt *o);
/* Injects value (borrowed) into req as the option says. */
int conn_decl_reqopt_inject(const struct decl_reqopt *o, const struct wv_json *value,
                            const struct decl_vars *vars, const struct decl_run *run,
                            struct decl_req *req, struct wv_error *err);
void conn_decl_req_init(struct decl_req *r);
void conn_decl_req_done(struct decl_req *r);

/* ---- authenticators (decl_auth.c) ---- */

struct decl_auth;
struct decl_auth *conn_decl_auth_build(const struct wv_json *node, const char *origin,
                                       struct wv_error *err);
void conn_decl_auth_free(struct decl_auth *a);
/* Adds credentials to req (may perform a token request). */
int conn_decl_auth_apply(const struct decl_auth *a, struct decl_run *run,
                         const struct decl_vars *vars, struct decl_req *req, struct wv_error *err);

/* Token authenticators (decl_oauth.c). */
struct decl_oauth;
struct decl_session;
struct decl_oauth *conn_decl_oauth_build(const struct wv_json *node, const char *origin,
                                         struct wv_error *err);
void conn_decl_oauth_free(struct decl_oauth *o);
int conn_decl_oauth_apply(const struct decl_oauth *o, struct decl_run *run, struct decl_req *req,
                          struct wv_error *err);
struct decl_session *conn_decl_session_build(const struct wv_json *node, const char *origin,
                                             struct wv_error *err);
void conn_decl_session_free(struct decl_session *s);
int conn_decl_session_apply(const struct decl_session *s, struct decl_run *run,
                            const struct decl_vars *vars, struct decl_req *req,
                            struct wv_error *err);

/* ---- error handling (decl_errors.c) ---- */

enum decl_action {
    DECL_ACT_SUCCESS,
    DECL_ACT_FAIL,
    DECL_ACT_RETRY,
    DECL_ACT_IGNORE,
    DECL_ACT_RATE_LIMITED,
    DECL_ACT_RESET_PAGINATION /* restart the slice's pagination (decl_stream.c) */
};

struct decl_errh;
struct decl_errh *conn_decl_errh_build(const struct wv_json *node, const char *origin,
                                       struct wv_error *err);
void conn_decl_errh_free(struct decl_errh *h);
/* Classifies a response (resp NULL: no response, net_err holds why). *message: caller frees
 * (may stay NULL). */
int conn_decl_errh_classify(const struct decl_errh *h, const struct conn_http_resp *resp,
                            const struct wv_json *body, const struct decl_run *run,
                            enum decl_action *act, char **message, struct wv_error *err);
/* Seconds to wait before retry number `attempt` (1-based). */
double conn_decl_errh_backoff(const struct decl_errh *h, const struct conn_http_resp *resp,
                              int attempt, const struct decl_run *run);
int conn_decl_errh_max_retries(const struct decl_errh *h);
/* Sleeps, waking early on cancel: -1 (WV_E_CANCELLED) when cancelled. */
int conn_decl_sleep(const struct decl_run *run, double seconds, struct wv_error *err);

/* ---- the requester (decl_requester.c) ---- */

/* Response decoders (the CDK's decoders/). */
enum decl_decoder {
    DECL_DEC_JSON,     /* JsonDecoder */
    DECL_DEC_JSONL,    /* JsonlDecoder: one JSON record per line */
    DECL_DEC_ITERABLE, /* IterableDecoder: {"record": line} per line */
    DECL_DEC_XML,      /* XmlDecoder (decl_xml.c) */
    DECL_DEC_CSV       /* CsvDecoder: one object per row, keyed by the header row */
};

struct decl_requester {
    struct decl_val url_base, path, method, params, headers, body_json, body_data;
    struct decl_auth *auth; /* owned, NULL: no auth */
    struct decl_errh *errh; /* owned, NULL: default handling */
    bool jsonl;             /* JsonlDecoder: one JSON record per line (decoder == JSONL) */
    enum decl_decoder decoder;
    bool gzip;       /* GzipDecoder around decoder: a body starting 1f 8b is inflated first */
    char csv_delim;  /* CsvDecoder.delimiter */
    char **csv_none; /* CsvDecoder.set_values_to_none (NULL-terminated, owned) or NULL */
};

/* Sets r's decoder from a decoder component (NULL: JsonDecoder); an unsupported one fails. */
int conn_decl_decoder_build(struct decl_requester *r, const struct wv_json *node,
                            const char *origin, struct wv_error *err);
/* XmlDecoder: parses an XML document into the JSON shape of xmltodict.parse (attributes as
 * "@name", text as "#text", repeated elements as lists). Errors carry "xml:line:col". *out:
 * caller frees (decl_xml.c). */
int conn_decl_xml_parse(const char *text, size_t len, struct wv_json **out, struct wv_error *err);
/* Decodes a body with r's non-JSON decoder (ITERABLE, XML, CSV). *out: caller frees. */
int conn_decl_decode_text(const struct decl_requester *r, const char *s, size_t n,
                          struct wv_json **out, struct wv_error *err);
/* Inflates a gzip stream (size-capped). *out: caller frees. */
int conn_decl_gunzip(const char *s, size_t n, char **out, size_t *out_len, struct wv_error *err);

int conn_decl_requester_build(struct decl_requester *r, const struct wv_json *node,
                              const char *origin, struct wv_error *err);
void conn_decl_requester_done(struct decl_requester *r);
/* The response of one page: decoded body plus headers (with 'link' parsed). */
struct decl_page {
    struct conn_http_resp resp;
    struct wv_json *body;    /* decoded JSON (owned), null when not JSON */
    struct wv_json *headers; /* owned */
    bool ignored;            /* the error handler said IGNORE */
    bool reset;              /* the error handler said RESET_PAGINATION (body is {}) */
    char *decode_error;      /* why a non-JSON or gzip body did not decode (owned) or NULL */
};
/* Sends the request (requester fields + extra), retrying as the error handler says. */
int conn_decl_requester_send(const struct decl_requester *r, struct decl_run *run,
                             const struct decl_vars *vars, struct decl_req *extra,
                             struct decl_page *page, struct wv_error *err);
void conn_decl_page_done(struct decl_page *p);
/* Redacts the run's secrets out of err's message. */
void conn_decl_redact_error(const struct decl_run *run, struct wv_error *err);

/* ---- paginators (decl_paginator.c) ---- */

enum decl_pag_kind { DECL_PAG_NONE, DECL_PAG_CURSOR, DECL_PAG_OFFSET, DECL_PAG_PAGE };

struct decl_paginator {
    enum decl_pag_kind kind;
    struct decl_val cursor_value, stop_condition, page_size;
    struct decl_val url_base; /* DefaultPaginator.url_base (RequestPath) */
    int64_t start_from_page;
    bool inject_on_first;
    struct decl_reqopt token_opt, size_opt;
};

int conn_decl_paginator_build(struct decl_paginator *p, const struct wv_json *node,
                              const char *origin, struct wv_error *err);
void conn_decl_paginator_done(struct decl_paginator *p);
/* The first token (NULL: none). Caller frees. */
struct wv_json *conn_decl_paginator_initial(const struct decl_paginator *p);
/* Injects the token (may be NULL) and page size into req. */
int conn_decl_paginator_inject(const struct decl_paginator *p, const struct wv_json *token,
                               const struct decl_vars *vars, const struct decl_run *run,
                               struct decl_req *req, struct wv_error *err);
/* The next token after a page, or *next = NULL to stop. Caller frees *next. */
int conn_decl_paginator_next(const struct decl_paginator *p, const struct decl_page *page,
                             const struct wv_json *last_token, size_t last_page_size,
                             const struct wv_json *last_record, const struct decl_vars *vars,
                             const struct decl_run *run, struct wv_json **next,
                             struct wv_error *err);

/* ---- records (decl_records.c) ---- */

struct decl_selector;
struct decl_selector *conn_decl_selector_build(const struct wv_json *node,
                                               const struct wv_json *transformations,
                                               const char *origin, struct wv_error *err);
void conn_decl_selector_free(struct decl_selector *s);
/* Extracts, filters and transforms the records of a page into out (array, appended). */
int conn_decl_selector_select(const struct decl_selector *s, const struct decl_page *page,
                              const struct decl_vars *vars, const struct decl_run *run,
                              struct wv_json *out, struct wv_error *err);

/* ---- datetime cursor (decl_cursor.c) ---- */

struct decl_cursor;
struct decl_cursor *conn_decl_cursor_build(const struct wv_json *node, const char *origin,
                                           struct wv_error *err);
void conn_decl_cursor_free(struct decl_cursor *c);
const char *conn_decl_cursor_field(const struct decl_cursor *c);
/* Per-read cursor state. */
struct decl_cursor_run {
    const struct decl_cursor *c;
    int64_t state_ms;        /* cursor from input state, INT64_MIN: none */
    int64_t max_ms;          /* highest cursor seen, INT64_MIN: none */
    struct wv_json *state;   /* current state object (owned) */
    struct wv_json *max_raw; /* the highest cursor value as the record had it (owned) */
    char *field;             /* the rendered cursor field (owned) */
    bool feed_stop;          /* is_data_feed: a record older than the state was seen */
};
int conn_decl_cursor_start(const struct decl_cursor *c, const struct wv_json *state,
                           struct decl_cursor_run *cr, struct decl_run *run, struct wv_error *err);
void conn_decl_cursor_run_done(struct decl_cursor_run *cr);
/* The date windows as slices (array of objects). Caller frees. */
int conn_decl_cursor_slices(struct decl_cursor_run *cr, struct decl_run *run,
                            struct wv_json **slices, struct wv_error *err);
int conn_decl_cursor_inject(const struct decl_cursor *c, const struct wv_json *slice,
                            const struct decl_vars *vars, const struct decl_run *run,
                            struct decl_req *req, struct wv_error *err);
/* Whether a record is kept (client-side incremental) and observes its cursor. */
int conn_decl_cursor_observe(struct decl_cursor_run *cr, const struct wv_json *slice,
                             const struct wv_json *record, struct decl_run *run, bool *keep,
                             struct wv_error *err);
/* After a slice: updates cr->state (owned). */
void conn_decl_cursor_close_slice(struct decl_cursor_run *cr, struct decl_run *run);
/* Per-partition state support (decl_cursor.c, used by decl_pcursor.c). */
/* DatetimeBasedCursor.global_substream_cursor. */
bool conn_decl_cursor_global(const struct decl_cursor *c);
/* Parses a cursor value (string or epoch number) with the cursor's formats; -1 when it cannot. */
int conn_decl_cursor_parse_value(const struct decl_cursor *c, const struct wv_json *v, int64_t *ms);
/* ms as a state value in datetime_format. Caller frees. */
struct wv_json *conn_decl_cursor_output(const struct decl_cursor *c, int64_t ms);
/* Where a run's windows start before lookback: the input state's cursor, else start_datetime. */
int conn_decl_cursor_origin(struct decl_cursor_run *cr, struct decl_run *run, int64_t *ms,
                            struct wv_error *err);
/* Removes the window keys (partition_field_start/_end) of a slice, leaving its partition. */
void conn_decl_cursor_strip(const struct decl_cursor *c, struct wv_json *slice);

/* Datetime helpers (strftime-like formats plus %s, %ms, %s_as_float). */
int conn_decl_time_parse(const char *s, const char *fmt, int64_t *ms);
char *conn_decl_time_format(int64_t ms, const char *fmt);
/* ISO 8601 duration added to ms (n times, n may be negative). */
int conn_decl_duration_add(const char *iso, int64_t ms, int n, int64_t *out);

/* ---- streams and the source (decl_source.c, decl_router.c) ---- */

struct decl_stream;
struct decl_router;
struct decl_async;

struct decl_router *conn_decl_router_build(const struct wv_json *node, const char *origin,
                                           struct wv_error *err);
void conn_decl_router_free(struct decl_router *r);
/* Partitions (array of slice objects). Caller frees. */
int conn_decl_router_partitions(const struct decl_router *r, struct decl_run *run,
                                struct wv_json **parts, struct wv_error *err);
int conn_decl_router_inject(const struct decl_router *r, const struct wv_json *slice,
                            const struct decl_vars *vars, const struct decl_run *run,
                            struct decl_req *req, struct wv_error *err);
/* Partitions as conn_decl_router_partitions, but parents with incremental_dependency are read
 * incrementally from parent_in[parent name] (borrowed, may be NULL) and their states are set in
 * parent_out (an object, borrowed; NULL: every parent read in full). Caller frees *parts. */
int conn_decl_router_partitions_state(const struct decl_router *r, struct decl_run *run,
                                      const struct wv_json *parent_in, struct wv_json *parent_out,
                                      struct wv_json **parts, struct wv_error *err);
/* Whether r is a SubstreamPartitionRouter. */
bool conn_decl_router_substream(const struct decl_router *r);

typedef int (*decl_record_fn)(void *ctx, const struct wv_json *slice, struct wv_json *record,
                              struct wv_error *err);

struct decl_stream {
    char *name;
    struct wv_json *pk; /* list of key paths */
    struct wv_json *schema;
    struct wv_json *params;     /* the stream's $parameters */
    struct wv_json *req_params; /* the requester's $parameters or NULL */
    struct decl_requester req;
    struct decl_paginator pag;
    struct decl_selector *sel;
    struct decl_router **routers;
    size_t n_routers;
    struct decl_cursor *cur; /* NULL: full refresh only */
    /* SimpleRetriever.pagination_reset (PaginationReset): split (SPLIT_USING_CURSOR, else
     * RESET) and limits.number_of_records (0: none). */
    bool reset_split;
    int64_t reset_limit;
    struct decl_async *async; /* AsyncRetriever (owned), NULL: SimpleRetriever */
};

/* One read of a stream. */
struct conn_decl_stream_read {
    const struct decl_stream *s;
    struct decl_run *run;
    struct decl_cursor_run *cr; /* NULL without a cursor */
    decl_record_fn fn;
    void *ctx;
    size_t max_records, count;
    const char *ns;
    const char *win_start; /* borrowed: the datetime window's start key in slices, or NULL */
    size_t since_reset;    /* records of the slice since its last pagination reset */
};

/* Reads one slice, every page. */
int conn_decl_stream_read_slice(struct conn_decl_stream_read *rd, const struct wv_json *slice,
                                struct wv_error *err);
/* Reads every slice; done_fn (may be NULL) runs after each slice. */
int conn_decl_stream_read(struct conn_decl_stream_read *rd,
                          int (*done_fn)(struct conn_decl_stream_read *rd, struct wv_error *err),
                          struct wv_error *err);

/* ---- AsyncRetriever (decl_async.c) ---- */

/* Builds the AsyncRetriever ret of the stream node (borrowed). Caller frees. */
struct decl_async *conn_decl_async_build(const struct wv_json *stream, const struct wv_json *ret,
                                         const char *origin, struct wv_error *err);
void conn_decl_async_free(struct decl_async *a);
/* Reads one slice of rd->s (whose async is set): creates a job, polls it every
 * conn_read_env.poll_interval_ms (default 5000) ms until its status_mapping says completed,
 * failed or timeout (polling_job_timeout minutes, default 60), retries a failed or timed-out
 * job up to 3 attempts in all, then downloads and deletes the completed job. */
int conn_decl_async_read_slice(struct conn_decl_stream_read *rd, const struct wv_json *slice,
                               struct wv_error *err);

struct decl_stream *conn_decl_stream_build(const struct wv_json *node, const char *origin,
                                           struct wv_error *err);
void conn_decl_stream_free(struct decl_stream *s);
const char *conn_decl_stream_name(const struct decl_stream *s);
/* Reads every record of a stream (full refresh, no state) to fn (parent streams, check).
 * max_records > 0 stops early. */
int conn_decl_stream_read_all(const struct decl_stream *s, struct decl_run *run, size_t max_records,
                              decl_record_fn fn, void *ctx, struct wv_error *err);

/* ---- per-partition cursor state (decl_pcursor.c) ---- */

/* Receives a stream state (borrowed). */
typedef int (*decl_state_fn)(void *ctx, const struct wv_json *state, struct wv_error *err);
/* Reads a stream with partition routers and a cursor, keeping one cursor per partition in the
 * CDK's per-partition state shape; in: the input stream state (borrowed, may be NULL). fn and
 * state_fn get ctx; state_fn runs after each slice and once at the end. */
int conn_decl_pcursor_read(const struct decl_stream *s, struct decl_run *run,
                           const struct wv_json *in, decl_record_fn fn, decl_state_fn state_fn,
                           void *ctx, struct wv_error *err);

/* ---- dynamic streams and manifest preparation (decl_dynamic.c) ---- */

/* Prepares a resolved, checked manifest tree for building, as the CDK's factory passes values
 * between components: a LegacySessionTokenAuthenticator gets its requester's url_base as
 * api_url; a StateDelegatingStream used as a parent stream becomes its full_refresh_stream
 * (parents are read without state). Modifies node in place. */
void conn_decl_prepare(struct wv_json *node);

struct decl_dynamic;
/* Builds the manifest's dynamic_streams (*out: caller frees; NULL when there are none). */
int conn_decl_dynamic_build(const struct wv_json *root, const char *origin,
                            struct decl_dynamic **out, struct wv_error *err);
void conn_decl_dynamic_free(struct decl_dynamic *d);
/* Resolves the dynamic streams with the run's config (HTTP resolvers read their records):
 * *streams is a caller-freed array of *n caller-freed streams (d NULL: none). */
int conn_decl_dynamic_resolve(const struct decl_dynamic *d, struct decl_run *run,
                              struct decl_stream ***streams, size_t *n, struct wv_error *err);

/* Opens a manifest source (path borrowed, rewrites copied). Caller frees. */
struct conn_source *conn_decl_open(const char *path, const struct conn_open_opts *opts,
                                   struct wv_error *err);

/* Validates config against a spec's connection_specification (JSON Schema subset: type,
 * required, properties, enum, const, pattern, format, bounds, items, oneOf/anyOf/allOf) and
 * returns in *out a copy with defaults applied (caller frees). Errors name the field path and
 * never echo airbyte_secret values (decl_config.c). */
int conn_decl_config_validate(const struct wv_json *spec, const struct wv_json *config,
                              struct wv_json **out, struct wv_error *err);

#endif
