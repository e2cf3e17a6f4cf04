/* cmd_ws.c - workspace commands: help, version, init, sync, connection list/show, jobs,
 * state show/reset, plus the small option and formatting helpers every command uses.
 * Caller's thread. */
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "core/cmd_int.h"
#include "quality/quality.h"

static const char *const bool_flags[] = {"--demo", "--yes", "--man", "--json", "--force",
                                          "--failed", "--follow", "--once", "--dry-run", NULL};

/* Flags that take no value. */
bool core_cmd_flag_is_bool(const char *flag)
{
    for (const char *const *f = bool_flags; *f; f++)
        if (strcmp(*f, flag) == 0)
            return true;
    return false;
}

/* --name VALUE lookup. */
int core_cmd_opt(int argc, char **argv, const char *name, const char **value, struct wv_error *err)
{
    *value = NULL;
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], name) != 0)
            continue;
        if (i + 1 >= argc)
            return wv_error_set(err, WV_E_USAGE, 0, "%s needs a value", name);
        *value = argv[i + 1];
    }
    return 0;
}

/* Boolean flag presence. */
bool core_cmd_flag(int argc, char **argv, const char *name)
{
    for (int i = 0; i < argc; i++)
        if (strcmp(argv[i], name) == 0)
            return true;
    return false;
}

/* The i-th positional argument. */
const char *core_cmd_arg(int argc, char **argv, int i)
{
    for (int k = 0; k < argc; k++) {
        if (argv[k][0] == '-' && argv[k][1] == '-') {
            if (!core_cmd_flag_is_bool(argv[k]))
                k++;
            continue;
        }
        if (i-- == 0)
            return argv[k];
    }
    return NULL;
}

/* Loads the workspace for a command. */
struct core_workspace *core_cmd_workspace(const struct core_cmd_env *env, struct wv_error *err)
{
    char *root = NULL;
    if (core_workspace_find(env->workspace_flag, &root, err) < 0)
        return NULL;
    struct core_workspace *ws = core_workspace_load(root, err);
    free(root);
    return ws;
}

/* Human byte counts. */
const char *core_cmd_fmt_time(int64_t ms, char *buf, size_t size)
{
    if (ms <= 0)
        return wv_strlcpy(buf, "-", size), buf;
    struct wv_tm t;
    wv_time_split(ms, &t);
    snprintf(buf, size, "%04d-%02d-%02d %02d:%02d:%02d", t.year, t.month, t.day, t.hour, t.min,
             t.sec);
    return buf;
}

/* "1.2 MB" ... */
const char *core_cmd_fmt_bytes(int64_t bytes, char *buf, size_t size)
{
    static const char *const units[] = {"B", "KB", "MB", "GB", "TB"};
    double v = (double)bytes;
    int u = 0;
    while (u < 4 && (u ? v >= 999.95 : v >= 1000)) {
        v /= 1000;
        u++;
    }
    if (u == 0)
        snprintf(buf, size, "%lld B", (long long)bytes);
    else
        snprintf(buf, size, "%.1f %s", v, units[u]);
    return buf;
}

/* Counts with thousands separators. */
const char *core_cmd_fmt_count(int64_t n, char *buf, size_t size)
{
    char raw[32];
    uint64_t mag = n < 0 ? 0 - (uint64_t)n : (uint64_t)n;
    int len = snprintf(raw, sizeof raw, "%llu", (unsigned long long)mag);
    size_t o = 0;
    if (n < 0 && o + 1 < size)
        buf[o++] = '-';
    for (int i = 0; i < len && o + 2 < size; i++) {
        buf[o++] = raw[i];
        if ((len - i - 1) % 3 == 0 && i != len - 1)
            buf[o++] = ',';
    }
    buf[o] = '\0';
    return buf;
}

/* help */
int core_cmd_help_cmd(const struct core_cmd_env *env, int argc, char **argv, struct wv_error *err)
{
    if (core_cmd_flag(argc, argv, "--man")) {
        core_cmd_man(&env->out);
        if (env->man_extra)
            core_write(&env->out, env->man_extra, strlen(env->man_extra));
        return 0;
    }
    return core_cmd_help(&env->out, argc, argv, err);
}

/* version */
int core_cmd_version(const struct core_cmd_env *env, int argc, char **argv, struct wv_error *err)
{
    (void)argc;
    (void)argv;
    (void)err;
    core_printf(&env->out, "weaver %s\n", WEAVER_VERSION);
    return 0;
}

/* init */
int core_cmd_init(const struct core_cmd_env *env, int argc, char **argv, struct wv_error *err)
{
    const char *dir = core_cmd_arg(argc, argv, 0);
    bool demo = core_cmd_flag(argc, argv, "--demo");
    if (core_workspace_init(dir, demo, err) < 0)
        return -1;
    core_printf(&env->out, "created %sworkspace %s\n", demo ? "demo " : "", dir);
    if (demo)
        core_printf(&env->out, "next: weaver -w %s sync faker_users   (or open the console: "
                               "weaver -w %s)\n",
                    dir, dir);
    return 0;
}

struct progress_ctx {
    const struct core_cmd_env *env;
    bool drawn;
};

/* Draws the live progress line on the diagnostics terminal. */
static void draw_progress(void *ctx, const struct core_sync_progress *p)
{
    struct progress_ctx *pc = ctx;
    char recs[32], bytes[32], rate[32];
    double secs = (double)p->elapsed_ns / 1e9;
    core_cmd_fmt_count(p->records, recs, sizeof recs);
    core_cmd_fmt_bytes(p->bytes, bytes, sizeof bytes);
    core_cmd_fmt_count(secs > 0.001 ? (int64_t)((double)p->records / secs) : 0, rate, sizeof rate);
    core_printf(&pc->env->diag, "\r\033[K  %s records  %s  %s rec/s  %.1fs%s%s", recs, bytes,
                rate, secs, p->stream ? "  " : "", p->stream ? p->stream : "");
    pc->drawn = true;
}

/* Log lines of a sync go to the diagnostics output. */
/* A wv_log function: "LEVEL message" lines on the command's diagnostics output (ctx: env). */
void core_cmd_diag_log(void *ctx, enum wv_level level, const char *msg)
{
    const struct core_cmd_env *env = ctx;
    core_printf(&env->diag, "%s %s\n", wv_level_name(level), msg);
}

/* The i-th positional argument as an id (> 0); a usage error saying `usage` otherwise. */
int core_cmd_id_arg(int argc, char **argv, int i, const char *usage, int64_t *id,
                    struct wv_error *err)
{
    const char *a = core_cmd_arg(argc, argv, i);
    char *end;
    long long v = a ? strtoll(a, &end, 10) : 0;
    if (!a || *end || v <= 0)
        return wv_error_set(err, WV_E_USAGE, 0, "%s", usage);
    *id = v;
    return 0;
}

static void sync_log(void *ctx, enum wv_level level, const char *msg)
{
    struct progress_ctx *pc = ctx;
    if (pc->drawn && pc->env->diag_is_tty)
        core_printf(&pc->env->diag, "\r\033[K");
    core_printf(&pc->env->diag, "%s %s\n", wv_level_name(level), msg);
}

/* sync */
int core_cmd_sync(const struct core_cmd_env *env, int argc, char **argv, struct wv_error *err)
{
    struct core_workspace *ws = core_cmd_workspace(env, err);
    if (!ws)
        return -1;
    const char *name = core_cmd_arg(argc, argv, 0);
    struct progress_ctx pc = {env, false};
    struct wv_log log = {sync_log, &pc, WV_LOG_WARN};
    struct core_sync_opts opts = {.clock = env->clock, .log = &log,
                                  .progress = env->diag_is_tty ? draw_progress : NULL,
                                  .progress_ctx = &pc, .cancel = env->cancel};
    struct core_sync_result res;
    int rc = core_sync_run(ws, name, &opts, &res, err);
    if (pc.drawn)
        core_printf(&env->diag, "\r\033[K");
    if (rc == 0) {
        char recs[32], bytes[32];
        core_printf(&env->out, "sync %s: succeeded: %s records, %s, %lld files, %lld states "
                               "(job %lld)\n",
                    name, core_cmd_fmt_count(res.records, recs, sizeof recs),
                    core_cmd_fmt_bytes(res.bytes, bytes, sizeof bytes), (long long)res.files,
                    (long long)res.states_committed, (long long)res.job_id);
        for (size_t i = 0; res.stats && i < qual_stats_count(res.stats); i++) {
            const struct qual_stream_stats *st = qual_stats_at(res.stats, i);
            core_printf(&env->out, "  %-24s %s records\n", st->name,
                        core_cmd_fmt_count(st->rows, recs, sizeof recs));
        }
    }
    core_sync_result_done(&res);
    core_workspace_free(ws);
    return rc;
}
