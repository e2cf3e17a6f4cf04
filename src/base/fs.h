/* fs.h - file-system helpers with durability in mind: atomic replace (temp + fsync + rename +
 * fsync of the directory), recursive mkdir/remove, bounded whole-file reads, paths. */
#ifndef WV_FS_H
#define WV_FS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "base/error.h"

/* Creates a directory and its parents (like mkdir -p). */
int wv_fs_mkdirs(const char *path, mode_t mode, struct wv_error *err);

/* Like wv_fs_mkdirs, and fsyncs the parent of every directory it creates, so a new directory
 * (and what is later renamed into it) survives a crash. An existing directory is left as is. */
int wv_fs_mkdirs_durable(const char *path, mode_t mode, struct wv_error *err);

/* Writes data to path atomically: PATH.tmp.PID, fsync, rename, fsync of the parent. */
int wv_fs_write_atomic(const char *path, const void *data, size_t len, mode_t mode,
                       struct wv_error *err);

/* Reads a whole file, refusing files larger than max bytes (WV_E_LIMIT). *out is
 * NUL-terminated; caller frees. */
int wv_fs_read_all(const char *path, size_t max, char **out, size_t *len, struct wv_error *err);

/* fsyncs a directory so renames/creations inside it are durable. */
int wv_fs_fsync_dir(const char *dir, struct wv_error *err);

/* fsyncs an open fd. */
int wv_fs_fsync_fd(int fd, const char *what, struct wv_error *err);

/* Writes all len bytes of data (borrowed) to fd, retrying short and interrupted writes; what
 * names the file in the error. */
int wv_fs_write_all(int fd, const void *data, size_t len, const char *what, struct wv_error *err);

/* Renames, then fsyncs the destination's directory (and the source's if different). */
int wv_fs_rename_durable(const char *from, const char *to, struct wv_error *err);

/* Removes a file or a directory tree (like rm -rf); missing is not an error. */
int wv_fs_rmtree(const char *path, struct wv_error *err);

bool wv_fs_exists(const char *path);
bool wv_fs_is_dir(const char *path);

/* "a" + "b" -> "a/b" (no doubled slash; b absolute -> b). Caller frees. */
char *wv_path_join(const char *a, const char *b);
/* Directory part ("a/b/c" -> "a/b", "c" -> "."). Caller frees. */
char *wv_path_dirname(const char *path);
/* Last component, without the given suffix if it ends with it (suffix may be NULL). Caller frees. */
char *wv_path_stem(const char *path, const char *suffix);
/* Absolute, normalized form of an existing path (realpath). Caller frees; NULL + err if missing. */
char *wv_path_real(const char *path, struct wv_error *err);

/* Lists the entries of a directory, sorted by name, without "." and "..". *names is a
 * NULL-terminated vector (wv_strv_free). A missing directory gives an empty list. */
int wv_fs_list(const char *dir, char ***names, struct wv_error *err);

#endif
