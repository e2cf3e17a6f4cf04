/* interp_priv.h - internals of the template engine (interp_*.c): tokens, the syntax tree,
 * runtime values and the evaluation context. Values live in a per-evaluation arena, JSON input
 * is borrowed, so evaluating allocates little and frees everything at once. */
#ifndef INTERP_PRIV_H
#define INTERP_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "connectors/interp_int.h"

/* Limits (errors, never crashes). */
#define IP_MAX_TEMPLATE (1u << 20)      /* template text */
#define IP_MAX_OUTPUT (16u << 20)       /* rendered text and any one string */
#define IP_MAX_STEPS 1000000u           /* loop iterations + calls per evaluation */
#define IP_MAX_DEPTH 200                /* nesting of expressions / statements */
#define IP_MAX_ARENA (256u << 20)       /* scratch memory per evaluation */

/* ---- arena ---- */

struct ip_chunk;
struct ip_arena {
    struct ip_chunk *head;
    size_t total;
};
void *conn_ip_alloc(struct ip_arena *a, size_t n); /* zeroed, aligned; owned by the arena */
char *conn_ip_strndup(struct ip_arena *a, const char *s, size_t n);
void conn_ip_arena_free(struct ip_arena *a);

/* ---- values ---- */

enum iv_kind {
    IV_UNDEF, IV_NONE, IV_BOOL, IV_INT, IV_FLOAT, IV_STR, IV_LIST, IV_TUPLE, IV_DICT,
    IV_JSON, /* borrowed wv_json array or object (scalars are converted on access) */
    IV_DT,   /* aware datetime: microseconds since the epoch, UTC */
    IV_DATE, /* date: microseconds of its midnight UTC */
    IV_TD,   /* timedelta (+ months for ISO durations with years/months) */
    IV_BUILTIN /* a dict method read as a value (u.s: its name), as Jinja's getattr yields */
};

struct iv_list;
struct iv_dict;

struct iv {
    enum iv_kind kind;
    union {
        bool b;
        int64_t i;
        double f;
        struct { const char *p; size_t n; } s;
        struct iv_list *l;
        struct iv_dict *d;
        const struct wv_json *j;
        int64_t us;
        struct { int64_t us; int32_t months; } td;
    } u;
};

struct iv_list { struct iv *items; size_t len, cap; };
struct iv_dict { struct iv *keys, *vals; size_t len, cap; };

/* ---- syntax tree ---- */

enum ip_op {
    OP_LIT, OP_NAME, OP_ATTR, OP_ITEM, OP_SLICE, OP_CALL, OP_METHOD, OP_FILTER, OP_TEST,
    OP_NEG, OP_POS, OP_NOT, OP_AND, OP_OR, OP_COND, OP_LIST, OP_TUPLE, OP_DICT,
    OP_ADD, OP_SUB, OP_MUL, OP_DIV, OP_FDIV, OP_MOD, OP_POW, OP_CAT,
    OP_EQ, OP_NE, OP_LT, OP_LE, OP_GT, OP_GE, OP_IN, OP_NOTIN
};

struct ip_node {
    enum ip_op op;
    bool neg;             /* TEST: `is not` */
    uint32_t pos;         /* byte offset in the template */
    const char *name;     /* NAME/ATTR/CALL/METHOD/FILTER/TEST name */
    struct iv lit;        /* LIT */
    struct ip_node *a, *b, *c;
    struct ip_node **args;
    const char **kw;      /* keyword names of args (NULL entries for positional) */
    uint32_t nargs;
};

enum ip_stmt_kind { ST_TEXT, ST_OUT, ST_IF, ST_FOR, ST_SET };

struct ip_stmt {
    enum ip_stmt_kind kind;
    uint32_t pos;
    const char *text;         /* TEXT */
    size_t tlen;
    struct ip_node *expr;     /* OUT value, IF condition, FOR iterable, SET value */
    struct ip_stmt *body;     /* IF/FOR body */
    struct ip_stmt *alt;      /* IF elif/else chain, FOR else */
    const char *var, *var2;   /* FOR targets (var2 for `k, v`), SET name */
    const char *attr;         /* SET name.attr */
    struct ip_node *cond;     /* FOR ... if cond */
    struct ip_stmt *next;
};

struct conn_tmpl {
    char *src;
    size_t len;
    char *where;
    struct ip_arena arena;   /* nodes, statements, literal strings */
    struct ip_stmt *body;
    bool is_static;
};

/* ---- lexer ---- */

enum ip_tok {
    TK_EOF, TK_TEXT, TK_VAR_BEGIN, TK_VAR_END, TK_BLOCK_BEGIN, TK_BLOCK_END,
    TK_NAME, TK_INT, TK_FLOAT, TK_STR, TK_OP
};

struct ip_token {
    enum ip_tok type;
    uint32_t pos;
    const char *p;     /* TEXT/NAME/OP: points into the source; STR: decoded (arena) */
    size_t n;
    int64_t i;         /* INT */
    double f;          /* FLOAT */
};

struct ip_tokens { struct ip_token *v; size_t len, cap; };

/* Splits a template into tokens (text, delimiters, expression tokens); errors name offsets. */
int conn_ip_lex(const char *src, size_t len, struct ip_arena *a, struct ip_tokens *out,
                struct wv_error *err);
/* Decodes Python string escapes of s[0..n) into the arena. */
char *conn_ip_unescape(struct ip_arena *a, const char *s, size_t n, size_t *outn);

/* ---- parser ---- */

/* Parses tokens into statements; the tree lives in t->arena. */
int conn_ip_parse(struct conn_tmpl *t, const struct ip_tokens *toks, struct wv_error *err);

/* ---- evaluation ---- */

struct ip_local { const char *name; struct iv v; };

struct ip_ctx {
    const struct conn_tmpl *t;
    const struct conn_interp_env *env;
    struct ip_arena arena;
    struct wv_error *err;
    struct ip_local *locals;
    size_t nlocals, caplocals;
    size_t scope;       /* first local of the innermost loop scope */
    size_t steps;
    int depth;
    bool undef_err;     /* Jinja's UndefinedError was raised */
    bool have_now;
    int64_t now_us;
};

void conn_ip_ctx_init(struct ip_ctx *c, const struct conn_tmpl *t,
                      const struct conn_interp_env *env, struct wv_error *err);
void conn_ip_ctx_done(struct ip_ctx *c);
/* Runtime error at a template offset (always returns -1). */
int conn_ip_fail(struct ip_ctx *c, uint32_t pos, const char *fmt, ...) WV_PRINTF(3, 4);
/* Jinja's UndefinedError (the CDK then falls back to the default). */
int conn_ip_undef(struct ip_ctx *c, uint32_t pos, const char *what);
int conn_ip_eval(struct ip_ctx *c, const struct ip_node *n, struct iv *out);
int conn_ip_exec(struct ip_ctx *c, const struct ip_stmt *s, struct wv_buf *out);
int conn_ip_step(struct ip_ctx *c, uint32_t pos);
/* Python arithmetic: + - * / // % ** (n->op) on numbers, strings, lists, datetimes. */
int conn_ip_arith(struct ip_ctx *c, const struct ip_node *n, const struct iv *a,
                  const struct iv *b, struct iv *out);

/* ---- values (interp_value.c) ---- */

struct iv conn_iv_str(const char *p, size_t n);
struct iv conn_iv_int(int64_t i);
struct iv conn_iv_float(double f);
struct iv conn_iv_bool(bool b);
struct iv conn_iv_from_json(const struct wv_json *j);
struct iv conn_iv_new_list(struct ip_arena *a, size_t cap);
struct iv conn_iv_new_dict(struct ip_arena *a, size_t cap);
void conn_iv_list_push(struct ip_arena *a, struct iv_list *l, struct iv v);
void conn_iv_dict_set(struct ip_arena *a, struct iv_dict *d, struct iv k, struct iv v);
bool conn_iv_is_seq(const struct iv *v);   /* list, tuple, JSON array */
bool conn_iv_is_map(const struct iv *v);   /* dict, JSON object */
size_t conn_iv_len(const struct iv *v);    /* seq / map / string length */
struct iv conn_iv_at(const struct iv *v, size_t i);       /* seq item i (map: key i) */
struct iv conn_iv_map_val(const struct iv *v, size_t i);  /* map value i */
bool conn_iv_map_get(const struct iv *v, const char *k, size_t kn, struct iv *out);
bool conn_iv_lookup(const struct iv *m, const struct iv *key, struct iv *out);
bool conn_iv_truthy(const struct iv *v);
bool conn_iv_equal(const struct iv *a, const struct iv *b);
/* <0/0/>0; -1 with *ok=false when the types do not order */
int conn_iv_cmp(const struct iv *a, const struct iv *b, bool *ok);
const char *conn_iv_type_name(const struct iv *v);
bool conn_iv_is_num(const struct iv *v, double *f);
/* Python str() / repr() appended to b. */
int conn_iv_str_to(struct wv_buf *b, const struct iv *v, struct wv_error *err);
int conn_iv_repr_to(struct wv_buf *b, const struct iv *v, struct wv_error *err);
void conn_ip_float_repr(double f, char *buf, size_t size);
/* str(v) as an arena string (borrowed for strings). */
int conn_iv_to_text(struct ip_ctx *c, const struct iv *v, const char **p, size_t *n);
/* Converts to JSON when every part is JSON-like; NULL otherwise. Caller frees. */
struct wv_json *conn_iv_to_json(const struct iv *v);
/* ast.literal_eval of text: a JSON value, or NULL when text is not a Python literal. */
struct wv_json *conn_ip_literal_eval(const char *s, size_t n);

/* ---- library (interp_lib.c, interp_lib2.c, interp_time.c) ---- */

bool conn_ip_filter_known(const char *name);
bool conn_ip_test_known(const char *name);
int conn_ip_filter(struct ip_ctx *c, const struct ip_node *n, struct iv in, struct iv *args,
                   struct iv *out);
int conn_ip_test(struct ip_ctx *c, const struct ip_node *n, const struct iv *v, struct iv *args,
                 bool *out);
int conn_ip_call(struct ip_ctx *c, const struct ip_node *n, struct iv *args, struct iv *out);
int conn_ip_method(struct ip_ctx *c, const struct ip_node *n, struct iv *self, struct iv *args,
                   struct iv *out);
int conn_ip_attr(struct ip_ctx *c, const struct iv *v, const char *name, struct iv *out);
int conn_ip_str_method(struct ip_ctx *c, const struct ip_node *n, struct iv *self,
                       struct iv *args, struct iv *out);

/* Strings (interp_str.c): re.search(...).group(1) or "", and urllib quoting. */
int conn_ip_regex_search(struct ip_ctx *c, uint32_t pos, const struct iv *s, const struct iv *re,
                         struct iv *out);
int conn_ip_urlencode(struct ip_ctx *c, const struct iv *v, struct iv *out);
/* printf-style `str % args` (%s %r %d %i %f %x %%, flags/width/precision). */
int conn_ip_str_mod(struct ip_ctx *c, const struct ip_node *n, const struct iv *fmt,
                    const struct iv *args, struct iv *out);
/* Whether name is a method of dict (Jinja's getattr prefers it over a key). */
bool conn_ip_is_dict_method(const char *name, size_t n);

/* Datetimes (interp_time.c). */
struct ip_bt {
    int y, mo, d, h, mi, s, us, wday, yday; /* wday 0 = Monday (Python) */
};
void conn_ip_split(int64_t us, struct ip_bt *t);
int64_t conn_ip_join(int y, int mo, int d, int h, int mi, int s, int us);
int64_t conn_ip_now_us(struct ip_ctx *c);
int conn_ip_strftime(struct wv_buf *b, int64_t us, bool is_date, const char *fmt, size_t fn,
                     struct wv_error *err);
int conn_ip_dt_str(struct wv_buf *b, const struct iv *v, struct wv_error *err);
int conn_ip_parse_dt(const char *s, size_t n, int64_t *us);
int conn_ip_parse_dt_fmt(const char *s, size_t n, const char *fmt, int64_t *us);
int conn_ip_parse_duration(const char *s, size_t n, int64_t *us, int32_t *months);
int64_t conn_ip_add_months(int64_t us, int32_t months);
int conn_ip_time_call(struct ip_ctx *c, const struct ip_node *n, struct iv *args, struct iv *out,
                      bool *handled);
bool conn_ip_time_attr(const struct iv *v, const char *name, struct iv *out);
int conn_ip_time_method(struct ip_ctx *c, const struct ip_node *n, struct iv *self,
                        struct iv *args, struct iv *out, bool *handled);

/* Hashes and base64 (interp_hash.c). */
void conn_ip_md5(const void *p, size_t n, unsigned char out[16]);
void conn_ip_sha1(const void *p, size_t n, unsigned char out[20]);
char *conn_ip_b64enc(struct ip_arena *a, const unsigned char *p, size_t n, size_t *outn);
char *conn_ip_b64dec(struct ip_arena *a, const char *p, size_t n, size_t *outn); /* NULL: bad */

/* Argument `kw` (by keyword) or positional argument number `pos`; NULL when absent. */
struct iv *conn_ip_kwarg(const struct ip_node *n, struct iv *args, const char *kw, size_t pos);

#endif
