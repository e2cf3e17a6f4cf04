/* interp_arith.c - Python's arithmetic operators for template values: int/float promotion
 * with floor division and modulo rounding toward negative infinity, string and list
 * concatenation and repetition, and datetime/date/timedelta arithmetic (Python's datetime
 * module; isodate Durations with months). Any thread (pure functions over one context). */
#include <math.h>
#include <string.h>

#include "connectors/interp_priv.h"

#define DAY_US 86400000000LL

static const char *const op_sym[] = {"+", "-", "*", "/", "//", "%", "**"};

/* TypeError for unsupported operand types. */
static int type_error(struct ip_ctx *c, const struct ip_node *n, const struct iv *a,
                      const struct iv *b)
{
    return conn_ip_fail(c, n->pos, "unsupported operand type(s) for %s: '%s' and '%s'",
                        op_sym[n->op - OP_ADD], conn_iv_type_name(a), conn_iv_type_name(b));
}

/* Integer value of an int or bool. */
static bool as_int(const struct iv *v, int64_t *i)
{
    if (v->kind == IV_INT) {
        *i = v->u.i;
        return true;
    }
    if (v->kind == IV_BOOL) {
        *i = v->u.b;
        return true;
    }
    return false;
}

/* Integer arithmetic; false when it overflows (the caller retries in floating point). */
static int int_arith(struct ip_ctx *c, const struct ip_node *n, int64_t x, int64_t y,
                     struct iv *out, bool *overflow)
{
    int64_t r = 0;
    *overflow = false;
    switch (n->op) {
    case OP_ADD: *overflow = __builtin_add_overflow(x, y, &r); break;
    case OP_SUB: *overflow = __builtin_sub_overflow(x, y, &r); break;
    case OP_MUL: *overflow = __builtin_mul_overflow(x, y, &r); break;
    case OP_FDIV: case OP_MOD:
        if (y == 0)
            return conn_ip_fail(c, n->pos, "integer division or modulo by zero");
        if (x == INT64_MIN && y == -1) {
            *overflow = true;
            break;
        }
        r = n->op == OP_FDIV ? x / y : x % y;
        if (n->op == OP_FDIV && (x % y != 0) && ((x < 0) != (y < 0)))
            r--;
        if (n->op == OP_MOD && r != 0 && ((r < 0) != (y < 0)))
            r += y;
        break;
    case OP_POW:
        if (y < 0) {
            *overflow = true; /* float result */
            break;
        }
        r = 1;
        for (int64_t k = 0; k < y && !*overflow; k++)
            *overflow = __builtin_mul_overflow(r, x, &r);
        break;
    default:
        *overflow = true;
    }
    *out = conn_iv_int(r);
    return 0;
}

/* Floating-point arithmetic. */
static int float_arith(struct ip_ctx *c, const struct ip_node *n, double x, double y,
                       struct iv *out)
{
    double r;
    switch (n->op) {
    case OP_ADD: r = x + y; break;
    case OP_SUB: r = x - y; break;
    case OP_MUL: r = x * y; break;
    case OP_DIV: case OP_FDIV: case OP_MOD:
        if (y == 0)
            return conn_ip_fail(c, n->pos, "division by zero");
        if (n->op == OP_DIV)
            r = x / y;
        else if (n->op == OP_FDIV)
            r = floor(x / y);
        else {
            r = fmod(x, y);
            if (r != 0 && ((r < 0) != (y < 0)))
                r += y;
        }
        break;
    default: r = pow(x, y); break;
    }
    *out = conn_iv_float(r);
    return 0;
}

/* Repeats a string or sequence k times. */
static int repeat(struct ip_ctx *c, const struct ip_node *n, const struct iv *s, int64_t k,
                  struct iv *out)
{
    if (k < 0)
        k = 0;
    size_t len = s->kind == IV_STR ? s->u.s.n : conn_iv_len(s);
    if (len && (uint64_t)k > IP_MAX_OUTPUT / len)
        return conn_ip_fail(c, n->pos, "repetition exceeds %u items", IP_MAX_OUTPUT);
    if (s->kind == IV_STR) {
        char *p = conn_ip_alloc(&c->arena, len * (size_t)k + 1);
        for (int64_t i = 0; i < k; i++)
            memcpy(p + (size_t)i * len, s->u.s.p, len);
        *out = conn_iv_str(p, len * (size_t)k);
        return 0;
    }
    *out = conn_iv_new_list(&c->arena, len * (size_t)k);
    for (int64_t i = 0; i < k; i++)
        for (size_t j = 0; j < len; j++)
            conn_iv_list_push(&c->arena, out->u.l, conn_iv_at(s, j));
    return 0;
}

/* Concatenates two strings or two sequences. */
static int concat(struct ip_ctx *c, const struct ip_node *n, const struct iv *a,
                  const struct iv *b, struct iv *out)
{
    if (a->kind == IV_STR) {
        if (a->u.s.n + b->u.s.n > IP_MAX_OUTPUT)
            return conn_ip_fail(c, n->pos, "string exceeds %u bytes", IP_MAX_OUTPUT);
        char *p = conn_ip_alloc(&c->arena, a->u.s.n + b->u.s.n + 1);
        memcpy(p, a->u.s.p, a->u.s.n);
        memcpy(p + a->u.s.n, b->u.s.p, b->u.s.n);
        *out = conn_iv_str(p, a->u.s.n + b->u.s.n);
        return 0;
    }
    size_t la = conn_iv_len(a), lb = conn_iv_len(b);
    *out = conn_iv_new_list(&c->arena, la + lb);
    for (size_t i = 0; i < la; i++)
        conn_iv_list_push(&c->arena, out->u.l, conn_iv_at(a, i));
    for (size_t i = 0; i < lb; i++)
        conn_iv_list_push(&c->arena, out->u.l, conn_iv_at(b, i));
    if (a->kind == IV_TUPLE)
        out->kind = IV_TUPLE;
    return 0;
}

/* A timedelta value. */
static struct iv td(int64_t us, int32_t months)
{
    struct iv v = {.kind = IV_TD};
    v.u.td.us = us;
    v.u.td.months = months;
    return v;
}

/* datetime/date/timedelta arithmetic; *handled false when the types do not apply. */
static int time_arith(struct ip_ctx *c, const struct ip_node *n, const struct iv *a,
                      const struct iv *b, struct iv *out, bool *handled)
{
    *handled = true;
    bool point = a->kind == IV_DT || a->kind == IV_DATE;
    if ((n->op == OP_ADD || n->op == OP_SUB) && point && b->kind == IV_TD) {
        int sign = n->op == OP_ADD ? 1 : -1;
        int64_t delta = b->u.td.us;
        if (a->kind == IV_DATE) /* date + timedelta uses whole days only */
            delta = (delta >= 0 ? delta / DAY_US : -((-delta + DAY_US - 1) / DAY_US)) * DAY_US;
        *out = *a;
        out->u.us = conn_ip_add_months(a->u.us, sign * b->u.td.months) + sign * delta;
        return 0;
    }
    if (n->op == OP_ADD && a->kind == IV_TD && (b->kind == IV_DT || b->kind == IV_DATE))
        return time_arith(c, n, b, a, out, handled);
    if (n->op == OP_SUB && point && b->kind == a->kind) {
        *out = td(a->u.us - b->u.us, 0);
        return 0;
    }
    if (a->kind == IV_TD && b->kind == IV_TD && (n->op == OP_ADD || n->op == OP_SUB)) {
        int sign = n->op == OP_ADD ? 1 : -1;
        *out = td(a->u.td.us + sign * b->u.td.us, a->u.td.months + sign * b->u.td.months);
        return 0;
    }
    int64_t k;
    if (a->kind == IV_TD && n->op == OP_MUL && as_int(b, &k)) {
        *out = td(a->u.td.us * k, (int32_t)(a->u.td.months * k));
        return 0;
    }
    if (a->kind == IV_TD && b->kind == IV_TD && n->op == OP_DIV && b->u.td.us) {
        *out = conn_iv_float((double)a->u.td.us / (double)b->u.td.us);
        return 0;
    }
    *handled = false;
    return 0;
}

/* Python arithmetic: + - * / // % ** (n->op). */
int conn_ip_arith(struct ip_ctx *c, const struct ip_node *n, const struct iv *a,
                  const struct iv *b, struct iv *out)
{
    int64_t x, y;
    double fx, fy;
    bool handled;
    if (a->kind == IV_UNDEF || b->kind == IV_UNDEF)
        return conn_ip_undef(c, n->pos, "arithmetic on undefined");
    if (as_int(a, &x) && as_int(b, &y) && n->op != OP_DIV) {
        bool overflow;
        if (int_arith(c, n, x, y, out, &overflow) < 0)
            return -1;
        if (!overflow)
            return 0;
    }
    if (conn_iv_is_num(a, &fx) && conn_iv_is_num(b, &fy))
        return float_arith(c, n, fx, fy, out);
    if (n->op == OP_ADD && ((a->kind == IV_STR && b->kind == IV_STR) ||
                            (conn_iv_is_seq(a) && conn_iv_is_seq(b))))
        return concat(c, n, a, b, out);
    if (n->op == OP_MOD && a->kind == IV_STR)
        return conn_ip_str_mod(c, n, a, b, out);
    if (n->op == OP_MUL && (a->kind == IV_STR || conn_iv_is_seq(a)) && as_int(b, &y))
        return repeat(c, n, a, y, out);
    if (n->op == OP_MUL && (b->kind == IV_STR || conn_iv_is_seq(b)) && as_int(a, &x))
        return repeat(c, n, b, x, out);
    if (time_arith(c, n, a, b, out, &handled) < 0 || handled)
        return wv_error_isset(c->err) ? -1 : 0;
    return type_error(c, n, a, b);
}
