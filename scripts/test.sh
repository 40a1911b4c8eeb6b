#!/usr/bin/env bash
# The whole test suite: set up, then build and run every test twice, once
# normally and once under AddressSanitizer + UBSan.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
bash scripts/setup.sh

jobs=$(nproc)
status=0
for variant in normal asan; do
  dir="$top/build-test-$variant"
  args=(-DCMAKE_BUILD_TYPE=RelWithDebInfo)
  [ "$variant" = asan ] && args+=(-DCDOP_SANITIZE=ON)
  echo "== build ($variant)"
  bash scripts/build.sh "$dir" "${args[@]}"
  echo "== test ($variant)"
  export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
  export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
  (cd "$dir" && ctest --output-on-failure -j "$jobs") || status=1
done
echo "== fuzz (clang, libFuzzer + ASan + UBSan; ${CDOP_FUZZ_SECONDS:-60}s per target)"
bash tests/fuzz/run.sh "${CDOP_FUZZ_SECONDS:-60}" || status=1
exit $status
