/* vm.c - the console's view models (see vm.h): tables and the runs grid from snapshots. Pure
 * functions of their inputs plus the time; no curses. */
#include <math.h>
#include <stdarg.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "base/mem.h"
#include "tui/vm.h"

void tui_table_free(struct tui_table *t)
{
    for (size_t i = 0; t && i < t->n_rows; i++) {
        for (size_t c = 0; c < TUI_VM_MAX_COLS; c++)
            free(t->rows[i].cells[c].text);
        free(t->rows[i].key);
    }
    if (t) {
        free(t->rows);
        t->rows = NULL;
        t->n_rows = 0;
    }
}

struct tui_filter {
    regex_t re;
    bool invert;
};

/* Compiles a filter; NULL for "" (no filter) or on error (errbuf says why). */
struct tui_filter *tui_filter_new(const char *text, char *errbuf, size_t errsize)
{
    if (errbuf && errsize)
        errbuf[0] = '\0';
    if (!text || !*text || (text[0] == '!' && !text[1]))
        return NULL;
    struct tui_filter *f = wv_calloc(1, sizeof *f);
    f->invert = text[0] == '!';
    int rc = regcomp(&f->re, text + f->invert, REG_EXTENDED | REG_ICASE | REG_NOSUB);
    if (rc != 0) {
        if (errbuf)
            regerror(rc, &f->re, errbuf, errsize);
        free(f);
        return NULL;
    }
    return f;
}

void tui_filter_free(struct tui_filter *f)
{
    if (!f)
        return;
    regfree(&f->re);
    free(f);
}

/* Whether a row passes: any cell matches (or none, inverted). */
bool tui_filter_match(const struct tui_filter *f, const struct tui_row *r, size_t n_cols)
{
    if (!f)
        return true;
    bool hit = false;
    for (size_t c = 0; c < n_cols && !hit; c++)
        hit = r->cells[c].text && regexec(&f->re, r->cells[c].text, 0, NULL, 0) == 0;
    return hit != f->invert;
}

enum tui_slot tui_state_slot(const char *s)
{
    if (!s)
        return TUI_SLOT_DIM;
    if (!strcmp(s, "succeeded") || !strcmp(s, "success") || !strcmp(s, "pass") ||
        !strcmp(s, "published"))
        return TUI_SLOT_RUN_OK;
    if (!strcmp(s, "failed") || !strcmp(s, "fail") || !strcmp(s, "upstream_failed") ||
        !strcmp(s, "blocked"))
        return TUI_SLOT_RUN_FAILED;
    if (!strcmp(s, "running") || !strcmp(s, "publishing"))
        return TUI_SLOT_RUN_RUNNING;
    if (!strcmp(s, "up_for_retry") || !strcmp(s, "warn"))
        return TUI_SLOT_RUN_RETRY;
    if (!strcmp(s, "queued") || !strcmp(s, "staged"))
        return TUI_SLOT_RUN_QUEUED;
    if (!strcmp(s, "skipped") || !strcmp(s, "cancelled") || !strcmp(s, "discarded") ||
        !strcmp(s, "not_enough_history"))
        return TUI_SLOT_RUN_SKIPPED;
    return TUI_SLOT_TEXT;
}

const char *tui_state_glyph(const char *s, bool ascii)
{
    static const struct {
        const char *state, *utf8, *ascii;
    } g[] = {{"success", "\u25cf", "o"},         {"failed", "\u2717", "x"},
             {"running", "\u25b6", ">"},         {"up_for_retry", "\u21bb", "r"},
             {"upstream_failed", "\u2298", "^"}, {"skipped", "\u2013", "-"},
             {"queued", "\u00b7", "."},          {"none", "\u00b7", "."}};
    for (size_t i = 0; s && i < sizeof g / sizeof g[0]; i++)
        if (!strcmp(g[i].state, s))
            return ascii ? g[i].ascii : g[i].utf8;
    return " ";
}

const char *tui_fmt_ago(int64_t ms, int64_t now_ms, char *buf, size_t size)
{
    if (ms <= 0) {
        snprintf(buf, size, "-");
        return buf;
    }
    int64_t d = now_ms - ms;
    bool future = d < 0;
    if (future)
        d = -d;
    d /= 1000;
    char v[32];
    if (d < 60)
        snprintf(v, sizeof v, "%llds", (long long)d);
    else if (d < 3600)
        snprintf(v, sizeof v, "%lldm", (long long)(d / 60));
    else if (d < 86400)
        snprintf(v, sizeof v, "%lldh", (long long)(d / 3600));
    else
        snprintf(v, sizeof v, "%lldd", (long long)(d / 86400));
    snprintf(buf, size, future ? "in %s" : "%s ago", v);
    return buf;
}

const char *tui_fmt_dur(int64_t from, int64_t to, char *buf, size_t size)
{
    if (from <= 0 || to <= 0 || to < from) {
        snprintf(buf, size, "-");
        return buf;
    }
    double s = (double)(to - from) / 1000.0;
    if (s < 60)
        snprintf(buf, size, "%.1fs", s);
    else
        snprintf(buf, size, "%dm%02ds", (int)(s / 60), (int)s % 60);
    return buf;
}

void tui_sparkline(const double *v, size_t n, int width, bool ascii, char *buf, size_t size)
{
    static const char *const bars[] = {"\u2581", "\u2582", "\u2583", "\u2584",
                                       "\u2585", "\u2586", "\u2587", "\u2588"};
    static const char asc[] = " .:-=+*#";
    size_t from = width > 0 && n > (size_t)width ? n - (size_t)width : 0;
    double max = 0;
    for (size_t i = from; i < n; i++)
        if (v[i] > max)
            max = v[i];
    size_t off = 0;
    buf[0] = '\0';
    for (size_t i = from; i < n && off + 4 < size; i++) {
        int lvl = max > 0 ? (int)lround(v[i] / max * 7.0) : 0;
        if (lvl < 0)
            lvl = 0;
        if (lvl > 7)
            lvl = 7;
        off += (size_t)snprintf(buf + off, size - off, "%s",
                                ascii ? (char[2]){asc[lvl], 0} : bars[lvl]);
    }
}

/* Table building helpers. */
static struct tui_row *add_row(struct tui_table *t, const char *key)
{
    t->rows = wv_realloc(t->rows, (t->n_rows + 1) * sizeof *t->rows);
    struct tui_row *r = &t->rows[t->n_rows++];
    memset(r, 0, sizeof *r);
    r->key = wv_strdup(key ? key : "");
    return r;
}

static void cell(struct tui_row *r, size_t c, enum tui_slot slot, const char *fmt, ...)
    WV_PRINTF(4, 5);
static void cell(struct tui_row *r, size_t c, enum tui_slot slot, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *s = wv_vasprintf(fmt, ap);
    va_end(ap);
    free(r->cells[c].text);
    r->cells[c].text = s;
    r->cells[c].slot = slot;
}

/* Drops the last row if the filter rejects it. */
static void keep_if(struct tui_table *t, const struct tui_filter *f)
{
    struct tui_row *r = &t->rows[t->n_rows - 1];
    if (tui_filter_match(f, r, t->n_cols))
        return;
    for (size_t c = 0; c < TUI_VM_MAX_COLS; c++)
        free(r->cells[c].text);
    free(r->key);
    t->n_rows--;
}

static void headers(struct tui_table *t, const char *const *cols, const int *widths, size_t n)
{
    memset(t, 0, sizeof *t);
    for (size_t i = 0; i < n; i++)
        t->cols[i] = cols[i], t->widths[i] = widths[i];
    t->n_cols = n;
}

static const char *nz(const char *s)
{
    return s ? s : "";
}

void tui_vm_sources(const struct core_snapshot *s, const struct tui_filter *f,
                    struct tui_table *out)
{
    static const char *const cols[] = {"NAME", "CONNECTOR", "LAST CHECK", "WHEN", "MESSAGE"};
    static const int w[] = {20, 34, 10, 9, 10};
    headers(out, cols, w, 5);
    char ago[32];
    for (size_t i = 0; i < s->n_sources; i++) {
        const struct core_snap_source *src = &s->sources[i];
        struct tui_row *r = add_row(out, src->name);
        cell(r, 0, TUI_SLOT_TEXT, "%s", src->name);
        cell(r, 1, TUI_SLOT_DIM, "%s", src->connector);
        cell(r, 2, tui_state_slot(src->check_status), "%s",
             src->check_status ? src->check_status : "never");
        cell(r, 3, TUI_SLOT_DIM, "%s", tui_fmt_ago(src->checked_ms, s->taken_ms, ago, sizeof ago));
        cell(r, 4, TUI_SLOT_TEXT, "%s", nz(src->check_message));
        keep_if(out, f);
    }
}

void tui_vm_connections(const struct core_snapshot *s, const struct tui_filter *f,
                        struct tui_table *out)
{
    static const char *const cols[] = {"NAME",    "SOURCE",   "DEST",   "ON", "SCHEDULE",
                                       "NEXT",    "LAST",     "WHEN",   "RECORDS", "ERROR"};
    static const int w[] = {18, 12, 8, 3, 12, 9, 10, 9, 9, 10};
    headers(out, cols, w, 10);
    char ago[32], next[32];
    for (size_t i = 0; i < s->n_conns; i++) {
        const struct core_snap_conn *c = &s->conns[i];
        struct tui_row *r = add_row(out, c->name);
        cell(r, 0, TUI_SLOT_TEXT, "%s", c->name);
        cell(r, 1, TUI_SLOT_DIM, "%s", c->source);
        cell(r, 2, TUI_SLOT_DIM, "%s", c->destination);
        cell(r, 3, c->enabled ? TUI_SLOT_RUN_OK : TUI_SLOT_RUN_SKIPPED, "%s",
             c->enabled ? "yes" : "no");
        cell(r, 4, TUI_SLOT_TEXT, "%s", c->schedule);
        cell(r, 5, TUI_SLOT_DIM, "%s",
             c->next_ms > 0 ? tui_fmt_ago(c->next_ms, s->taken_ms, next, sizeof next) : "-");
        cell(r, 6, tui_state_slot(c->last_status), "%s", c->last_status ? c->last_status : "never");
        cell(r, 7, TUI_SLOT_DIM, "%s",
             tui_fmt_ago(c->last_started_ms, s->taken_ms, ago, sizeof ago));
        cell(r, 8, TUI_SLOT_TEXT, "%lld", (long long)c->last_records);
        cell(r, 9, TUI_SLOT_RUN_FAILED, "%s", nz(c->last_error));
        keep_if(out, f);
    }
}

void tui_vm_flows(const struct core_snapshot *s, const struct tui_filter *f,
                  struct tui_table *out)
{
    static const char *const cols[] = {"FLOW", "ON", "SCHEDULE", "NEXT", "TASKS", "LAST RUN",
                                       "STATE", "WHEN"};
    static const int w[] = {20, 3, 14, 9, 5, 8, 10, 8};
    headers(out, cols, w, 8);
    char ago[32], next[32];
    for (size_t i = 0; i < s->n_flows; i++) {
        const struct core_snap_flow *fl = &s->flows[i];
        const struct core_snap_run *last = NULL;
        for (size_t k = 0; k < s->n_runs && !last; k++)
            if (!strcmp(s->runs[k].flow, fl->name))
                last = &s->runs[k];
        struct tui_row *r = add_row(out, fl->name);
        cell(r, 0, TUI_SLOT_TEXT, "%s", fl->name);
        cell(r, 1, fl->enabled ? TUI_SLOT_RUN_OK : TUI_SLOT_RUN_SKIPPED, "%s",
             fl->enabled ? "yes" : "no");
        cell(r, 2, TUI_SLOT_TEXT, "%s", fl->schedule);
        cell(r, 3, TUI_SLOT_DIM, "%s",
             fl->next_ms > 0 ? tui_fmt_ago(fl->next_ms, s->taken_ms, next, sizeof next) : "-");
        cell(r, 4, TUI_SLOT_TEXT, "%zu", fl->n_tasks);
        cell(r, 5, TUI_SLOT_TEXT, "%s", last ? "" : "-");
        if (last)
            cell(r, 5, TUI_SLOT_TEXT, "%lld", (long long)last->id);
        cell(r, 6, tui_state_slot(last ? last->state : NULL), "%s", last ? last->state : "-");
        cell(r, 7, TUI_SLOT_DIM, "%s",
             tui_fmt_ago(last ? last->started_ms : 0, s->taken_ms, ago, sizeof ago));
        keep_if(out, f);
    }
}

void tui_vm_runs(const struct core_snapshot *s, const char *flow, const struct tui_filter *f,
                 struct tui_table *out)
{
    static const char *const cols[] = {"RUN", "FLOW", "STATE", "TRIGGER", "STARTED", "DURATION",
                                       "ERROR"};
    static const int w[] = {6, 18, 10, 8, 9, 8, 10};
    headers(out, cols, w, 7);
    char ago[32], dur[32], key[32];
    for (size_t i = 0; i < s->n_runs; i++) {
        const struct core_snap_run *run = &s->runs[i];
        if (flow && strcmp(run->flow, flow) != 0)
            continue;
        snprintf(key, sizeof key, "%lld", (long long)run->id);
        struct tui_row *r = add_row(out, key);
        cell(r, 0, TUI_SLOT_TEXT, "%lld", (long long)run->id);
        cell(r, 1, TUI_SLOT_TEXT, "%s", run->flow);
        cell(r, 2, tui_state_slot(run->state), "%s", run->state);
        cell(r, 3, TUI_SLOT_DIM, "%s", nz(run->trigger));
        cell(r, 4, TUI_SLOT_DIM, "%s", tui_fmt_ago(run->started_ms, s->taken_ms, ago, sizeof ago));
        cell(r, 5, TUI_SLOT_TEXT, "%s",
             run->ended_ms ? tui_fmt_dur(run->started_ms, run->ended_ms, dur, sizeof dur)
                           : tui_fmt_dur(run->started_ms, s->taken_ms, dur, sizeof dur));
        cell(r, 6, TUI_SLOT_RUN_FAILED, "%s", nz(run->error));
        keep_if(out, f);
    }
}

void tui_vm_jobs(const struct core_snapshot *s, const struct tui_filter *f,
                 struct tui_table *out)
{
    static const char *const cols[] = {"JOB", "CONNECTION", "STATUS", "STARTED", "DURATION",
                                       "RECORDS", "ERROR"};
    static const int w[] = {6, 18, 10, 9, 8, 10, 10};
    headers(out, cols, w, 7);
    char ago[32], dur[32], key[32];
    for (size_t i = 0; i < s->n_jobs; i++) {
        const struct core_snap_job *j = &s->jobs[i];
        snprintf(key, sizeof key, "%lld", (long long)j->id);
        struct tui_row *r = add_row(out, key);
        cell(r, 0, TUI_SLOT_TEXT, "%lld", (long long)j->id);
        cell(r, 1, TUI_SLOT_TEXT, "%s", j->connection);
        cell(r, 2, tui_state_slot(j->status), "%s", j->status);
        cell(r, 3, TUI_SLOT_DIM, "%s", tui_fmt_ago(j->started_ms, s->taken_ms, ago, sizeof ago));
        cell(r, 4, TUI_SLOT_TEXT, "%s",
             tui_fmt_dur(j->started_ms, j->ended_ms ? j->ended_ms : s->taken_ms, dur, sizeof dur));
        cell(r, 5, TUI_SLOT_TEXT, "%lld", (long long)j->records);
        cell(r, 6, TUI_SLOT_RUN_FAILED, "%s", nz(j->error));
        keep_if(out, f);
    }
}

void tui_vm_streams(const struct core_snapshot *s, const char *connection,
                    struct tui_table *out)
{
    static const char *const cols[] = {"STREAM", "SYNC MODE", "DESTINATION MODE", "STATE"};
    static const int w[] = {24, 14, 17, 10};
    headers(out, cols, w, 4);
    for (size_t i = 0; connection && i < s->n_conns; i++) {
        const struct core_snap_conn *c = &s->conns[i];
        if (strcmp(c->name, connection) != 0)
            continue;
        for (size_t k = 0; k < c->n_streams && c->streams; k++) {
            const struct core_snap_stream *st = &c->streams[k];
            struct tui_row *r = add_row(out, st->name);
            cell(r, 0, TUI_SLOT_TEXT, "%s", st->name);
            cell(r, 1, TUI_SLOT_TEXT, "%s", nz(st->sync_mode));
            cell(r, 2, TUI_SLOT_TEXT, "%s", nz(st->dest_mode));
            cell(r, 3, st->has_state ? TUI_SLOT_RUN_OK : TUI_SLOT_DIM, "%s",
                 st->has_state ? "stored" : "none");
        }
    }
}

void tui_vm_grid(const struct core_snapshot *s, const char *flow, size_t max_runs,
                 struct tui_grid *out)
{
    memset(out, 0, sizeof *out);
    const struct core_snap_flow *fl = NULL;
    for (size_t i = 0; i < s->n_flows && !fl; i++)
        if (!strcmp(s->flows[i].name, flow))
            fl = &s->flows[i];
    if (!fl)
        return;
    out->tasks = wv_calloc(fl->n_tasks ? fl->n_tasks : 1, sizeof *out->tasks);
    for (size_t i = 0; i < fl->n_tasks; i++)
        out->tasks[i] = wv_strdup(fl->tasks[i]);
    out->n_tasks = fl->n_tasks;
    out->run_ids = wv_calloc(max_runs ? max_runs : 1, sizeof *out->run_ids);
    out->run_states = wv_calloc(max_runs ? max_runs : 1, sizeof *out->run_states);
    const struct core_snap_run **runs = wv_calloc(max_runs ? max_runs : 1, sizeof *runs);
    for (size_t i = 0; i < s->n_runs && out->n_runs < max_runs; i++)
        if (!strcmp(s->runs[i].flow, flow)) {
            runs[out->n_runs] = &s->runs[i];
            out->run_ids[out->n_runs] = s->runs[i].id;
            out->run_states[out->n_runs++] = s->runs[i].state;
        }
    out->cells = wv_calloc(out->n_tasks * out->n_runs + 1, sizeof *out->cells);
    for (size_t t = 0; t < out->n_tasks; t++)
        for (size_t r = 0; r < out->n_runs; r++)
            for (size_t k = 0; k < runs[r]->n_tasks; k++)
                if (!strcmp(runs[r]->tasks[k].name, out->tasks[t]))
                    out->cells[t * out->n_runs + r] = runs[r]->tasks[k].state;
    free(runs);
}

void tui_grid_free(struct tui_grid *g)
{
    for (size_t i = 0; g && i < g->n_tasks; i++)
        free(g->tasks[i]);
    if (g) {
        free(g->tasks);
        free(g->run_ids);
        free(g->run_states);
        free(g->cells);
        memset(g, 0, sizeof *g);
    }
}

void tui_vm_run_tasks(const struct core_run_detail *d, struct tui_table *out)
{
    static const char *const cols[] = {"TASK", "STATE", "TRIES", "LOOP", "DURATION", "RECORDS",
                                       "ERROR"};
    static const int w[] = {18, 15, 5, 4, 8, 9, 10};
    headers(out, cols, w, 7);
    char dur[32];
    for (size_t i = 0; i < d->run.n_tasks; i++) {
        const struct core_snap_task *t = &d->run.tasks[i];
        struct tui_row *r = add_row(out, t->name);
        cell(r, 0, TUI_SLOT_TEXT, "%s", t->name);
        cell(r, 1, tui_state_slot(t->state), "%s %s", tui_state_glyph(t->state, false), t->state);
        cell(r, 2, TUI_SLOT_TEXT, "%d", t->try_number);
        cell(r, 3, TUI_SLOT_DIM, "%d", t->loop);
        cell(r, 4, TUI_SLOT_TEXT, "%s", tui_fmt_dur(t->started_ms, t->ended_ms, dur, sizeof dur));
        cell(r, 5, TUI_SLOT_TEXT, "%lld", (long long)t->records);
        cell(r, 6, TUI_SLOT_RUN_FAILED, "%s", nz(t->error));
    }
}

void tui_vm_run_checks(const struct core_run_detail *d, struct tui_table *out)
{
    static const char *const cols[] = {"CHECK", "SYNC", "STREAM", "SEV", "VERDICT", "OBSERVED",
                                       "THRESHOLD"};
    static const int w[] = {15, 12, 12, 5, 18, 10, 10};
    headers(out, cols, w, 7);
    for (size_t i = 0; i < d->n_checks; i++) {
        const struct core_snap_check *c = &d->checks[i];
        struct tui_row *r = add_row(out, c->check);
        cell(r, 0, TUI_SLOT_TEXT, "%s", c->check);
        cell(r, 1, TUI_SLOT_DIM, "%s", nz(c->sync_task));
        cell(r, 2, TUI_SLOT_TEXT, "%s", nz(c->stream));
        cell(r, 3, TUI_SLOT_DIM, "%s", c->error_severity ? "error" : "warn");
        enum tui_slot vs = !strcmp(nz(c->verdict), "pass")   ? TUI_SLOT_CHECK_PASS
                           : !strcmp(nz(c->verdict), "warn") ? TUI_SLOT_CHECK_WARN
                           : !strcmp(nz(c->verdict), "fail") ? TUI_SLOT_CHECK_FAIL
                                                             : TUI_SLOT_DIM;
        cell(r, 4, vs, "%s", nz(c->verdict));
        if (isnan(c->observed))
            cell(r, 5, TUI_SLOT_DIM, "-");
        else
            cell(r, 5, TUI_SLOT_TEXT, "%.6g", c->observed);
        cell(r, 6, TUI_SLOT_DIM, "%s", nz(c->threshold));
    }
}

void tui_vm_run_attempts(const struct core_run_detail *d, struct tui_table *out)
{
    static const char *const cols[] = {"ATTEMPT", "TASK", "TRY", "STATE", "DURATION", "ERROR"};
    static const int w[] = {8, 18, 4, 9, 8, 10};
    headers(out, cols, w, 6);
    char dur[32], key[32];
    for (size_t i = 0; i < d->n_attempts; i++) {
        const struct core_snap_attempt *a = &d->attempts[i];
        snprintf(key, sizeof key, "%lld", (long long)a->id);
        struct tui_row *r = add_row(out, key);
        cell(r, 0, TUI_SLOT_DIM, "%lld", (long long)a->id);
        cell(r, 1, TUI_SLOT_TEXT, "%s", a->task);
        cell(r, 2, TUI_SLOT_TEXT, "%d", a->number);
        cell(r, 3, tui_state_slot(a->state), "%s", a->state);
        cell(r, 4, TUI_SLOT_TEXT, "%s", tui_fmt_dur(a->started_ms, a->ended_ms, dur, sizeof dur));
        cell(r, 5, TUI_SLOT_RUN_FAILED, "%s", nz(a->error));
    }
}

void tui_vm_metrics(const struct core_snapshot *s, int spark_width, bool ascii,
                    struct tui_table *out)
{
    static const char *const cols[] = {"CONNECTION", "RECORDS/S (LAST RUNS)", "RATE", "RECORDS",
                                       "BYTES", "LAST DUR", "FAILED/20"};
    static const int w[] = {18, 22, 9, 10, 10, 8, 9};
    headers(out, cols, w, 7);
    double *v = wv_calloc(s->n_jobs + 1, sizeof *v);
    for (size_t c = 0; c < s->n_conns; c++) {
        const char *name = s->conns[c].name;
        size_t n = 0, failed = 0, seen = 0;
        int64_t recs = 0, bytes = 0, last_dur = -1;
        /* jobs are newest first: walk backwards for oldest-to-newest rates */
        for (size_t k = s->n_jobs; k-- > 0;) {
            const struct core_snap_job *j = &s->jobs[k];
            if (strcmp(j->connection, name) != 0)
                continue;
            if (j->ended_ms > j->started_ms && !strcmp(j->status, "succeeded"))
                v[n++] = (double)j->records * 1000.0 / (double)(j->ended_ms - j->started_ms);
            recs += j->records;
            bytes += j->bytes;
        }
        for (size_t k = 0; k < s->n_jobs && seen < 20; k++) {
            const struct core_snap_job *j = &s->jobs[k];
            if (strcmp(j->connection, name) != 0)
                continue;
            if (last_dur < 0 && j->ended_ms)
                last_dur = j->ended_ms - j->started_ms;
            seen++;
            failed += !strcmp(j->status, "failed");
        }
        char spark[256], dur[32];
        tui_sparkline(v, n, spark_width, ascii, spark, sizeof spark);
        struct tui_row *r = add_row(out, name);
        cell(r, 0, TUI_SLOT_TEXT, "%s", name);
        cell(r, 1, TUI_SLOT_SPARK, "%s", n ? spark : "-");
        cell(r, 2, TUI_SLOT_TEXT, "%.0f", n ? v[n - 1] : 0.0);
        cell(r, 3, TUI_SLOT_TEXT, "%lld", (long long)recs);
        double b = (double)bytes;
        const char *unit = b >= 1e9 ? "GB" : b >= 1e6 ? "MB" : b >= 1e3 ? "KB" : "B";
        double div = b >= 1e9 ? 1e9 : b >= 1e6 ? 1e6 : b >= 1e3 ? 1e3 : 1;
        cell(r, 4, TUI_SLOT_TEXT, "%.1f %s", b / div, unit);
        cell(r, 5, TUI_SLOT_TEXT, "%s", last_dur >= 0 ? tui_fmt_dur(1, 1 + last_dur, dur, sizeof dur) : "-");
        cell(r, 6, failed ? TUI_SLOT_RUN_FAILED : TUI_SLOT_RUN_OK, "%zu/%zu", failed, seen);
    }
    free(v);
}
