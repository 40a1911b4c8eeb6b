"""Helpers for the browser UI tests: a cdop-test ui server on a copy of
the template register, and a small HTTP client that keeps cookies and
never follows redirects (so each response can be checked)."""
import http.client
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.parse

CDOP = os.environ.get("CDOP_BIN") or sys.exit("CDOP_BIN must point at cdop-test")
TEMPLATE = os.environ.get("CDOP_TEMPLATE") or sys.exit("CDOP_TEMPLATE is not set")
BUILD = os.environ.get("CDOP_BUILD", os.path.dirname(CDOP))
SRC = os.environ.get("CDOP_SRC", os.path.join(os.path.dirname(__file__), "..", ".."))
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
       "form-action 'self'; frame-ancestors 'none'")

failures = []
passes = 0


def check(cond, what):
    global passes
    if cond:
        passes += 1
    else:
        failures.append(what)
        print("FAIL:", what, file=sys.stderr)


def finish():
    print(f"{passes} passed, {len(failures)} failed")
    sys.exit(1 if failures else 0)


class Register:
    """A private copy of the template register (ada admin, mo manager,
    pat panel, ann analyst; passphrases NAME-long-passphrase)."""

    def __init__(self, today="2025-09-01"):
        self.dir = tempfile.mkdtemp(prefix="cdop-web-")
        self.path = os.path.join(self.dir, "reg.cdop")
        shutil.copy(os.path.join(TEMPLATE, "reg.cdop"), self.path)
        shutil.copy(os.path.join(TEMPLATE, "reg.cdop.keys"), self.path + ".keys")
        for f in os.listdir(TEMPLATE):
            if f.endswith(".pass"):
                shutil.copy(os.path.join(TEMPLATE, f), self.dir)
        self.env = dict(os.environ, CDOP_TODAY=today, TMPDIR=self.dir,
                        XDG_DATA_HOME=os.path.join(self.dir, "xdg"))
        for k in ("CDOP_REGISTER", "CDOP_USER", "CDOP_PASSPHRASE_FILE"):
            self.env.pop(k, None)

    def cdop(self, user, *args, stdin=None):
        p = subprocess.run([CDOP, "--register", self.path, "--user", user,
                            "--passphrase-file", os.path.join(self.dir, user + ".pass"),
                            *args], env=self.env, input=stdin, capture_output=True,
                           text=True)
        return p.returncode, p.stdout, p.stderr

    def passphrase(self, user):
        with open(os.path.join(self.dir, user + ".pass")) as f:
            return f.readline().rstrip("\n")

    def cleanup(self):
        shutil.rmtree(self.dir, ignore_errors=True)


class Server:
    def __init__(self, reg, *args):
        self.reg = reg
        self.proc = subprocess.Popen([CDOP, "--register", reg.path, "ui", "--no-browser",
                                      "--port", "0", *args], env=reg.env,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     text=True)
        self.first_line = self.proc.stdout.readline().rstrip("\n")
        m = re.fullmatch(r"cdop ui: http://127\.0\.0\.1:(\d+)/\?token=([0-9a-f]{64})",
                         self.first_line)
        if not m:
            raise SystemExit("unexpected first line: %r; stderr: %s" %
                             (self.first_line, self.proc.stderr.read()))
        self.port = int(m.group(1))
        self.token = m.group(2)
        self.url = f"http://127.0.0.1:{self.port}"

    def stop(self, sig=signal.SIGTERM):
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            rc = self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            return -9
        if rc != 0:
            # A sanitizer report, a crash: show why the server stopped.
            print(self.proc.stderr.read()[-4000:], file=sys.stderr)
        return rc


class Response:
    def __init__(self, r):
        self.status = r.status
        self.headers = r.headers
        self.raw = r.read()
        self.body = self.raw.decode("utf-8", "replace")

    def header(self, name):
        return self.headers.get(name)


class Client:
    """One browser: a cookie jar and the session's CSRF token."""

    def __init__(self, server, host=None):
        self.server = server
        self.host = host or f"127.0.0.1:{server.port}"
        self.cookie = None

    def request(self, method, path, form=None, host=None, cookie=True):
        c = http.client.HTTPConnection("127.0.0.1", self.server.port, timeout=30)
        headers = {"Host": host or self.host}
        body = None
        if cookie and self.cookie:
            headers["Cookie"] = self.cookie
        if form is not None:
            body = urllib.parse.urlencode(form, doseq=True)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        c.request(method, path, body=body, headers=headers)
        r = Response(c.getresponse())
        c.close()
        sc = r.header("Set-Cookie")
        if sc:
            self.cookie = sc.split(";")[0]
        return r

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, form, **kw):
        return self.request("POST", path, form=form, **kw)

    def start(self):
        return self.get(f"/?token={self.server.token}")

    def csrf(self, path="/login"):
        m = re.search(r'name="csrf" value="([0-9a-f]{64})"', self.get(path).body)
        return m.group(1) if m else ""

    def login(self, user, passphrase):
        self.start()
        return self.post("/login", {"csrf": self.csrf(), "user": user,
                                    "passphrase": passphrase})
