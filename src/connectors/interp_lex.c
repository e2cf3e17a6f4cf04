/* interp_lex.c - the template lexer: splits text from {{ }}, {% %} and {# #} (with the '-'
 * whitespace control markers and {% raw %} blocks), then tokenizes the expressions inside as
 * Jinja2's lexer does (jinja2/lexer.py: names, ints, floats, Python-escaped strings, operators;
 * braces balance so '}}' inside a dict literal does not end the tag). Runs on the compiling
 * thread only. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "connectors/interp_priv.h"

/* Appends a token, growing the array. */
static struct ip_token *tok_push(struct ip_tokens *t, enum ip_tok type, size_t pos)
{
    if (t->len == t->cap) {
        t->cap = t->cap ? t->cap * 2 : 64;
        t->v = wv_realloc(t->v, t->cap * sizeof *t->v);
    }
    struct ip_token *k = &t->v[t->len++];
    memset(k, 0, sizeof *k);
    k->type = type;
    k->pos = (uint32_t)pos;
    return k;
}

/* Appends one code point as UTF-8. */
static size_t put_utf8(char *o, unsigned long cp)
{
    if (cp < 0x80) {
        o[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        o[0] = (char)(0xC0 | (cp >> 6));
        o[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        o[0] = (char)(0xE0 | (cp >> 12));
        o[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        o[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    o[0] = (char)(0xF0 | ((cp >> 18) & 0x07));
    o[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    o[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    o[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

/* Reads up to `max` hex digits; returns how many were read. */
static size_t read_hex(const char *s, size_t n, size_t max, unsigned long *v)
{
    size_t k = 0;
    *v = 0;
    while (k < max && k < n && isxdigit((unsigned char)s[k])) {
        int c = (unsigned char)s[k];
        *v = *v * 16 + (unsigned long)(isdigit(c) ? c - '0' : (tolower(c) - 'a' + 10));
        k++;
    }
    return k;
}

/* Decodes Python string escapes of s[0..n) into the arena. */
char *conn_ip_unescape(struct ip_arena *a, const char *s, size_t n, size_t *outn)
{
    char *o = conn_ip_alloc(a, n + 1);
    size_t j = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] != '\\' || i + 1 >= n) {
            o[j++] = s[i];
            continue;
        }
        char e = s[++i];
        unsigned long cp;
        size_t k;
        switch (e) {
        case 'n': o[j++] = '\n'; break;
        case 't': o[j++] = '\t'; break;
        case 'r': o[j++] = '\r'; break;
        case 'a': o[j++] = '\a'; break;
        case 'b': o[j++] = '\b'; break;
        case 'f': o[j++] = '\f'; break;
        case 'v': o[j++] = '\v'; break;
        case '\\': case '\'': case '"': o[j++] = e; break;
        case '\n': break;
        case 'x': case 'u': case 'U':
            k = read_hex(s + i + 1, n - i - 1, e == 'x' ? 2 : e == 'u' ? 4 : 8, &cp);
            if (k != (e == 'x' ? 2u : e == 'u' ? 4u : 8u) || cp > 0x10FFFF) {
                o[j++] = '\\';
                o[j++] = e;
                break;
            }
            i += k;
            j += put_utf8(o + j, cp); /* at most 4 bytes for >= 4 source bytes */
            break;
        default:
            if (e >= '0' && e <= '7') {
                cp = 0;
                for (k = 0; k < 3 && i + k < n && s[i + k] >= '0' && s[i + k] <= '7'; k++)
                    cp = cp * 8 + (unsigned long)(s[i + k] - '0');
                i += k - 1;
                j += put_utf8(o + j, cp);
            } else {
                o[j++] = '\\';
                o[j++] = e;
            }
        }
    }
    o[j] = '\0';
    *outn = j;
    return o;
}

static const char *const ops2[] = {"//", "**", "==", "!=", "<=", ">=", NULL};

/* Lexes a number at s[*i]. */
static int lex_number(const char *s, size_t len, size_t *i, struct ip_tokens *out)
{
    size_t st = *i, k = st;
    bool flt = false;
    while (k < len && (isdigit((unsigned char)s[k]) || (s[k] == '_' && k + 1 < len &&
                                                         isdigit((unsigned char)s[k + 1]))))
        k++;
    bool after_dot = st > 0 && s[st - 1] == '.';
    if (!after_dot && k + 1 < len && s[k] == '.' && isdigit((unsigned char)s[k + 1])) {
        flt = true;
        for (k++; k < len && (isdigit((unsigned char)s[k]) || s[k] == '_'); k++) {
        }
    }
    if (!after_dot && k < len && (s[k] == 'e' || s[k] == 'E')) {
        size_t e = k + 1;
        if (e < len && (s[e] == '+' || s[e] == '-'))
            e++;
        if (e < len && isdigit((unsigned char)s[e])) {
            flt = true;
            for (k = e; k < len && (isdigit((unsigned char)s[k]) || s[k] == '_'); k++) {
            }
        }
    }
    char tmp[64];
    size_t tn = 0;
    for (size_t q = st; q < k && tn < sizeof tmp - 1; q++)
        if (s[q] != '_')
            tmp[tn++] = s[q];
    tmp[tn] = '\0';
    struct ip_token *t = tok_push(out, flt ? TK_FLOAT : TK_INT, st);
    t->p = s + st;
    t->n = k - st;
    if (flt) {
        t->f = strtod(tmp, NULL);
    } else {
        char *end;
        unsigned long long v = strtoull(tmp, &end, 10);
        if (v > (unsigned long long)INT64_MAX) {
            t->type = TK_FLOAT;
            t->f = strtod(tmp, NULL);
        }
        t->i = (int64_t)v;
    }
    *i = k;
    return 0;
}

/* Lexes a quoted string at s[*i]. */
static int lex_string(const char *s, size_t len, size_t *i, struct ip_arena *a,
                      struct ip_tokens *out, struct wv_error *err)
{
    char q = s[*i];
    size_t k = *i + 1;
    while (k < len && s[k] != q) {
        if (s[k] == '\\' && k + 1 < len)
            k++;
        k++;
    }
    if (k >= len)
        return wv_error_set(err, WV_E_PARSE, (long)*i, "unterminated string at offset %zu", *i);
    struct ip_token *t = tok_push(out, TK_STR, *i);
    t->p = conn_ip_unescape(a, s + *i + 1, k - *i - 1, &t->n);
    *i = k + 1;
    return 0;
}

/* Tokenizes the inside of a tag until its end marker; returns the end token type. */
static int lex_tag(const char *s, size_t len, size_t *i, bool block, struct ip_arena *a,
                   struct ip_tokens *out, bool *rstrip, struct wv_error *err)
{
    int depth = 0;
    size_t st = *i;
    char endc = block ? '%' : '}';
    while (*i < len) {
        char ch = s[*i];
        if (isspace((unsigned char)ch)) {
            (*i)++;
            continue;
        }
        if (depth == 0) {
            size_t k = *i;
            bool minus = ch == '-' && k + 2 < len + 0 && s[k + 1] == endc && s[k + 2] == '}';
            if (minus || (ch == endc && k + 1 < len && s[k + 1] == '}')) {
                tok_push(out, block ? TK_BLOCK_END : TK_VAR_END, k);
                *rstrip = minus;
                *i = k + (minus ? 3 : 2);
                return 0;
            }
        }
        if (isalpha((unsigned char)ch) || ch == '_') {
            size_t k = *i;
            while (k < len && (isalnum((unsigned char)s[k]) || s[k] == '_'))
                k++;
            struct ip_token *t = tok_push(out, TK_NAME, *i);
            t->p = s + *i;
            t->n = k - *i;
            *i = k;
        } else if (isdigit((unsigned char)ch)) {
            lex_number(s, len, i, out);
        } else if (ch == '\'' || ch == '"') {
            if (lex_string(s, len, i, a, out, err) < 0)
                return -1;
        } else if (strchr("+-*/%~<>=()[]{},.:|!", ch)) {
            size_t n = 1;
            for (int k = 0; ops2[k]; k++)
                if (*i + 1 < len && ops2[k][0] == ch && ops2[k][1] == s[*i + 1])
                    n = 2;
            if (n == 1 && ch == '!')
                return wv_error_set(err, WV_E_PARSE, (long)*i, "unexpected '!' at offset %zu",
                                    *i);
            if (ch == '(' || ch == '[' || ch == '{')
                depth++;
            if ((ch == ')' || ch == ']' || ch == '}') && depth > 0)
                depth--;
            struct ip_token *t = tok_push(out, TK_OP, *i);
            t->p = s + *i;
            t->n = n;
            *i += n;
        } else {
            return wv_error_set(err, WV_E_PARSE, (long)*i, "unexpected character '%c' at offset %zu",
                                ch, *i);
        }
    }
    return wv_error_set(err, WV_E_PARSE, (long)st, "unclosed '%s' opened at offset %zu",
                        block ? "{%" : "{{", st - 2);
}

/* Whether s[i..] is a `{% raw %}`-style tag named `word`; sets *end past it. */
static bool match_tag_word(const char *s, size_t len, size_t i, const char *word, size_t *end)
{
    if (i + 2 > len || s[i] != '{' || s[i + 1] != '%')
        return false;
    i += 2;
    if (i < len && (s[i] == '-' || s[i] == '+'))
        i++;
    while (i < len && isspace((unsigned char)s[i]))
        i++;
    size_t wn = strlen(word);
    if (i + wn > len || memcmp(s + i, word, wn) != 0)
        return false;
    i += wn;
    while (i < len && isspace((unsigned char)s[i]))
        i++;
    if (i < len && s[i] == '-')
        i++;
    if (i + 2 > len || s[i] != '%' || s[i + 1] != '}')
        return false;
    *end = i + 2;
    return true;
}

/* Emits a text token, applying whitespace control on both sides. */
static void emit_text(const char *s, size_t from, size_t to, bool lstrip, bool rstrip,
                      struct ip_tokens *out)
{
    if (lstrip)
        while (from < to && isspace((unsigned char)s[from]))
            from++;
    if (rstrip)
        while (to > from && isspace((unsigned char)s[to - 1]))
            to--;
    if (to > from) {
        struct ip_token *t = tok_push(out, TK_TEXT, from);
        t->p = s + from;
        t->n = to - from;
    }
}

/* Splits a template into tokens (text, delimiters, expression tokens). */
int conn_ip_lex(const char *s, size_t len, struct ip_arena *a, struct ip_tokens *out,
                struct wv_error *err)
{
    if (len && s[len - 1] == '\n') /* keep_trailing_newline=False */
        len -= (len >= 2 && s[len - 2] == '\r') ? 2 : 1;
    size_t i = 0, text = 0;
    bool lstrip = false;
    while (i < len) {
        size_t p = i;
        while (p + 1 < len && !(s[p] == '{' && (s[p + 1] == '{' || s[p + 1] == '%' ||
                                                s[p + 1] == '#')))
            p++;
        if (p + 1 >= len)
            break;
        char kind = s[p + 1];
        bool strip_before = p + 2 < len && s[p + 2] == '-';
        size_t raw_end;
        if (kind == '%' && match_tag_word(s, len, p, "raw", &raw_end)) {
            emit_text(s, text, p, lstrip, strip_before, out);
            size_t q = raw_end, e2 = 0;
            while (q < len && !match_tag_word(s, len, q, "endraw", &e2))
                q++;
            if (q >= len)
                return wv_error_set(err, WV_E_PARSE, (long)p, "missing endraw for raw at offset %zu", p);
            bool rs = q + 2 < len && s[q + 2] == '-';
            emit_text(s, raw_end, q, false, rs, out);
            i = text = e2;
            lstrip = s[e2 - 3] == '-';
            continue;
        }
        emit_text(s, text, p, lstrip, strip_before, out);
        i = p + 2 + (strip_before || (p + 2 < len && s[p + 2] == '+') ? 1 : 0);
        if (kind == '#') {
            const char *e = NULL;
            for (size_t q = i; q + 1 < len; q++)
                if (s[q] == '#' && s[q + 1] == '}') {
                    e = s + q;
                    break;
                }
            if (!e)
                return wv_error_set(err, WV_E_PARSE, (long)p, "unclosed comment at offset %zu", p);
            lstrip = e > s + i && e[-1] == '-';
            i = text = (size_t)(e - s) + 2;
            continue;
        }
        tok_push(out, kind == '%' ? TK_BLOCK_BEGIN : TK_VAR_BEGIN, p);
        if (lex_tag(s, len, &i, kind == '%', a, out, &lstrip, err) < 0)
            return -1;
        text = i;
    }
    emit_text(s, text, len, lstrip, false, out);
    tok_push(out, TK_EOF, len);
    return 0;
}
