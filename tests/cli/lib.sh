# Shared helpers for the end-to-end tests: source it, then call the checks.
# Each test runs the test build ($CDOP_BIN, cdop-test: CDOP_TODAY, the
# "test" Argon2id profile, CDOP_LOCK_TIMEOUT_MS) in a private temp
# directory; $CDOP_PROD the production cdop, where that is the point.
set -u
CDOP=${CDOP_BIN:?CDOP_BIN must point at the cdop-test binary}
CDOP_PROD=${CDOP_PROD_BIN:-$(dirname "$CDOP")/cdop}
SRC=${CDOP_SRC:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
T=$(mktemp -d /tmp/cdop-cli-XXXXXX)
trap 'fs_stop; rm -rf "$T"' EXIT
export XDG_DATA_HOME="$T/xdg" TMPDIR="$T/tmp"
mkdir -p "$TMPDIR"
unset CDOP_REGISTER CDOP_USER CDOP_PASSPHRASE_FILE
REG="$T/reg.cdop"
FS_DIR=$T # the fork server's FIFOs and files (make_template changes T)
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
  run_cdop --register "$REG" --user "$who" --passphrase-file "$T/$who.pass" "$@"
}

# raw ARGS...: run cdop with exactly these arguments
raw() { run_cdop "$@"; }

# run_cdop ARGS...: "$CDOP" ARGS... with stdin /dev/null, stdout $T/out,
# stderr $T/err; RC its exit status. Through the fork server when it can.
run_cdop() {
  if fs_usable; then fs_call /dev/null "$T/out" "$T/err" "$CDOP" "$@"; return 0; fi
  if [ -z "${FS_REQ:-}" ]; then "$CDOP" "$@" >"$T/out" 2>"$T/err" </dev/null
  else "$CDOP" "$@" >"$T/out" 2>"$T/err" </dev/null {FS_REQ}>&- {FS_RSP}>&-; fi
  RC=$?
  return 0
}

# The fork server (tests/tools/forkserver.c, cdop-test only): a process
# start is most of a short command's cost here (and more under ASan), so
# as and raw ask one cdop-test, started at the first call, to fork per
# command, each child set up as an exec would (working directory, the
# three files, arguments, the exported environment with any prefix
# assignments of the call). The ASan build's server (FS_MODE worker) runs
# the test's commands one after another in one worker process instead,
# and checks for leaks at the test's end (fs_check, from finish); a test
# whose checks need each command in a new process sets
# CDOP_TEST_FORKSERVER_FORK=1 (t_imac). Real exec: in a subshell (a
# background or $(...) call: the server answers one caller), with
# LD_PRELOAD (the fault shim), when a variable read once per process (the
# dynamic loader's, glibc's tunables and TZ, the sanitizers', OpenSSL's:
# the server starts OpenSSL; CDOP_TEST_FORKSERVER_FORK) differs from the
# server's start, for another binary than $CDOP at the start, or with
# CDOP_NO_FORKSERVER=1 (a test that needs a real process: its
# /proc/self/cmdline, rlimits, umask or signal dispositions set after the
# start).
FS_PID= FS_START= FS_MODE=
fs_now() {
  FS_NOW="$CDOP|${TZ-}|${CDOP_TEST_FORKSERVER_FORK-}|${LD_PRELOAD-}|${LD_LIBRARY_PATH-}|${LD_AUDIT-}|${GLIBC_TUNABLES-}|${MALLOC_CHECK_-}|${MALLOC_PERTURB_-}|${ASAN_OPTIONS-}|${UBSAN_OPTIONS-}|${LSAN_OPTIONS-}|${OPENSSL_CONF-}|${OPENSSL_MODULES-}|${OPENSSL_ia32cap-}"
}
fs_usable() {
  [ "$BASHPID" = "$$" ] && [ -z "${CDOP_NO_FORKSERVER:-}" ] && [ -z "${LD_PRELOAD:-}" ] &&
    [ "$FS_PID" != - ] || return 1
  fs_now
  [ -n "$FS_PID" ] || fs_start || return 1
  [ "$FS_NOW" = "$FS_START" ]
}
# fs_start: the server, in the foreground as a command would be (bash gives
# a background job SIGINT and SIGQUIT ignored); it forks, writes the
# server's pid and exits. Both FIFOs are opened read-write here, so no
# open blocks whatever the server does. LD_BIND_NOW: the libraries'
# symbols are bound once in the server, not again in each child.
fs_start() {
  FS_PID=-
  mkfifo -m 600 "$FS_DIR/fs.req" "$FS_DIR/fs.rsp" || return 1
  exec {FS_REQ}<>"$FS_DIR/fs.req" {FS_RSP}<>"$FS_DIR/fs.rsp"
  LD_BIND_NOW=1 CDOP_TEST_FORKSERVER="$FS_DIR/fs" "$CDOP" </dev/null >/dev/null &&
    read -r FS_PID FS_MODE <"$FS_DIR/fs.pid" || { FS_PID=-; fs_stop; return 1; }
  FS_START=$FS_NOW
}
# fs_call IN OUT ERR ARGV...: one request; RC the command's exit status
# (128 + N for a death by signal N, as bash). The environment is what bash
# would pass an exec: the exported variables, exported functions, and $_.
FS_ENV=()
fs_call() {
  local _fs_n _fs_body
  local -a _fs_req=("$PWD" "$1" "$2" "$3" $(($# - 3)))
  shift 3
  _fs_req+=("$@")
  local -a _fs_names
  { compgen -e; declare -Fx; } >"$FS_DIR/fs.env"
  # (one mapfile, not a read per line: a read from a file is a read and an
  # lseek system call each)
  mapfile -t _fs_names <"$FS_DIR/fs.env"
  FS_ENV=()
  for _fs_n in "${_fs_names[@]}"; do
    case $_fs_n in
      "declare -fx "*)
        _fs_n=${_fs_n#declare -fx }
        declare -f "$_fs_n" >"$FS_DIR/fs.fn"
        IFS= read -r -d "" _fs_body <"$FS_DIR/fs.fn"
        _fs_body=${_fs_body#"$_fs_n "}
        FS_ENV+=("BASH_FUNC_$_fs_n%%=${_fs_body%$'\n'}") ;;
      *) FS_ENV+=("$_fs_n=${!_fs_n}") ;;
    esac
  done
  FS_ENV+=("_=$CDOP")
  printf '%s\0' "${_fs_req[@]}" ${#FS_ENV[@]} "${FS_ENV[@]}" >&"$FS_REQ"
  if fs_answer; then RC=$FS_ANSWER; else
    echo "lib.sh: the fork server ($CDOP) is gone" >&2
    FS_PID=-; RC=125
  fi
}
# fs_answer: the server's answer to the request just sent, in FS_ANSWER;
# status 1 if the server is gone.
fs_answer() {
  until read -r -t 5 FS_ANSWER <&"$FS_RSP"; do
    kill -0 "$FS_PID" 2>/dev/null || return 1
  done
}
# fs_check: at the end of the test (finish): the ASan build's worker
# (FS_MODE worker: the test's commands run one after another in one
# process, tests/tools/forkserver.c) checks for leaks over all of them; a
# leak is a failure, its report on the test's stderr. (A fork per command
# is checked as each child leaves.)
fs_check() {
  [ "$FS_MODE" = worker ] && [ -n "${FS_REQ:-}" ] && [ "$FS_PID" != - ] || return 0
  printf '%s\0' "$PWD" /dev/null /dev/null /dev/null 0 0 >&"$FS_REQ"
  if ! fs_answer; then fail "the fork server ($CDOP) is gone before its leak check"
  elif [ "$FS_ANSWER" != 0 ]; then fail "LeakSanitizer: this test's commands leaked (the report above)"; fi
}
# fs_stop: at the end of the test (the EXIT trap): end of input ends the
# server; a command still running in the background that holds the FIFO
# open cannot keep it alive.
fs_stop() {
  [ -n "${FS_REQ:-}" ] || return 0
  exec {FS_REQ}>&- {FS_RSP}>&-
  [ -z "$FS_PID" ] || [ "$FS_PID" = - ] || kill "$FS_PID" 2>/dev/null
  FS_REQ= FS_PID=-
}

# small_text VAR FILE: FILE's bytes in VAR (status 0) when it is a
# readable regular file of text, no NUL byte, under 64 KiB: what the
# helpers below read and match in the shell instead of starting grep, cmp
# or cat (status 1 otherwise: they fall back to the tool). The caller sets
# LC_ALL=C (read in a UTF-8 locale does not keep every byte).
small_text() {
  [ -f "$2" ] && [ -r "$2" ] && ! IFS= read -r -d '' -n 65536 "$1" <"$2"
}

# file_has FILE TEXT GREP-OPTION...: grep -q GREP-OPTION... -- TEXT FILE,
# the fixed string TEXT (-F among the options). A grep is a process start,
# several milliseconds of CPU, more than most checks' commands: a file of
# text (no NUL byte) under 64 KiB and a TEXT of one line of ASCII are read
# and matched by the shell, as bytes (LC_ALL=C: read in a UTF-8 locale
# does not keep every byte; one line: grep -F takes each line of TEXT as a
# pattern; not empty: an empty pattern matches no line of an empty file).
file_has() {
  local s LC_ALL=C
  if [[ $# = 3 && ($3 = -F || $3 = -aF) && -n $2 && $2 != *[![:ascii:]]* && $2 != *$'\n'* ]] &&
     small_text s "$1"; then
    [[ $s == *"$2"* ]]; return
  fi
  grep -q "${@:3}" -- "$2" "$1"
}

# same_file A B: cmp -s A B (the same bytes), by the shell for two files of
# text under 64 KiB each, else cmp.
same_file() {
  local a b LC_ALL=C
  if small_text a "$1" && small_text b "$2"; then
    [ "$a" = "$b" ]; return
  fi
  cmp -s "$1" "$2"
}

# text_of VAR FILE: VAR=$(cat FILE) (the text, its final newlines removed),
# by the shell for a file of text under 64 KiB, else $(cat FILE).
text_of() {
  local _t LC_ALL=C
  if small_text _t "$2"; then
    while [[ $_t == *$'\n' ]]; do _t=${_t%$'\n'}; done
  else
    _t=$(cat "$2")
  fi
  printf -v "$1" '%s' "$_t"
}

# snap_take FILE / snap_same FILE: keep FILE's bytes, then whether FILE has
# them (cmp -s against a copy): kept by the shell for a file of text under
# 64 KiB (read as same_file reads), else in a copy $T/snap. Where a test
# snapshots an output before a refused command and compares after: the cp
# per snapshot was a process start each.
SNAP= SNAP_COPY=
snap_take() {
  local LC_ALL=C
  SNAP_COPY=
  if small_text SNAP "$1"; then return 0; fi
  SNAP_COPY=$T/snap
  cp "$1" "$SNAP_COPY"
}
snap_same() {
  local s LC_ALL=C
  [ -z "$SNAP_COPY" ] || { cmp -s "$1" "$SNAP_COPY"; return; }
  small_text s "$1" && [ "$s" = "$SNAP" ]
}

# ls_grep DIR ERE: ls DIR | grep -E ERE (DIR's names but dot files, in the
# order ls gives, printed when they match ERE; 0 when one did) by a glob and
# =~, not two processes
ls_grep() {
  local f hit=1
  for f in "$1"/*; do
    [ -e "$f" ] || [ -L "$f" ] || continue
    [[ ${f##*/} =~ $2 ]] && { printf '%s\n' "${f##*/}"; hit=0; }
  done
  return $hit
}

# expect_rc N WHAT: the last command exited N
expect_rc() {
  if [ "$RC" -eq "$1" ]; then pass; else
    fail "$2: exit $RC, want $1; stderr: $(head -c 400 "$T/err")"; fi
}
# expect_err TEXT WHAT: stderr contains TEXT
expect_err() {
  if file_has "$T/err" "$1" -F; then pass; else
    fail "$2: stderr lacks '$1': $(head -c 400 "$T/err")"; fi
}
expect_out() {
  if file_has "$T/out" "$1" -F; then pass; else
    fail "$2: stdout lacks '$1': $(head -c 400 "$T/out")"; fi
}
# expect_no_crash WHAT: exit code below 128 and no sanitizer report
expect_no_crash() {
  if [ "$RC" -lt 6 ] && ! file_has "$T/err" Sanitizer -F && ! file_has "$T/err" "runtime error" -F
  then pass; else
    fail "$1: crashed (exit $RC): $(head -c 600 "$T/err")"; fi
}
# file_lacks FILE TEXT WHAT: TEXT does not occur in FILE's bytes
file_lacks() {
  if ! file_has "$1" "$2" -aF; then pass; else fail "$3: '$2' found in $1"; fi
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
  # (one cp, a process, when $REG is $T/reg.cdop, as in most tests)
  if [ "$REG" = "$T/reg.cdop" ]; then
    cp -p "$dir/reg.cdop" "$dir/reg.cdop.keys" "$dir"/*.pass "$dir/recovery.txt" "$T/"; return
  fi
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

# gen_cases "FILE N SEED [OPTION VALUE]..." ...: each FILE the output of
# `python3 bench/gen_cases.py N SEED [OPTION VALUE]...`, the same bytes,
# all of them from one python (a start each cost more than the smaller
# sets). Its main() is run once per set with stdout the FILE: each run
# seeds its own random.Random, nothing else is kept between runs. Words
# split on blanks (no FILE or option with a blank in it).
gen_cases() {
  "$PYTHON3" - "$SRC/bench/gen_cases.py" "$@" <<'PY'
import importlib.util, sys
spec = importlib.util.spec_from_file_location("gen_cases", sys.argv[1])
gen = importlib.util.module_from_spec(spec); spec.loader.exec_module(gen)
keep = sys.stdout
for job in sys.argv[2:]:
    w = job.split()
    with open(w[0], "w") as sys.stdout:
        gen.main([sys.argv[1]] + w[1:])
    sys.stdout = keep
PY
}

# py_value VAR EXPR: VAR = str(EXPR), d the JSON in $T/out, what
# VAR=$(python3 -c 'print(EXPR)') would give (its final newlines removed),
# by the coprocess of py (a python start each cost more than the command)
py_value() {
  py_eval "$T/out" '(lambda v: open("'"$T/py.value"'", "w").write(str(v)) >= 0)('"$2"'
)' || { fail "py_value $2: $(head -c 300 "$T/out")"; return 1; }
  text_of "$1" "$T/py.value"
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

# json_count [-v VAR] [FILE]: the members of the JSON array of objects in
# FILE as cdop prints it (standard input without FILE; jansson, two-space
# indent: each member opens with a line "  {"), printed, or with -v VAR put
# in VAR (as printf -v: no $(...) subshell). A python start per count cost
# more than the command it counts. A FILE as file_has reads (text under
# 64 KiB) is counted by the shell: the "\n  {" in a newline and the file,
# bytes (LC_ALL=C) removed / 4.
json_count() {
  local s t LC_ALL=C _jc_v=
  if [ "${1:-}" = -v ]; then _jc_v=$2; shift 2; fi
  if [ -n "${1:-}" ] && small_text s "$1"; then
    s=$'\n'$s t=${s//$'\n  {'/}
    s=$(((${#s} - ${#t}) / 4))
  elif [ -n "$_jc_v" ]; then
    s=$(grep -c '^  {' "${1:--}" || true)
  else
    grep -c '^  {' "${1:--}" || true; return
  fi
  if [ -n "$_jc_v" ]; then printf -v "$_jc_v" '%s' "$s"; else echo "$s"; fi
}

# chromium_render HTML PNG W,H: headless Chromium renders the file HTML, a
# screenshot in PNG; RC its exit status, its output in PNG.log. Offline, a
# fresh profile. Not --single-process: there Chromium once died of SIGTRAP
# (exit 133) after writing the screenshot, on a loaded machine (27 Nov
# 2026); the few tenths of a second it saved are not worth a flaky suite.
# Status 1, nothing run, with CDOP_SCREENSHOTS=0 (scripts/test.sh says
# why) or no /usr/bin/chromium.
chromium_render() {
  local prof
  [ "${CDOP_SCREENSHOTS:-1}" != 0 ] && [ -x /usr/bin/chromium ] || return 1
  prof=$(mktemp -d "$T/chromium-XXXXXX")
  timeout 180 /usr/bin/chromium --headless --no-sandbox --disable-gpu --disable-quic \
    --no-first-run --disable-background-networking \
    --disable-component-update --disable-sync --user-data-dir="$prof" \
    --screenshot="$2" --window-size="$3" "file://$1" >"$2.log" 2>&1
  RC=$?
  rm -rf "$prof"
}

finish() {
  fs_check
  echo "$PASSES passed, $FAILS failed"
  [ "$FAILS" -eq 0 ]
}
