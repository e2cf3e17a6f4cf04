/* cmd_publish.c - `weaver runs`, `weaver publish JOB [--force]`, `weaver discard JOB`: the
 * operator's hand on staged Parquet runs. A run its gate blocked keeps its files in staging
 * for diagnosis; after looking, the operator publishes it anyway (--force: the states the run
 * carried are committed with it) or discards it (the next sync reads that data again). */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/mem.h"
#include "core/cmd_int.h"

#define JOB_USAGE "JOB must be a job id (see `weaver runs`)"

/* Opens the workspace, the state store, the run, and takes its connection's lock. */
struct pub_cmd {
    struct core_workspace *ws;
    struct stor_db *db;
    struct stor_publish run;
    int lock_fd;
};

static int pub_open(const struct core_cmd_env *env, int64_t id, struct pub_cmd *pc,
                    struct wv_error *err)
{
    memset(pc, 0, sizeof *pc);
    pc->lock_fd = -1;
    pc->ws = core_cmd_workspace(env, err);
    if (!pc->ws)
        return -1;
    pc->db = core_db_open(pc->ws, err);
    if (!pc->db || stor_publish_get(pc->db, id, &pc->run, err) < 0)
        return -1;
    return core_conn_lock(pc->ws, pc->run.connection, &pc->lock_fd, err);
}

static void pub_close(struct pub_cmd *pc)
{
    if (pc->lock_fd >= 0)
        close(pc->lock_fd);
    stor_publish_done(&pc->run);
    stor_db_close(pc->db);
    core_workspace_free(pc->ws);
}

/* weaver publish JOB [--force] */
int core_cmd_publish(const struct core_cmd_env *env, int argc, char **argv, struct wv_error *err)
{
    int64_t id = 0;
    if (core_cmd_id_arg(argc, argv, 0, JOB_USAGE, &id, err) < 0)
        return -1;
    struct pub_cmd pc;
    int rc = pub_open(env, id, &pc, err);
    if (rc == 0 && pc.run.status == STOR_PUB_PUBLISHED)
        rc = wv_error_set(err, WV_E_CONFLICT, 0, "job %lld is already published",
                          (long long)id);
    else if (rc == 0 && pc.run.status == STOR_PUB_DISCARDED)
        rc = wv_error_set(err, WV_E_CONFLICT, 0, "job %lld was discarded (%s)", (long long)id,
                          pc.run.reason ? pc.run.reason : "no reason recorded");
    else if (rc == 0 && pc.run.status == STOR_PUB_BLOCKED &&
             !core_cmd_flag(argc, argv, "--force"))
        rc = wv_error_set(err, WV_E_QUALITY, 0,
                          "job %lld was blocked by its gate (%s); publish it anyway with --force",
                          (long long)id, pc.run.reason ? pc.run.reason : "?");
    if (rc == 0) {
        struct wv_log log = {core_cmd_diag_log, (void *)env, WV_LOG_INFO};
        rc = core_publish_run(pc.ws, pc.db, id, env->clock ? env->clock : wv_clock_system(), &log,
                              err);
    }
    if (rc == 0)
        core_printf(&env->out, "published job %lld of %s; its state is committed\n",
                    (long long)id, pc.run.connection);
    pub_close(&pc);
    return rc;
}

/* weaver discard JOB */
int core_cmd_discard(const struct core_cmd_env *env, int argc, char **argv, struct wv_error *err)
{
    int64_t id = 0;
    if (core_cmd_id_arg(argc, argv, 0, JOB_USAGE, &id, err) < 0)
        return -1;
    struct pub_cmd pc;
    int rc = pub_open(env, id, &pc, err);
    if (rc == 0 && pc.run.status != STOR_PUB_STAGED && pc.run.status != STOR_PUB_BLOCKED)
        rc = wv_error_set(err, WV_E_CONFLICT, 0, "job %lld is %s: only staged or blocked runs "
                                                 "can be discarded",
                          (long long)id, stor_pub_status_name(pc.run.status));
    if (rc == 0) {
        struct wv_log log = {core_cmd_diag_log, (void *)env, WV_LOG_INFO};
        rc = core_publish_discard(pc.ws, pc.db, id, "discarded by the operator",
                                  env->clock ? env->clock : wv_clock_system(), &log, err);
    }
    if (rc == 0)
        core_printf(&env->out, "discarded job %lld of %s; its data will be read again\n",
                    (long long)id, pc.run.connection);
    pub_close(&pc);
    return rc;
}

/* weaver runs [CONNECTION]: staged, blocked and recent published runs. */
int core_cmd_runs(const struct core_cmd_env *env, int argc, char **argv, struct wv_error *err)
{
    struct core_workspace *ws = core_cmd_workspace(env, err);
    if (!ws)
        return -1;
    const char *conn = core_cmd_arg(argc, argv, 0);
    struct stor_db *db = core_db_open(ws, err);
    int rc = db ? 0 : -1;
    if (rc == 0)
        core_printf(&env->out, "%-6s %-24s %-11s %s\n", "JOB", "CONNECTION", "STATUS",
                    "DETAIL");
    static const enum stor_pub_status order[] = {STOR_PUB_STAGED, STOR_PUB_PUBLISHING,
                                                 STOR_PUB_BLOCKED, STOR_PUB_PUBLISHED,
                                                 STOR_PUB_DISCARDED};
    for (size_t k = 0; rc == 0 && k < sizeof order / sizeof order[0]; k++) {
        struct stor_publish *list = NULL;
        size_t n = 0;
        if (stor_publish_list(db, conn, order[k], &list, &n, err) < 0) {
            rc = -1;
            break;
        }
        /* published and discarded runs: the last 10 */
        size_t from = order[k] >= STOR_PUB_PUBLISHED && n > 10 ? n - 10 : 0;
        for (size_t i = from; i < n; i++)
            core_printf(&env->out, "%-6lld %-24s %-11s %s\n", (long long)list[i].job_id,
                        list[i].connection, stor_pub_status_name(list[i].status),
                        list[i].reason ? list[i].reason
                        : list[i].status == STOR_PUB_BLOCKED || list[i].status == STOR_PUB_STAGED
                            ? list[i].stage_dir
                            : "");
        stor_publish_list_free(list, n);
    }
    stor_db_close(db);
    core_workspace_free(ws);
    return rc;
}
