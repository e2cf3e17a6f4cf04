/* form_check.c - validating a form's fields: required values, integers and numbers (with
 * minimum/maximum), enum and oneOf choices, list items against their options, patterns (the
 * schema's regex translated to POSIX, skipped when it cannot be), the file name. Messages
 * never contain the typed value (it may be a secret). TUI thread only. */
#include "tui/form.h"

#include <math.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "tui/form_int.h"

/* Whether a field is picked from options rather than typed. */
bool tui_form_is_select(const struct tui_field *fl)
{
    return fl->type == TUI_FIELD_BOOL || fl->type == TUI_FIELD_ENUM ||
           (fl->n_options > 0 && fl->type != TUI_FIELD_LIST);
}

/* Whether s is a usable file name: letters, digits, '_', '-', '.'. */
bool tui_form_name_ok(const char *s)
{
    if (!*s || strlen(s) > 128 || *s == '.' || *s == '-')
        return false;
    for (; *s; s++) {
        char c = *s;
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '-' || c == '.'))
            return false;
    }
    return true;
}

/* "must be one of a, b, c" (cut with "..." when long). */
static void one_of_error(struct tui_field *fl)
{
    size_t off = (size_t)snprintf(fl->error, sizeof fl->error, "must be one of ");
    for (size_t k = 0; k < fl->n_options && off < sizeof fl->error; k++)
        off += (size_t)snprintf(fl->error + off, sizeof fl->error - off, "%s%s", k ? ", " : "",
                                fl->options[k]);
    if (off >= sizeof fl->error)
        memcpy(fl->error + sizeof fl->error - 4, "...", 4);
}

/* The next comma-separated item of *v, blanks trimmed, as [*b, *e); false at the end. */
bool tui_form_list_item(const char **v, const char **b, const char **e)
{
    if (!**v)
        return false;
    const char *end = strchr(*v, ',');
    if (!end)
        end = *v + strlen(*v);
    *b = *v;
    *e = end;
    while (*b < *e && (**b == ' ' || **b == '\t'))
        (*b)++;
    while (*e > *b && ((*e)[-1] == ' ' || (*e)[-1] == '\t'))
        (*e)--;
    *v = *end ? end + 1 : end;
    return true;
}

/* Whether every comma-separated item of a list is one of its options. */
static bool list_in_options(const struct tui_field *fl)
{
    const char *v = fl->value, *b, *e;
    while (tui_form_list_item(&v, &b, &e)) {
        bool found = e == b;
        for (size_t k = 0; k < fl->n_options && !found; k++)
            found = strlen(fl->options[k]) == (size_t)(e - b) &&
                    strncmp(fl->options[k], b, (size_t)(e - b)) == 0;
        if (!found)
            return false;
    }
    return true;
}

/* Validates one field; fills its error. */
static void check_field(struct tui_field *fl, bool is_name)
{
    fl->error[0] = '\0';
    const char *v = fl->value;
    if (!*v) {
        if (fl->required)
            wv_strlcpy(fl->error, "required", sizeof fl->error);
        return;
    }
    if (is_name) {
        if (!tui_form_name_ok(v))
            wv_strlcpy(fl->error, "use letters, digits, '_', '-', '.'", sizeof fl->error);
        return;
    }
    double d = 0;
    switch (fl->type) {
    case TUI_FIELD_INTEGER: {
        int64_t iv;
        if (wv_parse_i64(v, &iv) < 0) {
            wv_strlcpy(fl->error, "not an integer", sizeof fl->error);
            return;
        }
        d = (double)iv;
        break;
    }
    case TUI_FIELD_NUMBER: {
        char *end = NULL;
        d = strtod(v, &end);
        if (end == v || *end || !isfinite(d)) {
            wv_strlcpy(fl->error, "not a number", sizeof fl->error);
            return;
        }
        break;
    }
    case TUI_FIELD_BOOL:
        if (strcmp(v, "true") != 0 && strcmp(v, "false") != 0)
            wv_strlcpy(fl->error, "must be true or false", sizeof fl->error);
        return;
    case TUI_FIELD_ENUM:
        if (tui_form_selected(fl) < 0)
            one_of_error(fl);
        return;
    case TUI_FIELD_LIST:
        if (fl->n_options && !list_in_options(fl))
            one_of_error(fl);
        return;
    case TUI_FIELD_STRING:
        break;
    }
    if (fl->n_options && tui_form_selected(fl) < 0) {
        one_of_error(fl);
        return;
    }
    if ((fl->type == TUI_FIELD_INTEGER || fl->type == TUI_FIELD_NUMBER)) {
        if (fl->has_min && d < fl->min)
            snprintf(fl->error, sizeof fl->error, "must be at least %g", fl->min);
        else if (fl->has_max && d > fl->max)
            snprintf(fl->error, sizeof fl->error, "must be at most %g", fl->max);
        return;
    }
    if (fl->pattern && fl->type == TUI_FIELD_STRING) {
        regex_t re;
        if (tui_form_pattern_compile(fl->pattern, &re) == 0) {
            if (regexec(&re, v, 0, NULL, 0) != 0)
                snprintf(fl->error, sizeof fl->error, "does not match the pattern %.120s",
                         fl->pattern);
            regfree(&re);
        }
    }
}

/* Checks every shown field; copies the name. */
int tui_form_validate(struct tui_form *f)
{
    int bad = 0;
    for (size_t i = 0; i < f->n; i++) {
        struct tui_field *fl = &f->fields[i];
        if (!tui_form_visible(f, i)) {
            fl->error[0] = '\0';
            continue;
        }
        check_field(fl, i == 0);
        if (fl->error[0])
            bad++;
    }
    if (f->n)
        wv_strlcpy(f->name, f->fields[0].value, sizeof f->name);
    return bad ? -1 : 0;
}

