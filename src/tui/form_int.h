/* form_int.h - private helpers shared by form.c, form_config.c and form_draw.c. */
#ifndef TUI_FORM_INT_H
#define TUI_FORM_INT_H

#include <regex.h>
#include <stdbool.h>
#include <stddef.h>

#include "tui/form.h"

/* Whether field i's oneOf option chain is chosen (const fields included). */
bool tui_form_active(const struct tui_form *f, size_t i);
/* Whether a field is picked from a list (booleans, enums, oneOf selects, numeric enums)
 * rather than typed. */
bool tui_form_is_select(const struct tui_field *fl);
/* Whether a name is usable for a workspace file (letters, digits, '_', '-', '.'). */
bool tui_form_name_ok(const char *s);
/* Compiles a JSON schema pattern as a POSIX ERE (translating \d \w \s); -1 when it cannot
 * be expressed or does not compile (then nothing is left to free). */
int tui_form_pattern_compile(const char *pattern, regex_t *re);

/* The next comma-separated item of *v (advanced), blanks trimmed, as [*b, *e); false at the
 * end of the text. */
bool tui_form_list_item(const char **v, const char **b, const char **e);

/* The index of a select's chosen option, or -1. */
long tui_form_selected(const struct tui_field *fl);

#endif
