/* sha256.h - SHA-256 (FIPS 180-4) and HMAC-SHA256 (RFC 2104), shared by the S3 signer
 * (storage) and the template engine's hash filters (connectors). No crypto library is linked. */
#ifndef WV_SHA256_H
#define WV_SHA256_H

#include <stddef.h>
#include <stdint.h>

struct wv_sha256 {
    uint32_t h[8];
    uint64_t bytes;    /* message length so far */
    uint8_t block[64]; /* partial block */
    size_t n;          /* bytes in block */
};

void wv_sha256_init(struct wv_sha256 *c);
void wv_sha256_update(struct wv_sha256 *c, const void *data, size_t len);
void wv_sha256_final(struct wv_sha256 *c, uint8_t out[32]);
/* One-shot digest of data (borrowed). */
void wv_sha256(const void *data, size_t len, uint8_t out[32]);
/* HMAC-SHA256 of msg under key (both borrowed). */
void wv_hmac_sha256(const void *key, size_t key_len, const void *msg, size_t msg_len,
                    uint8_t out[32]);

#endif
