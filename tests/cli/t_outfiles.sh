#!/usr/bin/env bash
# Issue 10, findings 10 and 12: every --out refuses an existing path;
# --force replaces a regular file only, never a symlink, device or
# directory (SPEC §2), and never the register's own files; a report and
# its signature appear together, and a signature left alone by a killed
# report does not block the retry.
. "$(dirname "$0")/lib.sh"
export CDOP_TODAY=2026-03-31
from_template
as mo meeting new --date 2026-03-01; expect_rc 0 "meeting new"; text_of mid "$T/out"
cat > "$T/n.json" <<'EOF'
{"child": {"forename": "Ottilie", "surname": "Quarrendon", "date_of_birth": "2024-03-01",
           "sex": "female", "resident": false},
 "death": {"date": "2026-02-20", "place": "hospital_ward", "expected": "unexpected"},
 "notified": {"date": "2026-02-21", "by_agency": "hospital"}}
EOF
as mo notify --json "$T/n.json"; expect_rc 0 "notify"; text_of ref "$T/out"
# another register's recipient (any X25519 key: nothing here opens it)
R=age1n8l2x3cckrukah453q8lv3al44q0d9c7f6zamjwjdlqe3qpsr39sm2xw7e
# Every command with --out (SPEC §2: "any --out"), each the same way.
rep() { as mo report annual --year 2025-26 --edition board --format md "$@"; }
pack() { as mo meeting pack "$mid" "$@"; }
print() { as mo case print "$ref" "$@"; }
export_plain() { as mo export "$@"; }
export_sealed() { as mo export --recipient "$R" "$@"; }
ncmd() { as mo return ncmd --year 2025-26 --recipient "$R" "$@"; }
backup() { as ada backup "$@"; }
transfer() { as mo transfer "$ref" --recipient "$R" "$@"; }
mkdir "$T/adir"; echo precious > "$T/target.txt"; ln -s "$T/target.txt" "$T/link"
for cmd in rep pack print export_plain export_sealed ncmd backup transfer; do
  # never the register, its keyring or a name SQLite reads beside it
  ln -sf "$REG" "$T/link-to-reg"
  for own in "$REG" "$REG.keys" "$REG-journal" "$REG-wal" "$T/link-to-reg"; do
    $cmd --out "$own" --force; expect_rc 1 "$cmd --force over the register's $own"
    expect_err "is the register, its keyring or a file SQLite keeps beside it" \
      "$cmd $own: message"
  done
  rm -f "$T/link-to-reg"
  ls "$REG"-* >/dev/null 2>&1 && fail "$cmd left $(ls "$REG"-*)" || pass
  as ada check; expect_rc 0 "$cmd: the register intact"
  echo keep > "$T/exists"
  $cmd --out "$T/exists"; expect_rc 1 "$cmd over an existing file"
  expect_err "already exists; refusing to overwrite it (--force replaces a regular file)" \
    "$cmd: message"
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
