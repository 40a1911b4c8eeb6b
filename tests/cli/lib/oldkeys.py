#!/usr/bin/python3
"""What a departing user can still do with the keys they kept, played with
libsodium (ctypes) alone: a copy of the keyring taken before they were
disabled (v2), or a version-1 keyring (the master key M every v1 user
held), and their passphrase (docs/security.md §15, §17).

  oldkeys.py sign KEYS USER PASS FILE TC   sign FILE into FILE.minisig
                                           (minisign's prehashed "ED", the
                                           trusted comment TC) with the
                                           report key the slot opens (the
                                           one KEYS names as the register's)
  oldkeys.py age KEYS USER PASS OUT        write the age identity the slot
                                           opens (the one KEYS names) to OUT,
                                           as the stock age tool reads it
  oldkeys.py v1sign KEYS USER PASS FILE TC the same with M's report key
  oldkeys.py v1age KEYS USER PASS OUT      and M's age identity
  oldkeys.py ablobs REG KEYS USER PASS DIR the audit trail's 'a'-sealed values
                                           (age files to the register's
                                           recipient) as DIR/SEQ.age, read
                                           with the database key the slot
                                           opens (the stock sqlcipher shell)

Exit 0 when the key was found and used; nothing here calls cdop."""
import base64, hashlib, os, sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import insider  # noqa: E402
import v1key  # noqa: E402

SUBKEY_SIGN, SUBKEY_LEGACY_AGE = 3, 10


def v2_seeds(keys, user, pw):
    """Every 32-byte secret the slot opens, and the keyring's report key
    and age recipient (public block, docs/security.md §4)."""
    kr, x_sk, seed, payloads = insider.unlock(keys, user, pw.encode())
    b = open(keys, "rb").read()
    report_pk, age_pk = b[64 + 64:64 + 96], b[64 + 96:64 + 128]
    cands = [p[i:i + 32] for p in payloads for i in range(0, len(p) - 31, 32)]
    return cands, report_pk, age_pk


def report_seed(keys, user, pw):
    cands, report_pk, _ = v2_seeds(keys, user, pw)
    for c in cands:
        pk, sk = insider.sign_seed_keypair(c)
        if pk == report_pk:
            return pk, sk
    raise SystemExit("oldkeys: the slot opens no report key")


def age_secret(keys, user, pw):
    cands, _, age_pk = v2_seeds(keys, user, pw)
    for c in cands:
        if insider.scalarmult_base(c) == age_pk:
            return c
    raise SystemExit("oldkeys: the slot opens no age identity")


def minisign(path, tc, pk, sk):
    """FILE.minisig as cdop and minisign write it (prehashed Ed25519)."""
    digest = hashlib.blake2b(open(path, "rb").read(), digest_size=64).digest()
    keyid = insider.b2b(pk, None, 32)[:8]
    sig = insider.sign(digest, sk)
    glob = insider.sign(sig + tc.encode(), sk)
    text = ("untrusted comment: signature from a kept key\n%s\ntrusted comment: %s\n%s\n" %
            (base64.b64encode(b"ED" + keyid + sig).decode(), tc,
             base64.b64encode(glob).decode()))
    open(path + ".minisig", "w").write(text)


# bech32 (BIP 173), as age writes its identities
CHARSET = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"


def bech32_polymod(values):
    gen = [0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3]
    chk = 1
    for v in values:
        b = chk >> 25
        chk = (chk & 0x1ffffff) << 5 ^ v
        for i in range(5):
            chk ^= gen[i] if (b >> i) & 1 else 0
    return chk


def bech32(hrp, data):
    acc, bits, five = 0, 0, []
    for x in data:
        acc = (acc << 8) | x
        bits += 8
        while bits >= 5:
            bits -= 5
            five.append((acc >> bits) & 31)
    if bits:
        five.append((acc << (5 - bits)) & 31)
    hv = [ord(c) >> 5 for c in hrp] + [0] + [ord(c) & 31 for c in hrp]
    pm = bech32_polymod(hv + five + [0] * 6) ^ 1
    chk = [(pm >> 5 * (5 - i)) & 31 for i in range(6)]
    return hrp + "1" + "".join(CHARSET[d] for d in five + chk)


def write_identity(out, sk):
    open(out, "w").write(bech32("age-secret-key-", sk).upper() + "\n")
    os.chmod(out, 0o600)


def ablobs(reg, keys, user, pw, outdir):
    cands, _, _ = v2_seeds(keys, user, pw)
    k = insider.db_key(reg, [insider.kdf(c, 1) for c in cands])
    assert k, "oldkeys: the slot opens no database key"
    rc, out, err = insider.sqlcipher(reg, k, "SELECT seq, hex(sealed) FROM audit "
                                     "WHERE sealed IS NOT NULL;")
    assert rc == 0, err
    for line in out.splitlines():
        if "|" in line:
            seq, h = line.split("|")
            b = bytes.fromhex(h)
            if b[:1] == b"a":
                open(os.path.join(outdir, "%s.age" % seq), "wb").write(b[1:])


def main(a):
    if a[0] == "sign":
        pk, sk = report_seed(a[1], a[2], a[3])
        minisign(a[4], a[5], pk, sk)
    elif a[0] == "ablobs":
        ablobs(*a[1:6])
    elif a[0] == "age":
        write_identity(a[4], age_secret(a[1], a[2], a[3]))
    elif a[0] in ("v1sign", "v1age"):
        m = v1key.master_key(a[1], a[2], a[3].encode())
        if a[0] == "v1age":
            write_identity(a[4], insider.kdf(m, SUBKEY_LEGACY_AGE))
        else:
            pk, sk = insider.sign_seed_keypair(insider.kdf(m, SUBKEY_SIGN))
            minisign(a[4], a[5], pk, sk)
    else:
        raise SystemExit("usage: see the docstring")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
