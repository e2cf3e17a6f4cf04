/* cmd_export.c - the warehouse handoff: reads a workspace destination's run manifests
 * (_runs/<run>/_manifest.json at the zone root and under each connection's prefix; a local
 * directory listing, or ListObjectsV2 + GET on S3), keeps for each stream the newest run (by
 * extracted_at, then run id) for its columns, and prints a dbt sources.yml (version 2, with
 * dbt-external-tables `external:` blocks) for it - `weaver export dbt-sources`. The Snowflake
 * DDL is in cmd_export_sql.c. Caller's thread. */
#include <stdlib.h>
#include <string.h>

#include "base/fs.h"
#include "base/mem.h"
#include "base/yaml.h"
#include "core/cmd_dest_int.h"

#define MANIFEST_MAX ((size_t)64 << 20)

/* Frees what an export holds. */
void core_export_done(struct core_export *x)
{
    for (size_t i = 0; i < x->n; i++) {
        free(x->streams[i].location);
        free(x->streams[i].table);
    }
    free(x->streams);
    for (size_t i = 0; i < x->n_ms; i++)
        stor_zone_manifest_done(&x->ms[i]);
    free(x->ms);
    core_workspace_free(x->ws);
    memset(x, 0, sizeof *x);
}

/* Parses one manifest's text into x->ms, and remembers in (*bases)[i] the directory (under
 * the zone root) that holds its run: "" or a connection's prefix. */
static int add_manifest(struct core_export *x, char ***bases, const char *base, const char *text,
                        size_t len, const char *origin, struct wv_error *err)
{
    struct stor_zone_manifest m;
    memset(&m, 0, sizeof m);
    if (stor_zone_manifest_parse(text, len, origin, &m, err) < 0) {
        stor_zone_manifest_done(&m);
        return -1;
    }
    x->ms = wv_realloc(x->ms, (x->n_ms + 1) * sizeof *x->ms);
    *bases = wv_realloc(*bases, (x->n_ms + 1) * sizeof **bases);
    x->ms[x->n_ms] = m;
    (*bases)[x->n_ms++] = wv_strdup(base);
    return 0;
}

/* Reads the manifests of a local zone under root/base. */
static int read_local(struct core_export *x, char ***bases, const char *root, const char *base,
                      struct wv_error *err)
{
    char *dir = *base ? wv_asprintf("%s/%s/_runs", root, base) : wv_asprintf("%s/_runs", root);
    char **names = NULL;
    int rc = wv_fs_list(dir, &names, err);
    for (size_t i = 0; rc == 0 && names && names[i]; i++) {
        char *path = wv_asprintf("%s/%s/_manifest.json", dir, names[i]), *text = NULL;
        size_t len = 0;
        if (wv_fs_exists(path)) {
            rc = wv_fs_read_all(path, MANIFEST_MAX, &text, &len, err);
            if (rc == 0)
                rc = add_manifest(x, bases, base, text, len, path, err);
        }
        free(text);
        free(path);
    }
    wv_strv_free(names);
    free(dir);
    return rc;
}

/* Reads the manifests of an S3 zone under prefix/base. */
static int read_s3(struct core_export *x, char ***bases, struct stor_s3 *s3,
                   const struct stor_target *t, const char *base, struct wv_error *err)
{
    char *runs =
        wv_asprintf("%s%s%s%s_runs/", t->prefix, *t->prefix ? "/" : "", base, *base ? "/" : "");
    struct stor_s3_object *objs = NULL;
    size_t n = 0;
    int rc = stor_s3_list(s3, t->bucket, runs, 0, &objs, &n, err);
    for (size_t i = 0; rc == 0 && i < n; i++) {
        if (strncmp(objs[i].key, runs, strlen(runs)) != 0)
            continue;
        const char *slash = strchr(objs[i].key + strlen(runs), '/');
        if (!slash || strcmp(slash, "/_manifest.json") != 0)
            continue; /* _runs/<run>/_manifest.json only */
        char *text = NULL, *origin = wv_asprintf("s3://%s/%s", t->bucket, objs[i].key);
        size_t len = 0;
        rc = stor_s3_get(s3, t->bucket, objs[i].key, MANIFEST_MAX, &text, &len, err);
        if (rc == 0)
            rc = add_manifest(x, bases, base, text, len, origin, err);
        free(text);
        free(origin);
    }
    stor_s3_objects_free(objs, n);
    free(runs);
    return rc;
}

/* Whether run a is newer than run b. */
static bool newer(const struct stor_zone_manifest *a, const struct stor_zone_manifest *b)
{
    int c = strcmp(a->extracted_at ? a->extracted_at : "", b->extracted_at ? b->extracted_at : "");
    return c != 0 ? c > 0 : strcmp(a->run_id ? a->run_id : "", b->run_id ? b->run_id : "") > 0;
}

/* Orders streams by table name. */
static int by_table(const void *a, const void *b)
{
    return strcmp(((const struct core_xstream *)a)->table, ((const struct core_xstream *)b)->table);
}

/* Picks the newest run of each (base, namespace, stream) and names the tables. */
static void pick_streams(struct core_export *x, char **bases)
{
    for (size_t i = 0; i < x->n_ms; i++) {
        for (size_t k = 0; k < x->ms[i].n_streams; k++) {
            const struct stor_zone_mstream *s = &x->ms[i].streams[k];
            char *loc =
                *bases[i] ? wv_asprintf("%s/%s", bases[i], s->prefix) : wv_strdup(s->prefix);
            size_t j = 0;
            while (j < x->n && !(strcmp(x->streams[j].location, loc) == 0 &&
                                 wv_str_eq(x->streams[j].s->ns, s->ns) &&
                                 strcmp(x->streams[j].s->name, s->name) == 0))
                j++;
            if (j == x->n) {
                x->streams = wv_realloc(x->streams, (x->n + 1) * sizeof *x->streams);
                x->streams[x->n++] = (struct core_xstream){&x->ms[i], s, loc, NULL};
            } else {
                free(loc);
                if (newer(&x->ms[i], x->streams[j].m))
                    x->streams[j].m = &x->ms[i], x->streams[j].s = s;
            }
        }
    }
    for (size_t j = 0; j < x->n; j++) {
        const struct stor_zone_mstream *s = x->streams[j].s;
        x->streams[j].table = s->ns ? wv_asprintf("%s_%s", s->ns, s->name) : wv_strdup(s->name);
    }
    /* the same stream from two connections: the table names carry the location */
    for (size_t j = 0; j < x->n; j++) {
        bool dup = false;
        for (size_t k = 0; k < x->n; k++)
            dup = dup || (k != j && strcmp(x->streams[k].s->name, x->streams[j].s->name) == 0 &&
                          wv_str_eq(x->streams[k].s->ns, x->streams[j].s->ns));
        if (!dup)
            continue;
        free(x->streams[j].table);
        x->streams[j].table = wv_strdup(x->streams[j].location);
        for (char *p = x->streams[j].table; *p; p++)
            *p = *p == '/' ? '_' : *p;
    }
    if (x->n)
        qsort(x->streams, x->n, sizeof *x->streams, by_table);
}

/* Reads every manifest of the destination (root and connection prefixes). */
static int read_manifests(struct core_export *x, char ***bases, struct wv_error *err)
{
    struct core_target t;
    if (core_destination_target(x->ws, x->d, &t, err) < 0)
        return -1;
    struct stor_s3 *s3 = NULL;
    if (!t.t.dir && !(s3 = stor_s3_new(&t.t.s3, err))) {
        core_target_done(&t);
        return -1;
    }
    int rc =
        t.t.dir ? read_local(x, bases, t.t.dir, "", err) : read_s3(x, bases, s3, &t.t, "", err);
    for (size_t i = 0; rc == 0 && i < x->ws->n_conns; i++) {
        const struct core_connection *c = &x->ws->conns[i];
        bool seen = false;
        for (size_t k = 0; k < i; k++)
            seen = seen || (wv_str_eq(x->ws->conns[k].destination, x->d->name) &&
                            wv_str_eq(x->ws->conns[k].prefix, c->prefix));
        if (seen || !wv_str_eq(c->destination, x->d->name) || !c->prefix || !*c->prefix)
            continue;
        rc = t.t.dir ? read_local(x, bases, t.t.dir, c->prefix, err)
                     : read_s3(x, bases, s3, &t.t, c->prefix, err);
    }
    stor_s3_free(s3);
    core_target_done(&t);
    return rc;
}

/* Loads the workspace, the destination and its manifests. */
int core_export_load(const struct core_cmd_env *env, const char *name, struct core_export *x,
                     struct wv_error *err)
{
    memset(x, 0, sizeof *x);
    if (!(x->ws = core_cmd_workspace(env, err)))
        return -1;
    char *dflt = name || !x->ws->default_destination ? NULL : wv_strdup(x->ws->default_destination);
    const char *want = name ? name : dflt;
    if (!want) {
        struct wv_buf b = WV_BUF_INIT;
        for (size_t i = 0; i < x->ws->n_dests; i++)
            wv_buf_printf(&b, NULL, "%s%s", i ? ", " : "", x->ws->dests[i].name);
        wv_error_set(err, WV_E_USAGE, 0,
                     "name the destination (weaver.yaml has no defaults.destination; "
                     "destinations: %s)",
                     b.len ? wv_buf_cstr(&b) : "none");
        wv_buf_done(&b);
        return -1;
    }
    x->d = core_workspace_destination(x->ws, want);
    if (!x->d)
        wv_error_set(err, WV_E_USAGE, 0, "unknown destination '%s'", want);
    free(dflt);
    if (!x->d)
        return -1;
    if (x->d->format && strcmp(x->d->format, "parquet") != 0)
        return wv_error_set(err, WV_E_CONFIG, 0,
                            "destination %s: format %s has no run manifests (export needs the "
                            "Parquet raw zone)",
                            x->d->name, x->d->format);
    char **bases = NULL;
    int rc = read_manifests(x, &bases, err);
    if (rc == 0)
        pick_streams(x, bases);
    for (size_t i = 0; i < x->n_ms; i++)
        free(bases[i]);
    free(bases);
    if (rc == 0 && x->n == 0)
        rc = wv_error_set(err, WV_E_NOTFOUND, 0,
                          "destination %s: no run manifests (_runs/*/_manifest.json) yet; "
                          "sync into it first",
                          x->d->name);
    return rc < 0 ? wv_error_prefix(err, "export %s", x->d->name) : 0;
}

/* ---- dbt sources.yml ---- */

/* Appends s as a double-quoted YAML scalar. */
static void yq(struct wv_buf *b, const char *s)
{
    wv_buf_putc(b, '"', NULL);
    for (; *s; s++) {
        if (*s == '"' || *s == '\\')
            wv_buf_putc(b, '\\', NULL);
        if ((unsigned char)*s < 0x20)
            wv_buf_printf(b, NULL, "\\x%02x", (unsigned char)*s);
        else
            wv_buf_putc(b, *s, NULL);
    }
    wv_buf_putc(b, '"', NULL);
}

/* The single-column primary key of a stream, or NULL. */
static const char *single_pk(const struct stor_zone_mstream *s)
{
    return s->n_pk == 1 && s->pk[0].n == 1 ? s->pk[0].parts[0] : NULL;
}

/* Whether column name is part of the primary key (top-level paths only). */
static bool in_pk(const struct stor_zone_mstream *s, const char *name)
{
    for (size_t i = 0; i < s->n_pk; i++)
        if (s->pk[i].n == 1 && strcmp(s->pk[i].parts[0], name) == 0)
            return true;
    return false;
}

/* One table entry. */
static void dbt_table(struct wv_buf *b, const struct core_xstream *xs, const char *stage,
                      const char *format)
{
    const struct stor_zone_mstream *s = xs->s;
    wv_buf_puts(b, "      - name: ", NULL);
    yq(b, xs->table);
    wv_buf_printf(b, NULL, "\n        description: ");
    char *desc = wv_asprintf("Stream %s%s%s (%s), columns from run %s (%s).", s->ns ? s->ns : "",
                             s->ns ? "." : "", s->name, wv_dest_mode_name(s->mode),
                             xs->m->run_id ? xs->m->run_id : "?",
                             xs->m->extracted_at ? xs->m->extracted_at : "?");
    yq(b, desc);
    free(desc);
    char *loc = wv_asprintf("@%s/%s/", stage, xs->location);
    wv_buf_puts(b, "\n        external:\n          location: ", NULL);
    yq(b, loc);
    free(loc);
    wv_buf_printf(b, NULL,
                  "\n          file_format: \"%s\"\n          auto_refresh: true\n"
                  "          pattern: \".*[.]parquet\"\n",
                  format);
    struct core_xpart parts[CORE_XPART_MAX];
    size_t np = core_export_partitions(xs->m->path_template, parts, CORE_XPART_MAX);
    if (np)
        wv_buf_puts(b, "          partitions:\n", NULL);
    for (size_t i = 0; i < np; i++) {
        struct wv_buf e = WV_BUF_INIT;
        core_export_part_expr(&e, &parts[i], NULL);
        wv_buf_printf(b, NULL,
                      "            - name: %s\n              data_type: %s\n"
                      "              expression: ",
                      parts[i].name, parts[i].sf_type);
        yq(b, wv_buf_cstr(&e));
        wv_buf_putc(b, '\n', NULL);
        wv_buf_done(&e);
    }
    const char *pk = single_pk(s);
    if (s->n_pk > 1 || (s->n_pk == 1 && s->pk[0].n > 1))
        wv_buf_puts(b,
                    "        # composite or nested primary key: each key column gets not_null; "
                    "test uniqueness of the combination with e.g. "
                    "dbt_utils.unique_combination_of_columns\n",
                    NULL);
    wv_buf_puts(b, "        columns:\n", NULL);
    for (size_t i = 0; i < s->n_cols; i++) {
        const struct stor_zone_col *c = &s->cols[i];
        wv_buf_puts(b, "          - name: ", NULL);
        yq(b, c->name);
        wv_buf_printf(b, NULL, "\n            data_type: %s\n            quote: true\n",
                      core_export_sf_type(c->type));
        bool is_pk = in_pk(s, c->name);
        if (!is_pk)
            continue;
        wv_buf_puts(b, "            tests:\n              - not_null\n", NULL);
        if (pk && strcmp(pk, c->name) == 0 && s->mode == WV_DEST_OVERWRITE)
            wv_buf_puts(b, "              - unique\n", NULL);
        else if (pk && strcmp(pk, c->name) == 0)
            wv_buf_puts(b,
                        "              # appended syncs keep every version of a record in the "
                        "raw zone: duplicates warn\n              - unique:\n"
                        "                  config:\n                    severity: warn\n",
                        NULL);
    }
}

/* `export dbt-sources [DESTINATION]` */
int core_cmd_export_dbt(const struct core_cmd_env *env, int argc, char **argv, struct wv_error *err)
{
    struct core_export x;
    int rc = core_export_load(env, core_cmd_arg(argc, argv, 0), &x, err);
    if (rc == 0) {
        char stage[160], format[160];
        core_export_object(x.d->name, "STAGE", stage, sizeof stage);
        core_export_object(x.d->name, "PARQUET", format, sizeof format);
        struct wv_buf b = WV_BUF_INIT;
        wv_buf_printf(&b, NULL,
                      "# Generated by `weaver export dbt-sources %s` from the raw zone's run "
                      "manifests.\n# External tables follow dbt-external-tables (dbt "
                      "run-operation stage_external_sources);\n# the stage %s and file format "
                      "%s come from `weaver export snowflake %s`.\nversion: 2\n\nsources:\n"
                      "  - name: ",
                      x.d->name, stage, format, x.d->name);
        yq(&b, x.d->name);
        char *where = x.d->path
                          ? wv_strdup(x.d->path)
                          : wv_asprintf("s3://%s/%s", x.d->bucket, x.d->prefix ? x.d->prefix : "");
        char *desc = wv_asprintf("weaver raw zone %s (Parquet)", where);
        wv_buf_puts(&b, "\n    description: ", NULL);
        yq(&b, desc);
        wv_buf_puts(&b,
                    "\n    loader: weaver\n    quoting:\n      identifier: true\n"
                    "    tables:\n",
                    NULL);
        for (size_t i = 0; i < x.n; i++)
            dbt_table(&b, &x.streams[i], stage, format);
        core_write(&env->out, b.data, b.len);
        free(desc);
        free(where);
        wv_buf_done(&b);
    }
    core_export_done(&x);
    return rc;
}
