#!/usr/bin/env bash
# Issue 11, figures that stay true after edits:
# D1 due times follow corrections of the death's date, time or expectedness
#    (done actions too); an action without a due time is never within target.
# D2 they follow from the target in force at notification, not today's.
# D3 a date of death after the reviewing meeting is refused (death.date).
# D6 an amendment's meeting is on or after the first review's.
. "$(dirname "$0")/lib.sh"
export CDOP_TODAY=2025-10-01
from_template
M() { as mo "$@"; }
n() { # surname nhs death time expected
  cat <<EOJ
{"child": {"forename": "Kit", "surname": "$1", "nhs_number": "$2", "date_of_birth": "2024-01-10",
 "sex": "male", "resident": true},
 "death": {"date": "$3", $4 "place": "home", "expected": "$5"},
 "notified": {"date": "$3", "by_agency": "police"}}
EOJ
}
due_of() { # REF ACTION -> prints due
  M rr list "$1" --json
  python3 -c "import json,sys; print([a.get('due') for a in json.load(open(sys.argv[1])) if a['action']==sys.argv[2]][0])" "$T/out" "$2"
}
n Xander 9434765919 2025-05-03 '"time": "14:20",' unexpected > "$T/x.json"
n Yardley 4010232137 2025-06-01 '' expected > "$T/y.json"
M notify --json "$T/x.json"; text_of X "$T/out"
M notify --json "$T/y.json"; text_of Y "$T/out"
M rr add "$X" --action home_visit --on 2025-05-04T10:00; expect_rc 0 "x home visit"
M rr add "$Y" --action home_visit --on 2025-06-02T09:00; expect_rc 0 "y home visit (expected death)"

# D1: the death was earlier than first written: the done visit is now late
echo '{"death": {"time": "07:00"}}' > "$T/p.json"
M case update "$X" --json "$T/p.json"; expect_rc 0 "time corrected"
[ "$(due_of "$X" home_visit)" = "2025-05-04T07:00" ] && pass || fail "done action not re-timed: $(due_of "$X" home_visit)"
M rr list "$X" --json
python3 -c "import json,sys; a=[a for a in json.load(open(sys.argv[1])) if a['action']=='home_visit'][0]; assert a['status']=='done_late', a" "$T/out" && pass || fail "done action not late after correction"
# D1: expected -> unexpected gives every action a due time, the done one too
echo '{"death": {"expected": "unexpected"}}' > "$T/p.json"
M case update "$Y" --json "$T/p.json"; expect_rc 0 "expected -> unexpected"
[ "$(due_of "$Y" home_visit)" = "2025-06-02T00:00" ] && pass || fail "done action of a newly unexpected death has no due time"
[ "$(due_of "$Y" police_informed)" = "2025-06-02T00:00" ] && pass || fail "missing actions not made"
M report annual --year 2025-26 --edition board --format json --out "$T/r.json"; expect_rc 0 "board report"
python3 - "$T/r.json" <<'PY' && pass || fail "joint agency response counts after corrections"
import json, sys
t = json.load(open(sys.argv[1]))['tables']['joint_agency_response']
row = [r for r in t['rows'] if r['label'] == 'home_visit'][0]
assert row['cells'] == [2, 2, 0], row
PY
# and back: unexpected -> expected takes the response away, keeping what was done
echo '{"death": {"expected": "expected"}}' > "$T/u1.json"; M case update "$Y" --json "$T/u1.json"; expect_rc 0 "unexpected -> expected"
M rr list "$Y" --json
python3 -c "import json,sys; a=json.load(open(sys.argv[1])); assert [x['action'] for x in a]==['home_visit'] and a[0]['due'] is None, a" "$T/out" && pass || fail "expected death keeps only done actions, untimed"

# D2: a target changed after notification does not move this case's due times
n Zeller 4857773457 2025-07-01 '"time": "10:00",' unexpected > "$T/z.json"
M notify --json "$T/z.json"; text_of Z "$T/out"
M rr target home_visit 12h; expect_rc 0 "target changed"
echo '{"child": {"local_authority": "Wiltshire"}}' > "$T/u2.json"; M case update "$Z" --json "$T/u2.json"; expect_rc 0 "typo fixed"
[ "$(due_of "$Z" home_visit)" = "2025-07-02T10:00" ] && pass || fail "typo fix moved a due time: $(due_of "$Z" home_visit)"
echo '{"death": {"time": "11:00"}}' > "$T/u3.json"; M case update "$Z" --json "$T/u3.json"; expect_rc 0 "time corrected"
[ "$(due_of "$Z" home_visit)" = "2025-07-02T11:00" ] && pass || fail "re-timed with today's target: $(due_of "$Z" home_visit)"
# a case notified after the change keeps the 12h target through corrections
n Quill 1234567881 2025-08-01 '"time": "10:00",' unexpected > "$T/q.json"
M notify --json "$T/q.json"; text_of Q "$T/out"; expect_rc 0 "notify after target change"
M rr target home_visit 24h
echo '{"death": {"time": "09:00"}}' > "$T/u4.json"; M case update "$Q" --json "$T/u4.json"
[ "$(due_of "$Q" home_visit)" = "2025-08-01T21:00" ] && pass || fail "target at notification not kept: $(due_of "$Q" home_visit)"

# D3: a reviewed case's death cannot move after its meeting
M case status "$X" gathering; M case status "$X" ready
M meeting new --date 2025-09-10; text_of MT "$T/out"
M meeting add "$MT" "$X"
cat > "$T/rev.json" <<'EOJ'
{"category": 10, "domains": {"child": 1, "social_environment": 1, "physical_environment": 1,
 "service_provision": 1}, "modifiable": "no", "themes": [], "learning_publishable": false,
 "recommendations": [], "referred_for_review": false}
EOJ
as pat review "$X" --meeting "$MT" --json "$T/rev.json"; expect_rc 0 "review"
echo '{"death": {"date": "2025-09-20"}, "notified": {"date": "2025-09-21"}}' > "$T/u5.json"; M case update "$X" --json "$T/u5.json" --reason "date of death corrected"
expect_rc 1 "death after the review refused"; expect_err "death.date" "names the field"
M report annual --year 2025-26 --edition board --format json --out "$T/r2.json"; expect_rc 0 "report still runs"

# D3: nor a review at a meeting held before the death
M case status "$Q" gathering; M case status "$Q" ready
M meeting new --date 2025-07-15; text_of OLD "$T/out"
M meeting add "$OLD" "$Q"
as pat review "$Q" --meeting "$OLD" --json "$T/rev.json"; expect_rc 1 "review before the death refused"
expect_err "before the death" "says why"

# D6: an amendment at a meeting before the first review is refused
M meeting new --date 2025-09-01; text_of EARLY "$T/out"
M meeting add "$EARLY" "$X"; expect_rc 0 "reviewed case on an earlier agenda"
as pat review "$X" --meeting "$EARLY" --json "$T/rev.json"; expect_rc 1 "amendment before the first review"
expect_err "--meeting" "names the meeting flag"
M meeting new --date 2025-09-10; text_of SAME "$T/out"
M meeting add "$SAME" "$X"
as pat review "$X" --meeting "$SAME" --json "$T/rev.json"; expect_rc 0 "amendment on the same day"
finish
