#!/usr/bin/env python3
"""Drive an interactive cdop command through a pseudo-terminal.

usage: pty_drive.py SCRIPT -- COMMAND ARGS...
SCRIPT is a file of lines "expect<TAB>send": wait until the text `expect`
appears in the output since the last match, then type `send` and Enter.
A line "eof<TAB>" closes input; "intr<TAB>TEXT" waits for TEXT, then
types Ctrl-C, and the
transcript then ends with the terminal's echo setting after the command,
"[pty: echo on]" or "[pty: echo off]". The transcript goes to stdout; the
exit code is the command's (128 + N when signal N ended it). Times out
after 60 s of no progress.
"""
import os, pty, select, sys, termios, time

def main():
    sep = sys.argv.index('--')
    script = [l.rstrip('\n').split('\t', 1) for l in open(sys.argv[1]) if l.strip()]
    cmd = sys.argv[sep + 1:]
    pid, fd = pty.fork()
    if pid == 0:
        os.execv(cmd[0], cmd)
    buf, seen = b'', 0
    def read_until(text, timeout=60):
        nonlocal buf, seen
        end = time.time() + timeout
        while True:
            i = buf.find(text.encode(), seen)
            if i >= 0:
                seen = i + len(text)
                return True
            r, _, _ = select.select([fd], [], [], max(0, end - time.time()))
            if not r:
                return False
            try:
                chunk = os.read(fd, 4096)
            except OSError:
                return False
            if not chunk:
                return False
            buf += chunk
    for step in script:
        expect, send = step[0], step[1] if len(step) > 1 else ''
        if expect == 'eof':
            os.write(fd, b'\x04')
            continue
        if expect == 'intr':
            if send and not read_until(send):
                sys.stdout.write(buf.decode(errors='replace'))
                sys.stderr.write('\npty_drive: timed out waiting for %r\n' % send)
                os.kill(pid, 9)
                sys.exit(99)
            os.write(fd, b'\x03')
            continue
        if not read_until(expect):
            sys.stdout.write(buf.decode(errors='replace'))
            sys.stderr.write('\npty_drive: timed out waiting for %r\n' % expect)
            os.kill(pid, 9)
            sys.exit(99)
        os.write(fd, send.encode() + b'\r')
    while True:
        try:
            chunk = os.read(fd, 4096)
        except OSError:
            break
        if not chunk:
            break
        buf += chunk
    _, status = os.waitpid(pid, 0)
    sys.stdout.write(buf.decode(errors='replace'))
    if any(step[0] == 'intr' for step in script):
        echo = termios.tcgetattr(fd)[3] & termios.ECHO
        sys.stdout.write('\n[pty: echo %s]\n' % ('on' if echo else 'off'))
    sys.exit(os.WEXITSTATUS(status) if os.WIFEXITED(status) else
             128 + os.WTERMSIG(status) if os.WIFSIGNALED(status) else 98)

main()
