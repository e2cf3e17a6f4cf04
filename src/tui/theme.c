/* theme.c - console themes: the theme file format (below), colour downgrade (truecolor -> 256
 * -> 16 -> mono) and the colour pairs handed to ncurses. TUI thread only (tui_theme_apply and
 * tui_theme_attr keep the applied attributes in file-level state).
 *
 * Format (themes/NAME.yaml, embedded at build time):
 *   name: NAME                    optional; defaults to the file name
 *   inherit: OTHER                optional; start from the built-in theme OTHER
 *   slots:
 *     SLOT: {fg: COLOUR, bg: COLOUR, attrs: [bold, underline, reverse, dim]}
 *     SLOT: COLOUR                 shorthand for {fg: COLOUR}
 * A theme without `inherit:` defines every slot. With it, the fields a slot names replace the
 * inherited ones (fg, bg and attrs separately; `attrs: []` clears). COLOUR: "#rrggbb", 0-255,
 * `default`, or black red green yellow blue magenta cyan white, bright-black ... bright-white.
 * At apply time a slot's `default` colour is the text slot's colour. */
#include "tui/theme.h"

#include <curses.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/json.h"
#include "base/mem.h"
#include "base/yaml.h"

/* The generated table of embedded theme files (tui_themes.c, from themes/ *.yaml). */
extern const char *const tui_theme_file_names[];
extern const unsigned char *const tui_theme_file_data[];
extern const size_t tui_theme_file_lens[];

#define THEME_MAX_INHERIT 8

static const char *const slot_names[] = {
#define TUI_X_SLOT(id, name) name,
    TUI_SLOTS(TUI_X_SLOT)
#undef TUI_X_SLOT
};

static const char *const color_names[16] = {
    "black",        "red",           "green",       "yellow",         "blue",
    "magenta",      "cyan",          "white",       "bright-black",   "bright-red",
    "bright-green", "bright-yellow", "bright-blue", "bright-magenta", "bright-cyan",
    "bright-white"};

/* xterm's default RGB values of the 16 ANSI colours. */
static const unsigned char ansi_rgb[16][3] = {
    {0, 0, 0},     {205, 0, 0},     {0, 205, 0},     {205, 205, 0},  {0, 0, 238}, {205, 0, 205},
    {0, 205, 205}, {229, 229, 229}, {127, 127, 127}, {255, 0, 0},    {0, 255, 0}, {255, 255, 0},
    {92, 92, 255}, {255, 0, 255},   {0, 255, 255},   {255, 255, 255}};

static const unsigned char cube_levels[6] = {0, 95, 135, 175, 215, 255};

static int theme_builtin_at(const char *name, struct tui_theme *out, int depth,
                            struct wv_error *err);

/* "run.ok" -> slot; -1 if unknown. */
int tui_slot_parse(const char *name)
{
    for (int i = 0; name && i < TUI_SLOT__COUNT; i++)
        if (strcmp(name, slot_names[i]) == 0)
            return i;
    return -1;
}

/* The slot's name ("?" out of range). */
const char *tui_slot_name(enum tui_slot s)
{
    return (int)s >= 0 && s < TUI_SLOT__COUNT ? slot_names[s] : "?";
}

/* The built-in theme names, NULL-terminated (the generated table, sorted). */
const char *const *tui_theme_names(void)
{
    return tui_theme_file_names;
}

/* --- colours -------------------------------------------------------------------------- */

/* The RGB value of a 256-colour index (xterm palette). */
static void index_rgb(int idx, unsigned char rgb[3])
{
    if (idx < 16) {
        memcpy(rgb, ansi_rgb[idx], 3);
    } else if (idx < 232) {
        int v = idx - 16;
        rgb[0] = cube_levels[v / 36];
        rgb[1] = cube_levels[(v / 6) % 6];
        rgb[2] = cube_levels[v % 6];
    } else {
        rgb[0] = rgb[1] = rgb[2] = (unsigned char)(8 + 10 * (idx - 232));
    }
}

/* Squared distance between two RGB colours. */
static long rgb_dist(const unsigned char a[3], const unsigned char b[3])
{
    long d = 0;
    for (int i = 0; i < 3; i++)
        d += (long)(a[i] - b[i]) * (a[i] - b[i]);
    return d;
}

/* The nearest index in [lo, hi) of the xterm palette. */
static int nearest_in(const unsigned char rgb[3], int lo, int hi)
{
    int best = lo;
    long best_d = -1;
    for (int i = lo; i < hi; i++) {
        unsigned char p[3];
        index_rgb(i, p);
        long d = rgb_dist(rgb, p);
        if (best_d < 0 || d < best_d) {
            best_d = d;
            best = i;
        }
    }
    return best;
}

/* The nearest colour index at a depth (see theme.h). */
int tui_color_index(const struct tui_color *c, enum tui_depth d)
{
    if (!c || c->kind == 0 || d == TUI_DEPTH_MONO)
        return -1;
    unsigned char rgb[3];
    if (c->kind == 1) {
        if (c->index < 0 || c->index > 255)
            return -1;
        if (d != TUI_DEPTH_16 || c->index < 16)
            return c->index;
        index_rgb(c->index, rgb);
        return nearest_in(rgb, 0, 16);
    }
    rgb[0] = c->r;
    rgb[1] = c->g;
    rgb[2] = c->b;
    /* 256 (and truecolor, drawn through the 256 palette): the cube and the greys only, since
     * terminals often redefine the first 16. */
    return d == TUI_DEPTH_16 ? nearest_in(rgb, 0, 16) : nearest_in(rgb, 16, 256);
}

/* --- parsing -------------------------------------------------------------------------- */

/* Sets a "where: message" error at node. */
static int theme_fail(struct wv_error *err, const char *origin, const struct wv_json *node,
                      const char *msg, const char *arg)
{
    char where[512];
    wv_where(origin, node, where, sizeof where);
    return wv_error_set(err, WV_E_CONFIG, 0, "%s: %s%s%s%s", where, msg, arg ? " '" : "",
                        arg ? arg : "", arg ? "'" : "");
}

/* The value of one hex digit, or -1. */
static int hex_digit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Parses "#rrggbb" into c; -1 if malformed. */
static int parse_hex(const char *s, struct tui_color *c)
{
    if (strlen(s) != 7 || s[0] != '#')
        return -1;
    unsigned char v[3];
    for (int i = 0; i < 3; i++) {
        int hi = hex_digit(s[1 + 2 * i]), lo = hex_digit(s[2 + 2 * i]);
        if (hi < 0 || lo < 0)
            return -1;
        v[i] = (unsigned char)(hi * 16 + lo);
    }
    c->kind = 2;
    c->index = -1;
    c->r = v[0];
    c->g = v[1];
    c->b = v[2];
    return 0;
}

/* Parses a colour node ("#rrggbb", 0-255, default, a name). */
static int parse_color(const struct wv_json *n, const char *origin, struct tui_color *c,
                       struct wv_error *err)
{
    memset(c, 0, sizeof *c);
    c->index = -1;
    if (n->type == WV_JSON_NULL)
        return theme_fail(err, origin, n,
                          "missing colour (quote \"#rrggbb\": an unquoted # starts a YAML "
                          "comment)",
                          NULL);
    int64_t v;
    if (n->type == WV_JSON_NUMBER) {
        if (wv_json_as_i64(n, &v) < 0 || v < 0 || v > 255)
            return theme_fail(err, origin, n, "colour index out of range 0-255:", n->s);
        c->kind = 1;
        c->index = (int)v;
        return 0;
    }
    if (n->type != WV_JSON_STRING)
        return theme_fail(err, origin, n, "expected a colour (\"#rrggbb\", 0-255 or a name)", NULL);
    const char *s = n->s;
    if (s[0] == '#') {
        if (parse_hex(s, c) < 0)
            return theme_fail(err, origin, n, "bad colour (expected \"#rrggbb\"):", s);
        return 0;
    }
    if (strcasecmp(s, "default") == 0 || strcasecmp(s, "none") == 0)
        return 0;
    for (int i = 0; i < 16; i++) {
        if (strcasecmp(s, color_names[i]) == 0) {
            c->kind = 1;
            c->index = i;
            return 0;
        }
    }
    if (strcasecmp(s, "gray") == 0 || strcasecmp(s, "grey") == 0) {
        c->kind = 1;
        c->index = 8;
        return 0;
    }
    if (s[0] >= '0' && s[0] <= '9' && wv_parse_i64(s, &v) == 0 && v <= 255) {
        c->kind = 1;
        c->index = (int)v;
        return 0;
    }
    return theme_fail(err, origin, n, "unknown colour", s);
}

/* Parses one attribute name into *bit. */
static int parse_attr(const struct wv_json *n, const char *origin, unsigned *bit,
                      struct wv_error *err)
{
    static const struct {
        const char *name;
        unsigned bit;
    } attrs[] = {{"bold", TUI_ATTR_BOLD},
                 {"underline", TUI_ATTR_UNDERLINE},
                 {"reverse", TUI_ATTR_REVERSE},
                 {"dim", TUI_ATTR_DIM}};
    if (n->type != WV_JSON_STRING)
        return theme_fail(err, origin, n, "expected an attribute (bold, underline, reverse, dim)",
                          NULL);
    for (size_t i = 0; i < sizeof attrs / sizeof attrs[0]; i++) {
        if (strcasecmp(n->s, attrs[i].name) == 0) {
            *bit = attrs[i].bit;
            return 0;
        }
    }
    return theme_fail(err, origin, n, "unknown attribute (bold, underline, reverse, dim):", n->s);
}

/* Parses `attrs:` (a list, or one name) into *attrs. */
static int parse_attrs(const struct wv_json *n, const char *origin, unsigned *attrs,
                       struct wv_error *err)
{
    unsigned bit = 0;
    *attrs = 0;
    if (n->type == WV_JSON_NULL)
        return 0;
    if (n->type == WV_JSON_STRING) {
        if (parse_attr(n, origin, &bit, err) < 0)
            return -1;
        *attrs = bit;
        return 0;
    }
    if (n->type != WV_JSON_ARRAY)
        return theme_fail(err, origin, n, "attrs: expected a list", NULL);
    for (size_t i = 0; i < n->len; i++) {
        if (parse_attr(n->items[i], origin, &bit, err) < 0)
            return -1;
        *attrs |= bit;
    }
    return 0;
}

/* Applies one slot's node (a mapping, or a colour as shorthand for fg) over st. */
static int parse_style(const struct wv_json *n, const char *origin, struct tui_style *st,
                       struct wv_error *err)
{
    if (n->type == WV_JSON_STRING || n->type == WV_JSON_NUMBER)
        return parse_color(n, origin, &st->fg, err);
    if (n->type == WV_JSON_NULL) /* `slot:` alone: defined, terminal default */
        return 0;
    if (n->type != WV_JSON_OBJECT)
        return theme_fail(err, origin, n, "expected {fg: .., bg: .., attrs: [..]} or a colour",
                          NULL);
    for (size_t i = 0; i < n->len; i++) {
        const char *k = n->keys[i];
        const struct wv_json *v = n->items[i];
        int rc;
        if (strcmp(k, "fg") == 0)
            rc = parse_color(v, origin, &st->fg, err);
        else if (strcmp(k, "bg") == 0)
            rc = parse_color(v, origin, &st->bg, err);
        else if (strcmp(k, "attrs") == 0)
            rc = parse_attrs(v, origin, &st->attrs, err);
        else
            rc = theme_fail(err, origin, v, "unknown key (fg, bg, attrs):", k);
        if (rc < 0)
            return -1;
    }
    return 0;
}

/* Parses the `slots:` mapping over out, marking the slots it defines. */
static int parse_slots(const struct wv_json *n, const char *origin, struct tui_theme *out,
                       bool defined[TUI_SLOT__COUNT], struct wv_error *err)
{
    if (n->type != WV_JSON_OBJECT)
        return theme_fail(err, origin, n, "slots: expected a mapping of slot: style", NULL);
    for (size_t i = 0; i < n->len; i++) {
        int s = tui_slot_parse(n->keys[i]);
        if (s < 0)
            return theme_fail(err, origin, n->items[i], "unknown slot", n->keys[i]);
        if (parse_style(n->items[i], origin, &out->slots[s], err) < 0)
            return -1;
        defined[s] = true;
    }
    return 0;
}

/* The theme's default name: origin's file name without directory and ".yaml". */
static void name_from_origin(const char *origin, char *name, size_t size)
{
    const char *base = origin ? strrchr(origin, '/') : NULL;
    base = base ? base + 1 : (origin ? origin : "custom");
    size_t n = strlen(base);
    if (n > 5 && strcmp(base + n - 5, ".yaml") == 0)
        n -= 5;
    if (n >= size)
        n = size - 1;
    memcpy(name, base, n);
    name[n] = '\0';
}

/* Applies a parsed theme document to out (inheriting at depth). */
static int theme_from_tree(const struct wv_json *root, const char *origin, struct tui_theme *out,
                           int depth, struct wv_error *err)
{
    if (root->type != WV_JSON_OBJECT)
        return theme_fail(err, origin, root, "a theme is a mapping (name, inherit, slots)", NULL);
    const struct wv_json *inherit = wv_json_get(root, "inherit");
    const struct wv_json *slots = wv_json_get(root, "slots");
    const struct wv_json *name = wv_json_get(root, "name");
    for (size_t i = 0; i < root->len; i++) {
        const char *k = root->keys[i];
        if (strcmp(k, "name") && strcmp(k, "inherit") && strcmp(k, "slots") &&
            strcmp(k, "description"))
            return theme_fail(err, origin, root->items[i],
                              "unknown key (name, inherit, description, slots):", k);
    }
    memset(out, 0, sizeof *out);
    for (int i = 0; i < TUI_SLOT__COUNT; i++)
        out->slots[i].fg.index = out->slots[i].bg.index = -1;
    if (inherit) {
        if (inherit->type != WV_JSON_STRING)
            return theme_fail(err, origin, inherit, "inherit: expected a theme name", NULL);
        if (depth >= THEME_MAX_INHERIT)
            return theme_fail(err, origin, inherit, "inherit: too deep (a cycle?) at", inherit->s);
        if (theme_builtin_at(inherit->s, out, depth + 1, err) < 0) {
            char where[512];
            wv_where(origin, inherit, where, sizeof where);
            return wv_error_prefix(err, "%s: inherit", where);
        }
    }
    bool defined[TUI_SLOT__COUNT] = {false};
    if (slots && parse_slots(slots, origin, out, defined, err) < 0)
        return -1;
    if (!inherit) {
        for (int i = 0; i < TUI_SLOT__COUNT; i++)
            if (!defined[i])
                return theme_fail(err, origin, slots ? slots : root,
                                  "a theme without inherit: must define every slot; missing",
                                  slot_names[i]);
    }
    if (name && name->type != WV_JSON_STRING)
        return theme_fail(err, origin, name, "name: expected a string", NULL);
    if (name)
        wv_strlcpy(out->name, name->s, sizeof out->name);
    else
        name_from_origin(origin, out->name, sizeof out->name);
    return 0;
}

/* Parses theme text at an inheritance depth. */
static int theme_parse_at(const char *text, size_t len, const char *origin, struct tui_theme *out,
                          int depth, struct wv_error *err)
{
    struct wv_json *root = wv_yaml_parse(text, len, origin, err);
    if (!root)
        return -1;
    int rc = theme_from_tree(root, origin, out, depth, err);
    wv_json_free(root);
    return rc;
}

/* Parses theme YAML text (see theme.h). */
int tui_theme_parse(const char *text, size_t len, const char *origin, struct tui_theme *out,
                    struct wv_error *err)
{
    return theme_parse_at(text, len, origin ? origin : "theme", out, 0, err);
}

/* Loads the built-in theme `name` at an inheritance depth. */
static int theme_builtin_at(const char *name, struct tui_theme *out, int depth,
                            struct wv_error *err)
{
    for (size_t i = 0; name && tui_theme_file_names[i]; i++) {
        if (strcmp(tui_theme_file_names[i], name) != 0)
            continue;
        char origin[128];
        snprintf(origin, sizeof origin, "themes/%s.yaml", name);
        if (theme_parse_at((const char *)tui_theme_file_data[i], tui_theme_file_lens[i], origin,
                           out, depth, err) < 0)
            return -1;
        wv_strlcpy(out->name, name, sizeof out->name);
        return 0;
    }
    struct wv_buf known = WV_BUF_INIT;
    for (size_t i = 0; tui_theme_file_names[i]; i++)
        wv_buf_printf(&known, NULL, "%s%s", i ? ", " : "", tui_theme_file_names[i]);
    wv_error_set(err, WV_E_NOTFOUND, 0, "unknown theme '%s' (built-in: %s)", name ? name : "",
                 wv_buf_cstr(&known));
    wv_buf_done(&known);
    return -1;
}

/* Loads a built-in theme by name (see theme.h). */
int tui_theme_builtin(const char *name, struct tui_theme *out, struct wv_error *err)
{
    return theme_builtin_at(name, out, 0, err);
}

/* --- ncurses -------------------------------------------------------------------------- */

static unsigned long applied_attr[TUI_SLOT__COUNT];

/* Attributes a slot keeps without colour (OR-ed with the theme's): what tells it apart in mono. */
static unsigned mono_attrs(int slot)
{
    switch (slot) {
    case TUI_SLOT_TITLE:
    case TUI_SLOT_STATUS:
    case TUI_SLOT_SELECTION:
    case TUI_SLOT_ERROR:
        return TUI_ATTR_REVERSE | (slot == TUI_SLOT_ERROR ? TUI_ATTR_BOLD : 0);
    case TUI_SLOT_HEADER:
    case TUI_SLOT_KEY:
    case TUI_SLOT_PROMPT:
    case TUI_SLOT_RUN_FAILED:
    case TUI_SLOT_RUN_RUNNING:
    case TUI_SLOT_CHECK_FAIL:
    case TUI_SLOT_LOG_ERROR:
        return TUI_ATTR_BOLD;
    case TUI_SLOT_MATCH:
    case TUI_SLOT_CHECK_WARN:
    case TUI_SLOT_LOG_WARN:
    case TUI_SLOT_RUN_RETRY:
        return TUI_ATTR_UNDERLINE;
    case TUI_SLOT_DIM:
    case TUI_SLOT_BORDER:
    case TUI_SLOT_RUN_QUEUED:
    case TUI_SLOT_RUN_SKIPPED:
    case TUI_SLOT_LOG_DEBUG:
        return TUI_ATTR_DIM;
    default:
        return 0;
    }
}

/* Theme attribute bits -> curses attributes. */
static unsigned long curses_attrs(unsigned a)
{
    unsigned long r = A_NORMAL;
    if (a & TUI_ATTR_BOLD)
        r |= A_BOLD;
    if (a & TUI_ATTR_UNDERLINE)
        r |= A_UNDERLINE;
    if (a & TUI_ATTR_REVERSE)
        r |= A_REVERSE;
    if (a & TUI_ATTR_DIM)
        r |= A_DIM;
    return r;
}

/* Applies a theme to ncurses (see theme.h). */
void tui_theme_apply(const struct tui_theme *t, enum tui_depth d, bool no_color)
{
    bool color = !no_color && d != TUI_DEPTH_MONO && has_colors();
    bool defaults = color && use_default_colors() == OK;
    for (int s = 0; s < TUI_SLOT__COUNT; s++) {
        const struct tui_style *st = &t->slots[s];
        if (!color) {
            applied_attr[s] = curses_attrs(st->attrs | mono_attrs(s));
            continue;
        }
        const struct tui_style *text = &t->slots[TUI_SLOT_TEXT];
        int fg = tui_color_index(st->fg.kind ? &st->fg : &text->fg, d);
        int bg = tui_color_index(st->bg.kind ? &st->bg : &text->bg, d);
        unsigned long extra = A_NORMAL;
        if (COLORS < 16) { /* 8 colours: bright as bold */
            if (fg >= 8) {
                fg -= 8;
                extra |= A_BOLD;
            }
            if (bg >= 8)
                bg -= 8;
        }
        if (!defaults) {
            fg = fg < 0 ? COLOR_WHITE : fg;
            bg = bg < 0 ? COLOR_BLACK : bg;
        }
        unsigned long a = curses_attrs(st->attrs) | extra;
        if (s + 1 < COLOR_PAIRS && fg < COLORS && bg < COLORS &&
            init_pair((short)(s + 1), (short)fg, (short)bg) == OK)
            a |= (unsigned long)COLOR_PAIR(s + 1);
        else
            a |= curses_attrs(mono_attrs(s));
        applied_attr[s] = a;
    }
}

/* The curses attribute of a slot, as applied last. */
unsigned long tui_theme_attr(enum tui_slot s)
{
    return (int)s >= 0 && s < TUI_SLOT__COUNT ? applied_attr[s] : A_NORMAL;
}

/* The depth of the running terminal (see theme.h). */
enum tui_depth tui_terminal_depth(void)
{
    if (!has_colors() || COLORS < 8)
        return TUI_DEPTH_MONO;
    if (COLORS >= 256) {
        const char *ct = getenv("COLORTERM");
        if (ct && (strcasecmp(ct, "truecolor") == 0 || strcasecmp(ct, "24bit") == 0))
            return TUI_DEPTH_TRUE;
        return TUI_DEPTH_256;
    }
    return TUI_DEPTH_16;
}
