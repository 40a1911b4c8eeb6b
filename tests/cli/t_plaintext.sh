#!/usr/bin/env bash
# After importing cases, none of their surnames or NHS numbers can be found
# in the bytes of the register, its journal, or the temp directory - also
# while an import is running (the journal is copied as it appears).
. "$(dirname "$0")/lib.sh"

export CDOP_TODAY=2025-06-01
new_register
add_user mo manager

# Distinctive surnames (every one starts "Qzplx"; stored lower-cased too).
# A bigger second import that rewrites pages holding the first: its
# journal then holds (encrypted) copies of them. (Both from one python.)
gen_cases "$T/first.jsonl 300 7 --surname-prefix Qzplx" \
  "$T/second.jsonl 12000 8 --surname-prefix Wvkjq"

# lacks_identifiers FILE... : none of the surnames, NHS numbers or postcodes
# of both data sets occurs in any FILE (the identifiers are read from the
# two data sets at the first call and kept in $T/ids.json)
lacks_identifiers() {
  python3 - "$T/first.jsonl" "$T/second.jsonl" "$T/ids.json" "$@" <<'PY'
import json, os, re, sys
prefixes = [b'Qzplx', b'qzplx', b'QZPLX', b'Wvkjq', b'wvkjq']
if os.path.exists(sys.argv[3]):
    ids = json.load(open(sys.argv[3]))
else:
    ids = {'nhs': [], 'postcodes': []}
    for src in sys.argv[1:3]:
        for line in open(src):
            c = json.loads(line)['notification']['child']
            if 'nhs_number' in c:
                ids['nhs'].append(c['nhs_number'].replace(' ', ''))
            if 'postcode' in c:
                ids['postcodes'].append(c['postcode'])
    json.dump(ids, open(sys.argv[3], 'w'))
nhs = set(x.encode() for x in ids['nhs'])
postcodes = set(x.encode() for x in ids['postcodes'])
# Tokens shaped like the identifiers, then a set lookup: one pass a file.
# NHS numbers: every 10 digits in a row (the runs of digits, found by
# bytes.translate and split in C, then each window of 10 in a run), and
# every "ddd ddd dddd" (looked for from each space); a regular expression
# over every byte took three times as long.
only_digits = bytes(c if 48 <= c <= 57 else 32 for c in range(256))
def nhs_found(data):
    for run in data.translate(only_digits).split():
        for i in range(len(run) - 9):
            if run[i:i + 10] in nhs:
                return run[i:i + 10]
    p = data.find(b' ', 3)
    while p != -1:
        w = data[p - 3:p + 9]
        n = w[:3] + w[4:7] + w[8:]
        if w[7:8] == b' ' and len(n) == 10 and n.isdigit() and n in nhs:
            return w
        p = data.find(b' ', p + 1)
    return None
postcode_shape = re.compile(rb'ZZ\d{1,2} \d[A-Z]{2}')
bad = 0
for path in sys.argv[4:]:
    data = open(path, 'rb').read()
    found = [p for p in prefixes if p in data]
    found += [m for m in [nhs_found(data)] if m]
    found += [m for m in postcode_shape.findall(data) if m in postcodes]
    if found:
        print('%s: %r found in clear' % (path, found[0]))
        bad += 1
sys.exit(1 if bad else 0)
PY
}

as mo import "$T/first.jsonl"
expect_rc 0 "first import"

# The second import, watched: copy the journal, the register and anything
# in TMPDIR while it runs.
mkdir -p "$T/copies"
"$CDOP" --register "$REG" --user mo --passphrase-file "$T/mo.pass" import "$T/second.jsonl" \
  >"$T/out" 2>"$T/err" </dev/null &
pid=$!
# (the pause between looks: a read that times out on a FIFO nobody writes,
# not a sleep process each time)
mkfifo "$T/tick"; exec {TICK}<>"$T/tick"
n=0
while kill -0 "$pid" 2>/dev/null; do
  if [ -e "$REG-journal" ] && [ "$n" -lt 20 ]; then
    # the register mid-transaction too (cache spills), now and then
    [ $((n % 5)) -eq 0 ] && cp "$REG" "$T/copies/register.$n" 2>/dev/null
    cp "$REG-journal" "$T/copies/journal.$n" 2>/dev/null && n=$((n + 1))
  fi
  for f in "$TMPDIR"/* "$TMPDIR"/.[!.]*; do
    [ -f "$f" ] && cp "$f" "$T/copies/tmp.$n.${f##*/}" 2>/dev/null
  done
  read -r -t 0.02 -u "$TICK"
done
exec {TICK}>&-
wait "$pid"; RC=$?
expect_rc 0 "second import"
expect_out "imported 12000 cases" "second import: count"
if [ "$n" -gt 0 ]; then pass; else
  echo "note: the journal was never caught while the import ran" >&2; fi
copies=$(find "$T/copies" -type f | wc -l)
echo "checked $n journal copies, $copies files copied during the import" >&2

# Every byte at rest: register, keyring, leftovers, temp dir, the copies.
files=("$REG" "$REG.keys")
[ -e "$REG-journal" ] && files+=("$REG-journal")
while IFS= read -r -d '' f; do files+=("$f"); done < \
  <(find "$TMPDIR" "$T/copies" -type f -print0)
lacks_identifiers "${files[@]}" && pass || fail "identifiers found in clear"
# A check that the search itself works: the input files do hold them.
if lacks_identifiers "$T/first.jsonl" >/dev/null; then
  fail "the search found nothing in the plain input either"; else pass; fi
[ ! -e "$REG-journal" ] && pass || fail "journal left behind after the import"
[ -z "$(ls -A "$TMPDIR")" ] && pass || fail "files left in TMPDIR: $(ls -A "$TMPDIR")"

# A refused import (bad last line) leaves nothing in clear either.
{ head -50 "$T/first.jsonl" | sed 's/Qzplx/Qzplxb/g'; echo '{"notification": 1}'; } > "$T/bad.jsonl"
as mo import "$T/bad.jsonl"
expect_rc 1 "refused import"
files=("$REG")
[ -e "$REG-journal" ] && files+=("$REG-journal")
lacks_identifiers "${files[@]}" && pass || fail "identifiers in clear after a refused import"
as mo case list --json
[ "$(json_count "$T/out")" = 12300 ] &&
  pass || fail "refused import changed the case count"
as ada check
expect_rc 0 "check"
finish
