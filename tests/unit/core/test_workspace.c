/* test_workspace.c - unit tests of the workspace model (src/core/workspace.c): finding the root
 * (flag, $WEAVER_WORKSPACE, parents of the cwd), loading weaver.yaml, sources/ and connections/
 * from real files in a temporary directory, defaults and shorthand forms, lookups, and the exact
 * file:line:col messages of every structural error. Single-threaded. */
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
#include "core/core_int.h"

#define MAIN_YAML "version: 1\ndestinations:\n  raw:\n    path: raw\n"
#define SOURCE_YAML "connector: builtin:faker\n"

struct fixture {
    char *dir;  /* as created (may differ from the realpath) */
    char *root; /* realpath of dir */
};

/* Creates a fresh temporary directory for one test. */
static int setup(void **state)
{
    struct fixture *f = wv_calloc(1, sizeof *f);
    f->dir = wv_test_tmpdir("ws");
    if (!f->dir)
        return -1;
    f->root = wv_path_real(f->dir, NULL);
    if (!f->root)
        return -1;
    unsetenv("WEAVER_WORKSPACE");
    *state = f;
    return 0;
}

/* Removes the temporary directory. */
static int teardown(void **state)
{
    struct fixture *f = *state;
    struct wv_error err = {0};
    int r = wv_fs_rmtree(f->dir, &err);
    free(f->dir);
    free(f->root);
    free(f);
    unsetenv("WEAVER_WORKSPACE");
    return r;
}

/* Loads the workspace, failing the test with the error message if it cannot. */
static struct core_workspace *load_ok(const char *root)
{
    struct wv_error err = {0};
    struct core_workspace *ws = core_workspace_load(root, &err);
    if (!ws)
        fail_msg("core_workspace_load: %s", err.msg);
    assert_int_equal(err.code, WV_E_OK);
    return ws;
}

/* A copy of pattern with every "{R}" replaced by root. Caller frees. */
static char *expand(const char *pattern, const char *root)
{
    struct wv_buf b = WV_BUF_INIT;
    for (const char *p = pattern; *p;) {
        if (strncmp(p, "{R}", 3) == 0) {
            wv_buf_puts(&b, root, NULL);
            p += 3;
        } else {
            wv_buf_putc(&b, *p++, NULL);
        }
    }
    return wv_buf_steal(&b, NULL);
}

/* A path's parts joined with '.', for comparing wv_path values. Caller frees. */
static char *path_str(const struct wv_path *p)
{
    struct wv_buf b = WV_BUF_INIT;
    for (size_t i = 0; i < p->n; i++) {
        if (i)
            wv_buf_putc(&b, '.', NULL);
        wv_buf_puts(&b, p->parts[i], NULL);
    }
    return wv_buf_steal(&b, NULL);
}

/* Asserts that a path reads as want ("" for an empty path). */
static void assert_path(const struct wv_path *p, const char *want)
{
    char *s = path_str(p);
    assert_string_equal(s, want);
    free(s);
}

/* ---------------- finding the workspace ---------------- */

/* --workspace DIR: the realpath of DIR when it holds weaver.yaml. */
static void test_find_flag(void **state)
{
    struct fixture *f = *state;
    wv_test_put(f->dir, "weaver.yaml", MAIN_YAML);
    char *root = NULL;
    struct wv_error err = {0};
    char *messy = wv_asprintf("%s/./sources/..", f->dir);
    wv_test_put(f->dir, "sources/s.yaml", SOURCE_YAML);
    assert_int_equal(core_workspace_find(messy, &root, &err), 0);
    assert_string_equal(root, f->root);
    free(root);
    free(messy);
}

/* A flag naming a directory without weaver.yaml is NOTFOUND with a clear message. */
static void test_find_flag_not_workspace(void **state)
{
    struct fixture *f = *state;
    char *root = NULL;
    struct wv_error err = {0};
    assert_int_equal(core_workspace_find(f->dir, &root, &err), -1);
    assert_null(root);
    assert_int_equal(err.code, WV_E_NOTFOUND);
    char *want = expand("{R}: not a weaver workspace (no weaver.yaml)", f->root);
    assert_string_equal(err.msg, want);
    free(want);
}

/* A flag naming a missing directory: "workspace: PATH: No such file or directory". */
static void test_find_flag_missing(void **state)
{
    struct fixture *f = *state;
    char *missing = wv_asprintf("%s/nope", f->dir);
    char *root = NULL;
    struct wv_error err = {0};
    assert_int_equal(core_workspace_find(missing, &root, &err), -1);
    assert_int_equal(err.code, WV_E_NOTFOUND);
    char *want = wv_asprintf("workspace: %s: No such file or directory", missing);
    assert_string_equal(err.msg, want);
    free(want);
    free(missing);
}

/* $WEAVER_WORKSPACE is used without a flag; the flag wins over it. */
static void test_find_env(void **state)
{
    struct fixture *f = *state;
    wv_test_put(f->dir, "a/weaver.yaml", MAIN_YAML);
    wv_test_put(f->dir, "b/weaver.yaml", MAIN_YAML);
    char *a = wv_asprintf("%s/a", f->root), *b = wv_asprintf("%s/b", f->root);
    setenv("WEAVER_WORKSPACE", a, 1);
    char *root = NULL;
    struct wv_error err = {0};
    assert_int_equal(core_workspace_find(NULL, &root, &err), 0);
    assert_string_equal(root, a);
    free(root);
    root = NULL;
    assert_int_equal(core_workspace_find(b, &root, &err), 0);
    assert_string_equal(root, b);
    free(root);
    /* an env var naming a non-workspace is an error, not a fallback to the cwd */
    setenv("WEAVER_WORKSPACE", f->root, 1);
    root = NULL;
    assert_int_equal(core_workspace_find(NULL, &root, &err), -1);
    assert_int_equal(err.code, WV_E_NOTFOUND);
    free(a);
    free(b);
}

/* Without flag or env: the cwd or its nearest parent holding weaver.yaml (like git). */
static void test_find_cwd_parents(void **state)
{
    struct fixture *f = *state;
    wv_test_put(f->dir, "weaver.yaml", MAIN_YAML);
    wv_test_put(f->dir, "inner/weaver.yaml", MAIN_YAML);
    wv_test_put(f->dir, "sources/deep/er/x.txt", "x");
    wv_test_put(f->dir, "inner/deep/x.txt", "x");
    char *old = getcwd(NULL, 0);
    assert_non_null(old);
    setenv("WEAVER_WORKSPACE", "", 1); /* empty: ignored */
    char *sub = wv_asprintf("%s/sources/deep/er", f->dir);
    assert_int_equal(chdir(sub), 0);
    char *root = NULL;
    struct wv_error err = {0};
    int rc = core_workspace_find(NULL, &root, &err);
    char *sub2 = wv_asprintf("%s/inner/deep", f->dir);
    char *root2 = NULL;
    int rc2 = chdir(sub2) == 0 ? core_workspace_find(NULL, &root2, &err) : -2;
    assert_int_equal(chdir(old), 0);
    assert_int_equal(rc, 0);
    assert_string_equal(root, f->root);
    assert_int_equal(rc2, 0);
    char *inner = wv_asprintf("%s/inner", f->root);
    assert_string_equal(root2, inner); /* the nearest one */
    free(inner);
    free(root);
    free(root2);
    free(sub);
    free(sub2);
    free(old);
}

/* Whether dir or any parent holds weaver.yaml (to know whether "not found" is expected). */
static bool any_parent_workspace(const char *dir)
{
    char *cur = wv_strdup(dir);
    bool found = false;
    for (;;) {
        char *f = wv_path_join(cur, "weaver.yaml");
        found = wv_fs_exists(f);
        free(f);
        if (found || strcmp(cur, "/") == 0)
            break;
        char *up = wv_path_dirname(cur);
        free(cur);
        cur = up;
    }
    free(cur);
    return found;
}

/* No workspace anywhere up the tree: NOTFOUND naming the three ways to give one. */
static void test_find_cwd_none(void **state)
{
    struct fixture *f = *state;
    if (any_parent_workspace(f->root))
        skip();
    char *old = getcwd(NULL, 0);
    assert_int_equal(chdir(f->dir), 0);
    char *root = NULL;
    struct wv_error err = {0};
    int rc = core_workspace_find(NULL, &root, &err);
    assert_int_equal(chdir(old), 0);
    free(old);
    assert_int_equal(rc, -1);
    assert_null(root);
    assert_int_equal(err.code, WV_E_NOTFOUND);
    assert_string_equal(err.msg, "no weaver workspace here or in any parent directory (no "
                                 "weaver.yaml; use --workspace DIR, WEAVER_WORKSPACE, or `weaver "
                                 "init DIR`)");
}

/* ---------------- loading ---------------- */

/* The smallest workspace: defaults for name, type, format; absolute paths; no sources yet. */
static void test_load_minimal(void **state)
{
    struct fixture *f = *state;
    wv_test_put(f->dir, "weaver.yaml", "destinations:\n  raw:\n    path: raw\n");
    struct core_workspace *ws = load_ok(f->dir);
    assert_string_equal(ws->root, f->root);
    char *stem = wv_path_stem(f->root, NULL);
    assert_string_equal(ws->name, stem); /* the directory's name */
    free(stem);
    char *sd = wv_asprintf("%s/.weaver", f->root),
         *db = wv_asprintf("%s/.weaver/state.db", f->root);
    assert_string_equal(ws->state_dir, sd);
    assert_string_equal(ws->db_path, db);
    free(sd);
    free(db);
    assert_int_equal(ws->n_dests, 1);
    assert_string_equal(ws->dests[0].name, "raw");
    assert_string_equal(ws->dests[0].type, "local");
    assert_string_equal(ws->dests[0].format, "parquet");
    char *raw = wv_asprintf("%s/raw", f->root);
    assert_string_equal(ws->dests[0].path, raw);
    free(raw);
    assert_int_equal(ws->n_sources, 0);
    assert_int_equal(ws->n_conns, 0);
    assert_null(core_workspace_source(ws, "x"));
    assert_null(core_workspace_connection(ws, "x"));
    assert_null(core_workspace_destination(ws, "nope"));
    core_workspace_free(ws);
    core_workspace_free(NULL); /* no-op */
}

/* An empty weaver.yaml is a null document, not a mapping. */
static void test_load_empty_main(void **state)
{
    struct fixture *f = *state;
    wv_test_put(f->dir, "weaver.yaml", "");
    struct wv_error err = {0};
    assert_null(core_workspace_load(f->dir, &err));
    assert_int_equal(err.code, WV_E_CONFIG);
    char *want = expand("{R}/weaver.yaml:1:1: weaver.yaml must be a mapping", f->root);
    assert_string_equal(err.msg, want);
    free(want);
}

/* A missing root directory names it with "workspace:" context. */
static void test_load_missing_root(void **state)
{
    struct fixture *f = *state;
    char *missing = wv_asprintf("%s/gone", f->dir);
    struct wv_error err = {0};
    assert_null(core_workspace_load(missing, &err));
    assert_int_equal(err.code, WV_E_NOTFOUND);
    char *want = wv_asprintf("workspace: %s: No such file or directory", missing);
    assert_string_equal(err.msg, want);
    free(want);
    free(missing);
}

static const char full_main[] = "# a comment\n"
                                "version: 1\n"
                                "name: shop\n"
                                "destinations:\n"
                                "  lake:\n"
                                "    type: local\n"
                                "    path: /var/lake\n"
                                "    format: jsonl\n"
                                "  raw:\n"
                                "    path: data/raw\n"
                                "defaults:\n"
                                "  destination: raw\n";

static const char full_conn[] = "name: orders_sync\n"
                                "description: every shorthand and long form\n"
                                "source: pg\n"
                                "destination: lake\n"
                                "prefix: shop.orders\n"
                                "schedule: \"*/5 * * * *\"\n"
                                "enabled: false\n"
                                "streams:\n"
                                "  - products\n"
                                "  - name: orders\n"
                                "    namespace: public\n"
                                "    sync_mode: incremental\n"
                                "    cursor_field: [meta, updated_at]\n"
                                "    primary_key: [id, region]\n"
                                "  - name: orders\n"
                                "    namespace: archive\n"
                                "    sync_mode: incremental\n"
                                "    destination_sync_mode: append_dedup\n"
                                "    cursor_field: ts\n"
                                "    primary_key: [[id], [address, zip]]\n"
                                "  - name: users\n"
                                "    sync_mode: full_refresh\n"
                                "    destination_sync_mode: append\n"
                                "    primary_key: id\n";

/* Every field of a fully written workspace, with shorthand and long forms side by side. */
static void test_load_full(void **state)
{
    struct fixture *f = *state;
    wv_test_put(f->dir, "weaver.yaml", full_main);
    wv_test_put(f->dir, "sources/postgres.yaml",
        "name: pg\nconnector: builtin:faker\ndescription: x\nconfig:\n  count: 5\n"
        "  nested: {a: [1, \"{{ env.X }}\"]}\n");
    wv_test_put(f->dir, "sources/faker.yaml", SOURCE_YAML);
    wv_test_put(f->dir, "sources/README.md", "not yaml: [");
    wv_test_put(f->dir, "connections/orders.yaml", full_conn);
    wv_test_put(f->dir, "connections/hourly.yaml",
        "source: faker\nschedule: {every: 1h}\nstreams: [users]\n");
    wv_test_put(f->dir, "connections/nightly.yaml",
        "source: faker\nschedule: {cron: \"0 2 * * *\"}\nstreams: [users]\nschedule: null\n");
    wv_test_put(f->dir, "connections/notes.txt", "ignored");
    struct core_workspace *ws = load_ok(f->dir);

    assert_string_equal(ws->name, "shop");
    assert_int_equal(ws->n_dests, 2);
    const struct core_destination *lake = core_workspace_destination(ws, "lake");
    const struct core_destination *raw = core_workspace_destination(ws, "raw");
    assert_non_null(lake);
    assert_non_null(raw);
    assert_string_equal(lake->path, "/var/lake"); /* absolute stays as written */
    char *rawp = wv_asprintf("%s/data/raw", f->root);
    assert_string_equal(raw->path, rawp);
    free(rawp);

    /* sources sorted by file name: faker.yaml, postgres.yaml (named pg) */
    assert_int_equal(ws->n_sources, 2);
    assert_string_equal(ws->sources[0].name, "faker");
    assert_string_equal(ws->sources[1].name, "pg");
    const struct core_source *pg = core_workspace_source(ws, "pg");
    assert_ptr_equal(pg, &ws->sources[1]);
    char *pgfile = wv_asprintf("%s/sources/postgres.yaml", f->root);
    assert_string_equal(pg->file, pgfile);
    free(pgfile);
    assert_string_equal(pg->connector, "builtin:faker");
    /* config kept as written: templates unresolved, positions kept */
    const struct wv_json *cfg = pg->config_node;
    assert_int_equal(cfg->type, WV_JSON_OBJECT);
    assert_int_equal(cfg->line, 5);
    assert_int_equal(cfg->col, 3);
    const struct wv_json *tmpl = wv_json_at(wv_json_get(wv_json_get(cfg, "nested"), "a"), 1);
    assert_non_null(tmpl);
    assert_string_equal(tmpl->s, "{{ env.X }}");
    assert_int_equal(tmpl->line, 6);
    assert_int_equal(tmpl->col, 19);
    /* a source without config gets an empty mapping */
    assert_int_equal(ws->sources[0].config_node->type, WV_JSON_OBJECT);
    assert_int_equal(ws->sources[0].config_node->len, 0);

    /* connections sorted by file name: hourly, nightly, orders (named orders_sync) */
    assert_int_equal(ws->n_conns, 3);
    assert_string_equal(ws->conns[0].name, "hourly");
    assert_string_equal(ws->conns[1].name, "nightly");
    assert_string_equal(ws->conns[2].name, "orders_sync");
    assert_null(core_workspace_connection(ws, "orders"));

    const struct core_connection *h = core_workspace_connection(ws, "hourly");
    assert_string_equal(h->source, "faker");
    assert_string_equal(h->destination, "raw"); /* defaults.destination */
    assert_string_equal(h->prefix, "hourly");   /* default: the connection name */
    assert_string_equal(h->schedule, "every 1h");
    assert_true(h->enabled);
    assert_int_equal(h->n_streams, 1);
    assert_string_equal(h->streams[0].name, "users");
    assert_null(h->streams[0].ns);
    assert_int_equal(h->streams[0].sync_mode, WV_SYNC_FULL_REFRESH);
    assert_int_equal(h->streams[0].dest_mode, WV_DEST_OVERWRITE);
    assert_int_equal(h->streams[0].cursor.n, 0);
    assert_int_equal(h->streams[0].n_pk, 0);

    /* a duplicate key: the last one wins (schedule: null = manual) */
    const struct core_connection *n = core_workspace_connection(ws, "nightly");
    assert_null(n->schedule);

    const struct core_connection *o = core_workspace_connection(ws, "orders_sync");
    char *ofile = wv_asprintf("%s/connections/orders.yaml", f->root);
    assert_string_equal(o->file, ofile);
    free(ofile);
    assert_string_equal(o->source, "pg");
    assert_string_equal(o->destination, "lake");
    assert_string_equal(o->prefix, "shop.orders");
    assert_string_equal(o->schedule, "*/5 * * * *");
    assert_false(o->enabled);
    assert_int_equal(o->n_streams, 4);
    const struct core_conn_stream *st = o->streams;
    assert_string_equal(st[0].name, "products");
    assert_int_equal(st[0].dest_mode, WV_DEST_OVERWRITE);

    assert_string_equal(st[1].name, "orders");
    assert_string_equal(st[1].ns, "public");
    assert_int_equal(st[1].sync_mode, WV_SYNC_INCREMENTAL);
    assert_int_equal(st[1].dest_mode, WV_DEST_APPEND); /* incremental default */
    assert_path(&st[1].cursor, "meta.updated_at");
    assert_int_equal(st[1].n_pk, 2); /* composite key of two fields */
    assert_path(&st[1].pk[0], "id");
    assert_path(&st[1].pk[1], "region");

    assert_string_equal(st[2].ns, "archive"); /* same name, other namespace: allowed */
    assert_int_equal(st[2].dest_mode, WV_DEST_APPEND_DEDUP);
    assert_path(&st[2].cursor, "ts");
    assert_int_equal(st[2].n_pk, 2);
    assert_path(&st[2].pk[0], "id");
    assert_path(&st[2].pk[1], "address.zip");

    assert_int_equal(st[3].sync_mode, WV_SYNC_FULL_REFRESH);
    assert_int_equal(st[3].dest_mode, WV_DEST_APPEND);
    assert_int_equal(st[3].n_pk, 1);
    assert_path(&st[3].pk[0], "id");
    core_workspace_free(ws);
}

/* One destination and no defaults: connections without `destination:` use it. */
static void test_load_single_destination_default(void **state)
{
    struct fixture *f = *state;
    wv_test_put(f->dir, "weaver.yaml", "version: 1\ndestinations:\n  only:\n    path: out\n");
    wv_test_put(f->dir, "sources/s.yaml", SOURCE_YAML);
    wv_test_put(f->dir, "connections/c.yaml", "source: s\nstreams: [a, b]\n");
    struct core_workspace *ws = load_ok(f->dir);
    assert_string_equal(ws->conns[0].destination, "only");
    assert_int_equal(ws->conns[0].n_streams, 2);
    core_workspace_free(ws);
}

/* `.yml` files are read like `.yaml` ones, and the name is the stem without the extension.
 * (Fails today: the stem keeps ".yml", so `source: pg` does not find sources/pg.yml.) */
static void test_load_yml_extension(void **state)
{
    struct fixture *f = *state;
    wv_test_put(f->dir, "weaver.yaml", MAIN_YAML);
    wv_test_put(f->dir, "sources/pg.yml", SOURCE_YAML);
    wv_test_put(f->dir, "connections/c.yml", "source: pg\nstreams: [a]\n");
    struct wv_error err = {0};
    struct core_workspace *ws = core_workspace_load(f->dir, &err);
    if (!ws)
        fail_msg("core_workspace_load: %s", err.msg);
    assert_int_equal(ws->n_sources, 1);
    assert_string_equal(ws->sources[0].name, "pg");
    assert_string_equal(ws->conns[0].name, "c");
    core_workspace_free(ws);
}

/* core_source_config resolves templates against the workspace root, naming the file. */
static void test_source_config(void **state)
{
    struct fixture *f = *state;
    wv_test_put(f->dir, "weaver.yaml", MAIN_YAML);
    wv_test_put(f->dir, "secrets/key.txt", "s3cr3t\n");
    wv_test_put(f->dir, "sources/s.yaml",
        "connector: builtin:faker\nconfig:\n  key: \"{{ file('secrets/key.txt') }}\"\n"
        "  user: \"{{ env.WV_TEST_WS_USER }}\"\n");
    struct core_workspace *ws = load_ok(f->dir);
    const struct core_source *s = core_workspace_source(ws, "s");
    struct wv_json *cfg = NULL;
    struct wv_error err = {0};
    unsetenv("WV_TEST_WS_USER");
    assert_int_equal(core_source_config(ws, s, &cfg, &err), -1);
    assert_int_equal(err.code, WV_E_CONFIG);
    char *want =
        expand("{R}/sources/s.yaml:4:9: environment variable WV_TEST_WS_USER is not set", f->root);
    assert_string_equal(err.msg, want);
    free(want);
    setenv("WV_TEST_WS_USER", "ann", 1);
    wv_error_clear(&err);
    assert_int_equal(core_source_config(ws, s, &cfg, &err), 0);
    assert_string_equal(wv_json_get_str(cfg, "key"), "s3cr3t");
    assert_string_equal(wv_json_get_str(cfg, "user"), "ann");
    /* the stored node is untouched */
    assert_string_equal(wv_json_get_str(s->config_node, "user"), "{{ env.WV_TEST_WS_USER }}");
    wv_json_free(cfg);
    unsetenv("WV_TEST_WS_USER");
    core_workspace_free(ws);
}

/* core_check_keys and core_name_ok directly. */
static void test_check_keys_and_names(void **state)
{
    (void)state;
    static const char *const allowed[] = {"a", "b", NULL};
    struct wv_json *obj = wv_json_object();
    wv_json_set(obj, "a", wv_json_int(1));
    struct wv_json *bad = wv_json_int(2);
    bad->line = 7;
    bad->col = 3;
    struct wv_error err = {0};
    assert_int_equal(core_check_keys(obj, "f.yaml", allowed, &err), 0);
    wv_json_set(obj, "zz", bad);
    assert_int_equal(core_check_keys(obj, "f.yaml", allowed, &err), -1);
    assert_int_equal(err.code, WV_E_CONFIG);
    assert_string_equal(err.msg, "f.yaml:7:3: unknown field 'zz' (expected one of: a, b)");
    wv_json_free(obj);

    char where[64];
    struct wv_json pos = {.line = 12, .col = 4};
    assert_string_equal(core_where("x.yaml", &pos, where, sizeof where), "x.yaml:12:4");
    pos.line = 0;
    assert_string_equal(core_where("x.yaml", &pos, where, sizeof where), "x.yaml");

    assert_true(core_name_ok("users"));
    assert_true(core_name_ok("a.b-c_D9"));
    assert_false(core_name_ok(NULL));
    assert_false(core_name_ok(""));
    assert_false(core_name_ok(".hidden"));
    assert_false(core_name_ok("-flag"));
    assert_false(core_name_ok("a/b"));
    assert_false(core_name_ok("a b"));
    assert_false(core_name_ok("caf\xc3\xa9"));
    char longname[130];
    memset(longname, 'x', 129);
    longname[129] = '\0';
    assert_false(core_name_ok(longname));
    longname[128] = '\0';
    assert_true(core_name_ok(longname));
}

/* ---------------- errors ---------------- */

struct err_case {
    const char *what;
    const char *main; /* weaver.yaml (NULL: MAIN_YAML) */
    const char *rel;  /* one more file (sources/s.yaml holds SOURCE_YAML unless replaced) */
    const char *text;
    const char *rel2; /* and another, or NULL */
    const char *text2;
    enum wv_code code;
    const char *msg; /* {R} is the workspace root */
};

static const struct err_case err_cases[] = {
    {"unknown top-level field", MAIN_YAML "colour: blue\n", NULL, NULL, NULL, NULL, WV_E_CONFIG,
     "{R}/weaver.yaml:5:9: unknown field 'colour' (expected one of: version, name, destinations, "
     "defaults)"},
    {"version 2", "version: 2\n", NULL, NULL, NULL, NULL, WV_E_CONFIG,
     "{R}/weaver.yaml:1:10: unsupported workspace version (this weaver reads version 1)"},
    {"version as text", "version: \"1\"\n", NULL, NULL, NULL, NULL, WV_E_CONFIG,
     "{R}/weaver.yaml:1:10: unsupported workspace version (this weaver reads version 1)"},
    {"main is a list", "- a\n- b\n", NULL, NULL, NULL, NULL, WV_E_CONFIG,
     "{R}/weaver.yaml:1:1: weaver.yaml must be a mapping"},
    {"name not a string", "name: [a]\n", NULL, NULL, NULL, NULL, WV_E_CONFIG,
     "{R}/weaver.yaml:1:7: 'name' must be a string, not array"},
    {"destinations a list", "destinations:\n  - raw\n", NULL, NULL, NULL, NULL, WV_E_CONFIG,
     "{R}/weaver.yaml:2:3: 'destinations' must be a mapping of name to destination"},
    {"destination a string", "destinations:\n  raw: here\n", NULL, NULL, NULL, NULL, WV_E_CONFIG,
     "{R}/weaver.yaml:2:8: a destination must be a mapping"},
    {"destination without path", "destinations:\n  raw:\n    type: local\n", NULL, NULL, NULL, NULL,
     WV_E_CONFIG, "{R}/weaver.yaml:3:5: missing required field 'path'"},
    {"destination path a number", "destinations:\n  raw:\n    path: 5\n", NULL, NULL, NULL, NULL,
     WV_E_CONFIG, "{R}/weaver.yaml:3:11: 'path' must be a string, not number"},
    {"destination type s3 with a local path", "destinations:\n  raw: {type: s3, path: x}\n", NULL,
     NULL, NULL, NULL, WV_E_CONFIG,
     "{R}/weaver.yaml:2:25: an s3 destination's path is s3://bucket/prefix"},
    {"destination unknown type", "destinations:\n  raw: {type: ftp, path: x}\n", NULL, NULL, NULL,
     NULL, WV_E_CONFIG,
     "{R}/weaver.yaml:2:15: unknown type 'ftp' (expected one of: local, s3)"},
    {"destination format csv", "destinations:\n  raw: {path: x, format: csv}\n", NULL, NULL,
     NULL, NULL, WV_E_CONFIG,
     "{R}/weaver.yaml:2:26: unknown format 'csv' (expected one of: parquet, jsonl)"},
    {"destination s3 jsonl", "destinations:\n  raw: {path: \"s3://bkt/p\", format: jsonl}\n", NULL,
     NULL, NULL, NULL, WV_E_CONFIG,
     "{R}/weaver.yaml:2:37: S3 destinations write parquet (jsonl is local only)"},
    {"destination bad bucket", "destinations:\n  raw: {path: \"s3://A_B/p\"}\n", NULL, NULL, NULL,
     NULL, WV_E_CONFIG,
     "{R}/weaver.yaml:2:15: not an S3 location: use s3://bucket/prefix (bucket: 3-63 lowercase "
     "letters, digits, '.', '-')"},
    {"destination s3 block on a local path", "destinations:\n  raw: {path: x, s3: {region: r}}\n",
     NULL, NULL, NULL, NULL, WV_E_CONFIG, "{R}/weaver.yaml:2:22: 's3' settings need an s3:// path"},
    {"destination s3 unknown key", "destinations:\n  raw: {path: \"s3://bkt\", s3: {secret: x}}\n",
     NULL, NULL, NULL, NULL, WV_E_CONFIG,
     "{R}/weaver.yaml:2:40: unknown field 'secret' (expected one of: endpoint, region, "
     "access_key_id, secret_access_key, session_token, profile, credentials_file, parallel, max_upload_rate)"},
    {"destination bad size", "destinations:\n  raw: {path: x, file_size: 12 parsecs}\n", NULL, NULL,
     NULL, NULL, WV_E_CONFIG,
     "{R}/weaver.yaml:2:29: 'file_size' must be a size of at least 1KiB (like 128MiB)"},
    {"destination bad partition_by", "destinations:\n  raw: {path: x, partition_by: day}\n", NULL,
     NULL, NULL, NULL, WV_E_CONFIG,
     "{R}/weaver.yaml:2:32: unknown partition_by 'day' (expected one of: extracted_at, cursor)"},
    {"destination unknown field", "destinations:\n  raw: {path: x, bucket: b}\n", NULL, NULL, NULL,
     NULL, WV_E_CONFIG,
     "{R}/weaver.yaml:2:26: unknown field 'bucket' (expected one of: type, path, format, "
     "compression, path_template, partition_by, file_size, row_group_size, flatten, s3)"},
    {"check unknown stream", MAIN_YAML, "sources/s.yaml", "connector: builtin:faker\n",
     "connections/c.yaml",
     "source: s\nstreams: [{name: users}]\nchecks: [{stream: orders, check: row_count, min: 1}]\n",
     WV_E_CONFIG,
     "{R}/connections/c.yaml:3:10: check names a stream the connection does not sync"},
    {"check unknown kind", MAIN_YAML, "sources/s.yaml", "connector: builtin:faker\n",
     "connections/c.yaml",
     "source: s\nstreams: [{name: users}]\nchecks: [{stream: users, check: vibes}]\n",
     WV_E_CONFIG,
     "{R}/connections/c.yaml:3:33: unknown check (row_count, null_ratio, freshness, no_records, "
     "low_count, unique, accepted_values, schema_drift, failed_requests)"},
    {"destination bad name", "destinations:\n  \"bad name\": {path: x}\n", NULL, NULL, NULL, NULL,
     WV_E_CONFIG, "{R}/weaver.yaml:2:15: invalid destination name"},
    {"defaults a list", MAIN_YAML "defaults: [raw]\n", NULL, NULL, NULL, NULL, WV_E_CONFIG,
     "{R}/weaver.yaml:5:11: 'defaults' must be a mapping"},
    {"defaults unknown destination", MAIN_YAML "defaults:\n  destination: lake\n", NULL, NULL, NULL,
     NULL, WV_E_CONFIG, "{R}/weaver.yaml:6:16: unknown destination"},
    {"defaults unknown field", MAIN_YAML "defaults:\n  dest: raw\n", NULL, NULL, NULL, NULL,
     WV_E_CONFIG, "{R}/weaver.yaml:6:9: unknown field 'dest' (expected one of: destination)"},

    {"source without connector", NULL, "sources/s.yaml", "config: {}\n", NULL, NULL, WV_E_CONFIG,
     "{R}/sources/s.yaml:1:1: missing required field 'connector'"},
    {"source unknown field", NULL, "sources/s.yaml", "connector: x\nconfg:\n  count: 1\n", NULL,
     NULL, WV_E_CONFIG,
     "{R}/sources/s.yaml:3:3: unknown field 'confg' (expected one of: name, connector, config, "
     "description)"},
    {"source config a list", NULL, "sources/s.yaml", "connector: x\nconfig: [1]\n", NULL, NULL,
     WV_E_CONFIG, "{R}/sources/s.yaml:2:9: 'config' must be a mapping"},
    {"source bad name", NULL, "sources/s.yaml", "name: 'a b'\nconnector: x\n", NULL, NULL,
     WV_E_CONFIG,
     "{R}/sources/s.yaml:1:7: invalid name 'a b' (use letters, digits, '_', '-', '.')"},
    {"source bad file name", NULL, "sources/-s.yaml", SOURCE_YAML, NULL, NULL, WV_E_CONFIG,
     "{R}/sources/-s.yaml:1:1: file name is not a valid source name"},
    {"source not a mapping", NULL, "sources/s.yaml", "just text\n", NULL, NULL, WV_E_CONFIG,
     "{R}/sources/s.yaml:1:1: a source file must be a mapping"},
    {"source empty", NULL, "sources/s.yaml", "", NULL, NULL, WV_E_CONFIG,
     "{R}/sources/s.yaml:1:1: a source file must be a mapping"},
    {"source defined twice", NULL, "sources/a.yaml", "name: s\nconnector: x\n", NULL, NULL,
     WV_E_CONFIG, "{R}/sources/s.yaml: source 's' is also defined in {R}/sources/a.yaml"},

    {"connection unknown source", NULL, "connections/c.yaml", "source: nope\nstreams: [a]\n", NULL,
     NULL, WV_E_CONFIG, "{R}/connections/c.yaml: unknown source 'nope' (no sources/nope.yaml)"},
    {"connection without source", NULL, "connections/c.yaml", "streams: [a]\n", NULL, NULL,
     WV_E_CONFIG, "{R}/connections/c.yaml:1:1: missing required field 'source'"},
    {"connection source a list", NULL, "connections/c.yaml", "source: [s]\nstreams: [a]\n", NULL,
     NULL, WV_E_CONFIG, "{R}/connections/c.yaml:1:9: 'source' must be a string, not array"},
    {"stream unknown field", NULL, "connections/x.yaml",
     "source: s\nstreams:\n  - name: users\n    page_sise: 100\n", NULL, NULL, WV_E_CONFIG,
     "{R}/connections/x.yaml:4:16: unknown field 'page_sise' (expected one of: name, namespace, "
     "sync_mode, destination_sync_mode, cursor_field, primary_key)"},
    {"connection unknown field", NULL, "connections/c.yaml",
     "source: s\nstreams: [a]\nenable: false\n", NULL, NULL, WV_E_CONFIG,
     "{R}/connections/c.yaml:3:9: unknown field 'enable' (expected one of: name, source, "
     "destination, prefix, schedule, enabled, streams, description, checks)"},
    {"connection not a mapping", NULL, "connections/c.yaml", "[a]\n", NULL, NULL, WV_E_CONFIG,
     "{R}/connections/c.yaml:1:1: a connection file must be a mapping"},
    {"streams missing", NULL, "connections/c.yaml", "source: s\n", NULL, NULL, WV_E_CONFIG,
     "{R}/connections/c.yaml:1:1: 'streams' must be a non-empty list"},
    {"streams empty", NULL, "connections/c.yaml", "source: s\nstreams: []\n", NULL, NULL,
     WV_E_CONFIG, "{R}/connections/c.yaml:2:10: 'streams' must be a non-empty list"},
    {"streams a mapping", NULL, "connections/c.yaml", "source: s\nstreams: {a: 1}\n", NULL, NULL,
     WV_E_CONFIG, "{R}/connections/c.yaml:2:10: 'streams' must be a non-empty list"},
    {"stream a number", NULL, "connections/c.yaml", "source: s\nstreams:\n  - 5\n", NULL, NULL,
     WV_E_CONFIG, "{R}/connections/c.yaml:3:5: a stream must be a mapping or a stream name"},
    {"stream without name", NULL, "connections/c.yaml",
     "source: s\nstreams:\n  - sync_mode: incremental\n", NULL, NULL, WV_E_CONFIG,
     "{R}/connections/c.yaml:3:5: missing required field 'name'"},
    {"stream bad sync_mode", NULL, "connections/c.yaml",
     "source: s\nstreams:\n  - name: a\n    sync_mode: cdc\n", NULL, NULL, WV_E_CONFIG,
     "{R}/connections/c.yaml:4:16: unknown sync_mode (full_refresh, incremental)"},
    {"stream bad destination_sync_mode", NULL, "connections/c.yaml",
     "source: s\nstreams:\n  - name: a\n    destination_sync_mode: upsert\n", NULL, NULL,
     WV_E_CONFIG,
     "{R}/connections/c.yaml:4:28: unknown destination_sync_mode (overwrite, append, "
     "append_dedup)"},
    {"stream overwrite_dedup refused", NULL, "connections/c.yaml",
     "source: s\nstreams:\n  - name: a\n    destination_sync_mode: overwrite_dedup\n", NULL, NULL,
     WV_E_CONFIG,
     "{R}/connections/c.yaml:4:28: unknown destination_sync_mode (overwrite, append, "
     "append_dedup)"},
    {"incremental overwrite", NULL, "connections/c.yaml",
     "source: s\nstreams:\n  - name: a\n    sync_mode: incremental\n"
     "    destination_sync_mode: overwrite\n",
     NULL, NULL, WV_E_CONFIG,
     "{R}/connections/c.yaml:3:5: incremental streams append: use destination_sync_mode append "
     "or append_dedup"},
    {"cursor_field empty", NULL, "connections/c.yaml",
     "source: s\nstreams:\n  - name: a\n    cursor_field: []\n", NULL, NULL, WV_E_CONFIG,
     "{R}/connections/c.yaml:4:19: cursor_field must be a field name or a list of names"},
    {"cursor_field a number", NULL, "connections/c.yaml",
     "source: s\nstreams:\n  - name: a\n    cursor_field: 3\n", NULL, NULL, WV_E_CONFIG,
     "{R}/connections/c.yaml:4:19: cursor_field must be a field name or a list of names"},
    {"primary_key empty", NULL, "connections/c.yaml",
     "source: s\nstreams:\n  - name: a\n    primary_key: []\n", NULL, NULL, WV_E_CONFIG,
     "{R}/connections/c.yaml:4:18: primary_key must be a field name or a list of fields/paths"},
    {"primary_key a mapping", NULL, "connections/c.yaml",
     "source: s\nstreams:\n  - name: a\n    primary_key: {id: 1}\n", NULL, NULL, WV_E_CONFIG,
     "{R}/connections/c.yaml:4:18: primary_key must be a field name or a list of fields/paths"},
    {"primary_key part a number", NULL, "connections/c.yaml",
     "source: s\nstreams:\n  - name: a\n    primary_key: [id, 7]\n", NULL, NULL, WV_E_CONFIG,
     "{R}/connections/c.yaml:4:23: a primary key part must be a field name or a list of names"},
    {"primary_key part empty", NULL, "connections/c.yaml",
     "source: s\nstreams:\n  - name: a\n    primary_key: [[]]\n", NULL, NULL, WV_E_CONFIG,
     "{R}/connections/c.yaml:4:19: a primary key part must be a field name or a list of names"},
    {"stream listed twice", NULL, "connections/c.yaml",
     "source: s\nstreams:\n  - a\n  - b\n  - a\n", NULL, NULL, WV_E_CONFIG,
     "{R}/connections/c.yaml:5:5: stream listed twice"},
    {"schedule a number", NULL, "connections/c.yaml", "source: s\nschedule: 5\nstreams: [a]\n",
     NULL, NULL, WV_E_CONFIG,
     "{R}/connections/c.yaml:2:11: schedule must be a cron line, {every: 15m} or {cron: ...}"},
    {"schedule two keys", NULL, "connections/c.yaml",
     "source: s\nschedule: {every: 1h, cron: x}\nstreams: [a]\n", NULL, NULL, WV_E_CONFIG,
     "{R}/connections/c.yaml:2:11: schedule must be a cron line, {every: 15m} or {cron: ...}"},
    {"schedule unknown key", NULL, "connections/c.yaml",
     "source: s\nschedule: {hourly: x}\nstreams: [a]\n", NULL, NULL, WV_E_CONFIG,
     "{R}/connections/c.yaml:2:20: unknown field 'hourly' (expected one of: every, cron)"},
    {"enabled yes", NULL, "connections/c.yaml", "source: s\nenabled: yes\nstreams: [a]\n", NULL,
     NULL, WV_E_CONFIG, "{R}/connections/c.yaml:2:10: 'enabled' must be true or false"},
    {"prefix escapes", NULL, "connections/c.yaml", "source: s\nprefix: ../up\nstreams: [a]\n", NULL,
     NULL, WV_E_CONFIG,
     "{R}/connections/c.yaml:2:9: invalid prefix '../up' (use letters, digits, '_', '-', '.')"},
    {"prefix with slash", NULL, "connections/c.yaml", "source: s\nprefix: a/b\nstreams: [a]\n",
     NULL, NULL, WV_E_CONFIG,
     "{R}/connections/c.yaml:2:9: invalid prefix 'a/b' (use letters, digits, '_', '-', '.')"},
    {"connection bad name", NULL, "connections/c.yaml", "name: x/y\nsource: s\nstreams: [a]\n",
     NULL, NULL, WV_E_CONFIG,
     "{R}/connections/c.yaml:1:7: invalid name 'x/y' (use letters, digits, '_', '-', '.')"},
    {"connection bad file name", NULL, "connections/.c.yaml", "source: s\nstreams: [a]\n", NULL,
     NULL, WV_E_CONFIG, "{R}/connections/.c.yaml:1:1: file name is not a valid connection name"},
    {"unknown destination", NULL, "connections/c.yaml",
     "source: s\ndestination: lake\nstreams: [a]\n", NULL, NULL, WV_E_CONFIG,
     "{R}/connections/c.yaml: unknown destination 'lake' (not in weaver.yaml destinations)"},
    {"no destination to default to", "destinations:\n  a: {path: a}\n  b: {path: b}\n",
     "connections/c.yaml", "source: s\nstreams: [a]\n", NULL, NULL, WV_E_CONFIG,
     "{R}/connections/c.yaml: no destination given and weaver.yaml has no defaults.destination"},
    {"connection defined twice", NULL, "connections/a.yaml", "source: s\nstreams: [a]\n",
     "connections/b.yaml", "name: a\nsource: s\nstreams: [x]\n", WV_E_CONFIG,
     "{R}/connections/b.yaml: connection 'a' is also defined in {R}/connections/a.yaml"},
    {"first bad file wins", NULL, "connections/a.yaml", "source: s\nstreams: 1\n",
     "connections/b.yaml", "source: nope\nstreams: [a]\n", WV_E_CONFIG,
     "{R}/connections/a.yaml:2:10: 'streams' must be a non-empty list"},
};

/* Writes the case's files into a clean workspace and checks the exact load error. */
static void run_err_case(const struct fixture *f, const struct err_case *c)
{
    struct wv_error err = {0};
    if (wv_fs_rmtree(f->dir, &err) < 0 || wv_fs_mkdirs(f->dir, 0700, &err) < 0)
        fail_msg("%s: %s", c->what, err.msg);
    wv_test_put(f->dir, "weaver.yaml", c->main ? c->main : MAIN_YAML);
    wv_test_put(f->dir, "sources/s.yaml", SOURCE_YAML);
    if (c->rel)
        wv_test_put(f->dir, c->rel, c->text);
    if (c->rel2)
        wv_test_put(f->dir, c->rel2, c->text2);
    struct core_workspace *ws = core_workspace_load(f->dir, &err);
    if (ws) {
        core_workspace_free(ws);
        fail_msg("%s: loaded, expected an error", c->what);
    }
    char *want = expand(c->msg, f->root);
    if (err.code != c->code || strcmp(err.msg, want) != 0)
        fail_msg("%s:\n  got  [%s] %s\n  want [%s] %s", c->what, wv_code_name(err.code), err.msg,
                 wv_code_name(c->code), want);
    free(want);
}

/* Every structural error, with its exact file:line:col message. */
static void test_load_errors(void **state)
{
    struct fixture *f = *state;
    for (size_t i = 0; i < sizeof err_cases / sizeof err_cases[0]; i++)
        run_err_case(f, &err_cases[i]);
}

/* A YAML syntax error is a parse error naming the file and position. */
static void test_load_yaml_syntax_error(void **state)
{
    struct fixture *f = *state;
    wv_test_put(f->dir, "weaver.yaml", MAIN_YAML);
    wv_test_put(f->dir, "connections/c.yaml", "source: s\nstreams: [a, b\n");
    struct wv_error err = {0};
    assert_null(core_workspace_load(f->dir, &err));
    assert_int_equal(err.code, WV_E_PARSE);
    char *prefix = expand("{R}/connections/c.yaml:", f->root);
    if (!wv_str_starts(err.msg, prefix))
        fail_msg("want prefix %s, got %s", prefix, err.msg);
    free(prefix);
}

/* A missing weaver.yaml at an explicit root fails (naming the file). */
static void test_load_no_main(void **state)
{
    struct fixture *f = *state;
    struct wv_error err = {0};
    assert_null(core_workspace_load(f->dir, &err));
    assert_int_not_equal(err.code, WV_E_OK);
    char *path = expand("{R}/weaver.yaml", f->root);
    assert_non_null(strstr(err.msg, path));
    free(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_find_flag, setup, teardown),
        cmocka_unit_test_setup_teardown(test_find_flag_not_workspace, setup, teardown),
        cmocka_unit_test_setup_teardown(test_find_flag_missing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_find_env, setup, teardown),
        cmocka_unit_test_setup_teardown(test_find_cwd_parents, setup, teardown),
        cmocka_unit_test_setup_teardown(test_find_cwd_none, setup, teardown),
        cmocka_unit_test_setup_teardown(test_load_minimal, setup, teardown),
        cmocka_unit_test_setup_teardown(test_load_empty_main, setup, teardown),
        cmocka_unit_test_setup_teardown(test_load_missing_root, setup, teardown),
        cmocka_unit_test_setup_teardown(test_load_full, setup, teardown),
        cmocka_unit_test_setup_teardown(test_load_single_destination_default, setup, teardown),
        cmocka_unit_test_setup_teardown(test_load_yml_extension, setup, teardown),
        cmocka_unit_test_setup_teardown(test_source_config, setup, teardown),
        cmocka_unit_test(test_check_keys_and_names),
        cmocka_unit_test_setup_teardown(test_load_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_load_yaml_syntax_error, setup, teardown),
        cmocka_unit_test_setup_teardown(test_load_no_main, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
