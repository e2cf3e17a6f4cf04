/* cmd_dest.c - `weaver destination spec|check|write`: weaver's Parquet raw zone behaving like an
 * Airbyte destination container (docs.airbyte.com, "Airbyte Protocol": a destination reads
 * RECORD and STATE messages on stdin and echoes each STATE on stdout once everything before it
 * is committed). RECORDs go to the zone writer; at each STATE the open files are sealed,
 * published with the run's cumulative manifest, and only then is the STATE line echoed,
 * unchanged. Problems become a TRACE error message and exit 1. Caller's thread. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "base/fs.h"
#include "base/mem.h"
#include "core/cmd_dest_int.h"

#define CONFIG_MAX (16u * 1024 * 1024)
#define LINE_MAX_BYTES ((size_t)256 << 20)

/* On failure: a TRACE error message on the output (err stays set: exit 1). The secret never
 * appears in it. */
static int trace_error(const struct core_cmd_env *env, const char *secret, struct wv_error *err)
{
    core_dest_scrub(err->msg, sizeof err->msg, secret);
    return core_cmd_trace_error(env, err);
}

/* Reads --config into *cfg (a JSON object). */
static int read_config(int argc, char **argv, struct wv_json **cfg, const char **path,
                       struct wv_error *err)
{
    *cfg = NULL;
    if (core_cmd_opt(argc, argv, "--config", path, err) < 0)
        return -1;
    if (!*path)
        return wv_error_set(err, WV_E_USAGE, 0, "--config FILE is required");
    *cfg = wv_json_parse_file(*path, CONFIG_MAX, err);
    return *cfg ? 0 : -1;
}

/* `destination spec` */
int core_cmd_destination_spec(const struct core_cmd_env *env, int argc, char **argv,
                              struct wv_error *err)
{
    (void)argc, (void)argv, (void)err;
    struct wv_msg m;
    wv_msg_spec(&m, core_dest_spec());
    core_cmd_emit_msg(env, &m);
    wv_msg_done(&m);
    return 0;
}

/* A random hex tag (16 chars) into buf. */
static int random_tag(char *buf, size_t size, struct wv_error *err)
{
    uint8_t b[8];
    if (getrandom(b, sizeof b, 0) != (ssize_t)sizeof b)
        return wv_error_errno(err, errno, "getrandom");
    snprintf(buf, size, "%02x%02x%02x%02x%02x%02x%02x%02x", b[0], b[1], b[2], b[3], b[4], b[5],
             b[6], b[7]);
    return 0;
}

/* Creates the local destination directory; *real (caller frees) is its absolute path. */
static int local_dir(const char *dir, char **real, struct wv_error *err)
{
    *real = NULL;
    if (wv_fs_mkdirs_durable(dir, 0755, err) < 0)
        return wv_error_prefix(err, "destination_path %s", dir);
    *real = wv_path_real(dir, err);
    return *real ? 0 : -1;
}

/* check, S3: what a sync needs - put, list (overwrite finds older files by listing) and
 * delete - on a small test object under the bucket path. */
static int s3_probe(const struct core_dest_config *c, const char *tag, struct wv_error *err)
{
    struct stor_target t;
    core_dest_config_target(c, &t);
    struct stor_s3 *s3 = stor_s3_new(&t.s3, err);
    if (!s3)
        return -1;
    char *key = wv_asprintf("%s%s_weaver_check_%s", t.prefix, t.prefix[0] ? "/" : "", tag);
    int rc = stor_s3_put(s3, t.bucket, key, "check\n", 6, err);
    if (rc == 0) {
        struct stor_s3_object *objs = NULL;
        size_t n = 0;
        rc = stor_s3_list(s3, t.bucket, key, 0, &objs, &n, err);
        if (rc == 0 && n != 1)
            rc = wv_error_set(err, WV_E_IO, 0, "s3://%s/%s: written but not listed", t.bucket, key);
        stor_s3_objects_free(objs, n);
        struct wv_error later;
        wv_error_clear(&later);
        /* delete even after a failed list; its own error counts only when all else worked */
        if (stor_s3_delete(s3, t.bucket, key, rc == 0 ? err : &later) < 0)
            rc = -1;
    }
    free(key);
    stor_s3_free(s3);
    return rc;
}

/* check: writes and removes a small file (local) or object (S3). */
static int try_write(const struct core_dest_config *c, struct wv_error *err)
{
    char tag[20], *real = NULL;
    if (random_tag(tag, sizeof tag, err) < 0)
        return -1;
    if (!c->dir)
        return s3_probe(c, tag, err);
    int rc = local_dir(c->dir, &real, err);
    char *probe = rc == 0 ? wv_asprintf("%s/_weaver_check_%s", real, tag) : NULL;
    if (rc == 0 && wv_fs_write_atomic(probe, "check\n", 6, 0644, err) < 0)
        rc = wv_error_prefix(err, "destination_path %s is not writable", c->dir);
    if (rc == 0 && unlink(probe) != 0)
        rc = wv_error_errno(err, errno, "remove %s", probe);
    free(probe);
    free(real);
    return rc;
}

/* `destination check` */
int core_cmd_destination_check(const struct core_cmd_env *env, int argc, char **argv,
                               struct wv_error *err)
{
    struct wv_json *cfg = NULL;
    const char *path = NULL;
    if (read_config(argc, argv, &cfg, &path, err) < 0)
        return err->code == WV_E_USAGE ? -1 : trace_error(env, NULL, err);
    struct core_dest_config c;
    struct wv_error cerr;
    wv_error_clear(&cerr);
    int rc = core_dest_config_parse(cfg, path, &c, &cerr);
    if (rc == 0)
        rc = try_write(&c, &cerr);
    struct wv_msg m;
    if (rc == 0) {
        wv_msg_connection_status(&m, true, NULL);
    } else {
        const char *secret = wv_json_get_str(cfg, "secret_access_key");
        core_dest_scrub(cerr.msg, sizeof cerr.msg, secret);
        char *msg =
            c.bucket ? wv_asprintf("s3://%s/%s: %s", c.bucket, c.prefix ? c.prefix : "", cerr.msg)
                     : wv_strdup(cerr.msg);
        core_dest_scrub(msg, strlen(msg) + 1, secret);
        wv_msg_connection_status(&m, false, msg);
        free(msg);
    }
    core_cmd_emit_msg(env, &m);
    wv_msg_done(&m);
    core_dest_config_done(&c);
    wv_json_free(cfg);
    return 0;
}

/* ---- write ---- */

struct dw {
    const struct core_cmd_env *env;
    struct core_dest_config cfg;
    struct wv_cfg_catalog cat;
    struct stor_target target;
    char *real_dir; /* local target, absolute */
    char *tmp;      /* private staging parent (removed at the end) */
    struct stor_zone *z;
    struct stor_zone_file *files; /* every file of this run sealed so far (owned copies) */
    size_t n_files, n_published;
    struct wv_log log;
};

/* LOG messages on the output (the platform shows them with the job). */
static void log_to_out(void *ctx, enum wv_level level, const char *msg)
{
    struct wv_msg m;
    wv_msg_log(&m, (int)level, msg);
    core_cmd_emit_msg(ctx, &m);
    wv_msg_done(&m);
}

/* Frees the copies in dw->files. */
static void files_free(struct dw *w)
{
    for (size_t i = 0; i < w->n_files; i++) {
        free(w->files[i].rel);
        free(w->files[i].stage_path);
        free(w->files[i].ns);
        free(w->files[i].stream);
    }
    free(w->files);
    w->files = NULL;
    w->n_files = 0;
}

/* The manifest of a checkpoint before the end: overwrite streams marked append, so that
 * publishing keeps the older files; they go only when the sync completes (as Airbyte's S3
 * destination keeps the previous generation until a successful sync). Takes text; returns the
 * text to publish (caller frees). */
static char *checkpoint_manifest(char *text, struct wv_error *err)
{
    struct wv_json *m = wv_json_parse(text, strlen(text), "manifest", err);
    if (!m) {
        free(text);
        return NULL;
    }
    struct wv_json *streams = wv_json_get(m, "streams");
    bool changed = false;
    for (size_t i = 0; streams && i < streams->len; i++) {
        const char *mode = wv_json_get_str(streams->items[i], "mode");
        if (mode && strcmp(mode, "overwrite") == 0) {
            wv_json_set(streams->items[i], "mode", wv_json_str("append"));
            changed = true;
        }
    }
    struct wv_buf b = WV_BUF_INIT;
    if (changed && wv_json_write_pretty(&b, m, err) == 0) {
        free(text);
        text = wv_buf_steal(&b, NULL);
    }
    wv_buf_done(&b);
    wv_json_free(m);
    return text;
}

/* Seals what was written, publishes the new files with the cumulative manifest. At a
 * checkpoint (final false) does nothing when no file was sealed since the last publish, and
 * older files of overwrite streams stay; the final publish replaces them. */
static int publish(struct dw *w, bool final, struct wv_error *err)
{
    struct stor_zone_file *nf = NULL;
    size_t n = 0;
    if (stor_zone_seal(w->z, err) < 0)
        return -1;
    stor_zone_take_files(w->z, &nf, &n);
    if (n == 0 && !final) {
        stor_zone_files_free(nf, n);
        return 0;
    }
    w->files = wv_realloc(w->files, (w->n_files + n + 1) * sizeof *w->files);
    for (size_t i = 0; i < n; i++) {
        struct stor_zone_file *f = &w->files[w->n_files++];
        *f = nf[i];
        f->rel = wv_strdup(nf[i].rel);
        f->stage_path = nf[i].stage_path ? wv_strdup(nf[i].stage_path) : NULL;
        f->ns = nf[i].ns ? wv_strdup(nf[i].ns) : NULL;
        f->stream = nf[i].stream ? wv_strdup(nf[i].stream) : NULL;
    }
    stor_zone_files_free(nf, n);
    char *manifest = stor_zone_manifest(w->z, w->files, w->n_files, err);
    if (manifest && !final)
        manifest = checkpoint_manifest(manifest, err);
    int rc = manifest ? 0 : -1;
    if (rc == 0)
        rc = stor_zone_publish(&w->target, w->files + w->n_published, w->n_files - w->n_published,
                               manifest, NULL, &w->log, err);
    free(manifest);
    if (rc == 0)
        w->n_published = w->n_files;
    return rc;
}

/* Declares every stream of the catalog to the zone writer. */
static int add_streams(struct dw *w, struct wv_error *err)
{
    for (size_t i = 0; i < w->cat.n; i++) {
        const struct wv_cfg_stream *s = &w->cat.streams[i];
        enum wv_dest_mode mode = s->dest_mode;
        if (mode == WV_DEST_APPEND_DEDUP || mode == WV_DEST_OVERWRITE_DEDUP) {
            mode = mode == WV_DEST_APPEND_DEDUP ? WV_DEST_APPEND : WV_DEST_OVERWRITE;
            wv_logf(&w->log, WV_LOG_WARN,
                    "stream %s%s%s: %s is written as %s (the raw zone keeps every record; "
                    "deduplicate downstream on the primary key)",
                    s->stream.ns ? s->stream.ns : "", s->stream.ns ? "." : "", s->stream.name,
                    wv_dest_mode_name(s->dest_mode), wv_dest_mode_name(mode));
        }
        const struct wv_path *cursor = s->cursor.n                  ? &s->cursor
                                       : s->stream.default_cursor.n ? &s->stream.default_cursor
                                                                    : NULL;
        struct stor_zone_stream_cfg zc = {
            .ns = s->stream.ns,
            .name = s->stream.name,
            .mode = mode,
            .json_schema = s->stream.json_schema,
            .cursor = cursor,
            .pk = s->n_pk ? s->pk : s->stream.source_pk,
            .n_pk = s->n_pk ? s->n_pk : s->stream.n_source_pk,
        };
        if (stor_zone_add_stream(w->z, &zc, err) < 0)
            return wv_error_prefix(err, "stream %s", s->stream.name);
    }
    return 0;
}

/* Opens the zone writer: target, staging directory, run id, streams. */
static int open_zone(struct dw *w, struct wv_error *err)
{
    core_dest_config_target(&w->cfg, &w->target);
    const char *base = getenv("TMPDIR");
    if (w->cfg.dir) {
        /* stage next to the files so that publishing is a rename on one file system */
        if (local_dir(w->cfg.dir, &w->real_dir, err) < 0)
            return -1;
        w->target.dir = w->real_dir;
        char *st = wv_path_join(w->real_dir, "_weaver_staging");
        int rc = wv_fs_mkdirs(st, 0700, err);
        w->tmp = wv_asprintf("%s/dest-XXXXXX", st);
        free(st);
        if (rc < 0)
            return -1;
    } else {
        w->tmp = wv_asprintf("%s/weaver-dest-XXXXXX", base && *base ? base : "/tmp");
    }
    if (!mkdtemp(w->tmp)) {
        int e = errno;
        free(w->tmp);
        w->tmp = NULL;
        return wv_error_errno(err, e, "create a staging directory");
    }
    int64_t now = wv_clock_now_ms(w->env->clock ? w->env->clock : wv_clock_system());
    int64_t gen = 0, sync_id = 0;
    for (size_t i = 0; i < w->cat.n; i++) {
        gen = w->cat.streams[i].generation_id > gen ? w->cat.streams[i].generation_id : gen;
        sync_id = w->cat.streams[i].sync_id > sync_id ? w->cat.streams[i].sync_id : sync_id;
    }
    const char *tmpl = w->cfg.path_template;
    if (tmpl && strstr(tmpl, "{sync_id}") && !strstr(tmpl, "{run_id}") && sync_id == 0)
        return wv_error_set(err, WV_E_CONFIG, 0,
                            "file_name_pattern uses {sync_id} but the configured catalog has no "
                            "sync_id: every sync would write the same file names");
    struct wv_tm t;
    char tag[20], run_id[64];
    wv_time_split(now, &t);
    if (random_tag(tag, sizeof tag, err) < 0)
        return -1;
    snprintf(run_id, sizeof run_id, "%04d%02d%02dT%02d%02d%02dZ-%.8s", t.year, t.month, t.day,
             t.hour, t.min, t.sec, tag);
    char *stage = wv_path_join(w->tmp, "stage");
    w->z = stor_zone_open(stage, run_id, now, gen, sync_id, &w->cfg.zone, err);
    free(stage);
    return w->z ? add_streams(w, err) : -1;
}

/* Handles one input line. */
static int handle_line(struct dw *w, const char *line, size_t len, long lineno,
                       struct wv_error *err)
{
    struct wv_msg m;
    if (wv_msg_parse(line, len, "stdin", lineno, &m, err) < 0)
        return -1;
    int rc = 0;
    if (m.type == WV_MSG_RECORD) {
        if (!wv_cfg_catalog_find(&w->cat, m.ns, m.stream))
            rc = wv_error_set(err, WV_E_PROTOCOL, 0,
                              "stdin:%ld: RECORD for stream '%s%s%.100s' which is not in the "
                              "configured catalog",
                              lineno, m.ns ? m.ns : "", m.ns ? "." : "", m.stream);
        else if (stor_zone_write(w->z, m.ns, m.stream, m.data, err) < 0)
            rc = wv_error_prefix(err, "stdin:%ld", lineno);
    } else if (m.type == WV_MSG_STATE) {
        rc = publish(w, false, err);
        if (rc == 0) {
            core_write(&w->env->out, line, len);
            if (len == 0 || line[len - 1] != '\n')
                core_write(&w->env->out, "\n", 1);
            core_flush(&w->env->out);
        }
    }
    wv_msg_done(&m);
    return rc;
}

/* Reads stdin to EOF. */
static int read_input(struct dw *w, struct wv_error *err)
{
    char *line = NULL;
    size_t cap = 0;
    long lineno = 0;
    int rc = 0;
    for (ssize_t len; rc == 0 && (len = getline(&line, &cap, stdin)) >= 0;) {
        lineno++;
        if (w->env->cancel && *w->env->cancel)
            rc = wv_error_set(err, WV_E_CANCELLED, 0, "cancelled at stdin:%ld", lineno);
        else if ((size_t)len > LINE_MAX_BYTES)
            rc = wv_error_set(err, WV_E_LIMIT, 0, "stdin:%ld: line longer than %zu bytes", lineno,
                              LINE_MAX_BYTES);
        else if (strspn(line, " \t\r\n") != (size_t)len)
            rc = handle_line(w, line, (size_t)len, lineno, err);
    }
    if (rc == 0 && ferror(stdin))
        rc = wv_error_errno(err, errno, "read stdin");
    free(line);
    return rc;
}

/* `destination write` */
int core_cmd_destination_write(const struct core_cmd_env *env, int argc, char **argv,
                               struct wv_error *err)
{
    struct dw w = {.env = env, .log = {log_to_out, (void *)env, WV_LOG_INFO}};
    struct wv_json *cfg = NULL, *catj = NULL;
    const char *path = NULL, *cat_path = NULL;
    if (core_cmd_opt(argc, argv, "--catalog", &cat_path, err) < 0)
        return -1;
    if (!cat_path)
        return wv_error_set(err, WV_E_USAGE, 0,
                            "--catalog FILE (a configured catalog) is required");
    int rc = read_config(argc, argv, &cfg, &path, err);
    if (rc < 0 && err->code == WV_E_USAGE)
        return -1;
    if (rc == 0)
        rc = core_dest_config_parse(cfg, path, &w.cfg, err);
    if (rc == 0 && !(catj = wv_json_parse_file(cat_path, CONFIG_MAX, err)))
        rc = -1;
    if (rc == 0)
        rc = wv_cfg_catalog_parse(catj, cat_path, &w.cat, err);
    if (rc == 0)
        rc = open_zone(&w, err);
    if (rc == 0)
        rc = read_input(&w, err);
    if (rc == 0)
        rc = publish(&w, true, err);
    stor_zone_free(w.z);
    struct wv_error ignored;
    if (w.tmp) {
        wv_fs_rmtree(w.tmp, &ignored);
        if (w.real_dir) { /* the shared staging parent, when no other run uses it */
            char *st = wv_path_join(w.real_dir, "_weaver_staging");
            rmdir(st);
            free(st);
        }
    }
    if (rc < 0)
        trace_error(env, w.cfg.secret_access_key, err);
    files_free(&w);
    free(w.tmp);
    free(w.real_dir);
    wv_cfg_catalog_done(&w.cat);
    core_dest_config_done(&w.cfg);
    wv_json_free(catj);
    wv_json_free(cfg);
    return rc;
}
