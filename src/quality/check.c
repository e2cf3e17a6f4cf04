/* check.c - data-quality checks on a run's statistics: row_count (min/max), null_ratio of a
 * column (max), freshness of the cursor (max_age). Each gives a verdict (pass, or warn/fail by
 * its severity), the observed value and a one-line text with the threshold. A failing check is
 * a result, not an error. */
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "base/mem.h"
#include "base/yaml.h"
#include "quality/quality.h"

static const char *const kind_names[] = {
#define QUAL_X_CKN(id, text) text,
    QUAL_CHECK_KINDS(QUAL_X_CKN)
#undef QUAL_X_CKN
};

#define N_KINDS (sizeof kind_names / sizeof kind_names[0])

/* "row_count" ... */
const char *qual_check_kind_name(enum qual_check_kind k)
{
    return (size_t)k < N_KINDS ? kind_names[k] : "?";
}

/* Error at a node. */
static int at(struct wv_error *err, const char *origin, const struct wv_json *node,
              const char *what)
{
    char where[PATH_MAX + 32];
    return wv_error_set(err, WV_E_CONFIG, 0, "%s: %s", wv_where(origin, node, where, sizeof where),
                        what);
}

/* "26h", "30m", "45s", "7d", "90" (seconds) -> ms; -1 if malformed. */
static int64_t parse_duration(const char *s)
{
    char *end;
    double v = strtod(s, &end);
    if (end == s || v <= 0)
        return -1;
    double mult = 1000;
    if (strcmp(end, "d") == 0)
        mult = 86400000.0;
    else if (strcmp(end, "h") == 0)
        mult = 3600000.0;
    else if (strcmp(end, "m") == 0)
        mult = 60000.0;
    else if (strcmp(end, "s") == 0 || *end == '\0')
        mult = 1000;
    else
        return -1;
    return v * mult < 9e15 ? (int64_t)(v * mult) : -1;
}

/* A number member into *out; *has set when present. */
static int get_num(const struct wv_json *node, const char *key, const char *origin, bool *has,
                   double *out, struct wv_error *err)
{
    const struct wv_json *v = wv_json_get(node, key);
    if (!v)
        return 0;
    if (v->type != WV_JSON_NUMBER || wv_json_as_double(v, out) < 0 || !isfinite(*out) ||
        *out < 0) {
        char msg[96];
        snprintf(msg, sizeof msg, "'%s' must be a number >= 0", key);
        return at(err, origin, v, msg);
    }
    *has = true;
    return 0;
}

/* Parses one check. */
int qual_check_parse(const struct wv_json *node, const char *origin, struct qual_check *out,
                     struct wv_error *err)
{
    static const char *const keys[] = {"stream", "check", "min", "max", "column", "max_age",
                                       "severity", NULL};
    memset(out, 0, sizeof *out);
    out->error = true;
    if (!node || node->type != WV_JSON_OBJECT)
        return at(err, origin, node, "a check must be a mapping");
    for (size_t i = 0; i < node->len; i++) {
        bool known = false;
        for (const char *const *k = keys; *k && !known; k++)
            known = strcmp(*k, node->keys[i]) == 0;
        if (!known) {
            char msg[200];
            snprintf(msg, sizeof msg,
                     "unknown field '%.40s' (expected stream, check, min, max, column, max_age, "
                     "severity)",
                     node->keys[i]);
            return at(err, origin, node->items[i], msg);
        }
    }
    const char *stream = wv_json_get_str(node, "stream");
    const char *kind = wv_json_get_str(node, "check");
    if (!stream || !*stream)
        return at(err, origin, node, "a check needs 'stream' (a stream name)");
    if (!kind)
        return at(err, origin, node, "a check needs 'check' (row_count, null_ratio, freshness)");
    size_t k = 0;
    while (k < N_KINDS && strcmp(kind_names[k], kind) != 0)
        k++;
    if (k == N_KINDS)
        return at(err, origin, wv_json_get(node, "check"),
                  "unknown check (row_count, null_ratio, freshness)");
    out->kind = (enum qual_check_kind)k;
    const struct wv_json *sev = wv_json_get(node, "severity");
    if (sev) {
        if (sev->type != WV_JSON_STRING ||
            (strcmp(sev->s, "error") != 0 && strcmp(sev->s, "warn") != 0))
            return at(err, origin, sev, "severity must be error or warn");
        out->error = strcmp(sev->s, "error") == 0;
    }
    if (get_num(node, "min", origin, &out->has_min, &out->min, err) < 0 ||
        get_num(node, "max", origin, &out->has_max, &out->max, err) < 0)
        return -1;
    const char *col = wv_json_get_str(node, "column");
    const struct wv_json *age = wv_json_get(node, "max_age");
    switch (out->kind) {
    case QUAL_CHECK_ROW_COUNT:
        if (!out->has_min && !out->has_max)
            return at(err, origin, node, "row_count needs min or max");
        break;
    case QUAL_CHECK_NULL_RATIO:
        if (!col || !*col)
            return at(err, origin, node, "null_ratio needs 'column'");
        if (!out->has_max || out->max > 1)
            return at(err, origin, node, "null_ratio needs 'max' between 0 and 1");
        break;
    case QUAL_CHECK_FRESHNESS:
        if (!age || age->type != WV_JSON_STRING ||
            (out->max_age_ms = parse_duration(age->s)) < 0)
            return at(err, origin, age ? age : node, "freshness needs 'max_age' like 26h, 30m, 7d");
        break;
    }
    out->stream = wv_strdup(stream);
    out->column = col ? wv_strdup(col) : NULL;
    return 0;
}

void qual_check_done(struct qual_check *c)
{
    if (!c)
        return;
    free(c->stream);
    free(c->column);
    memset(c, 0, sizeof *c);
}

/* Sets the verdict: pass, or the severity's verdict. */
static void verdict(const struct qual_check *c, bool ok, struct qual_result *out)
{
    out->verdict = ok ? QUAL_PASS : c->error ? QUAL_FAIL : QUAL_WARN;
}

/* Evaluates one check. */
void qual_check_eval(const struct qual_check *c, const struct qual_stats *stats, int64_t now_ms,
                     struct qual_result *out)
{
    memset(out, 0, sizeof *out);
    const struct qual_stream_stats *st = qual_stats_find(stats, NULL, c->stream);
    for (size_t i = 0; !st && i < qual_stats_count(stats); i++)
        if (strcmp(qual_stats_at(stats, i)->name, c->stream) == 0)
            st = qual_stats_at(stats, i);
    int64_t rows = st ? st->rows : 0;
    switch (c->kind) {
    case QUAL_CHECK_ROW_COUNT:
    {
        out->observed = (double)rows;
        bool low = c->has_min && (double)rows < c->min;
        bool high = c->has_max && (double)rows > c->max;
        verdict(c, !low && !high, out);
        if (low)
            snprintf(out->text, sizeof out->text, "%s row_count %lld < min %.15g", c->stream,
                     (long long)rows, c->min);
        else if (high)
            snprintf(out->text, sizeof out->text, "%s row_count %lld > max %.15g", c->stream,
                     (long long)rows, c->max);
        else
            snprintf(out->text, sizeof out->text, "%s row_count %lld", c->stream,
                     (long long)rows);
        return;
    }
    case QUAL_CHECK_NULL_RATIO:
    {
        int64_t nulls = rows;
        for (size_t i = 0; st && i < st->n_fields; i++)
            if (strcmp(st->fields[i].name, c->column) == 0)
                nulls = rows - st->fields[i].present;
        double ratio = rows ? (double)nulls / (double)rows : 0;
        out->observed = ratio;
        verdict(c, ratio <= c->max, out);
        snprintf(out->text, sizeof out->text, "%s.%s null_ratio %.4f %s max %.15g", c->stream,
                 c->column, ratio, ratio <= c->max ? "<=" : ">", c->max);
        return;
    }
    case QUAL_CHECK_FRESHNESS:
    {
        int64_t newest = 0;
        const struct wv_json *mx = st ? st->cursor_max : NULL;
        bool have = mx && ((mx->type == WV_JSON_STRING && wv_time_parse(mx->s, &newest) == 0) ||
                           (mx->type == WV_JSON_NUMBER && wv_json_as_i64(mx, &newest) == 0 &&
                            (newest *= 1000, true)));
        if (!have) {
            out->observed = -1;
            verdict(c, false, out);
            snprintf(out->text, sizeof out->text, "%s freshness: no cursor value to measure",
                     c->stream);
            return;
        }
        int64_t age = now_ms - newest;
        out->observed = (double)age / 1000.0;
        verdict(c, age <= c->max_age_ms, out);
        snprintf(out->text, sizeof out->text, "%s freshness: newest cursor %.0fs old %s max %llds",
                 c->stream, out->observed, age <= c->max_age_ms ? "<=" : ">",
                 (long long)(c->max_age_ms / 1000));
        return;
    }
    }
}
