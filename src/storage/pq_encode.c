/* pq_encode.c - Parquet value-level encodings and page compression: the RLE/bit-packed hybrid
 * of apache/parquet-format Encodings.md ("Run Length Encoding / Bit-Packing Hybrid (RLE = 3)")
 * for definition levels, the page codecs of parquet.thrift CompressionCodec (GZIP: zlib gzip
 * stream, SNAPPY: raw snappy block, ZSTD: zstd frame), and RFC 3339 date/time parsing for
 * TIMESTAMP/DATE columns; the matching decompressors for `weaver parquet inspect`. Runs on
 * whichever thread owns the writer (or the reader). */
#include <snappy-c.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include <zstd.h>

#include "base/clock.h"
#include "base/mem.h"
#include "storage/pq_int.h"
#include "storage/storage.h"

/* Bits needed for values 0..max, at least 1. */
int stor_pq_bit_width(uint32_t max)
{
    int w = 1;
    while (w < 32 && (max >> w) != 0)
        w++;
    return w;
}

/* The hybrid, for levels (uint8_t) and dictionary indices (uint32_t): runs of 8+ equal values
 * as RLE runs (value in ceil(w/8) bytes, little-endian), the rest bit-packed in groups of 8
 * (values past n are 0), LSB first, through a 64-bit accumulator. A literal stretch ends at the
 * first group boundary where a run of 8 starts. Writes into reserved room of out. */
#define PQ_DEFINE_RLE(name, T)                                                                     \
    static int name(struct wv_buf *out, const T *v, size_t n, int w, struct wv_error *err)         \
    {                                                                                              \
        size_t vbytes = ((size_t)w + 7) / 8, i = 0;                                                \
        while (i < n) {                                                                            \
            size_t r = 1;                                                                          \
            while (i + r < n && v[i + r] == v[i])                                                  \
                r++;                                                                               \
            if (r >= 8) {                                                                          \
                if (wv_buf_reserve(out, 16, err) < 0)                                              \
                    return -1;                                                                     \
                uint8_t *p = (uint8_t *)out->data + out->len;                                      \
                size_t k = put_varint_raw(p, (uint64_t)r << 1);                                    \
                for (size_t b = 0; b < vbytes; b++)                                                \
                    p[k++] = (uint8_t)((uint32_t)v[i] >> (8 * b));                                 \
                out->len += k;                                                                     \
                i += r;                                                                            \
                continue;                                                                          \
            }                                                                                      \
            size_t j = i + 8;                                                                      \
            while (j < n) {                                                                        \
                size_t q = 1;                                                                      \
                while (q < 8 && j + q < n && v[j + q] == v[j])                                     \
                    q++;                                                                           \
                if (q == 8)                                                                        \
                    break;                                                                         \
                j += 8;                                                                            \
            }                                                                                      \
            size_t end = j < n ? j : n, groups = (end - i + 7) / 8;                                \
            if (wv_buf_reserve(out, 10 + groups * (size_t)w + 8, err) < 0)                         \
                return -1;                                                                         \
            uint8_t *p = (uint8_t *)out->data + out->len;                                          \
            p += put_varint_raw(p, (uint64_t)groups << 1 | 1);                                     \
            uint64_t acc = 0;                                                                      \
            int bits = 0;                                                                          \
            for (size_t k = i; k < i + groups * 8; k++) {                                          \
                uint64_t x = k < end ? (uint64_t)v[k] : 0;                                         \
                acc |= x << bits;                                                                  \
                bits += w;                                                                         \
                while (bits >= 8) {                                                                \
                    *p++ = (uint8_t)acc;                                                           \
                    acc >>= 8;                                                                     \
                    bits -= 8;                                                                     \
                }                                                                                  \
            }                                                                                      \
            out->len = (size_t)(p - (uint8_t *)out->data);                                         \
            i = j;                                                                                 \
        }                                                                                          \
        if (out->data)                                                                             \
            out->data[out->len] = '\0';                                                            \
        return 0;                                                                                  \
    }

/* An unsigned LEB128 varint at p; returns its length. */
static size_t put_varint_raw(uint8_t *p, uint64_t v)
{
    size_t n = 0;
    while (v >= 0x80) {
        p[n++] = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    p[n++] = (uint8_t)v;
    return n;
}

PQ_DEFINE_RLE(rle8, uint8_t)
PQ_DEFINE_RLE(rle32, uint32_t)

/* Definition levels (width 1..8). */
int stor_pq_rle_encode(struct wv_buf *out, const uint8_t *levels, size_t n, int bit_width,
                       struct wv_error *err)
{
    if (bit_width < 1 || bit_width > 8)
        return wv_error_set(err, WV_E_INTERNAL, 0, "parquet: bad level bit width %d", bit_width);
    return rle8(out, levels, n, bit_width, err);
}

/* Dictionary indices (width 1..32). */
int stor_pq_rle_encode32(struct wv_buf *out, const uint32_t *v, size_t n, int bit_width,
                         struct wv_error *err)
{
    if (bit_width < 1 || bit_width > 32)
        return wv_error_set(err, WV_E_INTERNAL, 0, "parquet: bad bit width %d", bit_width);
    return rle32(out, v, n, bit_width, err);
}

struct pq_codec_ctx {
    int codec;
    ZSTD_CCtx *zstd;
};

/* A compressor for one of enum stor_pq_codec. */
struct pq_codec_ctx *stor_pq_codec_new(int codec)
{
    struct pq_codec_ctx *c = wv_calloc(1, sizeof *c);
    c->codec = codec;
    if (codec == STOR_PQ_ZSTD) {
        c->zstd = ZSTD_createCCtx();
        if (!c->zstd)
            abort();
    }
    return c;
}

/* Frees a compressor. */
void stor_pq_codec_free(struct pq_codec_ctx *c)
{
    if (!c)
        return;
    ZSTD_freeCCtx(c->zstd);
    free(c);
}

/* gzip stream (RFC 1952) of in, via zlib with a gzip wrapper. */
static int gzip(const void *in, size_t n, struct wv_buf *out, struct wv_error *err)
{
    z_stream z;
    memset(&z, 0, sizeof z);
    if (deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        return wv_error_set(err, WV_E_INTERNAL, 0, "parquet: gzip init failed");
    uLong bound = deflateBound(&z, (uLong)n);
    if (wv_buf_reserve(out, bound, err) < 0) {
        deflateEnd(&z);
        return -1;
    }
    z.next_in = (Bytef *)(uintptr_t)in;
    z.avail_in = (uInt)n;
    z.next_out = (Bytef *)out->data + out->len;
    z.avail_out = (uInt)bound;
    int rc = deflate(&z, Z_FINISH);
    size_t produced = bound - z.avail_out;
    deflateEnd(&z);
    if (rc != Z_STREAM_END)
        return wv_error_set(err, WV_E_INTERNAL, rc, "parquet: gzip failed (%d)", rc);
    out->len += produced;
    out->data[out->len] = '\0';
    return 0;
}

/* Appends the compressed form of in to out. */
int stor_pq_compress(struct pq_codec_ctx *c, const void *in, size_t n, struct wv_buf *out,
                     struct wv_error *err)
{
    if (n > (size_t)INT32_MAX)
        return wv_error_set(err, WV_E_LIMIT, 0, "parquet: page of %zu bytes too large", n);
    switch (c->codec) {
    case STOR_PQ_GZIP:
        return gzip(in, n, out, err);
    case STOR_PQ_ZSTD: {
        size_t bound = ZSTD_compressBound(n);
        if (wv_buf_reserve(out, bound, err) < 0)
            return -1;
        size_t r = ZSTD_compressCCtx(c->zstd, out->data + out->len, bound, in, n, 3);
        if (ZSTD_isError(r))
            return wv_error_set(err, WV_E_INTERNAL, 0, "parquet: zstd: %s", ZSTD_getErrorName(r));
        out->len += r;
        out->data[out->len] = '\0';
        return 0;
    }
    case STOR_PQ_SNAPPY: {
        size_t bound = snappy_max_compressed_length(n);
        if (wv_buf_reserve(out, bound, err) < 0)
            return -1;
        if (snappy_compress(in, n, out->data + out->len, &bound) != SNAPPY_OK)
            return wv_error_set(err, WV_E_INTERNAL, 0, "parquet: snappy failed");
        out->len += bound;
        out->data[out->len] = '\0';
        return 0;
    }
    default:
        return wv_buf_append(out, in, n, err);
    }
}

/* Inflates a gzip (or zlib) stream into exactly out_n bytes. */
static int gunzip(const void *in, size_t n, void *out, size_t out_n, struct wv_error *err)
{
    z_stream z;
    memset(&z, 0, sizeof z);
    if (inflateInit2(&z, 15 + 32) != Z_OK)
        return wv_error_set(err, WV_E_INTERNAL, 0, "parquet: gzip init failed");
    z.next_in = (Bytef *)(uintptr_t)in;
    z.avail_in = (uInt)n;
    z.next_out = out;
    z.avail_out = (uInt)out_n;
    int rc = inflate(&z, Z_FINISH);
    size_t produced = out_n - z.avail_out;
    inflateEnd(&z);
    if (rc != Z_STREAM_END || produced != out_n)
        return wv_error_set(err, WV_E_PARSE, rc, "gzip page does not inflate to %zu bytes", out_n);
    return 0;
}

/* Decompresses one page. */
int stor_pq_decompress(int codec, const void *in, size_t n, void *out, size_t out_n,
                       struct wv_error *err)
{
    if (n > (size_t)INT32_MAX || out_n > (size_t)INT32_MAX)
        return wv_error_set(err, WV_E_LIMIT, 0, "parquet: page too large");
    switch (codec) {
    case STOR_PQ_UNCOMPRESSED:
        if (n != out_n)
            return wv_error_set(err, WV_E_PARSE, 0,
                                "uncompressed page of %zu bytes, header "
                                "says %zu",
                                n, out_n);
        if (n)
            memcpy(out, in, n);
        return 0;
    case STOR_PQ_GZIP:
        return gunzip(in, n, out, out_n, err);
    case STOR_PQ_ZSTD: {
        size_t r = ZSTD_decompress(out, out_n, in, n);
        if (ZSTD_isError(r) || r != out_n)
            return wv_error_set(err, WV_E_PARSE, 0,
                                "zstd page does not decompress to %zu "
                                "bytes",
                                out_n);
        return 0;
    }
    case STOR_PQ_SNAPPY: {
        size_t len = 0;
        if (snappy_uncompressed_length(in, n, &len) != SNAPPY_OK || len != out_n ||
            snappy_uncompress(in, n, out, &len) != SNAPPY_OK)
            return wv_error_set(err, WV_E_PARSE, 0,
                                "snappy page does not decompress to %zu "
                                "bytes",
                                out_n);
        return 0;
    }
    default:
        return wv_error_set(err, WV_E_PARSE, 0, "unsupported codec %d", codec);
    }
}

/* Reads exactly k digits at s[*i]. */
static int digits(const char *s, size_t n, size_t *i, int k, int *v)
{
    *v = 0;
    for (int d = 0; d < k; d++, (*i)++) {
        if (*i >= n || s[*i] < '0' || s[*i] > '9')
            return -1;
        *v = *v * 10 + (s[*i] - '0');
    }
    return 0;
}

/* "YYYY-MM-DD" at s[*i]: days since the epoch, with the day checked against its month. */
static int parse_ymd(const char *s, size_t n, size_t *i, int64_t *days)
{
    int y, m, d;
    if (digits(s, n, i, 4, &y) < 0 || *i >= n || s[(*i)++] != '-' || digits(s, n, i, 2, &m) < 0 ||
        *i >= n || s[(*i)++] != '-' || digits(s, n, i, 2, &d) < 0 || m < 1 || m > 12 || d < 1)
        return -1;
    static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    if (d > mdays[m - 1] || (m == 2 && d == 29 && !leap))
        return -1;
    *days = wv_days_from_civil(y, m, d);
    return 0;
}

/* Parses "YYYY-MM-DD". */
int stor_pq_parse_date(const char *s, size_t n, int32_t *days)
{
    size_t i = 0;
    int64_t d;
    if (parse_ymd(s, n, &i, &d) < 0 || i != n)
        return -1;
    *days = (int32_t)d;
    return 0;
}

/* Parses an RFC 3339 date-time into UTC microseconds. */
int stor_pq_parse_timestamp_us(const char *s, size_t n, int64_t *us)
{
    return stor_pq_parse_timestamp_cached(s, n, NULL, us);
}

/* The same, the date part ("YYYY-MM-DD", always 10 bytes) taken from the cache when it holds
 * those bytes, else parsed and remembered. */
int stor_pq_parse_timestamp_cached(const char *s, size_t n, struct pq_date_cache *cache,
                                   int64_t *us)
{
    size_t i = 0;
    int64_t days;
    int hh, mm, ss, frac = 0, oh = 0, om = 0, sign = 0;
    if (cache && cache->valid && n > 10 && memcmp(s, cache->ymd, 10) == 0) {
        days = cache->days, i = 10;
    } else {
        if (parse_ymd(s, n, &i, &days) < 0)
            return -1;
        if (cache) {
            memcpy(cache->ymd, s, 10);
            cache->days = days, cache->valid = true;
        }
    }
    if (i >= n || (s[i] != 'T' && s[i] != 't' && s[i] != ' '))
        return -1;
    i++;
    if (digits(s, n, &i, 2, &hh) < 0 || i >= n || s[i++] != ':' || digits(s, n, &i, 2, &mm) < 0 ||
        i >= n || s[i++] != ':' || digits(s, n, &i, 2, &ss) < 0 || hh > 23 || mm > 59 || ss > 60)
        return -1;
    if (i < n && s[i] == '.') {
        int nd = 0;
        for (i++; i < n && s[i] >= '0' && s[i] <= '9'; i++, nd++)
            if (nd < 6)
                frac = frac * 10 + (s[i] - '0');
        if (nd == 0 || nd > 9)
            return -1;
        for (; nd < 6; nd++)
            frac *= 10;
    }
    if (i < n && (s[i] == 'Z' || s[i] == 'z') && i + 1 == n) {
        sign = 0;
    } else if (i < n && (s[i] == '+' || s[i] == '-')) {
        sign = s[i++] == '-' ? -1 : 1;
        if (digits(s, n, &i, 2, &oh) < 0 || i >= n || s[i++] != ':' ||
            digits(s, n, &i, 2, &om) < 0 || i != n || oh > 23 || om > 59)
            return -1;
    } else {
        return -1;
    }
    if (ss == 60)
        ss = 59; /* a leap second lands on the last representable second */
    int64_t secs = days * 86400 + hh * 3600 + mm * 60 + ss - sign * (oh * 3600 + om * 60);
    *us = secs * 1000000 + frac;
    return 0;
}
