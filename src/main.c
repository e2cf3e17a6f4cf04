/* main.c - the weaver executable: global options, then either the console (no command) or one
 * command from the command table. The only place that prints errors and picks exit codes:
 * 0 ok, 1 failure, 2 usage error. Main thread. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/mem.h"
#include "core/core.h"
#include "tui/tui.h"

static volatile int cancel_flag;
static int out_failed;

/* SIGINT/SIGTERM: ask the running command to stop at its next batch; a second one kills. */
static void on_signal(int sig)
{
    cancel_flag = 1;
    signal(sig, SIG_DFL);
}

/* Writes command output to a stdio stream; a closed pipe cancels the command. */
static void file_write(void *ctx, const char *data, size_t len)
{
    if (out_failed || !len)
        return;
    if (fwrite(data, 1, len, ctx) != len) {
        out_failed = errno ? errno : EIO;
        cancel_flag = 1;
    }
}

/* Flushes a FILE output. */
static void file_flush(void *ctx)
{
    fflush(ctx);
}

/* Prints usage for a bad global option. */
static int usage(const char *msg)
{
    fprintf(stderr, "weaver: %s\nusage: weaver [--workspace DIR] [--readonly] [COMMAND [ARGS...]] "
                    "(try `weaver help`)\n",
            msg);
    return 2;
}

/* Opens the console on the workspace. */
static int run_console(const char *ws_flag, bool readonly)
{
    struct wv_error err;
    wv_error_clear(&err);
    char *root = NULL;
    struct core_engine engine;
    /* a read-only console runs nothing on its own either */
    struct core_engine_opts opts = {.readonly = readonly, .no_scheduler = readonly};
    if (core_workspace_find(ws_flag, &root, &err) < 0 ||
        core_engine_local(root, &opts, &engine, &err) < 0) {
        free(root);
        fprintf(stderr, "weaver: %s\n", err.msg);
        return 1;
    }
    free(root);
    struct tui_opts topts = {.readonly = readonly};
    int rc = tui_run(&engine, &topts, &err);
    engine.ops->close(engine.ctx);
    if (rc < 0) {
        fprintf(stderr, "weaver: %s\n", err.msg);
        return 1;
    }
    return 0;
}

/* Entry point. */
int main(int argc, char **argv)
{
    const char *ws_flag = NULL;
    const char *ro = getenv("WEAVER_READONLY");
    bool readonly = ro && strcmp(ro, "1") == 0;
    int i = 1;
    for (; i < argc && argv[i][0] == '-'; i++) {
        const char *a = argv[i];
        if (strcmp(a, "-w") == 0 || strcmp(a, "--workspace") == 0) {
            if (++i >= argc)
                return usage("--workspace needs a directory");
            ws_flag = argv[i];
        } else if (strncmp(a, "--workspace=", 12) == 0) {
            ws_flag = a + 12;
        } else if (strcmp(a, "--readonly") == 0) {
            readonly = true;
        } else if (strcmp(a, "--version") == 0 || strcmp(a, "-V") == 0) {
            printf("weaver %s\n", WEAVER_VERSION);
            return 0;
        } else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            argv[i] = "help";
            break;
        } else {
            char msg[256];
            snprintf(msg, sizeof msg, "unknown option '%.200s'", a);
            return usage(msg);
        }
    }
    if (i >= argc || strcmp(argv[i], "console") == 0)
        return i + 1 < argc ? usage("console takes no arguments")
                            : run_console(ws_flag, readonly);

    if (readonly && !core_cmd_readonly(argc - i, argv + i)) {
        fprintf(stderr, "weaver: read-only: `%s` changes the workspace\n", argv[i]);
        return 1;
    }
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    signal(SIGPIPE, SIG_IGN);
    if (!isatty(STDOUT_FILENO))
        setvbuf(stdout, NULL, _IOFBF, 1 << 16);
    static const struct core_out_ops file_ops = {file_write, file_flush};
    struct wv_buf keys_man;
    wv_buf_init(&keys_man, 0);
    tui_man_keys(&keys_man);
    struct core_cmd_env env = {.workspace_flag = ws_flag, .cancel = &cancel_flag,
                               .man_extra = wv_buf_cstr(&keys_man)};
    env.out = (struct core_out){&file_ops, stdout};
    env.diag = (struct core_out){&file_ops, stderr};
    env.diag_is_tty = isatty(STDERR_FILENO);
    struct wv_error err;
    wv_error_clear(&err);
    int rc = core_cmd_run(&env, argc - i, argv + i, &err);
    wv_buf_done(&keys_man);
    if (fflush(stdout) != 0 && !out_failed)
        out_failed = errno ? errno : EIO;
    if (rc < 0) {
        fprintf(stderr, "weaver: %s\n", err.msg);
        return err.code == WV_E_USAGE ? 2 : 1;
    }
    if (out_failed) {
        fprintf(stderr, "weaver: writing output: %s\n", strerror(out_failed));
        return 1;
    }
    return 0;
}
