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
#include "storage/s3_int.h"

static const uint32_t K256[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2};

#define ROR(x, n) (((x) >> (n)) | ((x) << (32 - (n))))

/* Processes one 64-byte block (FIPS 180-4 6.2.2). */
static void sha256_block(uint32_t h[8], const uint8_t *p)
{
    uint32_t w[64];
    for (int i = 0; i < 16; i++)
        w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 |
               (uint32_t)p[4 * i + 2] << 8 | (uint32_t)p[4 * i + 3];
    for (int i = 16; i < 64; i++) {
        uint32_t s0 = ROR(w[i - 15], 7) ^ ROR(w[i - 15], 18) ^ (w[i - 15] >> 3);
        uint32_t s1 = ROR(w[i - 2], 17) ^ ROR(w[i - 2], 19) ^ (w[i - 2] >> 10);
        w[i] = w[i - 16] + s0 + w[i - 7] + s1;
    }
    uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], k = h[7];
    for (int i = 0; i < 64; i++) {
        uint32_t t1 =
            k + (ROR(e, 6) ^ ROR(e, 11) ^ ROR(e, 25)) + ((e & f) ^ (~e & g)) + K256[i] + w[i];
        uint32_t t2 = (ROR(a, 2) ^ ROR(a, 13) ^ ROR(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
        k = g;
        g = f;
        f = e;
        e = d + t1;
        d = c;
        c = b;
        b = a;
        a = t1 + t2;
    }
    h[0] += a, h[1] += b, h[2] += c, h[3] += d, h[4] += e, h[5] += f, h[6] += g, h[7] += k;
}

/* Initial hash value (FIPS 180-4 5.3.3). */
void stor_s3_sha256_init(struct stor_s3_sha256 *c)
{
    static const uint32_t h0[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                                   0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
    memcpy(c->h, h0, sizeof h0);
    c->bytes = 0;
    c->n = 0;
}

/* Feeds bytes. */
void stor_s3_sha256_update(struct stor_s3_sha256 *c, const void *data, size_t len)
{
    const uint8_t *p = data;
    c->bytes += len;
    if (c->n) {
        size_t take = 64 - c->n < len ? 64 - c->n : len;
        memcpy(c->block + c->n, p, take);
        c->n += take, p += take, len -= take;
        if (c->n < 64)
            return;
        sha256_block(c->h, c->block);
        c->n = 0;
    }
    for (; len >= 64; p += 64, len -= 64)
        sha256_block(c->h, p);
    memcpy(c->block, p, len);
    c->n = len;
}

/* Pads (FIPS 180-4 5.1.1) and writes the digest. */
void stor_s3_sha256_final(struct stor_s3_sha256 *c, uint8_t out[32])
{
    uint64_t bits = c->bytes * 8;
    uint8_t pad[72] = {0x80};
    size_t padlen = (c->n < 56 ? 56 : 120) - c->n;
    for (int i = 0; i < 8; i++)
        pad[padlen + (size_t)i] = (uint8_t)(bits >> (56 - 8 * i));
    stor_s3_sha256_update(c, pad, padlen + 8);
    for (int i = 0; i < 8; i++) {
        out[4 * i] = (uint8_t)(c->h[i] >> 24);
        out[4 * i + 1] = (uint8_t)(c->h[i] >> 16);
        out[4 * i + 2] = (uint8_t)(c->h[i] >> 8);
        out[4 * i + 3] = (uint8_t)c->h[i];
    }
}

/* One-shot SHA-256. */
void stor_s3_sha256(const void *data, size_t len, uint8_t out[32])
{
    struct stor_s3_sha256 c;
    stor_s3_sha256_init(&c);
    stor_s3_sha256_update(&c, data, len);
    stor_s3_sha256_final(&c, out);
}

/* HMAC-SHA256 (RFC 2104, block size 64). */
void stor_s3_hmac_sha256(const void *key, size_t key_len, const void *msg, size_t msg_len,
                         uint8_t out[32])
{
    uint8_t k[64] = {0}, ipad[64], opad[64], inner[32];
    if (key_len > 64)
        stor_s3_sha256(key, key_len, k);
    else
        memcpy(k, key, key_len);
    for (int i = 0; i < 64; i++) {
        ipad[i] = k[i] ^ 0x36;
        opad[i] = k[i] ^ 0x5c;
    }
    struct stor_s3_sha256 c;
    stor_s3_sha256_init(&c);
    stor_s3_sha256_update(&c, ipad, 64);
    stor_s3_sha256_update(&c, msg, msg_len);
    stor_s3_sha256_final(&c, inner);
    stor_s3_sha256_init(&c);
    stor_s3_sha256_update(&c, opad, 64);
    stor_s3_sha256_update(&c, inner, 32);
    stor_s3_sha256_final(&c, out);
}

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
    stor_s3_hmac_sha256(k0, strlen(k0), r->amz_date, 8, a);
    memset(k0, 0, strlen(k0));
    free(k0);
    stor_s3_hmac_sha256(a, 32, r->region, strlen(r->region), b);
    stor_s3_hmac_sha256(b, 32, r->service, strlen(r->service), a);
    stor_s3_hmac_sha256(a, 32, "aws4_request", 12, out);
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
        stor_s3_sha256(cr.data, cr.len, d);
        stor_s3_hex(d, 32, hex);
        rc = wv_buf_printf(&sts, err, "AWS4-HMAC-SHA256\n%s\n%.8s/%s/%s/aws4_request\n%s",
                           r->amz_date, r->amz_date, r->region, r->service, hex);
    }
    if (rc == 0) {
        uint8_t key[32];
        signing_key(r, key);
        stor_s3_hmac_sha256(key, 32, sts.data, sts.len, d);
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
