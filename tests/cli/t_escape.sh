#!/usr/bin/env bash
# Issue 10, findings 3 and 13. A failed-unlock record anyone can forge
# (sealed to a public key): back-dated, in another user's name, with
# terminal escapes -> imported as an unverified claim, at cdop's time, by
# the importing user, escaped. Names and codes with C0, C1 or bidi
# overrides are refused on input, naming the field; whatever is printed
# (stdout and stderr) has them escaped.
. "$(dirname "$0")/lib.sh"
export CDOP_TODAY=2026-03-31
from_template
no_raw() { # FILE WHAT: no ESC, BEL, CSI (C1) or RLO byte sequence in FILE
  if python3 - "$1" <<'PY'
import sys
b = open(sys.argv[1], 'rb').read()
bad = [s for s in (b'\x1b', b'\x07', b'\xc2\x9b', b'\xe2\x80\xae', b'\xe2\x81\xa6') if s in b]
sys.exit(1 if bad else 0)
PY
  then pass; else fail "$2: raw control bytes printed"; fi
}
now_year=$(date -u +%Y)
python3 "$SRC/tests/cli/lib/forge_failure.py" "$REG.keys" \
  '1999-01-01T00:00:00Z\tmo\twrong passphrase\x1b]0;owned\x07\x1b[2J\xc2\x9b31m\xe2\x80\xaeevil'
as ada audit list --json; expect_rc 0 "unlock imports the forged record"
python3 - "$T/out" "$now_year" <<'PY' && pass || fail "forged record taken as fact: $(cat "$T/out" | tail -20)"
import json, sys
e = [x for x in json.load(open(sys.argv[1])) if x['action'] == 'unlock_failed']
assert len(e) == 1, e
x = e[0]
assert x['user'] == 'ada', x                     # the importer, not the claimed 'mo'
assert x['at'].startswith(sys.argv[2]), x        # cdop's time, not 1999
assert x['detail'].startswith('unverified claim: '), x
assert '1999-01-01' in x['detail'], x            # the claim is kept, as a claim
assert all(0x20 <= ord(c) < 0x7f for c in x['detail'] + x['object']), x
assert len(x['detail']) < 400, x
PY
as ada audit list; expect_out "unverified claim" "labelled in the text listing"
no_raw "$T/out" "audit list"
as ada audit verify; expect_rc 0 "chain sound"

# -- input: C0, C1 and bidi overrides refused, naming the field
as mo meeting new --date 2026-03-01; text_of mid "$T/out"
for bad in $'Eve\x1b[31m' $'Eve\xc2\x9b31m' $'Eve\xe2\x80\xaemirrored' $'Eve\xe2\x81\xa6x'; do
  as mo meeting attend "$mid" --name "$bad" --agency police
  expect_rc 1 "attendee name with a control"; expect_err "--name" "attendee: names the flag"
  no_raw "$T/err" "attend error message"
  as mo meeting new --date 2026-03-02 --chair "$bad"
  expect_rc 1 "chair with a control"; expect_err "--chair" "chair: names the flag"
done
as mo meeting attend "$mid" --name "Zoë Ünal" --agency police; expect_rc 0 "accented name accepted"
python3 - > "$T/n.json" <<'PY'
import json
print(json.dumps({"child": {"forename": "Amy\u202e", "surname": "Ex\u0085ample",
  "date_of_birth": "2024-03-01", "sex": "male", "resident": True},
  "death": {"date": "2025-05-03", "place": "home", "expected": "unexpected"},
  "notified": {"date": "2025-05-04", "by_agency": "hospital"}}))
PY
as mo notify --json "$T/n.json"; expect_rc 1 "notification with bidi and C1"
expect_err "child.forename" "forename named"; expect_err "child.surname" "surname named"
expect_err "bidirectional" "says what is wrong"
no_raw "$T/err" "notify error message"

# -- output: text that reaches the printer raw is escaped (an error
# message quoting an argument, here)
as mo case show $'2025-\x1b]0;x\x07\xe2\x80\xae1'; expect_rc 1 "case show of a weird reference"
no_raw "$T/err" "case show error"
grep -qF '\u001b' "$T/err" && pass || fail "ESC not shown escaped: $(cat -v "$T/err")"
finish
