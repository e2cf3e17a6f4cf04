/* interp_lib.c - filters and tests: Jinja2's builtins that manifests use (jinja2/filters.py,
 * jinja2/tests.py: default, int, float, length, first, join, map, selectattr ...) and the
 * CDK's own filters (airbyte_cdk/sources/declarative/interpolation/filters.py: hash, hmac,
 * base64encode, base64decode, string, regex_search). Unknown names fail at compile time.
 * Any thread (pure functions over one evaluation context). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "base/sha256.h"
#include "connectors/interp_priv.h"

static const char *const filter_names[] = {
    "default", "d", "string", "int", "float", "lower", "upper", "replace", "join", "length",
    "count", "first", "last", "trim", "abs", "round", "tojson", "hash", "hmac", "base64encode",
    "base64decode", "base64binascii_decode", "regex_search", "list", "unique", "sum", "min",
    "max", "map", "select", "reject", "selectattr", "rejectattr", "urlencode", "reverse", "sort",
    "capitalize", "title", "items", "safe", NULL};

static const char *const test_names[] = {
    "defined", "undefined", "none", "string", "number", "integer", "float", "mapping",
    "iterable", "sequence", "boolean", "true", "false", "even", "odd", "divisibleby", "in",
    "eq", "equalto", "ne", "lt", "lessthan", "le", "gt", "greaterthan", "ge", "lower", "upper",
    "sameas", "callable", NULL};

/* Index of name in a NULL-terminated list, or -1. */
static int find_name(const char *const *list, const char *name)
{
    for (int i = 0; list[i]; i++)
        if (strcmp(list[i], name) == 0)
            return i;
    return -1;
}

bool conn_ip_filter_known(const char *name)
{
    return find_name(filter_names, name) >= 0;
}

bool conn_ip_test_known(const char *name) { return find_name(test_names, name) >= 0; }

/* Keyword argument kw, or positional argument pos; NULL when absent. */
struct iv *conn_ip_kwarg(const struct ip_node *n, struct iv *args, const char *kw, size_t pos)
{
    size_t npos = 0;
    for (uint32_t i = 0; i < n->nargs; i++) {
        if (n->kw[i] && kw && strcmp(n->kw[i], kw) == 0)
            return &args[i];
        if (!n->kw[i] && npos++ == pos)
            return &args[i];
    }
    return NULL;
}

/* JSON text of a value as Python's json.dumps (", " and ": " separators, ASCII-only). */
static int py_json(struct ip_ctx *c, struct wv_buf *b, const struct iv *v, bool sort,
                   uint32_t pos)
{
    struct wv_error *err = c->err;
    switch (v->kind) {
    case IV_NONE: return wv_buf_puts(b, "null", err);
    case IV_BOOL: return wv_buf_puts(b, v->u.b ? "true" : "false", err);
    case IV_INT: case IV_FLOAT: return conn_iv_str_to(b, v, err);
    case IV_STR: {
        if (wv_buf_putc(b, '"', err) < 0)
            return -1;
        const unsigned char *s = (const unsigned char *)v->u.s.p;
        for (size_t i = 0; i < v->u.s.n; i++) {
            unsigned c0 = s[i];
            int rc;
            if (c0 == '"' || c0 == '\\') rc = wv_buf_printf(b, err, "\\%c", c0);
            else if (c0 == '\n') rc = wv_buf_puts(b, "\\n", err);
            else if (c0 == '\r') rc = wv_buf_puts(b, "\\r", err);
            else if (c0 == '\t') rc = wv_buf_puts(b, "\\t", err);
            else if (c0 < 0x20 || c0 == 0x7f) rc = wv_buf_printf(b, err, "\\u%04x", c0);
            else if (c0 < 0x80) rc = wv_buf_putc(b, (char)c0, err);
            else {
                unsigned long cp;
                int extra = c0 >= 0xF0 ? 3 : c0 >= 0xE0 ? 2 : 1;
                cp = c0 & (0x3F >> extra);
                for (int k = 0; k < extra && i + 1 < v->u.s.n; k++)
                    cp = cp << 6 | (s[++i] & 0x3F);
                if (cp >= 0x10000) {
                    cp -= 0x10000;
                    rc = wv_buf_printf(b, err, "\\u%04lx\\u%04lx", 0xD800 + (cp >> 10),
                                       0xDC00 + (cp & 0x3FF));
                } else {
                    rc = wv_buf_printf(b, err, "\\u%04lx", cp);
                }
            }
            if (rc < 0)
                return -1;
        }
        return wv_buf_putc(b, '"', err);
    }
    case IV_LIST: case IV_TUPLE: case IV_DICT: case IV_JSON: break;
    default:
        return conn_ip_fail(c, pos, "Object of type %s is not JSON serializable",
                            conn_iv_type_name(v));
    }
    bool map = conn_iv_is_map(v);
    size_t n = conn_iv_len(v);
    size_t *order = conn_ip_alloc(&c->arena, (n + 1) * sizeof *order);
    for (size_t i = 0; i < n; i++)
        order[i] = i;
    if (map && sort) /* insertion sort by key text: maps in templates are small */
        for (size_t i = 1; i < n; i++)
            for (size_t j = i; j > 0; j--) {
                struct iv ka = conn_iv_at(v, order[j - 1]), kb = conn_iv_at(v, order[j]);
                bool ok;
                if (conn_iv_cmp(&ka, &kb, &ok) <= 0)
                    break;
                size_t t = order[j];
                order[j] = order[j - 1];
                order[j - 1] = t;
            }
    if (wv_buf_putc(b, map ? '{' : '[', err) < 0)
        return -1;
    for (size_t i = 0; i < n; i++) {
        struct iv it = conn_iv_at(v, order[i]);
        if (i && wv_buf_puts(b, ", ", err) < 0)
            return -1;
        if (map && it.kind != IV_STR) {
            struct iv ks;
            if (conn_iv_to_text(c, &it, &ks.u.s.p, &ks.u.s.n) < 0)
                return -1;
            ks.kind = IV_STR;
            it = ks;
        }
        if (py_json(c, b, &it, sort, pos) < 0)
            return -1;
        if (map) {
            struct iv val = conn_iv_map_val(v, order[i]);
            if (wv_buf_puts(b, ": ", err) < 0 || py_json(c, b, &val, sort, pos) < 0)
                return -1;
        }
    }
    return wv_buf_putc(b, map ? '}' : ']', err);
}

/* A buffer's text as an arena string value. */
static struct iv buf_value(struct ip_ctx *c, struct wv_buf *b)
{
    struct iv v = conn_iv_str(conn_ip_strndup(&c->arena, wv_buf_cstr(b), b->len), b->len);
    wv_buf_done(b);
    return v;
}

/* The CDK's `string` filter and Jinja's `tojson`. */
static int f_json(struct ip_ctx *c, const struct ip_node *n, const struct iv *in, bool cdk_string,
                  struct iv *out)
{
    if (cdk_string && in->kind == IV_STR) {
        *out = *in;
        return 0;
    }
    struct wv_buf b;
    wv_buf_init(&b, IP_MAX_OUTPUT);
    if ((cdk_string && wv_buf_puts(&b, "\"\"\"", c->err) < 0) ||
        py_json(c, &b, in, !cdk_string, n->pos) < 0 ||
        (cdk_string && wv_buf_puts(&b, "\"\"\"", c->err) < 0)) {
        wv_buf_done(&b);
        return -1;
    }
    if (!cdk_string) { /* htmlsafe_json_dumps */
        struct wv_buf h;
        wv_buf_init(&h, IP_MAX_OUTPUT);
        for (size_t i = 0; i < b.len; i++) {
            char ch = b.data[i];
            int rc = ch == '<' ? wv_buf_puts(&h, "\\u003c", c->err)
                   : ch == '>' ? wv_buf_puts(&h, "\\u003e", c->err)
                   : ch == '&' ? wv_buf_puts(&h, "\\u0026", c->err)
                   : ch == '\'' ? wv_buf_puts(&h, "\\u0027", c->err)
                                : wv_buf_putc(&h, ch, c->err);
            if (rc < 0) {
                wv_buf_done(&h);
                wv_buf_done(&b);
                return -1;
            }
        }
        wv_buf_done(&b);
        b = h;
    }
    *out = buf_value(c, &b);
    return 0;
}

/* Parses text as a Python int/float literal (for the int and float filters). */
static bool parse_number(const char *p, size_t n, bool want_int, int64_t *i, double *f)
{
    char tmp[64];
    size_t k = 0;
    while (n && (*p == ' ' || *p == '\t' || *p == '\n')) {
        p++;
        n--;
    }
    while (n && (p[n - 1] == ' ' || p[n - 1] == '\t' || p[n - 1] == '\n'))
        n--;
    if (!n || n >= sizeof tmp)
        return false;
    for (size_t j = 0; j < n; j++)
        if (p[j] != '_')
            tmp[k++] = p[j];
    tmp[k] = '\0';
    char *end;
    if (want_int) {
        long long v = strtoll(tmp, &end, 10);
        if (*end == '\0' && end != tmp) {
            *i = v;
            return true;
        }
        return false;
    }
    *f = strtod(tmp, &end);
    return *end == '\0' && end != tmp;
}

/* int(value, default=0) and float(value, default=0.0). */
static int f_number(struct ip_ctx *c, const struct ip_node *n, const struct iv *in,
                    struct iv *args, bool want_int, struct iv *out)
{
    struct iv *dflt = conn_ip_kwarg(n, args, "default", 0);
    int64_t i;
    double f;
    *out = dflt ? *dflt : want_int ? conn_iv_int(0) : conn_iv_float(0);
    switch (in->kind) {
    case IV_INT: case IV_BOOL:
        i = in->kind == IV_BOOL ? in->u.b : in->u.i;
        *out = want_int ? conn_iv_int(i) : conn_iv_float((double)i);
        break;
    case IV_FLOAT:
        if (want_int && isfinite(in->u.f) && fabs(in->u.f) < 9.2e18)
            *out = conn_iv_int((int64_t)in->u.f);
        else if (!want_int)
            *out = *in;
        break;
    case IV_STR:
        if (want_int && parse_number(in->u.s.p, in->u.s.n, true, &i, &f))
            *out = conn_iv_int(i);
        else if (parse_number(in->u.s.p, in->u.s.n, false, &i, &f))
            *out = want_int ? (isfinite(f) && fabs(f) < 9.2e18 ? conn_iv_int((int64_t)f) : *out)
                            : conn_iv_float(f);
        break;
    default: break;
    }
    (void)c;
    return 0;
}

/* hash(value, type='md5', salt=None) and hmac(value, key, type='sha256'). */
static int f_hash(struct ip_ctx *c, const struct ip_node *n, const struct iv *in, struct iv *args,
                  bool hmac, struct iv *out)
{
    const char *p, *type = hmac ? "sha256" : "md5", *salt = "";
    size_t pn, tn = strlen(type), sn = 0;
    struct iv *t = conn_ip_kwarg(n, args, hmac ? "hash_type" : "hash_type", hmac ? 1 : 0);
    struct iv *s = conn_ip_kwarg(n, args, hmac ? "key" : "salt", hmac ? 0 : 1);
    if (t && t->kind == IV_STR) {
        type = t->u.s.p;
        tn = t->u.s.n;
    }
    if (conn_iv_to_text(c, in, &p, &pn) < 0 ||
        (s && conn_iv_truthy(s) && conn_iv_to_text(c, s, &salt, &sn) < 0))
        return -1;
    unsigned char d[32];
    size_t dn;
    if (hmac) {
        if (tn != 6 || memcmp(type, "sha256", 6) != 0)
            return conn_ip_fail(c, n->pos, "Hash type '%.*s' is not allowed. Allowed types: sha256",
                                (int)tn, type);
        wv_hmac_sha256(salt, sn, p, pn, d);
        dn = 32;
    } else {
        char *all = conn_ip_alloc(&c->arena, pn + sn + 1);
        memcpy(all, p, pn);
        memcpy(all + pn, salt, sn);
        if (tn == 3 && memcmp(type, "md5", 3) == 0) { conn_ip_md5(all, pn + sn, d); dn = 16; }
        else if (tn == 4 && memcmp(type, "sha1", 4) == 0) { conn_ip_sha1(all, pn + sn, d); dn = 20; }
        else if (tn == 6 && memcmp(type, "sha256", 6) == 0) { wv_sha256(all, pn + sn, d); dn = 32; }
        else
            return conn_ip_fail(c, n->pos, "No hashing function named %.*s", (int)tn, type);
    }
    char *hex = conn_ip_alloc(&c->arena, dn * 2 + 1);
    for (size_t i = 0; i < dn; i++)
        snprintf(hex + 2 * i, 3, "%02x", d[i]);
    *out = conn_iv_str(hex, dn * 2);
    return 0;
}

/* base64encode / base64decode / base64binascii_decode (which encodes, as the CDK's does). */
static int f_b64(struct ip_ctx *c, const struct ip_node *n, const struct iv *in, bool dec,
                 struct iv *out)
{
    size_t on;
    if (in->kind != IV_STR)
        return conn_ip_fail(c, n->pos, "'%s' object has no attribute 'encode'", conn_iv_type_name(in));
    if (!dec) {
        char *s = conn_ip_b64enc(&c->arena, (const unsigned char *)in->u.s.p, in->u.s.n, &on);
        *out = conn_iv_str(s, on);
        return 0;
    }
    char *s = conn_ip_b64dec(&c->arena, in->u.s.p, in->u.s.n, &on);
    if (!s)
        return conn_ip_fail(c, n->pos, "Incorrect base64 padding");
    *out = conn_iv_str(s, on);
    return 0;
}

/* Resolves a (dotted) attribute path of an item, like environment.getitem for map/selectattr. */
static int item_attr(struct ip_ctx *c, const struct iv *item, const struct iv *attr, struct iv *out)
{
    *out = *item;
    if (attr->kind == IV_INT) {
        if (conn_iv_is_seq(out) && attr->u.i >= 0 && (size_t)attr->u.i < conn_iv_len(out))
            *out = conn_iv_at(out, (size_t)attr->u.i);
        else
            out->kind = IV_UNDEF;
        return 0;
    }
    const char *p = attr->u.s.p, *e = p + attr->u.s.n;
    while (p <= e && out->kind != IV_UNDEF) {
        const char *dot = memchr(p, '.', (size_t)(e - p));
        if (!dot)
            dot = e;
        char *name = conn_ip_strndup(&c->arena, p, (size_t)(dot - p));
        if (conn_ip_attr(c, out, name, out) < 0)
            return -1;
        p = dot + 1;
    }
    return 0;
}


/* Items of an iterable as an array (strings give characters, maps keys); -1 if not iterable. */
static int iter_items(struct ip_ctx *c, uint32_t pos, const struct iv *v, struct iv **items,
                      size_t *n)
{
    *n = 0;
    *items = NULL;
    if (v->kind == IV_UNDEF)
        return 0;
    if (v->kind == IV_STR) {
        *items = conn_ip_alloc(&c->arena, (v->u.s.n + 1) * sizeof **items);
        for (size_t i = 0; i < v->u.s.n;) {
            size_t k = 1;
            while (i + k < v->u.s.n && ((unsigned char)v->u.s.p[i + k] & 0xC0) == 0x80)
                k++;
            (*items)[(*n)++] = conn_iv_str(v->u.s.p + i, k);
            i += k;
        }
        return 0;
    }
    if (!conn_iv_is_seq(v) && !conn_iv_is_map(v))
        return conn_ip_fail(c, pos, "'%s' object is not iterable", conn_iv_type_name(v));
    *n = conn_iv_len(v);
    *items = conn_ip_alloc(&c->arena, (*n + 1) * sizeof **items);
    for (size_t i = 0; i < *n; i++)
        (*items)[i] = conn_iv_at(v, i);
    return 0;
}

/* A list value over an array. */
static struct iv list_of(struct ip_ctx *c, struct iv *items, size_t n)
{
    struct iv l = conn_iv_new_list(&c->arena, 0);
    l.u.l->items = items;
    l.u.l->len = l.u.l->cap = n;
    return l;
}

/* A synthetic call node for map('filter', ...) / select('test', ...): args from `skip` on. */
static struct ip_node *sub_node(struct ip_ctx *c, const struct ip_node *n, const char *name,
                                uint32_t skip)
{
    struct ip_node *s = conn_ip_alloc(&c->arena, sizeof *s);
    *s = *n;
    s->name = name;
    s->args = n->args + skip;
    s->kw = n->kw + skip;
    s->nargs = n->nargs > skip ? n->nargs - skip : 0;
    return s;
}

/* map(filter, ...) or map(attribute='x', default=...). */
static int f_map(struct ip_ctx *c, const struct ip_node *n, const struct iv *in, struct iv *args,
                 struct iv *out)
{
    struct iv *items, *attr = conn_ip_kwarg(n, args, "attribute", 99);
    size_t len;
    if (iter_items(c, n->pos, in, &items, &len) < 0)
        return -1;
    if (attr) {
        struct iv *dflt = conn_ip_kwarg(n, args, "default", 99);
        for (size_t i = 0; i < len; i++) {
            if (item_attr(c, &items[i], attr, &items[i]) < 0)
                return -1;
            if (items[i].kind == IV_UNDEF && dflt)
                items[i] = *dflt;
        }
    } else {
        if (!n->nargs || args[0].kind != IV_STR)
            return conn_ip_fail(c, n->pos, "map requires a filter name or attribute=");
        const char *name = conn_ip_strndup(&c->arena, args[0].u.s.p, args[0].u.s.n);
        if (!conn_ip_filter_known(name))
            return conn_ip_fail(c, n->pos, "No filter named '%s'", name);
        struct ip_node *s = sub_node(c, n, name, 1);
        for (size_t i = 0; i < len; i++)
            if (conn_ip_filter(c, s, items[i], args + 1, &items[i]) < 0)
                return -1;
    }
    *out = list_of(c, items, len);
    return 0;
}

/* select/reject(test, ...) and selectattr/rejectattr(attr, test, ...). */
static int f_select(struct ip_ctx *c, const struct ip_node *n, const struct iv *in,
                    struct iv *args, bool attr, bool keep, struct iv *out)
{
    struct iv *items;
    size_t len, k = 0;
    uint32_t ti = attr ? 1 : 0;
    if (iter_items(c, n->pos, in, &items, &len) < 0)
        return -1;
    if (attr && (!n->nargs || (args[0].kind != IV_STR && args[0].kind != IV_INT)))
        return conn_ip_fail(c, n->pos, "selectattr requires an attribute name");
    struct ip_node *s = NULL;
    if (n->nargs > ti) {
        if (args[ti].kind != IV_STR)
            return conn_ip_fail(c, n->pos, "test name must be a string");
        const char *name = conn_ip_strndup(&c->arena, args[ti].u.s.p, args[ti].u.s.n);
        if (!conn_ip_test_known(name))
            return conn_ip_fail(c, n->pos, "No test named '%s'", name);
        s = sub_node(c, n, name, ti + 1);
    }
    for (size_t i = 0; i < len; i++) {
        struct iv v = items[i];
        bool r;
        if (attr && item_attr(c, &items[i], &args[0], &v) < 0)
            return -1;
        if (!s)
            r = conn_iv_truthy(&v);
        else if (conn_ip_test(c, s, &v, args + ti + 1, &r) < 0)
            return -1;
        if (r == keep)
            items[k++] = items[i];
    }
    *out = list_of(c, items, k);
    return 0;
}

/* Sorting comparator state (qsort has no context argument). */
static int sort_cmp(const struct iv *a, const struct iv *b)
{
    bool ok;
    return conn_iv_cmp(a, b, &ok);
}

/* Stable insertion sort of a small array. */
static void sort_items(struct iv *items, size_t n, bool reverse)
{
    for (size_t i = 1; i < n; i++)
        for (size_t j = i; j > 0; j--) {
            int r = sort_cmp(&items[j - 1], &items[j]);
            if (reverse ? r >= 0 : r <= 0)
                break;
            struct iv t = items[j];
            items[j] = items[j - 1];
            items[j - 1] = t;
        }
}

/* Sequence filters: list, unique, sum, min, max, first, last, reverse, sort, join, items. */
static int f_seq(struct ip_ctx *c, const struct ip_node *n, int f, const struct iv *in,
                 struct iv *args, struct iv *out)
{
    struct iv *items;
    size_t len, k = 0;
    const char *name = filter_names[f];
    if (strcmp(name, "items") == 0) {
        if (!conn_iv_is_map(in))
            return conn_ip_fail(c, n->pos, "items filter requires a mapping");
        *out = conn_iv_new_list(&c->arena, conn_iv_len(in));
        for (size_t i = 0; i < conn_iv_len(in); i++) {
            struct iv pair = conn_iv_new_list(&c->arena, 2);
            conn_iv_list_push(&c->arena, pair.u.l, conn_iv_at(in, i));
            conn_iv_list_push(&c->arena, pair.u.l, conn_iv_map_val(in, i));
            pair.kind = IV_TUPLE;
            conn_iv_list_push(&c->arena, out->u.l, pair);
        }
        return 0;
    }
    if (iter_items(c, n->pos, in, &items, &len) < 0)
        return -1;
    if (!strcmp(name, "first") || !strcmp(name, "last")) {
        out->kind = IV_UNDEF;
        if (len)
            *out = items[name[0] == 'f' ? 0 : len - 1];
        return 0;
    }
    if (!strcmp(name, "unique")) {
        for (size_t i = 0; i < len; i++) {
            bool seen = false;
            for (size_t j = 0; j < k && !seen; j++)
                seen = conn_iv_equal(&items[j], &items[i]);
            if (!seen)
                items[k++] = items[i];
        }
        len = k;
    } else if (!strcmp(name, "sum")) {
        struct iv acc = conn_iv_int(0);
        struct ip_node add = {.op = OP_ADD, .pos = n->pos};
        for (size_t i = 0; i < len; i++)
            if (conn_ip_arith(c, &add, &acc, &items[i], &acc) < 0)
                return -1;
        *out = acc;
        return 0;
    } else if (!strcmp(name, "min") || !strcmp(name, "max")) {
        out->kind = IV_UNDEF;
        for (size_t i = 0; i < len; i++) {
            bool ok = true;
            int r = i ? conn_iv_cmp(&items[i], out, &ok) : 0;
            if (!ok)
                return conn_ip_fail(c, n->pos, "cannot compare %s and %s",
                                    conn_iv_type_name(&items[i]), conn_iv_type_name(out));
            if (!i || (name[1] == 'i' ? r < 0 : r > 0))
                *out = items[i];
        }
        return 0;
    } else if (!strcmp(name, "reverse")) {
        for (size_t i = 0; i < len / 2; i++) {
            struct iv t = items[i];
            items[i] = items[len - 1 - i];
            items[len - 1 - i] = t;
        }
        if (in->kind == IV_STR) {
            struct wv_buf b;
            wv_buf_init(&b, IP_MAX_OUTPUT);
            for (size_t i = 0; i < len; i++)
                wv_buf_append(&b, items[i].u.s.p, items[i].u.s.n, NULL);
            *out = buf_value(c, &b);
            return 0;
        }
    } else if (!strcmp(name, "sort")) {
        struct iv *rev = conn_ip_kwarg(n, args, "reverse", 0);
        sort_items(items, len, rev && conn_iv_truthy(rev));
    }
    *out = list_of(c, items, len);
    (void)args;
    return 0;
}

/* Calls a string method on str(in) for the string filters. */
static int str_filter(struct ip_ctx *c, const struct ip_node *n, const char *method,
                      const struct iv *in, struct iv *args, struct iv *out)
{
    struct iv self;
    self.kind = IV_STR;
    if (conn_iv_to_text(c, in, &self.u.s.p, &self.u.s.n) < 0)
        return -1;
    struct ip_node *m = sub_node(c, n, method, 0);
    return conn_ip_str_method(c, m, &self, args, out);
}

/* join(value, d='', attribute=None). */
static int f_join(struct ip_ctx *c, const struct ip_node *n, const struct iv *in, struct iv *args,
                  struct iv *out)
{
    struct iv *items, *sep = conn_ip_kwarg(n, args, "d", 0);
    struct iv *attr = conn_ip_kwarg(n, args, "attribute", 1);
    size_t len;
    if (iter_items(c, n->pos, in, &items, &len) < 0)
        return -1;
    struct wv_buf b;
    wv_buf_init(&b, IP_MAX_OUTPUT);
    for (size_t i = 0; i < len; i++) {
        struct iv v = items[i];
        if ((attr && item_attr(c, &items[i], attr, &v) < 0) ||
            (i && sep && conn_iv_str_to(&b, sep, c->err) < 0) || conn_iv_str_to(&b, &v, c->err) < 0) {
            wv_buf_done(&b);
            return -1;
        }
    }
    *out = buf_value(c, &b);
    return 0;
}

/* round(value, precision=0, method='common'): always a float, like Jinja. */
static int f_round(struct ip_ctx *c, const struct ip_node *n, const struct iv *in, struct iv *args,
                   struct iv *out)
{
    double v, p = 0;
    struct iv *prec = conn_ip_kwarg(n, args, "precision", 0);
    struct iv *meth = conn_ip_kwarg(n, args, "method", 1);
    if (!conn_iv_is_num(in, &v))
        return conn_ip_fail(c, n->pos, "round needs a number, not %s", conn_iv_type_name(in));
    if (prec && !conn_iv_is_num(prec, &p))
        return conn_ip_fail(c, n->pos, "round precision must be a number");
    double m = pow(10, p), x = v * m;
    if (meth && meth->kind == IV_STR && meth->u.s.n == 4 && !memcmp(meth->u.s.p, "ceil", 4))
        x = ceil(x);
    else if (meth && meth->kind == IV_STR && meth->u.s.n == 5 && !memcmp(meth->u.s.p, "floor", 5))
        x = floor(x);
    else
        x = nearbyint(x); /* Python's round: half to even */
    *out = conn_iv_float(x / m);
    return 0;
}

/* Applies filter n->name to in. */
int conn_ip_filter(struct ip_ctx *c, const struct ip_node *n, struct iv in, struct iv *args,
                   struct iv *out)
{
    int f = find_name(filter_names, n->name);
    const char *name = n->name;
    struct iv *a0 = n->nargs ? &args[0] : NULL;
    if (in.kind == IV_UNDEF && (!strcmp(name, "int") || !strcmp(name, "float") ||
                                !strcmp(name, "abs") || !strcmp(name, "round") ||
                                !strncmp(name, "base64", 6)))
        return conn_ip_undef(c, n->pos, name); /* int(Undefined) raises UndefinedError */
    if (!strcmp(name, "default") || !strcmp(name, "d")) {
        struct iv *b = conn_ip_kwarg(n, args, "boolean", 1);
        bool use = in.kind == IV_UNDEF || (b && conn_iv_truthy(b) && !conn_iv_truthy(&in));
        *out = use ? (a0 ? *a0 : conn_iv_str("", 0)) : in;
        return 0;
    }
    if (!strcmp(name, "safe")) {
        *out = in;
        return 0;
    }
    if (!strcmp(name, "length") || !strcmp(name, "count")) {
        if (in.kind != IV_UNDEF && in.kind != IV_STR && !conn_iv_is_seq(&in) && !conn_iv_is_map(&in))
            return conn_ip_fail(c, n->pos, "object of type '%s' has no len()", conn_iv_type_name(&in));
        *out = conn_iv_int((int64_t)conn_iv_len(&in));
        return 0;
    }
    if (!strcmp(name, "string") || !strcmp(name, "tojson"))
        return f_json(c, n, &in, name[0] == 's', out);
    if (!strcmp(name, "int") || !strcmp(name, "float"))
        return f_number(c, n, &in, args, name[0] == 'i', out);
    if (!strcmp(name, "hash") || !strcmp(name, "hmac"))
        return f_hash(c, n, &in, args, name[1] == 'm', out);
    if (!strncmp(name, "base64", 6))
        return f_b64(c, n, &in, !strcmp(name, "base64decode"), out);
    if (!strcmp(name, "regex_search")) {
        if (!a0)
            return conn_ip_fail(c, n->pos, "regex_search needs a pattern");
        return conn_ip_regex_search(c, n->pos, &in, a0, out);
    }
    if (!strcmp(name, "urlencode"))
        return conn_ip_urlencode(c, &in, out);
    if (!strcmp(name, "abs")) {
        double v;
        if (in.kind == IV_INT)
            *out = conn_iv_int(in.u.i < 0 ? -in.u.i : in.u.i);
        else if (conn_iv_is_num(&in, &v))
            *out = conn_iv_float(fabs(v));
        else
            return conn_ip_fail(c, n->pos, "bad operand type for abs(): '%s'", conn_iv_type_name(&in));
        return 0;
    }
    if (!strcmp(name, "round"))
        return f_round(c, n, &in, args, out);
    if (!strcmp(name, "map"))
        return f_map(c, n, &in, args, out);
    if (!strcmp(name, "select") || !strcmp(name, "reject"))
        return f_select(c, n, &in, args, false, name[0] == 's', out);
    if (!strcmp(name, "selectattr") || !strcmp(name, "rejectattr"))
        return f_select(c, n, &in, args, true, name[0] == 's', out);
    if (!strcmp(name, "join"))
        return f_join(c, n, &in, args, out);
    if (!strcmp(name, "trim"))
        return str_filter(c, n, "strip", &in, args, out);
    if (!strcmp(name, "lower") || !strcmp(name, "upper") || !strcmp(name, "replace") ||
        !strcmp(name, "capitalize") || !strcmp(name, "title"))
        return str_filter(c, n, name, &in, args, out);
    if (!strcmp(name, "list")) {
        struct iv *items;
        size_t len;
        if (iter_items(c, n->pos, &in, &items, &len) < 0)
            return -1;
        *out = list_of(c, items, len);
        return 0;
    }
    if (f >= 0)
        return f_seq(c, n, f, &in, args, out);
    return conn_ip_fail(c, n->pos, "no filter named '%s'", name);
}

/* Evaluates test n->name on v. */
int conn_ip_test(struct ip_ctx *c, const struct ip_node *n, const struct iv *v, struct iv *args,
                 bool *out)
{
    const char *t = n->name;
    struct iv *a0 = n->nargs ? &args[0] : NULL;
    double x, y;
    enum iv_kind k = v->kind;
    if (!strcmp(t, "defined")) *out = k != IV_UNDEF;
    else if (!strcmp(t, "undefined")) *out = k == IV_UNDEF;
    else if (!strcmp(t, "none")) *out = k == IV_NONE;
    else if (!strcmp(t, "string")) *out = k == IV_STR;
    else if (!strcmp(t, "number")) *out = k == IV_INT || k == IV_FLOAT || k == IV_BOOL;
    else if (!strcmp(t, "integer")) *out = k == IV_INT;
    else if (!strcmp(t, "float")) *out = k == IV_FLOAT;
    else if (!strcmp(t, "boolean")) *out = k == IV_BOOL;
    else if (!strcmp(t, "true")) *out = k == IV_BOOL && v->u.b;
    else if (!strcmp(t, "false")) *out = k == IV_BOOL && !v->u.b;
    else if (!strcmp(t, "mapping")) *out = conn_iv_is_map(v);
    else if (!strcmp(t, "sequence")) *out = conn_iv_is_seq(v) || conn_iv_is_map(v) || k == IV_STR;
    else if (!strcmp(t, "iterable"))
        *out = conn_iv_is_seq(v) || conn_iv_is_map(v) || k == IV_STR || k == IV_UNDEF;
    else if (!strcmp(t, "callable")) *out = false;
    else if (!strcmp(t, "lower") || !strcmp(t, "upper")) {
        *out = k == IV_STR;
        for (size_t i = 0; *out && i < v->u.s.n; i++) {
            char ch = v->u.s.p[i];
            *out = t[0] == 'l' ? !(ch >= 'A' && ch <= 'Z') : !(ch >= 'a' && ch <= 'z');
        }
    } else if (!strcmp(t, "even") || !strcmp(t, "odd")) {
        if (k != IV_INT)
            return conn_ip_fail(c, n->pos, "test '%s' needs an integer", t);
        *out = (v->u.i % 2 == 0) == (t[0] == 'e');
    } else if (!strcmp(t, "divisibleby")) {
        if (!a0 || !conn_iv_is_num(v, &x) || !conn_iv_is_num(a0, &y) || y == 0)
            return conn_ip_fail(c, n->pos, "divisibleby needs two numbers");
        *out = fmod(x, y) == 0;
    } else if (!strcmp(t, "sameas")) {
        *out = a0 && conn_iv_equal(v, a0) && a0->kind == k;
    } else {
        if (!a0)
            return conn_ip_fail(c, n->pos, "test '%s' needs an argument", t);
        static const char *const map[][2] = {{"in", "in"}, {"eq", "=="}, {"equalto", "=="},
                                             {"ne", "!="}, {"lt", "<"}, {"lessthan", "<"},
                                             {"le", "<="}, {"gt", ">"}, {"greaterthan", ">"},
                                             {"ge", ">="}};
        static const enum ip_op ops[] = {OP_IN, OP_EQ, OP_EQ, OP_NE, OP_LT, OP_LT,
                                         OP_LE, OP_GT, OP_GT, OP_GE};
        for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++)
            if (!strcmp(t, map[i][0])) {
                struct ip_node cmp = {.op = ops[i], .pos = n->pos};
                struct ip_node la = {.op = OP_LIT, .lit = *v}, lb = {.op = OP_LIT, .lit = *a0};
                struct iv r;
                cmp.a = &la;
                cmp.b = &lb;
                if (conn_ip_eval(c, &cmp, &r) < 0)
                    return -1;
                *out = r.u.b;
                return 0;
            }
        return conn_ip_fail(c, n->pos, "no test named '%s'", t);
    }
    return 0;
}
