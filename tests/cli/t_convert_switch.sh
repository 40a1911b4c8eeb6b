#!/usr/bin/env bash
# Keyring v1 -> v2, the switch (docs/security.md §17): `key convert` by the
# admin whose unlock started the staging, once every active user has a
# staged slot. From tests/fixtures/pre008 (ada admin, mo manager, pat
# panel, ann analyst; v1 keyring): refused while ann has not unlocked
# (naming her), or for another admin; a user who never stages is disabled
# and the switch goes ahead without them (they stay refused), or is given
# a new passphrase with the v1 recovery code and stages with it. After the
# switch every user unlocks with their unchanged passphrase and does their
# role's work; the new recovery code works and the old one does not; the
# OLD keyring (lib/v1key.py, the stock sqlcipher shell) opens nothing in
# the register any more, nor (with pat's current database key) any field
# sealed after; mo's first unlock re-seals every legacy (epoch-0) row in
# one transaction with one entry; audit verify and check pass. The switch
# is killed (tests/crash/faultshim.c) at every fourth fsync, rename, link
# and unlink (CDOP_CONVERT_CRASH_ALL=1: every one; CDOP_CONVERT_CRASH_WRITES=1
# adds every write and pwrite): each leaves it fully v1 or fully v2, every
# user unlocks, check passes, no keyring temp file is left.
# scripts/test.sh runs half of the kill points in each run
# (CDOP_SAMPLE_PART, tests/cli/lib/sample.sh: the even-numbered ones in the
# normal run, the odd ones under the sanitizers); a run by hand without it
# runs every fourth and the last.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib/sample.sh"
export CDOP_TODAY=2025-06-01
SHIM=${CDOP_FAULTSHIM:-$CDOP_BUILD/libcdop_faultshim.so}
[ -e "$SHIM" ] || { echo "no fault shim at $SHIM" >&2; exit 1; }
FIX=$SRC/tests/fixtures/pre008
fresh() { cp "$FIX/register.cdop" "$REG"; cp "$FIX/register.cdop.keys" "$REG.keys"; chmod 600 "$REG" "$REG.keys"; }
for u in ada mo pat ann; do mkpass "$u"; done
OLDKEYS=$FIX/register.cdop.keys
# v1sql SQL [REG] [KEYS]: as mo holding a v1 keyring (the stock shell); RC 3 if it opens nothing
v1sql() {
  python3 "$SRC/tests/cli/lib/v1key.py" "${3:-$REG.keys}" mo mo-long-passphrase "${2:-$REG}" "$1" \
    > "$T/sql" 2>"$T/sqlerr"; RC=$?
}
version() { od -An -tu2 -j8 -N2 "$REG.keys" | tr -d ' '; }
NAME="Wilhelmina Quarrendon"

# ---- refusals -----------------------------------------------------------------
fresh
as mo case list; expect_rc 0 "the manager's unlock (seals legacy rows under the old key)"
as ada user list; expect_rc 0 "ada's unlock starts the staging"
as mo key show; as pat key show
as ada key convert; expect_rc 1 "refused without --recovery-out (a printed code could be lost)"
expect_err "--recovery-out" "the refusal names --recovery-out"
as ada key convert --recovery-out "$T/rec-$RANDOM.txt"; expect_rc 1 "refused while ann has not unlocked"
expect_err "'ann' must unlock once" "the refusal names ann"
[ "$(version)" = 1 ] && pass || fail "still v1 after the refusal"
cp "$REG" "$T/base.cdop"; cp "$REG.keys" "$T/base.keys" # ann not staged

# A user who never stages: disabled by the admin, the switch goes ahead.
as ada user disable ann; expect_rc 0 "ada disables ann (v1)"
as ada key convert --recovery-out "$T/rec-$RANDOM.txt"; expect_rc 0 "the switch without ann"
[ "$(version)" = 2 ] && pass || fail "v2 after the switch without ann"
as ann key show; expect_rc 3 "ann, disabled, is refused"
# mo first: the switch retired the report key (M's), a manager's unlock makes the new one
for u in mo ada pat; do as $u key show; expect_rc 0 "$u unlocks"; done
as ada check; expect_rc 0 "check (ann disabled)"

# Or ann is given a new passphrase with the v1 recovery code: her first
# unlock with it stages, and she keeps it after the switch.
cp "$T/base.cdop" "$REG"; cp "$T/base.keys" "$REG.keys"
printf 'ann-recovered-pass\n' > "$T/ann.rec"; chmod 600 "$T/ann.rec"
"$CDOP" --register "$REG" recover --recovery-file "$FIX/recovery.txt" --user ann \
  --new-passphrase-file "$T/ann.rec" >"$T/out" 2>"$T/err" </dev/null; RC=$?
expect_rc 0 "ann's passphrase reset with the v1 recovery code"
cp "$T/ann.rec" "$T/ann.pass"; as ann key show; expect_rc 0 "ann unlocks (stages)"
as ada key convert --recovery-out "$T/rec-$RANDOM.txt"; expect_rc 0 "the switch after ann's recover"
as mo key show; expect_rc 0 "mo unlocks (the new report key)"
as ann key show; expect_rc 0 "ann unlocks with the recovered passphrase after the switch"
mkpass ann

# ---- the switch ----------------------------------------------------------------
cp "$T/base.cdop" "$REG"; cp "$T/base.keys" "$REG.keys"
as ann key show; expect_rc 0 "ann unlocks (stages)"
cp "$T/out" "$T/key.before"
mkpass bob
as ada user add bob --role admin --new-passphrase-file "$T/bob.pass"; expect_rc 0 "a second admin (v1)"
as bob key show; expect_rc 0 "bob stages"
as bob key convert --recovery-out "$T/rec-bob.txt"; expect_rc 1 "another admin than the one who started the staging is refused"
expect_err "whose unlock started it" "bob is told who converts"
cp "$REG" "$T/staged.cdop"; cp "$REG.keys" "$T/staged.keys" # everyone staged (kill base)
as ada key convert --recovery-out "$T/rec.txt"; expect_rc 0 "ada converts"
[ "$(version)" = 2 ] && pass || fail "the keyring is v2"
[ "$(stat -c %a "$T/rec.txt")" = 600 ] && grep -qE '^([0-9a-f]{4}-){7}[0-9a-f]{4}$' "$T/rec.txt" &&
  pass || fail "the new recovery code written 0600"
as ada key convert --recovery-out "$T/rec-$RANDOM.txt"; expect_rc 1 "a second conversion is refused"
# Before a manager's unlock the rows are still under the legacy K_id: the
# old master key opens them (what it always could: the check is not empty).
python3 "$SRC/tests/cli/insider.py" blobs "$REG" "$REG.keys" pat pat-long-passphrase "$T/blobs0.json"
python3 "$SRC/tests/cli/lib/v1key.py" "$OLDKEYS" pat pat-long-passphrase --tryblobs "$T/blobs0.json" \
  > "$T/try" 2>&1; RC=$?
expect_rc 1 "the old master key opens the legacy (epoch-0) rows before the re-seal"
v1sql "SELECT count(*) FROM sqlite_master;" "$REG" "$OLDKEYS"
[ "$RC" = 3 ] && pass || fail "the OLD keyring opens nothing in the converted register: $(cat "$T/sql")"

# Every user, their role's work.
as pat key show; expect_rc 1 "no report key to show until a manager unlocks (M's is retired)"
expect_err "report-signing key was retired" "key show says the key was retired"
for u in mo ada bob pat ann; do as $u key show; expect_rc 0 "$u unlocks with the same passphrase"; done
same_file "$T/out" "$T/key.before" && fail "the report key is new after the switch (M's is retired)" || pass
as pat case list; expect_rc 0 "pat lists cases"
file_has "$T/out" "Wilhelmina" -F && fail "the panel sees no name" || pass
as mo case show "$(cat "$FIX/case.txt")"; expect_rc 0 "mo reads the case"
file_has "$T/out" "Quarrendon" -F && grep -q "Petronella Vashti\|Quentin Jones" "$T/out" &&
  pass || fail "mo reads the notification and the sealed fields: $(head -c 300 "$T/out")"
as ada audit list; grep -c ' seal ' "$T/out" > "$T/nseal"
grep -E ' mo +seal .*legacy key re-sealed' "$T/out" >/dev/null && pass ||
  fail "mo's first unlock re-sealed the legacy rows, one entry: $(grep seal "$T/out")"
as mo case list; as ada audit list
[ "$(grep -c ' seal ' "$T/out")" = "$(cat "$T/nseal")" ] && pass || fail "nothing re-sealed twice"
as ann report annual --year 2025-26 --edition board --format csv --out "$T/rep.csv"
expect_rc 0 "ann signs a report"
as pat verify "$T/rep.csv"; expect_rc 0 "the report verifies with the register's key"
mkpass zed
as ada user add zed --role manager --new-passphrase-file "$T/zed.pass"; expect_rc 0 "ada adds a manager (v2)"
as mo key show; as zed case show "$(cat "$FIX/case.txt")"; expect_rc 0 "zed reads the case once mo has unlocked"
file_has "$T/out" "Quarrendon" -F && pass || fail "zed was granted the identifiable-data keys"

# The recovery codes: the new one works, the old one opens nothing.
printf 'ann-new-passphrase\n' > "$T/ann.new"; chmod 600 "$T/ann.new"
"$CDOP" --register "$REG" recover --recovery-file "$FIX/recovery.txt" --user ann \
  --new-passphrase-file "$T/ann.new" >"$T/out" 2>"$T/err" </dev/null; RC=$?
expect_rc 3 "the old recovery code is refused"
"$CDOP" --register "$REG" recover --recovery-file "$T/rec.txt" --user ann \
  --new-passphrase-file "$T/ann.new" >"$T/out" 2>"$T/err" </dev/null; RC=$?
expect_rc 0 "the new recovery code sets ann's passphrase"
cp "$T/ann.new" "$T/ann.pass"; as ann key show; expect_rc 0 "ann unlocks with it"

# The old keyring's holder, even with pat's current database key, opens no
# field sealed now (lib/v1key.py tryblobs: every legacy subkey of the old
# master key on every sealed blob the current database holds).
python3 "$SRC/tests/cli/insider.py" blobs "$REG" "$REG.keys" pat pat-long-passphrase "$T/blobs.json"
python3 "$SRC/tests/cli/lib/v1key.py" "$OLDKEYS" pat pat-long-passphrase --tryblobs "$T/blobs.json" \
  > "$T/try" 2>&1 && pass || fail "the old master key opens a field sealed after: $(cat "$T/try")"
python3 "$SRC/tests/cli/insider.py" read "$REG" "$REG.keys" pat pat-long-passphrase \
  "$NAME" Quarrendon 9434765919 > "$T/ins" 2>&1 && pass || fail "pat's own keys read nothing: $(cat "$T/ins")"

as ada user disable pat; expect_rc 0 "a rotation after the conversion"
as pat key show; expect_rc 3 "pat is refused"
as mo case show "$(cat "$FIX/case.txt")"; expect_rc 0 "mo still reads"
as ada audit verify; expect_rc 0 "audit verify"
as ada check; expect_rc 0 "check"

# ---- kills in the switch -------------------------------------------------------
KINDS=fsync,rename,link,unlink
[ "${CDOP_CONVERT_CRASH_WRITES:-0}" = 1 ] && KINDS=$KINDS,write,pwrite
mkpass ann
# Every fourth point and the last by default; all with CDOP_CONVERT_CRASH_ALL=1 or CDOP_FULL=1.
STEP=4; [ "${CDOP_CONVERT_CRASH_ALL:-0}" = 1 ] || [ "${CDOP_FULL:-0}" = 1 ] && STEP=1
run_op() {
  rm -f "$T/rec-kill.txt"
  "$CDOP" --register "$REG" --user ada --passphrase-file "$T/ada.pass" key convert \
    --recovery-out "$T/rec-kill.txt" >/dev/null 2>&1 </dev/null
}
cp "$T/staged.cdop" "$REG"; cp "$T/staged.keys" "$REG.keys"; rm -f "$T/log"
CDOP_FAULT_KINDS=$KINDS CDOP_FAULT_LOG="$T/log" LD_PRELOAD="$SHIM" run_op
n=$(wc -l < "$T/log"); v1=0 v2=0
for k in $( (seq 1 "$STEP" "$n"; echo "$n") | sort -nu | sample_filter); do
  cp "$T/staged.cdop" "$REG"; cp "$T/staged.keys" "$REG.keys"; rm -f "$REG-journal" "$REG.keys.new"
  CDOP_FAULT_KINDS=$KINDS CDOP_FAULT_AT=$k CDOP_FAULT_MODE=kill LD_PRELOAD="$SHIM" run_op
  for u in mo pat ada bob ann; do # mo first: a converted register's new report key
    as $u key show; expect_rc 0 "kill $k/$n: $u unlocks"
  done
  as ada audit list; c=$(grep -c ' key_convert ' "$T/out")
  case "$(version) $c" in
    "1 0") v1=$((v1 + 1))
      v1sql "SELECT count(*) FROM meta WHERE key LIKE 'keyring!_v2!_%' ESCAPE '!';"
      [ "$RC" = 0 ] && [ "$(cat "$T/sql")" = 6 ] && pass || fail "kill $k: v1 with every slot staged: $(cat "$T/sql")";;
    "2 1") v2=$((v2 + 1))
      v1sql "SELECT count(*) FROM sqlite_master;" "$REG" "$OLDKEYS"
      [ "$RC" = 3 ] && pass || fail "kill $k: converted, and the old keyring opens nothing";;
    *) fail "kill $k/$n: half a conversion (keyring version, key_convert entries): $(version) $c";;
  esac
  as ada check; expect_rc 0 "kill $k/$n: check"
  ls_grep "$T" 'reg\.cdop\.keys\.(new|tmp)' && fail "kill $k: stray keyring file" || pass
done
# A conversion a kill undid (at the first point) can be made again.
cp "$T/staged.cdop" "$REG"; cp "$T/staged.keys" "$REG.keys"
CDOP_FAULT_KINDS=$KINDS CDOP_FAULT_AT=1 CDOP_FAULT_MODE=kill LD_PRELOAD="$SHIM" run_op
as ada key convert --recovery-out "$T/rec-$RANDOM.txt"; expect_rc 0 "the conversion again after a kill"
[ "$(version)" = 2 ] && pass || fail "v2 after the second try"
echo "switch: $n kill points, $v2 converted, $v1 left v1"
finish
