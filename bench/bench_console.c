/* bench_console.c - prints the console's figures (issue 6): first frame (engine open with its
 * first snapshot + the first draw) and logs-view redraws at COLSxROWS with N log lines
 * buffered. Usage: bench_console WORKSPACE [LINES [COLS ROWS]] */
#include <stdio.h>
#include <stdlib.h>

#include "base/clock.h"
#include "core/core.h"
#include "tui/tui.h"

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: bench_console WORKSPACE [LINES [COLS ROWS]]\n");
        return 2;
    }
    size_t lines = argc > 2 ? strtoul(argv[2], NULL, 10) : 1000000;
    int cols = argc > 4 ? atoi(argv[3]) : 200, rows = argc > 4 ? atoi(argv[4]) : 50;
    struct wv_error err = {0};
    const struct wv_clock *c = wv_clock_system();
    int64_t t0 = wv_clock_mono_ns(c);
    struct core_engine e;
    struct core_engine_opts o = {.no_scheduler = true};
    if (core_engine_local(argv[1], &o, &e, &err) < 0) {
        fprintf(stderr, "bench_console: %s\n", err.msg);
        return 1;
    }
    double open_ms = (double)(wv_clock_mono_ns(c) - t0) / 1e6;
    struct tui_bench_result r;
    if (tui_bench(&e, lines, cols, rows, 200, &r, &err) < 0) {
        fprintf(stderr, "bench_console: %s\n", err.msg);
        e.ops->close(e.ctx);
        return 1;
    }
    e.ops->close(e.ctx);
    printf("first frame (engine open %.1f ms + snapshot and first draw %.1f ms)  %8.1f ms\n",
           open_ms, r.first_frame_ms, open_ms + r.first_frame_ms);
    printf("append %zu log lines                                          %8.1f ms\n", lines,
           r.fill_ms);
    printf("logs view redraw at %dx%d, %zu lines: average                %8.3f ms (max %.3f)\n",
           cols, rows, r.lines_kept, r.redraw_avg_ms, r.redraw_max_ms);
    printf("regex filter over every line                                  %8.1f ms\n",
           r.filter_ms);
    printf("logs view redraw, filtered                                    %8.3f ms\n",
           r.redraw_filtered_ms);
    return 0;
}
