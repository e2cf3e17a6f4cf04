/* tui.h - the operator console (ncurses). Renders engine snapshots; talks to the engine only
 * through struct core_engine_ops, so a remote engine can sit behind the same screen. */
#ifndef TUI_H
#define TUI_H

#include "base/error.h"
#include "core/core.h"

/* Runs the console until the operator quits. The engine is borrowed. Restores the terminal on
 * every exit path (return, fatal signal, out of memory). */
int tui_run(const struct core_engine *engine, struct wv_error *err);

#endif
