/* pq_inspect.c - `weaver parquet inspect`: describes a Parquet file and decodes its first rows.
 * Reads what weaver writes (apache/parquet-format: flat schema, v1 data pages, dictionary
 * pages, PLAIN and RLE_DICTIONARY values, RLE/bit-packed definition levels per Encodings.md,
 * the four codecs); anything else, or any inconsistency, is an error naming the file. All
 * offsets and sizes are checked against the file before reading or allocating. Caller's thread. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "base/mem.h"
#include "storage/pq_int.h"
#include "storage/storage.h"

#define PQ_CHUNK_LIMIT ((int64_t)512 << 20)
#define PQ_PAGE_LIMIT ((int32_t)256 << 20)
#define PQ_INSPECT_MAX_ROWS 100000

/* Names as parquet.thrift spells them. */
static const char *enum_name(const char *const *names, size_t n, int v)
{
    return v >= 0 && (size_t)v < n && names[v] ? names[v] : "?";
}
static const char *type_name(int t)
{
    static const char *const n[] = {"BOOLEAN", "INT32",  "INT64",      "INT96",
                                    "FLOAT",   "DOUBLE", "BYTE_ARRAY", "FIXED_LEN_BYTE_ARRAY"};
    return enum_name(n, sizeof n / sizeof n[0], t);
}
static const char *codec_name(int c)
{
    static const char *const n[] = {"UNCOMPRESSED", "SNAPPY", "GZIP", "LZO",
                                    "BROTLI",       "LZ4",    "ZSTD", "LZ4_RAW"};
    return enum_name(n, sizeof n / sizeof n[0], c);
}
static const char *encoding_name(int e)
{
    static const char *const n[] = {"PLAIN",
                                    NULL,
                                    "PLAIN_DICTIONARY",
                                    "RLE",
                                    "BIT_PACKED",
                                    "DELTA_BINARY_PACKED",
                                    "DELTA_LENGTH_BYTE_ARRAY",
                                    "DELTA_BYTE_ARRAY",
                                    "RLE_DICTIONARY",
                                    "BYTE_STREAM_SPLIT"};
    return enum_name(n, sizeof n / sizeof n[0], e);
}

/* weaver's name for a column's type ("int64", "timestamp", ...), or the physical type. */
static const char *col_kind(const struct pq_r_col *c)
{
    if (c->type == PQ_T_INT64 && (c->logical == PQ_LT_TIMESTAMP || c->conv == 9 || c->conv == 10))
        return "timestamp";
    if (c->type == PQ_T_INT32 && (c->logical == PQ_LT_DATE || c->conv == PQ_CONV_DATE))
        return "date";
    if (c->type == PQ_T_BYTE_ARRAY && (c->logical == PQ_LT_JSON || c->conv == PQ_CONV_JSON))
        return "json";
    if (c->type == PQ_T_BYTE_ARRAY && (c->logical == PQ_LT_STRING || c->conv == PQ_CONV_UTF8))
        return "string";
    static const char *const n[] = {"boolean", "int32",  "int64",  "int96",
                                    "float",   "double", "binary", "fixed"};
    return enum_name(n, sizeof n / sizeof n[0], c->type);
}

/* Little-endian loads. */
static uint64_t ld(const uint8_t *p, int n)
{
    uint64_t v = 0;
    for (int i = n - 1; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
}

/* Timestamp in the column's unit as "YYYY-MM-DDTHH:MM:SS.ffffffZ". */
static void fmt_timestamp(const struct pq_r_col *c, int64_t v, struct wv_buf *out)
{
    int64_t per_s = c->ts_unit == 1 || c->conv == 9 ? 1000 : c->ts_unit == 3 ? 1000000000 : 1000000;
    int64_t s = v / per_s, frac = v % per_s;
    if (frac < 0)
        s--, frac += per_s;
    int64_t days = s / 86400, sod = s % 86400;
    if (sod < 0)
        days--, sod += 86400;
    int y, m, d;
    wv_civil_from_days(days, &y, &m, &d);
    int w = per_s == 1000 ? 3 : per_s == 1000000 ? 6 : 9;
    wv_buf_printf(out, NULL, "\"%04d-%02d-%02dT%02d:%02d:%02d.%0*lldZ\"", y, m, d,
                  (int)(sod / 3600), (int)(sod / 60 % 60), (int)(sod % 60), w, (long long)frac);
}

/* Appends one value (PLAIN bytes; byte arrays without length) as JSON text; -1 if its size
 * does not fit the type. */
static int fmt_value(const struct pq_r_col *c, const uint8_t *p, size_t n, struct wv_buf *out)
{
    const char *kind = col_kind(c);
    char num[40];
    switch (c->type) {
    case PQ_T_BOOLEAN:
        return n < 1 ? -1 : wv_buf_puts(out, p[0] & 1 ? "true" : "false", NULL);
    case PQ_T_INT32:
        if (n != 4)
            return -1;
        if (strcmp(kind, "date") == 0) {
            int y, m, d;
            wv_civil_from_days((int32_t)ld(p, 4), &y, &m, &d);
            return wv_buf_printf(out, NULL, "\"%04d-%02d-%02d\"", y, m, d);
        }
        return wv_buf_printf(out, NULL, "%d", (int32_t)ld(p, 4));
    case PQ_T_INT64:
        if (n != 8)
            return -1;
        if (strcmp(kind, "timestamp") == 0) {
            fmt_timestamp(c, (int64_t)ld(p, 8), out);
            return 0;
        }
        return wv_buf_printf(out, NULL, "%lld", (long long)(int64_t)ld(p, 8));
    case 4:   /* FLOAT */
    case 5: { /* DOUBLE */
        if (n != (c->type == 4 ? 4u : 8u))
            return -1;
        double d;
        if (c->type == 4) {
            uint32_t u = (uint32_t)ld(p, 4);
            float f;
            memcpy(&f, &u, 4);
            d = f;
        } else {
            uint64_t u = ld(p, 8);
            memcpy(&d, &u, 8);
        }
        if (!isfinite(d))
            return wv_buf_puts(out,
                               isnan(d) ? "\"NaN\""
                               : d > 0  ? "\"Infinity\""
                                        : "\"-Infinity\"",
                               NULL);
        for (int prec = 15; prec <= 17; prec++) { /* shortest text that reads back as d */
            snprintf(num, sizeof num, "%.*g", prec, d);
            if (strtod(num, NULL) == d)
                break;
        }
        return wv_buf_puts(out, num, NULL);
    }
    case PQ_T_BYTE_ARRAY:
        if (strcmp(kind, "json") == 0) {
            struct wv_json *j = wv_json_parse((const char *)p, n, "value", NULL);
            int rc = j ? wv_json_write(out, j, NULL)
                       : wv_json_write_string(out, (const char *)p, n, NULL);
            wv_json_free(j);
            return rc;
        }
        return wv_json_write_string(out, (const char *)p, n, NULL);
    default:
        return -1;
    }
}

/* Decodes count values of the RLE/bit-packed hybrid (bit width 0..32) from p[0..n). */
static int decode_hybrid(const uint8_t *p, size_t n, int bw, uint32_t *out, size_t count)
{
    size_t i = 0, got = 0, vbytes = ((size_t)bw + 7) / 8;
    while (got < count) {
        uint64_t h = 0;
        int shift = 0;
        do {
            if (i >= n || shift > 35)
                return -1;
            h |= (uint64_t)(p[i] & 0x7f) << shift;
            shift += 7;
        } while (p[i++] & 0x80);
        if ((h >> 1) == 0)
            return -1;
        if (h & 1) { /* bit-packed groups of 8 */
            uint64_t groups = h >> 1, bytes = groups * (uint64_t)bw;
            if (bytes > n - i)
                return -1;
            for (uint64_t k = 0; k < groups * 8 && got < count; k++, got++) {
                uint32_t v = 0;
                for (int b = 0; b < bw; b++) {
                    uint64_t bit = k * (uint64_t)bw + (uint64_t)b;
                    v |= (uint32_t)(p[i + bit / 8] >> (bit % 8) & 1) << b;
                }
                out[got] = v;
            }
            i += bytes;
        } else { /* RLE run */
            if (vbytes > n - i)
                return -1;
            uint32_t v = (uint32_t)ld(p + i, (int)vbytes);
            i += vbytes;
            for (uint64_t k = 0; k < (h >> 1) && got < count; k++)
                out[got++] = v;
        }
    }
    return 0;
}

/* Decoding state of one column. */
struct col_reader {
    const struct pq_r_col *col;
    char **dict; /* formatted dictionary entries of the current chunk */
    size_t n_dict;
    char **cells; /* where row r's value goes: cells[r * stride] */
    size_t stride;
    int64_t want, have;
    struct wv_buf tmp;
};

/* Frees a chunk's formatted dictionary. */
static void dict_clear(struct col_reader *cr)
{
    for (size_t i = 0; i < cr->n_dict; i++)
        free(cr->dict[i]);
    free(cr->dict);
    cr->dict = NULL;
    cr->n_dict = 0;
}

/* The next PLAIN value at p[*i..n) formatted into cr->tmp (bool_ix: bit of a BOOLEAN). */
static int plain_next(struct col_reader *cr, const uint8_t *p, size_t n, size_t *i, size_t bool_ix)
{
    wv_buf_reset(&cr->tmp);
    size_t w = 0;
    const uint8_t *v = p + *i;
    switch (cr->col->type) {
    case PQ_T_BOOLEAN: {
        if (bool_ix / 8 >= n)
            return -1;
        uint8_t b = (uint8_t)(p[bool_ix / 8] >> (bool_ix % 8) & 1);
        *i = bool_ix / 8 + 1;
        return fmt_value(cr->col, &b, 1, &cr->tmp);
    }
    case PQ_T_INT32:
    case 4:
        w = 4;
        break;
    case PQ_T_INT64:
    case PQ_T_DOUBLE:
        w = 8;
        break;
    case PQ_T_BYTE_ARRAY:
        if (n - *i < 4 || ld(v, 4) > n - *i - 4)
            return -1;
        *i += 4 + (size_t)ld(v, 4);
        return fmt_value(cr->col, v + 4, (size_t)ld(v, 4), &cr->tmp);
    default:
        return -1;
    }
    if (n - *i < w)
        return -1;
    *i += w;
    return fmt_value(cr->col, v, w, &cr->tmp);
}

/* A dictionary page: every entry formatted once. */
static int read_dict_page(struct col_reader *cr, const struct pq_r_page *h, const uint8_t *p,
                          size_t n)
{
    dict_clear(cr);
    if ((size_t)h->num_values > (cr->col->type == PQ_T_BOOLEAN ? n * 8 : n / 4) + 1)
        return -1; /* more entries than the page could hold */
    cr->dict = wv_calloc((size_t)h->num_values + 1, sizeof *cr->dict);
    size_t i = 0;
    for (int32_t k = 0; k < h->num_values; k++) {
        if (plain_next(cr, p, n, &i, (size_t)k) < 0)
            return -1;
        cr->dict[cr->n_dict++] = wv_strndup(cr->tmp.data ? cr->tmp.data : "", cr->tmp.len);
    }
    return 0;
}

/* Stores the next row's cell (NULL text: a null). */
static void put_cell(struct col_reader *cr, const char *text, size_t n)
{
    if (cr->have < cr->want)
        cr->cells[(size_t)cr->have * cr->stride] = wv_strndup(text ? text : "null", text ? n : 4);
    cr->have++;
}

/* A v1 data page: definition levels (optional columns), then PLAIN or dictionary values. */
static int read_data_page(struct col_reader *cr, const struct pq_r_page *h, const uint8_t *p,
                          size_t n)
{
    /* only the values still wanted are decoded (levels and indices are sequential) */
    size_t nv = (size_t)h->num_values, i = 0;
    if ((int64_t)nv > cr->want - cr->have)
        nv = (size_t)(cr->want - cr->have);
    uint32_t *lv = wv_calloc(nv + 1, sizeof *lv), *ix = NULL;
    int rc = 0;
    size_t defined = nv;
    if (cr->col->repetition == PQ_REP_OPTIONAL) {
        size_t len = n >= 4 ? (size_t)ld(p, 4) : SIZE_MAX;
        rc = len > n - 4 ? -1 : decode_hybrid(p + 4, len, 1, lv, nv);
        i = 4 + (rc == 0 ? len : 0);
        defined = 0;
        for (size_t k = 0; rc == 0 && k < nv; k++)
            defined += lv[k] > 1 ? (rc = -1, 0) : lv[k];
    } else {
        for (size_t k = 0; k < nv; k++)
            lv[k] = 1;
    }
    bool dict = h->encoding == PQ_ENC_RLE_DICTIONARY || h->encoding == 2;
    if (rc == 0 && dict) {
        ix = wv_calloc(defined + 1, sizeof *ix);
        int bw = i < n ? p[i] : 99;
        rc = bw > 32 ? -1 : decode_hybrid(p + i + 1, n - i - 1, bw, ix, defined);
    } else if (rc == 0 && h->encoding != PQ_ENC_PLAIN)
        rc = -1;
    size_t vi = 0, bi = 0, vo = 0; /* PLAIN values start at p + i */
    for (size_t k = 0; rc == 0 && k < nv && cr->have < cr->want; k++) {
        if (!lv[k]) {
            put_cell(cr, NULL, 0);
        } else if (dict) {
            if (ix[vi] >= cr->n_dict)
                rc = -1;
            else
                put_cell(cr, cr->dict[ix[vi]], strlen(cr->dict[ix[vi]]));
            vi++;
        } else if ((rc = plain_next(cr, p + i, n - i, &vo, bi++)) == 0) {
            put_cell(cr, cr->tmp.data ? cr->tmp.data : "", cr->tmp.len);
        }
    }
    free(lv);
    free(ix);
    return rc;
}

/* Reads the pages of one column chunk until the column has the rows it wants. */
static int read_chunk_rows(const struct pq_r_meta *m, const struct pq_r_chunk *c,
                           struct col_reader *cr, struct wv_error *err)
{
    int64_t start = c->dict_page_offset >= 4 && c->dict_page_offset < c->data_page_offset
                        ? c->dict_page_offset
                        : c->data_page_offset;
    int64_t data_end = m->file_size - 8 - m->footer_len;
    if (start < 4 || c->compressed <= 0 || c->compressed > data_end - start)
        return wv_error_set(err, WV_E_PARSE, 0,
                            "column chunk at %lld (%lld bytes) lies outside "
                            "the data",
                            (long long)start, (long long)c->compressed);
    if (c->compressed > PQ_CHUNK_LIMIT)
        return wv_error_set(err, WV_E_LIMIT, 0, "column chunk of %lld bytes is too large",
                            (long long)c->compressed);
    uint8_t *buf = wv_malloc((size_t)c->compressed);
    uint8_t *page = NULL;
    int rc = stor_pq_meta_pread(m, buf, (size_t)c->compressed, start, err);
    struct pq_tr tr;
    stor_pq_tr_init(&tr, buf, (size_t)c->compressed, "page header", err);
    dict_clear(cr);
    while (rc == 0 && cr->have < cr->want && tr.p < tr.end) {
        struct pq_r_page h;
        if (stor_pq_read_page_header(&tr, &h) < 0) {
            rc = -1;
            break;
        }
        if ((size_t)h.compressed > (size_t)(tr.end - tr.p) || h.uncompressed > PQ_PAGE_LIMIT) {
            rc = wv_error_set(err, WV_E_PARSE, 0,
                              "page of %d bytes (%d uncompressed) does not "
                              "fit its column chunk",
                              h.compressed, h.uncompressed);
            break;
        }
        free(page);
        page = wv_malloc((size_t)h.uncompressed + 1);
        rc = stor_pq_decompress(c->codec, tr.p, (size_t)h.compressed, page, (size_t)h.uncompressed,
                                err);
        tr.p += h.compressed;
        if (rc == 0 && h.type == PQ_PAGE_DICTIONARY)
            rc = read_dict_page(cr, &h, page, (size_t)h.uncompressed);
        else if (rc == 0 && h.type == PQ_PAGE_DATA)
            rc = read_data_page(cr, &h, page, (size_t)h.uncompressed);
        else if (rc == 0)
            rc = wv_error_set(err, WV_E_PARSE, 0, "unsupported page type %d", h.type);
        if (rc < 0)
            wv_error_set(err, WV_E_PARSE, 0, "%s page at byte %lld: values do not decode",
                         h.type == PQ_PAGE_DICTIONARY ? "dictionary" : "data",
                         (long long)(start + (tr.p - buf) - h.compressed));
    }
    free(page);
    free(buf);
    return rc;
}

/* Decodes the first `want` rows of every column into cells[row * n_cols + col] (JSON text). */
static int read_rows(const struct pq_r_meta *m, int64_t want, char **cells, struct wv_error *err)
{
    size_t n_cols = m->n_schema - 1;
    for (size_t col = 0; col < n_cols; col++) {
        struct col_reader cr = {&m->schema[col + 1], NULL, 0, cells + col, n_cols, want, 0,
                                WV_BUF_INIT};
        int rc = 0;
        for (size_t g = 0; rc == 0 && g < m->n_rgs && cr.have < want; g++) {
            int64_t before = cr.have;
            rc = read_chunk_rows(m, &m->rgs[g].chunks[col], &cr, err);
            if (rc == 0 && cr.have < want && cr.have - before != m->rgs[g].num_rows)
                rc = wv_error_set(err, WV_E_PARSE, 0, "%lld values for %lld rows",
                                  (long long)(cr.have - before), (long long)m->rgs[g].num_rows);
            if (rc < 0)
                wv_error_prefix(err, "row group %zu column \"%s\"", g, cr.col->name);
        }
        dict_clear(&cr);
        wv_buf_done(&cr.tmp);
        if (rc < 0)
            return -1;
    }
    return 0;
}

/* "min X, max Y" of a chunk's statistics, decoded for the column's type. */
static void fmt_stats(const struct pq_r_col *col, const struct pq_r_chunk *c, struct wv_buf *out)
{
    if (c->null_count >= 0)
        wv_buf_printf(out, NULL, ", null_count %lld", (long long)c->null_count);
    const uint8_t *v[2] = {c->min, c->max};
    size_t n[2] = {c->min_len, c->max_len};
    for (int k = 0; k < 2; k++) {
        if (!v[k])
            continue;
        wv_buf_puts(out, k ? ", max " : ", min ", NULL);
        if (fmt_value(col, v[k], n[k], out) < 0)
            wv_buf_puts(out, "(invalid)", NULL);
    }
}

/* Schema, key-value keys and row groups with their column chunks. */
static void describe(const struct pq_r_meta *m, struct wv_buf *out)
{
    size_t n_cols = m->n_schema - 1;
    wv_buf_printf(out, NULL, "%s: %lld rows, %zu row groups, %zu columns, %lld bytes\n", m->path,
                  (long long)m->num_rows, m->n_rgs, n_cols, (long long)m->file_size);
    if (m->created_by)
        wv_buf_printf(out, NULL, "created by: %s\n", m->created_by);
    wv_buf_puts(out, "schema:\n", NULL);
    for (size_t i = 1; i <= n_cols; i++) {
        const struct pq_r_col *c = &m->schema[i];
        wv_buf_printf(out, NULL, "  %s: %s %s (%s)\n", c->name, col_kind(c),
                      c->repetition == PQ_REP_OPTIONAL ? "optional" : "required",
                      type_name(c->type));
    }
    wv_buf_puts(out, "key-value metadata:", NULL);
    for (size_t i = 0; i < m->n_kv; i++)
        wv_buf_printf(out, NULL, " %s", m->kv_keys[i] ? m->kv_keys[i] : "(none)");
    wv_buf_puts(out, m->n_kv ? "\n" : " (none)\n", NULL);
    for (size_t g = 0; g < m->n_rgs; g++) {
        const struct pq_r_rg *rg = &m->rgs[g];
        wv_buf_printf(out, NULL, "row group %zu: %lld rows, %lld bytes", g, (long long)rg->num_rows,
                      (long long)rg->total_byte_size);
        if (rg->total_compressed >= 0)
            wv_buf_printf(out, NULL, " (%lld compressed)", (long long)rg->total_compressed);
        wv_buf_puts(out, "\n", NULL);
        for (size_t i = 0; i < n_cols; i++) {
            const struct pq_r_chunk *c = &rg->chunks[i];
            wv_buf_printf(out, NULL, "  %s: %s, %lld values, %lld bytes, encodings",
                          m->schema[i + 1].name, codec_name(c->codec), (long long)c->num_values,
                          (long long)c->compressed);
            for (size_t e = 0; e < c->n_enc; e++)
                wv_buf_printf(out, NULL, "%s%s", e ? "," : " ", encoding_name(c->enc[e]));
            if (c->dict_page_offset >= 0)
                wv_buf_printf(out, NULL, ", dictionary page at %lld",
                              (long long)c->dict_page_offset);
            fmt_stats(&m->schema[i + 1], c, out);
            wv_buf_puts(out, "\n", NULL);
        }
    }
}

/* Describes the file and prints its first rows as JSON objects. */
int stor_pq_inspect(const char *path, int64_t max_rows, struct wv_buf *out, struct wv_error *err)
{
    struct pq_r_meta *m = stor_pq_meta_read(path, err);
    if (!m)
        return -1;
    describe(m, out);
    int64_t want = max_rows < 0                     ? 0
                   : max_rows > PQ_INSPECT_MAX_ROWS ? PQ_INSPECT_MAX_ROWS
                                                    : max_rows;
    if (want > m->num_rows)
        want = m->num_rows < 0 ? 0 : m->num_rows;
    size_t n_cols = m->n_schema - 1;
    char **cells = wv_calloc((size_t)want * n_cols + 1, sizeof *cells);
    int rc = read_rows(m, want, cells, err);
    if (rc < 0)
        wv_error_prefix(err, "%s", path);
    if (rc == 0 && want > 0)
        wv_buf_printf(out, NULL, "first %lld rows:\n", (long long)want);
    for (int64_t r = 0; rc == 0 && r < want; r++) {
        for (size_t i = 0; i < n_cols; i++) {
            wv_buf_puts(out, i ? "," : "{", NULL);
            wv_json_write_string(out, m->schema[i + 1].name, strlen(m->schema[i + 1].name), NULL);
            wv_buf_putc(out, ':', NULL);
            const char *cell = cells[(size_t)r * n_cols + i];
            wv_buf_puts(out, cell ? cell : "null", NULL);
        }
        wv_buf_puts(out, "}\n", NULL);
    }
    for (size_t i = 0; i < (size_t)want * n_cols; i++)
        free(cells[i]);
    free(cells);
    stor_pq_meta_free(m);
    return rc;
}
