/* cron.c - 5-field cron expressions evaluated in a time zone, and interval durations. The next
 * firing is searched in local wall-clock minutes (field by field, skipping whole months and
 * days that cannot match), then each candidate is mapped back to UTC with the zone's offsets
 * (cron_tz.c): a local time inside a daylight-saving gap maps to the end of the gap, a
 * repeated local time to its first occurrence, and candidates at or before the start instant
 * are skipped - so a repeated hour fires once. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "base/cron.h"
#include "base/cron_int.h"
#include "base/mem.h"

#define SEARCH_DAYS (5 * 366 + 2)

struct field_def {
    const char *name;
    int lo, hi;
    const char *const *names; /* 3-letter names for lo.. (NULL: none) */
};

static const char *const month_names[] = {"JAN", "FEB", "MAR", "APR", "MAY", "JUN",
                                          "JUL", "AUG", "SEP", "OCT", "NOV", "DEC", NULL};
static const char *const day_names[] = {"SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT", NULL};

static const struct field_def fields[5] = {
    {"minute", 0, 59, NULL},
    {"hour", 0, 23, NULL},
    {"day-of-month", 1, 31, NULL},
    {"month", 1, 12, month_names},
    {"day-of-week", 0, 7, day_names},
};

/* Error naming the field and 1-based column. */
static int field_error(struct wv_error *err, int fi, size_t col, const char *what)
{
    return wv_error_set(err, WV_E_CONFIG, 0, "cron field %d (%s) at column %zu: %s", fi + 1,
                        fields[fi].name, col, what);
}

/* A number or a name at s[*i]; the value into *out. */
static int read_value(const char *s, size_t *i, int fi, size_t base, int *out,
                      struct wv_error *err)
{
    const struct field_def *f = &fields[fi];
    size_t start = *i;
    char msg[128];
    if (s[*i] >= '0' && s[*i] <= '9') {
        long v = 0;
        while (s[*i] >= '0' && s[*i] <= '9') {
            if (v < 100000)
                v = v * 10 + (s[*i] - '0');
            (*i)++;
        }
        if (v < f->lo || v > f->hi) {
            snprintf(msg, sizeof msg, "%.*s is out of range %d-%d", (int)(*i - start), s + start,
                     f->lo, f->hi);
            return field_error(err, fi, base + start, msg);
        }
        *out = (int)v;
        return 0;
    }
    while ((s[*i] >= 'A' && s[*i] <= 'Z') || (s[*i] >= 'a' && s[*i] <= 'z'))
        (*i)++;
    size_t n = *i - start;
    if (n == 3 && f->names) {
        for (int k = 0; f->names[k]; k++) {
            bool eq = true;
            for (size_t j = 0; j < 3 && eq; j++) {
                char c = s[start + j];
                eq = (c >= 'a' && c <= 'z' ? (char)(c - 32) : c) == f->names[k][j];
            }
            if (eq) {
                *out = f->lo + k;
                return 0;
            }
        }
    }
    if (n == 0) {
        if (!s[start] || s[start] == ',')
            return field_error(err, fi, base + start, "a value is missing");
        snprintf(msg, sizeof msg, "unexpected '%c'", s[start]);
        return field_error(err, fi, base + start, msg);
    }
    snprintf(msg, sizeof msg, "'%.*s' is not a %s", (int)(n > 20 ? 20 : n), s + start,
             f->names ? (fi == 3 ? "number or month name (JAN-DEC)"
                                 : "number or day name (SUN-SAT)")
                      : "number");
    return field_error(err, fi, base + start, msg);
}

/* Parses one field (text s of length n, starting at column base+1) into a bit set. */
static int parse_field(const char *text, int fi, size_t base, uint64_t *bits, bool *star,
                       struct wv_error *err)
{
    const struct field_def *f = &fields[fi];
    *bits = 0;
    *star = text[0] == '*';
    size_t i = 0;
    for (;;) {
        size_t item = i;
        int lo, hi;
        bool range = false;
        if (text[i] == '*') {
            lo = f->lo;
            hi = f->hi;
            i++;
            range = true;
        } else {
            if (read_value(text, &i, fi, base, &lo, err) < 0)
                return -1;
            hi = lo;
            if (text[i] == '-') {
                i++;
                if (read_value(text, &i, fi, base, &hi, err) < 0)
                    return -1;
                if (hi < lo) {
                    char msg[96];
                    snprintf(msg, sizeof msg, "range %d-%d is reversed", lo, hi);
                    return field_error(err, fi, base + item, msg);
                }
                range = true;
            }
        }
        int step = 1;
        if (text[i] == '/') {
            i++;
            size_t at = i;
            if (text[i] < '0' || text[i] > '9')
                return field_error(err, fi, base + at, "a step must be a number");
            long v = 0;
            while (text[i] >= '0' && text[i] <= '9') {
                if (v < 100000)
                    v = v * 10 + (text[i] - '0');
                i++;
            }
            if (v < 1 || v > f->hi)
                return field_error(err, fi, base + at, "a step must be between 1 and the range");
            step = (int)v;
            if (!range)
                hi = f->hi; /* "5/15" = 5-max/15 */
        }
        for (int v = lo; v <= hi; v += step)
            *bits |= (uint64_t)1 << v;
        if (text[i] == ',') {
            i++;
            continue;
        }
        if (text[i]) {
            char msg[64];
            snprintf(msg, sizeof msg, "unexpected '%c'", text[i]);
            return field_error(err, fi, base + i, msg);
        }
        return 0;
    }
}

/* Parses an expression. */
int wv_cron_parse(const char *expr, const char *tz, struct wv_cron *out, struct wv_error *err)
{
    memset(out, 0, sizeof *out);
    if (!tz || !*tz)
        tz = "UTC";
    if (strlen(tz) >= sizeof out->tz)
        return wv_error_set(err, WV_E_CONFIG, 0, "unknown time zone '%.64s'", tz);
    struct wv_tz z;
    if (wv_tz_load(tz, &z, err) < 0)
        return -1;
    wv_tz_done(&z);
    snprintf(out->tz, sizeof out->tz, "%s", tz);
    size_t i = 0, nf = 0;
    uint64_t bits[5] = {0};
    bool stars[5] = {false};
    while (expr[i]) {
        while (expr[i] == ' ' || expr[i] == '\t')
            i++;
        if (!expr[i])
            break;
        size_t start = i;
        while (expr[i] && expr[i] != ' ' && expr[i] != '\t')
            i++;
        if (nf == 5)
            return wv_error_set(err, WV_E_CONFIG, 0,
                                "cron expression at column %zu: more than 5 fields (minute hour "
                                "day-of-month month day-of-week)",
                                start + 1);
        char *text = wv_strndup(expr + start, i - start);
        int rc = parse_field(text, (int)nf, start + 1, &bits[nf], &stars[nf], err);
        free(text);
        if (rc < 0)
            return -1;
        nf++;
    }
    if (nf < 5)
        return wv_error_set(err, WV_E_CONFIG, 0,
                            "cron expression has %zu field%s, expected 5 (minute hour "
                            "day-of-month month day-of-week)",
                            nf, nf == 1 ? "" : "s");
    out->minutes = bits[0];
    out->hours = (uint32_t)bits[1];
    out->mdays = (uint32_t)bits[2];
    out->months = (uint16_t)bits[3];
    uint64_t w = bits[4];
    if (w & (1u << 7))
        w = (w | 1u) & 0x7f; /* 7 = Sunday */
    out->wdays = (uint8_t)w;
    out->mday_star = stars[2];
    out->wday_star = stars[4];
    return 0;
}

/* Whether a day matches the day-of-month / day-of-week rule. */
static bool day_matches(const struct wv_cron *c, int mday, int wday)
{
    bool dm = (c->mdays >> mday) & 1u, dw = (c->wdays >> wday) & 1u;
    if (c->mday_star || c->wday_star)
        return dm && dw;
    return dm || dw;
}

/* The first matching local minute (minutes since the epoch, local wall clock) >= from, or -1
 * past limit_day. */
static int64_t next_local(const struct wv_cron *c, int64_t from, int64_t limit_day)
{
    int64_t day = from >= 0 ? from / 1440 : (from - 1439) / 1440;
    int mod = (int)(from - day * 1440);
    while (day <= limit_day) {
        int y, m, d;
        wv_civil_from_days(day, &y, &m, &d);
        if (!((c->months >> m) & 1u)) {
            day = m == 12 ? wv_days_from_civil(y + 1, 1, 1) : wv_days_from_civil(y, m + 1, 1);
            mod = 0;
            continue;
        }
        int wday = (int)(((day + 4) % 7 + 7) % 7);
        if (day_matches(c, d, wday)) {
            for (int h = mod / 60; h < 24; h++) {
                if (!((c->hours >> h) & 1u))
                    continue;
                for (int mi = h == mod / 60 ? mod % 60 : 0; mi < 60; mi++)
                    if ((c->minutes >> mi) & 1u)
                        return day * 1440 + h * 60 + mi;
            }
        }
        day++;
        mod = 0;
    }
    return -1;
}

/* UTC second of local second l: its first occurrence, or the end of the gap it falls in. */
static int64_t local_to_utc(const struct wv_tz *tz, int64_t l)
{
    int32_t before = wv_tz_offset(tz, l - 86400), after = wv_tz_offset(tz, l + 86400);
    int64_t best = INT64_MAX;
    int32_t cands[2] = {before, after};
    for (int k = 0; k < 2; k++) {
        int64_t u = l - cands[k];
        if (wv_tz_offset(tz, u) == cands[k] && u < best)
            best = u;
    }
    if (best != INT64_MAX)
        return best;
    /* In a gap: the transition instant lies between l - after and l - before. */
    int64_t lo = l - after, hi = l - before; /* off(lo) != after .. off(hi) == after */
    if (lo > hi) {
        int64_t t = lo;
        lo = hi;
        hi = t;
    }
    while (hi - lo > 1) {
        int64_t mid = lo + (hi - lo) / 2;
        if (wv_tz_offset(tz, mid) == after)
            hi = mid;
        else
            lo = mid;
    }
    return (hi + 59) / 60 * 60;
}

/* Zones loaded once per process (a scheduler asks for the next time of every flow every
 * second, and catching up walks many times): read-only once loaded, so callers share them. */
#define TZ_CACHE 32

static pthread_mutex_t tz_mu = PTHREAD_MUTEX_INITIALIZER;
static struct {
    char name[64];
    struct wv_tz tz;
} tz_cache[TZ_CACHE];
static size_t tz_n;

/* The cached zone of that name (loaded on first use); NULL if it does not load. */
static const struct wv_tz *tz_get(const char *name)
{
    const struct wv_tz *found = NULL;
    pthread_mutex_lock(&tz_mu);
    for (size_t i = 0; i < tz_n && !found; i++)
        if (strcmp(tz_cache[i].name, name) == 0)
            found = &tz_cache[i].tz;
    if (!found && tz_n < TZ_CACHE && strlen(name) < sizeof tz_cache[0].name &&
        wv_tz_load(name, &tz_cache[tz_n].tz, NULL) == 0) {
        snprintf(tz_cache[tz_n].name, sizeof tz_cache[tz_n].name, "%s", name);
        found = &tz_cache[tz_n++].tz;
    }
    pthread_mutex_unlock(&tz_mu);
    return found;
}

/* The next firing strictly after after_ms. */
int64_t wv_cron_next(const struct wv_cron *c, int64_t after_ms)
{
    struct wv_tz own;
    const struct wv_tz *z = tz_get(c->tz);
    if (!z) { /* the cache is full (or the name too long): load for this call */
        if (wv_tz_load(c->tz, &own, NULL) < 0)
            return -1;
        z = &own;
    }
    const struct wv_tz tz = *z;
    int64_t after = after_ms >= 0 ? after_ms / 1000 : (after_ms - 999) / 1000;
    int64_t local = after + wv_tz_offset(&tz, after);
    int64_t from = (local >= 0 ? local / 60 : (local - 59) / 60) + 1;
    int64_t limit_day = from / 1440 + SEARCH_DAYS;
    int64_t res = -1;
    for (int guard = 0; guard < 100000; guard++) {
        int64_t m = next_local(c, from, limit_day);
        if (m < 0)
            break;
        int64_t u = local_to_utc(&tz, m * 60);
        if (u * 1000 > after_ms) {
            res = u * 1000;
            break;
        }
        from = m + 1;
    }
    if (z == &own)
        wv_tz_done(&own);
    return res;
}

/* "1h30m" -> ms. */
int64_t wv_duration_parse(const char *s)
{
    if (!s || !*s)
        return -1;
    int64_t total = 0;
    const char *p = s;
    while (*p) {
        if (*p < '0' || *p > '9')
            return -1;
        int64_t v = 0;
        while (*p >= '0' && *p <= '9') {
            v = v * 10 + (*p++ - '0');
            if (v > (int64_t)1e12)
                return -1;
        }
        int64_t unit;
        switch (*p++) {
        case 's': unit = 1000; break;
        case 'm': unit = 60 * 1000; break;
        case 'h': unit = 3600 * 1000; break;
        case 'd': unit = 86400 * 1000; break;
        default: return -1;
        }
        if (v > INT64_MAX / unit || total > INT64_MAX - v * unit)
            return -1;
        total += v * unit;
    }
    return total > 0 ? total : -1;
}
