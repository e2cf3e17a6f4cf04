/* manifest_check.c - validation of a resolved declarative manifest against weaver's component
 * table (decl_schema.c, from the CDK's declarative_component_schema.yaml): unknown component
 * types and fields, missing required fields, wrong value kinds, and Custom* components that
 * embed Python. Walks only through component fields, as the CDK builds components; free-form
 * parts (definitions, schemas, metadata) are not components. Any thread; read-only. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "base/yaml.h"
#include "connectors/connectors.h"
#include "connectors/decl_int.h"
#include "connectors/manifest_int.h"

#define CHECK_MAX_DEPTH 1024
#define PATH_MAX_LEN 512

/* One validation walk. */
struct checker {
    const struct conn_manifest *m;
    bool python_only; /* first pass: report only components that need Python */
    struct wv_error *err;
};

/* Appends the path from cur down to target into buf at len; whether target was found. */
static bool find_path(const struct wv_json *cur, const struct wv_json *target, char *buf,
                      size_t size, size_t len, int depth)
{
    if (cur == target)
        return true;
    if (depth > CHECK_MAX_DEPTH || (cur->type != WV_JSON_OBJECT && cur->type != WV_JSON_ARRAY))
        return false;
    for (size_t i = 0; i < cur->len; i++) {
        int n;
        if (cur->type == WV_JSON_ARRAY)
            n = snprintf(buf + len, size - len, "[%zu]", i);
        else
            n = snprintf(buf + len, size - len, "%s%s", len ? "." : "", cur->keys[i]);
        size_t next = n < 0 ? len : len + (size_t)n;
        if (next >= size)
            next = size - 1;
        if (find_path(cur->items[i], target, buf, size, next, depth + 1))
            return true;
        buf[len] = '\0';
    }
    return false;
}

/* Human path of a node inside the resolved tree ("streams[2].retriever.paginator"). */
const char *conn_manifest_path_of(const struct conn_manifest *m, const struct wv_json *node,
                                  char *buf, size_t size)
{
    if (!buf || !size)
        return "";
    buf[0] = '\0';
    if (m && m->resolved && node && !find_path(m->resolved, node, buf, size, 0, 0))
        buf[0] = '\0';
    return buf;
}

/* Reports a problem of component comp at node pos: "where: path: message". In the first pass
 * only WV_E_NOTFOUND (needs Python) counts; other problems return 0 there. */
static int WV_PRINTF(5, 6)
    problem(struct checker *ck, enum wv_code code, const struct wv_json *comp,
            const struct wv_json *pos, const char *fmt, ...)
{
    if (ck->python_only && code != WV_E_NOTFOUND)
        return 0;
    char where[PATH_MAX_LEN], path[PATH_MAX_LEN];
    va_list ap;
    va_start(ap, fmt);
    char *msg = wv_vasprintf(fmt, ap);
    va_end(ap);
    wv_where(ck->m->path, pos ? pos : comp, where, sizeof where);
    conn_manifest_path_of(ck->m, comp, path, sizeof path);
    wv_error_set(ck->err, code, 0, "%s: %s%s%s", where, path, path[0] ? ": " : "", msg);
    free(msg);
    return -1;
}

/* Whether a space-separated list holds a token. */
static bool has_token(const char *list, const char *tok)
{
    size_t n = strlen(tok);
    for (const char *p = list ? strstr(list, tok) : NULL; p; p = strstr(p + 1, tok))
        if ((p == list || p[-1] == ' ') && (p[n] == ' ' || p[n] == '\0'))
            return true;
    return false;
}

/* The allowed component types of a list, for messages ("A, B or C") into buf. */
static const char *type_list(const char *types, char *buf, size_t size)
{
    size_t o = 0;
    buf[0] = '\0';
    for (const char *p = types; p && *p;) {
        size_t n = strcspn(p, " ");
        if (*p >= 'A' && *p <= 'Z' && o + n + 3 < size) {
            if (o)
                o += (size_t)snprintf(buf + o, size - o, ", ");
            memcpy(buf + o, p, n);
            o += n;
            buf[o] = '\0';
        }
        p += n + (p[n] == ' ');
    }
    return buf;
}

/* Whether a component def requires `type` (typeless schema objects such as TypesMap do not). */
static bool type_required(const struct conn_component_def *def)
{
    for (const struct conn_field_def *f = def->fields; f->name; f++)
        if (strcmp(f->name, "type") == 0)
            return f->required;
    return false;
}

static int check_component(struct checker *ck, const struct wv_json *node,
                           const struct conn_component_def *def, int depth);
static int check_slot(struct checker *ck, const struct wv_json *comp, const char *key,
                      const char *types, const struct wv_json *v, int depth);

/* Checks one typed mapping: its type is known, allowed here, and runs without Python. */
static int check_typed(struct checker *ck, const struct wv_json *node, const char *allowed,
                       int depth)
{
    const struct wv_json *t = wv_json_get(node, "type");
    const struct conn_component_def *def = conn_component_find(t->s);
    const char *cls = wv_json_get_str(node, "class_name");
    if ((def && def->needs_python) || (!def && wv_str_starts(t->s, "Custom") && cls))
        return problem(ck, WV_E_NOTFOUND, node, node, "%s needs Python (class_name %s)", t->s,
                       cls ? cls : "missing");
    if (!def)
        return problem(ck, WV_E_CONFIG, node, t, "unknown component type '%s'", t->s);
    if (allowed && !has_token(allowed, t->s)) {
        char list[PATH_MAX_LEN];
        if (problem(ck, WV_E_CONFIG, node, t, "component type '%s' not allowed here (expected %s)",
                    t->s, type_list(allowed, list, sizeof list)) < 0)
            return -1;
    }
    return check_component(ck, node, def, depth + 1);
}

/* Checks a mapping placed where one of `types` is expected. */
static int check_object_slot(struct checker *ck, const struct wv_json *v, const char *types,
                             int depth)
{
    const struct wv_json *t = wv_json_get(v, "type");
    bool typed = t && t->type == WV_JSON_STRING;
    if (typed && (conn_component_find(t->s) || !has_token(types, "object")))
        return check_typed(ck, v, types, depth);
    if (has_token(types, "object") || has_token(types, "any"))
        return 0;
    char first[128];
    wv_strlcpy(first, types, sizeof first);
    first[strcspn(first, " ")] = '\0';
    const struct conn_component_def *def = conn_component_find(first);
    if (def && !type_required(def))
        return check_component(ck, v, def, depth + 1);
    char list[PATH_MAX_LEN];
    return problem(ck, WV_E_CONFIG, v, v, "component without a type (expected %s)",
                   type_list(types, list, sizeof list));
}

/* A value's JSON type with its article, for messages ("an array"). */
static const char *type_phrase(const struct wv_json *v)
{
    static const char *const names[] = {"null",     "a boolean", "a number",
                                        "a string", "an array",  "an object"};
    return names[v->type];
}

/* Name of a plain value's kind as the table's tokens spell it. */
static const char *value_token(const struct wv_json *v)
{
    int64_t i;
    switch (v->type) {
    case WV_JSON_STRING:
        return "string";
    case WV_JSON_BOOL:
        return "bool";
    case WV_JSON_NUMBER:
        return wv_json_as_i64(v, &i) == 0 ? "int" : "number";
    case WV_JSON_ARRAY:
        return "list";
    default:
        return "object";
    }
}

/* Checks a value where one component of `types` (or a listed plain alternative) goes. */
static int check_slot(struct checker *ck, const struct wv_json *comp, const char *key,
                      const char *types, const struct wv_json *v, int depth)
{
    if (v->type == WV_JSON_NULL || has_token(types, "any"))
        return 0;
    if (v->type == WV_JSON_OBJECT)
        return check_object_slot(ck, v, types, depth);
    if (v->type == WV_JSON_ARRAY && has_token(types, "list")) {
        for (size_t i = 0; i < v->len; i++)
            if (v->items[i]->type == WV_JSON_OBJECT &&
                check_object_slot(ck, v->items[i], types, depth + 1) < 0)
                return -1;
        return 0;
    }
    const char *tok = value_token(v);
    if (has_token(types, tok) || (strcmp(tok, "int") == 0 && has_token(types, "number")))
        return 0;
    char list[PATH_MAX_LEN];
    return problem(ck, WV_E_CONFIG, comp, v, "field '%s': expected a component (%s), got %s", key,
                   type_list(types, list, sizeof list), type_phrase(v));
}

/* Whether a plain value fits a field kind (interpolated strings fit bool/int/number). */
static bool kind_fits(enum conn_field_kind kind, const struct wv_json *v)
{
    int64_t i;
    switch (kind) {
    case CONN_FK_STRING:
        return v->type == WV_JSON_STRING;
    case CONN_FK_BOOL:
        return v->type == WV_JSON_BOOL || v->type == WV_JSON_STRING;
    case CONN_FK_INT:
        return (v->type == WV_JSON_NUMBER && wv_json_as_i64(v, &i) == 0) ||
               v->type == WV_JSON_STRING;
    case CONN_FK_NUMBER:
        return v->type == WV_JSON_NUMBER || v->type == WV_JSON_STRING;
    case CONN_FK_OBJECT:
        return v->type == WV_JSON_OBJECT;
    case CONN_FK_LIST:
        return v->type == WV_JSON_ARRAY;
    default:
        return true;
    }
}

/* What a field kind expects, for messages. */
static const char *kind_name(enum conn_field_kind kind)
{
    static const char *const names[] = {"anything",   "a string",    "a boolean",
                                        "an integer", "a number",    "a mapping",
                                        "a list",     "a component", "a list of components"};
    return names[kind];
}

/* Checks one field's value against its definition. */
static int check_field(struct checker *ck, const struct wv_json *comp,
                       const struct conn_field_def *fd, const struct wv_json *v, int depth)
{
    if (v->type == WV_JSON_NULL)
        return 0; /* optional fields take null (the CDK's models are Optional) */
    if (fd->kind == CONN_FK_COMPONENT)
        return check_slot(ck, comp, fd->name, fd->types, v, depth + 1);
    if (fd->kind == CONN_FK_COMPONENTS && v->type == WV_JSON_ARRAY) {
        for (size_t i = 0; i < v->len; i++)
            if (check_slot(ck, comp, fd->name, fd->types, v->items[i], depth + 1) < 0)
                return -1;
        return 0;
    }
    if (fd->kind == CONN_FK_COMPONENTS && has_token(fd->types, value_token(v)))
        return 0;
    if (fd->kind == CONN_FK_OBJECT && fd->types && v->type == WV_JSON_OBJECT) {
        for (size_t i = 0; i < v->len; i++)
            if (check_slot(ck, comp, fd->name, fd->types, v->items[i], depth + 1) < 0)
                return -1;
        return 0;
    }
    if (kind_fits(fd->kind, v))
        return 0;
    return problem(ck, WV_E_CONFIG, comp, v, "field '%s': expected %s, got %s", fd->name,
                   kind_name(fd->kind), type_phrase(v));
}

/* The field definition of a component, or NULL. */
static const struct conn_field_def *field_find(const struct conn_component_def *def,
                                               const char *name)
{
    for (const struct conn_field_def *f = def->fields; f->name; f++)
        if (strcmp(f->name, name) == 0)
            return f;
    return NULL;
}

/* Levenshtein distance of two short names, capped at 3. */
static size_t name_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > 63 || lb > 63 || (la > lb ? la - lb : lb - la) > 2)
        return 3;
    size_t row[64];
    for (size_t j = 0; j <= lb; j++)
        row[j] = j;
    for (size_t i = 1; i <= la; i++) {
        size_t diag = row[0];
        row[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t up = row[j];
            size_t best = diag + (a[i - 1] != b[j - 1]);
            if (up + 1 < best)
                best = up + 1;
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            row[j] = best;
            diag = up;
        }
    }
    return row[lb] < 3 ? row[lb] : 3;
}

/* Fields older CDKs or the Airbyte protocol spelled differently, which the CDK ignores. */
static const char *const legacy_fields[][2] = {{"Spec", "documentationUrl"}, {NULL, NULL}};

/* Visits the component types reachable from `type` through field types (the whole table is
 * reachable from DeclarativeSource) and tells whether one of their fields is named `key`
 * (*exact) or lies within typo distance of it (*near). */
static void field_names_near(const char *key, bool *exact, bool *near)
{
    const struct conn_component_def *seen[256];
    size_t nseen = 0, next = 0, klen = strlen(key);
    seen[nseen++] = conn_component_find("DeclarativeSource");
    while (next < nseen && !*exact) {
        const struct conn_component_def *def = seen[next++];
        for (const struct conn_field_def *f = def->fields; f->name; f++) {
            if (strcmp(f->name, "type") == 0)
                continue;
            size_t d = name_distance(key, f->name);
            *exact = *exact || d == 0;
            *near = *near || d <= (klen < 5 ? 1u : 2u);
            for (const char *p = f->types; p && *p;) {
                size_t n = strcspn(p, " ");
                char name[96];
                wv_strlcpy(name, p, n + 1 < sizeof name ? n + 1 : sizeof name);
                const struct conn_component_def *c = conn_component_find(name);
                bool known = !c;
                for (size_t i = 0; i < nseen && !known; i++)
                    known = seen[i] == c;
                if (!known && nseen < sizeof seen / sizeof seen[0])
                    seen[nseen++] = c;
                p += n + (p[n] == ' ');
            }
        }
    }
}

/* Whether a field the component does not define is an error. The CDK ignores additional
 * properties everywhere but at the top level, and the corpus carries leftovers that it runs
 * with (`name`, `path`, `selector` ...): weaver ignores those too, but reports a name within
 * typo distance of a field that exists (`page_sise`), since the field the author meant is then
 * silently missing. A misplaced but real field name is ignored like the CDK does. */
static bool unknown_is_error(const struct conn_component_def *def, const char *key, bool top)
{
    if (top)
        return true;
    for (size_t i = 0; legacy_fields[i][0]; i++)
        if (strcmp(def->type, legacy_fields[i][0]) == 0 && strcmp(key, legacy_fields[i][1]) == 0)
            return false;
    bool exact = false, near = false;
    field_names_near(key, &exact, &near);
    return near && !exact;
}

/* Checks a component's fields against its definition (unknown, kinds, required). */
static int check_component(struct checker *ck, const struct wv_json *node,
                           const struct conn_component_def *def, int depth)
{
    if (depth > CHECK_MAX_DEPTH)
        return problem(ck, WV_E_LIMIT, node, node, "manifest nested too deeply");
    const struct wv_json *params = wv_json_get(node, "$parameters");
    for (size_t i = 0; i < node->len; i++) {
        const char *key = node->keys[i];
        const struct wv_json *v = node->items[i];
        if (strcmp(key, "type") == 0 || strcmp(key, "$parameters") == 0)
            continue;
        const struct wv_json *pv = wv_json_get(params, key);
        if (pv && wv_json_equal(pv, v))
            continue; /* copied from $parameters: the CDK's models ignore it when unknown */
        const struct conn_field_def *fd = field_find(def, key);
        if (fd && check_field(ck, node, fd, v, depth) < 0)
            return -1;
        if (!fd && !ck->python_only && unknown_is_error(def, key, node == ck->m->resolved) &&
            problem(ck, WV_E_CONFIG, node, v, "unknown field '%s'", key) < 0)
            return -1;
    }
    for (const struct conn_field_def *f = def->fields; f->name; f++)
        if (f->required && strcmp(f->name, "type") != 0 && !wv_json_get(node, f->name) &&
            problem(ck, WV_E_CONFIG, node, node, "missing required field '%s'", f->name) < 0)
            return -1;
    return 0;
}

/* Validates the resolved tree against the component table. */
int conn_manifest_check(const struct conn_manifest *m, struct wv_error *err)
{
    const struct wv_json *root = m->resolved;
    const struct wv_json *t = wv_json_get(root, "type");
    struct checker ck = {.m = m, .python_only = false, .err = err};
    if (!t || t->type != WV_JSON_STRING)
        return problem(&ck, WV_E_CONFIG, root, t, "top-level 'type' must be a string");
    ck.python_only = true;
    if (check_typed(&ck, root, "DeclarativeSource", 0) < 0)
        return -1;
    ck.python_only = false;
    return check_typed(&ck, root, "DeclarativeSource", 0);
}

/* First mapping (document order) typed as a component that needs Python, or NULL. */
static const struct wv_json *find_python(const struct wv_json *j, int depth)
{
    if (depth > CHECK_MAX_DEPTH || (j->type != WV_JSON_OBJECT && j->type != WV_JSON_ARRAY))
        return NULL;
    const char *t = j->type == WV_JSON_OBJECT ? wv_json_get_str(j, "type") : NULL;
    const struct conn_component_def *def = conn_component_find(t);
    if (t && ((def && def->needs_python) ||
              (!def && wv_str_starts(t, "Custom") && wv_json_get(j, "class_name"))))
        return j;
    for (size_t i = 0; i < j->len; i++) {
        const struct wv_json *hit = find_python(j->items[i], depth + 1);
        if (hit)
            return hit;
    }
    return NULL;
}

/* A manifest too large to resolve may still name a Python component: report that instead, at
 * its place in the unresolved file, since it is the more useful reason. */
static void attribute_python(const char *path, struct wv_error *err)
{
    struct wv_error e;
    wv_error_clear(&e);
    struct wv_json *doc = wv_yaml_parse_file(path, &e);
    const struct wv_json *hit = doc ? find_python(doc, 0) : NULL;
    if (hit && err) {
        struct conn_manifest raw = {.path = (char *)path, .resolved = doc};
        struct checker ck = {.m = &raw, .python_only = true, .err = err};
        const char *cls = wv_json_get_str(hit, "class_name");
        wv_error_clear(err);
        problem(&ck, WV_E_NOTFOUND, hit, hit, "%s needs Python (class_name %s)",
                wv_json_get_str(hit, "type"), cls ? cls : "missing");
    }
    wv_json_free(doc);
}

/* Validates a declarative manifest file. */
int conn_manifest_validate(const char *path, struct wv_error *err)
{
    struct conn_manifest *m = conn_manifest_load(path, err);
    if (!m) {
        if (err && err->code == WV_E_LIMIT)
            attribute_python(path, err);
        return -1;
    }
    int rc = conn_manifest_check(m, err);
    conn_manifest_free(m);
    if (rc < 0)
        return -1;
    /* valid by the schema; now build the runtime to find components it does not run yet */
    struct conn_source *src = conn_decl_open(path, NULL, err);
    if (!src)
        return -1;
    conn_source_free(src);
    return 0;
}
