/* cmd_info.c - read-mostly commands over the workspace and the state store: connection
 * list/show, jobs, state show/reset. Caller's thread. */
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "core/cmd_int.h"
#include "storage/storage.h"

/* Opens workspace + state store together. */
static int open_both(const struct core_cmd_env *env, struct core_workspace **ws,
                     struct stor_db **db, struct wv_error *err)
{
    *ws = core_cmd_workspace(env, err);
    if (!*ws)
        return -1;
    *db = core_db_open(*ws, err);
    if (!*db) {
        core_workspace_free(*ws);
        *ws = NULL;
        return -1;
    }
    return 0;
}

/* Path of a field as "a.b". */
static void fmt_path(const struct wv_path *p, char *buf, size_t size)
{
    size_t o = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < p->n && o < size; i++)
        o += (size_t)snprintf(buf + o, size - o, "%s%s", i ? "." : "", p->parts[i]);
}

/* connection list */
int core_cmd_connection_list(const struct core_cmd_env *env, int argc, char **argv,
                        struct wv_error *err)
{
    (void)argc;
    (void)argv;
    struct core_workspace *ws;
    struct stor_db *db;
    if (open_both(env, &ws, &db, err) < 0)
        return -1;
    core_printf(&env->out, "%-24s %-16s %-12s %7s  %-14s %-10s %s\n", "NAME", "SOURCE",
                "DESTINATION", "STREAMS", "SCHEDULE", "LAST", "LAST RUN (UTC)");
    int rc = 0;
    for (size_t i = 0; i < ws->n_conns && rc == 0; i++) {
        const struct core_connection *c = &ws->conns[i];
        struct stor_job *jobs = NULL;
        size_t n = 0;
        rc = stor_job_list(db, c->name, 1, &jobs, &n, err);
        char when[32];
        core_printf(&env->out, "%-24s %-16s %-12s %7zu  %-14s %-10s %s%s\n", c->name, c->source,
                    c->destination, c->n_streams, c->schedule ? c->schedule : "manual",
                    n ? stor_job_status_name(jobs[0].status) : "never",
                    core_cmd_fmt_time(n ? jobs[0].started_ms : 0, when, sizeof when),
                    c->enabled ? "" : "  (disabled)");
        stor_jobs_free(jobs, n);
    }
    stor_db_close(db);
    core_workspace_free(ws);
    return rc;
}

/* Prints the jobs table. */
static void print_jobs(const struct core_out *out, const struct stor_job *jobs, size_t n)
{
    core_printf(out, "%-6s %-24s %-10s %-19s %9s %12s %10s  %s\n", "JOB", "CONNECTION", "STATUS",
                "STARTED (UTC)", "DURATION", "RECORDS", "BYTES", "ERROR");
    for (size_t i = 0; i < n; i++) {
        const struct stor_job *j = &jobs[i];
        char when[32], dur[32] = "-", recs[32], bytes[32];
        if (j->ended_ms)
            snprintf(dur, sizeof dur, "%.1fs", (double)(j->ended_ms - j->started_ms) / 1000.0);
        core_printf(out, "%-6lld %-24s %-10s %-19s %9s %12s %10s  %s\n", (long long)j->id,
                    j->connection, stor_job_status_name(j->status),
                    core_cmd_fmt_time(j->started_ms, when, sizeof when), dur,
                    core_cmd_fmt_count(j->records, recs, sizeof recs),
                    core_cmd_fmt_bytes(j->bytes, bytes, sizeof bytes), j->error ? j->error : "");
    }
}

/* connection show */
int core_cmd_connection_show(const struct core_cmd_env *env, int argc, char **argv,
                        struct wv_error *err)
{
    struct core_workspace *ws;
    struct stor_db *db;
    if (open_both(env, &ws, &db, err) < 0)
        return -1;
    const char *name = core_cmd_arg(argc, argv, 0);
    const struct core_connection *c = core_workspace_connection(ws, name);
    int rc = 0;
    if (!c) {
        rc = wv_error_set(err, WV_E_NOTFOUND, 0, "unknown connection '%s'", name);
        goto out;
    }
    const struct core_source *s = core_workspace_source(ws, c->source);
    const struct core_destination *d = core_workspace_destination(ws, c->destination);
    char *where = d->path ? wv_asprintf("%s/%s", d->path, c->prefix)
                          : *d->prefix ? wv_asprintf("s3://%s/%s/%s", d->bucket, d->prefix,
                                                     c->prefix)
                                       : wv_asprintf("s3://%s/%s", d->bucket, c->prefix);
    core_printf(&env->out,
                "connection   %s%s\nfile         %s\nsource       %s (%s)\ndestination  %s (%s "
                "%s at %s)\nschedule     %s\n",
                c->name, c->enabled ? "" : " (disabled)", c->file, c->source, s->connector,
                c->destination, d->type, d->format, where, c->schedule ? c->schedule : "manual");
    free(where);
    for (size_t i = 0; i < c->n_checks; i++) {
        const struct qual_check *q = &c->checks[i];
        core_printf(&env->out, "%s %s %s%s%s (%s)\n", i ? "            " : "checks      ",
                    q->stream, q->column ? q->column : "", q->column ? " " : "",
                    qual_check_kind_name(q->kind),
                    q->error ? "error" : "warn");
    }
    core_printf(&env->out, "streams:\n");
    for (size_t i = 0; i < c->n_streams; i++) {
        const struct core_conn_stream *st = &c->streams[i];
        char cur[256] = "(source-defined)", pk[512] = "";
        if (st->cursor.n)
            fmt_path(&st->cursor, cur, sizeof cur);
        size_t o = 0;
        for (size_t k = 0; k < st->n_pk && o < sizeof pk; k++) {
            char part[256];
            fmt_path(&st->pk[k], part, sizeof part);
            o += (size_t)snprintf(pk + o, sizeof pk - o, "%s%s", k ? ", " : "", part);
        }
        core_printf(&env->out, "  %-20s %-13s %-13s cursor %-18s pk %s\n", st->name,
                    wv_sync_mode_name(st->sync_mode), wv_dest_mode_name(st->dest_mode),
                    st->sync_mode == WV_SYNC_INCREMENTAL ? cur : "-",
                    st->n_pk ? pk : "(source-defined)");
    }
    struct wv_json *state = NULL;
    struct stor_job *jobs = NULL;
    size_t n = 0;
    if (stor_state_get(db, c->name, &state, err) < 0 || stor_job_list(db, c->name, 5, &jobs, &n, err) < 0) {
        rc = -1;
    } else {
        char *text = state ? wv_json_to_string(state) : NULL;
        core_printf(&env->out, "state        %s\nrecent jobs:\n", text ? text : "(none)");
        free(text);
        print_jobs(&env->out, jobs, n);
    }
    wv_json_free(state);
    stor_jobs_free(jobs, n);
out:
    stor_db_close(db);
    core_workspace_free(ws);
    return rc;
}

/* jobs */
int core_cmd_jobs(const struct core_cmd_env *env, int argc, char **argv, struct wv_error *err)
{
    const char *limit_s = NULL;
    int64_t limit = 20;
    if (core_cmd_opt(argc, argv, "--limit", &limit_s, err) < 0)
        return -1;
    if (limit_s && (wv_parse_i64(limit_s, &limit) < 0 || limit < 1 || limit > 100000))
        return wv_error_set(err, WV_E_USAGE, 0, "--limit must be a number from 1 to 100000");
    struct core_workspace *ws;
    struct stor_db *db;
    if (open_both(env, &ws, &db, err) < 0)
        return -1;
    const char *name = core_cmd_arg(argc, argv, 0);
    int rc = 0;
    if (name && !core_workspace_connection(ws, name)) {
        rc = wv_error_set(err, WV_E_NOTFOUND, 0, "unknown connection '%s'", name);
    } else {
        struct stor_job *jobs = NULL;
        size_t n = 0;
        rc = stor_job_list(db, name, (int)limit, &jobs, &n, err);
        if (rc == 0)
            print_jobs(&env->out, jobs, n);
        stor_jobs_free(jobs, n);
    }
    stor_db_close(db);
    core_workspace_free(ws);
    return rc;
}

/* state show */
int core_cmd_state_show(const struct core_cmd_env *env, int argc, char **argv, struct wv_error *err)
{
    struct core_workspace *ws;
    struct stor_db *db;
    if (open_both(env, &ws, &db, err) < 0)
        return -1;
    const char *name = core_cmd_arg(argc, argv, 0);
    struct wv_json *state = NULL;
    int rc = 0;
    if (!core_workspace_connection(ws, name))
        rc = wv_error_set(err, WV_E_NOTFOUND, 0, "unknown connection '%s'", name);
    else if ((rc = stor_state_get(db, name, &state, err)) == 0) {
        struct wv_buf b = WV_BUF_INIT;
        if (state)
            wv_json_write_pretty(&b, state, NULL);
        else
            wv_buf_puts(&b, "[]", NULL);
        wv_buf_putc(&b, '\n', NULL);
        core_write(&env->out, b.data, b.len);
        wv_buf_done(&b);
    }
    wv_json_free(state);
    stor_db_close(db);
    core_workspace_free(ws);
    return rc;
}

/* state reset */
int core_cmd_state_reset(const struct core_cmd_env *env, int argc, char **argv, struct wv_error *err)
{
    if (!core_cmd_flag(argc, argv, "--yes"))
        return wv_error_set(err, WV_E_USAGE, 0,
                            "state reset makes the next sync start from the beginning; add --yes "
                            "to confirm");
    struct core_workspace *ws;
    struct stor_db *db;
    if (open_both(env, &ws, &db, err) < 0)
        return -1;
    const char *name = core_cmd_arg(argc, argv, 0), *stream = core_cmd_arg(argc, argv, 1);
    int rc = 0;
    if (!core_workspace_connection(ws, name))
        rc = wv_error_set(err, WV_E_NOTFOUND, 0, "unknown connection '%s'", name);
    else if ((rc = stor_state_reset(db, name, NULL, stream, err)) == 0)
        core_printf(&env->out, "state of %s%s%s reset\n", name, stream ? " stream " : "",
                    stream ? stream : "");
    stor_db_close(db);
    core_workspace_free(ws);
    return rc;
}
