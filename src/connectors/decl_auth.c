/* decl_auth.c - authenticators of declarative requests: NoAuth, ApiKeyAuthenticator (header or
 * any RequestOption), BearerAuthenticator, BasicHttpAuthenticator, SelectiveAuthenticator and
 * LegacySessionTokenAuthenticator, following the CDK's airbyte_cdk/sources/declarative/auth/
 * (token.py, selective_authenticator.py). Built on the opening thread; applied by the reading
 * thread. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "connectors/decl_int.h"

enum decl_auth_kind {
    DECL_AUTH_NONE,
    DECL_AUTH_APIKEY,
    DECL_AUTH_BEARER,
    DECL_AUTH_BASIC,
    DECL_AUTH_SELECTIVE,
    DECL_AUTH_OAUTH,
    DECL_AUTH_SESSION,
    DECL_AUTH_LEGACY
};

struct decl_auth {
    enum decl_auth_kind kind;
    struct decl_val token, username, password, header;
    struct decl_reqopt inject; /* ApiKey */
    char **sel_path;           /* Selective: config path (NULL-terminated) */
    char **sel_names;          /* Selective: names of sel_auths */
    struct decl_auth **sel_auths;
    size_t n_sel;
    struct decl_oauth *oauth;
    struct decl_session *session;
    /* LegacySession: api_url (the requester's url_base, copied in by conn_decl_prepare),
     * session_token, session_token_response_key, login_url, validate_session_url */
    struct decl_val api_url, session_token, response_key, login_url, validate_url;
};

/* Builds a LegacySessionTokenAuthenticator (header holds the session header name). */
static int decl_legacy_build(struct decl_auth *a, const struct wv_json *node, const char *origin,
                             struct wv_error *err)
{
    static const char *const keys[] = {
        "api_url",   "session_token",        "username", "password", "session_token_response_key",
        "login_url", "validate_session_url", "header"};
    struct decl_val *vals[] = {&a->api_url,      &a->session_token, &a->username,     &a->password,
                               &a->response_key, &a->login_url,     &a->validate_url, &a->header};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        if (conn_decl_field(vals[i], node, keys[i], origin, err) < 0)
            return -1;
    return 0;
}

/* Builds a SelectiveAuthenticator. */
static int decl_selective_build(struct decl_auth *a, const struct wv_json *node, const char *origin,
                                struct wv_error *err)
{
    const struct wv_json *path = wv_json_get(node, "authenticator_selection_path");
    const struct wv_json *auths = wv_json_get(node, "authenticators");
    char w[512];
    if (!path || path->type != WV_JSON_ARRAY || !auths || auths->type != WV_JSON_OBJECT)
        return wv_error_set(err, WV_E_CONFIG, 0,
                            "%s: SelectiveAuthenticator needs authenticator_selection_path and "
                            "authenticators",
                            conn_decl_where(origin, node, w, sizeof w));
    a->sel_path = wv_calloc(path->len + 1, sizeof *a->sel_path);
    for (size_t i = 0; i < path->len; i++)
        a->sel_path[i] = conn_decl_json_text(path->items[i]);
    a->sel_names = wv_calloc(auths->len + 1, sizeof *a->sel_names);
    a->sel_auths = wv_calloc(auths->len + 1, sizeof *a->sel_auths);
    for (size_t i = 0; i < auths->len; i++) {
        a->sel_names[i] = wv_strdup(auths->keys[i]);
        a->n_sel++;
        if (!(a->sel_auths[i] = conn_decl_auth_build(auths->items[i], origin, err)))
            return -1;
    }
    return 0;
}

/* Builds an authenticator (NULL node: NoAuth). */
struct decl_auth *conn_decl_auth_build(const struct wv_json *node, const char *origin,
                                       struct wv_error *err)
{
    struct decl_auth *a = wv_calloc(1, sizeof *a);
    const char *t = conn_decl_type(node);
    int rc = 0;
    if (!node || strcmp(t, "NoAuth") == 0) {
        a->kind = DECL_AUTH_NONE;
    } else if (strcmp(t, "ApiKeyAuthenticator") == 0) {
        a->kind = DECL_AUTH_APIKEY;
        rc = conn_decl_field(&a->token, node, "api_token", origin, err);
        if (rc == 0)
            rc = conn_decl_field(&a->header, node, "header", origin, err);
        if (rc == 0)
            rc = conn_decl_reqopt_build(&a->inject, wv_json_get(node, "inject_into"), origin, err);
    } else if (strcmp(t, "BearerAuthenticator") == 0) {
        a->kind = DECL_AUTH_BEARER;
        rc = conn_decl_field(&a->token, node, "api_token", origin, err);
    } else if (strcmp(t, "BasicHttpAuthenticator") == 0) {
        a->kind = DECL_AUTH_BASIC;
        rc = conn_decl_field(&a->username, node, "username", origin, err);
        if (rc == 0)
            rc = conn_decl_field(&a->password, node, "password", origin, err);
    } else if (strcmp(t, "OAuthAuthenticator") == 0) {
        a->kind = DECL_AUTH_OAUTH;
        rc = (a->oauth = conn_decl_oauth_build(node, origin, err)) ? 0 : -1;
    } else if (strcmp(t, "SessionTokenAuthenticator") == 0) {
        a->kind = DECL_AUTH_SESSION;
        rc = (a->session = conn_decl_session_build(node, origin, err)) ? 0 : -1;
    } else if (strcmp(t, "SelectiveAuthenticator") == 0) {
        a->kind = DECL_AUTH_SELECTIVE;
        rc = decl_selective_build(a, node, origin, err);
    } else if (strcmp(t, "LegacySessionTokenAuthenticator") == 0) {
        a->kind = DECL_AUTH_LEGACY;
        rc = decl_legacy_build(a, node, origin, err);
    } else {
        rc = conn_decl_unsupported(origin, node, "authenticator", err);
    }
    if (rc < 0) {
        conn_decl_auth_free(a);
        return NULL;
    }
    return a;
}

/* Frees an authenticator. */
void conn_decl_auth_free(struct decl_auth *a)
{
    if (!a)
        return;
    conn_decl_val_done(&a->token);
    conn_decl_val_done(&a->username);
    conn_decl_val_done(&a->password);
    conn_decl_val_done(&a->header);
    conn_decl_val_done(&a->api_url);
    conn_decl_val_done(&a->session_token);
    conn_decl_val_done(&a->response_key);
    conn_decl_val_done(&a->login_url);
    conn_decl_val_done(&a->validate_url);
    conn_decl_reqopt_done(&a->inject);
    wv_strv_free(a->sel_path);
    wv_strv_free(a->sel_names);
    for (size_t i = 0; i < a->n_sel; i++)
        conn_decl_auth_free(a->sel_auths[i]);
    free(a->sel_auths);
    conn_decl_oauth_free(a->oauth);
    conn_decl_session_free(a->session);
    free(a);
}

/* Standard base64 of n bytes. Caller frees. */
static char *decl_base64(const char *s, size_t n)
{
    static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    char *out = wv_malloc((n + 2) / 3 * 4 + 1);
    size_t o = 0;
    for (size_t i = 0; i < n; i += 3) {
        unsigned v = (unsigned char)s[i] << 16;
        if (i + 1 < n)
            v |= (unsigned char)s[i + 1] << 8;
        if (i + 2 < n)
            v |= (unsigned char)s[i + 2];
        out[o++] = tab[(v >> 18) & 63];
        out[o++] = tab[(v >> 12) & 63];
        out[o++] = i + 1 < n ? tab[(v >> 6) & 63] : '=';
        out[o++] = i + 2 < n ? tab[v & 63] : '=';
    }
    out[o] = 0;
    return out;
}

/* Sets a header of req (value borrowed). */
static void decl_set_header(struct decl_req *req, const char *name, const char *value)
{
    if (!req->headers)
        req->headers = wv_json_object();
    wv_json_set(req->headers, name, wv_json_str(value));
}

/* The authenticator a SelectiveAuthenticator picks from the config. */
static const struct decl_auth *decl_select(const struct decl_auth *a, const struct decl_run *run,
                                           struct wv_error *err)
{
    const struct wv_json *cur = run->config;
    for (char **p = a->sel_path; cur && *p; p++)
        cur = wv_json_get(cur, *p);
    const char *name = cur && cur->type == WV_JSON_STRING ? cur->s : NULL;
    for (size_t i = 0; name && i < a->n_sel; i++)
        if (strcmp(a->sel_names[i], name) == 0)
            return a->sel_auths[i];
    wv_error_set(err, WV_E_CONFIG, 0, "SelectiveAuthenticator: no authenticator for '%s'",
                 name ? name : "(missing)");
    return NULL;
}

/* One exchange of the legacy session flow: method to api_url + suffix with one header and a
 * JSON body (may be NULL). *status and *out (decoded body, caller frees, may stay NULL). */
static int decl_legacy_call(const struct decl_auth *a, struct decl_run *run, const char *method,
                            const struct decl_val *suffix, const char *hname, const char *hvalue,
                            const struct wv_json *body, long *status, struct wv_json **out,
                            struct wv_error *err)
{
    struct decl_vars v = {0};
    char *base = NULL, *sfx = NULL, *text = body ? wv_json_to_string(body) : NULL;
    int rc = conn_decl_val_text(&a->api_url, &v, run, &base, err);
    if (rc == 0)
        rc = conn_decl_val_text(suffix, &v, run, &sfx, err);
    char *url = rc == 0 ? wv_asprintf("%s%s", base, sfx) : NULL; /* the CDK concatenates */
    struct conn_http_header h = {hname, hvalue};
    struct conn_http_req req = {method, url, &h, 1, text, text ? strlen(text) : 0};
    struct conn_http_resp resp;
    memset(&resp, 0, sizeof resp);
    if (rc == 0 && (rc = conn_http_do(run->http, &req, &resp, err)) == 0) {
        *status = resp.status;
        struct wv_error ignored;
        wv_error_clear(&ignored);
        *out = wv_json_parse(resp.body, resp.body_len, "session response", &ignored);
    }
    if (rc < 0 && url) {
        char *r = conn_http_redact(url);
        wv_error_prefix(err, "%s %s", method, r);
        free(r);
    }
    conn_http_resp_done(&resp);
    free(base);
    free(sfx);
    free(text);
    free(url);
    return rc;
}

/* Whether the configured session token is valid (validate_session_url answers 2xx; 401: not
 * valid; anything else is an error). */
static int decl_legacy_valid(const struct decl_auth *a, struct decl_run *run, const char *hdr,
                             const char *tok, bool *valid, struct wv_error *err)
{
    long status = 0;
    struct wv_json *body = NULL;
    int rc = decl_legacy_call(a, run, "GET", &a->validate_url, hdr, tok, NULL, &status, &body, err);
    wv_json_free(body);
    if (rc < 0)
        return wv_error_prefix(err, "validating the session token");
    *valid = status >= 200 && status < 300;
    if (!*valid && status != 401)
        return wv_error_set(err, WV_E_HTTP, status,
                            "Error while validating session token: HTTP %ld", status);
    return 0;
}

/* Logs in with username and password: the token is response[session_token_response_key]. */
static int decl_legacy_login(const struct decl_auth *a, struct decl_run *run, const char *user,
                             const char *pass, char **tok, struct wv_error *err)
{
    struct decl_vars v = {0};
    struct wv_json *creds = wv_json_object(), *resp = NULL;
    wv_json_set(creds, "username", wv_json_str(user));
    wv_json_set(creds, "password", wv_json_str(pass));
    char *key = NULL;
    long status = 0;
    int rc = conn_decl_val_text(&a->response_key, &v, run, &key, err);
    if (rc == 0)
        rc = decl_legacy_call(a, run, "POST", &a->login_url, "Content-Type", "application/json",
                              creds, &status, &resp, err);
    const struct wv_json *t = rc == 0 ? wv_json_get(resp, key) : NULL;
    if (rc == 0 && (status < 200 || status >= 300))
        rc = wv_error_set(err, WV_E_HTTP, status,
                          "Failed to retrieve new session token, response code %ld", status);
    else if (rc == 0 && (!t || t->type == WV_JSON_NULL))
        rc = wv_error_set(err, WV_E_SOURCE, 0, "session login: no '%s' in the response", key);
    if (rc == 0)
        *tok = conn_decl_json_text(t);
    wv_json_free(creds);
    wv_json_free(resp);
    free(key);
    return rc;
}

/* The session token of a LegacySessionTokenAuthenticator: the configured one when the API
 * accepts it, else a new one from username and password; kept for the rest of the run. */
static int decl_legacy_token(const struct decl_auth *a, struct decl_run *run, const char *hdr,
                             char **tok, struct wv_error *err)
{
    char k[48];
    snprintf(k, sizeof k, "legacy@%p", (const void *)a);
    const char *cached = wv_json_get_str(run->auth_state, k);
    if (cached) {
        *tok = wv_strdup(cached);
        return 0;
    }
    struct decl_vars v = {0};
    char *st = NULL, *user = NULL, *pass = NULL;
    bool valid = false;
    int rc = conn_decl_val_text(&a->session_token, &v, run, &st, err);
    if (rc == 0 && *st)
        rc = decl_legacy_valid(a, run, hdr, st, &valid, err);
    if (rc == 0 && valid) {
        *tok = st;
        st = NULL;
    } else if (rc == 0 && (rc = conn_decl_val_text(&a->username, &v, run, &user, err)) == 0 &&
               (rc = conn_decl_val_text(&a->password, &v, run, &pass, err)) == 0) {
        if (*user && *pass)
            rc = decl_legacy_login(a, run, user, pass, tok, err);
        else
            rc = wv_error_set(err, WV_E_CONFIG, 0,
                              "Invalid credentials: session token is not valid or provide "
                              "username and password");
    }
    if (rc == 0) {
        if (!run->auth_state)
            run->auth_state = wv_json_object();
        wv_json_set(run->auth_state, k, wv_json_str(*tok));
    }
    free(st);
    free(user);
    free(pass);
    return rc;
}

/* Adds credentials to req. */
int conn_decl_auth_apply(const struct decl_auth *a, struct decl_run *run,
                         const struct decl_vars *vars, struct decl_req *req, struct wv_error *err)
{
    if (!a)
        return 0;
    char *tok = NULL, *user = NULL, *pass = NULL, *hdr = NULL;
    int rc = 0;
    switch (a->kind) {
    case DECL_AUTH_NONE:
        return 0;
    case DECL_AUTH_OAUTH:
        return conn_decl_oauth_apply(a->oauth, run, req, err);
    case DECL_AUTH_SESSION:
        return conn_decl_session_apply(a->session, run, vars, req, err);
    case DECL_AUTH_LEGACY:
        if (conn_decl_val_text(&a->header, vars, run, &hdr, err) < 0 ||
            decl_legacy_token(a, run, hdr, &tok, err) < 0) {
            rc = -1;
            break;
        }
        decl_set_header(req, hdr, tok);
        break;
    case DECL_AUTH_SELECTIVE: {
        const struct decl_auth *sub = decl_select(a, run, err);
        return sub ? conn_decl_auth_apply(sub, run, vars, req, err) : -1;
    }
    case DECL_AUTH_APIKEY:
        if (conn_decl_val_text(&a->token, vars, run, &tok, err) < 0)
            return -1;
        if (a->inject.into != DECL_INJ_NONE) {
            struct wv_json *v = wv_json_str(tok);
            rc = conn_decl_reqopt_inject(&a->inject, v, vars, run, req, err);
            wv_json_free(v);
        } else if ((rc = conn_decl_val_text(&a->header, vars, run, &hdr, err)) == 0) {
            decl_set_header(req, *hdr ? hdr : "Authorization", tok);
        }
        break;
    case DECL_AUTH_BEARER:
        if (conn_decl_val_text(&a->token, vars, run, &tok, err) < 0)
            return -1;
        hdr = wv_asprintf("Bearer %s", tok);
        decl_set_header(req, "Authorization", hdr);
        break;
    case DECL_AUTH_BASIC:
        if (conn_decl_val_text(&a->username, vars, run, &user, err) < 0 ||
            conn_decl_val_text(&a->password, vars, run, &pass, err) < 0) {
            rc = -1;
            break;
        }
        tok = wv_asprintf("%s:%s", user, pass);
        char *b64 = decl_base64(tok, strlen(tok));
        hdr = wv_asprintf("Basic %s", b64);
        free(b64);
        decl_set_header(req, "Authorization", hdr);
        break;
    }
    free(tok);
    free(user);
    free(pass);
    free(hdr);
    return rc;
}
