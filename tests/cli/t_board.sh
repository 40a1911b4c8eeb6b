#!/usr/bin/env bash
# Issue 14, a report a board would publish: config (panel name, area,
# population), the name in every edition and format, a five-year trend with
# rates, a narrative from Markdown (escaped, checked for identifiers,
# signed), labels not ids in Markdown, learning naming an identifier left
# out; and `verify --key` with no register, agreeing with stock minisign.
. "$(dirname "$0")/lib.sh"
export CDOP_TODAY=2025-10-01
from_template
M() { as mo "$@"; }
cfg() { as ada config "$@"; }

# -- config
cfg show; expect_rc 0 "config show"; expect_out "panel.name" "lists keys"
cfg set panel.name "Wessex"; expect_rc 0 "set panel.name"
cfg set panel.area "Wiltshire and Swindon"; expect_rc 0 "set panel.area"
cfg set population.under_18 abc; expect_rc 1 "population not a number"; expect_err "population.under_18" "names the key"
cfg set population.under_18 0; expect_rc 1 "population zero"
cfg set population.under_18 2500; expect_rc 0 "set population"
cfg set panel.colour blue; expect_rc 1 "unknown key"; expect_err "panel.name, panel.area" "lists valid keys"
cfg set panel.name "$(printf 'a\tb')"; expect_rc 1 "control characters"
M config set panel.name X; expect_rc 3 "manager may not configure"
cfg show --json
python3 -c "
import json,sys; c={x['key']:x['value'] for x in json.load(open(sys.argv[1]))}
assert c=={'panel.name':'Wessex','panel.area':'Wiltshire and Swindon','population.under_18':'2500'}, c" "$T/out" \
  && pass || fail "config show --json"
as ada audit list --json; file_has "$T/out" '"config_set"' -F && pass || fail "config audited"

# -- cases over three years: 2023-24 (2 notified, 1 reviewed), 2024-25, 2025-26
n() { # surname nhs died notified
  cat <<EOJ
{"child": {"forename": "Rowan", "surname": "$1", "nhs_number": "$2", "date_of_birth": "2015-02-02",
 "sex": "female", "address": "4 Sorrel Way, Town", "postcode": "SN4 4SS", "resident": true},
 "death": {"date": "$3", "place": "hospital_ward", "expected": "expected"},
 "notified": {"date": "$4", "by_agency": "hospital"}}
EOJ
}
rev() { cat > "$T/r.json" <<EOJ
{"category": $1, "domains": {"child": 1, "social_environment": 2, "physical_environment": 1,
 "service_provision": 1}, "modifiable": "yes", "themes": [],
 "learning": "$2", "learning_publishable": true, "recommendations": [], "referred_for_review": false}
EOJ
}
add() { # surname nhs died notified meeting category learning
  n "$1" "$2" "$3" "$4" > "$T/n.json"; M notify --json "$T/n.json"; local ref; text_of ref "$T/out"
  M case status "$ref" gathering; M case status "$ref" ready
  M meeting new --date "$5"; local mt; text_of mt "$T/out"
  M meeting add "$mt" "$ref"; rev "$6" "$7"
  as pat review "$ref" --meeting "$mt" --json "$T/r.json" --allow-word Brackley
  expect_rc 0 "review $1"
}
add Ashdown 9434765919 2023-06-01 2023-06-02 2023-10-01 4 "Earlier learning."
n Brackley 4010232137 2023-07-01 2023-07-02 > "$T/n.json"; M notify --json "$T/n.json"
add Colwell 4857773457 2024-05-01 2024-05-02 2024-09-01 9 "Learning of 2024-25."
add Durrant 1234567881 2025-05-01 2025-05-02 2025-09-01 9 "Brackley family needed help."
add Eskdale 7000000015 2025-06-01 2025-06-02 2025-09-02 10 "Infants need safe sleep advice."

cat > "$T/narr.md" <<'EOF2'
# Foreword

The panel met **six** times this year; its work is *never* finished.
<script>alert(1)</script> & friends

## Priorities

- Safe sleep
- Water _safety_
1. First
EOF2
for fmt in html md csv json; do
  M report annual --year 2025-26 --edition board --format $fmt --out "$T/board.$fmt" --narrative "$T/narr.md"
  expect_rc 0 "board $fmt with narrative"
  file_has "$T/board.$fmt" "Wessex Child Death Overview Panel" -F && pass || fail "panel name in board $fmt"
  M report annual --year 2025-26 --edition public --format $fmt --out "$T/public.$fmt"
  expect_rc 0 "public $fmt"
  file_has "$T/public.$fmt" "Wessex Child Death Overview Panel" -F && pass || fail "panel name in public $fmt"
done
expect_err "learning left out" "withheld learning named on stderr"
expect_err "CDOP-2025-0001: a name" "names the case and kind"
file_has "$T/err" "Brackley" -F && fail "the word itself printed" || pass
for f in board.html board.md board.csv board.json public.html; do
  file_has "$T/$f" "Brackley" -F && fail "withheld learning in $f" || pass
done
file_has "$T/board.html" "Infants need safe sleep advice" -F && pass || fail "clean learning kept"
# narrative: rendered by cdop, escaped, signed
file_has "$T/board.html" "<h3>Foreword</h3>" -F && pass || fail "narrative heading"
file_has "$T/board.html" "<strong>six</strong>" -F && pass || fail "narrative strong"
file_has "$T/board.html" "<em>never</em>" -F && pass || fail "narrative emphasis"
file_has "$T/board.html" "<li>Water <em>safety</em></li>" -F && pass || fail "narrative list"
file_has "$T/board.html" "<script>" -F && fail "narrative HTML not escaped" || pass
file_has "$T/board.html" "&lt;script&gt;alert(1)&lt;/script&gt; &amp; friends" -F && pass || fail "narrative escaped"
grep -q '\\<script\\>' "$T/board.md" && pass || fail "narrative escaped in md"
as ann verify "$T/board.html"; expect_rc 0 "narrative signed with the report"
echo "Born 1 March 2024; remember Rowan." > "$T/bad.md"
M report annual --year 2025-26 --edition board --format html --out "$T/bad.html" --narrative "$T/bad.md"
expect_rc 1 "narrative naming a child refused"; expect_err "narrative: 'Rowan'" "names the word"
[ -e "$T/bad.html" ] && fail "refused report written" || pass
# trend: independent count from the register's facts
python3 - "$T/board.json" <<'PY' && pass || fail "five-year trend"
import json, sys
j = json.load(open(sys.argv[1]))
t = {r['label']: r['cells'] for r in j['trend']['rows']}
assert list(t) == ['2021-22', '2022-23', '2023-24', '2024-25', '2025-26'], t
assert t['2023-24'] == [2, 8.0, 1, 1, 100.0], t['2023-24']
assert t['2024-25'] == [1, 4.0, 1, 1, 100.0], t['2024-25']
assert t['2025-26'] == [2, 8.0, 2, 2, 100.0], t['2025-26']
assert t['2021-22'] == [0, 0.0, 0, 0, None], t['2021-22']
c = {r['label']: r['cells'] for r in j['trend_by_category']['rows']}
assert c['4'] == [0, 0, 1, 0, 0] and c['9'] == [0, 0, 0, 1, 1] and c['10'] == [0, 0, 0, 0, 1], c
assert j['panel'] == {'name': 'Wessex Child Death Overview Panel', 'area': 'Wiltshire and Swindon'}
PY
grep -q "<svg role=\"img\" aria-labelledby=\"chart-trend-t" "$T/board.html" && pass || fail "trend chart"
file_has "$T/board.html" "per 10,000 children" -F && pass || fail "rates"
# public trend: small numbers withheld like the tables
python3 - "$T/public.json" <<'PY' && pass || fail "public trend withheld"
import json, sys
j = json.load(open(sys.argv[1]))
t = {r['label']: r['cells'] for r in j['trend']['rows']}
assert t['2025-26'][0] == 'x' and t['2023-24'][2] == 'x', t
PY
# Markdown: titles and labels, never table ids or codes as headings
grep -E '^## (notifications|reviews_by_category|joint_agency_response|learning)$' "$T/board.md" && fail "table id as md heading" || pass
grep -q "^## Reviews by category of death" "$T/board.md" && pass || fail "md table title"
file_has "$T/board.md" "| Sudden unexpected, unexplained death |" -F && pass || fail "md row label"
grep -q "| hospital_ed\|| 28-364d\|| not_stated |" "$T/board.md" && fail "md codes as labels" || pass
file_has "$T/board.html" '<code class="id">' -F && fail "html table id in heading" || pass

# -- the panel's name heads the meeting pack too
as pat meeting pack 1 --out "$T/pack.html"; expect_rc 0 "pack"
file_has "$T/pack.html" "<h1>Wessex Child Death Overview Panel: case pack</h1>" -F && pass || fail "panel name in the pack"

# -- verify with the key alone: no register, no login
as mo key show; cp "$T/out" "$T/cdop-report.pub"
raw verify "$T/board.html" --key "$T/cdop-report.pub"; expect_rc 0 "verify --key without register"
expect_out "trusted comment: cdop register:" "prints the trusted comment"
CDOP_REGISTER=/nonexistent raw verify "$T/public.md" --key "$T/cdop-report.pub"; expect_rc 0 "no register at all"
cp "$T/board.json" "$T/changed.json"; cp "$T/board.json.minisig" "$T/changed.json.minisig"; echo " " >> "$T/changed.json"
raw verify "$T/changed.json" --key "$T/cdop-report.pub"; expect_rc 1 "changed file refused"
printf 'untrusted comment: x\nRWQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n' > "$T/other.pub"
raw verify "$T/board.html" --key "$T/other.pub"; expect_rc 1 "another key refused"
raw verify "$T/board.html" --key "$T/none.pub"; expect_rc 1 "missing key file"; expect_err "--key" "names the flag"
if command -v minisign >/dev/null; then
  minisign -Vm "$T/board.html" -p "$T/cdop-report.pub" >/dev/null 2>&1 && pass || fail "stock minisign disagrees"
  minisign -Vm "$T/changed.json" -p "$T/cdop-report.pub" >/dev/null 2>&1 && fail "minisign accepts a changed file" || pass
fi
finish
