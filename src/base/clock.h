/* clock.h - time as a seam: a clock vtable (tests use a fake one) and UTC calendar helpers
 * that never touch the process time zone. Times are milliseconds since the Unix epoch. */
#ifndef WV_CLOCK_H
#define WV_CLOCK_H

#include <stddef.h>
#include <stdint.h>

struct wv_clock_ops {
    /* Wall-clock time in ms since the epoch. */
    int64_t (*now_ms)(void *ctx);
    /* Monotonic time in ns (for durations and rates). */
    int64_t (*mono_ns)(void *ctx);
};

struct wv_clock {
    const struct wv_clock_ops *ops;
    void *ctx;
};

/* The real system clock (borrowed, static). */
const struct wv_clock *wv_clock_system(void);

static inline int64_t wv_clock_now_ms(const struct wv_clock *c) { return c->ops->now_ms(c->ctx); }
static inline int64_t wv_clock_mono_ns(const struct wv_clock *c) { return c->ops->mono_ns(c->ctx); }

/* Broken-down UTC time. */
struct wv_tm {
    int year, month, day; /* month 1-12, day 1-31 */
    int hour, min, sec, ms;
};

/* Proleptic Gregorian calendar: days since 1970-01-01 of a date, and back. */
int64_t wv_days_from_civil(int64_t y, int m, int d);
void wv_civil_from_days(int64_t z, int *y, int *m, int *d);

void wv_time_split(int64_t ms, struct wv_tm *tm);
int64_t wv_time_join(const struct wv_tm *tm);

/* "2024-01-02T03:04:05.678Z" (buf >= 32). Returns buf. */
char *wv_time_iso(int64_t ms, char *buf, size_t size);
/* "2024-01-02T03:04:05Z" without milliseconds (buf >= 32). Returns buf. */
char *wv_time_iso_s(int64_t ms, char *buf, size_t size);
/* "2024-01-02" (buf >= 11). Returns buf. */
char *wv_time_date(int64_t ms, char *buf, size_t size);

/* Parses RFC 3339 / ISO 8601: date, or date-time with optional fraction and offset
 * ("Z", "+02:00", none = UTC). Returns -1 if malformed. */
int wv_time_parse(const char *s, int64_t *ms);

#endif
