/* cmd_metrics.c - `weaver metrics` (print the Prometheus text, or serve it with --listen until
 * interrupted) and the small HTTP server behind it and `weaver daemon --metrics-listen`: one
 * thread, poll() on the listening socket and a wake-up pipe, one request per connection (its
 * head read with a 5 s timeout, 8 KiB at most), each scrape with its own workspace load and
 * state store connection, so it never shares the caller's. */
#include "core/metrics_int.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/mem.h"
#include "core/cmd_int.h"

/* ---- HTTP server ---- */

#define REQ_MAX 8192

struct core_metrics_server {
    char *root;
    int fd;      /* listening socket */
    int wake[2]; /* a byte on wake[1] stops the thread */
    int port;
    pthread_t thread;
};

/* Writes all of data (a peer that went away is ignored: there is no one to tell). */
static void send_all(int fd, const char *data, size_t len)
{
    while (len > 0) {
        ssize_t w = send(fd, data, len, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return;
        data += w;
        len -= (size_t)w;
    }
}

static void respond(int fd, const char *status, const char *type, const char *body, size_t len)
{
    char *head = wv_asprintf("HTTP/1.1 %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
                             "Connection: close\r\n\r\n",
                             status, type, len);
    send_all(fd, head, strlen(head));
    send_all(fd, body, len);
    free(head);
}

/* The metrics text of the workspace at root, or -1 with err. */
static int scrape(const char *root, struct wv_buf *out, struct wv_error *err)
{
    struct core_workspace *ws = core_workspace_load(root, err);
    if (!ws)
        return -1;
    struct stor_db *db = core_db_open(ws, err);
    int rc = db ? core_metrics_text(ws, db, wv_clock_now_ms(wv_clock_system()), out, err) : -1;
    stor_db_close(db);
    core_workspace_free(ws);
    return rc;
}

/* Reads one request head and answers it. */
static void serve_one(const struct core_metrics_server *s, int fd)
{
    struct timeval tv = {5, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    char req[REQ_MAX + 1];
    size_t len = 0;
    while (len < REQ_MAX) {
        ssize_t r = recv(fd, req + len, REQ_MAX - len, 0);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        len += (size_t)r;
        req[len] = '\0';
        if (strstr(req, "\r\n\r\n") || strstr(req, "\n\n"))
            break;
    }
    req[len] = '\0';
    size_t line = strcspn(req, "\r\n");
    req[line] = '\0';
    const char *target = strchr(req, ' ');
    size_t tlen = target ? strcspn(target + 1, " ") : 0;
    bool metrics = target && strncmp(req, "GET ", 4) == 0 &&
                   ((tlen == 8 && strncmp(target + 1, "/metrics", 8) == 0) ||
                    (tlen > 8 && strncmp(target + 1, "/metrics?", 9) == 0));
    if (!metrics) {
        static const char nf[] = "not found; try /metrics\n";
        respond(fd, "404 Not Found", "text/plain; charset=utf-8", nf, sizeof nf - 1);
        return;
    }
    struct wv_buf body = WV_BUF_INIT;
    struct wv_error err = {0};
    if (scrape(s->root, &body, &err) < 0) {
        char *msg = wv_asprintf("error: %s\n", err.msg);
        respond(fd, "500 Internal Server Error", "text/plain; charset=utf-8", msg, strlen(msg));
        free(msg);
    } else {
        respond(fd, "200 OK", "text/plain; version=0.0.4; charset=utf-8", wv_buf_cstr(&body),
                body.len);
    }
    wv_buf_done(&body);
}

static void *serve_main(void *arg)
{
    struct core_metrics_server *s = arg;
    for (;;) {
        struct pollfd p[2] = {{s->fd, POLLIN, 0}, {s->wake[0], POLLIN, 0}};
        if (poll(p, 2, -1) < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        if (p[1].revents)
            break;
        if (!(p[0].revents & POLLIN))
            continue;
        int c = accept4(s->fd, NULL, NULL, SOCK_CLOEXEC);
        if (c < 0)
            continue;
        serve_one(s, c);
        close(c);
    }
    return NULL;
}

/* Binds and listens on "HOST:PORT" / "[V6]:PORT"; the socket in *fd, its port in *port. */
static int listen_on(const char *listen_addr, int *fd, int *port, struct wv_error *err)
{
    const char *colon = strrchr(listen_addr, ':');
    int64_t p = -1;
    if (!colon || colon == listen_addr || wv_parse_i64(colon + 1, &p) < 0 || p < 0 || p > 65535)
        return wv_error_set(err, WV_E_USAGE, 0,
                            "metrics listen address '%s': expected HOST:PORT, e.g. "
                            "127.0.0.1:9464",
                            listen_addr);
    char *host = wv_strndup(listen_addr, (size_t)(colon - listen_addr));
    size_t hl = strlen(host);
    if (hl >= 2 && host[0] == '[' && host[hl - 1] == ']') {
        memmove(host, host + 1, hl - 2);
        host[hl - 2] = '\0';
    }
    char service[16];
    snprintf(service, sizeof service, "%d", (int)p);
    struct addrinfo hints = {0}, *res = NULL;
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICSERV | AI_PASSIVE;
    int gai = getaddrinfo(host, service, &hints, &res);
    if (gai != 0) {
        wv_error_set(err, WV_E_USAGE, 0, "metrics listen address '%s': %s", listen_addr,
                     gai_strerror(gai));
        free(host);
        return -1;
    }
    free(host);
    int s = -1, e = 0;
    for (struct addrinfo *ai = res; ai && s < 0; ai = ai->ai_next) {
        s = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
        if (s < 0) {
            e = errno;
            continue;
        }
        int one = 1;
        setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        if (bind(s, ai->ai_addr, ai->ai_addrlen) < 0 || listen(s, 16) < 0) {
            e = errno;
            close(s);
            s = -1;
        }
    }
    freeaddrinfo(res);
    if (s < 0)
        return wv_error_errno(err, e, "metrics: listen on %s", listen_addr);
    struct sockaddr_storage ss;
    socklen_t sl = sizeof ss;
    if (getsockname(s, (struct sockaddr *)&ss, &sl) < 0) {
        e = errno;
        close(s);
        return wv_error_errno(err, e, "metrics: listen on %s", listen_addr);
    }
    char port_s[NI_MAXSERV];
    if (getnameinfo((struct sockaddr *)&ss, sl, NULL, 0, port_s, sizeof port_s,
                    NI_NUMERICSERV) != 0) {
        close(s);
        return wv_error_set(err, WV_E_IO, 0, "metrics: listen on %s: no port", listen_addr);
    }
    int64_t bound = 0;
    wv_parse_i64(port_s, &bound);
    *port = (int)bound;
    *fd = s;
    return 0;
}

int core_metrics_serve_start(const char *workspace_root, const char *listen_addr,
                             struct core_metrics_server **out, struct wv_error *err)
{
    *out = NULL;
    struct core_metrics_server *s = wv_calloc(1, sizeof *s);
    s->fd = s->wake[0] = s->wake[1] = -1;
    if (listen_on(listen_addr, &s->fd, &s->port, err) < 0) {
        free(s);
        return -1;
    }
    if (pipe2(s->wake, O_CLOEXEC) < 0) {
        wv_error_errno(err, errno, "metrics: pipe");
        close(s->fd);
        free(s);
        return -1;
    }
    s->root = wv_strdup(workspace_root);
    /* The thread takes no signals: they stay with the threads that handle them. */
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    int rc = pthread_create(&s->thread, NULL, serve_main, s);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (rc != 0) {
        wv_error_errno(err, rc, "metrics: start server thread");
        close(s->fd);
        close(s->wake[0]);
        close(s->wake[1]);
        free(s->root);
        free(s);
        return -1;
    }
    *out = s;
    return 0;
}

int core_metrics_serve_port(const struct core_metrics_server *s) { return s->port; }

void core_metrics_serve_stop(struct core_metrics_server *s)
{
    if (!s)
        return;
    ssize_t w;
    do
        w = write(s->wake[1], "x", 1);
    while (w < 0 && errno == EINTR);
    pthread_join(s->thread, NULL);
    close(s->fd);
    close(s->wake[0]);
    close(s->wake[1]);
    free(s->root);
    free(s);
}

/* ---- the command ---- */

int core_cmd_metrics(const struct core_cmd_env *env, int argc, char **argv, struct wv_error *err)
{
    const char *listen_addr = NULL;
    if (core_cmd_opt(argc, argv, "--listen", &listen_addr, err) < 0)
        return -1;
    if (!listen_addr) {
        struct core_workspace *ws = core_cmd_workspace(env, err);
        if (!ws)
            return -1;
        struct stor_db *db = core_db_open(ws, err);
        struct wv_buf text = WV_BUF_INIT;
        const struct wv_clock *clock = env->clock ? env->clock : wv_clock_system();
        int rc = db ? core_metrics_text(ws, db, wv_clock_now_ms(clock), &text, err) : -1;
        if (rc == 0)
            core_write(&env->out, wv_buf_cstr(&text), text.len);
        wv_buf_done(&text);
        stor_db_close(db);
        core_workspace_free(ws);
        return rc;
    }
    /* Load it once now, so that a broken workspace fails here rather than on every scrape. */
    struct core_workspace *ws = core_cmd_workspace(env, err);
    if (!ws)
        return -1;
    struct core_metrics_server *s = NULL;
    int rc = core_metrics_serve_start(ws->root, listen_addr, &s, err);
    core_workspace_free(ws);
    if (rc < 0)
        return -1;
    const char *colon = strrchr(listen_addr, ':');
    core_printf(&env->diag, "serving metrics on http://%.*s:%d/metrics (Ctrl-C stops)\n",
                (int)(colon - listen_addr), listen_addr, core_metrics_serve_port(s));
    core_flush(&env->diag);
    while (!env->cancel || !*env->cancel) {
        struct timespec ts = {0, 100 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    core_metrics_serve_stop(s);
    return 0;
}
