/* decl_values.c - manifest field values compiled once into templates (decl_val), evaluated per
 * request/record with the CDK's interpolation context; RequestOption / RequestPath injection
 * (airbyte_cdk/sources/declarative/requesters/request_option.py) and secret redaction.
 * Built on the opening thread; evaluated by the reading thread. */
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "base/yaml.h"
#include "connectors/decl_int.h"

static const struct wv_json decl_empty_obj = {.type = WV_JSON_OBJECT};

/* "origin:line:col" of a node. */
const char *conn_decl_where(const char *origin, const struct wv_json *node, char *buf, size_t size)
{
    return wv_where(origin, node, buf, size);
}

/* The `type` of a component node, "" when none. */
const char *conn_decl_type(const struct wv_json *node)
{
    const char *t = wv_json_get_str(node, "type");
    return t ? t : "";
}

/* Error naming an unsupported component and its position. */
int conn_decl_unsupported(const char *origin, const struct wv_json *node, const char *what,
                          struct wv_error *err)
{
    char w[512];
    return wv_error_set(err, WV_E_NOTFOUND, 0, "%s: %s '%s' is not supported",
                        conn_decl_where(origin, node, w, sizeof w), what, conn_decl_type(node));
}

/* Compiles a template of v; a failure is kept in v->deferred (first one wins) and yields NULL. */
static struct conn_tmpl *decl_compile(struct decl_val *v, const char *text, const char *where)
{
    struct wv_error e;
    wv_error_clear(&e);
    struct conn_tmpl *t = conn_tmpl_compile(text, where, &e);
    if (!t && !v->deferred) {
        v->deferred = wv_strdup(e.msg);
        v->deferred_code = e.code != WV_E_OK ? e.code : WV_E_CONFIG;
    }
    return t;
}

/* Raises the deferred compile error of v, if any: -1 then. */
static int decl_deferred(const struct decl_val *v, struct wv_error *err)
{
    if (!v || !v->deferred)
        return 0;
    return wv_error_set(err, v->deferred_code, 0, "%s", v->deferred);
}

/* Builds v from node (NULL: absent); a template that does not compile is kept as a deferred
 * error (see struct decl_val). */
int conn_decl_val_build(struct decl_val *v, const struct wv_json *node, const char *origin,
                        struct wv_error *err)
{
    memset(v, 0, sizeof *v);
    if (!node)
        return 0;
    v->present = true;
    v->type = node->type;
    char w[512];
    conn_decl_where(origin, node, w, sizeof w);
    switch (node->type) {
    case WV_JSON_STRING:
        v->t = decl_compile(v, node->s, w);
        return 0;
    case WV_JSON_OBJECT:
    case WV_JSON_ARRAY:
        v->n = node->len;
        v->kids = wv_calloc(node->len ? node->len : 1, sizeof *v->kids);
        if (node->type == WV_JSON_OBJECT)
            v->keys = wv_calloc(node->len ? node->len : 1, sizeof *v->keys);
        for (size_t i = 0; i < node->len; i++) {
            if (v->keys)
                v->keys[i] = decl_compile(v, node->keys[i], w);
            if (conn_decl_val_build(&v->kids[i], node->items[i], origin, err) < 0)
                return -1;
        }
        return 0;
    default:
        v->lit = wv_json_dup(node);
        return 0;
    }
}

/* Frees what v holds. */
void conn_decl_val_done(struct decl_val *v)
{
    if (!v)
        return;
    conn_tmpl_free(v->t);
    wv_json_free(v->lit);
    for (size_t i = 0; i < v->n; i++) {
        if (v->keys)
            conn_tmpl_free(v->keys[i]);
        if (v->kids)
            conn_decl_val_done(&v->kids[i]);
    }
    free(v->keys);
    free(v->kids);
    free(v->deferred);
    memset(v, 0, sizeof *v);
}

/* Builds a field of obj. */
int conn_decl_field(struct decl_val *v, const struct wv_json *obj, const char *key,
                    const char *origin, struct wv_error *err)
{
    return conn_decl_val_build(v, wv_json_get(obj, key), origin, err);
}

/* The interpolation environment of vars. */
static size_t decl_env(const struct decl_vars *vars, const struct decl_run *run,
                       struct conn_interp_var *v, struct conn_interp_env *env)
{
    size_t n = 0;
    const struct wv_json *e = &decl_empty_obj;
    const struct wv_json *cfg = vars->config ? vars->config : run ? run->config : NULL;
    v[n++] = (struct conn_interp_var){"config", cfg ? cfg : e};
    v[n++] = (struct conn_interp_var){"parameters", vars->parameters ? vars->parameters : e};
    v[n++] = (struct conn_interp_var){"stream_state", vars->stream_state ? vars->stream_state : e};
    const struct wv_json *sl = vars->stream_slice ? vars->stream_slice : e;
    v[n++] = (struct conn_interp_var){"stream_slice", sl};
    v[n++] = (struct conn_interp_var){"stream_interval", sl};
    v[n++] = (struct conn_interp_var){"stream_partition", sl};
#define DECL_OPT(name)                                                                             \
    if (vars->name)                                                                                \
        v[n++] = (struct conn_interp_var){#name, vars->name};
    DECL_OPT(next_page_token)
    DECL_OPT(response)
    DECL_OPT(headers)
    DECL_OPT(last_record)
    DECL_OPT(last_page_size)
    DECL_OPT(record)
    DECL_OPT(creation_response)
    DECL_OPT(polling_response)
    DECL_OPT(download_target)
#undef DECL_OPT
    env->vars = v;
    env->n_vars = n;
    env->clock = run ? run->clock : NULL;
    return n;
}

/* Typed evaluation of v. */
int conn_decl_val_eval(const struct decl_val *v, const struct decl_vars *vars,
                       const struct decl_run *run, const struct wv_json *dflt, struct wv_json **out,
                       struct wv_error *err)
{
    *out = NULL;
    if (!v || !v->present) {
        *out = dflt ? wv_json_dup(dflt) : wv_json_null();
        return 0;
    }
    if (decl_deferred(v, err) < 0)
        return -1;
    if (v->t) {
        struct conn_interp_var vv[16];
        struct conn_interp_env env;
        decl_env(vars, run, vv, &env);
        return conn_tmpl_eval(v->t, &env, dflt, out, err);
    }
    if (v->lit) {
        *out = wv_json_dup(v->lit);
        return 0;
    }
    struct wv_json *res = v->type == WV_JSON_OBJECT ? wv_json_object() : wv_json_array();
    for (size_t i = 0; i < v->n; i++) {
        struct wv_json *x = NULL;
        if (conn_decl_val_eval(&v->kids[i], vars, run, NULL, &x, err) < 0) {
            wv_json_free(res);
            return -1;
        }
        if (v->type == WV_JSON_ARRAY) {
            wv_json_push(res, x);
            continue;
        }
        char *key = NULL;
        struct conn_interp_var vv[16];
        struct conn_interp_env env;
        decl_env(vars, run, vv, &env);
        if (conn_tmpl_render(v->keys[i], &env, &key, err) < 0) {
            wv_json_free(x);
            wv_json_free(res);
            return -1;
        }
        if (x->type == WV_JSON_NULL || (x->type == WV_JSON_STRING && x->slen == 0))
            wv_json_free(x); /* the CDK drops empty request inputs */
        else
            wv_json_set(res, key, x);
        free(key);
    }
    *out = res;
    return 0;
}

/* A JSON value as Python's str() shows scalars; containers as JSON. Caller frees. */
char *conn_decl_json_text(const struct wv_json *j)
{
    if (!j || j->type == WV_JSON_NULL)
        return wv_strdup("");
    if (j->type == WV_JSON_STRING)
        return wv_strndup(j->s, j->slen);
    if (j->type == WV_JSON_NUMBER)
        return wv_strdup(j->s);
    if (j->type == WV_JSON_BOOL)
        return wv_strdup(j->b ? "True" : "False");
    return wv_json_to_string(j);
}

/* Evaluation as text. */
int conn_decl_val_text(const struct decl_val *v, const struct decl_vars *vars,
                       const struct decl_run *run, char **out, struct wv_error *err)
{
    *out = NULL;
    if (decl_deferred(v, err) < 0)
        return -1;
    if (v && v->t) {
        struct conn_interp_var vv[16];
        struct conn_interp_env env;
        decl_env(vars, run, vv, &env);
        return conn_tmpl_render(v->t, &env, out, err);
    }
    struct wv_json *j = NULL;
    if (conn_decl_val_eval(v, vars, run, NULL, &j, err) < 0)
        return -1;
    *out = conn_decl_json_text(j);
    wv_json_free(j);
    return 0;
}

/* Condition evaluation. */
int conn_decl_val_truthy(const struct decl_val *v, const struct decl_vars *vars,
                         const struct decl_run *run, bool dflt, bool *out, struct wv_error *err)
{
    *out = dflt;
    if (!v || !v->present)
        return 0;
    if (decl_deferred(v, err) < 0)
        return -1;
    if (v->t) {
        struct conn_interp_var vv[16];
        struct conn_interp_env env;
        decl_env(vars, run, vv, &env);
        return conn_tmpl_truthy(v->t, &env, out, err);
    }
    if (v->lit && v->lit->type == WV_JSON_BOOL)
        *out = v->lit->b;
    else if (v->lit && v->lit->type == WV_JSON_NUMBER)
        *out = strcmp(v->lit->s, "0") != 0;
    else
        *out = v->n > 0;
    return 0;
}

/* ---- request options ---- */

/* Builds a RequestOption or RequestPath (NULL node: none). */
int conn_decl_reqopt_build(struct decl_reqopt *o, const struct wv_json *node, const char *origin,
                           struct wv_error *err)
{
    memset(o, 0, sizeof *o);
    if (!node)
        return 0;
    if (strcmp(conn_decl_type(node), "RequestPath") == 0) {
        o->into = DECL_INJ_PATH;
        return 0;
    }
    const char *into = wv_json_get_str(node, "inject_into");
    static const struct {
        const char *name;
        enum decl_inject v;
    } kinds[] = {{"request_parameter", DECL_INJ_PARAM},
                 {"header", DECL_INJ_HEADER},
                 {"body_data", DECL_INJ_BODY_DATA},
                 {"body_json", DECL_INJ_BODY_JSON}};
    for (size_t i = 0; into && i < sizeof kinds / sizeof kinds[0]; i++)
        if (strcmp(into, kinds[i].name) == 0)
            o->into = kinds[i].v;
    char w[512];
    if (o->into == DECL_INJ_NONE)
        return wv_error_set(err, WV_E_CONFIG, 0, "%s: RequestOption: bad inject_into '%s'",
                            conn_decl_where(origin, node, w, sizeof w), into ? into : "");
    const struct wv_json *fp = wv_json_get(node, "field_path");
    if (fp && fp->type == WV_JSON_ARRAY && fp->len) {
        o->field_path = wv_calloc(fp->len + 1, sizeof *o->field_path);
        for (size_t i = 0; i < fp->len; i++)
            o->field_path[i] = conn_decl_json_text(fp->items[i]);
        return 0;
    }
    if (!wv_json_get(node, "field_name"))
        return wv_error_set(err, WV_E_CONFIG, 0, "%s: RequestOption needs field_name",
                            conn_decl_where(origin, node, w, sizeof w));
    return conn_decl_field(&o->field_name, node, "field_name", origin, err);
}

/* Frees an option. */
void conn_decl_reqopt_done(struct decl_reqopt *o)
{
    conn_decl_val_done(&o->field_name);
    wv_strv_free(o->field_path);
    memset(o, 0, sizeof *o);
}

/* Sets value at a nested path of body_json. */
static void decl_set_path(struct wv_json *obj, char *const *path, const struct wv_json *value)
{
    for (; path[1]; path++) {
        struct wv_json *next = wv_json_get(obj, path[0]);
        if (!next || next->type != WV_JSON_OBJECT) {
            next = wv_json_object();
            wv_json_set(obj, path[0], next);
        }
        obj = next;
    }
    wv_json_set(obj, path[0], wv_json_dup(value));
}

/* Injects value into req. */
int conn_decl_reqopt_inject(const struct decl_reqopt *o, const struct wv_json *value,
                            const struct decl_vars *vars, const struct decl_run *run,
                            struct decl_req *req, struct wv_error *err)
{
    if (o->into == DECL_INJ_NONE || !value || value->type == WV_JSON_NULL)
        return 0;
    if (o->into == DECL_INJ_PATH) {
        free(req->path);
        req->path = conn_decl_json_text(value);
        return 0;
    }
    struct wv_json **dst = o->into == DECL_INJ_PARAM       ? &req->params
                           : o->into == DECL_INJ_HEADER    ? &req->headers
                           : o->into == DECL_INJ_BODY_DATA ? &req->body_data
                                                           : &req->body_json;
    if (!*dst)
        *dst = wv_json_object();
    if (o->field_path) {
        decl_set_path(*dst, o->field_path, value);
        return 0;
    }
    char *name = NULL;
    if (conn_decl_val_text(&o->field_name, vars, run, &name, err) < 0)
        return -1;
    if (o->into == DECL_INJ_HEADER || o->into == DECL_INJ_PARAM || o->into == DECL_INJ_BODY_DATA) {
        char *text = conn_decl_json_text(value);
        wv_json_set(*dst, name, wv_json_str(text));
        free(text);
    } else {
        wv_json_set(*dst, name, wv_json_dup(value));
    }
    free(name);
    return 0;
}

/* An empty request. */
void conn_decl_req_init(struct decl_req *r)
{
    memset(r, 0, sizeof *r);
}

/* Frees a request's parts. */
void conn_decl_req_done(struct decl_req *r)
{
    free(r->path);
    wv_json_free(r->params);
    wv_json_free(r->headers);
    wv_json_free(r->body_json);
    wv_json_free(r->body_data);
    memset(r, 0, sizeof *r);
}

/* Replaces every occurrence of the run's secrets in err's message by "****". */
void conn_decl_redact_error(const struct decl_run *run, struct wv_error *err)
{
    if (!run || !run->secrets || !wv_error_isset(err))
        return;
    for (char **s = run->secrets; *s; s++) {
        size_t n = strlen(*s);
        if (n < 3)
            continue;
        char *hit;
        while ((hit = strstr(err->msg, *s)) != NULL) {
            struct wv_buf b = WV_BUF_INIT;
            wv_buf_append(&b, err->msg, (size_t)(hit - err->msg), NULL);
            wv_buf_puts(&b, "****", NULL);
            wv_buf_puts(&b, hit + n, NULL);
            wv_strlcpy(err->msg, wv_buf_cstr(&b), sizeof err->msg);
            wv_buf_done(&b);
        }
    }
}
