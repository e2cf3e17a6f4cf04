/* cmd_source.c - `weaver source spec|check|discover|read`: a connector behaving like an Airbyte
 * source container. Airbyte messages go to the command's output one per line; problems become
 * TRACE error messages (and exit 1), as the Airbyte entrypoint does. Caller's thread. */
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "connectors/connectors.h"
#include "core/cmd_int.h"

#define CONFIG_MAX (16u * 1024 * 1024)
#define FLUSH_AT (64u * 1024)

/* Writes one message to the output. */
void core_cmd_emit_msg(const struct core_cmd_env *env, const struct wv_msg *m)
{
    struct wv_buf b;
    wv_buf_init(&b, 0);
    wv_msg_write(&b, m, NULL);
    core_write(&env->out, b.data, b.len);
    wv_buf_done(&b);
}

/* On failure: a TRACE error message on the output, flushed (the error stays set: exit 1). */
int core_cmd_trace_error(const struct core_cmd_env *env, struct wv_error *err)
{
    struct wv_msg m;
    const char *ft = err->code == WV_E_CONFIG || err->code == WV_E_PARSE ? "config_error"
                     : wv_code_retryable(err->code)                      ? "transient_error"
                                                                         : "system_error";
    const struct wv_clock *clock = env->clock ? env->clock : wv_clock_system();
    wv_msg_trace_error(&m, wv_clock_now_ms(clock), err->msg, err->msg, ft);
    core_cmd_emit_msg(env, &m);
    wv_msg_done(&m);
    core_flush(&env->out);
    return -1;
}

#define MAX_REWRITES 32

/* Collects the repeatable --http-rewrite FROM=TO options (strings point into argv). */
static int collect_rewrites(int argc, char **argv, struct conn_url_rewrite *rw, char *tmp,
                            size_t tmpsize, size_t *n, struct wv_error *err)
{
    size_t used = 0;
    *n = 0;
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--http-rewrite") != 0)
            continue;
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        const char *eq = v ? strchr(v, '=') : NULL;
        if (!eq || eq == v || !eq[1])
            return wv_error_set(err, WV_E_USAGE, 0, "--http-rewrite needs FROM=TO");
        size_t flen = (size_t)(eq - v);
        if (*n >= MAX_REWRITES || used + flen + 1 > tmpsize)
            return wv_error_set(err, WV_E_USAGE, 0, "too many --http-rewrite options");
        memcpy(tmp + used, v, flen);
        tmp[used + flen] = 0;
        rw[*n].from = tmp + used;
        rw[*n].to = eq + 1;
        used += flen + 1;
        (*n)++;
    }
    return 0;
}

/* Opens --connector (or --manifest) and reads --config (when needed). */
static struct conn_source *open_connector(const struct core_cmd_env *env, int argc, char **argv,
                                          bool need_config, struct wv_json **config,
                                          struct wv_error *err)
{
    const char *name = NULL, *cfg = NULL, *manifest = NULL;
    (void)env;
    if (core_cmd_opt(argc, argv, "--connector", &name, err) < 0 ||
        core_cmd_opt(argc, argv, "--manifest", &manifest, err) < 0 ||
        core_cmd_opt(argc, argv, "--config", &cfg, err) < 0)
        return NULL;
    if (!name && !manifest) {
        wv_error_set(err, WV_E_USAGE, 0,
                     "--connector NAME or --manifest PATH is required (e.g. builtin:faker)");
        return NULL;
    }
    if (name && manifest) {
        wv_error_set(err, WV_E_USAGE, 0, "give either --connector or --manifest, not both");
        return NULL;
    }
    if (need_config && !cfg) {
        wv_error_set(err, WV_E_USAGE, 0, "--config FILE is required");
        return NULL;
    }
    if (cfg) {
        *config = wv_json_parse_file(cfg, CONFIG_MAX, err);
        if (!*config)
            return NULL;
        if ((*config)->type != WV_JSON_OBJECT) {
            wv_error_set(err, WV_E_CONFIG, 0, "%s:%u:%u: config must be a JSON object", cfg,
                         (*config)->line, (*config)->col);
            return NULL;
        }
    }
    struct conn_url_rewrite rw[MAX_REWRITES];
    char tmp[8192];
    size_t n = 0;
    if (collect_rewrites(argc, argv, rw, tmp, sizeof tmp, &n, err) < 0)
        return NULL;
    struct conn_open_opts opts = {rw, n};
    if (!manifest)
        return conn_source_open_opts(name, ".", &opts, err);
    char *conn = wv_asprintf("manifest:%s", manifest);
    struct conn_source *src = conn_source_open_opts(conn, ".", &opts, err);
    free(conn);
    return src;
}

/* source spec */
int core_cmd_source_spec(const struct core_cmd_env *env, int argc, char **argv, struct wv_error *err)
{
    struct wv_json *config = NULL, *spec = NULL;
    struct conn_source *src = open_connector(env, argc, argv, false, &config, err);
    int rc = src ? conn_source_spec(src, &spec, err) : -1;
    if (rc == 0) {
        struct wv_msg m;
        wv_msg_spec(&m, spec);
        core_cmd_emit_msg(env, &m);
        wv_msg_done(&m);
    }
    conn_source_free(src);
    wv_json_free(config);
    return rc < 0 && err->code != WV_E_USAGE ? core_cmd_trace_error(env, err) : rc;
}

/* source check */
int core_cmd_source_check(const struct core_cmd_env *env, int argc, char **argv, struct wv_error *err)
{
    struct wv_json *config = NULL;
    struct conn_source *src = open_connector(env, argc, argv, true, &config, err);
    bool ok = false;
    char *message = NULL;
    int rc = src ? conn_source_check(src, config, &ok, &message, err) : -1;
    if (rc == 0) {
        struct wv_msg m;
        wv_msg_connection_status(&m, ok, message);
        core_cmd_emit_msg(env, &m);
        wv_msg_done(&m);
    }
    free(message);
    conn_source_free(src);
    wv_json_free(config);
    return rc < 0 && err->code != WV_E_USAGE ? core_cmd_trace_error(env, err) : rc;
}

/* source discover */
int core_cmd_source_discover(const struct core_cmd_env *env, int argc, char **argv,
                        struct wv_error *err)
{
    struct wv_json *config = NULL, *catalog = NULL;
    struct conn_source *src = open_connector(env, argc, argv, true, &config, err);
    int rc = src ? conn_source_discover(src, config, &catalog, err) : -1;
    if (rc == 0) {
        struct wv_msg m;
        wv_msg_catalog(&m, catalog);
        core_cmd_emit_msg(env, &m);
        wv_msg_done(&m);
    }
    conn_source_free(src);
    wv_json_free(config);
    return rc < 0 && err->code != WV_E_USAGE ? core_cmd_trace_error(env, err) : rc;
}

struct read_out {
    const struct core_cmd_env *env;
    struct wv_buf buf;
};

/* Sink for `source read`: buffers wire lines, flushing every FLUSH_AT bytes and at STATE. */
static int read_emit(void *ctx, const struct wv_msg *m, struct wv_error *err)
{
    struct read_out *o = ctx;
    if (wv_msg_write(&o->buf, m, err) < 0)
        return -1;
    if (o->buf.len >= FLUSH_AT || m->type != WV_MSG_RECORD) {
        core_write(&o->env->out, o->buf.data, o->buf.len);
        wv_buf_reset(&o->buf);
    }
    return 0;
}

/* A configured catalog of every discovered stream, full refresh / append. */
static struct wv_json *default_catalog(const struct wv_json *discovered)
{
    struct wv_json *cfg = wv_json_object(), *streams = wv_json_array();
    struct wv_json *list = wv_json_get(discovered, "streams");
    for (size_t i = 0; list && i < list->len; i++) {
        struct wv_json *s = wv_json_object();
        wv_json_set(s, "stream", wv_json_dup(list->items[i]));
        wv_json_set(s, "sync_mode", wv_json_str("full_refresh"));
        wv_json_set(s, "destination_sync_mode", wv_json_str("append"));
        wv_json_push(streams, s);
    }
    wv_json_set(cfg, "streams", streams);
    return cfg;
}

/* Loads --catalog, or builds the default one from discover. */
static int load_catalog(struct conn_source *src, const struct wv_json *config, const char *path,
                        struct wv_cfg_catalog *cat, struct wv_error *err)
{
    struct wv_json *j = NULL;
    if (path) {
        j = wv_json_parse_file(path, CONFIG_MAX, err);
    } else {
        struct wv_json *discovered = NULL;
        if (conn_source_discover(src, config, &discovered, err) == 0)
            j = default_catalog(discovered);
        wv_json_free(discovered);
    }
    int rc = j ? wv_cfg_catalog_parse(j, path ? path : "catalog", cat, err) : -1;
    wv_json_free(j);
    return rc;
}

/* source read */
int core_cmd_source_read(const struct core_cmd_env *env, int argc, char **argv, struct wv_error *err)
{
    struct wv_json *config = NULL, *state = NULL;
    struct wv_cfg_catalog cat = {0};
    const char *catalog_path = NULL, *state_path = NULL;
    if (core_cmd_opt(argc, argv, "--catalog", &catalog_path, err) < 0 ||
        core_cmd_opt(argc, argv, "--state", &state_path, err) < 0)
        return -1;
    struct conn_source *src = open_connector(env, argc, argv, true, &config, err);
    int rc = src ? load_catalog(src, config, catalog_path, &cat, err) : -1;
    if (rc == 0 && state_path) {
        state = wv_json_parse_file(state_path, CONFIG_MAX, err);
        rc = state ? 0 : -1;
    }
    if (rc == 0) {
        struct read_out o = {env, WV_BUF_INIT};
        static const struct conn_sink_ops ops = {read_emit};
        struct conn_sink sink = {&ops, &o};
        struct conn_read_env renv = {.clock = env->clock, .cancel = env->cancel};
        rc = conn_source_read(src, config, &cat, state, &renv, &sink, err);
        core_write(&env->out, o.buf.data ? o.buf.data : "", o.buf.len);
        wv_buf_done(&o.buf);
    }
    wv_cfg_catalog_done(&cat);
    conn_source_free(src);
    wv_json_free(config);
    wv_json_free(state);
    return rc < 0 && err->code != WV_E_USAGE ? core_cmd_trace_error(env, err) : rc;
}
