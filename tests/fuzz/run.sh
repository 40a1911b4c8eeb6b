#!/usr/bin/env bash
# run.sh [SECONDS] [TARGET...]: build the libFuzzer targets with clang
# (-fsanitize=fuzzer,address,undefined) in build-test-fuzz and run each
# target (default: keyring backup import) for SECONDS (default 60).
# Exits 1 if any target finds a crash, a leak or a timeout; the input is
# left in build-test-fuzz/crashes/TARGET/. Copy it into regressions/TARGET/
# with the fix: the normal test suite replays that directory.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
secs=${1:-60}
[ $# -gt 0 ] && shift
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=(keyring backup import)
dir=${CDOP_FUZZ_BUILD:-$top/build-test-fuzz}
jobs=$(nproc)

echo "== fuzz: build ($dir)"
CC=clang cmake -S "$top" -B "$dir" -DCDOP_FUZZ=ON \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$dir" -j "$jobs" --target $(printf 'fuzz_%s ' "${targets[@]}") \
  -- --no-print-directory >/dev/null

status=0
for t in "${targets[@]}"; do
  work="$dir/corpus/$t" crashes="$dir/crashes/$t" log="$dir/fuzz-$t.log"
  mkdir -p "$work" "$crashes"
  opts=(-max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -max_len=65536
        -print_final_stats=1 -artifact_prefix="$crashes/")
  [ -f "$here/$t.dict" ] && opts+=(-dict="$here/$t.dict")
  echo "== fuzz: $t for ${secs}s"
  start=$(date +%s)
  rc=0
  # New inputs go to the first directory (the build tree), never the seeds.
  "$dir/tests/fuzz/fuzz_$t" "${opts[@]}" "$work" "$here/corpus/$t" >"$log" 2>&1 || rc=$?
  took=$(( $(date +%s) - start ))
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 || true)
  echo "   $t: ${took}s, ${runs:-?} runs, ${cov:-cov: ?}, corpus $(ls "$work" | wc -l) files, exit $rc"
  if [ "$rc" -ne 0 ] || ls "$crashes" | grep -q .; then
    echo "   $t: FOUND A PROBLEM: inputs in $crashes/; log $log:" >&2
    grep -E 'ERROR|SUMMARY|runtime error|==[0-9]+==' "$log" | head -20 >&2 || tail -40 "$log" >&2
    status=1
  fi
done
exit $status
