#!/usr/bin/env bash
# Keyring v1 -> v2 (docs/security.md §17), the staging (the switch,
# `key convert`, is t_convert_switch.sh): while
# the keyring is v1, each user's unlock stages their v2 slot in the
# database (a fresh key pair wrapped under their own passphrase key, bound
# to the register id and the future keyring-admin key the first admin's
# unlock makes). Checked from outside with libsodium and the stock
# sqlcipher shell (lib/v2stage.py): every staged slot opens with its
# user's passphrase, the admin record only with the admin's staged key;
# nothing is staged before an admin has unlocked; a passwd re-stages; the
# keyring stays v1 and every user still unlocks; check and audit verify
# pass. The staging commits of ada's and mo's unlocks are killed
# (tests/crash/faultshim.c) at every fourth fsync, rename, link and unlink
# and the last (CDOP_CONVERT_CRASH_ALL=1 or CDOP_FULL=1: every one; CDOP_CONVERT_CRASH_WRITES=1 adds every write and pwrite: the full run,
# docs/security.md §17): each leaves the staging fully there (with its
# audit entry) or not at all, and every user unlocks after it.
# scripts/test.sh runs half of the kill points (of each user's staging)
# in each run (CDOP_SAMPLE_PART, tests/cli/lib/sample.sh: the
# even-numbered ones in the normal run, the odd ones under the
# sanitizers); a run by hand without it runs every fourth and the last.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib/sample.sh"
export CDOP_TODAY=2025-06-01
SHIM=${CDOP_FAULTSHIM:-$CDOP_BUILD/libcdop_faultshim.so}
[ -e "$SHIM" ] || { echo "no fault shim at $SHIM" >&2; exit 1; }
FIX=$SRC/tests/fixtures/pre008
cp "$FIX/register.cdop" "$REG"; cp "$FIX/register.cdop.keys" "$REG.keys"
chmod 600 "$REG" "$REG.keys"
for u in ada mo pat ann; do mkpass "$u"; done
PW="ada ada-long-passphrase mo mo-long-passphrase pat pat-long-passphrase ann ann-long-passphrase"
# stage [REGFILE] [PW...]: the staged rows as a holder of the v1 master key
# (mo, with the stock shell) reads them
stage() {
  local f=${1:-$REG}; shift || true
  python3 "$SRC/tests/cli/lib/v2stage.py" "$REG.keys" "$f" mo mo-long-passphrase ${@:-$PW} \
    > "$T/stage" 2>"$T/stageerr"
}
nrows() { grep -c . "$T/stage"; }
v1sql() {
  python3 "$SRC/tests/cli/lib/v1key.py" "$REG.keys" mo mo-long-passphrase "${2:-$REG}" "$1" \
    > "$T/sql" 2>"$T/sqlerr" || { echo "v1key: $(cat "$T/sqlerr")" >&2; exit 1; }
}
v1ring() { [ "$(od -An -tu2 -j8 -N2 "$REG.keys" | tr -d ' ')" = 1 ]; }

as mo case list; expect_rc 0 "the manager's unlock (migrates, seals legacy rows)"
as pat case list; expect_rc 0 "the panel's unlock"
stage; expect_rc_ok=$?
[ $expect_rc_ok = 0 ] && [ "$(nrows)" = 0 ] && pass || fail "nothing staged before an admin unlocks: $(cat "$T/stage" "$T/stageerr")"
cp "$REG" "$T/base1.cdop"; cp "$REG.keys" "$T/base1.keys"

as ada user list; expect_rc 0 "the admin's unlock"
stage && [ "$(cat "$T/stage" | tr '\n' ' ')" = "slot ada ok admin ada ok " ] && pass ||
  fail "the admin's slot and the admin key staged: $(cat "$T/stage" "$T/stageerr")"
cp "$REG" "$T/base2.cdop"; cp "$REG.keys" "$T/base2.keys"
for u in mo pat ann; do as $u key show; expect_rc 0 "$u unlocks"; done
stage && [ "$(grep -c ' ok$' "$T/stage")" = 5 ] && pass ||
  fail "every user's slot staged, each opens with its own passphrase: $(cat "$T/stage" "$T/stageerr")"
v1sql "SELECT key || value FROM meta WHERE key LIKE 'keyring_v2%' ORDER BY key;"; cp "$T/sql" "$T/rows1"
for u in ada mo pat ann; do as $u key show; expect_rc 0 "$u unlocks again"; done
v1sql "SELECT key || value FROM meta WHERE key LIKE 'keyring_v2%' ORDER BY key;"
same_file "$T/sql" "$T/rows1" && pass || fail "a second unlock stages nothing again"
v1sql "SELECT user || ' ' || object FROM audit WHERE action = 'key_stage' ORDER BY seq;"
[ "$(tr '\n' ' ' < "$T/sql")" = "ada ada mo mo pat pat ann ann " ] && pass ||
  fail "one key_stage entry per user: $(cat "$T/sql")"

# A passwd: the staged slot no longer matches the v1 slot's salt; the next
# unlock stages it again under the new passphrase.
printf 'pat-new-passphrase\n' > "$T/pat.new"; chmod 600 "$T/pat.new"
as pat passwd --new-passphrase-file "$T/pat.new"; expect_rc 0 "pat's passwd"
cp "$T/pat.new" "$T/pat.pass"
as pat key show; expect_rc 0 "pat unlocks with the new passphrase"
stage "$REG" ada ada-long-passphrase mo mo-long-passphrase pat pat-new-passphrase ann ann-long-passphrase
[ $? = 0 ] && [ "$(grep -c ' ok$' "$T/stage")" = 5 ] && pass ||
  fail "pat re-staged under the new passphrase: $(cat "$T/stage" "$T/stageerr")"
# The admin who made the admin record changes passphrase: the record's box
# was sealed to her old staged key, so her next unlock starts again (new
# admin key, every other staged slot dropped), and each user restages.
v1sql "SELECT value FROM meta WHERE key = 'keyring_v2_admin';"; cp "$T/sql" "$T/adm1"
printf 'ada-new-passphrase\n' > "$T/ada.new"; chmod 600 "$T/ada.new"
as ada passwd --new-passphrase-file "$T/ada.new"; expect_rc 0 "ada's passwd"
cp "$T/ada.new" "$T/ada.pass"
as ada user list; expect_rc 0 "ada unlocks with the new passphrase"
v1sql "SELECT value FROM meta WHERE key = 'keyring_v2_admin';"
same_file "$T/sql" "$T/adm1" && fail "a new admin key after the creator's passwd" || pass
PW2="ada ada-new-passphrase mo mo-long-passphrase pat pat-new-passphrase ann ann-long-passphrase"
stage "$REG" $PW2 && [ "$(tr '\n' ' ' < "$T/stage")" = "slot ada ok admin ada ok " ] && pass ||
  fail "only ada's slot is staged under the new admin key: $(cat "$T/stage" "$T/stageerr")"
for u in mo pat ann; do as $u key show; expect_rc 0 "$u unlocks"; done
stage "$REG" $PW2 && [ "$(grep -c ' ok$' "$T/stage")" = 5 ] && pass ||
  fail "every user restaged: $(cat "$T/stage" "$T/stageerr")"
v1ring && pass || fail "the keyring is still v1 (nothing switches yet)"
as ada audit verify; expect_rc 0 "audit verify"
as ada check; expect_rc 0 "check"

# ---- kills in the staging commits -------------------------------------------
KINDS=fsync,rename,link,unlink
[ "${CDOP_CONVERT_CRASH_WRITES:-0}" = 1 ] && KINDS=$KINDS,write,pwrite
mkpass pat; mkpass ada
run_op() { # ada: admin record + slot (base1); mo: mo's slot (base2)
  "$CDOP" --register "$REG" --user "$1" --passphrase-file "$T/$1.pass" key show \
    >/dev/null 2>&1 </dev/null
}
# Every fourth point and the last (the one after the commit), or all.
STEP=4; [ "${CDOP_CONVERT_CRASH_ALL:-0}" = 1 ] || [ "${CDOP_FULL:-0}" = 1 ] && STEP=1
total=0
for op in ada mo; do
  # rows and key_stage entries before and after the staging
  if [ $op = ada ]; then base=$T/base1; old="0 0"; new="2 1"; else base=$T/base2; old="2 1"; new="3 2"; fi
  cp "$base.cdop" "$REG"; cp "$base.keys" "$REG.keys"; rm -f "$T/log"
  CDOP_FAULT_KINDS=$KINDS CDOP_FAULT_LOG="$T/log" LD_PRELOAD="$SHIM" run_op $op
  n=$(wc -l < "$T/log"); landed=0 kept=0
  for k in $( (seq 1 "$STEP" "$n"; echo "$n") | sort -nu | sample_filter); do
    cp "$base.cdop" "$REG"; cp "$base.keys" "$REG.keys"; rm -f "$REG-journal" "$REG.keys.new"
    CDOP_FAULT_KINDS=$KINDS CDOP_FAULT_AT=$k CDOP_FAULT_MODE=kill LD_PRELOAD="$SHIM" run_op $op
    # What a reader sees: a copy (with any journal, which the shell rolls back).
    rm -rf "$T/peek"; mkdir "$T/peek"; cp "$REG" "$T/peek/r"
    [ -e "$REG-journal" ] && cp "$REG-journal" "$T/peek/r-journal"
    if ! stage "$T/peek/r"; then fail "$op, kill $k/$n: a staged slot does not open: $(cat "$T/stageerr")"; continue; fi
    v1sql "SELECT count(*) FROM audit WHERE action = 'key_stage';" "$T/peek/r"
    text_of sql "$T/sql"; got="$(nrows) $sql"
    if [ "$got" = "$new" ]; then landed=$((landed + 1)); pass
    elif [ "$got" = "$old" ]; then kept=$((kept + 1)); pass
    else fail "$op, kill $k/$n: half a staging (rows, entries): $got"; fi
    for u in ada mo pat ann; do
      as $u key show; expect_rc 0 "$op, kill $k/$n: $u unlocks"
    done
    as ada check; expect_rc 0 "$op, kill $k/$n: check"
    v1ring && pass || fail "$op, kill $k/$n: the keyring is no longer v1"
    ls_grep "$T" 'reg\.cdop\.keys\.(new|tmp)' && fail "$op, kill $k: stray keyring file" || pass
  done
  echo "$op: $n kill points, $landed staged, $kept left as it was"
  total=$((total + n))
done
echo "kill points: $total"
finish
