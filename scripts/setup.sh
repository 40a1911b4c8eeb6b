#!/usr/bin/env bash
# Installs every Debian 12 package cdop needs to build, test and run.
# Idempotent: installs only what is missing. Run as root (or with sudo).
set -euo pipefail

packages=(
  build-essential cmake pkg-config       # toolchain
  ninja-build                            # the test builds' generator (scripts/test.sh)
  libsqlcipher-dev libsodium-dev         # the register and its keys
  libjansson-dev libcmocka-dev           # JSON, unit tests
  sqlcipher minisign                     # CLI tools the tests compare against
  python3 xxd                            # end-to-end test helpers (pty, bytes)
  libsqlite3-dev                         # bench/: the plain-SQLite baseline
  clang libclang-rt-14-dev               # fuzzing: libFuzzer, ASan, UBSan (tests/fuzz)
  chromium chromium-driver python3-selenium  # renders packs, reports and the UI in tests
  libmicrohttpd-dev                      # cdop ui: the local web server
  libglpk-dev                            # exact disclosure audit (integer programming)
  python3-scipy                          # an independent MIP attacker for the disclosure tests
  age                                    # the stock age tool the sealed-file tests compare against
  time                                   # /usr/bin/time: peak RSS in bench/report
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
    missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all ${#packages[@]} packages present"
  exit 0
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "setup: run as root to install: ${missing[*]}" >&2; exit 1; }
  sudo=sudo
fi
echo "setup: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "setup: done"
