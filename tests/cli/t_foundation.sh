#!/usr/bin/env bash
# Issue 2: init, files, users, roles, exit codes, recovery, audit, check.
. "$(dirname "$0")/lib.sh"

new_register
# -- files: both 0600, register is not plain SQLite, no names in clear
for f in "$REG" "$REG.keys"; do
  [ "$(stat -c %a "$f")" = 600 ] && pass || fail "mode of $f is $(stat -c %a "$f")"
done
[ "$(stat -c %a "$T/recovery.txt")" = 600 ] && pass || fail "recovery file mode"
head -c 15 "$REG" | grep -q "SQLite format 3" && fail "register starts with SQLite magic" || pass
add_user mo manager
add_user pat panel
add_user ann analyst
add_user zebedee-quibble panel
# (long words only: three random bytes spelling "ada" somewhere is likely)
for f in "$REG" "$REG.keys"; do
  for word in zebedee-quibble manager panel analyst admin; do
    file_lacks "$f" "$word" "names in clear"
  done
done

# -- init never overwrites
raw --register "$REG" --passphrase-file "$T/ada.pass" init --admin ada --kdf test
expect_rc 1 "init over an existing register"
expect_err "already exists" "init over existing: message"

# -- usage errors are exit 2
raw --register "$REG" --passphrase "x" check
expect_rc 2 "passphrase in argv"
expect_err "never taken from the command line" "passphrase in argv: message"
raw --register "$REG" --user ada check
expect_rc 2 "no passphrase and no terminal"
expect_err "--passphrase-file" "no terminal: message says how"
raw --register "$REG" frobnicate
expect_rc 2 "unknown command"
as ada user add
expect_rc 2 "user add without NAME"
raw help; expect_rc 0 "help"
raw --version; expect_rc 0 "--version"
raw user add --help; expect_rc 0 "command --help"; expect_out "--role" "user add --help"

# -- access: wrong passphrase, unknown user, disabled user, role
printf 'not-the-passphrase\n' > "$T/wrong.pass"; chmod 600 "$T/wrong.pass"
raw --register "$REG" --user ada --passphrase-file "$T/wrong.pass" check
expect_rc 3 "wrong passphrase"
expect_err "wrong passphrase for user 'ada'" "wrong passphrase: message"
raw --register "$REG" --user nobody --passphrase-file "$T/ada.pass" check
expect_rc 3 "unknown user"
expect_err "unknown user 'nobody'" "unknown user: message"
as pat check
expect_rc 3 "panel may not check"
expect_err "may not run 'check'" "role: message"
as mo user add zed --role panel
expect_rc 3 "manager may not add users"
add_user gone panel
as ada user disable gone
expect_rc 0 "disable"
as gone check
expect_rc 3 "disabled user"
expect_err "disabled" "disabled: message"
as ada user disable ada
expect_rc 1 "cannot disable yourself"
as ada user add mo --role panel --new-passphrase-file "$T/mo.pass"
expect_rc 1 "duplicate user"
as ada user add Bad --role panel --new-passphrase-file "$T/mo.pass"
expect_rc 1 "bad user name"
as ada user add zed --role chief --new-passphrase-file "$T/mo.pass"
expect_rc 1 "unknown role"
expect_err "valid: admin, manager, panel, analyst" "unknown role: message"
printf 'short\n' > "$T/short.pass"
as ada user add zed --role panel --new-passphrase-file "$T/short.pass"
expect_rc 1 "short passphrase"

# -- the audit trail shows the failed attempts and the refusal
as ada audit list --json
expect_rc 0 "audit list"
python3 - "$T/out" <<'PY' && pass || fail "audit trail lacks failed attempts"
import json, sys
e = json.load(open(sys.argv[1]))
acts = [(x['action'], x['object'], x['detail'].split(' (claimed')[0]) for x in e]
assert ('unlock_failed', 'ada', 'unverified claim: wrong passphrase') in acts, acts
assert ('unlock_failed', 'nobody', 'unverified claim: unknown user') in acts, acts
assert ('unlock_failed', 'gone', 'unverified claim: disabled user') in acts, acts
assert any(a == 'denied' and o == 'check' for a, o, _ in acts), acts
assert [x['seq'] for x in e] == list(range(1, len(e) + 1))
PY
as ada audit verify
expect_rc 0 "audit verify"
as ada check
expect_rc 0 "check after commands"

# -- passwd and recover
mkpass mo2; as mo passwd --new-passphrase-file "$T/mo2.pass"
expect_rc 0 "passwd"
as mo audit list; expect_rc 3 "old passphrase stops working after passwd"
cp "$T/mo2.pass" "$T/mo.pass"
as mo passwd --new-passphrase-file "$T/short.pass"; expect_rc 1 "passwd too short"
mkpass ada2
raw --register "$REG" recover --recovery-file "$T/recovery.txt" --user ada \
  --new-passphrase-file "$T/ada2.pass"
expect_rc 0 "recover"
as ada check; expect_rc 3 "old admin passphrase stops working after recover"
cp "$T/ada2.pass" "$T/ada.pass"
as ada check; expect_rc 0 "new admin passphrase works"
printf '0000-0000-0000-0000-0000-0000-0000-0000\n' > "$T/badcode.txt"
raw --register "$REG" recover --recovery-file "$T/badcode.txt" --user ada \
  --new-passphrase-file "$T/ada2.pass"
expect_rc 3 "wrong recovery code"

# -- missing register is never created
raw --register "$T/none.cdop" --user ada --passphrase-file "$T/ada.pass" check
expect_rc 1 "missing register"
[ ! -e "$T/none.cdop" ] && pass || fail "open created a register"
finish
