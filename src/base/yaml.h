/* yaml.h - YAML documents (libyaml) loaded into the same struct wv_json tree as JSON, with every
 * node's line:col kept for errors. Scalars follow the YAML 1.2 core schema: plain null/~/empty,
 * true/false, integers (decimal, 0x, 0o), floats (.inf/.nan become strings: JSON has neither) are
 * typed; quoted scalars and anything else are strings. Anchors/aliases are expanded (copied);
 * merge keys (<<) are applied. One document per input. */
#ifndef WV_YAML_H
#define WV_YAML_H

#include <stddef.h>

#include "base/error.h"
#include "base/json.h"

/* Limits: inputs over WV_YAML_MAX_BYTES or expanding past WV_YAML_MAX_NODES are refused. */
#define WV_YAML_MAX_BYTES (64u * 1024 * 1024)
#define WV_YAML_MAX_NODES 1000000u

/* Parses YAML text. Errors are "origin:line:col: problem" (WV_E_PARSE). An empty document is
 * a null node. Caller frees with wv_json_free. */
struct wv_json *wv_yaml_parse(const char *text, size_t len, const char *origin,
                              struct wv_error *err);

/* Reads and parses a YAML file. Caller frees. */
struct wv_json *wv_yaml_parse_file(const char *path, struct wv_error *err);

/* Writes "origin:line:col" (or just origin when the node has no position) into buf. */
const char *wv_where(const char *origin, const struct wv_json *node, char *buf, size_t size);

#endif
