/* test_s3_client.c - the S3 client's request bytes and failure paths against a scripted HTTP
 * server on 127.0.0.1 (a thread in this process): path-style URLs and key encoding,
 * x-amz-content-sha256, a signed session token, UNSIGNED-PAYLOAD, retries of 5xx for
 * idempotent calls only, a reset connection and a server slower than the timeout (retried as
 * network errors), S3 XML errors, a 200 CompleteMultipartUpload carrying an <Error>,
 * and AbortMultipartUpload after a part gives up (what the emulator cannot show). */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "base/fs.h"
#include "base/mem.h"
#include "storage/s3_int.h"
#include "storage/storage.h"
#include "unit/testutil.h"

#define MAX_REQS 32

/* One request as the server saw it. */
struct rec {
    char line[512];  /* "PUT /b/k HTTP/1.1" */
    char head[4096]; /* all header lines */
    size_t body_len;
    char body_sha[65];
    char body[512]; /* first bytes */
};

/* What to answer: status and body, chosen per request by the test's function. */
typedef void (*answer_fn)(int idx, const struct rec *r, int *status, const char **body,
                          const char **extra);

struct fake {
    int lfd, port;
    pthread_t th;
    answer_fn answer;
    struct rec reqs[MAX_REQS];
    int n;
    int stop;
};

/* Reads one request (headers + Content-Length body) into r. */
static int read_req(int fd, struct rec *r)
{
    struct wv_buf b;
    wv_buf_init(&b, 0);
    char tmp[65536];
    char *end = NULL;
    while (!(end = strstr(wv_buf_cstr(&b), "\r\n\r\n"))) {
        ssize_t k = read(fd, tmp, sizeof tmp);
        if (k <= 0) {
            wv_buf_done(&b);
            return -1;
        }
        wv_buf_append(&b, tmp, (size_t)k, NULL);
    }
    size_t hlen = (size_t)(end - b.data) + 4;
    char *eol = strstr(b.data, "\r\n");
    snprintf(r->line, sizeof r->line, "%.*s", (int)(eol - b.data), b.data);
    snprintf(r->head, sizeof r->head, "%.*s", (int)(hlen - (size_t)(eol - b.data) - 2), eol + 2);
    size_t cl = 0;
    const char *p = strcasestr(r->head, "\r\ncontent-length:");
    if (!p && strncasecmp(r->head, "content-length:", 15) == 0)
        p = r->head - 2;
    if (p)
        cl = (size_t)strtoull(p + 17, NULL, 10);
    struct wv_sha256 c;
    wv_sha256_init(&c);
    size_t have = b.len - hlen;
    wv_sha256_update(&c, b.data + hlen, have);
    snprintf(r->body, sizeof r->body, "%.*s", (int)(have < 511 ? have : 511), b.data + hlen);
    while (have < cl) {
        ssize_t k = read(fd, tmp, sizeof tmp);
        if (k <= 0)
            break;
        wv_sha256_update(&c, tmp, (size_t)k);
        size_t pre = strlen(r->body), take = (size_t)k < 511 - pre ? (size_t)k : 511 - pre;
        memcpy(r->body + pre, tmp, take);
        r->body[pre + take] = '\0';
        have += (size_t)k;
    }
    r->body_len = have;
    uint8_t d[32];
    wv_sha256_final(&c, d);
    stor_s3_hex(d, 32, r->body_sha);
    wv_buf_done(&b);
    return 0;
}

/* Server thread: one request per connection, answered as the test says. */
static void *serve(void *arg)
{
    struct fake *f = arg;
    for (;;) {
        int fd = accept(f->lfd, NULL, NULL);
        if (fd < 0 || f->stop) {
            if (fd >= 0)
                close(fd);
            return NULL;
        }
        struct rec *r = &f->reqs[f->n < MAX_REQS ? f->n : MAX_REQS - 1];
        memset(r, 0, sizeof *r);
        if (read_req(fd, r) == 0) {
            int status = 200;
            const char *body = "", *extra = "";
            f->answer(f->n, r, &status, &body, &extra);
            f->n++;
            if (status <= 0) {
                /* 0: reset the connection (RST, no answer); -1: stall past the client's
                 * timeout, then hang up */
                if (status < 0)
                    usleep(1500 * 1000);
                struct linger lg = {1, 0};
                setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
                close(fd);
                continue;
            }
            char *resp = wv_asprintf("HTTP/1.1 %d X\r\nContent-Length: %zu\r\nConnection: close\r\n"
                                     "%s\r\n%s",
                                     status, strlen(body), extra, body);
            wv_fs_write_all(fd, resp, strlen(resp), "resp", NULL);
            free(resp);
        }
        close(fd);
    }
}

/* Starts the fake server. */
static void fake_start(struct fake *f, answer_fn answer)
{
    memset(f, 0, sizeof *f);
    f->answer = answer;
    f->lfd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    assert_int_equal(bind(f->lfd, (struct sockaddr *)&a, sizeof a), 0);
    socklen_t al = sizeof a;
    getsockname(f->lfd, (struct sockaddr *)&a, &al);
    f->port = ntohs(a.sin_port);
    assert_int_equal(listen(f->lfd, 16), 0);
    pthread_create(&f->th, NULL, serve, f);
}

/* Stops it (a last connection wakes accept). */
static void fake_stop(struct fake *f)
{
    f->stop = 1;
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET,
                            .sin_port = htons((uint16_t)f->port),
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    connect(fd, (struct sockaddr *)&a, sizeof a);
    close(fd);
    pthread_join(f->th, NULL);
    close(f->lfd);
}

/* A client for the fake server. */
static struct stor_s3 *fake_client(struct fake *f, const char *token, bool unsigned_payload)
{
    char *ep = wv_asprintf("http://127.0.0.1:%d/", f->port);
    struct stor_s3_config c = {.endpoint = ep,
                               .region = "eu-west-3",
                               .access_key_id = "AKTEST",
                               .secret_access_key = "SECRET-DO-NOT-PRINT",
                               .session_token = token,
                               .max_retries = 2,
                               .retry_base_ms = 1,
                               .unsigned_payload = unsigned_payload};
    struct stor_s3 *s = stor_s3_new(&c, NULL);
    free(ep);
    assert_non_null(s);
    return s;
}

/* The value of header name in r (lower-case name), or NULL. Caller frees. */
static char *header(const struct rec *r, const char *name)
{
    char *pat = wv_asprintf("%s:", name);
    const char *p = strcasestr(r->head, pat);
    char *v = NULL;
    if (p) {
        p += strlen(pat);
        while (*p == ' ')
            p++;
        v = wv_strndup(p, strcspn(p, "\r\n"));
    }
    free(pat);
    return v;
}

/* 500 twice, then 200. */
static void ans_flaky(int idx, const struct rec *r, int *status, const char **body,
                      const char **extra)
{
    (void)r, (void)extra;
    *status = idx < 2 ? 500 : 200;
    *body = idx < 2 ? "<Error><Code>InternalError</Code><Message>try again</Message></Error>" : "";
}

/* A PUT is retried through two 500s; the bytes are path-style, encoded, hashed and signed. */
static void test_put_request_and_retry(void **state)
{
    (void)state;
    struct fake f;
    fake_start(&f, ans_flaky);
    struct stor_s3 *s = fake_client(&f, "TOKEN/1=", false);
    struct wv_error err = {0};
    const char *body = "Welcome to Amazon S3.";
    assert_int_equal(stor_s3_put(s, "bkt", "dt=2024-01-01/a b.txt", body, strlen(body), &err), 0);
    fake_stop(&f);
    assert_int_equal(f.n, 3);
    struct rec *r = &f.reqs[2];
    assert_string_equal(r->line, "PUT /bkt/dt%3D2024-01-01/a%20b.txt HTTP/1.1");
    assert_string_equal(r->body, body);
    char *sha = header(r, "x-amz-content-sha256"), *auth = header(r, "authorization");
    char *tok = header(r, "x-amz-security-token"), *host = header(r, "host");
    char *date = header(r, "x-amz-date");
    assert_string_equal(sha, "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072");
    assert_string_equal(sha, r->body_sha);
    assert_string_equal(tok, "TOKEN/1=");
    char *want_host = wv_asprintf("127.0.0.1:%d", f.port);
    assert_string_equal(host, want_host);
    char *prefix = wv_asprintf("AWS4-HMAC-SHA256 Credential=AKTEST/%.8s/eu-west-3/s3/aws4_request, "
                               "SignedHeaders=host;x-amz-content-sha256;x-amz-date;"
                               "x-amz-security-token, Signature=",
                               date);
    assert_true(wv_str_starts(auth, prefix));
    assert_int_equal(strlen(auth), strlen(prefix) + 64);
    assert_null(strstr(r->head, "SECRET"));
    free(sha), free(auth), free(tok), free(host), free(date), free(want_host), free(prefix);
    stor_s3_free(s);
}

/* The connection is reset, then the server stalls, then it answers. */
static void ans_reset_slow_ok(int idx, const struct rec *r, int *status, const char **body,
                              const char **extra)
{
    (void)r, (void)extra;
    *status = idx == 0 ? 0 : idx == 1 ? -1 : 200;
    *body = idx == 2 ? "payload" : "";
}

/* A reset connection and a server slower than the timeout are network errors: retried for
 * idempotent calls, and the third try gets the object. */
static void test_reset_and_slow(void **state)
{
    (void)state;
    struct fake f;
    fake_start(&f, ans_reset_slow_ok);
    char *ep = wv_asprintf("http://127.0.0.1:%d", f.port);
    struct stor_s3_config c = {.endpoint = ep, .region = "us-east-1", .access_key_id = "AKTEST",
                               .secret_access_key = "SECRET-DO-NOT-PRINT", .max_retries = 2,
                               .retry_base_ms = 1, .timeout_ms = 1000};
    struct wv_error err = {0};
    struct stor_s3 *s = stor_s3_new(&c, &err);
    assert_non_null(s);
    char *data = NULL;
    size_t len = 0;
    if (stor_s3_get(s, "bkt", "k", 1024, &data, &len, &err) != 0)
        fail_msg("get after a reset and a stall: %s (%d requests)", err.msg, f.n);
    assert_int_equal(f.n, 3);
    assert_string_equal(data, "payload");
    free(data);
    /* with no retries left, the reset is the error: a network error naming the call */
    stor_s3_free(s);
    c.max_retries = -1;
    s = stor_s3_new(&c, &err);
    f.n = 0;
    f.answer = ans_reset_slow_ok;
    assert_int_equal(stor_s3_get(s, "bkt", "k", 1024, &data, &len, &err), -1);
    assert_int_equal(err.code, WV_E_NETWORK);
    assert_true(wv_str_starts(err.msg, "GET s3://bkt/k: "));
    assert_null(strstr(err.msg, "SECRET"));
    wv_error_clear(&err);
    /* a stall past the timeout: a timeout error */
    assert_int_equal(stor_s3_get(s, "bkt", "k", 1024, &data, &len, &err), -1);
    assert_true(err.code == WV_E_TIMEOUT || err.code == WV_E_NETWORK);
    assert_true(wv_str_starts(err.msg, "GET s3://bkt/k: "));
    stor_s3_free(s);
    fake_stop(&f);
    free(ep);
}

/* Always 500. */
static void ans_500(int idx, const struct rec *r, int *status, const char **body,
                    const char **extra)
{
    (void)idx, (void)r, (void)extra;
    *status = 500;
    *body = "<Error><Code>InternalError</Code><Message>We encountered an internal error."
            "</Message></Error>";
}

/* Idempotent calls give up after the retries; CreateMultipartUpload (POST) is tried once. */
static void test_retry_limits(void **state)
{
    (void)state;
    struct fake f;
    fake_start(&f, ans_500);
    struct stor_s3 *s = fake_client(&f, NULL, false);
    struct wv_error err = {0};
    assert_int_equal(stor_s3_delete(s, "bkt", "k", &err), -1);
    assert_int_equal(f.n, 3);
    assert_string_equal(err.msg, "DELETE s3://bkt/k: HTTP 500: InternalError: We encountered an "
                                 "internal error.");
    assert_int_equal(err.code, WV_E_HTTP);
    wv_error_clear(&err);
    char *id = NULL;
    assert_int_equal(stor_s3_mpu_create(s, "bkt", "k", &id, &err), -1);
    assert_null(id);
    fake_stop(&f);
    assert_int_equal(f.n, 4);
    assert_string_equal(f.reqs[3].line, "POST /bkt/k?uploads= HTTP/1.1");
    stor_s3_free(s);
}

/* 403 with an S3 error document: no retry, code and message parsed, no secret shown. */
static void ans_403(int idx, const struct rec *r, int *status, const char **body,
                    const char **extra)
{
    (void)idx, (void)r, (void)extra;
    *status = 403;
    *body = "<?xml version=\"1.0\"?><Error><Code>SignatureDoesNotMatch</Code><Message>The request "
            "signature we calculated does not match the signature you provided.</Message>"
            "<StringToSign>AWS4-HMAC-SHA256 ...</StringToSign></Error>";
}

/* A rejected signature. */
static void test_forbidden(void **state)
{
    (void)state;
    struct fake f;
    fake_start(&f, ans_403);
    struct stor_s3 *s = fake_client(&f, NULL, true);
    struct wv_error err = {0};
    assert_int_equal(stor_s3_put(s, "bkt", "x/y", "abc", 3, &err), -1);
    fake_stop(&f);
    assert_int_equal(f.n, 1);
    assert_string_equal(err.msg, "PUT s3://bkt/x/y: HTTP 403: SignatureDoesNotMatch: The request "
                                 "signature we calculated does not match the signature you "
                                 "provided.");
    assert_int_equal(err.detail, 403);
    char *sha = header(&f.reqs[0], "x-amz-content-sha256");
    assert_string_equal(sha, "UNSIGNED-PAYLOAD");
    free(sha);
    stor_s3_free(s);
}

/* Multipart: create ok, part 1 ok, part 2 always 503, then the abort. */
static void ans_mpu_fail(int idx, const struct rec *r, int *status, const char **body,
                         const char **extra)
{
    (void)idx;
    *status = 200;
    if (strstr(r->line, "?uploads="))
        *body = "<InitiateMultipartUploadResult><UploadId>UP/1+x</UploadId>"
                "</InitiateMultipartUploadResult>";
    else if (strstr(r->line, "partNumber=1&"))
        *extra = "ETag: \"etag-1\"\r\n";
    else if (strstr(r->line, "partNumber=2&"))
        *status = 503, *body = "<Error><Code>SlowDown</Code><Message>Reduce</Message></Error>";
    else if (strncmp(r->line, "DELETE", 6) == 0)
        *status = 204;
}

/* A part that keeps failing is retried, then the upload is aborted. */
static void test_multipart_abort_on_give_up(void **state)
{
    (void)state;
    struct fake f;
    fake_start(&f, ans_mpu_fail);
    struct stor_s3 *s = fake_client(&f, NULL, false);
    char *dir = wv_test_tmpdir("s3c"), *path = wv_asprintf("%s/f", dir);
    size_t n = (size_t)STOR_S3_MIN_PART + 100;
    char *data = wv_calloc(1, n);
    struct wv_error err = {0};
    assert_int_equal(wv_fs_write_atomic(path, data, n, 0600, &err), 0);
    FILE *fp = fopen(path, "rb");
    assert_int_equal(stor_s3_put_fd(s, "bkt", "big", fileno(fp), &err), -1);
    fclose(fp);
    fake_stop(&f);
    assert_string_equal(err.msg, "PUT s3://bkt/big (part 2): HTTP 503: SlowDown: Reduce");
    /* create, part 1, part 2 x3, abort */
    assert_int_equal(f.n, 6);
    assert_string_equal(f.reqs[1].line, "PUT /bkt/big?partNumber=1&uploadId=UP%2F1%2Bx HTTP/1.1");
    assert_int_equal(f.reqs[1].body_len, STOR_S3_MIN_PART);
    char *sha = header(&f.reqs[1], "x-amz-content-sha256");
    assert_string_equal(sha, f.reqs[1].body_sha);
    free(sha);
    assert_int_equal(f.reqs[4].body_len, 100);
    assert_string_equal(f.reqs[5].line, "DELETE /bkt/big?uploadId=UP%2F1%2Bx HTTP/1.1");
    free(data);
    free(path);
    wv_fs_rmtree(dir, NULL);
    free(dir);
    stor_s3_free(s);
}

/* Complete answers 200 with an <Error> document (as S3 may). */
static void ans_complete_err(int idx, const struct rec *r, int *status, const char **body,
                             const char **extra)
{
    (void)idx, (void)r, (void)extra;
    *status = 200;
    *body = "<Error><Code>InvalidPart</Code><Message>One or more parts could not be found."
            "</Message></Error>";
}

/* The Complete body lists parts in order with their ETags; an in-body error is an error. */
static void test_complete_error_body(void **state)
{
    (void)state;
    struct fake f;
    fake_start(&f, ans_complete_err);
    struct stor_s3 *s = fake_client(&f, NULL, false);
    struct wv_error err = {0};
    char *etags[2] = {"\"a1\"", "\"b<2\""};
    assert_int_equal(stor_s3_mpu_complete(s, "bkt", "k", "ID", etags, 2, &err), -1);
    fake_stop(&f);
    assert_int_equal(f.n, 1);
    assert_string_equal(f.reqs[0].body, "<CompleteMultipartUpload><Part><PartNumber>1</PartNumber>"
                                        "<ETag>\"a1\"</ETag></Part><Part><PartNumber>2</PartNumber>"
                                        "<ETag>\"b&lt;2\"</ETag></Part></CompleteMultipartUpload>");
    assert_non_null(
        strstr(err.msg, "POST s3://bkt/k (CompleteMultipartUpload): HTTP 200: InvalidPart"));
    stor_s3_free(s);
}

/* Bad endpoints and missing credentials are config errors. */
static void test_config_errors(void **state)
{
    (void)state;
    struct wv_error err = {0};
    struct stor_s3_config c = {
        .endpoint = "ftp://x", .access_key_id = "a", .secret_access_key = "b"};
    assert_null(stor_s3_new(&c, &err));
    assert_int_equal(err.code, WV_E_CONFIG);
    wv_error_clear(&err);
    unsetenv("AWS_ACCESS_KEY_ID");
    unsetenv("AWS_SECRET_ACCESS_KEY");
    struct stor_s3_config c2 = {.credentials_file = "/nonexistent/creds"};
    assert_null(stor_s3_new(&c2, &err));
    assert_int_equal(err.code, WV_E_CONFIG);
    struct stor_s3_config c3 = {.access_key_id = "a", .secret_access_key = "b", .part_size = 1};
    struct stor_s3 *s = stor_s3_new(&c3, NULL);
    assert_int_equal(stor_s3_part_size(s), STOR_S3_MIN_PART);
    stor_s3_free(s);
    c3.part_size = (int64_t)1 << 30;
    s = stor_s3_new(&c3, NULL);
    assert_int_equal(stor_s3_part_size(s), STOR_S3_MAX_PART);
    stor_s3_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_put_request_and_retry),
        cmocka_unit_test(test_retry_limits),
        cmocka_unit_test(test_reset_and_slow),
        cmocka_unit_test(test_forbidden),
        cmocka_unit_test(test_multipart_abort_on_give_up),
        cmocka_unit_test(test_complete_error_body),
        cmocka_unit_test(test_config_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
