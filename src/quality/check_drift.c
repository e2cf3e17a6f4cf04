/* check_drift.c - the schema_drift check: compares the top-level properties of a stream's JSON
 * schema in this run's catalog with the previous successful run's: new columns, missing columns
 * and columns whose type changed (the "type" member with "null" dropped and the rest sorted,
 * plus "format"). Changes listed in the check's allow pass. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/mem.h"
#include "quality/check_int.h"
#include "quality/quality.h"

/* Ascending C strings for qsort. */
static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Normalized type of a property schema: "integer", "string(date-time)", "number|string",
 * "null" (only null) or "any" (no type). Caller frees. */
static char *norm_type(const struct wv_json *prop)
{
    const struct wv_json *t = wv_json_get(prop, "type");
    const char *names[16];
    size_t n = 0;
    bool had_null = false;
    if (t && t->type == WV_JSON_STRING) {
        had_null = strcmp(t->s, "null") == 0;
        if (!had_null)
            names[n++] = t->s;
    } else if (t && t->type == WV_JSON_ARRAY) {
        for (size_t i = 0; i < t->len && n < 16; i++) {
            const struct wv_json *e = t->items[i];
            if (e->type != WV_JSON_STRING)
                continue;
            if (strcmp(e->s, "null") == 0)
                had_null = true;
            else
                names[n++] = e->s;
        }
    }
    qsort(names, n, sizeof *names, cmp_str);
    struct wv_buf b = WV_BUF_INIT;
    for (size_t i = 0; i < n; i++)
        if (!i || strcmp(names[i], names[i - 1]) != 0)
            wv_buf_printf(&b, NULL, "%s%s", b.len ? "|" : "", names[i]);
    if (!n)
        wv_buf_puts(&b, had_null ? "null" : "any", NULL);
    const char *fmt = wv_json_get_str(prop, "format");
    if (fmt)
        wv_buf_printf(&b, NULL, "(%s)", fmt);
    return wv_buf_steal(&b, NULL);
}

/* Appends " label [items]" when items is not empty. */
static void put_group(struct wv_buf *out, const char *label, const struct wv_buf *items)
{
    if (items->len)
        wv_buf_printf(out, NULL, "%s%s [%s]", out->len ? "," : "", label, wv_buf_cstr(items));
}

/* Evaluates schema_drift. */
void qual_eval_schema_drift(const struct qual_check *c, const struct qual_eval_ctx *ctx,
                            struct qual_result *out)
{
    struct wv_buf allow = WV_BUF_INIT;
    if (c->allow & QUAL_DRIFT_NEW)
        wv_buf_puts(&allow, "new", NULL);
    if (c->allow & QUAL_DRIFT_MISSING)
        wv_buf_printf(&allow, NULL, "%smissing", allow.len ? ", " : "");
    if (c->allow & QUAL_DRIFT_TYPE)
        wv_buf_printf(&allow, NULL, "%stype_changed", allow.len ? ", " : "");
    if (allow.len)
        snprintf(out->threshold, sizeof out->threshold, "no changes except [%s]",
                 wv_buf_cstr(&allow));
    else
        snprintf(out->threshold, sizeof out->threshold, "no changes");
    wv_buf_done(&allow);
    const struct wv_json *cur = wv_json_get(ctx->schemas, c->stream);
    const struct wv_json *prev = wv_json_get(ctx->prev_schemas, c->stream);
    if (!cur || !prev) {
        out->verdict = QUAL_NO_HISTORY;
        out->observed = NAN;
        snprintf(out->text, sizeof out->text, "%s schema drift: no %s schema to compare",
                 c->stream, prev ? "current" : "previous");
        return;
    }
    const struct wv_json *cp = wv_json_get(cur, "properties");
    const struct wv_json *pp = wv_json_get(prev, "properties");
    struct wv_buf added = WV_BUF_INIT, missing = WV_BUF_INIT, changed = WV_BUF_INIT;
    size_t n_new = 0, n_missing = 0, n_changed = 0;
    for (size_t i = 0; cp && cp->type == WV_JSON_OBJECT && i < cp->len; i++) {
        const struct wv_json *old = pp && pp->type == WV_JSON_OBJECT ? wv_json_get(pp, cp->keys[i])
                                                                      : NULL;
        if (!old) {
            wv_buf_printf(&added, NULL, "%s%s", n_new++ ? ", " : "", cp->keys[i]);
            continue;
        }
        char *a = norm_type(old), *b = norm_type(cp->items[i]);
        if (strcmp(a, b) != 0)
            wv_buf_printf(&changed, NULL, "%s%s: %s -> %s", n_changed++ ? ", " : "", cp->keys[i],
                          a, b);
        free(a);
        free(b);
    }
    for (size_t i = 0; pp && pp->type == WV_JSON_OBJECT && i < pp->len; i++)
        if (!(cp && cp->type == WV_JSON_OBJECT && wv_json_get(cp, pp->keys[i])))
            wv_buf_printf(&missing, NULL, "%s%s", n_missing++ ? ", " : "", pp->keys[i]);
    bool ok = (!n_new || (c->allow & QUAL_DRIFT_NEW)) &&
              (!n_missing || (c->allow & QUAL_DRIFT_MISSING)) &&
              (!n_changed || (c->allow & QUAL_DRIFT_TYPE));
    out->observed = (double)(n_new + n_missing + n_changed);
    qual_verdict_set(c, ok, out);
    struct wv_buf t = WV_BUF_INIT;
    put_group(&t, " new", &added);
    put_group(&t, " missing", &missing);
    put_group(&t, " type changed", &changed);
    if (!t.len)
        wv_buf_puts(&t, " none", NULL);
    else if (ok)
        wv_buf_puts(&t, " (allowed)", NULL);
    int len = snprintf(out->text, sizeof out->text, "%s schema drift:%s", c->stream,
                       wv_buf_cstr(&t));
    if (len >= (int)sizeof out->text)
        memcpy(out->text + sizeof out->text - 4, "...", 4);
    wv_buf_done(&t);
    wv_buf_done(&added);
    wv_buf_done(&missing);
    wv_buf_done(&changed);
}
