/* test_pq_schema.c - unit tests of Parquet columns from an Airbyte stream's JSON schema
 * (pq_schema.c: type mapping, unions, required, meta columns, collisions) and of the writer's
 * _airbyte_meta.changes fallback for values that do not fit (checked by reading the file back
 * with stor_pq_inspect). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base/fs.h"
#include "base/json.h"
#include "base/mem.h"
#include "storage/storage.h"
#include "unit/testutil.h"

/* Parses text (test helper). */
static struct wv_json *parse(const char *text)
{
    return wv_test_json(text, "t");
}

/* Every mapping of issue 4 item 2, with and without meta columns. */
static void test_mapping(void **state)
{
    (void)state;
    struct wv_json *s =
        parse("{\"type\":\"object\",\"required\":[\"id\",\"r\"],\"properties\":{"
              "\"id\":{\"type\":\"integer\"},\"n\":{\"type\":[\"null\",\"number\"]},"
              "\"b\":{\"type\":\"boolean\"},\"s\":{\"type\":\"string\"},"
              "\"t\":{\"type\":[\"string\",\"null\"],\"format\":\"date-time\"},"
              "\"tl\":{\"type\":\"string\",\"format\":\"date-time\","
              "\"airbyte_type\":\"timestamp_without_timezone\"},"
              "\"d\":{\"type\":\"string\",\"format\":\"date\"},\"o\":{\"type\":\"object\"},"
              "\"a\":{\"type\":[\"null\",\"array\"]},\"u\":{\"type\":[\"string\",\"integer\"]},"
              "\"x\":{},\"r\":{\"type\":[\"null\",\"integer\"]},\"z\":{\"type\":\"null\"}}}");
    static const struct {
        const char *name;
        enum stor_pq_type type;
        bool optional;
    } want[] = {{"_airbyte_raw_id", STOR_PQ_STRING, false},
                {"_airbyte_extracted_at", STOR_PQ_TIMESTAMP, false},
                {"_airbyte_meta", STOR_PQ_JSON, false},
                {"_airbyte_generation_id", STOR_PQ_INT64, true},
                {"id", STOR_PQ_INT64, false},
                {"n", STOR_PQ_DOUBLE, true},
                {"b", STOR_PQ_BOOLEAN, true},
                {"s", STOR_PQ_STRING, true},
                {"t", STOR_PQ_TIMESTAMP, true},
                {"tl", STOR_PQ_STRING, true},
                {"d", STOR_PQ_DATE, true},
                {"o", STOR_PQ_JSON, true},
                {"a", STOR_PQ_JSON, true},
                {"u", STOR_PQ_JSON, true},
                {"x", STOR_PQ_JSON, true},
                {"r", STOR_PQ_INT64, true},
                {"z", STOR_PQ_JSON, true}};
    struct stor_pq_column *cols;
    size_t n;
    struct wv_error err;
    wv_error_clear(&err);
    assert_int_equal(stor_pq_columns_from_json_schema(s, true, &cols, &n, &err), 0);
    assert_int_equal(n, sizeof want / sizeof want[0]);
    for (size_t i = 0; i < n; i++) {
        assert_string_equal(cols[i].name, want[i].name);
        assert_int_equal(cols[i].type, want[i].type);
        assert_int_equal(cols[i].optional, want[i].optional);
    }
    stor_pq_columns_free(cols, n);
    assert_int_equal(stor_pq_columns_from_json_schema(s, false, &cols, &n, &err), 0);
    assert_int_equal(n, sizeof want / sizeof want[0] - 4);
    assert_string_equal(cols[0].name, "id");
    stor_pq_columns_free(cols, n);
    wv_json_free(s);

    s = parse("{\"type\":\"object\",\"properties\":{\"_airbyte_raw_id\":{\"type\":\"string\"}}}");
    assert_int_equal(stor_pq_columns_from_json_schema(s, true, &cols, &n, &err), -1);
    assert_non_null(strstr(err.msg, "\"_airbyte_raw_id\" collides"));
    assert_null(cols);
    wv_json_free(s);
    s = parse("{\"type\":\"object\"}");
    wv_error_clear(&err);
    assert_int_equal(stor_pq_columns_from_json_schema(s, true, &cols, &n, &err), -1);
    assert_non_null(strstr(err.msg, "\"properties\" must be an object"));
    wv_json_free(s);
    stor_pq_columns_free(NULL, 0);
}

/* Misfits become null and are recorded in _airbyte_meta.changes; without the option they fail
 * the row as before, and a required column never takes the fallback. */
static void test_changes(void **state)
{
    (void)state;
    char *dir = wv_test_tmpdir("pqschema");
    assert_non_null(dir);
    char *path = wv_path_join(dir, "c.parquet");
    struct stor_pq_column cols[] = {{"_airbyte_meta", STOR_PQ_JSON, false},
                                    {"id", STOR_PQ_INT64, false},
                                    {"n", STOR_PQ_INT64, true},
                                    {"t", STOR_PQ_TIMESTAMP, true}};
    struct stor_pq_options opts = {.airbyte_changes = true};
    struct wv_error err;
    wv_error_clear(&err);
    struct stor_pq_writer *w = stor_pq_open(path, cols, 4, &opts, &err);
    assert_non_null(w);
    static const char *const rows[] = {
        "{\"_airbyte_meta\":{\"changes\":[],\"sync_id\":3},\"id\":1,\"n\":\"x\",\"t\":\"bad\"}",
        "{\"_airbyte_meta\":null,\"id\":2,\"n\":1.5}", "{\"_airbyte_meta\":{},\"id\":3,\"n\":4}"};
    for (size_t i = 0; i < 3; i++) {
        struct wv_json *r = parse(rows[i]);
        assert_int_equal(stor_pq_write_object(w, r, &err), 0);
        wv_json_free(r);
    }
    struct wv_json *r = parse("{\"_airbyte_meta\":{},\"id\":\"four\"}");
    assert_int_equal(stor_pq_write_object(w, r, &err), -1); /* required: still an error */
    assert_non_null(strstr(err.msg, "column \"id\", row 4"));
    wv_json_free(r);
    wv_error_clear(&err);
    assert_int_equal(stor_pq_close(w, &err), 0);
    stor_pq_free(w);
    struct wv_buf out = WV_BUF_INIT;
    assert_int_equal(stor_pq_inspect(path, 5, &out, &err), 0);
    const char *nulled = "\"change\":\"NULLED\",\"reason\":\"DESTINATION_SERIALIZATION_ERROR\"}";
    char *row1 = wv_asprintf("{\"_airbyte_meta\":{\"changes\":[{\"field\":\"n\",%s,{\"field\":"
                             "\"t\",%s],\"sync_id\":3},\"id\":1,\"n\":null,\"t\":null}\n",
                             nulled, nulled);
    char *row2 = wv_asprintf("{\"_airbyte_meta\":{\"changes\":[{\"field\":\"n\",%s]},\"id\":2,"
                             "\"n\":null,\"t\":null}\n{\"_airbyte_meta\":{},\"id\":3,\"n\":4,"
                             "\"t\":null}\n",
                             nulled);
    assert_non_null(strstr(out.data, row1));
    assert_non_null(strstr(out.data, row2));
    free(row1);
    free(row2);
    wv_buf_done(&out);
    /* without the option: an error, as before */
    w = stor_pq_open(path, cols, 4, NULL, &err);
    r = parse(rows[0]);
    assert_int_equal(stor_pq_write_object(w, r, &err), -1);
    assert_non_null(strstr(err.msg, "column \"n\", row 1"));
    wv_json_free(r);
    stor_pq_free(w);
    free(path);
    assert_int_equal(wv_fs_rmtree(dir, &err), 0);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mapping),
        cmocka_unit_test(test_changes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
