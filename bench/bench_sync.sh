#!/usr/bin/env bash
# Benchmark: the first end-to-end path, in a Release build. Prints records/s, MB/s, CPU seconds
# and peak RSS for:
#   1. `weaver source read` of the faker (Airbyte JSON lines to a pipe) - the protocol encoder;
#   2. `weaver sync` faker -> local JSONL raw zone, append (write + fsync at checkpoints);
#   3. the same with append_dedup (adds the compaction pass).
# No timing threshold is asserted anywhere: the figures go into bench/RESULTS.md.
# Usage: bench/bench_sync.sh [USERS]   (default 1000000)
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-1000000}
cmake -S . -B build-rel -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build-rel -j"$(nproc)" --target weaver >/dev/null
W=$PWD/build-rel/weaver
T=$(mktemp -d "${TMPDIR:-/tmp}/weaver-bench.XXXXXX")
trap 'rm -rf "$T"' EXIT

# measure LABEL RECORDS BYTES -- CMD...: runs CMD under /usr/bin/time and prints one line
measure() {
  local label=$1 records=$2 bytesf=$3
  shift 4
  /usr/bin/time -f "%e %U %S %M" -o "$T/time" "$@"
  read -r wall user sys rss <"$T/time"
  local bytes
  bytes=$(eval "$bytesf")
  awk -v l="$label" -v r="$records" -v b="$bytes" -v w="$wall" -v u="$user" -v s="$sys" -v m="$rss" \
    'BEGIN { printf "%-34s %10d rec %8.0f MB %7.2f s wall %7.2f s cpu %10.0f rec/s %7.1f MB/s %7.1f MiB RSS\n",
             l, r, b/1e6, w, u+s, r/w, b/1e6/w, m/1024 }'
}

cfg="$T/faker.json"
echo "{\"count\": $n, \"seed\": 1, \"records_per_slice\": 10000}" >"$cfg"
echo "{\"streams\":[{\"stream\":$("$W" source discover --connector builtin:faker --config "$cfg" |
  python3 -c 'import sys,json; print(json.dumps([s for s in json.loads(sys.stdin.read())["catalog"]["streams"] if s["name"]=="users"][0]))'),\"sync_mode\":\"full_refresh\",\"destination_sync_mode\":\"append\"}]}" >"$T/cat.json"

echo "weaver $("$W" --version | cut -d' ' -f2), $(nproc) cores, $n faker users"
measure "source read users -> pipe" "$n" "cat $T/bytes" -- \
  bash -c "'$W' source read --connector builtin:faker --config '$cfg' --catalog '$T/cat.json' | wc -c >'$T/bytes'"

mkdir -p "$T/ws/sources" "$T/ws/connections"
printf 'version: 1\ndestinations:\n  raw: {type: local, path: raw}\n' >"$T/ws/weaver.yaml"
printf 'connector: builtin:faker\nconfig: {count: %d, seed: 1, records_per_slice: 100000}\n' "$n" >"$T/ws/sources/f.yaml"
printf 'source: f\nstreams: [{name: users, sync_mode: full_refresh, destination_sync_mode: append}]\n' >"$T/ws/connections/app.yaml"
printf 'source: f\nstreams: [{name: users, sync_mode: incremental, destination_sync_mode: append_dedup, primary_key: id}]\n' >"$T/ws/connections/dedup.yaml"
measure "sync users -> jsonl (append)" "$n" "du -sb $T/ws/raw/app | cut -f1" -- bash -c "'$W' -w '$T/ws' sync app >/dev/null"
measure "sync users -> jsonl (append_dedup)" "$n" "du -sb $T/ws/raw/dedup | cut -f1" -- bash -c "'$W' -w '$T/ws' sync dedup >/dev/null"
