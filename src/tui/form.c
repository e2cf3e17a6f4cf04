/* form.c - forms from a connector spec: the JSON schema flattened into fields (nested objects
 * as "parent.child", oneOf as a select whose option's fields follow), key handling and
 * validation. The config object is built in form_config.c, drawing in form_draw.c. TUI
 * thread only. */
#include "tui/form.h"

#include <curses.h>
#include <math.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "tui/form_int.h"

#define CTRL(c) ((c)&0x1f)
#define MAX_FIELDS 1000
#define MAX_DEPTH 16

/* One property while sorting: `order` first, then required ones, then schema order. */
struct prop {
    const char *name;
    const struct wv_json *schema;
    bool required;
    double order; /* HUGE_VAL without `order` */
    size_t pos;
};

/* Orders properties: `order`, then required, then schema position. */
static int prop_cmp(const void *a, const void *b)
{
    const struct prop *x = a, *y = b;
    if (x->order != y->order)
        return x->order < y->order ? -1 : 1;
    if (x->required != y->required)
        return x->required ? -1 : 1;
    return x->pos < y->pos ? -1 : x->pos > y->pos;
}

/* Appends a zeroed field; NULL past MAX_FIELDS. */
static struct tui_field *add_field(struct tui_form *f, const char *key, struct wv_error *err)
{
    if (f->n >= MAX_FIELDS) {
        wv_error_set(err, WV_E_LIMIT, 0, "spec has more than %d fields", MAX_FIELDS);
        return NULL;
    }
    f->fields = wv_realloc(f->fields, (f->n + 1) * sizeof *f->fields);
    struct tui_field *fl = &f->fields[f->n++];
    memset(fl, 0, sizeof *fl);
    fl->key = wv_strdup(key);
    fl->parent = -1;
    return fl;
}

/* The schema's type name: the first non-"null" entry of a type array. */
static const char *type_of(const struct wv_json *s)
{
    const struct wv_json *t = wv_json_get(s, "type");
    if (wv_json_is(t, WV_JSON_ARRAY)) {
        for (size_t i = 0; i < t->len; i++) {
            if (wv_json_is(t->items[i], WV_JSON_STRING) && strcmp(t->items[i]->s, "null") != 0)
                return t->items[i]->s;
        }
        return NULL;
    }
    return wv_json_is(t, WV_JSON_STRING) ? t->s : NULL;
}

/* A scalar as the text typed into a field ("" for other values). */
static void scalar_text(const struct wv_json *v, char *out, size_t size)
{
    out[0] = '\0';
    if (wv_json_is(v, WV_JSON_STRING) || wv_json_is(v, WV_JSON_NUMBER))
        wv_strlcpy(out, v->s, size);
    else if (wv_json_is(v, WV_JSON_BOOL))
        wv_strlcpy(out, v->b ? "true" : "false", size);
}

/* Fills the common parts of a field from its schema. */
static void describe(struct tui_field *fl, const char *name, const struct wv_json *s, bool required,
                     long parent, size_t option)
{
    const char *t = wv_json_get_str(s, "title");
    fl->title = wv_strdup(t && *t ? t : name);
    const char *d = wv_json_get_str(s, "description");
    fl->help = d && *d ? wv_strdup(d) : NULL;
    fl->required = required;
    fl->parent = parent;
    fl->option = option;
    bool secret = false;
    wv_json_get_bool(s, "airbyte_secret", false, &secret);
    fl->secret = secret;
    const char *pat = wv_json_get_str(s, "pattern");
    fl->pattern = pat && *pat ? wv_strdup(pat) : NULL;
    fl->has_min = wv_json_as_double(wv_json_get(s, "minimum"), &fl->min) == 0;
    fl->has_max = wv_json_as_double(wv_json_get(s, "maximum"), &fl->max) == 0;
}

/* Copies the strings of arr into options. */
static void set_options(struct tui_field *fl, const struct wv_json *arr)
{
    fl->options = wv_calloc(arr->len ? arr->len : 1, sizeof *fl->options);
    for (size_t i = 0; i < arr->len; i++) {
        char text[512];
        scalar_text(arr->items[i], text, sizeof text);
        if (text[0])
            fl->options[fl->n_options++] = wv_strdup(text);
    }
}

static int collect(struct tui_form *f, const struct wv_json *schema, const char *prefix,
                   long parent, size_t option, int depth, struct wv_error *err);

/* A oneOf property: a select of the options' titles, then each option's fields. */
static int add_choice(struct tui_form *f, const struct prop *p, const char *key,
                      const struct wv_json *one_of, long parent, size_t option, int depth,
                      struct wv_error *err)
{
    struct tui_field *fl = add_field(f, key, err);
    if (!fl)
        return -1;
    describe(fl, p->name, p->schema, p->required, parent, option);
    fl->type = TUI_FIELD_ENUM;
    fl->choice = true;
    fl->options = wv_calloc(one_of->len, sizeof *fl->options);
    for (size_t i = 0; i < one_of->len; i++) {
        const char *t = wv_json_get_str(one_of->items[i], "title");
        fl->options[fl->n_options++] = t && *t ? wv_strdup(t) : wv_asprintf("Option %zu", i + 1);
    }
    wv_strlcpy(fl->value, fl->options[0], sizeof fl->value);
    long self = (long)(f->n - 1); /* fl moves as fields are added */
    char *sub = wv_asprintf("%s.", key);
    int rc = 0;
    for (size_t i = 0; i < one_of->len && rc == 0; i++)
        rc = collect(f, one_of->items[i], sub, self, i, depth + 1, err);
    free(sub);
    return rc;
}

/* The field type of a scalar or array schema; fills options from `enum` / `items.enum`. */
static enum tui_field_type scalar_type(struct tui_field *fl, const struct wv_json *s)
{
    const char *type = type_of(s);
    const struct wv_json *en = wv_json_get(s, "enum");
    bool integer = type && strcmp(type, "integer") == 0;
    bool number = type && strcmp(type, "number") == 0;
    if (wv_json_is(en, WV_JSON_ARRAY)) {
        /* numeric enums keep their type (written as numbers), picked like enums */
        set_options(fl, en);
        return integer ? TUI_FIELD_INTEGER : number ? TUI_FIELD_NUMBER : TUI_FIELD_ENUM;
    }
    if (integer)
        return TUI_FIELD_INTEGER;
    if (number)
        return TUI_FIELD_NUMBER;
    if (type && strcmp(type, "boolean") == 0)
        return TUI_FIELD_BOOL;
    if (type && strcmp(type, "array") == 0) {
        const struct wv_json *ie = wv_json_get(wv_json_get(s, "items"), "enum");
        if (wv_json_is(ie, WV_JSON_ARRAY))
            set_options(fl, ie);
        return TUI_FIELD_LIST;
    }
    return TUI_FIELD_STRING;
}

/* A plain field: typed, its default (arrays comma-joined) as the starting value. */
static int add_scalar(struct tui_form *f, const struct prop *p, const char *key, long parent,
                      size_t option, struct wv_error *err)
{
    struct tui_field *fl = add_field(f, key, err);
    if (!fl)
        return -1;
    describe(fl, p->name, p->schema, p->required, parent, option);
    fl->type = scalar_type(fl, p->schema);
    const struct wv_json *dflt = wv_json_get(p->schema, "default");
    if (wv_json_is(dflt, WV_JSON_ARRAY)) {
        size_t off = 0;
        for (size_t i = 0; i < dflt->len && off < sizeof fl->value; i++) {
            char text[256];
            scalar_text(dflt->items[i], text, sizeof text);
            off += (size_t)snprintf(fl->value + off, sizeof fl->value - off, "%s%s", i ? "," : "",
                                    text);
        }
    } else {
        scalar_text(dflt, fl->value, sizeof fl->value);
    }
    if (fl->type == TUI_FIELD_BOOL && !fl->value[0])
        wv_strlcpy(fl->value, "false", sizeof fl->value);
    if (tui_form_is_select(fl) && !fl->value[0] && fl->required && fl->n_options)
        wv_strlcpy(fl->value, fl->options[0], sizeof fl->value);
    fl->cursor = strlen(fl->value);
    return 0;
}

/* Adds the field(s) of one property: a oneOf select, a hidden const, a nested object's fields
 * or a plain field. */
static int add_prop(struct tui_form *f, const struct prop *p, const char *prefix, long parent,
                    size_t option, int depth, struct wv_error *err)
{
    const struct wv_json *s = p->schema;
    char *key = wv_asprintf("%s%s", prefix, p->name);
    const char *type = type_of(s);
    const struct wv_json *one_of = wv_json_get(s, "oneOf");
    if (!one_of)
        one_of = wv_json_get(s, "anyOf");
    const struct wv_json *cn = wv_json_get(s, "const");
    int rc = 0;
    if (wv_json_is(one_of, WV_JSON_ARRAY) && one_of->len > 0 &&
        wv_json_get(one_of->items[0], "properties")) {
        rc = add_choice(f, p, key, one_of, parent, option, depth, err);
    } else if (cn && !wv_json_is(cn, WV_JSON_NULL)) {
        struct tui_field *fl = add_field(f, key, err);
        if (fl) {
            describe(fl, p->name, s, true, parent, option);
            fl->type = wv_json_is(cn, WV_JSON_BOOL)     ? TUI_FIELD_BOOL
                       : wv_json_is(cn, WV_JSON_NUMBER) ? TUI_FIELD_NUMBER
                                                        : TUI_FIELD_STRING;
            scalar_text(cn, fl->value, sizeof fl->value);
            fl->const_value = wv_strdup(fl->value);
        }
        rc = fl ? 0 : -1;
    } else if (type && strcmp(type, "object") == 0) {
        /* free-form objects (no properties) have no fields to fill in */
        if (wv_json_get(s, "properties")) {
            char *sub = wv_asprintf("%s.", key);
            rc = collect(f, s, sub, parent, option, depth + 1, err);
            free(sub);
        }
    } else {
        rc = add_scalar(f, p, key, parent, option, err);
    }
    free(key);
    return rc;
}

/* Adds the fields of an object schema's properties under prefix. */
static int collect(struct tui_form *f, const struct wv_json *schema, const char *prefix,
                   long parent, size_t option, int depth, struct wv_error *err)
{
    if (depth > MAX_DEPTH)
        return wv_error_set(err, WV_E_LIMIT, 0, "spec nests deeper than %d levels", MAX_DEPTH);
    const struct wv_json *props = wv_json_get(schema, "properties");
    if (!wv_json_is(props, WV_JSON_OBJECT))
        return 0;
    const struct wv_json *req = wv_json_get(schema, "required");
    struct prop *ps = wv_calloc(props->len ? props->len : 1, sizeof *ps);
    size_t n = 0;
    for (size_t i = 0; i < props->len; i++) {
        if (!wv_json_is(props->items[i], WV_JSON_OBJECT))
            continue;
        struct prop *p = &ps[n++];
        p->name = props->keys[i];
        p->schema = props->items[i];
        p->pos = i;
        p->order = HUGE_VAL;
        wv_json_as_double(wv_json_get(p->schema, "order"), &p->order);
        for (size_t k = 0; wv_json_is(req, WV_JSON_ARRAY) && k < req->len; k++) {
            if (wv_json_is(req->items[k], WV_JSON_STRING) && strcmp(req->items[k]->s, p->name) == 0)
                p->required = true;
        }
    }
    qsort(ps, n, sizeof *ps, prop_cmp);
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++)
        rc = add_prop(f, &ps[i], prefix, parent, option, depth, err);
    free(ps);
    return rc;
}

/* Builds the form: the name field, then the spec's properties. */
int tui_form_from_spec(struct tui_form *f, const char *title, const struct wv_json *spec,
                       struct wv_error *err)
{
    memset(f, 0, sizeof *f);
    wv_strlcpy(f->title, title ? title : "", sizeof f->title);
    if (!wv_json_is(spec, WV_JSON_OBJECT))
        return wv_error_set(err, WV_E_CONFIG, 0, "connectionSpecification is not an object");
    struct tui_field *name = add_field(f, "name", err);
    name->title = wv_strdup("Name");
    name->help = wv_strdup("The new file's name (letters, digits, '_', '-', '.')");
    name->required = true;
    if (collect(f, spec, "", -1, 0, 0, err) < 0) {
        tui_form_done(f);
        return -1;
    }
    return 0;
}

/* Frees the fields (safe on a zeroed or already freed form). */
void tui_form_done(struct tui_form *f)
{
    for (size_t i = 0; i < f->n; i++) {
        struct tui_field *fl = &f->fields[i];
        free(fl->key);
        free(fl->title);
        free(fl->help);
        free(fl->pattern);
        free(fl->const_value);
        for (size_t k = 0; k < fl->n_options; k++)
            free(fl->options[k]);
        free(fl->options);
    }
    free(f->fields);
    memset(f, 0, sizeof *f);
}

/* The option index a select shows, or -1. */
long tui_form_selected(const struct tui_field *fl)
{
    for (size_t k = 0; k < fl->n_options; k++) {
        if (strcmp(fl->options[k], fl->value) == 0)
            return (long)k;
    }
    return -1;
}

/* Whether every oneOf select above field i shows its option. */
bool tui_form_active(const struct tui_form *f, size_t i)
{
    for (;;) {
        const struct tui_field *fl = &f->fields[i];
        if (fl->parent < 0)
            return true;
        const struct tui_field *sel = &f->fields[fl->parent];
        if (tui_form_selected(sel) != (long)fl->option)
            return false;
        i = (size_t)fl->parent;
    }
}

/* Whether field i is shown and focusable. */
bool tui_form_visible(const struct tui_form *f, size_t i)
{
    return i < f->n && !f->fields[i].const_value && tui_form_active(f, i);
}

/* The next / previous visible field from i (i itself when none). */
static size_t move_sel(const struct tui_form *f, size_t i, bool back)
{
    size_t j = i;
    while (back ? j > 0 : j + 1 < f->n) {
        j = back ? j - 1 : j + 1;
        if (tui_form_visible(f, j))
            return j;
    }
    return i;
}

/* Validates and either submits or points at the first bad field. */
static enum tui_form_result submit(struct tui_form *f)
{
    if (tui_form_validate(f) == 0) {
        f->message[0] = '\0';
        return TUI_FORM_SUBMIT;
    }
    size_t bad = 0;
    for (size_t i = 0; i < f->n; i++) {
        if (f->fields[i].error[0]) {
            if (!bad++)
                f->sel = i;
        }
    }
    snprintf(f->message, sizeof f->message, "%zu field%s to fix", bad, bad == 1 ? "" : "s");
    return TUI_FORM_CONTINUE;
}

/* Steps an enum / boolean / select by dir (+1/-1); optional enums include "". */
static void cycle(struct tui_field *fl, int dir)
{
    if (fl->type == TUI_FIELD_BOOL) {
        wv_strlcpy(fl->value, strcmp(fl->value, "true") == 0 ? "false" : "true", sizeof fl->value);
        return;
    }
    size_t n = fl->n_options + (fl->required || fl->choice ? 0 : 1); /* the last slot is "" */
    if (n == 0)
        return;
    long cur = tui_form_selected(fl);
    size_t pos = cur >= 0 ? (size_t)cur : fl->n_options;
    if (pos >= n)
        pos = dir > 0 ? n - 1 : 0;
    pos = dir > 0 ? (pos + 1) % n : (pos + n - 1) % n;
    wv_strlcpy(fl->value, pos < fl->n_options ? fl->options[pos] : "", sizeof fl->value);
    fl->cursor = strlen(fl->value);
}

/* Text editing keys of a string/number/list field; returns whether the key was used. */
static bool edit(struct tui_field *fl, int key)
{
    size_t len = strlen(fl->value);
    if (fl->cursor > len)
        fl->cursor = len;
    switch (key) {
    case KEY_LEFT:
        if (fl->cursor > 0)
            fl->cursor--;
        while (fl->cursor > 0 && ((unsigned char)fl->value[fl->cursor] & 0xC0) == 0x80)
            fl->cursor--;
        return true;
    case KEY_RIGHT:
        if (fl->cursor < len)
            fl->cursor++;
        while (fl->cursor < len && ((unsigned char)fl->value[fl->cursor] & 0xC0) == 0x80)
            fl->cursor++;
        return true;
    case KEY_HOME:
    case CTRL('a'):
        fl->cursor = 0;
        return true;
    case KEY_END:
    case CTRL('e'):
        fl->cursor = len;
        return true;
    case CTRL('u'):
        fl->value[0] = '\0';
        fl->cursor = 0;
        return true;
    case KEY_BACKSPACE:
    case 127:
    case CTRL('h'): {
        size_t from = fl->cursor;
        while (from > 0) {
            from--;
            if (((unsigned char)fl->value[from] & 0xC0) != 0x80)
                break;
        }
        memmove(fl->value + from, fl->value + fl->cursor, len - fl->cursor + 1);
        fl->cursor = from;
        return true;
    }
    case KEY_DC: {
        size_t to = fl->cursor;
        if (to < len)
            to++;
        while (to < len && ((unsigned char)fl->value[to] & 0xC0) == 0x80)
            to++;
        memmove(fl->value + fl->cursor, fl->value + to, len - to + 1);
        return true;
    }
    default:
        if (((key >= 32 && key < 127) || (key >= 128 && key < 256)) && len + 1 < sizeof fl->value) {
            memmove(fl->value + fl->cursor + 1, fl->value + fl->cursor, len - fl->cursor + 1);
            fl->value[fl->cursor++] = (char)key;
            return true;
        }
        return false;
    }
}

/* Handles one key: moving, editing, choosing, submitting. */
enum tui_form_result tui_form_key(struct tui_form *f, int key)
{
    if (f->n == 0)
        return key == 27 ? TUI_FORM_CANCEL : TUI_FORM_CONTINUE;
    if (f->sel >= f->n || !tui_form_visible(f, f->sel))
        f->sel = 0;
    struct tui_field *fl = &f->fields[f->sel];
    bool pick = tui_form_is_select(fl);
    switch (key) {
    case 27:
        return TUI_FORM_CANCEL;
    case KEY_UP:
    case KEY_BTAB:
        f->sel = move_sel(f, f->sel, true);
        return TUI_FORM_CONTINUE;
    case KEY_DOWN:
    case '\t':
        f->sel = move_sel(f, f->sel, false);
        return TUI_FORM_CONTINUE;
    case CTRL('s'):
        return submit(f);
    case '\n':
    case '\r':
    case KEY_ENTER:
        if (move_sel(f, f->sel, false) == f->sel)
            return submit(f);
        f->sel = move_sel(f, f->sel, false);
        return TUI_FORM_CONTINUE;
    default:
        break;
    }
    if (pick) {
        if (key == ' ' || key == KEY_RIGHT)
            cycle(fl, 1);
        else if (key == KEY_LEFT)
            cycle(fl, -1);
        else
            return TUI_FORM_CONTINUE;
    } else if (!edit(fl, key)) {
        return TUI_FORM_CONTINUE;
    }
    fl->error[0] = '\0';
    f->message[0] = '\0';
    return TUI_FORM_CONTINUE;
}
