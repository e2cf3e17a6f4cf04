#!/usr/bin/env bash
# test_api_server.sh - checks the fixture API server (tests/fixtures/api_server.py) that the
# connector conformance tests rely on: every pagination kind walks the whole dataset, each auth
# kind rejects wrong credentials, failure injection, the request log, determinism, SIGTERM.
source "$(dirname "$0")/lib.sh"
FIX=${WEAVER_FIXTURES:-$HERE/../fixtures}
command -v curl >/dev/null || fail "curl(1) is needed"

# start_server OUTFILE [ARGS...]: starts a server, waits for its PORT line, sets SPID and PORT.
start_server() {
  local out=$1; shift
  python3 "$FIX/api_server.py" "$@" >"$out" &
  SPID=$!
  PIDS+=("$SPID")
  for _ in $(seq 100); do
    PORT=$(awk '/^PORT /{print $2; exit}' "$out")
    [ -n "$PORT" ] && return 0
    kill -0 "$SPID" 2>/dev/null || fail "server exited before printing its port"
    python3 -c 'import time; time.sleep(0.05)'
  done
  fail "no PORT line from the server"
}
start_server "$T/server.out"
FIRST=$SPID
B="http://127.0.0.1:$PORT"
get() { curl -s --max-time 10 "$@"; }
code() { curl -s -o /dev/null -w '%{http_code}' --max-time 10 "$@"; }
py() { python3 -c "$1"; }
expect_eq "$(head -1 "$T/server.out" | cut -d' ' -f1)" "PORT" "first stdout line is PORT <n>"

# Every pagination kind returns ids 1..250 exactly once.
WALK='
import json, sys, urllib.request, urllib.parse
base, kind = sys.argv[1], sys.argv[2]
ids, url, n = [], None, 0
def fetch(u):
    with urllib.request.urlopen(u) as r:
        return json.load(r), r.headers.get("Link", "")
if kind == "cursor":
    tok = ""
    while True:
        d, _ = fetch(base + "/items/cursor?page_size=37" + ("&page_token=" + tok if tok else ""))
        ids += [r["id"] for r in d["data"]]
        tok = d["next_page_token"]
        if not tok: break
elif kind == "link":
    url = base + "/items/link?per_page=40"
    while url:
        d, link = fetch(url)
        ids += [r["id"] for r in d]
        url = None
        for part in link.split(", "):
            if part.endswith("rel=\"next\""):
                url = part.split(">")[0].lstrip("<")
elif kind == "offset":
    off = 0
    while True:
        d, _ = fetch(base + "/items/offset?limit=50&offset=%d" % off)
        ids += [r["id"] for r in d["results"]]
        off += 50
        if off >= d["total"]: break
elif kind == "page":
    p = 0
    while True:
        d, _ = fetch(base + "/items/page?page_size=60&page_base=0&page=%d" % p)
        if not d["items"]: break
        ids += [r["id"] for r in d["items"]]
        p += 1
elif kind == "none":
    d, _ = fetch(base + "/items/all")
    ids = [r["id"] for r in d["data"]]
print("ok" if ids == list(range(1, 251)) else "bad %d ids" % len(ids))
'
for k in cursor link offset page none; do
  expect_eq "$(python3 -c "$WALK" "$B" "$k")" "ok" "pagination $k walks ids 1..250"
done
expect_eq "$(get "$B/items/jsonl" | wc -l | tr -d ' ')" "250" "jsonl has one record per line"

# Incremental windows: inclusive start/end on updated_at (one record per hour from 2024-01-01).
ids=$(get "$B/items/all?start=2024-01-02T00:00:00Z&end=2024-01-02T03:00:00Z" |
  py 'import json,sys; print([r["id"] for r in json.load(sys.stdin)["data"]])')
expect_eq "$ids" "[25, 26, 27, 28]" "start/end filter is inclusive"
expect_eq "$(code "$B/items/all?start=yesterday")" "400" "bad timestamp is a 400"
expect_eq "$(get "$B/projects/3/tasks")" '{"data": []}' "project 3 has no tasks"
expect_eq "$(code "$B/projects/99/tasks")" "404" "unknown parent id is a 404"
n=$(get "$B/projects?page_size=10" | py 'import json,sys; print(len(json.load(sys.stdin)["data"]))')
expect_eq "$n" "5" "five projects"

# Auth kinds: wrong or missing credentials are 401, right ones 200.
A="$B/auth"
expect_eq "$(code -H 'X-API-Key: nope' "$A/apikey-header/items")" "401" "api key header wrong"
expect_eq "$(code -H 'X-API-Key: test-api-key' "$A/apikey-header/items")" "200" "api key header"
expect_eq "$(code "$A/apikey-query/items?api_key=x")" "401" "api key query wrong"
expect_eq "$(code "$A/apikey-query/items?api_key=test-api-key")" "200" "api key query"
expect_eq "$(code -H 'Authorization: Bearer x' "$A/bearer/items")" "401" "bearer wrong"
expect_eq "$(code -H 'Authorization: Bearer test-bearer-token' "$A/bearer/items")" "200" "bearer"
expect_eq "$(code -u test-user:bad "$A/basic/items")" "401" "basic wrong"
expect_eq "$(code -u test-user:test-pass "$A/basic/items")" "200" "basic"
expect_eq "$(code "$A/oauth/items")" "401" "oauth without token"
tok_of() { py 'import json,sys; print(json.load(sys.stdin).get("access_token", "none"))'; }
OA="client_id=test-client&client_secret=test-secret"
expect_eq "$(code -d "grant_type=refresh_token&$OA&refresh_token=bad" "$B/oauth/token")" "400" \
  "oauth bad refresh token"
expect_eq "$(code -d "grant_type=client_credentials&client_id=test-client&client_secret=x" \
  "$B/oauth/token")" "401" "oauth bad client secret"
at=$(get -d "grant_type=refresh_token&$OA&refresh_token=test-refresh-token" "$B/oauth/token" | tok_of)
expect_eq "$(code -H "Authorization: Bearer $at" "$A/oauth/items")" "200" "oauth refresh_token grant"
at=$(get -u test-client:test-secret -d "grant_type=client_credentials" "$B/oauth/token" | tok_of)
expect_eq "$(code -H "Authorization: Bearer $at" "$A/oauth/items")" "200" \
  "oauth client_credentials grant (Basic client auth)"
get -d '{"oauth": {"rotate": true, "expires_in": 0}}' "$B/_control" >/dev/null
r=$(get -H 'Content-Type: application/json' -d \
  '{"grant_type":"refresh_token","client_id":"test-client","client_secret":"test-secret","refresh_token":"test-refresh-token"}' \
  "$B/oauth/token")
rt=$(echo "$r" | py 'import json,sys; print(json.load(sys.stdin)["refresh_token"])')
at=$(echo "$r" | tok_of)
expect_eq "$(code -H "Authorization: Bearer $at" "$A/oauth/items")" "401" "expired access token"
expect_eq "$(code -d "grant_type=refresh_token&$OA&refresh_token=test-refresh-token" \
  "$B/oauth/token")" "400" "rotated refresh token replaces the old one"
expect_eq "$(code -d "grant_type=refresh_token&$OA&refresh_token=$rt" "$B/oauth/token")" "200" \
  "the rotated refresh token works"
expect_eq "$(code -H 'X-Session-Token: sess-1' "$A/session/items")" "401" "session unknown token"
expect_eq "$(code -d '{"username":"test-user","password":"x"}' "$B/session/login")" "401" \
  "session bad login"
st=$(get -d '{"username":"test-user","password":"test-pass"}' "$B/session/login" |
  py 'import json,sys; print(json.load(sys.stdin)["token"])')
expect_eq "$(code -H "X-Session-Token: $st" "$A/session/items")" "200" "session token"

# Failure injection.
get -d '{"reset": true, "fail": [{"path": "/items/all", "status": 500, "times": 2},
  {"path": "/items/cursor", "status": 429, "retry_after": 1},
  {"path": "/items/offset", "kind": "html", "status": 503},
  {"path": "/items/page", "kind": "error_body"}, {"path": "/items/link", "kind": "truncated"},
  {"path": "/echo", "kind": "reset", "query": {"boom": "1"}}]}' "$B/_control" >/dev/null
expect_eq "$(code "$B/items/all") $(code "$B/items/all") $(code "$B/items/all")" "500 500 200" \
  "500 twice then success"
h=$(curl -s -D - -o /dev/null "$B/items/cursor")
expect_contains "$h" "429" "429 injected"
expect_contains "$h" "Retry-After: 1" "with Retry-After"
expect_eq "$(code "$B/items/cursor")" "200" "429 once then success"
expect_contains "$(get "$B/items/offset")" "<!DOCTYPE html>" "HTML error page"
expect_contains "$(get "$B/items/page")" '"error"' "200 with an error body"
expect_eq "$(get "$B/items/link" | py 'import json,sys
try: json.load(sys.stdin); print("parsed")
except ValueError: print("truncated")')" "truncated" "truncated JSON"
expect_eq "$(code "$B/echo")" "200" "rule restricted by query does not match"
curl -s --max-time 5 "$B/echo?boom=1" >/dev/null && fail "reset should drop the connection"
ok "connection reset without a response"
expect_eq "$(code "$B/echo?_status=418")" "418" "_status forces a status"

# Request log.
get -H 'X-Probe: 7' "$B/echo?a=1" >/dev/null
r=$(get "$B/_requests?path=/echo" | py 'import json,sys; e=json.load(sys.stdin)["requests"][-1]
print(e["method"], e["query"]["a"], e["headers"]["x-probe"])')
expect_eq "$r" "GET 1 7" "/_requests shows method, query and headers"
get -X DELETE "$B/_requests" >/dev/null
expect_eq "$(get "$B/_requests")" '{"requests": []}' "DELETE /_requests clears the log"

# Bulk: ~1 KB records, cursor pagination, every id once.
r=$(python3 - "$B" <<'EOF'
import json, sys, time, urllib.request
base, ids, tok, t0, size = sys.argv[1], [], "", time.time(), 0
while True:
    with urllib.request.urlopen(base + "/bulk?n=5000&page_size=100" + ("&page_token=" + tok if tok else "")) as r:
        raw = r.read()
    d = json.loads(raw)
    size += len(raw)
    ids += [x["id"] for x in d["data"]]
    tok = d["next_page_token"]
    if not tok:
        break
per = size / len(ids)
ok = ids == list(range(1, 5001)) and 900 < per < 1200
print("ok" if ok else "bad", file=sys.stdout)
print("bulk: %.0f records/s through urllib, %.0f bytes/record" % (len(ids) / (time.time() - t0), per), file=sys.stderr)
EOF
)
expect_eq "$r" "ok" "bulk serves 5000 records of ~1 KB"

# --fast: the benchmark mode serves the same /bulk pages through its minimal HTTP loop.
h1=$(get "$B/bulk?n=250&page_size=100&page_token=200" | md5sum)
start_server "$T/fast.out" --fast
h2=$(get "http://127.0.0.1:$PORT/bulk?n=250&page_size=100&page_token=200" | md5sum)
expect_eq "$h2" "$h1" "--fast serves the same bulk pages"
expect_eq "$(code "http://127.0.0.1:$PORT/items/all")" "404" "--fast serves /bulk only"
kill -TERM "$SPID"
wait "$SPID" && rc=0 || rc=$?
expect_eq "$rc" "0" "SIGTERM stops the --fast server"

# Determinism: a second server with the same seed serves the same bytes.
h1=$(get "$B/items/all" | md5sum)
start_server "$T/server2.out" --seed 42
h2=$(get "http://127.0.0.1:$PORT/items/all" | md5sum)
expect_eq "$h1" "$h2" "same seed, same data"
kill -TERM "$SPID"
wait "$SPID" && rc=0 || rc=$?
expect_eq "$rc" "0" "SIGTERM stops the server cleanly"
kill -TERM "$FIRST"
wait "$FIRST" || true
finish
