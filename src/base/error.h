/* error.h - weaver's error value: a code from one X-macro list, a detail and a message.
 * First error wins: the innermost failure writes the message, callers add context with
 * wv_error_prefix(). No global "last error"; every fallible call takes a struct wv_error *. */
#ifndef WV_ERROR_H
#define WV_ERROR_H

#include <stdbool.h>

/* X(name, text, retryable) */
#define WV_ERROR_CODES(X)                                                                          \
    X(OK, "ok", false)                                                                             \
    X(USAGE, "usage", false)                                                                       \
    X(CONFIG, "config", false)                                                                     \
    X(PARSE, "parse", false)                                                                       \
    X(IO, "io", false)                                                                             \
    X(NOMEM, "out of memory", false)                                                               \
    X(DB, "database", false)                                                                       \
    X(BUSY, "busy", true)                                                                          \
    X(HTTP, "http", true)                                                                          \
    X(NETWORK, "network", true)                                                                    \
    X(TIMEOUT, "timeout", true)                                                                    \
    X(PROTOCOL, "protocol", false)                                                                 \
    X(NOTFOUND, "not found", false)                                                                \
    X(CONFLICT, "conflict", false)                                                                 \
    X(LIMIT, "limit exceeded", false)                                                              \
    X(SOURCE, "source", false)                                                                     \
    X(CANCELLED, "cancelled", false)                                                               \
    X(QUALITY, "quality gate", false)                                                              \
    X(INTERNAL, "internal", false)

enum wv_code {
#define WV_X_ENUM(name, text, retry) WV_E_##name,
    WV_ERROR_CODES(WV_X_ENUM)
#undef WV_X_ENUM
        WV_E__COUNT
};

#define WV_ERROR_MSG_MAX 1024

struct wv_error {
    enum wv_code code; /* WV_E_OK while unset */
    long detail;       /* errno, HTTP status, sqlite rc ... (0 if none) */
    char msg[WV_ERROR_MSG_MAX];
};

#if defined(__GNUC__)
#define WV_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define WV_PRINTF(a, b)
#endif

/* Resets err to WV_E_OK with an empty message. err may be NULL. */
void wv_error_clear(struct wv_error *err);

/* Records an error unless one is already set (first error wins). Always returns -1 so callers
 * can `return wv_error_set(...)`. err may be NULL. */
int wv_error_set(struct wv_error *err, enum wv_code code, long detail, const char *fmt, ...)
    WV_PRINTF(4, 5);

/* Like wv_error_set, with the text of errno value `errnum` appended as ": <strerror>". */
int wv_error_errno(struct wv_error *err, int errnum, const char *fmt, ...) WV_PRINTF(3, 4);

/* Prepends "context: " to an already-set message (callers add context on the way out).
 * Returns -1. Does nothing to the code or detail. */
int wv_error_prefix(struct wv_error *err, const char *fmt, ...) WV_PRINTF(2, 3);

/* Short name of a code ("config", "http" ...). */
const char *wv_code_name(enum wv_code code);

/* Whether an error of this code may succeed when retried (the retry policy asks this). */
bool wv_code_retryable(enum wv_code code);

/* Whether err holds an error. */
static inline bool wv_error_isset(const struct wv_error *err) { return err && err->code != WV_E_OK; }

#endif
