"""cdop ui search (issue 12, search speed): the manager's session keeps the
identifiers it opened (the search index) between searches, and a change
made by the command line between two searches is found by the second; each
search is audited as before; a panel session is refused it."""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
from webtest import Client, Register, Server, check, finish  # noqa: E402


def note(forename, surname, nhs=None):
    child = {"forename": forename, "surname": surname, "date_of_birth": "2024-03-01",
             "sex": "male", "postcode": "QZ9 9ZZ"}
    if nhs:
        child["nhs_number"] = nhs
    return {"child": child,
            "death": {"date": "2025-08-20", "time": "10:00", "place": "home",
                      "expected": "unexpected"},
            "notified": {"date": "2025-08-21", "by_agency": "hospital"}}


def searches(reg):
    rc, out, err = reg.cdop("ada", "audit", "list", "--json")
    check(rc == 0, f"audit list: {err}")
    return sum(1 for e in json.loads(out) if e["action"] == "search")


reg = Register()
rc, out, err = reg.cdop("mo", "notify", "--json", "-",
                        stdin=json.dumps(note("Zebedee", "Quillfeather", "9434765919")))
check(rc == 0, f"notify by the CLI: {err}")
REF = out.strip()
srv = Server(reg)
try:
    b = Client(srv)
    check(b.login("mo", reg.passphrase("mo")).status == 303, "manager login")
    before = searches(reg)
    for i in range(2):  # the first makes the index, the second uses it
        r = b.get("/cases?q=quillfeather")
        check(r.status == 200 and REF in r.body, f"search {i + 1} finds {REF}: {r.status}")
    check(searches(reg) == before + 2, "each search is audited")

    # The command line renames the child between two searches.
    patch = os.path.join(reg.dir, "patch.json")
    with open(patch, "w") as f:
        json.dump({"child": {"surname": "Ravensholt"}}, f)
    rc, out, err = reg.cdop("mo", "case", "update", REF, "--json", patch)
    check(rc == 0, f"case update by the CLI: {err}")
    r = b.get("/cases?q=ravensholt")
    check(r.status == 200 and REF in r.body, "the new name is found after a CLI update")
    r = b.get("/cases?q=quillfeather")
    check(r.status == 200 and REF not in r.body, "the old name is no longer found")

    # A case notified by the command line is found too.
    rc, out, err = reg.cdop("mo", "notify", "--json", "-",
                            stdin=json.dumps(note("Ottoline", "Brackwater")))
    check(rc == 0, f"second notify: {err}")
    REF2 = out.strip()
    r = b.get("/cases?q=brackwater")
    check(r.status == 200 and REF2 in r.body and REF not in r.body,
          "a case notified by the CLI is found by the next search")
    # The same answers as the command line's search, which keeps nothing.
    rc, out, err = reg.cdop("mo", "search", "qz9", "--json")
    check(rc == 0 and {c["ref"] for c in json.loads(out)} == {REF, REF2},
          f"cdop search: {rc} {out} {err}")
    r = b.get("/cases?q=qz9")
    check(REF in r.body and REF2 in r.body, "the UI finds both by postcode")

    # Logout wipes the index; after a new login the search still works.
    check(b.post("/logout", {"csrf": b.csrf("/")}).status == 303, "logout")
    check(b.get("/cases?q=ravensholt").status == 303, "logged out: to the login page")
    check(b.login("mo", reg.passphrase("mo")).status == 303, "manager login again")
    r = b.get("/cases?q=ravensholt")
    check(r.status == 200 and REF in r.body, "search after a new login")

    # A panel session never reaches it.
    p = Client(srv)
    check(p.login("pat", reg.passphrase("pat")).status == 303, "panel login")
    n = searches(reg)
    r = p.get("/cases?q=ravensholt")
    check(r.status == 403 and "Ravensholt" not in r.body, f"panel search: {r.status}")
    check(searches(reg) == n, "a refused search reads nothing")
finally:
    rc = srv.stop()
    check(rc == 0, f"SIGTERM: exit {rc}")
    reg.cleanup()
finish()
