/* test_arena.c - unit tests for base/arena.c (alignment, chunk growth, big requests, reset,
 * cleanups) and for the arena JSON trees built on it in base/json.c (same results as heap
 * parsing, ownership: interior frees are no-ops, mutation and take/remove/replace of heap
 * values; leaks and double frees show up under the sanitizer build). Single-threaded. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdalign.h>
#include <stdlib.h>
#include <string.h>

#include "base/arena.h"
#include "base/json.h"
#include "base/mem.h"

/* Allocations are aligned, distinct, and keep their contents while the arena grows. */
static void test_alloc_grow(void **state)
{
    (void)state;
    struct wv_arena *a = wv_arena_new(256);
    assert_int_equal(wv_arena_capacity(a), 0);
    unsigned char *ptrs[2000];
    for (size_t i = 0; i < 2000; i++) {
        size_t n = 1 + i % 37;
        ptrs[i] = wv_arena_alloc(a, n);
        assert_int_equal((uintptr_t)ptrs[i] % alignof(max_align_t), 0);
        memset(ptrs[i], (int)(i & 0xff), n);
    }
    for (size_t i = 0; i < 2000; i++)
        for (size_t k = 0; k < 1 + i % 37; k++)
            assert_int_equal(ptrs[i][k], i & 0xff);
    size_t cap = wv_arena_capacity(a);
    assert_true(cap >= 2000 * 16);
    assert_true(cap < 2000 * 64 * 4); /* chunks double, they do not explode */
    void *z1 = wv_arena_alloc(a, 0), *z2 = wv_arena_alloc(a, 0);
    assert_non_null(z1);
    assert_non_null(z2);
    wv_arena_free(a);
    wv_arena_free(NULL);
}

/* Unaligned byte allocations pack tightly; strndup copies and terminates. */
static void test_bytes_strndup(void **state)
{
    (void)state;
    struct wv_arena *a = wv_arena_new(0);
    char *p = wv_arena_alloc_bytes(a, 3), *q = wv_arena_alloc_bytes(a, 5);
    assert_ptr_equal(q, p + 3);
    char *s = wv_arena_strndup(a, "hello world", 5);
    assert_string_equal(s, "hello");
    char *e = wv_arena_strndup(a, NULL, 0);
    assert_string_equal(e, "");
    char *nul = wv_arena_strndup(a, "a\0b", 3);
    assert_memory_equal(nul, "a\0b\0", 4);
    wv_arena_free(a);
}

/* A request larger than a chunk gets its own chunk and the current chunk keeps serving. */
static void test_big_request(void **state)
{
    (void)state;
    struct wv_arena *a = wv_arena_new(1024);
    char *small = wv_arena_alloc(a, 16);
    size_t cap1 = wv_arena_capacity(a);
    char *big = wv_arena_alloc(a, 100000);
    memset(big, 'x', 100000);
    assert_true(wv_arena_capacity(a) >= cap1 + 100000);
    char *small2 = wv_arena_alloc(a, 16);
    /* served from the first chunk, right after the first small allocation */
    assert_true(small2 > small && small2 < small + 1024);
    assert_int_equal(big[99999], 'x');
    wv_arena_free(a);
}

static int order[8];
static int n_order;

/* Cleanup that records its argument. */
static void note(void *p)
{
    order[n_order++] = *(int *)p;
}

/* Cleanups run last-first on reset and on free; undefer cancels exactly one registration. */
static void test_cleanups(void **state)
{
    (void)state;
    static int one = 1, two = 2, three = 3;
    struct wv_arena *a = wv_arena_new(0);
    n_order = 0;
    wv_arena_defer(a, note, &one);
    wv_arena_defer(a, note, &two);
    wv_arena_defer(a, note, &three);
    assert_int_equal(wv_arena_undefer(a, note, &two), 1);
    assert_int_equal(wv_arena_undefer(a, note, &two), 0);
    wv_arena_reset(a);
    assert_int_equal(n_order, 2);
    assert_int_equal(order[0], 3);
    assert_int_equal(order[1], 1);
    wv_arena_reset(a); /* nothing pending: nothing runs */
    assert_int_equal(n_order, 2);
    wv_arena_defer(a, note, &two);
    wv_arena_free(a);
    assert_int_equal(n_order, 3);
    assert_int_equal(order[2], 2);
}

/* Reset keeps one (the largest) chunk and the arena is usable again. */
static void test_reset_reuse(void **state)
{
    (void)state;
    struct wv_arena *a = wv_arena_new(512);
    int grown = 0;
    for (size_t cap = 0; grown < 3;) { /* until at least three chunks */
        memset(wv_arena_alloc(a, 100), 1, 100);
        if (wv_arena_capacity(a) != cap) {
            cap = wv_arena_capacity(a);
            grown++;
        }
    }
    size_t before = wv_arena_capacity(a);
    wv_arena_reset(a);
    size_t after = wv_arena_capacity(a);
    assert_true(after > 0 && after < before);
    char *p = wv_arena_alloc(a, 64);
    memset(p, 2, 64);
    assert_int_equal(wv_arena_capacity(a), after); /* fits the kept chunk */
    wv_arena_free(a);
}

/* A freed arena's largest chunk is reused by the next arena on the thread (no new malloc). */
static void test_spare_chunk(void **state)
{
    (void)state;
    struct wv_arena *a = wv_arena_new(300000);
    memset(wv_arena_alloc(a, 1000), 3, 1000);
    size_t big = wv_arena_capacity(a);
    assert_true(big >= 300000);
    wv_arena_free(a);
    struct wv_arena *b = wv_arena_new(1024);
    memset(wv_arena_alloc(b, 10), 4, 10);
    assert_int_equal(wv_arena_capacity(b), big); /* the spare, not a 1 KiB chunk */
    struct wv_arena *c = wv_arena_new(1024); /* the spare is taken: c gets a fresh chunk */
    memset(wv_arena_alloc(c, 10), 5, 10);
    assert_int_equal(wv_arena_capacity(c), 1024);
    wv_arena_free(c);
    wv_arena_free(b);
}

static const char doc[] =
    "{\"data\":[{\"id\":1,\"name\":\"a\\u00e9\\n\",\"tags\":[\"x\",true,null],\"n\":-1.5e3},"
    "{\"id\":2,\"name\":\"b\",\"tags\":[],\"o\":{}},{\"id\":2,\"id\":3}],\"next\":null}";

/* Arena parsing gives exactly what heap parsing gives (values, positions, serialization). */
static void test_json_same_as_heap(void **state)
{
    (void)state;
    struct wv_error e1 = {0}, e2 = {0};
    struct wv_json *h = wv_json_parse(doc, strlen(doc), "t", &e1);
    struct wv_json *r = wv_json_parse_arena(doc, strlen(doc), "t", &e2);
    assert_non_null(h);
    assert_non_null(r);
    assert_true(wv_json_equal(h, r));
    char *hs = wv_json_to_string(h), *rs = wv_json_to_string(r);
    assert_string_equal(hs, rs);
    free(hs);
    free(rs);
    const struct wv_json *rec = wv_json_at(wv_json_get(r, "data"), 0);
    assert_int_equal(rec->line, 1);
    assert_int_equal(rec->col, 10);
    assert_string_equal(wv_json_get_str(rec, "name"), "a\xc3\xa9\n");
    assert_int_equal(wv_json_get(wv_json_at(wv_json_get(r, "data"), 2), "id")->s[0], '3');
    assert_false(wv_json_in_arena(r)); /* the root owns the arena */
    assert_true(wv_json_in_arena(rec));
    assert_false(wv_json_in_arena(h));
    assert_non_null(wv_json_arena_of(r));
    assert_ptr_equal(wv_json_arena_of(rec), wv_json_arena_of(r));
    assert_null(wv_json_arena_of(h));
    wv_json_free(h);
    wv_json_free(r);
}

/* Errors are the heap parser's, and nothing leaks (sanitizer build). */
static void test_json_errors(void **state)
{
    (void)state;
    static const char *bad[] = {"{\"a\":[1,2", "{\"a\" 1}", "[1,]", "{\"k\":\"\\x\"}",
                                "[\"a\",\"b\\ud800\"]", "{} x"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        struct wv_error e1 = {0}, e2 = {0};
        assert_null(wv_json_parse(bad[i], strlen(bad[i]), "t", &e1));
        assert_null(wv_json_parse_arena(bad[i], strlen(bad[i]), "t", &e2));
        assert_string_equal(e1.msg, e2.msg);
    }
}

/* Interior nodes: free is a no-op, dup gives an independent heap copy. */
static void test_json_borrow(void **state)
{
    (void)state;
    struct wv_error e = {0};
    struct wv_json *r = wv_json_parse_arena(doc, strlen(doc), "t", &e);
    struct wv_json *rec = wv_json_at(wv_json_get(r, "data"), 1);
    wv_json_free(rec); /* no-op */
    assert_string_equal(wv_json_get_str(rec, "name"), "b");
    struct wv_json *copy = wv_json_dup(rec);
    assert_false(wv_json_in_arena(copy));
    assert_null(wv_json_arena_of(copy));
    wv_json_free(r);
    assert_string_equal(wv_json_get_str(copy, "name"), "b"); /* outlives the arena */
    wv_json_set(copy, "extra", wv_json_int(5));
    wv_json_free(copy);
}

/* Mutating an arena tree: heap values attached are freed with the arena, replaced or removed
 * ones at once, taken ones go back to the caller; containers grow inside the arena. */
static void test_json_mutate(void **state)
{
    (void)state;
    struct wv_error e = {0};
    struct wv_json *r = wv_json_parse_arena(doc, strlen(doc), "t", &e);
    struct wv_json *data = wv_json_get(r, "data");
    struct wv_json *rec = wv_json_at(data, 0);
    wv_json_set(rec, "added", wv_json_str("heap value"));    /* new key */
    wv_json_set(rec, "name", wv_json_str("replaced arena")); /* replaces an arena value */
    wv_json_set(rec, "added", wv_json_str("replaced heap")); /* replaces a heap value */
    assert_true(wv_json_remove(rec, "n"));                   /* arena value */
    wv_json_set(rec, "gone", wv_json_array());
    assert_true(wv_json_remove(rec, "gone")); /* heap value */
    wv_json_set(rec, "taken", wv_json_str("mine"));
    struct wv_json *t = wv_json_take(rec, "taken");
    assert_string_equal(t->s, "mine");
    wv_json_free(t); /* the caller owns it again: no double free at arena release */
    struct wv_json *arena_taken = wv_json_take(rec, "tags");
    assert_true(wv_json_in_arena(arena_taken));
    wv_json_free(arena_taken); /* no-op */
    for (int i = 0; i < 100; i++)
        wv_json_push(data, wv_json_int(i));
    assert_int_equal(data->len, 103);
    struct wv_json *deep = wv_json_object();
    wv_json_set(deep, "k", wv_json_str("v"));
    wv_json_set(wv_json_at(data, 1), "deep", deep);
    for (char *k = rec->keys[0]; *k; k++) /* keys may be edited in place (KeysToLower) */
        *k = (char)(*k == 'i' ? 'I' : *k);
    char *s = wv_json_to_string(rec);
    assert_string_equal(s, "{\"Id\":1,\"name\":\"replaced arena\",\"added\":\"replaced heap\"}");
    free(s);
    s = wv_json_to_string(wv_json_at(data, 1));
    assert_string_equal(s, "{\"id\":2,\"name\":\"b\",\"tags\":[],\"o\":{},\"deep\":{\"k\":\"v\"}}");
    free(s);
    struct wv_json *last = wv_json_at(data, 102);
    assert_string_equal(last->s, "99");
    wv_json_free(r); /* frees the attached heap values too */
}

/* dup_in copies into an arena: equal, independent of the source, freed with the arena. */
static void test_json_dup_in(void **state)
{
    (void)state;
    struct wv_error e = {0};
    struct wv_json *r = wv_json_parse_arena(doc, strlen(doc), "t", &e);
    struct wv_json *rec = wv_json_at(wv_json_get(r, "data"), 0);
    wv_json_set(rec, "heap", wv_json_str("attached")); /* a heap part is copied too */
    struct wv_json *c = wv_json_dup_in(wv_json_arena_of(r), rec);
    assert_true(wv_json_in_arena(c));
    assert_true(wv_json_equal(c, rec));
    assert_int_equal(c->line, rec->line);
    assert_int_equal(c->col, rec->col);
    wv_json_set(c, "id", wv_json_int(99));
    assert_true(wv_json_remove(c, "tags"));
    c->keys[0][0] = 'I'; /* keys are copies as well */
    char *s = wv_json_to_string(rec);
    assert_string_equal(s, "{\"id\":1,\"name\":\"a\xc3\xa9\\n\",\"tags\":[\"x\",true,null],"
                           "\"n\":-1.5e3,\"heap\":\"attached\"}");
    free(s);
    s = wv_json_to_string(c);
    assert_string_equal(s,
                        "{\"Id\":99,\"name\":\"a\xc3\xa9\\n\",\"n\":-1.5e3,\"heap\":\"attached\"}");
    free(s);
    struct wv_arena *a = wv_arena_new(0);
    struct wv_json *other = wv_json_dup_in(a, r); /* into an arena the caller frees */
    wv_json_free(r);
    assert_int_equal(wv_json_get(other, "data")->len, 3);
    wv_arena_free(a);
}

/* A heap container holding interior arena nodes frees only its own parts. */
static void test_json_heap_holds_arena(void **state)
{
    (void)state;
    struct wv_error e = {0};
    struct wv_json *r = wv_json_parse_arena(doc, strlen(doc), "t", &e);
    struct wv_json *list = wv_json_array();
    for (size_t i = 0; i < 3; i++)
        wv_json_push(list, wv_json_at(wv_json_get(r, "data"), i));
    wv_json_free(list);
    assert_int_equal(wv_json_get(r, "data")->len, 3);
    /* an arena root attached to a heap tree is freed with it */
    struct wv_json *holder = wv_json_object();
    wv_json_set(holder, "page", r);
    wv_json_free(holder);
}

/* Building a tree from lines parsed into the root's arena (the JSONL decoder's way). */
static void test_json_parse_in(void **state)
{
    (void)state;
    struct wv_json *root = wv_json_arena_array();
    assert_false(wv_json_in_arena(root));
    static const char *lines[] = {"{\"a\":1}", "[1,2", "{\"b\":[true]}"};
    for (size_t i = 0; i < 3; i++) {
        struct wv_error e = {0};
        struct wv_json *j =
            wv_json_parse_in(wv_json_arena_of(root), lines[i], strlen(lines[i]), "l", &e);
        if (j) {
            assert_true(wv_json_in_arena(j));
            wv_json_push(root, j);
        } else {
            assert_int_equal(e.code, WV_E_PARSE);
        }
    }
    wv_json_push(root, wv_json_str("heap"));
    char *s = wv_json_to_string(root);
    assert_string_equal(s, "[{\"a\":1},{\"b\":[true]},\"heap\"]");
    free(s);
    wv_json_free(root);
    struct wv_json *o = wv_json_arena_object();
    wv_json_set(o, "x", wv_json_null());
    s = wv_json_to_string(o);
    assert_string_equal(s, "{\"x\":null}");
    free(s);
    wv_json_free(o);
}

/* A big document (many chunks, a string larger than a chunk) round-trips. */
static void test_json_big(void **state)
{
    (void)state;
    struct wv_buf b = WV_BUF_INIT;
    assert_int_equal(wv_buf_append(&b, "[", 1, NULL), 0);
    for (int i = 0; i < 5000; i++)
        assert_int_equal(
            wv_buf_printf(&b, NULL, "%s{\"id\":%d,\"s\":\"%0200d\"}", i ? "," : "", i, i), 0);
    assert_int_equal(wv_buf_append(&b, ",\"", 2, NULL), 0);
    for (int i = 0; i < 300000; i++)
        assert_int_equal(wv_buf_append(&b, "y", 1, NULL), 0);
    assert_int_equal(wv_buf_append(&b, "\"]", 2, NULL), 0);
    struct wv_error e = {0};
    struct wv_json *r = wv_json_parse_arena(b.data, b.len, "big", &e);
    assert_non_null(r);
    assert_int_equal(r->len, 5001);
    assert_int_equal(r->items[5000]->slen, 300000);
    char *s = wv_json_to_string(r);
    assert_string_equal(s, b.data);
    free(s);
    wv_json_free(r);
    wv_buf_done(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_alloc_grow),
        cmocka_unit_test(test_bytes_strndup),
        cmocka_unit_test(test_big_request),
        cmocka_unit_test(test_cleanups),
        cmocka_unit_test(test_reset_reuse),
        cmocka_unit_test(test_spare_chunk),
        cmocka_unit_test(test_json_same_as_heap),
        cmocka_unit_test(test_json_errors),
        cmocka_unit_test(test_json_borrow),
        cmocka_unit_test(test_json_mutate),
        cmocka_unit_test(test_json_dup_in),
        cmocka_unit_test(test_json_heap_holds_arena),
        cmocka_unit_test(test_json_parse_in),
        cmocka_unit_test(test_json_big),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
