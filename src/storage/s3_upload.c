/* s3_upload.c - resumable, parallel upload of a local file to S3 on top of the client API
 * (stor_s3_put, stor_s3_mpu_*): up to `parallel` worker threads, each with its own client,
 * pread their parts from the file and hand results back through a completion list; the calling
 * thread runs the hooks (one at a time), completes, aborts or restarts the upload. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/mem.h"
#include "storage/storage.h"

#define UP_MAX_PARALLEL 16

/* State shared by the calling thread and the workers of one pass over the parts. */
struct up_pass {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    const char *bucket, *key, *upload_id;
    int fd;
    int64_t size, part_size;
    int *todo; /* part numbers still to send */
    size_t n_todo, next;
    int *done_no;     /* completion list (part numbers, in the order they finished) */
    char **done_etag; /* ETag of done_no[i] (handed to the caller's etags) */
    size_t n_done;
    int running; /* workers still alive */
    bool stop;   /* no new parts: an error, or the caller asked to stop */
    bool failed; /* a part failed (err holds the first failure) */
    struct wv_error err;
};

/* One worker: its own client and part buffer. */
struct up_worker {
    struct up_pass *p;
    struct stor_s3 *s;
    pthread_t tid;
    bool started;
};

/* Reads exactly n bytes at off (a shorter file means it changed under us). */
static int pread_full(int fd, char *buf, size_t n, int64_t off, struct wv_error *err)
{
    size_t got = 0;
    while (got < n) {
        ssize_t k = pread(fd, buf + got, n - got, (off_t)off + (off_t)got);
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0)
            return wv_error_errno(err, errno, "read");
        if (k == 0)
            return wv_error_set(err, WV_E_IO, 0, "file shrank while uploading");
        got += (size_t)k;
    }
    return 0;
}

/* Worker thread: takes parts from the list until it is empty or the pass stops. */
static void *up_worker_main(void *arg)
{
    struct up_worker *w = arg;
    struct up_pass *p = w->p;
    char *buf = wv_malloc((size_t)p->part_size);
    pthread_mutex_lock(&p->mu);
    while (!p->stop && p->next < p->n_todo) {
        int no = p->todo[p->next++];
        pthread_mutex_unlock(&p->mu);
        int64_t off = (int64_t)(no - 1) * p->part_size;
        size_t len = (size_t)(p->size - off < p->part_size ? p->size - off : p->part_size);
        struct wv_error e = {0};
        char *etag = NULL;
        int rc = pread_full(p->fd, buf, len, off, &e);
        if (rc < 0)
            wv_error_prefix(&e, "s3://%s/%s (part %d)", p->bucket, p->key, no);
        else
            rc = stor_s3_mpu_part(w->s, p->bucket, p->key, p->upload_id, no, buf, len, &etag, &e);
        pthread_mutex_lock(&p->mu);
        if (rc == 0) {
            p->done_no[p->n_done] = no;
            p->done_etag[p->n_done++] = etag;
        } else {
            if (!p->failed)
                p->err = e;
            p->failed = true;
            p->stop = true;
        }
        pthread_cond_signal(&p->cv);
    }
    p->running--;
    pthread_cond_signal(&p->cv);
    pthread_mutex_unlock(&p->mu);
    free(buf);
    return NULL;
}

/* What one call works with. */
struct up_job {
    const struct stor_s3_config *cfg;
    const char *bucket, *key;
    int fd;
    int64_t size, part_size;
    size_t n_parts;
    int parallel;
    const struct stor_s3_upload_hooks *hooks;
    struct stor_s3 *s; /* the calling thread's client */
    char *upload_id;   /* owned */
    char **etags;      /* n_parts, owned strings or NULL */
    bool caller_stop;  /* part_done asked to stop: do not abort */
};

/* Runs the hooks for finished parts as they arrive and waits for the workers to end. Called
 * with p->mu held; returns with it held. */
static void up_collect(struct up_job *j, struct up_pass *p, struct wv_error *err)
{
    size_t head = 0;
    for (;;) {
        while (head < p->n_done) {
            int no = p->done_no[head];
            char *etag = p->done_etag[head++];
            free(j->etags[no - 1]);
            j->etags[no - 1] = etag;
            if (p->stop || !j->hooks || !j->hooks->part_done)
                continue;
            pthread_mutex_unlock(&p->mu);
            int rc = j->hooks->part_done(j->hooks->ctx, no, etag, err);
            pthread_mutex_lock(&p->mu);
            if (rc != 0) {
                wv_error_set(err, WV_E_CANCELLED, 0, "PUT s3://%s/%s: stopped after part %d",
                             j->bucket, j->key, no);
                j->caller_stop = true;
                p->stop = true;
            }
        }
        if (p->running == 0)
            break;
        pthread_cond_wait(&p->cv, &p->mu);
    }
}

/* Sends every part without an ETag, up to j->parallel at a time. */
static int up_send_parts(struct up_job *j, struct wv_error *err)
{
    struct up_pass p = {.bucket = j->bucket,
                        .key = j->key,
                        .upload_id = j->upload_id,
                        .fd = j->fd,
                        .size = j->size,
                        .part_size = j->part_size};
    p.todo = wv_calloc(j->n_parts, sizeof *p.todo);
    for (size_t i = 0; i < j->n_parts; i++)
        if (!j->etags[i])
            p.todo[p.n_todo++] = (int)i + 1;
    if (p.n_todo == 0) {
        free(p.todo);
        return 0;
    }
    p.done_no = wv_calloc(p.n_todo, sizeof *p.done_no);
    p.done_etag = wv_calloc(p.n_todo, sizeof *p.done_etag);
    size_t nw = p.n_todo < (size_t)j->parallel ? p.n_todo : (size_t)j->parallel;
    struct up_worker *w = wv_calloc(nw, sizeof *w);
    int rc = 0;
    for (size_t i = 0; i < nw && rc == 0; i++) {
        w[i].p = &p;
        w[i].s = i == 0 ? j->s : stor_s3_new(j->cfg, err);
        if (!w[i].s)
            rc = -1;
    }
    pthread_mutex_init(&p.mu, NULL);
    pthread_cond_init(&p.cv, NULL);
    pthread_mutex_lock(&p.mu);
    for (size_t i = 0; i < nw && rc == 0; i++) {
        int e = pthread_create(&w[i].tid, NULL, up_worker_main, &w[i]);
        if (e != 0) {
            rc = wv_error_errno(err, e, "PUT s3://%s/%s: starting an upload thread", j->bucket,
                                j->key);
            p.stop = true;
        } else {
            w[i].started = true;
            p.running++;
        }
    }
    up_collect(j, &p, err);
    pthread_mutex_unlock(&p.mu);
    for (size_t i = 0; i < nw; i++) {
        if (w[i].started)
            pthread_join(w[i].tid, NULL);
        if (i > 0)
            stor_s3_free(w[i].s);
    }
    if (p.failed) {
        wv_error_set(err, p.err.code, p.err.detail, "%s", p.err.msg);
        rc = -1;
    }
    if (j->caller_stop)
        rc = -1;
    pthread_cond_destroy(&p.cv);
    pthread_mutex_destroy(&p.mu);
    free(w);
    free(p.todo);
    free(p.done_no);
    free(p.done_etag);
    return rc;
}

/* Whether an error says S3 does not know the upload (NoSuchUpload: HTTP 404). */
static bool up_unknown(const struct wv_error *e)
{
    return e->code == WV_E_NOTFOUND && e->detail == 404;
}

/* Starts a new multipart upload and tells the caller (created hook). */
static int up_create(struct up_job *j, struct wv_error *err)
{
    free(j->upload_id);
    j->upload_id = NULL;
    if (stor_s3_mpu_create(j->s, j->bucket, j->key, &j->upload_id, err) < 0)
        return -1;
    if (j->hooks && j->hooks->created &&
        j->hooks->created(j->hooks->ctx, j->upload_id, j->part_size, err) != 0) {
        wv_error_set(err, WV_E_CANCELLED, 0, "PUT s3://%s/%s: stopped after creating the upload",
                     j->bucket, j->key);
        return -1;
    }
    return 0;
}

/* Sends the missing parts and completes. */
static int up_finish(struct up_job *j, struct wv_error *err)
{
    if (up_send_parts(j, err) < 0)
        return -1;
    return stor_s3_mpu_complete(j->s, j->bucket, j->key, j->upload_id, j->etags, j->n_parts, err);
}

/* Frees the ETags collected so far. */
static void up_clear_etags(struct up_job *j)
{
    for (size_t i = 0; i < j->n_parts; i++) {
        free(j->etags[i]);
        j->etags[i] = NULL;
    }
}

/* Number of parts for size bytes, checked against STOR_S3_MAX_PARTS. */
static int up_count_parts(const char *bucket, const char *key, int64_t size, int64_t part_size,
                          size_t *n, struct wv_error *err)
{
    int64_t k = (size + part_size - 1) / part_size;
    if (k > STOR_S3_MAX_PARTS)
        return wv_error_set(err, WV_E_LIMIT, 0,
                            "PUT s3://%s/%s: %lld bytes need more than %d parts of %lld bytes",
                            bucket, key, (long long)size, STOR_S3_MAX_PARTS, (long long)part_size);
    *n = (size_t)k;
    return 0;
}

/* A multipart upload, resumed from r when it fits this file. */
static int up_multipart(struct up_job *j, const struct stor_s3_resume *r, struct wv_error *err)
{
    bool resumed = false;
    if (r && r->upload_id && *r->upload_id) {
        size_t n = 0;
        struct wv_error e = {0};
        bool fits = r->part_size >= STOR_S3_MIN_PART && r->part_size <= STOR_S3_MAX_PART &&
                    up_count_parts(j->bucket, j->key, j->size, r->part_size, &n, &e) == 0;
        for (size_t i = n; fits && r->etags && i < r->n_etags; i++)
            fits = !r->etags[i]; /* an ETag past the last part: not this file's upload */
        if (fits) {
            j->part_size = r->part_size;
            j->n_parts = n;
            j->upload_id = wv_strdup(r->upload_id);
            resumed = true;
        } else {
            /* a record that does not fit this file (or this client): drop that upload */
            stor_s3_mpu_abort(j->s, j->bucket, j->key, r->upload_id, NULL);
        }
    }
    if (!resumed && up_count_parts(j->bucket, j->key, j->size, j->part_size, &j->n_parts, err) < 0)
        return -1;
    j->etags = wv_calloc(j->n_parts, sizeof *j->etags);
    if (resumed) {
        for (size_t i = 0; i < r->n_etags && i < j->n_parts; i++)
            j->etags[i] = r->etags && r->etags[i] && *r->etags[i] ? wv_strdup(r->etags[i]) : NULL;
        struct wv_error e = {0};
        if (up_finish(j, &e) == 0)
            return 0;
        if (j->caller_stop || !up_unknown(&e)) {
            wv_error_set(err, e.code, e.detail, "%s", e.msg);
            if (!j->caller_stop)
                stor_s3_mpu_abort(j->s, j->bucket, j->key, j->upload_id, NULL);
            return -1;
        }
        /* S3 forgot the upload (completed, aborted or expired): start over */
        up_clear_etags(j);
    }
    if (up_create(j, err) < 0) {
        if (j->upload_id)
            stor_s3_mpu_abort(j->s, j->bucket, j->key, j->upload_id, NULL);
        return -1;
    }
    if (up_finish(j, err) == 0)
        return 0;
    if (!j->caller_stop)
        stor_s3_mpu_abort(j->s, j->bucket, j->key, j->upload_id, NULL);
    return -1;
}

/* One PUT of a small file. */
static int up_single(struct up_job *j, struct wv_error *err)
{
    char *buf = wv_malloc(j->size > 0 ? (size_t)j->size : 1);
    int rc = pread_full(j->fd, buf, (size_t)j->size, 0, err);
    if (rc < 0)
        wv_error_prefix(err, "PUT s3://%s/%s", j->bucket, j->key);
    else
        rc = stor_s3_put(j->s, j->bucket, j->key, buf, (size_t)j->size, err);
    free(buf);
    return rc;
}

/* Uploads a file (see storage.h). */
int stor_s3_upload_file(const struct stor_s3_config *cfg, const char *bucket, const char *key,
                        const char *path, int parallel, const struct stor_s3_resume *resume,
                        const struct stor_s3_upload_hooks *hooks, struct wv_error *err)
{
    struct up_job j = {.cfg = cfg,
                       .bucket = bucket,
                       .key = key,
                       .hooks = hooks,
                       .parallel = parallel <= 0                ? 4
                                   : parallel > UP_MAX_PARALLEL ? UP_MAX_PARALLEL
                                                                : parallel};
    j.fd = open(path, O_RDONLY | O_CLOEXEC);
    if (j.fd < 0)
        return wv_error_errno(err, errno, "PUT s3://%s/%s: open %s", bucket, key, path);
    struct stat st;
    if (fstat(j.fd, &st) < 0) {
        int e = errno;
        close(j.fd);
        return wv_error_errno(err, e, "PUT s3://%s/%s: stat %s", bucket, key, path);
    }
    j.size = (int64_t)st.st_size;
    j.s = stor_s3_new(cfg, err);
    int rc = -1;
    if (j.s) {
        j.part_size = stor_s3_part_size(j.s);
        if (j.size <= j.part_size) {
            /* one PUT; a recorded multipart upload of it (part size changed) is dropped */
            rc = up_single(&j, err);
            if (rc == 0 && resume && resume->upload_id)
                stor_s3_mpu_abort(j.s, bucket, key, resume->upload_id, NULL);
        } else {
            rc = up_multipart(&j, resume, err);
        }
    }
    for (size_t i = 0; j.etags && i < j.n_parts; i++)
        free(j.etags[i]);
    free(j.etags);
    free(j.upload_id);
    stor_s3_free(j.s);
    close(j.fd);
    return rc;
}
