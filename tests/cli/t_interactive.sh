#!/usr/bin/env bash
# Issues 3 and 4: the interactive notify and review forms, driven through a
# pseudo-terminal, with invalid answers that are asked again.
. "$(dirname "$0")/lib.sh"
export CDOP_TODAY=2025-10-01
new_register
add_user mo manager
add_user pat panel
M=("$CDOP" --register "$REG" --user mo --passphrase-file "$T/mo.pass")
P=("$CDOP" --register "$REG" --user pat --passphrase-file "$T/pat.pass")
tab=$'\t'

# -- notify: one bad NHS number, one bad sex code and an impossible date, each re-asked
cat > "$T/notify.script" <<EOS
child.forename> ${tab}Zebedee
child.surname> ${tab}Quirkington
child.nhs_number> ${tab}1234567890
child.nhs_number> ${tab}943 476 5919
child.date_of_birth> ${tab}2024-02-30
child.date_of_birth> ${tab}2024-03-01
child.sex> ${tab}femal
child.sex> ${tab}2
child.ethnicity> ${tab}A
child.address> ${tab}
child.postcode> ${tab}
child.resident> ${tab}yes
child.local_authority> ${tab}Wiltshire
child.looked_after> ${tab}no
child.child_protection_plan> ${tab}no
child.education_setting> ${tab}nursery
death.date> ${tab}2025-05-03
death.time> ${tab}14:20
death.place> ${tab}home
death.expected> ${tab}unexpected
death.circumstances> ${tab}Found unresponsive in the morning
death.cause> ${tab}
death.post_mortem> ${tab}yes
death.coroner> ${tab}referred
notified.date> ${tab}04/05/2025
notified.by_name> ${tab}
notified.by_role> ${tab}Paediatrician
notified.by_agency> ${tab}hospital
notified.ncmd_date> ${tab}today
birth.gestation_weeks> ${tab}12
birth.gestation_weeks> ${tab}39
birth.weight_grams> ${tab}
panel_summary> ${tab}A one-year-old found unresponsive at home
Save this?${tab}y
EOS
python3 "$SRC/tests/cli/pty_drive.py" "$T/notify.script" -- "${M[@]}" notify > "$T/notify.out" 2>&1
RC=$?
expect_rc 0 "interactive notify"
grep -q "not a valid NHS number\|modulus 11\|check digit" "$T/notify.out" && pass || fail "bad NHS number was not explained: $(grep -a nhs_number "$T/notify.out" | head -5)"
file_has "$T/notify.out" "2024-02-30" -F && pass || fail "impossible date not echoed"
file_has "$T/notify.out" "CDOP-2025-0001" -F && pass || fail "REF not printed"
"${M[@]}" case show CDOP-2025-0001 --json > "$T/case.json" 2>/dev/null
python3 - "$T/case.json" <<'PY' && pass || fail "stored interactive notification differs"
import json, sys
c = json.load(open(sys.argv[1]))['notification']
assert c['child']['nhs_number'] == '9434765919', c
assert c['child']['sex'] == 'female', c
assert c['child']['date_of_birth'] == '2024-03-01', c
assert 'address' not in c['child'], c
assert c['notified']['date'] == '2025-05-04', c   # typed 04/05/2025
assert c['birth'] == {'gestation_weeks': 39}, c
assert c['death']['coroner'] == 'referred', c
assert c['notified']['ncmd_date'] == '2025-10-01', c   # typed today
PY

# -- review at a meeting: a contradictory modifiable is refused and re-asked;
#    Enter accepts the value the scores imply
"${M[@]}" case status CDOP-2025-0001 ready >/dev/null 2>&1
mid=$("${M[@]}" meeting new --date 2025-09-15 2>/dev/null)
"${M[@]}" meeting add "$mid" CDOP-2025-0001 >/dev/null 2>&1
cat > "$T/review.script" <<EOS
category> ${tab}11
category> ${tab}10
domains.child> ${tab}1
domains.social_environment> ${tab}2
domains.physical_environment> ${tab}1
domains.service_provision> ${tab}0
which the answers so far imply${tab}
themes> ${tab}safe_sleeping, smoking
learning> ${tab}Safe sleep advice was not repeated at the 6-week check
learning_publishable> ${tab}y
Add a Recommendation?${tab}y
recommendations[0].text> ${tab}Repeat safe sleep advice at every contact
recommendations[0].owner> ${tab}health_visiting
recommendations[0].due> ${tab}2026-03-31
Add another Recommendation?${tab}n
referred_for_review> ${tab}n
Save this?${tab}y
EOS
python3 "$SRC/tests/cli/pty_drive.py" "$T/review.script" -- "${P[@]}" review CDOP-2025-0001 --meeting "$mid" > "$T/review.out" 2>&1
RC=$?
expect_rc 0 "interactive review"; [ "$RC" -eq 0 ] || tail -25 "$T/review.out" >&2
file_has "$T/review.out" "Enter accepts yes" -F && pass || fail "implied modifiable not offered: $(tail -20 "$T/review.out")"
"${M[@]}" case show CDOP-2025-0001 --json > "$T/case.json" 2>/dev/null
python3 - "$T/case.json" <<'PY' && pass || fail "stored interactive review differs"
import json, sys
c = json.load(open(sys.argv[1]))
r = c['review']
assert c['status'] == 'reviewed', c['status']
assert r['category'] == 10 and r['modifiable'] == 'yes', r
assert r['themes'] == ['safe_sleeping', 'smoking'], r
assert c['recommendations'][0]['owner'] == 'health_visiting', c
PY

# -- abandoning the form (Ctrl-D) saves nothing
printf 'child.forename> \tNobody\neof\t\n' > "$T/abandon.script"
python3 "$SRC/tests/cli/pty_drive.py" "$T/abandon.script" -- "${M[@]}" notify > "$T/abandon.out" 2>&1
RC=$?
expect_rc 1 "abandoned notify"
n=$("${M[@]}" case list --json 2>/dev/null | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')
[ "$n" = 1 ] && pass || fail "abandoned form saved a case ($n cases)"

# -- Ctrl-C at the passphrase prompt (echo off) ends the command as
# Ctrl-C does, and gives the terminal its echo back (it was left off)
printf 'intr\tPassphrase for mo: \n' > "$T/intr.script"
python3 "$SRC/tests/cli/pty_drive.py" "$T/intr.script" -- "$CDOP" --register "$REG" \
  --user mo case list > "$T/intr.out" 2>&1
RC=$?
expect_rc 130 "Ctrl-C at the passphrase prompt"
file_has "$T/intr.out" "[pty: echo on]" -F && pass || fail "echo left off: $(tail -2 "$T/intr.out")"
finish
