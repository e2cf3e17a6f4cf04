/* http.c - the HTTP client of declarative connectors, on libcurl (see http_int.h). Each
 * struct conn_http is owned by one thread (the worker reading a stream); the pure URL helpers
 * (urlencode, params, redact, Link parsing) are reentrant. Link headers follow RFC 8288
 * (https://www.rfc-editor.org/rfc/rfc8288) the lenient way python-requests parses them, since
 * the CDK exposes that result as headers['link']. */
#include "connectors/http_int.h"

#include <ctype.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "base/buf.h"
#include "base/mem.h"
#include "connectors/connectors.h"

#define HTTP_DEFAULT_MAX_BODY ((size_t)64 << 20)
#define HTTP_DEFAULT_CONNECT_MS 30000L
#define HTTP_DEFAULT_TIMEOUT_MS 300000L
#define HTTP_MAX_HEADER_BYTES ((size_t)1 << 20) /* all response headers of one exchange */
#define HTTP_MAX_REDIRS 30L                     /* python-requests' default */

struct conn_http {
    CURL *curl;
    struct conn_http_rewrite *rewrites; /* deep copies */
    size_t n_rewrites;
    size_t max_body;
    long connect_timeout_ms;
    long timeout_ms;
    char *user_agent;
    struct conn_http_counts *counts; /* borrowed, may be NULL */
    char errbuf[CURL_ERROR_SIZE];
};

/* State of one exchange, shared with the curl callbacks. */
struct http_xfer {
    struct wv_buf body;
    struct wv_json *headers; /* of the last status line seen */
    char *last_name;         /* header an obs-fold continuation line belongs to */
    size_t header_bytes;
    bool over_limit;
};

static pthread_once_t http_once = PTHREAD_ONCE_INIT;
static CURLcode http_global_rc = CURLE_OK;

/* Initialises libcurl once per process. */
static void http_global_init(void)
{
    http_global_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

/* Copies a string, or NULL. */
static char *dup_or_null(const char *s)
{
    return s ? wv_strdup(s) : NULL;
}

/* Creates a client with its own easy handle. */
struct conn_http *conn_http_new(const struct conn_http_opts *opts, struct wv_error *err)
{
    pthread_once(&http_once, http_global_init);
    if (http_global_rc != CURLE_OK) {
        wv_error_set(err, WV_E_INTERNAL, http_global_rc, "curl_global_init: %s",
                     curl_easy_strerror(http_global_rc));
        return NULL;
    }
    CURL *curl = curl_easy_init();
    if (!curl) {
        wv_error_set(err, WV_E_INTERNAL, 0, "curl_easy_init failed");
        return NULL;
    }
    struct conn_http *h = wv_calloc(1, sizeof(*h));
    h->curl = curl;
    struct conn_http_opts dflt = {0};
    if (!opts)
        opts = &dflt;
    h->n_rewrites = opts->n_rewrites;
    if (h->n_rewrites) {
        h->rewrites = wv_calloc(h->n_rewrites, sizeof(*h->rewrites));
        for (size_t i = 0; i < h->n_rewrites; i++) {
            h->rewrites[i].from = dup_or_null(opts->rewrites[i].from);
            h->rewrites[i].to = dup_or_null(opts->rewrites[i].to);
        }
    }
    h->max_body = opts->max_body ? opts->max_body : HTTP_DEFAULT_MAX_BODY;
    h->connect_timeout_ms =
        opts->connect_timeout_ms > 0 ? opts->connect_timeout_ms : HTTP_DEFAULT_CONNECT_MS;
    h->timeout_ms = opts->timeout_ms > 0 ? opts->timeout_ms : HTTP_DEFAULT_TIMEOUT_MS;
    h->user_agent =
        opts->user_agent ? wv_strdup(opts->user_agent) : wv_strdup("weaver/" WEAVER_VERSION);
    h->counts = opts->counts;
    return h;
}

/* Frees the client and its connection cache. */
void conn_http_free(struct conn_http *h)
{
    if (!h)
        return;
    curl_easy_cleanup(h->curl);
    for (size_t i = 0; i < h->n_rewrites; i++) {
        free((char *)h->rewrites[i].from);
        free((char *)h->rewrites[i].to);
    }
    free(h->rewrites);
    free(h->user_agent);
    free(h);
}

/* Whether url starts with prefix at a URL boundary ("https://a.com" is no prefix of
 * "https://a.com.evil.org"). */
static bool url_prefix_matches(const char *url, const char *prefix)
{
    size_t n = strlen(prefix);
    if (n == 0 || strncmp(url, prefix, n) != 0)
        return false;
    char next = url[n];
    return prefix[n - 1] == '/' || next == '\0' || next == '/' || next == '?' || next == '#';
}

/* Applies the first matching rewrite rule. */
char *conn_http_rewrite_url(const struct conn_http *h, const char *url)
{
    for (size_t i = 0; h && i < h->n_rewrites; i++) {
        const struct conn_http_rewrite *r = &h->rewrites[i];
        if (r->from && r->to && url_prefix_matches(url, r->from))
            return wv_asprintf("%s%s", r->to, url + strlen(r->from));
    }
    return wv_strdup(url);
}

/* Receives body bytes; aborts the transfer (returns 0) past the cap. */
static size_t on_body(char *data, size_t size, size_t nmemb, void *ud)
{
    struct http_xfer *x = ud;
    size_t n = size * nmemb;
    if (wv_buf_append(&x->body, data, n, NULL) < 0) {
        x->over_limit = true;
        return 0;
    }
    return n;
}

/* Trims ASCII whitespace (including CR/LF) at both ends of [*s, *s + *n). */
static void trim_span(const char **s, size_t *n)
{
    while (*n && isspace((unsigned char)**s)) {
        (*s)++;
        (*n)--;
    }
    while (*n && isspace((unsigned char)(*s)[*n - 1]))
        (*n)--;
}

/* Adds value to header name (lower-case), joining a repeat with sep. */
static void header_add(struct wv_json *obj, const char *name, const char *v, size_t vn,
                       const char *sep)
{
    const char *old = wv_json_get_str(obj, name);
    if (old) {
        char *joined = wv_asprintf("%s%s%.*s", old, *old && vn ? sep : "", (int)vn, v);
        wv_json_set(obj, name, wv_json_str(joined));
        free(joined);
    } else {
        wv_json_set(obj, name, wv_json_strn(v, vn));
    }
}

/* Receives one header line: a status line starts a new header set (redirects, 1xx). */
static size_t on_header(char *data, size_t size, size_t nmemb, void *ud)
{
    struct http_xfer *x = ud;
    size_t n = size * nmemb;
    x->header_bytes += n;
    if (x->header_bytes > HTTP_MAX_HEADER_BYTES)
        return 0;
    if (n >= 5 && memcmp(data, "HTTP/", 5) == 0) {
        wv_json_free(x->headers);
        x->headers = wv_json_object();
        free(x->last_name);
        x->last_name = NULL;
        return n;
    }
    if (n && (data[0] == ' ' || data[0] == '\t')) { /* obs-fold: continues the last header */
        const char *v = data;
        size_t vn = n;
        trim_span(&v, &vn);
        if (x->last_name && vn)
            header_add(x->headers, x->last_name, v, vn, " ");
        return n;
    }
    const char *colon = memchr(data, ':', n);
    if (!colon || colon == data)
        return n; /* blank line ending the block, or junk */
    const char *name = data;
    size_t nn = (size_t)(colon - data);
    trim_span(&name, &nn);
    char *lname = wv_strndup(name, nn);
    for (char *p = lname; *p; p++)
        *p = (char)tolower((unsigned char)*p);
    const char *v = colon + 1;
    size_t vn = n - (size_t)(v - data);
    trim_span(&v, &vn);
    if (strcmp(lname, "content-length") == 0 && x->body.len == 0) {
        int64_t cl = 0; /* size the body buffer once (curl enforces max_body on it) */
        char tmp[32];
        if (vn < sizeof(tmp)) {
            memcpy(tmp, v, vn);
            tmp[vn] = '\0';
            if (wv_parse_i64(tmp, &cl) == 0 && cl > 0 && (uint64_t)cl <= x->body.max)
                wv_buf_reserve(&x->body, (size_t)cl, NULL);
        }
    }
    header_add(x->headers, lname, v, vn, ", ");
    free(x->last_name);
    x->last_name = lname;
    return n;
}

/* Builds the request header list; NULL-safe on allocation failure of curl (returns NULL). */
static struct curl_slist *build_headers(const struct conn_http_req *req)
{
    struct curl_slist *list = curl_slist_append(NULL, "Expect:"); /* no 100-continue pause */
    for (size_t i = 0; list && i < req->n_headers; i++) {
        const struct conn_http_header *hd = &req->headers[i];
        if (!hd->name || !*hd->name)
            continue;
        /* "Name;" is curl's way to send a header with an empty value. */
        char *line = hd->value && *hd->value ? wv_asprintf("%s: %s", hd->name, hd->value)
                                             : wv_asprintf("%s;", hd->name);
        struct curl_slist *l2 = curl_slist_append(list, line);
        free(line);
        if (!l2) {
            curl_slist_free_all(list);
            return NULL;
        }
        list = l2;
    }
    return list;
}

/* The proxy for an http:// URL from HTTP_PROXY when only the upper-case form is set (libcurl
 * reads the lower-case one only; python-requests reads both). Borrowed from the env. */
static const char *upper_http_proxy(const char *url)
{
    if (strncasecmp(url, "http://", 7) != 0 || getenv("http_proxy"))
        return NULL;
    const char *p = getenv("HTTP_PROXY");
    return p && *p ? p : NULL;
}

/* Sets the per-exchange options: method, body, redirects, limits. */
static void set_request_opts(struct conn_http *h, const struct conn_http_req *req, const char *url,
                             struct http_xfer *x, struct curl_slist *hdrs)
{
    CURL *c = h->curl;
    const char *m = req->method && *req->method ? req->method : "GET";
    curl_easy_reset(c); /* options only; the connection cache survives */
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, h->errbuf);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_USERAGENT, h->user_agent);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
    curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "");
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, h->connect_timeout_ms);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, h->timeout_ms);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, x);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, x);
    curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)h->max_body);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    const char *proxy = upper_http_proxy(url);
    if (proxy)
        curl_easy_setopt(c, CURLOPT_PROXY, proxy);
    /* Redirects: followed like python-requests for GET/HEAD/POST (a POST answered by 301/302/303
     * goes on as GET). Other methods get the 3xx back: curl would resend their custom verb. */
    bool follow = true;
    if (strcmp(m, "GET") == 0) {
        curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
    } else if (strcmp(m, "HEAD") == 0) {
        curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
    } else if (strcmp(m, "POST") == 0) {
        curl_easy_setopt(c, CURLOPT_POST, 1L);
    } else {
        curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, m);
        follow = false;
    }
    if (req->body || strcmp(m, "POST") == 0) {
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)req->body_len);
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, req->body ? req->body : "");
        if (strcmp(m, "GET") == 0) /* a GET with a body */
            curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, "GET");
    }
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, follow ? 1L : 0L);
    curl_easy_setopt(c, CURLOPT_MAXREDIRS, HTTP_MAX_REDIRS);
}

/* Maps a failed transfer to a weaver error naming method and (redacted) URL. */
static int transfer_error(struct conn_http *h, const char *method, const char *url, CURLcode rc,
                          const struct http_xfer *x, struct wv_error *err)
{
    char *safe = conn_http_redact(url);
    const char *why = h->errbuf[0] ? h->errbuf : curl_easy_strerror(rc);
    enum wv_code code = WV_E_NETWORK;
    if (x->over_limit || rc == CURLE_FILESIZE_EXCEEDED)
        code = WV_E_LIMIT;
    else if (rc == CURLE_OPERATION_TIMEDOUT)
        code = WV_E_TIMEOUT;
    else if (rc == CURLE_URL_MALFORMAT || rc == CURLE_UNSUPPORTED_PROTOCOL)
        code = WV_E_CONFIG;
    if (code == WV_E_LIMIT)
        wv_error_set(err, code, rc, "%s %s: response body over the limit of %zu bytes", method,
                     safe, h->max_body);
    else if (rc == CURLE_WRITE_ERROR && x->header_bytes > HTTP_MAX_HEADER_BYTES)
        wv_error_set(err, WV_E_LIMIT, rc, "%s %s: response headers over %zu bytes", method, safe,
                     HTTP_MAX_HEADER_BYTES);
    else
        wv_error_set(err, code, rc, "%s %s: %s", method, safe, why);
    free(safe);
    return -1;
}

/* Performs one exchange (no retries). */
int conn_http_do(struct conn_http *h, const struct conn_http_req *req, struct conn_http_resp *resp,
                 struct wv_error *err)
{
    memset(resp, 0, sizeof(*resp));
    const char *method = req->method && *req->method ? req->method : "GET";
    char *url = conn_http_rewrite_url(h, req->url ? req->url : "");
    struct curl_slist *hdrs = build_headers(req);
    if (!hdrs) {
        free(url);
        return wv_error_set(err, WV_E_NOMEM, 0, "%s: out of memory for headers", method);
    }
    struct http_xfer x = {.headers = wv_json_object()};
    wv_buf_init(&x.body, h->max_body);
    h->errbuf[0] = '\0';
    set_request_opts(h, req, url, &x, hdrs);
    CURLcode rc = curl_easy_perform(h->curl);
    curl_slist_free_all(hdrs);
    int ret = 0;
    if (rc != CURLE_OK) {
        ret = transfer_error(h, method, url, rc, &x, err);
        wv_buf_done(&x.body);
        wv_json_free(x.headers);
        free(url);
    } else {
        char *eff = NULL;
        curl_off_t us = 0;
        curl_easy_getinfo(h->curl, CURLINFO_RESPONSE_CODE, &resp->status);
        curl_easy_getinfo(h->curl, CURLINFO_EFFECTIVE_URL, &eff);
        curl_easy_getinfo(h->curl, CURLINFO_TOTAL_TIME_T, &us);
        resp->url = eff ? wv_strdup(eff) : url;
        if (eff)
            free(url);
        resp->headers = x.headers;
        resp->body = wv_buf_steal(&x.body, &resp->body_len);
        resp->elapsed_ms = (int64_t)(us / 1000);
    }
    free(x.last_name);
    if (h->counts) {
        atomic_fetch_add(&h->counts->requests, 1);
        if (ret < 0 || resp->status >= 400)
            atomic_fetch_add(&h->counts->failed, 1);
    }
    return ret;
}

/* Frees what a response owns. */
void conn_http_resp_done(struct conn_http_resp *resp)
{
    if (!resp)
        return;
    free(resp->url);
    wv_json_free(resp->headers);
    free(resp->body);
    memset(resp, 0, sizeof(*resp));
}

/* Whether c is an RFC 3986 unreserved character. */
static bool is_unreserved(unsigned char c)
{
    return isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~';
}

/* Appends s percent-encoded. */
static void put_encoded(struct wv_buf *b, const char *s, size_t n)
{
    static const char hex[] = "0123456789ABCDEF";
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (is_unreserved(c)) {
            wv_buf_putc(b, (char)c, NULL);
        } else {
            char e[3] = {'%', hex[c >> 4], hex[c & 15]};
            wv_buf_append(b, e, 3, NULL);
        }
    }
}

/* Percent-encodes a query component. */
char *conn_http_urlencode(const char *s)
{
    struct wv_buf b = WV_BUF_INIT;
    put_encoded(&b, s ? s : "", s ? strlen(s) : 0);
    return wv_buf_steal(&b, NULL);
}

/* Appends one scalar value as text the way python-requests renders it (True/False); objects
 * as compact JSON. Returns false for null (requests drops None). */
static bool put_value(struct wv_buf *b, const struct wv_json *v)
{
    switch (v->type) {
    case WV_JSON_NULL:
        return false;
    case WV_JSON_BOOL:
        wv_buf_puts(b, v->b ? "True" : "False", NULL);
        return true;
    case WV_JSON_NUMBER:
    case WV_JSON_STRING:
        put_encoded(b, v->s, v->slen);
        return true;
    default: {
        char *js = wv_json_to_string(v);
        put_encoded(b, js, strlen(js));
        free(js);
        return true;
    }
    }
}

/* Appends "k=v" (repeated for lists) with the right separator. */
static void put_param(struct wv_buf *b, const char *k, const struct wv_json *v, bool *first)
{
    if (v->type == WV_JSON_ARRAY) {
        for (size_t i = 0; i < v->len; i++)
            if (v->items[i]->type != WV_JSON_ARRAY)
                put_param(b, k, v->items[i], first);
        return;
    }
    if (v->type == WV_JSON_NULL)
        return;
    if (!*first)
        wv_buf_putc(b, '&', NULL);
    *first = false;
    put_encoded(b, k, strlen(k));
    wv_buf_putc(b, '=', NULL);
    put_value(b, v);
}

/* Adds query parameters to a URL, before any fragment. */
char *conn_http_url_with_params(const char *url, const struct wv_json *params)
{
    const char *hash = strchr(url, '#');
    size_t base = hash ? (size_t)(hash - url) : strlen(url);
    struct wv_buf b = WV_BUF_INIT;
    wv_buf_append(&b, url, base, NULL);
    if (params && params->type == WV_JSON_OBJECT && params->len) {
        struct wv_buf q = WV_BUF_INIT;
        bool first = true;
        for (size_t i = 0; i < params->len; i++)
            put_param(&q, params->keys[i], params->items[i], &first);
        if (q.len) {
            const char *qm = memchr(url, '?', base);
            char last = base ? url[base - 1] : '\0';
            if (!qm)
                wv_buf_putc(&b, '?', NULL);
            else if (last != '?' && last != '&')
                wv_buf_putc(&b, '&', NULL);
            wv_buf_append(&b, q.data, q.len, NULL);
        }
        wv_buf_done(&q);
    }
    if (hash)
        wv_buf_puts(&b, hash, NULL);
    return wv_buf_steal(&b, NULL);
}

/* Whether a query parameter name looks like it carries a secret (over-masking is harmless). */
static bool name_is_secret(const char *k, size_t n)
{
    static const char *const contains[] = {"key",  "token",     "secret",     "passw",  "pwd",
                                           "auth", "signature", "credential", "session"};
    static const char *const suffixes[] = {"sig", "code"}; /* "sig", "x_sig", not "design" */
    char low[64];
    if (n >= sizeof(low))
        n = sizeof(low) - 1;
    for (size_t i = 0; i < n; i++)
        low[i] = (char)tolower((unsigned char)k[i]);
    low[n] = '\0';
    for (size_t i = 0; i < sizeof(contains) / sizeof(contains[0]); i++)
        if (strstr(low, contains[i]))
            return true;
    for (size_t i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++) {
        size_t sl = strlen(suffixes[i]);
        if (n >= sl && strcmp(low + n - sl, suffixes[i]) == 0 &&
            (n == sl || !isalpha((unsigned char)low[n - sl - 1])))
            return true;
    }
    return false;
}

/* Appends the authority part with any password masked ("user:***@host"). */
static void put_authority(struct wv_buf *b, const char *s, size_t n)
{
    const char *at = NULL;
    for (size_t i = 0; i < n; i++)
        if (s[i] == '@')
            at = s + i;
    const char *colon = at ? memchr(s, ':', (size_t)(at - s)) : NULL;
    if (colon) {
        wv_buf_append(b, s, (size_t)(colon - s), NULL);
        wv_buf_puts(b, ":***", NULL);
        wv_buf_append(b, at, n - (size_t)(at - s), NULL);
    } else {
        wv_buf_append(b, s, n, NULL);
    }
}

/* Appends the query with secret-looking values masked. */
static void put_redacted_query(struct wv_buf *b, const char *q, size_t n)
{
    size_t i = 0;
    while (i <= n) {
        const char *amp = memchr(q + i, '&', n - i);
        size_t end = amp ? (size_t)(amp - q) : n;
        const char *eq = memchr(q + i, '=', end - i);
        if (eq && name_is_secret(q + i, (size_t)(eq - (q + i))) && eq + 1 < q + end) {
            wv_buf_append(b, q + i, (size_t)(eq - (q + i)) + 1, NULL);
            wv_buf_puts(b, "***", NULL);
        } else {
            wv_buf_append(b, q + i, end - i, NULL);
        }
        if (!amp)
            break;
        wv_buf_putc(b, '&', NULL);
        i = end + 1;
    }
}

/* A copy of url safe for messages. */
char *conn_http_redact(const char *url)
{
    struct wv_buf b = WV_BUF_INIT;
    if (!url)
        return wv_strdup("");
    const char *p = url;
    const char *scheme = strstr(url, "://");
    if (scheme && !memchr(url, '?', (size_t)(scheme - url))) {
        p = scheme + 3;
        wv_buf_append(&b, url, (size_t)(p - url), NULL);
        size_t an = strcspn(p, "/?#");
        put_authority(&b, p, an);
        p += an;
    }
    size_t pn = strcspn(p, "?#");
    wv_buf_append(&b, p, pn, NULL);
    p += pn;
    if (*p == '?') {
        p++;
        size_t qn = strcspn(p, "#");
        wv_buf_putc(&b, '?', NULL);
        put_redacted_query(&b, p, qn);
        p += qn;
    }
    wv_buf_puts(&b, p, NULL);
    return wv_buf_steal(&b, NULL);
}

/* Copies [s, s+n) without surrounding spaces and quotes (requests' strip(" '\"")). */
static char *strip_quotes(const char *s, size_t n, const char *chars)
{
    while (n && strchr(chars, *s)) {
        s++;
        n--;
    }
    while (n && strchr(chars, s[n - 1]))
        n--;
    return wv_strndup(s, n);
}

/* Parses one link-value "<url>; k=v; ..." into an object. */
static struct wv_json *parse_one_link(const char *s, size_t n)
{
    const char *semi = memchr(s, ';', n);
    size_t un = semi ? (size_t)(semi - s) : n;
    struct wv_json *link = wv_json_object();
    char *u = strip_quotes(s, un, "<> '\"");
    wv_json_set(link, "url", wv_json_str(u));
    free(u);
    const char *p = semi ? semi + 1 : s + n;
    const char *end = s + n;
    while (p < end) {
        const char *q = memchr(p, ';', (size_t)(end - p));
        size_t pn = q ? (size_t)(q - p) : (size_t)(end - p);
        const char *eq = memchr(p, '=', pn);
        if (eq) {
            char *k = strip_quotes(p, (size_t)(eq - p), " '\"");
            char *v = strip_quotes(eq + 1, pn - (size_t)(eq - p) - 1, " '\"");
            if (*k)
                wv_json_set(link, k, wv_json_str(v));
            free(k);
            free(v);
        }
        p = q ? q + 1 : end;
    }
    return link;
}

/* Parses a Link header into {rel: {url, rel, ...}}. */
struct wv_json *conn_http_parse_link(const char *value)
{
    struct wv_json *out = wv_json_object();
    if (!value)
        return out;
    const char *p = value;
    size_t n = strlen(value);
    /* link-values are split at "," followed by optional spaces and "<" (commas inside
     * the <url> or quoted params stay put). */
    while (n) {
        const char *cut = NULL;
        for (size_t i = 0; i < n && !cut; i++) {
            if (p[i] != ',')
                continue;
            size_t j = i + 1;
            while (j < n && p[j] == ' ')
                j++;
            if (j < n && p[j] == '<')
                cut = p + i;
        }
        size_t len = cut ? (size_t)(cut - p) : n;
        const char *s = p;
        size_t sn = len;
        trim_span(&s, &sn);
        if (sn) {
            struct wv_json *link = parse_one_link(s, sn);
            const char *rel = wv_json_get_str(link, "rel");
            char *key = wv_strdup(rel && *rel ? rel : wv_json_get_str(link, "url"));
            wv_json_set(out, key, link);
            free(key);
        }
        if (!cut)
            break;
        p = cut + 1;
        n -= len + 1;
    }
    return out;
}
