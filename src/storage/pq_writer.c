/* pq_writer.c - weaver's Parquet file writer. Follows apache/parquet-format README.md (file
 * layout: "PAR1", column chunks of pages, FileMetaData, 4-byte little-endian footer length,
 * "PAR1"), parquet.thrift (PageHeader/DataPageHeader v1, Statistics min_value/max_value with
 * the column orders of LogicalTypes.md) and Encodings.md (PLAIN values, RLE/bit-packed hybrid
 * definition levels with a 4-byte length prefix in v1 pages). This file holds the file, its
 * rows and its footer; values are converted in pq_convert.c and buffered, column by column, as
 * pages of the row group in pq_column.c until the row group reaches its byte budget. One
 * thread at a time. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/fs.h"
#include "base/mem.h"
#include "storage/pq_write_int.h"

#define PQ_DEFAULT_PAGE (1 << 20)
#define PQ_DEFAULT_ROW_GROUP ((int64_t)128 << 20)
#define PQ_MAX_FOOTER ((size_t)1 << 30)
#define PQ_DEFAULT_DICT (1 << 20)
#define PQ_MAX_DICT ((int64_t)1 << 30)

static const char *const type_names[] = {
#define STOR_X_PQN(id, text) text,
    STOR_PQ_TYPES(STOR_X_PQN)
#undef STOR_X_PQN
};

/* Type -> name. */
const char *stor_pq_type_name(enum stor_pq_type t)
{
    return type_names[t];
}

/* Type name -> type. */
int stor_pq_type_parse(const char *name, enum stor_pq_type *out)
{
    for (size_t i = 0; i < sizeof type_names / sizeof type_names[0]; i++)
        if (name && strcmp(name, type_names[i]) == 0) {
            *out = (enum stor_pq_type)i;
            return 0;
        }
    return -1;
}

/* Codec name -> codec. */
int stor_pq_codec_parse(const char *name, enum stor_pq_codec *out)
{
    static const struct {
        const char *n;
        enum stor_pq_codec c;
    } t[] = {{"none", STOR_PQ_UNCOMPRESSED},
             {"uncompressed", STOR_PQ_UNCOMPRESSED},
             {"snappy", STOR_PQ_SNAPPY},
             {"gzip", STOR_PQ_GZIP},
             {"zstd", STOR_PQ_ZSTD}};
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
        if (name && strcmp(name, t[i].n) == 0) {
            *out = t[i].c;
            return 0;
        }
    return -1;
}

/* Physical type, converted type and logical type of a column type. */
static struct pq_schema_col schema_of(const struct stor_pq_column *c)
{
    struct pq_schema_col s = {c->name, PQ_T_BYTE_ARRAY, c->optional, PQ_CONV_NONE, PQ_LT_NONE};
    switch (c->type) {
    case STOR_PQ_INT64:
        s.type = PQ_T_INT64;
        break;
    case STOR_PQ_DOUBLE:
        s.type = PQ_T_DOUBLE;
        break;
    case STOR_PQ_BOOLEAN:
        s.type = PQ_T_BOOLEAN;
        break;
    case STOR_PQ_STRING:
        s.conv = PQ_CONV_UTF8;
        s.logical = PQ_LT_STRING;
        break;
    case STOR_PQ_TIMESTAMP:
        s.type = PQ_T_INT64, s.conv = PQ_CONV_TIMESTAMP_MICROS, s.logical = PQ_LT_TIMESTAMP;
        break;
    case STOR_PQ_DATE:
        s.type = PQ_T_INT32, s.conv = PQ_CONV_DATE, s.logical = PQ_LT_DATE;
        break;
    case STOR_PQ_JSON:
        s.conv = PQ_CONV_JSON, s.logical = PQ_LT_JSON;
        break;
    }
    return s;
}

/* Appends to the buffered output, writing it to the file past the flush size; a large block
 * goes to the file directly, after what is buffered. */
int stor_pq_out_write(struct stor_pq_writer *w, const void *p, size_t n, bool force,
                      struct wv_error *err)
{
    w->offset += (int64_t)n;
    if (n >= PQ_OUT_FLUSH) {
        if ((w->out.len && wv_fs_write_all(w->fd, w->out.data, w->out.len, w->tmp_path, err) < 0) ||
            wv_fs_write_all(w->fd, p, n, w->tmp_path, err) < 0)
            return -1;
        wv_buf_reset(&w->out);
        return 0;
    }
    if (n && wv_buf_append(&w->out, p, n, err) < 0)
        return -1;
    if (w->out.len >= PQ_OUT_FLUSH || (force && w->out.len)) {
        if (wv_fs_write_all(w->fd, w->out.data, w->out.len, w->tmp_path, err) < 0)
            return -1;
        wv_buf_reset(&w->out);
    }
    return 0;
}

/* Checks the column list before anything is created. */
static int check_columns(const struct stor_pq_column *cols, size_t n, struct wv_error *err)
{
    if (n == 0 || n > STOR_PQ_MAX_COLUMNS)
        return wv_error_set(err, WV_E_USAGE, 0, "parquet: %zu columns (need 1 to %d)", n,
                            STOR_PQ_MAX_COLUMNS);
    for (size_t i = 0; i < n; i++) {
        if (!cols[i].name || !cols[i].name[0])
            return wv_error_set(err, WV_E_USAGE, 0, "parquet: column %zu has no name", i + 1);
        if ((unsigned)cols[i].type >= sizeof type_names / sizeof type_names[0])
            return wv_error_set(err, WV_E_USAGE, 0, "parquet: column \"%s\": bad type",
                                cols[i].name);
        for (size_t j = 0; j < i; j++)
            if (strcmp(cols[i].name, cols[j].name) == 0)
                return wv_error_set(err, WV_E_USAGE, 0, "parquet: duplicate column \"%s\"",
                                    cols[i].name);
    }
    return 0;
}

/* Opens the temp file and sets up the columns. */
struct stor_pq_writer *stor_pq_open(const char *path, const struct stor_pq_column *cols,
                                    size_t n_cols, const struct stor_pq_options *opts,
                                    struct wv_error *err)
{
    if (check_columns(cols, n_cols, err) < 0)
        return NULL;
    struct stor_pq_writer *w = wv_calloc(1, sizeof *w);
    w->fd = -1;
    w->path = wv_strdup(path);
    w->tmp_path = wv_asprintf("%s.tmp.%ld", path, (long)getpid());
    w->codec = opts ? opts->codec : STOR_PQ_UNCOMPRESSED;
    w->rg_budget = opts && opts->row_group_bytes > 0 ? opts->row_group_bytes : PQ_DEFAULT_ROW_GROUP;
    w->page_bytes = opts && opts->page_bytes > 0 ? opts->page_bytes : PQ_DEFAULT_PAGE;
    w->dict_budget = opts && opts->dictionary_bytes > 0 ? opts->dictionary_bytes : PQ_DEFAULT_DICT;
    w->dictionary = !(opts && opts->no_dictionary);
    w->meta_col = -1;
    for (size_t i = 0; opts && opts->airbyte_changes && i < n_cols; i++)
        if (strcmp(cols[i].name, "_airbyte_meta") == 0 && cols[i].type == STOR_PQ_JSON)
            w->meta_col = (int64_t)i;
    w->nulled = wv_calloc(n_cols, sizeof *w->nulled);
    if (w->dict_budget > PQ_MAX_DICT)
        w->dict_budget = PQ_MAX_DICT;
    w->cz = stor_pq_codec_new(w->codec);
    w->n_cols = n_cols;
    w->cols = wv_calloc(n_cols, sizeof *w->cols);
    w->row = wv_calloc(n_cols, sizeof *w->row);
    w->vals = wv_calloc(n_cols, sizeof *w->vals);
    for (size_t i = 0; i < n_cols; i++) {
        struct pq_col *c = &w->cols[i];
        c->name = wv_strdup(cols[i].name);
        c->type = cols[i].type;
        c->optional = cols[i].optional;
        c->schema = schema_of(&cols[i]);
        c->schema.name = c->name;
        c->dict_on = w->dictionary && c->schema.type != PQ_T_BOOLEAN;
        stor_pq_dict_init(&c->dict, c->schema.type == PQ_T_BYTE_ARRAY);
    }
    w->fd = open(w->tmp_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (w->fd < 0) {
        wv_error_errno(err, errno, "parquet: open %s", w->tmp_path);
        stor_pq_free(w);
        return NULL;
    }
    if (stor_pq_out_write(w, "PAR1", 4, false, err) < 0) {
        stor_pq_free(w);
        return NULL;
    }
    return w;
}

/* Adds a footer key-value entry. */
int stor_pq_add_kv(struct stor_pq_writer *w, const char *key, const char *value,
                   struct wv_error *err)
{
    if (!key || w->closed)
        return wv_error_set(err, WV_E_USAGE, 0, "parquet: bad key-value metadata");
    w->kv = wv_realloc(w->kv, (w->n_kv + 1) * sizeof *w->kv);
    w->kv[w->n_kv].key = wv_strdup(key);
    w->kv[w->n_kv].value = wv_strdup(value);
    w->n_kv++;
    return 0;
}

/* Converts value i; with a _airbyte_meta column, a value that does not fit its optional column
 * becomes null and is remembered for _airbyte_meta.changes instead of failing the row (and a
 * null _airbyte_meta is {"changes":[]}). */
static int convert_or_null(struct stor_pq_writer *w, size_t i, const struct wv_json *j,
                           struct wv_error *err)
{
    struct wv_error e;
    wv_error_clear(&e);
    if ((int64_t)i == w->meta_col && (!j || j->type == WV_JSON_NULL)) {
        static const char empty_meta[] = "{\"changes\":[]}"; /* Airbyte's default */
        memset(&w->row[i], 0, sizeof w->row[i]);
        w->row[i].s = empty_meta, w->row[i].n = sizeof empty_meta - 1;
        return 0;
    }
    if (stor_pq_convert(w, &w->cols[i], j, &w->row[i], &e) == 0)
        return 0;
    if (w->meta_col >= 0 && (int64_t)i != w->meta_col && w->cols[i].optional &&
        e.code == WV_E_PARSE) {
        memset(&w->row[i], 0, sizeof w->row[i]);
        w->row[i].null = true;
        w->nulled[w->n_nulled++] = i;
        return 0;
    }
    return wv_error_set(err, e.code, e.detail, "%s", e.msg);
}

/* Rewrites the row's _airbyte_meta (given: the caller's value) with one change per NULLED
 * column, as Airbyte destinations record them. */
static int record_changes(struct stor_pq_writer *w, const struct wv_json *given,
                          struct wv_error *err)
{
    struct wv_json *meta =
        given && given->type == WV_JSON_OBJECT ? wv_json_dup(given) : wv_json_object();
    struct wv_json *changes = wv_json_get(meta, "changes");
    if (!changes || changes->type != WV_JSON_ARRAY) {
        changes = wv_json_array();
        wv_json_set(meta, "changes", changes);
    }
    for (size_t k = 0; k < w->n_nulled; k++) {
        struct wv_json *c = wv_json_object();
        wv_json_set(c, "field", wv_json_str(w->cols[w->nulled[k]].name));
        wv_json_set(c, "change", wv_json_str("NULLED"));
        wv_json_set(c, "reason", wv_json_str("DESTINATION_SERIALIZATION_ERROR"));
        wv_json_push(changes, c);
    }
    wv_buf_reset(&w->meta);
    int rc = wv_json_write(&w->meta, meta, err);
    wv_json_free(meta);
    if (rc < 0)
        return -1;
    struct pq_val *v = &w->row[w->meta_col];
    memset(v, 0, sizeof *v);
    v->s = wv_buf_cstr(&w->meta), v->n = w->meta.len;
    return 0;
}

/* Converts the whole row first (so a bad value leaves nothing behind), then appends it. */
int stor_pq_write_row(struct stor_pq_writer *w, const struct wv_json *const *values, size_t n,
                      struct wv_error *err)
{
    if (w->closed)
        return wv_error_set(err, WV_E_USAGE, 0, "parquet: write after close");
    if (n != w->n_cols)
        return wv_error_set(err, WV_E_USAGE, 0,
                            "parquet: row %lld has %zu values for %zu "
                            "columns",
                            (long long)(w->rows + 1), n, w->n_cols);
    w->n_nulled = 0;
    for (size_t i = 0; i < n; i++)
        if ((w->meta_col < 0 ? stor_pq_convert(w, &w->cols[i], values[i], &w->row[i], err)
                             : convert_or_null(w, i, values[i], err)) < 0)
            return -1;
    if (w->n_nulled && record_changes(w, values[w->meta_col], err) < 0)
        return -1;
    for (size_t i = 0; i < n; i++)
        if (stor_pq_col_append(w, &w->cols[i], &w->row[i], err) < 0)
            return -1;
    w->rows++;
    w->rg_rows++;
    if (w->rg_bytes >= w->rg_budget)
        return stor_pq_flush_row_group(w, err);
    return 0;
}

/* Looks each column up by name in obj, first where the previous column's name was found plus
 * one (records of a stream usually list their members in one order; keys are unique). */
int stor_pq_write_object(struct stor_pq_writer *w, const struct wv_json *obj, struct wv_error *err)
{
    if (!obj || obj->type != WV_JSON_OBJECT)
        return wv_error_set(err, WV_E_PARSE, 0, "row %lld: not a JSON object",
                            (long long)(w->rows + 1));
    size_t hint = 0;
    for (size_t i = 0; i < w->n_cols; i++) {
        const char *name = w->cols[i].name;
        if (hint < obj->len && obj->keys && strcmp(obj->keys[hint], name) == 0) {
            w->vals[i] = obj->items[hint++];
            continue;
        }
        w->vals[i] = wv_json_get(obj, name);
        if (w->vals[i])
            for (hint = 0; obj->items[hint] != w->vals[i]; hint++)
                ;
        hint += w->vals[i] != NULL;
    }
    return stor_pq_write_row(w, w->vals, w->n_cols, err);
}

int64_t stor_pq_rows(const struct stor_pq_writer *w)
{
    return w->rows;
}
int64_t stor_pq_row_groups(const struct stor_pq_writer *w)
{
    return (int64_t)w->n_rgs;
}

/* Laid-out bytes plus the buffered row group: compressed chunks as they are, open pages and
 * dictionaries scaled by the compression ratio seen so far. */
int64_t stor_pq_bytes(const struct stor_pq_writer *w)
{
    int64_t done = 0, open = 0;
    for (size_t i = 0; i < w->n_cols; i++) {
        const struct pq_col *c = &w->cols[i];
        done += (int64_t)c->chunk.len;
        open += (int64_t)(c->values.len + c->n_levels / 8 + c->dict.plain.len);
        if (c->n_idx)
            open += (int64_t)c->n_idx * stor_pq_bit_width(c->dict.n ? c->dict.n - 1 : 0) / 8;
    }
    if (w->z_in > 0)
        open = (int64_t)((double)open * (double)w->z_out / (double)w->z_in);
    return w->offset + done + open;
}

/* Last row group, footer, length, magic; then fsync and rename into place. */
int stor_pq_close(struct stor_pq_writer *w, struct wv_error *err)
{
    if (w->closed)
        return wv_error_set(err, WV_E_USAGE, 0, "parquet: closed twice");
    if (stor_pq_flush_row_group(w, err) < 0)
        return wv_error_prefix(err, "%s", w->path);
    struct pq_schema_col *cols = wv_calloc(w->n_cols, sizeof *cols);
    for (size_t i = 0; i < w->n_cols; i++)
        cols[i] = w->cols[i].schema;
    struct pq_file_meta m = {cols,     w->n_cols, w->rows, w->rgs,
                             w->n_rgs, w->kv,     w->n_kv, "weaver version " WEAVER_VERSION};
    struct wv_buf footer;
    wv_buf_init(&footer, PQ_MAX_FOOTER);
    int rc = stor_pq_thrift_file_meta(&footer, &m, err);
    free(cols);
    uint8_t tail[8];
    pq_le32(tail, (uint32_t)footer.len);
    memcpy(tail + 4, "PAR1", 4);
    if (rc == 0)
        rc = stor_pq_out_write(w, footer.data, footer.len, false, err);
    if (rc == 0)
        rc = stor_pq_out_write(w, tail, 8, true, err);
    wv_buf_done(&footer);
    if (rc == 0)
        rc = wv_fs_fsync_fd(w->fd, w->tmp_path, err);
    if (rc == 0 && close(w->fd) < 0)
        rc = wv_error_errno(err, errno, "parquet: close %s", w->tmp_path);
    w->fd = -1;
    if (rc == 0)
        rc = wv_fs_rename_durable(w->tmp_path, w->path, err);
    if (rc < 0)
        return wv_error_prefix(err, "%s", w->path);
    w->closed = true;
    return 0;
}

/* Frees everything; removes the temp file unless the writer was closed. */
void stor_pq_free(struct stor_pq_writer *w)
{
    if (!w)
        return;
    if (w->fd >= 0)
        close(w->fd);
    if (!w->closed && w->tmp_path)
        unlink(w->tmp_path);
    for (size_t i = 0; i < w->n_rgs; i++)
        stor_pq_row_group_free(&w->rgs[i], w->n_cols);
    free(w->rgs);
    for (size_t i = 0; i < w->n_cols; i++) {
        struct pq_col *c = &w->cols[i];
        free(c->name);
        free(c->levels);
        free(c->idx);
        stor_pq_dict_done(&c->dict);
        wv_buf_done(&c->values);
        wv_buf_done(&c->chunk);
        wv_buf_done(&c->smin);
        wv_buf_done(&c->smax);
        wv_buf_done(&c->tmp);
    }
    for (size_t i = 0; i < w->n_kv; i++) {
        free((void *)(uintptr_t)w->kv[i].key);
        free((void *)(uintptr_t)w->kv[i].value);
    }
    free(w->kv);
    free(w->cols);
    free(w->row);
    free(w->vals);
    free(w->nulled);
    wv_buf_done(&w->meta);
    stor_pq_codec_free(w->cz);
    wv_buf_done(&w->out);
    wv_buf_done(&w->page);
    wv_buf_done(&w->zpage);
    wv_buf_done(&w->hdr);
    free(w->path);
    free(w->tmp_path);
    free(w);
}
