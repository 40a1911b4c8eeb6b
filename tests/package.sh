#!/usr/bin/env bash
# The Debian package (cpack -G DEB): built from the build directory, it holds
# the binary, the man page and the completion, and depends on the libraries
# cdop links (dpkg-shlibdeps). Installing it is a manual check (docs/guide.md).
set -u
B=${1:?build directory}
T=$(mktemp -d /tmp/cdop-deb-XXXXXX); trap 'rm -rf "$T"' EXIT
fails=0
check() { if eval "$1"; then echo "ok: $2"; else echo "FAIL: $2"; fails=$((fails + 1)); fi; }
(cd "$B" && cpack -G DEB -B "$T" >"$T/log" 2>&1) || { cat "$T/log"; exit 1; }
deb=$(ls "$T"/cdop_*.deb)
dpkg -I "$deb" > "$T/info"; dpkg -c "$deb" > "$T/files"
check 'grep -q "Package: cdop" "$T/info"' "package name"
for lib in libsodium libsqlcipher libjansson libc6; do
  check "grep -q \"Depends:.*$lib\" \"\$T/info\"" "depends on $lib"
done
check 'grep -q "\./usr/bin/cdop$" "$T/files"' "binary in /usr/bin"
check 'grep -q "\./usr/share/man/man1/cdop.1.gz$" "$T/files"' "man page"
check 'grep -q "\./usr/share/bash-completion/completions/cdop$" "$T/files"' "bash completion"
dpkg-deb -x "$deb" "$T/root"
check '"$T/root/usr/bin/cdop" --version | grep -q "^cdop "' "packaged binary runs"
echo "$fails failed"
[ "$fails" -eq 0 ]
