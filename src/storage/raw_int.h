/* raw_int.h - private to src/storage: the raw zone writer's structures and the helpers shared
 * by raw.c (writer, checkpoints, publish) and raw_dedup.c (append_dedup compaction). */
#ifndef STOR_RAW_INT_H
#define STOR_RAW_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "storage/storage.h"
#include "storage/storage_int.h"

#define RAW_FLUSH_AT ((size_t)1 << 20) /* a part's buffer is written out past 1 MiB */

/* One staged file: buffered writes, then sealed (flushed, fsynced, closed) and renamed. */
struct raw_part {
    int fd;           /* -1 when not open */
    char *stage_path; /* owned; where it is written */
    char *final_dir;  /* owned; the dt= directory it is published into */
    char *final_path; /* owned */
    int64_t size;     /* bytes written to the file, buffered ones included */
    struct wv_buf buf;
};

/* One declared stream of a run. */
struct raw_stream {
    char *ns, *name; /* ns NULL when none */
    char *rel;       /* "[ns/]name": the stream's directory under root (and under staging) */
    char *label;     /* "ns.name" for messages */
    enum wv_dest_mode mode;
    struct wv_path *pk; /* owned array */
    size_t n_pk;
    struct wv_path cursor; /* n == 0 when none */
    struct raw_part part;  /* the open part (fd >= 0 only once it holds a record) */
    int next_part, next_dedup;
    bool broken;             /* a write or publish failed: refuse further work */
    struct raw_part *staged; /* overwrite: sealed parts waiting for finish (paths only) */
    size_t n_staged;
    struct stor_raw_stats st;
};

/* The writer of one run. */
struct stor_raw {
    char *root, *run_id;
    char *stage;   /* root/_weaver_staging/run_id */
    char date[16]; /* partition date of extracted_at */
    char *mid;     /* line text between the raw id and the data object */
    size_t mid_len;
    struct stor_rawid ids;
    struct raw_stream **streams;
    size_t n;
    size_t last; /* index of the stream written last (lookup shortcut) */
    bool finished;
};

/* ---- staged parts (raw.c) ---- */

/* Creates the staged file <run_id>-<kind><n>.jsonl for the dt= partition `date` of rel (borrowed),
 * taking the first n (from *next) whose staged and final names are both free. On error p's paths
 * may be set (stor_raw_int_part_done frees them). */
int stor_raw_int_part_open(struct stor_raw *w, struct raw_part *p, const char *rel,
                           const char *date, const char *kind, int *next, struct wv_error *err);

/* Writes the buffered bytes out. */
int stor_raw_int_part_flush(struct raw_part *p, struct wv_error *err);

/* Flushes, fsyncs and closes the file (closed even on error). */
int stor_raw_int_part_seal(struct raw_part *p, struct wv_error *err);

/* Renames a sealed file to its final path and makes that durable. */
int stor_raw_int_part_publish(const struct raw_part *p, struct wv_error *err);

/* Closes (without publishing) and frees a part entirely. */
void stor_raw_int_part_done(struct raw_part *p);

/* Moves a sealed part's paths (ownership) onto the end of *list, which grows; src keeps its
 * buffer. */
void stor_raw_int_part_move(struct raw_part **list, size_t *n, struct raw_part *src);

/* ---- published files of a stream (raw.c) ---- */

/* One published .jsonl file of a stream. */
struct raw_file {
    char *path;       /* owned */
    const char *base; /* file name inside path */
    size_t dir;       /* index into raw_flist.dirs */
    const char *map;  /* mmapped contents (compaction) or NULL */
    size_t size;
};

/* The published files of a stream, with the dt= directories they are in. */
struct raw_flist {
    struct raw_file *f;
    size_t n;
    char **dirs; /* the stream's dt= directories (owned) */
    size_t n_dirs;
};

/* Lists the published .jsonl files of a stream (every dt= partition), sorted by name then
 * directory. Free fl with stor_raw_int_flist_done, also on error. */
int stor_raw_int_flist_load(const struct stor_raw *w, const struct raw_stream *s,
                            struct raw_flist *fl, struct wv_error *err);

/* Frees a file list (unmapping what was mapped). */
void stor_raw_int_flist_done(struct raw_flist *fl);

/* Deletes the listed files, then removes dt= directories left empty; every change is fsynced. */
int stor_raw_int_flist_remove(const struct stor_raw *w, const struct raw_stream *s,
                              const struct raw_flist *fl, struct wv_error *err);

/* ---- dedup compaction (raw_dedup.c) ---- */

/* Whether a stream has files no compaction covered yet (this run's, or those of runs that died
 * before compacting). */
int stor_raw_int_needs_compact(const struct stor_raw *w, const struct raw_stream *s, bool *needs,
                               struct wv_error *err);

/* Compacts an append_dedup stream to one line per primary key: publishes new files, then
 * deletes the files it read. */
int stor_raw_int_compact(struct stor_raw *w, struct raw_stream *s, struct wv_error *err);

#endif
