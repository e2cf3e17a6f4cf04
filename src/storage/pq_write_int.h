/* pq_write_int.h - the writer's private state, shared by pq_writer.c (file, rows, footer),
 * pq_convert.c (JSON value -> Parquet value) and pq_column.c (pages, dictionaries, statistics
 * and column chunks of the buffered row group). One thread at a time. */
#ifndef PQ_WRITE_INT_H
#define PQ_WRITE_INT_H

#include <string.h>

#include "storage/pq_int.h"
#include "storage/storage.h"

#define PQ_OUT_FLUSH (1u << 20)
#define PQ_STATS_MAX 4096 /* byte-array min/max longer than this are left out */
/* After this many values in a chunk's dictionary, the dictionary must pay: dictionary page plus
 * indices smaller than the values PLAIN, else the rest of the chunk is PLAIN. */
#define PQ_DICT_PROBE 8192

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
    struct wv_buf tmp;          /* the row being converted: text of a JSON value */
    struct pq_date_cache dates; /* TIMESTAMP: the last date part parsed */
    /* dictionary of the current chunk (Encodings.md "Dictionary Encoding") */
    bool dict_on;     /* values of the open page go to the dictionary */
    bool chunk_plain; /* the chunk has PLAIN data pages */
    struct pq_dict dict;
    int64_t dict_values, dict_raw; /* values that went to the dictionary, their PLAIN bytes */
    uint32_t *idx;                 /* dictionary indices of the open page */
    size_t n_idx, cap_idx;
};

/* A converted value of the row being written (s borrowed from the JSON value or c->tmp). */
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
    const struct wv_json **vals; /* n_cols: the row's values looked up by name */
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
    int64_t z_in, z_out; /* bytes given to and taken from the compressor so far */
    struct pq_row_group_meta *rgs;
    size_t n_rgs, cap_rgs;
    struct pq_kv *kv;
    size_t n_kv;
    bool closed;
};

/* Little-endian stores. */
static inline void pq_le32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v, p[1] = (uint8_t)(v >> 8), p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}
static inline void pq_le64(uint8_t *p, uint64_t v)
{
    pq_le32(p, (uint32_t)v);
    pq_le32(p + 4, (uint32_t)(v >> 32));
}

/* pq_writer.c: appends to the file's buffered output (force: write it all out now). */
int stor_pq_out_write(struct stor_pq_writer *w, const void *p, size_t n, bool force,
                      struct wv_error *err);
/* Name of a column type ("int64" ...). */
const char *stor_pq_type_name(enum stor_pq_type t);

/* pq_convert.c: converts one JSON value (borrowed; NULL is null) for column c into v; -1 with
 * WV_E_PARSE naming column and row when it does not fit. */
int stor_pq_convert(const struct stor_pq_writer *w, struct pq_col *c, const struct wv_json *j,
                    struct pq_val *v, struct wv_error *err);

/* pq_column.c: appends a converted value to column c's open page (dictionary lookup and
 * fallback, statistics, page flush at page_bytes) and adds its PLAIN size to w->rg_bytes. */
int stor_pq_col_append(struct stor_pq_writer *w, struct pq_col *c, const struct pq_val *v,
                       struct wv_error *err);
/* Writes the buffered row group (every column's last page, dictionary pages, chunks) to the
 * file and records its metadata; no-op without rows. */
int stor_pq_flush_row_group(struct stor_pq_writer *w, struct wv_error *err);
/* Frees the statistics copies a row group's metadata owns. */
void stor_pq_row_group_free(struct pq_row_group_meta *rg, size_t n_cols);

#endif
