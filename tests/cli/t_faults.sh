#!/usr/bin/env bash
# The crash harness (issue 10, must-show 3). Every writing command is run
# under tests/crash/faultshim.c (LD_PRELOAD), which counts its write,
# pwrite, fsync, rename, link, unlink and fflush calls and at call N
# SIGKILLs it or fails that call with EIO or ENOSPC. After each point:
#   - `check` exits 0 (the interrupted write is recovered or was never seen)
#   - the data is fully old or fully new, and the audit trail agrees with it
#   - every user (ada, mo, pat, ann) unlocks
#   - no stray file beside the register or the output (temps, journals)
#   - a user file that exists is complete and its audit entry committed
#     (export: same bytes as a clean run; report: verifies; pack: whole
#     HTML; backup: restores)
#   - init and restore: everything or nothing at the target, and the same
#     command run again succeeds
# CI (scripts/test.sh: the normal and the sanitizer run, half each) runs a
# deterministic sample of points: every command at least once, and every
# kind of call and every file that any command's calls touch at least
# once. Per command, in the order below, the sample takes the call that
# adds the most not yet covered (kind, file) features (the first such in
# call order), and goes on while a call still adds one; a command that
# adds none gets its middle or, every second command, its last call that is
# not a page write (one before its commit, one after). The modes
# rotate kill, eio, kill, enospc over the points. The test prints the
# features the sample covers and fails if one of the logged ones was
# missed. scripts/test.sh runs half of the sample's points in each run
# (CDOP_SAMPLE_PART, tests/cli/lib/sample.sh: the even-numbered points in
# the normal run, the odd ones under the sanitizers; each point keeps its
# mode); a run by hand without it runs the whole sample.
# The full run, every point of every command with kill, eio and enospc,
# and user add/disable/passwd as well: CDOP_FULL=1 (docs/test-suite.md
# has its last counts and outcomes):
#   CDOP_FULL=1 ctest -R cli/t_faults --output-on-failure
# (or CDOP_BIN=build/cdop-test CDOP_FAULTSHIM=build/libcdop_faultshim.so
#  CDOP_FULL=1 bash tests/cli/t_faults.sh). CDOP_FAULT_ONLY=NAME runs
# one command; CDOP_FAULT_FULL=1 every point without the user commands,
# CDOP_FAULT_USERS=1 the user commands alone added.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib/sample.sh"
export CDOP_TODAY=2026-03-31
SHIM=${CDOP_FAULTSHIM:?CDOP_FAULTSHIM must point at libcdop_faultshim.so}
FULL=${CDOP_FAULT_FULL:-${CDOP_FULL:-0}}
USERS=${CDOP_FAULT_USERS:-${CDOP_FULL:-0}}
W="$T/w"; S="$T/scratch"; mkdir -p "$W" "$S"
REG="$W/reg.cdop"
from_template

# ---- the base state every point starts from --------------------------------
notif() { # SURNAME DOB
  printf '{"child": {"forename": "Fa", "surname": "%s", "date_of_birth": "%s", "sex": "male", "resident": true},
 "death": {"date": "2025-05-03", "place": "home", "expected": "unexpected"},
 "notified": {"date": "2025-05-04", "by_agency": "hospital"}}\n' "$1" "$2"
}
notif Alpha 2024-01-01 > "$T/n1.json"; notif Beta 2024-02-01 > "$T/n2.json"
notif Gamma 2024-03-01 > "$T/n3.json"
as mo notify --json "$T/n1.json"; text_of R1 "$T/out"
as mo notify --json "$T/n2.json"; text_of R2 "$T/out"
as mo case status "$R1" gathering
as mo agency request "$R1" --agency police
as mo meeting new --date 2026-03-01 --chair Chair; text_of M "$T/out"
as mo case status "$R2" gathering; as mo case status "$R2" ready
as mo meeting add "$M" "$R2"; expect_rc 0 "base: meeting add"
cat > "$T/rev.json" <<'J'
{"category": 10, "domains": {"child": 1, "social_environment": 2, "physical_environment": 1,
 "service_provision": 1}, "modifiable": "yes", "themes": ["safe_sleeping"],
 "learning": "text", "learning_publishable": false,
 "recommendations": [{"text": "do a thing", "owner": "public_health", "due": "2026-06-30"}],
 "referred_for_review": false}
J
text_of rv "$T/rev.json"; printf '%s\n' "${rv/'"category": 10'/'"category": 9'}" > "$T/rev2.json"
as pat review "$R2" --meeting "$M" --json "$T/rev.json"; expect_rc 0 "base: review"
# A manager's unlock checks the panel's text (issue 11, its own audited
# transaction): done here, so each manager command below is one write.
as mo case show "$R2"; expect_rc 0 "base: the panel's text checked"
echo '{"case_summary": "a form"}' > "$T/form.json"
echo '{"death": {"place": "hospital_ed"}}' > "$T/upd.json"
# three cases to import: Imp, Ort and Ed born 2023-01-01, -02-01, -03-01
for i in 1 2 3; do
  s=(- Imp Ort Ed)
  printf '{"notification": {"child": {"forename": "I", "surname": "%s", "date_of_birth": "2023-0%d-01", "sex": "female", "resident": true}, "death": {"date": "2025-06-03", "place": "home", "expected": "expected"}, "notified": {"date": "2025-06-04", "by_agency": "gp"}}}\n' "${s[i]}" "$i"
done > "$T/imp.jsonl"
as ada backup --out "$T/base.bak"; expect_rc 0 "base: backup"
mkdir "$T/base"; cp -p "$REG" "$REG.keys" "$T/base/"
rm -f "$T/out" "$T/err"
[ -z "$(ls "$W" | grep -v '^reg.cdop$\|^reg.cdop.keys$')" ] && pass || fail "base: stray files $(ls "$W")"

# ---- the commands ------------------------------------------------------------
# NAME|USER|ARGS (eval'ed)|OUTPUT FILES (beside the register, in $W)
COMMANDS=(
  "notify|mo|notify --json $T/n3.json|"
  "case_update|mo|case update $R1 --json $T/upd.json|"
  "case_status|mo|case status $R1 ready|"
  "rr_add|mo|rr add $R1 --action home_visit --on 2025-05-03|"
  "agency_request|mo|agency request $R1 --agency gp|"
  "agency_receive|mo|agency receive $R1 --agency police --on 2026-03-31 --json $T/form.json|"
  "meeting_new|mo|meeting new --date 2026-03-15 --chair Chair|"
  "meeting_add|mo|meeting add $M $R1|"
  "meeting_attend|mo|meeting attend $M --name Ann --agency police|"
  "review|pat|review $R2 --meeting $M --json $T/rev2.json|"
  "action_done|mo|action done 1 --on 2026-03-20|"
  "import|mo|import $T/imp.jsonl|"
  "export|mo|export --out $W/e.jsonl|e.jsonl"
  "report|mo|report annual --year 2025-26 --edition board --format md --out $W/r.md|r.md r.md.minisig"
  "pack|mo|meeting pack $M --out $W/p.html|p.html"
  "backup|ada|backup --out $W/b.bak|b.bak"
  "restore|ada|restore $T/base.bak --to $W/new.cdop|new.cdop new.cdop.keys"
  "init|ada|init --admin ada --kdf test --recovery-out $W/rec.txt|new.cdop new.cdop.keys rec.txt"
)
if [ "$USERS" = 1 ]; then
  mkpass zed; mkpass newpass
  COMMANDS+=(
    "user_add|ada|user add zed --role panel --new-passphrase-file $T/zed.pass|"
    "user_disable|ada|user disable ann|"
    "passwd|pat|passwd --new-passphrase-file $T/newpass.pass|"
  )
fi

# (a point's reset runs once per point: when $W holds only the register and
# its keyring, one cp over them, else rm and cp; a process is ~5 ms)
reset_base() {
  local f
  for f in "$W"/.* "$W"/*; do
    case ${f##*/} in .|..|reg.cdop|reg.cdop.keys) continue ;; esac
    [ -e "$f" ] || [ -L "$f" ] || continue
    rm -rf "$W"; break
  done
  if [ -d "$W" ]; then cp -pf "$T/base/reg.cdop" "$T/base/reg.cdop.keys" "$W/"
  else cp -rp "$T/base" "$W"; fi
}
# run NAME USER ARGS [env...]: the command on $W (init and restore on their own targets)
run_cmd() {
  local name=$1 user=$2 args=$3; shift 3
  local reg=$REG
  [ "$name" = init ] && reg="$W/new.cdop"
  # (the shell's "Killed" goes to /dev/null with the group's stderr; the
  # variables exported for the call only, local -x in run_exec: no
  # subshell, no env process, one process a point)
  { run_exec "$@"; } 2>/dev/null
}
# run_exec [NAME=VALUE...]: the command of run_cmd (its reg, user, args)
# with these variables exported; CRC its exit status
run_exec() {
  [ $# -eq 0 ] || local -x "$@"
  "$CDOP" --register "$reg" --user "$user" --passphrase-file "$T/$user.pass" \
    $args >"$T/cout" 2>"$T/cerr" </dev/null
  CRC=$?
}
# state: STATE="FINGERPRINT AUDIT-ENTRIES" of the register at $REG, read on a
# copy (export writes an audit entry). Through the fork server (raw), not a
# process each: three commands per point.
state() {
  cp "$REG" "$REG.keys" "$S/"
  # a keyring change interrupted after its commit: its .new is the keyring
  if [ -e "$REG.keys.new" ]; then cp "$REG.keys.new" "$S/"
  elif [ -e "$S/reg.cdop.keys.new" ]; then rm -f "$S/reg.cdop.keys.new"; fi
  local a
  raw --register "$S/reg.cdop" --user ada --passphrase-file "$T/ada.pass" audit list --json
  json_count -v a "$T/out"
  # (the user list kept in the shell, hashed from standard input: no mv)
  local users
  raw --register "$S/reg.cdop" --user ada --passphrase-file "$T/ada.pass" user list --json
  text_of users "$T/out"
  raw --register "$S/reg.cdop" --user mo --passphrase-file "$T/mo.pass" export --out -
  local -a h=($(sha1sum "$T/out" - <<<"$users"))
  STATE="${h[0]:0:12}${h[2]:0:12} $a"
}
# strays OUTS: STRAYS="NAME NAME " the names in $W (as ls -A, in its order)
# but the register, its keyring and OUTS (a glob and a loop: the ls, grep
# and tr this was, five processes with the subshells, ran after every point)
strays() {
  local f n o
  STRAYS=
  for f in "$W"/.* "$W"/*; do
    n=${f##*/}
    case $n in .|..) continue ;; reg.cdop|reg.cdop.keys) continue ;; esac
    [ -e "$f" ] || [ -L "$f" ] || continue
    for o in $1; do [ "$n" = "$o" ] && continue 2; done
    STRAYS+="$n "
  done
}

ROTATE=(kill eio kill enospc)
: > "$T/covered"; : > "$T/logged"
reset_base; state; base_state=$STATE
total_points=0; run_points=0; summary=""; ci=0
for spec in "${COMMANDS[@]}"; do
  IFS='|' read -r name user args outs <<<"$spec"
  ci=$((ci + 1))
  [ -n "${CDOP_FAULT_ONLY:-}" ] && [ "$CDOP_FAULT_ONLY" != "$name" ] && continue
  # a clean run: the new state, and how many points the command has
  reset_base
  rm -f "$T/log"
  run_cmd "$name" "$user" "$args" LD_PRELOAD="$SHIM" CDOP_FAULT_LOG="$T/log"
  [ "$CRC" -eq 0 ] && pass || { fail "$name: clean run exit $CRC: $(head -c 300 "$T/cerr")"; continue; }
  if [ "$name" = export ]; then cp "$W/e.jsonl" "$T/clean-export"; fi
  fault_features "$T/log" > "$T/feat"
  # each call's features, by its number: FEAT_COV the two the sample counts,
  # FEAT_KIND its KIND@NAME (read once here, not an awk per point); n the
  # calls (a line each); the lines added to $T/logged (sort -u at the end)
  declare -A FEAT_COV=() FEAT_KIND=()
  n=0 lines=
  while read -r fn fk ff fkind; do
    FEAT_COV[$fn]=$fk$'\n'$ff FEAT_KIND[$fn]=$fkind@${ff:5}
    n=$((n + 1)) lines+="$fn $fk $ff $fkind"$'\n'
  done < "$T/feat"
  printf '%s' "$lines" >> "$T/logged"
  # the points: every one (full), or the sample (see the top of the file)
  if [ "$FULL" = 1 ]; then
    points=$(seq 1 "$n"); modes="kill eio enospc"
  else
    points=$(awk -v cov="$T/covered" -v ci="$ci" 'FILENAME == cov { have[$0] = 1; next }
      { pt[++m] = $1; f[m, 1] = $2; f[m, 2] = $3; if ($4 != "pwrite") np[++k] = $1 }
      END {
        for (;;) {
          best = 0; gain = 0
          for (i = 1; i <= m; i++) {
            g = !(f[i, 1] in have) + !(f[i, 2] in have)
            if (g > gain) { gain = g; best = i }
          }
          if (!best) break
          sel[++s] = pt[best]; have[f[best, 1]] = 1; have[f[best, 2]] = 1; took = 1
        }
        if (!took) sel[++s] = np[ci % 2 ? int((k + 1) / 2) : k]
        # in call order (an insertion sort here, not a sort process)
        for (i = 2; i <= s; i++) {
          v = sel[i]
          for (j = i - 1; j >= 1 && sel[j] + 0 > v + 0; j--) sel[j + 1] = sel[j]
          sel[j + 1] = v
        }
        for (i = 1; i <= s; i++) print sel[i]
      }' "$T/covered" "$T/feat")
    modes=sample
    for p in $points; do [ -z "${FEAT_COV[$p]+set}" ] || printf '%s\n' "${FEAT_COV[$p]}"; done >> "$T/covered"
  fi
  # the clean run's state, which the points' outcomes are compared with:
  # only when this run takes one of the command's points (CDOP_SAMPLE_PART)
  new= pa=($points)
  for ((j = 0; j < ${#pa[@]}; j++)); do sample_mine $((total_points + j)) && { state; new=$STATE; break; }; done
  outcomes=""
  for p in $points; do
    kind=${FEAT_KIND[$p]-}
    for mode in $modes; do
      [ "$FULL" != 1 ] && mode=${ROTATE[total_points % 4]}
      total_points=$((total_points + 1))
      sample_mine $((total_points - 1)) || continue
      run_points=$((run_points + 1))
      reset_base
      run_cmd "$name" "$user" "$args" LD_PRELOAD="$SHIM" CDOP_FAULT_AT="$p" CDOP_FAULT_MODE="$mode"
      where="$name at call $p ($kind, $mode)"
      rc=$CRC
      [ "$CRC" -lt 128 ] || [ "$mode" = kill ] && pass || fail "$where: crashed ($CRC)"
      if [ "$name" = init ] || [ "$name" = restore ]; then
        # all or nothing at the target, and a retry succeeds
        t="$W/new.cdop"
        if [ -e "$t" ]; then
          raw --register "$t" --user ada --passphrase-file "$T/ada.pass" check
          [ "$RC" -eq 0 ] && pass || fail "$where: target left but check fails: $(head -c 300 "$T/err")"
          [ "$name" != init ] || [ -s "$W/rec.txt" ] && pass || fail "$where: register without its recovery code"
          res=complete
        else
          # nothing committed: whatever is left (temps, a keyring or code
          # file linked to them) must not block the same command again
          run_cmd "$name" "$user" "$args"
          [ "$CRC" -eq 0 ] && pass || fail "$where: the retry failed: $(head -c 300 "$T/cerr")"
          res=nothing+retried
        fi
        strays "$outs"; s=$STRAYS
        # known window: init killed between naming the register and
        # removing the recovery code's temp name leaves that second name
        # (the same complete file) beside --recovery-out (docs/security.md)
        if [ "$name" = init ] && [ "$res" = complete ] && [ -n "$s" ] && [ -z "$(echo "$s" | tr ' ' '\n' | grep -v '^rec.txt.init-' | grep .)" ]; then
          res="complete+rec-temp-left"; s=""
        fi
        [ -z "$s" ] && pass || fail "$where: stray files: $s"
        outcomes="$outcomes $p:$kind:$mode:$rc:$res"
        continue
      fi
      as ada check
      expect_rc 0 "$where: check afterwards"
      state; st=$STATE
      if [ "$st" = "$base_state" ]; then res=old; elif [ "$st" = "$new" ]; then res=new; else
        res=mixed; fail "$where: neither old nor new state ($st; old $base_state, new $new)"; fi
      for u in pat ann; do # ada and mo unlocked for check and state
        as "$u" key show
        # a disable of a report-key holder (ann) retires the key until a
        # manager's next unlock: key show then says so (exit 1), unlocked
        [ "$RC" = 1 ] && file_has "$T/err" "report-signing key was retired" -F && RC=0
        # ann disabled: refused once the disable committed, unlocks before
        if [ "$name" = user_disable ] && [ "$u" = ann ] && [ "${res#new}" != "$res" ]; then
          expect_rc 3 "$where: the disabled ann is refused"
        else
          expect_rc 0 "$where: $u unlocks"
        fi
      done
      strays "$outs"; s=$STRAYS
      # the one leftover allowed: a report's signature whose report was
      # not yet named (inert; the retry below replaces it)
      if [ "$name" = report ] && [ -e "$W/r.md.minisig" ] && [ ! -e "$W/r.md" ]; then
        [ "$res" = new ] && pass || fail "$where: a signature without its entry"
        run_cmd "$name" "$user" "$args"
        [ "$CRC" -eq 0 ] && pass || fail "$where: retry over the leftover signature: $(head -c 300 "$T/cerr")"
        res="$res+sig-only(retried)"; strays "$outs"; s=$STRAYS
      fi
      [ -z "$s" ] && pass || fail "$where: stray files: $s"
      for f in $outs; do
        [ -e "$W/$f" ] || continue
        [ "$res" = new ] || [ "${res#new}" != "$res" ] && pass || fail "$where: $f exists without its audit entry"
        case $f in
          e.jsonl) same_file "$W/$f" "$T/clean-export" && pass || fail "$where: export incomplete" ;;
          r.md) as mo verify "$W/r.md"; expect_rc 0 "$where: report verifies" ;;
          p.html) tail -c 20 "$W/$f" | grep -q '</html>' && pass || fail "$where: pack incomplete" ;;
          b.bak) rm -rf "$S/rt"; mkdir "$S/rt"
            raw --register "$S/rt/x" --user ada --passphrase-file "$T/ada.pass" restore "$W/b.bak" --to "$S/rt/x"
            expect_rc 0 "$where: the backup restores" ;;
        esac
        res="$res+$f"
      done
      # a command that reports failure has changed nothing; a command with
      # an output file may have committed its entry and then failed to name
      # the file (an entry without a file, never the reverse): then no file
      if [ "$rc" -ne 0 ] && [ "$rc" -lt 128 ] && [ "${res#new}" != "$res" ] &&
         { [ -z "$outs" ] || [ "$res" != new ]; }; then
        fail "$where: exit $rc, yet the change was committed ($res)"
      fi
      outcomes="$outcomes $p:$kind:$mode:$rc:$res"
    done
  done
  summary="$summary
$name ($n calls):$outcomes"
done
# A failed reseal after the COMMIT (EIO on the keyring's last rename): the
# change stands, the command warns and exits 0, the keyring stays dirty and
# the next command checks everything and seals (issue 10, finding 11).
if [ -z "${CDOP_FAULT_ONLY:-}" ]; then
  reset_base; rm -f "$T/log"
  run_cmd notify mo "notify --json $T/n3.json" LD_PRELOAD="$SHIM" CDOP_FAULT_LOG="$T/log"
  last=$(awk '$2 == "rename" { n = $1 } END { print n }' "$T/log")
  reset_base
  run_cmd notify mo "notify --json $T/n3.json" LD_PRELOAD="$SHIM" CDOP_FAULT_AT="$last" CDOP_FAULT_MODE=eio
  [ "$CRC" -eq 0 ] && pass || fail "failed reseal after commit: exit $CRC, want 0"
  file_has "$T/cerr" "warning: the change was saved" -F && pass || fail "failed reseal: no warning: $(cat "$T/cerr")"
  as ada check; expect_rc 0 "check after a failed reseal"
  expect_err "not closed cleanly" "the next command rechecks"
  as mo case list --json; grep -q Gamma "$T/out" && pass || fail "the committed case is gone"
fi
sample_says
echo "points: $run_points of $total_points (exit code and outcome per point: CALL:KIND@FILE:MODE:EXIT:STATE)$summary"
if [ "$FULL" != 1 ] && [ -z "${CDOP_FAULT_ONLY:-}" ]; then
  missed=$(sort -u "$T/logged" | awk '{ print $2; print $3 }' | sort -u | grep -v -x -F -f "$T/covered" | tr '\n' ' ')
  echo "sample covers: $(sort -u "$T/covered" | tr '\n' ' ')"
  [ -z "$missed" ] && pass || fail "the sample missed: $missed"
fi
finish
