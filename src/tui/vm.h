/* vm.h - view models of the console: what each view shows, computed from engine snapshots
 * without curses, so they are unit-tested (tests/unit/tui/test_vm.c). A view model is a table:
 * column headers with widths, rows of cells each with a theme slot, and the id the row stands
 * for; the `/` filter (POSIX ERE on the row's text, `!` prefix inverts) is applied here. */
#ifndef TUI_VM_H
#define TUI_VM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/core.h"
#include "tui/theme.h"

#define TUI_VM_MAX_COLS 12

struct tui_cell {
    char *text;          /* owned */
    enum tui_slot slot;
};

struct tui_row {
    struct tui_cell cells[TUI_VM_MAX_COLS];
    char *key;           /* what the row stands for: a name, or a run/job id as text (owned) */
};

struct tui_table {
    const char *cols[TUI_VM_MAX_COLS]; /* headers (static strings) */
    int widths[TUI_VM_MAX_COLS];       /* minimum widths; the last column takes the rest */
    size_t n_cols;
    struct tui_row *rows;
    size_t n_rows;
};

void tui_table_free(struct tui_table *t);

/* A compiled `/` filter: "" none, "re" keep matching rows, "!re" keep the others. */
struct tui_filter;
struct tui_filter *tui_filter_new(const char *text, char *errbuf, size_t errsize);
void tui_filter_free(struct tui_filter *f);
bool tui_filter_match(const struct tui_filter *f, const struct tui_row *r, size_t n_cols);

/* The slot of a job/run/task state word ("succeeded", "success", "failed", "running", ...). */
enum tui_slot tui_state_slot(const char *state);
/* One character for a task state in the runs grid: "●" success, "✗" failed, "▶" running,
 * "↻" up_for_retry, "⊘" upstream_failed, "–" skipped, "·" none/queued (ASCII fallbacks when
 * ascii is set: o x > r ^ - .). */
const char *tui_state_glyph(const char *state, bool ascii);
/* "3m ago", "in 42s", "-" relative to now. */
const char *tui_fmt_ago(int64_t ms, int64_t now_ms, char *buf, size_t size);
/* "12.3s", "4m05s", "-". */
const char *tui_fmt_dur(int64_t from, int64_t to, char *buf, size_t size);
/* A sparkline of values (newest last) in at most width cells ("▁▂▃▄▅▆▇█", or " .:-=+*#" when
 * ascii). */
void tui_sparkline(const double *v, size_t n, int width, bool ascii, char *buf, size_t size);

/* Tables of the list views (filter may be NULL). */
void tui_vm_sources(const struct core_snapshot *s, const struct tui_filter *f,
                    struct tui_table *out);
void tui_vm_connections(const struct core_snapshot *s, const struct tui_filter *f,
                        struct tui_table *out);
void tui_vm_flows(const struct core_snapshot *s, const struct tui_filter *f,
                  struct tui_table *out);
/* Recent runs of one flow (NULL: all flows), newest first. */
void tui_vm_runs(const struct core_snapshot *s, const char *flow, const struct tui_filter *f,
                 struct tui_table *out);
void tui_vm_jobs(const struct core_snapshot *s, const struct tui_filter *f,
                 struct tui_table *out);
/* The streams of one connection: sync mode, destination mode, whether state is stored. */
void tui_vm_streams(const struct core_snapshot *s, const char *connection,
                    struct tui_table *out);

/* The Airflow-style grid of a flow: rows = the flow's tasks, columns = its newest runs (at most
 * max_runs, newest first); cell (task, run) is that task's state in that run ("" if absent). */
struct tui_grid {
    char **tasks;        /* owned */
    size_t n_tasks;
    int64_t *run_ids;
    const char **run_states; /* borrowed from the snapshot */
    size_t n_runs;
    const char **cells;  /* n_tasks * n_runs states (borrowed), NULL when absent */
};

void tui_vm_grid(const struct core_snapshot *s, const char *flow, size_t max_runs,
                 struct tui_grid *out);
void tui_grid_free(struct tui_grid *g);

/* The run detail's tables: tasks, checks, attempts. */
void tui_vm_run_tasks(const struct core_run_detail *d, struct tui_table *out);
void tui_vm_run_checks(const struct core_run_detail *d, struct tui_table *out);
void tui_vm_run_attempts(const struct core_run_detail *d, struct tui_table *out);

/* Metrics per connection from the jobs in a snapshot: last runs' records/s (sparkline), total
 * records and bytes, last duration, failures among the last 20 jobs. */
void tui_vm_metrics(const struct core_snapshot *s, int spark_width, bool ascii,
                    struct tui_table *out);

#endif
