/* test_form.c - spec forms: the builtin faker's spec as fields, a hand-written spec with a
 * nested object, oneOf, enum, secret, array, integer and pattern; key handling; validation
 * messages (never echoing values); the config object; secrets written 0600 and referenced. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <curses.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/fs.h"
#include "base/json.h"
#include "base/mem.h"
#include "connectors/connectors.h"
#include "tui/form.h"
#include "tui/form_int.h"
#include "unit/testutil.h"

/* The index of the field with key, or fails. */
static size_t field(const struct tui_form *f, const char *key)
{
    for (size_t i = 0; i < f->n; i++) {
        if (strcmp(f->fields[i].key, key) == 0)
            return i;
    }
    fail_msg("no field %s", key);
    return 0;
}

/* Sets a field's value as if typed. */
static void set(struct tui_form *f, const char *key, const char *value)
{
    struct tui_field *fl = &f->fields[field(f, key)];
    wv_strlcpy(fl->value, value, sizeof fl->value);
    fl->cursor = strlen(fl->value);
}

/* The builtin faker's spec: fields in `order`, typed, with defaults and help. */
static void test_faker(void **state)
{
    (void)state;
    struct wv_error err = {0};
    struct conn_source *src = conn_faker_new();
    struct wv_json *spec = NULL;
    assert_int_equal(conn_source_spec(src, &spec, &err), 0);
    const struct wv_json *cs = wv_json_get(spec, "connectionSpecification");
    assert_non_null(cs);
    struct tui_form f;
    assert_int_equal(tui_form_from_spec(&f, "New source (builtin:faker)", cs, &err), 0);
    static const char *const keys[] = {"name",
                                       "count",
                                       "seed",
                                       "records_per_slice",
                                       "always_updated",
                                       "parallelism",
                                       "sleep_ms_per_slice"};
    assert_int_equal(f.n, 7);
    for (size_t i = 0; i < 7; i++)
        assert_string_equal(f.fields[i].key, keys[i]);
    assert_string_equal(f.title, "New source (builtin:faker)");
    assert_true(f.fields[0].required);
    assert_string_equal(f.fields[1].title, "Count");
    assert_int_equal(f.fields[1].type, TUI_FIELD_INTEGER);
    assert_string_equal(f.fields[1].value, "1000");
    assert_non_null(f.fields[1].help);
    assert_true(f.fields[1].has_min);
    assert_int_equal(f.fields[4].type, TUI_FIELD_BOOL);
    assert_string_equal(f.fields[4].value, "true");
    for (size_t i = 1; i < 7; i++) {
        assert_false(f.fields[i].required);
        assert_true(tui_form_visible(&f, i));
    }
    /* only the name is missing */
    assert_int_equal(tui_form_validate(&f), -1);
    assert_string_equal(f.fields[0].error, "required");
    for (size_t i = 1; i < 7; i++)
        assert_string_equal(f.fields[i].error, "");
    set(&f, "name", "fake");
    set(&f, "count", "0");
    assert_int_equal(tui_form_validate(&f), -1);
    assert_string_equal(f.fields[1].error, "must be at least 1");
    set(&f, "count", "25");
    assert_int_equal(tui_form_validate(&f), 0);
    assert_string_equal(f.name, "fake");
    struct wv_json *cfg = tui_form_config(&f, "/nonexistent", &err);
    assert_non_null(cfg);
    struct wv_json *want =
        wv_test_json("{\"count\":25,\"seed\":0,\"records_per_slice\":1000,\"always_updated\":true,"
                     "\"parallelism\":4,\"sleep_ms_per_slice\":0}",
                     "want");
    assert_true(wv_json_equal(cfg, want));
    /* and the config is accepted by the connector's check */
    bool ok = false;
    char *msg = NULL;
    assert_int_equal(conn_source_check(src, cfg, &ok, &msg, &err), 0);
    assert_true(ok);
    free(msg);
    wv_json_free(want);
    wv_json_free(cfg);
    tui_form_done(&f);
    wv_json_free(spec);
    conn_source_free(src);
}

static const char *const SPEC =
    "{\"type\":\"object\",\"required\":[\"host\",\"credentials\",\"port\"],"
    "\"properties\":{"
    " \"tags\":{\"type\":\"array\",\"items\":{\"type\":\"string\"},\"title\":\"Tags\"},"
    " \"host\":{\"type\":\"string\",\"title\":\"Host\",\"pattern\":\"^[a-z0-9.-]+$\"},"
    " \"mode\":{\"type\":\"string\",\"enum\":[\"fast\",\"safe\"],\"default\":\"safe\"},"
    " \"port\":{\"type\":\"integer\",\"title\":\"Port\",\"default\":5432,\"order\":1},"
    " \"start_date\":{\"type\":\"string\",\"pattern\":\"^\\\\d{4}-\\\\d{2}-\\\\d{2}$\"},"
    " \"ratio\":{\"type\":[\"null\",\"number\"]},"
    " \"credentials\":{\"type\":\"object\",\"title\":\"Authentication\",\"order\":0,\"oneOf\":["
    "  {\"title\":\"API Key\",\"required\":[\"api_key\"],\"properties\":{"
    "    \"auth_type\":{\"type\":\"string\",\"const\":\"api_key\"},"
    "    \"api_key\":{\"type\":\"string\",\"title\":\"API key\",\"airbyte_secret\":true}}},"
    "  {\"title\":\"OAuth\",\"required\":[\"client_id\",\"client_secret\"],\"properties\":{"
    "    \"auth_type\":{\"type\":\"string\",\"const\":\"oauth\"},"
    "    \"client_id\":{\"type\":\"string\"},"
    "    \"client_secret\":{\"type\":\"string\",\"airbyte_secret\":true}}}]},"
    " \"advanced\":{\"type\":\"object\",\"properties\":{"
    "   \"timeout_s\":{\"type\":\"integer\",\"minimum\":1,\"maximum\":600},"
    "   \"verbose\":{\"type\":\"boolean\"}}}"
    "}}";

/* Field order, types, oneOf structure, visibility. */
static void test_shapes(void **state)
{
    (void)state;
    struct wv_error err = {0};
    struct wv_json *spec = wv_test_json(SPEC, "spec");
    struct tui_form f;
    assert_int_equal(tui_form_from_spec(&f, "New source", spec, &err), 0);
    static const char *const keys[] = {"name",
                                       "credentials",
                                       "credentials.api_key",
                                       "credentials.auth_type",
                                       "credentials.client_id",
                                       "credentials.client_secret",
                                       "credentials.auth_type",
                                       "port",
                                       "host",
                                       "tags",
                                       "mode",
                                       "start_date",
                                       "ratio",
                                       "advanced.timeout_s",
                                       "advanced.verbose"};
    assert_int_equal(f.n, sizeof keys / sizeof keys[0]);
    for (size_t i = 0; i < f.n; i++)
        assert_string_equal(f.fields[i].key, keys[i]);
    const struct tui_field *cred = &f.fields[1];
    assert_true(cred->choice);
    assert_int_equal(cred->type, TUI_FIELD_ENUM);
    assert_int_equal(cred->n_options, 2);
    assert_string_equal(cred->options[0], "API Key");
    assert_string_equal(cred->options[1], "OAuth");
    assert_string_equal(cred->value, "API Key");
    assert_string_equal(f.fields[3].const_value, "api_key");
    assert_string_equal(f.fields[6].const_value, "oauth");
    assert_false(tui_form_visible(&f, 3)); /* consts are hidden */
    assert_true(tui_form_visible(&f, 2));
    assert_true(f.fields[2].secret);
    assert_true(f.fields[2].required);
    assert_false(tui_form_visible(&f, 4)); /* the other option */
    assert_int_equal(f.fields[4].parent, 1);
    assert_int_equal(f.fields[4].option, 1);
    assert_int_equal(f.fields[2].option, 0);
    assert_int_equal(f.fields[7].type, TUI_FIELD_INTEGER);
    assert_string_equal(f.fields[7].value, "5432");
    assert_int_equal(f.fields[9].type, TUI_FIELD_LIST);
    assert_int_equal(f.fields[10].type, TUI_FIELD_ENUM);
    assert_string_equal(f.fields[10].value, "safe");
    assert_int_equal(f.fields[12].type, TUI_FIELD_NUMBER);
    assert_string_equal(f.fields[13].title, "timeout_s");
    assert_string_equal(f.fields[14].value, "false");

    /* keys: Down skips hidden fields; Space cycles the select, revealing the other option */
    assert_int_equal(f.sel, 0);
    tui_form_key(&f, KEY_DOWN);
    assert_int_equal(f.sel, 1);
    tui_form_key(&f, KEY_DOWN);
    assert_int_equal(f.sel, 2);
    tui_form_key(&f, KEY_DOWN);
    assert_int_equal(f.sel, 7);
    tui_form_key(&f, KEY_UP);
    tui_form_key(&f, KEY_UP);
    assert_int_equal(f.sel, 1);
    tui_form_key(&f, ' ');
    assert_string_equal(f.fields[1].value, "OAuth");
    assert_false(tui_form_visible(&f, 2));
    assert_true(tui_form_visible(&f, 4));
    tui_form_key(&f, '\t');
    assert_int_equal(f.sel, 4);
    tui_form_key(&f, KEY_BTAB);
    tui_form_key(&f, KEY_LEFT);
    assert_string_equal(f.fields[1].value, "API Key");
    tui_form_key(&f, KEY_LEFT);
    assert_string_equal(f.fields[1].value, "OAuth");
    tui_form_key(&f, KEY_RIGHT);
    assert_string_equal(f.fields[1].value, "API Key");

    /* typing into a text field; an optional enum cycles through "" too */
    f.sel = 8;
    const char *typed = "db.example";
    for (const char *p = typed; *p; p++)
        tui_form_key(&f, (unsigned char)*p);
    tui_form_key(&f, KEY_LEFT);
    tui_form_key(&f, KEY_BACKSPACE);
    tui_form_key(&f, KEY_END);
    tui_form_key(&f, '1');
    assert_string_equal(f.fields[8].value, "db.exampe1");
    f.sel = 10;
    tui_form_key(&f, ' ');
    assert_string_equal(f.fields[10].value, "");
    tui_form_key(&f, ' ');
    assert_string_equal(f.fields[10].value, "fast");
    tui_form_key(&f, 'x'); /* ignored on a select */
    assert_string_equal(f.fields[10].value, "fast");
    f.sel = 14;
    tui_form_key(&f, ' ');
    assert_string_equal(f.fields[14].value, "true");
    assert_int_equal(tui_form_key(&f, 27), TUI_FORM_CANCEL);
    tui_form_done(&f);
    wv_json_free(spec);
}

/* Validation messages, and values never appear in them. */
static void test_validation(void **state)
{
    (void)state;
    struct wv_error err = {0};
    struct wv_json *spec = wv_test_json(SPEC, "spec");
    struct tui_form f;
    assert_int_equal(tui_form_from_spec(&f, "New source", spec, &err), 0);
    set(&f, "name", "bad name!");
    set(&f, "port", "54x32");
    set(&f, "host", "Bad_Host");
    set(&f, "mode", "turbo");
    set(&f, "start_date", "2024-1-02");
    set(&f, "ratio", "1.5e");
    set(&f, "advanced.timeout_s", "601");
    assert_int_equal(tui_form_validate(&f), -1);
    assert_string_equal(f.fields[field(&f, "name")].error, "use letters, digits, '_', '-', '.'");
    assert_string_equal(f.fields[field(&f, "credentials.api_key")].error, "required");
    assert_string_equal(f.fields[field(&f, "port")].error, "not an integer");
    assert_string_equal(f.fields[field(&f, "host")].error,
                        "does not match the pattern ^[a-z0-9.-]+$");
    assert_string_equal(f.fields[field(&f, "mode")].error, "must be one of fast, safe");
    assert_string_equal(f.fields[field(&f, "start_date")].error,
                        "does not match the pattern ^\\d{4}-\\d{2}-\\d{2}$");
    assert_string_equal(f.fields[field(&f, "ratio")].error, "not a number");
    assert_string_equal(f.fields[field(&f, "advanced.timeout_s")].error, "must be at most 600");
    assert_string_equal(f.fields[field(&f, "tags")].error, "");
    assert_string_equal(f.fields[5].error, ""); /* hidden option: not checked */
    static const char *const values[] = {"bad name!", "54x32", "Bad_Host", "turbo",
                                         "2024-1-02", "1.5e",  "601"};
    for (size_t i = 0; i < f.n; i++) {
        for (size_t k = 0; k < sizeof values / sizeof values[0]; k++)
            assert_null(strstr(f.fields[i].error, values[k]));
    }
    /* submitting focuses the first bad field and says how many */
    f.sel = 8;
    assert_int_equal(tui_form_key(&f, 19), TUI_FORM_CONTINUE); /* C-s */
    assert_int_equal(f.sel, 0);
    assert_string_equal(f.message, "8 fields to fix");
    /* editing a field clears its error */
    tui_form_key(&f, KEY_BACKSPACE);
    assert_string_equal(f.fields[0].error, "");
    assert_string_equal(f.message, "");
    /* a pattern that is not a POSIX ERE is skipped */
    set(&f, "start_date", "x");
    free(f.fields[field(&f, "start_date")].pattern);
    f.fields[field(&f, "start_date")].pattern = wv_strdup("^(?=x)\\p{L}+$");
    tui_form_validate(&f);
    assert_string_equal(f.fields[field(&f, "start_date")].error, "");
    /* a valid form submits with Enter on the last field */
    set(&f, "name", "acme");
    set(&f, "port", "-1");
    set(&f, "host", "db.example");
    set(&f, "mode", "fast");
    set(&f, "start_date", "2024-01-02");
    set(&f, "ratio", "0.25");
    set(&f, "advanced.timeout_s", "30");
    set(&f, "credentials.api_key", "k");
    f.sel = f.n - 1;
    assert_int_equal(tui_form_key(&f, '\n'), TUI_FORM_SUBMIT);
    f.sel = 7;
    assert_int_equal(tui_form_key(&f, '\n'), TUI_FORM_CONTINUE);
    assert_int_equal(f.sel, 8);
    tui_form_done(&f);
    wv_json_free(spec);
}

/* The config: typed values, nested objects, consts, defaults; secrets in 0600 files. */
static void test_config(void **state)
{
    (void)state;
    struct wv_error err = {0};
    struct wv_json *spec = wv_test_json(SPEC, "spec");
    char *root = wv_test_tmpdir("form");
    assert_non_null(root);
    struct tui_form f;
    assert_int_equal(tui_form_from_spec(&f, "New source", spec, &err), 0);
    /* without validation there is no name */
    assert_null(tui_form_config(&f, root, &err));
    wv_error_clear(&err);
    set(&f, "name", "acme");
    set(&f, "host", "db.example");
    set(&f, "tags", " a, b ,,c ");
    set(&f, "ratio", "1e3");
    set(&f, "credentials", "OAuth");
    set(&f, "credentials.client_id", "cid");
    set(&f, "credentials.client_secret", "s3cr3t-value");
    set(&f, "advanced.timeout_s", "30");
    assert_int_equal(tui_form_validate(&f), 0);
    struct wv_json *cfg = tui_form_config(&f, root, &err);
    assert_non_null(cfg);
    struct wv_json *want = wv_test_json(
        "{\"credentials\":{\"auth_type\":\"oauth\",\"client_id\":\"cid\","
        "\"client_secret\":\"{{ file('secrets/acme.credentials.client_secret') }}\"},"
        "\"port\":5432,\"host\":\"db.example\",\"tags\":[\"a\",\"b\",\"c\"],\"mode\":\"safe\","
        "\"ratio\":1000,\"advanced\":{\"timeout_s\":30,\"verbose\":false}}",
        "want");
    if (!wv_json_equal(cfg, want)) {
        char *got = wv_json_to_string(cfg);
        fail_msg("config %s", got);
    }
    char *text = wv_json_to_string(cfg);
    assert_null(strstr(text, "s3cr3t-value"));
    free(text);
    char *path = wv_path_join(root, "secrets/acme.credentials.client_secret");
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    char *dir = wv_path_join(root, "secrets");
    assert_int_equal(stat(dir, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0700);
    char *data = NULL;
    size_t len = 0;
    assert_int_equal(wv_fs_read_all(path, 0, &data, &len, &err), 0);
    assert_int_equal(len, strlen("s3cr3t-value"));
    assert_memory_equal(data, "s3cr3t-value", len);
    free(data);
    wv_json_free(cfg);
    wv_json_free(want);

    /* the other option: its const and secret; the OAuth fields are not written */
    set(&f, "credentials", "API Key");
    set(&f, "credentials.api_key", "key-123");
    set(&f, "mode", "");
    assert_int_equal(tui_form_validate(&f), 0);
    cfg = tui_form_config(&f, root, &err);
    assert_non_null(cfg);
    const struct wv_json *cred = wv_json_get(cfg, "credentials");
    assert_int_equal(cred->len, 2);
    assert_string_equal(wv_json_get_str(cred, "auth_type"), "api_key");
    assert_string_equal(wv_json_get_str(cred, "api_key"),
                        "{{ file('secrets/acme.credentials.api_key') }}");
    assert_null(wv_json_get(cfg, "mode"));
    wv_json_free(cfg);
    free(path);
    path = wv_path_join(root, "secrets/acme.credentials.api_key");
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);

    /* a bad value (not validated) fails naming the field, not the value */
    set(&f, "port", "12ab");
    wv_error_clear(&err);
    assert_null(tui_form_config(&f, root, &err));
    assert_non_null(strstr(err.msg, "port"));
    assert_null(strstr(err.msg, "12ab"));

    tui_form_done(&f);
    assert_int_equal(f.n, 0);
    tui_form_done(&f); /* twice is harmless */
    assert_int_equal(wv_fs_rmtree(root, NULL), 0);
    free(path);
    free(dir);
    free(root);
    wv_json_free(spec);
}

/* Numeric enums are picked and written as numbers; list items can be checked against an
 * items enum; optional selects without a default start empty. */
static void test_enums(void **state)
{
    (void)state;
    struct wv_error err = {0};
    struct wv_json *spec =
        wv_test_json("{\"properties\":{"
                     "\"version\":{\"type\":\"integer\",\"enum\":[1,2,3],\"default\":2},"
                     "\"scopes\":{\"type\":\"array\","
                     "  \"items\":{\"type\":\"string\",\"enum\":[\"read\",\"write\"]}},"
                     "\"region\":{\"type\":\"string\",\"enum\":[\"eu\",\"us\"]},"
                     "\"token\":{\"type\":\"integer\",\"airbyte_secret\":true}}}",
                     "spec");
    struct tui_form f;
    assert_int_equal(tui_form_from_spec(&f, "x", spec, &err), 0);
    size_t v = field(&f, "version");
    assert_int_equal(f.fields[v].type, TUI_FIELD_INTEGER);
    assert_string_equal(f.fields[v].value, "2");
    f.sel = v;
    tui_form_key(&f, '9'); /* a select: typing does nothing */
    assert_string_equal(f.fields[v].value, "2");
    tui_form_key(&f, KEY_RIGHT);
    assert_string_equal(f.fields[v].value, "3");
    tui_form_key(&f, KEY_RIGHT); /* optional: an empty slot after the options */
    assert_string_equal(f.fields[v].value, "");
    tui_form_key(&f, KEY_RIGHT);
    assert_string_equal(f.fields[v].value, "1");
    assert_string_equal(f.fields[field(&f, "region")].value, "");
    set(&f, "name", "n1");
    set(&f, "scopes", "read, admin");
    set(&f, "version", "7");
    assert_int_equal(tui_form_validate(&f), -1);
    assert_string_equal(f.fields[field(&f, "scopes")].error, "must be one of read, write");
    assert_string_equal(f.fields[v].error, "must be one of 1, 2, 3");
    set(&f, "scopes", "read,write");
    set(&f, "version", "3");
    assert_int_equal(tui_form_validate(&f), 0);
    char *root = wv_test_tmpdir("form-enum");
    struct wv_json *cfg = tui_form_config(&f, root, &err);
    assert_non_null(cfg);
    struct wv_json *want = wv_test_json("{\"version\":3,\"scopes\":[\"read\",\"write\"]}", "want");
    assert_true(wv_json_equal(cfg, want));
    wv_json_free(want);
    wv_json_free(cfg);
    /* a secret integer goes to its file too */
    set(&f, "token", "12345");
    assert_int_equal(tui_form_validate(&f), 0);
    cfg = tui_form_config(&f, root, &err);
    assert_string_equal(wv_json_get_str(cfg, "token"), "{{ file('secrets/n1.token') }}");
    wv_json_free(cfg);
    /* a name that is not a file name never reaches the file system */
    wv_strlcpy(f.name, "../x", sizeof f.name);
    set(&f, "name", "../x");
    assert_null(tui_form_config(&f, root, &err));
    assert_int_equal(wv_fs_rmtree(root, NULL), 0);
    free(root);
    tui_form_done(&f);
    wv_json_free(spec);
}

/* A spec that is not an object fails; an empty one has just the name. */
static void test_edge_specs(void **state)
{
    (void)state;
    struct wv_error err = {0};
    struct tui_form f;
    struct wv_json *arr = wv_test_json("[]", "spec");
    assert_int_equal(tui_form_from_spec(&f, "x", arr, &err), -1);
    assert_int_equal(f.n, 0);
    wv_json_free(arr);
    struct wv_json *empty = wv_test_json("{\"type\":\"object\"}", "spec");
    wv_error_clear(&err);
    assert_int_equal(tui_form_from_spec(&f, "x", empty, &err), 0);
    assert_int_equal(f.n, 1);
    assert_int_equal(tui_form_key(&f, '\n'), TUI_FORM_CONTINUE); /* no name yet */
    assert_int_equal(tui_form_key(&f, 'a'), TUI_FORM_CONTINUE);
    assert_int_equal(tui_form_key(&f, '\n'), TUI_FORM_SUBMIT);
    struct wv_json *cfg = tui_form_config(&f, "/nonexistent", &err);
    assert_non_null(cfg);
    assert_int_equal(cfg->len, 0);
    wv_json_free(cfg);
    tui_form_done(&f);
    wv_json_free(empty);
}

/* The screen's rows as text (ASCII only; other cells become '?'). */
static void screen_text(char *out, size_t size)
{
    size_t off = 0;
    for (int y = 0; y < LINES && off + (size_t)COLS + 2 < size; y++) {
        for (int x = 0; x < COLS; x++) {
            chtype c = mvinch(y, x) & A_CHARTEXT;
            out[off++] = c >= 32 && c < 127 ? (char)c : '?';
        }
        out[off++] = '\n';
    }
    out[off] = '\0';
}

/* Drawing on a headless terminal: labels with '*', masked secrets, inline errors. */
static void test_draw(void **state)
{
    (void)state;
    setlocale(LC_ALL, "C.UTF-8");
    FILE *out = fopen("/dev/null", "w");
    FILE *in = fopen("/dev/null", "r");
    SCREEN *scr = newterm("xterm", out, in);
    if (!scr) {
        fclose(out);
        fclose(in);
        skip();
    }
    struct wv_error err = {0};
    struct wv_json *spec = wv_test_json(SPEC, "spec");
    struct tui_form f;
    assert_int_equal(tui_form_from_spec(&f, "New source (test)", spec, &err), 0);
    set(&f, "credentials.api_key", "topsecret");
    set(&f, "port", "x");
    tui_form_validate(&f);
    f.sel = 2;
    tui_form_draw(&f, 0, 0, LINES, COLS);
    char text[8192];
    screen_text(text, sizeof text);
    assert_non_null(strstr(text, "New source (test)"));
    assert_non_null(strstr(text, "Name *"));
    assert_non_null(strstr(text, "Authentication *"));
    assert_non_null(strstr(text, "< API Key >"));
    assert_non_null(strstr(text, "Port *"));
    assert_non_null(strstr(text, "not an integer"));
    assert_non_null(strstr(text, "required"));
    assert_null(strstr(text, "topsecret"));
    assert_null(strstr(text, "client_id")); /* the other option's fields are hidden */
    /* a tiny area draws nothing and does not crash; the focus far down scrolls into view */
    tui_form_draw(&f, 0, 0, 3, 10);
    erase();
    f.sel = f.n - 1;
    tui_form_draw(&f, 0, 0, 8, COLS);
    screen_text(text, sizeof text);
    assert_non_null(strstr(text, "verbose"));
    tui_form_done(&f);
    wv_json_free(spec);
    endwin();
    delscreen(scr);
    fclose(out);
    fclose(in);
}

/* Whether pattern (translated to POSIX) matches s; -1 when it cannot be used. */
static int pattern_matches(const char *pattern, const char *s)
{
    regex_t re;
    if (tui_form_pattern_compile(pattern, &re) < 0)
        return -1;
    int m = regexec(&re, s, 0, NULL, 0) == 0;
    regfree(&re);
    return m;
}

/* JSON schema patterns as POSIX EREs: Perl classes translated, the rest skipped. */
static void test_patterns(void **state)
{
    (void)state;
    assert_int_equal(pattern_matches("^[a-z0-9_\\-]+$", "a-b_1"), 1);
    assert_int_equal(pattern_matches("^[a-z0-9_\\-]+$", "a-B"), 0);
    assert_int_equal(pattern_matches("\\d{4}-\\d{2}-\\d{2}", "on 2024-01-02"), 1);
    assert_int_equal(pattern_matches("^\\d{4}$", "20x4"), 0);
    assert_int_equal(pattern_matches("^\\w+\\s\\S$", "ab_9 x"), 1);
    assert_int_equal(pattern_matches("^\\w+\\s\\S$", "ab-9 x"), 0);
    assert_int_equal(pattern_matches("^[\\d.]+$", "1.5"), 1);
    assert_int_equal(pattern_matches("^[\\d.]+$", "1,5"), 0);
    assert_int_equal(pattern_matches("^a\\.b$", "a.b"), 1);
    assert_int_equal(pattern_matches("^a\\.b$", "axb"), 0);
    assert_int_equal(pattern_matches("^[[:alpha:]]+$", "abc"), 1);
    assert_int_equal(pattern_matches("^.*$", ""), 1);
    assert_int_equal(pattern_matches("0|1|2", "2"), 1);
    assert_int_equal(pattern_matches("(?i)abc", "ABC"), -1);
    assert_int_equal(pattern_matches("\\bfoo", "foo"), -1);
    assert_int_equal(pattern_matches("\\p{L}+", "x"), -1);
    assert_int_equal(pattern_matches("[unclosed", "x"), -1);
    assert_int_equal(pattern_matches("a{2", "x"), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_faker),      cmocka_unit_test(test_shapes),
        cmocka_unit_test(test_validation), cmocka_unit_test(test_config),
        cmocka_unit_test(test_edge_specs), cmocka_unit_test(test_enums),
        cmocka_unit_test(test_patterns),   cmocka_unit_test(test_draw),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
