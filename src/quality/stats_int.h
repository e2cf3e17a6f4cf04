/* stats_int.h - the collector's private layout, shared by stats.c (collection), stats_json.c
 * (serialization) and check_eval.c (evaluation). Not for use outside src/quality. */
#ifndef QUALITY_STATS_INT_H
#define QUALITY_STATS_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "quality/quality.h"

#define QUAL_MAX_EXAMPLES 5 /* distinct offending values kept per accepted_values check */

/* Duplicates of a key (unique checks). The set holds a 64-bit FNV-1a hash of each key's
 * canonical JSON text (8 bytes per distinct key, at most half full: 8-16 bytes per row), so two
 * different keys collide with probability about n^2 / 2^65 - negligible for any real run (a
 * collision would count one false duplicate). */
struct qual_uniq {
    char **columns;   /* owned */
    size_t n_columns;
    uint64_t *set;    /* open addressing, 0 = empty; NULL for statistics read from JSON */
    size_t set_cap, set_n;
    int64_t duplicates; /* rows whose key was already seen */
    int64_t null_keys;  /* rows where a key column is missing or null */
};

/* Rows whose column value is not in an accepted list (accepted_values checks). */
struct qual_accept {
    char *column;            /* owned */
    struct wv_json *values;  /* owned array of scalars, as declared */
    char **texts;            /* owned canonical JSON text of each value */
    size_t n_texts;
    int64_t misses;
    char *examples[QUAL_MAX_EXAMPLES]; /* owned canonical texts of distinct offending values */
    size_t n_examples;
};

/* Newest value of a tracked column (freshness with a column). */
struct qual_colmax {
    char *column;         /* owned */
    struct wv_json *max;  /* owned; NULL until a non-null value is seen */
};

struct qual_stream_slot {
    struct qual_stream_stats st; /* first member: a stats pointer is a slot pointer */
    size_t *index;               /* open-addressing table: field index + 1, 0 = empty */
    size_t index_cap;
    struct qual_uniq *uniq;
    size_t n_uniq;
    struct qual_accept *accept;
    size_t n_accept;
    struct qual_colmax *colmax;
    size_t n_colmax;
};

/* What qual_stats_track registered: applied to a stream's slot when it is created. */
struct qual_track {
    char *stream;            /* owned */
    enum qual_check_kind kind; /* UNIQUE, ACCEPTED_VALUES or FRESHNESS */
    char **columns;          /* owned (unique) */
    size_t n_columns;
    char *column;            /* owned (accepted_values, freshness) */
    struct wv_json *values;  /* owned (accepted_values) */
};

struct qual_stats {
    struct qual_stream_slot *streams;
    size_t n, cap;
    struct qual_track *tracks;
    size_t n_tracks;
};

/* The slot of a stream, created when new (tracked collectors attached). Borrowed. */
struct qual_stream_slot *qual_stats_slot(struct qual_stats *s, const char *ns, const char *stream);
/* Index of a field of a slot, added (present = nulls = 0) when new. */
size_t qual_stats_field(struct qual_stream_slot *sl, const char *name);
/* Adds an empty collector to a slot (copies of the arguments); returns it. */
struct qual_uniq *qual_slot_add_uniq(struct qual_stream_slot *sl, char *const *columns, size_t n);
struct qual_accept *qual_slot_add_accept(struct qual_stream_slot *sl, const char *column,
                                         const struct wv_json *values);
struct qual_colmax *qual_slot_add_colmax(struct qual_stream_slot *sl, const char *column);

/* The stream a check names: the one without namespace, else the first of that name. NULL when
 * it had no record. */
const struct qual_stream_slot *qual_stats_slot_named(const struct qual_stats *s,
                                                     const char *stream);

/* Lookups of a slot's collectors; NULL when not tracked. */
const struct qual_uniq *qual_slot_uniq(const struct qual_stream_slot *sl, char *const *columns,
                                       size_t n);
const struct qual_accept *qual_slot_accept(const struct qual_stream_slot *sl, const char *column,
                                           const struct wv_json *values);
const struct qual_colmax *qual_slot_colmax(const struct qual_stream_slot *sl, const char *column);

/* A time value (RFC 3339 text, or a number of epoch seconds) as epoch ms; false otherwise. */
bool qual_time_of(const struct wv_json *v, int64_t *ms);

/* Canonical compact JSON text of a value into b (reset first). */
void qual_json_text(struct wv_buf *b, const struct wv_json *v);

#endif
