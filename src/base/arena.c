/* arena.c - chunked bump allocator: a list of chunks, the newest one being carved; big requests
 * get a chunk of their own behind it so the current chunk's free space is not wasted. Cleanups
 * live in the arena as a LIFO list. Each thread keeps one spare chunk from the arenas it frees,
 * so an arena per HTTP page reuses warm memory instead of malloc trimming it and the kernel
 * faulting it back in every page. Any thread; an arena belongs to one thread at a time. */
#include "base/arena.h"

#include <pthread.h>
#include <stdalign.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"

#define ALIGN alignof(max_align_t)

struct chunk {
    struct chunk *next;
    size_t size; /* usable bytes after the header */
};

/* Header size rounded so that chunk data starts aligned. */
#define HDR ((sizeof(struct chunk) + ALIGN - 1) / ALIGN * ALIGN)

struct cleanup {
    wv_arena_cleanup_fn fn;
    void *p;
    struct cleanup *next;
};

struct wv_arena {
    struct chunk *chunks;     /* newest (current) first */
    unsigned char *cur, *end; /* free space of the current chunk */
    size_t next_size;         /* usable size of the next regular chunk */
    size_t capacity;          /* sum of chunk sizes */
    struct cleanup *cleanups; /* most recent first */
};

/* Data of a chunk. */
static unsigned char *chunk_data(struct chunk *c) { return (unsigned char *)c + HDR; }

/* Allocates a chunk with `size` usable bytes (aborts on overflow or out of memory). */
static struct chunk *chunk_new(size_t size)
{
    if (size > SIZE_MAX - HDR)
        size = SIZE_MAX - HDR; /* impossible request: wv_malloc aborts */
    struct chunk *c = wv_malloc(HDR + size);
    c->next = NULL;
    c->size = size;
    return c;
}

/* ---- the per-thread spare chunk ---- */

#define SPARE_MAX (2u * WV_ARENA_CHUNK_MAX)

static pthread_key_t spare_key;
static pthread_once_t spare_once = PTHREAD_ONCE_INIT;
static int spare_ok;

/* Creates the key whose destructor frees a thread's spare chunk at thread exit. */
static void spare_init(void) { spare_ok = pthread_key_create(&spare_key, free) == 0; }

/* The thread's spare chunk if it holds at least `size` bytes (the caller owns it), else NULL. */
static struct chunk *spare_take(size_t size)
{
    pthread_once(&spare_once, spare_init);
    struct chunk *c = spare_ok ? pthread_getspecific(spare_key) : NULL;
    if (!c || c->size < size)
        return NULL;
    pthread_setspecific(spare_key, NULL);
    return c;
}

/* Keeps c as the thread's spare if it is the largest one so far (and not huge), else frees it. */
static void spare_put(struct chunk *c)
{
    pthread_once(&spare_once, spare_init);
    struct chunk *old = spare_ok ? pthread_getspecific(spare_key) : NULL;
    if (!spare_ok || c->size > SPARE_MAX || (old && old->size >= c->size) ||
        pthread_setspecific(spare_key, c) != 0) {
        free(c);
        return;
    }
    free(old);
}

/* ---- arenas ---- */

/* A new arena. */
struct wv_arena *wv_arena_new(size_t chunk_size)
{
    struct wv_arena *a = wv_calloc(1, sizeof *a);
    a->next_size = chunk_size ? chunk_size : WV_ARENA_CHUNK_DEFAULT;
    if (a->next_size < 256)
        a->next_size = 256;
    return a;
}

/* Runs and drops the pending cleanups, most recent first. */
static void run_cleanups(struct wv_arena *a)
{
    while (a->cleanups) {
        struct cleanup *c = a->cleanups;
        a->cleanups = c->next;
        c->fn(c->p);
    }
}

/* Runs the cleanups and frees every chunk but the largest, which it returns (or NULL). */
static struct chunk *release_all_but_largest(struct wv_arena *a)
{
    run_cleanups(a);
    struct chunk *keep = NULL;
    for (struct chunk *c = a->chunks; c; c = c->next)
        if (!keep || c->size > keep->size)
            keep = c;
    for (struct chunk *c = a->chunks, *next; c; c = next) {
        next = c->next;
        if (c != keep)
            free(c);
    }
    return keep;
}

/* Frees everything. */
void wv_arena_free(struct wv_arena *a)
{
    if (!a)
        return;
    struct chunk *keep = release_all_but_largest(a);
    if (keep)
        spare_put(keep);
    free(a);
}

/* Empties the arena, keeping its largest chunk. */
void wv_arena_reset(struct wv_arena *a)
{
    struct chunk *keep = release_all_but_largest(a);
    a->chunks = keep;
    a->capacity = keep ? keep->size : 0;
    if (keep) {
        keep->next = NULL;
        a->cur = chunk_data(keep);
        a->end = a->cur + keep->size;
    } else {
        a->cur = a->end = NULL;
    }
}

/* Slow path: n bytes that do not fit the current chunk. */
static void *alloc_slow(struct wv_arena *a, size_t n)
{
    if (n > a->next_size / 4 && a->chunks) {
        /* big: a chunk of its own behind the current one */
        struct chunk *big = chunk_new(n);
        big->next = a->chunks->next;
        a->chunks->next = big;
        a->capacity += big->size;
        return chunk_data(big);
    }
    size_t size = a->next_size;
    while (size < n)
        size = size > SIZE_MAX / 2 ? n : size * 2;
    struct chunk *c = spare_take(size);
    if (c)
        size = c->size;
    else
        c = chunk_new(size);
    c->next = a->chunks;
    a->chunks = c;
    a->capacity += size;
    if (a->next_size < WV_ARENA_CHUNK_MAX)
        a->next_size *= 2;
    a->cur = chunk_data(c) + n;
    a->end = chunk_data(c) + size;
    return chunk_data(c);
}

/* Aligned allocation. */
void *wv_arena_alloc(struct wv_arena *a, size_t n)
{
    uintptr_t at = ((uintptr_t)a->cur + ALIGN - 1) & ~(uintptr_t)(ALIGN - 1);
    if (a->cur && at <= (uintptr_t)a->end && n <= (uintptr_t)a->end - at) {
        a->cur = (unsigned char *)at + n;
        return (void *)at;
    }
    return alloc_slow(a, n);
}

/* Unaligned allocation. */
void *wv_arena_alloc_bytes(struct wv_arena *a, size_t n)
{
    if (a->cur && n <= (size_t)(a->end - a->cur)) {
        void *p = a->cur;
        a->cur += n;
        return p;
    }
    return alloc_slow(a, n);
}

/* Copy of s[0..n) plus NUL. */
char *wv_arena_strndup(struct wv_arena *a, const char *s, size_t n)
{
    if (n == SIZE_MAX)
        n--; /* impossible length: the allocation below aborts */
    char *d = wv_arena_alloc_bytes(a, n + 1);
    if (s && n)
        memcpy(d, s, n);
    d[s ? n : 0] = '\0';
    return d;
}

/* Registers a cleanup. */
void wv_arena_defer(struct wv_arena *a, wv_arena_cleanup_fn fn, void *p)
{
    struct cleanup *c = wv_arena_alloc(a, sizeof *c);
    c->fn = fn;
    c->p = p;
    c->next = a->cleanups;
    a->cleanups = c;
}

/* Cancels a registration. */
int wv_arena_undefer(struct wv_arena *a, wv_arena_cleanup_fn fn, void *p)
{
    for (struct cleanup **pp = &a->cleanups; *pp; pp = &(*pp)->next) {
        if ((*pp)->fn == fn && (*pp)->p == p) {
            *pp = (*pp)->next;
            return 1;
        }
    }
    return 0;
}

/* Bytes held. */
size_t wv_arena_capacity(const struct wv_arena *a) { return a ? a->capacity : 0; }
