#!/usr/bin/env python3
"""Synthetic CDOP cases as JSON Lines (SPEC section 4). Never real data.

usage: gen_cases.py N SEED [--today YYYY-MM-DD] [--years Y] [--surname-prefix P]

Deterministic: the same N, SEED and today give the same bytes. `today`
defaults to $CDOP_TODAY, else the real date. Every line is valid for
`cdop import` run with the same today:

- unique NHS numbers passing the modulus-11 check (a few cases without one),
  unique surname + date of birth + date of death;
- ages skewed to the neonatal period, as in real CDOP data; sexes,
  ethnicity codes, places and notifiers from the code lists;
- expected / unexpected about half each; notifications spread over
  `--years` reporting years ending a few days before today; most resident;
- done rapid-response actions for most unexpected deaths, agency reports,
  and reviews for a good share of the older cases (consistent
  `modifiable`, themes, recommendations with owners, due and some
  completed dates), some agency reports with a returned `form`, with a
  status that fits (reviewed/closed with a
  review; transferred only for a non-resident child).

--surname-prefix makes every surname start with P (tests look for them).
"""
import datetime as dt
import json
import os
import random
import sys

SEXES = [("male", 54), ("female", 44), ("indeterminate", 1), ("not_known", 1)]
ETHNICITY = [("A", 60), ("B", 2), ("C", 5), ("D", 2), ("E", 1), ("F", 2), ("G", 2),
             ("H", 3), ("J", 6), ("K", 3), ("L", 2), ("M", 3), ("N", 3), ("P", 1),
             ("R", 1), ("S", 2), ("Z", 2)]
AGENCIES = ["gp", "health_visiting", "midwifery", "hospital", "ambulance", "police",
            "childrens_social_care", "education", "mental_health", "coroner",
            "public_health", "other"]
NOTIFIERS = [("hospital", "Paediatrician"), ("hospital", "Neonatologist"),
             ("police", "Detective Sergeant"), ("coroner", "Coroner's officer"),
             ("ambulance", "Paramedic"), ("gp", "GP"), ("hospice", None)]
RR_ACTIONS = [("home_visit", 0, 1), ("police_informed", 0, 1), ("coroner_informed", 0, 1),
              ("key_worker_assigned", 0, 2), ("information_sharing_meeting", 1, 3),
              ("bereavement_support_offered", 1, 7),
              ("child_death_review_meeting", 30, 84)]
THEMES = ["safe_sleeping", "smoking", "alcohol_drugs", "road_safety", "water_safety",
          "fire_burns", "suicide_self_harm", "domestic_abuse", "neglect", "mental_health",
          "transitions_of_care", "access_to_services", "prematurity", "consanguinity",
          "other"]
# Made-up name parts: the surnames they form are not meant to be anyone's.
FORENAMES = ["Amy", "Ben", "Cara", "Dev", "Ela", "Finn", "Gia", "Hal", "Isla", "Jai",
             "Kit", "Lea", "Max", "Nia", "Oli", "Pia", "Rae", "Sam", "Tia", "Uma",
             "Vic", "Wyn", "Zac", "Unknown"]
SYL1 = ["Ash", "Brack", "Cal", "Dun", "Ell", "Fen", "Gar", "Hol", "Ick", "Jes", "Kel",
        "Lom", "Mar", "Nor", "Osk", "Pen", "Quen", "Ros", "Sel", "Tar", "Ul", "Ver",
        "Wen", "Yar"]
SYL2 = ["by", "den", "ford", "gate", "ham", "ley", "mere", "ridge", "ton", "well",
        "wick", "worth", "stow", "combe", "holt"]
TOWNS = ["Ashbury", "Brackford", "Calderby", "Dunmere", "Ellwick", "Fenholt"]
LEARNING = ["Information sharing between agencies worked well.",
            "Safe sleeping advice should be repeated at every contact.",
            "Transition from children's to adult services was not planned early enough.",
            "Earlier recognition of deterioration might have changed the outcome.",
            "The family were well supported by the bereavement service."]
RECS = ["Review the safe sleeping leaflet given at discharge.",
        "Audit the use of the escalation pathway on the ward.",
        "Offer training on recognising the unwell child.",
        "Agree a protocol for sharing records at transition.",
        "Remind staff of the water safety campaign."]


def weighted(rng, pairs):
    total = sum(w for _, w in pairs)
    x = rng.uniform(0, total)
    for v, w in pairs:
        x -= w
        if x <= 0:
            return v
    return pairs[-1][0]


def nhs_numbers(rng):
    """Unique valid NHS numbers: a permutation of 9-digit stems plus check."""
    base = rng.randrange(10 ** 9)
    i = 0
    while True:
        stem = (387420489 * i + base) % 10 ** 9  # 3^18 is coprime with 10^9
        i += 1
        digits = [int(c) for c in "%09d" % stem]
        check = 11 - sum(d * (10 - k) for k, d in enumerate(digits)) % 11
        if check == 11:
            check = 0
        if check == 10:
            continue
        yield "%09d%d" % (stem, check)


def add_years(d, years):
    return dt.date(d.year + years, d.month, min(d.day, 28))


def age_and_dob(rng, death):
    band = weighted(rng, [("neonatal", 40), ("infant", 20), ("1-4", 13), ("5-9", 7),
                          ("10-14", 9), ("15-17", 11)])
    if band == "neonatal":
        return band, death - dt.timedelta(days=rng.randrange(0, 28))
    if band == "infant":
        return band, death - dt.timedelta(days=rng.randrange(28, 365))
    lo, hi = {"1-4": (1, 4), "5-9": (5, 9), "10-14": (10, 14), "15-17": (15, 17)}[band]
    # y completed years: on or before the y-th birthday, less than a year more
    y = rng.randint(lo, hi)
    return band, add_years(death, -y) - dt.timedelta(days=rng.randrange(0, 330))


def place_for(rng, band, expected):
    if band == "neonatal":
        return weighted(rng, [("neonatal_unit", 60), ("intensive_care", 10),
                              ("hospital_ward", 10), ("home", 10), ("hospital_ed", 5),
                              ("hospice", 5)])
    if expected == "expected":
        return weighted(rng, [("hospital_ward", 30), ("intensive_care", 25),
                              ("hospice", 20), ("home", 20), ("other", 5)])
    return weighted(rng, [("hospital_ed", 35), ("home", 30), ("public_place", 10),
                          ("other_residence", 8), ("school", 2), ("abroad", 2),
                          ("intensive_care", 8), ("other", 3), ("not_known", 2)])


def meeting_on_or_after(d):
    """Panels meet on the 15th of each month."""
    m = dt.date(d.year, d.month, 15)
    if m < d:
        m = dt.date(d.year + (d.month == 12), d.month % 12 + 1, 15)
    return m


def review_for(rng, band, expected, meeting, today):
    if band == "neonatal":
        cat = weighted(rng, [(8, 55), (7, 30), (9, 8), (5, 7)])
    elif band == "infant" and expected == "unexpected":
        cat = weighted(rng, [(10, 45), (9, 20), (1, 5), (3, 10), (5, 20)])
    elif expected == "expected":
        cat = weighted(rng, [(4, 35), (6, 35), (7, 20), (5, 10)])
    else:
        cat = weighted(rng, [(3, 35), (2, 20), (5, 20), (9, 10), (1, 5), (10, 10)])
    names = ["child", "social_environment", "physical_environment", "service_provision"]
    domains = {n: weighted(rng, [(0, 8), (1, 70), (2, 22)]) for n in names}
    scores = domains.values()
    if 2 in scores:
        modifiable = "yes"
    elif 0 in scores:
        modifiable = rng.choice(["no", "insufficient_information"])
    else:
        modifiable = "no"
    r = {"category": cat, "domains": domains, "modifiable": modifiable}
    themes = rng.sample(THEMES, weighted(rng, [(0, 30), (1, 40), (2, 20), (3, 10)]))
    if themes:
        r["themes"] = themes
    if rng.random() < 0.7:
        r["learning"] = rng.choice(LEARNING)
        r["learning_publishable"] = rng.random() < 0.6
    recs = []
    for _ in range(weighted(rng, [(0, 50), (1, 30), (2, 15), (3, 5)]) if
                   modifiable == "yes" else weighted(rng, [(0, 85), (1, 15)])):
        rec = {"text": rng.choice(RECS), "owner": rng.choice(AGENCIES),
               "due": (meeting + dt.timedelta(days=rng.randrange(60, 366))).isoformat()}
        done = meeting + dt.timedelta(days=rng.randrange(7, 300))
        if done <= today and rng.random() < 0.5:
            rec["completed"] = done.isoformat()
        recs.append(rec)
    if recs:
        r["recommendations"] = recs
    r["referred_for_review"] = rng.random() < 0.05
    r["meeting_date"] = meeting.isoformat()
    return r


def hhmm(rng):
    return "%02d:%02d" % (rng.randrange(24), rng.randrange(60))


def make_case(rng, nhs, names_used, surname_prefix, death, today):
    expected = "expected" if rng.random() < 0.5 else "unexpected"
    band, dob = age_and_dob(rng, death)
    while True:
        surname = surname_prefix + rng.choice(SYL1) + rng.choice(SYL2)
        if rng.random() < 0.5:
            surname += "-" + rng.choice(SYL1) + rng.choice(SYL2)
        key = (surname.lower(), dob, death)
        if key not in names_used:
            names_used.add(key)
            break
    notified = min(death + dt.timedelta(days=weighted(rng, [(0, 40), (1, 40), (2, 12),
                                                            (3, 8)])), today)
    resident = rng.random() < 0.92
    child = {"forename": rng.choice(FORENAMES), "surname": surname,
             "date_of_birth": dob.isoformat(), "sex": weighted(rng, SEXES)}
    if rng.random() < 0.97:
        n = next(nhs)
        # spaces are allowed on input; the register stores digits only
        child["nhs_number"] = n if rng.random() < 0.9 else "%s %s %s" % (n[:3], n[3:6], n[6:])
    if rng.random() < 0.95:
        child["ethnicity"] = weighted(rng, ETHNICITY)
    if rng.random() < 0.9:
        child["address"] = "%d %s Road, %s" % (rng.randrange(1, 200), rng.choice(SYL1),
                                             rng.choice(TOWNS))
        child["postcode"] = "ZZ%d %d%s%s" % (rng.randrange(1, 99), rng.randrange(10),
                                             rng.choice("ABDEFGHJ"), rng.choice("LNPQRST"))
    child["resident"] = resident
    child["local_authority"] = "Synthshire" if resident else "Elsewhere"
    child["looked_after"] = weighted(rng, [("no", 94), ("yes", 4), ("unknown", 2)])
    child["child_protection_plan"] = weighted(rng, [("no", 93), ("yes", 5), ("unknown", 2)])
    death_o = {"date": death.isoformat(), "place": place_for(rng, band, expected),
               "expected": expected}
    if rng.random() < 0.7:
        death_o["time"] = hhmm(rng)
    if rng.random() < 0.5:
        death_o["circumstances"] = "Synthetic record for testing; no real child."
    agency, role = rng.choice(NOTIFIERS)
    if agency == "hospice":
        agency, role = "other", "Hospice nurse"
    notified_o = {"date": notified.isoformat(), "by_agency": agency}
    if role:
        notified_o["by_role"] = role
    if rng.random() < 0.6:
        notified_o["by_name"] = "Dr " + rng.choice(SYL1) + rng.choice(SYL2)
    line = {"notification": {"child": child, "death": death_o, "notified": notified_o}}

    rr = []
    # Old cases have (nearly) every action done; recent ones are under way.
    settled = (today - death).days > 120
    if expected == "unexpected" and (settled or rng.random() < 0.85):
        for action, lo, hi in RR_ACTIONS:
            if rng.random() < (0.99 if settled else 0.7):
                on = death + dt.timedelta(days=rng.randint(lo, hi))
                if on > today:
                    continue
                a = {"action": action,
                     "on": on.isoformat() + ("T" + hhmm(rng) if rng.random() < 0.5 else "")}
                if rng.random() < 0.5:
                    a["by"] = rng.choice(["Duty paediatrician", "DS on call",
                                          "Key worker", "Coroner's officer"])
                if rng.random() < 0.2:
                    a["notes"] = "Done as planned."
                rr.append(a)
    if rr:
        line["rapid_response"] = rr

    reports = []
    if (today - notified).days > 14:
        for ag in rng.sample(AGENCIES, rng.randint(1, 5)):
            req = notified + dt.timedelta(days=rng.randrange(0, 8))
            if req > today:
                continue
            rep = {"agency": ag, "requested": req.isoformat(),
                   "due": (req + dt.timedelta(days=28)).isoformat()}
            got = req + dt.timedelta(days=rng.randrange(5, 50))
            if got <= today and rng.random() < (0.99 if settled else 0.7):
                rep["received"] = got.isoformat()
                if rng.random() < 0.3:
                    # the agency's own returned form: any JSON object
                    rep["form"] = {"summary": rng.choice(LEARNING),
                                   "known_to_agency": rng.random() < 0.5,
                                   "contacts_last_year": rng.randrange(0, 12),
                                   "sections": [{"title": "Background",
                                                 "text": "Synthetic text."}]}
            reports.append(rep)
    if reports:
        line["agency_reports"] = reports

    review = None
    if (today - death).days > 180 and rng.random() < 0.75:
        meeting = meeting_on_or_after(death + dt.timedelta(days=rng.randrange(90, 300)))
        if meeting <= today:
            review = review_for(rng, band, expected, meeting, today)
            line["review"] = review
    if review:
        status = "closed" if rng.random() < 0.3 else "reviewed"
    elif not resident and rng.random() < 0.5:
        status = "transferred"
    else:
        age = (today - notified).days
        status = ("notified" if age < 10 else "gathering" if age < 60 else
                  rng.choice(["gathering", "ready", "scheduled"]))
    if rng.random() < 0.9 or status not in ("reviewed", "notified"):
        line["status"] = status
    return line


def main(argv):
    args = argv[1:]
    opts = {"--today": os.environ.get("CDOP_TODAY") or dt.date.today().isoformat(),
            "--years": "4", "--surname-prefix": ""}
    pos = []
    while args:
        a = args.pop(0)
        if a in opts and args:
            opts[a] = args.pop(0)
        elif a.startswith("-"):
            sys.exit(__doc__)
        else:
            pos.append(a)
    if len(pos) != 2:
        sys.exit(__doc__)
    n, seed = int(pos[0]), int(pos[1])
    today = dt.date.fromisoformat(opts["--today"])
    years = int(opts["--years"])
    rng = random.Random(seed)
    nhs = nhs_numbers(rng)
    names_used = set()
    last = today - dt.timedelta(days=3)
    first = dt.date(last.year - years - (last.month < 4), 4, 1)
    span = (last - first).days
    deaths = sorted(first + dt.timedelta(days=rng.randrange(span + 1)) for _ in range(n))
    out = sys.stdout
    for death in deaths:
        line = make_case(rng, nhs, names_used, opts["--surname-prefix"], death, today)
        out.write(json.dumps(line, separators=(",", ":")) + "\n")


if __name__ == "__main__":
    main(sys.argv)
