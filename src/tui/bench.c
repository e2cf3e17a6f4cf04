/* bench.c - the console's performance figures (bench/bench_console.c prints them): the first
 * frame (engine snapshot + first draw) and the redraw time of the logs view at a given size
 * with N log lines buffered, drawn by the real draw code into a curses screen whose output
 * goes to /dev/null. Not used by the console itself. */
#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "base/mem.h"
#include "tui/tui_int.h"

static double ms_since(const struct wv_clock *c, int64_t t0)
{
    return (double)(wv_clock_mono_ns(c) - t0) / 1e6;
}

int tui_bench(const struct core_engine *engine, size_t log_lines, int cols, int rows, int iters,
              struct tui_bench_result *out, struct wv_error *err)
{
    const struct wv_clock *clk = wv_clock_system();
    memset(out, 0, sizeof *out);
    FILE *devnull = fopen("/dev/null", "w+");
    if (!devnull)
        return wv_error_errno(err, 0, "open /dev/null");
    int64_t t0 = wv_clock_mono_ns(clk);
    struct app *a = tui_app_new(engine, NULL);
    SCREEN *scr = newterm("xterm-256color", devnull, devnull);
    if (!scr) {
        tui_app_free(a);
        fclose(devnull);
        return wv_error_set(err, WV_E_IO, 0, "newterm failed (TERM xterm-256color)");
    }
    set_term(scr);
    resizeterm(rows, cols);
    start_color();
    use_default_colors();
    a->color = true;
    a->depth = tui_terminal_depth();
    tui_theme_builtin("default", &a->theme, err);
    tui_theme_apply(&a->theme, a->depth, false);
    tui_draw(a);
    out->first_frame_ms = ms_since(clk, t0);
    /* fill the logs: realistic lines, levels mixed */
    int64_t t1 = wv_clock_mono_ns(clk);
    char line[256];
    struct wv_buf chunk;
    wv_buf_init(&chunk, 0);
    static const char *const lv[] = {"INFO", "DEBUG", "WARN", "INFO", "ERROR"};
    for (size_t i = 0; i < log_lines; i++) {
        int n = snprintf(line, sizeof line,
                         "2026-11-21T08:00:%02zu.%03zuZ %s sync acme_orders: page %zu of orders: "
                         "%zu records, cursor 2024-01-%02zuT00:00:00Z\n",
                         i / 1000 % 60, i % 1000, lv[i % 5], i, i % 97, i % 28 + 1);
        wv_buf_append(&chunk, line, (size_t)n, NULL);
        if (chunk.len > (1u << 20) || i + 1 == log_lines) {
            tui_logbuf_append(a->logs, "sync_acme#1", chunk.data, chunk.len);
            wv_buf_reset(&chunk);
        }
    }
    wv_buf_done(&chunk);
    out->fill_ms = ms_since(clk, t1);
    a->view = VIEW_LOGS;
    snprintf(a->logs_title, sizeof a->logs_title, "Logs: bench");
    double total = 0, worst = 0;
    for (int k = 0; k < iters; k++) {
        if (k % 4 == 1) { /* also paused in the middle, and wrapped */
            a->follow = false;
            a->log_top = log_lines / 2 + (size_t)k;
            a->wrap = k % 8 == 1;
        } else {
            a->follow = true;
        }
        int64_t t = wv_clock_mono_ns(clk);
        tui_draw(a);
        double d = ms_since(clk, t);
        total += d;
        if (d > worst)
            worst = d;
    }
    out->redraw_avg_ms = iters ? total / iters : 0;
    out->redraw_max_ms = worst;
    /* with a regex filter over every line */
    snprintf(a->log_filter, sizeof a->log_filter, "WARN|cursor 2024-01-1[0-9]");
    int64_t t2 = wv_clock_mono_ns(clk);
    tui_logs_apply_filter(a);
    out->filter_ms = ms_since(clk, t2);
    a->follow = true;
    int64_t t3 = wv_clock_mono_ns(clk);
    for (int k = 0; k < iters; k++)
        tui_draw(a);
    out->redraw_filtered_ms = iters ? ms_since(clk, t3) / iters : 0;
    out->lines_kept = tui_logbuf_total(a->logs);
    endwin();
    delscreen(scr);
    fclose(devnull);
    tui_app_free(a);
    return 0;
}
