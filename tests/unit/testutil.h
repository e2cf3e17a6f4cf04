/* testutil.h - small helpers shared by the cmocka tests (header-only, tests only). Include it
 * after <cmocka.h>: the parse helpers fail the running test on bad input. */
#ifndef WV_TESTUTIL_H
#define WV_TESTUTIL_H

#include <stdlib.h>
#include <string.h>

#include "base/fs.h"
#include "base/json.h"
#include "base/mem.h"
#include "base/yaml.h"

/* A new empty directory under $TMPDIR (or /tmp) named after tag; caller frees the path and
 * removes the directory (wv_fs_rmtree). NULL if it cannot be created. */
static inline char *wv_test_tmpdir(const char *tag)
{
    const char *tmp = getenv("TMPDIR");
    char *dir = wv_asprintf("%s/wv-test-%s-XXXXXX", tmp && *tmp ? tmp : "/tmp", tag);
    if (!mkdtemp(dir)) {
        free(dir);
        return NULL;
    }
    return dir;
}

/* Parses test JSON (origin names it in positions); fails the test if it does not parse.
 * Caller frees. */
static inline struct wv_json *wv_test_json(const char *text, const char *origin)
{
    struct wv_error err;
    wv_error_clear(&err);
    struct wv_json *j = wv_json_parse(text, strlen(text), origin, &err);
    if (!j)
        fail_msg("bad test JSON <%s>: %s", text, err.msg);
    return j;
}

/* The same for test YAML. Caller frees. */
static inline struct wv_json *wv_test_yaml(const char *text, const char *origin)
{
    struct wv_error err;
    wv_error_clear(&err);
    struct wv_json *j = wv_yaml_parse(text, strlen(text), origin, &err);
    if (!j)
        fail_msg("bad test YAML <%s>: %s", text, err.msg);
    return j;
}

/* Writes root/rel (creating its directory); fails the test on error. */
static inline void wv_test_put(const char *root, const char *rel, const char *text)
{
    struct wv_error err = {0};
    char *path = wv_path_join(root, rel);
    char *parent = wv_path_dirname(path);
    if (wv_fs_mkdirs(parent, 0755, &err) < 0 ||
        wv_fs_write_atomic(path, text, strlen(text), 0644, &err) < 0)
        fail_msg("writing %s: %s", path, err.msg);
    free(parent);
    free(path);
}

#endif
