/* source.c - the connector registry (name -> source) and the conn_source_* dispatch functions
 * that check arguments, fill defaults and make sure a failing operation always leaves an error.
 * Any thread; a source is used by one thread at a time. */
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "connectors/connectors.h"
#include "connectors/decl_int.h"

/* Builtin connectors: name and constructor. */
static const struct conn_builtin {
    const char *name;
    struct conn_source *(*open)(void);
} conn_builtins[] = {
    {"builtin:faker", conn_faker_new},
};

#define CONN_N_BUILTINS (sizeof conn_builtins / sizeof conn_builtins[0])

static const char *const conn_builtin_list[CONN_N_BUILTINS + 1] = {"builtin:faker", NULL};

/* Names of the builtin connectors. */
const char *const *conn_builtin_names(void) { return conn_builtin_list; }

/* Opens a source by connector name. */
struct conn_source *conn_source_open(const char *connector, const char *base_dir,
                                     struct wv_error *err)
{
    return conn_source_open_opts(connector, base_dir, NULL, err);
}

/* Opens "manifest:PATH" (PATH relative to base_dir unless absolute). */
static struct conn_source *conn_manifest_open(const char *connector, const char *base_dir,
                                              const struct conn_open_opts *opts,
                                              struct wv_error *err)
{
    const char *path = connector + strlen("manifest:");
    if (!*path) {
        wv_error_set(err, WV_E_USAGE, 0, "manifest: needs a path (manifest:PATH)");
        return NULL;
    }
    char *full = path[0] != '/' && base_dir && *base_dir ? wv_asprintf("%s/%s", base_dir, path)
                                                         : wv_strdup(path);
    struct conn_source *src = conn_decl_open(full, opts, err);
    free(full);
    if (src) {
        free(src->name);
        src->name = wv_strdup(connector);
    }
    return src;
}

/* Opens a source by connector name, with options. */
struct conn_source *conn_source_open_opts(const char *connector, const char *base_dir,
                                          const struct conn_open_opts *opts,
                                          struct wv_error *err)
{
    if (!connector || !*connector) {
        wv_error_set(err, WV_E_USAGE, 0, "no connector name given");
        return NULL;
    }
    if (wv_str_starts(connector, "manifest:"))
        return conn_manifest_open(connector, base_dir, opts, err);
    for (size_t i = 0; i < CONN_N_BUILTINS; i++) {
        if (strcmp(conn_builtins[i].name, connector) == 0) {
            struct conn_source *src = conn_builtins[i].open();
            free(src->name);
            src->name = wv_strdup(connector);
            return src;
        }
    }
    char names[256] = "";
    for (size_t i = 0; i < CONN_N_BUILTINS; i++) {
        if (i)
            wv_strlcpy(names + strlen(names), ", ", sizeof names - strlen(names));
        wv_strlcpy(names + strlen(names), conn_builtins[i].name, sizeof names - strlen(names));
    }
    wv_error_set(err, WV_E_NOTFOUND, 0, "unknown connector '%s' (builtin connectors: %s)",
                 connector, names);
    return NULL;
}

/* Frees a source and its context. */
void conn_source_free(struct conn_source *src)
{
    if (!src)
        return;
    if (src->ops && src->ops->free)
        src->ops->free(src->ctx);
    free(src->name);
    free(src);
}

/* The name to show in errors. */
static const char *conn_name(const struct conn_source *src)
{
    return src->name ? src->name : "source";
}

/* Makes sure a failed operation left an error. */
static int conn_failed(const struct conn_source *src, const char *op, struct wv_error *err)
{
    if (!wv_error_isset(err))
        wv_error_set(err, WV_E_INTERNAL, 0, "%s: %s failed", conn_name(src), op);
    return -1;
}

/* Rejects a missing source or operation. */
static int conn_usable(const struct conn_source *src, bool has_op, const char *op,
                       struct wv_error *err)
{
    if (!src || !src->ops)
        return wv_error_set(err, WV_E_USAGE, 0, "%s: no source", op);
    if (!has_op)
        return wv_error_set(err, WV_E_USAGE, 0, "%s does not support %s", conn_name(src), op);
    return 0;
}

/* spec through the source's ops. */
int conn_source_spec(struct conn_source *src, struct wv_json **spec, struct wv_error *err)
{
    *spec = NULL;
    if (conn_usable(src, src && src->ops && src->ops->spec, "spec", err) < 0)
        return -1;
    if (src->ops->spec(src->ctx, spec, err) < 0) {
        wv_json_free(*spec);
        *spec = NULL;
        return conn_failed(src, "spec", err);
    }
    if (!*spec)
        return wv_error_set(err, WV_E_INTERNAL, 0, "%s: spec returned nothing", conn_name(src));
    return 0;
}

/* check through the source's ops; a failed check always has a message. */
int conn_source_check(struct conn_source *src, const struct wv_json *config, bool *ok,
                      char **message, struct wv_error *err)
{
    *ok = false;
    *message = NULL;
    if (conn_usable(src, src && src->ops && src->ops->check, "check", err) < 0)
        return -1;
    if (src->ops->check(src->ctx, config, ok, message, err) < 0) {
        free(*message);
        *message = NULL;
        *ok = false;
        return conn_failed(src, "check", err);
    }
    if (!*ok && !*message)
        *message = wv_strdup("connection check failed");
    return 0;
}

/* discover through the source's ops. */
int conn_source_discover(struct conn_source *src, const struct wv_json *config,
                         struct wv_json **catalog, struct wv_error *err)
{
    *catalog = NULL;
    if (conn_usable(src, src && src->ops && src->ops->discover, "discover", err) < 0)
        return -1;
    if (src->ops->discover(src->ctx, config, catalog, err) < 0) {
        wv_json_free(*catalog);
        *catalog = NULL;
        return conn_failed(src, "discover", err);
    }
    if (!*catalog)
        return wv_error_set(err, WV_E_INTERNAL, 0, "%s: discover returned nothing", conn_name(src));
    return 0;
}

/* read through the source's ops, with the system clock when env has none. */
int conn_source_read(struct conn_source *src, const struct wv_json *config,
                     const struct wv_cfg_catalog *catalog, const struct wv_json *state,
                     const struct conn_read_env *env, const struct conn_sink *sink,
                     struct wv_error *err)
{
    if (conn_usable(src, src && src->ops && src->ops->read, "read", err) < 0)
        return -1;
    if (!catalog)
        return wv_error_set(err, WV_E_USAGE, 0, "%s: read needs a configured catalog",
                            conn_name(src));
    if (!sink || !sink->ops || !sink->ops->emit)
        return wv_error_set(err, WV_E_USAGE, 0, "%s: read needs a sink", conn_name(src));
    struct conn_read_env e = {.clock = NULL};
    if (env)
        e = *env;
    if (!e.clock)
        e.clock = wv_clock_system();
    if (src->ops->read(src->ctx, config, catalog, state, &e, sink, err) < 0)
        return conn_failed(src, "read", err);
    return 0;
}
