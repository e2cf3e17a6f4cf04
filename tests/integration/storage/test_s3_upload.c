/* test_s3_upload.c - stor_s3_upload_file (parallel, resumable multipart uploads) and
 * stor_zone_publish to S3, against npm @20minutes/s3rver 4.0.4 (tests/readers/node_modules)
 * started here on 127.0.0.1 port 0 with node --openssl-legacy-provider, killed by PID at the
 * end. s3rver 4.0.4 lacks two things real S3 does, so the script that starts it adds them in
 * front of its own code: UploadPart/CompleteMultipartUpload of an unknown upload id answer
 * 404 NoSuchUpload (s3rver accepts the part, then fails Complete with a 500), and
 * AbortMultipartUpload (s3rver: 405) removes the upload, after s3rver authenticated the
 * request, and appends its id to <dir>/aborts.log. A key containing "fail-part" has its part 2
 * refused (400 InvalidArgument) to make the client give up. Skips if the package is missing. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
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

#include "base/fs.h"
#include "base/mem.h"
#include "base/sha256.h"
#include "storage/storage.h"
#include "integration/storage/s3_fixture.h"
#include "unit/testutil.h"

#define BUCKET "wv-up"
#define MIB ((size_t)1 << 20)



/* The server script: argv[1] package dir, argv[2] data dir, argv[3] aborts log. */
static const char *const g_js =
    "const [pkg,dir,abortLog]=process.argv.slice(1);"
    "const S3rver=require(pkg+'/lib/s3rver.js');"
    "const S3Error=require(pkg+'/lib/models/error.js');"
    "const Store=require(pkg+'/lib/stores/filesystem.js');"
    "const fs=require('fs'),path=require('path');"
    "const up=(st,b,id)=>path.join(st.getResourcePath(b,undefined,'uploads'),String(id));"
    "const keyOf=(st,b,id)=>{try{return fs.readFileSync(path.join(up(st,b,id),'key'),'utf8')}"
    "catch(e){return null}};"
    "for(const m of ['putPart','putObjectMultipart']){const o=Store.prototype[m];"
    "Store.prototype[m]=async function(b,id,...a){const k=keyOf(this,b,id);"
    "if(k===null)throw new S3Error('NoSuchUpload','The specified upload does not exist.',"
    "{UploadId:id});"
    "if(m==='putPart'&&k.includes('fail-part')&&String(a[0])==='2')"
    "throw new S3Error('InvalidArgument','injected part failure');"
    "return o.call(this,b,id,...a)}}"
    "const s=new S3rver({address:'127.0.0.1',port:0,silent:true,directory:dir,"
    "configureBuckets:[{name:'" BUCKET "',configs:[]}]});"
    "s.middleware.unshift(async(ctx,next)=>{try{await next()}catch(e){"
    "const id=ctx.query.uploadId;"
    "if(e.code!=='MethodNotAllowed'||ctx.method!=='DELETE'||!id)throw e;"
    "const b=ctx.path.split('/')[1];"
    "if(keyOf(ctx.store,b,id)===null)throw new S3Error('NoSuchUpload','The specified upload "
    "does not exist.',{UploadId:id});"
    "fs.rmSync(up(ctx.store,b,id),{recursive:true});fs.appendFileSync(abortLog,id+'\\n');"
    "ctx.body=null;ctx.status=204}});"
    "s.run().then(({port})=>{console.log('PORT '+port)})"
    ".catch(e=>{console.error(e);process.exit(1)})";

/* Starts the patched s3rver on 127.0.0.1:0 and reads the port it prints. */
static int start_server(void **state)
{
    (void)state;
    char *pkg = NULL;
    if (!s3_fixture_prepare("s3up", &pkg))
        return 0;
    char *data = wv_asprintf("%s/data", g_dir), *aborts = wv_asprintf("%s/aborts.log", g_dir);
    g_pid = s3_fixture_start(g_js, pkg, data, aborts, &g_endpoint);
    free(aborts);
    free(data);
    free(pkg);
    return 0;
}

/* Client configuration for the emulator (key pair S3RVER/S3RVER). */
static struct stor_s3_config config(const char *secret)
{
    return (struct stor_s3_config){.endpoint = g_endpoint,
                                   .region = "us-east-1",
                                   .access_key_id = "S3RVER",
                                   .secret_access_key = secret,
                                   .max_retries = 1,
                                   .retry_base_ms = 10};
}

/* Writes n pseudo-random bytes to path; returns a copy (caller frees). */
static char *make_file(const char *path, size_t n, unsigned seed)
{
    char *p = wv_malloc(n ? n : 1);
    uint32_t x = seed;
    for (size_t i = 0; i < n; i++) {
        x = x * 1664525u + 1013904223u;
        p[i] = (char)(x >> 24);
    }
    struct wv_error err = {0};
    OK(wv_fs_write_atomic(path, p, n, 0600, &err));
    return p;
}

/* GETs bucket/key into a file and checks it holds exactly want (bytes and SHA-256). */
static void check_object(const char *key, const char *want, size_t n)
{
    struct wv_error err = {0};
    struct stor_s3_config c = config("S3RVER");
    struct stor_s3 *s = stor_s3_new(&c, &err);
    assert_non_null(s);
    char *dst = wv_asprintf("%s/get.bin", g_dir);
    int fd = open(dst, O_RDWR | O_CREAT | O_TRUNC, 0600);
    assert_true(fd >= 0);
    OK(stor_s3_get_fd(s, BUCKET, key, fd, &err));
    close(fd);
    char *back;
    size_t blen;
    OK(wv_fs_read_all(dst, n + 1, &back, &blen, &err));
    assert_int_equal(blen, n);
    uint8_t d1[32], d2[32];
    wv_sha256(back, blen, d1);
    wv_sha256(want, n, d2);
    assert_memory_equal(d1, d2, 32);
    assert_memory_equal(back, want, n);
    free(back);
    unlink(dst);
    free(dst);
    stor_s3_free(s);
}

/* Whether the emulator saw an AbortMultipartUpload of id. */
static bool aborted(const char *id)
{
    char *path = wv_asprintf("%s/aborts.log", g_dir), *text = NULL;
    size_t len;
    bool found = false;
    if (wv_fs_read_all(path, 1 << 20, &text, &len, NULL) == 0) {
        char *line = wv_asprintf("%s\n", id);
        found = strstr(text, line) != NULL;
        free(line);
        free(text);
    }
    free(path);
    return found;
}

/* What the hooks saw. */
struct rec {
    int created;
    char *upload_id;
    int64_t part_size;
    int parts;         /* part_done calls */
    int stop_after;    /* part_done fails once this many parts were recorded; -1 never */
    char *etags[16];   /* etags[i]: part i+1 */
    unsigned seen;     /* bit per part number */
    bool dup_part;     /* a part reported twice */
    bool fail_created; /* created returns an error */
    pthread_t caller;  /* the thread that called stor_s3_upload_file */
    bool other_thread; /* a hook ran on another thread */
};

/* Resets a record; part_done fails once stop_after parts are in (-1: never). */
static void rec_init(struct rec *r, int stop_after)
{
    memset(r, 0, sizeof *r);
    r->stop_after = stop_after;
    r->caller = pthread_self();
}

/* Frees a record's strings and checks the hooks ran on the calling thread. */
static void rec_done(struct rec *r)
{
    assert_false(r->other_thread);
    free(r->upload_id);
    for (size_t i = 0; i < 16; i++)
        free(r->etags[i]);
}

/* created hook: keeps the upload id, forgets older ETags. */
static int rec_created(void *ctx, const char *upload_id, int64_t part_size, struct wv_error *err)
{
    struct rec *r = ctx;
    r->other_thread |= !pthread_equal(r->caller, pthread_self());
    r->created++;
    free(r->upload_id);
    r->upload_id = wv_strdup(upload_id);
    r->part_size = part_size;
    for (size_t i = 0; i < 16; i++) {
        free(r->etags[i]);
        r->etags[i] = NULL;
    }
    return r->fail_created ? wv_error_set(err, WV_E_DB, 0, "disk full") : 0;
}

/* part_done hook: records the ETag, or asks to stop (see stop_after). */
static int rec_part_done(void *ctx, int part_no, const char *etag, struct wv_error *err)
{
    struct rec *r = ctx;
    r->other_thread |= !pthread_equal(r->caller, pthread_self());
    if (r->stop_after >= 0 && r->parts >= r->stop_after)
        return wv_error_set(err, WV_E_CANCELLED, 0, "shutting down");
    assert_true(part_no >= 1 && part_no <= 16);
    if (r->seen & 1u << part_no)
        r->dup_part = true;
    r->seen |= 1u << part_no;
    r->parts++;
    free(r->etags[part_no - 1]);
    r->etags[part_no - 1] = wv_strdup(etag);
    return 0;
}

/* 65 MiB + 123 bytes with 4 parts in flight: 9 parts, each reported once; GET gives it back. */
static void test_upload_parallel(void **state)
{
    (void)state;
    NEED_SERVER();
    size_t n = 65 * MIB + 123;
    char *src = wv_asprintf("%s/big.bin", g_dir), *copy = make_file(src, n, 11);
    struct stor_s3_config c = config("S3RVER");
    struct rec r;
    rec_init(&r, -1);
    struct stor_s3_upload_hooks h = {.ctx = &r, .created = rec_created, .part_done = rec_part_done};
    struct wv_error err = {0};
    OK(stor_s3_upload_file(&c, BUCKET, "up/big.bin", src, 4, NULL, &h, &err));
    assert_int_equal(r.created, 1);
    assert_int_equal(r.part_size, 8 << 20);
    assert_int_equal(r.parts, 9);
    assert_int_equal(r.seen, 0x3fe); /* parts 1-9 */
    assert_false(r.dup_part);
    check_object("up/big.bin", copy, n);
    rec_done(&r);
    /* a small file is one PUT: no hooks */
    unlink(src);
    free(copy);
    copy = make_file(src, 1000, 3);
    rec_init(&r, -1);
    OK(stor_s3_upload_file(&c, BUCKET, "up/small.bin", src, 0, NULL, &h, &err));
    assert_int_equal(r.created + r.parts, 0);
    check_object("up/small.bin", copy, 1000);
    rec_done(&r);
    unlink(src);
    free(copy);
    free(src);
}

/* part_done fails after 3 parts: the upload stops, not aborted; resuming with the 3 recorded
 * ETags sends only the 6 others and completes the same upload. */
static void test_upload_interrupted_resume(void **state)
{
    (void)state;
    NEED_SERVER();
    size_t n = 65 * MIB + 123;
    char *src = wv_asprintf("%s/resume.bin", g_dir), *copy = make_file(src, n, 12);
    struct stor_s3_config c = config("S3RVER");
    struct rec r;
    rec_init(&r, 3);
    struct stor_s3_upload_hooks h = {.ctx = &r, .created = rec_created, .part_done = rec_part_done};
    struct wv_error err = {0};
    assert_int_equal(stor_s3_upload_file(&c, BUCKET, "up/resume.bin", src, 2, NULL, &h, &err), -1);
    assert_int_equal(err.code, WV_E_CANCELLED);
    assert_string_equal(err.msg, "shutting down");
    assert_int_equal(r.created, 1);
    assert_int_equal(r.parts, 3);
    assert_non_null(r.upload_id);
    assert_false(aborted(r.upload_id));
    wv_error_clear(&err);
    struct stor_s3 *s = stor_s3_new(&c, &err);
    assert_non_null(s);
    struct stor_s3_object o;
    assert_int_equal(stor_s3_head(s, BUCKET, "up/resume.bin", &o, &err), -1);
    assert_int_equal(err.code, WV_E_NOTFOUND);
    stor_s3_free(s);
    /* resume from the record */
    wv_error_clear(&err);
    struct rec r2;
    rec_init(&r2, -1);
    h.ctx = &r2;
    struct stor_s3_resume res = {.upload_id = r.upload_id,
                                 .part_size = r.part_size,
                                 .etags = (const char *const *)r.etags,
                                 .n_etags = 9};
    OK(stor_s3_upload_file(&c, BUCKET, "up/resume.bin", src, 4, &res, &h, &err));
    assert_int_equal(r2.created, 0);
    assert_int_equal(r2.parts, 6);
    assert_int_equal(r2.seen & r.seen, 0); /* recorded parts were not sent again */
    assert_int_equal(r2.seen | r.seen, 0x3fe);
    assert_false(aborted(r.upload_id));
    check_object("up/resume.bin", copy, n);
    rec_done(&r);
    rec_done(&r2);
    unlink(src);
    free(copy);
    free(src);
}

/* A resume record whose upload S3 does not know: a new upload (created called), all parts. */
static void test_upload_unknown_id(void **state)
{
    (void)state;
    NEED_SERVER();
    size_t n = 20 * MIB + 5;
    char *src = wv_asprintf("%s/unknown.bin", g_dir), *copy = make_file(src, n, 13);
    struct stor_s3_config c = config("S3RVER");
    struct rec r;
    rec_init(&r, -1);
    struct stor_s3_upload_hooks h = {.ctx = &r, .created = rec_created, .part_done = rec_part_done};
    struct wv_error err = {0};
    const char *etags[3] = {"\"00000000000000000000000000000001\"", NULL, NULL};
    struct stor_s3_resume res = {.upload_id = "feedfacefeedfacefeedfacefeedface",
                                 .part_size = 8 << 20,
                                 .etags = etags,
                                 .n_etags = 3};
    OK(stor_s3_upload_file(&c, BUCKET, "up/unknown.bin", src, 2, &res, &h, &err));
    assert_int_equal(r.created, 1);
    assert_string_not_equal(r.upload_id, res.upload_id);
    assert_int_equal(r.parts, 3);
    assert_int_equal(r.seen, 0xe);
    check_object("up/unknown.bin", copy, n);
    /* every part recorded but the upload unknown: Complete says NoSuchUpload, start over */
    rec_done(&r);
    rec_init(&r, -1);
    const char *all[3] = {"\"1\"", "\"2\"", "\"3\""};
    res.etags = all;
    OK(stor_s3_upload_file(&c, BUCKET, "up/unknown2.bin", src, 2, &res, &h, &err));
    assert_int_equal(r.created, 1);
    assert_int_equal(r.parts, 3);
    check_object("up/unknown2.bin", copy, n);
    rec_done(&r);
    unlink(src);
    free(copy);
    free(src);
}

/* A record that does not fit the file (an ETag past its last part; or a file now small enough
 * for one PUT): that upload is aborted and the file goes up anew. */
static void test_upload_stale_record(void **state)
{
    (void)state;
    NEED_SERVER();
    size_t n = 20 * MIB + 7;
    char *src = wv_asprintf("%s/stale.bin", g_dir), *copy = make_file(src, n, 17);
    struct stor_s3_config c = config("S3RVER");
    struct wv_error err = {0};
    struct stor_s3 *s = stor_s3_new(&c, &err);
    assert_non_null(s);
    char *old = NULL, *old2 = NULL;
    OK(stor_s3_mpu_create(s, BUCKET, "up/stale.bin", &old, &err));
    OK(stor_s3_mpu_create(s, BUCKET, "up/stale-small.bin", &old2, &err));
    stor_s3_free(s);
    struct rec r;
    rec_init(&r, -1);
    struct stor_s3_upload_hooks h = {.ctx = &r, .created = rec_created, .part_done = rec_part_done};
    const char *etags[5] = {NULL, NULL, NULL, NULL, "\"5\""};
    struct stor_s3_resume res = {
        .upload_id = old, .part_size = 8 << 20, .etags = etags, .n_etags = 5};
    OK(stor_s3_upload_file(&c, BUCKET, "up/stale.bin", src, 0, &res, &h, &err));
    assert_true(aborted(old));
    assert_int_equal(r.created, 1);
    assert_int_equal(r.parts, 3);
    check_object("up/stale.bin", copy, n);
    rec_done(&r);
    unlink(src);
    free(copy);
    copy = make_file(src, 4000, 18);
    rec_init(&r, -1);
    res.upload_id = old2;
    res.n_etags = 0;
    OK(stor_s3_upload_file(&c, BUCKET, "up/stale-small.bin", src, 0, &res, &h, &err));
    assert_true(aborted(old2));
    assert_int_equal(r.created + r.parts, 0);
    check_object("up/stale-small.bin", copy, 4000);
    rec_done(&r);
    unlink(src);
    free(copy);
    free(src);
    free(old);
    free(old2);
}

/* A part S3 refuses for good: the upload is aborted and the error names the part; likewise
 * when the created hook fails. */
static void test_upload_give_up_aborts(void **state)
{
    (void)state;
    NEED_SERVER();
    size_t n = 20 * MIB;
    char *src = wv_asprintf("%s/fail.bin", g_dir), *copy = make_file(src, n, 14);
    struct stor_s3_config c = config("S3RVER");
    struct rec r;
    rec_init(&r, -1);
    struct stor_s3_upload_hooks h = {.ctx = &r, .created = rec_created, .part_done = rec_part_done};
    struct wv_error err = {0};
    assert_int_equal(stor_s3_upload_file(&c, BUCKET, "up/fail-part.bin", src, 1, NULL, &h, &err),
                     -1);
    assert_non_null(strstr(err.msg, "PUT s3://" BUCKET
                                    "/up/fail-part.bin (part 2): HTTP 400: InvalidArgument"));
    assert_int_equal(r.created, 1);
    assert_true(aborted(r.upload_id));
    rec_done(&r);
    /* the caller fails to record the new upload: stopped and aborted */
    rec_init(&r, -1);
    r.fail_created = true;
    wv_error_clear(&err);
    assert_int_equal(stor_s3_upload_file(&c, BUCKET, "up/no-record.bin", src, 0, NULL, &h, &err),
                     -1);
    assert_string_equal(err.msg, "disk full");
    assert_int_equal(r.created, 1);
    assert_int_equal(r.parts, 0);
    assert_true(aborted(r.upload_id));
    rec_done(&r);
    unlink(src);
    free(copy);
    free(src);
}

/* A wrong secret: a 403 naming the request, without the secret, for one PUT and multipart. */
static void test_upload_wrong_secret(void **state)
{
    (void)state;
    NEED_SERVER();
    char *src = wv_asprintf("%s/denied.bin", g_dir), *copy = make_file(src, 100, 15);
    struct stor_s3_config c = config("not-the-secret");
    struct wv_error err = {0};
    assert_int_equal(stor_s3_upload_file(&c, BUCKET, "up/denied", src, 0, NULL, NULL, &err), -1);
    assert_int_equal(err.detail, 403);
    assert_non_null(
        strstr(err.msg, "PUT s3://" BUCKET "/up/denied: HTTP 403: SignatureDoesNotMatch"));
    assert_null(strstr(err.msg, "not-the-secret"));
    assert_null(strstr(err.msg, "Signature="));
    free(copy);
    copy = make_file(src, 9 * MIB, 16);
    wv_error_clear(&err);
    assert_int_equal(stor_s3_upload_file(&c, BUCKET, "up/denied", src, 0, NULL, NULL, &err), -1);
    assert_int_equal(err.detail, 403);
    assert_non_null(strstr(err.msg,
                           "POST s3://" BUCKET "/up/denied (CreateMultipartUpload): HTTP 403: "
                           "SignatureDoesNotMatch"));
    assert_null(strstr(err.msg, "not-the-secret"));
    assert_null(strstr(err.msg, "Signature="));
    unlink(src);
    free(copy);
    free(src);
}

/* A file needing more than STOR_S3_MAX_PARTS parts is refused before any request. */
static void test_upload_too_many_parts(void **state)
{
    (void)state;
    NEED_SERVER();
    char *src = wv_asprintf("%s/sparse.bin", g_dir);
    int fd = open(src, O_RDWR | O_CREAT | O_TRUNC, 0600);
    assert_true(fd >= 0);
    if (ftruncate(fd, (off_t)STOR_S3_MAX_PARTS * (8 << 20) + 1) < 0) {
        close(fd);
        unlink(src);
        free(src);
        skip(); /* no sparse files of that size here */
    }
    close(fd);
    struct stor_s3_config c = config("S3RVER");
    struct rec r;
    rec_init(&r, -1);
    struct stor_s3_upload_hooks h = {.ctx = &r, .created = rec_created, .part_done = rec_part_done};
    struct wv_error err = {0};
    assert_int_equal(stor_s3_upload_file(&c, BUCKET, "up/huge.bin", src, 0, NULL, &h, &err), -1);
    assert_int_equal(err.code, WV_E_LIMIT);
    assert_non_null(strstr(err.msg, "more than 10000 parts"));
    assert_int_equal(r.created, 0);
    rec_done(&r);
    unlink(src);
    free(src);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_upload_parallel),
        cmocka_unit_test(test_upload_interrupted_resume),
        cmocka_unit_test(test_upload_unknown_id),
        cmocka_unit_test(test_upload_give_up_aborts),
        cmocka_unit_test(test_upload_wrong_secret),
        cmocka_unit_test(test_upload_too_many_parts),
        cmocka_unit_test(test_upload_stale_record),
    };
    return cmocka_run_group_tests(tests, start_server, stop_server);
}
