#!/usr/bin/env bash
# The whole test suite: set up, then build and run every test twice, once
# normally and once under AddressSanitizer + UBSan, then run each fuzz target
# for a bounded time (CDOP_FUZZ_SECONDS, default 20).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
bash scripts/setup.sh

# Several end-to-end tests mostly wait (locks, kill points): run three at once.
jobs=$(( $(nproc) + 1 ))
status=0 passed=0 failed=0
for variant in normal asan; do
  dir="$top/build-test-$variant"
  args=(-DCMAKE_BUILD_TYPE=RelWithDebInfo)
  # The sanitizer build is clang's (gcc builds the normal one): both
  # compilers' warnings stay clean, and clang's ASan is the fuzzers' too.
  [ "$variant" = asan ] && args+=(-DCDOP_SANITIZE=ON -DCMAKE_C_COMPILER=clang)
  echo "== build ($variant)"
  bash scripts/build.sh "$dir" "${args[@]}"
  echo "== test ($variant)"
  export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
  export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
  # An instrumented import is about ten times slower: t_crash kills a
  # smaller one there (all its kill points and checks still run).
  # The disclosure property test proves the algorithm (200 registers in the
  # normal run); under the sanitizers 20 registers exercise the same code.
  if [ "$variant" = asan ]; then
    export CDOP_CRASH_CASES=500 CDOP_DC_REGISTERS=20 CDOP_SANITIZED=1
  else
    unset CDOP_CRASH_CASES CDOP_DC_REGISTERS CDOP_SANITIZED
  fi
  (cd "$dir" && ctest --output-on-failure -j "$jobs") | tee "$dir/ctest.log" || status=1
  line=$(grep -E 'tests passed, [0-9]+ tests? failed out of [0-9]+' "$dir/ctest.log" || true)
  if [ -n "$line" ]; then
    f=$(sed -E 's/.* ([0-9]+) tests? failed out of ([0-9]+).*/\1/' <<<"$line")
    n=$(sed -E 's/.* failed out of ([0-9]+).*/\1/' <<<"$line")
    passed=$((passed + n - f)); failed=$((failed + f))
  else
    failed=$((failed + 1)); status=1
  fi
done
secs=${CDOP_FUZZ_SECONDS:-20}
echo "== fuzz (clang, libFuzzer + ASan + UBSan; ${secs}s per target)"
if bash tests/fuzz/run.sh "$secs"; then passed=$((passed + 4)); else failed=$((failed + 1)); status=1; fi
echo "$passed passed, $failed failed"
exit $status
