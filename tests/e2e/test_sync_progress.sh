#!/usr/bin/env bash
# End-to-end: `weaver sync` on a terminal draws a live progress line (records, bytes, rate) on
# stderr, and draws none when stderr is not a terminal.
set -euo pipefail
W=${WEAVER_BIN:?}
T=$(mktemp -d "${TMPDIR:-/tmp}/weaver-e2e.XXXXXX")
SOCK="weaver-e2e-$$"
cleanup() { tmux -L "$SOCK" kill-server 2>/dev/null || true; rm -rf "$T"; }
trap cleanup EXIT
n=0
fail() { echo "FAIL: $*" >&2; tmux -L "$SOCK" capture-pane -p -t p >&2 || true; exit 1; }
ok() { n=$((n + 1)); echo "ok $n - $*"; }
wait_for() {
  local deadline=$((SECONDS + ${2:-20}))
  while [ $SECONDS -lt $deadline ]; do
    tmux -L "$SOCK" capture-pane -p -t p 2>/dev/null | grep -qE -- "$1" && return 0
    sleep 0.1
  done
  fail "timed out waiting for /$1/"
}

ws="$T/ws"
mkdir -p "$ws/sources" "$ws/connections"
printf 'version: 1\ndestinations:\n  raw: {type: local, path: raw}\n' >"$ws/weaver.yaml"
printf 'connector: builtin:faker\nconfig: {count: 3000, records_per_slice: 100, sleep_ms_per_slice: 40}\n' >"$ws/sources/f.yaml"
printf 'source: f\nstreams: [{name: users, sync_mode: incremental, destination_sync_mode: append}]\n' >"$ws/connections/c.yaml"

tmux -L "$SOCK" -f /dev/null new-session -d -s p -x 120 -y 10 \
  "LANG=C.UTF-8 '$W' -w '$ws' sync c; echo \"exit=\$?\"; sleep 30"
wait_for "[0-9,]+ records +[0-9.]+ [KM]?B +[0-9,]+ rec/s +[0-9.]+s +users"
ok "progress line shows records, bytes, rate, elapsed and stream"
wait_for "exit=0"
wait_for "sync c: succeeded: 3,000 records"
tmux -L "$SOCK" capture-pane -p -t p | grep -qF "rec/s" && fail "progress line not cleared at the end"
ok "progress line cleared, summary printed"

# not a terminal: no progress line at all
"$W" -w "$ws" state reset c --yes >/dev/null
"$W" -w "$ws" sync c >"$T/out" 2>"$T/err"
[ ! -s "$T/err" ] || fail "stderr not empty without a terminal: $(cat "$T/err")"
grep -qF "succeeded: 3,000 records" "$T/out" || fail "summary missing"
ok "no progress output when stderr is not a terminal"
echo "$n passed, 0 failed"
