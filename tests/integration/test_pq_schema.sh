#!/usr/bin/env bash
# Integration (issue 4 item 2): `weaver parquet write --schema` with a stream's JSON schema:
# column types from the schema, Airbyte's meta columns filled in, values that do not fit their
# column written as null and recorded in _airbyte_meta.changes; DuckDB and parquet-wasm read
# the file (dictionary-encoded) and return exactly the expected values. With --airbyte-meta off
# a misfit is an error as with weaver's column lists.
# Needs the readers installed: npm ci --prefix tests/readers
source "$(dirname "$0")/lib.sh"
SRC=${WEAVER_SRC:-$(cd "$HERE/../.." && pwd)}
RD="$SRC/tests/readers"
[ -d "$RD/node_modules/@duckdb/node-api" ] && [ -d "$RD/node_modules/parquet-wasm" ] ||
  fail "Parquet readers missing: run npm ci --prefix tests/readers"

cat >"$T/schema.json" <<'JSON'
{"type": "object", "required": ["id"], "properties": {
  "id": {"type": "integer"}, "x": {"type": ["null", "number"]}, "ok": {"type": "boolean"},
  "name": {"type": ["null", "string"]}, "at": {"type": "string", "format": "date-time"},
  "day": {"type": ["null", "string"], "format": "date"}, "obj": {"type": "object"},
  "tags": {"type": ["null", "array"]}, "u": {"type": ["string", "integer"]}}}
JSON
python3 - "$T" <<'PY'
import json, random, sys
r = random.Random(7)
good = lambda i: {"id": i, "x": i / 4, "ok": i % 2 == 0, "name": "n%d" % (i % 7),
                  "at": "2024-03-01T10:00:00+01:00", "day": "2024-02-29", "obj": {"k": [i]},
                  "tags": ["a", i], "u": "s" if i % 2 else i}
bad = {"x": "NaN?", "ok": "yes", "name": 12, "at": "yesterday", "day": "2024-02-30"}
with open(f"{sys.argv[1]}/in.jsonl", "w") as f, open(f"{sys.argv[1]}/want.jsonl", "w") as w:
    for i in range(600):
        rec = good(i)
        nulled = []
        if i % 5 == 0:
            for k in r.sample(sorted(bad), 2):
                rec[k] = bad[k]
                nulled.append(k)
        if i % 50 == 0:
            rec["_airbyte_raw_id"] = "given-%d" % i
        f.write(json.dumps(rec) + "\n")
        w.write(json.dumps({"id": i, "nulled": [k for k in
                 ["x", "ok", "name", "at", "day"] if k in nulled]}) + "\n")
PY
"$W" parquet write --schema "$T/schema.json" --compression zstd --row-group-bytes 20000 \
  "$T/in.jsonl" "$T/out.parquet" >/dev/null || fail "write with a JSON schema failed"
for rd in duckdb arrow; do
  node "$RD/read_parquet.mjs" "$rd" "$T/out.parquet" >"$T/$rd.out" || fail "$rd could not read the file"
  python3 - "$T" "$rd" <<'PY' || fail "$rd: values differ"
import json, re, struct, sys
t, rd = sys.argv[1], sys.argv[2]
lines = open(f"{t}/{rd}.out", encoding="utf-8").read().splitlines()
head, rows = json.loads(lines[0]), [json.loads(l) for l in lines[1:]]
want_types = {"duckdb": ["VARCHAR", "TIMESTAMP WITH TIME ZONE", "JSON", "BIGINT", "BIGINT",
                         "DOUBLE", "BOOLEAN", "VARCHAR", "TIMESTAMP WITH TIME ZONE", "DATE",
                         "JSON", "JSON", "JSON"],
              "arrow": ["Utf8", "Timestamp<MICROSECOND, UTC>", "Utf8", "Int64", "Int64",
                        "Float64", "Bool", "Utf8", "Timestamp<MICROSECOND, UTC>", "Date32<DAY>",
                        "Utf8", "Utf8", "Utf8"]}[rd]
names = ["_airbyte_raw_id", "_airbyte_extracted_at", "_airbyte_meta", "_airbyte_generation_id",
         "id", "x", "ok", "name", "at", "day", "obj", "tags", "u"]
assert list(head["types"]) == names and list(head["types"].values()) == want_types, head
want = [json.loads(l) for l in open(f"{t}/want.jsonl")]
assert len(rows) == 600
ids = set()
for row, w in zip(rows, want):
    i = w["id"]
    assert row["id"] == str(i)
    if i % 50 == 0:
        assert row["_airbyte_raw_id"] == "given-%d" % i
    else:
        assert re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}",
                            row["_airbyte_raw_id"]), row["_airbyte_raw_id"]
    ids.add(row["_airbyte_raw_id"])
    assert int(row["_airbyte_extracted_at"]) > 1.7e15 and row["_airbyte_generation_id"] is None
    meta = json.loads(row["_airbyte_meta"])
    assert meta == {"changes": [{"field": k, "change": "NULLED",
                                 "reason": "DESTINATION_SERIALIZATION_ERROR"} for k in w["nulled"]]}, (i, meta)
    good = {"x": "f:" + struct.pack(">d", i / 4).hex(), "ok": i % 2 == 0, "name": "n%d" % (i % 7),
            "at": "1709283600000000", "day": 19782}
    for k, v in good.items():
        assert row[k] == (None if k in w["nulled"] else v), (i, k, row[k])
    assert json.loads(row["obj"]) == {"k": [i]} and json.loads(row["tags"]) == ["a", i]
    assert json.loads(row["u"]) == ("s" if i % 2 else i)
assert len(ids) == 600, "raw ids are unique"
PY
  ok "$rd: JSON-schema types, meta columns and NULLED changes read back exactly"
done
node "$RD/read_parquet.mjs" meta "$T/out.parquet" | grep -q RLE_DICTIONARY || fail "no dictionary"
ok "the file is dictionary-encoded"

set +e
msg=$("$W" parquet write --schema "$T/schema.json" --airbyte-meta off "$T/in.jsonl" "$T/off.parquet" 2>&1)
rc=$?
set -e
[ "$rc" -ne 0 ] || fail "--airbyte-meta off: a misfit was accepted"
[[ "$msg" =~ in\.jsonl:1:\ column\ \"[a-z]+\",\ row\ 1:\ (a|not) ]] || fail "off: $msg"
expect_contains "$msg" 'in.jsonl:1: column "' \
  "--airbyte-meta off: a misfit is an error naming line, column and row"
echo '{"type":"object","properties":{"_airbyte_meta":{"type":"object"}}}' >"$T/clash.json"
set +e
msg=$("$W" parquet write --schema "$T/clash.json" "$T/in.jsonl" "$T/c.parquet" 2>&1)
set -e
expect_contains "$msg" 'property "_airbyte_meta" collides' "a property named like a meta column is refused"
finish
