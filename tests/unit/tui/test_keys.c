/* test_keys.c - unit tests for tui/keys.c: the embedded defaults (parse without warnings, bind
 * every action), lookup falling back context -> list -> global, bad lines warned with
 * file:line and skipped, unbind, key names, and the help text and man section generated from
 * the bindings. No terminal is used. Single-threaded. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/mem.h"
#include "tui/keys.h"

/* The embedded defaults (generated from src/tui/keys_default.txt into libwv_tui). */
extern const unsigned char *const tui_keys_file_data[];
extern const size_t tui_keys_file_lens[];

/* Loads text into km; returns the warnings (caller frees). */
static char *load(struct tui_keymap *km, const char *text, const char *origin)
{
    struct wv_buf w = WV_BUF_INIT;
    tui_keymap_load(km, text, strlen(text), origin, &w);
    return wv_buf_steal(&w, NULL);
}

/* The action a key reaches in ctx (TUI_ACT_NONE if unbound or a command). */
static enum tui_action act(const struct tui_keymap *km, enum tui_context ctx, const char *key)
{
    int k = tui_key_parse(key);
    if (k < 0)
        fail_msg("bad key name %s", key);
    const struct tui_binding *b = tui_keymap_lookup(km, ctx, k);
    return b ? b->action : TUI_ACT_NONE;
}

/* The embedded defaults parse without a warning, and every action has a default key. */
static void test_defaults(void **state)
{
    (void)state;
    struct tui_keymap km = {0};
    char *w = load(&km, (const char *)tui_keys_file_data[0], "keys_default.txt");
    assert_string_equal(w, "");
    free(w);
    struct tui_keymap def;
    tui_keymap_defaults(&def);
    assert_int_equal(def.n, km.n);
    assert_true(km.n > 60);
    for (int a = 1; a < TUI_ACT__COUNT; a++) {
        bool bound = false;
        for (size_t i = 0; i < def.n; i++)
            bound = bound || def.b[i].action == (enum tui_action)a;
        if (!bound)
            fail_msg("action %s has no default key", tui_action_name((enum tui_action)a));
    }
    tui_keymap_done(&def);
    tui_keymap_done(&km);
}

/* Action metadata from the X-macro list. */
static void test_actions(void **state)
{
    (void)state;
    assert_string_equal(tui_action_name(TUI_ACT_SYNC_NOW), "sync-now");
    assert_string_equal(tui_action_help(TUI_ACT_QUIT), "quit the console");
    assert_int_equal(tui_action_context(TUI_ACT_RERUN_FAILED), TUI_CTX_RUNS);
    assert_int_equal(tui_action_context(TUI_ACT_DOWN), TUI_CTX_LIST);
    assert_string_equal(tui_context_name(TUI_CTX_CONNECTIONS), "connections");
    for (int a = 1; a < TUI_ACT__COUNT; a++) {
        assert_true(strlen(tui_action_name((enum tui_action)a)) > 0);
        assert_true(strlen(tui_action_help((enum tui_action)a)) > 0);
    }
}

/* A key is found in the view's context, then list (list views only), then global. */
static void test_lookup_fallback(void **state)
{
    (void)state;
    struct tui_keymap km;
    tui_keymap_defaults(&km);
    assert_int_equal(act(&km, TUI_CTX_SOURCES, "c"), TUI_ACT_CHECK);
    assert_int_equal(act(&km, TUI_CTX_SOURCES, "j"), TUI_ACT_DOWN);  /* list */
    assert_int_equal(act(&km, TUI_CTX_SOURCES, "q"), TUI_ACT_QUIT);  /* global */
    assert_int_equal(act(&km, TUI_CTX_CONNECTIONS, "c"), TUI_ACT_NONE);
    assert_int_equal(act(&km, TUI_CTX_CONNECTIONS, "Space"), TUI_ACT_TOGGLE_ENABLED);
    assert_int_equal(act(&km, TUI_CTX_LOGS, "f"), TUI_ACT_FOLLOW);
    assert_int_equal(act(&km, TUI_CTX_LOGS, "/"), TUI_ACT_FILTER);
    assert_int_equal(act(&km, TUI_CTX_RUNS, "R"), TUI_ACT_RERUN_FAILED);
    assert_int_equal(act(&km, TUI_CTX_RUNS, "C-k"), TUI_ACT_CANCEL);
    assert_int_equal(act(&km, TUI_CTX_METRICS, "G"), TUI_ACT_BOTTOM);
    assert_int_equal(act(&km, TUI_CTX_GLOBAL, "j"), TUI_ACT_NONE); /* global: no list keys */
    assert_int_equal(act(&km, TUI_CTX_GLOBAL, "3"), TUI_ACT_VIEW_FLOWS);
    assert_int_equal(act(&km, TUI_CTX_HELP, "q"), TUI_ACT_BACK);   /* help shadows quit */
    assert_int_equal(act(&km, TUI_CTX_HELP, "/"), TUI_ACT_NONE);   /* help is no list */
    assert_int_equal(act(&km, TUI_CTX_HELP, ":"), TUI_ACT_PROMPT);
    /* Enter's other codes reach the Enter binding; DEL reaches Backspace */
    const struct tui_binding *b = tui_keymap_lookup(&km, TUI_CTX_FLOWS, '\r');
    assert_non_null(b);
    assert_int_equal(b->action, TUI_ACT_OPEN);
    b = tui_keymap_lookup(&km, TUI_CTX_FLOWS, KEY_ENTER);
    assert_non_null(b);
    assert_int_equal(b->action, TUI_ACT_OPEN);
    /* list overrides global, the context overrides list */
    char *w = load(&km, "bind list q back\nbind runs j :run show\n", "user");
    assert_string_equal(w, "");
    free(w);
    assert_int_equal(act(&km, TUI_CTX_SOURCES, "q"), TUI_ACT_BACK);
    assert_int_equal(act(&km, TUI_CTX_GLOBAL, "q"), TUI_ACT_QUIT);
    b = tui_keymap_lookup(&km, TUI_CTX_RUNS, 'j');
    assert_non_null(b);
    assert_int_equal(b->action, TUI_ACT_NONE);
    assert_string_equal(b->command, "run show");
    assert_int_equal(act(&km, TUI_CTX_RUN, "j"), TUI_ACT_DOWN);
    tui_keymap_done(&km);
}

/* Bad lines warn "origin:LINE: message" and are skipped; good lines around them apply. */
static void test_bad_lines(void **state)
{
    (void)state;
    struct tui_keymap km = {0};
    char *w = load(&km,
                   "# comment\n"
                   "bind nowhere j down\n"
                   "bind list Foo down\n"
                   "bind list j nothing\n"
                   "frob list j down\n"
                   "bind list\n"
                   "bind list j down extra\n"
                   "bind list x :  \n"
                   "bind list j down   # trailing comment\r\n"
                   "\n"
                   "   bind   logs   F3   :flow run nightly  \n"
                   "unbind list k\n"
                   "bind list k\n",
                   "/home/u/.config/weaver/keys");
    const char *want[] = {
        "/home/u/.config/weaver/keys:2: unknown context 'nowhere'\n",
        "/home/u/.config/weaver/keys:3: unknown key 'Foo'\n",
        "/home/u/.config/weaver/keys:4: unknown action 'nothing'\n",
        "/home/u/.config/weaver/keys:5: unknown directive 'frob'",
        "/home/u/.config/weaver/keys:6: expected: bind <context> <key>",
        "/home/u/.config/weaver/keys:7: unexpected 'extra' after action 'down'\n",
        "/home/u/.config/weaver/keys:8: empty command after ':'\n",
        "/home/u/.config/weaver/keys:12: unbind: 'k' is not bound in list\n",
        "/home/u/.config/weaver/keys:13: missing action or :command\n",
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
        if (!strstr(w, want[i]))
            fail_msg("warnings <%s> lack <%s>", w, want[i]);
    size_t lines = 0;
    for (const char *p = w; *p; p++)
        lines += *p == '\n';
    assert_int_equal(lines, sizeof want / sizeof want[0]);
    free(w);
    assert_int_equal(km.n, 2);
    assert_int_equal(act(&km, TUI_CTX_LIST, "j"), TUI_ACT_DOWN);
    const struct tui_binding *b = tui_keymap_lookup(&km, TUI_CTX_LOGS, KEY_F(3));
    assert_non_null(b);
    assert_string_equal(b->command, "flow run nightly");
    /* no warnings buffer: still skips quietly */
    tui_keymap_load(&km, "bind x y z\n", 11, "k", NULL);
    assert_int_equal(km.n, 2);
    tui_keymap_done(&km);
}

/* unbind removes one binding; the fallback then shows through. */
static void test_unbind(void **state)
{
    (void)state;
    struct tui_keymap km;
    tui_keymap_defaults(&km);
    size_t n = km.n;
    char *w = load(&km, "unbind list j\nunbind help q\nunbind global C-c\n", "k");
    assert_string_equal(w, "");
    free(w);
    assert_int_equal(km.n, n - 3);
    assert_int_equal(act(&km, TUI_CTX_SOURCES, "j"), TUI_ACT_NONE);
    assert_int_equal(act(&km, TUI_CTX_SOURCES, "Down"), TUI_ACT_DOWN);
    assert_int_equal(act(&km, TUI_CTX_HELP, "q"), TUI_ACT_QUIT);
    assert_null(tui_keymap_lookup(&km, TUI_CTX_GLOBAL, 3));
    w = load(&km, "unbind list j\n", "k");
    assert_string_equal(w, "k:1: unbind: 'j' is not bound in list\n");
    free(w);
    tui_keymap_done(&km);
    tui_keymap_done(&km); /* done twice is harmless */
}

/* Key names parse to curses codes and back. */
static void test_key_names(void **state)
{
    (void)state;
    const char *names[] = {"a", "z", "A", "Z", "0", "9", "?", "/", ":", "!", "~", "Space",
                           "Enter", "Esc", "Tab", "BTab", "Up", "Down", "Left", "Right", "PgUp",
                           "PgDn", "Home", "End", "Backspace", "Delete", "F1", "F9", "F10",
                           "F12", "C-a", "C-c", "C-k", "C-z"};
    char buf[32];
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        int k = tui_key_parse(names[i]);
        if (k < 0)
            fail_msg("%s does not parse", names[i]);
        assert_string_equal(tui_key_name(k, buf, sizeof buf), names[i]);
    }
    assert_int_equal(tui_key_parse("C-c"), 3);
    assert_int_equal(tui_key_parse("C-C"), 3);
    assert_int_equal(tui_key_parse("Up"), KEY_UP);
    assert_int_equal(tui_key_parse("pgdn"), KEY_NPAGE);
    assert_int_equal(tui_key_parse("Escape"), 27);
    assert_int_equal(tui_key_parse("F5"), KEY_F(5));
    assert_int_equal(tui_key_parse("Space"), ' ');
    assert_int_equal(tui_key_parse("C-i"), '\t');
    assert_int_equal(tui_key_parse("F13"), -1);
    assert_int_equal(tui_key_parse("F0"), -1);
    assert_int_equal(tui_key_parse("C-1"), -1);
    assert_int_equal(tui_key_parse("Foo"), -1);
    assert_int_equal(tui_key_parse(""), -1);
    assert_int_equal(tui_key_parse(" "), -1);
    assert_string_equal(tui_key_name(KEY_RESIZE, buf, sizeof buf), "<410>");
}

/* The line of a help text that contains needle (up to its newline), or NULL. */
static char *help_line(const char *help, const char *needle)
{
    const char *p = strstr(help, needle);
    if (!p)
        return NULL;
    const char *s = p, *e = strchr(p, '\n');
    while (s > help && s[-1] != '\n')
        s--;
    return wv_strndup(s, e ? (size_t)(e - s) : strlen(s));
}

/* Help is generated from the live bindings: overrides show, shadowed keys do not. */
static void test_help_live(void **state)
{
    (void)state;
    struct tui_keymap km;
    tui_keymap_defaults(&km);
    struct wv_buf h = WV_BUF_INIT;
    tui_keymap_help(&km, TUI_CTX_SOURCES, &h);
    const char *s = wv_buf_cstr(&h);
    assert_non_null(strstr(s, "sources:\n"));
    assert_non_null(strstr(s, "\nlist:\n"));
    assert_non_null(strstr(s, "\nglobal:\n"));
    assert_true(strstr(s, "sources:\n") < strstr(s, "\nlist:\n"));
    char *l = help_line(s, " check ");
    assert_non_null(l);
    assert_non_null(strstr(l, "  c "));
    assert_non_null(strstr(l, tui_action_help(TUI_ACT_CHECK)));
    free(l);
    l = help_line(s, " down ");
    assert_non_null(strstr(l, "j, Down"));
    free(l);
    assert_null(strstr(s, "sync-now"));
    wv_buf_reset(&h);

    char *w = load(&km, "bind sources j page-down\nbind sources C-x :source check all\n", "k");
    assert_string_equal(w, "");
    free(w);
    tui_keymap_help(&km, TUI_CTX_SOURCES, &h);
    s = wv_buf_cstr(&h);
    l = help_line(s, " down ");
    assert_non_null(l);
    assert_non_null(strstr(l, "  Down "));
    assert_null(strstr(l, "j"));
    free(l);
    l = help_line(s, " page-down ");
    assert_non_null(l);
    assert_non_null(strstr(l, "  j "));
    free(l);
    l = help_line(s, ":source check all");
    assert_non_null(l);
    assert_non_null(strstr(l, "C-x"));
    free(l);
    /* other views do not see the sources override */
    wv_buf_reset(&h);
    tui_keymap_help(&km, TUI_CTX_FLOWS, &h);
    l = help_line(wv_buf_cstr(&h), " down ");
    assert_non_null(strstr(l, "j, Down"));
    free(l);
    wv_buf_done(&h);
    tui_keymap_done(&km);
}

/* The man section names every action (roff-escaped) under its context. */
static void test_man(void **state)
{
    (void)state;
    struct wv_buf m = WV_BUF_INIT;
    tui_keymap_man(&m);
    const char *s = wv_buf_cstr(&m);
    assert_true(strncmp(s, ".SH CONSOLE KEYS\n", 17) == 0);
    struct tui_keymap def;
    tui_keymap_defaults(&def);
    for (int c = 0; c < TUI_CTX__COUNT; c++) {
        bool used = false;
        for (size_t i = 0; i < def.n; i++)
            used = used || def.b[i].ctx == (enum tui_context)c;
        if (!used)
            continue;
        char ss[64];
        snprintf(ss, sizeof ss, "\n.SS %s\n", tui_context_name((enum tui_context)c));
        assert_non_null(strstr(s, ss));
    }
    tui_keymap_done(&def);
    for (int a = 1; a < TUI_ACT__COUNT; a++) {
        char esc[64] = "\n";
        size_t n = 1;
        for (const char *p = tui_action_name((enum tui_action)a); *p && n < sizeof esc - 8;
             p++) {
            if (*p == '-')
                esc[n++] = '\\';
            esc[n++] = *p;
        }
        memcpy(esc + n, " \\(em ", 7);
        if (!strstr(s, esc))
            fail_msg("man section lacks %s", tui_action_name((enum tui_action)a));
    }
    assert_non_null(strstr(s, "\\fBj\\fR, \\fBDown\\fR\n"));
    assert_non_null(strstr(s, "\\fBC\\-k\\fR"));
    /* no line starts with a roff control character by accident */
    for (const char *p = s; (p = strchr(p, '\n')) && p[1]; p++)
        assert_true(p[1] != '\'');
    wv_buf_done(&m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),    cmocka_unit_test(test_actions),
        cmocka_unit_test(test_lookup_fallback), cmocka_unit_test(test_bad_lines),
        cmocka_unit_test(test_unbind),      cmocka_unit_test(test_key_names),
        cmocka_unit_test(test_help_live),   cmocka_unit_test(test_man),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
