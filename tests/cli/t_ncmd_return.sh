#!/usr/bin/env bash
# return ncmd (SPEC §2, §8; docs/ncmd-return.md): every case notified or
# reviewed in the year, one object per line, sealed; the stock age tool
# opens it.
. "$(dirname "$0")/lib.sh"
export CDOP_TODAY=2026-05-01
from_template
python3 "$SRC/bench/gen_cases.py" 60 5 > "$T/gen.jsonl"
as mo import "$T/gen.jsonl"; expect_rc 0 "import"
as mo export --out "$T/all.jsonl"; expect_rc 0 "export"
age-keygen -o "$T/ncmd.key" 2>/dev/null
R=$(age-keygen -y "$T/ncmd.key")

as mo return ncmd --year 2025-26 --recipient "$R" --out "$T/ret.age"
expect_rc 0 "return ncmd"
expect_out "national return 2025-26" "says what it wrote"
[ "$(stat -c %a "$T/ret.age")" = 600 ] && pass || fail "mode 0600"
age -d -i "$T/ncmd.key" -o "$T/ret.jsonl" "$T/ret.age" && pass || fail "age -d opens the return"
python3 - "$T/ret.jsonl" "$T/all.jsonl" <<'PY' && pass || fail "the return holds exactly the year's cases, documented fields"
import json, sys
ret = [json.loads(l) for l in open(sys.argv[1])]
cases = [json.loads(l) for l in open(sys.argv[2]) if not l.startswith('{"meeting"')]
inyear = lambda d: d is not None and "2025-04-01" <= d <= "2026-03-31"
want = [c for c in cases if inyear(c["notification"]["notified"]["date"])
        or inyear(c.get("review", {}).get("meeting_date"))]
assert len(ret) == len(want) > 0, (len(ret), len(want))
for o, c in zip(ret, want):
    assert o["format"] == "cdop-ncmd-return/1" and o["year"] == "2025-26"
    assert o["cdop_ref"].startswith("CDOP-")
    assert o["notification"] == c["notification"]
    assert set(o) == {"format", "year", "cdop_ref", "status", "notification",
                      "joint_agency_response", "reporting", "analysis", "derived"}, set(o)
    d = o["derived"]
    assert d["notified_in_year"] == inyear(c["notification"]["notified"]["date"])
    assert d["age_band"] in ("0-27d", "28-364d", "1-4", "5-9", "10-14", "15-17")
    if "review" in c:
        a = o["analysis"]
        assert a["category"] == c["review"]["category"] and a["review_date"] == c["review"]["meeting_date"]
        assert a["category_label"]
        assert len(a["recommendations"]) == len(c["review"].get("recommendations", []))
    else:
        assert o["analysis"] is None
assert any(o["analysis"] for o in ret)
PY
as mo return ncmd --year 2025-26 --recipient "$R" --out "$T/ret.age"
expect_rc 1 "never overwrites"
as mo return ncmd --year 2025 --recipient "$R" --out "$T/r2.age"
expect_rc 1 "a bad year"; expect_err "--year" "names --year"
as mo return ncmd --year 2025-26 --recipient nope --out "$T/r2.age"
expect_rc 1 "a bad recipient"; expect_err "--recipient" "names --recipient"
[ ! -e "$T/r2.age" ] && pass || fail "nothing written when refused"
as ann return ncmd --year 2025-26 --recipient "$R" --out "$T/r2.age"
expect_rc 3 "an analyst may not"
as mo return ncmd --year 2025-26 --out "$T/r2.age"
expect_rc 2 "no recipient: usage"
as ada audit list --json
python3 -c 'import json,sys; e=[x for x in json.load(open(sys.argv[1])) if x["action"]=="return_ncmd"]; assert len(e)==1 and e[0]["object"]=="2025-26"' "$T/out" \
  && pass || fail "the return is audited once"
finish
