#!/usr/bin/env bash
# Lint: man/weaver.1 is generated from the command table (`weaver help --man`) and must match
# it, so help, man page and commands never drift apart. Regenerate with:
#   build/weaver help --man > man/weaver.1
set -euo pipefail
if ! diff -u "${WEAVER_SRC:?}/man/weaver.1" <("${WEAVER_BIN:?}" help --man); then
  echo "lint: man/weaver.1 is out of date; regenerate it with: weaver help --man > man/weaver.1"
  exit 1
fi
# every command in `weaver help` has its own help page
"$WEAVER_BIN" help | awk '/^commands:/{on=1;next} /^$/{on=0} on{print $1" "$2}' |
  while read -r w1 w2; do
    if "$WEAVER_BIN" help $w1 $w2 >/dev/null 2>&1 || "$WEAVER_BIN" help $w1 >/dev/null 2>&1; then :; else
      echo "lint: 'weaver help $w1 $w2' fails"; exit 1
    fi
  done
echo "lint: man page and help agree"
