/* connectors.h - sources: things that produce Airbyte messages. A source is opened by connector
 * name ("builtin:faker"; later "manifest:PATH" and external processes) and answers the four
 * Airbyte operations. Messages go to a sink the caller provides: sources never know where the
 * data goes. */
#ifndef CONNECTORS_H
#define CONNECTORS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/clock.h"
#include "base/error.h"
#include "base/json.h"
#include "base/log.h"
#include "base/msg.h"

/* Where a source's messages go. */
struct conn_sink_ops {
    /* Receives one message (RECORD, STATE, LOG, TRACE, CONTROL). The message is borrowed for the
     * duration of the call; the sink copies what it keeps. Returning -1 (with err set) stops the
     * read, which then fails with that error. */
    int (*emit)(void *ctx, const struct wv_msg *msg, struct wv_error *err);
};

struct conn_sink {
    const struct conn_sink_ops *ops;
    void *ctx;
};

/* HTTP exchanges of a read, counted by the declarative runtime: every try (retries included);
 * failed = a try that ended without a response (network error, timeout, body too large) or with
 * HTTP status >= 400. Atomic so the threads of one read may share it; the caller zeroes it and
 * reads it after the read (atomic_load, or plainly once the read returned). */
struct conn_http_counts {
    _Atomic long long requests;
    _Atomic long long failed;
};

/* What a read is given besides config, catalog and state. All borrowed. */
struct conn_read_env {
    const struct wv_clock *clock;     /* time source (system clock if NULL) */
    const struct wv_log *log;         /* weaver-side diagnostics (may be NULL) */
    const volatile int *cancel;       /* non-zero: stop at the next batch (may be NULL) */
    int64_t poll_interval_ms;         /* async jobs: polling interval override (0: the
                                         connector's default; tests use a few ms) */
    struct conn_http_counts *http_counts; /* HTTP tries are added here (may be NULL; sources
                                             without HTTP leave it untouched) */
};

struct conn_source_ops {
    /* Fills *spec with the ConnectorSpecification object (caller frees). */
    int (*spec)(void *ctx, struct wv_json **spec, struct wv_error *err);
    /* Checks config; *ok and *message (caller frees) describe the result. A failed check is a
     * result (return 0), not an error; -1 only when the check could not run. */
    int (*check)(void *ctx, const struct wv_json *config, bool *ok, char **message,
                 struct wv_error *err);
    /* Fills *catalog with the AirbyteCatalog object (caller frees). */
    int (*discover)(void *ctx, const struct wv_json *config, struct wv_json **catalog,
                    struct wv_error *err);
    /* Reads the configured streams, emitting messages to sink. state is the input state
     * (array of AirbyteStateMessage objects, or NULL). */
    int (*read)(void *ctx, const struct wv_json *config, const struct wv_cfg_catalog *catalog,
                const struct wv_json *state, const struct conn_read_env *env,
                const struct conn_sink *sink, struct wv_error *err);
    /* Frees ctx. */
    void (*free)(void *ctx);
};

struct conn_source {
    const struct conn_source_ops *ops;
    void *ctx;
    char *name; /* the connector name it was opened with (owned) */
};

/* Opens a source by connector name. base_dir resolves relative paths (workspace root).
 * Unknown names: WV_E_NOTFOUND with the list of known builtins. Caller frees. */
struct conn_source *conn_source_open(const char *connector, const char *base_dir,
                                     struct wv_error *err);

/* A URL prefix rewrite (--http-rewrite FROM=TO), e.g. "https://api.example.com" ->
 * "http://127.0.0.1:8080". Strings borrowed. */
struct conn_url_rewrite {
    const char *from;
    const char *to;
};

/* Options of conn_source_open_opts (all borrowed; copied by the source). */
struct conn_open_opts {
    const struct conn_url_rewrite *rewrites; /* first matching prefix wins */
    size_t n_rewrites;
};

/* conn_source_open with options (opts may be NULL). "manifest:PATH" opens a declarative
 * manifest (PATH relative to base_dir unless absolute). Caller frees. */
struct conn_source *conn_source_open_opts(const char *connector, const char *base_dir,
                                          const struct conn_open_opts *opts,
                                          struct wv_error *err);
void conn_source_free(struct conn_source *src);

int conn_source_spec(struct conn_source *src, struct wv_json **spec, struct wv_error *err);
int conn_source_check(struct conn_source *src, const struct wv_json *config, bool *ok,
                      char **message, struct wv_error *err);
int conn_source_discover(struct conn_source *src, const struct wv_json *config,
                         struct wv_json **catalog, struct wv_error *err);
int conn_source_read(struct conn_source *src, const struct wv_json *config,
                     const struct wv_cfg_catalog *catalog, const struct wv_json *state,
                     const struct conn_read_env *env, const struct conn_sink *sink,
                     struct wv_error *err);

/* Validates a declarative manifest file: 0 when weaver can run it; -1 with err set to the first
 * problem with its file:line:col (WV_E_CONFIG), or to the component that needs Python
 * (WV_E_NOTFOUND). */
int conn_manifest_validate(const char *path, struct wv_error *err);

/* Names of the builtin connectors, NULL-terminated (static). */
const char *const *conn_builtin_names(void);

/* The builtin faker source (source-faker compatible streams users/products/purchases). */
struct conn_source *conn_faker_new(void);

#endif
