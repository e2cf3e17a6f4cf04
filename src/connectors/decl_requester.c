/* decl_requester.c - HttpRequester: url_base + path, http_method, request_parameters,
 * request_headers, request_body_json / request_body_data (and request_body), authenticator and
 * the retry loop driven by the error handler; responses decoded by the stream's decoder (JSON
 * here, the others in decl_xml.c) with headers['link'] parsed. Follows the CDK's requesters/http_requester.py and http/http_client.py.
 * Built on the opening thread; sends on the reading thread. */
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "connectors/decl_int.h"

/* Builds an HttpRequester. */
int conn_decl_requester_build(struct decl_requester *r, const struct wv_json *node,
                              const char *origin, struct wv_error *err)
{
    memset(r, 0, sizeof *r);
    char w[512];
    if (!node || node->type != WV_JSON_OBJECT)
        return wv_error_set(err, WV_E_CONFIG, 0, "%s: retriever needs a requester",
                            conn_decl_where(origin, node, w, sizeof w));
    if (*conn_decl_type(node) && strcmp(conn_decl_type(node), "HttpRequester") != 0)
        return conn_decl_unsupported(origin, node, "requester", err);
    const struct wv_json *body = wv_json_get(node, "request_body");
    if (conn_decl_field(&r->url_base, node, "url_base", origin, err) < 0 ||
        conn_decl_field(&r->path, node, "path", origin, err) < 0 ||
        conn_decl_field(&r->method, node, "http_method", origin, err) < 0 ||
        conn_decl_field(&r->params, node, "request_parameters", origin, err) < 0 ||
        conn_decl_field(&r->headers, node, "request_headers", origin, err) < 0)
        return -1;
    if (body && strcmp(conn_decl_type(body), "RequestBodyUrlEncodedForm") == 0) {
        if (conn_decl_field(&r->body_data, body, "value", origin, err) < 0)
            return -1;
    } else if (body) {
        if (conn_decl_field(&r->body_json, body, "value", origin, err) < 0)
            return -1;
    } else if (conn_decl_field(&r->body_json, node, "request_body_json", origin, err) < 0 ||
               conn_decl_field(&r->body_data, node, "request_body_data", origin, err) < 0) {
        return -1;
    }
    if (!r->url_base.present && !wv_json_get(node, "url"))
        return wv_error_set(err, WV_E_CONFIG, 0, "%s: HttpRequester needs url_base",
                            conn_decl_where(origin, node, w, sizeof w));
    if (!r->url_base.present && conn_decl_field(&r->url_base, node, "url", origin, err) < 0)
        return -1;
    r->auth = conn_decl_auth_build(wv_json_get(node, "authenticator"), origin, err);
    if (!r->auth)
        return -1;
    r->errh = conn_decl_errh_build(wv_json_get(node, "error_handler"), origin, err);
    return r->errh ? 0 : -1;
}

/* Frees a requester's parts. */
void conn_decl_requester_done(struct decl_requester *r)
{
    conn_decl_val_done(&r->url_base);
    conn_decl_val_done(&r->path);
    conn_decl_val_done(&r->method);
    conn_decl_val_done(&r->params);
    conn_decl_val_done(&r->headers);
    conn_decl_val_done(&r->body_json);
    conn_decl_val_done(&r->body_data);
    conn_decl_auth_free(r->auth);
    conn_decl_errh_free(r->errh);
    wv_strv_free(r->csv_none);
    memset(r, 0, sizeof *r);
}

/* Frees a page. */
void conn_decl_page_done(struct decl_page *p)
{
    conn_http_resp_done(&p->resp);
    wv_json_free(p->body);
    wv_json_free(p->headers);
    free(p->decode_error);
    memset(p, 0, sizeof *p);
}

/* base + path joined as the CDK does. Caller frees. */
static char *decl_join_url(const char *base, const char *path)
{
    if (wv_str_starts(path, "http://") || wv_str_starts(path, "https://"))
        return wv_strdup(path);
    size_t bl = strlen(base);
    while (bl && base[bl - 1] == '/')
        bl--;
    while (*path == '/')
        path++;
    if (!*path)
        return wv_strndup(base, bl);
    return wv_asprintf("%.*s/%s", (int)bl, base, path);
}

/* Merges evaluated requester inputs with the extra ones (extra wins). */
static int decl_merge(const struct decl_val *v, const struct decl_vars *vars,
                      const struct decl_run *run, struct wv_json **extra, struct wv_error *err)
{
    if (!v->present)
        return 0;
    struct wv_json *base = NULL;
    if (conn_decl_val_eval(v, vars, run, NULL, &base, err) < 0)
        return -1;
    if (base->type != WV_JSON_OBJECT) {
        if (base->type == WV_JSON_STRING && !*extra) {
            *extra = base; /* raw text body */
            return 0;
        }
        wv_json_free(base);
        return 0;
    }
    for (size_t i = 0; *extra && (*extra)->type == WV_JSON_OBJECT && i < (*extra)->len; i++)
        wv_json_set(base, (*extra)->keys[i], wv_json_dup((*extra)->items[i]));
    wv_json_free(*extra);
    *extra = base;
    return 0;
}

/* application/x-www-form-urlencoded text of an object (or the string itself). Caller frees. */
static char *decl_form(const struct wv_json *data)
{
    if (data->type == WV_JSON_STRING)
        return wv_strdup(data->s);
    struct wv_buf b = WV_BUF_INIT;
    for (size_t i = 0; i < data->len; i++) {
        char *k = conn_http_urlencode(data->keys[i]);
        char *t = conn_decl_json_text(data->items[i]);
        char *v = conn_http_urlencode(t);
        wv_buf_printf(&b, NULL, "%s%s=%s", i ? "&" : "", k, v);
        free(k);
        free(t);
        free(v);
    }
    return wv_buf_steal(&b, NULL);
}

/* The prepared exchange: url, method, headers, body. */
struct decl_prepared {
    char *url, *method, *body;
    struct conn_http_header *hdrs;
    size_t n_hdrs;
    struct wv_json *headers;
};

/* Frees a prepared request. */
static void decl_prepared_done(struct decl_prepared *p)
{
    free(p->url);
    free(p->method);
    free(p->body);
    free(p->hdrs);
    wv_json_free(p->headers);
}

/* Evaluates everything into a ready request. */
static int decl_prepare(const struct decl_requester *r, struct decl_run *run,
                        const struct decl_vars *vars, struct decl_req *x, struct decl_prepared *p,
                        struct wv_error *err)
{
    char *base = NULL, *path = NULL;
    if (conn_decl_auth_apply(r->auth, run, vars, x, err) < 0 ||
        conn_decl_val_text(&r->url_base, vars, run, &base, err) < 0)
        return -1;
    if (!x->path && conn_decl_val_text(&r->path, vars, run, &path, err) < 0) {
        free(base);
        return -1;
    }
    char *joined = decl_join_url(base, x->path ? x->path : path);
    free(base);
    free(path);
    if (decl_merge(&r->params, vars, run, &x->params, err) < 0 ||
        decl_merge(&r->headers, vars, run, &x->headers, err) < 0 ||
        decl_merge(&r->body_json, vars, run, &x->body_json, err) < 0 ||
        decl_merge(&r->body_data, vars, run, &x->body_data, err) < 0) {
        free(joined);
        return -1;
    }
    p->url = x->params && x->params->type == WV_JSON_OBJECT && x->params->len
                 ? conn_http_url_with_params(joined, x->params)
                 : wv_strdup(joined);
    free(joined);
    if (conn_decl_val_text(&r->method, vars, run, &p->method, err) < 0)
        return -1;
    if (!*p->method) {
        free(p->method);
        p->method = wv_strdup("GET");
    }
    p->headers = x->headers && x->headers->type == WV_JSON_OBJECT ? wv_json_dup(x->headers)
                                                                  : wv_json_object();
    if (x->body_json && (x->body_json->type != WV_JSON_OBJECT || x->body_json->len)) {
        p->body = x->body_json->type == WV_JSON_STRING ? wv_strdup(x->body_json->s)
                                                       : wv_json_to_string(x->body_json);
        if (!wv_json_get(p->headers, "Content-Type"))
            wv_json_set(p->headers, "Content-Type", wv_json_str("application/json"));
    } else if (x->body_data && (x->body_data->type == WV_JSON_STRING || x->body_data->len)) {
        p->body = decl_form(x->body_data);
        if (!wv_json_get(p->headers, "Content-Type"))
            wv_json_set(p->headers, "Content-Type",
                        wv_json_str("application/x-www-form-urlencoded"));
    }
    p->hdrs = wv_calloc(p->headers->len + 1, sizeof *p->hdrs);
    for (size_t i = 0; i < p->headers->len; i++) {
        struct wv_json *hv = p->headers->items[i];
        if (hv->type != WV_JSON_STRING) {
            char *t = conn_decl_json_text(hv);
            wv_json_free(hv);
            hv = p->headers->items[i] = wv_json_str(t);
            free(t);
        }
        p->hdrs[p->n_hdrs++] = (struct conn_http_header){p->headers->keys[i], hv->s};
    }
    return 0;
}

/* Whether n bytes of s are all JSON whitespace. */
static bool decl_blank(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r' && s[i] != '\n')
            return false;
    return true;
}

/* JsonlDecoder: one JSON value per non-blank line, as an array. NULL when a line does not
 * parse (never skipped silently: decl_decode_error says which). */
static struct wv_json *decl_decode_jsonl(const char *body, size_t len)
{
    struct wv_json *arr = wv_json_arena_array(); /* lines parse into its arena */
    for (size_t i = 0; i < len;) {
        const char *nl = memchr(body + i, '\n', len - i);
        size_t n = nl ? (size_t)(nl - (body + i)) : len - i;
        struct wv_error e = {0};
        struct wv_json *j =
            decl_blank(body + i, n)
                ? NULL
                : wv_json_parse_in(wv_json_arena_of(arr), body + i, n, "response", &e);
        if (j) {
            wv_json_push(arr, j);
        } else if (wv_error_isset(&e)) {
            wv_json_free(arr);
            return NULL;
        }
        i += n + 1;
    }
    return arr;
}

/* Decodes a response body with the requester's decoder (JsonDecoder by default; GzipDecoder
 * inflates a body that starts with the gzip magic first) and its headers. An empty JSON body
 * becomes {} (as in the CDK); an unparseable one leaves page->body NULL for the caller to
 * report (the CDK logs it and yields nothing, which would silently drop the page and end
 * pagination); non-JSON decoders and gzip put their reason in page->decode_error. */
static void decl_decode(struct decl_page *page, const struct decl_requester *r)
{
    struct wv_error e = {0};
    const char *b = page->resp.body;
    size_t n = page->resp.body_len;
    char *infl = NULL;
    if (r->gzip && n >= 2 && (unsigned char)b[0] == 0x1f && (unsigned char)b[1] == 0x8b) {
        if (conn_decl_gunzip(b, n, &infl, &n, &e) < 0) {
            page->decode_error = wv_strdup(e.msg);
            n = 0;
        }
        b = infl;
    }
    if (page->decode_error)
        page->body = NULL;
    else if (r->decoder == DECL_DEC_JSONL)
        page->body = decl_decode_jsonl(b, n);
    else if (r->decoder != DECL_DEC_JSON)
        page->body = conn_decl_decode_text(r, b, n, &page->body, &e) < 0 ? NULL : page->body;
    else if (n)
        page->body = wv_json_parse_arena(b, n, "response", &e);
    if (!page->body && !page->decode_error && (infl || r->decoder > DECL_DEC_JSONL) &&
        wv_error_isset(&e))
        page->decode_error = wv_strdup(e.msg);
    if (!page->body && !n && !page->decode_error)
        page->body = wv_json_object();
    free(infl);
    page->headers = page->resp.headers ? wv_json_dup(page->resp.headers) : wv_json_object();
    const char *link = wv_json_get_str(page->headers, "link");
    if (link)
        wv_json_set(page->headers, "link", conn_http_parse_link(link));
}

/* Up to max bytes of s with control characters and runs of blanks folded to one space. */
static void decl_squash(struct wv_buf *b, const char *s, size_t n, size_t max)
{
    bool space = false;
    for (size_t i = 0; i < n && b->len < max; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 || c == 0x7f || c == ' ') {
            space = b->len > 0;
            continue;
        }
        if (space)
            wv_buf_append(b, " ", 1, NULL);
        space = false;
        wv_buf_append(b, &s[i], 1, NULL);
    }
}

/* A short, one-line excerpt of a body for error messages: an HTML page's <title> element,
 * else its first 200 bytes. Caller frees. */
static char *decl_excerpt(const struct conn_http_resp *resp)
{
    const char *body = resp->body ? resp->body : "";
    size_t n = resp->body_len;
    struct wv_buf b = WV_BUF_INIT;
    const char *t = n < 65536 ? strstr(body, "<title>") : NULL;
    const char *te = t ? strstr(t, "</title>") : NULL;
    if (t && te && te - t < 200) {
        decl_squash(&b, t, (size_t)(te - t) + 8, 240);
        if ((size_t)(te + 8 - body) < n)
            wv_buf_append(&b, "...", 3, NULL);
    } else {
        decl_squash(&b, body, n, 200);
        if (n > 200)
            wv_buf_append(&b, "...", 3, NULL);
    }
    return wv_buf_steal(&b, NULL);
}

/* "line:col: message" of a wv_json_parse error ("origin:line:col: message"). */
static const char *decl_parse_pos(const char *msg, const char *origin)
{
    size_t n = strlen(origin);
    return strncmp(msg, origin, n) == 0 && msg[n] == ':' ? msg + n + 1 : msg;
}

/* Whether a body looks cut short: it opens an object or array that its last byte does not
 * close. */
static bool decl_looks_cut(const char *body, size_t n)
{
    size_t a = 0;
    while (a < n && decl_blank(body + a, 1))
        a++;
    while (n > a && decl_blank(body + n - 1, 1))
        n--;
    if (a >= n || (body[a] != '{' && body[a] != '['))
        return false;
    return body[n - 1] != (body[a] == '{' ? '}' : ']');
}

/* Why a non-empty body did not decode (page->body NULL): the content type when it is not
 * JSON, else the parser's position and message. Caller frees. */
static char *decl_decode_error(const struct decl_page *page, bool jsonl)
{
    const struct conn_http_resp *resp = &page->resp;
    const char *ct = wv_json_get_str(resp->headers, "content-type");
    char *ex = decl_excerpt(resp), *out = NULL;
    if (ct && !strstr(ct, "json")) {
        size_t ctn = strcspn(ct, ";");
        out = wv_asprintf("expected JSON, got %.*s (%s)", (int)ctn, ct, ex);
        free(ex);
        return out;
    }
    struct wv_error e = {0};
    long line = 1;
    for (size_t i = 0; i < resp->body_len && !wv_error_isset(&e); line++) {
        const char *nl = jsonl ? memchr(resp->body + i, '\n', resp->body_len - i) : NULL;
        size_t n = nl ? (size_t)(nl - (resp->body + i)) : resp->body_len - i;
        if (!decl_blank(resp->body + i, n))
            wv_json_free(wv_json_parse(resp->body + i, n, "body", &e));
        i += n + 1;
    }
    const char *why = wv_error_isset(&e) ? decl_parse_pos(e.msg, "body") : "not JSON";
    const char *hint = decl_looks_cut(resp->body, resp->body_len) || strstr(why, "end of input")
                           ? " (body truncated?)"
                           : "";
    if (jsonl)
        out = wv_asprintf("invalid JSON on line %ld at %s%s", line - 1, why, hint);
    else
        out = wv_asprintf("invalid JSON at %s%s", why, hint);
    free(ex);
    return out;
}

/* Sends a note to the run's log or, without one, to the read's output as a LOG message (as a
 * source container does); the run's secrets are redacted first. */
static void decl_note(const struct decl_run *run, enum wv_level level, struct wv_error *note)
{
    conn_decl_redact_error(run, note); /* logs never show airbyte_secret values */
    if (run->log || !run->sink) {
        wv_logf(run->log, level, "%s", note->msg);
        return;
    }
    struct wv_msg m;
    struct wv_error ignored = {0};
    wv_msg_log(&m, (int)level, note->msg);
    run->sink->ops->emit(run->sink->ctx, &m, &ignored);
    wv_msg_done(&m);
}

/* Whether an object holds only the fields of an error envelope, at least one of them an
 * error key; *key is set to that key. Such a 2xx body carries no records. */
static bool decl_error_body(const struct wv_json *body, const char **key)
{
    static const char *const errkeys[] = {"error", "errors", "message"};
    static const char *const envelope[] = {
        "error",      "errors",  "message",    "code",      "status",     "status_code",
        "statusCode", "detail",  "details",    "success",   "ok",         "error_description",
        "error_code", "type",    "title",      "request_id", "requestId", "trace_id"};
    *key = NULL;
    if (!body || body->type != WV_JSON_OBJECT || !body->len)
        return false;
    for (size_t i = 0; i < body->len; i++) {
        bool known = false;
        for (size_t k = 0; k < sizeof envelope / sizeof envelope[0] && !known; k++)
            known = strcmp(body->keys[i], envelope[k]) == 0;
        if (!known)
            return false;
    }
    for (size_t k = 0; k < sizeof errkeys / sizeof errkeys[0] && !*key; k++)
        if (wv_json_get(body, errkeys[k]))
            *key = errkeys[k];
    return *key != NULL;
}

/* What a successful response means for the read: a body that did not decode fails it; one
 * that looks like an API error is read (as the CDK does) with a warning. */
static int decl_check_body(const struct decl_requester *r, const struct decl_run *run,
                           const struct decl_page *page, const char *method, const char *url,
                           struct wv_error *err)
{
    const char *key = NULL;
    if (!page->body) {
        char *why = page->decode_error ? wv_strdup(page->decode_error)
                                       : decl_decode_error(page, r->jsonl);
        wv_error_set(err, WV_E_HTTP, page->resp.status, "%s %s: HTTP %ld: %s", method, url,
                     page->resp.status, why);
        free(why);
        return -1;
    }
    if (decl_error_body(page->body, &key)) {
        struct wv_error note = {0};
        char *ex = decl_excerpt(&page->resp);
        wv_error_set(&note, WV_E_HTTP, 0,
                     "%s %s: HTTP %ld with an error body ('%s' key) and no records: %s", method,
                     url, page->resp.status, key, ex);
        free(ex);
        decl_note(run, WV_LOG_WARN, &note);
    }
    return 0;
}

/* Waits before retrying after a failed exchange (no response), with a notice. */
static int decl_retry_network(const struct decl_requester *r, struct decl_run *run,
                              const struct wv_error *e, int attempt, int max,
                              struct wv_error *err)
{
    struct wv_error note = {0};
    wv_error_set(&note, e->code, 0, "%s, retrying (%d of %d)", e->msg, attempt + 1, max);
    decl_note(run, WV_LOG_INFO, &note);
    return conn_decl_sleep(run, conn_decl_errh_backoff(r->errh, NULL, attempt + 1, run), err);
}

/* Sends the request, retrying as the error handler says. */
int conn_decl_requester_send(const struct decl_requester *r, struct decl_run *run,
                             const struct decl_vars *vars, struct decl_req *extra,
                             struct decl_page *page, struct wv_error *err)
{
    memset(page, 0, sizeof *page);
    struct decl_prepared p = {0};
    if (decl_prepare(r, run, vars, extra, &p, err) < 0) {
        decl_prepared_done(&p);
        return -1;
    }
    struct conn_http_req hr = {p.method, p.url,  p.hdrs,
                               p.n_hdrs, p.body, p.body ? strlen(p.body) : 0};
    int max = conn_decl_errh_max_retries(r->errh), rc = -1;
    for (int attempt = 0;; attempt++) {
        struct wv_error e = {0};
        conn_decl_page_done(page);
        if (conn_http_do(run->http, &hr, &page->resp, &e) < 0) {
            if (wv_code_retryable(e.code) && attempt < max) {
                if (decl_retry_network(r, run, &e, attempt, max, err) < 0)
                    break;
                continue;
            }
            *err = e;
            if (attempt)
                wv_error_prefix(err, "after %d retries", attempt);
            break;
        }
        decl_decode(page, r);
        enum decl_action act = DECL_ACT_SUCCESS;
        char *msg = NULL;
        struct wv_json *none = page->body ? NULL : wv_json_object(); /* undecoded: {} */
        int crc = conn_decl_errh_classify(r->errh, &page->resp, page->body ? page->body : none,
                                          run, &act, &msg, err);
        wv_json_free(none);
        if (crc < 0)
            break;
        char *url = conn_http_redact(page->resp.url ? page->resp.url : p.url);
        if (act == DECL_ACT_RESET_PAGINATION) {
            page->reset = true;
            wv_json_free(page->body);
            page->body = wv_json_object();
            rc = 0;
        } else if (act == DECL_ACT_IGNORE) {
            page->ignored = true;
            if (!page->body)
                page->body = wv_json_object();
            rc = 0;
        } else if (act == DECL_ACT_SUCCESS) {
            rc = decl_check_body(r, run, page, p.method, url, err);
        } else if (act == DECL_ACT_FAIL) {
            char *ex = msg ? NULL : decl_excerpt(&page->resp);
            wv_error_set(err, WV_E_HTTP, page->resp.status, "%s %s: HTTP %ld: %s", p.method, url,
                         page->resp.status, msg ? msg : ex);
            free(ex);
        } else if (attempt >= max) {
            wv_error_set(err, WV_E_HTTP, page->resp.status, "%s %s: HTTP %ld after %d retries",
                         p.method, url, page->resp.status, attempt);
        } else {
            struct wv_error note = {0};
            wv_error_set(&note, WV_E_HTTP, 0, "%s %s: HTTP %ld, retrying (%d of %d)", p.method,
                         url, page->resp.status, attempt + 1, max);
            decl_note(run, WV_LOG_INFO, &note);
            free(url);
            free(msg);
            if (conn_decl_sleep(run, conn_decl_errh_backoff(r->errh, &page->resp, attempt + 1, run),
                                err) < 0)
                break;
            continue;
        }
        free(url);
        free(msg);
        break;
    }
    decl_prepared_done(&p);
    if (rc < 0) {
        conn_decl_page_done(page);
        conn_decl_redact_error(run, err);
    }
    return rc;
}
