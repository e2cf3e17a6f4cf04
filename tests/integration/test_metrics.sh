#!/usr/bin/env bash
# Integration: `weaver metrics` on the demo workspace after a sync, and `weaver metrics --listen`
# serving the same text over HTTP on 127.0.0.1 (a free port) until SIGINT.
source "$(dirname "$0")/lib.sh"

"$W" init --demo "$T/ws" >/dev/null
cd "$T/ws"
out=$("$W" metrics)
expect_contains "$out" 'weaver_sync_runs_total{connection="faker_users",status="succeeded"} 0' \
  "a configured connection starts at zero"
expect_contains "$out" '# TYPE weaver_sync_runs_total counter' "families are typed"

"$W" sync faker_users >/dev/null 2>&1 || fail "sync faker_users failed"
out=$("$W" metrics)
expect_contains "$out" 'weaver_sync_runs_total{connection="faker_users",status="succeeded"} 1' \
  "the sync is counted"
records=$(sed -n 's/^weaver_sync_records_total{connection="faker_users"} \([0-9]*\)$/\1/p' <<<"$out")
[ -n "$records" ] && [ "$records" -gt 0 ] || fail "no records counted: $out"
ok "records counted ($records)"
expect_contains "$out" 'weaver_sync_last_success_timestamp_seconds{connection="faker_users"} ' \
  "last success time"
expect_contains "$out" 'weaver_build_info{version="' "build info"

"$W" metrics --listen 127.0.0.1:0 2>"$T/listen.err" &
pid=$!
PIDS+=("$pid")
port=
for _ in $(seq 1 200); do
  port=$(sed -n 's|^serving metrics on http://127.0.0.1:\([0-9]*\)/metrics.*|\1|p' "$T/listen.err")
  [ -n "$port" ] && break
  sleep 0.05
done
[ -n "$port" ] || fail "metrics server did not start: $(cat "$T/listen.err")"
http() { # PATH: the whole HTTP response
  exec 3<>"/dev/tcp/127.0.0.1/$port"
  printf 'GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n' "$1" >&3
  cat <&3
  exec 3<&-
}
resp=$(http /metrics)
expect_contains "$resp" 'HTTP/1.1 200 OK' "served over HTTP"
expect_contains "$resp" 'Content-Type: text/plain; version=0.0.4' "exposition content type"
expect_contains "$resp" 'weaver_sync_runs_total{connection="faker_users",status="succeeded"} 1' \
  "the served text counts the sync"
resp=$(http /nope)
expect_contains "$resp" 'HTTP/1.1 404 Not Found' "other paths are not found"
kill -INT "$pid"
wait "$pid" || fail "weaver metrics --listen exited with $? after SIGINT"
ok "SIGINT stops the server"
finish
