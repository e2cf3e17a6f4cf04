/* decl_router.c - partition routers: ListPartitionRouter (values, cursor_field,
 * request_option) and SubstreamPartitionRouter (parent_stream_configs: the parent stream is read
 * in full, or with incremental_dependency from its state under the child's parent_state, and
 * each parent record's parent_key becomes a partition {partition_field: value, "parent_slice":
 * the parent's partition}). Follows the CDK's partition_routers/. Built on the opening thread;
 * partitions computed on the reading thread. */
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "connectors/decl_int.h"

struct decl_parent {
    struct decl_stream *stream;
    struct decl_val parent_key, partition_field;
    struct decl_reqopt opt;
    bool incremental; /* incremental_dependency */
};

struct decl_router {
    bool list; /* ListPartitionRouter, else Substream */
    struct decl_val values, cursor_field;
    struct decl_reqopt opt;
    struct decl_parent *parents;
    size_t n_parents;
};

/* Builds one ParentStreamConfig. */
static int decl_parent_build(struct decl_parent *p, const struct wv_json *node, const char *origin,
                             struct wv_error *err)
{
    char w[512];
    const struct wv_json *st = wv_json_get(node, "stream");
    if (!st || !wv_json_get(node, "parent_key") || !wv_json_get(node, "partition_field"))
        return wv_error_set(err, WV_E_CONFIG, 0,
                            "%s: ParentStreamConfig needs stream, "
                            "parent_key and partition_field",
                            conn_decl_where(origin, node, w, sizeof w));
    if (!(p->stream = conn_decl_stream_build(st, origin, err)))
        return -1;
    bool inc = false;
    wv_json_get_bool(node, "incremental_dependency", false, &inc);
    p->incremental = inc;
    if (conn_decl_field(&p->parent_key, node, "parent_key", origin, err) < 0 ||
        conn_decl_field(&p->partition_field, node, "partition_field", origin, err) < 0)
        return -1;
    return conn_decl_reqopt_build(&p->opt, wv_json_get(node, "request_option"), origin, err);
}

/* Builds a partition router. */
struct decl_router *conn_decl_router_build(const struct wv_json *node, const char *origin,
                                           struct wv_error *err)
{
    struct decl_router *r = wv_calloc(1, sizeof *r);
    const char *t = conn_decl_type(node);
    int rc = 0;
    if (strcmp(t, "ListPartitionRouter") == 0) {
        r->list = true;
        rc = conn_decl_field(&r->values, node, "values", origin, err);
        if (rc == 0)
            rc = conn_decl_field(&r->cursor_field, node, "cursor_field", origin, err);
        if (rc == 0)
            rc = conn_decl_reqopt_build(&r->opt, wv_json_get(node, "request_option"), origin, err);
    } else if (strcmp(t, "SubstreamPartitionRouter") == 0) {
        const struct wv_json *ps = wv_json_get(node, "parent_stream_configs");
        size_t n = ps && ps->type == WV_JSON_ARRAY ? ps->len : 0;
        r->parents = wv_calloc(n + 1, sizeof *r->parents);
        for (size_t i = 0; rc == 0 && i < n; i++) {
            r->n_parents++;
            rc = decl_parent_build(&r->parents[i], ps->items[i], origin, err);
        }
    } else {
        rc = conn_decl_unsupported(origin, node, "partition router", err);
    }
    if (rc < 0) {
        conn_decl_router_free(r);
        return NULL;
    }
    return r;
}

/* Frees a router. */
void conn_decl_router_free(struct decl_router *r)
{
    if (!r)
        return;
    conn_decl_val_done(&r->values);
    conn_decl_val_done(&r->cursor_field);
    conn_decl_reqopt_done(&r->opt);
    for (size_t i = 0; i < r->n_parents; i++) {
        conn_decl_stream_free(r->parents[i].stream);
        conn_decl_val_done(&r->parents[i].parent_key);
        conn_decl_val_done(&r->parents[i].partition_field);
        conn_decl_reqopt_done(&r->parents[i].opt);
    }
    free(r->parents);
    free(r);
}

/* Collects parent records into partitions. */
struct decl_collect {
    const struct decl_stream *parent;
    const char *key;   /* parent_key, '/'-separated path */
    const char *field; /* partition_field */
    struct wv_json *out;
};

/* Record callback of a parent read. */
static int decl_collect_fn(void *ctx, const struct wv_json *slice, struct wv_json *record,
                           struct wv_error *err)
{
    (void)err;
    struct decl_collect *c = ctx;
    const struct wv_json *v = record;
    char *path = wv_strdup(c->key), *save = path;
    for (char *seg = path; v && seg;) {
        char *slash = strchr(seg, '/');
        if (slash)
            *slash = 0;
        v = wv_json_get(v, seg);
        seg = slash ? slash + 1 : NULL;
    }
    free(save);
    if (v && v->type != WV_JSON_NULL) {
        struct wv_json *p = wv_json_object();
        wv_json_set(p, c->field, wv_json_dup(v));
        struct wv_json *ps = slice ? wv_json_dup(slice) : wv_json_object();
        if (c->parent->cur) /* the parent's partition, without its datetime window */
            conn_decl_cursor_strip(c->parent->cur, ps);
        wv_json_set(p, "parent_slice", ps);
        wv_json_push(c->out, p);
    }
    wv_json_free(record);
    return 0;
}

/* Reads a parent with incremental_dependency from its state in parent_in and sets its new
 * state in parent_out. */
static int decl_parent_read_inc(const struct decl_parent *p, struct decl_run *run,
                                const struct wv_json *parent_in, struct wv_json *parent_out,
                                struct decl_collect *c, struct wv_error *err)
{
    const struct decl_stream *st = p->stream;
    if (!st->cur) /* a parent without a cursor has no state: read in full */
        return conn_decl_stream_read_all(st, run, 0, decl_collect_fn, c, err);
    struct decl_cursor_run cr;
    const struct wv_json *in = wv_json_get(parent_in, st->name);
    if (conn_decl_cursor_start(st->cur, in, &cr, run, err) < 0)
        return wv_error_prefix(err, "parent_state of %s", st->name);
    struct conn_decl_stream_read rd = {
        .s = st, .run = run, .cr = &cr, .fn = decl_collect_fn, .ctx = c};
    int rc = conn_decl_stream_read(&rd, NULL, err);
    if (rc == 0)
        wv_json_set(parent_out, st->name, wv_json_dup(cr.state));
    conn_decl_cursor_run_done(&cr);
    return rc;
}

/* Partitions of a SubstreamPartitionRouter. */
static int decl_substream_parts(const struct decl_router *r, struct decl_run *run,
                                const struct wv_json *parent_in, struct wv_json *parent_out,
                                struct wv_json *out, struct wv_error *err)
{
    for (size_t i = 0; i < r->n_parents; i++) {
        const struct decl_parent *p = &r->parents[i];
        char *key = NULL, *field = NULL;
        struct decl_vars v = {0};
        int rc = conn_decl_val_text(&p->parent_key, &v, run, &key, err);
        if (rc == 0)
            rc = conn_decl_val_text(&p->partition_field, &v, run, &field, err);
        struct decl_collect c = {p->stream, key, field, out};
        if (rc == 0 && p->incremental && parent_out)
            rc = decl_parent_read_inc(p, run, parent_in, parent_out, &c, err);
        else if (rc == 0)
            rc = conn_decl_stream_read_all(p->stream, run, 0, decl_collect_fn, &c, err);
        free(key);
        free(field);
        if (rc < 0)
            return wv_error_prefix(err, "parent stream");
    }
    return 0;
}

/* Whether r is a SubstreamPartitionRouter. */
bool conn_decl_router_substream(const struct decl_router *r)
{
    return !r->list;
}

/* Partitions (array of slice objects), parents read in full. */
int conn_decl_router_partitions(const struct decl_router *r, struct decl_run *run,
                                struct wv_json **parts, struct wv_error *err)
{
    return conn_decl_router_partitions_state(r, run, NULL, NULL, parts, err);
}

/* Partitions; parents with incremental_dependency read from and into parent states. */
int conn_decl_router_partitions_state(const struct decl_router *r, struct decl_run *run,
                                      const struct wv_json *parent_in, struct wv_json *parent_out,
                                      struct wv_json **parts, struct wv_error *err)
{
    struct wv_json *out = wv_json_array();
    *parts = NULL;
    if (!r->list) {
        if (decl_substream_parts(r, run, parent_in, parent_out, out, err) < 0) {
            wv_json_free(out);
            return -1;
        }
        *parts = out;
        return 0;
    }
    struct wv_json *vals = NULL;
    char *field = NULL;
    struct decl_vars v = {0};
    if (conn_decl_val_eval(&r->values, &v, run, NULL, &vals, err) < 0 ||
        conn_decl_val_text(&r->cursor_field, &v, run, &field, err) < 0) {
        wv_json_free(vals);
        wv_json_free(out);
        return -1;
    }
    for (size_t i = 0; vals->type == WV_JSON_ARRAY && i < vals->len; i++) {
        struct wv_json *p = wv_json_object();
        wv_json_set(p, field, wv_json_dup(vals->items[i]));
        wv_json_push(out, p);
    }
    free(field);
    wv_json_free(vals);
    *parts = out;
    return 0;
}

/* Injects the partition value(s) as request options. */
int conn_decl_router_inject(const struct decl_router *r, const struct wv_json *slice,
                            const struct decl_vars *vars, const struct decl_run *run,
                            struct decl_req *req, struct wv_error *err)
{
    if (r->list) {
        if (r->opt.into == DECL_INJ_NONE)
            return 0;
        char *field = NULL;
        if (conn_decl_val_text(&r->cursor_field, vars, run, &field, err) < 0)
            return -1;
        int rc = conn_decl_reqopt_inject(&r->opt, wv_json_get(slice, field), vars, run, req, err);
        free(field);
        return rc;
    }
    for (size_t i = 0; i < r->n_parents; i++) {
        const struct decl_parent *p = &r->parents[i];
        if (p->opt.into == DECL_INJ_NONE)
            continue;
        char *field = NULL;
        if (conn_decl_val_text(&p->partition_field, vars, run, &field, err) < 0)
            return -1;
        int rc = conn_decl_reqopt_inject(&p->opt, wv_json_get(slice, field), vars, run, req, err);
        free(field);
        if (rc < 0)
            return -1;
    }
    return 0;
}
