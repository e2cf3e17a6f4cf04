#!/usr/bin/env bash
# Integration: bad YAML, JSON, catalogs and state give one line naming file:line:col, exit 1,
# no state change and nothing half-written; usage errors exit 2.
source "$(dirname "$0")/lib.sh"

"$W" init --demo "$T/ws" >/dev/null
ws="$T/ws"
"$W" -w "$ws" sync faker_users >/dev/null
before=$(raw sql "$ws/.weaver/state.db" "select stream, state_json from connection_state order by stream")
files_before=$(cd "$ws/raw" && find . -type f | sort | md5sum)

# run CMD... -> sets rc and out (stderr+stdout)
run() { set +e; out=$("$@" 2>&1); rc=$?; set -e; }

cp "$ws/connections/faker_users.yaml" "$T/good.yaml"
printf 'source: faker\nstreams:\n  - name: users\n    sync_mode: [oops\n' >"$ws/connections/faker_users.yaml"
run "$W" -w "$ws" sync faker_users
expect_eq "$rc" 1 "malformed YAML: exit 1"
expect_eq "$(wc -l <<<"$out")" 1 "malformed YAML: one line"
expect_contains "$out" "connections/faker_users.yaml:5:1:" "malformed YAML: file:line:col"

printf 'source: faker\nstreams:\n  - name: users\n    sync_mode: sometimes\n' >"$ws/connections/faker_users.yaml"
run "$W" -w "$ws" sync faker_users
expect_contains "$out" "faker_users.yaml:4:16: unknown sync_mode" "bad enum value positioned"

printf 'source: faker\nstreams:\n  - name: users\n    page_sise: 3\n' >"$ws/connections/faker_users.yaml"
run "$W" -w "$ws" sync faker_users
expect_contains "$out" "faker_users.yaml:4:16: unknown field 'page_sise'" "unknown field positioned"

printf 'source: nosuch\nstreams: [users]\n' >"$ws/connections/faker_users.yaml"
run "$W" -w "$ws" sync faker_users
expect_contains "$out" "unknown source 'nosuch'" "unknown source reference"

printf 'source: faker\nstreams: [{name: nosuch_stream}]\n' >"$ws/connections/faker_users.yaml"
run "$W" -w "$ws" sync faker_users
expect_eq "$rc" 1 "stream not in catalog: exit 1"
expect_contains "$out" "stream 'nosuch_stream' is not in the source's catalog" "stream not in catalog named"
cp "$T/good.yaml" "$ws/connections/faker_users.yaml"

printf 'connector: builtin:faker\nconfig:\n  count: -5\n' >"$ws/sources/faker.yaml"
run "$W" -w "$ws" sync faker_users
expect_eq "$rc" 1 "invalid source config: exit 1"
expect_contains "$out" "count" "invalid source config names the field"

after=$(raw sql "$ws/.weaver/state.db" "select stream, state_json from connection_state order by stream")
expect_eq "$after" "$before" "state unchanged by failed syncs"
files_after=$(cd "$ws/raw" && find . -type f | sort | md5sum)
expect_eq "$files_after" "$files_before" "raw zone unchanged by failed syncs"
[ ! -e "$ws/raw/faker_users/_weaver_staging" ] || [ -z "$(ls -A "$ws/raw/faker_users/_weaver_staging")" ] || fail "staging left behind"
ok "no staging left behind"

# source CLI: malformed JSON config / catalog / state
printf '{"count": 10,\n  "seed": }\n' >"$T/bad.json"
run "$W" source check --connector builtin:faker --config "$T/bad.json"
expect_eq "$rc" 1 "malformed config JSON: exit 1"
expect_contains "$out" "bad.json:2:11:" "malformed config JSON: file:line:col"
expect_contains "$out" '"type":"TRACE"' "source CLI reports a TRACE error message"
echo '{"count": 5}' >"$T/good.json"
echo '{"streams": [{"stream": {"name": "users"}}]}' >"$T/badcat.json"
run "$W" source read --connector builtin:faker --config "$T/good.json" --catalog "$T/badcat.json"
expect_eq "$rc" 1 "bad catalog: exit 1"
expect_contains "$out" "badcat.json:1:" "bad catalog positioned"
echo '[{"type": "STREAM", "stream": ' >"$T/badstate.json"
run "$W" source read --connector builtin:faker --config "$T/good.json" --state "$T/badstate.json"
expect_eq "$rc" 1 "truncated state: exit 1"
expect_contains "$out" "badstate.json:" "truncated state positioned"

# usage errors exit 2
run "$W" sync
expect_eq "$rc" 2 "missing argument: exit 2"
run "$W" frobnicate
expect_eq "$rc" 2 "unknown command: exit 2"
run "$W" --bogus
expect_eq "$rc" 2 "unknown option: exit 2"
run "$W" -w "$T/nowhere" jobs
expect_eq "$rc" 1 "missing workspace: exit 1"
run "$W" --version
expect_contains "$out" "weaver " "--version prints the version"
finish
