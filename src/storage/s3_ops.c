/* s3_ops.c - S3 operations on top of stor_s3_request: PUT, GET, HEAD, DELETE, ListObjectsV2
 * with continuation tokens, and multipart upload (Create, UploadPart, Complete, Abort), plus the
 * few bits of XML they need. Follows the Amazon S3 API Reference (docs.aws.amazon.com/AmazonS3/
 * latest/API/). Runs on the thread that owns the client. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/mem.h"
#include "storage/s3_int.h"
#include "storage/storage.h"

#define S3_XML_MAX ((size_t)16 << 20)
#define S3_LIST_MAX_OBJECTS 10000000

/* Decodes the five XML entities and numeric character references (ASCII only kept as is). */
static char *xml_unescape(const char *s, size_t n)
{
    struct wv_buf b;
    wv_buf_init(&b, 0);
    static const struct {
        const char *ent;
        char ch;
    } ents[] = {{"&amp;", '&'}, {"&lt;", '<'}, {"&gt;", '>'}, {"&quot;", '"'}, {"&apos;", '\''}};
    for (size_t i = 0; i < n; i++) {
        int done = 0;
        if (s[i] == '&') {
            for (size_t e = 0; e < sizeof ents / sizeof *ents && !done; e++) {
                size_t el = strlen(ents[e].ent);
                if (i + el <= n && strncmp(s + i, ents[e].ent, el) == 0) {
                    wv_buf_putc(&b, ents[e].ch, NULL);
                    i += el - 1;
                    done = 1;
                }
            }
            if (!done && i + 2 < n && s[i + 1] == '#') {
                char *end;
                long cp =
                    s[i + 2] == 'x' ? strtol(s + i + 3, &end, 16) : strtol(s + i + 2, &end, 10);
                if (*end == ';' && cp > 0 && cp < 128) {
                    wv_buf_putc(&b, (char)cp, NULL);
                    i = (size_t)(end - s);
                    done = 1;
                }
            }
        }
        if (!done)
            wv_buf_putc(&b, s[i], NULL);
    }
    return wv_buf_steal(&b, NULL);
}

/* The text of the next <tag>...</tag> at or after *pos (see s3_int.h). */
char *stor_s3_xml_next(const char *xml, const char *tag, size_t *pos)
{
    char *open = wv_asprintf("<%s>", tag), *close = wv_asprintf("</%s>", tag);
    char *out = NULL;
    const char *a = strstr(xml + *pos, open);
    if (a) {
        a += strlen(open);
        const char *b = strstr(a, close);
        if (b) {
            out = xml_unescape(a, (size_t)(b - a));
            *pos = (size_t)(b - xml) + strlen(close);
        }
    }
    free(open);
    free(close);
    return out;
}

/* <Error><Code>..</Code><Message>..</Message></Error>. */
void stor_s3_xml_error(const char *body, char **code, char **message)
{
    size_t p = 0, q = 0;
    *code = body ? stor_s3_xml_next(body, "Code", &p) : NULL;
    *message = body ? stor_s3_xml_next(body, "Message", &q) : NULL;
}

/* Single PUT from memory. */
int stor_s3_put(struct stor_s3 *s, const char *bucket, const char *key, const void *data,
                size_t len, struct wv_error *err)
{
    struct stor_s3_req r = {.method = "PUT",
                            .bucket = bucket,
                            .key = key,
                            .body = data,
                            .body_len = len,
                            .idempotent = 1};
    int rc = stor_s3_request(s, &r, err);
    stor_s3_req_done(&r);
    return rc;
}

/* GET into a capped buffer. */
int stor_s3_get(struct stor_s3 *s, const char *bucket, const char *key, size_t max, char **data,
                size_t *len, struct wv_error *err)
{
    struct wv_buf b;
    wv_buf_init(&b, max);
    struct stor_s3_req r = {
        .method = "GET", .bucket = bucket, .key = key, .idempotent = 1, .resp = &b};
    int rc = stor_s3_request(s, &r, err);
    stor_s3_req_done(&r);
    if (rc < 0) {
        wv_buf_done(&b);
        return -1;
    }
    *data = wv_buf_steal(&b, len);
    return 0;
}

/* GET to an fd. */
int stor_s3_get_fd(struct stor_s3 *s, const char *bucket, const char *key, int fd,
                   struct wv_error *err)
{
    struct stor_s3_req r = {
        .method = "GET", .bucket = bucket, .key = key, .idempotent = 1, .to_fd = 1, .out_fd = fd};
    int rc = stor_s3_request(s, &r, err);
    stor_s3_req_done(&r);
    return rc;
}

/* HEAD. */
int stor_s3_head(struct stor_s3 *s, const char *bucket, const char *key, struct stor_s3_object *out,
                 struct wv_error *err)
{
    memset(out, 0, sizeof *out);
    struct stor_s3_req r = {
        .method = "HEAD",
        .bucket = bucket,
        .key = key,
        .idempotent = 1,
    };
    int rc = stor_s3_request(s, &r, err);
    if (rc == 0) {
        out->key = wv_strdup(key);
        out->size = r.length;
        out->etag = r.etag;
        out->last_modified = r.last_modified;
        r.etag = r.last_modified = NULL;
    }
    stor_s3_req_done(&r);
    return rc;
}

/* DELETE (S3 answers 204 also for a missing key). */
int stor_s3_delete(struct stor_s3 *s, const char *bucket, const char *key, struct wv_error *err)
{
    struct stor_s3_req r = {
        .method = "DELETE",
        .bucket = bucket,
        .key = key,
        .idempotent = 1,
    };
    int rc = stor_s3_request(s, &r, err);
    stor_s3_req_done(&r);
    return rc;
}

/* Frees an object's strings. */
void stor_s3_object_done(struct stor_s3_object *o)
{
    if (!o)
        return;
    free(o->key);
    free(o->etag);
    free(o->last_modified);
    memset(o, 0, sizeof *o);
}

/* Frees a list. */
void stor_s3_objects_free(struct stor_s3_object *objs, size_t n)
{
    for (size_t i = 0; objs && i < n; i++)
        stor_s3_object_done(&objs[i]);
    free(objs);
}

/* Appends the <Contents> entries of one ListObjectsV2 page. */
static int list_page(const char *xml, struct stor_s3_object **objs, size_t *n, size_t *cap,
                     struct wv_error *err)
{
    size_t pos = 0;
    for (char *c; (c = stor_s3_xml_next(xml, "Contents", &pos));) {
        if (*n >= S3_LIST_MAX_OBJECTS) {
            free(c);
            return wv_error_set(err, WV_E_LIMIT, 0, "more than %d objects", S3_LIST_MAX_OBJECTS);
        }
        if (*n == *cap) {
            *cap = *cap ? *cap * 2 : 64;
            *objs = wv_realloc(*objs, *cap * sizeof **objs);
        }
        struct stor_s3_object *o = &(*objs)[(*n)++];
        size_t p = 0;
        o->key = stor_s3_xml_next(c, "Key", &p);
        p = 0;
        char *size = stor_s3_xml_next(c, "Size", &p);
        o->size = -1;
        if (size && wv_parse_i64(size, &o->size) < 0)
            o->size = -1;
        free(size);
        p = 0;
        o->etag = stor_s3_xml_next(c, "ETag", &p);
        p = 0;
        o->last_modified = stor_s3_xml_next(c, "LastModified", &p);
        free(c);
        if (!o->key)
            return wv_error_set(err, WV_E_PROTOCOL, 0, "ListObjectsV2: <Contents> without <Key>");
    }
    return 0;
}

/* ListObjectsV2, all pages. */
int stor_s3_list(struct stor_s3 *s, const char *bucket, const char *prefix, int page_size,
                 struct stor_s3_object **objs, size_t *n, struct wv_error *err)
{
    *objs = NULL;
    *n = 0;
    size_t cap = 0;
    char *token = NULL, maxk[16];
    snprintf(maxk, sizeof maxk, "%d", page_size > 0 && page_size <= 1000 ? page_size : 1000);
    struct wv_buf b;
    wv_buf_init(&b, S3_XML_MAX);
    int rc = 0;
    do {
        struct stor_s3_kv q[4] = {{"list-type", "2"}, {"max-keys", maxk}};
        size_t nq = 2;
        if (prefix && *prefix)
            q[nq++] = (struct stor_s3_kv){"prefix", prefix};
        if (token)
            q[nq++] = (struct stor_s3_kv){"continuation-token", token};
        struct stor_s3_req r = {.method = "GET",
                                .what = " (ListObjectsV2)",
                                .bucket = bucket,
                                .key = "",
                                .query = q,
                                .n_query = nq,
                                .idempotent = 1,
                                .resp = &b};
        wv_buf_reset(&b);
        rc = stor_s3_request(s, &r, err);
        stor_s3_req_done(&r);
        free(token);
        token = NULL;
        if (rc == 0)
            rc = list_page(wv_buf_cstr(&b), objs, n, &cap, err);
        if (rc == 0) {
            size_t p = 0;
            char *trunc = stor_s3_xml_next(wv_buf_cstr(&b), "IsTruncated", &p);
            p = 0;
            if (trunc && strcmp(trunc, "true") == 0) {
                token = stor_s3_xml_next(wv_buf_cstr(&b), "NextContinuationToken", &p);
                if (!token)
                    rc = wv_error_set(err, WV_E_PROTOCOL, 0,
                                      "ListObjectsV2 s3://%s: truncated without a token", bucket);
            }
            free(trunc);
        }
    } while (rc == 0 && token);
    free(token);
    wv_buf_done(&b);
    if (rc < 0) {
        stor_s3_objects_free(*objs, *n);
        *objs = NULL;
        *n = 0;
    }
    return rc;
}

/* CreateMultipartUpload: POST ?uploads. */
int stor_s3_mpu_create(struct stor_s3 *s, const char *bucket, const char *key, char **upload_id,
                       struct wv_error *err)
{
    struct wv_buf b;
    wv_buf_init(&b, S3_XML_MAX);
    struct stor_s3_kv q[1] = {{"uploads", ""}};
    struct stor_s3_req r = {.method = "POST",
                            .what = " (CreateMultipartUpload)",
                            .bucket = bucket,
                            .key = key,
                            .query = q,
                            .n_query = 1,
                            .resp = &b};
    int rc = stor_s3_request(s, &r, err);
    stor_s3_req_done(&r);
    size_t p = 0;
    *upload_id = rc == 0 ? stor_s3_xml_next(wv_buf_cstr(&b), "UploadId", &p) : NULL;
    if (rc == 0 && (!*upload_id || !**upload_id)) {
        free(*upload_id);
        *upload_id = NULL;
        rc = wv_error_set(err, WV_E_PROTOCOL, 0,
                          "POST s3://%s/%s (CreateMultipartUpload): no "
                          "UploadId in the answer",
                          bucket, key);
    }
    wv_buf_done(&b);
    return rc;
}

/* UploadPart: PUT ?partNumber=N&uploadId=ID; retried on its own. */
int stor_s3_mpu_part(struct stor_s3 *s, const char *bucket, const char *key, const char *upload_id,
                     int part_no, const void *data, size_t len, char **etag, struct wv_error *err)
{
    *etag = NULL;
    if (part_no < 1 || part_no > STOR_S3_MAX_PARTS)
        return wv_error_set(err, WV_E_USAGE, 0, "S3 part number %d out of 1-%d", part_no,
                            STOR_S3_MAX_PARTS);
    char num[16], what[32];
    snprintf(num, sizeof num, "%d", part_no);
    snprintf(what, sizeof what, " (part %d)", part_no);
    struct stor_s3_kv q[2] = {{"partNumber", num}, {"uploadId", upload_id}};
    struct stor_s3_req r = {.method = "PUT",
                            .what = what,
                            .bucket = bucket,
                            .key = key,
                            .query = q,
                            .n_query = 2,
                            .body = data,
                            .body_len = len,
                            .idempotent = 1};
    int rc = stor_s3_request(s, &r, err);
    if (rc == 0 && !r.etag)
        rc = wv_error_set(err, WV_E_PROTOCOL, 0, "PUT s3://%s/%s%s: no ETag in the answer", bucket,
                          key, what);
    if (rc == 0) {
        *etag = r.etag;
        r.etag = NULL;
    }
    stor_s3_req_done(&r);
    return rc;
}

/* CompleteMultipartUpload: POST ?uploadId=ID with the part list. */
int stor_s3_mpu_complete(struct stor_s3 *s, const char *bucket, const char *key,
                         const char *upload_id, char *const *etags, size_t n, struct wv_error *err)
{
    struct wv_buf x, b;
    wv_buf_init(&x, 0);
    wv_buf_init(&b, S3_XML_MAX);
    wv_buf_puts(&x, "<CompleteMultipartUpload>", NULL);
    for (size_t i = 0; i < n; i++) {
        wv_buf_printf(&x, NULL, "<Part><PartNumber>%zu</PartNumber><ETag>", i + 1);
        for (const char *p = etags[i]; *p; p++)
            wv_buf_puts(&x,
                        *p == '&'   ? "&amp;"
                        : *p == '<' ? "&lt;"
                        : *p == '>' ? "&gt;"
                                    : (char[2]){*p, 0},
                        NULL);
        wv_buf_puts(&x, "</ETag></Part>", NULL);
    }
    wv_buf_puts(&x, "</CompleteMultipartUpload>", NULL);
    struct stor_s3_kv q[1] = {{"uploadId", upload_id}};
    struct stor_s3_req r = {.method = "POST",
                            .what = " (CompleteMultipartUpload)",
                            .bucket = bucket,
                            .key = key,
                            .query = q,
                            .n_query = 1,
                            .body = x.data,
                            .body_len = x.len,
                            .resp = &b};
    int rc = stor_s3_request(s, &r, err);
    stor_s3_req_done(&r);
    wv_buf_done(&x);
    wv_buf_done(&b);
    return rc;
}

/* AbortMultipartUpload: DELETE ?uploadId=ID. */
int stor_s3_mpu_abort(struct stor_s3 *s, const char *bucket, const char *key, const char *upload_id,
                      struct wv_error *err)
{
    struct stor_s3_kv q[1] = {{"uploadId", upload_id}};
    struct stor_s3_req r = {.method = "DELETE",
                            .what = " (AbortMultipartUpload)",
                            .bucket = bucket,
                            .key = key,
                            .query = q,
                            .n_query = 1,
                            .idempotent = 1};
    int rc = stor_s3_request(s, &r, err);
    stor_s3_req_done(&r);
    return rc;
}

/* Reads up to n bytes (fewer only at EOF). */
static int read_full(int fd, char *p, size_t n, size_t *got, struct wv_error *err)
{
    *got = 0;
    while (*got < n) {
        ssize_t k = read(fd, p + *got, n - *got);
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0)
            return wv_error_errno(err, errno, "read");
        if (k == 0)
            break;
        *got += (size_t)k;
    }
    return 0;
}

/* Multipart upload of the rest of fd after a first full part; aborts on give-up. */
static int put_fd_multipart(struct stor_s3 *s, const char *bucket, const char *key, int fd,
                            char *part, size_t first, struct wv_error *err)
{
    char *id = NULL;
    if (stor_s3_mpu_create(s, bucket, key, &id, err) < 0)
        return -1;
    size_t psz = (size_t)stor_s3_part_size(s), n = 0, cap = 16, got = first;
    char **etags = wv_calloc(cap, sizeof *etags);
    int rc = 0;
    while (rc == 0 && got > 0) {
        if (n == STOR_S3_MAX_PARTS) {
            rc = wv_error_set(err, WV_E_LIMIT, 0, "PUT s3://%s/%s: more than %d parts", bucket, key,
                              STOR_S3_MAX_PARTS);
            break;
        }
        if (n == cap) {
            cap *= 2;
            etags = wv_realloc(etags, cap * sizeof *etags);
        }
        rc = stor_s3_mpu_part(s, bucket, key, id, (int)n + 1, part, got, &etags[n], err);
        if (rc == 0)
            n++;
        if (rc == 0)
            rc = read_full(fd, part, psz, &got, err);
    }
    if (rc == 0)
        rc = stor_s3_mpu_complete(s, bucket, key, id, etags, n, err);
    if (rc < 0)
        stor_s3_mpu_abort(s, bucket, key, id, NULL);
    for (size_t i = 0; i < n; i++)
        free(etags[i]);
    free(etags);
    free(id);
    return rc;
}

/* PUT of an fd's remaining bytes: single PUT or multipart. */
int stor_s3_put_fd(struct stor_s3 *s, const char *bucket, const char *key, int fd,
                   struct wv_error *err)
{
    size_t psz = (size_t)stor_s3_part_size(s), got;
    char *part = wv_malloc(psz);
    int rc = read_full(fd, part, psz, &got, err);
    if (rc == 0 && got < psz)
        rc = stor_s3_put(s, bucket, key, part, got, err);
    else if (rc == 0)
        rc = put_fd_multipart(s, bucket, key, fd, part, got, err);
    free(part);
    return rc;
}
