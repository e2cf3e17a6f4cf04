/* test_zone_publish.c - unit tests of stor_zone_publish to a local directory
 * (src/storage/zone_publish.c) on real files in a temporary directory: files renamed into
 * place, the manifest at _runs/<run>/_manifest.json, overwrite streams losing their older
 * .parquet files (and emptied directories) while other streams and other files stay, a publish
 * resumed after a crash halfway, staging on another file system, and refused inputs.
 * Manifests are written by hand in the format of storage.h. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "unit/testutil.h"

#include "base/buf.h"
#include "base/fs.h"
#include "base/mem.h"
#include "storage/storage.h"

#define OK(call)                                                                                   \
    do {                                                                                           \
        if ((call) != 0)                                                                           \
            fail_msg("%s: %s", #call, err.msg);                                                    \
    } while (0)

/* The content of root/rel (NULL if missing). Caller frees. */
static char *get(const char *root, const char *rel)
{
    char *path = wv_path_join(root, rel), *text = NULL;
    size_t len;
    if (wv_fs_read_all(path, 1 << 20, &text, &len, NULL) < 0)
        text = NULL;
    free(path);
    return text;
}

/* Asserts root/rel holds want (NULL: does not exist). */
static void expect(const char *root, const char *rel, const char *want)
{
    char *got = get(root, rel);
    if (!want && got)
        fail_msg("%s should not exist", rel);
    if (want && !got)
        fail_msg("%s is missing", rel);
    if (want)
        assert_string_equal(got, want);
    free(got);
}

/* Collects log lines. */
static void log_line(void *ctx, enum wv_level level, const char *msg)
{
    struct wv_buf *b = ctx;
    wv_buf_printf(b, NULL, "%s %s\n", wv_level_name(level), msg);
}

/* Number of occurrences of needle in hay. */
static int count(const char *hay, const char *needle)
{
    int n = 0;
    for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
        n++;
    return n;
}

/* A staged file of the run: stage/rel with text. */
static struct stor_zone_file staged(const char *stage, const char *rel, const char *text)
{
    wv_test_put(stage, rel, text);
    return (struct stor_zone_file){.rel = wv_strdup(rel),
                                   .stage_path = wv_path_join(stage, rel),
                                   .stream = wv_strdup("s"),
                                   .rows = 1,
                                   .bytes = (int64_t)strlen(text)};
}

static void files_done(struct stor_zone_file *f, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(f[i].rel);
        free(f[i].stage_path);
        free(f[i].ns);
        free(f[i].stream);
    }
}

static const char *const MANIFEST2 =
    "{\"version\":1,\"run_id\":\"run2\",\"connection\":\"shop\","
    "\"extracted_at\":\"2024-01-02T00:00:00Z\",\"sync_id\":2,\"generation_id\":1,"
    "\"format\":\"parquet\",\"compression\":\"zstd\","
    "\"path_template\":\"{namespace}/{stream}/dt={date}/{run_id}-{part}.parquet\","
    "\"writer\":\"weaver 0.1.0\",\"streams\":["
    "{\"namespace\":null,\"name\":\"users\",\"mode\":\"overwrite\",\"prefix\":\"users\","
    "\"columns\":[{\"name\":\"id\",\"type\":\"int64\",\"optional\":false}],"
    "\"primary_key\":[[\"id\"]],\"cursor_field\":[],\"rows\":2,\"bytes\":8,\"files\":2},"
    "{\"namespace\":null,\"name\":\"orders\",\"mode\":\"append\",\"prefix\":\"orders\","
    "\"columns\":[],\"primary_key\":[],\"cursor_field\":[],\"rows\":1,\"bytes\":4,\"files\":1},"
    "{\"namespace\":\"ns1\",\"name\":\"events\",\"mode\":\"overwrite\",\"prefix\":\"ns1/events\","
    "\"columns\":[],\"primary_key\":[],\"cursor_field\":[],\"rows\":0,\"bytes\":0,\"files\":0}],"
    "\"files\":["
    "{\"path\":\"users/dt=2024-01-02/run2-000.parquet\",\"namespace\":null,\"stream\":\"users\","
    "\"rows\":1,\"bytes\":4,\"sha256\":\"00\"},"
    "{\"path\":\"users/dt=2024-01-02/run2-001.parquet\",\"namespace\":null,\"stream\":\"users\","
    "\"rows\":1,\"bytes\":4,\"sha256\":\"00\"},"
    "{\"path\":\"orders/dt=2024-01-02/run2-000.parquet\",\"namespace\":null,"
    "\"stream\":\"orders\",\"rows\":1,\"bytes\":4,\"sha256\":\"00\"}]}";

/* Files in place, manifest written, overwrite streams pruned, others untouched. */
static void test_publish_local(void **state)
{
    (void)state;
    char *tmp = wv_test_tmpdir("pub");
    char *root = wv_path_join(tmp, "zone"), *stage = wv_path_join(tmp, "stage/run2");
    /* what earlier runs left */
    wv_test_put(root, "users/dt=2024-01-01/run1-000.parquet", "old1");
    wv_test_put(root, "users/dt=2024-01-01/run1-001.parquet", "old2");
    wv_test_put(root, "users/dt=2023-12-31/run0-000.parquet", "old0");
    wv_test_put(root, "users/dt=2024-01-02/run1-000.parquet", "old3");
    wv_test_put(root, "users/notes.txt", "not parquet");
    wv_test_put(root, "users/_staging/x.parquet", "hidden");
    wv_test_put(root, "users_archive/a.parquet", "other stream, same leading name");
    wv_test_put(root, "orders/dt=2024-01-01/run1-000.parquet", "ord1");
    wv_test_put(root, "ns1/events/dt=2024-01-01/run1-000.parquet", "ev1");
    wv_test_put(root, "_runs/run1/_manifest.json", "{}");
    struct stor_zone_file f[3] = {
        staged(stage, "users/dt=2024-01-02/run2-000.parquet", "new1"),
        staged(stage, "users/dt=2024-01-02/run2-001.parquet", "new2"),
        staged(stage, "orders/dt=2024-01-02/run2-000.parquet", "ord2"),
    };
    struct stor_target t = {.dir = root};
    struct wv_buf logs;
    wv_buf_init(&logs, 0);
    struct wv_log log = {.fn = log_line, .ctx = &logs, .min = WV_LOG_DEBUG};
    struct wv_error err = {0};
    OK(stor_zone_publish(&t, f, 3, MANIFEST2, NULL, &log, &err));
    expect(root, "users/dt=2024-01-02/run2-000.parquet", "new1");
    expect(root, "users/dt=2024-01-02/run2-001.parquet", "new2");
    expect(root, "orders/dt=2024-01-02/run2-000.parquet", "ord2");
    for (size_t i = 0; i < 3; i++)
        assert_false(wv_fs_exists(f[i].stage_path));
    expect(root, "_runs/run2/_manifest.json", MANIFEST2);
    expect(root, "_runs/run1/_manifest.json", "{}");
    /* overwrite: older parquet files of users and ns1/events gone, emptied dirs too */
    expect(root, "users/dt=2024-01-01/run1-000.parquet", NULL);
    expect(root, "users/dt=2024-01-01/run1-001.parquet", NULL);
    expect(root, "users/dt=2024-01-02/run1-000.parquet", NULL);
    expect(root, "users/dt=2023-12-31/run0-000.parquet", NULL);
    char *d = wv_path_join(root, "users/dt=2023-12-31");
    assert_false(wv_fs_exists(d));
    free(d);
    d = wv_path_join(root, "ns1/events/dt=2024-01-01");
    assert_false(wv_fs_exists(d));
    free(d);
    expect(root, "ns1/events/dt=2024-01-01/run1-000.parquet", NULL);
    /* kept: other streams, non-parquet and hidden files */
    expect(root, "orders/dt=2024-01-01/run1-000.parquet", "ord1");
    expect(root, "users/notes.txt", "not parquet");
    expect(root, "users/_staging/x.parquet", "hidden");
    expect(root, "users_archive/a.parquet", "other stream, same leading name");
    const char *text = wv_buf_cstr(&logs);
    assert_int_equal(count(text, "INFO published "), 4); /* 3 files + the manifest */
    assert_non_null(strstr(text, "users/dt=2024-01-02/run2-000.parquet (4 bytes)"));
    assert_non_null(strstr(text, "deleted 4 older file(s)"));
    wv_buf_done(&logs);
    files_done(f, 3);
    free(stage);
    free(root);
    wv_fs_rmtree(tmp, NULL);
    free(tmp);
}

static const char *const MANIFEST3 =
    "{\"version\":1,\"run_id\":\"run3\",\"streams\":["
    "{\"namespace\":null,\"name\":\"users\",\"mode\":\"overwrite\",\"prefix\":\"users\"}],"
    "\"files\":[{\"path\":\"users/dt=2024-01-03/run3-000.parquet\"},"
    "{\"path\":\"users/dt=2024-01-03/run3-001.parquet\"},"
    "{\"path\":\"users/dt=2024-01-03/run3-002.parquet\"}]}";

/* A crash after some renames: publishing again finishes the job. */
static void test_publish_local_resume(void **state)
{
    (void)state;
    char *tmp = wv_test_tmpdir("pubres");
    char *root = wv_path_join(tmp, "zone"), *stage = wv_path_join(tmp, "stage/run3");
    wv_test_put(root, "users/dt=2024-01-01/run1-000.parquet", "old1");
    struct stor_zone_file f[3] = {
        staged(stage, "users/dt=2024-01-03/run3-000.parquet", "aaaa"),
        staged(stage, "users/dt=2024-01-03/run3-001.parquet", "bbbbb"),
        staged(stage, "users/dt=2024-01-03/run3-002.parquet", "cc"),
    };
    /* the first try moved two files, then died */
    struct wv_error err = {0};
    char *dir = wv_path_join(root, "users/dt=2024-01-03");
    OK(wv_fs_mkdirs(dir, 0755, &err));
    for (size_t i = 0; i < 2; i++) {
        char *dst = wv_path_join(root, f[i].rel);
        OK(wv_fs_rename_durable(f[i].stage_path, dst, &err));
        free(dst);
    }
    struct stor_target t = {.dir = root};
    struct wv_buf logs;
    wv_buf_init(&logs, 0);
    struct wv_log log = {.fn = log_line, .ctx = &logs, .min = WV_LOG_INFO};
    OK(stor_zone_publish(&t, f, 3, MANIFEST3, NULL, &log, &err));
    expect(root, "users/dt=2024-01-03/run3-000.parquet", "aaaa");
    expect(root, "users/dt=2024-01-03/run3-001.parquet", "bbbbb");
    expect(root, "users/dt=2024-01-03/run3-002.parquet", "cc");
    expect(root, "users/dt=2024-01-01/run1-000.parquet", NULL);
    expect(root, "_runs/run3/_manifest.json", MANIFEST3);
    assert_int_equal(count(wv_buf_cstr(&logs), "already published"), 2);
    /* and once more (everything done): still fine, nothing changes */
    OK(stor_zone_publish(&t, f, 3, MANIFEST3, NULL, &log, &err));
    expect(root, "users/dt=2024-01-03/run3-002.parquet", "cc");
    /* a file gone from both places is an error naming it */
    char *dst = wv_path_join(root, f[2].rel);
    unlink(dst);
    free(dst);
    assert_int_equal(stor_zone_publish(&t, f, 3, MANIFEST3, NULL, NULL, &err), -1);
    assert_non_null(strstr(err.msg, "publish users/dt=2024-01-03/run3-002.parquet: staged file "));
    /* a file moved but of another size than staged is not taken as published */
    wv_error_clear(&err);
    wv_test_put(root, f[2].rel, "different");
    assert_int_equal(stor_zone_publish(&t, f, 3, MANIFEST3, NULL, NULL, &err), -1);
    wv_buf_done(&logs);
    free(dir);
    files_done(f, 3);
    free(stage);
    free(root);
    wv_fs_rmtree(tmp, NULL);
    free(tmp);
}

/* Staging on another file system (/dev/shm when it is one): files are copied, fsynced and
 * renamed into place, then removed from staging. */
static void test_publish_local_xdev(void **state)
{
    (void)state;
    char *tmp = wv_test_tmpdir("pubx");
    char shm[] = "/dev/shm/wv-test-pubx-XXXXXX";
    struct stat a, b;
    if (!mkdtemp(shm)) {
        wv_fs_rmtree(tmp, NULL);
        free(tmp);
        skip();
    }
    if (stat(tmp, &a) < 0 || stat(shm, &b) < 0 || a.st_dev == b.st_dev) {
        wv_fs_rmtree(shm, NULL);
        wv_fs_rmtree(tmp, NULL);
        free(tmp);
        skip(); /* one file system only */
    }
    char *root = wv_path_join(tmp, "zone");
    struct stor_zone_file f[2] = {
        staged(shm, "users/dt=2024-01-03/run3-000.parquet", "aaaa"),
        staged(shm, "users/dt=2024-01-03/run3-001.parquet", "bbbbb"),
    };
    struct stor_target t = {.dir = root};
    struct wv_error err = {0};
    const char *manifest = "{\"run_id\":\"run3\",\"streams\":[],\"files\":["
                           "{\"path\":\"users/dt=2024-01-03/run3-000.parquet\"},"
                           "{\"path\":\"users/dt=2024-01-03/run3-001.parquet\"}]}";
    OK(stor_zone_publish(&t, f, 2, manifest, NULL, NULL, &err));
    expect(root, f[0].rel, "aaaa");
    expect(root, f[1].rel, "bbbbb");
    assert_false(wv_fs_exists(f[0].stage_path));
    assert_false(wv_fs_exists(f[1].stage_path));
    char **names = NULL;
    char *dir = wv_path_join(root, "users/dt=2024-01-03");
    OK(wv_fs_list(dir, &names, &err));
    assert_int_equal(wv_strv_len(names), 2); /* no temp files left */
    wv_strv_free(names);
    free(dir);
    files_done(f, 2);
    free(root);
    wv_fs_rmtree(shm, NULL);
    wv_fs_rmtree(tmp, NULL);
    free(tmp);
}

/* Bad manifests and paths are refused before anything moves; an overwrite stream without a
 * prefix deletes nothing (it would be the whole zone). */
static void test_publish_refused(void **state)
{
    (void)state;
    char *tmp = wv_test_tmpdir("pubbad");
    char *root = wv_path_join(tmp, "zone"), *stage = wv_path_join(tmp, "stage");
    struct stor_zone_file f[1] = {staged(stage, "x/a.parquet", "a")};
    struct stor_target t = {.dir = root};
    struct wv_error err = {0};
    assert_int_equal(stor_zone_publish(&t, f, 1, "{\"run_id\":", NULL, NULL, &err), -1);
    assert_int_equal(err.code, WV_E_PARSE);
    wv_error_clear(&err);
    assert_int_equal(stor_zone_publish(&t, f, 1,
                                       "{\"run_id\":\"../x\",\"streams\":[],"
                                       "\"files\":[]}",
                                       NULL, NULL, &err),
                     -1);
    assert_int_equal(err.code, WV_E_PARSE);
    wv_error_clear(&err);
    assert_int_equal(stor_zone_publish(&t, f, 1,
                                       "{\"run_id\":\"r\",\"streams\":[{\"mode\":"
                                       "\"overwrite\",\"prefix\":\"../up\"}],"
                                       "\"files\":[]}",
                                       NULL, NULL, &err),
                     -1);
    assert_int_equal(err.code, WV_E_PARSE);
    wv_error_clear(&err);
    struct stor_zone_file bad = f[0];
    bad.rel = "../escape.parquet";
    assert_int_equal(stor_zone_publish(&t, &bad, 1,
                                       "{\"run_id\":\"r\",\"streams\":[],"
                                       "\"files\":[]}",
                                       NULL, NULL, &err),
                     -1);
    assert_int_equal(err.code, WV_E_USAGE);
    assert_true(wv_fs_exists(f[0].stage_path));
    /* prefix "" overwrite: warned, nothing deleted */
    wv_error_clear(&err);
    wv_test_put(root, "old.parquet", "o");
    struct wv_buf logs;
    wv_buf_init(&logs, 0);
    struct wv_log log = {.fn = log_line, .ctx = &logs, .min = WV_LOG_INFO};
    OK(stor_zone_publish(&t, f, 1,
                         "{\"run_id\":\"r\",\"streams\":[{\"mode\":\"overwrite\","
                         "\"prefix\":\"\"}],\"files\":[{\"path\":\"x/a.parquet\"}]}",
                         NULL, &log, &err));
    expect(root, "old.parquet", "o");
    expect(root, "x/a.parquet", "a");
    assert_non_null(strstr(wv_buf_cstr(&logs), "WARN overwrite stream without a prefix"));
    wv_buf_done(&logs);
    files_done(f, 1);
    free(stage);
    free(root);
    wv_fs_rmtree(tmp, NULL);
    free(tmp);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_publish_local),
        cmocka_unit_test(test_publish_local_resume),
        cmocka_unit_test(test_publish_local_xdev),
        cmocka_unit_test(test_publish_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
