#!/usr/bin/env bash
# build.sh DIR [cmake args...]: configure and build into DIR.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
dir=$1; shift
cmake -S "$top" -B "$dir" "$@" >/dev/null
cmake --build "$dir" -j "$(nproc)" >/dev/null
