#!/usr/bin/env bash
# The manager's day: today (one list, in days; its figures are the three
# due lists') and search (name, NHS number, date of birth, postcode, ref).
. "$(dirname "$0")/lib.sh"

from_template
export CDOP_TODAY=2025-06-10

# py EXPR WHAT: lib.sh
# mknote FILE FORENAME SURNAME DOB DEATH EXPECTED NOTIFIED [NHS] [POSTCODE]
mknote() {
  local extra=""
  [ -n "${8:-}" ] && extra="$extra \"nhs_number\": \"$8\","
  [ -n "${9:-}" ] && extra="$extra \"postcode\": \"$9\","
  cat > "$1" <<EOF
{"child": {"forename": "$2", "surname": "$3", "date_of_birth": "$4", $extra
           "sex": "female", "resident": true},
 "death": {"date": "$5", "time": "09:00", "place": "home", "expected": "$6"},
 "notified": {"date": "$7", "by_agency": "hospital"}}
EOF
}
notify() { as mo notify --json "$1"; [ "$RC" -eq 0 ] || { echo "notify: $(cat "$T/err")" >&2; exit 1; }; text_of CASE "$T/out"; }

mknote "$T/a.json" Amy Hartley 2024-03-01 2025-06-01 unexpected 2025-06-02 "943 476 5919" "SN1 1AA"
notify "$T/a.json"; A=$CASE
mknote "$T/b.json" Ben "Smith-Jones" 2020-01-15 2025-05-20 expected 2025-05-21
notify "$T/b.json"; B=$CASE
mknote "$T/c.json" Cara Hartley 2019-07-04 2025-06-09 expected 2025-06-10
notify "$T/c.json"; C=$CASE
as mo agency request "$A" --agency gp --on 03/06/2025 --due 2025-06-05   # overdue 5 days
expect_rc 0 "agency request --on DD/MM/YYYY"
as mo agency request "$A" --agency police --due 2025-06-10      # due today
as mo agency request "$B" --agency education --due 2025-06-20   # in 10 days
as mo case status "$B" gathering; as mo case status "$B" ready
as mo rr add "$A" --action notified_ncmd --on 2025-06-03
expect_rc 0 "rr add notified_ncmd"

# -- today: the JSON and its figures against rr due, agency due, action list
as mo today --json
expect_rc 0 "today --json"
cp "$T/out" "$T/today.json"
py 'd["date"] == "2025-06-10"' "today's date"
py 'all("hours" not in k for i in d["items"] for k in i)' "days, never hours"
py 'all(i["status"] in ("overdue", "due_today", "upcoming") for i in d["items"])' "statuses"
py 'd["summary"]["total"] == len(d["items"])' "total"
py 'any(i["kind"] == "ready_for_panel" and i["ref"] == "'"$B"'" for i in d["items"])' "ready case listed"
py 'any(i["kind"] == "agency_form" and i["what"] == "gp" and i["days_overdue"] == 5 for i in d["items"])' "gp 5 days overdue"
py 'any(i["kind"] == "agency_form" and i["what"] == "police" and i["status"] == "due_today" for i in d["items"])' "police due today"
py 'any(i["kind"] == "agency_form" and i["what"] == "education" and i["days_left"] == 10 for i in d["items"])' "education in 10 days"
py 'any(i.get("name") == "Amy Hartley" for i in d["items"])' "manager sees names"
# NCMD clock: due 2 days after notification; A is done, B overdue, C upcoming
py '[i["ref"] for i in d["items"] if i["kind"] == "statutory_clock"] == ["'"$B"'", "'"$C"'"]' "ncmd clocks"
py '[i for i in d["items"] if i["kind"] == "statutory_clock"][0]["days_overdue"] == 18' "ncmd overdue days"
py '[i for i in d["items"] if i["kind"] == "statutory_clock"][1]["due"] == "2025-06-12"' "ncmd due 48h after"
py 'd["items"][0]["status"] == "overdue" and d["items"][-1]["status"] != "overdue"' "overdue first"
py '[i["days_overdue"] for i in d["items"] if i["status"] == "overdue"] == sorted([i["days_overdue"] for i in d["items"] if i["status"] == "overdue"], reverse=True)' "most overdue first"

figures() { python3 - "$T/today.json" "$T/rr.json" "$T/ag.json" "$T/act.json" <<'PY'
import json, sys
t, rr, ag, act = (json.load(open(f)) for f in sys.argv[1:])
k = t["summary"]["by_kind"]
ok = (k["joint_agency_response"]["total"] == len(rr) and
      k["joint_agency_response"]["overdue"] == sum(1 for x in rr if x["status"] == "overdue") and
      k["agency_form"]["total"] == len(ag) and
      k["agency_form"]["overdue"] == sum(1 for x in ag if x["status"] == "overdue") and
      k["recommendation"]["total"] == sum(1 for x in act if x["status"] != "done") and
      k["recommendation"]["overdue"] == sum(1 for x in act if x["status"] == "overdue"))
print(k, len(rr), len(ag), len(act))
sys.exit(0 if ok else 1)
PY
}
as mo rr due --json; cp "$T/out" "$T/rr.json"
as mo agency due --json; cp "$T/out" "$T/ag.json"
as mo action list --json; cp "$T/out" "$T/act.json"
figures >/dev/null && pass || fail "today's figures equal rr due, agency due and action list: $(figures)"
python3 -c 'import json,sys; sys.exit(0 if len(json.load(open(sys.argv[1]))) == 7 else 1)' "$T/rr.json" && pass || fail "seven rr actions due"

# with a review and recommendations (one overdue, one not)
as mo meeting new --date 2025-06-08; text_of M "$T/out"
as mo meeting add "$M" "$B"
cat > "$T/rev.json" <<'EOF'
{"category": 6, "domains": {"child": 1, "social_environment": 1, "physical_environment": 1, "service_provision": 2},
 "modifiable": "yes", "themes": [], "learning": "x", "learning_publishable": false,
 "recommendations": [{"text": "Audit discharge letters", "owner": "hospital", "due": "2025-06-09"},
                     {"text": "Leaflet", "owner": "public_health", "due": "2025-09-30"}],
 "referred_for_review": false}
EOF
as mo review "$B" --meeting "$M" --json "$T/rev.json"
expect_rc 0 "review"
as mo today --json; cp "$T/out" "$T/today.json"
as mo action list --json; cp "$T/out" "$T/act.json"
as mo rr due --json; cp "$T/out" "$T/rr.json"
as mo agency due --json; cp "$T/out" "$T/ag.json"
figures >/dev/null && pass || fail "figures with recommendations: $(figures)"
cp "$T/today.json" "$T/out"
py 'any(i["kind"] == "recommendation" and i["days_overdue"] == 1 for i in d["items"])' "recommendation 1 day overdue"
py 'not any(i["kind"] == "ready_for_panel" for i in d["items"])' "a scheduled case is no longer ready"

# -- the text listing: days
as mo today
expect_rc 0 "today"
expect_out "5 days overdue" "text in days"
expect_out "due today" "due today"
expect_out "Amy Hartley" "names in the text"
if grep -qE '[0-9]+h ' "$T/out"; then fail "hours in today: $(cat "$T/out")"; else pass; fi

# -- the panel sees it anonymised; the analyst not at all
as pat today --json
expect_rc 0 "panel today"
py 'not any("name" in i for i in d["items"])' "panel: no names"
py 'not any(i["kind"] in ("joint_agency_response", "statutory_clock") for i in d["items"])' "panel: no death-timed items"
py 'not any("due" in i for i in d["items"] if i["kind"] != "recommendation")' "panel: no dates"
file_lacks "$T/out" Hartley "panel today"
as ann today
expect_rc 3 "analyst today"

# -- search: any part of a name, case-insensitive
as mo search hartley --json
expect_rc 0 "search name"
py 'sorted(x["ref"] for x in d) == sorted(["'"$A"'", "'"$C"'"])' "both Hartleys"
py 'all(x["matched"] == "name" for x in d)' "matched name"
as mo search "amy hart" --json
py '[x["ref"] for x in d] == ["'"$A"'"]' "forename and part of surname"
as mo search "smith-JONES" --json
py '[x["ref"] for x in d] == ["'"$B"'"]' "hyphenated surname"
as mo search "9434765919" --json
py '[x["ref"] for x in d] == ["'"$A"'"] and d[0]["matched"] == "nhs_number"' "NHS number"
as mo search "943 476 5919" --json
py '[x["ref"] for x in d] == ["'"$A"'"]' "NHS number spaced"
as mo search "15/01/2020" --json
py '[x["ref"] for x in d] == ["'"$B"'"] and d[0]["matched"] == "date_of_birth"' "DOB as DD/MM/YYYY"
as mo search "2020-01-15" --json
py '[x["ref"] for x in d] == ["'"$B"'"]' "DOB as ISO"
as mo search "4/7/2019" --json
py '[x["ref"] for x in d] == ["'"$C"'"]' "DOB with one-digit day and month"
as mo search "sn11aa" --json
py '[x["ref"] for x in d] == ["'"$A"'"] and d[0]["matched"] == "postcode"' "postcode, no space, lower case"
as mo search "SN1" --json
py '[x["ref"] for x in d] == ["'"$A"'"]' "outward code"
lower=$(echo "$B" | tr 'A-Z' 'a-z')
as mo search "$lower" --json
py '[x["ref"] for x in d] == ["'"$B"'"] and d[0]["matched"] == "reference"' "reference, lower case"
as mo search nobody-at-all --json
py 'd == []' "no match"
as mo search "Hartley"
expect_out "Amy Hartley" "search text listing"
as mo search "x"
expect_rc 1 "one character refused"
expect_err "TEXT" "names the argument"
as mo search
expect_rc 2 "search without TEXT"
as pat search Hartley
expect_rc 3 "panel may not search"
# audited, without the text
as ada audit list --json
py 'any(e["action"] == "search" for e in d)' "search audited"
file_lacks "$T/out" "hartley" "search text not in the audit"
file_lacks "$T/out" "Hartley" "search text not in the audit"

# -- lower-case references in case show
as mo case show "$lower" --json
expect_rc 0 "case show lower-case ref"
py 'd["ref"] == "'"$B"'"' "case show finds it"

finish
