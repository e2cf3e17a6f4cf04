/* pq_int.h - private parts of weaver's Parquet writer: the Thrift compact protocol encoder,
 * the footer/page-header structs it serializes, the RLE/bit-packed hybrid encoder and the
 * page compressors. Numbers follow apache/parquet-format src/main/thrift/parquet.thrift. */
#ifndef PQ_INT_H
#define PQ_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/error.h"

/* ---- parquet.thrift enums (values as published) ---- */
enum pq_type {
    PQ_T_BOOLEAN = 0,
    PQ_T_INT32 = 1,
    PQ_T_INT64 = 2,
    PQ_T_DOUBLE = 5,
    PQ_T_BYTE_ARRAY = 6
};
enum pq_conv {
    PQ_CONV_NONE = -1,
    PQ_CONV_UTF8 = 0,
    PQ_CONV_DATE = 6,
    PQ_CONV_TIMESTAMP_MICROS = 10,
    PQ_CONV_JSON = 19
};
/* LogicalType union field ids. */
enum pq_logical {
    PQ_LT_NONE = 0,
    PQ_LT_STRING = 1,
    PQ_LT_DATE = 6,
    PQ_LT_TIMESTAMP = 8,
    PQ_LT_JSON = 12
};
enum pq_enc { PQ_ENC_PLAIN = 0, PQ_ENC_RLE = 3 };
enum pq_page_type { PQ_PAGE_DATA = 0 };
enum pq_repetition { PQ_REP_REQUIRED = 0, PQ_REP_OPTIONAL = 1 };

/* ---- Thrift compact protocol writer ---- */

/* Compact type ids. */
enum pq_ct {
    PQ_CT_TRUE = 1,
    PQ_CT_FALSE = 2,
    PQ_CT_BYTE = 3,
    PQ_CT_I16 = 4,
    PQ_CT_I32 = 5,
    PQ_CT_I64 = 6,
    PQ_CT_DOUBLE = 7,
    PQ_CT_BINARY = 8,
    PQ_CT_LIST = 9,
    PQ_CT_STRUCT = 12
};

#define PQ_TW_MAX_DEPTH 16

/* Writes into out (borrowed); nested structs keep the enclosing struct's last field id. */
struct pq_tw {
    struct wv_buf *out;
    int16_t last[PQ_TW_MAX_DEPTH];
    int depth;
    bool failed; /* an append failed (buffer cap) or nesting too deep */
};

void stor_pq_tw_init(struct pq_tw *tw, struct wv_buf *out);
/* Raw values (also list elements). */
void stor_pq_tw_varint(struct pq_tw *tw, uint64_t v);
void stor_pq_tw_i32(struct pq_tw *tw, int32_t v);
void stor_pq_tw_i64(struct pq_tw *tw, int64_t v);
void stor_pq_tw_binary(struct pq_tw *tw, const void *p, size_t n);
/* Field headers followed by their value. */
void stor_pq_tw_field_i32(struct pq_tw *tw, int16_t id, int32_t v);
void stor_pq_tw_field_i64(struct pq_tw *tw, int16_t id, int64_t v);
void stor_pq_tw_field_bool(struct pq_tw *tw, int16_t id, bool v);
void stor_pq_tw_field_binary(struct pq_tw *tw, int16_t id, const void *p, size_t n);
void stor_pq_tw_field_string(struct pq_tw *tw, int16_t id, const char *s);
/* A list field header: n elements of compact type elem follow. */
void stor_pq_tw_field_list(struct pq_tw *tw, int16_t id, enum pq_ct elem, size_t n);
/* A struct field header (id >= 0) or a struct list element (id < 0); enters the struct. */
void stor_pq_tw_struct_begin(struct pq_tw *tw, int16_t id);
/* Writes the stop byte and leaves the struct (also ends the top-level struct). */
void stor_pq_tw_struct_end(struct pq_tw *tw);

/* ---- structs serialized by pq_thrift.c ---- */

struct pq_stats {
    bool has_minmax;
    const void *min, *max; /* PLAIN encoding of the value (borrowed) */
    size_t min_len, max_len;
    int64_t null_count;
};

struct pq_page_header {
    int32_t uncompressed_size, compressed_size;
    int32_t num_values;
    enum pq_enc def_encoding; /* RLE */
};

struct pq_schema_col {
    const char *name;
    enum pq_type type;
    bool optional;
    enum pq_conv conv;
    enum pq_logical logical; /* TIMESTAMP: micros, adjusted to UTC */
};

struct pq_chunk_meta {
    enum pq_type type;
    const char *path; /* the column name */
    int codec;
    int64_t num_values, uncompressed, compressed, data_page_offset;
    bool optional;
    struct pq_stats stats;
};

struct pq_row_group_meta {
    struct pq_chunk_meta *chunks; /* n_cols of them */
    int64_t num_rows, total_byte_size, total_compressed, file_offset;
};

struct pq_kv {
    const char *key, *value;
};

struct pq_file_meta {
    const struct pq_schema_col *cols;
    size_t n_cols;
    int64_t num_rows;
    const struct pq_row_group_meta *rgs;
    size_t n_rgs;
    const struct pq_kv *kv;
    size_t n_kv;
    const char *created_by;
};

/* Appends a PageHeader (DATA_PAGE, DataPageHeader with PLAIN values) to out. */
int stor_pq_thrift_page_header(struct wv_buf *out, const struct pq_page_header *h,
                               struct wv_error *err);
/* Appends a FileMetaData to out. */
int stor_pq_thrift_file_meta(struct wv_buf *out, const struct pq_file_meta *m,
                             struct wv_error *err);

/* ---- encodings (pq_encode.c) ---- */

/* Appends the RLE/bit-packed hybrid encoding of n levels (each < 2^bit_width, width 1..8),
 * without the length prefix. */
int stor_pq_rle_encode(struct wv_buf *out, const uint8_t *levels, size_t n, int bit_width,
                       struct wv_error *err);

struct pq_codec_ctx; /* reusable compressor state */
struct pq_codec_ctx *stor_pq_codec_new(int codec);
void stor_pq_codec_free(struct pq_codec_ctx *c); /* NULL is a no-op */
/* Appends the compressed form of in[0..n) to out (UNCOMPRESSED: a copy). */
int stor_pq_compress(struct pq_codec_ctx *c, const void *in, size_t n, struct wv_buf *out,
                     struct wv_error *err);

/* Parses an RFC 3339 date-time ("2024-01-02T03:04:05.123456+02:00", 'Z' or offset required,
 * ' ' or 'T' separator, up to 9 fraction digits, truncated to microseconds) into microseconds
 * since the epoch, UTC. -1 if malformed. */
int stor_pq_parse_timestamp_us(const char *s, size_t n, int64_t *us);
/* Parses "YYYY-MM-DD" into days since the epoch. -1 if malformed. */
int stor_pq_parse_date(const char *s, size_t n, int32_t *days);

#endif
