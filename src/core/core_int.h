/* core_int.h - private helpers shared by the core module's files. */
#ifndef CORE_INT_H
#define CORE_INT_H

#include "core/core.h"
#include "storage/storage.h"

/* "origin:line:col" of a node, into buf. */
const char *core_where(const char *origin, const struct wv_json *node, char *buf, size_t size);

/* Checks that every key of an object is in allowed (NULL-terminated); error names the first
 * unknown key and position. */
int core_check_keys(const struct wv_json *obj, const char *origin, const char *const *allowed,
                    struct wv_error *err);

/* Whether s is a valid name for sources, connections, destinations, streams in paths. */
bool core_name_ok(const char *s);

/* Opens the workspace's state store, creating .weaver/ (0700) if needed. Caller closes. */
struct stor_db *core_db_open(const struct core_workspace *ws, struct wv_error *err);

#endif
