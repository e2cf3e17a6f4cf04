/* tui.h - the operator console (ncurses). Renders engine snapshots; talks to the engine only
 * through struct core_engine_ops, so a remote engine can sit behind the same screen. */
#ifndef TUI_H
#define TUI_H

#include <stdbool.h>
#include <stddef.h>

#include "base/buf.h"
#include "base/error.h"
#include "core/core.h"

struct tui_opts {
    bool readonly;        /* actions that change something are refused (shown, not run) */
    const char *theme;    /* NULL: $WEAVER_THEME, else "default" */
};

/* Runs the console until the operator quits. The engine is borrowed; opts may be NULL.
 * Restores the terminal on every exit path (return, fatal signal, out of memory). */
int tui_run(const struct core_engine *engine, const struct tui_opts *opts, struct wv_error *err);

/* Console performance figures (bench/bench_console.c). */
struct tui_bench_result {
    double first_frame_ms;     /* engine snapshot + first draw */
    double fill_ms;            /* appending the log lines */
    double redraw_avg_ms, redraw_max_ms; /* the logs view, following and paused */
    double filter_ms;          /* applying a regex filter to every line */
    double redraw_filtered_ms;
    size_t lines_kept;
};

/* Draws the real views into a curses screen whose output goes to /dev/null, at cols x rows
 * with log_lines lines in the logs buffer, iters redraws. */
int tui_bench(const struct core_engine *engine, size_t log_lines, int cols, int rows, int iters,
              struct tui_bench_result *out, struct wv_error *err);

/* The man page section of the console's keys (roff), generated from the key table. */
void tui_man_keys(struct wv_buf *out);

#endif
