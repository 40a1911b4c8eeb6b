#!/usr/bin/env bash
# lib.sh's shell-only helpers answer as the processes they stand in for:
# file_has as grep -q [-a]F, same_file as cmp -s, text_of as $(cat FILE),
# json_count (and -v) as grep -c '^  {', on the edge cases (empty file and
# pattern, a pattern of two lines, NUL bytes, a file over 64 KiB, bytes
# that are not UTF-8, control bytes, trailing newlines, a missing file) and
# on random binary files; ls_grep as ls | grep -E (names, order, status).
# No cdop command: the helpers alone.
. "$(dirname "$0")/lib.sh"
D="$T/h"; mkdir -p "$D"
printf '' > "$D/empty"; printf 'abc\ndef\n' > "$D/two"; printf 'abc\ndef' > "$D/nonl"
printf 'abc\0def\n' > "$D/nul"; printf 'caf\xc3\xa9 \xff bad\n\n\n' > "$D/utf"
printf 'a\x01b\x7fc\x1bd\\e\r\n' > "$D/ctl"; printf '\n\n' > "$D/nls"
printf '[\n  {\n    "a": 1\n  },\n  {\n  }\n]\n' > "$D/json"; printf '  {\n  {' > "$D/lead"
printf '\xc3\n  {\xa9\n  {\n' > "$D/split"
printf '%070000d\n' 0 > "$D/big"; { cat "$D/big"; printf 'abc\n'; } > "$D/big2"
for i in 1 2; do
  head -c $((i * 700)) /dev/urandom | tr -d '\0' > "$D/rnd$i"; printf 'hello world\n' >> "$D/rnd$i"
done
cp "$D/rnd1" "$D/rnd1b"; cp "$D/rnd2" "$D/rnd2b"; printf '\x01' >> "$D/rnd2b"
FILES="empty two nonl nul utf ctl nls json lead split big rnd1 rnd2 missing"

n=0 bad=0
differ() { n=$((n + 1)); [ "$1" = "$2" ] || { bad=$((bad + 1)); echo "differs: $3 ($1, want $2)" >&2; }; }
for f in $FILES; do
  for p in "" abc "c
d" "[a]" é "  {" $'\x01b' "-aF:hello world"; do
    o=-F; case $p in -aF:*) o=-aF p=${p#-aF:} ;; esac
    file_has "$D/$f" "$p" "$o" 2>/dev/null; a=$?
    grep -q "$o" -- "$p" "$D/$f" 2>/dev/null; differ "$a" $? "file_has $f '$p' $o"
  done
  text_of v "$D/$f" 2>/dev/null; differ "$v" "$(cat "$D/$f" 2>/dev/null)" "text_of $f"
  json_count -v c "$D/$f" 2>/dev/null; differ "$c" "$(grep -c '^  {' "$D/$f" 2>/dev/null || true)" "json_count -v $f"
  differ "$(json_count "$D/$f" 2>/dev/null)" "$c" "json_count $f"
done
for a in two nul utf big rnd1 rnd2; do
  for b in nonl two big2 rnd1b rnd2b; do
    same_file "$D/$a" "$D/$b" 2>/dev/null; x=$?
    cmp -s "$D/$a" "$D/$b" 2>/dev/null; differ "$x" $? "same_file $a $b"
  done
done
mkdir "$D/ls"; touch "$D/ls/reg.cdop" "$D/ls/reg.cdop.keys.new" "$D/ls/.reg.cdop.keys.tmp" \
  "$D/ls/a reg.cdop.keys.tmp b" "$D/ls/Zreg.cdop.keys.new" "$D/ls/reg-cdop-keys-new"
for e in 'reg\.cdop\.keys\.(new|tmp)' '^reg' 'zzz'; do
  differ "$(ls_grep "$D/ls" "$e"; echo "rc $?")" "$(ls "$D/ls" | grep -E "$e"; echo "rc $?")" "ls_grep $e"
done
[ "$bad" = 0 ] && pass || fail "$bad of $n answers differ from the processes'"
echo "$n answers compared"
finish
