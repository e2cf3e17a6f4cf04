/* keys.c - console actions, key names and keymaps: the binding file format (keys.h), lookups
 * falling back from a view's context to `list` and `global`, and the help text and man page
 * section generated from the bindings. TUI thread only (the keymap is not locked). */
#include "tui/keys.h"

#include <curses.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/mem.h"

/* The generated table of the embedded defaults (tui_keys_default.c, from keys_default.txt). */
extern const unsigned char *const tui_keys_file_data[];
extern const size_t tui_keys_file_lens[];

#define KEYS_ORIGIN "keys_default.txt"

static const char *const ctx_names[] = {
#define TUI_X_CTX(id, name) name,
    TUI_CONTEXTS(TUI_X_CTX)
#undef TUI_X_CTX
};

static const char *const act_names[] = {"none",
#define TUI_X_ACT(ctx, id, name, help) name,
                                        TUI_ACTIONS(TUI_X_ACT)
#undef TUI_X_ACT
};

static const char *const act_helps[] = {"",
#define TUI_X_ACT(ctx, id, name, help) help,
                                        TUI_ACTIONS(TUI_X_ACT)
#undef TUI_X_ACT
};

static const enum tui_context act_ctxs[] = {TUI_CTX_GLOBAL,
#define TUI_X_ACT(ctx, id, name, help) TUI_CTX_##ctx,
                                            TUI_ACTIONS(TUI_X_ACT)
#undef TUI_X_ACT
};

/* Named keys; the first name of a code is its canonical name, later ones are aliases. */
static const struct {
    const char *name;
    int key;
} named_keys[] = {
    {"Space", ' '},        {"Enter", '\n'},
    {"Esc", 27},           {"Tab", '\t'},
    {"BTab", KEY_BTAB},    {"Up", KEY_UP},
    {"Down", KEY_DOWN},    {"Left", KEY_LEFT},
    {"Right", KEY_RIGHT},  {"PgUp", KEY_PPAGE},
    {"PgDn", KEY_NPAGE},   {"Home", KEY_HOME},
    {"End", KEY_END},      {"Backspace", KEY_BACKSPACE},
    {"Delete", KEY_DC},    {"Insert", KEY_IC},
    {"Return", '\n'},      {"Escape", 27},
    {"BackTab", KEY_BTAB}, {"S-Tab", KEY_BTAB},
    {"PageUp", KEY_PPAGE}, {"PageDown", KEY_NPAGE},
    {"Del", KEY_DC},       {"BSpace", KEY_BACKSPACE},
};

/* The action's name ("none" out of range). */
const char *tui_action_name(enum tui_action a)
{
    return (int)a >= 0 && a < TUI_ACT__COUNT ? act_names[a] : "none";
}

/* The action's one-line help ("" out of range). */
const char *tui_action_help(enum tui_action a)
{
    return (int)a >= 0 && a < TUI_ACT__COUNT ? act_helps[a] : "";
}

/* The context the action belongs to (its group in the action list). */
enum tui_context tui_action_context(enum tui_action a)
{
    return (int)a >= 0 && a < TUI_ACT__COUNT ? act_ctxs[a] : TUI_CTX_GLOBAL;
}

/* The context's name ("?" out of range). */
const char *tui_context_name(enum tui_context c)
{
    return (int)c >= 0 && c < TUI_CTX__COUNT ? ctx_names[c] : "?";
}

/* "sources" -> context; -1 if unknown. */
static int context_parse(const char *name)
{
    for (int i = 0; i < TUI_CTX__COUNT; i++)
        if (strcmp(name, ctx_names[i]) == 0)
            return i;
    return -1;
}

/* "sync-now" -> action; TUI_ACT_NONE if unknown. */
static enum tui_action action_parse(const char *name)
{
    for (int i = 1; i < TUI_ACT__COUNT; i++)
        if (strcmp(name, act_names[i]) == 0)
            return (enum tui_action)i;
    return TUI_ACT_NONE;
}

/* Parses a key name (see keys.h); -1 if unknown. */
int tui_key_parse(const char *name)
{
    if (!name || !*name)
        return -1;
    size_t n = strlen(name);
    if (n == 1)
        return (unsigned char)name[0] > ' ' && (unsigned char)name[0] < 127 ? (unsigned char)name[0]
                                                                            : -1;
    for (size_t i = 0; i < sizeof named_keys / sizeof named_keys[0]; i++)
        if (strcasecmp(name, named_keys[i].name) == 0)
            return named_keys[i].key;
    if (n == 3 && (name[0] == 'C' || name[0] == 'c') && name[1] == '-') {
        char c = name[2];
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))
            return c & 0x1f;
        return -1;
    }
    if ((name[0] == 'F' || name[0] == 'f') && n <= 3 && name[1] >= '1' && name[1] <= '9') {
        int f = name[1] - '0';
        if (n == 3) {
            if (name[2] < '0' || name[2] > '9')
                return -1;
            f = f * 10 + (name[2] - '0');
        }
        return f >= 1 && f <= 12 ? KEY_F(f) : -1;
    }
    return -1;
}

/* Key code -> name into buf (see keys.h). */
const char *tui_key_name(int key, char *buf, size_t size)
{
    if (!buf || !size)
        return "";
    for (size_t i = 0; i < sizeof named_keys / sizeof named_keys[0]; i++) {
        if (named_keys[i].key == key) {
            snprintf(buf, size, "%s", named_keys[i].name);
            return buf;
        }
    }
    if (key >= 1 && key <= 26)
        snprintf(buf, size, "C-%c", 'a' + key - 1);
    else if (key > ' ' && key < 127)
        snprintf(buf, size, "%c", key);
    else if (key == 127)
        snprintf(buf, size, "Backspace");
    else if (key >= KEY_F(1) && key <= KEY_F(12))
        snprintf(buf, size, "F%d", key - KEY_F0);
    else
        snprintf(buf, size, "<%d>", key);
    return buf;
}

/* The form a key is bound and looked up in: the several codes of Enter and Backspace as one. */
static int key_normalize(int key)
{
    if (key == '\r' || key == KEY_ENTER)
        return '\n';
    if (key == 127)
        return KEY_BACKSPACE;
    return key;
}

/* The index of the binding of key in ctx, or -1. */
static long keymap_find(const struct tui_keymap *km, enum tui_context ctx, int key)
{
    for (size_t i = 0; i < km->n; i++)
        if (km->b[i].ctx == ctx && km->b[i].key == key)
            return (long)i;
    return -1;
}

/* Adds or replaces the binding of key in ctx (command: owned by the map afterwards). */
static void keymap_set(struct tui_keymap *km, enum tui_context ctx, int key, enum tui_action a,
                       char *command)
{
    long i = keymap_find(km, ctx, key);
    struct tui_binding *b;
    if (i >= 0) {
        b = &km->b[i];
        free(b->command);
    } else {
        km->b = wv_realloc(km->b, (km->n + 1) * sizeof *km->b);
        b = &km->b[km->n++];
    }
    b->ctx = ctx;
    b->key = key;
    b->action = command ? TUI_ACT_NONE : a;
    b->command = command;
}

/* Removes the binding of key in ctx; whether there was one. */
static bool keymap_unset(struct tui_keymap *km, enum tui_context ctx, int key)
{
    long i = keymap_find(km, ctx, key);
    if (i < 0)
        return false;
    free(km->b[i].command);
    memmove(&km->b[i], &km->b[i + 1], (km->n - (size_t)i - 1) * sizeof *km->b);
    km->n--;
    return true;
}

/* Appends "origin:line: message\n" to warnings (NULL: dropped). */
static void keys_warn(struct wv_buf *warnings, const char *origin, size_t line, const char *fmt,
                      ...) WV_PRINTF(4, 5);
static void keys_warn(struct wv_buf *warnings, const char *origin, size_t line, const char *fmt,
                      ...)
{
    if (!warnings)
        return;
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    wv_buf_printf(warnings, NULL, "%s:%zu: %s\n", origin, line, msg);
}

/* Splits off the next whitespace-separated word of *p (NUL-terminating it in place). */
static char *next_word(char **p)
{
    char *s = *p;
    while (*s == ' ' || *s == '\t')
        s++;
    if (!*s) {
        *p = s;
        return NULL;
    }
    char *w = s;
    while (*s && *s != ' ' && *s != '\t')
        s++;
    if (*s)
        *s++ = '\0';
    *p = s;
    return w;
}

/* Trims spaces and tabs at both ends of s, in place. */
static char *trim(char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        s[--n] = '\0';
    return s;
}

/* Parses the context and key words of a bind/unbind line; -1 after a warning. */
static int parse_ctx_key(char **rest, const char *origin, size_t line, struct wv_buf *warnings,
                         enum tui_context *ctx, int *key)
{
    char *cw = next_word(rest), *kw = cw ? next_word(rest) : NULL;
    if (!kw) {
        keys_warn(warnings, origin, line,
                  "expected: bind <context> <key> <action|:command> or unbind <context> <key>");
        return -1;
    }
    int c = context_parse(cw);
    if (c < 0) {
        keys_warn(warnings, origin, line, "unknown context '%.64s'", cw);
        return -1;
    }
    int k = tui_key_parse(kw);
    if (k < 0) {
        keys_warn(warnings, origin, line, "unknown key '%.64s'", kw);
        return -1;
    }
    *ctx = (enum tui_context)c;
    *key = key_normalize(k);
    return 0;
}

/* Parses the target of a bind line into the map; -1 after a warning. */
static int parse_bind(char *rest, const char *origin, size_t line, struct wv_buf *warnings,
                      struct tui_keymap *km, enum tui_context ctx, int key)
{
    rest = trim(rest);
    if (*rest == ':') {
        char *cmd = trim(rest + 1);
        if (!*cmd) {
            keys_warn(warnings, origin, line, "empty command after ':'");
            return -1;
        }
        keymap_set(km, ctx, key, TUI_ACT_NONE, wv_strdup(cmd));
        return 0;
    }
    char *aw = next_word(&rest);
    if (!aw) {
        keys_warn(warnings, origin, line, "missing action or :command");
        return -1;
    }
    enum tui_action a = action_parse(aw);
    if (a == TUI_ACT_NONE) {
        keys_warn(warnings, origin, line, "unknown action '%.64s'", aw);
        return -1;
    }
    char *extra = next_word(&rest);
    if (extra && extra[0] != '#') {
        keys_warn(warnings, origin, line, "unexpected '%.64s' after action '%s'", extra, aw);
        return -1;
    }
    keymap_set(km, ctx, key, a, NULL);
    return 0;
}

/* Parses one line (NUL-terminated, writable) into the map. */
static void load_line(struct tui_keymap *km, char *s, const char *origin, size_t line,
                      struct wv_buf *warnings)
{
    char *rest = s;
    char *dir = next_word(&rest);
    if (!dir || dir[0] == '#')
        return;
    enum tui_context ctx;
    int key;
    if (strcmp(dir, "bind") == 0) {
        if (parse_ctx_key(&rest, origin, line, warnings, &ctx, &key) == 0)
            parse_bind(rest, origin, line, warnings, km, ctx, key);
    } else if (strcmp(dir, "unbind") == 0) {
        if (parse_ctx_key(&rest, origin, line, warnings, &ctx, &key) < 0)
            return;
        char *extra = next_word(&rest);
        if (extra && extra[0] != '#') {
            keys_warn(warnings, origin, line, "unexpected '%.64s' after unbind", extra);
            return;
        }
        if (!keymap_unset(km, ctx, key)) {
            char name[32];
            keys_warn(warnings, origin, line, "unbind: '%s' is not bound in %s",
                      tui_key_name(key, name, sizeof name), tui_context_name(ctx));
        }
    } else {
        keys_warn(warnings, origin, line, "unknown directive '%.64s' (bind, unbind)", dir);
    }
}

/* Adds (or overrides) bindings from text (see keys.h). */
void tui_keymap_load(struct tui_keymap *km, const char *text, size_t len, const char *origin,
                     struct wv_buf *warnings)
{
    if (!origin)
        origin = "keys";
    size_t line = 0, pos = 0;
    while (text && pos < len) {
        const char *nl = memchr(text + pos, '\n', len - pos);
        size_t end = nl ? (size_t)(nl - text) : len;
        size_t n = end - pos;
        if (n && text[pos + n - 1] == '\r')
            n--;
        line++;
        char *s = wv_strndup(text + pos, n);
        if (strlen(s) != n)
            keys_warn(warnings, origin, line, "NUL byte in line");
        else
            load_line(km, s, origin, line, warnings);
        free(s);
        pos = end + 1;
    }
}

/* The embedded defaults (see keys.h). */
void tui_keymap_defaults(struct tui_keymap *km)
{
    km->b = NULL;
    km->n = 0;
    tui_keymap_load(km, (const char *)tui_keys_file_data[0], tui_keys_file_lens[0], KEYS_ORIGIN,
                    NULL);
}

/* Frees the bindings; the map is empty afterwards. */
void tui_keymap_done(struct tui_keymap *km)
{
    if (!km)
        return;
    for (size_t i = 0; i < km->n; i++)
        free(km->b[i].command);
    free(km->b);
    km->b = NULL;
    km->n = 0;
}

/* The contexts a key is looked up in from ctx, in order; their count. */
static int context_chain(enum tui_context ctx, enum tui_context chain[3])
{
    int n = 0;
    chain[n++] = ctx;
    if (ctx != TUI_CTX_GLOBAL && ctx != TUI_CTX_LIST && ctx != TUI_CTX_HELP)
        chain[n++] = TUI_CTX_LIST;
    if (ctx != TUI_CTX_GLOBAL)
        chain[n++] = TUI_CTX_GLOBAL;
    return n;
}

/* The binding of key in ctx, falling back to list and global (see keys.h). */
const struct tui_binding *tui_keymap_lookup(const struct tui_keymap *km, enum tui_context ctx,
                                            int key)
{
    enum tui_context chain[3];
    int n = context_chain(ctx, chain);
    key = key_normalize(key);
    for (int c = 0; c < n; c++) {
        long i = keymap_find(km, chain[c], key);
        if (i >= 0)
            return &km->b[i];
    }
    return NULL;
}

/* Whether binding b is the one a key press in ctx reaches (not shadowed). */
static bool binding_live(const struct tui_keymap *km, enum tui_context ctx,
                         const struct tui_binding *b)
{
    return tui_keymap_lookup(km, ctx, b->key) == b;
}

static void roff_puts(struct wv_buf *out, const char *s);

/* Appends the names of the keys bound in c to action a (or to binding cmd's command) that
 * reach ctx, ", "-separated (roff: each in bold); how many. */
static int keys_of(const struct tui_keymap *km, enum tui_context ctx, enum tui_context c,
                   enum tui_action a, const struct tui_binding *cmd, bool roff, struct wv_buf *out)
{
    int n = 0;
    for (size_t i = 0; i < km->n; i++) {
        const struct tui_binding *b = &km->b[i];
        if (b->ctx != c || !binding_live(km, ctx, b))
            continue;
        if (cmd ? b != cmd : (b->command || b->action != a))
            continue;
        char name[32];
        tui_key_name(b->key, name, sizeof name);
        wv_buf_puts(out, n++ ? ", " : "", NULL);
        if (roff) {
            wv_buf_puts(out, "\\fB", NULL);
            roff_puts(out, name);
            wv_buf_puts(out, "\\fR", NULL);
        } else {
            wv_buf_puts(out, name, NULL);
        }
    }
    return n;
}

/* Help text for a context (see keys.h): per context of the lookup chain a "CONTEXT:" heading,
 * then "  KEYS  action  help" lines (several keys of one action share a line), a blank line
 * between contexts. Shadowed bindings are left out. */
void tui_keymap_help(const struct tui_keymap *km, enum tui_context ctx, struct wv_buf *out)
{
    enum tui_context chain[3];
    int nc = context_chain(ctx, chain);
    struct wv_buf keys = WV_BUF_INIT;
    for (int c = 0; c < nc; c++) {
        wv_buf_printf(out, NULL, "%s%s:\n", c ? "\n" : "", tui_context_name(chain[c]));
        for (int a = 1; a < TUI_ACT__COUNT; a++) {
            wv_buf_reset(&keys);
            if (keys_of(km, ctx, chain[c], (enum tui_action)a, NULL, false, &keys))
                wv_buf_printf(out, NULL, "  %-14s %-17s %s\n", wv_buf_cstr(&keys), act_names[a],
                              act_helps[a]);
        }
        for (size_t i = 0; i < km->n; i++) {
            const struct tui_binding *b = &km->b[i];
            wv_buf_reset(&keys);
            if (b->ctx == chain[c] && b->command &&
                keys_of(km, ctx, chain[c], TUI_ACT_NONE, b, false, &keys))
                wv_buf_printf(out, NULL, "  %-14s :%-16s run the command\n", wv_buf_cstr(&keys),
                              b->command);
        }
    }
    wv_buf_done(&keys);
}

/* Appends s escaped for roff (backslashes, hyphens). */
static void roff_puts(struct wv_buf *out, const char *s)
{
    for (; *s; s++) {
        if (*s == '\\')
            wv_buf_puts(out, "\\e", NULL);
        else if (*s == '-')
            wv_buf_puts(out, "\\-", NULL);
        else
            wv_buf_putc(out, *s, NULL);
    }
}

/* Appends one ".TP" entry: the keys (already roff), then "action \\(em help". */
static void man_entry(struct wv_buf *out, const char *keys, const char *action, const char *help)
{
    wv_buf_printf(out, NULL, ".TP\n%s\n", keys);
    roff_puts(out, action);
    wv_buf_puts(out, " \\(em ", NULL);
    roff_puts(out, help);
    wv_buf_putc(out, '\n', NULL);
}

/* The man page section of the default keys (see keys.h). */
void tui_keymap_man(struct wv_buf *out)
{
    struct tui_keymap km;
    tui_keymap_defaults(&km);
    wv_buf_puts(
        out,
        ".SH CONSOLE KEYS\n"
        "The console's default keys, by context. A key is looked up in the view's "
        "context, then in\n.B list\n(for the list views), then in\n.BR global .\n"
        "A keys file (\\fI~/.config/weaver/keys\\fR or \\fB$WEAVER_KEYS\\fR) changes "
        "them with lines\n.B bind\n\\fICONTEXT KEY ACTION\\fR (or \\fB:\\fR\\fICOMMAND\\fR) "
        "and\n.B unbind\n\\fICONTEXT KEY\\fR.\n",
        NULL);
    struct wv_buf keys = WV_BUF_INIT;
    for (int c = 0; c < TUI_CTX__COUNT; c++) {
        bool any = false;
        for (size_t i = 0; i < km.n && !any; i++)
            any = km.b[i].ctx == (enum tui_context)c;
        if (!any)
            continue;
        wv_buf_printf(out, NULL, ".SS %s\n", ctx_names[c]);
        for (int a = 1; a < TUI_ACT__COUNT; a++) {
            wv_buf_reset(&keys);
            if (keys_of(&km, (enum tui_context)c, (enum tui_context)c, (enum tui_action)a, NULL,
                        true, &keys))
                man_entry(out, wv_buf_cstr(&keys), act_names[a], act_helps[a]);
        }
    }
    wv_buf_done(&keys);
    tui_keymap_done(&km);
}
