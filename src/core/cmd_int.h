/* cmd_int.h - the command table's entry shape and the command bodies (cmd_*.c). */
#ifndef CMD_INT_H
#define CMD_INT_H

#include "core/core_int.h"

typedef int (*cmd_fn)(const struct core_cmd_env *env, int argc, char **argv,
                      struct wv_error *err);

struct cmd_def {
    const char *name;    /* words, e.g. "connection list" */
    const char *args;    /* synopsis of the arguments */
    const char *summary; /* one line, lower case, no period */
    const char *help;    /* a paragraph */
    int min_args, max_args; /* positional arguments after the name (-1: no limit) */
    cmd_fn run;          /* NULL: handled by the front end (console) */
    const char *flags;   /* the --flags it accepts, space-separated ("" for none) */
};

/* Flags that take no value. */
bool core_cmd_flag_is_bool(const char *flag);

/* Finds --name VALUE in argv; returns VALUE (borrowed) or NULL. A flag without a value is a
 * usage error. */
int core_cmd_opt(int argc, char **argv, const char *name, const char **value, struct wv_error *err);
/* Whether a boolean flag is present. */
bool core_cmd_flag(int argc, char **argv, const char *name);
/* The i-th positional argument (skipping flags and their values), or NULL. */
const char *core_cmd_arg(int argc, char **argv, int i);

/* Loads the workspace named by env (flag, env var, cwd). Caller frees. */
struct core_workspace *core_cmd_workspace(const struct core_cmd_env *env, struct wv_error *err);

int core_cmd_help_cmd(const struct core_cmd_env *env, int argc, char **argv, struct wv_error *err);
int core_cmd_version(const struct core_cmd_env *env, int argc, char **argv, struct wv_error *err);
int core_cmd_init(const struct core_cmd_env *env, int argc, char **argv, struct wv_error *err);
int core_cmd_source_spec(const struct core_cmd_env *env, int argc, char **argv, struct wv_error *err);
int core_cmd_source_check(const struct core_cmd_env *env, int argc, char **argv, struct wv_error *err);
int core_cmd_source_discover(const struct core_cmd_env *env, int argc, char **argv,
                        struct wv_error *err);
int core_cmd_source_read(const struct core_cmd_env *env, int argc, char **argv, struct wv_error *err);
int core_cmd_sync(const struct core_cmd_env *env, int argc, char **argv, struct wv_error *err);
int core_cmd_connection_list(const struct core_cmd_env *env, int argc, char **argv,
                        struct wv_error *err);
int core_cmd_connection_show(const struct core_cmd_env *env, int argc, char **argv,
                        struct wv_error *err);
int core_cmd_jobs(const struct core_cmd_env *env, int argc, char **argv, struct wv_error *err);
int core_cmd_state_show(const struct core_cmd_env *env, int argc, char **argv, struct wv_error *err);
int core_cmd_state_reset(const struct core_cmd_env *env, int argc, char **argv, struct wv_error *err);
int core_cmd_manifest_validate(const struct core_cmd_env *env, int argc, char **argv,
                               struct wv_error *err);
int core_cmd_parquet_write(const struct core_cmd_env *env, int argc, char **argv,
                           struct wv_error *err);
int core_cmd_parquet_inspect(const struct core_cmd_env *env, int argc, char **argv,
                             struct wv_error *err);

int core_cmd_publish(const struct core_cmd_env *env, int argc, char **argv, struct wv_error *err);
int core_cmd_discard(const struct core_cmd_env *env, int argc, char **argv, struct wv_error *err);
int core_cmd_runs(const struct core_cmd_env *env, int argc, char **argv, struct wv_error *err);
int core_cmd_flow_list(const struct core_cmd_env *env, int argc, char **argv,
                       struct wv_error *err);
int core_cmd_flow_run(const struct core_cmd_env *env, int argc, char **argv,
                      struct wv_error *err);
int core_cmd_flow_status(const struct core_cmd_env *env, int argc, char **argv,
                         struct wv_error *err);
int core_cmd_flow_logs(const struct core_cmd_env *env, int argc, char **argv,
                       struct wv_error *err);
int core_cmd_flow_rerun(const struct core_cmd_env *env, int argc, char **argv,
                        struct wv_error *err);
int core_cmd_flow_cancel(const struct core_cmd_env *env, int argc, char **argv,
                         struct wv_error *err);
int core_cmd_flow_mark(const struct core_cmd_env *env, int argc, char **argv,
                       struct wv_error *err);
int core_cmd_check(const struct core_cmd_env *env, int argc, char **argv, struct wv_error *err);
int core_cmd_discover(const struct core_cmd_env *env, int argc, char **argv,
                      struct wv_error *err);
int core_cmd_connection_enable(const struct core_cmd_env *env, int argc, char **argv,
                               struct wv_error *err);
int core_cmd_connection_disable(const struct core_cmd_env *env, int argc, char **argv,
                                struct wv_error *err);
int core_cmd_flow_enable(const struct core_cmd_env *env, int argc, char **argv,
                         struct wv_error *err);
int core_cmd_flow_disable(const struct core_cmd_env *env, int argc, char **argv,
                          struct wv_error *err);
int core_cmd_daemon(const struct core_cmd_env *env, int argc, char **argv, struct wv_error *err);

/* Writes one Airbyte message (a line) to the command's output. */
void core_cmd_emit_msg(const struct core_cmd_env *env, const struct wv_msg *m);
/* Writes err as an Airbyte TRACE error message and flushes; returns -1 (err stays set). */
int core_cmd_trace_error(const struct core_cmd_env *env, struct wv_error *err);

/* A wv_log function writing "LEVEL message" lines to env->diag (ctx: the env). */
void core_cmd_diag_log(void *ctx, enum wv_level level, const char *msg);
/* The i-th positional argument as an id (> 0), else a usage error saying `usage`. */
int core_cmd_id_arg(int argc, char **argv, int i, const char *usage, int64_t *id,
                    struct wv_error *err);

/* "2024-01-02 03:04:05" (UTC), or "-" for 0, into buf. */
const char *core_cmd_fmt_time(int64_t ms, char *buf, size_t size);
/* "1.2 MB", "834 B" ... into buf. */
const char *core_cmd_fmt_bytes(int64_t bytes, char *buf, size_t size);
/* "12,345" into buf. */
const char *core_cmd_fmt_count(int64_t n, char *buf, size_t size);

#endif
