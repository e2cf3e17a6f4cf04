/* msg_catalog.c - Airbyte protocol v0 catalogs: AirbyteCatalog and ConfiguredAirbyteCatalog
 * decode/encode, sync and destination mode names, field paths, a stream's state in a state file.
 * Follows airbyte_protocol.yaml (airbytehq/airbyte-protocol, protocol-models/src/main/resources/
 * airbyte_protocol/airbyte_protocol.yaml) and docs.airbyte.com "Airbyte Protocol".
 * Pure functions over caller-owned values; any thread. */
#include "base/msg.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "base/msg_int.h"

static const char *const sync_names[] = {"full_refresh", "incremental"};
static const char *const dest_names[] = {"append", "overwrite", "append_dedup",
                                         "overwrite_dedup"};

/* ---- paths ---- */

/* Path from "a" or ["a", "b"]. */
int wv_path_from_json(const struct wv_json *j, struct wv_path *out)
{
    out->parts = NULL;
    out->n = 0;
    if (j && j->type == WV_JSON_STRING) {
        out->parts = wv_malloc(sizeof *out->parts);
        out->parts[0] = wv_strdup(j->s);
        out->n = 1;
        return 0;
    }
    if (!j || j->type != WV_JSON_ARRAY)
        return -1;
    for (size_t i = 0; i < j->len; i++)
        if (j->items[i]->type != WV_JSON_STRING)
            return -1;
    if (j->len == 0)
        return 0;
    out->parts = wv_calloc(j->len, sizeof *out->parts);
    for (size_t i = 0; i < j->len; i++)
        out->parts[i] = wv_strdup(j->items[i]->s);
    out->n = j->len;
    return 0;
}

/* Frees a path's parts. */
void wv_path_done(struct wv_path *p)
{
    if (!p)
        return;
    for (size_t i = 0; i < p->n; i++)
        free(p->parts[i]);
    free(p->parts);
    p->parts = NULL;
    p->n = 0;
}

/* Deep copy into dst (dst's old contents are not freed). */
void wv_path_copy(struct wv_path *dst, const struct wv_path *src)
{
    dst->n = src->n;
    dst->parts = src->n ? wv_calloc(src->n, sizeof *dst->parts) : NULL;
    for (size_t i = 0; i < src->n; i++)
        dst->parts[i] = wv_strdup(src->parts[i]);
}

/* ["a", "b"] */
struct wv_json *wv_path_to_json(const struct wv_path *p)
{
    struct wv_json *a = wv_json_array();
    for (size_t i = 0; i < p->n; i++)
        wv_json_push(a, wv_json_str(p->parts[i]));
    return a;
}

/* Follows object keys; an empty path names nothing. */
struct wv_json *wv_path_get(const struct wv_json *record, const struct wv_path *p)
{
    if (!p || p->n == 0)
        return NULL;
    return wv_json_path(record, p->parts, p->n);
}

/* ---- mode names ---- */

/* "full_refresh" / "incremental". */
const char *wv_sync_mode_name(enum wv_sync_mode m)
{
    return (unsigned)m < 2 ? sync_names[m] : "full_refresh";
}

/* "append" ... "overwrite_dedup". */
const char *wv_dest_mode_name(enum wv_dest_mode m)
{
    return (unsigned)m < 4 ? dest_names[m] : "append";
}

/* Sync mode from its wire name. */
int wv_sync_mode_parse(const char *s, enum wv_sync_mode *out)
{
    int i = wv_msg_int_name_index(s, sync_names, 2);
    if (i < 0)
        return -1;
    *out = (enum wv_sync_mode)i;
    return 0;
}

/* Destination sync mode from its wire name. */
int wv_dest_mode_parse(const char *s, enum wv_dest_mode *out)
{
    int i = wv_msg_int_name_index(s, dest_names, 4);
    if (i < 0)
        return -1;
    *out = (enum wv_dest_mode)i;
    return 0;
}

/* ---- catalogs ---- */

/* Catalog parsing context: errors are "origin:line:col: stream 'x': what". */
struct cctx {
    const char *origin;
    enum wv_code code;
    char label[160]; /* "stream 'users'" or "streams[3]" */
    struct wv_error *err;
};

/* Records an error at node's position; returns -1. */
static int cerr(const struct cctx *c, const struct wv_json *node, const char *fmt, ...)
    WV_PRINTF(3, 4);
static int cerr(const struct cctx *c, const struct wv_json *node, const char *fmt, ...)
{
    char text[WV_ERROR_MSG_MAX], where[256];
    const char *origin = c->origin ? c->origin : "-";
    if (node && node->line)
        snprintf(where, sizeof where, "%s:%u:%u", origin, (unsigned)node->line,
                 (unsigned)node->col);
    else
        snprintf(where, sizeof where, "%s", origin);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    if (c->label[0])
        return wv_error_set(c->err, c->code, 0, "%s: %s: %s", where, c->label, text);
    return wv_error_set(c->err, c->code, 0, "%s: %s", where, text);
}

/* Frees the members of a catalog stream. */
static void cat_stream_done(struct wv_catalog_stream *s)
{
    free(s->name);
    free(s->ns);
    wv_json_free(s->json_schema);
    wv_path_done(&s->default_cursor);
    for (size_t i = 0; i < s->n_source_pk; i++)
        wv_path_done(&s->source_pk[i]);
    free(s->source_pk);
    memset(s, 0, sizeof *s);
}

/* A list of paths ([["id"], ["a", "b"]]) at obj[key]; missing or null gives none. */
static int parse_paths(const struct cctx *c, const struct wv_json *obj, const char *key,
                       struct wv_path **out, size_t *n)
{
    struct wv_json *v = wv_json_get(obj, key);
    *out = NULL;
    *n = 0;
    if (!v || v->type == WV_JSON_NULL)
        return 0;
    if (v->type != WV_JSON_ARRAY)
        return cerr(c, v, "'%s' is not an array of paths", key);
    if (v->len == 0)
        return 0;
    *out = wv_calloc(v->len, sizeof **out);
    for (size_t i = 0; i < v->len; i++) {
        if (wv_path_from_json(v->items[i], &(*out)[i]) < 0) {
            for (size_t k = 0; k < i; k++)
                wv_path_done(&(*out)[k]);
            free(*out);
            *out = NULL;
            return cerr(c, v->items[i], "'%s' item %zu is not a path (array of strings)", key, i);
        }
    }
    *n = v->len;
    return 0;
}

/* A single path at obj[key]; missing or null gives an empty path. */
static int parse_path(const struct cctx *c, const struct wv_json *obj, const char *key,
                      struct wv_path *out)
{
    struct wv_json *v = wv_json_get(obj, key);
    out->parts = NULL;
    out->n = 0;
    if (!v || v->type == WV_JSON_NULL)
        return 0;
    if (wv_path_from_json(v, out) < 0)
        return cerr(c, v, "'%s' is not a path (array of strings)", key);
    return 0;
}

/* An optional boolean at obj[key] (null = default). */
static int parse_bool(const struct cctx *c, const struct wv_json *obj, const char *key,
                      bool *out)
{
    struct wv_json *v = wv_json_get(obj, key);
    *out = false;
    if (!v || v->type == WV_JSON_NULL)
        return 0;
    if (v->type != WV_JSON_BOOL)
        return cerr(c, v, "'%s' is not a boolean", key);
    *out = v->b;
    return 0;
}

/* supported_sync_modes: optional (absent allows both), otherwise a non-empty list of modes. */
static int parse_supported(const struct cctx *c, const struct wv_json *j,
                           struct wv_catalog_stream *s)
{
    struct wv_json *v = wv_json_get(j, "supported_sync_modes");
    if (!v || v->type == WV_JSON_NULL) {
        s->supports_full_refresh = s->supports_incremental = true;
        return 0;
    }
    if (v->type != WV_JSON_ARRAY || v->len == 0)
        return cerr(c, v, "'supported_sync_modes' is not a non-empty array");
    for (size_t i = 0; i < v->len; i++) {
        enum wv_sync_mode m;
        const struct wv_json *it = v->items[i];
        if (it->type != WV_JSON_STRING || wv_sync_mode_parse(it->s, &m) < 0)
            return cerr(c, it, "unknown sync mode in 'supported_sync_modes' (expected "
                               "full_refresh or incremental)");
        if (m == WV_SYNC_FULL_REFRESH)
            s->supports_full_refresh = true;
        else
            s->supports_incremental = true;
    }
    return 0;
}

/* One AirbyteStream object into s (zeroed on error). */
static int cat_stream_parse(struct cctx *c, const struct wv_json *j, struct wv_catalog_stream *s)
{
    memset(s, 0, sizeof *s);
    if (!j || j->type != WV_JSON_OBJECT)
        return cerr(c, j, "not an object");
    struct wv_json *name = wv_json_get(j, "name");
    if (!name || name->type != WV_JSON_STRING)
        return cerr(c, name ? name : j, name ? "'name' is not a string" : "missing 'name'");
    snprintf(c->label, sizeof c->label, "stream '%s'", name->s);
    struct wv_json *nsj = wv_json_get(j, "namespace");
    if (nsj && nsj->type != WV_JSON_NULL && nsj->type != WV_JSON_STRING)
        return cerr(c, nsj, "'namespace' is not a string");
    struct wv_json *schema = wv_json_get(j, "json_schema");
    if (!schema || schema->type != WV_JSON_OBJECT)
        return cerr(c, schema ? schema : j,
                    schema ? "'json_schema' is not an object" : "missing 'json_schema'");
    s->name = wv_strdup(name->s);
    s->ns = nsj && nsj->type == WV_JSON_STRING ? wv_strdup(nsj->s) : NULL;
    s->json_schema = wv_json_dup(schema);
    if (parse_supported(c, j, s) < 0 || parse_bool(c, j, "source_defined_cursor",
                                                   &s->source_defined_cursor) < 0 ||
        parse_path(c, j, "default_cursor_field", &s->default_cursor) < 0 ||
        parse_paths(c, j, "source_defined_primary_key", &s->source_pk, &s->n_source_pk) < 0 ||
        parse_bool(c, j, "is_resumable", &s->is_resumable) < 0) {
        cat_stream_done(s);
        return -1;
    }
    return 0;
}

/* The "streams" array of a (configured) catalog object. */
static const struct wv_json *catalog_streams(struct cctx *c, const struct wv_json *j)
{
    if (!j || j->type != WV_JSON_OBJECT) {
        cerr(c, j, "catalog is not an object");
        return NULL;
    }
    struct wv_json *v = wv_json_get(j, "streams");
    if (!v || v->type != WV_JSON_ARRAY) {
        cerr(c, v ? v : j, v ? "catalog 'streams' is not an array" : "catalog without 'streams'");
        return NULL;
    }
    return v;
}

/* Parses an AirbyteCatalog. */
int wv_catalog_parse(const struct wv_json *j, const char *origin, struct wv_catalog *out,
                     struct wv_error *err)
{
    struct cctx c = {origin, WV_E_PROTOCOL, "", err};
    out->streams = NULL;
    out->n = 0;
    const struct wv_json *arr = catalog_streams(&c, j);
    if (!arr)
        return -1;
    struct wv_catalog cat = {arr->len ? wv_calloc(arr->len, sizeof *cat.streams) : NULL, 0};
    for (size_t i = 0; i < arr->len; i++, cat.n++) {
        snprintf(c.label, sizeof c.label, "streams[%zu]", i);
        if (cat_stream_parse(&c, arr->items[i], &cat.streams[i]) < 0) {
            wv_catalog_done(&cat);
            return -1;
        }
    }
    *out = cat;
    return 0;
}

/* Frees a catalog's streams. */
void wv_catalog_done(struct wv_catalog *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->n; i++)
        cat_stream_done(&c->streams[i]);
    free(c->streams);
    c->streams = NULL;
    c->n = 0;
}

/* One AirbyteStream as wire JSON. */
static struct wv_json *cat_stream_to_json(const struct wv_catalog_stream *s)
{
    struct wv_json *o = wv_json_object();
    wv_json_set(o, "name", wv_json_str(s->name ? s->name : ""));
    wv_msg_int_set_opt_str(o, "namespace", s->ns);
    wv_json_set(o, "json_schema", s->json_schema ? wv_json_dup(s->json_schema) : wv_json_object());
    struct wv_json *modes = wv_json_array();
    if (s->supports_full_refresh)
        wv_json_push(modes, wv_json_str("full_refresh"));
    if (s->supports_incremental)
        wv_json_push(modes, wv_json_str("incremental"));
    wv_json_set(o, "supported_sync_modes", modes);
    wv_json_set(o, "source_defined_cursor", wv_json_bool(s->source_defined_cursor));
    if (s->default_cursor.n)
        wv_json_set(o, "default_cursor_field", wv_path_to_json(&s->default_cursor));
    if (s->n_source_pk) {
        struct wv_json *pk = wv_json_array();
        for (size_t i = 0; i < s->n_source_pk; i++)
            wv_json_push(pk, wv_path_to_json(&s->source_pk[i]));
        wv_json_set(o, "source_defined_primary_key", pk);
    }
    wv_json_set(o, "is_resumable", wv_json_bool(s->is_resumable));
    return o;
}

/* An AirbyteCatalog as wire JSON; caller frees. */
struct wv_json *wv_catalog_to_json(const struct wv_catalog *c)
{
    struct wv_json *arr = wv_json_array();
    for (size_t i = 0; i < c->n; i++)
        wv_json_push(arr, cat_stream_to_json(&c->streams[i]));
    struct wv_json *o = wv_json_object();
    wv_json_set(o, "streams", arr);
    return o;
}

/* ---- configured catalogs ---- */

/* Frees the members of a configured stream. */
static void cfg_stream_done(struct wv_cfg_stream *s)
{
    cat_stream_done(&s->stream);
    wv_path_done(&s->cursor);
    for (size_t i = 0; i < s->n_pk; i++)
        wv_path_done(&s->pk[i]);
    free(s->pk);
    memset(s, 0, sizeof *s);
}

/* An optional mode name at obj[key] (missing: keep the default) through parse. */
static int parse_mode(const struct cctx *c, const struct wv_json *obj, const char *key,
                      const char *expected, int (*parse)(const char *, int *), int *out)
{
    struct wv_json *v = wv_json_get(obj, key);
    if (!v || v->type == WV_JSON_NULL)
        return 0;
    if (v->type != WV_JSON_STRING || parse(v->s, out) < 0)
        return cerr(c, v, "'%s' is not one of %s", key, expected);
    return 0;
}

/* Adapters so parse_mode can take either enum parser. */
static int sync_parse_int(const char *s, int *out)
{
    enum wv_sync_mode m;
    if (wv_sync_mode_parse(s, &m) < 0)
        return -1;
    *out = (int)m;
    return 0;
}

/* Destination mode parser with an int result. */
static int dest_parse_int(const char *s, int *out)
{
    enum wv_dest_mode m;
    if (wv_dest_mode_parse(s, &m) < 0)
        return -1;
    *out = (int)m;
    return 0;
}

/* Optional integer ids (generation_id ...); missing or null gives 0. */
static int parse_id(const struct cctx *c, const struct wv_json *obj, const char *key,
                    int64_t *out)
{
    struct wv_json *v = wv_json_get(obj, key);
    *out = 0;
    if (!v || v->type == WV_JSON_NULL)
        return 0;
    if (wv_json_as_i64(v, out) < 0)
        return cerr(c, v, "'%s' is not an integer", key);
    return 0;
}

/* The mode/cursor/key rules: supported sync mode, a cursor for incremental, a key for dedup. */
static int cfg_stream_check(const struct cctx *c, const struct wv_json *j,
                            const struct wv_cfg_stream *s)
{
    const struct wv_catalog_stream *cs = &s->stream;
    bool supported = s->sync_mode == WV_SYNC_INCREMENTAL ? cs->supports_incremental
                                                         : cs->supports_full_refresh;
    struct wv_json *sm = wv_json_get(j, "sync_mode");
    if (!supported)
        return cerr(c, sm ? sm : j, "sync_mode %s is not in the stream's supported_sync_modes",
                    wv_sync_mode_name(s->sync_mode));
    if (s->sync_mode == WV_SYNC_INCREMENTAL && s->cursor.n == 0 &&
        !(cs->source_defined_cursor && cs->default_cursor.n > 0))
        return cerr(c, sm ? sm : j, "sync_mode incremental needs a 'cursor_field' (the source "
                                    "defines no cursor)");
    bool dedup = s->dest_mode == WV_DEST_APPEND_DEDUP || s->dest_mode == WV_DEST_OVERWRITE_DEDUP;
    if (dedup && s->n_pk == 0 && cs->n_source_pk == 0) {
        struct wv_json *dm = wv_json_get(j, "destination_sync_mode");
        return cerr(c, dm ? dm : j, "destination_sync_mode %s needs a 'primary_key' (the source "
                                    "defines none)", wv_dest_mode_name(s->dest_mode));
    }
    return 0;
}

/* One ConfiguredAirbyteStream into s (zeroed on error). */
static int cfg_stream_parse(struct cctx *c, const struct wv_json *j, struct wv_cfg_stream *s)
{
    memset(s, 0, sizeof *s);
    if (!j || j->type != WV_JSON_OBJECT)
        return cerr(c, j, "not an object");
    struct wv_json *st = wv_json_get(j, "stream");
    if (!st)
        return cerr(c, j, "missing 'stream'");
    if (cat_stream_parse(c, st, &s->stream) < 0)
        return -1;
    int sync = WV_SYNC_FULL_REFRESH, dest = WV_DEST_APPEND;
    if (parse_mode(c, j, "sync_mode", "full_refresh, incremental", sync_parse_int, &sync) < 0 ||
        parse_mode(c, j, "destination_sync_mode",
                   "append, overwrite, append_dedup, overwrite_dedup", dest_parse_int, &dest) < 0 ||
        parse_path(c, j, "cursor_field", &s->cursor) < 0 ||
        parse_paths(c, j, "primary_key", &s->pk, &s->n_pk) < 0 ||
        parse_id(c, j, "generation_id", &s->generation_id) < 0 ||
        parse_id(c, j, "minimum_generation_id", &s->minimum_generation_id) < 0 ||
        parse_id(c, j, "sync_id", &s->sync_id) < 0)
        goto fail;
    s->sync_mode = (enum wv_sync_mode)sync;
    s->dest_mode = (enum wv_dest_mode)dest;
    if (cfg_stream_check(c, j, s) < 0)
        goto fail;
    return 0;
fail:
    cfg_stream_done(s);
    return -1;
}

/* Parses a ConfiguredAirbyteCatalog (errors are WV_E_CONFIG: it is weaver's input). */
int wv_cfg_catalog_parse(const struct wv_json *j, const char *origin, struct wv_cfg_catalog *out,
                         struct wv_error *err)
{
    struct cctx c = {origin, WV_E_CONFIG, "", err};
    out->streams = NULL;
    out->n = 0;
    const struct wv_json *arr = catalog_streams(&c, j);
    if (!arr)
        return -1;
    struct wv_cfg_catalog cat = {arr->len ? wv_calloc(arr->len, sizeof *cat.streams) : NULL, 0};
    for (size_t i = 0; i < arr->len; i++, cat.n++) {
        snprintf(c.label, sizeof c.label, "streams[%zu]", i);
        struct wv_cfg_stream *s = &cat.streams[i];
        if (cfg_stream_parse(&c, arr->items[i], s) < 0)
            goto fail;
        if (wv_cfg_catalog_find(&cat, s->stream.ns, s->stream.name)) {
            cerr(&c, arr->items[i], "stream listed twice");
            cfg_stream_done(s);
            goto fail;
        }
    }
    *out = cat;
    return 0;
fail:
    wv_cfg_catalog_done(&cat);
    return -1;
}

/* Frees a configured catalog's streams. */
void wv_cfg_catalog_done(struct wv_cfg_catalog *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->n; i++)
        cfg_stream_done(&c->streams[i]);
    free(c->streams);
    c->streams = NULL;
    c->n = 0;
}

/* A ConfiguredAirbyteCatalog as wire JSON; caller frees. */
struct wv_json *wv_cfg_catalog_to_json(const struct wv_cfg_catalog *c)
{
    struct wv_json *arr = wv_json_array();
    for (size_t i = 0; i < c->n; i++) {
        const struct wv_cfg_stream *s = &c->streams[i];
        struct wv_json *o = wv_json_object();
        wv_json_set(o, "stream", cat_stream_to_json(&s->stream));
        wv_json_set(o, "sync_mode", wv_json_str(wv_sync_mode_name(s->sync_mode)));
        wv_json_set(o, "destination_sync_mode", wv_json_str(wv_dest_mode_name(s->dest_mode)));
        if (s->cursor.n)
            wv_json_set(o, "cursor_field", wv_path_to_json(&s->cursor));
        if (s->n_pk) {
            struct wv_json *pk = wv_json_array();
            for (size_t k = 0; k < s->n_pk; k++)
                wv_json_push(pk, wv_path_to_json(&s->pk[k]));
            wv_json_set(o, "primary_key", pk);
        }
        wv_json_set(o, "generation_id", wv_json_int(s->generation_id));
        wv_json_set(o, "minimum_generation_id", wv_json_int(s->minimum_generation_id));
        wv_json_set(o, "sync_id", wv_json_int(s->sync_id));
        wv_json_push(arr, o);
    }
    struct wv_json *o = wv_json_object();
    wv_json_set(o, "streams", arr);
    return o;
}

/* Finds a configured stream by namespace and name. */
const struct wv_cfg_stream *wv_cfg_catalog_find(const struct wv_cfg_catalog *c, const char *ns,
                                                const char *name)
{
    for (size_t i = 0; c && i < c->n; i++)
        if (wv_str_eq(c->streams[i].stream.ns, ns) && wv_str_eq(c->streams[i].stream.name, name))
            return &c->streams[i];
    return NULL;
}

/* ---- state files ---- */

/* Whether a StreamDescriptor names (ns, name); a missing or null namespace is NULL. */
static bool descriptor_is(const struct wv_json *d, const char *ns, const char *name)
{
    const char *dn = wv_json_get_str(d, "name");
    struct wv_json *dns = wv_json_get(d, "namespace");
    const char *dnss = dns && dns->type == WV_JSON_STRING ? dns->s : NULL;
    return dn && wv_str_eq(dn, name) && wv_str_eq(dnss, ns);
}

/* The stream_state of (ns, name) in one AirbyteStateMessage; *found tells a match. */
static struct wv_json *state_msg_find(const struct wv_json *sm, const char *ns, const char *name,
                                      bool *found)
{
    const char *t = wv_json_get_str(sm, "type");
    if (t && strcmp(t, "STATE") == 0) /* a whole AirbyteMessage: look inside */
        sm = wv_json_get(sm, "state");
    t = wv_json_get_str(sm, "type");
    if (t && strcmp(t, "STREAM") == 0) {
        struct wv_json *s = wv_json_get(sm, "stream");
        *found = descriptor_is(wv_json_get(s, "stream_descriptor"), ns, name);
        return *found ? wv_json_get(s, "stream_state") : NULL;
    }
    if (t && strcmp(t, "GLOBAL") == 0) {
        struct wv_json *arr = wv_json_get(wv_json_get(sm, "global"), "stream_states");
        for (size_t i = 0; arr && arr->type == WV_JSON_ARRAY && i < arr->len; i++) {
            if (descriptor_is(wv_json_get(arr->items[i], "stream_descriptor"), ns, name)) {
                *found = true;
                return wv_json_get(arr->items[i], "stream_state");
            }
        }
        return NULL;
    }
    struct wv_json *v = wv_json_get(wv_json_get(sm, "data"), name); /* LEGACY */
    *found = v != NULL;
    return v;
}

/* The stream_state of one stream in an input state file. */
struct wv_json *wv_state_find_stream(const struct wv_json *state, const char *ns,
                                     const char *name)
{
    bool found = false;
    if (!state || !name)
        return NULL;
    if (state->type == WV_JSON_ARRAY) {
        for (size_t i = 0; i < state->len; i++) {
            struct wv_json *v = state_msg_find(state->items[i], ns, name, &found);
            if (found)
                return v;
        }
        return NULL;
    }
    if (state->type != WV_JSON_OBJECT)
        return NULL;
    const char *t = wv_json_get_str(state, "type");
    if (t && (strcmp(t, "STREAM") == 0 || strcmp(t, "GLOBAL") == 0 || strcmp(t, "LEGACY") == 0 ||
              strcmp(t, "STATE") == 0))
        return state_msg_find(state, ns, name, &found);
    return wv_json_get(state, name); /* a bare legacy object {"users": {...}} */
}
