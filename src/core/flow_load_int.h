/* flow_load_int.h - private to the flow model (flow.c: reading flows/ *.yaml into struct
 * core_flow; flow_check.c: the DAG checks and the topological order) and to workspace.c, which
 * calls the loader. */
#ifndef CORE_FLOW_LOAD_INT_H
#define CORE_FLOW_LOAD_INT_H

#include "core/core_int.h"

/* Loads every flows/ *.yaml (and *.yml) of ws (connections already loaded) into ws->flows,
 * with file:line:col errors. On error ws->flows holds what was read so far (free with
 * core_flows_free). */
int core_flows_load(struct core_workspace *ws, struct wv_error *err);

/* Frees ws->flows. */
void core_flows_free(struct core_workspace *ws);

/* Resolves depends_on (tasks_node: the flow's `tasks:` list as written, borrowed), rejects
 * cycles, computes f->order and checks the rules that need the graph (quality and publish
 * downstream of a sync, gate reruns upstream syncs). */
int core_flow_check_graph(struct core_flow *f, const struct wv_json *tasks_node,
                          struct wv_error *err);

#endif
