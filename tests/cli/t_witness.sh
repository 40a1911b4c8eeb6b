#!/usr/bin/env bash
# SPEC §6 (issue 10): a signed report states the audit head in its trusted
# comment; `audit verify --witness FILE.minisig` finds a trail cut below it
# — here the register and keyring put back to a consistent older pair,
# which every other check accepts.
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
# the tail cut: an older, self-consistent register and keyring
cp "$T/old.cdop" "$REG"; cp "$T/old.keys" "$REG.keys"
as ada audit verify; expect_rc 0 "the cut trail alone verifies (why a witness is needed)"
as ada audit verify --witness "$T/r.md.minisig"; expect_rc 4 "the witness finds the cut"
expect_err "cut" "witness: named"
finish
