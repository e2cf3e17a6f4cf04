/* test_init.c - unit tests of `weaver init` (src/core/init.c): an empty workspace and the
 * bundled demo written into a temporary directory, byte for byte, refusing non-empty targets
 * without touching them, and both results loading with core_workspace_load. Single-threaded. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "unit/testutil.h"

#include "base/fs.h"
#include "base/mem.h"
#include "core/core.h"
#include "core/init_int.h"

static const char want_main[] =
    "# weaver workspace. Sources in sources/, connections in connections/, flows in flows/.\n"
    "version: 1\n"
    "destinations:\n"
    "  raw:\n"
    "    path: raw               # a local directory, or s3://bucket/prefix (with an s3: block)\n"
    "    format: parquet         # the raw zone: Parquet files (or jsonl, local only)\n"
    "    compression: zstd\n"
    "defaults:\n"
    "  destination: raw\n";

struct fixture {
    char *dir;
};

/* Creates a temporary parent directory for one test. */
static int setup(void **state)
{
    struct fixture *f = wv_calloc(1, sizeof *f);
    f->dir = wv_test_tmpdir("init");
    if (!f->dir)
        return -1;
    *state = f;
    return 0;
}

/* Removes it. */
static int teardown(void **state)
{
    struct fixture *f = *state;
    struct wv_error err = {0};
    int r = wv_fs_rmtree(f->dir, &err);
    free(f->dir);
    free(f);
    return r;
}

/* Reads dir/rel whole; fails the test if it cannot. Caller frees. */
static char *slurp(const char *dir, const char *rel, size_t *len)
{
    struct wv_error err = {0};
    char *path = wv_path_join(dir, rel);
    char *data = NULL;
    if (wv_fs_read_all(path, 0, &data, len, &err) < 0)
        fail_msg("read %s: %s", path, err.msg);
    free(path);
    return data;
}

/* Whether dir/rel is a directory. */
static bool is_dir(const char *dir, const char *rel)
{
    char *p = wv_path_join(dir, rel);
    bool r = wv_fs_is_dir(p);
    free(p);
    return r;
}

/* Number of entries in a directory. */
static size_t count_entries(const char *dir)
{
    char **names = NULL;
    struct wv_error err = {0};
    if (wv_fs_list(dir, &names, &err) < 0)
        fail_msg("%s", err.msg);
    size_t n = wv_strv_len(names);
    wv_strv_free(names);
    return n;
}

/* Loads a workspace, failing the test with the message if it cannot. */
static struct core_workspace *load_ok(const char *root)
{
    struct wv_error err = {0};
    struct core_workspace *ws = core_workspace_load(root, &err);
    if (!ws)
        fail_msg("core_workspace_load: %s", err.msg);
    return ws;
}

/* A plain workspace in a directory that does not exist yet (parents created). */
static void test_plain(void **state)
{
    struct fixture *f = *state;
    char *ws_dir = wv_asprintf("%s/a/b/shop", f->dir);
    struct wv_error err = {0};
    assert_int_equal(core_workspace_init(ws_dir, false, &err), 0);
    assert_int_equal(err.code, WV_E_OK);
    size_t len = 0;
    char *text = slurp(ws_dir, "weaver.yaml", &len);
    assert_int_equal(len, sizeof want_main - 1);
    assert_string_equal(text, want_main);
    free(text);
    char *gi = slurp(ws_dir, ".gitignore", &len);
    assert_string_equal(gi, ".weaver/\nraw/\nsecrets/\n");
    free(gi);
    assert_true(is_dir(ws_dir, "sources"));
    assert_true(is_dir(ws_dir, "connections"));
    assert_true(is_dir(ws_dir, "flows"));
    assert_int_equal(count_entries(ws_dir), 5); /* exactly these, no temp files left */
    assert_int_equal(count_entries(f->dir), 1);

    struct core_workspace *ws = load_ok(ws_dir);
    assert_string_equal(ws->name, "shop");
    assert_int_equal(ws->n_dests, 1);
    assert_string_equal(ws->dests[0].name, "raw");
    assert_string_equal(ws->dests[0].type, "local");
    assert_string_equal(ws->dests[0].format, "parquet");
    char *raw = wv_asprintf("%s/raw", ws->root);
    assert_string_equal(ws->dests[0].path, raw);
    free(raw);
    assert_int_equal(ws->n_sources, 0);
    assert_int_equal(ws->n_conns, 0);
    core_workspace_free(ws);

    /* and it is found from inside, like git */
    char *root = NULL;
    char *sub = wv_asprintf("%s/sources", ws_dir);
    char *old = getcwd(NULL, 0);
    assert_int_equal(chdir(sub), 0);
    unsetenv("WEAVER_WORKSPACE");
    int rc = core_workspace_find(NULL, &root, &err);
    assert_int_equal(chdir(old), 0);
    assert_int_equal(rc, 0);
    char *real = wv_path_real(ws_dir, NULL);
    assert_string_equal(root, real);
    free(real);
    free(root);
    free(old);
    free(sub);
    free(ws_dir);
}

/* An existing empty directory is fine. */
static void test_plain_existing_empty(void **state)
{
    struct fixture *f = *state;
    struct wv_error err = {0};
    assert_int_equal(core_workspace_init(f->dir, false, &err), 0);
    char *p = wv_path_join(f->dir, "weaver.yaml");
    assert_true(wv_fs_exists(p));
    free(p);
}

/* A non-empty directory is refused and left exactly as it was. */
static void test_refuses_non_empty(void **state)
{
    struct fixture *f = *state;
    char *keep = wv_path_join(f->dir, "notes.txt");
    struct wv_error err = {0};
    assert_int_equal(wv_fs_write_atomic(keep, "mine\n", 5, 0644, &err), 0);
    assert_int_equal(core_workspace_init(f->dir, false, &err), -1);
    assert_int_equal(err.code, WV_E_CONFLICT);
    char *want = wv_asprintf("%s is not empty; not touching it", f->dir);
    assert_string_equal(err.msg, want);
    free(want);
    assert_int_equal(count_entries(f->dir), 1);
    size_t len = 0;
    char *data = slurp(f->dir, "notes.txt", &len);
    assert_string_equal(data, "mine\n");
    free(data);
    /* the demo is refused the same way */
    wv_error_clear(&err);
    assert_int_equal(core_workspace_init(f->dir, true, &err), -1);
    assert_int_equal(err.code, WV_E_CONFLICT);
    assert_int_equal(count_entries(f->dir), 1);
    free(keep);
}

/* A hidden entry (e.g. .git) also makes a directory non-empty. */
static void test_refuses_hidden_entry(void **state)
{
    struct fixture *f = *state;
    char *git = wv_path_join(f->dir, ".git");
    struct wv_error err = {0};
    assert_int_equal(wv_fs_mkdirs(git, 0755, &err), 0);
    assert_int_equal(core_workspace_init(f->dir, false, &err), -1);
    assert_int_equal(err.code, WV_E_CONFLICT);
    assert_int_equal(count_entries(f->dir), 1);
    free(git);
}

/* A path that is a file is refused. */
static void test_refuses_file(void **state)
{
    struct fixture *f = *state;
    char *file = wv_path_join(f->dir, "ws");
    struct wv_error err = {0};
    assert_int_equal(wv_fs_write_atomic(file, "x", 1, 0644, &err), 0);
    assert_int_equal(core_workspace_init(file, false, &err), -1);
    assert_int_equal(err.code, WV_E_CONFLICT);
    char *want = wv_asprintf("%s exists and is not a directory", file);
    assert_string_equal(err.msg, want);
    free(want);
    size_t len = 0;
    char *data = slurp(f->dir, "ws", &len);
    assert_string_equal(data, "x");
    free(data);
    free(file);
}

/* Initializing twice: the second time is refused and the first workspace is intact. */
static void test_twice(void **state)
{
    struct fixture *f = *state;
    char *ws_dir = wv_path_join(f->dir, "ws");
    struct wv_error err = {0};
    assert_int_equal(core_workspace_init(ws_dir, true, &err), 0);
    assert_int_equal(core_workspace_init(ws_dir, false, &err), -1);
    assert_int_equal(err.code, WV_E_CONFLICT);
    struct core_workspace *ws = load_ok(ws_dir);
    assert_string_equal(ws->name, "demo");
    core_workspace_free(ws);
    free(ws_dir);
}

/* The demo: every embedded file written byte for byte, and the embedded set is examples/demo. */
static void test_demo_files(void **state)
{
    struct fixture *f = *state;
    char *ws_dir = wv_path_join(f->dir, "demo");
    struct wv_error err = {0};
    assert_int_equal(core_workspace_init(ws_dir, true, &err), 0);
    size_t n = 0;
    bool saw_main = false, saw_source = false, saw_gitignore = false;
    const char *data_dir = getenv("WEAVER_TEST_DATA");
    char *src_demo = data_dir && *data_dir ? wv_asprintf("%s/../../examples/demo", data_dir) : NULL;
    for (const struct init_file *e = core_init_demo_files; e->path; e++, n++) {
        size_t len = 0;
        char *got = slurp(ws_dir, e->path, &len);
        if (len != e->len || memcmp(got, e->data, len) != 0)
            fail_msg("%s differs from the embedded copy", e->path);
        free(got);
        if (src_demo) { /* the embedded copy is the source tree's file */
            char *want = slurp(src_demo, e->path, &len);
            if (len != e->len || memcmp(want, e->data, len) != 0)
                fail_msg("embedded %s differs from examples/demo", e->path);
            free(want);
        }
        saw_main |= strcmp(e->path, "weaver.yaml") == 0;
        saw_source |= strcmp(e->path, "sources/faker.yaml") == 0;
        saw_gitignore |= strcmp(e->path, ".gitignore") == 0;
        assert_false(wv_str_starts(e->path, ".weaver/"));
        assert_false(wv_str_starts(e->path, "raw/"));
    }
    assert_true(n >= 4);
    assert_true(saw_main);
    assert_true(saw_source);
    assert_true(saw_gitignore);
    assert_true(is_dir(ws_dir, "flows"));
    assert_true(is_dir(ws_dir, "connections"));
    free(src_demo);
    free(ws_dir);
}

/* The demo loads: one destination, the faker source, two connections with their streams. */
static void test_demo_loads(void **state)
{
    struct fixture *f = *state;
    char *ws_dir = wv_path_join(f->dir, "demo");
    struct wv_error err = {0};
    assert_int_equal(core_workspace_init(ws_dir, true, &err), 0);
    struct core_workspace *ws = load_ok(ws_dir);
    assert_string_equal(ws->name, "demo");
    assert_int_equal(ws->n_dests, 2);
    assert_int_equal(ws->n_sources, 3);
    assert_int_equal(ws->n_flows, 1);
    assert_string_equal(ws->flows[0].name, "daily_orders");
    const struct core_source *faker = core_workspace_source(ws, "faker");
    assert_non_null(faker);
    assert_string_equal(faker->connector, "builtin:faker");
    struct wv_json *cfg = NULL;
    assert_int_equal(core_source_config(ws, faker, &cfg, &err), 0);
    int64_t v = 0;
    assert_int_equal(wv_json_get_i64(cfg, "count", &v), 0);
    assert_int_equal(v, 1000);
    assert_int_equal(wv_json_get_i64(cfg, "seed", &v), 0);
    assert_int_equal(v, 42);
    wv_json_free(cfg);

    assert_int_equal(ws->n_conns, 4);
    const struct core_connection *u = core_workspace_connection(ws, "faker_users");
    assert_non_null(u);
    assert_string_equal(u->source, "faker");
    assert_string_equal(u->destination, "raw");
    assert_string_equal(u->prefix, "faker_users");
    assert_string_equal(u->schedule, "every 1h");
    assert_true(u->enabled);
    assert_int_equal(u->n_streams, 3);
    assert_string_equal(u->streams[0].name, "users");
    assert_int_equal(u->streams[0].sync_mode, WV_SYNC_INCREMENTAL);
    assert_int_equal(u->streams[0].dest_mode, WV_DEST_APPEND_DEDUP);
    assert_int_equal(u->streams[0].cursor.n, 1);
    assert_string_equal(u->streams[0].cursor.parts[0], "updated_at");
    assert_int_equal(u->streams[0].n_pk, 1);
    assert_string_equal(u->streams[0].pk[0].parts[0], "id");
    assert_string_equal(u->streams[1].name, "purchases");
    assert_int_equal(u->streams[1].dest_mode, WV_DEST_APPEND);
    assert_string_equal(u->streams[2].name, "products");
    assert_int_equal(u->streams[2].dest_mode, WV_DEST_OVERWRITE);

    const struct core_connection *s = core_workspace_connection(ws, "faker_snapshot");
    assert_non_null(s);
    assert_string_equal(s->destination, "raw"); /* from defaults */
    assert_string_equal(s->schedule, "0 2 * * *");
    assert_int_equal(s->n_streams, 1);
    assert_int_equal(s->streams[0].sync_mode, WV_SYNC_FULL_REFRESH);
    assert_int_equal(s->streams[0].dest_mode, WV_DEST_APPEND);
    core_workspace_free(ws);
    free(ws_dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_plain, setup, teardown),
        cmocka_unit_test_setup_teardown(test_plain_existing_empty, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refuses_non_empty, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refuses_hidden_entry, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refuses_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_twice, setup, teardown),
        cmocka_unit_test_setup_teardown(test_demo_files, setup, teardown),
        cmocka_unit_test_setup_teardown(test_demo_loads, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
