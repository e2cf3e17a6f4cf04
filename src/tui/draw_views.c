/* draw_views.c - the bodies of the console's views: tables (sources, connections and recent
 * runs, flows, run detail, metrics), the runs grid (tasks x runs, like Airflow's grid), the live
 * logs and the command log; plus which table each view's pane shows. */
#include <curses.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "tui/draw_int.h"

/* ---- what each pane shows ---- */

int tui_app_panes(const struct app *a, enum view v)
{
    (void)a;
    switch (v) {
    case VIEW_FLOWS:
        return 2;
    case VIEW_CONNECTIONS:
    case VIEW_RUN:
        return 3;
    default:
        return 1;
    }
}

static const char *selected_flow(const struct app *a)
{
    struct tui_table t;
    tui_app_table(a, VIEW_FLOWS, 0, &t);
    size_t sel = a->sel[VIEW_FLOWS][0];
    static char name[256];
    name[0] = '\0';
    if (sel < t.n_rows)
        snprintf(name, sizeof name, "%s", t.rows[sel].key);
    tui_table_free(&t);
    return name[0] ? name : NULL;
}

void tui_app_table(const struct app *a, enum view v, int pane, struct tui_table *out)
{
    memset(out, 0, sizeof *out);
    const struct core_snapshot *s = a->snap;
    const struct tui_filter *f = a->filter[v];
    if (!s)
        return;
    switch (v) {
    case VIEW_SOURCES:
        tui_vm_sources(s, f, out);
        break;
    case VIEW_CONNECTIONS:
        if (pane == 0) {
            tui_vm_connections(s, f, out);
        } else if (pane == 1) {
            struct tui_table c;
            tui_vm_connections(s, a->filter[v], &c);
            size_t sel = a->sel[v][0];
            tui_vm_streams(s, sel < c.n_rows ? c.rows[sel].key : NULL, out);
            tui_table_free(&c);
        } else {
            tui_vm_jobs(s, f, out);
        }
        break;
    case VIEW_FLOWS:
        if (pane == 0)
            tui_vm_flows(s, f, out);
        break;
    case VIEW_RUN:
        if (!a->detail)
            break;
        if (pane == 0)
            tui_vm_run_tasks(a->detail, out);
        else if (pane == 1)
            tui_vm_run_checks(a->detail, out);
        else
            tui_vm_run_attempts(a->detail, out);
        break;
    case VIEW_METRICS:
        tui_vm_metrics(s, 20, a->ascii, out);
        break;
    default:
        break;
    }
}

const char *tui_app_selected(const struct app *a, char *buf, size_t size)
{
    buf[0] = '\0';
    if (a->view == VIEW_FLOWS && a->pane[VIEW_FLOWS] == 1) {
        struct tui_grid g;
        const char *fl = selected_flow(a);
        if (!fl || !a->snap)
            return buf;
        tui_vm_grid(a->snap, fl, 40, &g);
        if (a->grid_run < g.n_runs)
            snprintf(buf, size, "%lld", (long long)g.run_ids[a->grid_run]);
        tui_grid_free(&g);
        return buf;
    }
    struct tui_table t;
    tui_app_table(a, a->view, a->pane[a->view], &t);
    size_t sel = a->sel[a->view][a->pane[a->view]];
    if (sel < t.n_rows)
        snprintf(buf, size, "%s", t.rows[sel].key);
    tui_table_free(&t);
    return buf;
}

/* ---- drawing ---- */

/* A pane title: "> Connections (4)  /filter" (the marker when focused). */
static void pane_title(const struct app *a, int y, const char *title, size_t n, bool focused,
                       const char *filter)
{
    char buf[1400];
    snprintf(buf, sizeof buf, "%s%s (%zu)%s%s", focused ? "> " : "  ", title, n,
             filter && *filter ? "  /" : "", filter && *filter ? filter : "");
    tui_attr(TUI_SLOT_HEADER, true);
    tui_put(y, 0, buf, COLS, true);
    tui_attr(TUI_SLOT_HEADER, false);
    (void)a;
}

/* Column x positions for a table at width w: minimum widths, the last takes the rest. */
static void layout(const struct tui_table *t, int w, int *x, int *cw)
{
    int pos = 1;
    for (size_t c = 0; c < t->n_cols; c++) {
        x[c] = pos;
        cw[c] = c + 1 == t->n_cols ? w - pos : t->widths[c];
        if (pos + cw[c] > w) /* narrow terminal: clip, never wrap into the next line */
            cw[c] = w - pos;
        if (cw[c] < 1)
            cw[c] = 0;
        pos += t->widths[c] + 1;
    }
}

/* A table in lines [y, y + h): a header row, then rows from *top keeping sel visible. */
static void draw_table(const struct tui_table *t, int y, int h, size_t sel, size_t *top,
                       bool focused)
{
    if (h < 1)
        return;
    int x[TUI_VM_MAX_COLS], cw[TUI_VM_MAX_COLS];
    layout(t, COLS, x, cw);
    tui_attr(TUI_SLOT_DIM, true);
    for (size_t c = 0; c < t->n_cols; c++)
        tui_put(y, x[c], t->cols[c], cw[c], false);
    tui_attr(TUI_SLOT_DIM, false);
    int rows = h - 1;
    if (rows < 1)
        return;
    if (sel < *top)
        *top = sel;
    if (sel >= *top + (size_t)rows)
        *top = sel - (size_t)rows + 1;
    for (int r = 0; r < rows && *top + (size_t)r < t->n_rows; r++) {
        size_t i = *top + (size_t)r;
        const struct tui_row *row = &t->rows[i];
        bool is_sel = i == sel && focused;
        if (is_sel) {
            tui_attr(TUI_SLOT_SELECTION, true);
            tui_put(y + 1 + r, 0, "", COLS, true);
        }
        for (size_t c = 0; c < t->n_cols; c++) {
            if (!is_sel)
                tui_attr(row->cells[c].slot, true);
            tui_put(y + 1 + r, x[c], row->cells[c].text, cw[c], false);
            if (!is_sel)
                tui_attr(row->cells[c].slot, false);
        }
        if (is_sel)
            tui_attr(TUI_SLOT_SELECTION, false);
    }
}

/* One pane of a view: title + table. */
static void pane(struct app *a, enum view v, int p, const char *title, int y, int h)
{
    struct tui_table t;
    tui_app_table(a, v, p, &t);
    size_t *sel = &a->sel[v][p];
    if (t.n_rows && *sel >= t.n_rows)
        *sel = t.n_rows - 1;
    bool focused = a->pane[v] == p;
    pane_title(a, y, title, t.n_rows, focused, focused ? a->filter_text[v] : NULL);
    draw_table(&t, y + 1, h - 1, *sel, &a->top[v][p], focused);
    a->row_y[v][p] = y + 2; /* title, column headers, then rows */
    a->row_n[v][p] = h - 2 > 0 ? h - 2 : 0;
    tui_table_free(&t);
}

/* The runs grid of the selected flow. */
static void draw_grid(struct app *a, int y, int h)
{
    const char *fl = selected_flow(a);
    bool focused = a->pane[VIEW_FLOWS] == 1;
    if (!fl || h < 3) {
        pane_title(a, y, "Runs grid", 0, focused, NULL);
        return;
    }
    struct tui_grid g;
    int name_w = 20, cols = (COLS - name_w - 2) / 3;
    tui_vm_grid(a->snap, fl, cols > 0 ? (size_t)cols : 1, &g);
    char title[300];
    snprintf(title, sizeof title, "Runs grid: %s", fl);
    pane_title(a, y, title, g.n_runs, focused, NULL);
    if (a->grid_run >= g.n_runs && g.n_runs)
        a->grid_run = g.n_runs - 1;
    if (a->grid_task >= g.n_tasks && g.n_tasks)
        a->grid_task = g.n_tasks - 1;
    /* header: run states of each column (newest left) */
    tui_attr(TUI_SLOT_DIM, true);
    tui_put(y + 1, 1, "task / run", name_w, false);
    tui_attr(TUI_SLOT_DIM, false);
    for (size_t r = 0; r < g.n_runs; r++) {
        tui_attr(tui_state_slot(g.run_states[r]), true);
        tui_put(y + 1, name_w + 2 + (int)r * 3, tui_state_glyph(
                    !strcmp(g.run_states[r], "success") ? "success"
                    : !strcmp(g.run_states[r], "running") ? "running"
                    : !strcmp(g.run_states[r], "cancelled") ? "skipped" : "failed", a->ascii),
                2, false);
        tui_attr(tui_state_slot(g.run_states[r]), false);
    }
    for (size_t t = 0; t < g.n_tasks && (int)t < h - 3; t++) {
        int yy = y + 2 + (int)t;
        bool row_sel = focused && t == a->grid_task;
        tui_attr(row_sel ? TUI_SLOT_SELECTION : TUI_SLOT_TEXT, true);
        tui_put(yy, 1, g.tasks[t], name_w, true);
        tui_attr(row_sel ? TUI_SLOT_SELECTION : TUI_SLOT_TEXT, false);
        for (size_t r = 0; r < g.n_runs; r++) {
            const char *st = g.cells[t * g.n_runs + r];
            bool cell_sel = focused && t == a->grid_task && r == a->grid_run;
            enum tui_slot sl = cell_sel ? TUI_SLOT_SELECTION : tui_state_slot(st);
            tui_attr(sl, true);
            tui_put(yy, name_w + 2 + (int)r * 3, st ? tui_state_glyph(st, a->ascii) : " ", 2,
                    false);
            tui_attr(sl, false);
        }
    }
    /* the selected cell, in words */
    if (g.n_runs && g.n_tasks) {
        const char *st = g.cells[a->grid_task * g.n_runs + a->grid_run];
        char info[400];
        snprintf(info, sizeof info, " run %lld (%s)  task %s: %s   Enter: open the run",
                 (long long)g.run_ids[a->grid_run], g.run_states[a->grid_run],
                 g.tasks[a->grid_task], st ? st : "-");
        tui_attr(TUI_SLOT_STATUS, true);
        tui_put(y + h - 1, 0, info, COLS, true);
        tui_attr(TUI_SLOT_STATUS, false);
    }
    tui_grid_free(&g);
}

static void draw_run(struct app *a, int y, int h)
{
    const struct core_run_detail *d = a->detail;
    if (!d) {
        tui_put(y, 1, "no run selected: open one from the Flows view (Enter on the grid)", COLS,
                false);
        return;
    }
    char head[600], dur[32];
    snprintf(head, sizeof head, " Run %lld  flow %s  %s  (%s)  %s%s%s", (long long)d->run.id,
             d->run.flow, d->run.state, d->run.trigger ? d->run.trigger : "",
             tui_fmt_dur(d->run.started_ms, d->run.ended_ms ? d->run.ended_ms
                                                            : a->snap->taken_ms, dur, sizeof dur),
             d->run.error ? "  error: " : "", d->run.error ? d->run.error : "");
    tui_attr(tui_state_slot(d->run.state), true);
    tui_put(y, 0, head, COLS, true);
    tui_attr(tui_state_slot(d->run.state), false);
    int body = h - 2;
    int ht = (int)d->run.n_tasks + 3;
    if (ht > body / 2)
        ht = body / 2;
    int hc = (int)d->n_checks + 2;
    if (hc > (body - ht) / 2)
        hc = (body - ht) / 2;
    if (hc < 3)
        hc = 3;
    pane(a, VIEW_RUN, 0, "Tasks", y + 1, ht);
    pane(a, VIEW_RUN, 1, "Checks", y + 1 + ht, hc);
    pane(a, VIEW_RUN, 2, "Attempts", y + 1 + ht + hc, body - ht - hc);
    char files[256];
    snprintf(files, sizeof files, " %zu file%s published%s%s", d->n_files,
             d->n_files == 1 ? "" : "s", d->n_files ? ", e.g. " : "",
             d->n_files ? d->files[0] : "");
    tui_attr(TUI_SLOT_DIM, true);
    tui_put(y + h - 1, 0, files, COLS, true);
    tui_attr(TUI_SLOT_DIM, false);
}

static void draw_logs(struct app *a, int y, int h)
{
    size_t n = tui_logbuf_count(a->logs);
    char title[1100];
    snprintf(title, sizeof title, "%s  [%s%s%s] level>=%s%s%s%s%s", a->logs_title,
             a->follow ? "follow" : "paused", a->wrap ? " wrap" : "",
             a->timestamps ? " ts" : "", wv_level_name(a->min_level),
             a->log_filter[0] ? "  /" : "", a->log_filter, a->log_search[0] ? "  search:" : "",
             a->log_search);
    pane_title(a, y, title, n, true, NULL);
    int rows = h - 1;
    if (rows < 1)
        return;
    /* the first line shown: follow keeps the newest at the bottom */
    size_t first = a->follow ? (n > (size_t)rows ? n - (size_t)rows : 0) : a->log_top;
    if (first > n)
        first = n;
    if (!a->follow)
        a->log_top = first;
    int yy = y + 1;
    for (size_t i = first; i < n && yy < y + h; i++) {
        const struct tui_logline *l = tui_logbuf_line(a->logs, i);
        if (!l)
            break;
        enum tui_slot sl = l->level >= WV_LOG_ERROR ? TUI_SLOT_LOG_ERROR
                           : l->level == WV_LOG_WARN ? TUI_SLOT_LOG_WARN
                           : l->level == WV_LOG_INFO ? TUI_SLOT_LOG_INFO
                                                     : TUI_SLOT_LOG_DEBUG;
        bool hit = tui_logbuf_is_match(a->logs, i);
        char pre[128];
        snprintf(pre, sizeof pre, "%s%s%-5s %s ", a->timestamps ? l->ts : "",
                 a->timestamps && l->ts[0] ? " " : "", wv_level_name(l->level), l->source);
        tui_attr(TUI_SLOT_DIM, true);
        int x = tui_put(yy, 0, pre, COLS, false);
        tui_attr(TUI_SLOT_DIM, false);
        tui_attr(hit ? TUI_SLOT_MATCH : sl, true);
        const char *text = l->text;
        int used = tui_put(yy, x, text, COLS - x, false);
        tui_attr(hit ? TUI_SLOT_MATCH : sl, false);
        yy++;
        /* wrap: continue the rest of the text on following lines */
        size_t off = 0, len = strlen(text);
        while (a->wrap && used >= COLS - x && yy < y + h && off < len) {
            size_t adv = 0;
            int cols = 0;
            while (off + adv < len && cols < used) { /* skip what was shown (bytes approx.) */
                adv++;
                if (((unsigned char)text[off + adv] & 0xC0) != 0x80)
                    cols++;
            }
            off += adv;
            if (off >= len)
                break;
            tui_attr(sl, true);
            used = tui_put(yy, x, text + off, COLS - x, false);
            tui_attr(sl, false);
            yy++;
        }
    }
}

static void draw_commands(struct app *a, int y, int h)
{
    pane_title(a, y, "Commands run from the console", a->n_results, true, NULL);
    int yy = y + 1;
    size_t skip = a->sel[VIEW_COMMANDS][0];
    for (size_t k = a->n_results; k-- > 0 && yy < y + h;) {
        const struct core_cmd_result *r = &a->results[k];
        if (skip) {
            skip--;
            continue;
        }
        char dur[32], head[700];
        snprintf(head, sizeof head, "#%lld %s  weaver %s  (%s)%s%s", (long long)r->id,
                 r->rc == 0 ? "ok" : "failed", r->line,
                 tui_fmt_dur(r->started_ms, r->ended_ms, dur, sizeof dur), r->error ? ": " : "",
                 r->error ? r->error : "");
        tui_attr(r->rc == 0 ? TUI_SLOT_RUN_OK : TUI_SLOT_RUN_FAILED, true);
        tui_put(yy++, 0, head, COLS, true);
        tui_attr(r->rc == 0 ? TUI_SLOT_RUN_OK : TUI_SLOT_RUN_FAILED, false);
        const char *p = r->output ? r->output : "";
        int lines = 0;
        while (*p && yy < y + h && lines < 30) {
            size_t n = strcspn(p, "\n");
            char *l = wv_strndup(p, n);
            tui_put(yy++, 2, l, COLS - 2, false);
            free(l);
            lines++;
            p += n + (p[n] == '\n');
        }
    }
}

void tui_draw_view(struct app *a, int y, int h)
{
    if (a->snap && a->snap->load_error) {
        tui_attr(TUI_SLOT_ERROR, true);
        tui_put(y, 0, a->snap->load_error, COLS, true);
        tui_attr(TUI_SLOT_ERROR, false);
        y++, h--;
    }
    switch (a->view) {
    case VIEW_SOURCES:
        pane(a, VIEW_SOURCES, 0, "Sources", y, h);
        break;
    case VIEW_CONNECTIONS:
    {
        int top = a->snap ? (int)a->snap->n_conns + 3 : 5;
        if (top > h * 3 / 5)
            top = h * 3 / 5;
        pane(a, VIEW_CONNECTIONS, 0, "Connections", y, top);
        struct tui_table st;
        tui_app_table(a, VIEW_CONNECTIONS, 1, &st);
        int hs = (int)st.n_rows + 2;
        tui_table_free(&st);
        if (hs > (h - top) / 2)
            hs = (h - top) / 2;
        if (hs < 3)
            hs = 3;
        pane(a, VIEW_CONNECTIONS, 1, "Streams", y + top, hs);
        pane(a, VIEW_CONNECTIONS, 2, "Recent runs", y + top + hs, h - top - hs);
        break;
    }
    case VIEW_FLOWS:
    {
        int top = a->snap ? (int)a->snap->n_flows + 3 : 5;
        if (top > h / 3)
            top = h / 3 > 4 ? h / 3 : 4;
        pane(a, VIEW_FLOWS, 0, "Flows", y, top);
        draw_grid(a, y + top, h - top);
        break;
    }
    case VIEW_RUN:
        draw_run(a, y, h);
        break;
    case VIEW_LOGS:
        draw_logs(a, y, h);
        break;
    case VIEW_METRICS:
        pane(a, VIEW_METRICS, 0, "Metrics: records/s of the last runs, per connection", y, h);
        break;
    case VIEW_COMMANDS:
        draw_commands(a, y, h);
        break;
    case VIEW__COUNT:
        break;
    }
}
