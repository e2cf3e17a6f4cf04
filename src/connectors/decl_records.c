/* decl_records.c - RecordSelector: DpathExtractor (field_path with "*" wildcards), RecordFilter
 * (condition), and the stream's transformations AddFields, RemoveFields and KeysToLower, applied
 * in the CDK's order (extract, filter, transform). Follows the CDK's extractors/ and
 * transformations/. Built on the opening thread; used by the reading thread. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "connectors/decl_int.h"

enum decl_tr_kind { DECL_TR_ADD, DECL_TR_REMOVE, DECL_TR_LOWER };

struct decl_added {
    char **path; /* NULL-terminated */
    struct decl_val value;
};

struct decl_transform {
    enum decl_tr_kind kind;
    struct decl_added *adds; /* AddFields */
    size_t n_adds;
    char ***removes; /* RemoveFields: NULL-terminated paths */
    size_t n_removes;
    struct decl_val condition;
};

struct decl_selector {
    struct decl_val *path; /* DpathExtractor.field_path */
    size_t n_path;
    bool whole;             /* no extractor path: the body itself */
    struct decl_val filter; /* RecordFilter.condition */
    struct decl_transform *tr;
    size_t n_tr;
};

/* A NULL-terminated copy of a list of path strings. */
static char **decl_strv(const struct wv_json *list)
{
    size_t n = list && list->type == WV_JSON_ARRAY ? list->len : 0;
    char **v = wv_calloc(n + 1, sizeof *v);
    for (size_t i = 0; i < n; i++)
        v[i] = conn_decl_json_text(list->items[i]);
    return v;
}

/* Builds one transformation. */
static int decl_transform_build(struct decl_transform *t, const struct wv_json *node,
                                const char *origin, struct wv_error *err)
{
    const char *type = conn_decl_type(node);
    if (strcmp(type, "AddFields") == 0) {
        t->kind = DECL_TR_ADD;
        const struct wv_json *fs = wv_json_get(node, "fields");
        size_t n = fs && fs->type == WV_JSON_ARRAY ? fs->len : 0;
        t->adds = wv_calloc(n + 1, sizeof *t->adds);
        for (size_t i = 0; i < n; i++, t->n_adds++) {
            t->adds[i].path = decl_strv(wv_json_get(fs->items[i], "path"));
            if (conn_decl_field(&t->adds[i].value, fs->items[i], "value", origin, err) < 0)
                return -1;
        }
    } else if (strcmp(type, "RemoveFields") == 0) {
        t->kind = DECL_TR_REMOVE;
        const struct wv_json *fp = wv_json_get(node, "field_pointers");
        size_t n = fp && fp->type == WV_JSON_ARRAY ? fp->len : 0;
        t->removes = wv_calloc(n + 1, sizeof *t->removes);
        for (size_t i = 0; i < n; i++, t->n_removes++)
            t->removes[i] = decl_strv(fp->items[i]);
    } else if (strcmp(type, "KeysToLower") == 0) {
        t->kind = DECL_TR_LOWER;
    } else {
        return conn_decl_unsupported(origin, node, "transformation", err);
    }
    return conn_decl_field(&t->condition, node, "condition", origin, err);
}

/* Builds a RecordSelector plus the stream's transformations (may be NULL). */
struct decl_selector *conn_decl_selector_build(const struct wv_json *node,
                                               const struct wv_json *transformations,
                                               const char *origin, struct wv_error *err)
{
    struct decl_selector *s = wv_calloc(1, sizeof *s);
    const struct wv_json *ex = wv_json_get(node, "extractor");
    const struct wv_json *fp = wv_json_get(ex, "field_path");
    if (ex && *conn_decl_type(ex) && strcmp(conn_decl_type(ex), "DpathExtractor") != 0) {
        conn_decl_unsupported(origin, ex, "extractor", err);
        goto fail;
    }
    size_t n = fp && fp->type == WV_JSON_ARRAY ? fp->len : 0;
    s->path = wv_calloc(n + 1, sizeof *s->path);
    s->whole = n == 0;
    for (size_t i = 0; i < n; i++, s->n_path++)
        if (conn_decl_val_build(&s->path[i], fp->items[i], origin, err) < 0)
            goto fail;
    const struct wv_json *rf = wv_json_get(node, "record_filter");
    if (rf && conn_decl_field(&s->filter, rf, "condition", origin, err) < 0)
        goto fail;
    n = transformations && transformations->type == WV_JSON_ARRAY ? transformations->len : 0;
    s->tr = wv_calloc(n + 1, sizeof *s->tr);
    for (size_t i = 0; i < n; i++, s->n_tr++)
        if (decl_transform_build(&s->tr[i], transformations->items[i], origin, err) < 0) {
            s->n_tr++;
            goto fail;
        }
    return s;
fail:
    conn_decl_selector_free(s);
    return NULL;
}

/* Frees a selector. */
void conn_decl_selector_free(struct decl_selector *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->n_path; i++)
        conn_decl_val_done(&s->path[i]);
    free(s->path);
    conn_decl_val_done(&s->filter);
    for (size_t i = 0; i < s->n_tr; i++) {
        struct decl_transform *t = &s->tr[i];
        for (size_t j = 0; j < t->n_adds; j++) {
            wv_strv_free(t->adds[j].path);
            conn_decl_val_done(&t->adds[j].value);
        }
        for (size_t j = 0; j < t->n_removes; j++)
            wv_strv_free(t->removes[j]);
        free(t->adds);
        free(t->removes);
        conn_decl_val_done(&t->condition);
    }
    free(s->tr);
    free(s);
}

/* Child of a container by a path segment (object key or array index). */
static const struct wv_json *decl_child(const struct wv_json *j, const char *seg)
{
    if (j && j->type == WV_JSON_ARRAY) {
        int64_t i = -1;
        if (wv_parse_i64(seg, &i) < 0 || i < 0 || (size_t)i >= j->len)
            return NULL;
        return j->items[i];
    }
    return wv_json_get(j, seg);
}

/* Appends one extracted record to recs. A record inside an arena page body (see decl_decode)
 * is borrowed: it lives as long as the page, with no copy. When transformations will change it
 * (transform), it is first copied into the page's arena, so that the body stays as received:
 * the filter of later records and the paginator (response.data[-1]...) see the response as the
 * CDK does. Anything else (e.g. a whole-body record, the root that owns the page) is copied to
 * the heap, owned by recs. */
static void decl_take_record(struct wv_json *recs, struct wv_json *rec, bool transform)
{
    if (!wv_json_in_arena(rec))
        rec = wv_json_dup(rec);
    else if (transform)
        rec = wv_json_dup_in(wv_json_arena_of(rec), rec);
    wv_json_push(recs, rec);
}

/* Adds the objects matching segs[i..n) (with "*" wildcards) to recs. */
static void decl_dpath_records(struct wv_json *j, char **segs, size_t i, size_t n, bool transform,
                               struct wv_json *recs)
{
    if (!j)
        return;
    if (i == n) {
        if (j->type == WV_JSON_OBJECT)
            decl_take_record(recs, j, transform);
        return;
    }
    if (strcmp(segs[i], "*") == 0) {
        for (size_t k = 0; (j->type == WV_JSON_ARRAY || j->type == WV_JSON_OBJECT) && k < j->len;
             k++)
            decl_dpath_records(j->items[k], segs, i + 1, n, transform, recs);
        return;
    }
    struct wv_json *c = (struct wv_json *)decl_child(j, segs[i]);
    if (c)
        decl_dpath_records(c, segs, i + 1, n, transform, recs);
}

/* Extracts the raw records of a body into recs (array), as DpathExtractor does: a path with a
 * wildcard yields every matching object; otherwise the value at the path (the body itself
 * without a path) is a list of records or one record. */
static int decl_extract(const struct decl_selector *s, struct wv_json *body,
                        const struct decl_vars *vars, const struct decl_run *run,
                        struct wv_json *recs, struct wv_error *err)
{
    struct wv_json *got = body;
    if (!s->whole) {
        char **segs = wv_calloc(s->n_path + 1, sizeof *segs);
        bool wild = false;
        int rc = 0;
        for (size_t i = 0; i < s->n_path && rc == 0; i++) {
            rc = conn_decl_val_text(&s->path[i], vars, run, &segs[i], err);
            wild = wild || (segs[i] && strcmp(segs[i], "*") == 0);
        }
        if (rc == 0 && wild)
            decl_dpath_records(body, segs, 0, s->n_path, s->n_tr > 0, recs);
        for (size_t i = 0; rc == 0 && !wild && got && i < s->n_path; i++)
            got = (struct wv_json *)decl_child(got, segs[i]);
        wv_strv_free(segs);
        if (rc < 0 || wild)
            return rc;
    }
    if (got && got->type == WV_JSON_ARRAY) {
        for (size_t i = 0; i < got->len; i++)
            if (got->items[i]->type == WV_JSON_OBJECT)
                decl_take_record(recs, got->items[i], s->n_tr > 0);
    } else if (got && got->type == WV_JSON_OBJECT && (got->len || !s->whole)) {
        decl_take_record(recs, got, s->n_tr > 0);
    }
    return 0;
}

/* Removes the value at a path (with "*" wildcards). */
static void decl_remove_path(struct wv_json *j, char **segs)
{
    if (!j || !segs[0])
        return;
    bool last = !segs[1];
    if (strcmp(segs[0], "*") == 0) {
        if (last) {
            while (j->type == WV_JSON_OBJECT && j->len)
                wv_json_remove(j, j->keys[0]);
            return;
        }
        for (size_t k = 0; (j->type == WV_JSON_ARRAY || j->type == WV_JSON_OBJECT) && k < j->len;
             k++)
            decl_remove_path(j->items[k], segs + 1);
        return;
    }
    if (last) {
        if (j->type == WV_JSON_OBJECT)
            wv_json_remove(j, segs[0]);
        return;
    }
    decl_remove_path((struct wv_json *)decl_child(j, segs[0]), segs + 1);
}

/* Sets value (owned) at a nested path, creating objects. */
static void decl_put_path(struct wv_json *j, char **segs, struct wv_json *value)
{
    for (; segs[0] && segs[1]; segs++) {
        struct wv_json *c = wv_json_get(j, segs[0]);
        if (!c || c->type != WV_JSON_OBJECT) {
            c = wv_json_object();
            wv_json_set(j, segs[0], c);
        }
        j = c;
    }
    if (segs[0])
        wv_json_set(j, segs[0], value);
    else
        wv_json_free(value);
}

/* Lower-cases the keys of an object (top level). */
static void decl_keys_lower(struct wv_json *rec)
{
    for (size_t i = 0; i < rec->len; i++)
        for (char *k = rec->keys[i]; *k; k++)
            *k = (char)tolower((unsigned char)*k);
}

/* Applies one transformation to a record. */
static int decl_transform(const struct decl_transform *t, struct wv_json *rec,
                          const struct decl_vars *base, const struct decl_run *run,
                          struct wv_error *err)
{
    struct decl_vars v = *base;
    v.record = rec;
    bool ok = true;
    if (conn_decl_val_truthy(&t->condition, &v, run, true, &ok, err) < 0)
        return -1;
    if (!ok)
        return 0;
    if (t->kind == DECL_TR_LOWER)
        decl_keys_lower(rec);
    for (size_t i = 0; i < t->n_removes; i++)
        decl_remove_path(rec, t->removes[i]);
    for (size_t i = 0; i < t->n_adds; i++) {
        struct wv_json *val = NULL;
        if (conn_decl_val_eval(&t->adds[i].value, &v, run, NULL, &val, err) < 0)
            return -1;
        decl_put_path(rec, t->adds[i].path, val);
    }
    return 0;
}

/* Extracts, filters and transforms the records of a page into out. Records of an arena page
 * body are borrowed from it (valid while the page lives); others are owned copies. */
int conn_decl_selector_select(const struct decl_selector *s, const struct decl_page *page,
                              const struct decl_vars *vars, const struct decl_run *run,
                              struct wv_json *out, struct wv_error *err)
{
    if (page->ignored)
        return 0;
    size_t base = out->len, w = base;
    int rc = decl_extract(s, page->body, vars, run, out, err);
    /* filter and transform in place, compacting the kept records to the front */
    for (size_t i = base; i < out->len; i++) {
        struct wv_json *rec = out->items[i];
        bool keep = rc == 0;
        if (keep) {
            struct decl_vars v = *vars;
            v.record = rec;
            if ((rc = conn_decl_val_truthy(&s->filter, &v, run, true, &keep, err)) < 0)
                keep = false;
        }
        for (size_t k = 0; keep && k < s->n_tr; k++)
            if ((rc = decl_transform(&s->tr[k], rec, vars, run, err)) < 0)
                keep = false;
        if (keep)
            out->items[w++] = rec;
        else
            wv_json_free(rec); /* a no-op for a borrowed record */
    }
    out->len = w;
    return rc;
}
