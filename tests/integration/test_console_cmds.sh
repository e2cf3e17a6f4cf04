#!/usr/bin/env bash
# Integration (issue 6): the workspace commands the console runs - `check SOURCE` (succeeds,
# and fails with the connector's message but never the secret), `discover CONNECTION` (no
# earlier schema, no change after a sync, then new / missing / retyped columns and a stream the
# connection does not sync after the manifest's schema is edited), and `connection|flow
# enable|disable` editing YAML in place with comments kept (and restoring a file the edit would
# break). A manifest source against the fixture API on 127.0.0.1.
source "$(dirname "$0")/lib.sh"
FIX=${WEAVER_FIXTURES:-$(cd "$HERE/../fixtures" && pwd)}

python3 "$FIX/api_server.py" --port 0 --items 30 >"$T/port" 2>"$T/server.log" &
PIDS+=($!)
for _ in $(seq 1 100); do [ -s "$T/port" ] && break; sleep 0.05; done
port=$(awk '/^PORT/{print $2}' "$T/port")
[ -n "$port" ] || fail "fixture server did not start: $(cat "$T/server.log")"
export WEAVER_HTTP_REWRITE="https://api.example.com=http://127.0.0.1:$port"

WS="$T/ws"
mkdir -p "$WS/connectors" "$WS/sources" "$WS/connections" "$WS/flows"
# the manifest; PROPS and EXTRA are replaced to change the schema between runs
cat >"$T/manifest.tmpl" <<'YAML'
version: 6.0.0
type: DeclarativeSource
check:
  type: CheckStream
  stream_names: [items]
definitions:
  stream:
    type: DeclarativeStream
    primary_key: [id]
    schema_loader:
      type: InlineSchemaLoader
      schema:
        type: object
        properties:
PROPS
    retriever:
      type: SimpleRetriever
      requester:
        type: HttpRequester
        url_base: https://api.example.com
        http_method: GET
        path: /auth/apikey-header/items
        authenticator:
          type: ApiKeyAuthenticator
          api_token: "{{ config['api_key'] }}"
          inject_into: {type: RequestOption, inject_into: header, field_name: X-API-Key}
      record_selector:
        type: RecordSelector
        extractor: {type: DpathExtractor, field_path: [data]}
      paginator:
        type: DefaultPaginator
        page_token_option: {type: RequestOption, inject_into: request_parameter, field_name: page_token}
        page_size_option: {type: RequestOption, inject_into: request_parameter, field_name: page_size}
        pagination_strategy:
          type: CursorPagination
          page_size: 40
          cursor_value: "{{ response.next_page_token }}"
          stop_condition: "{{ not response.has_more }}"
streams:
  - {$ref: "#/definitions/stream", name: items}
EXTRA
spec:
  type: Spec
  connection_specification:
    type: object
    required: [api_key]
    properties:
      api_key: {type: string, airbyte_secret: true}
YAML
manifest() { # PROPS_TEXT EXTRA_TEXT
  python3 - "$T/manifest.tmpl" "$WS/connectors/items.yaml" "$1" "$2" <<'PY'
import sys
t = open(sys.argv[1]).read().replace("PROPS", sys.argv[3]).replace("EXTRA", sys.argv[4])
open(sys.argv[2], "w").write(t)
PY
}
P1='          id: {type: integer}
          name: {type: string}
          updated_at: {type: string, format: date-time}'
manifest "$P1" ""
printf 'version: 1\ndestinations:\n  raw: {type: local, path: raw}\n' >"$WS/weaver.yaml"
printf 'connector: manifest:connectors/items.yaml\nconfig:\n  api_key: "{{ env.ITEMS_KEY }}"\n' \
  >"$WS/sources/items.yaml"
cat >"$WS/connections/items.yaml" <<'YAML'
# The items of the fixture API.
source: items
schedule: {every: 1h}   # hourly
streams:
  - {name: items, sync_mode: full_refresh, destination_sync_mode: overwrite}
# end of file
YAML

# check
out=$(ITEMS_KEY=test-api-key "$W" -w "$WS" check items)
expect_eq "$out" "source items: check succeeded" "check with the right key succeeds"
set +e
out=$(ITEMS_KEY=wrong-key-123 "$W" -w "$WS" check items 2>&1)
rc=$?
set -e
expect_eq "$rc" 1 "a failed check exits 1"
expect_contains "$out" "source items: check failed" "the failure names the source"
[[ "$out" != *wrong-key-123* ]] || fail "the secret appears in the check output: $out"
ok "the secret never appears in the failed check"
set +e
out=$("$W" -w "$WS" check nope 2>&1)
rc=$?
set -e
expect_eq "$rc" 1 "check of an unknown source exits 1"
expect_contains "$out" "unknown source 'nope'" "check names the unknown source"

# discover: before any sync, after one, after the schema changed
export ITEMS_KEY=test-api-key
out=$("$W" -w "$WS" discover items)
expect_contains "$out" "no successful sync to compare with" "discover before a sync"
expect_contains "$out" "stream items: no earlier schema" "no earlier schema before a sync"
"$W" -w "$WS" sync items >/dev/null
out=$("$W" -w "$WS" discover items)
expect_contains "$out" "compared with job 1" "discover compares with the last job"
expect_contains "$out" "stream items: no change" "no change right after a sync"
[[ "$out" != *"not synced"* ]] || fail "no extra streams expected: $out"
P2='          id: {type: integer}
          name: {type: integer}
          price: {type: number}'
manifest "$P2" '  - {$ref: "#/definitions/stream", name: items_copy}'
out=$("$W" -w "$WS" discover items)
expect_contains "$out" "stream items: schema changed" "the changed schema is reported"
expect_contains "$out" "new columns: price" "a new column"
expect_contains "$out" "missing columns: updated_at" "a missing column"
expect_contains "$out" "type changes: name (string -> integer)" "a type change"
expect_contains "$out" "not synced by the connection: items_copy" "a stream the connection skips"
manifest "$P1" ""

# enable / disable keep comments
before=$(cat "$WS/connections/items.yaml")
out=$("$W" -w "$WS" connection disable items)
expect_contains "$out" "connection items: disabled" "connection disable"
after=$(cat "$WS/connections/items.yaml")
expect_eq "$after" "$before
enabled: false" "disable appends enabled: false, the rest unchanged"
expect_contains "$("$W" -w "$WS" connection show items)" "(disabled)" "the workspace sees it disabled"
out=$("$W" -w "$WS" connection disable items)
expect_contains "$out" "already disabled" "disabling twice changes nothing"
"$W" -w "$WS" connection enable items >/dev/null
expect_eq "$(cat "$WS/connections/items.yaml")" "$before
enabled: true" "enable replaces the enabled line in place"
expect_eq "$(grep -c '^enabled:' "$WS/connections/items.yaml")" 1 "one enabled line"

cat >"$WS/flows/nightly.yaml" <<'YAML'
# nightly flow
every: 1h
enabled: true   # on by default
tasks:
  - {name: s, type: sync, connection: items}  # the only task
YAML
out=$("$W" -w "$WS" flow disable nightly)
expect_contains "$out" "flow nightly: disabled" "flow disable"
expect_eq "$(cat "$WS/flows/nightly.yaml")" "# nightly flow
every: 1h
enabled: false  # on by default
tasks:
  - {name: s, type: sync, connection: items}  # the only task" "flow disable keeps the comments"
expect_contains "$("$W" -w "$WS" flow list)" "nightly" "the workspace still loads"
"$W" -w "$WS" flow enable nightly >/dev/null
expect_contains "$(cat "$WS/flows/nightly.yaml")" "enabled: true  # on by default" "flow enable"

# an edit that would break the file is undone
printf '{source: items, streams: [{name: items}]}\n' >"$WS/connections/flowstyle.yaml"
set +e
out=$("$W" -w "$WS" connection disable flowstyle 2>&1)
rc=$?
set -e
expect_eq "$rc" 1 "an edit that breaks the workspace fails"
expect_contains "$out" "left unchanged" "the failure says the file is unchanged"
expect_eq "$(cat "$WS/connections/flowstyle.yaml")" "{source: items, streams: [{name: items}]}" \
  "the old text is back"
set +e
"$W" -w "$WS" flow disable nope >/dev/null 2>&1
rc=$?
set -e
expect_eq "$rc" 1 "unknown flow"

# --readonly (and WEAVER_READONLY=1): reading commands run, changing ones are refused
expect_contains "$("$W" --readonly -w "$WS" connection list)" "items" "read-only: connection list runs"
set +e
out=$("$W" --readonly -w "$WS" connection disable items 2>&1)
rc=$?
set -e
expect_eq "$rc" 1 "read-only: connection disable is refused"
expect_contains "$out" "read-only" "the refusal says why"
expect_contains "$(cat "$WS/connections/items.yaml")" "enabled: true" "the file was not touched"
set +e
WEAVER_READONLY=1 "$W" -w "$WS" sync items >/dev/null 2>&1
rc=$?
set -e
expect_eq "$rc" 1 "WEAVER_READONLY=1 refuses a sync"
finish
