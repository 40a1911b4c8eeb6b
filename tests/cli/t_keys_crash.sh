#!/usr/bin/env bash
# Issue 10, findings 6 and 7: key-slot changes land with their database
# commit or not at all. `user add`, `user disable` (with its rotation),
# `passwd` and `recover` are killed (SIGKILL, tests/crash/faultshim.c with
# CDOP_FAULT_KINDS) just before fsync, fdatasync, rename, link and unlink
# calls they make. CI (the normal and the sanitizer run, half each) kills at a
# deterministic sample of those points: per operation, every kind of call
# and every file its calls touch at least once, each at its last call
# (from the end, the call adding the most not yet covered kinds and files,
# while one still adds). The last calls put kills on both sides of the
# commit: the last journal unlink (the commit itself, not landed) and the
# keyring's renames and reseal after it (landed). The full run, every point and every write and pwrite as
# well: CDOP_FULL=1 (docs/test-suite.md;
# CDOP_KEYS_CRASH_ALL=1 every point of the four kinds alone, and
# CDOP_KEYS_CRASH_WRITES=1 adds the writes). After each kill: the next open completes or discards
# the interrupted keyring change, `check` passes, every user unlocks with
# the passphrase that matches what landed, the audit trail has the entry
# exactly when the change landed, and no keyring temp file is left.
# scripts/test.sh runs half of the sample in each run (CDOP_SAMPLE_PART,
# tests/cli/lib/sample.sh: the even-numbered points, counted over all four
# operations, in the normal run, the odd ones under the sanitizers; either
# half still kills every operation on both sides of its commit); a run by
# hand without it runs the whole sample.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib/sample.sh"
export CDOP_TODAY=2025-06-01
SHIM=${CDOP_FAULTSHIM:-$CDOP_BUILD/libcdop_faultshim.so}
[ -e "$SHIM" ] || { echo "no fault shim at $SHIM" >&2; exit 1; }
KINDS=fsync,rename,link,unlink
ALL=${CDOP_KEYS_CRASH_ALL:-${CDOP_FULL:-0}}
[ "${CDOP_KEYS_CRASH_WRITES:-${CDOP_FULL:-0}}" = 1 ] && KINDS=$KINDS,write,pwrite
from_template
as mo case list; expect_rc 0 "the manager's first unlock (its keys made)"
mkpass zed; printf 'pat-new-passphrase\n' > "$T/pat.new"; printf 'ann-new-passphrase\n' > "$T/ann.new"
chmod 600 "$T/pat.new" "$T/ann.new"
mkdir "$T/base"; cp -p "$REG" "$REG.keys" "$T/base/"
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
# entry ACTION OBJECT: E, how many entries of the audit list in $T/out record
# it (the JSON array is printed one member a line, "object" right after
# "action"; the values here need no escaping). The shell's loop, not an awk
# and a subshell per point.
entry() {
  local -a l
  local i
  mapfile -t l < "$T/out"
  E=0
  for ((i = 0; i < ${#l[@]}; i++)); do
    [ "${l[i]}" = "    \"action\": \"$1\"," ] || continue
    i=$((i + 1))
    [ "${l[i]-}" = "    \"object\": \"$2\"," ] && E=$((E + 1))
  done
}
unlocks() { # USER PASSFILE: 0 if USER unlocks with PASSFILE (key show: any role;
  # through the fork server: five per point)
  raw --register "$REG" --user "$1" --passphrase-file "$2" key show; [ "$RC" -eq 0 ]
}
# points FEAT N: the kill points of one operation (FEAT: fault_features of
# its shim log, N calls), every one ($ALL) or the sample (see the top of
# the file), in call order (sorted in the awk: no sort process)
points() {
  if [ "$ALL" = 1 ]; then seq 1 "$2"; return; fi
  awk '{ pt[++m] = $1; k[m] = $2; fl[m] = $3 }
    END {
      for (;;) {
        best = 0; gain = 0
        for (i = m; i >= 1; i--) {
          g = !(k[i] in have) + !(fl[i] in have)
          if (g > gain) { gain = g; best = i }
        }
        if (!best) break
        sel[++s] = pt[best]; have[k[best]] = 1; have[fl[best]] = 1
      }
      for (i = 2; i <= s; i++) {
        v = sel[i]
        for (j = i - 1; j >= 1 && sel[j] + 0 > v + 0; j--) sel[j + 1] = sel[j]
        sel[j + 1] = v
      }
      for (i = 1; i <= s; i++) print sel[i]
    }' "$1"
}

total=0 index=0
for op in add disable passwd recover; do
  cp -p "$T/base/reg.cdop" "$T/base/reg.cdop.keys" "$T/"
  rm -f "$T/log"
  CDOP_FAULT_KINDS=$KINDS CDOP_FAULT_LOG="$T/log" LD_PRELOAD="$SHIM" run_op $op
  landed=0 kept=0 at=""
  # each call's KIND@NAME by its number (read once, not two awks per
  # point); n the calls, a line each (the log's features made once, not
  # again for the points, nor a wc)
  fault_features "$T/log" > "$T/feat"
  declare -A kind_at=()
  n=0
  while read -r fn fk ff fkind; do kind_at[$fn]=$fkind@${ff:5} n=$((n + 1)); done < "$T/feat"
  for k in $(points "$T/feat" "$n"); do
    index=$((index + 1)); sample_mine $((index - 1)) || continue
    at="$at $k(${kind_at[$k]-})"
    cp -p "$T/base/reg.cdop" "$T/base/reg.cdop.keys" "$T/"
    # (rm only when there is one: a process)
    for f in "$REG-journal" "$REG.keys.new"; do
      [ -e "$f" ] || [ -L "$f" ] && rm -f "$REG-journal" "$REG.keys.new" && break
    done
    CDOP_FAULT_KINDS=$KINDS CDOP_FAULT_AT=$k CDOP_FAULT_MODE=kill LD_PRELOAD="$SHIM" run_op $op
    # the next open (the audit list read for the entry below)
    as ada audit list --json; expect_rc 0 "$op, kill $k/$n: the next open"
    case $op in
      add) entry user_add zed; who=zed; new="$T/zed.pass"; old= ;;
      disable) entry user_disable pat; who=pat; new=; old="$T/pat.old" ;;
      passwd) entry passwd pat; who=pat; new="$T/pat.new"; old="$T/pat.old" ;;
      recover) entry passwd ann; who=ann; new="$T/ann.new"; old="$T/ann.old" ;;
    esac
    e=$E
    as ada check; expect_rc 0 "$op, kill $k/$n: check"
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
    ls_grep "$T" 'reg\.cdop\.keys\.(new|tmp)' && fail "$op, kill $k: stray keyring file" || pass
  done
  echo "$op: $n kill points, killed at$at: $landed landed, $kept left the register as it was"
  [ "$landed" -gt 0 ] && [ "$kept" -gt 0 ] && pass ||
    fail "$op: the kills did not fall on both sides of the commit ($landed landed, $kept not)"
  total=$((total + landed + kept))
done
sample_says
echo "kill points run: $total of the $index in the sample"
finish
