#!/usr/bin/env bash
# Integration: a write that fails mid-sync (the file-size limit stands in for a full disk)
# gives a clear error naming the file, publishes nothing, advances no state, leaves no staging
# behind and records the job as failed; the next sync with room completes everything.
source "$(dirname "$0")/lib.sh"

"$W" init --demo "$T/ws" >/dev/null
ws="$T/ws"
set +e
# a 100 KiB file limit: the first 250-record part (~180 KB) cannot be written
out=$(trap '' XFSZ; ulimit -f 100; "$W" -w "$ws" sync faker_users 2>&1)
rc=$?
set -e
expect_eq "$rc" 1 "failed write: exit 1"
expect_contains "$out" "_weaver_staging/" "error names the file being written"
expect_contains "$out" "File too large" "error gives the system's reason"
expect_eq "$(raw sql "$ws/.weaver/state.db" 'select count(*) from connection_state')" 0 "no state stored"
expect_eq "$(find "$ws/raw" -name '*.jsonl' | wc -l)" 0 "nothing published"
expect_eq "$(find "$ws/raw" -mindepth 2 -path '*_weaver_staging*' | wc -l)" 0 "no staging left behind"
expect_eq "$(raw sql "$ws/.weaver/state.db" 'select status from jobs')" failed "job recorded as failed"
expect_contains "$(raw sql "$ws/.weaver/state.db" 'select error from jobs')" "File too large" "job keeps the error"

"$W" -w "$ws" sync faker_users >/dev/null
expect_eq "$(raw check-dedup "$ws/raw/faker_users" users)" 1000 "the next sync completes: 1000 users"
expect_eq "$(raw count "$ws/raw/faker_users" products)" 100 "and 100 products"
finish
