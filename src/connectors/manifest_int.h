/* manifest_int.h - declarative manifests (Airbyte low-code YAML): loading with positions,
 * `$ref` resolution (both `$ref: "#/definitions/x"` maps and legacy "#/definitions/x" strings,
 * JSON-pointer paths, refs to refs, cycle detection), `$parameters` propagation to child
 * components, default component types where the schema implies them (a `requester` without
 * `type` is an HttpRequester ...), and validation against weaver's table of component types
 * (decl_schema.c, written from the CDK's declarative_component_schema.yaml). Behaviour follows
 * the CDK's ManifestReferenceResolver and ManifestComponentTransformer
 * (airbyte_cdk/sources/declarative/parsers/). Any thread; a loaded manifest is immutable. */
#ifndef MANIFEST_INT_H
#define MANIFEST_INT_H

#include <stdbool.h>
#include <stddef.h>

#include "base/error.h"
#include "base/json.h"

struct conn_manifest {
    char *path;                /* as given (for errors) */
    char *version;             /* the manifest's `version:` or NULL */
    struct wv_json *resolved;  /* refs expanded, parameters propagated, types defaulted;
                                  every node keeps the line:col it came from */
};

/* Loads and resolves a manifest file. Errors: "path:line:col: ..." (WV_E_CONFIG). */
struct conn_manifest *conn_manifest_load(const char *path, struct wv_error *err);
/* The same from text (origin names it in errors). */
struct conn_manifest *conn_manifest_parse(const char *text, size_t len, const char *origin,
                                          struct wv_error *err);
void conn_manifest_free(struct conn_manifest *m);

/* Validates the resolved tree against the component table: unknown types and fields, missing
 * required fields, wrong value kinds. Returns 0 when the manifest is fully supported. Otherwise
 * -1 with err set to the first problem, e.g.
 *   "manifest.yaml:41:7: streams[2].retriever.paginator: unknown field 'page_sise'"
 * (WV_E_CONFIG), or for components that embed Python
 *   "manifest.yaml:12:9: streams[0].retriever.record_selector.extractor: CustomRecordExtractor
 *    needs Python (class_name source_x.components.Foo)" (WV_E_NOTFOUND). */
int conn_manifest_check(const struct conn_manifest *m, struct wv_error *err);

/* Human path of a node inside the resolved tree ("streams[2].retriever.paginator"), into buf. */
const char *conn_manifest_path_of(const struct conn_manifest *m, const struct wv_json *node,
                                  char *buf, size_t size);

/* ---- the component table (decl_schema.c) ---- */

enum conn_field_kind {
    CONN_FK_ANY,        /* anything */
    CONN_FK_STRING,     /* a string (may be interpolated) */
    CONN_FK_BOOL,       /* a bool or an interpolated string */
    CONN_FK_INT,        /* an integer or an interpolated string */
    CONN_FK_NUMBER,     /* a number or an interpolated string */
    CONN_FK_OBJECT,     /* a mapping of free-form values */
    CONN_FK_LIST,       /* a list of free-form values */
    CONN_FK_COMPONENT,  /* one component; `types` lists the allowed types */
    CONN_FK_COMPONENTS  /* a list of components; `types` lists the allowed types */
};

struct conn_field_def {
    const char *name;
    enum conn_field_kind kind;
    bool required;
    const char *types;        /* COMPONENT(S): allowed types, space-separated; the first is the
                                 default when the value has no `type` */
};

struct conn_component_def {
    const char *type;         /* "HttpRequester" */
    const struct conn_field_def *fields; /* terminated by a NULL name */
    bool needs_python;        /* Custom* components */
};

/* The definition of a component type, or NULL when weaver does not know it. */
const struct conn_component_def *conn_component_find(const char *type);

#endif
