#!/usr/bin/env bash
# Issue 3: notify rules from the command line, case update and status, and
# the panel's anonymised views.
. "$(dirname "$0")/lib.sh"
export CDOP_TODAY=2025-10-01
from_template  # new_register; add_user mo manager, pat panel, ann analyst
M() { as mo "$@"; }
# (it sets N: a call in $(...) would start cdop, not ask the fork server)
count() { as mo case list --json; json_count -v N "$T/out"; }

cat > "$T/n.json" <<'EOJ'
{"child": {"forename": "Ottoline", "surname": "Vexworthy", "nhs_number": "943 476 5919",
           "date_of_birth": "2024-03-01", "sex": "female", "ethnicity": "A",
           "address": "12 Quillfeather Lane, Town", "postcode": "ZZ9 4QQ", "resident": true,
           "local_authority": "Wiltshire", "looked_after": "no", "child_protection_plan": "no"},
 "death": {"date": "2025-05-03", "time": "14:20", "place": "home",
           "expected": "unexpected", "circumstances": "Ottoline Vexworthy was found at ZZ9 4QQ."},
 "notified": {"date": "2025-05-04", "by_name": "Dr A", "by_role": "Paediatrician", "by_agency": "hospital"}}
EOJ
M notify --json "$T/n.json"; expect_rc 0 "notify"; text_of REF "$T/out"
[ "$REF" = CDOP-2025-0001 ] && pass || fail "reference '$REF'"
"$CDOP" --register "$REG" --user mo --passphrase-file "$T/mo.pass" notify --json - \
  < "$T/n.json" > "$T/out" 2> "$T/err"; RC=$?
expect_rc 1 "duplicate from stdin"; expect_err "duplicate" "duplicate: message"
expect_err "$REF" "duplicate: names the earlier case"
as pat notify --json "$T/n.json"; expect_rc 3 "panel may not notify"
as ann case list; expect_rc 3 "analyst may not list cases"

# -- each notification rule from the command line: exit 1, the field named, nothing written
variant() { python3 - "$T/n.json" "$1" > "$T/v.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
d['child']['nhs_number'] = '401 023 2137'   # not a duplicate of the first case
d['child']['surname'] = 'Other'
exec(sys.argv[2])
json.dump(d, sys.stdout)
PY
}
bad() { # python-edit field-named-in-message what
  variant "$1"
  M notify --json "$T/v.json"
  expect_rc 1 "$3"; expect_err "$2" "$3: names $2"
}
count; n0=$N
bad "d['child']['nhs_number']='9434765918'" child.nhs_number "NHS check digit"
bad "d['child']['nhs_number']='12345'" child.nhs_number "NHS too short"
bad "d['child']['date_of_birth']='2025-02-29'" child.date_of_birth "impossible date"
bad "d['child']['date_of_birth']='2025-06-01'" child.date_of_birth "born after death"
bad "d['notified']['date']='2025-05-01'" notified.date "notified before death"
bad "d['notified']['date']='2025-10-02'" notified.date "notified in the future"
bad "d['child']['date_of_birth']='2007-05-03'" "18" "age 18 at death"
bad "d['child']['sex']='femal'" child.sex "unknown sex code"
bad "d['child']['ethnicity']='Q'" child.ethnicity "unknown ethnicity code"
bad "d['death']['place']='garden'" death.place "unknown place code"
bad "d['death']['expected']='maybe'" death.expected "unknown expected code"
bad "d['child']['looked_after']='perhaps'" child.looked_after "unknown looked_after"
bad "d['notified']['by_agency']='nhs'" notified.by_agency "unknown agency"
bad "del d['child']['forename']" child.forename "missing forename"
bad "del d['death']['place']" death.place "missing place"
bad "d['child']['favourite']='x'" favourite "unknown field"
bad "d['death']['time']='25:00'" death.time "impossible time"
variant "d['child']['surname']='Vexworthy'; d['child']['nhs_number']=None"
M notify --json "$T/v.json"; expect_rc 1 "same surname+dob+dod"; expect_err "surname" "dup by surname: message"
printf '{"child": ' > "$T/broken.json"
M notify --json "$T/broken.json"; expect_rc 1 "malformed JSON"; expect_err "line 1" "malformed: says where"
count; [ "$N" = "$n0" ] && pass || fail "a refused notification was stored"
# twins: same surname, birth and death, different NHS numbers: two children
variant "d['child']['surname']='Vexworthy'; d['child']['forename']='Twin'"
M notify --json "$T/v.json"; expect_rc 0 "twin with a different NHS number"

# -- case update: partial, re-validated as a whole, audited without values
echo '{"death": {"time": "15:45"}, "child": {"address": null}}' > "$T/u.json"
M case update "$REF" --json "$T/u.json"; expect_rc 0 "update"
M case show "$REF" --json
python3 - "$T/out" <<'PY' && pass || fail "update not applied"
import json, sys
c = json.load(open(sys.argv[1]))
n = c['notification']
assert n['death']['time'] == '15:45' and 'address' not in n['child'], n
due = {a['action']: a['due'] for a in c['rapid_response']}
assert due['home_visit'] == '2025-05-04T15:45', due   # re-timed from the new time of death
PY
echo '{"child": {"date_of_birth": "2025-06-01"}}' > "$T/u.json"
M case update "$REF" --json "$T/u.json"; expect_rc 1 "update breaking a rule"; expect_err "date_of_birth" "update rule: names field"
echo '{"child": {"nhs_number": "401 023 2137"}}' > "$T/u.json"
M case update "$REF" --json "$T/u.json"; expect_rc 1 "update to a duplicate NHS number"
M case update CDOP-2099-0001 --json "$T/u.json"; expect_rc 1 "update unknown case"; expect_err "CDOP-2099-0001" "unknown: names it"
as ada audit list --json
python3 - "$T/out" <<'PY' && pass || fail "update audit"
import json, sys
e = [x for x in json.load(open(sys.argv[1])) if x['action'] == 'update']
assert len(e) == 1, e
d = json.loads(e[0]['detail'])
assert d['changes'] == [{'path': 'child.address', 'identifiable': True, 'old': '(sealed)', 'new': '(sealed)'},
                        {'path': 'death.time', 'old': '14:20', 'new': '15:45'}], d
assert all('Vexworthy' not in json.dumps(x) for x in json.load(open(sys.argv[1])))
PY
grep -q "Ottoline\|Vexworthy\|9434765919" "$T/out" && fail "identifiers in the audit trail" || pass

# -- status moves
M case status "$REF" gathering; expect_rc 0 "notified -> gathering"
M case status "$REF" notified; expect_rc 1 "backwards"
M case status "$REF" reviewed; expect_rc 1 "reviewed only by review"; expect_err "review" "reviewed: says how"
M case status "$REF" closed; expect_rc 1 "closed before review"
M case status "$REF" transferred; expect_rc 1 "transfer of a resident child"
M case status "$REF" lost; expect_rc 1 "unknown status"; expect_err "valid" "unknown status: lists valid"

# -- the panel's view: no identifiers in show or list
for cmd in "case show $REF --json" "case list --json" "case show $REF"; do
  as pat $cmd; expect_rc 0 "panel $cmd"
  for s in Ottoline Vexworthy 9434765919 "943 476 5919" 2024-03-01 Quillfeather "ZZ9 4QQ" 2025-05-03 "Dr A"; do
    file_lacks "$T/out" "$s" "panel $cmd"
  done
done
as pat case show "$REF" --json
python3 -c "import json,sys; c=json.load(open(sys.argv[1])); n=c['notification']; assert n['age_band']=='1-4' and n['death']['month']=='2025-05', n" "$T/out" \
  && pass || fail "panel view lacks age band or month"
# the manager's identifiable view is audited; the panel's is not
as ada audit list --json
python3 -c "import json,sys; e=json.load(open(sys.argv[1])); assert sum(x['action']=='view' for x in e)==1, e" "$T/out" \
  && pass || fail "identifiable views audited once (the manager's)"
finish
