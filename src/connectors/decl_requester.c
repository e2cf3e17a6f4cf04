/* decl_requester.c - HttpRequester: url_base + path, http_method, request_parameters,
 * request_headers, request_body_json / request_body_data (and request_body), authenticator and
 * the retry loop driven by the error handler; responses decoded as JSON (JsonDecoder) with
 * headers['link'] parsed. Follows the CDK's requesters/http_requester.py and http/http_client.py.
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
    memset(r, 0, sizeof *r);
}

/* Frees a page. */
void conn_decl_page_done(struct decl_page *p)
{
    conn_http_resp_done(&p->resp);
    wv_json_free(p->body);
    wv_json_free(p->headers);
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

/* JsonlDecoder: one JSON value per non-empty line, as an array (bad lines skipped). */
static struct wv_json *decl_decode_jsonl(const char *body, size_t len)
{
    struct wv_json *arr = wv_json_array();
    for (size_t i = 0; i < len;) {
        const char *nl = memchr(body + i, '\n', len - i);
        size_t n = nl ? (size_t)(nl - (body + i)) : len - i;
        struct wv_error e = {0};
        struct wv_json *j = n ? wv_json_parse(body + i, n, "response", &e) : NULL;
        if (j)
            wv_json_push(arr, j);
        i += n + 1;
    }
    return arr;
}

/* Decodes a response body (JsonDecoder: unparseable bodies become {}) and its headers. */
static void decl_decode(struct decl_page *page, bool jsonl)
{
    struct wv_error e = {0};
    page->body = jsonl ? decl_decode_jsonl(page->resp.body, page->resp.body_len)
                 : page->resp.body_len
                     ? wv_json_parse(page->resp.body, page->resp.body_len, "response", &e)
                     : NULL;
    if (!page->body)
        page->body = wv_json_object();
    page->headers = page->resp.headers ? wv_json_dup(page->resp.headers) : wv_json_object();
    const char *link = wv_json_get_str(page->headers, "link");
    if (link)
        wv_json_set(page->headers, "link", conn_http_parse_link(link));
}

/* A short excerpt of a body for error messages. Caller frees. */
static char *decl_excerpt(const struct conn_http_resp *resp)
{
    size_t n = resp->body_len > 200 ? 200 : resp->body_len;
    return wv_strndup(resp->body ? resp->body : "", n);
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
                if (conn_decl_sleep(run, conn_decl_errh_backoff(r->errh, NULL, attempt + 1, run),
                                    err) < 0)
                    break;
                continue;
            }
            *err = e;
            if (attempt)
                wv_error_prefix(err, "after %d retries", attempt);
            break;
        }
        decl_decode(page, r->jsonl);
        enum decl_action act = DECL_ACT_SUCCESS;
        char *msg = NULL;
        if (conn_decl_errh_classify(r->errh, &page->resp, page->body, run, &act, &msg, err) < 0)
            break;
        char *url = conn_http_redact(page->resp.url ? page->resp.url : p.url);
        if (act == DECL_ACT_SUCCESS || act == DECL_ACT_IGNORE) {
            page->ignored = act == DECL_ACT_IGNORE;
            rc = 0;
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
            conn_decl_redact_error(run, &note); /* logs never show airbyte_secret values */
            wv_logf(run->log, WV_LOG_INFO, "%s", note.msg);
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
