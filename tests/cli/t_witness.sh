#!/usr/bin/env bash
# SPEC §6 (issue 10): a signed report states the audit head in its trusted
# comment, a backup in its header; `audit verify --witness FILE.minisig`
# and `--witness BACKUP` find a trail cut below it — here the register and
# keyring put back to a consistent older pair, which every other check
# accepts.
. "$(dirname "$0")/lib.sh"
export CDOP_TODAY=2025-06-01
from_template
as mo case list; expect_rc 0 "the manager's first unlock"
cp "$REG" "$T/old.cdop"; cp "$REG.keys" "$T/old.keys"
cat > "$T/n.json" <<'EOJ'
{"child": {"forename": "Ann", "surname": "Old", "date_of_birth": "2020-01-01", "sex": "female"},
 "death": {"date": "2025-05-03", "place": "home", "expected": "expected"},
 "notified": {"date": "2025-05-04", "by_agency": "gp"}}
EOJ
as mo notify --json "$T/n.json"; expect_rc 0 "notify"
as mo report annual --year 2025-26 --edition board --format md --out "$T/r.md"
expect_rc 0 "a signed report"
grep -q 'audit:[0-9]*:[0-9a-f]\{64\}' "$T/r.md.minisig" && pass || fail "the trusted comment states the audit head"
as ada audit verify --witness "$T/r.md.minisig"; expect_rc 0 "the witness holds"
expect_out "holds the head" "witness: message"
as ada audit verify --witness; expect_rc 2 "--witness without FILE"
as ada backup --out "$T/b.bak"; expect_rc 0 "a backup"
as ada audit verify --witness "$T/b.bak"; expect_rc 0 "the backup as witness holds"
expect_out "holds the head" "backup witness: message"
as ada audit verify --witness "$T/b.bak" --witness "$T/r.md.minisig"; expect_rc 0 "both witnesses"
# a damaged backup or another register's is not evidence of anything
cp "$T/b.bak" "$T/bad.bak"
printf '\x01' | dd of="$T/bad.bak" bs=1 seek=48 conv=notrunc 2>/dev/null
as ada audit verify --witness "$T/bad.bak"; expect_rc 4 "a backup with an edited head is refused"
expect_err "damaged" "edited backup: named damaged"
REG_SAVE=$REG; REG="$T/other.cdop"; mv "$T/recovery.txt" "$T/recovery.keep"; new_register
as ada backup --out "$T/other.bak"; expect_rc 0 "another register's backup"
REG=$REG_SAVE
as ada audit verify --witness "$T/other.bak"; expect_rc 1 "another register's backup is no witness"
expect_err "another register" "other register: named"
# the tail cut: an older, self-consistent register and keyring
cp "$T/old.cdop" "$REG"; cp "$T/old.keys" "$REG.keys"
as ada audit verify; expect_rc 0 "the cut trail alone verifies (why a witness is needed)"
as ada audit verify --witness "$T/r.md.minisig"; expect_rc 4 "the witness finds the cut"
expect_err "cut" "witness: named"
as ada audit verify --witness "$T/b.bak"; expect_rc 4 "the backup witness finds the cut"
expect_err "cut" "backup witness: named"
finish
