/* config.c - config templates: `{{ env.NAME }}` and `{{ file('path') }}` inside string values,
 * so secrets can live in the environment or in files outside git. Nothing else is evaluated
 * (connector manifests have their own, sandboxed template engine). Any thread. */
#include <ctype.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "base/fs.h"
#include "base/mem.h"
#include "core/core_int.h"

#define TEMPLATE_FILE_MAX (1024 * 1024)

/* Error at a node. */
static int tmpl_error(struct wv_error *err, const char *origin, const struct wv_json *node,
                      const char *fmt, const char *arg)
{
    char where[PATH_MAX + 32];
    char *msg = wv_asprintf(fmt, arg);
    wv_error_set(err, WV_E_CONFIG, 0, "%s: %s", core_where(origin, node, where, sizeof where),
                 msg);
    free(msg);
    return -1;
}

/* Trims spaces in place on a [b, e) range. */
static void trim(const char **b, const char **e)
{
    while (*b < *e && isspace((unsigned char)**b))
        (*b)++;
    while (*e > *b && isspace((unsigned char)(*e)[-1]))
        (*e)--;
}

/* Evaluates one template expression [b, e) and appends its value. */
static int eval_expr(const char *b, const char *e, const char *origin, const struct wv_json *node,
                     const char *base_dir, struct wv_buf *out, struct wv_error *err)
{
    trim(&b, &e);
    char *expr = wv_strndup(b, (size_t)(e - b));
    int rc = -1;
    if (wv_str_starts(expr, "env.")) {
        const char *name = expr + 4;
        bool ok = *name != '\0';
        for (const char *p = name; *p; p++)
            ok = ok && (isalnum((unsigned char)*p) || *p == '_');
        if (!ok) {
            tmpl_error(err, origin, node, "bad variable name in '{{ %s }}'", expr);
            goto out;
        }
        const char *v = getenv(name);
        if (!v) {
            tmpl_error(err, origin, node, "environment variable %s is not set", name);
            goto out;
        }
        rc = wv_buf_puts(out, v, err);
    } else if (wv_str_starts(expr, "file(") && wv_str_ends(expr, ")") && strlen(expr) >= 9 &&
               (expr[5] == '\'' || expr[5] == '"') && expr[strlen(expr) - 2] == expr[5]) {
        char *rel = wv_strndup(expr + 6, strlen(expr) - 8);
        char *path = wv_path_join(base_dir, rel);
        char *data = NULL;
        size_t len = 0;
        struct wv_error ferr;
        wv_error_clear(&ferr);
        if (wv_fs_read_all(path, TEMPLATE_FILE_MAX, &data, &len, &ferr) < 0) {
            /* the file's own error names the path; never its contents */
            tmpl_error(err, origin, node, "%s", ferr.msg);
        } else {
            if (len && data[len - 1] == '\n')
                len--;
            if (len && data[len - 1] == '\r')
                len--;
            rc = wv_buf_append(out, data, len, err);
        }
        free(data);
        free(path);
        free(rel);
    } else {
        tmpl_error(err, origin, node,
                   "unknown template '{{ %s }}' (use {{ env.NAME }} or {{ file('path') }})",
                   expr);
    }
out:
    free(expr);
    return rc;
}

/* Renders a string with templates into a new string node. */
static struct wv_json *render_string(const struct wv_json *node, const char *origin,
                                     const char *base_dir, struct wv_error *err)
{
    const char *s = node->s;
    if (!strstr(s, "{{"))
        return wv_json_dup(node);
    struct wv_buf out;
    wv_buf_init(&out, 0);
    const char *p = s;
    while (*p) {
        const char *open = strstr(p, "{{");
        if (!open) {
            wv_buf_puts(&out, p, NULL);
            break;
        }
        wv_buf_append(&out, p, (size_t)(open - p), NULL);
        const char *close = strstr(open + 2, "}}");
        if (!close) {
            tmpl_error(err, origin, node, "unterminated template in '%s'", s);
            wv_buf_done(&out);
            return NULL;
        }
        if (eval_expr(open + 2, close, origin, node, base_dir, &out, err) < 0) {
            wv_buf_done(&out);
            return NULL;
        }
        p = close + 2;
    }
    size_t len = 0;
    char *text = wv_buf_steal(&out, &len);
    struct wv_json *r = wv_json_strn(text, len);
    free(text);
    r->line = node->line;
    r->col = node->col;
    return r;
}

/* Resolves templates throughout a config tree. */
int core_config_resolve(const struct wv_json *node, const char *origin, const char *base_dir,
                        struct wv_json **out, struct wv_error *err)
{
    struct wv_json *r = NULL;
    switch (node->type) {
    case WV_JSON_STRING:
        r = render_string(node, origin, base_dir, err);
        if (!r)
            return -1;
        break;
    case WV_JSON_ARRAY:
    case WV_JSON_OBJECT:
        r = node->type == WV_JSON_ARRAY ? wv_json_array() : wv_json_object();
        r->line = node->line;
        r->col = node->col;
        for (size_t i = 0; i < node->len; i++) {
            struct wv_json *child = NULL;
            if (core_config_resolve(node->items[i], origin, base_dir, &child, err) < 0) {
                wv_json_free(r);
                return -1;
            }
            if (node->type == WV_JSON_ARRAY)
                wv_json_push(r, child);
            else
                wv_json_set(r, node->keys[i], child);
        }
        break;
    default:
        r = wv_json_dup(node);
        break;
    }
    *out = r;
    return 0;
}

/* The declared JSON type of a schema node ("integer", "number", "boolean" ...), looking through
 * ["null", T] unions; NULL when not a single scalar type. */
static const char *schema_type(const struct wv_json *schema)
{
    const struct wv_json *t = wv_json_get(schema, "type");
    if (t && t->type == WV_JSON_STRING)
        return t->s;
    const char *found = NULL;
    for (size_t i = 0; t && t->type == WV_JSON_ARRAY && i < t->len; i++) {
        if (t->items[i]->type != WV_JSON_STRING || strcmp(t->items[i]->s, "null") == 0)
            continue;
        if (found)
            return NULL;
        found = t->items[i]->s;
    }
    return found;
}

/* Converts one string to the declared scalar type; NULL if it does not convert. */
static struct wv_json *convert_scalar(const char *type, const struct wv_json *v)
{
    const char *s = v->s;
    if (strcmp(type, "integer") == 0) {
        int64_t n;
        return wv_parse_i64(s, &n) == 0 ? wv_json_int(n) : NULL;
    }
    if (strcmp(type, "number") == 0)
        return wv_json_number_text(s);
    if (strcmp(type, "boolean") == 0) {
        if (strcmp(s, "true") == 0 || strcmp(s, "false") == 0)
            return wv_json_bool(s[0] == 't');
    }
    return NULL;
}

/* Coerces string values to the types the connector's spec declares. */
int core_config_coerce(struct wv_json *config, const struct wv_json *schema, const char *origin,
                       struct wv_error *err)
{
    const struct wv_json *props = wv_json_get(schema, "properties");
    if (!config || config->type != WV_JSON_OBJECT || !props)
        return 0;
    for (size_t i = 0; i < config->len; i++) {
        const struct wv_json *ps = wv_json_get(props, config->keys[i]);
        struct wv_json *v = config->items[i];
        const char *type = ps ? schema_type(ps) : NULL;
        if (!type)
            continue;
        if (v->type == WV_JSON_OBJECT && strcmp(type, "object") == 0) {
            if (core_config_coerce(v, ps, origin, err) < 0)
                return -1;
            continue;
        }
        if (v->type != WV_JSON_STRING || strcmp(type, "string") == 0)
            continue;
        struct wv_json *nv = convert_scalar(type, v);
        if (!nv) {
            if (strcmp(type, "integer") && strcmp(type, "number") && strcmp(type, "boolean"))
                continue;
            char where[PATH_MAX + 32];
            return wv_error_set(err, WV_E_CONFIG, 0, "%s: '%s' must be %s %s",
                                core_where(origin, v, where, sizeof where), config->keys[i],
                                strcmp(type, "integer") == 0 ? "an" : "a", type);
        }
        nv->line = v->line;
        nv->col = v->col;
        wv_json_free(v);
        config->items[i] = nv;
    }
    return 0;
}
