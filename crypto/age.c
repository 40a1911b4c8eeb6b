/*
 * age v1 (c2sp.org/age) with X25519 recipients: Bech32 keys, the textual
 * header with its MAC, and the 64 KiB ChaCha20-Poly1305 STREAM payload.
 * Written from the specification; see age.h for what is refused.
 */
#include "crypto/age.h"
#include "crypto/error.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

static const char age_magic[] = "age-encryption.org/";
static const char age_v1[] = "age-encryption.org/v1\n";
static const char x25519_info[] = "age-encryption.org/v1/X25519";

#define B64_32 43 /* unpadded base64 of 32 bytes */
#define TAG 16    /* Poly1305 tag */
#define MAX_ARGS 32

/* ---- HKDF-SHA-256 ----------------------------------------------------- */

void age_hkdf_sha256(uint8_t out[32], const uint8_t *ikm, size_t ikmlen,
		     const uint8_t *salt, size_t saltlen, const char *info)
{
	crypto_auth_hmacsha256_state st;
	uint8_t prk[32], one = 1, none = 0;

	/* Extract: PRK = HMAC(salt, ikm); an empty salt is the zero key. */
	crypto_auth_hmacsha256_init(&st, saltlen ? salt : &none, saltlen);
	crypto_auth_hmacsha256_update(&st, ikm, ikmlen);
	crypto_auth_hmacsha256_final(&st, prk);
	/* Expand to one block: T(1) = HMAC(PRK, info || 0x01). */
	crypto_auth_hmacsha256_init(&st, prk, sizeof prk);
	crypto_auth_hmacsha256_update(&st, (const uint8_t *)info, strlen(info));
	crypto_auth_hmacsha256_update(&st, &one, 1);
	crypto_auth_hmacsha256_final(&st, out);
	sodium_memzero(prk, sizeof prk);
	sodium_memzero(&st, sizeof st);
}

/* ---- Bech32 (BIP 173, no length limit) -------------------------------- */

static const char b32_chars[] = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";

static uint32_t b32_step(uint32_t chk, uint8_t v)
{
	static const uint32_t gen[5] = { 0x3b6a57b2u, 0x26508e6du, 0x1ea119fau,
					 0x3d4233ddu, 0x2a1462b3u };
	uint8_t top = (uint8_t)(chk >> 25);
	int i;

	chk = ((chk & 0x1ffffffu) << 5) ^ v;
	for (i = 0; i < 5; i++)
		if ((top >> i) & 1)
			chk ^= gen[i];
	return chk;
}

/* The checksum state after the expanded (lowercase) HRP. */
static uint32_t b32_hrp(const char *hrp)
{
	uint32_t chk = 1;
	size_t i, n = strlen(hrp);

	for (i = 0; i < n; i++)
		chk = b32_step(chk, (uint8_t)((unsigned char)hrp[i] >> 5));
	chk = b32_step(chk, 0);
	for (i = 0; i < n; i++)
		chk = b32_step(chk, (uint8_t)(hrp[i] & 31));
	return chk;
}

/* hrp (lowercase) + "1" + 32 bytes in 5-bit groups + checksum. */
static void b32_encode(char *out, const char *hrp, const uint8_t key[32], int upper)
{
	uint8_t d[52 + 6];
	uint32_t acc = 0, chk;
	size_t n = 0, i, h = strlen(hrp);
	int bits = 0;

	for (i = 0; i < 32; i++) {
		acc = (acc << 8) | key[i];
		bits += 8;
		while (bits >= 5) {
			bits -= 5;
			d[n++] = (uint8_t)((acc >> bits) & 31);
		}
	}
	if (bits)
		d[n++] = (uint8_t)((acc << (5 - bits)) & 31);
	chk = b32_hrp(hrp);
	for (i = 0; i < n; i++)
		chk = b32_step(chk, d[i]);
	for (i = 0; i < 6; i++)
		chk = b32_step(chk, 0);
	chk ^= 1;
	for (i = 0; i < 6; i++)
		d[n + i] = (uint8_t)((chk >> (5 * (5 - i))) & 31);
	memcpy(out, hrp, h);
	out[h] = '1';
	for (i = 0; i < n + 6; i++)
		out[h + 1 + i] = b32_chars[d[i]];
	out[h + 1 + n + 6] = '\0';
	if (upper)
		for (i = 0; i < h + 1 + n + 6; i++)
			if (out[i] >= 'a' && out[i] <= 'z')
				out[i] = (char)(out[i] - 'a' + 'A');
}

/* Decodes s, which must be hrp + "1" + a 32-byte key + checksum, all in
 * the one case `upper` says (age writes recipients lowercase and
 * identities uppercase; the checksum is over the lowercase form). */
static int b32_decode(uint8_t key[32], const char *s, const char *hrp, int upper)
{
	size_t h = strlen(hrp), len = strlen(s), i, n = 0;
	uint32_t chk, acc = 0;
	uint8_t out[32];
	int bits = 0, ret = CRYPTO_ERR_FORMAT;

	if (len != h + 1 + 52 + 6)
		return CRYPTO_ERR_FORMAT;
	for (i = 0; i < h; i++) {
		char c = s[i];
		char want = upper && hrp[i] >= 'a' && hrp[i] <= 'z'
				    ? (char)(hrp[i] - 'a' + 'A') : hrp[i];
		if (c != want)
			return CRYPTO_ERR_FORMAT;
	}
	if (s[h] != '1')
		return CRYPTO_ERR_FORMAT;
	chk = b32_hrp(hrp);
	for (i = h + 1; i < len; i++) {
		char c = s[i];
		const char *p;
		uint8_t v;

		if (upper ? (c >= 'a' && c <= 'z') : (c >= 'A' && c <= 'Z'))
			return CRYPTO_ERR_FORMAT; /* mixed case */
		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		if (c == '\0' || !(p = strchr(b32_chars, c)))
			return CRYPTO_ERR_FORMAT;
		v = (uint8_t)(p - b32_chars);
		chk = b32_step(chk, v);
		if (i >= len - 6)
			continue;
		acc = (acc << 5) | v;
		bits += 5;
		if (bits >= 8) {
			bits -= 8;
			out[n++] = (uint8_t)((acc >> bits) & 0xff);
		}
	}
	/* 260 bits: 32 bytes and 4 padding bits, which must be zero. */
	if (chk == 1 && n == 32 && bits == 4 && (acc & 0xf) == 0) {
		memcpy(key, out, 32);
		ret = CRYPTO_OK;
	}
	sodium_memzero(out, sizeof out);
	return ret;
}

void age_recipient_encode(char out[AGE_RECIPIENT_LEN + 1],
			  const uint8_t pk[AGE_KEY_BYTES])
{
	b32_encode(out, "age", pk, 0);
}

int age_recipient_parse(uint8_t pk[AGE_KEY_BYTES], const char *s)
{
	return b32_decode(pk, s, "age", 0);
}

void age_identity_encode(char out[AGE_IDENTITY_LEN + 1],
			 const uint8_t sk[AGE_KEY_BYTES])
{
	b32_encode(out, "age-secret-key-", sk, 1);
}

int age_identity_parse(uint8_t sk[AGE_KEY_BYTES], const char *s)
{
	return b32_decode(sk, s, "age-secret-key-", 1);
}

int age_public_key(uint8_t pk[AGE_KEY_BYTES], const uint8_t sk[AGE_KEY_BYTES])
{
	return crypto_scalarmult_base(pk, sk) ? CRYPTO_ERR_ARG : CRYPTO_OK;
}

int age_is_age(const uint8_t *buf, size_t len)
{
	return len >= sizeof age_magic - 1 &&
	       memcmp(buf, age_magic, sizeof age_magic - 1) == 0;
}

/* ---- base64, canonical and unpadded ------------------------------------ */

static int b64_char(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	       (c >= '0' && c <= '9') || c == '+' || c == '/';
}

static size_t b64_len(size_t n)
{
	return sodium_base64_ENCODED_LEN(n, sodium_base64_VARIANT_ORIGINAL_NO_PADDING) - 1;
}

static void b64_put(char *out, const uint8_t *bin, size_t n)
{
	sodium_bin2base64(out, b64_len(n) + 1, bin, n,
			  sodium_base64_VARIANT_ORIGINAL_NO_PADDING);
}

/*
 * Decodes s[0..slen) into *n bytes of out (room for cap). Canonical means
 * the only encoding of those bytes: every character from the alphabet, no
 * padding, a length no encoding has (4k+1) refused, and the unused low bits
 * of the last character zero; checked by encoding again and comparing.
 */
static int b64_get(uint8_t *out, size_t cap, size_t *n, const char *s, size_t slen)
{
	size_t i, want = slen / 4 * 3 + (slen % 4 ? slen % 4 - 1 : 0);
	char *again;
	int ret = CRYPTO_ERR_FORMAT;

	if (slen % 4 == 1 || want > cap)
		return CRYPTO_ERR_FORMAT;
	for (i = 0; i < slen; i++)
		if (!b64_char(s[i]))
			return CRYPTO_ERR_FORMAT;
	if (slen == 0) {
		*n = 0;
		return CRYPTO_OK;
	}
	if (sodium_base642bin(out, cap, s, slen, NULL, n, NULL,
			      sodium_base64_VARIANT_ORIGINAL_NO_PADDING) || *n != want)
		return CRYPTO_ERR_FORMAT;
	again = malloc(slen + 1);
	if (!again)
		return CRYPTO_ERR_NOMEM;
	b64_put(again, out, *n);
	if (memcmp(again, s, slen) == 0)
		ret = CRYPTO_OK;
	free(again);
	return ret;
}

/* ---- header ------------------------------------------------------------ */

struct rd {
	const uint8_t *p, *end;
};

/* The next line without its LF; CRYPTO_ERR_FORMAT at the end of input. */
static int next_line(struct rd *r, const char **line, size_t *len)
{
	const uint8_t *nl = memchr(r->p, '\n', (size_t)(r->end - r->p));

	if (!nl)
		return CRYPTO_ERR_FORMAT;
	*line = (const char *)r->p;
	*len = (size_t)(nl - r->p);
	r->p = nl + 1;
	return CRYPTO_OK;
}

struct stanza {
	const char *arg[MAX_ARGS];
	size_t arglen[MAX_ARGS];
	size_t nargs;
	uint8_t *body; /* decoded */
	size_t bodylen;
};

/* Parses "-> arg arg…" (already known to start "->") and the body lines. */
static int stanza_read(struct rd *r, struct stanza *st, const char *line, size_t len)
{
	size_t i, start, total = 0, cap, blen;
	const uint8_t *first;
	const char *l;
	int ret;

	st->nargs = 0;
	st->body = NULL;
	if (len < 4 || line[2] != ' ')
		return CRYPTO_ERR_FORMAT;
	for (start = i = 3; i <= len; i++) {
		if (i < len && line[i] != ' ') {
			if (line[i] < 0x21 || line[i] > 0x7e)
				return CRYPTO_ERR_FORMAT;
			continue;
		}
		if (i == start || st->nargs == MAX_ARGS)
			return CRYPTO_ERR_FORMAT; /* empty argument, or too many */
		st->arg[st->nargs] = line + start;
		st->arglen[st->nargs++] = i - start;
		start = i + 1;
	}
	/* Body: full 64-column lines, then one shorter (maybe empty) line. */
	first = r->p;
	for (;;) {
		if ((ret = next_line(r, &l, &blen)))
			return ret;
		if (blen > 64)
			return CRYPTO_ERR_FORMAT;
		for (i = 0; i < blen; i++)
			if (!b64_char(l[i]))
				return CRYPTO_ERR_FORMAT;
		total += blen;
		if (blen < 64)
			break;
	}
	/* Join the lines (drop the LFs) and decode as one. */
	{
		char *joined = malloc(total + 1);
		const uint8_t *q = first;
		size_t k = 0;

		if (!joined)
			return CRYPTO_ERR_NOMEM;
		while (q < r->p) {
			if (*q != '\n')
				joined[k++] = (char)*q;
			q++;
		}
		cap = total / 4 * 3 + 3;
		st->body = malloc(cap);
		if (!st->body) {
			free(joined);
			return CRYPTO_ERR_NOMEM;
		}
		ret = b64_get(st->body, cap, &st->bodylen, joined, k);
		free(joined);
	}
	return ret;
}

static int arg_is(const struct stanza *st, size_t i, const char *s)
{
	return st->arglen[i] == strlen(s) && memcmp(st->arg[i], s, st->arglen[i]) == 0;
}

/*
 * An X25519 stanza for identity sk: 0 with the file key, CRYPTO_ERR_AUTH
 * when it is for someone else, CRYPTO_ERR_FORMAT when malformed.
 */
static int x25519_unwrap(uint8_t fk[AGE_FILE_KEY_BYTES], const struct stanza *st,
			 const uint8_t sk[32], const uint8_t pk[32])
{
	uint8_t share[32], shared[32], salt[64], wrap[32];
	static const uint8_t zero_nonce[12];
	size_t n;
	int ret;

	if (st->nargs != 2 || st->arglen[1] != B64_32)
		return CRYPTO_ERR_FORMAT;
	if ((ret = b64_get(share, sizeof share, &n, st->arg[1], st->arglen[1])))
		return ret;
	if (n != 32 || st->bodylen != AGE_FILE_KEY_BYTES + TAG)
		return CRYPTO_ERR_FORMAT;
	/* libsodium refuses an all-zero result: a low-order share. */
	if (crypto_scalarmult(shared, sk, share))
		return CRYPTO_ERR_FORMAT;
	memcpy(salt, share, 32);
	memcpy(salt + 32, pk, 32);
	age_hkdf_sha256(wrap, shared, 32, salt, 64, x25519_info);
	ret = crypto_aead_chacha20poly1305_ietf_decrypt(fk, NULL, NULL, st->body,
							st->bodylen, NULL, 0,
							zero_nonce, wrap)
		      ? CRYPTO_ERR_AUTH : CRYPTO_OK;
	sodium_memzero(shared, sizeof shared);
	sodium_memzero(wrap, sizeof wrap);
	return ret;
}

/*
 * Reads the whole header: every stanza is checked, whether or not it is
 * ours. *payload is where the binary part starts.
 */
static int header_read(uint8_t fk[AGE_FILE_KEY_BYTES], const uint8_t **payload,
		       const uint8_t sk[32], const uint8_t *in, size_t inlen)
{
	struct rd r = { in, in + inlen };
	struct stanza st;
	uint8_t pk[32], key[32], mac[32], got[32];
	const char *line;
	size_t len, n, count = 0;
	int found = 0, scrypt = 0, ret;

	if (!age_is_age(in, inlen))
		return CRYPTO_ERR_FORMAT;
	if ((ret = next_line(&r, &line, &len)))
		return ret;
	if (len + 1 != sizeof age_v1 - 1 || memcmp(line, age_v1, len))
		return CRYPTO_ERR_VERSION;
	if ((ret = age_public_key(pk, sk)))
		return ret;
	for (;;) {
		if ((ret = next_line(&r, &line, &len)))
			return ret;
		if (len >= 3 && memcmp(line, "---", 3) == 0)
			break;
		if (len < 2 || memcmp(line, "->", 2) != 0)
			return CRYPTO_ERR_FORMAT;
		ret = stanza_read(&r, &st, line, len);
		if (!ret) {
			count++;
			if (arg_is(&st, 0, "scrypt"))
				scrypt = 1;
			if (arg_is(&st, 0, "X25519")) {
				uint8_t k[AGE_FILE_KEY_BYTES];
				int u = x25519_unwrap(k, &st, sk, pk);

				if (u == CRYPTO_OK && !found) {
					memcpy(fk, k, sizeof k);
					found = 1;
				} else if (u != CRYPTO_OK && u != CRYPTO_ERR_AUTH) {
					ret = u;
				}
				sodium_memzero(k, sizeof k);
			}
		}
		free(st.body);
		if (ret)
			return ret;
	}
	if (count == 0 || (scrypt && count > 1))
		return CRYPTO_ERR_FORMAT;
	/* "--- " + 43 base64 characters. */
	if (len != 4 + B64_32 || line[3] != ' ')
		return CRYPTO_ERR_FORMAT;
	if ((ret = b64_get(got, sizeof got, &n, line + 4, B64_32)) || n != 32)
		return CRYPTO_ERR_FORMAT;
	if (!found)
		return CRYPTO_ERR_AUTH;
	age_hkdf_sha256(key, fk, AGE_FILE_KEY_BYTES, NULL, 0, "header");
	crypto_auth_hmacsha256(mac, in, (size_t)((const uint8_t *)line + 3 - in), key);
	ret = sodium_memcmp(mac, got, 32) ? CRYPTO_ERR_TAMPER : CRYPTO_OK;
	sodium_memzero(key, sizeof key);
	*payload = r.p;
	return ret;
}

/* ---- payload ----------------------------------------------------------- */

static void chunk_nonce(uint8_t n[12], uint64_t counter, int last)
{
	int i;

	memset(n, 0, 12);
	for (i = 0; i < 8; i++)
		n[10 - i] = (uint8_t)(counter >> (8 * i));
	n[11] = last ? 1 : 0;
}

int age_decrypt(uint8_t **out, size_t *outlen, const uint8_t sk[AGE_KEY_BYTES],
		const uint8_t *in, size_t inlen)
{
	uint8_t fk[AGE_FILE_KEY_BYTES], key[32], nonce[12];
	const uint8_t *payload = NULL, *p;
	uint8_t *buf = NULL;
	size_t rest, nchunks, plain, off = 0;
	uint64_t i;
	int ret;

	*out = NULL;
	*outlen = 0;
	if (!in)
		return CRYPTO_ERR_ARG;
	if ((ret = header_read(fk, &payload, sk, in, inlen)))
		goto out;
	rest = (size_t)(in + inlen - payload);
	if (rest < 16 + TAG) { /* no nonce, or no final chunk */
		ret = CRYPTO_ERR_TAMPER;
		goto out;
	}
	age_hkdf_sha256(key, fk, sizeof fk, payload, 16, "payload");
	p = payload + 16;
	rest -= 16;
	nchunks = (rest + AGE_CHUNK + TAG - 1) / (AGE_CHUNK + TAG);
	plain = rest - nchunks * TAG;
	if (rest - (nchunks - 1) * (AGE_CHUNK + TAG) < TAG) {
		ret = CRYPTO_ERR_TAMPER; /* a last chunk too short to hold a tag */
		goto out;
	}
	if (plain > AGE_MAX_PLAINTEXT) {
		ret = CRYPTO_ERR_PARAMS;
		goto out;
	}
	buf = malloc(plain + 1);
	if (!buf) {
		ret = CRYPTO_ERR_NOMEM;
		goto out;
	}
	for (i = 0; rest > 0; i++) {
		int last = rest <= AGE_CHUNK + TAG;
		size_t clen = last ? rest : AGE_CHUNK + TAG;

		/* The final chunk is empty only when the whole payload is. */
		if (last && clen == TAG && i > 0) {
			ret = CRYPTO_ERR_TAMPER;
			goto out;
		}
		chunk_nonce(nonce, i, last);
		if (crypto_aead_chacha20poly1305_ietf_decrypt(buf + off, NULL, NULL, p,
							      clen, NULL, 0, nonce, key)) {
			ret = CRYPTO_ERR_TAMPER;
			goto out;
		}
		off += clen - TAG;
		p += clen;
		rest -= clen;
	}
	buf[off] = 0;
	*out = buf;
	*outlen = off;
	buf = NULL;
out:
	if (buf)
		age_free(buf, plain);
	sodium_memzero(fk, sizeof fk);
	sodium_memzero(key, sizeof key);
	return ret;
}

void age_free(uint8_t *p, size_t len)
{
	if (!p)
		return;
	sodium_memzero(p, len + 1);
	free(p);
}

int age_encrypt(uint8_t **out, size_t *outlen,
		const uint8_t (*pks)[AGE_KEY_BYTES], size_t npk,
		const uint8_t *in, size_t inlen)
{
	static const uint8_t zero_nonce[12];
	uint8_t fk[AGE_FILE_KEY_BYTES], key[32], eph[32], share[32], shared[32];
	uint8_t salt[64], wrap[32], body[AGE_FILE_KEY_BYTES + TAG], mac[32];
	uint8_t nonce[12], *buf = NULL, *w;
	size_t nchunks, size, i, off = 0;
	int ret = CRYPTO_OK;

	*out = NULL;
	*outlen = 0;
	if (npk == 0 || npk > AGE_MAX_RECIPIENTS || (!in && inlen) ||
	    inlen > AGE_MAX_PLAINTEXT)
		return CRYPTO_ERR_ARG;
	nchunks = inlen == 0 ? 1 : (inlen + AGE_CHUNK - 1) / AGE_CHUNK;
	size = (sizeof age_v1 - 1) + npk * (10 + B64_32 + 1 + B64_32 + 1) +
	       4 + B64_32 + 1 + 16 + inlen + nchunks * TAG;
	buf = malloc(size + 1);
	if (!buf)
		return CRYPTO_ERR_NOMEM;
	w = buf;
	randombytes_buf(fk, sizeof fk);
	memcpy(w, age_v1, sizeof age_v1 - 1);
	w += sizeof age_v1 - 1;
	for (i = 0; i < npk; i++) {
		randombytes_buf(eph, sizeof eph);
		if (crypto_scalarmult_base(share, eph) ||
		    crypto_scalarmult(shared, eph, pks[i])) {
			ret = CRYPTO_ERR_ARG; /* a low-order recipient */
			goto out;
		}
		memcpy(salt, share, 32);
		memcpy(salt + 32, pks[i], 32);
		age_hkdf_sha256(wrap, shared, 32, salt, 64, x25519_info);
		crypto_aead_chacha20poly1305_ietf_encrypt(body, NULL, fk, sizeof fk,
							  NULL, 0, NULL, zero_nonce, wrap);
		memcpy(w, "-> X25519 ", 10);
		w += 10;
		b64_put((char *)w, share, 32);
		w += B64_32;
		*w++ = '\n';
		b64_put((char *)w, body, sizeof body);
		w += B64_32;
		*w++ = '\n';
	}
	memcpy(w, "---", 3);
	w += 3;
	age_hkdf_sha256(key, fk, sizeof fk, NULL, 0, "header");
	crypto_auth_hmacsha256(mac, buf, (size_t)(w - buf), key);
	*w++ = ' ';
	b64_put((char *)w, mac, sizeof mac);
	w += B64_32;
	*w++ = '\n';
	randombytes_buf(w, 16);
	age_hkdf_sha256(key, fk, sizeof fk, w, 16, "payload");
	w += 16;
	for (i = 0; i < nchunks; i++) {
		size_t n = inlen - off > AGE_CHUNK ? AGE_CHUNK : inlen - off;

		chunk_nonce(nonce, i, i + 1 == nchunks);
		crypto_aead_chacha20poly1305_ietf_encrypt(w, NULL, n ? in + off : w, n,
							  NULL, 0, NULL, nonce, key);
		w += n + TAG;
		off += n;
	}
	*outlen = (size_t)(w - buf);
	*out = buf;
	buf = NULL;
out:
	free(buf);
	sodium_memzero(fk, sizeof fk);
	sodium_memzero(key, sizeof key);
	sodium_memzero(eph, sizeof eph);
	sodium_memzero(shared, sizeof shared);
	sodium_memzero(wrap, sizeof wrap);
	return ret;
}
