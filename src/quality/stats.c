/* stats.c - per-stream statistics gathered while records are written: rows, null counts per
 * top-level field, cursor min/max. Single-threaded: one collector per sync, owned by the thread
 * running it. Fields are matched by a small per-stream hash so a record costs one probe per
 * field. */
#include "quality/quality.h"

#include <stdlib.h>
#include <string.h>

#include "base/mem.h"

struct stream_slot {
    struct qual_stream_stats st;
    size_t *index;      /* open-addressing table: field index + 1, 0 = empty */
    size_t index_cap;
};

struct qual_stats {
    struct stream_slot *streams;
    size_t n, cap;
};

/* FNV-1a of a string. */
static size_t hash_str(const char *s)
{
    size_t h = 1469598103934665603ULL;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

/* New collector. */
struct qual_stats *qual_stats_new(void) { return wv_calloc(1, sizeof(struct qual_stats)); }

/* Frees a collector. */
void qual_stats_free(struct qual_stats *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->n; i++) {
        struct stream_slot *sl = &s->streams[i];
        for (size_t f = 0; f < sl->st.n_fields; f++)
            free(sl->st.fields[f].name);
        free(sl->st.fields);
        free(sl->st.ns);
        free(sl->st.name);
        wv_json_free(sl->st.cursor_min);
        wv_json_free(sl->st.cursor_max);
        free(sl->index);
    }
    free(s->streams);
    free(s);
}

/* Finds or adds a stream slot. */
static struct stream_slot *slot_for(struct qual_stats *s, const char *ns, const char *stream)
{
    for (size_t i = 0; i < s->n; i++)
        if (wv_str_eq(s->streams[i].st.name, stream) && wv_str_eq(s->streams[i].st.ns, ns))
            return &s->streams[i];
    if (s->n == s->cap) {
        s->cap = s->cap ? s->cap * 2 : 4;
        s->streams = wv_realloc(s->streams, s->cap * sizeof *s->streams);
    }
    struct stream_slot *sl = &s->streams[s->n++];
    memset(sl, 0, sizeof *sl);
    sl->st.ns = wv_strdup(ns);
    sl->st.name = wv_strdup(stream);
    return sl;
}

/* Rebuilds the field index at a new capacity. */
static void index_grow(struct stream_slot *sl)
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
static size_t field_for(struct stream_slot *sl, const char *name)
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

/* Updates cursor min/max. */
static void track_cursor(struct stream_slot *sl, const struct wv_json *v)
{
    if (!v || v->type == WV_JSON_NULL)
        return;
    if (!sl->st.cursor_min || wv_json_compare(v, sl->st.cursor_min) < 0) {
        wv_json_free(sl->st.cursor_min);
        sl->st.cursor_min = wv_json_dup(v);
    }
    if (!sl->st.cursor_max || wv_json_compare(v, sl->st.cursor_max) > 0) {
        wv_json_free(sl->st.cursor_max);
        sl->st.cursor_max = wv_json_dup(v);
    }
}

/* Accounts one record. */
void qual_stats_add(struct qual_stats *s, const char *ns, const char *stream,
                    const struct wv_json *record, const struct wv_path *cursor)
{
    struct stream_slot *sl = slot_for(s, ns, stream);
    int64_t row = ++sl->st.rows;
    if (record && record->type == WV_JSON_OBJECT) {
        for (size_t i = 0; i < record->len; i++) {
            size_t f = field_for(sl, record->keys[i]);
            if (record->items[i]->type != WV_JSON_NULL)
                sl->st.fields[f].present++;
        }
    }
    /* nulls = rows - present, kept exact for fields absent from this record too */
    for (size_t f = 0; f < sl->st.n_fields; f++)
        sl->st.fields[f].nulls = row - sl->st.fields[f].present;
    if (cursor && cursor->n)
        track_cursor(sl, wv_path_get(record, cursor));
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
