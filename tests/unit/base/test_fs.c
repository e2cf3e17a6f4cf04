/* test_fs.c - file helpers on a real temp directory: atomic writes, bounded reads, mkdir -p,
 * rm -rf, listings and paths. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/fs.h"
#include "base/mem.h"

static char dir[256];

/* Creates the temp dir. */
static int setup(void **state)
{
    (void)state;
    const char *tmp = getenv("TMPDIR");
    snprintf(dir, sizeof dir, "%s/wvfs.XXXXXX", tmp && *tmp ? tmp : "/tmp");
    return mkdtemp(dir) ? 0 : -1;
}

/* Removes it. */
static int teardown(void **state)
{
    (void)state;
    return wv_fs_rmtree(dir, NULL);
}

/* Atomic write then read back; replacing keeps no temp file. */
static void test_write_read(void **state)
{
    (void)state;
    struct wv_error err;
    wv_error_clear(&err);
    char *p = wv_path_join(dir, "a.txt");
    assert_int_equal(wv_fs_write_atomic(p, "hello", 5, 0600, &err), 0);
    assert_int_equal(wv_fs_write_atomic(p, "bye", 3, 0600, &err), 0);
    char *data = NULL;
    size_t len = 0;
    assert_int_equal(wv_fs_read_all(p, 100, &data, &len, &err), 0);
    assert_int_equal(len, 3);
    assert_string_equal(data, "bye");
    free(data);
    struct stat st;
    assert_int_equal(stat(p, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    char **names = NULL;
    assert_int_equal(wv_fs_list(dir, &names, &err), 0);
    assert_int_equal(wv_strv_len(names), 1);
    wv_strv_free(names);
    /* over the limit */
    assert_int_equal(wv_fs_read_all(p, 2, &data, &len, &err), -1);
    assert_int_equal(err.code, WV_E_LIMIT);
    assert_non_null(strstr(err.msg, "a.txt"));
    free(p);
}

/* Missing files are NOTFOUND with the path in the message. */
static void test_missing(void **state)
{
    (void)state;
    struct wv_error err;
    wv_error_clear(&err);
    char *data = NULL;
    assert_int_equal(wv_fs_read_all("/nonexistent/zzz", 0, &data, NULL, &err), -1);
    assert_int_equal(err.code, WV_E_NOTFOUND);
    assert_non_null(strstr(err.msg, "/nonexistent/zzz"));
    char **names = NULL;
    wv_error_clear(&err);
    assert_int_equal(wv_fs_list("/nonexistent/zzz", &names, &err), 0);
    assert_null(names[0]);
    wv_strv_free(names);
}

/* mkdir -p, sorted listing and rm -rf of a tree. */
static void test_tree(void **state)
{
    (void)state;
    struct wv_error err;
    wv_error_clear(&err);
    char *deep = wv_asprintf("%s/t/b/c/", dir);
    assert_int_equal(wv_fs_mkdirs(deep, 0755, &err), 0);
    assert_int_equal(wv_fs_mkdirs(deep, 0755, &err), 0);
    assert_true(wv_fs_is_dir(deep));
    char *f1 = wv_asprintf("%s/t/z", dir), *f2 = wv_asprintf("%s/t/a", dir);
    assert_int_equal(wv_fs_write_atomic(f1, "1", 1, 0644, &err), 0);
    assert_int_equal(wv_fs_write_atomic(f2, "2", 1, 0644, &err), 0);
    char *t = wv_asprintf("%s/t", dir);
    char **names = NULL;
    assert_int_equal(wv_fs_list(t, &names, &err), 0);
    assert_int_equal(wv_strv_len(names), 3);
    assert_string_equal(names[0], "a");
    assert_string_equal(names[1], "b");
    assert_string_equal(names[2], "z");
    wv_strv_free(names);
    /* a file in the way of mkdir -p */
    char *blocked = wv_asprintf("%s/t/z/x", dir);
    assert_int_equal(wv_fs_mkdirs(blocked, 0755, &err), -1);
    wv_error_clear(&err);
    assert_int_equal(wv_fs_rmtree(t, &err), 0);
    assert_false(wv_fs_exists(t));
    assert_int_equal(wv_fs_rmtree(t, &err), 0); /* missing is fine */
    free(deep);
    free(f1);
    free(f2);
    free(t);
    free(blocked);
}

/* Path helpers. */
static void test_paths(void **state)
{
    (void)state;
    char *s;
    assert_string_equal(s = wv_path_join("a/", "b"), "a/b");
    free(s);
    assert_string_equal(s = wv_path_join("a", "/abs"), "/abs");
    free(s);
    assert_string_equal(s = wv_path_dirname("a/b/c"), "a/b");
    free(s);
    assert_string_equal(s = wv_path_dirname("c"), ".");
    free(s);
    assert_string_equal(s = wv_path_dirname("/c"), "/");
    free(s);
    assert_string_equal(s = wv_path_stem("x/y/conn.yaml", ".yaml"), "conn");
    free(s);
    assert_string_equal(s = wv_path_stem("conn.yml", ".yaml"), "conn.yml");
    free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_write_read, setup, teardown),
        cmocka_unit_test(test_missing),
        cmocka_unit_test_setup_teardown(test_tree, setup, teardown),
        cmocka_unit_test(test_paths),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
