/* source_open.c - opening a workspace source the way every command that talks to it does:
 * its config with templates resolved ({{ env.X }}, {{ file('p') }}) and coerced to the types
 * the connector's spec declares, the connector opened with the URL rewrites of
 * $WEAVER_HTTP_REWRITE ("FROM=TO[,FROM=TO...]", for manifests that hard-code https hosts, run
 * against local fixture servers). Used by sync, check and discover. */
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "connectors/connectors.h"
#include "core/core_int.h"

/* URL rewrites from $WEAVER_HTTP_REWRITE ("FROM=TO[,FROM=TO...]"), as a sync applies them.
 * *buf owns the strings; caller frees *buf and *rw. */
static size_t env_rewrites(struct conn_url_rewrite **rw, char **buf)
{
    const char *v = getenv("WEAVER_HTTP_REWRITE");
    *rw = NULL;
    *buf = NULL;
    if (!v || !*v)
        return 0;
    *buf = wv_strdup(v);
    size_t n = 0;
    for (char *p = *buf, *next; p && *p; p = next) {
        next = strchr(p, ',');
        if (next)
            *next++ = '\0';
        char *eq = strchr(p, '=');
        if (!eq)
            continue;
        *eq = '\0';
        *rw = wv_realloc(*rw, (n + 1) * sizeof **rw);
        (*rw)[n++] = (struct conn_url_rewrite){p, eq + 1};
    }
    return n;
}

/* Opens a workspace source with its config resolved and coerced to the connector's spec. */
struct conn_source *core_source_open(const struct core_workspace *ws,
                                       const struct core_source *def, struct wv_json **config,
                                       struct wv_error *err)
{
    *config = NULL;
    if (core_source_config(ws, def, config, err) < 0)
        return NULL;
    struct conn_url_rewrite *rw = NULL;
    char *rw_buf = NULL;
    struct conn_open_opts oo = {NULL, 0};
    oo.n_rewrites = env_rewrites(&rw, &rw_buf);
    oo.rewrites = rw;
    struct conn_source *src = conn_source_open_opts(def->connector, ws->root, &oo, err);
    free(rw);
    free(rw_buf);
    struct wv_json *spec = NULL;
    if (!src || conn_source_spec(src, &spec, err) < 0 ||
        core_config_coerce(*config, wv_json_get(spec, "connectionSpecification"), def->file,
                           err) < 0) {
        wv_error_prefix(err, "%s", def->file);
        wv_json_free(spec);
        conn_source_free(src);
        wv_json_free(*config);
        *config = NULL;
        return NULL;
    }
    wv_json_free(spec);
    return src;
}

