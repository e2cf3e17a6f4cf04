/* interp_time.c - datetimes for templates: the CDK's date macros (macros.py: now_utc,
 * today_utc, today_with_timezone, timestamp, str_to_datetime, day_delta, duration,
 * format_datetime), Python's datetime str()/strftime()/isoformat(), ISO 8601 parsing
 * (datetime_helpers.ab_datetime_parse) and durations (isodate.parse_duration). Times are
 * microseconds since the epoch, always UTC-aware. Any thread; the clock comes from the env. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/clock.h"
#include "connectors/interp_priv.h"

#define DAY_US 86400000000LL
#define SEC_US 1000000LL

/* Splits microseconds since the epoch. */
void conn_ip_split(int64_t us, struct ip_bt *t)
{
    int64_t days = us >= 0 ? us / DAY_US : -((-us + DAY_US - 1) / DAY_US);
    int64_t rem = us - days * DAY_US;
    wv_civil_from_days(days, &t->y, &t->mo, &t->d);
    t->h = (int)(rem / (3600 * SEC_US));
    t->mi = (int)(rem / (60 * SEC_US) % 60);
    t->s = (int)(rem / SEC_US % 60);
    t->us = (int)(rem % SEC_US);
    t->wday = (int)(((days % 7) + 7 + 3) % 7); /* 1970-01-01 was a Thursday */
    t->yday = (int)(days - wv_days_from_civil(t->y, 1, 1)) + 1;
}

/* Joins a broken-down time. */
int64_t conn_ip_join(int y, int mo, int d, int h, int mi, int s, int us)
{
    return wv_days_from_civil(y, mo, d) * DAY_US + ((int64_t)h * 3600 + mi * 60 + s) * SEC_US + us;
}

static int days_in_month(int y, int m)
{
    static const int dm[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return m == 2 && leap ? 29 : dm[m - 1];
}

/* Adds calendar months, clamping the day (isodate's Duration arithmetic). */
int64_t conn_ip_add_months(int64_t us, int32_t months)
{
    if (!months)
        return us;
    struct ip_bt t;
    conn_ip_split(us, &t);
    int64_t m = (int64_t)t.y * 12 + (t.mo - 1) + months;
    int y = (int)(m >= 0 ? m / 12 : (m - 11) / 12);
    int mo = (int)(m - (int64_t)y * 12) + 1;
    int d = t.d > days_in_month(y, mo) ? days_in_month(y, mo) : t.d;
    return conn_ip_join(y, mo, d, t.h, t.mi, t.s, t.us);
}

/* The evaluation's "now" (read once per evaluation). */
int64_t conn_ip_now_us(struct ip_ctx *c)
{
    if (!c->have_now) {
        const struct wv_clock *clk = c->env && c->env->clock ? c->env->clock : wv_clock_system();
        c->now_us = wv_clock_now_ms(clk) * 1000;
        c->have_now = true;
    }
    return c->now_us;
}

static const char *const wdays[] = {"Monday", "Tuesday", "Wednesday", "Thursday",
                                    "Friday", "Saturday", "Sunday"};
static const char *const months[] = {"January", "February", "March", "April", "May", "June",
                                     "July", "August", "September", "October", "November",
                                     "December"};

/* Formats one strftime directive; returns -1 on buffer errors. */
static int fmt_one(struct wv_buf *b, char d, bool nopad, const struct ip_bt *t, int64_t us,
                   bool is_date, struct wv_error *err)
{
    int v = -1, w = 2;
    switch (d) {
    case 'Y': return wv_buf_printf(b, err, nopad ? "%d" : "%04d", t->y);
    case 'y': v = t->y % 100; break;
    case 'm': v = t->mo; break;
    case 'd': v = t->d; break;
    case 'e': return wv_buf_printf(b, err, "%2d", t->d);
    case 'H': v = t->h; break;
    case 'I': v = t->h % 12 ? t->h % 12 : 12; break;
    case 'M': v = t->mi; break;
    case 'S': v = t->s; break;
    case 'j': v = t->yday; w = 3; break;
    case 'f': return wv_buf_printf(b, err, "%06d", t->us);
    case 'p': return wv_buf_puts(b, t->h < 12 ? "AM" : "PM", err);
    case 'z': return is_date ? 0 : wv_buf_puts(b, "+0000", err);
    case 'Z': return is_date ? 0 : wv_buf_puts(b, "UTC", err);
    case 'a': return wv_buf_printf(b, err, "%.3s", wdays[t->wday]);
    case 'A': return wv_buf_puts(b, wdays[t->wday], err);
    case 'b': case 'h': return wv_buf_printf(b, err, "%.3s", months[t->mo - 1]);
    case 'B': return wv_buf_puts(b, months[t->mo - 1], err);
    case 'w': return wv_buf_printf(b, err, "%d", (t->wday + 1) % 7);
    case 'u': return wv_buf_printf(b, err, "%d", t->wday + 1);
    case 's': {
        int64_t s = us >= 0 ? us / SEC_US : -((-us + SEC_US - 1) / SEC_US);
        return wv_buf_printf(b, err, "%lld", (long long)s);
    }
    case 'F': return wv_buf_printf(b, err, "%04d-%02d-%02d", t->y, t->mo, t->d);
    case 'T': return wv_buf_printf(b, err, "%02d:%02d:%02d", t->h, t->mi, t->s);
    case '%': return wv_buf_putc(b, '%', err);
    default: return wv_buf_printf(b, err, "%%%c", d);
    }
    return wv_buf_printf(b, err, nopad ? "%d" : "%0*d", nopad ? v : w, v);
}

/* Python's strftime (UTC; %s is seconds since the epoch). */
int conn_ip_strftime(struct wv_buf *b, int64_t us, bool is_date, const char *fmt, size_t fn,
                     struct wv_error *err)
{
    struct ip_bt t;
    conn_ip_split(us, &t);
    for (size_t i = 0; i < fn; i++) {
        if (fmt[i] != '%' || i + 1 >= fn) {
            if (wv_buf_putc(b, fmt[i], err) < 0)
                return -1;
            continue;
        }
        bool nopad = fmt[i + 1] == '-' && i + 2 < fn;
        i += nopad ? 2 : 1;
        if (fmt_one(b, fmt[i], nopad, &t, us, is_date, err) < 0)
            return -1;
    }
    return 0;
}

/* str() of a datetime, date or timedelta, as Python prints them. */
int conn_ip_dt_str(struct wv_buf *b, const struct iv *v, struct wv_error *err)
{
    struct ip_bt t;
    if (v->kind == IV_TD) {
        int64_t us = v->u.td.us, days = us >= 0 ? us / DAY_US : -((-us + DAY_US - 1) / DAY_US);
        int64_t rem = us - days * DAY_US;
        if (v->u.td.months && wv_buf_printf(b, err, "%d month%s, ", v->u.td.months,
                                             v->u.td.months == 1 ? "" : "s") < 0)
            return -1;
        if (days && wv_buf_printf(b, err, "%lld day%s, ", (long long)days,
                                  days == 1 || days == -1 ? "" : "s") < 0)
            return -1;
        if (wv_buf_printf(b, err, "%d:%02d:%02d", (int)(rem / (3600 * SEC_US)),
                          (int)(rem / (60 * SEC_US) % 60), (int)(rem / SEC_US % 60)) < 0)
            return -1;
        return rem % SEC_US ? wv_buf_printf(b, err, ".%06d", (int)(rem % SEC_US)) : 0;
    }
    conn_ip_split(v->u.us, &t);
    if (v->kind == IV_DATE)
        return wv_buf_printf(b, err, "%04d-%02d-%02d", t.y, t.mo, t.d);
    if (wv_buf_printf(b, err, "%04d-%02d-%02d %02d:%02d:%02d", t.y, t.mo, t.d, t.h, t.mi, t.s) < 0)
        return -1;
    if (t.us && wv_buf_printf(b, err, ".%06d", t.us) < 0)
        return -1;
    return wv_buf_puts(b, "+00:00", err);
}

/* Reads exactly n digits. */
static bool digits(const char **p, const char *e, int n, int *out)
{
    *out = 0;
    for (int k = 0; k < n; k++, (*p)++) {
        if (*p >= e || !isdigit((unsigned char)**p))
            return false;
        *out = *out * 10 + (**p - '0');
    }
    return true;
}

/* Reads a UTC offset ("Z", "+HH:MM", "+HHMM", "+HH"); *off in minutes. */
static bool read_offset(const char **p, const char *e, int *off)
{
    *off = 0;
    if (*p < e && (**p == 'Z' || **p == 'z')) {
        (*p)++;
        return true;
    }
    if (*p >= e || (**p != '+' && **p != '-'))
        return false;
    int sign = **p == '-' ? -1 : 1, h, m = 0;
    (*p)++;
    if (!digits(p, e, 2, &h))
        return false;
    if (*p < e && **p == ':')
        (*p)++;
    if (*p < e && isdigit((unsigned char)**p) && !digits(p, e, 2, &m))
        return false;
    *off = sign * (h * 60 + m);
    return true;
}

/* Reads "HH:MM[:SS[.ffffff]]" (colons optional). */
static bool read_time(const char **p, const char *e, int *h, int *mi, int *s, int *us)
{
    *s = *us = 0;
    if (!digits(p, e, 2, h))
        return false;
    if (*p < e && **p == ':')
        (*p)++;
    if (!digits(p, e, 2, mi))
        return false;
    if (*p < e && **p == ':')
        (*p)++;
    if (*p < e && isdigit((unsigned char)**p)) {
        if (!digits(p, e, 2, s))
            return false;
        if (*p < e && (**p == '.' || **p == ',')) {
            (*p)++;
            int k = 0;
            for (; *p < e && isdigit((unsigned char)**p); (*p)++, k++)
                if (k < 6)
                    *us = *us * 10 + (**p - '0');
            if (!k)
                return false;
            for (; k < 6; k++)
                *us *= 10;
        }
    }
    return *h < 24 && *mi < 60 && *s < 61;
}

/* Parses like ab_datetime_parse: a unix timestamp in digits, or an ISO 8601 date/date-time
 * ('T' or space, optional fraction and offset, none = UTC). */
int conn_ip_parse_dt(const char *s, size_t n, int64_t *us)
{
    const char *p = s, *e = s + n;
    while (p < e && isspace((unsigned char)*p))
        p++;
    while (e > p && isspace((unsigned char)e[-1]))
        e--;
    bool all_digits = p < e;
    for (const char *q = p; q < e; q++)
        all_digits = all_digits && isdigit((unsigned char)*q);
    if (all_digits && e - p <= 12) {
        int64_t v = 0;
        for (const char *q = p; q < e; q++)
            v = v * 10 + (*q - '0');
        *us = v * SEC_US;
        return 0;
    }
    int y, mo, d, h = 0, mi = 0, sec = 0, fr = 0, off = 0;
    if (!digits(&p, e, 4, &y))
        return -1;
    bool dash = p < e && *p == '-';
    if (dash)
        p++;
    if (!digits(&p, e, 2, &mo) || (dash && (p >= e || *p++ != '-')) || !digits(&p, e, 2, &d))
        return -1;
    if (mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo))
        return -1;
    if (p < e && (*p == 'T' || *p == 't' || *p == ' ')) {
        p++;
        if (!read_time(&p, e, &h, &mi, &sec, &fr))
            return -1;
        if (p < e && *p == ' ')
            p++;
        if (p < e && !read_offset(&p, e, &off))
            return -1;
    } else if (p < e && !read_offset(&p, e, &off)) {
        return -1;
    }
    if (p != e)
        return -1;
    *us = conn_ip_join(y, mo, d, h, mi, sec > 59 ? 59 : sec, fr) - (int64_t)off * 60 * SEC_US;
    return 0;
}

/* Matches a month or weekday name (full or 3 letters) at *p; returns its index or -1. */
static int match_name(const char **p, const char *e, const char *const *names, int count)
{
    for (int i = 0; i < count; i++) {
        size_t full = strlen(names[i]);
        if ((size_t)(e - *p) >= full && strncasecmp(*p, names[i], full) == 0) {
            *p += full;
            return i;
        }
        if (e - *p >= 3 && strncasecmp(*p, names[i], 3) == 0) {
            *p += 3;
            return i;
        }
    }
    return -1;
}

/* Parses s with a strptime format (plus the CDK's whole-format "%s" and "%ms"). */
int conn_ip_parse_dt_fmt(const char *s, size_t n, const char *fmt, int64_t *us)
{
    const char *p = s, *e = s + n;
    if (strcmp(fmt, "%s") == 0 || strcmp(fmt, "%ms") == 0 || strcmp(fmt, "%s_as_float") == 0) {
        char tmp[64];
        if (n == 0 || n >= sizeof tmp)
            return -1;
        memcpy(tmp, s, n);
        tmp[n] = '\0';
        char *end;
        double v = strtod(tmp, &end);
        if (*end)
            return -1;
        *us = (int64_t)(v * (fmt[1] == 'm' ? 1000.0 : 1000000.0));
        return 0;
    }
    int y = 1900, mo = 1, d = 1, h = 0, mi = 0, sec = 0, fr = 0, off = 0, v;
    for (const char *f = fmt; *f; f++) {
        if (*f != '%') {
            if (isspace((unsigned char)*f)) {
                while (p < e && isspace((unsigned char)*p))
                    p++;
            } else if (p >= e || *p++ != *f) {
                return -1;
            }
            continue;
        }
        char dch = *++f;
        int w = dch == 'Y' ? 4 : dch == 'f' ? 6 : dch == 'j' ? 3 : 2;
        if (dch == 'z') {
            if (!read_offset(&p, e, &off))
                return -1;
            continue;
        }
        if (dch == 'Z') {
            while (p < e && isalpha((unsigned char)*p))
                p++;
            continue;
        }
        if (dch == 'b' || dch == 'B' || dch == 'a' || dch == 'A') {
            int k = dch == 'b' || dch == 'B' ? match_name(&p, e, months, 12)
                                             : match_name(&p, e, wdays, 7);
            if (k < 0)
                return -1;
            if (dch == 'b' || dch == 'B')
                mo = k + 1;
            continue;
        }
        if (dch == '%') {
            if (p >= e || *p++ != '%')
                return -1;
            continue;
        }
        int got = 0;
        v = 0;
        while (got < w && p < e && isdigit((unsigned char)*p)) {
            v = v * 10 + (*p++ - '0');
            got++;
        }
        if (!got)
            return -1;
        switch (dch) {
        case 'Y': y = v; break;
        case 'y': y = v < 69 ? 2000 + v : 1900 + v; break;
        case 'm': mo = v; break;
        case 'd': d = v; break;
        case 'H': h = v; break;
        case 'M': mi = v; break;
        case 'S': sec = v; break;
        case 'f': fr = v; for (; got < 6; got++) fr *= 10; break;
        default: return -1;
        }
    }
    if (p != e || mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo) || h > 23 || mi > 59 ||
        sec > 61)
        return -1;
    *us = conn_ip_join(y, mo, d, h, mi, sec > 59 ? 59 : sec, fr) - (int64_t)off * 60 * SEC_US;
    return 0;
}

/* Parses an ISO 8601 duration "[-]PnYnMnWnDTnHnMnS" (fractions allowed). */
int conn_ip_parse_duration(const char *s, size_t n, int64_t *us, int32_t *mon)
{
    const char *p = s, *e = s + n;
    int sign = 1;
    bool time = false, any = false;
    double total = 0;
    double months_f = 0;
    if (p < e && (*p == '-' || *p == '+'))
        sign = *p++ == '-' ? -1 : 1;
    if (p >= e || *p++ != 'P')
        return -1;
    while (p < e) {
        if (*p == 'T') {
            time = true;
            p++;
            continue;
        }
        char tmp[32];
        size_t k = 0;
        for (; p < e && (isdigit((unsigned char)*p) || *p == '.' || *p == ',') && k < 31; p++)
            tmp[k++] = *p == ',' ? '.' : *p;
        tmp[k] = '\0';
        if (!k || p >= e)
            return -1;
        double v = strtod(tmp, NULL);
        char unit = *p++;
        any = true;
        if (!time && unit == 'Y') months_f += v * 12;
        else if (!time && unit == 'M') months_f += v;
        else if (!time && unit == 'W') total += v * 7 * 86400;
        else if (!time && unit == 'D') total += v * 86400;
        else if (time && unit == 'H') total += v * 3600;
        else if (time && unit == 'M') total += v * 60;
        else if (time && unit == 'S') total += v;
        else return -1;
    }
    if (!any)
        return -1;
    *us = sign * (int64_t)(total * 1e6 + (total >= 0 ? 0.5 : -0.5));
    *mon = sign * (int32_t)months_f;
    return 0;
}


