/* interp_str.c - methods of strings, dicts and lists as Python defines them (str.split, join,
 * replace, strip, startswith, format ...; dict.get/keys/values/items/update; list.append/
 * index/count), attribute access (getattr falls back to item lookup, as Jinja's sandbox does;
 * names starting with '_' are never Python attributes here), regex_search (Python `re`
 * patterns translated to POSIX ERE) and urlencode. Any thread. */
#include <ctype.h>
#include <regex.h>
#include <stdio.h>
#include <string.h>

#include "base/mem.h"
#include "connectors/interp_priv.h"

/* Whether a string value equals the literal w. */
static bool is(const char *name, const char *w) { return strcmp(name, w) == 0; }

/* A new arena string. */
static struct iv new_str(struct ip_ctx *c, const char *p, size_t n)
{
    return conn_iv_str(conn_ip_strndup(&c->arena, p, n), n);
}

/* Requires argument i to be a string. */
static int want_str(struct ip_ctx *c, const struct ip_node *n, struct iv *args, uint32_t i)
{
    if (i >= n->nargs || args[i].kind != IV_STR)
        return conn_ip_fail(c, n->pos, "%s() argument %u must be str", n->name, i + 1);
    return 0;
}

/* Whether ch is in the strip set (NULL set: whitespace). */
static bool in_set(char ch, const struct iv *set)
{
    if (!set || set->kind != IV_STR)
        return isspace((unsigned char)ch) != 0;
    return memchr(set->u.s.p, ch, set->u.s.n) != NULL;
}

/* Finds needle in hay from offset `from`; -1 when absent. */
static long find(const char *h, size_t hn, const char *nd, size_t nn, size_t from)
{
    if (nn == 0)
        return from <= hn ? (long)from : -1;
    for (size_t i = from; i + nn <= hn; i++)
        if (memcmp(h + i, nd, nn) == 0)
            return (long)i;
    return -1;
}

/* str.split / str.rsplit (sep=None splits on whitespace runs). */
static int m_split(struct ip_ctx *c, const struct ip_node *n, const struct iv *s, struct iv *args,
                   bool right, struct iv *out)
{
    struct iv *sep = conn_ip_kwarg(n, args, "sep", 0), *mx = conn_ip_kwarg(n, args, "maxsplit", 1);
    int64_t max = mx && mx->kind == IV_INT ? mx->u.i : -1;
    const char *p = s->u.s.p;
    size_t len = s->u.s.n;
    *out = conn_iv_new_list(&c->arena, 0);
    if (sep && sep->kind == IV_STR && sep->u.s.n == 0)
        return conn_ip_fail(c, n->pos, "empty separator");
    if (!sep || sep->kind == IV_NONE) {
        size_t i = 0;
        while (i < len) {
            while (i < len && isspace((unsigned char)p[i]))
                i++;
            if (i >= len)
                break;
            size_t st = i;
            if (max >= 0 && (int64_t)out->u.l->len >= max) {
                size_t e = len;
                while (e > st && isspace((unsigned char)p[e - 1]))
                    e--;
                conn_iv_list_push(&c->arena, out->u.l, conn_iv_str(p + st, e - st));
                break;
            }
            while (i < len && !isspace((unsigned char)p[i]))
                i++;
            conn_iv_list_push(&c->arena, out->u.l, conn_iv_str(p + st, i - st));
        }
        return 0;
    }
    if (sep->kind != IV_STR)
        return conn_ip_fail(c, n->pos, "must be str or None, not %s", conn_iv_type_name(sep));
    size_t sn = sep->u.s.n;
    if (right && max >= 0) { /* split from the right, then reverse */
        size_t e = len;
        struct iv tmp = conn_iv_new_list(&c->arena, 0);
        while ((int64_t)tmp.u.l->len < max) {
            long at = -1;
            for (size_t i = e >= sn ? e - sn + 1 : 0; i-- > 0;)
                if (memcmp(p + i, sep->u.s.p, sn) == 0) {
                    at = (long)i;
                    break;
                }
            if (at < 0)
                break;
            conn_iv_list_push(&c->arena, tmp.u.l, conn_iv_str(p + at + sn, e - (size_t)at - sn));
            e = (size_t)at;
        }
        conn_iv_list_push(&c->arena, out->u.l, conn_iv_str(p, e));
        for (size_t i = tmp.u.l->len; i-- > 0;)
            conn_iv_list_push(&c->arena, out->u.l, tmp.u.l->items[i]);
        return 0;
    }
    size_t st = 0;
    long at;
    while ((max < 0 || (int64_t)out->u.l->len < max) &&
           (at = find(p, len, sep->u.s.p, sn, st)) >= 0) {
        conn_iv_list_push(&c->arena, out->u.l, conn_iv_str(p + st, (size_t)at - st));
        st = (size_t)at + sn;
    }
    conn_iv_list_push(&c->arena, out->u.l, conn_iv_str(p + st, len - st));
    return 0;
}

/* str.replace(old, new[, count]). */
static int m_replace(struct ip_ctx *c, const struct ip_node *n, const struct iv *s,
                     struct iv *args, struct iv *out)
{
    if (n->nargs < 2)
        return conn_ip_fail(c, n->pos, "replace() takes at least 2 arguments");
    const char *o, *w;
    size_t on, wn;
    if (conn_iv_to_text(c, &args[0], &o, &on) < 0 || conn_iv_to_text(c, &args[1], &w, &wn) < 0)
        return -1;
    int64_t count = n->nargs > 2 && args[2].kind == IV_INT ? args[2].u.i : -1;
    struct wv_buf b;
    wv_buf_init(&b, IP_MAX_OUTPUT);
    size_t st = 0;
    long at;
    int rc = 0;
    while (rc == 0 && count != 0 && st <= s->u.s.n &&
           (at = find(s->u.s.p, s->u.s.n, o, on, st)) >= 0) {
        rc = wv_buf_append(&b, s->u.s.p + st, (size_t)at - st, c->err);
        if (rc == 0)
            rc = wv_buf_append(&b, w, wn, c->err);
        if (on == 0) { /* insert between characters */
            if (rc == 0 && (size_t)at < s->u.s.n)
                rc = wv_buf_append(&b, s->u.s.p + at, 1, c->err);
            st = (size_t)at + 1;
        } else {
            st = (size_t)at + on;
        }
        if (count > 0)
            count--;
    }
    if (rc == 0 && st < s->u.s.n)
        rc = wv_buf_append(&b, s->u.s.p + st, s->u.s.n - st, c->err);
    if (rc < 0) {
        wv_buf_done(&b);
        return -1;
    }
    *out = new_str(c, wv_buf_cstr(&b), b.len);
    wv_buf_done(&b);
    return 0;
}

/* str.join(iterable): every item must be a string. */
static int m_join(struct ip_ctx *c, const struct ip_node *n, const struct iv *s, struct iv *args,
                  struct iv *out)
{
    if (!n->nargs)
        return conn_ip_fail(c, n->pos, "join() takes exactly one argument");
    const struct iv *l = &args[0];
    if (l->kind == IV_STR) {
        *out = *l; /* joining characters with a separator */
        if (s->u.s.n == 0)
            return 0;
    }
    if (!conn_iv_is_seq(l) && !conn_iv_is_map(l) && l->kind != IV_STR)
        return conn_ip_fail(c, n->pos, "can only join an iterable");
    struct wv_buf b;
    wv_buf_init(&b, IP_MAX_OUTPUT);
    size_t len = l->kind == IV_STR ? l->u.s.n : conn_iv_len(l);
    for (size_t i = 0; i < len; i++) {
        struct iv it = l->kind == IV_STR ? conn_iv_str(l->u.s.p + i, 1) : conn_iv_at(l, i);
        if (it.kind != IV_STR) {
            wv_buf_done(&b);
            return conn_ip_fail(c, n->pos, "sequence item %zu: expected str instance, %s found", i,
                                conn_iv_type_name(&it));
        }
        if ((i && wv_buf_append(&b, s->u.s.p, s->u.s.n, c->err) < 0) ||
            wv_buf_append(&b, it.u.s.p, it.u.s.n, c->err) < 0) {
            wv_buf_done(&b);
            return -1;
        }
    }
    *out = new_str(c, wv_buf_cstr(&b), b.len);
    wv_buf_done(&b);
    return 0;
}

/* str.format with {} / {0} / {name} fields (format specs are ignored). */
static int m_format(struct ip_ctx *c, const struct ip_node *n, const struct iv *s, struct iv *args,
                    struct iv *out)
{
    struct wv_buf b;
    wv_buf_init(&b, IP_MAX_OUTPUT);
    size_t auto_ix = 0;
    const char *p = s->u.s.p, *e = p + s->u.s.n;
    int rc = 0;
    while (rc == 0 && p < e) {
        if ((*p == '{' || *p == '}') && p + 1 < e && p[1] == *p) {
            rc = wv_buf_putc(&b, *p, c->err);
            p += 2;
            continue;
        }
        if (*p != '{') {
            rc = wv_buf_putc(&b, *p++, c->err);
            continue;
        }
        const char *close = memchr(p, '}', (size_t)(e - p));
        if (!close) {
            wv_buf_done(&b);
            return conn_ip_fail(c, n->pos, "Single '{' encountered in format string");
        }
        const char *colon = memchr(p, ':', (size_t)(close - p));
        size_t fl = (size_t)((colon ? colon : close) - p - 1);
        struct iv *v = NULL;
        char field[64];
        wv_strlcpy(field, p + 1, fl + 1 < sizeof field ? fl + 1 : sizeof field);
        int64_t ix;
        if (!fl)
            v = conn_ip_kwarg(n, args, NULL, auto_ix++);
        else if (wv_parse_i64(field, &ix) == 0)
            v = conn_ip_kwarg(n, args, NULL, (size_t)ix);
        else
            v = conn_ip_kwarg(n, args, field, 999);
        if (!v) {
            wv_buf_done(&b);
            return conn_ip_fail(c, n->pos, "format field '%s' has no argument", field);
        }
        rc = conn_iv_str_to(&b, v, c->err);
        p = close + 1;
    }
    if (rc == 0)
        *out = new_str(c, wv_buf_cstr(&b), b.len);
    wv_buf_done(&b);
    return rc;
}

/* Case conversions and character-class predicates. */
static int m_case(struct ip_ctx *c, const char *m, const struct iv *s, struct iv *out)
{
    if (is(m, "isdigit") || is(m, "isalpha") || is(m, "isalnum") || is(m, "isspace") ||
        is(m, "isnumeric") || is(m, "isdecimal")) {
        bool r = s->u.s.n > 0;
        for (size_t i = 0; r && i < s->u.s.n; i++) {
            int ch = (unsigned char)s->u.s.p[i];
            r = m[2] == 'a' ? (m[5] == 'n' ? isalnum(ch) : isalpha(ch)) != 0
              : m[2] == 's' ? isspace(ch) != 0 : isdigit(ch) != 0;
        }
        *out = conn_iv_bool(r);
        return 0;
    }
    char *d = conn_ip_strndup(&c->arena, s->u.s.p, s->u.s.n);
    bool start = true;
    for (size_t i = 0; i < s->u.s.n; i++) {
        int ch = (unsigned char)d[i];
        if (is(m, "lower") || ((is(m, "capitalize") || is(m, "title")) && !start))
            d[i] = (char)tolower(ch);
        else if (is(m, "upper") || ((is(m, "capitalize") || is(m, "title")) && start))
            d[i] = (char)toupper(ch);
        start = is(m, "title") ? !isalpha(ch) : false;
    }
    *out = conn_iv_str(d, s->u.s.n);
    return 0;
}

/* startswith / endswith with a string or a tuple of strings. */
static int m_affix(struct ip_ctx *c, const struct ip_node *n, const struct iv *s, struct iv *args,
                   struct iv *out)
{
    bool end = n->name[0] == 'e', r = false;
    if (!n->nargs)
        return conn_ip_fail(c, n->pos, "%s() takes at least 1 argument", n->name);
    size_t cnt = args[0].kind == IV_STR ? 1 : conn_iv_is_seq(&args[0]) ? conn_iv_len(&args[0]) : 0;
    if (!cnt && args[0].kind != IV_STR)
        return conn_ip_fail(c, n->pos, "%s first arg must be str or a tuple of str", n->name);
    for (size_t i = 0; i < cnt && !r; i++) {
        struct iv a = args[0].kind == IV_STR ? args[0] : conn_iv_at(&args[0], i);
        if (a.kind != IV_STR)
            return conn_ip_fail(c, n->pos, "%s first arg must be str or a tuple of str", n->name);
        r = a.u.s.n <= s->u.s.n &&
            memcmp(s->u.s.p + (end ? s->u.s.n - a.u.s.n : 0), a.u.s.p, a.u.s.n) == 0;
    }
    *out = conn_iv_bool(r);
    return 0;
}

/* Methods of str. */
int conn_ip_str_method(struct ip_ctx *c, const struct ip_node *n, struct iv *self,
                       struct iv *args, struct iv *out)
{
    const char *m = n->name;
    if (is(m, "split") || is(m, "rsplit"))
        return m_split(c, n, self, args, m[0] == 'r', out);
    if (is(m, "replace"))
        return m_replace(c, n, self, args, out);
    if (is(m, "join"))
        return m_join(c, n, self, args, out);
    if (is(m, "format"))
        return m_format(c, n, self, args, out);
    if (is(m, "startswith") || is(m, "endswith"))
        return m_affix(c, n, self, args, out);
    if (is(m, "strip") || is(m, "lstrip") || is(m, "rstrip")) {
        struct iv *set = n->nargs && args[0].kind == IV_STR ? &args[0] : NULL;
        size_t a = 0, b = self->u.s.n;
        if (m[0] != 'r')
            while (a < b && in_set(self->u.s.p[a], set))
                a++;
        if (m[0] != 'l')
            while (b > a && in_set(self->u.s.p[b - 1], set))
                b--;
        *out = conn_iv_str(self->u.s.p + a, b - a);
        return 0;
    }
    if (is(m, "count") || is(m, "find") || is(m, "index") || is(m, "removeprefix") ||
        is(m, "removesuffix")) {
        if (want_str(c, n, args, 0) < 0)
            return -1;
        const struct iv *a = &args[0];
        long at = find(self->u.s.p, self->u.s.n, a->u.s.p, a->u.s.n, 0);
        if (is(m, "count")) {
            int64_t k = 0;
            for (size_t st = 0; at >= 0; k++) {
                st = (size_t)at + (a->u.s.n ? a->u.s.n : 1);
                at = st <= self->u.s.n ? find(self->u.s.p, self->u.s.n, a->u.s.p, a->u.s.n, st) : -1;
            }
            *out = conn_iv_int(k);
        } else if (is(m, "removeprefix") || is(m, "removesuffix")) {
            struct iv r;
            struct ip_node q = *n;
            q.name = m[6] == 'p' ? "startswith" : "endswith";
            m_affix(c, &q, self, args, &r);
            *out = *self;
            if (r.u.b) {
                out->u.s.n -= a->u.s.n;
                if (m[6] == 'p')
                    out->u.s.p += a->u.s.n;
            }
        } else {
            if (at < 0 && m[0] == 'i')
                return conn_ip_fail(c, n->pos, "substring not found");
            *out = conn_iv_int(at);
        }
        return 0;
    }
    if (is(m, "lower") || is(m, "upper") || is(m, "title") || is(m, "capitalize") ||
        (m[0] == 'i' && m[1] == 's'))
        return m_case(c, m, self, out);
    return conn_ip_undef(c, n->pos, m);
}


/* Methods of dicts (get, keys, values, items, update, copy). */
static int map_method(struct ip_ctx *c, const struct ip_node *n, struct iv *self, struct iv *args,
                      struct iv *out)
{
    const char *m = n->name;
    size_t len = conn_iv_len(self);
    if (is(m, "get")) {
        if (!n->nargs)
            return conn_ip_fail(c, n->pos, "get expected at least 1 argument, got 0");
        if (!conn_iv_lookup(self, &args[0], out))
            *out = n->nargs > 1 ? args[1] : (struct iv){.kind = IV_NONE};
        return 0;
    }
    if (is(m, "keys") || is(m, "values") || is(m, "items") || is(m, "copy")) {
        if (is(m, "copy")) {
            *out = conn_iv_new_dict(&c->arena, len);
            for (size_t i = 0; i < len; i++)
                conn_iv_dict_set(&c->arena, out->u.d, conn_iv_at(self, i), conn_iv_map_val(self, i));
            return 0;
        }
        *out = conn_iv_new_list(&c->arena, len);
        for (size_t i = 0; i < len; i++) {
            struct iv v = m[0] == 'k' ? conn_iv_at(self, i) : conn_iv_map_val(self, i);
            if (m[0] == 'i') {
                v = conn_iv_new_list(&c->arena, 2);
                conn_iv_list_push(&c->arena, v.u.l, conn_iv_at(self, i));
                conn_iv_list_push(&c->arena, v.u.l, conn_iv_map_val(self, i));
                v.kind = IV_TUPLE;
            }
            conn_iv_list_push(&c->arena, out->u.l, v);
        }
        return 0;
    }
    if (is(m, "update")) {
        if (self->kind != IV_DICT)
            return conn_ip_fail(c, n->pos, "cannot modify input data (dict.update)");
        for (uint32_t a = 0; a < n->nargs; a++) {
            if (n->kw[a]) {
                conn_iv_dict_set(&c->arena, self->u.d, conn_iv_str(n->kw[a], strlen(n->kw[a])), args[a]);
                continue;
            }
            if (!conn_iv_is_map(&args[a]))
                return conn_ip_fail(c, n->pos, "dict.update needs a mapping");
            for (size_t i = 0; i < conn_iv_len(&args[a]); i++)
                conn_iv_dict_set(&c->arena, self->u.d, conn_iv_at(&args[a], i),
                                 conn_iv_map_val(&args[a], i));
        }
        out->kind = IV_NONE;
        return 0;
    }
    struct iv item;
    if (conn_iv_map_get(self, m, strlen(m), &item)) /* getattr falls back to the key */
        return conn_ip_fail(c, n->pos, "'%s' object is not callable", conn_iv_type_name(&item));
    return conn_ip_undef(c, n->pos, m);
}

/* Methods of lists and tuples (append, extend, index, count, copy). */
static int seq_method(struct ip_ctx *c, const struct ip_node *n, struct iv *self, struct iv *args,
                      struct iv *out)
{
    const char *m = n->name;
    size_t len = conn_iv_len(self);
    if (is(m, "append") || is(m, "extend")) {
        if (self->kind != IV_LIST)
            return conn_ip_fail(c, n->pos, "cannot modify input data (list.%s)", m);
        if (!n->nargs)
            return conn_ip_fail(c, n->pos, "%s() takes exactly one argument", m);
        if (m[0] == 'a') {
            conn_iv_list_push(&c->arena, self->u.l, args[0]);
        } else {
            if (!conn_iv_is_seq(&args[0]))
                return conn_ip_fail(c, n->pos, "extend() needs a list");
            for (size_t i = 0; i < conn_iv_len(&args[0]); i++)
                conn_iv_list_push(&c->arena, self->u.l, conn_iv_at(&args[0], i));
        }
        out->kind = IV_NONE;
        return 0;
    }
    if ((is(m, "index") || is(m, "count")) && n->nargs) {
        int64_t k = 0;
        for (size_t i = 0; i < len; i++) {
            struct iv it = conn_iv_at(self, i);
            if (!conn_iv_equal(&it, &args[0]))
                continue;
            if (m[0] == 'i') {
                *out = conn_iv_int((int64_t)i);
                return 0;
            }
            k++;
        }
        if (m[0] == 'i')
            return conn_ip_fail(c, n->pos, "value is not in list");
        *out = conn_iv_int(k);
        return 0;
    }
    if (is(m, "copy")) {
        *out = conn_iv_new_list(&c->arena, len);
        for (size_t i = 0; i < len; i++)
            conn_iv_list_push(&c->arena, out->u.l, conn_iv_at(self, i));
        return 0;
    }
    return conn_ip_undef(c, n->pos, m);
}

/* Calls method n->name on self. */
int conn_ip_method(struct ip_ctx *c, const struct ip_node *n, struct iv *self, struct iv *args,
                   struct iv *out)
{
    bool handled;
    if (n->name[0] == '_')
        return conn_ip_fail(c, n->pos, "access to attribute '%s' is unsafe", n->name);
    if (self->kind == IV_STR)
        return conn_ip_str_method(c, n, self, args, out);
    if (conn_iv_is_map(self))
        return map_method(c, n, self, args, out);
    if (conn_iv_is_seq(self))
        return seq_method(c, n, self, args, out);
    if (conn_ip_time_method(c, n, self, args, out, &handled) < 0 || handled)
        return handled && !wv_error_isset(c->err) && !c->undef_err ? 0 : -1;
    return conn_ip_undef(c, n->pos, n->name);
}

/* Whether name is a method of dict (Jinja's getattr prefers it over a key). */
bool conn_ip_is_dict_method(const char *name, size_t n)
{
    static const char *const m[] = {"get", "keys", "values", "items", "update", "copy", "pop",
                                    "popitem", "setdefault", "clear", "fromkeys", NULL};
    for (int i = 0; m[i]; i++)
        if (strlen(m[i]) == n && memcmp(m[i], name, n) == 0)
            return true;
    return false;
}

/* obj.name: a dict method, a map key, a datetime field, or Undefined. */
int conn_ip_attr(struct ip_ctx *c, const struct iv *v, const char *name, struct iv *out)
{
    (void)c;
    if (conn_iv_is_map(v) && conn_ip_is_dict_method(name, strlen(name))) {
        *out = conn_iv_str(name, strlen(name));
        out->kind = IV_BUILTIN;
        return 0;
    }
    if (conn_iv_is_map(v)) {
        if (!conn_iv_map_get(v, name, strlen(name), out))
            out->kind = IV_UNDEF;
        return 0;
    }
    if (name[0] != '_' && conn_ip_time_attr(v, name, out))
        return 0;
    out->kind = IV_UNDEF;
    return 0;
}

/* Translates a Python regex to POSIX ERE; caps[i] tells whether ERE group i+1 captures. */
static int py_to_ere(const char *p, size_t n, struct wv_buf *o, bool *caps, size_t maxcaps,
                     size_t *ngroups)
{
    bool br = false;
    *ngroups = 0;
    for (size_t i = 0; i < n; i++) {
        char ch = p[i];
        if (ch == '[' && i + 5 < n && p[i + 1] == '\\' && p[i + 3] == '\\' && p[i + 5] == ']' &&
            p[i + 2] != p[i + 4] && tolower((unsigned char)p[i + 2]) == tolower((unsigned char)p[i + 4]) &&
            strchr("sdw", tolower((unsigned char)p[i + 2]))) {
            wv_buf_putc(o, '.', NULL); /* [\s\S] and friends: any character */
            i += 5;
            continue;
        }
        if (ch == '\\' && i + 1 < n) {
            char e = p[++i];
            const char *cls = e == 'd' ? "0-9" : e == 'w' ? "[:alnum:]_" : e == 's' ? "[:space:]" : NULL;
            const char *neg = e == 'D' ? "[^0-9]" : e == 'W' ? "[^[:alnum:]_]" : e == 'S' ? "[^[:space:]]" : NULL;
            if (cls)
                wv_buf_printf(o, NULL, br ? "%s" : "[%s]", cls);
            else if (neg && !br)
                wv_buf_puts(o, neg, NULL);
            else if (neg)
                return -1;
            else if (br)
                wv_buf_putc(o, e, NULL);
            else if (e == 'n' || e == 't')
                wv_buf_putc(o, e == 'n' ? '\n' : '\t', NULL);
            else if (isalnum((unsigned char)e) && e != 'b' && e != 'B')
                return -1; /* \b and \B pass through (GNU regex supports them) */
            else
                wv_buf_printf(o, NULL, "\\%c", e);
            continue;
        }
        if (br) {
            if (ch == ']' && !(i > 0 && (p[i - 1] == '[' || (p[i - 1] == '^' && p[i - 2] == '['))))
                br = false;
            wv_buf_putc(o, ch, NULL);
            continue;
        }
        if (ch == '[') {
            br = true;
        } else if (ch == '(') {
            bool cap = !(i + 1 < n && p[i + 1] == '?');
            if (!cap && !(i + 2 < n && p[i + 2] == ':'))
                return -1; /* lookarounds and named groups are not supported */
            if (!cap)
                i += 2;
            if (*ngroups < maxcaps)
                caps[*ngroups] = cap;
            (*ngroups)++;
        } else if (ch == '?' && i > 0 && (p[i - 1] == '*' || p[i - 1] == '+' || p[i - 1] == '?' ||
                                          p[i - 1] == '}')) {
            continue; /* lazy quantifier: approximated greedily */
        }
        wv_buf_putc(o, ch, NULL);
    }
    return 0;
}

/* regex_search: the first group of re.search(pattern, value), or "". */
int conn_ip_regex_search(struct ip_ctx *c, uint32_t pos, const struct iv *s, const struct iv *re,
                         struct iv *out)
{
    enum { MAXG = 16 };
    bool caps[MAXG];
    size_t ng;
    struct wv_buf pat;
    if (re->kind != IV_STR || s->kind != IV_STR)
        return conn_ip_fail(c, pos, "regex_search needs a string and a pattern");
    wv_buf_init(&pat, 0);
    const char *rp = re->u.s.p;
    size_t rn = re->u.s.n;
    bool icase = rn >= 4 && memcmp(rp, "(?i)", 4) == 0; /* a leading inline flag */
    if (icase) {
        rp += 4;
        rn -= 4;
    }
    if (py_to_ere(rp, rn, &pat, caps, MAXG, &ng) < 0 || ng > MAXG - 1) {
        wv_buf_done(&pat);
        return conn_ip_fail(c, pos, "unsupported regular expression '%.*s'", (int)re->u.s.n, re->u.s.p);
    }
    regex_t rx;
    int rc = regcomp(&rx, wv_buf_cstr(&pat), REG_EXTENDED | (icase ? REG_ICASE : 0));
    wv_buf_done(&pat);
    if (rc != 0)
        return conn_ip_fail(c, pos, "bad regular expression '%.*s'", (int)re->u.s.n, re->u.s.p);
    regmatch_t m[MAXG];
    char *text = conn_ip_strndup(&c->arena, s->u.s.p, s->u.s.n);
    *out = conn_iv_str("", 0);
    if (regexec(&rx, text, MAXG, m, 0) == 0) {
        for (size_t g = 0; g < ng; g++) {
            if (!caps[g])
                continue;
            if (m[g + 1].rm_so < 0)
                out->kind = IV_NONE;
            else
                *out = conn_iv_str(text + m[g + 1].rm_so, (size_t)(m[g + 1].rm_eo - m[g + 1].rm_so));
            break;
        }
    }
    regfree(&rx);
    return 0;
}

/* Percent-encodes text like urllib.parse.quote (safe "/" unless for_qs, where ' ' is '+'). */
static int quote(struct wv_buf *b, const char *p, size_t n, bool qs, struct wv_error *err)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)p[i];
        int rc;
        if (isalnum(ch) || ch == '_' || ch == '.' || ch == '-' || ch == '~' || (!qs && ch == '/'))
            rc = wv_buf_putc(b, (char)ch, err);
        else if (qs && ch == ' ')
            rc = wv_buf_putc(b, '+', err);
        else
            rc = wv_buf_printf(b, err, "%%%02X", ch);
        if (rc < 0)
            return -1;
    }
    return 0;
}

/* Jinja's urlencode filter: a string, or a dict/pairs as a query string. */
int conn_ip_urlencode(struct ip_ctx *c, const struct iv *v, struct iv *out)
{
    struct wv_buf b;
    wv_buf_init(&b, IP_MAX_OUTPUT);
    const char *p, *q;
    size_t pn, qn;
    if (conn_iv_is_map(v)) {
        for (size_t i = 0; i < conn_iv_len(v); i++) {
            struct iv k = conn_iv_at(v, i), val = conn_iv_map_val(v, i);
            if (conn_iv_to_text(c, &k, &p, &pn) < 0 || conn_iv_to_text(c, &val, &q, &qn) < 0 ||
                (i && wv_buf_putc(&b, '&', c->err) < 0) || quote(&b, p, pn, true, c->err) < 0 ||
                wv_buf_putc(&b, '=', c->err) < 0 || quote(&b, q, qn, true, c->err) < 0) {
                wv_buf_done(&b);
                return -1;
            }
        }
    } else if (conn_iv_to_text(c, v, &p, &pn) < 0 || quote(&b, p, pn, false, c->err) < 0) {
        wv_buf_done(&b);
        return -1;
    }
    *out = new_str(c, wv_buf_cstr(&b), b.len);
    wv_buf_done(&b);
    return 0;
}

/* Formats one printf-style conversion. */
static int mod_one(struct ip_ctx *c, const struct ip_node *n, struct wv_buf *b, const char *spec,
                   size_t sn, char conv, const struct iv *v)
{
    char f[32], tmp[512];
    double d;
    if (conv == 's' || conv == 'r') {
        struct wv_buf t;
        wv_buf_init(&t, IP_MAX_OUTPUT);
        int rc = conv == 's' ? conn_iv_str_to(&t, v, c->err) : conn_iv_repr_to(&t, v, c->err);
        if (rc == 0) {
            snprintf(f, sizeof f, "%%%.*ss", (int)(sn < 20 ? sn : 20), spec);
            rc = wv_buf_printf(b, c->err, f, wv_buf_cstr(&t));
        }
        wv_buf_done(&t);
        return rc;
    }
    if (!conn_iv_is_num(v, &d))
        return conn_ip_fail(c, n->pos, "%%%c format: a real number is required, not %s", conv,
                            conn_iv_type_name(v));
    if (conv == 'd' || conv == 'i' || conv == 'x' || conv == 'X' || conv == 'o') {
        snprintf(f, sizeof f, "%%%.*sll%c", (int)(sn < 20 ? sn : 20), spec, conv == 'i' ? 'd' : conv);
        snprintf(tmp, sizeof tmp, f, v->kind == IV_INT ? (long long)v->u.i : (long long)d);
    } else {
        snprintf(f, sizeof f, "%%%.*s%c", (int)(sn < 20 ? sn : 20), spec, conv);
        snprintf(tmp, sizeof tmp, f, d);
    }
    return wv_buf_puts(b, tmp, c->err);
}

/* printf-style `str % args`. */
int conn_ip_str_mod(struct ip_ctx *c, const struct ip_node *n, const struct iv *fmt,
                    const struct iv *args, struct iv *out)
{
    struct wv_buf b;
    size_t ai = 0, na = args->kind == IV_TUPLE ? conn_iv_len(args) : 1;
    const char *p = fmt->u.s.p, *e = p + fmt->u.s.n;
    int rc = 0;
    wv_buf_init(&b, IP_MAX_OUTPUT);
    while (rc == 0 && p < e) {
        if (*p != '%') {
            rc = wv_buf_putc(&b, *p++, c->err);
            continue;
        }
        const char *spec = ++p;
        while (p < e && strchr("-+ #0123456789.", *p))
            p++;
        if (p >= e) {
            rc = conn_ip_fail(c, n->pos, "incomplete format");
            break;
        }
        char conv = *p++;
        if (conv == '%') {
            rc = wv_buf_putc(&b, '%', c->err);
            continue;
        }
        if (!strchr("srdixXofeEgG", conv)) {
            rc = conn_ip_fail(c, n->pos, "unsupported format character '%c'", conv);
            break;
        }
        if (ai >= na) {
            rc = conn_ip_fail(c, n->pos, "not enough arguments for format string");
            break;
        }
        struct iv v = args->kind == IV_TUPLE ? conn_iv_at(args, ai) : *args;
        ai++;
        rc = mod_one(c, n, &b, spec, (size_t)(p - 1 - spec), conv, &v);
    }
    if (rc == 0 && ai < na)
        rc = conn_ip_fail(c, n->pos, "not all arguments converted during string formatting");
    if (rc == 0)
        *out = conn_iv_str(conn_ip_strndup(&c->arena, wv_buf_cstr(&b), b.len), b.len);
    wv_buf_done(&b);
    return rc;
}
