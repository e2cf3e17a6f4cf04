/* decl_stream.c - DeclarativeStream + SimpleRetriever: builds a stream's components and reads
 * it slice by slice (partitions x datetime windows), page by page, handing records to a
 * callback. Follows the CDK's declarative_stream.py and retrievers/simple_retriever.py.
 * Built on the opening thread; read on the reading thread. */
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "connectors/decl_int.h"

/* The primary key normalised to a list of paths. */
static struct wv_json *decl_pk(const struct wv_json *pk)
{
    struct wv_json *out = wv_json_array();
    if (!pk || pk->type == WV_JSON_NULL)
        return out;
    if (pk->type == WV_JSON_STRING) {
        struct wv_json *p = wv_json_array();
        wv_json_push(p, wv_json_dup(pk));
        wv_json_push(out, p);
        return out;
    }
    for (size_t i = 0; pk->type == WV_JSON_ARRAY && i < pk->len; i++) {
        if (pk->items[i]->type == WV_JSON_ARRAY) {
            wv_json_push(out, wv_json_dup(pk->items[i]));
        } else {
            struct wv_json *p = wv_json_array();
            wv_json_push(p, wv_json_dup(pk->items[i]));
            wv_json_push(out, p);
        }
    }
    return out;
}

/* Builds the partition routers of a retriever. */
static int decl_routers_build(struct decl_stream *s, const struct wv_json *pr, const char *origin,
                              struct wv_error *err)
{
    if (!pr || pr->type == WV_JSON_NULL)
        return 0;
    size_t n = pr->type == WV_JSON_ARRAY ? pr->len : 1;
    s->routers = wv_calloc(n + 1, sizeof *s->routers);
    for (size_t i = 0; i < n; i++) {
        const struct wv_json *node = pr->type == WV_JSON_ARRAY ? pr->items[i] : pr;
        if (!(s->routers[i] = conn_decl_router_build(node, origin, err)))
            return -1;
        s->n_routers++;
    }
    return 0;
}

/* Builds the schema of a stream (InlineSchemaLoader; others give an open schema). */
static struct wv_json *decl_schema(const struct wv_json *loader)
{
    const struct wv_json *schema = wv_json_get(loader, "schema");
    if (schema && schema->type == WV_JSON_OBJECT) {
        struct wv_json *s = wv_json_dup(schema);
        wv_json_remove(s, "$parameters");
        return s;
    }
    struct wv_json *s = wv_json_object();
    wv_json_set(s, "$schema", wv_json_str("http://json-schema.org/draft-07/schema#"));
    wv_json_set(s, "type", wv_json_str("object"));
    wv_json_set(s, "additionalProperties", wv_json_bool(true));
    wv_json_set(s, "properties", wv_json_object());
    return s;
}

/* Builds a DeclarativeStream. */
struct decl_stream *conn_decl_stream_build(const struct wv_json *node, const char *origin,
                                           struct wv_error *err)
{
    char w[512];
    const struct wv_json *ret = wv_json_get(node, "retriever");
    const char *name = wv_json_get_str(node, "name");
    if (!name)
        name = wv_json_get_str(wv_json_get(node, "$parameters"), "name");
    if (!name || !ret) {
        wv_error_set(err, WV_E_CONFIG, 0, "%s: a stream needs a name and a retriever",
                     conn_decl_where(origin, node, w, sizeof w));
        return NULL;
    }
    bool async = wv_str_eq(conn_decl_type(ret), "AsyncRetriever");
    if (*conn_decl_type(ret) && !async && strcmp(conn_decl_type(ret), "SimpleRetriever") != 0) {
        conn_decl_unsupported(origin, ret, "retriever", err);
        return NULL;
    }
    struct decl_stream *s = wv_calloc(1, sizeof *s);
    s->name = wv_strdup(name);
    s->pk = decl_pk(wv_json_get(node, "primary_key"));
    s->schema = decl_schema(wv_json_get(node, "schema_loader"));
    const struct wv_json *params = wv_json_get(node, "$parameters");
    s->params = params ? wv_json_dup(params) : wv_json_object();
    const struct wv_json *req = wv_json_get(ret, async ? "creation_requester" : "requester");
    const struct wv_json *rp = wv_json_get(req, "$parameters");
    s->req_params = rp ? wv_json_dup(rp) : NULL;
    const struct wv_json *inc = wv_json_get(node, "incremental_sync");
    if (conn_decl_requester_build(&s->req, req, origin, err) < 0 ||
        conn_decl_paginator_build(&s->pag, wv_json_get(ret, "paginator"), origin, err) < 0 ||
        !(s->sel = conn_decl_selector_build(wv_json_get(ret, "record_selector"),
                                            wv_json_get(node, "transformations"), origin, err)) ||
        decl_routers_build(s, wv_json_get(ret, "partition_router"), origin, err) < 0 ||
        (inc && !(s->cur = conn_decl_cursor_build(inc, origin, err))) ||
        (async && !(s->async = conn_decl_async_build(node, ret, origin, err)))) {
        wv_error_prefix(err, "stream '%s'", name);
        conn_decl_stream_free(s);
        return NULL;
    }
    const struct wv_json *pr = wv_json_get(ret, "pagination_reset");
    s->reset_split = wv_str_eq(wv_json_get_str(pr, "action"), "SPLIT_USING_CURSOR");
    if (wv_json_get_i64(wv_json_get(pr, "limits"), "number_of_records", &s->reset_limit) < 0 ||
        s->reset_limit < 0)
        s->reset_limit = 0;
    const struct wv_json *dec = wv_json_get(ret, "decoder");
    if (!dec)
        dec = wv_json_get(req, "decoder");
    if (conn_decl_decoder_build(&s->req, dec, origin, err) < 0) {
        wv_error_prefix(err, "stream '%s'", name);
        conn_decl_stream_free(s);
        return NULL;
    }
    return s;
}

/* Frees a stream. */
void conn_decl_stream_free(struct decl_stream *s)
{
    if (!s)
        return;
    free(s->name);
    wv_json_free(s->pk);
    wv_json_free(s->schema);
    wv_json_free(s->params);
    wv_json_free(s->req_params);
    conn_decl_requester_done(&s->req);
    conn_decl_paginator_done(&s->pag);
    conn_decl_selector_free(s->sel);
    for (size_t i = 0; i < s->n_routers; i++)
        conn_decl_router_free(s->routers[i]);
    free(s->routers);
    conn_decl_cursor_free(s->cur);
    conn_decl_async_free(s->async);
    free(s);
}

/* The stream's name (borrowed). */
const char *conn_decl_stream_name(const struct decl_stream *s)
{
    return s->name;
}

/* Merges the keys of b into a copy of a (either may be NULL). Caller frees. */
static struct wv_json *decl_merge_slices(const struct wv_json *a, const struct wv_json *b)
{
    struct wv_json *out = a && a->type == WV_JSON_OBJECT ? wv_json_dup(a) : wv_json_object();
    for (size_t i = 0; b && b->type == WV_JSON_OBJECT && i < b->len; i++)
        wv_json_set(out, b->keys[i], wv_json_dup(b->items[i]));
    return out;
}

/* The cartesian product of the routers' partitions (array of slice objects). */
static int decl_partitions(const struct decl_stream *s, struct decl_run *run, struct wv_json **out,
                           struct wv_error *err)
{
    struct wv_json *acc = wv_json_array();
    wv_json_push(acc, wv_json_object());
    for (size_t r = 0; r < s->n_routers; r++) {
        struct wv_json *parts = NULL;
        if (conn_decl_router_partitions(s->routers[r], run, &parts, err) < 0) {
            wv_json_free(acc);
            return -1;
        }
        struct wv_json *next = wv_json_array();
        for (size_t i = 0; i < acc->len; i++)
            for (size_t j = 0; j < parts->len && next->len < DECL_MAX_SLICES; j++)
                wv_json_push(next, decl_merge_slices(acc->items[i], parts->items[j]));
        wv_json_free(parts);
        wv_json_free(acc);
        acc = next;
    }
    *out = acc;
    return 0;
}

/* Builds the extra request options of one page. */
static int decl_page_request(const struct decl_stream *s, struct decl_run *run,
                             const struct decl_vars *v, const struct wv_json *token,
                             struct decl_req *req, struct wv_error *err)
{
    if (conn_decl_paginator_inject(&s->pag, token, v, run, req, err) < 0)
        return -1;
    if (s->cur && conn_decl_cursor_inject(s->cur, v->stream_slice, v, run, req, err) < 0)
        return -1;
    for (size_t i = 0; i < s->n_routers; i++)
        if (conn_decl_router_inject(s->routers[i], v->stream_slice, v, run, req, err) < 0)
            return -1;
    return 0;
}

/* Hands a page's records to the reader; counts what passed and keeps a copy of the last one
 * passed (the paginator's last_record, which must outlive the page). Records borrowed from the
 * page body are passed as they are: the reader's free of them is a no-op (see
 * wv_json_in_arena); owned ones are handed over. */
static int decl_page_records(struct conn_decl_stream_read *rd, const struct wv_json *slice,
                             struct wv_json *recs, size_t *kept, struct wv_json **last,
                             struct wv_json **seen, struct wv_error *err)
{
    const struct wv_json *last_borrowed = NULL;
    int rc = 0;
    for (size_t i = 0; i < recs->len; i++) {
        struct wv_json *rec = recs->items[i];
        bool keep = true;
        if (rd->cr && (rc = conn_decl_cursor_observe(rd->cr, slice, rec, rd->run, &keep, err)) < 0)
            break;
        if (!keep)
            continue;
        (*kept)++;
        const struct wv_json *cv = rd->cr ? wv_json_get(rec, rd->cr->field) : NULL;
        if (cv && cv->type != WV_JSON_NULL && (!*seen || wv_json_compare(cv, *seen) > 0)) {
            wv_json_free(*seen);
            *seen = wv_json_dup(cv);
        }
        if (wv_json_in_arena(rec)) {
            last_borrowed = rec;
        } else {
            last_borrowed = NULL;
            wv_json_free(*last);
            *last = wv_json_dup(rec);
            recs->items[i] = wv_json_null();
        }
        rd->count++;
        if ((rc = rd->fn(rd->ctx, slice, rec, err)) < 0)
            break;
        if (rd->max_records && rd->count >= rd->max_records)
            break;
    }
    if (last_borrowed) {
        wv_json_free(*last);
        *last = wv_json_dup(last_borrowed);
    }
    return rc < 0 ? -1 : 0;
}

/* After a pagination reset (RESET_PAGINATION or limits.number_of_records), the slice to
 * read from the first page again, as the CDK's PaginationTracker: SPLIT_USING_CURSOR starts
 * the datetime window at the highest cursor value seen in the slice (the record's raw value);
 * the same slice may be read again once (with a splitting cursor: not at all). */
static int decl_reset_slice(struct conn_decl_stream_read *rd, const struct wv_json *orig,
                            struct wv_json **cur, const struct wv_json *seen, int *same,
                            struct wv_error *err)
{
    bool split = rd->s->reset_split && rd->cr && rd->win_start;
    struct wv_json *next = NULL;
    if (split && seen) {
        next = wv_json_dup(orig);
        wv_json_set(next, rd->win_start, wv_json_dup(seen));
    }
    if (!next || wv_json_equal(next, *cur)) {
        wv_json_free(next);
        if (++*same >= (split ? 1 : 2))
            return wv_error_set(err, WV_E_HTTP, 0,
                                "pagination reset %d time(s) on the same slice, allowed %d",
                                *same, split ? 0 : 1);
        return 0;
    }
    *same = 0;
    wv_json_free(*cur);
    *cur = next;
    return 0;
}

/* Reads one page of a slice: request, records, and the next token (*next, NULL to stop). */
static int decl_read_page(struct conn_decl_stream_read *rd, const struct wv_json *slice,
                          const struct wv_json *token, struct wv_json **last,
                          struct wv_json **seen, struct wv_json **next, bool *reset,
                          struct wv_error *err)
{
    const struct decl_stream *s = rd->s;
    struct wv_json *npt = NULL;
    if (token) {
        npt = wv_json_object();
        wv_json_set(npt, "next_page_token", wv_json_dup(token));
    }
    struct decl_vars v = {.config = rd->run->config,
                          .parameters = s->params,
                          .stream_state = rd->cr ? rd->cr->state : NULL,
                          .stream_slice = slice,
                          .next_page_token = npt};
    struct decl_vars rv = v;
    if (s->req_params)
        rv.parameters = s->req_params;
    struct decl_req req;
    struct decl_page page;
    struct wv_json *recs = wv_json_array();
    size_t kept = 0;
    conn_decl_req_init(&req);
    memset(&page, 0, sizeof page);
    int rc = decl_page_request(s, rd->run, &rv, token, &req, err);
    if (rc == 0)
        rc = conn_decl_requester_send(&s->req, rd->run, &rv, &req, &page, err);
    if (rc == 0 && !page.reset)
        rc = conn_decl_selector_select(s->sel, &page, &v, rd->run, recs, err);
    if (rc == 0)
        rc = decl_page_records(rd, slice, recs, &kept, last, seen, err);
    *reset = page.reset;
    bool done = page.ignored || page.reset || (rd->max_records && rd->count >= rd->max_records) ||
                (rd->cr && rd->cr->feed_stop);
    if (rc == 0 && !done)
        rc = conn_decl_paginator_next(&s->pag, &page, token, kept, *last, &v, rd->run, next,
                                      err);
    rd->since_reset += kept;
    conn_decl_req_done(&req);
    wv_json_free(recs); /* before the page: it may hold records borrowed from the body */
    conn_decl_page_done(&page);
    wv_json_free(npt);
    return rc;
}

/* Reads every page of one slice. */
int conn_decl_stream_read_slice(struct conn_decl_stream_read *rd, const struct wv_json *slice,
                                struct wv_error *err)
{
    const struct decl_stream *s = rd->s;
    if (s->async)
        return conn_decl_async_read_slice(rd, slice, err);
    struct wv_json *token = conn_decl_paginator_initial(&s->pag), *last = NULL, *seen = NULL;
    struct wv_json *cur = wv_json_dup(slice);
    int rc = 0, same = 0;
    if (rd->cr)
        rd->cr->feed_stop = false;
    rd->since_reset = 0;
    for (long pageno = 0; rc == 0 && pageno < DECL_MAX_PAGES; pageno++) {
        if (rd->run->cancel && *rd->run->cancel) {
            rc = wv_error_set(err, WV_E_CANCELLED, 0, "cancelled");
            break;
        }
        struct wv_json *next = NULL;
        bool reset = false;
        rc = decl_read_page(rd, cur, token, &last, &seen, &next, &reset, err);
        wv_json_free(token);
        token = next;
        if (rc == 0 && (reset || (s->reset_limit && rd->since_reset >= (size_t)s->reset_limit))) {
            rc = decl_reset_slice(rd, slice, &cur, seen, &same, err);
            wv_json_free(token);
            token = conn_decl_paginator_initial(&s->pag);
            wv_json_free(last);
            last = NULL;
            rd->since_reset = 0;
            continue;
        }
        if (!token || (rd->max_records && rd->count >= rd->max_records) ||
            (rd->cr && rd->cr->feed_stop))
            break;
    }
    wv_json_free(token);
    wv_json_free(last);
    wv_json_free(seen);
    wv_json_free(cur);
    return rc;
}

/* Reads all slices of a stream; after each slice calls done_fn (may be NULL). */
int conn_decl_stream_read(struct conn_decl_stream_read *rd,
                          int (*done_fn)(struct conn_decl_stream_read *rd, struct wv_error *err),
                          struct wv_error *err)
{
    struct wv_json *parts = NULL;
    if (decl_partitions(rd->s, rd->run, &parts, err) < 0)
        return -1;
    int rc = 0;
    for (size_t p = 0; rc == 0 && p < parts->len; p++) {
        struct wv_json *windows = NULL;
        if (rd->cr) {
            rc = conn_decl_cursor_slices(rd->cr, rd->run, &windows, err);
        } else {
            windows = wv_json_array();
            wv_json_push(windows, wv_json_object());
        }
        for (size_t w = 0; rc == 0 && windows && w < windows->len; w++) {
            const struct wv_json *win = windows->items[w];
            rd->win_start = win->type == WV_JSON_OBJECT && win->len ? win->keys[0] : NULL;
            struct wv_json *slice = decl_merge_slices(parts->items[p], windows->items[w]);
            rc = conn_decl_stream_read_slice(rd, slice, err);
            wv_json_free(slice);
            if (rc == 0 && rd->cr)
                conn_decl_cursor_close_slice(rd->cr, rd->run);
            if (rc == 0 && done_fn)
                rc = done_fn(rd, err);
            if (rd->max_records && rd->count >= rd->max_records)
                break;
        }
        rd->win_start = NULL;
        wv_json_free(windows);
        if (rd->max_records && rd->count >= rd->max_records)
            break;
    }
    wv_json_free(parts);
    return rc;
}

/* Reads every record of a stream (no state) to fn. */
int conn_decl_stream_read_all(const struct decl_stream *s, struct decl_run *run, size_t max_records,
                              decl_record_fn fn, void *ctx, struct wv_error *err)
{
    struct decl_cursor_run cr;
    struct conn_decl_stream_read rd = {
        .s = s, .run = run, .fn = fn, .ctx = ctx, .max_records = max_records};
    if (s->cur) {
        if (conn_decl_cursor_start(s->cur, NULL, &cr, run, err) < 0)
            return -1;
        rd.cr = &cr;
    }
    int rc = conn_decl_stream_read(&rd, NULL, err);
    if (rd.cr)
        conn_decl_cursor_run_done(&cr);
    if (rc < 0)
        wv_error_prefix(err, "stream %s", s->name);
    return rc;
}
