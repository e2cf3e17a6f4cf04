#!/usr/bin/env bash
# Benchmark: JSON lines -> Parquet (zstd), weaver's own writer against DuckDB on one thread.
#   1. a deterministic JSONL file of ROWS rows and 11 mixed columns (int64 x2, double x2 - one
#      of them 20% null -, strings of low/high cardinality, a 20%-present optional string, an
#      RFC 3339 timestamp with microseconds, a boolean), ~230 bytes a line;
#   2. `weaver parquet write --compression zstd` and DuckDB (@duckdb/node-api from
#      tests/readers, `SET threads=1; COPY (SELECT * FROM read_json(F, columns={...})) TO ...
#      (FORMAT parquet, COMPRESSION zstd)`), best of REPEAT runs each, side by side: rows/s,
#      input MB/s, output size, peak RSS. DuckDB's copy time is measured inside node (startup
#      excluded); its process wall time and a no-op run (node + DuckDB loaded, no query) are
#      printed too, for the RSS baseline;
#   3. weaver's peak RSS on 1x and 3x the rows, at the default row group (128 MiB) and at 32 MiB:
#      memory follows the row-group budget, not the file size.
# No timing threshold is asserted anywhere: the figures go into bench/RESULTS.md.
# Usage: bench/bench_parquet.sh [ROWS]   (default 1000000; env REPEAT=3, BUILD_DIR=build-rel,
#        BUILD_TYPE=Release)
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-1000000}
repeat=${REPEAT:-3}
build=${BUILD_DIR:-build-rel}
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE="${BUILD_TYPE:-Release}" >/dev/null
cmake --build "$build" -j"$(nproc)" --target weaver >/dev/null
W=$PWD/$build/weaver
RD=$PWD/tests/readers
[ -d "$RD/node_modules/@duckdb/node-api" ] || { echo "DuckDB missing: npm ci --prefix tests/readers" >&2; exit 1; }
T=$(mktemp -d "${TMPDIR:-/tmp}/weaver-bench-pq.XXXXXX")
trap 'rm -rf "$T"' EXIT

python3 - "$n" "$T/in.jsonl" <<'PY'
import datetime, random, sys
n, out = int(sys.argv[1]), sys.argv[2]
r = random.Random(42)
cities = ["Paris", "Berlin", "Tokyo", "New York", "São Paulo", "Lagos", "Mumbai", "Sydney",
          "Zürich", "Reykjavík", "Toronto", "Seoul"]
first = ["alice", "bob", "carol", "dave", "eve", "frank", "grace", "heidi", "ivan", "judy",
         "mallory", "niaj", "olivia", "peggy", "rupert", "sybil", "trent", "victor", "walter"]
tags = ["new", "vip", "churned", "trial", "enterprise", "free"]
utc = datetime.timezone.utc
with open(out, "w") as f:
    for i in range(n):
        u = r.randrange(100000)
        nm = first[u % len(first)]
        score = "null" if r.random() < 0.2 else repr(r.random())
        sec = 1700000000 + i * 7 + r.randrange(7)
        ts = datetime.datetime.fromtimestamp(sec, utc).strftime("%Y-%m-%dT%H:%M:%S")
        note = "null" if r.random() < 0.8 else '"note %d for %s"' % (r.randrange(10**6), nm)
        f.write('{"id":%d,"user_id":%d,"name":"%s %d","email":"%s.%d@example.com","city":"%s",'
                '"amount":%s,"score":%s,"created_at":"%s.%06dZ","active":%s,"tag":"%s",'
                '"note":%s}\n'
                % (i + 1, u, nm, u, nm, u, cities[u % len(cities)], round(r.uniform(0, 1e4), 2),
                   score, ts, r.randrange(10**6), "true" if r.random() < 0.7 else "false",
                   tags[r.randrange(len(tags))], note))
PY
cat >"$T/schema.json" <<'EOF'
{"columns":[{"name":"id","type":"int64"},{"name":"user_id","type":"int64"},
 {"name":"name","type":"string"},{"name":"email","type":"string"},{"name":"city","type":"string"},
 {"name":"amount","type":"double"},{"name":"score","type":"double","optional":true},
 {"name":"created_at","type":"timestamp"},{"name":"active","type":"boolean"},
 {"name":"tag","type":"string"},{"name":"note","type":"string","optional":true}]}
EOF
# The same columns for DuckDB (TIMESTAMPTZ: RFC 3339 with Z, as weaver's TIMESTAMP).
cat >"$T/duck.mjs" <<'EOF'
import { createRequire } from 'node:module';
const [rd, inp, out, mode] = process.argv.slice(2);
const require = createRequire(rd + '/package.json');
const { DuckDBInstance } = await import(require.resolve('@duckdb/node-api'));
const db = await DuckDBInstance.create(':memory:');
const con = await db.connect();
await con.run('SET threads=1');
const cols = "{'id':'BIGINT','user_id':'BIGINT','name':'VARCHAR','email':'VARCHAR'," +
  "'city':'VARCHAR','amount':'DOUBLE','score':'DOUBLE','created_at':'TIMESTAMPTZ'," +
  "'active':'BOOLEAN','tag':'VARCHAR','note':'VARCHAR'}";
const t0 = performance.now();
if (mode !== 'noop')
  await con.run(`COPY (SELECT * FROM read_json('${inp}', format='newline_delimited', ` +
    `columns=${cols})) TO '${out}' (FORMAT parquet, COMPRESSION zstd)`);
console.log(((performance.now() - t0) / 1000).toFixed(3));
EOF

bytes=$(stat -c %s "$T/in.jsonl")
# run OUTFILE CMD...: one run under /usr/bin/time; sets wall cpu rss
run() {
  local out=$1
  shift
  /usr/bin/time -f "%e %U %S %M" -o "$T/time" "$@" >"$out"
  read -r wall user sys rss <"$T/time"
  cpu=$(awk -v u="$user" -v s="$sys" 'BEGIN { printf "%.2f", u + s }')
}
# line LABEL TIME WALL CPU OUT_BYTES RSS_KB: one table line (rows/s and MB/s from TIME)
line() {
  awk -v l="$1" -v r="$n" -v b="$bytes" -v t="$2" -v w="$3" -v c="$4" -v o="$5" -v m="$6" \
    'BEGIN { printf "%-22s %9d %7.0f %8.2f %8.2f %7.2f %10.0f %7.1f %7.1f %8.1f\n",
             l, r, b/1e6, t, w, c, r/t, b/1e6/t, o/1e6, m/1024 }'
}

echo "weaver $("$W" --version | cut -d' ' -f2), $(nproc) cores, DuckDB $(node -e "console.log(require('$RD/node_modules/@duckdb/node-api/package.json').version)")," \
  "$n rows, $(awk -v b="$bytes" 'BEGIN { printf "%.0f", b/1e6 }') MB JSONL, zstd, best of $repeat"
printf '%-22s %9s %7s %8s %8s %7s %10s %7s %7s %8s\n' engine rows in_MB time_s wall_s cpu_s \
  rows/s MB/s out_MB RSS_MiB
wbest=
for _ in $(seq "$repeat"); do
  run "$T/w.out" "$W" parquet write --schema "$T/schema.json" --compression zstd "$T/in.jsonl" "$T/w.parquet"
  if [ -z "$wbest" ] || awk -v a="$wall" -v b="$wbest" 'BEGIN { exit !(a < b) }'; then
    wbest=$wall wcpu=$cpu wrss=$rss
  fi
done
line "weaver" "$wbest" "$wbest" "$wcpu" "$(stat -c %s "$T/w.parquet")" "$wrss"
dbest=
for _ in $(seq "$repeat"); do
  run "$T/d.out" node "$T/duck.mjs" "$RD" "$T/in.jsonl" "$T/d.parquet"
  t=$(cat "$T/d.out")
  if [ -z "$dbest" ] || awk -v a="$t" -v b="$dbest" 'BEGIN { exit !(a < b) }'; then
    dbest=$t dwall=$wall dcpu=$cpu drss=$rss
  fi
done
line "duckdb (threads=1)" "$dbest" "$dwall" "$dcpu" "$(stat -c %s "$T/d.parquet")" "$drss"
run "$T/n.out" node "$T/duck.mjs" "$RD" "$T/in.jsonl" "$T/n.parquet" noop
awk -v w="$wall" -v c="$cpu" -v m="$rss" \
  'BEGIN { printf "%-22s %9s %7s %8s %8.2f %7.2f %10s %7s %7s %8.1f\n", "node+duckdb no-op", "-", "-", "-", w, c, "-", "-", "-", m/1024 }'
awk -v w="$wbest" -v d="$dbest" 'BEGIN { printf "weaver/duckdb rows/s: %.2fx (time_s: weaver process wall; duckdb COPY timed inside node)\n", d/w }'

echo
echo "weaver peak RSS by input size and row-group budget (zstd):"
cat "$T/in.jsonl" "$T/in.jsonl" "$T/in.jsonl" >"$T/in3.jsonl"
rm -f "$T/d.parquet" "$T/n.parquet"
printf '%-10s %12s %10s %8s %8s\n' rows row_group groups wall_s RSS_MiB
for rg in 134217728 33554432; do
  for f in in in3; do
    rows=$n
    [ "$f" = in ] || rows=$((3 * n))
    run "$T/w.out" "$W" parquet write --schema "$T/schema.json" --compression zstd \
      --row-group-bytes "$rg" "$T/$f.jsonl" "$T/rss.parquet"
    groups=$(sed -n 's/.* in \([0-9]*\) row groups.*/\1/p' "$T/w.out")
    awk -v r="$rows" -v g="$rg" -v k="$groups" -v w="$wall" -v m="$rss" \
      'BEGIN { printf "%-10d %8.0f MiB %10d %8.2f %8.1f\n", r, g/1048576, k, w, m/1024 }'
  done
done
