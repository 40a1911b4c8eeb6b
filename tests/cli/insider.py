#!/usr/bin/python3
"""The insider of SPEC §6, played with libsodium (ctypes) and the stock
sqlcipher shell only: a user with their own passphrase and copies of both
files (PATH, PATH.keys) takes every key their slot opens, every subkey cdop
could derive from any of them, and tries

  keys REG KEYS USER PASS             print what the slot yields (JSON)
  read REG KEYS USER PASS SECRET...   open the database, dump it, and try
                                      every key on every sealed field
  audit REG KEYS USER PASS VICTIM     rewrite VICTIM's newest audit entry:
                                      chain re-hashed, re-signed with the
                                      attacker's own key, file and keyring
                                      MACs resealed (cdop must still see it)
  blobs REG KEYS USER PASS OUT        save the sealed fields (for a later
                                      read with another user's keys)
  tryblobs BLOBS REG KEYS USER PASS   every key of this slot on saved blobs
  swap REG KEYS USER PASS A B MODE    swap the sealed old/new values of audit
                                      entries A and B (MODE plain, or rehash:
                                      chain, head and signatures redone with
                                      the attacker's keys; MACs resealed; or
                                      drop: A's values removed)

Exit 0 when the attack failed as it should (read, tryblobs) or was carried
out (audit: cdop is then asked), 1 when an identifiable field was read.
The keyring layout is docs/security.md's; nothing here calls cdop.
"""
import ctypes, hashlib, json, struct, subprocess, sys

na = ctypes.CDLL("libsodium.so.23")
assert na.sodium_init() >= 0
u8 = ctypes.c_ubyte


def buf(n):
    return (u8 * n)()


def argon2id(pw, salt, ops, mem):
    out = buf(32)
    rc = na.crypto_pwhash(out, ctypes.c_ulonglong(32), pw, ctypes.c_ulonglong(len(pw)),
                          salt, ctypes.c_ulonglong(ops), ctypes.c_size_t(mem), 2)
    assert rc == 0
    return bytes(out)


def aead_open(key, nonce, ct, ad):
    out = buf(max(len(ct) - 16, 1))
    n = ctypes.c_ulonglong()
    rc = na.crypto_aead_xchacha20poly1305_ietf_decrypt(
        out, ctypes.byref(n), None, ct, ctypes.c_ulonglong(len(ct)),
        ad, ctypes.c_ulonglong(len(ad)), nonce, key)
    return bytes(out)[:n.value] if rc == 0 else None


def seal_open(ct, pk, sk):
    out = buf(max(len(ct) - 48, 1))
    rc = na.crypto_box_seal_open(out, ct, ctypes.c_ulonglong(len(ct)), pk, sk)
    return bytes(out)[:len(ct) - 48] if rc == 0 else None


def scalarmult_base(sk):
    out = buf(32)
    na.crypto_scalarmult_base(out, sk)
    return bytes(out)


def sign_seed_keypair(seed):
    pk, sk = buf(32), buf(64)
    na.crypto_sign_seed_keypair(pk, sk, seed)
    return bytes(pk), bytes(sk)


def sign(msg, sk):
    sig = buf(64)
    na.crypto_sign_detached(sig, None, msg, ctypes.c_ulonglong(len(msg)), sk)
    return bytes(sig)


def kdf(key, i):
    out = buf(32)
    na.crypto_kdf_derive_from_key(out, ctypes.c_size_t(32), ctypes.c_uint64(i),
                                  b"cdop-reg", key)
    return bytes(out)


def b2b(data, key=None, n=32):
    out = buf(n)
    na.crypto_generichash(out, ctypes.c_size_t(n), data, ctypes.c_ulonglong(len(data)),
                          key, ctypes.c_size_t(len(key) if key else 0))
    return bytes(out)


def parse_keyring(b):
    assert b[:8] == b"CDOPKEYS"
    ver, nslots, ngrants, nsigners = struct.unpack_from("<HHHH", b, 8)
    assert ver == 2, ver
    kr = {"rid": b[16:32], "admin_pk": b[64 + 16:64 + 48], "slots": [], "grants": []}
    o = 64 + 280
    for i in range(nslots):
        s = b[o:o + 216]
        ops, mem = struct.unpack_from("<IQ", s, 4)
        kr["slots"].append({"head": s[:112], "ops": ops, "mem": mem, "salt": s[32:48],
                            "id": s[16:32], "x_pk": s[48:80], "nonce": s[112:136],
                            "wrapped": s[136:216], "at": o})
        o += 216
    o += 48 * nsigners
    for i in range(ngrants):
        n = struct.unpack_from("<H", b, o + 40)[0]
        kr["grants"].append({"recipient": b[o:o + 16], "sealed": b[o + 44:o + 44 + n]})
        o += 44 + n + 64
    # retired report keys and age recipients (count: public block 56-57)
    o += 48 * struct.unpack_from("<H", b, 64 + 56)[0]
    kr["state_at"] = o
    return kr


def unlock(keys_path, user, pw):
    """The slot's own secrets and every grant they open, as a key list."""
    b = open(keys_path, "rb").read()
    kr = parse_keyring(b)
    for s in kr["slots"]:
        kek = argon2id(pw, s["salt"], s["ops"], s["mem"])
        ad = b"CDOPKEYS" + struct.pack("<H", 2) + kr["rid"] + kr["admin_pk"] + s["head"]
        sec = aead_open(kek, s["nonce"], s["wrapped"], ad)
        if sec:
            break
    else:
        raise SystemExit("insider: the passphrase opens no slot")
    x_sk, seed = sec[:32], sec[32:]
    x_pk = scalarmult_base(x_sk)
    opened = [seal_open(g["sealed"], x_pk, x_sk) for g in kr["grants"]]
    payloads = [p for p in opened if p]
    return kr, x_sk, seed, payloads


def candidates(x_sk, seed, payloads):
    """Every 32-byte key the slot yields, raw and as every cdop subkey."""
    raw = [x_sk, seed]
    for p in payloads:
        raw += [p[i:i + 32] for i in range(0, len(p) - 31, 32)]
    out = []
    for k in raw:
        out.append(k)
        out += [kdf(k, i) for i in range(1, 16)]
    return list(dict.fromkeys(out))


def sqlcipher(reg, key, sql):
    script = "PRAGMA key = \"x'%s'\";\nPRAGMA cipher_page_size = 4096;\n%s\n" % (key.hex(), sql)
    p = subprocess.run(["sqlcipher", "-batch", reg], input=script.encode(),
                       capture_output=True)
    return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode()


def db_key(reg, keys):
    """The candidate that opens the database with the stock shell, or None.
    One shell tries them all: .open starts a new connection for each key
    (a shell per candidate was most of the test's time)."""
    script = "".join(".open '%s'\nPRAGMA key = \"x'%s'\";\nPRAGMA cipher_page_size = 4096;\n"
                     "SELECT 'key %d', count(*) FROM sqlite_master;\n" % (reg, k.hex(), i)
                     for i, k in enumerate(keys))
    p = subprocess.run(["sqlcipher", "-batch"], input=script.encode(), capture_output=True)
    for line in p.stdout.decode("utf-8", "replace").splitlines():
        f = line.split("|")
        if len(f) == 2 and f[0].startswith("key ") and f[1].isdigit():
            return keys[int(f[0][4:])]
    return None


def sealed_blobs(reg, k):
    rc, out, err = sqlcipher(reg, k, "SELECT case_id, hex(sealed) FROM case_documents "
                             "WHERE sealed IS NOT NULL;")
    assert rc == 0, err
    res = []
    for line in out.splitlines():
        if "|" in line:
            cid, h = line.split("|")
            res.append((int(cid), bytes.fromhex(h)))
    return res


def audit_blobs(reg, k):
    """The K_id-sealed old and new values in the audit trail (schema 013,
    format byte 'k'), as (seq, blob) for try_blobs with ctx "audit"."""
    rc, out, err = sqlcipher(reg, k, "SELECT seq, hex(sealed) FROM audit "
                             "WHERE sealed IS NOT NULL;")
    if rc != 0 and "no such column" in err:
        return []
    assert rc == 0, err
    res = []
    for line in out.splitlines():
        if "|" in line:
            seq, h = line.split("|")
            b = bytes.fromhex(h)
            if b[:1] == b"k":
                res.append((int(seq), b[1:]))
    return res


def try_blobs(blobs, keys, ids=None, ctx=b"notification"):
    """Every key on every blob, with the exact authenticated data cdop uses
    and with none: the number opened (0 for a sound design)."""
    opened = 0
    ids = ids if ids is not None else []
    for cid, blob in blobs:
        epoch = struct.unpack_from("<I", blob, 0)[0]
        ad = b"cdop-id\0" + ctx + b"\0" + struct.pack("<qI", cid, epoch)
        for k in keys:
            for a in (ad, b""):
                if aead_open(k, blob[4:28], blob[28:], a) is not None:
                    opened += 1
                    ids.append(cid)
                    print("insider: case %d opened" % cid, file=sys.stderr)
    return opened


def cmd_read(reg, keys_path, user, pw, secrets):
    kr, x_sk, seed, payloads = unlock(keys_path, user, pw.encode())
    keys = candidates(x_sk, seed, payloads)
    k = db_key(reg, keys)
    if not k:
        print(json.dumps({"db": False, "grants": len(payloads)}))
        return 0
    rc, dump, err = sqlcipher(reg, k, ".dump")
    assert rc == 0 and "CREATE TABLE" in dump, err
    leaked = [s for s in secrets if s.lower() in dump.lower()]
    blobs = sealed_blobs(reg, k)
    opened = try_blobs(blobs, keys)
    ablobs = audit_blobs(reg, k)
    opened += try_blobs(ablobs, keys, ctx=b"audit")
    print(json.dumps({"db": True, "grants": len(payloads), "keys": len(keys),
                      "sealed": len(blobs), "audit_sealed": len(ablobs),
                      "opened": opened, "leaked": leaked}))
    return 1 if leaked or opened else 0


def cmd_blobs(reg, keys_path, user, pw, out):
    kr, x_sk, seed, payloads = unlock(keys_path, user, pw.encode())
    k = db_key(reg, candidates(x_sk, seed, payloads))
    assert k, "no database key"
    json.dump([[c, b.hex()] for c, b in sealed_blobs(reg, k)], open(out, "w"))
    return 0


def cmd_tryblobs(blobs_path, reg, keys_path, user, pw):
    kr, x_sk, seed, payloads = unlock(keys_path, user, pw.encode())
    keys = candidates(x_sk, seed, payloads)
    blobs = [(c, bytes.fromhex(h)) for c, h in json.load(open(blobs_path))]
    ids = []
    try_blobs(blobs, keys, ids)
    db = db_key(reg, keys) is not None
    print(json.dumps({"db": db, "sealed": len(blobs), "opened_cases": sorted(set(ids))}))
    return 1 if db else 0


def chain_hash(key, prev, fields):
    data = prev
    for f in fields:
        f = f if isinstance(f, bytes) else f.encode()
        data += struct.pack("<Q", len(f)) + f
    return b2b(data, key, 32)


def cmd_audit(reg, keys_path, user, pw, victim):
    """Alter VICTIM's newest entry and make every check cdop has without a
    signature pass: chain, head, file MAC, keyring MAC."""
    kr, x_sk, seed, payloads = unlock(keys_path, user, pw.encode())
    reg_grants = [p for p in payloads if len(p) == 64]
    assert reg_grants, "no K_reg grant"
    k_reg, k_audit = reg_grants[-1][:32], reg_grants[-1][32:]
    dbk = kdf(k_reg, 1)
    # hex(sealed) last: the sealed old and new values (schema 013), a
    # seventh chained field where present.
    rc, out, err = sqlcipher(reg, dbk, "SELECT seq, at, user, action, object, detail, "
                             "hex(sealed) FROM audit ORDER BY seq;")
    assert rc == 0, err
    rows = [l.split("|") for l in out.splitlines() if "|" in l]
    target = max(int(r[0]) for r in rows if r[2] == victim)
    prev = b"\0" * 32
    sqls = []
    s_pk, s_sk = sign_seed_keypair(seed)
    my_id = [s["id"] for s in kr["slots"] if s["x_pk"] == scalarmult_base(x_sk)][0]
    for r in rows:
        seq = int(r[0])
        if seq == target:
            r[5] = "forged by " + user
        sealed = [bytes.fromhex(r[6])] if r[6] else []
        h = chain_hash(k_audit, prev, [str(seq)] + r[1:6] + sealed)
        if seq >= target:
            dig = b2b(b"cdop-audit-v2\0" + kr["rid"] + struct.pack("<q", seq) + h, None, 64)
            sig = my_id + s_pk + sign(dig, s_sk)
            sqls.append("UPDATE audit SET detail = '%s', hash = x'%s', sig = x'%s' "
                        "WHERE seq = %d;" % (r[5].replace("'", "''"), h.hex(), sig.hex(), seq))
        prev = h
    sqls.append("INSERT OR REPLACE INTO meta(key, value) VALUES ('audit_head', '%d:%s');"
                % (int(rows[-1][0]), prev.hex()))
    apply_and_reseal(reg, keys_path, kr, k_reg, dbk, sqls)
    print(json.dumps({"altered": target}))
    return 0


def file_mac(data, key, kind):
    """The register file's MAC as the keyring's kind says (docs/security.md
    §5): 0 flat keyed BLAKE2b, 1 the keyed tree over 64 KiB chunks, 2 the
    tree with unkeyed chunk hashes under the keyed top."""
    if kind == 0:
        return b2b(data, key, 32)
    c = 65536
    n = (len(data) + c - 1) // c
    ck = {"key": key} if kind == 1 else {}
    hs = b"".join(hashlib.blake2b(data[i * c:(i + 1) * c], digest_size=32,
                                  salt=struct.pack("<Q", i) + bytes(8),
                                  person=b"cdop-fmac-chunk%d" % kind, **ck).digest()
                  for i in range(n))
    return hashlib.blake2b(struct.pack("<QQ", len(data), n) + hs, digest_size=32, key=key,
                           person=b"cdop-fmac-top-v%d" % kind).digest()


def apply_and_reseal(reg, keys_path, kr, k_reg, dbk, sqls):
    # cdop's triggers refuse changes to the audit table; the insider drops
    # them for the edit and puts them back.
    rc, out, err = sqlcipher(reg, dbk, "SELECT name || '|' || replace(sql, char(10), ' ') "
                             "FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'audit';")
    trig = [l.split("|", 1) for l in out.splitlines() if "|" in l]
    script = "".join("DROP TRIGGER %s;\n" % n for n, _ in trig) + "\n".join(sqls) + "\n" + \
        "".join(t + ";\n" for _, t in trig)
    rc, out, err = sqlcipher(reg, dbk, "BEGIN;\n" + script + "COMMIT;")
    assert rc == 0, err
    # Reseal what cdop checks at open: the whole-file MAC in the keyring's
    # state block, and the keyring MAC over everything before it.
    b = bytearray(open(keys_path, "rb").read())
    data = open(reg, "rb").read()
    st = kr["state_at"]
    b[st:st + 32] = file_mac(data, kdf(k_reg, 7), b[st + 41])
    b[st + 32:st + 40] = struct.pack("<Q", len(data))
    b[st + 40] = 0
    b[st + 48:st + 80] = b2b(bytes(b[:st + 48]), kdf(k_reg, 5), 32)
    open(keys_path, "wb").write(b)


def cmd_swap(reg, keys_path, user, pw, a, b, mode):
    """Swap the sealed old and new values (schema 013) of audit entries A
    and B, which the insider cannot open. mode "plain": nothing else;
    "rehash": the chain re-hashed with the insider's audit key, the head
    moved and the swapped entries (and all after) re-signed with the
    insider's own key, and the file and keyring MACs resealed."""
    kr, x_sk, seed, payloads = unlock(keys_path, user, pw.encode())
    reg_grants = [p for p in payloads if len(p) == 64]
    assert reg_grants, "no K_reg grant"
    k_reg, k_audit = reg_grants[-1][:32], reg_grants[-1][32:]
    dbk = kdf(k_reg, 1)
    rc, out, err = sqlcipher(reg, dbk, "SELECT seq, at, user, action, object, detail, "
                             "hex(sealed) FROM audit ORDER BY seq;")
    assert rc == 0, err
    rows = [l.split("|") for l in out.splitlines() if "|" in l]
    by = {int(r[0]): r for r in rows}
    assert by[a][6] and (mode == "drop" or by[b][6]), "the entries must hold sealed values"
    if mode == "drop":  # A's sealed values removed (B unused)
        print(json.dumps({"dropped": a}))
        apply_and_reseal(reg, keys_path, kr, k_reg, dbk,
                         ["UPDATE audit SET sealed = NULL WHERE seq = %d;" % a])
        return 0
    by[a][6], by[b][6] = by[b][6], by[a][6]
    sqls = ["UPDATE audit SET sealed = x'%s' WHERE seq = %d;" % (by[s_][6], s_)
            for s_ in (a, b)]
    if mode == "rehash":
        s_pk, s_sk = sign_seed_keypair(seed)
        my_id = [s["id"] for s in kr["slots"] if s["x_pk"] == scalarmult_base(x_sk)][0]
        prev = b"\0" * 32
        for r in rows:
            seq = int(r[0])
            h = chain_hash(k_audit, prev, [str(seq)] + r[1:6] +
                           ([bytes.fromhex(r[6])] if r[6] else []))
            if seq >= min(a, b):
                dig = b2b(b"cdop-audit-v2\0" + kr["rid"] + struct.pack("<q", seq) + h, None, 64)
                sig = my_id + s_pk + sign(dig, s_sk)
                sqls.append("UPDATE audit SET hash = x'%s', sig = x'%s' WHERE seq = %d;"
                            % (h.hex(), sig.hex(), seq))
            prev = h
        sqls.append("INSERT OR REPLACE INTO meta(key, value) VALUES ('audit_head', '%d:%s');"
                    % (int(rows[-1][0]), prev.hex()))
    apply_and_reseal(reg, keys_path, kr, k_reg, dbk, sqls)
    print(json.dumps({"swapped": [a, b], "mode": mode}))
    return 0


def main(a):
    if a[0] == "read":
        return cmd_read(a[1], a[2], a[3], a[4], a[5:])
    if a[0] == "blobs":
        return cmd_blobs(*a[1:6])
    if a[0] == "tryblobs":
        return cmd_tryblobs(*a[1:6])
    if a[0] == "audit":
        return cmd_audit(*a[1:6])
    if a[0] == "swap":
        return cmd_swap(a[1], a[2], a[3], a[4], int(a[5]), int(a[6]), a[7])
    raise SystemExit("usage: see the docstring")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
