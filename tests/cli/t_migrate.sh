#!/usr/bin/env bash
# STYLE habit 5: a register written at schema version 1 (tests/fixtures/v1)
# is upgraded in one transaction when a newer cdop opens it, audited, and
# then holds cases.
. "$(dirname "$0")/lib.sh"
export CDOP_TODAY=2025-10-01
cp "$SRC/tests/fixtures/v1/register.cdop" "$REG"
cp "$SRC/tests/fixtures/v1/register.cdop.keys" "$REG.keys"
chmod 600 "$REG" "$REG.keys"
printf 'ada-long-passphrase\n' > "$T/ada.pass"; printf 'mo-long-passphrase\n' > "$T/mo.pass"
chmod 600 "$T"/*.pass

as ada check; expect_rc 0 "old register opens, migrates and checks"
as ada audit list --json
python3 - "$T/out" <<'PY' && pass || fail "migration not audited"
import json, sys
e = json.load(open(sys.argv[1]))
m = [x for x in e if x['action'] == 'migrate']
assert len(m) == 1 and m[0]['detail'].startswith('schema 1 to '), m
PY
cat > "$T/n.json" <<'EOJ'
{"child": {"forename": "Ann", "surname": "Old", "date_of_birth": "2020-01-01", "sex": "female"},
 "death": {"date": "2025-05-03", "place": "home", "expected": "expected"},
 "notified": {"date": "2025-05-04", "by_agency": "gp"}}
EOJ
as mo notify --json "$T/n.json"; expect_rc 0 "notify on the upgraded register"
as ada check; expect_rc 0 "check after use"
as ada audit list --json
python3 -c "import json,sys; assert sum(x['action']=='migrate' for x in json.load(open(sys.argv[1])))==1" "$T/out" \
  && pass || fail "migrated twice"
# 010: the upgraded register remembers public editions (issue 11)
as mo report annual --year 2025-26 --edition public --format json --out "$T/public.json"
expect_rc 0 "public edition on the upgraded register"
as mo report annual --year 2025-26 --edition board --format json --out "$T/board.json"
python3 -c "import json,sys; n=json.load(open(sys.argv[1]))['note']; assert 'Public edition 1 of 2025-26: DfE rules' in n, n" "$T/board.json" \
  && pass || fail "upgraded register: the public edition was not remembered"
finish
