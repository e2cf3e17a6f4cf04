/* zone_publish.c - publishes a run's sealed Parquet files and then its manifest
 * (_runs/<run_id>/_manifest.json) to a local zone directory (durable renames) or an S3 prefix
 * (resumable uploads), then removes the older files of overwrite streams. Reads only run_id,
 * streams[].mode/prefix and files[].path of the manifest. Runs on the calling thread (S3 parts
 * go through stor_s3_upload_file's own threads). */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/fs.h"
#include "base/mem.h"
#include "storage/storage.h"

#define PUB_COPY_BUF ((size_t)1 << 20)

/* What publishing needs from the manifest. */
struct pub_manifest {
    struct wv_json *root;  /* owned */
    const char *run_id;    /* borrowed from root */
    const char **prefixes; /* prefixes of overwrite streams (borrowed from root) */
    size_t n_prefixes;
    char **keep; /* sorted relative paths that stay (manifest files + published) */
    size_t n_keep;
};

/* Whether p is a clean relative path: non-empty segments, none "." or "..", no leading '/'. */
static bool pub_rel_ok(const char *p)
{
    if (!p || !*p || *p == '/')
        return false;
    for (const char *s = p;;) {
        size_t n = strcspn(s, "/");
        if (n == 0 || (n == 1 && s[0] == '.') || (n == 2 && s[0] == '.' && s[1] == '.'))
            return false;
        if (!s[n])
            return true;
        s += n + 1;
    }
}

/* qsort/bsearch comparator of strings. */
static int pub_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Whether rel is in the keep list. */
static bool pub_kept(const struct pub_manifest *m, const char *rel)
{
    return m->n_keep && bsearch(&rel, m->keep, m->n_keep, sizeof *m->keep, pub_cmp);
}

/* Frees what pub_parse built. */
static void pub_manifest_done(struct pub_manifest *m)
{
    for (size_t i = 0; i < m->n_keep; i++)
        free(m->keep[i]);
    free(m->keep);
    free(m->prefixes);
    wv_json_free(m->root);
    memset(m, 0, sizeof *m);
}

/* Reads run_id, the overwrite streams' prefixes and the file list of the manifest. */
static int pub_parse(const char *text, const struct stor_zone_file *files, size_t n,
                     struct pub_manifest *m, struct wv_error *err)
{
    memset(m, 0, sizeof *m);
    m->root = wv_json_parse(text, strlen(text), "manifest", err);
    if (!m->root)
        return -1;
    m->run_id = wv_json_get_str(m->root, "run_id");
    if (!m->run_id || !pub_rel_ok(m->run_id) || strchr(m->run_id, '/'))
        return wv_error_set(err, WV_E_PARSE, 0, "manifest: run_id missing or not a name");
    const struct wv_json *streams = wv_json_get(m->root, "streams");
    const struct wv_json *mfiles = wv_json_get(m->root, "files");
    if (!streams || streams->type != WV_JSON_ARRAY || !mfiles || mfiles->type != WV_JSON_ARRAY)
        return wv_error_set(err, WV_E_PARSE, 0, "manifest: streams and files must be arrays");
    m->prefixes = wv_calloc(streams->len + 1, sizeof *m->prefixes);
    for (size_t i = 0; i < streams->len; i++) {
        const char *mode = wv_json_get_str(streams->items[i], "mode");
        const char *prefix = wv_json_get_str(streams->items[i], "prefix");
        if (!mode || !prefix || (*prefix && !pub_rel_ok(prefix)))
            return wv_error_set(err, WV_E_PARSE, 0,
                                "manifest: streams[%zu]: mode and a relative prefix expected", i);
        if (strcmp(mode, "overwrite") == 0 || strcmp(mode, "overwrite_dedup") == 0)
            m->prefixes[m->n_prefixes++] = prefix;
    }
    m->keep = wv_calloc(mfiles->len + n + 1, sizeof *m->keep);
    for (size_t i = 0; i < mfiles->len; i++) {
        const char *path = wv_json_get_str(mfiles->items[i], "path");
        if (!path)
            return wv_error_set(err, WV_E_PARSE, 0, "manifest: files[%zu]: no path", i);
        m->keep[m->n_keep++] = wv_strdup(path);
    }
    for (size_t i = 0; i < n; i++)
        m->keep[m->n_keep++] = wv_strdup(files[i].rel);
    qsort(m->keep, m->n_keep, sizeof *m->keep, pub_cmp);
    return 0;
}

/* ---- local directory ---- */

/* Copies from (on another file system) to a temp file beside to, fsyncs it, renames it into
 * place and then removes from: a crash leaves from in staging, so a retry copies it again. */
static int pub_copy_move(const char *from, const char *to, struct wv_error *err)
{
    char *tmp = wv_asprintf("%s.tmp.%ld", to, (long)getpid());
    int in = open(from, O_RDONLY | O_CLOEXEC), out = -1, rc = 0;
    if (in < 0)
        rc = wv_error_errno(err, errno, "open %s", from);
    if (rc == 0 && (out = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)) < 0)
        rc = wv_error_errno(err, errno, "create %s", tmp);
    char *buf = wv_malloc(PUB_COPY_BUF);
    while (rc == 0) {
        ssize_t k = read(in, buf, PUB_COPY_BUF);
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0)
            rc = wv_error_errno(err, errno, "read %s", from);
        else if (k == 0)
            break;
        else
            rc = wv_fs_write_all(out, buf, (size_t)k, tmp, err);
    }
    free(buf);
    if (rc == 0)
        rc = wv_fs_fsync_fd(out, tmp, err);
    if (out >= 0 && close(out) < 0 && rc == 0)
        rc = wv_error_errno(err, errno, "close %s", tmp);
    if (in >= 0)
        close(in);
    if (rc == 0)
        rc = wv_fs_rename_durable(tmp, to, err);
    else
        unlink(tmp);
    if (rc == 0 && unlink(from) < 0)
        rc = wv_error_errno(err, errno, "remove %s", from);
    free(tmp);
    return rc;
}

/* Moves one staged file into place; a file already moved by an earlier try is left alone. */
static int pub_local_file(const char *dir, const struct stor_zone_file *f, const struct wv_log *log,
                          struct wv_error *err)
{
    char *dst = wv_path_join(dir, f->rel), *parent = wv_path_dirname(dst);
    struct stat st;
    int rc = wv_fs_mkdirs_durable(parent, 0755, err);
    int gone = rc == 0 && lstat(f->stage_path, &st) < 0 ? errno : 0;
    struct stat pst;
    if (rc == 0 && !gone && stat(parent, &pst) == 0 && pst.st_dev != st.st_dev) {
        rc = pub_copy_move(f->stage_path, dst, err); /* staging on another file system */
        if (rc == 0)
            wv_logf(log, WV_LOG_INFO, "published %s (%lld bytes)", dst, (long long)st.st_size);
    } else if (rc == 0 && !gone) {
        rc = wv_fs_rename_durable(f->stage_path, dst, err);
        if (rc == 0)
            wv_logf(log, WV_LOG_INFO, "published %s (%lld bytes)", dst, (long long)st.st_size);
    } else if (rc == 0 && gone == ENOENT && stat(dst, &st) == 0 && st.st_size == f->bytes) {
        wv_logf(log, WV_LOG_INFO, "already published %s (%lld bytes)", dst, (long long)st.st_size);
    } else if (rc == 0) {
        rc = wv_error_errno(err, gone, "staged file %s", f->stage_path);
    }
    if (rc < 0)
        wv_error_prefix(err, "publish %s", f->rel);
    free(parent);
    free(dst);
    return rc;
}

/* Deletes the .parquet files under dir/rel that are not kept, and directories emptied by
 * that; entries named _* or .* (staging, run manifests, temp files) are never touched. */
static int pub_local_prune(const char *root, const char *rel, const struct pub_manifest *m,
                           int *deleted, struct wv_error *err)
{
    char *dir = wv_path_join(root, rel);
    char **names = NULL;
    int rc = wv_fs_list(dir, &names, err), removed = 0;
    for (size_t i = 0; rc == 0 && names[i]; i++) {
        if (names[i][0] == '_' || names[i][0] == '.')
            continue;
        char *sub = wv_asprintf("%s/%s", rel, names[i]), *path = wv_path_join(root, sub);
        struct stat st;
        if (lstat(path, &st) < 0) {
            rc = errno == ENOENT ? 0 : wv_error_errno(err, errno, "stat %s", path);
        } else if (S_ISDIR(st.st_mode)) {
            rc = pub_local_prune(root, sub, m, deleted, err);
            if (rc == 0 && rmdir(path) == 0)
                removed++; /* it was left empty (a non-empty one stays: ENOTEMPTY) */
        } else if (S_ISREG(st.st_mode) && wv_str_ends(names[i], ".parquet") && !pub_kept(m, sub)) {
            if (unlink(path) < 0 && errno != ENOENT)
                rc = wv_error_errno(err, errno, "delete %s", path);
            if (rc == 0) {
                removed++;
                (*deleted)++;
            }
        }
        free(path);
        free(sub);
    }
    if (rc == 0 && removed)
        rc = wv_fs_fsync_dir(dir, err);
    wv_strv_free(names);
    free(dir);
    return rc;
}

/* Local publish: renames, manifest, overwrite cleanup. */
static int pub_local(const struct stor_target *t, const struct stor_zone_file *files, size_t n,
                     const char *text, const struct pub_manifest *m, const struct wv_log *log,
                     struct wv_error *err)
{
    for (size_t i = 0; i < n; i++)
        if (pub_local_file(t->dir, &files[i], log, err) < 0)
            return -1;
    char *runs = wv_asprintf("%s/_runs/%s", t->dir, m->run_id);
    char *path = wv_asprintf("%s/_manifest.json", runs);
    int rc = wv_fs_mkdirs_durable(runs, 0755, err);
    if (rc == 0)
        rc = wv_fs_write_atomic(path, text, strlen(text), 0644, err);
    if (rc == 0)
        wv_logf(log, WV_LOG_INFO, "published %s", path);
    free(path);
    free(runs);
    for (size_t i = 0; rc == 0 && i < m->n_prefixes; i++) {
        int deleted = 0;
        if (!*m->prefixes[i]) {
            wv_logf(log, WV_LOG_WARN, "overwrite stream without a prefix: older files kept");
            continue;
        }
        rc = pub_local_prune(t->dir, m->prefixes[i], m, &deleted, err);
        if (rc == 0 && deleted)
            wv_logf(log, WV_LOG_INFO, "overwrite: deleted %d older file(s) under %s/%s", deleted,
                    t->dir, m->prefixes[i]);
    }
    if (rc < 0)
        wv_error_prefix(err, "publish run %s", m->run_id);
    return rc;
}

/* ---- S3 ---- */

/* The object key of rel under the target's prefix. Caller frees. */
char *stor_target_key(const struct stor_target *t, const char *rel)
{
    return t->prefix && *t->prefix ? wv_asprintf("%s/%s", t->prefix, rel) : wv_strdup(rel);
}

/* Forwards the upload hooks to the store, keyed by rel. */
struct pub_hook_ctx {
    const struct stor_upload_store *store;
    const char *rel;
    bool stopped; /* the store failed a part_done: the upload was left for a resume */
};

/* created -> store->created. */
static int pub_created(void *ctx, const char *upload_id, int64_t part_size, struct wv_error *err)
{
    struct pub_hook_ctx *h = ctx;
    return h->store->created(h->store->ctx, h->rel, upload_id, part_size, err);
}

/* part_done -> store->part_done. */
static int pub_part_done(void *ctx, int part_no, const char *etag, struct wv_error *err)
{
    struct pub_hook_ctx *h = ctx;
    int rc = h->store->part_done(h->store->ctx, h->rel, part_no, etag, err);
    if (rc != 0)
        h->stopped = true;
    return rc;
}

/* Tells the store the upload of rel is over (errors go to err only if it has none yet). */
static int pub_forget(const struct stor_upload_store *store, const char *rel, struct wv_error *err)
{
    return store && store->forget ? store->forget(store->ctx, rel, err) : 0;
}

/* Uploads one file with a resume record from the store, if it keeps one. */
static int pub_s3_upload(const struct stor_target *t, const struct stor_zone_file *f,
                         const char *key, int64_t size, const struct stor_upload_store *store,
                         const struct wv_log *log, struct wv_error *err)
{
    char *id = NULL, **etags = NULL;
    size_t n_etags = 0;
    int64_t psz = 0;
    if (store && store->load &&
        store->load(store->ctx, f->rel, &id, &psz, &etags, &n_etags, err) != 0)
        return wv_error_prefix(err, "publish %s: loading its upload record", f->rel);
    struct stor_s3_resume r = {
        .upload_id = id, .part_size = psz, .etags = (const char *const *)etags, .n_etags = n_etags};
    if (id) {
        size_t have = 0;
        for (size_t i = 0; i < n_etags; i++)
            have += etags && etags[i] != NULL;
        long long parts = psz > 0 ? (long long)((size + psz - 1) / psz) : 0;
        wv_logf(log, WV_LOG_INFO, "resuming upload of %s: %zu of %lld parts already uploaded", key,
                have, parts);
    }
    struct pub_hook_ctx hc = {.store = store, .rel = f->rel};
    struct stor_s3_upload_hooks hooks = {.ctx = &hc,
                                         .created = store && store->created ? pub_created : NULL,
                                         .part_done =
                                             store && store->part_done ? pub_part_done : NULL};
    int rc = stor_s3_upload_file(&t->s3, t->bucket, key, f->stage_path, t->parallel, id ? &r : NULL,
                                 &hooks, err);
    if (rc == 0 || !hc.stopped) {
        /* completed, or given up and aborted: nothing left to resume */
        if (pub_forget(store, f->rel, err) != 0)
            rc = -1;
    }
    for (size_t i = 0; i < n_etags; i++)
        free(etags[i]);
    free(etags);
    free(id);
    if (rc == 0)
        wv_logf(log, WV_LOG_INFO, "published s3://%s/%s (%lld bytes)", t->bucket, key,
                (long long)size);
    return rc;
}

/* Publishes one file to S3 unless an object of the same size is already there. */
static int pub_s3_file(struct stor_s3 *s, const struct stor_target *t,
                       const struct stor_zone_file *f, const struct stor_upload_store *store,
                       const struct wv_log *log, struct wv_error *err)
{
    char *key = stor_target_key(t, f->rel);
    struct stat st;
    int rc = 0;
    if (stat(f->stage_path, &st) < 0)
        rc = wv_error_errno(err, errno, "staged file %s", f->stage_path);
    struct stor_s3_object o = {0};
    struct wv_error e = {0};
    if (rc == 0 && stor_s3_head(s, t->bucket, key, &o, &e) == 0 && o.size == st.st_size) {
        wv_logf(log, WV_LOG_INFO, "already published s3://%s/%s (%lld bytes)", t->bucket, key,
                (long long)o.size);
        rc = pub_forget(store, f->rel, err);
    } else if (rc == 0 && wv_error_isset(&e) && e.code != WV_E_NOTFOUND) {
        rc = wv_error_set(err, e.code, e.detail, "%s", e.msg);
    } else if (rc == 0) {
        rc = pub_s3_upload(t, f, key, (int64_t)st.st_size, store, log, err);
    }
    stor_s3_object_done(&o);
    if (rc < 0)
        wv_error_prefix(err, "publish %s", f->rel);
    free(key);
    return rc;
}

/* Deletes the .parquet objects under one overwrite stream's prefix that are not kept. */
static int pub_s3_prune(struct stor_s3 *s, const struct stor_target *t, const char *prefix,
                        const struct pub_manifest *m, const struct wv_log *log,
                        struct wv_error *err)
{
    char *base = stor_target_key(t, ""), *under = stor_target_key(t, prefix);
    char *lp = wv_asprintf("%s/", under);
    struct stor_s3_object *objs = NULL;
    size_t n = 0, skip = strlen(base);
    int rc = stor_s3_list(s, t->bucket, lp, 0, &objs, &n, err), deleted = 0;
    for (size_t i = 0; rc == 0 && i < n; i++) {
        if (strlen(objs[i].key) <= skip)
            continue;
        const char *rel = objs[i].key + skip;
        if (!wv_str_ends(rel, ".parquet") || pub_kept(m, rel) || strstr(rel, "/_") ||
            strstr(rel, "/."))
            continue;
        rc = stor_s3_delete(s, t->bucket, objs[i].key, err);
        deleted += rc == 0;
    }
    if (rc == 0 && deleted)
        wv_logf(log, WV_LOG_INFO, "overwrite: deleted %d older object(s) under s3://%s/%s", deleted,
                t->bucket, lp);
    stor_s3_objects_free(objs, n);
    free(lp);
    free(under);
    free(base);
    return rc;
}

/* S3 publish: uploads, manifest PUT, overwrite cleanup. */
static int pub_s3(const struct stor_target *t, const struct stor_zone_file *files, size_t n,
                  const char *text, const struct pub_manifest *m,
                  const struct stor_upload_store *store, const struct wv_log *log,
                  struct wv_error *err)
{
    struct stor_s3 *s = stor_s3_new(&t->s3, err);
    if (!s)
        return -1;
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < n; i++)
        rc = pub_s3_file(s, t, &files[i], store, log, err);
    char *rel = wv_asprintf("_runs/%s/_manifest.json", m->run_id), *key = stor_target_key(t, rel);
    if (rc == 0)
        rc = stor_s3_put(s, t->bucket, key, text, strlen(text), err);
    if (rc == 0)
        wv_logf(log, WV_LOG_INFO, "published s3://%s/%s", t->bucket, key);
    free(key);
    free(rel);
    for (size_t i = 0; rc == 0 && i < m->n_prefixes; i++) {
        if (!*m->prefixes[i])
            wv_logf(log, WV_LOG_WARN, "overwrite stream without a prefix: older files kept");
        else
            rc = pub_s3_prune(s, t, m->prefixes[i], m, log, err);
    }
    if (rc < 0)
        wv_error_prefix(err, "publish run %s", m->run_id);
    stor_s3_free(s);
    return rc;
}

/* Publishes a run's files and manifest (see storage.h). */
int stor_zone_publish(const struct stor_target *t, const struct stor_zone_file *files, size_t n,
                      const char *manifest_json, const struct stor_upload_store *store,
                      const struct wv_log *log, struct wv_error *err)
{
    if (!t || (!t->dir == !t->bucket) || !manifest_json)
        return wv_error_set(err, WV_E_USAGE, 0, "publish: a directory or a bucket is needed");
    for (size_t i = 0; i < n; i++)
        if (!pub_rel_ok(files[i].rel) || !files[i].stage_path)
            return wv_error_set(err, WV_E_USAGE, 0, "publish: bad file path '%s'",
                                files[i].rel ? files[i].rel : "");
    struct pub_manifest m;
    int rc = pub_parse(manifest_json, files, n, &m, err);
    if (rc == 0)
        rc = t->dir ? pub_local(t, files, n, manifest_json, &m, log, err)
                    : pub_s3(t, files, n, manifest_json, &m, store, log, err);
    pub_manifest_done(&m);
    return rc;
}
