/* interp_eval.c - evaluates the syntax tree with Jinja2's runtime semantics (jinja2/runtime.py
 * Undefined: prints as "", is falsy and iterates as empty, but attribute/item access, calls
 * and arithmetic on it raise UndefinedError; getattr falls back to item lookup and failed
 * lookups give Undefined) and Python's operators, then runs the statements. Any thread: all
 * state is in the per-evaluation struct ip_ctx. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "connectors/interp_priv.h"

/* Finds a variable: locals (innermost first), then the environment (with the CDK aliases
 * stream_interval/stream_partition -> stream_slice). */
static struct iv lookup_name(struct ip_ctx *c, const char *name)
{
    struct iv v = {.kind = IV_UNDEF};
    for (size_t i = c->nlocals; i-- > 0;)
        if (strcmp(c->locals[i].name, name) == 0)
            return c->locals[i].v;
    if (!c->env)
        return v;
    for (int pass = 0; pass < 2; pass++) {
        for (size_t i = 0; i < c->env->n_vars; i++)
            if (c->env->vars[i].name && strcmp(c->env->vars[i].name, name) == 0)
                return conn_iv_from_json(c->env->vars[i].value);
        if (strcmp(name, "stream_interval") && strcmp(name, "stream_partition"))
            break;
        name = "stream_slice";
    }
    return v;
}

/* Binds a local in the current scope (replacing a binding made in the same scope). */
static void bind(struct ip_ctx *c, size_t base, const char *name, struct iv v)
{
    for (size_t i = c->nlocals; i-- > base;)
        if (strcmp(c->locals[i].name, name) == 0) {
            c->locals[i].v = v;
            return;
        }
    if (c->nlocals == c->caplocals) {
        c->caplocals = c->caplocals ? c->caplocals * 2 : 16;
        c->locals = wv_realloc(c->locals, c->caplocals * sizeof *c->locals);
    }
    c->locals[c->nlocals].name = name;
    c->locals[c->nlocals++].v = v;
}

/* Normalizes a Python index against a length; false when out of range. */
static bool norm_index(int64_t i, size_t len, size_t *out)
{
    if (i < 0)
        i += (int64_t)len;
    if (i < 0 || (uint64_t)i >= len)
        return false;
    *out = (size_t)i;
    return true;
}

/* Byte offset of code point k in a UTF-8 string. */
static size_t utf8_off(const char *s, size_t n, size_t k)
{
    size_t i = 0;
    while (i < n && k > 0) {
        i++;
        while (i < n && ((unsigned char)s[i] & 0xC0) == 0x80)
            i++;
        k--;
    }
    return i;
}

/* obj[key] as Jinja's getitem: failures give Undefined. */
static int get_item(struct ip_ctx *c, const struct ip_node *n, const struct iv *o,
                    const struct iv *k, struct iv *out)
{
    size_t ix;
    out->kind = IV_UNDEF;
    if (o->kind == IV_UNDEF)
        return conn_ip_undef(c, n->pos, "item of undefined");
    if (conn_iv_is_map(o)) {
        if (!conn_iv_lookup(o, k, out)) {
            out->kind = IV_UNDEF;
            if (k->kind == IV_STR && conn_ip_is_dict_method(k->u.s.p, k->u.s.n)) {
                *out = *k; /* getitem falls back to getattr: the bound dict method */
                out->kind = IV_BUILTIN;
            }
        }
        return 0;
    }
    if (k->kind != IV_INT && k->kind != IV_BOOL) {
        if (k->kind == IV_STR && o->kind != IV_STR) {
            char *name = conn_ip_strndup(&c->arena, k->u.s.p, k->u.s.n);
            return conn_ip_attr(c, o, name, out);
        }
        return 0;
    }
    int64_t i = k->kind == IV_BOOL ? k->u.b : k->u.i;
    if (conn_iv_is_seq(o) && norm_index(i, conn_iv_len(o), &ix))
        *out = conn_iv_at(o, ix);
    else if (o->kind == IV_STR && norm_index(i, conn_iv_len(o), &ix)) {
        size_t a = utf8_off(o->u.s.p, o->u.s.n, ix);
        size_t b = utf8_off(o->u.s.p, o->u.s.n, ix + 1);
        *out = conn_iv_str(o->u.s.p + a, b - a);
    }
    return 0;
}

/* Python slice bounds. */
static void slice_bounds(const struct iv *lo, const struct iv *hi, size_t len, size_t *a,
                         size_t *b)
{
    int64_t L = (int64_t)len, x = 0, y = L;
    if (lo && lo->kind == IV_INT)
        x = lo->u.i < 0 ? lo->u.i + L : lo->u.i;
    if (hi && hi->kind == IV_INT)
        y = hi->u.i < 0 ? hi->u.i + L : hi->u.i;
    x = x < 0 ? 0 : x > L ? L : x;
    y = y < 0 ? 0 : y > L ? L : y;
    *a = (size_t)x;
    *b = (size_t)(y < x ? x : y);
}

/* obj[lo:hi] for strings and sequences. */
static int eval_slice(struct ip_ctx *c, const struct ip_node *n, struct iv *out)
{
    struct iv o, lo = {.kind = IV_NONE}, hi = {.kind = IV_NONE};
    if (conn_ip_eval(c, n->a, &o) < 0 || (n->b && conn_ip_eval(c, n->b, &lo) < 0) ||
        (n->c && conn_ip_eval(c, n->c, &hi) < 0))
        return -1;
    if (o.kind == IV_UNDEF)
        return conn_ip_undef(c, n->pos, "slice of undefined");
    if ((lo.kind != IV_NONE && lo.kind != IV_INT) || (hi.kind != IV_NONE && hi.kind != IV_INT))
        return conn_ip_fail(c, n->pos, "slice indices must be integers");
    size_t a, b;
    if (o.kind == IV_STR) {
        slice_bounds(&lo, &hi, conn_iv_len(&o), &a, &b);
        size_t pa = utf8_off(o.u.s.p, o.u.s.n, a), pb = utf8_off(o.u.s.p, o.u.s.n, b);
        *out = conn_iv_str(o.u.s.p + pa, pb - pa);
        return 0;
    }
    if (!conn_iv_is_seq(&o))
        return conn_ip_fail(c, n->pos, "'%s' object is not subscriptable", conn_iv_type_name(&o));
    slice_bounds(&lo, &hi, conn_iv_len(&o), &a, &b);
    *out = conn_iv_new_list(&c->arena, b - a);
    for (size_t i = a; i < b; i++)
        conn_iv_list_push(&c->arena, out->u.l, conn_iv_at(&o, i));
    if (o.kind == IV_TUPLE)
        out->kind = IV_TUPLE;
    return 0;
}

/* Evaluates the arguments of a call node into an arena array. */
static int eval_args(struct ip_ctx *c, const struct ip_node *n, struct iv **args)
{
    *args = conn_ip_alloc(&c->arena, (n->nargs + 1) * sizeof **args);
    for (uint32_t i = 0; i < n->nargs; i++)
        if (conn_ip_eval(c, n->args[i], &(*args)[i]) < 0)
            return -1;
    return 0;
}

/* `a in b` with Python's semantics. */
static int eval_in(struct ip_ctx *c, const struct ip_node *n, const struct iv *a,
                   const struct iv *b, bool *out)
{
    *out = false;
    if (b->kind == IV_UNDEF)
        return 0;
    if (b->kind == IV_STR) {
        if (a->kind != IV_STR)
            return conn_ip_fail(c, n->pos, "'in <string>' requires string as left operand, not %s",
                                conn_iv_type_name(a));
        if (a->u.s.n == 0) {
            *out = true;
            return 0;
        }
        for (size_t i = 0; i + a->u.s.n <= b->u.s.n; i++)
            if (memcmp(b->u.s.p + i, a->u.s.p, a->u.s.n) == 0) {
                *out = true;
                break;
            }
        return 0;
    }
    if (conn_iv_is_map(b)) {
        struct iv tmp;
        *out = conn_iv_lookup(b, a, &tmp);
        return 0;
    }
    if (conn_iv_is_seq(b)) {
        for (size_t i = 0; i < conn_iv_len(b) && !*out; i++) {
            struct iv it = conn_iv_at(b, i);
            *out = conn_iv_equal(&it, a);
        }
        return 0;
    }
    return conn_ip_fail(c, n->pos, "argument of type '%s' is not iterable", conn_iv_type_name(b));
}

/* Comparisons and membership. */
static int eval_compare(struct ip_ctx *c, const struct ip_node *n, const struct iv *a,
                        const struct iv *b, struct iv *out)
{
    bool r = false, ok;
    switch (n->op) {
    case OP_EQ: r = conn_iv_equal(a, b); break;
    case OP_NE: r = !conn_iv_equal(a, b); break;
    case OP_IN: case OP_NOTIN:
        if (eval_in(c, n, a, b, &r) < 0)
            return -1;
        r = n->op == OP_IN ? r : !r;
        break;
    default: {
        if (a->kind == IV_UNDEF || b->kind == IV_UNDEF)
            return conn_ip_undef(c, n->pos, "comparison with undefined");
        int k = conn_iv_cmp(a, b, &ok);
        static const char *const sym[] = {"<", "<=", ">", ">="};
        if (!ok)
            return conn_ip_fail(c, n->pos, "'%s' not supported between instances of '%s' and '%s'",
                                sym[n->op - OP_LT], conn_iv_type_name(a), conn_iv_type_name(b));
        r = n->op == OP_LT ? k < 0 : n->op == OP_LE ? k <= 0 : n->op == OP_GT ? k > 0 : k >= 0;
    }
    }
    *out = conn_iv_bool(r);
    return 0;
}

/* `a ~ b`: string concatenation of str() forms. */
static int eval_cat(struct ip_ctx *c, const struct iv *a, const struct iv *b, struct iv *out)
{
    const char *p, *q;
    size_t pn, qn;
    if (conn_iv_to_text(c, a, &p, &pn) < 0 || conn_iv_to_text(c, b, &q, &qn) < 0)
        return -1;
    if (pn + qn > IP_MAX_OUTPUT)
        return conn_ip_fail(c, 0, "string exceeds %u bytes", IP_MAX_OUTPUT);
    char *s = conn_ip_alloc(&c->arena, pn + qn + 1);
    memcpy(s, p, pn);
    memcpy(s + pn, q, qn);
    *out = conn_iv_str(s, pn + qn);
    return 0;
}

/* Builds a list, tuple or dict display. */
static int eval_display(struct ip_ctx *c, const struct ip_node *n, struct iv *out)
{
    struct iv *args;
    if (eval_args(c, n, &args) < 0)
        return -1;
    if (n->op == OP_DICT) {
        *out = conn_iv_new_dict(&c->arena, n->nargs / 2);
        for (uint32_t i = 0; i + 1 < n->nargs; i += 2)
            conn_iv_dict_set(&c->arena, out->u.d, args[i], args[i + 1]);
        return 0;
    }
    *out = conn_iv_new_list(&c->arena, n->nargs);
    if (n->nargs)
        memcpy(out->u.l->items, args, n->nargs * sizeof *args);
    out->u.l->len = n->nargs;
    if (n->op == OP_TUPLE)
        out->kind = IV_TUPLE;
    return 0;
}

/* Evaluates operators that take two operands. */
static int eval_binary(struct ip_ctx *c, const struct ip_node *n, struct iv *out)
{
    struct iv a, b;
    if (conn_ip_eval(c, n->a, &a) < 0)
        return -1;
    if (n->op == OP_AND || n->op == OP_OR) {
        if (conn_iv_truthy(&a) == (n->op == OP_OR)) {
            *out = a;
            return 0;
        }
        return conn_ip_eval(c, n->b, out);
    }
    if (conn_ip_eval(c, n->b, &b) < 0)
        return -1;
    if (n->op == OP_CAT)
        return eval_cat(c, &a, &b, out);
    if (n->op >= OP_EQ)
        return eval_compare(c, n, &a, &b, out);
    return conn_ip_arith(c, n, &a, &b, out);
}

/* Evaluates calls, methods, filters and tests. */
static int eval_callish(struct ip_ctx *c, const struct ip_node *n, struct iv *out)
{
    struct iv self, *args;
    if (conn_ip_step(c, n->pos) < 0)
        return -1;
    if (n->op != OP_CALL && conn_ip_eval(c, n->a, &self) < 0)
        return -1;
    if (eval_args(c, n, &args) < 0)
        return -1;
    switch (n->op) {
    case OP_CALL: return conn_ip_call(c, n, args, out);
    case OP_METHOD:
        if (self.kind == IV_UNDEF)
            return conn_ip_undef(c, n->pos, n->name);
        return conn_ip_method(c, n, &self, args, out);
    case OP_FILTER: return conn_ip_filter(c, n, self, args, out);
    default: {
        bool r;
        if (conn_ip_test(c, n, &self, args, &r) < 0)
            return -1;
        *out = conn_iv_bool(n->neg ? !r : r);
        return 0;
    }
    }
}

/* Evaluates an expression. */
int conn_ip_eval(struct ip_ctx *c, const struct ip_node *n, struct iv *out)
{
    struct iv a, b;
    int rc = 0;
    if (++c->depth > IP_MAX_DEPTH) {
        c->depth--;
        return conn_ip_fail(c, n->pos, "evaluation nested too deeply");
    }
    switch (n->op) {
    case OP_LIT: *out = n->lit; break;
    case OP_NAME: *out = lookup_name(c, n->name); break;
    case OP_ATTR:
        rc = conn_ip_eval(c, n->a, &a);
        if (rc == 0 && a.kind == IV_UNDEF)
            rc = conn_ip_undef(c, n->pos, n->name);
        else if (rc == 0)
            rc = conn_ip_attr(c, &a, n->name, out);
        break;
    case OP_ITEM:
        rc = conn_ip_eval(c, n->a, &a);
        if (rc == 0)
            rc = conn_ip_eval(c, n->b, &b);
        if (rc == 0)
            rc = get_item(c, n, &a, &b, out);
        break;
    case OP_SLICE: rc = eval_slice(c, n, out); break;
    case OP_CALL: case OP_METHOD: case OP_FILTER: case OP_TEST: rc = eval_callish(c, n, out); break;
    case OP_NOT:
        rc = conn_ip_eval(c, n->a, &a);
        *out = conn_iv_bool(!conn_iv_truthy(&a));
        break;
    case OP_NEG: case OP_POS: {
        struct ip_node zero = {.op = n->op == OP_NEG ? OP_SUB : OP_ADD, .pos = n->pos};
        struct iv z = conn_iv_int(0);
        rc = conn_ip_eval(c, n->a, &a);
        if (rc == 0 && a.kind == IV_FLOAT && n->op == OP_NEG)
            *out = conn_iv_float(-a.u.f);
        else if (rc == 0 && a.kind == IV_TD && n->op == OP_NEG) {
            *out = a;
            out->u.td.us = -a.u.td.us;
            out->u.td.months = -a.u.td.months;
        } else if (rc == 0)
            rc = conn_ip_arith(c, &zero, &z, &a, out);
        break;
    }
    case OP_COND:
        rc = conn_ip_eval(c, n->b, &a);
        if (rc == 0 && conn_iv_truthy(&a))
            rc = conn_ip_eval(c, n->a, out);
        else if (rc == 0 && n->c)
            rc = conn_ip_eval(c, n->c, out);
        else
            out->kind = IV_UNDEF;
        break;
    case OP_LIST: case OP_TUPLE: case OP_DICT: rc = eval_display(c, n, out); break;
    default: rc = eval_binary(c, n, out); break;
    }
    c->depth--;
    return rc;
}

/* ---- statements ---- */

/* Binds the loop target(s) to one item. */
static int bind_target(struct ip_ctx *c, const struct ip_stmt *s, size_t base, const struct iv *v)
{
    if (!s->var2) {
        bind(c, base, s->var, *v);
        return 0;
    }
    if (!conn_iv_is_seq(v) || conn_iv_len(v) != 2)
        return conn_ip_fail(c, s->pos, "cannot unpack %s into two loop variables",
                            conn_iv_type_name(v));
    bind(c, base, s->var, conn_iv_at(v, 0));
    bind(c, base, s->var2, conn_iv_at(v, 1));
    return 0;
}

/* Collects the items of a loop's iterable (strings give characters, maps keys), filtered by
 * the loop's `if` condition. */
static int loop_items(struct ip_ctx *c, const struct ip_stmt *s, size_t base, struct iv **items,
                      size_t *len)
{
    struct iv it;
    if (conn_ip_eval(c, s->expr, &it) < 0)
        return -1;
    bool str = it.kind == IV_STR;
    if (it.kind != IV_UNDEF && !str && !conn_iv_is_seq(&it) && !conn_iv_is_map(&it))
        return conn_ip_fail(c, s->pos, "'%s' object is not iterable", conn_iv_type_name(&it));
    size_t n = str ? it.u.s.n : conn_iv_len(&it), k = 0, off = 0;
    *items = conn_ip_alloc(&c->arena, (n + 1) * sizeof **items);
    for (size_t i = 0; i < n && off <= (str ? it.u.s.n : n); i++) {
        struct iv v;
        if (str) {
            if (off >= it.u.s.n)
                break;
            size_t e = utf8_off(it.u.s.p + off, it.u.s.n - off, 1);
            v = conn_iv_str(it.u.s.p + off, e);
            off += e;
        } else {
            v = conn_iv_at(&it, i);
        }
        if (s->cond) {
            struct iv ok;
            if (conn_ip_step(c, s->pos) < 0 || bind_target(c, s, base, &v) < 0 ||
                conn_ip_eval(c, s->cond, &ok) < 0)
                return -1;
            if (!conn_iv_truthy(&ok))
                continue;
        }
        (*items)[k++] = v;
    }
    *len = k;
    return 0;
}

/* Runs one loop body for each item of the iterable. */
static int exec_for(struct ip_ctx *c, const struct ip_stmt *s, struct wv_buf *out)
{
    static const char *const keys[] = {"index", "index0", "revindex", "revindex0", "first",
                                       "last", "length"};
    size_t base = c->nlocals, scope = c->scope, len = 0;
    struct iv *items = NULL;
    c->scope = base;
    int rc = loop_items(c, s, base, &items, &len);
    struct iv loop = conn_iv_new_dict(&c->arena, 7); /* one per loop, updated in place */
    for (size_t k = 0; k < 7; k++)
        conn_iv_dict_set(&c->arena, loop.u.d, conn_iv_str(keys[k], strlen(keys[k])), conn_iv_int(0));
    for (size_t i = 0; rc == 0 && i < len; i++) {
        if ((rc = conn_ip_step(c, s->pos)) < 0)
            break;
        struct iv vals[] = {conn_iv_int((int64_t)i + 1), conn_iv_int((int64_t)i),
                            conn_iv_int((int64_t)(len - i)), conn_iv_int((int64_t)(len - i - 1)),
                            conn_iv_bool(i == 0), conn_iv_bool(i + 1 == len),
                            conn_iv_int((int64_t)len)};
        memcpy(loop.u.d->vals, vals, sizeof vals);
        bind(c, base, "loop", loop);
        rc = bind_target(c, s, base, &items[i]);
        if (rc == 0)
            rc = conn_ip_exec(c, s->body, out);
    }
    c->nlocals = base;
    c->scope = scope;
    if (rc == 0 && len == 0 && s->alt)
        rc = conn_ip_exec(c, s->alt, out);
    return rc;
}

/* {% set %}: binds a name, or sets a key of a namespace/dict. */
static int exec_set(struct ip_ctx *c, const struct ip_stmt *s)
{
    struct iv v;
    if (conn_ip_eval(c, s->expr, &v) < 0)
        return -1;
    if (!s->attr) {
        bind(c, c->scope, s->var, v);
        return 0;
    }
    struct iv ns = lookup_name(c, s->var);
    if (ns.kind != IV_DICT)
        return conn_ip_fail(c, s->pos, "cannot assign attribute on non-namespace object");
    conn_iv_dict_set(&c->arena, ns.u.d, conn_iv_str(s->attr, strlen(s->attr)), v);
    return 0;
}

/* Runs a statement list, appending output to out. */
int conn_ip_exec(struct ip_ctx *c, const struct ip_stmt *s, struct wv_buf *out)
{
    for (; s; s = s->next) {
        struct iv v;
        switch (s->kind) {
        case ST_TEXT:
            if (wv_buf_append(out, s->text, s->tlen, c->err) < 0)
                return -1;
            break;
        case ST_OUT:
            if (conn_ip_eval(c, s->expr, &v) < 0 || conn_iv_str_to(out, &v, c->err) < 0)
                return -1;
            break;
        case ST_IF: {
            const struct ip_stmt *br = s;
            for (;;) {
                if (conn_ip_eval(c, br->expr, &v) < 0)
                    return -1;
                if (conn_iv_truthy(&v)) {
                    if (conn_ip_exec(c, br->body, out) < 0)
                        return -1;
                    break;
                }
                if (br->alt && br->alt->kind == ST_IF && br->alt->var) { /* elif */
                    br = br->alt;
                    continue;
                }
                if (br->alt && conn_ip_exec(c, br->alt, out) < 0)
                    return -1;
                break;
            }
            break;
        }
        case ST_FOR:
            if (exec_for(c, s, out) < 0)
                return -1;
            break;
        case ST_SET:
            if (exec_set(c, s) < 0)
                return -1;
            break;
        }
    }
    return 0;
}
