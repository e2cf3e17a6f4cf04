/* init.c - `weaver init DIR [--demo]`: a new workspace, empty or a copy of the bundled demo
 * (examples/demo, embedded at build time so the installed binary needs no source tree).
 * Caller's thread. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/fs.h"
#include "base/mem.h"
#include "core/core_int.h"
#include "core/init_int.h"

static const char empty_ws[] =
    "# weaver workspace. Sources in sources/, connections in connections/, flows in flows/.\n"
    "version: 1\n"
    "destinations:\n"
    "  raw:\n"
    "    path: raw               # a local directory, or s3://bucket/prefix (with an s3: block)\n"
    "    format: parquet         # the raw zone: Parquet files (or jsonl, local only)\n"
    "    compression: zstd\n"
    "defaults:\n"
    "  destination: raw\n";

static const char gitignore[] = ".weaver/\nraw/\nsecrets/\n";

/* Refuses a non-empty target. */
static int check_target(const char *dir, struct wv_error *err)
{
    if (!wv_fs_exists(dir))
        return 0;
    if (!wv_fs_is_dir(dir))
        return wv_error_set(err, WV_E_CONFLICT, 0, "%s exists and is not a directory", dir);
    char **names = NULL;
    if (wv_fs_list(dir, &names, err) < 0)
        return -1;
    size_t n = wv_strv_len(names);
    wv_strv_free(names);
    if (n)
        return wv_error_set(err, WV_E_CONFLICT, 0, "%s is not empty; not touching it", dir);
    return 0;
}

/* Writes one file of the new workspace, creating its directory. */
static int put_file(const char *dir, const char *rel, const void *data, size_t len,
                    struct wv_error *err)
{
    char *path = wv_path_join(dir, rel);
    char *parent = wv_path_dirname(path);
    int rc = wv_fs_mkdirs(parent, 0755, err);
    if (rc == 0)
        rc = wv_fs_write_atomic(path, data, len, 0644, err);
    free(parent);
    free(path);
    return rc;
}

/* Creates a workspace. */
int core_workspace_init(const char *dir, bool demo, struct wv_error *err)
{
    if (check_target(dir, err) < 0 || wv_fs_mkdirs(dir, 0755, err) < 0)
        return -1;
    static const char *const subdirs[] = {"sources", "connections", "flows", NULL};
    for (const char *const *s = subdirs; *s; s++) {
        char *p = wv_path_join(dir, *s);
        int rc = wv_fs_mkdirs(p, 0755, err);
        free(p);
        if (rc < 0)
            return -1;
    }
    if (!demo) {
        if (put_file(dir, "weaver.yaml", empty_ws, sizeof empty_ws - 1, err) < 0 ||
            put_file(dir, ".gitignore", gitignore, sizeof gitignore - 1, err) < 0)
            return -1;
        return 0;
    }
    for (const struct init_file *f = core_init_demo_files; f->path; f++)
        if (put_file(dir, f->path, f->data, f->len, err) < 0)
            return -1;
    return 0;
}
