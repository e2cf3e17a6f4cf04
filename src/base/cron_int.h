/* cron_int.h - private to cron.c / cron_tz.c: time zones read from the system's zoneinfo. */
#ifndef WV_CRON_INT_H
#define WV_CRON_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/error.h"

/* One POSIX TZ rule date (the footer of a TZif file): Jn, n or Mm.w.d, plus a time of day. */
struct wv_tzrule_date {
    char kind;          /* 'J' (1-365, no Feb 29), 'D' (0-365), 'M' */
    int n, m, w, d;
    int32_t secs;       /* local time of day of the change (may be < 0 or > 24h) */
};

/* A zone: transitions (UTC seconds) to local time types, and the footer rule for times after
 * the last transition. */
struct wv_tz {
    int64_t *trans;     /* ascending */
    uint8_t *idx;       /* type index of each transition */
    size_t n_trans;
    int32_t *offs;      /* UT offset of each type, seconds east */
    size_t n_types;
    bool has_rule;      /* footer present */
    int32_t std_off, dst_off; /* seconds east */
    bool rule_dst;      /* the footer has daylight saving */
    struct wv_tzrule_date start, end;
};

/* Loads a zone by IANA name ("UTC" works without zoneinfo). Zone files are read from $TZDIR
 * or /usr/share/zoneinfo. Caller frees with wv_tz_done. */
int wv_tz_load(const char *name, struct wv_tz *tz, struct wv_error *err);
void wv_tz_done(struct wv_tz *tz);

/* UT offset in seconds east at UTC second t. */
int32_t wv_tz_offset(const struct wv_tz *tz, int64_t t);

#endif
