/* decl_paginator.c - DefaultPaginator with CursorPagination (cursor_value, stop_condition,
 * Link headers through headers['link']), OffsetIncrement and PageIncrement (page_size,
 * start_from_page, inject_on_first_request), and NoPagination; page_token_option as a
 * RequestOption or RequestPath, page_size_option. Follows the CDK's requesters/paginators/.
 * Built on the opening thread; used by the reading thread. */
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "connectors/decl_int.h"

/* Builds the pagination strategy of a DefaultPaginator. */
static int decl_strategy_build(struct decl_paginator *p, const struct wv_json *s,
                               const char *origin, struct wv_error *err)
{
    const char *t = conn_decl_type(s);
    char w[512];
    if (strcmp(t, "CursorPagination") == 0) {
        p->kind = DECL_PAG_CURSOR;
        if (!wv_json_get(s, "cursor_value"))
            return wv_error_set(err, WV_E_CONFIG, 0, "%s: CursorPagination needs cursor_value",
                                conn_decl_where(origin, s, w, sizeof w));
        if (conn_decl_field(&p->cursor_value, s, "cursor_value", origin, err) < 0 ||
            conn_decl_field(&p->stop_condition, s, "stop_condition", origin, err) < 0)
            return -1;
    } else if (strcmp(t, "OffsetIncrement") == 0) {
        p->kind = DECL_PAG_OFFSET;
    } else if (strcmp(t, "PageIncrement") == 0) {
        p->kind = DECL_PAG_PAGE;
        int64_t start = 1;
        const struct wv_json *sp = wv_json_get(s, "start_from_page");
        if (sp && wv_json_as_i64(sp, &start) < 0)
            return wv_error_set(err, WV_E_CONFIG, 0, "%s: start_from_page must be an integer",
                                conn_decl_where(origin, sp, w, sizeof w));
        p->start_from_page = start;
    } else {
        return conn_decl_unsupported(origin, s, "pagination strategy", err);
    }
    bool first = false;
    if (wv_json_get_bool(s, "inject_on_first_request", false, &first) < 0)
        return wv_error_set(err, WV_E_CONFIG, 0, "%s: inject_on_first_request must be a bool",
                            conn_decl_where(origin, s, w, sizeof w));
    p->inject_on_first = first;
    return conn_decl_field(&p->page_size, s, "page_size", origin, err);
}

/* Builds a paginator (NULL node or NoPagination: none). */
int conn_decl_paginator_build(struct decl_paginator *p, const struct wv_json *node,
                              const char *origin, struct wv_error *err)
{
    memset(p, 0, sizeof *p);
    const char *t = conn_decl_type(node);
    if (!node || strcmp(t, "NoPagination") == 0)
        return 0;
    if (strcmp(t, "DefaultPaginator") != 0)
        return conn_decl_unsupported(origin, node, "paginator", err);
    const struct wv_json *s = wv_json_get(node, "pagination_strategy");
    char w[512];
    if (!s)
        return wv_error_set(err, WV_E_CONFIG, 0, "%s: DefaultPaginator needs pagination_strategy",
                            conn_decl_where(origin, node, w, sizeof w));
    if (decl_strategy_build(p, s, origin, err) < 0 ||
        conn_decl_reqopt_build(&p->token_opt, wv_json_get(node, "page_token_option"), origin, err) <
            0 ||
        conn_decl_reqopt_build(&p->size_opt, wv_json_get(node, "page_size_option"), origin, err) <
            0 ||
        conn_decl_field(&p->url_base, node, "url_base", origin, err) < 0)
        return -1;
    return 0;
}

/* Frees a paginator's parts. */
void conn_decl_paginator_done(struct decl_paginator *p)
{
    conn_decl_val_done(&p->cursor_value);
    conn_decl_val_done(&p->stop_condition);
    conn_decl_val_done(&p->page_size);
    conn_decl_val_done(&p->url_base);
    conn_decl_reqopt_done(&p->token_opt);
    conn_decl_reqopt_done(&p->size_opt);
    memset(p, 0, sizeof *p);
}

/* The first page token. */
struct wv_json *conn_decl_paginator_initial(const struct decl_paginator *p)
{
    if (p->kind == DECL_PAG_OFFSET && p->inject_on_first)
        return wv_json_int(0);
    if (p->kind == DECL_PAG_PAGE && p->inject_on_first)
        return wv_json_int(p->start_from_page);
    return NULL;
}

/* The page size, 0 when none. */
static int decl_page_size(const struct decl_paginator *p, const struct decl_vars *vars,
                          const struct decl_run *run, int64_t *size, struct wv_error *err)
{
    *size = 0;
    if (!p->page_size.present)
        return 0;
    struct wv_json *j = NULL;
    if (conn_decl_val_eval(&p->page_size, vars, run, NULL, &j, err) < 0)
        return -1;
    if (j->type == WV_JSON_STRING)
        wv_parse_i64(j->s, size);
    else
        wv_json_as_i64(j, size);
    wv_json_free(j);
    if (*size < 0)
        *size = 0;
    return 0;
}

/* Injects token and page size into req. */
int conn_decl_paginator_inject(const struct decl_paginator *p, const struct wv_json *token,
                               const struct decl_vars *vars, const struct decl_run *run,
                               struct decl_req *req, struct wv_error *err)
{
    if (p->kind == DECL_PAG_NONE)
        return 0;
    int64_t size = 0;
    if (decl_page_size(p, vars, run, &size, err) < 0)
        return -1;
    if (size > 0 && p->size_opt.into != DECL_INJ_NONE) {
        struct wv_json *v = wv_json_int(size);
        int rc = conn_decl_reqopt_inject(&p->size_opt, v, vars, run, req, err);
        wv_json_free(v);
        if (rc < 0)
            return -1;
    }
    if (!token || token->type == WV_JSON_NULL || p->token_opt.into == DECL_INJ_NONE)
        return 0;
    if (p->token_opt.into != DECL_INJ_PATH)
        return conn_decl_reqopt_inject(&p->token_opt, token, vars, run, req, err);
    /* RequestPath: the token is a URL; keep only the part after url_base. */
    char *url = conn_decl_json_text(token), *base = NULL;
    if (p->url_base.present && conn_decl_val_text(&p->url_base, vars, run, &base, err) < 0) {
        free(url);
        return -1;
    }
    const char *path = url;
    if (base && *base && wv_str_starts(url, base))
        path = url + strlen(base);
    free(req->path);
    req->path = wv_strdup(path);
    free(url);
    free(base);
    return 0;
}

/* Whether a JSON token is "falsy" as Python sees it. */
static bool decl_falsy(const struct wv_json *j)
{
    return !j || j->type == WV_JSON_NULL || (j->type == WV_JSON_BOOL && !j->b) ||
           (j->type == WV_JSON_STRING && j->slen == 0) ||
           (j->type == WV_JSON_NUMBER && strcmp(j->s, "0") == 0) ||
           ((j->type == WV_JSON_ARRAY || j->type == WV_JSON_OBJECT) && j->len == 0);
}

/* CursorPagination's next token. */
static int decl_cursor_next(const struct decl_paginator *p, const struct decl_page *page,
                            size_t last_page_size, const struct wv_json *last_record,
                            const struct decl_vars *base, const struct decl_run *run,
                            struct wv_json **next, struct wv_error *err)
{
    struct decl_vars v = *base;
    struct wv_json *lps = wv_json_int((int64_t)last_page_size);
    v.response = page->body;
    v.headers = page->headers;
    v.last_record = last_record;
    v.last_page_size = lps;
    bool stop = false;
    int rc = conn_decl_val_truthy(&p->stop_condition, &v, run, false, &stop, err);
    if (rc == 0 && !stop)
        rc = conn_decl_val_eval(&p->cursor_value, &v, run, NULL, next, err);
    wv_json_free(lps);
    if (rc == 0 && decl_falsy(*next)) {
        wv_json_free(*next);
        *next = NULL;
    }
    return rc;
}

/* The next token after a page. */
int conn_decl_paginator_next(const struct decl_paginator *p, const struct decl_page *page,
                             const struct wv_json *last_token, size_t last_page_size,
                             const struct wv_json *last_record, const struct decl_vars *vars,
                             const struct decl_run *run, struct wv_json **next,
                             struct wv_error *err)
{
    *next = NULL;
    if (p->kind == DECL_PAG_NONE)
        return 0;
    if (p->kind == DECL_PAG_CURSOR)
        return decl_cursor_next(p, page, last_page_size, last_record, vars, run, next, err);
    int64_t size = 0, last = 0;
    if (decl_page_size(p, vars, run, &size, err) < 0)
        return -1;
    if ((size > 0 && (int64_t)last_page_size < size) || last_page_size == 0)
        return 0;
    bool have_last = last_token && wv_json_as_i64(last_token, &last) == 0;
    if (last_token && last_token->type != WV_JSON_NULL && !have_last)
        return wv_error_set(err, WV_E_SOURCE, 0, "page token is not an integer");
    if (p->kind == DECL_PAG_OFFSET)
        *next = wv_json_int(have_last ? last + (int64_t)last_page_size : (int64_t)last_page_size);
    else
        *next = wv_json_int(have_last ? last + 1 : p->start_from_page + 1);
    return 0;
}
