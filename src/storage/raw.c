/* raw.c - the local raw zone writer: a run's records as JSONL parts per stream, staged under
 * _weaver_staging/<run_id>/ and published by rename (append at checkpoints, overwrite at finish;
 * append_dedup compaction at finish is in raw_dedup.c). Line columns follow Airbyte Destinations
 * V2 raw records (_airbyte_raw_id, _airbyte_extracted_at, _airbyte_generation_id, _airbyte_meta,
 * _airbyte_data; docs.airbyte.com/integrations/destinations/s3 "JSON Lines"). A writer belongs to
 * the worker thread that runs the sync. */
#include "storage/raw_int.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/clock.h"
#include "base/fs.h"
#include "base/mem.h"

#define RAW_STAGING "_weaver_staging"
#define RAW_ID_HEAD "{\"_airbyte_raw_id\":\""

/* ---------------- small helpers ---------------- */

/* Whether s can be one path component. */
static bool valid_component(const char *s)
{
    return s && *s && !strchr(s, '/') && strcmp(s, ".") != 0 && strcmp(s, "..") != 0;
}


/* ---------------- staged parts ---------------- */

/* Creates the staged file <run_id>-<kind><n>.jsonl for the dt= partition `date` of rel, taking
 * the first n (from *next) whose staged and final names are both free. */
int stor_raw_int_part_open(struct stor_raw *w, struct raw_part *p, const char *rel,
                           const char *date, const char *kind, int *next, struct wv_error *err)
{
    char *sdir = wv_asprintf("%s/%s/dt=%s", w->stage, rel, date);
    if (wv_fs_mkdirs(sdir, 0755, err) < 0) {
        free(sdir);
        return -1;
    }
    p->final_dir = wv_asprintf("%s/%s/dt=%s", w->root, rel, date);
    for (;;) {
        if (*next == INT_MAX) {
            wv_error_set(err, WV_E_LIMIT, 0, "%s: too many parts", sdir);
            break;
        }
        char *name = wv_asprintf("%s-%s%05d.jsonl", w->run_id, kind, (*next)++);
        p->final_path = wv_path_join(p->final_dir, name);
        p->stage_path = wv_path_join(sdir, name);
        free(name);
        if (!wv_fs_exists(p->final_path)) {
            p->fd = open(p->stage_path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
            if (p->fd >= 0)
                break;
            if (errno != EEXIST) {
                wv_error_errno(err, errno, "create %s", p->stage_path);
                break;
            }
        }
        free(p->final_path);
        free(p->stage_path);
        p->final_path = p->stage_path = NULL;
    }
    free(sdir);
    p->size = 0;
    return p->fd >= 0 ? 0 : -1;
}

/* Writes the buffered bytes out. */
int stor_raw_int_part_flush(struct raw_part *p, struct wv_error *err)
{
    if (p->buf.len && wv_fs_write_all(p->fd, p->buf.data, p->buf.len, p->stage_path, err) < 0)
        return -1;
    wv_buf_reset(&p->buf);
    return 0;
}

/* Flushes, fsyncs and closes the file (closed even on error). */
int stor_raw_int_part_seal(struct raw_part *p, struct wv_error *err)
{
    int rc = stor_raw_int_part_flush(p, err);
    if (rc == 0)
        rc = wv_fs_fsync_fd(p->fd, p->stage_path, err);
    if (close(p->fd) < 0 && rc == 0)
        rc = wv_error_errno(err, errno, "close %s", p->stage_path);
    p->fd = -1;
    wv_buf_reset(&p->buf);
    return rc;
}

/* Renames a sealed file to its final path and makes that durable. */
int stor_raw_int_part_publish(const struct raw_part *p, struct wv_error *err)
{
    if (wv_fs_mkdirs_durable(p->final_dir, 0755, err) < 0)
        return -1;
    if (rename(p->stage_path, p->final_path) < 0)
        return wv_error_errno(err, errno, "rename %s -> %s", p->stage_path, p->final_path);
    return wv_fs_fsync_dir(p->final_dir, err);
}

/* Frees a part's paths (the buffer stays for the next part). */
static void part_clear(struct raw_part *p)
{
    free(p->stage_path);
    free(p->final_dir);
    free(p->final_path);
    p->stage_path = p->final_dir = p->final_path = NULL;
}

/* Closes (without publishing) and frees a part entirely. */
void stor_raw_int_part_done(struct raw_part *p)
{
    if (p->fd >= 0)
        close(p->fd);
    p->fd = -1;
    part_clear(p);
    wv_buf_done(&p->buf);
}

/* Moves a sealed part's paths onto the end of a list (which grows); src keeps its buffer. */
void stor_raw_int_part_move(struct raw_part **list, size_t *n, struct raw_part *src)
{
    *list = wv_realloc(*list, (*n + 1) * sizeof **list);
    struct raw_part *d = &(*list)[(*n)++];
    memset(d, 0, sizeof *d);
    d->fd = -1;
    d->stage_path = src->stage_path;
    d->final_dir = src->final_dir;
    d->final_path = src->final_path;
    src->stage_path = src->final_dir = src->final_path = NULL;
}

/* ---------------- published files of a stream ---------------- */

/* Orders files by name, then by directory: the order in which later lines win ties. */
static int cmp_file(const void *a, const void *b)
{
    const struct raw_file *x = a, *y = b;
    int c = strcmp(x->base, y->base);
    return c ? c : (x->dir > y->dir) - (x->dir < y->dir);
}

/* Adds the .jsonl files of one dt= directory to fl. */
static int flist_add_dir(struct raw_flist *fl, const char *dir, struct wv_error *err)
{
    char **names = NULL;
    if (wv_fs_list(dir, &names, err) < 0)
        return -1;
    fl->dirs = wv_realloc(fl->dirs, (fl->n_dirs + 1) * sizeof *fl->dirs);
    fl->dirs[fl->n_dirs++] = wv_strdup(dir);
    for (char **nm = names; *nm; nm++) {
        struct stat st;
        char *path = wv_path_join(dir, *nm);
        if (!wv_str_ends(*nm, ".jsonl") || stat(path, &st) < 0 || !S_ISREG(st.st_mode)) {
            free(path);
            continue;
        }
        fl->f = wv_realloc(fl->f, (fl->n + 1) * sizeof *fl->f);
        fl->f[fl->n++] = (struct raw_file){path, path + strlen(dir) + 1, fl->n_dirs - 1, NULL, 0};
    }
    wv_strv_free(names);
    return 0;
}

/* Lists the published .jsonl files of a stream (every dt= partition), sorted by cmp_file. */
int stor_raw_int_flist_load(const struct stor_raw *w, const struct raw_stream *s,
                            struct raw_flist *fl, struct wv_error *err)
{
    memset(fl, 0, sizeof *fl);
    char *sdir = wv_asprintf("%s/%s", w->root, s->rel);
    char **dts = NULL;
    int rc = wv_fs_list(sdir, &dts, err);
    for (char **d = dts; rc == 0 && *d; d++) {
        char *dir = wv_path_join(sdir, *d);
        if (wv_str_starts(*d, "dt=") && wv_fs_is_dir(dir))
            rc = flist_add_dir(fl, dir, err);
        free(dir);
    }
    wv_strv_free(dts);
    free(sdir);
    if (fl->n)
        qsort(fl->f, fl->n, sizeof *fl->f, cmp_file);
    return rc;
}

/* Frees a file list (unmapping what was mapped). */
void stor_raw_int_flist_done(struct raw_flist *fl)
{
    for (size_t i = 0; i < fl->n; i++) {
        if (fl->f[i].map)
            munmap((void *)fl->f[i].map, fl->f[i].size);
        free(fl->f[i].path);
    }
    for (size_t i = 0; i < fl->n_dirs; i++)
        free(fl->dirs[i]);
    free(fl->f);
    free(fl->dirs);
    memset(fl, 0, sizeof *fl);
}

/* Deletes the listed files, then removes dt= directories left empty; every change is fsynced. */
int stor_raw_int_flist_remove(const struct stor_raw *w, const struct raw_stream *s,
                              const struct raw_flist *fl, struct wv_error *err)
{
    for (size_t i = 0; i < fl->n; i++)
        if (unlink(fl->f[i].path) < 0 && errno != ENOENT)
            return wv_error_errno(err, errno, "unlink %s", fl->f[i].path);
    bool removed = false;
    for (size_t i = 0; i < fl->n_dirs; i++) {
        if (rmdir(fl->dirs[i]) == 0)
            removed = true;
        else if (wv_fs_fsync_dir(fl->dirs[i], err) < 0)
            return -1;
    }
    if (!removed)
        return 0;
    char *sdir = wv_asprintf("%s/%s", w->root, s->rel);
    int rc = wv_fs_fsync_dir(sdir, err);
    free(sdir);
    return rc;
}

/* ---------------- streams ---------------- */

/* Whether a destination mode replaces the stream's files at finish. */
static bool is_overwrite(enum wv_dest_mode m)
{
    return m == WV_DEST_OVERWRITE || m == WV_DEST_OVERWRITE_DEDUP;
}

/* Whether a destination mode keeps one record per primary key. */
static bool is_dedup(enum wv_dest_mode m)
{
    return m == WV_DEST_APPEND_DEDUP || m == WV_DEST_OVERWRITE_DEDUP;
}

/* Finds a declared stream; ns "" is the same as NULL. */
static struct raw_stream *stream_find(struct stor_raw *w, const char *ns, const char *name)
{
    if (ns && !*ns)
        ns = NULL;
    if (w->last < w->n && wv_str_eq(w->streams[w->last]->name, name) &&
        wv_str_eq(w->streams[w->last]->ns, ns))
        return w->streams[w->last];
    for (size_t i = 0; i < w->n; i++) {
        if (wv_str_eq(w->streams[i]->name, name) && wv_str_eq(w->streams[i]->ns, ns)) {
            w->last = i;
            return w->streams[i];
        }
    }
    return NULL;
}

/* Frees a stream, closing (not publishing) its open part. */
static void stream_free(struct raw_stream *s)
{
    stor_raw_int_part_done(&s->part);
    for (size_t i = 0; i < s->n_staged; i++)
        stor_raw_int_part_done(&s->staged[i]);
    free(s->staged);
    for (size_t i = 0; i < s->n_pk; i++)
        wv_path_done(&s->pk[i]);
    free(s->pk);
    wv_path_done(&s->cursor);
    free(s->ns);
    free(s->name);
    free(s->rel);
    free(s->label);
    free(s);
}

/* Makes a stream's open part durable; append modes publish it, overwrite keeps it staged. */
static int stream_checkpoint(struct raw_stream *s, struct wv_error *err)
{
    if (s->broken)
        return wv_error_set(err, WV_E_IO, 0, "stream %s: an earlier write failed", s->label);
    if (s->part.fd < 0)
        return 0;
    if (stor_raw_int_part_seal(&s->part, err) < 0)
        goto broken;
    if (is_overwrite(s->mode)) {
        stor_raw_int_part_move(&s->staged, &s->n_staged, &s->part);
        return 0;
    }
    if (stor_raw_int_part_publish(&s->part, err) < 0)
        goto broken;
    s->st.files++;
    part_clear(&s->part);
    return 0;
broken:
    s->broken = true;
    return wv_error_prefix(err, "stream %s", s->label);
}

/* Overwrite at finish: publishes the staged parts, then deletes the stream's older files. */
static int overwrite_publish(struct stor_raw *w, struct raw_stream *s, struct wv_error *err)
{
    struct raw_flist old;
    int rc = stor_raw_int_flist_load(w, s, &old, err);
    for (size_t i = 0; rc == 0 && i < s->n_staged; i++) {
        rc = stor_raw_int_part_publish(&s->staged[i], err);
        if (rc == 0)
            s->st.files++;
    }
    if (rc == 0)
        rc = stor_raw_int_flist_remove(w, s, &old, err);
    stor_raw_int_flist_done(&old);
    return rc;
}

/* ---------------- public API ---------------- */

/* Opens a run's writer: root and staging are created, a stale staging of this run id removed. */
struct stor_raw *stor_raw_open(const char *root, const char *run_id, int64_t extracted_at_ms,
                               int64_t generation_id, int64_t sync_id, struct wv_error *err)
{
    if (!valid_component(run_id)) {
        wv_error_set(err, WV_E_USAGE, 0, "raw zone: invalid run id '%s'", run_id ? run_id : "");
        return NULL;
    }
    struct stor_raw *w = wv_calloc(1, sizeof *w);
    w->root = wv_strdup(root);
    w->run_id = wv_strdup(run_id);
    w->stage = wv_asprintf("%s/%s/%s", root, RAW_STAGING, run_id);
    wv_time_date(extracted_at_ms, w->date, sizeof w->date);
    w->mid = wv_asprintf("\",\"_airbyte_extracted_at\":%lld,\"_airbyte_generation_id\":%lld,"
                         "\"_airbyte_meta\":{\"sync_id\":%lld,\"changes\":[]},\"_airbyte_data\":",
                         (long long)extracted_at_ms, (long long)generation_id, (long long)sync_id);
    w->mid_len = strlen(w->mid);
    if (stor_rawid_init(&w->ids, err) < 0 || wv_fs_mkdirs_durable(root, 0755, err) < 0 ||
        wv_fs_rmtree(w->stage, err) < 0 || wv_fs_mkdirs(w->stage, 0755, err) < 0) {
        w->finished = true; /* nothing of ours to remove */
        stor_raw_free(w);
        return NULL;
    }
    return w;
}

/* Declares a stream. */
int stor_raw_add_stream(struct stor_raw *w, const struct stor_raw_stream_cfg *cfg,
                        struct wv_error *err)
{
    const char *ns = cfg->ns && *cfg->ns ? cfg->ns : NULL;
    if (!valid_component(cfg->name) || (ns && !valid_component(ns)) ||
        wv_str_eq(ns ? ns : cfg->name, RAW_STAGING))
        return wv_error_set(err, WV_E_CONFIG, 0, "raw zone: invalid stream name '%s%s%s'",
                            ns ? ns : "", ns ? "." : "", cfg->name ? cfg->name : "");
    if (w->finished)
        return wv_error_set(err, WV_E_USAGE, 0, "raw zone: run %s already finished", w->run_id);
    if (stream_find(w, ns, cfg->name))
        return wv_error_set(err, WV_E_CONFLICT, 0, "raw zone: stream %s%s%s declared twice",
                            ns ? ns : "", ns ? "." : "", cfg->name);
    bool pk_ok = !is_dedup(cfg->mode) || cfg->n_pk > 0;
    for (size_t i = 0; i < cfg->n_pk; i++)
        pk_ok = pk_ok && cfg->pk[i].n > 0;
    if (!pk_ok)
        return wv_error_set(err, WV_E_CONFIG, 0, "raw zone: stream %s: %s needs a primary key",
                            cfg->name, wv_dest_mode_name(cfg->mode));
    struct raw_stream *s = wv_calloc(1, sizeof *s);
    s->ns = wv_strdup(ns);
    s->name = wv_strdup(cfg->name);
    s->rel = ns ? wv_asprintf("%s/%s", ns, cfg->name) : wv_strdup(cfg->name);
    s->label = ns ? wv_asprintf("%s.%s", ns, cfg->name) : wv_strdup(cfg->name);
    s->mode = cfg->mode;
    s->part.fd = -1;
    s->n_pk = cfg->n_pk;
    s->pk = wv_calloc(cfg->n_pk ? cfg->n_pk : 1, sizeof *s->pk);
    for (size_t i = 0; i < cfg->n_pk; i++)
        wv_path_copy(&s->pk[i], &cfg->pk[i]);
    if (cfg->cursor && cfg->cursor->n)
        wv_path_copy(&s->cursor, cfg->cursor);
    w->streams = wv_realloc(w->streams, (w->n + 1) * sizeof *w->streams);
    w->streams[w->n++] = s;
    return 0;
}

/* Appends one record line to the stream's open part (opened on the first record). */
int stor_raw_write(struct stor_raw *w, const char *ns, const char *stream,
                   const struct wv_json *data, struct wv_error *err)
{
    struct raw_stream *s = stream_find(w, ns, stream);
    if (!s)
        return wv_error_set(err, WV_E_NOTFOUND, 0, "raw zone: stream %s%s%s not declared",
                            ns && *ns ? ns : "", ns && *ns ? "." : "", stream);
    if (s->broken || w->finished)
        return wv_error_set(err, WV_E_IO, 0, "stream %s: %s", s->label,
                            s->broken ? "an earlier write failed" : "run already finished");
    if (!wv_json_is(data, WV_JSON_OBJECT))
        return wv_error_set(err, WV_E_PROTOCOL, 0, "stream %s: record data is not an object",
                            s->label);
    if (s->part.fd < 0 &&
        stor_raw_int_part_open(w, &s->part, s->rel, w->date, "", &s->next_part, err) < 0) {
        part_clear(&s->part);
        return wv_error_prefix(err, "stream %s", s->label);
    }
    struct wv_buf *b = &s->part.buf;
    size_t start = b->len, head = sizeof RAW_ID_HEAD - 1;
    if (wv_buf_reserve(b, head + 36 + w->mid_len, err) < 0)
        return wv_error_prefix(err, "stream %s", s->label);
    memcpy(b->data + b->len, RAW_ID_HEAD, head);
    stor_rawid_next(&w->ids, b->data + b->len + head);
    memcpy(b->data + b->len + head + 36, w->mid, w->mid_len);
    b->len += head + 36 + w->mid_len;
    if (wv_json_write(b, data, err) < 0 || wv_buf_append(b, "}\n", 2, err) < 0) {
        b->len = start;
        b->data[start] = '\0';
        return wv_error_prefix(err, "stream %s", s->label);
    }
    size_t n = b->len - start;
    s->part.size += (int64_t)n;
    s->st.records++;
    s->st.bytes += (int64_t)n;
    if (b->len >= RAW_FLUSH_AT && stor_raw_int_part_flush(&s->part, err) < 0) {
        s->broken = true;
        return wv_error_prefix(err, "stream %s", s->label);
    }
    return 0;
}

/* Checkpoints one stream or (stream NULL) every stream. */
int stor_raw_checkpoint(struct stor_raw *w, const char *ns, const char *stream,
                        struct wv_error *err)
{
    if (w->finished)
        return wv_error_set(err, WV_E_USAGE, 0, "raw zone: run %s already finished", w->run_id);
    if (stream) {
        struct raw_stream *s = stream_find(w, ns, stream);
        if (!s)
            return wv_error_set(err, WV_E_NOTFOUND, 0, "raw zone: stream %s%s%s not declared",
                                ns && *ns ? ns : "", ns && *ns ? "." : "", stream);
        return stream_checkpoint(s, err);
    }
    for (size_t i = 0; i < w->n; i++)
        if (stream_checkpoint(w->streams[i], err) < 0)
            return -1;
    return 0;
}

/* Ends a successful run: checkpoint, overwrite publish, dedup compaction, staging removal.
 * A dedup stream is compacted when it holds files no compaction covered: this run's, or those
 * published by runs killed before their compaction (their records were re-read). */
int stor_raw_finish(struct stor_raw *w, struct wv_error *err)
{
    if (stor_raw_checkpoint(w, NULL, NULL, err) < 0)
        return -1;
    for (size_t i = 0; i < w->n; i++) {
        struct raw_stream *s = w->streams[i];
        int rc = 0;
        if (is_overwrite(s->mode))
            rc = overwrite_publish(w, s, err);
        bool needs = false;
        if (rc == 0 && is_dedup(s->mode))
            rc = stor_raw_int_needs_compact(w, s, &needs, err);
        if (rc == 0 && needs)
            rc = stor_raw_int_compact(w, s, err);
        if (rc < 0) {
            s->broken = true;
            return wv_error_prefix(err, "stream %s", s->label);
        }
    }
    w->finished = true;
    if (wv_fs_rmtree(w->stage, err) < 0)
        return -1;
    char *top = wv_asprintf("%s/%s", w->root, RAW_STAGING);
    rmdir(top); /* only when no other run is staging */
    free(top);
    return 0;
}

/* Sums the statistics of one stream or of all. */
void stor_raw_stats(const struct stor_raw *w, const char *ns, const char *stream,
                    struct stor_raw_stats *out)
{
    memset(out, 0, sizeof *out);
    if (!w)
        return;
    if (ns && !*ns)
        ns = NULL;
    for (size_t i = 0; i < w->n; i++) {
        const struct raw_stream *s = w->streams[i];
        if (stream && (!wv_str_eq(s->name, stream) || !wv_str_eq(s->ns, ns)))
            continue;
        out->records += s->st.records;
        out->bytes += s->st.bytes;
        out->files += s->st.files;
    }
}

/* Frees the writer; an unfinished run's staging is removed (published files stay). */
void stor_raw_free(struct stor_raw *w)
{
    if (!w)
        return;
    for (size_t i = 0; i < w->n; i++)
        stream_free(w->streams[i]);
    free(w->streams);
    if (!w->finished) {
        wv_fs_rmtree(w->stage, NULL);
        char *top = wv_asprintf("%s/%s", w->root, RAW_STAGING);
        rmdir(top);
        free(top);
    }
    free(w->root);
    free(w->run_id);
    free(w->stage);
    free(w->mid);
    free(w);
}

/* Removes every run's staging under root. */
int stor_raw_gc(const char *root, struct wv_error *err)
{
    char *p = wv_asprintf("%s/%s", root, RAW_STAGING);
    int rc = wv_fs_rmtree(p, err);
    free(p);
    return rc;
}
