"""cdop ui over plain HTTP: the security rules of SPEC §7."""
import html
import http.client
import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(__file__))
from webtest import CDOP, CSP, Client, Register, Server, check, finish  # noqa: E402

NOTE = {"child": {"forename": "Zebedee", "surname": "Quillfeather",
                  "date_of_birth": "2024-03-01", "sex": "male", "nhs_number": "9434765919",
                  "postcode": "QZ9 9ZZ"},
        "death": {"date": "2025-08-20", "time": "10:00", "place": "home",
                  "expected": "unexpected"},
        "notified": {"date": "2025-08-21", "by_agency": "hospital"}}


def headers_ok(r, what):
    check(r.header("Content-Security-Policy") == CSP, f"{what}: CSP header is {r.header('Content-Security-Policy')!r}")
    check(r.header("X-Frame-Options") == "DENY", f"{what}: X-Frame-Options")


reg = Register()
rc, out, err = reg.cdop("mo", "notify", "--json", "-", stdin=json.dumps(NOTE))
check(rc == 0, f"notify by the CLI: {err}")
REF = out.strip()
srv = Server(reg)
try:
    # The server listens on the loopback address only.
    with open("/proc/net/tcp") as f:
        rows = [l.split() for l in f.readlines()[1:]]
    listening = [r[1] for r in rows if r[3] == "0A" and int(r[1].split(":")[1], 16) == srv.port]
    check(listening == ["0100007F:%04X" % srv.port], f"listens on 127.0.0.1 only: {listening}")

    anon = Client(srv)
    for path in ("/", "/cases", f"/cases/{REF}", "/login", "/audit"):
        r = anon.get(path)
        check(r.status == 403, f"no session: GET {path} gives {r.status}, want 403")
        headers_ok(r, f"no session {path}")
    r = anon.post("/login", {"user": "mo", "passphrase": reg.passphrase("mo")})
    check(r.status == 403, f"no session: POST /login gives {r.status}")
    r = anon.get("/?token=" + "0" * 64)
    check(r.status == 403 and not r.header("Set-Cookie"), "a wrong token gives 403 and no cookie")
    headers_ok(anon.get("/style.css"), "style.css")

    # The token becomes a session cookie and leaves the address.
    b = Client(srv)
    r = b.start()
    check(r.status == 303 and r.header("Location") == "/login", f"token: {r.status} {r.header('Location')}")
    sc = r.header("Set-Cookie") or ""
    check("HttpOnly" in sc and "SameSite=Strict" in sc, f"cookie attributes: {sc}")
    headers_ok(r, "token redirect")

    # Host: only 127.0.0.1:PORT and localhost:PORT.
    for host in ("evil.example", f"evil.example:{srv.port}", "127.0.0.1", f"127.0.0.1:{srv.port + 1}",
                 f"[::1]:{srv.port}"):
        r = b.get("/login", host=host)
        check(r.status == 421, f"Host {host}: {r.status}, want 421")
        headers_ok(r, f"Host {host}")
    check(b.get("/login", host=f"localhost:{srv.port}").status == 200, "Host localhost:PORT is accepted")

    # Login: CSRF first, then the passphrase.
    r = b.post("/login", {"user": "mo", "passphrase": reg.passphrase("mo")})
    check(r.status == 403, f"POST /login without the CSRF token: {r.status}")
    r = b.post("/login", {"csrf": "f" * 64, "user": "mo", "passphrase": reg.passphrase("mo")})
    check(r.status == 403, f"POST /login with a wrong CSRF token: {r.status}")
    r = b.post("/login", {"csrf": b.csrf(), "user": "mo", "passphrase": "wrong"})
    check(r.status == 403 and "wrong passphrase" in r.body, f"wrong passphrase: {r.status}")
    check(b.get("/").status == 303, "still logged out after a wrong passphrase")
    r = b.post("/login", {"csrf": b.csrf(), "user": "mo", "passphrase": reg.passphrase("mo")})
    check(r.status == 303 and r.header("Location") == "/", f"login: {r.status}")
    for path in ("/", "/cases", f"/cases/{REF}", f"/cases/{REF}/edit", "/cases/new",
                 "/meetings", "/actions", "/reports", f"/cases/{REF}/history", "/nowhere"):
        r = b.get(path)
        check(r.status == (404 if path == "/nowhere" else 200), f"manager GET {path}: {r.status}")
        headers_ok(r, f"manager {path}")
    check("Quillfeather" in b.get(f"/cases/{REF}").body, "the manager sees the name")
    for q in ("quillf", "9434765919", "943 476 5919", "01/03/2024", "QZ9 9ZZ", REF[-4:]):
        r = b.get("/cases?q=" + urllib.parse.quote(q))
        check(r.status == 200 and REF in r.body, f"search {q!r} finds the case")
    r = b.get("/cases?q=nobody-at-all")
    check(r.status == 200 and REF not in r.body, "a search that matches nothing")
    r = b.get("/")
    check(REF in r.body and "Quillfeather" in r.body and "Notify NCMD" in r.body,
          "Today lists the case's actions and clocks, with the name")

    # Every state change needs the session's CSRF token.
    csrf = b.csrf(f"/cases/{REF}")
    r = b.post(f"/cases/{REF}", {"op": "status", "status": "gathering"})
    check(r.status == 403, f"POST without CSRF: {r.status}")
    r = b.post(f"/cases/{REF}", {"op": "status", "status": "gathering", "csrf": "a" * 64})
    check(r.status == 403, f"POST with another CSRF token: {r.status}")
    # A body larger than a form may be (413), or not a form's encoding (415).
    for body, ctype, want in (("csrf=" + csrf + "&op=status&status=gathering&x=" + "a" * 300_000,
                               "application/x-www-form-urlencoded", 413),
                              ("csrf=" + csrf + "&op=status&status=gathering", "text/plain", 415)):
        conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=30)
        conn.request("POST", f"/cases/{REF}", body=body,
                     headers={"Host": f"127.0.0.1:{srv.port}", "Cookie": b.cookie,
                              "Content-Type": ctype})
        st = conn.getresponse().status
        conn.close()
        check(st == want, f"POST {ctype}, {len(body)} bytes: {st}, want {want}")
    rc, out, _ = reg.cdop("mo", "case", "show", REF, "--json")
    check(json.loads(out)["status"] == "notified", "nothing changed without the CSRF token")
    r = b.post(f"/cases/{REF}", {"op": "status", "status": "gathering", "csrf": csrf})
    check(r.status == 303, f"POST with the CSRF token: {r.status}")
    rc, out, _ = reg.cdop("mo", "case", "show", REF, "--json")
    check(json.loads(out)["status"] == "gathering", "the status changed with the CSRF token")
    # A second browser's token is not this one's.
    other = Client(srv)
    other.start()
    r = other.post(f"/cases/{REF}", {"op": "status", "status": "ready", "csrf": csrf})
    check(r.status == 403, f"another session's CSRF token: {r.status}")

    # A date typed wrongly is quoted as typed (it came back as "2024-02-31"
    # and "2025-14-03"), with the day-first hint for the US order.
    r = b.post("/cases/new", {"csrf": b.csrf("/cases/new"), "child.date_of_birth": "31/02/2024",
                              "death.date": "03/14/2025"})
    check(r.status == 422 and "&quot;31/02/2024&quot; is not a real date; 2024-02 has 29 days" in r.body
          and "&quot;03/14/2025&quot; is not a real date: there is no month 14 (dates are day first"
          in r.body, f"dates quoted as typed: {r.status}")

    # Edit: the whole record checked again; a bad value comes back beside its input.
    edit = {"child.forename": "Zebedee", "child.surname": "Quillfeather-Smith",
            "child.date_of_birth": "2024-03-01", "child.sex": "male",
            "child.nhs_number": "9434765919", "child.postcode": "QZ9 9ZZ",
            "death.date": "2025-08-20", "death.time": "10:00", "death.place": "home",
            "death.expected": "unexpected", "notified.date": "2025-08-21",
            "notified.by_agency": "hospital"}
    r = b.post(f"/cases/{REF}/edit", dict(edit, csrf=b.csrf(f"/cases/{REF}/edit"),
                                          **{"death.date": "31/02/2025"}))
    check(r.status == 422 and 'class="field invalid"' in r.body and "Nothing has been saved" in r.body,
          f"an impossible date is refused beside its field: {r.status}")
    m = re.search(r'<div class="field invalid">.*?</div>', r.body, re.S)
    check(m is not None and 'name="death.date"' in m.group(0), "the error is beside death.date")
    rc, out, _ = reg.cdop("mo", "case", "show", REF, "--json")
    check(json.loads(out)["notification"]["child"]["surname"] == "Quillfeather", "nothing saved")
    r = b.post(f"/cases/{REF}/edit", dict(edit, csrf=b.csrf(f"/cases/{REF}/edit")))
    check(r.status == 303, f"edit saved: {r.status}")
    rc, out, _ = reg.cdop("mo", "case", "show", REF, "--json")
    check(json.loads(out)["notification"]["child"]["surname"] == "Quillfeather-Smith", "the edit is stored")
    r = b.get(f"/cases/{REF}/history")
    check(r.status == 200 and "child.surname</strong>: Quillfeather → Quillfeather-Smith" in r.body,
          "the history shows the change, an identifiable one with its sealed values opened")
    rc, out, _ = reg.cdop("ada", "audit", "list")
    check(rc == 0 and "Quillfeather-Smith" not in out and '"(sealed)"' in out,
          "the admin's audit list shows (sealed), not the surname")

    # Free text with markup renders inert.
    csrf = b.csrf("/cases/new")
    form = {"csrf": csrf, "child.forename": "<script>alert(1)</script>", "child.surname": "O'Brien\"<b>",
            "child.date_of_birth": "01/02/2020", "child.sex": "female",
            "death.date": "10/08/2025", "death.place": "home", "death.expected": "expected",
            "death.circumstances": "<img src=x onerror=alert(1)>",
            "notified.date": "today", "notified.by_agency": "gp"}
    r = b.post("/cases/new", form)
    check(r.status == 303 and r.header("Location", ).startswith("/cases/CDOP-"), f"notify by form: {r.status} {r.body[:300]}")
    page = b.get(r.header("Location") or "/").body
    check("<script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page, "a <script> name is escaped")
    check("<img" not in page and "&lt;img src=x" in page, "markup in circumstances is escaped")
    check("<b>" not in page, "markup in the surname is escaped")

    # Agency forms: requested and received from the case page.
    csrf = b.csrf(f"/cases/{REF}")
    r = b.post(f"/cases/{REF}", {"csrf": csrf, "op": "agency_request", "agency": "police", "due": ""})
    check(r.status == 303, f"agency request: {r.status}")
    check("Police" in b.get("/").body, "Today lists the awaited form")
    r = b.post(f"/cases/{REF}", {"csrf": csrf, "op": "agency_receive", "ragency": "police",
                                 "received": "today"})
    check(r.status == 303, f"agency receive: {r.status}")
    rc, out, _ = reg.cdop("mo", "case", "show", REF, "--json")
    ag = json.loads(out)["agency_reports"]
    check(len(ag) == 1 and ag[0].get("received") == "2025-09-01", f"the form is received: {ag}")
    r = b.post(f"/cases/{REF}", {"csrf": csrf, "op": "agency_receive", "ragency": "nobody",
                                 "received": "today"})
    check(r.status == 422 and 'class="error"' in r.body, f"an unknown agency is refused: {r.status}")
    # Attachments: listed on the case page, opened and downloaded through
    # agency show (manager only, audited), the temporary files removed.
    att1 = os.path.join(reg.dir, "scan.pdf")
    att2 = os.path.join(reg.dir, "notes <b>1 & 2.txt")
    with open(att1, "wb") as f:
        f.write(bytes(range(256)) * 40)
    with open(att2, "w") as f:
        f.write("strategy meeting notes\n")
    os.mkdir(os.path.join(reg.dir, "second"))
    att3 = os.path.join(reg.dir, "second", "scan.pdf")  # the same name again
    with open(att3, "wb") as f:
        f.write(b"the second scan")
    rc, out, err = reg.cdop("mo", "agency", "receive", REF, "--agency", "gp", "--on", "2025-09-01",
                            "--attach", att1, "--attach", att2, "--attach", att3)
    check(rc == 0, f"agency receive --attach: {err}")
    r = b.get(f"/cases/{REF}")
    check(f'href="/cases/{REF}/agency?agency=gp">3 attachments</a>' in r.body,
          "the case page links the report's 3 attachments")
    r = b.get(f"/cases/{REF}/agency?agency=gp")
    check(r.status == 200 and "scan.pdf" in r.body and "notes &lt;b&gt;1 &amp; 2.txt" in r.body
          and "<b>1" not in r.body, f"the report page lists the attachments, escaped: {r.status}")
    headers_ok(r, "agency report")
    r = b.get(f"/cases/{REF}/agency?agency=gp&n=2")
    check(r.status == 200 and r.body == "strategy meeting notes\n" and
          'attachment; filename="notes__b_1___2.txt"' == (r.header("Content-Disposition") or ""),
          f"attachment 2 downloads: {r.status} {r.header('Content-Disposition')}")
    r = b.request("GET", f"/cases/{REF}/agency?agency=gp&n=1")
    with open(att1, "rb") as f:
        want = f.read()
    check(r.status == 200 and r.raw == want and r.header("Content-Type") == "application/octet-stream",
          f"attachment 1 downloads byte for byte: {r.status} {len(r.raw)}")
    r = b.get(f"/cases/{REF}/agency?agency=gp&n=3")
    check(r.status == 200 and r.raw == b"the second scan" and
          'filename="3-scan.pdf"' in (r.header("Content-Disposition") or ""),
          f"a repeated name: the third attachment is its own file: {r.header('Content-Disposition')}")
    check(b.get(f"/cases/{REF}/agency?agency=gp&n=4").status == 404, "no attachment 4: 404")
    check(b.get(f"/cases/{REF}/agency?agency=police").status == 200, "a report without attachments opens")
    check(b.get(f"/cases/{REF}/agency?agency=nobody").status in (404, 422), "an unknown agency is refused")
    rc, out, err = reg.cdop("ada", "audit", "list", "--json")
    shows = [e for e in json.loads(out) if e.get("action") == "agency_show"] if rc == 0 else []
    check(len([e for e in shows if "attachments saved" in (e.get("detail") or "")]) == 4 and
          all(e.get("user") == "mo" for e in shows), f"every view and download is audited: {shows}")
    left = [n for d in os.listdir(reg.dir) if d.startswith("cdop-ui-")
            for n in os.listdir(os.path.join(reg.dir, d))]
    check(not [n for n in left if n.startswith("att-")], f"the download directory is removed: {left}")

    # A meeting with the case on its agenda, for the panel's pages below.
    rc, out, err = reg.cdop("mo", "meeting", "new", "--date", "2025-09-01")
    mid = out.strip()
    reg.cdop("mo", "case", "status", REF, "ready")
    rc, _, err = reg.cdop("mo", "meeting", "add", mid, REF)
    check(rc == 0, f"meeting add: {err}")

    # Panel: anonymised pages only; an identifiable page is 403 and audited.
    p = Client(srv)
    r = p.login("pat", reg.passphrase("pat"))
    check(r.status == 303, f"panel login: {r.status}")
    r = p.get(f"/cases/{REF}")
    check(r.status == 200 and "Quillfeather" not in r.body and "Zebedee" not in r.body
          and "9434765919" not in r.body and "QZ9" not in r.body, "the panel's case page is anonymised")
    check("Quillfeather" not in p.get("/cases").body, "the panel's case list is anonymised")
    r = p.get("/")
    check(r.status == 200 and "Quillfeather" not in r.body and "Joint agency response" not in r.body,
          "the panel's Today is anonymised")
    names = ("Quillfeather", "Zebedee", "9434765919", "QZ9", "2024-03-01")
    for path in ("/", "/cases", f"/cases/{REF}", "/meetings", f"/meetings/{mid}",
                 f"/reviews/{REF}?meeting={mid}", f"/meetings/{mid}/pack"):
        r = p.get(path)
        check(r.status == 200, f"panel GET {path}: {r.status}")
        leaked = [n for n in names if n in r.body]
        check(not leaked, f"panel {path} shows no identifier: {leaked}")
    # The analysis form offers "modifiable" from the domain scores, without
    # JavaScript: preselected when none is chosen, and on "Offer from the
    # scores" in place of one the scores contradict; nothing saved then.
    def picked(body, name):
        return re.findall(r'name="%s" id="[^"]*" value="([^"]*)" checked' % re.escape(name), body)
    rv = f"/reviews/{REF}?meeting={mid}"
    pcsrf = p.csrf(rv)
    scores = {"csrf": pcsrf, "category": "10", "domains.child": "1", "domains.social_environment": "0",
              "domains.physical_environment": "1", "domains.service_provision": "1"}
    r = p.post(rv, scores)
    check(r.status == 422 and picked(r.body, "modifiable") == ["insufficient_information"],
          f"saving without modifiable: refused, the implied value preselected {picked(r.body, 'modifiable')}")
    r = p.post(rv, dict(scores, op="offer", modifiable="yes", **{"domains.service_provision": "2"}))
    check(r.status == 200 and picked(r.body, "modifiable") == ["yes"] and 'class="field-error"' not in r.body,
          f"offer: 'yes' from a domain scoring 2 {r.status} {picked(r.body, 'modifiable')}")
    r = p.post(rv, dict(scores, op="offer", modifiable="yes"))
    check(picked(r.body, "modifiable") == ["insufficient_information"], "offer: a contradicting 'yes' replaced")
    r = p.post(rv, dict(scores, op="offer", modifiable="no"))
    check(picked(r.body, "modifiable") == ["no"], "offer: 'no' fits scores 1 0 1 1 and is kept")
    check(picked(r.body, "domains.social_environment") == ["0"] and '<script src="/review.js"' in r.body,
          "offer: the scores kept, the enhancement script linked")
    rc, out, _ = reg.cdop("mo", "case", "show", REF, "--json")
    check(rc == 0 and not json.loads(out).get("review"), "an offer saves nothing")
    # Recorded again at the same meeting, a review replaces that meeting's
    # recommendations (docs/guide.md §7): the form offers them, so saving it
    # as it stands keeps them once, with their action numbers.
    first = {"category": 10, "domains": {"child": 1, "social_environment": 2, "physical_environment": 1,
             "service_provision": 1}, "modifiable": "yes", "themes": ["safe_sleeping"],
             "learning": "Check cots", "learning_publishable": False, "referred_for_review": False,
             "recommendations": [{"text": "Cot leaflet", "owner": "public_health", "due": "2026-03-31"}]}
    rc, _, err = reg.cdop("pat", "review", REF, "--meeting", mid, "--json", "-", stdin=json.dumps(first))
    check(rc == 0, f"the panel's review: {err}")
    def form_of(body):  # what a browser would post back, unchanged
        pairs = [(n, html.unescape(v)) for n, v in
                 re.findall(r'<input id="[^"]*" class="[^"]*" name="([^"]+)" value="([^"]*)"', body)]
        pairs += [(n, html.unescape(v)) for n, v in
                  re.findall(r'<input type="(?:radio|checkbox)" name="([^"]+)" id="[^"]*" value="([^"]*)" checked', body)]
        pairs += [(n, html.unescape(v)) for n, v in
                  re.findall(r'<textarea id="[^"]*" name="([^"]+)"[^>]*>([^<]*)</textarea>', body)]
        for n, opts in re.findall(r'<select id="[^"]*" name="([^"]+)"[^>]*>(.*?)</select>', body):
            pairs += [(n, v) for v in re.findall(r'<option value="([^"]*)" selected>', opts)]
        return pairs
    r = p.get(rv)
    again = form_of(r.body)
    check(("recommendations[0].text", "Cot leaflet") in again and
          ("recommendations[0].owner", "public_health") in again,
          f"the form offers the meeting's recommendation: {again}")
    r = p.post(rv, again + [("csrf", p.csrf(rv))])
    check(r.status == 303, f"saved again unchanged: {r.status} {r.body[:300]}")
    rc, out, _ = reg.cdop("mo", "action", "list", "--json")
    acts = [a for a in json.loads(out) if a["ref"] == REF] if rc == 0 else []
    check([a["text"] for a in acts] == ["Cot leaflet"], f"the recommendation once, not twice: {acts}")
    r = p.get("/review.js")
    check(r.status == 200 and (r.header("Content-Type") or "").startswith("text/javascript")
          and "modifiable" in r.body, f"the script is served from the binary: {r.status}")
    headers_ok(r, "review.js")
    r = p.get(f"/meetings/{mid}/pack")
    check("attachment" in (r.header("Content-Disposition") or "") and "case pack" in r.body,
          "the pack is a download")
    r = p.get(f"/cases/{REF}")
    check("3 attachments" in r.body and "scan.pdf" not in r.body and "/agency?" not in r.body,
          "the panel's case page counts attachments, names and links none")
    for path in (f"/cases/{REF}/edit", f"/cases/{REF}/history", "/cases/new", "/actions", "/users",
                 f"/cases/{REF}/agency?agency=gp", f"/cases/{REF}/agency?agency=gp&n=1"):
        r = p.get(path)
        check(r.status == 403, f"panel GET {path}: {r.status}, want 403")
        headers_ok(r, f"panel {path}")
        check("Quillfeather" not in r.body, f"panel {path}: no name in the refusal")
    r = p.get("/cases?q=Quill")
    check(r.status == 403, f"panel search: {r.status}")
    rc, out, err = reg.cdop("ada", "audit", "list", "--json")
    entries = json.loads(out) if rc == 0 else []
    denied = [e for e in entries if e.get("action") == "denied" and f"/cases/{REF}/edit" in (e.get("object") or "")]
    check(len(denied) == 1 and denied[0].get("user") == "pat", f"the refusal is audited: {denied} {err}")
    # An analyst and an admin may not see identifiable pages either.
    for who in ("ann", "ada"):
        c = Client(srv)
        c.login(who, reg.passphrase(who))
        r = c.get(f"/cases/{REF}")
        check(r.status == 403 and "Quillfeather" not in r.body, f"{who} GET /cases/REF: {r.status}")
    # The admin's audit page: a change's detail as one line per field, its
    # identifiable values sealed, not the entry's raw JSON.
    r = c.get("/audit")
    check(r.status == 200 and "<strong>child.surname</strong>: " in r.body
          and "&quot;changes&quot;" not in r.body and "Quillfeather" not in r.body,
          f"the audit page shows changes field by field, sealed: {r.status}")

    # Logging out wipes the keys of that session only.
    csrf = b.csrf("/")
    r = b.post("/logout", {"csrf": csrf})
    check(r.status == 303 and b.get("/").status == 303, "after logout a page asks for the login again")
    check(p.get(f"/cases/{REF}").status == 200, "another session is still logged in")
finally:
    rc = srv.stop(signal.SIGTERM)
check(rc == 0, f"SIGTERM: exit {rc}")

# The idle lock: keys wiped after inactivity; the page asks again.
srv = Server(reg, "--idle-lock", "2s")
try:
    c = Client(srv)
    c.login("mo", reg.passphrase("mo"))
    check(c.get("/").status == 200, "logged in")
    time.sleep(3.5)
    r = c.get("/")
    check(r.status == 303 and r.header("Location") == "/login", f"after the idle lock: {r.status}")
    r = c.get("/login")
    check(r.status == 200 and "passphrase" in r.body and "Locked after" in r.body,
          "the login page says why it asks again")
    check('value="mo"' in r.body, "and remembers who it was")
finally:
    rc = srv.stop(signal.SIGINT)
check(rc == 0, f"SIGINT: exit {rc}")
check(not [d for d in os.listdir(reg.dir) if d.startswith("cdop-ui-")], "the private temp dir is removed")

srv = Server(reg)
srv.stop()
rc, out, err = reg.cdop("mo", "ui", "--idle-lock", "soon")
check(rc == 2 and "--idle-lock" in err, f"a bad --idle-lock is a usage error: {rc} {err}")

# Without --no-browser the server opens the page with xdg-open (here a
# stand-in on PATH that records its argument and the signal state it was
# started with). The browser must start as a new process does, not with
# the server's blocked SIGINT/SIGTERM or ignored SIGPIPE/SIGCHLD: they
# pass through exec. (Before, the ignored SIGPIPE reached this stand-in;
# the shell it runs in resets the mask and SIGCHLD itself, a browser
# exec'd directly would not.)
bindir = os.path.join(reg.dir, "bin")
os.mkdir(bindir)
fake = os.path.join(bindir, "xdg-open")
with open(fake, "w") as f:
    f.write('#!/bin/sh\nprintf "%s\\n" "$1" > "$0.url.tmp"\n'
            'grep "^Sig" /proc/self/status > "$0.url.sig"\nmv "$0.url.tmp" "$0.url"\n')
os.chmod(fake, 0o755)
env = dict(reg.env, PATH=bindir + ":" + os.environ.get("PATH", "/usr/bin:/bin"))
ui = subprocess.Popen([CDOP, "--register", reg.path, "ui", "--port", "0"], env=env,
                      stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
try:
    first = ui.stdout.readline().strip()
    for _ in range(100):
        if os.path.exists(fake + ".url"):
            break
        time.sleep(0.05)
    url = open(fake + ".url").read().strip() if os.path.exists(fake + ".url") else ""
    check(url and first == "cdop ui: " + url, f"xdg-open given the page's address: {url!r} ({first!r})")
    sig = dict(l.split(":\t") for l in open(fake + ".url.sig").read().split("\n") if l) \
        if url else {}
    blk, ign = int(sig.get("SigBlk", "-1"), 16), int(sig.get("SigIgn", "-1"), 16)
    bit = lambda n: 1 << (n - 1)
    check(blk == 0, f"the browser starts with no signal blocked: SigBlk {blk:#x}")
    check(ign >= 0 and not ign & (bit(signal.SIGPIPE) | bit(signal.SIGCHLD)),
          f"nor SIGPIPE or SIGCHLD ignored: SigIgn {ign:#x}")
finally:
    ui.send_signal(signal.SIGTERM)
    rc = ui.wait(timeout=10)
check(rc == 0, f"that server stops on SIGTERM: exit {rc}")
reg.cleanup()
finish()
