/* manifest.c - loads an Airbyte declarative manifest: YAML with positions, `$ref` resolution as
 * the CDK's ManifestReferenceResolver does it, then default component types and `$parameters`
 * propagation as its ManifestComponentTransformer does (airbytehq/airbyte-python-cdk,
 * airbyte_cdk/sources/declarative/parsers/). Unlike the CDK, the resolved tree drops the
 * top-level `definitions` (nothing reads them once refs are expanded; resolving them too can
 * double a large manifest). Any thread; a loaded manifest is immutable. */
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "base/yaml.h"
#include "connectors/manifest_int.h"

#define REF_MAX_CHAIN 64 /* refs resolved inside one another */
#define WALK_MAX_DEPTH 1024

/* The CDK's DEFAULT_MODEL_TYPES: "Parent.field" -> type of an untyped component there. */
static const char *const default_types[][2] = {
    {"AddFields.fields", "AddedFieldDefinition"},
    {"CompositeErrorHandler.error_handlers", "DefaultErrorHandler"},
    {"ConfigComponentsResolver.components_mapping", "ComponentMappingDefinition"},
    {"ConfigComponentsResolver.stream_config", "StreamConfig"},
    {"CursorPagination.decoder", "JsonDecoder"},
    {"CustomPartitionRouter.parent_stream_configs", "ParentStreamConfig"},
    {"DatetimeBasedCursor.end_datetime", "MinMaxDatetime"},
    {"DatetimeBasedCursor.end_time_option", "RequestOption"},
    {"DatetimeBasedCursor.start_datetime", "MinMaxDatetime"},
    {"DatetimeBasedCursor.start_time_option", "RequestOption"},
    {"DeclarativeSource.check", "CheckStream"},
    {"DeclarativeSource.spec", "Spec"},
    {"DeclarativeSource.streams", "DeclarativeStream"},
    {"DeclarativeStream.retriever", "SimpleRetriever"},
    {"DeclarativeStream.schema_loader", "JsonFileSchemaLoader"},
    {"DefaultErrorHandler.response_filters", "HttpResponseFilter"},
    {"DefaultPaginator.decoder", "JsonDecoder"},
    {"DefaultPaginator.page_size_option", "RequestOption"},
    {"DpathExtractor.decoder", "JsonDecoder"},
    {"DpathExtractor.record_expander", "RecordExpander"},
    /* sic: the CDK names a type that does not exist; kept so errors match its behaviour */
    {"DynamicDeclarativeStream.components_resolver", "ConfigComponentResolver"},
    {"DynamicDeclarativeStream.stream_template", "DeclarativeStream"},
    {"DynamicSchemaLoader.retriever", "SimpleRetriever"},
    {"HttpComponentsResolver.components_mapping", "ComponentMappingDefinition"},
    {"HttpComponentsResolver.retriever", "SimpleRetriever"},
    {"HttpRequester.error_handler", "DefaultErrorHandler"},
    {"ListPartitionRouter.request_option", "RequestOption"},
    {"ParentStreamConfig.request_option", "RequestOption"},
    {"ParentStreamConfig.stream", "DeclarativeStream"},
    {"RecordSelector.extractor", "DpathExtractor"},
    {"RecordSelector.record_filter", "RecordFilter"},
    {"SchemaTypeIdentifier.types_map", "TypesMap"},
    {"SimpleRetriever.paginator", "NoPagination"},
    {"SimpleRetriever.record_selector", "RecordSelector"},
    {"SimpleRetriever.requester", "HttpRequester"},
    {"StreamGroup.streams", "DeclarativeStream"},
    {"SubstreamPartitionRouter.parent_stream_configs", "ParentStreamConfig"},
    {NULL, NULL}};

/* The CDK's CUSTOM_COMPONENTS_MAPPING: untyped components with a class_name. */
static const char *const custom_types[][2] = {
    {"CompositeErrorHandler.backoff_strategies", "CustomBackoffStrategy"},
    {"DeclarativeStream.retriever", "CustomRetriever"},
    {"DeclarativeStream.transformations", "CustomTransformation"},
    {"DefaultErrorHandler.backoff_strategies", "CustomBackoffStrategy"},
    {"DefaultPaginator.pagination_strategy", "CustomPaginationStrategy"},
    {"HttpRequester.authenticator", "CustomAuthenticator"},
    {"HttpRequester.error_handler", "CustomErrorHandler"},
    {"RecordSelector.extractor", "CustomRecordExtractor"},
    {"SimpleRetriever.partition_router", "CustomPartitionRouter"},
    {NULL, NULL}};

/* State of one load. */
struct loader {
    const char *origin;
    const struct wv_json *root;       /* the manifest as parsed: refs point into it */
    const char *chain[REF_MAX_CHAIN]; /* refs being resolved, outermost first */
    size_t nchain;
    size_t nodes; /* nodes produced so far (WV_YAML_MAX_NODES) */
    struct wv_error *err;
};

/* Looks a "Parent.field" identifier up in one of the tables above. */
static const char *table_find(const char *const (*table)[2], const char *id)
{
    for (size_t i = 0; table[i][0]; i++)
        if (strcmp(table[i][0], id) == 0)
            return table[i][1];
    return NULL;
}

/* Sets a "path:line:col: " prefixed error at node. */
static int fail_at(struct loader *ld, const struct wv_json *node, enum wv_code code,
                   const char *msg)
{
    char where[512];
    return wv_error_set(ld->err, code, 0, "%s: %s", wv_where(ld->origin, node, where, sizeof where),
                        msg);
}

/* Follows the path after "#/" as the CDK's _read_ref_value does: the whole remaining path is
 * tried as a key first, then its first segment (a list index when numeric). */
static const struct wv_json *ref_lookup(const struct wv_json *node, const char *path)
{
    char *rest = wv_strdup(path);
    char *p = rest;
    while (node && *p) {
        struct wv_json *whole = node->type == WV_JSON_OBJECT ? wv_json_get(node, p) : NULL;
        if (whole) {
            node = whole;
            break;
        }
        char *slash = strchr(p, '/');
        if (slash)
            *slash = '\0';
        int64_t idx;
        if (node->type == WV_JSON_ARRAY)
            node = wv_parse_i64(p, &idx) == 0 && idx >= 0 ? wv_json_at(node, (size_t)idx) : NULL;
        else
            node = wv_json_get(node, p);
        p = slash ? slash + 1 : p + strlen(p);
    }
    free(rest);
    return node;
}

static struct wv_json *resolve(struct loader *ld, const struct wv_json *node, int depth);

/* Resolves a "#/..." string: cycle check, lookup, then the target's own refs. */
static struct wv_json *resolve_ref(struct loader *ld, const struct wv_json *ref, int depth)
{
    for (size_t i = 0; i < ld->nchain; i++) {
        if (strcmp(ld->chain[i], ref->s) != 0)
            continue;
        struct wv_buf b;
        wv_buf_init(&b, 0);
        wv_buf_puts(&b, "$ref cycle: ", NULL);
        for (size_t k = i; k < ld->nchain; k++)
            wv_buf_printf(&b, NULL, "%s -> ", ld->chain[k]);
        wv_buf_puts(&b, ref->s, NULL);
        fail_at(ld, ref, WV_E_CONFIG, wv_buf_cstr(&b));
        wv_buf_done(&b);
        return NULL;
    }
    if (ld->nchain >= REF_MAX_CHAIN) {
        fail_at(ld, ref, WV_E_LIMIT, "$ref chain too long");
        return NULL;
    }
    const struct wv_json *target = ref_lookup(ld->root, ref->s + 2);
    if (!target) {
        char *msg = wv_asprintf("$ref '%s' not found", ref->s);
        fail_at(ld, ref, WV_E_CONFIG, msg);
        free(msg);
        return NULL;
    }
    ld->chain[ld->nchain] = ref->s;
    ld->nchain++;
    struct wv_json *out = resolve(ld, target, depth + 1);
    ld->nchain--;
    return out;
}

/* Resolves a mapping: its keys, then a `$ref` whose mapping the keys override. */
static struct wv_json *resolve_object(struct loader *ld, const struct wv_json *node, int depth)
{
    struct wv_json *out = wv_json_object();
    out->line = node->line;
    out->col = node->col;
    const struct wv_json *ref = NULL;
    for (size_t i = 0; i < node->len; i++) {
        if (strcmp(node->keys[i], "$ref") == 0) {
            ref = node->items[i];
            continue;
        }
        if (node == ld->root && strcmp(node->keys[i], "definitions") == 0)
            continue; /* only reached through refs (which read ld->root): not kept */
        struct wv_json *v = resolve(ld, node->items[i], depth + 1);
        if (!v) {
            wv_json_free(out);
            return NULL;
        }
        wv_json_set(out, node->keys[i], v);
    }
    if (!ref)
        return out;
    if (ref->type == WV_JSON_STRING && !wv_str_starts(ref->s, "#/")) {
        char *msg = wv_asprintf("$ref '%s' is not a '#/...' reference", ref->s);
        fail_at(ld, ref, WV_E_CONFIG, msg);
        free(msg);
        wv_json_free(out);
        return NULL;
    }
    struct wv_json *base = resolve(ld, ref, depth + 1);
    if (!base || base->type != WV_JSON_OBJECT) { /* the CDK drops the siblings then */
        wv_json_free(out);
        return base;
    }
    for (size_t i = 0; i < out->len; i++) {
        wv_json_set(base, out->keys[i], out->items[i]);
        out->items[i] = NULL;
    }
    base->line = out->line;
    base->col = out->col;
    wv_json_free(out);
    return base;
}

/* Returns a resolved deep copy of node (NULL with ld->err set on error). */
static struct wv_json *resolve(struct loader *ld, const struct wv_json *node, int depth)
{
    if (depth > WALK_MAX_DEPTH) {
        fail_at(ld, node, WV_E_LIMIT, "manifest nested too deeply");
        return NULL;
    }
    if (++ld->nodes > WV_YAML_MAX_NODES) {
        fail_at(ld, node, WV_E_LIMIT, "manifest expands past the node limit");
        return NULL;
    }
    if (node->type == WV_JSON_STRING && wv_str_starts(node->s, "#/"))
        return resolve_ref(ld, node, depth);
    if (node->type == WV_JSON_OBJECT)
        return resolve_object(ld, node, depth);
    if (node->type != WV_JSON_ARRAY)
        return wv_json_dup(node);
    struct wv_json *out = wv_json_array();
    out->line = node->line;
    out->col = node->col;
    for (size_t i = 0; i < node->len; i++) {
        struct wv_json *v = resolve(ld, node->items[i], depth + 1);
        if (!v) {
            wv_json_free(out);
            return NULL;
        }
        wv_json_push(out, v);
    }
    return out;
}

/* Python truthiness of a value (the CDK copies a parameter over falsy fields). */
static bool truthy(const struct wv_json *j)
{
    if (!j)
        return false;
    switch (j->type) {
    case WV_JSON_NULL:
        return false;
    case WV_JSON_BOOL:
        return j->b;
    case WV_JSON_NUMBER: {
        double d;
        return wv_json_as_double(j, &d) < 0 || d != 0;
    }
    case WV_JSON_STRING:
        return j->slen > 0;
    default:
        return j->len > 0;
    }
}

/* Whether a mapping is a JSON schema object rather than a component (the CDK's test). */
static bool is_json_schema(const struct wv_json *node)
{
    const struct wv_json *t = wv_json_get(node, "type");
    if (!t)
        return false;
    if (t->type == WV_JSON_STRING)
        return strcmp(t->s, "object") == 0;
    return t->type == WV_JSON_ARRAY && t->len == 2 && wv_json_is(t->items[0], WV_JSON_STRING) &&
           strcmp(t->items[0]->s, "null") == 0 && wv_json_is(t->items[1], WV_JSON_STRING) &&
           strcmp(t->items[1]->s, "object") == 0;
}

/* Inserts the default (or Custom*) type of an untyped component at field `id`. */
static void default_type(struct wv_json *node, const char *id)
{
    if (wv_json_get(node, "type"))
        return;
    const char *t = table_find(wv_json_get(node, "class_name") ? custom_types : default_types, id);
    if (!t)
        return;
    struct wv_json *v = wv_json_str(t);
    v->line = node->line;
    v->col = node->col;
    wv_json_set(node, "type", v);
}

static int propagate(struct loader *ld, const char *id, struct wv_json *node,
                     const struct wv_json *parent_params, int depth);

/* Propagates into one field's value (a mapping or a list of mappings) of a typed component,
 * without the parameter named like the field (the CDK avoids a cycle that way). */
static int propagate_field(struct loader *ld, const char *type, const char *field,
                           struct wv_json *value, struct wv_json *params, int depth)
{
    struct wv_json *excluded = wv_json_take(params, field);
    char *id = wv_asprintf("%s.%s", type, field);
    int rc = 0;
    if (value->type == WV_JSON_OBJECT && strcmp(id, "DeclarativeSource.stream_groups") == 0) {
        for (size_t i = 0; rc == 0 && i < value->len; i++) {
            if (value->items[i]->type != WV_JSON_OBJECT)
                continue;
            if (!wv_json_get(value->items[i], "type"))
                wv_json_set(value->items[i], "type", wv_json_str("StreamGroup"));
            rc = propagate(ld, id, value->items[i], params, depth + 1);
        }
    } else if (value->type == WV_JSON_OBJECT) {
        rc = propagate(ld, id, value, params, depth + 1);
    } else {
        for (size_t i = 0; rc == 0 && i < value->len; i++)
            if (value->items[i]->type == WV_JSON_OBJECT)
                rc = propagate(ld, id, value->items[i], params, depth + 1);
    }
    free(id);
    if (truthy(excluded))
        wv_json_set(params, field, excluded);
    else
        wv_json_free(excluded);
    return rc;
}

/* Untyped mapping: only its typed children get the parameters (the CDK's nested components). */
static int propagate_untyped(struct loader *ld, const char *id, struct wv_json *node,
                             const struct wv_json *params, int depth)
{
    for (size_t i = 0; i < node->len; i++) {
        struct wv_json *v = node->items[i];
        if (v->type == WV_JSON_OBJECT && truthy(wv_json_get(v, "type")) &&
            propagate(ld, id, v, params, depth + 1) < 0)
            return -1;
    }
    return 0;
}

/* The CDK's propagate_types_and_parameters, in place on the resolved tree. */
static int propagate(struct loader *ld, const char *id, struct wv_json *node,
                     const struct wv_json *parent_params, int depth)
{
    if (depth > WALK_MAX_DEPTH)
        return fail_at(ld, node, WV_E_LIMIT, "manifest nested too deeply");
    default_type(node, id);
    struct wv_json *own = wv_json_take(node, "$parameters");
    if (own && own->type != WV_JSON_OBJECT && own->type != WV_JSON_NULL) {
        fail_at(ld, own, WV_E_CONFIG, "$parameters must be a mapping");
        wv_json_free(own);
        return -1;
    }
    struct wv_json *params = parent_params ? wv_json_dup(parent_params) : wv_json_object();
    for (size_t i = 0; own && i < own->len; i++) {
        wv_json_set(params, own->keys[i], own->items[i]);
        own->items[i] = NULL;
    }
    wv_json_free(own);
    int rc = 0;
    const struct wv_json *type = wv_json_get(node, "type");
    if (is_json_schema(node)) {
        rc = 0;
    } else if (!type) {
        rc = propagate_untyped(ld, id, node, params, depth);
    } else {
        for (size_t i = 0; i < params->len; i++)
            if (!truthy(wv_json_get(node, params->keys[i])))
                wv_json_set(node, params->keys[i], wv_json_dup(params->items[i]));
        type = wv_json_get(node, "type");
        const char *tname = type->type == WV_JSON_STRING ? type->s : "?";
        for (size_t i = 0; rc == 0 && i < node->len; i++) {
            struct wv_json *v = node->items[i];
            if (v->type == WV_JSON_OBJECT || v->type == WV_JSON_ARRAY)
                rc = propagate_field(ld, tname, node->keys[i], v, params, depth);
        }
        if (rc == 0 && params->len) {
            wv_json_set(node, "$parameters", params);
            params = NULL;
        }
    }
    wv_json_free(params);
    return rc;
}

/* Resolves and transforms a parsed document into a manifest (takes ownership of doc). */
static struct conn_manifest *manifest_build(struct wv_json *doc, const char *origin,
                                            struct wv_error *err)
{
    struct loader ld = {.origin = origin, .root = doc, .err = err};
    if (doc->type != WV_JSON_OBJECT) {
        fail_at(&ld, doc, WV_E_CONFIG, "a manifest must be a mapping");
        wv_json_free(doc);
        return NULL;
    }
    struct wv_json *tree = resolve(&ld, doc, 0);
    wv_json_free(doc);
    if (!tree)
        return NULL;
    if (tree->type != WV_JSON_OBJECT) { /* a top-level $ref to a non-mapping */
        fail_at(&ld, tree, WV_E_CONFIG, "a manifest must be a mapping");
        wv_json_free(tree);
        return NULL;
    }
    if (!wv_json_get(tree, "type")) /* the CDK's default */
        wv_json_set(tree, "type", wv_json_str("DeclarativeSource"));
    if (propagate(&ld, "", tree, NULL, 0) < 0) {
        wv_json_free(tree);
        return NULL;
    }
    struct conn_manifest *m = wv_calloc(1, sizeof *m);
    m->path = wv_strdup(origin);
    m->version = wv_strdup(wv_json_get_str(tree, "version"));
    m->resolved = tree;
    return m;
}

/* Loads and resolves a manifest file. */
struct conn_manifest *conn_manifest_load(const char *path, struct wv_error *err)
{
    struct wv_json *doc = wv_yaml_parse_file(path, err);
    return doc ? manifest_build(doc, path, err) : NULL;
}

/* Loads and resolves a manifest from text. */
struct conn_manifest *conn_manifest_parse(const char *text, size_t len, const char *origin,
                                          struct wv_error *err)
{
    struct wv_json *doc = wv_yaml_parse(text, len, origin, err);
    return doc ? manifest_build(doc, origin, err) : NULL;
}

/* Frees a manifest (NULL is a no-op). */
void conn_manifest_free(struct conn_manifest *m)
{
    if (!m)
        return;
    wv_json_free(m->resolved);
    free(m->version);
    free(m->path);
    free(m);
}
