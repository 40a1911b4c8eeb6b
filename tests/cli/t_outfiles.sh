#!/usr/bin/env bash
# Issue 10, findings 10 and 12: every --out refuses an existing path;
# --force replaces a regular file only, never a symlink, device or
# directory (SPEC §2); a report and its signature appear together, and a
# signature left alone by a killed report does not block the retry.
. "$(dirname "$0")/lib.sh"
export CDOP_TODAY=2026-03-31
from_template
as mo meeting new --date 2026-03-01; expect_rc 0 "meeting new"; text_of mid "$T/out"
rep() { as mo report annual --year 2025-26 --edition board --format md "$@"; }
pack() { as mo meeting pack "$mid" "$@"; }
mkdir "$T/adir"; echo precious > "$T/target.txt"; ln -s "$T/target.txt" "$T/link"
for cmd in rep pack; do
  echo keep > "$T/exists"
  $cmd --out "$T/exists"; expect_rc 1 "$cmd over an existing file"
  expect_err "already exists" "$cmd: message"
  [ "$(cat "$T/exists")" = keep ] && pass || fail "$cmd replaced an existing file"
  for bad in "$T/link" "$T/adir" /dev/full; do
    $cmd --out "$bad" --force; expect_rc 1 "$cmd --force over $bad"
    expect_err "not a regular file" "$cmd --force $bad: message"
  done
  [ "$(cat "$T/target.txt")" = precious ] && pass || fail "$cmd wrote through a symlink"
  [ -L "$T/link" ] && pass || fail "$cmd replaced the symlink"
  $cmd --out "$T/exists" --force; expect_rc 0 "$cmd --force over a regular file"
  [ "$(cat "$T/exists")" != keep ] && pass || fail "$cmd --force did not replace"
  rm -f "$T/exists" "$T/exists.minisig"
done
# the report and its signature: both or neither; the signature verifies
rep --out "$T/r.md"; expect_rc 0 "report"
as mo verify "$T/r.md"; expect_rc 0 "report verifies"
echo keep > "$T/s.md.minisig"
rep --out "$T/s.md"; expect_rc 1 "report whose .minisig exists"
[ ! -e "$T/s.md" ] && pass || fail "report written beside a foreign signature"
[ "$(cat "$T/s.md.minisig")" = keep ] && pass || fail "foreign signature replaced"
# a signature of this register left alone (a report killed between the two
# names) is replaced by the retry
mv "$T/r.md.minisig" "$T/t.md.minisig"
rep --out "$T/t.md"; expect_rc 0 "retry over a leftover signature of this register"
as mo verify "$T/t.md"; expect_rc 0 "the retried report verifies"
ls "$T" | grep -q 'tmp-' && fail "temp files left: $(ls "$T")" || pass
finish
