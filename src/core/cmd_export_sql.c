/* cmd_export_sql.c - `weaver export snowflake DESTINATION`: Snowflake DDL over a destination's
 * Parquet raw zone: a FILE FORMAT (TYPE = PARQUET), a STAGE on its bucket and prefix (access
 * left as a placeholder, never a secret), and per stream an EXTERNAL TABLE whose columns are
 * cast from VALUE:"col" (Snowflake docs, "CREATE EXTERNAL TABLE": column AS (expr),
 * PARTITION BY over METADATA$FILENAME expressions, LOCATION, FILE_FORMAT, AUTO_REFRESH,
 * PATTERN). Also the type and partition helpers that the dbt export shares. Caller's thread. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "core/cmd_dest_int.h"

#define DEFAULT_TEMPLATE "{namespace}/{stream}/dt={date}/{run_id}-{part}.parquet"

/* Snowflake's type of a column. */
const char *core_export_sf_type(enum stor_pq_type t)
{
    switch (t) {
    case STOR_PQ_INT64:
        return "NUMBER(38,0)";
    case STOR_PQ_DOUBLE:
        return "FLOAT";
    case STOR_PQ_BOOLEAN:
        return "BOOLEAN";
    case STOR_PQ_STRING:
        return "VARCHAR";
    case STOR_PQ_TIMESTAMP:
        return "TIMESTAMP_TZ";
    case STOR_PQ_DATE:
        return "DATE";
    case STOR_PQ_JSON:
        return "VARIANT";
    }
    return "VARIANT";
}

/* "raw-zone" + "STAGE" -> "RAW_ZONE_STAGE" (a name that reads the same quoted or not). */
const char *core_export_object(const char *dest, const char *suffix, char *buf, size_t size)
{
    size_t o = 0;
    if (isdigit((unsigned char)dest[0]) && o + 1 < size)
        buf[o++] = '_';
    for (const char *p = dest; *p && o + 1 < size; p++)
        buf[o++] = isalnum((unsigned char)*p) ? (char)toupper((unsigned char)*p) : '_';
    snprintf(buf + o, size - o, "_%s", suffix);
    return buf;
}

/* Whether template variable var depends on the run (the stream's prefix ends before it). */
static bool run_dependent(const char *var, size_t n)
{
    static const char *const run[] = {"date",   "year",    "month", "day",   "hour",
                                      "run_id", "sync_id", "part",  "epoch", NULL};
    for (const char *const *r = run; *r; r++)
        if (strlen(*r) == n && strncmp(*r, var, n) == 0)
            return true;
    return false;
}

/* Whether a segment holds a run-dependent variable. */
static bool seg_run_dependent(const char *s, size_t n)
{
    for (const char *o = memchr(s, '{', n); o; o = memchr(o + 1, '{', n - (size_t)(o + 1 - s))) {
        const char *c = memchr(o, '}', n - (size_t)(o - s));
        if (c && run_dependent(o + 1, (size_t)(c - o - 1)))
            return true;
        if (o + 1 >= s + n)
            break;
    }
    return false;
}

/* A date made of {year} {month} {day} (or {date}) and punctuation -> Snowflake's format of it
 * (YYYY-MM-DD ...); false when the value is something else. */
static bool date_value(const char *v, size_t n, char *fmt, size_t size)
{
    static const char *const parts[][2] = {
        {"{date}", "YYYY-MM-DD"}, {"{year}", "YYYY"}, {"{month}", "MM"}, {"{day}", "DD"}};
    size_t o = 0;
    int seen = 0;
    fmt[0] = '\0';
    for (size_t i = 0; i < n;) {
        bool hit = false;
        for (size_t k = 0; k < sizeof parts / sizeof parts[0] && !hit; k++) {
            size_t len = strlen(parts[k][0]);
            if (i + len <= n && strncmp(v + i, parts[k][0], len) == 0) {
                o += (size_t)snprintf(fmt + o, o < size ? size - o : 0, "%s", parts[k][1]);
                seen |= k == 0 ? 7 : 1 << (k - 1);
                i += len;
                hit = true;
            }
        }
        if (hit)
            continue;
        if (!strchr("-_.", v[i]) || o + 1 >= size)
            return false;
        fmt[o++] = v[i++];
        fmt[o] = '\0';
    }
    return seen == 7 && o < size;
}

/* A "name={var}" segment -> partition column. */
static bool seg_partition(const char *s, size_t n, struct core_xpart *p)
{
    static const char *const vars[][2] = {{"year", "NUMBER(38,0)"},  {"month", "NUMBER(38,0)"},
                                          {"day", "NUMBER(38,0)"},   {"hour", "NUMBER(38,0)"},
                                          {"epoch", "NUMBER(38,0)"}, {"sync_id", "NUMBER(38,0)"},
                                          {"run_id", "VARCHAR"}};
    const char *eq = memchr(s, '=', n);
    if (!eq || eq == s || (size_t)(eq - s) >= sizeof p->name || eq[1] != '{' || s[n - 1] != '}')
        return false;
    for (const char *c = s; c < eq; c++)
        if (!isalnum((unsigned char)*c) && *c != '_')
            return false;
    memset(p, 0, sizeof *p);
    snprintf(p->name, sizeof p->name, "%.*s", (int)(eq - s), s);
    if (date_value(eq + 1, (size_t)(s + n - eq - 1), p->date_format, sizeof p->date_format)) {
        p->sf_type = "DATE";
        p->variable = "date";
        return true;
    }
    const char *var = eq + 2;
    size_t vlen = (size_t)(s + n - 1 - var);
    for (size_t i = 0; i < sizeof vars / sizeof vars[0]; i++) {
        if (strlen(vars[i][0]) != vlen || strncmp(vars[i][0], var, vlen) != 0)
            continue;
        p->sf_type = vars[i][1];
        p->variable = vars[i][0];
        return true;
    }
    return false;
}

/* Partition columns of a template. */
size_t core_export_partitions(const char *tmpl, struct core_xpart *out, size_t max)
{
    const char *t = tmpl && *tmpl ? tmpl : DEFAULT_TEMPLATE;
    size_t n = 0;
    bool after_prefix = false;
    for (const char *p = t;;) {
        const char *slash = strchr(p, '/');
        if (!slash)
            break; /* the file name */
        size_t len = (size_t)(slash - p);
        after_prefix = after_prefix || seg_run_dependent(p, len);
        if (after_prefix && n < max && seg_partition(p, len, &out[n]))
            n++;
        p = slash + 1;
    }
    return n;
}

/* The expression of a partition column over METADATA$FILENAME. */
int core_export_part_expr(struct wv_buf *b, const struct core_xpart *p, struct wv_error *err)
{
    char inner[160];
    snprintf(inner, sizeof inner, "SPLIT_PART(SPLIT_PART(METADATA$FILENAME, '/%s=', 2), '/', 1)",
             p->name);
    if (strcmp(p->sf_type, "DATE") == 0)
        return wv_buf_printf(b, err, "TRY_TO_DATE(%s, '%s')", inner, p->date_format);
    if (strcmp(p->sf_type, "VARCHAR") == 0)
        return wv_buf_puts(b, inner, err);
    return wv_buf_printf(b, err, "TRY_TO_NUMBER(%s)", inner);
}

/* Appends a double-quoted identifier. */
static void ident(struct wv_buf *b, const char *s)
{
    wv_buf_putc(b, '"', NULL);
    for (; *s; s++) {
        if (*s == '"')
            wv_buf_putc(b, '"', NULL);
        wv_buf_putc(b, *s, NULL);
    }
    wv_buf_putc(b, '"', NULL);
}

/* Appends a single-quoted string literal. */
static void lit(struct wv_buf *b, const char *s)
{
    wv_buf_putc(b, '\'', NULL);
    for (; *s; s++) {
        if (*s == '\'' || *s == '\\')
            wv_buf_putc(b, *s, NULL);
        wv_buf_putc(b, *s, NULL);
    }
    wv_buf_putc(b, '\'', NULL);
}

/* The header comment, file format and stage. */
static void sf_stage(struct wv_buf *b, const struct core_export *x, const char *stage,
                     const char *format)
{
    const struct core_destination *d = x->d;
    wv_buf_printf(b, NULL,
                  "-- Generated by `weaver export snowflake %s` from %zu run manifest(s) of its "
                  "raw zone;\n-- each stream's columns come from its newest run.\n"
                  "-- Types: int64 NUMBER(38,0), double FLOAT, boolean BOOLEAN, string VARCHAR, "
                  "date DATE,\n-- json VARIANT (PARSE_JSON of the stored JSON text), timestamp "
                  "TIMESTAMP_TZ: weaver writes UTC\n-- instants (Parquet TIMESTAMP, "
                  "isAdjustedToUTC); TIMESTAMP_TZ keeps the offset explicit instead of\n-- "
                  "depending on the session time zone (as TIMESTAMP_LTZ would), and is the type "
                  "Airbyte's\n-- Snowflake destination gives timestamps with a time zone.\n"
                  "-- Identifiers are double-quoted and keep their case.\n\n"
                  "CREATE FILE FORMAT IF NOT EXISTS \"%s\" TYPE = PARQUET;\n\n",
                  d->name, x->n_ms, format);
    if (d->path) {
        wv_buf_printf(b, NULL,
                      "-- Destination %s is a local directory (%s): Snowflake cannot read it.\n"
                      "-- External tables need an external stage: copy the directory to a "
                      "bucket, keeping its\n-- layout, and add URL = 's3://bucket/prefix/' "
                      "to the stage below; or upload the files\n-- to this internal stage "
                      "(PUT file://%s/<path> @%s/<path>) and load them with COPY INTO.\n"
                      "CREATE STAGE IF NOT EXISTS \"%s\"\n  FILE_FORMAT = \"%s\";\n",
                      d->name, d->path, d->path, stage, stage, format);
        return;
    }
    char *url = wv_asprintf("s3://%s/%s%s", d->bucket, d->prefix ? d->prefix : "",
                            d->prefix && *d->prefix ? "/" : "");
    wv_buf_printf(b, NULL, "CREATE STAGE IF NOT EXISTS \"%s\"\n  URL = ", stage);
    lit(b, url);
    wv_buf_puts(b,
                "\n  -- access: a storage integration (never paste keys into files you "
                "commit):\n  -- STORAGE_INTEGRATION = <your_storage_integration>\n"
                "  -- or CREDENTIALS = (AWS_KEY_ID = '<key id>' AWS_SECRET_KEY = '<secret>')\n",
                NULL);
    if (wv_json_get(d->s3_node, "endpoint"))
        wv_buf_puts(b,
                    "  -- the destination sets s3.endpoint: for S3-compatible storage use "
                    "URL = 's3compat://...'\n  -- with ENDPOINT = '<host>'\n",
                    NULL);
    wv_buf_printf(b, NULL, "  FILE_FORMAT = \"%s\";\n", format);
    free(url);
}

/* One stream's external table. */
static void sf_table(struct wv_buf *b, const struct core_xstream *xs, const char *stage,
                     const char *format)
{
    const struct stor_zone_mstream *s = xs->s;
    wv_buf_printf(b, NULL, "\n-- stream %s%s%s (%s): run %s, %lld rows in %lld files\n",
                  s->ns ? s->ns : "", s->ns ? "." : "", s->name, wv_dest_mode_name(s->mode),
                  xs->m->run_id ? xs->m->run_id : "?", (long long)s->rows, (long long)s->files);
    wv_buf_puts(b, "CREATE OR REPLACE EXTERNAL TABLE ", NULL);
    ident(b, xs->table);
    wv_buf_puts(b, " (\n", NULL);
    struct core_xpart parts[CORE_XPART_MAX];
    size_t np = core_export_partitions(xs->m->path_template, parts, CORE_XPART_MAX);
    for (size_t i = 0; i < np; i++) {
        wv_buf_puts(b, "  ", NULL);
        ident(b, parts[i].name);
        wv_buf_printf(b, NULL, " %s AS (", parts[i].sf_type);
        core_export_part_expr(b, &parts[i], NULL);
        wv_buf_puts(b, "),\n", NULL);
    }
    for (size_t i = 0; i < s->n_cols; i++) {
        const struct stor_zone_col *c = &s->cols[i];
        const char *type = core_export_sf_type(c->type);
        wv_buf_puts(b, "  ", NULL);
        ident(b, c->name);
        wv_buf_printf(b, NULL, " %s AS (%s", type, c->type == STOR_PQ_JSON ? "PARSE_JSON(" : "");
        wv_buf_puts(b, "VALUE:", NULL);
        ident(b, c->name);
        wv_buf_printf(b, NULL, "::%s)%s\n", c->type == STOR_PQ_JSON ? "VARCHAR)" : type,
                      i + 1 < s->n_cols ? "," : "");
    }
    wv_buf_puts(b, ")\n", NULL);
    if (np) {
        wv_buf_puts(b, "PARTITION BY (", NULL);
        for (size_t i = 0; i < np; i++) {
            if (i)
                wv_buf_puts(b, ", ", NULL);
            ident(b, parts[i].name);
        }
        wv_buf_puts(b, ")\n", NULL);
    }
    wv_buf_printf(b, NULL,
                  "LOCATION = @\"%s\"/%s/\nFILE_FORMAT = (FORMAT_NAME = '\"%s\"')\n"
                  "AUTO_REFRESH = TRUE\nPATTERN = '.*[.]parquet';\n",
                  stage, xs->location, format);
}

/* `export snowflake DESTINATION` */
int core_cmd_export_snowflake(const struct core_cmd_env *env, int argc, char **argv,
                              struct wv_error *err)
{
    struct core_export x;
    int rc = core_export_load(env, core_cmd_arg(argc, argv, 0), &x, err);
    if (rc == 0) {
        char stage[160], format[160];
        core_export_object(x.d->name, "STAGE", stage, sizeof stage);
        core_export_object(x.d->name, "PARQUET", format, sizeof format);
        struct wv_buf b = WV_BUF_INIT;
        sf_stage(&b, &x, stage, format);
        for (size_t i = 0; i < x.n; i++)
            sf_table(&b, &x.streams[i], stage, format);
        if (!x.d->path)
            wv_buf_puts(&b,
                        "\n-- AUTO_REFRESH needs S3 event notifications to each table's "
                        "notification_channel\n-- (SHOW EXTERNAL TABLES); until then run "
                        "ALTER EXTERNAL TABLE ... REFRESH.\n",
                        NULL);
        core_write(&env->out, b.data, b.len);
        wv_buf_done(&b);
    }
    core_export_done(&x);
    return rc;
}
