/* test_config.c - unit tests of config templates (src/core/config.c): `{{ env.NAME }}` and
 * `{{ file('path') }}` inside string values of a YAML-parsed config tree, what is left alone,
 * and the exact origin:line:col errors. Secret files live in a temporary directory; variables
 * are set with setenv. Single-threaded. */
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
#include "base/yaml.h"
#include "core/core.h"

struct fixture {
    char *dir;
};

/* Creates a temporary directory for secret files and sets the test variables. */
static int setup(void **state)
{
    struct fixture *f = wv_calloc(1, sizeof *f);
    f->dir = wv_test_tmpdir("config");
    if (!f->dir)
        return -1;
    setenv("WV_TC_USER", "ann", 1);
    setenv("WV_TC_PASS", "p@ss word", 1);
    setenv("WV_TC_EMPTY", "", 1);
    setenv("WV_TC_NESTED", "{{ env.WV_TC_USER }}", 1);
    unsetenv("WV_TC_UNSET");
    *state = f;
    return 0;
}

/* Removes the directory and the variables. */
static int teardown(void **state)
{
    struct fixture *f = *state;
    struct wv_error err = {0};
    int r = wv_fs_rmtree(f->dir, &err);
    free(f->dir);
    free(f);
    unsetenv("WV_TC_USER");
    unsetenv("WV_TC_PASS");
    unsetenv("WV_TC_EMPTY");
    unsetenv("WV_TC_NESTED");
    return r;
}

/* Writes dir/rel with len bytes, failing the test on error. */
static void put(const char *dir, const char *rel, const char *data, size_t len)
{
    struct wv_error err = {0};
    char *path = wv_path_join(dir, rel);
    char *parent = wv_path_dirname(path);
    if (wv_fs_mkdirs(parent, 0755, &err) < 0 || wv_fs_write_atomic(path, data, len, 0600, &err) < 0)
        fail_msg("writing %s: %s", path, err.msg);
    free(parent);
    free(path);
}

/* Parses YAML text, failing the test if it does not parse. */
static struct wv_json *yaml(const char *text)
{
    return wv_test_yaml(text, "cfg.yaml");
}

/* Resolves `value: <text>` (text as YAML) and returns the resolved value as a string; fails
 * the test on error. Caller frees. */
static char *resolve_value(const char *base, const char *yaml_value)
{
    char *text = wv_asprintf("value: %s\n", yaml_value);
    struct wv_json *in = yaml(text);
    struct wv_json *out = NULL;
    struct wv_error err = {0};
    if (core_config_resolve(in, "cfg.yaml", base, &out, &err) < 0)
        fail_msg("resolve %s: %s", yaml_value, err.msg);
    const struct wv_json *v = wv_json_get(out, "value");
    assert_non_null(v);
    assert_int_equal(v->type, WV_JSON_STRING);
    char *s = wv_strndup(v->s, v->slen);
    wv_json_free(out);
    wv_json_free(in);
    free(text);
    return s;
}

/* Resolves a document that must fail; returns the message (caller frees), checks the code and
 * that nothing was produced. */
static char *resolve_fail(const char *base, const char *doc)
{
    struct wv_json *in = yaml(doc);
    struct wv_json *out = NULL;
    struct wv_error err = {0};
    if (core_config_resolve(in, "cfg.yaml", base, &out, &err) == 0)
        fail_msg("resolved, expected an error: %s", doc);
    assert_null(out);
    assert_int_equal(err.code, WV_E_CONFIG);
    wv_json_free(in);
    return wv_strdup(err.msg);
}

/* Asserts that a resolved value equals want. */
static void check_value(const char *base, const char *yaml_value, const char *want)
{
    char *got = resolve_value(base, yaml_value);
    if (strcmp(got, want) != 0)
        fail_msg("%s: got '%s', want '%s'", yaml_value, got, want);
    free(got);
}

/* Asserts that a document fails with exactly msg. */
static void check_error(const char *base, const char *doc, const char *msg)
{
    char *got = resolve_fail(base, doc);
    if (strcmp(got, msg) != 0)
        fail_msg("%s\n  got:  %s\n  want: %s", doc, got, msg);
    free(got);
}

/* A tree without templates comes back equal, with types and positions kept, as a copy. */
static void test_no_templates(void **state)
{
    struct fixture *f = *state;
    struct wv_json *in = yaml("a: 1\nb: [true, null, 2.5, \"x }} y\", \"{ {\"]\nc:\n  d: text\n");
    struct wv_json *out = NULL;
    struct wv_error err = {0};
    assert_int_equal(core_config_resolve(in, "cfg.yaml", f->dir, &out, &err), 0);
    assert_non_null(out);
    assert_ptr_not_equal(out, in);
    assert_true(wv_json_equal(in, out));
    assert_string_equal(out->keys[0], "a"); /* key order kept */
    assert_string_equal(out->keys[1], "b");
    assert_string_equal(out->keys[2], "c");
    const struct wv_json *b = wv_json_get(out, "b");
    assert_int_equal(b->line, 2);
    assert_int_equal(b->col, 4);
    assert_int_equal(wv_json_at(b, 0)->type, WV_JSON_BOOL);
    assert_int_equal(wv_json_at(b, 1)->type, WV_JSON_NULL);
    assert_int_equal(wv_json_at(b, 2)->type, WV_JSON_NUMBER);
    const struct wv_json *d = wv_json_get(wv_json_get(out, "c"), "d");
    assert_int_equal(d->line, 4);
    assert_int_equal(d->col, 6);
    assert_int_equal(wv_json_get(out, "c")->line, 4);
    wv_json_free(out);
    wv_json_free(in);

    /* a scalar root works too */
    struct wv_json *n = wv_json_int(7), *nout = NULL;
    assert_int_equal(core_config_resolve(n, "x", f->dir, &nout, &err), 0);
    assert_true(wv_json_equal(n, nout));
    wv_json_free(n);
    wv_json_free(nout);
}

/* `{{ env.NAME }}` in every position of a string, with or without spaces. */
static void test_env(void **state)
{
    struct fixture *f = *state;
    check_value(f->dir, "\"{{ env.WV_TC_USER }}\"", "ann");
    check_value(f->dir, "\"{{env.WV_TC_USER}}\"", "ann");
    check_value(f->dir, "\"{{   env.WV_TC_USER\t}}\"", "ann");
    check_value(f->dir, "\"user={{ env.WV_TC_USER }};pass={{ env.WV_TC_PASS }}!\"",
                "user=ann;pass=p@ss word!");
    check_value(f->dir, "\"{{ env.WV_TC_USER }}{{ env.WV_TC_USER }}\"", "annann");
    check_value(f->dir, "\"[{{ env.WV_TC_EMPTY }}]\"", "[]");
    /* a value is inserted as is, never evaluated again */
    check_value(f->dir, "\"{{ env.WV_TC_NESTED }}\"", "{{ env.WV_TC_USER }}");
    /* a lone closing brace pair is text */
    check_value(f->dir, "\"a }} b {{ env.WV_TC_USER }} }}\"", "a }} b ann }}");
}

/* A resolved value stays a string (even when it looks like a number) and keeps its position. */
static void test_env_types_and_positions(void **state)
{
    struct fixture *f = *state;
    setenv("WV_TC_NUM", "1000", 1);
    struct wv_json *in = yaml("src:\n  count: \"{{ env.WV_TC_NUM }}\"\n  list:\n"
                              "    - plain\n    - \"{{ env.WV_TC_USER }}\"\n");
    struct wv_json *out = NULL;
    struct wv_error err = {0};
    assert_int_equal(core_config_resolve(in, "cfg.yaml", f->dir, &out, &err), 0);
    const struct wv_json *count = wv_json_get(wv_json_get(out, "src"), "count");
    assert_int_equal(count->type, WV_JSON_STRING);
    assert_string_equal(count->s, "1000");
    assert_int_equal(count->slen, 4);
    assert_int_equal(count->line, 2);
    assert_int_equal(count->col, 10);
    const struct wv_json *list = wv_json_get(wv_json_get(out, "src"), "list");
    assert_int_equal(list->type, WV_JSON_ARRAY);
    assert_int_equal(list->len, 2);
    assert_string_equal(wv_json_at(list, 0)->s, "plain");
    assert_string_equal(wv_json_at(list, 1)->s, "ann");
    assert_int_equal(wv_json_at(list, 1)->line, 5);
    assert_int_equal(wv_json_at(list, 1)->col, 7);
    /* the input is not modified */
    assert_string_equal(wv_json_at(wv_json_get(wv_json_get(in, "src"), "list"), 1)->s,
                        "{{ env.WV_TC_USER }}");
    wv_json_free(out);
    wv_json_free(in);
    unsetenv("WV_TC_NUM");
}

/* Errors of env templates name the node's position and the variable, never its value. */
static void test_env_errors(void **state)
{
    struct fixture *f = *state;
    check_error(f->dir, "a: 1\nb:\n  c: \"x{{ env.WV_TC_UNSET }}\"\n",
                "cfg.yaml:3:6: environment variable WV_TC_UNSET is not set");
    check_error(f->dir, "a: [\"{{ env.WV-TC }}\"]\n",
                "cfg.yaml:1:5: bad variable name in '{{ env.WV-TC }}'");
    check_error(f->dir, "a: \"{{ env. }}\"\n", "cfg.yaml:1:4: bad variable name in '{{ env. }}'");
    check_error(f->dir, "a: \"{{ env.A B }}\"\n",
                "cfg.yaml:1:4: bad variable name in '{{ env.A B }}'");
    check_error(f->dir, "a: \"{{ secrets.X }}\"\n",
                "cfg.yaml:1:4: unknown template '{{ secrets.X }}' (use {{ env.NAME }} or {{ "
                "file('path') }})");
    check_error(f->dir, "a: \"{{ ENV.WV_TC_USER }}\"\n",
                "cfg.yaml:1:4: unknown template '{{ ENV.WV_TC_USER }}' (use {{ env.NAME }} or "
                "{{ file('path') }})");
    check_error(f->dir, "a: \"pre {{ env.WV_TC_USER\"\n",
                "cfg.yaml:1:4: unterminated template in 'pre {{ env.WV_TC_USER'");
    /* the first template resolves, the second fails: the whole resolve fails */
    check_error(f->dir, "a: \"{{ env.WV_TC_USER }} {{ env.WV_TC_UNSET }}\"\n",
                "cfg.yaml:1:4: environment variable WV_TC_UNSET is not set");
    /* an error message does not carry the value of a variable that resolved */
    char *msg = resolve_fail(f->dir, "a: \"{{ env.WV_TC_PASS }}{{ nope }}\"\n");
    assert_null(strstr(msg, "p@ss"));
    free(msg);
}

/* A node built in memory has no position: the error names only the origin. */
static void test_error_without_position(void **state)
{
    struct fixture *f = *state;
    struct wv_json *obj = wv_json_object();
    wv_json_set(obj, "k", wv_json_str("{{ env.WV_TC_UNSET }}"));
    struct wv_json *out = NULL;
    struct wv_error err = {0};
    assert_int_equal(core_config_resolve(obj, "memory", f->dir, &out, &err), -1);
    assert_string_equal(err.msg, "memory: environment variable WV_TC_UNSET is not set");
    wv_json_free(obj);
}

/* `{{ file('path') }}` reads the file relative to base_dir, stripping one trailing newline. */
static void test_file(void **state)
{
    struct fixture *f = *state;
    put(f->dir, "secrets/key.txt", "s3cr3t\n", 7);
    put(f->dir, "two.txt", "line\n\n", 6);
    put(f->dir, "crlf.txt", "win\r\n", 5);
    put(f->dir, "bare.txt", "bare", 4);
    put(f->dir, "empty.txt", "", 0);
    put(f->dir, "multi.txt", "a\nb\n", 4);
    put(f->dir, "nul.bin", "a\0b\n", 4);
    check_value(f->dir, "\"{{ file('secrets/key.txt') }}\"", "s3cr3t");
    check_value(f->dir, "\"{{file(\\\"secrets/key.txt\\\")}}\"", "s3cr3t");
    check_value(f->dir, "\"Bearer {{ file('secrets/key.txt') }}.\"", "Bearer s3cr3t.");
    check_value(f->dir, "\"{{ file('two.txt') }}\"", "line\n");
    check_value(f->dir, "\"{{ file('crlf.txt') }}\"", "win");
    check_value(f->dir, "\"{{ file('bare.txt') }}\"", "bare");
    check_value(f->dir, "\"[{{ file('empty.txt') }}]\"", "[]");
    check_value(f->dir, "\"{{ file('multi.txt') }}\"", "a\nb");
    /* contents are not evaluated */
    put(f->dir, "tmpl.txt", "{{ env.WV_TC_USER }}", 20);
    check_value(f->dir, "\"{{ file('tmpl.txt') }}\"", "{{ env.WV_TC_USER }}");
    /* an absolute path is used as is */
    char *abs = wv_asprintf("\"{{ file('%s/bare.txt') }}\"", f->dir);
    check_value("/nonexistent-base", abs, "bare");
    free(abs);

    /* embedded NUL bytes survive (length kept) */
    struct wv_json *in = yaml("v: \"{{ file('nul.bin') }}\"\n");
    struct wv_json *out = NULL;
    struct wv_error err = {0};
    assert_int_equal(core_config_resolve(in, "cfg.yaml", f->dir, &out, &err), 0);
    const struct wv_json *v = wv_json_get(out, "v");
    assert_int_equal(v->slen, 3);
    assert_memory_equal(v->s, "a\0b", 3);
    wv_json_free(out);
    wv_json_free(in);
}

/* File template errors: missing, directory, too large, malformed calls. */
static void test_file_errors(void **state)
{
    struct fixture *f = *state;
    char *want = wv_asprintf("cfg.yaml:2:6: %s/missing.txt: No such file or directory", f->dir);
    check_error(f->dir, "a: 1\nkey: \"{{ file('missing.txt') }}\"\n", want);
    free(want);

    put(f->dir, "adir/x", "x", 1);
    want = wv_asprintf("cfg.yaml:1:4: %s/adir: is a directory", f->dir);
    check_error(f->dir, "k: \"{{ file('adir') }}\"\n", want);
    free(want);

    size_t big = 1024 * 1024 + 1;
    char *data = wv_malloc(big);
    memset(data, 'x', big);
    put(f->dir, "big.txt", data, big);
    free(data);
    want = wv_asprintf("cfg.yaml:1:4: %s/big.txt: file is 1048577 bytes, over the 1048576 byte "
                       "limit",
                       f->dir);
    check_error(f->dir, "k: \"{{ file('big.txt') }}\"\n", want);
    free(want);
    /* exactly at the limit is fine */
    data = wv_malloc(big);
    memset(data, 'y', big);
    put(f->dir, "max.txt", data, big - 1);
    free(data);
    char *got = resolve_value(f->dir, "\"{{ file('max.txt') }}\"");
    assert_int_equal(strlen(got), big - 1);
    free(got);

    check_error(f->dir, "k: \"{{ file(bare.txt) }}\"\n",
                "cfg.yaml:1:4: unknown template '{{ file(bare.txt) }}' (use {{ env.NAME }} or {{ "
                "file('path') }})");
    check_error(f->dir, "k: \"{{ file('bare.txt\\\") }}\"\n",
                "cfg.yaml:1:4: unknown template '{{ file('bare.txt\") }}' (use {{ env.NAME }} or "
                "{{ file('path') }})");
    check_error(f->dir, "k: \"{{ file('') }}\"\n",
                "cfg.yaml:1:4: unknown template '{{ file('') }}' (use {{ env.NAME }} or {{ "
                "file('path') }})");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_no_templates, setup, teardown),
        cmocka_unit_test_setup_teardown(test_env, setup, teardown),
        cmocka_unit_test_setup_teardown(test_env_types_and_positions, setup, teardown),
        cmocka_unit_test_setup_teardown(test_env_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_error_without_position, setup, teardown),
        cmocka_unit_test_setup_teardown(test_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_file_errors, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
