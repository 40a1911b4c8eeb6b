#!/usr/bin/env bash
# The whole test suite: set up, then build and run every test twice, once
# normally (gcc) and once under AddressSanitizer + UBSan (clang), then run
# each fuzz target for a bounded time (CDOP_FUZZ_SECONDS, default 10) from
# the sanitizer build (its fuzz_* programs: no third build).
# Phases overlap where a core would otherwise idle: the sanitizer build runs
# at a low priority (nice) from the start, beside the normal build and the
# normal tests, which wait on locks, kill points and the browser at times.
# Timings: docs/operations.md, "Test suite time".
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
bash scripts/setup.sh
# phase WHAT: a heading with the seconds since the start (docs/operations.md)
phase() { echo "== $* [${SECONDS}s]"; }

# Several end-to-end tests mostly wait (locks, kill points): one more test
# at once than there are cores.
jobs=$(( $(nproc) + 1 ))
status=0 passed=0 failed=0
normal="$top/build-test-normal" asan="$top/build-test-asan"
normal_args=(-DCMAKE_BUILD_TYPE=RelWithDebInfo)
# The sanitizer build is clang's (gcc builds the normal one): both
# compilers' warnings stay clean, and clang's ASan is the fuzzers' too
# (CDOP_FUZZ is on by default there).
asan_args=(-DCMAKE_BUILD_TYPE=RelWithDebInfo -DCDOP_SANITIZE=ON -DCMAKE_C_COMPILER=clang)

# The sanitizer build starts first, at low priority: it takes what the
# normal build leaves idle (its configure and link steps use one core),
# then what the normal tests leave.
phase "build (asan), at low priority beside the normal build and tests"
( nice -n 15 bash scripts/build.sh "$asan" "${asan_args[@]}" ) >"$top/build-test-asan.log" 2>&1 &
asan_build=$!
trap 'kill "$asan_build" 2>/dev/null || true' EXIT
phase "build (normal)"
bash scripts/build.sh "$normal" "${normal_args[@]}"

run_tests() { # VARIANT DIR PART
  local variant=$1 dir=$2 line f n
  phase "test ($variant)"
  export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
  export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
  # The harnesses that enumerate points (t_faults, t_keys_crash, t_tamper,
  # t_replay, t_crash, t_convert, t_convert_switch, the disclosure property
  # test) take a deterministic sample (each test says what it covers);
  # the two runs take complementary halves of it (tests/cli/lib/sample.sh),
  # so together they cover the whole sample. CDOP_FULL=1 runs every point
  # in both (docs/operations.md, test suite time).
  export CDOP_SAMPLE_PART=$3
  (cd "$dir" && ctest --output-on-failure -j "$jobs") | tee "$dir/ctest.log" || status=1
  line=$(grep -E 'tests passed, [0-9]+ tests? failed out of [0-9]+' "$dir/ctest.log" || true)
  if [ -n "$line" ]; then
    f=$(sed -E 's/.* ([0-9]+) tests? failed out of ([0-9]+).*/\1/' <<<"$line")
    n=$(sed -E 's/.* failed out of ([0-9]+).*/\1/' <<<"$line")
    passed=$((passed + n - f)); failed=$((failed + f))
  else
    failed=$((failed + 1)); status=1
  fi
}

run_tests normal "$normal" 0/2
phase "build (asan): waiting for it"
if wait "$asan_build"; then
  cat "$top/build-test-asan.log"
  run_tests asan "$asan" 1/2
else
  cat "$top/build-test-asan.log" >&2
  echo "the sanitizer build failed" >&2
  failed=$((failed + 1)); status=1
fi

secs=${CDOP_FUZZ_SECONDS:-10}
phase "fuzz (clang, libFuzzer + ASan + UBSan; ${secs}s per target)"
if [ -e "$asan/tests/fuzz/fuzz_keyring" ] &&
   CDOP_FUZZ_BUILD="$asan" bash tests/fuzz/run.sh "$secs"; then
  passed=$((passed + 4))
else
  failed=$((failed + 1)); status=1
fi
phase "done"
echo "$passed passed, $failed failed"
exit $status
