#!/usr/bin/env bash
# Import and export (SPEC §4): round trip, all-or-nothing import with the
# line and field named for every rule of SPEC §3, --dry-run, roles.
. "$(dirname "$0")/lib.sh"

export CDOP_TODAY=2025-06-01
from_template  # new_register; add_user mo manager, pat panel, ann analyst

# count: N, the number of cases the manager sees
# (N, not printed: a call in $(...) would start cdop, not ask the fork server)
count() { as mo case list --json; json_count -v N "$T/out"; }
# imports: N, the number of import entries in the audit trail
# (the audit list is printed one member a line: one "action" line each)
imports() { as ada audit list --json; N=$(grep -c '^    "action": "import",$' "$T/out"); }

# -- a synthetic data set with every part of the format (and the smaller
#    ones used below: one python for all of them)
gen_cases "$T/gen.jsonl 200 42" "$T/good10.jsonl 10 43 --surname-prefix Zz" \
  "$T/five.jsonl 5 45 --surname-prefix Yy" "$T/dupin.jsonl 10 47 --surname-prefix Ww" \
  "$T/bom.jsonl 5 46 --surname-prefix Xx"
python3 - "$T/gen.jsonl" <<'PY' && pass || fail "generated data lacks some part of the format"
import json, sys
L = [json.loads(l) for l in open(sys.argv[1])]
assert len(L) == 200
assert sum('review' in x for x in L) > 40
assert sum(bool(x.get('rapid_response')) for x in L) > 20
assert sum(bool(x.get('agency_reports')) for x in L) > 50
recs = [r for x in L for r in x.get('review', {}).get('recommendations', [])]
assert len(recs) > 10 and any('completed' in r for r in recs)
assert any(x.get('status') == 'closed' for x in L)
assert any('form' in r for x in L for r in x.get('agency_reports', []))
assert any('status' not in x for x in L)
PY

as mo import "$T/gen.jsonl"
expect_rc 0 "import 200 cases"
expect_out "imported 200 cases" "import: count on stdout"
count; [ "$N" = 200 ] && pass || fail "200 cases after import"
imports; [ "$N" = 1 ] && pass || fail "one import entry in the audit trail"
python3 - "$T/out" <<'PY' && pass || fail "import audit entry: count and references, no names"
import json, sys
e = [x for x in json.load(open(sys.argv[1])) if x['action'] == 'import'][-1]
assert e['user'] == 'mo' and e['object'] == '200 cases', e
assert e['detail'].startswith('CDOP-') and '..CDOP-' in e['detail'], e
PY

# -- export: file 0600, warning, never overwrites, audited
as mo export --out "$T/e1.jsonl"
expect_rc 0 "export"
expect_out "exported 200 cases" "export: count"
expect_err "identifiable" "export warns the file is identifiable"
[ "$(stat -c %a "$T/e1.jsonl")" = 600 ] && pass || fail "export file mode $(stat -c %a "$T/e1.jsonl")"
[ "$(grep -vc '^{"meeting":' "$T/e1.jsonl")" = 200 ] && pass || fail "export has 200 case lines"
ls -a "$T" | grep -q '\.cdop-export-' && fail "temporary export file left behind" || pass
cp "$T/e1.jsonl" "$T/e1.copy"
as mo export --out "$T/e1.jsonl"
expect_rc 1 "export over an existing file"
expect_err "already exists" "export over existing: message"
same_file "$T/e1.jsonl" "$T/e1.copy" && pass || fail "existing file changed by a refused export"
as mo export --out "$T/no/such/dir/e.jsonl"
expect_rc 5 "export into a missing directory"  # one outfile rule: exit 5, as pack and backup
"$CDOP" --register "$REG" --user mo --passphrase-file "$T/mo.pass" export --out - \
  2>"$T/err" </dev/null | cat > "$T/e1.pipe"
same_file "$T/e1.jsonl" "$T/e1.pipe" && pass || fail "export --out - differs from the file"
as ada audit list --json
python3 - "$T/out" <<'PY' && pass || fail "export audit entries"
import json, sys
e = [x for x in json.load(open(sys.argv[1])) if x['action'] == 'export']
assert len(e) == 2 and all(x['object'] == '200 cases' for x in e), e
PY

# -- the records come back as they went in (normalised: NHS without spaces,
#    derived statuses, agency reports by agency)
python3 - "$T/gen.jsonl" "$T/e1.jsonl" <<'PY' && pass || fail "export differs from what was imported"
import json, sys
def norm(x):
    c = x['notification']['child']
    if 'nhs_number' in c:
        c['nhs_number'] = c['nhs_number'].replace(' ', '')
    x.setdefault('status', 'reviewed' if 'review' in x else 'notified')
    x['rapid_response'] = sorted(x.get('rapid_response', []), key=lambda a: a['action'])
    x['agency_reports'] = sorted(x.get('agency_reports', []), key=lambda a: a['agency'])
    return x
a = [norm(json.loads(l)) for l in open(sys.argv[1])]
b = [norm(json.loads(l)) for l in open(sys.argv[2]) if not l.startswith('{"meeting":')]
assert a == b
PY

# -- export -> import into an empty register -> export: the same bytes,
#    the same references
REG1=$REG
REG=$T/reg2.cdop
mkpass ada
"$CDOP" --register "$REG" --passphrase-file "$T/ada.pass" init --admin ada --kdf test \
  --recovery-out "$T/recovery2.txt" >/dev/null 2>&1 </dev/null
as ada user add mo --role manager --new-passphrase-file "$T/mo.pass"
as mo import "$T/e1.jsonl"
expect_rc 0 "import the export into an empty register"
as mo export --out "$T/e2.jsonl"
expect_rc 0 "export again"
same_file "$T/e1.jsonl" "$T/e2.jsonl" && pass || fail "export -> import -> export is not byte-identical"
as mo case list --json; cp "$T/out" "$T/list2.json"
REG=$REG1
as mo case list --json; cp "$T/out" "$T/list1.json"
python3 - "$T/list1.json" "$T/list2.json" <<'PY' && pass || fail "references differ after the round trip"
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:])
assert [x['ref'] for x in a] == [x['ref'] for x in b] and len(a) == 200
PY

# -- bad lines: each breaks one rule on line 6 of 10; exit 1, the line and
#    the field named, nothing written
# mk_bad NAME...: $T/bad-NAME.jsonl = good10 with line 6 broken as NAME
# says, for each NAME (one python for all of them)
mk_bad() {
  python3 - "$T/good10.jsonl" "$T/bad-%s.jsonl" "$@" <<'PY'
import json, sys
src, dst = sys.argv[1:3]
lines = open(src).read().splitlines()
for what in sys.argv[3:]:
    L = [json.loads(l) for l in lines]
    x = L[5]
    n = x['notification']; c = n['child']; d = n['death']; nt = n['notified']
    def only_notification():
        for k in ('rapid_response', 'agency_reports', 'review'):
            x.pop(k, None)
        x['status'] = 'notified'
    def review():
        return {"category": 5, "domains": {"child": 1, "social_environment": 1,
                "physical_environment": 1, "service_provision": 1}, "modifiable": "no",
                "meeting_date": "2025-05-15"}
    if what == 'nhs':            c['nhs_number'] = '1234567890'
    elif what == 'nhs_short':    c['nhs_number'] = '943476591'
    elif what == 'date':         d['date'] = '2024-02-30'
    elif what == 'dob_after':    only_notification(); c['date_of_birth'] = d['date']; d['date'] = '2010-01-01'; c['date_of_birth'] = '2010-01-02'
    elif what == 'death_after':  only_notification(); nt['date'] = d['date']; d['date'] = '2025-05-20'; nt['date'] = '2025-05-19'
    elif what == 'future':       only_notification(); nt['date'] = '2025-06-02'
    elif what == 'age18':        only_notification(); d['date'] = '2025-05-01'; nt['date'] = '2025-05-02'; c['date_of_birth'] = '2007-05-01'
    elif what == 'required':     del c['forename']
    elif what == 'unknown_member': c['shoe_size'] = 3
    elif what == 'sex':          c['sex'] = 'femal'
    elif what == 'ethnicity':    c['ethnicity'] = 'Q'
    elif what == 'place':        d['place'] = 'car'
    elif what == 'expected':     d['expected'] = 'maybe'
    elif what == 'looked_after': c['looked_after'] = 'perhaps'
    elif what == 'cpp':          c['child_protection_plan'] = 'perhaps'
    elif what == 'by_agency':    nt['by_agency'] = 'fire'
    elif what == 'rr_action':    x['rapid_response'] = [{"action": "dance", "on": d['date']}]
    elif what == 'rr_before':    x['rapid_response'] = [{"action": "home_visit", "on": "2000-01-01"}]
    elif what == 'agency':       x['agency_reports'] = [{"agency": "mayor", "requested": nt['date']}]
    elif what == 'status':       x['status'] = 'lost'
    elif what == 'status_review': x.pop('review', None); x['status'] = 'reviewed'
    elif what == 'category':     r = review(); r['category'] = 11; x['review'] = r
    elif what == 'domain':       r = review(); r['domains']['child'] = 3; x['review'] = r
    elif what == 'modifiable':   r = review(); r['modifiable'] = 'maybe'; x['review'] = r
    elif what == 'contradiction': r = review(); r['domains']['child'] = 2; x['review'] = r
    elif what == 'insufficient': r = review(); r['modifiable'] = 'insufficient_information'; x['review'] = r
    elif what == 'theme':        r = review(); r['themes'] = ['weather']; x['review'] = r
    elif what == 'owner':        r = review(); r['recommendations'] = [{"text": "t", "owner": "mayor", "due": "2026-01-01"}]; x['review'] = r
    elif what == 'dup_nhs':      c['nhs_number'] = L[1]['notification']['child']['nhs_number']
    elif what == 'dup_person':
        o = L[1]['notification']
        o['child'].pop('nhs_number', None); c.pop('nhs_number', None)
        c['surname'] = o['child']['surname'].upper(); c['date_of_birth'] = o['child']['date_of_birth']
        d['date'] = o['death']['date']; nt['date'] = o['notified']['date']
        only_notification()
    elif what == 'dup_register': pass  # replaced below
    else: raise SystemExit('unknown mutation ' + what)
    out = [json.dumps(y) for y in L]
    if what == 'dup_register':
        out[5] = open(sys.argv[1].replace('good10', 'gen')).readline().rstrip('\n')
    open(dst % what, 'w').write('\n'.join(out) + '\n')
PY
}
# bad_case NAME FIELD [TEXT]: line 6 broken as NAME is refused, naming FIELD
# (and saying TEXT)
# (the file imported as mk_bad made it: no copy, a process each, to one name)
bad_case() {
  as mo import "$T/bad-$1.jsonl"
  expect_rc 1 "bad line ($1)"
  expect_err "line 6: " "bad line ($1): names the line"
  expect_err "$2" "bad line ($1): names the field"
  [ -n "${SHOW_ERR:-}" ] && cat "$T/err"
  [ -z "${3:-}" ] || expect_err "$3" "bad line ($1): says '$3'"
  count; [ "$N" = 200 ] && pass || fail "bad line ($1): case count changed"
}
imports; before=$N
mk_bad nhs nhs_short date dob_after death_after future age18 required \
  unknown_member sex ethnicity place expected looked_after cpp by_agency \
  rr_action rr_before agency status status_review category domain modifiable \
  contradiction insufficient theme owner dup_nhs dup_person dup_register
bad_case nhs            "notification.child.nhs_number"
bad_case nhs_short      "notification.child.nhs_number"
bad_case date           "notification.death.date"
bad_case dob_after      "notification.death.date"
bad_case death_after    "notification.notified.date"
bad_case future         "notification.notified.date"
bad_case age18          "notification.child.date_of_birth"
bad_case required       "notification.child.forename"
bad_case unknown_member "notification.child.shoe_size"
bad_case sex            "notification.child.sex"
bad_case ethnicity      "notification.child.ethnicity"
bad_case place          "notification.death.place"
bad_case expected       "notification.death.expected"
bad_case looked_after   "notification.child.looked_after"
bad_case cpp            "notification.child.child_protection_plan"
bad_case by_agency      "notification.notified.by_agency"
bad_case rr_action      "rapid_response[0].action"
bad_case rr_before      "rapid_response[0].on"
bad_case agency         "agency_reports[0].agency"
bad_case status         "status"
bad_case status_review  "status"
bad_case category       "review.category"
bad_case domain         "review.domains.child"
bad_case modifiable     "review.modifiable"
bad_case contradiction  "review.modifiable"
bad_case insufficient   "review.modifiable"
bad_case theme          "review.themes"
bad_case owner          "review.recommendations[0].owner"
bad_case dup_nhs        "notification.child.nhs_number" "duplicate: line 2 of this file"
bad_case dup_person     "notification.child.surname" "duplicate: line 2 of this file"
bad_case dup_register   "notification.child.nhs_number" "duplicate: case CDOP-"
# malformed JSON, not an object, an over-long line
head -5 "$T/good10.jsonl" > "$T/bad.jsonl"
printf '{"notification": {"child": \n' >> "$T/bad.jsonl"
tail -4 "$T/good10.jsonl" >> "$T/bad.jsonl"
as mo import "$T/bad.jsonl"
expect_rc 1 "malformed JSON"
expect_err "line 6: not valid JSON" "malformed JSON: message"
expect_err "at column" "malformed JSON: column"
head -5 "$T/good10.jsonl" > "$T/bad.jsonl"; echo '[1, 2]' >> "$T/bad.jsonl"
as mo import "$T/bad.jsonl"
expect_rc 1 "a line that is not an object"
expect_err "line 6: " "not an object: names the line"
head -5 "$T/good10.jsonl" > "$T/bad.jsonl"
# ({"x": "a...a"} with 32 MiB + 100 a's: head and tr stream it, where a
# python built the line in memory, ~a second of CPU in page faults)
{ printf '{"x": "'; head -c $((32 * 1024 * 1024 + 100)) /dev/zero | tr '\0' a; printf '"}\n'; } >> "$T/bad.jsonl"
as mo import "$T/bad.jsonl"
expect_rc 1 "an over-long line"
expect_err "line 6: longer than" "over-long line: message"
count; [ "$N" = 200 ] && pass || fail "case count changed by bad files"
imports; [ "$N" = "$before" ] && pass || fail "a refused import was audited"
as ada check
expect_rc 0 "check after refused imports"

# -- blank lines are skipped but counted
{ head -2 "$T/good10.jsonl"; printf '\n  \n'; sed -n 3p "$T/good10.jsonl";
  echo '{"notification": 1}'; } > "$T/bad.jsonl"
as mo import "$T/bad.jsonl"
expect_rc 1 "error after blank lines"
expect_err "line 6: notification" "line numbers count blank lines"

# -- --dry-run writes nothing, then the real import
as mo import "$T/good10.jsonl" --dry-run
expect_rc 0 "dry run"
expect_out "would import 10 cases" "dry run: report"
expect_out "nothing was written" "dry run: says so"
count; [ "$N" = 200 ] && pass || fail "dry run wrote cases"
imports; [ "$N" = "$before" ] && pass || fail "dry run was audited as an import"
cp "$T/bad-nhs.jsonl" "$T/bad.jsonl"
as mo import --dry-run "$T/bad.jsonl"
expect_rc 1 "dry run of a bad file"
expect_err "line 6: notification.child.nhs_number" "dry run of a bad file: message"
{ head -3 "$T/good10.jsonl"; echo; tail -7 "$T/good10.jsonl"; } > "$T/blank.jsonl"
as mo import "$T/blank.jsonl"
expect_rc 0 "import with a blank line"
expect_out "imported 10 cases" "blank lines are not cases"
count; [ "$N" = 210 ] && pass || fail "210 cases after the second import"

# -- standard input (a pipe: no rereading), a byte order mark
"$CDOP" --register "$REG" --user mo --passphrase-file "$T/mo.pass" import - \
  <"$T/five.jsonl" >"$T/out" 2>"$T/err"; RC=$?
expect_rc 0 "import from standard input"
expect_out "imported 5 cases" "standard input: count"
{ cat "$T/dupin.jsonl"; sed -n 2p "$T/dupin.jsonl"; } | "$CDOP" --register "$REG" \
  --user mo --passphrase-file "$T/mo.pass" import - >"$T/out" 2>"$T/err"; RC=$?
expect_rc 1 "duplicate on standard input"
expect_err "line 11: notification.child.nhs_number: duplicate: an earlier line" \
  "duplicate on standard input: message"
{ printf '\xef\xbb\xbf'; cat "$T/bom.jsonl"; } > "$T/bom2.jsonl"
as mo import "$T/bom2.jsonl"
expect_rc 0 "import of a file with a byte order mark"
count; [ "$N" = 220 ] && pass || fail "220 cases after stdin and BOM imports"

# -- roles, usage, files
as pat import "$T/good10.jsonl"
expect_rc 3 "panel may not import"
expect_err "may not run 'import'" "panel import: message"
as ann export --out "$T/x.jsonl"
expect_rc 3 "analyst may not export"
as ada import "$T/good10.jsonl"
expect_rc 3 "admin may not import"
as pat export --out "$T/x.jsonl"
expect_rc 3 "panel may not export"
[ ! -e "$T/x.jsonl" ] && pass || fail "refused export wrote a file"
as mo import
expect_rc 2 "import without a file"
as mo import a.jsonl b.jsonl
expect_rc 2 "import with two files"
as mo export
expect_rc 2 "export without --out"
as mo import "$T/none.jsonl"
expect_rc 1 "import of a missing file"
expect_err "cannot read" "missing file: message"
as mo import "$T"
expect_rc 1 "import of a directory"
: > "$T/empty.jsonl"
as mo import "$T/empty.jsonl"
expect_rc 0 "import of an empty file"
expect_out "imported 0 cases" "empty file: nothing imported"

as ada audit verify
expect_rc 0 "audit chain after imports and exports"
as ada check
expect_rc 0 "check at the end"
finish
