/* cmd_parquet.c - `weaver parquet write --schema S.json [--compression C] [--row-group-bytes N]
 * [--dictionary on|off] [--dictionary-bytes N] IN.jsonl OUT.parquet`: converts JSON lines (one
 * object per line) to a Parquet file with weaver's own writer. The schema file is
 * {"columns":[{"name":"id","type":"int64","optional":false}, ...]} with types int64, double,
 * boolean, string, timestamp, date, json. `weaver parquet inspect [--rows N] FILE` describes a
 * file with storage's reader. Caller's thread. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "base/arena.h"
#include "base/clock.h"
#include "base/mem.h"
#include "core/cmd_int.h"
#include "storage/storage.h"

#define SCHEMA_MAX (4u << 20)
#define LINE_MAX_BYTES ((size_t)256 << 20)

/* Reads weaver's column list (names borrowed from doc). */
static int load_column_list(const char *path, struct wv_json **doc, struct stor_pq_column **cols,
                            size_t *n, struct wv_error *err)
{
    struct wv_json *list = wv_json_get(*doc, "columns");
    if (!list || list->type != WV_JSON_ARRAY || list->len == 0 || list->len > STOR_PQ_MAX_COLUMNS)
        return wv_error_set(err, WV_E_CONFIG, 0,
                            "%s: \"columns\" must be a non-empty array "
                            "(at most %d)",
                            path, STOR_PQ_MAX_COLUMNS);
    *cols = wv_calloc(list->len, sizeof **cols);
    *n = list->len;
    for (size_t i = 0; i < list->len; i++) {
        struct wv_json *c = list->items[i];
        const char *name = wv_json_get_str(c, "name"), *type = wv_json_get_str(c, "type");
        bool opt = false;
        if (!name || !type || wv_json_get_bool(c, "optional", false, &opt) < 0)
            return wv_error_set(err, WV_E_CONFIG, 0,
                                "%s:%u:%u: a column needs \"name\", "
                                "\"type\" and an optional boolean \"optional\"",
                                path, c->line, c->col);
        if (stor_pq_type_parse(type, &(*cols)[i].type) < 0)
            return wv_error_set(err, WV_E_CONFIG, 0,
                                "%s:%u:%u: unknown type \"%s\" (int64, "
                                "double, boolean, string, timestamp, date, json)",
                                path, c->line, c->col, type);
        (*cols)[i].name = name;
        (*cols)[i].optional = opt;
    }
    return 0;
}

/* Reads the schema file: weaver's {"columns":[...]} or a stream's JSON schema (then *owned:
 * the names are owned by *cols, free with stor_pq_columns_free). */
static int load_schema(const char *path, bool airbyte_meta, struct wv_json **doc,
                       struct stor_pq_column **cols, size_t *n, bool *owned, struct wv_error *err)
{
    *owned = false;
    *doc = wv_json_parse_file(path, SCHEMA_MAX, err);
    if (!*doc)
        return -1;
    if (!wv_json_get(*doc, "properties"))
        return load_column_list(path, doc, cols, n, err);
    *owned = true;
    if (stor_pq_columns_from_json_schema(*doc, airbyte_meta, cols, n, err) < 0)
        return wv_error_prefix(err, "%s", path);
    return 0;
}

/* A random (version 4) UUID as a JSON string (caller frees). */
static struct wv_json *new_uuid(struct wv_error *err)
{
    uint8_t b[16];
    if (getrandom(b, sizeof b, 0) != (ssize_t)sizeof b) {
        wv_error_errno(err, errno, "getrandom");
        return NULL;
    }
    b[6] = (uint8_t)((b[6] & 0x0f) | 0x40);
    b[8] = (uint8_t)((b[8] & 0x3f) | 0x80);
    char t[37];
    snprintf(t, sizeof t, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
             b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13],
             b[14], b[15]);
    return wv_json_str(t);
}

/* Values Airbyte's meta columns take when a record does not carry them. */
struct meta_fill {
    bool on;
    const struct stor_pq_column *cols; /* borrowed */
    size_t n_cols;
    struct wv_json *extracted_at, *meta; /* the run's start time; {"changes":[]} */
};

/* Writes one record, filling missing meta columns (a new _airbyte_raw_id per record). */
static int write_record(struct stor_pq_writer *w, const struct meta_fill *f,
                        const struct wv_json *obj, struct wv_error *err)
{
    if (!f->on || !obj || obj->type != WV_JSON_OBJECT)
        return stor_pq_write_object(w, obj, err);
    const struct wv_json **vals = wv_calloc(f->n_cols, sizeof *vals);
    struct wv_json *raw_id = NULL;
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < f->n_cols; i++) {
        const char *name = f->cols[i].name;
        vals[i] = wv_json_get(obj, name);
        if (vals[i])
            continue;
        if (strcmp(name, "_airbyte_raw_id") == 0)
            rc = (vals[i] = raw_id = new_uuid(err)) ? 0 : -1;
        else if (strcmp(name, "_airbyte_extracted_at") == 0)
            vals[i] = f->extracted_at;
        else if (strcmp(name, "_airbyte_meta") == 0)
            vals[i] = f->meta;
    }
    if (rc == 0)
        rc = stor_pq_write_row(w, vals, f->n_cols, err);
    wv_json_free(raw_id);
    free(vals);
    return rc;
}

/* Reads options from the flags. */
static int parse_options(int argc, char **argv, struct stor_pq_options *o, struct wv_error *err)
{
    const char *codec = NULL, *rg = NULL, *dict = NULL, *dict_bytes = NULL;
    memset(o, 0, sizeof *o);
    if (core_cmd_opt(argc, argv, "--compression", &codec, err) < 0 ||
        core_cmd_opt(argc, argv, "--row-group-bytes", &rg, err) < 0 ||
        core_cmd_opt(argc, argv, "--dictionary", &dict, err) < 0 ||
        core_cmd_opt(argc, argv, "--dictionary-bytes", &dict_bytes, err) < 0)
        return -1;
    if (dict && strcmp(dict, "on") != 0 && strcmp(dict, "off") != 0)
        return wv_error_set(err, WV_E_USAGE, 0, "--dictionary: \"%s\" is not on or off", dict);
    o->no_dictionary = dict && strcmp(dict, "off") == 0;
    if (dict_bytes &&
        (wv_parse_i64(dict_bytes, &o->dictionary_bytes) < 0 || o->dictionary_bytes < 1))
        return wv_error_set(err, WV_E_USAGE, 0,
                            "--dictionary-bytes: \"%s\" is not a positive number", dict_bytes);
    if (codec && stor_pq_codec_parse(codec, &o->codec) < 0)
        return wv_error_set(err, WV_E_USAGE, 0,
                            "--compression: \"%s\" is not one of zstd, "
                            "snappy, gzip, none",
                            codec);
    if (rg && (wv_parse_i64(rg, &o->row_group_bytes) < 0 || o->row_group_bytes < 1))
        return wv_error_set(err, WV_E_USAGE, 0,
                            "--row-group-bytes: \"%s\" is not a positive "
                            "number",
                            rg);
    return 0;
}

/* Lines of a stream read in large blocks: each line is borrowed from the block (no copy), a
 * line that crosses a block end is moved to the front and the buffer grows up to the line cap. */
struct line_reader {
    FILE *in;
    char *buf;
    size_t cap, start, end; /* unread bytes: buf[start..end) */
    bool eof;
};

#define READ_BLOCK ((size_t)1 << 20)

/* The next line (with its newline, if any) at *line, *len; 0 at the end, -1 on a line past
 * LINE_MAX_BYTES (*len is then how much of it was seen) or a read error (ferror). */
static int next_line(struct line_reader *r, const char **line, size_t *len)
{
    size_t scanned = 0;
    for (;;) {
        char *nl = memchr(r->buf + r->start + scanned, '\n', r->end - r->start - scanned);
        if (nl || (r->eof && r->end > r->start)) {
            *line = r->buf + r->start;
            *len = nl ? (size_t)(nl - *line) + 1 : r->end - r->start;
            r->start += *len;
            return *len > LINE_MAX_BYTES ? -1 : 1;
        }
        if (r->eof || ferror(r->in))
            return ferror(r->in) ? -1 : 0;
        scanned = r->end - r->start;
        if (scanned > LINE_MAX_BYTES) {
            *len = scanned;
            return -1;
        }
        if (r->start && scanned)
            memmove(r->buf, r->buf + r->start, scanned);
        r->start = 0, r->end = scanned;
        if (r->cap - r->end < READ_BLOCK) {
            r->cap *= 2;
            r->buf = wv_realloc(r->buf, r->cap);
        }
        size_t got = fread(r->buf + r->end, 1, r->cap - r->end, r->in);
        r->end += got;
        r->eof = got == 0 && !ferror(r->in);
    }
}

/* Whether a line holds only whitespace. */
static bool blank(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r' && s[i] != '\n')
            return false;
    return true;
}

/* Streams the JSON lines of in into w; blank lines are skipped. Every line is parsed into one
 * arena, emptied (its largest chunk kept) before the next; a line that does not parse is parsed
 * again with its line number as origin for the message. */
static int copy_lines(const char *in_path, FILE *in, struct stor_pq_writer *w,
                      const struct meta_fill *fill, struct wv_error *err)
{
    struct line_reader r = {in, wv_malloc(2 * READ_BLOCK), 2 * READ_BLOCK, 0, 0, false};
    long lineno = 0;
    int rc = 0, got;
    const char *line;
    size_t len;
    struct wv_arena *arena = wv_arena_new(64 << 10);
    while (rc == 0 && (got = next_line(&r, &line, &len)) != 0) {
        lineno++;
        if (got < 0 && ferror(in)) {
            rc = wv_error_errno(err, errno, "read %s", in_path);
            break;
        }
        if (got < 0) {
            rc = wv_error_set(err, WV_E_LIMIT, 0, "%s:%ld: line longer than %zu bytes", in_path,
                              lineno, LINE_MAX_BYTES);
            break;
        }
        if (blank(line, len))
            continue;
        wv_arena_reset(arena);
        struct wv_json *j = wv_json_parse_in(arena, line, len, "line", NULL);
        if (!j) {
            char origin[64];
            snprintf(origin, sizeof origin, "line %ld", lineno);
            wv_arena_reset(arena);
            j = wv_json_parse_in(arena, line, len, origin, err);
        }
        if (!j || write_record(w, fill, j, err) < 0)
            rc = wv_error_prefix(err, "%s:%ld", in_path, lineno);
    }
    wv_arena_free(arena);
    free(r.buf);
    return rc;
}

/* `weaver parquet write`. */
int core_cmd_parquet_write(const struct core_cmd_env *env, int argc, char **argv,
                           struct wv_error *err)
{
    const char *schema = NULL, *in_path = core_cmd_arg(argc, argv, 0), *meta = NULL;
    const char *out_path = core_cmd_arg(argc, argv, 1);
    struct stor_pq_options opts;
    if (core_cmd_opt(argc, argv, "--schema", &schema, err) < 0 ||
        core_cmd_opt(argc, argv, "--airbyte-meta", &meta, err) < 0 ||
        parse_options(argc, argv, &opts, err) < 0)
        return -1;
    if (!schema)
        return wv_error_set(err, WV_E_USAGE, 0, "--schema S.json is required");
    if (meta && strcmp(meta, "on") != 0 && strcmp(meta, "off") != 0)
        return wv_error_set(err, WV_E_USAGE, 0, "--airbyte-meta: \"%s\" is not on or off", meta);
    struct wv_json *doc = NULL;
    struct stor_pq_column *cols = NULL;
    size_t n = 0;
    struct stor_pq_writer *w = NULL;
    FILE *in = NULL;
    bool owned = false;
    struct meta_fill fill = {!(meta && strcmp(meta, "off") == 0), NULL, 0, NULL, NULL};
    int rc = load_schema(schema, fill.on, &doc, &cols, &n, &owned, err);
    fill.on = fill.on && owned; /* meta columns come with JSON schemas only */
    fill.cols = cols, fill.n_cols = n;
    opts.airbyte_changes = fill.on;
    if (fill.on) {
        char ts[40];
        fill.extracted_at =
            wv_json_str(wv_time_iso(wv_clock_now_ms(wv_clock_system()), ts, sizeof ts));
        fill.meta = wv_json_object();
        wv_json_set(fill.meta, "changes", wv_json_array());
    }
    if (rc == 0 && !(in = strcmp(in_path, "-") == 0 ? stdin : fopen(in_path, "r")))
        rc = wv_error_errno(err, errno, "open %s", in_path);
    if (rc == 0 && !(w = stor_pq_open(out_path, cols, n, &opts, err)))
        rc = -1;
    if (rc == 0) {
        char *text = wv_json_to_string(doc);
        rc = stor_pq_add_kv(w, "weaver.schema", text, err);
        free(text);
    }
    if (rc == 0)
        rc = copy_lines(in_path, in, w, &fill, err);
    if (rc == 0)
        rc = stor_pq_close(w, err);
    if (rc == 0)
        core_printf(&env->out, "wrote %lld rows in %lld row groups to %s\n",
                    (long long)stor_pq_rows(w), (long long)stor_pq_row_groups(w), out_path);
    if (in && in != stdin)
        fclose(in);
    stor_pq_free(w);
    if (owned)
        stor_pq_columns_free(cols, n);
    else
        free(cols);
    wv_json_free(fill.extracted_at);
    wv_json_free(fill.meta);
    wv_json_free(doc);
    return rc;
}

/* `weaver parquet inspect`. */
int core_cmd_parquet_inspect(const struct core_cmd_env *env, int argc, char **argv,
                             struct wv_error *err)
{
    const char *rows = NULL, *path = core_cmd_arg(argc, argv, 0);
    int64_t n = 5;
    if (core_cmd_opt(argc, argv, "--rows", &rows, err) < 0)
        return -1;
    if (rows && (wv_parse_i64(rows, &n) < 0 || n < 0))
        return wv_error_set(err, WV_E_USAGE, 0, "--rows: \"%s\" is not a number >= 0", rows);
    struct wv_buf out = WV_BUF_INIT;
    int rc = stor_pq_inspect(path, n, &out, err);
    if (out.len)
        core_write(&env->out, out.data, out.len);
    wv_buf_done(&out);
    return rc;
}
