/* dest.c - destinations of weaver.yaml: where the raw zone lives (a local directory or
 * s3://bucket/prefix), its format (parquet, the default; jsonl for local directories) and the
 * zone writer's options, and the storage target with S3 credentials resolved from
 * `{{ env.X }}` / `{{ file('p') }}` references at use, never kept in the loaded workspace.
 *
 *   destinations:
 *     raw:
 *       path: raw | s3://bucket/prefix   # local directory (relative to the workspace) or S3
 *       type: local | s3                 # optional, follows path
 *       format: parquet | jsonl
 *       compression: zstd | snappy | gzip | none
 *       path_template: "{namespace}/{stream}/dt={date}/{run_id}-{part}.parquet"
 *       partition_by: extracted_at | cursor
 *       file_size: 128MiB                # roll files past this size
 *       row_group_size: 64MiB
 *       flatten: false                   # nested objects -> parent_child columns
 *       s3: {endpoint, region, access_key_id, secret_access_key, session_token, profile,
 *            credentials_file, parallel (parts in flight), max_upload_rate (bytes/s per part)}
 */
#include <stdlib.h>
#include <string.h>

#include "base/fs.h"
#include "base/mem.h"
#include "core/core_int.h"

/* "128MiB", "64 MB", "1048576" -> bytes; -1 if not a size. */
static int64_t parse_size(const char *s)
{
    char *end;
    double v = strtod(s, &end);
    if (end == s || v < 0)
        return -1;
    while (*end == ' ')
        end++;
    static const struct {
        const char *unit;
        double mult;
    } units[] = {{"", 1},
                 {"B", 1},
                 {"KiB", 1024.0},
                 {"KB", 1000.0},
                 {"MiB", 1024.0 * 1024},
                 {"MB", 1e6},
                 {"GiB", 1024.0 * 1024 * 1024},
                 {"GB", 1e9}};
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
        if (strcmp(end, units[i].unit) == 0) {
            double b = v * units[i].mult;
            return b >= 1 && b < 9e15 ? (int64_t)b : -1;
        }
    return -1;
}

/* A size field (string with a unit, or an integer of bytes). */
static int get_size(const struct wv_json *node, const char *key, const char *origin,
                    int64_t *out, struct wv_error *err)
{
    const struct wv_json *v = wv_json_get(node, key);
    if (!v || v->type == WV_JSON_NULL)
        return 0;
    int64_t b = -1;
    if (v->type == WV_JSON_STRING || v->type == WV_JSON_NUMBER)
        b = parse_size(v->s);
    if (b < 1024) {
        char msg[160];
        snprintf(msg, sizeof msg, "'%s' must be a size of at least 1KiB (like 128MiB)", key);
        return core_node_error(err, origin, v, msg);
    }
    *out = b;
    return 0;
}

/* One of a fixed set of words. */
static int get_word(const struct wv_json *node, const char *key, const char *origin,
                    const char *const *allowed, char **out, struct wv_error *err)
{
    if (core_get_string(node, key, origin, false, out, err) < 0)
        return -1;
    if (!*out)
        return 0;
    char list[160] = "";
    size_t off = 0;
    for (const char *const *a = allowed; *a; a++) {
        if (strcmp(*a, *out) == 0)
            return 0;
        off += (size_t)snprintf(list + off, sizeof list - off, "%s%s", off ? ", " : "", *a);
    }
    char msg[256];
    snprintf(msg, sizeof msg, "unknown %s '%.40s' (expected one of: %s)", key, *out, list);
    return core_node_error(err, origin, wv_json_get(node, key), msg);
}

/* Splits s3://bucket/prefix into d->bucket, d->prefix. */
static int parse_s3_url(struct core_destination *d, const struct wv_json *at, const char *origin,
                        struct wv_error *err)
{
    const char *b = d->path + 5;
    const char *slash = strchr(b, '/');
    size_t blen = slash ? (size_t)(slash - b) : strlen(b);
    if (blen < 3 || blen > 63 || strspn(b, "abcdefghijklmnopqrstuvwxyz0123456789.-") < blen)
        return core_node_error(err, origin, at,
                               "not an S3 location: use s3://bucket/prefix (bucket: 3-63 "
                               "lowercase letters, digits, '.', '-')");
    d->bucket = wv_strndup(b, blen);
    const char *p = slash ? slash + 1 : "";
    size_t plen = strlen(p);
    while (plen && p[plen - 1] == '/')
        plen--;
    d->prefix = wv_strndup(p, plen);
    if (strstr(d->prefix, "//") || strstr(d->prefix, ".."))
        return core_node_error(err, origin, at, "S3 prefix must not contain '//' or '..'");
    free(d->path);
    d->path = NULL;
    return 0;
}

/* The `s3:` block: structure only (values may be templates, resolved at use). */
static int check_s3_block(const struct wv_json *s3, const char *origin, struct wv_error *err)
{
    static const char *const keys[] = {"endpoint", "region", "access_key_id",
                                       "secret_access_key", "session_token", "profile",
                                       "credentials_file", "parallel", "max_upload_rate", NULL};
    if (s3->type != WV_JSON_OBJECT)
        return core_node_error(err, origin, s3, "'s3' must be a mapping");
    if (core_check_keys(s3, origin, keys, err) < 0)
        return -1;
    for (size_t i = 0; i < s3->len; i++) {
        const struct wv_json *v = s3->items[i];
        bool number_ok = strcmp(s3->keys[i], "parallel") == 0 ||
                         strcmp(s3->keys[i], "max_upload_rate") == 0;
        if (v->type != WV_JSON_STRING && !(number_ok && v->type == WV_JSON_NUMBER)) {
            char msg[128];
            snprintf(msg, sizeof msg, "'%s' must be a string", s3->keys[i]);
            return core_node_error(err, origin, v, msg);
        }
    }
    return 0;
}

/* Parses a destination entry. */
int core_destination_load(const char *name, const struct wv_json *node, const char *origin,
                          const char *root, struct core_destination *d, struct wv_error *err)
{
    static const char *const keys[] = {"type", "path", "format", "compression",
                                       "path_template", "partition_by", "file_size",
                                       "row_group_size", "flatten", "s3", NULL};
    static const char *const types[] = {"local", "s3", NULL};
    static const char *const formats[] = {"parquet", "jsonl", NULL};
    static const char *const codecs[] = {"zstd", "snappy", "gzip", "none", NULL};
    static const char *const parts[] = {"extracted_at", "cursor", NULL};
    d->name = wv_strdup(name);
    d->file = wv_strdup(origin);
    if (node->type != WV_JSON_OBJECT)
        return core_node_error(err, origin, node, "a destination must be a mapping");
    if (core_check_keys(node, origin, keys, err) < 0)
        return -1;
    if (!core_name_ok(name))
        return core_node_error(err, origin, node, "invalid destination name");
    char *part = NULL;
    int rc = 0;
    if (get_word(node, "type", origin, types, &d->type, err) < 0 ||
        get_word(node, "format", origin, formats, &d->format, err) < 0 ||
        get_word(node, "compression", origin, codecs, &d->compression, err) < 0 ||
        get_word(node, "partition_by", origin, parts, &part, err) < 0 ||
        core_get_string(node, "path", origin, true, &d->path, err) < 0 ||
        core_get_string(node, "path_template", origin, false, &d->path_template, err) < 0 ||
        get_size(node, "file_size", origin, &d->file_bytes, err) < 0 ||
        get_size(node, "row_group_size", origin, &d->row_group_bytes, err) < 0)
        rc = -1;
    d->partition_by_cursor = part && strcmp(part, "cursor") == 0;
    free(part);
    if (rc < 0)
        return -1;
    const struct wv_json *fl = wv_json_get(node, "flatten");
    if (fl && fl->type != WV_JSON_BOOL && fl->type != WV_JSON_NULL)
        return core_node_error(err, origin, fl, "'flatten' must be true or false");
    d->flatten = fl && fl->type == WV_JSON_BOOL && fl->b;
    bool is_s3 = strncmp(d->path, "s3://", 5) == 0;
    if (!d->type)
        d->type = wv_strdup(is_s3 ? "s3" : "local");
    if (!d->format)
        d->format = wv_strdup("parquet");
    if (!d->compression)
        d->compression = wv_strdup("zstd");
    const struct wv_json *path_node = wv_json_get(node, "path");
    if (strcmp(d->type, "s3") == 0 && !is_s3)
        return core_node_error(err, origin, path_node, "an s3 destination's path is s3://bucket/prefix");
    if (strcmp(d->type, "local") == 0 && is_s3)
        return core_node_error(err, origin, path_node,
                               "an s3:// path needs type s3 (or leave type out)");
    const struct wv_json *s3 = wv_json_get(node, "s3");
    if (s3 && !is_s3)
        return core_node_error(err, origin, s3, "'s3' settings need an s3:// path");
    if (is_s3) {
        if (strcmp(d->format, "parquet") != 0)
            return core_node_error(err, origin, wv_json_get(node, "format"),
                                   "S3 destinations write parquet (jsonl is local only)");
        if (parse_s3_url(d, path_node, origin, err) < 0)
            return -1;
        if (s3) {
            if (check_s3_block(s3, origin, err) < 0)
                return -1;
            d->s3_node = wv_json_dup(s3);
        }
        return 0;
    }
    char *abs = wv_path_join(root, d->path);
    free(d->path);
    d->path = abs;
    return 0;
}

/* Frees a destination. */
void core_destination_done(struct core_destination *d)
{
    free(d->name);
    free(d->type);
    free(d->format);
    free(d->path);
    free(d->bucket);
    free(d->prefix);
    wv_json_free(d->s3_node);
    free(d->path_template);
    free(d->compression);
    free(d->file);
}

/* Takes a resolved string member into the target's string table. */
static const char *take(struct core_target *t, size_t *k, const struct wv_json *obj,
                        const char *key)
{
    const struct wv_json *v = wv_json_get(obj, key);
    if (!v || v->type != WV_JSON_STRING || !*v->s || *k >= sizeof t->strs / sizeof t->strs[0])
        return NULL;
    t->strs[*k] = wv_strdup(v->s);
    return t->strs[(*k)++];
}

/* Builds the storage target of a destination. */
int core_destination_target(const struct core_workspace *ws, const struct core_destination *d,
                            struct core_target *out, struct wv_error *err)
{
    memset(out, 0, sizeof *out);
    if (d->path) {
        out->t.dir = out->strs[0] = wv_strdup(d->path);
        return 0;
    }
    size_t k = 0;
    out->t.bucket = out->strs[k++] = wv_strdup(d->bucket);
    out->t.prefix = out->strs[k++] = wv_strdup(d->prefix ? d->prefix : "");
    if (!d->s3_node)
        return 0;
    struct wv_json *r = NULL;
    if (core_config_resolve(d->s3_node, d->file, ws->root, &r, err) < 0) {
        core_target_done(out);
        return wv_error_prefix(err, "destination %s", d->name);
    }
    struct stor_s3_config *c = &out->t.s3;
    c->endpoint = take(out, &k, r, "endpoint");
    c->region = take(out, &k, r, "region");
    c->access_key_id = take(out, &k, r, "access_key_id");
    c->secret_access_key = take(out, &k, r, "secret_access_key");
    c->session_token = take(out, &k, r, "session_token");
    c->profile = take(out, &k, r, "profile");
    const char *cf = take(out, &k, r, "credentials_file");
    if (cf && cf[0] != '/') {
        char *abs = wv_path_join(ws->root, cf);
        free(out->strs[k - 1]);
        out->strs[k - 1] = abs;
        cf = abs;
    }
    c->credentials_file = cf;
    const struct wv_json *par = wv_json_get(r, "parallel");
    int rc = 0;
    if (par) {
        long n = strtol(par->s ? par->s : "", NULL, 10);
        if (n < 1 || n > 16) {
            char where[512];
            rc = wv_error_set(err, WV_E_CONFIG, 0, "%s: s3.parallel must be 1 to 16",
                              core_where(d->file, wv_json_get(d->s3_node, "parallel"), where,
                                         sizeof where));
        }
        out->t.parallel = (int)n;
    }
    const struct wv_json *rate = wv_json_get(r, "max_upload_rate");
    if (rc == 0 && rate) {
        c->max_send_speed = parse_size(rate->s ? rate->s : "");
        if (c->max_send_speed < 1024) {
            char where[512];
            rc = wv_error_set(err, WV_E_CONFIG, 0,
                              "%s: s3.max_upload_rate must be bytes per second, at least 1KiB "
                              "(like 50MiB)",
                              core_where(d->file, wv_json_get(d->s3_node, "max_upload_rate"),
                                         where, sizeof where));
        }
    }
    if (rc == 0 && c->endpoint && strncmp(c->endpoint, "http://", 7) != 0 &&
        strncmp(c->endpoint, "https://", 8) != 0) {
        char where[512];
        rc = wv_error_set(err, WV_E_CONFIG, 0, "%s: s3.endpoint must start with http:// or https://",
                          core_where(d->file, wv_json_get(d->s3_node, "endpoint"), where,
                                     sizeof where));
    }
    if (rc == 0 && (!c->access_key_id) != (!c->secret_access_key))
        rc = wv_error_set(err, WV_E_CONFIG, 0,
                          "%s: destination %s: s3 needs both access_key_id and "
                          "secret_access_key (or neither, for the AWS environment/profile)",
                          d->file, d->name);
    wv_json_free(r);
    if (rc < 0)
        core_target_done(out);
    return rc;
}

/* Frees a target's strings. */
void core_target_done(struct core_target *t)
{
    for (size_t i = 0; i < sizeof t->strs / sizeof t->strs[0]; i++)
        free(t->strs[i]);
    memset(t, 0, sizeof *t);
}

/* The zone writer options of a destination. */
void core_destination_zone_options(const struct core_destination *d,
                                   struct stor_zone_options *out)
{
    memset(out, 0, sizeof *out);
    out->path_template = d->path_template;
    out->file_bytes = d->file_bytes;
    out->partition_by_cursor = d->partition_by_cursor;
    out->flatten = d->flatten;
    if (stor_pq_codec_parse(d->compression ? d->compression : "zstd", &out->pq.codec) < 0)
        out->pq.codec = STOR_PQ_ZSTD;
    out->pq.row_group_bytes = d->row_group_bytes;
    out->pq.airbyte_changes = true;
}
