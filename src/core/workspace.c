/* workspace.c - the operator's workspace: weaver.yaml, sources/ *.yaml, connections/ *.yaml,
 * found like git finds its repository, validated with file:line:col errors, and the
 * `{{ env.NAME }}` / `{{ file('path') }}` config templates that keep secrets out of files.
 * Runs on whichever thread loads the workspace (CLI main, engine loop). */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/fs.h"
#include "base/mem.h"
#include "base/yaml.h"
#include "core/core_int.h"
#include "core/flow_load_int.h"

#define WS_FILE "weaver.yaml"
#define SECRET_FILE_MAX (1024 * 1024)

/* "origin:line:col" for a node. */
const char *core_where(const char *origin, const struct wv_json *node, char *buf, size_t size)
{
    return wv_where(origin, node, buf, size);
}

/* Rejects unknown keys. */
int core_check_keys(const struct wv_json *obj, const char *origin, const char *const *allowed,
                    struct wv_error *err)
{
    for (size_t i = 0; i < obj->len; i++) {
        bool ok = false;
        for (const char *const *a = allowed; *a && !ok; a++)
            ok = strcmp(*a, obj->keys[i]) == 0;
        if (ok)
            continue;
        char where[PATH_MAX + 32], list[512] = "";
        size_t off = 0;
        for (const char *const *a = allowed; *a && off < sizeof list; a++)
            off += (size_t)snprintf(list + off, sizeof list - off, "%s%s", off ? ", " : "", *a);
        return wv_error_set(err, WV_E_CONFIG, 0, "%s: unknown field '%s' (expected one of: %s)",
                            core_where(origin, obj->items[i], where, sizeof where), obj->keys[i],
                            list);
    }
    return 0;
}

/* Names: letters, digits, '_', '-', '.', not starting with '.' or '-'. */
bool core_name_ok(const char *s)
{
    if (!s || !*s || *s == '.' || *s == '-' || strlen(s) > 128)
        return false;
    for (const char *p = s; *p; p++) {
        char c = *p;
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '-' || c == '.'))
            return false;
    }
    return true;
}

/* Error at a node. */
int core_node_error(struct wv_error *err, const char *origin, const struct wv_json *node,
                      const char *what)
{
    char where[PATH_MAX + 32];
    return wv_error_set(err, WV_E_CONFIG, 0, "%s: %s", core_where(origin, node, where, sizeof where),
                        what);
}

/* A required or optional string field. */
int core_get_string(const struct wv_json *obj, const char *key, const char *origin,
                      bool required, char **out, struct wv_error *err)
{
    struct wv_json *v = wv_json_get(obj, key);
    if (!v || v->type == WV_JSON_NULL) {
        if (required) {
            char msg[128];
            snprintf(msg, sizeof msg, "missing required field '%s'", key);
            return core_node_error(err, origin, obj, msg);
        }
        return 0;
    }
    if (v->type != WV_JSON_STRING) {
        char msg[160];
        snprintf(msg, sizeof msg, "'%s' must be a string, not %s", key,
                 wv_json_type_name(v->type));
        return core_node_error(err, origin, v, msg);
    }
    free(*out);
    *out = wv_strdup(v->s);
    return 0;
}

/* A name field that must be a valid name. */
static int get_name(const struct wv_json *obj, const char *key, const char *origin, bool required,
                    char **out, struct wv_error *err)
{
    if (core_get_string(obj, key, origin, required, out, err) < 0)
        return -1;
    if (*out && !core_name_ok(*out)) {
        char msg[256];
        snprintf(msg, sizeof msg, "invalid %s '%.128s' (use letters, digits, '_', '-', '.')", key,
                 *out);
        return core_node_error(err, origin, wv_json_get(obj, key), msg);
    }
    return 0;
}

/* Finds the workspace root. */
int core_workspace_find(const char *flag_dir, char **root, struct wv_error *err)
{
    const char *dir = flag_dir ? flag_dir : getenv("WEAVER_WORKSPACE");
    if (dir && *dir) {
        char *abs = wv_path_real(dir, err);
        if (!abs)
            return wv_error_prefix(err, "workspace");
        char *f = wv_path_join(abs, WS_FILE);
        bool ok = wv_fs_exists(f);
        free(f);
        if (!ok) {
            wv_error_set(err, WV_E_NOTFOUND, 0, "%s: not a weaver workspace (no %s)", abs,
                         WS_FILE);
            free(abs);
            return -1;
        }
        *root = abs;
        return 0;
    }
    char *cur = wv_path_real(".", err);
    if (!cur)
        return -1;
    for (;;) {
        char *f = wv_path_join(cur, WS_FILE);
        bool ok = wv_fs_exists(f);
        free(f);
        if (ok) {
            *root = cur;
            return 0;
        }
        if (strcmp(cur, "/") == 0)
            break;
        char *up = wv_path_dirname(cur);
        free(cur);
        cur = up;
    }
    free(cur);
    return wv_error_set(err, WV_E_NOTFOUND, 0,
                        "no weaver workspace here or in any parent directory (no %s; use "
                        "--workspace DIR, WEAVER_WORKSPACE, or `weaver init DIR`)",
                        WS_FILE);
}

/* Loads weaver.yaml. */
static int load_main(struct core_workspace *ws, char **default_dest, struct wv_error *err)
{
    static const char *const keys[] = {"version", "name", "destinations", "defaults", NULL};
    static const char *const dkeys[] = {"destination", NULL};
    char *path = wv_path_join(ws->root, WS_FILE);
    struct wv_json *doc = wv_yaml_parse_file(path, err);
    int rc = -1;
    if (!doc)
        goto out;
    if (doc->type != WV_JSON_OBJECT) {
        core_node_error(err, path, doc, "weaver.yaml must be a mapping");
        goto out;
    }
    if (core_check_keys(doc, path, keys, err) < 0)
        goto out;
    struct wv_json *ver = wv_json_get(doc, "version");
    int64_t v = 1;
    if (ver && (wv_json_as_i64(ver, &v) < 0 || v != 1)) {
        core_node_error(err, path, ver, "unsupported workspace version (this weaver reads version 1)");
        goto out;
    }
    if (core_get_string(doc, "name", path, false, &ws->name, err) < 0)
        goto out;
    if (!ws->name)
        ws->name = wv_path_stem(ws->root, NULL);
    struct wv_json *dests = wv_json_get(doc, "destinations");
    if (dests && dests->type != WV_JSON_OBJECT) {
        core_node_error(err, path, dests, "'destinations' must be a mapping of name to destination");
        goto out;
    }
    size_t nd = dests ? dests->len : 0;
    ws->dests = wv_calloc(nd ? nd : 1, sizeof *ws->dests);
    for (size_t i = 0; i < nd; i++) {
        ws->n_dests++;
        if (core_destination_load(dests->keys[i], dests->items[i], path, ws->root, &ws->dests[i],
                             err) < 0)
            goto out;
    }
    struct wv_json *defs = wv_json_get(doc, "defaults");
    if (defs) {
        if (defs->type != WV_JSON_OBJECT) {
            core_node_error(err, path, defs, "'defaults' must be a mapping");
            goto out;
        }
        if (core_check_keys(defs, path, dkeys, err) < 0 ||
            core_get_string(defs, "destination", path, false, default_dest, err) < 0)
            goto out;
        if (*default_dest && !core_workspace_destination(ws, *default_dest)) {
            core_node_error(err, path, wv_json_get(defs, "destination"), "unknown destination");
            goto out;
        }
    }
    rc = 0;
out:
    wv_json_free(doc);
    free(path);
    return rc;
}

/* Loads one sources/ *.yaml file. */
static int load_source(const char *path, struct core_source *s, struct wv_error *err)
{
    static const char *const keys[] = {"name", "connector", "config", "description", NULL};
    struct wv_json *doc = wv_yaml_parse_file(path, err);
    int rc = -1;
    s->file = wv_strdup(path);
    if (!doc)
        goto out;
    if (doc->type != WV_JSON_OBJECT) {
        core_node_error(err, path, doc, "a source file must be a mapping");
        goto out;
    }
    if (core_check_keys(doc, path, keys, err) < 0 ||
        get_name(doc, "name", path, false, &s->name, err) < 0 ||
        core_get_string(doc, "connector", path, true, &s->connector, err) < 0)
        goto out;
    if (!s->name)
        s->name = wv_path_stem(path, wv_str_ends(path, ".yml") ? ".yml" : ".yaml");
    if (!core_name_ok(s->name)) {
        core_node_error(err, path, doc, "file name is not a valid source name");
        goto out;
    }
    struct wv_json *cfg = wv_json_take(doc, "config");
    if (cfg && cfg->type == WV_JSON_NULL) { /* `config:` with nothing under it */
        wv_json_free(cfg);
        cfg = NULL;
    }
    if (cfg && cfg->type != WV_JSON_OBJECT) {
        core_node_error(err, path, cfg, "'config' must be a mapping");
        wv_json_free(cfg);
        goto out;
    }
    s->config_node = cfg ? cfg : wv_json_object();
    rc = 0;
out:
    wv_json_free(doc);
    return rc;
}

/* Parses a primary_key value: "id", ["id","ts"] (composite), or [["id"],["a","b"]]. */
static int parse_pk(const struct wv_json *v, const char *origin, struct core_conn_stream *st,
                    struct wv_error *err)
{
    if (v->type == WV_JSON_STRING) {
        st->pk = wv_calloc(1, sizeof *st->pk);
        st->n_pk = 1;
        return wv_path_from_json(v, &st->pk[0]);
    }
    if (v->type != WV_JSON_ARRAY || v->len == 0)
        return core_node_error(err, origin, v,
                          "primary_key must be a field name or a list of fields/paths");
    st->pk = wv_calloc(v->len, sizeof *st->pk);
    for (size_t i = 0; i < v->len; i++) {
        st->n_pk++;
        if (wv_path_from_json(v->items[i], &st->pk[i]) < 0 || st->pk[i].n == 0)
            return core_node_error(err, origin, v->items[i],
                              "a primary key part must be a field name or a list of names");
    }
    return 0;
}

/* Parses one entry of a connection's streams list. */
static int load_stream(const struct wv_json *node, const char *origin, struct core_conn_stream *st,
                       struct wv_error *err)
{
    static const char *const keys[] = {"name", "namespace", "sync_mode", "destination_sync_mode",
                                       "cursor_field", "primary_key", NULL};
    if (node->type == WV_JSON_STRING) { /* shorthand: just the stream name */
        st->name = wv_strdup(node->s);
        st->sync_mode = WV_SYNC_FULL_REFRESH;
        st->dest_mode = WV_DEST_OVERWRITE;
        return 0;
    }
    if (node->type != WV_JSON_OBJECT)
        return core_node_error(err, origin, node, "a stream must be a mapping or a stream name");
    if (core_check_keys(node, origin, keys, err) < 0 ||
        core_get_string(node, "name", origin, true, &st->name, err) < 0 ||
        core_get_string(node, "namespace", origin, false, &st->ns, err) < 0)
        return -1;
    char *sm = NULL, *dm = NULL;
    int rc = -1;
    if (core_get_string(node, "sync_mode", origin, false, &sm, err) < 0 ||
        core_get_string(node, "destination_sync_mode", origin, false, &dm, err) < 0)
        goto out;
    st->sync_mode = WV_SYNC_FULL_REFRESH;
    if (sm && wv_sync_mode_parse(sm, &st->sync_mode) < 0) {
        core_node_error(err, origin, wv_json_get(node, "sync_mode"),
                   "unknown sync_mode (full_refresh, incremental)");
        goto out;
    }
    st->dest_mode = st->sync_mode == WV_SYNC_INCREMENTAL ? WV_DEST_APPEND : WV_DEST_OVERWRITE;
    if (dm && (wv_dest_mode_parse(dm, &st->dest_mode) < 0 ||
               st->dest_mode == WV_DEST_OVERWRITE_DEDUP)) {
        core_node_error(err, origin, wv_json_get(node, "destination_sync_mode"),
                   "unknown destination_sync_mode (overwrite, append, append_dedup)");
        goto out;
    }
    if (st->sync_mode == WV_SYNC_INCREMENTAL && st->dest_mode == WV_DEST_OVERWRITE) {
        core_node_error(err, origin, node,
                   "incremental streams append: use destination_sync_mode append or append_dedup");
        goto out;
    }
    struct wv_json *cf = wv_json_get(node, "cursor_field");
    if (cf && (wv_path_from_json(cf, &st->cursor) < 0 || st->cursor.n == 0)) {
        core_node_error(err, origin, cf, "cursor_field must be a field name or a list of names");
        goto out;
    }
    struct wv_json *pk = wv_json_get(node, "primary_key");
    if (pk && parse_pk(pk, origin, st, err) < 0)
        goto out;
    rc = 0;
out:
    free(sm);
    free(dm);
    return rc;
}

/* Reads a schedule: "every 1h" / cron text / {every: 1h} / {cron: "..."}. */
static int load_schedule(const struct wv_json *v, const char *origin, char **out,
                         struct wv_error *err)
{
    static const char *const keys[] = {"every", "cron", NULL};
    if (v->type == WV_JSON_STRING) {
        *out = wv_strdup(v->s);
        return 0;
    }
    if (v->type == WV_JSON_OBJECT && v->len == 1 && v->items[0]->type == WV_JSON_STRING) {
        if (core_check_keys(v, origin, keys, err) < 0)
            return -1;
        *out = strcmp(v->keys[0], "every") == 0 ? wv_asprintf("every %s", v->items[0]->s)
                                                 : wv_strdup(v->items[0]->s);
        return 0;
    }
    return core_node_error(err, origin, v, "schedule must be a cron line, {every: 15m} or {cron: ...}");
}

/* Loads one connections/ *.yaml file. */
/* A connection's `checks:` list (the gate every sync of it passes before publishing). */
static int load_checks(const struct wv_json *list, const char *path, struct core_connection *c,
                       struct wv_error *err)
{
    if (!list || list->type == WV_JSON_NULL)
        return 0;
    if (list->type != WV_JSON_ARRAY)
        return core_node_error(err, path, list, "'checks' must be a list of checks");
    c->checks = wv_calloc(list->len ? list->len : 1, sizeof *c->checks);
    for (size_t i = 0; i < list->len; i++) {
        if (qual_check_parse(list->items[i], path, &c->checks[i], err) < 0)
            return -1;
        c->n_checks++;
    }
    return 0;
}

static int load_connection(const char *path, struct core_connection *c, struct wv_error *err)
{
    static const char *const keys[] = {"name", "source", "destination", "prefix", "schedule",
                                       "enabled", "streams", "description", "checks", NULL};
    struct wv_json *doc = wv_yaml_parse_file(path, err);
    int rc = -1;
    c->file = wv_strdup(path);
    c->enabled = true;
    if (!doc)
        goto out;
    if (doc->type != WV_JSON_OBJECT) {
        core_node_error(err, path, doc, "a connection file must be a mapping");
        goto out;
    }
    if (core_check_keys(doc, path, keys, err) < 0 ||
        get_name(doc, "name", path, false, &c->name, err) < 0 ||
        get_name(doc, "source", path, true, &c->source, err) < 0 ||
        get_name(doc, "destination", path, false, &c->destination, err) < 0 ||
        get_name(doc, "prefix", path, false, &c->prefix, err) < 0 ||
        wv_json_get_bool(doc, "enabled", true, &c->enabled) < 0) {
        if (!wv_error_isset(err))
            core_node_error(err, path, wv_json_get(doc, "enabled"), "'enabled' must be true or false");
        goto out;
    }
    if (!c->name)
        c->name = wv_path_stem(path, wv_str_ends(path, ".yml") ? ".yml" : ".yaml");
    if (!core_name_ok(c->name)) {
        core_node_error(err, path, doc, "file name is not a valid connection name");
        goto out;
    }
    struct wv_json *sched = wv_json_get(doc, "schedule");
    if (sched && sched->type != WV_JSON_NULL && load_schedule(sched, path, &c->schedule, err) < 0)
        goto out;
    struct wv_json *streams = wv_json_get(doc, "streams");
    if (!streams || streams->type != WV_JSON_ARRAY || streams->len == 0) {
        core_node_error(err, path, streams ? streams : doc, "'streams' must be a non-empty list");
        goto out;
    }
    c->streams = wv_calloc(streams->len, sizeof *c->streams);
    for (size_t i = 0; i < streams->len; i++) {
        c->n_streams++;
        if (load_stream(streams->items[i], path, &c->streams[i], err) < 0)
            goto out;
        for (size_t j = 0; j < i; j++) {
            if (wv_str_eq(c->streams[j].name, c->streams[i].name) &&
                wv_str_eq(c->streams[j].ns, c->streams[i].ns)) {
                core_node_error(err, path, streams->items[i], "stream listed twice");
                goto out;
            }
        }
    }
    const struct wv_json *checks = wv_json_get(doc, "checks");
    if (load_checks(checks, path, c, err) < 0)
        goto out;
    for (size_t i = 0; i < c->n_checks; i++) {
        bool found = false;
        for (size_t j = 0; j < c->n_streams && !found; j++)
            found = strcmp(c->streams[j].name, c->checks[i].stream) == 0;
        if (!found) {
            core_node_error(err, path, checks->items[i], "check names a stream the connection does not sync");
            goto out;
        }
    }
    rc = 0;
out:
    wv_json_free(doc);
    return rc;
}

/* Lists dir/ *.yaml (and *.yml) as full paths. */
static char **yaml_files(const char *dir, struct wv_error *err)
{
    char **names = NULL;
    if (wv_fs_list(dir, &names, err) < 0)
        return NULL;
    size_t n = 0;
    for (char **p = names; *p; p++) {
        if (wv_str_ends(*p, ".yaml") || wv_str_ends(*p, ".yml")) {
            char *full = wv_path_join(dir, *p);
            free(*p);
            names[n++] = full;
        } else {
            free(*p);
        }
    }
    names[n] = NULL;
    return names;
}

/* Loads every source file. */
static int load_sources(struct core_workspace *ws, struct wv_error *err)
{
    char *dir = wv_path_join(ws->root, "sources");
    char **files = yaml_files(dir, err);
    free(dir);
    if (!files)
        return -1;
    size_t n = wv_strv_len(files);
    ws->sources = wv_calloc(n ? n : 1, sizeof *ws->sources);
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        ws->n_sources++;
        rc = load_source(files[i], &ws->sources[i], err);
        for (size_t j = 0; j < i && rc == 0; j++)
            if (strcmp(ws->sources[j].name, ws->sources[i].name) == 0)
                rc = wv_error_set(err, WV_E_CONFIG, 0, "%s: source '%s' is also defined in %s",
                                  files[i], ws->sources[i].name, ws->sources[j].file);
    }
    wv_strv_free(files);
    return rc;
}

/* Loads every connection file and checks its references. */
static int load_conns(struct core_workspace *ws, const char *default_dest, struct wv_error *err)
{
    char *dir = wv_path_join(ws->root, "connections");
    char **files = yaml_files(dir, err);
    free(dir);
    if (!files)
        return -1;
    size_t n = wv_strv_len(files);
    ws->conns = wv_calloc(n ? n : 1, sizeof *ws->conns);
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        struct core_connection *c = &ws->conns[i];
        ws->n_conns++;
        rc = load_connection(files[i], c, err);
        if (rc < 0)
            break;
        for (size_t j = 0; j < i && rc == 0; j++)
            if (strcmp(ws->conns[j].name, c->name) == 0)
                rc = wv_error_set(err, WV_E_CONFIG, 0,
                                  "%s: connection '%s' is also defined in %s", files[i], c->name,
                                  ws->conns[j].file);
        if (rc == 0 && !core_workspace_source(ws, c->source))
            rc = wv_error_set(err, WV_E_CONFIG, 0, "%s: unknown source '%s' (no sources/%s.yaml)",
                              files[i], c->source, c->source);
        if (rc == 0 && !c->destination) {
            if (default_dest)
                c->destination = wv_strdup(default_dest);
            else if (ws->n_dests == 1)
                c->destination = wv_strdup(ws->dests[0].name);
            else
                rc = wv_error_set(err, WV_E_CONFIG, 0,
                                  "%s: no destination given and weaver.yaml has no "
                                  "defaults.destination",
                                  files[i]);
        }
        if (rc == 0 && !core_workspace_destination(ws, c->destination))
            rc = wv_error_set(err, WV_E_CONFIG, 0,
                              "%s: unknown destination '%s' (not in weaver.yaml destinations)",
                              files[i], c->destination);
        if (rc == 0 && !c->prefix)
            c->prefix = wv_strdup(c->name);
    }
    wv_strv_free(files);
    return rc;
}

/* Loads a whole workspace. */
struct core_workspace *core_workspace_load(const char *root, struct wv_error *err)
{
    struct core_workspace *ws = wv_calloc(1, sizeof *ws);
    ws->root = wv_path_real(root, err);
    if (!ws->root) {
        wv_error_prefix(err, "workspace");
        core_workspace_free(ws);
        return NULL;
    }
    ws->state_dir = wv_path_join(ws->root, ".weaver");
    ws->db_path = wv_path_join(ws->state_dir, "state.db");
    char *default_dest = NULL;
    int rc = load_main(ws, &default_dest, err);
    if (rc == 0)
        rc = load_sources(ws, err);
    if (rc == 0)
        rc = load_conns(ws, default_dest, err);
    if (rc == 0)
        rc = core_flows_load(ws, err);
    ws->default_destination = default_dest;
    if (rc < 0) {
        core_workspace_free(ws);
        return NULL;
    }
    return ws;
}

/* Frees a stream entry. */
static void stream_done(struct core_conn_stream *st)
{
    free(st->name);
    free(st->ns);
    wv_path_done(&st->cursor);
    for (size_t i = 0; i < st->n_pk; i++)
        wv_path_done(&st->pk[i]);
    free(st->pk);
}

/* Frees a workspace. */
void core_workspace_free(struct core_workspace *ws)
{
    if (!ws)
        return;
    for (size_t i = 0; i < ws->n_dests; i++)
        core_destination_done(&ws->dests[i]);
    for (size_t i = 0; i < ws->n_sources; i++) {
        free(ws->sources[i].name);
        free(ws->sources[i].file);
        free(ws->sources[i].connector);
        wv_json_free(ws->sources[i].config_node);
    }
    for (size_t i = 0; i < ws->n_conns; i++) {
        struct core_connection *c = &ws->conns[i];
        free(c->name);
        free(c->file);
        free(c->source);
        free(c->destination);
        free(c->prefix);
        free(c->schedule);
        for (size_t j = 0; j < c->n_streams; j++)
            stream_done(&c->streams[j]);
        for (size_t j = 0; j < c->n_checks; j++)
            qual_check_done(&c->checks[j]);
        free(c->checks);
        free(c->streams);
    }
    core_flows_free(ws);
    free(ws->dests);
    free(ws->sources);
    free(ws->conns);
    free(ws->root);
    free(ws->name);
    free(ws->default_destination);
    free(ws->state_dir);
    free(ws->db_path);
    free(ws);
}

/* Source by name. */
const struct core_source *core_workspace_source(const struct core_workspace *ws, const char *name)
{
    for (size_t i = 0; i < ws->n_sources; i++)
        if (wv_str_eq(ws->sources[i].name, name))
            return &ws->sources[i];
    return NULL;
}

/* Connection by name. */
const struct core_connection *core_workspace_connection(const struct core_workspace *ws,
                                                        const char *name)
{
    for (size_t i = 0; i < ws->n_conns; i++)
        if (wv_str_eq(ws->conns[i].name, name))
            return &ws->conns[i];
    return NULL;
}

/* Destination by name. */
const struct core_destination *core_workspace_destination(const struct core_workspace *ws,
                                                          const char *name)
{
    for (size_t i = 0; i < ws->n_dests; i++)
        if (wv_str_eq(ws->dests[i].name, name))
            return &ws->dests[i];
    return NULL;
}

/* The source's config, templates resolved. */
int core_source_config(const struct core_workspace *ws, const struct core_source *src,
                       struct wv_json **out, struct wv_error *err)
{
    return core_config_resolve(src->config_node, src->file, ws->root, out, err);
}
