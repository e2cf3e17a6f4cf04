/* zone_path.c - the Parquet raw zone's path templates ("{namespace}/{stream}/dt={date}/
 * {run_id}-{part}.parquet": '/'-separated segments of literal text and {variables}; a segment
 * whose variables render empty is dropped, so a stream without a namespace lands in
 * "users/dt=..."), the partition values of a time or a cursor value (Hive's
 * __HIVE_DEFAULT_PARTITION__ when there is none), and a small string set. Caller's thread. */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "base/mem.h"
#include "storage/zone_int.h"

/* ---------------- string set ---------------- */

/* FNV-1a. */
static uint64_t hash_str(const char *s)
{
    uint64_t h = UINT64_C(1469598103934665603);
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * UINT64_C(1099511628211);
    return h;
}

/* Slot of key, or of the empty slot where it would go. */
static size_t set_slot(const struct zone_set *s, const char *key)
{
    size_t i = (size_t)hash_str(key) & (s->cap - 1);
    while (s->keys[i] && strcmp(s->keys[i], key) != 0)
        i = (i + 1) & (s->cap - 1);
    return i;
}

int64_t stor_zone_int_set_find(const struct zone_set *s, const char *key)
{
    if (s->cap == 0)
        return -1;
    size_t i = set_slot(s, key);
    return s->keys[i] ? (int64_t)s->vals[i] : -1;
}

void stor_zone_int_set_put(struct zone_set *s, const char *key, size_t val)
{
    if ((s->n + 1) * 2 > s->cap) {
        struct zone_set g = {NULL, NULL, 0, s->cap ? s->cap * 2 : 16};
        g.keys = wv_calloc(g.cap, sizeof *g.keys);
        g.vals = wv_calloc(g.cap, sizeof *g.vals);
        for (size_t i = 0; i < s->cap; i++) {
            if (!s->keys[i])
                continue;
            size_t j = set_slot(&g, s->keys[i]);
            g.keys[j] = s->keys[i];
            g.vals[j] = s->vals[i];
            g.n++;
        }
        free(s->keys);
        free(s->vals);
        *s = g;
    }
    size_t i = set_slot(s, key);
    if (!s->keys[i]) {
        s->keys[i] = wv_strdup(key);
        s->n++;
    }
    s->vals[i] = val;
}

void stor_zone_int_set_done(struct zone_set *s)
{
    for (size_t i = 0; i < s->cap; i++)
        free(s->keys[i]);
    free(s->keys);
    free(s->vals);
    memset(s, 0, sizeof *s);
}

/* ---------------- templates ---------------- */

static const char *const var_names[] = {
#define ZONE_X_NAME(id, text, run) text,
    ZONE_VARS(ZONE_X_NAME)
#undef ZONE_X_NAME
};
static const bool var_run[] = {
#define ZONE_X_RUN(id, text, run) run,
    ZONE_VARS(ZONE_X_RUN)
#undef ZONE_X_RUN
};

/* Appends a token to a segment. */
static void seg_push(struct zone_seg *g, int var, const char *lit, size_t n)
{
    g->toks = wv_realloc(g->toks, (g->n + 1) * sizeof *g->toks);
    g->toks[g->n].var = var;
    g->toks[g->n].lit = var < 0 ? wv_strndup(lit, n) : NULL;
    g->n++;
    if (var >= 0) {
        g->has_var = true;
        g->run_dep = g->run_dep || var_run[var];
    }
}

/* Parses one segment text[0..n). */
static int seg_parse(struct zone_tmpl *t, const char *s, size_t n, struct wv_error *err)
{
    t->segs = wv_realloc(t->segs, (t->n + 1) * sizeof *t->segs);
    struct zone_seg *g = &t->segs[t->n++];
    memset(g, 0, sizeof *g);
    if (n == 0)
        return wv_error_set(err, WV_E_CONFIG, 0, "path template \"%s\": empty path segment",
                            t->text);
    if ((n == 1 && s[0] == '.') || (n == 2 && s[0] == '.' && s[1] == '.'))
        return wv_error_set(err, WV_E_CONFIG, 0, "path template \"%s\": segment \"%.*s\"", t->text,
                            (int)n, s);
    size_t i = 0;
    while (i < n) {
        const char *open = memchr(s + i, '{', n - i);
        const char *close = memchr(s + i, '}', n - i);
        if (close && (!open || close < open))
            return wv_error_set(err, WV_E_CONFIG, 0, "path template \"%s\": unmatched '}'",
                                t->text);
        if (!open) {
            seg_push(g, -1, s + i, n - i);
            break;
        }
        if (open > s + i)
            seg_push(g, -1, s + i, (size_t)(open - (s + i)));
        const char *end = memchr(open, '}', n - (size_t)(open - s));
        if (!end)
            return wv_error_set(err, WV_E_CONFIG, 0, "path template \"%s\": unclosed '{'", t->text);
        size_t len = (size_t)(end - open - 1);
        int var = -1;
        for (int k = 0; k < ZV__COUNT; k++)
            if (strlen(var_names[k]) == len && memcmp(var_names[k], open + 1, len) == 0)
                var = k;
        if (var < 0)
            return wv_error_set(err, WV_E_CONFIG, 0,
                                "path template \"%s\": unknown variable {%.*s} (namespace, "
                                "stream, connection, date, year, month, day, hour, run_id, "
                                "sync_id, part, epoch)",
                                t->text, (int)len, open + 1);
        seg_push(g, var, NULL, 0);
        i = (size_t)(end - s) + 1;
    }
    return 0;
}

/* Whether a segment holds the variable. */
static bool seg_has(const struct zone_seg *g, int var)
{
    for (size_t i = 0; i < g->n; i++)
        if (g->toks[i].var == var)
            return true;
    return false;
}

int stor_zone_int_tmpl_parse(struct zone_tmpl *t, const char *text, struct wv_error *err)
{
    memset(t, 0, sizeof *t);
    t->text = wv_strdup(text);
    if (text[0] == '/')
        return wv_error_set(err, WV_E_CONFIG, 0, "path template \"%s\": must be relative", text);
    const char *p = text;
    for (;;) {
        const char *slash = strchr(p, '/');
        size_t n = slash ? (size_t)(slash - p) : strlen(p);
        if (seg_parse(t, p, n, err) < 0)
            return -1;
        if (!slash)
            break;
        p = slash + 1;
    }
    for (size_t i = 0; i + 1 < t->n; i++)
        if (seg_has(&t->segs[i], ZV_PART))
            return wv_error_set(err, WV_E_CONFIG, 0,
                                "path template \"%s\": {part} belongs in the file name", text);
    if (!seg_has(&t->segs[t->n - 1], ZV_PART))
        return wv_error_set(err, WV_E_CONFIG, 0,
                            "path template \"%s\": the file name needs {part} (files roll)", text);
    bool run = false;
    for (size_t i = 0; i < t->n; i++)
        run = run || seg_has(&t->segs[i], ZV_RUN_ID) || seg_has(&t->segs[i], ZV_SYNC_ID);
    if (!run)
        return wv_error_set(err, WV_E_CONFIG, 0,
                            "path template \"%s\": needs {run_id} or {sync_id} (so that a run "
                            "never replaces another run's files)",
                            text);
    return 0;
}

void stor_zone_int_tmpl_done(struct zone_tmpl *t)
{
    for (size_t i = 0; i < t->n; i++) {
        for (size_t k = 0; k < t->segs[i].n; k++)
            free(t->segs[i].toks[k].lit);
        free(t->segs[i].toks);
    }
    free(t->segs);
    free(t->text);
    memset(t, 0, sizeof *t);
}

size_t stor_zone_int_prefix_segs(const struct zone_tmpl *t)
{
    size_t i = 0;
    while (i < t->n && !t->segs[i].run_dep)
        i++;
    return i;
}

int stor_zone_int_render(const struct zone_tmpl *t, const char *const *vals, size_t n_segs,
                         char **out, struct wv_error *err)
{
    *out = NULL;
    bool all = n_segs >= t->n;
    if (all)
        n_segs = t->n;
    struct wv_buf b = WV_BUF_INIT, seg = WV_BUF_INIT;
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < n_segs; i++) {
        const struct zone_seg *g = &t->segs[i];
        wv_buf_reset(&seg);
        for (size_t k = 0; k < g->n; k++) {
            const struct zone_tok *tok = &g->toks[k];
            const char *v = tok->var < 0 ? tok->lit : vals[tok->var];
            if (tok->var == ZV_PART && !v)
                v = "{part}";
            wv_buf_puts(&seg, v ? v : "", NULL);
        }
        const char *s = wv_buf_cstr(&seg);
        if (seg.len == 0) {
            if (all && i + 1 == t->n)
                rc = wv_error_set(err, WV_E_CONFIG, 0, "path template \"%s\": empty file name",
                                  t->text);
            continue; /* only variables can render empty: the segment is dropped */
        }
        if (strchr(s, '/') || strcmp(s, ".") == 0 || strcmp(s, "..") == 0 || strlen(s) != seg.len)
            rc = wv_error_set(err, WV_E_CONFIG, 0,
                              "path template \"%s\": a value renders segment \"%s\" (path must "
                              "stay relative, no \"/\", \".\" or \"..\")",
                              t->text, s);
        if (b.len)
            wv_buf_putc(&b, '/', NULL);
        wv_buf_append(&b, s, seg.len, NULL);
    }
    wv_buf_done(&seg);
    if (rc < 0) {
        wv_buf_done(&b);
        return -1;
    }
    *out = wv_buf_steal(&b, NULL);
    return 0;
}

/* ---------------- partition values ---------------- */

/* Every value the Hive default. */
static void when_default(struct zone_when *w)
{
    snprintf(w->date, sizeof w->date, "%s", ZONE_HIVE_DEFAULT);
    memcpy(w->year, w->date, sizeof w->year);
    memcpy(w->month, w->date, sizeof w->month);
    memcpy(w->day, w->date, sizeof w->day);
    memcpy(w->hour, w->date, sizeof w->hour);
    memcpy(w->epoch, w->date, sizeof w->epoch);
}

void stor_zone_int_when_ms(int64_t ms, struct zone_when *w)
{
    /* years 0001..9999 only: the calendar strings stay four digits */
    const int64_t lo = INT64_C(-62135596800000), hi = INT64_C(253402300799999);
    if (ms < lo || ms > hi) {
        when_default(w);
        return;
    }
    struct wv_tm tm;
    wv_time_split(ms, &tm);
    snprintf(w->date, sizeof w->date, "%04d-%02d-%02d", tm.year, tm.month, tm.day);
    snprintf(w->year, sizeof w->year, "%04d", tm.year);
    snprintf(w->month, sizeof w->month, "%02d", tm.month);
    snprintf(w->day, sizeof w->day, "%02d", tm.day);
    snprintf(w->hour, sizeof w->hour, "%02d", tm.hour);
    int64_t sec = ms >= 0 ? ms / 1000 : -((-ms + 999) / 1000); /* floor */
    snprintf(w->epoch, sizeof w->epoch, "%" PRId64, sec);
}

void stor_zone_int_when_cursor(const struct wv_json *v, struct zone_when *w)
{
    int64_t ms;
    if (v && v->type == WV_JSON_STRING && v->slen == strlen(v->s) && v->slen >= 10 &&
        wv_time_parse(v->s, &ms) == 0) {
        stor_zone_int_when_ms(ms, w);
        return;
    }
    double d;
    if (v && v->type == WV_JSON_NUMBER && wv_json_as_double(v, &d) == 0 && isfinite(d) &&
        fabs(d) < 253402300800.0) {
        stor_zone_int_when_ms((int64_t)floor(d * 1000.0), w);
        return;
    }
    when_default(w);
}
