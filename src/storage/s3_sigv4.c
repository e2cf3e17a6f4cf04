/* s3_sigv4.c - AWS Signature Version 4 for weaver's S3 client, with its own SHA-256 and
 * HMAC-SHA256 (no crypto library is linked). Pure functions: any thread.
 * Follows "Signature Version 4 signing process" / "Create a signed AWS API request" (AWS IAM
 * User Guide, docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html) and S3's
 * "Signature Calculations for the Authorization Header: Transferring Payload in a Single Chunk"
 * (docs.aws.amazon.com/AmazonS3/latest/API/sig-v4-header-based-auth.html); SHA-256 per FIPS
 * 180-4 section 6.2, HMAC per RFC 2104. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/clock.h"
#include "base/mem.h"
#include "base/sha256.h"
#include "storage/s3_int.h"

/* Lower-case hex. */
void stor_s3_hex(const uint8_t *p, size_t n, char *out)
{
    static const char hx[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = hx[p[i] >> 4];
        out[2 * i + 1] = hx[p[i] & 15];
    }
    out[2 * n] = '\0';
}

/* UriEncode() of the SigV4 documentation. */
int stor_s3_uri_encode(struct wv_buf *out, const char *s, int encode_slash, struct wv_error *err)
{
    static const char HX[] = "0123456789ABCDEF";
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        unsigned char ch = *p;
        int keep = (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
                   (ch >= '0' && ch <= '9') || ch == '-' || ch == '.' || ch == '_' || ch == '~' ||
                   (ch == '/' && !encode_slash);
        if (keep) {
            if (wv_buf_putc(out, (char)ch, err) < 0)
                return -1;
        } else {
            char e[3] = {'%', HX[ch >> 4], HX[ch & 15]};
            if (wv_buf_append(out, e, 3, err) < 0)
                return -1;
        }
    }
    return 0;
}

struct enc_pair {
    char *k, *v;
};

/* Orders encoded query pairs by name, then value (byte order). */
static int pair_cmp(const void *a, const void *b)
{
    const struct enc_pair *x = a, *y = b;
    int c = strcmp(x->k, y->k);
    return c ? c : strcmp(x->v, y->v);
}

/* CanonicalQueryString: encoded names and values, sorted, joined with '&'. */
static int canonical_query(const struct stor_s3_sig_req *r, struct wv_buf *out,
                           struct wv_error *err)
{
    if (r->n_query == 0)
        return wv_buf_puts(out, "", err);
    struct enc_pair *v = wv_calloc(r->n_query, sizeof *v);
    int rc = 0;
    struct wv_buf t;
    wv_buf_init(&t, 0);
    for (size_t i = 0; i < r->n_query && rc == 0; i++) {
        wv_buf_reset(&t);
        rc = stor_s3_uri_encode(&t, r->query[i].name, 1, err);
        v[i].k = wv_strdup(wv_buf_cstr(&t));
        wv_buf_reset(&t);
        if (rc == 0 && r->query[i].value)
            rc = stor_s3_uri_encode(&t, r->query[i].value, 1, err);
        v[i].v = wv_strdup(wv_buf_cstr(&t));
    }
    wv_buf_done(&t);
    if (rc == 0)
        qsort(v, r->n_query, sizeof *v, pair_cmp);
    for (size_t i = 0; i < r->n_query; i++) {
        if (rc == 0)
            rc = wv_buf_printf(out, err, "%s%s=%s", i ? "&" : "", v[i].k, v[i].v);
        free(v[i].k);
        free(v[i].v);
    }
    free(v);
    return rc;
}

/* Orders headers by lower-cased name. */
static int hdr_cmp(const void *a, const void *b)
{
    return strcasecmp(((const struct stor_s3_kv *)a)->name, ((const struct stor_s3_kv *)b)->name);
}

/* Appends "name:value\n" with the name lower-cased and the value trimmed, inner runs of spaces
 * collapsed to one. */
static int put_header(struct wv_buf *b, const struct stor_s3_kv *h, struct wv_error *err)
{
    for (const char *p = h->name; *p; p++)
        if (wv_buf_putc(b, (char)((*p >= 'A' && *p <= 'Z') ? *p + 32 : *p), err) < 0)
            return -1;
    if (wv_buf_putc(b, ':', err) < 0)
        return -1;
    const char *v = h->value ? h->value : "";
    while (*v == ' ' || *v == '\t')
        v++;
    size_t n = strlen(v);
    while (n && (v[n - 1] == ' ' || v[n - 1] == '\t'))
        n--;
    for (size_t i = 0; i < n; i++) {
        int sp = v[i] == ' ' || v[i] == '\t';
        if (sp && i > 0 && (v[i - 1] == ' ' || v[i - 1] == '\t'))
            continue;
        if (wv_buf_putc(b, sp ? ' ' : v[i], err) < 0)
            return -1;
    }
    return wv_buf_putc(b, '\n', err);
}

/* CanonicalHeaders and SignedHeaders. */
static int canonical_headers(const struct stor_s3_sig_req *r, struct wv_buf *ch, struct wv_buf *sh,
                             struct wv_error *err)
{
    struct stor_s3_kv *h = wv_calloc(r->n_headers ? r->n_headers : 1, sizeof *h);
    memcpy(h, r->headers, r->n_headers * sizeof *h);
    qsort(h, r->n_headers, sizeof *h, hdr_cmp);
    int rc = 0;
    for (size_t i = 0; i < r->n_headers && rc == 0; i++) {
        rc = put_header(ch, &h[i], err);
        if (rc == 0 && i)
            rc = wv_buf_putc(sh, ';', err);
        for (const char *p = h[i].name; *p && rc == 0; p++)
            rc = wv_buf_putc(sh, (char)((*p >= 'A' && *p <= 'Z') ? *p + 32 : *p), err);
    }
    free(h);
    return rc;
}

/* kSigning = HMAC(HMAC(HMAC(HMAC("AWS4" + secret, date), region), service), "aws4_request"). */
static void signing_key(const struct stor_s3_sig_req *r, uint8_t out[32])
{
    char *k0 = wv_asprintf("AWS4%s", r->secret_key);
    uint8_t a[32], b[32];
    wv_hmac_sha256(k0, strlen(k0), r->amz_date, 8, a);
    memset(k0, 0, strlen(k0));
    free(k0);
    wv_hmac_sha256(a, 32, r->region, strlen(r->region), b);
    wv_hmac_sha256(b, 32, r->service, strlen(r->service), a);
    wv_hmac_sha256(a, 32, "aws4_request", 12, out);
}

/* Signs a request (see s3_int.h). */
int stor_s3_sign(const struct stor_s3_sig_req *r, struct stor_s3_sig *out, struct wv_error *err)
{
    memset(out, 0, sizeof *out);
    if (!r->amz_date || strlen(r->amz_date) != 16)
        return wv_error_set(err, WV_E_INTERNAL, 0, "SigV4: bad x-amz-date");
    struct wv_buf q, ch, sh, cr, sts;
    wv_buf_init(&q, 0), wv_buf_init(&ch, 0), wv_buf_init(&sh, 0);
    wv_buf_init(&cr, 0), wv_buf_init(&sts, 0);
    int rc = canonical_query(r, &q, err);
    if (rc == 0)
        rc = canonical_headers(r, &ch, &sh, err);
    if (rc == 0)
        rc = wv_buf_printf(&cr, err, "%s\n%s\n%s\n%s\n%s\n%s", r->method, r->uri, wv_buf_cstr(&q),
                           wv_buf_cstr(&ch), wv_buf_cstr(&sh), r->payload_hash);
    uint8_t d[32];
    char hex[65];
    if (rc == 0) {
        wv_sha256(cr.data, cr.len, d);
        stor_s3_hex(d, 32, hex);
        rc = wv_buf_printf(&sts, err, "AWS4-HMAC-SHA256\n%s\n%.8s/%s/%s/aws4_request\n%s",
                           r->amz_date, r->amz_date, r->region, r->service, hex);
    }
    if (rc == 0) {
        uint8_t key[32];
        signing_key(r, key);
        wv_hmac_sha256(key, 32, sts.data, sts.len, d);
        memset(key, 0, sizeof key);
        stor_s3_hex(d, 32, out->signature);
        out->authorization = wv_asprintf(
            "AWS4-HMAC-SHA256 Credential=%s/%.8s/%s/%s/aws4_request, SignedHeaders=%s, "
            "Signature=%s",
            r->access_key, r->amz_date, r->region, r->service, wv_buf_cstr(&sh), out->signature);
    }
    out->canonical_query = wv_buf_steal(&q, NULL);
    out->signed_headers = wv_buf_steal(&sh, NULL);
    out->canonical_request = wv_buf_steal(&cr, NULL);
    out->string_to_sign = wv_buf_steal(&sts, NULL);
    wv_buf_done(&ch);
    if (rc < 0)
        stor_s3_sig_done(out);
    return rc;
}

/* Frees the signer output. */
void stor_s3_sig_done(struct stor_s3_sig *s)
{
    free(s->canonical_query);
    free(s->canonical_request);
    free(s->string_to_sign);
    free(s->signed_headers);
    free(s->authorization);
    memset(s, 0, sizeof *s);
}

/* ISO 8601 basic format used by x-amz-date. */
void stor_s3_amz_date(int64_t ms, char buf[17])
{
    struct wv_tm tm;
    wv_time_split(ms, &tm);
    char tmp[32];
    snprintf(tmp, sizeof tmp, "%04d%02d%02dT%02d%02d%02dZ", tm.year, tm.month, tm.day, tm.hour,
             tm.min, tm.sec);
    wv_strlcpy(buf, tmp, 17);
}
