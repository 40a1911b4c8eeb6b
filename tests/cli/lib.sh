# Shared helpers for the end-to-end tests: source it, then call the checks.
# Each test runs the test build ($CDOP_BIN, cdop-test: CDOP_TODAY, the
# "test" Argon2id profile, CDOP_LOCK_TIMEOUT_MS) in a private temp
# directory; $CDOP_PROD the production cdop, where that is the point.
set -u
CDOP=${CDOP_BIN:?CDOP_BIN must point at the cdop-test binary}
CDOP_PROD=${CDOP_PROD_BIN:-$(dirname "$CDOP")/cdop}
SRC=${CDOP_SRC:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
T=$(mktemp -d /tmp/cdop-cli-XXXXXX)
trap 'rm -rf "$T"' EXIT
export XDG_DATA_HOME="$T/xdg" TMPDIR="$T/tmp"
mkdir -p "$TMPDIR"
unset CDOP_REGISTER CDOP_USER CDOP_PASSPHRASE_FILE
REG="$T/reg.cdop"
# The tests run python3 hundreds of times; through a version manager's shim
# (pyenv) each call starts a shell first (~1 s on a loaded machine). Find
# the interpreter once. Debian's own starts in a third of the time of a
# pyenv build (no site-packages to scan) and has what the tests import.
if [ -z "${PYTHON3:-}" ] && [ -x /usr/bin/python3 ]; then PYTHON3=/usr/bin/python3; fi
PYTHON3=${PYTHON3:-$(command python3 -c 'import sys; print(sys.executable)')} || PYTHON3=python3
python3() { "$PYTHON3" "$@"; }
export PYTHON3; export -f python3
PASSES=0
FAILS=0

pass() { PASSES=$((PASSES + 1)); }
fail() { FAILS=$((FAILS + 1)); echo "FAIL: $*" >&2; }

# mkpass NAME: a passphrase file $T/NAME.pass (0600)
mkpass() { printf '%s-long-passphrase\n' "$1" > "$T/$1.pass"; chmod 600 "$T/$1.pass"; }

# as USER ARGS...: run cdop as USER on $REG; stdout in $T/out, stderr in $T/err
as() {
  local who=$1; shift
  "$CDOP" --register "$REG" --user "$who" --passphrase-file "$T/$who.pass" "$@" \
    >"$T/out" 2>"$T/err" </dev/null
  RC=$?
  return 0
}

# raw ARGS...: run cdop with exactly these arguments
raw() { "$CDOP" "$@" >"$T/out" 2>"$T/err" </dev/null; RC=$?; return 0; }

# expect_rc N WHAT: the last command exited N
expect_rc() {
  if [ "$RC" -eq "$1" ]; then pass; else
    fail "$2: exit $RC, want $1; stderr: $(head -c 400 "$T/err")"; fi
}
# expect_err TEXT WHAT: stderr contains TEXT
expect_err() {
  if grep -qF -- "$1" "$T/err"; then pass; else
    fail "$2: stderr lacks '$1': $(head -c 400 "$T/err")"; fi
}
expect_out() {
  if grep -qF -- "$1" "$T/out"; then pass; else
    fail "$2: stdout lacks '$1': $(head -c 400 "$T/out")"; fi
}
# expect_no_crash WHAT: exit code below 128 and no sanitizer report
expect_no_crash() {
  if [ "$RC" -lt 6 ] && ! grep -q -E 'Sanitizer|runtime error' "$T/err"; then pass; else
    fail "$1: crashed (exit $RC): $(head -c 600 "$T/err")"; fi
}
# file_lacks FILE TEXT WHAT: TEXT does not occur in FILE's bytes
file_lacks() {
  if ! grep -qaF -- "$2" "$1"; then pass; else fail "$3: '$2' found in $1"; fi
}

# new_register: init $REG with admin ada ("test" KDF: tests stay fast;
# cdop-test only, the production cdop refuses it)
new_register() {
  mkpass ada
  "$CDOP" --register "$REG" --passphrase-file "$T/ada.pass" init --admin ada \
    --kdf test --recovery-out "$T/recovery.txt" >/dev/null 2>"$T/err" </dev/null ||
    { echo "init failed: $(cat "$T/err")" >&2; exit 1; }
}

# make_template DIR: a register DIR/reg.cdop as new_register and add_user
# mo manager, pat panel, ann analyst make it, with the passphrase files and
# the recovery code beside it. Made once per ctest run (tests/cli/template.sh)
make_template() {
  local dir=$1 keep_reg=$REG keep_t=$T
  mkdir -p "$dir.tmp"
  T="$dir.tmp" REG="$dir.tmp/reg.cdop"
  new_register; add_user mo manager; add_user pat panel; add_user ann analyst
  rm -f "$T/out" "$T/err"
  T=$keep_t REG=$keep_reg
  mv "$dir.tmp" "$dir"
}

# from_template: $REG becomes a copy of the template, as if made by
# new_register; add_user mo manager; add_user pat panel; add_user ann analyst
from_template() {
  local dir=${CDOP_TEMPLATE:-$T/template}
  [ -e "$dir/reg.cdop.keys" ] || make_template "$dir"
  cp -p "$dir/reg.cdop" "$REG"; cp -p "$dir/reg.cdop.keys" "$REG.keys"
  cp -p "$dir"/*.pass "$dir/recovery.txt" "$T/"
}

# add_user NAME ROLE
add_user() {
  mkpass "$1"
  as ada user add "$1" --role "$2" --new-passphrase-file "$T/$1.pass"
  [ "$RC" -eq 0 ] || { echo "user add $1 failed: $(cat "$T/err")" >&2; exit 1; }
}

# flip_byte FILE OFFSET: xor one byte with 0x01 (od and dd: the tamper
# loops call this hundreds of times, a python start each was most of their time)
flip_byte() {
  local b
  b=$(od -An -tu1 -j "$2" -N1 "$1") || return 1
  printf "\\$(printf '%03o' $(( b ^ 1 )))" |
    dd of="$1" bs=1 seek="$2" count=1 conv=notrunc status=none
}

# py EXPR WHAT [N]: pass when the Python expression EXPR (d: the JSON in
# $T/out) is true, else fail showing N (600) bytes of $T/out. One python
# process (a coprocess, started at the first check) evaluates every check of
# a test: a python start costs more than most cdop commands. A check in a
# subshell (no coprocess there) starts its own.
py() {
  if py_eval "$T/out" "$1"; then pass; else fail "$2: $(head -c "${3:-600}" "$T/out")"; fi
}
PY_EVAL_SRC='
import json, sys
def field():
    b = bytearray()
    while True:
        c = sys.stdin.buffer.read(1)
        if not c:
            sys.exit(0)
        if c == b"\0":
            return b.decode()
        b += c
def check(path, expr):
    try:
        d = json.load(open(path))
        return bool(eval("(" + expr + "\n)", {"json": json, "sys": sys, "d": d}))
    except Exception as e:
        print("py: %s: %r" % (expr, e), file=sys.stderr)
        return False
if len(sys.argv) > 2:
    sys.exit(0 if check(sys.argv[1], sys.argv[2]) else 1)
while True:
    path = field()
    print(1 if check(path, field()) else 0, flush=True)
'
PY_EVAL_SHELL=
# py_eval FILE EXPR: 0 when EXPR is true of the JSON in FILE (as py)
py_eval() {
  local ok
  if [ "$PY_EVAL_SHELL" != "$BASHPID" ]; then
    if [ "$BASHPID" != "$$" ]; then "$PYTHON3" -c "$PY_EVAL_SRC" "$1" "$2"; return; fi
    coproc PY_EVAL { "$PYTHON3" -u -c "$PY_EVAL_SRC"; }
    PY_EVAL_SHELL=$BASHPID
  fi
  printf '%s\0%s\0' "$1" "$2" >&"${PY_EVAL[1]}" && read -r ok <&"${PY_EVAL[0]}" && [ "$ok" = 1 ]
}

# fault_features LOG: "N kind:KIND file:NAME KIND" for each call in a log of
# tests/crash/faultshim.c, NAME the file's name with its random parts as
# "*" (temp names differ per run; the crash harnesses' samples cover every
# kind and file): a part after a "-" that starts with 6 letters or digits,
# or more with a digit or a capital among them.
fault_features() {
  awk '{ f = $3; if (f ~ /^#[0-9]+$/) f = "#unnamed"
         n = split(f, part, "-"); g = part[1]
         for (i = 2; i <= n; i++) {
           p = part[i]; match(p, /^[A-Za-z0-9]+/); tok = substr(p, 1, RLENGTH)
           if (RLENGTH == 6 || (RLENGTH > 6 && tok ~ /[0-9A-Z]/)) p = "*" substr(p, RLENGTH + 1)
           g = g "-" p
         }
         print $1, "kind:" $2, "file:" g, $2 }' "$1"
}

# json_count [FILE]: the members of the JSON array of objects in FILE as cdop
# prints it (standard input without FILE; jansson, two-space indent: each member opens with a line
# "  {"). A python start per count cost more than the command it counts.
json_count() { grep -c '^  {' "${1:--}" || true; }

finish() {
  echo "$PASSES passed, $FAILS failed"
  [ "$FAILS" -eq 0 ]
}
