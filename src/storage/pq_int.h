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
enum pq_enc { PQ_ENC_PLAIN = 0, PQ_ENC_RLE = 3, PQ_ENC_RLE_DICTIONARY = 8 };
enum pq_page_type { PQ_PAGE_DATA = 0, PQ_PAGE_DICTIONARY = 2 };
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
    enum pq_page_type type; /* DATA (DataPageHeader) or DICTIONARY (DictionaryPageHeader) */
    int32_t uncompressed_size, compressed_size;
    int32_t num_values;
    enum pq_enc encoding;     /* of the values: PLAIN or RLE_DICTIONARY (dictionary: PLAIN) */
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
    int64_t dictionary_page_offset; /* when dict */
    bool optional;
    bool dict;       /* a dictionary page and RLE_DICTIONARY data pages */
    bool plain_data; /* PLAIN data pages (no dictionary, or after a dictionary fallback) */
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

/* Appends a PageHeader (DATA_PAGE with a DataPageHeader, or DICTIONARY_PAGE) to out. */
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

/* Same for n 32-bit values (dictionary indices, each < 2^bit_width, width 1..32). */
int stor_pq_rle_encode32(struct wv_buf *out, const uint32_t *v, size_t n, int bit_width,
                         struct wv_error *err);
/* Bits needed for values up to max (at least 1). */
int stor_pq_bit_width(uint32_t max);

/* ---- dictionary of one column chunk (pq_dict.c) ---- */

struct pq_dict {
    struct wv_buf plain; /* PLAIN encoding of the entries, in index order (the dictionary page) */
    size_t prefix;       /* 4 for BYTE_ARRAY (length prefix before each key), else 0 */
    size_t width;        /* without prefix: the width of every key (entry k at k * width) */
    uint32_t *off;       /* n + 1 offsets of the entries in plain */
    uint32_t n, cap;
    uint64_t *slots; /* open-addressing hash table: low 32 hash bits << 32 | entry + 1 (0: empty) */
    size_t n_slots;
};

/* byte_array: entries are length-prefixed in the PLAIN form. */
void stor_pq_dict_init(struct pq_dict *d, bool byte_array);
void stor_pq_dict_reset(struct pq_dict *d); /* empties it, keeps memory */
void stor_pq_dict_done(struct pq_dict *d);
/* Hash of a key (the value's bytes, without length prefix). */
uint64_t stor_pq_dict_hash(const void *key, size_t n);
/* Index of the entry whose key is key[0..n) (h its hash), or -1; *slot is for add_at. */
int64_t stor_pq_dict_find_h(const struct pq_dict *d, const void *key, size_t n, uint64_t h,
                            size_t *slot);
int64_t stor_pq_dict_find(const struct pq_dict *d, const void *key, size_t n);
/* Bytes of the PLAIN dictionary after adding a key of n bytes. */
size_t stor_pq_dict_size_with(const struct pq_dict *d, size_t n);
/* Adds a key that is not in d yet at the slot the last find_h returned (no add in between);
 * returns its index. */
uint32_t stor_pq_dict_add_at(struct pq_dict *d, const void *key, size_t n, uint64_t h, size_t slot);
uint32_t stor_pq_dict_add(struct pq_dict *d, const void *key, size_t n);

struct pq_codec_ctx; /* reusable compressor state */
struct pq_codec_ctx *stor_pq_codec_new(int codec);
void stor_pq_codec_free(struct pq_codec_ctx *c); /* NULL is a no-op */
/* Appends the compressed form of in[0..n) to out (UNCOMPRESSED: a copy). */
int stor_pq_compress(struct pq_codec_ctx *c, const void *in, size_t n, struct wv_buf *out,
                     struct wv_error *err);
/* Decompresses in[0..n) of a codec into exactly out_n bytes at out (caller-sized). */
int stor_pq_decompress(int codec, const void *in, size_t n, void *out, size_t out_n,
                       struct wv_error *err);

/* Parses an RFC 3339 date-time ("2024-01-02T03:04:05.123456+02:00", 'Z' or offset required,
 * ' ' or 'T' separator, up to 9 fraction digits, truncated to microseconds) into microseconds
 * since the epoch, UTC. -1 if malformed. */
int stor_pq_parse_timestamp_us(const char *s, size_t n, int64_t *us);
/* The date part of the last timestamp a column parsed (consecutive values usually share it). */
struct pq_date_cache {
    char ymd[10];
    int64_t days;
    bool valid;
};
/* stor_pq_parse_timestamp_us, with the date part looked up in cache (borrowed, may be NULL)
 * first and remembered there. */
int stor_pq_parse_timestamp_cached(const char *s, size_t n, struct pq_date_cache *cache,
                                   int64_t *us);
/* Parses "YYYY-MM-DD" into days since the epoch. -1 if malformed. */
int stor_pq_parse_date(const char *s, size_t n, int32_t *days);

/* ---- reading weaver's own files (pq_read.c: Thrift compact decoder and footer) ---- */

/* Decodes start..end; the first error goes to err as "what: why at byte N". */
struct pq_tr {
    const uint8_t *start, *p, *end;
    int depth;
    bool failed;
    const char *what;     /* borrowed */
    struct wv_error *err; /* borrowed, may be NULL */
};

void stor_pq_tr_init(struct pq_tr *tr, const void *p, size_t n, const char *what,
                     struct wv_error *err);
int64_t stor_pq_tr_i64(struct pq_tr *tr);
int32_t stor_pq_tr_i32(struct pq_tr *tr);
/* Bytes borrowed from the input (NULL on error). */
const uint8_t *stor_pq_tr_binary(struct pq_tr *tr, size_t *n);
/* Caller frees. */
char *stor_pq_tr_string(struct pq_tr *tr);
/* List header: count (at most the bytes left) and element compact type. */
size_t stor_pq_tr_list(struct pq_tr *tr, int *elem);
/* 1 and the next field's id and type, or 0 at the struct's stop byte or on error. */
int stor_pq_tr_field(struct pq_tr *tr, int16_t *last, int16_t *id, int *type);
/* Skips one value of a compact type. */
int stor_pq_tr_skip(struct pq_tr *tr, int type, bool in_list);

/* A SchemaElement (index 0 is the root). */
struct pq_r_col {
    char *name;
    int type, repetition, conv; /* -1 when absent */
    int64_t num_children;
    int logical; /* LogicalType member id, 0 if none */
    bool ts_utc;
    int ts_unit; /* 1 MILLIS, 2 MICROS, 3 NANOS */
};

struct pq_r_chunk {
    bool has_meta;
    int type, codec;
    int32_t enc[8];
    size_t n_enc;
    int64_t num_values, uncompressed, compressed, data_page_offset;
    int64_t dict_page_offset, null_count; /* -1 when absent */
    const uint8_t *min, *max;             /* PLAIN statistics, borrowed from the footer */
    size_t min_len, max_len;
};

struct pq_r_rg {
    struct pq_r_chunk *chunks;
    size_t n_chunks;
    int64_t num_rows, total_byte_size, total_compressed;
};

struct pq_r_meta {
    int fd;
    char *path;
    int64_t file_size, footer_len;
    uint8_t *footer;
    int64_t version, num_rows;
    struct pq_r_col *schema;
    size_t n_schema;
    struct pq_r_rg *rgs;
    size_t n_rgs;
    char **kv_keys;
    size_t n_kv;
    char *created_by;
};

/* Opens a Parquet file and decodes its footer (flat schemas only); NULL with a message naming
 * the file on any inconsistency. Caller frees with stor_pq_meta_free. */
struct pq_r_meta *stor_pq_meta_read(const char *path, struct wv_error *err);
void stor_pq_meta_free(struct pq_r_meta *m); /* NULL is a no-op */
/* Reads exactly n bytes at off (an early end of file is an error). */
int stor_pq_meta_pread(const struct pq_r_meta *m, void *buf, size_t n, int64_t off,
                       struct wv_error *err);

struct pq_r_page {
    int type; /* 0 DATA_PAGE, 2 DICTIONARY_PAGE, others unsupported */
    int32_t uncompressed, compressed, num_values;
    int encoding;
};
/* Decodes a PageHeader. */
int stor_pq_read_page_header(struct pq_tr *tr, struct pq_r_page *h);

#endif
