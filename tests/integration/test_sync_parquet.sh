#!/usr/bin/env bash
# Integration (issue 4): `weaver sync` into the default raw zone - Parquet files in a local
# directory, Hive partitions, a _manifest.json per run - read back by DuckDB (hive
# partitioning, exact counts and values against `weaver source read`), state committed only
# with the publish, overwrite streams replaced, a gate that blocks publishing (nothing
# published, state unchanged, staging kept), and a failing run that leaves nothing behind.
source "$(dirname "$0")/lib.sh"
SRC=${WEAVER_SRC:-$(cd "$HERE/../.." && pwd)}
RD="$SRC/tests/readers"
[ -d "$RD/node_modules/@duckdb/node-api" ] || fail "DuckDB reader missing: npm ci --prefix tests/readers"
duck() { node "$RD/duck_sql.mjs" "$1"; }

ws="$T/ws"
mkdir -p "$ws/sources" "$ws/connections"
cat >"$ws/weaver.yaml" <<'YAML'
version: 1
destinations:
  lake: {path: lake, compression: snappy, file_size: 64KiB}
  bycursor: {path: lake2, partition_by: cursor, flatten: true}
defaults: {destination: lake}
YAML
cat >"$ws/sources/fk.yaml" <<'YAML'
connector: builtin:faker
config: {count: "{{ env.FK_COUNT }}", seed: 7, records_per_slice: 100, always_updated: false}
YAML
cat >"$ws/connections/modes.yaml" <<'YAML'
source: fk
checks:
  - {stream: users, check: row_count, min: 1}
  - {stream: users, check: null_ratio, column: email, max: 0.5, severity: warn}
streams:
  - {name: users, sync_mode: incremental, destination_sync_mode: append,
     cursor_field: updated_at, primary_key: id}
  - {name: purchases, sync_mode: incremental, destination_sync_mode: append}
  - {name: products, sync_mode: full_refresh, destination_sync_mode: overwrite}
YAML
cat >"$ws/connections/gated.yaml" <<'YAML'
source: fk
checks:
  - {stream: users, check: row_count, min: 1000000, severity: error}
streams:
  - {name: users, sync_mode: incremental, destination_sync_mode: append}
YAML
cat >"$ws/connections/parts.yaml" <<'YAML'
source: fk
destination: bycursor
streams:
  - {name: users, sync_mode: incremental, destination_sync_mode: append, cursor_field: updated_at}
YAML
lake="$ws/lake/modes"
db="$ws/.weaver/state.db"

# what the source emits, counted independently
count_source() {
  "$W" source read --connector builtin:faker --config <(echo "{\"count\":$1,\"seed\":7}") |
    python3 -c 'import sys,json
c={}
for l in sys.stdin:
    m=json.loads(l)
    if m["type"]=="RECORD": c[m["record"]["stream"]]=c.get(m["record"]["stream"],0)+1
print(c.get("users",0), c.get("purchases",0), c.get("products",0))'
}
read -r u1 p1 pr1 <<<"$(count_source 500)"

out=$(FK_COUNT=500 "$W" -w "$ws" sync modes 2>&1) || fail "first sync failed: $out"
expect_contains "$out" "sync modes: succeeded" "first sync into the Parquet zone succeeds"
n_files=$(find "$lake" -name '*.parquet' | wc -l)
[ "$n_files" -ge 4 ] || fail "expected several files (64 KiB rolling), got $n_files"
ok "files rolled by size: $n_files Parquet files"
[ -z "$(find "$lake" -path '*_weaver_staging*' -type f)" ] || fail "staging left after a published run"
ok "nothing left in staging"
find "$lake" -name '*.parquet' | grep -Eq '/users/dt=[0-9]{4}-[0-9]{2}-[0-9]{2}/[0-9T]+Z-1-[0-9]{3}\.parquet$' ||
  fail "default path template not used: $(find "$lake" -name '*.parquet' | head -3)"
ok "default path template {stream}/dt={date}/{run_id}-{part}.parquet"

row=$(duck "SELECT count(*), count(DISTINCT id), CAST(min(dt) AS VARCHAR), count(DISTINCT _airbyte_raw_id)
  FROM read_parquet('$lake/users/**/*.parquet', hive_partitioning = true)")
expect_eq "$row" "[\"$u1\",\"$u1\",\"$(date -u +%Y-%m-%d)\",\"$u1\"]" \
  "DuckDB reads every users row once, with the dt partition and unique raw ids"
expect_eq "$(duck "SELECT count(*) FROM read_parquet('$lake/purchases/**/*.parquet')")" "[\"$p1\"]" \
  "purchases: same count as source read"
expect_eq "$(duck "SELECT count(*) FROM read_parquet('$lake/products/**/*.parquet')")" "[\"$pr1\"]" \
  "products: same count as source read"

# values: the Parquet rows equal the source's records (typed columns, JSON for nested values)
"$W" source read --connector builtin:faker --config <(echo '{"count":500,"seed":7}') |
  python3 -c 'import sys,json
for l in sys.stdin:
    m=json.loads(l)
    if m["type"]=="RECORD" and m["record"]["stream"]=="users":
        print(json.dumps(m["record"]["data"], sort_keys=True))' | sort >"$T/src_users"
duck "SELECT to_json(t) FROM (SELECT * EXCLUDE (_airbyte_raw_id, _airbyte_extracted_at,
  _airbyte_meta, _airbyte_generation_id, _airbyte_additional_properties)
  FROM read_parquet('$lake/users/**/*.parquet', hive_partitioning = false)) t" >"$T/pq_users.json"
python3 - "$T/src_users" "$T/pq_users.json" <<'PY' || fail "users values differ between source and Parquet"
import json, sys, datetime
def norm(v):
    if isinstance(v, str):
        try:  # timestamps: compare instants (DuckDB renders them in UTC)
            return datetime.datetime.fromisoformat(v.replace("Z", "+00:00")).timestamp()
        except ValueError:
            pass
        if v[:1] in "{[":  # JSON columns come back as text
            try:
                return norm(json.loads(v))
            except ValueError:
                pass
        return v
    if isinstance(v, dict):
        return {k: norm(x) for k, x in v.items() if x is not None}
    if isinstance(v, list):
        return [norm(x) for x in v]
    return v
a = sorted(json.dumps(norm(json.loads(l)), sort_keys=True) for l in open(sys.argv[1]))
b = sorted(json.dumps(norm(json.loads(json.loads(l)[0])), sort_keys=True) for l in open(sys.argv[2]))
if a != b:
    print("rows:", len(a), len(b), "first difference:",
          next(((x, y) for x, y in zip(a, b) if x != y), None), file=sys.stderr)
    sys.exit(1)
PY
ok "users: every value equals the source's record"

# the run's manifest lists every file with its rows, bytes and sha256
man=$(find "$lake/_runs" -name _manifest.json)
expect_eq "$(echo "$man" | wc -l)" 1 "one _manifest.json for the run"
python3 - "$man" "$lake" <<'PY' || fail "manifest does not match the files"
import hashlib, json, os, sys
m = json.load(open(sys.argv[1])); root = sys.argv[2]
assert m["format"] == "parquet" and m["compression"] == "snappy", m["compression"]
files = {f["path"]: f for f in m["files"]}
on_disk = {os.path.relpath(os.path.join(d, f), root) for d, _, fs in os.walk(root) for f in fs if f.endswith(".parquet")}
assert set(files) == on_disk, (set(files) ^ on_disk)
for p, f in files.items():
    b = open(os.path.join(root, p), "rb").read()
    assert len(b) == f["bytes"] and hashlib.sha256(b).hexdigest() == f["sha256"], p
names = {s["name"]: s for s in m["streams"]}
assert names["products"]["mode"] == "overwrite" and names["users"]["cursor_field"] == ["updated_at"]
assert sum(f["rows"] for f in m["files"] if f["stream"] == "users") == names["users"]["rows"]
PY
ok "manifest: files, rows, bytes and sha256 match what is published"

# partitions from the cursor: every row sits in the dt= of its own updated_at (UTC); nested
# objects flattened into parent_child columns
FK_COUNT=500 "$W" -w "$ws" sync parts >/dev/null || fail "sync with partition_by: cursor failed"
p2="$ws/lake2/parts/users"
expect_eq "$(duck "SELECT count(*), CAST(min(dt) AS VARCHAR),
  count(*) FILTER (WHERE CAST(dt AS VARCHAR) <> strftime(updated_at AT TIME ZONE 'UTC', '%Y-%m-%d'))
  FROM read_parquet('$p2/**/*.parquet', hive_partitioning = true)")" "[\"$u1\",\"2024-01-01\",\"0\"]" \
  "partition_by cursor: each row in the dt= of its updated_at (2024, not the extraction day)"
expect_eq "$(duck "SELECT count(*) FILTER (WHERE address_city IS NOT NULL) > 0
  FROM read_parquet('$p2/**/*.parquet')")" "[true]" "flatten: address.city is column address_city"

state=$("$W" -w "$ws" state show modes)
expect_contains "$state" '"updated_at"' "state committed with the publish"

# second run: incremental streams append only what is new, overwrite replaces products
read -r u2 p2 pr2 <<<"$(count_source 800)"
out=$(FK_COUNT=800 "$W" -w "$ws" sync modes 2>&1) || fail "second sync failed: $out"
expect_eq "$(duck "SELECT count(*), count(DISTINCT id) FROM read_parquet('$lake/users/**/*.parquet')")" \
  "[\"$u2\",\"$u2\"]" "incremental users: exactly the source's users after two runs, no duplicates"
expect_eq "$(duck "SELECT count(*) FROM read_parquet('$lake/products/**/*.parquet')")" "[\"$pr2\"]" \
  "overwrite products: the second run's files replaced the first's"
expect_eq "$(find "$lake/_runs" -name _manifest.json | wc -l)" 2 "a manifest per run"

# the gate: an error-level check fails -> nothing published, state untouched, staging kept
set +e
out=$(FK_COUNT=300 "$W" -w "$ws" sync gated 2>&1); rc=$?
set -e
expect_eq "$rc" 1 "gated run exits 1"
expect_contains "$out" "gate: users row_count" "the failing check is named"
expect_contains "$out" "nothing published" "the operator is told nothing was published"
expect_eq "$(find "$ws/lake/gated" -name '*.parquet' -not -path '*_weaver_staging*' | wc -l)" 0 \
  "gated run: no file published"
[ "$(find "$ws/lake/gated/_weaver_staging" -name '*.parquet' | wc -l)" -gt 0 ] ||
  fail "gated run: staged files should be kept for diagnosis"
ok "gated run: staged files kept for diagnosis"
[ ! -d "$ws/lake/gated/_runs" ] || fail "gated run wrote a manifest"
ok "gated run: no manifest"
expect_eq "$("$W" -w "$ws" state show gated)" "[]" "gated run: state not advanced"
expect_eq "$(sql "$db" "select status from publishes order by job_id desc limit 1")" blocked \
  "gated run recorded as blocked"
runs=$("$W" -w "$ws" runs gated)
expect_contains "$runs" "blocked     gate: users row_count 300 < min 1000000" "weaver runs shows the blocked run and why"
job=$(sql "$db" "select job_id from publishes where status = 'blocked'")
set +e
out=$("$W" -w "$ws" publish "$job" 2>&1); rc=$?
set -e
expect_eq "$rc" 1 "publish of a blocked run without --force is refused"
expect_contains "$out" "blocked by its gate" "the refusal says why"
out=$("$W" -w "$ws" publish "$job" --force) || fail "publish --force failed"
expect_contains "$out" "published job $job of gated" "publish --force: the operator overrides the gate"
expect_eq "$(duck "SELECT count(*) FROM read_parquet('$ws/lake/gated/users/**/*.parquet')")" \
  "[\"$(count_source 300 | cut -d' ' -f1)\"]" "the forced publish lands every staged row"
expect_contains "$("$W" -w "$ws" state show gated)" '"updated_at"' "and commits the run's state"
[ -z "$(find "$ws/lake/gated/_weaver_staging" -type f 2>/dev/null)" ] || fail "staging left after publish"
ok "staging removed after the forced publish"

# discard: a second gated run is dropped; its state never commits
out=$(FK_COUNT=400 "$W" -w "$ws" sync gated 2>&1) && fail "second gated run should fail"
job2=$(sql "$db" "select job_id from publishes where status = 'blocked'")
out=$("$W" -w "$ws" discard "$job2") || fail "discard failed"
expect_contains "$out" "discarded job $job2 of gated" "discard drops a blocked run"
expect_eq "$(sql "$db" "select status from publishes where job_id = $job2")" discarded "recorded as discarded"
[ -z "$(find "$ws/lake/gated/_weaver_staging" -type f 2>/dev/null)" ] || fail "staging left after discard"
ok "discard removes the staged files"

# low_count on a plain sync: judged against the connection's earlier published runs
cat >"$ws/connections/lc.yaml" <<'YAML'
source: fk
checks:
  - {stream: users, check: low_count, below_pct_of_median: 50, runs: 4, severity: error}
streams:
  - {name: users, sync_mode: full_refresh, destination_sync_mode: append}
YAML
for i in 1 2 3; do
  out=$(FK_COUNT=400 "$W" -w "$ws" sync lc 2>&1) || fail "history run $i failed: $out"
done
expect_contains "$(FK_COUNT=400 "$W" -w "$ws" sync lc 2>&1)" "succeeded" \
  "low_count with 3 earlier runs: not enough history, published"
set +e
out=$(FK_COUNT=100 "$W" -w "$ws" sync lc 2>&1); rc=$?
set -e
expect_eq "$rc" 1 "low_count: a run far below the median of the last 4 is blocked"
expect_contains "$out" "low_count 100 < 50% of median 400 (4 runs)" "with the observed value and the median"
finish
