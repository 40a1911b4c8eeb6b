#!/usr/bin/env python3
"""Checks cdop's board report (JSON) against the baseline's plain SQL counts.

usage: compare.py BASELINE.out BOARD.json

BASELINE.out holds TABLE|ROW|COLUMN|COUNT lines from baseline.sql; counts
it lacks are 0. Totals are the sums of their lines. Prints "same" and exits
0, or lists the differing cells and exits 1.
"""
import json
import sys


def main(base_path, json_path):
    base = {}
    for line in open(base_path):
        line = line.rstrip("\n")
        if not line:
            continue
        t, r, c, n = line.split("|")
        base[(t, r, c)] = base.get((t, r, c), 0) + int(n or 0)
    report = json.load(open(json_path))["tables"]
    bad = []
    for tid, tab in report.items():
        cols = tab["columns"]
        rows = [r["label"] for r in tab["rows"]]
        want = {}
        for r in rows:
            for c in cols:
                if tid == "joint_agency_response" and c == "unexpected_deaths":
                    want[(r, c)] = base.get((tid, "all", c), 0)
                elif tid == "meetings" and c == "meetings":
                    want[(r, c)] = base.get((tid, "held", c), 0)
                else:
                    want[(r, c)] = base.get((tid, r, c), 0)
        if "total" in cols:
            for r in rows:
                want[(r, "total")] = sum(want[(r, c)] for c in cols if c != "total")
        if "total" in rows:
            for c in cols:
                want[("total", c)] = sum(want[(r, c)] for r in rows if r != "total")
        for row in tab["rows"]:
            for c, got in zip(cols, row["cells"]):
                if c == "attendance_percent":
                    m = want[(row["label"], "meetings")]
                    a = want[(row["label"], "attended")]
                    exp = None if m == 0 else (a * 1000 + m // 2) // m / 10
                    if got != exp:
                        bad.append((tid, row["label"], c, got, exp))
                elif got != want[(row["label"], c)]:
                    bad.append((tid, row["label"], c, got, want[(row["label"], c)]))
    if bad:
        for b in bad[:40]:
            print("differs: %s %s %s: cdop %s, baseline %s" % b)
        return 1
    print("same")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
