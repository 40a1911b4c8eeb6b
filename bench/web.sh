#!/usr/bin/env bash
# bench/web.sh [N]: server time of each cdop ui page on a register of N
# synthetic cases (default 26000), as curl sees it on 127.0.0.1 (best of
# ROUNDS, default 3, after one warm-up round), and the server's CPU time per
# request (user + system, from /proc, averaged over the rounds: the machine
# is shared, so CPU is the steadier figure). Uses the test build (cdop-test) for the
# fixed date and the cheap key derivation; the pages are the same code.
# "first" is the page's first request after login (a search makes the
# session's search index then). Memory: the server's VmRSS and VmHWM
# (/proc/PID/status) after that first pass over the pages and after MANY
# (default 200) more requests of each page; MANY=0 skips them.
set -eu
n=${1:-26000}
src=$(cd "$(dirname "$0")/.." && pwd)
build=${CDOP_BUILD:-$src/build}
bin=$build/cdop-test
# KEEP=DIR keeps the register in DIR and reuses it on the next run.
if [ -n "${KEEP:-}" ]; then
  work=$KEEP; mkdir -p "$work"
  trap 'kill "$pid" 2>/dev/null' EXIT
else
  work=$(mktemp -d /tmp/cdop-bench-web-XXXXXX)
  trap 'kill "$pid" 2>/dev/null; rm -rf "$work"' EXIT
fi
export CDOP_TODAY=2027-06-01 TMPDIR="$work"
reg=$work/t/reg.cdop
if [ ! -s "$work/t/imported" ]; then
  rm -rf "$work/t"
  CDOP_BIN=$bin bash -c ". '$src/tests/cli/lib.sh'; make_template '$work/t'"
  python3 "$src/bench/gen_cases.py" "$n" 2025 > "$work/cases.jsonl"
  "$bin" --register "$reg" --user mo --passphrase-file "$work/t/mo.pass" import "$work/cases.jsonl" >/dev/null
  echo "$n" > "$work/t/imported"
fi
ref=$("$bin" --register "$reg" --user mo --passphrase-file "$work/t/mo.pass" case list \
      --status reviewed --json | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["ref"])')
"$bin" --register "$reg" ui --no-browser --port 0 > "$work/ui.out" 2>&1 &
pid=$!
for _ in $(seq 50); do [ -s "$work/ui.out" ] && break; sleep 0.1; done
url=$(head -1 "$work/ui.out" | sed 's/cdop ui: //')
base=${url%%/?token=*}
jar=$work/jar
curl -s -c "$jar" "$url" >/dev/null
csrf=$(curl -s -b "$jar" "$base/login" | grep -o 'name="csrf" value="[0-9a-f]*"' | sed 's/.*value="//;s/"//')
curl -s -b "$jar" -d "csrf=$csrf&user=mo&passphrase=mo-long-passphrase" "$base/login" -o /dev/null
rounds=${ROUNDS:-3}
many=${MANY:-200}
cpu_ticks() { awk '{print $14 + $15}' "/proc/$pid/stat"; }
mem() { awk '/^VmRSS|^VmHWM/ {printf "%s %d kB  ", $1, $2}' "/proc/$pid/status"; }
hz=$(getconf CLK_TCK)
pages=(/ /cases "/cases?status=ready" "/cases?q=tarby" "/cases/$ref" "/cases/$ref/edit"
       /meetings /meetings/1 /actions /reports)
declare -A first
rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/$pid/status"; }
for page in "${pages[@]}"; do
  r0=$(rss_kb)
  c0=$(cpu_ticks)
  first[$page]=$(curl -s -o /dev/null -b "$jar" -w '%{time_total}' "$base$page") || first[$page]=error
  first[$page]="${first[$page]}/$(python3 -c "print(round(($(cpu_ticks) - $c0) / $hz, 2))")"
  case $page in *q=*) index_kb=$(( $(rss_kb) - r0 )) ;; esac
done
mem_first=$(mem)
echo "cdop ui, $n cases ($(du -h "$reg" | cut -f1) register), seconds per page (first request: wall/CPU; best of $rounds; CPU s per request):"
for page in "${pages[@]}"; do
  best=
  c0=$(cpu_ticks)
  for _ in $(seq "$rounds"); do
    t=$(curl -s -o /dev/null -b "$jar" -w '%{time_total}' "$base$page") || t=error
    [ "$t" = error ] && { best=error; break; }
    best=$(python3 -c "print(min(float('${best:-1e9}'), $t))")
  done
  cpu=$(python3 -c "print(round(($(cpu_ticks) - $c0) / $hz / $rounds, 3))")
  printf '  %-28s first %-14s best %-9s cpu %s\n' "$page" "${first[$page]}" "$best" "$cpu"
done
echo "server memory after the first request of each page: $mem_first(the first search: +$index_kb kB VmRSS)"
if [ "$many" -gt 0 ]; then
  for page in "${pages[@]}"; do
    args=()
    for _ in $(seq "$many"); do args+=(-o /dev/null "$base$page"); done
    c0=$(cpu_ticks)
    curl -s -b "$jar" "${args[@]}"
    printf '  %-28s %d requests, cpu %s s per request; %s\n' "$page" "$many" \
      "$(python3 -c "print(round(($(cpu_ticks) - $c0) / $hz / $many, 4))")" "$(mem)"
  done
  echo "server memory after $many more requests of each page: $(mem)"
fi
