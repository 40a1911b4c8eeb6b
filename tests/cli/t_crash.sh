#!/usr/bin/env bash
# Issue 6: kill `cdop import` with SIGKILL at many points of a large import.
# Each time the next command must find the register sound (check passes:
# SQLite rolls the journal back, cdop sees the keyring's dirty flag and runs
# its full check) with the case count either the old or the new one.
. "$(dirname "$0")/lib.sh"
export CDOP_TODAY=2026-03-31
# CI (scripts/test.sh: the normal and the sanitizer run, half each): 12 kill
# points spread over a 500-case import. The full run (CDOP_FULL=1,
# docs/test-suite.md): 50 over a 2,000-case import. Each
# kill lands at another moment of the same import and is followed by the
# same recovery and checks; CDOP_CRASH_KILLS and CDOP_CRASH_CASES set
# either number. scripts/test.sh runs half of the kill points in each run
# (CDOP_SAMPLE_PART, tests/cli/lib/sample.sh: the even-numbered moments in
# the normal run, the odd ones under the sanitizers); a run by hand
# without it runs them all.
. "$(dirname "$0")/lib/sample.sh"
FULL=${CDOP_FULL:-0}
KILLS=${CDOP_CRASH_KILLS:-$([ "$FULL" = 1 ] && echo 50 || echo 12)}
CASES=${CDOP_CRASH_CASES:-$([ "$FULL" = 1 ] && echo 2000 || echo 500)}
new_register
add_user mo manager
gen_cases "$T/base.jsonl 40 7" "$T/big.jsonl $CASES 8 --surname-prefix Crash"  # (one python)
as mo import "$T/base.jsonl"; expect_rc 0 "base import"
# (it sets N: a call in $(...) would start cdop, not ask the fork server)
count() { as mo case list --json; json_count -v N "$T/out"; }
count; n0=$N
# (the base under the register's own names: one cp per kill, not two)
mkdir "$T/base"; cp "$REG" "$REG.keys" "$T/base/"

# How long a whole import takes, so the kill points spread across it.
start=$(date +%s%N)
as mo import "$T/big.jsonl"
end=$(date +%s%N)
if [ "$RC" -ne 0 ]; then echo "the big import itself failed: $(cat "$T/err")" >&2; exit 1; fi
count; n1=$N
ms=$(( (end - start) / 1000000 ))
echo "full import: ${ms} ms, $n0 -> $n1 cases; $KILLS kill points"

# Kill points spread over the first 90% of the import (this run's part of
# them: MINE); a run that finished before its kill does not count, so the
# loop goes on until that many kills have landed mid-import (at most 3 x
# as many runs).
mine=()
for ((j = 1; j <= KILLS; j++)); do sample_mine $((j - 1)) && mine+=("$(( (j % KILLS + 1) * ms * 9 / 10 / KILLS ))"); done
want=${#mine[@]}
sample_says
completed=0 interrupted=0 i=0
mkfifo "$T/tick"; exec {TICK}<>"$T/tick"
while [ "$interrupted" -lt "$want" ] && [ "$i" -lt $((3 * want)) ]; do
  i=$((i + 1))
  cp "$T/base/${REG##*/}" "$T/base/${REG##*/}.keys" "${REG%/*}/"
  [ ! -e "$REG-journal" ] || rm -f "$REG-journal"  # (a process only when there is one)
  delay_ms=${mine[(i - 1) % want]}
  "$CDOP" --register "$REG" --user mo --passphrase-file "$T/mo.pass" import "$T/big.jsonl" \
    >/dev/null 2>&1 </dev/null &
  pid=$!
  # (the pause: a read that times out on a FIFO nobody writes, not a
  # subshell and a sleep process per kill)
  printf -v pause '%d.%03d' $((delay_ms / 1000)) $((delay_ms % 1000))
  read -r -t "$pause" -u "$TICK"
  kill -9 "$pid" 2>/dev/null && interrupted=$((interrupted + 1)) || completed=$((completed + 1))
  wait "$pid" 2>/dev/null
  as ada check
  expect_no_crash "check after kill $i"
  expect_rc 0 "check after kill $i (at ${delay_ms} ms)"
  count; n=$N
  { [ "$n" = "$n0" ] || [ "$n" = "$n1" ]; } && pass || fail "kill $i: $n cases, want $n0 or $n1"
  as ada audit verify; expect_rc 0 "audit chain after kill $i"
done
echo "kill points: $interrupted interrupted mid-import, $completed had already finished"
[ "$interrupted" -ge "$want" ] && pass || fail "only $interrupted of $want kills landed mid-import"
finish
