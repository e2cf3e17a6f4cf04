/* s3_fixture.h - starting the S3 emulator for the storage integration tests (header-only,
 * tests only): runs `node --openssl-legacy-provider -e JS PKG ARGS...` (the s3rver package
 * directory first) and reads the "PORT <n>" line the script prints once it listens on
 * 127.0.0.1. The caller kills the returned pid. */
#ifndef WV_S3_FIXTURE_H
#define WV_S3_FIXTURE_H

#include <stdio.h>
#include <stdlib.h>
#include <sys/types.h>
#include <unistd.h>

#include "base/mem.h"

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

#endif
