/* json.c - weaver's JSON tree: a strict recursive-descent parser, constructors, containers and
 * lookups (numbers and comparison: json_num.c; serializer: json_write.c). Follows RFC 8259
 * sections 2-8 (https://www.rfc-editor.org/rfc/rfc8259) and RFC 3629 section 4 for valid UTF-8;
 * a leading UTF-8 byte order mark is ignored (RFC 8259 section 8.1 allows it).
 * Any thread; a tree belongs to one thread at a time. */
#include "base/json.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "base/arena.h"
#include "base/fs.h"
#include "base/json_int.h"
#include "base/mem.h"

#define JSON_STR2(x) #x
#define JSON_STR(x) JSON_STR2(x)

/* ---- nodes ---- */

/* A zeroed node (plus `extra` bytes) in arena a, or on the heap when a is NULL. */
static struct wv_json *node_in(struct wv_arena *a, enum wv_json_type t, size_t extra)
{
    if (!a)
        return wv_json_int_node_alloc(t, extra);
    struct wv_json *j = wv_arena_alloc(a, sizeof *j + extra);
    memset(j, 0, sizeof *j);
    j->type = t;
    j->arena = a;
    return j;
}

/* Like wv_json_int_node_text, in arena a (heap when NULL). */
static struct wv_json *node_text_in(struct wv_arena *a, enum wv_json_type t, const char *s,
                                    size_t n)
{
    if (!a)
        return wv_json_int_node_text(t, s, n);
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

/* ---- parser ---- */

/* Whether a byte right after a number makes it malformed ("01", "1.", "1x", "1e+-"). */
static bool number_tail(unsigned char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           c == '.' || c == '+' || c == '-' || c == '_';
}

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
        q = wv_json_int_scan_plain(q, end);
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
            size_t n = wv_json_int_utf8_len(q, end);
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
    size_t n = wv_json_int_scan_number(s, jp->end);
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
struct wv_json *wv_json_null(void) { return wv_json_int_node_alloc(WV_JSON_NULL, 0); }

/* A bool node. */
struct wv_json *wv_json_bool(bool b)
{
    struct wv_json *j = wv_json_int_node_alloc(WV_JSON_BOOL, 0);
    j->b = b;
    return j;
}

/* A string node (NULL gives a null node). */
struct wv_json *wv_json_str(const char *s)
{
    return s ? wv_json_int_node_text(WV_JSON_STRING, s, strlen(s)) : wv_json_null();
}

/* A string node from n bytes (may contain NUL). */
struct wv_json *wv_json_strn(const char *s, size_t n)
{
    return wv_json_int_node_text(WV_JSON_STRING, s ? s : "", s ? n : 0);
}

/* An empty array. */
struct wv_json *wv_json_array(void) { return wv_json_int_node_alloc(WV_JSON_ARRAY, 0); }

/* An empty object. */
struct wv_json *wv_json_object(void) { return wv_json_int_node_alloc(WV_JSON_OBJECT, 0); }

/* Deep copy, positions kept. */
struct wv_json *wv_json_dup(const struct wv_json *j)
{
    if (!j)
        return NULL;
    struct wv_json *c;
    if ((j->type == WV_JSON_STRING || j->type == WV_JSON_NUMBER) && j->s)
        c = wv_json_int_node_text(j->type, j->s, j->slen);
    else
        c = wv_json_int_node_alloc(j->type, 0);
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

/* Sets or replaces key (v is freed if obj is not an object). */
void wv_json_set(struct wv_json *obj, const char *key, struct wv_json *v)
{
    if (!obj || obj->type != WV_JSON_OBJECT || !key) {
        wv_json_free(v);
        return;
    }
    size_t i = wv_json_int_obj_index(obj, key);
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
    size_t i = wv_json_int_obj_index(obj, key);
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
    size_t i = wv_json_int_obj_index(obj, key);
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
