/* json.c - weaver's JSON tree: a strict recursive-descent parser, constructors, lookups, exact
 * number comparison and the serializer. Follows RFC 8259 sections 2-8 (grammar, numbers, strings,
 * UTF-8 only; https://www.rfc-editor.org/rfc/rfc8259) and RFC 3629 section 4 for valid UTF-8.
 * A leading UTF-8 byte order mark is ignored (RFC 8259 section 8.1 allows it).
 * Any thread; a tree belongs to one thread at a time. */
#include "base/json.h"

#include <inttypes.h>
#include <limits.h>
#include <locale.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#if defined(__SSE2__) && defined(__GNUC__)
#include <emmintrin.h>
#define JSON_SSE2 1
#endif

#include "base/arena.h"
#include "base/fs.h"
#include "base/mem.h"

#define JSON_STR2(x) #x
#define JSON_STR(x) JSON_STR2(x)

/* Bytes that leave the plain-string fast path: control characters, '"', '\\' and non-ASCII. */
#define ROW1 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1
#define ROW0 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0
static const unsigned char str_special[256] = {
    ROW1, ROW1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 0x22 '"' */
    ROW0, ROW0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, /* 0x5c '\\' */
    ROW0, ROW0, ROW1, ROW1, ROW1, ROW1, ROW1, ROW1, ROW1, ROW1,
};
#undef ROW0
#undef ROW1

/* First byte in [p, end) that str_special flags, or end. With SSE2, 16 bytes at a time: '"',
 * '\\' by equality, and a signed compare with 0x20 catches both control characters and bytes
 * from 0x80. Then 8 at a time: a word has no special byte unless one of its bytes is '"' or
 * '\\' (has-zero-byte test on w ^ c), below 0x20 (w - 0x20.. borrows into the top bit) or 0x80
 * and above (top bit set); borrows only make false positives above a real hit, and the byte
 * loop then finds the exact position. */
static inline const unsigned char *scan_plain(const unsigned char *p, const unsigned char *end)
{
#ifdef JSON_SSE2
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
    while (p < end && !str_special[*p])
        p++;
    return p;
}

/* Length of the valid UTF-8 sequence at p (RFC 3629 table), 0 if invalid or truncated. */
static size_t utf8_len(const unsigned char *p, const unsigned char *end)
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

/* The "C" locale, so number text never depends on the process LC_NUMERIC. */
static locale_t c_locale;
static pthread_once_t c_locale_once = PTHREAD_ONCE_INIT;

/* Creates the C locale object once. */
static void c_locale_init(void) { c_locale = newlocale(LC_ALL_MASK, "C", (locale_t)0); }

/* strtod in the C locale. */
static double strtod_c(const char *s, char **endp)
{
    pthread_once(&c_locale_once, c_locale_init);
    locale_t old = c_locale ? uselocale(c_locale) : (locale_t)0;
    double d = strtod(s, endp);
    if (c_locale)
        uselocale(old);
    return d;
}

/* ---- nodes ---- */

/* Allocates a zeroed node with room for `extra` bytes of inline text after it. */
static struct wv_json *node_alloc(enum wv_json_type t, size_t extra)
{
    struct wv_json *j = wv_malloc(sizeof *j + extra);
    memset(j, 0, sizeof *j);
    j->type = t;
    return j;
}

/* A string or number node holding a copy of s[0..n) inline (one allocation). */
static struct wv_json *node_text(enum wv_json_type t, const char *s, size_t n)
{
    struct wv_json *j = node_alloc(t, n + 1);
    j->s = (char *)(j + 1);
    if (n)
        memcpy(j->s, s, n);
    j->s[n] = '\0';
    j->slen = n;
    return j;
}

/* A zeroed node (plus `extra` bytes) in arena a, or on the heap when a is NULL. */
static struct wv_json *node_in(struct wv_arena *a, enum wv_json_type t, size_t extra)
{
    if (!a)
        return node_alloc(t, extra);
    struct wv_json *j = wv_arena_alloc(a, sizeof *j + extra);
    memset(j, 0, sizeof *j);
    j->type = t;
    j->arena = a;
    return j;
}

/* Like node_text, in arena a (heap when NULL). */
static struct wv_json *node_text_in(struct wv_arena *a, enum wv_json_type t, const char *s,
                                    size_t n)
{
    if (!a)
        return node_text(t, s, n);
    struct wv_json *j = node_in(a, t, n + 1);
    j->s = (char *)(j + 1);
    if (n)
        memcpy(j->s, s, n);
    j->s[n] = '\0';
    j->slen = n;
    return j;
}

/* Frees a node and its children; text stored inline is not freed separately. Arena nodes are
 * released with their arena, which the root that owns it frees. */
void wv_json_free(struct wv_json *j)
{
    if (!j)
        return;
    if (j->arena) {
        if (j->owns_arena)
            wv_arena_free(j->arena);
        return;
    }
    if (j->s && j->s != (char *)(j + 1))
        free(j->s);
    for (size_t i = 0; i < j->len; i++) {
        if (j->keys)
            free(j->keys[i]);
        wv_json_free(j->items[i]);
    }
    free(j->keys);
    free(j->items);
    free(j);
}

/* ---- number grammar ---- */

/* Length of the JSON number at s (RFC 8259 section 6), 0 if s does not start with one. */
static size_t scan_number(const unsigned char *s, const unsigned char *end)
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

/* Whether a byte right after a number makes it malformed ("01", "1.", "1x", "1e+-"). */
static bool number_tail(unsigned char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           c == '.' || c == '+' || c == '-' || c == '_';
}

/* ---- parser ---- */

struct jparse {
    struct wv_arena *arena; /* where nodes go; NULL: heap */
    const unsigned char *p, *end, *line_start;
    uint32_t line;
    const char *origin;
    struct wv_error *err;
    struct wv_json **stk; /* finished children of the open containers */
    char **kstk;          /* their keys (NULL inside arrays) */
    size_t *lstk;         /* the keys' lengths up to their first NUL (strlen) */
    size_t sp, scap;
};

/* Column (1-based, bytes) of a position on the current line. */
static uint32_t jp_col(const struct jparse *jp, const unsigned char *at)
{
    size_t c = (size_t)(at - jp->line_start) + 1;
    return c > UINT32_MAX ? UINT32_MAX : (uint32_t)c;
}

/* Records "origin:line:col: msg" for a position; returns -1. */
static int jp_fail(struct jparse *jp, const unsigned char *at, const char *msg)
{
    return wv_error_set(jp->err, WV_E_PARSE, 0, "%s:%" PRIu32 ":%" PRIu32 ": %s", jp->origin,
                        jp->line, jp_col(jp, at), msg);
}

/* Skips JSON whitespace, counting lines. */
static void skip_ws_slow(struct jparse *jp)
{
    const unsigned char *p = jp->p, *end = jp->end;
    while (p < end) {
        unsigned char c = *p;
        if (c == ' ' || c == '\t' || c == '\r') {
            p++;
        } else if (c == '\n') {
            p++;
            jp->line++;
            jp->line_start = p;
        } else {
            break;
        }
    }
    jp->p = p;
}

/* Skips whitespace; compact JSON mostly has none, so test one byte inline first. */
static inline void skip_ws(struct jparse *jp)
{
    if (jp->p < jp->end && *jp->p > ' ')
        return;
    skip_ws_slow(jp);
}

/* Doubles the parser stack (kept out of line so that stk_push inlines). */
static void stk_grow(struct jparse *jp)
{
    jp->scap = jp->scap ? jp->scap * 2 : 64;
    jp->stk = wv_realloc(jp->stk, jp->scap * sizeof *jp->stk);
    jp->kstk = wv_realloc(jp->kstk, jp->scap * sizeof *jp->kstk);
    jp->lstk = wv_realloc(jp->lstk, jp->scap * sizeof *jp->lstk);
}

/* Pushes a finished child (and its key, klen = strlen(key)) on the parser stack. */
static inline void stk_push(struct jparse *jp, char *key, size_t klen, struct wv_json *v)
{
    if (jp->sp == jp->scap)
        stk_grow(jp);
    jp->stk[jp->sp] = v;
    jp->kstk[jp->sp] = key;
    jp->lstk[jp->sp] = klen;
    jp->sp++;
}

/* Moves the children above `base` into container c, sized exactly. */
static void take_children(struct jparse *jp, struct wv_json *c, size_t base, bool with_keys)
{
    size_t n = jp->sp - base;
    if (n) {
        c->items = jp->arena ? wv_arena_alloc(jp->arena, n * sizeof *c->items)
                             : wv_malloc(n * sizeof *c->items);
        memcpy(c->items, jp->stk + base, n * sizeof *c->items);
        if (with_keys) {
            c->keys = jp->arena ? wv_arena_alloc(jp->arena, n * sizeof *c->keys)
                                : wv_malloc(n * sizeof *c->keys);
            memcpy(c->keys, jp->kstk + base, n * sizeof *c->keys);
        }
    }
    c->len = c->cap = n;
    jp->sp = base;
}

/* Four hex digits at p as a code unit, or -1. */
static long hex4(const unsigned char *p)
{
    long v = 0;
    for (int i = 0; i < 4; i++) {
        unsigned char c = p[i];
        int d = c >= '0' && c <= '9'   ? c - '0'
                : c >= 'a' && c <= 'f' ? c - 'a' + 10
                : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                       : -1;
        if (d < 0)
            return -1;
        v = v * 16 + d;
    }
    return v;
}

/* Writes code point cp as UTF-8 at d; returns the byte count. */
static size_t utf8_put(unsigned char *d, unsigned long cp)
{
    if (cp < 0x80) {
        d[0] = (unsigned char)cp;
        return 1;
    }
    if (cp < 0x800) {
        d[0] = (unsigned char)(0xC0 | (cp >> 6));
        d[1] = (unsigned char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        d[0] = (unsigned char)(0xE0 | (cp >> 12));
        d[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
        d[2] = (unsigned char)(0x80 | (cp & 0x3F));
        return 3;
    }
    d[0] = (unsigned char)(0xF0 | (cp >> 18));
    d[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
    d[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
    d[3] = (unsigned char)(0x80 | (cp & 0x3F));
    return 4;
}

/* Decodes the \u escape at q (bounded by stop) into d; advances both. -1 on a bad escape. */
static int decode_u(struct jparse *jp, const unsigned char **qp, const unsigned char *stop,
                    unsigned char **dp)
{
    const unsigned char *q = *qp;
    long hi = stop - q >= 6 ? hex4(q + 2) : -1;
    if (hi < 0)
        return jp_fail(jp, q, "invalid \\u escape (expected 4 hex digits)");
    unsigned long cp = (unsigned long)hi;
    size_t used = 6;
    if (hi >= 0xDC00 && hi <= 0xDFFF)
        return jp_fail(jp, q, "lone surrogate in \\u escape");
    if (hi >= 0xD800 && hi <= 0xDBFF) {
        long lo = stop - q >= 12 && q[6] == '\\' && q[7] == 'u' ? hex4(q + 8) : -1;
        if (lo < 0xDC00 || lo > 0xDFFF)
            return jp_fail(jp, q, "lone surrogate in \\u escape");
        cp = 0x10000 + (((unsigned long)hi - 0xD800) << 10) + ((unsigned long)lo - 0xDC00);
        used = 12;
    }
    *dp += utf8_put(*dp, cp);
    *qp = q + used;
    return 0;
}

/* Decodes the escaped string body [q, stop) into d (never longer); returns the length or -1. */
static long decode_escapes(struct jparse *jp, const unsigned char *q, const unsigned char *stop,
                           unsigned char *d)
{
    unsigned char *d0 = d;
    while (q < stop) {
        const unsigned char *run = q;
        while (q < stop && *q != '\\')
            q++;
        memcpy(d, run, (size_t)(q - run));
        d += q - run;
        if (q >= stop)
            break;
        unsigned char c = q[1];
        if (c == 'u') {
            if (decode_u(jp, &q, stop, &d) < 0)
                return -1;
            continue;
        }
        *d++ = c == 'b' ? '\b' : c == 'f' ? '\f' : c == 'n' ? '\n' : c == 'r' ? '\r' : c == 't' ? '\t' : c;
        q += 2;
    }
    return (long)(d - d0);
}

/* Parses the string at jp->p ('"') into a new block of prefix + text + NUL bytes; *escaped
 * (may be NULL) tells whether the text had escapes (only then can it contain NUL). */
static int parse_str(struct jparse *jp, size_t prefix, char **block, size_t *len, bool *escaped)
{
    const unsigned char *open = jp->p, *q = open + 1, *end = jp->end;
    bool esc = false;
    for (;;) {
        q = scan_plain(q, end);
        if (q >= end)
            return jp_fail(jp, open, "unterminated string");
        unsigned char c = *q;
        if (c == '"')
            break;
        if (c == '\\') {
            if (q + 1 >= end)
                return jp_fail(jp, open, "unterminated string");
            if (!strchr("\"\\/bfnrtu", q[1]) || q[1] == '\0')
                return jp_fail(jp, q, "invalid escape in string");
            esc = true;
            q += 2;
        } else if (c < 0x20) {
            return jp_fail(jp, q, c == '\n' ? "unterminated string (newline in string)"
                                            : "unescaped control character in string");
        } else {
            size_t n = utf8_len(q, end);
            if (!n)
                return jp_fail(jp, q, "invalid UTF-8 in string");
            q += n;
        }
    }
    size_t raw = (size_t)(q - (open + 1));
    char *b = !jp->arena ? wv_malloc(prefix + raw + 1)
              : prefix   ? wv_arena_alloc(jp->arena, prefix + raw + 1)
                         : wv_arena_alloc_bytes(jp->arena, raw + 1);
    char *d = b + prefix;
    if (!esc) {
        memcpy(d, open + 1, raw);
        *len = raw;
    } else {
        long n = decode_escapes(jp, open + 1, q, (unsigned char *)d);
        if (n < 0) {
            if (!jp->arena)
                free(b);
            return -1;
        }
        *len = (size_t)n;
    }
    d[*len] = '\0';
    *block = b;
    if (escaped)
        *escaped = esc;
    jp->p = q + 1;
    return 0;
}

/* Parses a string value into a node with inline text. */
static struct wv_json *parse_string_node(struct jparse *jp)
{
    uint32_t col = jp_col(jp, jp->p);
    char *b;
    size_t n;
    if (parse_str(jp, sizeof(struct wv_json), &b, &n, NULL) < 0)
        return NULL;
    struct wv_json *j = (struct wv_json *)(void *)b;
    memset(j, 0, sizeof *j);
    j->type = WV_JSON_STRING;
    j->arena = jp->arena;
    j->s = (char *)(j + 1);
    j->slen = n;
    j->line = jp->line;
    j->col = col;
    return j;
}

/* Parses a number, keeping its text. */
static struct wv_json *parse_number(struct jparse *jp)
{
    const unsigned char *s = jp->p;
    size_t n = scan_number(s, jp->end);
    if (!n || (s + n < jp->end && number_tail(s[n]))) {
        jp_fail(jp, s, "invalid number");
        return NULL;
    }
    struct wv_json *j = node_text_in(jp->arena, WV_JSON_NUMBER, (const char *)s, n);
    j->line = jp->line;
    j->col = jp_col(jp, s);
    jp->p += n;
    return j;
}

/* Parses true/false/null. */
static struct wv_json *parse_literal(struct jparse *jp)
{
    const unsigned char *s = jp->p;
    size_t avail = (size_t)(jp->end - s);
    struct wv_json *j = NULL;
    size_t n = 0;
    if (avail >= 4 && memcmp(s, "true", 4) == 0) {
        j = node_in(jp->arena, WV_JSON_BOOL, 0);
        j->b = true;
        n = 4;
    } else if (avail >= 5 && memcmp(s, "false", 5) == 0) {
        j = node_in(jp->arena, WV_JSON_BOOL, 0);
        n = 5;
    } else if (avail >= 4 && memcmp(s, "null", 4) == 0) {
        j = node_in(jp->arena, WV_JSON_NULL, 0);
        n = 4;
    }
    if (!j || (s + n < jp->end && number_tail(s[n]))) {
        wv_json_free(j);
        jp_fail(jp, s, "invalid literal (expected true, false or null)");
        return NULL;
    }
    j->line = jp->line;
    j->col = jp_col(jp, s);
    jp->p += n;
    return j;
}

static struct wv_json *parse_value(struct jparse *jp, unsigned depth);

/* Parses an array; its children go through the parser stack. */
static struct wv_json *parse_array(struct jparse *jp, unsigned depth)
{
    struct wv_json *arr = node_in(jp->arena, WV_JSON_ARRAY, 0);
    arr->line = jp->line;
    arr->col = jp_col(jp, jp->p);
    size_t base = jp->sp;
    jp->p++;
    skip_ws(jp);
    if (jp->p < jp->end && *jp->p == ']') {
        jp->p++;
        return arr;
    }
    for (;;) {
        struct wv_json *v = parse_value(jp, depth);
        if (!v)
            goto fail;
        stk_push(jp, NULL, 0, v);
        skip_ws(jp);
        if (jp->p < jp->end && *jp->p == ',') {
            jp->p++;
            continue;
        }
        if (jp->p < jp->end && *jp->p == ']') {
            jp->p++;
            break;
        }
        jp_fail(jp, jp->p, "expected ',' or ']' after array element");
        goto fail;
    }
    take_children(jp, arr, base, false);
    return arr;
fail:
    wv_json_free(arr); /* children left on the stack are freed by parse_doc */
    return NULL;
}

/* Open-addressing index of an object's keys, built once it grows past KEYS_LINEAR. */
#define KEYS_LINEAR 24
struct keyhash {
    size_t *slots; /* index + 1; 0 = empty */
    size_t mask, count;
};

/* FNV-1a of a key. */
static size_t key_hash(const char *k)
{
    uint64_t h = 1469598103934665603ULL;
    for (; *k; k++)
        h = (h ^ (unsigned char)*k) * 1099511628211ULL;
    return (size_t)h;
}

/* Inserts index i of keys[] into the table (room assumed). */
static void kh_put(struct keyhash *kh, char *const *keys, size_t i)
{
    size_t s = key_hash(keys[i]) & kh->mask;
    while (kh->slots[s])
        s = (s + 1) & kh->mask;
    kh->slots[s] = i + 1;
    kh->count++;
}

/* (Re)builds the table for the n keys, with room to grow. */
static void kh_build(struct keyhash *kh, char *const *keys, size_t n)
{
    size_t size = 64;
    while (size < n * 4)
        size *= 2;
    free(kh->slots);
    kh->slots = wv_calloc(size, sizeof *kh->slots);
    kh->mask = size - 1;
    kh->count = 0;
    for (size_t i = 0; i < n; i++)
        kh_put(kh, keys, i);
}

/* Index of key (klen = strlen(key)) among keys[0..n) with lengths lens[], or SIZE_MAX. Keys
 * compare as C strings (up to a NUL), as wv_json_get does. */
static size_t keys_find(const struct keyhash *kh, char *const *keys, const size_t *lens, size_t n,
                        const char *key, size_t klen)
{
    if (!kh->slots) {
        for (size_t i = 0; i < n; i++)
            if (lens[i] == klen && keys[i][0] == key[0] && memcmp(keys[i], key, klen) == 0)
                return i;
        return SIZE_MAX;
    }
    for (size_t s = key_hash(key) & kh->mask; kh->slots[s]; s = (s + 1) & kh->mask) {
        size_t i = kh->slots[s] - 1;
        if (lens[i] == klen && memcmp(keys[i], key, klen) == 0)
            return i;
    }
    return SIZE_MAX;
}

/* Adds a member to the object being parsed; a duplicate key replaces the earlier value. */
static void obj_add(struct jparse *jp, struct keyhash *kh, size_t base, char *key, size_t klen,
                    struct wv_json *v)
{
    size_t n = jp->sp - base;
    size_t i = keys_find(kh, jp->kstk + base, jp->lstk + base, n, key, klen);
    if (i != SIZE_MAX) {
        wv_json_free(jp->stk[base + i]);
        jp->stk[base + i] = v;
        if (!jp->arena)
            free(key);
        return;
    }
    stk_push(jp, key, klen, v);
    if (kh->slots && (kh->count + 1) * 2 <= kh->mask + 1)
        kh_put(kh, jp->kstk + base, n);
    else if (kh->slots || n + 1 > KEYS_LINEAR)
        kh_build(kh, jp->kstk + base, n + 1);
}

/* Parses one "key": value member of an object. */
static int parse_member(struct jparse *jp, struct keyhash *kh, size_t base, unsigned depth)
{
    skip_ws(jp);
    if (jp->p >= jp->end || *jp->p != '"')
        return jp_fail(jp, jp->p, "expected a string key");
    char *key = NULL;
    size_t klen = 0;
    bool escaped = false;
    if (parse_str(jp, 0, &key, &klen, &escaped) < 0)
        return -1;
    if (escaped)
        klen = strlen(key); /* compare like C strings, up to an escaped NUL */
    skip_ws(jp);
    if (jp->p >= jp->end || *jp->p != ':') {
        if (!jp->arena)
            free(key);
        return jp_fail(jp, jp->p, "expected ':' after object key");
    }
    jp->p++;
    struct wv_json *v = parse_value(jp, depth);
    if (!v) {
        if (!jp->arena)
            free(key);
        return -1;
    }
    obj_add(jp, kh, base, key, klen, v);
    return 0;
}

/* Parses an object; members go through the parser stack. */
static struct wv_json *parse_object(struct jparse *jp, unsigned depth)
{
    struct wv_json *obj = node_in(jp->arena, WV_JSON_OBJECT, 0);
    obj->line = jp->line;
    obj->col = jp_col(jp, jp->p);
    size_t base = jp->sp;
    struct keyhash kh = {NULL, 0, 0};
    jp->p++;
    skip_ws(jp);
    if (jp->p < jp->end && *jp->p == '}') {
        jp->p++;
        return obj;
    }
    for (;;) {
        if (parse_member(jp, &kh, base, depth) < 0)
            goto fail;
        skip_ws(jp);
        if (jp->p < jp->end && *jp->p == ',') {
            jp->p++;
            continue;
        }
        if (jp->p < jp->end && *jp->p == '}') {
            jp->p++;
            break;
        }
        jp_fail(jp, jp->p, "expected ',' or '}' after object member");
        goto fail;
    }
    free(kh.slots);
    take_children(jp, obj, base, true);
    return obj;
fail:
    free(kh.slots);
    wv_json_free(obj);
    return NULL;
}

/* Parses any value at the current position (after whitespace). */
static struct wv_json *parse_value(struct jparse *jp, unsigned depth)
{
    skip_ws(jp);
    if (jp->p >= jp->end) {
        jp_fail(jp, jp->p, "unexpected end of input (expected a value)");
        return NULL;
    }
    switch (*jp->p) {
    case '{':
    case '[':
        if (depth >= WV_JSON_MAX_DEPTH) {
            jp_fail(jp, jp->p, "nesting deeper than " JSON_STR(WV_JSON_MAX_DEPTH) " levels");
            return NULL;
        }
        return *jp->p == '{' ? parse_object(jp, depth + 1) : parse_array(jp, depth + 1);
    case '"':
        return parse_string_node(jp);
    case '-':
    case '0':
    case '1':
    case '2':
    case '3':
    case '4':
    case '5':
    case '6':
    case '7':
    case '8':
    case '9':
        return parse_number(jp);
    case 't':
    case 'f':
    case 'n':
        return parse_literal(jp);
    default:
        jp_fail(jp, jp->p, "expected a value");
        return NULL;
    }
}

/* Parses one JSON document into arena a (NULL: the heap). */
static struct wv_json *parse_doc(struct wv_arena *a, const char *text, size_t len,
                                 const char *origin, struct wv_error *err)
{
    struct jparse jp;
    memset(&jp, 0, sizeof jp);
    jp.arena = a;
    if (!text) {
        text = "";
        len = 0;
    }
    jp.p = jp.line_start = (const unsigned char *)text;
    jp.end = jp.p + len;
    jp.line = 1;
    jp.origin = origin ? origin : "<json>";
    jp.err = err;
    if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0)
        jp.p += 3;
    struct wv_json *root = parse_value(&jp, 0);
    if (root) {
        skip_ws(&jp);
        if (jp.p < jp.end) {
            jp_fail(&jp, jp.p, "unexpected data after the document");
            wv_json_free(root);
            root = NULL;
        }
    }
    for (size_t i = 0; !a && i < jp.sp; i++) { /* what an error left behind */
        free(jp.kstk[i]);
        wv_json_free(jp.stk[i]);
    }
    free(jp.stk);
    free(jp.kstk);
    free(jp.lstk);
    return root;
}

/* Parses one JSON document onto the heap. */
struct wv_json *wv_json_parse(const char *text, size_t len, const char *origin,
                              struct wv_error *err)
{
    return parse_doc(NULL, text, len, origin, err);
}

/* Parses into an existing arena. */
struct wv_json *wv_json_parse_in(struct wv_arena *a, const char *text, size_t len,
                                 const char *origin, struct wv_error *err)
{
    return parse_doc(a, text, len, origin, err);
}

/* First chunk for parsing len bytes of JSON: nodes take about twice the text. */
static size_t arena_chunk_for(size_t len)
{
    size_t want = len < WV_ARENA_CHUNK_MAX / 2 ? len * 2 : WV_ARENA_CHUNK_MAX;
    return want < 4096 ? 4096 : want;
}

/* Parses into a new arena owned by the root. */
struct wv_json *wv_json_parse_arena(const char *text, size_t len, const char *origin,
                                    struct wv_error *err)
{
    struct wv_arena *a = wv_arena_new(arena_chunk_for(len));
    struct wv_json *root = parse_doc(a, text, len, origin, err);
    if (!root) {
        wv_arena_free(a);
        return NULL;
    }
    root->owns_arena = true;
    return root;
}

/* An empty container owning a new arena. */
static struct wv_json *arena_root(enum wv_json_type t)
{
    struct wv_json *j = node_in(wv_arena_new(0), t, 0);
    j->owns_arena = true;
    return j;
}

/* An empty array owning a new arena. */
struct wv_json *wv_json_arena_array(void) { return arena_root(WV_JSON_ARRAY); }

/* An empty object owning a new arena. */
struct wv_json *wv_json_arena_object(void) { return arena_root(WV_JSON_OBJECT); }

/* Deep copy into an arena. */
struct wv_json *wv_json_dup_in(struct wv_arena *a, const struct wv_json *j)
{
    if (!j)
        return NULL;
    struct wv_json *c;
    if ((j->type == WV_JSON_STRING || j->type == WV_JSON_NUMBER) && j->s)
        c = node_text_in(a, j->type, j->s, j->slen);
    else
        c = node_in(a, j->type, 0);
    c->b = j->b;
    c->line = j->line;
    c->col = j->col;
    if (j->len) {
        c->items = wv_arena_alloc(a, j->len * sizeof *c->items);
        if (j->keys)
            c->keys = wv_arena_alloc(a, j->len * sizeof *c->keys);
        for (size_t i = 0; i < j->len; i++) {
            c->items[i] = wv_json_dup_in(a, j->items[i]);
            if (j->keys)
                c->keys[i] = wv_arena_strndup(a, j->keys[i], strlen(j->keys[i]));
        }
        c->len = c->cap = j->len;
    }
    return c;
}

/* The arena of a node. */
struct wv_arena *wv_json_arena_of(const struct wv_json *j) { return j ? j->arena : NULL; }

/* Whether j is an interior arena node. */
bool wv_json_in_arena(const struct wv_json *j) { return j && j->arena && !j->owns_arena; }

/* Reads and parses a JSON file (max_bytes 0 = no limit). */
struct wv_json *wv_json_parse_file(const char *path, size_t max_bytes, struct wv_error *err)
{
    char *data = NULL;
    size_t len = 0;
    if (wv_fs_read_all(path, max_bytes, &data, &len, err) < 0)
        return NULL;
    struct wv_json *j = wv_json_parse(data, len, path, err);
    free(data);
    return j;
}

/* ---- constructors ---- */

/* A null node. */
struct wv_json *wv_json_null(void) { return node_alloc(WV_JSON_NULL, 0); }

/* A bool node. */
struct wv_json *wv_json_bool(bool b)
{
    struct wv_json *j = node_alloc(WV_JSON_BOOL, 0);
    j->b = b;
    return j;
}

/* An integer number node. */
struct wv_json *wv_json_int(int64_t v)
{
    char buf[32];
    int n = snprintf(buf, sizeof buf, "%" PRId64, v);
    return node_text(WV_JSON_NUMBER, buf, (size_t)n);
}

/* A double as the shortest of %.15g/%.16g/%.17g that reads back exactly; null if not finite. */
struct wv_json *wv_json_double(double v)
{
    if (!isfinite(v))
        return wv_json_null();
    char buf[40];
    int n = 0;
    pthread_once(&c_locale_once, c_locale_init);
    locale_t old = c_locale ? uselocale(c_locale) : (locale_t)0;
    for (int prec = 15; prec <= 17; prec++) {
        n = snprintf(buf, sizeof buf, "%.*g", prec, v);
        if (strtod(buf, NULL) == v)
            break;
    }
    if (c_locale)
        uselocale(old);
    return node_text(WV_JSON_NUMBER, buf, (size_t)n);
}

/* A number from JSON number text, or NULL. */
struct wv_json *wv_json_number_text(const char *text)
{
    if (!text)
        return NULL;
    size_t len = strlen(text);
    const unsigned char *s = (const unsigned char *)text;
    if (!len || scan_number(s, s + len) != len)
        return NULL;
    return node_text(WV_JSON_NUMBER, text, len);
}

/* A string node (NULL gives a null node). */
struct wv_json *wv_json_str(const char *s)
{
    return s ? node_text(WV_JSON_STRING, s, strlen(s)) : wv_json_null();
}

/* A string node from n bytes (may contain NUL). */
struct wv_json *wv_json_strn(const char *s, size_t n)
{
    return node_text(WV_JSON_STRING, s ? s : "", s ? n : 0);
}

/* An empty array. */
struct wv_json *wv_json_array(void) { return node_alloc(WV_JSON_ARRAY, 0); }

/* An empty object. */
struct wv_json *wv_json_object(void) { return node_alloc(WV_JSON_OBJECT, 0); }

/* Deep copy, positions kept. */
struct wv_json *wv_json_dup(const struct wv_json *j)
{
    if (!j)
        return NULL;
    struct wv_json *c;
    if ((j->type == WV_JSON_STRING || j->type == WV_JSON_NUMBER) && j->s)
        c = node_text(j->type, j->s, j->slen);
    else
        c = node_alloc(j->type, 0);
    c->b = j->b;
    c->line = j->line;
    c->col = j->col;
    if (j->len) {
        c->items = wv_malloc(j->len * sizeof *c->items);
        if (j->keys)
            c->keys = wv_malloc(j->len * sizeof *c->keys);
        for (size_t i = 0; i < j->len; i++) {
            c->items[i] = wv_json_dup(j->items[i]);
            if (j->keys)
                c->keys[i] = wv_strdup(j->keys[i]);
        }
        c->len = c->cap = j->len;
    }
    return c;
}

/* ---- containers ---- */

/* Makes room for one more child (inside the arena for an arena container). */
static void grow(struct wv_json *c)
{
    if (c->len < c->cap)
        return;
    size_t cap = c->cap ? c->cap * 2 : 4;
    if (c->arena) {
        struct wv_json **items = wv_arena_alloc(c->arena, cap * sizeof *items);
        if (c->len)
            memcpy(items, c->items, c->len * sizeof *items);
        c->items = items;
        if (c->type == WV_JSON_OBJECT) {
            char **keys = wv_arena_alloc(c->arena, cap * sizeof *keys);
            if (c->len)
                memcpy(keys, c->keys, c->len * sizeof *keys);
            c->keys = keys;
        }
    } else {
        c->items = wv_realloc(c->items, cap * sizeof *c->items);
        if (c->type == WV_JSON_OBJECT)
            c->keys = wv_realloc(c->keys, cap * sizeof *c->keys);
    }
    c->cap = cap;
}

/* Cleanup that frees a heap value owned by an arena. */
static void json_free_cb(void *p) { wv_json_free(p); }

/* Whether v, attached to a container of arena a, must be freed by someone (heap, or a root). */
static bool needs_owner(const struct wv_arena *a, const struct wv_json *v)
{
    return a && v && (!v->arena || v->owns_arena);
}

/* Hands v to container c: an arena container makes its arena free v. */
static void adopt(struct wv_json *c, struct wv_json *v)
{
    if (needs_owner(c->arena, v))
        wv_arena_defer(c->arena, json_free_cb, v);
}

/* Takes v back from container c (caller owns it again). */
static void disown(struct wv_json *c, struct wv_json *v)
{
    if (needs_owner(c->arena, v))
        wv_arena_undefer(c->arena, json_free_cb, v);
}

/* Appends to an array (v is freed if arr is not an array). */
void wv_json_push(struct wv_json *arr, struct wv_json *v)
{
    if (!arr || arr->type != WV_JSON_ARRAY) {
        wv_json_free(v);
        return;
    }
    grow(arr);
    arr->items[arr->len++] = v;
    adopt(arr, v);
}

/* Index of key in an object, or SIZE_MAX. */
static size_t obj_index(const struct wv_json *obj, const char *key)
{
    if (!obj || obj->type != WV_JSON_OBJECT || !key || !obj->keys)
        return SIZE_MAX;
    for (size_t i = 0; i < obj->len; i++)
        if (obj->keys[i][0] == key[0] && strcmp(obj->keys[i], key) == 0)
            return i;
    return SIZE_MAX;
}

/* Sets or replaces key (v is freed if obj is not an object). */
void wv_json_set(struct wv_json *obj, const char *key, struct wv_json *v)
{
    if (!obj || obj->type != WV_JSON_OBJECT || !key) {
        wv_json_free(v);
        return;
    }
    size_t i = obj_index(obj, key);
    if (i != SIZE_MAX) {
        disown(obj, obj->items[i]);
        wv_json_free(obj->items[i]);
        obj->items[i] = v;
        adopt(obj, v);
        return;
    }
    grow(obj);
    obj->keys[obj->len] =
        obj->arena ? wv_arena_strndup(obj->arena, key, strlen(key)) : wv_strdup(key);
    obj->items[obj->len++] = v;
    adopt(obj, v);
}

/* Detaches the value of key. */
struct wv_json *wv_json_take(struct wv_json *obj, const char *key)
{
    size_t i = obj_index(obj, key);
    if (i == SIZE_MAX)
        return NULL;
    struct wv_json *v = obj->items[i];
    if (!obj->arena)
        free(obj->keys[i]);
    size_t rest = obj->len - i - 1;
    memmove(obj->items + i, obj->items + i + 1, rest * sizeof *obj->items);
    memmove(obj->keys + i, obj->keys + i + 1, rest * sizeof *obj->keys);
    obj->len--;
    disown(obj, v);
    return v;
}

/* Removes key, freeing its value. */
bool wv_json_remove(struct wv_json *obj, const char *key)
{
    struct wv_json *v = wv_json_take(obj, key);
    if (!v)
        return false;
    wv_json_free(v);
    return true;
}

/* Borrowed value of key. */
struct wv_json *wv_json_get(const struct wv_json *obj, const char *key)
{
    size_t i = obj_index(obj, key);
    return i == SIZE_MAX ? NULL : obj->items[i];
}

/* Borrowed element i. */
struct wv_json *wv_json_at(const struct wv_json *arr, size_t i)
{
    if (!arr || arr->type != WV_JSON_ARRAY || i >= arr->len)
        return NULL;
    return arr->items[i];
}

/* String value of key, or NULL. */
const char *wv_json_get_str(const struct wv_json *obj, const char *key)
{
    const struct wv_json *v = wv_json_get(obj, key);
    return v && v->type == WV_JSON_STRING ? v->s : NULL;
}

/* Integer value of key. */
int wv_json_get_i64(const struct wv_json *obj, const char *key, int64_t *out)
{
    return wv_json_as_i64(wv_json_get(obj, key), out);
}

/* Bool value of key, the default when missing. */
int wv_json_get_bool(const struct wv_json *obj, const char *key, bool dflt, bool *out)
{
    const struct wv_json *v = wv_json_get(obj, key);
    if (!v) {
        *out = dflt;
        return 0;
    }
    if (v->type != WV_JSON_BOOL)
        return -1;
    *out = v->b;
    return 0;
}

/* Follows object keys. */
struct wv_json *wv_json_path(const struct wv_json *j, char *const *keys, size_t n)
{
    struct wv_json *cur = (struct wv_json *)j;
    for (size_t i = 0; cur && i < n; i++)
        cur = wv_json_get(cur, keys[i]);
    return cur;
}

/* Whether j is of type t. */
bool wv_json_is(const struct wv_json *j, enum wv_json_type t) { return j && j->type == t; }

/* Name of a type for messages. */
const char *wv_json_type_name(enum wv_json_type t)
{
    switch (t) {
    case WV_JSON_NULL:
        return "null";
    case WV_JSON_BOOL:
        return "bool";
    case WV_JSON_NUMBER:
        return "number";
    case WV_JSON_STRING:
        return "string";
    case WV_JSON_ARRAY:
        return "array";
    case WV_JSON_OBJECT:
        return "object";
    }
    return "unknown";
}

/* ---- exact decimal view of number text ---- */

/* value = (neg ? -1 : 1) * 0.D * 10^exp10, D = significant digits without leading/trailing 0s. */
struct dec {
    bool neg, zero;
    const char *ip, *fp; /* integer and fraction digits */
    size_t ilen, flen;
    size_t lead, ndig;   /* offset of the first significant digit in ip+fp, and count */
    long long exp10;
};

/* Digit i of the concatenated integer and fraction digits. */
static char dec_digit(const struct dec *d, size_t i)
{
    return i < d->ilen ? d->ip[i] : d->fp[i - d->ilen];
}

/* Splits number text into a struct dec (text assumed to follow the JSON grammar). */
static void dec_parse(const char *s, struct dec *d)
{
    memset(d, 0, sizeof *d);
    if (*s == '-') {
        d->neg = true;
        s++;
    }
    d->ip = s;
    while (*s >= '0' && *s <= '9')
        s++;
    d->ilen = (size_t)(s - d->ip);
    d->fp = s;
    if (*s == '.') {
        d->fp = ++s;
        while (*s >= '0' && *s <= '9')
            s++;
        d->flen = (size_t)(s - d->fp);
    }
    long long e = 0;
    if (*s == 'e' || *s == 'E') {
        bool eneg = *++s == '-';
        if (*s == '-' || *s == '+')
            s++;
        for (; *s >= '0' && *s <= '9'; s++)
            if (e < 1000000000000LL)
                e = e * 10 + (*s - '0');
        e = eneg ? -e : e;
    }
    size_t n = d->ilen + d->flen, lead = 0, last = n;
    while (lead < n && dec_digit(d, lead) == '0')
        lead++;
    while (last > lead && dec_digit(d, last - 1) == '0')
        last--;
    d->zero = lead == n;
    d->lead = lead;
    d->ndig = last - lead;
    d->exp10 = (long long)d->ilen - (long long)lead + e;
}

/* Compares magnitudes of two nonzero decimals. */
static int dec_cmp_mag(const struct dec *a, const struct dec *b)
{
    if (a->exp10 != b->exp10)
        return a->exp10 < b->exp10 ? -1 : 1;
    size_t n = a->ndig < b->ndig ? a->ndig : b->ndig;
    for (size_t i = 0; i < n; i++) {
        char x = dec_digit(a, a->lead + i), y = dec_digit(b, b->lead + i);
        if (x != y)
            return x < y ? -1 : 1;
    }
    return a->ndig == b->ndig ? 0 : a->ndig < b->ndig ? -1 : 1;
}

/* Exact numeric comparison of two number texts. */
static int number_cmp(const char *x, const char *y)
{
    struct dec a, b;
    dec_parse(x ? x : "0", &a);
    dec_parse(y ? y : "0", &b);
    int sa = a.zero ? 0 : a.neg ? -1 : 1, sb = b.zero ? 0 : b.neg ? -1 : 1;
    if (sa != sb)
        return sa < sb ? -1 : 1;
    if (sa == 0)
        return 0;
    int c = dec_cmp_mag(&a, &b);
    return sa > 0 ? c : -c;
}

/* NUMBER as int64 when integral and in range (exact, from the text). */
int wv_json_as_i64(const struct wv_json *j, int64_t *out)
{
    if (!j || j->type != WV_JSON_NUMBER || !j->s)
        return -1;
    struct dec d;
    dec_parse(j->s, &d);
    if (d.zero) {
        *out = 0;
        return 0;
    }
    if (d.exp10 < (long long)d.ndig || d.exp10 > 19)
        return -1; /* a fraction, or at least 10^19 */
    unsigned long long v = 0;
    for (size_t i = 0; i < d.ndig; i++)
        v = v * 10 + (unsigned long long)(dec_digit(&d, d.lead + i) - '0');
    for (long long i = (long long)d.ndig; i < d.exp10; i++)
        v *= 10;
    if (d.neg) {
        if (v > (unsigned long long)INT64_MAX + 1)
            return -1;
        *out = v == (unsigned long long)INT64_MAX + 1 ? INT64_MIN : -(int64_t)v;
    } else {
        if (v > (unsigned long long)INT64_MAX)
            return -1;
        *out = (int64_t)v;
    }
    return 0;
}

/* NUMBER as a finite double. */
int wv_json_as_double(const struct wv_json *j, double *out)
{
    if (!j || j->type != WV_JSON_NUMBER || !j->s)
        return -1;
    char *end;
    double d = strtod_c(j->s, &end);
    if (end == j->s || !isfinite(d))
        return -1;
    *out = d;
    return 0;
}

/* ---- equality and order ---- */

/* Structural equality; numbers by value, key order ignored. */
bool wv_json_equal(const struct wv_json *a, const struct wv_json *b)
{
    if (a == b)
        return true;
    if (!a || !b || a->type != b->type)
        return false;
    switch (a->type) {
    case WV_JSON_NULL:
        return true;
    case WV_JSON_BOOL:
        return a->b == b->b;
    case WV_JSON_NUMBER:
        return number_cmp(a->s, b->s) == 0;
    case WV_JSON_STRING:
        return a->slen == b->slen && (a->slen == 0 || memcmp(a->s, b->s, a->slen) == 0);
    case WV_JSON_ARRAY:
        if (a->len != b->len)
            return false;
        for (size_t i = 0; i < a->len; i++)
            if (!wv_json_equal(a->items[i], b->items[i]))
                return false;
        return true;
    case WV_JSON_OBJECT:
        if (a->len != b->len)
            return false;
        for (size_t i = 0; i < a->len; i++) {
            const struct wv_json *bv = wv_json_get(b, a->keys[i]);
            if (!bv || !wv_json_equal(a->items[i], bv))
                return false;
        }
        return true;
    }
    return false;
}

struct member {
    const char *key;
    const struct wv_json *val;
};

/* qsort order of members by key. */
static int member_cmp(const void *x, const void *y)
{
    return strcmp(((const struct member *)x)->key, ((const struct member *)y)->key);
}

/* The members of an object sorted by key; caller frees. */
static struct member *sorted_members(const struct wv_json *o)
{
    struct member *m = wv_malloc((o->len ? o->len : 1) * sizeof *m);
    for (size_t i = 0; i < o->len; i++) {
        m[i].key = o->keys[i];
        m[i].val = o->items[i];
    }
    qsort(m, o->len, sizeof *m, member_cmp);
    return m;
}

/* Objects ordered by their key-sorted (key, value) pairs, then size. */
static int object_cmp(const struct wv_json *a, const struct wv_json *b)
{
    struct member *ma = sorted_members(a), *mb = sorted_members(b);
    size_t n = a->len < b->len ? a->len : b->len;
    int c = 0;
    for (size_t i = 0; i < n && c == 0; i++) {
        c = strcmp(ma[i].key, mb[i].key);
        if (c == 0)
            c = wv_json_compare(ma[i].val, mb[i].val);
    }
    free(ma);
    free(mb);
    if (c == 0 && a->len != b->len)
        c = a->len < b->len ? -1 : 1;
    return c;
}

/* Total order: type rank, then value. A NULL pointer sorts first. */
int wv_json_compare(const struct wv_json *a, const struct wv_json *b)
{
    if (!a || !b)
        return a == b ? 0 : !a ? -1 : 1;
    if (a->type != b->type)
        return a->type < b->type ? -1 : 1;
    switch (a->type) {
    case WV_JSON_NULL:
        return 0;
    case WV_JSON_BOOL:
        return (int)a->b - (int)b->b;
    case WV_JSON_NUMBER:
        return number_cmp(a->s, b->s);
    case WV_JSON_STRING: {
        size_t n = a->slen < b->slen ? a->slen : b->slen;
        int c = n ? memcmp(a->s, b->s, n) : 0;
        if (c)
            return c < 0 ? -1 : 1;
        return a->slen == b->slen ? 0 : a->slen < b->slen ? -1 : 1;
    }
    case WV_JSON_ARRAY: {
        size_t n = a->len < b->len ? a->len : b->len;
        for (size_t i = 0; i < n; i++) {
            int c = wv_json_compare(a->items[i], b->items[i]);
            if (c)
                return c;
        }
        return a->len == b->len ? 0 : a->len < b->len ? -1 : 1;
    }
    case WV_JSON_OBJECT:
        return object_cmp(a, b);
    }
    return 0;
}

/* ---- serializer ---- */

/* Whether n more bytes (plus the NUL) fit the buffer as it is, within its cap. */
static inline bool room(const struct wv_buf *out, size_t n)
{
    return out->len + n < out->cap && (!out->max || out->len + n <= out->max);
}

/* Appends n bytes, copying straight in when the buffer has room (NUL written by the caller). */
static inline int put(struct wv_buf *out, const void *p, size_t n, struct wv_error *err)
{
    if (out->len + n < out->cap && (!out->max || out->len + n <= out->max)) {
        memcpy(out->data + out->len, p, n);
        out->len += n;
        return 0;
    }
    return wv_buf_append(out, p, n, err);
}

/* Appends one byte like put(). */
static inline int put1(struct wv_buf *out, char c, struct wv_error *err)
{
    if (out->len + 1 < out->cap && (!out->max || out->len + 1 <= out->max)) {
        out->data[out->len++] = c;
        return 0;
    }
    return wv_buf_append(out, &c, 1, err);
}

/* Restores the buffer's NUL terminator after direct writes; passes rc through. */
static int terminate(struct wv_buf *out, int rc)
{
    if (out->data)
        out->data[out->len] = '\0';
    return rc;
}

/* Writes a quoted string literal; invalid UTF-8 bytes become U+FFFD so output stays valid. */
static int write_str(struct wv_buf *out, const char *s, size_t n, struct wv_error *err)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *p = (const unsigned char *)(s ? s : ""), *end = p + (s ? n : 0);
    const unsigned char *plain = scan_plain(p, end);
    if (plain == end && room(out, (size_t)(end - p) + 2)) { /* the usual case: one copy */
        char *d = out->data + out->len;
        d[0] = '"';
        memcpy(d + 1, p, (size_t)(end - p));
        d[1 + (end - p)] = '"';
        out->len += (size_t)(end - p) + 2;
        return 0;
    }
    if (wv_buf_reserve(out, (size_t)(end - p) + 2, err) < 0 || put1(out, '"', err) < 0)
        return -1;
    const unsigned char *run = p;
    p = plain;
    while (p < end) {
        p = scan_plain(p, end);
        if (p >= end)
            break;
        unsigned char c = *p;
        size_t k = c >= 0x80 ? utf8_len(p, end) : 0;
        if (k) {
            p += k;
            continue;
        }
        char esc[6] = {'\\', 0, 0, 0, 0, 0};
        size_t elen = 2;
        if (c >= 0x80) {
            memcpy(esc, "\xEF\xBF\xBD", 3);
            elen = 3;
        } else if (c == '"' || c == '\\') {
            esc[1] = (char)c;
        } else if (c == '\n' || c == '\t' || c == '\r' || c == '\b' || c == '\f') {
            esc[1] = c == '\n' ? 'n' : c == '\t' ? 't' : c == '\r' ? 'r' : c == '\b' ? 'b' : 'f';
        } else {
            memcpy(esc, "\\u00", 4);
            esc[4] = hex[c >> 4];
            esc[5] = hex[c & 15];
            elen = 6;
        }
        if (put(out, run, (size_t)(p - run), err) < 0 || put(out, esc, elen, err) < 0)
            return -1;
        run = ++p;
    }
    if (put(out, run, (size_t)(p - run), err) < 0)
        return -1;
    return put1(out, '"', err);
}

/* Appends s (n bytes) as a JSON string literal. */
int wv_json_write_string(struct wv_buf *out, const char *s, size_t n, struct wv_error *err)
{
    return terminate(out, write_str(out, s, n, err));
}

/* Appends a newline and 2*level spaces (pretty mode only). */
static int write_indent(struct wv_buf *out, int level, struct wv_error *err)
{
    if (level < 0)
        return 0;
    if (wv_buf_reserve(out, 1 + 2 * (size_t)level, err) < 0)
        return -1;
    out->data[out->len++] = '\n';
    memset(out->data + out->len, ' ', 2 * (size_t)level);
    out->len += 2 * (size_t)level;
    return 0;
}

static int write_value(struct wv_buf *out, const struct wv_json *j, int level,
                       struct wv_error *err);

/* Writes an object key and its separator (":" or ": "). Keys are short: a plain one is copied
 * byte by byte straight into the buffer (cheaper than strlen + memcpy calls); one that is long
 * or has bytes to escape goes through write_str. */
static int write_key(struct wv_buf *out, const char *k, bool pretty, struct wv_error *err)
{
    enum { SHORT = 48 };
    if (room(out, SHORT + 4)) {
        char *d = out->data + out->len + 1;
        size_t i = 0;
        for (; i < SHORT && k[i] && !str_special[(unsigned char)k[i]]; i++)
            d[i] = k[i];
        if (!k[i]) {
            d[-1] = '"';
            memcpy(d + i, "\": ", 3);
            out->len += i + (pretty ? 4 : 3);
            return 0;
        }
    }
    if (write_str(out, k, strlen(k), err) < 0)
        return -1;
    return put(out, ": ", pretty ? 2 : 1, err);
}

/* Writes an array or object; level < 0 means compact. */
static int write_container(struct wv_buf *out, const struct wv_json *j, int level,
                           struct wv_error *err)
{
    bool obj = j->type == WV_JSON_OBJECT;
    if (put1(out, obj ? '{' : '[', err) < 0)
        return -1;
    int inner = level < 0 ? -1 : level + 1;
    for (size_t i = 0; i < j->len; i++) {
        if (i && put1(out, ',', err) < 0)
            return -1;
        if (write_indent(out, inner, err) < 0)
            return -1;
        if (obj && write_key(out, j->keys[i] ? j->keys[i] : "", level >= 0, err) < 0)
            return -1;
        if (write_value(out, j->items[i], inner, err) < 0)
            return -1;
    }
    if (j->len && write_indent(out, level, err) < 0)
        return -1;
    return put1(out, obj ? '}' : ']', err);
}

/* Writes any value. */
static int write_value(struct wv_buf *out, const struct wv_json *j, int level,
                       struct wv_error *err)
{
    if (!j)
        return put(out, "null", 4, err);
    switch (j->type) {
    case WV_JSON_NULL:
        return put(out, "null", 4, err);
    case WV_JSON_BOOL:
        return j->b ? put(out, "true", 4, err) : put(out, "false", 5, err);
    case WV_JSON_NUMBER:
        if (!j->s || !j->slen)
            return put1(out, '0', err);
        return put(out, j->s, j->slen, err);
    case WV_JSON_STRING:
        return write_str(out, j->s, j->slen, err);
    case WV_JSON_ARRAY:
    case WV_JSON_OBJECT:
        return write_container(out, j, level, err);
    }
    return wv_error_set(err, WV_E_INTERNAL, 0, "json: bad node type %d", (int)j->type);
}

/* Compact serialization. */
int wv_json_write(struct wv_buf *out, const struct wv_json *j, struct wv_error *err)
{
    return terminate(out, write_value(out, j, -1, err));
}

/* Two-space indented serialization. */
int wv_json_write_pretty(struct wv_buf *out, const struct wv_json *j, struct wv_error *err)
{
    return terminate(out, write_value(out, j, 0, err));
}

/* Compact serialization into a new string. */
char *wv_json_to_string(const struct wv_json *j)
{
    struct wv_buf b;
    wv_buf_init(&b, 0);
    if (terminate(&b, write_value(&b, j, -1, NULL)) < 0) {
        wv_buf_done(&b);
        return NULL;
    }
    return wv_buf_steal(&b, NULL);
}
