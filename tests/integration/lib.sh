# Shared helpers for integration tests (sourced). Every test works in its own temp dir and
# removes it on exit; processes it starts are ended by PID.
set -euo pipefail
W=${WEAVER_BIN:?WEAVER_BIN must point to the weaver binary}
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
T=$(mktemp -d "${TMPDIR:-/tmp}/weaver-it.XXXXXX")
PIDS=()
cleanup() {
  for p in "${PIDS[@]:-}"; do [ -n "$p" ] && kill -9 "$p" 2>/dev/null || true; done
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
