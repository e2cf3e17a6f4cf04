/* cmd_check.c - `weaver check SOURCE` (a workspace source's config tried against its
 * connector) and `weaver discover CONNECTION` (the source's catalog compared with the schemas
 * kept with the connection's last successful job: new, missing and retyped columns per stream,
 * and the streams the source offers that the connection does not sync). Both only read. */
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "connectors/connectors.h"
#include "core/cmd_int.h"

/* check SOURCE */
int core_cmd_check(const struct core_cmd_env *env, int argc, char **argv, struct wv_error *err)
{
    struct core_workspace *ws = core_cmd_workspace(env, err);
    if (!ws)
        return -1;
    const char *name = core_cmd_arg(argc, argv, 0);
    const struct core_source *def = core_workspace_source(ws, name);
    int rc = -1;
    struct wv_json *config = NULL;
    struct conn_source *src = NULL;
    char *message = NULL;
    bool ok = false;
    if (!def) {
        wv_error_set(err, WV_E_NOTFOUND, 0, "unknown source '%s'", name);
        goto out;
    }
    src = core_source_open(ws, def, &config, err);
    if (!src || conn_source_check(src, config, &ok, &message, err) < 0) {
        wv_error_prefix(err, "source %s: check", name);
        goto out;
    }
    if (!ok) {
        wv_error_set(err, WV_E_SOURCE, 0, "source %s: check failed: %s", name,
                     message && *message ? message : "no reason given");
        goto out;
    }
    core_printf(&env->out, "source %s: check succeeded\n", name);
    rc = 0;
out:
    free(message);
    conn_source_free(src);
    wv_json_free(config);
    core_workspace_free(ws);
    return rc;
}

/* A property's type as text: "integer", "string(date-time)", "number|string"; "null" dropped. */
static char *type_text(const struct wv_json *prop)
{
    const struct wv_json *t = wv_json_get(prop, "type");
    struct wv_buf b = WV_BUF_INIT;
    if (t && t->type == WV_JSON_STRING) {
        wv_buf_puts(&b, t->s, NULL);
    } else if (t && t->type == WV_JSON_ARRAY) {
        for (size_t i = 0; i < t->len; i++)
            if (t->items[i]->type == WV_JSON_STRING && strcmp(t->items[i]->s, "null") != 0)
                wv_buf_printf(&b, NULL, "%s%s", b.len ? "|" : "", t->items[i]->s);
    }
    if (!b.len)
        wv_buf_puts(&b, "any", NULL);
    const char *fmt = wv_json_get_str(prop, "format");
    if (fmt)
        wv_buf_printf(&b, NULL, "(%s)", fmt);
    return wv_buf_steal(&b, NULL);
}

/* Compares a stream's top-level properties, old vs new; prints the changes. */
static void compare_stream(const struct core_cmd_env *env, const char *stream,
                           const struct wv_json *old, const struct wv_json *now)
{
    const struct wv_json *op = wv_json_get(old, "properties"), *np = wv_json_get(now, "properties");
    struct wv_buf added = WV_BUF_INIT, missing = WV_BUF_INIT, changed = WV_BUF_INIT;
    for (size_t i = 0; np && np->type == WV_JSON_OBJECT && i < np->len; i++) {
        const struct wv_json *o = wv_json_get(op, np->keys[i]);
        if (!o) {
            wv_buf_printf(&added, NULL, "%s%s", added.len ? ", " : "", np->keys[i]);
            continue;
        }
        char *a = type_text(o), *b = type_text(np->items[i]);
        if (strcmp(a, b) != 0)
            wv_buf_printf(&changed, NULL, "%s%s (%s -> %s)", changed.len ? ", " : "",
                          np->keys[i], a, b);
        free(a);
        free(b);
    }
    for (size_t i = 0; op && op->type == WV_JSON_OBJECT && i < op->len; i++)
        if (!wv_json_get(np, op->keys[i]))
            wv_buf_printf(&missing, NULL, "%s%s", missing.len ? ", " : "", op->keys[i]);
    if (!added.len && !missing.len && !changed.len) {
        core_printf(&env->out, "stream %s: no change\n", stream);
    } else {
        core_printf(&env->out, "stream %s: schema changed\n", stream);
        if (added.len)
            core_printf(&env->out, "  new columns: %s\n", wv_buf_cstr(&added));
        if (missing.len)
            core_printf(&env->out, "  missing columns: %s\n", wv_buf_cstr(&missing));
        if (changed.len)
            core_printf(&env->out, "  type changes: %s\n", wv_buf_cstr(&changed));
    }
    wv_buf_done(&added);
    wv_buf_done(&missing);
    wv_buf_done(&changed);
}

/* The stream schemas kept with the connection's last successful job ({name: schema}; NULL
 * when there is none). Caller frees *doc. */
static int last_schemas(const struct core_workspace *ws, const char *conn, struct wv_json **doc,
                        int64_t *job, struct wv_error *err)
{
    *doc = NULL;
    *job = 0;
    struct stor_db *db = core_db_open(ws, err);
    if (!db)
        return -1;
    int64_t *ids = NULL;
    size_t n = 0;
    char *stats = NULL, *schemas = NULL;
    int rc = stor_job_history(db, conn, 1, 0, &ids, &n, err);
    if (rc == 0 && n > 0) {
        *job = ids[0];
        rc = stor_job_stats_get(db, ids[0], &stats, &schemas, err);
        if (rc == 0 && schemas) {
            *doc = wv_json_parse(schemas, strlen(schemas), "job schemas", err);
            rc = *doc ? 0 : -1;
        }
    }
    free(ids);
    free(stats);
    free(schemas);
    stor_db_close(db);
    return rc;
}

/* discover CONNECTION */
int core_cmd_discover(const struct core_cmd_env *env, int argc, char **argv,
                      struct wv_error *err)
{
    struct core_workspace *ws = core_cmd_workspace(env, err);
    if (!ws)
        return -1;
    const char *name = core_cmd_arg(argc, argv, 0);
    const struct core_connection *c = core_workspace_connection(ws, name);
    struct wv_json *config = NULL, *catalog = NULL, *kept = NULL;
    struct conn_source *src = NULL;
    int64_t job = 0;
    int rc = -1;
    if (!c) {
        wv_error_set(err, WV_E_NOTFOUND, 0, "unknown connection '%s'", name);
        goto out;
    }
    src = core_source_open(ws, core_workspace_source(ws, c->source), &config, err);
    if (!src || conn_source_discover(src, config, &catalog, err) < 0) {
        wv_error_prefix(err, "source %s: discover", c->source);
        goto out;
    }
    if (last_schemas(ws, c->name, &kept, &job, err) < 0)
        goto out;
    if (job)
        core_printf(&env->out, "connection %s: compared with job %lld\n", c->name,
                    (long long)job);
    else
        core_printf(&env->out, "connection %s: no successful sync to compare with\n", c->name);
    const struct wv_json *streams = wv_json_get(catalog, "streams");
    const struct wv_json *old_streams = wv_json_get(kept, "streams");
    for (size_t i = 0; i < c->n_streams; i++) {
        const char *s = c->streams[i].name;
        const struct wv_json *now = NULL;
        for (size_t k = 0; streams && k < streams->len && !now; k++)
            if (wv_json_get_str(streams->items[k], "name") &&
                strcmp(wv_json_get_str(streams->items[k], "name"), s) == 0)
                now = wv_json_get(streams->items[k], "json_schema");
        const struct wv_json *old = wv_json_get(old_streams, s);
        if (!now)
            core_printf(&env->out, "stream %s: no longer offered by the source\n", s);
        else if (!old)
            core_printf(&env->out, "stream %s: no earlier schema\n", s);
        else
            compare_stream(env, s, old, now);
    }
    struct wv_buf extra = WV_BUF_INIT;
    for (size_t k = 0; streams && streams->type == WV_JSON_ARRAY && k < streams->len; k++) {
        const char *s = wv_json_get_str(streams->items[k], "name");
        bool synced = false;
        for (size_t i = 0; s && i < c->n_streams && !synced; i++)
            synced = strcmp(c->streams[i].name, s) == 0;
        if (s && !synced)
            wv_buf_printf(&extra, NULL, "%s%s", extra.len ? ", " : "", s);
    }
    if (extra.len)
        core_printf(&env->out, "not synced by the connection: %s\n", wv_buf_cstr(&extra));
    wv_buf_done(&extra);
    rc = 0;
out:
    wv_json_free(kept);
    wv_json_free(catalog);
    wv_json_free(config);
    conn_source_free(src);
    core_workspace_free(ws);
    return rc;
}
