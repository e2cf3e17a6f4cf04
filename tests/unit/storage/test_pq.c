/* test_pq.c - unit tests of weaver's Parquet writer: Thrift compact protocol bytes (varints,
 * zigzag, field deltas, lists, nested structs, a page header), the RLE/bit-packed hybrid
 * (including the Encodings.md example and 32-bit dictionary indices), the chunk dictionary,
 * RFC 3339 parsing, and a small file's layout (magic, footer length, temp file handling, bad
 * values). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "base/fs.h"
#include "base/json.h"
#include "storage/pq_int.h"
#include "storage/pq_write_int.h"
#include "storage/storage.h"
#include "unit/testutil.h"

/* Asserts that buf holds exactly the n bytes of want. */
static void assert_bytes(const struct wv_buf *buf, const uint8_t *want, size_t n)
{
    assert_int_equal(buf->len, n);
    assert_memory_equal(buf->data, want, n);
}

#define ASSERT_BYTES(buf, ...)                                                                     \
    do {                                                                                           \
        static const uint8_t want_[] = {__VA_ARGS__};                                              \
        assert_bytes((buf), want_, sizeof want_);                                                  \
    } while (0)

/* Unsigned varints and zigzag i32/i64. */
static void test_varint_zigzag(void **state)
{
    (void)state;
    struct wv_buf b = WV_BUF_INIT;
    struct pq_tw tw;
    stor_pq_tw_init(&tw, &b);
    stor_pq_tw_varint(&tw, 0);
    stor_pq_tw_varint(&tw, 127);
    stor_pq_tw_varint(&tw, 128);
    stor_pq_tw_varint(&tw, 300);
    ASSERT_BYTES(&b, 0x00, 0x7f, 0x80, 0x01, 0xac, 0x02);
    wv_buf_reset(&b);
    stor_pq_tw_i32(&tw, 0);
    stor_pq_tw_i32(&tw, -1);
    stor_pq_tw_i32(&tw, 1);
    stor_pq_tw_i32(&tw, -2);
    stor_pq_tw_i32(&tw, INT32_MAX);
    stor_pq_tw_i32(&tw, INT32_MIN);
    ASSERT_BYTES(&b, 0x00, 0x01, 0x02, 0x03, 0xfe, 0xff, 0xff, 0xff, 0x0f, 0xff, 0xff, 0xff, 0xff,
                 0x0f);
    wv_buf_reset(&b);
    stor_pq_tw_i64(&tw, INT64_MIN);
    stor_pq_tw_i64(&tw, 64);
    ASSERT_BYTES(&b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01, 0x80, 0x01);
    assert_false(tw.failed);
    wv_buf_done(&b);
}

/* Short and long field headers, bools, binaries and the stop byte. */
static void test_field_deltas(void **state)
{
    (void)state;
    struct wv_buf b = WV_BUF_INIT;
    struct pq_tw tw;
    stor_pq_tw_init(&tw, &b);
    stor_pq_tw_field_i32(&tw, 1, 5);      /* delta 1, i32 */
    stor_pq_tw_field_i32(&tw, 3, 1);      /* delta 2 */
    stor_pq_tw_field_i64(&tw, 20, -1);    /* delta 17: long form, zigzag id 40 */
    stor_pq_tw_field_i32(&tw, 2, 0);      /* backwards: long form */
    stor_pq_tw_field_bool(&tw, 3, true);  /* delta 1, type TRUE */
    stor_pq_tw_field_bool(&tw, 4, false); /* type FALSE */
    stor_pq_tw_field_string(&tw, 5, "ab");
    stor_pq_tw_struct_end(&tw);
    ASSERT_BYTES(&b, 0x15, 0x0a, 0x25, 0x02, 0x06, 0x28, 0x01, 0x05, 0x04, 0x00, 0x11, 0x12, 0x18,
                 0x02, 'a', 'b', 0x00);
    wv_buf_done(&b);
}

/* List headers (short and long) and nested structs restoring the outer field id. */
static void test_lists_structs(void **state)
{
    (void)state;
    struct wv_buf b = WV_BUF_INIT;
    struct pq_tw tw;
    stor_pq_tw_init(&tw, &b);
    stor_pq_tw_field_list(&tw, 2, PQ_CT_I32, 3);
    stor_pq_tw_i32(&tw, 0);
    stor_pq_tw_i32(&tw, 3);
    stor_pq_tw_i32(&tw, -3);
    ASSERT_BYTES(&b, 0x29, 0x35, 0x00, 0x06, 0x05);
    wv_buf_reset(&b);
    stor_pq_tw_field_list(&tw, 3, PQ_CT_BINARY, 20);
    ASSERT_BYTES(&b, 0x19, 0xf8, 0x14);
    wv_buf_reset(&b);
    stor_pq_tw_struct_begin(&tw, 5);  /* delta 2 from 3, struct */
    stor_pq_tw_field_i32(&tw, 1, 7);  /* inner ids start again at 0 */
    stor_pq_tw_struct_begin(&tw, -1); /* a list element: no header */
    stor_pq_tw_field_i32(&tw, 4, 1);
    stor_pq_tw_struct_end(&tw);
    stor_pq_tw_struct_end(&tw);
    stor_pq_tw_field_i32(&tw, 6, 1); /* outer continues from 5 */
    ASSERT_BYTES(&b, 0x2c, 0x15, 0x0e, 0x45, 0x02, 0x00, 0x00, 0x15, 0x02);
    assert_int_equal(tw.depth, 0);
    wv_buf_done(&b);
}

/* A whole PageHeader with its DataPageHeader. */
static void test_page_header(void **state)
{
    (void)state;
    struct wv_buf b = WV_BUF_INIT;
    struct pq_page_header h = {PQ_PAGE_DATA, 100, 50, 10, PQ_ENC_PLAIN, PQ_ENC_RLE};
    assert_int_equal(stor_pq_thrift_page_header(&b, &h, NULL), 0);
    ASSERT_BYTES(&b, 0x15, 0x00, 0x15, 0xc8, 0x01, 0x15, 0x64, 0x2c, 0x15, 0x14, 0x15, 0x00, 0x15,
                 0x06, 0x15, 0x06, 0x00, 0x00);
    wv_buf_done(&b);
}

/* RLE runs, bit-packed groups, and the Encodings.md example (0..7 at width 3). */
static void test_rle_hybrid(void **state)
{
    (void)state;
    struct wv_buf b = WV_BUF_INIT;
    static const uint8_t ones[10] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1};
    assert_int_equal(stor_pq_rle_encode(&b, ones, 10, 1, NULL), 0);
    ASSERT_BYTES(&b, 0x14, 0x01);
    wv_buf_reset(&b);
    static const uint8_t alt[8] = {1, 0, 1, 0, 1, 0, 1, 0};
    assert_int_equal(stor_pq_rle_encode(&b, alt, 8, 1, NULL), 0);
    ASSERT_BYTES(&b, 0x03, 0x55);
    wv_buf_reset(&b);
    static const uint8_t seq[8] = {0, 1, 2, 3, 4, 5, 6, 7};
    assert_int_equal(stor_pq_rle_encode(&b, seq, 8, 3, NULL), 0);
    ASSERT_BYTES(&b, 0x03, 0x88, 0xc6, 0xfa);
    wv_buf_reset(&b);
    static const uint8_t run_then_tail[11] = {1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0};
    assert_int_equal(stor_pq_rle_encode(&b, run_then_tail, 11, 1, NULL), 0);
    ASSERT_BYTES(&b, 0x10, 0x01, 0x03, 0x00);
    wv_buf_reset(&b);
    static const uint8_t short_then_run[14] = {0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1};
    assert_int_equal(stor_pq_rle_encode(&b, short_then_run, 14, 1, NULL), 0);
    ASSERT_BYTES(&b, 0x05, 0xe0, 0x3f);
    wv_buf_reset(&b);
    uint8_t mixed[24] = {1, 0, 1, 1, 0, 0, 1, 0};
    for (int i = 8; i < 24; i++)
        mixed[i] = 1; /* a group boundary starts a long run: bit-packing stops there */
    assert_int_equal(stor_pq_rle_encode(&b, mixed, 24, 1, NULL), 0);
    ASSERT_BYTES(&b, 0x03, 0x4d, 0x20, 0x01);
    assert_int_equal(stor_pq_rle_encode(&b, mixed, 1, 0, NULL), -1);
    wv_buf_done(&b);
}

/* 32-bit hybrid encoding of dictionary indices: RLE value width, wide bit-packing, widths. */
static void test_rle32_and_dict(void **state)
{
    (void)state;
    struct wv_buf b = WV_BUF_INIT;
    uint32_t run[9] = {300, 300, 300, 300, 300, 300, 300, 300, 300};
    assert_int_equal(stor_pq_rle_encode32(&b, run, 9, 9, NULL), 0);
    ASSERT_BYTES(&b, 0x12, 0x2c, 0x01); /* 9 << 1, value in 2 bytes little-endian */
    wv_buf_reset(&b);
    uint32_t seq[3] = {1, 0, 0x1ff};
    assert_int_equal(stor_pq_rle_encode32(&b, seq, 3, 9, NULL), 0);
    /* one group of 8 at width 9: 9 bytes, 1 | 0 << 9 | 0x1ff << 18 */
    ASSERT_BYTES(&b, 0x03, 0x01, 0x00, 0xfc, 0x07, 0x00, 0x00, 0x00, 0x00, 0x00);
    assert_int_equal(stor_pq_rle_encode32(&b, seq, 3, 33, NULL), -1);
    assert_int_equal(stor_pq_bit_width(0), 1);
    assert_int_equal(stor_pq_bit_width(1), 1);
    assert_int_equal(stor_pq_bit_width(2), 2);
    assert_int_equal(stor_pq_bit_width(255), 8);
    assert_int_equal(stor_pq_bit_width(256), 9);
    assert_int_equal(stor_pq_bit_width(UINT32_MAX), 32);
    wv_buf_done(&b);

    struct pq_dict d;
    stor_pq_dict_init(&d, true);
    char key[16];
    for (int i = 0; i < 5000; i++) { /* grows the hash table several times */
        int n = snprintf(key, sizeof key, "k%d", i);
        assert_int_equal(stor_pq_dict_find(&d, key, (size_t)n), -1);
        assert_int_equal(stor_pq_dict_add(&d, key, (size_t)n), (uint32_t)i);
    }
    assert_int_equal(stor_pq_dict_find(&d, "k4321", 5), 4321);
    assert_int_equal(stor_pq_dict_find(&d, "", 0), -1);
    assert_int_equal(stor_pq_dict_add(&d, "", 0), 5000);
    assert_int_equal(stor_pq_dict_find(&d, "", 0), 5000);
    assert_memory_equal(d.plain.data, "\x02\x00\x00\x00k0\x02\x00\x00\x00k1", 12);
    assert_int_equal(stor_pq_dict_size_with(&d, 3), d.plain.len + 7);
    stor_pq_dict_reset(&d);
    assert_int_equal(stor_pq_dict_find(&d, "k1", 2), -1);
    assert_int_equal(stor_pq_dict_add(&d, "k1", 2), 0);
    stor_pq_dict_done(&d);
    stor_pq_dict_init(&d, false);
    assert_int_equal(stor_pq_dict_add(&d, "\x01\x00\x00\x00\x00\x00\x00\x00", 8), 0);
    assert_int_equal(d.plain.len, 8);
    stor_pq_dict_done(&d);
}

/* RFC 3339 timestamps to UTC microseconds and dates to days. */
static void test_time_parsing(void **state)
{
    (void)state;
    int64_t us = 0;
    assert_int_equal(stor_pq_parse_timestamp_us("1970-01-01T00:00:00Z", 20, &us), 0);
    assert_int_equal(us, 0);
    const char *t = "2024-01-02T03:04:05.123456789+02:00";
    assert_int_equal(stor_pq_parse_timestamp_us(t, strlen(t), &us), 0);
    assert_int_equal(us, INT64_C(1704157445123456));
    t = "1969-12-31 23:59:59.5-00:30";
    assert_int_equal(stor_pq_parse_timestamp_us(t, strlen(t), &us), 0);
    assert_int_equal(us, INT64_C(1799500000));
    static const char *const bad[] = {
        "2024-01-02T03:04:05",  "2024-02-30T00:00:00Z",     "2023-02-29T00:00:00Z",
        "2024-01-02T24:00:00Z", "2024-01-02T03:04:05.Z",    "2024-01-02T03:04:05Zx",
        "2024-1-02T03:04:05Z",  "2024-01-02T03:04:05+0200", ""};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(stor_pq_parse_timestamp_us(bad[i], strlen(bad[i]), &us), -1);
    int32_t d = 0;
    assert_int_equal(stor_pq_parse_date("2024-02-29", 10, &d), 0);
    assert_int_equal(d, 19782);
    assert_int_equal(stor_pq_parse_date("0001-01-01", 10, &d), 0);
    assert_int_equal(d, -719162);
    assert_int_equal(stor_pq_parse_date("2024-02-29T", 11, &d), -1);
    /* the date cache: a hit gives what a fresh parse gives; the rest is still checked */
    struct pq_date_cache cache = {0};
    static const char *const seq[] = {"2024-01-02T03:04:05.123456789+02:00",
                                      "2024-01-02T23:59:59Z",
                                      "2024-01-02 00:00:00-14:00",
                                      "2024-01-03T00:00:00Z",
                                      "2024-01-02T03:04:05.1Z",
                                      "0001-01-01T00:00:00Z"};
    for (size_t i = 0; i < sizeof seq / sizeof seq[0]; i++) {
        int64_t fresh = 0;
        assert_int_equal(stor_pq_parse_timestamp_us(seq[i], strlen(seq[i]), &fresh), 0);
        assert_int_equal(stor_pq_parse_timestamp_cached(seq[i], strlen(seq[i]), &cache, &us), 0);
        assert_int_equal(us, fresh);
    }
    t = "0001-01-01T25:00:00Z";
    assert_int_equal(stor_pq_parse_timestamp_cached(t, strlen(t), &cache, &us), -1);
    assert_int_equal(stor_pq_parse_timestamp_cached("0001-01-01", 10, &cache, &us), -1);
    t = "2024-02-30T00:00:00Z"; /* a bad date is never cached */
    assert_int_equal(stor_pq_parse_timestamp_cached(t, strlen(t), &cache, &us), -1);
    assert_int_equal(stor_pq_parse_timestamp_cached(t, strlen(t), &cache, &us), -1);
}

/* Reads a whole file into a buffer (test helper). */
static char *slurp(const char *path, size_t *len)
{
    char *data = NULL;
    struct wv_error err;
    wv_error_clear(&err);
    assert_int_equal(wv_fs_read_all(path, 1 << 24, &data, len, &err), 0);
    return data;
}

/* A small file: magic at both ends, footer length, temp file renamed; bad values refused. */
static void test_small_file(void **state)
{
    (void)state;
    char *dir = wv_test_tmpdir("pq");
    assert_non_null(dir);
    char *path = wv_path_join(dir, "t.parquet");
    struct stor_pq_column cols[] = {{"id", STOR_PQ_INT64, false}, {"s", STOR_PQ_STRING, true}};
    struct stor_pq_options opts = {.codec = STOR_PQ_ZSTD};
    struct wv_error err;
    wv_error_clear(&err);
    struct stor_pq_writer *w = stor_pq_open(path, cols, 2, &opts, &err);
    assert_non_null(w);
    assert_int_equal(stor_pq_add_kv(w, "k", "v", &err), 0);
    struct wv_json *row = NULL;
    const char *lines[] = {"{\"id\":1,\"s\":\"a\"}", "{\"id\":2}", "{\"id\":3,\"s\":null}"};
    for (size_t i = 0; i < 3; i++) {
        row = wv_json_parse(lines[i], strlen(lines[i]), "t", &err);
        assert_int_equal(stor_pq_write_object(w, row, &err), 0);
        wv_json_free(row);
    }
    row = wv_json_parse("{\"id\":1.5,\"s\":\"x\"}", 18, "t", &err);
    assert_int_equal(stor_pq_write_object(w, row, &err), -1);
    assert_int_equal(err.code, WV_E_PARSE);
    assert_non_null(strstr(err.msg, "column \"id\", row 4"));
    wv_json_free(row);
    struct wv_json *bad_utf8 = wv_json_strn("\xff", 1), *one = wv_json_int(4);
    const struct wv_json *vals[] = {one, bad_utf8};
    wv_error_clear(&err);
    assert_int_equal(stor_pq_write_row(w, vals, 2, &err), -1);
    assert_non_null(strstr(err.msg, "column \"s\", row 4: not a valid string (invalid UTF-8)"));
    wv_json_free(bad_utf8);
    wv_json_free(one);
    assert_int_equal(stor_pq_rows(w), 3);
    char *tmp = wv_asprintf("%s.tmp.%ld", path, (long)getpid());
    assert_true(wv_fs_exists(tmp));
    assert_false(wv_fs_exists(path));
    wv_error_clear(&err);
    assert_int_equal(stor_pq_close(w, &err), 0);
    assert_false(wv_fs_exists(tmp));
    size_t len = 0;
    char *data = slurp(path, &len);
    assert_true(len > 12);
    assert_memory_equal(data, "PAR1", 4);
    assert_memory_equal(data + len - 4, "PAR1", 4);
    const uint8_t *f = (const uint8_t *)data + len - 8;
    size_t flen = f[0] | (size_t)f[1] << 8 | (size_t)f[2] << 16 | (size_t)f[3] << 24;
    assert_true(flen > 0 && flen < len - 12);
    const uint8_t *footer = (const uint8_t *)data + len - 8 - flen;
    assert_int_equal(footer[0], 0x15); /* FileMetaData.version = 1 */
    assert_int_equal(footer[1], 0x02);
    assert_non_null(memmem(footer, flen, "weaver version", 14));
    assert_non_null(memmem(footer, flen, "schema", 6));
    free(data);
    stor_pq_free(w);
    /* an unclosed writer leaves nothing behind */
    w = stor_pq_open(path, cols, 2, NULL, &err);
    assert_non_null(w);
    assert_true(wv_fs_exists(tmp));
    stor_pq_free(w);
    assert_false(wv_fs_exists(tmp));
    free(tmp);
    free(path);
    assert_int_equal(wv_fs_rmtree(dir, &err), 0);
    free(dir);
}

/* stor_pq_bytes: the header at first, growing with buffered rows (uncompressed: the PLAIN
 * bytes), near the data size before close (zstd, several row groups), the file size after. */
static void test_bytes_estimate(void **state)
{
    (void)state;
    char *dir = wv_test_tmpdir("pq");
    assert_non_null(dir);
    char *path = wv_path_join(dir, "b.parquet");
    struct stor_pq_column cols[] = {{"id", STOR_PQ_INT64, false}, {"s", STOR_PQ_STRING, true}};
    struct wv_error err;
    wv_error_clear(&err);
    for (int pass = 0; pass < 2; pass++) {
        struct stor_pq_options opts = {.codec = pass ? STOR_PQ_ZSTD : STOR_PQ_UNCOMPRESSED,
                                       .no_dictionary = pass == 0,
                                       .row_group_bytes = pass ? 20000 : 0};
        struct stor_pq_writer *w = stor_pq_open(path, cols, 2, &opts, &err);
        assert_non_null(w);
        assert_int_equal(stor_pq_bytes(w), 4); /* "PAR1" */
        int64_t last = 4;
        for (int i = 0; i < 5000; i++) {
            struct wv_json *id = wv_json_int(i);
            char text[32];
            snprintf(text, sizeof text, "value-%d", i % 700);
            struct wv_json *str = wv_json_str(text);
            const struct wv_json *vals[] = {id, str};
            assert_int_equal(stor_pq_write_row(w, vals, 2, &err), 0);
            wv_json_free(id);
            wv_json_free(str);
            int64_t now = stor_pq_bytes(w);
            if (pass == 0) /* PLAIN, uncompressed: 8 + 4 + len + a level bit per row */
                assert_true(now > last);
            if (pass == 0 && i == 99)
                assert_int_equal(now, 4 + 100 * 8 + 100 * 4 + 10 * 7 + 90 * 8 + 100 / 8);
            last = now;
        }
        if (pass == 1)
            assert_true(stor_pq_row_groups(w) > 1);
        int64_t before_close = stor_pq_bytes(w);
        assert_int_equal(stor_pq_close(w, &err), 0);
        size_t len = 0;
        char *data = slurp(path, &len);
        const uint8_t *f = (const uint8_t *)data + len - 8;
        int64_t flen = f[0] | (int64_t)f[1] << 8 | (int64_t)f[2] << 16 | (int64_t)f[3] << 24;
        assert_int_equal(stor_pq_bytes(w), (int64_t)len); /* closed: footer included */
        /* the estimate before close is near the data size (pages compress alike) */
        assert_true(before_close > ((int64_t)len - 8 - flen) / 2);
        assert_true(before_close < ((int64_t)len - 8 - flen) * 2);
        free(data);
        stor_pq_free(w);
    }
    free(path);
    assert_int_equal(wv_fs_rmtree(dir, &err), 0);
    free(dir);
}

/* Value conversion fast paths: doubles exactly as strtod rounds them, int64 edges, and UTF-8
 * validation past the 8-byte ASCII check. */
static void test_convert_fast_paths(void **state)
{
    (void)state;
    char *dir = wv_test_tmpdir("pq");
    assert_non_null(dir);
    char *path = wv_path_join(dir, "c.parquet");
    struct stor_pq_column cols[] = {
        {"d", STOR_PQ_DOUBLE, true}, {"i", STOR_PQ_INT64, true}, {"s", STOR_PQ_STRING, true}};
    struct wv_error err;
    wv_error_clear(&err);
    struct stor_pq_writer *w = stor_pq_open(path, cols, 3, NULL, &err);
    assert_non_null(w);
    struct pq_val v;
    static const char *const dbl[] = {"0",
                                      "-0",
                                      "-0.0",
                                      "0.1",
                                      "1.5",
                                      "-2.25",
                                      "1113.31",
                                      "4.35",
                                      "1e22",
                                      "1e23",
                                      "1e-22",
                                      "1e-23",
                                      "9007199254740993",
                                      "9007199254740992",
                                      "123456789012345678",
                                      "0.000123",
                                      "5e-324",
                                      "2.2250738585072014e-308",
                                      "1.7976931348623157e308",
                                      "0.24489185380347622",
                                      "100000000000000000000000",
                                      "3.141592653589793",
                                      "12345678901234567890.5",
                                      "7E+3"};
    for (size_t k = 0; k < sizeof dbl / sizeof dbl[0]; k++) {
        struct wv_json *j = wv_json_parse(dbl[k], strlen(dbl[k]), "t", &err);
        assert_non_null(j);
        assert_int_equal(stor_pq_convert(w, &w->cols[0], j, &v, &err), 0);
        double want = strtod(dbl[k], NULL);
        if (memcmp(&v.d, &want, 8) != 0)
            fail_msg("%s: got %.17g, want %.17g", dbl[k], v.d, want);
        wv_json_free(j);
    }
    static const struct {
        const char *text;
        long long want;
        int rc;
    } ints[] = {{"0", 0, 0},
                {"-0", 0, 0},
                {"999999999999999999", 999999999999999999LL, 0},
                {"-999999999999999999", -999999999999999999LL, 0},
                {"9223372036854775807", INT64_MAX, 0},
                {"-9223372036854775808", INT64_MIN, 0},
                {"9223372036854775808", 0, -1},
                {"1.0", 1, 0},
                {"1e3", 1000, 0},
                {"1.5", 0, -1}};
    for (size_t k = 0; k < sizeof ints / sizeof ints[0]; k++) {
        struct wv_json *j = wv_json_parse(ints[k].text, strlen(ints[k].text), "t", &err);
        wv_error_clear(&err);
        assert_int_equal(stor_pq_convert(w, &w->cols[1], j, &v, &err), ints[k].rc);
        if (ints[k].rc == 0 && v.i != ints[k].want)
            fail_msg("%s: got %lld", ints[k].text, (long long)v.i);
        wv_json_free(j);
    }
    static const struct {
        const char *s;
        size_t n;
        int rc;
    } strs[] = {{"", 0, 0},
                {"plain ascii text", 16, 0},
                {"12345678\xff", 9, -1},              /* past the first word */
                {"1234567890\xc3", 11, -1},           /* truncated sequence at the end */
                {"h\xc3\xa9llo w\xc3\xb6rld", 13, 0}, /* é, ö */
                {"\xf0\x9f\x8e\x89 party", 10, 0},    /* U+1F389 */
                {"\xed\xa0\x80 surrogate", 13, -1},
                {"\xc0\x80 overlong", 11, -1},
                {"\xf4\x90\x80\x80 > U+10FFFF", 15, -1},
                {"tab\tand\0nul inside", 18, 0}};
    for (size_t k = 0; k < sizeof strs / sizeof strs[0]; k++) {
        struct wv_json *j = wv_json_strn(strs[k].s, strs[k].n);
        wv_error_clear(&err);
        if (stor_pq_convert(w, &w->cols[2], j, &v, &err) != strs[k].rc)
            fail_msg("string %zu: want rc %d", k, strs[k].rc);
        wv_json_free(j);
    }
    stor_pq_free(w);
    free(path);
    assert_int_equal(wv_fs_rmtree(dir, &err), 0);
    free(dir);
}

/* Bad column lists and names of types and codecs. */
static void test_columns_and_names(void **state)
{
    (void)state;
    struct wv_error err;
    wv_error_clear(&err);
    struct stor_pq_column dup[] = {{"a", STOR_PQ_INT64, false}, {"a", STOR_PQ_DATE, true}};
    assert_null(stor_pq_open("/nonexistent/x.parquet", dup, 2, NULL, &err));
    assert_non_null(strstr(err.msg, "duplicate column \"a\""));
    wv_error_clear(&err);
    assert_null(stor_pq_open("/nonexistent/x.parquet", dup, 1, NULL, &err));
    assert_true(wv_error_isset(&err));
    assert_non_null(strstr(err.msg, "parquet: open /nonexistent/x.parquet.tmp."));
    enum stor_pq_type t;
    enum stor_pq_codec c;
    assert_int_equal(stor_pq_type_parse("timestamp", &t), 0);
    assert_int_equal(t, STOR_PQ_TIMESTAMP);
    assert_int_equal(stor_pq_type_parse("int32", &t), -1);
    assert_int_equal(stor_pq_codec_parse("zstd", &c), 0);
    assert_int_equal(c, 6);
    assert_int_equal(stor_pq_codec_parse("lz4", &c), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_varint_zigzag),      cmocka_unit_test(test_field_deltas),
        cmocka_unit_test(test_lists_structs),      cmocka_unit_test(test_page_header),
        cmocka_unit_test(test_rle_hybrid),         cmocka_unit_test(test_time_parsing),
        cmocka_unit_test(test_small_file),         cmocka_unit_test(test_columns_and_names),
        cmocka_unit_test(test_rle32_and_dict),     cmocka_unit_test(test_bytes_estimate),
        cmocka_unit_test(test_convert_fast_paths),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
