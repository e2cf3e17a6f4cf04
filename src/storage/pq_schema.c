/* pq_schema.c - Parquet columns for an Airbyte stream's JSON schema (JSON Schema draft 7
 * "type"/"format"/"properties"/"required" as Airbyte catalogs use them; the meta columns of
 * Airbyte's destinations v2: _airbyte_raw_id, _airbyte_extracted_at, _airbyte_generation_id,
 * _airbyte_meta). integer -> int64, number -> double, boolean, string (date-time -> timestamp,
 * date -> date), object/array/unions of several types/untyped -> json; a type that admits null,
 * or a property not in "required", is an optional column. Caller's thread. */
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "storage/storage.h"

/* Meta columns, in the order Airbyte's destinations write them. */
static const struct stor_pq_column meta_cols[] = {
    {"_airbyte_raw_id", STOR_PQ_STRING, false},
    {"_airbyte_extracted_at", STOR_PQ_TIMESTAMP, false},
    {"_airbyte_meta", STOR_PQ_JSON, false},
    {"_airbyte_generation_id", STOR_PQ_INT64, true},
};

/* Whether name is listed in the schema's "required" array. */
static bool is_required(const struct wv_json *schema, const char *name)
{
    const struct wv_json *req = wv_json_get(schema, "required");
    for (size_t i = 0; req && req->type == WV_JSON_ARRAY && i < req->len; i++)
        if (req->items[i]->type == WV_JSON_STRING && strcmp(req->items[i]->s, name) == 0)
            return true;
    return false;
}

/* Column type of one property schema; *nullable when its type admits null (or is absent). */
static enum stor_pq_type prop_type(const struct wv_json *p, bool *nullable)
{
    const struct wv_json *t = p && p->type == WV_JSON_OBJECT ? wv_json_get(p, "type") : NULL;
    const char *one = NULL;
    size_t n_types = 0;
    *nullable = true;
    if (t && t->type == WV_JSON_STRING) {
        one = t->s, n_types = 1;
        *nullable = strcmp(one, "null") == 0;
    } else if (t && t->type == WV_JSON_ARRAY) {
        *nullable = false;
        for (size_t i = 0; i < t->len; i++) {
            if (t->items[i]->type != WV_JSON_STRING)
                return STOR_PQ_JSON;
            if (strcmp(t->items[i]->s, "null") == 0)
                *nullable = true;
            else if (!one || strcmp(one, t->items[i]->s) != 0)
                one = t->items[i]->s, n_types++;
        }
    }
    if (n_types != 1 || !one)
        return STOR_PQ_JSON; /* untyped, only null, or a union of several types */
    if (strcmp(one, "integer") == 0)
        return STOR_PQ_INT64;
    if (strcmp(one, "number") == 0)
        return STOR_PQ_DOUBLE;
    if (strcmp(one, "boolean") == 0)
        return STOR_PQ_BOOLEAN;
    if (strcmp(one, "string") == 0) {
        const char *fmt = wv_json_get_str(p, "format");
        const char *at = wv_json_get_str(p, "airbyte_type");
        if (fmt && strcmp(fmt, "date-time") == 0 &&
            !(at && strcmp(at, "timestamp_without_timezone") == 0))
            return STOR_PQ_TIMESTAMP;
        if (fmt && strcmp(fmt, "date") == 0)
            return STOR_PQ_DATE;
        return STOR_PQ_STRING;
    }
    return STOR_PQ_JSON; /* object, array, or an unknown type */
}

/* Builds the column list of a stream's JSON schema. */
int stor_pq_columns_from_json_schema(const struct wv_json *schema, bool airbyte_meta,
                                     struct stor_pq_column **cols, size_t *n, struct wv_error *err)
{
    *cols = NULL;
    *n = 0;
    const struct wv_json *props = schema ? wv_json_get(schema, "properties") : NULL;
    if (!props || props->type != WV_JSON_OBJECT)
        return wv_error_set(err, WV_E_CONFIG, 0, "JSON schema: \"properties\" must be an object");
    size_t n_meta = airbyte_meta ? sizeof meta_cols / sizeof meta_cols[0] : 0;
    if (props->len + n_meta == 0 || props->len + n_meta > STOR_PQ_MAX_COLUMNS)
        return wv_error_set(err, WV_E_LIMIT, 0, "JSON schema: %zu properties (need 1 to %d)",
                            props->len, STOR_PQ_MAX_COLUMNS - (int)n_meta);
    struct stor_pq_column *c = wv_calloc(props->len + n_meta, sizeof *c);
    for (size_t i = 0; i < n_meta; i++) {
        c[i] = meta_cols[i];
        c[i].name = wv_strdup(meta_cols[i].name);
    }
    for (size_t i = 0; i < props->len; i++) {
        const char *name = props->keys[i];
        bool nullable;
        struct stor_pq_column *col = &c[n_meta + i];
        col->name = wv_strdup(name);
        col->type = prop_type(props->items[i], &nullable);
        col->optional = nullable || !is_required(schema, name);
        if (airbyte_meta && strncmp(name, "_airbyte_", 9) == 0) {
            stor_pq_columns_free(c, n_meta + i + 1);
            return wv_error_set(err, WV_E_CONFIG, 0,
                                "JSON schema: property \"%s\" collides with Airbyte's meta "
                                "columns",
                                name);
        }
    }
    *cols = c;
    *n = props->len + n_meta;
    return 0;
}

/* Frees a list from stor_pq_columns_from_json_schema. */
void stor_pq_columns_free(struct stor_pq_column *cols, size_t n)
{
    for (size_t i = 0; cols && i < n; i++)
        free((void *)(uintptr_t)cols[i].name);
    free(cols);
}
