/* decl_dynamic.c - dynamic_streams: DynamicDeclarativeStream with HttpComponentsResolver,
 * ConfigComponentsResolver or ParametrizedComponentsResolver; each resolved value (an HTTP
 * record, a config entry, a listed parameter set) fills a copy of stream_template through the
 * ComponentMappingDefinitions (dpath.set semantics), following the CDK's
 * airbyte_cdk/sources/declarative/resolvers/ and concurrent_declarative_source.py
 * (_dynamic_stream_configs). Also the manifest-wide preparation the CDK's factory does by
 * passing values between components (conn_decl_prepare). Built on the opening thread; resolved
 * by the thread running check/discover/read. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "connectors/decl_int.h"

#define DECL_DYN_MAX_STREAMS 10000 /* generated streams per source */
#define DECL_DYN_MAX_DEPTH 64      /* of a mapping's field_path */

enum decl_dyn_kind { DECL_DYN_HTTP, DECL_DYN_CONFIG, DECL_DYN_PARAMS };

/* One ComponentMappingDefinition. */
struct decl_mapping {
    struct conn_tmpl **path; /* field_path, each segment a template */
    size_t n_path;
    struct conn_tmpl *value;
    struct conn_tmpl *condition; /* NULL: always */
    bool as_string;              /* value_type: string */
    bool create_or_update;
};

/* One DynamicDeclarativeStream. */
struct decl_dyn_def {
    enum decl_dyn_kind kind;
    struct wv_json *tmpl;       /* stream_template (owned copy) */
    struct wv_json *params;     /* the resolver's $parameters (owned) */
    struct decl_stream *retr;   /* HTTP: the resolver's retriever run as a stream */
    struct wv_json *cfg_ptrs;   /* CONFIG: the StreamConfig nodes (owned copy) */
    struct wv_json *param_list; /* PARAMS: list_of_parameters_for_stream (owned copy) */
    struct decl_mapping *maps;
    size_t n_maps;
};

struct decl_dynamic {
    char *origin;
    struct decl_dyn_def *defs;
    size_t n;
};

/* ---- preparation of the resolved tree ---- */

/* Copies url_base into every LegacySessionTokenAuthenticator under auth as its api_url (the
 * CDK's factory passes the requester's url_base to it). */
static void decl_prepare_auth(struct wv_json *auth, const struct wv_json *url_base, int depth)
{
    if (!auth || depth > 16 || (auth->type != WV_JSON_OBJECT && auth->type != WV_JSON_ARRAY))
        return;
    if (strcmp(conn_decl_type(auth), "LegacySessionTokenAuthenticator") == 0 &&
        !wv_json_get(auth, "api_url")) {
        wv_json_set(auth, "api_url", wv_json_dup(url_base));
        return;
    }
    for (size_t i = 0; i < auth->len; i++)
        decl_prepare_auth(auth->items[i], url_base, depth + 1);
}

/* Prepares the resolved tree for building (see decl_int.h). */
void conn_decl_prepare(struct wv_json *node)
{
    if (!node || (node->type != WV_JSON_OBJECT && node->type != WV_JSON_ARRAY))
        return;
    if (node->type == WV_JSON_OBJECT) {
        const struct wv_json *base = wv_json_get(node, "url_base");
        if (!base)
            base = wv_json_get(node, "url");
        if (base && base->type == WV_JSON_STRING)
            decl_prepare_auth(wv_json_get(node, "authenticator"), base, 0);
        /* a parent stream is read without state: a StateDelegatingStream is its full refresh */
        struct wv_json *st = wv_json_get(node, "stream");
        const struct wv_json *full = wv_json_get(st, "full_refresh_stream");
        if (strcmp(conn_decl_type(node), "ParentStreamConfig") == 0 &&
            strcmp(conn_decl_type(st), "StateDelegatingStream") == 0 && full) {
            struct wv_json *copy = wv_json_dup(full);
            for (size_t i = 0; i < node->len; i++)
                if (node->items[i] == st) {
                    wv_json_free(st);
                    node->items[i] = copy;
                }
        }
    }
    for (size_t i = 0; i < node->len; i++)
        conn_decl_prepare(node->items[i]);
}

/* ---- building ---- */

/* Builds the ComponentMappingDefinitions of a resolver. */
static int decl_maps_build(struct decl_dyn_def *d, const struct wv_json *list, const char *origin,
                           struct wv_error *err)
{
    char w[512];
    d->maps = wv_calloc(list->len ? list->len : 1, sizeof *d->maps);
    for (size_t i = 0; i < list->len; i++, d->n_maps++) {
        const struct wv_json *m = list->items[i];
        struct decl_mapping *mp = &d->maps[i];
        const struct wv_json *fp = wv_json_get(m, "field_path");
        const struct wv_json *val = wv_json_get(m, "value");
        conn_decl_where(origin, m, w, sizeof w);
        if (!fp || fp->type != WV_JSON_ARRAY || !fp->len || fp->len > DECL_DYN_MAX_DEPTH || !val ||
            val->type != WV_JSON_STRING)
            return wv_error_set(err, WV_E_CONFIG, 0,
                                "%s: ComponentMappingDefinition needs a field_path and a "
                                "string value",
                                w);
        mp->path = wv_calloc(fp->len, sizeof *mp->path);
        for (size_t k = 0; k < fp->len; k++, mp->n_path++) {
            char *seg = conn_decl_json_text(fp->items[k]);
            mp->path[k] = conn_tmpl_compile(seg, w, err);
            free(seg);
            if (!mp->path[k])
                return -1;
        }
        const char *cond = wv_json_get_str(m, "condition");
        if (!(mp->value = conn_tmpl_compile(val->s, w, err)) ||
            (cond && !(mp->condition = conn_tmpl_compile(cond, w, err))))
            return -1;
        const char *vt = wv_json_get_str(m, "value_type");
        mp->as_string = vt && strcmp(vt, "string") == 0;
        wv_json_get_bool(m, "create_or_update", false, &mp->create_or_update);
    }
    return 0;
}

/* Builds an HttpComponentsResolver's retriever as a stream of its own. */
static int decl_http_build(struct decl_dyn_def *d, const struct wv_json *res, size_t idx,
                           const char *origin, struct wv_error *err)
{
    const struct wv_json *ret = wv_json_get(res, "retriever");
    struct wv_json *node = wv_json_object();
    char *name = wv_asprintf("dynamic_streams[%zu].components_resolver", idx);
    wv_json_set(node, "type", wv_json_str("DeclarativeStream"));
    wv_json_set(node, "name", wv_json_str(name));
    wv_json_set(node, "retriever", ret ? wv_json_dup(ret) : wv_json_null());
    if (d->params)
        wv_json_set(node, "$parameters", wv_json_dup(d->params));
    d->retr = conn_decl_stream_build(node, origin, err);
    wv_json_free(node);
    free(name);
    return d->retr ? 0 : -1;
}

/* Builds one DynamicDeclarativeStream. */
static int decl_def_build(struct decl_dyn_def *d, const struct wv_json *node, size_t idx,
                          const char *origin, struct wv_error *err)
{
    char w[512];
    const struct wv_json *tmpl = wv_json_get(node, "stream_template");
    const struct wv_json *res = wv_json_get(node, "components_resolver");
    const struct wv_json *maps = wv_json_get(res, "components_mapping");
    const char *t = conn_decl_type(res);
    if (!tmpl || tmpl->type != WV_JSON_OBJECT || !maps || maps->type != WV_JSON_ARRAY)
        return wv_error_set(err, WV_E_CONFIG, 0,
                            "%s: DynamicDeclarativeStream needs a stream_template and a "
                            "components_resolver with components_mapping",
                            conn_decl_where(origin, node, w, sizeof w));
    if (strcmp(conn_decl_type(tmpl), "StateDelegatingStream") == 0)
        return conn_decl_unsupported(origin, tmpl, "stream_template", err);
    d->tmpl = wv_json_dup(tmpl);
    const struct wv_json *p = wv_json_get(res, "$parameters");
    d->params = p ? wv_json_dup(p) : wv_json_object();
    if (decl_maps_build(d, maps, origin, err) < 0)
        return -1;
    if (strcmp(t, "HttpComponentsResolver") == 0) {
        d->kind = DECL_DYN_HTTP;
        return decl_http_build(d, res, idx, origin, err);
    }
    if (strcmp(t, "ConfigComponentsResolver") == 0) {
        const struct wv_json *sc = wv_json_get(res, "stream_config");
        d->kind = DECL_DYN_CONFIG;
        d->cfg_ptrs = wv_json_array();
        if (sc && sc->type == WV_JSON_ARRAY)
            for (size_t i = 0; i < sc->len; i++)
                wv_json_push(d->cfg_ptrs, wv_json_dup(sc->items[i]));
        else if (sc)
            wv_json_push(d->cfg_ptrs, wv_json_dup(sc));
        return 0;
    }
    if (strcmp(t, "ParametrizedComponentsResolver") == 0) {
        const struct wv_json *l =
            wv_json_get(wv_json_get(res, "stream_parameters"), "list_of_parameters_for_stream");
        d->kind = DECL_DYN_PARAMS;
        d->param_list = l && l->type == WV_JSON_ARRAY ? wv_json_dup(l) : wv_json_array();
        return 0;
    }
    return conn_decl_unsupported(origin, res, "components_resolver", err);
}

/* Frees one definition. */
static void decl_def_done(struct decl_dyn_def *d)
{
    wv_json_free(d->tmpl);
    wv_json_free(d->params);
    conn_decl_stream_free(d->retr);
    wv_json_free(d->cfg_ptrs);
    wv_json_free(d->param_list);
    for (size_t i = 0; i < d->n_maps; i++) {
        for (size_t k = 0; k < d->maps[i].n_path; k++)
            conn_tmpl_free(d->maps[i].path[k]);
        free(d->maps[i].path);
        conn_tmpl_free(d->maps[i].value);
        conn_tmpl_free(d->maps[i].condition);
    }
    free(d->maps);
}

/* Builds the dynamic_streams of a manifest (*out NULL when it has none). */
int conn_decl_dynamic_build(const struct wv_json *root, const char *origin,
                            struct decl_dynamic **out, struct wv_error *err)
{
    *out = NULL;
    const struct wv_json *list = wv_json_get(root, "dynamic_streams");
    if (!list)
        return 0;
    if (list->type != WV_JSON_ARRAY)
        return wv_error_set(err, WV_E_CONFIG, 0, "%s: dynamic_streams must be a list", origin);
    struct decl_dynamic *d = wv_calloc(1, sizeof *d);
    d->origin = wv_strdup(origin);
    d->defs = wv_calloc(list->len ? list->len : 1, sizeof *d->defs);
    for (size_t i = 0; i < list->len; i++) {
        d->n++;
        if (decl_def_build(&d->defs[i], list->items[i], i, origin, err) < 0) {
            wv_error_prefix(err, "dynamic_streams[%zu]", i);
            conn_decl_dynamic_free(d);
            return -1;
        }
    }
    *out = d;
    return 0;
}

/* Frees the dynamic stream definitions. */
void conn_decl_dynamic_free(struct decl_dynamic *d)
{
    if (!d)
        return;
    for (size_t i = 0; i < d->n; i++)
        decl_def_done(&d->defs[i]);
    free(d->defs);
    free(d->origin);
    free(d);
}

/* ---- resolving ---- */

/* Sets value (borrowed) at path in j where the path exists (dpath.set: '*' matches every key
 * or index, numeric segments index lists); with create, missing objects are made (dpath.new)
 * when nothing matched. Returns how many places were set. */
static size_t decl_dpath_set(struct wv_json *j, char **path, const struct wv_json *value,
                             bool create)
{
    if (!j || (j->type != WV_JSON_OBJECT && j->type != WV_JSON_ARRAY))
        return 0;
    size_t n = 0;
    for (size_t i = 0; i < j->len; i++) {
        char idx[32];
        const char *key = j->type == WV_JSON_OBJECT ? j->keys[i] : NULL;
        if (!key) {
            snprintf(idx, sizeof idx, "%zu", i);
            key = idx;
        }
        if (strcmp(path[0], "*") != 0 && strcmp(path[0], key) != 0)
            continue;
        if (path[1]) {
            n += decl_dpath_set(j->items[i], path + 1, value, create);
            continue;
        }
        wv_json_free(j->items[i]);
        j->items[i] = wv_json_dup(value);
        n++;
    }
    if (n || !create || j->type != WV_JSON_OBJECT || strcmp(path[0], "*") == 0)
        return n;
    if (!path[1]) {
        wv_json_set(j, path[0], wv_json_dup(value));
        return 1;
    }
    struct wv_json *o = wv_json_object();
    wv_json_set(j, path[0], o);
    return decl_dpath_set(o, path + 1, value, create);
}

/* Applies the mappings of d to a copy of the template for one components_values. */
static int decl_fill(const struct decl_dyn_def *d, struct decl_run *run,
                     const struct wv_json *values, const struct wv_json *slice,
                     struct wv_json **out, struct wv_error *err)
{
    static const struct wv_json empty = {.type = WV_JSON_OBJECT};
    struct conn_interp_var v[] = {{"config", run->config},
                                  {"parameters", d->params},
                                  {"components_values", values},
                                  {"stream_slice", slice ? slice : &empty},
                                  {"stream_partition", slice ? slice : &empty},
                                  {"stream_template_config", d->tmpl}};
    struct conn_interp_env env = {v, sizeof v / sizeof v[0], run->clock};
    struct wv_json *node = wv_json_dup(d->tmpl);
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < d->n_maps; i++) {
        const struct decl_mapping *m = &d->maps[i];
        bool ok = true;
        if (m->condition && (rc = conn_tmpl_truthy(m->condition, &env, &ok, err)) < 0)
            break;
        if (!ok)
            continue;
        char *path[DECL_DYN_MAX_DEPTH + 1] = {0};
        for (size_t k = 0; rc == 0 && k < m->n_path; k++)
            rc = conn_tmpl_render(m->path[k], &env, &path[k], err);
        struct wv_json *val = NULL;
        if (rc == 0 && m->as_string) {
            char *text = NULL;
            if ((rc = conn_tmpl_render(m->value, &env, &text, err)) == 0)
                val = wv_json_str(text);
            free(text);
        } else if (rc == 0) {
            rc = conn_tmpl_eval(m->value, &env, NULL, &val, err);
        }
        bool create = m->create_or_update && val && val->type != WV_JSON_NULL;
        if (rc == 0)
            decl_dpath_set(node, path, val, create);
        wv_json_free(val);
        for (size_t k = 0; k < m->n_path; k++)
            free(path[k]);
    }
    if (rc < 0) {
        wv_json_free(node);
        return -1;
    }
    if (!wv_json_get(node, "type"))
        wv_json_set(node, "type", wv_json_str("DeclarativeStream"));
    *out = node;
    return 0;
}

/* What resolving collects: the generated stream nodes. */
struct decl_collect {
    const struct decl_dyn_def *d;
    struct decl_run *run;
    struct wv_json *nodes; /* array */
};

/* HttpComponentsResolver record callback: one stream per record. */
static int decl_collect_record(void *ctx, const struct wv_json *slice, struct wv_json *record,
                               struct wv_error *err)
{
    struct decl_collect *c = ctx;
    struct wv_json *node = NULL;
    int rc =
        c->nodes->len >= DECL_DYN_MAX_STREAMS
            ? wv_error_set(err, WV_E_LIMIT, 0, "more than %d dynamic streams", DECL_DYN_MAX_STREAMS)
            : decl_fill(c->d, c->run, record, slice, &node, err);
    if (rc == 0)
        wv_json_push(c->nodes, node);
    wv_json_free(record);
    return rc;
}

/* The value at a config pointer (each segment a template evaluated with config). */
static int decl_config_at(const struct decl_dyn_def *d, struct decl_run *run,
                          const struct wv_json *ptr, const struct wv_json **out,
                          struct wv_error *err)
{
    struct decl_vars vars = {.config = run->config, .parameters = d->params};
    const struct wv_json *cur = run->config;
    for (size_t i = 0; ptr && ptr->type == WV_JSON_ARRAY && i < ptr->len && cur; i++) {
        struct decl_val seg;
        char *key = NULL;
        int rc = conn_decl_val_build(&seg, ptr->items[i], "stream_config", err);
        if (rc == 0)
            rc = conn_decl_val_text(&seg, &vars, run, &key, err);
        conn_decl_val_done(&seg);
        if (rc < 0)
            return -1;
        int64_t n;
        cur = cur->type == WV_JSON_ARRAY && wv_parse_i64(key, &n) == 0 && n >= 0
                  ? wv_json_at(cur, (size_t)n)
                  : wv_json_get(cur, key);
        free(key);
    }
    *out = cur;
    return 0;
}

/* The components_values of a ConfigComponentsResolver: the product of its stream_configs
 * (each a list at configs_pointer plus default_values), merged as the CDK does. Caller frees. */
static int decl_config_values(const struct decl_dyn_def *d, struct decl_run *run,
                              struct wv_json **out, struct wv_error *err)
{
    struct wv_json *combos = wv_json_array();
    wv_json_push(combos, wv_json_object());
    for (size_t i = 0; i < d->cfg_ptrs->len; i++) {
        const struct wv_json *sc = d->cfg_ptrs->items[i], *at = NULL;
        if (decl_config_at(d, run, wv_json_get(sc, "configs_pointer"), &at, err) < 0) {
            wv_json_free(combos);
            return -1;
        }
        struct wv_json *items = wv_json_array();
        if (at && at->type == WV_JSON_ARRAY)
            for (size_t k = 0; k < at->len; k++)
                wv_json_push(items, wv_json_dup(at->items[k]));
        else if (at)
            wv_json_push(items, wv_json_dup(at));
        const struct wv_json *dv = wv_json_get(sc, "default_values");
        for (size_t k = 0; dv && dv->type == WV_JSON_ARRAY && k < dv->len; k++)
            wv_json_push(items, wv_json_dup(dv->items[k]));
        struct wv_json *next = wv_json_array();
        for (size_t a = 0; a < combos->len && next->len < DECL_DYN_MAX_STREAMS; a++)
            for (size_t k = 0; k < items->len && next->len < DECL_DYN_MAX_STREAMS; k++) {
                struct wv_json *m = wv_json_dup(combos->items[a]);
                const struct wv_json *e = items->items[k];
                for (size_t f = 0; e->type == WV_JSON_OBJECT && f < e->len; f++)
                    wv_json_set(m, e->keys[f], wv_json_dup(e->items[f]));
                if (e->type != WV_JSON_OBJECT) {
                    struct wv_json *pair = wv_json_array();
                    char key[48];
                    snprintf(key, sizeof key, "source_config_%zu", i);
                    wv_json_push(pair, wv_json_int((int64_t)k));
                    wv_json_push(pair, wv_json_dup(e));
                    wv_json_set(m, key, pair);
                }
                wv_json_push(next, m);
            }
        wv_json_free(items);
        wv_json_free(combos);
        combos = next;
    }
    *out = combos;
    return 0;
}

/* The generated stream nodes of one definition, appended to nodes. */
static int decl_def_resolve(const struct decl_dyn_def *d, struct decl_run *run,
                            struct wv_json *nodes, struct wv_error *err)
{
    struct decl_collect c = {d, run, nodes};
    if (d->kind == DECL_DYN_HTTP)
        return conn_decl_stream_read_all(d->retr, run, 0, decl_collect_record, &c, err);
    struct wv_json *values = NULL;
    if (d->kind == DECL_DYN_CONFIG && decl_config_values(d, run, &values, err) < 0)
        return -1;
    const struct wv_json *list = d->kind == DECL_DYN_CONFIG ? values : d->param_list;
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < list->len; i++)
        rc = decl_collect_record(&c, NULL, wv_json_dup(list->items[i]), err);
    wv_json_free(values);
    return rc;
}

/* Builds the generated stream nodes; their names must be unique. */
static int decl_build_nodes(const struct decl_dynamic *d, const struct wv_json *nodes,
                            struct decl_stream **streams, size_t *n, struct wv_error *err)
{
    for (size_t i = 0; i < nodes->len; i++) {
        const char *name = wv_json_get_str(nodes->items[i], "name");
        if (!name)
            return wv_error_set(err, WV_E_CONFIG, 0, "%s: a dynamic stream's name is not a string",
                                d->origin);
        for (size_t k = 0; k < *n; k++)
            if (strcmp(streams[k]->name, name) == 0)
                return wv_error_set(err, WV_E_CONFIG, 0,
                                    "%s: dynamic streams list contains a duplicate name: %s",
                                    d->origin, name);
        if (!(streams[*n] = conn_decl_stream_build(nodes->items[i], d->origin, err)))
            return wv_error_prefix(err, "dynamic stream '%s'", name);
        (*n)++;
    }
    return 0;
}

/* Resolves every dynamic stream definition into built streams (see decl_int.h). */
int conn_decl_dynamic_resolve(const struct decl_dynamic *d, struct decl_run *run,
                              struct decl_stream ***streams, size_t *n, struct wv_error *err)
{
    *streams = NULL;
    *n = 0;
    if (!d)
        return 0;
    struct wv_json *nodes = wv_json_array();
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < d->n; i++)
        if ((rc = decl_def_resolve(&d->defs[i], run, nodes, err)) < 0)
            wv_error_prefix(err, "dynamic_streams[%zu]", i);
    struct decl_stream **out = wv_calloc(nodes->len + 1, sizeof *out);
    if (rc == 0)
        rc = decl_build_nodes(d, nodes, out, n, err);
    wv_json_free(nodes);
    if (rc < 0) {
        for (size_t i = 0; i < *n; i++)
            conn_decl_stream_free(out[i]);
        free(out);
        *n = 0;
        return -1;
    }
    *streams = out;
    return 0;
}
