/* cmd_dest_config.c - the config of `weaver destination`: its SPEC (destination-s3's fields -
 * s3_bucket_name, s3_bucket_path, s3_bucket_region, s3_endpoint, access_key_id,
 * secret_access_key, s3_path_format, file_name_pattern, format {format_type: Parquet,
 * compression_codec, block_size_mb, page_size_kb, dictionary_page_size_kb,
 * dictionary_encoding, max_padding_size_mb} - plus weaver's destination_path and flatten),
 * validation of a config against it, and the translation of destination-s3's path and file
 * name patterns into a zone path template. Caller's thread. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "base/fs.h"
#include "base/mem.h"
#include "core/cmd_dest_int.h"

/* destination-s3's default s3_path_format (used when only file_name_pattern is given). */
#define S3_DEFAULT_PATH_FORMAT "${NAMESPACE}/${STREAM_NAME}/${YEAR}_${MONTH}_${DAY}_${EPOCH}_"

static const char spec_text[] =
    "{\"supportsIncremental\":true,\"supportsNormalization\":false,\"supportsDBT\":false,"
    "\"supported_destination_sync_modes\":[\"overwrite\",\"append\"],"
    "\"connectionSpecification\":{"
    "\"$schema\":\"http://json-schema.org/draft-07/schema#\","
    "\"title\":\"weaver Parquet raw zone (S3 or local directory)\",\"type\":\"object\","
    "\"required\":[\"format\"],"
    "\"anyOf\":[{\"required\":[\"s3_bucket_name\"]},{\"required\":[\"destination_path\"]}],"
    "\"properties\":{"
    "\"access_key_id\":{\"type\":\"string\",\"title\":\"S3 Key ID\",\"airbyte_secret\":true,"
    "\"description\":\"The access key ID. Without it, credentials come from the AWS "
    "environment (AWS_ACCESS_KEY_ID ...) or the shared credentials file.\",\"order\":0},"
    "\"secret_access_key\":{\"type\":\"string\",\"title\":\"S3 Access Key\","
    "\"airbyte_secret\":true,\"description\":\"The secret of the access key ID.\","
    "\"order\":1},"
    "\"s3_bucket_name\":{\"type\":\"string\",\"title\":\"S3 Bucket Name\","
    "\"description\":\"The bucket to write to.\",\"examples\":[\"airbyte_sync\"],\"order\":2},"
    "\"s3_bucket_path\":{\"type\":\"string\",\"title\":\"S3 Bucket Path\","
    "\"description\":\"Key prefix under the bucket.\",\"examples\":[\"data_sync/test\"],"
    "\"order\":3},"
    "\"s3_bucket_region\":{\"type\":\"string\",\"title\":\"S3 Bucket Region\",\"default\":\"\","
    "\"description\":\"The bucket's region (empty: AWS_REGION, else us-east-1).\","
    "\"examples\":[\"us-east-1\"],\"order\":4},"
    "\"format\":{\"type\":\"object\",\"title\":\"Output Format\",\"order\":5,"
    "\"oneOf\":[{\"title\":\"Parquet: Columnar Storage\",\"required\":[\"format_type\"],"
    "\"properties\":{"
    "\"format_type\":{\"type\":\"string\",\"enum\":[\"Parquet\"],\"default\":\"Parquet\"},"
    "\"compression_codec\":{\"type\":\"string\",\"title\":\"Compression Codec\","
    "\"enum\":[\"UNCOMPRESSED\",\"SNAPPY\",\"GZIP\",\"ZSTD\"],\"default\":\"UNCOMPRESSED\"},"
    "\"block_size_mb\":{\"type\":\"integer\",\"title\":\"Block Size (Row Group Size) (MB)\","
    "\"description\":\"Uncompressed bytes buffered per row group.\",\"default\":128},"
    "\"max_padding_size_mb\":{\"type\":\"integer\",\"title\":\"Max Padding Size (MB)\","
    "\"description\":\"Accepted for compatibility; weaver does not pad row groups.\","
    "\"default\":8},"
    "\"page_size_kb\":{\"type\":\"integer\",\"title\":\"Page Size (KB)\",\"default\":1024},"
    "\"dictionary_page_size_kb\":{\"type\":\"integer\",\"title\":\"Dictionary Page Size "
    "(KB)\",\"default\":1024},"
    "\"dictionary_encoding\":{\"type\":\"boolean\",\"title\":\"Dictionary Encoding\","
    "\"default\":true}}}]},"
    "\"s3_endpoint\":{\"type\":\"string\",\"title\":\"Endpoint\",\"default\":\"\","
    "\"description\":\"An S3-compatible endpoint (path-style URLs); empty for AWS.\","
    "\"examples\":[\"http://localhost:9000\"],\"order\":6},"
    "\"s3_path_format\":{\"type\":\"string\",\"title\":\"S3 Path Format\","
    "\"description\":\"How objects are laid out: ${NAMESPACE} ${STREAM_NAME} ${YEAR} ${MONTH} "
    "${DAY} ${HOUR} ${EPOCH} (seconds). Empty: weaver's layout "
    "{namespace}/{stream}/dt={date}/{run_id}-{part}.parquet.\","
    "\"examples\":[\"${NAMESPACE}/${STREAM_NAME}/${YEAR}_${MONTH}_${DAY}_${EPOCH}_\"],"
    "\"order\":7},"
    "\"file_name_pattern\":{\"type\":\"string\",\"title\":\"File Name Pattern\","
    "\"description\":\"{date}, {date:yyyy_MM}, {timestamp}, {part_number}, {sync_id}, "
    "{format_extension}; {part_number}, .parquet and (without {sync_id}) the run id are "
    "added when missing.\","
    "\"examples\":[\"{date}_{part_number}{format_extension}\"],\"order\":8},"
    "\"destination_path\":{\"type\":\"string\",\"title\":\"Local Directory\","
    "\"description\":\"Write the raw zone to this local directory instead of S3.\","
    "\"examples\":[\"/data/raw\"],\"order\":9},"
    "\"flatten\":{\"type\":\"boolean\",\"title\":\"Flatten\",\"default\":false,"
    "\"description\":\"Nested objects become parent_child columns; arrays stay JSON.\","
    "\"order\":10}}}}";

/* The SPEC payload. */
struct wv_json *core_dest_spec(void)
{
    struct wv_error err;
    wv_error_clear(&err);
    return wv_json_parse(spec_text, sizeof spec_text - 1, "destination spec", &err);
}

/* Frees a config. */
void core_dest_config_done(struct core_dest_config *c)
{
    free(c->dir);
    free(c->bucket);
    free(c->prefix);
    free(c->endpoint);
    free(c->region);
    free(c->access_key_id);
    free(c->secret_access_key);
    free(c->path_template);
    memset(c, 0, sizeof *c);
}

/* An optional string member: *out is NULL when missing, null or "" (never echoed: may be a
 * secret). */
static int opt_string(const struct wv_json *obj, const char *key, const char *origin, char **out,
                      struct wv_error *err)
{
    const struct wv_json *v = wv_json_get(obj, key);
    *out = NULL;
    if (!v || v->type == WV_JSON_NULL)
        return 0;
    if (v->type != WV_JSON_STRING)
        return wv_error_set(err, WV_E_CONFIG, 0, "%s:%u:%u: '%s' must be a string", origin, v->line,
                            v->col, key);
    if (v->slen)
        *out = wv_strndup(v->s, v->slen);
    return 0;
}

/* An optional positive integer member scaled by unit bytes into *out (left as is if missing). */
static int opt_size(const struct wv_json *obj, const char *key, const char *origin, int64_t unit,
                    int64_t *out, struct wv_error *err)
{
    const struct wv_json *v = wv_json_get(obj, key);
    int64_t n;
    if (!v || v->type == WV_JSON_NULL)
        return 0;
    if (wv_json_as_i64(v, &n) < 0 || n < 1 || n > ((int64_t)1 << 40) / unit)
        return wv_error_set(err, WV_E_CONFIG, 0, "%s:%u:%u: '%s' must be a positive integer",
                            origin, v->line, v->col, key);
    *out = n * unit;
    return 0;
}

/* Checks that obj has only allowed keys; unsupported destination-s3 fields get a reason. */
static int check_keys(const struct wv_json *obj, const char *origin, const char *const *allowed,
                      struct wv_error *err)
{
    static const char *const unsupported[][2] = {
        {"role_arn", "STS assume-role is not supported: give access keys or use the AWS "
                     "environment / credentials file"},
        {"flattening", "is a CSV option; weaver writes Parquet (see 'flatten')"},
        {"compression", "is a CSV/JSONL option; use format.compression_codec"}};
    for (size_t i = 0; i < obj->len; i++) {
        bool ok = false;
        for (const char *const *a = allowed; *a && !ok; a++)
            ok = strcmp(*a, obj->keys[i]) == 0;
        if (ok)
            continue;
        const struct wv_json *v = obj->items[i];
        for (size_t k = 0; k < sizeof unsupported / sizeof unsupported[0]; k++)
            if (strcmp(unsupported[k][0], obj->keys[i]) == 0)
                return wv_error_set(err, WV_E_CONFIG, 0, "%s:%u:%u: '%s': %s", origin, v->line,
                                    v->col, obj->keys[i], unsupported[k][1]);
        return wv_error_set(err, WV_E_CONFIG, 0, "%s:%u:%u: unknown field '%.80s'", origin, v->line,
                            v->col, obj->keys[i]);
    }
    return 0;
}

/* The `format` object: Parquet only; codec and sizes into o. */
static int parse_format(const struct wv_json *f, const char *origin, struct stor_pq_options *o,
                        struct wv_error *err)
{
    static const char *const keys[] = {
        "format_type",  "compression_codec",       "block_size_mb",       "max_padding_size_mb",
        "page_size_kb", "dictionary_page_size_kb", "dictionary_encoding", NULL};
    if (!f || f->type != WV_JSON_OBJECT)
        return wv_error_set(err, WV_E_CONFIG, 0,
                            "%s: 'format' must be an object like {\"format_type\": \"Parquet\"}",
                            origin);
    const char *type = wv_json_get_str(f, "format_type");
    if (!type || strcasecmp(type, "Parquet") != 0)
        return wv_error_set(err, WV_E_CONFIG, 0,
                            "%s:%u:%u: format.format_type must be \"Parquet\" (weaver writes "
                            "Parquet only; got %s%.20s%s)",
                            origin, f->line, f->col, type ? "\"" : "", type ? type : "none",
                            type ? "\"" : "");
    if (check_keys(f, origin, keys, err) < 0)
        return wv_error_prefix(err, "format");
    const struct wv_json *codec = wv_json_get(f, "compression_codec");
    o->codec = STOR_PQ_UNCOMPRESSED; /* destination-s3's default */
    if (codec && codec->type != WV_JSON_NULL) {
        static const char *const other[] = {"LZO", "BROTLI", "LZ4", "LZ4_RAW", NULL};
        const char *c = codec->type == WV_JSON_STRING ? codec->s : "";
        bool is_other = false;
        for (const char *const *p = other; *p; p++)
            is_other = is_other || strcasecmp(*p, c) == 0;
        if (is_other)
            return wv_error_set(err, WV_E_CONFIG, 0,
                                "%s:%u:%u: compression_codec %s is not supported by weaver's "
                                "Parquet writer (use UNCOMPRESSED, SNAPPY, GZIP or ZSTD)",
                                origin, codec->line, codec->col, c);
        char lower[16] = "";
        for (size_t i = 0; c[i] && i + 1 < sizeof lower; i++)
            lower[i] = (char)tolower((unsigned char)c[i]);
        if (strlen(c) >= sizeof lower || stor_pq_codec_parse(lower, &o->codec) < 0)
            return wv_error_set(err, WV_E_CONFIG, 0,
                                "%s:%u:%u: unknown compression_codec \"%.20s\" (UNCOMPRESSED, "
                                "SNAPPY, GZIP or ZSTD)",
                                origin, codec->line, codec->col, c);
    }
    bool dict = true;
    int64_t ignored = 0;
    if (opt_size(f, "block_size_mb", origin, 1 << 20, &o->row_group_bytes, err) < 0 ||
        opt_size(f, "page_size_kb", origin, 1 << 10, &o->page_bytes, err) < 0 ||
        opt_size(f, "dictionary_page_size_kb", origin, 1 << 10, &o->dictionary_bytes, err) < 0 ||
        opt_size(f, "max_padding_size_mb", origin, 1 << 20, &ignored, err) < 0)
        return wv_error_prefix(err, "format");
    if (wv_json_get_bool(f, "dictionary_encoding", true, &dict) < 0)
        return wv_error_set(err, WV_E_CONFIG, 0,
                            "%s: format.dictionary_encoding must be a "
                            "boolean",
                            origin);
    o->no_dictionary = !dict;
    return 0;
}

/* Strips slashes at both ends of an S3 prefix (in place). */
static void trim_slashes(char *s)
{
    size_t start = strspn(s, "/"), len = strlen(s + start);
    memmove(s, s + start, len + 1);
    while (len && s[len - 1] == '/')
        s[--len] = '\0';
}

/* Where the zone goes: destination_path, or the S3 bucket and prefix. */
static int parse_location(const struct wv_json *cfg, const char *origin, struct core_dest_config *c,
                          struct wv_error *err)
{
    char *path = NULL;
    if (opt_string(cfg, "destination_path", origin, &path, err) < 0 ||
        opt_string(cfg, "s3_bucket_name", origin, &c->bucket, err) < 0 ||
        opt_string(cfg, "s3_bucket_path", origin, &c->prefix, err) < 0 ||
        opt_string(cfg, "s3_bucket_region", origin, &c->region, err) < 0 ||
        opt_string(cfg, "s3_endpoint", origin, &c->endpoint, err) < 0 ||
        opt_string(cfg, "access_key_id", origin, &c->access_key_id, err) < 0 ||
        opt_string(cfg, "secret_access_key", origin, &c->secret_access_key, err) < 0) {
        free(path);
        return -1;
    }
    if (path && c->bucket) {
        free(path);
        return wv_error_set(err, WV_E_CONFIG, 0,
                            "%s: give either destination_path (a local directory) or "
                            "s3_bucket_name, not both",
                            origin);
    }
    if (!path && !c->bucket)
        return wv_error_set(err, WV_E_CONFIG, 0,
                            "%s: s3_bucket_name (or destination_path for a local directory) "
                            "is required",
                            origin);
    if (!c->prefix)
        c->prefix = wv_strdup("");
    trim_slashes(c->prefix);
    if (strstr(c->prefix, "//") || strstr(c->prefix, ".."))
        return wv_error_set(err, WV_E_CONFIG, 0, "%s: s3_bucket_path must not contain '//' or '..'",
                            origin);
    if (c->bucket && (strlen(c->bucket) < 3 || strlen(c->bucket) > 63 || strchr(c->bucket, '/') ||
                      strchr(c->bucket, ' ')))
        return wv_error_set(err, WV_E_CONFIG, 0,
                            "%s: s3_bucket_name must be a bucket name (3-63 characters, no '/')",
                            origin);
    if ((c->access_key_id != NULL) != (c->secret_access_key != NULL))
        return wv_error_set(err, WV_E_CONFIG, 0,
                            "%s: give both access_key_id and secret_access_key, or neither "
                            "(then the AWS environment or credentials file is used)",
                            origin);
    if (path) {
        if (path[0] == '/') {
            c->dir = path;
        } else {
            char *cwd = getcwd(NULL, 0);
            c->dir = wv_path_join(cwd ? cwd : ".", path);
            free(cwd);
            free(path);
        }
    }
    return 0;
}

/* Reads a config. */
int core_dest_config_parse(const struct wv_json *cfg, const char *origin,
                           struct core_dest_config *c, struct wv_error *err)
{
    static const char *const keys[] = {"access_key_id",    "secret_access_key", "s3_bucket_name",
                                       "s3_bucket_path",   "s3_bucket_region",  "format",
                                       "s3_endpoint",      "s3_path_format",    "file_name_pattern",
                                       "destination_path", "flatten",           NULL};
    memset(c, 0, sizeof *c);
    if (!cfg || cfg->type != WV_JSON_OBJECT)
        return wv_error_set(err, WV_E_CONFIG, 0, "%s: config must be a JSON object", origin);
    if (check_keys(cfg, origin, keys, err) < 0 || parse_location(cfg, origin, c, err) < 0 ||
        parse_format(wv_json_get(cfg, "format"), origin, &c->zone.pq, err) < 0)
        return -1;
    if (wv_json_get_bool(cfg, "flatten", false, &c->zone.flatten) < 0)
        return wv_error_set(err, WV_E_CONFIG, 0, "%s: 'flatten' must be a boolean", origin);
    char *pf = NULL, *fp = NULL;
    int rc = opt_string(cfg, "s3_path_format", origin, &pf, err) < 0 ||
                     opt_string(cfg, "file_name_pattern", origin, &fp, err) < 0 ||
                     core_dest_template(pf, fp, &c->path_template, err) < 0
                 ? wv_error_prefix(err, "%s", origin)
                 : 0;
    free(pf);
    free(fp);
    c->zone.path_template = c->path_template;
    return rc;
}

/* The storage target. */
void core_dest_config_target(const struct core_dest_config *c, struct stor_target *t)
{
    memset(t, 0, sizeof *t);
    if (c->dir) {
        t->dir = c->dir;
        return;
    }
    t->bucket = c->bucket;
    t->prefix = c->prefix ? c->prefix : "";
    t->s3.endpoint = c->endpoint;
    t->s3.region = c->region;
    t->s3.access_key_id = c->access_key_id;
    t->s3.secret_access_key = c->secret_access_key;
}

/* Hides a secret inside a message. */
void core_dest_scrub(char *msg, size_t size, const char *secret)
{
    size_t n = secret ? strlen(secret) : 0;
    if (!n || !size || !strstr(msg, secret))
        return;
    char *out = wv_malloc(size);
    size_t o = 0;
    for (const char *p = msg; *p && o + 1 < size;) {
        if (strncmp(p, secret, n) == 0) {
            for (int k = 0; k < 3 && o + 1 < size; k++)
                out[o++] = '*';
            p += n;
        } else {
            out[o++] = *p++;
        }
    }
    out[o] = '\0';
    memcpy(msg, out, o + 1);
    free(out);
}

/* ${NAME} of s3_path_format -> weaver variable. */
static int path_var(const char *name, size_t len, struct wv_buf *b, struct wv_error *err)
{
    static const char *const map[][2] = {{"NAMESPACE", "{namespace}"},
                                         {"STREAM_NAME", "{stream}"},
                                         {"YEAR", "{year}"},
                                         {"MONTH", "{month}"},
                                         {"DAY", "{day}"},
                                         {"HOUR", "{hour}"},
                                         {"EPOCH", "{epoch}"}};
    static const char *const missing[] = {"MINUTE", "SECOND", "MILLISECOND", "UUID", NULL};
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (strlen(map[i][0]) == len && strncmp(map[i][0], name, len) == 0)
            return wv_buf_puts(b, map[i][1], err);
    for (const char *const *m = missing; *m; m++)
        if (strlen(*m) == len && strncmp(*m, name, len) == 0)
            return wv_error_set(err, WV_E_CONFIG, 0,
                                "s3_path_format: ${%s} has no weaver equivalent (weaver's "
                                "variables: ${NAMESPACE} ${STREAM_NAME} ${YEAR} ${MONTH} ${DAY} "
                                "${HOUR} ${EPOCH})",
                                *m);
    return wv_error_set(err, WV_E_CONFIG, 0, "s3_path_format: unknown variable ${%.*s}",
                        (int)(len > 40 ? 40 : len), name);
}

/* s3_path_format -> template text (slashes collapsed, no leading slash). */
static int translate_path(const char *pf, struct wv_buf *b, struct wv_error *err)
{
    for (const char *p = pf; *p;) {
        if (p[0] == '$' && p[1] == '{') {
            const char *end = strchr(p + 2, '}');
            if (!end)
                return wv_error_set(err, WV_E_CONFIG, 0, "s3_path_format: '${' without '}'");
            if (path_var(p + 2, (size_t)(end - p - 2), b, err) < 0)
                return -1;
            p = end + 1;
            continue;
        }
        if (*p == '{' || *p == '}')
            return wv_error_set(err, WV_E_CONFIG, 0,
                                "s3_path_format: '%c' is only allowed in ${VARIABLE}", *p);
        if (*p == '/' && (b->len == 0 || b->data[b->len - 1] == '/')) {
            p++;
            continue;
        }
        if (wv_buf_putc(b, *p++, err) < 0)
            return -1;
    }
    return 0;
}

/* {date:FMT}'s Java date pattern (yyyy MM dd HH and punctuation) -> weaver variables. */
static int date_format(const char *f, size_t len, struct wv_buf *b, struct wv_error *err)
{
    static const char *const map[][2] = {
        {"yyyy", "{year}"}, {"MM", "{month}"}, {"dd", "{day}"}, {"HH", "{hour}"}};
    for (size_t i = 0; i < len;) {
        bool hit = false;
        for (size_t k = 0; k < sizeof map / sizeof map[0] && !hit; k++) {
            size_t n = strlen(map[k][0]);
            if (i + n <= len && strncmp(f + i, map[k][0], n) == 0) {
                if (wv_buf_puts(b, map[k][1], err) < 0)
                    return -1;
                i += n;
                hit = true;
            }
        }
        if (hit)
            continue;
        if (isalpha((unsigned char)f[i]) || f[i] == '\'' || f[i] == '/')
            return wv_error_set(err, WV_E_CONFIG, 0,
                                "file_name_pattern: {date:%.*s}: only yyyy, MM, dd and HH "
                                "(with punctuation between) are supported",
                                (int)(len > 40 ? 40 : len), f);
        if (wv_buf_putc(b, f[i++], err) < 0)
            return -1;
    }
    return 0;
}

/* One {placeholder} of file_name_pattern -> weaver text. */
static int name_var(const char *name, size_t len, struct wv_buf *b, struct wv_error *err)
{
#define IS(s) (len == strlen(s) && strncmp(name, s, len) == 0)
    if (IS("date"))
        return wv_buf_puts(b, "{year}_{month}_{day}", err);
    if (len > 5 && strncmp(name, "date:", 5) == 0)
        return date_format(name + 5, len - 5, b, err);
    if (IS("timestamp") || IS("timestamp:millis") || IS("timestamp:micro") ||
        IS("timestamp:micros"))
        return wv_buf_puts(b, "{epoch}", err);
    if (IS("part_number"))
        return wv_buf_puts(b, "{part}", err);
    if (IS("sync_id"))
        return wv_buf_puts(b, "{sync_id}", err);
    if (IS("format_extension"))
        return wv_buf_puts(b, ".parquet", err);
#undef IS
    return wv_error_set(err, WV_E_CONFIG, 0,
                        "file_name_pattern: unknown placeholder {%.*s} (supported: {date}, "
                        "{date:yyyy_MM}, {timestamp}, {part_number}, {sync_id}, "
                        "{format_extension})",
                        (int)(len > 40 ? 40 : len), name);
}

/* file_name_pattern -> template text (trimmed, inner spaces -> '_', as destination-s3 does). */
static int translate_name(const char *fp, struct wv_buf *b, struct wv_error *err)
{
    size_t len = strlen(fp);
    while (*fp == ' ')
        fp++, len--;
    while (len && fp[len - 1] == ' ')
        len--;
    for (size_t i = 0; i < len;) {
        if (fp[i] == '{') {
            const char *end = memchr(fp + i, '}', len - i);
            if (!end)
                return wv_error_set(err, WV_E_CONFIG, 0, "file_name_pattern: '{' without '}'");
            if (name_var(fp + i + 1, (size_t)(end - fp - i - 1), b, err) < 0)
                return -1;
            i = (size_t)(end - fp) + 1;
            continue;
        }
        if (fp[i] == '}')
            return wv_error_set(err, WV_E_CONFIG, 0, "file_name_pattern: '}' without '{'");
        if (wv_buf_putc(b, fp[i] == ' ' ? '_' : fp[i], err) < 0)
            return -1;
        i++;
    }
    return 0;
}

/* Whether a template has {stream} in a directory before any run-dependent one (the stream's
 * prefix - what overwrite clears - must be its own). */
static bool stream_dir_first(const char *t)
{
    static const char *const run[] = {"{date}",  "{year}",   "{month}",   "{day}",  "{hour}",
                                      "{epoch}", "{run_id}", "{sync_id}", "{part}", NULL};
    for (const char *p = t, *slash; (slash = strchr(p, '/')) != NULL; p = slash + 1) {
        char *seg = wv_strndup(p, (size_t)(slash - p));
        bool dep = false, stream = strstr(seg, "{stream}") != NULL;
        for (const char *const *r = run; *r; r++)
            dep = dep || strstr(seg, *r);
        free(seg);
        if (dep)
            return false;
        if (stream)
            return true;
    }
    return false;
}

/* Translates destination-s3's patterns into a zone template. */
int core_dest_template(const char *pf, const char *fp, char **out, struct wv_error *err)
{
    *out = NULL;
    bool has_pf = pf && *pf, has_fp = fp && *fp;
    if (!has_pf && !has_fp)
        return 0;
    struct wv_buf b = WV_BUF_INIT, name = WV_BUF_INIT;
    int rc = translate_path(has_pf ? pf : S3_DEFAULT_PATH_FORMAT, &b, err);
    if (rc == 0)
        rc = translate_name(has_fp ? fp : "{part_number}", &name, err);
    const char *n = wv_buf_cstr(&name);
    if (rc == 0 && !strstr(n, "{part}")) {
        /* weaver writes several files per stream: keep them apart */
        bool ext = wv_str_ends(n, ".parquet");
        char *with = wv_asprintf("%.*s%s{part}%s", (int)(name.len - (ext ? 8 : 0)), n,
                                 name.len > (ext ? 8u : 0u) ? "_" : "", ext ? ".parquet" : "");
        wv_buf_reset(&name);
        rc = wv_buf_puts(&name, with, err);
        free(with);
    }
    if (rc == 0 && !wv_str_ends(wv_buf_cstr(&name), ".parquet"))
        rc = wv_buf_puts(&name, ".parquet", err);
    if (rc == 0 && !strstr(wv_buf_cstr(&b), "{sync_id}") &&
        !strstr(wv_buf_cstr(&name), "{sync_id}")) {
        /* a sync must never replace an earlier sync's files: the run id names them ({epoch}
           has seconds only) */
        const char *n2 = wv_buf_cstr(&name), *part = strstr(n2, "{part}");
        char *with = wv_asprintf("%.*s{run_id}-%s", (int)(part - n2), n2, part);
        wv_buf_reset(&name);
        rc = wv_buf_puts(&name, with, err);
        free(with);
    }
    if (rc == 0)
        rc = wv_buf_append(&b, name.data, name.len, err);
    const char *t = rc == 0 ? wv_buf_cstr(&b) : "";
    if (rc == 0 && (t[0] == '\0' || t[0] == '/' || strstr(t, "..")))
        rc = wv_error_set(err, WV_E_CONFIG, 0,
                          "s3_path_format: the path must be relative and without '..'");
    if (rc == 0 && !stream_dir_first(t))
        rc = wv_error_set(err, WV_E_CONFIG, 0,
                          "s3_path_format: ${STREAM_NAME} must be a directory before any date, "
                          "time or ${EPOCH} (each stream needs a directory of its own: overwrite "
                          "replaces the files under it)");
    if (rc == 0)
        *out = wv_strdup(t);
    wv_buf_done(&b);
    wv_buf_done(&name);
    return rc;
}
