/* json_num.c - JSON numbers and value comparison: number nodes from int64/double/text, exact
 * int64 and double reads of number text, structural equality and the total order used for
 * cursors. Number text follows RFC 8259 section 6 (https://www.rfc-editor.org/rfc/rfc8259);
 * numbers compare exactly by decimal value, never through double. Any thread. */
#include "base/json.h"

#include <inttypes.h>
#include <locale.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/json_int.h"

/* The "C" locale, so number text never depends on the process LC_NUMERIC. */
static locale_t c_locale;
static pthread_once_t c_locale_once = PTHREAD_ONCE_INIT;

/* Creates the C locale object once. */
static void c_locale_init(void) { c_locale = newlocale(LC_ALL_MASK, "C", (locale_t)0); }

/* strtod in the C locale. */
static double strtod_c(const char *s, char **endp)
{
    pthread_once(&c_locale_once, c_locale_init);
    locale_t old = c_locale ? uselocale(c_locale) : (locale_t)0;
    double d = strtod(s, endp);
    if (c_locale)
        uselocale(old);
    return d;
}

/* ---- number constructors ---- */

/* An integer number node. */
struct wv_json *wv_json_int(int64_t v)
{
    char buf[32];
    int n = snprintf(buf, sizeof buf, "%" PRId64, v);
    return wv_json_int_node_text(WV_JSON_NUMBER, buf, (size_t)n);
}

/* A double as the shortest of %.15g/%.16g/%.17g that reads back exactly; null if not finite. */
struct wv_json *wv_json_double(double v)
{
    if (!isfinite(v))
        return wv_json_null();
    char buf[40];
    int n = 0;
    pthread_once(&c_locale_once, c_locale_init);
    locale_t old = c_locale ? uselocale(c_locale) : (locale_t)0;
    for (int prec = 15; prec <= 17; prec++) {
        n = snprintf(buf, sizeof buf, "%.*g", prec, v);
        if (strtod(buf, NULL) == v)
            break;
    }
    if (c_locale)
        uselocale(old);
    return wv_json_int_node_text(WV_JSON_NUMBER, buf, (size_t)n);
}

/* A number from JSON number text, or NULL. */
struct wv_json *wv_json_number_text(const char *text)
{
    if (!text)
        return NULL;
    size_t len = strlen(text);
    const unsigned char *s = (const unsigned char *)text;
    if (!len || wv_json_int_scan_number(s, s + len) != len)
        return NULL;
    return wv_json_int_node_text(WV_JSON_NUMBER, text, len);
}

/* ---- exact decimal view of number text ---- */

/* value = (neg ? -1 : 1) * 0.D * 10^exp10, D = significant digits without leading/trailing 0s. */
struct dec {
    bool neg, zero;
    const char *ip, *fp; /* integer and fraction digits */
    size_t ilen, flen;
    size_t lead, ndig;   /* offset of the first significant digit in ip+fp, and count */
    long long exp10;
};

/* Digit i of the concatenated integer and fraction digits. */
static char dec_digit(const struct dec *d, size_t i)
{
    return i < d->ilen ? d->ip[i] : d->fp[i - d->ilen];
}

/* Splits number text into a struct dec (text assumed to follow the JSON grammar). */
static void dec_parse(const char *s, struct dec *d)
{
    memset(d, 0, sizeof *d);
    if (*s == '-') {
        d->neg = true;
        s++;
    }
    d->ip = s;
    while (*s >= '0' && *s <= '9')
        s++;
    d->ilen = (size_t)(s - d->ip);
    d->fp = s;
    if (*s == '.') {
        d->fp = ++s;
        while (*s >= '0' && *s <= '9')
            s++;
        d->flen = (size_t)(s - d->fp);
    }
    long long e = 0;
    if (*s == 'e' || *s == 'E') {
        bool eneg = *++s == '-';
        if (*s == '-' || *s == '+')
            s++;
        for (; *s >= '0' && *s <= '9'; s++)
            if (e < 1000000000000LL)
                e = e * 10 + (*s - '0');
        e = eneg ? -e : e;
    }
    size_t n = d->ilen + d->flen, lead = 0, last = n;
    while (lead < n && dec_digit(d, lead) == '0')
        lead++;
    while (last > lead && dec_digit(d, last - 1) == '0')
        last--;
    d->zero = lead == n;
    d->lead = lead;
    d->ndig = last - lead;
    d->exp10 = (long long)d->ilen - (long long)lead + e;
}

/* Compares magnitudes of two nonzero decimals. */
static int dec_cmp_mag(const struct dec *a, const struct dec *b)
{
    if (a->exp10 != b->exp10)
        return a->exp10 < b->exp10 ? -1 : 1;
    size_t n = a->ndig < b->ndig ? a->ndig : b->ndig;
    for (size_t i = 0; i < n; i++) {
        char x = dec_digit(a, a->lead + i), y = dec_digit(b, b->lead + i);
        if (x != y)
            return x < y ? -1 : 1;
    }
    return a->ndig == b->ndig ? 0 : a->ndig < b->ndig ? -1 : 1;
}

/* Exact numeric comparison of two number texts. */
static int number_cmp(const char *x, const char *y)
{
    struct dec a, b;
    dec_parse(x ? x : "0", &a);
    dec_parse(y ? y : "0", &b);
    int sa = a.zero ? 0 : a.neg ? -1 : 1, sb = b.zero ? 0 : b.neg ? -1 : 1;
    if (sa != sb)
        return sa < sb ? -1 : 1;
    if (sa == 0)
        return 0;
    int c = dec_cmp_mag(&a, &b);
    return sa > 0 ? c : -c;
}

/* NUMBER as int64 when integral and in range (exact, from the text). */
int wv_json_as_i64(const struct wv_json *j, int64_t *out)
{
    if (!j || j->type != WV_JSON_NUMBER || !j->s)
        return -1;
    struct dec d;
    dec_parse(j->s, &d);
    if (d.zero) {
        *out = 0;
        return 0;
    }
    if (d.exp10 < (long long)d.ndig || d.exp10 > 19)
        return -1; /* a fraction, or at least 10^19 */
    unsigned long long v = 0;
    for (size_t i = 0; i < d.ndig; i++)
        v = v * 10 + (unsigned long long)(dec_digit(&d, d.lead + i) - '0');
    for (long long i = (long long)d.ndig; i < d.exp10; i++)
        v *= 10;
    if (d.neg) {
        if (v > (unsigned long long)INT64_MAX + 1)
            return -1;
        *out = v == (unsigned long long)INT64_MAX + 1 ? INT64_MIN : -(int64_t)v;
    } else {
        if (v > (unsigned long long)INT64_MAX)
            return -1;
        *out = (int64_t)v;
    }
    return 0;
}

/* NUMBER as a finite double. */
int wv_json_as_double(const struct wv_json *j, double *out)
{
    if (!j || j->type != WV_JSON_NUMBER || !j->s)
        return -1;
    char *end;
    double d = strtod_c(j->s, &end);
    if (end == j->s || !isfinite(d))
        return -1;
    *out = d;
    return 0;
}

/* ---- equality and order ---- */

/* Structural equality; numbers by value, key order ignored. */
bool wv_json_equal(const struct wv_json *a, const struct wv_json *b)
{
    if (a == b)
        return true;
    if (!a || !b || a->type != b->type)
        return false;
    switch (a->type) {
    case WV_JSON_NULL:
        return true;
    case WV_JSON_BOOL:
        return a->b == b->b;
    case WV_JSON_NUMBER:
        return number_cmp(a->s, b->s) == 0;
    case WV_JSON_STRING:
        return a->slen == b->slen && (a->slen == 0 || memcmp(a->s, b->s, a->slen) == 0);
    case WV_JSON_ARRAY:
        if (a->len != b->len)
            return false;
        for (size_t i = 0; i < a->len; i++)
            if (!wv_json_equal(a->items[i], b->items[i]))
                return false;
        return true;
    case WV_JSON_OBJECT:
        if (a->len != b->len)
            return false;
        for (size_t i = 0; i < a->len; i++) {
            size_t k = wv_json_int_obj_index(b, a->keys[i]); /* wv_json_get, inlined */
            const struct wv_json *bv = k == SIZE_MAX ? NULL : b->items[k];
            if (!bv || !wv_json_equal(a->items[i], bv))
                return false;
        }
        return true;
    }
    return false;
}

struct member {
    const char *key;
    const struct wv_json *val;
};

/* qsort order of members by key. */
static int member_cmp(const void *x, const void *y)
{
    return strcmp(((const struct member *)x)->key, ((const struct member *)y)->key);
}

/* The members of an object sorted by key; caller frees. */
static struct member *sorted_members(const struct wv_json *o)
{
    struct member *m = wv_malloc((o->len ? o->len : 1) * sizeof *m);
    for (size_t i = 0; i < o->len; i++) {
        m[i].key = o->keys[i];
        m[i].val = o->items[i];
    }
    qsort(m, o->len, sizeof *m, member_cmp);
    return m;
}

/* Objects ordered by their key-sorted (key, value) pairs, then size. */
static int object_cmp(const struct wv_json *a, const struct wv_json *b)
{
    struct member *ma = sorted_members(a), *mb = sorted_members(b);
    size_t n = a->len < b->len ? a->len : b->len;
    int c = 0;
    for (size_t i = 0; i < n && c == 0; i++) {
        c = strcmp(ma[i].key, mb[i].key);
        if (c == 0)
            c = wv_json_compare(ma[i].val, mb[i].val);
    }
    free(ma);
    free(mb);
    if (c == 0 && a->len != b->len)
        c = a->len < b->len ? -1 : 1;
    return c;
}

/* Total order: type rank, then value. A NULL pointer sorts first. */
int wv_json_compare(const struct wv_json *a, const struct wv_json *b)
{
    if (!a || !b)
        return a == b ? 0 : !a ? -1 : 1;
    if (a->type != b->type)
        return a->type < b->type ? -1 : 1;
    switch (a->type) {
    case WV_JSON_NULL:
        return 0;
    case WV_JSON_BOOL:
        return (int)a->b - (int)b->b;
    case WV_JSON_NUMBER:
        return number_cmp(a->s, b->s);
    case WV_JSON_STRING: {
        size_t n = a->slen < b->slen ? a->slen : b->slen;
        int c = n ? memcmp(a->s, b->s, n) : 0;
        if (c)
            return c < 0 ? -1 : 1;
        return a->slen == b->slen ? 0 : a->slen < b->slen ? -1 : 1;
    }
    case WV_JSON_ARRAY: {
        size_t n = a->len < b->len ? a->len : b->len;
        for (size_t i = 0; i < n; i++) {
            int c = wv_json_compare(a->items[i], b->items[i]);
            if (c)
                return c;
        }
        return a->len == b->len ? 0 : a->len < b->len ? -1 : 1;
    }
    case WV_JSON_OBJECT:
        return object_cmp(a, b);
    }
    return 0;
}
