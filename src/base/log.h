/* log.h - leveled logging through a sink the caller provides. Library code never prints:
 * it logs into a struct wv_log, and main.c / the console / the engine decide where it goes. */
#ifndef WV_LOG_H
#define WV_LOG_H

#include "base/error.h"

/* Levels match the Airbyte protocol's LOG levels. */
#define WV_LOG_LEVELS(X) X(TRACE) X(DEBUG) X(INFO) X(WARN) X(ERROR) X(FATAL)

enum wv_level {
#define WV_X_LVL(name) WV_LOG_##name,
    WV_LOG_LEVELS(WV_X_LVL)
#undef WV_X_LVL
};

/* Receives one formatted line (no trailing newline). */
typedef void (*wv_log_fn)(void *ctx, enum wv_level level, const char *msg);

struct wv_log {
    wv_log_fn fn; /* NULL: discard */
    void *ctx;
    enum wv_level min;
};

/* Logs if level >= log->min. log may be NULL. */
void wv_logf(const struct wv_log *log, enum wv_level level, const char *fmt, ...) WV_PRINTF(3, 4);

/* "INFO", "WARN" ... */
const char *wv_level_name(enum wv_level level);
/* Parses a level name (case-insensitive); -1 if unknown. */
int wv_level_parse(const char *name, enum wv_level *out);

#endif
