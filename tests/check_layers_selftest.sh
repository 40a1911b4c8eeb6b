#!/usr/bin/env bash
# check_layers.sh itself: on a scratch tree, each planted violation is
# named and fails the check, and a clean tree passes.
set -u
here=$(cd "$(dirname "$0")" && pwd)
t=$(mktemp -d); trap 'rm -rf "$t"' EXIT
fails=0
plant() { # plant FILE INCLUDE: a tree with one file including one header
  rm -rf "$t/tree"; mkdir -p "$t/tree/$(dirname "$1")"
  printf '#include "%s"\n' "$2" >"$t/tree/$1"
}
expect() { # expect fail|pass WHAT
  if bash "$here/check_layers.sh" "$t/tree" >"$t/out" 2>&1; then got=pass; else got=fail; fi
  if [ "$got" = "$1" ]; then echo "ok: $2"; else echo "FAIL: $2 ($got)"; cat "$t/out"; fails=$((fails + 1)); fi
}
plant cdop/cli/cmd_ui.c cdop/web/web.h;       expect fail "cli includes web's public header"
plant cdop/web/page.c cdop/cli/cli.h;         expect fail "web includes cli's header"
plant cdop/store/db.c cdop/panel/panel.h;     expect fail "a layer includes one above it"
plant cdop/cases/cases.c cdop/store/store_int.h; expect fail "an internal header of another layer"
plant cdop/cli/cmd_ui.c cdop/report/report.h; expect pass "a front end includes the top layer"
echo "layers self-test: $fails failed"
[ "$fails" -eq 0 ]
