#!/usr/bin/env bash
# The incremental whole-file MAC (issue 12; docs/security.md §5): a write
# reseals by hashing again only the 64 KiB chunks SQLite wrote (the VFS
# shim records them); a change made behind cdop's back, between a command's
# check and its seal, to a chunk it did not write is not taken into the
# seal, so the next command refuses the file (exit 4). An older register's
# flat MAC (kind 0) and keyed tree (kind 1) are still accepted and are
# replaced by the kind-2 tree (docs/security.md §5) at its next write. CDOP_TEST_BEFORE_SEAL (cdop-test only) runs a command just before
# the seal, with the written chunks in CDOP_TEST_DIRTY_CHUNKS.
. "$(dirname "$0")/lib.sh"
# The "next command" of these checks is a new process, as a user's is:
# within one process cdop remembers the file it last sealed (register.c's
# file_seen, for cdop ui), so the ASan build's worker, which runs a test's
# commands in one process, forks each command here.
export CDOP_TEST_FORKSERVER_FORK=1

from_template
python3 "$SRC/bench/gen_cases.py" 300 2025 > "$T/cases.jsonl"
as mo import "$T/cases.jsonl"; expect_rc 0 "import 300 cases"
as mo case list --json
ref=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[0]["ref"])' "$T/out")
size=$(stat -c %s "$REG")
[ "$size" -ge $((4 * 65536)) ] && pass || fail "register too small ($size bytes) for the test"

# The hook: records the written chunks, and with FLIP=1 XORs the last byte
# of the first whole chunk not among them (the last byte of a page: the
# reserve bytes SQLCipher 3.4.1 does not authenticate, so only the file
# MAC can see it).
cat > "$T/hook.sh" <<'HOOK'
set -eu
echo "$CDOP_TEST_DIRTY_CHUNKS" > "$T/dirty"
echo "$CDOP_TEST_DIRTY_CHUNKS" >> "$T/seals"
[ "${FLIP:-0}" = 1 ] || exit 0
full=$(( $(stat -c %s "$CDOP_TEST_SEAL_PATH") / 65536 ))
for i in $(seq 0 $((full - 1))); do
  case ",$CDOP_TEST_DIRTY_CHUNKS," in *",$i,"*) ;; *)
    off=$(( i * 65536 + 65535 ))
    b=$(od -An -tu1 -j "$off" -N1 "$CDOP_TEST_SEAL_PATH")
    printf "\\$(printf '%03o' $(( b ^ 1 )))" |
      dd of="$CDOP_TEST_SEAL_PATH" bs=1 seek="$off" count=1 conv=notrunc status=none
    echo "$i" > "$T/flipped"; exit 0 ;;
  esac
done
exit 1
HOOK
export T
export CDOP_TEST_BEFORE_SEAL="bash $T/hook.sh"

# 1. An identifiable view writes an audit entry: a few chunks, not all.
as mo case show "$ref"; expect_rc 0 "case show (writes its audit entry)"
dirty=$(cat "$T/dirty" 2>/dev/null)
case "$dirty" in
  ""|all) fail "the seal hashed the whole file (dirty chunks: '$dirty')" ;;
  *) pass ;;
esac
n=$(echo "$dirty" | tr ',' '\n' | wc -l)
[ "$n" -lt $((size / 65536)) ] && pass || fail "every chunk written ($dirty)"
as mo case list; expect_rc 0 "the next command opens the resealed file"
as ada check; expect_rc 0 "check after an incremental seal"

# 2. A chunk the command did not write changed before its seal: the seal
# succeeds (cdop cannot know), the next command refuses the file.
cp -p "$REG" "$T/good.cdop"; cp -p "$REG.keys" "$T/good.cdop.keys"
FLIP=1 as mo case show "$ref"; expect_rc 0 "case show while the file is changed behind it"
[ -s "$T/flipped" ] && pass || fail "the hook found no chunk the command did not write"
as mo case list; expect_rc 4 "next command after a change outside the written chunks"
expect_err "is not the file cdop last closed" "the refusal names the file MAC"
as ada check; expect_rc 4 "check finds it too"
# The same command without the change: accepted (the refusal above is the change).
cp -p "$T/good.cdop" "$REG"; cp -p "$T/good.cdop.keys" "$REG.keys"
as mo case show "$ref"; expect_rc 0 "case show, no change"
as mo case list; expect_rc 0 "next command, no change"

# 3. cdop ui keeps the chunk hashes between requests: each audited case
# page reseals its own chunks only, also after a command changed the file
# in between (then the server hashes it whole at the next open, as a
# command does); the file stays one the command line opens.
"$CDOP" --register "$REG" ui --no-browser --port 0 > "$T/ui.out" 2>&1 &
ui=$!
for _ in $(seq 100); do [ -s "$T/ui.out" ] && break; sleep 0.1; done
url=$(head -1 "$T/ui.out" | sed 's/cdop ui: //'); base=${url%%/?token=*}
curl -s -c "$T/jar" "$url" >/dev/null
csrf=$(curl -s -b "$T/jar" "$base/login" | grep -o 'name="csrf" value="[0-9a-f]*"' |
       sed 's/.*value="//;s/"//')
curl -s -b "$T/jar" -d "csrf=$csrf&user=mo&passphrase=$(cat "$T/mo.pass")" "$base/login" -o /dev/null
: > "$T/seals"
page() { curl -s -o /dev/null -w '%{http_code}' -b "$T/jar" "$base/cases/$ref"; }
[ "$(page)" = 200 ] && pass || fail "case page"
[ "$(page)" = 200 ] && pass || fail "case page again"
as mo case show "$ref"; expect_rc 0 "a command between two requests"
[ "$(page)" = 200 ] && pass || fail "case page after the command"
kill -TERM "$ui"; wait "$ui"
[ "$(wc -l < "$T/seals")" -ge 4 ] && pass || fail "a seal per write: $(tr '\n' ' ' < "$T/seals")"
if grep -qx 'all' "$T/seals"; then fail "a whole-file seal: $(tr '\n' ' ' < "$T/seals")"; else pass; fi
as mo case list; expect_rc 0 "the command line opens what the server sealed"
unset CDOP_TEST_BEFORE_SEAL

# 4. An older register (flat MAC in the keyring): accepted, still checked,
# and sealed as a tree at its first write (opening it migrates the schema).
kind() { python3 -c 'import sys; d=open(sys.argv[1],"rb").read(); print(d[len(d)-41])' "$1"; }
cp "$SRC/tests/fixtures/v11/register.cdop" "$REG"
cp "$SRC/tests/fixtures/v11/register.cdop.keys" "$REG.keys"
chmod 600 "$REG" "$REG.keys"
[ "$(kind "$REG.keys")" = 0 ] && pass || fail "the fixture's keyring records a flat MAC"
cp -p "$REG" "$T/old.cdop"; cp -p "$REG.keys" "$T/old.cdop.keys"
flip_byte "$REG" $(( $(stat -c %s "$REG") - 1 ))
as mo case list; expect_rc 4 "a flat-MAC register changed in a page's reserve bytes"
cp -p "$T/old.cdop" "$REG"
as mo case list; expect_rc 0 "a flat-MAC register opens"
[ "$(kind "$REG.keys")" = 2 ] && pass || fail "resealed as a kind-2 tree at its first write (kind $(kind "$REG.keys"))"
as mo case show CDOP-2025-0001; expect_rc 0 "the upgraded register opens and writes"
as ada check; expect_rc 0 "check on the upgraded register"
flip_byte "$REG" $(( $(stat -c %s "$REG") - 1 ))
as mo case list; expect_rc 4 "the upgraded register changed in a page's reserve bytes"

# 5. A kind-1 register (keyed chunk hashes, issue 12): checked as it is,
# resealed as kind 2 (unkeyed chunk hashes under the keyed top, hashed
# while the unlock runs) at its first write.
cp "$SRC/tests/fixtures/v23-tree1/register.cdop" "$REG"
cp "$SRC/tests/fixtures/v23-tree1/register.cdop.keys" "$REG.keys"
chmod 600 "$REG" "$REG.keys"
[ "$(kind "$REG.keys")" = 1 ] && pass || fail "the fixture's keyring records a kind-1 tree"
cp -p "$REG" "$T/old.cdop"
flip_byte "$REG" 65535
as mo case list; expect_rc 4 "a kind-1 register changed in a page's reserve bytes"
cp -p "$T/old.cdop" "$REG"
as mo case show CDOP-2025-0001; expect_rc 0 "a kind-1 register opens and writes"
[ "$(kind "$REG.keys")" = 2 ] && pass || fail "resealed as kind 2 (kind $(kind "$REG.keys"))"
as ada check; expect_rc 0 "check on the register resealed as kind 2"
flip_byte "$REG" 65535
as mo case list; expect_rc 4 "the kind-2 register changed in a page's reserve bytes"

# 6. Kind 2 refuses what kind 1 refused: a byte changed in the first, a
# middle or the last chunk, two chunks swapped, a chunk replayed from an
# older copy, the file cut or extended by a page (exit 4, nothing read).
kind2() {
  cp -p "$T/good.cdop" "$REG"; cp -p "$T/good.cdop.keys" "$REG.keys"
}
kind2
[ "$(kind "$REG.keys")" = 2 ] && pass || fail "a register written now records kind 2"
as mo case list; expect_rc 0 "the kind-2 register opens"
size=$(stat -c %s "$REG"); last=$(( size / 65536 - 1 ))
for off in 100 $(( 2 * 65536 + 4095 )) $(( size - 1 )); do
  kind2; flip_byte "$REG" "$off"
  as mo case list; expect_rc 4 "kind 2: a byte changed at $off"
done
kind2
python3 - "$REG" "$last" <<'PY'
import sys
with open(sys.argv[1], "r+b") as f:
    a, b = 1, int(sys.argv[2])
    f.seek(a * 65536); ca = f.read(65536)
    f.seek(b * 65536); cb = f.read(65536)
    f.seek(a * 65536); f.write(cb)
    f.seek(b * 65536); f.write(ca)
PY
as mo case list; expect_rc 4 "kind 2: two chunks swapped"
kind2
as mo case show "$ref"; expect_rc 0 "a write after the copy"
python3 - "$T/good.cdop" "$REG" <<'PY'
import sys
old = open(sys.argv[1], "rb").read()
with open(sys.argv[2], "r+b") as f:
    new = f.read()
    for i in range(len(new) // 65536):
        o = i * 65536
        if old[o:o + 65536] != new[o:o + 65536]:
            f.seek(o); f.write(old[o:o + 65536]); break
    else:
        sys.exit(1)
PY
[ $? = 0 ] && pass || fail "no chunk differs from the older copy"
as mo case list; expect_rc 4 "kind 2: a chunk replayed from an older copy"
kind2; truncate -s $(( size - 4096 )) "$REG"
as mo case list; expect_rc 4 "kind 2: the file cut by a page"
kind2; truncate -s $(( size + 4096 )) "$REG"
as mo case list; expect_rc 4 "kind 2: the file extended by a page"
kind2
as mo case list; expect_rc 0 "the unchanged copy still opens"

echo "dirty chunks of a case show: $dirty (of $((size / 65536)) whole chunks)"
fs_check
echo "t_imac: $PASSES passed, $FAILS failed"
[ "$FAILS" -eq 0 ]
