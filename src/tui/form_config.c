/* form_config.c - a form's config object (typed values, nested keys rebuilt into objects,
 * secrets written to files and referenced by template), and JSON schema patterns as POSIX
 * EREs. TUI thread only. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/buf.h"
#include "base/fs.h"
#include "base/mem.h"
#include "tui/form_int.h"

/* Translates an escape inside a bracket expression (p after the backslash); false when POSIX
 * cannot express it. '\-' sets *dash: the '-' goes last, where POSIX reads it literally. */
static bool bracket_escape(struct wv_buf *b, char e, bool *dash)
{
    if (e == 'd')
        wv_buf_puts(b, "0-9", NULL);
    else if (e == 'w')
        wv_buf_puts(b, "[:alnum:]_", NULL);
    else if (e == 's')
        wv_buf_puts(b, "[:space:]", NULL);
    else if (e == '-')
        *dash = true;
    else if (strchr("DWS]^bBpP", e))
        return false;
    else
        wv_buf_putc(b, e, NULL);
    return true;
}

/* Translates an escape outside brackets: Perl classes become POSIX ones; false for the
 * letters POSIX cannot express (\b, \p{..}, back-references ...). */
static bool plain_escape(struct wv_buf *b, char e)
{
    static const char *const classes[][2] = {{"d", "[0-9]"},        {"D", "[^0-9]"},
                                             {"w", "[[:alnum:]_]"}, {"W", "[^[:alnum:]_]"},
                                             {"s", "[[:space:]]"},  {"S", "[^[:space:]]"}};
    for (size_t k = 0; k < sizeof classes / sizeof classes[0]; k++) {
        if (e == classes[k][0][0]) {
            wv_buf_puts(b, classes[k][1], NULL);
            return true;
        }
    }
    if ((e >= 'a' && e <= 'z') || (e >= 'A' && e <= 'Z') || (e >= '0' && e <= '9'))
        return false;
    wv_buf_putc(b, '\\', NULL);
    wv_buf_putc(b, e, NULL);
    return true;
}

/* Translates and compiles a schema pattern. */
int tui_form_pattern_compile(const char *pattern, regex_t *re)
{
    struct wv_buf b;
    wv_buf_init(&b, 0);
    bool in_bracket = false, dash = false, ok = true;
    for (const char *p = pattern; *p && ok; p++) {
        char c = *p;
        if (c == '(' && p[1] == '?') {
            ok = false; /* lookaround / non-capturing groups */
        } else if (c == '\\' && p[1]) {
            p++;
            ok = in_bracket ? bracket_escape(&b, *p, &dash) : plain_escape(&b, *p);
        } else if (in_bracket && c == '[' && p[1] == ':') {
            const char *end = strstr(p, ":]");
            ok = end != NULL;
            if (ok) {
                wv_buf_append(&b, p, (size_t)(end + 2 - p), NULL);
                p = end + 1;
            }
        } else if (in_bracket && c == ']') {
            if (dash)
                wv_buf_putc(&b, '-', NULL);
            wv_buf_putc(&b, ']', NULL);
            in_bracket = dash = false;
        } else if (!in_bracket && c == '[') {
            wv_buf_putc(&b, '[', NULL);
            in_bracket = true;
            if (p[1] == '^')
                wv_buf_putc(&b, *++p, NULL);
            if (p[1] == ']')
                wv_buf_putc(&b, *++p, NULL);
        } else {
            wv_buf_putc(&b, c, NULL);
        }
    }
    int rc = -1;
    if (ok && !in_bracket && regcomp(re, wv_buf_cstr(&b), REG_EXTENDED | REG_NOSUB) == 0)
        rc = 0;
    wv_buf_done(&b);
    return rc;
}

/* The object at the dotted path's parent inside root (created as needed); *last gets the final
 * component (owned by the caller). */
static struct wv_json *parent_of(struct wv_json *root, const char *key, char **last)
{
    struct wv_json *cur = root;
    const char *s = key;
    const char *dot;
    while ((dot = strchr(s, '.')) != NULL) {
        char *part = wv_strndup(s, (size_t)(dot - s));
        struct wv_json *next = wv_json_get(cur, part);
        if (!wv_json_is(next, WV_JSON_OBJECT)) {
            next = wv_json_object();
            wv_json_set(cur, part, next);
        }
        free(part);
        cur = next;
        s = dot + 1;
    }
    *last = wv_strdup(s);
    return cur;
}

/* A comma-separated list as an array of strings (blank items skipped). */
static struct wv_json *list_value(const char *v)
{
    struct wv_json *arr = wv_json_array();
    const char *b, *e;
    while (tui_form_list_item(&v, &b, &e))
        if (e > b)
            wv_json_push(arr, wv_json_strn(b, (size_t)(e - b)));
    return arr;
}

/* The typed JSON value of a field; NULL (err set, the value never named) if it does not
 * convert. */
static struct wv_json *typed(const struct tui_field *fl, struct wv_error *err)
{
    const char *v = fl->value;
    switch (fl->type) {
    case TUI_FIELD_INTEGER: {
        int64_t iv;
        if (wv_parse_i64(v, &iv) == 0)
            return wv_json_int(iv);
        wv_error_set(err, WV_E_USAGE, 0, "%s: not an integer", fl->key);
        return NULL;
    }
    case TUI_FIELD_NUMBER: {
        struct wv_json *j = wv_json_number_text(v);
        if (j)
            return j;
        char *end = NULL;
        double d = strtod(v, &end);
        if (end != v && !*end)
            return wv_json_double(d);
        wv_error_set(err, WV_E_USAGE, 0, "%s: not a number", fl->key);
        return NULL;
    }
    case TUI_FIELD_BOOL:
        return wv_json_bool(strcmp(v, "true") == 0);
    case TUI_FIELD_LIST:
        return list_value(v);
    case TUI_FIELD_STRING:
    case TUI_FIELD_ENUM:
        break;
    }
    return wv_json_str(v);
}

/* Makes a key safe as part of a file name. */
static char *file_part(const char *key)
{
    char *s = wv_strdup(key);
    for (char *p = s; *p; p++) {
        char c = *p;
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '-' || c == '.'))
            *p = '_';
    }
    return s;
}

/* Writes a secret to root/secrets/NAME.KEY (0600) and returns its template reference. */
static struct wv_json *secret_ref(const struct tui_form *f, const struct tui_field *fl,
                                  const char *root, struct wv_error *err)
{
    char *dir = wv_path_join(root, "secrets");
    char *part = file_part(fl->key);
    char *rel = wv_asprintf("secrets/%s.%s", f->name, part);
    char *path = wv_path_join(root, rel);
    struct wv_json *ref = NULL;
    if (wv_fs_mkdirs(dir, 0700, err) == 0 &&
        wv_fs_write_atomic(path, fl->value, strlen(fl->value), 0600, err) == 0) {
        if (chmod(path, 0600) != 0) {
            wv_error_errno(err, errno, "chmod %s", path);
        } else {
            char *t = wv_asprintf("{{ file('%s') }}", rel);
            ref = wv_json_str(t);
            free(t);
        }
    }
    free(path);
    free(rel);
    free(part);
    free(dir);
    return ref;
}

/* Builds the config object of a validated form. */
struct wv_json *tui_form_config(const struct tui_form *f, const char *root, struct wv_error *err)
{
    if (!f->n || !tui_form_name_ok(f->name) || strcmp(f->name, f->fields[0].value) != 0) {
        wv_error_set(err, WV_E_USAGE, 0, "the form has no valid name (validate first)");
        return NULL;
    }
    struct wv_json *cfg = wv_json_object();
    for (size_t i = 1; i < f->n; i++) {
        const struct tui_field *fl = &f->fields[i];
        if (!tui_form_active(f, i))
            continue;
        char *last = NULL;
        if (fl->choice) {
            /* the chosen option's object exists even when it has no fields */
            struct wv_json *parent = parent_of(cfg, fl->key, &last);
            if (!wv_json_is(wv_json_get(parent, last), WV_JSON_OBJECT))
                wv_json_set(parent, last, wv_json_object());
            free(last);
            continue;
        }
        if (!fl->value[0])
            continue;
        struct wv_json *v =
            fl->secret && !tui_form_is_select(fl) ? secret_ref(f, fl, root, err) : typed(fl, err);
        if (!v) {
            wv_json_free(cfg);
            return NULL;
        }
        struct wv_json *parent = parent_of(cfg, fl->key, &last);
        wv_json_set(parent, last, v);
        free(last);
    }
    return cfg;
}
