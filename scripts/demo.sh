#!/usr/bin/env bash
# The main job end to end on a demo register: set up, build, create a demo
# register in ./demo, add users, load ~300 synthetic cases as the manager,
# list the joint agency response and agency reports outstanding, hold a
# panel meeting (agenda, attendance, anonymised pack, reviews), write the
# annual report (board HTML, public CSV) signed and verified, and check the
# register. Synthetic data only (bench/gen_cases.py); never real data.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
bash scripts/setup.sh
echo "== build"
bash scripts/build.sh "$top/build" -DCMAKE_BUILD_TYPE=Release ${CDOP_BUILD_ARGS:-}
echo "== install (cdop, man cdop, bash completion) under ${CDOP_PREFIX:=/usr/local}"
if [ -w "$CDOP_PREFIX" ] || [ "$(id -u)" -eq 0 ]; then
  cmake --install "$top/build" --prefix "$CDOP_PREFIX" >/dev/null
else
  sudo cmake --install "$top/build" --prefix "$CDOP_PREFIX" >/dev/null
fi
cdop="$CDOP_PREFIX/bin/cdop"
"$cdop" --version

demo="$top/demo"
rm -rf "$demo"
mkdir -m 700 "$demo"
reg="$demo/register.cdop"
# Demo passphrases in files (mode 0600). A real panel types them at the prompt.
for u in ada mo pat ann; do
  printf '%s-demo-passphrase\n' "$u" > "$demo/$u.pass"
done
chmod 600 "$demo"/*.pass
run() { local who=$1; shift; "$cdop" --register "$reg" --user "$who" \
          --passphrase-file "$demo/$who.pass" "$@"; }

echo "== init (admin ada)"
"$cdop" --register "$reg" --passphrase-file "$demo/ada.pass" \
  init --admin ada --kdf interactive --recovery-out "$demo/recovery.txt"
echo "== users"
run ada user add mo  --role manager --new-passphrase-file "$demo/mo.pass"
run ada user add pat --role panel   --new-passphrase-file "$demo/pat.pass"
run ada user add ann --role analyst --new-passphrase-file "$demo/ann.pass"
run ada user list
echo "== check"
run ada check
echo "== audit trail"
run ada audit list

echo "== import 300 synthetic cases (manager mo)"
python3 bench/gen_cases.py 300 2025 > "$demo/cases.jsonl"
chmod 600 "$demo/cases.jsonl"
run mo import "$demo/cases.jsonl" --dry-run
run mo import "$demo/cases.jsonl"
rm -f "$demo/cases.jsonl"   # synthetic, but a real import file would be identifiable
echo "== newly notified cases (first 10)"
run mo case list --status notified | sed -n 1,11p
echo "== joint agency response: outstanding and overdue actions (first 10)"
run mo rr due | sed -n 1,11p
echo "== agency reports awaited (first 10)"
run mo agency due | sed -n 1,11p
echo "== today: everything due or overdue, in days (first 12)"
run mo today | sed -n 1,14p

echo "== panel meeting today: three cases, attendance, the anonymised pack"
today=$(date +%F)
meeting=$(run mo meeting new --date "$today" --chair "Demo Chair")
refs=$(run mo case list --json | python3 -c '
import json, sys
cases = json.load(sys.stdin)
ready = [c["ref"] for c in cases if c["status"] in ("ready", "gathering")]
fresh = [c["ref"] for c in cases if c["status"] == "notified"]
print(" ".join((ready + fresh)[:3]))')
for ref in $refs; do
  status=$(run mo case show "$ref" --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["status"])')
  [ "$status" = notified ] && run mo case status "$ref" ready >/dev/null
done
run mo meeting add "$meeting" $refs
run mo meeting attend "$meeting" --name "Demo Attendee" --agency police --role "DI"
run mo meeting attend "$meeting" --name "Demo Nurse" --agency health_visiting
run pat meeting pack "$meeting" --out "$demo/pack-$today.html"
echo "== the panel's reviews"
cat > "$demo/review.json" <<'EOJ'
{"category": 10,
 "domains": {"child": 1, "social_environment": 2, "physical_environment": 1, "service_provision": 1},
 "modifiable": "yes", "themes": ["safe_sleeping", "smoking"],
 "learning": "Safe sleep advice should be repeated at every contact.", "learning_publishable": true,
 "recommendations": [{"text": "Repeat safe sleep advice at every health visiting contact",
                      "owner": "health_visiting", "due": "2027-03-31"}],
 "referred_for_review": false}
EOJ
for ref in $refs; do run pat review "$ref" --meeting "$meeting" --json "$demo/review.json"; done
run mo action list --overdue | sed -n 1,6p

echo "== annual report for the last complete year, signed"
y=$(date +%Y); m=$(date +%-m)
[ "$m" -ge 4 ] && start=$((y - 1)) || start=$((y - 2))
year="$start-$(printf '%02d' $(( (start + 1) % 100 )))"
board="$demo/annual-report-$year-board.html"
public="$demo/annual-report-$year-public.csv"
run ann report annual --year "$year" --edition board --format html --out "$board"
run ann report annual --year "$year" --edition public --disclosure dfe --format csv --out "$public"
run ann key show > "$demo/cdop-signing.pub"
run ann verify "$board"
if command -v minisign >/dev/null; then
  minisign -Vm "$board" -p "$demo/cdop-signing.pub" >/dev/null && echo "minisign: $board signature verified"
fi
echo "== check"
run ada check
echo
echo "Demo register: $reg (keyring $reg.keys); passphrases in $demo/*.pass"
echo "Meeting pack:  $demo/pack-$today.html"
echo "Annual report: $board (+ .minisig), public edition $public (+ .minisig)"
echo "Signing key:   $demo/cdop-signing.pub  (minisign -Vm FILE -p $demo/cdop-signing.pub)"
echo "Try: $cdop --register $reg --user ada --passphrase-file $demo/ada.pass user list"
echo " or: $cdop --register $reg --user mo --passphrase-file $demo/mo.pass case list"
echo
echo "In the browser (log in as mo, the manager; passphrase: first line of $demo/mo.pass):"
echo "  $cdop --register $reg ui"
