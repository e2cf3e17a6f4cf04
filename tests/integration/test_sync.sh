#!/usr/bin/env bash
# Integration: faker -> local raw zone through `weaver sync`, on a workspace made by
# `weaver init --demo` and on one written here. Checks exact counts for every sync mode, dedup
# without duplicates, state advanced to the data, job history, and an independent read of the
# files (Python json) and of state.db (Python sqlite3).
source "$(dirname "$0")/lib.sh"

# --- the demo workspace, as README's first command uses it (Parquet raw zone)
SRC=${WEAVER_SRC:-$(cd "$HERE/../.." && pwd)}
"$W" init --demo "$T/demo" >/dev/null
out=$("$W" -w "$T/demo" sync faker_users)
expect_contains "$out" "sync faker_users: succeeded" "demo sync succeeds"
root="$T/demo/raw/faker_users"
duck() { node "$SRC/tests/readers/duck_sql.mjs" "$1"; }
expect_eq "$(duck "SELECT count(*), count(DISTINCT id) FROM read_parquet('$root/users/**/*.parquet')")" \
  '["1000","1000"]' "demo users: 1000 unique ids (DuckDB)"
expect_eq "$(duck "SELECT count(*) FROM read_parquet('$root/products/**/*.parquet')")" '["100"]' \
  "demo products: 100"
purchases=$("$W" source read --connector builtin:faker --config <(echo '{"count":1000,"seed":42}') \
  | python3 -c 'import sys,json; print(sum(1 for l in sys.stdin if json.loads(l)["type"]=="RECORD" and json.loads(l)["record"]["stream"]=="purchases"))')
expect_eq "$(duck "SELECT count(*) FROM read_parquet('$root/purchases/**/*.parquet')")" "[\"$purchases\"]" \
  "demo purchases: same count as source read"
mode=$(stat -c %a "$T/demo/.weaver/state.db")
expect_eq "$mode" 600 "state.db is mode 0600"
expect_eq "$(sql "$T/demo/.weaver/state.db" 'pragma journal_mode')" wal "state.db is in WAL mode"

# --- a workspace written by hand: every sync mode, two runs
ws="$T/ws"
mkdir -p "$ws/sources" "$ws/connections"
cat >"$ws/weaver.yaml" <<'YAML'
version: 1
destinations:
  lake: {type: local, path: lake, format: jsonl}
YAML
cat >"$ws/sources/fk.yaml" <<'YAML'
connector: builtin:faker
config:
  count: "{{ env.FK_COUNT }}"
  seed: 7
  records_per_slice: 100
  always_updated: false
YAML
cat >"$ws/connections/modes.yaml" <<'YAML'
source: fk
streams:
  - {name: users, sync_mode: incremental, destination_sync_mode: append_dedup,
     cursor_field: updated_at, primary_key: id}
  - {name: purchases, sync_mode: incremental, destination_sync_mode: append}
  - {name: products, sync_mode: full_refresh, destination_sync_mode: overwrite}
YAML
cat >"$ws/connections/snap.yaml" <<'YAML'
source: fk
streams:
  - {name: users, sync_mode: full_refresh, destination_sync_mode: append}
YAML
# the count comes from the environment: unset is a clear error with the position
set +e
out=$("$W" -w "$ws" sync modes 2>&1); rc=$?
set -e
expect_eq "$rc" 1 "unset env var: exit 1"
expect_contains "$out" "sources/fk.yaml:3:10: environment variable FK_COUNT is not set" "unset env var named with file:line:col"
expect_eq "$(sql "$ws/.weaver/state.db" 'select count(*) from jobs' 2>/dev/null || echo 0)" 0 "no job recorded for a config error"

export FK_COUNT=300
"$W" -w "$ws" sync modes >/dev/null
"$W" -w "$ws" sync snap >/dev/null
lake="$ws/lake"
expect_eq "$(raw ids "$lake/modes" users)" "unique=300 total=300 min=1 max=300" "run 1 users: 1..300"
p1=$(raw count "$lake/modes" purchases)
expect_eq "$(raw count "$lake/modes" products)" 100 "run 1 products: 100"
expect_eq "$(raw state-id "$ws/.weaver/state.db" modes users)" 300 "users state committed at id 300"
maxu=$(raw maxcursor "$lake/modes" users updated_at)
state=$("$W" -w "$ws" state show modes)
expect_contains "$state" "\"updated_at\": \"$maxu\"" "users state cursor equals the max cursor written"

# run 2: 50 more users; always_updated false -> only new ones come
export FK_COUNT=350
out=$("$W" -w "$ws" sync modes)
expect_contains "$out" "users                    50 records" "run 2 reads only the 50 new users"
"$W" -w "$ws" sync snap >/dev/null
expect_eq "$(raw ids "$lake/modes" users)" "unique=350 total=350 min=1 max=350" "run 2 users: 1..350, no duplicates"
p2=$(raw count "$lake/modes" purchases)
[ "$p2" -gt "$p1" ] || fail "purchases did not grow ($p1 -> $p2)"
ok "run 2 purchases appended ($p1 -> $p2)"
expect_eq "$(raw ids "$lake/modes" purchases | sed 's/ min.*//; s/unique=\([0-9]*\) total=\([0-9]*\)/\1=\2/')" "$p2=$p2" "purchases: appended without duplicates"
expect_eq "$(raw count "$lake/modes" products)" 100 "run 2 products overwritten: still 100"
expect_eq "$(raw count "$lake/snap" users)" 650 "full_refresh append: 300 + 350 lines"
expect_eq "$(raw state-id "$ws/.weaver/state.db" modes users)" 350 "users state advanced to 350"

# run 3: always_updated -> every user again with a newer cursor; dedup keeps the newest only
sed -i 's/always_updated: false/always_updated: true/' "$ws/sources/fk.yaml"
"$W" -w "$ws" sync modes >/dev/null
expect_eq "$(raw ids "$lake/modes" users)" "unique=350 total=350 min=1 max=350" "run 3 dedup: 350 users, one line each"
maxu3=$(raw maxcursor "$lake/modes" users updated_at)
[[ "$maxu3" > "$maxu" ]] || fail "dedup kept old versions ($maxu3 <= $maxu)"
ok "dedup keeps the latest cursor ($maxu3)"

# jobs and connection views
jobs=$("$W" -w "$ws" jobs)
expect_eq "$(grep -c succeeded <<<"$jobs")" 5 "five succeeded jobs recorded"
expect_eq "$(sql "$ws/.weaver/state.db" "select count(*) from jobs where status='succeeded' and records > 0 and ended_ms >= started_ms")" 5 "jobs have records and timings"
list=$("$W" -w "$ws" connection list)
expect_contains "$list" "modes" "connection list shows modes"
show=$("$W" -w "$ws" connection show modes)
expect_contains "$show" "append_dedup" "connection show lists stream modes"

# state reset makes the next sync start over
"$W" -w "$ws" state reset modes users --yes >/dev/null
expect_eq "$(raw state-id "$ws/.weaver/state.db" modes users)" 0 "state reset drops users state"
finish
