/* judge.c - checks evaluated with history: a run's statistics and catalog schemas judged
 * against the connection's earlier published runs (their statistics and schemas are kept with
 * their jobs: stor_job_stats_*), as low_count and schema_drift need. Used by flow quality tasks
 * and by the gate of a plain sync (a connection's `checks:`). */
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "core/core_int.h"

/* Loads a job's statistics and schemas document (either may come back NULL). */
int core_job_stats_load(struct stor_db *db, int64_t job_id, struct qual_stats **stats,
                        struct wv_json **schemas, struct wv_error *err)
{
    char *st = NULL, *sc = NULL;
    *stats = NULL;
    *schemas = NULL;
    if (stor_job_stats_get(db, job_id, &st, &sc, err) < 0)
        return -1;
    int rc = 0;
    char origin[64];
    snprintf(origin, sizeof origin, "job %lld statistics", (long long)job_id);
    if (st && !(*stats = qual_stats_from_json(st, strlen(st), origin, err)))
        rc = -1;
    if (rc == 0 && sc && !(*schemas = wv_json_parse(sc, strlen(sc), origin, err)))
        rc = -1;
    free(st);
    free(sc);
    return rc;
}

/* Evaluates checks on stats/schemas (the job's own document: {"streams", "requests",
 * "failed_requests"}) with the history of the connection's published runs before job_id. */
int core_judge(struct stor_db *db, const char *connection, int64_t job_id,
               const struct qual_stats *stats, const struct wv_json *schemas,
               const struct qual_check *checks, size_t n, int64_t now_ms,
               struct qual_result *results, struct wv_error *err)
{
    int max_runs = 1;
    for (size_t c = 0; c < n; c++)
        if (checks[c].runs > max_runs)
            max_runs = checks[c].runs;
    int64_t *hist = NULL;
    size_t n_hist = 0;
    if (stor_job_history(db, connection, max_runs, job_id, &hist, &n_hist, err) < 0)
        return -1;
    struct qual_stats **hstats = wv_calloc(n_hist ? n_hist : 1, sizeof *hstats);
    struct wv_json *prev = NULL;
    size_t nh = 0;
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < n_hist; i++) {
        struct wv_json *sc = NULL;
        rc = core_job_stats_load(db, hist[i], &hstats[nh], &sc, err);
        if (i == 0)
            prev = sc;
        else
            wv_json_free(sc);
        if (hstats[nh])
            nh++;
    }
    if (rc == 0) {
        int64_t req = 0, failed = 0;
        wv_json_get_i64(schemas, "requests", &req);
        wv_json_get_i64(schemas, "failed_requests", &failed);
        struct qual_eval_ctx ctx = {.stats = stats, .now_ms = now_ms,
                                    .history = (const struct qual_stats *const *)hstats,
                                    .n_history = nh, .schemas = wv_json_get(schemas, "streams"),
                                    .prev_schemas = wv_json_get(prev, "streams"),
                                    .requests = req, .failed_requests = failed};
        for (size_t c = 0; c < n; c++)
            qual_check_eval_ctx(&checks[c], &ctx, &results[c]);
    }
    for (size_t i = 0; i < nh; i++)
        qual_stats_free(hstats[i]);
    free(hstats);
    free(hist);
    wv_json_free(prev);
    return rc;
}
