/* log.c - leveled logging into a caller-provided sink. Any thread (the sink decides). */
#include "base/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <strings.h>

static const char *const level_names[] = {
#define WV_X_LVLNAME(name) #name,
    WV_LOG_LEVELS(WV_X_LVLNAME)
#undef WV_X_LVLNAME
};

/* Formats and hands a line to the sink. */
void wv_logf(const struct wv_log *log, enum wv_level level, const char *fmt, ...)
{
    if (!log || !log->fn || level < log->min)
        return;
    char line[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    log->fn(log->ctx, level, line);
}

/* Name of a level. */
const char *wv_level_name(enum wv_level level)
{
    if ((unsigned)level > WV_LOG_FATAL)
        return "INFO";
    return level_names[level];
}

/* Level from a name. */
int wv_level_parse(const char *name, enum wv_level *out)
{
    for (unsigned i = 0; i <= WV_LOG_FATAL; i++) {
        if (strcasecmp(name, level_names[i]) == 0) {
            *out = (enum wv_level)i;
            return 0;
        }
    }
    if (strcasecmp(name, "WARNING") == 0) {
        *out = WV_LOG_WARN;
        return 0;
    }
    return -1;
}
