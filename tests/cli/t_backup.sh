#!/usr/bin/env bash
# Backups and restore: a backup restores to a register that exports the
# same; it is refused (exit 4, nothing left at the target) when a byte is
# flipped, the file truncated, a chunk swapped, the header edited, or it is
# spliced with another register's backup; unlocking follows the keyring in
# the backup (admin passphrase then current, or the recovery code).
. "$(dirname "$0")/lib.sh"

# notify_json LEN N...: a notification for each child N with LEN characters
# of circumstances, in $T/case-N.json (one python for all)
notify_json() {
  python3 - "$T" "$@" <<'PY'
import json, sys
size = int(sys.argv[2])
for n in map(int, sys.argv[3:]):
    with open("%s/case-%d.json" % (sys.argv[1], n), "w") as f:
        print(json.dumps({
          "child": {"forename": "Child%d" % n, "surname": "Surname%d" % n,
                    "date_of_birth": "2024-03-%02d" % (n % 28 + 1), "sex": "female",
                    "postcode": "SN1 1AA", "resident": True},
          "death": {"date": "2025-05-03", "place": "home", "expected": "unexpected",
                    "circumstances": ("circumstances of case %d " % n * 400)[:size]},
          "notified": {"date": "2025-05-04", "by_agency": "hospital"}}), file=f)
PY
}

# bk CMD FILE ARGS: edit a backup in place (layout in crypto/backup.h)
# bk each SRC DST:CMD[:ARG...]...: each DST a copy of SRC edited by CMD
# (one python for a series of variants: a python start each cost more than
# the restore that checks it)
bk() {
  python3 - "$@" <<'PY'
import hashlib, struct, sys
def edit(b, cmd, args):
    klen = struct.unpack_from('<I', b, 84)[0]
    chunk = struct.unpack_from('<I', b, 12)[0]
    plen = 128 + klen + 64
    clen = chunk + 17
    def resum(b):
        body = 128 + klen
        b[body:body + 32] = hashlib.blake2b(bytes(b[:body]), digest_size=32).digest()
    if cmd == 'info':          # prefix length, chunk count
        n = (len(b) - plen + clen - 1) // clen
        print(plen, n)
    elif cmd == 'swap':        # swap chunks i and j
        i, j = int(args[0]), int(args[1])
        ci, cj = b[plen + i*clen:plen + (i+1)*clen], b[plen + j*clen:plen + (j+1)*clen]
        b[plen + i*clen:plen + (i+1)*clen], b[plen + j*clen:plen + (j+1)*clen] = cj, ci
    elif cmd == 'drop':        # drop chunk i
        i = int(args[0])
        del b[plen + i*clen:plen + (i+1)*clen]
    elif cmd == 'edit':        # xor a header byte, then fix the checksum
        off = int(args[0])
        b[off] ^= 1
        resum(b)
    elif cmd == 'splice':      # our prefix, the stream of another backup
        other = open(args[0], 'rb').read()
        oklen = struct.unpack_from('<I', other, 84)[0]
        b = b[:plen] + other[128 + oklen + 64:]
    elif cmd == 'keyring':     # another backup's keyring in our prefix, checksum fixed
        other = open(args[0], 'rb').read()
        oklen = struct.unpack_from('<I', other, 84)[0]
        assert oklen == klen
        b[128:128 + klen] = other[128:128 + klen]
        resum(b)
    return b
if sys.argv[1] == 'each':
    src = open(sys.argv[2], 'rb').read()
    for spec in sys.argv[3:]:
        dst, cmd, *args = spec.split(':')
        b = edit(bytearray(src), cmd, args)
        open(dst, 'wb').write(b)
else:
    path = sys.argv[2]
    b = edit(bytearray(open(path, 'rb').read()), sys.argv[1], sys.argv[3:])
    open(path, 'wb').write(b)
PY
}

# variants BACKUP PREFIX flip|cut N...: PREFIX-N for each N, BACKUP with
# byte N flipped (N past the end: none) or cut to N bytes. One python for
# a whole loop: a cp, od and dd per variant cost more than its restore.
variants() {
  python3 - "$@" <<'PY'
import sys
src, prefix, how = sys.argv[1:4]
b = open(src, 'rb').read()
for n in map(int, sys.argv[4:]):
    if how == 'flip':
        if n >= len(b):
            continue
        v = bytearray(b)
        v[n] ^= 1
    else:
        v = b[:n]
    open('%s-%d' % (prefix, n), 'wb').write(v)
PY
}

# nothing_at PATH WHAT: no PATH, PATH.keys, or temp file beside it (any
# name in its directory containing PATH's name; a glob, no process)
nothing_at() {
  local left
  shopt -s nullglob dotglob
  left=("${1%/*}"/*"${1##*/}"*)
  shopt -u nullglob dotglob
  if [ ${#left[@]} -eq 0 ]; then pass; else fail "$2: left behind: ${left[*]##*/}"; fi
}

# restore_as USER BACKUP TARGET [ARGS]: restore with USER's passphrase file
restore_as() {
  local who=$1 file=$2 to=$3; shift 3
  raw --user "$who" --passphrase-file "$T/$who.pass" restore "$file" --to "$to" "$@"
}

new_register
add_user mo manager
add_user pat panel
notify_json 4000 1 2 3 4 5 6
for n in 1 2 3 4 5 6; do
  as mo notify --json "$T/case-$n.json"; expect_rc 0 "notify $n"
done

# -- backup: admin only, a new file, 0600, verified
as mo backup --out "$T/b.bak"; expect_rc 3 "manager may not back up"
as ada backup; expect_rc 2 "backup without --out"
as ada backup --out "$T/b.bak"; expect_rc 0 "backup"
expect_out "verified" "backup: says it was verified"
[ "$(stat -c %a "$T/b.bak")" = 600 ] && pass || fail "backup mode $(stat -c %a "$T/b.bak")"
ls "$T" | grep -q 'b.bak.tmp' && fail "backup left a temp file" || pass
# (long words only: random bytes spelling a 3-letter name by chance is likely)
for word in Child1 Surname1 circumstances manager; do
  file_lacks "$T/b.bak" "$word" "backup in clear"
done
cp "$T/b.bak" "$T/b.copy"
as ada backup --out "$T/b.bak"; expect_rc 1 "backup over an existing file"
expect_err "already exists" "backup over existing: message"
same_file "$T/b.bak" "$T/b.copy" && pass || fail "existing backup file was changed"
as ada backup --out "$T/no/such/dir/b.bak"; expect_rc 5 "backup into a missing directory"
expect_err "cannot create a file beside" "missing directory: message"
read -r plen nchunks < <(bk info "$T/b.bak")
[ "$nchunks" -ge 3 ] && pass || fail "test register too small: $nchunks chunks"
as ada audit list --json; cp "$T/out" "$T/audit-before.json"
[ "$(grep -c '"action": "backup"' "$T/audit-before.json")" -eq 1 ] && pass ||
  fail "want one backup entry (refused backups record none): $(grep -c '"action": "backup"' "$T/audit-before.json")"
as ada check; expect_rc 0 "register checks after backup"

# -- restore: the same records, checked and sealed
restore_as ada "$T/b.bak" "$T/r2.cdop"; expect_rc 0 "restore"
expect_out "checked in full" "restore: message"
for f in "$T/r2.cdop" "$T/r2.cdop.keys"; do
  [ "$(stat -c %a "$f")" = 600 ] && pass || fail "mode of $f is $(stat -c %a "$f")"
done
ls "$T" | grep -q 'r2.cdop.restore' && fail "restore left a temp file" || pass
raw --register "$T/r2.cdop" --user ada --passphrase-file "$T/ada.pass" check
expect_rc 0 "restored register checks"
file_has "$T/err" "not closed cleanly" -F && fail "restored register was not sealed" || pass
raw --register "$T/r2.cdop" --user ada --passphrase-file "$T/ada.pass" audit list --json
python3 - "$T/audit-before.json" "$T/out" <<'PY' && pass || fail "restored audit trail differs"
import json, sys
a, b = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
# issue 10: the backup entry commits after the file is complete, so the
# backup holds the trail up to the entry before its own
assert a[-1]["action"] == "backup", a[-1]
a = a[:-1]
assert b[:len(a)] == a, "prefix differs"
assert [e["action"] for e in b[len(a):]] == ["restore"], b[len(a):]
PY
as mo export --out "$T/a.jsonl"; expect_rc 0 "export original"
raw --register "$T/r2.cdop" --user mo --passphrase-file "$T/mo.pass" export --out "$T/b.jsonl"
expect_rc 0 "export restored"
same_file "$T/a.jsonl" "$T/b.jsonl" && pass || fail "exports differ"
[ "$(wc -l < "$T/a.jsonl")" -eq 6 ] && pass || fail "export has $(wc -l < "$T/a.jsonl") lines"
as mo case list --json; cp "$T/out" "$T/list-a.json"
raw --register "$T/r2.cdop" --user mo --passphrase-file "$T/mo.pass" case list --json
same_file "$T/list-a.json" "$T/out" && pass || fail "case lists differ"

# -- never over an existing register or keyring
restore_as ada "$T/b.bak" "$REG"; expect_rc 1 "restore over an existing register"
expect_err "already exists" "restore over existing: message"
touch "$T/k.cdop.keys"
restore_as ada "$T/b.bak" "$T/k.cdop"; expect_rc 1 "restore over an existing keyring"
[ -e "$T/k.cdop" ] && fail "restore created a register beside a keyring" || pass
rm -f "$T/k.cdop.keys"

# -- who may restore
printf 'not-the-passphrase\n' > "$T/wrong.pass"; chmod 600 "$T/wrong.pass"
restore_as wrong "$T/b.bak" "$T/r3.cdop"; expect_rc 3 "unknown user"
nothing_at "$T/r3.cdop" "unknown user"
"$CDOP" --user ada --passphrase-file "$T/wrong.pass" restore "$T/b.bak" --to "$T/r3.cdop" \
  >"$T/out" 2>"$T/err" </dev/null; RC=$?
expect_rc 3 "wrong passphrase"; expect_err "wrong passphrase" "wrong passphrase: message"
nothing_at "$T/r3.cdop" "wrong passphrase"
restore_as mo "$T/b.bak" "$T/r3.cdop"; expect_rc 3 "a manager may not restore"
expect_err "not an admin" "manager restore: message"
nothing_at "$T/r3.cdop" "manager restore"
printf '0000-0000-0000-0000-0000-0000-0000-0000\n' > "$T/badrec.txt"
restore_as ada "$T/b.bak" "$T/r3.cdop" --recovery-file "$T/badrec.txt"
expect_rc 3 "wrong recovery code"; nothing_at "$T/r3.cdop" "wrong recovery code"
restore_as ada "$T/b.bak" "$T/r3.cdop" --recovery-file "$T/recovery.txt"
expect_rc 0 "restore with the recovery code"
raw --register "$T/r3.cdop" --user ada --passphrase-file "$T/ada.pass" check
expect_rc 0 "register restored by recovery code checks"

# -- the passphrase that counts is the one current at backup time
printf 'a-newer-long-passphrase\n' > "$T/new.pass"; chmod 600 "$T/new.pass"
as ada passwd --new-passphrase-file "$T/new.pass"; expect_rc 0 "passwd"
cp "$T/new.pass" "$T/ada.pass"
restore_as ada "$T/b.bak" "$T/r4.cdop"; expect_rc 3 "new passphrase on an older backup"
nothing_at "$T/r4.cdop" "new passphrase on an older backup"
as ada backup --out "$T/b2.bak"; expect_rc 0 "backup after passwd"
restore_as ada "$T/b2.bak" "$T/r4.cdop"; expect_rc 0 "new passphrase on a newer backup"

# -- damaged or forged backups: exit 4 before SQLite sees a byte, nothing left
refused() { # refused FILE WHAT
  local err=
  restore_as ada "$1" "$T/x.cdop"
  expect_no_crash "$2"
  expect_rc 4 "$2"
  read -r -d '' err < "$T/err" || true
  if [[ $err == *"fails its check"* ]]; then fail "$2: reached SQLite: $err"; else pass; fi
  nothing_at "$T/x.cdop" "$2"
}
restore_as ada "$T/b2.bak" "$T/b2-ok.cdop"; expect_rc 0 "the backup used below is sound"
size=$(stat -c %s "$T/b2.bak")
read -r plen nchunks < <(bk info "$T/b2.bak")
clen=$((65536 + 17))
offsets="0 8 12 20 40 60 84 90 100 127 130 $((plen - 64)) $((plen - 40)) $((plen - 1))"
for ((i = 0; i < nchunks; i++)); do
  start=$((plen + i * clen))
  offsets="$offsets $start $((start + 1)) $((start + 17)) $((start + 30000))"
done
offsets="$offsets $((size - 17)) $((size - 1))"
variants "$T/b2.bak" "$T/flip" flip $offsets
for off in $offsets; do
  [ "$off" -lt "$size" ] || continue
  refused "$T/flip-$off" "byte $off flipped"
done
lens="0 1 127 128 $((plen - 1)) $plen $((plen + 100)) $((plen + clen)) $((size - 17)) $((size - 1))"
variants "$T/b2.bak" "$T/cut" cut $lens
for len in $lens; do
  refused "$T/cut-$len" "truncated to $len"
done
cp "$T/b2.bak" "$T/f.bak"; printf 'x' >> "$T/f.bak"
refused "$T/f.bak" "a byte appended"
expect_err "longer than it should be" "appended: message"
bk each "$T/b2.bak" "$T/f-swap01.bak:swap:0:1" "$T/f-swap12.bak:swap:1:2" "$T/f-drop1.bak:drop:1" \
  $(for off in 12 16 32 40 48 80 88 96 200; do printf '%s ' "$T/f-edit$off.bak:edit:$off"; done)
refused "$T/f-swap01.bak" "chunks 1 and 2 swapped"
expect_err "fails authentication" "swapped: message"
refused "$T/f-swap12.bak" "chunks 2 and 3 swapped"
refused "$T/f-drop1.bak" "chunk 2 dropped"
for off in 12 16 32 40 48 80 88 96; do
  refused "$T/f-edit$off.bak" "header byte $off edited, checksum fixed"
done
expect_err "authentication code" "edited header: message"
refused "$T/f-edit200.bak" "keyring byte edited, checksum fixed"
: > "$T/f.bak"; refused "$T/f.bak" "empty file"
refused "$REG" "a register is not a backup"
restore_as ada "$T/none.bak" "$T/x.cdop"; expect_rc 1 "missing backup file"

# -- another register's backup (same admin name and passphrase)
REG_B="$T/other.cdop"
raw --register "$REG_B" --passphrase-file "$T/ada.pass" init --admin ada \
  --kdf test --recovery-out "$T/rec-b.txt"
# the same users and cases as ours, so keyring and file have our sizes
for u in "mo manager" "pat panel"; do
  set -- $u
  raw --register "$REG_B" --user ada --passphrase-file "$T/ada.pass" user add "$1" \
    --role "$2" --new-passphrase-file "$T/$1.pass"
done
for n in 1 2 3 4 5 6; do
  raw --register "$REG_B" --user mo --passphrase-file "$T/mo.pass" notify \
    --json "$T/case-$n.json"
done
raw --register "$REG_B" --user ada --passphrase-file "$T/ada.pass" backup \
  --out "$T/other.bak"
restore_as ada "$T/other.bak" "$T/o.cdop"; expect_rc 0 "the other register's backup is sound"
bk each "$T/b2.bak" "$T/f-splice.bak:splice:$T/other.bak" "$T/f-keyring.bak:keyring:$T/other.bak"
cp "$T/other.bak" "$T/f.bak"; bk splice "$T/f.bak" "$T/b2.bak"
refused "$T/f-splice.bak" "our header, another register's stream"
refused "$T/f.bak" "another register's header, our stream"
refused "$T/f-keyring.bak" "another register's keyring in our header"
as ada backup --out "$T/b3.bak"; expect_rc 0 "a second backup of ours"
cp "$T/b2.bak" "$T/f.bak"; bk splice "$T/f.bak" "$T/b3.bak"
refused "$T/f.bak" "two backups of one register spliced"
finish
