#!/usr/bin/env bash
# Integration: a sync killed with SIGKILL mid-way and re-run loses no record, and state is never
# stored ahead of published data. While the sync runs, the test repeatedly reads the committed
# state (first) and then the published files: every id up to the committed cursor must already
# be in the files. After the kill the same holds; the re-run then completes the data exactly.
source "$(dirname "$0")/lib.sh"

ws="$T/ws"
mkdir -p "$ws/sources" "$ws/connections"
printf 'version: 1\ndestinations:\n  lake: {type: local, path: lake, format: jsonl}\n' >"$ws/weaver.yaml"
cat >"$ws/sources/slow.yaml" <<'YAML'
connector: builtin:faker
config: {count: 4000, seed: 11, records_per_slice: 100, always_updated: false, sleep_ms_per_slice: 80}
YAML
cat >"$ws/connections/c.yaml" <<'YAML'
source: slow
streams:
  - {name: users, sync_mode: incremental, destination_sync_mode: append_dedup,
     cursor_field: updated_at, primary_key: id}
  - {name: purchases, sync_mode: incremental, destination_sync_mode: append}
YAML
db="$ws/.weaver/state.db"
lake="$ws/lake/c"
expected=$("$W" source read --connector builtin:faker --config <(echo '{"count":4000,"seed":11}') |
  python3 -c 'import sys,json
c={"users":0,"purchases":0}
for l in sys.stdin:
    m=json.loads(l)
    if m["type"]=="RECORD" and m["record"]["stream"] in c: c[m["record"]["stream"]]+=1
print(c["users"], c["purchases"])')
read -r n_users n_purchases <<<"$expected"
[ "$n_purchases" -gt 1000 ] || fail "unexpected purchase count $n_purchases"

# the committed ids of users and purchases, after checking that published data covers them
covered() { raw covered "$db" c "$lake" users purchases || fail "state ahead of published data"; }

# kill points (committed ids, each beyond the previous run's): mid-users, early and late purchases
kill_when=("users 800" "purchases 500" "purchases 2500")
for i in 0 1 2; do
  read -r kstream kid <<<"${kill_when[$i]}"
  "$W" -w "$ws" sync c >"$T/out.$i" 2>&1 &
  pid=$!
  PIDS+=("$pid")
  deadline=$((SECONDS + 60))
  while :; do
    [ $SECONDS -lt $deadline ] || fail "sync $i never reached $kstream state $kid"
    kill -0 "$pid" 2>/dev/null || fail "sync $i finished before the kill point ($(cat "$T/out.$i"))"
    read -r u p <<<"$(covered)"
    cur=$u; [ "$kstream" == purchases ] && cur=$p
    [ "$cur" -ge "$kid" ] && break
    sleep 0.05
  done
  kill -9 "$pid" 2>/dev/null || fail "sync $i ended before it could be killed"
  wait "$pid" 2>/dev/null || true
  read -r u p <<<"$(covered)"
  ok "kill $i during $kstream: committed users=$u purchases=$p, all covered by published files"
done

# state must have advanced across the kills (resume, not restart)
[ "$(raw state-id "$db" c users)" -gt 0 ] || fail "no users state after the kills"
ok "state survived the kills"

# finish the sync
"$W" -w "$ws" sync c >/dev/null || fail "final sync failed"
expect_eq "$(raw check-dedup "$lake" users)" "$n_users" "users complete and deduplicated after resume"
ids=$(raw ids "$lake" purchases)
unique=$(sed -E 's/unique=([0-9]+).*/\1/' <<<"$ids")
expect_eq "$unique" "$n_purchases" "every purchase present after resume (at-least-once)"
max=$(sed -E 's/.*max=([0-9]+)/\1/' <<<"$ids")
expect_eq "$max" "$n_purchases" "purchase ids end at the source's last id"
expect_eq "$(raw state-id "$db" c purchases)" "$n_purchases" "purchases state at the last id"
abandoned=$(raw sql "$db" "select count(*) from jobs where status='failed' and error like 'abandoned%'")
expect_eq "$abandoned" 3 "the three killed jobs are marked failed (abandoned)"
[ -z "$(ls -A "$lake/_weaver_staging" 2>/dev/null)" ] || fail "staging left behind after the final sync"
ok "no staging left after the final sync"
finish
