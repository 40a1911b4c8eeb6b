#!/usr/bin/env bash
# Sealed files (SPEC §8): key show --age, export --recipient, import of a
# sealed file; with the stock age tool both ways. A file for another
# recipient, a changed byte, a truncated file: exit 4, nothing written.
. "$(dirname "$0")/lib.sh"

export CDOP_TODAY=2025-06-01
from_template

# a second, unrelated register (its own keys): REG2, manager mo
second_register() {
  local keep=$REG
  REG2_N=$(( ${REG2_N:-0} + 1 ))
  REG="$T/two-$REG2_N.cdop"
  "$CDOP" --register "$REG" --passphrase-file "$T/ada.pass" init --admin ada \
    --kdf test --recovery-out "$T/recovery2-$REG2_N.txt" >/dev/null 2>"$T/err" </dev/null ||
    { echo "init of the second register failed: $(cat "$T/err")" >&2; exit 1; }
  as ada user add mo --role manager --new-passphrase-file "$T/mo.pass"
  [ "$RC" -eq 0 ] || { echo "user add: $(cat "$T/err")" >&2; exit 1; }
  REG2=$REG
  REG=$keep
  on2 mo key show --age
  text_of R2 "$T/out"
}
# on2 USER ARGS: as, on the second register
on2() { local keep=$REG; REG=$REG2; as "$@"; REG=$keep; }
cases_in() { "$CDOP" --register "$1" --user mo --passphrase-file "$T/mo.pass" case list --json 2>/dev/null |
  json_count; }

second_register

# -- key show --age: an age1 recipient, the same for every role, another register's differs
as mo key show --age
expect_rc 0 "key show --age"
text_of R1 "$T/out"
case "$R1" in age1*) [ ${#R1} -eq 62 ] && pass || fail "recipient length ${#R1}";; *) fail "not age1: $R1";; esac
for u in ada pat ann; do
  as $u key show --age
  [ "$RC" -eq 0 ] && [ "$(cat "$T/out")" = "$R1" ] && pass || fail "key show --age as $u"
done
[ -n "$R2" ] && [ "$R2" != "$R1" ] && pass || fail "the second register has its own recipient"
as mo key show --bogus
expect_rc 2 "key show --bogus is a usage error"

# -- export --recipient: sealed; age -d with a key from age-keygen reads it
# (every data set of the test from one python: lib.sh gen_cases)
gen_cases "$T/gen.jsonl 20 7" "$T/five.jsonl 5 8" "$T/three.jsonl 3 9" "$T/padsrc.jsonl 5 12" \
  "$T/four.jsonl 4 10"
as mo import "$T/gen.jsonl"
expect_rc 0 "import 20 plain cases"
age-keygen -o "$T/k" 2>/dev/null
RK=$(age-keygen -y "$T/k")
as mo export --out "$T/plain.jsonl"
expect_rc 0 "plain export"
as mo export --out "$T/sealed.age" --recipient "$RK" --recipient "$R2"
expect_rc 0 "sealed export"
expect_out "sealed to 2 age recipients" "sealed export says so"
head -c 22 "$T/sealed.age" | grep -q '^age-encryption.org/v1' && pass || fail "sealed export is an age file"
[ "$(stat -c %a "$T/sealed.age")" = 600 ] && pass || fail "sealed export mode 0600"
file_lacks "$T/sealed.age" '"notification"' "sealed export holds no plaintext"
age -d -i "$T/k" -o "$T/opened.jsonl" "$T/sealed.age" && same_file "$T/opened.jsonl" "$T/plain.jsonl" &&
  pass || fail "age -d of the sealed export gives the plain export's bytes"
as mo export --out "$T/sealed.age" --recipient "$RK"
expect_rc 1 "sealed export never overwrites"
as mo export --out "$T/bad.age" --recipient age1notakey
expect_rc 1 "a bad recipient is rejected"
expect_err "--recipient" "the message names --recipient"
[ ! -e "$T/bad.age" ] && pass || fail "nothing written for a bad recipient"
as mo export --out - --recipient "$RK"
expect_rc 2 "--recipient with --out - is a usage error"
as ada audit list --json
python3 - "$T/out" <<'PY' && pass || fail "the sealed export is audited"
import json, sys
e = [x for x in json.load(open(sys.argv[1])) if x['action'] == 'export']
assert any('sealed to 2 age recipients' in (x.get('detail') or '') for x in e), e
PY

# -- import on the second register: the sealed export, all of it
on2 mo import "$T/sealed.age"
expect_rc 0 "import of a file sealed to the second register"
[ "$(cases_in "$REG2")" = 20 ] && pass || fail "20 cases arrive sealed"
on2 mo export --out "$T/again.jsonl"
same_file "$T/again.jsonl" "$T/plain.jsonl" && pass || fail "sealed round trip keeps every byte"

# -- import of what the stock age tool sealed to this register (age -r R2)
age -r "$R2" -o "$T/by-age.age" "$T/five.jsonl"
on2 mo import --dry-run "$T/by-age.age"
expect_rc 0 "dry run of an age -r file"
on2 mo import "$T/by-age.age"
expect_rc 0 "import of an age -r file"
[ "$(cases_in "$REG2")" = 25 ] && pass || fail "age -r file imported"
# and from standard input
age -r "$R2" < "$T/three.jsonl" > "$T/three.age"
"$CDOP" --register "$REG2" --user mo --passphrase-file "$T/mo.pass" import - < "$T/three.age" >"$T/out" 2>"$T/err"
RC=$?; expect_rc 0 "import - of a sealed file on stdin"
[ "$(cases_in "$REG2")" = 28 ] && pass || fail "sealed stdin imported"

# -- sealed imports at the chunk boundaries (blank lines pad the file to
#    the exact size; they are skipped): 0, 65,535, 65,536, 65,537 bytes, 3 MiB
# (the padded files $T/pad-N.jsonl all made by one python)
python3 - "$T/padsrc.jsonl" "$T/pad-%d.jsonl" 0 65535 65536 65537 3145728 <<'PY'
import sys
for n in map(int, sys.argv[3:]):
    b = open(sys.argv[1], 'rb').read() if n else b''
    open(sys.argv[2] % n, 'wb').write(b + b'\n' * (n - len(b)))
PY
for n in 0 65535 65536 65537 3145728; do
  [ "$(stat -c %s "$T/pad-$n.jsonl")" = $n ] || fail "pad to $n"
  age -r "$R2" -o "$T/pad.age" "$T/pad-$n.jsonl"
  on2 mo import --dry-run "$T/pad.age"
  expect_rc 0 "dry run of a $n-byte sealed file"
  [ $n = 0 ] && want=0 || want=5
  expect_out "would import $want cases" "$n-byte sealed file: $want cases"
done

# -- refusals: exit 4, nothing written, the register unchanged
age -r "$R2" -o "$T/by-age.age" "$T/four.jsonl"
bad() {
  on2 mo import "$1"
  expect_rc 4 "$2"
  [ "$(cases_in "$REG2")" = 28 ] && pass || fail "$2: nothing imported"
}
age -r "$RK" -o "$T/other.age" "$T/four.jsonl"
bad "$T/other.age" "a file for another recipient"
expect_err "not sealed to this register" "another recipient: the message says so"
size=$(stat -c %s "$T/by-age.age")
head -c $((size - 1)) "$T/by-age.age" > "$T/trunc.age"
bad "$T/trunc.age" "a truncated file"
head -c 300 "$T/by-age.age" > "$T/trunc.age"
bad "$T/trunc.age" "a file cut inside its payload"
for off in 60 250 $((size / 2)) $((size - 2)); do
  cp "$T/by-age.age" "$T/flip.age"; flip_byte "$T/flip.age" $off
  bad "$T/flip.age" "byte $off changed"
done
python3 - "$T/by-age.age" "$T/nc.age" <<'PY'
import sys
b = open(sys.argv[1], 'rb').read()
i = b.index(b'\n', b.index(b'-> X25519 '))
open(sys.argv[2], 'wb').write(b[:i] + b'=' + b[i:])
PY
bad "$T/nc.age" "a non-canonical header"
on2 ada audit list --json
python3 - "$T/out" <<'PY' && pass || fail "no import recorded for a refused file"
import json, sys
assert len([x for x in json.load(open(sys.argv[1])) if x['action'] == 'import']) == 3
PY
# roles: only a manager opens a sealed file (panel may not import at all)
on2 pat import "$T/by-age.age"
expect_rc 3 "panel cannot import"

finish
