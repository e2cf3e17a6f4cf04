/* mem.h - allocation that never returns NULL: out of memory restores the terminal (through a
 * hook the console installs) and aborts, as STYLE.md asks. Strings and formatting helpers. */
#ifndef WV_MEM_H
#define WV_MEM_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/error.h"

/* Called once before abort() on out of memory (e.g. endwin). NULL to unset. Not thread-safe
 * to change while other threads allocate: set it at start-up. */
void wv_set_oom_hook(void (*hook)(void));

/* malloc/calloc/realloc that abort on failure. Caller frees with free(). */
void *wv_malloc(size_t n);
void *wv_calloc(size_t count, size_t size);
void *wv_realloc(void *p, size_t n);

/* Copies of strings; caller frees. wv_strdup(NULL) returns NULL. */
char *wv_strdup(const char *s);
char *wv_strndup(const char *s, size_t n);

/* printf into a new string; caller frees. */
char *wv_asprintf(const char *fmt, ...) WV_PRINTF(1, 2);
char *wv_vasprintf(const char *fmt, va_list ap) WV_PRINTF(1, 0);

/* Copies at most size-1 bytes and always terminates; returns strlen(src). */
size_t wv_strlcpy(char *dst, const char *src, size_t size);

bool wv_str_starts(const char *s, const char *prefix);
bool wv_str_ends(const char *s, const char *suffix);
bool wv_str_eq(const char *a, const char *b); /* NULL-safe equality */

/* Parses a whole decimal integer (optional sign); returns -1 on junk or overflow. */
int wv_parse_i64(const char *s, int64_t *out);

/* A NULL-terminated list of strings: wv_strv_free frees each and the array. */
void wv_strv_free(char **v);
size_t wv_strv_len(char *const *v);

#endif
