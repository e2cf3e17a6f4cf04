/* s3_fixture.h - the S3 emulator of the storage integration tests (header-only, tests only,
 * included by one test file each): runs `node --openssl-legacy-provider -e JS PKG ARGS...` (the
 * s3rver package directory first), reads the "PORT <n>" line the script prints once it listens
 * on 127.0.0.1, and stops it by PID; plus the assertions those tests share. */
#ifndef WV_S3_FIXTURE_H
#define WV_S3_FIXTURE_H

#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/fs.h"
#include "base/mem.h"
#include "unit/testutil.h" /* after <cmocka.h>, as the test files include it */

/* The running emulator: its pid, endpoint "http://127.0.0.1:PORT", temp dir, and whether the
 * npm package is installed at all. */
static pid_t g_pid = -1;
static char *g_endpoint;
static char *g_dir;
static bool g_have_pkg;

/* Asserts a call returned 0, showing the error message (a struct wv_error err in scope). */
#define OK(call)                                                                                   \
    do {                                                                                           \
        if ((call) != 0)                                                                           \
            fail_msg("%s: %s", #call, err.msg);                                                    \
    } while (0)

/* Skips a test when the package is missing; fails when the server did not start. */
#define NEED_SERVER()                                                                              \
    do {                                                                                           \
        if (!g_have_pkg)                                                                           \
            skip(); /* tests/readers not installed (scripts/setup) */                              \
        if (!g_endpoint)                                                                           \
            fail_msg("s3rver did not start");                                                      \
    } while (0)

/* The s3rver package directory, from WEAVER_TEST_DATA (tests/data). Caller frees. */
static inline char *s3_fixture_pkg(void)
{
    const char *data = getenv("WEAVER_TEST_DATA");
    char *dir =
        wv_asprintf("%s/../readers/node_modules/@20minutes/s3rver", data ? data : "tests/data");
    if (access(dir, R_OK) != 0) {
        free(dir);
        return NULL;
    }
    return dir;
}

/* Spawns the script with up to three arguments after the package directory (NULL ends them);
 * *endpoint (caller frees) is "http://127.0.0.1:PORT", or NULL if the server did not start.
 * Returns the child's pid (or -1). */
static inline pid_t s3_fixture_start(const char *js, const char *pkg, const char *a1,
                                     const char *a2, char **endpoint)
{
    *endpoint = NULL;
    int fds[2];
    if (pipe(fds) < 0)
        return -1;
    pid_t pid = fork();
    if (pid == 0) {
        dup2(fds[1], 1);
        close(fds[0]);
        execlp("node", "node", "--openssl-legacy-provider", "-e", js, pkg, a1, a2, (char *)NULL);
        _exit(127);
    }
    close(fds[1]);
    char line[128] = {0};
    size_t n = 0;
    while (n < sizeof line - 1) {
        ssize_t k = read(fds[0], line + n, 1);
        if (k <= 0 || line[n] == '\n')
            break;
        n++;
    }
    close(fds[0]);
    int port = 0;
    if (sscanf(line, "PORT %d", &port) == 1 && port > 0)
        *endpoint = wv_asprintf("http://127.0.0.1:%d", port);
    return pid;
}

/* Before starting: the package directory (*pkg, caller frees) and a temp dir (g_dir) named
 * after tag. false (nothing to start) when either is missing. */
static inline bool s3_fixture_prepare(const char *tag, char **pkg)
{
    *pkg = s3_fixture_pkg();
    g_dir = wv_test_tmpdir(tag);
    if (!*pkg || !g_dir) {
        free(*pkg);
        *pkg = NULL;
        return false;
    }
    g_have_pkg = true;
    return true;
}

/* A cmocka group teardown: kills the server by PID and removes the temp dir. */
static int stop_server(void **state)
{
    (void)state;
    if (g_pid > 0) {
        kill(g_pid, SIGKILL);
        waitpid(g_pid, NULL, 0);
    }
    if (g_dir)
        wv_fs_rmtree(g_dir, NULL);
    free(g_dir);
    free(g_endpoint);
    return 0;
}

#endif
