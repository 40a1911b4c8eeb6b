#!/usr/bin/env python3
"""The benchmark's baseline: what a user would write instead of cdop.

usage: baseline.py load FILE.jsonl DB
       baseline.py report DB YYYY-YY OUT.json

load: the JSON Lines (SPEC section 4) into an unencrypted SQLite file, in one
transaction; each case kept whole as its JSON line, with the columns the
report groups by beside it. No indexes, no validation, no audit trail.
report: the annual review tables (SPEC section 5) for one year, by GROUP BY
queries, written as JSON. Standard library only. Not part of cdop.
"""
import json
import sqlite3
import sys

SCHEMA = """
CREATE TABLE cases (id INTEGER PRIMARY KEY, doc TEXT, notified_date TEXT,
  date_of_birth TEXT, death_date TEXT, sex TEXT, ethnicity TEXT, place TEXT,
  expected TEXT, resident INTEGER);
CREATE TABLE reviews (case_id INTEGER, meeting_date TEXT, category INTEGER,
  modifiable TEXT);
"""


def load(path, db_path):
    db = sqlite3.connect(db_path)
    db.executescript(SCHEMA)
    with db, open(path) as f:
        for line in f:
            case = json.loads(line)
            if "notification" not in case:
                continue  # a meetings line
            n = case["notification"]
            child, death = n["child"], n["death"]
            cur = db.execute(
                "INSERT INTO cases VALUES (NULL, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (line, n["notified"]["date"], child["date_of_birth"], death["date"],
                 child["sex"], child.get("ethnicity"), death["place"],
                 death["expected"], child.get("resident", True)))
            r = case.get("review")
            if r:
                db.execute("INSERT INTO reviews VALUES (?, ?, ?, ?)",
                           (cur.lastrowid, r["meeting_date"], r["category"],
                            r["modifiable"]))
    db.close()


AGE = """CASE WHEN julianday(death_date) - julianday(date_of_birth) < 28 THEN '0-27d'
  WHEN date(date_of_birth, '+1 year') > death_date THEN '28-364d'
  WHEN date(date_of_birth, '+5 years') > death_date THEN '1-4'
  WHEN date(date_of_birth, '+10 years') > death_date THEN '5-9'
  WHEN date(date_of_birth, '+15 years') > death_date THEN '10-14' ELSE '15-17' END"""
ETHNICITY = """CASE WHEN ethnicity IN ('A','B','C') THEN 'white'
  WHEN ethnicity IN ('D','E','F','G') THEN 'mixed'
  WHEN ethnicity IN ('H','J','K','L') THEN 'asian'
  WHEN ethnicity IN ('M','N','P') THEN 'black'
  WHEN ethnicity IN ('R','S') THEN 'other' ELSE 'not_stated' END"""
PLACE = """CASE WHEN place IN ('hospital_ed','hospital_ward','neonatal_unit',
  'intensive_care') THEN 'hospital' WHEN place = 'hospice' THEN 'hospice'
  WHEN place IN ('home','other_residence') THEN 'home'
  WHEN place = 'not_known' THEN 'not_known' ELSE 'other' END"""
BY = {"category": "category", "age": AGE, "sex": "sex", "ethnicity": ETHNICITY,
      "expected": "expected", "place": PLACE}
MODIFIABLE = ["yes", "no", "insufficient_information"]


def report(db_path, year, out_path):
    db = sqlite3.connect(db_path)
    first, last = year[:4] + "-04-01", str(int(year[:4]) + 1) + "-03-31"
    tables = {}
    rows = {}
    for e, res, count in db.execute(
            "SELECT expected, resident, count(*) FROM cases"
            " WHERE notified_date BETWEEN ? AND ? GROUP BY 1, 2", (first, last)):
        row = rows.setdefault(e, [0, 0, 0])
        row[0 if res else 1] += count
        row[2] += count
    tables["notifications"] = {
        "columns": ["resident", "non_resident", "total"],
        "rows": [{"label": k, "cells": v} for k, v in sorted(rows.items())]}
    for name, expr in BY.items():
        rows = {}
        for label, modifiable, count in db.execute(
                f"SELECT {expr}, modifiable, count(*) FROM reviews"
                " JOIN cases ON cases.id = reviews.case_id"
                " WHERE meeting_date BETWEEN ? AND ? GROUP BY 1, 2", (first, last)):
            row = rows.setdefault(label, [0, 0, 0, 0])
            row[MODIFIABLE.index(modifiable)] += count
            row[3] += count
        tables["reviews_by_" + name] = {
            "columns": MODIFIABLE + ["total"],
            "rows": [{"label": k, "cells": v} for k, v in sorted(rows.items())]}
    with open(out_path, "w") as f:
        json.dump({"year": year, "tables": tables}, f, indent=1)
    db.close()


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "load":
        load(sys.argv[2], sys.argv[3])
    elif len(sys.argv) == 5 and sys.argv[1] == "report":
        report(sys.argv[2], sys.argv[3], sys.argv[4])
    else:
        sys.exit(__doc__)
