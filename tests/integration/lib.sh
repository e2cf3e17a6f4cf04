# Shared helpers for integration tests (sourced). Every test works in its own temp dir and
# removes it on exit; processes it starts are ended by PID.
set -euo pipefail
W=${WEAVER_BIN:?WEAVER_BIN must point to the weaver binary}
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
T=$(mktemp -d "${TMPDIR:-/tmp}/weaver-it.XXXXXX")
PIDS=()
cleanup() {
  for p in "${PIDS[@]:-}"; do
    [ -n "$p" ] && { kill -9 "$p" && wait "$p"; } 2>/dev/null || true
  done
  rm -rf "$T"
}
trap cleanup EXIT
n_pass=0
fail() { echo "FAIL: $*" >&2; exit 1; }
ok() { n_pass=$((n_pass + 1)); echo "ok $n_pass - $*"; }
# expect_eq ACTUAL EXPECTED WHAT
expect_eq() { [ "$1" == "$2" ] || fail "$3: expected '$2', got '$1'"; ok "$3"; }
# expect_contains HAYSTACK NEEDLE WHAT
expect_contains() { [[ "$1" == *"$2"* ]] || fail "$3: '$2' not in: $1"; ok "$3"; }
raw() { python3 "$HERE/rawzone.py" "$@"; }
sql() { python3 "$HERE/rawzone.py" sql "$@"; }
finish() { echo "$n_pass passed, 0 failed"; }
# start_s3 DATA_DIR BUCKET...: starts the S3 emulator (tests/fixtures/s3rver.js) on 127.0.0.1 and
# sets S3_PORT; the server is ended by PID at exit.
start_s3() {
  local src=${WEAVER_SRC:-$(cd "$HERE/../.." && pwd)} out="$T/s3rver.out"
  [ -d "$src/tests/readers/node_modules/@20minutes/s3rver" ] ||
    fail "S3 emulator missing: run npm ci --prefix tests/readers"
  : >"$out" # exists before the server's shell opens it (no race with the first read)
  node --openssl-legacy-provider "$src/tests/fixtures/s3rver.js" "$src/tests/readers" "$@" \
    >>"$out" 2>&1 &
  PIDS+=($!)
  for _ in $(seq 1 200); do
    S3_PORT=$(sed -n 's/^PORT \([0-9]*\)$/\1/p' "$out" 2>/dev/null || true)
    [ -n "$S3_PORT" ] && return 0
    sleep 0.05
  done
  fail "S3 emulator did not start: $(cat "$out")"
}
# s3_object DATA_DIR BUCKET KEY: the path where the emulator keeps an object's bytes
s3_object() { echo "$1/$2/$(dirname "$3")/$(basename "$3")._S3rver_object" | sed 's|/\./|/|'; }
