# The part of a harness's CI sample this run takes (source it after lib.sh).
# The enumerating harnesses (t_faults, t_keys_crash, t_convert,
# t_convert_switch, t_crash, t_replay, t_tamper, disclosure/property) pick
# a deterministic sample of their points. scripts/test.sh runs the suite
# twice, normally and under the sanitizers, and sets CDOP_SAMPLE_PART=0/2
# for the one and 1/2 for the other: each run takes the points whose index
# in the sample (counted from 0) is even, resp. odd, so the two runs
# together cover the whole sample and each does half. Unset (a ctest run
# by hand), a run takes the whole sample; CDOP_FULL=1 (every point, not a
# sample) ignores it. Any K/N works (part K of N, 0 <= K < N).
# docs/test-suite.md.
SAMPLE_K=0 SAMPLE_N=1
if [ -n "${CDOP_SAMPLE_PART:-}" ] && [ "${CDOP_FULL:-0}" != 1 ]; then
  if [[ $CDOP_SAMPLE_PART =~ ^([0-9]+)/([1-9][0-9]*)$ ]] &&
     [ "${BASH_REMATCH[1]}" -lt "${BASH_REMATCH[2]}" ]; then
    SAMPLE_K=${BASH_REMATCH[1]} SAMPLE_N=${BASH_REMATCH[2]}
  else
    echo "CDOP_SAMPLE_PART must be K/N with 0 <= K < N, not '$CDOP_SAMPLE_PART'" >&2
    exit 1
  fi
fi
# sample_mine I: true when point I (0-based index in the sample) is this run's
sample_mine() { [ $(( $1 % SAMPLE_N )) -eq "$SAMPLE_K" ]; }
# sample_filter: the lines of standard input that are this run's (line 1 is
# index 0)
sample_filter() { awk -v k="$SAMPLE_K" -v n="$SAMPLE_N" '(NR - 1) % n == k'; }
# sample_says: a line for the log: which part of the sample this run takes
sample_says() {
  if [ "$SAMPLE_N" = 1 ]; then echo "sample: all of it"
  else echo "sample: part $SAMPLE_K of $SAMPLE_N (CDOP_SAMPLE_PART; the other parts run in the other variants)"; fi
}
