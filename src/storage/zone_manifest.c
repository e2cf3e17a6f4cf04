/* zone_manifest.c - the manifest of a Parquet raw zone run ("_runs/<run_id>/_manifest.json",
 * written last at publish): version 1, the run (run_id, connection, extracted_at, sync_id,
 * generation_id, format, compression, path_template, writer), per stream its namespace, name,
 * mode, prefix, columns, primary key, cursor field and totals, and the published files with
 * rows, bytes and SHA-256. The format is the one documented in storage.h; the parser ignores
 * members it does not know (newer writers may add some) and checks what publishing relies on
 * (relative paths, hex digests). Caller's thread. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "storage/zone_int.h"

static const char *const type_names[] = {
#define ZONE_X_PQN(id, text) text,
    STOR_PQ_TYPES(ZONE_X_PQN)
#undef ZONE_X_PQN
};

/* Codec name as the manifest spells it. */
static const char *codec_name(enum stor_pq_codec c)
{
    switch (c) {
    case STOR_PQ_SNAPPY:
        return "snappy";
    case STOR_PQ_GZIP:
        return "gzip";
    case STOR_PQ_ZSTD:
        return "zstd";
    case STOR_PQ_UNCOMPRESSED:
        break;
    }
    return "uncompressed";
}

/* A string, or null for NULL. */
static struct wv_json *str_or_null(const char *s)
{
    return s ? wv_json_str(s) : wv_json_null();
}

/* The manifest entry of one stream, with totals over files. */
static struct wv_json *stream_json(const struct zone_stream *s, const struct stor_zone_file *files,
                                   size_t n)
{
    struct wv_json *o = wv_json_object();
    wv_json_set(o, "namespace", str_or_null(s->ns));
    wv_json_set(o, "name", wv_json_str(s->name));
    wv_json_set(o, "mode", wv_json_str(wv_dest_mode_name(s->mode)));
    wv_json_set(o, "prefix", wv_json_str(s->prefix));
    struct wv_json *cols = wv_json_array();
    for (size_t i = 0; i < s->shape.n_cols; i++) {
        const struct stor_pq_column *c = &s->shape.cols[i];
        struct wv_json *cj = wv_json_object();
        wv_json_set(cj, "name", wv_json_str(c->name));
        wv_json_set(cj, "type", wv_json_str(type_names[c->type]));
        wv_json_set(cj, "optional", wv_json_bool(c->optional));
        wv_json_push(cols, cj);
    }
    wv_json_set(o, "columns", cols);
    struct wv_json *pk = wv_json_array();
    for (size_t i = 0; i < s->n_pk; i++)
        wv_json_push(pk, wv_path_to_json(&s->pk[i]));
    wv_json_set(o, "primary_key", pk);
    wv_json_set(o, "cursor_field", wv_path_to_json(&s->cursor));
    int64_t rows = 0, bytes = 0, nf = 0;
    for (size_t i = 0; i < n; i++) {
        if (!wv_str_eq(files[i].stream, s->name) || !wv_str_eq(files[i].ns, s->ns))
            continue;
        rows += files[i].rows;
        bytes += files[i].bytes;
        nf++;
    }
    wv_json_set(o, "rows", wv_json_int(rows));
    wv_json_set(o, "bytes", wv_json_int(bytes));
    wv_json_set(o, "files", wv_json_int(nf));
    return o;
}

char *stor_zone_manifest(const struct stor_zone *z, const struct stor_zone_file *files, size_t n,
                         struct wv_error *err)
{
    for (size_t i = 0; i < n; i++)
        if (!stor_zone_int_stream_find(z, files[i].ns, files[i].stream)) {
            wv_error_set(err, WV_E_USAGE, 0, "raw zone manifest: file %s of undeclared stream",
                         files[i].rel);
            return NULL;
        }
    struct wv_json *m = wv_json_object();
    wv_json_set(m, "version", wv_json_int(1));
    wv_json_set(m, "run_id", wv_json_str(z->run_id));
    wv_json_set(m, "connection", str_or_null(*z->connection ? z->connection : NULL));
    wv_json_set(m, "extracted_at", wv_json_str(z->extracted_iso));
    wv_json_set(m, "sync_id", wv_json_int(z->sync_id));
    wv_json_set(m, "generation_id", wv_json_int(z->generation_id));
    wv_json_set(m, "format", wv_json_str("parquet"));
    wv_json_set(m, "compression", wv_json_str(codec_name(z->pq.codec)));
    wv_json_set(m, "path_template", wv_json_str(z->tmpl.text));
    wv_json_set(m, "writer", wv_json_str("weaver " WEAVER_VERSION));
    struct wv_json *streams = wv_json_array();
    for (size_t i = 0; i < z->n; i++)
        wv_json_push(streams, stream_json(z->streams[i], files, n));
    wv_json_set(m, "streams", streams);
    struct wv_json *fl = wv_json_array();
    for (size_t i = 0; i < n; i++) {
        struct wv_json *f = wv_json_object();
        wv_json_set(f, "path", wv_json_str(files[i].rel));
        wv_json_set(f, "namespace", str_or_null(files[i].ns));
        wv_json_set(f, "stream", wv_json_str(files[i].stream));
        wv_json_set(f, "rows", wv_json_int(files[i].rows));
        wv_json_set(f, "bytes", wv_json_int(files[i].bytes));
        wv_json_set(f, "sha256", wv_json_str(files[i].sha256));
        wv_json_push(fl, f);
    }
    wv_json_set(m, "files", fl);
    struct wv_buf b = WV_BUF_INIT;
    int rc = wv_json_write_pretty(&b, m, err);
    wv_json_free(m);
    if (rc < 0) {
        wv_buf_done(&b);
        return NULL;
    }
    wv_buf_putc(&b, '\n', NULL);
    return wv_buf_steal(&b, NULL);
}

/* ---------------- parsing ---------------- */

struct mctx {
    const char *origin;
    struct wv_error *err;
};

static int perr(const struct mctx *c, const struct wv_json *at, const char *fmt, ...)
    WV_PRINTF(3, 4);
static int perr(const struct mctx *c, const struct wv_json *at, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return wv_error_set(c->err, WV_E_PARSE, 0, "%s:%u:%u: %s", c->origin,
                        (unsigned)(at ? at->line : 1), (unsigned)(at ? at->col : 1), msg);
}

/* A member that must be there and of type t. */
static const struct wv_json *need(const struct mctx *c, const struct wv_json *obj, const char *key,
                                  enum wv_json_type t)
{
    const struct wv_json *v = wv_json_get(obj, key);
    if (!v)
        perr(c, obj, "manifest: missing \"%s\"", key);
    else if (v->type != t)
        perr(c, v, "manifest: \"%s\" must be %s %s", key, t == WV_JSON_ARRAY ? "an" : "a",
             wv_json_type_name(t));
    return v && v->type == t ? v : NULL;
}

/* An optional string member (missing or null: NULL); copied into *out. */
static int opt_str(const struct mctx *c, const struct wv_json *obj, const char *key, char **out)
{
    const struct wv_json *v = wv_json_get(obj, key);
    *out = NULL;
    if (!v || v->type == WV_JSON_NULL)
        return 0;
    if (v->type != WV_JSON_STRING)
        return perr(c, v, "manifest: \"%s\" must be a string or null", key);
    *out = wv_strdup(v->s);
    return 0;
}

/* A required string member, copied. */
static int req_str(const struct mctx *c, const struct wv_json *obj, const char *key, char **out)
{
    const struct wv_json *v = need(c, obj, key, WV_JSON_STRING);
    *out = v ? wv_strdup(v->s) : NULL;
    return v ? 0 : -1;
}

/* An optional non-negative integer member (missing: 0). */
static int opt_count(const struct mctx *c, const struct wv_json *obj, const char *key, int64_t *out)
{
    const struct wv_json *v = wv_json_get(obj, key);
    *out = 0;
    if (v && (wv_json_as_i64(v, out) < 0 || *out < 0))
        return perr(c, v, "manifest: \"%s\" must be a non-negative integer", key);
    return 0;
}

/* A field path: an array of strings (or one string); null or [] is none. */
static int get_path(const struct mctx *c, const struct wv_json *v, const char *what,
                    struct wv_path *out)
{
    memset(out, 0, sizeof *out);
    if (!v || v->type == WV_JSON_NULL)
        return 0;
    for (size_t i = 0; v->type == WV_JSON_ARRAY && i < v->len; i++)
        if (v->items[i]->type != WV_JSON_STRING)
            return perr(c, v->items[i], "manifest: %s must be a list of strings", what);
    if ((v->type != WV_JSON_ARRAY && v->type != WV_JSON_STRING) || wv_path_from_json(v, out) < 0)
        return perr(c, v, "manifest: %s must be a list of strings", what);
    return 0;
}

/* Whether rel is a relative path without empty, "." or ".." segments. */
static bool rel_ok(const char *rel)
{
    if (!*rel || rel[0] == '/')
        return false;
    for (const char *p = rel;;) {
        const char *e = strchr(p, '/');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        if (n == 0 || (n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.'))
            return false;
        if (!e)
            return true;
        p = e + 1;
    }
}

static int parse_stream(const struct mctx *c, const struct wv_json *o, struct stor_zone_mstream *s)
{
    if (o->type != WV_JSON_OBJECT)
        return perr(c, o, "manifest: a stream must be an object");
    if (opt_str(c, o, "namespace", &s->ns) < 0 || req_str(c, o, "name", &s->name) < 0 ||
        req_str(c, o, "prefix", &s->prefix) < 0)
        return -1;
    const struct wv_json *mode = need(c, o, "mode", WV_JSON_STRING);
    if (!mode)
        return -1;
    if (wv_dest_mode_parse(mode->s, &s->mode) < 0)
        return perr(c, mode, "manifest: unknown mode \"%s\"", mode->s);
    const struct wv_json *cols = need(c, o, "columns", WV_JSON_ARRAY);
    if (!cols)
        return -1;
    s->cols = wv_calloc(cols->len ? cols->len : 1, sizeof *s->cols);
    for (size_t i = 0; i < cols->len; i++) {
        s->n_cols = i + 1; /* counted first: a half-parsed entry is freed too */
        const struct wv_json *cj = cols->items[i];
        struct stor_zone_col *col = &s->cols[i];
        if (cj->type != WV_JSON_OBJECT)
            return perr(c, cj, "manifest: a column must be an object");
        if (req_str(c, cj, "name", &col->name) < 0)
            return -1;
        const struct wv_json *t = need(c, cj, "type", WV_JSON_STRING);
        if (!t)
            return -1;
        if (stor_pq_type_parse(t->s, &col->type) < 0)
            return perr(c, t, "manifest: unknown column type \"%s\"", t->s);
        if (wv_json_get_bool(cj, "optional", true, &col->optional) < 0)
            return perr(c, wv_json_get(cj, "optional"),
                        "manifest: \"optional\" must be a "
                        "boolean");
    }
    const struct wv_json *pk = wv_json_get(o, "primary_key");
    if (pk && pk->type != WV_JSON_ARRAY && pk->type != WV_JSON_NULL)
        return perr(c, pk, "manifest: \"primary_key\" must be a list of field paths");
    size_t n_pk = pk && pk->type == WV_JSON_ARRAY ? pk->len : 0;
    s->pk = wv_calloc(n_pk ? n_pk : 1, sizeof *s->pk);
    for (size_t i = 0; i < n_pk; i++)
        if ((s->n_pk = i + 1) && get_path(c, pk->items[i], "a primary key", &s->pk[i]) < 0)
            return -1;
    if (get_path(c, wv_json_get(o, "cursor_field"), "\"cursor_field\"", &s->cursor) < 0 ||
        opt_count(c, o, "rows", &s->rows) < 0 || opt_count(c, o, "bytes", &s->bytes) < 0 ||
        opt_count(c, o, "files", &s->files) < 0)
        return -1;
    return 0;
}

static int parse_file(const struct mctx *c, const struct wv_json *o, struct stor_zone_file *f)
{
    if (o->type != WV_JSON_OBJECT)
        return perr(c, o, "manifest: a file must be an object");
    if (req_str(c, o, "path", &f->rel) < 0 || opt_str(c, o, "namespace", &f->ns) < 0 ||
        req_str(c, o, "stream", &f->stream) < 0 || opt_count(c, o, "rows", &f->rows) < 0 ||
        opt_count(c, o, "bytes", &f->bytes) < 0)
        return -1;
    if (!rel_ok(f->rel))
        return perr(c, wv_json_get(o, "path"), "manifest: file path \"%s\" is not relative",
                    f->rel);
    const struct wv_json *h = need(c, o, "sha256", WV_JSON_STRING);
    if (!h)
        return -1;
    bool hex = h->slen == 64;
    for (size_t i = 0; hex && i < 64; i++)
        hex = strchr("0123456789abcdef", h->s[i]) && h->s[i];
    if (!hex)
        return perr(c, h, "manifest: \"sha256\" must be 64 lowercase hex digits");
    memcpy(f->sha256, h->s, 65);
    return 0;
}

/* Fills m from the parsed root. */
static int parse_root(const struct mctx *c, const struct wv_json *root,
                      struct stor_zone_manifest *m)
{
    if (root->type != WV_JSON_OBJECT)
        return perr(c, root, "manifest: must be a JSON object");
    const struct wv_json *ver = need(c, root, "version", WV_JSON_NUMBER);
    int64_t v;
    if (!ver)
        return -1;
    if (wv_json_as_i64(ver, &v) < 0 || v != 1)
        return perr(c, ver, "manifest: unsupported version %s (this weaver reads 1)", ver->s);
    if (req_str(c, root, "run_id", &m->run_id) < 0 ||
        opt_str(c, root, "connection", &m->connection) < 0 ||
        opt_str(c, root, "extracted_at", &m->extracted_at) < 0 ||
        opt_str(c, root, "path_template", &m->path_template) < 0 ||
        req_str(c, root, "format", &m->format) < 0 ||
        opt_str(c, root, "compression", &m->compression) < 0)
        return -1;
    const struct wv_json *sid = wv_json_get(root, "sync_id");
    const struct wv_json *gid = wv_json_get(root, "generation_id");
    if (sid && wv_json_as_i64(sid, &m->sync_id) < 0)
        return perr(c, sid, "manifest: \"sync_id\" must be an integer");
    if (gid && wv_json_as_i64(gid, &m->generation_id) < 0)
        return perr(c, gid, "manifest: \"generation_id\" must be an integer");
    const struct wv_json *streams = need(c, root, "streams", WV_JSON_ARRAY);
    const struct wv_json *files = streams ? need(c, root, "files", WV_JSON_ARRAY) : NULL;
    if (!files)
        return -1;
    m->streams = wv_calloc(streams->len ? streams->len : 1, sizeof *m->streams);
    for (size_t i = 0; i < streams->len; i++)
        if ((m->n_streams = i + 1) && parse_stream(c, streams->items[i], &m->streams[i]) < 0)
            return -1;
    m->files = wv_calloc(files->len ? files->len : 1, sizeof *m->files);
    for (size_t i = 0; i < files->len; i++)
        if ((m->n_files = i + 1) && parse_file(c, files->items[i], &m->files[i]) < 0)
            return -1;
    return 0;
}

int stor_zone_manifest_parse(const char *text, size_t len, const char *origin,
                             struct stor_zone_manifest *out, struct wv_error *err)
{
    memset(out, 0, sizeof *out);
    struct wv_json *root = wv_json_parse(text, len, origin, err);
    if (!root)
        return -1;
    struct mctx c = {origin, err};
    int rc = parse_root(&c, root, out);
    wv_json_free(root);
    if (rc < 0)
        stor_zone_manifest_done(out);
    return rc;
}

void stor_zone_manifest_done(struct stor_zone_manifest *m)
{
    if (!m)
        return;
    for (size_t i = 0; i < m->n_streams; i++) {
        struct stor_zone_mstream *s = &m->streams[i];
        free(s->ns);
        free(s->name);
        free(s->prefix);
        for (size_t k = 0; k < s->n_cols; k++)
            free(s->cols[k].name);
        free(s->cols);
        for (size_t k = 0; k < s->n_pk; k++)
            wv_path_done(&s->pk[k]);
        free(s->pk);
        wv_path_done(&s->cursor);
    }
    free(m->streams);
    stor_zone_files_free(m->files, m->n_files);
    free(m->run_id);
    free(m->connection);
    free(m->extracted_at);
    free(m->path_template);
    free(m->format);
    free(m->compression);
    memset(m, 0, sizeof *m);
}
