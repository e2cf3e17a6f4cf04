/* interp_lit.c - Python's ast.literal_eval over rendered template text, as the CDK applies it
 * (jinja.py _literal_eval): numbers (ints of any size, floats, underscores, hex/octal/binary),
 * strings with escapes, prefixes and triple quotes (adjacent ones concatenate), True/False/None,
 * lists, tuples and sets (as arrays), dicts (keys printed as text), unary +/-. Anything else
 * (names, operators, complex numbers, bytes) is "not a literal" and stays text. Any thread. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "connectors/interp_priv.h"

struct lit {
    const char *p, *e;
    int depth;
    struct ip_arena arena;
};

static struct wv_json *lit_value(struct lit *l);

/* Skips whitespace (newlines only inside brackets, as Python's tokenizer does). */
static void skip_ws(struct lit *l)
{
    while (l->p < l->e && (*l->p == ' ' || *l->p == '\t' || *l->p == '\f' ||
                           (l->depth > 0 && (*l->p == '\n' || *l->p == '\r')) ||
                           (*l->p == '\\' && l->p + 1 < l->e && l->p[1] == '\n')))
        l->p += *l->p == '\\' ? 2 : 1;
}

/* Reads a number literal (sign handled by the caller). */
static struct wv_json *lit_number(struct lit *l, bool neg)
{
    char tmp[512];
    size_t k = 0;
    const char *p = l->p;
    if (neg)
        tmp[k++] = '-';
    if (p + 1 < l->e && p[0] == '0' && strchr("xXoObB", p[1])) {
        int base = strchr("xX", p[1]) ? 16 : strchr("oO", p[1]) ? 8 : 2;
        p += 2;
        unsigned long long v = 0;
        const char *st = p;
        for (; p < l->e && (isxdigit((unsigned char)*p) || *p == '_'); p++) {
            if (*p == '_')
                continue;
            int d = isdigit((unsigned char)*p) ? *p - '0' : (tolower((unsigned char)*p) - 'a' + 10);
            if (d >= base || v > (~0ULL) / 64)
                return NULL;
            v = v * (unsigned)base + (unsigned)d;
        }
        if (p == st)
            return NULL;
        l->p = p;
        snprintf(tmp + k, sizeof tmp - k, "%llu", v);
        return wv_json_number_text(tmp);
    }
    bool flt = false, digits = false, lead_zero = *p == '0';
    bool nonzero = false;
    for (; p < l->e && k < sizeof tmp - 2; p++) {
        char ch = *p;
        if (isdigit((unsigned char)ch)) {
            digits = true;
            nonzero = nonzero || (ch != '0' && !flt);
            tmp[k++] = ch;
        } else if (ch == '_' && p + 1 < l->e && isdigit((unsigned char)p[1]) && digits) {
            continue;
        } else if (ch == '.' && !flt) {
            flt = true;
            tmp[k++] = ch;
        } else if ((ch == 'e' || ch == 'E') && digits) {
            flt = true;
            tmp[k++] = 'e';
            if (p + 1 < l->e && (p[1] == '+' || p[1] == '-'))
                tmp[k++] = *++p;
        } else {
            break;
        }
    }
    tmp[k] = '\0';
    if (!digits || (p < l->e && (isalpha((unsigned char)*p) || *p == '_')))
        return NULL; /* 5j, 1abc ... */
    if (!flt && lead_zero && nonzero)
        return NULL; /* 0123 is a syntax error in Python 3 */
    l->p = p;
    if (!flt)
        return wv_json_number_text(tmp);
    double d = strtod(tmp, NULL);
    char rep[48];
    conn_ip_float_repr(d, rep, sizeof rep);
    return wv_json_number_text(rep); /* NULL for inf: not JSON, stays text */
}

/* Reads one (possibly prefixed, possibly triple-quoted) string literal into b. */
static int lit_string(struct lit *l, struct wv_buf *b)
{
    bool raw = false;
    while (l->p < l->e && strchr("rRuUbBfF", *l->p)) {
        if (strchr("bBfF", *l->p))
            return -1; /* bytes and f-strings are not plain str literals */
        raw = raw || *l->p == 'r' || *l->p == 'R';
        l->p++;
    }
    if (l->p >= l->e || (*l->p != '\'' && *l->p != '"'))
        return -1;
    char q = *l->p;
    bool triple = l->e - l->p >= 3 && l->p[1] == q && l->p[2] == q;
    l->p += triple ? 3 : 1;
    const char *st = l->p;
    for (;;) {
        if (l->p >= l->e)
            return -1;
        if (*l->p == '\\' && l->p + 1 < l->e) {
            l->p += 2;
            continue;
        }
        if (!triple && (*l->p == '\n'))
            return -1;
        if (*l->p == q && (!triple || (l->e - l->p >= 3 && l->p[1] == q && l->p[2] == q)))
            break;
        l->p++;
    }
    size_t n = (size_t)(l->p - st), on;
    l->p += triple ? 3 : 1;
    if (raw)
        return wv_buf_append(b, st, n, NULL);
    char *s = conn_ip_unescape(&l->arena, st, n, &on);
    return wv_buf_append(b, s, on, NULL);
}

/* Reads a bracketed display: [..], (..), {..}. */
static struct wv_json *lit_display(struct lit *l)
{
    char open = *l->p, close = open == '[' ? ']' : open == '(' ? ')' : '}';
    struct wv_json *out = NULL;
    size_t count = 0;
    bool comma = false, is_dict = false;
    if (++l->depth > 100)
        return NULL;
    l->p++;
    for (;;) {
        skip_ws(l);
        if (l->p < l->e && *l->p == close)
            break;
        if (count && !comma)
            goto fail;
        struct wv_json *k = lit_value(l);
        if (!k)
            goto fail;
        skip_ws(l);
        if (open == '{' && (count == 0 || is_dict) && l->p < l->e && *l->p == ':') {
            is_dict = true;
            l->p++;
            struct wv_json *v = lit_value(l);
            if (!v) {
                wv_json_free(k);
                goto fail;
            }
            if (!out)
                out = wv_json_object();
            char *key = k->type == WV_JSON_STRING ? wv_strdup(k->s)
                      : k->type == WV_JSON_NULL ? wv_strdup("None")
                      : k->type == WV_JSON_BOOL ? wv_strdup(k->b ? "True" : "False")
                      : k->type == WV_JSON_NUMBER ? wv_strdup(k->s) : NULL;
            wv_json_free(k);
            if (!key) {
                wv_json_free(v);
                goto fail;
            }
            wv_json_set(out, key, v);
            free(key);
        } else {
            if (is_dict) {
                wv_json_free(k);
                goto fail;
            }
            if (!out)
                out = wv_json_array();
            wv_json_push(out, k);
        }
        count++;
        skip_ws(l);
        comma = l->p < l->e && *l->p == ',';
        if (comma)
            l->p++;
    }
    if (open == '(' && count == 1 && !comma) { /* parenthesized value, not a tuple */
        struct wv_json *one = out->items[0];
        out->len = 0;
        wv_json_free(out);
        out = one;
    } else if (open == '{' && count == 0) {
        out = wv_json_object();
    } else if (!out) {
        out = wv_json_array();
    }
    l->p++;
    l->depth--;
    return out;
fail:
    wv_json_free(out);
    return NULL;
}

/* Reads one literal value. */
static struct wv_json *lit_value(struct lit *l)
{
    skip_ws(l);
    if (l->p >= l->e)
        return NULL;
    char ch = *l->p;
    if (ch == '-' || ch == '+') {
        int neg = 0;
        while (l->p < l->e && (*l->p == '-' || *l->p == '+')) {
            neg ^= *l->p == '-';
            l->p++;
            skip_ws(l);
        }
        if (l->p >= l->e || !(isdigit((unsigned char)*l->p) || *l->p == '.'))
            return NULL;
        return lit_number(l, neg);
    }
    if (isdigit((unsigned char)ch) || (ch == '.' && l->p + 1 < l->e && isdigit((unsigned char)l->p[1])))
        return lit_number(l, false);
    if (ch == '[' || ch == '(' || ch == '{')
        return lit_display(l);
    if (ch == '\'' || ch == '"' || (isalpha((unsigned char)ch) && l->e - l->p >= 2 &&
                                    (l->p[1] == '\'' || l->p[1] == '"' ||
                                     (isalpha((unsigned char)l->p[1]) && l->e - l->p >= 3 &&
                                      (l->p[2] == '\'' || l->p[2] == '"'))))) {
        struct wv_buf b;
        wv_buf_init(&b, 0);
        int rc;
        do {
            rc = lit_string(l, &b);
            skip_ws(l);
        } while (rc == 0 && l->p < l->e && (*l->p == '\'' || *l->p == '"' ||
                                            (strchr("rRuU", *l->p) && l->p + 1 < l->e &&
                                             (l->p[1] == '\'' || l->p[1] == '"'))));
        struct wv_json *s = rc == 0 ? wv_json_strn(wv_buf_cstr(&b), b.len) : NULL;
        wv_buf_done(&b);
        return s;
    }
    static const struct { const char *w; int v; } names[] = {{"True", 1}, {"False", 0}, {"None", 2}};
    for (size_t i = 0; i < 3; i++) {
        size_t n = strlen(names[i].w);
        if ((size_t)(l->e - l->p) >= n && !memcmp(l->p, names[i].w, n) &&
            (l->p + n == l->e || !(isalnum((unsigned char)l->p[n]) || l->p[n] == '_'))) {
            l->p += n;
            return names[i].v == 2 ? wv_json_null() : wv_json_bool(names[i].v == 1);
        }
    }
    return NULL;
}

/* ast.literal_eval of text: a JSON value, or NULL when text is not a Python literal. */
struct wv_json *conn_ip_literal_eval(const char *s, size_t n)
{
    struct lit l = {s, s + n, 0, {0}};
    while (l.p < l.e && (*l.p == ' ' || *l.p == '\t' || *l.p == '\n' || *l.p == '\r'))
        l.p++;
    struct wv_json *v = lit_value(&l);
    skip_ws(&l);
    if (v && l.p < l.e && *l.p == ',') { /* a bare tuple: "1, 2" */
        struct wv_json *t = wv_json_array();
        wv_json_push(t, v);
        v = t;
        while (l.p < l.e && *l.p == ',') {
            l.p++;
            skip_ws(&l);
            if (l.p >= l.e || *l.p == '#')
                break;
            struct wv_json *k = lit_value(&l);
            if (!k) {
                wv_json_free(t);
                v = NULL;
                break;
            }
            wv_json_push(t, k);
            skip_ws(&l);
        }
    }
    if (v) {
        while (l.p < l.e && isspace((unsigned char)*l.p))
            l.p++;
        if (l.p < l.e && *l.p == '#') /* a trailing comment */
            while (l.p < l.e && *l.p != '\n')
                l.p++;
        while (l.p < l.e && isspace((unsigned char)*l.p))
            l.p++;
        if (l.p != l.e) {
            wv_json_free(v);
            v = NULL;
        }
    }
    conn_ip_arena_free(&l.arena);
    return v;
}
