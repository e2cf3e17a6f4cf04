/* cmd.c - the one command table: the CLI (`weaver sync x`), the console prompt (`:sync x`) and
 * the remote protocol all run commands through core_cmd_run; help and the man page are
 * generated from the same table. Runs on the caller's thread. Command bodies live in
 * cmd_*.c files; this file holds the table, dispatch, help and man output. */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "core/cmd_dest_int.h"
#include "core/cmd_int.h"
#include "core/metrics_int.h"

/* The table. Words are matched longest first; `run` NULL means the front end handles it. */
static const struct cmd_def commands[] = {
    {"help", "[COMMAND...]", "show the command list, or one command's help",
     "With no argument, lists every command. With a command name (e.g. `help connection "
     "list`), shows its usage and description.",
     0, -1, core_cmd_help_cmd, "--man"},
    {"version", "", "print weaver's version", "Prints the version (also `weaver --version`).", 0,
     0, core_cmd_version, ""},
    {"console", "", "open the operator console on the workspace",
     "Opens the interactive console (also what `weaver` does with no command; `weaver "
     "--readonly` opens it read-only). Views: Sources, Connections (with recent runs), Flows "
     "(with the runs grid), Run (tasks, checks, attempts), Logs (follow, filter, search), "
     "Metrics, Commands (what the console ran, as CLI commands). ? shows the keys of the view, "
     ": runs any command of this table (with completion and history), :theme NAME switches "
     "theme. Keys are listed under CONSOLE KEYS and can be rebound in ~/.config/weaver/keys "
     "(or $WEAVER_KEYS) with lines `bind CONTEXT KEY ACTION|:COMMAND`.",
     0, 0, NULL, ""},
    {"init", "DIR [--demo]", "create a new workspace",
     "Creates DIR with weaver.yaml, sources/, connections/ and flows/. With --demo, fills it with "
     "the bundled demo workspace: a faker source and connections into a local raw zone.",
     1, 1, core_cmd_init, "--demo"},
    {"source spec", "--connector NAME|--manifest PATH [--http-rewrite FROM=TO]...",
     "print a connector's SPEC message",
     "Prints the connector's specification as one Airbyte SPEC message, as a source container "
     "does. --manifest PATH runs a declarative (Airbyte low-code) manifest instead of a named "
     "connector; --http-rewrite FROM=TO (repeatable) maps URL prefixes, e.g. "
     "https://api.example.com=http://127.0.0.1:8080, for testing against fixture servers.",
     0, 0, core_cmd_source_spec, "--connector --manifest --http-rewrite"},
    {"source check",
     "--connector NAME|--manifest PATH --config FILE [--http-rewrite FROM=TO]...",
     "check a connector config",
     "Validates FILE (JSON) and tries the connection; prints one CONNECTION_STATUS message. A "
     "failed check exits 0 with status FAILED; a config that cannot be read exits 1 with a TRACE "
     "error.",
     0, 0, core_cmd_source_check, "--connector --manifest --config --http-rewrite"},
    {"source discover",
     "--connector NAME|--manifest PATH --config FILE [--http-rewrite FROM=TO]...",
     "print a connector's CATALOG",
     "Prints the streams the connector offers as one Airbyte CATALOG message.", 0, 0,
     core_cmd_source_discover, "--connector --manifest --config --http-rewrite"},
    {"source read",
     "--connector NAME|--manifest PATH --config FILE [--catalog FILE] [--state FILE] "
     "[--http-rewrite FROM=TO]...",
     "read records as Airbyte messages",
     "Reads the streams of the configured catalog (every stream, full refresh, when no catalog is "
     "given), starting from the state file if given, and prints RECORD, STATE, LOG and TRACE "
     "messages, one per line.",
     0, 0, core_cmd_source_read,
     "--connector --manifest --config --catalog --state --http-rewrite"},
    {"destination spec", "", "print the destination's SPEC message",
     "Prints weaver's Parquet raw zone as an Airbyte destination specification (one SPEC "
     "message). The config takes destination-s3's fields: s3_bucket_name, s3_bucket_path, "
     "s3_bucket_region, s3_endpoint, access_key_id and secret_access_key (both secrets; without "
     "them the AWS environment or credentials file is used), s3_path_format, file_name_pattern "
     "and format {format_type: Parquet, compression_codec: UNCOMPRESSED|SNAPPY|GZIP|ZSTD, "
     "block_size_mb (row group), page_size_kb, dictionary_page_size_kb, dictionary_encoding}; "
     "plus destination_path (a local directory instead of S3) and flatten (nested objects "
     "become parent_child columns). Sync modes: append and overwrite.",
     0, 0, core_cmd_destination_spec, ""},
    {"destination check", "--config FILE", "check a destination config",
     "Validates FILE (JSON) and writes, lists and deletes a small test object under the bucket path "
     "(or a test file in destination_path); prints one CONNECTION_STATUS message, SUCCEEDED or "
     "FAILED with the reason (never a secret). A config that cannot be read exits 1 with a "
     "TRACE error.",
     0, 0, core_cmd_destination_check, "--config"},
    {"destination write", "--config FILE --catalog FILE",
     "write Airbyte messages from stdin to the raw zone",
     "Reads Airbyte messages (JSON lines) from stdin, as a destination container does. Each "
     "RECORD of a stream in the configured catalog is written to Parquet files; at each STATE "
     "the files are sealed and published (local rename or S3 upload, then the run's manifest "
     "_runs/RUN/_manifest.json) and only then is the STATE line echoed to stdout unchanged; at "
     "the end of input the rest is published. overwrite streams replace their older files "
     "when the input ends without error (until then both are visible, as with Airbyte's S3 "
     "destination); append_dedup is written as append with a warning. "
     "s3_path_format variables ${NAMESPACE} ${STREAM_NAME} ${YEAR} ${MONTH} ${DAY} ${HOUR} "
     "${EPOCH} (seconds; ${STREAM_NAME} must be a directory of its own, before any time) and "
     "file_name_pattern placeholders {date} {date:yyyy_MM} {timestamp} "
     "{part_number} {sync_id} {format_extension} are translated to weaver's path template "
     "({part_number} and .parquet are added when missing, and the run id unless {sync_id} "
     "names the sync); without them files go to "
     "{namespace}/{stream}/dt={date}/{run_id}-{part}.parquet. Any error prints a TRACE error "
     "and exits 1; no STATE is echoed for data that was not published.",
     0, 0, core_cmd_destination_write, "--config --catalog"},
    {"sync", "CONNECTION", "run one sync of a connection",
     "Reads the connection's source and writes its destination. Each STATE checkpoint is stored "
     "only after the data before it is durable and published, so a sync killed at any point "
     "resumes without losing records. Shows a progress line on a terminal.",
     1, 1, core_cmd_sync, ""},
    {"connection list", "", "list the workspace's connections",
     "One line per connection: name, source, destination, streams, schedule and last job.", 0, 0,
     core_cmd_connection_list, ""},
    {"connection show", "CONNECTION", "show a connection in detail",
     "Shows the connection's source, destination, schedule and each stream's sync mode, cursor "
     "and primary key, with its stored state and recent jobs.",
     1, 1, core_cmd_connection_show, ""},
    {"connection enable", "CONNECTION", "enable a connection's schedule",
     "Sets `enabled: true` in the connection's YAML file, in place (comments kept), so the "
     "scheduler runs it again.",
     1, 1, core_cmd_connection_enable, ""},
    {"connection disable", "CONNECTION", "disable a connection's schedule",
     "Sets `enabled: false` in the connection's YAML file, in place (comments kept): the "
     "scheduler no longer starts its syncs (a `sync` by hand still runs).",
     1, 1, core_cmd_connection_disable, ""},
    {"check", "SOURCE", "check a workspace source's config",
     "Resolves the source's config (templates, types from the connector's spec) and tries the "
     "connection; prints `source SOURCE: check succeeded`, or fails with the connector's "
     "message (never a secret).",
     1, 1, core_cmd_check, ""},
    {"discover", "CONNECTION", "compare a source's streams with the last sync",
     "Runs discover for the connection's source and prints, per stream of the connection, "
     "what changed since the schemas kept with its last successful sync: new and missing "
     "columns and type changes, or `no change`; then the streams the source offers that the "
     "connection does not sync.",
     1, 1, core_cmd_discover, ""},
    {"jobs", "[CONNECTION] [--limit N]", "list recent jobs",
     "Newest first: id, connection, status, start, duration, records, bytes and error.", 0, 1,
     core_cmd_jobs, "--limit"},
    {"flow list", "", "list the workspace's flows",
     "One line per flow of flows/*.yaml: its schedule, number of tasks, next scheduled time "
     "(UTC), and its last run.",
     0, 0, core_cmd_flow_list, ""},
    {"flow run", "FLOW", "run a flow now, in the foreground",
     "Runs the flow's DAG: ready tasks run in parallel (at most max_parallel), failed tries are "
     "retried with exponential backoff (retries, retry_delay), a task past its timeout is "
     "stopped. Task state changes are printed as they happen, the run's tasks and quality "
     "results at the end. Sync tasks stage their data when a publish task is downstream; the "
     "gate lets the publish happen only when no error-level check failed. Ctrl-C cancels the "
     "run. Exit 1 when the run failed.",
     1, 1, core_cmd_flow_run, ""},
    {"flow status", "[RUN] [--flow NAME]", "show recent flow runs, or one run's tasks",
     "Without RUN: the last runs (of one flow with --flow). With RUN: each task's state, tries, "
     "gate loops, duration, records and error, then the quality results with the observed value "
     "and the threshold.",
     0, 1, core_cmd_flow_status, "--flow"},
    {"flow logs", "RUN [TASK] [--attempt N] [--follow]", "print the logs of a run's attempts",
     "Prints the log of every attempt of the run (or of one task, or one attempt). --follow "
     "keeps printing new lines until the run ends.",
     1, 2, core_cmd_flow_logs, "--attempt --follow"},
    {"flow rerun", "RUN --failed | --from TASK [--dry-run]", "run a finished run again from a task",
     "Airflow's clear: --failed clears every task that did not succeed and everything "
     "downstream of it; --from TASK clears that task and everything downstream. Prints the "
     "tasks it will rerun, then runs them; the other tasks keep their results (and the data "
     "their syncs staged). --dry-run only prints what would rerun.",
     1, 1, core_cmd_flow_rerun, "--failed --from --dry-run"},
    {"flow enable", "FLOW", "enable a flow's schedule",
     "Sets `enabled: true` in the flow's YAML file, in place (comments kept).",
     1, 1, core_cmd_flow_enable, ""},
    {"flow disable", "FLOW", "disable a flow's schedule",
     "Sets `enabled: false` in the flow's YAML file, in place (comments kept): the scheduler "
     "no longer starts it (`flow run` by hand still runs it).",
     1, 1, core_cmd_flow_disable, ""},
    {"flow cancel", "RUN", "cancel a running flow run",
     "Asks the process running the run to stop it: running syncs and commands are cancelled, "
     "tasks not yet started are skipped, staged data is discarded.",
     1, 1, core_cmd_flow_cancel, ""},
    {"flow mark", "RUN TASK success|failed", "set a task's state by hand",
     "Marks a task of a finished run success or failed (the run's state follows), e.g. after "
     "fixing something by hand.",
     3, 3, core_cmd_flow_mark, ""},
    {"daemon", "[--once] [--metrics-listen ADDR:PORT]", "run the scheduler headless",
     "Starts scheduled flows (cron in the flow's time zone, or every: intervals; catch-up by "
     "the flow's catchup policy) and scheduled connection syncs, each on its own thread; a flow "
     "never has two runs at once. --metrics-listen serves the Prometheus metrics at "
     "http://ADDR:PORT/metrics. --once starts what is due now, waits for it and exits. Ctrl-C "
     "cancels the runs under way and exits.",
     0, 0, core_cmd_daemon, "--once --metrics-listen"},
    {"runs", "[CONNECTION]", "list staged, blocked and published Parquet runs",
     "A sync into a Parquet raw zone stages its files, passes the connection's checks (its "
     "gate), publishes them and then commits its state. Lists runs waiting (staged), being "
     "published, blocked by their gate (with the reason and where the staged files are kept), "
     "and the last published and discarded ones.",
     0, 1, core_cmd_runs, ""},
    {"metrics", "[--listen ADDR:PORT]", "print the workspace's Prometheus metrics",
     "Prints metrics in the Prometheus text format, read from the state store: per connection "
     "weaver_sync_runs_total{connection,status}, weaver_sync_records_total, "
     "weaver_sync_bytes_total, weaver_sync_last_success_timestamp_seconds, "
     "weaver_sync_last_duration_seconds and weaver_sync_last_rate_records_per_second; per flow "
     "weaver_flow_runs_total{flow,state} and weaver_flow_last_run_timestamp_seconds; per task "
     "weaver_task_attempts_total{flow,task,state}, weaver_task_retries_total, "
     "weaver_task_last_duration_seconds and weaver_quality_checks_total{flow,task,check,"
     "verdict}; and weaver_build_info{version}. With --listen ADDR:PORT (e.g. 127.0.0.1:9464), "
     "serves them over HTTP at /metrics until interrupted instead.",
     0, 0, core_cmd_metrics, "--listen"},
    {"publish", "JOB [--force]", "publish a staged or blocked run",
     "Publishes the staged files of a sync job (see `weaver runs`), writes its manifest, then "
     "commits the state the run carried. A run its gate blocked needs --force: the operator "
     "overrides the gate after looking at the staged files. Resumes a publish that was "
     "interrupted.",
     1, 1, core_cmd_publish, "--force"},
    {"discard", "JOB", "discard a staged or blocked run",
     "Removes the staged files of a run that was not published (aborting S3 uploads it "
     "started). Its state is never committed, so the next sync reads that data again.",
     1, 1, core_cmd_discard, ""},
    {"state show", "CONNECTION", "print a connection's stored state",
     "Prints the state weaver will pass to the source on the next sync, as Airbyte input state "
     "JSON.",
     1, 1, core_cmd_state_show, ""},
    {"state reset", "CONNECTION [STREAM] --yes", "forget a connection's state",
     "Drops the stored state of one stream (or all streams) so the next incremental sync starts "
     "from the beginning. Needs --yes.",
     1, 2, core_cmd_state_reset, "--yes"},
    {"manifest validate", "PATH...", "check declarative manifests against weaver's components",
     "Loads each Airbyte low-code manifest (resolving $ref, $parameters and default types) and "
     "checks every component and field against the ones weaver runs natively. Prints `PATH: ok` "
     "or the first problem with its file:line:col (an unknown field or type, a missing required "
     "field, or a Custom component that needs Python), then `N of M manifests fully supported`. "
     "Exits 1 unless all are.",
     1, -1, core_cmd_manifest_validate, ""},
    {"parquet write", "--schema S.json [--compression zstd|snappy|gzip|none] "
     "[--row-group-bytes N] [--dictionary on|off] [--dictionary-bytes N] [--airbyte-meta on|off] "
     "IN.jsonl OUT.parquet",
     "convert JSON lines to a Parquet file",
     "Writes each JSON object of IN.jsonl (`-` for stdin) as a row of OUT.parquet with weaver's "
     "own Parquet writer. S.json is {\"columns\":[{\"name\":\"id\",\"type\":\"int64\","
     "\"optional\":false},...]} with types int64, double, boolean, string, timestamp (RFC 3339 "
     "text, stored as UTC microseconds), date (YYYY-MM-DD) and json (any value, stored as JSON "
     "text); optional columns accept null and missing members. Compression defaults to none; "
     "row groups close after about N bytes (default 128 MiB). Values are dictionary-encoded "
     "(RLE_DICTIONARY) unless --dictionary off; a column chunk whose dictionary passes "
     "--dictionary-bytes (default 1 MiB), or is not smaller than PLAIN after 8192 values, "
     "continues PLAIN. S.json may instead be a stream's JSON "
     "schema ({\"type\":\"object\",\"properties\":...}): integer -> int64, number -> double, "
     "string with format date-time -> timestamp, date -> date, objects, arrays and unions -> "
     "json, types with null -> optional; then Airbyte's meta columns _airbyte_raw_id, "
     "_airbyte_extracted_at, _airbyte_meta and _airbyte_generation_id come first (filled in "
     "when a record lacks them; --airbyte-meta off leaves them out) and a value that does not "
     "fit its column is written as null and recorded in _airbyte_meta.changes. Otherwise a "
     "value that does not fit its column fails with the line and column; the output appears "
     "only when complete.",
     2, 2, core_cmd_parquet_write,
     "--schema --compression --row-group-bytes --dictionary --dictionary-bytes --airbyte-meta"},
    {"parquet inspect", "[--rows N] FILE", "describe a Parquet file and show its first rows",
     "Prints the schema, the key-value metadata keys, each row group (rows, bytes) and per "
     "column chunk the codec, encodings, value count, null count and min/max decoded for the "
     "type, then the first N rows (default 5) as JSON objects. Reads flat files with v1 pages "
     "(what weaver writes); a corrupt file fails with a message naming it.",
     1, 1, core_cmd_parquet_inspect, "--rows"},
    {"export snowflake", "DESTINATION", "print Snowflake DDL over a destination's raw zone",
     "Reads the raw zone's run manifests (_runs/*/_manifest.json; the newest run of each stream "
     "gives its columns) and prints SQL: a Parquet FILE FORMAT, a STAGE on the bucket and prefix "
     "(credentials left as a placeholder; a local destination gets an internal stage and a "
     "note), and per stream CREATE OR REPLACE EXTERNAL TABLE with each column cast from "
     "VALUE:\"col\" (int64 NUMBER(38,0), double FLOAT, boolean BOOLEAN, string VARCHAR, "
     "timestamp TIMESTAMP_TZ, date DATE, json VARIANT), partition columns parsed from the file "
     "path (dt=YYYY-MM-DD), AUTO_REFRESH and a .parquet PATTERN.",
     1, 1, core_cmd_export_snowflake, ""},
    {"export dbt-sources", "[DESTINATION]", "print a dbt sources.yml for a destination",
     "Prints a dbt sources.yml (version 2) with one source for the destination (the "
     "workspace's defaults.destination when omitted) and a table per stream: an external "
     "block in dbt-external-tables style (location, file_format, partitions), columns with "
     "Snowflake data types, and not_null + unique tests on single-column primary keys.",
     0, 1, core_cmd_export_dbt, ""},
};

#define N_COMMANDS (sizeof commands / sizeof commands[0])

/* Number of words in a command name. */
static int name_words(const char *name)
{
    int n = 1;
    for (const char *p = name; *p; p++)
        n += *p == ' ';
    return n;
}

/* Whether argv starts with the words of name. */
static bool matches(const char *name, int argc, char **argv)
{
    int words = name_words(name);
    if (argc < words)
        return false;
    const char *p = name;
    for (int i = 0; i < words; i++) {
        size_t len = strcspn(p, " ");
        if (strlen(argv[i]) != len || strncmp(argv[i], p, len) != 0)
            return false;
        p += len + (p[len] == ' ');
    }
    return true;
}

/* Finds the longest command matching argv. */
static const struct cmd_def *lookup(int argc, char **argv)
{
    const struct cmd_def *best = NULL;
    for (size_t i = 0; i < N_COMMANDS; i++)
        if (matches(commands[i].name, argc, argv) &&
            (!best || name_words(commands[i].name) > name_words(best->name)))
            best = &commands[i];
    return best;
}

/* Writes bytes to an output. */
void core_write(const struct core_out *out, const char *data, size_t len)
{
    if (out && out->ops && out->ops->write)
        out->ops->write(out->ctx, data, len);
}

/* Flushes an output. */
void core_flush(const struct core_out *out)
{
    if (out && out->ops && out->ops->flush)
        out->ops->flush(out->ctx);
}

/* printf to an output. */
void core_printf(const struct core_out *out, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *s = wv_vasprintf(fmt, ap);
    va_end(ap);
    core_write(out, s, strlen(s));
    free(s);
}

/* Whether argv names a command. */
bool core_cmd_exists(int argc, char **argv) { return lookup(argc, argv) != NULL; }

/* Usage line of a command. */
static void usage_line(const struct core_out *out, const struct cmd_def *c)
{
    core_printf(out, "usage: weaver %s%s%s\n", c->name, c->args[0] ? " " : "", c->args);
}

/* Whether a command accepts a flag. */
static bool flag_allowed(const struct cmd_def *c, const char *flag)
{
    size_t n = strlen(flag);
    for (const char *p = strstr(c->flags, flag); p; p = strstr(p + 1, flag))
        if ((p == c->flags || p[-1] == ' ') && (p[n] == ' ' || p[n] == '\0'))
            return true;
    return false;
}

/* Checks flags and the positional-argument count. */
static int check_argc(const struct cmd_def *c, int argc, char **argv, struct wv_error *err)
{
    int pos = 0;
    for (int i = 0; i < argc; i++) {
        if (argv[i][0] == '-' && argv[i][1] == '-' && !flag_allowed(c, argv[i]))
            return wv_error_set(err, WV_E_USAGE, 0, "weaver %s: unknown option '%s'%s%s%s", c->name,
                                argv[i], c->flags[0] ? " (accepts: " : "", c->flags,
                                c->flags[0] ? ")" : "");
        if (argv[i][0] == '-' && argv[i][1] == '-') {
            if (!core_cmd_flag_is_bool(argv[i]) && i + 1 < argc)
                i++; /* its value */
            continue;
        }
        pos++;
    }
    if (pos < c->min_args || (c->max_args >= 0 && pos > c->max_args))
        return wv_error_set(err, WV_E_USAGE, 0, "usage: weaver %s%s%s", c->name,
                            c->args[0] ? " " : "", c->args);
    return 0;
}

/* Dispatches a command line. */
int core_cmd_run(const struct core_cmd_env *env, int argc, char **argv, struct wv_error *err)
{
    if (argc < 1)
        return wv_error_set(err, WV_E_USAGE, 0, "no command given (try `weaver help`)");
    const struct cmd_def *c = lookup(argc, argv);
    if (!c) {
        const char *hint = "";
        for (size_t i = 0; i < N_COMMANDS; i++)
            if (strncmp(commands[i].name, argv[0], strlen(argv[0])) == 0 &&
                commands[i].name[strlen(argv[0])] == ' ')
                hint = " (it needs a subcommand)";
        return wv_error_set(err, WV_E_USAGE, 0, "unknown command '%s'%s; try `weaver help`",
                            argv[0], hint);
    }
    if (!c->run)
        return wv_error_set(err, WV_E_USAGE, 0, "'%s' is not available here", c->name);
    int words = name_words(c->name);
    argc -= words;
    argv += words;
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            char *name = wv_strdup(c->name);
            char *v[4] = {name, NULL};
            int n = 1;
            for (char *sp = strchr(name, ' '); sp; sp = strchr(sp + 1, ' ')) {
                *sp = '\0';
                v[n++] = sp + 1;
            }
            int rc = core_cmd_help(&env->out, n, v, err);
            free(name);
            return rc;
        }
    }
    if (check_argc(c, argc, argv, err) < 0)
        return -1;
    return c->run(env, argc, argv, err);
}

/* Writes the long help of a command. */
static void help_one(const struct core_out *out, const struct cmd_def *c)
{
    usage_line(out, c);
    core_printf(out, "\n%s.\n\n%s\n", c->summary, c->help);
}

/* Help: list or one command. */
int core_cmd_help(const struct core_out *out, int argc, char **argv, struct wv_error *err)
{
    if (argc > 0) {
        const struct cmd_def *c = lookup(argc, argv);
        if (!c || name_words(c->name) != argc) {
            size_t glen = strlen(argv[0]);
            bool group = false;
            for (size_t i = 0; argc == 1 && i < N_COMMANDS; i++)
                group = group || (strncmp(commands[i].name, argv[0], glen) == 0 &&
                                  commands[i].name[glen] == ' ');
            if (!group) {
                char words[256] = "";
                size_t o = 0;
                for (int i = 0; i < argc && o < sizeof words; i++)
                    o += (size_t)snprintf(words + o, sizeof words - o, "%s%s", i ? " " : "",
                                          argv[i]);
                return wv_error_set(err, WV_E_USAGE, 0, "no such command: %s", words);
            }
            core_printf(out, "%s commands:\n", argv[0]);
            for (size_t i = 0; i < N_COMMANDS; i++)
                if (strncmp(commands[i].name, argv[0], glen) == 0 && commands[i].name[glen] == ' ')
                    core_printf(out, "  weaver %s%s%s\n", commands[i].name,
                                commands[i].args[0] ? " " : "", commands[i].args);
            return 0;
        }
        help_one(out, c);
        return 0;
    }
    core_printf(out, "weaver %s - an operator console and engine for data pipelines\n\n"
                     "usage: weaver [--workspace DIR] [--readonly] [COMMAND [ARGS...]]\n\n"
                     "With no command, opens the console on the workspace.\n\ncommands:\n",
                WEAVER_VERSION);
    for (size_t i = 0; i < N_COMMANDS; i++)
        core_printf(out, "  %-18s %s\n", commands[i].name, commands[i].summary);
    core_printf(out, "\nglobal options:\n"
                     "  -w, --workspace DIR  the workspace (else $WEAVER_WORKSPACE, else the "
                     "current\n                       directory or its nearest parent with "
                     "weaver.yaml)\n"
                     "  --readonly           refuse commands that change anything (also "
                     "WEAVER_READONLY=1);\n                       the console then only watches\n"
                     "  --version            print the version\n\n"
                     "`weaver help COMMAND` shows one command. Exit status: 0 ok, 1 failure, 2 "
                     "usage error.\n");
    return 0;
}

/* Escapes text for roff (backslashes and leading dots). */
static void roff_text(const struct core_out *out, const char *s)
{
    if (*s == '.' || *s == '\'')
        core_write(out, "\\&", 2);
    for (; *s; s++) {
        if (*s == '\\')
            core_write(out, "\\e", 2);
        else if (*s == '-')
            core_write(out, "\\-", 2);
        else
            core_write(out, s, 1);
    }
}

/* The man page, generated from the table. */
void core_cmd_man(const struct core_out *out)
{
    core_printf(out, ".\\\" Generated by `weaver help --man` from the command table; do not edit.\n"
                     ".TH WEAVER 1 \"\" \"weaver %s\" \"User Commands\"\n"
                     ".SH NAME\nweaver \\- an operator console and engine for data pipelines\n"
                     ".SH SYNOPSIS\n.B weaver\n[\\fB\\-\\-workspace\\fR \\fIDIR\\fR] "
                     "[\\fICOMMAND\\fR [\\fIARGS\\fR...]]\n"
                     ".SH DESCRIPTION\nweaver runs data-integration connections (Airbyte-protocol "
                     "sources into a raw zone) and shows them in a terminal console. With no "
                     "command it opens the console on the workspace.\n"
                     ".SH OPTIONS\n.TP\n\\fB\\-w\\fR, \\fB\\-\\-workspace\\fR \\fIDIR\\fR\n"
                     "The workspace directory. Otherwise \\fBWEAVER_WORKSPACE\\fR, otherwise the "
                     "current directory or its nearest parent holding weaver.yaml.\n"
                     ".TP\n\\fB\\-\\-readonly\\fR\nRefuse commands that change anything (also "
                     "\\fBWEAVER_READONLY=1\\fR); the console then only watches (no actions, no "
                     "scheduled runs).\n"
                     ".TP\n\\fB\\-\\-version\\fR\nPrint the version.\n.SH COMMANDS\n",
                WEAVER_VERSION);
    for (size_t i = 0; i < N_COMMANDS; i++) {
        core_printf(out, ".TP\n\\fBweaver %s\\fR", commands[i].name);
        if (commands[i].args[0]) {
            core_write(out, " ", 1);
            roff_text(out, commands[i].args);
        }
        core_write(out, "\n", 1);
        roff_text(out, commands[i].help);
        core_write(out, "\n", 1);
    }
    core_printf(out, ".SH EXIT STATUS\n0 success, 1 failure, 2 usage error.\n"
                     ".SH ENVIRONMENT\n.TP\n\\fBWEAVER_WORKSPACE\\fR\nThe workspace directory.\n"
                     ".TP\n\\fBNO_COLOR\\fR\nThe console uses no colours.\n"
                     ".TP\n\\fBWEAVER_THEME\\fR\nThe console's theme (default, light, "
                     "high-contrast, solarized).\n"
                     ".TP\n\\fBWEAVER_KEYS\\fR\nA key bindings file for the console.\n"
                     ".TP\n\\fBWEAVER_HTTP_REWRITE\\fR\nFROM=TO[,FROM=TO...]: URL prefixes that "
                     "declarative connectors rewrite during `weaver sync` (for fixture servers), "
                     "like the source commands' \\-\\-http\\-rewrite.\n"
                     ".SH FILES\n.TP\n\\fIweaver.yaml\\fR, \\fIsources/*.yaml\\fR, "
                     "\\fIconnections/*.yaml\\fR\nThe workspace, kept in git.\n.TP\n"
                     "\\fI.weaver/state.db\\fR\nState: connection cursors, jobs and attempts "
                     "(SQLite, mode 0600).\n");
}
