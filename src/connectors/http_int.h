/* http_int.h - the HTTP client of declarative connectors, on libcurl. One struct conn_http per
 * thread (a curl easy handle and its connection cache). It performs one exchange at a time and
 * never retries: retry, backoff and error classification belong to the declarative runtime's
 * error handler. URL prefixes can be rewritten (--http-rewrite FROM=TO, to run manifests that
 * hard-code https://api.example.com against a fixture server on 127.0.0.1); the standard
 * http_proxy / HTTPS_PROXY / NO_PROXY variables are honoured; TLS verification is always on. */
#ifndef HTTP_INT_H
#define HTTP_INT_H

#include <stddef.h>
#include <stdint.h>

#include "base/error.h"
#include "base/json.h"

struct conn_http_counts; /* connectors.h */

struct conn_http_rewrite {
    const char *from; /* URL prefix, e.g. "https://api.example.com" */
    const char *to;   /* replacement, e.g. "http://127.0.0.1:8080" */
};

struct conn_http_opts {
    const struct conn_http_rewrite *rewrites; /* borrowed; first matching prefix wins */
    size_t n_rewrites;
    size_t max_body;        /* responses over this are WV_E_LIMIT (0: 64 MiB) */
    long connect_timeout_ms; /* 0: 30 s */
    long timeout_ms;        /* whole exchange; 0: 300 s */
    const char *user_agent; /* NULL: "weaver/<version>" */
    struct conn_http_counts *counts; /* borrowed, may be NULL: every exchange adds 1 to requests,
                                        and 1 to failed without a response or status >= 400 */
};

struct conn_http_header {
    const char *name;
    const char *value;
};

struct conn_http_req {
    const char *method;     /* "GET", "POST", ... */
    const char *url;        /* full URL, query string included (already encoded) */
    const struct conn_http_header *headers; /* borrowed */
    size_t n_headers;
    const char *body;       /* may be NULL */
    size_t body_len;
};

struct conn_http_resp {
    long status;            /* HTTP status */
    char *url;              /* the URL actually requested (after rewrite); owned */
    struct wv_json *headers; /* object: lower-case header name -> string value (repeated
                                headers joined with ", "); owned */
    char *body;             /* NUL-terminated; owned */
    size_t body_len;
    int64_t elapsed_ms;
};

struct conn_http;

/* Creates a client (opts are copied). Caller frees. */
struct conn_http *conn_http_new(const struct conn_http_opts *opts, struct wv_error *err);
void conn_http_free(struct conn_http *h);

/* Performs one exchange. A response with any status is a success (0); -1 only when no response
 * came: WV_E_NETWORK (connect/reset/DNS, with curl's message and the URL), WV_E_TIMEOUT,
 * WV_E_LIMIT (body over max_body). Errors name the method and URL without query-string values
 * that look like secrets (see conn_http_redact). resp: caller calls conn_http_resp_done. */
int conn_http_do(struct conn_http *h, const struct conn_http_req *req,
                 struct conn_http_resp *resp, struct wv_error *err);
void conn_http_resp_done(struct conn_http_resp *resp);

/* Applies the rewrite rules to a URL; caller frees. */
char *conn_http_rewrite_url(const struct conn_http *h, const char *url);

/* Percent-encodes s for a query component (RFC 3986 unreserved kept). Caller frees. */
char *conn_http_urlencode(const char *s);

/* Appends "k=v" pairs of a JSON object (values rendered as text; lists repeat the key) to a URL
 * that may already have a query string. Caller frees. */
char *conn_http_url_with_params(const char *url, const struct wv_json *params);

/* A copy of url with the values of query parameters whose names look secret (key, token,
 * secret, password, signature, auth ...) replaced by "***". Caller frees. */
char *conn_http_redact(const char *url);

/* Parses an RFC 8288 Link header into {"next": {"url": "...", "rel": "next", ...}, ...} (the
 * shape the CDK exposes as headers['link']). Caller frees; empty object when none. */
struct wv_json *conn_http_parse_link(const char *value);

#endif
