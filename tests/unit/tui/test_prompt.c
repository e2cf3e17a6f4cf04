/* test_prompt.c - the `:` prompt's line editor: editing keys, history browse and restore,
 * Tab completion (unique, common prefix, cycling, quoting) and word splitting. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <curses.h>
#include <stdlib.h>
#include <string.h>

#include "tui/prompt.h"

/* Types s key by key. */
static void type(struct tui_prompt *p, const char *s)
{
    for (; *s; s++)
        assert_int_equal(tui_prompt_key(p, (unsigned char)*s, NULL, NULL), TUI_PROMPT_EDIT);
}

static void keys(struct tui_prompt *p, int key, int times)
{
    for (int i = 0; i < times; i++)
        tui_prompt_key(p, key, NULL, NULL);
}

/* Insertion, cursor movement, deletion and kills. */
static void test_editing(void **state)
{
    (void)state;
    struct tui_prompt p;
    tui_prompt_init(&p);
    type(&p, "run flow");
    assert_string_equal(p.line, "run flow");
    assert_int_equal(p.cursor, 8);
    keys(&p, KEY_LEFT, 4);
    type(&p, "my");
    assert_string_equal(p.line, "run myflow");
    keys(&p, KEY_BACKSPACE, 1);
    assert_string_equal(p.line, "run mflow");
    keys(&p, KEY_DC, 1);
    assert_string_equal(p.line, "run mlow");
    keys(&p, 1, 1); /* C-a */
    assert_int_equal(p.cursor, 0);
    keys(&p, KEY_DC, 4);
    assert_string_equal(p.line, "mlow");
    keys(&p, 5, 1); /* C-e */
    assert_int_equal(p.cursor, 4);
    type(&p, " a b");
    keys(&p, 23, 1); /* C-w */
    assert_string_equal(p.line, "mlow a ");
    keys(&p, 23, 1);
    assert_string_equal(p.line, "mlow ");
    keys(&p, KEY_HOME, 1);
    keys(&p, KEY_RIGHT, 2);
    keys(&p, 21, 1); /* C-u kills to the start */
    assert_string_equal(p.line, "ow ");
    assert_int_equal(p.cursor, 0);
    keys(&p, KEY_LEFT, 3); /* stays at 0 */
    assert_int_equal(p.cursor, 0);
    keys(&p, KEY_BACKSPACE, 1);
    assert_string_equal(p.line, "ow ");
    keys(&p, KEY_END, 1);
    keys(&p, KEY_RIGHT, 1);
    assert_int_equal(p.cursor, 3);
    keys(&p, 127, 1);
    assert_string_equal(p.line, "ow");
    /* UTF-8: one step over a two-byte character */
    tui_prompt_reset(&p);
    type(&p, "a\xc3\xa9");
    keys(&p, KEY_LEFT, 1);
    assert_int_equal(p.cursor, 1);
    keys(&p, KEY_DC, 1);
    assert_string_equal(p.line, "a");
    assert_int_equal(tui_prompt_key(&p, 27, NULL, NULL), TUI_PROMPT_CANCEL);
    /* the line is bounded */
    tui_prompt_reset(&p);
    for (int i = 0; i < TUI_PROMPT_MAX + 10; i++)
        tui_prompt_key(&p, 'x', NULL, NULL);
    assert_int_equal(p.len, TUI_PROMPT_MAX - 1);
    assert_int_equal(strlen(p.line), TUI_PROMPT_MAX - 1);
    tui_prompt_done(&p);
}

/* Submits s as a command. */
static void submit(struct tui_prompt *p, const char *s)
{
    tui_prompt_reset(p);
    type(p, s);
    assert_int_equal(tui_prompt_key(p, '\n', NULL, NULL), TUI_PROMPT_SUBMIT);
    assert_string_equal(p->line, s);
}

/* History: no consecutive duplicates, up/down browse, the new line comes back. */
static void test_history(void **state)
{
    (void)state;
    struct tui_prompt p;
    tui_prompt_init(&p);
    submit(&p, "one");
    submit(&p, "two");
    submit(&p, "two");
    submit(&p, "");
    submit(&p, "three");
    assert_int_equal(p.n_history, 3);
    tui_prompt_reset(&p);
    type(&p, "draft");
    keys(&p, KEY_UP, 1);
    assert_string_equal(p.line, "three");
    assert_int_equal(p.cursor, 5);
    keys(&p, KEY_UP, 1);
    assert_string_equal(p.line, "two");
    keys(&p, KEY_UP, 5);
    assert_string_equal(p.line, "one");
    keys(&p, KEY_DOWN, 1);
    assert_string_equal(p.line, "two");
    keys(&p, KEY_DOWN, 2);
    assert_string_equal(p.line, "draft");
    assert_int_equal(p.hist_pos, -1);
    keys(&p, KEY_DOWN, 1);
    assert_string_equal(p.line, "draft");
    /* an edited history line is submitted and added */
    keys(&p, KEY_UP, 1);
    type(&p, "!");
    assert_int_equal(tui_prompt_key(&p, '\n', NULL, NULL), TUI_PROMPT_SUBMIT);
    assert_string_equal(p.history[p.n_history - 1], "three!");
    /* bounded: the oldest go */
    for (int i = 0; i < TUI_HISTORY_MAX + 5; i++) {
        char cmd[32];
        snprintf(cmd, sizeof cmd, "cmd %d", i);
        submit(&p, cmd);
    }
    assert_int_equal(p.n_history, TUI_HISTORY_MAX);
    assert_string_equal(p.history[0], "cmd 5");
    assert_string_equal(p.history[TUI_HISTORY_MAX - 1], "cmd 204");
    tui_prompt_done(&p);
}

/* A completer: commands for the first word, names after "run". */
struct seen {
    size_t n_words;
    char first[64];
    char prefix[64];
};

static size_t completer(void *ctx, char **words, size_t n_words, const char *prefix,
                        const char ***out)
{
    static const char *cmds[] = {"run", "retry", "rerun", "logs", "quit"};
    static const char *names[] = {"sync_acme", "sync_api", "sync_billing", "my flow"};
    struct seen *s = ctx;
    s->n_words = n_words;
    snprintf(s->first, sizeof s->first, "%s", n_words ? words[0] : "");
    snprintf(s->prefix, sizeof s->prefix, "%s", prefix);
    if (n_words == 0) {
        *out = cmds;
        return 5;
    }
    *out = names;
    return 4;
}

static void tab(struct tui_prompt *p, struct seen *s)
{
    assert_int_equal(tui_prompt_key(p, '\t', completer, s), TUI_PROMPT_EDIT);
}

/* Unique match completes with a space; several complete the common prefix; Tab cycles. */
static void test_completion(void **state)
{
    (void)state;
    struct tui_prompt p;
    struct seen s;
    tui_prompt_init(&p);
    type(&p, "lo");
    tab(&p, &s);
    assert_string_equal(p.line, "logs ");
    assert_int_equal(s.n_words, 0);
    assert_string_equal(s.prefix, "lo");

    tui_prompt_reset(&p);
    type(&p, "run sy");
    tab(&p, &s);
    assert_int_equal(s.n_words, 1);
    assert_string_equal(s.first, "run");
    assert_string_equal(s.prefix, "sy");
    assert_string_equal(p.line, "run sync_");
    tab(&p, &s); /* candidates are those of the first Tab: sync_acme, sync_api, sync_billing */
    assert_string_equal(p.line, "run sync_acme");
    tab(&p, &s);
    assert_string_equal(p.line, "run sync_api");
    tab(&p, &s);
    assert_string_equal(p.line, "run sync_billing");
    tab(&p, &s);
    assert_string_equal(p.line, "run sync_acme");
    /* any other key ends cycling; the next Tab completes afresh */
    type(&p, " ");
    assert_null(p.cands);
    assert_false(p.cycling);

    /* a common prefix equal to the typed text: the first Tab changes nothing, then cycles */
    tui_prompt_reset(&p);
    type(&p, "r");
    tab(&p, &s);
    assert_string_equal(p.line, "r");
    assert_int_equal(p.n_cands, 3);
    tab(&p, &s);
    assert_string_equal(p.line, "run");

    /* completion in the middle of the line keeps the rest */
    tui_prompt_reset(&p);
    type(&p, "qu extra");
    keys(&p, KEY_LEFT, 6);
    tab(&p, &s);
    assert_string_equal(p.line, "quit  extra");

    /* no match: nothing changes; NULL completer: nothing either */
    tui_prompt_reset(&p);
    type(&p, "zz");
    tab(&p, &s);
    assert_string_equal(p.line, "zz");
    tui_prompt_key(&p, '\t', NULL, NULL);
    assert_string_equal(p.line, "zz");

    /* a candidate with a space is quoted; a quoted prefix is unquoted for the completer */
    tui_prompt_reset(&p);
    type(&p, "run my");
    tab(&p, &s);
    assert_string_equal(p.line, "run \"my flow\" ");
    tui_prompt_reset(&p);
    type(&p, "run \"my f");
    tab(&p, &s);
    assert_string_equal(s.prefix, "my f");
    assert_string_equal(p.line, "run \"my flow\" ");
    char *w[4];
    size_t n = tui_prompt_split(p.line, w, 4);
    assert_int_equal(n, 2);
    assert_string_equal(w[1], "my flow");
    free(w[0]);
    free(w[1]);
    tui_prompt_done(&p);
}

/* Splitting: blanks separate, quotes group, backslashes escape, max bounds the count. */
static void test_split(void **state)
{
    (void)state;
    char *w[8];
    size_t n = tui_prompt_split("  run  \"my flow\" a\\ b \"q\\\"x\" \"\" end  ", w, 8);
    assert_int_equal(n, 6);
    assert_string_equal(w[0], "run");
    assert_string_equal(w[1], "my flow");
    assert_string_equal(w[2], "a b");
    assert_string_equal(w[3], "q\"x");
    assert_string_equal(w[4], "");
    assert_string_equal(w[5], "end");
    for (size_t i = 0; i < n; i++)
        free(w[i]);
    assert_int_equal(tui_prompt_split("", w, 8), 0);
    assert_int_equal(tui_prompt_split("   ", w, 8), 0);
    n = tui_prompt_split("a b c d", w, 2);
    assert_int_equal(n, 2);
    assert_string_equal(w[1], "b");
    free(w[0]);
    free(w[1]);
    n = tui_prompt_split("x\"y z\"w", w, 8);
    assert_int_equal(n, 1);
    assert_string_equal(w[0], "xy zw");
    free(w[0]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_editing),
        cmocka_unit_test(test_history),
        cmocka_unit_test(test_completion),
        cmocka_unit_test(test_split),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
