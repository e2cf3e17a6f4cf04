/* s3_int.h - private pieces of the S3 client: SHA-256, HMAC-SHA256, the SigV4 signer and
 * S3's URI encoding (s3_sigv4.c), exposed for the unit tests and for s3.c. */
#ifndef STOR_S3_INT_H
#define STOR_S3_INT_H

#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/error.h"

/* SHA-256 and HMAC-SHA256 live in base/sha256.h. */
#include "base/sha256.h"

/* Lower-case hex of n bytes into out (2n+1 bytes, NUL-terminated). */
void stor_s3_hex(const uint8_t *p, size_t n, char *out);

/* Appends s URI-encoded per SigV4/S3: unreserved A-Z a-z 0-9 - . _ ~ kept, everything else
 * %XX (upper-case hex); '/' kept unless encode_slash. */
int stor_s3_uri_encode(struct wv_buf *out, const char *s, int encode_slash, struct wv_error *err);

/* ---- SigV4 ---- */

struct stor_s3_kv {
    const char *name;  /* borrowed */
    const char *value; /* borrowed; NULL = "" */
};

/* One request to sign. Everything borrowed. */
struct stor_s3_sig_req {
    const char *method;             /* "GET" ... */
    const char *uri;                /* canonical URI, already encoded ("/bucket/a%3Db/c") */
    const struct stor_s3_kv *query; /* decoded query parameters (encoded and sorted here) */
    size_t n_query;
    const struct stor_s3_kv *headers; /* headers to sign (must include host and x-amz-date) */
    size_t n_headers;
    const char *payload_hash; /* hex SHA-256 of the body or "UNSIGNED-PAYLOAD" */
    const char *amz_date;     /* "YYYYMMDDTHHMMSSZ" */
    const char *region;
    const char *service; /* "s3" */
    const char *access_key;
    const char *secret_key;
};

/* Signer output: all owned, freed with stor_s3_sig_done. */
struct stor_s3_sig {
    char *canonical_query; /* sorted encoded query ("" if none): also the URL's query */
    char *canonical_request;
    char *string_to_sign;
    char *signed_headers; /* "host;x-amz-date" */
    char signature[65];
    char *authorization; /* the Authorization header value */
};

/* Builds the canonical request, string to sign, signature and Authorization header (AWS
 * "Create a signed AWS API request", steps 1-5). Header names must be unique. */
int stor_s3_sign(const struct stor_s3_sig_req *r, struct stor_s3_sig *out, struct wv_error *err);
void stor_s3_sig_done(struct stor_s3_sig *s);

/* "YYYYMMDDTHHMMSSZ" for Unix milliseconds (buf >= 17). */
void stor_s3_amz_date(int64_t ms, char buf[17]);

/* ---- helpers of s3.c exposed for tests ---- */

/* Extracts <Code> and <Message> from an S3 XML error body (either may come back NULL).
 * Caller frees both. */
void stor_s3_xml_error(const char *body, char **code, char **message);
/* The text of the first <tag>...</tag> in xml at or after *pos (entities decoded), advancing
 * *pos past it; NULL if none. Caller frees. */
char *stor_s3_xml_next(const char *xml, const char *tag, size_t *pos);

/* ---- one request (s3.c), used by the operations in s3_ops.c ---- */

struct stor_s3;

struct stor_s3_req {
    const char *method; /* GET PUT POST HEAD DELETE */
    const char *what;   /* context appended to "METHOD s3://b/k" (e.g. " part 3"), or NULL */
    const char *bucket;
    const char *key;                /* "" or NULL for bucket requests */
    const struct stor_s3_kv *query; /* decoded parameters */
    size_t n_query;
    const void *body; /* borrowed request body (PUT/POST) */
    size_t body_len;
    int idempotent;      /* retry 5xx and network errors */
    int unsigned_body;   /* sign as UNSIGNED-PAYLOAD */
    struct wv_buf *resp; /* 2xx body goes here (capped by its max), or NULL */
    int to_fd;           /* or, if set, to out_fd */
    int out_fd;
    /* results (owned by the request; stor_s3_req_done frees them) */
    long status;
    char *etag;
    char *last_modified;
    int64_t length; /* Content-Length, -1 if none */
};

/* Signs and sends r with retries; a non-2xx answer is an error ("PUT s3://b/k: HTTP 403:
 * Code: message"). */
int stor_s3_request(struct stor_s3 *s, struct stor_s3_req *r, struct wv_error *err);
void stor_s3_req_done(struct stor_s3_req *r);

/* Parses an AWS shared credentials file's text for a profile: access key, secret, token (each
 * caller-freed, NULL if absent). Returns -1 if the profile is not there. */
int stor_s3_ini_profile(const char *text, const char *profile, char **key, char **secret,
                        char **token);

#endif
