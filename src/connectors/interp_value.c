/* interp_value.c - runtime values of the template engine with Python's semantics: truthiness,
 * equality and ordering, str() and repr() (what Jinja prints: True, None, ['a', 1], {'k': 2},
 * floats in shortest round-trip form), and conversion to weaver's JSON tree. JSON input is
 * borrowed; scalars are converted when read. Any thread (pure functions over one context). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "connectors/interp_priv.h"

/* Value constructors. */
struct iv conn_iv_str(const char *p, size_t n)
{
    struct iv v = {.kind = IV_STR};
    v.u.s.p = p;
    v.u.s.n = n;
    return v;
}

struct iv conn_iv_int(int64_t i)
{
    struct iv v = {.kind = IV_INT};
    v.u.i = i;
    return v;
}

struct iv conn_iv_float(double f)
{
    struct iv v = {.kind = IV_FLOAT};
    v.u.f = f;
    return v;
}

struct iv conn_iv_bool(bool b)
{
    struct iv v = {.kind = IV_BOOL};
    v.u.b = b;
    return v;
}

/* Reads a JSON node: scalars become values, containers stay borrowed. */
struct iv conn_iv_from_json(const struct wv_json *j)
{
    struct iv v = {.kind = IV_NONE};
    if (!j)
        return v;
    switch (j->type) {
    case WV_JSON_NULL: break;
    case WV_JSON_BOOL: return conn_iv_bool(j->b);
    case WV_JSON_NUMBER: {
        int64_t i;
        if (!strpbrk(j->s, ".eE") && wv_json_as_i64(j, &i) == 0)
            return conn_iv_int(i);
        return conn_iv_float(strtod(j->s, NULL));
    }
    case WV_JSON_STRING: return conn_iv_str(j->s, j->slen);
    default:
        v.kind = IV_JSON;
        v.u.j = j;
    }
    return v;
}

/* A new empty list with room for cap items. */
struct iv conn_iv_new_list(struct ip_arena *a, size_t cap)
{
    struct iv v = {.kind = IV_LIST};
    v.u.l = conn_ip_alloc(a, sizeof *v.u.l);
    if (cap) {
        v.u.l->items = conn_ip_alloc(a, cap * sizeof(struct iv));
        v.u.l->cap = cap;
    }
    return v;
}

/* A new empty dict. */
struct iv conn_iv_new_dict(struct ip_arena *a, size_t cap)
{
    struct iv v = {.kind = IV_DICT};
    v.u.d = conn_ip_alloc(a, sizeof *v.u.d);
    if (cap) {
        v.u.d->keys = conn_ip_alloc(a, cap * sizeof(struct iv));
        v.u.d->vals = conn_ip_alloc(a, cap * sizeof(struct iv));
        v.u.d->cap = cap;
    }
    return v;
}

/* Appends to a list. */
void conn_iv_list_push(struct ip_arena *a, struct iv_list *l, struct iv v)
{
    if (l->len == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 8;
        struct iv *n = conn_ip_alloc(a, cap * sizeof *n);
        if (l->len)
            memcpy(n, l->items, l->len * sizeof *n);
        l->items = n;
        l->cap = cap;
    }
    l->items[l->len++] = v;
}

/* Sets a key (replacing an equal key). */
void conn_iv_dict_set(struct ip_arena *a, struct iv_dict *d, struct iv k, struct iv v)
{
    for (size_t i = 0; i < d->len; i++)
        if (conn_iv_equal(&d->keys[i], &k)) {
            d->vals[i] = v;
            return;
        }
    if (d->len == d->cap) {
        size_t cap = d->cap ? d->cap * 2 : 8;
        struct iv *nk = conn_ip_alloc(a, cap * sizeof *nk);
        struct iv *nv = conn_ip_alloc(a, cap * sizeof *nv);
        if (d->len) {
            memcpy(nk, d->keys, d->len * sizeof *nk);
            memcpy(nv, d->vals, d->len * sizeof *nv);
        }
        d->keys = nk;
        d->vals = nv;
        d->cap = cap;
    }
    d->keys[d->len] = k;
    d->vals[d->len++] = v;
}

bool conn_iv_is_seq(const struct iv *v)
{
    return v->kind == IV_LIST || v->kind == IV_TUPLE ||
           (v->kind == IV_JSON && v->u.j->type == WV_JSON_ARRAY);
}

bool conn_iv_is_map(const struct iv *v)
{
    return v->kind == IV_DICT || (v->kind == IV_JSON && v->u.j->type == WV_JSON_OBJECT);
}

/* len(): items of a sequence or map, bytes... code points of a string. */
size_t conn_iv_len(const struct iv *v)
{
    switch (v->kind) {
    case IV_LIST: case IV_TUPLE: return v->u.l->len;
    case IV_DICT: return v->u.d->len;
    case IV_JSON: return v->u.j->len;
    case IV_STR: {
        size_t n = 0;
        for (size_t i = 0; i < v->u.s.n; i++)
            n += ((unsigned char)v->u.s.p[i] & 0xC0) != 0x80;
        return n;
    }
    default: return 0;
    }
}

/* Item i of a sequence, or key i of a map. */
struct iv conn_iv_at(const struct iv *v, size_t i)
{
    if (v->kind == IV_LIST || v->kind == IV_TUPLE)
        return v->u.l->items[i];
    if (v->kind == IV_DICT)
        return v->u.d->keys[i];
    if (v->u.j->type == WV_JSON_OBJECT)
        return conn_iv_str(v->u.j->keys[i], strlen(v->u.j->keys[i]));
    return conn_iv_from_json(v->u.j->items[i]);
}

/* Value i of a map. */
struct iv conn_iv_map_val(const struct iv *v, size_t i)
{
    if (v->kind == IV_DICT)
        return v->u.d->vals[i];
    return conn_iv_from_json(v->u.j->items[i]);
}

/* Looks up a string key in a map. */
bool conn_iv_map_get(const struct iv *v, const char *k, size_t kn, struct iv *out)
{
    if (v->kind == IV_DICT) {
        for (size_t i = 0; i < v->u.d->len; i++) {
            const struct iv *key = &v->u.d->keys[i];
            if (key->kind == IV_STR && key->u.s.n == kn && memcmp(key->u.s.p, k, kn) == 0) {
                *out = v->u.d->vals[i];
                return true;
            }
        }
        return false;
    }
    if (v->kind != IV_JSON || v->u.j->type != WV_JSON_OBJECT)
        return false;
    const struct wv_json *o = v->u.j;
    for (size_t i = o->len; i-- > 0;) /* duplicate keys: the last one wins */
        if (strncmp(o->keys[i], k, kn) == 0 && o->keys[i][kn] == '\0') {
            *out = conn_iv_from_json(o->items[i]);
            return true;
        }
    return false;
}

/* Looks up any key in a map (Python dict semantics: 1 == 1.0 == True). */
bool conn_iv_lookup(const struct iv *m, const struct iv *key, struct iv *out)
{
    if (key->kind == IV_STR)
        return conn_iv_map_get(m, key->u.s.p, key->u.s.n, out);
    if (m->kind == IV_DICT) {
        for (size_t i = 0; i < m->u.d->len; i++)
            if (conn_iv_equal(&m->u.d->keys[i], key)) {
                *out = m->u.d->vals[i];
                return true;
            }
    }
    return false;
}

/* Python truthiness (undefined is false). */
bool conn_iv_truthy(const struct iv *v)
{
    switch (v->kind) {
    case IV_UNDEF: case IV_NONE: return false;
    case IV_BOOL: return v->u.b;
    case IV_INT: return v->u.i != 0;
    case IV_FLOAT: return v->u.f != 0;
    case IV_STR: return v->u.s.n != 0;
    case IV_LIST: case IV_TUPLE: case IV_DICT: case IV_JSON: return conn_iv_len(v) != 0;
    case IV_TD: return v->u.td.us != 0 || v->u.td.months != 0;
    default: return true;
    }
}

/* Whether v is a number (bool counts, as in Python); *f its value. */
bool conn_iv_is_num(const struct iv *v, double *f)
{
    switch (v->kind) {
    case IV_BOOL: *f = v->u.b; return true;
    case IV_INT: *f = (double)v->u.i; return true;
    case IV_FLOAT: *f = v->u.f; return true;
    default: return false;
    }
}

/* Python ==. */
bool conn_iv_equal(const struct iv *a, const struct iv *b)
{
    double x, y;
    if (a->kind == IV_INT && b->kind == IV_INT)
        return a->u.i == b->u.i;
    if (conn_iv_is_num(a, &x) && conn_iv_is_num(b, &y))
        return x == y;
    if (a->kind == IV_STR && b->kind == IV_STR)
        return a->u.s.n == b->u.s.n && memcmp(a->u.s.p, b->u.s.p, a->u.s.n) == 0;
    if ((a->kind == IV_NONE && b->kind == IV_NONE) || (a->kind == IV_UNDEF && b->kind == IV_UNDEF))
        return true;
    if ((a->kind == IV_DT && b->kind == IV_DT) || (a->kind == IV_DATE && b->kind == IV_DATE))
        return a->u.us == b->u.us;
    if (a->kind == IV_TD && b->kind == IV_TD)
        return a->u.td.us == b->u.td.us && a->u.td.months == b->u.td.months;
    if (conn_iv_is_seq(a) && conn_iv_is_seq(b)) {
        if ((a->kind == IV_TUPLE) != (b->kind == IV_TUPLE) || conn_iv_len(a) != conn_iv_len(b))
            return false;
        for (size_t i = 0; i < conn_iv_len(a); i++) {
            struct iv p = conn_iv_at(a, i), q = conn_iv_at(b, i);
            if (!conn_iv_equal(&p, &q))
                return false;
        }
        return true;
    }
    if (conn_iv_is_map(a) && conn_iv_is_map(b)) {
        if (conn_iv_len(a) != conn_iv_len(b))
            return false;
        for (size_t i = 0; i < conn_iv_len(a); i++) {
            struct iv k = conn_iv_at(a, i), va = conn_iv_map_val(a, i), vb;
            if (!conn_iv_lookup(b, &k, &vb) || !conn_iv_equal(&va, &vb))
                return false;
        }
        return true;
    }
    return false;
}

/* Python ordering (<, >): numbers, strings, datetimes, dates, timedeltas, sequences. */
int conn_iv_cmp(const struct iv *a, const struct iv *b, bool *ok)
{
    double x, y;
    *ok = true;
    if (a->kind == IV_INT && b->kind == IV_INT)
        return (a->u.i > b->u.i) - (a->u.i < b->u.i);
    if (conn_iv_is_num(a, &x) && conn_iv_is_num(b, &y))
        return (x > y) - (x < y);
    if (a->kind == IV_STR && b->kind == IV_STR) {
        size_t n = a->u.s.n < b->u.s.n ? a->u.s.n : b->u.s.n;
        int r = memcmp(a->u.s.p, b->u.s.p, n);
        if (r)
            return r < 0 ? -1 : 1;
        return (a->u.s.n > b->u.s.n) - (a->u.s.n < b->u.s.n);
    }
    if ((a->kind == IV_DT && b->kind == IV_DT) || (a->kind == IV_DATE && b->kind == IV_DATE))
        return (a->u.us > b->u.us) - (a->u.us < b->u.us);
    if (a->kind == IV_TD && b->kind == IV_TD && !a->u.td.months && !b->u.td.months)
        return (a->u.td.us > b->u.td.us) - (a->u.td.us < b->u.td.us);
    if (conn_iv_is_seq(a) && conn_iv_is_seq(b)) {
        size_t na = conn_iv_len(a), nb = conn_iv_len(b);
        for (size_t i = 0; i < na && i < nb; i++) {
            struct iv p = conn_iv_at(a, i), q = conn_iv_at(b, i);
            if (conn_iv_equal(&p, &q))
                continue;
            return conn_iv_cmp(&p, &q, ok);
        }
        return (na > nb) - (na < nb);
    }
    *ok = false;
    return -1;
}

/* The Python type name of a value (for error messages). */
const char *conn_iv_type_name(const struct iv *v)
{
    switch (v->kind) {
    case IV_UNDEF: return "Undefined";
    case IV_NONE: return "NoneType";
    case IV_BOOL: return "bool";
    case IV_INT: return "int";
    case IV_FLOAT: return "float";
    case IV_STR: return "str";
    case IV_LIST: return "list";
    case IV_TUPLE: return "tuple";
    case IV_DICT: return "dict";
    case IV_JSON: return v->u.j->type == WV_JSON_ARRAY ? "list" : "dict";
    case IV_DT: return "datetime";
    case IV_DATE: return "date";
    case IV_TD: return "timedelta";
    case IV_BUILTIN: return "builtin_function_or_method";
    }
    return "?";
}

/* Python repr() of a float: the shortest text that reads back as the same double. */
void conn_ip_float_repr(double f, char *buf, size_t size)
{
    if (isnan(f)) {
        snprintf(buf, size, "nan");
        return;
    }
    if (isinf(f)) {
        snprintf(buf, size, f < 0 ? "-inf" : "inf");
        return;
    }
    char e[40];
    int prec;
    for (prec = 1; prec <= 17; prec++) {
        snprintf(e, sizeof e, "%.*e", prec - 1, f);
        if (strtod(e, NULL) == f)
            break;
    }
    /* e is "-d.ddde+XX": split into sign, digits and exponent */
    char digits[24];
    size_t nd = 0;
    const char *p = e;
    bool neg = *p == '-';
    if (neg)
        p++;
    for (; *p && *p != 'e'; p++)
        if (*p >= '0' && *p <= '9')
            digits[nd++] = *p;
    int exp = (int)strtol(p + 1, NULL, 10);
    while (nd > 1 && digits[nd - 1] == '0')
        nd--;
    digits[nd] = '\0';
    struct wv_buf b;
    wv_buf_init(&b, 0);
    if (neg)
        wv_buf_putc(&b, '-', NULL);
    if (exp >= -4 && exp < 16) {
        if (exp < 0) {
            wv_buf_puts(&b, "0.", NULL);
            for (int k = -1; k > exp; k--)
                wv_buf_putc(&b, '0', NULL);
            wv_buf_puts(&b, digits, NULL);
        } else {
            for (int k = 0; k <= exp; k++)
                wv_buf_putc(&b, k < (int)nd ? digits[k] : '0', NULL);
            wv_buf_putc(&b, '.', NULL);
            wv_buf_puts(&b, (int)nd > exp + 1 ? digits + exp + 1 : "0", NULL);
        }
    } else {
        wv_buf_putc(&b, digits[0], NULL);
        if (nd > 1)
            wv_buf_printf(&b, NULL, ".%s", digits + 1);
        wv_buf_printf(&b, NULL, "e%c%02d", exp < 0 ? '-' : '+', exp < 0 ? -exp : exp);
    }
    wv_strlcpy(buf, wv_buf_cstr(&b), size);
    wv_buf_done(&b);
}

/* Python repr() of a string: single quotes unless it holds ' and no ". */
static int repr_str(struct wv_buf *b, const char *s, size_t n, struct wv_error *err)
{
    bool sq = memchr(s, '\'', n) != NULL, dq = memchr(s, '"', n) != NULL;
    char q = (sq && !dq) ? '"' : '\'';
    if (wv_buf_putc(b, q, err) < 0)
        return -1;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        int rc;
        if (c == '\\' || c == (unsigned char)q)
            rc = wv_buf_printf(b, err, "\\%c", c);
        else if (c == '\n')
            rc = wv_buf_puts(b, "\\n", err);
        else if (c == '\r')
            rc = wv_buf_puts(b, "\\r", err);
        else if (c == '\t')
            rc = wv_buf_puts(b, "\\t", err);
        else if (c < 0x20 || c == 0x7f)
            rc = wv_buf_printf(b, err, "\\x%02x", c);
        else
            rc = wv_buf_putc(b, (char)c, err);
        if (rc < 0)
            return -1;
    }
    return wv_buf_putc(b, q, err);
}

/* repr() of a sequence or map. */
static int repr_container(struct wv_buf *b, const struct iv *v, struct wv_error *err)
{
    bool map = conn_iv_is_map(v);
    size_t n = conn_iv_len(v);
    const char *open = map ? "{" : v->kind == IV_TUPLE ? "(" : "[";
    const char *close = map ? "}" : v->kind == IV_TUPLE ? (n == 1 ? ",)" : ")") : "]";
    if (wv_buf_puts(b, open, err) < 0)
        return -1;
    for (size_t i = 0; i < n; i++) {
        struct iv it = conn_iv_at(v, i);
        if ((i && wv_buf_puts(b, ", ", err) < 0) || conn_iv_repr_to(b, &it, err) < 0)
            return -1;
        if (map) {
            struct iv val = conn_iv_map_val(v, i);
            if (wv_buf_puts(b, ": ", err) < 0 || conn_iv_repr_to(b, &val, err) < 0)
                return -1;
        }
    }
    return wv_buf_puts(b, close, err);
}

/* Python repr() appended to b. */
int conn_iv_repr_to(struct wv_buf *b, const struct iv *v, struct wv_error *err)
{
    switch (v->kind) {
    case IV_UNDEF: return wv_buf_puts(b, "Undefined", err);
    case IV_STR: return repr_str(b, v->u.s.p, v->u.s.n, err);
    case IV_LIST: case IV_TUPLE: case IV_DICT: case IV_JSON: return repr_container(b, v, err);
    case IV_DT: case IV_DATE: {
        if (wv_buf_puts(b, v->kind == IV_DT ? "datetime.datetime('" : "datetime.date('", err) < 0 ||
            conn_ip_dt_str(b, v, err) < 0)
            return -1;
        return wv_buf_puts(b, "')", err);
    }
    default: return conn_iv_str_to(b, v, err);
    }
}

/* Python str() appended to b (Undefined prints nothing). */
int conn_iv_str_to(struct wv_buf *b, const struct iv *v, struct wv_error *err)
{
    char num[48];
    switch (v->kind) {
    case IV_UNDEF: return 0;
    case IV_BUILTIN:
        return wv_buf_printf(b, err, "<built-in method %.*s of dict object>", (int)v->u.s.n, v->u.s.p);
    case IV_NONE: return wv_buf_puts(b, "None", err);
    case IV_BOOL: return wv_buf_puts(b, v->u.b ? "True" : "False", err);
    case IV_INT: return wv_buf_printf(b, err, "%lld", (long long)v->u.i);
    case IV_FLOAT:
        conn_ip_float_repr(v->u.f, num, sizeof num);
        return wv_buf_puts(b, num, err);
    case IV_STR: return wv_buf_append(b, v->u.s.p, v->u.s.n, err);
    case IV_DT: case IV_DATE: case IV_TD: return conn_ip_dt_str(b, v, err);
    default: return repr_container(b, v, err);
    }
}

/* str(v) as text: strings are borrowed, the rest is formatted into the arena. */
int conn_iv_to_text(struct ip_ctx *c, const struct iv *v, const char **p, size_t *n)
{
    if (v->kind == IV_STR) {
        *p = v->u.s.p;
        *n = v->u.s.n;
        return 0;
    }
    struct wv_buf b;
    wv_buf_init(&b, IP_MAX_OUTPUT);
    if (conn_iv_str_to(&b, v, c->err) < 0) {
        wv_buf_done(&b);
        return -1;
    }
    *p = conn_ip_strndup(&c->arena, wv_buf_cstr(&b), b.len);
    *n = b.len;
    wv_buf_done(&b);
    return 0;
}

/* Converts to JSON when every part is JSON-like; NULL otherwise. */
struct wv_json *conn_iv_to_json(const struct iv *v)
{
    char num[48];
    switch (v->kind) {
    case IV_NONE: return wv_json_null();
    case IV_BOOL: return wv_json_bool(v->u.b);
    case IV_INT: return wv_json_int(v->u.i);
    case IV_FLOAT:
        if (!isfinite(v->u.f))
            return NULL;
        conn_ip_float_repr(v->u.f, num, sizeof num);
        return wv_json_number_text(num);
    case IV_STR: return wv_json_strn(v->u.s.p, v->u.s.n);
    case IV_JSON: return wv_json_dup(v->u.j);
    case IV_LIST: case IV_TUPLE: case IV_DICT: break;
    default: return NULL;
    }
    bool map = v->kind == IV_DICT;
    struct wv_json *out = map ? wv_json_object() : wv_json_array();
    for (size_t i = 0; i < conn_iv_len(v); i++) {
        struct iv it = map ? conn_iv_map_val(v, i) : conn_iv_at(v, i);
        struct wv_json *j = conn_iv_to_json(&it);
        if (!j) {
            wv_json_free(out);
            return NULL;
        }
        if (!map) {
            wv_json_push(out, j);
            continue;
        }
        struct iv k = conn_iv_at(v, i);
        struct wv_buf kb;
        wv_buf_init(&kb, 0);
        conn_iv_str_to(&kb, &k, NULL);
        wv_json_set(out, wv_buf_cstr(&kb), j);
        wv_buf_done(&kb);
    }
    return out;
}
