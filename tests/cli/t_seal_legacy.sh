#!/usr/bin/env bash
# Keys by role (issue 10): a register written before migration 008
# (tests/fixtures/pre008, made by the cdop of c63bbe8: the notification,
# rapid-response done_by/notes and an agency form in clear) is re-sealed
# at a manager's first unlock - every legacy row kind, one transaction,
# one `seal` audit entry. Other roles cannot seal and leave it as it is.
# The browser UI's login runs the same step (tests/web/t_web_seal_legacy.py).
. "$(dirname "$0")/lib.sh"
export CDOP_TODAY=2025-06-01
FIX=$SRC/tests/fixtures/pre008
cp "$FIX/register.cdop" "$REG"; cp "$FIX/register.cdop.keys" "$REG.keys"
chmod 600 "$REG" "$REG.keys"
for u in ada mo pat ann; do mkpass "$u"; done
text_of A "$FIX/case.txt"
# What anyone holding the (v1) master key reads with the stock shell.
v1sql() {
  python3 "$SRC/tests/cli/lib/v1key.py" "$REG.keys" pat pat-long-passphrase "$REG" "$1" \
    > "$T/sql" 2>"$T/sqlerr" || { echo "v1key: $(cat "$T/sqlerr")" >&2; exit 1; }
}
CLEAR="Quentin Jones|Rowan Tree|Petronella Vashti|Quarrendon"
v1sql ".dump"
[ "$(grep -oE "$CLEAR" "$T/sql" | sort -u | wc -l)" -eq 4 ] && pass || fail "fixture: the legacy rows are in clear"

as ada check; expect_rc 0 "the admin opens (and migrates) the old register"
as pat case list; expect_rc 0 "the panel lists"
v1sql "SELECT count(*) FROM case_documents WHERE sealed IS NULL;
SELECT typeof(done_by) || typeof(notes) FROM rr_actions WHERE done_by IS NOT NULL;
SELECT typeof(form) FROM agency_reports WHERE form IS NOT NULL;"
[ "$(tr '\n' ' ' < "$T/sql")" = "1 texttext text " ] && pass ||
  fail "admin and panel unlocks leave it as it was: $(cat "$T/sql")"

as mo case list; expect_rc 0 "the manager's first unlock"
v1sql "SELECT count(*) FROM case_documents WHERE sealed IS NULL;
SELECT typeof(done_by) || typeof(notes) FROM rr_actions WHERE done_by IS NOT NULL;
SELECT typeof(form) FROM agency_reports WHERE form IS NOT NULL;"
[ "$(tr '\n' ' ' < "$T/sql")" = "0 blobblob blob " ] && pass ||
  fail "every legacy row kind sealed: $(cat "$T/sql")"
v1sql ".dump"
if grep -qE "$CLEAR" "$T/sql"; then fail "a name is still in clear: $(grep -oE "$CLEAR" "$T/sql" | head -3)"; else pass; fi

as ada audit list --json
python3 - "$T/out" <<'PY' && pass || fail "one seal entry, by mo, with the counts"
import json, sys
e = [x for x in json.load(open(sys.argv[1])) if x['action'] == 'seal']
assert len(e) == 1 and e[0]['user'] == 'mo', e
assert e[0]['detail'] == '1 notifications, 3 response and agency fields sealed', e[0]
PY
as mo rr list "$A" --json; expect_rc 0 "rr list after sealing"
expect_out "PC Quentin Jones" "the manager reads done_by"
expect_out "visited with Dr Rowan Tree" "the manager reads notes"
as mo case show "$A" --json; expect_rc 0 "case show after sealing"
expect_out "Dr Petronella Vashti" "the manager reads the agency form"
expect_out "Quarrendon" "the manager reads the notification"
as pat case show "$A" --json; expect_rc 0 "the panel's view"
file_lacks "$T/out" "Quarrendon" "the panel's view has no name"
as mo case list; expect_rc 0 "a second unlock"
as ada audit list --json
python3 -c "import json,sys; assert sum(x['action']=='seal' for x in json.load(open(sys.argv[1])))==1" "$T/out" \
  && pass || fail "sealed once only"
as ada check; expect_rc 0 "check after sealing"
finish
