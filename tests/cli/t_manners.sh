#!/usr/bin/env bash
# CLI manners (SPEC §2): global options anywhere, help for a command and a
# group, a missing flag named alone, every validation error on its own line.
. "$(dirname "$0")/lib.sh"

export CDOP_TODAY=2025-06-10

# -- global options after the command: init with them at the end
mkpass ada
raw init --admin ada --kdf test --recovery-out "$T/rec.txt" --register "$T/g.cdop" --passphrase-file "$T/ada.pass"
expect_rc 0 "init with global options after the command"
[ -f "$T/g.cdop" ] && pass || fail "register made at --register given after the command"
raw user list --register="$T/g.cdop" --user ada --passphrase-file "$T/ada.pass" --json
expect_rc 0 "global options after a group command, --register=PATH form"
expect_out '"ada"' "user list after them"
raw --register "$T/g.cdop" user list --user ada --passphrase-file "$T/ada.pass"
expect_rc 0 "mixed: before and after"
raw user list --register "$T/g.cdop" --user ada --passphrase-file
expect_rc 2 "a global option without its value"
expect_err "needs a value" "says so"

from_template
# recover keeps its own --user (the account to recover), not the global one
as ada user list --json
expect_rc 0 "template"

# -- help: a command, a group, both ways
raw help case
expect_rc 0 "cdop help case"
for s in "case list" "case show" "case update" "case status"; do expect_out "$s" "help case lists $s"; done
raw case --help
expect_rc 0 "cdop case --help"
for s in "case list" "case show" "case update" "case status"; do expect_out "$s" "case --help lists $s"; done
raw rr --help
expect_out "rr due" "rr --help"
raw help case show
expect_rc 0 "cdop help case show"
expect_out "usage: cdop case show REF" "help for one command"
raw case show --help
expect_rc 0 "cdop case show --help"
expect_out "usage: cdop case show REF" "--help for one command"
raw help today
expect_out "usage: cdop today" "help for a one-word command"
raw case
expect_rc 2 "a group alone"
expect_err "case list" "a group alone lists its commands"
raw case frobnicate
expect_rc 2 "an unknown command of a group"
expect_err "unknown command 'case frobnicate'" "names it"
raw help frobnicate
expect_rc 2 "help for an unknown command"

# -- a missing flag named alone, not the whole usage
as ann report annual --year 2026-27
expect_rc 2 "report annual without --edition, --format, --out"
expect_err "missing --edition, --format, --out" "names exactly the missing flags"
if grep -q -- "--disclosure" "$T/err"; then fail "usage reprinted: $(cat "$T/err")"; else pass; fi
as mo case update CDOP-2025-0001
expect_rc 2 "case update without --json"
expect_err "missing --json" "names --json"
as mo meeting new
expect_err "missing --date" "meeting new without --date"
as mo case list --colour
expect_rc 2 "an unknown option"
expect_err "unknown option '--colour'" "names it"

# -- every validation error listed, one per line
cat > "$T/bad.json" <<'EOF'
{"child": {"forename": "", "surname": "", "date_of_birth": "31/02/2025", "sex": "f",
           "ethnicity": "Q", "nhs_number": "123", "looked_after": "maybe",
           "child_protection_plan": "perhaps", "postcode": "XXXXXXXXXXXXXXXXX"},
 "death": {"date": "03/14/2025", "time": "25:00", "place": "moon", "expected": "who knows"},
 "birth": {"gestation_weeks": 12, "weight_grams": 9000},
 "notified": {"date": "2025-13-01", "by_agency": "fbi"}}
EOF
as mo notify --json "$T/bad.json"
expect_rc 1 "a notification with many errors"
n=$(grep -c '^cdop: ' "$T/err")
[ "$n" -ge 15 ] && pass || fail "every error on its own line ($n lines): $(cat "$T/err")"
if file_has "$T/err" "more)" -F; then fail "errors cut short: $(cat "$T/err")"; else pass; fi
expect_err "child.date_of_birth" "dob named"
expect_err "death.date: \"03/14/2025\" is not a real date: there is no month 14" "US order refused naming the field"
expect_err "child.date_of_birth: \"31/02/2025\" is not a real date; 2025-02 has 28 days" "31/02 refused naming the field"
expect_err "birth.gestation_weeks: 12 is out of range; give a whole number from 22 to 44" "gestation range"
expect_err "birth.weight_grams: 9000 is out of range; give a whole number from 200 to 6000" "weight range"

# -- UK dates stored ISO; today accepted
cat > "$T/ok.json" <<'EOF'
{"child": {"forename": "Dora", "surname": "Datewise", "date_of_birth": "1/3/2024", "sex": "female"},
 "death": {"date": "14/03/2025", "place": "home", "expected": "expected", "post_mortem": "no",
           "coroner": "not_referred", "cause": "1a Pneumonia"},
 "birth": {"gestation_weeks": 39, "weight_grams": 3400},
 "notified": {"date": "today", "by_agency": "hospital"}}
EOF
as mo notify --json "$T/ok.json"
expect_rc 0 "notify with DD/MM/YYYY and today"
text_of REF "$T/out"
as mo case show "$REF" --json
expect_out '"date": "2025-03-14"' "14/03/2025 stored as 2025-03-14"
expect_out '"date_of_birth": "2024-03-01"' "1/3/2024 stored as 2024-03-01"
expect_out '"date": "2025-06-10"' "today stored as the date"
expect_out '"gestation_weeks": 39' "gestation stored"
expect_out '"coroner": "not_referred"' "coroner stored"
as pat case show "$REF" --json
file_lacks "$T/out" "Pneumonia" "cause of death is identifiable: not for the panel"
expect_out '"gestation_weeks": 39' "the panel sees gestation"
as mo meeting new --date 09/06/2025
expect_rc 0 "meeting new --date DD/MM/YYYY"
text_of M "$T/out"
as mo meeting list --json
expect_out '"2025-06-09"' "meeting date stored ISO"
as mo meeting new --date 31/02/2025
expect_rc 1 "meeting on 31/02"
expect_err "--date" "names --date"
as mo meeting new --date 2025-13-01
expect_rc 1 "meeting in month 13"
expect_err "'2025-13-01' is not a real date; months run 01 to 12" "an ISO date's month"
file_has "$T/err" "day first" -F && fail "no day-first hint for an ISO date" || pass
as mo rr add "$REF" --action home_visit --on "14/03/2025 10:30"
expect_rc 0 "rr add --on 'DD/MM/YYYY HH:MM'"
as mo rr list "$REF" --json
expect_out '"2025-03-14T10:30"' "stored ISO"

# -- an empty global option is an error, not the default: a script's
# `--register "$R"` with R unset must not reach the default register
for g in --register --user --passphrase-file; do
  raw "$g" "" case list --register "$REG" --user mo --passphrase-file "$T/mo.pass"
  expect_rc 2 "empty $g"
  expect_err "$g: the value is empty" "empty $g: says so"
done
raw --register="" case list --user mo --passphrase-file "$T/mo.pass"
expect_rc 2 "empty --register= before the command"
raw case list --register "$REG" --user "" --passphrase-file "$T/mo.pass"
expect_rc 2 "empty --user after the command"
CDOP_USER= raw case list --register "$REG" --user mo --passphrase-file "$T/mo.pass"
expect_rc 0 "an empty variable is as if unset"

# -- init names the flag of a recovery file that exists (it said
# "recovery-out:", the field, not the flag)
raw init --admin ada --kdf test --recovery-out "$T/rec.txt" --register "$T/g2.cdop" --passphrase-file "$T/ada.pass"
expect_rc 1 "init over an existing recovery file"
expect_err "cdop: --recovery-out: '$T/rec.txt' already exists" "names --recovery-out"
[ ! -e "$T/g2.cdop" ] && pass || fail "a refused init left a register"

# -- a passphrase "file" that cannot be read says so (it said "has an empty
# first line" for a directory)
raw case list --register "$REG" --user mo --passphrase-file "$T"
expect_rc 2 "a directory as the passphrase file"
expect_err "cannot read passphrase file '$T': Is a directory" "says why"

# -- every command refuses an option it does not know: exit 2, at once.
# (`export --out F --bogus` looped for ever, and with --recipient wrote
# past its array, until 27 Nov 2026.) Each command as the first user whose
# role may run it (the role is checked before the options).
"$CDOP" help | sed -n 's/^  \([a-z]*\)\( [a-z]*\)\?.*/\1\2/p' | sort -u > "$T/cmds"
[ "$(wc -l < "$T/cmds")" -ge 50 ] && pass || fail "help lists the commands: $(cat "$T/cmds")"
while read -r cmd; do
  for u in mo ada ann pat; do
    as "$u" $cmd --no-such-option
    [ "$RC" -ne 3 ] && break
  done
  [ "$RC" -eq 2 ] && pass || fail "$cmd --no-such-option: exit $RC, want 2 ($(head -c 200 "$T/err"))"
done < "$T/cmds"
for extra in "" "--recipient age1n8l2x3cckrukah453q8lv3al44q0d9c7f6zamjwjdlqe3qpsr39sm2xw7e"; do
  as mo export --out "$T/never.jsonl" $extra --bogus
  expect_rc 2 "export --out F ${extra:+--recipient R }--bogus"
done
[ ! -e "$T/never.jsonl" ] && pass || fail "a refused export left a file"

# -- standard output that cannot be written. A reader that stops early
# (`cdop case list | head`): stdout is a pipe whose reader has gone, so
# every write fails; the listing is larger than stdio's buffer, so one
# fails while the command runs. The command must not be killed there
# (SIGPIPE), between its commit and its seal: it ends, closes the register
# cleanly and exits 141 (128 + SIGPIPE, as the shell shows a filter's end)
# without a message. Before, the next command warned "not closed cleanly".
gen_cases "$T/many.jsonl 150 3"
as mo import "$T/many.jsonl"
expect_rc 0 "150 cases imported"
python3 - "$CDOP" "$REG" "$T/mo.pass" >"$T/pipe" <<'PY'
import os, subprocess, sys
r, w = os.pipe()
os.close(r)
p = subprocess.run([sys.argv[1], "--register", sys.argv[2], "--user", "mo",
                    "--passphrase-file", sys.argv[3], "case", "list", "--json"],
                   stdin=subprocess.DEVNULL, stdout=w, stderr=subprocess.PIPE)
print(p.returncode, repr(p.stderr.decode()))
PY
grep -qx "141 ''" "$T/pipe" && pass || fail "reader gone: exit 141, no message (got $(cat "$T/pipe"))"
as mo case list
expect_rc 0 "the next command"
file_has "$T/err" "not closed cleanly" -F && fail "reader gone: register left unsealed" || pass
as ada audit list --json
expect_out '"action": "list"' "the listing is audited"
# Any other write error is one: exit 5, named (a full disk).
"$CDOP" --register "$REG" --user mo --passphrase-file "$T/mo.pass" case list --json \
  >/dev/full 2>"$T/err" </dev/null
rc=$?
[ "$rc" = 5 ] && pass || fail "stdout on a full disk: exit 5 (got $rc)"
expect_err "cannot write to standard output: No space left on device" "says why"

finish
