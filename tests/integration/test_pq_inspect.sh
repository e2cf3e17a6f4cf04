#!/usr/bin/env bash
# Integration (issue 4): `weaver parquet inspect` on files `weaver parquet write` made (every
# column type, nulls, unicode, dictionary and PLAIN chunks, every codec, several row groups):
# the rows it prints equal what DuckDB reads from the same file, the row groups and statistics
# it reports equal DuckDB's parquet_metadata; corrupt files fail with a clear message.
# Needs the readers installed: npm ci --prefix tests/readers
source "$(dirname "$0")/lib.sh"
SRC=${WEAVER_SRC:-$(cd "$HERE/../.." && pwd)}
RD="$SRC/tests/readers"
[ -d "$RD/node_modules/@duckdb/node-api" ] || fail "Parquet readers missing: run npm ci --prefix tests/readers"

# compare NAME ROWS: inspect's rows (converted to read_parquet.mjs's canonical form) == DuckDB's
compare() {
  local d=$1 rows=$2
  "$W" parquet inspect --rows "$rows" "$d/out.parquet" >"$d/inspect.out" || fail "$d: inspect failed"
  node "$RD/read_parquet.mjs" duckdb "$d/out.parquet" >"$d/duck.out"
  node "$RD/read_parquet.mjs" meta "$d/out.parquet" >"$d/meta.out"
  python3 - "$d" "$rows" <<'PY' || fail "$1: inspect differs from DuckDB"
import datetime, json, re, struct, sys
d, rows = sys.argv[1], int(sys.argv[2])
text = open(f"{d}/inspect.out", encoding="utf-8").read().split("\n")
kinds = dict(re.findall(r"^  (\w+): (\w+) (?:optional|required)", "\n".join(text), re.M))
EPOCH = datetime.date(1970, 1, 1)
def canon(k, v):
    if v is None: return None
    if k == "int64": return str(v)
    if k == "double": return "f:" + struct.pack(">d", v).hex()
    if k == "timestamp":
        t = datetime.datetime.strptime(v, "%Y-%m-%dT%H:%M:%S.%fZ")
        return str((datetime.date(t.year, t.month, t.day) - EPOCH).days * 86400000000 +
                   (t.hour * 3600 + t.minute * 60 + t.second) * 1000000 + t.microsecond)
    if k == "date": return (datetime.date.fromisoformat(v) - EPOCH).days
    return v
start = text.index(next(l for l in text if l.startswith("first ")))
got = [json.loads(l, parse_int=lambda s: -0.0 if s == "-0" else int(s)) for l in text[start + 1:] if l]
got = [{c: canon(kinds[c], v) for c, v in r.items()} for r in got]
duck = [json.loads(l) for l in open(f"{d}/duck.out", encoding="utf-8")][1:rows + 1]
for r in duck:
    for c, k in kinds.items():
        if k == "json" and r[c] is not None: r[c] = json.loads(r[c])
assert len(got) == len(duck) == rows, (len(got), len(duck))
for i, (g, w) in enumerate(zip(got, duck)):
    assert g == w, (i, {c: (g[c], w[c]) for c in g if g[c] != w[c]})
# row groups and null counts as DuckDB sees them
meta = [json.loads(l) for l in open(f"{d}/meta.out", encoding="utf-8")]
groups = re.findall(r"^row group (\d+): (\d+) rows", "\n".join(text), re.M)
assert [int(n) for _, n in groups] == [m["row_group_num_rows"] for m in meta if m["path_in_schema"] == "id"]
nulls = [int(n) for n in re.findall(r"null_count (\d+)", "\n".join(text))]
assert nulls == [m["stats_null_count"] for m in meta], "null counts"
encs = re.findall(r"encodings ([A-Z_]+(?:,[A-Z_]+)*)", "\n".join(text))
assert encs == [m["encodings"].replace(" ", "") for m in meta], "encodings"
PY
  ok "$(basename "$d"): inspect's rows, row groups, null counts and encodings equal DuckDB's"
}

i=0
for spec in "zstd on 60000" "snappy off 40000" "gzip on 1000000" "none on 30000"; do
  set -- $spec
  i=$((i + 1))
  d="$T/case-$1-$2"
  mkdir -p "$d"
  python3 "$RD/pq_cases.py" gen "$d" "$((i + 20))" 700
  "$W" parquet write --schema "$d/schema.json" --compression "$1" --dictionary "$2" \
    --row-group-bytes "$3" --dictionary-bytes 3000 "$d/in.jsonl" "$d/out.parquet" >/dev/null
  compare "$d" 700
done
expect_contains "$("$W" parquet inspect "$d/out.parquet" | tail -5 | head -1)" '{"id":-9223372036854775808,' \
  "default: the first 5 rows"
expect_contains "$("$W" parquet inspect "$d/out.parquet")" "key-value metadata: weaver.schema" \
  "key-value metadata keys listed"

# Corrupt files: a clear message naming the file, exit status 1, no crash.
f="$d/out.parquet"
bad() { # NAME EXPECTED-MESSAGE
  set +e
  msg=$("$W" parquet inspect "$T/$1" 2>&1)
  rc=$?
  set -e
  [ "$rc" -eq 1 ] || fail "$1: exit status $rc"
  expect_contains "$msg" "$2" "$1: $2"
}
head -c 7 "$f" >"$T/short.parquet"
bad short.parquet "short.parquet: 7 bytes is too short for a Parquet file"
head -c 5000 "$f" >"$T/truncated.parquet"
bad truncated.parquet "truncated.parquet: not a Parquet file (bad magic)"
python3 - "$f" "$T" <<'PY'
import sys
data = bytearray(open(sys.argv[1], "rb").read())
huge = data[:-8] + (0x7ffffff0).to_bytes(4, "little") + b"PAR1"
open(sys.argv[2] + "/huge.parquet", "wb").write(huge)
open(sys.argv[2] + "/magic.parquet", "wb").write(b"PAR0" + data[4:])
flen = int.from_bytes(data[-8:-4], "little")
open(sys.argv[2] + "/cut.parquet", "wb").write(data[:64] + data[-8 - flen:])
PY
bad huge.parquet "huge.parquet: footer length 2147483632 exceeds file size"
bad magic.parquet "magic.parquet: not a Parquet file (bad magic)"
bad cut.parquet "lies outside the data"
finish
