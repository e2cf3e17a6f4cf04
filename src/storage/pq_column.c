/* pq_column.c - the column chunks of the row group being buffered: each value goes to its
 * column's open data page (v1: RLE/bit-packed definition levels with a 4-byte length prefix,
 * then PLAIN values or the RLE_DICTIONARY indices of Encodings.md), pages are compressed into
 * the chunk as they fill, and a row group is written as dictionary page + data pages per column
 * with min/max/null-count statistics in the column orders of LogicalTypes.md. A dictionary
 * that would pass its budget stops taking values: the rest of the chunk is PLAIN. One thread at
 * a time (the writer's). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "storage/pq_write_int.h"

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
        /* most values differ from both bounds in the first byte */
        if (c->has_minmax && v->n && c->smin.len && c->smax.len &&
            (uint8_t)v->s[0] > (uint8_t)c->smin.data[0] &&
            (uint8_t)v->s[0] < (uint8_t)c->smax.data[0])
            break;
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
        pq_le32(tmp, (uint32_t)v->i), *n = 4;
        return tmp;
    case PQ_T_DOUBLE: {
        uint64_t u;
        memcpy(&u, &v->d, 8);
        pq_le64(tmp, u), *n = 8;
        return tmp;
    }
    default:
        pq_le64(tmp, (uint64_t)v->i), *n = 8;
        return tmp;
    }
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
        pq_le32((uint8_t *)w->page.data, (uint32_t)(w->page.len - 4));
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
        if (c->optional &&
            wv_buf_append(&w->page, c->values.data ? c->values.data : "", c->values.len, err) < 0)
            return -1;
    }
    /* a required column's PLAIN page is its values as they are */
    const struct wv_buf *page = c->optional || dict_page ? &w->page : &c->values;
    size_t page_len = page->len;
    wv_buf_reset(&w->zpage);
    if (stor_pq_compress(w->cz, page->data ? page->data : "", page_len, &w->zpage, err) < 0)
        return -1;
    w->z_in += (int64_t)page_len;
    w->z_out += (int64_t)w->zpage.len;
    if (w->zpage.len > (size_t)INT32_MAX)
        return wv_error_set(err, WV_E_LIMIT, 0, "parquet: page too large");
    struct pq_page_header h = {PQ_PAGE_DATA,
                               (int32_t)page_len,
                               (int32_t)w->zpage.len,
                               (int32_t)c->page_count,
                               dict_page ? PQ_ENC_RLE_DICTIONARY : PQ_ENC_PLAIN,
                               PQ_ENC_RLE};
    wv_buf_reset(&w->hdr);
    if (stor_pq_thrift_page_header(&w->hdr, &h, err) < 0 ||
        wv_buf_append(&c->chunk, w->hdr.data, w->hdr.len, err) < 0 ||
        wv_buf_append(&c->chunk, w->zpage.data, w->zpage.len, err) < 0)
        return -1;
    c->chunk_uncompressed += (int64_t)(w->hdr.len + page_len);
    wv_buf_reset(&c->values);
    c->n_levels = 0;
    c->n_idx = 0;
    c->n_bools = 0;
    c->page_count = 0;
    return 0;
}

/* Appends the PLAIN encoding of a non-null value to the open page; returns its size. */
static size_t append_plain(struct pq_col *c, const struct pq_val *v)
{
    size_t need = c->schema.type == PQ_T_BYTE_ARRAY ? 4 + v->n : 8;
    if (c->values.cap - c->values.len <= need || !c->values.data)
        wv_buf_reserve(&c->values, need, NULL); /* no cap: aborts on out of memory */
    uint8_t *p = (uint8_t *)c->values.data + c->values.len;
    size_t n = 0;
    switch (c->schema.type) {
    case PQ_T_BOOLEAN:
        if (c->n_bools % 8 == 0)
            p[n++] = 0;
        if (v->b)
            c->values.data[c->values.len + n - 1] |= (char)(1u << (c->n_bools % 8));
        c->n_bools++;
        break;
    case PQ_T_INT32:
        pq_le32(p, (uint32_t)v->i), n = 4;
        break;
    case PQ_T_INT64:
        pq_le64(p, (uint64_t)v->i), n = 8;
        break;
    case PQ_T_DOUBLE: {
        uint64_t u;
        memcpy(&u, &v->d, 8);
        pq_le64(p, u), n = 8;
        break;
    }
    case PQ_T_BYTE_ARRAY:
        pq_le32(p, (uint32_t)v->n);
        if (v->n)
            memcpy(p + 4, v->s, v->n);
        n = 4 + v->n;
        break;
    }
    c->values.len += n;
    c->values.data[c->values.len] = '\0';
    return n;
}

/* Whether the chunk's dictionary encoding so far (the dictionary page and the indices at their
 * bit width) is smaller than the same values PLAIN - the test parquet-mr applies to a first
 * page. Nearly unique values (ids, timestamps, measurements) fail it and go PLAIN early instead
 * of filling the dictionary up to its budget. */
static bool dict_pays(const struct pq_col *c)
{
    int64_t bw = stor_pq_bit_width(c->dict.n ? c->dict.n - 1 : 0);
    return (int64_t)c->dict.plain.len + (c->dict_values * bw + 7) / 8 < c->dict_raw;
}

/* Appends a value: the dictionary first (a new key past the budget, or a dictionary that does
 * not pay after PQ_DICT_PROBE values, ends the dictionary-encoded pages: the open page is
 * flushed and the rest of the chunk is PLAIN), then the page. A key already in the dictionary
 * is already in the statistics. */
int stor_pq_col_append(struct stor_pq_writer *w, struct pq_col *c, const struct pq_val *v,
                       struct wv_error *err)
{
    uint8_t tmp[8];
    size_t kn = 0, slot = SIZE_MAX;
    const void *key = NULL;
    uint64_t h = 0;
    int64_t k = -1;
    if (c->dict_on && !v->null) {
        key = dict_key(c, v, tmp, &kn);
        h = stor_pq_dict_hash(key, kn);
        k = stor_pq_dict_find_h(&c->dict, key, kn, h, &slot);
        if (k < 0 && (stor_pq_dict_size_with(&c->dict, kn) > (size_t)w->dict_budget ||
                      c->dict.n >= INT32_MAX - 1)) {
            if (flush_page(w, c, err) < 0) /* the last dictionary-encoded page */
                return -1;
            c->dict_on = false;
        }
    }
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
        w->rg_bytes += 1;
    } else if (c->dict_on) {
        if (k < 0) {
            k = stor_pq_dict_add_at(&c->dict, key, kn, h, slot);
            stats_add(c, v);
        }
        if (c->n_idx == c->cap_idx) {
            c->cap_idx = c->cap_idx ? c->cap_idx * 2 : 1024;
            c->idx = wv_realloc(c->idx, c->cap_idx * sizeof *c->idx);
        }
        c->idx[c->n_idx++] = (uint32_t)k;
        size_t plain = kn + (c->schema.type == PQ_T_BYTE_ARRAY ? 4 : 0);
        w->rg_bytes += (int64_t)(plain + c->optional);
        c->dict_raw += (int64_t)plain;
        if (++c->dict_values == PQ_DICT_PROBE && !dict_pays(c)) {
            if (flush_page(w, c, err) < 0)
                return -1;
            c->dict_on = false;
        }
    } else {
        stats_add(c, v);
        w->rg_bytes += (int64_t)(append_plain(c, v) + c->optional);
    }
    if ((int64_t)(c->values.len + c->n_levels / 8 + c->n_idx * 4) >= w->page_bytes)
        return flush_page(w, c, err);
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
        memcpy(&u, &dmin, 8), pq_le64(mn, u);
        memcpy(&u, &dmax, 8), pq_le64(mx, u);
        break;
    }
    case PQ_T_INT32:
        pq_le32(mn, (uint32_t)c->imin), pq_le32(mx, (uint32_t)c->imax), len = 4;
        break;
    case PQ_T_BOOLEAN:
        mn[0] = (uint8_t)c->imin, mx[0] = (uint8_t)c->imax, len = 1;
        break;
    default:
        pq_le64(mn, (uint64_t)c->imin), pq_le64(mx, (uint64_t)c->imax);
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
    w->z_in += (int64_t)plain->len;
    w->z_out += (int64_t)w->zpage.len;
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
    if (stor_pq_out_write(w, w->hdr.data, w->hdr.len, false, err) < 0 ||
        stor_pq_out_write(w, w->zpage.data, w->zpage.len, false, err) < 0)
        return -1;
    return 0;
}

/* Writes the buffered row group: each column's chunk in order, then records its metadata. */
int stor_pq_flush_row_group(struct stor_pq_writer *w, struct wv_error *err)
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
        if (stor_pq_out_write(w, c->chunk.data, c->chunk.len, false, err) < 0)
            return -1;
        wv_buf_reset(&c->chunk);
        c->chunk_values = c->chunk_nulls = c->chunk_uncompressed = 0;
        c->has_minmax = false;
        c->chunk_plain = false;
        stor_pq_dict_reset(&c->dict);
        c->dict_values = c->dict_raw = 0;
        c->dict_on = w->dictionary && c->schema.type != PQ_T_BOOLEAN;
    }
    w->rg_rows = 0;
    w->rg_bytes = 0;
    return 0;
}

/* Frees the min/max copies of a row group's chunks and the chunk array. */
void stor_pq_row_group_free(struct pq_row_group_meta *rg, size_t n_cols)
{
    for (size_t j = 0; j < n_cols; j++) {
        free((void *)(uintptr_t)rg->chunks[j].stats.min);
        free((void *)(uintptr_t)rg->chunks[j].stats.max);
    }
    free(rg->chunks);
}
