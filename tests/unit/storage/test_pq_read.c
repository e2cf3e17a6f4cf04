/* test_pq_read.c - unit tests of weaver's Parquet reader (pq_read.c, pq_inspect.c): a file
 * written by the writer (dictionary and PLAIN chunks, nulls, several row groups, each codec)
 * described and its rows decoded exactly; the Thrift decoder's bounds; and corrupt files
 * (truncated, bad magic, huge footer length, data cut away, random byte flips) that must fail
 * with a clear message and never crash (the sanitizer build checks the "never crash"). */
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
#include "storage/pq_int.h"
#include "storage/storage.h"
#include "unit/testutil.h"

static char *dir;

/* Writes n rows of (id int64, s string optional, d double optional, b boolean, t timestamp,
 * day date optional) to path. */
static void write_file(const char *path, enum stor_pq_codec codec, bool dict, int n)
{
    struct stor_pq_column cols[] = {{"id", STOR_PQ_INT64, false},    {"s", STOR_PQ_STRING, true},
                                    {"d", STOR_PQ_DOUBLE, true},     {"b", STOR_PQ_BOOLEAN, false},
                                    {"t", STOR_PQ_TIMESTAMP, false}, {"day", STOR_PQ_DATE, true}};
    struct stor_pq_options opts = {
        .codec = codec, .row_group_bytes = 3000, .no_dictionary = !dict, .dictionary_bytes = 200};
    struct wv_error err;
    wv_error_clear(&err);
    struct stor_pq_writer *w = stor_pq_open(path, cols, 6, &opts, &err);
    assert_non_null(w);
    assert_int_equal(stor_pq_add_kv(w, "weaver.schema", "{}", &err), 0);
    for (int i = 0; i < n; i++) {
        char *line = wv_asprintf("{\"id\":%d,\"s\":%s,\"d\":%s,\"b\":%s,"
                                 "\"t\":\"2024-01-02T03:04:05.%06dZ\",\"day\":%s}",
                                 i - 3,
                                 i % 3   ? "\"v\\u00e9\\\"q\""
                                 : i % 2 ? "null"
                                         : "\"x\"",
                                 i % 4 ? "0.1" : "null", i % 2 ? "true" : "false", i,
                                 i == 1 ? "\"1969-12-31\"" : "null");
        struct wv_json *row = wv_json_parse(line, strlen(line), "t", &err);
        assert_non_null(row);
        assert_int_equal(stor_pq_write_object(w, row, &err), 0);
        wv_json_free(row);
        free(line);
    }
    assert_int_equal(stor_pq_close(w, &err), 0);
    stor_pq_free(w);
}

/* Runs inspect; returns its rc, the text in *text (caller frees) and the error in err. */
static int inspect(const char *path, int64_t rows, char **text, struct wv_error *err)
{
    struct wv_buf out = WV_BUF_INIT;
    wv_error_clear(err);
    int rc = stor_pq_inspect(path, rows, &out, err);
    *text = wv_strdup(out.data ? out.data : "");
    wv_buf_done(&out);
    return rc;
}

/* Description and rows of good files, for each codec, with and without dictionaries. */
static void test_inspect_good(void **state)
{
    (void)state;
    char *path = wv_path_join(dir, "good.parquet");
    static const enum stor_pq_codec codecs[] = {STOR_PQ_UNCOMPRESSED, STOR_PQ_SNAPPY, STOR_PQ_GZIP,
                                                STOR_PQ_ZSTD};
    for (size_t k = 0; k < 8; k++) {
        write_file(path, codecs[k % 4], k < 4, 300);
        char *text;
        struct wv_error err;
        assert_int_equal(inspect(path, 300, &text, &err), 0);
        assert_non_null(strstr(text, ": 300 rows, "));
        assert_non_null(strstr(text, "  t: timestamp required (INT64)\n"));
        assert_non_null(strstr(text, "  day: date optional (INT32)\n"));
        assert_non_null(strstr(text, "key-value metadata: weaver.schema\n"));
        assert_non_null(strstr(text, "row group 1: "));
        assert_non_null(strstr(text, k < 4 ? "PLAIN,RLE_DICTIONARY,RLE, dictionary page at"
                                           : "encodings PLAIN,RLE, null_count"));
        assert_non_null(strstr(text, "null_count 0, min \"2024-01-02T03:04:05.000000Z\""));
        assert_non_null(strstr(text,
                               "first 300 rows:\n{\"id\":-3,\"s\":\"x\",\"d\":null,\"b\":"
                               "false,\"t\":\"2024-01-02T03:04:05.000000Z\",\"day\":null}\n"
                               "{\"id\":-2,\"s\":\"v\xc3\xa9\\\"q\",\"d\":0.1,\"b\":true,"
                               "\"t\":\"2024-01-02T03:04:05.000001Z\",\"day\":\"1969-12-31\"}"));
        assert_non_null(strstr(text, "{\"id\":296,\"s\":\"v\xc3\xa9\\\"q\",\"d\":0.1,\"b\":true,"
                                     "\"t\":\"2024-01-02T03:04:05.000299Z\",\"day\":null}\n"));
        free(text);
        assert_int_equal(inspect(path, 0, &text, &err), 0);
        assert_null(strstr(text, "first"));
        free(text);
    }
    free(path);
}

/* Writes data to name in the test dir; returns the path (caller frees). */
static char *put_file(const char *name, const void *data, size_t n)
{
    char *path = wv_path_join(dir, name);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, n, f), n);
    fclose(f);
    return path;
}

/* Asserts that inspecting data fails with a message containing want (NULL: any message). */
static void assert_bad(const void *data, size_t n, const char *want)
{
    char *path = put_file("bad.parquet", data, n), *text;
    struct wv_error err;
    assert_int_equal(inspect(path, 10, &text, &err), -1);
    assert_true(wv_error_isset(&err));
    assert_non_null(strstr(err.msg, path));
    if (want && !strstr(err.msg, want))
        fail_msg("\"%s\" not in \"%s\"", want, err.msg);
    free(text);
    free(path);
}

/* Truncated files, bad magic, a huge footer length, data cut away. */
static void test_corrupt_files(void **state)
{
    (void)state;
    char *path = wv_path_join(dir, "src.parquet");
    write_file(path, STOR_PQ_ZSTD, true, 200);
    char *data = NULL;
    size_t len = 0;
    struct wv_error err;
    wv_error_clear(&err);
    assert_int_equal(wv_fs_read_all(path, 1 << 24, &data, &len, &err), 0);
    assert_bad(data, 5, "too short for a Parquet file");
    assert_bad(data, len - 1, "not a Parquet file (bad magic)");
    assert_bad(data, len / 2, "bad magic");
    char *copy = wv_malloc(len);
    memcpy(copy, data, len);
    copy[0] = 'X';
    assert_bad(copy, len, "not a Parquet file (bad magic)");
    memcpy(copy, data, len);
    memcpy(copy + len - 8, "\xff\xff\xff\x7f", 4);
    assert_bad(copy, len, "footer length 2147483647 exceeds file size");
    memcpy(copy + len - 8, "\x00\x00\x00\x00", 4); /* an empty footer */
    assert_bad(copy, len, "footer: truncated at byte 0");
    /* the footer kept, most of the data cut away: chunks point outside the file */
    uint32_t flen = (uint8_t)data[len - 8] | (uint32_t)(uint8_t)data[len - 7] << 8 |
                    (uint32_t)(uint8_t)data[len - 6] << 16;
    size_t keep = 100;
    memcpy(copy, data, keep);
    memcpy(copy + keep, data + len - 8 - flen, flen + 8);
    assert_bad(copy, keep + flen + 8, "lies outside the data");
    /* a footer cut short inside */
    memcpy(copy, data, len);
    size_t cut = flen / 2;
    memmove(copy + len - 8 - flen + cut, copy + len - 8, 8);
    copy[len - 8 - flen + cut] = (char)cut;
    copy[len - 8 - flen + cut + 1] = (char)(cut >> 8);
    copy[len - 8 - flen + cut + 2] = 0;
    assert_bad(copy, len - flen + cut, "footer: ");
    free(copy);
    free(data);
    free(path);
}

/* Random byte flips anywhere (footer, page headers, pages): an error or a description, never a
 * crash or a read out of bounds. */
static void test_byte_flips(void **state)
{
    (void)state;
    char *path = wv_path_join(dir, "src.parquet");
    for (int codec = 0; codec < 2; codec++) {
        write_file(path, codec ? STOR_PQ_SNAPPY : STOR_PQ_UNCOMPRESSED, true, 120);
        char *data = NULL;
        size_t len = 0;
        struct wv_error err;
        wv_error_clear(&err);
        assert_int_equal(wv_fs_read_all(path, 1 << 24, &data, &len, &err), 0);
        char *copy = wv_malloc(len);
        uint32_t seed = 12345;
        int failed = 0;
        for (int iter = 0; iter < 400; iter++) {
            memcpy(copy, data, len);
            for (int k = 0; k < 1 + iter % 4; k++) {
                seed = seed * 1103515245u + 12345u;
                size_t at = 4 + (seed >> 8) % (len - 12);
                seed = seed * 1103515245u + 12345u;
                copy[at] = (char)(seed >> 16);
            }
            char *p = put_file("flip.parquet", copy, len), *text;
            if (inspect(p, 200, &text, &err) < 0) {
                failed++;
                assert_true(wv_error_isset(&err));
                assert_non_null(strstr(err.msg, p));
            }
            free(text);
            free(p);
        }
        assert_true(failed > 0);
        free(copy);
        free(data);
    }
    free(path);
}

/* The Thrift decoder on its own: varints, lists and strings past the end, deep nesting. */
static void test_thrift_bounds(void **state)
{
    (void)state;
    struct pq_tr tr;
    struct wv_error err;
    wv_error_clear(&err);
    static const uint8_t long_varint[] = {0x80, 0x80, 0x80, 0x80, 0x80, 0x80,
                                          0x80, 0x80, 0x80, 0x80, 0x80, 0x01};
    stor_pq_tr_init(&tr, long_varint, sizeof long_varint, "t", &err);
    stor_pq_tr_i64(&tr);
    assert_true(tr.failed);
    assert_string_equal(err.msg, "t: varint too long at byte 10");
    static const uint8_t zz[] = {0x03, 0xfe, 0xff, 0xff, 0xff, 0x0f};
    stor_pq_tr_init(&tr, zz, sizeof zz, "t", NULL);
    assert_int_equal(stor_pq_tr_i32(&tr), -2);
    assert_int_equal(stor_pq_tr_i32(&tr), INT32_MAX);
    assert_false(tr.failed);
    static const uint8_t bin[] = {0x05, 'a', 'b'};
    size_t n;
    stor_pq_tr_init(&tr, bin, sizeof bin, "t", NULL);
    assert_null(stor_pq_tr_binary(&tr, &n));
    assert_true(tr.failed);
    static const uint8_t list[] = {0xf5, 0xff, 0xff, 0x03, 0x02};
    int elem;
    stor_pq_tr_init(&tr, list, sizeof list, "t", NULL);
    assert_int_equal(stor_pq_tr_list(&tr, &elem), 0);
    assert_true(tr.failed);
    uint8_t deep[200];
    memset(deep, 0x1c, sizeof deep); /* struct field, delta 1, nested 200 deep */
    wv_error_clear(&err);
    stor_pq_tr_init(&tr, deep, sizeof deep, "t", &err);
    assert_int_equal(stor_pq_tr_skip(&tr, PQ_CT_STRUCT, false), -1);
    assert_non_null(strstr(err.msg, "nesting too deep"));
    static const uint8_t fields[] = {0x15, 0x04, 0x04, 0x14, 0x06, 0x00};
    stor_pq_tr_init(&tr, fields, sizeof fields, "t", NULL);
    int16_t last = 0, id;
    int t;
    assert_int_equal(stor_pq_tr_field(&tr, &last, &id, &t), 1);
    assert_int_equal(id, 1);
    assert_int_equal(t, PQ_CT_I32);
    assert_int_equal(stor_pq_tr_i32(&tr), 2);
    assert_int_equal(stor_pq_tr_field(&tr, &last, &id, &t), 1); /* long form: id 10 */
    assert_int_equal(id, 10);
    assert_int_equal(stor_pq_tr_skip(&tr, t, false), 0);
    assert_int_equal(stor_pq_tr_field(&tr, &last, &id, &t), 0);
    assert_false(tr.failed);
}

/* A missing file. */
static void test_missing(void **state)
{
    (void)state;
    char *text;
    struct wv_error err;
    assert_int_equal(inspect("/nonexistent/x.parquet", 5, &text, &err), -1);
    assert_non_null(strstr(err.msg, "/nonexistent/x.parquet: open"));
    free(text);
}

/* Temp dir per run. */
static int setup(void **state)
{
    (void)state;
    dir = wv_test_tmpdir("pqread");
    return dir ? 0 : -1;
}
static int teardown(void **state)
{
    (void)state;
    struct wv_error err;
    wv_error_clear(&err);
    int rc = wv_fs_rmtree(dir, &err);
    free(dir);
    return rc;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_inspect_good), cmocka_unit_test(test_corrupt_files),
        cmocka_unit_test(test_byte_flips),   cmocka_unit_test(test_thrift_bounds),
        cmocka_unit_test(test_missing),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
