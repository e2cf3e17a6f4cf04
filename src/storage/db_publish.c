/* db_publish.c - staged runs waiting for their publish (table publishes: status, staging
 * directory, manifest, the STATE messages to commit when the files are published) and the
 * progress of multipart uploads (tables uploads, upload_parts), so that a publish interrupted
 * by a crash resumes in the next process. Same thread rules as db.c. */
#include "storage/storage.h"
#include "storage/db_int.h"

#include <stdlib.h>
#include <string.h>

#include "base/mem.h"

static const char *const pub_status_names[] = {
#define STOR_X_PSN(id, text) text,
    STOR_PUB_STATUSES(STOR_X_PSN)
#undef STOR_X_PSN
};

#define N_PUB_STATUSES (sizeof pub_status_names / sizeof pub_status_names[0])

/* "staged" ... */
const char *stor_pub_status_name(enum stor_pub_status s)
{
    return (size_t)s < N_PUB_STATUSES ? pub_status_names[s] : "?";
}

static int pub_status_parse(const char *s, enum stor_pub_status *out)
{
    for (size_t i = 0; s && i < N_PUB_STATUSES; i++)
        if (strcmp(pub_status_names[i], s) == 0) {
            *out = (enum stor_pub_status)i;
            return 0;
        }
    return -1;
}

/* Records a staged run. */
int stor_publish_stage(struct stor_db *db, const struct stor_publish *p, int64_t now_ms,
                       struct wv_error *err)
{
    return stor_dbi_run(db,
                        "INSERT INTO publishes (job_id, connection, destination, status,"
                        " stage_dir, manifest_json, states_json, created_ms, updated_ms)"
                        " VALUES (?1, ?2, ?3, 'staged', ?4, ?5, ?6, ?7, ?7)",
                        "record staged run",
                        ARGS(A_INT(p->job_id), A_TEXT(p->connection), A_TEXT(p->destination),
                             A_TEXT(p->stage_dir), A_TEXT(p->manifest_json),
                             A_TEXT(p->states_json ? p->states_json : "[]"), A_INT(now_ms)),
                        NULL, err);
}

/* Updates a run's status. */
int stor_publish_set(struct stor_db *db, int64_t job_id, enum stor_pub_status status,
                     const char *reason, int64_t now_ms, struct wv_error *err)
{
    int changes = 0;
    if (stor_dbi_run(db,
                     "UPDATE publishes SET status = ?2, reason = ?3, updated_ms = ?4"
                     " WHERE job_id = ?1",
                     "update staged run",
                     ARGS(A_INT(job_id), A_TEXT(stor_pub_status_name(status)), A_TEXT(reason),
                          A_INT(now_ms)),
                     &changes, err) < 0)
        return -1;
    if (changes == 0)
        return wv_error_set(err, WV_E_NOTFOUND, 0, "state.db: no staged run for job %lld",
                            (long long)job_id);
    return 0;
}

/* Fills a run from a row of SELECT_COLS. */
#define SELECT_COLS                                                                                \
    "job_id, connection, destination, status, stage_dir, manifest_json, states_json, reason,"     \
    " created_ms, updated_ms"

static int pub_from_row(sqlite3_stmt *st, struct stor_publish *p, struct wv_error *err)
{
    memset(p, 0, sizeof *p);
    p->job_id = sqlite3_column_int64(st, 0);
    p->connection = stor_dbi_strdup(st, 1);
    p->destination = stor_dbi_strdup(st, 2);
    const char *status = (const char *)sqlite3_column_text(st, 3);
    p->stage_dir = stor_dbi_strdup(st, 4);
    p->manifest_json = stor_dbi_strdup(st, 5);
    p->states_json = stor_dbi_strdup(st, 6);
    p->reason = stor_dbi_strdup(st, 7);
    p->created_ms = sqlite3_column_int64(st, 8);
    p->updated_ms = sqlite3_column_int64(st, 9);
    if (pub_status_parse(status, &p->status) < 0 || !p->connection || !p->manifest_json ||
        !p->states_json || !p->stage_dir)
        return wv_error_set(err, WV_E_DB, 0, "state.db: staged run %lld: invalid row",
                            (long long)p->job_id);
    return 0;
}

/* Frees a run's strings. */
void stor_publish_done(struct stor_publish *p)
{
    if (!p)
        return;
    free(p->connection);
    free(p->destination);
    free(p->stage_dir);
    free(p->manifest_json);
    free(p->states_json);
    free(p->reason);
    memset(p, 0, sizeof *p);
}

void stor_publish_list_free(struct stor_publish *p, size_t n)
{
    for (size_t i = 0; p && i < n; i++)
        stor_publish_done(&p[i]);
    free(p);
}

/* Runs in a status. */
int stor_publish_list(struct stor_db *db, const char *connection, enum stor_pub_status status,
                      struct stor_publish **out, size_t *n, struct wv_error *err)
{
    *out = NULL;
    *n = 0;
    sqlite3_stmt *st = stor_dbi_prepare(db,
                                        "SELECT " SELECT_COLS " FROM publishes WHERE status = ?1"
                                        " AND (?2 IS NULL OR connection = ?2) ORDER BY job_id",
                                        "list staged runs",
                                        ARGS(A_TEXT(stor_pub_status_name(status)),
                                             A_TEXT(connection)),
                                        err);
    if (!st)
        return -1;
    size_t cap = 0;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (*n == cap) {
            cap = cap ? cap * 2 : 4;
            *out = wv_realloc(*out, cap * sizeof **out);
        }
        if (pub_from_row(st, &(*out)[(*n)++], err) < 0) {
            sqlite3_finalize(st);
            stor_publish_list_free(*out, *n);
            *out = NULL;
            *n = 0;
            return -1;
        }
    }
    if (rc != SQLITE_DONE) {
        stor_dbi_fail(db, rc, "list staged runs", err);
        sqlite3_finalize(st);
        stor_publish_list_free(*out, *n);
        *out = NULL;
        *n = 0;
        return -1;
    }
    sqlite3_finalize(st);
    return 0;
}

/* One run. */
int stor_publish_get(struct stor_db *db, int64_t job_id, struct stor_publish *out,
                     struct wv_error *err)
{
    memset(out, 0, sizeof *out);
    sqlite3_stmt *st = stor_dbi_prepare(db, "SELECT " SELECT_COLS " FROM publishes WHERE job_id = ?1",
                                        "read staged run", ARGS(A_INT(job_id)), err);
    if (!st)
        return -1;
    int rc = sqlite3_step(st), r = 0;
    if (rc == SQLITE_ROW)
        r = pub_from_row(st, out, err);
    else if (rc == SQLITE_DONE)
        r = wv_error_set(err, WV_E_NOTFOUND, 0, "no staged run for job %lld", (long long)job_id);
    else
        r = stor_dbi_fail(db, rc, "read staged run", err);
    sqlite3_finalize(st);
    if (r < 0)
        stor_publish_done(out);
    return r;
}

/* Commits a run's states and marks it published, in one transaction. */
int stor_publish_commit(struct stor_db *db, int64_t job_id, int64_t now_ms,
                        struct wv_error *err)
{
    struct stor_publish p;
    if (stor_publish_get(db, job_id, &p, err) < 0)
        return -1;
    struct wv_json *states = wv_json_parse(p.states_json, strlen(p.states_json), "state.db", err);
    int rc = states ? 0 : -1;
    if (rc == 0 && states->type != WV_JSON_ARRAY)
        rc = wv_error_set(err, WV_E_DB, 0, "state.db: staged run %lld: states are not a list",
                          (long long)job_id);
    if (rc == 0)
        rc = stor_dbi_begin(db, err);
    for (size_t i = 0; rc == 0 && i < states->len; i++) {
        struct wv_msg m;
        struct wv_json *copy = wv_json_dup(states->items[i]);
        if (wv_msg_from_json(copy, "state.db", (long)i + 1, &m, err) < 0) {
            rc = -1;
            break;
        }
        rc = stor_dbi_state_put(db, p.connection, &m, job_id, now_ms, err);
        wv_msg_done(&m);
    }
    if (rc == 0)
        rc = stor_dbi_run(db,
                          "UPDATE publishes SET status = 'published', reason = NULL,"
                          " updated_ms = ?2 WHERE job_id = ?1",
                          "mark run published", ARGS(A_INT(job_id), A_INT(now_ms)), NULL, err);
    if (rc == 0)
        rc = stor_dbi_run(db, "DELETE FROM uploads WHERE job_id = ?1", "forget uploads",
                          ARGS(A_INT(job_id)), NULL, err);
    if (rc == 0)
        rc = stor_dbi_commit(db, err);
    if (rc < 0)
        stor_dbi_rollback(db);
    wv_json_free(states);
    stor_publish_done(&p);
    return rc;
}

/* ---- multipart uploads ---- */

int stor_upload_load(struct stor_db *db, int64_t job_id, const char *rel, char **upload_id,
                     int64_t *part_size, char ***etags, size_t *n_etags, struct wv_error *err)
{
    *upload_id = NULL;
    *etags = NULL;
    *n_etags = 0;
    *part_size = 0;
    sqlite3_stmt *st = stor_dbi_prepare(db,
                                        "SELECT upload_id, part_size FROM uploads"
                                        " WHERE job_id = ?1 AND rel = ?2",
                                        "read upload", ARGS(A_INT(job_id), A_TEXT(rel)), err);
    if (!st)
        return -1;
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        *upload_id = stor_dbi_strdup(st, 0);
        *part_size = sqlite3_column_int64(st, 1);
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return stor_dbi_fail(db, rc, "read upload", err);
    if (!*upload_id)
        return 0;
    st = stor_dbi_prepare(db,
                          "SELECT part_no, etag FROM upload_parts WHERE job_id = ?1 AND rel = ?2"
                          " ORDER BY part_no",
                          "read upload parts", ARGS(A_INT(job_id), A_TEXT(rel)), err);
    if (!st)
        goto fail;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        int no = sqlite3_column_int(st, 0);
        if (no < 1 || no > STOR_S3_MAX_PARTS)
            continue;
        if ((size_t)no > *n_etags) {
            *etags = wv_realloc(*etags, (size_t)no * sizeof **etags);
            for (size_t i = *n_etags; i < (size_t)no; i++)
                (*etags)[i] = NULL;
            *n_etags = (size_t)no;
        }
        free((*etags)[no - 1]);
        (*etags)[no - 1] = stor_dbi_strdup(st, 1);
    }
    sqlite3_finalize(st);
    if (rc == SQLITE_DONE)
        return 0;
    stor_dbi_fail(db, rc, "read upload parts", err);
fail:
    for (size_t i = 0; i < *n_etags; i++)
        free((*etags)[i]);
    free(*etags);
    free(*upload_id);
    *upload_id = NULL;
    *etags = NULL;
    *n_etags = 0;
    return -1;
}

int stor_upload_created(struct stor_db *db, int64_t job_id, const char *rel,
                        const char *upload_id, int64_t part_size, struct wv_error *err)
{
    if (stor_dbi_begin(db, err) < 0)
        return -1;
    if (stor_dbi_run(db, "DELETE FROM uploads WHERE job_id = ?1 AND rel = ?2", "record upload",
                     ARGS(A_INT(job_id), A_TEXT(rel)), NULL, err) < 0 ||
        stor_dbi_run(db,
                     "INSERT INTO uploads (job_id, rel, upload_id, part_size)"
                     " VALUES (?1, ?2, ?3, ?4)",
                     "record upload",
                     ARGS(A_INT(job_id), A_TEXT(rel), A_TEXT(upload_id), A_INT(part_size)), NULL,
                     err) < 0 ||
        stor_dbi_commit(db, err) < 0)
        return stor_dbi_fail_tx(db);
    return 0;
}

int stor_upload_part(struct stor_db *db, int64_t job_id, const char *rel, int part_no,
                     const char *etag, struct wv_error *err)
{
    return stor_dbi_run(db,
                        "INSERT OR REPLACE INTO upload_parts (job_id, rel, part_no, etag)"
                        " VALUES (?1, ?2, ?3, ?4)",
                        "record uploaded part",
                        ARGS(A_INT(job_id), A_TEXT(rel), A_INT(part_no), A_TEXT(etag)), NULL,
                        err);
}

int stor_upload_forget(struct stor_db *db, int64_t job_id, const char *rel,
                       struct wv_error *err)
{
    return stor_dbi_run(db, "DELETE FROM uploads WHERE job_id = ?1 AND rel = ?2",
                        "forget upload", ARGS(A_INT(job_id), A_TEXT(rel)), NULL, err);
}

int stor_upload_list(struct stor_db *db, int64_t job_id, char ***rels, char ***upload_ids,
                     size_t *n, struct wv_error *err)
{
    *rels = *upload_ids = NULL;
    *n = 0;
    sqlite3_stmt *st = stor_dbi_prepare(db,
                                        "SELECT rel, upload_id FROM uploads WHERE job_id = ?1"
                                        " ORDER BY rel",
                                        "list uploads", ARGS(A_INT(job_id)), err);
    if (!st)
        return -1;
    int rc;
    size_t cap = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (*n == cap) {
            cap = cap ? cap * 2 : 4;
            *rels = wv_realloc(*rels, cap * sizeof **rels);
            *upload_ids = wv_realloc(*upload_ids, cap * sizeof **upload_ids);
        }
        (*rels)[*n] = stor_dbi_strdup(st, 0);
        (*upload_ids)[(*n)++] = stor_dbi_strdup(st, 1);
    }
    sqlite3_finalize(st);
    if (rc == SQLITE_DONE)
        return 0;
    for (size_t i = 0; i < *n; i++) {
        free((*rels)[i]);
        free((*upload_ids)[i]);
    }
    free(*rels);
    free(*upload_ids);
    *rels = *upload_ids = NULL;
    *n = 0;
    return stor_dbi_fail(db, rc, "list uploads", err);
}
