/* pq_convert.c - one JSON value to the Parquet value of its column: INT64 from integral numbers,
 * DOUBLE from finite numbers, BOOLEAN, STRING (valid UTF-8 only), TIMESTAMP/DATE from RFC 3339
 * text, JSON as compact text. Numbers take a fast path when their text is short enough to be
 * converted exactly (Clinger's: at most 2^53 as an integer, scaled by at most 10^22); anything
 * else goes through base/json's conversions. The writer's thread. */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "storage/pq_write_int.h"

/* Whether s[0..n) is ASCII: 8 bytes at a time, the last 8 overlapping. */
static bool ascii(const unsigned char *s, size_t n)
{
    uint64_t acc = 0, w;
    if (n < 8) {
        for (size_t i = 0; i < n; i++)
            acc |= s[i];
        return acc < 0x80;
    }
    for (size_t i = 0; i + 8 <= n; i += 8) {
        memcpy(&w, s + i, 8);
        acc |= w;
    }
    memcpy(&w, s + n - 8, 8);
    return ((acc | w) & 0x8080808080808080u) == 0;
}

/* Whether s[0..n) is valid UTF-8 (no overlongs, surrogates or values past U+10FFFF). */
static bool utf8_valid(const unsigned char *s, size_t n)
{
    if (ascii(s, n))
        return true;
    for (size_t i = 0; i < n;) {
        if (s[i] < 0x80) {
            i++;
            continue;
        }
        unsigned c = s[i];
        size_t k = c < 0x80             ? 0
                   : (c & 0xE0) == 0xC0 ? 1
                   : (c & 0xF0) == 0xE0 ? 2
                   : (c & 0xF8) == 0xF0 ? 3
                                        : 9;
        if (k == 9 || i + k >= n + (k == 0))
            return false;
        uint32_t cp = k == 0 ? c : c & (0x3Fu >> k);
        for (size_t j = 1; j <= k; j++) {
            if ((s[i + j] & 0xC0) != 0x80)
                return false;
            cp = cp << 6 | (s[i + j] & 0x3F);
        }
        static const uint32_t min_cp[] = {0, 0x80, 0x800, 0x10000};
        if (cp < min_cp[k] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return false;
        i += k + 1;
    }
    return true;
}

/* A JSON number's text split into sign, up to 19 significant digits and a power of ten; false
 * when it has more digits (or an exponent past +-9999), which the slow path handles. */
static bool split_number(const char *s, size_t n, bool *neg, uint64_t *m, int *e10)
{
    size_t i = 0;
    int nd = 0, e = 0;
    uint64_t v = 0;
    *neg = n > 0 && s[0] == '-';
    i += *neg;
    for (; i < n && s[i] >= '0' && s[i] <= '9'; i++) {
        if (v == 0 && s[i] == '0')
            continue;
        if (++nd > 19)
            return false;
        v = v * 10 + (uint64_t)(s[i] - '0');
    }
    if (i < n && s[i] == '.') {
        for (i++; i < n && s[i] >= '0' && s[i] <= '9'; i++, e--) {
            if (v == 0 && s[i] == '0')
                continue;
            if (++nd > 19)
                return false;
            v = v * 10 + (uint64_t)(s[i] - '0');
        }
    }
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        bool eneg = i < n && s[i] == '-';
        if (i < n && (s[i] == '-' || s[i] == '+'))
            i++;
        int x = 0;
        for (; i < n && s[i] >= '0' && s[i] <= '9'; i++)
            if ((x = x * 10 + (s[i] - '0')) > 9999)
                return false;
        e += eneg ? -x : x;
    }
    if (i != n)
        return false;
    *m = v, *e10 = e;
    return true;
}

/* An integral number without a fraction or exponent, in int64 range. */
static int as_i64(const struct wv_json *j, int64_t *out)
{
    const char *s = j->s;
    size_t n = j->slen, i = s && n && s[0] == '-';
    if (s && n > i && n - i <= 18) {
        int64_t v = 0;
        for (; i < n && s[i] >= '0' && s[i] <= '9'; i++)
            v = v * 10 + (s[i] - '0');
        if (i == n) {
            *out = s[0] == '-' ? -v : v;
            return 0;
        }
    }
    return wv_json_as_i64(j, out);
}

/* A number as a double, exactly as strtod would round it. */
static int as_double(const struct wv_json *j, double *out)
{
    static const double p10[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                 1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
    bool neg;
    uint64_t m;
    int e;
    if (j->s && split_number(j->s, j->slen, &neg, &m, &e)) {
        if (m == 0) {
            *out = neg ? -0.0 : 0.0;
            return 0;
        }
        if (m <= (uint64_t)1 << 53 && e >= -22 && e <= 22) {
            double d = (double)m;
            d = e < 0 ? d / p10[-e] : d * p10[e];
            *out = neg ? -d : d;
            return 0;
        }
    }
    return wv_json_as_double(j, out);
}

/* The message for a value that does not fit its column (kept out of the hot path). */
static int misfit(const struct stor_pq_writer *w, const struct pq_col *c, const struct wv_json *j,
                  struct wv_error *err)
{
    int64_t row = w->rows + 1;
    if (!j || j->type == WV_JSON_NULL)
        return wv_error_set(err, WV_E_PARSE, 0,
                            "column \"%s\", row %lld: null in a required column", c->name,
                            (long long)row);
    const char *want = stor_pq_type_name(c->type);
    if ((c->type == STOR_PQ_STRING || c->type == STOR_PQ_TIMESTAMP || c->type == STOR_PQ_DATE) &&
        j->type == WV_JSON_STRING)
        return wv_error_set(err, WV_E_PARSE, 0, "column \"%s\", row %lld: not a valid %s%s",
                            c->name, (long long)row, want,
                            c->type == STOR_PQ_STRING ? " (invalid UTF-8)" : " string");
    return wv_error_set(err, WV_E_PARSE, 0, "column \"%s\", row %lld: a %s%s does not fit type %s",
                        c->name, (long long)row, wv_json_type_name(j->type),
                        j->type == WV_JSON_NUMBER && c->type == STOR_PQ_INT64
                            ? " out of range or not integral"
                            : "",
                        want);
}

/* Converts one JSON value for column c into v; -1 with a message naming column and row. */
int stor_pq_convert(const struct stor_pq_writer *w, struct pq_col *c, const struct wv_json *j,
                    struct pq_val *v, struct wv_error *err)
{
    memset(v, 0, sizeof *v);
    if (!j || j->type == WV_JSON_NULL) {
        v->null = true;
        return c->optional ? 0 : misfit(w, c, j, err);
    }
    bool ok = false;
    switch (c->type) {
    case STOR_PQ_INT64:
        ok = j->type == WV_JSON_NUMBER && as_i64(j, &v->i) == 0;
        break;
    case STOR_PQ_DOUBLE:
        ok = j->type == WV_JSON_NUMBER && as_double(j, &v->d) == 0 && isfinite(v->d);
        break;
    case STOR_PQ_BOOLEAN:
        ok = j->type == WV_JSON_BOOL;
        v->b = j->b;
        break;
    case STOR_PQ_STRING:
        ok = j->type == WV_JSON_STRING && utf8_valid((const unsigned char *)j->s, j->slen);
        v->s = j->s, v->n = j->slen;
        break;
    case STOR_PQ_TIMESTAMP:
        ok = j->type == WV_JSON_STRING &&
             stor_pq_parse_timestamp_cached(j->s, j->slen, &c->dates, &v->i) == 0;
        break;
    case STOR_PQ_DATE: {
        int32_t d = 0;
        ok = j->type == WV_JSON_STRING && stor_pq_parse_date(j->s, j->slen, &d) == 0;
        v->i = d;
        break;
    }
    case STOR_PQ_JSON:
        wv_buf_reset(&c->tmp);
        ok = wv_json_write(&c->tmp, j, NULL) == 0;
        v->s = wv_buf_cstr(&c->tmp), v->n = c->tmp.len;
        break;
    }
    if (!ok)
        return misfit(w, c, j, err);
    if (v->n > (size_t)INT32_MAX)
        return wv_error_set(err, WV_E_LIMIT, 0,
                            "column \"%s\", row %lld: value of %zu bytes too long", c->name,
                            (long long)(w->rows + 1), v->n);
    return 0;
}
