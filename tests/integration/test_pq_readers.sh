#!/usr/bin/env bash
# Integration (issue 4): `weaver parquet write` files with every column type, nulls, unicode,
# empty and long strings, int64 and double extremes, many row groups and every codec, read back
# by two independent readers - DuckDB (@duckdb/node-api) and arrow-rs (parquet-wasm) - which must
# return exactly the values written; DuckDB's view of the footer checks codecs and statistics.
# Then random schemas (pq_cases.py gen-random, one per seed: 1-40 columns with random, non-ASCII
# names, random types, flags and values, every codec, small row groups and dictionaries) under
# the same checks, and dictionaries that stop paying after their first 8192 values.
# Needs the readers installed: npm ci --prefix tests/readers
source "$(dirname "$0")/lib.sh"
SRC=${WEAVER_SRC:-$(cd "$HERE/../.." && pwd)}
RD="$SRC/tests/readers"
[ -d "$RD/node_modules/@duckdb/node-api" ] && [ -d "$RD/node_modules/parquet-wasm" ] ||
  fail "Parquet readers missing: run npm ci --prefix tests/readers"
read_pq() { node "$RD/read_parquet.mjs" "$@"; }
cases() { python3 "$RD/pq_cases.py" "$@"; }

# round_trip NAME SEED ROWS CODEC DUCKDB_CODEC ENC(dict|plain) [weaver flags...]
round_trip() {
  local name=$1 seed=$2 rows=$3 codec=$4 dcodec=$5 enc=$6
  shift 6
  local d="$T/$name"
  mkdir -p "$d"
  cases gen "$d" "$seed" "$rows" long
  "$W" parquet write --schema "$d/schema.json" --compression "$codec" "$@" \
    "$d/in.jsonl" "$d/out.parquet" >"$d/w.out" || fail "$name: weaver parquet write failed"
  expect_contains "$(cat "$d/w.out")" "wrote $rows rows" "$name: weaver reports $rows rows"
  for r in duckdb arrow; do
    read_pq "$r" "$d/out.parquet" >"$d/$r.out" 2>"$d/$r.err" ||
      fail "$name: $r could not read the file: $(head -c 600 "$d/$r.err")"
    cases check "$d" "$d/$r.out" >/dev/null || fail "$name: $r returned other values"
    ok "$name: $r returns exactly the values written"
  done
  read_pq meta "$d/out.parquet" >"$d/meta.out" || fail "$name: parquet_metadata failed"
  cases meta "$d" "$d/meta.out" "$dcodec" "$enc" >/dev/null || fail "$name: footer check failed"
  ok "$name: codec $dcodec, encodings ($enc), row counts, null counts and min/max statistics"
  rm -rf "$d"
}

round_trip zstd-many-groups 1 2500 zstd ZSTD dict --row-group-bytes 100000
round_trip snappy 2 1500 snappy SNAPPY dict --row-group-bytes 1000000
round_trip gzip 3 1500 gzip GZIP dict
round_trip none-one-group 4 2000 none UNCOMPRESSED dict
# dictionaries that overflow a 2000-byte budget: RLE_DICTIONARY pages, then PLAIN for the rest
round_trip dict-fallback 5 3000 zstd ZSTD dict --dictionary-bytes 2000 --row-group-bytes 200000
round_trip dict-fallback-none 6 1200 none UNCOMPRESSED dict --dictionary-bytes 300
round_trip plain-only 7 1500 snappy SNAPPY plain --dictionary off

# Random schemas: every seed a new schema, data and set of flags; both readers return exactly
# the values written, and the footer's codec, row counts, null counts and min/max agree.
for seed in $(seq 1 12); do
  d="$T/random-$seed"
  mkdir -p "$d"
  cases gen-random "$d" "$seed"
  mapfile -t flags <"$d/flags"
  "$W" parquet write --schema "$d/schema.json" "${flags[@]}" "$d/in.jsonl" "$d/out.parquet" \
    >"$d/w.out" 2>&1 ||
    fail "random seed $seed (${flags[*]}): write failed: $(head -c 600 "$d/w.out")"
  for r in duckdb arrow; do
    read_pq "$r" "$d/out.parquet" >"$d/$r.out" 2>"$d/$r.err" ||
      fail "random seed $seed: $r could not read the file: $(head -c 600 "$d/$r.err")"
    cases check "$d" "$d/$r.out" >"$d/$r.chk" 2>&1 ||
      fail "random seed $seed (${flags[*]}): $r: $(head -c 800 "$d/$r.chk")"
  done
  read_pq meta "$d/out.parquet" >"$d/meta.out" || fail "random seed $seed: parquet_metadata failed"
  cases meta "$d" "$d/meta.out" "$(cat "$d/codec")" >"$d/meta.chk" 2>&1 ||
    fail "random seed $seed (${flags[*]}): footer: $(head -c 800 "$d/meta.chk")"
  ok "random seed $seed: $(sed 's/ to .*//' "$d/w.out"), $(tr '\n' ' ' <"$d/flags")-" \
    "both readers exact, footer agrees"
  rm -rf "$d"
done

# A dictionary must pay after its first 8192 values: unique ids and unique optional strings go
# PLAIN for the rest of the chunk (RLE_DICTIONARY then PLAIN pages), repeated values stay in the
# dictionary; both readers return every value.
python3 - "$T/probe.jsonl" <<'PY'
import json, sys
with open(sys.argv[1], "w") as f:
    for i in range(30000):
        f.write(json.dumps({"id": i * 7919, "u": None if i % 5 == 0 else "user-%d" % i,
                            "city": "c%d" % (i % 13), "x": (i % 100) / 4}) + "\n")
PY
echo '{"columns":[{"name":"id","type":"int64"},{"name":"u","type":"string","optional":true},
{"name":"city","type":"string"},{"name":"x","type":"double"}]}' >"$T/probe.json"
"$W" parquet write --schema "$T/probe.json" --compression zstd --row-group-bytes 400000 \
  "$T/probe.jsonl" "$T/probe.parquet" >/dev/null || fail "dictionary probe: write failed"
for r in duckdb arrow; do
  n=$(read_pq "$r" "$T/probe.parquet" | python3 -c '
import json, struct, sys
rows = [json.loads(l) for l in sys.stdin][1:]
def want(i):
    return {"id": str(i * 7919), "u": None if i % 5 == 0 else "user-%d" % i,
            "city": "c%d" % (i % 13), "x": "f:" + struct.pack(">d", (i % 100) / 4).hex()}
print(len(rows) if all(r == want(i) for i, r in enumerate(rows)) else -1)')
  expect_eq "$n" 30000 "dictionary probe: $r reads all 30000 rows exactly"
done
read_pq meta "$T/probe.parquet" | python3 -c '
import json, sys
chunks = [json.loads(l) for l in sys.stdin]
assert len({c["row_group_id"] for c in chunks}) >= 2, "expected several row groups"
for c in chunks:
    encs = {e.strip() for e in c["encodings"].split(",")}
    if c["row_group_num_rows"] <= 8192:
        continue
    if c["path_in_schema"] in ("id", "u"):
        assert "RLE_DICTIONARY" in encs and "PLAIN" in encs, c
    else:
        assert "RLE_DICTIONARY" in encs and c["dictionary_page_offset"] is not None, c
' || fail "dictionary probe: encodings"
ok "dictionary probe: unique columns fall back to PLAIN after 8192 values, repeated ones keep it"

# Dictionary edge cases: one distinct value (bit width 1), a column that is always null (no
# dictionary page), 300 distinct strings (bit width 9) in long runs and alternating, in 3
# row groups; read back exactly by both readers.
python3 - "$T/dict.jsonl" <<'PY'
import json, sys
with open(sys.argv[1], "w") as f:
    for i in range(5000):
        s = "v%03d" % ((i // 20) % 300 if i < 2500 else i % 300)
        f.write(json.dumps({"c": 7, "nul": None, "s": s, "d": (i % 3) * 0.5}) + "\n")
PY
echo '{"columns":[{"name":"c","type":"int64"},{"name":"nul","type":"string","optional":true},
{"name":"s","type":"string"},{"name":"d","type":"double","optional":true}]}' >"$T/dict.json"
"$W" parquet write --schema "$T/dict.json" --row-group-bytes 40000 --compression zstd \
  "$T/dict.jsonl" "$T/dict.parquet" >/dev/null
for r in duckdb arrow; do
  n=$(read_pq "$r" "$T/dict.parquet" | python3 -c '
import json, struct, sys
rows = [json.loads(l) for l in sys.stdin][1:]
def want(i):
    s = "v%03d" % ((i // 20) % 300 if i < 2500 else i % 300)
    return {"c": "7", "nul": None, "s": s, "d": "f:" + struct.pack(">d", (i % 3) * 0.5).hex()}
ok = all(r == want(i) for i, r in enumerate(rows))
print(len(rows) if ok else -1)')
  expect_eq "$n" 5000 "dictionary edge cases: $r reads all 5000 rows exactly"
done
read_pq meta "$T/dict.parquet" | python3 -c '
import json, sys
chunks = [json.loads(l) for l in sys.stdin]
assert len({c["row_group_id"] for c in chunks}) >= 3, "expected several row groups"
for c in chunks:
    has_dict = c["dictionary_page_offset"] is not None and "RLE_DICTIONARY" in c["encodings"]
    assert has_dict == (c["path_in_schema"] != "nul"), c
' || fail "dictionary edge cases: encodings"
ok "dictionary edge cases: a dictionary for every column with values, none for the null one"

# Pages: one column of 3 MiB in one row group spans several ~1 MiB data pages.
python3 - "$T/big.jsonl" <<'PY'
import json, sys
with open(sys.argv[1], "w") as f:
    for i in range(3000):
        f.write(json.dumps({"k": i, "s": ("%06d" % i) * 170}) + "\n")
PY
echo '{"columns":[{"name":"k","type":"int64"},{"name":"s","type":"string"}]}' >"$T/big.json"
"$W" parquet write --schema "$T/big.json" --compression zstd "$T/big.jsonl" "$T/big.parquet" >/dev/null
for r in duckdb arrow; do
  n=$(read_pq "$r" "$T/big.parquet" | python3 -c '
import json, sys
rows = [json.loads(l) for l in sys.stdin][1:]
ok = all(r["k"] == str(i) and r["s"] == ("%06d" % i) * 170 for i, r in enumerate(rows))
print(len(rows) if ok else -1)')
  expect_eq "$n" 3000 "multi-page column: $r reads all 3000 rows"
done

# Input lines: CRLF endings, blank lines, a 3 MiB line (past the 1 MiB reads and the first
# buffer), no newline after the last line; every row arrives intact.
python3 - "$T/lines.jsonl" <<'PY'
import json, sys
with open(sys.argv[1], "w", newline="", encoding="utf-8") as f:
    f.write(json.dumps({"k": 1, "s": "crlf"}) + "\r\n\n  \t\r\n")
    f.write(json.dumps({"k": 2, "s": "é" * (3 << 19)}, ensure_ascii=False) + "\n")
    f.write(json.dumps({"k": 3, "s": "last"}))
PY
"$W" parquet write --schema "$T/big.json" --compression snappy "$T/lines.jsonl" "$T/lines.parquet" \
  >"$T/lines.out" || fail "input lines: write failed"
expect_contains "$(cat "$T/lines.out")" "wrote 3 rows" \
  "input lines: 3 rows from CRLF, blank and long lines"
for r in duckdb arrow; do
  got=$(read_pq "$r" "$T/lines.parquet" | python3 -c '
import json, sys
rows = [json.loads(l) for l in sys.stdin][1:]
print([(r["k"], len(r["s"]), r["s"][:4]) for r in rows])')
  expect_eq "$got" "[('1', 4, 'crlf'), ('2', 1572864, 'éééé'), ('3', 4, 'last')]" \
    "input lines: $r reads every line intact"
done

# An empty input is a valid file with no rows.
: >"$T/empty.jsonl"
"$W" parquet write --schema "$T/big.json" "$T/empty.jsonl" "$T/empty.parquet" >/dev/null
for r in duckdb arrow; do
  expect_eq "$(read_pq "$r" "$T/empty.parquet" | python3 -c 'import json,sys; print(json.loads(sys.stdin.readline())["rows"])')" 0 "empty file: $r reads 0 rows"
done

# A value that does not fit its column: an error naming line, column and row; no file left.
printf '{"k":1,"s":"a"}\n{"k":"two","s":"b"}\n' >"$T/bad.jsonl"
set +e
msg=$("$W" parquet write --schema "$T/big.json" "$T/bad.jsonl" "$T/bad.parquet" 2>&1)
rc=$?
set -e
[ "$rc" -ne 0 ] || fail "bad value: exit status 0"
expect_contains "$msg" 'bad.jsonl:2: column "k", row 2: a string does not fit type int64' \
  "bad value: error names the line, column and row"
expect_eq "$(ls "$T" | grep -c 'bad.parquet' || true)" 0 "bad value: no output or temp file left"
printf '{"k":1}\n' >"$T/null.jsonl"
set +e
msg=$("$W" parquet write --schema "$T/big.json" "$T/null.jsonl" "$T/null.parquet" 2>&1)
set -e
expect_contains "$msg" 'column "s", row 1: null in a required column' "required column: null refused"
finish
