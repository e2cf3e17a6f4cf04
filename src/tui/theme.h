/* theme.h - console themes: semantic slots (title, selection, run.ok, check.warn ...) styled by
 * data files (themes/NAME.yaml, embedded at build time; `inherit: NAME`; colours as "#rrggbb",
 * 0-255, or names black red green yellow blue magenta cyan white bright-*; attributes bold,
 * underline, reverse, dim), downgraded to what the terminal has (truecolor -> 256 -> 16 ->
 * mono). NO_COLOR selects attributes only. TUI thread only. */
#ifndef TUI_THEME_H
#define TUI_THEME_H

#include <stdbool.h>

#include "base/buf.h"
#include "base/error.h"

#define TUI_SLOTS(X) X(TEXT, "text") X(TITLE, "title") X(HEADER, "header") \
    X(STATUS, "status") X(SELECTION, "selection") X(BORDER, "border") X(DIM, "dim") \
    X(KEY, "key") X(PROMPT, "prompt") X(ERROR, "error") X(MATCH, "match") \
    X(RUN_OK, "run.ok") X(RUN_FAILED, "run.failed") X(RUN_RUNNING, "run.running") \
    X(RUN_QUEUED, "run.queued") X(RUN_SKIPPED, "run.skipped") X(RUN_RETRY, "run.retry") \
    X(CHECK_PASS, "check.pass") X(CHECK_WARN, "check.warn") X(CHECK_FAIL, "check.fail") \
    X(LOG_ERROR, "log.error") X(LOG_WARN, "log.warn") X(LOG_INFO, "log.info") \
    X(LOG_DEBUG, "log.debug") X(SPARK, "spark")

enum tui_slot {
#define TUI_X_SLOT(id, name) TUI_SLOT_##id,
    TUI_SLOTS(TUI_X_SLOT)
#undef TUI_X_SLOT
    TUI_SLOT__COUNT
};

enum tui_depth { TUI_DEPTH_MONO, TUI_DEPTH_16, TUI_DEPTH_256, TUI_DEPTH_TRUE };

/* A colour as written: default (-1 kind), an index 0-255, or RGB. */
struct tui_color {
    int kind; /* 0 default, 1 index, 2 rgb */
    int index;
    unsigned char r, g, b;
};

#define TUI_ATTR_BOLD 1u
#define TUI_ATTR_UNDERLINE 2u
#define TUI_ATTR_REVERSE 4u
#define TUI_ATTR_DIM 8u

struct tui_style {
    struct tui_color fg, bg;
    unsigned attrs;
};

struct tui_theme {
    char name[64];
    struct tui_style slots[TUI_SLOT__COUNT];
};

/* "run.ok" -> slot; -1 if unknown. */
int tui_slot_parse(const char *name);
const char *tui_slot_name(enum tui_slot s);

/* Loads a built-in theme by name (default, light, high-contrast, solarized, ...), resolving
 * `inherit:`; an unknown name or a bad file fails naming "themes/NAME.yaml:line:col". */
int tui_theme_builtin(const char *name, struct tui_theme *out, struct wv_error *err);
/* Parses theme YAML text (origin for errors); `inherit:` names a built-in theme. */
int tui_theme_parse(const char *text, size_t len, const char *origin, struct tui_theme *out,
                    struct wv_error *err);
/* The built-in theme names, NULL-terminated. */
const char *const *tui_theme_names(void);

/* The nearest colour index at a depth: -1 for the terminal default, 0-15 for 16 colours, 0-255
 * for 256 (xterm cube and greys); mono gives -1. */
int tui_color_index(const struct tui_color *c, enum tui_depth d);

/* Applies a theme to ncurses (init_pair per slot, at the terminal's depth; NO_COLOR or mono:
 * attributes only). Call after start_color(). */
void tui_theme_apply(const struct tui_theme *t, enum tui_depth d, bool no_color);
/* The curses attribute (colour pair | attributes) of a slot, as applied last. */
unsigned long tui_theme_attr(enum tui_slot s);
/* The depth of the running terminal (COLORS, $COLORTERM), after start_color(). */
enum tui_depth tui_terminal_depth(void);

#endif
