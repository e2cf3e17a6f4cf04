/* stats.c - per-stream statistics gathered while records are written: rows, null counts per
 * top-level field, cursor min/max, plus what checks registered with qual_stats_track (key
 * duplicates, values outside an accepted list, a column's newest value). Single-threaded: one
 * collector per sync, owned by the thread running it. Fields are matched by a small per-stream
 * hash so a record costs one probe per field. */
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/clock.h"
#include "base/mem.h"
#include "quality/quality.h"
#include "quality/stats_int.h"

/* FNV-1a of n bytes, continuing from h. */
static uint64_t fnv(uint64_t h, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)s[i]) * 1099511628211ULL;
    return h;
}

/* FNV-1a of a string. */
static size_t hash_str(const char *s)
{
    return (size_t)fnv(1469598103934665603ULL, s, strlen(s));
}

/* New collector. */
struct qual_stats *qual_stats_new(void) { return wv_calloc(1, sizeof(struct qual_stats)); }

/* Frees n strings and the array. */
static void free_strs(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

/* Copies n strings. */
static char **dup_strs(char *const *v, size_t n)
{
    char **out = wv_calloc(n ? n : 1, sizeof *out);
    for (size_t i = 0; i < n; i++)
        out[i] = wv_strdup(v[i]);
    return out;
}

/* Whether two string lists are equal. */
static bool strs_eq(char *const *a, size_t na, char *const *b, size_t nb)
{
    if (na != nb)
        return false;
    for (size_t i = 0; i < na; i++)
        if (strcmp(a[i], b[i]) != 0)
            return false;
    return true;
}

/* Frees what a slot owns. */
static void slot_free(struct qual_stream_slot *sl)
{
    for (size_t f = 0; f < sl->st.n_fields; f++)
        free(sl->st.fields[f].name);
    free(sl->st.fields);
    free(sl->st.ns);
    free(sl->st.name);
    wv_json_free(sl->st.cursor_min);
    wv_json_free(sl->st.cursor_max);
    free(sl->index);
    for (size_t i = 0; i < sl->n_uniq; i++) {
        free_strs(sl->uniq[i].columns, sl->uniq[i].n_columns);
        free(sl->uniq[i].set);
    }
    free(sl->uniq);
    for (size_t i = 0; i < sl->n_accept; i++) {
        struct qual_accept *a = &sl->accept[i];
        free(a->column);
        wv_json_free(a->values);
        free_strs(a->texts, a->n_texts);
        for (size_t e = 0; e < a->n_examples; e++)
            free(a->examples[e]);
    }
    free(sl->accept);
    for (size_t i = 0; i < sl->n_colmax; i++) {
        free(sl->colmax[i].column);
        wv_json_free(sl->colmax[i].max);
    }
    free(sl->colmax);
}

/* Frees a collector. */
void qual_stats_free(struct qual_stats *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->n; i++)
        slot_free(&s->streams[i]);
    free(s->streams);
    for (size_t i = 0; i < s->n_tracks; i++) {
        struct qual_track *t = &s->tracks[i];
        free(t->stream);
        free_strs(t->columns, t->n_columns);
        free(t->column);
        wv_json_free(t->values);
    }
    free(s->tracks);
    free(s);
}

/* Canonical compact JSON text of a value. */
void qual_json_text(struct wv_buf *b, const struct wv_json *v)
{
    wv_buf_reset(b);
    if (!v || wv_json_write(b, v, NULL) < 0)
        wv_buf_puts(b, "null", NULL);
}

/* Adds an empty unique collector. */
struct qual_uniq *qual_slot_add_uniq(struct qual_stream_slot *sl, char *const *columns, size_t n)
{
    sl->uniq = wv_realloc(sl->uniq, (sl->n_uniq + 1) * sizeof *sl->uniq);
    struct qual_uniq *u = &sl->uniq[sl->n_uniq++];
    memset(u, 0, sizeof *u);
    u->columns = dup_strs(columns, n);
    u->n_columns = n;
    return u;
}

/* Adds an empty accepted-values collector. */
struct qual_accept *qual_slot_add_accept(struct qual_stream_slot *sl, const char *column,
                                         const struct wv_json *values)
{
    sl->accept = wv_realloc(sl->accept, (sl->n_accept + 1) * sizeof *sl->accept);
    struct qual_accept *a = &sl->accept[sl->n_accept++];
    memset(a, 0, sizeof *a);
    a->column = wv_strdup(column);
    a->values = values ? wv_json_dup(values) : wv_json_array();
    a->n_texts = a->values->len;
    a->texts = wv_calloc(a->n_texts ? a->n_texts : 1, sizeof *a->texts);
    struct wv_buf b = WV_BUF_INIT;
    for (size_t i = 0; i < a->n_texts; i++) {
        qual_json_text(&b, a->values->items[i]);
        a->texts[i] = wv_strdup(wv_buf_cstr(&b));
    }
    wv_buf_done(&b);
    return a;
}

/* Adds an empty column-max collector. */
struct qual_colmax *qual_slot_add_colmax(struct qual_stream_slot *sl, const char *column)
{
    sl->colmax = wv_realloc(sl->colmax, (sl->n_colmax + 1) * sizeof *sl->colmax);
    struct qual_colmax *m = &sl->colmax[sl->n_colmax++];
    m->column = wv_strdup(column);
    m->max = NULL;
    return m;
}

/* Lookups. */
const struct qual_uniq *qual_slot_uniq(const struct qual_stream_slot *sl, char *const *columns,
                                       size_t n)
{
    for (size_t i = 0; sl && i < sl->n_uniq; i++)
        if (strs_eq(sl->uniq[i].columns, sl->uniq[i].n_columns, columns, n))
            return &sl->uniq[i];
    return NULL;
}

const struct qual_accept *qual_slot_accept(const struct qual_stream_slot *sl, const char *column,
                                           const struct wv_json *values)
{
    for (size_t i = 0; sl && i < sl->n_accept; i++)
        if (strcmp(sl->accept[i].column, column) == 0 &&
            wv_json_equal(sl->accept[i].values, values))
            return &sl->accept[i];
    return NULL;
}

const struct qual_colmax *qual_slot_colmax(const struct qual_stream_slot *sl, const char *column)
{
    for (size_t i = 0; sl && i < sl->n_colmax; i++)
        if (strcmp(sl->colmax[i].column, column) == 0)
            return &sl->colmax[i];
    return NULL;
}

/* Attaches a registered collector to a slot unless it already has it. */
static void apply_track(struct qual_stream_slot *sl, const struct qual_track *t)
{
    if (t->kind == QUAL_CHECK_UNIQUE && !qual_slot_uniq(sl, t->columns, t->n_columns))
        qual_slot_add_uniq(sl, t->columns, t->n_columns);
    else if (t->kind == QUAL_CHECK_ACCEPTED_VALUES && !qual_slot_accept(sl, t->column, t->values))
        qual_slot_add_accept(sl, t->column, t->values);
    else if (t->kind == QUAL_CHECK_FRESHNESS && !qual_slot_colmax(sl, t->column))
        qual_slot_add_colmax(sl, t->column);
}

/* Registers what checks need collected. */
void qual_stats_track(struct qual_stats *s, const struct qual_check *checks, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const struct qual_check *c = &checks[i];
        bool want = (c->kind == QUAL_CHECK_UNIQUE && c->n_columns) ||
                    (c->kind == QUAL_CHECK_ACCEPTED_VALUES && c->column && c->values) ||
                    (c->kind == QUAL_CHECK_FRESHNESS && c->column);
        if (!want || !c->stream)
            continue;
        s->tracks = wv_realloc(s->tracks, (s->n_tracks + 1) * sizeof *s->tracks);
        struct qual_track *t = &s->tracks[s->n_tracks++];
        memset(t, 0, sizeof *t);
        t->stream = wv_strdup(c->stream);
        t->kind = c->kind;
        if (c->kind == QUAL_CHECK_UNIQUE) {
            t->columns = dup_strs(c->columns, c->n_columns);
            t->n_columns = c->n_columns;
        } else {
            t->column = wv_strdup(c->column);
            t->values = c->values ? wv_json_dup(c->values) : NULL;
        }
        for (size_t k = 0; k < s->n; k++)
            if (strcmp(s->streams[k].st.name, t->stream) == 0)
                apply_track(&s->streams[k], t);
    }
}

/* Finds or adds a stream slot. */
struct qual_stream_slot *qual_stats_slot(struct qual_stats *s, const char *ns, const char *stream)
{
    for (size_t i = 0; i < s->n; i++)
        if (wv_str_eq(s->streams[i].st.name, stream) && wv_str_eq(s->streams[i].st.ns, ns))
            return &s->streams[i];
    if (s->n == s->cap) {
        s->cap = s->cap ? s->cap * 2 : 4;
        s->streams = wv_realloc(s->streams, s->cap * sizeof *s->streams);
    }
    struct qual_stream_slot *sl = &s->streams[s->n++];
    memset(sl, 0, sizeof *sl);
    sl->st.ns = ns ? wv_strdup(ns) : NULL;
    sl->st.name = wv_strdup(stream);
    for (size_t i = 0; i < s->n_tracks; i++)
        if (strcmp(s->tracks[i].stream, stream) == 0)
            apply_track(sl, &s->tracks[i]);
    return sl;
}

/* Rebuilds the field index at a new capacity. */
static void index_grow(struct qual_stream_slot *sl)
{
    size_t cap = sl->index_cap ? sl->index_cap * 2 : 32;
    free(sl->index);
    sl->index = wv_calloc(cap, sizeof *sl->index);
    sl->index_cap = cap;
    for (size_t f = 0; f < sl->st.n_fields; f++) {
        size_t h = hash_str(sl->st.fields[f].name) & (cap - 1);
        while (sl->index[h])
            h = (h + 1) & (cap - 1);
        sl->index[h] = f + 1;
    }
}

/* Index of a field, adding it if new. */
size_t qual_stats_field(struct qual_stream_slot *sl, const char *name)
{
    if ((sl->st.n_fields + 1) * 2 > sl->index_cap)
        index_grow(sl);
    size_t h = hash_str(name) & (sl->index_cap - 1);
    while (sl->index[h]) {
        size_t f = sl->index[h] - 1;
        if (strcmp(sl->st.fields[f].name, name) == 0)
            return f;
        h = (h + 1) & (sl->index_cap - 1);
    }
    size_t f = sl->st.n_fields++;
    sl->st.fields = wv_realloc(sl->st.fields, sl->st.n_fields * sizeof *sl->st.fields);
    sl->st.fields[f] = (struct qual_field_stats){wv_strdup(name), 0, 0};
    sl->index[h] = f + 1;
    return f;
}

/* Replaces *min / *max by v when v is beyond them. */
static void track_minmax(struct wv_json **min, struct wv_json **max, const struct wv_json *v)
{
    if (!v || v->type == WV_JSON_NULL)
        return;
    if (!*min || wv_json_compare(v, *min) < 0) {
        wv_json_free(*min);
        *min = wv_json_dup(v);
    }
    if (!*max || wv_json_compare(v, *max) > 0) {
        wv_json_free(*max);
        *max = wv_json_dup(v);
    }
}

/* A time value (RFC 3339 text or epoch seconds) as epoch ms. */
bool qual_time_of(const struct wv_json *v, int64_t *ms)
{
    if (v && v->type == WV_JSON_STRING)
        return wv_time_parse(v->s, ms) == 0;
    double d;
    if (v && v->type == WV_JSON_NUMBER && wv_json_as_double(v, &d) == 0 && d > -9e12 && d < 9e12) {
        *ms = (int64_t)(d * 1000.0);
        return true;
    }
    return false;
}

/* Keeps the newest value of a tracked column: by time when values are times (so offsets and
 * fractions compare right), else in JSON order; a time beats a value that is not one. */
static void track_colmax(struct qual_colmax *m, const struct wv_json *v)
{
    if (!v || v->type == WV_JSON_NULL)
        return;
    int64_t tv, tm;
    bool v_time = qual_time_of(v, &tv);
    bool newer;
    if (!m->max)
        newer = true;
    else if (qual_time_of(m->max, &tm))
        newer = v_time && tv > tm;
    else
        newer = v_time || wv_json_compare(v, m->max) > 0;
    if (newer) {
        wv_json_free(m->max);
        m->max = wv_json_dup(v);
    }
}

/* Inserts a hash into a unique set; returns whether it was already there. */
static bool uniq_insert(struct qual_uniq *u, uint64_t h)
{
    if (!h)
        h = 1;
    if ((u->set_n + 1) * 2 > u->set_cap) {
        size_t cap = u->set_cap ? u->set_cap * 2 : 64;
        uint64_t *set = wv_calloc(cap, sizeof *set);
        for (size_t i = 0; i < u->set_cap; i++) {
            if (!u->set[i])
                continue;
            size_t p = (size_t)u->set[i] & (cap - 1);
            while (set[p])
                p = (p + 1) & (cap - 1);
            set[p] = u->set[i];
        }
        free(u->set);
        u->set = set;
        u->set_cap = cap;
    }
    size_t p = (size_t)h & (u->set_cap - 1);
    while (u->set[p]) {
        if (u->set[p] == h)
            return true;
        p = (p + 1) & (u->set_cap - 1);
    }
    u->set[p] = h;
    u->set_n++;
    return false;
}

/* Accounts a record's key. */
static void track_uniq(struct qual_uniq *u, const struct wv_json *record, struct wv_buf *b)
{
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < u->n_columns; i++) {
        const struct wv_json *v = wv_json_get(record, u->columns[i]);
        if (!v || v->type == WV_JSON_NULL) {
            u->null_keys++;
            return;
        }
        qual_json_text(b, v);
        h = fnv(h, b->data, b->len + 1); /* the NUL separates the columns */
    }
    if (uniq_insert(u, h))
        u->duplicates++;
}

/* Accounts a record's value against an accepted list. */
static void track_accept(struct qual_accept *a, const struct wv_json *record, struct wv_buf *b)
{
    qual_json_text(b, wv_json_get(record, a->column)); /* missing: null */
    const char *t = wv_buf_cstr(b);
    for (size_t i = 0; i < a->n_texts; i++)
        if (strcmp(a->texts[i], t) == 0)
            return;
    a->misses++;
    for (size_t e = 0; e < a->n_examples; e++)
        if (strcmp(a->examples[e], t) == 0)
            return;
    if (a->n_examples < QUAL_MAX_EXAMPLES)
        a->examples[a->n_examples++] = wv_strndup(t, b->len > 64 ? 64 : b->len);
}

/* Accounts one record. */
void qual_stats_add(struct qual_stats *s, const char *ns, const char *stream,
                    const struct wv_json *record, const struct wv_path *cursor)
{
    struct qual_stream_slot *sl = qual_stats_slot(s, ns, stream);
    int64_t row = ++sl->st.rows;
    bool obj = record && record->type == WV_JSON_OBJECT;
    if (obj) {
        for (size_t i = 0; i < record->len; i++) {
            size_t f = qual_stats_field(sl, record->keys[i]);
            if (record->items[i]->type != WV_JSON_NULL)
                sl->st.fields[f].present++;
        }
    }
    /* nulls = rows - present, kept exact for fields absent from this record too */
    for (size_t f = 0; f < sl->st.n_fields; f++)
        sl->st.fields[f].nulls = row - sl->st.fields[f].present;
    if (cursor && cursor->n)
        track_minmax(&sl->st.cursor_min, &sl->st.cursor_max, wv_path_get(record, cursor));
    if (!sl->n_uniq && !sl->n_accept && !sl->n_colmax)
        return;
    const struct wv_json *r = obj ? record : NULL;
    struct wv_buf b = WV_BUF_INIT;
    for (size_t i = 0; i < sl->n_uniq; i++)
        track_uniq(&sl->uniq[i], r, &b);
    for (size_t i = 0; i < sl->n_accept; i++)
        track_accept(&sl->accept[i], r, &b);
    for (size_t i = 0; i < sl->n_colmax; i++)
        track_colmax(&sl->colmax[i], wv_json_get(r, sl->colmax[i].column));
    wv_buf_done(&b);
}

/* Number of streams. */
size_t qual_stats_count(const struct qual_stats *s) { return s->n; }

/* Stream i. */
const struct qual_stream_stats *qual_stats_at(const struct qual_stats *s, size_t i)
{
    return i < s->n ? &s->streams[i].st : NULL;
}

/* Stream by name. */
const struct qual_stream_stats *qual_stats_find(const struct qual_stats *s, const char *ns,
                                                const char *stream)
{
    for (size_t i = 0; i < s->n; i++)
        if (wv_str_eq(s->streams[i].st.name, stream) && wv_str_eq(s->streams[i].st.ns, ns))
            return &s->streams[i].st;
    return NULL;
}

/* The stream a check names. */
const struct qual_stream_slot *qual_stats_slot_named(const struct qual_stats *s,
                                                     const char *stream)
{
    if (!s)
        return NULL;
    const struct qual_stream_stats *st = qual_stats_find(s, NULL, stream);
    for (size_t i = 0; !st && i < s->n; i++)
        if (strcmp(s->streams[i].st.name, stream) == 0)
            st = &s->streams[i].st;
    return (const struct qual_stream_slot *)st;
}
