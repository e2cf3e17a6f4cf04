/* clock.c - system clock and UTC calendar arithmetic (days-from-civil, no time zone state).
 * Any thread. */
#include "base/clock.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

/* Wall-clock ms. */
static int64_t sys_now_ms(void *ctx)
{
    (void)ctx;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Monotonic ns. */
static int64_t sys_mono_ns(void *ctx)
{
    (void)ctx;
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static const struct wv_clock_ops sys_ops = {sys_now_ms, sys_mono_ns};
static const struct wv_clock sys_clock = {&sys_ops, NULL};

/* The system clock. */
const struct wv_clock *wv_clock_system(void) { return &sys_clock; }

/* Days since 1970-01-01 of a civil date (Howard Hinnant's algorithm). */
int64_t wv_days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

/* Civil date of a day count. */
void wv_civil_from_days(int64_t z, int *y, int *m, int *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = (int)(yoe + era * 400 + (*m <= 2));
}

/* Splits epoch ms into UTC fields. */
void wv_time_split(int64_t ms, struct wv_tm *tm)
{
    int64_t days = ms / 86400000, rem = ms % 86400000;
    if (rem < 0) {
        rem += 86400000;
        days--;
    }
    wv_civil_from_days(days, &tm->year, &tm->month, &tm->day);
    tm->hour = (int)(rem / 3600000);
    tm->min = (int)(rem / 60000 % 60);
    tm->sec = (int)(rem / 1000 % 60);
    tm->ms = (int)(rem % 1000);
}

/* Joins UTC fields into epoch ms. */
int64_t wv_time_join(const struct wv_tm *tm)
{
    int64_t days = wv_days_from_civil(tm->year, tm->month, tm->day);
    return days * 86400000 + (int64_t)tm->hour * 3600000 + (int64_t)tm->min * 60000 +
           (int64_t)tm->sec * 1000 + tm->ms;
}

/* ISO 8601 with milliseconds. */
char *wv_time_iso(int64_t ms, char *buf, size_t size)
{
    struct wv_tm t;
    wv_time_split(ms, &t);
    snprintf(buf, size, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", t.year, t.month, t.day, t.hour,
             t.min, t.sec, t.ms);
    return buf;
}

/* ISO 8601 to the second. */
char *wv_time_iso_s(int64_t ms, char *buf, size_t size)
{
    struct wv_tm t;
    wv_time_split(ms, &t);
    snprintf(buf, size, "%04d-%02d-%02dT%02d:%02d:%02dZ", t.year, t.month, t.day, t.hour, t.min,
             t.sec);
    return buf;
}

/* Calendar date. */
char *wv_time_date(int64_t ms, char *buf, size_t size)
{
    struct wv_tm t;
    wv_time_split(ms, &t);
    snprintf(buf, size, "%04d-%02d-%02d", t.year, t.month, t.day);
    return buf;
}

/* Reads exactly n digits. */
static int digits(const char **p, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (!isdigit((unsigned char)(*p)[i]))
            return -1;
        v = v * 10 + ((*p)[i] - '0');
    }
    *p += n;
    *out = v;
    return 0;
}

/* Days in a month. */
static int month_days(int y, int m)
{
    static const int md[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
        return 29;
    return md[m - 1];
}

/* Parses an RFC 3339 date or date-time. */
int wv_time_parse(const char *s, int64_t *ms)
{
    struct wv_tm t = {0};
    const char *p = s;
    if (digits(&p, 4, &t.year) || *p++ != '-' || digits(&p, 2, &t.month) || *p++ != '-' ||
        digits(&p, 2, &t.day))
        return -1;
    if (t.month < 1 || t.month > 12 || t.day < 1 || t.day > month_days(t.year, t.month))
        return -1;
    int off_min = 0;
    if (*p == 'T' || *p == 't' || *p == ' ') {
        p++;
        if (digits(&p, 2, &t.hour) || *p++ != ':' || digits(&p, 2, &t.min))
            return -1;
        if (*p == ':') {
            p++;
            if (digits(&p, 2, &t.sec))
                return -1;
        }
        if (t.hour > 23 || t.min > 59 || t.sec > 60)
            return -1;
        if (t.sec == 60)
            t.sec = 59; /* leap second: clamp */
        if (*p == '.' || *p == ',') {
            p++;
            int scale = 100, frac = 0, nd = 0;
            while (isdigit((unsigned char)*p)) {
                if (nd < 3)
                    frac += (*p - '0') * scale;
                scale /= 10;
                nd++;
                p++;
            }
            if (!nd)
                return -1;
            t.ms = frac;
        }
        if (*p == 'Z' || *p == 'z') {
            p++;
        } else if (*p == '+' || *p == '-') {
            int sign = *p == '-' ? -1 : 1, oh, om = 0;
            p++;
            if (digits(&p, 2, &oh))
                return -1;
            if (*p == ':')
                p++;
            if (isdigit((unsigned char)*p) && digits(&p, 2, &om))
                return -1;
            if (oh > 23 || om > 59)
                return -1;
            off_min = sign * (oh * 60 + om);
        }
    }
    if (*p != '\0')
        return -1;
    *ms = wv_time_join(&t) - (int64_t)off_min * 60000;
    return 0;
}
