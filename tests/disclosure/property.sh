#!/usr/bin/env bash
# Disclosure property test (issue 11, must-show 2): random small registers
# (5-60 reviews a year) through the real suppression and audit
# (dc_property), then an independent attacker (attacker.py: scipy's MILP,
# not GLPK) that must pin no hidden cell in any scenario: dfe alone, nhs
# alone, both editions of one year, a re-issue after one more case. First
# the attacker is shown to have teeth: on the rules alone (no audit) it
# must pin something (10 registers; with CDOP_SAMPLE_PART each run attacks
# its part of them, K/N by register number, and must pin something there;
# it stops at the first scenario it pins, attacker.py --first, but in the
# full run, CDOP_FULL=1, where it attacks every one).
#   CDOP_DC_REGISTERS  how many registers (default 20: CI, both the normal
#                      and the sanitizer run; CDOP_FULL=1, the full run of
#                      docs/test-suite.md: 200)
#   CDOP_DC_SEED       the random seed (default 1)
#   CDOP_SAMPLE_PART   K/N (tests/cli/lib/sample.sh): the registers come in
#                      two halves (seeds 2*SEED and 2*SEED+1); a run takes
#                      the halves H with H % N = K. scripts/test.sh sets 0/2
#                      in the normal run and 1/2 under the sanitizers (10
#                      registers each, the 20 of a run by hand between them)
set -euo pipefail
driver=$1
here=$(dirname "$0")
. "$here/../cli/lib/sample.sh"
out=$(mktemp -d "${TMPDIR:-/tmp}/cdop-dc-XXXXXX")
trap 'rm -rf "$out"' EXIT
mkdir "$out/rules" "$out/audited"
"$driver" 7 10 "$out/rules" rules-only >/dev/null
first=--first; [ "${CDOP_FULL:-0}" != 1 ] || first=
if /usr/bin/python3 "$here/attacker.py" $first "$out/rules" "$SAMPLE_K/$SAMPLE_N" >"$out/rules.log"; then
  echo "FAIL: the attacker pinned nothing on the rules alone: it is not testing anything"
  exit 1
fi
echo "rules alone: $(grep -c '^register' "$out/rules.log") scenarios with a pinned cell (expected${first:+; the first one only, --first})"
# Two halves side by side (two cores; one of them when CDOP_SAMPLE_PART
# splits them between runs): each makes its registers, then attacks them.
n=${CDOP_DC_REGISTERS:-$([ "${CDOP_FULL:-0}" = 1 ] && echo 200 || echo 20)}
seed=${CDOP_DC_SEED:-1}
half() {
  mkdir "$out/audited$1"
  "$driver" "$((seed * 2 + $1))" "$2" "$out/audited$1" > "$out/driver$1.log" &&
    /usr/bin/python3 "$here/attacker.py" "$out/audited$1" > "$out/attacker$1.log"
}
sample_says
rc=0 pids=()
sample_mine 0 && { half 0 $((n / 2)) & pids+=($!); }
sample_mine 1 && { half 1 $((n - n / 2)) & pids+=($!); }
for p in "${pids[@]}"; do wait "$p" || rc=1; done
cat "$out"/driver*.log "$out"/attacker*.log
exit $rc
