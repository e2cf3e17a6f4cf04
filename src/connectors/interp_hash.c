/* interp_hash.c - the digests and encodings behind the CDK's hash/hmac/base64 filters
 * (airbyte_cdk/sources/declarative/interpolation/filters.py): MD5 (RFC 1321), SHA-1 and
 * SHA-256 (FIPS 180-4, https://csrc.nist.gov/pubs/fips/180-4/upd1/final), HMAC (RFC 2104)
 * and base64 (RFC 4648 section 4, standard alphabet with padding). Any thread (pure). */
#include <string.h>

#include "connectors/interp_priv.h"

#define ROL(x, n) (((x) << (n)) | ((x) >> (32 - (n))))
#define ROR(x, n) (((x) >> (n)) | ((x) << (32 - (n))))

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

static const uint32_t sha256_k[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2};

/* One SHA-256 block. */
static void sha256_block(uint32_t *st, const unsigned char *b)
{
    uint32_t w[64], v[8];
    for (int i = 0; i < 16; i++)
        w[i] = be32(b + 4 * i);
    for (int i = 16; i < 64; i++) {
        uint32_t s0 = ROR(w[i - 15], 7) ^ ROR(w[i - 15], 18) ^ (w[i - 15] >> 3);
        uint32_t s1 = ROR(w[i - 2], 17) ^ ROR(w[i - 2], 19) ^ (w[i - 2] >> 10);
        w[i] = w[i - 16] + s0 + w[i - 7] + s1;
    }
    memcpy(v, st, sizeof v);
    for (int i = 0; i < 64; i++) {
        uint32_t S1 = ROR(v[4], 6) ^ ROR(v[4], 11) ^ ROR(v[4], 25);
        uint32_t ch = (v[4] & v[5]) ^ (~v[4] & v[6]);
        uint32_t t1 = v[7] + S1 + ch + sha256_k[i] + w[i];
        uint32_t S0 = ROR(v[0], 2) ^ ROR(v[0], 13) ^ ROR(v[0], 22);
        uint32_t mj = (v[0] & v[1]) ^ (v[0] & v[2]) ^ (v[1] & v[2]);
        memmove(v + 1, v, 7 * sizeof *v);
        v[4] += t1;
        v[0] = t1 + S0 + mj;
    }
    for (int i = 0; i < 8; i++)
        st[i] += v[i];
}

/* SHA-256 digest. */
void conn_ip_sha256(const void *p, size_t n, unsigned char out[32])
{
    uint32_t st[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                      0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
    md_blocks(p, n, true, st, sha256_block);
    for (int i = 0; i < 32; i++)
        out[i] = (unsigned char)(st[i / 4] >> (24 - 8 * (i % 4)));
}

/* HMAC-SHA-256 (RFC 2104). */
void conn_ip_hmac_sha256(const void *key, size_t kn, const void *p, size_t n,
                         unsigned char out[32])
{
    unsigned char k[64] = {0}, inner[32];
    if (kn > 64)
        conn_ip_sha256(key, kn, k);
    else if (kn)
        memcpy(k, key, kn);
    struct ip_arena a = {0};
    unsigned char *buf = conn_ip_alloc(&a, 64 + (n > 32 ? n : 32));
    for (int i = 0; i < 64; i++)
        buf[i] = k[i] ^ 0x36;
    if (n)
        memcpy(buf + 64, p, n);
    conn_ip_sha256(buf, 64 + n, inner);
    for (int i = 0; i < 64; i++)
        buf[i] = k[i] ^ 0x5c;
    memcpy(buf + 64, inner, 32);
    conn_ip_sha256(buf, 96, out);
    conn_ip_arena_free(&a);
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
