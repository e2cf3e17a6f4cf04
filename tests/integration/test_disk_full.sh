#!/usr/bin/env bash
# Integration: a write that fails mid-sync (the file-size limit stands in for a full disk)
# gives a clear error naming the file, publishes nothing, advances no state, leaves no staging
# behind and records the job as failed; the next sync with room completes everything.
source "$(dirname "$0")/lib.sh"

"$W" init --demo "$T/ws" >/dev/null
ws="$T/ws"
# first the JSONL raw zone (the demo's raw_jsonl destination), then Parquet (below)
sed -i 's/^destination: raw$/destination: raw_jsonl/' "$ws/connections/faker_users.yaml"
"$W" -w "$ws" jobs >/dev/null # creates state.db (migrations) before the limit applies
set +e
# a 100 KiB file limit: the first 250-record part (~180 KB) cannot be written
out=$(trap '' XFSZ; ulimit -f 100; "$W" -w "$ws" sync faker_users 2>&1)
rc=$?
set -e
expect_eq "$rc" 1 "failed write: exit 1"
expect_contains "$out" "_weaver_staging/" "error names the file being written"
expect_contains "$out" "File too large" "error gives the system's reason"
expect_eq "$(raw sql "$ws/.weaver/state.db" 'select count(*) from connection_state')" 0 "no state stored"
expect_eq "$(find "$ws/raw_jsonl" -name '*.jsonl' | wc -l)" 0 "nothing published"
expect_eq "$(find "$ws/raw_jsonl" -mindepth 2 -path '*_weaver_staging*' | wc -l)" 0 "no staging left behind"
expect_eq "$(raw sql "$ws/.weaver/state.db" 'select status from jobs')" failed "job recorded as failed"
expect_contains "$(raw sql "$ws/.weaver/state.db" 'select error from jobs')" "File too large" "job keeps the error"

"$W" -w "$ws" sync faker_users >/dev/null
expect_eq "$(raw check-dedup "$ws/raw_jsonl/faker_users" users)" 1000 "the next sync completes: 1000 users"
expect_eq "$(raw count "$ws/raw_jsonl/faker_users" products)" 100 "and 100 products"

# Parquet: small uncompressed row groups so the staged file outgrows the limit mid-run
ws="$T/ws2"
"$W" init --demo "$ws" >/dev/null
sed -i 's/^    compression: zstd$/    compression: none\n    row_group_size: 4KiB/' "$ws/weaver.yaml"
# one checkpoint per stream (state.db's WAL stays small), 3000 users (well over the limit)
sed -i 's/^  count: 1000$/  count: 3000/; s/^  records_per_slice: 250 .*/  records_per_slice: 100000/' \
  "$ws/sources/faker.yaml"
"$W" -w "$ws" jobs >/dev/null
set +e
out=$(trap '' XFSZ; ulimit -f 100; "$W" -w "$ws" sync faker_users 2>&1)
rc=$?
set -e
expect_eq "$rc" 1 "Parquet: failed write: exit 1"
expect_contains "$out" "_weaver_staging/" "Parquet: error names the staged file"
expect_contains "$out" "File too large" "Parquet: error gives the system's reason"
expect_eq "$(raw sql "$ws/.weaver/state.db" 'select count(*) from connection_state')" 0 "Parquet: no state stored"
expect_eq "$(find "$ws/raw" -name '*.parquet' | wc -l)" 0 "Parquet: nothing published"
expect_eq "$(find "$ws/raw" -path '*_weaver_staging*' -type f | wc -l)" 0 "Parquet: no staging left behind"
expect_eq "$(raw sql "$ws/.weaver/state.db" 'select status from jobs')" failed "Parquet: job recorded as failed"
"$W" -w "$ws" sync faker_users >/dev/null
SRC=${WEAVER_SRC:-$(cd "$HERE/../.." && pwd)}
expect_eq "$(node "$SRC/tests/readers/duck_sql.mjs" "SELECT count(DISTINCT id) FROM read_parquet('$ws/raw/faker_users/users/**/*.parquet')")" \
  '["3000"]' "Parquet: the next sync completes: 3000 users"
finish
