#!/usr/bin/env bash
# Issue 10, finding 2: after an integrity failure nothing is written,
# migrated, imported or resealed. The laundering sequence of the issue:
# replay pages -> a command exits 4 -> a failed unlock (a failure record
# waits in the keyring) -> check exits 4 -> check again must still exit 4
# and nothing may serve the replayed data.
. "$(dirname "$0")/lib.sh"
export CDOP_TODAY=2026-03-31
from_template
cat > "$T/n.json" <<'J'
{"child": {"forename": "Laun", "surname": "Dering", "date_of_birth": "2024-03-01",
           "sex": "male", "resident": true},
 "death": {"date": "2025-05-03", "place": "home", "expected": "unexpected"},
 "notified": {"date": "2025-05-04", "by_agency": "hospital"}}
J
as mo notify --json "$T/n.json"; expect_rc 0 "notify"
text_of ref "$T/out"
cp "$REG" "$T/old.cdop"
as mo case status "$ref" gathering; expect_rc 0 "status"
cp "$REG" "$T/new.cdop"
# every page that changed goes back to its old bytes (a whole replay)
python3 - "$T/old.cdop" "$REG" <<'PY'
import sys
a = open(sys.argv[1], 'rb').read()
with open(sys.argv[2], 'r+b') as f:
    b = f.read()
    for p in range(min(len(a), len(b)) // 4096):
        if a[p*4096:(p+1)*4096] != b[p*4096:(p+1)*4096]:
            f.seek(p * 4096); f.write(a[p*4096:(p+1)*4096])
PY
db=$(sha256sum < "$REG")
as mo case list; expect_rc 4 "replayed: case list"
echo wrong > "$T/bad.pass"
raw --register "$REG" --user pat --passphrase-file "$T/bad.pass" case list
expect_rc 3 "failed unlock"
for i in 1 2 3; do
  as ada check; expect_rc 4 "check $i after the replay"
  [ "$(sha256sum < "$REG")" = "$db" ] && pass || fail "check $i wrote to the register"
  [ ! -e "$REG-journal" ] && pass || fail "check $i left a journal"
done
as ada audit list; expect_rc 4 "audit list"
as mo case show "$ref"; expect_rc 4 "case show still refused"
as ada user add zed --role panel --new-passphrase-file "$T/ada.pass"; expect_rc 4 "user add refused"
[ "$(sha256sum < "$REG")" = "$db" ] && pass || fail "the register was written"
# restoring the real file brings everything back, failure record included
cp "$T/new.cdop" "$REG"
as ada check; expect_rc 0 "check after restoring the file"
as ada audit list; expect_out "unlock_failed" "the failed unlock is recorded once the file is sound"
as mo case show "$ref" --json; expect_out '"gathering"' "new status"
finish
