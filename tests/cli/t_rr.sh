#!/usr/bin/env bash
# Joint agency response: rr add / list / due / targets / target.
. "$(dirname "$0")/lib.sh"

from_template  # new_register; add_user mo manager, pat panel, ann analyst
export CDOP_TODAY=2025-05-05   # "now" is 2025-05-05T23:59 (see cdop/rr.h)

# notification JSON: FILE SURNAME DEATH_DATE DEATH_TIME|"" EXPECTED NOTIFIED
mknote() {
  local time=""
  [ -n "$4" ] && time="\"time\": \"$4\","
  cat > "$1" <<EOF
{"child": {"forename": "Amy", "surname": "$2", "date_of_birth": "2024-03-01",
           "sex": "female", "resident": true},
 "death": {"date": "$3", $time "place": "home", "expected": "$5"},
 "notified": {"date": "$6", "by_name": "Dr Notifier", "by_agency": "hospital"}}
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
# before REF / after WHAT [AUDIT_GROWTH]: the command run between them left
# REF's actions and the audit trail as they were (a refusal by role adds
# one "denied" entry). (lib.sh's snap_take and snap_same: no cp each)
before() {
  SNAP_REF=$1
  as mo rr list "$SNAP_REF" --json; snap_take "$T/out"
  audit_count; N_BEFORE=$N
}
after() {
  local n; audit_count; n=$N
  [ "$n" -eq $((N_BEFORE + ${2:-0})) ] && pass ||
    fail "$1: audit trail went from $N_BEFORE to $n entries"
  as mo rr list "$SNAP_REF" --json
  snap_same "$T/out" && pass || fail "$1: rr list changed"
}

# -- an unexpected death gets all seven actions, due from the time of death
mknote "$T/a.json" Example 2025-05-03 14:20 unexpected 2025-05-04
notify "$T/a.json"; A=$CASE
as mo rr list "$A" --json
expect_rc 0 "rr list"
py 'len(d) == 7' "seven actions"
py 'sorted(x["action"] for x in d) == sorted(["information_sharing_meeting", "home_visit",
    "police_informed", "coroner_informed", "key_worker_assigned",
    "bereavement_support_offered", "child_death_review_meeting"])' "the SPEC action types"
py '{x["action"]: x["due"] for x in d}["home_visit"] == "2025-05-04T14:20"' "home_visit due 24h after"
py '{x["action"]: x["due"] for x in d}["child_death_review_meeting"] == "2025-07-26T14:20"' \
   "child_death_review_meeting due 12 weeks after"
py '{x["action"]: x["due"] for x in d} == {"information_sharing_meeting": "2025-05-06T14:20",
    "home_visit": "2025-05-04T14:20", "police_informed": "2025-05-04T14:20",
    "coroner_informed": "2025-05-04T14:20", "key_worker_assigned": "2025-05-05T14:20",
    "bereavement_support_offered": "2025-05-10T14:20",
    "child_death_review_meeting": "2025-07-26T14:20"}' "every due time"
py 'all(x["on"] is None and x["by"] is None and x["notes"] is None for x in d)' "nothing done yet"
py '{x["action"]: x["status"] for x in d}["home_visit"] == "overdue"' "home_visit overdue on 05-05"
py '{x["action"]: x["status"] for x in d}["key_worker_assigned"] == "overdue"' \
   "due 14:20 today: overdue (now is 23:59 with CDOP_TODAY)"
py '{x["action"]: x["status"] for x in d}["information_sharing_meeting"] == "outstanding"' \
   "information_sharing_meeting outstanding"
as mo rr list "$A"
expect_rc 0 "rr list text"
expect_out "home_visit" "rr list text names actions"
expect_out "2025-05-04T14:20" "rr list text shows due times"

# -- rr add marks it done and rr due no longer lists it
as mo rr due --json
py 'any(x["ref"] == "'"$A"'" and x["action"] == "home_visit" for x in d)' "home_visit in rr due before"
as mo rr add "$A" --action home_visit --on 2025-05-04T10:00 --by "PC Quentin Jones" \
  --notes "visited with Dr Rowan Tree"
expect_rc 0 "rr add"
expect_out "home_visit" "rr add says what it recorded"
as mo rr list "$A" --json
py '[x for x in d if x["action"] == "home_visit"][0] == {"action": "home_visit",
    "due": "2025-05-04T14:20", "on": "2025-05-04T10:00", "by": "PC Quentin Jones",
    "notes": "visited with Dr Rowan Tree", "status": "done"}' "home_visit done"
as mo rr due --json
py 'not any(x["ref"] == "'"$A"'" and x["action"] == "home_visit" for x in d)' \
   "done action leaves rr due"
# a date alone counts as 23:59: after a 14:20 target, done late
as mo rr add "$A" --action police_informed --on 2025-05-04
expect_rc 0 "rr add date only"
as mo rr list "$A" --json
py '{x["action"]: x["status"] for x in d}["police_informed"] == "done_late"' "date alone: done_late"

# -- recording it again corrects it, audited as a correction
as mo rr add "$A" --action police_informed --on 2025-05-04T12:00 --by "DS Kay"
expect_rc 0 "rr add again"
expect_out "corrected" "rr add again says corrected"
as mo rr list "$A" --json
py '[x for x in d if x["action"] == "police_informed"][0]["on"] == "2025-05-04T12:00"' "corrected on"
py '{x["action"]: x["status"] for x in d}["police_informed"] == "done"' "corrected: in time"
as ada audit list --json
py 'any(x["action"] == "rr_correct" and x["object"] == "'"$A"'" and json.loads(x["detail"])["action"] == "police_informed" and {"path": "rapid_response.police_informed.on", "old": "2025-05-04", "new": "2025-05-04T12:00"} in json.loads(x["detail"])["changes"] for x in d)' \
   "correction audited with old and new"
py 'any(x["action"] == "rr_add" and json.loads(x["detail"])["action"] == "home_visit" for x in d)' "rr add audited"
py 'any(x["action"] == "rr_list" and x["object"] == "'"$A"'" for x in d)' "rr list audited"
py 'not any("Quentin" in json.dumps(x) or "Rowan" in json.dumps(x) or "Kay" in json.dumps(x) for x in d)' \
   "no names in the audit trail"

# -- an expected death: no actions until one is recorded, then no due time
mknote "$T/c.json" Expected 2025-05-01 "" expected 2025-05-02
notify "$T/c.json"; C=$CASE
as mo rr list "$C" --json
py 'd == []' "expected death has no actions"
as mo rr add "$C" --action bereavement_support_offered --on 2025-05-02 --by "Nurse Bee"
expect_rc 0 "rr add for an expected death"
as mo rr list "$C" --json
py 'd == [{"action": "bereavement_support_offered", "due": None, "on": "2025-05-02",
    "by": "Nurse Bee", "notes": None, "status": "done"}]' "expected death: row without due"

# -- rr due: several cases, most overdue first, then due soonest
mknote "$T/b.json" Second 2025-05-01 "" unexpected 2025-05-02
notify "$T/b.json"; B=$CASE
mknote "$T/e.json" Third 2025-05-05 08:00 unexpected 2025-05-05
notify "$T/e.json"; E=$CASE
as mo rr due --json
expect_rc 0 "rr due"
py 'all(set(x) == {"ref", "action", "due", "status", "overdue_hours"} if x["status"] == "overdue"
        else set(x) == {"ref", "action", "due", "status", "hours_left"} for x in d)' "rr due fields"
py '[x["due"] for x in d] == sorted(x["due"] for x in d)' "rr due in due order"
py '[x["status"] for x in d] == sorted((x["status"] for x in d), key=lambda s: s != "overdue")' \
   "overdue before outstanding"
py 'd[0]["ref"] == "'"$B"'" and d[0]["due"] == "2025-05-02T00:00" and d[0]["overdue_hours"] == 95' \
   "most overdue first: death with no time counts from 00:00; 95h59m overdue"
py '[x["overdue_hours"] for x in d if x["status"] == "overdue"] ==
    sorted((x["overdue_hours"] for x in d if x["status"] == "overdue"), reverse=True)' "overdue hours fall"
py '[x["hours_left"] for x in d if x["status"] == "outstanding"] ==
    sorted(x["hours_left"] for x in d if x["status"] == "outstanding")' "hours left rise"
py 'd[-1] == {"ref": "'"$E"'", "action": "child_death_review_meeting", "due": "2025-07-28T08:00",
    "status": "outstanding", "hours_left": 2000}' "last: furthest away, hours left"
py 'not any(x["ref"] == "'"$C"'" for x in d)' "expected death not in rr due"
py 'len([x for x in d if x["ref"] == "'"$A"'"]) == 5' "done actions left out"
py 'not any(k in json.dumps(d) for k in ("Example", "Second", "Quentin", "Amy"))' "rr due: no names"
as mo rr due
expect_rc 0 "rr due text"
expect_out "overdue" "rr due text says overdue"
expect_out "$B" "rr due text names refs"
# without CDOP_TODAY "now" is the real clock: everything from 2025 is overdue
( unset CDOP_TODAY; as mo rr due --json; exit "$RC" ); RC=$?
expect_rc 0 "rr due on the real clock"
py 'len(d) > 0 and all(x["status"] == "overdue" for x in d)' "real clock: all overdue"

# -- invalid input: exit code, message naming the flag, register unchanged
before "$A"
as mo rr add "$A" --action visit --on 2025-05-04
expect_rc 1 "unknown action"
expect_err "--action: 'visit' is not a rapid-response action; valid: information_sharing_meeting" \
  "unknown action: message"
after "unknown action"
before "$A"
as mo rr add "$A" --action key_worker_assigned --on 2025-02-30
expect_rc 1 "impossible date"
expect_err "--on:" "impossible date: names --on"
expect_err "2025-02" "impossible date: says why"
after "impossible date"
before "$A"
as mo rr add "$A" --action key_worker_assigned --on 05/14/2025
expect_rc 1 "not a date (US order)"
expect_err "--on:" "not a date: names --on"
expect_err "DD/MM/YYYY" "not a date: says what is valid"
after "not a date"
before "$A"
as mo rr add "$A" --action key_worker_assigned --on 2025-05-02
expect_rc 1 "on before the death"
expect_err "--on: 2025-05-02 is before the death" "before death: message"
after "on before the death"
before "$A"
as mo rr add "$A" --action key_worker_assigned --on 2025-05-03T14:00
expect_rc 1 "on before the time of death"
expect_err "--on: 2025-05-03T14:00 is before the death (2025-05-03T14:20)" "before time of death: message"
after "on before the time of death"
before "$A"
as mo rr add "$A" --action key_worker_assigned --on 2025-05-06
expect_rc 1 "on in the future"
expect_err "--on: 2025-05-06 is after today" "future: message"
after "on in the future"
before "$A"
as mo rr add "$A" --action key_worker_assigned --on 2025-05-05 --by "$(head -c 150 /dev/zero | tr '\0' x)"
expect_rc 1 "--by too long"
expect_err "--by:" "--by too long: names --by"
after "--by too long"
before "$A"
as mo rr add CDOP-2025-9999 --action key_worker_assigned --on 2025-05-05
expect_rc 1 "unknown REF"
expect_err "no case 'CDOP-2025-9999'" "unknown REF: message"
after "unknown REF"
before "$A"
as mo rr add "$A" --action key_worker_assigned
expect_rc 2 "rr add without --on"
expect_err "--on" "usage: names --on"
after "rr add without --on"
as mo rr add "$A" "$B" --action key_worker_assigned --on 2025-05-05
expect_rc 2 "rr add with two REFs"
as mo rr list
expect_rc 2 "rr list without REF"
as mo rr due extra
expect_rc 2 "rr due with an argument"
as mo rr list CDOP-2025-9999
expect_rc 1 "rr list unknown REF"

# -- roles: manager only (targets: manager or admin)
before "$A"
as pat rr add "$A" --action key_worker_assigned --on 2025-05-05
expect_rc 3 "panel may not rr add"
expect_err "may not run 'rr add'" "panel: message"
after "panel rr add" 1
before "$A"
as ann rr list "$A"
expect_rc 3 "analyst may not rr list"
after "analyst rr list" 1
as pat rr due; expect_rc 3 "panel may not rr due"
as ann rr due; expect_rc 3 "analyst may not rr due"
as ada rr add "$A" --action key_worker_assigned --on 2025-05-05
expect_rc 3 "admin may not rr add"
as ada rr list "$A"; expect_rc 3 "admin may not rr list"
as pat rr targets; expect_rc 3 "panel may not see targets"
as ada rr target home_visit 48h; expect_rc 3 "admin may not set targets"

# -- targets: listed, changed (audited), applied to new cases only
as ada rr targets --json
expect_rc 0 "admin may list targets"
py 'd == [{"action": "information_sharing_meeting", "target": "72h", "minutes": 4320, "default": "72h"},
    {"action": "home_visit", "target": "24h", "minutes": 1440, "default": "24h"},
    {"action": "police_informed", "target": "24h", "minutes": 1440, "default": "24h"},
    {"action": "coroner_informed", "target": "24h", "minutes": 1440, "default": "24h"},
    {"action": "key_worker_assigned", "target": "48h", "minutes": 2880, "default": "48h"},
    {"action": "bereavement_support_offered", "target": "7d", "minutes": 10080, "default": "7d"},
    {"action": "child_death_review_meeting", "target": "12w", "minutes": 120960, "default": "12w"}]' \
   "SPEC default targets"
as mo rr targets
expect_rc 0 "rr targets text"
expect_out "child_death_review_meeting" "rr targets text"
as mo rr target information_sharing_meeting 96h
expect_rc 0 "rr target"
expect_out "96h" "rr target says the new target"
as mo rr target bereavement_support_offered 10d
expect_rc 0 "rr target in days"
as mo rr targets --json
py '{x["action"]: x["target"] for x in d}["information_sharing_meeting"] == "96h"' "target changed"
py '{x["action"]: x["minutes"] for x in d}["bereavement_support_offered"] == 14400' "10d in minutes"
py '{x["action"]: x["default"] for x in d}["information_sharing_meeting"] == "72h"' "default still shown"
as ada audit list --json
py 'any(x["action"] == "rr_target" and x["object"] == "information_sharing_meeting"
        and x["detail"] == "72h -> 96h" for x in d)' "target change audited"
mknote "$T/f.json" Fourth 2025-05-04 09:00 unexpected 2025-05-05
notify "$T/f.json"; F=$CASE
as mo rr list "$F" --json
py '{x["action"]: x["due"] for x in d}["information_sharing_meeting"] == "2025-05-08T09:00"' \
   "new case: new target (96h)"
py '{x["action"]: x["due"] for x in d}["bereavement_support_offered"] == "2025-05-14T09:00"' \
   "new case: new target (10d)"
py '{x["action"]: x["due"] for x in d}["home_visit"] == "2025-05-05T09:00"' "new case: others unchanged"
as mo rr list "$A" --json
py '{x["action"]: x["due"] for x in d}["information_sharing_meeting"] == "2025-05-06T14:20"' \
   "existing case keeps its due time"
for bad in 0h 53w 12 h 1.5d 72H -3d 72hh "" 9999999h; do
  as mo rr targets --json; snap_take "$T/out"
  as mo rr target home_visit "$bad"
  expect_rc 1 "rr target '$bad'"
  expect_err "DURATION: '$bad' is not a target" "rr target '$bad': message"
  as mo rr targets --json
  snap_same "$T/out" && pass || fail "rr target '$bad' changed targets"
done
as mo rr target visit 24h
expect_rc 1 "rr target unknown TYPE"
expect_err "TYPE: 'visit' is not a rapid-response action; valid:" "unknown TYPE: message"
as mo rr target home_visit
expect_rc 2 "rr target without DURATION"

# -- closed cases leave rr due
# (a case is closed only once reviewed; a transferred case leaves too)
printf '{"child": {"resident": false}}' > "$T/nonres.json"
as mo case update "$B" --json "$T/nonres.json"
as mo case status "$B" transferred
expect_rc 0 "transfer a non-resident case"
as mo rr due --json
py 'not any(x["ref"] == "'"$B"'" for x in d)' "closed case not in rr due"
py 'any(x["ref"] == "'"$A"'" for x in d)' "open case still in rr due"

# -- help is there for each command
for sub in add list due targets target; do
  raw rr "$sub" --help
  expect_rc 0 "rr $sub --help"
  expect_out "usage: cdop rr $sub" "rr $sub --help usage"
done
raw rr add --help
expect_out "child_death_review_meeting" "rr add --help lists action types"

as ada audit verify; expect_rc 0 "audit chain intact"
as ada check; expect_rc 0 "check"
finish
