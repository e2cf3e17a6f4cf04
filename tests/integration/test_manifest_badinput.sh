#!/usr/bin/env bash
# Integration (issue 3, bad input): `weaver source check|discover|read --manifest` with broken
# manifests (YAML syntax, unknown field, bad template), configs that violate the spec and API
# bodies that are not JSON. Each gives one clear line: a TRACE error on stdout and exit 1, as
# Airbyte's entrypoint does (a config that fails validation in `check` is a FAILED
# CONNECTION_STATUS with exit 0). Secrets never appear; no STATE follows a failure.
source "$(dirname "$0")/lib.sh"
FIX=${WEAVER_FIXTURES:-$(cd "$HERE/../fixtures" && pwd)}

python3 "$FIX/api_server.py" --port 0 --items 250 >"$T/port" 2>"$T/server.log" &
PIDS+=($!)
for _ in $(seq 1 100); do [ -s "$T/port" ] && break; sleep 0.05; done
port=$(awk '/^PORT/{print $2}' "$T/port")
[ -n "$port" ] || fail "fixture server did not start: $(cat "$T/server.log")"
RW="https://api.example.com=http://127.0.0.1:$port"
control() { python3 -c 'import sys,urllib.request
r=urllib.request.Request("http://127.0.0.1:%s/_control" % sys.argv[1], data=sys.argv[2].encode(),
                         headers={"Content-Type": "application/json"})
urllib.request.urlopen(r).read()' "$port" "$1"; }

# One stream over the cursor-paginated items, incremental in 3-day windows; the key must match
# a pattern so that a wrong one is caught before any request.
cat >"$T/good.yaml" <<'YAML'
version: 6.0.0
type: DeclarativeSource
check: {type: CheckStream, stream_names: [items]}
streams:
  - type: DeclarativeStream
    name: items
    primary_key: [id]
    retriever:
      type: SimpleRetriever
      requester:
        type: HttpRequester
        url_base: https://api.example.com
        path: /items/all
        request_parameters:
          region: "{{ config['region'] }}"
        authenticator:
          type: ApiKeyAuthenticator
          api_token: "{{ config['api_key'] }}"
          inject_into: {type: RequestOption, inject_into: header, field_name: X-API-Key}
        error_handler:
          type: DefaultErrorHandler
          max_retries: 1
          backoff_strategies: [{type: ConstantBackoffStrategy, backoff_time_in_seconds: 0.1}]
      record_selector:
        type: RecordSelector
        extractor: {type: DpathExtractor, field_path: [data]}
    incremental_sync:
      type: DatetimeBasedCursor
      cursor_field: updated_at
      datetime_format: "%Y-%m-%dT%H:%M:%SZ"
      start_datetime: "{{ config['start_date'] }}T00:00:00Z"
      end_datetime: "2024-01-06T23:59:59Z"
      step: P3D
      cursor_granularity: PT1S
      start_time_option: {type: RequestOption, inject_into: request_parameter, field_name: start}
      end_time_option: {type: RequestOption, inject_into: request_parameter, field_name: end}
spec:
  type: Spec
  connection_specification:
    type: object
    required: [api_key, start_date]
    properties:
      api_key: {type: string, airbyte_secret: true, pattern: "^[a-z0-9-]+$"}
      start_date: {type: string, pattern: "^[0-9]{4}-[0-9]{2}-[0-9]{2}$"}
      region: {type: string, enum: [us, eu], default: eu}
      page_size: {type: integer}
YAML
M="$T/good.yaml"
printf '{"api_key": "sekret-key-4711", "start_date": "2024-01-01"}\n' >"$T/good.json"
printf '{"streams": [{"stream": {"name": "items", "json_schema": {}, "supported_sync_modes": ["incremental"], "source_defined_cursor": true, "default_cursor_field": ["updated_at"]}, "sync_mode": "incremental", "destination_sync_mode": "append"}]}\n' >"$T/catalog.json"

# run CMD... -> rc, out (stdout), errout (stderr)
run() { set +e; "$@" >"$T/out" 2>"$T/err"; rc=$?; set -e; out=$(cat "$T/out"); errout=$(cat "$T/err"); }
# expect_trace WHAT NEEDLE: exit 1, one stdout line, a config_error TRACE containing NEEDLE.
expect_trace() {
  expect_eq "$rc" 1 "$1: exit 1"
  expect_eq "$(wc -l <"$T/out")" 1 "$1: one line on stdout"
  expect_contains "$out" '"type":"TRACE"' "$1: a TRACE message"
  expect_contains "$out" "$2" "$1: the message says what and where"
  [ "$(wc -l <"$T/err")" -le 1 ] || fail "$1: more than one line on stderr: $errout"
  [[ "$out$errout" != *sekret-key-4711* ]] || fail "$1: the secret appears: $out"
}

run "$W" source read --manifest "$M" --config "$T/good.json" --catalog "$T/catalog.json" --http-rewrite "$RW"
expect_eq "$rc" 0 "the good manifest reads"
expect_eq "$(grep -c '"type":"STATE"' "$T/out")" 2 "two windows, two STATE messages"
expect_contains "$(grep -m1 '"type":"RECORD"' "$T/out")" '"id":1,' "records from the API"
region=$(python3 -c 'import json,urllib.request,sys
d=json.load(urllib.request.urlopen("http://127.0.0.1:%s/_requests?path=/items/all" % sys.argv[1]))
print(d["requests"][0]["query"]["region"])' "$port")
expect_eq "$region" eu "the spec default reaches the request"

# -- broken manifests ------------------------------------------------------------------------
sed 's/^    name: items$/    name: [items/' "$M" >"$T/bad_syntax.yaml"
run "$W" source read --manifest "$T/bad_syntax.yaml" --config "$T/good.json"
expect_trace "YAML syntax error" 'bad_syntax.yaml:7:'
expect_contains "$out" '"failure_type":"config_error"' "YAML syntax error: a config_error"

sed 's/^        path: \/items\/all$/        path: \/items\/all\n        page_sise: 3/' "$M" >"$T/bad_field.yaml"
run "$W" source check --manifest "$T/bad_field.yaml" --config "$T/good.json"
expect_trace "unknown field" "bad_field.yaml:14:20: streams[0].retriever.requester: unknown field 'page_sise'"

sed "s/^          region: .*/          region: \"{{ config[ }}\"/" "$M" >"$T/bad_template.yaml"
run "$W" source read --manifest "$T/bad_template.yaml" --config "$T/good.json" --catalog "$T/catalog.json" --http-rewrite "$RW"
# Templates compile lazily, as in the CDK: the stream starts, then fails (STREAM_STATUS traces).
expect_eq "$rc" 1 "bad template: exit 1"
last=$(tail -n1 "$T/out")
expect_contains "$last" '"type":"ERROR"' "bad template: ends with a TRACE error"
expect_contains "$last" "bad_template.yaml:15:19: template '{{ config[ }}'" "bad template: position and template"
expect_eq "$(grep -c '"type":"RECORD"\|"type":"STATE"' "$T/out")" 0 "bad template: no record, no state"
expect_eq "$(wc -l <"$T/err")" 1 "bad template: one line on stderr"

printf '{"api_key": "sekret-key-4711", "start_date": ' >"$T/trunc.json"
run "$W" source discover --manifest "$M" --config "$T/trunc.json"
expect_trace "truncated config JSON" 'trunc.json:1:'

# -- configs that violate the spec -----------------------------------------------------------
cfgcase() { # NAME CONFIG NEEDLE
  printf '%s\n' "$2" >"$T/cfg.json"
  run "$W" source read --manifest "$M" --config "$T/cfg.json" --catalog "$T/catalog.json" --http-rewrite "$RW"
  expect_trace "$1 (read)" "$3"
  run "$W" source discover --manifest "$M" --config "$T/cfg.json"
  expect_trace "$1 (discover)" "$3"
  run "$W" source check --manifest "$M" --config "$T/cfg.json" --http-rewrite "$RW"
  expect_eq "$rc" 0 "$1 (check): exit 0"
  expect_eq "$(wc -l <"$T/out")" 1 "$1 (check): one line"
  expect_contains "$out" '"status":"FAILED"' "$1 (check): a failed check"
  expect_contains "$out" "$3" "$1 (check): the reason"
  [[ "$out" != *sekret-key-4711* ]] || fail "$1 (check): the secret appears: $out"
}
cfgcase "missing field" '{"api_key": "sekret-key-4711"}' "config: 'start_date' is required"
cfgcase "wrong type" '{"api_key": "sekret-key-4711", "start_date": "2024-01-01", "page_size": "10"}' \
  "config: 'page_size' must be an integer (got \\\"10\\\")"
cfgcase "enum mismatch" '{"api_key": "sekret-key-4711", "start_date": "2024-01-01", "region": "asia"}' \
  "config: 'region' must be one of [\\\"us\\\",\\\"eu\\\"]"
cfgcase "pattern" '{"api_key": "sekret-key-4711", "start_date": "01/02/2024"}' \
  "config: 'start_date' must match ^[0-9]{4}-[0-9]{2}-[0-9]{2}\$"
cfgcase "secret pattern" '{"api_key": "SEKRET-KEY-4711", "start_date": "2024-01-01"}' \
  "config: 'api_key' must match ^[a-z0-9-]+\$\"" # nothing after the pattern: no value shown
[[ "${out,,}" != *sekret-key-4711* ]] || fail "secret pattern: the secret appears: $out"
n=$(python3 -c 'import json,urllib.request,sys
d=json.load(urllib.request.urlopen("http://127.0.0.1:%s/_requests?path=/items/all" % sys.argv[1]))
print(len(d["requests"]))' "$port")
expect_eq "$n" 2 "no request is sent with an invalid config (2: the good read)"

# -- API bodies that are not JSON ------------------------------------------------------------
apicase() { # NAME KIND NEEDLE
  control '{"reset": true}'
  control "{\"fail\": [{\"path\": \"/items/all\", \"kind\": \"$2\", \"status\": 200, \"query\": {\"start\": \"2024-01-04T00:00:00Z\"}}]}"
  run "$W" source read --manifest "$M" --config "$T/good.json" --catalog "$T/catalog.json" --http-rewrite "$RW"
  expect_eq "$rc" 1 "$1: exit 1"
  last=$(tail -n1 "$T/out")
  expect_contains "$last" '"type":"ERROR"' "$1: the last line is a TRACE error"
  expect_contains "$last" "$3" "$1: URL, status and reason"
  expect_contains "$last" "/items/all?region=eu&start=2024-01-04T00%3A00%3A00Z" "$1: the URL of the page"
  expect_eq "$(grep -c '"type":"STATE"' "$T/out")" 1 "$1: the first window's STATE only"
  after=$(awk '/"type":"STATE"/{s=1; next} s && /"type":"RECORD"/' "$T/out" | wc -l)
  expect_eq "$after" 0 "$1: no record after the last STATE"
  [[ "$out$errout" != *sekret-key-4711* ]] || fail "$1: the secret appears"
}
apicase "truncated JSON" truncated 'HTTP 200: invalid JSON at 1:'
apicase "HTML on a 200" html 'HTTP 200: expected JSON, got text/html (<title>200 Error</title>...)'
apicase "text on a 200" text 'HTTP 200: expected JSON, got text/plain (OK)'
finish
