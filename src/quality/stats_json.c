/* stats_json.c - statistics to and from JSON text (kept per job in SQLite, read back as the
 * history of low_count and for reports). Format, version 1 (members with nothing to say are
 * left out; unknown members are ignored so later v1 writers may add some):
 *   {"v":1,"streams":[{"ns":"sales","name":"users","rows":10,
 *     "fields":[{"name":"email","present":7,"nulls":3}],
 *     "cursor_min":<json>,"cursor_max":<json>,
 *     "column_max":[{"column":"updated_at","max":<json or null>}],
 *     "unique":[{"columns":["id"],"duplicates":2,"null_keys":1}],
 *     "accepted":[{"column":"status","values":["a","b"],"misses":3,
 *                  "examples":["\"c\"","null"]}]}]}
 * Examples are canonical JSON texts. The unique checks' hash sets are not kept: statistics read
 * back can be evaluated, not added to. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "base/yaml.h"
#include "quality/quality.h"
#include "quality/stats_int.h"

/* An array of strings. */
static struct wv_json *str_array(char *const *v, size_t n)
{
    struct wv_json *a = wv_json_array();
    for (size_t i = 0; i < n; i++)
        wv_json_push(a, wv_json_str(v[i]));
    return a;
}

/* One stream as JSON. */
static struct wv_json *slot_json(const struct qual_stream_slot *sl)
{
    struct wv_json *o = wv_json_object();
    if (sl->st.ns)
        wv_json_set(o, "ns", wv_json_str(sl->st.ns));
    wv_json_set(o, "name", wv_json_str(sl->st.name));
    wv_json_set(o, "rows", wv_json_int(sl->st.rows));
    struct wv_json *fields = wv_json_array();
    for (size_t i = 0; i < sl->st.n_fields; i++) {
        struct wv_json *f = wv_json_object();
        wv_json_set(f, "name", wv_json_str(sl->st.fields[i].name));
        wv_json_set(f, "present", wv_json_int(sl->st.fields[i].present));
        wv_json_set(f, "nulls", wv_json_int(sl->st.fields[i].nulls));
        wv_json_push(fields, f);
    }
    wv_json_set(o, "fields", fields);
    if (sl->st.cursor_min)
        wv_json_set(o, "cursor_min", wv_json_dup(sl->st.cursor_min));
    if (sl->st.cursor_max)
        wv_json_set(o, "cursor_max", wv_json_dup(sl->st.cursor_max));
    if (sl->n_colmax) {
        struct wv_json *a = wv_json_array();
        for (size_t i = 0; i < sl->n_colmax; i++) {
            struct wv_json *m = wv_json_object();
            wv_json_set(m, "column", wv_json_str(sl->colmax[i].column));
            wv_json_set(m, "max", sl->colmax[i].max ? wv_json_dup(sl->colmax[i].max)
                                                    : wv_json_null());
            wv_json_push(a, m);
        }
        wv_json_set(o, "column_max", a);
    }
    if (sl->n_uniq) {
        struct wv_json *a = wv_json_array();
        for (size_t i = 0; i < sl->n_uniq; i++) {
            const struct qual_uniq *u = &sl->uniq[i];
            struct wv_json *m = wv_json_object();
            wv_json_set(m, "columns", str_array(u->columns, u->n_columns));
            wv_json_set(m, "duplicates", wv_json_int(u->duplicates));
            wv_json_set(m, "null_keys", wv_json_int(u->null_keys));
            wv_json_push(a, m);
        }
        wv_json_set(o, "unique", a);
    }
    if (sl->n_accept) {
        struct wv_json *a = wv_json_array();
        for (size_t i = 0; i < sl->n_accept; i++) {
            const struct qual_accept *ac = &sl->accept[i];
            struct wv_json *m = wv_json_object();
            wv_json_set(m, "column", wv_json_str(ac->column));
            wv_json_set(m, "values", wv_json_dup(ac->values));
            wv_json_set(m, "misses", wv_json_int(ac->misses));
            wv_json_set(m, "examples", str_array(ac->examples, ac->n_examples));
            wv_json_push(a, m);
        }
        wv_json_set(o, "accepted", a);
    }
    return o;
}

/* Statistics to JSON text. */
char *qual_stats_to_json(const struct qual_stats *s)
{
    struct wv_json *root = wv_json_object();
    wv_json_set(root, "v", wv_json_int(1));
    struct wv_json *streams = wv_json_array();
    for (size_t i = 0; s && i < s->n; i++)
        wv_json_push(streams, slot_json(&s->streams[i]));
    wv_json_set(root, "streams", streams);
    char *text = wv_json_to_string(root);
    wv_json_free(root);
    return text;
}

/* Error at a node. */
static int bad(struct wv_error *err, const char *origin, const struct wv_json *node,
               const char *what)
{
    char where[PATH_MAX + 32];
    return wv_error_set(err, WV_E_PARSE, 0, "%s: statistics: %s",
                        wv_where(origin, node, where, sizeof where), what);
}

/* A member of a given type; required members missing are an error at the object. */
static int member(const struct wv_json *obj, const char *key, enum wv_json_type type,
                  bool required, const char *origin, const struct wv_json **out,
                  struct wv_error *err)
{
    char msg[96];
    *out = wv_json_get(obj, key);
    if (!*out && required) {
        snprintf(msg, sizeof msg, "missing '%s'", key);
        return bad(err, origin, obj, msg);
    }
    if (*out && (*out)->type != type) {
        snprintf(msg, sizeof msg, "'%s' must be %s %s", key,
                 type == WV_JSON_ARRAY || type == WV_JSON_OBJECT ? "an" : "a",
                 wv_json_type_name(type));
        return bad(err, origin, *out, msg);
    }
    return 0;
}

/* A required count member (integer >= 0). */
static int count(const struct wv_json *obj, const char *key, const char *origin, int64_t *out,
                 struct wv_error *err)
{
    const struct wv_json *v = wv_json_get(obj, key);
    char msg[96];
    if (!v) {
        snprintf(msg, sizeof msg, "missing '%s'", key);
        return bad(err, origin, obj, msg);
    }
    if (wv_json_as_i64(v, out) < 0 || *out < 0) {
        snprintf(msg, sizeof msg, "'%s' must be an integer >= 0", key);
        return bad(err, origin, v, msg);
    }
    return 0;
}

/* Every item of an array is an object / a string. */
static int items_of(const struct wv_json *arr, enum wv_json_type type, const char *what,
                    const char *origin, struct wv_error *err)
{
    for (size_t i = 0; arr && i < arr->len; i++)
        if (arr->items[i]->type != type)
            return bad(err, origin, arr->items[i], what);
    return 0;
}

/* Reads the tracked collectors of a stream. */
static int read_tracked(const struct wv_json *o, const char *origin, struct qual_stream_slot *sl,
                        struct wv_error *err)
{
    const struct wv_json *cm, *un, *ac, *v;
    if (member(o, "column_max", WV_JSON_ARRAY, false, origin, &cm, err) < 0 ||
        items_of(cm, WV_JSON_OBJECT, "column_max entries must be objects", origin, err) < 0 ||
        member(o, "unique", WV_JSON_ARRAY, false, origin, &un, err) < 0 ||
        items_of(un, WV_JSON_OBJECT, "unique entries must be objects", origin, err) < 0 ||
        member(o, "accepted", WV_JSON_ARRAY, false, origin, &ac, err) < 0 ||
        items_of(ac, WV_JSON_OBJECT, "accepted entries must be objects", origin, err) < 0)
        return -1;
    for (size_t i = 0; cm && i < cm->len; i++) {
        if (member(cm->items[i], "column", WV_JSON_STRING, true, origin, &v, err) < 0)
            return -1;
        struct qual_colmax *m = qual_slot_add_colmax(sl, v->s);
        const struct wv_json *mx = wv_json_get(cm->items[i], "max");
        m->max = mx && mx->type != WV_JSON_NULL ? wv_json_dup(mx) : NULL;
    }
    for (size_t i = 0; un && i < un->len; i++) {
        const struct wv_json *cols;
        int64_t d, nk;
        if (member(un->items[i], "columns", WV_JSON_ARRAY, true, origin, &cols, err) < 0 ||
            items_of(cols, WV_JSON_STRING, "'columns' entries must be strings", origin, err) < 0 ||
            count(un->items[i], "duplicates", origin, &d, err) < 0 ||
            count(un->items[i], "null_keys", origin, &nk, err) < 0)
            return -1;
        char **names = wv_calloc(cols->len ? cols->len : 1, sizeof *names);
        for (size_t k = 0; k < cols->len; k++)
            names[k] = cols->items[k]->s;
        struct qual_uniq *u = qual_slot_add_uniq(sl, names, cols->len);
        free(names);
        u->duplicates = d;
        u->null_keys = nk;
    }
    for (size_t i = 0; ac && i < ac->len; i++) {
        const struct wv_json *col, *vals, *ex;
        int64_t misses;
        if (member(ac->items[i], "column", WV_JSON_STRING, true, origin, &col, err) < 0 ||
            member(ac->items[i], "values", WV_JSON_ARRAY, true, origin, &vals, err) < 0 ||
            count(ac->items[i], "misses", origin, &misses, err) < 0 ||
            member(ac->items[i], "examples", WV_JSON_ARRAY, false, origin, &ex, err) < 0 ||
            items_of(ex, WV_JSON_STRING, "'examples' entries must be strings", origin, err) < 0)
            return -1;
        if (ex && ex->len > QUAL_MAX_EXAMPLES)
            return bad(err, origin, ex, "at most 5 'examples'");
        struct qual_accept *a = qual_slot_add_accept(sl, col->s, vals);
        a->misses = misses;
        for (size_t k = 0; ex && k < ex->len; k++)
            a->examples[a->n_examples++] = wv_strdup(ex->items[k]->s);
    }
    return 0;
}

/* Reads one stream. */
static int read_stream(struct qual_stats *s, const struct wv_json *o, const char *origin,
                       struct wv_error *err)
{
    const struct wv_json *ns, *name, *fields;
    int64_t rows;
    if (o->type != WV_JSON_OBJECT)
        return bad(err, origin, o, "a stream must be an object");
    if (member(o, "name", WV_JSON_STRING, true, origin, &name, err) < 0 ||
        member(o, "ns", WV_JSON_STRING, false, origin, &ns, err) < 0 ||
        count(o, "rows", origin, &rows, err) < 0 ||
        member(o, "fields", WV_JSON_ARRAY, false, origin, &fields, err) < 0 ||
        items_of(fields, WV_JSON_OBJECT, "fields entries must be objects", origin, err) < 0)
        return -1;
    if (qual_stats_find(s, ns ? ns->s : NULL, name->s))
        return bad(err, origin, name, "stream listed twice");
    struct qual_stream_slot *sl = qual_stats_slot(s, ns ? ns->s : NULL, name->s);
    sl->st.rows = rows;
    for (size_t i = 0; fields && i < fields->len; i++) {
        const struct wv_json *f = fields->items[i], *fname;
        int64_t present, nulls;
        if (member(f, "name", WV_JSON_STRING, true, origin, &fname, err) < 0 ||
            count(f, "present", origin, &present, err) < 0 ||
            count(f, "nulls", origin, &nulls, err) < 0)
            return -1;
        if (present > rows || nulls > rows)
            return bad(err, origin, f, "a field's counts exceed 'rows'");
        size_t k = qual_stats_field(sl, fname->s);
        sl->st.fields[k].present = present;
        sl->st.fields[k].nulls = nulls;
    }
    const struct wv_json *cmin = wv_json_get(o, "cursor_min"), *cmax = wv_json_get(o, "cursor_max");
    sl->st.cursor_min = cmin && cmin->type != WV_JSON_NULL ? wv_json_dup(cmin) : NULL;
    sl->st.cursor_max = cmax && cmax->type != WV_JSON_NULL ? wv_json_dup(cmax) : NULL;
    return read_tracked(o, origin, sl, err);
}

/* Statistics from JSON text. */
struct qual_stats *qual_stats_from_json(const char *text, size_t len, const char *origin,
                                        struct wv_error *err)
{
    struct wv_json *root = wv_json_parse(text, len, origin, err);
    if (!root)
        return NULL;
    struct qual_stats *s = qual_stats_new();
    const struct wv_json *v, *streams;
    int64_t ver;
    int rc = -1;
    if (root->type != WV_JSON_OBJECT)
        bad(err, origin, root, "expected an object {\"v\":1,\"streams\":[...]}");
    else if (!(v = wv_json_get(root, "v")))
        bad(err, origin, root, "missing 'v' (the format version)");
    else if (wv_json_as_i64(v, &ver) < 0 || ver != 1)
        bad(err, origin, v, "unsupported version (this weaver reads version 1)");
    else if (member(root, "streams", WV_JSON_ARRAY, true, origin, &streams, err) == 0) {
        rc = 0;
        for (size_t i = 0; rc == 0 && i < streams->len; i++)
            rc = read_stream(s, streams->items[i], origin, err);
    }
    wv_json_free(root);
    if (rc < 0) {
        qual_stats_free(s);
        return NULL;
    }
    return s;
}
