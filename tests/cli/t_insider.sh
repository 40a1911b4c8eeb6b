#!/usr/bin/env bash
# SPEC §6, keys by role, played by insiders (issue 10, finding 5): with only
# their own passphrase and copies of both files, using libsodium and the
# stock sqlcipher shell (tests/cli/insider.py, which never calls cdop), a
# panel member, an analyst and an admin each open the database, dump it and
# try every key their slot yields (and every subkey of each) on every
# sealed identifiable field: no identifier appears and nothing opens. The
# manager, with the same tool, does read it (the tool works). Each also
# rewrites the manager's audit entry, re-hashes the chain, re-signs with
# their own key and reseals the file and keyring MACs: audit verify and
# check still find it (exit 4). A disabled manager with a keyring copied
# before the disable opens neither the database after it nor any field
# written after it.
. "$(dirname "$0")/lib.sh"
export CDOP_TODAY=2025-06-01
command -v sqlcipher >/dev/null || { echo "skip: no sqlcipher shell"; exit 0; }
INS="/usr/bin/python3 $SRC/tests/cli/insider.py"
SECRETS="Zyxwquv Qwertyna 9434765919 Plover Hollowmere Pelhamrow Vantorel Grindlewick"

from_template  # ada admin, mo manager, pat panel, ann analyst
cat > "$T/n.json" <<'EOJ'
{"child": {"forename": "Qwertyna", "surname": "Zyxwquv", "nhs_number": "9434765919",
  "date_of_birth": "2020-01-01", "sex": "female", "address": "7 Plover Lane", "postcode": "SN1 1AA"},
 "death": {"date": "2025-05-03", "place": "home", "expected": "unexpected",
  "circumstances": "Qwertyna Zyxwquv was found at 7 Plover Lane"},
 "notified": {"date": "2025-05-04", "by_agency": "gp", "by_name": "Dr Hollowmere"}}
EOJ
as mo notify --json "$T/n.json"; expect_rc 0 "notify"
as mo rr add CDOP-2025-0001 --action home_visit --on 2025-05-04 --by "DS Pelhamrow" \
  --notes "spoke to the sibling Vantorel"; expect_rc 0 "rr add with names"
printf '{"summary": "known as Grindlewick"}\n' > "$T/form.json"
as mo agency receive CDOP-2025-0001 --agency police --on 2025-05-20 --json "$T/form.json"
expect_rc 0 "agency form with a name"
as pat case show CDOP-2025-0001; expect_rc 0 "the panel's view works from the derived values"
expect_out "5-9" "panel view: age band"
cp "$REG" "$T/copy.cdop"; cp "$REG.keys" "$T/copy.cdop.keys"

# -- reading: every role but the manager fails
for who in pat ann ada; do
  $INS read "$T/copy.cdop" "$T/copy.cdop.keys" "$who" "$(cat "$T/$who.pass")" $SECRETS \
    >"$T/out" 2>"$T/err"; RC=$?
  expect_rc 0 "$who reads no identifiable field"
  expect_out '"db": true' "$who opens the database with the stock shell (the attack is real)"
  expect_out '"sealed": 1' "$who sees the sealed notification"
done
$INS read "$T/copy.cdop" "$T/copy.cdop.keys" mo "$(cat "$T/mo.pass")" $SECRETS >"$T/out" 2>"$T/err"; RC=$?
expect_rc 1 "the manager's own keys do open it (the tool works)"

# -- the audit trail: another user's entry rewritten and resealed offline
for who in pat ann ada; do
  cp "$REG" "$T/a.cdop"; cp "$REG.keys" "$T/a.cdop.keys"
  $INS audit "$T/a.cdop" "$T/a.cdop.keys" "$who" "$(cat "$T/$who.pass")" mo >"$T/out" 2>"$T/err"; RC=$?
  expect_rc 0 "$who rewrites mo's entry, chain and MACs"
  raw --register "$T/a.cdop" --user ada --passphrase-file "$T/ada.pass" audit list
  expect_rc 0 "$who's edit passes the file MAC (the attack is real)"
  expect_out "forged by $who" "$who's text is in the trail"
  raw --register "$T/a.cdop" --user ada --passphrase-file "$T/ada.pass" audit verify
  expect_rc 4 "$who's rewrite: audit verify"
  expect_err "signed by another user's key" "$who's rewrite: named"
  raw --register "$T/a.cdop" --user ada --passphrase-file "$T/ada.pass" check
  expect_rc 4 "$who's rewrite: check"
done

# -- a disabled manager with a keyring copied before the disable
mkpass mo2
as ada user add mo2 --role manager --new-passphrase-file "$T/mo2.pass"; expect_rc 0 "a second manager"
as mo2 case list; expect_rc 3 "mo2 has no identifiable-data keys before a manager grants them"
expect_err "not been granted" "mo2: pending grant named"
as mo case list; expect_rc 0 "mo unlocks: mo2's grant is made"
as mo2 case list; expect_rc 0 "mo2 unlocks with its keys granted"
cp "$REG.keys" "$T/before.keys"; cp "$REG" "$T/before.cdop"
as ada user disable mo; expect_rc 0 "disable mo (rotation)"
as mo case list; expect_rc 3 "mo is refused"
sed 's/Qwertyna/Ulvenmira/; s/Zyxwquv/Brackhollow/; s/9434765919/4010232137/' "$T/n.json" > "$T/n2.json"
as mo2 notify --json "$T/n2.json"; expect_rc 0 "mo2 notifies after the disable"
as mo2 case show CDOP-2025-0002; expect_rc 0 "mo2 reads it"
expect_out "Brackhollow" "mo2 sees the name"
as mo2 case show CDOP-2025-0001; expect_rc 0 "old epochs stay readable"
$INS blobs "$REG" "$REG.keys" pat "$(cat "$T/pat.pass")" "$T/blobs.json" 2>"$T/err" ||
  fail "the test's own look at the sealed fields: $(cat "$T/err")"
$INS tryblobs "$T/blobs.json" "$REG" "$T/before.keys" mo "$(cat "$T/mo.pass")" >"$T/out" 2>"$T/err"; RC=$?
expect_rc 0 "mo's old keys do not open the database after the disable"
python3 - "$T/out" <<'PY' && pass || fail "mo's old keys opened a field written after the disable: $(cat "$T/out")"
import json, sys
r = json.load(open(sys.argv[1]))
assert r["sealed"] == 2 and 2 not in r["opened_cases"], r
PY
$INS read "$T/before.cdop" "$T/before.keys" mo "$(cat "$T/mo.pass")" $SECRETS >"$T/out" 2>"$T/err"; RC=$?
expect_rc 1 "(before the disable, mo could read what was written then)"
finish
