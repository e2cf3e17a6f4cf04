/* decl_config.c - validates a connector config against the manifest's
 * spec.connection_specification, as the CDK's entrypoint does before check/discover/read
 * (sources/utils/schema_helpers.py). Follows the subset of JSON Schema draft-07 that Airbyte specs
 * use (https://json-schema.org/draft-07/json-schema-validation): type, required, properties,
 * additionalProperties, enum, const, pattern, format, bounds, items, oneOf/anyOf/allOf; applies
 * defaults. Errors name the field path and never echo airbyte_secret values. Any thread. */
#include <regex.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "connectors/decl_int.h"

#define CV_PATH_MAX 256
#define CV_DEPTH_MAX 64

/* One validation: the error to fill and the path of the value being checked. */
struct cv {
    bool apply; /* apply defaults (false while trying the branches of a oneOf) */
    int depth;
    struct wv_error *err;
    char path[CV_PATH_MAX];
    size_t plen;
};

static int cv_node(struct cv *cv, const struct wv_json *schema, struct wv_json *val, bool secret);

static int cv_fail(struct cv *cv, const struct wv_json *val, bool secret, const char *fmt, ...)
    WV_PRINTF(4, 5);

/* Records "config: 'path' <what>" (or "config: <what>" at the root), then " (got V)" unless
 * the value is secret. */
static int cv_fail(struct cv *cv, const struct wv_json *val, bool secret, const char *fmt, ...)
{
    char what[512], got[96] = "";
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    if (val && !secret && val->type != WV_JSON_OBJECT && val->type != WV_JSON_ARRAY) {
        char *t = wv_json_to_string(val);
        snprintf(got, sizeof got, " (got %.60s%s)", t, strlen(t) > 60 ? "..." : "");
        free(t);
    }
    if (!cv->plen)
        return wv_error_set(cv->err, WV_E_CONFIG, 0, "config: %s%s", what, got);
    return wv_error_set(cv->err, WV_E_CONFIG, 0, "config: '%s' %s%s", cv->path, what, got);
}

/* Appends ".key" (or "key" at the root) to the path; returns the old length. */
static size_t cv_push_key(struct cv *cv, const char *key)
{
    size_t old = cv->plen;
    int n = snprintf(cv->path + old, sizeof cv->path - old, "%s%s", old ? "." : "", key);
    cv->plen = n < 0 || (size_t)n >= sizeof cv->path - old ? sizeof cv->path - 1 : old + (size_t)n;
    return old;
}

/* Appends "[i]" to the path; returns the old length. */
static size_t cv_push_index(struct cv *cv, size_t i)
{
    size_t old = cv->plen;
    int n = snprintf(cv->path + old, sizeof cv->path - old, "[%zu]", i);
    cv->plen = n < 0 || (size_t)n >= sizeof cv->path - old ? sizeof cv->path - 1 : old + (size_t)n;
    return old;
}

/* Restores the path to an earlier length. */
static void cv_pop(struct cv *cv, size_t old)
{
    cv->plen = old;
    cv->path[old] = 0;
}

/* Whether val is of the JSON Schema type name t. */
static bool cv_is_type(const struct wv_json *val, const char *t)
{
    double d = 0;
    switch (val->type) {
    case WV_JSON_NULL: return strcmp(t, "null") == 0;
    case WV_JSON_BOOL: return strcmp(t, "boolean") == 0;
    case WV_JSON_STRING: return strcmp(t, "string") == 0;
    case WV_JSON_ARRAY: return strcmp(t, "array") == 0;
    case WV_JSON_OBJECT: return strcmp(t, "object") == 0;
    case WV_JSON_NUMBER:
        if (strcmp(t, "number") == 0)
            return true;
        return strcmp(t, "integer") == 0 && wv_json_as_double(val, &d) == 0 && d > -9.2e18 &&
               d < 9.2e18 && d == (double)(int64_t)d;
    }
    return false;
}

/* Checks "type" (a name or a list of names). */
static int cv_type(struct cv *cv, const struct wv_json *type, const struct wv_json *val, bool secret)
{
    if (!type)
        return 0;
    if (type->type == WV_JSON_STRING)
        return cv_is_type(val, type->s) ? 0
                                         : cv_fail(cv, val, secret, "must be %s %s",
                                                   strchr("aeiou", type->s[0]) ? "an" : "a", type->s);
    if (type->type != WV_JSON_ARRAY)
        return 0;
    struct wv_buf names = WV_BUF_INIT;
    for (size_t i = 0; i < type->len; i++) {
        if (type->items[i]->type != WV_JSON_STRING || cv_is_type(val, type->items[i]->s)) {
            wv_buf_done(&names);
            return 0;
        }
        wv_buf_printf(&names, NULL, "%s%s", i ? " or " : "", type->items[i]->s);
    }
    int rc = cv_fail(cv, val, secret, "must be of type %s", wv_buf_cstr(&names));
    wv_buf_done(&names);
    return type->len ? rc : 0;
}

/* Checks "enum" and "const". */
static int cv_enum(struct cv *cv, const struct wv_json *schema, const struct wv_json *val,
                   bool secret)
{
    const struct wv_json *c = wv_json_get(schema, "const");
    if (c && !wv_json_equal(c, val)) {
        char *t = wv_json_to_string(c);
        int rc = cv_fail(cv, val, secret, "must be %.200s", t);
        free(t);
        return rc;
    }
    const struct wv_json *e = wv_json_get(schema, "enum");
    if (!e || e->type != WV_JSON_ARRAY)
        return 0;
    for (size_t i = 0; i < e->len; i++)
        if (wv_json_equal(e->items[i], val))
            return 0;
    char *t = wv_json_to_string(e);
    int rc = cv_fail(cv, val, secret, "must be one of %.300s", t);
    free(t);
    return rc;
}

/* Appends one bracket-expression member for a class escape (\d, \w, \s) or -1. */
static int cv_class(char e, struct wv_buf *o)
{
    const char *cls = e == 'd' ? "0-9" : e == 'w' ? "[:alnum:]_" : e == 's' ? "[:space:]" : NULL;
    if (!cls)
        return -1;
    wv_buf_puts(o, cls, NULL);
    return 0;
}

/* Translates an ECMA-262 bracket expression at p[*i] ('[') to POSIX: escapes resolved, ']'
 * first and '-' last as POSIX wants them. */
static int cv_bracket(const char *p, size_t *i, struct wv_buf *o)
{
    struct wv_buf mid = WV_BUF_INIT;
    bool neg = false, close = false, dash = false, caret = false;
    size_t k = *i + 1;
    if (p[k] == '^') {
        neg = true;
        k++;
    }
    while (p[k] && p[k] != ']') {
        char c = p[k++];
        if (c == '\\' && p[k]) {
            char e = p[k++];
            if (cv_class(e, &mid) == 0)
                continue;
            if ((e >= 'a' && e <= 'z') || (e >= 'A' && e <= 'Z') || (e >= '0' && e <= '9')) {
                wv_buf_done(&mid);
                return -1; /* \D, \b, \uXXXX ...: not translatable */
            }
            c = e;
        } else if (c == '[' && p[k] == ':') {
            wv_buf_done(&mid);
            return -1;
        }
        if (p[k] == '-' && p[k + 1] && p[k + 1] != ']' && p[k + 1] != '\\' && c != ']' &&
            c != '-' && p[k + 1] != '-') {
            wv_buf_printf(&mid, NULL, "%c-%c", c, p[k + 1]);
            k += 2;
        } else if (c == ']') {
            close = true; /* only as \] */
        } else if (c == '-') {
            dash = true;
        } else if (c == '^') {
            caret = true;
        } else {
            wv_buf_putc(&mid, c, NULL);
        }
    }
    if (p[k] != ']') {
        wv_buf_done(&mid);
        return -1;
    }
    *i = k;
    if (caret && !neg && !close && !dash && !mid.len)
        wv_buf_puts(o, "\\^", NULL); /* [\^] alone */
    else
        wv_buf_printf(o, NULL, "[%s%s%s%s%s]", neg ? "^" : "", close ? "]" : "",
                      wv_buf_cstr(&mid), caret ? "^" : "", dash ? "-" : "");
    wv_buf_done(&mid);
    return 0;
}

/* Translates a JSON Schema pattern (ECMA-262) to POSIX ERE, best effort: -1 for what ERE
 * cannot express (lookarounds, backreferences, \b, named groups). */
static int cv_ere(const char *p, struct wv_buf *o)
{
    for (size_t i = 0; p[i]; i++) {
        char c = p[i];
        if (c == '\\') {
            char e = p[++i];
            if (!e)
                return -1;
            if (e == 'D' || e == 'W' || e == 'S') {
                wv_buf_printf(o, NULL, "[^%s]",
                              e == 'D' ? "0-9" : e == 'W' ? "[:alnum:]_" : "[:space:]");
            } else if (e == 'd' || e == 'w' || e == 's') {
                wv_buf_putc(o, '[', NULL);
                cv_class(e, o);
                wv_buf_putc(o, ']', NULL);
            } else if (e == 'n' || e == 't' || e == 'r') {
                wv_buf_putc(o, e == 'n' ? '\n' : e == 't' ? '\t' : '\r', NULL);
            } else if ((e >= 'a' && e <= 'z') || (e >= 'A' && e <= 'Z') || (e >= '0' && e <= '9')) {
                return -1;
            } else if (strchr(".[]()*+?{}|^$\\", e)) {
                wv_buf_printf(o, NULL, "\\%c", e);
            } else {
                wv_buf_putc(o, e, NULL);
            }
        } else if (c == '[') {
            if (cv_bracket(p, &i, o) < 0)
                return -1;
        } else if (c == '(' && p[i + 1] == '?') {
            if (p[i + 2] != ':')
                return -1;
            wv_buf_putc(o, '(', NULL);
            i += 2;
        } else if (c == '?' && i > 0 && strchr("*+?}", p[i - 1])) {
            continue; /* lazy quantifier: same matches for a search */
        } else {
            wv_buf_putc(o, c, NULL);
        }
    }
    return 0;
}

/* Whether s matches pattern (searched, as JSON Schema does); true when the pattern cannot be
 * translated or compiled (best effort: never reject on what weaver cannot check). */
static bool cv_pattern_ok(const char *pattern, const char *s)
{
    struct wv_buf ere = WV_BUF_INIT;
    regex_t rx;
    bool ok = true;
    if (cv_ere(pattern, &ere) == 0 &&
        regcomp(&rx, wv_buf_cstr(&ere), REG_EXTENDED | REG_NOSUB) == 0) {
        ok = regexec(&rx, s, 0, NULL, 0) == 0;
        regfree(&rx);
    }
    wv_buf_done(&ere);
    return ok;
}

/* Reads n digits at s into *v. */
static bool cv_digits(const char *s, int n, int *v)
{
    *v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        *v = *v * 10 + (s[i] - '0');
    }
    return true;
}

/* Whether s starts with a valid YYYY-MM-DD. */
static bool cv_date(const char *s)
{
    static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int y, m, d;
    if (!cv_digits(s, 4, &y) || s[4] != '-' || !cv_digits(s + 5, 2, &m) || s[7] != '-' ||
        !cv_digits(s + 8, 2, &d) || m < 1 || m > 12 || d < 1 || d > mdays[m - 1])
        return false;
    return !(m == 2 && d == 29 && (y % 4 != 0 || (y % 100 == 0 && y % 400 != 0)));
}

/* Whether s is a date-time: YYYY-MM-DD[T ]HH:MM[:SS[.frac]][Z|+HH:MM] (lenient RFC 3339:
 * the seconds and offset that configs often omit are optional). */
static bool cv_date_time(const char *s)
{
    int h, mi, se;
    if (!cv_date(s) || (s[10] != 'T' && s[10] != 't' && s[10] != ' '))
        return false;
    s += 11;
    if (!cv_digits(s, 2, &h) || s[2] != ':' || !cv_digits(s + 3, 2, &mi) || h > 23 || mi > 59)
        return false;
    s += 5;
    if (*s == ':') {
        if (!cv_digits(s + 1, 2, &se) || se > 60)
            return false;
        s += 3;
        if (*s == '.' && s[1] >= '0' && s[1] <= '9')
            for (s++; *s >= '0' && *s <= '9'; s++)
                ;
    }
    if (*s == 'Z' || *s == 'z')
        s++;
    else if ((*s == '+' || *s == '-') &&
             (!cv_digits(s + 1, 2, &h) || s[3] != ':' || !cv_digits(s + 4, 2, &mi) || h > 23))
        return false;
    else if (*s == '+' || *s == '-')
        s += 6;
    return *s == 0;
}

/* Checks a string: pattern, format (only without a pattern, which then decides), length. */
static int cv_string(struct cv *cv, const struct wv_json *schema, const struct wv_json *val,
                     bool secret)
{
    const char *pat = wv_json_get_str(schema, "pattern");
    const char *fmt = wv_json_get_str(schema, "format");
    if (pat && !cv_pattern_ok(pat, val->s))
        return cv_fail(cv, val, secret, "must match %s", pat);
    if (!pat && fmt && strcmp(fmt, "date") == 0 && (!cv_date(val->s) || val->s[10]))
        return cv_fail(cv, val, secret, "must be a date (YYYY-MM-DD)");
    if (!pat && fmt && strcmp(fmt, "date-time") == 0 && !cv_date_time(val->s))
        return cv_fail(cv, val, secret, "must be a date-time (e.g. 2024-01-01T00:00:00Z)");
    int64_t lim = 0, chars = 0;
    for (const char *s = val->s; *s; s++)
        chars += ((unsigned char)*s & 0xC0) != 0x80;
    if (wv_json_get_i64(schema, "minLength", &lim) == 0 && chars < lim)
        return cv_fail(cv, val, secret, "must be at least %lld characters long", (long long)lim);
    if (wv_json_get_i64(schema, "maxLength", &lim) == 0 && chars > lim)
        return cv_fail(cv, val, secret, "must be at most %lld characters long", (long long)lim);
    return 0;
}

/* Checks a number's bounds. */
static int cv_number(struct cv *cv, const struct wv_json *schema, const struct wv_json *val,
                     bool secret)
{
    double d = 0, lim = 0;
    if (wv_json_as_double(val, &d) < 0)
        return 0;
    const struct wv_json *b = wv_json_get(schema, "minimum");
    if (b && wv_json_as_double(b, &lim) == 0 && d < lim)
        return cv_fail(cv, val, secret, "must be >= %s", b->s);
    b = wv_json_get(schema, "maximum");
    if (b && wv_json_as_double(b, &lim) == 0 && d > lim)
        return cv_fail(cv, val, secret, "must be <= %s", b->s);
    b = wv_json_get(schema, "exclusiveMinimum");
    if (b && wv_json_as_double(b, &lim) == 0 && d <= lim)
        return cv_fail(cv, val, secret, "must be > %s", b->s);
    b = wv_json_get(schema, "exclusiveMaximum");
    if (b && wv_json_as_double(b, &lim) == 0 && d >= lim)
        return cv_fail(cv, val, secret, "must be < %s", b->s);
    return 0;
}

/* Checks an array: size bounds and every item. */
static int cv_array(struct cv *cv, const struct wv_json *schema, struct wv_json *val, bool secret)
{
    int64_t lim = 0;
    if (wv_json_get_i64(schema, "minItems", &lim) == 0 && (int64_t)val->len < lim)
        return cv_fail(cv, NULL, secret, "must have at least %lld items", (long long)lim);
    if (wv_json_get_i64(schema, "maxItems", &lim) == 0 && (int64_t)val->len > lim)
        return cv_fail(cv, NULL, secret, "must have at most %lld items", (long long)lim);
    const struct wv_json *items = wv_json_get(schema, "items");
    for (size_t i = 0; items && items->type == WV_JSON_OBJECT && i < val->len; i++) {
        size_t old = cv_push_index(cv, i);
        int rc = cv_node(cv, items, val->items[i], secret);
        cv_pop(cv, old);
        if (rc < 0)
            return -1;
    }
    return 0;
}

/* Whether a name is listed in "required". */
static bool cv_required(const struct wv_json *schema, const char *name)
{
    const struct wv_json *req = wv_json_get(schema, "required");
    for (size_t i = 0; req && req->type == WV_JSON_ARRAY && i < req->len; i++)
        if (req->items[i]->type == WV_JSON_STRING && strcmp(req->items[i]->s, name) == 0)
            return true;
    return false;
}

/* Checks an object: required fields (a default satisfies one), defaults, each property,
 * additionalProperties: false. */
static int cv_object(struct cv *cv, const struct wv_json *schema, struct wv_json *obj, bool secret)
{
    const struct wv_json *props = wv_json_get(schema, "properties");
    if (props && props->type != WV_JSON_OBJECT)
        props = NULL;
    const struct wv_json *req = wv_json_get(schema, "required");
    for (size_t i = 0; req && req->type == WV_JSON_ARRAY && i < req->len; i++) {
        const char *name = req->items[i]->type == WV_JSON_STRING ? req->items[i]->s : NULL;
        if (name && !wv_json_get(obj, name) && !wv_json_get(wv_json_get(props, name), "default")) {
            size_t old = cv_push_key(cv, name);
            cv_fail(cv, NULL, false, "is required");
            cv_pop(cv, old);
            return -1;
        }
    }
    bool root = cv->plen == 0;
    for (size_t i = 0; props && i < props->len; i++) {
        const struct wv_json *ps = props->items[i], *dflt = wv_json_get(ps, "default");
        struct wv_json *v = wv_json_get(obj, props->keys[i]);
        if (!v && dflt && cv->apply) /* not validated: the CDK never sees it absent-filled */
            wv_json_set(obj, props->keys[i], wv_json_dup(dflt));
        /* As the CDK: a null optional top-level field counts as absent. */
        if (!v || (root && v->type == WV_JSON_NULL && !cv_required(schema, props->keys[i])))
            continue;
        size_t old = cv_push_key(cv, props->keys[i]);
        int rc = cv_node(cv, ps, v, secret);
        cv_pop(cv, old);
        if (rc < 0)
            return -1;
    }
    const struct wv_json *ap = wv_json_get(schema, "additionalProperties");
    for (size_t i = 0; ap && ap->type == WV_JSON_BOOL && !ap->b && i < obj->len; i++) {
        const char *k = obj->keys[i];
        if (wv_json_get(props, k) || (root && (strcmp(k, "_limit") == 0 || strcmp(k, "_page_size") == 0)))
            continue;
        size_t old = cv_push_key(cv, k);
        cv_fail(cv, NULL, false, "is not a field of this connector's config");
        cv_pop(cv, old);
        return -1;
    }
    return 0;
}

/* The branch of a oneOf whose const-valued property (a discriminator such as auth_type)
 * equals the value's; *key is set to a discriminator name even when none matches. */
static const struct wv_json *cv_discriminated(const struct wv_json *branches,
                                              const struct wv_json *val, const char **key)
{
    *key = NULL;
    for (size_t i = 0; i < branches->len; i++) {
        const struct wv_json *props = wv_json_get(branches->items[i], "properties");
        for (size_t k = 0; props && props->type == WV_JSON_OBJECT && k < props->len; k++) {
            const struct wv_json *c = wv_json_get(props->items[k], "const");
            if (!c)
                continue;
            *key = props->keys[k];
            if (wv_json_equal(c, wv_json_get(val, props->keys[k])))
                return branches->items[i];
        }
    }
    return NULL;
}

/* The titles of the branches ("option N" when untitled), for messages. Caller frees. */
static char *cv_titles(const struct wv_json *branches)
{
    struct wv_buf b = WV_BUF_INIT;
    for (size_t i = 0; i < branches->len && b.len < 300; i++) {
        const char *t = wv_json_get_str(branches->items[i], "title");
        if (t)
            wv_buf_printf(&b, NULL, "%s'%s'", i ? ", " : "", t);
        else
            wv_buf_printf(&b, NULL, "%soption %zu", i ? ", " : "", i + 1);
    }
    return wv_buf_steal(&b, NULL);
}

/* oneOf (one = true: exactly one branch) or anyOf (at least one): branches are tried without
 * defaults; the matching one is then applied. With no match, the branch named by a
 * discriminator reports its own error. */
static int cv_choice(struct cv *cv, const struct wv_json *branches, struct wv_json *val,
                     bool secret, bool one)
{
    if (!branches || branches->type != WV_JSON_ARRAY || !branches->len)
        return 0;
    size_t n = 0, first = 0;
    for (size_t i = 0; i < branches->len; i++) {
        struct wv_error e = {0};
        struct cv trial = *cv;
        trial.apply = false;
        trial.err = &e;
        if (cv_node(&trial, branches->items[i], val, secret) == 0 && n++ == 0)
            first = i;
    }
    if (n == 1 || (n > 1 && !one))
        return cv_node(cv, branches->items[first], val, secret);
    char *titles = cv_titles(branches);
    const char *key = NULL;
    const struct wv_json *pick = n ? NULL : cv_discriminated(branches, val, &key);
    int rc = -1;
    if (n > 1)
        cv_fail(cv, NULL, secret, "matches more than one of %s", titles);
    else if (pick && cv_node(cv, pick, val, secret) == 0)
        cv_fail(cv, NULL, secret, "must match exactly one of %s", titles);
    else if (!pick && key)
        cv_fail(cv, NULL, secret, "must match one of %s (by its '%s' field)", titles, key);
    else if (!pick)
        cv_fail(cv, NULL, secret, "must match one of %s", titles);
    free(titles);
    return rc;
}

/* Checks one value against one schema (defaults applied into val when cv->apply). */
static int cv_node(struct cv *cv, const struct wv_json *schema, struct wv_json *val, bool secret)
{
    if (!schema || schema->type != WV_JSON_OBJECT || wv_json_get(schema, "$ref"))
        return 0; /* boolean schemas and unresolved references accept anything */
    if (++cv->depth > CV_DEPTH_MAX) {
        cv->depth--;
        return cv_fail(cv, NULL, secret, "is nested too deeply");
    }
    bool sec = false;
    if (wv_json_get_bool(schema, "airbyte_secret", false, &sec) == 0 && sec)
        secret = true;
    int rc = cv_type(cv, wv_json_get(schema, "type"), val, secret);
    if (rc == 0)
        rc = cv_enum(cv, schema, val, secret);
    if (rc == 0 && val->type == WV_JSON_STRING)
        rc = cv_string(cv, schema, val, secret);
    if (rc == 0 && val->type == WV_JSON_NUMBER)
        rc = cv_number(cv, schema, val, secret);
    if (rc == 0 && val->type == WV_JSON_ARRAY)
        rc = cv_array(cv, schema, val, secret);
    if (rc == 0 && val->type == WV_JSON_OBJECT)
        rc = cv_object(cv, schema, val, secret);
    const struct wv_json *all = wv_json_get(schema, "allOf");
    for (size_t i = 0; rc == 0 && all && all->type == WV_JSON_ARRAY && i < all->len; i++)
        rc = cv_node(cv, all->items[i], val, secret);
    if (rc == 0)
        rc = cv_choice(cv, wv_json_get(schema, "anyOf"), val, secret, false);
    if (rc == 0)
        rc = cv_choice(cv, wv_json_get(schema, "oneOf"), val, secret, true);
    cv->depth--;
    return rc;
}

/* Validates a config against a connection_specification; *out gets a copy with defaults. */
int conn_decl_config_validate(const struct wv_json *spec, const struct wv_json *config,
                              struct wv_json **out, struct wv_error *err)
{
    *out = NULL;
    struct wv_json *copy = config ? wv_json_dup(config) : wv_json_object();
    struct cv cv = {.apply = true, .err = err};
    if (cv_node(&cv, spec, copy, false) < 0) {
        wv_json_free(copy);
        return -1;
    }
    *out = copy;
    return 0;
}
