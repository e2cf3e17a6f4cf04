/* pq_dict.c - the dictionary of one Parquet column chunk, as apache/parquet-format Encodings.md
 * "Dictionary Encoding (PLAIN_DICTIONARY = 2 and RLE_DICTIONARY = 8)" describes it: distinct
 * values in order of first appearance, stored PLAIN in the dictionary page, looked up by an
 * open-addressing hash table (linear probing) while values are added. A slot holds the low 32
 * bits of the key's hash beside the entry number, so a probe touches an entry's bytes only when
 * the hashes agree, and a table grows without rehashing keys. Runs on whichever thread owns the
 * writer. */
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "storage/pq_int.h"

#define K1 0x9e3779b97f4a7c15u
#define K2 0xd6e8feb86659fd93u

/* Final avalanche of a 64-bit state. */
static uint64_t mix64(uint64_t x)
{
    x ^= x >> 32;
    x *= K2;
    x ^= x >> 29;
    x *= K2;
    x ^= x >> 32;
    return x;
}

/* Up to 8 bytes at s as a little-endian word (0-padded). */
static uint64_t load_tail(const unsigned char *s, size_t n)
{
    uint64_t w = 0;
    for (size_t i = 0; i < n; i++)
        w |= (uint64_t)s[i] << (8 * i);
    return w;
}

/* Hash of the key bytes, 8 at a time (a multiply-rotate per word, then an avalanche). */
uint64_t stor_pq_dict_hash(const void *key, size_t n)
{
    const unsigned char *s = key;
    uint64_t w;
    if (n == 8) {
        memcpy(&w, s, 8);
        return mix64(w ^ K1);
    }
    uint64_t h = (uint64_t)n * K1;
    for (; n >= 8; s += 8, n -= 8) {
        memcpy(&w, s, 8);
        h = (h ^ w) * K2;
        h = h << 31 | h >> 33;
    }
    if (n)
        h = (h ^ load_tail(s, n) ^ 0xff) * K2;
    return mix64(h);
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

/* Whether entry k's key is key[0..n): fixed-width entries sit at k * width (no offsets). */
static bool entry_is(const struct pq_dict *d, uint32_t k, const void *key, size_t n)
{
    if (d->width) {
        const char *ek = d->plain.data + (size_t)k * d->width;
        if (n == 8 && d->width == 8) {
            uint64_t a, b;
            memcpy(&a, ek, 8), memcpy(&b, key, 8);
            return a == b;
        }
        return n == d->width && memcmp(ek, key, n) == 0;
    }
    const char *ek = d->plain.data + d->off[k] + d->prefix;
    return d->off[k + 1] - d->off[k] - d->prefix == n && memcmp(ek, key, n) == 0;
}

/* Slot holding the key, or the empty slot where it would go. */
static size_t probe(const struct pq_dict *d, const void *key, size_t n, uint64_t h)
{
    size_t mask = d->n_slots - 1, i = (size_t)h & mask;
    uint32_t tag = (uint32_t)h;
    for (;; i = (i + 1) & mask) {
        uint64_t e = d->slots[i];
        if (e == 0)
            return i;
        if ((uint32_t)(e >> 32) == tag && entry_is(d, (uint32_t)e - 1, key, n))
            return i;
    }
}

/* Looks a key up by its hash h; *slot is where stor_pq_dict_add_at would put it. */
int64_t stor_pq_dict_find_h(const struct pq_dict *d, const void *key, size_t n, uint64_t h,
                            size_t *slot)
{
    if (d->n_slots == 0) {
        *slot = SIZE_MAX;
        return -1;
    }
    size_t i = probe(d, key, n, h);
    *slot = i;
    uint64_t e = d->slots[i];
    return e ? (int64_t)(uint32_t)e - 1 : -1;
}

/* Looks a key up. */
int64_t stor_pq_dict_find(const struct pq_dict *d, const void *key, size_t n)
{
    size_t slot;
    return stor_pq_dict_find_h(d, key, n, stor_pq_dict_hash(key, n), &slot);
}

/* PLAIN size after an addition. */
size_t stor_pq_dict_size_with(const struct pq_dict *d, size_t n)
{
    return d->plain.len + d->prefix + n;
}

/* Doubles the hash table and re-inserts every entry by its stored hash bits. */
static void grow_slots(struct pq_dict *d)
{
    uint64_t *old = d->slots;
    size_t n_old = d->n_slots;
    d->n_slots = d->n_slots ? d->n_slots * 2 : 1024;
    d->slots = wv_calloc(d->n_slots, sizeof *d->slots);
    size_t mask = d->n_slots - 1;
    for (size_t j = 0; j < n_old; j++) {
        if (!old[j])
            continue;
        size_t i = (size_t)(old[j] >> 32) & mask;
        while (d->slots[i])
            i = (i + 1) & mask;
        d->slots[i] = old[j];
    }
    free(old);
}

/* Appends a new entry (PLAIN form) at the slot a find just returned (SIZE_MAX: probe again). */
uint32_t stor_pq_dict_add_at(struct pq_dict *d, const void *key, size_t n, uint64_t h, size_t slot)
{
    if ((size_t)d->n * 2 + 2 >= d->n_slots) {
        grow_slots(d);
        slot = SIZE_MAX;
    }
    if (slot == SIZE_MAX)
        slot = probe(d, key, n, h);
    if (d->n + 2 > d->cap) {
        d->cap = d->cap ? d->cap * 2 : 1024;
        d->off = wv_realloc(d->off, (size_t)d->cap * sizeof *d->off);
    }
    if (d->n == 0)
        d->off[0] = 0;
    if (!d->prefix)
        d->width = n; /* PLAIN values of one fixed-width type */
    if (d->prefix) {
        uint8_t len4[4] = {(uint8_t)n, (uint8_t)(n >> 8), (uint8_t)(n >> 16), (uint8_t)(n >> 24)};
        wv_buf_append(&d->plain, len4, 4, NULL);
    }
    wv_buf_append(&d->plain, key, n, NULL);
    uint32_t k = d->n++;
    d->off[d->n] = (uint32_t)d->plain.len;
    d->slots[slot] = (uint64_t)(uint32_t)h << 32 | (k + 1);
    return k;
}

/* Adds a key that is not in the dictionary yet. */
uint32_t stor_pq_dict_add(struct pq_dict *d, const void *key, size_t n)
{
    return stor_pq_dict_add_at(d, key, n, stor_pq_dict_hash(key, n), SIZE_MAX);
}
