#!/usr/bin/python3
"""cpu_time.py CMD [ARGS...]: run CMD and print on stderr the user and
system CPU seconds of it and of every process it started, also those that
left their parent (the fork server of tests/cli/lib.sh: /usr/bin/time
counts only the processes its child waited for). It reaps them as a
child subreaper (prctl PR_SET_CHILD_SUBREAPER). Exits with CMD's status."""
import ctypes, os, resource, sys, time

PR_SET_CHILD_SUBREAPER = 36
if ctypes.CDLL(None, use_errno=True).prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0):
    sys.exit("cpu_time: prctl: %s" % os.strerror(ctypes.get_errno()))
start = time.monotonic()
pid = os.fork()
if pid == 0:
    try:
        os.execvp(sys.argv[1], sys.argv[1:])
    finally:
        os._exit(127)
status = 1
while True:
    try:
        p, st = os.wait()
    except ChildProcessError:
        break
    if p == pid:
        status = os.waitstatus_to_exitcode(st)
ru = resource.getrusage(resource.RUSAGE_CHILDREN)
print("cpu_time: %.2f s wall, %.2f s user, %.2f s sys" %
      (time.monotonic() - start, ru.ru_utime, ru.ru_stime), file=sys.stderr)
sys.exit(status if status >= 0 else 128 - status)
