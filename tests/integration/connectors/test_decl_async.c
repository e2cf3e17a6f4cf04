/* test_decl_async.c - AsyncRetriever conformance against the fixture's /async/jobs routes:
 * one job per partition polled with creation_response until completed, JSONL and gzip CSV
 * downloads with record_filter and transformations, download_target_requester with
 * polling_response, delete after download, a failed creation retried, failed jobs retried
 * three times then a clear error, and cancellation while polling (abort called). */
#include <pthread.h>
#include <time.h>

#include "test_decl_common.h"

/* The fixture's requests to path with method. */
static size_t as_requests(const char *path, const char *method)
{
    char *p = wv_asprintf("/_requests?path=%s", path);
    struct wv_json *j = fx_call("GET", p, NULL);
    const struct wv_json *reqs = wv_json_get(j, "requests");
    size_t n = 0;
    for (size_t i = 0; reqs && i < reqs->len; i++)
        n += strcmp(wv_json_get_str(reqs->items[i], "method"), method) == 0;
    wv_json_free(j);
    free(p);
    return n;
}

/* The header of the k-th request to path (borrowed from *log, which the caller frees). */
static const char *as_header(const char *path, size_t k, const char *name, struct wv_json **log)
{
    char *p = wv_asprintf("/_requests?path=%s", path);
    *log = fx_call("GET", p, NULL);
    free(p);
    const struct wv_json *reqs = wv_json_get(*log, "requests");
    assert_true(reqs && k < reqs->len);
    return wv_json_get_str(wv_json_get(reqs->items[k], "headers"), name);
}

/* Two partitions, one job each: records 1 and 3 (2 filtered out) with the AddFields part,
 * three polls per job carrying the creation request's header, then one DELETE per job. */
static void test_jsonl_partitions(void **state)
{
    (void)state;
    fx_reset();
    struct fx_out out;
    struct wv_error err = {0};
    int rc = fx_read("async.yaml", "jobs_jsonl", "full_refresh", "{}", NULL, &out, &err);
    if (rc < 0)
        print_error("%s\n", err.msg);
    assert_int_equal(rc, 0);
    struct wv_json *items = fx_items(NULL), *want = wv_json_array();
    const char *parts[] = {"a", "b"};
    for (size_t p = 0; p < 2; p++)
        for (size_t i = 0; i < 3; i++) {
            const struct wv_json *r = items->items[i];
            if (i == 1)
                continue;
            struct wv_json *x = wv_json_object();
            wv_json_set(x, "id", wv_json_dup(wv_json_get(r, "id")));
            wv_json_set(x, "name", wv_json_dup(wv_json_get(r, "name")));
            wv_json_set(x, "category", wv_json_dup(wv_json_get(r, "category")));
            wv_json_set(x, "part", wv_json_str(parts[p]));
            wv_json_push(want, x);
        }
    fx_assert_json(out.records, want);
    assert_int_equal(as_requests("/async/jobs", "POST"), 2);
    assert_int_equal(as_requests("/async/jobs/job-1", "GET"), 3);
    assert_int_equal(as_requests("/async/jobs/job-2", "GET"), 3);
    assert_int_equal(as_requests("/async/jobs/job-1", "DELETE"), 1);
    assert_int_equal(as_requests("/async/jobs/job-2", "DELETE"), 1);
    assert_int_equal(as_requests("/async/files/job-1", "GET"), 1);
    assert_int_equal(as_requests("/async/jobs/job-1/cancel", "POST"), 0);
    struct wv_json *log = NULL;
    assert_string_equal(as_header("/async/jobs/job-2", 0, "x-part", &log), "b");
    wv_json_free(log);
    wv_json_free(want);
    wv_json_free(items);
    fx_out_done(&out);
}

/* Expected rows of the gzip CSV download: every column a string. */
static struct wv_json *as_csv_rows(void)
{
    struct wv_json *items = fx_items(NULL), *want = wv_json_array();
    for (size_t i = 0; i < 5; i++) {
        const struct wv_json *r = items->items[i];
        struct wv_json *x = wv_json_object();
        int64_t n = 0;
        assert_int_equal(wv_json_get_i64(r, "id", &n), 0);
        char *s = wv_asprintf("%lld", (long long)n);
        wv_json_set(x, "id", wv_json_str(s));
        free(s);
        wv_json_set(x, "name", wv_json_dup(wv_json_get(r, "name")));
        wv_json_set(x, "category", wv_json_dup(wv_json_get(r, "category")));
        wv_json_push(want, x);
    }
    wv_json_free(items);
    return want;
}

/* GzipDecoder(GzipDecoder(CsvDecoder)) download found through download_target_requester; a first
 * creation answered 400 counts as a failed attempt and is retried. */
static void test_csv_target_requester(void **state)
{
    (void)state;
    fx_reset();
    wv_json_free(fx_call("POST", "/_control",
                         "{\"fail\": [{\"path\": \"/async/jobs\", \"status\": 400}]}"));
    struct fx_out out;
    struct wv_error err = {0};
    int rc = fx_read("async.yaml", "jobs_csv", "full_refresh", "{}", NULL, &out, &err);
    if (rc < 0)
        print_error("%s\n", err.msg);
    assert_int_equal(rc, 0);
    struct wv_json *want = as_csv_rows();
    fx_assert_json(out.records, want);
    wv_json_free(want);
    assert_int_equal(as_requests("/async/jobs", "POST"), 2);
    /* one poll (completed at once) plus the download_target_requester's GET */
    size_t n = 0;
    for (int k = 1; k <= 3; k++) {
        char *p = wv_asprintf("/async/jobs/job-%d", k);
        n += as_requests(p, "GET");
        free(p);
    }
    assert_int_equal(n, 2);
    fx_out_done(&out);
}

/* A job that always fails: created three times, never downloaded nor deleted, then a clear
 * error naming the attempts and the statuses. */
static void test_failed_gives_up(void **state)
{
    (void)state;
    fx_reset();
    struct fx_out out;
    struct wv_error err = {0};
    int rc = fx_read("async.yaml", "jobs_fail", "full_refresh", "{}", NULL, &out, &err);
    assert_int_equal(rc, -1);
    assert_int_equal(err.code, WV_E_SOURCE);
    assert_non_null(strstr(err.msg, "stream jobs_fail"));
    assert_non_null(strstr(err.msg, "did not complete after 3 attempts"));
    assert_non_null(strstr(err.msg, "failed, failed, failed"));
    assert_null(strstr(err.msg, "127.0.0.1"));
    assert_int_equal(out.records->len, 0);
    assert_int_equal(as_requests("/async/jobs", "POST"), 3);
    for (int k = 1; k <= 3; k++) {
        char *p = wv_asprintf("/async/jobs/job-%d", k);
        assert_int_equal(as_requests(p, "GET"), 2); /* pending, then failed */
        assert_int_equal(as_requests(p, "DELETE"), 0);
        free(p);
    }
    fx_out_done(&out);
}

static volatile int as_cancel;

/* Sets the cancel flag after 300 ms. */
static void *as_canceller(void *arg)
{
    (void)arg;
    struct timespec ts = {0, 300 * 1000000L};
    nanosleep(&ts, NULL);
    as_cancel = 1;
    return NULL;
}

/* Every read of this file polls jobs every 20 ms. */
static const struct conn_read_env as_poll_env = {.poll_interval_ms = 20};

/* Cancelling while a job runs stops polling promptly and aborts the job. */
static void test_cancel_polling(void **state)
{
    (void)state;
    fx_reset();
    as_cancel = 0;
    struct conn_read_env env = {.cancel = &as_cancel, .poll_interval_ms = 20};
    fx_env = &env;
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, as_canceller, NULL), 0);
    struct fx_out out;
    struct wv_error err = {0};
    int rc = fx_read("async.yaml", "jobs_cancel", "full_refresh", "{}", NULL, &out, &err);
    pthread_join(t, NULL);
    fx_env = &as_poll_env;
    assert_int_equal(rc, -1);
    assert_int_equal(err.code, WV_E_CANCELLED);
    size_t polls = as_requests("/async/jobs/job-1", "GET");
    assert_true(polls >= 2);   /* polled more than once at 20 ms ... */
    assert_true(polls < 1000); /* ... and stopped long before the job would complete */
    assert_int_equal(as_requests("/async/jobs/job-1/cancel", "POST"), 1);
    assert_int_equal(as_requests("/async/jobs/job-1", "DELETE"), 0);
    fx_out_done(&out);
}

int main(void)
{
    fx_env = &as_poll_env; /* poll every 20 ms instead of the CDK's 5 s */
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_jsonl_partitions),
        cmocka_unit_test(test_csv_target_requester),
        cmocka_unit_test(test_failed_gives_up),
        cmocka_unit_test(test_cancel_polling),
    };
    return cmocka_run_group_tests(tests, fx_start, fx_stop);
}
