#!/usr/bin/env bash
# Integration (issue 5): flows through the CLI on a real workspace - two faker connections ->
# quality -> gate -> publish; parallel syncs; retries with backoff; a timeout; trigger rules;
# a gate that blocks publishing (nothing published, state unchanged) and one that sends the
# flow back to its syncs; rerun --failed / --from with Airflow "clear" semantics; mark; cancel;
# logs; and a bad flow file refused with file:line:col before any run is recorded.
source "$(dirname "$0")/lib.sh"
SRC=${WEAVER_SRC:-$(cd "$HERE/../.." && pwd)}
duck() { node "$SRC/tests/readers/duck_sql.mjs" "$1"; }

ws="$T/ws"
mkdir -p "$ws/sources" "$ws/connections" "$ws/flows"
db="$ws/.weaver/state.db"
cat >"$ws/weaver.yaml" <<'YAML'
version: 1
destinations:
  lake: {path: lake}
defaults: {destination: lake}
YAML
for a in acme globex; do
  seed=$([ $a = acme ] && echo 1 || echo 2)
  cat >"$ws/sources/$a.yaml" <<YAML
connector: builtin:faker
config: {count: 300, seed: $seed, records_per_slice: 100, always_updated: false, sleep_ms_per_slice: 100}
YAML
  cat >"$ws/connections/${a}_orders.yaml" <<YAML
source: $a
streams:
  - {name: purchases, sync_mode: incremental, destination_sync_mode: append}
YAML
done
cat >"$ws/flows/daily.yaml" <<'YAML'
name: daily
schedule: "0 6 * * *"
max_parallel: 4
tasks:
  - {name: sync_acme, type: sync, connection: acme_orders, retries: 1, timeout: 10m}
  - {name: sync_globex, type: sync, connection: globex_orders}
  - name: quality
    type: quality
    depends_on: [sync_acme, sync_globex]
    checks:
      - {stream: purchases, check: row_count, min: 1, severity: error}
      - {stream: purchases, check: low_count, below_pct_of_median: 50, runs: 7, severity: warn}
      - {stream: purchases, check: null_ratio, column: user_id, max: 0.01, severity: error}
      - {stream: purchases, check: unique, columns: [id], severity: error}
  - {name: gate, type: gate, depends_on: [quality]}
  - {name: publish, type: publish, depends_on: [gate]}
YAML
sql_() { sqlite3 "$db" "$1"; }

# --- list, then a run: both syncs in parallel, checks stored, published after the gate
out=$("$W" -w "$ws" flow list)
expect_contains "$out" "daily" "flow list shows the flow"
expect_contains "$out" "0 6 * * *" "and its schedule"
out=$("$W" -w "$ws" flow run daily 2>"$T/run1.err") || fail "flow run failed: $out $(cat "$T/run1.err")"
expect_contains "$out" "flow daily  success" "the run succeeds"
for t in sync_acme sync_globex quality gate publish; do
  grep -Eq "^$t +success" <<<"$out" || fail "task $t not success in: $out"
done
ok "every task succeeded"
expect_contains "$(cat "$T/run1.err")" "sync_acme            running" "task state changes are printed"
# the two syncs overlapped (max_parallel 4, each ~300 ms of source sleeps)
overlap=$(sql_ "select count(*) from task_attempts a, task_attempts b where a.task='sync_acme' and b.task='sync_globex' and a.started_ms < b.ended_ms and b.started_ms < a.ended_ms")
expect_eq "$overlap" 1 "the two syncs ran at the same time"
expect_contains "$out" "row_count" "quality results are listed with the run"
expect_eq "$(sql_ "select count(*) from quality_results where verdict='not_enough_history'")" 2 \
  "low_count without history: not enough history (one per sync)"
n_acme=$(duck "SELECT count(*) FROM read_parquet('$ws/lake/acme_orders/purchases/**/*.parquet')")
[ "$n_acme" != '["0"]' ] || fail "nothing published for acme"
ok "acme's purchases published by the publish task: $n_acme"
expect_contains "$("$W" -w "$ws" state show acme_orders)" "purchases" "acme's state committed with the publish"

# --- logs of a task's attempt
out=$("$W" -w "$ws" flow logs 1 quality)
expect_contains "$out" "== quality, attempt 1 (success) ==" "flow logs: attempt header"
expect_contains "$out" "row_count" "flow logs: the quality task's lines"

# --- a gate that blocks: nothing published, staged runs kept as blocked, state unchanged
cp "$ws/flows/daily.yaml" "$ws/flows/strict.yaml"
sed -i 's/^name: daily/name: strict/; s/check: row_count, min: 1,/check: row_count, min: 100000,/' "$ws/flows/strict.yaml"
state_before=$("$W" -w "$ws" state show acme_orders)
files_before=$(find "$ws/lake" -name '*.parquet' | wc -l)
set +e
out=$("$W" -w "$ws" flow run strict 2>/dev/null); rc=$?
set -e
expect_eq "$rc" 1 "blocked flow: exit 1"
grep -Eq "^gate +failed" <<<"$out" || fail "gate not failed: $out"
grep -Eq "^publish +upstream_failed" <<<"$out" || fail "publish not upstream_failed: $out"
ok "gate failed, publish upstream_failed"
expect_eq "$(find "$ws/lake" -name '*.parquet' -not -path '*_weaver_staging*' | wc -l)" "$files_before" \
  "blocked flow: no file published"
expect_eq "$("$W" -w "$ws" state show acme_orders)" "$state_before" "blocked flow: state unchanged"
expect_eq "$(sql_ "select count(*) from publishes where status='blocked'")" 2 \
  "the two staged runs are kept as blocked for diagnosis"

# --- a gate that sends the flow back once, then fails
sed -i 's/^  - {name: gate, type: gate, depends_on: \[quality\]}/  - {name: gate, type: gate, depends_on: [quality], on_failure: {rerun: [sync_acme], max_loops: 1}}/' "$ws/flows/strict.yaml"
set +e
out=$("$W" -w "$ws" flow run strict 2>/dev/null); rc=$?
set -e
expect_eq "$rc" 1 "looping gate still fails in the end"
grep -Eq "^sync_acme +success +2 +1 " <<<"$out" || fail "sync_acme should show loop 1: $out"
ok "the gate sent the flow back to sync_acme once (loop 1)"
expect_eq "$(sql_ "select count(*) from task_attempts a join task_runs t on t.run_id=a.run_id and t.task=a.task where a.task='gate' and a.run_id=(select max(id) from flow_runs)")" 2 \
  "the gate was judged twice"

# --- retries, timeout, trigger rules, rerun --failed
cat >"$ws/flows/ops.yaml" <<YAML
name: ops
tasks:
  - {name: flaky, type: command, argv: [/bin/sh, -c, "test -f $T/flaky || { touch $T/flaky; echo first try fails; exit 3; }"], retries: 2, retry_delay: 1s}
  - {name: slow, type: command, argv: [/bin/sleep, "30"], timeout: 1s}
  - {name: bad, type: command, argv: [/bin/sh, -c, "test -f $T/fixed"], depends_on: [flaky]}
  - {name: after, type: noop, depends_on: [bad]}
  - {name: on_fail, type: noop, depends_on: [bad], trigger_rule: one_failed}
  - {name: always, type: noop, depends_on: [bad, slow], trigger_rule: all_done}
  - {name: no_fail, type: noop, depends_on: [flaky], trigger_rule: none_failed}
YAML
set +e
out=$("$W" -w "$ws" flow run ops 2>/dev/null); rc=$?
set -e
expect_eq "$rc" 1 "ops run fails (bad, slow)"
grep -Eq "^flaky +success +2 " <<<"$out" || fail "flaky should succeed on try 2: $out"
ok "retry: flaky failed once, succeeded on try 2"
grep -Eq "^slow +failed .*timed out after 1s" <<<"$out" || fail "slow should time out: $out"
ok "timeout: slow stopped after 1s"
grep -Eq "^after +upstream_failed" <<<"$out" || fail "after: $out"
grep -Eq "^on_fail +success" <<<"$out" || fail "on_fail: $out"
grep -Eq "^always +success" <<<"$out" || fail "always: $out"
grep -Eq "^no_fail +success" <<<"$out" || fail "no_fail: $out"
ok "trigger rules: all_success -> upstream_failed, one_failed, all_done, none_failed"
run=$(sql_ "select max(id) from flow_runs")
expect_contains "$("$W" -w "$ws" flow logs "$run" flaky --attempt 1)" "first try fails" "logs of attempt 1"
touch "$T/fixed"
sed -i 's|argv: \[/bin/sleep, "30"\], timeout: 1s|argv: [/bin/true], timeout: 1s|' "$ws/flows/ops.yaml"
out=$("$W" -w "$ws" flow rerun "$run" --failed 2>/dev/null) || fail "rerun --failed failed: $out"
expect_contains "$out" "will rerun 5 tasks: slow bad after on_fail always" "rerun prints what it will run first"
grep -Eq "^flaky +success +2 " <<<"$out" || fail "flaky must keep its result: $out"
grep -Eq "^after +success" <<<"$out" || fail "after: $out"
grep -Eq "^on_fail +skipped" <<<"$out" || fail "on_fail should now be skipped: $out"
ok "rerun --failed: cleared tasks ran again, the others kept their results"
out=$("$W" -w "$ws" flow rerun "$run" --from bad 2>/dev/null) || fail "rerun --from failed"
expect_contains "$out" "will rerun 4 tasks: bad after on_fail always" "rerun --from: the task and everything downstream"

# --- mark
set +e; "$W" -w "$ws" flow run ops >/dev/null 2>&1; set -e
rm -f "$T/fixed"
cat >"$ws/flows/one.yaml" <<YAML
tasks:
  - {name: bad, type: command, argv: [/bin/false]}
YAML
set +e; "$W" -w "$ws" flow run one >/dev/null 2>&1; set -e
run=$(sql_ "select max(id) from flow_runs")
expect_eq "$(sql_ "select state from flow_runs where id=$run")" failed "run of one failed"
out=$("$W" -w "$ws" flow mark "$run" bad success)
expect_contains "$out" "task bad marked success" "mark"
expect_eq "$(sql_ "select state from flow_runs where id=$run")" success "marking the failed task success makes the run succeed"

# --- cancel: a long sync is stopped through the database
cat >"$ws/sources/slow.yaml" <<'YAML'
connector: builtin:faker
config: {count: 100000, seed: 3, records_per_slice: 100, sleep_ms_per_slice: 200}
YAML
printf 'source: slow\nstreams: [{name: users, sync_mode: full_refresh, destination_sync_mode: append}]\n' \
  >"$ws/connections/slowconn.yaml"
printf 'tasks:\n  - {name: s, type: sync, connection: slowconn}\n  - {name: n, type: noop, depends_on: [s]}\n' >"$ws/flows/long.yaml"
"$W" -w "$ws" flow run long >"$T/long.out" 2>&1 &
pid=$!
PIDS+=($pid)
for _ in $(seq 1 100); do
  run=$(sql_ "select id from flow_runs where flow='long' and state='running'" 2>/dev/null || true)
  [ -n "$run" ] && [ "$(sql_ "select state from task_runs where run_id=$run and task='s'")" = running ] && break
  sleep 0.1
done
[ -n "$run" ] || fail "the long run did not start"
"$W" -w "$ws" flow cancel "$run" >/dev/null
set +e; wait "$pid"; rc=$?; set -e
expect_eq "$rc" 1 "cancelled run exits 1"
expect_eq "$(sql_ "select state from flow_runs where id=$run")" cancelled "run recorded as cancelled"
expect_eq "$(sql_ "select status from jobs where connection='slowconn'")" cancelled "the running sync was cancelled"
expect_eq "$(sql_ "select state from task_runs where run_id=$run and task='n'")" skipped "the task after it never ran"

# --- a plain sync of a connection whose staged run waits for a flow's gate is refused
printf 'tasks:\n  - {name: s, type: sync, connection: acme_orders}\n  - {name: wait, type: command, argv: [/bin/sleep, "3"], depends_on: [s]}\n  - {name: p, type: publish, depends_on: [wait]}\n' >"$ws/flows/slowpub.yaml"
"$W" -w "$ws" flow run slowpub >"$T/slowpub.out" 2>&1 &
pid=$!
PIDS+=($pid)
for _ in $(seq 1 100); do
  [ "$(sql_ "select count(*) from publishes p join task_runs t on t.job_id = p.job_id where t.task='s' and p.status='staged'" 2>/dev/null || echo 0)" = 1 ] && break
  sleep 0.05
done
set +e; out=$("$W" -w "$ws" sync acme_orders 2>&1); rc=$?; set -e
expect_eq "$rc" 1 "a sync racing a staged flow run is refused"
expect_contains "$out" "waiting for its flow's gate" "and says why"
wait "$pid" || fail "slowpub flow failed: $(cat "$T/slowpub.out")"
expect_eq "$(sql_ "select status from publishes where job_id=(select job_id from task_runs where task='s' and run_id=(select max(id) from flow_runs where flow='slowpub'))")" published \
  "the flow's staged run was published, not discarded"

# --- bad flow files: file:line:col, and no run recorded
runs_before=$(sql_ "select count(*) from flow_runs")
printf 'tasks:\n  - {name: a, type: sync, connection: nope}\n' >"$ws/flows/broken.yaml"
set +e; out=$("$W" -w "$ws" flow run broken 2>&1); rc=$?; set -e
expect_eq "$rc" 1 "unknown connection: exit 1"
expect_contains "$out" "flows/broken.yaml:2:" "error names the flow file and line"
printf 'schedule: "61 * * * *"\ntasks:\n  - {name: a, type: noop}\n' >"$ws/flows/broken.yaml"
set +e; out=$("$W" -w "$ws" flow list 2>&1); set -e
expect_contains "$out" "flows/broken.yaml:1:" "unparsable cron named with file:line:col"
printf 'tasks:\n  - {name: a, type: noop, depends_on: [b]}\n  - {name: b, type: noop, depends_on: [a]}\n' >"$ws/flows/broken.yaml"
set +e; out=$("$W" -w "$ws" flow list 2>&1); set -e
expect_contains "$out" "cycle" "a cycle is refused"
printf 'tasks:\n  - {name: a, type: command, argv: [no-such-command-xyz]}\n' >"$ws/flows/broken.yaml"
set +e; out=$("$W" -w "$ws" flow list 2>&1); set -e
expect_contains "$out" "no-such-command-xyz" "a command that does not exist is refused"
expect_eq "$(sql_ "select count(*) from flow_runs")" "$runs_before" "no run recorded for bad flows"
rm "$ws/flows/broken.yaml"
finish
