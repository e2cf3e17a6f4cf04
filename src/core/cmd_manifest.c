/* cmd_manifest.c - `weaver manifest validate PATH...`: loads each declarative manifest, checks
 * it against weaver's component table and prints "PATH: ok" or "PATH: <first problem>", then
 * "N of M manifests fully supported". Caller's thread. */
#include <stdbool.h>
#include <string.h>

#include "connectors/connectors.h"
#include "core/cmd_int.h"

/* Validates each manifest named on the command line; -1 (exit 1) unless all are supported. */
int core_cmd_manifest_validate(const struct core_cmd_env *env, int argc, char **argv,
                               struct wv_error *err)
{
    int total = 0, ok = 0;
    for (const char *path; (path = core_cmd_arg(argc, argv, total)) != NULL; total++) {
        struct wv_error e;
        wv_error_clear(&e);
        if (conn_manifest_validate(path, &e) == 0) {
            ok++;
            core_printf(&env->out, "%s: ok\n", path);
        } else {
            /* messages already start with "path:line:col" when they have a position */
            size_t n = strlen(path);
            bool named = strncmp(e.msg, path, n) == 0 && e.msg[n] == ':';
            core_printf(&env->out, "%s%s%s\n", named ? "" : path, named ? "" : ": ", e.msg);
        }
    }
    core_printf(&env->out, "%d of %d manifests fully supported\n", ok, total);
    if (ok == total)
        return 0;
    return wv_error_set(err, WV_E_CONFIG, 0, "%d of %d manifests not fully supported", total - ok,
                        total);
}
