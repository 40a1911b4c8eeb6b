"""cdop ui: one browser's login (the Argon2id key derivation) does not hold
up another browser's pages. A register with the production "interactive"
profile, so the derivation takes long enough to see."""
import os
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(__file__))
from webtest import CDOP, Client, Register, Server, check, finish  # noqa: E402

reg = Register()
os.remove(reg.path)
os.remove(reg.path + ".keys")
with open(os.path.join(reg.dir, "ada.pass"), "w") as f:
    f.write("ada-long-passphrase\n")
p = subprocess.run([CDOP, "--register", reg.path, "--passphrase-file",
                    os.path.join(reg.dir, "ada.pass"), "init", "--admin", "ada", "--kdf",
                    "interactive", "--recovery-out", os.path.join(reg.dir, "rec.txt")],
                   env=reg.env, capture_output=True, text=True)
check(p.returncode == 0, f"init: {p.stderr}")
rc, _, err = reg.cdop("ada", "user", "add", "mo", "--role", "manager",
                      "--new-passphrase-file", os.path.join(reg.dir, "mo.pass"))
check(rc == 0, f"user add: {err}")

srv = Server(reg)
try:
    b = Client(srv)
    t0 = time.time()
    b.login("ada", reg.passphrase("ada"))
    one_login = time.time() - t0
    check(b.get("/users").status == 200, "the admin is logged in")

    a = Client(srv)
    a.start()
    csrf = a.csrf()
    done = {}

    def login_a():
        r = a.post("/login", {"csrf": csrf, "user": "mo", "passphrase": reg.passphrase("mo")})
        done["status"], done["at"] = r.status, time.time()

    th = threading.Thread(target=login_a)
    t1 = time.time()
    th.start()
    time.sleep(min(0.2, one_login / 4))
    r = b.get("/users")
    page_at = time.time()
    th.join()
    check(r.status == 200, "the other session's page is served")
    check(done.get("status") == 303, f"the login succeeds: {done}")
    print(f"page {page_at - t1:.2f}s, login {done.get('at', 0) - t1:.2f}s, alone {one_login:.2f}s")
    check(page_at < done.get("at", 0),
          f"the page came before the login finished (page {page_at - t1:.2f}s, "
          f"login {done.get('at', 0) - t1:.2f}s, one login alone {one_login:.2f}s)")
finally:
    rc = srv.stop()
check(rc == 0, f"exit {rc}")
reg.cleanup()
finish()
