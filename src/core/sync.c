/* sync.c - one sync of a connection: source -> raw zone, with state committed to SQLite only
 * after the data it covers is durable and published (ARCHITECTURE.md "the path of one record").
 * Runs entirely on the calling thread (CLI main, or a worker later), which owns the SQLite
 * connection it opens. Order at each STATE message: raw checkpoint (fsync + rename) -> state
 * commit. A crash between the two replays those records (at-least-once); never the reverse. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/fs.h"
#include "base/mem.h"
#include "connectors/connectors.h"
#include "core/core_int.h"
#include "quality/quality.h"

#define PROGRESS_EVERY_NS 100000000LL

struct sync_run {
    const struct core_connection *conn;
    const struct core_sync_opts *opts;
    const struct wv_clock *clock;
    const struct core_workspace *ws;
    struct stor_db *db;
    struct stor_raw *raw;     /* jsonl raw zone, or */
    struct stor_zone *zone;   /* Parquet raw zone (states wait for the publish) */
    struct core_target target;
    char *stage_dir, *run_id;
    struct wv_json *pending;  /* zone: the STATE messages to commit when published */
    struct core_sync_result *res;
    struct wv_cfg_catalog catalog;
    struct qual_stats *stats; /* per-stream statistics, handed to the result */
    int64_t job_id, attempt_id;
    int64_t records, states;
    int64_t start_ns, last_progress_ns;
    char *source_error; /* message of the source's TRACE error, if any */
    const char *last_stream;
};

/* Opens the state store, creating .weaver/ if needed. */
struct stor_db *core_db_open(const struct core_workspace *ws, struct wv_error *err)
{
    if (wv_fs_mkdirs(ws->state_dir, 0700, err) < 0)
        return NULL;
    return stor_db_open(ws->db_path, err);
}

/* Takes the connection's lock file (flock; released by the kernel if we die). */
int core_conn_lock(const struct core_workspace *ws, const char *name, int *fd_out,
                   struct wv_error *err)
{
    char *dir = wv_path_join(ws->state_dir, "locks");
    if (wv_fs_mkdirs(dir, 0700, err) < 0) {
        free(dir);
        return -1;
    }
    char *path = wv_asprintf("%s/%s.lock", dir, name);
    free(dir);
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) {
        wv_error_errno(err, errno, "%s", path);
        free(path);
        return -1;
    }
    if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
        char pid[32] = "";
        ssize_t n = pread(fd, pid, sizeof pid - 1, 0);
        pid[n > 0 ? n : 0] = '\0';
        pid[strcspn(pid, "\n")] = '\0';
        wv_error_set(err, WV_E_CONFLICT, 0, "connection %s is already syncing (pid %s)", name,
                     pid[0] ? pid : "?");
        close(fd);
        free(path);
        return -1;
    }
    char pid[32];
    int len = snprintf(pid, sizeof pid, "%ld\n", (long)getpid());
    if (ftruncate(fd, 0) < 0 || pwrite(fd, pid, (size_t)len, 0) < 0) {
        /* the lock is held either way; the pid is only informative */
    }
    free(path);
    *fd_out = fd;
    return 0;
}

/* Whether a process still exists. */
static bool pid_alive(int pid)
{
    return pid > 0 && (kill(pid, 0) == 0 || errno == EPERM);
}

/* Finds the discovered stream for a connection stream. */
static const struct wv_catalog_stream *find_stream(const struct wv_catalog *cat,
                                                   const struct core_conn_stream *cs)
{
    for (size_t i = 0; i < cat->n; i++)
        if (wv_str_eq(cat->streams[i].name, cs->name) &&
            (!cs->ns || wv_str_eq(cat->streams[i].ns, cs->ns)))
            return &cat->streams[i];
    return NULL;
}

/* Copies a catalog stream (the configured catalog owns its copy). */
static void copy_catalog_stream(struct wv_catalog_stream *dst, const struct wv_catalog_stream *src)
{
    *dst = *src;
    dst->name = wv_strdup(src->name);
    dst->ns = wv_strdup(src->ns);
    dst->json_schema = src->json_schema ? wv_json_dup(src->json_schema) : NULL;
    wv_path_copy(&dst->default_cursor, &src->default_cursor);
    dst->source_pk = wv_calloc(src->n_source_pk ? src->n_source_pk : 1, sizeof *dst->source_pk);
    for (size_t i = 0; i < src->n_source_pk; i++)
        wv_path_copy(&dst->source_pk[i], &src->source_pk[i]);
}

/* Configures one stream from the connection's wishes and the source's catalog. */
static int configure_stream(const struct core_connection *c, const struct core_conn_stream *cs,
                            const struct wv_catalog_stream *ds, struct wv_cfg_stream *out,
                            struct wv_error *err)
{
    copy_catalog_stream(&out->stream, ds);
    out->sync_mode = cs->sync_mode;
    out->dest_mode = cs->dest_mode;
    if (cs->sync_mode == WV_SYNC_INCREMENTAL && !ds->supports_incremental)
        return wv_error_set(err, WV_E_CONFIG, 0, "%s: stream %s does not support incremental sync",
                            c->file, cs->name);
    if (cs->sync_mode == WV_SYNC_FULL_REFRESH && !ds->supports_full_refresh)
        return wv_error_set(err, WV_E_CONFIG, 0, "%s: stream %s does not support full_refresh",
                            c->file, cs->name);
    wv_path_copy(&out->cursor, cs->cursor.n ? &cs->cursor : &ds->default_cursor);
    if (cs->sync_mode == WV_SYNC_INCREMENTAL && out->cursor.n == 0)
        return wv_error_set(err, WV_E_CONFIG, 0,
                            "%s: stream %s is incremental but has no cursor_field and the source "
                            "defines none",
                            c->file, cs->name);
    const struct wv_path *pk = cs->n_pk ? cs->pk : ds->source_pk;
    size_t n_pk = cs->n_pk ? cs->n_pk : ds->n_source_pk;
    out->pk = wv_calloc(n_pk ? n_pk : 1, sizeof *out->pk);
    for (size_t i = 0; i < n_pk; i++)
        wv_path_copy(&out->pk[i], &pk[i]);
    out->n_pk = n_pk;
    if (cs->dest_mode == WV_DEST_APPEND_DEDUP && n_pk == 0)
        return wv_error_set(err, WV_E_CONFIG, 0,
                            "%s: stream %s uses append_dedup but has no primary_key and the "
                            "source defines none",
                            c->file, cs->name);
    return 0;
}

/* Builds the configured catalog from discover + the connection's stream list. */
static int build_catalog(const struct core_connection *c, const struct wv_json *discovered,
                         struct wv_cfg_catalog *out, struct wv_error *err)
{
    struct wv_catalog cat = {0};
    if (wv_catalog_parse(discovered, "discover", &cat, err) < 0)
        return wv_error_prefix(err, "source catalog");
    out->streams = wv_calloc(c->n_streams, sizeof *out->streams);
    int rc = 0;
    for (size_t i = 0; i < c->n_streams && rc == 0; i++) {
        const struct core_conn_stream *cs = &c->streams[i];
        const struct wv_catalog_stream *ds = find_stream(&cat, cs);
        if (!ds) {
            char names[512] = "";
            size_t off = 0;
            for (size_t j = 0; j < cat.n && off < sizeof names; j++)
                off += (size_t)snprintf(names + off, sizeof names - off, "%s%s", j ? ", " : "",
                                        cat.streams[j].name);
            rc = wv_error_set(err, WV_E_CONFIG, 0,
                              "%s: stream '%s' is not in the source's catalog (streams: %s)",
                              c->file, cs->name, names);
            break;
        }
        out->n++;
        rc = configure_stream(c, cs, ds, &out->streams[i], err);
    }
    wv_catalog_done(&cat);
    return rc;
}

/* Bytes and files written so far, whichever writer runs. */
static void out_stats(const struct sync_run *r, int64_t *bytes, int64_t *files)
{
    *bytes = *files = 0;
    if (r->raw) {
        struct stor_raw_stats st;
        stor_raw_stats(r->raw, NULL, NULL, &st);
        *bytes = st.bytes, *files = st.files;
    } else if (r->zone) {
        struct stor_zone_stats st;
        stor_zone_stats(r->zone, NULL, NULL, &st);
        *bytes = st.bytes, *files = st.files;
    }
}

/* Calls the progress callback at most every PROGRESS_EVERY_NS (always when force). */
static void report_progress(struct sync_run *r, bool force)
{
    if (!r->opts->progress)
        return;
    int64_t now = wv_clock_mono_ns(r->clock);
    if (!force && now - r->last_progress_ns < PROGRESS_EVERY_NS)
        return;
    r->last_progress_ns = now;
    int64_t bytes, files;
    out_stats(r, &bytes, &files);
    struct core_sync_progress p = {r->records, bytes, now - r->start_ns, r->states,
                                   r->last_stream};
    r->opts->progress(r->opts->progress_ctx, &p);
}

/* Whether two STATE messages (roots) replace each other: same kind, and for STREAM states the
 * same stream. */
static bool same_state_slot(const struct wv_json *a, const struct wv_json *b)
{
    const struct wv_json *sa = wv_json_get(a, "state"), *sb = wv_json_get(b, "state");
    const char *ta = wv_json_get_str(sa, "type"), *tb = wv_json_get_str(sb, "type");
    if (!wv_str_eq(ta ? ta : "LEGACY", tb ? tb : "LEGACY"))
        return false;
    if (!ta || strcmp(ta, "STREAM") != 0)
        return true;
    const struct wv_json *da = wv_json_path(sa, (char *const[]){"stream", "stream_descriptor"}, 2);
    const struct wv_json *db = wv_json_path(sb, (char *const[]){"stream", "stream_descriptor"}, 2);
    return wv_json_compare(da, db) == 0;
}

/* Keeps a STATE for the publish, replacing the one it supersedes (the newest moves last). */
static void keep_state(struct sync_run *r, const struct wv_msg *m)
{
    struct wv_json *arr = r->pending;
    for (size_t i = 0; i < arr->len; i++)
        if (same_state_slot(arr->items[i], m->root)) {
            wv_json_free(arr->items[i]);
            memmove(&arr->items[i], &arr->items[i + 1], (arr->len - i - 1) * sizeof *arr->items);
            arr->len--;
            break;
        }
    wv_json_push(arr, wv_json_dup(m->root));
}

/* STATE: make the covered data durable and visible, then commit the state. */
static int on_state(struct sync_run *r, const struct wv_msg *m, struct wv_error *err)
{
    bool commit = true;
    if (m->state_type == WV_STATE_STREAM) {
        const struct wv_cfg_stream *cs = wv_cfg_catalog_find(&r->catalog, m->ns, m->stream);
        if (!cs)
            return wv_error_set(err, WV_E_PROTOCOL, 0,
                                "source sent STATE for stream '%s', which is not being synced",
                                m->stream);
        if (r->raw && stor_raw_checkpoint(r->raw, m->ns, m->stream, err) < 0)
            return -1;
        /* full refresh streams start over every time: their state is not kept */
        commit = cs->sync_mode == WV_SYNC_INCREMENTAL;
    } else if (r->raw && stor_raw_checkpoint(r->raw, NULL, NULL, err) < 0) {
        return -1;
    }
    if (commit && r->zone) {
        /* a Parquet zone publishes at the end of the run: keep the state for then */
        keep_state(r, m);
        r->states++;
    } else if (commit) {
        if (stor_state_commit(r->db, r->conn->name, m, r->job_id, wv_clock_now_ms(r->clock),
                              err) < 0)
            return -1;
        r->states++;
    }
    int64_t bytes, files;
    out_stats(r, &bytes, &files);
    return stor_job_progress(r->db, r->job_id, r->attempt_id, r->records, bytes, err);
}

/* The sink the source writes into. */
static int sync_emit(void *ctx, const struct wv_msg *m, struct wv_error *err)
{
    struct sync_run *r = ctx;
    const struct wv_log *log = r->opts->log;
    switch (m->type) {
    case WV_MSG_RECORD:
    {
        const struct wv_cfg_stream *cs = wv_cfg_catalog_find(&r->catalog, m->ns, m->stream);
        if (!cs)
            return wv_error_set(err, WV_E_PROTOCOL, 0,
                                "source sent a RECORD for stream '%s', which is not being synced",
                                m->stream);
        if (r->raw ? stor_raw_write(r->raw, m->ns, m->stream, m->data, err) < 0
                   : stor_zone_write(r->zone, m->ns, m->stream, m->data, err) < 0)
            return -1;
        qual_stats_add(r->stats, m->ns, m->stream, m->data, &cs->cursor);
        r->records++;
        r->last_stream = cs->stream.name;
        report_progress(r, false);
        return 0;
    }
    case WV_MSG_STATE:
        return on_state(r, m, err);
    case WV_MSG_LOG:
        wv_logf(log, (enum wv_level)m->level, "source: %s", m->message ? m->message : "");
        return 0;
    case WV_MSG_TRACE:
        if (m->trace_type == WV_TRACE_ERROR && m->message) {
            free(r->source_error);
            r->source_error = wv_strdup(m->message);
            wv_logf(log, WV_LOG_ERROR, "source error: %s", m->message);
        } else if (m->trace_type == WV_TRACE_STREAM_STATUS) {
            wv_logf(log, WV_LOG_DEBUG, "stream %s: %s", m->stream ? m->stream : "?",
                    m->status ? m->status : "?");
        }
        return 0;
    case WV_MSG_CONTROL:
        wv_logf(log, WV_LOG_WARN, "source sent a connector config update; not applied yet");
        return 0;
    default:
        wv_logf(log, WV_LOG_WARN, "source sent an unexpected %s message; ignored",
                wv_msg_type_name(m->type));
        return 0;
    }
}

/* Declares every configured stream to the raw writer. */
static int add_streams(struct sync_run *r, struct wv_error *err)
{
    for (size_t i = 0; i < r->catalog.n; i++) {
        const struct wv_cfg_stream *s = &r->catalog.streams[i];
        const struct wv_path *cursor = s->cursor.n ? &s->cursor : NULL;
        if (r->raw) {
            struct stor_raw_stream_cfg cfg = {s->stream.ns, s->stream.name, s->dest_mode, s->pk,
                                              s->n_pk, cursor};
            if (stor_raw_add_stream(r->raw, &cfg, err) < 0)
                return -1;
            continue;
        }
        struct stor_zone_stream_cfg cfg = {.ns = s->stream.ns, .name = s->stream.name,
                                           .mode = s->dest_mode,
                                           .json_schema = s->stream.json_schema,
                                           .cursor = cursor, .pk = s->pk, .n_pk = s->n_pk};
        if (s->dest_mode == WV_DEST_APPEND_DEDUP)
            wv_logf(r->opts->log, WV_LOG_INFO,
                    "stream %s: append_dedup appends to the Parquet raw zone; deduplicate "
                    "downstream on the primary key (see weaver export dbt-sources)",
                    s->stream.name);
        if (stor_zone_add_stream(r->zone, &cfg, err) < 0)
            return wv_error_prefix(err, "stream %s", s->stream.name);
    }
    return 0;
}

static int stage_and_publish(struct sync_run *r, struct wv_error *err);

/* Reads the source into the raw zone and finishes (publish/compact). */
static int run_read(struct sync_run *r, struct conn_source *src, const struct wv_json *config,
                    const struct wv_json *state, struct wv_error *err)
{
    if (add_streams(r, err) < 0)
        return -1;
    struct conn_http_counts counts = {0, 0};
    struct conn_read_env env = {.clock = r->clock, .log = r->opts->log,
                                .cancel = r->opts->cancel, .http_counts = &counts};
    static const struct conn_sink_ops ops = {sync_emit};
    struct conn_sink sink = {&ops, r};
    int rrc = conn_source_read(src, config, &r->catalog, state, &env, &sink, err);
    r->res->requests = counts.requests;
    r->res->failed_requests = counts.failed;
    if (rrc < 0) {
        if (r->source_error && err->code == WV_E_SOURCE && !strstr(err->msg, r->source_error))
            wv_error_prefix(err, "%s", r->source_error);
        return -1;
    }
    if (r->opts->cancel && *r->opts->cancel)
        return wv_error_set(err, WV_E_CANCELLED, 0, "cancelled");
    return r->raw ? stor_raw_finish(r->raw, err) : stage_and_publish(r, err);
}

static struct wv_json *schemas_doc(const struct sync_run *r);

/* The connection's checks on this run's statistics (with the history of its published runs,
 * for low_count and schema_drift): warnings are logged; an error-level
 * failure blocks the publish (the run stays staged for diagnosis, its states uncommitted). */
static int gate(struct sync_run *r, struct wv_error *err)
{
    struct wv_buf why;
    wv_buf_init(&why, 4096);
    int64_t now = wv_clock_now_ms(r->clock);
    size_t n = r->conn->n_checks;
    if (n == 0) {
        wv_buf_done(&why);
        return 0;
    }
    struct qual_result *res = wv_calloc(n, sizeof *res);
    struct wv_json *doc = schemas_doc(r);
    int jrc = core_judge(r->db, r->conn->name, r->job_id, r->stats, doc, r->conn->checks, n, now,
                         res, err);
    wv_json_free(doc);
    if (jrc < 0) {
        free(res);
        wv_buf_done(&why);
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        if (res[i].verdict == QUAL_WARN)
            wv_logf(r->opts->log, WV_LOG_WARN, "check warning: %s", res[i].text);
        else if (res[i].verdict == QUAL_FAIL)
            wv_buf_printf(&why, NULL, "%s%s", why.len ? "; " : "", res[i].text);
        else
            wv_logf(r->opts->log, WV_LOG_INFO, "check %s: %s", qual_verdict_name(res[i].verdict),
                    res[i].text);
    }
    free(res);
    if (why.len == 0) {
        wv_buf_done(&why);
        return 0;
    }
    char *reason = wv_asprintf("gate: %s", wv_buf_cstr(&why));
    wv_buf_done(&why);
    int rc = stor_publish_set(r->db, r->job_id, STOR_PUB_BLOCKED, reason, now, err);
    if (rc == 0)
        wv_error_set(err, WV_E_QUALITY, 0, "%s; nothing published (staged files kept in %s)",
                     reason, r->stage_dir);
    free(reason);
    return -1;
}

/* Ends a Parquet run: seals its files, records the staged run (manifest + states), then
 * publishes it unless the caller only stages. */
static int stage_and_publish(struct sync_run *r, struct wv_error *err)
{
    if (stor_zone_seal(r->zone, err) < 0)
        return -1;
    struct stor_zone_file *files = NULL;
    size_t n = 0;
    stor_zone_take_files(r->zone, &files, &n);
    char *manifest = stor_zone_manifest(r->zone, files, n, err);
    stor_zone_files_free(files, n);
    if (!manifest)
        return -1;
    char *states = wv_json_to_string(r->pending);
    struct stor_publish p = {.job_id = r->job_id, .connection = r->conn->name,
                             .destination = r->conn->destination, .stage_dir = r->stage_dir,
                             .manifest_json = manifest, .states_json = states};
    int rc = stor_publish_stage(r->db, &p, wv_clock_now_ms(r->clock), err);
    free(manifest);
    free(states);
    if (rc < 0)
        return -1;
    r->res->staged = true;
    if (gate(r, err) < 0)
        return -1;
    if (r->opts->stage_only)
        return 0;
    if (core_publish_run(r->ws, r->db, r->job_id, r->clock, r->opts->log, err) < 0)
        return -1;
    r->res->published = true;
    return 0;
}

/* Starts the job row and the raw writer. */
static int start_job(struct sync_run *r, const struct core_workspace *ws,
                     const struct core_destination *dest, struct wv_error *err)
{
    int64_t now = wv_clock_now_ms(r->clock);
    if (stor_job_start(r->db, r->conn->name, "sync", now, (int)getpid(), &r->job_id,
                       &r->attempt_id, err) < 0)
        return -1;
    struct wv_tm t;
    wv_time_split(now, &t);
    char run_id[64];
    snprintf(run_id, sizeof run_id, "%04d%02d%02dT%02d%02d%02dZ-%lld", t.year, t.month, t.day,
             t.hour, t.min, t.sec, (long long)r->job_id);
    r->run_id = wv_strdup(run_id);
    if (strcmp(dest->format, "jsonl") == 0) {
        char *root = wv_path_join(dest->path, r->conn->prefix);
        int rc = -1;
        if (stor_raw_gc(root, err) == 0) {
            r->raw = stor_raw_open(root, run_id, now, 0, r->job_id, err);
            rc = r->raw ? 0 : -1;
        }
        free(root);
        return rc;
    }
    if (core_conn_target(ws, r->conn, &r->target, err) < 0)
        return -1;
    r->stage_dir = core_conn_stage_dir(ws, &r->target, r->conn->name, run_id);
    struct stor_zone_options zo;
    core_destination_zone_options(dest, &zo);
    zo.connection = r->conn->name;
    r->pending = wv_json_array();
    r->zone = stor_zone_open(r->stage_dir, run_id, now, 0, r->job_id, &zo, err);
    return r->zone ? 0 : -1;
}

/* Frees the Parquet writer; a run that never reached staging leaves nothing behind. */
static void discard_unstaged(struct sync_run *r, const struct wv_log *log)
{
    stor_zone_free(r->zone);
    r->zone = NULL;
    if (r->stage_dir && !r->res->staged) {
        struct wv_error e;
        wv_error_clear(&e);
        if (wv_fs_rmtree(r->stage_dir, &e) < 0)
            wv_logf(log, WV_LOG_WARN, "could not remove staging %s: %s", r->stage_dir, e.msg);
    }
    free(r->stage_dir);
    free(r->run_id);
    wv_json_free(r->pending);
    core_target_done(&r->target);
}

/* Records the job's end. */
/* Keeps the run's statistics and catalog schemas with the job, for checks that look at
 * history (low_count, schema drift) and for flow tasks in other processes:
 *   stats: qual_stats_to_json; schemas: {"streams": {name: schema}, "requests": n,
 *   "failed_requests": n} */
/* The run's schemas document: {"streams": {name: schema}, "requests": n,
 * "failed_requests": n}. Caller frees. */
static struct wv_json *schemas_doc(const struct sync_run *r)
{
    struct wv_json *doc = wv_json_object(), *streams = wv_json_object();
    for (size_t i = 0; i < r->catalog.n; i++) {
        const struct wv_catalog_stream *cs = &r->catalog.streams[i].stream;
        if (cs->json_schema)
            wv_json_set(streams, cs->name, wv_json_dup(cs->json_schema));
    }
    wv_json_set(doc, "streams", streams);
    wv_json_set(doc, "requests", wv_json_int(r->res->requests));
    wv_json_set(doc, "failed_requests", wv_json_int(r->res->failed_requests));
    return doc;
}

static void save_job_stats(struct sync_run *r)
{
    if (!r->job_id || !r->stats || r->catalog.n == 0)
        return;
    struct wv_json *doc = schemas_doc(r);
    char *schemas = wv_json_to_string(doc), *stats = qual_stats_to_json(r->stats);
    struct wv_error e;
    wv_error_clear(&e);
    if (stats && schemas && stor_job_stats_put(r->db, r->job_id, stats, schemas, &e) < 0)
        wv_logf(r->opts->log, WV_LOG_WARN, "could not keep the job's statistics: %s", e.msg);
    free(stats);
    free(schemas);
    wv_json_free(doc);
}

static void finish_job(struct sync_run *r, int rc, struct wv_error *err,
                       struct core_sync_result *res)
{
    save_job_stats(r);
    int64_t bytes, files;
    out_stats(r, &bytes, &files);
    res->job_id = r->job_id;
    res->records = r->records;
    res->bytes = bytes;
    res->files = files;
    res->states_committed = r->states;
    res->code = rc == 0 ? WV_E_OK : err->code;
    res->stats = r->stats;
    r->stats = NULL;
    if (!r->job_id)
        return;
    enum stor_job_status status = rc == 0                      ? STOR_JOB_SUCCEEDED
                                  : err->code == WV_E_CANCELLED ? STOR_JOB_CANCELLED
                                                                : STOR_JOB_FAILED;
    struct wv_error ferr;
    wv_error_clear(&ferr);
    if (stor_job_finish(r->db, r->job_id, r->attempt_id, status, wv_clock_now_ms(r->clock),
                        r->records, bytes, rc == 0 ? NULL : err->msg, &ferr) < 0)
        wv_logf(r->opts->log, WV_LOG_ERROR, "could not record the job's end: %s", ferr.msg);
}

/* Everything after the lock: source, catalog, state, job, read. */
static int sync_locked(struct sync_run *r, const struct core_workspace *ws,
                       const struct core_source *srcdef, const struct core_destination *dest,
                       struct wv_error *err)
{
    struct wv_json *config = NULL, *discovered = NULL, *state = NULL;
    struct conn_source *src = NULL;
    int n_reaped = 0, rc = -1;
    if (stor_job_reap(r->db, pid_alive, wv_clock_now_ms(r->clock), &n_reaped, err) < 0)
        goto out;
    if (n_reaped)
        wv_logf(r->opts->log, WV_LOG_WARN, "marked %d abandoned job(s) as failed", n_reaped);
    if (core_publish_recover(ws, r->db, r->conn->name, r->clock, r->opts->log, err) < 0)
        goto out;
    src = core_source_open(ws, srcdef, &config, err);
    if (!src)
        goto out;
    rc = -1;
    if (conn_source_discover(src, config, &discovered, err) < 0) {
        wv_error_prefix(err, "source %s: discover", srcdef->name);
        goto out;
    }
    if (build_catalog(r->conn, discovered, &r->catalog, err) < 0 ||
        stor_state_get(r->db, r->conn->name, &state, err) < 0 || start_job(r, ws, dest, err) < 0)
        goto out;
    r->start_ns = wv_clock_mono_ns(r->clock);
    rc = run_read(r, src, config, state, err);
    report_progress(r, true);
out:
    if (rc < 0 && r->job_id)
        wv_error_prefix(err, "job %lld", (long long)r->job_id);
    conn_source_free(src);
    wv_json_free(config);
    wv_json_free(discovered);
    wv_json_free(state);
    return rc;
}

/* Frees what a result owns. */
void core_sync_result_done(struct core_sync_result *res)
{
    qual_stats_free(res->stats);
    res->stats = NULL;
}

/* Runs one sync of a connection. */
int core_sync_run(const struct core_workspace *ws, const char *connection,
                  const struct core_sync_opts *opts, struct core_sync_result *result,
                  struct wv_error *err)
{
    static const struct core_sync_opts no_opts;
    struct core_sync_result dummy;
    if (!opts)
        opts = &no_opts;
    if (!result)
        result = &dummy;
    memset(result, 0, sizeof *result);
    const struct core_connection *conn = core_workspace_connection(ws, connection);
    if (!conn)
        return wv_error_set(err, WV_E_NOTFOUND, 0, "unknown connection '%s'", connection);
    if (!conn->enabled)
        wv_logf(opts->log, WV_LOG_INFO, "connection %s is disabled; syncing on request",
                conn->name);
    const struct core_source *srcdef = core_workspace_source(ws, conn->source);
    const struct core_destination *dest = core_workspace_destination(ws, conn->destination);
    struct sync_run r = {.conn = conn, .opts = opts, .stats = qual_stats_new(), .ws = ws,
                         .res = result};
    qual_stats_track(r.stats, conn->checks, conn->n_checks);
    if (opts->n_track)
        qual_stats_track(r.stats, opts->track, opts->n_track);
    r.clock = opts->clock ? opts->clock : wv_clock_system();
    int lock_fd = -1, rc = -1;
    r.db = core_db_open(ws, err);
    if (r.db && core_conn_lock(ws, conn->name, &lock_fd, err) == 0) {
        rc = sync_locked(&r, ws, srcdef, dest, err);
        finish_job(&r, rc, err, result);
    }
    stor_raw_free(r.raw);
    discard_unstaged(&r, opts->log);
    wv_cfg_catalog_done(&r.catalog);
    free(r.source_error);
    qual_stats_free(r.stats);
    stor_db_close(r.db);
    if (lock_fd >= 0)
        close(lock_fd);
    if (rc < 0)
        wv_error_prefix(err, "sync %s", conn->name);
    return rc;
}
