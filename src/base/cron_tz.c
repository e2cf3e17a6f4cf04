/* cron_tz.c - time zones for schedules, read straight from the system's TZif files (RFC 8536,
 * `man 5 tzfile`) instead of setenv("TZ")/tzset, which are process-global and not
 * thread-safe. Format, as read here:
 *   header (44 bytes): "TZif", version ('\0', '2', '3', '4'), 15 reserved bytes, then six
 *     big-endian uint32 counts: isutcnt, isstdcnt, leapcnt, timecnt, typecnt, charcnt;
 *   v1 data: timecnt int32 transition times, timecnt uint8 type indexes, typecnt 6-byte types
 *     (int32 utoff, uint8 isdst, uint8 abbrind), charcnt abbreviation bytes, leapcnt 8-byte
 *     records, isstdcnt and isutcnt bytes;
 *   v2+: a second header and data block with 64-bit times (and 12-byte leap records), then a
 *     footer "\n<POSIX TZ string>\n" giving the rule for times after the last transition.
 * Leap-second records are ignored (the "right/" zones are not supported for schedules). */
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "base/cron_int.h"
#include "base/fs.h"
#include "base/mem.h"

#define TZ_FILE_MAX (1024 * 1024)

static uint32_t be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int64_t be64(const unsigned char *p)
{
    return (int64_t)((uint64_t)be32(p) << 32 | be32(p + 4));
}

/* ---- POSIX TZ strings ("CET-1CEST,M3.5.0,M10.5.0/3") ---- */

/* Skips a zone abbreviation: letters, or <...> quoted. */
static const char *tzs_name(const char *p)
{
    if (*p == '<') {
        const char *q = strchr(p, '>');
        return q && q - p >= 4 ? q + 1 : NULL;
    }
    const char *s = p;
    while ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z'))
        p++;
    return p - s >= 3 ? p : NULL;
}

/* [+-]hh[:mm[:ss]] into seconds. */
static const char *tzs_time(const char *p, int32_t *out)
{
    int sign = 1;
    if (*p == '+' || *p == '-')
        sign = *p++ == '-' ? -1 : 1;
    int32_t parts[3] = {0, 0, 0};
    for (int i = 0; i < 3; i++) {
        if (*p < '0' || *p > '9')
            return NULL;
        int v = 0;
        while (*p >= '0' && *p <= '9' && v < 1000)
            v = v * 10 + (*p++ - '0');
        parts[i] = v;
        if (*p != ':' || i == 2)
            break;
        p++;
    }
    if (parts[0] > 167 || parts[1] > 59 || parts[2] > 59)
        return NULL;
    *out = sign * (parts[0] * 3600 + parts[1] * 60 + parts[2]);
    return p;
}

static const char *tzs_num(const char *p, int *out)
{
    if (*p < '0' || *p > '9')
        return NULL;
    int v = 0;
    while (*p >= '0' && *p <= '9' && v < 1000)
        v = v * 10 + (*p++ - '0');
    *out = v;
    return p;
}

/* ",Mm.w.d[/time]" or ",Jn" or ",n". */
static const char *tzs_date(const char *p, struct wv_tzrule_date *r)
{
    if (*p++ != ',')
        return NULL;
    r->secs = 7200;
    if (*p == 'M') {
        r->kind = 'M';
        if (!(p = tzs_num(p + 1, &r->m)) || *p++ != '.' || !(p = tzs_num(p, &r->w)) ||
            *p++ != '.' || !(p = tzs_num(p, &r->d)))
            return NULL;
        if (r->m < 1 || r->m > 12 || r->w < 1 || r->w > 5 || r->d > 6)
            return NULL;
    } else if (*p == 'J') {
        r->kind = 'J';
        if (!(p = tzs_num(p + 1, &r->n)) || r->n < 1 || r->n > 365)
            return NULL;
    } else {
        r->kind = 'D';
        if (!(p = tzs_num(p, &r->n)) || r->n > 365)
            return NULL;
    }
    if (*p == '/' && !(p = tzs_time(p + 1, &r->secs)))
        return NULL;
    return p;
}

/* Parses the footer rule; false if it is not understood. */
static bool tzs_parse(const char *s, struct wv_tz *tz)
{
    int32_t off;
    const char *p = tzs_name(s);
    if (!p || !(p = tzs_time(p, &off)))
        return false;
    tz->std_off = -off; /* POSIX offsets are west-positive */
    tz->dst_off = tz->std_off + 3600;
    if (!*p)
        return true;
    if (!(p = tzs_name(p)))
        return false;
    if (*p && *p != ',') {
        if (!(p = tzs_time(p, &off)))
            return false;
        tz->dst_off = -off;
    }
    if (!(p = tzs_date(p, &tz->start)) || !(p = tzs_date(p, &tz->end)) || *p)
        return false;
    tz->rule_dst = true;
    return true;
}

/* Local seconds-of-year-day: the day number (since the epoch) of a rule date in year y. */
static int64_t rule_day(const struct wv_tzrule_date *r, int64_t y)
{
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    int64_t jan1 = wv_days_from_civil(y, 1, 1);
    if (r->kind == 'J')
        return jan1 + r->n - 1 + (leap && r->n >= 60);
    if (r->kind == 'D')
        return jan1 + r->n;
    int64_t first = wv_days_from_civil(y, r->m, 1);
    int64_t wd = ((first + 4) % 7 + 7) % 7; /* 1970-01-01 was a Thursday */
    int64_t day = first + (r->d - wd + 7) % 7 + (int64_t)(r->w - 1) * 7;
    int64_t next = r->m == 12 ? wv_days_from_civil(y + 1, 1, 1)
                              : wv_days_from_civil(y, r->m + 1, 1);
    while (day >= next)
        day -= 7;
    return day;
}

/* Offset under the footer rule at UTC second t. */
static int32_t rule_offset(const struct wv_tz *tz, int64_t t)
{
    if (!tz->rule_dst)
        return tz->std_off;
    int64_t lt = t + tz->std_off;
    int y, m, d;
    wv_civil_from_days(lt >= 0 ? lt / 86400 : (lt - 86399) / 86400, &y, &m, &d);
    /* start is given in standard local time, end in daylight local time */
    int64_t start = rule_day(&tz->start, y) * 86400 + tz->start.secs - tz->std_off;
    int64_t end = rule_day(&tz->end, y) * 86400 + tz->end.secs - tz->dst_off;
    bool dst = start < end ? (t >= start && t < end) : (t < end || t >= start);
    return dst ? tz->dst_off : tz->std_off;
}

/* ---- TZif ---- */

/* Parses one data block; p points after its header. Returns the block size, or 0. */
static size_t tzif_block(const unsigned char *hdr, const unsigned char *end, int tsize,
                         struct wv_tz *tz, bool keep)
{
    if (end - hdr < 44 || memcmp(hdr, "TZif", 4) != 0)
        return 0;
    uint32_t isut = be32(hdr + 20), isstd = be32(hdr + 24), leap = be32(hdr + 28);
    uint32_t timecnt = be32(hdr + 32), typecnt = be32(hdr + 36), charcnt = be32(hdr + 40);
    if (typecnt == 0 || typecnt > 256 || timecnt > 100000 || charcnt > 100000 || leap > 100000 ||
        isut > 256 || isstd > 256)
        return 0;
    size_t size = (size_t)timecnt * (size_t)(tsize + 1) + (size_t)typecnt * 6 + charcnt +
                  (size_t)leap * (size_t)(tsize + 4) + isstd + isut;
    const unsigned char *p = hdr + 44;
    if ((size_t)(end - p) < size)
        return 0;
    if (!keep)
        return 44 + size;
    tz->trans = wv_calloc(timecnt ? timecnt : 1, sizeof *tz->trans);
    tz->idx = wv_calloc(timecnt ? timecnt : 1, 1);
    tz->offs = wv_calloc(typecnt, sizeof *tz->offs);
    tz->n_trans = timecnt;
    tz->n_types = typecnt;
    for (uint32_t i = 0; i < timecnt; i++)
        tz->trans[i] = tsize == 8 ? be64(p + (size_t)i * 8) : (int32_t)be32(p + (size_t)i * 4);
    p += (size_t)timecnt * (size_t)tsize;
    for (uint32_t i = 0; i < timecnt; i++) {
        if (p[i] >= typecnt)
            return 0;
        tz->idx[i] = p[i];
    }
    p += timecnt;
    for (uint32_t i = 0; i < typecnt; i++)
        tz->offs[i] = (int32_t)be32(p + (size_t)i * 6);
    return 44 + size;
}

/* Whether name is a plausible zone path (no "..", not absolute). */
static bool zone_name_ok(const char *name)
{
    if (!*name || *name == '/' || strlen(name) > 63 || strstr(name, ".."))
        return false;
    for (const char *p = name; *p; p++)
        if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
              *p == '/' || *p == '_' || *p == '-' || *p == '+'))
            return false;
    return true;
}

/* Loads a zone. */
int wv_tz_load(const char *name, struct wv_tz *tz, struct wv_error *err)
{
    memset(tz, 0, sizeof *tz);
    if (!name || !*name || strcmp(name, "UTC") == 0) {
        tz->has_rule = true;
        return 0;
    }
    if (!zone_name_ok(name))
        return wv_error_set(err, WV_E_CONFIG, 0, "unknown time zone '%.64s'", name);
    const char *dir = getenv("TZDIR");
    char *path = wv_path_join(dir && *dir ? dir : "/usr/share/zoneinfo", name);
    char *data = NULL;
    size_t len = 0;
    struct wv_error rerr = {0};
    int rc = wv_fs_read_all(path, TZ_FILE_MAX, &data, &len, &rerr);
    free(path);
    if (rc < 0)
        return wv_error_set(err, WV_E_CONFIG, 0, "unknown time zone '%s'", name);
    const unsigned char *u = (const unsigned char *)data, *end = u + len;
    bool v2 = len > 4 && u[4] >= '2';
    size_t n1 = tzif_block(u, end, 4, tz, !v2);
    bool ok = n1 > 0;
    if (ok && v2) {
        const unsigned char *h2 = u + n1;
        size_t n2 = tzif_block(h2, end, 8, tz, true);
        ok = n2 > 0;
        const unsigned char *f = h2 + n2;
        if (ok && f < end && *f == '\n') {
            const unsigned char *nl = memchr(f + 1, '\n', (size_t)(end - f - 1));
            if (nl && nl > f + 1) {
                char *s = wv_strndup((const char *)f + 1, (size_t)(nl - f - 1));
                tz->has_rule = tzs_parse(s, tz);
                free(s);
            }
        }
    }
    free(data);
    if (!ok) {
        wv_tz_done(tz);
        return wv_error_set(err, WV_E_CONFIG, 0, "time zone '%s': not a valid zoneinfo file",
                            name);
    }
    return 0;
}

void wv_tz_done(struct wv_tz *tz)
{
    free(tz->trans);
    free(tz->idx);
    free(tz->offs);
    memset(tz, 0, sizeof *tz);
}

/* Offset at UTC second t. */
int32_t wv_tz_offset(const struct wv_tz *tz, int64_t t)
{
    if (tz->n_trans == 0 || t >= tz->trans[tz->n_trans - 1]) {
        if (tz->has_rule && (tz->n_trans == 0 || t >= tz->trans[tz->n_trans - 1]))
            return rule_offset(tz, t);
        if (tz->n_trans == 0)
            return tz->n_types ? tz->offs[0] : 0;
        return tz->offs[tz->idx[tz->n_trans - 1]];
    }
    if (t < tz->trans[0])
        return tz->offs[0];
    size_t lo = 0, hi = tz->n_trans - 1; /* trans[lo] <= t < trans[hi] */
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (tz->trans[mid] <= t)
            lo = mid;
        else
            hi = mid;
    }
    return tz->offs[tz->idx[lo]];
}
