/* check.c - parsing of data-quality check declarations ({stream, check, ...} mappings, see
 * quality.h for the kinds and their fields) with origin:line:col errors, and the names of kinds
 * and verdicts. Evaluation is in check_eval.c. */
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

/* "pass" ... */
const char *qual_verdict_name(enum qual_verdict v)
{
    switch (v) {
    case QUAL_PASS:
        return "pass";
    case QUAL_WARN:
        return "warn";
    case QUAL_FAIL:
        return "fail";
    case QUAL_NO_HISTORY:
        return "not_enough_history";
    }
    return "?";
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

/* Rejects members that no check has. */
static int check_keys(const struct wv_json *node, const char *origin, struct wv_error *err)
{
    static const char *const keys[] = {"stream",  "check",   "min",    "max",
                                       "column",  "columns", "values", "max_age",
                                       "below_pct_of_median", "runs", "allow", "severity",
                                       NULL};
    for (size_t i = 0; i < node->len; i++) {
        bool known = false;
        for (const char *const *k = keys; *k && !known; k++)
            known = strcmp(*k, node->keys[i]) == 0;
        if (!known) {
            char msg[256];
            snprintf(msg, sizeof msg,
                     "unknown field '%.40s' (expected stream, check, min, max, column, columns, "
                     "values, max_age, below_pct_of_median, runs, allow, severity)",
                     node->keys[i]);
            return at(err, origin, node->items[i], msg);
        }
    }
    return 0;
}

/* low_count: below_pct_of_median (default 50) and runs (default 7). */
static int parse_low_count(const struct wv_json *node, const char *origin, struct qual_check *out,
                           struct wv_error *err)
{
    const struct wv_json *pct = wv_json_get(node, "below_pct_of_median");
    out->below_pct = 50;
    if (pct && (pct->type != WV_JSON_NUMBER || wv_json_as_double(pct, &out->below_pct) < 0 ||
                !(out->below_pct > 0 && out->below_pct <= 100)))
        return at(err, origin, pct, "low_count 'below_pct_of_median' must be a number in (0, 100]");
    const struct wv_json *runs = wv_json_get(node, "runs");
    int64_t n = 7;
    if (runs && (wv_json_as_i64(runs, &n) < 0 || n < 4 || n > 1000))
        return at(err, origin, runs, "low_count 'runs' must be an integer from 4 to 1000");
    out->runs = (int)n;
    return 0;
}

/* unique: columns, a non-empty list of column names. */
static int parse_unique(const struct wv_json *node, const char *origin, struct qual_check *out,
                        struct wv_error *err)
{
    const struct wv_json *cols = wv_json_get(node, "columns");
    if (!cols)
        return at(err, origin, node, "unique needs 'columns' (a list of column names)");
    if (cols->type != WV_JSON_ARRAY || cols->len == 0)
        return at(err, origin, cols, "unique 'columns' must be a non-empty list of column names");
    for (size_t i = 0; i < cols->len; i++)
        if (cols->items[i]->type != WV_JSON_STRING || !*cols->items[i]->s)
            return at(err, origin, cols->items[i], "unique 'columns' entries must be column names");
    out->columns = wv_calloc(cols->len, sizeof *out->columns);
    for (size_t i = 0; i < cols->len; i++)
        out->columns[out->n_columns++] = wv_strdup(cols->items[i]->s);
    return 0;
}

/* accepted_values: values, a non-empty list of scalars. */
static int parse_accepted(const struct wv_json *node, const char *origin, struct qual_check *out,
                          struct wv_error *err)
{
    const struct wv_json *vals = wv_json_get(node, "values");
    if (!vals)
        return at(err, origin, node, "accepted_values needs 'values' (a list of values)");
    if (vals->type != WV_JSON_ARRAY || vals->len == 0)
        return at(err, origin, vals, "accepted_values 'values' must be a non-empty list");
    for (size_t i = 0; i < vals->len; i++)
        if (vals->items[i]->type == WV_JSON_ARRAY || vals->items[i]->type == WV_JSON_OBJECT)
            return at(err, origin, vals->items[i],
                      "accepted_values 'values' entries must be scalars (string, number, bool, "
                      "null)");
    out->values = wv_json_dup(vals);
    return 0;
}

/* schema_drift: allow, a list of new, missing, type_changed. */
static int parse_allow(const struct wv_json *node, const char *origin, struct qual_check *out,
                       struct wv_error *err)
{
    const struct wv_json *allow = wv_json_get(node, "allow");
    if (!allow)
        return 0;
    static const char bad[] = "schema_drift 'allow' must be a list of new, missing, type_changed";
    if (allow->type != WV_JSON_ARRAY)
        return at(err, origin, allow, bad);
    for (size_t i = 0; i < allow->len; i++) {
        const struct wv_json *a = allow->items[i];
        if (a->type == WV_JSON_STRING && strcmp(a->s, "new") == 0)
            out->allow |= QUAL_DRIFT_NEW;
        else if (a->type == WV_JSON_STRING && strcmp(a->s, "missing") == 0)
            out->allow |= QUAL_DRIFT_MISSING;
        else if (a->type == WV_JSON_STRING && strcmp(a->s, "type_changed") == 0)
            out->allow |= QUAL_DRIFT_TYPE;
        else
            return at(err, origin, a, bad);
    }
    return 0;
}

/* The kind-specific members. */
static int parse_kind(const struct wv_json *node, const char *origin, struct qual_check *out,
                      struct wv_error *err)
{
    const char *col = out->column;
    switch (out->kind) {
    case QUAL_CHECK_ROW_COUNT:
        if (!out->has_min && !out->has_max)
            return at(err, origin, node, "row_count needs min or max");
        return 0;
    case QUAL_CHECK_NULL_RATIO:
        if (!col || !*col)
            return at(err, origin, node, "null_ratio needs 'column'");
        if (!out->has_max || out->max > 1)
            return at(err, origin, node, "null_ratio needs 'max' between 0 and 1");
        return 0;
    case QUAL_CHECK_FRESHNESS:
    {
        const struct wv_json *age = wv_json_get(node, "max_age");
        if (!age || age->type != WV_JSON_STRING ||
            (out->max_age_ms = parse_duration(age->s)) < 0)
            return at(err, origin, age ? age : node, "freshness needs 'max_age' like 26h, 30m, 7d");
        if (col && !*col)
            return at(err, origin, wv_json_get(node, "column"),
                      "freshness 'column' must be a column name");
        return 0;
    }
    case QUAL_CHECK_NO_RECORDS:
    case QUAL_CHECK_SCHEMA_DRIFT:
        return out->kind == QUAL_CHECK_SCHEMA_DRIFT ? parse_allow(node, origin, out, err) : 0;
    case QUAL_CHECK_LOW_COUNT:
        return parse_low_count(node, origin, out, err);
    case QUAL_CHECK_UNIQUE:
        return parse_unique(node, origin, out, err);
    case QUAL_CHECK_ACCEPTED_VALUES:
        if (!col || !*col)
            return at(err, origin, node, "accepted_values needs 'column'");
        return parse_accepted(node, origin, out, err);
    case QUAL_CHECK_FAILED_REQUESTS:
        if (!out->has_max || out->max > 1)
            return at(err, origin, node, "failed_requests needs 'max' between 0 and 1");
        return 0;
    }
    return 0;
}

/* Parses one check. */
int qual_check_parse(const struct wv_json *node, const char *origin, struct qual_check *out,
                     struct wv_error *err)
{
    memset(out, 0, sizeof *out);
    out->error = true;
    if (!node || node->type != WV_JSON_OBJECT)
        return at(err, origin, node, "a check must be a mapping");
    if (check_keys(node, origin, err) < 0)
        return -1;
    const char *stream = wv_json_get_str(node, "stream");
    const char *kind = wv_json_get_str(node, "check");
    if (!stream || !*stream)
        return at(err, origin, node, "a check needs 'stream' (a stream name)");
    static const char kinds[] = "(row_count, null_ratio, freshness, no_records, low_count, "
                                "unique, accepted_values, schema_drift, failed_requests)";
    char msg[200];
    if (!kind) {
        snprintf(msg, sizeof msg, "a check needs 'check' %s", kinds);
        return at(err, origin, node, msg);
    }
    size_t k = 0;
    while (k < N_KINDS && strcmp(kind_names[k], kind) != 0)
        k++;
    if (k == N_KINDS) {
        snprintf(msg, sizeof msg, "unknown check %s", kinds);
        return at(err, origin, wv_json_get(node, "check"), msg);
    }
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
    const struct wv_json *colj = wv_json_get(node, "column");
    if (colj && colj->type != WV_JSON_STRING)
        return at(err, origin, colj, "'column' must be a column name");
    out->column = colj ? wv_strdup(colj->s) : NULL;
    if (parse_kind(node, origin, out, err) < 0) {
        qual_check_done(out);
        return -1;
    }
    out->stream = wv_strdup(stream);
    return 0;
}

/* Frees what a check owns. */
void qual_check_done(struct qual_check *c)
{
    if (!c)
        return;
    free(c->stream);
    free(c->column);
    for (size_t i = 0; i < c->n_columns; i++)
        free(c->columns[i]);
    free(c->columns);
    wv_json_free(c->values);
    memset(c, 0, sizeof *c);
}
