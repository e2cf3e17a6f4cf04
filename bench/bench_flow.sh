#!/usr/bin/env bash
# Benchmark (issue 5): the flow runner, in a Release build. Prints:
#   1. scheduling overhead of a 1,000-task DAG of no-op tasks (each task depends on the one
#      before it and on the one 7 before, max_parallel 8) and of a 1,000-task chain: wall time
#      of `weaver flow run` minus the time of a 1-task flow (process start, workspace load),
#      divided by 1,000 - target under 1 ms per task;
#   2. two independent faker syncs (users, Parquet zstd) in one flow with max_parallel 2 vs 1:
#      the parallel time as a fraction of the sequential one - target at most 0.55 on 2 cores.
# No threshold is asserted: the figures go into bench/RESULTS.md.
# Usage: bench/bench_flow.sh [USERS_PER_SYNC]   (default 300000)
set -euo pipefail
cd "$(dirname "$0")/.."
users=${1:-300000}
BUILD_DIR=${BUILD_DIR:-build-rel}
cmake -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$BUILD_DIR" -j"$(nproc)" --target weaver >/dev/null
W=$PWD/$BUILD_DIR/weaver
T=$(mktemp -d "${TMPDIR:-/tmp}/weaver-bench.XXXXXX")
trap 'rm -rf "$T"' EXIT

ws="$T/ws"
mkdir -p "$ws/sources" "$ws/connections" "$ws/flows"
printf 'version: 1\ndestinations:\n  lake: {path: lake}\ndefaults: {destination: lake}\n' >"$ws/weaver.yaml"
python3 - "$ws/flows" <<'PY'
import sys
d = sys.argv[1]
with open(d + "/dag.yaml", "w") as f:
    f.write("max_parallel: 8\ntasks:\n")
    for i in range(1000):
        deps = [f"t{j}" for j in (i - 1, i - 7) if j >= 0]
        f.write(f"  - {{name: t{i}, type: noop, depends_on: [{', '.join(deps)}]}}\n")
with open(d + "/chain.yaml", "w") as f:
    f.write("max_parallel: 1\ntasks:\n")
    for i in range(1000):
        dep = f", depends_on: [t{i-1}]" if i else ""
        f.write(f"  - {{name: t{i}, type: noop{dep}}}\n")
with open(d + "/one.yaml", "w") as f:
    f.write("tasks:\n  - {name: t0, type: noop}\n")
PY
for a in a b; do
  printf 'connector: builtin:faker\nconfig: {count: %s, seed: 1, records_per_slice: 10000}\n' "$users" \
    >"$ws/sources/$a.yaml"
  printf 'source: %s\nstreams: [{name: users, sync_mode: full_refresh, destination_sync_mode: append}]\n' \
    "$a" >"$ws/connections/$a.yaml"
done
for p in 1 2; do
  printf 'max_parallel: %s\ntasks:\n  - {name: sa, type: sync, connection: a}\n  - {name: sb, type: sync, connection: b}\n' \
    "$p" >"$ws/flows/syncs$p.yaml"
done

# wall seconds of one flow run (best of 3)
run() {
  local best=999999
  for _ in 1 2 3; do
    local t0 t1
    t0=$(date +%s.%N)
    "$W" -w "$ws" flow run "$1" >/dev/null 2>&1 || { echo "flow $1 failed" >&2; exit 1; }
    t1=$(date +%s.%N)
    best=$(awk -v a="$t0" -v b="$t1" -v m="$best" 'BEGIN { d = b - a; print (d < m ? d : m) }')
  done
  echo "$best"
}

echo "weaver $("$W" --version | cut -d' ' -f2), $(nproc) cores"
base=$(run one)
for f in dag chain; do
  t=$(run "$f")
  awk -v f="$f" -v t="$t" -v b="$base" 'BEGIN {
    printf "%-36s %8.3f s wall  %6.3f ms/task scheduling overhead (1-task flow: %.3f s)\n",
           "1000 no-op tasks (" f ")", t, (t - b) * 1000 / 1000, b }'
done
seq=$(run syncs1)
par=$(run syncs2)
awk -v s="$seq" -v p="$par" -v u="$users" 'BEGIN {
  printf "%-36s %8.3f s wall\n", "2 syncs of " u " users, sequential", s
  printf "%-36s %8.3f s wall  %.2fx of sequential\n", "2 syncs of " u " users, parallel", p, p / s }'
