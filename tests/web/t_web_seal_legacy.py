"""cdop ui: a manager's login in the browser runs the same unlock step as
the command line's (cases_after_unlock): a register written before
migration 008 (tests/fixtures/pre008) has its notification, rapid-response
done_by/notes and agency form re-sealed, in one transaction with one
`seal` audit entry. Another role's login leaves it as it was."""
import json
import os
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(__file__))
from webtest import SRC, Client, Register, Server, check, finish  # noqa: E402

FIX = os.path.join(SRC, "tests", "fixtures", "pre008")
V1KEY = os.path.join(SRC, "tests", "cli", "lib", "v1key.py")
QUERY = ("SELECT count(*) FROM case_documents WHERE sealed IS NULL;\n"
         "SELECT typeof(done_by) || typeof(notes) FROM rr_actions WHERE done_by IS NOT NULL;\n"
         "SELECT typeof(form) FROM agency_reports WHERE form IS NOT NULL;")


def kinds(reg):
    """What the legacy columns hold, as anyone with the v1 master key sees."""
    p = subprocess.run(["/usr/bin/python3", V1KEY, reg.path + ".keys", "pat",
                        "pat-long-passphrase", reg.path, QUERY], capture_output=True, text=True)
    check(p.returncode == 0, f"v1key: {p.stderr}")
    return p.stdout.split()


reg = Register(today="2025-06-01")
shutil.copy(os.path.join(FIX, "register.cdop"), reg.path)
shutil.copy(os.path.join(FIX, "register.cdop.keys"), reg.path + ".keys")
os.chmod(reg.path, 0o600)
os.chmod(reg.path + ".keys", 0o600)
srv = Server(reg)
try:
    b = Client(srv)
    r = b.login("ada", reg.passphrase("ada"))
    check(r.status == 303, f"the admin logs in: {r.status} {r.body[:300]}")
    # the admin's login migrated the schema; nothing was sealed
    check(kinds(reg) == ["1", "texttext", "text"], f"admin login seals nothing: {kinds(reg)}")
    m = Client(srv)
    r = m.login("mo", reg.passphrase("mo"))
    check(r.status == 303, f"the manager logs in: {r.status} {r.body[:300]}")
    check(kinds(reg) == ["0", "blobblob", "blob"],
          f"the manager's login sealed every legacy row kind: {kinds(reg)}")
    ref = open(os.path.join(FIX, "case.txt")).read().strip()
    page = m.get(f"/cases/{ref}")
    check(page.status == 200 and "Quarrendon" in page.body,
          f"the manager's case page reads the re-sealed notification: {page.status}")
finally:
    rc = srv.stop()
check(rc == 0, f"exit {rc}")
rc, out, err = reg.cdop("ada", "audit", "list", "--json")
seals = [e for e in json.loads(out) if e["action"] == "seal"] if rc == 0 else []
check(len(seals) == 1 and seals[0]["user"] == "mo" and
      seals[0]["detail"] == "1 notifications, 3 response and agency fields sealed",
      f"one seal entry by mo: {seals} {err}")
rc, out, err = reg.cdop("ada", "check")
check(rc == 0, f"check after the browser's seal: {err}")
reg.cleanup()
finish()
