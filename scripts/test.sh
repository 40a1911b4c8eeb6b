#!/usr/bin/env bash
# The whole test suite: set up, then build every test twice, once normally
# (gcc) and once under AddressSanitizer + UBSan (clang), run both builds'
# tests in one ctest, then run each fuzz target for a bounded time
# (CDOP_FUZZ_SECONDS, default 10) from the sanitizer build (its fuzz_*
# programs: no third build).
# No core idles: the two builds run side by side, then one ctest schedules
# both variants' tests together (tests/tools/ctest_merge.py), longest
# first by the seconds each took in an earlier run (tests/tools/
# ctest-costs.txt), so no long test is left running alone at the end.
# Timings: docs/test-suite.md.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
bash scripts/setup.sh
# phase WHAT: a heading with the seconds since the start (docs/test-suite.md)
phase() { echo "== $* [${SECONDS}s]"; }

# Several end-to-end tests mostly wait (locks, kill points, the browser):
# two more tests at once than there are cores.
jobs=$(( $(nproc) + 2 ))
status=0 passed=0 failed=0
normal="$top/build-test-normal" asan="$top/build-test-asan" all="$top/build-test-all"
# CMAKE_SKIP_INSTALL_ALL_DEPENDENCY: cpack (the package test) then does not
# run `make preinstall`, a walk of the whole build tree (~8 s of CPU per
# build) to check what this script has just built; the test builds only.
# Ninja, not make: the Makefile generator starts a cmake process per object
# and per target (progress lines, dependency scans: ~22% of the normal
# build's CPU); ninja does none of that. gold, not ld.bfd (both binutils):
# about half the link CPU (the ASan links, each with the static sanitizer
# runtime, ~39 -> ~23 s). A user's `cmake` + `make` is unchanged
# (docs/test-suite.md).
# CDOP_UNIT_GROUPED: the unit tests linked into three programs, not one
# each (tests/CMakeLists.txt; the same ctest entries): 44 -> 3 links a build.
common_args=(-G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_SKIP_INSTALL_ALL_DEPENDENCY=ON
             -DCMAKE_EXE_LINKER_FLAGS=-fuse-ld=gold -DCMAKE_SHARED_LINKER_FLAGS=-fuse-ld=gold
             -DCDOP_UNIT_GROUPED=ON)
# Debug information: line tables only (gcc -g1, clang -gline-tables-only,
# not -g): sanitizer reports and backtraces keep their files and lines; the
# code generated is the same (-g never changes it); ~10% less compile CPU.
# The unit tests' own code (CDOP_TEST_CFLAGS; the libraries they test stay
# -O2): -O1 under gcc, which still runs its flow-based warnings
# (-Wmaybe-uninitialized) there; -O0 under clang, whose warnings do not
# depend on -O. The unit test objects' CPU: ~23 -> ~18 s (gcc), ~22 -> ~13 s
# (clang + ASan).
normal_args=("${common_args[@]}" "-DCMAKE_C_FLAGS_RELWITHDEBINFO=-O2 -g1 -DNDEBUG"
             -DCDOP_TEST_CFLAGS=-O1)
# The sanitizer build is clang's (gcc builds the normal one): both
# compilers' warnings stay clean, and clang's ASan is the fuzzers' too
# (CDOP_FUZZ is on by default there).
# It compiles the libraries in unity batches (CDOP_UNITY, CMakeLists.txt:
# one clang start and header pass per batch, ~0.2 s of CPU a file under
# ASan); the normal build compiles every file alone, as a user's does, so
# each file is still checked to compile on its own. The layer link checks
# (layer_link_*) are the normal build's (CDOP_LAYER_LINK).
asan_args=("${common_args[@]}" "-DCMAKE_C_FLAGS_RELWITHDEBINFO=-O2 -gline-tables-only -DNDEBUG"
           -DCDOP_SANITIZE=ON -DCMAKE_C_COMPILER=clang -DCDOP_UNITY=ON
           -DCDOP_TEST_CFLAGS=-O0 -DCDOP_LAYER_LINK=OFF)

# A build directory an older script made with make is made again (cmake
# refuses to switch a directory's generator).
for d in "$normal" "$asan"; do
  [ ! -e "$d/CMakeCache.txt" ] || grep -q '^CMAKE_GENERATOR:INTERNAL=Ninja$' "$d/CMakeCache.txt" ||
    rm -rf "$d"
done
# Both builds at once: each one's configure and link steps leave a core
# to the other.
phase "build (normal and asan, side by side)"
bash scripts/build.sh "$asan" "${asan_args[@]}" >"$top/build-test-asan.log" 2>&1 &
asan_build=$!
trap 'kill "$asan_build" 2>/dev/null || true' EXIT
normal_ok=1 asan_ok=1
bash scripts/build.sh "$normal" "${normal_args[@]}" || {
  echo "the normal build failed" >&2; normal_ok=0; failed=$((failed + 1)); status=1; }
wait "$asan_build" || asan_ok=0
trap - EXIT
if [ "$asan_ok" = 1 ]; then cat "$top/build-test-asan.log"; else
  cat "$top/build-test-asan.log" >&2
  echo "the sanitizer build failed" >&2
  failed=$((failed + 1)); status=1
fi

# The harnesses that enumerate points (t_faults, t_keys_crash, t_tamper,
# t_replay, t_crash, t_convert, t_convert_switch, the disclosure property
# test) take a deterministic sample (each test says what it covers); the
# two variants take complementary halves of it (CDOP_SAMPLE_PART,
# tests/cli/lib/sample.sh), so together they cover the whole sample.
# CDOP_FULL=1 runs every point in both (docs/test-suite.md).
# CDOP_SCREENSHOTS=0: the browser test's screenshots and t_meeting's and
# t_report's Chromium renders of the pack and the report are the normal
# build's only (build-test-normal/web-screenshots): the same HTML from the
# same code, and a capture runs no cdop code; no check reads the
# screenshots, and every check on the HTML itself runs in both builds.
merge=()
[ "$normal_ok" = 1 ] && merge+=("normal=$normal:1:CDOP_SAMPLE_PART=0/2")
[ "$asan_ok" = 1 ] && merge+=("asan=$asan:3:CDOP_SAMPLE_PART=1/2,CDOP_SCREENSHOTS=0")
phase "test (normal and asan: one ctest -j $jobs, longest first)"
if [ ${#merge[@]} -gt 0 ]; then
  export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
  export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
  # The order: each test's seconds in an earlier whole run of this script
  # (tests/tools/ctest-costs.txt; a clean clone has no ctest history).
  rm -f "$all/ctest.log"
  if /usr/bin/python3 tests/tools/ctest_merge.py "$all" tests/tools/ctest-costs.txt "${merge[@]}"; then
    (cd "$all" && ctest --output-on-failure -j "$jobs") | tee "$all/ctest.log" || status=1
  else
    echo "tests/tools/ctest_merge.py failed: no test run" >&2
  fi
  line=$(grep -E 'tests passed, [0-9]+ tests? failed out of [0-9]+' "$all/ctest.log" 2>/dev/null || true)
  if [ -n "$line" ]; then
    f=$(sed -E 's/.* ([0-9]+) tests? failed out of ([0-9]+).*/\1/' <<<"$line")
    n=$(sed -E 's/.* failed out of ([0-9]+).*/\1/' <<<"$line")
    passed=$((passed + n - f)); failed=$((failed + f))
  else
    failed=$((failed + 1)); status=1
  fi
fi

secs=${CDOP_FUZZ_SECONDS:-10}
phase "fuzz (clang, libFuzzer + ASan + UBSan; ${secs}s per target)"
if [ "$asan_ok" = 1 ] && [ -e "$asan/tests/fuzz/fuzz_keyring" ] &&
   CDOP_FUZZ_BUILD="$asan" bash tests/fuzz/run.sh "$secs"; then
  passed=$((passed + 4))
else
  failed=$((failed + 1)); status=1
fi
phase "done"
echo "$passed passed, $failed failed"
exit $status
