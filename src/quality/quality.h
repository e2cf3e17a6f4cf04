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

/* ================= checks (check*.c) ================= */
/* Checks declared per stream (a connection's `checks:`, a flow's quality task, a suite file),
 * evaluated on the statistics of a run - never by rereading data - plus history and catalogs:
 *   {stream: users, check: row_count, min: 1, max: 1000000, severity: error}
 *   {stream: users, check: no_records}                       (fails when the stream is empty)
 *   {stream: users, check: low_count, below_pct_of_median: 50, runs: 7}
 *       (rows below X% of the median of the last `runs` successful runs; needs at least 4
 *        prior runs, else the verdict is "not enough history", which does not fail)
 *   {stream: users, check: null_ratio, column: email, max: 0.01}
 *   {stream: users, check: unique, columns: [id]}            (duplicates of the key in the run)
 *   {stream: users, check: accepted_values, column: status, values: [a, b]}
 *   {stream: users, check: freshness, column: updated_at, max_age: 26h}  (column: default the
 *        cursor; newest value vs now)
 *   {stream: users, check: schema_drift}  (new, missing, type-changed columns vs the previous
 *        successful run's catalog schema; optional `allow: [new]` lists changes that pass)
 *   {stream: users, check: failed_requests, max: 0.05}       (failed/total HTTP requests of the
 *        sync, from its own statistics; stream is still required but not used)
 * severity is error (blocks publishing) or warn (default: error). */

#define QUAL_CHECK_KINDS(X) X(ROW_COUNT, "row_count") X(NULL_RATIO, "null_ratio") \
    X(FRESHNESS, "freshness") X(NO_RECORDS, "no_records") X(LOW_COUNT, "low_count") \
    X(UNIQUE, "unique") X(ACCEPTED_VALUES, "accepted_values") X(SCHEMA_DRIFT, "schema_drift") \
    X(FAILED_REQUESTS, "failed_requests")

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
    double min, max;         /* row_count bounds; null_ratio / failed_requests max */
    char *column;            /* null_ratio, accepted_values, freshness: owned (NULL = cursor) */
    int64_t max_age_ms;      /* freshness */
    double below_pct;        /* low_count: below_pct_of_median */
    int runs;                /* low_count: history size (default 7) */
    char **columns;          /* unique: owned */
    size_t n_columns;
    struct wv_json *values;  /* accepted_values: owned array of scalars */
    unsigned allow;          /* schema_drift: QUAL_DRIFT_* bits that pass */
};

#define QUAL_DRIFT_NEW 1u
#define QUAL_DRIFT_MISSING 2u
#define QUAL_DRIFT_TYPE 4u

enum qual_verdict { QUAL_PASS, QUAL_WARN, QUAL_FAIL, QUAL_NO_HISTORY };

struct qual_result {
    enum qual_verdict verdict;
    double observed;         /* rows, ratio, duplicates, age in seconds...; NAN: not measured */
    char threshold[96];      /* "min 1", "max 0.01", ">= 50% of median 1200 (7 runs)" ... */
    char text[256];          /* "users row_count 0 < min 1" ... */
};

/* "row_count" ... / "pass", "warn", "fail", "not_enough_history" */
const char *qual_check_kind_name(enum qual_check_kind k);
const char *qual_verdict_name(enum qual_verdict v);

/* Parses one check mapping (borrowed); errors name origin:line:col. Caller frees with
 * qual_check_done. */
int qual_check_parse(const struct wv_json *node, const char *origin, struct qual_check *out,
                     struct wv_error *err);
void qual_check_done(struct qual_check *c);

/* Registers what checks need collected beyond the defaults (unique keys, accepted values,
 * a freshness column's max) on a collector, before records are added. checks borrowed for the
 * call. */
void qual_stats_track(struct qual_stats *s, const struct qual_check *checks, size_t n);

/* Everything a check may look at. */
struct qual_eval_ctx {
    const struct qual_stats *stats;               /* this run */
    int64_t now_ms;
    const struct qual_stats *const *history;      /* earlier successful runs, newest first */
    size_t n_history;
    const struct wv_json *schemas;                /* this run's {"stream": json schema} or NULL */
    const struct wv_json *prev_schemas;           /* the previous successful run's, or NULL */
    int64_t requests, failed_requests;            /* this run's HTTP requests */
};

/* Evaluates a check (a stream without records has 0 rows). */
void qual_check_eval_ctx(const struct qual_check *c, const struct qual_eval_ctx *ctx,
                         struct qual_result *out);
/* The same with only this run's statistics (history-based checks: not enough history). */
void qual_check_eval(const struct qual_check *c, const struct qual_stats *stats, int64_t now_ms,
                     struct qual_result *out);

/* Statistics to and from JSON text (kept per job in SQLite). *out caller frees. */
char *qual_stats_to_json(const struct qual_stats *s);
struct qual_stats *qual_stats_from_json(const char *text, size_t len, const char *origin,
                                        struct wv_error *err);

#endif
