/* cmd_parquet.c - `weaver parquet write --schema S.json [--compression C] [--row-group-bytes N]
 * IN.jsonl OUT.parquet`: converts JSON lines (one object per line) to a Parquet file with
 * weaver's own writer. The schema file is {"columns":[{"name":"id","type":"int64",
 * "optional":false}, ...]} with types int64, double, boolean, string, timestamp, date, json.
 * Caller's thread. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "core/cmd_int.h"
#include "storage/storage.h"

#define SCHEMA_MAX (4u << 20)
#define LINE_MAX_BYTES ((size_t)256 << 20)

/* Reads the schema file into columns (names borrowed from *doc, which the caller frees). */
static int load_schema(const char *path, struct wv_json **doc, struct stor_pq_column **cols,
                       size_t *n, struct wv_error *err)
{
    *doc = wv_json_parse_file(path, SCHEMA_MAX, err);
    if (!*doc)
        return -1;
    struct wv_json *list = wv_json_get(*doc, "columns");
    if (!list || list->type != WV_JSON_ARRAY || list->len == 0 || list->len > STOR_PQ_MAX_COLUMNS)
        return wv_error_set(err, WV_E_CONFIG, 0,
                            "%s: \"columns\" must be a non-empty array "
                            "(at most %d)",
                            path, STOR_PQ_MAX_COLUMNS);
    *cols = wv_calloc(list->len, sizeof **cols);
    *n = list->len;
    for (size_t i = 0; i < list->len; i++) {
        struct wv_json *c = list->items[i];
        const char *name = wv_json_get_str(c, "name"), *type = wv_json_get_str(c, "type");
        bool opt = false;
        if (!name || !type || wv_json_get_bool(c, "optional", false, &opt) < 0)
            return wv_error_set(err, WV_E_CONFIG, 0,
                                "%s:%u:%u: a column needs \"name\", "
                                "\"type\" and an optional boolean \"optional\"",
                                path, c->line, c->col);
        if (stor_pq_type_parse(type, &(*cols)[i].type) < 0)
            return wv_error_set(err, WV_E_CONFIG, 0,
                                "%s:%u:%u: unknown type \"%s\" (int64, "
                                "double, boolean, string, timestamp, date, json)",
                                path, c->line, c->col, type);
        (*cols)[i].name = name;
        (*cols)[i].optional = opt;
    }
    return 0;
}

/* Reads options from the flags. */
static int parse_options(int argc, char **argv, struct stor_pq_options *o, struct wv_error *err)
{
    const char *codec = NULL, *rg = NULL;
    memset(o, 0, sizeof *o);
    if (core_cmd_opt(argc, argv, "--compression", &codec, err) < 0 ||
        core_cmd_opt(argc, argv, "--row-group-bytes", &rg, err) < 0)
        return -1;
    if (codec && stor_pq_codec_parse(codec, &o->codec) < 0)
        return wv_error_set(err, WV_E_USAGE, 0,
                            "--compression: \"%s\" is not one of zstd, "
                            "snappy, gzip, none",
                            codec);
    if (rg && (wv_parse_i64(rg, &o->row_group_bytes) < 0 || o->row_group_bytes < 1))
        return wv_error_set(err, WV_E_USAGE, 0,
                            "--row-group-bytes: \"%s\" is not a positive "
                            "number",
                            rg);
    return 0;
}

/* Streams the JSON lines of in into w; blank lines are skipped. */
static int copy_lines(const char *in_path, FILE *in, struct stor_pq_writer *w, struct wv_error *err)
{
    char *line = NULL;
    size_t cap = 0;
    long lineno = 0;
    int rc = 0;
    for (ssize_t len; rc == 0 && (len = getline(&line, &cap, in)) >= 0;) {
        lineno++;
        if ((size_t)len > LINE_MAX_BYTES) {
            rc = wv_error_set(err, WV_E_LIMIT, 0, "%s:%ld: line longer than %zu bytes", in_path,
                              lineno, LINE_MAX_BYTES);
            break;
        }
        if (strspn(line, " \t\r\n") == (size_t)len)
            continue;
        char origin[64];
        snprintf(origin, sizeof origin, "line %ld", lineno);
        struct wv_json *j = wv_json_parse_arena(line, (size_t)len, origin, err);
        if (!j || stor_pq_write_object(w, j, err) < 0)
            rc = wv_error_prefix(err, "%s:%ld", in_path, lineno);
        wv_json_free(j);
    }
    if (rc == 0 && ferror(in))
        rc = wv_error_errno(err, errno, "read %s", in_path);
    free(line);
    return rc;
}

/* `weaver parquet write`. */
int core_cmd_parquet_write(const struct core_cmd_env *env, int argc, char **argv,
                           struct wv_error *err)
{
    const char *schema = NULL, *in_path = core_cmd_arg(argc, argv, 0);
    const char *out_path = core_cmd_arg(argc, argv, 1);
    struct stor_pq_options opts;
    if (core_cmd_opt(argc, argv, "--schema", &schema, err) < 0 ||
        parse_options(argc, argv, &opts, err) < 0)
        return -1;
    if (!schema)
        return wv_error_set(err, WV_E_USAGE, 0, "--schema S.json is required");
    struct wv_json *doc = NULL;
    struct stor_pq_column *cols = NULL;
    size_t n = 0;
    struct stor_pq_writer *w = NULL;
    FILE *in = NULL;
    int rc = load_schema(schema, &doc, &cols, &n, err);
    if (rc == 0 && !(in = strcmp(in_path, "-") == 0 ? stdin : fopen(in_path, "r")))
        rc = wv_error_errno(err, errno, "open %s", in_path);
    if (rc == 0 && !(w = stor_pq_open(out_path, cols, n, &opts, err)))
        rc = -1;
    if (rc == 0) {
        char *text = wv_json_to_string(doc);
        rc = stor_pq_add_kv(w, "weaver.schema", text, err);
        free(text);
    }
    if (rc == 0)
        rc = copy_lines(in_path, in, w, err);
    if (rc == 0)
        rc = stor_pq_close(w, err);
    if (rc == 0)
        core_printf(&env->out, "wrote %lld rows in %lld row groups to %s\n",
                    (long long)stor_pq_rows(w), (long long)stor_pq_row_groups(w), out_path);
    if (in && in != stdin)
        fclose(in);
    stor_pq_free(w);
    free(cols);
    wv_json_free(doc);
    return rc;
}
