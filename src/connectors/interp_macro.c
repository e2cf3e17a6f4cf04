/* interp_macro.c - the global functions templates may call: the CDK's macros
 * (airbyte_cdk/sources/declarative/interpolation/macros.py), Jinja's namespace() and dict()
 * (range() is removed by the CDK), plus datetime methods and attributes (strftime, isoformat,
 * timestamp, date, weekday, total_seconds, year ...). today_with_timezone() uses a built-in
 * table of common IANA zones with their US/EU/AU daylight-saving rules. Any thread. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "base/mem.h"
#include "connectors/interp_priv.h"

#define DAY_US 86400000000LL
#define SEC_US 1000000LL

/* A datetime / date value. */
static struct iv dt(enum iv_kind k, int64_t us)
{
    struct iv v = {.kind = k};
    v.u.us = k == IV_DATE ? (us >= 0 ? us / DAY_US : -((-us + DAY_US - 1) / DAY_US)) * DAY_US : us;
    return v;
}

/* Formats with strftime into an arena string. */
static int fmt_value(struct ip_ctx *c, int64_t us, bool is_date, const char *f, size_t fn,
                     struct iv *out)
{
    struct wv_buf b;
    wv_buf_init(&b, IP_MAX_OUTPUT);
    if (conn_ip_strftime(&b, us, is_date, f, fn, c->err) < 0) {
        wv_buf_done(&b);
        return -1;
    }
    *out = conn_iv_str(conn_ip_strndup(&c->arena, wv_buf_cstr(&b), b.len), b.len);
    wv_buf_done(&b);
    return 0;
}

/* A datetime from a string, number, date or datetime (str_to_datetime / ab_datetime_parse). */
static int to_dt(struct ip_ctx *c, uint32_t pos, const struct iv *v, int64_t *us)
{
    double f;
    if (v->kind == IV_DT || v->kind == IV_DATE) {
        *us = v->u.us;
        return 0;
    }
    if (v->kind == IV_INT || v->kind == IV_FLOAT) {
        conn_iv_is_num(v, &f);
        *us = (int64_t)(f * 1e6);
        return 0;
    }
    if (v->kind == IV_STR && conn_ip_parse_dt(v->u.s.p, v->u.s.n, us) == 0)
        return 0;
    if (v->kind == IV_STR)
        return conn_ip_fail(c, pos, "Could not parse datetime string: %.*s", (int)v->u.s.n, v->u.s.p);
    if (v->kind == IV_UNDEF)
        return conn_ip_undef(c, pos, "datetime");
    return conn_ip_fail(c, pos, "expected a datetime string, not %s", conn_iv_type_name(v));
}

/* format_datetime(dt, format, input_format=None). */
static int m_format_datetime(struct ip_ctx *c, const struct ip_node *n, struct iv *args,
                             struct iv *out)
{
    struct iv *v = conn_ip_kwarg(n, args, "dt", 0), *f = conn_ip_kwarg(n, args, "format", 1);
    struct iv *inf = conn_ip_kwarg(n, args, "input_format", 2);
    int64_t us;
    if (!v || !f || f->kind != IV_STR)
        return conn_ip_fail(c, n->pos, "format_datetime(dt, format, input_format=None)");
    if (inf && inf->kind == IV_STR && (v->kind == IV_STR || v->kind == IV_INT)) {
        const char *p;
        size_t pn;
        char *fmt = conn_ip_strndup(&c->arena, inf->u.s.p, inf->u.s.n);
        if (conn_iv_to_text(c, v, &p, &pn) < 0)
            return -1;
        if (conn_ip_parse_dt_fmt(p, pn, fmt, &us) < 0)
            return conn_ip_fail(c, n->pos, "time data '%.*s' does not match format '%s'", (int)pn, p, fmt);
    } else if (to_dt(c, n->pos, v, &us) < 0) {
        return -1;
    }
    const char *fs = f->u.s.p;
    size_t fn = f->u.s.n;
    if ((fn == 2 && !memcmp(fs, "%s", 2)) || (fn == 3 && !memcmp(fs, "%ms", 3))) {
        int64_t d = fn == 2 ? SEC_US : 1000;
        int64_t r = us >= 0 ? us / d : -((-us + d - 1) / d);
        char num[32];
        int k = snprintf(num, sizeof num, "%lld", (long long)r);
        *out = conn_iv_str(conn_ip_strndup(&c->arena, num, (size_t)k), (size_t)k);
        return 0;
    }
    if (fn == 11 && !memcmp(fs, "%s_as_float", 11)) {
        char num[48];
        conn_ip_float_repr((double)us / 1e6, num, sizeof num);
        *out = conn_iv_str(conn_ip_strndup(&c->arena, num, strlen(num)), strlen(num));
        return 0;
    }
    return fmt_value(c, us, false, fs, fn, out);
}

/* max(...) / min(...): of the arguments, or of one iterable. */
static int m_minmax(struct ip_ctx *c, const struct ip_node *n, struct iv *args, bool max,
                    struct iv *out)
{
    struct iv *items = args;
    size_t len = n->nargs;
    if (len == 1) {
        struct iv *one = &args[0];
        if (one->kind != IV_STR && !conn_iv_is_seq(one) && !conn_iv_is_map(one))
            return conn_ip_fail(c, n->pos, "'%s' object is not iterable", conn_iv_type_name(one));
        len = one->kind == IV_STR ? one->u.s.n : conn_iv_len(one);
        items = conn_ip_alloc(&c->arena, (len + 1) * sizeof *items);
        for (size_t i = 0; i < len; i++)
            items[i] = one->kind == IV_STR ? conn_iv_str(one->u.s.p + i, 1) : conn_iv_at(one, i);
    }
    if (!len)
        return conn_ip_fail(c, n->pos, "%s() arg is an empty sequence", n->name);
    *out = items[0];
    for (size_t i = 1; i < len; i++) {
        bool ok;
        int r = conn_iv_cmp(&items[i], out, &ok);
        if (!ok)
            return conn_ip_fail(c, n->pos, "'%c' not supported between instances of '%s' and '%s'",
                                max ? '>' : '<', conn_iv_type_name(&items[i]), conn_iv_type_name(out));
        if (max ? r > 0 : r < 0)
            *out = items[i];
    }
    return 0;
}

struct tz { const char *name; int off; char rule; }; /* off in minutes; rule U/E/A/- */
static const struct tz zones[] = {
    {"UTC", 0, '-'}, {"Etc/UTC", 0, '-'}, {"GMT", 0, '-'}, {"Etc/GMT", 0, '-'},
    {"America/New_York", -300, 'U'}, {"US/Eastern", -300, 'U'}, {"America/Toronto", -300, 'U'},
    {"America/Chicago", -360, 'U'}, {"US/Central", -360, 'U'}, {"America/Denver", -420, 'U'},
    {"US/Mountain", -420, 'U'}, {"America/Phoenix", -420, '-'}, {"America/Los_Angeles", -480, 'U'},
    {"US/Pacific", -480, 'U'}, {"America/Anchorage", -540, 'U'}, {"Pacific/Honolulu", -600, '-'},
    {"America/Sao_Paulo", -180, '-'}, {"America/Mexico_City", -360, '-'},
    {"Europe/London", 0, 'E'}, {"Europe/Dublin", 0, 'E'}, {"Europe/Lisbon", 0, 'E'},
    {"Europe/Paris", 60, 'E'}, {"Europe/Berlin", 60, 'E'}, {"Europe/Madrid", 60, 'E'},
    {"Europe/Rome", 60, 'E'}, {"Europe/Amsterdam", 60, 'E'}, {"Europe/Brussels", 60, 'E'},
    {"Europe/Stockholm", 60, 'E'}, {"Europe/Warsaw", 60, 'E'}, {"Europe/Zurich", 60, 'E'},
    {"Europe/Vienna", 60, 'E'}, {"Europe/Prague", 60, 'E'}, {"Europe/Athens", 120, 'E'},
    {"Europe/Helsinki", 120, 'E'}, {"Europe/Kiev", 120, 'E'}, {"Europe/Kyiv", 120, 'E'},
    {"Europe/Istanbul", 180, '-'}, {"Europe/Moscow", 180, '-'}, {"Asia/Dubai", 240, '-'},
    {"Asia/Kolkata", 330, '-'}, {"Asia/Calcutta", 330, '-'}, {"Asia/Bangkok", 420, '-'},
    {"Asia/Jakarta", 420, '-'}, {"Asia/Shanghai", 480, '-'}, {"Asia/Hong_Kong", 480, '-'},
    {"Asia/Singapore", 480, '-'}, {"Asia/Taipei", 480, '-'}, {"Asia/Manila", 480, '-'},
    {"Australia/Perth", 480, '-'}, {"Asia/Tokyo", 540, '-'}, {"Asia/Seoul", 540, '-'},
    {"Australia/Brisbane", 600, '-'}, {"Australia/Sydney", 600, 'A'},
    {"Australia/Melbourne", 600, 'A'}, {"Pacific/Auckland", 720, '-'},
    {"Pacific/Tarawa", 720, '-'}, {NULL, 0, 0}};

/* UTC instant of the n-th (n<0: last) Sunday of a month at `hour` UTC. */
static int64_t nth_sunday(int y, int mo, int nth, int hour_utc)
{
    struct ip_bt t;
    if (nth > 0) {
        conn_ip_split(conn_ip_join(y, mo, 1, 0, 0, 0, 0), &t);
        int first = 1 + (6 - t.wday + 7) % 7;
        return conn_ip_join(y, mo, first + 7 * (nth - 1), hour_utc, 0, 0, 0);
    }
    int last = mo == 12 ? 31 : (int)((conn_ip_join(y, mo + 1, 1, 0, 0, 0, 0) -
                                      conn_ip_join(y, mo, 1, 0, 0, 0, 0)) / DAY_US);
    conn_ip_split(conn_ip_join(y, mo, last, 0, 0, 0, 0), &t);
    return conn_ip_join(y, mo, last - (t.wday + 1) % 7, hour_utc, 0, 0, 0);
}

/* The UTC offset (minutes) of a zone at an instant. */
static int tz_offset(const struct tz *z, int64_t us)
{
    struct ip_bt t;
    conn_ip_split(us, &t);
    bool dst = false;
    if (z->rule == 'U') /* 2nd Sunday of March to 1st Sunday of November, 02:00 local */
        dst = us >= nth_sunday(t.y, 3, 2, 2 - z->off / 60) &&
              us < nth_sunday(t.y, 11, 1, 1 - z->off / 60);
    else if (z->rule == 'E') /* last Sunday of March to last Sunday of October, 01:00 UTC */
        dst = us >= nth_sunday(t.y, 3, -1, 1) && us < nth_sunday(t.y, 10, -1, 1);
    else if (z->rule == 'A') /* first Sunday of October to first Sunday of April (south) */
        dst = us < nth_sunday(t.y, 4, 1, 16) || us >= nth_sunday(t.y, 10, 1, 16);
    return z->off + (dst ? 60 : 0);
}

/* today_with_timezone(tz). */
static int m_today_tz(struct ip_ctx *c, const struct ip_node *n, struct iv *args, struct iv *out)
{
    if (!n->nargs || args[0].kind != IV_STR)
        return n->nargs && args[0].kind == IV_UNDEF ? conn_ip_undef(c, n->pos, "tz")
                                                    : conn_ip_fail(c, n->pos, "today_with_timezone needs a zone name");
    for (const struct tz *z = zones; z->name; z++)
        if (strlen(z->name) == args[0].u.s.n && !memcmp(z->name, args[0].u.s.p, args[0].u.s.n)) {
            int64_t now = conn_ip_now_us(c);
            *out = dt(IV_DATE, now + (int64_t)tz_offset(z, now) * 60 * SEC_US);
            return 0;
        }
    return conn_ip_fail(c, n->pos, "unknown time zone '%.*s'", (int)args[0].u.s.n, args[0].u.s.p);
}

/* generate_uuid(): a random version 4 UUID. */
static int m_uuid(struct ip_ctx *c, struct iv *out)
{
    unsigned char r[16];
    if (getrandom(r, sizeof r, 0) != (ssize_t)sizeof r)
        for (size_t i = 0; i < sizeof r; i++)
            r[i] = (unsigned char)(conn_ip_now_us(c) >> (i % 8) ^ (int64_t)i * 131);
    r[6] = (unsigned char)((r[6] & 0x0F) | 0x40);
    r[8] = (unsigned char)((r[8] & 0x3F) | 0x80);
    char *s = conn_ip_alloc(&c->arena, 37);
    size_t o = 0;
    for (int i = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10)
            s[o++] = '-';
        snprintf(s + o, 3, "%02x", r[i]);
        o += 2;
    }
    *out = conn_iv_str(s, 36);
    return 0;
}

/* Keyword arguments as a dict (namespace(), dict()). */
static int m_kwdict(struct ip_ctx *c, const struct ip_node *n, struct iv *args, struct iv *out)
{
    *out = conn_iv_new_dict(&c->arena, n->nargs);
    for (uint32_t i = 0; i < n->nargs; i++) {
        if (n->kw[i]) {
            conn_iv_dict_set(&c->arena, out->u.d, conn_iv_str(n->kw[i], strlen(n->kw[i])), args[i]);
        } else if (conn_iv_is_map(&args[i])) {
            for (size_t k = 0; k < conn_iv_len(&args[i]); k++)
                conn_iv_dict_set(&c->arena, out->u.d, conn_iv_at(&args[i], k),
                                 conn_iv_map_val(&args[i], k));
        } else {
            return conn_ip_fail(c, n->pos, "%s() takes keyword arguments or a mapping", n->name);
        }
    }
    return 0;
}

/* Deep copy of a JSON value into arena values (json_loads results must outlive their tree). */
static struct iv json_to_iv(struct ip_ctx *c, const struct wv_json *j)
{
    int64_t i;
    double f;
    switch (j->type) {
    case WV_JSON_NULL:
        return (struct iv){.kind = IV_NONE};
    case WV_JSON_BOOL:
        return conn_iv_bool(j->b);
    case WV_JSON_NUMBER:
        if (wv_json_as_i64(j, &i) == 0 && !strpbrk(j->s, ".eE"))
            return conn_iv_int(i);
        wv_json_as_double(j, &f);
        return conn_iv_float(f);
    case WV_JSON_STRING:
        return conn_iv_str(conn_ip_strndup(&c->arena, j->s, j->slen), j->slen);
    case WV_JSON_ARRAY: {
        struct iv l = conn_iv_new_list(&c->arena, j->len);
        for (size_t k = 0; k < j->len; k++)
            conn_iv_list_push(&c->arena, l.u.l, json_to_iv(c, j->items[k]));
        return l;
    }
    default: {
        struct iv d = conn_iv_new_dict(&c->arena, j->len);
        for (size_t k = 0; k < j->len; k++) {
            size_t kn = strlen(j->keys[k]);
            conn_iv_dict_set(&c->arena, d.u.d,
                             conn_iv_str(conn_ip_strndup(&c->arena, j->keys[k], kn), kn),
                             json_to_iv(c, j->items[k]));
        }
        return d;
    }
    }
}

/* json_loads(s): the value of a JSON text. */
static int m_json_loads(struct ip_ctx *c, const struct ip_node *n, const struct iv *a0,
                        struct iv *out)
{
    if (!a0 || a0->kind != IV_STR)
        return conn_ip_fail(c, n->pos, "json_loads needs a string");
    struct wv_error e;
    wv_error_clear(&e);
    struct wv_json *j = wv_json_parse(a0->u.s.p, a0->u.s.n, "json_loads", &e);
    if (!j)
        return conn_ip_fail(c, n->pos, "%s", e.msg);
    *out = json_to_iv(c, j);
    wv_json_free(j);
    return 0;
}

/* camel_case_to_snake_case(s): "fooBarBaz" / "HTTPCode" -> "foo_bar_baz" / "http_code" (an
 * underscore before an upper-case letter that starts a lower-case run or follows a lower-case
 * letter or digit; then lower case). */
static int m_snake(struct ip_ctx *c, const struct ip_node *n, const struct iv *a0, struct iv *out)
{
    if (!a0 || a0->kind != IV_STR)
        return conn_ip_fail(c, n->pos, "camel_case_to_snake_case needs a string");
    const char *s = a0->u.s.p;
    size_t len = a0->u.s.n, o = 0;
    char *r = conn_ip_alloc(&c->arena, len * 2 + 1);
    for (size_t i = 0; i < len; i++) {
        unsigned char ch = (unsigned char)s[i];
        bool up = isupper(ch);
        bool prev_low = i > 0 && (islower((unsigned char)s[i - 1]) || isdigit((unsigned char)s[i - 1]));
        bool next_low = i + 1 < len && islower((unsigned char)s[i + 1]);
        if (up && i > 0 && s[i - 1] != '_' && (prev_low || next_low))
            r[o++] = '_';
        r[o++] = (char)tolower(ch);
    }
    r[o] = '\0';
    *out = conn_iv_str(r, o);
    return 0;
}

/* sanitize_url(s): s percent-encoded as one URL path segment (nothing kept but unreserved
 * characters), so a site URL such as "https://example.com/" can sit inside a request path. */
static int m_sanitize_url(struct ip_ctx *c, const struct ip_node *n, const struct iv *a0,
                          struct iv *out)
{
    static const char hex[] = "0123456789ABCDEF";
    if (!a0 || a0->kind != IV_STR)
        return conn_ip_fail(c, n->pos, "sanitize_url needs a string");
    size_t len = a0->u.s.n, o = 0;
    char *r = conn_ip_alloc(&c->arena, len * 3 + 1);
    for (size_t i = 0; i < len; i++) {
        unsigned char ch = (unsigned char)a0->u.s.p[i];
        if (isalnum(ch) || ch == '-' || ch == '_' || ch == '.' || ch == '~') {
            r[o++] = (char)ch;
        } else {
            r[o++] = '%';
            r[o++] = hex[ch >> 4];
            r[o++] = hex[ch & 15];
        }
    }
    r[o] = '\0';
    *out = conn_iv_str(r, o);
    return 0;
}

/* Calls the global function n->name. */
int conn_ip_call(struct ip_ctx *c, const struct ip_node *n, struct iv *args, struct iv *out)
{
    const char *f = n->name;
    struct iv *a0 = n->nargs ? &args[0] : NULL;
    int64_t us;
    if (!strcmp(f, "now_utc")) {
        *out = dt(IV_DT, conn_ip_now_us(c));
    } else if (!strcmp(f, "today_utc")) {
        *out = dt(IV_DATE, conn_ip_now_us(c));
    } else if (!strcmp(f, "today_with_timezone")) {
        return m_today_tz(c, n, args, out);
    } else if (!strcmp(f, "str_to_datetime")) {
        if (!a0 || to_dt(c, n->pos, a0, &us) < 0)
            return a0 ? -1 : conn_ip_fail(c, n->pos, "str_to_datetime needs a string");
        *out = dt(IV_DT, us);
    } else if (!strcmp(f, "timestamp")) {
        double v;
        if (a0 && (a0->kind == IV_INT || a0->kind == IV_FLOAT || a0->kind == IV_BOOL)) {
            conn_iv_is_num(a0, &v);
            *out = conn_iv_int((int64_t)v);
        } else {
            if (!a0 || to_dt(c, n->pos, a0, &us) < 0)
                return a0 ? -1 : conn_ip_fail(c, n->pos, "timestamp needs a value");
            *out = conn_iv_float((double)us / 1e6);
        }
    } else if (!strcmp(f, "max") || !strcmp(f, "min")) {
        return m_minmax(c, n, args, f[1] == 'a', out);
    } else if (!strcmp(f, "day_delta")) {
        double days;
        struct iv *fmt = conn_ip_kwarg(n, args, "format", 1);
        static const char dflt[] = "%Y-%m-%dT%H:%M:%S.%f%z";
        if (!a0 || !conn_iv_is_num(a0, &days))
            return conn_ip_fail(c, n->pos, "day_delta needs a number of days");
        us = conn_ip_now_us(c) + (int64_t)(days * (double)DAY_US);
        return fmt && fmt->kind == IV_STR ? fmt_value(c, us, false, fmt->u.s.p, fmt->u.s.n, out)
                                          : fmt_value(c, us, false, dflt, sizeof dflt - 1, out);
    } else if (!strcmp(f, "duration")) {
        int32_t months;
        if (!a0 || a0->kind != IV_STR || conn_ip_parse_duration(a0->u.s.p, a0->u.s.n, &us, &months) < 0)
            return conn_ip_fail(c, n->pos, "Unable to parse duration string %.*s",
                                a0 && a0->kind == IV_STR ? (int)a0->u.s.n : 0, a0 ? a0->u.s.p : "");
        out->kind = IV_TD;
        out->u.td.us = us;
        out->u.td.months = months;
    } else if (!strcmp(f, "format_datetime")) {
        return m_format_datetime(c, n, args, out);
    } else if (!strcmp(f, "generate_uuid")) {
        return m_uuid(c, out);
    } else if (!strcmp(f, "json_loads")) {
        return m_json_loads(c, n, a0, out);
    } else if (!strcmp(f, "camel_case_to_snake_case")) {
        return m_snake(c, n, a0, out);
    } else if (!strcmp(f, "sanitize_url")) {
        return m_sanitize_url(c, n, a0, out);
    } else if (!strcmp(f, "namespace") || !strcmp(f, "dict")) {
        return m_kwdict(c, n, args, out);
    } else {
        return conn_ip_fail(c, n->pos, "'%s' is undefined (no such macro)", f);
    }
    return 0;
}

/* Fields of datetimes, dates and timedeltas (year, month ... days, seconds). */
bool conn_ip_time_attr(const struct iv *v, const char *name, struct iv *out)
{
    struct ip_bt t;
    if (v->kind == IV_TD) {
        int64_t d = v->u.td.us >= 0 ? v->u.td.us / DAY_US : -((-v->u.td.us + DAY_US - 1) / DAY_US);
        int64_t rem = v->u.td.us - d * DAY_US;
        if (!strcmp(name, "days")) *out = conn_iv_int(d);
        else if (!strcmp(name, "seconds")) *out = conn_iv_int(rem / SEC_US);
        else if (!strcmp(name, "microseconds")) *out = conn_iv_int(rem % SEC_US);
        else return false;
        return true;
    }
    if (v->kind != IV_DT && v->kind != IV_DATE)
        return false;
    conn_ip_split(v->u.us, &t);
    static const char *const names[] = {"year", "month", "day", "hour", "minute", "second",
                                        "microsecond", NULL};
    int vals[] = {t.y, t.mo, t.d, t.h, t.mi, t.s, t.us};
    for (int i = 0; names[i]; i++)
        if (!strcmp(name, names[i]) && (v->kind == IV_DT || i < 3)) {
            *out = conn_iv_int(vals[i]);
            return true;
        }
    return false;
}

/* isoformat(sep='T', timespec='auto'). */
static int m_isoformat(struct ip_ctx *c, const struct ip_node *n, const struct iv *self,
                       struct iv *args, struct iv *out)
{
    struct iv *sep = conn_ip_kwarg(n, args, "sep", 0), *ts = conn_ip_kwarg(n, args, "timespec", 1);
    struct ip_bt t;
    char buf[64];
    conn_ip_split(self->u.us, &t);
    int k;
    if (self->kind == IV_DATE) {
        k = snprintf(buf, sizeof buf, "%04d-%02d-%02d", t.y, t.mo, t.d);
    } else {
        char sp = sep && sep->kind == IV_STR && sep->u.s.n == 1 ? sep->u.s.p[0] : 'T';
        const char *spec = ts && ts->kind == IV_STR ? ts->u.s.p : "auto";
        k = snprintf(buf, sizeof buf, "%04d-%02d-%02d%c%02d", t.y, t.mo, t.d, sp, t.h);
        if (strcmp(spec, "hours") != 0)
            k += snprintf(buf + k, sizeof buf - (size_t)k, ":%02d", t.mi);
        if (strcmp(spec, "hours") != 0 && strcmp(spec, "minutes") != 0)
            k += snprintf(buf + k, sizeof buf - (size_t)k, ":%02d", t.s);
        if (!strcmp(spec, "milliseconds"))
            k += snprintf(buf + k, sizeof buf - (size_t)k, ".%03d", t.us / 1000);
        else if (!strcmp(spec, "microseconds") || (!strcmp(spec, "auto") && t.us))
            k += snprintf(buf + k, sizeof buf - (size_t)k, ".%06d", t.us);
        else if (strcmp(spec, "auto") && strcmp(spec, "seconds") && strcmp(spec, "hours") &&
                 strcmp(spec, "minutes"))
            return conn_ip_fail(c, n->pos, "Unknown timespec value");
        k += snprintf(buf + k, sizeof buf - (size_t)k, "+00:00");
    }
    *out = conn_iv_str(conn_ip_strndup(&c->arena, buf, (size_t)k), (size_t)k);
    return 0;
}

/* Methods of datetimes, dates and timedeltas. */
int conn_ip_time_method(struct ip_ctx *c, const struct ip_node *n, struct iv *self,
                        struct iv *args, struct iv *out, bool *handled)
{
    const char *m = n->name;
    *handled = true;
    if (self->kind == IV_TD && !strcmp(m, "total_seconds")) {
        *out = conn_iv_float((double)self->u.td.us / 1e6);
        return 0;
    }
    if (self->kind != IV_DT && self->kind != IV_DATE) {
        *handled = false;
        return 0;
    }
    struct ip_bt t;
    conn_ip_split(self->u.us, &t);
    if (!strcmp(m, "strftime")) {
        if (!n->nargs || args[0].kind != IV_STR)
            return conn_ip_fail(c, n->pos, "strftime() argument 1 must be str");
        return fmt_value(c, self->u.us, self->kind == IV_DATE, args[0].u.s.p, args[0].u.s.n, out);
    }
    if (!strcmp(m, "isoformat"))
        return m_isoformat(c, n, self, args, out);
    if (!strcmp(m, "timestamp") && self->kind == IV_DT)
        *out = conn_iv_float((double)self->u.us / 1e6);
    else if (!strcmp(m, "date"))
        *out = dt(IV_DATE, self->u.us);
    else if (!strcmp(m, "weekday") || !strcmp(m, "isoweekday"))
        *out = conn_iv_int(t.wday + (m[0] == 'i'));
    else if (!strcmp(m, "astimezone") || (!strcmp(m, "replace") && !n->nargs))
        *out = *self;
    else
        return conn_ip_undef(c, n->pos, m);
    return 0;
}
