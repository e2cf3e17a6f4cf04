/* json.h - weaver's JSON value tree, used for JSON documents, YAML documents (see yaml.h)
 * and every Airbyte message. Numbers keep their source text, so 64-bit ids and decimals pass
 * through unchanged; each parsed node keeps its line:col so errors can name a position.
 * Objects keep key order; duplicate keys in input: the last one wins. */
#ifndef WV_JSON_H
#define WV_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/error.h"

struct wv_arena; /* base/arena.h */

enum wv_json_type {
    WV_JSON_NULL,
    WV_JSON_BOOL,
    WV_JSON_NUMBER,
    WV_JSON_STRING,
    WV_JSON_ARRAY,
    WV_JSON_OBJECT
};

struct wv_json {
    enum wv_json_type type;
    bool b;               /* BOOL */
    bool owns_arena;      /* the root of an arena tree: wv_json_free releases the arena */
    char *s;              /* STRING: UTF-8 text, NUL-terminated (may contain NUL: use slen);
                             NUMBER: canonical JSON number text. Often allocated together with
                             the node: never free() or realloc() it; to change it, assign a new
                             heap string (wv_json_free tells the two apart) */
    size_t slen;          /* length of s */
    char **keys;          /* OBJECT: key i of items[i] (owned) */
    struct wv_json **items; /* ARRAY/OBJECT children (owned) */
    size_t len, cap;
    uint32_t line, col;   /* 1-based source position; 0 when built in memory */
    struct wv_arena *arena; /* non-NULL: the node, its text, keys and child arrays live in this
                               arena (see wv_json_parse_arena); NULL: on the heap */
};

/* Limits applied by the parser. */
#define WV_JSON_MAX_DEPTH 512

/* Parses one JSON document (RFC 8259; trailing whitespace allowed, nothing else after).
 * `origin` names the input in errors: "origin:line:col: message" (WV_E_PARSE). Returns NULL
 * on error. Caller frees the result with wv_json_free. */
struct wv_json *wv_json_parse(const char *text, size_t len, const char *origin,
                              struct wv_error *err);

/* Arena trees. wv_json_parse_arena parses like wv_json_parse, but every node, key, string and
 * child array of the result comes from one new arena (a few large allocations) owned by the
 * returned root: wv_json_free(root) releases the whole tree at once. Interior nodes are borrowed
 * from the root: wv_json_free on them is a no-op and none may be used after the root is freed
 * (wv_json_dup makes a heap copy that may). Arena trees can be mutated with the functions below:
 * a container grows inside the arena, and a heap value attached to an arena container
 * (set/push) becomes owned by the arena and is freed with it, unless it is replaced, removed or
 * taken first (then it is freed, or handed back, as from a heap container). Do not attach
 * interior nodes of one arena tree to a tree that outlives it (a heap container holding
 * borrowed interior nodes must be freed before their arena). To change an arena node's s,
 * point it into the arena or at text that outlives the tree (it is never freed). */
struct wv_json *wv_json_parse_arena(const char *text, size_t len, const char *origin,
                                    struct wv_error *err);
/* Parses into an existing arena (a, borrowed): the result and its parts are owned by the arena
 * and freed with it (wv_json_free on them is a no-op). NULL on error (leftovers stay in a). */
struct wv_json *wv_json_parse_in(struct wv_arena *a, const char *text, size_t len,
                                 const char *origin, struct wv_error *err);
/* An empty array / object that owns a new arena (wv_json_free releases it); add children parsed
 * with wv_json_parse_in(wv_json_arena_of(root), ...) or any heap value. Caller frees. */
struct wv_json *wv_json_arena_array(void);
struct wv_json *wv_json_arena_object(void);
/* Deep copy of j into arena a (positions kept): an interior node of a, freed with it. */
struct wv_json *wv_json_dup_in(struct wv_arena *a, const struct wv_json *j);
/* The arena a node lives in (borrowed), or NULL for a heap node. */
struct wv_arena *wv_json_arena_of(const struct wv_json *j);
/* Whether j is an interior node of an arena tree: freeing it is a no-op and it lives as long
 * as its arena. False for heap nodes and for the root that owns an arena. */
bool wv_json_in_arena(const struct wv_json *j);

/* Reads and parses a file (at most max_bytes, WV_E_LIMIT beyond; 0 = no limit). Caller frees. */
struct wv_json *wv_json_parse_file(const char *path, size_t max_bytes, struct wv_error *err);

void wv_json_free(struct wv_json *j); /* NULL is a no-op */

/* Constructors; caller owns the result. */
struct wv_json *wv_json_null(void);
struct wv_json *wv_json_bool(bool b);
struct wv_json *wv_json_int(int64_t v);
struct wv_json *wv_json_double(double v); /* non-finite values become null */
/* A number from its text; NULL if the text is not a valid JSON number. */
struct wv_json *wv_json_number_text(const char *text);
struct wv_json *wv_json_str(const char *s);
struct wv_json *wv_json_strn(const char *s, size_t n);
struct wv_json *wv_json_array(void);
struct wv_json *wv_json_object(void);
/* Deep copy (positions kept). */
struct wv_json *wv_json_dup(const struct wv_json *j);

/* Appends to an array; takes ownership of v. */
void wv_json_push(struct wv_json *arr, struct wv_json *v);
/* Sets key in an object, replacing (and freeing) an existing value; takes ownership of v. */
void wv_json_set(struct wv_json *obj, const char *key, struct wv_json *v);
/* Removes key from an object (freeing its value); returns whether it existed. */
bool wv_json_remove(struct wv_json *obj, const char *key);
/* Detaches and returns the value of key (caller owns it), or NULL. */
struct wv_json *wv_json_take(struct wv_json *obj, const char *key);

/* Borrowed lookups; NULL if j is NULL, not an object/array, or the key/index is missing. */
struct wv_json *wv_json_get(const struct wv_json *obj, const char *key);
struct wv_json *wv_json_at(const struct wv_json *arr, size_t i);

/* Typed reads of a child; NULL / false / 0 and -1 when missing or of another type. */
const char *wv_json_get_str(const struct wv_json *obj, const char *key);
/* -1 if missing, not a number, not an integer, or out of int64 range. */
int wv_json_get_i64(const struct wv_json *obj, const char *key, int64_t *out);
/* Returns the default when the key is missing; -1 if present but not a bool. */
int wv_json_get_bool(const struct wv_json *obj, const char *key, bool dflt, bool *out);

/* Value reads: NUMBER as int64 (integral and in range) / double. -1 otherwise. */
int wv_json_as_i64(const struct wv_json *j, int64_t *out);
int wv_json_as_double(const struct wv_json *j, double *out);

bool wv_json_is(const struct wv_json *j, enum wv_json_type t);
const char *wv_json_type_name(enum wv_json_type t);

/* Structural equality (numbers compared by value: 1 == 1.0; object key order ignored). */
bool wv_json_equal(const struct wv_json *a, const struct wv_json *b);

/* Total order for cursor comparison: null < bool < number < string < array < object; numbers
 * by value; strings bytewise. Returns <0, 0, >0. */
int wv_json_compare(const struct wv_json *a, const struct wv_json *b);

/* Serializes compactly (no spaces) in key order, escaping control characters and keeping
 * non-ASCII UTF-8 as is. Appends to out. */
int wv_json_write(struct wv_buf *out, const struct wv_json *j, struct wv_error *err);
/* Serializes with 2-space indentation. Appends to out. */
int wv_json_write_pretty(struct wv_buf *out, const struct wv_json *j, struct wv_error *err);
/* Compact serialization into a new string; caller frees. */
char *wv_json_to_string(const struct wv_json *j);
/* Appends s (length n) as a JSON string literal with quotes. */
int wv_json_write_string(struct wv_buf *out, const char *s, size_t n, struct wv_error *err);

/* Follows a path of object keys; NULL if any step is missing. */
struct wv_json *wv_json_path(const struct wv_json *j, char *const *keys, size_t n);

#endif
