/* fs.c - file-system helpers: durable atomic replace, mkdir -p, rm -rf, bounded reads, paths.
 * Any thread. Durability: data is fsynced before a rename makes it visible, and the directory
 * is fsynced after, so a crash never shows a half-written file under its final name. */
#include "base/fs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/mem.h"

/* mkdir -p; when durable, fsyncs the parent of every directory it creates. */
static int mkdirs(const char *path, mode_t mode, bool durable, struct wv_error *err)
{
    char *p = wv_strdup(path);
    size_t len = strlen(p);
    while (len > 1 && p[len - 1] == '/')
        p[--len] = '\0';
    int rc = 0;
    for (char *s = len ? p + 1 : p; rc == 0 && s <= p + len; s++) {
        if (*s != '/' && *s != '\0')
            continue;
        char c = *s;
        *s = '\0';
        if (mkdir(p, mode) == 0) {
            if (durable) {
                char *parent = wv_path_dirname(p);
                rc = wv_fs_fsync_dir(parent, err);
                free(parent);
            }
        } else if (errno != EEXIST) {
            rc = wv_error_errno(err, errno, "mkdir %s", p);
        }
        *s = c;
    }
    free(p);
    if (rc == 0 && !wv_fs_is_dir(path))
        rc = wv_error_set(err, WV_E_IO, ENOTDIR, "%s: not a directory", path);
    return rc;
}

/* mkdir -p. */
int wv_fs_mkdirs(const char *path, mode_t mode, struct wv_error *err)
{
    return mkdirs(path, mode, false, err);
}

/* mkdir -p with the parent of each created directory fsynced. */
int wv_fs_mkdirs_durable(const char *path, mode_t mode, struct wv_error *err)
{
    if (wv_fs_is_dir(path))
        return 0;
    return mkdirs(path, mode, true, err);
}

/* fsync of an fd with a named error. */
int wv_fs_fsync_fd(int fd, const char *what, struct wv_error *err)
{
    if (fsync(fd) < 0)
        return wv_error_errno(err, errno, "fsync %s", what);
    return 0;
}

/* fsync of a directory. */
int wv_fs_fsync_dir(const char *dir, struct wv_error *err)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return wv_error_errno(err, errno, "open %s", dir);
    int rc = wv_fs_fsync_fd(fd, dir, err);
    close(fd);
    return rc;
}

/* Writes all bytes to fd, retrying short and interrupted writes. */
int wv_fs_write_all(int fd, const void *data, size_t len, const char *what, struct wv_error *err)
{
    const char *p = data;
    while (len) {
        ssize_t n = write(fd, p, len);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return wv_error_errno(err, errno, "write %s", what);
        }
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

/* rename + fsync of the affected directories. */
int wv_fs_rename_durable(const char *from, const char *to, struct wv_error *err)
{
    if (rename(from, to) < 0)
        return wv_error_errno(err, errno, "rename %s -> %s", from, to);
    char *d1 = wv_path_dirname(to);
    char *d2 = wv_path_dirname(from);
    int rc = wv_fs_fsync_dir(d1, err);
    if (rc == 0 && strcmp(d1, d2) != 0)
        rc = wv_fs_fsync_dir(d2, err);
    free(d1);
    free(d2);
    return rc;
}

/* Atomic durable replace of a file's contents. */
int wv_fs_write_atomic(const char *path, const void *data, size_t len, mode_t mode,
                       struct wv_error *err)
{
    char *tmp = wv_asprintf("%s.tmp.%ld", path, (long)getpid());
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
    if (fd < 0) {
        wv_error_errno(err, errno, "create %s", tmp);
        free(tmp);
        return -1;
    }
    int rc = wv_fs_write_all(fd, data, len, tmp, err);
    if (rc == 0)
        rc = wv_fs_fsync_fd(fd, tmp, err);
    if (close(fd) < 0 && rc == 0)
        rc = wv_error_errno(err, errno, "close %s", tmp);
    if (rc == 0)
        rc = wv_fs_rename_durable(tmp, path, err);
    if (rc < 0)
        unlink(tmp);
    free(tmp);
    return rc;
}

/* Bounded whole-file read. */
int wv_fs_read_all(const char *path, size_t max, char **out, size_t *len, struct wv_error *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return wv_error_errno(err, errno, "%s", path);
    struct stat st;
    if (fstat(fd, &st) < 0) {
        close(fd);
        return wv_error_errno(err, errno, "%s", path);
    }
    if (S_ISDIR(st.st_mode)) {
        close(fd);
        return wv_error_set(err, WV_E_IO, EISDIR, "%s: is a directory", path);
    }
    if (max && (size_t)st.st_size > max) {
        close(fd);
        return wv_error_set(err, WV_E_LIMIT, 0, "%s: file is %lld bytes, over the %zu byte limit",
                            path, (long long)st.st_size, max);
    }
    size_t cap = (size_t)st.st_size + 1, n = 0;
    char *buf = wv_malloc(cap);
    for (;;) {
        if (n + 1 >= cap) {
            if (max && cap > max + 1) {
                free(buf);
                close(fd);
                return wv_error_set(err, WV_E_LIMIT, 0, "%s: over the %zu byte limit", path, max);
            }
            cap *= 2;
            buf = wv_realloc(buf, cap);
        }
        ssize_t r = read(fd, buf + n, cap - n - 1);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            free(buf);
            close(fd);
            return wv_error_errno(err, errno, "read %s", path);
        }
        if (r == 0)
            break;
        n += (size_t)r;
    }
    close(fd);
    if (max && n > max) {
        free(buf);
        return wv_error_set(err, WV_E_LIMIT, 0, "%s: over the %zu byte limit", path, max);
    }
    buf[n] = '\0';
    *out = buf;
    if (len)
        *len = n;
    return 0;
}

/* rm -rf. */
int wv_fs_rmtree(const char *path, struct wv_error *err)
{
    struct stat st;
    if (lstat(path, &st) < 0)
        return errno == ENOENT ? 0 : wv_error_errno(err, errno, "stat %s", path);
    if (!S_ISDIR(st.st_mode)) {
        if (unlink(path) < 0 && errno != ENOENT)
            return wv_error_errno(err, errno, "unlink %s", path);
        return 0;
    }
    char **names = NULL;
    if (wv_fs_list(path, &names, err) < 0)
        return -1;
    int rc = 0;
    for (char **n = names; *n && rc == 0; n++) {
        char *child = wv_path_join(path, *n);
        rc = wv_fs_rmtree(child, err);
        free(child);
    }
    wv_strv_free(names);
    if (rc == 0 && rmdir(path) < 0 && errno != ENOENT)
        rc = wv_error_errno(err, errno, "rmdir %s", path);
    return rc;
}

/* Existence test. */
bool wv_fs_exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

/* Directory test. */
bool wv_fs_is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* Joins two path parts. */
char *wv_path_join(const char *a, const char *b)
{
    if (b[0] == '/' || a[0] == '\0')
        return wv_strdup(b);
    size_t la = strlen(a);
    while (la > 1 && a[la - 1] == '/')
        la--;
    return wv_asprintf("%.*s/%s", (int)la, a, b);
}

/* Directory part of a path. */
char *wv_path_dirname(const char *path)
{
    const char *slash = strrchr(path, '/');
    if (!slash)
        return wv_strdup(".");
    if (slash == path)
        return wv_strdup("/");
    return wv_strndup(path, (size_t)(slash - path));
}

/* Last component without suffix. */
char *wv_path_stem(const char *path, const char *suffix)
{
    const char *slash = strrchr(path, '/');
    const char *base = slash ? slash + 1 : path;
    size_t n = strlen(base);
    if (suffix && wv_str_ends(base, suffix))
        n -= strlen(suffix);
    return wv_strndup(base, n);
}

/* realpath wrapper. */
char *wv_path_real(const char *path, struct wv_error *err)
{
    char *r = realpath(path, NULL);
    if (!r)
        wv_error_errno(err, errno, "%s", path);
    return r;
}

/* qsort comparator for strings. */
static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorted directory listing. */
int wv_fs_list(const char *dir, char ***names, struct wv_error *err)
{
    size_t n = 0, cap = 16;
    char **v = wv_malloc(cap * sizeof *v);
    DIR *d = opendir(dir);
    if (!d) {
        if (errno == ENOENT) {
            v[0] = NULL;
            *names = v;
            return 0;
        }
        free(v);
        return wv_error_errno(err, errno, "opendir %s", dir);
    }
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        if (n + 1 >= cap) {
            cap *= 2;
            v = wv_realloc(v, cap * sizeof *v);
        }
        v[n++] = wv_strdup(e->d_name);
    }
    closedir(d);
    qsort(v, n, sizeof *v, cmp_str);
    v[n] = NULL;
    *names = v;
    return 0;
}
