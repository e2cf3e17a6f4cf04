/* test_s3_sigv4.c - weaver's SHA-256 (FIPS 180-2 appendix B examples), HMAC-SHA256 (RFC 4231
 * test cases 1, 2, 6), S3 URI encoding, and SigV4 against the AWS Signature Version 4 test
 * suite (get-vanilla, post-vanilla, get-vanilla-query-order-key-case, get-header-value-trim;
 * AKIDEXAMPLE, 20150830T123600Z) and the S3 API Reference's examples in "Signature
 * Calculations for the Authorization Header: Transferring Payload in a Single Chunk"
 * (AKIAIOSFODNN7EXAMPLE, 20130524T000000Z: GET object, PUT object, GET lifecycle, list). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base/clock.h"
#include "base/mem.h"
#include "storage/s3_int.h"

#define EMPTY_SHA "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
#define SUITE_KEY "AKIDEXAMPLE"
#define SUITE_SECRET "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
#define S3_KEY "AKIAIOSFODNN7EXAMPLE"
#define S3_SECRET "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"

/* Hex SHA-256 of a string. */
static void sha_hex(const void *p, size_t n, char out[65])
{
    uint8_t d[32];
    wv_sha256(p, n, d);
    stor_s3_hex(d, 32, out);
}

/* FIPS 180-2 examples: "abc", the two-block message, a million 'a', and the empty string. */
static void test_sha256_vectors(void **state)
{
    (void)state;
    char h[65];
    sha_hex("", 0, h);
    assert_string_equal(h, EMPTY_SHA);
    sha_hex("abc", 3, h);
    assert_string_equal(h, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    const char *m2 = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    sha_hex(m2, strlen(m2), h);
    assert_string_equal(h, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    /* a million 'a' fed in uneven chunks, so block boundaries fall everywhere */
    char *a = wv_malloc(1000000);
    memset(a, 'a', 1000000);
    struct wv_sha256 c;
    wv_sha256_init(&c);
    size_t off = 0, step = 1;
    while (off < 1000000) {
        size_t n = step < 1000000 - off ? step : 1000000 - off;
        wv_sha256_update(&c, a + off, n);
        off += n;
        step = step * 7 % 997 + 1;
    }
    uint8_t d[32];
    wv_sha256_final(&c, d);
    stor_s3_hex(d, 32, h);
    assert_string_equal(h, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
    free(a);
    /* the S3 PUT example's payload */
    sha_hex("Welcome to Amazon S3.", 21, h);
    assert_string_equal(h, "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072");
}

/* RFC 4231 test cases 1, 2 and 6 (key longer than a block). */
static void test_hmac_rfc4231(void **state)
{
    (void)state;
    uint8_t key[131], d[32];
    char h[65];
    memset(key, 0x0b, 20);
    wv_hmac_sha256(key, 20, "Hi There", 8, d);
    stor_s3_hex(d, 32, h);
    assert_string_equal(h, "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
    wv_hmac_sha256("Jefe", 4, "what do ya want for nothing?", 28, d);
    stor_s3_hex(d, 32, h);
    assert_string_equal(h, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
    memset(key, 0xaa, sizeof key);
    const char *m = "Test Using Larger Than Block-Size Key - Hash Key First";
    wv_hmac_sha256(key, sizeof key, m, strlen(m), d);
    stor_s3_hex(d, 32, h);
    assert_string_equal(h, "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
}

/* Encoded s (slash kept or not). Caller frees. */
static char *enc(const char *s, int slash)
{
    struct wv_buf b;
    wv_buf_init(&b, 0);
    assert_int_equal(stor_s3_uri_encode(&b, s, slash, NULL), 0);
    return wv_buf_steal(&b, NULL);
}

/* S3 keys: '=' ' ' '+' '$' and UTF-8 are escaped, unreserved and '/' kept in paths. */
static void test_uri_encode(void **state)
{
    (void)state;
    char *e = enc("raw/dt=2024-01-01/a b+c$d~_.-\xc3\xbc.parquet", 0);
    assert_string_equal(e, "raw/dt%3D2024-01-01/a%20b%2Bc%24d~_.-%C3%BC.parquet");
    free(e);
    e = enc("a/b", 1);
    assert_string_equal(e, "a%2Fb");
    free(e);
}

/* One signing case. */
struct sig_case {
    const char *method, *uri;
    struct stor_s3_kv query[4];
    size_t nq;
    struct stor_s3_kv headers[6];
    size_t nh;
    const char *payload_hash, *date, *region, *service, *key, *secret;
    const char *creq, *sts, *signature, *signed_headers;
};

/* Signs a case and compares every intermediate the case gives. */
static void check_case(const struct sig_case *c)
{
    struct stor_s3_sig_req r = {.method = c->method,
                                .uri = c->uri,
                                .query = c->query,
                                .n_query = c->nq,
                                .headers = c->headers,
                                .n_headers = c->nh,
                                .payload_hash = c->payload_hash,
                                .amz_date = c->date,
                                .region = c->region,
                                .service = c->service,
                                .access_key = c->key,
                                .secret_key = c->secret};
    struct stor_s3_sig s;
    assert_int_equal(stor_s3_sign(&r, &s, NULL), 0);
    if (c->creq)
        assert_string_equal(s.canonical_request, c->creq);
    if (c->sts)
        assert_string_equal(s.string_to_sign, c->sts);
    assert_string_equal(s.signature, c->signature);
    char *authz =
        wv_asprintf("AWS4-HMAC-SHA256 Credential=%s/%.8s/%s/%s/aws4_request, "
                    "SignedHeaders=%s, Signature=%s",
                    c->key, c->date, c->region, c->service, c->signed_headers, c->signature);
    assert_string_equal(s.authorization, authz);
    free(authz);
    stor_s3_sig_done(&s);
}

#define SUITE_HOST                                                                                 \
    {                                                                                              \
        "Host", "example.amazonaws.com"                                                            \
    }
#define SUITE_DATE                                                                                 \
    {                                                                                              \
        "X-Amz-Date", "20150830T123600Z"                                                           \
    }
#define SUITE_COMMON EMPTY_SHA, "20150830T123600Z", "us-east-1", "service", SUITE_KEY, SUITE_SECRET

/* aws-sig-v4-test-suite: get-vanilla, post-vanilla, get-vanilla-query-order-key-case,
 * get-header-value-trim. */
static void test_sigv4_suite(void **state)
{
    (void)state;
    const struct sig_case get_vanilla = {
        "GET",
        "/",
        {{0}},
        0,
        {SUITE_HOST, SUITE_DATE},
        2,
        SUITE_COMMON,
        "GET\n/"
        "\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-"
        "date\n" EMPTY_SHA,
        "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\n"
        "bb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63",
        "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31",
        "host;x-amz-date"};
    check_case(&get_vanilla);
    const struct sig_case post_vanilla = {
        "POST",
        "/",
        {{0}},
        0,
        {SUITE_DATE, SUITE_HOST},
        2,
        SUITE_COMMON,
        "POST\n/"
        "\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-"
        "date\n" EMPTY_SHA,
        NULL,
        "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b",
        "host;x-amz-date"};
    check_case(&post_vanilla);
    const struct sig_case order = {
        "GET",
        "/",
        {{"Param2", "value2"}, {"Param1", "value1"}},
        2,
        {SUITE_HOST, SUITE_DATE},
        2,
        SUITE_COMMON,
        "GET\n/\nParam1=value1&Param2=value2\nhost:example.amazonaws.com\n"
        "x-amz-date:20150830T123600Z\n\nhost;x-amz-date\n" EMPTY_SHA,
        "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\n"
        "816cd5b414d056048ba4f7c5386d6e0533120fb1fcfa93762cf0fc39e2cf19e0",
        "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500",
        "host;x-amz-date"};
    check_case(&order);
    const struct sig_case trim = {
        "GET",
        "/",
        {{0}},
        0,
        {SUITE_HOST, {"My-Header1", " value1"}, {"My-Header2", "\"a   b   c\""}, SUITE_DATE},
        4,
        SUITE_COMMON,
        "GET\n/\n\nhost:example.amazonaws.com\nmy-header1:value1\nmy-header2:\"a b c\"\n"
        "x-amz-date:20150830T123600Z\n\nhost;my-header1;my-header2;x-amz-date\n" EMPTY_SHA,
        NULL,
        "acc3ed3afb60bb290fc8d2dd0098b9911fcaa05412b367055dee359757a9c736",
        "host;my-header1;my-header2;x-amz-date"};
    check_case(&trim);
}

#define S3_HOST                                                                                    \
    {                                                                                              \
        "Host", "examplebucket.s3.amazonaws.com"                                                   \
    }
#define S3_DATE                                                                                    \
    {                                                                                              \
        "x-amz-date", "20130524T000000Z"                                                           \
    }
#define S3_EMPTY                                                                                   \
    {                                                                                              \
        "x-amz-content-sha256", EMPTY_SHA                                                          \
    }
#define S3_COMMON "20130524T000000Z", "us-east-1", "s3", S3_KEY, S3_SECRET

/* The S3 API Reference's four header-based examples. */
static void test_sigv4_s3_examples(void **state)
{
    (void)state;
    const struct sig_case get_object = {
        "GET",
        "/test.txt",
        {{0}},
        0,
        {S3_HOST, {"Range", "bytes=0-9"}, S3_EMPTY, S3_DATE},
        4,
        EMPTY_SHA,
        S3_COMMON,
        "GET\n/test.txt\n\nhost:examplebucket.s3.amazonaws.com\nrange:bytes=0-9\n"
        "x-amz-content-sha256:" EMPTY_SHA "\nx-amz-date:20130524T000000Z\n\n"
        "host;range;x-amz-content-sha256;x-amz-date\n" EMPTY_SHA,
        "AWS4-HMAC-SHA256\n20130524T000000Z\n20130524/us-east-1/s3/aws4_request\n"
        "7344ae5b7ee6c3e7e6b0fe0640412a37625d1fbfff95c48bbb2dc43964946972",
        "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41",
        "host;range;x-amz-content-sha256;x-amz-date"};
    check_case(&get_object);
#define PUT_SHA "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072"
    char *key = enc("test$file.text", 0);
    char *path = wv_asprintf("/%s", key);
    struct sig_case put_object = {
        "PUT",
        path,
        {{0}},
        0,
        {{"Date", "Fri, 24 May 2013 00:00:00 GMT"},
         S3_HOST,
         S3_DATE,
         {"x-amz-storage-class", "REDUCED_REDUNDANCY"},
         {"x-amz-content-sha256", PUT_SHA}},
        5,
        PUT_SHA,
        S3_COMMON,
        "PUT\n/test%24file.text\n\ndate:Fri, 24 May 2013 00:00:00 GMT\n"
        "host:examplebucket.s3.amazonaws.com\nx-amz-content-sha256:" PUT_SHA "\n"
        "x-amz-date:20130524T000000Z\nx-amz-storage-class:REDUCED_REDUNDANCY\n\n"
        "date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class\n" PUT_SHA,
        NULL,
        "98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd",
        "date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class"};
    check_case(&put_object);
    free(key);
    free(path);
    const struct sig_case lifecycle = {
        "GET",
        "/",
        {{"lifecycle", ""}},
        1,
        {S3_HOST, S3_EMPTY, S3_DATE},
        3,
        EMPTY_SHA,
        S3_COMMON,
        "GET\n/\nlifecycle=\nhost:examplebucket.s3.amazonaws.com\nx-amz-content-sha256:" EMPTY_SHA
        "\nx-amz-date:20130524T000000Z\n\nhost;x-amz-content-sha256;x-amz-date\n" EMPTY_SHA,
        NULL,
        "fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543",
        "host;x-amz-content-sha256;x-amz-date"};
    check_case(&lifecycle);
    const struct sig_case list = {
        "GET",
        "/",
        {{"prefix", "J"}, {"max-keys", "2"}},
        2,
        {S3_DATE, S3_EMPTY, S3_HOST},
        3,
        EMPTY_SHA,
        S3_COMMON,
        "GET\n/"
        "\nmax-keys=2&prefix=J\nhost:examplebucket.s3.amazonaws.com\nx-amz-content-"
        "sha256:" EMPTY_SHA
        "\nx-amz-date:20130524T000000Z\n\nhost;x-amz-content-sha256;x-amz-date\n" EMPTY_SHA,
        NULL,
        "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7",
        "host;x-amz-content-sha256;x-amz-date"};
    check_case(&list);
}

/* Query values are encoded (a continuation token with '/', '+', '='), and a tampered secret
 * or key changes the signature. */
static void test_sigv4_query_and_tamper(void **state)
{
    (void)state;
    struct stor_s3_kv q[3] = {
        {"list-type", "2"}, {"continuation-token", "a/b+c=="}, {"uploads", NULL}};
    struct stor_s3_kv h[3] = {{"host", "127.0.0.1:9000"},
                              {"x-amz-content-sha256", EMPTY_SHA},
                              {"x-amz-date", "20240101T000000Z"}};
    struct stor_s3_sig_req r = {.method = "GET",
                                .uri = "/b/",
                                .query = q,
                                .n_query = 3,
                                .headers = h,
                                .n_headers = 3,
                                .payload_hash = EMPTY_SHA,
                                .amz_date = "20240101T000000Z",
                                .region = "us-east-1",
                                .service = "s3",
                                .access_key = "K",
                                .secret_key = "S"};
    struct stor_s3_sig a, b;
    assert_int_equal(stor_s3_sign(&r, &a, NULL), 0);
    assert_string_equal(a.canonical_query,
                        "continuation-token=a%2Fb%2Bc%3D%3D&list-type=2&uploads=");
    r.secret_key = "T";
    assert_int_equal(stor_s3_sign(&r, &b, NULL), 0);
    assert_string_not_equal(a.signature, b.signature);
    assert_null(strstr(b.authorization, "T/"));
    stor_s3_sig_done(&b);
    r.secret_key = "S";
    r.uri = "/b/other";
    assert_int_equal(stor_s3_sign(&r, &b, NULL), 0);
    assert_string_not_equal(a.signature, b.signature);
    stor_s3_sig_done(&b);
    stor_s3_sig_done(&a);
    r.amz_date = "2024";
    struct wv_error err = {0};
    assert_int_equal(stor_s3_sign(&r, &b, &err), -1);
}

/* x-amz-date from milliseconds. */
static void test_amz_date(void **state)
{
    (void)state;
    char d[17];
    stor_s3_amz_date(1440938160000LL, d);
    assert_string_equal(d, "20150830T123600Z");
    stor_s3_amz_date(0, d);
    assert_string_equal(d, "19700101T000000Z");
}

/* The credentials-file reader: sections, comments, spaces, a missing profile. */
static void test_ini_profile(void **state)
{
    (void)state;
    const char *text = "# comment\n[default]\naws_access_key_id = AK1\naws_secret_access_key=SK1\n"
                       "\n[prod] \r\n ; other\n  aws_access_key_id\t=  AK2  \r\n"
                       "aws_secret_access_key = S/K+2=\naws_session_token = TOK\n";
    char *k, *s, *t;
    assert_int_equal(stor_s3_ini_profile(text, "default", &k, &s, &t), 0);
    assert_string_equal(k, "AK1");
    assert_string_equal(s, "SK1");
    assert_null(t);
    free(k), free(s);
    assert_int_equal(stor_s3_ini_profile(text, "prod", &k, &s, &t), 0);
    assert_string_equal(k, "AK2");
    assert_string_equal(s, "S/K+2=");
    assert_string_equal(t, "TOK");
    free(k), free(s), free(t);
    assert_int_equal(stor_s3_ini_profile(text, "nope", &k, &s, &t), -1);
    assert_null(k);
}

/* S3 XML error documents and entity decoding. */
static void test_xml(void **state)
{
    (void)state;
    const char *body =
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>SignatureDoesNotMatch"
        "</Code><Message>The request signature we calculated does not match &amp; "
        "&lt;x&gt; &#39;y&#39;</Message></Error>";
    char *code, *msg;
    stor_s3_xml_error(body, &code, &msg);
    assert_string_equal(code, "SignatureDoesNotMatch");
    assert_string_equal(msg, "The request signature we calculated does not match & <x> 'y'");
    free(code), free(msg);
    stor_s3_xml_error("<html>bad gateway</html>", &code, &msg);
    assert_null(code);
    assert_null(msg);
    size_t pos = 0;
    const char *list = "<Contents><Key>a</Key></Contents><Contents><Key>b&amp;c</Key></Contents>";
    char *k1 = stor_s3_xml_next(list, "Key", &pos);
    char *k2 = stor_s3_xml_next(list, "Key", &pos);
    assert_string_equal(k1, "a");
    assert_string_equal(k2, "b&c");
    assert_null(stor_s3_xml_next(list, "Key", &pos));
    free(k1), free(k2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sha256_vectors),
        cmocka_unit_test(test_hmac_rfc4231),
        cmocka_unit_test(test_uri_encode),
        cmocka_unit_test(test_sigv4_suite),
        cmocka_unit_test(test_sigv4_s3_examples),
        cmocka_unit_test(test_sigv4_query_and_tamper),
        cmocka_unit_test(test_amz_date),
        cmocka_unit_test(test_ini_profile),
        cmocka_unit_test(test_xml),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
