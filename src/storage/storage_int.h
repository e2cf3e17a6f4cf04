/* storage_int.h - private to src/storage and its tests: seams and tunables of the state store
 * that are not part of the module's public interface. */
#ifndef STORAGE_INT_H
#define STORAGE_INT_H

#include "storage/storage.h"

/* How long a write waits for another connection's lock before failing with WV_E_BUSY. */
#define STOR_DB_BUSY_TIMEOUT_MS 5000

/* Changes the busy timeout of an open database (tests shorten it to provoke WV_E_BUSY). */
void stor_db_set_busy_timeout(struct stor_db *db, int ms);

#endif
