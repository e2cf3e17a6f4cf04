/* decl_source.c - a declarative manifest as a conn_source: spec (spec.connection_specification),
 * check (CheckStream: one record of each named stream), discover (InlineSchemaLoader, primary
 * keys, cursors) and read (RECORD messages, per-stream STATE after each slice, airbyte_secret
 * values redacted from errors). Follows the CDK's manifest_declarative_source.py,
 * checks/check_stream.py and declarative_stream.py. Any thread; one operation at a time. */
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "connectors/decl_int.h"

struct decl_source {
    struct conn_manifest *m;
    struct decl_stream **streams;
    size_t n;
    struct wv_json *spec;        /* the Spec component or NULL */
    struct wv_json *check_names; /* CheckStream.stream_names or NULL */
    struct conn_http_rewrite *rw;
    char **rw_strs; /* owned copies of the rewrite strings */
    size_t n_rw;
};

/* Frees a source context. */
static void decl_source_free(void *ctx)
{
    struct decl_source *s = ctx;
    if (!s)
        return;
    for (size_t i = 0; i < s->n; i++)
        conn_decl_stream_free(s->streams[i]);
    free(s->streams);
    wv_json_free(s->spec);
    wv_json_free(s->check_names);
    conn_manifest_free(s->m);
    free(s->rw);
    wv_strv_free(s->rw_strs);
    free(s);
}

/* The ConnectorSpecification. */
static int decl_spec(void *ctx, struct wv_json **spec, struct wv_error *err)
{
    struct decl_source *s = ctx;
    const struct wv_json *cs = wv_json_get(s->spec, "connection_specification");
    if (!cs)
        return wv_error_set(err, WV_E_CONFIG, 0, "%s: the manifest has no spec", s->m->path);
    struct wv_json *out = wv_json_object();
    const char *doc = wv_json_get_str(s->spec, "documentation_url");
    if (doc)
        wv_json_set(out, "documentationUrl", wv_json_str(doc));
    struct wv_json *c = wv_json_dup(cs);
    wv_json_remove(c, "$parameters");
    wv_json_set(out, "connectionSpecification", c);
    const struct wv_json *adv = wv_json_get(s->spec, "advanced_auth");
    if (adv)
        wv_json_set(out, "advanced_auth", wv_json_dup(adv));
    *spec = out;
    return 0;
}

/* Collects the names of properties marked airbyte_secret (any depth). */
static void decl_secret_names(const struct wv_json *schema, struct wv_json *names)
{
    if (!schema || (schema->type != WV_JSON_OBJECT && schema->type != WV_JSON_ARRAY))
        return;
    const struct wv_json *props = wv_json_get(schema, "properties");
    for (size_t i = 0; props && props->type == WV_JSON_OBJECT && i < props->len; i++) {
        bool secret = false;
        wv_json_get_bool(props->items[i], "airbyte_secret", false, &secret);
        if (secret)
            wv_json_set(names, props->keys[i], wv_json_bool(true));
    }
    for (size_t i = 0; i < schema->len; i++)
        decl_secret_names(schema->items[i], names);
}

/* Collects the string values of secret keys in a config (any depth). */
static void decl_secret_values(const struct wv_json *cfg, const struct wv_json *names,
                               struct wv_buf *list, size_t *n)
{
    for (size_t i = 0;
         cfg && (cfg->type == WV_JSON_OBJECT || cfg->type == WV_JSON_ARRAY) && i < cfg->len; i++) {
        const struct wv_json *v = cfg->items[i];
        if (cfg->type == WV_JSON_OBJECT && v->type == WV_JSON_STRING &&
            wv_json_get(names, cfg->keys[i]) && *n < 256) {
            char *dup = wv_strdup(v->s);
            wv_buf_append(list, &dup, sizeof dup, NULL);
            (*n)++;
        }
        decl_secret_values(v, names, list, n);
    }
}

/* Starts a run: HTTP client and secrets. */
static int decl_run_init(struct decl_source *s, struct decl_run *run, const struct wv_json *config,
                         const struct conn_read_env *env, struct wv_error *err)
{
    memset(run, 0, sizeof *run);
    static const struct wv_json empty = {.type = WV_JSON_OBJECT};
    run->config = config ? config : &empty;
    run->clock = env && env->clock ? env->clock : wv_clock_system();
    run->cancel = env ? env->cancel : NULL;
    run->log = env ? env->log : NULL;
    struct conn_http_opts o = {.rewrites = s->rw, .n_rewrites = s->n_rw};
    if (!(run->http = conn_http_new(&o, err)))
        return -1;
    struct wv_json *names = wv_json_object();
    decl_secret_names(wv_json_get(s->spec, "connection_specification"), names);
    struct wv_buf list = WV_BUF_INIT;
    size_t n = 0;
    decl_secret_values(run->config, names, &list, &n);
    wv_json_free(names);
    run->secrets = wv_calloc(n + 1, sizeof *run->secrets);
    if (n)
        memcpy(run->secrets, list.data, n * sizeof *run->secrets);
    wv_buf_done(&list);
    return 0;
}

/* Ends a run. */
static void decl_run_done(struct decl_run *run)
{
    conn_http_free(run->http);
    wv_json_free(run->auth_state);
    wv_json_free(run->config_copy);
    wv_strv_free(run->secrets);
}

/* Finds a stream by name. */
static const struct decl_stream *decl_find(const struct decl_source *s, const char *name)
{
    for (size_t i = 0; i < s->n; i++)
        if (strcmp(s->streams[i]->name, name) == 0)
            return s->streams[i];
    return NULL;
}

/* Check callback: one record is enough. */
static int decl_check_fn(void *ctx, const struct wv_json *slice, struct wv_json *record,
                         struct wv_error *err)
{
    (void)ctx;
    (void)slice;
    (void)err;
    wv_json_free(record);
    return 0;
}

/* CheckStream: reads one record of each named stream. */
static int decl_check(void *ctx, const struct wv_json *config, bool *ok, char **message,
                      struct wv_error *err)
{
    struct decl_source *s = ctx;
    struct decl_run run;
    if (decl_run_init(s, &run, config, NULL, err) < 0)
        return -1;
    *ok = true;
    size_t n = s->check_names ? s->check_names->len : (s->n ? 1 : 0);
    for (size_t i = 0; *ok && i < n; i++) {
        const char *name = s->check_names ? s->check_names->items[i]->s : s->streams[0]->name;
        const struct decl_stream *st = decl_find(s, name);
        struct wv_error e = {0};
        if (!st)
            wv_error_set(&e, WV_E_CONFIG, 0, "check: unknown stream '%s'", name);
        else if (conn_decl_stream_read_all(st, &run, 1, decl_check_fn, NULL, &e) < 0)
            conn_decl_redact_error(&run, &e);
        if (wv_error_isset(&e)) {
            *ok = false;
            *message = wv_strdup(e.msg);
        }
    }
    decl_run_done(&run);
    return 0;
}

/* The AirbyteStream of one declarative stream. */
static struct wv_json *decl_catalog_stream(const struct decl_stream *st)
{
    struct wv_json *o = wv_json_object(), *modes = wv_json_array();
    wv_json_set(o, "name", wv_json_str(st->name));
    wv_json_set(o, "json_schema", wv_json_dup(st->schema));
    wv_json_push(modes, wv_json_str("full_refresh"));
    if (st->cur)
        wv_json_push(modes, wv_json_str("incremental"));
    wv_json_set(o, "supported_sync_modes", modes);
    if (st->cur) {
        struct wv_json *cf = wv_json_array();
        wv_json_push(cf, wv_json_str(conn_decl_cursor_field(st->cur)));
        wv_json_set(o, "source_defined_cursor", wv_json_bool(true));
        wv_json_set(o, "default_cursor_field", cf);
    }
    if (st->pk->len)
        wv_json_set(o, "source_defined_primary_key", wv_json_dup(st->pk));
    wv_json_set(o, "is_resumable", wv_json_bool(st->cur != NULL));
    return o;
}

/* The AirbyteCatalog. */
static int decl_discover(void *ctx, const struct wv_json *config, struct wv_json **catalog,
                         struct wv_error *err)
{
    (void)config;
    (void)err;
    struct decl_source *s = ctx;
    struct wv_json *out = wv_json_object(), *arr = wv_json_array();
    for (size_t i = 0; i < s->n; i++)
        wv_json_push(arr, decl_catalog_stream(s->streams[i]));
    wv_json_set(out, "streams", arr);
    *catalog = out;
    return 0;
}

/* What a read of one stream emits to. */
struct decl_emit {
    const struct conn_sink *sink;
    const struct decl_run *run;
    const char *stream, *ns;
};

/* Record callback: a RECORD message. */
static int decl_emit_record(void *ctx, const struct wv_json *slice, struct wv_json *record,
                            struct wv_error *err)
{
    (void)slice;
    struct decl_emit *e = ctx;
    struct wv_msg m;
    wv_msg_record(&m, e->ns, e->stream, record, wv_clock_now_ms(e->run->clock));
    int rc = e->sink->ops->emit(e->sink->ctx, &m, err);
    wv_msg_done(&m);
    return rc;
}

/* After a slice: a STATE message with the stream's state. */
static int decl_emit_state(struct conn_decl_stream_read *rd, struct wv_error *err)
{
    const struct decl_emit *e = rd->ctx;
    struct wv_msg m;
    wv_msg_state_stream(&m, rd->ns, rd->s->name, wv_json_dup(rd->cr->state));
    int rc = e->sink->ops->emit(e->sink->ctx, &m, err);
    wv_msg_done(&m);
    return rc;
}

/* A TRACE stream_status message. */
static int decl_emit_status(const struct decl_emit *e, const char *status, struct wv_error *err)
{
    struct wv_msg m;
    wv_msg_trace_status(&m, wv_clock_now_ms(e->run->clock), e->ns, e->stream, status);
    int rc = e->sink->ops->emit(e->sink->ctx, &m, err);
    wv_msg_done(&m);
    return rc;
}

/* The input state of one stream (borrowed), or NULL. */
static const struct wv_json *decl_state_of(const struct wv_json *state, const char *name)
{
    for (size_t i = 0; state && state->type == WV_JSON_ARRAY && i < state->len; i++) {
        const struct wv_json *st = wv_json_get(state->items[i], "stream");
        const struct wv_json *d = wv_json_get(st, "stream_descriptor");
        if (wv_str_eq(wv_json_get_str(d, "name"), name))
            return wv_json_get(st, "stream_state");
    }
    if (state && state->type == WV_JSON_OBJECT)
        return wv_json_get(state, name); /* legacy {stream: state} */
    return NULL;
}

/* Reads one configured stream. */
static int decl_read_stream(struct decl_source *s, struct decl_run *run,
                            const struct wv_cfg_stream *cs, const struct wv_json *state,
                            const struct conn_sink *sink, struct wv_error *err)
{
    const struct decl_stream *st = decl_find(s, cs->stream.name);
    if (!st)
        return wv_error_set(err, WV_E_CONFIG, 0, "stream '%s' is not in the manifest",
                            cs->stream.name);
    struct decl_emit e = {sink, run, st->name, cs->stream.ns};
    struct decl_cursor_run cr;
    struct conn_decl_stream_read rd = {
        .s = st, .run = run, .fn = decl_emit_record, .ctx = &e, .ns = cs->stream.ns};
    if (st->cur) {
        const struct wv_json *in =
            cs->sync_mode == WV_SYNC_INCREMENTAL ? decl_state_of(state, st->name) : NULL;
        if (conn_decl_cursor_start(st->cur, in, &cr, run, err) < 0)
            return wv_error_prefix(err, "stream %s", st->name);
        rd.cr = &cr;
    }
    int rc = decl_emit_status(&e, "STARTED", err);
    if (rc == 0)
        rc = conn_decl_stream_read(&rd, rd.cr ? decl_emit_state : NULL, err);
    if (rd.cr)
        conn_decl_cursor_run_done(&cr);
    if (rc < 0) {
        struct wv_error ignored = {0};
        decl_emit_status(&e, "INCOMPLETE", &ignored);
        return wv_error_prefix(err, "stream %s", st->name);
    }
    return decl_emit_status(&e, "COMPLETE", err);
}

/* Reads the configured streams. */
static int decl_read(void *ctx, const struct wv_json *config, const struct wv_cfg_catalog *catalog,
                     const struct wv_json *state, const struct conn_read_env *env,
                     const struct conn_sink *sink, struct wv_error *err)
{
    struct decl_source *s = ctx;
    struct decl_run run;
    if (decl_run_init(s, &run, config, env, err) < 0)
        return -1;
    run.sink = sink;
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < catalog->n; i++)
        rc = decl_read_stream(s, &run, &catalog->streams[i], state, sink, err);
    if (rc < 0)
        conn_decl_redact_error(&run, err);
    decl_run_done(&run);
    return rc;
}

static const struct conn_source_ops decl_ops = {
    .spec = decl_spec,
    .check = decl_check,
    .discover = decl_discover,
    .read = decl_read,
    .free = decl_source_free,
};

/* Builds the streams and check of a loaded manifest. */
static int decl_source_build(struct decl_source *s, struct wv_error *err)
{
    const struct wv_json *root = s->m->resolved;
    const struct wv_json *streams = wv_json_get(root, "streams");
    if (!streams || streams->type != WV_JSON_ARRAY)
        return wv_error_set(err, WV_E_CONFIG, 0,
                            "%s: the manifest has no streams "
                            "(dynamic_streams are not supported)",
                            s->m->path);
    s->streams = wv_calloc(streams->len + 1, sizeof *s->streams);
    for (size_t i = 0; i < streams->len; i++) {
        if (!(s->streams[i] = conn_decl_stream_build(streams->items[i], s->m->path, err)))
            return -1;
        s->n++;
    }
    const struct wv_json *spec = wv_json_get(root, "spec");
    s->spec = spec ? wv_json_dup(spec) : NULL;
    const struct wv_json *names = wv_json_get(wv_json_get(root, "check"), "stream_names");
    if (names && names->type == WV_JSON_ARRAY) {
        for (size_t i = 0; i < names->len; i++)
            if (names->items[i]->type != WV_JSON_STRING)
                return wv_error_set(err, WV_E_CONFIG, 0,
                                    "%s: check.stream_names must be "
                                    "strings",
                                    s->m->path);
        s->check_names = wv_json_dup(names);
    }
    return 0;
}

/* Opens a manifest source. */
struct conn_source *conn_decl_open(const char *path, const struct conn_open_opts *opts,
                                   struct wv_error *err)
{
    struct decl_source *s = wv_calloc(1, sizeof *s);
    if (!(s->m = conn_manifest_load(path, err)) || conn_manifest_check(s->m, err) < 0 ||
        decl_source_build(s, err) < 0) {
        decl_source_free(s);
        return NULL;
    }
    size_t n = opts ? opts->n_rewrites : 0;
    s->rw = wv_calloc(n + 1, sizeof *s->rw);
    s->rw_strs = wv_calloc(2 * n + 1, sizeof *s->rw_strs);
    for (size_t i = 0; i < n; i++) {
        s->rw_strs[2 * i] = wv_strdup(opts->rewrites[i].from);
        s->rw_strs[2 * i + 1] = wv_strdup(opts->rewrites[i].to);
        s->rw[i] = (struct conn_http_rewrite){s->rw_strs[2 * i], s->rw_strs[2 * i + 1]};
    }
    s->n_rw = n;
    struct conn_source *src = wv_calloc(1, sizeof *src);
    src->ops = &decl_ops;
    src->ctx = s;
    src->name = wv_asprintf("manifest:%s", path);
    return src;
}
