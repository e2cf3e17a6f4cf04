/* logbuf.c - the live logs' bounded buffer. Line text lives in large chunks (freed once every
 * line in them has been dropped); line records sit in a ring that grows up to max_lines; the
 * filter keeps a second ring with the sequence numbers of the matching lines, updated as lines
 * arrive and fall off the front, so count and line(i) are O(1). TUI thread only. */
#include "tui/logbuf.h"

#include <regex.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/mem.h"

#define DEFAULT_MAX 1000000
#define CHUNK_SIZE (1u << 20)
#define INITIAL_CAP 1024
#define PARTIAL_MAX (1u << 20) /* an unterminated line longer than this is stored as is */

struct chunk {
    char *data;
    size_t used, size;
    uint64_t last_seq; /* the newest line stored in it */
};

struct source {
    char *name;
    struct wv_buf partial; /* the unterminated tail of its text */
};

struct tui_logbuf {
    size_t max;
    /* line ring */
    struct tui_logline *lines;
    size_t cap, head, n;
    uint64_t first_seq, next_seq, dropped;
    /* text chunks, oldest first, in a deque */
    struct chunk *chunks;
    size_t chunk_cap, chunk_head, n_chunks;
    /* sources (interned names; their partial lines) */
    struct source *sources;
    size_t n_sources;
    /* filter */
    bool filtering, has_re, invert;
    regex_t re;
    enum wv_level min_level;
    uint64_t *idx; /* ring of seqs of matching lines */
    size_t icap, ihead, in;
    /* search */
    bool has_search;
    regex_t search;
};

/* A new empty buffer. */
struct tui_logbuf *tui_logbuf_new(size_t max_lines)
{
    struct tui_logbuf *b = wv_calloc(1, sizeof *b);
    b->max = max_lines ? max_lines : DEFAULT_MAX;
    b->min_level = WV_LOG_TRACE;
    return b;
}

/* Frees every chunk. */
static void chunks_free(struct tui_logbuf *b)
{
    for (size_t i = 0; i < b->n_chunks; i++)
        free(b->chunks[(b->chunk_head + i) % b->chunk_cap].data);
    b->n_chunks = b->chunk_head = 0;
}

/* Frees the buffer (NULL is a no-op). */
void tui_logbuf_free(struct tui_logbuf *b)
{
    if (!b)
        return;
    chunks_free(b);
    free(b->chunks);
    for (size_t i = 0; i < b->n_sources; i++) {
        free(b->sources[i].name);
        wv_buf_done(&b->sources[i].partial);
    }
    free(b->sources);
    free(b->lines);
    free(b->idx);
    if (b->has_re)
        regfree(&b->re);
    if (b->has_search)
        regfree(&b->search);
    free(b);
}

/* Drops every line and partial line; keeps the filter and search. */
void tui_logbuf_clear(struct tui_logbuf *b)
{
    chunks_free(b);
    b->head = b->n = 0;
    b->first_seq = b->next_seq;
    b->ihead = b->in = 0;
    for (size_t i = 0; i < b->n_sources; i++)
        wv_buf_reset(&b->sources[i].partial);
}

/* Room for n bytes of text in the newest chunk (a new chunk when needed). */
static char *text_alloc(struct tui_logbuf *b, size_t n)
{
    struct chunk *c =
        b->n_chunks ? &b->chunks[(b->chunk_head + b->n_chunks - 1) % b->chunk_cap] : NULL;
    if (!c || c->size - c->used < n) {
        if (b->n_chunks == b->chunk_cap) {
            size_t ncap = b->chunk_cap ? b->chunk_cap * 2 : 16;
            struct chunk *nc = wv_malloc(ncap * sizeof *nc);
            for (size_t i = 0; i < b->n_chunks; i++)
                nc[i] = b->chunks[(b->chunk_head + i) % b->chunk_cap];
            free(b->chunks);
            b->chunks = nc;
            b->chunk_cap = ncap;
            b->chunk_head = 0;
        }
        c = &b->chunks[(b->chunk_head + b->n_chunks) % b->chunk_cap];
        b->n_chunks++;
        c->size = n > CHUNK_SIZE ? n : CHUNK_SIZE;
        c->data = wv_malloc(c->size);
        c->used = 0;
    }
    char *p = c->data + c->used;
    c->used += n;
    c->last_seq = b->next_seq;
    return p;
}

/* Grows a ring of elem-sized items (cap doubled up to max), keeping its order from 0. */
static void *ring_grow(void *ring, size_t elem, size_t *cap, size_t *head, size_t n, size_t max)
{
    size_t ncap = *cap ? *cap * 2 : INITIAL_CAP;
    if (ncap > max)
        ncap = max;
    char *nr = wv_malloc(ncap * elem);
    size_t first = *cap - *head < n ? *cap - *head : n;
    if (n) {
        memcpy(nr, (char *)ring + *head * elem, first * elem);
        memcpy(nr + first * elem, ring, (n - first) * elem);
    }
    free(ring);
    *cap = ncap;
    *head = 0;
    return nr;
}

/* The record of line seq (which must be kept). */
static const struct tui_logline *by_seq(const struct tui_logbuf *b, uint64_t seq)
{
    return &b->lines[(b->head + (size_t)(seq - b->first_seq)) % b->cap];
}

/* Whether a line passes the filter. */
static bool passes(const struct tui_logbuf *b, const struct tui_logline *l)
{
    if (l->level < b->min_level)
        return false;
    if (!b->has_re)
        return true;
    bool m = regexec(&b->re, l->text, 0, NULL, 0) == 0;
    return m != b->invert;
}

/* Drops the oldest line. */
static void drop_front(struct tui_logbuf *b)
{
    uint64_t seq = b->first_seq;
    b->head = (b->head + 1) % b->cap;
    b->n--;
    b->first_seq++;
    b->dropped++;
    if (b->in && b->idx[b->ihead] == seq) {
        b->ihead = (b->ihead + 1) % b->icap;
        b->in--;
    }
    /* chunks whose lines are all gone (never the newest one) */
    while (b->n_chunks > 1 && b->chunks[b->chunk_head].last_seq <= seq) {
        free(b->chunks[b->chunk_head].data);
        b->chunk_head = (b->chunk_head + 1) % b->chunk_cap;
        b->n_chunks--;
    }
}

/* Whether s starts with a timestamp like 2024-01-02T03:04:05[.fff]Z; returns its length. */
static size_t ts_len(const char *s, size_t n)
{
    static const char shape[] = "dddd-dd-ddTdd:dd:dd";
    if (n < sizeof shape)
        return 0;
    for (size_t i = 0; i < sizeof shape - 1; i++) {
        if (shape[i] == 'd' ? (s[i] < '0' || s[i] > '9') : s[i] != shape[i])
            return 0;
    }
    size_t i = sizeof shape - 1;
    if (i < n && s[i] == '.') {
        i++;
        while (i < n && s[i] >= '0' && s[i] <= '9')
            i++;
    }
    if (i < n && s[i] == 'Z')
        i++;
    return i < n && s[i] != ' ' ? 0 : i;
}

/* The level word at s (length n), or -1. */
static int level_of(const char *s, size_t n)
{
    static const char *const names[] = {"TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL"};
    for (int i = 0; i < 6; i++) {
        if (strlen(names[i]) == n && strncmp(s, names[i], n) == 0)
            return i;
    }
    if (n == 7 && strncmp(s, "WARNING", 7) == 0)
        return WV_LOG_WARN;
    return -1;
}

/* Stores one complete line (no '\n'). */
static void add_line(struct tui_logbuf *b, const char *src, const char *s, size_t n)
{
    if (n && s[n - 1] == '\r')
        n--;
    size_t tl = ts_len(s, n);
    enum wv_level level = WV_LOG_INFO;
    const char *msg = s;
    size_t mlen = n;
    if (tl) {
        size_t p = tl;
        while (p < n && s[p] == ' ')
            p++;
        size_t w = p;
        while (w < n && s[w] != ' ')
            w++;
        int lv = level_of(s + p, w - p);
        if (lv >= 0) {
            level = (enum wv_level)lv;
            p = w < n ? w + 1 : w;
        }
        msg = s + p;
        mlen = n - p;
    }
    if (b->n == b->max)
        drop_front(b);
    if (b->n == b->cap)
        b->lines = ring_grow(b->lines, sizeof *b->lines, &b->cap, &b->head, b->n, b->max);
    char *t = text_alloc(b, tl + 1 + mlen + 1);
    memcpy(t, s, tl);
    t[tl] = '\0';
    memcpy(t + tl + 1, msg, mlen);
    t[tl + 1 + mlen] = '\0';
    struct tui_logline *l = &b->lines[(b->head + b->n) % b->cap];
    l->ts = t;
    l->text = t + tl + 1;
    l->source = src;
    l->level = level;
    l->seq = b->next_seq++;
    b->n++;
    if (b->filtering && passes(b, l)) {
        if (b->in == b->icap)
            b->idx = ring_grow(b->idx, sizeof *b->idx, &b->icap, &b->ihead, b->in, b->max);
        b->idx[(b->ihead + b->in) % b->icap] = l->seq;
        b->in++;
    }
}

/* The interned source named name. */
static struct source *source_get(struct tui_logbuf *b, const char *name)
{
    for (size_t i = 0; i < b->n_sources; i++) {
        if (strcmp(b->sources[i].name, name) == 0)
            return &b->sources[i];
    }
    b->sources = wv_realloc(b->sources, (b->n_sources + 1) * sizeof *b->sources);
    struct source *s = &b->sources[b->n_sources++];
    s->name = wv_strdup(name);
    wv_buf_init(&s->partial, 0);
    return s;
}

/* Splits text into lines per source and stores the complete ones. */
void tui_logbuf_append(struct tui_logbuf *b, const char *source, const char *text, size_t len)
{
    struct source *src = source_get(b, source ? source : "");
    const char *end = text + len;
    while (text < end) {
        const char *nl = memchr(text, '\n', (size_t)(end - text));
        if (!nl) {
            wv_buf_append(&src->partial, text, (size_t)(end - text), NULL);
            if (src->partial.len >= PARTIAL_MAX) { /* a runaway line: keep it as it is */
                add_line(b, src->name, src->partial.data, src->partial.len);
                wv_buf_reset(&src->partial);
            }
            return;
        }
        if (src->partial.len) {
            wv_buf_append(&src->partial, text, (size_t)(nl - text), NULL);
            add_line(b, src->name, src->partial.data, src->partial.len);
            wv_buf_reset(&src->partial);
        } else {
            add_line(b, src->name, text, (size_t)(nl - text));
        }
        text = nl + 1;
    }
}

/* Rebuilds the index from the kept lines. */
static void reindex(struct tui_logbuf *b)
{
    b->ihead = b->in = 0;
    if (!b->filtering) {
        free(b->idx);
        b->idx = NULL;
        b->icap = 0;
        return;
    }
    for (size_t i = 0; i < b->n; i++) {
        const struct tui_logline *l = &b->lines[(b->head + i) % b->cap];
        if (!passes(b, l))
            continue;
        if (b->in == b->icap)
            b->idx = ring_grow(b->idx, sizeof *b->idx, &b->icap, &b->ihead, b->in, b->max);
        b->idx[b->in++] = l->seq;
    }
}

/* Compiles an ERE; fails with regcomp's message. */
static int compile(regex_t *re, const char *regex, struct wv_error *err)
{
    int rc = regcomp(re, regex, REG_EXTENDED | REG_NOSUB);
    if (rc != 0) {
        char msg[256];
        regerror(rc, re, msg, sizeof msg);
        regfree(re);
        return wv_error_set(err, WV_E_USAGE, 0, "bad regex '%.200s': %s", regex, msg);
    }
    return 0;
}

/* Sets the filter and rebuilds the index. */
int tui_logbuf_filter(struct tui_logbuf *b, const char *regex, bool invert, enum wv_level min_level,
                      struct wv_error *err)
{
    bool want = regex && *regex;
    regex_t re;
    if (want && compile(&re, regex, err) < 0)
        return -1;
    if (b->has_re)
        regfree(&b->re);
    b->has_re = want;
    if (want)
        b->re = re;
    b->invert = want && invert;
    b->min_level = min_level;
    b->filtering = want || min_level > WV_LOG_TRACE;
    reindex(b);
    return 0;
}

/* Lines passing the filter. */
size_t tui_logbuf_count(const struct tui_logbuf *b)
{
    return b->filtering ? b->in : b->n;
}

/* The i-th line passing the filter, or NULL. */
const struct tui_logline *tui_logbuf_line(const struct tui_logbuf *b, size_t i)
{
    if (!b->filtering)
        return i < b->n ? &b->lines[(b->head + i) % b->cap] : NULL;
    if (i >= b->in)
        return NULL;
    return by_seq(b, b->idx[(b->ihead + i) % b->icap]);
}

/* Lines kept. */
size_t tui_logbuf_total(const struct tui_logbuf *b)
{
    return b->n;
}

/* Lines dropped off the front. */
uint64_t tui_logbuf_dropped(const struct tui_logbuf *b)
{
    return b->dropped;
}

/* Sets (or clears) the search pattern. */
int tui_logbuf_search(struct tui_logbuf *b, const char *regex, struct wv_error *err)
{
    bool want = regex && *regex;
    regex_t re;
    if (want && compile(&re, regex, err) < 0)
        return -1;
    if (b->has_search)
        regfree(&b->search);
    b->has_search = want;
    if (want)
        b->search = re;
    return 0;
}

/* Whether filtered line i matches the search. */
bool tui_logbuf_is_match(const struct tui_logbuf *b, size_t i)
{
    if (!b->has_search)
        return false;
    const struct tui_logline *l = tui_logbuf_line(b, i);
    return l && regexec(&b->search, l->text, 0, NULL, 0) == 0;
}

/* The next/previous filtered line matching the search, wrapping. */
long tui_logbuf_search_next(const struct tui_logbuf *b, size_t from, bool backwards)
{
    size_t n = tui_logbuf_count(b);
    if (!b->has_search || n == 0)
        return -1;
    if (from >= n)
        from = backwards ? 0 : n - 1;
    size_t i = from;
    for (size_t k = 0; k < n; k++) {
        i = backwards ? (i + n - 1) % n : (i + 1) % n;
        if (tui_logbuf_is_match(b, i))
            return (long)i;
    }
    return -1;
}
