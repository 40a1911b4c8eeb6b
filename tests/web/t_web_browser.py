"""cdop ui in a real browser (headless chromium through chromedriver):
log in, Today, notify a death through the form (a rejected field shown
beside it), the case page, a meeting and the analysis form as a panel
member in a second browser (a contradictory modifiable value rejected),
and a public report downloaded and checked with the stock minisign.
Screenshots of each page go to BUILD/web-screenshots."""
import base64
import json
import os
import re
import shutil
import subprocess
import sys
import time
import urllib.request

sys.path.insert(0, os.path.dirname(__file__))
from webtest import BUILD, Client, Register, Server, check, finish  # noqa: E402

from selenium import webdriver  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support.ui import Select, WebDriverWait  # noqa: E402

SHOTS = os.path.join(BUILD, "web-screenshots")
os.makedirs(SHOTS, exist_ok=True)
# CDOP_SCREENSHOTS=0: no screenshots (~5 s of CPU a run; scripts/test.sh
# sets it for the sanitizer build and says why). The normal build's
# BUILD/web-screenshots are the ones to look at.
TAKE_SHOTS = os.environ.get("CDOP_SCREENSHOTS", "1") != "0"


def browser():
    o = webdriver.ChromeOptions()
    o.binary_location = "/usr/bin/chromium"
    # Not --single-process (~17% less CPU here): in that mode Chromium
    # once died of SIGTRAP in a render of t_report on a loaded machine
    # (docs/test-suite.md, the ninth round); a flaky suite costs more.
    for a in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
              "--window-size=1280,1000", "--no-first-run", "--disable-extensions",
              "--disable-background-networking", "--disable-sync", "--disable-component-update"):
        o.add_argument(a)
    d = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=o)
    d.set_page_load_timeout(30)
    return d


T0 = time.time()


def shot(d, name):
    print(f"{time.time() - T0:6.1f}s {name}", file=sys.stderr)
    if not TAKE_SHOTS:
        return
    # The whole page, not only the window: one capture of the page's height
    # (up to 6000 px) through the DevTools protocol, PNG encoded for speed
    # (resizing the window to the page and back, then a default PNG, cost
    # more CPU than the rest of the pages together).
    h = min(d.execute_script("return document.documentElement.scrollHeight"), 6000)
    args = {"format": "png", "optimizeForSpeed": True}
    if h > 1000:
        args.update(captureBeyondViewport=True,
                    clip={"x": 0, "y": 0, "width": 1280, "height": h, "scale": 1})
    png = d.execute_cdp_cmd("Page.captureScreenshot", args)["data"]
    with open(os.path.join(SHOTS, name + ".png"), "wb") as f:
        f.write(base64.b64decode(png))


def shot_at(d, name, css):
    """One window's height of the page, from the element at css."""
    print(f"{time.time() - T0:6.1f}s {name}", file=sys.stderr)
    e = d.find_element(By.CSS_SELECTOR, css)
    if not TAKE_SHOTS:
        return
    d.execute_script("arguments[0].scrollIntoView(true);", e)
    d.save_screenshot(os.path.join(SHOTS, name + ".png"))


def fill(d, name, value):
    # Set as typed (send_keys types key by key: seconds on a loaded machine).
    e = d.find_element(By.NAME, name)
    if e.tag_name == "select":
        Select(e).select_by_value(value)
    else:
        d.execute_script("arguments[0].value = arguments[1];", e, value)


def choose(d, name, value):
    d.find_element(By.CSS_SELECTOR, f'input[name="{name}"][value="{value}"]').click()


def fill_all(d, values):
    """Many answers in one round trip: text, selects and radio buttons
    (a radio or checkbox is named NAME=VALUE)."""
    d.execute_script("""
        for (const [k, v] of Object.entries(arguments[0])) {
            if (k.includes('=')) {
                const [n, val] = k.split('=');
                document.querySelector(`input[name="${n}"][value="${val}"]`).checked = v;
            } else {
                document.getElementsByName(k)[0].value = v;
            }
        }""", values)


def click_and_wait(d, element):
    """Click something that loads a page, and wait until it has."""
    d.execute_script("window.cdopOld = true;")
    element.click()
    WebDriverWait(d, 30).until(lambda d: d.execute_script(
        "return window.cdopOld === undefined && document.readyState === 'complete';"))


def submit(d, form_css="main form"):
    click_and_wait(d, d.find_element(By.CSS_SELECTOR, form_css + " button"))


def login(d, srv, reg, user):
    d.get(f"{srv.url}/?token={srv.token}")
    check(d.current_url == f"{srv.url}/login", f"{user}: token exchanged, now {d.current_url}")
    fill(d, "user", user)
    fill(d, "passphrase", reg.passphrase(user))
    submit(d)


reg = Register(today="2025-09-01")
srv = Server(reg)
mgr = pan = None
try:
    mgr = browser()
    login(mgr, srv, reg, "mo")
    check(mgr.current_url == f"{srv.url}/", f"after login: {mgr.current_url}")
    check("Today" in mgr.find_element(By.TAG_NAME, "h1").text, "Today page")
    shot(mgr, "01-today-empty")

    # Notify: one wrong field (an NHS number failing the check), shown beside it.
    click_and_wait(mgr, mgr.find_element(By.LINK_TEXT, "Notify a death"))
    shot(mgr, "02-notify-form")
    fill_all(mgr, {"child.forename": "Amy", "child.surname": "Example",
                   "child.nhs_number": "943 476 5918", "child.date_of_birth": "01/03/2024",
                   "child.sex=female": True, "child.ethnicity": "A", "child.postcode": "SN1 1AA",
                   "child.resident=true": True, "death.date": "30/08/2025", "death.time": "14:20",
                   "death.place": "home", "death.expected=unexpected": True,
                   "notified.date": "today", "notified.by_agency": "hospital"})
    submit(mgr, "main form[action='/cases/new']")
    check(mgr.current_url == f"{srv.url}/cases/new", "a rejected notification stays on the form")
    errs = mgr.find_elements(By.CSS_SELECTOR, ".field.invalid .field-error")
    field = mgr.find_element(By.NAME, "child.nhs_number").find_element(By.XPATH, "..")
    beside = field.find_elements(By.CLASS_NAME, "field-error")
    check(len(errs) == 1 and len(beside) == 1, f"one error, beside the NHS number: {[e.text for e in errs]}")
    rc, _, cli_err = reg.cdop("mo", "notify", "--json", "-", stdin=json.dumps({
        "child": {"forename": "X", "surname": "Y", "date_of_birth": "2024-03-01", "sex": "female",
                  "nhs_number": "943 476 5918"},
        "death": {"date": "2025-08-30", "place": "home", "expected": "unexpected"},
        "notified": {"date": "2025-09-01", "by_agency": "hospital"}}))
    cli_msg = [l for l in cli_err.splitlines() if "nhs_number" in l]
    check(beside and cli_msg and beside[0].text in cli_msg[0],
          f"the same message as the command line: {beside[0].text if beside else None!r} / {cli_msg}")
    check(mgr.find_element(By.NAME, "child.forename").get_attribute("value") == "Amy",
          "the other answers are kept")
    shot(mgr, "03-notify-rejected")
    fill(mgr, "child.nhs_number", "943 476 5919")
    submit(mgr, "main form[action='/cases/new']")
    m = re.search(r"/cases/(CDOP-\d{4}-\d{4})$", mgr.current_url)
    check(m is not None, f"saved: now at {mgr.current_url}")
    ref = m.group(1) if m else "?"
    body = mgr.find_element(By.TAG_NAME, "main").text
    check("Amy Example" in body and "1 year" in body and "2 days since death" in body.replace("\n", " "),
          "the case page: name, age at death, days since death")
    check("Information-sharing meeting" in body or "information" in body.lower(), "the response timeline")
    shot(mgr, "04-case")

    # Today now lists the new case's response actions, in days.
    click_and_wait(mgr, mgr.find_element(By.LINK_TEXT, "Today"))
    today = mgr.find_element(By.TAG_NAME, "main").text
    check(ref in today and "overdue" in today and "h overdue" not in today,
          "Today lists the response actions in days")
    shot(mgr, "05-today")

    # An agency's report with an attachment: linked from the case page,
    # opened (agency show) and downloadable.
    scan = os.path.join(reg.dir, "discharge-summary.pdf")
    with open(scan, "wb") as f:
        f.write(b"%PDF-1.4 discharge summary\n")
    rc, _, err = reg.cdop("mo", "agency", "receive", ref, "--agency", "gp", "--on", "2025-09-01",
                          "--attach", scan)
    check(rc == 0, f"agency receive --attach: {err}")
    mgr.get(f"{srv.url}/cases/{ref}")
    click_and_wait(mgr, mgr.find_element(By.LINK_TEXT, "1 attachment"))
    link = mgr.find_element(By.LINK_TEXT, "discharge-summary.pdf")
    check("/agency?agency=gp&n=1" in link.get_attribute("href"), "the report page links the attachment")
    shot(mgr, "05b-agency-report")

    # An agency form requested, the case made ready, a meeting, the agenda.
    mgr.get(f"{srv.url}/cases/{ref}")
    for status in ("gathering", "ready"):
        Select(mgr.find_element(By.ID, "status")).select_by_value(status)
        click_and_wait(mgr, mgr.find_element(By.XPATH, "//form[.//input[@value='status']]//button"))
    check("Ready" in mgr.find_element(By.CSS_SELECTOR, "h1 .badge").text or
          "ready" in mgr.find_element(By.CSS_SELECTOR, "h1 .badge").text.lower(), "status ready")
    mgr.get(f"{srv.url}/meetings")
    fill(mgr, "date", "01/09/2025")
    fill(mgr, "chair", "Dr Chair")
    submit(mgr, "main form[action='/meetings']")
    mid = mgr.current_url.rsplit("/", 1)[-1]
    check(mid.isdigit(), f"meeting arranged: {mgr.current_url}")
    fill(mgr, "ref", ref)
    click_and_wait(mgr, mgr.find_element(By.XPATH, "//form[.//input[@value='add']]//button"))
    fill(mgr, "name", "Dr Chair")
    Select(mgr.find_element(By.ID, "agency")).select_by_value("public_health")
    click_and_wait(mgr, mgr.find_element(By.XPATH, "//form[.//input[@value='attend']]//button"))
    page = mgr.find_element(By.TAG_NAME, "main").text
    check(ref in page and "Dr Chair" in page, "agenda and attendance")
    shot(mgr, "06-meeting")

    # The panel member, in a second browser, reviews the case.
    # (One chromium, two sessions: the manager's cookie is put aside while
    # the panel member logs in with a fresh one; starting a second chromium
    # costs seconds on a loaded machine.)
    mgr_cookies = mgr.get_cookies()
    mgr.delete_all_cookies()
    pan = mgr
    login(pan, srv, reg, "pat")
    pan.get(f"{srv.url}/meetings/{mid}")
    click_and_wait(pan, pan.find_element(By.PARTIAL_LINK_TEXT, "analysis form"))
    check("Amy" not in pan.page_source and "Example" not in pan.page_source and "SN1" not in pan.page_source,
          "the panel's analysis page has no identifiers")
    fill_all(pan, {"category": "10", "domains.child=1": True, "domains.social_environment=1": True,
                   "domains.physical_environment=1": True, "domains.service_provision=1": True,
                   "modifiable=yes": True,  # contradicts the scores
                   "learning": "Safe sleeping advice was not repeated.",
                   "recommendations[0].text": "Repeat safe sleeping advice at each contact",
                   "recommendations[0].owner": "health_visiting",
                   "recommendations[0].due": "31/01/2026"})
    submit(pan)
    beside = pan.find_element(By.CSS_SELECTOR, 'input[name="modifiable"]').find_element(
        By.XPATH, "ancestor::div[contains(@class,'field')]").find_elements(By.CLASS_NAME, "field-error")
    check(len(beside) == 1 and "modifiable" in pan.page_source, "the contradiction is shown beside modifiable")
    check("From the domain scores given, modifiable factors" in pan.page_source, "the implied value is offered")
    shot(pan, "07-review-rejected")
    # The enhancement script offers modifiable as the scores are chosen.
    def modifiable():
        return pan.execute_script(
            "var e = document.querySelector('input[name=\"modifiable\"]:checked'); return e && e.value;")
    choose(pan, "domains.service_provision", "2")
    check(modifiable() == "yes", f"a domain scoring 2 offers 'yes' live: {modifiable()}")
    shot_at(pan, "07b-review-offered", "fieldset")
    choose(pan, "domains.service_provision", "1")
    check(modifiable() == "no", f"all scoring 1 offers 'no' live: {modifiable()}")
    choose(pan, "modifiable", "no")
    submit(pan)
    check(pan.current_url == f"{srv.url}/meetings/{mid}", f"review saved: {pan.current_url}")
    check("recorded" in pan.find_element(By.CLASS_NAME, "flash").text, "a message says so")
    shot(pan, "08-meeting-after-review")
    pan.get(f"{srv.url}/cases/{ref}/edit")
    check("Not for your role" in pan.page_source and "Amy" not in pan.page_source, "the panel gets 403 for the edit page")

    # Back to the manager's session, still logged in.
    pan.delete_all_cookies()
    for c in mgr_cookies:
        mgr.add_cookie(c)
    pan = None
    # The manager's recommendation tracker; mark it done.
    mgr.get(f"{srv.url}/actions")
    check("Repeat safe sleeping" in mgr.page_source, "the recommendation is tracked")
    click_and_wait(mgr, mgr.find_element(By.XPATH, "//form[@action='/actions']//button"))
    check("Recommendation marked done" in mgr.page_source, "marked done")
    shot(mgr, "09-actions")

    # A public report, downloaded and verified with the stock minisign.
    mgr.get(f"{srv.url}/reports")
    fill(mgr, "year", "2025-26")
    choose(mgr, "edition", "public")
    choose(mgr, "format", "html")
    submit(mgr, "main form[action='/reports']")
    links = [a.get_attribute("href") for a in mgr.find_elements(By.CSS_SELECTOR, "a.button")]
    check(len(links) == 2, f"report and signature links: {links}")
    pub = mgr.find_elements(By.CSS_SELECTOR, "pre.key")[-1].text
    shot(mgr, "10-reports")
    cookie = "; ".join(f"{c['name']}={c['value']}" for c in mgr.get_cookies())
    files = []
    for url in links:
        req = urllib.request.Request(url, headers={"Cookie": cookie})
        with urllib.request.urlopen(req) as r:
            files.append(r.read())
    rep = os.path.join(reg.dir, "report.html")
    with open(rep, "wb") as f:
        f.write(files[0] if files else b"")
    with open(rep + ".minisig", "wb") as f:
        f.write(files[1] if len(files) > 1 else b"")
    with open(os.path.join(reg.dir, "cdop.pub"), "w") as f:
        f.write(pub + "\n")
    p = subprocess.run(["minisign", "-Vm", rep, "-p", os.path.join(reg.dir, "cdop.pub")],
                       capture_output=True, text=True)
    check(p.returncode == 0, f"minisign verifies the downloaded report: {p.stdout} {p.stderr}")
    check(b"Amy" not in files[0] and b"Example" not in files[0], "no name in the public report")

    # Log out: the login page again.
    click_and_wait(mgr, mgr.find_element(By.CSS_SELECTOR, "header form button"))
    check(mgr.current_url == f"{srv.url}/login", "logged out")
finally:
    for d in (mgr, pan):
        if d:
            d.quit()
    rc = srv.stop()
check(rc == 0, f"server exit {rc}")
reg.cleanup()
finish()
