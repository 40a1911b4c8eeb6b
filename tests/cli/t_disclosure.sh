#!/usr/bin/env bash
# Issue 11: the audited disclosure control as the user sees it. Public
# editions are remembered and audited with the earlier ones of their year;
# an NHS edition first, then a DfE edition of the same data: no count the
# NHS edition starred may be printed by the DfE one. The board edition
# states the policy and the audit. An in-year report is interim and counts
# only meetings held by today (D5).
. "$(dirname "$0")/lib.sh"
export CDOP_TODAY=2026-05-20
from_template
as mo import "$SRC/tests/fixtures/report/golden.jsonl"
expect_rc 0 "import the golden data set"
R="$T/r"; mkdir -p "$R"

as ann report annual --year 2025-26 --edition board --format json --out "$R/board0.json"
expect_rc 0 "board edition before any public one"
python3 - "$R/board0.json" <<'PY' && pass || fail "board: no public edition yet"
import json, sys
b = json.load(open(sys.argv[1]))
assert "No public edition of 2025-26 has been written yet" in b["note"], b["note"]
assert b["interim"] is False and b["counted_to"] is None
PY

as ann report annual --year 2025-26 --edition public --disclosure nhs --format json --out "$R/nhs.json"
expect_rc 0 "public nhs"
as ann report annual --year 2025-26 --edition public --format json --out "$R/dfe.json"
expect_rc 0 "public dfe after nhs"
as ann report annual --year 2025-26 --edition board --format md --out "$R/board.md"
expect_rc 0 "board edition after two public ones"
python3 - "$R" <<'PY' && pass || fail "editions audited together"
import json, sys
r = sys.argv[1]
n = json.load(open(f"{r}/nhs.json"))
d = json.load(open(f"{r}/dfe.json"))
assert "Audited" in n["note"] and "earlier public edition" not in n["note"], n["note"]
assert "together with the 1 earlier public edition of this year" in d["note"], d["note"]
starred = 0
for tid, t in n["tables"].items():
    for rn, rd in zip(t["rows"], d["tables"][tid]["rows"]):
        for c, (a, b) in enumerate(zip(rn["cells"], rd["cells"])):
            if t["columns"][c] == "attendance_percent":
                continue
            if a in ("*", "x"):
                starred += 1
                # a number here would give the starred count away exactly
                assert b == "x", (tid, rn["label"], c, a, b)
assert starred > 0
board = open(f"{r}/board.md").read()
assert "Public edition 1 of 2025-26: NHS rules" in board, board[:2000]
assert "Public edition 2 of 2025-26: DfE rules" in board
assert board.count("audit passed") == 2
PY

# -- D5: 2026-27 is in progress on 20 May 2026; a meeting dated after today
# is not held yet, and nothing reads as a year-end figure.
as mo meeting new --date 2026-06-10
expect_rc 0 "a meeting after today"
as ann report annual --year 2026-27 --edition board --format json --out "$R/in-year.json"
expect_rc 0 "in-year board report"
as ann report annual --year 2026-27 --edition board --format md --out "$R/in-year.md"
expect_rc 0 "in-year board report (md)"
as ann report annual --year 2026-27 --edition board --format html --out "$R/in-year.html"
expect_rc 0 "in-year board report (html)"
python3 - "$R" <<'PY' && pass || fail "interim report"
import json, sys
r = sys.argv[1]
j = json.load(open(f"{r}/in-year.json"))
assert j["interim"] is True and j["counted_to"] == "2026-05-20", (j["interim"], j["counted_to"])
assert j["note"].startswith("Interim:"), j["note"]
held = j["tables"]["meetings"]["rows"][0]
assert held["label"] == "held" and held["cells"][0] == 1, held  # M4 only, not 2026-06-10
md = open(f"{r}/in-year.md").read()
assert md.startswith("# Child Death Overview Panel: annual report 2026-27 (interim)"), md[:200]
assert "overdue so far" in md and "Overdue at the year end" not in md, md
html = open(f"{r}/in-year.html").read()
assert "Annual report 2026-27 (interim)" in html
assert "at the year end" not in html.split("<main>")[1].split("id=\"about\"")[0], "year-end wording in the tables"
PY
finish
