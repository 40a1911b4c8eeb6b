#!/usr/bin/env bash
# Issue 14 / SPEC §2, §6: every change in the audit trail carries its old
# and new values; identifiable ones (and free text) are sealed under the
# manager's key inside the entry, covered by its hash and signature. The
# manager's `case history` opens them (old -> new); the admin's `audit list`
# shows "(sealed)" and, with the admin's own keys and the stock sqlcipher
# shell (tests/cli/insider.py), the raw database holds none of them;
# `audit verify` passes; a sealed value swapped between two entries is
# caught. A register from before migration 013 upgrades and says "not
# recorded" for its old identifiable changes.
. "$(dirname "$0")/lib.sh"
export CDOP_TODAY=2025-06-10
INS="/usr/bin/python3 $SRC/tests/cli/insider.py"

# py EXPR WHAT: lib.sh

from_template
cat > "$T/n.json" <<'EOF'
{"child": {"forename": "Ottoline", "surname": "Quarrendon", "date_of_birth": "2024-03-01",
           "sex": "female", "nhs_number": "9434765919", "postcode": "ZZ9 4QQ"},
 "death": {"date": "2025-05-03", "place": "home", "expected": "unexpected",
           "circumstances": "Found unresponsive by Aunt Marchbanks after a feed"},
 "notified": {"date": "2025-05-04", "by_agency": "hospital"}}
EOF
as mo notify --json "$T/n.json"; expect_rc 0 "notify"; text_of A "$T/out"
cat > "$T/u.json" <<'EOF'
{"child": {"surname": "Brackenbury"}, "death": {"place": "hospital_ward",
 "circumstances": "Collapsed at Wexcombe nursery, taken to hospital by Mr Tollard"}}
EOF
as mo case update "$A" --json "$T/u.json"; expect_rc 0 "update surname, place, circumstances"

# -- the manager: old -> new, identifiable ones opened
as mo case history "$A" --json; expect_rc 0 "history --json"
py 'd[-1]["action"] == "update" and {"path": "child.surname", "identifiable": True, "old": "Quarrendon", "new": "Brackenbury"} in d[-1]["changes"]' "surname old and new"
py '{"path": "death.circumstances", "identifiable": True, "old": "Found unresponsive by Aunt Marchbanks after a feed", "new": "Collapsed at Wexcombe nursery, taken to hospital by Mr Tollard"} in d[-1]["changes"]' "circumstances old and new"
py '{"path": "death.place", "old": "home", "new": "hospital_ward"} in d[-1]["changes"]' "a coded value in clear, old and new"
py 'd[0]["action"] == "notify" and {"path": "child.surname", "identifiable": True, "old": None, "new": "Quarrendon"} in d[0]["changes"] and {"path": "death.expected", "old": None, "new": "unexpected"} in d[0]["changes"]' "notify: every value given, as new"
as mo case history "$A"; expect_rc 0 "history (text)"
expect_out "child.surname: Quarrendon -> Brackenbury" "text: surname old -> new"
expect_out "death.circumstances: Found unresponsive by Aunt Marchbanks after a feed -> Collapsed at Wexcombe" "text: circumstances old -> new"
expect_out "death.place: home -> hospital_ward" "text: clear value"

# -- the admin: the trail without K_id
SECRETS="Quarrendon Brackenbury Marchbanks Wexcombe Tollard"
as ada audit list; expect_rc 0 "admin's audit list"
for s in $SECRETS; do file_lacks "$T/out" "$s" "admin's audit list"; done
expect_out '"old":"(sealed)"' "audit list says (sealed)"
expect_out '"path":"child.surname"' "audit list names the field changed"
expect_out '"new":"hospital_ward"' "audit list shows a coded value in clear"
as ada audit list --json; expect_rc 0 "admin's audit list --json"
for s in $SECRETS; do file_lacks "$T/out" "$s" "admin's audit list --json"; done
as ada audit verify; expect_rc 0 "audit verify without K_id"
as ada check; expect_rc 0 "check"
if command -v sqlcipher >/dev/null; then
  $INS read "$REG" "$REG.keys" ada "$(cat "$T/ada.pass")" $SECRETS >"$T/out" 2>"$T/err"; RC=$?
  expect_rc 0 "the raw database with the admin's keys: no old or new value, nothing opens"
  expect_out '"db": true' "the admin opens the database with the stock shell (the look is real)"
  py 'd["audit_sealed"] >= 2 and d["opened"] == 0 and d["leaked"] == []' "sealed audit values present, none opened or leaked"
  $INS read "$REG" "$REG.keys" mo "$(cat "$T/mo.pass")" Zzunusedzz >"$T/out" 2>"$T/err"; RC=$?
  py 'd["opened"] >= d["sealed"] + d["audit_sealed"] and d["audit_sealed"] >= 2' "the manager's keys open the sealed audit values (the tool works)"
else
  echo "note: no sqlcipher shell; the raw-database look is skipped"
fi

# -- the panel: no history; the panel's own writes are sealed too (age recipient)
as pat case history "$A"; expect_rc 3 "panel may not read history"

# -- swapping sealed values between two entries is caught
if command -v sqlcipher >/dev/null; then
  as ada audit list --json
  py_value SEQS '" ".join(str(e["seq"]) for e in d if e["action"] in ("notify", "update"))'
  set -- $SEQS; S1=$1; S2=$2
  for mode in plain rehash; do
    cp "$REG" "$T/s.cdop"; cp "$REG.keys" "$T/s.cdop.keys"
    $INS swap "$T/s.cdop" "$T/s.cdop.keys" ada "$(cat "$T/ada.pass")" "$S1" "$S2" $mode >"$T/out" 2>"$T/err"; RC=$?
    expect_rc 0 "admin swaps the sealed values of entries $S1 and $S2 ($mode)"
    raw --register "$T/s.cdop" --user ada --passphrase-file "$T/ada.pass" audit list
    expect_rc 0 "the swap passes the file MAC ($mode: the attack is real)"
    raw --register "$T/s.cdop" --user ada --passphrase-file "$T/ada.pass" audit verify
    expect_rc 4 "swap ($mode): audit verify"
    if [ $mode = plain ]; then expect_err "has been altered" "swap: the chain names it"
    else expect_err "signed by another user's key" "swap re-hashed: the signature names it"; fi
    raw --register "$T/s.cdop" --user ada --passphrase-file "$T/ada.pass" check
    expect_rc 4 "swap ($mode): check"
    raw --register "$T/s.cdop" --user mo --passphrase-file "$T/mo.pass" case history "$A"
    expect_rc 4 "swap ($mode): the manager's history refuses the moved values"
  done
  # the sealed values dropped from an entry whose detail says "(sealed)"
  cp "$REG" "$T/s.cdop"; cp "$REG.keys" "$T/s.cdop.keys"
  $INS swap "$T/s.cdop" "$T/s.cdop.keys" ada "$(cat "$T/ada.pass")" "$S2" 0 drop >"$T/out" 2>"$T/err"; RC=$?
  expect_rc 0 "admin drops the sealed values of entry $S2"
  raw --register "$T/s.cdop" --user ada --passphrase-file "$T/ada.pass" audit verify
  expect_rc 4 "drop: audit verify"
  raw --register "$T/s.cdop" --user mo --passphrase-file "$T/mo.pass" case history "$A"
  expect_rc 4 "drop: the manager's history says altered, not 'not recorded'"
  expect_err "holds none" "drop: named"
fi

# -- the other writers: rr add (by, notes sealed), agency request/receive
# (the form sealed), a panel member's review (sealed to the register's age
# recipient: the panel holds no K_id) and its amendment, action done/reopen
as mo rr add "$A" --action home_visit --on 2025-05-04 --by "DS Pelhamrow" --notes "spoke to Vantorel"
expect_rc 0 "rr add with names"
as mo rr add "$A" --action home_visit --on 2025-05-05 --by "DS Pelhamrow" --notes "spoke to Vantorel and Gristwood"
expect_rc 0 "rr add again: a correction"
as mo agency request "$A" --agency police --on 2025-05-06; expect_rc 0 "agency request"
printf '{"summary": "known to Sergeant Ormskirk"}\n' > "$T/form.json"
as mo agency receive "$A" --agency police --on 2025-05-20 --json "$T/form.json"; expect_rc 0 "agency receive with a form"
as mo meeting new --date 2025-06-05; expect_rc 0 "meeting"; text_of M "$T/out"
as mo case status "$A" gathering; expect_rc 0 "status"
as mo case status "$A" ready; expect_rc 0 "status again"
as mo meeting add "$M" "$A"; expect_rc 0 "on the agenda"
as mo meeting remove "$M" "$A"; expect_rc 0 "off the agenda"
as mo meeting add "$M" "$A"; expect_rc 0 "on the agenda again"
cat > "$T/rev.json" <<'EOF2'
{"category": 10, "domains": {"child": 1, "social_environment": 2, "physical_environment": 1, "service_provision": 1},
 "modifiable": "yes", "themes": ["safe_sleeping"], "learning": "Advice on Fennimore cots was unclear.", "learning_publishable": false,
 "recommendations": [{"text": "Safe sleep campaign", "owner": "public_health", "due": "2025-09-30"}],
 "referred_for_review": false}
EOF2
as pat review "$A" --meeting "$M" --json "$T/rev.json"; expect_rc 0 "the panel's review"
sed 's/Advice on Fennimore cots was unclear./Advice on Fennimore cots was missing./; s/"category": 10/"category": 9/; s/Safe sleep campaign", "owner": "public_health", "due": "2025-09-30/Cot leaflet from Dunnockfield clinic", "owner": "health_visiting", "due": "2025-10-31/' "$T/rev.json" > "$T/rev2.json"
# at a later meeting, which adds its recommendation (one recorded again at
# the same meeting would replace that meeting's: t_review_again)
as mo meeting new --date 2025-06-06; expect_rc 0 "a later meeting"; text_of M2 "$T/out"
as mo meeting add "$M2" "$A"; expect_rc 0 "on the later agenda"
as pat review "$A" --meeting "$M2" --json "$T/rev2.json"; expect_rc 0 "the panel amends it"
as mo action list --json
py_value ID 'd[0]["id"]'
as mo action done "$ID" --on 2025-06-08; expect_rc 0 "action done"
as mo action reopen "$ID" --reason "not finished"; expect_rc 0 "action reopen"
as mo case history "$A" --json; expect_rc 0 "history of every writer"
cat > "$T/want.py" <<'EOF2'
import json, sys
d = json.load(open(sys.argv[1]))
def ch(action):
    return [c for e in d if e["action"] == action for c in e.get("changes", [])]
assert {"path": "rapid_response.home_visit.by", "identifiable": True, "old": None, "new": "DS Pelhamrow"} in ch("rr_add"), ch("rr_add")
assert {"path": "rapid_response.home_visit.on", "old": "2025-05-04", "new": "2025-05-05"} in ch("rr_correct"), ch("rr_correct")
assert {"path": "rapid_response.home_visit.notes", "identifiable": True, "old": "spoke to Vantorel", "new": "spoke to Vantorel and Gristwood"} in ch("rr_correct")
assert not any(c["path"].endswith(".by") for c in ch("rr_correct")), "unchanged by is not a change"
assert {"path": "agency_reports.police.requested", "old": None, "new": "2025-05-06"} in ch("agency_request")
assert {"path": "agency_reports.police.form", "identifiable": True, "old": None, "new": {"summary": "known to Sergeant Ormskirk"}} in ch("agency_receive")
assert {"path": "learning", "identifiable": True, "old": None, "new": "Advice on Fennimore cots was unclear."} in ch("review"), ch("review")
assert {"path": "learning", "identifiable": True, "old": "Advice on Fennimore cots was unclear.", "new": "Advice on Fennimore cots was missing."} in ch("review_amend"), ch("review_amend")
assert {"path": "category", "old": 10, "new": 9} in ch("review_amend")
assert {"path": "recommendations[0].text", "identifiable": True, "old": None, "new": "Safe sleep campaign"} in ch("review"), ch("review")
assert {"path": "recommendations[0].owner", "old": None, "new": "public_health"} in ch("review")
assert {"path": "recommendations[0].due", "old": None, "new": "2025-09-30"} in ch("review")
assert {"path": "recommendations[1].text", "identifiable": True, "old": None, "new": "Cot leaflet from Dunnockfield clinic"} in ch("review_amend"), ch("review_amend")
assert {"path": "recommendations[1].owner", "old": None, "new": "health_visiting"} in ch("review_amend")
assert not any(c["path"].startswith("recommendations[0]") for c in ch("review_amend")), "the first recommendation stays"
assert {"path": "done_on", "old": None, "new": "2025-06-08"} in ch("action_done")
assert {"path": "done_on", "old": "2025-06-08", "new": None} in ch("action_reopen")
assert [e["reason"] for e in d if e["action"] == "action_reopen"] == ["not finished"]
assert [e["user"] for e in d if e["action"] == "review_amend"] == ["pat"]
assert {"path": "status", "old": "gathering", "new": "ready"} in ch("status")
rm_ = [e for e in d if e["action"] == "meeting_remove"]
assert len(rm_) == 1 and rm_[0]["detail"].startswith("meeting ") and rm_[0]["changes"] == [{"path": "agenda", "old": rm_[0]["detail"], "new": None}, {"path": "status", "old": "scheduled", "new": "ready"}], rm_
EOF2
python3 "$T/want.py" "$T/out" && pass || fail "history of every writer: $(python3 "$T/want.py" "$T/out" 2>&1 | tail -2)"
as mo case history "$A"
expect_out "rapid_response.home_visit.notes: spoke to Vantorel -> spoke to Vantorel and Gristwood" "text: rr notes old -> new"
expect_out "learning: Advice on Fennimore cots was unclear. -> Advice on Fennimore cots was missing." "text: the panel's sealed learning, opened"
expect_out "status: scheduled -> ready" "text: meeting remove, the change format"
expect_out "recommendations[1].text: (none) -> Cot leaflet from Dunnockfield clinic" "text: an amendment's recommendation, opened"

# -- audit list --case: the manager's opens the sealed values in place, the
# admin's keeps "(sealed)"; a manager only with --case
as mo audit list --case "$A" --json; expect_rc 0 "manager's audit list --case"
py 'all(e["object"] == "'"$A"'" or "'"$A"'" in e["detail"] for e in d) and {"path": "child.surname", "identifiable": True, "old": "Quarrendon", "new": "Brackenbury"} in [c for e in d if e["action"] == "update" for c in json.loads(e["detail"])["changes"]] and {"path": "recommendations[1].text", "identifiable": True, "old": None, "new": "Cot leaflet from Dunnockfield clinic"} in [c for e in d if e["action"] == "review_amend" for c in json.loads(e["detail"])["changes"]] and "(sealed)" not in json.dumps(d) and any(e["action"] == "history" for e in d)' "manager's list: the case's entries, sealed values opened (panel's 'a' and manager's 'k')"
as mo audit list --case "$A"; expect_rc 0 "manager's audit list --case (text)"
expect_out '"new":"Brackenbury","old":"Quarrendon"' "text: opened in the detail"
as ada audit list --case "$A" --json; expect_rc 0 "admin's audit list --case"
for s in $SECRETS Pelhamrow Vantorel Gristwood Ormskirk Fennimore Dunnockfield; do file_lacks "$T/out" "$s" "admin's audit list --case"; done
py 'len(d) >= 10 and all(e["object"] == "'"$A"'" or "'"$A"'" in e["detail"] for e in d) and not any(e["action"] == "config_set" for e in d) and "(sealed)" in json.dumps(d)' "admin's list --case: the case's entries, (sealed)"
as ada audit list --json
py 'any(e["action"] == "audit_list" and e["user"] == "mo" for e in d) and not any(e["action"] == "audit_list" and e["user"] == "ada" for e in d)' "the manager's opened list is audited"
as mo audit list; expect_rc 3 "manager without --case"
expect_err "--case REF" "manager without --case: says what is allowed"
as pat audit list --case "$A"; expect_rc 3 "panel: no audit list"
as mo case history "$A" --json
py 'not any(e["action"] == "audit_list" for e in d)' "reading the list is not a change in the history"

# -- config set: old -> new in clear, in the trail (the admin's list)
as ada config set panel.area "Wiltshire and Swindon"; expect_rc 0 "config set"
as ada config set panel.area "Swindon"; expect_rc 0 "config set again"
as ada config set panel.area ""; expect_rc 0 "config unset"
as ada audit list --json; expect_rc 0 "admin's list of settings"
py '[json.loads(e["detail"])["changes"] for e in d if e["action"] == "config_set"] == [[{"path": "panel.area", "old": None, "new": "Wiltshire and Swindon"}], [{"path": "panel.area", "old": "Wiltshire and Swindon", "new": "Swindon"}], [{"path": "panel.area", "old": "Swindon", "new": None}]]' "config set: old -> new in clear"
SECRETS2="Pelhamrow Vantorel Gristwood Ormskirk Fennimore Dunnockfield"
as ada audit list --json; expect_rc 0 "admin's list after every writer"
for s in $SECRETS2; do file_lacks "$T/out" "$s" "admin's audit list (every writer)"; done
expect_out 'recommendations[1].owner' "admin's list: the recommendation's owner in clear"
as ada audit verify; expect_rc 0 "audit verify after every writer"
if command -v sqlcipher >/dev/null; then
  $INS read "$REG" "$REG.keys" ada "$(cat "$T/ada.pass")" Pelhamrow Gristwood Ormskirk >"$T/out" 2>"$T/err"; RC=$?
  expect_rc 0 "raw database with the admin's keys: no rr or agency value"
fi

# -- rotation: after a user disable, values sealed under the old K_id epoch
# still open for the manager, and new ones are sealed under the new epoch
mkpass mo2
as ada user add mo2 --role manager --new-passphrase-file "$T/mo2.pass"; expect_rc 0 "a second manager"
as mo case list; expect_rc 0 "mo grants mo2's keys"
as ada user disable mo2; expect_rc 0 "disable mo2: rotation"
echo '{"child": {"surname": "Thistlewaite"}}' > "$T/u3.json"
as mo case update "$A" --json "$T/u3.json" --reason "surname corrected from the register office"; expect_rc 0 "update after the rotation"
as mo case history "$A" --json; expect_rc 0 "history across epochs"
py '{"path": "child.surname", "identifiable": True, "old": "Quarrendon", "new": "Brackenbury"} in [c for e in d for c in e.get("changes", [])] and {"path": "child.surname", "identifiable": True, "old": "Brackenbury", "new": "Thistlewaite"} in d[-1]["changes"] and d[-1]["reason"] == "surname corrected from the register office"' "old-epoch and new-epoch values both open"
as ada audit verify; expect_rc 0 "verify after the rotation"

# -- import: one entry per import (speed); the history shows the imported
# notification on its import line as new values, the current record with
# each later change undone
python3 - "$T/n.json" > "$T/imp.jsonl" <<'PY'
import json, sys
n = json.load(open(sys.argv[1]))
del n["child"]["nhs_number"]
n["child"].update(forename="Perpetua", surname="Ludgershall")
n["death"]["circumstances"] = "Found by Mr Inkpen"
print(json.dumps({"notification": n}))
PY
as mo import "$T/imp.jsonl"; expect_rc 0 "import one case"
as mo case list --json
py_value B 'max(c["ref"] for c in d)'
echo '{"child": {"surname": "Ashampstead"}, "death": {"circumstances": null}}' > "$T/u4.json"
as mo case update "$B" --json "$T/u4.json"; expect_rc 0 "update the imported case"
as mo case history "$B" --json; expect_rc 0 "history of an imported case"
py 'd[0]["action"] == "import" and {"path": "child.surname", "identifiable": True, "old": None, "new": "Ludgershall"} in d[0]["changes"] and {"path": "child.forename", "identifiable": True, "old": None, "new": "Perpetua"} in d[0]["changes"] and {"path": "death.circumstances", "identifiable": True, "old": None, "new": "Found by Mr Inkpen"} in d[0]["changes"] and {"path": "death.place", "old": None, "new": "home"} in d[0]["changes"]' "import line: the first state, later changes undone"
py '{"path": "child.surname", "identifiable": True, "old": "Ludgershall", "new": "Ashampstead"} in d[-1]["changes"]' "the later update: old -> new"
as ada audit list; for s in Ludgershall Perpetua Inkpen Ashampstead; do file_lacks "$T/out" "$s" "admin's list after an import"; done

# -- a register from before migration 013 (tests/fixtures/v11)
cp "$SRC/tests/fixtures/v11/register.cdop" "$REG"
cp "$SRC/tests/fixtures/v11/register.cdop.keys" "$REG.keys"
chmod 600 "$REG" "$REG.keys"
as ada check; expect_rc 0 "v11 register opens, migrates and checks"
as ada audit list --json
py 'any(e["action"] == "migrate" and e["detail"].startswith("schema 11 to ") for e in d)' "migration from 11 (past 13) audited"
echo '{"child": {"surname": "Vexmoor"}}' > "$T/u2.json"
as mo case update CDOP-2025-0001 --json "$T/u2.json"; expect_rc 0 "update on the upgraded register"
as mo case history CDOP-2025-0001 --json; expect_rc 0 "history on the upgraded register"
py '{"path": "child.surname", "identifiable": True, "recorded": False} in [c for e in d if e["action"] == "update" for c in e["changes"]]' "old identifiable change: not recorded"
py '{"path": "death.place", "old": "home", "new": "hospital_ward"} in d[1]["changes"]' "old clear values still shown"
py '{"path": "child.surname", "identifiable": True, "old": "Vexworth", "new": "Vexmoor"} in d[-1]["changes"]' "new change: old and new"
as mo case history CDOP-2025-0001
expect_out "child.surname: changed (identifiable: values not recorded" "text: not recorded"
expect_out "child.surname: Vexworth -> Vexmoor" "text: new change"
as ada audit verify; expect_rc 0 "verify across old and new entries"
as ada audit list
file_lacks "$T/out" "Vexmoor" "upgraded: admin's list"
file_lacks "$T/out" "Vexworth" "upgraded: admin's list"
finish
