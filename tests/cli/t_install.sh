#!/usr/bin/env bash
# cmake --install: cdop, its man page and bash completion, generated from
# the command table at build time, in place under a prefix.
. "$(dirname "$0")/lib.sh"
B=${CDOP_BUILD:?CDOP_BUILD must be the build directory}
P="$T/prefix"
cmake --install "$B" --prefix "$P" >"$T/out" 2>"$T/err"; RC=$?
expect_rc 0 "cmake --install"
[ -x "$P/bin/cdop" ] && pass || fail "bin/cdop installed"
"$P/bin/cdop" --version >"$T/out" 2>&1; RC=$?
expect_rc 0 "installed cdop --version"
expect_out "cdop " "version printed"
[ -f "$P/share/man/man1/cdop.1.gz" ] && pass || fail "man page installed"
zcat "$P/share/man/man1/cdop.1.gz" > "$T/cdop.1"
# the man page is the command table: every command's usage is in it
"$CDOP_PROD" help > "$T/help"
n=0
while read -r line; do
  case $line in "  "*) ;; *) continue ;; esac
  first=$(echo "$line" | awk '{print $1, $2}')
  grep -qF -- "$(echo "$first" | sed 's/-/\\-/g')" "$T/cdop.1" || { fail "man page lacks '$first'"; n=1; }
done < "$T/help"
[ $n -eq 0 ] && pass
file_has "$T/cdop.1" 'cdop today' -F && pass || fail "man page has today"
file_has "$T/cdop.1" 'cdop case history' -F && pass || fail "man page has case history"
if command -v man >/dev/null; then
  MANWIDTH=80 man -l "$T/cdop.1" >"$T/out" 2>"$T/err"; RC=$?
  expect_rc 0 "man renders it"
  expect_out "GLOBAL OPTIONS" "rendered"
fi
C="$P/share/bash-completion/completions/cdop"
[ -f "$C" ] && pass || fail "bash completion installed"
bash -n "$C" && pass || fail "completion is valid bash"
complete_words() { # WORDS... : what completing the last word offers
  bash -c '. "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _cdop; echo "${COMPREPLY[*]}"' _ "$C" "$@"
}
out=$(complete_words cdop ca); [[ " $out " == *" case "* ]] && pass || fail "completes 'ca' to case: $out"
out=$(complete_words cdop case ""); [[ " $out " == *" history "* && " $out " == *" print "* ]] && pass || fail "case subcommands: $out"
out=$(complete_words cdop case status CDOP-2025-0001 x --re); [[ "$out" == *"--reason"* ]] && pass || fail "case status flags: $out"
out=$(complete_words cdop --register r.cdop tod); [[ "$out" == *"today"* ]] && pass || fail "after a global option: $out"
finish
