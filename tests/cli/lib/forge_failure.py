#!/usr/bin/env python3
"""forge_failure.py KEYRING TEXT: appends a failed-unlock record to KEYRING
as anyone can: crypto_box_seal to the public key the keyring holds in clear
(offset 32), after the MAC (docs/security.md, keyring format). TEXT is
"TIME<TAB>USER<TAB>REASON", with any bytes (\\xNN escapes are decoded)."""
import ctypes, struct, sys

path, text = sys.argv[1], sys.argv[2].encode('latin-1').decode('unicode_escape').encode('latin-1')
sodium = ctypes.CDLL('libsodium.so.23')
assert sodium.sodium_init() >= 0
kr = bytearray(open(path, 'rb').read())
nslots = struct.unpack_from('<H', kr, 10)[0]
pk = bytes(kr[32:64])
box = ctypes.create_string_buffer(len(text) + 48)
assert sodium.crypto_box_seal(box, text, ctypes.c_ulonglong(len(text)), pk) == 0
off = 144 + 120 * nslots
nfail = struct.unpack_from('<H', kr, off)[0]
kr[off:off + 2] = struct.pack('<H', nfail + 1)
kr += struct.pack('<H', len(text) + 48) + box.raw
open(path, 'wb').write(kr)
