#!/usr/bin/env bash
# Agency forms sealed with the stock age tool (SPEC §2 agency receive --age
# --attach, agency show, §8): verified before use; attachments stored
# sealed, listed and saved by a manager, only counted for the panel.
. "$(dirname "$0")/lib.sh"
export CDOP_TODAY=2025-05-20
from_template

cat > "$T/n.json" <<'EOF2'
{"child": {"forename": "Amy", "surname": "Quillfeather", "date_of_birth": "2024-03-01",
           "sex": "female", "resident": true},
 "death": {"date": "2025-05-03", "time": "14:20", "place": "home", "expected": "unexpected"},
 "notified": {"date": "2025-05-04", "by_agency": "hospital"}}
EOF2
as mo notify --json "$T/n.json"; expect_rc 0 "notify"
text_of A "$T/out"
as mo key show --age; text_of R "$T/out"
# py EXPR WHAT: lib.sh
gp_report() { as mo case show "$A" --json; }

# the agency's form (docs/guide.md "For agencies") and two documents
cat > "$T/form.json" <<'EOF2'
{"agency": "gp", "organisation": "Lowmoor Surgery",
 "contact": {"name": "Dr Petronella Vashti", "role": "GP partner", "email": "pv@example.nhs.uk"},
 "completed": "2025-05-12",
 "involvement": {"child": "yes", "family": "yes", "from": "2024-03-10", "to": "2025-04-28",
                 "details": "Routine immunisations; seen twice for a cough."},
 "concerns": "None recorded.",
 "risk_factors": ["smoking"],
 "services": "Primary care; referral to health visiting."}
EOF2
age -r "$R" -o "$T/form.age" "$T/form.json"
head -c 70000 /dev/urandom > "$T/scan.pdf"
printf 'case conference minutes: Dr Petronella Vashti attended\n' > "$T/minutes.docx"
age -r "$R" -o "$T/minutes.docx.age" "$T/minutes.docx"   # a sealed attachment

as mo agency receive "$A" --agency gp --on 2025-05-14 --age "$T/form.age" \
   --attach "$T/scan.pdf" --attach "$T/minutes.docx.age"
expect_rc 0 "receive a sealed form with two attachments"
expect_out "with its form, 2 attachments" "receive says what it stored"

gp_report
py '[x for x in d["agency_reports"] if x["agency"] == "gp"][0]["form"]["contact"]["name"] == "Dr Petronella Vashti"' \
   "the manager sees the opened form"
py '[x for x in d["agency_reports"] if x["agency"] == "gp"][0]["attachments"] == 2' "attachments counted"
as pat case show "$A" --json
expect_rc 0 "panel case show"
py '[x for x in d["agency_reports"] if x["agency"] == "gp"][0] == {"agency": "gp", "received": True, "attachments": 2}' \
   "the panel sees the count only"
file_lacks "$T/out" "Petronella" "panel: no form content"
file_lacks "$T/out" "scan.pdf" "panel: no attachment names"

# agency show: list, save; the saved files are the sent bytes
as mo agency show "$A" --agency gp --json
expect_rc 0 "agency show"
py 'd["form"]["organisation"] == "Lowmoor Surgery" and [a["name"] for a in d["attachments"]] == ["scan.pdf", "minutes.docx"] and d["attachments"][0]["bytes"] == 70000' \
   "agency show lists the form and attachments"
mkdir "$T/saved"
as mo agency show "$A" --agency gp --save-attachments "$T/saved"
expect_rc 0 "save attachments"
expect_out "attachments[2].name: minutes.docx" "text view names the attachments"
same_file "$T/saved/scan.pdf" "$T/scan.pdf" && same_file "$T/saved/minutes.docx" "$T/minutes.docx" &&
  pass || fail "saved attachments are the documents sent"
[ "$(stat -c %a "$T/saved/scan.pdf")" = 600 ] && pass || fail "saved attachment mode 0600"
as mo agency show "$A" --agency gp --save-attachments "$T/saved"
expect_rc 1 "saving again never overwrites"
as pat agency show "$A" --agency gp
expect_rc 3 "panel may not run agency show"
as ada audit list --json
py 'any(x["action"] == "agency_receive" and json.loads(x["detail"]).get("attachments") == "2" and {"path": "agency_reports.gp.form", "identifiable": True, "old": "(sealed)", "new": "(sealed)"} in json.loads(x["detail"])["changes"] for x in d)' \
   "receive audited with the count, the form sealed"
py 'sum(x["action"] == "agency_show" for x in d) >= 2' "agency show audited"
file_lacks "$T/out" "Petronella" "no form content in the audit trail"

# refusals: nothing written, and exit 4 for what fails to open
# reports: $A's agency reports (sorted keys) in $T/reports.json (lib.sh's
# python coprocess: not a python start per call)
reports() {
  as mo case show "$A" --json; rm -f "$T/reports.json"
  py_eval "$T/out" 'open("'"$T/reports.json"'", "w").write(json.dumps(d["agency_reports"], sort_keys=True) + "\n") > 0'
}
reports; cp "$T/reports.json" "$T/snap.json"
refused() { # RC WHAT ARGS...
  local want=$1 what=$2; shift 2
  as mo agency receive "$A" --agency police --on 2025-05-15 "$@"
  expect_rc "$want" "$what"
  cp "$T/err" "$T/err.keep"
  reports; same_file "$T/reports.json" "$T/snap.json" && pass || fail "$what: something was written"
  cp "$T/err.keep" "$T/err"
}
sed 's/"gp"/"police"/' "$T/form.json" > "$T/police.json"
age-keygen -o "$T/other.key" 2>/dev/null
age -r "$(age-keygen -y "$T/other.key")" -o "$T/other.age" "$T/police.json"
refused 4 "a form sealed to another recipient" --age "$T/other.age"
expect_err "not sealed to this register" "another recipient: said so"
age -r "$R" -o "$T/police.age" "$T/police.json"
size=$(stat -c %s "$T/police.age")
head -c $((size - 3)) "$T/police.age" > "$T/cut.age"
refused 4 "a truncated sealed form" --age "$T/cut.age"
cp "$T/police.age" "$T/flip.age"; flip_byte "$T/flip.age" $((size - 20))
refused 4 "a changed byte" --age "$T/flip.age"
refused 1 "a good form with a missing attachment" --age "$T/police.age" --attach "$T/nothing.pdf"
expect_err "--attach" "the missing attachment names --attach"
refused 4 "a good form with an attachment sealed to another recipient" --age "$T/police.age" \
  --attach "$T/other.age"
age -r "$R" -o "$T/gp-as-police.age" "$T/form.json"
refused 1 "a form from another agency" --age "$T/gp-as-police.age"
expect_err "not 'police'" "the agency mismatch is explained"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); del d["contact"]; d["involvement"]["child"]="maybe"; print(json.dumps(d))' \
  "$T/police.json" | age -r "$R" > "$T/bad.age"
refused 1 "a form that fails the reporting form" --age "$T/bad.age"
expect_err "contact" "names the missing contact"
expect_err "involvement.child" "names the bad code"
printf 'not json' | age -r "$R" > "$T/nojson.age"
refused 1 "a sealed file without JSON" --age "$T/nojson.age"
as mo agency receive "$A" --agency police --on 2025-05-15 --age "$T/police.age" --json "$T/police.json"
expect_rc 2 "--age and --json together"
as mo agency receive "$A" --agency police --on 2025-05-15 --age "$T/police.age"
expect_rc 0 "the good police form"

finish
