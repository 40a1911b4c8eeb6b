#!/usr/bin/env bash
# The main job end to end on a demo register: set up, build, create a demo
# register in ./demo, add users, check it, load ~300 synthetic cases as the
# manager, look at the work outstanding, and check it again. Synthetic data
# only (bench/gen_cases.py); never real data.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
bash scripts/setup.sh
echo "== build"
bash scripts/build.sh "$top/build" -DCMAKE_BUILD_TYPE=Release ${CDOP_BUILD_ARGS:-}
cdop="$top/build/cdop"

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
# Commands other parts of cdop add: shown when this build has them.
commands=$("$cdop" help)
has() { grep -q "^  $1 " <<<"$commands"; }
if has "rr due"; then
  echo "== joint agency response: outstanding and overdue actions (first 10)"
  run mo rr due | sed -n 1,11p
fi
if has "agency due"; then
  echo "== agency reports awaited (first 10)"
  run mo agency due | sed -n 1,11p
fi
echo "== check"
run ada check
echo
echo "Demo register: $reg (keyring $reg.keys); passphrases in $demo/*.pass"
echo "Try: $cdop --register $reg --user ada --passphrase-file $demo/ada.pass user list"
echo " or: $cdop --register $reg --user mo --passphrase-file $demo/mo.pass case list"
