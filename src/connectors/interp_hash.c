/* interp_hash.c - the digests and encodings behind the CDK's hash/hmac/base64 filters
 * (airbyte_cdk/sources/declarative/interpolation/filters.py): MD5 (RFC 1321), SHA-1
 * (FIPS 180-4, https://csrc.nist.gov/pubs/fips/180-4/upd1/final) and base64 (RFC 4648 section
 * 4, standard alphabet with padding); SHA-256 and HMAC-SHA256 come from base/sha256.c.
 * Any thread (pure). */
#include <string.h>

#include "base/sha256.h"
#include "connectors/interp_priv.h"

#define ROL(x, n) (((x) << (n)) | ((x) >> (32 - (n))))

/* Runs a Merkle-Damgard padding loop: calls block() on each 64-byte block. */
static void md_blocks(const unsigned char *p, size_t n, bool big_endian, uint32_t *st,
                      void (*block)(uint32_t *, const unsigned char *))
{
    size_t i = 0;
    for (; i + 64 <= n; i += 64)
        block(st, p + i);
    unsigned char tail[128] = {0};
    size_t r = n - i;
    memcpy(tail, p + i, r);
    tail[r] = 0x80;
    size_t tl = r + 1 + 8 <= 64 ? 64 : 128;
    uint64_t bits = (uint64_t)n * 8;
    for (int k = 0; k < 8; k++)
        tail[big_endian ? tl - 1 - k : tl - 8 + k] = (unsigned char)(bits >> (8 * k));
    block(st, tail);
    if (tl == 128)
        block(st, tail + 64);
}

static const uint32_t md5_k[64] = {
    0xd76aa478, 0xe8c7b756, 0x242070db, 0xc1bdceee, 0xf57c0faf, 0x4787c62a, 0xa8304613, 0xfd469501,
    0x698098d8, 0x8b44f7af, 0xffff5bb1, 0x895cd7be, 0x6b901122, 0xfd987193, 0xa679438e, 0x49b40821,
    0xf61e2562, 0xc040b340, 0x265e5a51, 0xe9b6c7aa, 0xd62f105d, 0x02441453, 0xd8a1e681, 0xe7d3fbc8,
    0x21e1cde6, 0xc33707d6, 0xf4d50d87, 0x455a14ed, 0xa9e3e905, 0xfcefa3f8, 0x676f02d9, 0x8d2a4c8a,
    0xfffa3942, 0x8771f681, 0x6d9d6122, 0xfde5380c, 0xa4beea44, 0x4bdecfa9, 0xf6bb4b60, 0xbebfbc70,
    0x289b7ec6, 0xeaa127fa, 0xd4ef3085, 0x04881d05, 0xd9d4d039, 0xe6db99e5, 0x1fa27cf8, 0xc4ac5665,
    0xf4292244, 0x432aff97, 0xab9423a7, 0xfc93a039, 0x655b59c3, 0x8f0ccc92, 0xffeff47d, 0x85845dd1,
    0x6fa87e4f, 0xfe2ce6e0, 0xa3014314, 0x4e0811a1, 0xf7537e82, 0xbd3af235, 0x2ad7d2bb, 0xeb86d391};
static const int md5_r[64] = {7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22,
                              5, 9,  14, 20, 5, 9,  14, 20, 5, 9,  14, 20, 5, 9,  14, 20,
                              4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23,
                              6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21};

/* One MD5 block. */
static void md5_block(uint32_t *st, const unsigned char *b)
{
    uint32_t w[16], a = st[0], bb = st[1], c = st[2], d = st[3];
    for (int i = 0; i < 16; i++)
        w[i] = (uint32_t)b[i * 4] | (uint32_t)b[i * 4 + 1] << 8 | (uint32_t)b[i * 4 + 2] << 16 |
               (uint32_t)b[i * 4 + 3] << 24;
    for (int i = 0; i < 64; i++) {
        uint32_t f;
        int g;
        if (i < 16) { f = (bb & c) | (~bb & d); g = i; }
        else if (i < 32) { f = (d & bb) | (~d & c); g = (5 * i + 1) % 16; }
        else if (i < 48) { f = bb ^ c ^ d; g = (3 * i + 5) % 16; }
        else { f = c ^ (bb | ~d); g = (7 * i) % 16; }
        uint32_t t = d;
        d = c;
        c = bb;
        bb = bb + ROL(a + f + md5_k[i] + w[g], md5_r[i]);
        a = t;
    }
    st[0] += a; st[1] += bb; st[2] += c; st[3] += d;
}

/* MD5 digest. */
void conn_ip_md5(const void *p, size_t n, unsigned char out[16])
{
    uint32_t st[4] = {0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476};
    md_blocks(p, n, false, st, md5_block);
    for (int i = 0; i < 16; i++)
        out[i] = (unsigned char)(st[i / 4] >> (8 * (i % 4)));
}

/* Loads a big-endian 32-bit word. */
static uint32_t be32(const unsigned char *b)
{
    return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

/* One SHA-1 block. */
static void sha1_block(uint32_t *st, const unsigned char *b)
{
    uint32_t w[80], a = st[0], bb = st[1], c = st[2], d = st[3], e = st[4];
    for (int i = 0; i < 16; i++)
        w[i] = be32(b + 4 * i);
    for (int i = 16; i < 80; i++)
        w[i] = ROL(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1);
    for (int i = 0; i < 80; i++) {
        uint32_t f, k;
        if (i < 20) { f = (bb & c) | (~bb & d); k = 0x5a827999; }
        else if (i < 40) { f = bb ^ c ^ d; k = 0x6ed9eba1; }
        else if (i < 60) { f = (bb & c) | (bb & d) | (c & d); k = 0x8f1bbcdc; }
        else { f = bb ^ c ^ d; k = 0xca62c1d6; }
        uint32_t t = ROL(a, 5) + f + e + k + w[i];
        e = d; d = c; c = ROL(bb, 30); bb = a; a = t;
    }
    st[0] += a; st[1] += bb; st[2] += c; st[3] += d; st[4] += e;
}

/* SHA-1 digest. */
void conn_ip_sha1(const void *p, size_t n, unsigned char out[20])
{
    uint32_t st[5] = {0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476, 0xc3d2e1f0};
    md_blocks(p, n, true, st, sha1_block);
    for (int i = 0; i < 20; i++)
        out[i] = (unsigned char)(st[i / 4] >> (24 - 8 * (i % 4)));
}

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* Standard base64 with padding, into the arena. */
char *conn_ip_b64enc(struct ip_arena *a, const unsigned char *p, size_t n, size_t *outn)
{
    char *o = conn_ip_alloc(a, (n + 2) / 3 * 4 + 1);
    size_t j = 0;
    for (size_t i = 0; i < n; i += 3) {
        uint32_t v = (uint32_t)p[i] << 16;
        if (i + 1 < n)
            v |= (uint32_t)p[i + 1] << 8;
        if (i + 2 < n)
            v |= p[i + 2];
        o[j++] = b64[(v >> 18) & 63];
        o[j++] = b64[(v >> 12) & 63];
        o[j++] = i + 1 < n ? b64[(v >> 6) & 63] : '=';
        o[j++] = i + 2 < n ? b64[v & 63] : '=';
    }
    o[j] = '\0';
    *outn = j;
    return o;
}

/* Decodes base64 like Python's b64decode (non-alphabet characters are skipped, padding
 * required); NULL when malformed. */
char *conn_ip_b64dec(struct ip_arena *a, const char *p, size_t n, size_t *outn)
{
    char *o = conn_ip_alloc(a, n / 4 * 3 + 4);
    uint32_t v = 0;
    size_t j = 0, q = 0, pad = 0;
    for (size_t i = 0; i < n; i++) {
        const char *k = p[i] ? strchr(b64, p[i]) : NULL;
        if (p[i] == '=') {
            pad++;
            continue;
        }
        if (!k)
            continue;
        if (pad)
            return NULL;
        v = v << 6 | (uint32_t)(k - b64);
        if (++q == 4) {
            o[j++] = (char)(v >> 16);
            o[j++] = (char)(v >> 8);
            o[j++] = (char)v;
            q = 0;
            v = 0;
        }
    }
    if (q == 1 || (q && q + pad < 4))
        return NULL;
    if (q == 2)
        o[j++] = (char)(v >> 4);
    if (q == 3) {
        o[j++] = (char)(v >> 10);
        o[j++] = (char)(v >> 2);
    }
    o[j] = '\0';
    *outn = j;
    return o;
}
