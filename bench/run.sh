#!/usr/bin/env bash
# The benchmark, in one command: cdop against what a user would do instead
# (bench/baseline.py: Python's json + sqlite3 into an unencrypted SQLite
# file, the review tables by GROUP BY), in the same run, on the same data.
#
#   bash bench/run.sh [SIZES...]      default: 26000 260000 (about 3-5 minutes)
#   CDOP_BUILD_ARGS="-D..." adds CMake options to the build.
#
# Builds cdop (Release) into build-bench/, makes one empty register
# (interactive Argon2id profile), generates synthetic cases with
# gen_cases.py (fixed seed and date), and for each size measures with GNU
# time (wall, user + system, peak RSS):
#   import: `cdop import FILE` into a fresh copy of the empty register
#           vs `baseline.py load FILE DB`;
#   report: `cdop report annual --year Y --edition board --format json`
#           on that register vs `baseline.py report DB Y OUT`, Y the
#           reporting year with the most reviews.
#   open:   `cdop key show` on that register (unlock and the whole-file
#           MAC pass), so the report's CPU splits into the open and the rest.
#   floors: the file's JSON parsed and nothing else, by jansson (the parser
#           cdop must use: bench/jansson_floor.c) and by Python's json;
#           printed against the targets with the open (bench/README.md).
# Sizes up to 30k are the best of 3 runs (wall), larger ones one run.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(26000 260000)

[ -x /usr/bin/time ] || { echo "bench: needs GNU time (/usr/bin/time)" >&2; exit 1; }
command -v python3 >/dev/null || { echo "bench: needs python3" >&2; exit 1; }

build="$top/build-bench"
echo "bench: building cdop (Release) in $build" >&2
# Warnings do not stop a benchmark; the test builds keep -Werror.
cmake -S "$top" -B "$build" -DCMAKE_BUILD_TYPE=Release -DCDOP_WERROR=OFF \
  ${CDOP_BUILD_ARGS:-} >/dev/null
cmake --build "$build" --target cdop -j 2 >"$build/build.log" 2>&1 ||
  { tail -20 "$build/build.log" >&2; exit 1; }
cdop="$build/cdop"
# The import's floor: jansson's parse of the file alone (bench/jansson_floor.c).
floor="$build/jansson_floor"
cc -O2 bench/jansson_floor.c -o "$floor" $(pkg-config --cflags --libs jansson)

work=$(mktemp -d /tmp/cdop-bench-XXXXXX)
trap 'rm -rf "$work"' EXIT
export CDOP_TODAY=2025-06-01 TMPDIR="$work"
unset CDOP_REGISTER CDOP_USER CDOP_PASSPHRASE_FILE
for u in ada mo; do printf '%s-bench-passphrase\n' "$u" > "$work/$u.pass"; done
chmod 600 "$work"/*.pass
"$cdop" --register "$work/empty.cdop" --passphrase-file "$work/ada.pass" \
  init --admin ada --kdf interactive --recovery-out "$work/recovery.txt" >/dev/null
"$cdop" --register "$work/empty.cdop" --user ada --passphrase-file "$work/ada.pass" \
  user add mo --role manager --new-passphrase-file "$work/mo.pass" >/dev/null

# timed OUT CMD...: run CMD under GNU time; append "wall user+sys peakKB" to OUT
timed() {
  local out=$1; shift
  /usr/bin/time -f '%e %U %S %M' -o "$work/time" "$@" >/dev/null
  awk '{ printf "%s %.2f %s\n", $1, $2 + $3, $4 }' "$work/time" >> "$out"
}
# best FILE: the line with the least wall time
best() { sort -n -k1,1 "$1" | head -1; }
cdop_as=("$cdop" --register "$work/r.cdop" --user mo --passphrase-file "$work/mo.pass")
fresh() { cp "$work/empty.cdop" "$work/r.cdop"; cp "$work/empty.cdop.keys" "$work/r.cdop.keys"; }

# The fixed cost of opening a register: unlock (Argon2id) and the MAC pass.
: > "$work/t.fixed"
for _ in 1 2 3; do fresh; timed "$work/t.fixed" "${cdop_as[@]}" key show; done
fixed=$(best "$work/t.fixed")

results=()
opens=()
floors=()
for n in "${sizes[@]}"; do
  echo "bench: $n cases: generating" >&2
  python3 bench/gen_cases.py "$n" 2025 > "$work/cases.jsonl"
  year=$(python3 - "$work/cases.jsonl" <<'EOF'
import collections, json, sys
years = collections.Counter()
for line in open(sys.argv[1]):
    d = json.loads(line).get("review", {}).get("meeting_date")
    if d:
        y = int(d[:4]) - (d[5:7] < "04")
        years["%d-%02d" % (y, (y + 1) % 100)] += 1
print(years.most_common(1)[0][0])
EOF
)
  reps=1; [ "$n" -le 30000 ] && reps=3
  for f in ci bi cr br ko jf pj; do : > "$work/t.$f"; done
  for _ in $(seq "$reps"); do
    echo "bench: $n cases: import" >&2
    fresh
    timed "$work/t.ci" "${cdop_as[@]}" import "$work/cases.jsonl"
    rm -f "$work/base.db"
    timed "$work/t.bi" python3 bench/baseline.py load "$work/cases.jsonl" "$work/base.db"
    # The floors: the file's JSON parsed and nothing else, by jansson and by Python.
    timed "$work/t.jf" "$floor" "$work/cases.jsonl"
    timed "$work/t.pj" python3 -c 'import json, sys
for line in open(sys.argv[1]): json.loads(line)' "$work/cases.jsonl"
  done
  for _ in $(seq "$reps"); do
    echo "bench: $n cases: report $year" >&2
    rm -f "$work/report.json" "$work/report.json.minisig"
    timed "$work/t.cr" "${cdop_as[@]}" report annual --year "$year" --edition board \
      --format json --out "$work/report.json"
    timed "$work/t.br" python3 bench/baseline.py report "$work/base.db" "$year" "$work/base.json"
    # The report's open alone on this register: unlock and the full MAC pass.
    timed "$work/t.ko" "${cdop_as[@]}" key show
  done
  opens+=("$n $(best "$work/t.ko") $(best "$work/t.cr") $(best "$work/t.br")")
  floors+=("$n $(best "$work/t.jf") $(best "$work/t.pj") $(best "$work/t.bi")")
  results+=("$n $year $(best "$work/t.ci") $(best "$work/t.bi") $(best "$work/t.cr")"`
    `" $(best "$work/t.br") $(stat -c %s "$work/r.cdop") $(stat -c %s "$work/base.db")")
done

echo
echo "cdop vs Python json + sqlite3 into unencrypted SQLite ($(nproc) CPUs, load $(cut -d' ' -f1 /proc/loadavg))"
printf '%7s %7s | %6s %6s %5s %6s %6s %5s %6s %6s | %6s %6s %5s %6s %6s %5s %6s %6s | %5s %5s\n' \
  cases year "cdop" "py" ratio "cdop" "py" ratio "cdop" "py" \
  "cdop" "py" ratio "cdop" "py" ratio "cdop" "py" "cdop" "py"
printf '%7s %7s | %-44s | %-44s | %-11s\n' "" "" \
  "import: wall s, cpu s, peak RSS MB" "report: wall s, cpu s, peak RSS MB" "file MB"
for r in "${results[@]}"; do
  set -- $r
  awk -v n="$1" -v y="$2" -v cw="$3" -v cc="$4" -v ck="$5" -v bw="$6" -v bc="$7" -v bk="$8" \
      -v rw="$9" -v rc="${10}" -v rk="${11}" -v pw="${12}" -v pc="${13}" -v pk="${14}" \
      -v cf="${15}" -v bf="${16}" 'function q(a, b) { return b > 0 ? a / b : 0 } BEGIN {
    printf "%7d %7s | %6.2f %6.2f %5.2f %6.2f %6.2f %5.2f %6.0f %6.0f | %6.2f %6.2f %5.2f %6.2f %6.2f %5.2f %6.0f %6.0f | %5.0f %5.0f\n",
      n, y, cw, bw, q(cw, bw), cc, bc, q(cc, bc), ck / 1024, bk / 1024,
      rw, pw, q(rw, pw), rc, pc, q(rc, pc), rk / 1024, pk / 1024, cf / 1048576, bf / 1048576 }'
done
echo "the report's CPU split (cdop, best runs): the open (key show on the same register:"
echo "Argon2id unlock and the whole-file MAC pass, on two threads) and the rest"
for o in "${opens[@]}"; do
  set -- $o
  awk -v n="$1" -v ow="$2" -v oc="$3" -v rw="$5" -v rc="$6" 'BEGIN {
    printf "%7d cases: open %.2f s wall, %.2f s cpu; rest of the report %.2f s wall, %.2f s cpu\n",
      n, ow, oc, rw - ow, rc - oc }'
done
echo "the floors under the project's rules (best runs; docs in bench/README.md):"
for f in "${floors[@]}"; do
  set -- $f
  awk -v n="$1" -v jw="$2" -v jc="$3" -v pw="$5" -v pc="$6" -v bw="$8" -v bc="$9" 'BEGIN {
    printf "%7d cases: import target <= %.2f s wall, %.2f s cpu; jansson'"'"'s parse alone %.2f s wall, %.2f s cpu (Python'"'"'s json.loads alone %.2f s, %.2f s)\n",
      n, bw, bc, jw, jc, pw, pc }'
done
for o in "${opens[@]}"; do
  set -- $o
  awk -v n="$1" -v ow="$2" -v oc="$3" -v pw="$8" -v pc="$9" 'BEGIN {
    printf "%7d cases: report target <= %.2f s wall, %.2f s cpu; the open alone %.2f s wall, %.2f s cpu\n",
      n, pw / 2, pc / 2, ow, oc }'
done
set -- $fixed
echo "ratio: cdop / py (wall, then cpu). Targets: import <= 1.0, report <= 0.5."
echo "cdop's times include opening the register: unlock (Argon2id interactive, 64 MiB)"
echo "and the whole-file MAC; alone (key show on the empty register): ${1} s wall, ${2} s cpu,"
echo "peak $(( $3 / 1024 )) MB, most of cdop's peak memory."
