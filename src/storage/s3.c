/* s3.c - the S3 client's core: configuration, credentials (config, AWS_* environment, the
 * shared credentials file), addressing (path-style to a custom endpoint, virtual-host style for
 * AWS) and one signed libcurl request with retries and S3 error parsing. The client and its CURL
 * handle belong to the one thread that uses them. */
#include <curl/curl.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/fs.h"
#include "base/mem.h"
#include "storage/s3_int.h"
#include "storage/storage.h"

#define S3_ERR_BODY_MAX (64 * 1024)

struct stor_s3 {
    CURL *curl;
    char *endpoint; /* "http://127.0.0.1:9000" (no trailing '/'), NULL = AWS */
    char *region;
    char *key_id, *secret, *token; /* secret never leaves this struct except into HMAC */
    int max_retries, retry_base_ms;
    long timeout_ms;
    int64_t max_send_speed;
    int64_t part_size;
    bool unsigned_payload;
};

/* Trims spaces and tabs at both ends in place. */
static char *trim(char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
        s[--n] = '\0';
    return s;
}

/* Small INI reader for ~/.aws/credentials: [profile] sections, key = value, # and ; comments. */
int stor_s3_ini_profile(const char *text, const char *profile, char **key, char **secret,
                        char **token)
{
    *key = *secret = *token = NULL;
    char *copy = wv_strdup(text);
    int in = 0, found = 0;
    for (char *line = copy, *next; line; line = next) {
        next = strchr(line, '\n');
        if (next)
            *next++ = '\0';
        char *l = trim(line);
        if (*l == '#' || *l == ';' || *l == '\0')
            continue;
        if (*l == '[') {
            char *end = strchr(l, ']');
            if (end)
                *end = '\0';
            in = strcmp(trim(l + 1), profile) == 0;
            found |= in;
            continue;
        }
        char *eq = strchr(l, '=');
        if (!in || !eq)
            continue;
        *eq = '\0';
        char *k = trim(l), *v = trim(eq + 1);
        char **dst = strcmp(k, "aws_access_key_id") == 0       ? key
                     : strcmp(k, "aws_secret_access_key") == 0 ? secret
                     : strcmp(k, "aws_session_token") == 0     ? token
                                                               : NULL;
        if (dst) {
            free(*dst);
            *dst = wv_strdup(v);
        }
    }
    free(copy);
    return found ? 0 : -1;
}

/* Non-empty environment variable or NULL. */
static const char *env(const char *name)
{
    const char *v = getenv(name);
    return v && *v ? v : NULL;
}

/* Credentials: explicit config, else the environment, else the credentials file's profile. */
static int load_credentials(struct stor_s3 *s, const struct stor_s3_config *cfg,
                            struct wv_error *err)
{
    if (cfg->access_key_id && cfg->secret_access_key) {
        s->key_id = wv_strdup(cfg->access_key_id);
        s->secret = wv_strdup(cfg->secret_access_key);
        s->token = wv_strdup(cfg->session_token);
        return 0;
    }
    if (env("AWS_ACCESS_KEY_ID") && env("AWS_SECRET_ACCESS_KEY")) {
        s->key_id = wv_strdup(env("AWS_ACCESS_KEY_ID"));
        s->secret = wv_strdup(env("AWS_SECRET_ACCESS_KEY"));
        s->token = wv_strdup(env("AWS_SESSION_TOKEN"));
        return 0;
    }
    const char *profile = cfg->profile ? cfg->profile : env("AWS_PROFILE");
    if (!profile)
        profile = "default";
    char *path = cfg->credentials_file ? wv_strdup(cfg->credentials_file)
                 : env("AWS_SHARED_CREDENTIALS_FILE")
                     ? wv_strdup(env("AWS_SHARED_CREDENTIALS_FILE"))
                 : env("HOME") ? wv_asprintf("%s/.aws/credentials", env("HOME"))
                               : NULL;
    char *text = NULL;
    size_t len = 0;
    struct wv_error e = {0};
    int rc = -1;
    if (path && wv_fs_read_all(path, 1 << 20, &text, &len, &e) == 0) {
        if (stor_s3_ini_profile(text, profile, &s->key_id, &s->secret, &s->token) == 0 &&
            s->key_id && s->secret)
            rc = 0;
        free(text);
    }
    if (rc < 0)
        wv_error_set(err, WV_E_CONFIG, 0,
                     "S3: no credentials (config, AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, or "
                     "profile '%s' in %s)",
                     profile, path ? path : "~/.aws/credentials");
    free(path);
    return rc;
}

/* Creates a client (see storage.h). */
struct stor_s3 *stor_s3_new(const struct stor_s3_config *cfg, struct wv_error *err)
{
    static const struct stor_s3_config none = {0};
    if (!cfg)
        cfg = &none;
    if (cfg->endpoint && !wv_str_starts(cfg->endpoint, "http://") &&
        !wv_str_starts(cfg->endpoint, "https://")) {
        wv_error_set(err, WV_E_CONFIG, 0, "S3 endpoint %s: must start with http:// or https://",
                     cfg->endpoint);
        return NULL;
    }
    struct stor_s3 *s = wv_calloc(1, sizeof *s);
    if (load_credentials(s, cfg, err) < 0) {
        stor_s3_free(s);
        return NULL;
    }
    if (cfg->endpoint) {
        s->endpoint = wv_strdup(cfg->endpoint);
        size_t n = strlen(s->endpoint);
        while (n && s->endpoint[n - 1] == '/')
            s->endpoint[--n] = '\0';
    }
    const char *region = cfg->region                 ? cfg->region
                         : env("AWS_REGION")         ? env("AWS_REGION")
                         : env("AWS_DEFAULT_REGION") ? env("AWS_DEFAULT_REGION")
                                                     : "us-east-1";
    s->region = wv_strdup(region);
    s->max_retries = cfg->max_retries < 0 ? 0 : cfg->max_retries ? cfg->max_retries : 4;
    s->retry_base_ms = cfg->retry_base_ms > 0 ? cfg->retry_base_ms : 200;
    s->timeout_ms = cfg->timeout_ms > 0 ? cfg->timeout_ms : 300000;
    s->max_send_speed = cfg->max_send_speed > 0 ? cfg->max_send_speed : 0;
    s->part_size = cfg->part_size ? cfg->part_size : STOR_S3_MIN_PART;
    if (s->part_size < STOR_S3_MIN_PART)
        s->part_size = STOR_S3_MIN_PART;
    if (s->part_size > STOR_S3_MAX_PART)
        s->part_size = STOR_S3_MAX_PART;
    s->unsigned_payload = cfg->unsigned_payload;
    s->curl = curl_easy_init();
    if (!s->curl) {
        stor_s3_free(s);
        wv_error_set(err, WV_E_INTERNAL, 0, "S3: curl_easy_init failed");
        return NULL;
    }
    return s;
}

/* Frees a client, wiping the secret. */
void stor_s3_free(struct stor_s3 *s)
{
    if (!s)
        return;
    if (s->curl)
        curl_easy_cleanup(s->curl);
    if (s->secret)
        memset(s->secret, 0, strlen(s->secret));
    free(s->secret);
    free(s->key_id);
    free(s->token);
    free(s->endpoint);
    free(s->region);
    free(s);
}

/* The effective part size. */
int64_t stor_s3_part_size(const struct stor_s3 *s)
{
    return s->part_size;
}

/* Frees a request's results. */
void stor_s3_req_done(struct stor_s3_req *r)
{
    free(r->etag);
    free(r->last_modified);
    r->etag = r->last_modified = NULL;
}

/* Per-transfer state shared with the curl callbacks. */
struct xfer {
    struct stor_s3 *s;
    struct stor_s3_req *r;
    const char *body;
    size_t body_off;
    struct wv_buf errbody;
    int write_failed;
    struct wv_error werr;
};

/* Sends the request body. */
static size_t read_cb(char *dst, size_t size, size_t nmemb, void *ud)
{
    struct xfer *x = ud;
    size_t want = size * nmemb, left = x->r->body_len - x->body_off;
    size_t n = want < left ? want : left;
    if (n)
        memcpy(dst, x->body + x->body_off, n);
    x->body_off += n;
    return n;
}

/* Receives the body: 2xx into the caller's buffer or fd, anything else into errbody. */
static size_t write_cb(char *p, size_t size, size_t nmemb, void *ud)
{
    struct xfer *x = ud;
    size_t n = size * nmemb;
    long status = 0;
    curl_easy_getinfo(x->s->curl, CURLINFO_RESPONSE_CODE, &status);
    if (status < 200 || status >= 300) {
        if (x->errbody.len + n <= S3_ERR_BODY_MAX)
            wv_buf_append(&x->errbody, p, n, NULL);
        return n;
    }
    if (x->r->to_fd) {
        if (wv_fs_write_all(x->r->out_fd, p, n, "GET output", &x->werr) < 0) {
            x->write_failed = 1;
            return 0;
        }
    } else if (x->r->resp && wv_buf_append(x->r->resp, p, n, &x->werr) < 0) {
        x->write_failed = 1;
        return 0;
    }
    return n;
}

/* Picks ETag, Content-Length and Last-Modified out of the response headers. */
static size_t header_cb(char *p, size_t size, size_t nmemb, void *ud)
{
    struct xfer *x = ud;
    size_t n = size * nmemb;
    char *line = wv_strndup(p, n);
    char *colon = strchr(line, ':');
    if (wv_str_starts(line, "HTTP/")) {
        stor_s3_req_done(x->r);
        x->r->length = -1;
    } else if (colon) {
        *colon = '\0';
        char *v = trim(colon + 1);
        size_t vl = strlen(v);
        while (vl && (v[vl - 1] == '\n' || v[vl - 1] == '\r'))
            v[--vl] = '\0';
        if (strcasecmp(line, "etag") == 0) {
            free(x->r->etag);
            x->r->etag = wv_strdup(v);
        } else if (strcasecmp(line, "last-modified") == 0) {
            free(x->r->last_modified);
            x->r->last_modified = wv_strdup(v);
        } else if (strcasecmp(line, "content-length") == 0) {
            int64_t cl;
            if (wv_parse_i64(v, &cl) == 0)
                x->r->length = cl;
        }
    }
    free(line);
    return n;
}

/* Host, canonical URI and URL of a request. Caller frees all three. */
static int address(struct stor_s3 *s, const struct stor_s3_req *r, char **host, char **uri,
                   char **base, struct wv_error *err)
{
    struct wv_buf u;
    wv_buf_init(&u, 0);
    bool vhost = !s->endpoint && !strchr(r->bucket, '.');
    int rc = 0;
    if (!vhost)
        rc = wv_buf_putc(&u, '/', err) < 0 || stor_s3_uri_encode(&u, r->bucket, 1, err) < 0;
    /* a bucket request is "/bucket" path-style (as sent: S3 signs the path it receives) */
    bool has_key = r->key && *r->key;
    if (rc == 0 && (has_key || vhost))
        rc = wv_buf_putc(&u, '/', err);
    if (rc == 0 && has_key)
        rc = stor_s3_uri_encode(&u, r->key, 0, err);
    if (rc) {
        wv_buf_done(&u);
        return -1;
    }
    *uri = wv_buf_steal(&u, NULL);
    if (s->endpoint) {
        const char *h = strstr(s->endpoint, "://") + 3;
        *host = wv_strndup(h, strcspn(h, "/"));
        *base =
            wv_asprintf("%s://%s", wv_str_starts(s->endpoint, "https") ? "https" : "http", *host);
    } else {
        *host = vhost ? wv_asprintf("%s.s3.%s.amazonaws.com", r->bucket, s->region)
                      : wv_asprintf("s3.%s.amazonaws.com", s->region);
        *base = wv_asprintf("https://%s", *host);
    }
    return 0;
}

/* Turns a finished transfer's answer into an error message (never secrets). */
static int answer_error(struct stor_s3_req *r, struct xfer *x, struct wv_error *err)
{
    char *code = NULL, *msg = NULL;
    stor_s3_xml_error(wv_buf_cstr(&x->errbody), &code, &msg);
    enum wv_code c = r->status == 404                       ? WV_E_NOTFOUND
                     : r->status >= 500 || r->status == 429 ? WV_E_HTTP
                     : r->status == 403 || r->status == 401 ? WV_E_CONFIG
                                                            : WV_E_PROTOCOL;
    const char *dflt = r->status == 404 ? "NotFound" : r->status == 403 ? "Forbidden" : "Error";
    wv_error_set(err, c, r->status, "HTTP %ld: %s%s%s", r->status, code ? code : dflt,
                 msg ? ": " : "", msg ? msg : "");
    free(code);
    free(msg);
    return -1;
}

/* Builds the signed header list. Caller frees with curl_slist_free_all. */
static struct curl_slist *signed_headers(struct stor_s3 *s, struct stor_s3_req *r, const char *host,
                                         const char *uri, char **query, struct wv_error *err)
{
    char date[17], hash[65];
    stor_s3_amz_date(wv_clock_now_ms(wv_clock_system()), date);
    if (r->unsigned_body || (s->unsigned_payload && strcmp(r->method, "PUT") == 0)) {
        wv_strlcpy(hash, "UNSIGNED-PAYLOAD", sizeof hash);
    } else {
        uint8_t d[32];
        wv_sha256(r->body ? r->body : "", r->body_len, d);
        stor_s3_hex(d, 32, hash);
    }
    struct stor_s3_kv h[4] = {{"host", host},
                              {"x-amz-content-sha256", hash},
                              {"x-amz-date", date},
                              {"x-amz-security-token", s->token}};
    struct stor_s3_sig_req sr = {.method = r->method,
                                 .uri = uri,
                                 .query = r->query,
                                 .n_query = r->n_query,
                                 .headers = h,
                                 .n_headers = s->token ? 4 : 3,
                                 .payload_hash = hash,
                                 .amz_date = date,
                                 .region = s->region,
                                 .service = "s3",
                                 .access_key = s->key_id,
                                 .secret_key = s->secret};
    struct stor_s3_sig sig;
    if (stor_s3_sign(&sr, &sig, err) < 0)
        return NULL;
    struct curl_slist *l = NULL;
    for (size_t i = 0; i < sr.n_headers; i++) {
        char *line = wv_asprintf("%s: %s", h[i].name, h[i].value);
        l = curl_slist_append(l, line);
        free(line);
    }
    char *auth = wv_asprintf("Authorization: %s", sig.authorization);
    l = curl_slist_append(l, auth);
    free(auth);
    l = curl_slist_append(l, "Expect:");
    l = curl_slist_append(l, "Content-Type:");
    *query = wv_strdup(sig.canonical_query);
    stor_s3_sig_done(&sig);
    return l;
}

/* Sets the method and body options. */
static void set_method(CURL *c, struct stor_s3_req *r, struct xfer *x)
{
    if (strcmp(r->method, "HEAD") == 0) {
        curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
    } else if (strcmp(r->method, "PUT") == 0) {
        curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
        curl_easy_setopt(c, CURLOPT_READFUNCTION, read_cb);
        curl_easy_setopt(c, CURLOPT_READDATA, x);
        curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, (curl_off_t)r->body_len);
    } else if (strcmp(r->method, "POST") == 0) {
        curl_easy_setopt(c, CURLOPT_POST, 1L);
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, r->body ? (const char *)r->body : "");
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)r->body_len);
    } else if (strcmp(r->method, "GET") != 0) {
        curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, r->method);
    }
}

/* One try: sign, send, classify. */
static int request_once(struct stor_s3 *s, struct stor_s3_req *r, struct wv_error *err)
{
    char *host = NULL, *uri = NULL, *base = NULL, *query = NULL;
    if (address(s, r, &host, &uri, &base, err) < 0)
        return -1;
    struct curl_slist *hl = signed_headers(s, r, host, uri, &query, err);
    int rc = -1;
    if (hl) {
        char *url = wv_asprintf("%s%s%s%s", base, uri, *query ? "?" : "", query);
        struct xfer x = {.s = s, .r = r, .body = r->body};
        wv_buf_init(&x.errbody, S3_ERR_BODY_MAX + 1);
        CURL *c = s->curl;
        curl_easy_reset(c);
        curl_easy_setopt(c, CURLOPT_URL, url);
        curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
        curl_easy_setopt(c, CURLOPT_HTTPHEADER, hl);
        curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
        curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
        curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, s->timeout_ms);
        if (s->max_send_speed > 0)
            curl_easy_setopt(c, CURLOPT_MAX_SEND_SPEED_LARGE, (curl_off_t)s->max_send_speed);
        curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, 30000L);
        curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, write_cb);
        curl_easy_setopt(c, CURLOPT_WRITEDATA, &x);
        curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, header_cb);
        curl_easy_setopt(c, CURLOPT_HEADERDATA, &x);
        set_method(c, r, &x);
        r->length = -1;
        CURLcode cc = curl_easy_perform(c);
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
        if (x.write_failed) {
            wv_error_set(err, x.werr.code, x.werr.detail, "%s", x.werr.msg);
        } else if (cc != CURLE_OK) {
            wv_error_set(err, cc == CURLE_OPERATION_TIMEDOUT ? WV_E_TIMEOUT : WV_E_NETWORK, cc,
                         "%s", curl_easy_strerror(cc));
        } else if (r->status < 200 || r->status >= 300) {
            answer_error(r, &x, err);
        } else if (strcmp(r->method, "POST") == 0 && r->resp &&
                   strstr(wv_buf_cstr(r->resp), "<Error>")) {
            /* CompleteMultipartUpload may answer 200 with an error document */
            wv_buf_append(&x.errbody, r->resp->data, r->resp->len, NULL);
            answer_error(r, &x, err);
            err->code = WV_E_HTTP;
        } else {
            rc = 0;
        }
        wv_buf_done(&x.errbody);
        curl_slist_free_all(hl);
        free(url);
    }
    free(query);
    free(host);
    free(uri);
    free(base);
    return rc;
}

/* Sleeps ms milliseconds. */
static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) < 0 && errno == EINTR) {
    }
}

/* Sends r, retrying retryable failures of idempotent requests with exponential backoff. */
int stor_s3_request(struct stor_s3 *s, struct stor_s3_req *r, struct wv_error *err)
{
    off_t start = r->to_fd ? lseek(r->out_fd, 0, SEEK_CUR) : -1;
    size_t resp_start = r->resp ? r->resp->len : 0;
    long backoff = s->retry_base_ms;
    for (int attempt = 0;; attempt++) {
        struct wv_error e = {0};
        if (request_once(s, r, &e) == 0)
            return 0;
        bool again = r->idempotent && attempt < s->max_retries && wv_code_retryable(e.code);
        if (again && r->to_fd)
            again = start >= 0 && ftruncate(r->out_fd, start) == 0 &&
                    lseek(r->out_fd, start, SEEK_SET) == start;
        if (!again) {
            wv_error_set(err, e.code, e.detail, "%s s3://%s/%s%s: %s", r->method, r->bucket,
                         r->key ? r->key : "", r->what ? r->what : "", e.msg);
            return -1;
        }
        if (r->resp && r->resp->data) {
            r->resp->len = resp_start;
            r->resp->data[resp_start] = '\0';
        }
        stor_s3_req_done(r);
        long jitter = (long)(wv_clock_mono_ns(wv_clock_system()) % (backoff / 4 + 1));
        sleep_ms(backoff + jitter);
        backoff = backoff * 2 > 10000 ? 10000 : backoff * 2;
    }
}
