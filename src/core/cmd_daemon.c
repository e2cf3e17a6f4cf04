/* cmd_daemon.c - `weaver daemon [--once] [--metrics-listen ADDR:PORT]`: the headless engine
 * (the scheduler of sched_run.c on a workspace, plus the metrics endpoint). SIGINT/SIGTERM
 * cancel the runs under way, wait for them and exit. --once starts what is due now, waits for
 * it, and exits (for cron-driven hosts and tests). */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/mem.h"
#include "core/cmd_int.h"
#include "core/metrics_int.h"

/* Daemon diagnostics: timestamped lines on the diagnostics output. */
static void dlog(void *ctx, enum wv_level level, const char *msg)
{
    const struct core_cmd_env *env = ctx;
    char ts[32];
    wv_time_iso(wv_clock_now_ms(wv_clock_system()), ts, sizeof ts);
    core_printf(&env->diag, "%s %s %s\n", ts, wv_level_name(level), msg);
    core_flush(&env->diag);
}

static void pause_100ms(void)
{
    struct timespec ts = {0, 100 * 1000000L};
    nanosleep(&ts, NULL);
}

/* weaver daemon [--once] [--metrics-listen ADDR:PORT] */
int core_cmd_daemon(const struct core_cmd_env *env, int argc, char **argv, struct wv_error *err)
{
    const char *listen = NULL;
    if (core_cmd_opt(argc, argv, "--metrics-listen", &listen, err) < 0)
        return -1;
    bool once = core_cmd_flag(argc, argv, "--once");
    char *root = NULL;
    if (core_workspace_find(env->workspace_flag, &root, err) < 0)
        return -1;
    struct wv_log log = {dlog, (void *)env, WV_LOG_INFO};
    struct core_scheduler *s = core_scheduler_new(root, &log, err);
    struct core_metrics_server *ms = NULL;
    int rc = s ? 0 : -1;
    if (rc == 0 && listen && core_metrics_serve_start(root, listen, &ms, err) < 0)
        rc = -1;
    if (rc == 0 && ms)
        wv_logf(&log, WV_LOG_INFO, "daemon on %s; metrics on http://%.*s:%d/metrics", root,
                (int)strcspn(listen, ":"), listen, core_metrics_serve_port(ms));
    else if (rc == 0)
        wv_logf(&log, WV_LOG_INFO, "daemon on %s", root);
    if (rc == 0 && once) {
        rc = core_scheduler_tick(s, err);
        while (core_scheduler_active(s) > 0) {
            if (env->cancel && *env->cancel)
                core_scheduler_cancel(s);
            pause_100ms();
        }
    } else if (rc == 0) {
        rc = core_scheduler_start(s, err);
        while (rc == 0 && !(env->cancel && *env->cancel))
            pause_100ms();
        if (rc == 0)
            wv_logf(&log, WV_LOG_INFO, "stopping: cancelling the runs under way");
    }
    core_scheduler_free(s, true);
    core_metrics_serve_stop(ms);
    free(root);
    return rc;
}
