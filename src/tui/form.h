/* form.h - forms generated from a connector's spec (JSON schema `connectionSpecification`):
 * one field per property (nested objects flattened as "parent.child", `order` respected, then
 * required first), typed (string, integer, number, boolean, enum (select), array of strings
 * (comma-separated), oneOf (a select of the options' titles, then that option's fields)),
 * with title, description, default, required, and secrets (airbyte_secret) masked. Validation
 * gives a message per field (shown inline). Submitting builds the config JSON; secrets are
 * written to secrets/<name>.<field> (mode 0600) and referenced as {{ file('...') }} so they
 * never land in YAML. Model and key handling are pure logic; drawing uses curses. TUI thread. */
#ifndef TUI_FORM_H
#define TUI_FORM_H

#include <stdbool.h>
#include <stddef.h>

#include "base/buf.h"
#include "base/error.h"
#include "base/json.h"
#include "tui/theme.h"

enum tui_field_type { TUI_FIELD_STRING, TUI_FIELD_INTEGER, TUI_FIELD_NUMBER, TUI_FIELD_BOOL,
                      TUI_FIELD_ENUM, TUI_FIELD_LIST };

struct tui_field {
    char *key;          /* "credentials.api_key" (owned) */
    char *title, *help; /* owned; help may be NULL */
    enum tui_field_type type;
    bool required, secret;
    char **options;     /* enum values / oneOf titles (owned) */
    size_t n_options;
    char value[512];    /* as typed (booleans "true"/"false", enums an option) */
    size_t cursor;
    char error[160];    /* validation message, or "" */
    /* schema details */
    char *pattern;      /* ERE the value must match (JSON schema `pattern`), or NULL (owned) */
    char *const_value;  /* a oneOf option's fixed discriminator (`const`): hidden, always
                           written while its option is chosen; NULL otherwise (owned) */
    bool choice;        /* a oneOf select: picks which fields follow, writes no value itself */
    bool has_min, has_max;
    double min, max;    /* `minimum` / `maximum` of integers and numbers */
    long parent;        /* index of the oneOf select this field belongs to, or -1 */
    size_t option;      /* ... the field is active only while that select shows this option */
};

struct tui_form {
    char title[128];
    char name[129];     /* the new file's name (first field "name", always required) */
    struct tui_field *fields;
    size_t n;
    size_t sel;         /* field with focus (0 = name) */
    size_t scroll;
    char message[256];  /* form-level error after a failed submit */
};

enum tui_form_result { TUI_FORM_CONTINUE, TUI_FORM_SUBMIT, TUI_FORM_CANCEL };

/* Builds a form from a spec (the connectionSpecification object, borrowed). Field 0 is the
 * name; defaults are filled in as values. Property names containing '.' are not supported
 * (the key is split on '.' to rebuild nested objects). */
int tui_form_from_spec(struct tui_form *f, const char *title, const struct wv_json *spec,
                       struct wv_error *err);
void tui_form_done(struct tui_form *f);
/* Keys: Up/Down/Tab/BTab move between fields, typing edits, Space/Left/Right cycle enums and
 * booleans, Enter on the last field or C-s submits (after validation), Esc cancels. */
enum tui_form_result tui_form_key(struct tui_form *f, int key);
/* Validates every field (fills error[]); 0 when all are valid. */
int tui_form_validate(struct tui_form *f);
/* The config object (caller frees); secret values replaced by {{ file('secrets/NAME.KEY') }}
 * references with the values written under root/secrets/ (0600). */
struct wv_json *tui_form_config(const struct tui_form *f, const char *root,
                                struct wv_error *err);
/* Whether field i is shown: not a hidden `const` and its oneOf option (if any) chosen. */
bool tui_form_visible(const struct tui_form *f, size_t i);
/* Draws the form in the window area (curses). */
void tui_form_draw(const struct tui_form *f, int y, int x, int h, int w);

#endif
