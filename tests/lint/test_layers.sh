#!/usr/bin/env bash
# Lint: the layering and naming rules of STYLE.md, checked on the sources and on the built
# static libraries (nm). Fails listing every violation.
set -uo pipefail
src=${WEAVER_SRC:?}/src
build=${WEAVER_BUILD:?}
fail=0
bad() { echo "lint: $*"; fail=1; }

# 1. include direction: tui -> core -> {connectors, quality, storage} -> base
declare -A allowed=(
  [base]="base"
  [connectors]="base connectors"
  [quality]="base quality"
  [storage]="base storage"
  [core]="base connectors quality storage core"
  [tui]="base core tui"
)
for mod in "${!allowed[@]}"; do
  while IFS= read -r line; do
    file=${line%%:*}
    inc=$(sed -E 's/.*#include "([a-z_]+)\/.*/\1/' <<<"$line")
    [[ " ${allowed[$mod]} " == *" $inc "* ]] || bad "$file includes $inc/ (a $mod file may include: ${allowed[$mod]})"
  done < <(grep -HE '^#include "[a-z_]+/' "$src/$mod"/*.[ch] 2>/dev/null)
done

# 2. third-party headers only in the files that wrap them
check_lib() { # header-regex allowed-file-regex
  while IFS= read -r f; do
    [[ "$f" =~ $2 ]] || bad "$f includes a $1 header (only $2 may)"
  done < <(grep -lE "#include <$1" -r "$src" 2>/dev/null)
}
check_lib 'sqlite3\.h' 'storage/db(_[a-z]+)?\.[ch]$'
check_lib 'yaml\.h' 'base/yaml\.c$'
check_lib '(n?curses|ncursesw/)' 'tui/[a-z_]+\.c$'
check_lib 'cjson/' '^$'
check_lib 'curl/' '(connectors/http|storage/s3)\.c$'
check_lib 'libssh2' '^$'

# 3. banned functions (STYLE.md): none in src/, exit() only in main.c
if grep -nE '\b(strcpy|strcat|sprintf|vsprintf|strtok|gets|atoi|atol|gmtime|localtime|alloca)\s*\(' -r "$src" --include='*.[ch]'; then
  bad "banned function used (see above)"
fi
if grep -nE '\bexit\s*\(' -r "$src" --include='*.[ch]' | grep -v "^$src/main.c:"; then
  bad "exit() outside main.c (see above)"
fi
# (VLAs are refused by the compiler: -Wvla -Werror)

# 4. exported symbols carry the module prefix
declare -A prefix=([base]="wv_" [connectors]="conn_" [quality]="qual_" [storage]="stor_" [core]="core_" [tui]="tui_")
for mod in "${!prefix[@]}"; do
  lib="$build/src/$mod/libwv_$mod.a"
  [ -f "$lib" ] || { bad "missing $lib (build first)"; continue; }
  while read -r sym; do
    [[ "$sym" == __* ]] && continue # compiler-made (__odr_asan.*, sanitizer hooks)
    [[ "$sym" == ${prefix[$mod]}* ]] || bad "libwv_$mod.a exports '$sym' without the ${prefix[$mod]} prefix"
  done < <(nm -g --defined-only "$lib" 2>/dev/null | awk 'NF==3 && $2 ~ /[TDBRC]/ {print $3}')
done

# 5. no third-party types in public headers
for h in "$src"/*/*.h; do
  case "$h" in *_int.h) continue ;; esac
  if grep -nE '\b(sqlite3|yaml_[a-z_]+_t|CURL|cJSON|LIBSSH2_[A-Z_]+|WINDOW)\b' "$h"; then
    bad "$h exposes a third-party type"
  fi
done

[ $fail -eq 0 ] && echo "lint: ok"
exit $fail
