#!/usr/bin/env bash
# New report-signing key and age identity when a holder leaves (issue 10;
# docs/security.md §15 "The report key and the age identity at rotation").
# `user disable` of a manager retires the report key and the age
# recipient, of an analyst the report key: until the next manager unlock
# nothing signs, `key show` (--age) says why, and `verify` refuses the
# retired key; that unlock makes new ones. The disabled manager, with a
# copy of the keyring taken before and their passphrase (lib/oldkeys.py,
# libsodium alone), signs a file: `verify` refuses it as signed with a
# retired key (naming it); a report signed before the disable is refused
# the same way and verifies with --key and the key published then, and
# still serves as a witness. A report signed after verifies with the new
# `key show` (and the stock minisign). A form the agency sealed (stock age)
# to the new recipient is received; one sealed to the old recipient before
# the disable is received too, with a note; the disabled manager's old
# identity opens nothing sealed to the new one. Then the same for a
# v1 register's `key convert` (tests/fixtures/pre008) and a holder of the
# old master key, and `key convert` without --recovery-out is refused.
. "$(dirname "$0")/lib.sh"
export CDOP_TODAY=2025-06-01
OLD=$SRC/tests/cli/lib/oldkeys.py
from_template
add_user meg manager

cat > "$T/n.json" <<'EOF2'
{"child": {"forename": "Amy", "surname": "Quillfeather", "date_of_birth": "2024-03-01",
           "sex": "female", "resident": true},
 "death": {"date": "2025-05-03", "time": "14:20", "place": "home", "expected": "unexpected"},
 "notified": {"date": "2025-05-04", "by_agency": "hospital"}}
EOF2
form() { # AGENCY: a reporting form from AGENCY
  printf '{"agency": "%s", "organisation": "Lowmoor", "completed": "2025-05-12",
  "contact": {"name": "Dr Petronella Vashti", "role": "GP partner", "email": "pv@example.nhs.uk"},
  "involvement": {"child": "yes", "family": "no", "from": "2024-03-10", "to": "2025-04-28",
                  "details": "Seen twice."}, "concerns": "None.", "services": "Primary care."}\n' "$1"
}
as mo notify --json "$T/n.json"; expect_rc 0 "notify"
text_of A "$T/out"
as mo key show; expect_rc 0 "mo's unlock hands meg the manager keys"
cp "$T/out" "$T/old.pub"
as mo key show --age; text_of R_OLD "$T/out"
form gp > "$T/gp.json"; age -r "$R_OLD" -o "$T/gp-inflight.age" "$T/gp.json"
python3 "$SRC/bench/gen_cases.py" 2 7 > "$T/gen.jsonl"; age -r "$R_OLD" -o "$T/gen-old.age" "$T/gen.jsonl"
as ann report annual --year 2024-25 --edition board --format md --out "$T/pre.md"
expect_rc 0 "ann signs a report before the disable"
# a panel member's review: its learning goes to the trail sealed to the
# register's recipient ('a' form, §15), before and (below) after
cat > "$T/rev.json" <<'EOF2'
{"category": 10, "domains": {"child": 1, "social_environment": 2, "physical_environment": 1, "service_provision": 1},
 "modifiable": "yes", "themes": ["safe_sleeping"], "learning": "Advice on Fennimore cots was unclear.", "learning_publishable": false,
 "recommendations": [], "referred_for_review": false}
EOF2
sed 's/was unclear/was missing/' "$T/rev.json" > "$T/rev2.json"
review_at() { # DATE JSON
  as mo meeting new --date "$1"; text_of M "$T/out"
  as mo meeting add "$M" "$A"; as pat review "$A" --meeting "$M" --json "$2"
}
as mo case status "$A" gathering; as mo case status "$A" ready
review_at 2025-05-28 "$T/rev.json"; expect_rc 0 "pat's review before the disable"
cp "$REG.keys" "$T/mo-old.keys" # mo keeps a copy of the keyring

# ---- a manager leaves -----------------------------------------------------------
as ada user disable mo; expect_rc 0 "ada disables mo"
as ann report annual --year 2024-25 --edition board --format md --out "$T/window.md"
expect_rc 1 "nothing signs with the retired key before a manager unlocks"
expect_err "report-signing key was retired" "the analyst is told why"
[ -e "$T/window.md" ] && fail "no report written in the window" || pass
as pat key show; expect_rc 1 "key show prints no retired key"
as pat key show --age; expect_rc 1 "key show --age prints no retired recipient"
expect_err "age recipient was retired" "key show --age says why"
# Kills (tests/crash/faultshim.c) at the fsync, rename, link and unlink
# calls of the unlock that rotates (one keyring write; then the text check
# of pat's review, a database write): every fourth and the last, all with
# CDOP_FULL=1. After each the rotation is done or still due, never half;
# every user unlocks, the in-flight file still opens, check passes, no
# keyring temp file is left.
SHIM=${CDOP_FAULTSHIM:-${CDOP_BUILD:-}/libcdop_faultshim.so}
cp "$REG" "$T/win.cdop"; cp "$REG.keys" "$T/win.keys"
meg_unlock() {
  "$CDOP" --register "$REG" --user meg --passphrase-file "$T/meg.pass" key show >/dev/null 2>&1 </dev/null
}
if [ -e "$SHIM" ]; then
  rm -f "$T/log"
  CDOP_FAULT_KINDS=fsync,rename,link,unlink CDOP_FAULT_LOG="$T/log" LD_PRELOAD="$SHIM" meg_unlock
  n=$(wc -l < "$T/log")
  [ "$n" -gt 0 ] && pass || fail "the shim saw the rotation's writes"
  STEP=4; [ "${CDOP_FULL:-0}" = 1 ] && STEP=1
  for k in $( (seq 1 "$STEP" "$n"; echo "$n") | sort -nu); do
    cp "$T/win.cdop" "$REG"; cp "$T/win.keys" "$REG.keys"
    CDOP_FAULT_KINDS=fsync,rename,link,unlink CDOP_FAULT_AT=$k CDOP_FAULT_MODE=kill \
      LD_PRELOAD="$SHIM" meg_unlock
    as meg key show; expect_rc 0 "kill $k/$n: meg unlocks"
    same_file "$T/out" "$T/old.pub" && fail "kill $k: a new report key" || pass
    for u in pat ann; do as $u key show; expect_rc 0 "kill $k/$n: $u unlocks"; done
    as meg agency receive "$A" --agency gp --on 2025-05-20 --age "$T/gp-inflight.age"
    expect_rc 0 "kill $k/$n: the in-flight file opens"
    as ada check; expect_rc 0 "kill $k/$n: check"
    ls_grep "$T" 'reg\.cdop\.keys\.(new|tmp)' && fail "kill $k: stray keyring file" || pass
  done
  echo "rotation at unlock: $n kill points"
else
  fail "no fault shim at $SHIM"
fi
cp "$T/win.cdop" "$REG"; cp "$T/win.keys" "$REG.keys"
as meg key show; expect_rc 0 "meg's unlock makes the new keys"
cp "$T/out" "$T/new.pub"
same_file "$T/new.pub" "$T/old.pub" && fail "a new report key" || pass
as pat key show; same_file "$T/out" "$T/new.pub" && pass || fail "every role shows the new key"
as ann key show --age; text_of R_NEW "$T/out"
[ -n "$R_NEW" ] && [ "$R_NEW" != "$R_OLD" ] && pass || fail "a new age recipient: $R_NEW"

# Reports: the one signed before is refused without --key, naming the key.
OLDID=$(sed -n '1s/.* //p' "$T/old.pub")
as pat verify "$T/pre.md"; expect_rc 1 "a report signed with the retired key is refused"
expect_err "retired report key $OLDID" "the refusal names the retired key"
raw verify "$T/pre.md" --key "$T/old.pub"; expect_rc 0 "it verifies with the key published then"
as ada audit verify --witness "$T/pre.md.minisig"; expect_rc 0 "it still serves as a witness"
# mo signs a new file with the key from the old keyring: not this register's.
printf '# Annual report 2024-25\nNo deaths this year.\n' > "$T/forged.md"
python3 "$OLD" sign "$T/mo-old.keys" mo mo-long-passphrase "$T/forged.md" \
  "$(sed -n 's/^trusted comment: //p' "$T/pre.md.minisig")"
raw verify "$T/forged.md" --key "$T/old.pub"; expect_rc 0 "(the forgery is made with the real old key)"
as pat verify "$T/forged.md"; expect_rc 1 "the disabled manager's signature is refused"
expect_err "retired report key" "as signed with a retired key"
raw verify "$T/forged.md" --key "$T/new.pub"; expect_rc 1 "and fails with the new key"
as ann report annual --year 2024-25 --edition board --format md --out "$T/post.md"
expect_rc 0 "ann signs after the rotation"
as pat verify "$T/post.md"; expect_rc 0 "a report signed after verifies"
minisign -Vm "$T/post.md" -p "$T/new.pub" >/dev/null 2>&1 && pass || fail "stock minisign, new key"

# Sealed forms: to the new recipient; to the old one (in flight), with a note.
form police > "$T/police.json"; age -r "$R_NEW" -o "$T/police.age" "$T/police.json"
as meg agency receive "$A" --agency police --on 2025-05-20 --age "$T/police.age"
expect_rc 0 "a form sealed to the new recipient"
grep -q retired "$T/err" && fail "no note for the current recipient" || pass
as meg agency receive "$A" --agency gp --on 2025-05-20 --age "$T/gp-inflight.age"
expect_rc 0 "a form sealed to the old recipient before the disable still opens"
expect_err "retired age recipient $R_OLD" "with a note naming the retired recipient"
as meg agency show "$A" --agency gp; expect_rc 0 "and is stored"
as meg import "$T/gen-old.age"; expect_rc 0 "an import sealed to the old recipient"
expect_err "retired age recipient $R_OLD" "import notes it too"
python3 "$OLD" age "$T/mo-old.keys" mo mo-long-passphrase "$T/mo.id"
age -d -i "$T/mo.id" "$T/gp-inflight.age" >/dev/null 2>&1 && pass ||
  fail "(mo's old identity is the real old one)"
age -d -i "$T/mo.id" "$T/police.age" >/dev/null 2>&1 &&
  fail "mo's old identity opens a file sealed to the new recipient" || pass
# A manager added later is given the retired identity too.
add_user zed manager
as meg key show; as zed agency receive "$A" --agency gp --on 2025-05-21 --age "$T/gp-inflight.age"
expect_rc 0 "a manager added after the rotation opens the in-flight file"

# The panel's sealed audit values: after the rotation to the new recipient.
as meg meeting new --date 2025-05-30; text_of M "$T/out"
as meg meeting add "$M" "$A"; as pat review "$A" --meeting "$M" --json "$T/rev2.json"
expect_rc 0 "pat's review after the rotation"
mkdir -p "$T/ab"
python3 "$OLD" ablobs "$REG" "$REG.keys" pat pat-long-passphrase "$T/ab"
nab=0 nopen=0
for f in "$T"/ab/*.age; do
  nab=$((nab + 1))
  age -d -i "$T/mo.id" "$f" >/dev/null 2>&1 && nopen=$((nopen + 1))
done
[ "$nab" = 2 ] && [ "$nopen" = 1 ] && pass ||
  fail "two 'a'-sealed values, only the one before the rotation opens with mo's old identity: $nab, $nopen"
as meg case history "$A" --json
file_has "$T/out" 'was unclear' -F && file_has "$T/out" 'was missing' -F && pass ||
  fail "meg reads both, old recipient and new: $(head -c 300 "$T/out")"
grep -q retired "$T/err" && fail "no note for what the register holds" || pass

# ---- an analyst leaves: the report key only -------------------------------------
as ada user disable ann; expect_rc 0 "ada disables ann"
as meg key show; same_file "$T/out" "$T/new.pub" && fail "a new report key after ann" || pass
as meg key show --age; [ "$(cat "$T/out")" = "$R_NEW" ] && pass || fail "the age recipient stays"
as pat verify "$T/post.md"; expect_rc 1 "ann's key is retired in turn"
as ada audit verify; expect_rc 0 "audit verify"
as ada check; expect_rc 0 "check"

# ---- key convert (a v1 register: every user held the master key M) --------------
FIX=$SRC/tests/fixtures/pre008
cp "$FIX/register.cdop" "$REG"; cp "$FIX/register.cdop.keys" "$REG.keys"; chmod 600 "$REG" "$REG.keys"
for u in ada mo pat ann; do mkpass "$u"; done
for u in ada mo pat ann; do as $u key show; expect_rc 0 "$u unlocks the v1 register (stages)"; done
cp "$T/out" "$T/v1.pub"
as mo key show --age; text_of R_V1 "$T/out"
form gp > "$T/gp.json"; age -r "$R_V1" -o "$T/gp-v1.age" "$T/gp.json"
as ada key convert; expect_rc 1 "key convert without --recovery-out is refused"
expect_err "--recovery-out" "naming --recovery-out"
[ "$(od -An -tu2 -j8 -N2 "$REG.keys" | tr -d ' ')" = 1 ] && pass || fail "still v1"
as ada key convert --recovery-out "$T/rec-conv.txt"; expect_rc 0 "ada converts"
as pat key show; expect_rc 1 "M's report key is retired"
as mo key show; expect_rc 0 "mo's unlock makes the new keys"
same_file "$T/out" "$T/v1.pub" && fail "a new report key after the switch" || pass
cp "$T/out" "$T/conv.pub"
as mo key show --age; text_of R_CONV "$T/out"
[ "$R_CONV" != "$R_V1" ] && pass || fail "a new age recipient after the switch"
# pat (an M holder) signs with M's report key: refused as retired.
python3 "$OLD" v1sign "$FIX/register.cdop.keys" pat pat-long-passphrase "$T/forged.md" \
  "cdop forged"
raw verify "$T/forged.md" --key "$T/v1.pub"; expect_rc 0 "(signed with M's real report key)"
as mo verify "$T/forged.md"; expect_rc 1 "M's report key no longer verifies"
expect_err "retired report key" "as a retired key"
as ann report annual --year 2024-25 --edition board --format md --out "$T/conv.md"
expect_rc 0 "ann signs after the switch"
minisign -Vm "$T/conv.md" -p "$T/conv.pub" >/dev/null 2>&1 && pass || fail "with the new key"
# M's age identity: opens what was sealed to M's recipient, not the new one.
python3 "$OLD" v1age "$FIX/register.cdop.keys" pat pat-long-passphrase "$T/m.id"
form police > "$T/police.json"; age -r "$R_CONV" -o "$T/police-conv.age" "$T/police.json"
age -d -i "$T/m.id" "$T/gp-v1.age" >/dev/null 2>&1 && pass || fail "(M's real identity)"
age -d -i "$T/m.id" "$T/police-conv.age" >/dev/null 2>&1 &&
  fail "M's age identity opens a file sealed to the new recipient" || pass
text_of CASE "$FIX/case.txt"
as mo agency receive "$CASE" --agency police --on 2025-05-25 --age "$T/police-conv.age"
expect_rc 0 "a form sealed to the new recipient"
as mo agency receive "$CASE" --agency gp --on 2025-05-25 --age "$T/gp-v1.age"
expect_rc 0 "a form sealed to M's recipient before the switch still opens"
expect_err "retired age recipient $R_V1" "with the note"
as ada audit verify; expect_rc 0 "audit verify after the switch"
as ada check; expect_rc 0 "check after the switch"
finish
