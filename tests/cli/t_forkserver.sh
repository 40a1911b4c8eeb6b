#!/usr/bin/env bash
# The fork server of lib.sh's as and raw (tests/tools/forkserver.c): each
# command sees what an exec'd cdop-test would (exit status, a death by
# signal as 128 + N, the exported environment with the call's prefix
# assignments, the working directory, its three files) and prints the same
# bytes; lib.sh falls back to exec where it must.
. "$(dirname "$0")/lib.sh"
unset CDOP_NO_FORKSERVER # (a "before" timing run sets it for the others)
from_template

# both WHAT ARGS...: run ARGS with raw through the server, then by exec;
# the same exit status, stdout and stderr
both() {
  local what=$1; shift
  raw "$@"; local rc=$RC; cp "$T/out" "$T/fs.out"; cp "$T/err" "$T/fs.err"
  CDOP_NO_FORKSERVER=1 raw "$@"
  if [ "$rc" = "$RC" ] && cmp -s "$T/out" "$T/fs.out" && cmp -s "$T/err" "$T/fs.err"
  then pass; else fail "$what: fork server exit $rc, exec $RC; stderr: $(head -c 300 "$T/fs.err")"; fi
}
G=(--register "$REG" --passphrase-file "$T/mo.pass" --user)
both "--version" --version
[ "$FS_PID" -gt 1 ] 2>/dev/null && pass || fail "the first call started the server (pid '$FS_PID')"
# (the server's start of SQLite and OpenSSL: its keyed database is gone)
[ ! -e "$FS_DIR/fs.warm" ] && pass || fail "the server left $FS_DIR/fs.warm"
both "help" help
both "usage error (exit 2)" case list --nosuch
both "unknown command (exit 2)" nosuch
both "wrong passphrase (exit 3)" --register "$REG" --passphrase-file "$T/pat.pass" --user mo case list
both "role refused (exit 3)" "${G[@]}" mo user add zed --role panel
both "not found (exit 1)" "${G[@]}" mo case show CDOP-1999-9999
both "no register (exit 5 or 4)" --register "$T/none.cdop" --passphrase-file "$T/mo.pass" --user mo case list
both "case list" "${G[@]}" mo case list --json
CDOP_TODAY=2025-01-01 both "prefix assignment reaches the command" "${G[@]}" mo case list

# What the command's own children see: the environment (exported functions
# too), its parent (the server, or bash on the exec path), its open files.
cat >"$T/hook.sh" <<'H'
env | sort >"$T/env.$TAG"
ps -o ppid= -p "$PPID" | tr -d ' ' >"$T/ppid.$TAG"
ls -l /proc/$PPID/fd/ | grep -c -- '->' >"$T/fd.$TAG"
ls -l /proc/$PPID/fd/ >>"$T/fd.$TAG"
ls -l /proc/$$/fd/ >"$T/selffd.$TAG"
echo "$PPID" >"$T/pid.$TAG"
H
# (sh -c runs the hook: exec, so that the hook's parent is cdop-test; dash
# drops the exported functions' BASH_FUNC_ names from what it passes on)
export CDOP_TEST_BEFORE_SEAL="exec bash $T/hook.sh" T
TAG=fs as mo case list; expect_rc 0 "case list with the seal hook"
CDOP_NO_FORKSERVER=1 TAG=exec as mo case list; expect_rc 0 "case list with the seal hook, exec"
grep -v '^TAG=\|^CDOP_NO_FORKSERVER=' "$T/env.fs" >"$T/env.fs.cmp"
grep -v '^TAG=\|^CDOP_NO_FORKSERVER=' "$T/env.exec" >"$T/env.exec.cmp"
cmp -s "$T/env.fs.cmp" "$T/env.exec.cmp" && pass ||
  fail "environment differs: $(diff "$T/env.exec.cmp" "$T/env.fs.cmp" | head -c 400)"
grep -qx 'TAG=fs' "$T/env.fs" && pass || fail "the call's prefix assignment TAG=fs not passed"
[ "$(cat "$T/ppid.fs")" = "$FS_PID" ] && pass || fail "served by the fork server: parent $(cat "$T/ppid.fs"), server $FS_PID"
[ "$(cat "$T/ppid.exec")" = "$$" ] && pass || fail "CDOP_NO_FORKSERVER=1: exec by bash: parent $(cat "$T/ppid.exec")"
# bash leaves its own open files to an exec'd command (lib.sh closes the
# FIFOs there); the server's child has only 0-2 and what cdop-test opened.
# The ASan build's worker (FS_MODE worker) also holds the FIFOs and its
# own 0-2, close-on-exec: nothing of them reaches what a command runs.
case $FS_MODE in
  fork) ! grep -q 'fs\.r' "$T/fd.fs" && ! grep -q 'fs\.r' "$T/fd.exec" &&
          [ "$(head -1 "$T/fd.fs")" -le "$(head -1 "$T/fd.exec")" ] ;;
  worker) ! grep -q 'fs\.r' "$T/selffd.fs" && ! grep -q 'fs\.r' "$T/fd.exec" &&
          [ "$(head -1 "$T/fd.fs")" -le "$(($(head -1 "$T/fd.exec") + 5))" ] ;;
  *) false ;;
esac && pass || fail "the child's open files ($FS_MODE): $(cat "$T/fd.fs") against exec: $(cat "$T/fd.exec"); what it ran: $(cat "$T/selffd.fs")"
# A fork per command, or (worker) the test's commands in one process.
TAG=fs2 as mo case list; expect_rc 0 "case list with the seal hook, again"
if [ "$FS_MODE" = worker ]; then [ "$(cat "$T/pid.fs2")" = "$(cat "$T/pid.fs")" ]
else [ "$(cat "$T/pid.fs2")" != "$(cat "$T/pid.fs")" ]; fi && pass ||
  fail "$FS_MODE: commands in processes $(cat "$T/pid.fs") and $(cat "$T/pid.fs2")"
# In a subshell (a background or $(...) call) the command is exec'd.
( TAG=sub as mo case list; exit "$RC" ); expect_rc 0 "case list in a subshell"
[ "$(cat "$T/ppid.sub")" != "$FS_PID" ] && pass || fail "a subshell's call went to the server"
LD_PRELOAD= TAG=pre as mo case list
[ "$(cat "$T/ppid.pre")" = "$FS_PID" ] && pass || fail "an empty LD_PRELOAD: served by the server"

# A command that fails after blocking signals (cdop ui blocks SIGINT and
# SIGTERM, then cannot listen on a port in use) leaves them blocked for no
# later command: that one still dies of SIGTERM.
exec {LISTEN}< <(exec "$PYTHON3" -c 'import socket, time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen()
print(s.getsockname()[1], flush=True); time.sleep(60)' 2>/dev/null)
listener=$!
read -r port <&"$LISTEN"
as mo ui --no-browser --port "$port"; expect_rc 5 "ui on a port in use"
CDOP_TEST_BEFORE_SEAL='kill -TERM $PPID' as mo case list
expect_rc 143 "killed by SIGTERM after a command that blocked it"
kill "$listener" 2>/dev/null; exec {LISTEN}<&-
# A death by signal: 128 + N, as bash reports it.
CDOP_TEST_BEFORE_SEAL='kill -TERM $PPID' as mo case list; expect_rc 143 "killed by SIGTERM"
CDOP_NO_FORKSERVER=1 CDOP_TEST_BEFORE_SEAL='kill -TERM $PPID' as mo case list
expect_rc 143 "killed by SIGTERM, exec"
unset CDOP_TEST_BEFORE_SEAL
as mo case list; expect_rc 0 "the server serves on after a child's death"
grep -q '^REF' "$T/out" && pass || fail "the command after a death: $(head -c 300 "$T/err")"
# What a command changes of its process does not reach the next one (in
# the worker: its standard streams, umask, directory, environment).
CDOP_TODAY=2025-01-01 both "a prefix assignment, then none" "${G[@]}" mo case list
both "the next command sees none of it" "${G[@]}" mo case list --json

# Standard input from a file, the output files where asked, the directory.
mkdir -p "$T/dir"; cd "$T/dir"
rm -f "$T/out"
fs_call "$T/mo.pass" "$T/o2" "$T/e2" "$CDOP" --register ../reg.cdop --user mo \
  --passphrase-file /dev/stdin case list
[ "$RC" = 0 ] && pass || fail "passphrase from stdin, relative register: exit $RC: $(head -c 300 "$T/e2")"
grep -q '^REF' "$T/o2" && [ ! -s "$T/e2" ] && [ ! -e "$T/out" ] && pass ||
  fail "stdout and stderr where asked"
fs_call /dev/null "$T/o3" "$T/e3" "$CDOP" --register ../reg.cdop --user mo \
  --passphrase-file /dev/stdin case list
[ "$RC" = 2 ] && [ ! -s "$T/o3" ] && grep -q 'empty first line' "$T/e3" && pass ||
  fail "an empty passphrase on stdin: exit $RC: $(head -c 300 "$T/e3")"
cd - >/dev/null
finish
