/* pq_dict.c - the dictionary of one Parquet column chunk, as apache/parquet-format Encodings.md
 * "Dictionary Encoding (PLAIN_DICTIONARY = 2 and RLE_DICTIONARY = 8)" describes it: distinct
 * values in order of first appearance, stored PLAIN in the dictionary page, looked up by an
 * open-addressing hash table while values are added. Runs on whichever thread owns the writer. */
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "storage/pq_int.h"

/* FNV-1a over the key bytes. */
static uint64_t hash(const void *p, size_t n)
{
    const unsigned char *s = p;
    uint64_t h = 1469598103934665603u;
    for (size_t i = 0; i < n; i++)
        h = (h ^ s[i]) * 1099511628211u;
    return h;
}

/* Starts an empty dictionary. */
void stor_pq_dict_init(struct pq_dict *d, bool byte_array)
{
    memset(d, 0, sizeof *d);
    wv_buf_init(&d->plain, 0);
    d->prefix = byte_array ? 4 : 0;
}

/* Empties the dictionary for the next chunk. */
void stor_pq_dict_reset(struct pq_dict *d)
{
    wv_buf_reset(&d->plain);
    d->n = 0;
    if (d->slots)
        memset(d->slots, 0, d->n_slots * sizeof *d->slots);
}

/* Frees its memory. */
void stor_pq_dict_done(struct pq_dict *d)
{
    wv_buf_done(&d->plain);
    free(d->off);
    free(d->slots);
    memset(d, 0, sizeof *d);
}

/* Key bytes of entry k. */
static const char *entry_key(const struct pq_dict *d, uint32_t k, size_t *n)
{
    *n = d->off[k + 1] - d->off[k] - d->prefix;
    return d->plain.data + d->off[k] + d->prefix;
}

/* Slot holding the key, or the empty slot where it would go. */
static size_t probe(const struct pq_dict *d, const void *key, size_t n)
{
    size_t mask = d->n_slots - 1, i = (size_t)hash(key, n) & mask;
    for (;; i = (i + 1) & mask) {
        uint32_t e = d->slots[i];
        if (e == 0)
            return i;
        size_t en;
        const char *ek = entry_key(d, e - 1, &en);
        if (en == n && memcmp(ek, key, n) == 0)
            return i;
    }
}

/* Looks a key up. */
int64_t stor_pq_dict_find(const struct pq_dict *d, const void *key, size_t n)
{
    if (d->n_slots == 0)
        return -1;
    uint32_t e = d->slots[probe(d, key, n)];
    return e ? (int64_t)e - 1 : -1;
}

/* PLAIN size after an addition. */
size_t stor_pq_dict_size_with(const struct pq_dict *d, size_t n)
{
    return d->plain.len + d->prefix + n;
}

/* Doubles the hash table and re-inserts every entry. */
static void grow_slots(struct pq_dict *d)
{
    free(d->slots);
    d->n_slots = d->n_slots ? d->n_slots * 2 : 1024;
    d->slots = wv_calloc(d->n_slots, sizeof *d->slots);
    for (uint32_t k = 0; k < d->n; k++) {
        size_t en;
        const char *ek = entry_key(d, k, &en);
        d->slots[probe(d, ek, en)] = k + 1;
    }
}

/* Appends a new entry (PLAIN form) and indexes it. */
uint32_t stor_pq_dict_add(struct pq_dict *d, const void *key, size_t n)
{
    if ((size_t)d->n * 2 + 2 >= d->n_slots)
        grow_slots(d);
    if (d->n + 2 > d->cap) {
        d->cap = d->cap ? d->cap * 2 : 1024;
        d->off = wv_realloc(d->off, (size_t)d->cap * sizeof *d->off);
    }
    if (d->n == 0)
        d->off[0] = 0;
    if (d->prefix) {
        uint8_t len4[4] = {(uint8_t)n, (uint8_t)(n >> 8), (uint8_t)(n >> 16), (uint8_t)(n >> 24)};
        wv_buf_append(&d->plain, len4, 4, NULL);
    }
    wv_buf_append(&d->plain, key, n, NULL);
    uint32_t k = d->n++;
    d->off[d->n] = (uint32_t)d->plain.len;
    d->slots[probe(d, key, n)] = k + 1;
    return k;
}
