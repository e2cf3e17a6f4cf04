/* keys.h - console actions and key bindings. Actions are one X-macro list (context, id, name,
 * help) that generates the enum, the names, the help screen and the man page section. Bindings
 * are text lines `bind <context> <key> <action|:command>` (comments with #); the defaults use
 * the same syntax and are embedded at build time (src/tui/keys_default.txt); a user file
 * (~/.config/weaver/keys or $WEAVER_KEYS) is read on top: a bad line is a warning naming
 * file:line, never fatal. Key names: a-z, A-Z, 0-9, punctuation (?, /, :, ...), Space, Enter,
 * Esc, Tab, BTab, Up, Down, Left, Right, PgUp, PgDn, Home, End, Backspace, Delete, F1-F12,
 * C-a ... C-z. TUI thread only. */
#ifndef TUI_KEYS_H
#define TUI_KEYS_H

#include <stdbool.h>
#include <stddef.h>

#include "base/buf.h"

#define TUI_CONTEXTS(X) X(GLOBAL, "global") X(LIST, "list") X(SOURCES, "sources") \
    X(CONNECTIONS, "connections") X(FLOWS, "flows") X(RUNS, "runs") X(RUN, "run") \
    X(LOGS, "logs") X(METRICS, "metrics") X(HELP, "help")

enum tui_context {
#define TUI_X_CTX(id, name) TUI_CTX_##id,
    TUI_CONTEXTS(TUI_X_CTX)
#undef TUI_X_CTX
    TUI_CTX__COUNT
};

/* X(context, id, name, help) */
#define TUI_ACTIONS(X) \
    X(GLOBAL, QUIT, "quit", "quit the console") \
    X(GLOBAL, HELP, "help", "show the keys and commands") \
    X(GLOBAL, PROMPT, "prompt", "open the : command prompt") \
    X(GLOBAL, BACK, "back", "go back (close a dialog, leave a view)") \
    X(GLOBAL, NEXT_PANE, "next-pane", "move to the next pane") \
    X(GLOBAL, PREV_PANE, "prev-pane", "move to the previous pane") \
    X(GLOBAL, VIEW_SOURCES, "view-sources", "show the sources") \
    X(GLOBAL, VIEW_CONNECTIONS, "view-connections", "show the connections") \
    X(GLOBAL, VIEW_FLOWS, "view-flows", "show the flows and their runs grid") \
    X(GLOBAL, VIEW_LOGS, "view-logs", "show the live logs") \
    X(GLOBAL, VIEW_METRICS, "view-metrics", "show the metrics") \
    X(GLOBAL, COMMAND_LOG, "command-log", "show the commands the console ran") \
    X(GLOBAL, REFRESH, "refresh", "refresh now") \
    X(LIST, UP, "up", "move up") \
    X(LIST, DOWN, "down", "move down") \
    X(LIST, PAGE_UP, "page-up", "move a page up") \
    X(LIST, PAGE_DOWN, "page-down", "move a page down") \
    X(LIST, TOP, "top", "go to the first row") \
    X(LIST, BOTTOM, "bottom", "go to the last row") \
    X(LIST, LEFT, "left", "move left (grid)") \
    X(LIST, RIGHT, "right", "move right (grid)") \
    X(LIST, OPEN, "open", "open the selected row") \
    X(LIST, FILTER, "filter", "filter the rows (/ regex, ! to invert)") \
    X(SOURCES, CHECK, "check", "check the source's connection") \
    X(SOURCES, NEW_SOURCE, "new-source", "create a source from its connector's spec") \
    X(SOURCES, EDIT, "edit", "edit the file in $EDITOR (validated on save)") \
    X(CONNECTIONS, SYNC_NOW, "sync-now", "run a sync of the connection now") \
    X(CONNECTIONS, TOGGLE_ENABLED, "toggle-enabled", "enable or disable") \
    X(CONNECTIONS, DISCOVER, "discover", "discover the schema and show what changed") \
    X(CONNECTIONS, RESET_STATE, "reset-state", "reset a stream's state (asks first)") \
    X(CONNECTIONS, NEW_CONNECTION, "new-connection", "create a connection") \
    X(FLOWS, RUN_NOW, "run-now", "run the flow now") \
    X(RUNS, RERUN_FAILED, "rerun-failed", "rerun the failed tasks (shows what first)") \
    X(RUNS, RERUN_FROM, "rerun-from", "rerun from the selected task (shows what first)") \
    X(RUNS, CANCEL, "cancel", "cancel the run (asks first)") \
    X(RUNS, MARK_SUCCESS, "mark-success", "mark the selected task success") \
    X(RUNS, MARK_FAILED, "mark-failed", "mark the selected task failed") \
    X(RUNS, TASK_LOGS, "task-logs", "show the selected task's logs") \
    X(LOGS, FOLLOW, "follow", "follow new lines / pause") \
    X(LOGS, WRAP, "wrap", "wrap long lines") \
    X(LOGS, TIMESTAMPS, "timestamps", "show or hide timestamps") \
    X(LOGS, LEVEL, "level", "cycle the minimum level shown") \
    X(LOGS, SEARCH, "search", "search (n/N for next/previous)") \
    X(LOGS, SEARCH_NEXT, "search-next", "next match") \
    X(LOGS, SEARCH_PREV, "search-prev", "previous match")

enum tui_action {
    TUI_ACT_NONE,
#define TUI_X_ACT(ctx, id, name, help) TUI_ACT_##id,
    TUI_ACTIONS(TUI_X_ACT)
#undef TUI_X_ACT
    TUI_ACT__COUNT
};

const char *tui_action_name(enum tui_action a);
const char *tui_action_help(enum tui_action a);
enum tui_context tui_action_context(enum tui_action a);
const char *tui_context_name(enum tui_context c);

/* Key codes are curses codes (KEY_UP ...), characters, or control characters. */
/* "C-c" -> 3, "Up" -> KEY_UP ...; -1 if unknown. */
int tui_key_parse(const char *name);
/* Key code -> name into buf ("C-c", "Up", "?"). */
const char *tui_key_name(int key, char *buf, size_t size);

struct tui_binding {
    enum tui_context ctx;
    int key;
    enum tui_action action; /* TUI_ACT_NONE when command is set */
    char *command;          /* ":flow run x" without the ':' (owned), or NULL */
};

struct tui_keymap {
    struct tui_binding *b;
    size_t n;
};

/* The embedded defaults. Caller frees with tui_keymap_done. */
void tui_keymap_defaults(struct tui_keymap *km);
/* Adds (or overrides) bindings from text; each bad line appends "origin:LINE: message\n" to
 * warnings (may be NULL) and is skipped. `unbind <context> <key>` removes one. */
void tui_keymap_load(struct tui_keymap *km, const char *text, size_t len, const char *origin,
                     struct wv_buf *warnings);
void tui_keymap_done(struct tui_keymap *km);
/* The binding of key in ctx (falling back to list keys for list views, then global), or
 * NULL. */
const struct tui_binding *tui_keymap_lookup(const struct tui_keymap *km, enum tui_context ctx,
                                            int key);
/* Help text for a context (its keys, then list and global keys), one "KEY  action  help" line
 * each, from the live bindings. */
void tui_keymap_help(const struct tui_keymap *km, enum tui_context ctx, struct wv_buf *out);
/* The man page section (roff) of the default keys of every context. */
void tui_keymap_man(struct wv_buf *out);

#endif
