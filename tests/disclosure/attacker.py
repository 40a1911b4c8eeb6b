#!/usr/bin/python3
"""An attacker on the public editions of the annual report (issue 11,
must-show 2), written apart from cdop's suppression code: it reads only the
published JSON files and SPEC §5, and uses scipy's MILP solver (HiGHS), not
GLPK.

    attacker.py [--first] DIR [K/N]
                             DIR/manifest.json lists the scenarios; with
                             K/N only those of the registers whose number
                             modulo N is K (a part of them: property.sh);
                             with --first it stops after the first scenario
                             with a pinned cell (the exit status is the
                             same: property.sh's check that the rules alone
                             are attackable needs no more)

For each scenario (one or more editions; "same": made from the same data,
"grew": the later one after cases were added) it builds the integer
program of what a reader knows and tries to pin every hidden cell: a cell
is pinned when its minimum equals its maximum over all integer tables
consistent with the editions. Exit 1 naming the cells pinned, else 0.

What the reader knows (docs/disclosure.md):
  DfE: a number is exact, "x" is >= 1.
  NHS: 0 is 0; a rounded v is v-2..v+2 and >= 8 (1..7 would be "*");
       "*" is 1..7; "x" (withheld to protect another, small or not) is >= 1.
  Every "total" row or column is the sum of its line; the reviews_by_*
  tables have one total row; their grand total is review_duration's and
  referrals'; notifications' unexpected total is every
  joint_agency_response row's unexpected_deaths; done <= unexpected_deaths,
  done_within_target <= done; each theme <= the number of reviews;
  meetings: every agency row's meetings = meetings held, attended <=
  meetings, an agency's attended <= held's attended <= their sum.
  "grew": every cell of the later data >= the earlier one's.
"""
import json
import os
import sys

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import coo_matrix

CAP = 10 ** 7
REVIEW_TABLES = ["reviews_by_category", "reviews_by_age", "reviews_by_sex",
                 "reviews_by_ethnicity", "reviews_by_expected", "reviews_by_place"]


def count_columns(table):
    return [i for i, c in enumerate(table["columns"]) if c != "attendance_percent"]


def layout(edition):
    """cell key (table, row, col) -> index, in a fixed order."""
    keys = []
    for tid in sorted(edition["tables"]):
        t = edition["tables"][tid]
        for r in range(len(t["rows"])):
            for c in count_columns(t):
                keys.append((tid, r, c))
    return {k: i for i, k in enumerate(keys)}


def bounds_of(policy, v):
    if policy == "dfe":
        return (1, CAP) if v == "x" else (v, v)
    if v == "*":
        return (1, 7)
    if v == "x":
        return (1, CAP)
    if v == 0:
        return (0, 0)
    return (max(8, v - 2), v + 2)


def relations(tables, idx, base):
    """Rows (dict var -> coef, lo, hi) of one version."""
    rows = []

    def v(tid, r, c):
        return base + idx[(tid, r, c)]

    def eq(a, b):
        rows.append(({a: 1, b: -1}, 0, 0))

    def le(a, b):  # a <= b
        rows.append(({a: 1, b: -1}, -np.inf, 0))

    for tid, t in tables.items():
        cols = count_columns(t)
        nrow = len(t["rows"])
        if t["rows"][-1]["label"] == "total":
            for c in cols:
                terms = {v(tid, r, c): 1 for r in range(nrow - 1)}
                terms[v(tid, nrow - 1, c)] = -1
                rows.append((terms, 0, 0))
        if t["columns"][cols[-1]] == "total":
            for r in range(nrow):
                terms = {v(tid, r, c): 1 for c in cols[:-1]}
                terms[v(tid, r, cols[-1])] = -1
                rows.append((terms, 0, 0))
    cat = tables["reviews_by_category"]
    last = len(cat["rows"]) - 1
    for tid in REVIEW_TABLES[1:]:
        for c in range(4):
            eq(v(tid, len(tables[tid]["rows"]) - 1, c), v("reviews_by_category", last, c))
    grand = v("reviews_by_category", last, 3)
    eq(v("review_duration", len(tables["review_duration"]["rows"]) - 1, 0), grand)
    eq(v("referrals", len(tables["referrals"]["rows"]) - 1, 0), grand)
    unexpected = v("notifications", 1, 2)
    for r in range(len(tables["joint_agency_response"]["rows"])):
        eq(v("joint_agency_response", r, 0), unexpected)
        le(v("joint_agency_response", r, 1), v("joint_agency_response", r, 0))
        le(v("joint_agency_response", r, 2), v("joint_agency_response", r, 1))
    for r in range(len(tables["themes"]["rows"])):
        le(v("themes", r, 0), grand)
    meet = tables["meetings"]
    for r in range(len(meet["rows"])):
        le(v("meetings", r, 1), v("meetings", r, 0))
        if r > 0:
            eq(v("meetings", r, 0), v("meetings", 0, 0))
            le(v("meetings", r, 1), v("meetings", 0, 1))
    terms = {v("meetings", 0, 1): 1}
    for r in range(1, len(meet["rows"])):
        terms[v("meetings", r, 1)] = -1
    rows.append((terms, -np.inf, 0))
    return rows


def attack(dirname, sc):
    eds = [json.load(open(os.path.join(dirname, f))) for f in sc["editions"]]
    idx = layout(eds[0])
    n = len(idx)
    versions = 1 if sc["link"] == "same" else len(eds)
    ver = [0] * len(eds) if sc["link"] == "same" else list(range(len(eds)))
    nvar = n * versions
    lo = np.zeros(nvar)
    hi = np.full(nvar, float(CAP))
    hidden = [dict() for _ in range(versions)]  # index -> first edition hiding it
    exact = [dict() for _ in range(versions)]   # index -> first edition showing it exactly
    for e, ed in enumerate(eds):
        policy = ed["disclosure"]
        for (tid, r, c), i in idx.items():
            cellv = ed["tables"][tid]["rows"][r]["cells"][c]
            a, b = bounds_of(policy, cellv)
            j = ver[e] * n + i
            lo[j] = max(lo[j], a)
            hi[j] = min(hi[j], b)
            if isinstance(cellv, str):
                hidden[ver[e]].setdefault(i, e)
            elif policy == "dfe":
                exact[ver[e]].setdefault(i, e)
    problems = []
    names = {i: k for k, i in idx.items()}
    protect = []
    for vv in range(versions):
        for i, e in hidden[vv].items():
            if i in exact[vv] and exact[vv][i] < e:
                continue  # published exactly before it was hidden: public already
            if i in exact[vv]:
                problems.append(("shown exactly after it was hidden", names[i]))
                continue
            protect.append(vv * n + i)
    if np.any(lo > hi):
        return ["editions contradict each other"], 0
    rows = []
    for vv in range(versions):
        rows += relations(eds[0]["tables"], idx, vv * n)
    if sc["link"] == "grew":
        for vv in range(1, versions):
            for i in range(n):
                rows.append(({vv * n + i: 1, (vv - 1) * n + i: -1}, 0, np.inf))
    ri, ci, val, rlo, rhi = [], [], [], [], []
    for k, (terms, a, b) in enumerate(rows):
        for var, coef in terms.items():
            ri.append(k)
            ci.append(var)
            val.append(coef)
        rlo.append(a)
        rhi.append(b)
    A = coo_matrix((val, (ri, ci)), shape=(len(rows), nvar)).tocsr()
    rlo_a, rhi_a = np.array(rlo), np.array(rhi)
    cons = LinearConstraint(A, rlo_a, rhi_a)
    integ = np.ones(nvar)
    bnds = Bounds(lo, hi)
    solves = 0

    def solve(cost):
        nonlocal solves
        solves += 1
        # HiGHS's presolve (scipy 1.10) sometimes calls a feasible problem
        # infeasible, or stops at a worse "optimum", when variables run up
        # to CAP: it is off.
        res = milp(cost, constraints=cons, integrality=integ, bounds=bnds,
                   options={"presolve": False})
        if res.status != 0:
            raise RuntimeError(f"milp status {res.status}: {res.message}")
        x = np.round(res.x)
        # "Not pinned" rests on these tables: check them exactly.
        ax = A @ x
        if not (np.all(x >= lo) and np.all(x <= hi) and np.all(ax >= rlo_a)
                and np.all(ax <= rhi_a)):
            raise RuntimeError("milp returned a table that breaks a relation")
        return x

    rng = np.random.default_rng(7)
    pool = [solve(rng.standard_normal(nvar))]
    wmin = np.min(pool, axis=0)
    wmax = np.max(pool, axis=0)
    # Push every cell not yet seen to move down together, then up.
    for sign in (1, -1):
        cost = np.zeros(nvar)
        for j in protect:
            if wmax[j] == wmin[j]:
                cost[j] = sign
        if not cost.any():
            break
        x = solve(cost)
        wmin = np.minimum(wmin, x)
        wmax = np.maximum(wmax, x)
    for j in protect:
        if wmax[j] > wmin[j]:
            continue
        for sign in (1, -1):
            cost = np.zeros(nvar)
            cost[j] = sign
            x = solve(cost)
            wmin = np.minimum(wmin, x)
            wmax = np.maximum(wmax, x)
            if wmax[j] > wmin[j]:
                break
        if wmax[j] == wmin[j]:
            vv, i = divmod(j, n)
            problems.append((f"pinned to {int(wmin[j])} (data version {vv})", names[i]))
    return problems, solves


def main():
    args = sys.argv[1:]
    first = args[:1] == ["--first"]
    if first:
        args = args[1:]
    dirname = args[0]
    manifest = json.load(open(os.path.join(dirname, "manifest.json")))
    if len(args) > 1:
        k, n = (int(x) for x in args[1].split("/"))
        manifest = [sc for sc in manifest if sc["register"] % n == k]
    bad = 0
    solves = 0
    kinds = {}
    attacked = set()
    for sc in manifest:
        attacked.add(sc["register"])
        problems, k = attack(dirname, sc)
        solves += k
        kinds[sc["scenario"]] = kinds.get(sc["scenario"], 0) + 1
        if problems:
            bad += 1
            print(f"register {sc['register']} {sc['scenario']} {sc['editions']}: {problems}")
            if first:
                print("attacker: stopped at the first scenario with a pinned cell (--first)")
                break
    regs = len(attacked)
    print(f"attacker: {regs} registers, scenarios {kinds}, {solves} integer programs, "
          f"{bad} scenarios with a pinned hidden cell")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
