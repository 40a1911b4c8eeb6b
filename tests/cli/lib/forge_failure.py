#!/usr/bin/env python3
"""forge_failure.py KEYRING TEXT: appends a failed-unlock record to KEYRING
as anyone can: crypto_box_seal to the public key the keyring holds in clear
(offset 32), after the MAC (docs/security.md §4, keyring format version 2:
header, public block, slots, signer keys, grants, state block, MAC, then the
failure records). TEXT is
"TIME<TAB>USER<TAB>REASON", with any bytes (\\xNN escapes are decoded)."""
import ctypes, struct, sys

path, text = sys.argv[1], sys.argv[2].encode('latin-1').decode('unicode_escape').encode('latin-1')
sodium = ctypes.CDLL('libsodium.so.23')
assert sodium.sodium_init() >= 0
kr = bytearray(open(path, 'rb').read())
assert kr[:8] == b'CDOPKEYS', 'not a keyring'
version, nslots, ngrants, nsigners = struct.unpack_from('<HHHH', kr, 8)
assert version == 2, 'keyring format %d, this writes version 2' % version
pk = bytes(kr[32:64])
box = ctypes.create_string_buffer(len(text) + 48)
assert sodium.crypto_box_seal(box, text, ctypes.c_ulonglong(len(text)), pk) == 0
off = 64 + 280 + 216 * nslots + 48 * nsigners
for _ in range(ngrants):  # head (44: len at 40) || box (len) || signature (64)
    off += 44 + struct.unpack_from('<H', kr, off + 40)[0] + 64
off += 48 + 32  # state block, keyring MAC
nfail = struct.unpack_from('<H', kr, off)[0]
kr[off:off + 2] = struct.pack('<H', nfail + 1)
kr += struct.pack('<H', len(text) + 48) + box.raw
open(path, 'wb').write(kr)
