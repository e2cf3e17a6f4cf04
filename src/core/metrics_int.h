/* metrics_int.h - Prometheus metrics of a workspace (metrics.c: the text exposition; the small
 * HTTP server that serves it, for `weaver metrics --listen` and `weaver daemon
 * --metrics-listen`) and the `weaver metrics` command (cmd_metrics.c). */
#ifndef CORE_METRICS_INT_H
#define CORE_METRICS_INT_H

#include <stdint.h>

#include "base/buf.h"
#include "base/error.h"
#include "core/core_int.h"

/* Appends the workspace's metrics in the Prometheus text format 0.0.4 to out, read from the
 * state store (all of its history): sync jobs per connection, flow runs per flow, attempts and
 * quality results per task, and weaver_build_info. ws (may be NULL) adds its connections, flows
 * and tasks with zero counters before they first run. Families are written in a fixed order,
 * samples sorted by connection / flow, task, check, then by state in enum order. now_ms is the
 * scrape time (reserved; no metric uses it yet). Borrowed arguments. */
int core_metrics_text(const struct core_workspace *ws, struct stor_db *db, int64_t now_ms,
                      struct wv_buf *out, struct wv_error *err);

struct core_metrics_server;

/* Serves GET /metrics on listen ("HOST:PORT", "[V6ADDR]:PORT"; PORT 0 picks a free port) from
 * a thread of its own: each request loads the workspace at workspace_root and opens its own
 * state store connection, then answers 200 (text/plain; version=0.0.4), or 500 with the error
 * text when the workspace or store cannot be read; any other method or path gets 404. One
 * request per connection. Only the given address is bound. Caller stops with
 * core_metrics_serve_stop. */
int core_metrics_serve_start(const char *workspace_root, const char *listen,
                             struct core_metrics_server **out, struct wv_error *err);
/* The bound port (the one chosen when listen asked for port 0). */
int core_metrics_serve_port(const struct core_metrics_server *s);
/* Stops the thread (a request in progress finishes first) and frees s. NULL is a no-op. */
void core_metrics_serve_stop(struct core_metrics_server *s);

/* `weaver metrics [--listen ADDR:PORT]` (cmd_metrics.c). */
int core_cmd_metrics(const struct core_cmd_env *env, int argc, char **argv, struct wv_error *err);

#endif
