#!/usr/bin/env bash
# Corrections and the case's story: case history (old and new values, who,
# when, why), status moves back with a reason, closing with reports
# outstanding, updates to reviewed cases, meeting show/remove, duplicate
# attendance, action reopen, action done today, case show and case print.
. "$(dirname "$0")/lib.sh"

from_template
export CDOP_TODAY=2025-06-10

# py EXPR WHAT: lib.sh
cat > "$T/a.json" <<'EOF'
{"child": {"forename": "Ottoline", "surname": "Vexworthy", "date_of_birth": "2024-03-01",
           "sex": "female", "nhs_number": "9434765919", "postcode": "ZZ9 4QQ", "resident": true,
           "education_setting": "nursery"},
 "death": {"date": "2025-05-03", "time": "14:20", "place": "home", "expected": "unexpected",
           "cause": "1a Sudden unexpected death in infancy", "post_mortem": "yes", "coroner": "referred"},
 "notified": {"date": "2025-05-04", "by_agency": "hospital"}}
EOF
as mo notify --json "$T/a.json"; text_of A "$T/out"

# -- case update: old and new values in the history, identifiable ones withheld
echo '{"death": {"time": "15:45", "coroner": "inquest_opened"}, "child": {"postcode": "ZZ9 4QR"}}' > "$T/u.json"
as mo case update "$A" --json "$T/u.json"
expect_rc 0 "update"
as mo case history "$A" --json
expect_rc 0 "case history --json"
py 'd[0]["action"] == "notify" and d[0]["user"] == "mo" and d[0]["at"]' "notify first, who and when"
py '{"path": "death.time", "old": "14:20", "new": "15:45"} in d[1]["changes"]' "old and new time"
py '{"path": "death.coroner", "old": "referred", "new": "inquest_opened"} in d[1]["changes"]' "old and new coroner"
py '{"path": "child.postcode", "identifiable": True, "old": "ZZ9 4QQ", "new": "ZZ9 4QR"} in d[1]["changes"]' "identifiable field: the manager sees its sealed values"
as mo case history "$A"
expect_rc 0 "case history (text)"
expect_out "death.time: 14:20 -> 15:45" "text shows old -> new"
expect_out "child.postcode: ZZ9 4QQ -> ZZ9 4QR" "text: identifiable values opened for the manager"
as pat case history "$A"
expect_rc 3 "panel may not read history"
as ada audit list --json
file_lacks "$T/out" "ZZ9 4QR" "no identifiable value in the trail"
file_lacks "$T/out" "Vexworthy" "no name in the trail"

# -- status: back one step with a reason; never a skip
as mo case status "$A" gathering; expect_rc 0 "forward"
as mo case status "$A" ready; expect_rc 0 "forward again"
as mo case status "$A" gathering
expect_rc 1 "back without a reason"
expect_err "--reason" "names --reason"
as mo case status "$A" notified --reason "typo"
expect_rc 1 "a skip back is refused, even with a reason"
expect_err "one step" "says one step at a time"
as mo case status "$A" gathering --reason "police report arrived incomplete"
expect_rc 0 "back one step with a reason"
as mo case history "$A" --json
py 'd[-1]["action"] == "status" and d[-1]["changes"] == [{"path": "status", "old": "ready", "new": "gathering"}] and d[-1]["reason"] == "police report arrived incomplete"' "status correction in history with its reason"

# -- meeting: show, duplicate attendance, remove
as mo case status "$A" ready
as mo meeting new --date 2025-06-09 --chair "Dr Chair"; text_of M "$T/out"
as mo meeting new --date 2025-06-20; text_of M2 "$T/out"
as mo meeting add "$M" "$A"; expect_rc 0 "meeting add"
as mo meeting attend "$M" --name "Pat Panel" --agency police --role DI
expect_rc 0 "attend"
as mo meeting attend "$M" --name "pat panel " --agency police
expect_rc 1 "duplicate attendance refused"
expect_err "already recorded" "says so"
as mo meeting attend "$M" --name "Pat Panel" --agency public_health
expect_rc 0 "same name for another agency"
as pat meeting show "$M" --json
expect_rc 0 "panel: meeting show"
py 'd["date"] == "2025-06-09" and d["chair"] == "Dr Chair" and [c["ref"] for c in d["cases"]] == ["'"$A"'"] and len(d["attendance"]) == 2' "meeting show json"
as mo meeting show "$M"
expect_out "Pat Panel" "meeting show text"
expect_out "$A" "agenda in text"
as mo meeting remove "$M" "$A"
expect_rc 0 "meeting remove"
as mo case show "$A" --json
py 'd["status"] == "ready"' "off its only agenda: ready again"
as mo meeting show "$M" --json
py 'd["cases"] == []' "agenda empty"
as mo meeting remove "$M" "$A"
expect_rc 1 "remove a case not on the agenda"
as pat meeting remove "$M" "$A"
expect_rc 3 "panel may not remove"

# -- review, then: update needs a reason; close with outstanding reports
as mo meeting add "$M" "$A"
cat > "$T/rev.json" <<'EOF'
{"category": 10, "domains": {"child": 1, "social_environment": 2, "physical_environment": 1, "service_provision": 1},
 "modifiable": "yes", "themes": ["safe_sleeping"], "learning": "Safe sleep advice.", "learning_publishable": true,
 "recommendations": [{"text": "Safe sleep campaign", "owner": "public_health", "due": "2025-09-30"}],
 "referred_for_review": false}
EOF
as mo review "$A" --meeting "$M" --json "$T/rev.json"; expect_rc 0 "review"
as mo meeting remove "$M" "$A"
expect_rc 1 "a case reviewed at the meeting stays"
echo '{"death": {"date": "2025-05-02"}}' > "$T/u2.json"
as mo case update "$A" --json "$T/u2.json"
expect_rc 1 "update of a reviewed case without --reason"
expect_err "--reason" "names --reason"
as mo case update "$A" --json "$T/u2.json" --reason "date of death corrected from the MCCD"
expect_rc 0 "update of a reviewed case with --reason"
as mo case history "$A" --json
py 'd[-1]["action"] == "update" and d[-1]["reason"] == "date of death corrected from the MCCD" and {"path": "death.date", "old": "2025-05-03", "new": "2025-05-02"} in d[-1]["changes"]' "reasoned update in history"
as mo agency request "$A" --agency gp
as mo agency request "$A" --agency police
as mo case status "$A" closed
expect_rc 1 "close with reports outstanding"
expect_err "2 agency reports outstanding (gp, police)" "says which"
expect_err "--reason" "asks for --reason"
as mo case status "$A" closed --reason "reports no longer needed after inquest"
expect_rc 0 "close with a reason"
as mo case history "$A" --json
py 'd[-1]["outstanding"] == "gp, police" and d[-1]["reason"]' "closing recorded with the reports dropped"
as mo case status "$A" reviewed
expect_rc 1 "closed -> reviewed without a reason"
as mo case status "$A" reviewed --reason "closed by mistake"
expect_rc 0 "closed -> reviewed with a reason"

# -- actions: done today by default, reopen with a reason
as mo action list --json
ID=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[0]["id"])' "$T/out")
as mo action done "$ID"
expect_rc 0 "action done without --on"
expect_out "done on 2025-06-10" "done today"
as mo action reopen "$ID"
expect_rc 2 "reopen without --reason"
expect_err "missing --reason" "names --reason"
as mo action reopen "$ID" --reason "campaign not yet launched"
expect_rc 0 "reopen"
as mo action list --json
py 'd[0]["status"] != "done" and d[0]["done_on"] is None' "open again"
as mo action reopen "$ID" --reason again
expect_rc 1 "reopen an open action"
as mo action done "$ID" --on 09/06/2025
expect_out "done on 2025-06-09" "action done --on DD/MM/YYYY"
as mo case history "$A" --json
py 'any(e["action"] == "action_reopen" and e["reason"] == "campaign not yet launched" for e in d)' "reopen in the case's history"

# -- case show: a readable summary; JSON unchanged in shape
as mo case show "$A"
expect_rc 0 "case show"
expect_out "Age at death:" "age at death"
expect_out "1 year 2 months" "age in years and months"
expect_out "Days since death:" "days since death"
expect_out "Waiting for:" "what it waits for"
expect_out "Cause of death:" "grouped labels"
expect_out "Inquest opened" "code labels"
if file_has "$T/out" "null" -F; then fail "null lines in case show: $(grep null "$T/out")"; else pass; fi
if grep -q "notification\.child" "$T/out"; then fail "raw paths in case show"; else pass; fi
as mo case show "$A" --json
py 'set(d) >= {"ref", "status", "notification", "rapid_response", "agency_reports", "review", "recommendations"}' "JSON shape"
as pat case show "$A"
expect_rc 0 "panel case show"
for s in Ottoline Vexworthy 9434765919 "ZZ9" "2024-03-01" "Sudden unexpected death in infancy" "Days since death"; do
  file_lacks "$T/out" "$s" "panel case show"
done

# -- case print: one page, identifiable for the manager, anonymised for the panel
as mo case print "$A" --out "$T/a.html"
expect_rc 0 "case print"
file_has "$T/a.html" "Ottoline" -F && pass || fail "manager's print names the child"
file_has "$T/a.html" "Waiting for" -F && pass || fail "print: waiting for"
as mo case print "$A" --out "$T/a.html"
expect_rc 1 "print never replaces a file"
as pat case print "$A" --out "$T/p.html"
expect_rc 0 "panel case print"
for s in Ottoline Vexworthy 9434765919 "ZZ9" "2024-03-01" "Sudden unexpected death"; do
  file_lacks "$T/p.html" "$s" "panel print"
done
file_has "$T/p.html" "Anonymised" -F && pass || fail "panel print says anonymised"
if grep -qiE "https?://" "$T/p.html"; then fail "print fetches from the network"; else pass; fi

finish
