/* zone_flat.c - the columns of a Parquet raw zone stream and how a record maps onto them.
 * Columns: Airbyte's meta columns (_airbyte_raw_id, _airbyte_extracted_at, _airbyte_meta,
 * _airbyte_generation_id), then one column per schema property, typed as
 * stor_pq_columns_from_json_schema types it, then _airbyte_additional_properties (JSON: the
 * record's members that are no column, null when none - the name Airbyte's S3 destination
 * uses). With flattening, a property whose schema is an object with its own "properties"
 * becomes columns parent_child (recursively, as Airbyte's basic normalization names them);
 * arrays and objects without properties stay JSON. A schema without properties gives the meta
 * columns and _airbyte_data (JSON, the whole record). Data columns are all optional: a value
 * that does not fit is written as null and recorded in _airbyte_meta.changes, never refused.
 * Caller's thread. */
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "storage/zone_int.h"

#define ZONE_FLAT_DEPTH 32 /* deeper objects stay JSON */

/* The column list being built, with a name set for collisions. */
struct cols_acc {
    struct stor_pq_column *cols;
    size_t n, cap;
    struct zone_set names;
};

/* Adds a column (name copied); a name taken already is an error. */
static int acc_add(struct cols_acc *a, const char *name, enum stor_pq_type type, bool optional,
                   struct wv_error *err)
{
    if (!*name)
        return wv_error_set(err, WV_E_CONFIG, 0, "JSON schema: a property has an empty name");
    if (stor_zone_int_set_find(&a->names, name) >= 0)
        return wv_error_set(err, WV_E_CONFIG, 0,
                            "JSON schema: column \"%s\" appears twice (flattening)", name);
    if (a->n >= STOR_PQ_MAX_COLUMNS)
        return wv_error_set(err, WV_E_LIMIT, 0, "JSON schema: more than %d columns",
                            STOR_PQ_MAX_COLUMNS);
    if (a->n == a->cap) {
        a->cap = a->cap ? a->cap * 2 : 16;
        a->cols = wv_realloc(a->cols, a->cap * sizeof *a->cols);
    }
    a->cols[a->n] = (struct stor_pq_column){wv_strdup(name), type, optional};
    stor_zone_int_set_put(&a->names, name, a->n);
    a->n++;
    return 0;
}

/* Whether a property schema is an object with properties of its own (flattened). */
static bool flattenable(const struct wv_json *p)
{
    const struct wv_json *props = wv_json_get(p, "properties");
    if (!props || props->type != WV_JSON_OBJECT || props->len == 0)
        return false;
    const struct wv_json *t = wv_json_get(p, "type");
    if (t && t->type == WV_JSON_STRING)
        return strcmp(t->s, "object") == 0;
    if (!t || t->type != WV_JSON_ARRAY)
        return false;
    bool obj = false;
    for (size_t i = 0; i < t->len; i++) {
        const struct wv_json *e = t->items[i];
        if (e->type != WV_JSON_STRING)
            return false;
        if (strcmp(e->s, "object") == 0)
            obj = true;
        else if (strcmp(e->s, "null") != 0)
            return false; /* a union with other types stays JSON */
    }
    return obj;
}

/* Adds a kid to node; returns its index. */
static size_t node_add(struct zone_node *node, const char *member, const char *flat, int64_t col)
{
    node->kids = wv_realloc(node->kids, (node->n_kids + 1) * sizeof *node->kids);
    struct zone_node *k = &node->kids[node->n_kids];
    memset(k, 0, sizeof *k);
    k->key = wv_strdup(flat);
    k->col = col;
    stor_zone_int_set_put(&node->idx, member, node->n_kids);
    return node->n_kids++;
}

/* Adds the columns of an object schema's properties under node; prefix ("" at the top) is
 * prepended to names with '_'. */
static int add_props(struct cols_acc *a, struct zone_node *node, const struct wv_json *schema,
                     const char *prefix, bool flatten, int depth, struct wv_error *err)
{
    const struct wv_json *props = wv_json_get(schema, "properties");
    struct stor_pq_column *typed = NULL;
    size_t n_typed = 0;
    bool top = !*prefix;
    if (stor_pq_columns_from_json_schema(schema, top, &typed, &n_typed, err) < 0)
        return -1;
    size_t skip = top ? ZONE_N_META : 0;
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < props->len; i++) {
        const char *member = props->keys[i];
        char *name = top ? wv_strdup(member) : wv_asprintf("%s_%s", prefix, member);
        if (!top && strncmp(name, "_airbyte_", 9) == 0)
            rc = wv_error_set(err, WV_E_CONFIG, 0,
                              "JSON schema: flattened column \"%s\" collides with Airbyte's "
                              "meta columns",
                              name);
        else if (flatten && depth < ZONE_FLAT_DEPTH && flattenable(props->items[i])) {
            size_t k = node_add(node, member, name, -1);
            rc = add_props(a, &node->kids[k], props->items[i], name, flatten, depth + 1, err);
        } else {
            rc = acc_add(a, name, typed[skip + i].type, true, err);
            if (rc == 0)
                node_add(node, member, name, (int64_t)a->n - 1);
        }
        free(name);
    }
    stor_pq_columns_free(typed, n_typed);
    return rc;
}

int stor_zone_int_shape_build(struct zone_shape *sh, const struct wv_json *schema, bool flatten,
                              struct wv_error *err)
{
    memset(sh, 0, sizeof *sh);
    sh->data_col = sh->extra_col = -1;
    sh->root.col = -1;
    struct cols_acc a = {0};
    /* the meta columns, as stor_pq_columns_from_json_schema declares them */
    struct wv_json *empty = wv_json_object();
    wv_json_set(empty, "properties", wv_json_object());
    struct stor_pq_column *meta = NULL;
    size_t n_meta = 0;
    int rc = stor_pq_columns_from_json_schema(empty, true, &meta, &n_meta, err);
    wv_json_free(empty);
    for (size_t i = 0; rc == 0 && i < n_meta; i++)
        rc = acc_add(&a, meta[i].name, meta[i].type, meta[i].optional, err);
    stor_pq_columns_free(meta, n_meta);
    if (rc == 0 && n_meta != ZONE_N_META)
        rc = wv_error_set(err, WV_E_INTERNAL, 0, "zone: %zu meta columns", n_meta);
    const struct wv_json *props = wv_json_get(schema, "properties");
    if (rc == 0 && schema && schema->type != WV_JSON_OBJECT)
        rc = wv_error_set(err, WV_E_CONFIG, 0, "JSON schema: not an object");
    if (rc == 0 && props && props->type != WV_JSON_OBJECT)
        rc = wv_error_set(err, WV_E_CONFIG, 0, "JSON schema: \"properties\" must be an object");
    if (rc == 0 && (!props || props->len == 0)) {
        sh->data_col = (int64_t)a.n;
        rc = acc_add(&a, ZONE_DATA_COL, STOR_PQ_JSON, true, err);
    } else if (rc == 0) {
        rc = add_props(&a, &sh->root, schema, "", flatten, 0, err);
        sh->extra_col = (int64_t)a.n;
        if (rc == 0)
            rc = acc_add(&a, ZONE_EXTRA_COL, STOR_PQ_JSON, true, err);
    }
    stor_zone_int_set_done(&a.names);
    sh->cols = a.cols;
    sh->n_cols = a.n;
    sh->vals = wv_calloc(a.n ? a.n : 1, sizeof *sh->vals);
    return rc;
}

/* Frees a node's contents. */
static void node_done(struct zone_node *n)
{
    for (size_t i = 0; i < n->n_kids; i++)
        node_done(&n->kids[i]);
    free(n->kids);
    free(n->key);
    stor_zone_int_set_done(&n->idx);
}

void stor_zone_int_shape_done(struct zone_shape *sh)
{
    stor_pq_columns_free(sh->cols, sh->n_cols);
    node_done(&sh->root);
    free(sh->vals);
    memset(sh, 0, sizeof *sh);
}

/* Maps obj's members through node. */
static void fill_node(struct zone_shape *sh, const struct zone_node *node,
                      const struct wv_json *obj, struct wv_json **extra, struct wv_json **nulled)
{
    for (size_t i = 0; i < obj->len; i++) {
        const char *key = obj->keys[i];
        const struct wv_json *v = obj->items[i];
        int64_t k = stor_zone_int_set_find(&node->idx, key);
        if (k < 0) {
            if (!*extra)
                *extra = wv_json_object();
            wv_json_set(*extra, key, wv_json_dup(v));
            continue;
        }
        const struct zone_node *kid = &node->kids[k];
        if (kid->col >= 0) {
            sh->vals[kid->col] = v;
        } else if (v->type == WV_JSON_OBJECT) {
            struct wv_json *sub = NULL;
            fill_node(sh, kid, v, &sub, nulled);
            if (sub) {
                if (!*extra)
                    *extra = wv_json_object();
                wv_json_set(*extra, key, sub);
            }
        } else if (v->type != WV_JSON_NULL) {
            if (!*nulled)
                *nulled = wv_json_array();
            wv_json_push(*nulled, wv_json_str(kid->key));
        }
    }
}

void stor_zone_int_shape_fill(struct zone_shape *sh, const struct wv_json *rec,
                              struct wv_json **extra, struct wv_json **nulled)
{
    *extra = *nulled = NULL;
    for (size_t i = ZONE_N_META; i < sh->n_cols; i++)
        sh->vals[i] = NULL;
    if (sh->data_col >= 0) {
        sh->vals[sh->data_col] = rec;
        return;
    }
    fill_node(sh, &sh->root, rec, extra, nulled);
    sh->vals[sh->extra_col] = *extra;
}
