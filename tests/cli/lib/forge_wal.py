#!/usr/bin/env python3
"""forge_wal.py OLD NEW OUT: a SQLite WAL file (format 3007000) whose frames
are the pages of OLD that differ from NEW, with valid frame checksums and
salts. No key is needed: the WAL checksums are not keyed, and the pages are
OLD's encrypted pages as they are on disk. SQLite opens any PATH-wal it
finds and serves these pages instead of NEW's (issue 10, finding 1)."""
import struct, sys

PAGE = 4096
old, new = open(sys.argv[1], 'rb').read(), open(sys.argv[2], 'rb').read()
npages = len(old) // PAGE

def cksum(data, s0, s1):
    # native (little-endian) byte order: magic 0x377f0682
    for i in range(0, len(data), 8):
        a, b = struct.unpack_from('<II', data, i)
        s0 = (s0 + a + s1) & 0xffffffff
        s1 = (s1 + b + s0) & 0xffffffff
    return s0, s1

salt1, salt2 = 0x1234567, 0x89abcdef
hdr = struct.pack('>IIIIII', 0x377f0682, 3007000, PAGE, 0, salt1, salt2)
s0, s1 = cksum(hdr, 0, 0)
out = bytearray(hdr + struct.pack('>II', s0, s1))
pages = [p for p in range(npages) if old[p*PAGE:(p+1)*PAGE] != new[p*PAGE:(p+1)*PAGE]]
for i, p in enumerate(pages):
    data = old[p*PAGE:(p+1)*PAGE]
    commit = npages if i == len(pages) - 1 else 0
    fh = struct.pack('>IIII', p + 1, commit, salt1, salt2)
    s0, s1 = cksum(fh[:8], s0, s1)
    s0, s1 = cksum(data, s0, s1)
    out += fh + struct.pack('>II', s0, s1) + data
open(sys.argv[3], 'wb').write(out)
print(len(pages))
