/* test_raw.c - unit tests of the raw zone writer (src/storage/raw.c) on real files in a
 * temporary directory. Files are read back with stdio and every line parsed with cJSON as an
 * independent reader: layout, line format, part numbering, visibility, overwrite, dedup
 * compaction, staging cleanup, gc, stats and I/O failures. */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <cmocka.h>

#include "unit/testutil.h"

#include "base/buf.h"
#include "base/clock.h"
#include "base/fs.h"
#include "base/mem.h"
#include "storage/storage.h"

/* 2024-03-05T10:00:00Z, 2024-03-06T11:00:00Z, 2024-03-07T12:00:00Z */
#define T1 INT64_C(1709632800000)
#define T2 INT64_C(1709722800000)
#define T3 INT64_C(1709812800000)

static char s_id[] = "id", s_updated[] = "updated", s_c[] = "c", s_region[] = "region",
            s_user[] = "user";
static char *p_id[] = {s_id}, *p_updated[] = {s_updated}, *p_c[] = {s_c},
            *p_region[] = {s_region}, *p_user_id[] = {s_user, s_id};
static const struct wv_path PK_ID = {p_id, 1};
static const struct wv_path CUR_UPDATED = {p_updated, 1};
static const struct wv_path CUR_C = {p_c, 1};

/* One line read back: its file (relative to the stream dir) and its cJSON tree. */
struct line {
    char *file;
    char *text;
    cJSON *j;
};

struct lines {
    struct line *v;
    size_t n;
};

/* Creates a fresh temporary directory for one test. */
static int setup(void **state)
{
    char *dir = wv_test_tmpdir("raw");
    if (!dir)
        return -1;
    *state = dir;
    return 0;
}

/* Removes the temporary directory. */
static int teardown(void **state)
{
    struct wv_error err = {0};
    int r = wv_fs_rmtree(*state, &err);
    free(*state);
    return r;
}

/* Opens a writer or fails the test. */
static struct stor_raw *open_ok(const char *root, const char *run, int64_t ts)
{
    struct wv_error err = {0};
    struct stor_raw *w = stor_raw_open(root, run, ts, 3, 7, &err);
    if (!w)
        fail_msg("stor_raw_open: %s", err.msg);
    return w;
}

/* Declares a stream or fails the test. */
static void add_ok(struct stor_raw *w, const char *ns, const char *name, enum wv_dest_mode mode,
                   const struct wv_path *pk, size_t n_pk, const struct wv_path *cursor)
{
    struct wv_error err = {0};
    struct stor_raw_stream_cfg cfg = {ns, name, mode, pk, n_pk, cursor};
    if (stor_raw_add_stream(w, &cfg, &err) < 0)
        fail_msg("add_stream: %s", err.msg);
}

/* Writes a record (taking ownership of it) or fails the test. */
static void write_ok(struct stor_raw *w, const char *ns, const char *stream, struct wv_json *rec)
{
    struct wv_error err = {0};
    if (stor_raw_write(w, ns, stream, rec, &err) < 0)
        fail_msg("write: %s", err.msg);
    wv_json_free(rec);
}

/* {"id":id[,"updated":updated][,"v":v]} (updated < 0 leaves it out). */
static struct wv_json *rec(int64_t id, int64_t updated, const char *v)
{
    struct wv_json *o = wv_json_object();
    wv_json_set(o, "id", wv_json_int(id));
    if (updated >= 0)
        wv_json_set(o, "updated", wv_json_int(updated));
    if (v)
        wv_json_set(o, "v", wv_json_str(v));
    return o;
}

static void checkpoint_ok(struct stor_raw *w, const char *ns, const char *stream)
{
    struct wv_error err = {0};
    if (stor_raw_checkpoint(w, ns, stream, &err) < 0)
        fail_msg("checkpoint: %s", err.msg);
}

static void finish_ok(struct stor_raw *w)
{
    struct wv_error err = {0};
    if (stor_raw_finish(w, &err) < 0)
        fail_msg("finish: %s", err.msg);
}

/* Reads a whole file with stdio; caller frees. NULL if missing. */
static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    struct wv_buf b;
    wv_buf_init(&b, 0);
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        wv_buf_append(&b, chunk, n, NULL);
    fclose(f);
    return wv_buf_steal(&b, len);
}

/* Reads every line of every .jsonl file in the dt= directories of root/rel (sorted). */
static void read_stream(const char *root, const char *rel, struct lines *out)
{
    memset(out, 0, sizeof *out);
    char *sdir = wv_asprintf("%s/%s", root, rel);
    char **dts = NULL;
    assert_int_equal(wv_fs_list(sdir, &dts, NULL), 0);
    for (char **d = dts; *d; d++) {
        if (strncmp(*d, "dt=", 3) != 0)
            continue;
        char *ddir = wv_asprintf("%s/%s", sdir, *d);
        char **names = NULL;
        assert_int_equal(wv_fs_list(ddir, &names, NULL), 0);
        for (char **nm = names; *nm; nm++) {
            size_t nl = strlen(*nm);
            if (nl < 6 || strcmp(*nm + nl - 6, ".jsonl") != 0)
                continue;
            char *path = wv_asprintf("%s/%s", ddir, *nm);
            size_t len = 0;
            char *text = slurp(path, &len);
            assert_non_null(text);
            assert_true(len == 0 || text[len - 1] == '\n');
            for (char *p = text; *p;) {
                char *e = strchr(p, '\n');
                assert_non_null(e);
                *e = '\0';
                out->v = wv_realloc(out->v, (out->n + 1) * sizeof *out->v);
                struct line *l = &out->v[out->n++];
                l->file = wv_asprintf("%s/%s", *d, *nm);
                l->text = wv_strdup(p);
                l->j = cJSON_Parse(p);
                if (!l->j)
                    fail_msg("%s: line is not JSON: %s", path, p);
                p = e + 1;
            }
            free(text);
            free(path);
        }
        wv_strv_free(names);
        free(ddir);
    }
    wv_strv_free(dts);
    free(sdir);
}

static void lines_free(struct lines *ls)
{
    for (size_t i = 0; i < ls->n; i++) {
        free(ls->v[i].file);
        free(ls->v[i].text);
        cJSON_Delete(ls->v[i].j);
    }
    free(ls->v);
}

/* The .jsonl files of a stream as "dt=x/name,dt=y/name" (sorted); caller frees. */
static char *stream_files(const char *root, const char *rel)
{
    struct wv_buf b;
    wv_buf_init(&b, 0);
    char *sdir = wv_asprintf("%s/%s", root, rel);
    char **dts = NULL;
    assert_int_equal(wv_fs_list(sdir, &dts, NULL), 0);
    for (char **d = dts; *d; d++) {
        char *ddir = wv_asprintf("%s/%s", sdir, *d);
        char **names = NULL;
        assert_int_equal(wv_fs_list(ddir, &names, NULL), 0);
        for (char **nm = names; *nm; nm++)
            wv_buf_printf(&b, NULL, "%s%s/%s", b.len ? "," : "", *d, *nm);
        wv_strv_free(names);
        free(ddir);
    }
    wv_strv_free(dts);
    free(sdir);
    return wv_buf_steal(&b, NULL);
}

static void assert_files(const char *root, const char *rel, const char *want)
{
    char *got = stream_files(root, rel);
    assert_string_equal(got, want);
    free(got);
}

static bool exists(const char *root, const char *rel)
{
    char *p = wv_asprintf("%s/%s", root, rel);
    struct stat st;
    bool r = stat(p, &st) == 0;
    free(p);
    return r;
}

static int64_t num(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    if (!cJSON_IsNumber(v))
        fail_msg("no number %s", key);
    return (int64_t)v->valuedouble;
}

static const cJSON *data_of(const struct line *l)
{
    return cJSON_GetObjectItemCaseSensitive(l->j, "_airbyte_data");
}

/* Checks a raw id is lowercase UUID v4 text. */
static void assert_uuid_v4(const char *s)
{
    assert_int_equal(strlen(s), 36);
    for (int i = 0; i < 36; i++) {
        if (i == 8 || i == 13 || i == 18 || i == 23)
            assert_int_equal(s[i], '-');
        else
            assert_non_null(strchr("0123456789abcdef", s[i]));
    }
    assert_int_equal(s[14], '4');
    assert_non_null(strchr("89ab", s[19]));
}

static int cmp_strp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* ---------------- tests ---------------- */

/* Published paths, exact line text, field order, UUIDs. */
static void test_layout_and_line_format(void **state)
{
    const char *root = *state;
    struct stor_raw *w = open_ok(root, "run1", T1);
    add_ok(w, "shop", "orders", WV_DEST_APPEND, NULL, 0, NULL);
    add_ok(w, NULL, "users", WV_DEST_APPEND, NULL, 0, NULL);
    struct wv_json *o = wv_json_object();
    wv_json_set(o, "id", wv_json_int(1));
    wv_json_set(o, "name", wv_json_str("a\"b"));
    write_ok(w, "shop", "orders", o);
    for (int i = 0; i < 1000; i++)
        write_ok(w, "", "users", rec(i, -1, NULL));
    checkpoint_ok(w, NULL, NULL);

    size_t len = 0;
    char *p = wv_asprintf("%s/shop/orders/dt=2024-03-05/run1-00000.jsonl", root);
    char *text = slurp(p, &len);
    assert_non_null(text);
    const char *head = "{\"_airbyte_raw_id\":\"";
    assert_memory_equal(text, head, strlen(head));
    char id[37];
    memcpy(id, text + strlen(head), 36);
    id[36] = '\0';
    assert_uuid_v4(id);
    assert_string_equal(text + strlen(head) + 36,
                        "\",\"_airbyte_extracted_at\":1709632800000,\"_airbyte_generation_id\":3,"
                        "\"_airbyte_meta\":{\"sync_id\":7,\"changes\":[]},"
                        "\"_airbyte_data\":{\"id\":1,\"name\":\"a\\\"b\"}}\n");
    free(text);
    free(p);

    struct lines ls;
    read_stream(root, "users", &ls);
    assert_int_equal(ls.n, 1000);
    char **ids = wv_calloc(ls.n, sizeof *ids);
    static const char *const order[] = {"_airbyte_raw_id", "_airbyte_extracted_at",
                                        "_airbyte_generation_id", "_airbyte_meta",
                                        "_airbyte_data"};
    for (size_t i = 0; i < ls.n; i++) {
        assert_string_equal(ls.v[i].file, "dt=2024-03-05/run1-00000.jsonl");
        const cJSON *c = ls.v[i].j->child;
        for (size_t k = 0; k < 5; k++, c = c->next)
            assert_string_equal(c->string, order[k]);
        assert_null(c);
        ids[i] = cJSON_GetObjectItemCaseSensitive(ls.v[i].j, "_airbyte_raw_id")->valuestring;
        assert_uuid_v4(ids[i]);
        assert_int_equal(num(ls.v[i].j, "_airbyte_extracted_at"), T1);
        assert_int_equal(num(ls.v[i].j, "_airbyte_generation_id"), 3);
        const cJSON *meta = cJSON_GetObjectItemCaseSensitive(ls.v[i].j, "_airbyte_meta");
        assert_int_equal(num(meta, "sync_id"), 7);
        assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(meta, "changes")), 0);
        assert_int_equal(num(data_of(&ls.v[i]), "id"), (int64_t)i);
    }
    qsort(ids, ls.n, sizeof *ids, cmp_strp);
    for (size_t i = 1; i < ls.n; i++)
        assert_true(strcmp(ids[i - 1], ids[i]) != 0);
    free(ids);
    lines_free(&ls);
    finish_ok(w);
    stor_raw_free(w);
    assert_false(exists(root, "_weaver_staging"));
}

/* Append parts: staged until checkpoint, numbered per stream, no empty files; a reused run id
 * never overwrites a published part. */
static void test_parts_and_visibility(void **state)
{
    const char *root = *state;
    struct stor_raw *w = open_ok(root, "r7", T1);
    add_ok(w, NULL, "s", WV_DEST_APPEND, NULL, 0, NULL);
    write_ok(w, NULL, "s", rec(1, -1, NULL));
    write_ok(w, NULL, "s", rec(2, -1, NULL));
    assert_files(root, "s", "");
    assert_true(exists(root, "_weaver_staging/r7/s/dt=2024-03-05/r7-00000.jsonl"));
    checkpoint_ok(w, NULL, "s");
    assert_files(root, "s", "dt=2024-03-05/r7-00000.jsonl");
    assert_false(exists(root, "_weaver_staging/r7/s/dt=2024-03-05/r7-00000.jsonl"));
    checkpoint_ok(w, NULL, "s");
    checkpoint_ok(w, NULL, NULL);
    assert_files(root, "s", "dt=2024-03-05/r7-00000.jsonl");
    for (int i = 3; i <= 5; i++)
        write_ok(w, NULL, "s", rec(i, -1, NULL));
    checkpoint_ok(w, NULL, NULL);
    assert_files(root, "s", "dt=2024-03-05/r7-00000.jsonl,dt=2024-03-05/r7-00001.jsonl");
    write_ok(w, NULL, "s", rec(6, -1, NULL)); /* never checkpointed */
    struct stor_raw_stats st;
    stor_raw_stats(w, NULL, "s", &st);
    assert_int_equal(st.records, 6);
    assert_int_equal(st.files, 2);
    stor_raw_free(w);
    assert_false(exists(root, "_weaver_staging"));
    struct lines ls;
    read_stream(root, "s", &ls);
    assert_int_equal(ls.n, 5);
    for (size_t i = 0; i < ls.n; i++)
        assert_int_equal(num(data_of(&ls.v[i]), "id"), (int64_t)i + 1);
    lines_free(&ls);

    w = open_ok(root, "r7", T1);
    add_ok(w, NULL, "s", WV_DEST_APPEND, NULL, 0, NULL);
    write_ok(w, NULL, "s", rec(7, -1, NULL));
    finish_ok(w);
    stor_raw_free(w);
    assert_files(root, "s",
                 "dt=2024-03-05/r7-00000.jsonl,dt=2024-03-05/r7-00001.jsonl,"
                 "dt=2024-03-05/r7-00002.jsonl");
}

/* Overwrite: staged until finish, then replaces every older file; a freed run changes nothing;
 * a run with no records empties the stream. */
static void test_overwrite(void **state)
{
    const char *root = *state;
    struct stor_raw *w = open_ok(root, "a", T1);
    add_ok(w, "ns", "s", WV_DEST_OVERWRITE, NULL, 0, NULL);
    for (int i = 0; i < 5; i++)
        write_ok(w, "ns", "s", rec(i, -1, NULL));
    checkpoint_ok(w, NULL, NULL);
    assert_files(root, "ns/s", "");
    finish_ok(w);
    stor_raw_free(w);
    assert_files(root, "ns/s", "dt=2024-03-05/a-00000.jsonl");

    w = open_ok(root, "b", T2);
    add_ok(w, "ns", "s", WV_DEST_OVERWRITE, NULL, 0, NULL);
    for (int i = 0; i < 3; i++)
        write_ok(w, "ns", "s", rec(i, -1, NULL));
    checkpoint_ok(w, "ns", "s");
    assert_true(exists(root, "_weaver_staging/b/ns/s/dt=2024-03-06/b-00000.jsonl"));
    stor_raw_free(w);
    assert_files(root, "ns/s", "dt=2024-03-05/a-00000.jsonl");
    assert_false(exists(root, "_weaver_staging"));

    w = open_ok(root, "c", T2);
    add_ok(w, "ns", "s", WV_DEST_OVERWRITE, NULL, 0, NULL);
    write_ok(w, "ns", "s", rec(10, -1, NULL));
    write_ok(w, "ns", "s", rec(11, -1, NULL));
    checkpoint_ok(w, "ns", "s");
    write_ok(w, "ns", "s", rec(12, -1, NULL));
    checkpoint_ok(w, "ns", "s");
    assert_files(root, "ns/s", "dt=2024-03-05/a-00000.jsonl");
    finish_ok(w);
    struct stor_raw_stats st;
    stor_raw_stats(w, "ns", "s", &st);
    assert_int_equal(st.files, 2);
    stor_raw_free(w);
    assert_files(root, "ns/s", "dt=2024-03-06/c-00000.jsonl,dt=2024-03-06/c-00001.jsonl");
    struct lines ls;
    read_stream(root, "ns/s", &ls);
    assert_int_equal(ls.n, 3);
    for (size_t i = 0; i < ls.n; i++)
        assert_int_equal(num(data_of(&ls.v[i]), "id"), (int64_t)i + 10);
    lines_free(&ls);

    w = open_ok(root, "e", T2); /* same partition as the files it replaces */
    add_ok(w, "ns", "s", WV_DEST_OVERWRITE, NULL, 0, NULL);
    write_ok(w, "ns", "s", rec(20, -1, NULL));
    finish_ok(w);
    stor_raw_free(w);
    assert_files(root, "ns/s", "dt=2024-03-06/e-00000.jsonl");

    w = open_ok(root, "d", T3);
    add_ok(w, "ns", "s", WV_DEST_OVERWRITE, NULL, 0, NULL);
    finish_ok(w);
    stor_raw_free(w);
    assert_files(root, "ns/s", "");
}

/* Finds the line whose data id is id; NULL if none. */
static const struct line *find_id(const struct lines *ls, int64_t id)
{
    for (size_t i = 0; i < ls->n; i++)
        if (num(data_of(&ls->v[i]), "id") == id)
            return &ls->v[i];
    return NULL;
}

/* Checks that each id appears at most once. */
static void assert_unique_ids(const struct lines *ls)
{
    for (size_t i = 0; i < ls->n; i++)
        for (size_t k = i + 1; k < ls->n; k++)
            assert_true(num(data_of(&ls->v[i]), "id") != num(data_of(&ls->v[k]), "id"));
}

/* One dedup run of ids lo..hi with cursor value upd, extracted at ts. */
static void dedup_run(const char *root, const char *run, int64_t ts, int lo, int hi, int upd)
{
    struct stor_raw *w = open_ok(root, run, ts);
    add_ok(w, NULL, "users", WV_DEST_APPEND_DEDUP, &PK_ID, 1, &CUR_UPDATED);
    for (int i = lo; i <= hi; i++) {
        write_ok(w, NULL, "users", rec(i, upd, NULL));
        if (i % 37 == 0)
            checkpoint_ok(w, NULL, "users");
    }
    if (strcmp(run, "run2") == 0)
        write_ok(w, NULL, "users", rec(1, 0, NULL)); /* older cursor, newer extraction: loses */
    finish_ok(w);
    stor_raw_free(w);
}

/* Dedup across runs: latest cursor wins, each record stays in the partition of its winning
 * extraction, original lines (raw ids) are preserved, old files are gone. */
static void test_dedup_across_runs(void **state)
{
    const char *root = *state;
    dedup_run(root, "run1", T1, 1, 100, 1);
    assert_files(root, "users", "dt=2024-03-05/run1-dedup-00000.jsonl");
    struct lines ls;
    read_stream(root, "users", &ls);
    assert_int_equal(ls.n, 100);
    char *raw5 = wv_strdup(find_id(&ls, 5)->text);
    lines_free(&ls);

    dedup_run(root, "run2", T2, 91, 120, 2);
    assert_files(root, "users",
                 "dt=2024-03-05/run2-dedup-00000.jsonl,dt=2024-03-06/run2-dedup-00001.jsonl");
    read_stream(root, "users", &ls);
    assert_int_equal(ls.n, 120);
    assert_unique_ids(&ls);
    for (int64_t id = 1; id <= 120; id++) {
        const struct line *l = find_id(&ls, id);
        assert_non_null(l);
        int64_t want = id <= 90 ? 1 : 2;
        assert_int_equal(num(data_of(l), "updated"), want);
        assert_int_equal(num(l->j, "_airbyte_extracted_at"), want == 1 ? T1 : T2);
        assert_string_equal(l->file, want == 1 ? "dt=2024-03-05/run2-dedup-00000.jsonl"
                                               : "dt=2024-03-06/run2-dedup-00001.jsonl");
    }
    assert_string_equal(find_id(&ls, 5)->text, raw5);
    free(raw5);
    lines_free(&ls);

    dedup_run(root, "run3", T3, 1, 120, 3);
    assert_files(root, "users", "dt=2024-03-07/run3-dedup-00000.jsonl");
    read_stream(root, "users", &ls);
    assert_int_equal(ls.n, 120);
    assert_unique_ids(&ls);
    for (size_t i = 0; i < ls.n; i++)
        assert_int_equal(num(data_of(&ls.v[i]), "updated"), 3);
    lines_free(&ls);
    assert_false(exists(root, "_weaver_staging"));
}

/* Without a cursor: later extraction wins, then later file, then later line; a run whose clock
 * went back loses. */
/* A run killed after publishing parts of a dedup stream (records later re-read) leaves
 * duplicates; the next run that finishes compacts them even if it wrote nothing to the
 * stream. */
static void test_dedup_after_killed_run(void **state)
{
    const char *root = *state;
    struct stor_raw *w = open_ok(root, "r1", T1);
    add_ok(w, NULL, "u", WV_DEST_APPEND_DEDUP, &PK_ID, 1, &CUR_UPDATED);
    for (int64_t id = 1; id <= 10; id++)
        write_ok(w, NULL, "u", rec(id, 1, NULL));
    finish_ok(w);
    stor_raw_free(w);
    w = open_ok(root, "r2", T2); /* re-reads 6..10 after a state at 5, then is killed */
    add_ok(w, NULL, "u", WV_DEST_APPEND_DEDUP, &PK_ID, 1, &CUR_UPDATED);
    for (int64_t id = 6; id <= 10; id++)
        write_ok(w, NULL, "u", rec(id, 1, NULL));
    checkpoint_ok(w, NULL, "u");
    stor_raw_free(w); /* no finish: the process died */
    struct lines ls;
    read_stream(root, "u", &ls);
    assert_int_equal(ls.n, 15);
    lines_free(&ls);
    w = open_ok(root, "r3", T3); /* nothing new to read */
    add_ok(w, NULL, "u", WV_DEST_APPEND_DEDUP, &PK_ID, 1, &CUR_UPDATED);
    finish_ok(w);
    stor_raw_free(w);
    read_stream(root, "u", &ls);
    assert_int_equal(ls.n, 10);
    assert_unique_ids(&ls);
    lines_free(&ls);
}

static void test_dedup_ties(void **state)
{
    const char *root = *state;
    struct stor_raw *w = open_ok(root, "r1", T2);
    add_ok(w, NULL, "t", WV_DEST_APPEND_DEDUP, &PK_ID, 1, NULL);
    write_ok(w, NULL, "t", rec(1, -1, "a"));
    write_ok(w, NULL, "t", rec(2, -1, "x"));
    write_ok(w, NULL, "t", rec(2, -1, "y"));
    write_ok(w, NULL, "t", rec(3, -1, "p1"));
    checkpoint_ok(w, NULL, "t");
    write_ok(w, NULL, "t", rec(3, -1, "p2"));
    finish_ok(w);
    stor_raw_free(w);

    w = open_ok(root, "r2", T3);
    add_ok(w, NULL, "t", WV_DEST_APPEND_DEDUP, &PK_ID, 1, NULL);
    write_ok(w, NULL, "t", rec(1, -1, "b"));
    finish_ok(w);
    stor_raw_free(w);

    w = open_ok(root, "r3", T1);
    add_ok(w, NULL, "t", WV_DEST_APPEND_DEDUP, &PK_ID, 1, NULL);
    write_ok(w, NULL, "t", rec(1, -1, "c"));
    write_ok(w, NULL, "t", rec(2, -1, "z"));
    finish_ok(w);
    stor_raw_free(w);

    struct lines ls;
    read_stream(root, "t", &ls);
    assert_int_equal(ls.n, 3);
    const char *want[] = {NULL, "b", "y", "p2"};
    for (int64_t id = 1; id <= 3; id++) {
        const cJSON *v = cJSON_GetObjectItem(data_of(find_id(&ls, id)), "v");
        assert_string_equal(v->valuestring, want[id]);
    }
    lines_free(&ls);
}

/* With a cursor: equal cursors fall back to extraction time; an absent cursor loses. */
static void test_dedup_cursor_ties(void **state)
{
    const char *root = *state;
    const char *vals[] = {"old", "new", "none"};
    const int64_t ts[] = {T1, T2, T3};
    for (int r = 0; r < 3; r++) {
        char run[8];
        snprintf(run, sizeof run, "r%d", r);
        struct stor_raw *w = open_ok(root, run, ts[r]);
        add_ok(w, NULL, "u", WV_DEST_APPEND_DEDUP, &PK_ID, 1, &CUR_C);
        struct wv_json *o = rec(1, -1, vals[r]);
        if (r < 2)
            wv_json_set(o, "c", wv_json_int(5));
        write_ok(w, NULL, "u", o);
        finish_ok(w);
        stor_raw_free(w);
    }
    struct lines ls;
    read_stream(root, "u", &ls);
    assert_int_equal(ls.n, 1);
    assert_string_equal(cJSON_GetObjectItem(data_of(&ls.v[0]), "v")->valuestring, "new");
    assert_string_equal(ls.v[0].file, "dt=2024-03-06/r2-dedup-00000.jsonl");
    lines_free(&ls);

    /* A record with a cursor, extracted earlier and read later, beats one without. */
    for (int r = 3; r < 5; r++) {
        char run[8];
        snprintf(run, sizeof run, "r%d", r);
        struct stor_raw *w = open_ok(root, run, r == 3 ? T3 : T1);
        add_ok(w, NULL, "u", WV_DEST_APPEND_DEDUP, &PK_ID, 1, &CUR_C);
        struct wv_json *o = rec(2, -1, r == 3 ? "nocursor" : "cursor");
        if (r == 4)
            wv_json_set(o, "c", wv_json_int(1));
        write_ok(w, NULL, "u", o);
        finish_ok(w);
        stor_raw_free(w);
    }
    read_stream(root, "u", &ls);
    assert_int_equal(ls.n, 2);
    assert_string_equal(cJSON_GetObjectItem(data_of(find_id(&ls, 2)), "v")->valuestring,
                        "cursor");
    assert_string_equal(cJSON_GetObjectItem(data_of(find_id(&ls, 1)), "v")->valuestring, "new");
    lines_free(&ls);
}

/* Composite and nested primary keys. */
static void test_dedup_composite_key(void **state)
{
    const char *root = *state;
    const struct wv_path pk[] = {{p_user_id, 2}, {p_region, 1}};
    struct stor_raw *w = open_ok(root, "r1", T1);
    add_ok(w, "n", "k", WV_DEST_APPEND_DEDUP, pk, 2, NULL);
    const char *regions[] = {"eu", "us", "eu", "us", "eu"};
    const int64_t uids[] = {1, 1, 2, 1, 1};
    for (int i = 0; i < 5; i++) {
        struct wv_json *o = wv_json_object(), *u = wv_json_object();
        wv_json_set(u, "id", wv_json_int(uids[i]));
        wv_json_set(o, "user", u);
        wv_json_set(o, "region", wv_json_str(regions[i]));
        wv_json_set(o, "id", wv_json_int(i));
        write_ok(w, "n", "k", o);
    }
    finish_ok(w);
    stor_raw_free(w);
    struct lines ls;
    read_stream(root, "n/k", &ls);
    assert_int_equal(ls.n, 3); /* (1,eu) -> 4, (1,us) -> 3, (2,eu) -> 2 */
    assert_non_null(find_id(&ls, 2));
    assert_non_null(find_id(&ls, 3));
    assert_non_null(find_id(&ls, 4));
    lines_free(&ls);
}

/* A record without its key fails compaction with path:line; nothing is deleted. */
static void test_dedup_missing_pk(void **state)
{
    const char *root = *state;
    struct stor_raw *w = open_ok(root, "r1", T1);
    add_ok(w, NULL, "m", WV_DEST_APPEND_DEDUP, &PK_ID, 1, NULL);
    write_ok(w, NULL, "m", rec(1, -1, NULL));
    struct wv_json *o = wv_json_object();
    wv_json_set(o, "name", wv_json_str("x"));
    write_ok(w, NULL, "m", o);
    struct wv_error err = {0};
    assert_int_equal(stor_raw_finish(w, &err), -1);
    char *want = wv_asprintf("%s/m/dt=2024-03-05/r1-00000.jsonl:2: record has no primary key 'id'",
                             root);
    if (!strstr(err.msg, want))
        fail_msg("unexpected error: %s", err.msg);
    free(want);
    assert_int_equal(err.code, WV_E_PARSE);
    stor_raw_free(w);
    assert_files(root, "m", "dt=2024-03-05/r1-00000.jsonl");
    assert_false(exists(root, "_weaver_staging"));
}

/* A foreign malformed line names its file and line; nothing is deleted. */
static void test_dedup_bad_line(void **state)
{
    const char *root = *state;
    char *dir = wv_asprintf("%s/m/dt=2024-03-01", root);
    assert_int_equal(wv_fs_mkdirs(dir, 0755, NULL), 0);
    char *path = wv_asprintf("%s/zz.jsonl", dir);
    const char *body = "{\"_airbyte_extracted_at\":1,\"_airbyte_data\":{\"id\":1}}\nnot json\n";
    assert_int_equal(wv_fs_write_atomic(path, body, strlen(body), 0644, NULL), 0);
    struct stor_raw *w = open_ok(root, "r1", T1);
    add_ok(w, NULL, "m", WV_DEST_APPEND_DEDUP, &PK_ID, 1, NULL);
    write_ok(w, NULL, "m", rec(1, -1, NULL));
    struct wv_error err = {0};
    assert_int_equal(stor_raw_finish(w, &err), -1);
    char *want = wv_asprintf("%s:2: invalid JSON", path);
    if (!strstr(err.msg, want))
        fail_msg("unexpected error: %s", err.msg);
    free(want);
    stor_raw_free(w);
    assert_files(root, "m", "dt=2024-03-01/zz.jsonl,dt=2024-03-05/r1-00000.jsonl");
    free(path);
    free(dir);
}

/* gc removes every staging directory; a missing one is fine. */
static void test_gc(void **state)
{
    const char *root = *state;
    struct wv_error err = {0};
    assert_int_equal(stor_raw_gc(root, &err), 0);
    char *dir = wv_asprintf("%s/_weaver_staging/dead/s/dt=2024-01-01", root);
    assert_int_equal(wv_fs_mkdirs(dir, 0755, NULL), 0);
    char *path = wv_asprintf("%s/dead-00000.jsonl", dir);
    assert_int_equal(wv_fs_write_atomic(path, "{}\n", 3, 0644, NULL), 0);
    struct stor_raw *w = open_ok(root, "live", T1); /* its staging goes too */
    assert_true(exists(root, "_weaver_staging/live"));
    assert_int_equal(stor_raw_gc(root, &err), 0);
    assert_false(exists(root, "_weaver_staging"));
    stor_raw_free(w);
    free(path);
    free(dir);
}

/* Records, bytes (= file sizes) and files per stream and in total. */
static void test_stats(void **state)
{
    const char *root = *state;
    struct stor_raw *w = open_ok(root, "r1", T1);
    add_ok(w, NULL, "a", WV_DEST_APPEND, NULL, 0, NULL);
    add_ok(w, "x", "b", WV_DEST_APPEND, NULL, 0, NULL);
    for (int i = 0; i < 10; i++)
        write_ok(w, NULL, "a", rec(i, -1, "aaa"));
    checkpoint_ok(w, NULL, "a");
    for (int i = 0; i < 4; i++)
        write_ok(w, "x", "b", rec(i, -1, NULL));
    write_ok(w, NULL, "a", rec(99, -1, NULL));
    finish_ok(w);
    struct stor_raw_stats a, b, t, none;
    stor_raw_stats(w, NULL, "a", &a);
    stor_raw_stats(w, "x", "b", &b);
    stor_raw_stats(w, NULL, NULL, &t);
    stor_raw_stats(w, NULL, "nope", &none);
    assert_int_equal(a.records, 11);
    assert_int_equal(a.files, 2);
    assert_int_equal(b.records, 4);
    assert_int_equal(b.files, 1);
    assert_int_equal(t.records, 15);
    assert_int_equal(t.files, 3);
    assert_int_equal(t.bytes, a.bytes + b.bytes);
    assert_int_equal(none.records + none.bytes + none.files, 0);
    struct stat st1, st2, st3;
    char *p1 = wv_asprintf("%s/a/dt=2024-03-05/r1-00000.jsonl", root);
    char *p2 = wv_asprintf("%s/a/dt=2024-03-05/r1-00001.jsonl", root);
    char *p3 = wv_asprintf("%s/x/b/dt=2024-03-05/r1-00000.jsonl", root);
    assert_int_equal(stat(p1, &st1) + stat(p2, &st2) + stat(p3, &st3), 0);
    assert_int_equal(a.bytes, st1.st_size + st2.st_size);
    assert_int_equal(b.bytes, st3.st_size);
    free(p1);
    free(p2);
    free(p3);
    stor_raw_free(w);
    stor_raw_stats(NULL, NULL, NULL, &t);
    assert_int_equal(t.records, 0);
}

/* Misuse is refused with the right codes. */
static void test_errors(void **state)
{
    const char *root = *state;
    struct wv_error err = {0};
    assert_null(stor_raw_open(root, "a/b", T1, 0, 0, &err));
    assert_int_equal(err.code, WV_E_USAGE);
    char *file = wv_asprintf("%s/plain", root);
    assert_int_equal(wv_fs_write_atomic(file, "x", 1, 0644, NULL), 0);
    wv_error_clear(&err);
    assert_null(stor_raw_open(file, "r", T1, 0, 0, &err));
    assert_non_null(strstr(err.msg, file));
    free(file);

    struct stor_raw *w = open_ok(root, "r", T1);
    add_ok(w, NULL, "s", WV_DEST_APPEND, NULL, 0, NULL);
    struct stor_raw_stream_cfg bad[] = {
        {NULL, "a/b", WV_DEST_APPEND, NULL, 0, NULL},
        {"..", "s", WV_DEST_APPEND, NULL, 0, NULL},
        {NULL, "_weaver_staging", WV_DEST_APPEND, NULL, 0, NULL},
        {NULL, "d", WV_DEST_APPEND_DEDUP, NULL, 0, NULL},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        wv_error_clear(&err);
        assert_int_equal(stor_raw_add_stream(w, &bad[i], &err), -1);
        assert_int_equal(err.code, WV_E_CONFIG);
    }
    wv_error_clear(&err);
    struct stor_raw_stream_cfg dup = {"", "s", WV_DEST_APPEND, NULL, 0, NULL};
    assert_int_equal(stor_raw_add_stream(w, &dup, &err), -1);
    assert_int_equal(err.code, WV_E_CONFLICT);
    wv_error_clear(&err);
    struct wv_json *d = rec(1, -1, NULL);
    assert_int_equal(stor_raw_write(w, NULL, "nope", d, &err), -1);
    assert_int_equal(err.code, WV_E_NOTFOUND);
    wv_error_clear(&err);
    assert_int_equal(stor_raw_checkpoint(w, "x", "s", &err), -1);
    assert_int_equal(err.code, WV_E_NOTFOUND);
    struct wv_json *arr = wv_json_array();
    wv_error_clear(&err);
    assert_int_equal(stor_raw_write(w, NULL, "s", arr, &err), -1);
    assert_int_equal(err.code, WV_E_PROTOCOL);
    wv_json_free(arr);
    finish_ok(w);
    wv_error_clear(&err);
    assert_int_equal(stor_raw_write(w, NULL, "s", d, &err), -1);
    wv_json_free(d);
    stor_raw_free(w);
    assert_files(root, "s", "");
}

/* A write that fails (file size limit: EFBIG) names the staged file, publishes nothing, and
 * the stream refuses further work; free removes the staging. */
static void test_write_failure(void **state)
{
    const char *root = *state;
    struct rlimit old, lim;
    assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
    void (*prev)(int) = signal(SIGXFSZ, SIG_IGN);
    struct stor_raw *w = open_ok(root, "r", T1);
    add_ok(w, NULL, "s", WV_DEST_APPEND, NULL, 0, NULL);
    lim = old;
    lim.rlim_cur = 4096;
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
    struct wv_error err = {0};
    int rc = 0;
    for (int i = 0; i < 100000 && rc == 0; i++) {
        struct wv_json *o = rec(i, -1, "padding padding padding padding padding padding");
        rc = stor_raw_write(w, NULL, "s", o, &err);
        if (rc == 0 && i % 1000 == 999)
            rc = stor_raw_checkpoint(w, NULL, NULL, &err);
        wv_json_free(o);
    }
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
    signal(SIGXFSZ, prev);
    assert_int_equal(rc, -1);
    assert_int_equal(err.code, WV_E_IO);
    if (!strstr(err.msg, "_weaver_staging/r/s/dt=2024-03-05/r-00000.jsonl"))
        fail_msg("unexpected error: %s", err.msg);
    assert_files(root, "s", "");
    wv_error_clear(&err);
    assert_int_equal(stor_raw_checkpoint(w, NULL, NULL, &err), -1);
    wv_error_clear(&err);
    assert_int_equal(stor_raw_finish(w, &err), -1);
    stor_raw_free(w);
    assert_files(root, "s", "");
    assert_false(exists(root, "_weaver_staging"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_layout_and_line_format, setup, teardown),
        cmocka_unit_test_setup_teardown(test_parts_and_visibility, setup, teardown),
        cmocka_unit_test_setup_teardown(test_overwrite, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dedup_after_killed_run, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dedup_across_runs, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dedup_ties, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dedup_cursor_ties, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dedup_composite_key, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dedup_missing_pk, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dedup_bad_line, setup, teardown),
        cmocka_unit_test_setup_teardown(test_gc, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stats, setup, teardown),
        cmocka_unit_test_setup_teardown(test_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_write_failure, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
