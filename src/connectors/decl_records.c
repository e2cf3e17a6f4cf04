/* decl_records.c - RecordSelector: DpathExtractor (field_path with "*" wildcards), RecordFilter
 * (condition), and the stream's transformations AddFields, RemoveFields, KeysToLower,
 * KeysToSnakeCase, KeysReplace, FlattenFields and DpathFlattenFields, applied in the CDK's
 * order (extract, filter, transform). Follows the CDK's extractors/ and transformations/.
 * Built on the opening thread; used by the reading thread. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "connectors/decl_int.h"

enum decl_tr_kind {
    DECL_TR_ADD,
    DECL_TR_REMOVE,
    DECL_TR_LOWER,
    DECL_TR_DPATH_FLATTEN, /* DpathFlattenFields */
    DECL_TR_FLATTEN,       /* FlattenFields */
    DECL_TR_KEYS_REPLACE,  /* KeysReplace */
    DECL_TR_SNAKE          /* KeysToSnakeCase */
};

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
    struct decl_val *fpath; /* DpathFlattenFields.field_path */
    size_t n_fpath;
    bool delete_origin, replace_record, flatten_lists;
    struct decl_val prefix, suffix; /* DpathFlattenFields.key_transformation */
    struct decl_val old, repl;      /* KeysReplace old -> new */
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

/* Builds a DpathFlattenFields transformation. */
static int decl_dpath_flatten_build(struct decl_transform *t, const struct wv_json *node,
                                    const char *origin, struct wv_error *err)
{
    t->kind = DECL_TR_DPATH_FLATTEN;
    const struct wv_json *fp = wv_json_get(node, "field_path");
    size_t n = fp && fp->type == WV_JSON_ARRAY ? fp->len : 0;
    t->fpath = wv_calloc(n + 1, sizeof *t->fpath);
    for (size_t i = 0; i < n; i++, t->n_fpath++)
        if (conn_decl_val_build(&t->fpath[i], fp->items[i], origin, err) < 0)
            return -1;
    const struct wv_json *kt = wv_json_get(node, "key_transformation");
    if (wv_json_get_bool(node, "delete_origin_value", false, &t->delete_origin) < 0 ||
        wv_json_get_bool(node, "replace_record", false, &t->replace_record) < 0) {
        char w[256];
        return wv_error_set(err, WV_E_CONFIG, 0,
                            "%s: delete_origin_value and replace_record must be booleans",
                            conn_decl_where(origin, node, w, sizeof w));
    }
    if (kt && (conn_decl_field(&t->prefix, kt, "prefix", origin, err) < 0 ||
               conn_decl_field(&t->suffix, kt, "suffix", origin, err) < 0))
        return -1;
    return 0;
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
    } else if (strcmp(type, "KeysToSnakeCase") == 0) {
        t->kind = DECL_TR_SNAKE;
    } else if (strcmp(type, "FlattenFields") == 0) {
        t->kind = DECL_TR_FLATTEN;
        if (wv_json_get_bool(node, "flatten_lists", true, &t->flatten_lists) < 0)
            t->flatten_lists = true;
    } else if (strcmp(type, "KeysReplace") == 0) {
        t->kind = DECL_TR_KEYS_REPLACE;
        if (conn_decl_field(&t->old, node, "old", origin, err) < 0 ||
            conn_decl_field(&t->repl, node, "new", origin, err) < 0)
            return -1;
    } else if (strcmp(type, "DpathFlattenFields") == 0) {
        if (decl_dpath_flatten_build(t, node, origin, err) < 0)
            return -1;
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
        for (size_t j = 0; j < t->n_fpath; j++)
            conn_decl_val_done(&t->fpath[j]);
        free(t->fpath);
        conn_decl_val_done(&t->prefix);
        conn_decl_val_done(&t->suffix);
        conn_decl_val_done(&t->old);
        conn_decl_val_done(&t->repl);
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
    } else if (got && got->type == WV_JSON_OBJECT && got->len) {
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

/* Gives the members of obj new keys (keys[i] for member i, borrowed), in order; a repeated
 * new key keeps its first position and its last value, as a Python dict update does. */
static void decl_rekey(struct wv_json *obj, char **keys)
{
    size_t n = obj->len;
    struct wv_json **vals = wv_calloc(n + 1, sizeof *vals);
    for (size_t i = 0; i < n; i++)
        vals[i] = wv_json_take(obj, obj->keys[0]);
    for (size_t i = 0; i < n; i++)
        wv_json_set(obj, keys[i], vals[i]);
    free(vals);
}

/* unidecode of U+00C0..U+00FF (Latin-1 letters); other non-ASCII text is a separator. */
static const char *const decl_latin1[64] = {
    "A", "A", "A", "A", "A", "A", "AE", "C", "E", "E", "E", "E", "I", "I", "I", "I",
    "D", "N", "O", "O", "O", "O", "O", "x", "O", "U", "U", "U", "U", "Y", "Th", "ss",
    "a", "a", "a", "a", "a", "a", "ae", "c", "e", "e", "e", "e", "i", "i", "i", "i",
    "d", "n", "o", "o", "o", "o", "o", "/", "o", "u", "u", "u", "u", "y", "th", "y"};

/* KeysToSnakeCase of one key (the CDK's normalize, tokenize, filter, join). Caller frees. */
static char *decl_snake_key(const char *key)
{
    struct wv_buf norm = WV_BUF_INIT, out = WV_BUF_INIT;
    for (const unsigned char *p = (const unsigned char *)key; *p; p++) {
        if (*p == 0xc3 && p[1] >= 0x80 && p[1] <= 0xbf) {
            const char *t = decl_latin1[p[1] - 0x80];
            wv_buf_append(&norm, t, strlen(t), NULL);
            p++;
        } else {
            wv_buf_append(&norm, *p < 0x80 ? (const char *)p : " ", 1, NULL);
        }
    }
    /* tokens: [A-Z]+[a-z]*, [a-z]+, [0-9]+, or a run of anything else (an empty token) */
    const char *s = norm.data ? norm.data : "";
    size_t len = norm.len, ntok = 0, cap = len + 2;
    size_t *start = wv_calloc(cap, sizeof *start), *tlen = wv_calloc(cap, sizeof *tlen);
    for (size_t i = 0; i < len;) {
        size_t b = i;
        if (isupper((unsigned char)s[i])) {
            while (i < len && isupper((unsigned char)s[i]))
                i++;
            while (i < len && islower((unsigned char)s[i]))
                i++;
        } else if (islower((unsigned char)s[i])) {
            while (i < len && islower((unsigned char)s[i]))
                i++;
        } else if (isdigit((unsigned char)s[i])) {
            while (i < len && isdigit((unsigned char)s[i]))
                i++;
        } else {
            while (i < len && !isalnum((unsigned char)s[i]))
                i++;
            b = i; /* NoToken: empty */
        }
        start[ntok] = b;
        tlen[ntok++] = i - b;
    }
    bool lead = ntok && isdigit((unsigned char)s[start[0]]) && tlen[0];
    bool first = true;
    if (lead)
        first = false; /* an empty token goes first: the key starts with "_" */
    for (size_t k = 0; k < ntok; k++) {
        bool middle = ntok >= 3 && k > 0 && k + 1 < ntok;
        if (middle && !tlen[k])
            continue;
        if (!first)
            wv_buf_append(&out, "_", 1, NULL);
        first = false;
        for (size_t c = 0; c < tlen[k]; c++) {
            char ch = (char)tolower((unsigned char)s[start[k] + c]);
            wv_buf_append(&out, &ch, 1, NULL);
        }
    }
    free(start);
    free(tlen);
    wv_buf_done(&norm);
    char *r = wv_buf_steal(&out, NULL);
    return r ? r : wv_strdup("");
}

/* KeysToSnakeCase on the top-level keys of rec. */
static void decl_keys_snake(struct wv_json *rec)
{
    char **keys = wv_calloc(rec->len + 1, sizeof *keys);
    for (size_t i = 0; i < rec->len; i++)
        keys[i] = decl_snake_key(rec->keys[i]);
    decl_rekey(rec, keys);
    wv_strv_free(keys);
}

/* s with every occurrence of old replaced by repl (Python str.replace). Caller frees. */
static char *decl_str_replace(const char *s, const char *old, const char *repl)
{
    size_t on = strlen(old), rn = strlen(repl);
    struct wv_buf b = WV_BUF_INIT;
    for (const char *p = s; *p;) {
        const char *hit = on ? strstr(p, old) : NULL;
        if (!hit) {
            wv_buf_append(&b, p, strlen(p), NULL);
            break;
        }
        wv_buf_append(&b, p, (size_t)(hit - p), NULL);
        wv_buf_append(&b, repl, rn, NULL);
        p = hit + on;
    }
    char *r = wv_buf_steal(&b, NULL);
    return r ? r : wv_strdup("");
}

/* KeysReplace on the keys of obj and of the objects nested in it (not inside arrays). */
static void decl_keys_rename(struct wv_json *obj, const char *old, const char *repl)
{
    char **keys = wv_calloc(obj->len + 1, sizeof *keys);
    for (size_t i = 0; i < obj->len; i++) {
        keys[i] = decl_str_replace(obj->keys[i], old, repl);
        if (obj->items[i]->type == WV_JSON_OBJECT)
            decl_keys_rename(obj->items[i], old, repl);
    }
    decl_rekey(obj, keys);
    wv_strv_free(keys);
}

/* FlattenFields: rec becomes one level of "a.b.0"-style keys, visited as the CDK does (a
 * stack, so the last member first; a key already taken, or any key once a list was seen, is
 * prefixed with its parent's). */
static void decl_flatten(struct wv_json *rec, bool lists)
{
    size_t cap = 64, n = 0;
    const struct wv_json **node = wv_calloc(cap, sizeof *node);
    char **key = wv_calloc(cap, sizeof *key);
    struct wv_json *out = wv_json_object();
    bool force = false;
    node[n] = rec;
    key[n++] = wv_strdup("_");
    while (n) {
        const struct wv_json *j = node[--n];
        char *pk = key[n];
        bool obj = j->type == WV_JSON_OBJECT, arr = lists && j->type == WV_JSON_ARRAY;
        if (!obj && !arr) {
            wv_json_set(out, pk, wv_json_dup(j));
            free(pk);
            continue;
        }
        if (n + j->len >= cap) {
            cap = (n + j->len) * 2;
            node = wv_realloc(node, cap * sizeof *node);
            key = wv_realloc(key, cap * sizeof *key);
        }
        for (size_t i = 0; i < j->len; i++) {
            force = force || arr;
            node[n] = j->items[i];
            if (arr)
                key[n++] = wv_asprintf("%s.%zu", pk, i);
            else if (force || wv_json_get(out, j->keys[i]))
                key[n++] = wv_asprintf("%s.%s", pk, j->keys[i]);
            else
                key[n++] = wv_strdup(j->keys[i]);
        }
        free(pk);
    }
    while (rec->len)
        wv_json_remove(rec, rec->keys[0]);
    while (out->len) {
        char *k = wv_strdup(out->keys[0]);
        wv_json_set(rec, k, wv_json_take(out, k));
        free(k);
    }
    wv_json_free(out);
    free(node);
    free(key);
}

/* KeysReplace: replaces old by new in the keys of rec and its nested objects. */
static int decl_keys_replace(const struct decl_transform *t, struct wv_json *rec,
                             const struct decl_vars *v, const struct decl_run *run,
                             struct wv_error *err)
{
    char *old = NULL, *repl = NULL;
    int rc = -1;
    if (conn_decl_val_text(&t->old, v, run, &old, err) == 0 &&
        conn_decl_val_text(&t->repl, v, run, &repl, err) == 0) {
        decl_keys_rename(rec, old, repl);
        rc = 0;
    }
    free(old);
    free(repl);
    return rc;
}

/* The first value matching a path with "*" wildcards (dpath.values(...)[0]), or NULL. */
static struct wv_json *decl_dpath_first(struct wv_json *j, char **segs)
{
    if (!j || !segs[0])
        return j;
    if (strcmp(segs[0], "*") != 0)
        return decl_dpath_first((struct wv_json *)decl_child(j, segs[0]), segs + 1);
    for (size_t k = 0; (j->type == WV_JSON_ARRAY || j->type == WV_JSON_OBJECT) && k < j->len;
         k++) {
        struct wv_json *got = decl_dpath_first(j->items[k], segs + 1);
        if (got)
            return got;
    }
    return NULL;
}

/* Renders the keys of a copy of the flattened object with the key_transformation. */
static int decl_flat_keys(const struct decl_transform *t, struct wv_json *flat,
                          const struct decl_vars *v, const struct decl_run *run,
                          struct wv_error *err)
{
    char *pre = NULL, *suf = NULL;
    int rc = conn_decl_val_text(&t->prefix, v, run, &pre, err);
    if (rc == 0)
        rc = conn_decl_val_text(&t->suffix, v, run, &suf, err);
    if (rc == 0 && ((pre && *pre) || (suf && *suf))) {
        char **keys = wv_calloc(flat->len + 1, sizeof *keys);
        for (size_t i = 0; i < flat->len; i++)
            keys[i] = wv_asprintf("%s%s%s", pre ? pre : "", flat->keys[i], suf ? suf : "");
        decl_rekey(flat, keys);
        wv_strv_free(keys);
    }
    free(pre);
    free(suf);
    return rc;
}

/* DpathFlattenFields: merges the object at field_path into the record (when no key clashes),
 * or replaces the record with it (replace_record). */
static int decl_dpath_flatten(const struct decl_transform *t, struct wv_json *rec,
                              const struct decl_vars *v, const struct decl_run *run,
                              struct wv_error *err)
{
    char **segs = wv_calloc(t->n_fpath + 1, sizeof *segs);
    int rc = 0;
    for (size_t i = 0; i < t->n_fpath && rc == 0; i++)
        rc = conn_decl_val_text(&t->fpath[i], v, run, &segs[i], err);
    struct wv_json *got = rc == 0 ? decl_dpath_first(rec, segs) : NULL;
    struct wv_json *flat = got && got->type == WV_JSON_OBJECT ? wv_json_dup(got) : NULL;
    if (flat)
        rc = decl_flat_keys(t, flat, v, run, err);
    bool clash = false;
    for (size_t i = 0; rc == 0 && flat && !t->replace_record && i < flat->len; i++)
        clash = clash || wv_json_get(rec, flat->keys[i]) != NULL;
    if (rc == 0 && flat && t->replace_record && flat->len) {
        while (rec->len)
            wv_json_remove(rec, rec->keys[0]);
    } else if (rc == 0 && flat && !clash && t->delete_origin && t->n_fpath) {
        decl_remove_path(rec, segs);
    }
    if (rc == 0 && flat && (t->replace_record ? flat->len > 0 : !clash))
        while (flat->len) {
            char *k = wv_strdup(flat->keys[0]);
            wv_json_set(rec, k, wv_json_take(flat, k));
            free(k);
        }
    wv_json_free(flat);
    wv_strv_free(segs);
    return rc;
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
    else if (t->kind == DECL_TR_SNAKE)
        decl_keys_snake(rec);
    else if (t->kind == DECL_TR_FLATTEN)
        decl_flatten(rec, t->flatten_lists);
    else if (t->kind == DECL_TR_KEYS_REPLACE)
        return decl_keys_replace(t, rec, &v, run, err);
    else if (t->kind == DECL_TR_DPATH_FLATTEN)
        return decl_dpath_flatten(t, rec, &v, run, err);
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
