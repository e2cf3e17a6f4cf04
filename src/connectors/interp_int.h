/* interp_int.h - the template engine of declarative manifests: the subset of Jinja2 that
 * Airbyte's low-code CDK uses (airbyte_cdk/sources/declarative/interpolation/: jinja.py,
 * macros.py, filters.py, interpolated_string.py, interpolated_boolean.py), evaluated natively.
 * Expressions: literals, variables, attribute and subscript access, arithmetic, comparisons,
 * and/or/not, in / not in, is (not) none/defined, inline if/else, filters, method calls on
 * strings, dicts, lists and datetimes, and the CDK's macros. Statements: {% if %}, {% for %},
 * {% set %}. Sandboxed: templates can read only the variables they are given and the clock.
 * A compiled template is immutable and may be shared between threads; evaluation is
 * re-entrant. */
#ifndef INTERP_INT_H
#define INTERP_INT_H

#include <stdbool.h>
#include <stddef.h>

#include "base/clock.h"
#include "base/error.h"
#include "base/json.h"

/* One named variable visible to a template (config, parameters, stream_state, stream_slice,
 * stream_partition, stream_interval, next_page_token, response, headers, last_record,
 * last_page_size, record, creation_response ...). The value is borrowed. */
struct conn_interp_var {
    const char *name;
    const struct wv_json *value;
};

struct conn_interp_env {
    const struct conn_interp_var *vars; /* borrowed array */
    size_t n_vars;
    const struct wv_clock *clock;       /* now_utc()/today_utc(); system clock if NULL */
};

struct conn_tmpl;

/* Compiles a template string. `where` names its origin for errors, e.g.
 * "manifest.yaml:41:7" (errors: "manifest.yaml:41:7: template '{{ x | }}': expected a filter
 * name at offset 8"). Caller frees with conn_tmpl_free. */
struct conn_tmpl *conn_tmpl_compile(const char *text, const char *where, struct wv_error *err);
void conn_tmpl_free(struct conn_tmpl *t);

/* Whether the template has no {{ }} / {% %} at all (its value is the text itself). */
bool conn_tmpl_is_static(const struct conn_tmpl *t);

/* Evaluates like the CDK's JinjaInterpolation.eval: renders, then turns the rendered text back
 * into a typed value as the CDK does (ast.literal_eval: "5" -> 5, "[1, 2]" -> list, "True" ->
 * true, quoted text stays a string). A template that is exactly one {{ expr }} yields the
 * expression's value directly when it is a list/dict. An undefined or "None" result yields a
 * copy of dflt (or JSON null when dflt is NULL). *out: caller frees. Runtime errors (e.g.
 * calling an unknown macro) name the template and `where`. */
int conn_tmpl_eval(const struct conn_tmpl *t, const struct conn_interp_env *env,
                   const struct wv_json *dflt, struct wv_json **out, struct wv_error *err);

/* Renders to text without the literal_eval step (for headers, URLs, bodies). *out is a
 * NUL-terminated string; caller frees. Undefined renders as "". */
int conn_tmpl_render(const struct conn_tmpl *t, const struct conn_interp_env *env, char **out,
                     struct wv_error *err);

/* Evaluates as a condition (InterpolatedBoolean: a rendered "False"/"false"/"0"/""/"None"/
 * "[]"/"{}" is false). */
int conn_tmpl_truthy(const struct conn_tmpl *t, const struct conn_interp_env *env, bool *out,
                     struct wv_error *err);

/* One-shot helpers: compile + eval/render + free. */
int conn_interp_eval(const char *text, const char *where, const struct conn_interp_env *env,
                     const struct wv_json *dflt, struct wv_json **out, struct wv_error *err);
int conn_interp_render(const char *text, const char *where, const struct conn_interp_env *env,
                       char **out, struct wv_error *err);

#endif
