/* interp.c - the template engine's public face (interp_int.h): compile once, then evaluate,
 * render or test a template many times, like the CDK's JinjaInterpolation.eval
 * (airbyte_cdk/sources/declarative/interpolation/jinja.py: render, then ast.literal_eval of
 * the text; empty or undefined results fall back to the default). Also the scratch arena.
 * Any thread: a compiled template is immutable; each evaluation has its own context. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "connectors/interp_priv.h"

struct ip_chunk {
    struct ip_chunk *next;
    size_t used, size;
    max_align_t data[];
};

#define CHUNK_MIN 4096

/* Allocates n zeroed bytes from the arena. */
void *conn_ip_alloc(struct ip_arena *a, size_t n)
{
    size_t al = sizeof(max_align_t);
    n = (n + al - 1) / al * al;
    if (!n)
        n = al;
    struct ip_chunk *c = a->head;
    if (!c || c->size - c->used < n) {
        size_t size = n > CHUNK_MIN ? n : CHUNK_MIN;
        if (c && c->size * 2 > size && c->size < (1u << 20))
            size = c->size * 2 > n ? c->size * 2 : n;
        c = wv_malloc(sizeof *c + size);
        c->size = size;
        c->used = 0;
        c->next = a->head;
        a->head = c;
        a->total += size;
    }
    void *p = (char *)c->data + c->used;
    c->used += n;
    memset(p, 0, n);
    return p;
}

/* Copies n bytes into the arena, NUL-terminated. */
char *conn_ip_strndup(struct ip_arena *a, const char *s, size_t n)
{
    char *d = conn_ip_alloc(a, n + 1);
    if (n)
        memcpy(d, s, n);
    d[n] = '\0';
    return d;
}

/* Frees every chunk. */
void conn_ip_arena_free(struct ip_arena *a)
{
    struct ip_chunk *c = a->head;
    while (c) {
        struct ip_chunk *n = c->next;
        free(c);
        c = n;
    }
    a->head = NULL;
    a->total = 0;
}

/* Formats the "where: template '...': " prefix of errors. */
static void prefix_error(struct wv_error *err, const char *where, const char *src, size_t len)
{
    int n = len > 120 ? 117 : (int)len;
    if (where && *where)
        wv_error_prefix(err, "%s: template '%.*s%s'", where, n, src, len > 120 ? "..." : "");
    else
        wv_error_prefix(err, "template '%.*s%s'", n, src, len > 120 ? "..." : "");
}

/* Compiles a template string. */
struct conn_tmpl *conn_tmpl_compile(const char *text, const char *where, struct wv_error *err)
{
    if (!text)
        text = "";
    size_t len = strlen(text);
    if (len > IP_MAX_TEMPLATE) {
        wv_error_set(err, WV_E_LIMIT, 0, "%s%stemplate of %zu bytes exceeds the limit of %u",
                     where ? where : "", where ? ": " : "", len, IP_MAX_TEMPLATE);
        return NULL;
    }
    struct conn_tmpl *t = wv_calloc(1, sizeof *t);
    t->src = wv_strndup(text, len);
    t->len = len;
    t->where = wv_strdup(where ? where : "");
    struct ip_tokens toks = {0};
    struct wv_error local;
    wv_error_clear(&local);
    int rc = conn_ip_lex(t->src, len, &t->arena, &toks, &local);
    if (rc == 0)
        rc = conn_ip_parse(t, &toks, &local);
    free(toks.v);
    if (rc < 0) {
        prefix_error(&local, t->where, t->src, t->len);
        wv_error_set(err, local.code, local.detail, "%s", local.msg);
        conn_tmpl_free(t);
        return NULL;
    }
    return t;
}

/* Frees a compiled template. */
void conn_tmpl_free(struct conn_tmpl *t)
{
    if (!t)
        return;
    conn_ip_arena_free(&t->arena);
    free(t->src);
    free(t->where);
    free(t);
}

/* Whether the template has no tags. */
bool conn_tmpl_is_static(const struct conn_tmpl *t) { return t && t->is_static; }

/* Sets up an evaluation context. */
void conn_ip_ctx_init(struct ip_ctx *c, const struct conn_tmpl *t,
                      const struct conn_interp_env *env, struct wv_error *err)
{
    memset(c, 0, sizeof *c);
    c->t = t;
    c->env = env;
    c->err = err;
}

/* Releases an evaluation context. */
void conn_ip_ctx_done(struct ip_ctx *c)
{
    conn_ip_arena_free(&c->arena);
    free(c->locals);
    c->locals = NULL;
}

/* Runtime error at a template offset. */
int conn_ip_fail(struct ip_ctx *c, uint32_t pos, const char *fmt, ...)
{
    if (wv_error_isset(c->err) || c->undef_err)
        return -1;
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    wv_error_set(c->err, WV_E_CONFIG, (long)pos, "%s at offset %u", msg, pos);
    prefix_error(c->err, c->t->where, c->t->src, c->t->len);
    return -1;
}

/* Jinja's UndefinedError: the CDK falls back to the default. */
int conn_ip_undef(struct ip_ctx *c, uint32_t pos, const char *what)
{
    (void)pos;
    (void)what;
    c->undef_err = true;
    return -1;
}

/* Counts one step against the evaluation budget. */
int conn_ip_step(struct ip_ctx *c, uint32_t pos)
{
    if (++c->steps > IP_MAX_STEPS)
        return conn_ip_fail(c, pos, "evaluation exceeds %u steps", IP_MAX_STEPS);
    if (c->arena.total > IP_MAX_ARENA)
        return conn_ip_fail(c, pos, "evaluation exceeds %u bytes of memory", IP_MAX_ARENA);
    return 0;
}

/* Renders into buf; *undef tells whether an UndefinedError cut it short. */
static int render_buf(const struct conn_tmpl *t, const struct conn_interp_env *env,
                      struct wv_buf *buf, bool *undef, struct wv_error *err)
{
    struct ip_ctx c;
    conn_ip_ctx_init(&c, t, env, err);
    wv_buf_init(buf, IP_MAX_OUTPUT);
    int rc = conn_ip_exec(&c, t->body, buf);
    *undef = c.undef_err;
    conn_ip_ctx_done(&c);
    if (rc < 0 && !*undef && buf->len >= IP_MAX_OUTPUT - 1 && !wv_error_isset(err))
        wv_error_set(err, WV_E_LIMIT, 0, "output exceeds %u bytes", IP_MAX_OUTPUT);
    if (rc < 0 && !*undef && err && err->code == WV_E_LIMIT && !strstr(err->msg, "template '"))
        prefix_error(err, t->where, t->src, t->len);
    return *undef ? 0 : rc;
}

/* A copy of the default, or null. */
static struct wv_json *default_value(const struct wv_json *dflt)
{
    return dflt ? wv_json_dup(dflt) : wv_json_null();
}

/* Turns rendered text into the CDK's typed value (empty -> default, literal_eval, None ->
 * default, otherwise the text). */
static struct wv_json *typed_value(const char *text, size_t len, const struct wv_json *dflt)
{
    if (len == 0)
        return default_value(dflt);
    struct wv_json *v = conn_ip_literal_eval(text, len);
    if (!v)
        return wv_json_strn(text, len);
    if (v->type == WV_JSON_NULL) {
        wv_json_free(v);
        return default_value(dflt);
    }
    return v;
}

/* A template that is one {{ expr }}: containers and numbers convert directly, the rest goes
 * through str() and literal_eval as the CDK does. */
static int eval_single(const struct conn_tmpl *t, const struct conn_interp_env *env,
                       const struct wv_json *dflt, struct wv_json **out, struct wv_error *err)
{
    struct ip_ctx c;
    struct iv v;
    conn_ip_ctx_init(&c, t, env, err);
    int rc = conn_ip_eval(&c, t->body->expr, &v);
    if (rc < 0 || v.kind == IV_UNDEF || v.kind == IV_NONE) {
        if (rc == 0 || c.undef_err)
            *out = default_value(dflt);
        conn_ip_ctx_done(&c);
        return *out ? 0 : -1;
    }
    if (v.kind == IV_LIST || v.kind == IV_DICT || v.kind == IV_JSON || v.kind == IV_INT ||
        v.kind == IV_BOOL || v.kind == IV_TUPLE || (v.kind == IV_FLOAT && isfinite(v.u.f)))
        *out = conn_iv_to_json(&v); /* NULL when a container holds non-JSON values */
    if (!*out) {
        struct wv_buf buf;
        wv_buf_init(&buf, IP_MAX_OUTPUT);
        if (v.kind == IV_STR)
            *out = typed_value(v.u.s.p, v.u.s.n, dflt);
        else if (conn_iv_str_to(&buf, &v, err) == 0)
            *out = typed_value(wv_buf_cstr(&buf), buf.len, dflt);
        wv_buf_done(&buf);
    }
    conn_ip_ctx_done(&c);
    return *out ? 0 : -1;
}

/* Evaluates like JinjaInterpolation.eval. */
int conn_tmpl_eval(const struct conn_tmpl *t, const struct conn_interp_env *env,
                   const struct wv_json *dflt, struct wv_json **out, struct wv_error *err)
{
    *out = NULL;
    if (t->body && !t->body->next && t->body->kind == ST_OUT)
        return eval_single(t, env, dflt, out, err);
    struct wv_buf buf;
    bool undef;
    if (render_buf(t, env, &buf, &undef, err) < 0) {
        wv_buf_done(&buf);
        return -1;
    }
    *out = undef ? default_value(dflt) : typed_value(wv_buf_cstr(&buf), buf.len, dflt);
    wv_buf_done(&buf);
    return 0;
}

/* Renders to text without the literal_eval step. */
int conn_tmpl_render(const struct conn_tmpl *t, const struct conn_interp_env *env, char **out,
                     struct wv_error *err)
{
    struct wv_buf buf;
    bool undef;
    *out = NULL;
    if (render_buf(t, env, &buf, &undef, err) < 0) {
        wv_buf_done(&buf);
        return -1;
    }
    if (undef)
        wv_buf_reset(&buf);
    *out = wv_buf_steal(&buf, NULL);
    return 0;
}

/* Evaluates as a condition (InterpolatedBoolean). */
int conn_tmpl_truthy(const struct conn_tmpl *t, const struct conn_interp_env *env, bool *out,
                     struct wv_error *err)
{
    struct wv_json *v;
    *out = false;
    if (conn_tmpl_eval(t, env, NULL, &v, err) < 0)
        return -1;
    switch (v->type) {
    case WV_JSON_NULL: *out = false; break;
    case WV_JSON_BOOL: *out = v->b; break;
    case WV_JSON_NUMBER: {
        double d = 0;
        *out = wv_json_as_double(v, &d) < 0 || d != 0;
        break;
    }
    case WV_JSON_STRING:
        *out = v->slen && strcmp(v->s, "False") != 0 && strcmp(v->s, "false") != 0 &&
               strcmp(v->s, "None") != 0;
        break;
    default: *out = v->len > 0; break;
    }
    wv_json_free(v);
    return 0;
}

/* Compile + eval + free. */
int conn_interp_eval(const char *text, const char *where, const struct conn_interp_env *env,
                     const struct wv_json *dflt, struct wv_json **out, struct wv_error *err)
{
    *out = NULL;
    struct conn_tmpl *t = conn_tmpl_compile(text, where, err);
    if (!t)
        return -1;
    int rc = conn_tmpl_eval(t, env, dflt, out, err);
    conn_tmpl_free(t);
    return rc;
}

/* Compile + render + free. */
int conn_interp_render(const char *text, const char *where, const struct conn_interp_env *env,
                       char **out, struct wv_error *err)
{
    *out = NULL;
    struct conn_tmpl *t = conn_tmpl_compile(text, where, err);
    if (!t)
        return -1;
    int rc = conn_tmpl_render(t, env, out, err);
    conn_tmpl_free(t);
    return rc;
}
