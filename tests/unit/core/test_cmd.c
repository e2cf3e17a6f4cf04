/* test_cmd.c - unit tests of the command table (src/core/cmd.c, cmd_ws.c, cmd_info.c): dispatch
 * and usage errors (WV_E_USAGE), help and --help, the man page and its agreement with the help
 * list, the option helpers of cmd_int.h, the byte/count formatters, and `init` followed by the
 * workspace commands run through core_cmd_run into a temporary directory, with output captured
 * in a wv_buf. Single-threaded. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "unit/testutil.h"

#include "base/fs.h"
#include "base/mem.h"
#include "core/cmd_int.h"
#include "core/core.h"

/* Appends output to a wv_buf. */
static void buf_write(void *ctx, const char *data, size_t len)
{
    struct wv_buf *b = ctx;
    if (wv_buf_append(b, data, len, NULL) < 0)
        fail_msg("output buffer full");
}

static const struct core_out_ops buf_ops = {buf_write, NULL};

struct fixture {
    char *dir; /* temporary directory */
    struct wv_buf out, diag;
    struct core_cmd_env env;
};

/* A temporary directory and an environment whose outputs go to two buffers. */
static int setup(void **state)
{
    struct fixture *f = wv_calloc(1, sizeof *f);
    f->dir = wv_test_tmpdir("cmd");
    if (!f->dir)
        return -1;
    wv_buf_init(&f->out, 0);
    wv_buf_init(&f->diag, 0);
    f->env.out = (struct core_out){&buf_ops, &f->out};
    f->env.diag = (struct core_out){&buf_ops, &f->diag};
    unsetenv("WEAVER_WORKSPACE");
    *state = f;
    return 0;
}

/* Frees the buffers and removes the directory. */
static int teardown(void **state)
{
    struct fixture *f = *state;
    struct wv_error err = {0};
    int r = wv_fs_rmtree(f->dir, &err);
    wv_buf_done(&f->out);
    wv_buf_done(&f->diag);
    free(f->dir);
    free(f);
    unsetenv("WEAVER_WORKSPACE");
    return r;
}

/* Splits a command line on spaces into a NULL-terminated vector (words must not be empty).
 * Caller frees with wv_strv_free. */
static char **words(const char *line, int *argc)
{
    char **v = wv_calloc(strlen(line) + 2, sizeof *v);
    int n = 0;
    const char *p = line;
    while (*p) {
        size_t len = strcspn(p, " ");
        v[n++] = wv_strndup(p, len);
        p += len;
        while (*p == ' ')
            p++;
    }
    *argc = n;
    return v;
}

/* Runs a command line through core_cmd_run with fresh output; returns its result. */
static int run(struct fixture *f, const char *line, struct wv_error *err)
{
    int argc = 0;
    char **argv = words(line, &argc);
    wv_buf_reset(&f->out);
    wv_buf_reset(&f->diag);
    wv_error_clear(err);
    int rc = core_cmd_run(&f->env, argc, argv, err);
    wv_strv_free(argv);
    return rc;
}

/* Runs a command line that must succeed. */
static void run_ok(struct fixture *f, const char *line)
{
    struct wv_error err = {0};
    if (run(f, line, &err) < 0)
        fail_msg("`%s` failed: [%s] %s", line, wv_code_name(err.code), err.msg);
}

/* Runs a command line that must fail with code and exactly msg, writing nothing. */
static void run_fail(struct fixture *f, const char *line, enum wv_code code, const char *msg)
{
    struct wv_error err = {0};
    if (run(f, line, &err) == 0)
        fail_msg("`%s` succeeded, expected: %s", line, msg);
    if (err.code != code || strcmp(err.msg, msg) != 0)
        fail_msg("`%s`:\n  got  [%s] %s\n  want [%s] %s", line, wv_code_name(err.code), err.msg,
                 wv_code_name(code), msg);
    if (f->out.len)
        fail_msg("`%s` wrote output on failure: %s", line, wv_buf_cstr(&f->out));
}

/* ---------------- dispatch and usage ---------------- */

/* No command, unknown commands, missing subcommands, front-end-only commands. */
static void test_dispatch_errors(void **state)
{
    struct fixture *f = *state;
    struct wv_error err = {0};
    assert_int_equal(core_cmd_run(&f->env, 0, NULL, &err), -1);
    assert_int_equal(err.code, WV_E_USAGE);
    assert_string_equal(err.msg, "no command given (try `weaver help`)");
    run_fail(f, "frobnicate", WV_E_USAGE, "unknown command 'frobnicate'; try `weaver help`");
    run_fail(f, "connection", WV_E_USAGE,
             "unknown command 'connection' (it needs a subcommand); try `weaver help`");
    run_fail(f, "connection delete x", WV_E_USAGE,
             "unknown command 'connection' (it needs a subcommand); try `weaver help`");
    run_fail(f, "state", WV_E_USAGE,
             "unknown command 'state' (it needs a subcommand); try `weaver help`");
    run_fail(f, "conn", WV_E_USAGE, "unknown command 'conn'; try `weaver help`");
    run_fail(f, "SYNC x", WV_E_USAGE, "unknown command 'SYNC'; try `weaver help`");
    run_fail(f, "console", WV_E_USAGE, "'console' is not available here");
}

/* Positional-argument counts are checked against the table; flags and their values do not
 * count. */
static void test_usage_errors(void **state)
{
    struct fixture *f = *state;
    run_fail(f, "sync", WV_E_USAGE, "usage: weaver sync CONNECTION");
    run_fail(f, "sync a b", WV_E_USAGE, "usage: weaver sync CONNECTION");
    run_fail(f, "sync --limit 3", WV_E_USAGE, "weaver sync: unknown option '--limit'");
    run_fail(f, "jobs --limt 5", WV_E_USAGE,
             "weaver jobs: unknown option '--limt' (accepts: --limit)");
    run_fail(f, "init", WV_E_USAGE, "usage: weaver init DIR [--demo]");
    run_fail(f, "init --demo", WV_E_USAGE, "usage: weaver init DIR [--demo]");
    run_fail(f, "init a b --demo", WV_E_USAGE, "usage: weaver init DIR [--demo]");
    run_fail(f, "version now", WV_E_USAGE, "usage: weaver version");
    run_fail(f, "connection list extra", WV_E_USAGE, "usage: weaver connection list");
    run_fail(f, "connection show", WV_E_USAGE, "usage: weaver connection show CONNECTION");
    run_fail(f, "state show", WV_E_USAGE, "usage: weaver state show CONNECTION");
    run_fail(f, "state reset --yes", WV_E_USAGE,
             "usage: weaver state reset CONNECTION [STREAM] --yes");
    run_fail(f, "state reset a b c --yes", WV_E_USAGE,
             "usage: weaver state reset CONNECTION [STREAM] --yes");
    run_fail(f, "jobs a b", WV_E_USAGE, "usage: weaver jobs [CONNECTION] [--limit N]");
    run_fail(f, "source spec extra", WV_E_USAGE,
             "usage: weaver source spec --connector NAME|--manifest PATH "
             "[--http-rewrite FROM=TO]...");
    /* command-specific checks that come before any workspace is opened */
    run_fail(f, "jobs --limit", WV_E_USAGE, "--limit needs a value");
    run_fail(f, "jobs --limit ten", WV_E_USAGE, "--limit must be a number from 1 to 100000");
    run_fail(f, "jobs --limit 0", WV_E_USAGE, "--limit must be a number from 1 to 100000");
    run_fail(f, "jobs --limit 100001", WV_E_USAGE, "--limit must be a number from 1 to 100000");
    run_fail(f, "state reset conn", WV_E_USAGE,
             "state reset makes the next sync start from the beginning; add --yes to confirm");
}

/* version */
static void test_version(void **state)
{
    struct fixture *f = *state;
    run_ok(f, "version");
    assert_string_equal(wv_buf_cstr(&f->out), "weaver " WEAVER_VERSION "\n");
    assert_int_equal(f->diag.len, 0);
}

/* core_cmd_exists: names with their words, arguments after them allowed. */
static void test_exists(void **state)
{
    (void)state;
    char *sync[] = {"sync", "x"}, *cl[] = {"connection", "list"}, *c[] = {"connection"},
         *nope[] = {"nope"}, *sr[] = {"state", "reset", "c", "s"}, *cons[] = {"console"};
    assert_true(core_cmd_exists(1, sync));
    assert_true(core_cmd_exists(2, sync));
    assert_true(core_cmd_exists(2, cl));
    assert_false(core_cmd_exists(1, c));
    assert_false(core_cmd_exists(1, nope));
    assert_true(core_cmd_exists(4, sr));
    assert_true(core_cmd_exists(1, cons));
    assert_false(core_cmd_exists(0, sync));
}

/* ---------------- help ---------------- */

/* The command list: header, one aligned line per command, global options. */
static void test_help_list(void **state)
{
    struct fixture *f = *state;
    run_ok(f, "help");
    const char *out = wv_buf_cstr(&f->out);
    assert_true(wv_str_starts(out, "weaver " WEAVER_VERSION
                                   " - an operator console and engine for data pipelines\n\n"
                                   "usage: weaver [--workspace DIR] [--readonly] [COMMAND [ARGS...]]\n"));
    assert_non_null(strstr(out, "\ncommands:\n  help               show the command list, or one "
                                "command's help\n"));
    assert_non_null(strstr(out, "\n  connection list    list the workspace's connections\n"));
    assert_non_null(strstr(out, "\n  state reset        forget a connection's state\n"));
    assert_non_null(strstr(out, "\nglobal options:\n  -w, --workspace DIR  the workspace"));
    assert_true(wv_str_ends(out, "Exit status: 0 ok, 1 failure, 2 usage error.\n"));
    /* core_cmd_help with no words writes the same */
    struct wv_buf b = WV_BUF_INIT;
    struct core_out o = {&buf_ops, &b};
    struct wv_error err = {0};
    assert_int_equal(core_cmd_help(&o, 0, NULL, &err), 0);
    assert_string_equal(wv_buf_cstr(&b), out);
    wv_buf_done(&b);
}

/* One command's help: usage, summary, paragraph. */
static void test_help_one(void **state)
{
    struct fixture *f = *state;
    run_ok(f, "help connection list");
    assert_string_equal(wv_buf_cstr(&f->out),
                        "usage: weaver connection list\n\nlist the workspace's connections.\n\n"
                        "One line per connection: name, source, destination, streams, schedule "
                        "and last job.\n");
    run_ok(f, "help version");
    assert_string_equal(wv_buf_cstr(&f->out), "usage: weaver version\n\nprint weaver's "
                                              "version.\n\nPrints the version (also `weaver "
                                              "--version`).\n");
    run_ok(f, "help sync");
    assert_true(wv_str_starts(wv_buf_cstr(&f->out), "usage: weaver sync CONNECTION\n\nrun one "
                                                    "sync of a connection.\n\nReads the "));
}

/* --help / -h anywhere after a command shows its help instead of running it. */
static void test_dash_help(void **state)
{
    struct fixture *f = *state;
    run_ok(f, "help sync");
    char *want = wv_strdup(wv_buf_cstr(&f->out));
    run_ok(f, "sync --help"); /* no workspace needed: sync is not run */
    assert_string_equal(wv_buf_cstr(&f->out), want);
    run_ok(f, "sync x y -h"); /* even with a wrong argument count */
    assert_string_equal(wv_buf_cstr(&f->out), want);
    free(want);
    run_ok(f, "help state reset");
    want = wv_strdup(wv_buf_cstr(&f->out));
    run_ok(f, "state reset --help");
    assert_string_equal(wv_buf_cstr(&f->out), want);
    assert_true(wv_str_starts(want, "usage: weaver state reset CONNECTION [STREAM] --yes\n"));
    free(want);
    run_ok(f, "source read --connector x -h");
    assert_true(wv_str_starts(wv_buf_cstr(&f->out), "usage: weaver source read --connector "
                                                    "NAME|--manifest PATH --config FILE"));
}

/* Trims trailing spaces of every line. Caller frees. */
static char *rstrip_lines(const char *s)
{
    struct wv_buf b = WV_BUF_INIT;
    while (*s) {
        size_t len = strcspn(s, "\n");
        size_t k = len;
        while (k && s[k - 1] == ' ')
            k--;
        wv_buf_append(&b, s, k, NULL);
        if (s[len] == '\n')
            wv_buf_putc(&b, '\n', NULL);
        s += len + (s[len] == '\n');
    }
    return wv_buf_steal(&b, NULL);
}

/* `help GROUP` lists the group's commands. */
static void test_help_group(void **state)
{
    struct fixture *f = *state;
    run_ok(f, "help connection");
    char *got = rstrip_lines(wv_buf_cstr(&f->out));
    assert_string_equal(got, "connection commands:\n  weaver connection list\n"
                             "  weaver connection show CONNECTION\n"
                             "  weaver connection enable CONNECTION\n"
                             "  weaver connection disable CONNECTION\n");
    free(got);
    run_ok(f, "help source");
    assert_true(wv_str_starts(wv_buf_cstr(&f->out), "source commands:\n  weaver source spec "
                                                    "--connector NAME|--manifest PATH "
                                                    "[--http-rewrite FROM=TO]...\n"));
}

/* Unknown names in help are usage errors. */
static void test_help_unknown(void **state)
{
    struct fixture *f = *state;
    run_fail(f, "help nosuch", WV_E_USAGE, "no such command: nosuch");
    run_fail(f, "help conn", WV_E_USAGE, "no such command: conn");
}

/* An unknown subcommand or extra words after a command: the error names every word given,
 * not just the first (which is a valid group or command).
 * (Fails today: "no such command: connection" / "no such command: sync", and `help connection
 * frob` also writes the group listing before failing.) */
static void test_help_unknown_words(void **state)
{
    struct fixture *f = *state;
    run_fail(f, "help connection frob", WV_E_USAGE, "no such command: connection frob");
    run_fail(f, "help sync extra", WV_E_USAGE, "no such command: sync extra");
}

/* ---------------- man page ---------------- */

/* Command names of the help list, in order, as a NULL-terminated vector. Caller frees. */
static char **help_names(const char *help)
{
    const char *p = strstr(help, "\ncommands:\n");
    assert_non_null(p);
    p += strlen("\ncommands:\n");
    char **v = wv_calloc(64, sizeof *v);
    size_t n = 0;
    while (wv_str_starts(p, "  ") && n < 63) {
        char name[19];
        wv_strlcpy(name, p + 2, sizeof name);
        size_t k = strlen(name);
        while (k && name[k - 1] == ' ')
            name[--k] = '\0';
        v[n++] = wv_strdup(name);
        p = strchr(p, '\n');
        assert_non_null(p);
        p++;
    }
    return v;
}

/* The man page: roff header and sections, every command of the help list (and only those), in
 * the same order, with roff escapes. */
static void test_man(void **state)
{
    struct fixture *f = *state;
    struct wv_buf man = WV_BUF_INIT;
    struct core_out o = {&buf_ops, &man};
    core_cmd_man(&o);
    const char *m = wv_buf_cstr(&man);
    assert_true(wv_str_starts(m, ".\\\" Generated by `weaver help --man` from the command table; "
                                 "do not edit.\n.TH WEAVER 1 \"\" \"weaver " WEAVER_VERSION
                                 "\" \"User Commands\"\n.SH NAME\n"));
    static const char *const sections[] = {
        ".SH SYNOPSIS\n",    ".SH DESCRIPTION\n", ".SH OPTIONS\n", ".SH COMMANDS\n",
        ".SH EXIT STATUS\n", ".SH ENVIRONMENT\n", ".SH FILES\n",   NULL};
    const char *prev = m;
    for (const char *const *s = sections; *s; s++) {
        const char *at = strstr(m, *s);
        if (!at || at < prev)
            fail_msg("section %s missing or out of order", *s);
        prev = at;
    }
    /* arguments and help text are escaped */
    assert_non_null(strstr(m, ".TP\n\\fBweaver init\\fR DIR [\\-\\-demo]\nCreates DIR with "
                              "weaver.yaml"));
    assert_non_null(strstr(m, "With \\-\\-demo, fills it"));
    assert_non_null(strstr(m, ".TP\n\\fBweaver connection list\\fR\nOne line per connection"));
    assert_non_null(strstr(m, ".TP\n\\fBweaver source read\\fR \\-\\-connector NAME|"
                              "\\-\\-manifest PATH \\-\\-config FILE [\\-\\-catalog FILE] "
                              "[\\-\\-state FILE] [\\-\\-http\\-rewrite FROM=TO]...\n"));

    /* the same commands as the help list, in the same order */
    run_ok(f, "help");
    char **names = help_names(wv_buf_cstr(&f->out));
    assert_true(wv_strv_len(names) >= 14);
    const char *cmds = strstr(m, ".SH COMMANDS\n"), *end = strstr(m, ".SH EXIT STATUS\n");
    const char *at = cmds;
    for (char **n = names; *n; n++) {
        char *entry = wv_asprintf(".TP\n\\fBweaver %s\\fR", *n);
        const char *hit = strstr(at, entry);
        if (!hit || hit > end)
            fail_msg("man page lacks (or misorders) %s", *n);
        at = hit + strlen(entry);
        free(entry);
    }
    size_t entries = 0;
    for (const char *p = cmds; (p = strstr(p, ".TP\n\\fBweaver ")) && p < end; p++)
        entries++;
    assert_int_equal(entries, wv_strv_len(names));
    wv_strv_free(names);

    /* `help --man` writes the same page */
    run_ok(f, "help --man");
    assert_string_equal(wv_buf_cstr(&f->out), m);
    /* no text line starts with a control character by accident */
    for (const char *line = strstr(m, ".SH COMMANDS\n"); line && *line;) {
        const char *nl = strchr(line, '\n');
        if (!nl)
            break;
        line = nl + 1;
        if (*line == '\'')
            fail_msg("line starts with ': %.40s", line);
    }
    wv_buf_done(&man);
}

/* ---------------- option helpers ---------------- */

/* core_cmd_opt / core_cmd_flag / core_cmd_arg / core_cmd_flag_is_bool. */
static void test_option_helpers(void **state)
{
    (void)state;
    char *argv[] = {"--config", "f.json", "a", "--demo", "b", "--limit", "3", "c", "--yes"};
    int argc = 9;
    const char *v = "junk";
    struct wv_error err = {0};
    assert_int_equal(core_cmd_opt(argc, argv, "--config", &v, &err), 0);
    assert_string_equal(v, "f.json");
    assert_int_equal(core_cmd_opt(argc, argv, "--limit", &v, &err), 0);
    assert_string_equal(v, "3");
    assert_int_equal(core_cmd_opt(argc, argv, "--state", &v, &err), 0);
    assert_null(v);
    assert_true(core_cmd_flag(argc, argv, "--demo"));
    assert_true(core_cmd_flag(argc, argv, "--yes"));
    assert_false(core_cmd_flag(argc, argv, "--man"));
    assert_false(core_cmd_flag(argc, argv, "--dem"));
    assert_string_equal(core_cmd_arg(argc, argv, 0), "a");
    assert_string_equal(core_cmd_arg(argc, argv, 1), "b");
    assert_string_equal(core_cmd_arg(argc, argv, 2), "c");
    assert_null(core_cmd_arg(argc, argv, 3));
    assert_int_equal(err.code, WV_E_OK);

    /* the last occurrence wins */
    char *twice[] = {"--limit", "1", "--limit", "2"};
    assert_int_equal(core_cmd_opt(4, twice, "--limit", &v, &err), 0);
    assert_string_equal(v, "2");
    /* a value flag at the end has no value */
    char *dangling[] = {"x", "--config"};
    assert_int_equal(core_cmd_opt(2, dangling, "--config", &v, &err), -1);
    assert_int_equal(err.code, WV_E_USAGE);
    assert_string_equal(err.msg, "--config needs a value");
    assert_string_equal(core_cmd_arg(2, dangling, 0), "x");
    assert_null(core_cmd_arg(2, dangling, 1));
    /* a single dash is not a flag */
    char *dash[] = {"-", "-x"};
    assert_string_equal(core_cmd_arg(2, dash, 0), "-");
    assert_string_equal(core_cmd_arg(2, dash, 1), "-x");
    assert_null(core_cmd_arg(0, NULL, 0));

    assert_true(core_cmd_flag_is_bool("--demo"));
    assert_true(core_cmd_flag_is_bool("--yes"));
    assert_true(core_cmd_flag_is_bool("--man"));
    assert_true(core_cmd_flag_is_bool("--json"));
    assert_false(core_cmd_flag_is_bool("--limit"));
    assert_false(core_cmd_flag_is_bool("--config"));
    assert_false(core_cmd_flag_is_bool("demo"));
}

/* ---------------- formatting ---------------- */

/* Asserts one core_cmd_fmt_bytes result. */
static void check_bytes(int64_t n, const char *want)
{
    char buf[32];
    const char *got = core_cmd_fmt_bytes(n, buf, sizeof buf);
    assert_ptr_equal(got, buf);
    if (strcmp(got, want) != 0)
        fail_msg("fmt_bytes(%lld) = '%s', want '%s'", (long long)n, got, want);
}

/* Asserts one core_cmd_fmt_count result. */
static void check_count(int64_t n, const char *want)
{
    char buf[32];
    const char *got = core_cmd_fmt_count(n, buf, sizeof buf);
    assert_ptr_equal(got, buf);
    if (strcmp(got, want) != 0)
        fail_msg("fmt_count(%lld) = '%s', want '%s'", (long long)n, got, want);
}

/* Decimal units, one decimal past bytes. */
static void test_fmt_bytes(void **state)
{
    (void)state;
    check_bytes(0, "0 B");
    check_bytes(834, "834 B");
    check_bytes(999, "999 B");
    check_bytes(1000, "1.0 KB");
    check_bytes(1536, "1.5 KB");
    check_bytes(999949, "999.9 KB");
    check_bytes(1234567, "1.2 MB");
    check_bytes(5000000000, "5.0 GB");
    check_bytes(2000000000000, "2.0 TB");
    check_bytes(3000000000000000, "3000.0 TB"); /* TB is the largest unit */
    check_bytes(-5, "-5 B");
    /* a small buffer truncates and stays terminated */
    char small[4];
    core_cmd_fmt_bytes(1536, small, sizeof small);
    assert_string_equal(small, "1.5");
}

/* Values that round up to 1000 of a unit move to the next unit.
 * (Fails today: 999999 prints "1000.0 KB", 999950000 "1000.0 MB".) */
static void test_fmt_bytes_rounding(void **state)
{
    (void)state;
    check_bytes(999999, "1.0 MB");
    check_bytes(999950000, "1.0 GB");
}

/* Thousands separators, signs, extremes, truncation. */
static void test_fmt_count(void **state)
{
    (void)state;
    check_count(0, "0");
    check_count(7, "7");
    check_count(999, "999");
    check_count(1000, "1,000");
    check_count(12345, "12,345");
    check_count(123456, "123,456");
    check_count(1234567, "1,234,567");
    check_count(-1, "-1");
    check_count(-1234, "-1,234");
    check_count(-123456, "-123,456");
    check_count(INT64_MAX, "9,223,372,036,854,775,807");
    check_count(-INT64_MAX, "-9,223,372,036,854,775,807");
    char small[6];
    core_cmd_fmt_count(1234567, small, sizeof small);
    assert_true(strlen(small) < sizeof small);
    assert_true(wv_str_starts("1,234,567", small));
}

/* INT64_MIN has no positive counterpart: negating it is undefined behaviour.
 * (Fails today: prints "--9,223,372,036,854,775,808"; under UBSan the negation aborts, so this
 * test runs last.) */
static void test_fmt_count_int64_min(void **state)
{
    (void)state;
    check_count(INT64_MIN, "-9,223,372,036,854,775,808");
}

/* ---------------- workspace commands ---------------- */

#define CONN_HEADER                                                                                \
    "NAME                     SOURCE           DESTINATION  STREAMS  SCHEDULE       LAST       "   \
    "LAST RUN (UTC)\n"
#define JOBS_HEADER                                                                                \
    "JOB    CONNECTION               STATUS     STARTED (UTC)        DURATION      RECORDS      "  \
    "BYTES  ERROR\n"

/* `init DIR` then `connection list` and `jobs` on the empty workspace. */
static void test_init_plain_then_list(void **state)
{
    struct fixture *f = *state;
    char *ws = wv_asprintf("%s/plain", f->dir);
    char *line = wv_asprintf("init %s", ws);
    run_ok(f, line);
    char *want = wv_asprintf("created workspace %s\n", ws);
    assert_string_equal(wv_buf_cstr(&f->out), want);
    free(want);
    free(line);
    f->env.workspace_flag = ws;
    run_ok(f, "connection list");
    assert_string_equal(wv_buf_cstr(&f->out), CONN_HEADER);
    run_ok(f, "jobs");
    assert_string_equal(wv_buf_cstr(&f->out), JOBS_HEADER);
    /* the state store was created, private */
    char *db = wv_asprintf("%s/.weaver/state.db", ws);
    assert_true(wv_fs_exists(db));
    free(db);
    /* init again into the same directory is refused */
    line = wv_asprintf("init %s", ws);
    want = wv_asprintf("%s is not empty; not touching it", ws);
    run_fail(f, line, WV_E_CONFLICT, want);
    free(want);
    free(line);
    f->env.workspace_flag = NULL;
    free(ws);
}

/* `init DIR --demo`, then the read commands over it, through core_cmd_run. */
static void test_init_demo_then_commands(void **state)
{
    struct fixture *f = *state;
    char *ws = wv_asprintf("%s/demo", f->dir);
    char *line = wv_asprintf("init --demo %s", ws);
    run_ok(f, line);
    char *want = wv_asprintf("created demo workspace %s\nnext: weaver -w %s sync faker_users   "
                             "(or open the console: weaver -w %s)\n",
                             ws, ws, ws);
    assert_string_equal(wv_buf_cstr(&f->out), want);
    free(want);
    free(line);

    /* the workspace through $WEAVER_WORKSPACE this time */
    setenv("WEAVER_WORKSPACE", ws, 1);
    run_ok(f, "connection list");
    assert_string_equal(wv_buf_cstr(&f->out), CONN_HEADER
                        "acme_orders              acme             raw                2  manual   "
                        "      never      -\n"
                        "faker_snapshot           faker            raw                1  0 2 * * "
                        "*      never      -\n"
                        "faker_users              faker            raw                3  every 1h "
                        "      never      -\n"
                        "globex_orders            globex           raw                2  manual   "
                        "      never      -\n");
    assert_int_equal(f->diag.len, 0);

    run_ok(f, "connection show faker_users");
    const char *out = wv_buf_cstr(&f->out);
    char *real = wv_path_real(ws, NULL);
    want = wv_asprintf("connection   faker_users\nfile         %s/connections/faker_users.yaml\n"
                       "source       faker (builtin:faker)\ndestination  raw (local parquet at "
                       "%s/raw/faker_users)\nschedule     every 1h\nstreams:\n"
                       "  users                incremental   append_dedup  cursor updated_at     "
                       "    pk id\n"
                       "  purchases            incremental   append        cursor "
                       "(source-defined)   pk (source-defined)\n"
                       "  products             full_refresh  overwrite     cursor -              "
                       "    pk (source-defined)\n"
                       "state        (none)\nrecent jobs:\n" JOBS_HEADER,
                       real, real);
    assert_string_equal(out, want);
    free(want);
    free(real);

    run_ok(f, "state show faker_users");
    assert_string_equal(wv_buf_cstr(&f->out), "[]\n");
    run_ok(f, "state reset faker_users --yes");
    assert_string_equal(wv_buf_cstr(&f->out), "state of faker_users reset\n");
    run_ok(f, "state reset faker_users users --yes");
    assert_string_equal(wv_buf_cstr(&f->out), "state of faker_users stream users reset\n");
    run_ok(f, "jobs faker_users --limit 5");
    assert_string_equal(wv_buf_cstr(&f->out), JOBS_HEADER);

    run_fail(f, "connection show nope", WV_E_NOTFOUND, "unknown connection 'nope'");
    run_fail(f, "state show nope", WV_E_NOTFOUND, "unknown connection 'nope'");
    run_fail(f, "state reset nope --yes", WV_E_NOTFOUND, "unknown connection 'nope'");
    run_fail(f, "jobs nope", WV_E_NOTFOUND, "unknown connection 'nope'");
    unsetenv("WEAVER_WORKSPACE");
    free(ws);
}

/* Workspace commands outside a workspace fail with the finder's message. */
static void test_commands_without_workspace(void **state)
{
    struct fixture *f = *state;
    f->env.workspace_flag = f->dir;
    char *real = wv_path_real(f->dir, NULL);
    char *want = wv_asprintf("%s: not a weaver workspace (no weaver.yaml)", real);
    run_fail(f, "connection list", WV_E_NOTFOUND, want);
    run_fail(f, "jobs", WV_E_NOTFOUND, want);
    run_fail(f, "state show x", WV_E_NOTFOUND, want);
    free(want);
    free(real);
    /* a broken workspace reports the config error */
    char *main_path = wv_path_join(f->dir, "weaver.yaml");
    struct wv_error err = {0};
    assert_int_equal(wv_fs_write_atomic(main_path, "version: 3\n", 11, 0644, &err), 0);
    real = wv_path_real(f->dir, NULL);
    want = wv_asprintf("%s/weaver.yaml:1:10: unsupported workspace version (this weaver reads "
                       "version 1)",
                       real);
    run_fail(f, "connection list", WV_E_CONFIG, want);
    free(want);
    free(real);
    free(main_path);
    f->env.workspace_flag = NULL;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_dispatch_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_usage_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_version, setup, teardown),
        cmocka_unit_test(test_exists),
        cmocka_unit_test_setup_teardown(test_help_list, setup, teardown),
        cmocka_unit_test_setup_teardown(test_help_one, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dash_help, setup, teardown),
        cmocka_unit_test_setup_teardown(test_help_group, setup, teardown),
        cmocka_unit_test_setup_teardown(test_help_unknown, setup, teardown),
        cmocka_unit_test_setup_teardown(test_help_unknown_words, setup, teardown),
        cmocka_unit_test_setup_teardown(test_man, setup, teardown),
        cmocka_unit_test(test_option_helpers),
        cmocka_unit_test(test_fmt_bytes),
        cmocka_unit_test(test_fmt_bytes_rounding),
        cmocka_unit_test(test_fmt_count),
        cmocka_unit_test_setup_teardown(test_init_plain_then_list, setup, teardown),
        cmocka_unit_test_setup_teardown(test_init_demo_then_commands, setup, teardown),
        cmocka_unit_test_setup_teardown(test_commands_without_workspace, setup, teardown),
        cmocka_unit_test(test_fmt_count_int64_min), /* last: aborts under UBSan today */
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
