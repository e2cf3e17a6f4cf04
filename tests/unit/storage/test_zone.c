/* test_zone.c - unit tests of the Parquet raw zone writer (zone.c, zone_flat.c): files staged at
 * their template paths and read back with stor_pq_inspect (columns, meta values, rows), values
 * that do not fit recorded in _airbyte_meta.changes, unknown members in
 * _airbyte_additional_properties, flattening, schemas without properties, partitions by
 * extraction time and by cursor (Hive default partition), rolling by size, sealing then writing
 * more, the bound on open files, SHA-256 and sizes of sealed files, statistics, errors, and
 * stor_zone_free removing what was not sealed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "base/fs.h"
#include "base/json.h"
#include "base/mem.h"
#include "base/sha256.h"
#include "storage/storage.h"
#include "unit/testutil.h"

#define T0 INT64_C(1704164645678) /* 2024-01-02T03:04:05.678Z */

static char *dir, *stage;

static int setup(void **state)
{
    (void)state;
    dir = wv_test_tmpdir("zone");
    stage = wv_path_join(dir, "stage");
    return dir ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    wv_fs_rmtree(dir, NULL);
    free(dir);
    free(stage);
    return 0;
}

static const char users_schema[] =
    "{\"type\":\"object\",\"required\":[\"id\"],\"properties\":{"
    "\"id\":{\"type\":\"integer\"},\"name\":{\"type\":[\"null\",\"string\"]},"
    "\"ts\":{\"type\":\"string\",\"format\":\"date-time\"},"
    "\"tags\":{\"type\":\"array\",\"items\":{\"type\":\"string\"}}}}";

/* Opens a zone writer; fails the test on error. */
static struct stor_zone *zopen(const struct stor_zone_options *opts)
{
    struct wv_error err;
    wv_error_clear(&err);
    struct stor_zone *z = stor_zone_open(stage, "RUN", T0, 3, 9, opts, &err);
    if (!z)
        fail_msg("stor_zone_open: %s", err.msg);
    return z;
}

/* Declares a stream (schema JSON text or NULL; cursor a one-key path or NULL). */
static int add(struct stor_zone *z, const char *ns, const char *name, const char *schema,
               const char *cursor, enum wv_dest_mode mode, struct wv_error *err)
{
    struct wv_json *sj = schema ? wv_test_json(schema, "schema") : NULL;
    char *parts[1] = {(char *)(uintptr_t)cursor};
    struct wv_path cur = {parts, 1};
    struct stor_zone_stream_cfg cfg = {ns, name, mode, sj, cursor ? &cur : NULL, NULL, 0};
    wv_error_clear(err);
    int rc = stor_zone_add_stream(z, &cfg, err);
    wv_json_free(sj);
    return rc;
}

/* Writes a record given as JSON text; fails the test on error. */
static void put(struct stor_zone *z, const char *ns, const char *stream, const char *json)
{
    struct wv_json *j = wv_test_json(json, "record");
    struct wv_error err;
    wv_error_clear(&err);
    if (stor_zone_write(z, ns, stream, j, &err) < 0)
        fail_msg("write %s: %s", json, err.msg);
    wv_json_free(j);
}

/* Seals and takes the files; fails the test on error. */
static void seal_take(struct stor_zone *z, struct stor_zone_file **files, size_t *n)
{
    struct wv_error err;
    wv_error_clear(&err);
    if (stor_zone_seal(z, &err) < 0)
        fail_msg("seal: %s", err.msg);
    stor_zone_take_files(z, files, n);
}

/* Description of a Parquet file (caller frees) and its rows (an array, caller frees). */
static char *inspect(const char *path, struct wv_json **rows)
{
    struct wv_buf out = WV_BUF_INIT;
    struct wv_error err;
    wv_error_clear(&err);
    if (stor_pq_inspect(path, 100000, &out, &err) < 0)
        fail_msg("inspect %s: %s", path, err.msg);
    char *text = wv_buf_steal(&out, NULL);
    *rows = wv_json_array();
    char *p = strstr(text, " rows:\n");
    for (p = p ? p + 7 : NULL; p && *p;) {
        char *nl = strchr(p, '\n');
        struct wv_json *r = wv_json_parse(p, (size_t)(nl - p), "row", &err);
        if (!r)
            fail_msg("row <%.*s>: %s", (int)(nl - p), p, err.msg);
        wv_json_push(*rows, r);
        p = nl + 1;
    }
    return text;
}

/* Asserts that a JSON value equals the JSON text want. */
static void assert_json(const struct wv_json *got, const char *want)
{
    struct wv_json *w = wv_test_json(want, "want");
    if (!wv_json_equal(got, w)) {
        char *g = got ? wv_json_to_string(got) : wv_strdup("(missing)");
        fail_msg("got <%s>, want <%s>", g, want);
    }
    wv_json_free(w);
}

/* Number of regular files under d whose name contains needle (recursively). */
static int count_files(const char *d, const char *needle)
{
    char **names = NULL;
    int n = 0;
    if (wv_fs_list(d, &names, NULL) < 0)
        return 0;
    for (char **nm = names; *nm; nm++) {
        char *p = wv_path_join(d, *nm);
        if (wv_fs_is_dir(p))
            n += count_files(p, needle);
        else if (strstr(*nm, needle))
            n++;
        free(p);
    }
    wv_strv_free(names);
    return n;
}

/* Layout, columns, meta values, misfits, extra members, digest and size of one file. */
static void test_basic(void **state)
{
    (void)state;
    struct stor_zone *z = zopen(NULL);
    struct wv_error err;
    assert_int_equal(add(z, NULL, "users", users_schema, NULL, WV_DEST_APPEND, &err), 0);
    put(z, NULL, "users",
        "{\"id\":1,\"name\":\"ann\",\"ts\":\"2024-01-01T10:00:00+01:00\","
        "\"tags\":[\"a\"]}");
    put(z, "", "users", "{\"id\":\"oops\",\"name\":7,\"ts\":\"2024-01-01T00:00:00Z\"}");
    put(z, NULL, "users", "{\"id\":3,\"zzz\":{\"k\":[1,2]},\"other\":null}");
    struct stor_zone_stats st;
    stor_zone_stats(z, NULL, "users", &st);
    assert_int_equal(st.records, 3);
    assert_int_equal(st.files, 0);
    assert_true(st.bytes > 0);
    struct stor_zone_file *f;
    size_t n;
    seal_take(z, &f, &n);
    assert_int_equal(n, 1);
    assert_string_equal(f[0].rel, "users/dt=2024-01-02/RUN-000.parquet");
    char *want_stage = wv_path_join(stage, f[0].rel);
    assert_string_equal(f[0].stage_path, want_stage);
    free(want_stage);
    assert_null(f[0].ns);
    assert_string_equal(f[0].stream, "users");
    assert_int_equal(f[0].rows, 3);
    char *data;
    size_t len;
    assert_int_equal(wv_fs_read_all(f[0].stage_path, 0, &data, &len, &err), 0);
    assert_int_equal(f[0].bytes, (int64_t)len);
    uint8_t d[32];
    wv_sha256(data, len, d);
    char hex[65];
    for (int i = 0; i < 32; i++)
        snprintf(hex + 2 * i, 3, "%02x", d[i]);
    assert_string_equal(f[0].sha256, hex);
    free(data);
    stor_zone_stats(z, NULL, NULL, &st);
    assert_int_equal(st.records, 3);
    assert_int_equal(st.files, 1);
    assert_int_equal(st.bytes, f[0].bytes);

    struct wv_json *rows;
    char *text = inspect(f[0].stage_path, &rows);
    assert_non_null(strstr(text, ": 3 rows, "));
    assert_non_null(strstr(text, "  _airbyte_raw_id: string required (BYTE_ARRAY)\n"
                                 "  _airbyte_extracted_at: timestamp required (INT64)\n"
                                 "  _airbyte_meta: json required (BYTE_ARRAY)\n"
                                 "  _airbyte_generation_id: int64 optional (INT64)\n"
                                 "  id: int64 optional (INT64)\n"
                                 "  name: string optional (BYTE_ARRAY)\n"
                                 "  ts: timestamp optional (INT64)\n"
                                 "  tags: json optional (BYTE_ARRAY)\n"
                                 "  _airbyte_additional_properties: json optional (BYTE_ARRAY)\n"));
    assert_non_null(strstr(text, "key-value metadata: airbyte.json_schema writer weaver.run_id"));
    assert_non_null(strstr(text, "created by: weaver"));
    assert_int_equal(rows->len, 3);
    const struct wv_json *r0 = rows->items[0], *r1 = rows->items[1], *r2 = rows->items[2];
    assert_json(wv_json_get(r0, "_airbyte_extracted_at"), "\"2024-01-02T03:04:05.678000Z\"");
    assert_json(wv_json_get(r0, "_airbyte_meta"), "{\"sync_id\":9,\"changes\":[]}");
    assert_json(wv_json_get(r0, "_airbyte_generation_id"), "3");
    assert_json(wv_json_get(r0, "id"), "1");
    assert_json(wv_json_get(r0, "ts"), "\"2024-01-01T09:00:00.000000Z\"");
    assert_json(wv_json_get(r0, "tags"), "[\"a\"]");
    assert_json(wv_json_get(r0, "_airbyte_additional_properties"), "null");
    /* values that do not fit: null and a change each */
    assert_json(wv_json_get(r1, "id"), "null");
    assert_json(wv_json_get(r1, "name"), "null");
    assert_json(wv_json_get(r1, "_airbyte_meta"),
                "{\"sync_id\":9,\"changes\":["
                "{\"field\":\"id\",\"change\":\"NULLED\","
                "\"reason\":\"DESTINATION_SERIALIZATION_ERROR\"},"
                "{\"field\":\"name\",\"change\":\"NULLED\","
                "\"reason\":\"DESTINATION_SERIALIZATION_ERROR\"}]}");
    /* members that are no column */
    assert_json(wv_json_get(r2, "_airbyte_additional_properties"),
                "{\"zzz\":{\"k\":[1,2]},\"other\":null}");
    assert_json(wv_json_get(r2, "name"), "null");
    /* raw ids: UUID v4 text, distinct */
    for (size_t i = 0; i < 3; i++) {
        const char *id = wv_json_get_str(rows->items[i], "_airbyte_raw_id");
        assert_non_null(id);
        assert_int_equal(strlen(id), 36);
        assert_int_equal(id[14], '4');
        assert_non_null(strchr("89ab", id[19]));
        for (size_t k = 0; k < i; k++)
            assert_string_not_equal(id, wv_json_get_str(rows->items[k], "_airbyte_raw_id"));
    }
    wv_json_free(rows);
    free(text);
    stor_zone_files_free(f, n);
    /* nothing more to seal */
    seal_take(z, &f, &n);
    assert_int_equal(n, 0);
    stor_zone_files_free(f, n);
    stor_zone_free(z);
}

/* A namespace adds a segment; the template's other variables; streams sharing a directory
 * never reuse a name. */
static void test_paths(void **state)
{
    (void)state;
    struct stor_zone *z = zopen(NULL);
    struct wv_error err;
    assert_int_equal(add(z, "crm", "users", users_schema, NULL, WV_DEST_APPEND, &err), 0);
    put(z, "crm", "users", "{\"id\":1}");
    struct stor_zone_file *f;
    size_t n;
    seal_take(z, &f, &n);
    assert_int_equal(n, 1);
    assert_string_equal(f[0].rel, "crm/users/dt=2024-01-02/RUN-000.parquet");
    assert_string_equal(f[0].ns, "crm");
    stor_zone_files_free(f, n);
    stor_zone_free(z);

    char *stage2 = wv_path_join(dir, "stage2");
    struct stor_zone_options o = {.path_template = "{connection}/{year}/{month}/{day}/"
                                                   "h{hour}-{sync_id}-{part}.parquet",
                                  .connection = "pg"};
    z = stor_zone_open(stage2, "RUN", T0, 3, 9, &o, &err);
    assert_non_null(z);
    assert_int_equal(add(z, NULL, "a", users_schema, NULL, WV_DEST_APPEND, &err), 0);
    assert_int_equal(add(z, NULL, "b", users_schema, NULL, WV_DEST_APPEND, &err), 0);
    put(z, NULL, "a", "{\"id\":1}");
    put(z, NULL, "b", "{\"id\":2}");
    seal_take(z, &f, &n);
    assert_int_equal(n, 2);
    assert_string_equal(f[0].rel, "pg/2024/01/02/h03-9-000.parquet");
    assert_string_equal(f[1].rel, "pg/2024/01/02/h03-9-001.parquet");
    assert_string_equal(f[1].stream, "b");
    stor_zone_files_free(f, n);
    /* an overwrite stream needs {stream} in its prefix */
    assert_int_equal(add(z, NULL, "c", users_schema, NULL, WV_DEST_OVERWRITE, &err), -1);
    assert_non_null(strstr(err.msg, "overwrite stream needs {stream}"));
    stor_zone_free(z);
    o.path_template = "{stream}/{sync_id}-{part}.pq";
    char *stage3 = wv_path_join(dir, "stage3");
    z = stor_zone_open(stage3, "RUN", T0, 3, 9, &o, &err);
    free(stage3);
    assert_non_null(z);
    assert_int_equal(add(z, NULL, "c", users_schema, NULL, WV_DEST_APPEND, &err), 0);
    assert_int_equal(add(z, NULL, "d", users_schema, NULL, WV_DEST_OVERWRITE, &err), -1);
    assert_non_null(strstr(err.msg, "ending in .parquet"));
    stor_zone_free(z);
    free(stage2);
}

/* Partition by cursor: offsets, dates, epoch seconds, missing values; a stream without a
 * cursor uses the extraction time. */
static void test_partition_by_cursor(void **state)
{
    (void)state;
    struct stor_zone_options o = {.partition_by_cursor = true};
    struct stor_zone *z = zopen(&o);
    struct wv_error err;
    assert_int_equal(add(z, NULL, "ev", "{\"properties\":{\"at\":{}}}", "at", WV_DEST_APPEND, &err),
                     0);
    assert_int_equal(add(z, NULL, "plain", users_schema, NULL, WV_DEST_APPEND, &err), 0);
    put(z, NULL, "ev", "{\"at\":\"2024-03-01T23:30:00-02:00\"}");
    put(z, NULL, "ev", "{\"at\":\"2024-03-05\"}");
    put(z, NULL, "ev", "{\"at\":1709251200}");
    put(z, NULL, "ev", "{\"x\":1}");
    put(z, NULL, "ev", "{\"at\":\"soon\"}");
    put(z, NULL, "ev", "{\"at\":\"2024-03-02T00:00:00Z\"}");
    put(z, NULL, "plain", "{\"id\":1}");
    struct stor_zone_file *f;
    size_t n;
    seal_take(z, &f, &n);
    assert_int_equal(n, 5);
    static const struct {
        const char *rel;
        int64_t rows;
    } want[] = {
        {"ev/dt=2024-03-02/RUN-000.parquet", 2},
        {"ev/dt=2024-03-05/RUN-000.parquet", 1},
        {"ev/dt=2024-03-01/RUN-000.parquet", 1},
        {"ev/dt=__HIVE_DEFAULT_PARTITION__/RUN-000.parquet", 2},
        {"plain/dt=2024-01-02/RUN-000.parquet", 1},
    };
    for (size_t i = 0; i < 5; i++) {
        bool found = false;
        for (size_t k = 0; k < n; k++)
            if (strcmp(f[k].rel, want[i].rel) == 0) {
                found = true;
                assert_int_equal(f[k].rows, want[i].rows);
                assert_true(wv_fs_exists(f[k].stage_path));
            }
        if (!found)
            fail_msg("no file %s", want[i].rel);
    }
    stor_zone_files_free(f, n);
    stor_zone_free(z);
}

/* At most 16 files open per stream: the least recently written is sealed to make room, and a
 * later record of its partition opens the next part. */
static void test_open_files_bound(void **state)
{
    (void)state;
    struct stor_zone_options o = {.partition_by_cursor = true};
    struct stor_zone *z = zopen(&o);
    struct wv_error err;
    assert_int_equal(add(z, NULL, "ev", "{\"properties\":{\"d\":{}}}", "d", WV_DEST_APPEND, &err),
                     0);
    for (int day = 1; day <= 17; day++) {
        char *rec = wv_asprintf("{\"d\":\"2024-05-%02d\"}", day);
        put(z, NULL, "ev", rec);
        free(rec);
    }
    struct stor_zone_file *f;
    size_t n;
    stor_zone_take_files(z, &f, &n); /* sealed without stor_zone_seal */
    assert_int_equal(n, 1);
    assert_string_equal(f[0].rel, "ev/dt=2024-05-01/RUN-000.parquet");
    stor_zone_files_free(f, n);
    put(z, NULL, "ev", "{\"d\":\"2024-05-01\"}");
    stor_zone_take_files(z, &f, &n); /* day 2 made room */
    assert_int_equal(n, 1);
    assert_string_equal(f[0].rel, "ev/dt=2024-05-02/RUN-000.parquet");
    stor_zone_files_free(f, n);
    seal_take(z, &f, &n);
    assert_int_equal(n, 16);
    bool seen = false;
    for (size_t i = 0; i < n; i++)
        seen = seen || strcmp(f[i].rel, "ev/dt=2024-05-01/RUN-001.parquet") == 0;
    assert_true(seen);
    stor_zone_files_free(f, n);
    stor_zone_free(z);
}

/* A small file_bytes rolls files; sealing then writing more continues the numbering. */
static void test_rolling_and_seal(void **state)
{
    (void)state;
    struct stor_zone_options o = {.file_bytes = 4000, .pq = {.page_bytes = 1024}};
    struct stor_zone *z = zopen(&o);
    struct wv_error err;
    assert_int_equal(add(z, NULL, "users", users_schema, NULL, WV_DEST_APPEND, &err), 0);
    for (int i = 0; i < 300; i++) {
        char *rec =
            wv_asprintf("{\"id\":%d,\"name\":\"user number %d with a longer name\"}", i, i * 7919);
        put(z, NULL, "users", rec);
        free(rec);
    }
    struct stor_zone_file *f;
    size_t n;
    seal_take(z, &f, &n);
    assert_true(n >= 3);
    int64_t rows = 0;
    for (size_t i = 0; i < n; i++) {
        char *want = wv_asprintf("users/dt=2024-01-02/RUN-%03zu.parquet", i);
        assert_string_equal(f[i].rel, want);
        free(want);
        rows += f[i].rows;
        /* the estimate rolls near the budget: never far past it */
        assert_true(f[i].bytes < 3 * 4000);
        struct wv_json *r;
        free(inspect(f[i].stage_path, &r));
        assert_int_equal((int64_t)r->len, f[i].rows);
        wv_json_free(r);
    }
    assert_int_equal(rows, 300);
    size_t first = n;
    stor_zone_files_free(f, n);
    put(z, NULL, "users", "{\"id\":1000}");
    seal_take(z, &f, &n);
    assert_int_equal(n, 1);
    char *want = wv_asprintf("users/dt=2024-01-02/RUN-%03zu.parquet", first);
    assert_string_equal(f[0].rel, want);
    free(want);
    stor_zone_files_free(f, n);
    struct stor_zone_stats st;
    stor_zone_stats(z, NULL, NULL, &st);
    assert_int_equal(st.records, 301);
    assert_int_equal(st.files, (int64_t)first + 1);
    stor_zone_free(z);
}

/* Flattening: nested objects with properties become parent_child columns. */
static void test_flatten(void **state)
{
    (void)state;
    struct stor_zone_options o = {.flatten = true};
    struct stor_zone *z = zopen(&o);
    struct wv_error err;
    static const char schema[] =
        "{\"properties\":{\"id\":{\"type\":\"integer\"},"
        "\"addr\":{\"type\":[\"null\",\"object\"],\"properties\":{"
        "\"city\":{\"type\":\"string\"},"
        "\"geo\":{\"type\":\"object\",\"properties\":{\"lat\":{\"type\":\"number\"}}}}},"
        "\"meta\":{\"type\":\"object\"},"
        "\"list\":{\"type\":\"array\",\"items\":{\"type\":\"object\",\"properties\":{"
        "\"a\":{\"type\":\"integer\"}}}}}}";
    assert_int_equal(add(z, NULL, "s", schema, NULL, WV_DEST_APPEND, &err), 0);
    put(z, NULL, "s",
        "{\"id\":1,\"addr\":{\"city\":\"Oslo\",\"geo\":{\"lat\":59.9}},"
        "\"meta\":{\"x\":1},\"list\":[{\"a\":1}]}");
    put(z, NULL, "s", "{\"id\":2,\"addr\":{\"zip\":\"0150\",\"geo\":{\"lat\":\"n\",\"q\":1}}}");
    put(z, NULL, "s", "{\"id\":3,\"addr\":\"Main street\"}");
    put(z, NULL, "s", "{\"id\":4,\"addr\":null}");
    struct stor_zone_file *f;
    size_t n;
    seal_take(z, &f, &n);
    assert_int_equal(n, 1);
    struct wv_json *rows;
    char *text = inspect(f[0].stage_path, &rows);
    assert_non_null(strstr(text, "  id: int64 optional (INT64)\n"
                                 "  addr_city: string optional (BYTE_ARRAY)\n"
                                 "  addr_geo_lat: double optional (DOUBLE)\n"
                                 "  meta: json optional (BYTE_ARRAY)\n"
                                 "  list: json optional (BYTE_ARRAY)\n"
                                 "  _airbyte_additional_properties: json optional"));
    assert_null(strstr(text, "  addr:"));
    assert_int_equal(rows->len, 4);
    assert_json(wv_json_get(rows->items[0], "addr_city"), "\"Oslo\"");
    assert_json(wv_json_get(rows->items[0], "addr_geo_lat"), "59.9");
    assert_json(wv_json_get(rows->items[0], "meta"), "{\"x\":1}");
    assert_json(wv_json_get(rows->items[0], "list"), "[{\"a\":1}]");
    /* nested unknown members keep their place; a nested misfit is nulled and recorded */
    assert_json(wv_json_get(rows->items[1], "_airbyte_additional_properties"),
                "{\"addr\":{\"zip\":\"0150\",\"geo\":{\"q\":1}}}");
    assert_json(wv_json_get(rows->items[1], "addr_geo_lat"), "null");
    assert_json(wv_json_get(rows->items[1], "_airbyte_meta"),
                "{\"sync_id\":9,\"changes\":[{\"field\":\"addr_geo_lat\",\"change\":\"NULLED\","
                "\"reason\":\"DESTINATION_SERIALIZATION_ERROR\"}]}");
    /* a flattened member that is not an object */
    assert_json(wv_json_get(rows->items[2], "addr_city"), "null");
    assert_json(wv_json_get(rows->items[2], "_airbyte_meta"),
                "{\"sync_id\":9,\"changes\":[{\"field\":\"addr\",\"change\":\"NULLED\","
                "\"reason\":\"DESTINATION_SERIALIZATION_ERROR\"}]}");
    assert_json(wv_json_get(rows->items[3], "_airbyte_meta"), "{\"sync_id\":9,\"changes\":[]}");
    assert_json(wv_json_get(rows->items[3], "addr_city"), "null");
    wv_json_free(rows);
    free(text);
    stor_zone_files_free(f, n);

    /* name collisions */
    assert_int_equal(add(z, NULL, "c1",
                         "{\"properties\":{\"a_b\":{\"type\":\"string\"},\"a\":{\"type\":"
                         "\"object\",\"properties\":{\"b\":{\"type\":\"integer\"}}}}}",
                         NULL, WV_DEST_APPEND, &err),
                     -1);
    assert_non_null(strstr(err.msg, "column \"a_b\" appears twice"));
    assert_non_null(strstr(err.msg, "stream c1"));
    assert_int_equal(add(z, NULL, "c2",
                         "{\"properties\":{\"_airbyte\":{\"type\":\"object\",\"properties\":"
                         "{\"meta\":{\"type\":\"integer\"}}}}}",
                         NULL, WV_DEST_APPEND, &err),
                     -1);
    assert_non_null(strstr(err.msg, "collides with Airbyte's meta columns"));
    stor_zone_free(z);

    /* without flattening the same schema keeps addr as JSON */
    char *stage2 = wv_path_join(dir, "stage2");
    z = stor_zone_open(stage2, "RUN", T0, 3, 9, NULL, &err);
    assert_non_null(z);
    assert_int_equal(add(z, NULL, "s", schema, NULL, WV_DEST_APPEND, &err), 0);
    put(z, NULL, "s", "{\"id\":1,\"addr\":{\"city\":\"Oslo\"}}");
    seal_take(z, &f, &n);
    text = inspect(f[0].stage_path, &rows);
    assert_non_null(strstr(text, "  addr: json optional"));
    assert_json(wv_json_get(rows->items[0], "addr"), "{\"city\":\"Oslo\"}");
    wv_json_free(rows);
    free(text);
    stor_zone_files_free(f, n);
    stor_zone_free(z);
    free(stage2);
}

/* A schema without properties: meta columns and _airbyte_data. */
static void test_no_properties(void **state)
{
    (void)state;
    struct stor_zone *z = zopen(NULL);
    struct wv_error err;
    assert_int_equal(add(z, NULL, "a", "{}", NULL, WV_DEST_APPEND, &err), 0);
    assert_int_equal(add(z, NULL, "b", NULL, NULL, WV_DEST_APPEND, &err), 0);
    assert_int_equal(
        add(z, NULL, "c", "{\"type\":\"object\",\"properties\":{}}", NULL, WV_DEST_APPEND, &err),
        0);
    assert_int_equal(add(z, NULL, "d", "{\"properties\":[]}", NULL, WV_DEST_APPEND, &err), -1);
    assert_non_null(strstr(err.msg, "\"properties\" must be an object"));
    put(z, NULL, "a", "{\"x\":{\"y\":[1,\"z\"]},\"n\":null}");
    put(z, NULL, "b", "{}");
    struct stor_zone_file *f;
    size_t n;
    seal_take(z, &f, &n);
    assert_int_equal(n, 2);
    struct wv_json *rows;
    char *text = inspect(f[0].stage_path, &rows);
    assert_non_null(strstr(text, "  _airbyte_generation_id: int64 optional (INT64)\n"
                                 "  _airbyte_data: json optional (BYTE_ARRAY)\n"
                                 "key-value"));
    assert_json(wv_json_get(rows->items[0], "_airbyte_data"), "{\"x\":{\"y\":[1,\"z\"]},"
                                                              "\"n\":null}");
    wv_json_free(rows);
    free(text);
    text = inspect(f[1].stage_path, &rows);
    assert_json(wv_json_get(rows->items[0], "_airbyte_data"), "{}");
    wv_json_free(rows);
    free(text);
    stor_zone_files_free(f, n);
    stor_zone_free(z);
}

/* stor_zone_free removes open files and leaves sealed ones. */
/* Streams whose directories nest cannot be overwritten: the publish would delete the other's
 * files (stream `users`, and namespace `users` with stream `x`); appends may share. */
static void test_overwrite_nested_prefixes(void **state)
{
    (void)state;
    struct stor_zone *z = zopen(NULL);
    struct wv_error err;
    assert_int_equal(add(z, NULL, "users", users_schema, NULL, WV_DEST_OVERWRITE, &err), 0);
    assert_int_equal(add(z, "users", "x", users_schema, NULL, WV_DEST_APPEND, &err), -1);
    assert_non_null(strstr(err.msg, "share the directory users"));
    assert_int_equal(add(z, NULL, "users_archive", users_schema, NULL, WV_DEST_OVERWRITE, &err),
                     0);
    assert_int_equal(add(z, "ns", "users", users_schema, NULL, WV_DEST_APPEND, &err), 0);
    assert_int_equal(add(z, "ns", "orders", users_schema, NULL, WV_DEST_APPEND, &err), 0);
    stor_zone_free(z);
}

static void test_free_removes_unsealed(void **state)
{
    (void)state;
    struct stor_zone *z = zopen(NULL);
    struct wv_error err;
    assert_int_equal(add(z, NULL, "a", users_schema, NULL, WV_DEST_APPEND, &err), 0);
    assert_int_equal(add(z, NULL, "b", users_schema, NULL, WV_DEST_APPEND, &err), 0);
    put(z, NULL, "a", "{\"id\":1}");
    struct stor_zone_file *f;
    size_t n;
    seal_take(z, &f, &n);
    assert_int_equal(n, 1);
    put(z, NULL, "a", "{\"id\":2}");
    put(z, NULL, "b", "{\"id\":3}");
    assert_int_equal(count_files(stage, ".tmp."), 2);
    stor_zone_free(z);
    assert_int_equal(count_files(stage, ".tmp."), 0);
    assert_int_equal(count_files(stage, ".parquet"), 1);
    assert_true(wv_fs_exists(f[0].stage_path));
    stor_zone_files_free(f, n);
    stor_zone_free(NULL);
}

/* Usage errors. */
static void test_errors(void **state)
{
    (void)state;
    struct wv_error err;
    wv_error_clear(&err);
    assert_null(stor_zone_open(stage, "a/b", T0, 0, 0, NULL, &err));
    assert_non_null(strstr(err.msg, "invalid run id"));
    wv_error_clear(&err);
    struct stor_zone_options bad = {.path_template = "{stream}/{nope}-{part}"};
    assert_null(stor_zone_open(stage, "RUN", T0, 0, 0, &bad, &err));
    assert_non_null(strstr(err.msg, "unknown variable {nope}"));
    struct stor_zone *z = zopen(NULL);
    assert_int_equal(add(z, NULL, "a", users_schema, NULL, WV_DEST_APPEND, &err), 0);
    assert_int_equal(add(z, "", "a", users_schema, NULL, WV_DEST_APPEND, &err), -1);
    assert_int_equal(err.code, WV_E_CONFLICT);
    assert_int_equal(add(z, NULL, "", users_schema, NULL, WV_DEST_APPEND, &err), -1);
    assert_int_equal(add(z, NULL, "..", users_schema, NULL, WV_DEST_APPEND, &err), -1);
    assert_non_null(strstr(err.msg, "path must stay relative"));
    assert_int_equal(add(z, "x/y", "a", users_schema, NULL, WV_DEST_APPEND, &err), -1);
    assert_int_equal(
        add(z, NULL, "m", "{\"properties\":{\"_airbyte_x\":{}}}", NULL, WV_DEST_APPEND, &err), -1);
    assert_int_equal(add(z, NULL, "m", "{\"properties\":{\"\":{}}}", NULL, WV_DEST_APPEND, &err),
                     -1);
    assert_non_null(strstr(err.msg, "empty name"));
    struct wv_json *arr = wv_test_json("[1]", "t");
    wv_error_clear(&err);
    assert_int_equal(stor_zone_write(z, NULL, "a", arr, &err), -1);
    assert_non_null(strstr(err.msg, "not an object"));
    wv_error_clear(&err);
    assert_int_equal(stor_zone_write(z, NULL, "zz", arr, &err), -1);
    assert_int_equal(err.code, WV_E_NOTFOUND);
    wv_json_free(arr);
    put(z, NULL, "a", "{\"id\":1}");
    stor_zone_free(z);
    /* the staging directory is not empty any more: another run may not use it */
    wv_error_clear(&err);
    char *junk = wv_path_join(stage, "junk");
    assert_int_equal(wv_fs_write_atomic(junk, "x", 1, 0644, &err), 0);
    free(junk);
    assert_null(stor_zone_open(stage, "RUN2", T0, 0, 0, NULL, &err));
    assert_int_equal(err.code, WV_E_CONFLICT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_basic, setup, teardown),
        cmocka_unit_test_setup_teardown(test_paths, setup, teardown),
        cmocka_unit_test_setup_teardown(test_partition_by_cursor, setup, teardown),
        cmocka_unit_test_setup_teardown(test_open_files_bound, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rolling_and_seal, setup, teardown),
        cmocka_unit_test_setup_teardown(test_flatten, setup, teardown),
        cmocka_unit_test_setup_teardown(test_no_properties, setup, teardown),
        cmocka_unit_test_setup_teardown(test_free_removes_unsealed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_overwrite_nested_prefixes, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
