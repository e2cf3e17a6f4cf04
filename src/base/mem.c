/* mem.c - aborting allocators and small string helpers. Any thread. */
#include "base/mem.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void (*oom_hook)(void);

/* Installs the out-of-memory hook. */
void wv_set_oom_hook(void (*hook)(void)) { oom_hook = hook; }

/* Restores the terminal and aborts. */
static void oom(size_t n)
{
    if (oom_hook)
        oom_hook();
    fprintf(stderr, "weaver: out of memory (%zu bytes)\n", n);
    abort();
}

/* malloc or abort. */
void *wv_malloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        oom(n);
    return p;
}

/* calloc or abort. */
void *wv_calloc(size_t count, size_t size)
{
    void *p = calloc(count ? count : 1, size ? size : 1);
    if (!p)
        oom(count * size);
    return p;
}

/* realloc or abort. */
void *wv_realloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q)
        oom(n);
    return q;
}

/* strdup or abort. */
char *wv_strdup(const char *s)
{
    if (!s)
        return NULL;
    return wv_strndup(s, strlen(s));
}

/* strndup or abort. */
char *wv_strndup(const char *s, size_t n)
{
    size_t len = strnlen(s, n);
    char *d = wv_malloc(len + 1);
    memcpy(d, s, len);
    d[len] = '\0';
    return d;
}

/* vasprintf or abort. */
char *wv_vasprintf(const char *fmt, va_list ap)
{
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    if (n < 0)
        n = 0;
    char *s = wv_malloc((size_t)n + 1);
    vsnprintf(s, (size_t)n + 1, fmt, ap);
    return s;
}

/* asprintf or abort. */
char *wv_asprintf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *s = wv_vasprintf(fmt, ap);
    va_end(ap);
    return s;
}

/* Bounded copy that always terminates. */
size_t wv_strlcpy(char *dst, const char *src, size_t size)
{
    size_t len = strlen(src);
    if (size) {
        size_t n = len < size - 1 ? len : size - 1;
        memcpy(dst, src, n);
        dst[n] = '\0';
    }
    return len;
}

/* Prefix test. */
bool wv_str_starts(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* Suffix test. */
bool wv_str_ends(const char *s, const char *suffix)
{
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && memcmp(s + a - b, suffix, b) == 0;
}

/* NULL-safe string equality. */
bool wv_str_eq(const char *a, const char *b)
{
    if (!a || !b)
        return a == b;
    return strcmp(a, b) == 0;
}

/* Whole-string decimal parse. */
int wv_parse_i64(const char *s, int64_t *out)
{
    if (!s || !*s)
        return -1;
    char *end = NULL;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || *end != '\0' || end == s)
        return -1;
    *out = (int64_t)v;
    return 0;
}

/* Frees a NULL-terminated string vector. */
void wv_strv_free(char **v)
{
    if (!v)
        return;
    for (char **p = v; *p; p++)
        free(*p);
    free(v);
}

/* Length of a NULL-terminated string vector. */
size_t wv_strv_len(char *const *v)
{
    size_t n = 0;
    while (v && v[n])
        n++;
    return n;
}
