#!/usr/bin/env bash
# Agency reporting forms: agency request / receive / due.
. "$(dirname "$0")/lib.sh"

from_template  # new_register; add_user mo manager, pat panel, ann analyst

# notification JSON: FILE SURNAME DEATH_DATE NOTIFIED
mknote() {
  cat > "$1" <<EOF
{"child": {"forename": "Amy", "surname": "$2", "date_of_birth": "2024-03-01",
           "sex": "female", "resident": true},
 "death": {"date": "$3", "time": "14:20", "place": "home", "expected": "unexpected"},
 "notified": {"date": "$4", "by_agency": "hospital"}}
EOF
}
notify() { # FILE -> $CASE
  as mo notify --json "$1"
  [ "$RC" -eq 0 ] || { echo "notify $1 failed: $(cat "$T/err")" >&2; exit 1; }
  text_of CASE "$T/out"
}
# py EXPR WHAT: lib.sh
# (it sets N: a call in $(...) would start cdop, not ask the fork server)
audit_count() {
  as ada audit list --json
  json_count -v N "$T/out"
}
# reports REF: the case's agency_reports as the manager sees them, in $T/out
# (written by lib.sh's python coprocess: a python start per call cost more
# than the command; over $T/out, read before, and only once the text is
# made: no rm and cp, two processes, per call)
reports() {
  as mo case show "$1" --json
  py_eval "$T/out" '(lambda s: open("'"$T/out"'", "w").write(s))(json.dumps(d["agency_reports"]) + "\n") > 0' ||
    fail "case show $1: no agency_reports: $(head -c 300 "$T/out")"
}
# before REF / after WHAT [AUDIT_GROWTH]: nothing changed in between
# (lib.sh's snap_take and snap_same: the snapshot kept in the shell, not
# a cp each)
before() {
  SNAP_REF=$1
  reports "$SNAP_REF"; snap_take "$T/out"
  audit_count; N_BEFORE=$N
}
after() {
  local n; audit_count; n=$N
  [ "$n" -eq $((N_BEFORE + ${2:-0})) ] && pass ||
    fail "$1: audit trail went from $N_BEFORE to $n entries"
  reports "$SNAP_REF"
  snap_same "$T/out" && pass || fail "$1: agency reports changed"
}

export CDOP_TODAY=2025-04-22
mknote "$T/b.json" Second 2025-04-20 2025-04-21
notify "$T/b.json"; B=$CASE
# requested on 2025-04-22; due back on 2025-05-01 (overdue by 2025-05-10)
as mo agency request "$B" --agency gp --due 2025-05-01
expect_rc 0 "request with --due"
expect_out "due 2025-05-01" "request says the due date"
as mo agency request "$B" --agency police
expect_rc 0 "request with the default due date"
expect_out "due 2025-05-20" "default due: 28 days after the request"
reports "$B"
py 'd == [{"agency": "gp", "requested": "2025-04-22", "due": "2025-05-01"},
          {"agency": "police", "requested": "2025-04-22", "due": "2025-05-20"}]' "stored requests"

export CDOP_TODAY=2025-05-04
mknote "$T/a.json" Example 2025-05-03 2025-05-04
notify "$T/a.json"; A=$CASE
as mo agency request "$A" --agency hospital --due 2025-05-06
expect_rc 0 "request A hospital"

export CDOP_TODAY=2025-05-10
as mo agency request "$A" --agency gp
expect_rc 0 "request A gp"
reports "$A"
py '[x for x in d if x["agency"] == "gp"] == [{"agency": "gp", "requested": "2025-05-10",
    "due": "2025-06-07"}]' "requested today, due +28 days"
as mo agency request "$A" --agency police --due 2025-05-20
expect_rc 0 "request A police"
# asking again changes the due date only, audited
as mo agency request "$A" --agency police --due 2025-05-25
expect_rc 0 "request again"
expect_out "now due 2025-05-25 (was 2025-05-20)" "request again says what changed"
reports "$A"
py '[x for x in d if x["agency"] == "police"] == [{"agency": "police", "requested": "2025-05-10",
    "due": "2025-05-25"}]' "request again: new due, first request date"
as ada audit list --json
py 'json.loads([x["detail"] for x in d if x["action"] == "agency_request" and x["object"] == "'"$A"'"][-1])
    == {"changes": [{"path": "agency_reports.police.due", "old": "2025-05-20", "new": "2025-05-25"}]}' "request again audited with old and new"

# -- invalid requests: exit code, flag named, nothing changed
before "$A"
as mo agency request "$A" --agency gps
expect_rc 1 "unknown agency"
expect_err "--agency: 'gps' is not an agency code; valid: gp, health_visiting, midwifery, hospital, ambulance, police, childrens_social_care, education, mental_health, coroner, public_health, other" \
  "unknown agency: lists valid codes"
after "unknown agency"
before "$A"
as mo agency request "$A" --agency education --due 2025-05-09
expect_rc 1 "due before requested"
expect_err "--due: 2025-05-09 is before requested (2025-05-10)" "due before requested: message"
after "due before requested"
before "$A"
as mo agency request "$A" --agency education --due 2025-02-30
expect_rc 1 "impossible due date"
expect_err "--due:" "impossible due date: names --due"
after "impossible due date"
before "$A"
as mo agency request "$A" --agency police --due 2025-05-01
expect_rc 1 "request again, due before the first request"
expect_err "--due: 2025-05-01 is before requested (2025-05-10)" "request again: message"
after "request again, due before the first request"
before "$A"
as mo agency request CDOP-2025-9999 --agency gp
expect_rc 1 "request: unknown REF"
expect_err "no case 'CDOP-2025-9999'" "unknown REF: message"
after "request: unknown REF"
as mo agency request "$A"
expect_rc 2 "request without --agency"
expect_err "--agency" "usage names --agency"

# -- receive: before a request, with a form, corrections
cat > "$T/form.json" <<'EOF'
{"report_by": "Zebediah Quux-Marchbanks", "findings": ["seen by GP on 2025-04-30"],
 "nested": {"concern": "none", "score": 2}}
EOF
as mo agency receive "$A" --agency coroner --on 2025-05-08
expect_rc 0 "receive without a request"
expect_err "note: no request to coroner was recorded" "note on stderr"
reports "$A"
py '[x for x in d if x["agency"] == "coroner"] == [{"agency": "coroner", "requested": "2025-05-08",
    "received": "2025-05-08"}]' "unrequested: requested = received"
as mo agency receive "$A" --agency gp --on 2025-05-10 --json "$T/form.json"
expect_rc 0 "receive with a form"
expect_out "with its form" "receive says the form was stored"
as mo case show "$A" --json
py '[x for x in d["agency_reports"] if x["agency"] == "gp"][0]["form"] ==
    json.load(open("'"$T/form.json"'"))' "manager sees the stored form"
py '[x for x in d["agency_reports"] if x["agency"] == "gp"][0]["received"] == "2025-05-10"' "received date"
as ada audit list --json
py 'any(x["action"] == "agency_receive" and {"path": "agency_reports.gp.form", "identifiable": True, "old": "(sealed)", "new": "(sealed)"} in json.loads(x["detail"])["changes"] for x in d)' "receive audited, the form sealed"
py 'not any("Zebediah" in json.dumps(x) for x in d)' "no form content in the audit trail"
file_lacks "$REG" "Zebediah" "form stored encrypted"
# the panel sees only received true/false
as pat case show "$A" --json
expect_rc 0 "panel case show"
file_lacks "$T/out" "Zebediah" "panel: no form content"
file_lacks "$T/out" "findings" "panel: no form keys"
py 'all(set(x) == {"agency", "received"} and isinstance(x["received"], bool)
        for x in d["agency_reports"])' "panel: agency and received only"
py 'sorted((x["agency"], x["received"]) for x in d["agency_reports"]) ==
    [("coroner", True), ("gp", True), ("hospital", False), ("police", False)]' "panel: received flags"
as pat case show "$A"
file_lacks "$T/out" "Zebediah" "panel text view: no form content"
# receiving again corrects the date and keeps the form unless a new one is given
as mo agency receive "$A" --agency gp --on 2025-05-10
expect_rc 0 "receive again"
expect_out "corrected" "receive again says corrected"
as mo case show "$A" --json
py '[x for x in d["agency_reports"] if x["agency"] == "gp"][0]["form"]["nested"]["score"] == 2' \
   "receive again keeps the form"
# a received report is not requested again
before "$A"
as mo agency request "$A" --agency gp
expect_rc 1 "request after receipt"
expect_err "was received on 2025-05-10" "request after receipt: message"
after "request after receipt"

# -- invalid receipts
before "$A"
as mo agency receive "$A" --agency police --on 2025-05-09
expect_rc 1 "received before requested"
expect_err "--on: 2025-05-09 is before requested (2025-05-10)" "received before requested: message"
after "received before requested"
before "$A"
as mo agency receive "$A" --agency police --on 2025-05-11
expect_rc 1 "received in the future"
expect_err "--on: 2025-05-11 is after today" "future: message"
after "received in the future"
before "$A"
as mo agency receive "$A" --agency police --on 2025-02-30
expect_rc 1 "impossible received date"
expect_err "--on:" "impossible date: names --on"
after "impossible received date"
before "$A"
as mo agency receive "$A" --agency education --on 2025-05-02
expect_rc 1 "received before the death"
expect_err "--on: 2025-05-02 is before the death (2025-05-03)" "before death: message"
after "received before the death"
before "$A"
as mo agency receive "$A" --agency nhs --on 2025-05-10
expect_rc 1 "receive: unknown agency"
expect_err "--agency: 'nhs' is not an agency code; valid: gp" "receive: unknown agency message"
after "receive: unknown agency"
printf '[1, 2]\n' > "$T/array.json"
before "$A"
as mo agency receive "$A" --agency police --on 2025-05-10 --json "$T/array.json"
expect_rc 1 "form not an object"
expect_err "--json" "form not an object: names --json"
after "form not an object"
printf '{"a": \n' > "$T/broken.json"
before "$A"
as mo agency receive "$A" --agency police --on 2025-05-10 --json "$T/broken.json"
expect_rc 1 "form not JSON"
expect_err "not valid JSON" "form not JSON: message"
after "form not JSON"
as mo agency receive "$A" --agency police --on 2025-05-10 --json "$T/missing.json"
expect_rc 1 "form file missing"
as mo agency receive CDOP-2025-9999 --agency police --on 2025-05-10
expect_rc 1 "receive: unknown REF"
as mo agency receive "$A" --agency police
expect_rc 2 "receive without --on"

# -- roles
before "$A"
as pat agency request "$A" --agency education
expect_rc 3 "panel may not request"
expect_err "may not run 'agency request'" "panel: message"
after "panel request" 1
before "$A"
as ann agency receive "$A" --agency police --on 2025-05-10
expect_rc 3 "analyst may not receive"
after "analyst receive" 1
as pat agency due; expect_rc 3 "panel may not list agency due"
as ada agency due; expect_rc 3 "admin may not list agency due"

# -- agency due: requested, not received, open cases; most overdue first
as mo agency due --json
expect_rc 0 "agency due"
py '[(x["ref"], x["agency"]) for x in d] == [("'"$B"'", "gp"), ("'"$A"'", "hospital"),
    ("'"$B"'", "police"), ("'"$A"'", "police")]' "agency due order"
py 'd[0] == {"ref": "'"$B"'", "agency": "gp", "requested": "2025-04-22", "due": "2025-05-01",
    "status": "overdue", "days_overdue": 9}' "most overdue first, days overdue"
py 'd[1]["days_overdue"] == 4 and d[1]["status"] == "overdue"' "then the next overdue"
py 'd[2] == {"ref": "'"$B"'", "agency": "police", "requested": "2025-04-22", "due": "2025-05-20",
    "status": "outstanding", "days_left": 10}' "then due soonest, days left"
py 'not any(x["agency"] in ("gp", "coroner") and x["ref"] == "'"$A"'" for x in d)' "received left out"
py 'not any(k in json.dumps(d) for k in ("Example", "Second", "Amy", "Zebediah"))' "agency due: no names"
as mo agency due
expect_rc 0 "agency due text"
expect_out "9 overdue" "agency due text: days overdue"
expect_out "10 left" "agency due text: days left"
as mo agency due extra
expect_rc 2 "agency due with an argument"
# a closed case leaves the list
# (a case is closed only once reviewed; a transferred case leaves too)
printf '{"child": {"resident": false}}' > "$T/nonres.json"
as mo case update "$B" --json "$T/nonres.json"
as mo case status "$B" transferred
expect_rc 1 "transfer with reports outstanding needs a reason"
expect_err "agency reports outstanding" "says which"
as mo case status "$B" transferred --reason "moved to Devon: their CDOP chases the reports"
expect_rc 0 "transfer a non-resident case"
as mo agency due --json
py '[(x["ref"], x["agency"]) for x in d] == [("'"$A"'", "hospital"), ("'"$A"'", "police")]' \
   "closed case left out"

# -- the form travels in the export and back through import
as mo export --out "$T/export.jsonl"
if [ "$RC" -eq 0 ]; then
  # (by lib.sh's python coprocess, d the form: not a python start)
  py_eval "$T/form.json" '(lambda gp: bool(gp) and gp[0]["form"] == d)([a
      for l in open("'"$T/export.jsonl"'") if l.strip() for a in json.loads(l).get("agency_reports", [])
      if a["agency"] == "gp" and "form" in a])' && pass || fail "export lacks agency_reports[].form"
  REG2="$T/reg2.cdop"
  # (raw: through the fork server, not an exec each)
  raw --register "$REG2" --passphrase-file "$T/ada.pass" init --admin ada --kdf test \
    --recovery-out "$T/rec2.txt"
  raw --register "$REG2" --user ada --passphrase-file "$T/ada.pass" user add mo \
    --role manager --new-passphrase-file "$T/mo.pass"
  raw --register "$REG2" --user mo --passphrase-file "$T/mo.pass" import "$T/export.jsonl"
  expect_rc 0 "import the export"
  raw --register "$REG2" --user mo --passphrase-file "$T/mo.pass" export --out "$T/export2.jsonl"
  expect_rc 0 "export again"
  same_file "$T/export.jsonl" "$T/export2.jsonl" && pass || fail "export, import, export differs"
else
  fail "export failed: $(head -c 300 "$T/err")"
fi

for sub in request receive due; do
  raw agency "$sub" --help
  expect_rc 0 "agency $sub --help"
  expect_out "usage: cdop agency $sub" "agency $sub --help usage"
done
as ada audit verify; expect_rc 0 "audit chain intact"
as ada check; expect_rc 0 "check"
finish
