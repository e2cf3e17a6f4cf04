/* test_logbuf.c - the live logs' buffer: line parsing, partial lines per source, the bounded
 * ring dropping from the front, the incremental filter against a recomputed one (a property
 * test over random lines), search with wrap, bad regexes, and a million appends. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tui/logbuf.h"

static void put(struct tui_logbuf *b, const char *src, const char *text)
{
    tui_logbuf_append(b, src, text, strlen(text));
}

/* Timestamps and levels are parsed; other lines are INFO with an empty timestamp. */
static void test_parse(void **state)
{
    (void)state;
    struct tui_logbuf *b = tui_logbuf_new(0);
    put(b, "sync_acme#1",
        "2024-01-02T03:04:05.678Z WARN slow response\n"
        "2024-01-02T03:04:06.000Z ERROR boom: it failed\r\n"
        "plain line\n"
        "2024-01-02T03:04:07Z DEBUG x\n"
        "2024-01-02T03:04:08.1Z hello there\n"
        "2024-01-02T03:04:09.000Z INFO\n"
        "2024-01-0X whatever\n"
        "\n");
    assert_int_equal(tui_logbuf_total(b), 8);
    assert_int_equal(tui_logbuf_count(b), 8);
    const struct tui_logline *l = tui_logbuf_line(b, 0);
    assert_string_equal(l->ts, "2024-01-02T03:04:05.678Z");
    assert_int_equal(l->level, WV_LOG_WARN);
    assert_string_equal(l->text, "slow response");
    assert_string_equal(l->source, "sync_acme#1");
    assert_int_equal(l->seq, 0);
    l = tui_logbuf_line(b, 1);
    assert_int_equal(l->level, WV_LOG_ERROR);
    assert_string_equal(l->text, "boom: it failed");
    l = tui_logbuf_line(b, 2);
    assert_string_equal(l->ts, "");
    assert_int_equal(l->level, WV_LOG_INFO);
    assert_string_equal(l->text, "plain line");
    l = tui_logbuf_line(b, 3);
    assert_string_equal(l->ts, "2024-01-02T03:04:07Z");
    assert_int_equal(l->level, WV_LOG_DEBUG);
    assert_string_equal(l->text, "x");
    l = tui_logbuf_line(b, 4); /* no level word: INFO, the text kept whole */
    assert_int_equal(l->level, WV_LOG_INFO);
    assert_string_equal(l->ts, "2024-01-02T03:04:08.1Z");
    assert_string_equal(l->text, "hello there");
    l = tui_logbuf_line(b, 5);
    assert_string_equal(l->text, "");
    l = tui_logbuf_line(b, 6);
    assert_string_equal(l->ts, "");
    assert_string_equal(l->text, "2024-01-0X whatever");
    l = tui_logbuf_line(b, 7);
    assert_string_equal(l->text, "");
    assert_int_equal(l->seq, 7);
    assert_null(tui_logbuf_line(b, 8));
    tui_logbuf_free(b);
}

/* A partial line waits for its end, per source; NULL source is "". */
static void test_partial(void **state)
{
    (void)state;
    struct tui_logbuf *b = tui_logbuf_new(0);
    put(b, "a", "2024-01-02T03:04:05.678Z ER");
    put(b, "b", "from b ");
    assert_int_equal(tui_logbuf_total(b), 0);
    put(b, "a", "ROR half");
    put(b, "b", "too\nnext");
    assert_int_equal(tui_logbuf_total(b), 1);
    assert_string_equal(tui_logbuf_line(b, 0)->text, "from b too");
    assert_string_equal(tui_logbuf_line(b, 0)->source, "b");
    put(b, "a", " done\n");
    const struct tui_logline *l = tui_logbuf_line(b, 1);
    assert_int_equal(l->level, WV_LOG_ERROR);
    assert_string_equal(l->text, "half done");
    /* a runaway unterminated line is stored once it passes 1 MiB */
    size_t big = (1u << 20) + 10;
    char *x = malloc(big);
    memset(x, 'x', big);
    tui_logbuf_append(b, "c", x, big);
    assert_int_equal(tui_logbuf_total(b), 3);
    assert_int_equal(strlen(tui_logbuf_line(b, 2)->text), big);
    free(x);
    tui_logbuf_clear(b);
    tui_logbuf_append(b, NULL, "anon\n", 5);
    assert_string_equal(tui_logbuf_line(b, 0)->source, "");
    assert_int_equal(tui_logbuf_total(b), 1);
    put(b, "b", "tail of next\n");
    assert_string_equal(tui_logbuf_line(b, 1)->text, "tail of next"); /* clear dropped "next" */
    put(b, "b", "more");
    tui_logbuf_clear(b);
    assert_int_equal(tui_logbuf_total(b), 0);
    assert_int_equal(tui_logbuf_count(b), 0);
    put(b, "b", "fresh\n"); /* the partial "more" was dropped by clear */
    assert_string_equal(tui_logbuf_line(b, 0)->text, "fresh");
    assert_int_equal(tui_logbuf_line(b, 0)->seq, 5);
    tui_logbuf_free(b);
}

/* A small ring drops from the front and the filter index follows. */
static void test_ring_drop(void **state)
{
    (void)state;
    struct wv_error err = {0};
    struct tui_logbuf *b = tui_logbuf_new(5);
    assert_int_equal(tui_logbuf_filter(b, "even", false, WV_LOG_TRACE, &err), 0);
    char line[64];
    for (int i = 0; i < 12; i++) {
        snprintf(line, sizeof line, "line %d %s\n", i, i % 2 ? "odd" : "even");
        put(b, "s", line);
    }
    assert_int_equal(tui_logbuf_total(b), 5);
    assert_int_equal(tui_logbuf_dropped(b), 7);
    /* kept: 7..11; even among them: 8, 10 */
    assert_int_equal(tui_logbuf_count(b), 2);
    assert_string_equal(tui_logbuf_line(b, 0)->text, "line 8 even");
    assert_string_equal(tui_logbuf_line(b, 1)->text, "line 10 even");
    assert_int_equal(tui_logbuf_line(b, 1)->seq, 10);
    assert_null(tui_logbuf_line(b, 2));
    put(b, "s", "line 12 even\n"); /* drops 7 (odd: not in the index) */
    put(b, "s", "line 13 odd\n");  /* drops 8 (in the index) */
    assert_int_equal(tui_logbuf_count(b), 2);
    assert_string_equal(tui_logbuf_line(b, 0)->text, "line 10 even");
    assert_string_equal(tui_logbuf_line(b, 1)->text, "line 12 even");
    /* no filter: every kept line */
    assert_int_equal(tui_logbuf_filter(b, NULL, false, WV_LOG_TRACE, &err), 0);
    assert_int_equal(tui_logbuf_count(b), 5);
    assert_string_equal(tui_logbuf_line(b, 0)->text, "line 9 odd");
    assert_string_equal(tui_logbuf_line(b, 4)->text, "line 13 odd");
    tui_logbuf_free(b);
}

/* Lines with long text and many drops: chunks are recycled and text stays intact. */
static void test_big_lines(void **state)
{
    (void)state;
    struct tui_logbuf *b = tui_logbuf_new(3);
    size_t n = 3u << 20; /* longer than a chunk */
    char *big = malloc(n + 1);
    for (int round = 0; round < 6; round++) {
        memset(big, 'a' + round, n);
        big[n - 1] = '\n';
        tui_logbuf_append(b, "s", big, n);
        put(b, "s", "small\n");
    }
    assert_int_equal(tui_logbuf_total(b), 3);
    const struct tui_logline *l = tui_logbuf_line(b, 1);
    assert_int_equal(strlen(l->text), n - 1);
    assert_int_equal(l->text[0], 'f');
    assert_int_equal(l->text[n - 2], 'f');
    assert_string_equal(tui_logbuf_line(b, 0)->text, "small");
    assert_string_equal(tui_logbuf_line(b, 2)->text, "small");
    free(big);
    tui_logbuf_free(b);
}

static const char *const words[] = {"alpha", "beta",  "gamma",   "delta",
                                    "error", "retry", "timeout", "ok"};
static const char *const levels[] = {"TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL"};

/* A random log line (with or without timestamp and level). */
static void random_line(char *out, size_t size)
{
    int r = rand() % 4;
    size_t off = 0;
    if (r > 0)
        off += (size_t)snprintf(out + off, size - off, "2024-05-06T07:08:09.%03dZ ", rand() % 1000);
    if (r > 1)
        off += (size_t)snprintf(out + off, size - off, "%s ", levels[rand() % 6]);
    int nw = 1 + rand() % 4;
    for (int i = 0; i < nw; i++)
        off += (size_t)snprintf(out + off, size - off, "%s%s", i ? " " : "", words[rand() % 8]);
    snprintf(out + off, size - off, "\n");
}

/* The filtered view recomputed from every kept line. */
static void check_against_recomputed(const struct tui_logbuf *b, const char *regex, bool invert,
                                     enum wv_level min)
{
    regex_t re;
    if (regex)
        assert_int_equal(regcomp(&re, regex, REG_EXTENDED | REG_NOSUB), 0);
    struct tui_logbuf *all = (struct tui_logbuf *)b;
    size_t total = tui_logbuf_total(b);
    /* read every kept line through a no-filter view of the same lines */
    struct wv_error err = {0};
    size_t count = tui_logbuf_count(b);
    uint64_t *seqs = malloc((count + 1) * sizeof *seqs);
    for (size_t i = 0; i < count; i++)
        seqs[i] = tui_logbuf_line(b, i)->seq;
    assert_null(tui_logbuf_line(b, count));
    assert_int_equal(tui_logbuf_filter(all, NULL, false, WV_LOG_TRACE, &err), 0);
    assert_int_equal(tui_logbuf_count(b), total);
    size_t k = 0;
    for (size_t i = 0; i < total; i++) {
        const struct tui_logline *l = tui_logbuf_line(b, i);
        bool pass = l->level >= min;
        if (pass && regex)
            pass = (regexec(&re, l->text, 0, NULL, 0) == 0) != invert;
        if (pass) {
            assert_true(k < count);
            assert_int_equal(seqs[k], l->seq);
            k++;
        }
    }
    assert_int_equal(k, count);
    /* and setting the filter again (a full recompute) gives the same */
    assert_int_equal(tui_logbuf_filter(all, regex, invert, min, &err), 0);
    assert_int_equal(tui_logbuf_count(b), count);
    for (size_t i = 0; i < count; i++)
        assert_int_equal(tui_logbuf_line(b, i)->seq, seqs[i]);
    free(seqs);
    if (regex)
        regfree(&re);
}

/* Property: a filter maintained while lines arrive and drop equals a recomputed one. */
static void test_filter_property(void **state)
{
    (void)state;
    static const char *const regexes[] = {NULL, "error", "^(alpha|beta)", "ta$", "o{2}|gamma"};
    srand(42);
    for (int round = 0; round < 60; round++) {
        size_t max = 1 + (size_t)(rand() % 300);
        struct tui_logbuf *b = tui_logbuf_new(max);
        const char *regex = regexes[rand() % 5];
        bool invert = rand() % 2;
        enum wv_level min = (enum wv_level)(rand() % 6);
        struct wv_error err = {0};
        assert_int_equal(tui_logbuf_filter(b, regex, invert, min, &err), 0);
        int n = rand() % 800;
        for (int i = 0; i < n; i++) {
            char line[256];
            random_line(line, sizeof line);
            put(b, i % 3 ? "a" : "b", line);
            if (rand() % 97 == 0)
                check_against_recomputed(b, regex, invert, min);
        }
        assert_int_equal(tui_logbuf_total(b), (size_t)n < max ? (size_t)n : max);
        assert_int_equal(tui_logbuf_dropped(b), (size_t)n > max ? (size_t)n - max : 0);
        check_against_recomputed(b, regex, invert, min);
        tui_logbuf_free(b);
    }
}

/* Level and inverted filters on known lines. */
static void test_filter_levels(void **state)
{
    (void)state;
    struct wv_error err = {0};
    struct tui_logbuf *b = tui_logbuf_new(0);
    put(b, "s",
        "2024-01-02T03:04:05.678Z DEBUG d one\n"
        "2024-01-02T03:04:05.678Z INFO i two\n"
        "2024-01-02T03:04:05.678Z WARN w three\n"
        "2024-01-02T03:04:05.678Z ERROR e four\n"
        "untimed five\n");
    assert_int_equal(tui_logbuf_filter(b, NULL, false, WV_LOG_WARN, &err), 0);
    assert_int_equal(tui_logbuf_count(b), 2);
    assert_string_equal(tui_logbuf_line(b, 0)->text, "w three");
    assert_int_equal(tui_logbuf_filter(b, "o", true, WV_LOG_INFO, &err), 0);
    assert_int_equal(tui_logbuf_count(b), 2);
    assert_string_equal(tui_logbuf_line(b, 0)->text, "w three");
    assert_string_equal(tui_logbuf_line(b, 1)->text, "untimed five");
    put(b, "s", "2024-01-02T03:04:05.678Z FATAL f six\n2024-01-02T03:04:05.678Z FATAL no\n");
    assert_int_equal(tui_logbuf_count(b), 3);
    assert_string_equal(tui_logbuf_line(b, 2)->text, "f six");
    tui_logbuf_free(b);
}

/* A bad regex fails with regcomp's message and leaves the filter and search as they were. */
static void test_bad_regex(void **state)
{
    (void)state;
    struct wv_error err = {0};
    struct tui_logbuf *b = tui_logbuf_new(0);
    put(b, "s", "abc\nxyz\nabd\n");
    assert_int_equal(tui_logbuf_filter(b, "ab", false, WV_LOG_TRACE, &err), 0);
    assert_int_equal(tui_logbuf_count(b), 2);
    assert_int_equal(tui_logbuf_filter(b, "a(b", false, WV_LOG_TRACE, &err), -1);
    assert_non_null(strstr(err.msg, "a(b"));
    assert_true(strlen(err.msg) > strlen("bad regex 'a(b': "));
    assert_int_equal(tui_logbuf_count(b), 2);
    put(b, "s", "abz\n");
    assert_int_equal(tui_logbuf_count(b), 3);
    wv_error_clear(&err);
    assert_int_equal(tui_logbuf_search(b, "z$", &err), 0);
    assert_int_equal(tui_logbuf_search(b, "[z", &err), -1);
    assert_true(tui_logbuf_is_match(b, 2));
    tui_logbuf_free(b);
}

/* Search: next/previous with wrap over the filtered lines; -1 without a match. */
static void test_search(void **state)
{
    (void)state;
    struct wv_error err = {0};
    struct tui_logbuf *b = tui_logbuf_new(0);
    put(b, "s", "m0 hit\nm1\nm2 hit\nm3\nm4\nm5 hit\nskip hit\n");
    assert_int_equal(tui_logbuf_search_next(b, 0, false), -1); /* no pattern */
    assert_false(tui_logbuf_is_match(b, 0));
    assert_int_equal(tui_logbuf_filter(b, "^m", false, WV_LOG_TRACE, &err), 0);
    assert_int_equal(tui_logbuf_search(b, "hit", &err), 0);
    assert_true(tui_logbuf_is_match(b, 0));
    assert_false(tui_logbuf_is_match(b, 1));
    assert_false(tui_logbuf_is_match(b, 99));
    assert_int_equal(tui_logbuf_search_next(b, 0, false), 2);
    assert_int_equal(tui_logbuf_search_next(b, 2, false), 5);
    assert_int_equal(tui_logbuf_search_next(b, 5, false), 0); /* wraps */
    assert_int_equal(tui_logbuf_search_next(b, 0, true), 5);  /* wraps back */
    assert_int_equal(tui_logbuf_search_next(b, 5, true), 2);
    assert_int_equal(tui_logbuf_search_next(b, 3, true), 2);
    assert_int_equal(tui_logbuf_search(b, "m2", &err), 0);
    assert_int_equal(tui_logbuf_search_next(b, 2, false), 2); /* the only match, reached again */
    assert_int_equal(tui_logbuf_search(b, "nothing", &err), 0);
    assert_int_equal(tui_logbuf_search_next(b, 1, false), -1);
    assert_int_equal(tui_logbuf_search(b, NULL, &err), 0);
    assert_int_equal(tui_logbuf_search_next(b, 1, false), -1);
    tui_logbuf_free(b);
}

/* A million lines with a filter set (and more, so the default bound drops from the front). */
static void test_million(void **state)
{
    (void)state;
    struct wv_error err = {0};
    struct tui_logbuf *b = tui_logbuf_new(0);
    assert_int_equal(tui_logbuf_filter(b, "7$", false, WV_LOG_INFO, &err), 0);
    char line[128];
    size_t expect_err = 0;
    for (int i = 0; i < 1100000; i++) {
        int n = snprintf(line, sizeof line, "2024-01-02T03:04:05.678Z %s record %d\n",
                         i % 5 == 0 ? "DEBUG" : "INFO", i);
        tui_logbuf_append(b, "sync#1", line, (size_t)n);
    }
    for (int i = 100000; i < 1100000; i++)
        expect_err += i % 10 == 7 && i % 5 != 0;
    assert_int_equal(tui_logbuf_total(b), 1000000);
    assert_int_equal(tui_logbuf_dropped(b), 100000);
    assert_int_equal(tui_logbuf_count(b), expect_err);
    assert_string_equal(tui_logbuf_line(b, 0)->text, "record 100007");
    assert_string_equal(tui_logbuf_line(b, expect_err - 1)->text, "record 1099997");
    tui_logbuf_free(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse),           cmocka_unit_test(test_partial),
        cmocka_unit_test(test_ring_drop),       cmocka_unit_test(test_big_lines),
        cmocka_unit_test(test_filter_property), cmocka_unit_test(test_filter_levels),
        cmocka_unit_test(test_bad_regex),       cmocka_unit_test(test_search),
        cmocka_unit_test(test_million),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
