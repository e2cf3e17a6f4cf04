/* bulk_server.c - a fast fixture HTTP API for benchmarks (not part of weaver): serves N
 * synthetic records of about 1 KB as JSON pages of 100, so the reader, not the server, is what
 * a benchmark measures. One thread per connection, HTTP/1.1 keep-alive, 127.0.0.1 only.
 *   GET /bulk?n=N&page=P&page_size=S  -> {"data":[...S records...],"next_page":P+1|null}
 * Prints "PORT <n>" on stdout once listening; stops on SIGTERM/SIGINT. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define REQ_MAX 8192

/* Reads a query parameter as a number. */
static long query_num(const char *req, const char *key, long dflt)
{
    char pat[32];
    snprintf(pat, sizeof pat, "%s=", key);
    const char *p = strstr(req, pat);
    if (!p || (p[-1] != '?' && p[-1] != '&'))
        return dflt;
    return strtol(p + strlen(pat), NULL, 10);
}

/* Appends one ~1 KB record to buf at *len. */
static void put_record(char *buf, size_t *len, long id)
{
    static const char pad[] = "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do "
                              "eiusmod tempor incididunt ut labore et dolore magna aliqua. Ut enim "
                              "ad minim veniam, quis nostrud exercitation ullamco laboris nisi ut "
                              "aliquip ex ea commodo consequat. Duis aute irure dolor in "
                              "reprehenderit in voluptate velit esse cillum dolore eu fugiat nulla "
                              "pariatur. Excepteur sint occaecat cupidatat non proident, sunt in "
                              "culpa qui officia deserunt mollit anim id est laborum.";
    *len += (size_t)sprintf(buf + *len,
                            "{\"id\":%ld,\"name\":\"customer %ld\",\"email\":\"user%ld@example.com\","
                            "\"amount\":%ld.%02ld,\"active\":%s,\"country\":\"NL\","
                            "\"created_at\":\"2024-01-%02ldT%02ld:%02ld:00Z\","
                            "\"updated_at\":\"2024-02-%02ldT%02ld:%02ld:00Z\",\"tags\":[\"a\",\"b\","
                            "\"c\"],\"address\":{\"street\":\"%ld Main St\",\"city\":\"Utrecht\","
                            "\"zip\":\"35%04ld\"},\"notes\":\"%s\",\"notes2\":\"%s\"}",
                            id, id, id, id % 10000, id % 100, id % 2 ? "true" : "false",
                            id % 28 + 1, id % 24, id % 60, id % 28 + 1, (id / 7) % 24, id % 60, id,
                            id % 10000, pad, pad + 200);
}

/* Serves one connection until it closes. */
static void *serve(void *arg)
{
    int fd = (int)(long)arg;
    char req[REQ_MAX];
    size_t cap = 1 << 20;
    char *body = malloc(cap);
    for (;;) {
        size_t got = 0;
        while (got < sizeof req - 1) {
            ssize_t r = read(fd, req + got, sizeof req - 1 - got);
            if (r <= 0)
                goto done;
            got += (size_t)r;
            req[got] = '\0';
            if (strstr(req, "\r\n\r\n"))
                break;
        }
        long n = query_num(req, "n", 1000), page = query_num(req, "page", 1);
        long size = query_num(req, "page_size", 100);
        if (size < 1 || size > 1000)
            size = 100;
        long first = (page - 1) * size + 1, last = first + size - 1;
        if (last > n)
            last = n;
        size_t len = 0;
        len += (size_t)sprintf(body, "{\"data\":[");
        for (long id = first; id <= last; id++) {
            if (id > first)
                body[len++] = ',';
            put_record(body, &len, id);
        }
        if (last < n)
            len += (size_t)sprintf(body + len, "],\"next_page\":%ld}", page + 1);
        else
            len += (size_t)sprintf(body + len, "],\"next_page\":null}");
        char head[256];
        int hl = snprintf(head, sizeof head,
                          "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                          "Content-Length: %zu\r\n\r\n",
                          len);
        if (write(fd, head, (size_t)hl) != hl || write(fd, body, len) != (ssize_t)len)
            goto done;
    }
done:
    free(body);
    close(fd);
    return NULL;
}

/* Listens on 127.0.0.1 and serves each connection on its own thread. */
int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = 0};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t al = sizeof a;
    if (s < 0 || bind(s, (struct sockaddr *)&a, sizeof a) < 0 || listen(s, 64) < 0 ||
        getsockname(s, (struct sockaddr *)&a, &al) < 0) {
        perror("bulk_server");
        return 1;
    }
    printf("PORT %d\n", ntohs(a.sin_port));
    fflush(stdout);
    for (;;) {
        int c = accept(s, NULL, NULL);
        if (c < 0) {
            if (errno == EINTR)
                continue;
            return 1;
        }
        int one = 1;
        setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        pthread_t t;
        pthread_create(&t, NULL, serve, (void *)(long)c);
        pthread_detach(t);
    }
}
