#!/usr/bin/env bash
# template.sh DIR: make the template register that the end-to-end tests
# copy (lib.sh from_template); the ctest fixture cli_template runs it once.
. "$(dirname "$0")/lib.sh"
dir=${1:?usage: template.sh DIR}
rm -rf "$dir" "$dir.tmp"
make_template "$dir"
[ -e "$dir/reg.cdop.keys" ] && pass || fail "template: no keyring in $dir"
finish
