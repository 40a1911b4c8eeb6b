#!/usr/bin/env bash
# Issue 10, findings 1 and 4: files beside the register. A PATH-wal (here
# a forged one: an older copy's encrypted pages as WAL frames, with valid
# WAL checksums, which need no key), a PATH-shm, a symlinked PATH-journal,
# or a symlink at PATH or PATH.keys: every command refuses with exit 4
# before SQLite opens the register, and nothing is written (not even a
# failed-unlock record).
. "$(dirname "$0")/lib.sh"
export CDOP_TODAY=2026-03-31
from_template
cat > "$T/n.json" <<'J'
{"child": {"forename": "Wal", "surname": "Replay", "date_of_birth": "2024-03-01",
           "sex": "male", "resident": true},
 "death": {"date": "2025-05-03", "place": "home", "expected": "unexpected"},
 "notified": {"date": "2025-05-04", "by_agency": "hospital"}}
J
as mo notify --json "$T/n.json"; expect_rc 0 "notify"
text_of ref "$T/out"
cp "$REG" "$T/old.cdop"
as mo case status "$ref" gathering; expect_rc 0 "status gathering"
as mo export --out "$T/x.jsonl"; expect_rc 0 "export"
cp "$REG" "$T/new.cdop"; cp "$REG.keys" "$T/new.keys"
sum() { sha256sum "$REG" "$REG.keys" | cut -c1-64 | tr '\n' ' '; }
before=$(sum)

# -- a forged WAL that would roll the status and the export entry back
n=$(python3 "$SRC/tests/cli/lib/forge_wal.py" "$T/old.cdop" "$T/new.cdop" "$REG-wal")
[ "$n" -gt 0 ] && pass || fail "no page differs"
for who in mo ada; do
  if [ $who = mo ]; then as mo case show "$ref"; else as ada check; fi
  expect_rc 4 "forged -wal: $who"
  expect_err "$REG-wal" "forged -wal named: $who"
done
as pat case list; expect_rc 4 "forged -wal: panel"
[ ! -e "$REG-shm" ] && pass || fail "SQLite opened the register: -shm created"
[ "$(sum)" = "$before" ] && pass || fail "forged -wal: register or keyring written"
# a wrong passphrase too: no failure record is written beside a -wal
echo wrong > "$T/bad.pass"
raw --register "$REG" --user mo --passphrase-file "$T/bad.pass" case list
expect_rc 4 "forged -wal, wrong passphrase: refused before unlocking"
[ "$(sum)" = "$before" ] && pass || fail "failure record written beside a -wal"
rm -f "$REG-wal"
as ada check; expect_rc 0 "check after the -wal is moved away"
as mo case show "$ref" --json; expect_rc 0 "case show"
expect_out '"gathering"' "the status is the new one"
as ada audit list; expect_out "export" "the export entry is still there"
before=$(sum)

# -- a -shm alone
: > "$REG-shm"
as mo case list; expect_rc 4 "-shm"; expect_err "$REG-shm" "-shm named"
rm -f "$REG-shm"

# -- a symlinked journal (clean keyring, and after an interrupted write)
ln -s "$T/elsewhere" "$REG-journal"
as mo case list; expect_rc 4 "symlinked -journal"; expect_err "symbolic link" "-journal symlink message"
as ada check; expect_rc 4 "symlinked -journal: check"
[ ! -e "$T/elsewhere" ] && pass || fail "symlinked -journal followed: $T/elsewhere created"
rm -f "$REG-journal"
# a plain journal after a clean close is still refused
: > "$REG-journal"
as mo case list; expect_rc 4 "-journal after a clean close"
rm -f "$REG-journal"
[ "$(sum)" = "$before" ] && pass || fail "side files: register or keyring written"

# -- symlinks at PATH and PATH.keys
mv "$REG.keys" "$T/real.keys"; ln -s "$T/real.keys" "$REG.keys"
as mo case list; expect_rc 4 "symlinked keyring"; expect_err "symbolic link" "keyring symlink message"
rm "$REG.keys"; mv "$T/real.keys" "$REG.keys"
mv "$REG" "$T/real.cdop"; ln -s "$T/real.cdop" "$REG"
as mo case list; expect_rc 4 "symlinked register"; expect_err "symbolic link" "register symlink message"
rm "$REG"; mv "$T/real.cdop" "$REG"
as ada check; expect_rc 0 "check at the end"

# -- init refuses to create a register beside a stale side file
NEW="$T/fresh.cdop"
: > "$NEW-wal"
raw --register "$NEW" --passphrase-file "$T/ada.pass" init --admin ada --kdf test
expect_rc 4 "init beside a -wal"
[ ! -e "$NEW" ] && [ ! -e "$NEW.keys" ] && pass || fail "init beside a -wal created files"
finish
