/* test_dest.c - unit tests of workspace destinations (src/core/dest.c): defaults (local
 * Parquet, zstd), S3 locations split into bucket and prefix, options, the storage target with
 * credentials resolved from {{ env.X }} / {{ file('p') }} at use (never stored in the loaded
 * workspace), errors that never echo a secret, and the zone writer options. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "unit/testutil.h"

#include "base/fs.h"
#include "core/core.h"

static int setup(void **state)
{
    char *dir = wv_test_tmpdir("dest");
    if (!dir)
        return -1;
    *state = dir;
    return 0;
}

static int teardown(void **state)
{
    wv_fs_rmtree(*state, NULL);
    free(*state);
    unsetenv("WV_TEST_KEY");
    return 0;
}

static struct core_workspace *load(const char *dir, const char *yaml)
{
    wv_test_put(dir, "weaver.yaml", yaml);
    struct wv_error err = {0};
    struct core_workspace *ws = core_workspace_load(dir, &err);
    if (!ws)
        fail_msg("load: %s", err.msg);
    return ws;
}

static void test_local_defaults(void **state)
{
    struct core_workspace *ws = load(*state, "version: 1\ndestinations:\n  raw: {path: lake}\n");
    const struct core_destination *d = core_workspace_destination(ws, "raw");
    assert_string_equal(d->type, "local");
    assert_string_equal(d->format, "parquet");
    assert_string_equal(d->compression, "zstd");
    assert_null(d->bucket);
    struct core_target t;
    struct wv_error err = {0};
    assert_int_equal(core_destination_target(ws, d, &t, &err), 0);
    assert_non_null(t.t.dir);
    assert_true(wv_str_ends(t.t.dir, "/lake"));
    assert_null(t.t.bucket);
    core_target_done(&t);
    struct stor_zone_options zo;
    core_destination_zone_options(d, &zo);
    assert_int_equal(zo.pq.codec, STOR_PQ_ZSTD);
    assert_true(zo.pq.airbyte_changes);
    assert_null(zo.path_template);
    core_workspace_free(ws);
}

static void test_s3_target(void **state)
{
    const char *dir = *state;
    wv_test_put(dir, "secrets/s3", "sEcReT-value\n");
    setenv("WV_TEST_KEY", "AKIDEXAMPLE", 1);
    struct core_workspace *ws = load(
        dir, "version: 1\ndestinations:\n"
             "  lake:\n"
             "    path: s3://my-bucket/raw/zone/\n"
             "    compression: snappy\n"
             "    path_template: \"{stream}/{year}/{month}/{run_id}-{part}.parquet\"\n"
             "    partition_by: cursor\n"
             "    file_size: 64MiB\n"
             "    row_group_size: 8 MiB\n"
             "    flatten: true\n"
             "    s3:\n"
             "      endpoint: http://127.0.0.1:9\n"
             "      region: eu-west-1\n"
             "      access_key_id: \"{{ env.WV_TEST_KEY }}\"\n"
             "      secret_access_key: \"{{ file('secrets/s3') }}\"\n"
             "      parallel: 3\n"
             "      max_upload_rate: 10MiB\n");
    const struct core_destination *d = core_workspace_destination(ws, "lake");
    assert_string_equal(d->type, "s3");
    assert_string_equal(d->bucket, "my-bucket");
    assert_string_equal(d->prefix, "raw/zone");
    assert_null(d->path);
    assert_int_equal(d->file_bytes, 64LL << 20);
    assert_int_equal(d->row_group_bytes, 8LL << 20);
    assert_true(d->flatten && d->partition_by_cursor);
    /* the loaded workspace keeps the template, not the secret */
    assert_string_equal(wv_json_get_str(d->s3_node, "secret_access_key"),
                        "{{ file('secrets/s3') }}");
    struct core_target t;
    struct wv_error err = {0};
    assert_int_equal(core_destination_target(ws, d, &t, &err), 0);
    assert_string_equal(t.t.bucket, "my-bucket");
    assert_string_equal(t.t.prefix, "raw/zone");
    assert_string_equal(t.t.s3.endpoint, "http://127.0.0.1:9");
    assert_string_equal(t.t.s3.region, "eu-west-1");
    assert_string_equal(t.t.s3.access_key_id, "AKIDEXAMPLE");
    assert_string_equal(t.t.s3.secret_access_key, "sEcReT-value");
    assert_int_equal(t.t.parallel, 3);
    assert_int_equal(t.t.s3.max_send_speed, 10LL << 20);
    core_target_done(&t);
    struct stor_zone_options zo;
    core_destination_zone_options(d, &zo);
    assert_int_equal(zo.pq.codec, STOR_PQ_SNAPPY);
    assert_int_equal(zo.file_bytes, 64LL << 20);
    assert_true(zo.flatten && zo.partition_by_cursor);
    assert_string_equal(zo.path_template, "{stream}/{year}/{month}/{run_id}-{part}.parquet");
    /* an unset variable is an error with the position, never a value */
    unsetenv("WV_TEST_KEY");
    assert_int_equal(core_destination_target(ws, d, &t, &err), -1);
    assert_non_null(strstr(err.msg, "weaver.yaml:14:"));
    assert_non_null(strstr(err.msg, "WV_TEST_KEY"));
    assert_null(strstr(err.msg, "sEcReT"));
    core_workspace_free(ws);
}

static void test_s3_half_credentials(void **state)
{
    struct core_workspace *ws = load(*state, "version: 1\ndestinations:\n"
                                             "  lake: {path: \"s3://bkt\", s3: {access_key_id: A}}\n");
    const struct core_destination *d = core_workspace_destination(ws, "lake");
    assert_string_equal(d->prefix, "");
    struct core_target t;
    struct wv_error err = {0};
    assert_int_equal(core_destination_target(ws, d, &t, &err), -1);
    assert_non_null(strstr(err.msg, "needs both access_key_id and secret_access_key"));
    core_workspace_free(ws);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_local_defaults, setup, teardown),
        cmocka_unit_test_setup_teardown(test_s3_target, setup, teardown),
        cmocka_unit_test_setup_teardown(test_s3_half_credentials, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
