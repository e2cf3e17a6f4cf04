/* test_theme.c - unit tests for tui/theme.c: slot names, the embedded built-in themes (each
 * loads and defines every slot), parsing with field-wise inheritance, colour downgrade
 * (truecolor -> 256 -> 16 -> mono), errors with file:line:col, and the attributes-only (mono /
 * NO_COLOR) mapping, which calls no terminal function. Single-threaded. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <curses.h>
#include <string.h>

#include "tui/theme.h"

/* Parses text as theme `origin`; fails the test on error. */
static void parse_ok(const char *text, const char *origin, struct tui_theme *t)
{
    struct wv_error err = {0};
    if (tui_theme_parse(text, strlen(text), origin, t, &err) < 0)
        fail_msg("theme <%s> failed: %s", text, err.msg);
}

/* Parses text expecting an error that contains want; returns nothing. */
static void parse_fails(const char *text, const char *want)
{
    struct tui_theme t;
    struct wv_error err = {0};
    if (tui_theme_parse(text, strlen(text), "themes/t.yaml", &t, &err) == 0)
        fail_msg("theme <%s> parsed; expected <%s>", text, want);
    if (!strstr(err.msg, want))
        fail_msg("theme <%s>: got <%s>, expected <%s>", text, err.msg, want);
}

/* Every slot's name parses back to it; unknown names are -1. */
static void test_slot_names(void **state)
{
    (void)state;
    for (int s = 0; s < TUI_SLOT__COUNT; s++)
        assert_int_equal(tui_slot_parse(tui_slot_name((enum tui_slot)s)), s);
    assert_int_equal(tui_slot_parse("run.ok"), TUI_SLOT_RUN_OK);
    assert_int_equal(tui_slot_parse("run.okk"), -1);
    assert_int_equal(tui_slot_parse(""), -1);
}

/* The four built-in themes load (resolving inherit:) and are listed. */
static void test_builtins_load(void **state)
{
    (void)state;
    const char *want[] = {"default", "light", "high-contrast", "solarized"};
    const char *const *names = tui_theme_names();
    size_t n = 0;
    while (names[n])
        n++;
    assert_true(n >= 4);
    for (size_t i = 0; i < 4; i++) {
        bool found = false;
        for (size_t k = 0; k < n; k++)
            found = found || strcmp(names[k], want[i]) == 0;
        assert_true(found);
    }
    for (size_t i = 0; i < n; i++) {
        struct tui_theme t;
        struct wv_error err = {0};
        if (tui_theme_builtin(names[i], &t, &err) < 0)
            fail_msg("theme %s: %s", names[i], err.msg);
        assert_string_equal(t.name, names[i]);
        /* every theme colours its title and selection and marks a failed run */
        assert_true(t.slots[TUI_SLOT_TITLE].bg.kind != 0);
        assert_true(t.slots[TUI_SLOT_SELECTION].bg.kind != 0);
        assert_true(t.slots[TUI_SLOT_RUN_FAILED].fg.kind != 0);
    }
}

/* Every built-in defines every slot: each is either standalone (which the parser only accepts
 * with every slot named, see test_errors) or inherits a theme that is; and an inheriting theme
 * keeps the slots it does not name. */
static void test_builtins_every_slot(void **state)
{
    (void)state;
    struct tui_theme def, light, hc;
    struct wv_error err = {0};
    assert_int_equal(tui_theme_builtin("default", &def, &err), 0);
    assert_int_equal(tui_theme_builtin("light", &light, &err), 0);
    assert_int_equal(tui_theme_builtin("high-contrast", &hc, &err), 0);
    /* light does not name error/text: inherited as is */
    assert_memory_equal(&light.slots[TUI_SLOT_ERROR], &def.slots[TUI_SLOT_ERROR],
                        sizeof def.slots[0]);
    assert_memory_equal(&light.slots[TUI_SLOT_TEXT], &def.slots[TUI_SLOT_TEXT],
                        sizeof def.slots[0]);
    /* but overrides selection */
    assert_memory_not_equal(&light.slots[TUI_SLOT_SELECTION], &def.slots[TUI_SLOT_SELECTION],
                            sizeof def.slots[0]);
    assert_int_equal(hc.slots[TUI_SLOT_TEXT].bg.kind, 1);
    assert_int_equal(hc.slots[TUI_SLOT_TEXT].bg.index, 0);
}

/* inherit: replaces only the fields a slot names; attrs: [] clears; a colour alone is fg. */
static void test_inherit_fields(void **state)
{
    (void)state;
    struct tui_theme def, t;
    struct wv_error err = {0};
    assert_int_equal(tui_theme_builtin("default", &def, &err), 0);
    parse_ok("name: mine\ninherit: default\nslots:\n"
             "  selection: {bg: blue}\n"
             "  title: {attrs: []}\n"
             "  run.ok: \"#00ff00\"\n"
             "  spark: 33\n",
             "user.yaml", &t);
    assert_string_equal(t.name, "mine");
    const struct tui_style *sel = &t.slots[TUI_SLOT_SELECTION];
    assert_memory_equal(&sel->fg, &def.slots[TUI_SLOT_SELECTION].fg, sizeof sel->fg);
    assert_int_equal(sel->bg.kind, 1);
    assert_int_equal(sel->bg.index, 4);
    assert_int_equal(t.slots[TUI_SLOT_TITLE].attrs, 0);
    assert_true(def.slots[TUI_SLOT_TITLE].attrs & TUI_ATTR_BOLD);
    assert_memory_equal(&t.slots[TUI_SLOT_TITLE].bg, &def.slots[TUI_SLOT_TITLE].bg,
                        sizeof sel->bg);
    assert_int_equal(t.slots[TUI_SLOT_RUN_OK].fg.kind, 2);
    assert_int_equal(t.slots[TUI_SLOT_RUN_OK].fg.g, 255);
    assert_int_equal(t.slots[TUI_SLOT_SPARK].fg.kind, 1);
    assert_int_equal(t.slots[TUI_SLOT_SPARK].fg.index, 33);
    /* without name: the file name */
    parse_ok("inherit: light\n", "/home/x/.config/weaver/themes/dusk.yaml", &t);
    assert_string_equal(t.name, "dusk");
}

/* Colour names, attributes and their bits. */
static void test_colors_attrs(void **state)
{
    (void)state;
    struct tui_theme t;
    parse_ok("inherit: default\nslots:\n"
             "  text: {fg: bright-white, bg: default}\n"
             "  dim: {fg: bright-black, attrs: dim}\n"
             "  key: {fg: magenta, bg: 236, attrs: [bold, underline, reverse, dim]}\n",
             "x.yaml", &t);
    assert_int_equal(t.slots[TUI_SLOT_TEXT].fg.index, 15);
    assert_int_equal(t.slots[TUI_SLOT_TEXT].bg.kind, 0);
    assert_int_equal(t.slots[TUI_SLOT_DIM].fg.index, 8);
    assert_int_equal(t.slots[TUI_SLOT_DIM].attrs, TUI_ATTR_DIM);
    assert_int_equal(t.slots[TUI_SLOT_KEY].fg.index, 5);
    assert_int_equal(t.slots[TUI_SLOT_KEY].bg.index, 236);
    assert_int_equal(t.slots[TUI_SLOT_KEY].attrs,
                     TUI_ATTR_BOLD | TUI_ATTR_UNDERLINE | TUI_ATTR_REVERSE | TUI_ATTR_DIM);
}

/* A colour from "#rrggbb". */
static struct tui_color rgb(unsigned char r, unsigned char g, unsigned char b)
{
    struct tui_color c = {2, -1, r, g, b};
    return c;
}

/* Downgrade: nearest xterm cube/grey in 256, nearest ANSI colour in 16, nothing in mono. */
static void test_downgrade(void **state)
{
    (void)state;
    struct tui_color red = rgb(255, 0, 0);
    assert_int_equal(tui_color_index(&red, TUI_DEPTH_256), 196);
    assert_int_equal(tui_color_index(&red, TUI_DEPTH_TRUE), 196);
    assert_int_equal(tui_color_index(&red, TUI_DEPTH_16), 9);
    assert_int_equal(tui_color_index(&red, TUI_DEPTH_MONO), -1);
    struct tui_color black = rgb(0, 0, 0), white = rgb(255, 255, 255);
    assert_int_equal(tui_color_index(&black, TUI_DEPTH_256), 16);
    assert_int_equal(tui_color_index(&white, TUI_DEPTH_256), 231);
    assert_int_equal(tui_color_index(&white, TUI_DEPTH_16), 15);
    struct tui_color grey = rgb(0x80, 0x80, 0x80), light = rgb(0xd0, 0xd0, 0xd0);
    assert_int_equal(tui_color_index(&grey, TUI_DEPTH_256), 244);  /* grey ramp 128 */
    assert_int_equal(tui_color_index(&light, TUI_DEPTH_256), 252); /* 208, nearer than 215 */
    assert_int_equal(tui_color_index(&grey, TUI_DEPTH_16), 8);
    struct tui_color orange = rgb(0xff, 0xaf, 0x00);
    assert_int_equal(tui_color_index(&orange, TUI_DEPTH_256), 214);
    struct tui_color dkblue = rgb(0, 0, 0xcd);
    assert_int_equal(tui_color_index(&dkblue, TUI_DEPTH_16), 4);
    /* indexes: kept at 256, mapped through their RGB value at 16 */
    struct tui_color i196 = {1, 196, 0, 0, 0}, i3 = {1, 3, 0, 0, 0}, i231 = {1, 231, 0, 0, 0};
    assert_int_equal(tui_color_index(&i196, TUI_DEPTH_256), 196);
    assert_int_equal(tui_color_index(&i196, TUI_DEPTH_16), 9);
    assert_int_equal(tui_color_index(&i3, TUI_DEPTH_16), 3);
    assert_int_equal(tui_color_index(&i231, TUI_DEPTH_16), 15);
    assert_int_equal(tui_color_index(&i3, TUI_DEPTH_MONO), -1);
    struct tui_color dflt = {0, -1, 0, 0, 0};
    assert_int_equal(tui_color_index(&dflt, TUI_DEPTH_256), -1);
    assert_int_equal(tui_color_index(&dflt, TUI_DEPTH_16), -1);
}

/* Errors name themes/NAME.yaml:line:col and the problem. */
static void test_errors(void **state)
{
    (void)state;
    parse_fails("inherit: default\nslots:\n  run.okk: {fg: red}\n",
                "themes/t.yaml:3:12: unknown slot 'run.okk'");
    parse_fails("inherit: default\nslots:\n  title: {fg: \"#12345\"}\n",
                "themes/t.yaml:3:15: bad colour");
    parse_fails("inherit: default\nslots:\n  title: {fg: purple}\n",
                "themes/t.yaml:3:15: unknown colour 'purple'");
    parse_fails("inherit: default\nslots:\n  title: {bg: 300}\n",
                "themes/t.yaml:3:15: colour index out of range");
    parse_fails("inherit: default\nslots:\n  title:\n    fg: #ff0000\n",
                "themes/t.yaml:4:");
    parse_fails("inherit: default\nslots:\n  title:\n    fg: #ff0000\n", "missing colour");
    parse_fails("inherit: default\nslots:\n  title: {attrs: [blink]}\n",
                "themes/t.yaml:3:19: unknown attribute");
    parse_fails("inherit: default\nslots:\n  title: {colour: red}\n",
                "themes/t.yaml:3:19: unknown key (fg, bg, attrs): 'colour'");
    parse_fails("inherit: nope\n", "themes/t.yaml:1:10: inherit: unknown theme 'nope'");
    parse_fails("inherit: default\ncolours: {}\n", "themes/t.yaml:2:10: unknown key");
    parse_fails("inherit: default\nslots: [a, b]\n", "themes/t.yaml:2:8: slots: expected");
    parse_fails("- a\n- b\n", "themes/t.yaml:1:1: a theme is a mapping");
    parse_fails("slots:\n  title: {fg: red\n", "themes/t.yaml:");
    /* a theme without inherit: must name every slot */
    parse_fails("name: bare\nslots:\n  title: {fg: red}\n", "missing 'text'");
    struct tui_theme t;
    struct wv_error err = {0};
    assert_int_equal(tui_theme_builtin("nope", &t, &err), -1);
    assert_int_equal(err.code, WV_E_NOTFOUND);
    assert_non_null(strstr(err.msg, "unknown theme 'nope'"));
    assert_non_null(strstr(err.msg, "solarized"));
}

/* Without colour every slot keeps its attributes, plus what tells it apart in mono. */
static void test_mono_attrs(void **state)
{
    (void)state;
    struct tui_theme t;
    struct wv_error err = {0};
    assert_int_equal(tui_theme_builtin("default", &t, &err), 0);
    tui_theme_apply(&t, TUI_DEPTH_256, true); /* NO_COLOR: no terminal call, no pairs */
    assert_true(tui_theme_attr(TUI_SLOT_SELECTION) & A_REVERSE);
    assert_true(tui_theme_attr(TUI_SLOT_RUN_FAILED) & A_BOLD);
    assert_true(tui_theme_attr(TUI_SLOT_TITLE) & A_BOLD); /* from the theme */
    assert_int_equal(tui_theme_attr(TUI_SLOT_RUN_OK) & A_COLOR, 0);
    assert_int_equal(tui_theme_attr(TUI_SLOT_TEXT), A_NORMAL);
    tui_theme_apply(&t, TUI_DEPTH_MONO, false);
    assert_true(tui_theme_attr(TUI_SLOT_SELECTION) & A_REVERSE);
    assert_true(tui_theme_attr(TUI_SLOT_CHECK_FAIL) & A_BOLD);
    assert_int_equal(tui_theme_attr(TUI_SLOT_SELECTION) & A_COLOR, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_slot_names),        cmocka_unit_test(test_builtins_load),
        cmocka_unit_test(test_builtins_every_slot), cmocka_unit_test(test_inherit_fields),
        cmocka_unit_test(test_colors_attrs),      cmocka_unit_test(test_downgrade),
        cmocka_unit_test(test_errors),            cmocka_unit_test(test_mono_attrs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
