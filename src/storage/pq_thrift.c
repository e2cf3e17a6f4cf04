/* pq_thrift.c - Thrift compact protocol encoder for the Parquet footer and page headers.
 * Follows the Thrift compact protocol specification (apache/thrift doc/specs/
 * thrift-compact-protocol.md) and the struct definitions of apache/parquet-format
 * src/main/thrift/parquet.thrift (FileMetaData, SchemaElement, LogicalType, RowGroup,
 * ColumnChunk, ColumnMetaData, Statistics, KeyValue, PageHeader, DataPageHeader, ColumnOrder).
 * Runs on whichever thread owns the writer. */
#include <string.h>

#include "storage/pq_int.h"

/* Starts a writer appending to out. */
void stor_pq_tw_init(struct pq_tw *tw, struct wv_buf *out)
{
    memset(tw, 0, sizeof *tw);
    tw->out = out;
}

/* Appends raw bytes, remembering a failure. */
static void put(struct pq_tw *tw, const void *p, size_t n)
{
    if (!tw->failed && wv_buf_append(tw->out, p, n, NULL) < 0)
        tw->failed = true;
}

/* Unsigned LEB128 varint. */
void stor_pq_tw_varint(struct pq_tw *tw, uint64_t v)
{
    uint8_t b[10];
    size_t n = 0;
    while (v >= 0x80) {
        b[n++] = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    b[n++] = (uint8_t)v;
    put(tw, b, n);
}

/* Zigzag varint i32. */
void stor_pq_tw_i32(struct pq_tw *tw, int32_t v)
{
    uint32_t u = (uint32_t)v;
    stor_pq_tw_varint(tw, (u << 1) ^ (uint32_t)(0 - (u >> 31)));
}

/* Zigzag varint i64. */
void stor_pq_tw_i64(struct pq_tw *tw, int64_t v)
{
    uint64_t u = (uint64_t)v;
    stor_pq_tw_varint(tw, (u << 1) ^ (0 - (u >> 63)));
}

/* Length-prefixed bytes. */
void stor_pq_tw_binary(struct pq_tw *tw, const void *p, size_t n)
{
    stor_pq_tw_varint(tw, n);
    put(tw, p, n);
}

/* Field header: short form (delta 1..15 in the high nibble) or type byte + zigzag i16 id. */
static void field_header(struct pq_tw *tw, int16_t id, enum pq_ct type)
{
    int delta = id - tw->last[tw->depth];
    if (delta > 0 && delta <= 15) {
        uint8_t b = (uint8_t)(delta << 4 | type);
        put(tw, &b, 1);
    } else {
        uint8_t b = (uint8_t)type;
        put(tw, &b, 1);
        stor_pq_tw_i32(tw, id);
    }
    tw->last[tw->depth] = id;
}

/* i32 field. */
void stor_pq_tw_field_i32(struct pq_tw *tw, int16_t id, int32_t v)
{
    field_header(tw, id, PQ_CT_I32);
    stor_pq_tw_i32(tw, v);
}

/* i64 field. */
void stor_pq_tw_field_i64(struct pq_tw *tw, int16_t id, int64_t v)
{
    field_header(tw, id, PQ_CT_I64);
    stor_pq_tw_i64(tw, v);
}

/* bool field: the value is the type nibble. */
void stor_pq_tw_field_bool(struct pq_tw *tw, int16_t id, bool v)
{
    field_header(tw, id, v ? PQ_CT_TRUE : PQ_CT_FALSE);
}

/* binary field. */
void stor_pq_tw_field_binary(struct pq_tw *tw, int16_t id, const void *p, size_t n)
{
    field_header(tw, id, PQ_CT_BINARY);
    stor_pq_tw_binary(tw, p, n);
}

/* string field (UTF-8 binary). */
void stor_pq_tw_field_string(struct pq_tw *tw, int16_t id, const char *s)
{
    stor_pq_tw_field_binary(tw, id, s, strlen(s));
}

/* list field header: size < 15 in the high nibble, else 0xF + varint size. */
void stor_pq_tw_field_list(struct pq_tw *tw, int16_t id, enum pq_ct elem, size_t n)
{
    field_header(tw, id, PQ_CT_LIST);
    if (n < 15) {
        uint8_t b = (uint8_t)(n << 4 | elem);
        put(tw, &b, 1);
    } else {
        uint8_t b = (uint8_t)(0xF0 | elem);
        put(tw, &b, 1);
        stor_pq_tw_varint(tw, n);
    }
}

/* Enters a struct (a field when id >= 0, a list element otherwise). */
void stor_pq_tw_struct_begin(struct pq_tw *tw, int16_t id)
{
    if (id >= 0)
        field_header(tw, id, PQ_CT_STRUCT);
    if (tw->depth + 1 >= PQ_TW_MAX_DEPTH) {
        tw->failed = true;
        return;
    }
    tw->last[++tw->depth] = 0;
}

/* Stop byte; back to the enclosing struct. */
void stor_pq_tw_struct_end(struct pq_tw *tw)
{
    uint8_t b = 0;
    put(tw, &b, 1);
    if (tw->depth > 0)
        tw->depth--;
}

/* Statistics struct as field id. */
static void write_stats(struct pq_tw *tw, int16_t id, const struct pq_stats *s)
{
    stor_pq_tw_struct_begin(tw, id);
    stor_pq_tw_field_i64(tw, 3, s->null_count);
    if (s->has_minmax) {
        stor_pq_tw_field_binary(tw, 5, s->max, s->max_len);
        stor_pq_tw_field_binary(tw, 6, s->min, s->min_len);
    }
    stor_pq_tw_struct_end(tw);
}

/* Result of a writer run. */
static int finish(struct pq_tw *tw, const char *what, struct wv_error *err)
{
    if (tw->failed || tw->depth != 0)
        return wv_error_set(err, WV_E_LIMIT, 0, "parquet: %s: thrift encoding failed", what);
    return 0;
}

/* PageHeader { type, sizes, DataPageHeader { num_values, encoding, RLE, RLE } } or
 * PageHeader { DICTIONARY_PAGE, sizes, DictionaryPageHeader { num_values, PLAIN } }. */
int stor_pq_thrift_page_header(struct wv_buf *out, const struct pq_page_header *h,
                               struct wv_error *err)
{
    struct pq_tw tw;
    stor_pq_tw_init(&tw, out);
    stor_pq_tw_field_i32(&tw, 1, h->type);
    stor_pq_tw_field_i32(&tw, 2, h->uncompressed_size);
    stor_pq_tw_field_i32(&tw, 3, h->compressed_size);
    if (h->type == PQ_PAGE_DICTIONARY) {
        stor_pq_tw_struct_begin(&tw, 7);
        stor_pq_tw_field_i32(&tw, 1, h->num_values);
        stor_pq_tw_field_i32(&tw, 2, PQ_ENC_PLAIN);
    } else {
        stor_pq_tw_struct_begin(&tw, 5);
        stor_pq_tw_field_i32(&tw, 1, h->num_values);
        stor_pq_tw_field_i32(&tw, 2, h->encoding);
        stor_pq_tw_field_i32(&tw, 3, h->def_encoding);
        stor_pq_tw_field_i32(&tw, 4, PQ_ENC_RLE);
    }
    stor_pq_tw_struct_end(&tw);
    stor_pq_tw_struct_end(&tw);
    return finish(&tw, "page header", err);
}

/* One SchemaElement for a leaf column. */
static void write_schema_col(struct pq_tw *tw, const struct pq_schema_col *c)
{
    stor_pq_tw_struct_begin(tw, -1);
    stor_pq_tw_field_i32(tw, 1, c->type);
    stor_pq_tw_field_i32(tw, 3, c->optional ? PQ_REP_OPTIONAL : PQ_REP_REQUIRED);
    stor_pq_tw_field_string(tw, 4, c->name);
    if (c->conv != PQ_CONV_NONE)
        stor_pq_tw_field_i32(tw, 6, c->conv);
    if (c->logical != PQ_LT_NONE) {
        stor_pq_tw_struct_begin(tw, 10); /* LogicalType union */
        stor_pq_tw_struct_begin(tw, (int16_t)c->logical);
        if (c->logical == PQ_LT_TIMESTAMP) {
            stor_pq_tw_field_bool(tw, 1, true); /* isAdjustedToUTC */
            stor_pq_tw_struct_begin(tw, 2);     /* TimeUnit union */
            stor_pq_tw_struct_begin(tw, 2);     /* MICROS */
            stor_pq_tw_struct_end(tw);
            stor_pq_tw_struct_end(tw);
        }
        stor_pq_tw_struct_end(tw);
        stor_pq_tw_struct_end(tw);
    }
    stor_pq_tw_struct_end(tw);
}

/* ColumnChunk { file_offset, ColumnMetaData }. */
static void write_chunk(struct pq_tw *tw, const struct pq_chunk_meta *c)
{
    stor_pq_tw_struct_begin(tw, -1);
    stor_pq_tw_field_i64(tw, 2, c->dict ? c->dictionary_page_offset : c->data_page_offset);
    stor_pq_tw_struct_begin(tw, 3);
    stor_pq_tw_field_i32(tw, 1, c->type);
    /* encodings: PLAIN (dictionary page and/or PLAIN data pages), RLE_DICTIONARY, RLE levels */
    size_t n_enc = 1 + (size_t)c->dict + (size_t)c->optional;
    stor_pq_tw_field_list(tw, 2, PQ_CT_I32, n_enc);
    stor_pq_tw_i32(tw, PQ_ENC_PLAIN);
    if (c->dict)
        stor_pq_tw_i32(tw, PQ_ENC_RLE_DICTIONARY);
    if (c->optional)
        stor_pq_tw_i32(tw, PQ_ENC_RLE);
    stor_pq_tw_field_list(tw, 3, PQ_CT_BINARY, 1);
    stor_pq_tw_binary(tw, c->path, strlen(c->path));
    stor_pq_tw_field_i32(tw, 4, c->codec);
    stor_pq_tw_field_i64(tw, 5, c->num_values);
    stor_pq_tw_field_i64(tw, 6, c->uncompressed);
    stor_pq_tw_field_i64(tw, 7, c->compressed);
    stor_pq_tw_field_i64(tw, 9, c->data_page_offset);
    if (c->dict)
        stor_pq_tw_field_i64(tw, 11, c->dictionary_page_offset);
    write_stats(tw, 12, &c->stats);
    stor_pq_tw_struct_end(tw);
    stor_pq_tw_struct_end(tw);
}

/* RowGroup { columns, total_byte_size, num_rows, file_offset, total_compressed_size, ordinal }. */
static void write_row_group(struct pq_tw *tw, const struct pq_row_group_meta *rg, size_t n_cols,
                            size_t ordinal)
{
    stor_pq_tw_struct_begin(tw, -1);
    stor_pq_tw_field_list(tw, 1, PQ_CT_STRUCT, n_cols);
    for (size_t i = 0; i < n_cols; i++)
        write_chunk(tw, &rg->chunks[i]);
    stor_pq_tw_field_i64(tw, 2, rg->total_byte_size);
    stor_pq_tw_field_i64(tw, 3, rg->num_rows);
    stor_pq_tw_field_i64(tw, 5, rg->file_offset);
    stor_pq_tw_field_i64(tw, 6, rg->total_compressed);
    if (ordinal <= INT16_MAX) {
        field_header(tw, 7, PQ_CT_I16);
        stor_pq_tw_i32(tw, (int16_t)ordinal);
    }
    stor_pq_tw_struct_end(tw);
}

/* FileMetaData { version 1, schema, num_rows, row_groups, key_value_metadata, created_by,
 * column_orders (TypeDefinedOrder for every column, so readers trust min_value/max_value) }. */
int stor_pq_thrift_file_meta(struct wv_buf *out, const struct pq_file_meta *m, struct wv_error *err)
{
    struct pq_tw tw;
    stor_pq_tw_init(&tw, out);
    stor_pq_tw_field_i32(&tw, 1, 1);
    stor_pq_tw_field_list(&tw, 2, PQ_CT_STRUCT, m->n_cols + 1);
    stor_pq_tw_struct_begin(&tw, -1); /* root */
    stor_pq_tw_field_string(&tw, 4, "schema");
    stor_pq_tw_field_i32(&tw, 5, (int32_t)m->n_cols);
    stor_pq_tw_struct_end(&tw);
    for (size_t i = 0; i < m->n_cols; i++)
        write_schema_col(&tw, &m->cols[i]);
    stor_pq_tw_field_i64(&tw, 3, m->num_rows);
    stor_pq_tw_field_list(&tw, 4, PQ_CT_STRUCT, m->n_rgs);
    for (size_t i = 0; i < m->n_rgs; i++)
        write_row_group(&tw, &m->rgs[i], m->n_cols, i);
    if (m->n_kv) {
        stor_pq_tw_field_list(&tw, 5, PQ_CT_STRUCT, m->n_kv);
        for (size_t i = 0; i < m->n_kv; i++) {
            stor_pq_tw_struct_begin(&tw, -1);
            stor_pq_tw_field_string(&tw, 1, m->kv[i].key);
            if (m->kv[i].value)
                stor_pq_tw_field_string(&tw, 2, m->kv[i].value);
            stor_pq_tw_struct_end(&tw);
        }
    }
    if (m->created_by)
        stor_pq_tw_field_string(&tw, 6, m->created_by);
    stor_pq_tw_field_list(&tw, 7, PQ_CT_STRUCT, m->n_cols);
    for (size_t i = 0; i < m->n_cols; i++) {
        stor_pq_tw_struct_begin(&tw, -1);
        stor_pq_tw_struct_begin(&tw, 1); /* TYPE_ORDER */
        stor_pq_tw_struct_end(&tw);
        stor_pq_tw_struct_end(&tw);
    }
    stor_pq_tw_struct_end(&tw);
    return finish(&tw, "footer", err);
}
