/* quality.h - data-quality building blocks. Statistics are gathered while records are written
 * (ARCHITECTURE.md step 2) so checks never reread the data: per stream, row counts, null counts
 * per top-level field, and the min/max of the cursor. Checks, suites and gates build on these. */
#ifndef QUALITY_H
#define QUALITY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/error.h"
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

/* ================= checks (check.c) ================= */
/* Checks declared per stream (a connection's `checks:`, later flows and suites), evaluated on
 * the statistics of a run - never by rereading data:
 *   {stream: users, check: row_count, min: 1, max: 1000000, severity: error}
 *   {stream: users, check: null_ratio, column: email, max: 0.01, severity: warn}
 *   {stream: users, check: freshness, max_age: 26h, severity: warn}   (cursor max vs now)
 * severity is error (blocks publishing) or warn (default: error). */

#define QUAL_CHECK_KINDS(X) X(ROW_COUNT, "row_count") X(NULL_RATIO, "null_ratio") \
    X(FRESHNESS, "freshness")

enum qual_check_kind {
#define QUAL_X_CK(id, text) QUAL_CHECK_##id,
    QUAL_CHECK_KINDS(QUAL_X_CK)
#undef QUAL_X_CK
};

struct qual_check {
    char *stream;            /* owned */
    enum qual_check_kind kind;
    bool error;              /* severity error (else warn) */
    bool has_min, has_max;
    double min, max;         /* row_count bounds; null_ratio max */
    char *column;            /* null_ratio: owned */
    int64_t max_age_ms;      /* freshness */
};

enum qual_verdict { QUAL_PASS, QUAL_WARN, QUAL_FAIL };

struct qual_result {
    enum qual_verdict verdict;
    double observed;         /* rows, null ratio, or age in seconds (-1: nothing to measure) */
    char text[256];          /* "users row_count 0 < min 1" ... */
};

/* "row_count" ... */
const char *qual_check_kind_name(enum qual_check_kind k);

/* Parses one check mapping (borrowed); errors name origin:line:col. Caller frees with
 * qual_check_done. */
int qual_check_parse(const struct wv_json *node, const char *origin, struct qual_check *out,
                     struct wv_error *err);
void qual_check_done(struct qual_check *c);

/* Evaluates a check against a run's statistics (a stream without records has 0 rows). */
void qual_check_eval(const struct qual_check *c, const struct qual_stats *stats, int64_t now_ms,
                     struct qual_result *out);

#endif
