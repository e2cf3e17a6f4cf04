/* cmd_dest_int.h - the Airbyte-destination commands (`weaver destination spec|check|write`,
 * cmd_dest.c), their config (cmd_dest_config.c) and the warehouse handoff commands
 * (`weaver export snowflake|dbt-sources`, cmd_export*.c). Private to the core module. */
#ifndef CMD_DEST_INT_H
#define CMD_DEST_INT_H

#include "core/cmd_int.h"

int core_cmd_destination_spec(const struct core_cmd_env *env, int argc, char **argv,
                              struct wv_error *err);
int core_cmd_destination_check(const struct core_cmd_env *env, int argc, char **argv,
                               struct wv_error *err);
int core_cmd_destination_write(const struct core_cmd_env *env, int argc, char **argv,
                               struct wv_error *err);
int core_cmd_export_snowflake(const struct core_cmd_env *env, int argc, char **argv,
                              struct wv_error *err);
int core_cmd_export_dbt(const struct core_cmd_env *env, int argc, char **argv,
                        struct wv_error *err);

/* A parsed destination config (destination-s3's fields plus weaver's destination_path and
 * flatten). Every string is owned. */
struct core_dest_config {
    char *dir;             /* destination_path made absolute; NULL for S3 */
    char *bucket, *prefix; /* S3: s3_bucket_name and s3_bucket_path without slashes at ends */
    char *endpoint, *region, *access_key_id, *secret_access_key;
    char *path_template;           /* weaver's template translated from s3_path_format +
                                      file_name_pattern; NULL = the zone default */
    struct stor_zone_options zone; /* codec, row group, page and dictionary sizes, flatten;
                                      zone.path_template points at path_template */
};

/* The connectionSpecification-bearing ConnectorSpecification object (caller frees). */
struct wv_json *core_dest_spec(void);

/* Validates and reads a config object (borrowed). origin names it in errors, which never
 * contain secret values. Caller frees with core_dest_config_done (also after a failure). */
int core_dest_config_parse(const struct wv_json *config, const char *origin,
                           struct core_dest_config *out, struct wv_error *err);
void core_dest_config_done(struct core_dest_config *c);

/* The storage target of a config (strings borrowed from c). */
void core_dest_config_target(const struct core_dest_config *c, struct stor_target *out);

/* Translates destination-s3's s3_path_format (${NAMESPACE} ${STREAM_NAME} ${YEAR} ${MONTH}
 * ${DAY} ${HOUR} ${EPOCH}) and file_name_pattern ({date} {date:FMT} {timestamp[:x]}
 * {part_number} {sync_id} {format_extension}) into a zone path template. Either may be NULL
 * or empty; both absent gives *out NULL (the zone default). Caller frees *out. */
int core_dest_template(const char *path_format, const char *file_name_pattern, char **out,
                       struct wv_error *err);

/* Replaces every occurrence of secret (if non-empty) in msg with "***". */
void core_dest_scrub(char *msg, size_t size, const char *secret);

/* ---- export (cmd_export.c, cmd_export_sql.c) ---- */

/* One stream of a raw zone as its newest run describes it (borrowed from the manifests). */
struct core_xstream {
    const struct stor_zone_manifest *m; /* the newest run that wrote it */
    const struct stor_zone_mstream *s;
    char *location; /* its directory relative to the zone root, "conn/users" (owned) */
    char *table;    /* the table name to give it (owned) */
};

/* A partition column parsed from the path: a "name={variable}" directory segment. */
struct core_xpart {
    char name[64];
    const char *sf_type;  /* Snowflake type: DATE, NUMBER(38,0) or VARCHAR */
    const char *variable; /* date, year, ... ("date" for {year}-{month}-{day} too) */
    char date_format[32]; /* DATE: Snowflake's format of the value, e.g. YYYY-MM-DD */
};

#define CORE_XPART_MAX 8

/* A destination's streams, read from its run manifests (_runs/ * /_manifest.json under the
 * zone root and under each connection's prefix that uses it). */
struct core_export {
    struct core_workspace *ws;        /* owned */
    const struct core_destination *d; /* borrowed from ws */
    struct stor_zone_manifest *ms;    /* every manifest read (owned) */
    size_t n_ms;
    struct core_xstream *streams; /* sorted by table name */
    size_t n;
};

/* Loads the workspace and the destination's manifests. name NULL: the workspace's
 * defaults.destination (an error naming the choices when there is none). Caller frees with
 * core_export_done (also after a failure). */
int core_export_load(const struct core_cmd_env *env, const char *name, struct core_export *x,
                     struct wv_error *err);
void core_export_done(struct core_export *x);

/* The partition columns of a path template (the "k={var}" directory segments after the stream's
 * prefix); returns how many (at most max). */
size_t core_export_partitions(const char *path_template, struct core_xpart *out, size_t max);

/* Snowflake's type for a Parquet column type. */
const char *core_export_sf_type(enum stor_pq_type t);

/* Snowflake expression of a partition column, into b. */
int core_export_part_expr(struct wv_buf *b, const struct core_xpart *p, struct wv_error *err);

/* Names of the stage and file format made for a destination ("RAW_STAGE", "RAW_PARQUET"),
 * into buf. */
const char *core_export_object(const char *dest, const char *suffix, char *buf, size_t size);

#endif
