#!/usr/bin/env bash
# `user disable` whose rekey fails (issue 10). After the disable commits,
# keys_rekey re-encrypts every page under the new K_reg; SQLCipher 3.4.1's
# rekey reports success even when a journal or file write fails under it,
# and the register used to be left with a whole-file MAC that matched
# neither key's chunk hashes (every user refused, check exit 4). Points
# (faultshim): an EIO on a journal page write of the rekey, an ENOSPC on
# one of its writes to the register, an EIO on the journal's fsync. Each
# must leave the disable committed (exit 0, a warning that the rekey is
# pending), check clean, ann refused, the others unlocking, and the next
# command finishing the rekey.
. "$(dirname "$0")/lib.sh"
export CDOP_TODAY=2026-03-31
SHIM=${CDOP_FAULTSHIM:?CDOP_FAULTSHIM must point at libcdop_faultshim.so}
from_template
cp "$REG" "$T/base.cdop"; cp "$REG.keys" "$T/base.keys"
disable() { # [env...]
  env "$@" "$CDOP" --register "$REG" --user ada --passphrase-file "$T/ada.pass" \
    user disable ann >"$T/out" 2>"$T/err" </dev/null
  RC=$?
}
disable LD_PRELOAD="$SHIM" CDOP_FAULT_LOG="$T/log"
expect_rc 0 "clean disable"
# the rekey: the calls after the disable's commit (its keyring's rename)
commit=$(awk '$2 == "rename" && $3 == "reg.cdop.keys" { n = $1 } $2 == "unlink" && $3 == "reg.cdop-journal" && !c { c = $1 } END { print c }' "$T/log")
pts=$(awk -v c="$commit" '$1 > c && $2 == "pwrite" && $3 == "reg.cdop-journal" { j[++n] = $1 }
  $1 > c && $2 == "pwrite" && $3 == "reg.cdop" { d = $1 }
  $1 > c && $2 == "fsync" && $3 == "reg.cdop-journal" && !f { f = $1 }
  END { print j[int(n / 2)] ":eio", d ":enospc", f ":eio" }' "$T/log")
[ "$(echo $pts | wc -w)" -eq 3 ] && pass || fail "rekey points not found: $pts"
for pm in $pts; do
  p=${pm%:*} m=${pm#*:} where="rekey fault at call $p ($m)"
  cp "$T/base.cdop" "$REG"; cp "$T/base.keys" "$REG.keys"
  disable LD_PRELOAD="$SHIM" CDOP_FAULT_AT="$p" CDOP_FAULT_MODE="$m"
  expect_rc 0 "$where: the disable stands"
  expect_err "could not be re-encrypted" "$where: the pending rekey is reported"
  as ada check; expect_rc 0 "$where: check"
  for u in mo pat; do as "$u" case list; expect_rc 0 "$where: $u unlocks"; done
  as ann case list; expect_rc 3 "$where: ann is refused"
  as ada user list --json
  grep -A3 '"ann"' "$T/out" | grep -q disabled && pass || fail "$where: ann not disabled"
  as ada check; expect_rc 0 "$where: check after the rekey at open"
  ls "$T" | grep -q 'reg.cdop-journal\|reg.cdop.keys.new' && fail "$where: side files left" || pass
done
finish
