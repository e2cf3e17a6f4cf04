#!/usr/bin/env bash
# End-to-end: the console in a real terminal (tmux, fixed size, send-keys, capture-pane) on the
# demo workspace: the first frame, live runs started by the console's scheduler, every view
# (sources, connections, flows with the runs grid, run detail, logs, metrics, commands), running
# a flow and watching it finish, filtering logs, rerunning a failed task after the confirmation
# that shows what will rerun, a new source and a new connection from forms, switching theme,
# help, resize to 80x24, quitting with the terminal restored.
set -euo pipefail
W=${WEAVER_BIN:?}
T=$(mktemp -d "${TMPDIR:-/tmp}/weaver-e2e.XXXXXX")
SOCK="weaver-e2e-$$"
n=0
cleanup() {
  tmux -L "$SOCK" kill-server 2>/dev/null || true
  rm -rf "$T"
}
trap cleanup EXIT
fail() {
  echo "FAIL: $*" >&2
  echo "--- screen:" >&2
  screen >&2 || true
  exit 1
}
ok() { n=$((n + 1)); echo "ok $n - $*"; }
screen() { tmux -L "$SOCK" capture-pane -p -t weaver; }
keys() { tmux -L "$SOCK" send-keys -t weaver "$@"; }
# wait_for TEXT [TENTHS]: until the screen shows TEXT (fixed string)
wait_for() {
  for _ in $(seq 1 "${2:-100}"); do
    screen | grep -qF -- "$1" && return 0
    sleep 0.1
  done
  fail "timed out waiting for '$1'"
}
# wait_re REGEX [TENTHS]
wait_re() {
  for _ in $(seq 1 "${2:-100}"); do
    screen | grep -qE -- "$1" && return 0
    sleep 0.1
  done
  fail "timed out waiting for /$1/"
}

ws="$T/ws"
"$W" init --demo "$ws" >/dev/null
"$W" -w "$ws" sync faker_users >/dev/null
# a flow with a task that fails until a marker file exists (for the rerun)
cat >"$ws/flows/fragile.yaml" <<YAML
tasks:
  - {name: first, type: noop}
  - {name: shaky, type: command, argv: [/bin/sh, -c, "test -f $T/fixed"], depends_on: [first]}
  - {name: after, type: noop, depends_on: [shaky]}
YAML

# an "editor" that breaks the file on its first run and fixes it on the second
cat >"$T/ed.sh" <<'SH'
#!/bin/sh
n=$(cat "$0.count" 2>/dev/null || echo 0); n=$((n + 1)); echo "$n" >"$0.count"
if [ "$n" = 1 ]; then echo "bogus_field: 1" >>"$1"; else sed -i '/bogus_field/d' "$1"; fi
SH
chmod +x "$T/ed.sh"
tmux -L "$SOCK" -f /dev/null new-session -d -s weaver -x 120 -y 40 \
  "cd '$T' && LANG=C.UTF-8 ESCDELAY=25 EDITOR='$T/ed.sh' '$W' -w '$ws'; echo \$? > '$T/rc'; sleep 60"
wait_for "Connections (4)"
ok "first frame: the connections view"
s=$(screen)
grep -qF "workspace demo" <<<"$s" || fail "tab bar without the workspace name"
grep -qE "faker_users +faker +raw +yes +every 1h .* succeeded" <<<"$s" || fail "connection row with last status"
grep -qE "faker_snapshot .* never" <<<"$s" || fail "never-run connection"
grep -qF "Recent runs (" <<<"$s" || fail "recent runs pane"
ok "connections with schedule, next and last run; recent runs"
wait_re "acme_orders +acme +raw .* (running|succeeded)" 150
ok "the demo flow's syncs appear live, started by the console's scheduler"

# --- every view
keys 1
wait_for "Sources (3)"
grep -qF "builtin:faker" <<<"$(screen)" || fail "sources view"
ok "sources view"
keys 3
wait_for "Flows (2)"
wait_for "Runs grid: daily_orders"
ok "flows view with the runs grid"
wait_re "daily_orders +yes .* success" 150
keys Tab Enter
wait_re "Run [0-9]+  flow daily_orders" 30
wait_for "Checks ("
wait_for "Attempts ("
grep -qE "row_count +sync_acme +users +error +pass" <<<"$(screen)" || fail "check results with verdicts"
ok "run detail: tasks, checks with observed value and threshold, attempts"
keys Down Down L
wait_re "Logs: run [0-9]+ task quality" 30
wait_for "row_count"
ok "logs of a task"
keys Escape
wait_for "Attempts ("
keys Tab Tab Down Down Enter
wait_re "Logs: run [0-9]+ attempt [0-9]+" 30
wait_re "quality#1 sync_acme: pass" 30
ok "logs of one attempt"
keys 5
wait_for "Metrics: records/s"
ok "metrics view"
keys 6
wait_for "Commands run from the console"
ok "command log view"

# --- filter logs: / regex, then inverted
keys 4
wait_for "Logs: run"
keys / "null_ratio" Enter
wait_for "/null_ratio"
s=$(screen | sed -n '3,30p')
grep -qF "null_ratio" <<<"$s" || fail "filtered lines missing"
! grep -qF "row_count" <<<"$s" || fail "the filter kept other lines"
keys / "!null_ratio" Enter
wait_for "/!null_ratio"
s=$(screen | sed -n '3,30p')
! grep -qF "null_ratio" <<<"$s" || fail "the inverted filter kept matching lines"
keys Escape
ok "log filter by regex, and inverted"

# --- run a flow and watch it finish
keys 3
wait_for "Flows (2)"
keys g
sleep 0.3
keys r
wait_for "running: weaver flow run" 30
wait_re "done: weaver flow run [a-z_]+" 150
ok "run now from the flows view; the command log shows the CLI equivalent"

# --- a failing run, then rerun its failed tasks after the confirmation shows what will rerun
keys : "flow run fragile" Enter
wait_re "failed: weaver flow run fragile" 150
touch "$T/fixed"
keys 3
wait_for "Flows (2)"
keys G
sleep 0.3
keys Tab
wait_for "> Runs grid: fragile"
keys R
wait_re "will rerun 2 tasks: shaky after - rerun them\\?" 50
keys y
wait_re "done: weaver flow rerun [0-9]+ --failed" 150
keys Enter
wait_re "Run [0-9]+  flow fragile  success" 50
ok "rerun of the failed task: confirmation listed shaky and after, the run succeeded"

# --- reset one stream's state (asks first), edit a connection in $EDITOR (validated)
keys 2
wait_for "Connections (4)"
keys g Down Down
sleep 0.3
keys Tab
wait_for "> Streams (3)"
keys x
wait_for "Reset the state of stream users of faker_users?"
keys y
wait_for "done: weaver state reset faker_users users --yes" 50
ok "reset a stream's state after the confirmation"
keys Tab Tab
wait_for "> Connections (4)"
keys e
wait_for "saved $ws/connections/faker_users.yaml (valid)" 50
[ "$(cat "$T/ed.sh.count")" = 2 ] || fail "the editor should have been reopened once"
! grep -q "bogus_field\|# weaver:" "$ws/connections/faker_users.yaml" || fail "edit left junk"
ok "edit in \$EDITOR: an invalid save reopens the editor with the error, a valid one is kept"

# --- a new connection from the form
keys 2
wait_for "Connections (4)"
keys n
wait_for "New connection"
keys "newconn" Enter      # name
keys Right Right Enter    # source: the second option
keys "users" Enter        # streams
keys Enter Enter Enter    # modes (defaults), schedule empty: submits
wait_for "created" 50
wait_for "Connections (5)" 50
grep -q "source:" "$ws/connections/newconn.yaml" || fail "connection file not written"
ok "a new connection from the form"
# --- a new source from the connector's spec
keys 1
wait_for "Sources (3)"
keys n
wait_for "connector ("
keys "builtin:faker" Enter
wait_for "New source (builtin:faker)"
keys "faker2" Enter
for _ in $(seq 1 12); do keys Enter; done
wait_for "Sources (4)" 80
wait_re "faker2 +builtin:faker +(succeeded|never)" 80
grep -q "connector: \"builtin:faker\"" "$ws/sources/faker2.yaml" || fail "source file not written"
ok "a new source from the spec form, checked at once"

# --- mouse: a click on a row selects it (here faker_users, then sync it), a click on a tab
# switches view (xterm X10 mouse reports, as tmux passes them on)
click() { tmux -L "$SOCK" send-keys -t weaver -l "$(python3 -c 'import sys; x, y = int(sys.argv[1]), int(sys.argv[2]); e = "\x1b[M"; sys.stdout.write(e + chr(32) + chr(33 + x) + chr(33 + y) + e + chr(35) + chr(33 + x) + chr(33 + y))' "$1" "$2")"; }
keys 2
wait_for "> Connections (5)"
row=$(screen | grep -n "^ faker_users " | head -1 | cut -d: -f1)
[ -n "$row" ] || fail "faker_users row not found"
click 10 $((row - 1))
sleep 0.3
keys r
wait_for "weaver sync faker_users" 50
ok "mouse: a click selects a row"
click 33 0
wait_for "Flows (2)" 30
ok "mouse: a click on a tab switches view"
keys 1
wait_for "Sources (4)"

# --- theme, help, resize, quit
keys : "theme light" Enter
wait_for "theme light"
ok "switch theme at runtime"
keys "?"
wait_for "Help: sources keys"
grep -qE "c +check" <<<"$(screen)" || fail "help lists the live bindings"
keys Escape
sleep 0.3
ok "help from the live bindings"
tmux -L "$SOCK" resize-window -t weaver -x 80 -y 24
sleep 0.5
keys 2
wait_for "Connections (5)"
[ "$(screen | wc -l)" -le 24 ] || fail "screen taller than 24 rows after resize"
grep -qE "^ faker_users +faker +raw +yes +every 1h" <<<"$(screen)" || fail "row broken at 80 columns"
! grep -qE "^ ago|^[0-9]+ *$" <<<"$(screen)" || fail "cells wrapped onto the next line at 80 columns"
ok "redraws at 80x24, columns clipped (not wrapped)"
keys q
for _ in $(seq 1 100); do [ -s "$T/rc" ] && break; sleep 0.1; done
[ "$(cat "$T/rc" 2>/dev/null)" == 0 ] || fail "console exit status $(cat "$T/rc" 2>/dev/null)"
ok "q quits with status 0"

# SIGTERM: the console ends cleanly and gives the terminal back (no console left on screen)
rm -f "$T/rc"
tmux -L "$SOCK" kill-session -t weaver 2>/dev/null || true
tmux -L "$SOCK" -f /dev/null new-session -d -s weaver -x 100 -y 30 \
  "LANG=C.UTF-8 '$W' -w '$ws' & echo \$! > '$T/pid'; wait \$!; echo \$? > '$T/rc'; echo shell-back; sleep 30"
wait_for "Connections (5)"
kill -TERM "$(cat "$T/pid")"
for _ in $(seq 1 100); do [ -s "$T/rc" ] && break; sleep 0.1; done
[ "$(cat "$T/rc" 2>/dev/null)" == 0 ] || fail "console exit status after SIGTERM: $(cat "$T/rc" 2>/dev/null)"
wait_for "shell-back"
! screen | grep -qF "Connections (5)" || fail "the console is still on screen after SIGTERM"
ok "SIGTERM ends the console with status 0 and restores the terminal"
echo "$n passed, 0 failed"
