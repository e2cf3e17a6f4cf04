/* storage_int.h - private to src/storage and its tests: seams and tunables of the state store
 * that are not part of the module's public interface. */
#ifndef STORAGE_INT_H
#define STORAGE_INT_H

#include <stdint.h>

#include "storage/storage.h"

/* How long a write waits for another connection's lock before failing with WV_E_BUSY. */
#define STOR_DB_BUSY_TIMEOUT_MS 5000

/* Changes the busy timeout of an open database (tests shorten it to provoke WV_E_BUSY). */
void stor_db_set_busy_timeout(struct stor_db *db, int ms);

/* _airbyte_raw_id generator (rawid.c): UUID v4 text from a random seed and a counter. */
struct stor_rawid {
    uint64_t seed_hi, seed_lo, counter;
};

/* Seeds a generator (getrandom, else /dev/urandom). */
int stor_rawid_init(struct stor_rawid *g, struct wv_error *err);
/* Writes the next id: 36 characters, no NUL. */
void stor_rawid_next(struct stor_rawid *g, char out[36]);

#endif
