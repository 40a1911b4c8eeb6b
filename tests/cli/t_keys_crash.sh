#!/usr/bin/env bash
# Issue 10, findings 6 and 7: key-slot changes land with their database
# commit or not at all. `user add`, `user disable` (with its rotation),
# `passwd` and `recover` are killed (SIGKILL, tests/crash/faultshim.c with
# CDOP_FAULT_KINDS) just before each fsync, fdatasync, rename, link and
# unlink they make (every second such point, all with
# CDOP_KEYS_CRASH_ALL=1; CDOP_KEYS_CRASH_WRITES=1 adds every write and
# pwrite: the full run, docs/security.md). After each kill: the next open completes or discards
# the interrupted keyring change, `check` passes, every user unlocks with
# the passphrase that matches what landed, the audit trail has the entry
# exactly when the change landed, and no keyring temp file is left.
. "$(dirname "$0")/lib.sh"
export CDOP_TODAY=2025-06-01
SHIM=${CDOP_FAULTSHIM:-$CDOP_BUILD/libcdop_faultshim.so}
[ -e "$SHIM" ] || { echo "no fault shim at $SHIM" >&2; exit 1; }
KINDS=fsync,rename,link,unlink
[ "${CDOP_KEYS_CRASH_WRITES:-0}" = 1 ] && KINDS=$KINDS,write,pwrite
from_template
as mo case list; expect_rc 0 "the manager's first unlock (its keys made)"
mkpass zed; printf 'pat-new-passphrase\n' > "$T/pat.new"; printf 'ann-new-passphrase\n' > "$T/ann.new"
chmod 600 "$T/pat.new" "$T/ann.new"
cp "$REG" "$T/base.cdop"; cp "$REG.keys" "$T/base.keys"
cp "$T/pat.pass" "$T/pat.old"; cp "$T/ann.pass" "$T/ann.old"

run_op() { # OP: the command, with the shim's environment from the caller
  case $1 in
    add) "$CDOP" --register "$REG" --user ada --passphrase-file "$T/ada.pass" \
           user add zed --role panel --new-passphrase-file "$T/zed.pass" ;;
    disable) "$CDOP" --register "$REG" --user ada --passphrase-file "$T/ada.pass" \
           user disable pat ;;
    passwd) "$CDOP" --register "$REG" --user pat --passphrase-file "$T/pat.old" \
           passwd --new-passphrase-file "$T/pat.new" ;;
    recover) "$CDOP" --register "$REG" recover --recovery-file "$T/recovery.txt" \
           --user ann --new-passphrase-file "$T/ann.new" ;;
  esac >/dev/null 2>&1 </dev/null
}
# entry ACTION OBJECT: how many audit entries record it
entry() {
  as ada audit list --json
  python3 -c "import json,sys; print(sum(e['action']==sys.argv[2] and e['object']==sys.argv[3] for e in json.load(open(sys.argv[1]))))" "$T/out" "$1" "$2"
}
unlocks() { # USER PASSFILE: 0 if USER unlocks with PASSFILE (key show: any role)
  "$CDOP" --register "$REG" --user "$1" --passphrase-file "$2" key show >/dev/null 2>&1 </dev/null
}
# Every STEP-th kill point (1: all of them; CDOP_KEYS_CRASH_ALL=1).
# Under the sanitizers (CDOP_SANITIZED=1, scripts/test.sh) every command
# costs several times more and the normal run has already killed at every
# second point: there every fourth, from point 1 or 3 in turn per operation
# (so the operations between them cover both halves of the normal run's
# points). What the sanitizers add, memory errors on the recovery paths,
# does not need every point of a path that is the same code each time.
STEP=2; [ "${CDOP_KEYS_CRASH_ALL:-0}" = 1 ] && STEP=1
SANSTEP=$STEP; [ "${CDOP_SANITIZED:-0}" = 1 ] && [ "$STEP" = 2 ] && SANSTEP=4

total=0 opi=0
for op in add disable passwd recover; do
  cp "$T/base.cdop" "$REG"; cp "$T/base.keys" "$REG.keys"
  rm -f "$T/log"
  CDOP_FAULT_KINDS=$KINDS CDOP_FAULT_LOG="$T/log" LD_PRELOAD="$SHIM" run_op $op
  n=$(wc -l < "$T/log"); landed=0 kept=0
  first=1; [ "$SANSTEP" != "$STEP" ] && first=$(( 1 + 2 * (opi % 2) )); opi=$((opi + 1))
  [ "$first" -gt "$n" ] && first=1
  for k in $(seq "$first" "$SANSTEP" "$n"); do
    cp "$T/base.cdop" "$REG"; cp "$T/base.keys" "$REG.keys"; rm -f "$REG-journal" "$REG.keys.new"
    CDOP_FAULT_KINDS=$KINDS CDOP_FAULT_AT=$k CDOP_FAULT_MODE=kill LD_PRELOAD="$SHIM" run_op $op
    as ada user list; expect_rc 0 "$op, kill $k/$n: the next open"
    as ada check; expect_rc 0 "$op, kill $k/$n: check"
    case $op in
      add) e=$(entry user_add zed); who=zed; new="$T/zed.pass"; old= ;;
      disable) e=$(entry user_disable pat); who=pat; new=; old="$T/pat.old" ;;
      passwd) e=$(entry passwd pat); who=pat; new="$T/pat.new"; old="$T/pat.old" ;;
      recover) e=$(entry passwd ann); who=ann; new="$T/ann.new"; old="$T/ann.old" ;;
    esac
    [ "$e" = 0 ] || [ "$e" = 1 ] && pass || fail "$op, kill $k: $e audit entries"
    if [ "$e" = 1 ]; then
      landed=$((landed + 1))
      if [ -n "$new" ]; then unlocks $who "$new" && pass || fail "$op, kill $k: landed, $who cannot unlock with the new passphrase"; fi
      if [ -n "$old" ]; then unlocks $who "$old" && fail "$op, kill $k: landed, the old passphrase still opens $who's slot" || pass; fi
    else
      kept=$((kept + 1))
      if [ -n "$old" ]; then unlocks $who "$old" && pass || fail "$op, kill $k: not landed, $who cannot unlock with the old passphrase"; fi
      if [ -n "$new" ]; then unlocks $who "$new" && fail "$op, kill $k: not landed, yet the new passphrase opens $who's slot" || pass; fi
    fi
    for u in ada mo ann pat; do
      [ "$u" = "$who" ] && continue
      unlocks $u "$T/$u.pass" && pass || fail "$op, kill $k: $u cannot unlock"
    done
    ls "$T" | grep -E 'reg\.cdop\.keys\.(new|tmp)' && fail "$op, kill $k: stray keyring file" || pass
  done
  echo "$op: $n kill points, $landed landed, $kept left the register as it was"
  total=$((total + n))
done
echo "kill points: $total"
finish
