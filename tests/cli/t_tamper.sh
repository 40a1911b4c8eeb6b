#!/usr/bin/env bash
# Issue 2: a flipped byte anywhere in the register, a truncated or edited
# keyring, a plain SQLite file, an empty file, a keyring from elsewhere.
# The flipped bytes and the keyring truncations are a sample (below);
# scripts/test.sh runs half of each list in each run (CDOP_SAMPLE_PART,
# tests/cli/lib/sample.sh: the even-numbered entries in the normal run, the
# odd ones under the sanitizers); a run by hand without it runs all.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib/sample.sh"

new_register
add_user mo manager
cp "$REG" "$T/good.cdop"; cp "$REG.keys" "$T/good.keys"
restore() { cp "$T/good.cdop" "$REG"; cp "$T/good.keys" "$REG.keys"; [ ! -e "$REG-journal" ] || rm -f "$REG-journal"; }
# flips FILE OFFSET...: the byte at each OFFSET of FILE xor 0x01, as the
# octal escape printf writes, one per line (one python for a whole loop;
# the loops below run hundreds of checks and each process start counts)
flips() {
  python3 - "$@" <<'PY'
import sys
data = open(sys.argv[1], "rb").read()
for off in sys.argv[2:]:
    print("%s \\%03o" % (off, data[int(off)] ^ 1))
PY
}
# flip_at FILE OFFSET ESCAPE: write that one byte (printf is a builtin)
flip_at() {
  printf "$3" > "$T/byte"
  dd if="$T/byte" of="$1" bs=1 seek="$2" count=1 conv=notrunc status=none
}

size=$(stat -c %s "$REG")
pages=$((size / 4096))
# Three kinds of byte per page: its first (SQLCipher salt/IV region), one
# in its body, its last (the HMAC). The full run (CDOP_FULL=1,
# docs/test-suite.md) flips all three of every page;
# CI (scripts/test.sh, half in each run) every third page, the kinds in turn
# (every kind on a third of those pages), and the last page: each check is
# the same page authentication, and every part of the file still has a
# flipped page.
FULL=${CDOP_FULL:-0}
offsets="0 15 16 100"
for ((p = 0; p < pages; p++)); do
  three=("$((p * 4096 + 1))" "$((p * 4096 + 2000 + p))" "$((p * 4096 + 4095))")
  if [ "$FULL" = 1 ]; then offsets="$offsets ${three[*]}"
  elif [ $((p % 3)) = 0 ] || [ "$p" = $((pages - 1)) ]; then offsets="$offsets ${three[p / 3 % 3]}"; fi
done
flips "$T/good.cdop" $offsets | sample_filter > "$T/flips"
while read -r off esc; do
  restore
  flip_at "$REG" "$off" "$esc"
  as ada check
  expect_no_crash "flip at $off"
  expect_rc 4 "check with byte $off flipped"
done < "$T/flips"
sample_says
restore; as ada check; expect_rc 0 "restored register checks"

# -- keyring: every truncation point class and flipped bytes: 3 or 4, never 0
ksize=$(stat -c %s "$REG.keys")
i=0
for len in 0 1 8 63 64 65 100 183 184 $((ksize - 35)) $((ksize - 3)) $((ksize - 1)); do
  i=$((i + 1)); sample_mine $((i - 1)) || continue
  restore
  truncate -s "$len" "$REG.keys"
  as ada check
  expect_no_crash "keyring truncated to $len"
  { [ "$RC" -eq 3 ] || [ "$RC" -eq 4 ]; } && pass || fail "keyring truncated to $len: exit $RC"
done
# every 13th keyring byte in the full run; in CI every 97th (header,
# every slot and the MAC at the end each get flipped bytes) and the last
kstep=97; [ "$FULL" = 1 ] && kstep=13
flips "$T/good.keys" $(seq 0 "$kstep" $((ksize - 1))) $([ "$FULL" = 1 ] || echo $((ksize - 1))) | sample_filter > "$T/kflips"
while read -r off esc; do
  restore
  flip_at "$REG.keys" "$off" "$esc"
  as ada check
  expect_no_crash "keyring byte $off flipped"
  { [ "$RC" -eq 3 ] || [ "$RC" -eq 4 ]; } && pass || fail "keyring byte $off flipped: exit $RC"
done < "$T/kflips"
restore
printf 'garbage' >> "$REG.keys"
as ada check; expect_rc 4 "keyring with trailing garbage"
expect_err "malformed or truncated" "trailing garbage: message"
restore; rm "$REG.keys"
as ada check; expect_rc 4 "missing keyring"; expect_err "is missing" "missing keyring: message"

# -- keyring of another register with the same user and passphrase
restore
REG2="$T/other.cdop"
"$CDOP" --register "$REG2" --passphrase-file "$T/ada.pass" init --admin ada \
  --kdf test --recovery-out "$T/rec2.txt" >/dev/null 2>&1 </dev/null
cp "$REG2.keys" "$REG.keys"
as ada check; expect_rc 4 "keyring from another register"
expect_err "another keyring" "swapped keyring: message"

# -- not a register at all
restore
: > "$REG"
as ada check; expect_rc 4 "empty register file"; expect_err "is empty" "empty: message"
rm -f "$REG"; sqlite3_plain() { python3 -c "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute('create table t(x)'); c.commit()" "$1"; }
sqlite3_plain "$REG"
as ada check; expect_rc 4 "plain SQLite file"; expect_err "unencrypted SQLite" "plain: message"
restore
truncate -s 10 "$REG"
as ada check; expect_rc 4 "truncated register"
restore
truncate -s $((size - 4096)) "$REG"
as ada check; expect_no_crash "register short by a page"; expect_rc 4 "register short by a page"
finish
