#!/usr/bin/python3
"""A holder of a version-1 keyring (one master key in every slot), played
with libsodium (ctypes) and the stock sqlcipher shell: unwraps the master
key with one user's passphrase and runs SQL on a register with the
database key derived from it (docs/security.md §4, "Version 1").

  v1key.py KEYS USER PASS REG SQL   print the sqlcipher output; exit 3 when
                                    the key does not open REG
  v1key.py KEYS USER PASS --tryblobs BLOBS
                                    the master key and each of its subkeys
                                    on every sealed notification saved by
                                    insider.py blobs (with cdop's AD and
                                    none); exit 1 if any opens
Nothing here calls cdop."""
import ctypes, hashlib, struct, subprocess, sys

na = ctypes.CDLL("libsodium.so.23")
assert na.sodium_init() >= 0
u8 = ctypes.c_ubyte


def buf(n):
    return (u8 * n)()


def master_key(keys, user, pw):
    b = open(keys, "rb").read()
    assert b[:8] == b"CDOPKEYS" and struct.unpack_from("<H", b, 8)[0] == 1, "not a v1 keyring"
    nslots = struct.unpack_from("<H", b, 10)[0]
    rid = b[16:32]
    uid = buf(16)
    msg = b"cdop user id\0" + user.encode()
    na.crypto_generichash(uid, ctypes.c_size_t(16), msg, ctypes.c_ulonglong(len(msg)),
                          rid, ctypes.c_size_t(16))
    for i in range(nslots):
        s = b[64 + 120 * i:64 + 120 * (i + 1)]
        if s[0] != 1 or s[16:32] != bytes(uid):
            continue
        ops, mem = struct.unpack_from("<IQ", s, 4)
        kek = buf(32)
        assert na.crypto_pwhash(kek, ctypes.c_ulonglong(32), pw, ctypes.c_ulonglong(len(pw)),
                                s[32:48], ctypes.c_ulonglong(ops), ctypes.c_size_t(mem), 2) == 0
        ad = b"CDOPKEYS" + struct.pack("<H", 1) + rid + s[:48]
        out, n = buf(32), ctypes.c_ulonglong()
        if na.crypto_aead_xchacha20poly1305_ietf_decrypt(
                out, ctypes.byref(n), None, s[72:120], ctypes.c_ulonglong(48),
                ad, ctypes.c_ulonglong(len(ad)), s[48:72], kek) == 0:
            return bytes(out)
    raise SystemExit("v1key: the passphrase opens no slot")


def subkey(m, i):
    out = buf(32)
    na.crypto_kdf_derive_from_key(out, ctypes.c_size_t(32), ctypes.c_uint64(i), b"cdop-reg", m)
    return bytes(out)


def main(keys, user, pw, reg, sql):
    k = subkey(master_key(keys, user, pw.encode()), 1)
    script = "PRAGMA key = \"x'%s'\";\nPRAGMA cipher_page_size = 4096;\n%s\n" % (k.hex(), sql)
    p = subprocess.run(["sqlcipher", "-batch", reg], input=script.encode(),
                       capture_output=True)
    out = p.stdout.decode("utf-8", "replace")
    if p.returncode or "file is encrypted" in p.stderr.decode() or "not a database" in p.stderr.decode():
        sys.stderr.write(p.stderr.decode())
        sys.exit(3)
    sys.stdout.write(out)


def tryblobs(keys, user, pw, path):
    import json
    m = master_key(keys, user, pw.encode())
    cands = [m] + [subkey(m, i) for i in range(1, 16)]
    opened = 0
    for cid, h in json.load(open(path)):
        b = bytes.fromhex(h)
        epoch = struct.unpack_from("<I", b, 0)[0]
        ad = b"cdop-id\0notification\0" + struct.pack("<qI", cid, epoch)
        for k in cands:
            for a in (ad, b""):
                out, n = buf(len(b)), ctypes.c_ulonglong()
                if na.crypto_aead_xchacha20poly1305_ietf_decrypt(
                        out, ctypes.byref(n), None, b[28:], ctypes.c_ulonglong(len(b) - 28),
                        a, ctypes.c_ulonglong(len(a)), b[4:28], k) == 0:
                    opened += 1
                    print("v1key: case %d (epoch %d) opened" % (cid, epoch))
    print("v1key: %d sealed notifications, %d opened" % (len(json.load(open(path))), opened))
    sys.exit(1 if opened else 0)


if __name__ == "__main__":
    if sys.argv[4:5] == ["--tryblobs"]:
        tryblobs(*sys.argv[1:4], sys.argv[5])
    main(*sys.argv[1:6])
