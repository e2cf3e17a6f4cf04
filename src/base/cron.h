/* cron.h - schedules: 5-field cron expressions (minute hour day-of-month month day-of-week;
 * `*`, numbers, ranges a-b, steps (`*` or a-b, then /n), lists, month and day names
 * JAN-DEC / SUN-SAT, 7 = Sunday, and the usual rule that when both day fields are restricted
 * a day matching either runs) evaluated in a time zone (IANA name like "Europe/Paris", read
 * from the system's zoneinfo, or "UTC"), and fixed intervals ("15m", "1h", "1d"). Pure
 * functions; thread-safe. */
#ifndef WV_CRON_H
#define WV_CRON_H

#include <stdbool.h>
#include <stdint.h>

#include "base/error.h"

struct wv_cron {
    uint64_t minutes;  /* bit m set: minute m (0-59) */
    uint32_t hours;    /* 0-23 */
    uint32_t mdays;    /* bit d: day of month d (1-31) */
    uint16_t months;   /* bit m: month m (1-12) */
    uint8_t wdays;     /* bit w: weekday w (0 = Sunday .. 6) */
    bool mday_star, wday_star; /* the field was `*` (or `*` with a step) */
    char tz[64];       /* "UTC" or an IANA zone name */
};

/* Parses "0 6 * * *" in time zone tz (NULL or "" = UTC). Errors (WV_E_CONFIG) name the field
 * and the column inside the expression: "cron field 2 (hour) at column 3: 25 is out of range
 * 0-23". An unknown time zone is an error. */
int wv_cron_parse(const char *expr, const char *tz, struct wv_cron *out, struct wv_error *err);

/* The first time strictly after after_ms (UTC ms) when the schedule fires, in UTC ms, aligned
 * to a minute; -1 if none within 5 years. Daylight-saving gaps: a local time that does not
 * exist fires at the first minute after the gap; a repeated local hour fires once (the first). */
int64_t wv_cron_next(const struct wv_cron *c, int64_t after_ms);

/* "90s", "15m", "2h", "1d", "1h30m" -> ms (> 0); -1 if malformed. */
int64_t wv_duration_parse(const char *s);

#endif
