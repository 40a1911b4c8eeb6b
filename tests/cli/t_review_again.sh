#!/usr/bin/env bash
# A review recorded again at the same meeting amends that meeting's record:
# its recommendations replace the ones recorded there before, in place (the
# same action numbers, done dates kept), and are not added a second time;
# a later meeting's recommendations are left alone (docs/guide.md §7).
. "$(dirname "$0")/lib.sh"
from_template
M() { as mo "$@"; [ "$RC" -eq 0 ] || fail "mo $*: exit $RC: $(head -c 300 "$T/err")"; }
# recs: "id made_on text done_on" a line, for the case, by id
recs() {
  M action list --json
  python3 -c '
import json, sys
for a in sorted(json.load(open(sys.argv[1])), key=lambda a: a["id"]):
    print(a["id"], a["made_on"], a["text"].replace(" ", "_"), a["done_on"])' "$T/out"
}
# form RECS_JSON: the review form with these recommendations
form() {
  cat <<EOJ
{"category": 10, "domains": {"child": 1, "social_environment": 2, "physical_environment": 1,
 "service_provision": 1}, "modifiable": "yes", "themes": ["safe_sleeping"],
 "learning": "Safe sleep advice", "learning_publishable": true,
 "recommendations": $1, "referred_for_review": false}
EOJ
}
want() { # want WHAT EXPECTED: recs prints EXPECTED
  local got; got=$(recs)
  if [ "$got" = "$2" ]; then pass; else fail "$1: got
$got
want
$2"; fi
}

export CDOP_TODAY=2024-05-10
cat > "$T/a.json" <<'EOJ'
{"child": {"forename": "Ottoline", "surname": "Brackenbury", "date_of_birth": "2023-02-01",
           "sex": "female", "resident": true, "ethnicity": "A"},
 "death": {"date": "2024-05-03", "place": "home", "expected": "unexpected"},
 "notified": {"date": "2024-05-04", "by_agency": "hospital"}}
EOJ
M notify --json "$T/a.json"; text_of A "$T/out"
M case status "$A" gathering
M case status "$A" ready
M meeting new --date 2024-06-10; text_of M1 "$T/out"
M meeting new --date 2024-09-01; text_of M2 "$T/out"
M meeting add "$M1" "$A"
export CDOP_TODAY=2024-06-10
form '[{"text": "Leaflet", "owner": "public_health", "due": "2024-12-31"},
       {"text": "Training", "owner": "health_visiting", "due": "2024-11-30"}]' > "$T/r1.json"
M review "$A" --meeting "$M1" --json "$T/r1.json"
want "the first review's two" "1 2024-06-10 Leaflet None
2 2024-06-10 Training None"

# the same form again at the same meeting: not twice
M review "$A" --meeting "$M1" --json "$T/r1.json"
want "recorded twice at one meeting, its recommendations once" "1 2024-06-10 Leaflet None
2 2024-06-10 Training None"
M audit list --case "$A" --json
python3 -c '
import json, sys
acts = [e["action"] for e in json.load(open(sys.argv[1]))]
assert acts.count("review") == 1 and acts.count("review_amend") == 1, acts' "$T/out" \
  && pass || fail "the second record is an amendment in the trail"

export CDOP_TODAY=2024-07-01
M action done 1 --on 2024-06-30
# corrected at the same meeting: one recommendation, reworded
form '[{"text": "Leaflet for parents", "owner": "public_health", "due": "2025-01-31"}]' > "$T/r2.json"
M review "$A" --meeting "$M1" --json "$T/r2.json"
want "the meeting's list replaced in place: number and done date kept, the extra one gone" \
  "1 2024-06-10 Leaflet_for_parents 2024-06-30"
as mo case history "$A" --json
python3 -c '
import json, sys
h = json.load(open(sys.argv[1]))
last = [e for e in h if e.get("action") == "review_amend"][-1]
paths = {c["path"]: c for c in last["changes"]}
assert paths["recommendations[0].text"]["old"] == "Leaflet", paths
assert paths["recommendations[0].text"]["new"] == "Leaflet for parents", paths
assert paths["recommendations[1].text"]["new"] is None, paths' "$T/out" \
  && pass || fail "history: the rewording and the removal, old and new: $(head -c 600 "$T/out")"

# a later meeting adds its own; the removed one's number (2) is never given
# again (schema 22: an audit entry about action 2 names only the removed one)
export CDOP_TODAY=2024-09-01
M meeting add "$M2" "$A"
form '[{"text": "Audit sleep checks", "owner": "health_visiting", "due": "2025-10-01"}]' > "$T/r3.json"
M review "$A" --meeting "$M2" --json "$T/r3.json"
want "a later meeting adds" "1 2024-06-10 Leaflet_for_parents 2024-06-30
3 2024-09-01 Audit_sleep_checks None"

# the first meeting's record corrected after the later one: only its own change,
# and the review still stands at the later meeting (the export's amendment)
form '[{"text": "Leaflet for carers", "owner": "public_health", "due": "2025-01-31"}]' > "$T/r4.json"
M review "$A" --meeting "$M1" --json "$T/r4.json"
want "the first meeting's record corrected later" "1 2024-06-10 Leaflet_for_carers 2024-06-30
3 2024-09-01 Audit_sleep_checks None"
# a record without recommendations leaves the meeting's as they are
python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); del r["recommendations"]; print(json.dumps(r))' \
  "$T/r4.json" > "$T/r5.json"
M review "$A" --meeting "$M1" --json "$T/r5.json"
want "no recommendations given: kept" "1 2024-06-10 Leaflet_for_carers 2024-06-30
3 2024-09-01 Audit_sleep_checks None"
M export --out "$T/e.jsonl"
grep -F '"Ottoline"' "$T/e.jsonl" | python3 -c '
import json, sys
rv = json.loads(sys.stdin.read())["review"]
assert rv["meeting_date"] == "2024-06-10", rv
assert [r["text"] for r in rv["recommendations"]] == ["Leaflet for carers"], rv
assert [(a["meeting_date"], [r["text"] for r in a["recommendations"]]) for a in rv["amendments"]] \
    == [("2024-09-01", ["Audit sleep checks"])], rv' && pass || fail "export after the corrections"

# A flagged recommendation (a panel member's text naming the child, found at
# a manager's unlock) is rewritten by recording the review again at the
# meeting that made it: the same action, its text checked (guide §7).
export CDOP_TODAY=2024-09-10
sed 's/Ottoline/Wilberforce/; s/Brackenbury/Quennell/; s/2024-05-03/2024-08-01/; s/2024-05-04/2024-08-02/' \
  "$T/a.json" > "$T/b.json"
M notify --json "$T/b.json"; text_of B "$T/out"
M case status "$B" gathering
M case status "$B" ready
M meeting new --date 2024-09-10; text_of M3 "$T/out"
M meeting add "$M3" "$B"
form '[{"text": "Support the Quennell family", "owner": "public_health", "due": "2025-03-31"}]' > "$T/b1.json"
as pat review "$B" --meeting "$M3" --json "$T/b1.json"; expect_rc 0 "the panel's review, unchecked"
BID=$(recs | awk '$3 ~ /Quennell/ {print $1}')
M today --json
python3 - "$T/out" "$B" "$BID" <<'PY' && pass || fail "today: the recommendation to fix: $(head -c 600 "$T/out")"
import json, sys
f = [i for i in json.load(open(sys.argv[1]))["items"] if i["kind"] == "text_to_fix" and i["ref"] == sys.argv[2]]
assert len(f) == 1 and f[0]["what"] == "recommendation " + sys.argv[3] and "Quennell" not in f[0]["label"], f
PY
[ -n "$BID" ] && pass || fail "the flagged recommendation is an action"
# still naming the child: refused, naming the field
as mo review "$B" --meeting "$M3" --json "$T/b1.json"
expect_rc 1 "the manager's own record is checked as written"
expect_err "recommendations" "the refusal names the field"
# the recipe in the guide: the review from case show, that meeting's
# recommendations with the text rewritten
M case show "$B" --json
python3 - "$T/out" > "$T/b2.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))["review"]
for k in ("meeting", "meeting_date", "text_check"):
    r.pop(k, None)
r["recommendations"] = [{"text": "Support the family", "owner": "public_health", "due": "2025-03-31"}]
print(json.dumps(r))
PY
M review "$B" --meeting "$M3" --json "$T/b2.json"
[ "$(recs | awk -v id="$BID" '$1 == id {print $3}')" = Support_the_family ] && pass ||
  fail "the same action rewritten: $(recs)"
M today --json
python3 -c '
import json, sys
assert not [i for i in json.load(open(sys.argv[1]))["items"] if i["kind"] == "text_to_fix"]' "$T/out" \
  && pass || fail "nothing left to fix: $(head -c 600 "$T/out")"
M case show "$B" --json
python3 -c 'import json, sys; assert "to_fix" not in json.load(open(sys.argv[1]))' "$T/out" \
  && pass || fail "the case view lists nothing to fix"

finish
