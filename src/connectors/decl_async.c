/* decl_async.c - AsyncRetriever: per slice, creates a server-side job (creation_requester),
 * polls it (polling_requester + status_extractor + status_mapping) until it completes, fails
 * or times out, then downloads its results (download_target_requester/extractor,
 * download_requester + download_paginator, download_decoder/extractor) and deletes the job
 * (delete_requester). Follows the CDK's retrievers/async_retriever.py,
 * requesters/http_job_repository.py and async_job/job_orchestrator.py, one job at a time.
 * Built on the opening thread; read on the reading thread. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "connectors/decl_int.h"

#define DECL_ASYNC_MAX_ATTEMPTS 3       /* AsyncPartition._DEFAULT_MAX_JOB_RETRY */
#define DECL_ASYNC_POLL_MS 5000          /* _WAIT_TIME_BETWEEN_STATUS_UPDATE_IN_SECONDS */
#define DECL_ASYNC_TIMEOUT_MIN 60        /* default polling_job_timeout of a sync */
#define DECL_ASYNC_MAX_POLL_MS 3600000   /* cap of a poll interval override */
#define DECL_ASYNC_MAX_TARGETS 100000    /* download targets of one job */

enum decl_job_status { JOB_RUNNING, JOB_COMPLETED, JOB_FAILED, JOB_TIMEOUT, JOB_SKIPPED };

static const char *const decl_job_names[] = {"running", "completed", "failed", "timeout",
                                             "skipped"};

/* One of the retriever's requesters with the parameters its templates see. */
struct decl_async_req {
    bool present;
    struct decl_requester r;
    struct wv_json *params; /* the requester's $parameters (owned) or NULL: the stream's */
};

struct decl_async {
    struct decl_async_req create, poll, target, download, abort_r, del;
    struct decl_paginator dl_pag;
    struct decl_selector *dl_sel;   /* download_extractor (raw records of a download page) */
    struct decl_selector *post_sel; /* record_selector's filter + the stream's transformations */
    struct decl_val *status_path, *target_path;
    size_t n_status_path, n_target_path;
    bool has_target_path;
    struct wv_json *mapping; /* API status -> "running"/"completed"/... (owned) */
    struct decl_val timeout_min, failed_wait;
    int64_t poll_ms;
};

/* Builds one optional requester (a non-NULL node) with the retriever's decoder (dec). */
static int decl_async_req_build(struct decl_async_req *q, const struct wv_json *node,
                                const struct wv_json *dec, const char *origin,
                                struct wv_error *err)
{
    if (!node)
        return 0;
    q->present = true;
    const struct wv_json *p = wv_json_get(node, "$parameters");
    q->params = p ? wv_json_dup(p) : NULL;
    if (conn_decl_requester_build(&q->r, node, origin, err) < 0)
        return -1;
    if (!dec)
        dec = wv_json_get(node, "decoder");
    return conn_decl_decoder_build(&q->r, dec, origin, err);
}

/* Frees one requester. */
static void decl_async_req_done(struct decl_async_req *q)
{
    if (q->present)
        conn_decl_requester_done(&q->r);
    wv_json_free(q->params);
}

/* Compiles a DpathExtractor's field_path into *vals. */
static int decl_async_path(const struct wv_json *ex, struct decl_val **vals, size_t *n,
                           const char *origin, struct wv_error *err)
{
    if (ex && *conn_decl_type(ex) && strcmp(conn_decl_type(ex), "DpathExtractor") != 0)
        return conn_decl_unsupported(origin, ex, "extractor", err);
    const struct wv_json *fp = wv_json_get(ex, "field_path");
    size_t len = fp && fp->type == WV_JSON_ARRAY ? fp->len : 0;
    *vals = wv_calloc(len + 1, sizeof **vals);
    for (*n = 0; *n < len; (*n)++)
        if (conn_decl_val_build(&(*vals)[*n], fp->items[*n], origin, err) < 0)
            return -1;
    return 0;
}

/* The status mapping (AsyncJobStatusMap) as API status -> job status name. */
static struct wv_json *decl_async_mapping(const struct wv_json *sm)
{
    struct wv_json *m = wv_json_object();
    for (size_t k = 0; k < sizeof decl_job_names / sizeof *decl_job_names; k++) {
        const struct wv_json *list = wv_json_get(sm, decl_job_names[k]);
        for (size_t i = 0; list && list->type == WV_JSON_ARRAY && i < list->len; i++) {
            char *s = conn_decl_json_text(list->items[i]);
            wv_json_set(m, s, wv_json_str(decl_job_names[k]));
            free(s);
        }
    }
    return m;
}

/* A selector node whose extractor is ex (NULL: the whole body) on top of base's fields. */
static struct wv_json *decl_async_selector_node(const struct wv_json *base,
                                                const struct wv_json *ex)
{
    struct wv_json *n = base ? wv_json_dup(base) : wv_json_object();
    if (ex) {
        wv_json_set(n, "extractor", wv_json_dup(ex));
    } else {
        struct wv_json *e = wv_json_object();
        wv_json_set(e, "type", wv_json_str("DpathExtractor"));
        wv_json_set(e, "field_path", wv_json_array());
        wv_json_set(n, "extractor", e);
    }
    return n;
}

/* A download_decoder with nested GzipDecoders reduced to the innermost one: the requester
 * inflates a body by its gzip magic, so one level reads what the CDK's nested parsers read
 * (the outer one falls back to its inner parser when the headers do not say gzip). */
static const struct wv_json *decl_async_decoder(const struct wv_json *dec)
{
    while (wv_str_eq(conn_decl_type(dec), "GzipDecoder") &&
           wv_str_eq(conn_decl_type(wv_json_get(dec, "decoder")), "GzipDecoder"))
        dec = wv_json_get(dec, "decoder");
    return dec;
}

/* Builds the parts that read a job's results. */
static int decl_async_build_download(struct decl_async *a, const struct wv_json *ret,
                                     const struct wv_json *stream, const char *origin,
                                     struct wv_error *err)
{
    const struct wv_json *dd = decl_async_decoder(wv_json_get(ret, "download_decoder"));
    const struct wv_json *dn = wv_json_get(ret, "download_requester");
    if (decl_async_req_build(&a->download, dn, dd, origin, err) < 0 ||
        conn_decl_paginator_build(&a->dl_pag, wv_json_get(ret, "download_paginator"), origin,
                                  err) < 0)
        return -1;
    const struct wv_json *dx = wv_json_get(ret, "download_extractor");
    if (dx && *conn_decl_type(dx) && strcmp(conn_decl_type(dx), "DpathExtractor") != 0)
        return conn_decl_unsupported(origin, dx, "download_extractor", err);
    struct wv_json *n1 = decl_async_selector_node(NULL, dx);
    a->dl_sel = conn_decl_selector_build(n1, NULL, origin, err);
    wv_json_free(n1);
    if (!a->dl_sel)
        return -1;
    struct wv_json *n2 = decl_async_selector_node(wv_json_get(ret, "record_selector"), NULL);
    a->post_sel =
        conn_decl_selector_build(n2, wv_json_get(stream, "transformations"), origin, err);
    wv_json_free(n2);
    return a->post_sel ? 0 : -1;
}

/* Builds an AsyncRetriever of a stream (ret: the retriever node). */
struct decl_async *conn_decl_async_build(const struct wv_json *stream, const struct wv_json *ret,
                                         const char *origin, struct wv_error *err)
{
    char w[512];
    struct decl_async *a = wv_calloc(1, sizeof *a);
    const struct wv_json *dec = wv_json_get(ret, "decoder");
    const struct wv_json *cr = wv_json_get(ret, "creation_requester");
    const struct wv_json *pr = wv_json_get(ret, "polling_requester");
    if (!cr || !pr || !wv_json_get(ret, "download_requester") ||
        !wv_json_get(ret, "status_extractor") || !wv_json_get(ret, "status_mapping")) {
        wv_error_set(err, WV_E_CONFIG, 0,
                     "%s: AsyncRetriever needs creation_requester, polling_requester, "
                     "download_requester, status_extractor and status_mapping",
                     conn_decl_where(origin, ret, w, sizeof w));
        goto fail;
    }
    const struct wv_json *tx = wv_json_get(ret, "download_target_extractor");
    if (decl_async_req_build(&a->create, cr, dec, origin, err) < 0 ||
        decl_async_req_build(&a->poll, pr, dec, origin, err) < 0 ||
        decl_async_req_build(&a->target, wv_json_get(ret, "download_target_requester"), dec,
                             origin, err) < 0 ||
        decl_async_req_build(&a->abort_r, wv_json_get(ret, "abort_requester"), dec, origin,
                             err) < 0 ||
        decl_async_req_build(&a->del, wv_json_get(ret, "delete_requester"), dec, origin, err) <
            0 ||
        decl_async_path(wv_json_get(ret, "status_extractor"), &a->status_path,
                        &a->n_status_path, origin, err) < 0 ||
        decl_async_path(tx, &a->target_path, &a->n_target_path, origin, err) < 0 ||
        decl_async_build_download(a, ret, stream, origin, err) < 0 ||
        conn_decl_field(&a->timeout_min, ret, "polling_job_timeout", origin, err) < 0 ||
        conn_decl_field(&a->failed_wait, ret, "failed_retry_wait_time_in_seconds", origin,
                        err) < 0)
        goto fail;
    a->has_target_path = tx != NULL;
    a->mapping = decl_async_mapping(wv_json_get(ret, "status_mapping"));
    a->poll_ms = DECL_ASYNC_POLL_MS;
    return a;
fail:
    conn_decl_async_free(a);
    return NULL;
}

/* Frees an AsyncRetriever. */
void conn_decl_async_free(struct decl_async *a)
{
    if (!a)
        return;
    decl_async_req_done(&a->create);
    decl_async_req_done(&a->poll);
    decl_async_req_done(&a->target);
    decl_async_req_done(&a->download);
    decl_async_req_done(&a->abort_r);
    decl_async_req_done(&a->del);
    conn_decl_paginator_done(&a->dl_pag);
    conn_decl_selector_free(a->dl_sel);
    conn_decl_selector_free(a->post_sel);
    for (size_t i = 0; a->status_path && i < a->n_status_path; i++)
        conn_decl_val_done(&a->status_path[i]);
    for (size_t i = 0; a->target_path && i < a->n_target_path; i++)
        conn_decl_val_done(&a->target_path[i]);
    free(a->status_path);
    free(a->target_path);
    wv_json_free(a->mapping);
    conn_decl_val_done(&a->timeout_min);
    conn_decl_val_done(&a->failed_wait);
    free(a);
}

/* Adds the values a DpathExtractor yields from body to out (copies): the value at the path
 * (a list gives its items; a falsy value nothing), every match of a "*" path. */
static void decl_async_dpath(const struct wv_json *j, char **segs, size_t i, size_t n,
                             bool wild, struct wv_json *out)
{
    if (!j)
        return;
    if (i == n) {
        if (j->type == WV_JSON_ARRAY && !wild) {
            for (size_t k = 0; k < j->len; k++)
                wv_json_push(out, wv_json_dup(j->items[k]));
        } else if (wild || (j->type != WV_JSON_NULL && !(j->type == WV_JSON_BOOL && !j->b) &&
                            !(j->type == WV_JSON_STRING && !j->slen) &&
                            !(j->type == WV_JSON_OBJECT && !j->len))) {
            wv_json_push(out, wv_json_dup(j));
        }
        return;
    }
    bool any = strcmp(segs[i], "*") == 0;
    for (size_t k = 0; (j->type == WV_JSON_ARRAY || j->type == WV_JSON_OBJECT) && k < j->len;
         k++) {
        bool match = any;
        if (!match && j->type == WV_JSON_OBJECT)
            match = strcmp(j->keys[k], segs[i]) == 0;
        if (!match && j->type == WV_JSON_ARRAY) {
            int64_t idx = -1;
            match = wv_parse_i64(segs[i], &idx) == 0 && idx == (int64_t)k;
        }
        if (match)
            decl_async_dpath(j->items[k], segs, i + 1, n, wild, out);
    }
}

/* Extracts with a compiled field_path. *out: caller frees (array). */
static int decl_async_extract(const struct decl_val *path, size_t n, const struct wv_json *body,
                              const struct decl_vars *vars, const struct decl_run *run,
                              struct wv_json **out, struct wv_error *err)
{
    char **segs = wv_calloc(n + 1, sizeof *segs);
    bool wild = false;
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        rc = conn_decl_val_text(&path[i], vars, run, &segs[i], err);
        wild = wild || (segs[i] && strcmp(segs[i], "*") == 0);
    }
    *out = wv_json_array();
    if (rc == 0)
        decl_async_dpath(body, segs, 0, n, wild, *out);
    wv_strv_free(segs);
    return rc;
}

/* ---- one job ---- */

struct decl_job {
    struct wv_json *creation;  /* creation_response context (owned) */
    struct wv_json *polling;   /* polling_response context of the completed poll (owned) */
    struct wv_json *poll_body; /* that response's decoded body (owned) */
    enum decl_job_status status;
};

/* Frees a job's responses. */
static void decl_job_done(struct decl_job *job)
{
    wv_json_free(job->creation);
    wv_json_free(job->polling);
    wv_json_free(job->poll_body);
    memset(job, 0, sizeof *job);
}

/* A response as the CDK's interpolation context: its JSON object plus "headers" and
 * "request" ({"headers": the requester's request_headers}) unless the body has them. */
static struct wv_json *decl_async_ctx(const struct decl_page *pg, struct wv_json *req_headers)
{
    struct wv_json *c = pg->body && pg->body->type == WV_JSON_OBJECT ? wv_json_dup(pg->body)
                                                                    : wv_json_object();
    if (!wv_json_get(c, "headers"))
        wv_json_set(c, "headers", pg->headers ? wv_json_dup(pg->headers) : wv_json_object());
    if (!wv_json_get(c, "request")) {
        struct wv_json *r = wv_json_object();
        bool obj = req_headers && req_headers->type == WV_JSON_OBJECT;
        wv_json_set(r, "headers", obj ? req_headers : wv_json_object());
        if (!obj)
            wv_json_free(req_headers);
        wv_json_set(c, "request", r);
    } else {
        wv_json_free(req_headers);
    }
    return c;
}

/* The stream_slice a job-scoped request sees: base (or {}) plus extra_fields holding the
 * job's responses and the download target. Caller frees. */
static struct wv_json *decl_job_slice(const struct wv_json *base, const struct decl_job *job,
                                      const char *target)
{
    struct wv_json *s = base && base->type == WV_JSON_OBJECT ? wv_json_dup(base)
                                                             : wv_json_object();
    struct wv_json *x = wv_json_object();
    if (job->creation)
        wv_json_set(x, "creation_response", wv_json_dup(job->creation));
    if (job->polling)
        wv_json_set(x, "polling_response", wv_json_dup(job->polling));
    if (target)
        wv_json_set(x, "download_target", wv_json_str(target));
    wv_json_set(s, "extra_fields", x);
    return s;
}

/* The template variables of a request of the job. */
static struct decl_vars decl_job_vars(const struct conn_decl_stream_read *rd,
                                      const struct decl_job *job, const struct wv_json *slice)
{
    struct decl_vars v = {.config = rd->run->config,
                          .parameters = rd->s->params,
                          .stream_state = rd->cr ? rd->cr->state : NULL,
                          .stream_slice = slice,
                          .creation_response = job->creation,
                          .polling_response = job->polling};
    return v;
}

/* Sends one request of q; *req_headers (may be NULL): its evaluated request_headers. */
static int decl_async_send(const struct decl_async_req *q, struct decl_run *run,
                           const struct decl_vars *v, struct decl_req *extra,
                           struct decl_page *pg, struct wv_json **req_headers,
                           struct wv_error *err)
{
    struct decl_vars rv = *v;
    if (q->params)
        rv.parameters = q->params;
    struct decl_req none;
    conn_decl_req_init(&none);
    memset(pg, 0, sizeof *pg);
    int rc = conn_decl_requester_send(&q->r, run, &rv, extra ? extra : &none, pg, err);
    if (rc == 0 && req_headers)
        rc = conn_decl_val_eval(&q->r.headers, &rv, run, NULL, req_headers, err);
    conn_decl_req_done(&none);
    return rc;
}

/* Sends a job-scoped request without a body of interest (abort, delete). */
static int decl_job_call(const struct decl_async_req *q, struct conn_decl_stream_read *rd,
                         const struct decl_job *job, struct wv_error *err)
{
    if (!q->present)
        return 0;
    struct wv_json *js = decl_job_slice(NULL, job, NULL);
    struct decl_vars v = decl_job_vars(rd, job, js);
    struct decl_page pg;
    int rc = decl_async_send(q, rd->run, &v, NULL, &pg, NULL, err);
    conn_decl_page_done(&pg);
    wv_json_free(js);
    return rc;
}

/* Aborts a running or timed-out job; like the CDK, a failing abort is only logged. */
static void decl_job_abort(struct conn_decl_stream_read *rd, const struct decl_job *job)
{
    struct wv_error e = {0};
    if (decl_job_call(&rd->s->async->abort_r, rd, job, &e) < 0) {
        conn_decl_redact_error(rd->run, &e);
        if (rd->run->log)
            wv_logf(rd->run->log, WV_LOG_WARN, "stream %s: could not abort async job: %s", rd->s->name,
                        e.msg);
    }
}

/* Creates the job of a slice (creation_requester). */
static int decl_job_create(struct conn_decl_stream_read *rd, const struct wv_json *slice,
                           struct decl_job *job, struct wv_error *err)
{
    const struct decl_async *a = rd->s->async;
    struct decl_vars v = decl_job_vars(rd, job, slice);
    struct decl_page pg;
    struct wv_json *rh = NULL;
    int rc = decl_async_send(&a->create, rd->run, &v, NULL, &pg, &rh, err);
    if (rc == 0 && pg.ignored)
        rc = wv_error_set(err, WV_E_HTTP, pg.resp.status,
                          "job creation: the response was ignored (HTTP %ld)",
                          (long)pg.resp.status);
    if (rc == 0)
        job->creation = decl_async_ctx(&pg, rh);
    else
        wv_json_free(rh);
    conn_decl_page_done(&pg);
    return rc;
}

/* Polls a job once: *st from status_extractor + status_mapping. */
static int decl_job_poll(struct conn_decl_stream_read *rd, struct decl_job *job,
                         enum decl_job_status *st, struct wv_error *err)
{
    const struct decl_async *a = rd->s->async;
    struct wv_json *js = decl_job_slice(NULL, job, NULL), *vals = NULL, *rh = NULL;
    struct decl_vars v = decl_job_vars(rd, job, js);
    struct decl_page pg;
    int rc = decl_async_send(&a->poll, rd->run, &v, NULL, &pg, &rh, err);
    if (rc == 0) {
        v.response = pg.body;
        rc = decl_async_extract(a->status_path, a->n_status_path, pg.body, &v, rd->run, &vals,
                                err);
    }
    if (rc == 0) {
        char *api = vals->len ? conn_decl_json_text(vals->items[0]) : wv_strdup("None");
        const char *name = wv_json_get_str(a->mapping, api);
        *st = JOB_RUNNING;
        for (size_t k = 0; name && k < sizeof decl_job_names / sizeof *decl_job_names; k++)
            if (strcmp(name, decl_job_names[k]) == 0)
                *st = (enum decl_job_status)k;
        if (!name)
            rc = wv_error_set(err, WV_E_SOURCE, 0,
                              "async job: API status `%.200s` is unknown (not in status_mapping)",
                              api);
        free(api);
    }
    if (rc == 0 && *st == JOB_COMPLETED) {
        job->polling = decl_async_ctx(&pg, rh);
        rh = NULL;
        job->poll_body = pg.body ? wv_json_dup(pg.body) : wv_json_object();
    }
    wv_json_free(rh);
    wv_json_free(vals);
    conn_decl_page_done(&pg);
    wv_json_free(js);
    return rc;
}

/* Polls until the job leaves the running state or times out (timeout_ms). */
static int decl_job_wait(struct conn_decl_stream_read *rd, struct decl_job *job,
                         int64_t timeout_ms, struct wv_error *err)
{
    const struct decl_async *a = rd->s->async;
    const struct wv_clock *clk = rd->run->clock ? rd->run->clock : wv_clock_system();
    int64_t start = wv_clock_mono_ns(clk);
    for (;;) {
        if (rd->run->cancel && *rd->run->cancel)
            return wv_error_set(err, WV_E_CANCELLED, 0, "cancelled");
        enum decl_job_status st = JOB_RUNNING;
        if (decl_job_poll(rd, job, &st, err) < 0)
            return -1;
        job->status = st;
        if (st != JOB_RUNNING)
            return 0;
        if ((wv_clock_mono_ns(clk) - start) / 1000000 >= timeout_ms) {
            job->status = JOB_TIMEOUT;
            return 0;
        }
        int64_t ms = rd->run->poll_ms > 0 && rd->run->poll_ms <= DECL_ASYNC_MAX_POLL_MS
                         ? rd->run->poll_ms
                         : a->poll_ms;
        if (conn_decl_sleep(rd->run, (double)ms / 1000.0, err) < 0)
            return -1;
    }
}

/* ---- results ---- */

/* Filters and transforms downloaded records (record_selector + transformations) and hands
 * them to the reader (which takes ownership of each). */
static int decl_async_emit(struct conn_decl_stream_read *rd, const struct wv_json *slice,
                           const struct wv_json *raw, const struct decl_vars *v,
                           struct wv_error *err)
{
    struct decl_page fake;
    memset(&fake, 0, sizeof fake);
    fake.body = wv_json_array();
    for (size_t i = 0; i < raw->len; i++)
        wv_json_push(fake.body, wv_json_dup(raw->items[i]));
    struct wv_json *recs = wv_json_array();
    int rc = conn_decl_selector_select(rd->s->async->post_sel, &fake, v, rd->run, recs, err);
    for (size_t i = 0; rc == 0 && i < recs->len; i++) {
        struct wv_json *rec = recs->items[i];
        bool keep = true;
        if (rd->cr && (rc = conn_decl_cursor_observe(rd->cr, slice, rec, rd->run, &keep, err)) < 0)
            break;
        if (!keep)
            continue;
        recs->items[i] = wv_json_null();
        rd->count++;
        if ((rc = rd->fn(rd->ctx, slice, rec, err)) < 0)
            break;
        if (rd->max_records && rd->count >= rd->max_records)
            break;
    }
    wv_json_free(recs);
    wv_json_free(fake.body);
    return rc < 0 ? -1 : 0;
}

/* Reads one page of a download; *next: the paginator's next token (NULL: last page). */
static int decl_async_page(struct conn_decl_stream_read *rd, const struct wv_json *slice,
                           struct decl_vars *v, const struct wv_json *token,
                           struct wv_json **next, struct wv_error *err)
{
    const struct decl_async *a = rd->s->async;
    struct wv_json *npt = NULL, *raw = wv_json_array(), *last = NULL;
    if (token) {
        npt = wv_json_object();
        wv_json_set(npt, "next_page_token", wv_json_dup(token));
    }
    v->next_page_token = npt;
    struct decl_req req;
    struct decl_page pg;
    conn_decl_req_init(&req);
    memset(&pg, 0, sizeof pg);
    int rc = conn_decl_paginator_inject(&a->dl_pag, token, v, rd->run, &req, err);
    if (rc == 0)
        rc = decl_async_send(&a->download, rd->run, v, &req, &pg, NULL, err);
    if (rc == 0)
        rc = conn_decl_selector_select(a->dl_sel, &pg, v, rd->run, raw, err);
    if (rc == 0 && raw->len)
        last = wv_json_dup(raw->items[raw->len - 1]);
    if (rc == 0)
        rc = decl_async_emit(rd, slice, raw, v, err);
    bool done = pg.ignored || (rd->max_records && rd->count >= rd->max_records);
    if (rc == 0 && !done)
        rc = conn_decl_paginator_next(&a->dl_pag, &pg, token, raw->len, last, v, rd->run, next,
                                      err);
    wv_json_free(raw);
    wv_json_free(last);
    conn_decl_req_done(&req);
    conn_decl_page_done(&pg);
    wv_json_free(npt);
    v->next_page_token = NULL;
    return rc;
}

/* Downloads one target of a completed job, every page. */
static int decl_async_download_one(struct conn_decl_stream_read *rd, const struct wv_json *slice,
                                   const struct decl_job *job, const char *target,
                                   struct wv_error *err)
{
    struct wv_json *ds = decl_job_slice(slice, job, target), *tj = wv_json_str(target);
    struct decl_vars v = decl_job_vars(rd, job, ds);
    v.download_target = tj;
    struct wv_json *token = conn_decl_paginator_initial(&rd->s->async->dl_pag);
    int rc = 0;
    for (long pageno = 0; rc == 0 && pageno < DECL_MAX_PAGES; pageno++) {
        if (rd->run->cancel && *rd->run->cancel) {
            rc = wv_error_set(err, WV_E_CANCELLED, 0, "cancelled");
            break;
        }
        struct wv_json *next = NULL;
        rc = decl_async_page(rd, slice, &v, token, &next, err);
        wv_json_free(token);
        token = next;
        if (!token || (rd->max_records && rd->count >= rd->max_records))
            break;
    }
    wv_json_free(token);
    wv_json_free(tj);
    wv_json_free(ds);
    return rc;
}

/* The download targets of a completed job (download_target_requester's response, else the
 * polling response, through download_target_extractor; none: one empty target). */
static int decl_async_targets(struct conn_decl_stream_read *rd, const struct decl_job *job,
                              struct wv_json **out, struct wv_error *err)
{
    const struct decl_async *a = rd->s->async;
    if (!a->has_target_path) {
        *out = wv_json_array();
        wv_json_push(*out, wv_json_str(""));
        return 0;
    }
    struct wv_json *js = decl_job_slice(NULL, job, NULL);
    struct decl_vars v = decl_job_vars(rd, job, js);
    struct decl_page pg;
    memset(&pg, 0, sizeof pg);
    int rc = 0;
    const struct wv_json *body = job->poll_body;
    if (a->target.present && (rc = decl_async_send(&a->target, rd->run, &v, NULL, &pg, NULL,
                                                   err)) == 0)
        body = pg.body;
    v.response = body;
    if (rc == 0)
        rc = decl_async_extract(a->target_path, a->n_target_path, body, &v, rd->run, out, err);
    if (rc == 0 && (*out)->len > DECL_ASYNC_MAX_TARGETS)
        rc = wv_error_set(err, WV_E_LIMIT, 0, "async job: %zu download targets, at most %d",
                          (*out)->len, DECL_ASYNC_MAX_TARGETS);
    conn_decl_page_done(&pg);
    wv_json_free(js);
    return rc;
}

/* Reads a completed job's records, then deletes the job (delete_requester). */
static int decl_async_fetch(struct conn_decl_stream_read *rd, const struct wv_json *slice,
                            const struct decl_job *job, struct wv_error *err)
{
    struct wv_json *targets = NULL;
    int rc = decl_async_targets(rd, job, &targets, err);
    for (size_t i = 0; rc == 0 && i < targets->len; i++) {
        char *t = conn_decl_json_text(targets->items[i]);
        rc = decl_async_download_one(rd, slice, job, t, err);
        free(t);
        if (rd->max_records && rd->count >= rd->max_records)
            break;
    }
    wv_json_free(targets);
    if (rc == 0 && decl_job_call(&rd->s->async->del, rd, job, err) < 0)
        rc = wv_error_prefix(err, "async job: delete");
    return rc;
}

/* ---- the slice: create, poll, retry, fetch ---- */

/* Whether a failed creation ends the read at once (the CDK's breaking exceptions: config
 * errors such as rejected credentials, and cancellation) rather than failing the attempt. */
static bool decl_async_breaking(const struct wv_error *e)
{
    return e->code == WV_E_CANCELLED || e->code == WV_E_CONFIG ||
           (e->code == WV_E_HTTP && (e->detail == 401 || e->detail == 403));
}

/* A numeric manifest value (polling_job_timeout ...) or dflt. */
static int64_t decl_async_num(const struct decl_val *val, struct conn_decl_stream_read *rd,
                              int64_t dflt, struct wv_error *err, int *rc)
{
    struct decl_vars v = {.config = rd->run->config, .parameters = rd->s->params};
    char *s = NULL;
    int64_t n = dflt;
    if (val->present && (*rc = conn_decl_val_text(val, &v, rd->run, &s, err)) == 0 && *s &&
        (wv_parse_i64(s, &n) < 0 || n < 0))
        *rc = wv_error_set(err, WV_E_CONFIG, 0, "AsyncRetriever: '%.100s' is not a number", s);
    free(s);
    return n;
}

/* Runs one attempt: creates the job and polls it; a creation failure that is not breaking
 * becomes a FAILED job (its message in why). */
static int decl_async_attempt(struct conn_decl_stream_read *rd, const struct wv_json *slice,
                              int64_t timeout_ms, struct decl_job *job, char **why,
                              struct wv_error *err)
{
    struct wv_error ce = {0};
    if (decl_job_create(rd, slice, job, &ce) < 0) {
        conn_decl_redact_error(rd->run, &ce);
        if (decl_async_breaking(&ce))
            return wv_error_set(err, ce.code, ce.detail, "%s", ce.msg);
        free(*why);
        *why = wv_strdup(ce.msg);
        job->status = JOB_FAILED;
        return 0;
    }
    if (decl_job_wait(rd, job, timeout_ms, err) < 0) {
        decl_job_abort(rd, job); /* as the CDK's _abort_all_running_jobs */
        return -1;
    }
    return 0;
}

/* Reads one slice of an AsyncRetriever stream. */
int conn_decl_async_read_slice(struct conn_decl_stream_read *rd, const struct wv_json *slice,
                               struct wv_error *err)
{
    const struct decl_async *a = rd->s->async;
    int rc = 0;
    int64_t tmin = decl_async_num(&a->timeout_min, rd, DECL_ASYNC_TIMEOUT_MIN, err, &rc);
    int64_t wait = decl_async_num(&a->failed_wait, rd, 0, err, &rc);
    if (rc < 0)
        return -1;
    if (tmin == 0) /* the CDK: a falsy polling_job_timeout means the default */
        tmin = DECL_ASYNC_TIMEOUT_MIN;
    int64_t timeout_ms = tmin > INT64_MAX / 60000 ? INT64_MAX : tmin * 60000;
    char hist[128] = "", *why = NULL;
    for (int attempt = 1; rc == 0; attempt++) {
        struct decl_job job = {0};
        rc = decl_async_attempt(rd, slice, timeout_ms, &job, &why, err);
        if (rc == 0 && job.status == JOB_COMPLETED)
            rc = decl_async_fetch(rd, slice, &job, err);
        if (rc < 0 || job.status == JOB_COMPLETED || job.status == JOB_SKIPPED) {
            decl_job_done(&job);
            break;
        }
        if (job.status == JOB_TIMEOUT)
            decl_job_abort(rd, &job);
        bool api_failed = job.status == JOB_FAILED && job.creation;
        size_t hl = strlen(hist);
        snprintf(hist + hl, sizeof hist - hl, "%s%s", hl ? ", " : "",
                 decl_job_names[job.status]);
        decl_job_done(&job);
        if (attempt >= DECL_ASYNC_MAX_ATTEMPTS) {
            char *sl = wv_json_to_string(slice);
            rc = wv_error_set(err, WV_E_SOURCE, 0,
                              "async job for slice %.300s did not complete after %d attempts "
                              "(job statuses: %s)%s%.400s",
                              sl, attempt, hist, why ? "; last creation error: " : "",
                              why ? why : "");
            free(sl);
            conn_decl_redact_error(rd->run, err);
            break;
        }
        if (api_failed && wait > 0)
            rc = conn_decl_sleep(rd->run, (double)wait, err);
    }
    free(why);
    return rc;
}
