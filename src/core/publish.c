/* publish.c - publishing a staged Parquet run (ARCHITECTURE.md "the path of one record", last
 * step): the run's files go from staging to the raw zone (rename, or upload to S3 with the
 * multipart progress kept in SQLite), then its manifest, then - in one transaction - the
 * states the run's source emitted are committed and the run is marked published. A run left
 * half-published by a crash is finished by the next sync of its connection; a run left staged
 * by a dead process is discarded (its uploads aborted, its staging removed) and its data is
 * read again, since its state was never committed. */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "base/fs.h"
#include "base/mem.h"
#include "core/core_int.h"

/* The upload store of one run, backed by the state database. */
struct pub_store {
    struct stor_db *db;
    int64_t job_id;
};

static int st_load(void *ctx, const char *rel, char **upload_id, int64_t *part_size,
                   char ***etags, size_t *n_etags, struct wv_error *err)
{
    struct pub_store *s = ctx;
    return stor_upload_load(s->db, s->job_id, rel, upload_id, part_size, etags, n_etags, err);
}

static int st_created(void *ctx, const char *rel, const char *upload_id, int64_t part_size,
                      struct wv_error *err)
{
    struct pub_store *s = ctx;
    return stor_upload_created(s->db, s->job_id, rel, upload_id, part_size, err);
}

static int st_part(void *ctx, const char *rel, int part_no, const char *etag,
                   struct wv_error *err)
{
    struct pub_store *s = ctx;
    return stor_upload_part(s->db, s->job_id, rel, part_no, etag, err);
}

static int st_forget(void *ctx, const char *rel, struct wv_error *err)
{
    struct pub_store *s = ctx;
    return stor_upload_forget(s->db, s->job_id, rel, err);
}

/* The target of a connection's raw zone: the destination's root plus the connection's
 * prefix. */
int core_conn_target(const struct core_workspace *ws, const struct core_connection *conn,
                     struct core_target *out, struct wv_error *err)
{
    const struct core_destination *d = core_workspace_destination(ws, conn->destination);
    if (!d)
        return wv_error_set(err, WV_E_CONFIG, 0, "connection %s: unknown destination '%s'",
                            conn->name, conn->destination);
    if (core_destination_target(ws, d, out, err) < 0)
        return -1;
    size_t k = 0;
    while (k < sizeof out->strs / sizeof out->strs[0] && out->strs[k])
        k++;
    if (k == sizeof out->strs / sizeof out->strs[0]) {
        core_target_done(out);
        return wv_error_set(err, WV_E_INTERNAL, 0, "destination %s: too many settings", d->name);
    }
    if (out->t.dir) {
        out->strs[k] = wv_path_join(out->t.dir, conn->prefix);
        out->t.dir = out->strs[k];
    } else {
        const char *p = out->t.prefix ? out->t.prefix : "";
        out->strs[k] = *p ? wv_asprintf("%s/%s", p, conn->prefix) : wv_strdup(conn->prefix);
        out->t.prefix = out->strs[k];
    }
    return 0;
}

/* Where a connection's runs are staged: next to the raw zone for a local destination (same
 * file system, so publishing is a rename), under .weaver/staging for S3. Caller frees. */
char *core_conn_stage_dir(const struct core_workspace *ws, const struct core_target *t,
                          const char *connection, const char *run_id)
{
    if (t->t.dir)
        return wv_asprintf("%s/_weaver_staging/%s", t->t.dir, run_id);
    return wv_asprintf("%s/staging/%s/%s", ws->state_dir, connection, run_id);
}

/* Publishes a staged (or half-published) run and commits its states. */
int core_publish_run(const struct core_workspace *ws, struct stor_db *db, int64_t job_id,
                     const struct wv_clock *clock, const struct wv_log *log, struct wv_error *err)
{
    struct stor_publish p;
    if (stor_publish_get(db, job_id, &p, err) < 0)
        return -1;
    const struct core_connection *conn = core_workspace_connection(ws, p.connection);
    struct stor_zone_manifest m = {0};
    struct core_target t = {0};
    struct stor_zone_file *files = NULL;
    int rc = -1;
    if (!conn) {
        wv_error_set(err, WV_E_CONFIG, 0, "connection '%s' is no longer in the workspace",
                     p.connection);
        goto out;
    }
    if (p.status != STOR_PUB_STAGED && p.status != STOR_PUB_PUBLISHING &&
        p.status != STOR_PUB_BLOCKED) {
        wv_error_set(err, WV_E_CONFLICT, 0, "run is %s, not staged",
                     stor_pub_status_name(p.status));
        goto out;
    }
    if (stor_zone_manifest_parse(p.manifest_json, strlen(p.manifest_json), "staged manifest", &m,
                                 err) < 0 ||
        core_conn_target(ws, conn, &t, err) < 0)
        goto out;
    files = wv_calloc(m.n_files ? m.n_files : 1, sizeof *files);
    for (size_t i = 0; i < m.n_files; i++) {
        files[i] = m.files[i];
        files[i].stage_path = wv_path_join(p.stage_dir, m.files[i].rel);
    }
    if (stor_publish_set(db, job_id, STOR_PUB_PUBLISHING, NULL, wv_clock_now_ms(clock), err) < 0)
        goto out;
    struct pub_store ps = {db, job_id};
    struct stor_upload_store store = {&ps, st_load, st_created, st_part, st_forget};
    if (stor_zone_publish(&t.t, files, m.n_files, p.manifest_json, &store, log, err) < 0 ||
        stor_publish_commit(db, job_id, wv_clock_now_ms(clock), err) < 0)
        goto out;
    struct wv_error rerr;
    wv_error_clear(&rerr);
    if (wv_fs_rmtree(p.stage_dir, &rerr) < 0)
        wv_logf(log, WV_LOG_WARN, "could not remove staging %s: %s", p.stage_dir, rerr.msg);
    rc = 0;
out:
    for (size_t i = 0; files && i < m.n_files; i++)
        free(files[i].stage_path);
    free(files);
    stor_zone_manifest_done(&m);
    core_target_done(&t);
    stor_publish_done(&p);
    if (rc < 0)
        wv_error_prefix(err, "publish job %lld", (long long)job_id);
    return rc;
}

/* Discards a staged run: aborts its recorded uploads, removes its staging, records why. */
int core_publish_discard(const struct core_workspace *ws, struct stor_db *db, int64_t job_id,
                         const char *reason, const struct wv_clock *clock,
                         const struct wv_log *log, struct wv_error *err)
{
    struct stor_publish p;
    if (stor_publish_get(db, job_id, &p, err) < 0)
        return -1;
    char **rels = NULL, **ids = NULL;
    size_t n = 0;
    if (stor_upload_list(db, job_id, &rels, &ids, &n, err) < 0) {
        stor_publish_done(&p);
        return -1;
    }
    const struct core_connection *conn = core_workspace_connection(ws, p.connection);
    struct core_target t = {0};
    struct wv_error aerr;
    wv_error_clear(&aerr);
    if (n && conn && core_conn_target(ws, conn, &t, &aerr) == 0 && t.t.bucket) {
        struct stor_s3 *s3 = stor_s3_new(&t.t.s3, &aerr);
        for (size_t i = 0; s3 && i < n; i++) {
            char *key = stor_target_key(&t.t, rels[i]);
            if (stor_s3_mpu_abort(s3, t.t.bucket, key, ids[i], &aerr) < 0)
                wv_logf(log, WV_LOG_WARN, "could not abort the upload of %s: %s", key, aerr.msg);
            else
                stor_upload_forget(db, job_id, rels[i], &aerr);
            wv_error_clear(&aerr);
            free(key);
        }
        stor_s3_free(s3);
    }
    if (aerr.code != WV_E_OK)
        wv_logf(log, WV_LOG_WARN, "could not abort uploads of job %lld: %s", (long long)job_id,
                aerr.msg);
    for (size_t i = 0; i < n; i++) {
        free(rels[i]);
        free(ids[i]);
    }
    free(rels);
    free(ids);
    core_target_done(&t);
    wv_error_clear(&aerr);
    if (wv_fs_rmtree(p.stage_dir, &aerr) < 0)
        wv_logf(log, WV_LOG_WARN, "could not remove staging %s: %s", p.stage_dir, aerr.msg);
    int rc = stor_publish_set(db, job_id, STOR_PUB_DISCARDED, reason, wv_clock_now_ms(clock),
                              err);
    stor_publish_done(&p);
    return rc;
}

/* Finishes what dead processes left of a connection's runs (call with the connection's lock
 * held): half-published runs are published, staged ones discarded. */
int core_publish_recover(const struct core_workspace *ws, struct stor_db *db,
                         const char *connection, const struct wv_clock *clock,
                         const struct wv_log *log, struct wv_error *err)
{
    struct stor_publish *list = NULL;
    size_t n = 0;
    if (stor_publish_list(db, connection, STOR_PUB_PUBLISHING, &list, &n, err) < 0)
        return -1;
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < n; i++) {
        wv_logf(log, WV_LOG_WARN, "job %lld was interrupted while publishing: finishing it",
                (long long)list[i].job_id);
        rc = core_publish_run(ws, db, list[i].job_id, clock, log, err);
    }
    stor_publish_list_free(list, n);
    if (rc < 0)
        return -1;
    if (stor_publish_list(db, connection, STOR_PUB_STAGED, &list, &n, err) < 0)
        return -1;
    /* a run staged by a live process (a flow waiting for its gate) is not ours to discard: the
     * new sync would race it (its states would later be committed over ours) */
    struct stor_job *jobs = NULL;
    size_t nj = 0;
    if (n && stor_job_list(db, connection, 500, &jobs, &nj, err) < 0) {
        stor_publish_list_free(list, n);
        return -1;
    }
    for (size_t i = 0; rc == 0 && i < n; i++) {
        for (size_t k = 0; k < nj; k++)
            if (jobs[k].id == list[i].job_id && jobs[k].pid > 0 &&
                (kill(jobs[k].pid, 0) == 0 || errno == EPERM))
                rc = wv_error_set(err, WV_E_CONFLICT, 0,
                                  "connection %s has a staged run (job %lld) waiting for its "
                                  "flow's gate (pid %d); sync again once it is published",
                                  connection, (long long)list[i].job_id, jobs[k].pid);
    }
    stor_jobs_free(jobs, nj);
    for (size_t i = 0; rc == 0 && i < n; i++) {
        wv_logf(log, WV_LOG_WARN,
                "job %lld ended before its gate decided: discarding its staged files",
                (long long)list[i].job_id);
        rc = core_publish_discard(ws, db, list[i].job_id,
                                  "the process ended before the run was published", clock, log,
                                  err);
    }
    stor_publish_list_free(list, n);
    return rc;
}
