#!/usr/bin/python3
"""Checks the v2 slots a v1 register has staged (docs/security.md §17),
with libsodium alone: reads the meta rows through the stock sqlcipher shell
under the v1 master key (v1key.py) and opens each staged slot with its
user's passphrase.

  v2stage.py KEYS REG HOLDER HOLDERPASS [USER PASS]...
prints one line per staged row: 'admin CREATOR-OK' or 'slot USER ok';
exits 1 on any staged slot (or admin record) that does not open as it must."""
import ctypes, struct, subprocess, sys, os
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import v1key
from v1key import na, buf

keys, reg, holder, hpw = sys.argv[1:5]
users = dict(zip(sys.argv[5::2], sys.argv[6::2]))
b = open(keys, "rb").read()
assert b[:8] == b"CDOPKEYS" and struct.unpack_from("<H", b, 8)[0] == 1, "the keyring is no longer v1"
rid = b[16:32]
k = v1key.subkey(v1key.master_key(keys, holder, hpw.encode()), 1)
script = "PRAGMA key = \"x'%s'\";\nPRAGMA cipher_page_size = 4096;\n" \
         "SELECT key || '=' || value FROM meta WHERE key LIKE 'keyring_v2%%';\n" % k.hex()
p = subprocess.run(["sqlcipher", "-batch", reg], input=script.encode(), capture_output=True)
assert p.returncode == 0, p.stderr
rows = dict(l.split("=", 1) for l in p.stdout.decode().split())


def uid(name):
    out = buf(16)
    msg = b"cdop user id\0" + name.encode()
    na.crypto_generichash(out, ctypes.c_size_t(16), msg, ctypes.c_ulonglong(len(msg)), rid, ctypes.c_size_t(16))
    return bytes(out)


def v1slot(u):
    for i in range(struct.unpack_from("<H", b, 10)[0]):
        s = b[64 + 120 * i:64 + 120 * (i + 1)]
        if s[0] == 1 and s[16:32] == u:
            return s
    raise SystemExit("no v1 slot")


def open_staged(name, pw, admin_pk):
    s1 = v1slot(uid(name))
    st = bytes.fromhex(rows["keyring_v2_slot:" + uid(name).hex()])
    assert len(st) == 216 and st[:4] == s1[:4] and st[4:48] == s1[4:48], "header is not the v1 slot's"
    ops, mem = struct.unpack_from("<IQ", st, 4)
    kek = buf(32)
    assert na.crypto_pwhash(kek, ctypes.c_ulonglong(32), pw.encode(), ctypes.c_ulonglong(len(pw)),
                            st[32:48], ctypes.c_ulonglong(ops), ctypes.c_size_t(mem), 2) == 0
    ad = b"CDOPKEYS" + struct.pack("<H", 2) + rid + admin_pk + st[:112]
    sec, n = buf(64), ctypes.c_ulonglong()
    if na.crypto_aead_xchacha20poly1305_ietf_decrypt(sec, ctypes.byref(n), None, st[136:216], ctypes.c_ulonglong(80),
                                                     ad, ctypes.c_ulonglong(len(ad)), st[112:136], kek):
        raise SystemExit("slot %s does not open with its passphrase" % name)
    xpk = buf(32)
    na.crypto_scalarmult_base(xpk, sec)
    assert bytes(xpk) == st[48:80], "x_pk"
    return bytes(sec), st


rec = bytes.fromhex(rows["keyring_v2_admin"]) if "keyring_v2_admin" in rows else None
for key in sorted(rows):
    if key == "keyring_v2_admin":
        continue
    name = [u for u in users if "keyring_v2_slot:" + uid(u).hex() == key]
    if not name:
        print("slot ? unchecked")
        continue
    sec, st = open_staged(name[0], users[name[0]], rec[16:48])
    print("slot %s ok" % name[0])
    if rec[:16] == uid(name[0]):
        seed = buf(32)
        assert na.crypto_box_seal_open(seed, rec[48:128], ctypes.c_ulonglong(80), st[48:80], sec) == 0, "admin box"
        pk, sk = buf(32), buf(64)
        na.crypto_sign_seed_keypair(pk, sk, seed)
        assert bytes(pk) == rec[16:48], "admin key"
        print("admin %s ok" % name[0])
