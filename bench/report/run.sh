#!/usr/bin/env bash
# The annual report benchmark, in one command:
#
#   bench/report/run.sh [--sizes 10000,100000,1000000] [--repeat R] [--work DIR]
#
# Builds cdop (Release) into build-bench-report/, makes synthetic registers
# of each size (bench/gen_cases.py, loaded with `cdop import`: real,
# encrypted registers), then times `report annual --year 2025-26` for
# every edition (board, public dfe, public nhs) and format (html, csv,
# json, md) with peak RSS, and, as the baseline in the same run, the same
# tables as plain SQL GROUP BY queries (baseline.sql) in the sqlcipher
# shell on an unencrypted copy of the same register (plain_copy.c). The
# baseline's counts are checked against cdop's board report (compare.py).
#
# Printed per size: register size, wall and CPU seconds per edition/format
# (the best of R runs by CPU, which a busy machine disturbs less), the
# register's fixed costs (Argon2id "interactive" and the whole-file MAC,
# timed with `cdop key show`), the baseline's seconds, the ratios, and
# peak RSS. Generated data, registers and copies are kept in the work
# directory (default build-bench-report/work) and reused by later runs.
#
# The full run (1M cases) needs ~5 GB of disk (1.2 GB of JSON Lines, a
# 2 GB register and its 1.9 GB plain copy) and, the first time, 25-35
# minutes on 2 cores, most of it `cdop import`; later runs take ~10
# minutes. --sizes 10000,100000 takes about 3 minutes the first time.
set -euo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
here="$top/bench/report"
build="$top/build-bench-report"
sizes="10000,100000,1000000"
repeat=1
work=""
while [ $# -gt 0 ]; do
  case "$1" in
    --sizes) sizes=$2; shift 2 ;;
    --repeat) repeat=$2; shift 2 ;;
    --work) work=$2; shift 2 ;;
    *) echo "usage: $0 [--sizes N,N,...] [--repeat R] [--work DIR]" >&2; exit 2 ;;
  esac
done
work=${work:-$build/work}
mkdir -p "$work"
for tool in /usr/bin/time sqlcipher python3 pkg-config; do
  command -v "$tool" >/dev/null || { echo "run.sh: needs $tool (scripts/setup.sh)" >&2; exit 1; }
done

echo "== build (Release) into $build"
# Warnings do not stop a benchmark; the test builds keep -Werror.
cmake -S "$top" -B "$build" -DCMAKE_BUILD_TYPE=Release -DCDOP_WERROR=OFF >/dev/null
make -C "$build" -j"$(nproc)" cdop >/dev/null
cc -O2 -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -DSQLITE_HAS_CODEC -I"$top" \
  "$here/plain_copy.c" "$build/libcdop_report.a" "$build/libcdop_panel.a" "$build/libcdop_cases.a" \
  "$build/libcdop_store.a" "$build/libcdop_forms.a" \
  "$build/libcdop_crypto.a" $(pkg-config --cflags --libs sqlcipher libsodium jansson) \
  -o "$build/plain_copy"
CDOP="$build/cdop"

# A fixed today: the same data, and 2025-26 is the last complete year.
export CDOP_TODAY=2026-05-20
YEAR=2025-26 FIRST=2025-04-01 LAST=2026-03-31
pass="$work/pass"
[ -f "$pass" ] || { printf 'benchmark-only-passphrase\n' > "$pass"; chmod 600 "$pass"; }
sed -e "s/@FIRST@/$FIRST/g" -e "s/@LAST@/$LAST/g" "$here/baseline.sql" > "$work/baseline.sql"

# timed OUT CMD...: "WALL CPU RSS" of the best of $repeat runs (by CPU
# seconds, user + system: steadier than wall time on a shared machine)
timed() {
  local out=$1 best="" wall="" rss="" i e u s m c; shift
  for i in $(seq "$repeat"); do
    /usr/bin/time -f '%e %U %S %M' -o "$work/time" "$@" >"$out" 2>"$work/err" ||
      { echo "failed: $* : $(cat "$work/err")" >&2; exit 1; }
    read -r e u s m < "$work/time"
    c=$(awk "BEGIN{printf \"%.2f\", $u + $s}")
    if [ -z "$best" ] || awk "BEGIN{exit !($c < $best)}"; then best=$c wall=$e rss=$m; fi
  done
  echo "$wall $best $rss"
}

ratio() { awk "BEGIN{ if ($2 > 0) printf \"%.2f\", $1 / $2; else print \"-\" }"; }

# Argon2id alone: `key show` on an empty register (its MAC costs nothing).
if [ ! -s "$work/reg-empty.cdop" ]; then
  rm -f "$work/reg-empty.cdop" "$work/reg-empty.cdop.keys"
  "$CDOP" --register "$work/reg-empty.cdop" --passphrase-file "$pass" init --admin ada \
    --kdf interactive --recovery-out "$work/recovery-empty.txt" >/dev/null
fi
read -r _ argon_c _ <<< "$(timed /dev/null "$CDOP" --register "$work/reg-empty.cdop" \
  --user ada --passphrase-file "$pass" key show)"

IFS=, read -r -a size_list <<< "$sizes"
for n in "${size_list[@]}"; do
  echo
  echo "== $n cases"
  jsonl="$work/cases-$n.jsonl" reg="$work/reg-$n.cdop" plain="$work/plain-$n.db"
  if [ ! -s "$jsonl" ]; then
    echo "generating $jsonl"
    python3 "$top/bench/gen_cases.py" "$n" 42 --today "$CDOP_TODAY" > "$jsonl.tmp"
    mv "$jsonl.tmp" "$jsonl"
  fi
  if [ ! -s "$reg" ]; then
    rm -f "$reg" "$reg.keys"
    "$CDOP" --register "$reg" --passphrase-file "$pass" init --admin ada --kdf interactive \
      --recovery-out "$work/recovery-$n.txt" >/dev/null
    "$CDOP" --register "$reg" --user ada --passphrase-file "$pass" \
      user add mo --role manager --new-passphrase-file "$pass" >/dev/null
    read -r t c m <<< "$(timed /dev/null "$CDOP" --register "$reg" --user mo \
      --passphrase-file "$pass" import "$jsonl")"
    echo "import: ${t}s (CPU ${c}s), peak RSS ${m} KB"
  fi
  if [ ! -s "$plain" ]; then
    rm -f "$plain"
    "$build/plain_copy" "$reg" mo "$pass" "$plain"
  fi
  reg_mb=$(awk "BEGIN{printf \"%.1f\", $(stat -c %s "$reg") / 1048576}")
  plain_mb=$(awk "BEGIN{printf \"%.1f\", $(stat -c %s "$plain") / 1048576}")
  reviews=$(sqlcipher "$plain" "SELECT count(*) FROM reviews WHERE meeting_date BETWEEN '$FIRST' AND '$LAST'")
  notified=$(sqlcipher "$plain" "SELECT count(*) FROM cases WHERE notified_date BETWEEN '$FIRST' AND '$LAST'")
  echo "register ${reg_mb} MB (plain copy ${plain_mb} MB); year $YEAR: $notified notified, $reviews reviews"

  # Warm the page cache for both, so neither pays for the first read.
  cat "$reg" "$plain" > /dev/null
  read -r base_s base_c base_rss <<< "$(timed "$work/baseline-$n.out" sqlcipher "$plain" \
    ".read $work/baseline.sql")"
  read -r unlock_s unlock_c unlock_rss <<< "$(timed /dev/null "$CDOP" --register "$reg" \
    --user mo --passphrase-file "$pass" key show)"
  # the register's fixed costs: Argon2id once, the whole-file MAC at open
  # and again at close (a report writes its audit entry)
  mac_c=$(awk "BEGIN{ d = $unlock_c - $argon_c; if (d < 0) d = 0; printf \"%.2f\", d }")
  printf '%-11s %-6s %8s %8s %7s %7s %7s %7s %12s\n' edition format wall_s cpu_s ratio \
    cpu_rat net_cpu own_rat peak_RSS_KB
  for ed in board public-dfe public-nhs; do
    case $ed in
      board) args=(--edition board) ;;
      public-dfe) args=(--edition public --disclosure dfe) ;;
      public-nhs) args=(--edition public --disclosure nhs) ;;
    esac
    for fmt in html csv json md; do
      out="$work/report-$n-$ed.$fmt"
      read -r s c rss <<< "$(timed /dev/null "$CDOP" --register "$reg" --user mo \
        --passphrase-file "$pass" report annual --year "$YEAR" "${args[@]}" --format "$fmt" \
        --out "$out")"
      net=$(awk "BEGIN{ d = $c - $unlock_c; if (d < 0) d = 0; printf \"%.3f\", d }")
      own=$(awk "BEGIN{ d = $c - $argon_c - 2 * $mac_c; if (d < 0) d = 0; printf \"%.3f\", d }")
      printf '%-11s %-6s %8s %8s %7s %7s %7s %7s %12s\n' "$ed" "$fmt" "$s" "$c" \
        "$(ratio "$s" "$base_s")" "$(ratio "$c" "$base_c")" "$(ratio "$net" "$base_c")" \
        "$(ratio "$own" "$base_c")" "$rss"
    done
  done
  printf '%-18s %8s %8s %31s %12s\n' "baseline (SQL)" "$base_s" "$base_c" "" "$base_rss"
  printf '%-18s %8s %8s %31s %12s\n' "unlock (key show)" "$unlock_s" "$unlock_c" "" "$unlock_rss"
  printf '%-18s %8s %8s   (Argon2id %s + whole-file MAC %s)\n' "" "" "" "$argon_c" "$mac_c"
  printf 'baseline vs board report: %s\n' \
    "$(python3 "$here/compare.py" "$work/baseline-$n.out" "$work/report-$n-board.json")"
done

echo
echo "ratio = report wall / baseline wall; cpu_rat = report CPU / baseline CPU;"
echo "net_cpu = (report CPU - unlock CPU) / baseline CPU, where unlock = Argon2id"
echo "(interactive) + the whole-file MAC of the register, paid by every command;"
echo "own_rat = (report CPU - Argon2id - 2 x MAC) / baseline CPU: a report writes its"
echo "audit entry, so it pays the MAC again when it closes the register."
