/* error.c - error values: first error wins, context prefixes, code names.
 * Any thread; an error value belongs to the caller that passed it. */
#include "base/error.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static const char *const code_names[] = {
#define WV_X_NAME(name, text, retry) text,
    WV_ERROR_CODES(WV_X_NAME)
#undef WV_X_NAME
};

static const bool code_retry[] = {
#define WV_X_RETRY(name, text, retry) retry,
    WV_ERROR_CODES(WV_X_RETRY)
#undef WV_X_RETRY
};

/* Resets an error value. */
void wv_error_clear(struct wv_error *err)
{
    if (!err)
        return;
    err->code = WV_E_OK;
    err->detail = 0;
    err->msg[0] = '\0';
}

/* Fills an unset error from a va_list. */
static void error_vset(struct wv_error *err, enum wv_code code, long detail, const char *fmt,
                       va_list ap)
{
    if (!err || err->code != WV_E_OK)
        return;
    err->code = code == WV_E_OK ? WV_E_INTERNAL : code;
    err->detail = detail;
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
}

/* Records an error unless one is set already. */
int wv_error_set(struct wv_error *err, enum wv_code code, long detail, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    error_vset(err, code, detail, fmt, ap);
    va_end(ap);
    return -1;
}

/* Records an I/O error with strerror text. */
int wv_error_errno(struct wv_error *err, int errnum, const char *fmt, ...)
{
    char head[WV_ERROR_MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(head, sizeof head, fmt, ap);
    va_end(ap);
    enum wv_code code = errnum == ENOMEM ? WV_E_NOMEM : errnum == ENOENT ? WV_E_NOTFOUND : WV_E_IO;
    return wv_error_set(err, code, errnum, "%s: %s", head, strerror(errnum));
}

/* Prepends context to the message of a set error. */
int wv_error_prefix(struct wv_error *err, const char *fmt, ...)
{
    if (!err || err->code == WV_E_OK)
        return -1;
    char head[WV_ERROR_MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(head, sizeof head - 2, fmt, ap);
    va_end(ap);
    if (n < 0)
        return -1;
    size_t hl = strlen(head);
    memcpy(head + hl, ": ", 3);
    hl += 2;
    size_t ml = strlen(err->msg);
    if (hl + ml >= sizeof err->msg)
        ml = sizeof err->msg - 1 - hl; /* truncate the tail: the context matters more */
    memmove(err->msg + hl, err->msg, ml);
    memcpy(err->msg, head, hl);
    err->msg[hl + ml] = '\0';
    return -1;
}

/* Name of a code. */
const char *wv_code_name(enum wv_code code)
{
    if ((unsigned)code >= WV_E__COUNT)
        return "unknown";
    return code_names[code];
}

/* Retryability of a code. */
bool wv_code_retryable(enum wv_code code)
{
    if ((unsigned)code >= WV_E__COUNT)
        return false;
    return code_retry[code];
}
