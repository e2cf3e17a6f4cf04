#!/usr/bin/env bash
# Integration: `weaver export snowflake|dbt-sources` over workspace destinations whose raw
# zones were written by `weaver destination write` - a local directory and an S3 prefix on
# @20minutes/s3rver (127.0.0.1). Checks the DDL (file format, stage, external tables with typed
# VALUE casts, dt partition, location, pattern), that the newest run gives the columns, the dbt
# sources.yml (parsed with PyYAML: external block, partitions, data types, tests), the default
# destination, and errors; no secret appears in any output.
source "$(dirname "$0")/lib.sh"
SRC=${WEAVER_SRC:-$(cd "$HERE/../.." && pwd)}
RD="$SRC/tests/readers"
drv() { python3 "$HERE/dest_driver.py" "$@"; }

# --- a local raw zone: two runs, the second adds a column to users
ws="$T/ws"
mkdir -p "$ws/sources" "$ws/connections"
cat >"$ws/weaver.yaml" <<'YAML'
version: 1
destinations:
  lake: {path: lake}
  empty: {path: nothing-here}
defaults:
  destination: lake
YAML
echo '{"destination_path": "'"$ws"'/lake", "format": {"format_type": "Parquet", "compression_codec": "ZSTD"}}' >"$T/local.json"
drv catalog "$T/cat1.json" append append
drv drive "$W" "$T/local.json" "$T/cat1.json" "$ws/lake" "" 1 "$T/exp.json" >/dev/null
python3 - "$T/cat1.json" "$T/cat2.json" <<'PY'
import json, sys
cat = json.load(open(sys.argv[1]))
cat["streams"][0]["stream"]["json_schema"]["properties"]["email"] = {"type": ["null", "string"]}
json.dump(cat, open(sys.argv[2], "w"))
PY
drv drive "$W" "$T/local.json" "$T/cat2.json" "$ws/lake" "" 2 "$T/exp.json" >/dev/null
expect_eq "$(ls "$ws/lake/_runs" | wc -l)" 2 "setup: two runs in the local zone"

sql=$("$W" -w "$ws" export snowflake lake)
expect_contains "$sql" 'CREATE FILE FORMAT IF NOT EXISTS "LAKE_PARQUET" TYPE = PARQUET;' "snowflake: Parquet file format"
expect_contains "$sql" "-- Destination lake is a local directory ($ws/lake): Snowflake cannot read it." "snowflake: local destination noted"
expect_contains "$sql" 'CREATE STAGE IF NOT EXISTS "LAKE_STAGE"
  FILE_FORMAT = "LAKE_PARQUET";' "snowflake: internal stage for a local destination"
expect_contains "$sql" 'CREATE OR REPLACE EXTERNAL TABLE "users" (
  "dt" DATE AS (TRY_TO_DATE(SPLIT_PART(SPLIT_PART(METADATA$FILENAME, '"'/dt='"', 2), '"'/'"', 1), '"'YYYY-MM-DD'"')),
  "_airbyte_raw_id" VARCHAR AS (VALUE:"_airbyte_raw_id"::VARCHAR),
  "_airbyte_extracted_at" TIMESTAMP_TZ AS (VALUE:"_airbyte_extracted_at"::TIMESTAMP_TZ),
  "_airbyte_meta" VARIANT AS (PARSE_JSON(VALUE:"_airbyte_meta"::VARCHAR)),
  "_airbyte_generation_id" NUMBER(38,0) AS (VALUE:"_airbyte_generation_id"::NUMBER(38,0)),
  "id" NUMBER(38,0) AS (VALUE:"id"::NUMBER(38,0)),
  "name" VARCHAR AS (VALUE:"name"::VARCHAR),
  "score" FLOAT AS (VALUE:"score"::FLOAT),
  "active" BOOLEAN AS (VALUE:"active"::BOOLEAN),
  "ts" TIMESTAMP_TZ AS (VALUE:"ts"::TIMESTAMP_TZ),
  "d" DATE AS (VALUE:"d"::DATE),
  "tags" VARIANT AS (PARSE_JSON(VALUE:"tags"::VARCHAR)),
  "email" VARCHAR AS (VALUE:"email"::VARCHAR)' "snowflake: users columns typed from Parquet, dt partition, newest run's email column"
expect_contains "$sql" 'PARTITION BY ("dt")
LOCATION = @"LAKE_STAGE"/users/
FILE_FORMAT = (FORMAT_NAME = '"'\"LAKE_PARQUET\"'"')
AUTO_REFRESH = TRUE
PATTERN = '"'.*[.]parquet'"';' "snowflake: partition, location, format, auto refresh, pattern"
expect_contains "$sql" 'CREATE OR REPLACE EXTERNAL TABLE "shop_events" (' "snowflake: namespaced stream gets ns_stream"
expect_contains "$sql" 'LOCATION = @"LAKE_STAGE"/shop/events/' "snowflake: namespaced stream's location"
expect_contains "$sql" '"payload" VARIANT AS (PARSE_JSON(VALUE:"payload"::VARCHAR))' "snowflake: object column as VARIANT"
expect_eq "$(grep -c 'CREATE OR REPLACE EXTERNAL TABLE' <<<"$sql")" 2 "snowflake: one table per stream (not per run)"
run2=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["runs"][1]["run_id"])' "$T/exp.json")
expect_contains "$sql" "-- stream users (append): run $run2, 15 rows in" "snowflake: the comment names the newest run"

# --- dbt sources.yml, default destination
yml=$("$W" -w "$ws" export dbt-sources)
expect_eq "$yml" "$("$W" -w "$ws" export dbt-sources lake)" "dbt: no argument = defaults.destination"
printf '%s\n' "$yml" >"$T/sources.yml"
python3 - "$ws/lake" "$T/sources.yml" <<'PY' || fail "dbt sources.yml is not what was expected"
import sys, yaml
doc = yaml.safe_load(open(sys.argv[2]))
assert doc["version"] == 2, doc
(src,) = doc["sources"]
assert src["name"] == "lake" and src["loader"] == "weaver", src
assert sys.argv[1] in src["description"], src["description"]
tables = {t["name"]: t for t in src["tables"]}
assert sorted(tables) == ["shop_events", "users"], sorted(tables)
u = tables["users"]
ext = u["external"]
assert ext["location"] == "@LAKE_STAGE/users/", ext
assert ext["file_format"] == "LAKE_PARQUET" and ext["auto_refresh"] is True, ext
assert ext["pattern"] == ".*[.]parquet", ext
(p,) = ext["partitions"]
assert p["name"] == "dt" and p["data_type"] == "DATE", p
assert p["expression"].startswith("TRY_TO_DATE(SPLIT_PART(SPLIT_PART(METADATA$FILENAME, '/dt=', 2)"), p
cols = {c["name"]: c for c in u["columns"]}
assert cols["id"]["data_type"] == "NUMBER(38,0)", cols["id"]
# users is appended: duplicates of a key are expected in the raw zone, so unique only warns
assert cols["id"]["tests"] == ["not_null", {"unique": {"config": {"severity": "warn"}}}], cols["id"]
assert cols["ts"]["data_type"] == "TIMESTAMP_TZ" and "tests" not in cols["ts"], cols["ts"]
assert cols["email"]["data_type"] == "VARCHAR" and cols["tags"]["data_type"] == "VARIANT"
assert [c["name"] for c in u["columns"]][:4] == ["_airbyte_raw_id", "_airbyte_extracted_at", "_airbyte_meta", "_airbyte_generation_id"]
e = {c["name"]: c for c in tables["shop_events"]["columns"]}
assert e["eid"]["tests"] == ["not_null"] and e["kind"]["tests"] == ["not_null"], e
assert tables["shop_events"]["external"]["location"] == "@LAKE_STAGE/shop/events/"
PY
ok "dbt: sources.yml parses; external location/format/partitions, types, pk tests"
expect_contains "$yml" "# composite or nested primary key" "dbt: composite key noted"

# --- zones written by `weaver sync`: one per connection under the destination
"$W" init --demo "$T/demo" >/dev/null
"$W" -w "$T/demo" sync faker_users >/dev/null
"$W" -w "$T/demo" sync faker_snapshot >/dev/null
"$W" -w "$T/demo" export dbt-sources >"$T/demo.yml"
python3 - "$T/demo.yml" <<'PY' || fail "dbt sources.yml of the demo workspace is not what was expected"
import sys, yaml
(src,) = yaml.safe_load(open(sys.argv[1]))["sources"]
tables = {t["name"]: t for t in src["tables"]}
# users comes from both connections: the table names carry the connection's directory
assert "faker_users_users" in tables and "faker_snapshot_users" in tables, sorted(tables)
assert tables["faker_users_users"]["external"]["location"] == "@RAW_STAGE/faker_users/users/"
assert tables["faker_snapshot_users"]["external"]["location"] == "@RAW_STAGE/faker_snapshot/users/"
p = tables["products"]
assert p["external"]["location"] == "@RAW_STAGE/faker_users/products/", p["external"]
idcol = next(c for c in p["columns"] if c["name"] == "id")
assert idcol["tests"] == ["not_null", "unique"], idcol  # overwrite: one generation, unique
PY
ok "dbt: connections' zones under the destination, overwrite streams get a strict unique test"

# --- errors
set +e
out=$("$W" -w "$ws" export snowflake nosuch 2>&1); rc=$?
set -e
expect_eq "$rc" 2 "unknown destination: usage error"
expect_contains "$out" "unknown destination 'nosuch'" "unknown destination: named"
set +e
out=$("$W" -w "$ws" export snowflake empty 2>&1); rc=$?
set -e
expect_eq "$rc" 1 "no manifests: exit 1"
expect_contains "$out" "no run manifests" "no manifests: says so"
sed -i '/^defaults:/,$d' "$ws/weaver.yaml"
set +e
out=$("$W" -w "$ws" export dbt-sources 2>&1); rc=$?
set -e
expect_eq "$rc" 2 "no default destination: usage error"
expect_contains "$out" "name the destination (weaver.yaml has no defaults.destination; destinations: lake, empty)" "no default destination: lists the choices"

# --- S3: a zone under s3://lake/warehouse/raw on s3rver, read back with ListObjectsV2 + GET
mkdir -p "$T/s3data"
start_s3 "$T/s3data" lake
port=$S3_PORT
echo '{"s3_bucket_name": "lake", "s3_bucket_path": "warehouse/raw", "s3_endpoint": "http://127.0.0.1:'"$port"'",
  "access_key_id": "S3RVER", "secret_access_key": "S3RVER", "format": {"format_type": "Parquet"},
  "s3_path_format": "${NAMESPACE}/${STREAM_NAME}/dt=${YEAR}-${MONTH}-${DAY}/", "file_name_pattern": "{timestamp}"}' >"$T/s3.json"
drv drive "$W" "$T/s3.json" "$T/cat1.json" "$T/s3data/lake/warehouse/raw" "._S3rver_object" 1 "$T/exp_s3.json" >/dev/null
cat >>"$ws/weaver.yaml" <<YAML
  s3lake:
    path: s3://lake/warehouse/raw
    s3: {endpoint: "http://127.0.0.1:$port", access_key_id: "{{ env.EX_KEY }}", secret_access_key: "{{ env.EX_SECRET }}"}
YAML
export EX_KEY=S3RVER EX_SECRET=S3RVER
sql=$("$W" -w "$ws" export snowflake s3lake)
expect_contains "$sql" "CREATE STAGE IF NOT EXISTS \"S3LAKE_STAGE\"
  URL = 's3://lake/warehouse/raw/'
  -- access: a storage integration" "snowflake S3: stage on the bucket and prefix, access as a placeholder"
expect_contains "$sql" "-- STORAGE_INTEGRATION = <your_storage_integration>" "snowflake S3: storage integration placeholder"
expect_contains "$sql" 'LOCATION = @"S3LAKE_STAGE"/users/' "snowflake S3: users location from the S3 manifest"
expect_contains "$sql" '"dt" DATE AS (TRY_TO_DATE(' "snowflake S3: dt partition from the translated path format"
[[ "$sql" != *'"email"'* ]] || fail "snowflake S3: the S3 zone has no email column"
ok "snowflake S3: columns from the S3 zone's own manifest"
[[ "$sql" != *S3RVER* ]] || fail "a credential appears in the SQL"
ok "snowflake S3: no credential in the output"
set +e
out=$(EX_SECRET=wrongsecretvalue "$W" -w "$ws" export snowflake s3lake 2>&1); rc=$?
set -e
expect_eq "$rc" 1 "S3 with a wrong secret: exit 1"
expect_contains "$out" "403" "S3 with a wrong secret: the S3 error"
[[ "$out" != *wrongsecretvalue* ]] || fail "the secret appears in the error: $out"
ok "S3 with a wrong secret: the secret is not in the error"
finish
