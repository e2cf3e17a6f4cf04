/* decl_cursor.c - DatetimeBasedCursor with MinMaxDatetime: date windows (step,
 * cursor_granularity, lookback_window, start/end from state and config), start/end_time_option
 * request options, record observation within slice boundaries (is_client_side_incremental
 * filtering) and the stream state {cursor_field: highest cursor seen, as the record had it}.
 * Follows the CDK's incremental/datetime_based_cursor.py and datetime/min_max_datetime.py.
 * Datetime formats are Python strftime codes plus the CDK's %s, %ms and %s_as_float.
 * Built on the opening thread; run by the reading thread. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "connectors/decl_int.h"

struct decl_minmax {
    struct decl_val dt, min, max;
    char *fmt; /* NULL: the cursor's datetime_format */
};

struct decl_cursor {
    char *field; /* cursor_field (rendered at build: config-free fields) */
    struct decl_val field_t;
    char *fmt;      /* datetime_format */
    char **formats; /* cursor_datetime_formats (NULL-terminated) */
    struct decl_minmax start, end;
    bool has_end;
    struct decl_val step, granularity, lookback;
    char *pstart, *pend; /* partition_field_start / _end */
    struct decl_reqopt start_opt, end_opt;
    bool client_side, strict, data_feed;
    bool global; /* global_substream_cursor */
};

/* Parses digits (at most max, at least 1) into *v. Returns the count consumed or -1. */
static int decl_digits(const char *s, int max, int64_t *v)
{
    int n = 0;
    *v = 0;
    while (n < max && s[n] >= '0' && s[n] <= '9')
        *v = *v * 10 + (s[n++] - '0');
    return n ? n : -1;
}

/* Parses one directive at *sp into tm / epoch; advances. -1 on mismatch. */
static int decl_parse_dir(const char **sp, const char **fp, struct wv_tm *tm, int64_t *epoch,
                          int64_t *off_ms)
{
    const char *s = *sp, *f = *fp;
    int64_t v = 0;
    int n = 0;
    if (strncmp(f, "s_as_float", 10) == 0 || strncmp(f, "ms", 2) == 0 || *f == 's') {
        bool ms = strncmp(f, "ms", 2) == 0, fl = strncmp(f, "s_as_float", 10) == 0;
        char *end = NULL;
        double d = strtod(s, &end);
        if (end == s)
            return -1;
        *epoch = ms ? (int64_t)d : (int64_t)(d * 1000.0 + (fl && d > 0 ? 0.5 : 0));
        *sp = end;
        *fp = f + (fl ? 10 : ms ? 2 : 1);
        return 0;
    }
    switch (*f) {
    case 'Y':
        n = decl_digits(s, 4, &v);
        tm->year = (int)v;
        break;
    case 'y':
        n = decl_digits(s, 2, &v);
        tm->year = 2000 + (int)v;
        break;
    case 'm':
        n = decl_digits(s, 2, &v);
        tm->month = (int)v;
        break;
    case 'd':
        n = decl_digits(s, 2, &v);
        tm->day = (int)v;
        break;
    case 'H':
        n = decl_digits(s, 2, &v);
        tm->hour = (int)v;
        break;
    case 'M':
        n = decl_digits(s, 2, &v);
        tm->min = (int)v;
        break;
    case 'S':
        n = decl_digits(s, 2, &v);
        tm->sec = (int)v;
        break;
    case 'f':
        n = decl_digits(s, 9, &v);
        for (int k = n; k < 3 && n > 0; k++)
            v *= 10;
        for (int k = n; k > 3; k--)
            v /= 10;
        tm->ms = (int)v;
        break;
    case 'z':
    case 'Z':
        if (*s == 'Z' || *s == 'z') {
            n = 1;
        } else if (strncmp(s, "UTC", 3) == 0) {
            n = 3;
        } else if (*s == '+' || *s == '-') {
            int64_t h = 0, mi = 0;
            int a = decl_digits(s + 1, 2, &h);
            if (a != 2)
                return -1;
            n = 3 + (s[3] == ':');
            if (decl_digits(s + n, 2, &mi) == 2)
                n += 2;
            *off_ms = (*s == '-' ? -1 : 1) * (h * 3600 + mi * 60) * 1000;
        } else if (*f == 'Z') {
            n = 0;
        } else {
            return -1;
        }
        break;
    case '%':
        n = *s == '%' ? 1 : -1;
        break;
    default:
        return -1;
    }
    if (n < 0)
        return -1;
    *sp = s + n;
    *fp = f + 1;
    return 0;
}

/* Parses s with a strftime-like format (NULL/"" : ISO 8601). */
int conn_decl_time_parse(const char *s, const char *fmt, int64_t *ms)
{
    if (!s)
        return -1;
    if (!fmt || !*fmt)
        return wv_time_parse(s, ms);
    struct wv_tm tm = {1900, 1, 1, 0, 0, 0, 0};
    int64_t epoch = INT64_MIN, off = 0;
    const char *f = fmt;
    while (*f) {
        if (*f == '%') {
            f++;
            if (decl_parse_dir(&s, &f, &tm, &epoch, &off) < 0)
                return -1;
        } else if (*s++ != *f++) {
            return -1;
        }
    }
    if (*s)
        return -1;
    if (tm.month < 1 || tm.month > 12 || tm.day < 1 || tm.day > 31 || tm.hour > 23 || tm.min > 59 ||
        tm.sec > 60)
        return -1;
    *ms = epoch != INT64_MIN ? epoch : wv_time_join(&tm) - off;
    return 0;
}

/* Formats ms with a strftime-like format (NULL/"": ISO with microseconds, as Python). */
char *conn_decl_time_format(int64_t ms, const char *fmt)
{
    if (!fmt || !*fmt)
        fmt = "%Y-%m-%dT%H:%M:%S.%f%z";
    struct wv_tm tm;
    wv_time_split(ms, &tm);
    struct wv_buf b = WV_BUF_INIT;
    for (const char *f = fmt; *f; f++) {
        if (*f != '%' || !f[1]) {
            wv_buf_putc(&b, *f, NULL);
            continue;
        }
        f++;
        if (strncmp(f, "s_as_float", 10) == 0) {
            wv_buf_printf(&b, NULL, "%.6f", (double)ms / 1000.0);
            f += 9;
            continue;
        }
        if (strncmp(f, "ms", 2) == 0) {
            wv_buf_printf(&b, NULL, "%lld", (long long)ms);
            f++;
            continue;
        }
        switch (*f) {
        case 'Y':
            wv_buf_printf(&b, NULL, "%04d", tm.year);
            break;
        case 'y':
            wv_buf_printf(&b, NULL, "%02d", tm.year % 100);
            break;
        case 'm':
            wv_buf_printf(&b, NULL, "%02d", tm.month);
            break;
        case 'd':
            wv_buf_printf(&b, NULL, "%02d", tm.day);
            break;
        case 'H':
            wv_buf_printf(&b, NULL, "%02d", tm.hour);
            break;
        case 'M':
            wv_buf_printf(&b, NULL, "%02d", tm.min);
            break;
        case 'S':
            wv_buf_printf(&b, NULL, "%02d", tm.sec);
            break;
        case 'f':
            wv_buf_printf(&b, NULL, "%06d", tm.ms * 1000);
            break;
        case 'z':
            wv_buf_puts(&b, "+0000", NULL);
            break;
        case 'Z':
            wv_buf_puts(&b, "UTC", NULL);
            break;
        case 's':
            wv_buf_printf(&b, NULL, "%lld", (long long)(ms / 1000));
            break;
        case '%':
            wv_buf_putc(&b, '%', NULL);
            break;
        default:
            wv_buf_putc(&b, '%', NULL);
            wv_buf_putc(&b, *f, NULL);
            break;
        }
    }
    return wv_buf_steal(&b, NULL);
}

/* Adds an ISO 8601 duration (PnYnMnWnDTnHnMnS) n times to ms. */
int conn_decl_duration_add(const char *iso, int64_t ms, int n, int64_t *out)
{
    if (!iso || (*iso != 'P' && *iso != 'p'))
        return -1;
    int64_t y = 0, mo = 0, fixed = 0;
    bool t = false;
    for (const char *p = iso + 1; *p;) {
        if (*p == 'T') {
            t = true;
            p++;
            continue;
        }
        char *end = NULL;
        double v = strtod(p, &end);
        if (end == p || !*end)
            return -1;
        switch (*end) {
        case 'Y':
            y += (int64_t)v;
            break;
        case 'M':
            if (t)
                fixed += (int64_t)(v * 60000);
            else
                mo += (int64_t)v;
            break;
        case 'W':
            fixed += (int64_t)(v * 7 * 86400000.0);
            break;
        case 'D':
            fixed += (int64_t)(v * 86400000.0);
            break;
        case 'H':
            fixed += (int64_t)(v * 3600000.0);
            break;
        case 'S':
            fixed += (int64_t)(v * 1000.0);
            break;
        default:
            return -1;
        }
        p = end + 1;
    }
    struct wv_tm tm;
    wv_time_split(ms, &tm);
    int64_t months = (int64_t)tm.year * 12 + (tm.month - 1) + (y * 12 + mo) * n;
    tm.year = (int)(months / 12);
    tm.month = (int)(months % 12) + 1;
    static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int dim = mdays[tm.month - 1] +
              (tm.month == 2 && tm.year % 4 == 0 && (tm.year % 100 || tm.year % 400 == 0));
    if (tm.day > dim)
        tm.day = dim;
    *out = wv_time_join(&tm) + fixed * n;
    return 0;
}

/* Builds a MinMaxDatetime or a plain datetime string. */
static int decl_minmax_build(struct decl_minmax *m, const struct wv_json *node, const char *origin,
                             struct wv_error *err)
{
    if (node && node->type == WV_JSON_OBJECT) {
        const char *f = wv_json_get_str(node, "datetime_format");
        m->fmt = f && *f ? wv_strdup(f) : NULL;
        if (conn_decl_field(&m->min, node, "min_datetime", origin, err) < 0 ||
            conn_decl_field(&m->max, node, "max_datetime", origin, err) < 0)
            return -1;
        return conn_decl_field(&m->dt, node, "datetime", origin, err);
    }
    return conn_decl_val_build(&m->dt, node, origin, err);
}

/* Frees a MinMaxDatetime. */
static void decl_minmax_done(struct decl_minmax *m)
{
    conn_decl_val_done(&m->dt);
    conn_decl_val_done(&m->min);
    conn_decl_val_done(&m->max);
    free(m->fmt);
}

/* Parses a value with the cursor's formats, then ISO 8601. */
static int decl_cursor_parse(const struct decl_cursor *c, const char *fmt, const char *s,
                             int64_t *ms)
{
    if (fmt && conn_decl_time_parse(s, fmt, ms) == 0)
        return 0;
    for (char **f = c->formats; f && *f; f++)
        if (conn_decl_time_parse(s, *f, ms) == 0)
            return 0;
    if (conn_decl_time_parse(s, c->fmt, ms) == 0)
        return 0;
    return wv_time_parse(s, ms);
}

/* Evaluates a MinMaxDatetime. */
static int decl_minmax_get(const struct decl_cursor *c, const struct decl_minmax *m,
                           struct decl_run *run, int64_t *ms, struct wv_error *err)
{
    const struct decl_val *vals[3] = {&m->dt, &m->min, &m->max};
    int64_t got[3] = {0, INT64_MIN, INT64_MAX};
    for (int i = 0; i < 3; i++) {
        if (!vals[i]->present)
            continue;
        char *s = NULL;
        struct decl_vars v = {0};
        if (conn_decl_val_text(vals[i], &v, run, &s, err) < 0)
            return -1;
        /* a MinMaxDatetime without its own format inherits the cursor's datetime_format */
        int rc = *s ? decl_cursor_parse(c, m->fmt ? m->fmt : c->fmt, s, &got[i]) : (i ? 0 : -1);
        if (rc < 0)
            wv_error_set(err, WV_E_CONFIG, 0, "cannot parse datetime '%s'", s);
        free(s);
        if (rc < 0)
            return -1;
    }
    *ms = got[0] < got[1] ? got[1] : got[0] > got[2] ? got[2] : got[0];
    return 0;
}

/* A string field of node, copied; NULL when absent. */
static char *decl_str(const struct wv_json *node, const char *key, const char *dflt)
{
    const char *s = wv_json_get_str(node, key);
    return s ? wv_strdup(s) : dflt ? wv_strdup(dflt) : NULL;
}

/* Builds a DatetimeBasedCursor. */
struct decl_cursor *conn_decl_cursor_build(const struct wv_json *node, const char *origin,
                                           struct wv_error *err)
{
    if (strcmp(conn_decl_type(node), "DatetimeBasedCursor") != 0) {
        conn_decl_unsupported(origin, node, "incremental_sync", err);
        return NULL;
    }
    struct decl_cursor *c = wv_calloc(1, sizeof *c);
    c->field = decl_str(node, "cursor_field", NULL);
    c->fmt = decl_str(node, "datetime_format", "");
    c->pstart = decl_str(node, "partition_field_start", "start_time");
    c->pend = decl_str(node, "partition_field_end", "end_time");
    const struct wv_json *fl = wv_json_get(node, "cursor_datetime_formats");
    size_t n = fl && fl->type == WV_JSON_ARRAY ? fl->len : 0;
    c->formats = wv_calloc(n + 1, sizeof *c->formats);
    for (size_t i = 0; i < n; i++)
        c->formats[i] = conn_decl_json_text(fl->items[i]);
    bool b = false;
    wv_json_get_bool(node, "is_client_side_incremental", false, &b);
    c->client_side = b;
    wv_json_get_bool(node, "is_compare_strictly", false, &b);
    c->strict = b;
    wv_json_get_bool(node, "is_data_feed", false, &b);
    c->data_feed = b;
    wv_json_get_bool(node, "global_substream_cursor", false, &b);
    c->global = b;
    c->has_end = wv_json_get(node, "end_datetime") != NULL;
    char w[512];
    if (!c->field || !wv_json_get(node, "start_datetime")) {
        wv_error_set(err, WV_E_CONFIG, 0,
                     "%s: DatetimeBasedCursor needs cursor_field and "
                     "start_datetime",
                     conn_decl_where(origin, node, w, sizeof w));
        goto fail;
    }
    if (conn_decl_field(&c->field_t, node, "cursor_field", origin, err) < 0 ||
        conn_decl_field(&c->step, node, "step", origin, err) < 0 ||
        conn_decl_field(&c->granularity, node, "cursor_granularity", origin, err) < 0 ||
        conn_decl_field(&c->lookback, node, "lookback_window", origin, err) < 0 ||
        decl_minmax_build(&c->start, wv_json_get(node, "start_datetime"), origin, err) < 0 ||
        decl_minmax_build(&c->end, wv_json_get(node, "end_datetime"), origin, err) < 0 ||
        conn_decl_reqopt_build(&c->start_opt, wv_json_get(node, "start_time_option"), origin, err) <
            0 ||
        conn_decl_reqopt_build(&c->end_opt, wv_json_get(node, "end_time_option"), origin, err) < 0)
        goto fail;
    return c;
fail:
    conn_decl_cursor_free(c);
    return NULL;
}

/* Frees a cursor. */
void conn_decl_cursor_free(struct decl_cursor *c)
{
    if (!c)
        return;
    free(c->field);
    conn_decl_val_done(&c->field_t);
    free(c->fmt);
    wv_strv_free(c->formats);
    decl_minmax_done(&c->start);
    decl_minmax_done(&c->end);
    conn_decl_val_done(&c->step);
    conn_decl_val_done(&c->granularity);
    conn_decl_val_done(&c->lookback);
    free(c->pstart);
    free(c->pend);
    conn_decl_reqopt_done(&c->start_opt);
    conn_decl_reqopt_done(&c->end_opt);
    free(c);
}

/* The cursor field as written in the manifest. */
const char *conn_decl_cursor_field(const struct decl_cursor *c)
{
    return c->field;
}

/* Parses a cursor JSON value (string or epoch number). */
static int decl_cursor_value(const struct decl_cursor *c, const struct wv_json *v, int64_t *ms)
{
    if (!v || v->type == WV_JSON_NULL)
        return -1;
    char *s = conn_decl_json_text(v);
    int rc = decl_cursor_parse(c, NULL, s, ms);
    free(s);
    return rc;
}

/* Starts a read: parses the input state. */
int conn_decl_cursor_start(const struct decl_cursor *c, const struct wv_json *state,
                           struct decl_cursor_run *cr, struct decl_run *run, struct wv_error *err)
{
    memset(cr, 0, sizeof *cr);
    cr->c = c;
    cr->state_ms = cr->max_ms = INT64_MIN;
    cr->state = state && state->type == WV_JSON_OBJECT ? wv_json_dup(state) : wv_json_object();
    char *field = NULL;
    struct decl_vars v = {0};
    if (conn_decl_val_text(&c->field_t, &v, run, &field, err) < 0)
        return -1;
    const struct wv_json *cv = wv_json_get(cr->state, field);
    if (cv && decl_cursor_value(c, cv, &cr->state_ms) < 0) {
        wv_error_set(err, WV_E_CONFIG, 0, "state: cannot parse cursor value of '%s'", field);
        free(field);
        return -1;
    }
    if (cv)
        cr->max_raw = wv_json_dup(cv);
    cr->max_ms = cr->state_ms;
    cr->field = field;
    return 0;
}

/* Frees a cursor run. */
void conn_decl_cursor_run_done(struct decl_cursor_run *cr)
{
    wv_json_free(cr->state);
    wv_json_free(cr->max_raw);
    free(cr->field);
    memset(cr, 0, sizeof *cr);
}

/* A duration field rendered to text, NULL when absent or empty. Caller frees. */
static int decl_duration_text(const struct decl_val *v, struct decl_run *run, char **out,
                              struct wv_error *err)
{
    *out = NULL;
    if (!v->present)
        return 0;
    struct decl_vars vars = {0};
    if (conn_decl_val_text(v, &vars, run, out, err) < 0)
        return -1;
    if (!**out) {
        free(*out);
        *out = NULL;
    }
    return 0;
}

/* The window's start and end bounds. */
static int decl_window_bounds(struct decl_cursor_run *cr, struct decl_run *run, int64_t *start,
                              int64_t *end, struct wv_error *err)
{
    const struct decl_cursor *c = cr->c;
    int64_t e = 0;
    *end = wv_clock_now_ms(run->clock);
    if (decl_minmax_get(c, &c->start, run, start, err) < 0)
        return -1;
    if (c->has_end && decl_minmax_get(c, &c->end, run, &e, err) < 0)
        return -1;
    if (c->has_end && e < *end)
        *end = e;
    if (*start > *end)
        *start = *end;
    if (cr->state_ms == INT64_MIN)
        return 0;
    char *lb = NULL;
    int64_t from = cr->state_ms;
    if (decl_duration_text(&c->lookback, run, &lb, err) < 0)
        return -1;
    int rc = lb ? conn_decl_duration_add(lb, from, -1, &from) : 0;
    if (rc < 0)
        wv_error_set(err, WV_E_CONFIG, 0, "bad lookback_window '%s'", lb);
    free(lb);
    if (rc == 0 && from > *start)
        *start = from;
    return rc;
}

/* The date windows. */
int conn_decl_cursor_slices(struct decl_cursor_run *cr, struct decl_run *run,
                            struct wv_json **slices, struct wv_error *err)
{
    const struct decl_cursor *c = cr->c;
    int64_t start = 0, end = 0;
    char *step = NULL, *gran = NULL;
    *slices = NULL;
    if (decl_window_bounds(cr, run, &start, &end, err) < 0 ||
        decl_duration_text(&c->step, run, &step, err) < 0 ||
        decl_duration_text(&c->granularity, run, &gran, err) < 0) {
        free(step);
        return -1;
    }
    struct wv_json *out = wv_json_array();
    int rc = 0;
    while (c->strict ? start < end : start <= end) {
        int64_t next = INT64_MAX, wend = end;
        if (step && conn_decl_duration_add(step, start, 1, &next) < 0) {
            rc = wv_error_set(err, WV_E_CONFIG, 0, "bad step '%s'", step);
            break;
        }
        if (step) {
            int64_t g = next;
            if (gran && conn_decl_duration_add(gran, next, -1, &g) < 0) {
                rc = wv_error_set(err, WV_E_CONFIG, 0, "bad cursor_granularity '%s'", gran);
                break;
            }
            wend = g < end ? g : end;
        }
        struct wv_json *sl = wv_json_object();
        char *a = conn_decl_time_format(start, c->fmt), *b = conn_decl_time_format(wend, c->fmt);
        wv_json_set(sl, c->pstart, wv_json_str(a));
        wv_json_set(sl, c->pend, wv_json_str(b));
        free(a);
        free(b);
        wv_json_push(out, sl);
        if (next <= start || out->len >= DECL_MAX_SLICES)
            break;
        start = next;
    }
    free(step);
    free(gran);
    if (rc < 0) {
        wv_json_free(out);
        return -1;
    }
    *slices = out;
    return 0;
}

/* Injects the window bounds as request options. */
int conn_decl_cursor_inject(const struct decl_cursor *c, const struct wv_json *slice,
                            const struct decl_vars *vars, const struct decl_run *run,
                            struct decl_req *req, struct wv_error *err)
{
    if (conn_decl_reqopt_inject(&c->start_opt, wv_json_get(slice, c->pstart), vars, run, req, err) <
        0)
        return -1;
    return conn_decl_reqopt_inject(&c->end_opt, wv_json_get(slice, c->pend), vars, run, req, err);
}

/* Observes a record's cursor; *keep is false for records a client-side cursor filters out. */
int conn_decl_cursor_observe(struct decl_cursor_run *cr, const struct wv_json *slice,
                             const struct wv_json *record, struct decl_run *run, bool *keep,
                             struct wv_error *err)
{
    (void)run;
    (void)err;
    const struct decl_cursor *c = cr->c;
    *keep = true;
    const struct wv_json *v = wv_json_get(record, cr->field);
    int64_t ms = 0, lo = INT64_MIN, hi = INT64_MAX;
    if (decl_cursor_value(c, v, &ms) < 0)
        return 0; /* records without a cursor are kept and not observed */
    const char *a = wv_json_get_str(slice, c->pstart), *b = wv_json_get_str(slice, c->pend);
    if (a)
        decl_cursor_parse(c, c->fmt, a, &lo);
    if (b)
        decl_cursor_parse(c, c->fmt, b, &hi);
    bool inside = ms >= lo && ms <= hi;
    if (c->data_feed && cr->state_ms != INT64_MIN && ms < cr->state_ms)
        cr->feed_stop = true; /* a feed sorted newest first reached what was read before */
    if (c->client_side && (!inside || (cr->state_ms != INT64_MIN && ms < cr->state_ms)))
        *keep = false;
    if (inside && (cr->max_ms == INT64_MIN || ms > cr->max_ms)) {
        cr->max_ms = ms;
        wv_json_free(cr->max_raw);
        cr->max_raw = wv_json_dup(v);
    }
    return 0;
}

/* After a slice: the state holds the highest cursor seen. */
void conn_decl_cursor_close_slice(struct decl_cursor_run *cr, struct decl_run *run)
{
    (void)run;
    if (cr->max_raw)
        wv_json_set(cr->state, cr->field, wv_json_dup(cr->max_raw));
}

/* DatetimeBasedCursor.global_substream_cursor. */
bool conn_decl_cursor_global(const struct decl_cursor *c)
{
    return c->global;
}

/* Parses a cursor value with the cursor's formats. */
int conn_decl_cursor_parse_value(const struct decl_cursor *c, const struct wv_json *v, int64_t *ms)
{
    return decl_cursor_value(c, v, ms);
}

/* A state value: ms in datetime_format (the CDK's state converter output_format). */
struct wv_json *conn_decl_cursor_output(const struct decl_cursor *c, int64_t ms)
{
    char *s = conn_decl_time_format(ms, c->fmt);
    struct wv_json *j = wv_json_str(s);
    free(s);
    return j;
}

/* The input state's cursor, else start_datetime (clamped to the end, as the windows are). */
int conn_decl_cursor_origin(struct decl_cursor_run *cr, struct decl_run *run, int64_t *ms,
                            struct wv_error *err)
{
    if (cr->state_ms != INT64_MIN) {
        *ms = cr->state_ms;
        return 0;
    }
    int64_t end = 0;
    return decl_window_bounds(cr, run, ms, &end, err);
}

/* Removes the window keys of a slice. */
void conn_decl_cursor_strip(const struct decl_cursor *c, struct wv_json *slice)
{
    wv_json_remove(slice, c->pstart);
    wv_json_remove(slice, c->pend);
}
