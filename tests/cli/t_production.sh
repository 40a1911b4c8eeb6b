#!/usr/bin/env bash
# Issue 9: the production cdop keeps production behaviour. Only cdop-test,
# which the rest of the suite runs, honours CDOP_TODAY (SPEC §6),
# CDOP_LOCK_TIMEOUT_MS and the Argon2id "test" profile.
. "$(dirname "$0")/lib.sh"

# prod ARGS...: run the production cdop; stdout in $T/out, stderr in $T/err
prod() { "$CDOP_PROD" "$@" >"$T/out" 2>"$T/err" </dev/null; RC=$?; return 0; }
P="$T/prod.cdop"
mkpass ada; mkpass ann

# -- --kdf test is not a profile in cdop; nothing is created
prod --register "$P" --passphrase-file "$T/ada.pass" init --admin ada --kdf test \
  --recovery-out "$T/prod-rec.txt"
expect_rc 1 "cdop init --kdf test"
expect_err "'test' is not a profile; valid: interactive, moderate, sensitive" \
  "cdop init --kdf test: message"
[ ! -e "$P" ] && [ ! -e "$P.keys" ] && [ ! -e "$T/prod-rec.txt" ] && pass ||
  fail "cdop init --kdf test left files behind"

# -- a register made by cdop-test with the test profile: cdop will not open
#    it (the parameters are below the bounds, as for a forged keyring)
from_template
as ada check; expect_rc 0 "cdop-test opens a test-profile register"
for who in ada mo; do
  prod --register "$REG" --user "$who" --passphrase-file "$T/$who.pass" check
  expect_rc 4 "cdop opens a test-profile register as $who"
  expect_err "outside the accepted bounds" "test-profile keyring: message"
done
prod --register "$REG" --user ann --passphrase-file "$T/ann.pass" \
  report annual --year 2025-26 --edition board --format json --out "$T/r.json"
expect_rc 4 "cdop runs a command on a test-profile register"
[ ! -e "$T/r.json" ] && pass || fail "cdop wrote a report from a test-profile register"

# -- without --kdf, init uses the production default, "moderate": every slot
#    (admin, recovery) says ops 3, 256 MiB (crypto/keyring.h, v2: a 64-byte
#    header, a 280-byte public block, 216-byte slots, ops at +4 and memory
#    at +8, little-endian)
prod --register "$P" --passphrase-file "$T/ada.pass" init --admin ada \
  --recovery-out "$T/prod-rec.txt"
expect_rc 0 "cdop init (default profile)"
python3 - "$P.keys" <<'PY' && pass || fail "cdop init did not use the moderate profile"
import struct, sys
b = open(sys.argv[1], 'rb').read()
for i in range(2):
    ops, mem = struct.unpack_from('<IQ', b, 64 + 280 + 216 * i + 4)
    assert (ops, mem) == (3, 256 << 20), (i, ops, mem)
PY
rm -f "$P" "$P.keys" "$T/prod-rec.txt"
prod --register "$P" --passphrase-file "$T/ada.pass" init --admin ada --kdf interactive \
  --recovery-out "$T/prod-rec.txt"
expect_rc 0 "cdop init --kdf interactive"
prod --register "$P" --user ada --passphrase-file "$T/ada.pass" audit list --json
expect_rc 0 "cdop audit list"
expect_out '"interactive"' "the init audit entry names the profile"
prod --register "$P" --user ada --passphrase-file "$T/ada.pass" user add ann \
  --role analyst --new-passphrase-file "$T/ann.pass"
expect_rc 0 "cdop user add"

# -- CDOP_TODAY: cdop-test takes it, cdop uses the real clock
CDOP_TODAY=2000-01-01 as ann report annual --year 2090-91 --edition board \
  --format json --out "$T/r.json"
expect_rc 1 "cdop-test: a year that has not started"
expect_err "(today is 2000-01-01)" "cdop-test honours CDOP_TODAY"
before=$(date +%F)
CDOP_TODAY=2000-01-01 prod --register "$P" --user ann --passphrase-file "$T/ann.pass" \
  report annual --year 2090-91 --edition board --format json --out "$T/r.json"
after=$(date +%F)
expect_rc 1 "cdop: a year that has not started"
if grep -qF "(today is $before)" "$T/err" || grep -qF "(today is $after)" "$T/err"; then
  pass; else fail "cdop did not ignore CDOP_TODAY: $(cat "$T/err")"; fi

# -- the lock wait: cdop ignores CDOP_LOCK_TIMEOUT_MS and waits (30 s in
#    cdop/cli/cli.h; waiting it out here would cost 30 s)
grep -q '^#define CLI_LOCK_TIMEOUT_MS 30000$' "$SRC/cdop/cli/cli.h" && pass ||
  fail "the production lock wait is no longer 30 s"
python3 - "$P" 2 <<'PY' &
import fcntl, sys, time
f = open(sys.argv[1], 'rb')
fcntl.flock(f, fcntl.LOCK_EX)
open(sys.argv[1] + '.held', 'w').close()
time.sleep(float(sys.argv[2]))
PY
holder=$!
while [ ! -e "$P.held" ]; do sleep 0.05; done
start=$(date +%s%N)
CDOP_LOCK_TIMEOUT_MS=100 prod --register "$P" --user ada --passphrase-file "$T/ada.pass" \
  user list
elapsed=$(( ($(date +%s%N) - start) / 1000000 ))
wait "$holder"; rm -f "$P.held"
expect_rc 0 "cdop waits for the lock despite CDOP_LOCK_TIMEOUT_MS=100"
[ "$elapsed" -ge 1500 ] && pass || fail "cdop did not wait for the lock (${elapsed} ms)"
finish
