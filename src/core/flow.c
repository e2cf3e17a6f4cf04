/* flow.c - the flow model: flows/ *.yaml files read into struct core_flow (a schedule and a
 * DAG of tasks), every field checked with file:line:col errors. The graph rules and the
 * topological order are in flow_check.c. File shape:
 *   name: daily_orders            # default: the file stem
 *   schedule: "0 6 * * *"         # or "every 15m", {every: 15m}, {cron: "...", timezone: Z}
 *   every: 15m                    # instead of schedule
 *   timezone: Europe/Paris        # of a cron schedule (default UTC)
 *   catchup: none                 # none | last | all
 *   max_parallel: 4               # 1..64
 *   enabled: true
 *   tasks:                        # name, type, depends_on, trigger_rule, retries, retry_delay,
 *     - {name: s, type: sync, connection: c}   # timeout, description, plus per type:
 *       sync: connection; quality: checks; gate: on_failure {rerun, max_loops}; command: argv
 * Runs on whichever thread loads the workspace. */
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/fs.h"
#include "base/mem.h"
#include "base/yaml.h"
#include "core/flow_load_int.h"

#define FLOW_MAX_TASKS 1000
#define DEFAULT_RETRY_DELAY_MS 10000
#define DEFAULT_MAX_PARALLEL 4

static const char *const task_kind_names[] = {
#define CORE_X_TK(id, text) text,
    CORE_TASK_KINDS(CORE_X_TK)
#undef CORE_X_TK
};
#define N_KINDS (sizeof task_kind_names / sizeof *task_kind_names)

static const char *const trigger_names[] = {
#define CORE_X_TR(id, text) text,
    CORE_TRIGGERS(CORE_X_TR)
#undef CORE_X_TR
};
#define N_TRIGGERS (sizeof trigger_names / sizeof *trigger_names)

const char *core_task_kind_name(enum core_task_kind k)
{
    return (size_t)k < N_KINDS ? task_kind_names[k] : "?";
}

const char *core_trigger_name(enum core_trigger t)
{
    return (size_t)t < N_TRIGGERS ? trigger_names[t] : "?";
}

/* The flow of that name. */
const struct core_flow *core_workspace_flow(const struct core_workspace *ws, const char *name)
{
    for (size_t i = 0; i < ws->n_flows; i++)
        if (wv_str_eq(ws->flows[i].name, name))
            return &ws->flows[i];
    return NULL;
}

/* The index of a task. */
long core_flow_task(const struct core_flow *f, const char *name)
{
    for (size_t i = 0; i < f->n_tasks; i++)
        if (wv_str_eq(f->tasks[i].name, name))
            return (long)i;
    return -1;
}

/* Error at a node with a formatted message. */
static int node_errorf(struct wv_error *err, const char *origin, const struct wv_json *node,
                       const char *fmt, ...) WV_PRINTF(4, 5);
static int node_errorf(struct wv_error *err, const char *origin, const struct wv_json *node,
                       const char *fmt, ...)
{
    char msg[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return core_node_error(err, origin, node, msg);
}

/* A duration field (string like "30m"); *out unchanged when absent. */
static int get_duration(const struct wv_json *obj, const char *key, const char *origin,
                        int64_t *out, struct wv_error *err)
{
    const struct wv_json *v = wv_json_get(obj, key);
    if (!v || v->type == WV_JSON_NULL)
        return 0;
    int64_t ms = v->type == WV_JSON_STRING ? wv_duration_parse(v->s) : -1;
    if (ms < 0) {
        char msg[300];
        snprintf(msg, sizeof msg, "invalid duration '%.64s' for '%s' (use e.g. 90s, 15m, 2h, 1d, "
                 "1h30m)", v->type == WV_JSON_STRING || v->type == WV_JSON_NUMBER ? v->s : "",
                 key);
        return core_node_error(err, origin, v, msg);
    }
    *out = ms;
    return 0;
}

/* An integer field within lo..hi; *out unchanged when absent. */
static int get_int(const struct wv_json *obj, const char *key, const char *origin, int lo,
                   int hi, int *out, struct wv_error *err)
{
    const struct wv_json *v = wv_json_get(obj, key);
    if (!v || v->type == WV_JSON_NULL)
        return 0;
    int64_t x;
    if (v->type != WV_JSON_NUMBER || wv_json_as_i64(v, &x) < 0 || x < lo || x > hi) {
        char msg[160];
        snprintf(msg, sizeof msg, "'%s' must be an integer from %d to %d", key, lo, hi);
        return core_node_error(err, origin, v, msg);
    }
    *out = (int)x;
    return 0;
}

/* A list of names (a string is a list of one); NULL-ended copy into *out. */
static int get_names(const struct wv_json *obj, const char *key, const char *origin,
                     const struct wv_json **node, struct wv_error *err)
{
    const struct wv_json *v = wv_json_get(obj, key);
    *node = NULL;
    if (!v || v->type == WV_JSON_NULL)
        return 0;
    bool ok = v->type == WV_JSON_STRING || v->type == WV_JSON_ARRAY;
    for (size_t i = 0; ok && v->type == WV_JSON_ARRAY && i < v->len; i++)
        ok = v->items[i]->type == WV_JSON_STRING;
    if (!ok)
        return node_errorf(err, origin, v, "'%s' must be a task name or a list of task names",
                           key);
    *node = v;
    return 0;
}

/* Whether path is an executable regular file. */
static bool is_exec(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode) && access(path, X_OK) == 0;
}

/* argv[0] to an absolute executable path: absolute as is, with a '/' relative to the
 * workspace root, else searched on $PATH. NULL if not found. Caller frees. */
static char *resolve_program(const char *prog, const char *root)
{
    if (prog[0] == '/')
        return is_exec(prog) ? wv_strdup(prog) : NULL;
    if (strchr(prog, '/')) {
        char *p = wv_path_join(root, prog);
        if (is_exec(p))
            return p;
        free(p);
        return NULL;
    }
    const char *path = getenv("PATH");
    for (const char *s = path ? path : ""; *s;) {
        const char *e = strchr(s, ':');
        size_t n = e ? (size_t)(e - s) : strlen(s);
        if (n > 0 && s[0] == '/') {
            char *dir = wv_strndup(s, n);
            char *p = wv_path_join(dir, prog);
            free(dir);
            if (is_exec(p))
                return p;
            free(p);
        }
        s += n + (e ? 1 : 0);
    }
    return NULL;
}

/* command: argv. */
static int load_argv(const struct wv_json *node, const char *origin, const char *root,
                     struct core_task *t, struct wv_error *err)
{
    const struct wv_json *v = wv_json_get(node, "argv");
    if (!v || v->type == WV_JSON_NULL)
        return core_node_error(err, origin, node, "missing required field 'argv'");
    bool ok = v->type == WV_JSON_ARRAY && v->len > 0;
    for (size_t i = 0; ok && i < v->len; i++)
        ok = v->items[i]->type == WV_JSON_STRING || v->items[i]->type == WV_JSON_NUMBER;
    if (!ok || !v->items[0]->s[0])
        return core_node_error(err, origin, v, "'argv' must be a non-empty list of strings");
    char *prog = resolve_program(v->items[0]->s, root);
    if (!prog) {
        bool path = strchr(v->items[0]->s, '/') != NULL;
        return node_errorf(err, origin, v->items[0],
                           path ? "command '%.200s' is not an executable file"
                                : "command '%.200s' not found on PATH",
                           v->items[0]->s);
    }
    t->argv = wv_calloc(v->len + 1, sizeof *t->argv);
    t->argv[0] = prog;
    for (size_t i = 1; i < v->len; i++)
        t->argv[i] = wv_strdup(v->items[i]->s);
    t->argc = v->len;
    return 0;
}

/* Appends the checks of a list node (from origin) to t. */
static int add_checks(const struct wv_json *v, const char *origin, struct core_task *t,
                      struct wv_error *err)
{
    if (v->type != WV_JSON_ARRAY || v->len == 0)
        return core_node_error(err, origin, v, "'checks' must be a non-empty list of checks");
    t->checks = wv_realloc(t->checks, (t->n_checks + v->len) * sizeof *t->checks);
    for (size_t i = 0; i < v->len; i++) {
        if (qual_check_parse(v->items[i], origin, &t->checks[t->n_checks], err) < 0)
            return -1;
        t->n_checks++;
    }
    return 0;
}

/* quality: checks, inline and/or from a suite file (`suite: suites/orders.yaml`, relative to
 * the workspace, holding `checks: [...]` or a bare list), so several flows share one suite. */
static int load_task_checks(const struct core_workspace *ws, const struct wv_json *node,
                            const char *origin, struct core_task *t, struct wv_error *err)
{
    const struct wv_json *v = wv_json_get(node, "checks");
    char *suite = NULL;
    if (core_get_string(node, "suite", origin, false, &suite, err) < 0)
        return -1;
    if ((!v || v->type == WV_JSON_NULL) && !suite)
        return core_node_error(err, origin, node, "missing required field 'checks' (or 'suite')");
    if (v && v->type != WV_JSON_NULL && add_checks(v, origin, t, err) < 0) {
        free(suite);
        return -1;
    }
    int rc = 0;
    if (suite) {
        char *path = suite[0] == '/' ? wv_strdup(suite) : wv_path_join(ws->root, suite);
        struct wv_json *doc = wv_yaml_parse_file(path, err);
        if (!doc) {
            char where[PATH_MAX + 32];
            rc = wv_error_prefix(err, "%s: suite",
                                 core_where(origin, wv_json_get(node, "suite"), where,
                                            sizeof where));
        } else {
            const struct wv_json *list =
                doc->type == WV_JSON_OBJECT ? wv_json_get(doc, "checks") : doc;
            rc = list ? add_checks(list, path, t, err)
                      : core_node_error(err, path, doc, "a suite holds 'checks: [...]'");
        }
        wv_json_free(doc);
        free(path);
        free(suite);
    }
    return rc;
}

/* gate: on_failure {rerun, max_loops} (the names are resolved in flow_check.c). */
static int load_on_failure(const struct wv_json *node, const char *origin, struct core_task *t,
                           struct wv_error *err)
{
    static const char *const keys[] = {"rerun", "max_loops", NULL};
    const struct wv_json *v = wv_json_get(node, "on_failure");
    if (!v || v->type == WV_JSON_NULL)
        return 0;
    if (v->type != WV_JSON_OBJECT)
        return core_node_error(err, origin, v, "'on_failure' must be a mapping (rerun, max_loops)");
    const struct wv_json *rerun;
    if (core_check_keys(v, origin, keys, err) < 0 ||
        get_names(v, "rerun", origin, &rerun, err) < 0)
        return -1;
    if (!rerun || (rerun->type == WV_JSON_ARRAY && rerun->len == 0))
        return core_node_error(err, origin, v, "'on_failure' needs 'rerun' (sync tasks to rerun)");
    t->max_loops = 1;
    return get_int(v, "max_loops", origin, 1, 10, &t->max_loops, err);
}

/* One task's fields (depends_on and rerun are resolved later). */
static int load_task(const struct core_workspace *ws, const struct wv_json *node,
                     const char *origin, struct core_task *t, struct wv_error *err)
{
    static const char *const common[] = {"name", "type", "depends_on", "trigger_rule",
                                         "retries", "retry_delay", "timeout", "description"};
    static const char *const extra[N_KINDS][2] = {
        {"connection", NULL}, {"checks", "suite"}, {"on_failure", NULL}, {NULL, NULL},
        {"argv", NULL}};
    t->line = node->line;
    t->col = node->col;
    t->retry_delay_ms = DEFAULT_RETRY_DELAY_MS;
    if (node->type != WV_JSON_OBJECT)
        return core_node_error(err, origin, node, "a task must be a mapping");
    if (core_get_string(node, "name", origin, true, &t->name, err) < 0)
        return -1;
    if (!core_name_ok(t->name))
        return node_errorf(err, origin, wv_json_get(node, "name"),
                           "invalid task name '%.128s' (use letters, digits, '_', '-', '.')",
                           t->name);
    char *type = NULL;
    if (core_get_string(node, "type", origin, true, &type, err) < 0)
        return -1;
    size_t k = 0;
    while (k < N_KINDS && strcmp(task_kind_names[k], type) != 0)
        k++;
    if (k == N_KINDS) {
        char list[256] = "";
        for (size_t i = 0, off = 0; i < N_KINDS && off < sizeof list; i++)
            off += (size_t)snprintf(list + off, sizeof list - off, "%s%s", i ? ", " : "",
                                    task_kind_names[i]);
        node_errorf(err, origin, wv_json_get(node, "type"), "unknown task type '%.64s' (%s)",
                    type, list);
        free(type);
        return -1;
    }
    free(type);
    t->kind = (enum core_task_kind)k;
    const char *keys[sizeof common / sizeof *common + 3];
    size_t nk = 0;
    for (size_t i = 0; i < sizeof common / sizeof *common; i++)
        keys[nk++] = common[i];
    for (size_t i = 0; i < 2; i++)
        if (extra[k][i])
            keys[nk++] = extra[k][i];
    keys[nk] = NULL;
    if (core_check_keys(node, origin, keys, err) < 0)
        return -1;
    const struct wv_json *tr = wv_json_get(node, "trigger_rule");
    if (tr && tr->type != WV_JSON_NULL) {
        size_t r = 0;
        while (tr->type == WV_JSON_STRING && r < N_TRIGGERS && strcmp(trigger_names[r], tr->s))
            r++;
        if (tr->type != WV_JSON_STRING || r == N_TRIGGERS)
            return node_errorf(err, origin, tr,
                               "unknown trigger_rule '%.64s' (all_success, all_done, one_failed, "
                               "none_failed)",
                               tr->type == WV_JSON_STRING ? tr->s : "");
        t->trigger = (enum core_trigger)r;
    }
    const struct wv_json *deps;
    if (get_names(node, "depends_on", origin, &deps, err) < 0 ||
        get_int(node, "retries", origin, 0, 100, &t->retries, err) < 0 ||
        get_duration(node, "retry_delay", origin, &t->retry_delay_ms, err) < 0 ||
        get_duration(node, "timeout", origin, &t->timeout_ms, err) < 0)
        return -1;
    switch (t->kind) {
    case CORE_TASK_SYNC:
        if (core_get_string(node, "connection", origin, true, &t->connection, err) < 0)
            return -1;
        if (!core_workspace_connection(ws, t->connection))
            return node_errorf(err, origin, wv_json_get(node, "connection"),
                               "unknown connection '%.128s' (no connections/ file defines it)",
                               t->connection);
        return 0;
    case CORE_TASK_QUALITY:
        return load_task_checks(ws, node, origin, t, err);
    case CORE_TASK_GATE:
        return load_on_failure(node, origin, t, err);
    case CORE_TASK_COMMAND:
        return load_argv(node, origin, ws->root, t, err);
    case CORE_TASK_PUBLISH:
    case CORE_TASK_NOOP:
        return 0;
    }
    return 0;
}

/* The schedule: `schedule:` (cron text, "every 15m", {every}, {cron, timezone}), `every:`,
 * `timezone:`. */
static int load_schedule(const struct wv_json *doc, const char *origin, struct core_flow *f,
                         struct wv_error *err)
{
    static const char *const skeys[] = {"cron", "every", "timezone", NULL};
    const struct wv_json *sched = wv_json_get(doc, "schedule");
    const struct wv_json *every = wv_json_get(doc, "every");
    const struct wv_json *tz = wv_json_get(doc, "timezone");
    const struct wv_json *cron = NULL;
    if (sched && sched->type == WV_JSON_NULL)
        sched = NULL;
    if (sched && every)
        return core_node_error(err, origin, every, "give either 'schedule' or 'every', not both");
    if (sched && sched->type == WV_JSON_OBJECT) {
        if (core_check_keys(sched, origin, skeys, err) < 0)
            return -1;
        cron = wv_json_get(sched, "cron");
        every = wv_json_get(sched, "every");
        const struct wv_json *tz2 = wv_json_get(sched, "timezone");
        if (tz2 && tz)
            return core_node_error(err, origin, tz2, "'timezone' is given twice");
        if (tz2)
            tz = tz2;
        if (!!cron == !!every)
            return core_node_error(err, origin, sched,
                                   "schedule must have exactly one of 'cron' and 'every'");
    } else if (sched && sched->type == WV_JSON_STRING) {
        if (strncmp(sched->s, "every ", 6) == 0) {
            int64_t ms = wv_duration_parse(sched->s + 6);
            if (ms < 0)
                return node_errorf(err, origin, sched, "invalid duration '%.64s' for 'every' "
                                   "(use e.g. 90s, 15m, 2h, 1d, 1h30m)", sched->s + 6);
            f->every_ms = ms;
        } else {
            cron = sched;
        }
    } else if (sched) {
        return core_node_error(err, origin, sched,
                               "schedule must be a cron line, {every: 15m} or {cron: ...}");
    }
    if (every && get_duration(every == wv_json_get(doc, "every") ? doc : sched, "every", origin,
                              &f->every_ms, err) < 0)
        return -1;
    if (tz && tz->type != WV_JSON_STRING)
        return core_node_error(err, origin, tz, "'timezone' must be a zone name like Europe/Paris");
    if (tz && !cron)
        return core_node_error(err, origin, tz, "'timezone' applies to a cron schedule only");
    if (!cron)
        return 0;
    if (cron->type != WV_JSON_STRING)
        return core_node_error(err, origin, cron, "a cron schedule must be a string");
    struct wv_error cerr = {0};
    if (wv_cron_parse(cron->s, "UTC", &f->cron, &cerr) < 0)
        return core_node_error(err, origin, cron, cerr.msg);
    if (tz && wv_cron_parse(cron->s, tz->s, &f->cron, &cerr) < 0)
        return core_node_error(err, origin, tz, cerr.msg);
    f->schedule = wv_strdup(cron->s);
    return 0;
}

/* Top-level fields of a flow file other than tasks. */
static int load_head(const struct wv_json *doc, const char *path, struct core_flow *f,
                     struct wv_error *err)
{
    static const char *const keys[] = {"name", "description", "schedule", "every", "timezone",
                                       "catchup", "max_parallel", "enabled", "tasks", NULL};
    if (core_check_keys(doc, path, keys, err) < 0 ||
        core_get_string(doc, "name", path, false, &f->name, err) < 0)
        return -1;
    if (f->name && !core_name_ok(f->name))
        return node_errorf(err, path, wv_json_get(doc, "name"),
                           "invalid name '%.128s' (use letters, digits, '_', '-', '.')", f->name);
    if (!f->name)
        f->name = wv_path_stem(path, wv_str_ends(path, ".yml") ? ".yml" : ".yaml");
    if (!core_name_ok(f->name))
        return core_node_error(err, path, doc, "file name is not a valid flow name");
    if (load_schedule(doc, path, f, err) < 0 ||
        core_get_string(doc, "catchup", path, false, &f->catchup, err) < 0)
        return -1;
    if (!f->catchup)
        f->catchup = wv_strdup("none");
    if (strcmp(f->catchup, "none") && strcmp(f->catchup, "last") && strcmp(f->catchup, "all"))
        return node_errorf(err, path, wv_json_get(doc, "catchup"),
                           "unknown catchup '%.64s' (none, last, all)", f->catchup);
    if (get_int(doc, "max_parallel", path, 1, 64, &f->max_parallel, err) < 0)
        return -1;
    if (wv_json_get_bool(doc, "enabled", true, &f->enabled) < 0)
        return core_node_error(err, path, wv_json_get(doc, "enabled"),
                               "'enabled' must be true or false");
    return 0;
}

/* Loads one flow file; others are the flows loaded before it (for duplicate names). */
static int load_flow(const struct core_workspace *ws, const char *path, struct core_flow *f,
                     const struct core_flow *others, size_t n_others, struct wv_error *err)
{
    struct wv_json *doc = wv_yaml_parse_file(path, err);
    int rc = -1;
    f->file = wv_strdup(path);
    f->max_parallel = DEFAULT_MAX_PARALLEL;
    f->enabled = true;
    if (!doc)
        goto out;
    if (doc->type != WV_JSON_OBJECT) {
        core_node_error(err, path, doc, "a flow file must be a mapping");
        goto out;
    }
    if (load_head(doc, path, f, err) < 0)
        goto out;
    for (size_t i = 0; i < n_others; i++) {
        if (strcmp(others[i].name, f->name) == 0) {
            const struct wv_json *nm = wv_json_get(doc, "name");
            char msg[PATH_MAX + 200];
            snprintf(msg, sizeof msg, "flow '%s' is also defined in %s", f->name,
                     others[i].file);
            core_node_error(err, path, nm ? nm : doc, msg);
            goto out;
        }
    }
    const struct wv_json *tasks = wv_json_get(doc, "tasks");
    if (!tasks || tasks->type != WV_JSON_ARRAY || tasks->len == 0) {
        core_node_error(err, path, tasks ? tasks : doc, "'tasks' must be a non-empty list of tasks");
        goto out;
    }
    if (tasks->len > FLOW_MAX_TASKS) {
        core_node_error(err, path, tasks, "a flow has at most 1000 tasks");
        goto out;
    }
    f->tasks = wv_calloc(tasks->len, sizeof *f->tasks);
    for (size_t i = 0; i < tasks->len; i++) {
        f->n_tasks++;
        if (load_task(ws, tasks->items[i], path, &f->tasks[i], err) < 0)
            goto out;
        for (size_t j = 0; j < i; j++) {
            if (strcmp(f->tasks[j].name, f->tasks[i].name) == 0) {
                char msg[300];
                snprintf(msg, sizeof msg, "duplicate task name '%s' (first at line %u)",
                         f->tasks[i].name, f->tasks[j].line);
                core_node_error(err, path, wv_json_get(tasks->items[i], "name"), msg);
                goto out;
            }
        }
    }
    rc = core_flow_check_graph(f, tasks, err);
out:
    wv_json_free(doc);
    return rc;
}

/* Loads every flow file. */
int core_flows_load(struct core_workspace *ws, struct wv_error *err)
{
    char *dir = wv_path_join(ws->root, "flows");
    char **names = NULL;
    int rc = wv_fs_list(dir, &names, err);
    if (rc < 0) {
        free(dir);
        return -1;
    }
    size_t n = wv_strv_len(names);
    ws->flows = wv_calloc(n ? n : 1, sizeof *ws->flows);
    for (size_t i = 0; i < n && rc == 0; i++) {
        if (!wv_str_ends(names[i], ".yaml") && !wv_str_ends(names[i], ".yml"))
            continue;
        char *path = wv_path_join(dir, names[i]);
        struct core_flow *f = &ws->flows[ws->n_flows++];
        rc = load_flow(ws, path, f, ws->flows, ws->n_flows - 1, err);
        free(path);
    }
    wv_strv_free(names);
    free(dir);
    return rc;
}

/* Frees what a task owns. */
static void task_done(struct core_task *t)
{
    free(t->name);
    free(t->connection);
    free(t->deps);
    for (size_t i = 0; i < t->n_checks; i++)
        qual_check_done(&t->checks[i]);
    free(t->checks);
    free(t->rerun);
    for (size_t i = 0; t->argv && i < t->argc; i++)
        free(t->argv[i]);
    free(t->argv);
}

/* Frees every flow. */
void core_flows_free(struct core_workspace *ws)
{
    for (size_t i = 0; i < ws->n_flows; i++) {
        struct core_flow *f = &ws->flows[i];
        free(f->name);
        free(f->file);
        free(f->schedule);
        free(f->catchup);
        for (size_t j = 0; j < f->n_tasks; j++)
            task_done(&f->tasks[j]);
        free(f->tasks);
        free(f->order);
    }
    free(ws->flows);
    ws->flows = NULL;
    ws->n_flows = 0;
}
