/* test_dest_config.c - `weaver destination`'s config: destination-s3 path formats and file name
 * patterns translated to zone templates (and refused with a clear error when weaver has no
 * equivalent), codec and size mapping, location rules, secret scrubbing; and the export
 * helpers' partition parsing and Snowflake names. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "core/cmd_dest_int.h"
#include "unit/testutil.h"

/* Translates and compares (want NULL: the default template). */
static void tmpl_ok(const char *pf, const char *fp, const char *want)
{
    struct wv_error err;
    wv_error_clear(&err);
    char *out = NULL;
    if (core_dest_template(pf, fp, &out, &err) < 0)
        fail_msg("(%s, %s): %s", pf ? pf : "NULL", fp ? fp : "NULL", err.msg);
    if (!want)
        assert_null(out);
    else
        assert_string_equal(out, want);
    free(out);
}

/* Expects a translation error containing what. */
static void tmpl_bad(const char *pf, const char *fp, const char *what)
{
    struct wv_error err;
    wv_error_clear(&err);
    char *out = NULL;
    assert_int_equal(core_dest_template(pf, fp, &out, &err), -1);
    assert_null(out);
    assert_int_equal(err.code, WV_E_CONFIG);
    if (!strstr(err.msg, what))
        fail_msg("error '%s' lacks '%s'", err.msg, what);
}

static void test_template_translation(void **state)
{
    (void)state;
    tmpl_ok(NULL, NULL, NULL);
    tmpl_ok("", "", NULL);
    /* destination-s3's default path format: the part id follows the trailing '_' */
    tmpl_ok("${NAMESPACE}/${STREAM_NAME}/${YEAR}_${MONTH}_${DAY}_${EPOCH}_", NULL,
            "{namespace}/{stream}/{year}_{month}_{day}_{epoch}_{run_id}-{part}.parquet");
    /* a file name pattern alone goes under destination-s3's default path format */
    tmpl_ok(NULL, "{date}_{part_number}{format_extension}",
            "{namespace}/{stream}/{year}_{month}_{day}_{epoch}_{year}_{month}_{day}_{run_id}-"
            "{part}.parquet");
    tmpl_ok("${STREAM_NAME}/", "{timestamp}", "{stream}/{epoch}_{run_id}-{part}.parquet");
    tmpl_ok("${STREAM_NAME}/", "{timestamp:millis}{format_extension}",
            "{stream}/{epoch}_{run_id}-{part}.parquet");
    tmpl_ok("${STREAM_NAME}/", "{sync_id}-{part_number}.parquet",
            "{stream}/{sync_id}-{part}.parquet");
    tmpl_ok("${STREAM_NAME}/${HOUR}/", " {date:yyyy-MM-dd} {timestamp} ",
            "{stream}/{hour}/{year}-{month}-{day}_{epoch}_{run_id}-{part}.parquet");
    /* slashes collapsed, no leading slash */
    tmpl_ok("//data//${STREAM_NAME}/${EPOCH}/", NULL,
            "data/{stream}/{epoch}/{run_id}-{part}.parquet");
    /* without {sync_id} the run id keeps each sync's files apart */
    tmpl_ok("${STREAM_NAME}/", NULL, "{stream}/{run_id}-{part}.parquet");
    tmpl_ok("${STREAM_NAME}/${EPOCH}/", "{format_extension}",
            "{stream}/{epoch}/{run_id}-{part}.parquet");
}

static void test_template_errors(void **state)
{
    (void)state;
    tmpl_bad("${STREAM_NAME}/${UUID}/", NULL, "${UUID} has no weaver equivalent");
    tmpl_bad("${STREAM_NAME}/${MINUTE}_${EPOCH}", NULL, "${MINUTE} has no weaver equivalent");
    tmpl_bad("${STREAM}/${EPOCH}", NULL, "unknown variable ${STREAM}");
    tmpl_bad("${STREAM_NAME/${EPOCH}", NULL, "unknown variable");
    tmpl_bad("${STREAM_NAME}/{x}", NULL, "only allowed in ${VARIABLE}");
    tmpl_bad("${STREAM_NAME}/", "{uuid}", "unknown placeholder {uuid}");
    tmpl_bad("${STREAM_NAME}/", "{date:yyyy'T'HH}-{sync_id}", "only yyyy, MM, dd and HH");
    tmpl_bad("${STREAM_NAME}/", "{date", "'{' without '}'");
    tmpl_bad("../${STREAM_NAME}/${EPOCH}/", NULL, "relative and without '..'");
    /* streams must not share a directory (overwrite clears the stream's) */
    tmpl_bad("${YEAR}/${STREAM_NAME}/", NULL, "${STREAM_NAME} must be a directory before");
    tmpl_bad("data/${STREAM_NAME}_${EPOCH}/", NULL, "${STREAM_NAME} must be a directory before");
    tmpl_bad("${NAMESPACE}/", "{timestamp}", "${STREAM_NAME} must be a directory before");
    tmpl_bad("${NAMESPACE}/${STREAM_NAME}", NULL, "${STREAM_NAME} must be a directory before");
}

/* Parses config text; returns the rc, err filled. */
static int parse(const char *text, struct core_dest_config *c, struct wv_error *err)
{
    struct wv_json *j = wv_test_json(text, "cfg.json");
    wv_error_clear(err);
    int rc = core_dest_config_parse(j, "cfg.json", c, err);
    wv_json_free(j);
    return rc;
}

static void test_config_s3(void **state)
{
    (void)state;
    struct core_dest_config c;
    struct wv_error err;
    assert_int_equal(parse("{\"s3_bucket_name\":\"lake\",\"s3_bucket_path\":\"/a/b/\","
                           "\"s3_bucket_region\":\"eu-west-1\",\"s3_endpoint\":\"\","
                           "\"access_key_id\":\"AK\",\"secret_access_key\":\"SK\","
                           "\"format\":{\"format_type\":\"Parquet\",\"compression_codec\":"
                           "\"snappy\",\"block_size_mb\":64,\"page_size_kb\":512,"
                           "\"dictionary_page_size_kb\":256,\"dictionary_encoding\":false,"
                           "\"max_padding_size_mb\":8},\"flatten\":true}",
                           &c, &err),
                     0);
    assert_null(c.dir);
    assert_string_equal(c.bucket, "lake");
    assert_string_equal(c.prefix, "a/b");
    assert_null(c.endpoint); /* "" = AWS */
    assert_int_equal(c.zone.pq.codec, STOR_PQ_SNAPPY);
    assert_int_equal(c.zone.pq.row_group_bytes, 64 << 20);
    assert_int_equal(c.zone.pq.page_bytes, 512 << 10);
    assert_int_equal(c.zone.pq.dictionary_bytes, 256 << 10);
    assert_true(c.zone.pq.no_dictionary);
    assert_true(c.zone.flatten);
    assert_null(c.zone.path_template);
    struct stor_target t;
    core_dest_config_target(&c, &t);
    assert_null(t.dir);
    assert_string_equal(t.bucket, "lake");
    assert_string_equal(t.prefix, "a/b");
    assert_string_equal(t.s3.region, "eu-west-1");
    assert_string_equal(t.s3.secret_access_key, "SK");
    core_dest_config_done(&c);

    /* defaults: UNCOMPRESSED (destination-s3's), dictionary on, local path made absolute */
    assert_int_equal(parse("{\"destination_path\":\"rel/dir\",\"format\":{\"format_type\":"
                           "\"Parquet\"},\"s3_path_format\":\"${STREAM_NAME}/${EPOCH}_\"}",
                           &c, &err),
                     0);
    assert_int_equal(c.zone.pq.codec, STOR_PQ_UNCOMPRESSED);
    assert_false(c.zone.pq.no_dictionary);
    assert_true(c.dir[0] == '/' && wv_str_ends(c.dir, "/rel/dir"));
    assert_string_equal(c.zone.path_template, "{stream}/{epoch}_{run_id}-{part}.parquet");
    core_dest_config_done(&c);
}

/* Expects a config error containing what (never the secret). */
static void config_bad(const char *text, const char *what)
{
    struct core_dest_config c;
    struct wv_error err;
    assert_int_equal(parse(text, &c, &err), -1);
    if (!strstr(err.msg, what))
        fail_msg("error '%s' lacks '%s'", err.msg, what);
    assert_null(strstr(err.msg, "TOPSECRET"));
    core_dest_config_done(&c);
}

static void test_config_errors(void **state)
{
    (void)state;
    const char *f = "\"format\":{\"format_type\":\"Parquet\"}";
    char buf[512];
    config_bad("[]", "must be a JSON object");
    snprintf(buf, sizeof buf, "{%s}", f);
    config_bad(buf, "s3_bucket_name (or destination_path");
    snprintf(buf, sizeof buf, "{\"s3_bucket_name\":\"lake\",\"destination_path\":\"/x\",%s}", f);
    config_bad(buf, "not both");
    config_bad("{\"s3_bucket_name\":\"lake\",\"format\":{\"format_type\":\"Avro\"}}",
               "must be \"Parquet\"");
    config_bad("{\"s3_bucket_name\":\"lake\",\"format\":{\"format_type\":\"Parquet\","
               "\"compression_codec\":\"BROTLI\"}}",
               "BROTLI is not supported by weaver's Parquet writer");
    config_bad("{\"s3_bucket_name\":\"lake\",\"format\":{\"format_type\":\"Parquet\","
               "\"compression_codec\":\"XZ\"}}",
               "unknown compression_codec \"XZ\"");
    config_bad("{\"s3_bucket_name\":\"lake\",\"format\":{\"format_type\":\"Parquet\","
               "\"block_size_mb\":0}}",
               "'block_size_mb' must be a positive integer");
    snprintf(buf, sizeof buf, "{\"s3_bucket_name\":\"lake\",\"role_arn\":\"x\",%s}", f);
    config_bad(buf, "STS assume-role is not supported");
    snprintf(buf, sizeof buf, "{\"s3_bucket_name\":\"lake\",\"colour\":\"x\",%s}", f);
    config_bad(buf, "unknown field 'colour'");
    snprintf(buf, sizeof buf,
             "{\"s3_bucket_name\":\"lake\",\"secret_access_key\":\"TOPSECRET\",%s}", f);
    config_bad(buf, "give both access_key_id and secret_access_key");
    snprintf(buf, sizeof buf,
             "{\"s3_bucket_name\":\"lake\",\"secret_access_key\":[\"TOPSECRET\"],%s}", f);
    config_bad(buf, "'secret_access_key' must be a string");
    snprintf(buf, sizeof buf, "{\"s3_bucket_name\":\"a/b\",%s}", f);
    config_bad(buf, "s3_bucket_name must be a bucket name");
    snprintf(buf, sizeof buf, "{\"s3_bucket_name\":\"lake\",\"s3_bucket_path\":\"a/../b\",%s}", f);
    config_bad(buf, "must not contain");
    snprintf(buf, sizeof buf, "{\"s3_bucket_name\":\"lake\",\"file_name_pattern\":\"{x}\",%s}", f);
    config_bad(buf, "cfg.json: file_name_pattern: unknown placeholder {x}");
}

static void test_scrub(void **state)
{
    (void)state;
    char msg[64] = "PUT failed: key=ab, sig ab ab!";
    core_dest_scrub(msg, sizeof msg, "ab");
    assert_string_equal(msg, "PUT failed: key=***, sig *** ***!");
    char small[12] = "xSECRETx";
    core_dest_scrub(small, sizeof small, "SECRET");
    assert_string_equal(small, "x***x");
    char none[16] = "nothing";
    core_dest_scrub(none, sizeof none, NULL);
    core_dest_scrub(none, sizeof none, "");
    assert_string_equal(none, "nothing");
}

static void test_export_helpers(void **state)
{
    (void)state;
    struct core_xpart p[CORE_XPART_MAX];
    /* the default template: dt={date} */
    assert_int_equal(core_export_partitions(NULL, p, CORE_XPART_MAX), 1);
    assert_string_equal(p[0].name, "dt");
    assert_string_equal(p[0].sf_type, "DATE");
    struct wv_buf b = WV_BUF_INIT;
    assert_int_equal(core_export_part_expr(&b, &p[0], NULL), 0);
    assert_string_equal(wv_buf_cstr(&b), "TRY_TO_DATE(SPLIT_PART(SPLIT_PART(METADATA$FILENAME, "
                                         "'/dt=', 2), '/', 1), 'YYYY-MM-DD')");
    wv_buf_done(&b);
    /* name= segments after the stream prefix only; unnamed ones are not partitions */
    assert_int_equal(core_export_partitions("src={connection}/{stream}/year={year}/{month}/"
                                            "hour={hour}/run={run_id}/{part}.parquet",
                                            p, CORE_XPART_MAX),
                     3);
    assert_string_equal(p[0].name, "year");
    assert_string_equal(p[0].sf_type, "NUMBER(38,0)");
    assert_string_equal(p[1].name, "hour");
    assert_string_equal(p[2].name, "run");
    assert_string_equal(p[2].sf_type, "VARCHAR");
    b = (struct wv_buf)WV_BUF_INIT;
    core_export_part_expr(&b, &p[0], NULL);
    assert_string_equal(wv_buf_cstr(&b),
                        "TRY_TO_NUMBER(SPLIT_PART(SPLIT_PART(METADATA$FILENAME, '/year=', 2), "
                        "'/', 1))");
    wv_buf_done(&b);
    /* a date assembled from its parts */
    assert_int_equal(core_export_partitions("{stream}/day={year}_{month}_{day}/h={hour}/"
                                            "{run_id}-{part}.parquet",
                                            p, CORE_XPART_MAX),
                     2);
    assert_string_equal(p[0].sf_type, "DATE");
    b = (struct wv_buf)WV_BUF_INIT;
    core_export_part_expr(&b, &p[0], NULL);
    assert_string_equal(wv_buf_cstr(&b), "TRY_TO_DATE(SPLIT_PART(SPLIT_PART(METADATA$FILENAME, "
                                         "'/day=', 2), '/', 1), 'YYYY_MM_DD')");
    wv_buf_done(&b);
    assert_string_equal(p[1].name, "h");
    /* year and month only: not a date, not one variable */
    assert_int_equal(core_export_partitions("{stream}/ym={year}-{month}/{run_id}-{part}.parquet", p,
                                            CORE_XPART_MAX),
                     0);
    assert_int_equal(
        core_export_partitions("{stream}/{year}_{month}_{epoch}_{part}.parquet", p, CORE_XPART_MAX),
        0);
    char name[64];
    assert_string_equal(core_export_object("raw-zone.eu", "STAGE", name, sizeof name),
                        "RAW_ZONE_EU_STAGE");
    assert_string_equal(core_export_object("9lake", "PARQUET", name, sizeof name),
                        "_9LAKE_PARQUET");
    assert_string_equal(core_export_sf_type(STOR_PQ_INT64), "NUMBER(38,0)");
    assert_string_equal(core_export_sf_type(STOR_PQ_TIMESTAMP), "TIMESTAMP_TZ");
    assert_string_equal(core_export_sf_type(STOR_PQ_JSON), "VARIANT");
    /* the spec parses and names the secrets */
    struct wv_json *spec = core_dest_spec();
    assert_non_null(spec);
    const struct wv_json *props =
        wv_json_get(wv_json_get(spec, "connectionSpecification"), "properties");
    bool secret = false;
    assert_int_equal(
        wv_json_get_bool(wv_json_get(props, "secret_access_key"), "airbyte_secret", false, &secret),
        0);
    assert_true(secret);
    wv_json_free(spec);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_template_translation),
        cmocka_unit_test(test_template_errors),
        cmocka_unit_test(test_config_s3),
        cmocka_unit_test(test_config_errors),
        cmocka_unit_test(test_scrub),
        cmocka_unit_test(test_export_helpers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
