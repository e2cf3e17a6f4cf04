/* json_int.h - private to src/base: helpers shared by json.c (parser, tree), json_num.c (numbers,
 * comparison) and json_write.c (serializer): the plain-string byte scan (SSE2 when available),
 * UTF-8 validation, the JSON number grammar and node allocation. Not part of base's interface;
 * static helpers, so each file compiles them as json.c did before the split. */
#ifndef WV_JSON_INT_H
#define WV_JSON_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#if defined(__SSE2__) && defined(__GNUC__)
#include <emmintrin.h>
#define WV_JSON_SSE2 1
#endif

#include "base/json.h"
#include "base/mem.h"

/* Marks helpers some including files do not use (they stay plain static, as when they lived in
 * json.c, so the compiler's inlining choices are unchanged). */
#define WV_JSON_INT_UNUSED __attribute__((unused))

/* Bytes that leave the plain-string fast path: control characters, '"', '\\' and non-ASCII. */
#define ROW1 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1
#define ROW0 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0
static const unsigned char wv_json_int_str_special[256] = {
    ROW1, ROW1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 0x22 '"' */
    ROW0, ROW0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, /* 0x5c '\\' */
    ROW0, ROW0, ROW1, ROW1, ROW1, ROW1, ROW1, ROW1, ROW1, ROW1,
};
#undef ROW0
#undef ROW1

/* First byte in [p, end) that wv_json_int_str_special flags, or end. With SSE2, 16 bytes at a
 * time: '"', '\\' by equality, and a signed compare with 0x20 catches both control characters
 * and bytes from 0x80. Then 8 at a time: a word has no special byte unless one of its bytes is
 * '"' or '\\' (has-zero-byte test on w ^ c), below 0x20 (w - 0x20.. borrows into the top bit) or
 * 0x80 and above (top bit set); borrows only make false positives above a real hit, and the
 * byte loop then finds the exact position. */
static inline const unsigned char *wv_json_int_scan_plain(const unsigned char *p,
                                                          const unsigned char *end)
{
#ifdef WV_JSON_SSE2
    const __m128i quote = _mm_set1_epi8('"'), bslash = _mm_set1_epi8('\\');
    const __m128i space = _mm_set1_epi8(0x20);
    while (end - p >= 16) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
        __m128i m = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, bslash)),
                                 _mm_cmplt_epi8(v, space));
        unsigned bits = (unsigned)_mm_movemask_epi8(m);
        if (bits)
            return p + __builtin_ctz(bits);
        p += 16;
    }
#endif
    const uint64_t ones = 0x0101010101010101ULL, highs = 0x8080808080808080ULL;
    while (end - p >= 8) {
        uint64_t w;
        memcpy(&w, p, 8);
        uint64_t q = w ^ (ones * '"'), b = w ^ (ones * '\\');
        if ((((q - ones) & ~q) | ((b - ones) & ~b) | (w - ones * 0x20) | w) & highs)
            break;
        p += 8;
    }
    while (p < end && !wv_json_int_str_special[*p])
        p++;
    return p;
}

/* Length of the valid UTF-8 sequence at p (RFC 3629 table), 0 if invalid or truncated. Out of
 * line, as it was compiled when parser and serializer shared one file (the rare non-ASCII path). */
WV_JSON_INT_UNUSED __attribute__((noinline)) static size_t
wv_json_int_utf8_len(const unsigned char *p, const unsigned char *end)
{
    unsigned char c = p[0];
    size_t avail = (size_t)(end - p);
    if (c < 0x80)
        return 1;
    if (c >= 0xC2 && c <= 0xDF)
        return avail >= 2 && (p[1] & 0xC0) == 0x80 ? 2 : 0;
    if (c >= 0xE0 && c <= 0xEF) {
        if (avail < 3 || (p[2] & 0xC0) != 0x80)
            return 0;
        unsigned char lo = c == 0xE0 ? 0xA0 : 0x80, hi = c == 0xED ? 0x9F : 0xBF;
        return p[1] >= lo && p[1] <= hi ? 3 : 0;
    }
    if (c >= 0xF0 && c <= 0xF4) {
        if (avail < 4 || (p[2] & 0xC0) != 0x80 || (p[3] & 0xC0) != 0x80)
            return 0;
        unsigned char lo = c == 0xF0 ? 0x90 : 0x80, hi = c == 0xF4 ? 0x8F : 0xBF;
        return p[1] >= lo && p[1] <= hi ? 4 : 0;
    }
    return 0;
}

/* Length of the JSON number at s (RFC 8259 section 6), 0 if s does not start with one. */
WV_JSON_INT_UNUSED static size_t wv_json_int_scan_number(const unsigned char *s,
                                                         const unsigned char *end)
{
    const unsigned char *p = s;
    if (p < end && *p == '-')
        p++;
    if (p < end && *p == '0')
        p++;
    else if (p < end && *p >= '1' && *p <= '9')
        while (p < end && *p >= '0' && *p <= '9')
            p++;
    else
        return 0;
    if (p < end && *p == '.') {
        p++;
        if (p >= end || *p < '0' || *p > '9')
            return 0;
        while (p < end && *p >= '0' && *p <= '9')
            p++;
    }
    if (p < end && (*p == 'e' || *p == 'E')) {
        p++;
        if (p < end && (*p == '+' || *p == '-'))
            p++;
        if (p >= end || *p < '0' || *p > '9')
            return 0;
        while (p < end && *p >= '0' && *p <= '9')
            p++;
    }
    return (size_t)(p - s);
}

/* Allocates a zeroed node with room for `extra` bytes of inline text after it. */
WV_JSON_INT_UNUSED static struct wv_json *wv_json_int_node_alloc(enum wv_json_type t, size_t extra)
{
    struct wv_json *j = wv_malloc(sizeof *j + extra);
    memset(j, 0, sizeof *j);
    j->type = t;
    return j;
}

/* A string or number node holding a copy of s[0..n) inline (one allocation). */
WV_JSON_INT_UNUSED static struct wv_json *wv_json_int_node_text(enum wv_json_type t, const char *s,
                                                                size_t n)
{
    struct wv_json *j = wv_json_int_node_alloc(t, n + 1);
    j->s = (char *)(j + 1);
    if (n)
        memcpy(j->s, s, n);
    j->s[n] = '\0';
    j->slen = n;
    return j;
}

/* Index of key in an object, or SIZE_MAX (the lookup behind wv_json_get). */
WV_JSON_INT_UNUSED static size_t wv_json_int_obj_index(const struct wv_json *obj, const char *key)
{
    if (!obj || obj->type != WV_JSON_OBJECT || !key || !obj->keys)
        return SIZE_MAX;
    for (size_t i = 0; i < obj->len; i++)
        if (obj->keys[i][0] == key[0] && strcmp(obj->keys[i], key) == 0)
            return i;
    return SIZE_MAX;
}

#endif
