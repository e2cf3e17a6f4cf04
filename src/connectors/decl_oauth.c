/* decl_oauth.c - token-fetching authenticators: OAuthAuthenticator (refresh_token and
 * client_credentials grants, refresh before expiry, refresh_token_updater rotating tokens into
 * the config and emitting an Airbyte CONTROL connectorConfig message) and
 * SessionTokenAuthenticator (login_requester, session_token_path, expiration_duration,
 * request_authentication). Follows the CDK's auth/oauth.py, auth/token.py and
 * auth/token_provider.py. Built on the opening thread; tokens live in the read's struct decl_run.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "connectors/decl_int.h"

#define DECL_REFRESH_MARGIN_MS 10000 /* refresh this long before the token expires */
#define DECL_DEFAULT_TTL_S 3600

struct decl_oauth {
    struct decl_val endpoint, client_id, client_secret, refresh_token, grant_type, scopes;
    struct decl_val extra_body, headers, access_value;
    char *access_name, *expires_name, *refresh_name;
    char **rt_path, **at_path, **exp_path; /* refresh_token_updater config paths or NULL */
};

struct decl_session {
    struct decl_requester login;
    char **token_path;
    struct decl_val expiration;
    struct decl_reqopt inject; /* ApiKey-style injection; DECL_INJ_NONE: Bearer */
};

/* A NULL-terminated copy of a list of strings, or dflt split on '/' when the list is absent. */
static char **decl_path(const struct wv_json *list, const char *dflt)
{
    if (list && list->type == WV_JSON_ARRAY) {
        char **v = wv_calloc(list->len + 1, sizeof *v);
        for (size_t i = 0; i < list->len; i++)
            v[i] = conn_decl_json_text(list->items[i]);
        return v;
    }
    if (!dflt)
        return NULL;
    char **v = wv_calloc(4, sizeof *v);
    char *tmp = wv_strdup(dflt), *slash = strchr(tmp, '/');
    if (slash)
        *slash = 0;
    v[0] = wv_strdup(tmp);
    v[1] = slash ? wv_strdup(slash + 1) : NULL;
    free(tmp);
    return v;
}

/* A string field copied, or dflt. */
static char *decl_sfield(const struct wv_json *node, const char *key, const char *dflt)
{
    const char *s = wv_json_get_str(node, key);
    return wv_strdup(s ? s : dflt);
}

/* Builds an OAuthAuthenticator. */
struct decl_oauth *conn_decl_oauth_build(const struct wv_json *node, const char *origin,
                                         struct wv_error *err)
{
    struct decl_oauth *o = wv_calloc(1, sizeof *o);
    const struct wv_json *upd = wv_json_get(node, "refresh_token_updater");
    o->access_name = decl_sfield(node, "access_token_name", "access_token");
    o->expires_name = decl_sfield(node, "expires_in_name", "expires_in");
    o->refresh_name = decl_sfield(upd ? upd : node, "refresh_token_name", "refresh_token");
    if (upd) {
        o->rt_path =
            decl_path(wv_json_get(upd, "refresh_token_config_path"), "credentials/refresh_token");
        o->at_path =
            decl_path(wv_json_get(upd, "access_token_config_path"), "credentials/access_token");
        o->exp_path = decl_path(wv_json_get(upd, "token_expiry_date_config_path"),
                                "credentials/token_expiry_date");
    }
    if (conn_decl_field(&o->endpoint, node, "token_refresh_endpoint", origin, err) < 0 ||
        conn_decl_field(&o->client_id, node, "client_id", origin, err) < 0 ||
        conn_decl_field(&o->client_secret, node, "client_secret", origin, err) < 0 ||
        conn_decl_field(&o->refresh_token, node, "refresh_token", origin, err) < 0 ||
        conn_decl_field(&o->grant_type, node, "grant_type", origin, err) < 0 ||
        conn_decl_field(&o->scopes, node, "scopes", origin, err) < 0 ||
        conn_decl_field(&o->extra_body, node, "refresh_request_body", origin, err) < 0 ||
        conn_decl_field(&o->headers, node, "refresh_request_headers", origin, err) < 0 ||
        conn_decl_field(&o->access_value, node, "access_token_value", origin, err) < 0) {
        conn_decl_oauth_free(o);
        return NULL;
    }
    char w[512];
    if (!o->endpoint.present && !o->access_value.present) {
        wv_error_set(err, WV_E_CONFIG, 0, "%s: OAuthAuthenticator needs token_refresh_endpoint",
                     conn_decl_where(origin, node, w, sizeof w));
        conn_decl_oauth_free(o);
        return NULL;
    }
    return o;
}

/* Frees an OAuthAuthenticator. */
void conn_decl_oauth_free(struct decl_oauth *o)
{
    if (!o)
        return;
    struct decl_val *vals[] = {&o->endpoint,      &o->client_id,  &o->client_secret,
                               &o->refresh_token, &o->grant_type, &o->scopes,
                               &o->extra_body,    &o->headers,    &o->access_value};
    for (size_t i = 0; i < sizeof vals / sizeof vals[0]; i++)
        conn_decl_val_done(vals[i]);
    free(o->access_name);
    free(o->expires_name);
    free(o->refresh_name);
    wv_strv_free(o->rt_path);
    wv_strv_free(o->at_path);
    wv_strv_free(o->exp_path);
    free(o);
}

/* The cached token of an authenticator in this run (borrowed), or NULL when none/expired. */
static const char *decl_cached(struct decl_run *run, const void *key)
{
    char k[32];
    snprintf(k, sizeof k, "%p", key);
    const struct wv_json *e = wv_json_get(run->auth_state, k);
    int64_t exp = 0;
    if (!e || wv_json_get_i64(e, "expiry_ms", &exp) < 0)
        return NULL;
    if (wv_clock_now_ms(run->clock) + DECL_REFRESH_MARGIN_MS >= exp)
        return NULL;
    return wv_json_get_str(e, "token");
}

/* Caches a token until expiry_ms. */
static void decl_cache(struct decl_run *run, const void *key, const char *token, int64_t expiry)
{
    char k[32];
    snprintf(k, sizeof k, "%p", key);
    if (!run->auth_state)
        run->auth_state = wv_json_object();
    struct wv_json *e = wv_json_object();
    wv_json_set(e, "token", wv_json_str(token));
    wv_json_set(e, "expiry_ms", wv_json_int(expiry));
    wv_json_set(run->auth_state, k, e);
}

/* Sets a value at a config path (creating objects). */
static void decl_config_set(struct wv_json *cfg, char **path, struct wv_json *v)
{
    for (; path[0] && path[1]; path++) {
        struct wv_json *c = wv_json_get(cfg, path[0]);
        if (!c || c->type != WV_JSON_OBJECT) {
            c = wv_json_object();
            wv_json_set(cfg, path[0], c);
        }
        cfg = c;
    }
    if (path[0])
        wv_json_set(cfg, path[0], v);
    else
        wv_json_free(v);
}

/* Stores rotated tokens in the run's config and emits a CONTROL message. */
static int decl_rotate(const struct decl_oauth *o, struct decl_run *run, const char *access,
                       const char *refresh, int64_t expiry, struct wv_error *err)
{
    if (!run->config_copy)
        run->config_copy = wv_json_dup(run->config);
    char when[40];
    wv_time_iso_s(expiry, when, sizeof when);
    decl_config_set(run->config_copy, o->rt_path, wv_json_str(refresh));
    decl_config_set(run->config_copy, o->at_path, wv_json_str(access));
    decl_config_set(run->config_copy, o->exp_path, wv_json_str(when));
    run->config = run->config_copy;
    if (!run->sink)
        return 0;
    struct wv_msg m;
    wv_msg_control_config(&m, wv_clock_now_ms(run->clock), wv_json_dup(run->config_copy));
    int rc = run->sink->ops->emit(run->sink->ctx, &m, err);
    wv_msg_done(&m);
    return rc;
}

/* The refresh request body. */
static int decl_oauth_body(const struct decl_oauth *o, struct decl_run *run, struct wv_json **out,
                           struct wv_error *err)
{
    struct decl_vars v = {0};
    char *grant = NULL, *id = NULL, *secret = NULL, *rt = NULL;
    struct wv_json *body = NULL, *scopes = NULL;
    int rc = conn_decl_val_eval(&o->extra_body, &v, run, NULL, &body, err);
    if (rc == 0)
        rc = conn_decl_val_text(&o->grant_type, &v, run, &grant, err);
    if (rc == 0)
        rc = conn_decl_val_text(&o->client_id, &v, run, &id, err);
    if (rc == 0)
        rc = conn_decl_val_text(&o->client_secret, &v, run, &secret, err);
    if (rc == 0)
        rc = conn_decl_val_text(&o->refresh_token, &v, run, &rt, err);
    if (rc == 0)
        rc = conn_decl_val_eval(&o->scopes, &v, run, NULL, &scopes, err);
    if (rc == 0) {
        if (body->type != WV_JSON_OBJECT) {
            wv_json_free(body);
            body = wv_json_object();
        }
        wv_json_set(body, "grant_type", wv_json_str(*grant ? grant : "refresh_token"));
        wv_json_set(body, "client_id", wv_json_str(id));
        wv_json_set(body, "client_secret", wv_json_str(secret));
        if (o->rt_path) {
            const struct wv_json *cur = run->config;
            for (char **p = o->rt_path; cur && *p; p++)
                cur = wv_json_get(cur, *p);
            if (cur && cur->type == WV_JSON_STRING) {
                free(rt);
                rt = wv_strdup(cur->s);
            }
        }
        if (strcmp(*grant ? grant : "refresh_token", "refresh_token") == 0)
            wv_json_set(body, o->refresh_name, wv_json_str(rt));
        if (scopes && scopes->type == WV_JSON_ARRAY && scopes->len) {
            struct wv_buf b = WV_BUF_INIT;
            for (size_t i = 0; i < scopes->len; i++) {
                char *t = conn_decl_json_text(scopes->items[i]);
                wv_buf_printf(&b, NULL, "%s%s", i ? " " : "", t);
                free(t);
            }
            wv_json_set(body, "scopes", wv_json_str(wv_buf_cstr(&b)));
            wv_buf_done(&b);
        }
    }
    free(grant);
    free(id);
    free(secret);
    free(rt);
    wv_json_free(scopes);
    if (rc < 0)
        wv_json_free(body);
    else
        *out = body;
    return rc;
}

/* POSTs a form to url; the decoded JSON response. */
static int decl_post_form(struct decl_run *run, const char *url, const struct wv_json *form,
                          const struct wv_json *extra_headers, struct wv_json **out,
                          struct wv_error *err)
{
    struct wv_buf b = WV_BUF_INIT;
    for (size_t i = 0; i < form->len; i++) {
        char *t = conn_decl_json_text(form->items[i]);
        char *k = conn_http_urlencode(form->keys[i]), *v = conn_http_urlencode(t);
        wv_buf_printf(&b, NULL, "%s%s=%s", i ? "&" : "", k, v);
        free(t);
        free(k);
        free(v);
    }
    size_t nh = 1 + (extra_headers ? extra_headers->len : 0);
    struct conn_http_header *h = wv_calloc(nh, sizeof *h);
    h[0] = (struct conn_http_header){"Content-Type", "application/x-www-form-urlencoded"};
    for (size_t i = 1; i < nh; i++)
        h[i] = (struct conn_http_header){extra_headers->keys[i - 1],
                                         extra_headers->items[i - 1]->type == WV_JSON_STRING
                                             ? extra_headers->items[i - 1]->s
                                             : ""};
    struct conn_http_req req = {"POST", url, h, nh, wv_buf_cstr(&b), b.len};
    struct conn_http_resp resp;
    memset(&resp, 0, sizeof resp);
    int rc = conn_http_do(run->http, &req, &resp, err);
    if (rc == 0 && (resp.status < 200 || resp.status >= 300)) {
        char *u = conn_http_redact(url);
        rc = wv_error_set(err, WV_E_HTTP, resp.status, "POST %s: HTTP %ld: %.200s", u, resp.status,
                          resp.body ? resp.body : "");
        free(u);
    }
    if (rc == 0 && !(*out = wv_json_parse(resp.body, resp.body_len, url, err)))
        rc = -1;
    conn_http_resp_done(&resp);
    free(h);
    wv_buf_done(&b);
    return rc;
}

/* The access token: cached, static, or freshly refreshed. Caller frees. */
static int decl_oauth_token(const struct decl_oauth *o, struct decl_run *run, char **out,
                            struct wv_error *err)
{
    struct decl_vars v = {0};
    if (o->access_value.present)
        return conn_decl_val_text(&o->access_value, &v, run, out, err);
    const char *cached = decl_cached(run, o);
    if (cached) {
        *out = wv_strdup(cached);
        return 0;
    }
    char *url = NULL;
    struct wv_json *form = NULL, *hdrs = NULL, *resp = NULL;
    int rc = conn_decl_val_text(&o->endpoint, &v, run, &url, err);
    if (rc == 0)
        rc = decl_oauth_body(o, run, &form, err);
    if (rc == 0)
        rc = conn_decl_val_eval(&o->headers, &v, run, NULL, &hdrs, err);
    if (rc == 0)
        rc = decl_post_form(run, url, form, hdrs && hdrs->type == WV_JSON_OBJECT ? hdrs : NULL,
                            &resp, err);
    const char *tok = rc == 0 ? wv_json_get_str(resp, o->access_name) : NULL;
    if (rc == 0 && !tok)
        rc = wv_error_set(err, WV_E_SOURCE, 0, "OAuth token response has no '%s'", o->access_name);
    if (rc == 0) {
        int64_t ttl = DECL_DEFAULT_TTL_S;
        const struct wv_json *e = wv_json_get(resp, o->expires_name);
        if (e && e->type == WV_JSON_STRING)
            wv_parse_i64(e->s, &ttl);
        else if (e)
            wv_json_as_i64(e, &ttl);
        int64_t expiry = wv_clock_now_ms(run->clock) + ttl * 1000;
        decl_cache(run, o, tok, expiry);
        const char *nrt = wv_json_get_str(resp, o->refresh_name);
        if (o->rt_path && nrt)
            rc = decl_rotate(o, run, tok, nrt, expiry, err);
        *out = wv_strdup(tok);
    }
    if (rc < 0)
        wv_error_prefix(err, "OAuth token refresh");
    free(url);
    wv_json_free(form);
    wv_json_free(hdrs);
    wv_json_free(resp);
    return rc;
}

/* Adds "Authorization: Bearer <access token>". */
int conn_decl_oauth_apply(const struct decl_oauth *o, struct decl_run *run, struct decl_req *req,
                          struct wv_error *err)
{
    char *tok = NULL;
    if (decl_oauth_token(o, run, &tok, err) < 0)
        return -1;
    char *h = wv_asprintf("Bearer %s", tok);
    if (!req->headers)
        req->headers = wv_json_object();
    wv_json_set(req->headers, "Authorization", wv_json_str(h));
    free(h);
    free(tok);
    return 0;
}

/* Builds a SessionTokenAuthenticator. */
struct decl_session *conn_decl_session_build(const struct wv_json *node, const char *origin,
                                             struct wv_error *err)
{
    struct decl_session *s = wv_calloc(1, sizeof *s);
    const struct wv_json *ra = wv_json_get(node, "request_authentication");
    s->token_path = decl_path(wv_json_get(node, "session_token_path"), "token");
    if (conn_decl_requester_build(&s->login, wv_json_get(node, "login_requester"), origin, err) <
            0 ||
        conn_decl_field(&s->expiration, node, "expiration_duration", origin, err) < 0 ||
        (strcmp(conn_decl_type(ra), "ApiKey") == 0 &&
         conn_decl_reqopt_build(&s->inject, wv_json_get(ra, "inject_into"), origin, err) < 0)) {
        conn_decl_session_free(s);
        return NULL;
    }
    return s;
}

/* Frees a SessionTokenAuthenticator. */
void conn_decl_session_free(struct decl_session *s)
{
    if (!s)
        return;
    conn_decl_requester_done(&s->login);
    wv_strv_free(s->token_path);
    conn_decl_val_done(&s->expiration);
    conn_decl_reqopt_done(&s->inject);
    free(s);
}

/* Logs in (or reuses the session) and injects the token. */
int conn_decl_session_apply(const struct decl_session *s, struct decl_run *run,
                            const struct decl_vars *vars, struct decl_req *req,
                            struct wv_error *err)
{
    const char *cached = decl_cached(run, s);
    char *tok = cached ? wv_strdup(cached) : NULL;
    if (!tok) {
        struct decl_vars v = {0};
        struct decl_req extra;
        struct decl_page page;
        conn_decl_req_init(&extra);
        int rc = conn_decl_requester_send(&s->login, run, &v, &extra, &page, err);
        conn_decl_req_done(&extra);
        if (rc < 0)
            return wv_error_prefix(err, "session login");
        const struct wv_json *cur = page.body;
        for (char **p = s->token_path; cur && *p; p++)
            cur = wv_json_get(cur, *p);
        if (cur && cur->type != WV_JSON_NULL)
            tok = conn_decl_json_text(cur);
        conn_decl_page_done(&page);
        if (!tok || !*tok) {
            free(tok);
            return wv_error_set(err, WV_E_SOURCE, 0, "session login: no token in the response");
        }
        char *dur = NULL;
        int64_t exp = INT64_MAX / 2, now = wv_clock_now_ms(run->clock);
        if (conn_decl_val_text(&s->expiration, &v, run, &dur, err) == 0 && dur && *dur)
            conn_decl_duration_add(dur, now, 1, &exp);
        free(dur);
        decl_cache(run, s, tok, exp);
    }
    int rc = 0;
    if (s->inject.into != DECL_INJ_NONE) {
        struct wv_json *t = wv_json_str(tok);
        rc = conn_decl_reqopt_inject(&s->inject, t, vars, run, req, err);
        wv_json_free(t);
    } else {
        char *h = wv_asprintf("Bearer %s", tok);
        if (!req->headers)
            req->headers = wv_json_object();
        wv_json_set(req->headers, "Authorization", wv_json_str(h));
        free(h);
    }
    free(tok);
    return rc;
}
