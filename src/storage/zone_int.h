/* zone_int.h - private to src/storage: the Parquet raw zone writer's pieces shared by zone.c
 * (writer, parts, sealing), zone_path.c (path templates, partition values, a string set),
 * zone_flat.c (stream columns, flattening, rows) and zone_manifest.c (manifest text). */
#ifndef STOR_ZONE_INT_H
#define STOR_ZONE_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "storage/storage.h"
#include "storage/storage_int.h"

#define ZONE_DEFAULT_TEMPLATE "{namespace}/{stream}/dt={date}/{run_id}-{part}.parquet"
#define ZONE_HIVE_DEFAULT "__HIVE_DEFAULT_PARTITION__"
#define ZONE_EXTRA_COL "_airbyte_additional_properties"
#define ZONE_DATA_COL "_airbyte_data"
#define ZONE_N_META 4 /* _airbyte_raw_id, _airbyte_extracted_at, _airbyte_meta, generation */

/* ---- a set of strings mapping to indices (zone_path.c) ---- */

struct zone_set {
    char **keys; /* owned; NULL slots are empty */
    size_t *vals;
    size_t n, cap; /* cap is 0 or a power of two */
};

/* Index stored for key, or -1. */
int64_t stor_zone_int_set_find(const struct zone_set *s, const char *key);
/* Adds key (copied) -> val; an existing key gets the new val. */
void stor_zone_int_set_put(struct zone_set *s, const char *key, size_t val);
void stor_zone_int_set_done(struct zone_set *s);

/* ---- path templates (zone_path.c) ---- */

#define ZONE_VARS(X)                                                                               \
    X(NAMESPACE, "namespace", false)                                                               \
    X(STREAM, "stream", false)                                                                     \
    X(CONNECTION, "connection", false)                                                             \
    X(DATE, "date", true)                                                                          \
    X(YEAR, "year", true)                                                                          \
    X(MONTH, "month", true)                                                                        \
    X(DAY, "day", true)                                                                            \
    X(HOUR, "hour", true)                                                                          \
    X(RUN_ID, "run_id", true)                                                                      \
    X(SYNC_ID, "sync_id", true)                                                                    \
    X(PART, "part", true)                                                                          \
    X(EPOCH, "epoch", true)

/* Template variables; the third column says whether the value depends on the run. */
enum zone_var {
#define ZONE_X_VAR(id, text, run) ZV_##id,
    ZONE_VARS(ZONE_X_VAR)
#undef ZONE_X_VAR
        ZV__COUNT
};

/* One piece of a segment: literal text (var < 0) or a variable. */
struct zone_tok {
    int var;
    char *lit; /* owned when var < 0 */
};

/* One '/'-separated segment of a template. */
struct zone_seg {
    struct zone_tok *toks;
    size_t n;
    bool has_var; /* may render empty and then be dropped */
    bool run_dep; /* holds a run-dependent variable (the stream's prefix ends before it) */
};

struct zone_tmpl {
    char *text;
    struct zone_seg *segs;
    size_t n;
};

/* Parses a template; {part} must be in the last segment (the file name) so that a stream's
 * directory is known before the part number, and {run_id} or {sync_id} somewhere so that runs
 * never write the same path. Free with stor_zone_int_tmpl_done (also on error). */
int stor_zone_int_tmpl_parse(struct zone_tmpl *t, const char *text, struct wv_error *err);
void stor_zone_int_tmpl_done(struct zone_tmpl *t);

/* Renders segments [0, n_segs) (SIZE_MAX: all) with vals[ZV_*] (NULL = ""; vals[ZV_PART]
 * NULL renders the literal "{part}", which makes the partition's key); empty segments made of
 * variables are dropped. A value that puts a '/' in a segment, a segment "." or "..", or (when
 * rendering all) an empty file name fail. *out is caller-freed ("" possible for a prefix). */
int stor_zone_int_render(const struct zone_tmpl *t, const char *const *vals, size_t n_segs,
                         char **out, struct wv_error *err);

/* Index of the first run-dependent segment (the prefix ends before it). */
size_t stor_zone_int_prefix_segs(const struct zone_tmpl *t);

/* Partition values of one time. */
struct zone_when {
    char date[32], year[32], month[32], day[32], hour[32], epoch[32];
};

/* Fills w from ms since the epoch (UTC); out-of-range years give the Hive default. */
void stor_zone_int_when_ms(int64_t ms, struct zone_when *w);
/* From a cursor value: RFC 3339 date-time (any offset, converted to UTC) or date string, or a
 * number of epoch seconds; anything else (or NULL) gives __HIVE_DEFAULT_PARTITION__. */
void stor_zone_int_when_cursor(const struct wv_json *v, struct zone_when *w);

/* ---- stream columns and rows (zone_flat.c) ---- */

/* A record member mapped onto the columns: a leaf column, or (flattened) an object whose
 * members are mapped by kids. */
struct zone_node {
    char *key;
    int64_t col; /* leaf: column index; -1: flattened object */
    struct zone_node *kids;
    size_t n_kids;
    struct zone_set idx; /* key -> kid index */
};

/* A stream's columns and how records map onto them. */
struct zone_shape {
    struct stor_pq_column *cols; /* names owned */
    size_t n_cols;
    struct zone_node root;       /* members of the record */
    int64_t data_col;            /* _airbyte_data (schema without properties), else -1 */
    int64_t extra_col;           /* _airbyte_additional_properties, else -1 */
    const struct wv_json **vals; /* the row being built (n_cols, borrowed values) */
};

/* Columns for a stream: the meta columns, then the schema's properties (flattened when asked),
 * then _airbyte_additional_properties; or, for a schema without properties, the meta columns
 * and _airbyte_data. Data columns are all optional, so a record is never refused for a value.
 * Free with stor_zone_int_shape_done (also on error). */
int stor_zone_int_shape_build(struct zone_shape *sh, const struct wv_json *schema, bool flatten,
                              struct wv_error *err);
void stor_zone_int_shape_done(struct zone_shape *sh);

/* Fills sh->vals[ZONE_N_META..] from a record (borrowed; must be an object). Members that are
 * no column end up in *extra (a new object, caller frees; NULL when none); a flattened member
 * that is not an object (nor null) is listed in *nulled (a new array of its names joined with
 * '_', caller frees; NULL when none). */
void stor_zone_int_shape_fill(struct zone_shape *sh, const struct wv_json *rec,
                              struct wv_json **extra, struct wv_json **nulled);

/* ---- the writer (zone.c) ---- */

/* A file being written: one partition of a stream. */
struct zone_part {
    char *key;              /* the rel rendered with "{part}": the partition */
    char *rel, *stage_path; /* owned */
    struct stor_pq_writer *w;
    uint64_t used; /* last write tick (least recently used is closed first) */
};

#define ZONE_MAX_OPEN 16 /* open files per stream */

struct zone_stream {
    char *ns, *name, *label, *prefix;
    char *schema_text; /* the JSON schema (footer key-value metadata) */
    char *run_key;     /* the partition key of files partitioned by extraction time */
    enum wv_dest_mode mode;
    struct wv_path *pk;
    size_t n_pk;
    struct wv_path cursor;
    struct zone_shape shape;
    struct zone_part open[ZONE_MAX_OPEN];
    size_t n_open;
    struct zone_set dirs; /* directory -> next part number */
    int64_t records, sealed_bytes, sealed_files;
};

struct stor_zone {
    char *stage, *run_id, *connection, *extracted_iso;
    struct zone_tmpl tmpl;
    int64_t extracted_at_ms, generation_id, sync_id, file_bytes;
    bool by_cursor, flatten;
    struct stor_pq_options pq;
    struct zone_when run_when;
    char sync_text[32], gen_text[32];
    struct wv_json *meta; /* {"sync_id":N,"changes":[]} */
    struct stor_rawid ids;
    uint64_t tick;
    struct zone_stream **streams;
    size_t n;
    struct zone_set rels;          /* every rel of this run (names never repeat) */
    struct stor_zone_file *sealed; /* not yet taken */
    size_t n_sealed;
};

/* A declared stream (ns "" is NULL), or NULL. */
struct zone_stream *stor_zone_int_stream_find(const struct stor_zone *z, const char *ns,
                                              const char *name);

#endif
