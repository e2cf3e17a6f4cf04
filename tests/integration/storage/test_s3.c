/* test_s3.c - weaver's S3 client against a real S3-compatible server that verifies SigV4:
 * npm @20minutes/s3rver 4.0.4 (tests/readers/node_modules), started here on 127.0.0.1 port 0
 * with node --openssl-legacy-provider, bucket pre-created, killed by PID at the end. Round
 * trips (put/get/head/list/delete), pagination, a wrong secret, a 3-part multipart upload,
 * credentials from the environment and from a credentials file, and stor_zone_publish to S3
 * (uploads resumed from an upload store, manifest, overwrite, a second publish that skips).
 * Skips if node is missing. (test_s3_upload.c covers stor_s3_upload_file itself.) */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "base/buf.h"
#include "base/fs.h"
#include "base/mem.h"
#include "storage/storage.h"
#include "integration/storage/s3_fixture.h"
#include "unit/testutil.h"

#define BUCKET "wv-test"



/* Starts s3rver on 127.0.0.1:0 and reads the port it prints. */
static int start_server(void **state)
{
    (void)state;
    char *pkg = NULL;
    if (!s3_fixture_prepare("s3", &pkg))
        return 0;
    char *data = wv_asprintf("%s/data", g_dir);
    char *js = wv_asprintf(
        "const S3rver=require(%s+'/lib/s3rver.js');"
        "new S3rver({address:'127.0.0.1',port:0,silent:true,directory:%s,"
        "configureBuckets:[{name:'" BUCKET "',configs:[]}]}).run()"
        ".then(({port})=>{console.log('PORT '+port)}).catch(e=>{console.error(e);process.exit(1)})",
        "process.argv[1]", "process.argv[2]");
    g_pid = s3_fixture_start(js, pkg, data, NULL, &g_endpoint);
    free(js);
    free(data);
    free(pkg);
    return 0;
}

/* A client for the emulator (s3rver's built-in key pair is S3RVER/S3RVER). */
static struct stor_s3 *client(const char *secret)
{
    struct stor_s3_config c = {.endpoint = g_endpoint,
                               .region = "us-east-1",
                               .access_key_id = "S3RVER",
                               .secret_access_key = secret,
                               .max_retries = 1,
                               .retry_base_ms = 10};
    struct wv_error err = {0};
    struct stor_s3 *s = stor_s3_new(&c, &err);
    assert_non_null(s);
    return s;
}

/* PUT, HEAD, GET (buffer and fd), DELETE of a key that needs escaping. */
static void test_roundtrip(void **state)
{
    (void)state;
    NEED_SERVER();
    struct stor_s3 *s = client("S3RVER");
    struct wv_error err = {0};
    const char *key = "raw/dt=2024-01-01/a b+\xc3\xbc$.txt";
    const char *body = "hello, s3\n";
    OK(stor_s3_put(s, BUCKET, key, body, strlen(body), &err));
    struct stor_s3_object o;
    OK(stor_s3_head(s, BUCKET, key, &o, &err));
    assert_int_equal(o.size, (int64_t)strlen(body));
    assert_non_null(o.etag);
    stor_s3_object_done(&o);
    char *data;
    size_t len;
    OK(stor_s3_get(s, BUCKET, key, 1 << 20, &data, &len, &err));
    assert_int_equal(len, strlen(body));
    assert_memory_equal(data, body, len);
    free(data);
    /* a cap smaller than the object is a limit error */
    assert_int_equal(stor_s3_get(s, BUCKET, key, 4, &data, &len, &err), -1);
    assert_int_equal(err.code, WV_E_LIMIT);
    wv_error_clear(&err);
    OK(stor_s3_delete(s, BUCKET, key, &err));
    assert_int_equal(stor_s3_head(s, BUCKET, key, &o, &err), -1);
    assert_int_equal(err.code, WV_E_NOTFOUND);
    wv_error_clear(&err);
    assert_int_equal(stor_s3_get(s, BUCKET, key, 1 << 20, &data, &len, &err), -1);
    assert_int_equal(err.code, WV_E_NOTFOUND);
    assert_non_null(strstr(err.msg, "GET s3://" BUCKET "/raw/dt=2024-01-01/a b+"));
    assert_non_null(strstr(err.msg, "HTTP 404: NoSuchKey"));
    stor_s3_free(s);
}

/* ListObjectsV2 over several pages (max-keys=2), with a prefix. */
static void test_list_paginated(void **state)
{
    (void)state;
    NEED_SERVER();
    struct stor_s3 *s = client("S3RVER");
    struct wv_error err = {0};
    for (int i = 0; i < 7; i++) {
        char k[64];
        snprintf(k, sizeof k, "pg/dt=2024-01-0%d/part-%d.txt", i % 3 + 1, i);
        OK(stor_s3_put(s, BUCKET, k, k, strlen(k), &err));
    }
    OK(stor_s3_put(s, BUCKET, "other/x", "x", 1, &err));
    struct stor_s3_object *objs;
    size_t n;
    OK(stor_s3_list(s, BUCKET, "pg/", 2, &objs, &n, &err));
    assert_int_equal(n, 7);
    int seen = 0;
    for (size_t i = 0; i < n; i++) {
        assert_true(strncmp(objs[i].key, "pg/", 3) == 0);
        assert_int_equal(objs[i].size, (int64_t)strlen(objs[i].key));
        seen |= 1 << (objs[i].key[strlen(objs[i].key) - 5] - '0');
    }
    assert_int_equal(seen, 0x7f);
    stor_s3_objects_free(objs, n);
    OK(stor_s3_list(s, BUCKET, NULL, 0, &objs, &n, &err));
    assert_true(n >= 8);
    stor_s3_objects_free(objs, n);
    stor_s3_free(s);
}

/* A wrong secret is rejected with a clear error that shows no secret or signature. */
static void test_wrong_secret(void **state)
{
    (void)state;
    NEED_SERVER();
    struct stor_s3 *s = client("not-the-secret");
    struct wv_error err = {0};
    assert_int_equal(stor_s3_put(s, BUCKET, "denied/x", "x", 1, &err), -1);
    assert_int_equal(err.detail, 403);
    assert_non_null(
        strstr(err.msg, "PUT s3://" BUCKET "/denied/x: HTTP 403: SignatureDoesNotMatch: "));
    assert_null(strstr(err.msg, "not-the-secret"));
    assert_null(strstr(err.msg, "Signature="));
    stor_s3_free(s);
}

/* Writes n pseudo-random bytes to a new file; returns its fd at offset 0. */
static int make_file(const char *path, size_t n, unsigned seed, char **copy)
{
    char *p = wv_malloc(n);
    uint32_t x = seed;
    for (size_t i = 0; i < n; i++) {
        x = x * 1664525u + 1013904223u;
        p[i] = (char)(x >> 24);
    }
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
    assert_true(fd >= 0);
    assert_int_equal(wv_fs_write_all(fd, p, n, "test", NULL), 0);
    assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
    *copy = p;
    return fd;
}

/* Runs the AWS CLI (if it works here) against the emulator: argv after "aws". 0 = ran ok,
 * 1 = not available, -1 = failed. */
static int run_aws(const char *const *args)
{
    pid_t pid = fork();
    if (pid == 0) {
        int nul = open("/dev/null", O_WRONLY);
        dup2(nul, 1);
        dup2(nul, 2);
        setenv("AWS_ACCESS_KEY_ID", "S3RVER", 1);
        setenv("AWS_SECRET_ACCESS_KEY", "S3RVER", 1);
        setenv("AWS_DEFAULT_REGION", "us-east-1", 1);
        setenv("AWS_CONFIG_FILE", "/dev/null", 1);
        setenv("AWS_SHARED_CREDENTIALS_FILE", "/dev/null", 1);
        char *argv[16] = {"aws", "--endpoint-url", g_endpoint};
        for (size_t i = 0; args[i] && i < 12; i++)
            argv[3 + i] = (char *)args[i];
        execvp("aws", argv);
        _exit(127);
    }
    int st = 0;
    waitpid(pid, &st, 0);
    if (WIFEXITED(st) && WEXITSTATUS(st) == 127)
        return 1;
    return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -1;
}

/* ~20 MiB through put_fd: three 8 MiB parts, read back with GET to an fd and HEAD. */
static void test_multipart(void **state)
{
    (void)state;
    NEED_SERVER();
    struct stor_s3 *s = client("S3RVER");
    assert_int_equal(stor_s3_part_size(s), 8 << 20);
    struct wv_error err = {0};
    size_t n = (size_t)20 << 20 | 12345;
    char *src = wv_asprintf("%s/src.bin", g_dir), *dst = wv_asprintf("%s/dst.bin", g_dir), *copy;
    int fd = make_file(src, n, 7, &copy);
    OK(stor_s3_put_fd(s, BUCKET, "mp/big.bin", fd, &err));
    close(fd);
    struct stor_s3_object o;
    OK(stor_s3_head(s, BUCKET, "mp/big.bin", &o, &err));
    assert_int_equal(o.size, (int64_t)n);
    assert_non_null(o.etag); /* s3rver answers a plain MD5, AWS "<md5>-3" */
    stor_s3_object_done(&o);
    int out = open(dst, O_RDWR | O_CREAT | O_TRUNC, 0600);
    OK(stor_s3_get_fd(s, BUCKET, "mp/big.bin", out, &err));
    char *back;
    size_t blen;
    assert_int_equal(wv_fs_read_all(dst, n + 1, &back, &blen, &err), 0);
    assert_int_equal(blen, n);
    assert_memory_equal(back, copy, n);
    free(back);
    close(out);
    /* an independent reader: the AWS CLI downloads the same bytes (optional) */
    char *dst2 = wv_asprintf("%s/aws.bin", g_dir), *url = wv_asprintf("s3://%s/mp/big.bin", BUCKET);
    const char *ver[] = {"--version", NULL};
    if (run_aws(ver) == 0) {
        const char *cp[] = {"s3", "cp", "--only-show-errors", url, dst2, NULL};
        assert_int_equal(run_aws(cp), 0);
        OK(wv_fs_read_all(dst2, n + 1, &back, &blen, &err));
        assert_int_equal(blen, n);
        assert_memory_equal(back, copy, n);
        free(back);
        print_message("aws cli read the multipart object back\n");
    }
    free(dst2);
    free(url);
    free(copy);
    /* a small file goes up as one PUT (a plain ETag) */
    fd = make_file(src, 1000, 9, &copy);
    OK(stor_s3_put_fd(s, BUCKET, "mp/small.bin", fd, &err));
    OK(stor_s3_head(s, BUCKET, "mp/small.bin", &o, &err));
    assert_int_equal(o.size, 1000);
    assert_null(strchr(o.etag, '-'));
    stor_s3_object_done(&o);
    close(fd);
    free(copy);
    free(src);
    free(dst);
    stor_s3_free(s);
}

/* Create + one part + abort: the upload id and the part's ETag come back; nothing is visible. */
static void test_multipart_abort(void **state)
{
    (void)state;
    NEED_SERVER();
    struct stor_s3 *s = client("S3RVER");
    struct wv_error err = {0};
    char *id = NULL, *etag = NULL;
    OK(stor_s3_mpu_create(s, BUCKET, "mp/aborted.bin", &id, &err));
    assert_non_null(id);
    OK(stor_s3_mpu_part(s, BUCKET, "mp/aborted.bin", id, 1, "abc", 3, &etag, &err));
    assert_string_equal(etag, "\"900150983cd24fb0d6963f7d28e17f72\""); /* MD5("abc") */
    /* s3rver 4.0.4 has no AbortMultipartUpload: it answers 405, which proves the request was
     * signed right (a bad signature is 403); test_s3_client.c checks the abort bytes */
    assert_int_equal(stor_s3_mpu_abort(s, BUCKET, "mp/aborted.bin", id, &err), -1);
    assert_int_equal(err.detail, 405);
    assert_non_null(strstr(err.msg, "DELETE s3://" BUCKET "/mp/aborted.bin (AbortMultipartUpload): "
                                    "HTTP 405: MethodNotAllowed"));
    struct stor_s3_object o;
    wv_error_clear(&err);
    assert_int_equal(stor_s3_head(s, BUCKET, "mp/aborted.bin", &o, &err), -1);
    assert_int_equal(err.code, WV_E_NOTFOUND);
    free(id);
    free(etag);
    stor_s3_free(s);
}

/* Credentials from AWS_* variables, then from a credentials file profile. */
static void test_credentials_sources(void **state)
{
    (void)state;
    NEED_SERVER();
    struct wv_error err = {0};
    setenv("AWS_ACCESS_KEY_ID", "S3RVER", 1);
    setenv("AWS_SECRET_ACCESS_KEY", "S3RVER", 1);
    struct stor_s3_config c = {.endpoint = g_endpoint};
    struct stor_s3 *s = stor_s3_new(&c, &err);
    assert_non_null(s);
    OK(stor_s3_put(s, BUCKET, "cred/env", "e", 1, &err));
    stor_s3_free(s);
    unsetenv("AWS_ACCESS_KEY_ID");
    unsetenv("AWS_SECRET_ACCESS_KEY");
    char *file = wv_asprintf("%s/credentials", g_dir);
    const char *ini = "[default]\naws_access_key_id = WRONG\naws_secret_access_key = WRONG\n"
                      "[emu]\naws_access_key_id = S3RVER\naws_secret_access_key = S3RVER\n";
    assert_int_equal(wv_fs_write_atomic(file, ini, strlen(ini), 0600, &err), 0);
    c.credentials_file = file;
    c.profile = "emu";
    s = stor_s3_new(&c, &err);
    assert_non_null(s);
    OK(stor_s3_put(s, BUCKET, "cred/file", "f", 1, &err));
    stor_s3_free(s);
    c.profile = "missing";
    assert_null(stor_s3_new(&c, &err));
    assert_int_equal(err.code, WV_E_CONFIG);
    assert_non_null(strstr(err.msg, "profile 'missing'"));
    free(file);
}

/* ---- stor_zone_publish to S3 ---- */

/* An upload store in memory (one record per rel) counting its calls. */
struct fake_store {
    char *rel[8], *id[8];
    int64_t psz[8];
    char *etags[8][8];
    int loads, created, parts, forgets;
};

/* The slot of rel (a new one if add). */
static int fs_slot(struct fake_store *f, const char *rel, bool add)
{
    for (int i = 0; i < 8; i++)
        if (f->rel[i] && strcmp(f->rel[i], rel) == 0)
            return i;
    for (int i = 0; add && i < 8; i++)
        if (!f->rel[i]) {
            f->rel[i] = wv_strdup(rel);
            return i;
        }
    return -1;
}

/* Drops slot i. */
static void fs_clear(struct fake_store *f, int i)
{
    free(f->rel[i]);
    free(f->id[i]);
    for (int k = 0; k < 8; k++) {
        free(f->etags[i][k]);
        f->etags[i][k] = NULL;
    }
    f->rel[i] = f->id[i] = NULL;
}

static int fs_load(void *ctx, const char *rel, char **upload_id, int64_t *part_size, char ***etags,
                   size_t *n_etags, struct wv_error *err)
{
    (void)err;
    struct fake_store *f = ctx;
    f->loads++;
    int i = fs_slot(f, rel, false);
    *upload_id = NULL;
    *etags = NULL;
    *n_etags = 0;
    if (i < 0 || !f->id[i])
        return 0;
    *upload_id = wv_strdup(f->id[i]);
    *part_size = f->psz[i];
    *etags = wv_calloc(8, sizeof **etags);
    for (int k = 0; k < 8; k++)
        (*etags)[k] = f->etags[i][k] ? wv_strdup(f->etags[i][k]) : NULL;
    *n_etags = 8;
    return 0;
}

static int fs_created(void *ctx, const char *rel, const char *upload_id, int64_t part_size,
                      struct wv_error *err)
{
    (void)err;
    struct fake_store *f = ctx;
    f->created++;
    int i = fs_slot(f, rel, true);
    free(f->id[i]);
    f->id[i] = wv_strdup(upload_id);
    f->psz[i] = part_size;
    return 0;
}

static int fs_part_done(void *ctx, const char *rel, int part_no, const char *etag,
                        struct wv_error *err)
{
    (void)err;
    struct fake_store *f = ctx;
    f->parts++;
    int i = fs_slot(f, rel, true);
    assert_true(part_no >= 1 && part_no <= 8);
    free(f->etags[i][part_no - 1]);
    f->etags[i][part_no - 1] = wv_strdup(etag);
    return 0;
}

static int fs_forget(void *ctx, const char *rel, struct wv_error *err)
{
    (void)err;
    struct fake_store *f = ctx;
    f->forgets++;
    int i = fs_slot(f, rel, false);
    if (i >= 0)
        fs_clear(f, i);
    return 0;
}

/* Hooks of a first, interrupted upload that record into the fake store: stop after 1 part. */
struct interrupt {
    struct fake_store *f;
    const char *rel;
};

static int int_created(void *ctx, const char *upload_id, int64_t part_size, struct wv_error *err)
{
    struct interrupt *x = ctx;
    return fs_created(x->f, x->rel, upload_id, part_size, err);
}

static int int_part_done(void *ctx, int part_no, const char *etag, struct wv_error *err)
{
    struct interrupt *x = ctx;
    if (x->f->parts >= 1)
        return wv_error_set(err, WV_E_CANCELLED, 0, "killed");
    return fs_part_done(x->f, x->rel, part_no, etag, err);
}

static void log_line(void *ctx, enum wv_level level, const char *msg)
{
    wv_buf_printf(ctx, NULL, "%s %s\n", wv_level_name(level), msg);
}

static int count(const char *hay, const char *needle)
{
    int n = 0;
    for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
        n++;
    return n;
}

/* Asserts bucket/key holds want (NULL: missing). */
static void expect_object(struct stor_s3 *s, const char *key, const char *want, size_t n)
{
    struct wv_error err = {0};
    char *data = NULL;
    size_t len = 0;
    int rc = stor_s3_get(s, BUCKET, key, 64 << 20, &data, &len, &err);
    if (!want) {
        if (rc == 0)
            fail_msg("%s should not exist", key);
        assert_int_equal(err.code, WV_E_NOTFOUND);
        return;
    }
    if (rc != 0)
        fail_msg("GET %s: %s", key, err.msg);
    assert_int_equal(len, n);
    assert_memory_equal(data, want, n);
    free(data);
}

static const char *const PUB_MANIFEST =
    "{\"version\":1,\"run_id\":\"run2\",\"connection\":\"shop\","
    "\"extracted_at\":\"2024-01-02T00:00:00Z\",\"sync_id\":2,\"generation_id\":1,"
    "\"format\":\"parquet\",\"compression\":\"zstd\","
    "\"path_template\":\"{namespace}/{stream}/dt={date}/{run_id}-{part}.parquet\","
    "\"writer\":\"weaver 0.1.0\",\"streams\":["
    "{\"namespace\":null,\"name\":\"users\",\"mode\":\"overwrite\",\"prefix\":\"users\","
    "\"columns\":[],\"primary_key\":[],\"cursor_field\":[],\"rows\":2,\"bytes\":1,\"files\":2},"
    "{\"namespace\":null,\"name\":\"orders\",\"mode\":\"append\",\"prefix\":\"orders\","
    "\"columns\":[],\"primary_key\":[],\"cursor_field\":[],\"rows\":1,\"bytes\":1,\"files\":1}],"
    "\"files\":["
    "{\"path\":\"users/dt=2024-01-02/run2-000.parquet\",\"namespace\":null,\"stream\":\"users\","
    "\"rows\":1,\"bytes\":1,\"sha256\":\"00\"},"
    "{\"path\":\"users/dt=2024-01-02/run2-001.parquet\",\"namespace\":null,\"stream\":\"users\","
    "\"rows\":1,\"bytes\":1,\"sha256\":\"00\"},"
    "{\"path\":\"orders/dt=2024-01-02/run2-000.parquet\",\"namespace\":null,"
    "\"stream\":\"orders\",\"rows\":1,\"bytes\":1,\"sha256\":\"00\"}]}";

/* Files and manifest land under the prefix, an interrupted upload is resumed from the store,
 * overwrite deletes the stream's older keys only, and a second publish skips every file. */
static void test_publish_s3(void **state)
{
    (void)state;
    NEED_SERVER();
    struct wv_error err = {0};
    struct stor_s3 *s = client("S3RVER");
    const char *old[] = {"zone/p1/users/dt=2024-01-01/run1-000.parquet",
                         "zone/p1/users/dt=2024-01-02/run1-000.parquet",
                         "zone/p1/users/x.txt",
                         "zone/p1/orders/dt=2024-01-01/run1-000.parquet",
                         "zone/p1/users_archive/a.parquet",
                         "zone/p1/users/_tmp/b.parquet"};
    for (size_t i = 0; i < 6; i++)
        OK(stor_s3_put(s, BUCKET, old[i], "old", 3, &err));
    const char *rels[3] = {"users/dt=2024-01-02/run2-000.parquet",
                           "users/dt=2024-01-02/run2-001.parquet",
                           "orders/dt=2024-01-02/run2-000.parquet"};
    size_t sizes[3] = {1000, (size_t)17 << 20, 12345};
    char *copies[3];
    struct stor_zone_file f[3];
    for (size_t i = 0; i < 3; i++) {
        char *p = wv_asprintf("%s/stage-%zu.parquet", g_dir, i);
        close(make_file(p, sizes[i], 40 + (unsigned)i, &copies[i]));
        f[i] = (struct stor_zone_file){
            .rel = (char *)rels[i], .stage_path = p, .bytes = (int64_t)sizes[i]};
    }
    struct stor_target t = {.bucket = BUCKET, .prefix = "zone/p1", .parallel = 2};
    t.s3 = (struct stor_s3_config){.endpoint = g_endpoint,
                                   .region = "us-east-1",
                                   .access_key_id = "S3RVER",
                                   .secret_access_key = "S3RVER",
                                   .max_retries = 1,
                                   .retry_base_ms = 10};
    /* a first publish died during the big file: 1 of its 3 parts recorded */
    struct fake_store fs = {0};
    struct interrupt x = {&fs, rels[1]};
    struct stor_s3_upload_hooks h = {&x, int_created, int_part_done};
    assert_int_equal(stor_s3_upload_file(&t.s3, BUCKET,
                                         "zone/p1/"
                                         "users/dt=2024-01-02/"
                                         "run2-001.parquet",
                                         f[1].stage_path, 1, NULL, &h, &err),
                     -1);
    assert_int_equal(fs.created, 1);
    assert_int_equal(fs.parts, 1);
    wv_error_clear(&err);
    fs.created = fs.parts = 0;
    struct stor_upload_store store = {&fs, fs_load, fs_created, fs_part_done, fs_forget};
    struct wv_buf logs;
    wv_buf_init(&logs, 0);
    struct wv_log log = {.fn = log_line, .ctx = &logs, .min = WV_LOG_INFO};
    OK(stor_zone_publish(&t, f, 3, PUB_MANIFEST, &store, &log, &err));
    const char *text = wv_buf_cstr(&logs);
    assert_non_null(strstr(text, "INFO resuming upload of zone/p1/users/dt=2024-01-02/"
                                 "run2-001.parquet: 1 of 3 parts already uploaded"));
    assert_int_equal(fs.created, 0);
    assert_int_equal(fs.parts, 2); /* only the parts not recorded */
    assert_int_equal(fs.loads, 3);
    assert_int_equal(fs.forgets, 3);
    assert_int_equal(fs_slot(&fs, rels[1], false), -1);
    assert_int_equal(count(text, "INFO published s3://" BUCKET "/zone/p1/"), 4);
    for (size_t i = 0; i < 3; i++) {
        char *key = wv_asprintf("zone/p1/%s", rels[i]);
        expect_object(s, key, copies[i], sizes[i]);
        free(key);
    }
    expect_object(s, "zone/p1/_runs/run2/_manifest.json", PUB_MANIFEST, strlen(PUB_MANIFEST));
    expect_object(s, old[0], NULL, 0);
    expect_object(s, old[1], NULL, 0);
    for (size_t i = 2; i < 6; i++)
        expect_object(s, old[i], "old", 3);
    /* published again (e.g. the process died before recording the run): nothing is sent */
    wv_buf_reset(&logs);
    fs.loads = fs.parts = 0;
    OK(stor_zone_publish(&t, f, 3, PUB_MANIFEST, &store, &log, &err));
    text = wv_buf_cstr(&logs);
    assert_int_equal(count(text, "INFO already published s3://"), 3);
    assert_null(strstr(text, "resuming"));
    assert_int_equal(fs.loads + fs.parts, 0);
    /* an empty prefix: keys are the relative paths themselves */
    struct stor_target t2 = t;
    t2.prefix = "";
    OK(stor_zone_publish(&t2, f, 1, "{\"run_id\":\"solo\",\"streams\":[],\"files\":[]}", NULL, NULL,
                         &err));
    expect_object(s, rels[0], copies[0], sizes[0]);
    expect_object(s, "_runs/solo/_manifest.json",
                  "{\"run_id\":\"solo\",\"streams\":[],"
                  "\"files\":[]}",
                  41);
    wv_buf_done(&logs);
    for (size_t i = 0; i < 3; i++) {
        unlink(f[i].stage_path);
        free(f[i].stage_path);
        free(copies[i]);
    }
    stor_s3_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_roundtrip),       cmocka_unit_test(test_list_paginated),
        cmocka_unit_test(test_wrong_secret),    cmocka_unit_test(test_multipart),
        cmocka_unit_test(test_multipart_abort), cmocka_unit_test(test_credentials_sources),
        cmocka_unit_test(test_publish_s3),
    };
    return cmocka_run_group_tests(tests, start_server, stop_server);
}
