/* zone.c - the Parquet raw zone writer of one run: per stream, one open Parquet file per
 * partition (at most ZONE_MAX_OPEN; the least recently written one is closed to make room),
 * each written under the staging directory at the relative path its template renders, rolled
 * past file_bytes and closed by stor_zone_seal; closed files are listed (rows, bytes, SHA-256)
 * for stor_zone_publish. Rows carry Airbyte's meta columns (destinations v2: _airbyte_raw_id a
 * UUID v4 text from a per-run random seed and a counter, as raw.c makes them;
 * _airbyte_extracted_at; _airbyte_meta {"sync_id":N,"changes":[...]}; _airbyte_generation_id).
 * A writer belongs to the thread that runs the sync. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/fs.h"
#include "base/mem.h"
#include "base/sha256.h"
#include "storage/zone_int.h"

#define ZONE_DEFAULT_FILE_BYTES ((int64_t)128 << 20)


/* ---------------- helpers ---------------- */

/* A borrowed string or number node over text that outlives its use. */
static struct wv_json text_node(enum wv_json_type t, const char *s)
{
    struct wv_json j;
    memset(&j, 0, sizeof j);
    j.type = t;
    j.s = (char *)(uintptr_t)s;
    j.slen = strlen(s);
    return j;
}

/* Template values of a stream at a partition time; part NULL renders "{part}". */
static void stream_vals(const struct stor_zone *z, const struct zone_stream *s,
                        const struct zone_when *w, const char *part, const char *vals[ZV__COUNT])
{
    vals[ZV_NAMESPACE] = s->ns;
    vals[ZV_STREAM] = s->name;
    vals[ZV_CONNECTION] = z->connection;
    vals[ZV_DATE] = w->date;
    vals[ZV_YEAR] = w->year;
    vals[ZV_MONTH] = w->month;
    vals[ZV_DAY] = w->day;
    vals[ZV_HOUR] = w->hour;
    vals[ZV_RUN_ID] = z->run_id;
    vals[ZV_SYNC_ID] = z->sync_text;
    vals[ZV_PART] = part;
    vals[ZV_EPOCH] = w->epoch;
}

/* SHA-256 (hex) and size of a file. */
static int file_digest(const char *path, char hex[65], int64_t *size, struct wv_error *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return wv_error_errno(err, errno, "open %s", path);
    struct wv_sha256 c;
    wv_sha256_init(&c);
    char *buf = wv_malloc(1 << 16);
    int64_t total = 0;
    int rc = 0;
    for (;;) {
        ssize_t n = read(fd, buf, 1 << 16);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            rc = wv_error_errno(err, errno, "read %s", path);
        if (n <= 0)
            break;
        wv_sha256_update(&c, buf, (size_t)n);
        total += n;
    }
    close(fd);
    free(buf);
    uint8_t d[32];
    wv_sha256_final(&c, d);
    for (int i = 0; i < 32; i++)
        snprintf(hex + 2 * i, 3, "%02x", d[i]);
    *size = total;
    return rc;
}

/* Finds a declared stream; ns "" is the same as NULL. */
struct zone_stream *stor_zone_int_stream_find(const struct stor_zone *z, const char *ns,
                                              const char *name)
{
    if (ns && !*ns)
        ns = NULL;
    for (size_t i = 0; i < z->n; i++)
        if (wv_str_eq(z->streams[i]->name, name) && wv_str_eq(z->streams[i]->ns, ns))
            return z->streams[i];
    return NULL;
}

static void stream_free(struct zone_stream *s)
{
    for (size_t i = 0; i < s->n_open; i++) {
        stor_pq_free(s->open[i].w); /* removes the temp file */
        free(s->open[i].key);
        free(s->open[i].rel);
        free(s->open[i].stage_path);
    }
    stor_zone_int_shape_done(&s->shape);
    stor_zone_int_set_done(&s->dirs);
    for (size_t i = 0; i < s->n_pk; i++)
        wv_path_done(&s->pk[i]);
    free(s->pk);
    wv_path_done(&s->cursor);
    free(s->ns);
    free(s->name);
    free(s->label);
    free(s->prefix);
    free(s->schema_text);
    free(s->run_key);
    free(s);
}

/* ---------------- parts ---------------- */

/* Closes open part i of s: footer, fsync, rename within staging; a file with rows is listed as
 * sealed. The part is gone afterwards, also on error. */
static int part_seal(struct stor_zone *z, struct zone_stream *s, size_t i, struct wv_error *err)
{
    struct zone_part p = s->open[i];
    s->open[i] = s->open[--s->n_open];
    int64_t rows = stor_pq_rows(p.w);
    int rc = 0;
    if (rows > 0 && (rc = stor_pq_close(p.w, err)) == 0) {
        struct stor_zone_file f;
        memset(&f, 0, sizeof f);
        rc = file_digest(p.stage_path, f.sha256, &f.bytes, err);
        if (rc == 0) {
            f.rel = p.rel, f.stage_path = p.stage_path;
            p.rel = p.stage_path = NULL;
            f.ns = wv_strdup(s->ns);
            f.stream = wv_strdup(s->name);
            f.rows = rows;
            z->sealed = wv_realloc(z->sealed, (z->n_sealed + 1) * sizeof *z->sealed);
            z->sealed[z->n_sealed++] = f;
            s->sealed_bytes += f.bytes;
            s->sealed_files++;
        }
    }
    stor_pq_free(p.w);
    free(p.key);
    free(p.rel);
    free(p.stage_path);
    return rc < 0 ? wv_error_prefix(err, "stream %s", s->label) : 0;
}

/* Opens the next part of partition key (vals: its template values, part unset). */
static struct zone_part *part_open(struct stor_zone *z, struct zone_stream *s, const char *key,
                                   const char **vals, struct wv_error *err)
{
    if (s->n_open == ZONE_MAX_OPEN) {
        size_t lru = 0;
        for (size_t i = 1; i < s->n_open; i++)
            if (s->open[i].used < s->open[lru].used)
                lru = i;
        if (part_seal(z, s, lru, err) < 0)
            return NULL;
    }
    const char *slash = strrchr(key, '/');
    char *dir = slash ? wv_strndup(key, (size_t)(slash - key)) : wv_strdup("");
    int64_t next = stor_zone_int_set_find(&s->dirs, dir);
    if (next < 0)
        next = 0;
    char *rel = NULL;
    for (;;) {
        if (next >= INT_MAX) {
            wv_error_set(err, WV_E_LIMIT, 0, "stream %s: too many parts in %s", s->label, key);
            break;
        }
        char num[16];
        snprintf(num, sizeof num, "%03d", (int)next++);
        vals[ZV_PART] = num;
        int rc = stor_zone_int_render(&z->tmpl, vals, SIZE_MAX, &rel, err);
        vals[ZV_PART] = NULL;
        if (rc < 0 || stor_zone_int_set_find(&z->rels, rel) < 0)
            break;
        free(rel); /* another stream (or partition) of this run took the name */
        rel = NULL;
    }
    stor_zone_int_set_put(&s->dirs, dir, (size_t)next);
    free(dir);
    if (!rel)
        return NULL;
    stor_zone_int_set_put(&z->rels, rel, 0);
    char *stage_path = wv_path_join(z->stage, rel);
    char *sdir = wv_path_dirname(stage_path);
    struct stor_pq_writer *w = NULL;
    if (wv_fs_mkdirs_durable(sdir, 0755, err) == 0)
        w = stor_pq_open(stage_path, s->shape.cols, s->shape.n_cols, &z->pq, err);
    free(sdir);
    if (w && (stor_pq_add_kv(w, "airbyte.json_schema", s->schema_text, err) < 0 ||
              stor_pq_add_kv(w, "writer", "weaver " WEAVER_VERSION, err) < 0 ||
              stor_pq_add_kv(w, "weaver.run_id", z->run_id, err) < 0)) {
        stor_pq_free(w);
        w = NULL;
    }
    if (!w) {
        free(rel);
        free(stage_path);
        return NULL;
    }
    struct zone_part *p = &s->open[s->n_open++];
    p->key = wv_strdup(key);
    p->rel = rel;
    p->stage_path = stage_path;
    p->w = w;
    p->used = z->tick;
    return p;
}

/* ---------------- public API ---------------- */

struct stor_zone *stor_zone_open(const char *stage_dir, const char *run_id, int64_t extracted_at_ms,
                                 int64_t generation_id, int64_t sync_id,
                                 const struct stor_zone_options *opts, struct wv_error *err)
{
    if (!run_id || !*run_id || strchr(run_id, '/') || !strcmp(run_id, ".") ||
        !strcmp(run_id, "..")) {
        wv_error_set(err, WV_E_USAGE, 0, "raw zone: invalid run id '%s'", run_id ? run_id : "");
        return NULL;
    }
    struct stor_zone *z = wv_calloc(1, sizeof *z);
    z->stage = wv_strdup(stage_dir);
    z->run_id = wv_strdup(run_id);
    z->connection = wv_strdup(opts && opts->connection ? opts->connection : "");
    z->extracted_at_ms = extracted_at_ms;
    z->generation_id = generation_id;
    z->sync_id = sync_id;
    z->file_bytes = opts && opts->file_bytes > 0 ? opts->file_bytes : ZONE_DEFAULT_FILE_BYTES;
    z->by_cursor = opts && opts->partition_by_cursor;
    z->flatten = opts && opts->flatten;
    if (opts)
        z->pq = opts->pq;
    z->pq.airbyte_changes = true;
    char iso[40];
    z->extracted_iso = wv_strdup(wv_time_iso(extracted_at_ms, iso, sizeof iso));
    stor_zone_int_when_ms(extracted_at_ms, &z->run_when);
    snprintf(z->sync_text, sizeof z->sync_text, "%lld", (long long)sync_id);
    snprintf(z->gen_text, sizeof z->gen_text, "%lld", (long long)generation_id);
    z->meta = wv_json_object();
    wv_json_set(z->meta, "sync_id", wv_json_int(sync_id));
    wv_json_set(z->meta, "changes", wv_json_array());
    const char *tmpl = opts && opts->path_template ? opts->path_template : ZONE_DEFAULT_TEMPLATE;
    char **names = NULL;
    int rc = stor_zone_int_tmpl_parse(&z->tmpl, tmpl, err);
    if (rc == 0)
        rc = stor_rawid_init(&z->ids, err);
    if (rc == 0)
        rc = wv_fs_list(stage_dir, &names, err);
    if (rc == 0 && names[0])
        rc = wv_error_set(err, WV_E_CONFLICT, 0,
                          "raw zone: staging directory %s is not empty (another run?)", stage_dir);
    wv_strv_free(names);
    if (rc == 0)
        rc = wv_fs_mkdirs_durable(stage_dir, 0755, err);
    if (rc < 0) {
        stor_zone_free(z);
        return NULL;
    }
    return z;
}

int stor_zone_add_stream(struct stor_zone *z, const struct stor_zone_stream_cfg *cfg,
                         struct wv_error *err)
{
    const char *ns = cfg->ns && *cfg->ns ? cfg->ns : NULL;
    if (!cfg->name || !*cfg->name)
        return wv_error_set(err, WV_E_CONFIG, 0, "raw zone: a stream needs a name");
    if (stor_zone_int_stream_find(z, ns, cfg->name))
        return wv_error_set(err, WV_E_CONFLICT, 0, "raw zone: stream %s%s%s declared twice",
                            ns ? ns : "", ns ? "." : "", cfg->name);
    struct zone_stream *s = wv_calloc(1, sizeof *s);
    s->ns = wv_strdup(ns);
    s->name = wv_strdup(cfg->name);
    s->label = ns ? wv_asprintf("%s.%s", ns, cfg->name) : wv_strdup(cfg->name);
    s->mode = cfg->mode;
    s->schema_text = cfg->json_schema ? wv_json_to_string(cfg->json_schema) : wv_strdup("{}");
    s->n_pk = cfg->n_pk;
    s->pk = wv_calloc(cfg->n_pk ? cfg->n_pk : 1, sizeof *s->pk);
    for (size_t i = 0; i < cfg->n_pk; i++)
        wv_path_copy(&s->pk[i], &cfg->pk[i]);
    if (cfg->cursor && cfg->cursor->n)
        wv_path_copy(&s->cursor, cfg->cursor);
    const char *vals[ZV__COUNT];
    stream_vals(z, s, &z->run_when, NULL, vals);
    size_t n_prefix = stor_zone_int_prefix_segs(&z->tmpl);
    int rc = stor_zone_int_shape_build(&s->shape, cfg->json_schema, z->flatten, err);
    if (rc == 0)
        rc = stor_zone_int_render(&z->tmpl, vals, n_prefix, &s->prefix, err);
    if (rc == 0) /* checks the names render a valid path; the key of extraction-time files */
        rc = stor_zone_int_render(&z->tmpl, vals, SIZE_MAX, &s->run_key, err);
    /* publish deletes an overwrite stream's older .parquet files under its prefix */
    bool named = false;
    for (size_t i = 0; i < n_prefix; i++)
        for (size_t k = 0; k < z->tmpl.segs[i].n; k++)
            named = named || z->tmpl.segs[i].toks[k].var == ZV_STREAM;
    const struct zone_seg *last = &z->tmpl.segs[z->tmpl.n - 1];
    const struct zone_tok *end = &last->toks[last->n - 1];
    bool pq_name = end->var < 0 && wv_str_ends(end->lit, ".parquet");
    if (rc == 0 && (s->mode == WV_DEST_OVERWRITE || s->mode == WV_DEST_OVERWRITE_DEDUP) &&
        (!named || !pq_name))
        rc = wv_error_set(err, WV_E_CONFIG, 0,
                          "path template \"%s\": an overwrite stream needs {stream} before the "
                          "first run-dependent segment and file names ending in .parquet (its "
                          "older files are found so)",
                          z->tmpl.text);
    /* an overwrite stream's prefix must not contain another stream's files (a stream `users`
     * and a namespace `users` with stream `x` would share users/), nor lie inside another's */
    for (size_t i = 0; rc == 0 && i < z->n; i++) {
        const struct zone_stream *o = z->streams[i];
        bool ow = s->mode == WV_DEST_OVERWRITE || s->mode == WV_DEST_OVERWRITE_DEDUP ||
                  o->mode == WV_DEST_OVERWRITE || o->mode == WV_DEST_OVERWRITE_DEDUP;
        size_t la = strlen(s->prefix), lb = strlen(o->prefix), l = la < lb ? la : lb;
        bool nested = strncmp(s->prefix, o->prefix, l) == 0 &&
                      (la == lb || (la > lb ? s->prefix[l] : o->prefix[l]) == '/');
        if (ow && nested)
            rc = wv_error_set(err, WV_E_CONFIG, 0,
                              "streams %s and %s share the directory %s, and one of them is "
                              "overwritten: its publish would delete the other's files (use a "
                              "path template that separates them)",
                              s->label, o->label, la < lb ? s->prefix : o->prefix);
    }
    if (rc < 0) {
        wv_error_prefix(err, "raw zone: stream %s", s->label);
        stream_free(s);
        return -1;
    }
    z->streams = wv_realloc(z->streams, (z->n + 1) * sizeof *z->streams);
    z->streams[z->n++] = s;
    return 0;
}

int stor_zone_write(struct stor_zone *z, const char *ns, const char *stream,
                    const struct wv_json *data, struct wv_error *err)
{
    struct zone_stream *s = stor_zone_int_stream_find(z, ns, stream);
    if (!s)
        return wv_error_set(err, WV_E_NOTFOUND, 0, "raw zone: stream %s%s%s not declared",
                            ns && *ns ? ns : "", ns && *ns ? "." : "", stream);
    if (!wv_json_is(data, WV_JSON_OBJECT))
        return wv_error_set(err, WV_E_PROTOCOL, 0, "stream %s: record data is not an object",
                            s->label);
    const char *vals[ZV__COUNT];
    char *key = NULL;
    const char *k = s->run_key;
    struct zone_when w; /* vals point into it */
    if (z->by_cursor && s->cursor.n) {
        stor_zone_int_when_cursor(wv_path_get(data, &s->cursor), &w);
        stream_vals(z, s, &w, NULL, vals);
        if (stor_zone_int_render(&z->tmpl, vals, SIZE_MAX, &key, err) < 0)
            return wv_error_prefix(err, "stream %s", s->label);
        k = key;
    } else {
        stream_vals(z, s, &z->run_when, NULL, vals);
    }
    z->tick++;
    struct zone_part *p = NULL;
    for (size_t i = 0; i < s->n_open && !p; i++)
        if (strcmp(s->open[i].key, k) == 0)
            p = &s->open[i];
    if (!p && !(p = part_open(z, s, k, vals, err))) {
        free(key);
        return wv_error_prefix(err, "stream %s", s->label);
    }
    free(key);
    p->used = z->tick;

    struct wv_json *extra, *nulled, *meta = NULL;
    stor_zone_int_shape_fill(&s->shape, data, &extra, &nulled);
    for (size_t i = 0; nulled && i < nulled->len; i++) {
        if (!meta)
            meta = wv_json_dup(z->meta);
        struct wv_json *c = wv_json_object();
        wv_json_set(c, "field", wv_json_str(nulled->items[i]->s));
        wv_json_set(c, "change", wv_json_str("NULLED"));
        wv_json_set(c, "reason", wv_json_str("DESTINATION_SERIALIZATION_ERROR"));
        wv_json_push(wv_json_get(meta, "changes"), c);
    }
    char id[37];
    stor_rawid_next(&z->ids, id);
    id[36] = '\0';
    struct wv_json id_node = text_node(WV_JSON_STRING, id);
    struct wv_json at_node = text_node(WV_JSON_STRING, z->extracted_iso);
    struct wv_json gen_node = text_node(WV_JSON_NUMBER, z->gen_text);
    const struct wv_json **v = s->shape.vals;
    v[0] = &id_node, v[1] = &at_node, v[2] = meta ? meta : z->meta, v[3] = &gen_node;
    int rc = stor_pq_write_row(p->w, v, s->shape.n_cols, err);
    wv_json_free(extra);
    wv_json_free(nulled);
    wv_json_free(meta);
    memset(v, 0, s->shape.n_cols * sizeof *v);
    if (rc < 0)
        return wv_error_prefix(err, "stream %s", s->label);
    s->records++;
    if (stor_pq_bytes(p->w) >= z->file_bytes)
        return part_seal(z, s, (size_t)(p - s->open), err);
    return 0;
}

int stor_zone_seal(struct stor_zone *z, struct wv_error *err)
{
    int rc = 0;
    for (size_t i = 0; i < z->n; i++)
        while (z->streams[i]->n_open)
            if (part_seal(z, z->streams[i], z->streams[i]->n_open - 1, err) < 0)
                rc = -1;
    return rc;
}

void stor_zone_take_files(struct stor_zone *z, struct stor_zone_file **files, size_t *n)
{
    *files = z->sealed;
    *n = z->n_sealed;
    z->sealed = NULL;
    z->n_sealed = 0;
}

void stor_zone_files_free(struct stor_zone_file *files, size_t n)
{
    for (size_t i = 0; files && i < n; i++) {
        free(files[i].rel);
        free(files[i].stage_path);
        free(files[i].ns);
        free(files[i].stream);
    }
    free(files);
}

void stor_zone_stats(const struct stor_zone *z, const char *ns, const char *stream,
                     struct stor_zone_stats *out)
{
    memset(out, 0, sizeof *out);
    if (!z)
        return;
    if (ns && !*ns)
        ns = NULL;
    for (size_t i = 0; i < z->n; i++) {
        const struct zone_stream *s = z->streams[i];
        if (stream && (!wv_str_eq(s->name, stream) || !wv_str_eq(s->ns, ns)))
            continue;
        out->records += s->records;
        out->bytes += s->sealed_bytes;
        out->files += s->sealed_files;
        for (size_t k = 0; k < s->n_open; k++)
            out->bytes += stor_pq_bytes(s->open[k].w);
    }
}

void stor_zone_free(struct stor_zone *z)
{
    if (!z)
        return;
    for (size_t i = 0; i < z->n; i++)
        stream_free(z->streams[i]);
    free(z->streams);
    stor_zone_files_free(z->sealed, z->n_sealed);
    stor_zone_int_set_done(&z->rels);
    stor_zone_int_tmpl_done(&z->tmpl);
    wv_json_free(z->meta);
    free(z->stage);
    free(z->run_id);
    free(z->connection);
    free(z->extracted_iso);
    free(z);
}
