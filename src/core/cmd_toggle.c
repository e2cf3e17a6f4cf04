/* cmd_toggle.c - `weaver connection enable|disable NAME` and `weaver flow enable|disable NAME`:
 * edits the YAML file in place, keeping its comments and layout (an existing top-level
 * `enabled:` line is replaced, else `enabled: BOOL` is appended), atomically, then loads the
 * workspace again and puts the old text back if it no longer loads. */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/fs.h"
#include "base/mem.h"
#include "core/cmd_int.h"

#define YAML_MAX (4 << 20)

/* The text with its top-level `enabled:` set to on (comment after the value kept). Caller
 * frees. */
static char *set_enabled(const char *text, bool on)
{
    struct wv_buf b = WV_BUF_INIT;
    const char *value = on ? "true" : "false";
    bool done = false;
    for (const char *p = text; *p;) {
        const char *eol = strchr(p, '\n');
        size_t len = eol ? (size_t)(eol - p) : strlen(p);
        if (!done && len >= 8 && strncmp(p, "enabled:", 8) == 0) {
            const char *hash = memchr(p, '#', len);
            wv_buf_printf(&b, NULL, "enabled: %s", value);
            if (hash)
                wv_buf_printf(&b, NULL, "  %.*s", (int)(len - (size_t)(hash - p)), hash);
            done = true;
        } else {
            wv_buf_append(&b, p, len, NULL);
        }
        if (eol)
            wv_buf_putc(&b, '\n', NULL);
        p += len + (eol ? 1 : 0);
    }
    if (!done) {
        if (b.len && b.data[b.len - 1] != '\n')
            wv_buf_putc(&b, '\n', NULL);
        wv_buf_printf(&b, NULL, "enabled: %s\n", value);
    }
    return wv_buf_steal(&b, NULL);
}

/* Rewrites file and checks that the workspace at root still loads. */
static int toggle_file(const char *root, const char *file, bool on, struct wv_error *err)
{
    char *old = NULL;
    size_t old_len = 0;
    if (wv_fs_read_all(file, YAML_MAX, &old, &old_len, err) < 0)
        return -1;
    struct stat st;
    mode_t mode = stat(file, &st) == 0 ? (st.st_mode & 07777) : 0644;
    char *text = set_enabled(old, on);
    int rc = wv_fs_write_atomic(file, text, strlen(text), mode, err);
    if (rc == 0) {
        struct core_workspace *ws = core_workspace_load(root, err);
        if (!ws) {
            struct wv_error rerr;
            wv_error_clear(&rerr);
            wv_fs_write_atomic(file, old, old_len, mode, &rerr);
            wv_error_prefix(err, "%s left unchanged: the edit broke the workspace", file);
            rc = -1;
        }
        core_workspace_free(ws);
    }
    free(text);
    free(old);
    return rc;
}

/* Shared body: kind "connection" or "flow". */
static int toggle(const struct core_cmd_env *env, int argc, char **argv, bool is_flow, bool on,
                  struct wv_error *err)
{
    struct core_workspace *ws = core_cmd_workspace(env, err);
    if (!ws)
        return -1;
    const char *name = core_cmd_arg(argc, argv, 0);
    const char *kind = is_flow ? "flow" : "connection";
    const char *file = NULL;
    bool was = false;
    if (is_flow) {
        const struct core_flow *f = core_workspace_flow(ws, name);
        if (f)
            file = f->file, was = f->enabled;
    } else {
        const struct core_connection *c = core_workspace_connection(ws, name);
        if (c)
            file = c->file, was = c->enabled;
    }
    int rc = 0;
    if (!file)
        rc = wv_error_set(err, WV_E_NOTFOUND, 0, "unknown %s '%s'", kind, name);
    else if (was == on)
        core_printf(&env->out, "%s %s: already %s\n", kind, name, on ? "enabled" : "disabled");
    else if ((rc = toggle_file(ws->root, file, on, err)) == 0)
        core_printf(&env->out, "%s %s: %s (%s)\n", kind, name, on ? "enabled" : "disabled", file);
    core_workspace_free(ws);
    return rc;
}

int core_cmd_connection_enable(const struct core_cmd_env *env, int argc, char **argv,
                               struct wv_error *err)
{
    return toggle(env, argc, argv, false, true, err);
}

int core_cmd_connection_disable(const struct core_cmd_env *env, int argc, char **argv,
                                struct wv_error *err)
{
    return toggle(env, argc, argv, false, false, err);
}

int core_cmd_flow_enable(const struct core_cmd_env *env, int argc, char **argv,
                         struct wv_error *err)
{
    return toggle(env, argc, argv, true, true, err);
}

int core_cmd_flow_disable(const struct core_cmd_env *env, int argc, char **argv,
                          struct wv_error *err)
{
    return toggle(env, argc, argv, true, false, err);
}
