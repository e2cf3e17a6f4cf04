/* pq_writer.c - weaver's Parquet file writer. Follows apache/parquet-format README.md (file
 * layout: "PAR1", column chunks of pages, FileMetaData, 4-byte little-endian footer length,
 * "PAR1"), parquet.thrift (PageHeader/DataPageHeader v1, Statistics min_value/max_value with
 * the column orders of LogicalTypes.md) and Encodings.md (PLAIN values, RLE/bit-packed hybrid
 * definition levels with a 4-byte length prefix in v1 pages). A row group is buffered in
 * memory column by column and written out when it reaches its byte budget. One thread at a
 * time. */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/fs.h"
#include "base/mem.h"
#include "storage/pq_int.h"
#include "storage/storage.h"

#define PQ_OUT_FLUSH (1u << 20)
#define PQ_DEFAULT_PAGE (1 << 20)
#define PQ_DEFAULT_ROW_GROUP ((int64_t)128 << 20)
#define PQ_STATS_MAX 4096 /* byte-array min/max longer than this are left out */
#define PQ_MAX_FOOTER ((size_t)1 << 30)
#define PQ_DEFAULT_DICT (1 << 20)
#define PQ_MAX_DICT ((int64_t)1 << 30)

/* One column: the open page, the current row group's chunk and its statistics. */
struct pq_col {
    char *name;
    enum stor_pq_type type;
    bool optional;
    struct pq_schema_col schema;
    struct wv_buf values; /* PLAIN values of the open page */
    uint8_t *levels;      /* definition levels of the open page */
    size_t n_levels, cap_levels;
    size_t n_bools;      /* BOOLEAN values in the open page (bit position) */
    size_t page_count;   /* values (nulls included) in the open page */
    struct wv_buf chunk; /* page headers and pages of this row group */
    int64_t chunk_values, chunk_nulls, chunk_uncompressed;
    bool has_minmax; /* statistics of the chunk */
    int64_t imin, imax;
    double dmin, dmax;
    struct wv_buf smin, smax;
    struct wv_buf tmp; /* the row being converted: text of a JSON value */
    /* dictionary of the current chunk (Encodings.md "Dictionary Encoding") */
    bool dict_on;     /* values of the open page go to the dictionary */
    bool chunk_plain; /* the chunk has PLAIN data pages */
    struct pq_dict dict;
    uint32_t *idx; /* dictionary indices of the open page */
    size_t n_idx, cap_idx;
};

/* A converted value of the row being written. */
struct pq_val {
    bool null, b;
    int64_t i;
    double d;
    const char *s;
    size_t n;
};

struct stor_pq_writer {
    char *path, *tmp_path;
    int fd;
    struct pq_col *cols;
    size_t n_cols;
    struct pq_val *row;
    enum stor_pq_codec codec;
    struct pq_codec_ctx *cz;
    int64_t rg_budget, page_bytes, dict_budget;
    bool dictionary;
    int64_t meta_col; /* _airbyte_meta when misfits are recorded there, else -1 */
    size_t *nulled;   /* columns NULLED in the row being written */
    size_t n_nulled;
    struct wv_buf meta; /* the row's rewritten _airbyte_meta */
    struct wv_buf out;  /* buffered file output */
    int64_t offset;     /* bytes of the file so far (written + buffered) */
    struct wv_buf page, zpage, hdr;
    int64_t rows, rg_rows, rg_bytes;
    struct pq_row_group_meta *rgs;
    size_t n_rgs, cap_rgs;
    struct pq_kv *kv;
    size_t n_kv;
    bool closed;
};

static const char *const type_names[] = {
#define STOR_X_PQN(id, text) text,
    STOR_PQ_TYPES(STOR_X_PQN)
#undef STOR_X_PQN
};

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

/* Appends to the buffered output, writing it to the file past the flush size. */
static int out_write(struct stor_pq_writer *w, const void *p, size_t n, bool force,
                     struct wv_error *err)
{
    if (n && wv_buf_append(&w->out, p, n, err) < 0)
        return -1;
    w->offset += (int64_t)n;
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
    if (out_write(w, "PAR1", 4, false, err) < 0) {
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

/* Whether s[0..n) is valid UTF-8 (no overlongs, surrogates or values past U+10FFFF). */
static bool utf8_valid(const unsigned char *s, size_t n)
{
    for (size_t i = 0; i < n;) {
        unsigned c = s[i];
        size_t k = c < 0x80             ? 0
                   : (c & 0xE0) == 0xC0 ? 1
                   : (c & 0xF0) == 0xE0 ? 2
                   : (c & 0xF8) == 0xF0 ? 3
                                        : 9;
        if (k == 9 || i + k >= n + (k == 0))
            return false;
        uint32_t cp = k == 0 ? c : c & (0x3Fu >> k);
        for (size_t j = 1; j <= k; j++) {
            if ((s[i + j] & 0xC0) != 0x80)
                return false;
            cp = cp << 6 | (s[i + j] & 0x3F);
        }
        static const uint32_t min_cp[] = {0, 0x80, 0x800, 0x10000};
        if (cp < min_cp[k] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return false;
        i += k + 1;
    }
    return true;
}

/* Converts one JSON value for column c into v; -1 with a message naming column and row. */
static int convert(struct stor_pq_writer *w, struct pq_col *c, const struct wv_json *j,
                   struct pq_val *v, struct wv_error *err)
{
    memset(v, 0, sizeof *v);
    int64_t row = w->rows + 1;
    if (!j || j->type == WV_JSON_NULL) {
        if (!c->optional)
            return wv_error_set(err, WV_E_PARSE, 0,
                                "column \"%s\", row %lld: null in a "
                                "required column",
                                c->name, (long long)row);
        v->null = true;
        return 0;
    }
    const char *want = type_names[c->type];
    bool ok = false;
    switch (c->type) {
    case STOR_PQ_INT64:
        ok = wv_json_as_i64(j, &v->i) == 0;
        break;
    case STOR_PQ_DOUBLE:
        ok = wv_json_as_double(j, &v->d) == 0 && isfinite(v->d);
        break;
    case STOR_PQ_BOOLEAN:
        ok = j->type == WV_JSON_BOOL;
        v->b = j->b;
        break;
    case STOR_PQ_STRING:
        ok = j->type == WV_JSON_STRING && utf8_valid((const unsigned char *)j->s, j->slen);
        v->s = j->s, v->n = j->slen;
        break;
    case STOR_PQ_TIMESTAMP:
        ok = j->type == WV_JSON_STRING && stor_pq_parse_timestamp_us(j->s, j->slen, &v->i) == 0;
        break;
    case STOR_PQ_DATE: {
        int32_t d = 0;
        ok = j->type == WV_JSON_STRING && stor_pq_parse_date(j->s, j->slen, &d) == 0;
        v->i = d;
        break;
    }
    case STOR_PQ_JSON:
        wv_buf_reset(&c->tmp);
        ok = wv_json_write(&c->tmp, j, NULL) == 0;
        v->s = wv_buf_cstr(&c->tmp), v->n = c->tmp.len;
        break;
    }
    if (!ok &&
        (c->type == STOR_PQ_STRING || c->type == STOR_PQ_TIMESTAMP || c->type == STOR_PQ_DATE) &&
        j->type == WV_JSON_STRING)
        return wv_error_set(err, WV_E_PARSE, 0, "column \"%s\", row %lld: not a valid %s%s",
                            c->name, (long long)row, want,
                            c->type == STOR_PQ_STRING ? " (invalid UTF-8)" : " string");
    if (!ok)
        return wv_error_set(err, WV_E_PARSE, 0,
                            "column \"%s\", row %lld: a %s%s does not fit "
                            "type %s",
                            c->name, (long long)row, wv_json_type_name(j->type),
                            j->type == WV_JSON_NUMBER && c->type == STOR_PQ_INT64
                                ? " out of range or not integral"
                                : "",
                            want);
    if (v->n > (size_t)INT32_MAX)
        return wv_error_set(err, WV_E_LIMIT, 0,
                            "column \"%s\", row %lld: value of %zu bytes "
                            "too long",
                            c->name, (long long)row, v->n);
    return 0;
}

/* Little-endian stores. */
static void le32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}
static void le64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

/* Unsigned bytewise comparison (byte arrays order this way). */
static int bytes_cmp(const void *a, size_t an, const void *b, size_t bn)
{
    int r = memcmp(a, b, an < bn ? an : bn);
    return r ? r : (an > bn) - (an < bn);
}

/* Folds a non-null value into the chunk statistics. */
static void stats_add(struct pq_col *c, const struct pq_val *v)
{
    switch (c->schema.type) {
    case PQ_T_DOUBLE:
        if (isnan(v->d))
            return;
        if (!c->has_minmax || v->d < c->dmin)
            c->dmin = v->d;
        if (!c->has_minmax || v->d > c->dmax)
            c->dmax = v->d;
        break;
    case PQ_T_BYTE_ARRAY:
        if (!c->has_minmax || bytes_cmp(v->s, v->n, c->smin.data, c->smin.len) < 0) {
            wv_buf_reset(&c->smin);
            wv_buf_append(&c->smin, v->s, v->n, NULL);
        }
        if (!c->has_minmax || bytes_cmp(v->s, v->n, c->smax.data, c->smax.len) > 0) {
            wv_buf_reset(&c->smax);
            wv_buf_append(&c->smax, v->s, v->n, NULL);
        }
        break;
    default: { /* INT64, INT32, BOOLEAN (false < true) as signed integers */
        int64_t x = c->schema.type == PQ_T_BOOLEAN ? v->b : v->i;
        if (!c->has_minmax || x < c->imin)
            c->imin = x;
        if (!c->has_minmax || x > c->imax)
            c->imax = x;
    }
    }
    c->has_minmax = true;
}

/* The dictionary key of a non-null value: its PLAIN bytes (byte arrays without the length). */
static const void *dict_key(const struct pq_col *c, const struct pq_val *v, uint8_t tmp[8],
                            size_t *n)
{
    switch (c->schema.type) {
    case PQ_T_BYTE_ARRAY:
        *n = v->n;
        return v->s ? v->s : "";
    case PQ_T_INT32:
        le32(tmp, (uint32_t)v->i), *n = 4;
        return tmp;
    case PQ_T_DOUBLE: {
        uint64_t u;
        memcpy(&u, &v->d, 8);
        le64(tmp, u), *n = 8;
        return tmp;
    }
    default:
        le64(tmp, (uint64_t)v->i), *n = 8;
        return tmp;
    }
}

/* Adds the value's dictionary index to the open page; returns its PLAIN size. */
static size_t append_index(struct pq_col *c, const struct pq_val *v)
{
    uint8_t tmp[8];
    size_t n;
    const void *key = dict_key(c, v, tmp, &n);
    int64_t k = stor_pq_dict_find(&c->dict, key, n);
    if (k < 0)
        k = stor_pq_dict_add(&c->dict, key, n);
    if (c->n_idx == c->cap_idx) {
        c->cap_idx = c->cap_idx ? c->cap_idx * 2 : 1024;
        c->idx = wv_realloc(c->idx, c->cap_idx * sizeof *c->idx);
    }
    c->idx[c->n_idx++] = (uint32_t)k;
    return n + (c->schema.type == PQ_T_BYTE_ARRAY ? 4 : 0) + c->optional;
}

/* Whether adding v would push the dictionary past its budget (then the chunk falls back). */
static bool dict_overflows(const struct stor_pq_writer *w, const struct pq_col *c,
                           const struct pq_val *v)
{
    if (!c->dict_on || v->null)
        return false;
    uint8_t tmp[8];
    size_t n;
    const void *key = dict_key(c, v, tmp, &n);
    return stor_pq_dict_find(&c->dict, key, n) < 0 &&
           (stor_pq_dict_size_with(&c->dict, n) > (size_t)w->dict_budget ||
            c->dict.n >= INT32_MAX - 1);
}

/* Appends a converted value to the open page; returns the bytes it adds. */
static size_t append_value(struct pq_col *c, const struct pq_val *v)
{
    if (c->optional) {
        if (c->n_levels == c->cap_levels) {
            c->cap_levels = c->cap_levels ? c->cap_levels * 2 : 1024;
            c->levels = wv_realloc(c->levels, c->cap_levels);
        }
        c->levels[c->n_levels++] = !v->null;
    }
    c->chunk_values++;
    c->page_count++;
    if (v->null) {
        c->chunk_nulls++;
        return 1;
    }
    stats_add(c, v);
    if (c->dict_on)
        return append_index(c, v);
    uint8_t b[8];
    size_t before = c->values.len;
    switch (c->schema.type) {
    case PQ_T_BOOLEAN:
        if (c->n_bools % 8 == 0)
            wv_buf_putc(&c->values, 0, NULL);
        if (v->b)
            c->values.data[c->values.len - 1] |= (char)(1u << (c->n_bools % 8));
        c->n_bools++;
        break;
    case PQ_T_INT32:
        le32(b, (uint32_t)v->i);
        wv_buf_append(&c->values, b, 4, NULL);
        break;
    case PQ_T_INT64:
        le64(b, (uint64_t)v->i);
        wv_buf_append(&c->values, b, 8, NULL);
        break;
    case PQ_T_DOUBLE: {
        uint64_t u;
        memcpy(&u, &v->d, 8);
        le64(b, u);
        wv_buf_append(&c->values, b, 8, NULL);
        break;
    }
    case PQ_T_BYTE_ARRAY:
        le32(b, (uint32_t)v->n);
        wv_buf_append(&c->values, b, 4, NULL);
        wv_buf_append(&c->values, v->s, v->n, NULL);
        break;
    }
    return c->values.len - before + c->optional;
}

/* Compresses the open page of c and appends it, with its header, to the chunk. */
static int flush_page(struct stor_pq_writer *w, struct pq_col *c, struct wv_error *err)
{
    if (c->page_count == 0)
        return 0;
    wv_buf_reset(&w->page);
    if (c->optional) {
        uint8_t len4[4] = {0};
        if (wv_buf_append(&w->page, len4, 4, err) < 0 ||
            stor_pq_rle_encode(&w->page, c->levels, c->n_levels, 1, err) < 0)
            return -1;
        le32((uint8_t *)w->page.data, (uint32_t)(w->page.len - 4));
    }
    /* a page of nulls only is PLAIN: it needs no dictionary */
    bool dict_page = c->dict_on && c->n_idx > 0;
    if (dict_page) {
        uint8_t bw = (uint8_t)stor_pq_bit_width(c->dict.n - 1);
        if (wv_buf_append(&w->page, &bw, 1, err) < 0 ||
            stor_pq_rle_encode32(&w->page, c->idx, c->n_idx, bw, err) < 0)
            return -1;
    } else {
        c->chunk_plain = true;
        if (wv_buf_append(&w->page, c->values.data ? c->values.data : "", c->values.len, err) < 0)
            return -1;
    }
    wv_buf_reset(&w->zpage);
    if (stor_pq_compress(w->cz, w->page.data, w->page.len, &w->zpage, err) < 0)
        return -1;
    if (w->zpage.len > (size_t)INT32_MAX)
        return wv_error_set(err, WV_E_LIMIT, 0, "parquet: page too large");
    struct pq_page_header h = {PQ_PAGE_DATA,
                               (int32_t)w->page.len,
                               (int32_t)w->zpage.len,
                               (int32_t)c->page_count,
                               dict_page ? PQ_ENC_RLE_DICTIONARY : PQ_ENC_PLAIN,
                               PQ_ENC_RLE};
    wv_buf_reset(&w->hdr);
    if (stor_pq_thrift_page_header(&w->hdr, &h, err) < 0 ||
        wv_buf_append(&c->chunk, w->hdr.data, w->hdr.len, err) < 0 ||
        wv_buf_append(&c->chunk, w->zpage.data, w->zpage.len, err) < 0)
        return -1;
    c->chunk_uncompressed += (int64_t)(w->hdr.len + w->page.len);
    wv_buf_reset(&c->values);
    c->n_levels = 0;
    c->n_idx = 0;
    c->n_bools = 0;
    c->page_count = 0;
    return 0;
}

/* Copies n bytes into a new allocation. */
static void *memdup(const void *p, size_t n)
{
    void *q = wv_malloc(n ? n : 1);
    if (n)
        memcpy(q, p, n);
    return q;
}

/* The chunk statistics in PLAIN encoding (owned copies); -0.0/+0.0 as LogicalTypes.md asks. */
static struct pq_stats chunk_stats(const struct pq_col *c)
{
    struct pq_stats s = {0};
    s.null_count = c->chunk_nulls;
    if (!c->has_minmax)
        return s;
    uint8_t mn[8], mx[8];
    size_t len = 8;
    switch (c->schema.type) {
    case PQ_T_BYTE_ARRAY:
        if (c->smin.len > PQ_STATS_MAX || c->smax.len > PQ_STATS_MAX)
            return s;
        s.has_minmax = true;
        s.min = memdup(c->smin.data, c->smin.len), s.min_len = c->smin.len;
        s.max = memdup(c->smax.data, c->smax.len), s.max_len = c->smax.len;
        return s;
    case PQ_T_DOUBLE: {
        double dmin = c->dmin == 0 ? -0.0 : c->dmin, dmax = c->dmax == 0 ? 0.0 : c->dmax;
        uint64_t u;
        memcpy(&u, &dmin, 8), le64(mn, u);
        memcpy(&u, &dmax, 8), le64(mx, u);
        break;
    }
    case PQ_T_INT32:
        le32(mn, (uint32_t)c->imin), le32(mx, (uint32_t)c->imax), len = 4;
        break;
    case PQ_T_BOOLEAN:
        mn[0] = (uint8_t)c->imin, mx[0] = (uint8_t)c->imax, len = 1;
        break;
    default:
        le64(mn, (uint64_t)c->imin), le64(mx, (uint64_t)c->imax);
    }
    s.has_minmax = true;
    s.min = memdup(mn, len), s.min_len = len;
    s.max = memdup(mx, len), s.max_len = len;
    return s;
}

/* Writes the chunk's dictionary page (PLAIN entries, compressed like data pages) to the file. */
static int write_dict_page(struct stor_pq_writer *w, struct pq_col *c, struct pq_chunk_meta *m,
                           struct wv_error *err)
{
    const struct wv_buf *plain = &c->dict.plain;
    wv_buf_reset(&w->zpage);
    if (stor_pq_compress(w->cz, plain->data ? plain->data : "", plain->len, &w->zpage, err) < 0)
        return -1;
    if (w->zpage.len > (size_t)INT32_MAX)
        return wv_error_set(err, WV_E_LIMIT, 0, "parquet: dictionary page too large");
    struct pq_page_header h = {PQ_PAGE_DICTIONARY, (int32_t)plain->len, (int32_t)w->zpage.len,
                               (int32_t)c->dict.n, PQ_ENC_PLAIN,        PQ_ENC_RLE};
    wv_buf_reset(&w->hdr);
    if (stor_pq_thrift_page_header(&w->hdr, &h, err) < 0)
        return -1;
    m->dict = true;
    m->dictionary_page_offset = w->offset;
    m->uncompressed = (int64_t)(w->hdr.len + plain->len);
    m->compressed = (int64_t)(w->hdr.len + w->zpage.len);
    if (out_write(w, w->hdr.data, w->hdr.len, false, err) < 0 ||
        out_write(w, w->zpage.data, w->zpage.len, false, err) < 0)
        return -1;
    return 0;
}

/* Writes the buffered row group: each column's chunk in order, then records its metadata. */
static int flush_row_group(struct stor_pq_writer *w, struct wv_error *err)
{
    if (w->rg_rows == 0)
        return 0;
    for (size_t i = 0; i < w->n_cols; i++)
        if (flush_page(w, &w->cols[i], err) < 0)
            return -1;
    if (w->n_rgs == w->cap_rgs) {
        w->cap_rgs = w->cap_rgs ? w->cap_rgs * 2 : 8;
        w->rgs = wv_realloc(w->rgs, w->cap_rgs * sizeof *w->rgs);
    }
    struct pq_row_group_meta *rg = &w->rgs[w->n_rgs++];
    memset(rg, 0, sizeof *rg);
    rg->chunks = wv_calloc(w->n_cols, sizeof *rg->chunks);
    rg->num_rows = w->rg_rows;
    rg->file_offset = w->offset;
    for (size_t i = 0; i < w->n_cols; i++) {
        struct pq_col *c = &w->cols[i];
        struct pq_chunk_meta *m = &rg->chunks[i];
        m->type = c->schema.type;
        m->path = c->name;
        m->codec = (int)w->codec;
        m->optional = c->optional;
        m->num_values = c->chunk_values;
        m->stats = chunk_stats(c);
        if (c->dict.n > 0 && write_dict_page(w, c, m, err) < 0)
            return -1;
        m->plain_data = c->chunk_plain || !m->dict;
        m->uncompressed += c->chunk_uncompressed;
        m->compressed += (int64_t)c->chunk.len;
        m->data_page_offset = w->offset;
        rg->total_byte_size += m->uncompressed;
        rg->total_compressed += m->compressed;
        if (out_write(w, c->chunk.data, c->chunk.len, false, err) < 0)
            return -1;
        wv_buf_reset(&c->chunk);
        c->chunk_values = c->chunk_nulls = c->chunk_uncompressed = 0;
        c->has_minmax = false;
        c->chunk_plain = false;
        stor_pq_dict_reset(&c->dict);
        c->dict_on = w->dictionary && c->schema.type != PQ_T_BOOLEAN;
    }
    w->rg_rows = 0;
    w->rg_bytes = 0;
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
    if (convert(w, &w->cols[i], j, &w->row[i], &e) == 0)
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
        if (convert_or_null(w, i, values[i], err) < 0)
            return -1;
    if (w->n_nulled && record_changes(w, values[w->meta_col], err) < 0)
        return -1;
    for (size_t i = 0; i < n; i++) {
        struct pq_col *c = &w->cols[i];
        if (dict_overflows(w, c, &w->row[i])) {
            if (flush_page(w, c, err) < 0) /* the last dictionary-encoded page */
                return -1;
            c->dict_on = false;
        }
        w->rg_bytes += (int64_t)append_value(c, &w->row[i]);
        if ((int64_t)(c->values.len + c->n_levels / 8 + c->n_idx * 4) >= w->page_bytes &&
            flush_page(w, c, err) < 0)
            return -1;
    }
    w->rows++;
    w->rg_rows++;
    if (w->rg_bytes >= w->rg_budget)
        return flush_row_group(w, err);
    return 0;
}

/* Looks each column up by name in obj. */
int stor_pq_write_object(struct stor_pq_writer *w, const struct wv_json *obj, struct wv_error *err)
{
    if (!obj || obj->type != WV_JSON_OBJECT)
        return wv_error_set(err, WV_E_PARSE, 0, "row %lld: not a JSON object",
                            (long long)(w->rows + 1));
    const struct wv_json **vals = wv_calloc(w->n_cols, sizeof *vals);
    for (size_t i = 0; i < w->n_cols; i++)
        vals[i] = wv_json_get(obj, w->cols[i].name);
    int rc = stor_pq_write_row(w, vals, w->n_cols, err);
    free(vals);
    return rc;
}

int64_t stor_pq_rows(const struct stor_pq_writer *w)
{
    return w->rows;
}
int64_t stor_pq_row_groups(const struct stor_pq_writer *w)
{
    return (int64_t)w->n_rgs;
}

/* Last row group, footer, length, magic; then fsync and rename into place. */
int stor_pq_close(struct stor_pq_writer *w, struct wv_error *err)
{
    if (w->closed)
        return wv_error_set(err, WV_E_USAGE, 0, "parquet: closed twice");
    if (flush_row_group(w, err) < 0)
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
    le32(tail, (uint32_t)footer.len);
    memcpy(tail + 4, "PAR1", 4);
    if (rc == 0)
        rc = out_write(w, footer.data, footer.len, false, err);
    if (rc == 0)
        rc = out_write(w, tail, 8, true, err);
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
    for (size_t i = 0; i < w->n_rgs; i++) {
        for (size_t j = 0; j < w->n_cols; j++) {
            free((void *)(uintptr_t)w->rgs[i].chunks[j].stats.min);
            free((void *)(uintptr_t)w->rgs[i].chunks[j].stats.max);
        }
        free(w->rgs[i].chunks);
    }
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
