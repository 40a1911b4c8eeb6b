#!/usr/bin/env bash
# crypto/age.c against the stock age and age-keygen tools, both ways, at the
# chunk boundaries (0, 1, 65,535, 65,536, 65,537 bytes) and a multi-megabyte
# file; a flipped byte, a truncated file, a file for another recipient and
# a non-canonical header are refused with nothing written.
. "$(dirname "$0")/lib.sh"
TOOL=${CDOP_BUILD:?}/cdop-age-tool
command -v age >/dev/null && command -v age-keygen >/dev/null ||
  { echo "age and age-keygen are needed (apt-get install age)" >&2; exit 1; }

age-keygen -o "$T/k1" 2>/dev/null
age-keygen -o "$T/k2" 2>/dev/null
R1=$(age-keygen -y "$T/k1")
R2=$(age-keygen -y "$T/k2")

# our recipient encoding of age-keygen's identity is age-keygen's
if [ "$("$TOOL" recipient "$T/k1")" = "$R1" ]; then pass; else fail "recipient of k1"; fi

for n in 0 1 65535 65536 65537 3145728; do
  head -c $n /dev/urandom > "$T/p"
  # ours -> age
  if "$TOOL" encrypt "$R1" < "$T/p" > "$T/c" && age -d -i "$T/k1" "$T/c" | cmp -s - "$T/p"
  then pass; else fail "age -d reads our $n-byte file"; fi
  # age -> ours
  if age -r "$R1" -o "$T/a" "$T/p" && "$TOOL" decrypt "$T/k1" < "$T/a" > "$T/d" && same_file "$T/d" "$T/p"
  then pass; else fail "we read age's $n-byte file"; fi
done

# two recipients, either identity
printf 'for two\n' > "$T/p"
"$TOOL" encrypt "$R1" "$R2" < "$T/p" > "$T/c"
for k in k1 k2; do
  if age -d -i "$T/$k" "$T/c" | cmp -s - "$T/p"; then pass; else fail "age reads two-recipient file with $k"; fi
done

# refusals: nothing on stdout, exit 1
refuse() {
  local what=$1 key=$2 file=$3
  if "$TOOL" decrypt "$key" < "$file" > "$T/d" 2>"$T/err"; then fail "$what: accepted"
  elif [ -s "$T/d" ]; then fail "$what: wrote $(stat -c %s "$T/d") bytes"; else pass; fi
}
head -c 70000 /dev/urandom > "$T/p"
age -r "$R1" -o "$T/a" "$T/p"
size=$(stat -c %s "$T/a")
refuse "another recipient" "$T/k2" "$T/a"
head -c $((size - 1)) "$T/a" > "$T/t"; refuse "truncated by one byte" "$T/k1" "$T/t"
head -c 65600 "$T/a" > "$T/t"; refuse "truncated after the first chunk" "$T/k1" "$T/t"
for off in 30 100 $((size / 2)) $((size - 1)); do
  cp "$T/a" "$T/f"
  printf '\x01' | dd of="$T/f" bs=1 seek=$off conv=notrunc status=none
  # xor rather than overwrite, so the byte surely changes
  python3 - "$T/a" "$T/f" $off <<'PY'
import sys
b = bytearray(open(sys.argv[1], 'rb').read()); o = int(sys.argv[3]); b[o] ^= 0x20
open(sys.argv[2], 'wb').write(b)
PY
  refuse "byte $off flipped" "$T/k1" "$T/f"
done
# non-canonical header: the ephemeral share with padding added
python3 - "$T/a" "$T/f" <<'PY'
import sys
b = open(sys.argv[1], 'rb').read()
i = b.index(b'\n', b.index(b'-> X25519 '))
open(sys.argv[2], 'wb').write(b[:i] + b'=' + b[i:])
PY
refuse "padded base64 in the header" "$T/k1" "$T/f"
# and age itself refuses what we refuse there
if age -d -i "$T/k1" "$T/f" >/dev/null 2>&1; then fail "age accepted the padded header"; else pass; fi

fs_check
echo "t_age_interop: $PASSES passed, $FAILS failed"
[ "$FAILS" -eq 0 ]
