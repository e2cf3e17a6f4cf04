/* buf.c - capped growable byte buffers. Any thread; a buffer has one owner. */
#include "base/buf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"

/* Sets up an empty buffer with a cap (0 = none). */
void wv_buf_init(struct wv_buf *b, size_t max)
{
    b->data = NULL;
    b->len = b->cap = 0;
    b->max = max;
}

/* Frees the buffer's memory. */
void wv_buf_done(struct wv_buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

/* Empties the buffer, keeping its memory. */
void wv_buf_reset(struct wv_buf *b)
{
    b->len = 0;
    if (b->data)
        b->data[0] = '\0';
}

/* Grows capacity for n more bytes plus a NUL. */
int wv_buf_reserve(struct wv_buf *b, size_t n, struct wv_error *err)
{
    if (b->max && (n > b->max || b->len > b->max - n))
        return wv_error_set(err, WV_E_LIMIT, 0, "buffer limit of %zu bytes exceeded", b->max);
    size_t need = b->len + n + 1;
    if (need <= b->cap)
        return 0;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < need)
        cap *= 2;
    b->data = wv_realloc(b->data, cap);
    b->cap = cap;
    return 0;
}

/* Appends n bytes. */
int wv_buf_append(struct wv_buf *b, const void *p, size_t n, struct wv_error *err)
{
    if (wv_buf_reserve(b, n, err) < 0)
        return -1;
    if (n)
        memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
    return 0;
}

/* Appends a C string. */
int wv_buf_puts(struct wv_buf *b, const char *s, struct wv_error *err)
{
    return wv_buf_append(b, s, strlen(s), err);
}

/* Appends one byte. */
int wv_buf_putc(struct wv_buf *b, char c, struct wv_error *err)
{
    if (b->len + 1 < b->cap && (!b->max || b->len < b->max)) {
        b->data[b->len++] = c;
        b->data[b->len] = '\0';
        return 0;
    }
    return wv_buf_append(b, &c, 1, err);
}

/* Appends formatted text. */
int wv_buf_printf(struct wv_buf *b, struct wv_error *err, const char *fmt, ...)
{
    va_list ap, ap2;
    va_start(ap, fmt);
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0) {
        va_end(ap2);
        return wv_error_set(err, WV_E_INTERNAL, 0, "bad format");
    }
    if (wv_buf_reserve(b, (size_t)n, err) < 0) {
        va_end(ap2);
        return -1;
    }
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap2);
    va_end(ap2);
    b->len += (size_t)n;
    return 0;
}

/* Contents as a C string. */
const char *wv_buf_cstr(const struct wv_buf *b) { return b->data ? b->data : ""; }

/* Gives the data away. */
char *wv_buf_steal(struct wv_buf *b, size_t *len)
{
    char *d = b->data ? b->data : wv_strdup("");
    if (len)
        *len = b->len;
    b->data = NULL;
    b->len = b->cap = 0;
    return d;
}
