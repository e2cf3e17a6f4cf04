/* db_int.h - private to the state store's files (db.c, db_publish.c): the connection and the
 * SQLite helpers (bound arguments, transactions, errors "state.db: <what>: <message>"). Only
 * files that include <sqlite3.h> include this. */
#ifndef STOR_DB_INT_H
#define STOR_DB_INT_H

#include <sqlite3.h>

#include "storage/storage.h"

struct stor_db {
    sqlite3 *h;
    int version; /* schema version after migrations */
    int depth;   /* open stor_dbi_begin calls: inner ones join the outer transaction */
};

/* A value bound to ?1..?n: an integer, an id (NULL when <= 0) or text (NULL text binds NULL). */
enum db_arg_kind { ARG_INT, ARG_ID, ARG_TEXT };

struct db_arg {
    enum db_arg_kind kind;
    int64_t i;
    const char *s;
};

#define A_INT(v) {ARG_INT, (int64_t)(v), NULL}
#define A_ID(v) {ARG_ID, (int64_t)(v), NULL}
#define A_TEXT(v) {ARG_TEXT, 0, (v)}
/* Expands to the two arguments (array, count) that stor_dbi_prepare and stor_dbi_run take. */
#define ARGS(...)                                                                                  \
    (const struct db_arg[]){__VA_ARGS__},                                                          \
        sizeof((const struct db_arg[]){__VA_ARGS__}) / sizeof(struct db_arg)
#define NO_ARGS NULL, 0

/* One schema migration (db_schema.c): schema version i+1 is migration i. */
struct stor_dbi_migration {
    const char *what;
    const char *sql;
};
int stor_dbi_n_migrations(void);
const struct stor_dbi_migration *stor_dbi_migration(int i);

/* Records a failed SQLite call as "state.db: <what>: <sqlite message>" (detail: the rc). */
int stor_dbi_fail(struct stor_db *db, int rc, const char *what, struct wv_error *err);
/* Runs SQL text without values (pragmas, transactions, migrations). */
int stor_dbi_exec(struct stor_db *db, const char *sql, const char *what, struct wv_error *err);
/* Prepares one statement and binds args to ?1..?n. NULL on error (nothing to finalize). */
sqlite3_stmt *stor_dbi_prepare(struct stor_db *db, const char *sql, const char *what,
                               const struct db_arg *args, size_t n, struct wv_error *err);
/* Runs one statement to completion; *changes (may be NULL) gets the number of rows changed. */
int stor_dbi_run(struct stor_db *db, const char *sql, const char *what, const struct db_arg *args,
                 size_t n, int *changes, struct wv_error *err);
/* Transactions: begin (write lock now), commit, rollback (errors ignored), and rollback
 * returning -1 after an error was recorded. */
int stor_dbi_begin(struct stor_db *db, struct wv_error *err);
int stor_dbi_commit(struct stor_db *db, struct wv_error *err);
void stor_dbi_rollback(struct stor_db *db);
int stor_dbi_fail_tx(struct stor_db *db);
/* A text column, copied (NULL when NULL). */
char *stor_dbi_strdup(sqlite3_stmt *st, int col);
/* Reading a list of rows (db_flow.c): fill one item per row, free on error. */
typedef int (*stor_dbi_row_fn)(sqlite3_stmt *st, void *item, struct wv_error *err);
typedef void (*stor_dbi_rows_free_fn)(void *items, size_t n);
/* Steps st to the end, filling one item of `size` bytes per row; finalizes st. On error frees
 * what was read and leaves *out NULL, *n 0. */
int stor_dbi_read_rows(struct stor_db *db, sqlite3_stmt *st, const char *what, size_t size,
                       stor_dbi_row_fn fill, stor_dbi_rows_free_fn free_fn, void **out,
                       size_t *n, struct wv_error *err);
/* WV_E_NOTFOUND "state.db: <what>: no <thing> <id>" unless a row changed. */
int stor_dbi_check_found(int changes, const char *what, const char *thing, int64_t id,
                         struct wv_error *err);

/* Stores one STATE message inside the caller's transaction (see stor_state_commit). */
int stor_dbi_state_put(struct stor_db *db, const char *connection, const struct wv_msg *state,
                       int64_t job_id, int64_t now_ms, struct wv_error *err);

#endif
