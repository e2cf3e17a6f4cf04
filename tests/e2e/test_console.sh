#!/usr/bin/env bash
# End-to-end: the real binary in a real terminal (tmux, fixed size). Opens the console on a
# demo workspace, waits for the panes, watches a sync started from the CLI appear on the next
# refresh, resizes to 80x24, and quits with q (exit status 0, terminal restored).
set -euo pipefail
W=${WEAVER_BIN:?}
T=$(mktemp -d "${TMPDIR:-/tmp}/weaver-e2e.XXXXXX")
SOCK="weaver-e2e-$$"
cleanup() { tmux -L "$SOCK" kill-server 2>/dev/null || true; rm -rf "$T"; }
trap cleanup EXIT
n=0
fail() { echo "FAIL: $*" >&2; echo "--- screen:" >&2; screen >&2 || true; exit 1; }
ok() { n=$((n + 1)); echo "ok $n - $*"; }
screen() { tmux -L "$SOCK" capture-pane -p -t weaver; }
# wait_for TEXT [SECONDS]: polls the screen until TEXT shows
wait_for() {
  local deadline=$((SECONDS + ${2:-15}))
  while [ $SECONDS -lt $deadline ]; do
    screen 2>/dev/null | grep -qF -- "$1" && return 0
    sleep 0.1
  done
  fail "timed out waiting for '$1'"
}

"$W" init --demo "$T/ws" >/dev/null
"$W" -w "$T/ws" sync faker_users >/dev/null

tmux -L "$SOCK" -f /dev/null new-session -d -s weaver -x 120 -y 40 \
  "cd '$T' && LANG=C.UTF-8 ESCDELAY=25 '$W' -w '$T/ws'; echo \$? > '$T/rc'; sleep 30"
wait_for "Connections (4)"
ok "console shows the connections pane"
s=$(screen)
grep -qF "workspace demo" <<<"$s" || fail "header without workspace name"
grep -qF "Sources (3)" <<<"$s" && grep -qF "builtin:faker" <<<"$s" || fail "sources pane"
grep -qE "faker_users +faker +raw +every 1h +succeeded" <<<"$s" || fail "connection row with last status"
grep -qE "faker_snapshot .* never" <<<"$s" || fail "never-run connection"
grep -qF "Recent runs (" <<<"$s" || fail "runs pane"
ok "sources, connections with last status, recent runs"
# the engine's scheduler starts the demo flow at once (catchup: last): its syncs show up live
wait_for_re() { for _ in $(seq 1 "${2:-100}"); do grep -qE "$1" <<<"$(screen)" && return 0; sleep 0.1; done; fail "timed out waiting for /$1/"; }
wait_for_re "acme_orders +acme +raw .* (running|succeeded)" 150
ok "the demo flow's syncs appear live, started by the console's scheduler"

"$W" -w "$T/ws" sync faker_snapshot >/dev/null
wait_for_re "faker_snapshot .* succeeded" 100
ok "a sync from the CLI shows up on the next refresh"

tmux -L "$SOCK" send-keys -t weaver Tab
wait_for "> Recent runs"
ok "Tab moves focus to the runs pane"

tmux -L "$SOCK" resize-window -t weaver -x 80 -y 24
sleep 0.3
wait_for "Connections (4)"
[ "$(screen | wc -l)" -le 24 ] || fail "screen taller than 24 rows after resize"
ok "redraws at 80x24"

tmux -L "$SOCK" send-keys -t weaver q
for _ in $(seq 1 100); do [ -s "$T/rc" ] && break; sleep 0.1; done
[ "$(cat "$T/rc" 2>/dev/null)" == 0 ] || fail "console exit status $(cat "$T/rc" 2>/dev/null)"
ok "q quits with status 0"
echo "$n passed, 0 failed"
