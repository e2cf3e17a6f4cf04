#!/usr/bin/env bash
# Integration: `weaver destination spec|check|write` as an Airbyte destination. spec carries
# destination-s3's fields; check succeeds and fails (bad directory, wrong secret against an S3
# server - never echoing the secret); write to a local directory and to S3 (@20minutes/s3rver on
# 127.0.0.1) driven line by line (dest_driver.py): each STATE comes back unchanged and only once
# the records before it are published; files read back exactly by DuckDB and arrow; overwrite
# replaces older files; bad input ends with a TRACE error, exit 1 and no STATE after it.
# Needs the readers installed: npm ci --prefix tests/readers
source "$(dirname "$0")/lib.sh"
SRC=${WEAVER_SRC:-$(cd "$HERE/../.." && pwd)}
RD="$SRC/tests/readers"
[ -d "$RD/node_modules/@duckdb/node-api" ] && [ -d "$RD/node_modules/parquet-wasm" ] ||
  fail "Parquet readers missing: run npm ci --prefix tests/readers"
drv() { python3 "$HERE/dest_driver.py" "$@"; }
# field FILE.json-or-text PYTHON-EXPR: evaluates EXPR over m (the first JSON line)
jq1() { python3 -c 'import json,sys; m=json.loads(sys.stdin.readline()); print(eval(sys.argv[1]))' "$1"; }

# --- spec
spec=$("$W" destination spec)
expect_eq "$(jq1 'm["type"]' <<<"$spec")" SPEC "spec: one SPEC message"
props=$(jq1 '" ".join(sorted(m["spec"]["connectionSpecification"]["properties"]))' <<<"$spec")
for f in s3_bucket_name s3_bucket_path s3_bucket_region s3_endpoint access_key_id \
  secret_access_key s3_path_format file_name_pattern format destination_path flatten; do
  [[ " $props " == *" $f "* ]] || fail "spec lacks $f: $props"
done
ok "spec: destination-s3's fields plus destination_path and flatten"
expect_eq "$(jq1 'm["spec"]["connectionSpecification"]["properties"]["secret_access_key"]["airbyte_secret"] and m["spec"]["connectionSpecification"]["properties"]["access_key_id"]["airbyte_secret"]' <<<"$spec")" True "spec: keys are airbyte_secret"
expect_eq "$(jq1 'm["spec"]["supported_destination_sync_modes"]' <<<"$spec")" "['overwrite', 'append']" "spec: overwrite and append"
expect_eq "$(jq1 'm["spec"]["connectionSpecification"]["properties"]["format"]["oneOf"][0]["properties"]["compression_codec"]["enum"]' <<<"$spec")" "['UNCOMPRESSED', 'SNAPPY', 'GZIP', 'ZSTD']" "spec: Parquet codecs"

# --- check, local
status() { jq1 'm["connectionStatus"]["status"] + " " + m["connectionStatus"].get("message", "")'; }
echo '{"destination_path": "'"$T"'/zone", "format": {"format_type": "Parquet", "compression_codec": "ZSTD"}}' >"$T/local.json"
expect_eq "$("$W" destination check --config "$T/local.json" | status)" "SUCCEEDED " "check: local directory (created)"
[ -d "$T/zone" ] && [ -z "$(ls -A "$T/zone")" ] || fail "check left files in the zone"
ok "check: leaves no test file behind"
touch "$T/plainfile"
echo '{"destination_path": "'"$T"'/plainfile/sub", "format": {"format_type": "Parquet"}}' >"$T/bad.json"
out=$("$W" destination check --config "$T/bad.json" | status)
expect_contains "$out" "FAILED" "check: a directory under a file fails"
expect_contains "$out" "plainfile/sub" "check: the failure names the directory"
echo '{"destination_path": "'"$T"'/z", "format": {"format_type": "Parquet", "compression_codec": "LZO"}}' >"$T/lzo.json"
expect_contains "$("$W" destination check --config "$T/lzo.json" | status)" "compression_codec LZO is not supported by weaver's Parquet writer" "check: destination-s3 codec weaver lacks: clear error"
echo '{"destination_path": "'"$T"'/z", "format": {"format_type": "Parquet"}, "file_name_pattern": "{date}-{bogus}"}' >"$T/pat.json"
expect_contains "$("$W" destination check --config "$T/pat.json" | status)" "unknown placeholder {bogus}" "check: unknown file name placeholder: clear error"
echo '{"destination_path": "'"$T"'/z", "format": {"format_type": "CSV"}}' >"$T/csv.json"
expect_contains "$("$W" destination check --config "$T/csv.json" | status)" "must be \"Parquet\"" "check: other formats refused"
set +e
out=$("$W" destination check --config "$T/missing.json" 2>/dev/null); rc=$?
set -e
expect_eq "$rc" 1 "check: unreadable config exits 1"
expect_eq "$(jq1 'm["type"]+" "+m["trace"]["type"]' <<<"$out")" "TRACE ERROR" "check: unreadable config is a TRACE error"

# --- write, local: line by line, overwrite, readers
drv catalog "$T/cat1.json" append append
out=$(drv drive "$W" "$T/local.json" "$T/cat1.json" "$T/zone" "" 1 "$T/exp.json")
expect_eq "$out" "3 states, 15 users, 7 events" "write: each STATE echoed unchanged, after exactly its records were published"
ls "$T/zone/users/dt="*/*.parquet >/dev/null && ls "$T/zone/shop/events/dt="*/*.parquet >/dev/null ||
  fail "default layout {namespace}/{stream}/dt={date}/ not used: $(find "$T/zone" -type f)"
ok "write: default layout namespace/stream/dt=DATE/RUN-PART.parquet"
[ ! -e "$T/zone/_weaver_staging" ] || fail "staging left behind: $(find "$T/zone/_weaver_staging")"
ok "write: private staging removed"
expect_contains "$(drv verify "$T/zone" "" "$RD" "$T/exp.json")" "users, 7 events read back exactly by duckdb and arrow" "write: every value read back exactly by two readers"
# run 2: users overwrite (run 1's users files go), events append (kept)
drv catalog "$T/cat2.json" overwrite append
run1_users=$(ls "$T/zone/users/"*/*.parquet | wc -l)
drv drive "$W" "$T/local.json" "$T/cat2.json" "$T/zone" "" 2 "$T/exp.json" >/dev/null
n=$(find "$T/zone/users" -name "*.parquet" | grep -c -- "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["runs"][0]["run_id"])' "$T/exp.json")" || true)
expect_eq "$n" 0 "overwrite: none of run 1's $run1_users users files remain"
expect_contains "$(drv verify "$T/zone" "" "$RD" "$T/exp.json")" "15 users, 14 events read back exactly" "overwrite: users = run 2 only, events = both runs"
# a failed overwrite sync keeps the older files (replaced only when a sync completes)
run2_users=$(find "$T/zone/users" -name "*.parquet" | sort)
set +e
{ echo '{"type":"RECORD","record":{"stream":"users","data":{"id":3001,"name":"x"},"emitted_at":1}}'
  echo '{"type":"STATE","state":{"type":"LEGACY","data":{"n":1}}}'; echo '{"type":"oops"'; } |
  "$W" destination write --config "$T/local.json" --catalog "$T/cat2.json" >"$T/fail.out" 2>/dev/null
rc=$?
set -e
expect_eq "$rc" 1 "overwrite, failed sync: exit 1"
expect_eq "$(grep -c '"STATE"' "$T/fail.out")" 1 "overwrite, failed sync: its STATE came back"
kept=$(comm -23 <(echo "$run2_users") <(find "$T/zone/users" -name "*.parquet" | sort))
expect_eq "$kept" "" "overwrite, failed sync: the previous sync's files are all still there"
expect_eq "$(find "$T/zone/users" -name "*.parquet" | wc -l)" "$(($(echo "$run2_users" | wc -l) + 1))" "overwrite, failed sync: its checkpointed file is published beside them"

# --- flatten: nested objects become parent_child columns
echo '{"destination_path": "'"$T"'/flat", "format": {"format_type": "Parquet"}, "flatten": true}' >"$T/flat.json"
echo '{"streams":[{"stream":{"name":"people","json_schema":{"type":"object","properties":{"id":{"type":"integer"},"addr":{"type":"object","properties":{"city":{"type":"string"},"geo":{"type":"object","properties":{"lat":{"type":"number"}}}}}}},"supported_sync_modes":["full_refresh"]},"sync_mode":"full_refresh","destination_sync_mode":"append"}]}' >"$T/flatcat.json"
echo '{"type":"RECORD","record":{"stream":"people","data":{"id":7,"addr":{"city":"Oslo","geo":{"lat":59.5}}},"emitted_at":1}}' |
  "$W" destination write --config "$T/flat.json" --catalog "$T/flatcat.json" >/dev/null
row=$(node "$RD/read_parquet.mjs" arrow "$T"/flat/people/dt=*/*.parquet | sed -n 2p | jq1 '(m["id"], m["addr_city"], m["addr_geo_lat"])')
expect_eq "$row" "('7', 'Oslo', 'f:$(python3 -c 'import struct; print(struct.pack(">d", 59.5).hex())')')" "flatten: addr.city and addr.geo.lat as addr_city, addr_geo_lat"

# --- bad input: TRACE error, exit 1, no STATE after it, unpublished data not visible
rec() { echo '{"type":"RECORD","record":{"stream":"'"$1"'","data":{"id":'"$2"'},"emitted_at":1}}'; }
st() { echo '{"type":"STATE","state":{"type":"LEGACY","data":{"n":'"$1"'}}}'; }
echo '{"destination_path": "'"$T"'/bad", "format": {"format_type": "Parquet"}}' >"$T/badin.json"
set +e
out=$({ rec users 1; st 1; rec users 2; echo 'this is not json'; rec users 3; st 2; } |
  "$W" destination write --config "$T/badin.json" --catalog "$T/cat1.json" 2>/dev/null); rc=$?
set -e
expect_eq "$rc" 1 "bad line: exit 1"
expect_eq "$(grep -c '"STATE"' <<<"$out")" 1 "bad line: only the STATE before it is echoed"
expect_eq "$(tail -n 1 <<<"$out" | jq1 'm["type"]+" "+m["trace"]["error"]["failure_type"]')" "TRACE system_error" "bad line: ends with a TRACE error"
expect_contains "$(tail -n 1 <<<"$out")" "stdin:4" "bad line: the error names the line"
rows=$(python3 -c 'import json,glob,sys; print(sum(f["rows"] for p in glob.glob(sys.argv[1]+"/_runs/*/_manifest.json") for f in json.load(open(p))["files"]))' "$T/bad")
expect_eq "$rows" 1 "bad line: the record after the last STATE was not published"
[ -z "$(find "$T/bad" -path '*_weaver_staging*')" ] || fail "staging left after a failure"
ok "bad line: staging removed after the failure"
set +e
out=$({ rec users 1; rec nosuch 2; st 1; } |
  "$W" destination write --config "$T/badin.json" --catalog "$T/cat1.json" 2>/dev/null); rc=$?
set -e
expect_eq "$rc" 1 "unknown stream: exit 1"
expect_eq "$(grep -c '"STATE"' <<<"$out" || true)" 0 "unknown stream: no STATE echoed"
expect_contains "$out" "RECORD for stream 'nosuch' which is not in the configured catalog" "unknown stream: TRACE names it"
echo '{"streams":[{"stream":{"name":"users","json_schema":{"type":"object","properties":{"id":{"type":"integer"}}},"supported_sync_modes":["full_refresh"]},"sync_mode":"full_refresh","destination_sync_mode":"append_dedup","primary_key":[["id"]]}]}' >"$T/dedup.json"
out=$({ rec users 1; st 1; } | "$W" destination write --config "$T/badin.json" --catalog "$T/dedup.json")
expect_contains "$(head -n 1 <<<"$out")" '"level":"WARN","message":"stream users: append_dedup is written as append' "append_dedup: a LOG warning, written as append"
expect_eq "$(grep -c '"STATE"' <<<"$out")" 1 "append_dedup: the STATE comes back"

# --- S3: s3rver on 127.0.0.1 (checks SigV4 signatures)
mkdir -p "$T/s3data"
start_s3 "$T/s3data" lake
port=$S3_PORT
ep="http://127.0.0.1:$port"
s3cfg() { # SECRET [extra json members]
  echo '{"s3_bucket_name": "lake", "s3_bucket_path": "/warehouse/raw/", "s3_bucket_region": "us-east-1",
   "s3_endpoint": "'"$ep"'", "access_key_id": "S3RVER", "secret_access_key": "'"$1"'",
   "format": {"format_type": "Parquet", "compression_codec": "SNAPPY", "block_size_mb": 1, "page_size_kb": 64}'"${2:-}"'}'
}
s3cfg S3RVER >"$T/s3.json"
expect_eq "$("$W" destination check --config "$T/s3.json" | status)" "SUCCEEDED " "check: S3 with the right keys"
[ -z "$(find "$T/s3data/lake" -type f -name '*_weaver_check*')" ] || fail "check left its test object"
ok "check: S3 test object deleted"
s3cfg 'Wr0ngS3cretValue/xyz' >"$T/s3bad.json"
out=$("$W" destination check --config "$T/s3bad.json")
expect_contains "$(status <<<"$out")" "FAILED s3://lake/warehouse/raw: " "check: wrong secret fails"
expect_contains "$out" "403" "check: the failure says why (HTTP 403)"
[[ "$out" != *Wr0ngS3cretValue* ]] || fail "the secret appears in the check output: $out"
ok "check: the secret never appears in the message"
echo '{"s3_bucket_name": "lake", "s3_endpoint": "'"$ep"'", "format": {"format_type": "Parquet"}}' >"$T/s3env.json"
expect_eq "$(AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER AWS_SHARED_CREDENTIALS_FILE=/nonexistent "$W" destination check --config "$T/s3env.json" | status)" "SUCCEEDED " "check: S3 keys from the AWS environment when the config has none"

# write to S3 with destination-s3's path format and file name pattern
s3cfg S3RVER ', "s3_path_format": "${NAMESPACE}/${STREAM_NAME}/${YEAR}_${MONTH}/", "file_name_pattern": "{timestamp}_{part_number}{format_extension}"' >"$T/s3w.json"
root="$T/s3data/lake/warehouse/raw"
out=$(drv drive "$W" "$T/s3w.json" "$T/cat1.json" "$root" "._S3rver_object" 1 "$T/exp_s3.json")
expect_eq "$out" "3 states, 15 users, 7 events" "S3 write: each STATE echoed after its objects were uploaded"
keys=$(cd "$root" && find . -name '*.parquet._S3rver_object' | sed 's/._S3rver_object$//' | sort)
python3 - "$keys" <<'PY' || fail "S3 keys do not follow the translated pattern: $keys"
import re, sys
keys = sys.argv[1].split()
pat = re.compile(r"^\./(shop/events|users)/\d{4}_\d{2}/\d{9,}_\d{8}T\d{6}Z-[0-9a-f]{8}-\d{3}\.parquet$")
assert keys and all(pat.match(k) for k in keys), keys
PY
ok "S3 write: keys follow \${NAMESPACE}/\${STREAM_NAME}/\${YEAR}_\${MONTH}/{timestamp}_{run_id}-{part_number}.parquet under the bucket path"
expect_contains "$(drv verify "$root" "._S3rver_object" "$RD" "$T/exp_s3.json")" "15 users, 7 events read back exactly by duckdb and arrow" "S3 write: objects read back exactly by two readers"
# a write that cannot upload: TRACE error with the S3 status, no STATE, never the secret
set +e
out=$({ echo '{"type":"RECORD","record":{"stream":"users","data":{"id":1},"emitted_at":1}}'
        echo '{"type":"STATE","state":{"type":"LEGACY","data":{"n":1}}}'; } |
  "$W" destination write --config "$T/s3bad.json" --catalog "$T/cat1.json" 2>/dev/null); rc=$?
set -e
expect_eq "$rc" 1 "S3 write, wrong secret: exit 1"
expect_eq "$(grep -c '"STATE"' <<<"$out" || true)" 0 "S3 write, wrong secret: no STATE echoed"
expect_contains "$(tail -n 1 <<<"$out")" "403" "S3 write, wrong secret: TRACE error with the S3 status"
[[ "$out" != *Wr0ngS3cretValue* ]] || fail "the secret appears in the write output"
ok "S3 write, wrong secret: the secret never appears"
finish
