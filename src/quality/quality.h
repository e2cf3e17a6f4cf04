/* quality.h - data-quality building blocks. Statistics are gathered while records are written
 * (ARCHITECTURE.md step 2) so checks never reread the data: per stream, row counts, null counts
 * per top-level field, and the min/max of the cursor. Checks, suites and gates build on these. */
#ifndef QUALITY_H
#define QUALITY_H

#include <stddef.h>
#include <stdint.h>

#include "base/json.h"
#include "base/msg.h"

struct qual_field_stats {
    char *name;        /* top-level field */
    int64_t present;   /* records where the field exists and is not null */
    int64_t nulls;     /* records where it is null or missing */
};

struct qual_stream_stats {
    char *ns;          /* NULL when none */
    char *name;
    int64_t rows;
    struct qual_field_stats *fields; /* in order of first appearance */
    size_t n_fields;
    struct wv_json *cursor_min, *cursor_max; /* NULL until a non-null cursor value is seen */
};

struct qual_stats;

/* A new, empty collector. Caller frees with qual_stats_free. */
struct qual_stats *qual_stats_new(void);
void qual_stats_free(struct qual_stats *s);

/* Accounts one record (borrowed) of a stream; cursor may be NULL. */
void qual_stats_add(struct qual_stats *s, const char *ns, const char *stream,
                    const struct wv_json *record, const struct wv_path *cursor);

/* Streams seen so far, in order of first record; borrowed. */
size_t qual_stats_count(const struct qual_stats *s);
const struct qual_stream_stats *qual_stats_at(const struct qual_stats *s, size_t i);
/* One stream's statistics, or NULL if it had no record. */
const struct qual_stream_stats *qual_stats_find(const struct qual_stats *s, const char *ns,
                                                const char *stream);

#endif
