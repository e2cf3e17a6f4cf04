#!/usr/bin/env bash
# Benchmark (issue 3): a declarative manifest read end to end. bulk_server (C, keep-alive, not
# the bottleneck) serves N records of ~1 KB, 100 per page; `weaver source read --manifest`
# pages through them with PageIncrement and writes Airbyte RECORD lines to a pipe. Prints
# records/s, MB/s, CPU seconds and peak RSS for N = 10^5, 10^6 (and 10^7 with --large).
# Target (issue 3): >= 200,000 records/s on one core; peak RSS < 64 MiB, flat in N.
set -euo pipefail
cd "$(dirname "$0")/.."
sizes=(100000 1000000)
[ "${1:-}" == "--large" ] && sizes+=(10000000)
cmake -S . -B build-rel -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build-rel -j"$(nproc)" --target weaver bulk_server >/dev/null
W=$PWD/build-rel/weaver
T=$(mktemp -d "${TMPDIR:-/tmp}/weaver-bench.XXXXXX")
build-rel/bench/bulk_server >"$T/port" &
srv=$!
trap 'kill $srv 2>/dev/null; rm -rf "$T"' EXIT
for _ in $(seq 1 50); do [ -s "$T/port" ] && break; sleep 0.1; done
port=$(awk '{print $2}' "$T/port")

cat >"$T/m.yaml" <<'YAML'
version: 6.0.0
type: DeclarativeSource
check: {type: CheckStream, stream_names: [customers]}
streams:
  - type: DeclarativeStream
    name: customers
    primary_key: [id]
    schema_loader:
      type: InlineSchemaLoader
      schema: {type: object, properties: {id: {type: integer}, name: {type: string}}}
    retriever:
      type: SimpleRetriever
      requester:
        type: HttpRequester
        url_base: https://bench.example.com
        path: /bulk
        http_method: GET
        request_parameters: {n: "{{ config['n'] }}"}
      record_selector:
        type: RecordSelector
        extractor: {type: DpathExtractor, field_path: [data]}
      paginator:
        type: DefaultPaginator
        page_token_option: {type: RequestOption, inject_into: request_parameter, field_name: page}
        page_size_option: {type: RequestOption, inject_into: request_parameter, field_name: page_size}
        pagination_strategy: {type: PageIncrement, page_size: 100, start_from_page: 1}
spec:
  type: Spec
  connection_specification:
    type: object
    properties: {n: {type: integer}}
YAML

echo "weaver $("$W" --version | cut -d' ' -f2), $(nproc) cores; records of ~1 KB, 100 per page"
printf '%-10s %10s %8s %8s %8s %12s %9s %9s\n' records MB wall_s cpu_s srv_cpu rec/s MB/s RSS_MiB
for n in "${sizes[@]}"; do
  echo "{\"n\": $n}" >"$T/c.json"
  s0=$(awk '{print $14+$15}' /proc/$srv/stat)
  /usr/bin/time -f "%e %U %S %M" -o "$T/time" bash -c \
    "'$W' source read --manifest '$T/m.yaml' --config '$T/c.json' \
       --http-rewrite https://bench.example.com=http://127.0.0.1:$port | wc -c >'$T/bytes'"
  s1=$(awk '{print $14+$15}' /proc/$srv/stat)
  read -r wall user sys rss <"$T/time"
  awk -v n="$n" -v b="$(cat "$T/bytes")" -v w="$wall" -v u="$user" -v s="$sys" -v m="$rss" \
      -v sc="$(( s1 - s0 ))" -v hz="$(getconf CLK_TCK)" \
    'BEGIN { printf "%-10d %10.0f %8.2f %8.2f %8.2f %12.0f %9.1f %9.1f\n", n, b/1e6, w, u+s, sc/hz, n/w, b/1e6/w, m/1024 }'
done
