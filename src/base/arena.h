/* arena.h - a chunked bump allocator for per-page scratch (STYLE.md: "arenas for per-page
 * scratch"): many small allocations come out of a few large chunks and are released all at
 * once. Cleanups registered with wv_arena_defer run when the arena is reset or freed, so heap
 * objects can be tied to an arena's lifetime. One thread at a time. */
#ifndef WV_ARENA_H
#define WV_ARENA_H

#include <stddef.h>

struct wv_arena;

/* A cleanup run at reset/free (see wv_arena_defer). */
typedef void (*wv_arena_cleanup_fn)(void *p);

/* Default size of the first chunk (later chunks double, up to WV_ARENA_CHUNK_MAX). */
#define WV_ARENA_CHUNK_DEFAULT (16u * 1024)
#define WV_ARENA_CHUNK_MAX (1024u * 1024)

/* A new empty arena whose first chunk holds about chunk_size bytes (0: the default; it is
 * allocated on first use). Never NULL. Caller frees with wv_arena_free. */
struct wv_arena *wv_arena_new(size_t chunk_size);

/* Runs the pending cleanups (last registered first) and frees every chunk and the arena.
 * NULL is a no-op. */
void wv_arena_free(struct wv_arena *a);

/* Runs the pending cleanups and empties the arena, keeping its largest chunk for reuse.
 * Everything allocated from it becomes invalid. */
void wv_arena_reset(struct wv_arena *a);

/* n bytes aligned for any object type (max_align_t), valid until reset/free. Never NULL:
 * out of memory aborts like wv_malloc. n == 0 gives a unique valid pointer. Requests larger
 * than a chunk get a chunk of their own. Borrowed from the arena: never free() it. */
void *wv_arena_alloc(struct wv_arena *a, size_t n);

/* n bytes with no alignment guarantee (text); same lifetime rules as wv_arena_alloc. */
void *wv_arena_alloc_bytes(struct wv_arena *a, size_t n);

/* A NUL-terminated copy of s[0..n) in the arena (s may contain NUL; NULL s copies ""). */
char *wv_arena_strndup(struct wv_arena *a, const char *s, size_t n);

/* Registers fn(p) to run when the arena is reset or freed; the arena takes ownership of p in
 * that sense. The record itself lives in the arena (no heap allocation). */
void wv_arena_defer(struct wv_arena *a, wv_arena_cleanup_fn fn, void *p);

/* Cancels the most recent registration of fn(p), returning 1 if there was one, else 0 (the
 * caller then owns p again). Linear in the number of registrations. */
int wv_arena_undefer(struct wv_arena *a, wv_arena_cleanup_fn fn, void *p);

/* Bytes currently held in chunks (capacity, not use), for tests and diagnostics. */
size_t wv_arena_capacity(const struct wv_arena *a);

#endif
