/* pq_read.c - reads the footer of a Parquet file: the Thrift compact protocol decoder
 * (apache/thrift doc/specs/thrift-compact-protocol.md) and the FileMetaData, SchemaElement,
 * RowGroup, ColumnChunk, ColumnMetaData, Statistics and PageHeader structs of apache/
 * parquet-format src/main/thrift/parquet.thrift. Every length, count and nesting depth is
 * checked against the bytes that remain, so a corrupt file gives an error, never a crash.
 * Runs on the caller's thread. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/mem.h"
#include "storage/pq_int.h"
#include "storage/storage.h"

#define PQ_TR_MAX_DEPTH 32
#define PQ_FOOTER_LIMIT ((int64_t)64 << 20)

/* Starts decoding p[0..n); errors are reported as "what: ..." into err (borrowed). */
void stor_pq_tr_init(struct pq_tr *tr, const void *p, size_t n, const char *what,
                     struct wv_error *err)
{
    memset(tr, 0, sizeof *tr);
    tr->start = tr->p = p;
    tr->end = tr->p + n;
    tr->what = what;
    tr->err = err;
}

/* Records the first decoding error. */
static int tr_fail(struct pq_tr *tr, const char *why)
{
    if (!tr->failed)
        wv_error_set(tr->err, WV_E_PARSE, 0, "%s: %s at byte %zu", tr->what, why,
                     (size_t)(tr->p - tr->start));
    tr->failed = true;
    tr->p = tr->end;
    return -1;
}

/* Unsigned varint of at most 10 bytes. */
static uint64_t tr_varint(struct pq_tr *tr)
{
    uint64_t v = 0;
    for (int shift = 0; shift < 70; shift += 7) {
        if (tr->p >= tr->end) {
            tr_fail(tr, "truncated");
            return 0;
        }
        uint8_t b = *tr->p++;
        v |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80))
            return v;
    }
    tr_fail(tr, "varint too long");
    return 0;
}

/* Zigzag i64 / i32. */
int64_t stor_pq_tr_i64(struct pq_tr *tr)
{
    uint64_t u = tr_varint(tr);
    return (int64_t)(u >> 1) ^ -(int64_t)(u & 1);
}
int32_t stor_pq_tr_i32(struct pq_tr *tr)
{
    int64_t v = stor_pq_tr_i64(tr);
    if (v < INT32_MIN || v > INT32_MAX) {
        tr_fail(tr, "i32 out of range");
        return 0;
    }
    return (int32_t)v;
}

/* Length-prefixed bytes, borrowed from the input. */
const uint8_t *stor_pq_tr_binary(struct pq_tr *tr, size_t *n)
{
    uint64_t len = tr_varint(tr);
    if (tr->failed || len > (uint64_t)(tr->end - tr->p)) {
        tr_fail(tr, "binary length past the end");
        *n = 0;
        return NULL;
    }
    const uint8_t *p = tr->p;
    tr->p += len;
    *n = (size_t)len;
    return p;
}

/* A copy of a binary field as a C string (caller frees). */
char *stor_pq_tr_string(struct pq_tr *tr)
{
    size_t n;
    const uint8_t *p = stor_pq_tr_binary(tr, &n);
    return wv_strndup(p ? (const char *)p : "", n);
}

/* List header: element count (checked against the bytes left) and element type. */
size_t stor_pq_tr_list(struct pq_tr *tr, int *elem)
{
    if (tr->p >= tr->end) {
        tr_fail(tr, "truncated");
        return 0;
    }
    uint8_t b = *tr->p++;
    uint64_t n = b >> 4;
    *elem = b & 0x0f;
    if (n == 15)
        n = tr_varint(tr);
    if (tr->failed || n > (uint64_t)(tr->end - tr->p)) {
        tr_fail(tr, "list longer than the data");
        return 0;
    }
    return (size_t)n;
}

/* Next field of the current struct: 0 at the stop byte (or on error), else 1 with id/type. */
int stor_pq_tr_field(struct pq_tr *tr, int16_t *last, int16_t *id, int *type)
{
    if (tr->failed)
        return 0;
    if (tr->p >= tr->end) {
        tr_fail(tr, "truncated");
        return 0;
    }
    uint8_t b = *tr->p++;
    if (b == 0)
        return 0;
    *type = b & 0x0f;
    if (b >> 4)
        *id = (int16_t)(*last + (b >> 4));
    else
        *id = (int16_t)stor_pq_tr_i32(tr);
    *last = *id;
    return tr->failed ? 0 : 1;
}

/* Skips a value of compact type t (in_list: booleans take a byte). */
int stor_pq_tr_skip(struct pq_tr *tr, int t, bool in_list)
{
    if (++tr->depth > PQ_TR_MAX_DEPTH)
        return tr_fail(tr, "nesting too deep");
    switch (t) {
    case PQ_CT_TRUE:
    case PQ_CT_FALSE:
        if (in_list && tr->p++ >= tr->end)
            tr_fail(tr, "truncated");
        break;
    case PQ_CT_BYTE:
        if (tr->p++ >= tr->end)
            tr_fail(tr, "truncated");
        break;
    case PQ_CT_I16:
    case PQ_CT_I32:
    case PQ_CT_I64:
        tr_varint(tr);
        break;
    case PQ_CT_DOUBLE:
        if (tr->end - tr->p < 8)
            tr_fail(tr, "truncated");
        else
            tr->p += 8;
        break;
    case PQ_CT_BINARY: {
        size_t n;
        stor_pq_tr_binary(tr, &n);
        break;
    }
    case PQ_CT_LIST:
    case 10: { /* set */
        int elem = 0;
        size_t n = stor_pq_tr_list(tr, &elem);
        for (size_t i = 0; i < n && !tr->failed; i++)
            stor_pq_tr_skip(tr, elem, true);
        break;
    }
    case 11: { /* map */
        uint64_t n = tr_varint(tr);
        if (n > (uint64_t)(tr->end - tr->p)) {
            tr_fail(tr, "map longer than the data");
            break;
        }
        if (n == 0)
            break;
        uint8_t kv = tr->p < tr->end ? *tr->p++ : 0;
        for (uint64_t i = 0; i < n && !tr->failed; i++) {
            stor_pq_tr_skip(tr, kv >> 4, true);
            stor_pq_tr_skip(tr, kv & 0x0f, true);
        }
        break;
    }
    case PQ_CT_STRUCT: {
        int16_t last = 0, id;
        int ft;
        while (stor_pq_tr_field(tr, &last, &id, &ft))
            stor_pq_tr_skip(tr, ft, false);
        break;
    }
    default:
        tr_fail(tr, "unknown field type");
    }
    tr->depth--;
    return tr->failed ? -1 : 0;
}

/* An i32/i64 field value, or a type mismatch error. */
static int64_t field_int(struct pq_tr *tr, int type)
{
    if (type != PQ_CT_I32 && type != PQ_CT_I64 && type != PQ_CT_I16 && type != PQ_CT_BYTE)
        return tr_fail(tr, "field has the wrong type");
    if (type == PQ_CT_BYTE)
        return tr->p < tr->end ? (int8_t)*tr->p++ : tr_fail(tr, "truncated");
    return stor_pq_tr_i64(tr);
}

/* Enters a nested struct value (depth-checked); 0 if it may be read. */
static int enter(struct pq_tr *tr, int type)
{
    if (type != PQ_CT_STRUCT)
        return tr_fail(tr, "field has the wrong type");
    if (++tr->depth > PQ_TR_MAX_DEPTH)
        return tr_fail(tr, "nesting too deep");
    return 0;
}

/* LogicalType union: which member, and TIMESTAMP's unit. */
static void read_logical(struct pq_tr *tr, struct pq_r_col *c)
{
    int16_t last = 0, id;
    int t;
    while (stor_pq_tr_field(tr, &last, &id, &t)) {
        c->logical = id;
        if (id != PQ_LT_TIMESTAMP || enter(tr, t) < 0) {
            stor_pq_tr_skip(tr, t, false);
            continue;
        }
        int16_t l2 = 0, id2;
        int t2;
        while (stor_pq_tr_field(tr, &l2, &id2, &t2)) {
            if (id2 == 1 && (t2 == PQ_CT_TRUE || t2 == PQ_CT_FALSE))
                c->ts_utc = t2 == PQ_CT_TRUE;
            else if (id2 == 2 && enter(tr, t2) == 0) {
                int16_t l3 = 0, id3;
                int t3;
                while (stor_pq_tr_field(tr, &l3, &id3, &t3)) {
                    c->ts_unit = id3; /* 1 MILLIS, 2 MICROS, 3 NANOS */
                    stor_pq_tr_skip(tr, t3, false);
                }
                tr->depth--;
            } else
                stor_pq_tr_skip(tr, t2, false);
        }
        tr->depth--;
    }
}

/* SchemaElement. */
static void read_schema_el(struct pq_tr *tr, struct pq_r_col *c)
{
    int16_t last = 0, id;
    int t;
    c->type = c->repetition = c->conv = -1;
    while (stor_pq_tr_field(tr, &last, &id, &t)) {
        if (id == 1)
            c->type = (int)field_int(tr, t);
        else if (id == 3)
            c->repetition = (int)field_int(tr, t);
        else if (id == 4 && t == PQ_CT_BINARY && !c->name)
            c->name = stor_pq_tr_string(tr);
        else if (id == 5)
            c->num_children = field_int(tr, t);
        else if (id == 6)
            c->conv = (int)field_int(tr, t);
        else if (id == 10 && enter(tr, t) == 0) {
            read_logical(tr, c);
            tr->depth--;
        } else
            stor_pq_tr_skip(tr, t, false);
    }
}

/* Statistics: min_value/max_value (or the deprecated min/max) and null_count. */
static void read_stats(struct pq_tr *tr, struct pq_r_chunk *c)
{
    int16_t last = 0, id;
    int t;
    while (stor_pq_tr_field(tr, &last, &id, &t)) {
        if ((id == 1 || id == 2 || id == 5 || id == 6) && t == PQ_CT_BINARY) {
            size_t n;
            const uint8_t *p = stor_pq_tr_binary(tr, &n);
            bool is_max = id == 1 || id == 5;
            if (id >= 5 || !(is_max ? c->max : c->min)) {
                if (is_max)
                    c->max = p, c->max_len = n;
                else
                    c->min = p, c->min_len = n;
            }
        } else if (id == 3)
            c->null_count = field_int(tr, t);
        else
            stor_pq_tr_skip(tr, t, false);
    }
}

/* ColumnMetaData. */
static void read_col_meta(struct pq_tr *tr, struct pq_r_chunk *c)
{
    int16_t last = 0, id;
    int t, elem;
    while (stor_pq_tr_field(tr, &last, &id, &t)) {
        if (id == 1)
            c->type = (int)field_int(tr, t);
        else if (id == 2 && t == PQ_CT_LIST) {
            size_t n = stor_pq_tr_list(tr, &elem);
            for (size_t i = 0; i < n && !tr->failed; i++) {
                int32_t e = stor_pq_tr_i32(tr);
                if (c->n_enc < sizeof c->enc / sizeof c->enc[0])
                    c->enc[c->n_enc++] = e;
            }
        } else if (id == 4)
            c->codec = (int)field_int(tr, t);
        else if (id == 5)
            c->num_values = field_int(tr, t);
        else if (id == 6)
            c->uncompressed = field_int(tr, t);
        else if (id == 7)
            c->compressed = field_int(tr, t);
        else if (id == 9)
            c->data_page_offset = field_int(tr, t);
        else if (id == 11)
            c->dict_page_offset = field_int(tr, t);
        else if (id == 12 && enter(tr, t) == 0) {
            read_stats(tr, c);
            tr->depth--;
        } else
            stor_pq_tr_skip(tr, t, false);
    }
}

/* ColumnChunk { meta_data }. */
static void read_chunk(struct pq_tr *tr, struct pq_r_chunk *c)
{
    int16_t last = 0, id;
    int t;
    c->dict_page_offset = c->null_count = -1;
    while (stor_pq_tr_field(tr, &last, &id, &t)) {
        if (id == 3 && enter(tr, t) == 0) {
            c->has_meta = true;
            read_col_meta(tr, c);
            tr->depth--;
        } else
            stor_pq_tr_skip(tr, t, false);
    }
}

/* RowGroup. */
static void read_row_group(struct pq_tr *tr, struct pq_r_rg *rg)
{
    int16_t last = 0, id;
    int t, elem;
    rg->total_compressed = -1;
    while (stor_pq_tr_field(tr, &last, &id, &t)) {
        if (id == 1 && t == PQ_CT_LIST && !rg->chunks) {
            size_t n = stor_pq_tr_list(tr, &elem);
            if (elem != PQ_CT_STRUCT && n) {
                tr_fail(tr, "column chunks are not structs");
                break;
            }
            rg->chunks = wv_calloc(n ? n : 1, sizeof *rg->chunks);
            rg->n_chunks = n;
            for (size_t i = 0; i < n && !tr->failed; i++)
                if (enter(tr, PQ_CT_STRUCT) == 0) {
                    read_chunk(tr, &rg->chunks[i]);
                    tr->depth--;
                }
        } else if (id == 2)
            rg->total_byte_size = field_int(tr, t);
        else if (id == 3)
            rg->num_rows = field_int(tr, t);
        else if (id == 6)
            rg->total_compressed = field_int(tr, t);
        else
            stor_pq_tr_skip(tr, t, false);
    }
}

/* A list of structs, each read by fn into an element of size sz of a new array. */
static void *read_struct_list(struct pq_tr *tr, size_t sz, size_t *count,
                              void (*fn)(struct pq_tr *, void *))
{
    int elem;
    size_t n = stor_pq_tr_list(tr, &elem);
    if (n && elem != PQ_CT_STRUCT) {
        tr_fail(tr, "list of the wrong type");
        n = 0;
    }
    char *arr = wv_calloc(n ? n : 1, sz);
    *count = n;
    for (size_t i = 0; i < n && !tr->failed; i++)
        if (enter(tr, PQ_CT_STRUCT) == 0) {
            fn(tr, arr + i * sz);
            tr->depth--;
        }
    return arr;
}

/* Adapters for read_struct_list. */
static void schema_fn(struct pq_tr *tr, void *p)
{
    read_schema_el(tr, p);
}
static void rg_fn(struct pq_tr *tr, void *p)
{
    read_row_group(tr, p);
}
static void kv_fn(struct pq_tr *tr, void *p)
{
    char **key = p;
    int16_t last = 0, id;
    int t;
    while (stor_pq_tr_field(tr, &last, &id, &t))
        if (id == 1 && t == PQ_CT_BINARY && !*key)
            *key = stor_pq_tr_string(tr);
        else
            stor_pq_tr_skip(tr, t, false);
}

/* FileMetaData. */
static void read_file_meta(struct pq_tr *tr, struct pq_r_meta *m)
{
    int16_t last = 0, id;
    int t;
    while (stor_pq_tr_field(tr, &last, &id, &t)) {
        if (id == 1)
            m->version = field_int(tr, t);
        else if (id == 2 && t == PQ_CT_LIST && !m->schema)
            m->schema = read_struct_list(tr, sizeof *m->schema, &m->n_schema, schema_fn);
        else if (id == 3)
            m->num_rows = field_int(tr, t);
        else if (id == 4 && t == PQ_CT_LIST && !m->rgs)
            m->rgs = read_struct_list(tr, sizeof *m->rgs, &m->n_rgs, rg_fn);
        else if (id == 5 && t == PQ_CT_LIST && !m->kv_keys)
            m->kv_keys = read_struct_list(tr, sizeof *m->kv_keys, &m->n_kv, kv_fn);
        else if (id == 6 && t == PQ_CT_BINARY && !m->created_by)
            m->created_by = stor_pq_tr_string(tr);
        else
            stor_pq_tr_skip(tr, t, false);
    }
}

/* Checks what the rest of the reader relies on: a flat schema whose leaves match the chunks. */
static int check_meta(const struct pq_r_meta *m, const char *path, struct wv_error *err)
{
    if (m->n_schema < 1 || m->n_schema - 1 > STOR_PQ_MAX_COLUMNS)
        return wv_error_set(err, WV_E_PARSE, 0, "%s: schema has %zu elements", path, m->n_schema);
    for (size_t i = 1; i < m->n_schema; i++) {
        const struct pq_r_col *c = &m->schema[i];
        if (c->num_children > 0 || c->type < 0 || !c->name)
            return wv_error_set(err, WV_E_PARSE, 0,
                                "%s: schema element %zu: only flat schemas of typed, named "
                                "columns are supported",
                                path, i);
    }
    for (size_t g = 0; g < m->n_rgs; g++) {
        const struct pq_r_rg *rg = &m->rgs[g];
        if (rg->n_chunks != m->n_schema - 1)
            return wv_error_set(err, WV_E_PARSE, 0,
                                "%s: row group %zu has %zu column chunks for %zu columns", path, g,
                                rg->n_chunks, m->n_schema - 1);
        for (size_t i = 0; i < rg->n_chunks; i++)
            if (!rg->chunks[i].has_meta || rg->chunks[i].compressed < 0 ||
                rg->chunks[i].num_values < 0 || rg->num_rows < 0)
                return wv_error_set(err, WV_E_PARSE, 0,
                                    "%s: row group %zu column %zu: bad column metadata", path, g,
                                    i);
    }
    return 0;
}

/* Reads n bytes at off. */
static int read_at(int fd, void *buf, size_t n, int64_t off, const char *path, struct wv_error *err)
{
    for (size_t done = 0; done < n;) {
        ssize_t r = pread(fd, (char *)buf + done, n - done, (off_t)(off + (int64_t)done));
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return wv_error_errno(err, errno, "%s: read", path);
        if (r == 0)
            return wv_error_set(err, WV_E_PARSE, 0, "%s: unexpected end of file", path);
        done += (size_t)r;
    }
    return 0;
}

/* Reads n bytes at off of the file m describes. */
int stor_pq_meta_pread(const struct pq_r_meta *m, void *buf, size_t n, int64_t off,
                       struct wv_error *err)
{
    return read_at(m->fd, buf, n, off, m->path, err);
}

/* Opens path, checks both magics and the footer length, and decodes the footer. */
struct pq_r_meta *stor_pq_meta_read(const char *path, struct wv_error *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        wv_error_errno(err, errno, "%s: open", path);
        return NULL;
    }
    struct pq_r_meta *m = wv_calloc(1, sizeof *m);
    m->fd = fd;
    m->path = wv_strdup(path);
    struct stat st;
    uint8_t head[4], tail[8];
    int rc = fstat(fd, &st) < 0 ? wv_error_errno(err, errno, "%s: stat", path) : 0;
    m->file_size = rc == 0 ? (int64_t)st.st_size : 0;
    if (rc == 0 && m->file_size < 12)
        rc = wv_error_set(err, WV_E_PARSE, 0, "%s: %lld bytes is too short for a Parquet file",
                          path, (long long)m->file_size);
    if (rc == 0)
        rc = read_at(fd, head, 4, 0, path, err);
    if (rc == 0)
        rc = read_at(fd, tail, 8, m->file_size - 8, path, err);
    if (rc == 0 && (memcmp(head, "PAR1", 4) != 0 || memcmp(tail + 4, "PAR1", 4) != 0))
        rc = wv_error_set(err, WV_E_PARSE, 0, "%s: not a Parquet file (bad magic)", path);
    if (rc == 0) {
        int64_t flen = (int64_t)((uint32_t)tail[0] | (uint32_t)tail[1] << 8 |
                                 (uint32_t)tail[2] << 16 | (uint32_t)tail[3] << 24);
        if (flen > m->file_size - 12)
            rc = wv_error_set(err, WV_E_PARSE, 0, "%s: footer length %lld exceeds file size", path,
                              (long long)flen);
        else if (flen > PQ_FOOTER_LIMIT)
            rc = wv_error_set(err, WV_E_LIMIT, 0, "%s: footer of %lld bytes is too large", path,
                              (long long)flen);
        m->footer_len = flen;
    }
    if (rc == 0) {
        m->footer = wv_malloc((size_t)m->footer_len + 1);
        rc = read_at(fd, m->footer, (size_t)m->footer_len, m->file_size - 8 - m->footer_len, path,
                     err);
    }
    if (rc == 0) {
        char *what = wv_asprintf("%s: footer", path);
        struct pq_tr tr;
        stor_pq_tr_init(&tr, m->footer, (size_t)m->footer_len, what, err);
        read_file_meta(&tr, m);
        free(what);
        rc = tr.failed ? -1 : check_meta(m, path, err);
    }
    if (rc < 0) {
        stor_pq_meta_free(m);
        return NULL;
    }
    return m;
}

/* Frees the metadata and closes the file. */
void stor_pq_meta_free(struct pq_r_meta *m)
{
    if (!m)
        return;
    if (m->fd >= 0)
        close(m->fd);
    for (size_t i = 0; i < m->n_schema; i++)
        free(m->schema[i].name);
    free(m->schema);
    for (size_t i = 0; i < m->n_rgs; i++)
        free(m->rgs[i].chunks);
    free(m->rgs);
    for (size_t i = 0; i < m->n_kv; i++)
        free(m->kv_keys[i]);
    free(m->kv_keys);
    free(m->created_by);
    free(m->footer);
    free(m->path);
    free(m);
}

/* PageHeader: type, sizes, and the value count/encodings of a v1 data or dictionary page. */
int stor_pq_read_page_header(struct pq_tr *tr, struct pq_r_page *h)
{
    int16_t last = 0, id;
    int t;
    memset(h, 0, sizeof *h);
    h->type = h->uncompressed = h->compressed = -1;
    while (stor_pq_tr_field(tr, &last, &id, &t)) {
        if (id == 1)
            h->type = (int)field_int(tr, t);
        else if (id == 2)
            h->uncompressed = (int32_t)field_int(tr, t);
        else if (id == 3)
            h->compressed = (int32_t)field_int(tr, t);
        else if ((id == 5 || id == 7) && enter(tr, t) == 0) {
            int16_t l2 = 0, id2;
            int t2;
            while (stor_pq_tr_field(tr, &l2, &id2, &t2)) {
                if (id2 == 1)
                    h->num_values = (int32_t)field_int(tr, t2);
                else if (id2 == 2)
                    h->encoding = (int)field_int(tr, t2);
                else
                    stor_pq_tr_skip(tr, t2, false);
            }
            tr->depth--;
        } else
            stor_pq_tr_skip(tr, t, false);
    }
    if (tr->failed)
        return -1;
    if (h->uncompressed < 0 || h->compressed < 0 || h->num_values < 0)
        return tr_fail(tr, "page header without sizes");
    return 0;
}
