#!/usr/bin/env bash
# The disclosure audit's time (issue 11), in one command:
#
#   bench/disclosure/run.sh [REPEAT]
#
# Builds the test driver tests/disclosure/dc_property (Release) into
# build-bench-disc/ and times stats_audit alone (the exact GLPK check after
# the DfE or NHS rules; counting the register is bench/report's business)
# on a national year of 3,595 reviews with roughly national shares
# (NCMD: categories, age, place...), and on small registers of 10 and 60
# reviews with random shares; for each, dfe alone, nhs alone and nhs
# audited together with an earlier dfe edition of the same data. Prints
# mean and worst seconds, the cells the rules hide and the cells the
# audit withholds beyond them, per edition.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
build="$top/build-bench-disc"
repeat=${1:-20}
cmake -S "$top" -B "$build" -DCMAKE_BUILD_TYPE=Release -DCDOP_WERROR=OFF >/dev/null
make -C "$build" -j"$(nproc)" dc_property >/dev/null
d="$build/tests/dc_property"
"$d" bench 3595 "$repeat" national
"$d" bench 10 "$repeat"
"$d" bench 60 "$repeat"
