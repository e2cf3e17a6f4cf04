/* raw_dedup.c - compaction of append_dedup streams of the raw zone at the end of a run: every
 * published file of the stream is read and one line per primary key is kept (a present cursor,
 * then the greatest cursor, then the latest _airbyte_extracted_at). Runs on the worker thread
 * that owns the writer, inside stor_raw_finish. */
#include "storage/raw_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/clock.h"
#include "base/mem.h"

#define RAW_ROLL_AT ((int64_t)128 << 20) /* compaction output files roll at ~128 MiB */
#define RAW_DAY_MS 86400000LL

/* UTC day number of a time in ms (floor division). */
static int64_t day_of(int64_t ms)
{
    return ms >= 0 ? ms / RAW_DAY_MS : -((-ms + RAW_DAY_MS - 1) / RAW_DAY_MS);
}

/* "a.b" form of a field path for messages; caller frees. */
static char *path_text(const struct wv_path *p)
{
    struct wv_buf b;
    wv_buf_init(&b, 0);
    for (size_t i = 0; i < p->n; i++) {
        if (i)
            wv_buf_putc(&b, '.', NULL);
        wv_buf_puts(&b, p->parts[i], NULL);
    }
    return wv_buf_steal(&b, NULL);
}

/* The winning line of one key.
 * Memory limit: every distinct key stays in memory (its JSON text, the winner's file index,
 * offset and length, and a copy of its cursor value), about 100 bytes plus the key and cursor
 * per key; streams with tens of millions of keys need an external sort instead. */
struct raw_ent {
    char *key; /* owned; NULL for an empty slot */
    size_t klen;
    uint64_t hash;
    uint32_t file;
    size_t off, len;        /* the winning line inside its file */
    int64_t ext;            /* its _airbyte_extracted_at */
    struct wv_json *cursor; /* owned copy or NULL (absent or null cursor) */
};

/* Open addressing with linear probing; cap is a power of two, load kept under 70%. */
struct raw_map {
    struct raw_ent *slots;
    size_t cap, n;
};

/* FNV-1a with a final avalanche. */
static uint64_t key_hash(const char *k, size_t n)
{
    uint64_t h = UINT64_C(0xcbf29ce484222325);
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)k[i]) * UINT64_C(0x100000001b3);
    h ^= h >> 33;
    h *= UINT64_C(0xff51afd7ed558ccd);
    return h ^ (h >> 33);
}

/* Doubles the table and reinserts every entry. */
static void map_grow(struct raw_map *m)
{
    size_t cap = m->cap ? m->cap * 2 : 1024;
    struct raw_ent *slots = wv_calloc(cap, sizeof *slots);
    for (size_t i = 0; i < m->cap; i++) {
        if (!m->slots[i].key)
            continue;
        size_t j = m->slots[i].hash & (cap - 1);
        while (slots[j].key)
            j = (j + 1) & (cap - 1);
        slots[j] = m->slots[i];
    }
    free(m->slots);
    m->slots = slots;
    m->cap = cap;
}

/* Whether a candidate beats the current winner: a present cursor beats an absent one, then the
 * greater cursor, then the greater extraction time; on a full tie the candidate (read later)
 * wins. */
static bool beats(const struct raw_ent *cand, const struct wv_json *cur, const struct raw_ent *e)
{
    if (cur && !e->cursor)
        return true;
    if (!cur && e->cursor)
        return false;
    if (cur) {
        int c = wv_json_compare(cur, e->cursor);
        if (c)
            return c > 0;
    }
    return cand->ext >= e->ext;
}

/* Offers a line for its key: inserted if new, replaces the winner if it beats it. */
static void map_offer(struct raw_map *m, const char *key, size_t klen, const struct raw_ent *cand,
                      const struct wv_json *cur)
{
    if ((m->n + 1) * 10 > m->cap * 7)
        map_grow(m);
    uint64_t h = key_hash(key, klen);
    size_t i = h & (m->cap - 1);
    for (; m->slots[i].key; i = (i + 1) & (m->cap - 1)) {
        struct raw_ent *e = &m->slots[i];
        if (e->hash != h || e->klen != klen || memcmp(e->key, key, klen) != 0)
            continue;
        if (beats(cand, cur, e)) {
            wv_json_free(e->cursor);
            e->cursor = cur ? wv_json_dup(cur) : NULL;
            e->file = cand->file;
            e->off = cand->off;
            e->len = cand->len;
            e->ext = cand->ext;
        }
        return;
    }
    struct raw_ent *e = &m->slots[i];
    *e = *cand;
    e->key = wv_malloc(klen);
    memcpy(e->key, key, klen);
    e->klen = klen;
    e->hash = h;
    e->cursor = cur ? wv_json_dup(cur) : NULL;
    m->n++;
}

/* Frees the map's keys and cursors. */
static void map_done(struct raw_map *m)
{
    for (size_t i = 0; i < m->cap; i++) {
        free(m->slots[i].key);
        wv_json_free(m->slots[i].cursor);
    }
    free(m->slots);
    memset(m, 0, sizeof *m);
}

/* Maps a file read-only (empty files stay unmapped). */
static int file_map(struct raw_file *f, struct wv_error *err)
{
    int fd = open(f->path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return wv_error_errno(err, errno, "open %s", f->path);
    struct stat st;
    int rc = 0;
    if (fstat(fd, &st) < 0) {
        rc = wv_error_errno(err, errno, "stat %s", f->path);
    } else if (st.st_size > 0) {
        void *p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
        if (p == MAP_FAILED) {
            rc = wv_error_errno(err, errno, "mmap %s", f->path);
        } else {
            madvise(p, (size_t)st.st_size, MADV_SEQUENTIAL);
            f->map = p;
            f->size = (size_t)st.st_size;
        }
    }
    close(fd);
    return rc;
}

/* Builds a record's key: the compact JSON of the array of its primary key values. */
static int build_key(const struct raw_stream *s, const struct wv_json *data, struct wv_buf *key,
                     const char *path, long lineno, struct wv_error *err)
{
    wv_buf_reset(key);
    wv_buf_putc(key, '[', err);
    for (size_t i = 0; i < s->n_pk; i++) {
        const struct wv_json *v = wv_path_get(data, &s->pk[i]);
        if (!v) {
            char *t = path_text(&s->pk[i]);
            wv_error_set(err, WV_E_PARSE, 0, "%s:%ld: record has no primary key '%s'", path,
                         lineno, t);
            free(t);
            return -1;
        }
        if ((i && wv_buf_putc(key, ',', err) < 0) || wv_json_write(key, v, err) < 0)
            return -1;
    }
    return wv_buf_putc(key, ']', err);
}

/* Parses one line of a published file and offers it to the map. */
static int scan_line(const struct raw_stream *s, const struct raw_file *f, uint32_t idx,
                     size_t off, size_t len, long lineno, struct raw_map *m, struct wv_buf *key,
                     struct wv_error *err)
{
    struct wv_error perr = {0};
    struct wv_json *j = wv_json_parse(f->map + off, len, "record", &perr);
    if (!j)
        return wv_error_set(err, WV_E_PARSE, 0, "%s:%ld: invalid JSON: %s", f->path, lineno,
                            perr.msg);
    int rc = -1;
    struct raw_ent cand = {.file = idx, .off = off, .len = len};
    const struct wv_json *data = wv_json_get(j, "_airbyte_data");
    if (wv_json_get_i64(j, "_airbyte_extracted_at", &cand.ext) < 0)
        wv_error_set(err, WV_E_PARSE, 0, "%s:%ld: no integer _airbyte_extracted_at", f->path,
                     lineno);
    else if (!wv_json_is(data, WV_JSON_OBJECT))
        wv_error_set(err, WV_E_PARSE, 0, "%s:%ld: no _airbyte_data object", f->path, lineno);
    else if (build_key(s, data, key, f->path, lineno, err) == 0) {
        const struct wv_json *cur = s->cursor.n ? wv_path_get(data, &s->cursor) : NULL;
        if (cur && cur->type == WV_JSON_NULL)
            cur = NULL;
        map_offer(m, key->data, key->len, &cand, cur);
        rc = 0;
    }
    wv_json_free(j);
    return rc;
}

/* Maps a published file and offers each of its lines (blank lines are skipped). */
static int scan_file(const struct raw_stream *s, struct raw_file *f, uint32_t idx,
                     struct raw_map *m, struct wv_buf *key, struct wv_error *err)
{
    if (file_map(f, err) < 0)
        return -1;
    long lineno = 0;
    for (size_t off = 0; off < f->size;) {
        const char *p = f->map + off;
        const char *nl = memchr(p, '\n', f->size - off);
        size_t len = nl ? (size_t)(nl - p) : f->size - off;
        lineno++;
        if (len && scan_line(s, f, idx, off, len, lineno, m, key, err) < 0)
            return -1;
        off += len + 1;
    }
    return 0;
}

/* Orders winners by partition day, then file, then offset (sequential reads per output). */
static int cmp_win(const void *a, const void *b)
{
    const struct raw_ent *x = *(const struct raw_ent *const *)a;
    const struct raw_ent *y = *(const struct raw_ent *const *)b;
    int64_t dx = day_of(x->ext), dy = day_of(y->ext);
    if (dx != dy)
        return dx < dy ? -1 : 1;
    if (x->file != y->file)
        return x->file < y->file ? -1 : 1;
    return (x->off > y->off) - (x->off < y->off);
}

/* Appends one winning line (original text) to the output, opening or rolling files as needed:
 * each line goes to the partition of its own extraction date. */
static int out_line(struct stor_raw *w, struct raw_stream *s, struct raw_part *cur,
                    int64_t *cur_day, struct raw_part **outs, size_t *n_outs,
                    const struct raw_ent *e, const struct raw_file *f, struct wv_error *err)
{
    int64_t day = day_of(e->ext);
    if (cur->fd >= 0 && (day != *cur_day || cur->size >= RAW_ROLL_AT)) {
        if (stor_raw_int_part_seal(cur, err) < 0)
            return -1;
        stor_raw_int_part_move(outs, n_outs, cur);
    }
    if (cur->fd < 0) {
        char date[16];
        wv_time_date(e->ext, date, sizeof date);
        if (stor_raw_int_part_open(w, cur, s->rel, date, "dedup-", &s->next_dedup, err) < 0)
            return -1;
        *cur_day = day;
    }
    if (wv_buf_append(&cur->buf, f->map + e->off, e->len, err) < 0 ||
        wv_buf_putc(&cur->buf, '\n', err) < 0)
        return -1;
    cur->size += (int64_t)e->len + 1;
    return cur->buf.len >= RAW_FLUSH_AT ? stor_raw_int_part_flush(cur, err) : 0;
}

/* Writes the winners into sealed staged files (listed in *outs). */
static int write_winners(struct stor_raw *w, struct raw_stream *s, const struct raw_flist *fl,
                         const struct raw_map *m, struct raw_part **outs, size_t *n_outs,
                         struct wv_error *err)
{
    struct raw_ent **win = wv_malloc((m->n ? m->n : 1) * sizeof *win);
    size_t n = 0;
    for (size_t i = 0; i < m->cap; i++)
        if (m->slots[i].key)
            win[n++] = &m->slots[i];
    qsort(win, n, sizeof *win, cmp_win);
    struct raw_part cur = {.fd = -1};
    int64_t cur_day = 0;
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++)
        rc = out_line(w, s, &cur, &cur_day, outs, n_outs, win[i], &fl->f[win[i]->file], err);
    if (rc == 0 && cur.fd >= 0) {
        rc = stor_raw_int_part_seal(&cur, err);
        if (rc == 0)
            stor_raw_int_part_move(outs, n_outs, &cur);
    }
    stor_raw_int_part_done(&cur);
    free(win);
    return rc;
}

/* Compacts an append_dedup stream: reads every published file, writes one line per key into
 * new files, publishes them, and only then deletes the files it read. A crash in between
 * leaves duplicates (the next compaction removes them), never a lost record. */
/* Whether a stream holds files no compaction has covered (written by this run, or published by
 * runs that died before their own compaction). */
int stor_raw_int_needs_compact(const struct stor_raw *w, const struct raw_stream *s, bool *needs,
                               struct wv_error *err)
{
    struct raw_flist fl;
    *needs = false;
    int rc = stor_raw_int_flist_load(w, s, &fl, err);
    for (size_t i = 0; rc == 0 && i < fl.n && !*needs; i++)
        *needs = !strstr(fl.f[i].base, "-dedup-");
    stor_raw_int_flist_done(&fl);
    return rc;
}

int stor_raw_int_compact(struct stor_raw *w, struct raw_stream *s, struct wv_error *err)
{
    struct raw_flist fl;
    struct raw_map m = {0};
    struct raw_part *outs = NULL;
    size_t n_outs = 0;
    struct wv_buf key;
    wv_buf_init(&key, 0);
    int rc = stor_raw_int_flist_load(w, s, &fl, err);
    if (rc == 0 && fl.n > UINT32_MAX)
        rc = wv_error_set(err, WV_E_LIMIT, 0, "%s/%s: too many files", w->root, s->rel);
    for (size_t i = 0; rc == 0 && i < fl.n; i++)
        rc = scan_file(s, &fl.f[i], (uint32_t)i, &m, &key, err);
    if (rc == 0)
        rc = write_winners(w, s, &fl, &m, &outs, &n_outs, err);
    for (size_t i = 0; rc == 0 && i < n_outs; i++) {
        rc = stor_raw_int_part_publish(&outs[i], err);
        if (rc == 0)
            s->st.files++;
    }
    if (rc == 0)
        rc = stor_raw_int_flist_remove(w, s, &fl, err);
    for (size_t i = 0; i < n_outs; i++)
        stor_raw_int_part_done(&outs[i]);
    free(outs);
    wv_buf_done(&key);
    map_done(&m);
    stor_raw_int_flist_done(&fl);
    return rc;
}
