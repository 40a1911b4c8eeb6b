#!/usr/bin/env bash
# run.sh [SECONDS] [TARGET...]: build the libFuzzer targets in the clang
# sanitizer build (CDOP_FUZZ_BUILD, default build-test-asan, the directory
# scripts/test.sh uses: with CDOP_SANITIZE and clang, CDOP_FUZZ is on and
# the fuzz_* programs are part of that build) and run each target (default:
# keyring backup import age) for SECONDS (default 60), one per core at a
# time (CDOP_FUZZ_JOBS). scripts/test.sh gives each target 10 s (four
# targets, two at a time: 20 s of the suite's 5-minute budget; the seed
# corpora and regressions/ are replayed in both test runs besides). Run
# longer by hand before a release: bash tests/fuzz/run.sh 600.
# Exits 1 if any target finds a crash, a leak or a timeout; the input is
# left in BUILD/crashes/TARGET/. Copy it into regressions/TARGET/ with the
# fix: the normal test suite replays that directory.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
secs=${1:-60}
[ $# -gt 0 ] && shift
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=(keyring backup import age)
dir=${CDOP_FUZZ_BUILD:-$top/build-test-asan}
jobs=$(nproc)

echo "== fuzz: build ($dir)"
# A directory scripts/test.sh configured is used as it is (reconfiguring
# with other arguments would rebuild it); a new one is configured here.
if [ ! -e "$dir/CMakeCache.txt" ]; then
  cmake -S "$top" -B "$dir" -DCMAKE_C_COMPILER=clang -DCDOP_SANITIZE=ON \
    -DCDOP_FUZZ=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
fi
grep -q '^CDOP_FUZZ:BOOL=ON' "$dir/CMakeCache.txt" ||
  { echo "fuzz: $dir is not a CDOP_FUZZ build (clang, -DCDOP_SANITIZE=ON)" >&2; exit 1; }
cmake --build "$dir" -j "$jobs" --target $(printf 'fuzz_%s ' "${targets[@]}") >/dev/null

# fuzz_one TARGET: run it for SECONDS; a summary in $dir/fuzz-TARGET.summary
# and 0, or 1 if it found a problem, in $dir/fuzz-TARGET.rc.
fuzz_one() {
  local t=$1 work="$dir/corpus/$1" crashes="$dir/crashes/$1" log="$dir/fuzz-$1.log"
  local start rc=0 took runs cov opts
  mkdir -p "$work" "$crashes"
  opts=(-max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -max_len=65536
        -print_final_stats=1 -artifact_prefix="$crashes/")
  [ -f "$here/$t.dict" ] && opts+=(-dict="$here/$t.dict")
  start=$(date +%s)
  # New inputs go to the first directory (the build tree), never the seeds.
  "$dir/tests/fuzz/fuzz_$t" "${opts[@]}" "$work" "$here/corpus/$t" >"$log" 2>&1 || rc=$?
  took=$(( $(date +%s) - start ))
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 || true)
  local found=0
  { [ "$rc" -ne 0 ] || ls "$crashes" | grep -q .; } && found=1
  {
    echo "   $t: ${took}s, ${runs:-?} runs, ${cov:-cov: ?}, corpus $(ls "$work" | wc -l) files, exit $rc"
    if [ "$found" = 1 ]; then
      echo "   $t: FOUND A PROBLEM: inputs in $crashes/; log $log:"
      grep -E 'ERROR|SUMMARY|runtime error|==[0-9]+==' "$log" | head -20 || tail -40 "$log"
    fi
  } >"$dir/fuzz-$t.summary"
  echo "$found" >"$dir/fuzz-$t.rc"
}

# Each target gets its full SECONDS; up to CDOP_FUZZ_JOBS (default: one per
# core) run at once, each on its own core.
fuzz_jobs=${CDOP_FUZZ_JOBS:-$jobs}
status=0
for t in "${targets[@]}"; do
  rm -f "$dir/fuzz-$t.rc"
  while [ "$(jobs -rp | wc -l)" -ge "$fuzz_jobs" ]; do wait -n || true; done
  echo "== fuzz: $t for ${secs}s"
  fuzz_one "$t" &
done
wait
for t in "${targets[@]}"; do
  if [ "$(cat "$dir/fuzz-$t.rc" 2>/dev/null)" = 0 ]; then
    cat "$dir/fuzz-$t.summary"
  else
    cat "$dir/fuzz-$t.summary" >&2 2>/dev/null || echo "   $t: did not run" >&2
    status=1
  fi
done
exit $status
