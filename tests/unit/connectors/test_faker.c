/* test_faker.c - the builtin faker source: spec/check/discover shapes, records against their
 * schemas, determinism, counts, checkpoints, incremental versions, cancellation and sink errors.
 * Output is serialized with wv_msg_write and read back with cJSON (an independent parser). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>
#include <cmocka.h>

#include "unit/testutil.h"

#include "base/mem.h"
#include "connectors/connectors.h"

/* ---- fixtures ---- */

#define FAKE_NOW 1700000000123LL

/* A clock that always says FAKE_NOW. */
static int64_t fake_now(void *ctx)
{
    (void)ctx;
    return FAKE_NOW;
}

/* A monotonic clock that ticks per call. */
static int64_t fake_mono(void *ctx)
{
    static int64_t t;
    (void)ctx;
    return t += 1000;
}

static const struct wv_clock_ops fake_clock_ops = {fake_now, fake_mono};
static const struct wv_clock fake_clock = {&fake_clock_ops, NULL};

/* Collects each message as one wire line; can fail or cancel at the Nth record. */
struct tsink {
    char **lines;
    size_t n, cap;
    long records;
    long fail_at;       /* 1-based record number whose emit fails (0: never) */
    bool fail_silently; /* fail without setting err */
    long cancel_at;     /* set *cancel after this record (0: never) */
    volatile int *cancel;
};

/* Sink emit: serialize and keep. */
static int tsink_emit(void *ctx, const struct wv_msg *msg, struct wv_error *err)
{
    struct tsink *s = ctx;
    if (msg->type == WV_MSG_RECORD) {
        s->records++;
        if (s->fail_at && s->records == s->fail_at) {
            if (s->fail_silently)
                return -1;
            return wv_error_set(err, WV_E_IO, 0, "disk full at record %ld", s->records);
        }
    }
    struct wv_buf b = WV_BUF_INIT;
    if (wv_msg_write(&b, msg, err) < 0)
        return -1;
    assert_true(b.len > 0 && b.data[b.len - 1] == '\n');
    b.data[--b.len] = '\0';
    if (s->n == s->cap) {
        s->cap = s->cap ? s->cap * 2 : 64;
        s->lines = wv_realloc(s->lines, s->cap * sizeof *s->lines);
    }
    s->lines[s->n++] = wv_buf_steal(&b, NULL);
    if (s->cancel_at && s->records == s->cancel_at)
        *s->cancel = 1;
    return 0;
}

static const struct conn_sink_ops tsink_ops = {tsink_emit};

/* Frees the collected lines. */
static void tsink_done(struct tsink *s)
{
    for (size_t i = 0; i < s->n; i++)
        free(s->lines[i]);
    free(s->lines);
    memset(s, 0, sizeof *s);
}

/* A configured catalog of the given streams (NULL-terminated), all in one sync mode. */
static struct wv_cfg_catalog *tcat(enum wv_sync_mode mode, const char *const *names)
{
    struct wv_cfg_catalog *c = wv_calloc(1, sizeof *c);
    while (names[c->n])
        c->n++;
    c->streams = wv_calloc(c->n, sizeof *c->streams);
    for (size_t i = 0; i < c->n; i++) {
        c->streams[i].stream.name = wv_strdup(names[i]);
        c->streams[i].sync_mode = mode;
    }
    return c;
}

/* Frees a catalog made by tcat. */
static void tcat_free(struct wv_cfg_catalog *c)
{
    for (size_t i = 0; i < c->n; i++)
        free(c->streams[i].stream.name);
    free(c->streams);
    free(c);
}

static const char *const ALL[] = {"users", "products", "purchases", NULL};
static const char *const USERS[] = {"users", NULL};

/* Parses JSON text into a wv_json (test input). */
static struct wv_json *tjson(const char *text)
{
    return wv_test_json(text, "test");
}

/* wv_json -> cJSON, through text. */
static cJSON *to_cjson(const struct wv_json *j)
{
    char *s = wv_json_to_string(j);
    cJSON *c = cJSON_Parse(s);
    free(s);
    assert_non_null(c);
    return c;
}

/* Runs a read of the faker; returns its rc, output in *s (caller tsink_done). */
static int run(const char *config, enum wv_sync_mode mode, const char *const *streams,
               const struct wv_json *state, struct tsink *s, struct wv_error *err)
{
    struct conn_source *src = conn_faker_new();
    struct wv_json *cfg = tjson(config);
    struct wv_cfg_catalog *cat = tcat(mode, streams);
    struct conn_read_env env = {.clock = &fake_clock, .cancel = s->cancel};
    struct conn_sink sink = {&tsink_ops, s};
    wv_error_clear(err);
    int rc = src->ops->read(src->ctx, cfg, cat, state, &env, &sink, err);
    tcat_free(cat);
    wv_json_free(cfg);
    conn_source_free(src);
    return rc;
}

/* Line i parsed (caller cJSON_Delete). */
static cJSON *line(const struct tsink *s, size_t i)
{
    cJSON *c = cJSON_Parse(s->lines[i]);
    assert_non_null(c);
    return c;
}

/* A message's type string. */
static const char *mtype(const cJSON *m)
{
    return cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(m, "type"));
}

/* The stream a RECORD belongs to. */
static const char *rec_stream(const cJSON *m)
{
    return cJSON_GetStringValue(
        cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(m, "record"), "stream"));
}

/* The data of RECORD lines of one stream, as a cJSON array (caller deletes). */
static cJSON *records(const struct tsink *s, const char *stream)
{
    cJSON *arr = cJSON_CreateArray();
    for (size_t i = 0; i < s->n; i++) {
        cJSON *m = line(s, i);
        if (strcmp(mtype(m), "RECORD") == 0 && strcmp(rec_stream(m), stream) == 0)
            cJSON_AddItemToArray(
                arr, cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(
                                         cJSON_GetObjectItemCaseSensitive(m, "record"), "data"),
                                     1));
        cJSON_Delete(m);
    }
    return arr;
}

/* The stream_state objects of STATE lines of one stream, in order (caller deletes). */
static cJSON *states(const struct tsink *s, const char *stream)
{
    cJSON *arr = cJSON_CreateArray();
    for (size_t i = 0; i < s->n; i++) {
        cJSON *m = line(s, i);
        cJSON *st = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(m, "state"),
                                                     "stream");
        cJSON *desc = cJSON_GetObjectItemCaseSensitive(st, "stream_descriptor");
        if (strcmp(mtype(m), "STATE") == 0 &&
            strcmp(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(desc, "name")), stream) ==
                0)
            cJSON_AddItemToArray(
                arr, cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(st, "stream_state"), 1));
        cJSON_Delete(m);
    }
    return arr;
}

/* The input state file for a next run: the last STATE message of each stream. */
static struct wv_json *next_state(const struct tsink *s)
{
    cJSON *arr = cJSON_CreateArray();
    for (const char *const *st = ALL; *st; st++) {
        cJSON *last = NULL;
        for (size_t i = 0; i < s->n; i++) {
            cJSON *m = line(s, i);
            cJSON *ss = cJSON_GetObjectItemCaseSensitive(
                cJSON_GetObjectItemCaseSensitive(m, "state"), "stream");
            const char *name = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(
                cJSON_GetObjectItemCaseSensitive(ss, "stream_descriptor"), "name"));
            if (strcmp(mtype(m), "STATE") == 0 && name && strcmp(name, *st) == 0) {
                cJSON_Delete(last);
                last = cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(m, "state"), 1);
            }
            cJSON_Delete(m);
        }
        if (last)
            cJSON_AddItemToArray(arr, last);
    }
    char *text = cJSON_PrintUnformatted(arr);
    cJSON_Delete(arr);
    struct wv_json *j = tjson(text);
    free(text);
    return j;
}

/* An integer field of an object. */
static long long ival(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    assert_true(cJSON_IsNumber(v));
    return (long long)v->valuedouble;
}

/* A string field of an object. */
static const char *sval(const cJSON *o, const char *key)
{
    const char *v = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, key));
    assert_non_null(v);
    return v;
}

/* ---- spec / check / discover ---- */

/* spec: the documented options, their types and defaults. */
static void test_spec(void **state)
{
    (void)state;
    struct conn_source *src = conn_faker_new();
    struct wv_json *spec = NULL;
    struct wv_error err = {0};
    assert_int_equal(src->ops->spec(src->ctx, &spec, &err), 0);
    cJSON *c = to_cjson(spec);
    assert_string_equal(sval(c, "documentationUrl"),
                        "https://docs.airbyte.com/integrations/sources/faker");
    cJSON *cs = cJSON_GetObjectItemCaseSensitive(c, "connectionSpecification");
    assert_string_equal(sval(cs, "type"), "object");
    cJSON *p = cJSON_GetObjectItemCaseSensitive(cs, "properties");
    static const struct {
        const char *key, *type;
        long long dflt;
    } want[] = {{"count", "integer", 1000},
                {"seed", "integer", 0},
                {"records_per_slice", "integer", 1000},
                {"parallelism", "integer", 4},
                {"sleep_ms_per_slice", "integer", 0}};
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        cJSON *o = cJSON_GetObjectItemCaseSensitive(p, want[i].key);
        assert_non_null(o);
        assert_string_equal(sval(o, "type"), want[i].type);
        assert_int_equal(ival(o, "default"), want[i].dflt);
        assert_non_null(cJSON_GetObjectItemCaseSensitive(o, "description"));
    }
    assert_int_equal(ival(cJSON_GetObjectItemCaseSensitive(p, "count"), "minimum"), 1);
    assert_int_equal(ival(cJSON_GetObjectItemCaseSensitive(p, "records_per_slice"), "minimum"), 1);
    cJSON *au = cJSON_GetObjectItemCaseSensitive(p, "always_updated");
    assert_string_equal(sval(au, "type"), "boolean");
    assert_true(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(au, "default")));
    assert_non_null(
        strstr(sval(cJSON_GetObjectItemCaseSensitive(p, "sleep_ms_per_slice"), "description"),
               "(testing)"));
    cJSON_Delete(c);
    wv_json_free(spec);
    conn_source_free(src);
}

/* check: good configs pass, bad ones fail naming the field. */
static void test_check(void **state)
{
    (void)state;
    static const struct {
        const char *config;
        bool ok;
        const char *field;
    } cases[] = {
        {"{}", true, NULL},
        {"{\"count\":5,\"seed\":-1,\"records_per_slice\":1,\"always_updated\":false,"
         "\"parallelism\":8,\"sleep_ms_per_slice\":10,\"unknown_key\":[1,2]}",
         true, NULL},
        {"{\"count\":1000000000}", true, NULL},
        {"{\"count\":null}", true, NULL},
        {"{\"count\":0}", false, "count"},
        {"{\"count\":-5}", false, "count"},
        {"{\"count\":1000000001}", false, "count"},
        {"{\"count\":\"100\"}", false, "count"},
        {"{\"count\":2.5}", false, "count"},
        {"{\"seed\":\"x\"}", false, "seed"},
        {"{\"seed\":1.5}", false, "seed"},
        {"{\"records_per_slice\":0}", false, "records_per_slice"},
        {"{\"always_updated\":1}", false, "always_updated"},
        {"{\"always_updated\":\"true\"}", false, "always_updated"},
        {"{\"parallelism\":0}", false, "parallelism"},
        {"{\"sleep_ms_per_slice\":-1}", false, "sleep_ms_per_slice"},
        {"{\"sleep_ms_per_slice\":600000}", false, "sleep_ms_per_slice"},
        {"[]", false, "object"},
        {"42", false, "object"},
    };
    struct conn_source *src = conn_faker_new();
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct wv_json *cfg = tjson(cases[i].config);
        struct wv_error err = {0};
        bool ok = !cases[i].ok;
        char *msg = NULL;
        assert_int_equal(src->ops->check(src->ctx, cfg, &ok, &msg, &err), 0);
        if (ok != cases[i].ok)
            fail_msg("config %s: ok=%d (%s)", cases[i].config, ok, msg ? msg : "");
        if (!cases[i].ok) {
            assert_non_null(msg);
            if (!strstr(msg, cases[i].field))
                fail_msg("config %s: message '%s' does not name %s", cases[i].config, msg,
                         cases[i].field);
        }
        free(msg);
        wv_json_free(cfg);
    }
    /* no config at all: defaults */
    bool ok = false;
    char *msg = NULL;
    struct wv_error err = {0};
    assert_int_equal(src->ops->check(src->ctx, NULL, &ok, &msg, &err), 0);
    assert_true(ok);
    free(msg);
    conn_source_free(src);
}

/* Discovers the catalog as cJSON. */
static cJSON *discover(void)
{
    struct conn_source *src = conn_faker_new();
    struct wv_json *cat = NULL;
    struct wv_error err = {0};
    assert_int_equal(src->ops->discover(src->ctx, NULL, &cat, &err), 0);
    cJSON *c = to_cjson(cat);
    wv_json_free(cat);
    conn_source_free(src);
    return c;
}

/* Keys of an object, comma-joined, into buf. */
static const char *keys_of(const cJSON *o, char *buf, size_t n)
{
    buf[0] = '\0';
    const cJSON *it;
    cJSON_ArrayForEach(it, o)
    {
        if (buf[0])
            wv_strlcpy(buf + strlen(buf), ",", n - strlen(buf));
        wv_strlcpy(buf + strlen(buf), it->string, n - strlen(buf));
    }
    return buf;
}

/* discover: three streams with complete schemas and stream metadata. */
static void test_discover(void **state)
{
    (void)state;
    cJSON *c = discover();
    cJSON *streams = cJSON_GetObjectItemCaseSensitive(c, "streams");
    assert_int_equal(cJSON_GetArraySize(streams), 3);
    static const char *const names[] = {"users", "products", "purchases"};
    static const char *const props[] = {
        ("id,created_at,updated_at,name,title,age,email,telephone,gender,language,"
         "academic_degree,nationality,occupation,height,blood_type,weight,address"),
        "id,make,model,year,price,created_at,updated_at",
        "id,product_id,user_id,added_to_cart_at,purchased_at,returned_at,created_at,updated_at"};
    char buf[512];
    for (int i = 0; i < 3; i++) {
        cJSON *s = cJSON_GetArrayItem(streams, i);
        assert_string_equal(sval(s, "name"), names[i]);
        cJSON *schema = cJSON_GetObjectItemCaseSensitive(s, "json_schema");
        assert_string_equal(sval(schema, "type"), "object");
        cJSON *p = cJSON_GetObjectItemCaseSensitive(schema, "properties");
        assert_string_equal(keys_of(p, buf, sizeof buf), props[i]);
        cJSON *up = cJSON_GetObjectItemCaseSensitive(p, "updated_at");
        assert_string_equal(sval(up, "type"), "string");
        assert_string_equal(sval(up, "format"), "date-time");
        char *modes =
            cJSON_PrintUnformatted(cJSON_GetObjectItemCaseSensitive(s, "supported_sync_modes"));
        assert_string_equal(modes, "[\"full_refresh\",\"incremental\"]");
        free(modes);
        assert_true(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(s, "source_defined_cursor")));
        assert_true(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(s, "is_resumable")));
        char *cur =
            cJSON_PrintUnformatted(cJSON_GetObjectItemCaseSensitive(s, "default_cursor_field"));
        assert_string_equal(cur, "[\"updated_at\"]");
        free(cur);
        char *pk = cJSON_PrintUnformatted(
            cJSON_GetObjectItemCaseSensitive(s, "source_defined_primary_key"));
        assert_string_equal(pk, "[[\"id\"]]");
        free(pk);
    }
    cJSON *users = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(streams, 0), "json_schema"),
        "properties");
    cJSON *addr = cJSON_GetObjectItemCaseSensitive(users, "address");
    assert_string_equal(sval(addr, "type"), "object");
    assert_string_equal(
        keys_of(cJSON_GetObjectItemCaseSensitive(addr, "properties"), buf, sizeof buf),
        "street_number,street_name,city,state,province,postal_code,country_code");
    assert_string_equal(sval(cJSON_GetObjectItemCaseSensitive(users, "age"), "type"), "integer");
    cJSON *pp = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(streams, 1), "json_schema"),
        "properties");
    assert_string_equal(sval(cJSON_GetObjectItemCaseSensitive(pp, "price"), "type"), "number");
    cJSON *bp = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(streams, 2), "json_schema"),
        "properties");
    char *nt = cJSON_PrintUnformatted(cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(bp, "returned_at"), "type"));
    assert_string_equal(nt, "[\"null\",\"string\"]");
    free(nt);
    cJSON_Delete(c);
}

/* ---- records ---- */

/* Whether s looks like "YYYY-MM-DDTHH:MM:SS+00:00". */
static bool is_faker_time(const char *s)
{
    static const char pat[] = "dddd-dd-ddTdd:dd:dd+00:00";
    if (strlen(s) != sizeof pat - 1)
        return false;
    for (size_t i = 0; pat[i]; i++)
        if (pat[i] == 'd' ? (s[i] < '0' || s[i] > '9') : s[i] != pat[i])
            return false;
    return true;
}

/* Whether value v fits a property schema p (types as the faker uses them). */
static bool fits(const cJSON *v, const cJSON *p)
{
    const cJSON *t = cJSON_GetObjectItemCaseSensitive(p, "type");
    if (cJSON_IsArray(t)) {
        if (cJSON_IsNull(v))
            return true;
        t = cJSON_GetArrayItem(t, 1);
    }
    const char *type = cJSON_GetStringValue(t);
    if (strcmp(type, "integer") == 0)
        return cJSON_IsNumber(v) && v->valuedouble == (double)(long long)v->valuedouble;
    if (strcmp(type, "number") == 0)
        return cJSON_IsNumber(v);
    if (strcmp(type, "string") == 0) {
        if (!cJSON_IsString(v))
            return false;
        const cJSON *f = cJSON_GetObjectItemCaseSensitive(p, "format");
        return !f || is_faker_time(v->valuestring);
    }
    if (strcmp(type, "object") == 0) {
        const cJSON *props = cJSON_GetObjectItemCaseSensitive(p, "properties");
        if (!cJSON_IsObject(v) || cJSON_GetArraySize(v) != cJSON_GetArraySize(props))
            return false;
        const cJSON *it;
        cJSON_ArrayForEach(it, props)
        {
            if (!fits(cJSON_GetObjectItemCaseSensitive(v, it->string), it))
                return false;
        }
        return true;
    }
    return false;
}

/* Every record has exactly the schema's properties, with the declared types. */
static void test_records_match_schema(void **state)
{
    (void)state;
    struct tsink s = {0};
    struct wv_error err;
    assert_int_equal(run("{\"count\":300,\"seed\":3}", WV_SYNC_FULL_REFRESH, ALL, NULL, &s, &err),
                     0);
    cJSON *cat = discover();
    cJSON *st;
    int nulls = 0;
    cJSON_ArrayForEach(st, cJSON_GetObjectItemCaseSensitive(cat, "streams"))
    {
        cJSON *schema = cJSON_GetObjectItemCaseSensitive(st, "json_schema");
        cJSON *recs = records(&s, sval(st, "name"));
        assert_true(cJSON_GetArraySize(recs) > 0);
        cJSON *r;
        cJSON_ArrayForEach(r, recs)
        {
            if (!fits(r, schema)) {
                char *t = cJSON_PrintUnformatted(r);
                fail_msg("%s record does not fit its schema: %s", sval(st, "name"), t);
            }
            nulls += cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(r, "returned_at"));
        }
        cJSON_Delete(recs);
    }
    assert_true(nulls > 0); /* nullable fields do get nulls */
    cJSON_Delete(cat);
    tsink_done(&s);
}

/* Same config -> byte-identical output; the seed changes the data; slicing does not. */
static void test_determinism(void **state)
{
    (void)state;
    struct tsink a = {0}, b = {0}, c = {0}, d = {0};
    struct wv_error err;
    assert_int_equal(run("{\"count\":500,\"seed\":7}", WV_SYNC_FULL_REFRESH, ALL, NULL, &a, &err),
                     0);
    assert_int_equal(run("{\"count\":500,\"seed\":7}", WV_SYNC_FULL_REFRESH, ALL, NULL, &b, &err),
                     0);
    assert_int_equal(a.n, b.n);
    for (size_t i = 0; i < a.n; i++)
        assert_string_equal(a.lines[i], b.lines[i]);

    assert_int_equal(run("{\"count\":500,\"seed\":8}", WV_SYNC_FULL_REFRESH, USERS, NULL, &c, &err),
                     0);
    cJSON *ua = records(&a, "users"), *uc = records(&c, "users");
    int same = 0;
    for (int i = 0; i < 500; i++)
        same += cJSON_Compare(cJSON_GetArrayItem(ua, i), cJSON_GetArrayItem(uc, i), 1);
    assert_true(same < 5);

    assert_int_equal(run("{\"count\":500,\"seed\":7,\"records_per_slice\":3}", WV_SYNC_FULL_REFRESH,
                         USERS, NULL, &d, &err),
                     0);
    cJSON *ud = records(&d, "users");
    assert_true(cJSON_Compare(ua, ud, 1));
    cJSON_Delete(ua);
    cJSON_Delete(uc);
    cJSON_Delete(ud);
    tsink_done(&a);
    tsink_done(&b);
    tsink_done(&c);
    tsink_done(&d);
}

/* Finds the TRACE estimate of a stream; its row_estimate. */
static long long estimate_of(const struct tsink *s, const char *stream)
{
    long long rows = -1;
    for (size_t i = 0; i < s->n; i++) {
        cJSON *m = line(s, i);
        cJSON *t = cJSON_GetObjectItemCaseSensitive(m, "trace");
        cJSON *e = cJSON_GetObjectItemCaseSensitive(t, "estimate");
        if (e && strcmp(sval(e, "name"), stream) == 0)
            rows = ival(e, "row_estimate");
        cJSON_Delete(m);
    }
    return rows;
}

/* Ids run 1..n in order; products are capped at 100; purchases reference both. */
static void check_counts(long long count)
{
    char cfg[128];
    snprintf(cfg, sizeof cfg, "{\"count\":%lld}", count);
    struct tsink s = {0};
    struct wv_error err;
    assert_int_equal(run(cfg, WV_SYNC_FULL_REFRESH, ALL, NULL, &s, &err), 0);
    cJSON *u = records(&s, "users"), *p = records(&s, "products"), *b = records(&s, "purchases");
    long long np = count < 100 ? count : 100;
    assert_int_equal(cJSON_GetArraySize(u), count);
    assert_int_equal(cJSON_GetArraySize(p), np);
    for (int i = 0; i < cJSON_GetArraySize(u); i++)
        assert_int_equal(ival(cJSON_GetArrayItem(u, i), "id"), i + 1);
    for (int i = 0; i < cJSON_GetArraySize(p); i++)
        assert_int_equal(ival(cJSON_GetArrayItem(p, i), "id"), i + 1);
    int nb = cJSON_GetArraySize(b);
    assert_true(nb <= 3 * count); /* 0..3 per user */
    if (count >= 40)
        assert_true(nb > count && nb < count * 3 / 2); /* mean 1.25 */
    long long last_user = 0;
    for (int i = 0; i < nb; i++) {
        cJSON *r = cJSON_GetArrayItem(b, i);
        assert_int_equal(ival(r, "id"), i + 1);
        long long uid = ival(r, "user_id"), pid = ival(r, "product_id");
        assert_true(uid >= last_user && uid >= 1 && uid <= count);
        assert_true(pid >= 1 && pid <= np);
        last_user = uid;
    }
    assert_int_equal(estimate_of(&s, "users"), count);
    assert_int_equal(estimate_of(&s, "products"), np);
    assert_int_equal(estimate_of(&s, "purchases"), nb);
    cJSON *bs = states(&s, "purchases");
    assert_int_equal(ival(cJSON_GetArrayItem(bs, cJSON_GetArraySize(bs) - 1), "id"), nb);
    cJSON_Delete(bs);
    cJSON_Delete(u);
    cJSON_Delete(p);
    cJSON_Delete(b);
    tsink_done(&s);
}

/* Counts per stream for small and larger counts. */
static void test_counts(void **state)
{
    (void)state;
    check_counts(1);
    check_counts(40);
    check_counts(250);
    check_counts(2500);
}

/* State after a first sync: last updated_at (T0 + id seconds), last id, version 0. */
static void test_state_contents(void **state)
{
    (void)state;
    struct tsink s = {0};
    struct wv_error err;
    assert_int_equal(run("{\"count\":250}", WV_SYNC_INCREMENTAL, ALL, NULL, &s, &err), 0);
    cJSON *st = states(&s, "users");
    assert_int_equal(cJSON_GetArraySize(st), 1);
    char *t = cJSON_PrintUnformatted(cJSON_GetArrayItem(st, 0));
    assert_string_equal(t,
                        "{\"updated_at\":\"2024-01-01T00:04:10+00:00\",\"id\":250,\"version\":0}");
    free(t);
    cJSON *u = records(&s, "users");
    assert_string_equal(sval(cJSON_GetArrayItem(u, 0), "updated_at"), "2024-01-01T00:00:01+00:00");
    cJSON *ps = states(&s, "products");
    assert_int_equal(ival(cJSON_GetArrayItem(ps, 0), "id"), 100);
    assert_string_equal(sval(cJSON_GetArrayItem(ps, 0), "updated_at"), "2024-01-01T00:01:40+00:00");
    cJSON_Delete(ps);
    cJSON_Delete(u);
    cJSON_Delete(st);
    tsink_done(&s);
}

/* Message order per stream: STARTED, estimate, LOG, RUNNING, records, STATE, COMPLETE, LOG. */
static void test_message_order(void **state)
{
    (void)state;
    struct tsink s = {0};
    struct wv_error err;
    assert_int_equal(run("{\"count\":3}", WV_SYNC_FULL_REFRESH, USERS, NULL, &s, &err), 0);
    static const char *const want[] = {"STARTED", "estimate", "LOG",   "RUNNING",  "RECORD",
                                       "RECORD",  "RECORD",   "STATE", "COMPLETE", "LOG"};
    assert_int_equal(s.n, sizeof want / sizeof want[0]);
    for (size_t i = 0; i < s.n; i++) {
        cJSON *m = line(&s, i);
        const char *got = mtype(m);
        cJSON *t = cJSON_GetObjectItemCaseSensitive(m, "trace");
        if (t) {
            cJSON *ss = cJSON_GetObjectItemCaseSensitive(t, "stream_status");
            got = ss ? sval(ss, "status") : sval(t, "type");
            if (ss)
                assert_string_equal(
                    sval(cJSON_GetObjectItemCaseSensitive(ss, "stream_descriptor"), "name"),
                    "users");
            assert_int_equal(ival(t, "emitted_at"), FAKE_NOW);
        }
        if (strcmp(want[i], "estimate") == 0)
            assert_string_equal(got, "ESTIMATE");
        else
            assert_string_equal(got, want[i]);
        if (strcmp(got, "RECORD") == 0)
            assert_int_equal(ival(cJSON_GetObjectItemCaseSensitive(m, "record"), "emitted_at"),
                             FAKE_NOW);
        if (strcmp(got, "LOG") == 0)
            assert_string_equal(sval(cJSON_GetObjectItemCaseSensitive(m, "log"), "level"), "INFO");
        cJSON_Delete(m);
    }
    tsink_done(&s);
}

/* Checkpoints every records_per_slice records, plus one at the end when records remain. */
static void test_slices(void **state)
{
    (void)state;
    static const struct {
        const char *cfg;
        int n;
        long long ids[4];
    } cases[] = {
        {"{\"count\":250,\"records_per_slice\":100}", 3, {100, 200, 250}},
        {"{\"count\":200,\"records_per_slice\":100}", 2, {100, 200}},
        {"{\"count\":7,\"records_per_slice\":1000}", 1, {7}},
        {"{\"count\":3,\"records_per_slice\":1}", 3, {1, 2, 3}},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        struct tsink s = {0};
        struct wv_error err;
        assert_int_equal(run(cases[c].cfg, WV_SYNC_INCREMENTAL, USERS, NULL, &s, &err), 0);
        cJSON *st = states(&s, "users");
        assert_int_equal(cJSON_GetArraySize(st), cases[c].n);
        for (int i = 0; i < cases[c].n; i++)
            assert_int_equal(ival(cJSON_GetArrayItem(st, i), "id"), cases[c].ids[i]);
        cJSON_Delete(st);
        /* each STATE follows exactly the record it names */
        long long last = 0;
        for (size_t i = 0; i < s.n; i++) {
            cJSON *m = line(&s, i);
            if (strcmp(mtype(m), "RECORD") == 0)
                last = ival(cJSON_GetObjectItemCaseSensitive(
                                cJSON_GetObjectItemCaseSensitive(m, "record"), "data"),
                            "id");
            if (strcmp(mtype(m), "STATE") == 0)
                assert_int_equal(
                    ival(cJSON_GetObjectItemCaseSensitive(
                             cJSON_GetObjectItemCaseSensitive(
                                 cJSON_GetObjectItemCaseSensitive(m, "state"), "stream"),
                             "stream_state"),
                         "id"),
                    last);
            cJSON_Delete(m);
        }
        tsink_done(&s);
    }
}

/* always_updated false: a second sync emits only what is new (101..150), as version-0 records. */
static void test_incremental_new_only(void **state)
{
    (void)state;
    struct tsink a = {0}, b = {0}, full = {0}, c = {0};
    struct wv_error err;
    assert_int_equal(
        run("{\"count\":100,\"always_updated\":false}", WV_SYNC_INCREMENTAL, ALL, NULL, &a, &err),
        0);
    struct wv_json *st1 = next_state(&a);
    assert_int_equal(
        run("{\"count\":150,\"always_updated\":false}", WV_SYNC_INCREMENTAL, ALL, st1, &b, &err),
        0);
    assert_int_equal(run("{\"count\":150}", WV_SYNC_FULL_REFRESH, ALL, NULL, &full, &err), 0);

    cJSON *u = records(&b, "users"), *uf = records(&full, "users");
    assert_int_equal(cJSON_GetArraySize(u), 50);
    for (int i = 0; i < 50; i++) {
        assert_int_equal(ival(cJSON_GetArrayItem(u, i), "id"), 101 + i);
        assert_true(cJSON_Compare(cJSON_GetArrayItem(u, i), cJSON_GetArrayItem(uf, 100 + i), 1));
    }
    cJSON *us = states(&b, "users");
    cJSON *last = cJSON_GetArrayItem(us, cJSON_GetArraySize(us) - 1);
    assert_int_equal(ival(last, "id"), 150);
    assert_int_equal(ival(last, "version"), 1);

    /* purchases: only those of the new users, continuing the id sequence */
    cJSON *pa = records(&a, "purchases"), *pb = records(&b, "purchases");
    cJSON *pf = records(&full, "purchases");
    int na = cJSON_GetArraySize(pa), nb = cJSON_GetArraySize(pb);
    assert_int_equal(na + nb, cJSON_GetArraySize(pf));
    for (int i = 0; i < nb; i++) {
        cJSON *r = cJSON_GetArrayItem(pb, i);
        assert_int_equal(ival(r, "id"), na + 1 + i);
        assert_true(ival(r, "user_id") > 100);
        assert_true(cJSON_Compare(r, cJSON_GetArrayItem(pf, na + i), 1));
    }
    /* products: all 100 already seen; state carried over with the next version */
    cJSON *pr = records(&b, "products");
    assert_int_equal(cJSON_GetArraySize(pr), 0);
    cJSON *ps = states(&b, "products");
    assert_int_equal(cJSON_GetArraySize(ps), 1);
    char *t = cJSON_PrintUnformatted(cJSON_GetArrayItem(ps, 0));
    assert_string_equal(t,
                        "{\"updated_at\":\"2024-01-01T00:01:40+00:00\",\"id\":100,\"version\":1}");
    free(t);

    /* a third sync with nothing new emits nothing and bumps the version */
    struct wv_json *st2 = next_state(&b);
    assert_int_equal(
        run("{\"count\":150,\"always_updated\":false}", WV_SYNC_INCREMENTAL, USERS, st2, &c, &err),
        0);
    cJSON *uc = records(&c, "users"), *sc = states(&c, "users");
    assert_int_equal(cJSON_GetArraySize(uc), 0);
    assert_int_equal(ival(cJSON_GetArrayItem(sc, 0), "id"), 150);
    assert_int_equal(ival(cJSON_GetArrayItem(sc, 0), "version"), 2);

    cJSON_Delete(uc);
    cJSON_Delete(sc);
    cJSON_Delete(pr);
    cJSON_Delete(ps);
    cJSON_Delete(pa);
    cJSON_Delete(pb);
    cJSON_Delete(pf);
    cJSON_Delete(us);
    cJSON_Delete(u);
    cJSON_Delete(uf);
    wv_json_free(st1);
    wv_json_free(st2);
    tsink_done(&a);
    tsink_done(&b);
    tsink_done(&c);
    tsink_done(&full);
}

/* always_updated true: every record again as version 1, all newer than anything before. */
static void test_incremental_always_updated(void **state)
{
    (void)state;
    struct tsink a = {0}, b = {0};
    struct wv_error err;
    assert_int_equal(run("{\"count\":100}", WV_SYNC_INCREMENTAL, ALL, NULL, &a, &err), 0);
    struct wv_json *st = next_state(&a);
    assert_int_equal(run("{\"count\":100}", WV_SYNC_INCREMENTAL, ALL, st, &b, &err), 0);
    for (const char *const *name = ALL; *name; name++) {
        cJSON *ra = records(&a, *name), *rb = records(&b, *name);
        int n = cJSON_GetArraySize(ra);
        assert_int_equal(cJSON_GetArraySize(rb), n);
        const char *max_a = "";
        for (int i = 0; i < n; i++)
            if (strcmp(sval(cJSON_GetArrayItem(ra, i), "updated_at"), max_a) > 0)
                max_a = sval(cJSON_GetArrayItem(ra, i), "updated_at");
        int changed = 0;
        for (int i = 0; i < n; i++) {
            cJSON *x = cJSON_GetArrayItem(ra, i), *y = cJSON_GetArrayItem(rb, i);
            assert_int_equal(ival(x, "id"), ival(y, "id"));
            assert_true(strcmp(sval(y, "updated_at"), max_a) > 0);
            assert_string_equal(sval(x, "created_at"), sval(y, "created_at"));
            if (strcmp(*name, "users") == 0) {
                assert_string_equal(sval(x, "name"), sval(y, "name"));
                changed += strcmp(sval(x, "email"), sval(y, "email")) != 0;
            }
        }
        if (strcmp(*name, "users") == 0)
            assert_true(changed > n / 2);
        cJSON *sb = states(&b, *name);
        assert_int_equal(ival(cJSON_GetArrayItem(sb, cJSON_GetArraySize(sb) - 1), "version"), 1);
        cJSON_Delete(sb);
        cJSON_Delete(ra);
        cJSON_Delete(rb);
    }
    cJSON *u = records(&b, "users");
    assert_string_equal(sval(cJSON_GetArrayItem(u, 0), "updated_at"), "2024-01-12T13:46:41+00:00");
    cJSON_Delete(u);
    wv_json_free(st);
    tsink_done(&a);
    tsink_done(&b);
}

/* full_refresh ignores the input state. */
static void test_full_refresh_ignores_state(void **state)
{
    (void)state;
    struct tsink a = {0}, b = {0};
    struct wv_error err;
    assert_int_equal(
        run("{\"count\":120,\"always_updated\":false}", WV_SYNC_FULL_REFRESH, ALL, NULL, &a, &err),
        0);
    struct wv_json *st = next_state(&a);
    assert_int_equal(
        run("{\"count\":120,\"always_updated\":false}", WV_SYNC_FULL_REFRESH, ALL, st, &b, &err),
        0);
    assert_int_equal(a.n, b.n);
    for (size_t i = 0; i < a.n; i++)
        assert_string_equal(a.lines[i], b.lines[i]);
    wv_json_free(st);
    tsink_done(&a);
    tsink_done(&b);
}

/* Cancellation: noticed within 1000 records, or before anything when already set. */
static void test_cancel(void **state)
{
    (void)state;
    volatile int cancel = 0;
    struct tsink s = {.cancel = &cancel, .cancel_at = 1500};
    struct wv_error err;
    assert_int_equal(run("{\"count\":5000}", WV_SYNC_FULL_REFRESH, ALL, NULL, &s, &err), -1);
    assert_int_equal(err.code, WV_E_CANCELLED);
    assert_string_equal(err.msg, "cancelled");
    assert_true(s.records >= 1500 && s.records <= 2000);
    tsink_done(&s);

    cancel = 1;
    struct tsink s2 = {.cancel = &cancel};
    assert_int_equal(run("{\"count\":5000}", WV_SYNC_FULL_REFRESH, ALL, NULL, &s2, &err), -1);
    assert_int_equal(err.code, WV_E_CANCELLED);
    assert_int_equal(s2.records, 0);
    tsink_done(&s2);
}

/* Milliseconds of the monotonic clock. */
static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* sleep_ms_per_slice pauses after each checkpoint; a cancel cuts the pause short. */
static void test_sleep_per_slice(void **state)
{
    (void)state;
    struct tsink s = {0};
    struct wv_error err;
    int64_t t0 = mono_ms();
    assert_int_equal(run("{\"count\":100,\"records_per_slice\":50,\"sleep_ms_per_slice\":40}",
                         WV_SYNC_FULL_REFRESH, USERS, NULL, &s, &err),
                     0);
    assert_true(mono_ms() - t0 >= 80);
    tsink_done(&s);

    volatile int cancel = 0;
    struct tsink s2 = {.cancel = &cancel, .cancel_at = 5};
    t0 = mono_ms();
    assert_int_equal(run("{\"count\":100,\"records_per_slice\":10,\"sleep_ms_per_slice\":5000}",
                         WV_SYNC_FULL_REFRESH, USERS, NULL, &s2, &err),
                     -1);
    assert_int_equal(err.code, WV_E_CANCELLED);
    assert_true(mono_ms() - t0 < 2000);
    assert_int_equal(s2.records, 10);
    tsink_done(&s2);
}

/* A sink error stops the read at once and comes back with the stream named. */
static void test_sink_fails(void **state)
{
    (void)state;
    struct tsink s = {.fail_at = 7};
    struct wv_error err;
    assert_int_equal(run("{\"count\":100}", WV_SYNC_FULL_REFRESH, ALL, NULL, &s, &err), -1);
    assert_int_equal(err.code, WV_E_IO);
    assert_string_equal(err.msg, "faker: stream users: disk full at record 7");
    cJSON *u = records(&s, "users");
    assert_int_equal(cJSON_GetArraySize(u), 6);
    cJSON_Delete(u);
    cJSON *m = line(&s, s.n - 1); /* nothing after the failed record */
    assert_string_equal(mtype(m), "RECORD");
    cJSON_Delete(m);
    tsink_done(&s);

    struct tsink s2 = {.fail_at = 30, .fail_silently = true};
    assert_int_equal(run("{\"count\":100}", WV_SYNC_FULL_REFRESH, ALL, NULL, &s2, &err), -1);
    assert_string_equal(err.msg, "faker: stream users: sink failed");
    tsink_done(&s2);

    /* failing in a later stream names that stream */
    struct tsink s3 = {.fail_at = 100 + 100 + 3};
    assert_int_equal(run("{\"count\":100}", WV_SYNC_FULL_REFRESH, ALL, NULL, &s3, &err), -1);
    assert_string_equal(err.msg, "faker: stream purchases: disk full at record 203");
    tsink_done(&s3);
}

/* read rejects a bad config and streams the faker does not have. */
static void test_read_errors(void **state)
{
    (void)state;
    struct tsink s = {0};
    struct wv_error err;
    assert_int_equal(run("{\"count\":0}", WV_SYNC_FULL_REFRESH, ALL, NULL, &s, &err), -1);
    assert_int_equal(err.code, WV_E_CONFIG);
    assert_non_null(strstr(err.msg, "count"));
    assert_int_equal(s.n, 0);

    static const char *const bad[] = {"users", "orders", NULL};
    assert_int_equal(run("{}", WV_SYNC_FULL_REFRESH, bad, NULL, &s, &err), -1);
    assert_int_equal(err.code, WV_E_CONFIG);
    assert_non_null(strstr(err.msg, "'orders'"));
    assert_int_equal(s.n, 0);
    tsink_done(&s);
}

/* A null sink is counted only: used for the throughput smoke check. */
static int null_emit(void *ctx, const struct wv_msg *msg, struct wv_error *err)
{
    (void)err;
    if (msg->type == WV_MSG_RECORD)
        (*(long *)ctx)++;
    return 0;
}

/* Generating many users stays well clear of pathological slowness (generous bound). */
static void test_throughput(void **state)
{
    (void)state;
    static const struct conn_sink_ops null_ops = {null_emit};
    long n = 0;
    struct conn_sink sink = {&null_ops, &n};
    struct conn_source *src = conn_faker_new();
    struct wv_json *cfg = tjson("{\"count\":100000}");
    struct wv_cfg_catalog *cat = tcat(WV_SYNC_FULL_REFRESH, USERS);
    struct conn_read_env env = {.clock = &fake_clock};
    struct wv_error err = {0};
    int64_t t0 = mono_ms();
    assert_int_equal(src->ops->read(src->ctx, cfg, cat, NULL, &env, &sink, &err), 0);
    int64_t ms = mono_ms() - t0;
    assert_int_equal(n, 100000);
    print_message("faker: 100000 users in %lld ms\n", (long long)ms);
    assert_true(ms < 20000);
    tcat_free(cat);
    wv_json_free(cfg);
    conn_source_free(src);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_spec),
        cmocka_unit_test(test_check),
        cmocka_unit_test(test_discover),
        cmocka_unit_test(test_records_match_schema),
        cmocka_unit_test(test_determinism),
        cmocka_unit_test(test_counts),
        cmocka_unit_test(test_state_contents),
        cmocka_unit_test(test_message_order),
        cmocka_unit_test(test_slices),
        cmocka_unit_test(test_incremental_new_only),
        cmocka_unit_test(test_incremental_always_updated),
        cmocka_unit_test(test_full_refresh_ignores_state),
        cmocka_unit_test(test_cancel),
        cmocka_unit_test(test_sleep_per_slice),
        cmocka_unit_test(test_sink_fails),
        cmocka_unit_test(test_read_errors),
        cmocka_unit_test(test_throughput),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
