"""cdop ui, issue 11: learning a panel member wrote without K_id is checked
when a manager signs in to the browser UI (the unlock both front ends
call) and when a manager opens the case page; a text naming the child is
then shown as something to fix on the case page and on Today."""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
from webtest import Client, Register, Server, check, finish  # noqa: E402

reg = Register(today="2025-10-01")


def write(name, obj):
    path = os.path.join(reg.dir, name)
    with open(path, "w") as f:
        json.dump(obj, f)
    return path


def notify(forename, surname, nhs, street):
    n = {"child": {"forename": forename, "surname": surname, "nhs_number": nhs,
                   "date_of_birth": "2024-03-01", "sex": "female", "ethnicity": "A",
                   "address": f"{street}, Greenfield", "postcode": "GF1 2AB",
                   "resident": True},
         "death": {"date": "2025-05-03", "time": "07:40", "place": "home",
                   "expected": "unexpected", "circumstances": "Found at home."},
         "notified": {"date": "2025-05-04", "by_agency": "hospital"},
         "panel_summary": "A one-year-old girl was found unresponsive at home."}
    rc, out, err = reg.cdop("mo", "notify", "--json", write("n.json", n))
    check(rc == 0, f"notify: {err}")
    ref = out.strip()
    reg.cdop("mo", "case", "status", ref, "ready")
    return ref


def panel_review(ref, mid, learning):
    r = {"category": 10, "domains": {"child": 1, "social_environment": 2,
                                     "physical_environment": 1, "service_provision": 1},
         "modifiable": "yes", "themes": ["safe_sleeping"], "learning": learning,
         "learning_publishable": True, "referred_for_review": False}
    rc, _, err = reg.cdop("pat", "review", ref, "--meeting", mid, "--json",
                          write("r.json", r))
    check(rc == 0, f"panel review: {err}")


def flagged_for_panel():
    rc, out, err = reg.cdop("pat", "today", "--json")
    check(rc == 0, f"panel today: {err}")
    return sorted(i["ref"] for i in json.loads(out)["items"] if i["kind"] == "text_to_fix")


A = notify("Millie", "Quenby", "943 476 5919", "17 Larkspur Close")
B = notify("Poppy", "Wetherall", "401 023 2137", "2 Moat Row")
rc, out, err = reg.cdop("mo", "meeting", "new", "--date", "2025-09-10")
mid = out.strip()
rc, _, err = reg.cdop("mo", "meeting", "add", mid, A, B)
check(rc == 0, f"meeting add: {err}")

srv = Server(reg)
try:
    m = Client(srv)
    check(m.login("mo", reg.passphrase("mo")).status == 303, "manager signs in")
    # Written while the manager is signed in: the case page checks it.
    panel_review(A, mid, "Millie slept on a sofa at 17 Larkspur Close.")
    panel_review(B, mid, "Poppy Wetherall slept on a sofa.")
    check(flagged_for_panel() == [], "nothing flagged before a manager looks")
    r = m.get(f"/cases/{A}")
    check(r.status == 200 and "To fix" in r.body and "learning holds a name held in the "
          "register" in r.body, f"the case page shows the learning to fix: {r.status}")
    check(flagged_for_panel() == [A], "the case page checked that case only")
    r = m.get("/")
    check(r.status == 200 and "Text to fix" in r.body and A in r.body,
          "Today lists the text to fix")
    # A manager's sign-in checks everything still unchecked.
    m2 = Client(srv)
    check(m2.login("mo", reg.passphrase("mo")).status == 303, "manager signs in again")
    check(flagged_for_panel() == sorted([A, B]), "the sign-in checked the other case")
finally:
    rc = srv.stop()
check(rc == 0, f"exit {rc}")
reg.cleanup()
finish()
