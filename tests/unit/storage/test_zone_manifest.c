/* test_zone_manifest.c - unit tests of the Parquet raw zone manifest (zone_manifest.c): the
 * text stor_zone_manifest writes parses back (stor_zone_manifest_parse) to the same run,
 * streams, columns, keys and files; and malformed manifests fail with "origin:line:col:"
 * messages, never a crash. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base/fs.h"
#include "base/json.h"
#include "base/mem.h"
#include "storage/storage.h"
#include "unit/testutil.h"

#define T0 INT64_C(1704164645678) /* 2024-01-02T03:04:05.678Z */

static char *dir;

static int setup(void **state)
{
    (void)state;
    dir = wv_test_tmpdir("zonem");
    return dir ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    wv_fs_rmtree(dir, NULL);
    free(dir);
    return 0;
}

/* A path of one or two keys. */
static struct wv_path path_of(char **keys, size_t n)
{
    return (struct wv_path){keys, n};
}

static void test_round_trip(void **state)
{
    (void)state;
    struct wv_error err;
    wv_error_clear(&err);
    char *stage = wv_path_join(dir, "stage");
    struct stor_zone_options o = {.connection = "pg-main", .pq = {.codec = STOR_PQ_ZSTD}};
    struct stor_zone *z = stor_zone_open(stage, "RUN", T0, 3, 9, &o, &err);
    assert_non_null(z);
    struct wv_json *schema = wv_test_json(
        "{\"properties\":{\"id\":{\"type\":\"integer\"},\"org\":{\"type\":\"string\"},"
        "\"at\":{\"type\":\"string\",\"format\":\"date-time\"}},\"required\":[\"id\"]}",
        "schema");
    char *k1[] = {"id"}, *k2[] = {"org"}, *c1[] = {"meta", "at"};
    struct wv_path pk[2] = {path_of(k1, 1), path_of(k2, 1)};
    struct wv_path cur = path_of(c1, 2);
    struct stor_zone_stream_cfg a = {"crm", "users", WV_DEST_APPEND_DEDUP, schema, &cur, pk, 2};
    struct stor_zone_stream_cfg b = {NULL, "empty", WV_DEST_OVERWRITE, NULL, NULL, NULL, 0};
    assert_int_equal(stor_zone_add_stream(z, &a, &err), 0);
    assert_int_equal(stor_zone_add_stream(z, &b, &err), 0);
    wv_json_free(schema);
    struct wv_json *rec = wv_test_json("{\"id\":1,\"org\":\"x\"}", "rec");
    assert_int_equal(stor_zone_write(z, "crm", "users", rec, &err), 0);
    assert_int_equal(stor_zone_seal(z, &err), 0);
    assert_int_equal(stor_zone_write(z, "crm", "users", rec, &err), 0);
    assert_int_equal(stor_zone_write(z, "crm", "users", rec, &err), 0);
    wv_json_free(rec);
    assert_int_equal(stor_zone_seal(z, &err), 0);
    struct stor_zone_file *f;
    size_t n;
    stor_zone_take_files(z, &f, &n);
    assert_int_equal(n, 2);
    char *text = stor_zone_manifest(z, f, n, &err);
    assert_non_null(text);
    struct stor_zone_manifest m;
    if (stor_zone_manifest_parse(text, strlen(text), "m.json", &m, &err) < 0)
        fail_msg("parse: %s\n%s", err.msg, text);
    assert_string_equal(m.run_id, "RUN");
    assert_string_equal(m.connection, "pg-main");
    assert_string_equal(m.extracted_at, "2024-01-02T03:04:05.678Z");
    assert_string_equal(m.path_template, "{namespace}/{stream}/dt={date}/{run_id}-{part}.parquet");
    assert_string_equal(m.format, "parquet");
    assert_string_equal(m.compression, "zstd");
    assert_int_equal(m.sync_id, 9);
    assert_int_equal(m.generation_id, 3);
    assert_int_equal(m.n_streams, 2);
    assert_non_null(strstr(text, "  \"connection\": \"pg-main\",\n"));
    const struct stor_zone_mstream *s = &m.streams[0];
    assert_string_equal(s->ns, "crm");
    assert_string_equal(s->name, "users");
    assert_string_equal(s->prefix, "crm/users");
    assert_int_equal(s->mode, WV_DEST_APPEND_DEDUP);
    assert_int_equal(s->n_cols, 8);
    assert_string_equal(s->cols[0].name, "_airbyte_raw_id");
    assert_int_equal(s->cols[0].type, STOR_PQ_STRING);
    assert_false(s->cols[0].optional);
    assert_string_equal(s->cols[6].name, "at");
    assert_int_equal(s->cols[6].type, STOR_PQ_TIMESTAMP);
    assert_true(s->cols[6].optional);
    assert_string_equal(s->cols[7].name, "_airbyte_additional_properties");
    assert_int_equal(s->n_pk, 2);
    assert_int_equal(s->pk[0].n, 1);
    assert_string_equal(s->pk[1].parts[0], "org");
    assert_int_equal(s->cursor.n, 2);
    assert_string_equal(s->cursor.parts[1], "at");
    assert_int_equal(s->rows, 3);
    assert_int_equal(s->files, 2);
    assert_int_equal(s->bytes, f[0].bytes + f[1].bytes);
    s = &m.streams[1];
    assert_null(s->ns);
    assert_string_equal(s->prefix, "empty");
    assert_int_equal(s->mode, WV_DEST_OVERWRITE);
    assert_int_equal(s->n_cols, 5);
    assert_string_equal(s->cols[4].name, "_airbyte_data");
    assert_int_equal(s->cursor.n, 0);
    assert_int_equal(s->n_pk, 0);
    assert_int_equal(s->rows + s->files + s->bytes, 0);
    assert_int_equal(m.n_files, 2);
    for (size_t i = 0; i < n; i++) {
        assert_string_equal(m.files[i].rel, f[i].rel);
        assert_null(m.files[i].stage_path);
        assert_string_equal(m.files[i].ns, "crm");
        assert_string_equal(m.files[i].stream, "users");
        assert_int_equal(m.files[i].rows, f[i].rows);
        assert_int_equal(m.files[i].bytes, f[i].bytes);
        assert_string_equal(m.files[i].sha256, f[i].sha256);
    }
    assert_string_equal(m.files[1].rel, "crm/users/dt=2024-01-02/RUN-001.parquet");
    assert_non_null(strstr(text, "\"writer\": \"weaver "));
    stor_zone_manifest_done(&m);
    stor_zone_manifest_done(&m); /* twice is harmless */
    free(text);
    /* a file of an undeclared stream */
    free(f[0].stream);
    f[0].stream = wv_strdup("nope");
    wv_error_clear(&err);
    assert_null(stor_zone_manifest(z, f, n, &err));
    assert_non_null(strstr(err.msg, "undeclared stream"));
    stor_zone_files_free(f, n);
    stor_zone_free(z);
    free(stage);
}

/* A manifest that must not parse: the message must start with want. */
static void bad(const char *text, const char *want)
{
    struct stor_zone_manifest m;
    struct wv_error err;
    wv_error_clear(&err);
    assert_int_equal(stor_zone_manifest_parse(text, strlen(text), "m.json", &m, &err), -1);
    if (strncmp(err.msg, want, strlen(want)) != 0)
        fail_msg("manifest <%s>: message <%s>, want <%s...>", text, err.msg, want);
    assert_null(m.run_id);
    assert_int_equal(m.n_files, 0);
}

#define HEAD "{\"version\":1,\"run_id\":\"R\",\"format\":\"parquet\",\n"
#define STREAM "{\"name\":\"s\",\"mode\":\"append\",\"prefix\":\"s\",\"columns\":[]}"
#define SHA "\"0000000000000000000000000000000000000000000000000000000000000000\""

static void test_parse_errors(void **state)
{
    (void)state;
    bad("{\"version\":1,", "m.json:1:14: ");
    bad("[]", "m.json:1:1: manifest: must be a JSON object");
    bad("{\n \"version\": 2}", "m.json:2:13: manifest: unsupported version 2");
    bad("{\"run_id\":\"x\"}", "m.json:1:1: manifest: missing \"version\"");
    bad("{\"version\":1,\"run_id\":5}", "m.json:1:23: manifest: \"run_id\" must be a string");
    bad(HEAD "\"streams\":{},\"files\":[]}", "m.json:2:11: manifest: \"streams\" must be an array");
    bad(HEAD "\"streams\":[],\"files\":[]", "m.json:2:");
    bad(HEAD "\"streams\":[{\"name\":\"s\",\"mode\":\"sideways\",\"prefix\":\"s\"}],\"files\":[]}",
        "m.json:2:31: manifest: unknown mode \"sideways\"");
    bad(HEAD "\"streams\":[{\"name\":\"s\",\"mode\":\"append\",\"prefix\":\"s\",\"columns\":["
             "{\"name\":\"a\",\"type\":\"int64\"},{\"name\":\"b\",\"type\":\"int128\"}]}],"
             "\"files\":[]}",
        "m.json:2:111: manifest: unknown column type \"int128\"");
    bad(HEAD "\"streams\":[" STREAM "],\n\"files\":[{\"path\":\"../x.parquet\",\"stream\":\"s\","
             "\"sha256\":" SHA "}]}",
        "m.json:3:18: manifest: file path \"../x.parquet\" is not relative");
    bad(HEAD "\"streams\":[" STREAM "],\n\"files\":[{\"path\":\"/x.parquet\",\"stream\":\"s\","
             "\"sha256\":" SHA "}]}",
        "m.json:3:18: manifest: file path");
    bad(HEAD "\"streams\":[" STREAM "],\n\"files\":[{\"path\":\"x.parquet\",\"stream\":\"s\","
             "\"sha256\":\"abc\"}]}",
        "m.json:3:52: manifest: \"sha256\" must be 64 lowercase hex digits");
    bad(HEAD "\"streams\":[" STREAM "],\n\"files\":[{\"path\":\"x.parquet\",\"stream\":\"s\","
             "\"rows\":-1,\"sha256\":" SHA "}]}",
        "m.json:3:50: manifest: \"rows\" must be a non-negative integer");
    bad(HEAD "\"streams\":[{\"name\":\"s\",\"mode\":\"append\",\"prefix\":\"s\",\"columns\":[],"
             "\"primary_key\":[[1]]}],\"files\":[]}",
        "m.json:2:82: manifest: a primary key must be a list of strings");
    bad(HEAD "\"streams\":[" STREAM "],\n\"files\":[{\"path\":\"x.parquet\",\"sha256\":" SHA "}]}",
        "m.json:3:10: manifest: missing \"stream\"");
    /* unknown members are ignored; nulls for optional strings */
    static const char ok[] = HEAD "\"connection\":null,\"future\":{\"x\":1},\"streams\":[" STREAM
                                  "],\"files\":[{\"path\":\"s/x.parquet\",\"stream\":\"s\","
                                  "\"sha256\":" SHA "}]}";
    struct stor_zone_manifest m;
    struct wv_error err;
    wv_error_clear(&err);
    assert_int_equal(stor_zone_manifest_parse(ok, strlen(ok), "ok", &m, &err), 0);
    assert_null(m.connection);
    assert_int_equal(m.n_files, 1);
    assert_null(m.files[0].ns);
    assert_int_equal(m.streams[0].n_cols, 0);
    stor_zone_manifest_done(&m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_round_trip, setup, teardown),
        cmocka_unit_test(test_parse_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
