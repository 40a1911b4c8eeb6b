#!/usr/bin/env bash
# transfer (SPEC §2, §8): an area register passes a case with two
# attachments to a home register; it arrives complete as a new case there,
# keeping the sender's reference; both audit trails record it; the
# sender's case is `transferred`.
. "$(dirname "$0")/lib.sh"
export CDOP_TODAY=2025-06-20
from_template
M() { as mo "$@"; [ "$RC" -eq 0 ] || fail "mo $*: exit $RC: $(head -c 300 "$T/err")"; }
# py EXPR WHAT: lib.sh
# the home register: unrelated keys
HOME_REG="$T/home.cdop"
"$CDOP" --register "$HOME_REG" --passphrase-file "$T/ada.pass" init --admin ada --kdf test \
  --recovery-out "$T/rec-home.txt" >/dev/null 2>&1 </dev/null
on_home() { local k=$REG; REG=$HOME_REG; as "$@"; REG=$k; }
on_home ada user add mo --role manager --new-passphrase-file "$T/mo.pass"
on_home mo key show --age; text_of R_HOME "$T/out"
as mo key show --age; text_of R_AREA "$T/out"

cat > "$T/n.json" <<'EOJ'
{"child": {"forename": "Peregrine", "surname": "Ashdown-Vale", "date_of_birth": "2021-08-14",
           "sex": "male", "resident": false, "local_authority": "Swindon"},
 "death": {"date": "2025-06-01", "time": "03:10", "place": "hospital_ed", "expected": "unexpected"},
 "notified": {"date": "2025-06-02", "by_agency": "hospital"}}
EOJ
M notify --json "$T/n.json"; text_of A "$T/out"
M rr add "$A" --action home_visit --on 2025-06-01T12:00 --by "DC Rook"
cat > "$T/form.json" <<'EOJ'
{"agency": "police", "contact": {"name": "DC Imelda Rook"},
 "involvement": {"child": "no", "family": "yes", "details": "Two call-outs in 2024."}}
EOJ
age -r "$R_AREA" -o "$T/form.age" "$T/form.json"
printf 'statement one\n' > "$T/statement.txt"
head -c 5000 /dev/urandom > "$T/photo.jpg"
M agency receive "$A" --agency police --on 2025-06-10 --age "$T/form.age" \
  --attach "$T/statement.txt" --attach "$T/photo.jpg"
M case status "$A" gathering

# refusals first: nothing changes
as mo transfer "$A" --recipient age1bogus --out "$T/x.age"
expect_rc 1 "a bad recipient"; expect_err "--recipient" "names --recipient"
as mo transfer "$A" --recipient "$R_AREA" --out "$T/x.age"
expect_rc 1 "transfer to itself"
as mo transfer "$A" --recipient "$R_HOME"
expect_rc 2 "no --out"
as pat transfer "$A" --recipient "$R_HOME" --out "$T/x.age"
expect_rc 3 "panel may not transfer"
[ ! -e "$T/x.age" ] && pass || fail "nothing written by a refused transfer"
as mo case show "$A" --json; py 'd["status"] == "gathering"' "still gathering"

M transfer "$A" --recipient "$R_HOME" --out "$T/case.age"
expect_out "transferred" "transfer says so"
head -c 21 "$T/case.age" | grep -q 'age-encryption.org/v1' && pass || fail "an age file"
[ "$(stat -c %a "$T/case.age")" = 600 ] && pass || fail "mode 0600"
as mo case show "$A" --json; py 'd["status"] == "transferred"' "the sender's case is transferred"
py 'd["transfers"] == [{"direction": "out", "on": "2025-06-20"}]' "case show records the transfer out"
as pat case show "$A" --json; py '"transfers" not in d' "the panel is not shown transfers"
as mo transfer "$A" --recipient "$R_HOME" --out "$T/again.age"
expect_rc 1 "a transferred case is not transferred again"
[ ! -e "$T/again.age" ] && pass || fail "nothing written the second time"
as ada audit list --json
py 'any(x["action"] == "transfer" and x["object"] == "'"$A"'" for x in d)' "the sender's audit trail records it"

# the area register cannot open it; the home register can
as mo import "$T/case.age"
expect_rc 4 "the sender cannot import what it sealed for another"
on_home mo import "$T/case.age"
expect_rc 0 "home register imports the transfer"
on_home mo case list --json
py 'len(d) == 1' "one case arrives"
B=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[0]["ref"])' "$T/out")
on_home mo case show "$B" --json
py 'd["notification"]["child"]["surname"] == "Ashdown-Vale" and d["status"] == "gathering"' "the case arrives with its status"
py 'd["transfers"] == [{"direction": "in", "their_ref": "'"$A"'", "on": "2025-06-20"}]' "case show names the sender's reference"
py '[a for a in d["rapid_response"] if a["action"] == "home_visit"][0]["by"] == "DC Rook"' "the response arrives"
py '[x for x in d["agency_reports"] if x["agency"] == "police"][0]["form"]["contact"]["name"] == "DC Imelda Rook"' "the form arrives"
mkdir -p "$T/got"
on_home mo agency show "$B" --agency police --save-attachments "$T/got" --json
expect_rc 0 "the attachments can be saved"
same_file "$T/got/statement.txt" "$T/statement.txt" && same_file "$T/got/photo.jpg" "$T/photo.jpg" &&
  pass || fail "both attachments arrive whole"
on_home mo export --out "$T/home.jsonl"
grep -F 'Ashdown-Vale' "$T/home.jsonl" > "$T/line.json"
python3 - "$T/line.json" "$A" "$R_AREA" <<'PY' && pass || fail "the sender's reference and audit summary are kept"
import json, sys
c = json.load(open(sys.argv[1]))
t = c["transfers"]
assert len(t) == 1 and t[0]["direction"] == "in" and t[0]["their_ref"] == sys.argv[2], t
assert t[0]["peer"] == sys.argv[3], t
assert any(a["action"] == "agency_receive" for a in t[0]["audit"]), t
PY
on_home ada audit list --json
py 'any(x["action"] == "transfer_in" and x["object"] == "'"$B"'" and x["detail"] == "from '"$A"'" for x in d)' \
   "the receiver's audit trail records it"
on_home mo case history "$B" --json
py '[x["action"] for x in d][:1] == ["transfer_in"] and {"path": "child.surname", "identifiable": True, "old": None, "new": "Ashdown-Vale"} in d[0]["changes"] and {"path": "death.place", "old": None, "new": "hospital_ed"} in d[0]["changes"]' \
   "history: the transfer_in line shows the notification as it arrived (issue 14)"
# importing the same transfer again is a duplicate
on_home mo import "$T/case.age"
expect_rc 1 "the same transfer twice is a duplicate"

# what the stock age tool sees in a transfer file
age-keygen -o "$T/k" 2>/dev/null
cat > "$T/n2.json" <<'EOJ'
{"child": {"forename": "Tamsin", "surname": "Oakhurst", "date_of_birth": "2020-01-01",
           "sex": "female", "resident": false},
 "death": {"date": "2025-06-05", "place": "home", "expected": "expected"},
 "notified": {"date": "2025-06-06", "by_agency": "gp"}}
EOJ
M notify --json "$T/n2.json"; text_of C "$T/out"
M transfer "$C" --recipient "$(age-keygen -y "$T/k")" --out "$T/c2.age"
age -d -i "$T/k" "$T/c2.age" | python3 -c '
import json, sys
L = sys.stdin.read().splitlines()
assert len(L) == 1
c = json.loads(L[0])
assert c["transfer"]["from_ref"] == sys.argv[1] and c["notification"]["child"]["surname"] == "Oakhurst"
assert c["transfer"]["on"] == "2025-06-20" and c["transfer"]["audit"][0]["action"] == "notify"
' "$C" && pass || fail "age -d opens a transfer: one line with its transfer object"

finish
