/* interp_parse.c - the template parser: Jinja2's expression grammar (jinja2/parser.py:
 * condexpr > or > and > not > compare > + - > ~ > * / // % > ** > unary > postfix/filters/
 * tests) and the {% if/elif/else %}, {% for %} and {% set %} statements. Unknown filters and
 * tests are compile errors, as in Jinja. Runs on the compiling thread only. */
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "connectors/interp_priv.h"

struct parser {
    struct conn_tmpl *t;
    const struct ip_token *tk;
    size_t i, n;
    int depth;
    struct wv_error *err;
};

static struct ip_node *p_expr(struct parser *p);
static struct ip_node *p_tuple(struct parser *p);
static struct ip_node *p_unary(struct parser *p, bool filters);
static struct ip_node *p_or(struct parser *p);

/* A parse error at the current token. */
static struct ip_node *perr(struct parser *p, const char *what)
{
    const struct ip_token *k = &p->tk[p->i];
    wv_error_set(p->err, WV_E_PARSE, (long)k->pos, "%s at offset %u", what, k->pos);
    return NULL;
}

static const struct ip_token *cur(struct parser *p) { return &p->tk[p->i]; }

/* Whether the current token is operator `op`. */
static bool is_op(struct parser *p, const char *op)
{
    const struct ip_token *k = cur(p);
    return k->type == TK_OP && k->n == strlen(op) && memcmp(k->p, op, k->n) == 0;
}

/* Whether the current token is name `w`. */
static bool is_name(struct parser *p, const char *w)
{
    const struct ip_token *k = cur(p);
    return k->type == TK_NAME && k->n == strlen(w) && memcmp(k->p, w, k->n) == 0;
}

/* Consumes operator op if present. */
static bool skip_op(struct parser *p, const char *op)
{
    if (!is_op(p, op))
        return false;
    p->i++;
    return true;
}

static bool skip_name(struct parser *p, const char *w)
{
    if (!is_name(p, w))
        return false;
    p->i++;
    return true;
}

/* A new node at the current position. */
static struct ip_node *node(struct parser *p, enum ip_op op, uint32_t pos)
{
    struct ip_node *n = conn_ip_alloc(&p->t->arena, sizeof *n);
    n->op = op;
    n->pos = pos;
    return n;
}

/* Copies the current NAME token into the arena and advances. */
static const char *take_name(struct parser *p)
{
    if (cur(p)->type != TK_NAME)
        return NULL;
    const char *s = conn_ip_strndup(&p->t->arena, cur(p)->p, cur(p)->n);
    p->i++;
    return s;
}

static struct ip_node *binop(struct parser *p, enum ip_op op, uint32_t pos, struct ip_node *a,
                             struct ip_node *b)
{
    if (!b)
        return NULL;
    struct ip_node *n = node(p, op, pos);
    n->a = a;
    n->b = b;
    return n;
}

/* Appends an argument (with optional keyword) to n. */
static void add_arg(struct parser *p, struct ip_node *n, struct ip_node *a, const char *kw)
{
    if ((n->nargs & (n->nargs - 1)) == 0) { /* grow at powers of two */
        size_t cap = n->nargs ? n->nargs * 2 : 1;
        struct ip_node **na = conn_ip_alloc(&p->t->arena, cap * sizeof *na);
        const char **nk = conn_ip_alloc(&p->t->arena, cap * sizeof *nk);
        if (n->nargs) {
            memcpy(na, n->args, n->nargs * sizeof *na);
            memcpy(nk, n->kw, n->nargs * sizeof *nk);
        }
        n->args = na;
        n->kw = nk;
    }
    n->args[n->nargs] = a;
    n->kw[n->nargs] = kw;
    n->nargs++;
}

/* Parses `( args )` into n; the '(' is current. */
static int p_call_args(struct parser *p, struct ip_node *n)
{
    p->i++;
    while (!is_op(p, ")")) {
        if (n->nargs && !skip_op(p, ",")) {
            perr(p, "expected ',' or ')'");
            return -1;
        }
        if (is_op(p, ")"))
            break;
        const char *kw = NULL;
        if (cur(p)->type == TK_NAME && p->tk[p->i + 1].type == TK_OP &&
            p->tk[p->i + 1].n == 1 && p->tk[p->i + 1].p[0] == '=') {
            kw = take_name(p);
            p->i++;
        }
        struct ip_node *a = p_expr(p);
        if (!a)
            return -1;
        add_arg(p, n, a, kw);
    }
    p->i++;
    return 0;
}

/* Parses a list / tuple / dict display; the opener is current. */
static struct ip_node *p_display(struct parser *p, enum ip_op op, const char *close)
{
    struct ip_node *n = node(p, op, cur(p)->pos);
    p->i++;
    while (!is_op(p, close)) {
        if (n->nargs && !skip_op(p, ","))
            return perr(p, op == OP_DICT ? "expected ',' or '}'" : "expected ',' or closing bracket");
        if (is_op(p, close))
            break;
        struct ip_node *a = p_expr(p);
        if (!a)
            return NULL;
        add_arg(p, n, a, NULL);
        if (op == OP_DICT) {
            if (!skip_op(p, ":"))
                return perr(p, "expected ':' in dict literal");
            if (!(a = p_expr(p)))
                return NULL;
            add_arg(p, n, a, NULL);
        }
    }
    p->i++;
    return n;
}

/* Parses a primary: literal, name, parenthesized expression or display. */
static struct ip_node *p_primary(struct parser *p)
{
    const struct ip_token *k = cur(p);
    struct ip_node *n;
    switch (k->type) {
    case TK_NAME:
        n = node(p, OP_LIT, k->pos);
        if (is_name(p, "true") || is_name(p, "True")) n->lit = conn_iv_bool(true);
        else if (is_name(p, "false") || is_name(p, "False")) n->lit = conn_iv_bool(false);
        else if (is_name(p, "none") || is_name(p, "None")) n->lit.kind = IV_NONE;
        else {
            n->op = OP_NAME;
            n->name = take_name(p);
            return n;
        }
        p->i++;
        return n;
    case TK_INT: case TK_FLOAT:
        n = node(p, OP_LIT, k->pos);
        n->lit = k->type == TK_INT ? conn_iv_int(k->i) : conn_iv_float(k->f);
        p->i++;
        return n;
    case TK_STR: {
        n = node(p, OP_LIT, k->pos);
        size_t total = 0, j = p->i;
        for (; p->tk[j].type == TK_STR; j++)
            total += p->tk[j].n;
        char *s = conn_ip_alloc(&p->t->arena, total + 1);
        size_t o = 0;
        for (; p->i < j; p->i++) {
            memcpy(s + o, p->tk[p->i].p, p->tk[p->i].n);
            o += p->tk[p->i].n;
        }
        n->lit = conn_iv_str(s, total);
        return n;
    }
    default:
        break;
    }
    if (is_op(p, "(")) {
        uint32_t pos = k->pos;
        p->i++;
        if (is_op(p, ")")) {
            p->i++;
            return node(p, OP_TUPLE, pos);
        }
        n = p_tuple(p);
        if (n && !skip_op(p, ")"))
            return perr(p, "expected ')'");
        return n;
    }
    if (is_op(p, "["))
        return p_display(p, OP_LIST, "]");
    if (is_op(p, "{"))
        return p_display(p, OP_DICT, "}");
    if (k->type == TK_VAR_END || k->type == TK_BLOCK_END || k->type == TK_EOF)
        return perr(p, "unexpected end of expression");
    return perr(p, "unexpected token");
}

/* Parses a subscript `[...]` (index or slice) applied to a. */
static struct ip_node *p_subscript(struct parser *p, struct ip_node *a)
{
    uint32_t pos = cur(p)->pos;
    p->i++;
    struct ip_node *lo = NULL, *hi = NULL;
    if (!is_op(p, ":") && !(lo = p_expr(p)))
        return NULL;
    if (skip_op(p, ":")) {
        struct ip_node *n = node(p, OP_SLICE, pos);
        if (!is_op(p, "]") && !is_op(p, ":") && !(hi = p_expr(p)))
            return NULL;
        if (skip_op(p, ":") && !is_op(p, "]"))
            return perr(p, "slice steps are not supported");
        if (!skip_op(p, "]"))
            return perr(p, "expected ']'");
        n->a = a;
        n->b = lo;
        n->c = hi;
        return n;
    }
    if (!skip_op(p, "]"))
        return perr(p, "expected ']'");
    return binop(p, OP_ITEM, pos, a, lo);
}

/* Parses postfix operators: .name, .name(...), [..], and calls of names. */
static struct ip_node *p_postfix(struct parser *p, struct ip_node *n)
{
    while (n) {
        if (is_op(p, ".")) {
            uint32_t pos = cur(p)->pos;
            p->i++;
            if (cur(p)->type == TK_INT) {
                struct ip_node *ix = node(p, OP_LIT, cur(p)->pos);
                ix->lit = conn_iv_int(cur(p)->i);
                p->i++;
                n = binop(p, OP_ITEM, pos, n, ix);
                continue;
            }
            const char *name = take_name(p);
            if (!name)
                return perr(p, "expected an attribute name after '.'");
            struct ip_node *m = node(p, is_op(p, "(") ? OP_METHOD : OP_ATTR, pos);
            m->a = n;
            m->name = name;
            if (m->op == OP_METHOD && p_call_args(p, m) < 0)
                return NULL;
            n = m;
        } else if (is_op(p, "[")) {
            n = p_subscript(p, n);
        } else if (is_op(p, "(")) {
            if (n->op != OP_NAME)
                return perr(p, "only names and methods can be called");
            n->op = OP_CALL;
            if (p_call_args(p, n) < 0)
                return NULL;
        } else {
            break;
        }
    }
    return n;
}

/* Parses a dotted filter/test name. */
static const char *p_fname(struct parser *p)
{
    const char *name = take_name(p);
    while (name && is_op(p, ".") && p->tk[p->i + 1].type == TK_NAME) {
        p->i++;
        const char *more = take_name(p);
        char *j = wv_asprintf("%s.%s", name, more);
        name = conn_ip_strndup(&p->t->arena, j, strlen(j));
        free(j);
    }
    return name;
}

/* Parses `| filter(...)` and `is [not] test ...` chains applied to n. */
static struct ip_node *p_filters(struct parser *p, struct ip_node *n)
{
    while (n) {
        if (is_op(p, "|")) {
            struct ip_node *f = node(p, OP_FILTER, cur(p)->pos);
            p->i++;
            if (!(f->name = p_fname(p)))
                return perr(p, "expected a filter name");
            if (!conn_ip_filter_known(f->name)) {
                p->i--;
                wv_error_set(p->err, WV_E_PARSE, (long)cur(p)->pos, "no filter named '%s' at offset %u",
                             f->name, cur(p)->pos);
                return NULL;
            }
            if (is_op(p, "(") && p_call_args(p, f) < 0)
                return NULL;
            f->a = n;
            n = f;
        } else if (is_name(p, "is")) {
            struct ip_node *t = node(p, OP_TEST, cur(p)->pos);
            p->i++;
            t->neg = skip_name(p, "not");
            if (!(t->name = p_fname(p)))
                return perr(p, "expected a test name");
            if (!conn_ip_test_known(t->name)) {
                p->i--;
                wv_error_set(p->err, WV_E_PARSE, (long)cur(p)->pos, "no test named '%s' at offset %u",
                             t->name, cur(p)->pos);
                return NULL;
            }
            t->a = n;
            if (is_op(p, "(")) {
                if (p_call_args(p, t) < 0)
                    return NULL;
            } else if (cur(p)->type == TK_INT || cur(p)->type == TK_FLOAT ||
                       cur(p)->type == TK_STR || is_op(p, "[") || is_op(p, "{") ||
                       (cur(p)->type == TK_NAME && !is_name(p, "else") && !is_name(p, "or") &&
                        !is_name(p, "and") && !is_name(p, "if") && !is_name(p, "is") &&
                        !is_name(p, "in") && !is_name(p, "not"))) {
                struct ip_node *arg = p_unary(p, false);
                if (!arg)
                    return NULL;
                add_arg(p, t, arg, NULL);
            }
            n = t;
        } else {
            break;
        }
    }
    return n;
}

/* unary: '-' / '+' unary | primary postfix, then filters and tests. */
static struct ip_node *p_unary(struct parser *p, bool filters)
{
    if (++p->depth > IP_MAX_DEPTH)
        return perr(p, "expression nested too deeply");
    struct ip_node *n;
    uint32_t pos = cur(p)->pos;
    if (is_op(p, "-") || is_op(p, "+")) {
        enum ip_op op = is_op(p, "-") ? OP_NEG : OP_POS;
        p->i++;
        struct ip_node *a = p_unary(p, false);
        n = a ? node(p, op, pos) : NULL;
        if (n)
            n->a = a;
    } else {
        n = p_postfix(p, p_primary(p));
    }
    if (filters)
        n = p_filters(p, n);
    p->depth--;
    return n;
}

/* pow: unary ('**' unary)* (left-associative, as Jinja parses it). */
static struct ip_node *p_pow(struct parser *p)
{
    struct ip_node *n = p_unary(p, true);
    while (n && is_op(p, "**")) {
        uint32_t pos = cur(p)->pos;
        p->i++;
        n = binop(p, OP_POW, pos, n, p_unary(p, true));
    }
    return n;
}

/* math2: pow (('*' | '/' | '//' | '%') pow)* */
static struct ip_node *p_math2(struct parser *p)
{
    struct ip_node *n = p_pow(p);
    while (n) {
        enum ip_op op;
        if (is_op(p, "*")) op = OP_MUL;
        else if (is_op(p, "/")) op = OP_DIV;
        else if (is_op(p, "//")) op = OP_FDIV;
        else if (is_op(p, "%")) op = OP_MOD;
        else break;
        uint32_t pos = cur(p)->pos;
        p->i++;
        n = binop(p, op, pos, n, p_pow(p));
    }
    return n;
}

/* concat: math2 ('~' math2)* */
static struct ip_node *p_concat(struct parser *p)
{
    struct ip_node *n = p_math2(p);
    while (n && is_op(p, "~")) {
        uint32_t pos = cur(p)->pos;
        p->i++;
        n = binop(p, OP_CAT, pos, n, p_math2(p));
    }
    return n;
}

/* math1: concat (('+' | '-') concat)* */
static struct ip_node *p_math1(struct parser *p)
{
    struct ip_node *n = p_concat(p);
    while (n && (is_op(p, "+") || is_op(p, "-"))) {
        enum ip_op op = is_op(p, "+") ? OP_ADD : OP_SUB;
        uint32_t pos = cur(p)->pos;
        p->i++;
        n = binop(p, op, pos, n, p_concat(p));
    }
    return n;
}

/* compare: math1 (cmpop math1)*; chains become `a < b and b < c`. */
static struct ip_node *p_compare(struct parser *p)
{
    struct ip_node *n = p_math1(p), *prev = n, *res = n;
    bool chained = false;
    while (n) {
        enum ip_op op;
        uint32_t pos = cur(p)->pos;
        if (is_op(p, "==")) op = OP_EQ;
        else if (is_op(p, "!=")) op = OP_NE;
        else if (is_op(p, "<")) op = OP_LT;
        else if (is_op(p, "<=")) op = OP_LE;
        else if (is_op(p, ">")) op = OP_GT;
        else if (is_op(p, ">=")) op = OP_GE;
        else if (is_name(p, "in")) op = OP_IN;
        else if (is_name(p, "not") && p->tk[p->i + 1].type == TK_NAME &&
                 p->tk[p->i + 1].n == 2 && memcmp(p->tk[p->i + 1].p, "in", 2) == 0) {
            op = OP_NOTIN;
            p->i++;
        } else break;
        p->i++;
        struct ip_node *rhs = p_math1(p);
        struct ip_node *c = binop(p, op, pos, prev, rhs);
        if (!c)
            return NULL;
        res = chained ? binop(p, OP_AND, pos, res, c) : c;
        chained = true;
        prev = rhs;
    }
    return n ? res : NULL;
}

/* not: 'not' not | compare */
static struct ip_node *p_not(struct parser *p)
{
    if (is_name(p, "not")) {
        struct ip_node *n = node(p, OP_NOT, cur(p)->pos);
        p->i++;
        if (++p->depth > IP_MAX_DEPTH)
            return perr(p, "expression nested too deeply");
        n->a = p_not(p);
        p->depth--;
        return n->a ? n : NULL;
    }
    return p_compare(p);
}

/* and: not ('and' not)* */
static struct ip_node *p_and(struct parser *p)
{
    struct ip_node *n = p_not(p);
    while (n && is_name(p, "and")) {
        uint32_t pos = cur(p)->pos;
        p->i++;
        n = binop(p, OP_AND, pos, n, p_not(p));
    }
    return n;
}

/* or: and ('or' and)* */
static struct ip_node *p_or(struct parser *p)
{
    struct ip_node *n = p_and(p);
    while (n && is_name(p, "or")) {
        uint32_t pos = cur(p)->pos;
        p->i++;
        n = binop(p, OP_OR, pos, n, p_and(p));
    }
    return n;
}

/* expr: or ('if' or ('else' expr)?)* */
static struct ip_node *p_expr(struct parser *p)
{
    if (++p->depth > IP_MAX_DEPTH)
        return perr(p, "expression nested too deeply");
    struct ip_node *n = p_or(p);
    while (n && is_name(p, "if")) {
        struct ip_node *c = node(p, OP_COND, cur(p)->pos);
        p->i++;
        c->a = n;
        if (!(c->b = p_or(p)))
            return NULL;
        if (skip_name(p, "else") && !(c->c = p_expr(p)))
            return NULL;
        n = c;
    }
    p->depth--;
    return n;
}

/* tuple: expr (',' expr)* [','] -- a bare comma list is a tuple. */
static struct ip_node *p_tuple(struct parser *p)
{
    uint32_t pos = cur(p)->pos;
    struct ip_node *n = p_expr(p);
    if (!n || !is_op(p, ","))
        return n;
    struct ip_node *t = node(p, OP_TUPLE, pos);
    add_arg(p, t, n, NULL);
    while (skip_op(p, ",")) {
        if (is_op(p, ")") || cur(p)->type == TK_VAR_END || cur(p)->type == TK_BLOCK_END)
            break;
        if (!(n = p_expr(p)))
            return NULL;
        add_arg(p, t, n, NULL);
    }
    return t;
}

/* ---- statements ---- */

static struct ip_stmt *p_body(struct parser *p, const char *const *ends);

/* A new statement. */
static struct ip_stmt *stmt(struct parser *p, enum ip_stmt_kind kind, uint32_t pos)
{
    struct ip_stmt *s = conn_ip_alloc(&p->t->arena, sizeof *s);
    s->kind = kind;
    s->pos = pos;
    return s;
}

/* Expects the end of a {% %} tag. */
static int expect_block_end(struct parser *p)
{
    if (cur(p)->type == TK_BLOCK_END) {
        p->i++;
        return 0;
    }
    perr(p, "expected '%}'");
    return -1;
}

/* Whether the tokens at the cursor are `{% <one of ends>`. */
static bool at_end_tag(struct parser *p, const char *const *ends)
{
    if (cur(p)->type != TK_BLOCK_BEGIN || p->tk[p->i + 1].type != TK_NAME)
        return false;
    const struct ip_token *k = &p->tk[p->i + 1];
    for (size_t e = 0; ends && ends[e]; e++)
        if (k->n == strlen(ends[e]) && memcmp(k->p, ends[e], k->n) == 0)
            return true;
    return false;
}

/* {% if c %} ... [{% elif c %} ...]* [{% else %} ...] {% endif %}; the keyword is consumed. */
static struct ip_stmt *p_if(struct parser *p, uint32_t pos)
{
    static const char *const ends[] = {"elif", "else", "endif", NULL};
    struct ip_stmt *s = stmt(p, ST_IF, pos);
    if (!(s->expr = p_tuple(p)))
        return NULL;
    skip_op(p, ":");
    if (expect_block_end(p) < 0)
        return NULL;
    s->body = p_body(p, ends);
    if (wv_error_isset(p->err))
        return NULL;
    if (!at_end_tag(p, ends)) {
        perr(p, "missing {% endif %}");
        return NULL;
    }
    p->i += 2;
    const struct ip_token *k = &p->tk[p->i - 1];
    if (k->n == 4 && memcmp(k->p, "elif", 4) == 0) {
        s->alt = p_if(p, k->pos);
        if (s->alt)
            s->alt->var = "elif"; /* marks the chain link (an else body may start with if) */
        return s->alt ? s : NULL;
    }
    if (k->n == 4 && memcmp(k->p, "else", 4) == 0) {
        static const char *const ends2[] = {"endif", NULL};
        skip_op(p, ":");
        if (expect_block_end(p) < 0)
            return NULL;
        s->alt = p_body(p, ends2);
        if (wv_error_isset(p->err))
            return NULL;
        if (!at_end_tag(p, ends2)) {
            perr(p, "missing {% endif %}");
            return NULL;
        }
        p->i += 2;
    }
    return expect_block_end(p) < 0 ? NULL : s;
}

/* {% for x[, y] in expr %} ... [{% else %} ...] {% endfor %}; the keyword is consumed. */
static struct ip_stmt *p_for(struct parser *p, uint32_t pos)
{
    static const char *const ends[] = {"else", "endfor", NULL};
    static const char *const ends2[] = {"endfor", NULL};
    struct ip_stmt *s = stmt(p, ST_FOR, pos);
    if (!(s->var = take_name(p))) {
        perr(p, "expected a loop variable");
        return NULL;
    }
    if (skip_op(p, ",") && !(s->var2 = take_name(p))) {
        perr(p, "expected a second loop variable");
        return NULL;
    }
    if (!skip_name(p, "in")) {
        perr(p, "expected 'in'");
        return NULL;
    }
    if (!(s->expr = p_or(p)))
        return NULL;
    if (skip_name(p, "if") && !(s->cond = p_expr(p)))
        return NULL;
    if (is_name(p, "recursive")) {
        perr(p, "recursive loops are not supported");
        return NULL;
    }
    skip_op(p, ":");
    if (expect_block_end(p) < 0)
        return NULL;
    s->body = p_body(p, ends);
    if (wv_error_isset(p->err))
        return NULL;
    if (at_end_tag(p, ends) && p->tk[p->i + 1].n == 4) { /* else */
        p->i += 2;
        skip_op(p, ":");
        if (expect_block_end(p) < 0)
            return NULL;
        s->alt = p_body(p, ends2);
        if (wv_error_isset(p->err))
            return NULL;
    }
    if (!at_end_tag(p, ends2)) {
        perr(p, "missing {% endfor %}");
        return NULL;
    }
    p->i += 2;
    return expect_block_end(p) < 0 ? NULL : s;
}

/* {% set name[.attr] = expr %}; the keyword is consumed. */
static struct ip_stmt *p_set(struct parser *p, uint32_t pos)
{
    struct ip_stmt *s = stmt(p, ST_SET, pos);
    if (!(s->var = take_name(p))) {
        perr(p, "expected a variable name");
        return NULL;
    }
    if (skip_op(p, ".") && !(s->attr = take_name(p))) {
        perr(p, "expected an attribute name");
        return NULL;
    }
    if (!skip_op(p, "=")) {
        perr(p, cur(p)->type == TK_BLOCK_END ? "block assignments are not supported"
                                             : "expected '='");
        return NULL;
    }
    if (!(s->expr = p_tuple(p)) || expect_block_end(p) < 0)
        return NULL;
    return s;
}

/* One {% %} statement; the BLOCK_BEGIN is current. */
static struct ip_stmt *p_tag(struct parser *p)
{
    uint32_t pos = cur(p)->pos;
    p->i++;
    if (skip_name(p, "if"))
        return p_if(p, pos);
    if (skip_name(p, "for"))
        return p_for(p, pos);
    if (skip_name(p, "set"))
        return p_set(p, pos);
    if (cur(p)->type == TK_NAME) {
        char *w = wv_strndup(cur(p)->p, cur(p)->n);
        wv_error_set(p->err, WV_E_PARSE, (long)cur(p)->pos, "unknown or unexpected tag '%s' at offset %u",
                     w, cur(p)->pos);
        free(w);
        return NULL;
    }
    perr(p, "expected a tag name");
    return NULL;
}

/* Parses statements until one of the end tags (not consumed) or the end of input. */
static struct ip_stmt *p_body(struct parser *p, const char *const *ends)
{
    struct ip_stmt *head = NULL, **tail = &head;
    if (++p->depth > IP_MAX_DEPTH) {
        perr(p, "statements nested too deeply");
        return NULL;
    }
    while (cur(p)->type != TK_EOF && !at_end_tag(p, ends)) {
        struct ip_stmt *s = NULL;
        const struct ip_token *k = cur(p);
        if (k->type == TK_TEXT) {
            s = stmt(p, ST_TEXT, k->pos);
            s->text = k->p;
            s->tlen = k->n;
            p->i++;
        } else if (k->type == TK_VAR_BEGIN) {
            s = stmt(p, ST_OUT, k->pos);
            p->i++;
            if (!(s->expr = p_tuple(p)))
                return NULL;
            if (cur(p)->type != TK_VAR_END) {
                perr(p, "expected '}}'");
                return NULL;
            }
            p->i++;
        } else if (k->type == TK_BLOCK_BEGIN) {
            if (!(s = p_tag(p)))
                return NULL;
        } else {
            perr(p, "unexpected token");
            return NULL;
        }
        *tail = s;
        tail = &s->next;
    }
    p->depth--;
    return head;
}

/* Parses tokens into statements; the tree lives in t->arena. */
int conn_ip_parse(struct conn_tmpl *t, const struct ip_tokens *toks, struct wv_error *err)
{
    struct parser p = {t, toks->v, 0, toks->len, 0, err};
    t->body = p_body(&p, NULL);
    if (wv_error_isset(err))
        return -1;
    if (cur(&p)->type != TK_EOF) {
        char *w = wv_strndup(p.tk[p.i + 1].p, p.tk[p.i + 1].n);
        wv_error_set(err, WV_E_PARSE, (long)cur(&p)->pos, "unexpected '%s' at offset %u", w,
                     cur(&p)->pos);
        free(w);
        return -1;
    }
    t->is_static = !strstr(t->src, "{{") && !strstr(t->src, "{%") && !strstr(t->src, "{#");
    return 0;
}
