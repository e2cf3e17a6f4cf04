#!/usr/bin/env bash
# Corpus check for `weaver manifest validate`: runs it (Release build) over every manifest of
# ../shared/airbyte-manifests listed in its INDEX.tsv and compares with the index. Target: every
# manifest without Custom* components fully supported, and every manifest with one reported with
# a Custom* component that the index lists for it. Prints the summary, a breakdown of failure
# reasons, and the two figures. Exits 0 when the corpus is absent (it is not part of the repo).
# Usage: bench/manifest_corpus.sh [CORPUS_DIR]   (default ../shared/airbyte-manifests)
# WEAVER_BIN=path uses that binary instead of building build-rel.
set -euo pipefail
cd "$(dirname "$0")/.."
corpus=${1:-../shared/airbyte-manifests}
if [ ! -f "$corpus/INDEX.tsv" ]; then
  echo "manifest corpus absent ($corpus): nothing to measure"
  exit 0
fi
if [ -n "${WEAVER_BIN:-}" ]; then
  W=$WEAVER_BIN # an already built binary
else
  cmake -S . -B build-rel -DCMAKE_BUILD_TYPE=Release >/dev/null
  cmake --build build-rel -j"$(nproc)" --target weaver >/dev/null
  W=$PWD/build-rel/weaver
fi
T=$(mktemp -d "${TMPDIR:-/tmp}/weaver-manifests.XXXXXX")
trap 'rm -rf "$T"' EXIT

tail -n +2 "$corpus/INDEX.tsv" | cut -f1,5 >"$T/index"
files=()
while IFS=$'\t' read -r name _; do files+=("$corpus/$name"); done <"$T/index"
start=$(date +%s.%N)
"$W" manifest validate "${files[@]}" >"$T/out" 2>/dev/null || true
end=$(date +%s.%N)

echo "== summary"
tail -n 1 "$T/out"
awk -v s="$start" -v e="$end" -v n="${#files[@]}" \
  'BEGIN { printf "%d manifests in %.2f s (%.1f ms each)\n", n, e - s, (e - s) * 1000 / n }'

echo "== failure reasons (count, kind, component)"
# "PATH:L:C: a.b[2].c: unknown field 'x'" -> "unknown field  (at c)"; Custom -> the type.
grep -v ': ok$' "$T/out" | sed '$d' | sed -E \
  -e "s/^[^ ]+ //" \
  -e "s/^([^ :]*): (.*)$/\2  @\1/" \
  -e "s/ \(class_name .*\)//" \
  -e "s/'[^']*'/'…'/g" \
  -e "s/(\[[0-9]+\])+$//" \
  -e "s/@(.*\.)?([^.]+)$/at \2/" |
  sort | uniq -c | sort -rn

echo "== against INDEX.tsv"
awk -F'\t' '
  FNR == NR { custom[$1] = $2; next }
  / manifests fully supported$/ { next }
  {
    line = $0; path = line; sub(/: .*/, "", path); sub(/:[0-9]+:[0-9]+$/, "", path)
    n = split(path, parts, "/"); name = parts[n]
    ok = line ~ /: ok$/
    if (custom[name] == "-") {
      plain++; if (ok) plain_ok++; else print "  not supported: " line
    } else {
      cust++
      split(custom[name], want, ",")
      hit = 0
      for (i in want) if (index(line, want[i] " needs Python")) hit = 1
      if (hit) cust_ok++; else print "  Custom not attributed: " line " (index: " custom[name] ")"
    }
  }
  END {
    printf "without Custom*: %d of %d fully supported (target: all)\n", plain_ok, plain
    printf "with Custom*:    %d of %d reported with a Custom* component the index lists\n", cust_ok, cust
  }' "$T/index" "$T/out"
