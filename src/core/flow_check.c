/* flow_check.c - the graph of a flow: depends_on names resolved to task indexes, cycles
 * rejected by name ("cycle: a -> b -> a", arrows pointing downstream), a topological order
 * that keeps file order among tasks that are ready together (Kahn's algorithm taking the
 * lowest index first), and the rules that need the graph: quality and publish tasks must have
 * a sync upstream, a gate's on_failure.rerun must name sync tasks upstream of the gate. */
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/mem.h"
#include "core/flow_load_int.h"

/* Error at a node with a formatted message. */
static int at(struct wv_error *err, const char *origin, const struct wv_json *node,
              const char *fmt, ...) WV_PRINTF(4, 5);
static int at(struct wv_error *err, const char *origin, const struct wv_json *node,
              const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return core_node_error(err, origin, node, msg);
}

/* The string items of a name list (a string is one item, kept in *one); *n of them. */
static const struct wv_json *const *name_items(const struct wv_json *v, size_t *n,
                                               const struct wv_json **one)
{
    if (!v || v->type == WV_JSON_NULL) {
        *n = 0;
        return NULL;
    }
    if (v->type == WV_JSON_STRING) {
        *n = 1;
        *one = v;
        return one;
    }
    *n = v->len;
    return (const struct wv_json *const *)v->items;
}

/* depends_on names to indexes (duplicates dropped). */
static int resolve_deps(struct core_flow *f, const struct wv_json *tasks, struct wv_error *err)
{
    for (size_t i = 0; i < f->n_tasks; i++) {
        const struct wv_json *v = wv_json_get(tasks->items[i], "depends_on");
        size_t n;
        const struct wv_json *one;
        const struct wv_json *const *items = name_items(v, &n, &one);
        struct core_task *t = &f->tasks[i];
        t->deps = wv_calloc(n ? n : 1, sizeof *t->deps);
        for (size_t k = 0; k < n; k++) {
            long d = core_flow_task(f, items[k]->s);
            if (d < 0)
                return at(err, f->file, items[k], "unknown task '%.128s' in depends_on",
                          items[k]->s);
            bool dup = false;
            for (size_t j = 0; j < t->n_deps && !dup; j++)
                dup = t->deps[j] == (size_t)d;
            if (!dup)
                t->deps[t->n_deps++] = (size_t)d;
        }
    }
    return 0;
}

/* Names a cycle among the tasks left out of the order (done[i] false): walks dependencies
 * from the first such task until one repeats, then prints the loop downstream, starting at
 * its task that comes first in the file. */
static int cycle_error(const struct core_flow *f, const struct wv_json *tasks, const bool *done,
                       struct wv_error *err)
{
    size_t n = f->n_tasks, start = 0;
    while (done[start])
        start++;
    size_t *walk = wv_calloc(n + 1, sizeof *walk);
    long *pos = wv_malloc(n * sizeof *pos);
    for (size_t i = 0; i < n; i++)
        pos[i] = -1;
    size_t len = 0, cur = start;
    while (pos[cur] < 0) {
        pos[cur] = (long)len;
        walk[len++] = cur;
        const struct core_task *t = &f->tasks[cur];
        size_t next = cur;
        for (size_t k = 0; k < t->n_deps; k++) {
            if (!done[t->deps[k]]) { /* every task left has a dependency left */
                next = t->deps[k];
                break;
            }
        }
        cur = next;
    }
    /* walk[pos[cur]..len) is the loop, each entry depending on the next */
    size_t first = (size_t)pos[cur], m = len - first, low = first;
    for (size_t k = first; k < len; k++)
        if (walk[k] < walk[low])
            low = k;
    struct wv_buf b = WV_BUF_INIT;
    wv_buf_puts(&b, "cycle: ", NULL);
    /* downstream = reverse of the walk, starting and ending at walk[low] */
    for (size_t s = 0; s <= m; s++) {
        size_t k = first + (low - first + m - s % m) % m;
        wv_buf_puts(&b, f->tasks[walk[k]].name, NULL);
        if (s < m)
            wv_buf_puts(&b, " -> ", NULL);
    }
    char *msg = wv_buf_steal(&b, NULL);
    int rc = at(err, f->file, tasks->items[walk[low]], "%s", msg);
    free(msg);
    free(walk);
    free(pos);
    return rc;
}

/* Topological order, lowest index first among ready tasks. */
static int topo_order(struct core_flow *f, const struct wv_json *tasks, struct wv_error *err)
{
    size_t n = f->n_tasks;
    size_t *left = wv_calloc(n, sizeof *left); /* dependencies not yet ordered */
    bool *done = wv_calloc(n, sizeof *done);
    f->order = wv_calloc(n, sizeof *f->order);
    for (size_t i = 0; i < n; i++)
        left[i] = f->tasks[i].n_deps;
    size_t k = 0;
    for (; k < n; k++) {
        size_t i = 0;
        while (i < n && (done[i] || left[i] > 0))
            i++;
        if (i == n)
            break;
        done[i] = true;
        f->order[k] = i;
        for (size_t j = 0; j < n; j++)
            for (size_t d = 0; d < f->tasks[j].n_deps; d++)
                if (f->tasks[j].deps[d] == i)
                    left[j]--;
    }
    int rc = k < n ? cycle_error(f, tasks, done, err) : 0;
    free(left);
    free(done);
    return rc;
}

/* gate on_failure.rerun: names of sync tasks upstream of the gate g. */
static int resolve_rerun(struct core_flow *f, size_t g, const struct wv_json *node,
                         const bool *up, struct wv_error *err)
{
    const struct wv_json *of = wv_json_get(node, "on_failure");
    size_t n;
    const struct wv_json *one;
    const struct wv_json *const *items =
        name_items(of ? wv_json_get(of, "rerun") : NULL, &n, &one);
    struct core_task *t = &f->tasks[g];
    t->rerun = wv_calloc(n ? n : 1, sizeof *t->rerun);
    for (size_t k = 0; k < n; k++) {
        long r = core_flow_task(f, items[k]->s);
        if (r < 0)
            return at(err, f->file, items[k], "unknown task '%.128s' in rerun", items[k]->s);
        if (f->tasks[r].kind != CORE_TASK_SYNC)
            return at(err, f->file, items[k], "rerun: task '%.128s' is a %s task, not a sync",
                      items[k]->s, core_task_kind_name(f->tasks[r].kind));
        if (!up[g * f->n_tasks + (size_t)r])
            return at(err, f->file, items[k], "rerun: task '%.128s' is not upstream of gate "
                      "'%.128s'", items[k]->s, t->name);
        bool dup = false;
        for (size_t j = 0; j < t->n_rerun && !dup; j++)
            dup = t->rerun[j] == (size_t)r;
        if (!dup)
            t->rerun[t->n_rerun++] = (size_t)r;
    }
    return 0;
}

/* Checks the graph of a loaded flow. */
int core_flow_check_graph(struct core_flow *f, const struct wv_json *tasks, struct wv_error *err)
{
    if (resolve_deps(f, tasks, err) < 0 || topo_order(f, tasks, err) < 0)
        return -1;
    size_t n = f->n_tasks;
    bool *up = wv_calloc(n * n, sizeof *up); /* up[i*n+j]: j is upstream of i */
    for (size_t k = 0; k < n; k++) {
        size_t i = f->order[k];
        for (size_t d = 0; d < f->tasks[i].n_deps; d++) {
            size_t dep = f->tasks[i].deps[d];
            up[i * n + dep] = true;
            for (size_t j = 0; j < n; j++)
                up[i * n + j] = up[i * n + j] || up[dep * n + j];
        }
    }
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        const struct core_task *t = &f->tasks[i];
        if (t->kind == CORE_TASK_QUALITY || t->kind == CORE_TASK_PUBLISH) {
            bool sync = false;
            for (size_t j = 0; j < n && !sync; j++)
                sync = up[i * n + j] && f->tasks[j].kind == CORE_TASK_SYNC;
            if (!sync)
                rc = at(err, f->file, tasks->items[i],
                        "%s task '%s' does not depend on any sync task (directly or through "
                        "other tasks)",
                        core_task_kind_name(t->kind), t->name);
        }
        if (rc == 0 && t->kind == CORE_TASK_GATE)
            rc = resolve_rerun(f, i, tasks->items[i], up, err);
    }
    free(up);
    return rc;
}
