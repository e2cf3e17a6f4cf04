/* testutil.h - small helpers shared by the cmocka tests (header-only, tests only). */
#ifndef WV_TESTUTIL_H
#define WV_TESTUTIL_H

#include <stdlib.h>

#include "base/mem.h"

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

#endif
