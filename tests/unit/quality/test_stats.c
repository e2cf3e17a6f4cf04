/* test_stats.c - unit tests of per-stream statistics (src/quality/stats.c): row counts, null
 * counts per top-level field (missing counts as null, including rows before a field first
 * appears), cursor min/max in weaver's JSON order, namespaces, and many fields and streams
 * (hash index and array growth). Single-threaded. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "unit/testutil.h"

#include "base/json.h"
#include "base/mem.h"
#include "quality/quality.h"

/* Parses a JSON record, failing the test if it does not parse. */
static struct wv_json *rec(const char *text)
{
    return wv_test_json(text, "record");
}

/* Adds a record given as JSON text. */
static void add(struct qual_stats *s, const char *ns, const char *stream, const char *text,
                const struct wv_path *cursor)
{
    struct wv_json *r = rec(text);
    qual_stats_add(s, ns, stream, r, cursor);
    wv_json_free(r);
}

/* The statistics of one field, failing the test if the field is unknown. */
static const struct qual_field_stats *field(const struct qual_stream_stats *st, const char *name)
{
    for (size_t i = 0; i < st->n_fields; i++)
        if (strcmp(st->fields[i].name, name) == 0)
            return &st->fields[i];
    fail_msg("no field %s", name);
    return NULL;
}

/* Asserts a field's present/null counts. */
static void assert_field(const struct qual_stream_stats *st, const char *name, int64_t present,
                         int64_t nulls)
{
    const struct qual_field_stats *f = field(st, name);
    if (f->present != present || f->nulls != nulls)
        fail_msg("%s: present %lld nulls %lld, want %lld %lld", name, (long long)f->present,
                 (long long)f->nulls, (long long)present, (long long)nulls);
}

/* Asserts that a JSON value serializes to want (NULL: no value). */
static void assert_json(const struct wv_json *j, const char *want)
{
    if (!want) {
        assert_null(j);
        return;
    }
    assert_non_null(j);
    char *s = wv_json_to_string(j);
    assert_string_equal(s, want);
    free(s);
}

/* A new collector is empty; lookups on it return NULL; free of NULL is a no-op. */
static void test_empty(void **state)
{
    (void)state;
    struct qual_stats *s = qual_stats_new();
    assert_non_null(s);
    assert_int_equal(qual_stats_count(s), 0);
    assert_null(qual_stats_at(s, 0));
    assert_null(qual_stats_find(s, NULL, "users"));
    qual_stats_free(s);
    qual_stats_free(NULL);
}

/* Rows and per-field null counts, fields in order of first appearance. */
static void test_rows_and_nulls(void **state)
{
    (void)state;
    struct qual_stats *s = qual_stats_new();
    add(s, NULL, "users", "{\"id\":1,\"name\":\"ann\",\"email\":null}", NULL);
    add(s, NULL, "users", "{\"id\":2,\"email\":\"b@x\"}", NULL);          /* name missing */
    add(s, NULL, "users", "{\"id\":3,\"name\":\"cy\",\"age\":40}", NULL); /* age is new */
    add(s, NULL, "users", "{\"age\":null,\"id\":4,\"name\":\"\"}", NULL); /* "" is present */
    assert_int_equal(qual_stats_count(s), 1);
    const struct qual_stream_stats *st = qual_stats_find(s, NULL, "users");
    assert_non_null(st);
    assert_ptr_equal(st, qual_stats_at(s, 0));
    assert_null(st->ns);
    assert_string_equal(st->name, "users");
    assert_int_equal(st->rows, 4);
    assert_int_equal(st->n_fields, 4);
    assert_string_equal(st->fields[0].name, "id");
    assert_string_equal(st->fields[1].name, "name");
    assert_string_equal(st->fields[2].name, "email");
    assert_string_equal(st->fields[3].name, "age");
    assert_field(st, "id", 4, 0);
    assert_field(st, "name", 3, 1);
    assert_field(st, "email", 1, 3);
    assert_field(st, "age", 1, 3); /* rows 1-2 had no age: they count as null */
    /* every field: present + nulls == rows */
    for (size_t i = 0; i < st->n_fields; i++)
        assert_int_equal(st->fields[i].present + st->fields[i].nulls, st->rows);
    /* no cursor given: no min/max */
    assert_null(st->cursor_min);
    assert_null(st->cursor_max);
    qual_stats_free(s);
}

/* Records that are not objects count as rows with every known field null. */
static void test_non_object_records(void **state)
{
    (void)state;
    struct qual_stats *s = qual_stats_new();
    add(s, NULL, "s", "{\"a\":1}", NULL);
    add(s, NULL, "s", "[1,2]", NULL);
    add(s, NULL, "s", "\"text\"", NULL);
    qual_stats_add(s, NULL, "s", NULL, NULL);
    const struct qual_stream_stats *st = qual_stats_find(s, NULL, "s");
    assert_int_equal(st->rows, 4);
    assert_int_equal(st->n_fields, 1);
    assert_field(st, "a", 1, 3);
    qual_stats_free(s);
}

/* Nested values count at the top level only; nested nulls make no difference. */
static void test_top_level_only(void **state)
{
    (void)state;
    struct qual_stats *s = qual_stats_new();
    add(s, NULL, "s", "{\"addr\":{\"zip\":null},\"tags\":[]}", NULL);
    add(s, NULL, "s", "{\"addr\":null,\"tags\":[null]}", NULL);
    const struct qual_stream_stats *st = qual_stats_find(s, NULL, "s");
    assert_int_equal(st->n_fields, 2);
    assert_field(st, "addr", 1, 1);
    assert_field(st, "tags", 2, 0);
    qual_stats_free(s);
}

/* Cursor min/max: numbers by value (not text), nulls and missing values skipped, nested paths. */
static void test_cursor_numbers(void **state)
{
    (void)state;
    struct wv_path cur = {NULL, 0};
    struct wv_json *p = rec("\"seq\"");
    assert_int_equal(wv_path_from_json(p, &cur), 0);
    wv_json_free(p);
    struct qual_stats *s = qual_stats_new();
    add(s, NULL, "e", "{\"seq\":null}", &cur);
    const struct qual_stream_stats *st = qual_stats_find(s, NULL, "e");
    assert_null(st->cursor_min); /* null is never a cursor value */
    add(s, NULL, "e", "{\"seq\":9}", &cur);
    add(s, NULL, "e", "{\"seq\":10}", &cur);
    add(s, NULL, "e", "{\"other\":1}", &cur);
    add(s, NULL, "e", "{\"seq\":-2.5}", &cur);
    add(s, NULL, "e", "{\"seq\":1e1}", &cur); /* equal to 10: the first one stays */
    st = qual_stats_find(s, NULL, "e");
    assert_json(st->cursor_min, "-2.5");
    assert_json(st->cursor_max, "10");
    assert_int_equal(st->rows, 6);
    qual_stats_free(s);
    wv_path_done(&cur);
}

/* Cursor on a nested path with string timestamps (compared bytewise). */
static void test_cursor_nested_strings(void **state)
{
    (void)state;
    struct wv_path cur = {NULL, 0};
    struct wv_json *p = rec("[\"meta\",\"updated_at\"]");
    assert_int_equal(wv_path_from_json(p, &cur), 0);
    wv_json_free(p);
    struct qual_stats *s = qual_stats_new();
    add(s, NULL, "u", "{\"meta\":{\"updated_at\":\"2024-03-01T00:00:00Z\"}}", &cur);
    add(s, NULL, "u", "{\"meta\":{\"updated_at\":\"2023-12-31T23:59:59Z\"}}", &cur);
    add(s, NULL, "u", "{\"meta\":null}", &cur);
    add(s, NULL, "u", "{\"meta\":{\"updated_at\":\"2024-10-01T00:00:00Z\"}}", &cur);
    const struct qual_stream_stats *st = qual_stats_find(s, NULL, "u");
    assert_json(st->cursor_min, "\"2023-12-31T23:59:59Z\"");
    assert_json(st->cursor_max, "\"2024-10-01T00:00:00Z\"");
    /* an empty path tracks nothing */
    struct wv_path none = {NULL, 0};
    add(s, NULL, "v", "{\"a\":1}", &none);
    assert_null(qual_stats_find(s, NULL, "v")->cursor_max);
    qual_stats_free(s);
    wv_path_done(&cur);
}

/* The min/max values are copies: the records can be freed right after add. */
static void test_cursor_values_are_copies(void **state)
{
    (void)state;
    struct wv_path cur = {NULL, 0};
    struct wv_json *p = rec("\"ts\"");
    assert_int_equal(wv_path_from_json(p, &cur), 0);
    wv_json_free(p);
    struct qual_stats *s = qual_stats_new();
    struct wv_json *r = rec("{\"ts\":\"b\"}");
    qual_stats_add(s, NULL, "t", r, &cur);
    wv_json_free(r);
    r = rec("{\"ts\":\"a\"}");
    qual_stats_add(s, NULL, "t", r, &cur);
    wv_json_free(r);
    const struct qual_stream_stats *st = qual_stats_find(s, NULL, "t");
    assert_json(st->cursor_min, "\"a\"");
    assert_json(st->cursor_max, "\"b\"");
    qual_stats_free(s);
    wv_path_done(&cur);
}

/* Streams are told apart by namespace; listed in order of first record. */
static void test_namespaces(void **state)
{
    (void)state;
    struct qual_stats *s = qual_stats_new();
    add(s, "public", "users", "{\"a\":1}", NULL);
    add(s, NULL, "users", "{\"b\":1}", NULL);
    add(s, "archive", "users", "{\"c\":1}", NULL);
    add(s, "public", "users", "{\"a\":null}", NULL);
    add(s, NULL, "orders", "{}", NULL);
    assert_int_equal(qual_stats_count(s), 4);
    assert_string_equal(qual_stats_at(s, 0)->ns, "public");
    assert_null(qual_stats_at(s, 1)->ns);
    assert_string_equal(qual_stats_at(s, 2)->ns, "archive");
    assert_string_equal(qual_stats_at(s, 3)->name, "orders");
    assert_null(qual_stats_at(s, 4));
    const struct qual_stream_stats *pub = qual_stats_find(s, "public", "users");
    assert_int_equal(pub->rows, 2);
    assert_field(pub, "a", 1, 1);
    assert_int_equal(qual_stats_find(s, NULL, "users")->rows, 1);
    assert_int_equal(qual_stats_find(s, NULL, "orders")->n_fields, 0);
    assert_null(qual_stats_find(s, "other", "users"));
    assert_null(qual_stats_find(s, NULL, "USERS"));
    qual_stats_free(s);
}

/* Hundreds of fields (the per-stream index is rebuilt several times) and dozens of streams
 * (the stream array grows): every count stays exact. */
static void test_many_fields_and_streams(void **state)
{
    (void)state;
    enum { NF = 300, NS = 40, ROWS = 5 };
    struct qual_stats *s = qual_stats_new();
    for (int row = 0; row < ROWS; row++) {
        for (int si = 0; si < NS; si++) {
            char name[32];
            snprintf(name, sizeof name, "stream_%02d", si);
            struct wv_json *r = wv_json_object();
            /* row k carries fields 0 .. NF*(k+1)/ROWS - 1; field i is null when i % 7 == 0 */
            int upto = NF * (row + 1) / ROWS;
            for (int i = 0; i < upto; i++) {
                char key[32];
                snprintf(key, sizeof key, "f%d", i);
                wv_json_set(r, key, i % 7 == 0 ? wv_json_null() : wv_json_int(i));
            }
            qual_stats_add(s, NULL, name, r, NULL);
            wv_json_free(r);
        }
    }
    assert_int_equal(qual_stats_count(s), NS);
    for (int si = 0; si < NS; si++) {
        char name[32];
        snprintf(name, sizeof name, "stream_%02d", si);
        const struct qual_stream_stats *st = qual_stats_find(s, NULL, name);
        assert_non_null(st);
        assert_ptr_equal(st, qual_stats_at(s, (size_t)si));
        assert_int_equal(st->rows, ROWS);
        assert_int_equal(st->n_fields, NF);
        for (int i = 0; i < NF; i++) {
            char key[32];
            snprintf(key, sizeof key, "f%d", i);
            assert_string_equal(st->fields[i].name, key);
            int first_row = i * ROWS / NF; /* first row carrying field i */
            while (NF * (first_row + 1) / ROWS <= i)
                first_row++;
            int64_t carried = ROWS - first_row;
            int64_t present = i % 7 == 0 ? 0 : carried;
            if (st->fields[i].present != present || st->fields[i].nulls != ROWS - present)
                fail_msg("%s.%s: present %lld nulls %lld, want %lld", name, key,
                         (long long)st->fields[i].present, (long long)st->fields[i].nulls,
                         (long long)present);
        }
    }
    qual_stats_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_empty),
        cmocka_unit_test(test_rows_and_nulls),
        cmocka_unit_test(test_non_object_records),
        cmocka_unit_test(test_top_level_only),
        cmocka_unit_test(test_cursor_numbers),
        cmocka_unit_test(test_cursor_nested_strings),
        cmocka_unit_test(test_cursor_values_are_copies),
        cmocka_unit_test(test_namespaces),
        cmocka_unit_test(test_many_fields_and_streams),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
