/* buf.h - a growable byte buffer with a hard cap (sizes from outside are checked before they
 * grow memory). Always NUL-terminated after any append, so data can be read as a C string. */
#ifndef WV_BUF_H
#define WV_BUF_H

#include <stddef.h>

#include "base/error.h"

struct wv_buf {
    char *data; /* owned; NULL until first append */
    size_t len;
    size_t cap;
    size_t max; /* 0 = no cap */
};

#define WV_BUF_INIT {NULL, 0, 0, 0}

void wv_buf_init(struct wv_buf *b, size_t max);
void wv_buf_done(struct wv_buf *b); /* frees data; the buffer can be reused after init */
void wv_buf_reset(struct wv_buf *b); /* len = 0, keeps memory */

/* Ensures room for n more bytes (+ NUL). -1 with WV_E_LIMIT if past the cap. */
int wv_buf_reserve(struct wv_buf *b, size_t n, struct wv_error *err);
int wv_buf_append(struct wv_buf *b, const void *p, size_t n, struct wv_error *err);
int wv_buf_puts(struct wv_buf *b, const char *s, struct wv_error *err);
int wv_buf_putc(struct wv_buf *b, char c, struct wv_error *err);
int wv_buf_printf(struct wv_buf *b, struct wv_error *err, const char *fmt, ...) WV_PRINTF(3, 4);

/* The contents as a C string ("" when empty); borrowed. */
const char *wv_buf_cstr(const struct wv_buf *b);

/* Hands the data to the caller (caller frees) and resets the buffer. Never NULL. */
char *wv_buf_steal(struct wv_buf *b, size_t *len);

#endif
