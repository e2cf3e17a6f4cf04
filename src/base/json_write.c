/* json_write.c - the JSON serializer: compact and 2-space pretty output of a wv_json tree in key
 * order, with string literals escaped per RFC 8259 section 7
 * (https://www.rfc-editor.org/rfc/rfc8259): '"', '\\' and control characters escaped, valid UTF-8
 * kept as is, invalid bytes written as U+FFFD.
 * Any thread; a tree and its output buffer belong to one thread at a time. */
#include "base/json.h"

#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/json_int.h"

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
    const unsigned char *plain = wv_json_int_scan_plain(p, end);
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
        p = wv_json_int_scan_plain(p, end);
        if (p >= end)
            break;
        unsigned char c = *p;
        size_t k = c >= 0x80 ? wv_json_int_utf8_len(p, end) : 0;
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
        for (; i < SHORT && k[i] && !wv_json_int_str_special[(unsigned char)k[i]]; i++)
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
