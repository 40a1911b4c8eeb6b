/*
 * crypto/age: the behaviours c2sp.org/age asks of an X25519 implementation.
 * Files are round-tripped through age_encrypt/age_decrypt, and forged here
 * with libsodium directly (a chosen file key, so header text and payload
 * chunks can be made exactly as a case needs, with a valid MAC) to show
 * the reader refuses what the spec says it must. Interop with the stock
 * age tool is tests/cli/t_age_interop.sh.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/age.h"
#include "crypto/error.h"

static uint8_t sk1[32], pk1[32], sk2[32], pk2[32];

static int setup(void **state)
{
	(void)state;
	if (sodium_init() < 0)
		return -1;
	randombytes_buf(sk1, 32);
	randombytes_buf(sk2, 32);
	age_public_key(pk1, sk1);
	age_public_key(pk2, sk2);
	return 0;
}

static void hex(uint8_t *out, const char *h)
{
	size_t n;
	assert_int_equal(sodium_hex2bin(out, strlen(h) / 2, h, strlen(h), NULL, &n, NULL), 0);
}

/* RFC 5869 test cases 1 and 3 (the first 32 bytes of OKM). */
static void test_hkdf(void **state)
{
	uint8_t ikm[22], salt[13], out[32], want[32];
	char info[11];
	size_t i;

	(void)state;
	memset(ikm, 0x0b, sizeof ikm);
	for (i = 0; i < 13; i++)
		salt[i] = (uint8_t)i;
	for (i = 0; i < 10; i++)
		info[i] = (char)(0xf0 + i);
	info[10] = 0;
	age_hkdf_sha256(out, ikm, 22, salt, 13, info);
	hex(want, "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf");
	assert_memory_equal(out, want, 32);
	age_hkdf_sha256(out, ikm, 22, NULL, 0, "");
	hex(want, "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d");
	assert_memory_equal(out, want, 32);
}

/* The spec's own example identity and recipient. */
static void test_bech32(void **state)
{
	const char *id = "AGE-SECRET-KEY-1GFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPQ4EGAEX";
	const char *rcp = "age1zvkyg2lqzraa2lnjvqej32nkuu0ues2s82hzrye869xeexvn73equnujwj";
	char s[AGE_IDENTITY_LEN + 1], r[AGE_RECIPIENT_LEN + 1], bad[100];
	uint8_t sk[32], pk[32], pk2b[32];

	(void)state;
	assert_int_equal(age_identity_parse(sk, id), 0);
	age_identity_encode(s, sk);
	assert_string_equal(s, id);
	assert_int_equal(age_public_key(pk, sk), 0);
	age_recipient_encode(r, pk);
	assert_string_equal(r, rcp);
	assert_int_equal(age_recipient_parse(pk2b, rcp), 0);
	assert_memory_equal(pk, pk2b, 32);

	/* a changed character breaks the checksum */
	strcpy(bad, rcp);
	bad[10] = bad[10] == 'q' ? 'p' : 'q';
	assert_int_equal(age_recipient_parse(pk2b, bad), CRYPTO_ERR_FORMAT);
	/* mixed case, the other case, another HRP, a bad length */
	strcpy(bad, rcp);
	bad[10] = (char)(bad[10] - 'a' + 'A');
	assert_int_equal(age_recipient_parse(pk2b, bad), CRYPTO_ERR_FORMAT);
	assert_int_equal(age_identity_parse(sk, "age-secret-key-1gfpyysjzgfpyysjzgfpyysjzgfpyysjzgfpyysjzgfpyysjzgfpq4egaex"),
			 CRYPTO_ERR_FORMAT);
	assert_int_equal(age_recipient_parse(pk2b, id), CRYPTO_ERR_FORMAT);
	assert_int_equal(age_identity_parse(sk, rcp), CRYPTO_ERR_FORMAT);
	assert_int_equal(age_recipient_parse(pk2b, "age1"), CRYPTO_ERR_FORMAT);
	assert_int_equal(age_recipient_parse(pk2b, ""), CRYPTO_ERR_FORMAT);
	snprintf(bad, sizeof bad, "%sq", rcp);
	assert_int_equal(age_recipient_parse(pk2b, bad), CRYPTO_ERR_FORMAT);
}

static void roundtrip(size_t n)
{
	uint8_t *in = malloc(n + 1), *enc, *dec;
	size_t elen, dlen;

	assert_non_null(in);
	randombytes_buf(in, n);
	assert_int_equal(age_encrypt(&enc, &elen, (const uint8_t(*)[32])pk1, 1, in, n), 0);
	assert_true(age_is_age(enc, elen));
	assert_int_equal(age_decrypt(&dec, &dlen, sk1, enc, elen), 0);
	assert_int_equal(dlen, n);
	assert_memory_equal(dec, in, n);
	assert_int_equal(dec[n], 0);
	age_free(dec, dlen);
	/* another identity: not for us */
	assert_int_equal(age_decrypt(&dec, &dlen, sk2, enc, elen), CRYPTO_ERR_AUTH);
	assert_null(dec);
	/* one byte short, and one byte more */
	assert_int_equal(age_decrypt(&dec, &dlen, sk1, enc, elen - 1), CRYPTO_ERR_TAMPER);
	enc = realloc(enc, elen + 1);
	enc[elen] = 0;
	assert_int_equal(age_decrypt(&dec, &dlen, sk1, enc, elen + 1), CRYPTO_ERR_TAMPER);
	/* a changed payload byte */
	enc[elen - 1] ^= 1;
	assert_int_equal(age_decrypt(&dec, &dlen, sk1, enc, elen), CRYPTO_ERR_TAMPER);
	free(enc);
	free(in);
}

static void test_sizes(void **state)
{
	static const size_t sizes[] = { 0, 1, 65535, 65536, 65537, 3 * 65536, 3 * 65536 + 7 };
	size_t i;

	(void)state;
	for (i = 0; i < sizeof sizes / sizeof *sizes; i++)
		roundtrip(sizes[i]);
}

static void test_two_recipients(void **state)
{
	uint8_t pks[2][32], *enc, *dec;
	size_t elen, dlen;
	const uint8_t msg[] = "for both";

	(void)state;
	memcpy(pks[0], pk1, 32);
	memcpy(pks[1], pk2, 32);
	assert_int_equal(age_encrypt(&enc, &elen, (const uint8_t(*)[32])pks, 2, msg, sizeof msg), 0);
	assert_int_equal(age_decrypt(&dec, &dlen, sk1, enc, elen), 0);
	age_free(dec, dlen);
	assert_int_equal(age_decrypt(&dec, &dlen, sk2, enc, elen), 0);
	assert_memory_equal(dec, msg, sizeof msg);
	age_free(dec, dlen);
	free(enc);
}

/* Every truncation and every single-bit flip of a small file is refused. */
static void test_every_byte(void **state)
{
	const uint8_t msg[] = "a small sealed file";
	uint8_t *enc, *dec;
	size_t elen, dlen, i;
	int bit;

	(void)state;
	assert_int_equal(age_encrypt(&enc, &elen, (const uint8_t(*)[32])pk1, 1, msg, sizeof msg), 0);
	for (i = 0; i < elen; i++) {
		assert_int_not_equal(age_decrypt(&dec, &dlen, sk1, enc, i), 0);
		assert_null(dec);
		for (bit = 0; bit < 8; bit += 3) {
			enc[i] ^= (uint8_t)(1 << bit);
			assert_int_not_equal(age_decrypt(&dec, &dlen, sk1, enc, elen), 0);
			assert_null(dec);
			enc[i] ^= (uint8_t)(1 << bit);
		}
	}
	free(enc);
}

/* ---- forged files: a chosen file key and hand-made header text ---------- */

static const uint8_t fk[16] = "YELLOW SUBMARINE";

static void b64(char *out, const uint8_t *p, size_t n)
{
	sodium_bin2base64(out, sodium_base64_ENCODED_LEN(n, sodium_base64_VARIANT_ORIGINAL_NO_PADDING),
			  p, n, sodium_base64_VARIANT_ORIGINAL_NO_PADDING);
}

/* "-> X25519 SHARE\nBODY\n" wrapping fk for pk, with the share given. */
static void x_stanza(char *out, const uint8_t pk[32], const uint8_t eph[32])
{
	static const uint8_t zero[12];
	uint8_t share[32], shared[32], salt[64], wrap[32], body[32];
	char s[64], b[64];

	crypto_scalarmult_base(share, eph);
	assert_int_equal(crypto_scalarmult(shared, eph, pk), 0);
	memcpy(salt, share, 32);
	memcpy(salt + 32, pk, 32);
	age_hkdf_sha256(wrap, shared, 32, salt, 64, "age-encryption.org/v1/X25519");
	crypto_aead_chacha20poly1305_ietf_encrypt(body, NULL, fk, 16, NULL, 0, NULL, zero, wrap);
	b64(s, share, 32);
	b64(b, body, 32);
	sprintf(out, "-> X25519 %s\n%s\n", s, b);
}

/*
 * head (version line and stanzas) + a valid MAC, then the payload: plain
 * cut into chunks of the given lengths, each with its last flag.
 */
static uint8_t *forge(size_t *len, const char *head, const uint8_t *plain,
		      const size_t *cl, const int *last, size_t n)
{
	uint8_t *buf = malloc(strlen(head) + 64 + 16 + 16 * n + 4 * 65536), *w;
	uint8_t key[32], mac[32], nonce[12];
	size_t i, off = 0, h = strlen(head);
	int j;

	memcpy(buf, head, h);
	memcpy(buf + h, "---", 3);
	age_hkdf_sha256(key, fk, 16, NULL, 0, "header");
	crypto_auth_hmacsha256(mac, buf, h + 3, key);
	buf[h + 3] = ' ';
	b64((char *)buf + h + 4, mac, 32);
	buf[h + 4 + 43] = '\n';
	w = buf + h + 4 + 44;
	memset(w, 7, 16);
	age_hkdf_sha256(key, fk, 16, w, 16, "payload");
	w += 16;
	for (i = 0; i < n; i++) {
		memset(nonce, 0, 12);
		for (j = 0; j < 8; j++)
			nonce[10 - j] = (uint8_t)(i >> (8 * j));
		nonce[11] = (uint8_t)last[i];
		crypto_aead_chacha20poly1305_ietf_encrypt(w, NULL, plain + off, cl[i], NULL, 0,
							  NULL, nonce, key);
		w += cl[i] + 16;
		off += cl[i];
	}
	*len = (size_t)(w - buf);
	return buf;
}

static int try_head(const char *head)
{
	static const uint8_t p[] = "x";
	static const size_t cl[] = { 1 };
	static const int last[] = { 1 };
	uint8_t *f, *dec;
	size_t len, dlen;
	int ret;

	f = forge(&len, head, p, cl, last, 1);
	ret = age_decrypt(&dec, &dlen, sk1, f, len);
	age_free(dec, dlen);
	free(f);
	return ret;
}

static void test_forged_valid(void **state)
{
	char st[200], head[1200];
	uint8_t eph[32];

	(void)state;
	randombytes_buf(eph, 32);
	x_stanza(st, pk1, eph);
	snprintf(head, sizeof head, "age-encryption.org/v1\n%s", st);
	assert_int_equal(try_head(head), 0);
	/* an unknown stanza (ignored) with a 64-column line and a final line */
	snprintf(head, sizeof head, "age-encryption.org/v1\n-> other.example/x a b\n"
		 "QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFB\n"
		 "QUFB\n%s-> empty\n\n", st);
	assert_int_equal(try_head(head), 0);
	/* X25519 is case-sensitive: "x25519" is someone else's stanza */
	snprintf(head, sizeof head, "age-encryption.org/v1\n-> x25519 abc\n\n%s", st);
	assert_int_equal(try_head(head), 0);
}

static void test_forged_header(void **state)
{
	char st[200], head[1200], alt[200], *p;
	uint8_t eph[32];

	(void)state;
	randombytes_buf(eph, 32);
	x_stanza(st, pk1, eph);
#define HEAD(...) (snprintf(head, sizeof head, __VA_ARGS__), try_head(head))
	assert_int_equal(HEAD("age-encryption.org/v2\n%s", st), CRYPTO_ERR_VERSION);
	assert_int_equal(HEAD("age-encryption.org/v1 \n%s", st), CRYPTO_ERR_VERSION);
	assert_int_equal(HEAD("age-encryption.org/v1\r\n%s", st), CRYPTO_ERR_VERSION);
	assert_int_equal(HEAD("age-encryption.org/v1\n"), CRYPTO_ERR_FORMAT); /* no stanza */
	assert_int_equal(HEAD("age-encryption.org/v1\n->\n\n%s", st), CRYPTO_ERR_FORMAT);
	assert_int_equal(HEAD("age-encryption.org/v1\n-> \n\n%s", st), CRYPTO_ERR_FORMAT);
	assert_int_equal(HEAD("age-encryption.org/v1\n-> a  b\n\n%s", st), CRYPTO_ERR_FORMAT);
	assert_int_equal(HEAD("age-encryption.org/v1\n-> a b \n\n%s", st), CRYPTO_ERR_FORMAT);
	assert_int_equal(HEAD("age-encryption.org/v1\n-> a\xc3\xa9\n\n%s", st), CRYPTO_ERR_FORMAT);
	assert_int_equal(HEAD("age-encryption.org/v1\n-> a\r\n\n%s", st), CRYPTO_ERR_FORMAT);
	/* a body line over 64 columns; a body of full lines without a final one */
	assert_int_equal(HEAD("age-encryption.org/v1\n-> a\n"
			      "QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFB\n%s", st),
			 CRYPTO_ERR_FORMAT);
	assert_int_equal(HEAD("age-encryption.org/v1\n%s-> a\n"
			      "QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFB\n", st),
			 CRYPTO_ERR_FORMAT);
	/* padding, and non-canonical trailing bits, in an unknown stanza */
	assert_int_equal(HEAD("age-encryption.org/v1\n-> a\nQUE=\n%s", st), CRYPTO_ERR_FORMAT);
	assert_int_equal(HEAD("age-encryption.org/v1\n-> a\nQUF\n%s", st), CRYPTO_ERR_FORMAT);
	assert_int_equal(HEAD("age-encryption.org/v1\n-> a\nQ\n%s", st), CRYPTO_ERR_FORMAT);
	/* an scrypt stanza beside an X25519 one */
	assert_int_equal(HEAD("age-encryption.org/v1\n%s-> scrypt QUFBQUFBQUFBQUFBQUFBQQ 10\nQUFB\n", st),
			 CRYPTO_ERR_FORMAT);
	/* X25519 stanzas: an extra argument, a short share, a long body */
	strcpy(alt, st);
	p = strchr(alt, '\n');
	memmove(p + 2, p, strlen(p) + 1);
	p[0] = ' ';
	p[1] = 'z';
	assert_int_equal(HEAD("age-encryption.org/v1\n%s", alt), CRYPTO_ERR_FORMAT);
	assert_int_equal(HEAD("age-encryption.org/v1\n-> X25519 QUFB\nQUFB\n%s", st), CRYPTO_ERR_FORMAT);
	strcpy(alt, st);
	p = strrchr(alt, '\n');
	strcpy(p, "QUFB\n");
	assert_int_equal(HEAD("age-encryption.org/v1\n%s", alt), CRYPTO_ERR_FORMAT);
	/* a non-canonical share: same bytes, last character's spare bits set */
	strcpy(alt, st);
	p = alt + 10 + 42;
	{
		static const char a[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
		int v = (int)(strchr(a, *p) - a);
		*p = a[v ^ 1];
	}
	assert_int_equal(HEAD("age-encryption.org/v1\n%s", alt), CRYPTO_ERR_FORMAT);
	/* a low-order share (zero point): the shared secret is all zero */
	assert_int_equal(HEAD("age-encryption.org/v1\n-> X25519 AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n"
			      "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n%s", st),
			 CRYPTO_ERR_FORMAT);
	/* the MAC must be over exactly this header */
	{
		static const uint8_t p1[] = "x";
		static const size_t cl[] = { 1 };
		static const int last[] = { 1 };
		uint8_t *f, *dec;
		size_t len, dlen;
		char *mac;

		snprintf(head, sizeof head, "age-encryption.org/v1\n%s", st);
		f = forge(&len, head, p1, cl, last, 1);
		mac = strstr((char *)f, "--- ");
		mac[4] ^= 1;
		assert_int_not_equal(age_decrypt(&dec, &dlen, sk1, f, len), 0);
		mac[4] ^= 1;
		mac[3] = '\t';
		assert_int_equal(age_decrypt(&dec, &dlen, sk1, f, len), CRYPTO_ERR_FORMAT);
		free(f);
	}
#undef HEAD
}

static void test_forged_payload(void **state)
{
	char st[200], head[400];
	uint8_t eph[32], *plain, *f, *dec;
	size_t len, dlen;

	(void)state;
	randombytes_buf(eph, 32);
	x_stanza(st, pk1, eph);
	snprintf(head, sizeof head, "age-encryption.org/v1\n%s", st);
	plain = calloc(1, 3 * 65536);
	{
		/* valid: a full chunk then a short final one */
		size_t cl[] = { 65536, 10 };
		int last[] = { 0, 1 };
		f = forge(&len, head, plain, cl, last, 2);
		assert_int_equal(age_decrypt(&dec, &dlen, sk1, f, len), 0);
		assert_int_equal(dlen, 65546);
		age_free(dec, dlen);
		free(f);
	}
	{
		/* a full chunk then an empty final chunk */
		size_t cl[] = { 65536, 0 };
		int last[] = { 0, 1 };
		f = forge(&len, head, plain, cl, last, 2);
		assert_int_equal(age_decrypt(&dec, &dlen, sk1, f, len), CRYPTO_ERR_TAMPER);
		free(f);
	}
	{
		/* no chunk marked final */
		size_t cl[] = { 65536, 10 };
		int last[] = { 0, 0 };
		f = forge(&len, head, plain, cl, last, 2);
		assert_int_equal(age_decrypt(&dec, &dlen, sk1, f, len), CRYPTO_ERR_TAMPER);
		free(f);
	}
	{
		/* a final flag on a chunk before the end */
		size_t cl[] = { 65536, 10 };
		int last[] = { 1, 1 };
		f = forge(&len, head, plain, cl, last, 2);
		assert_int_equal(age_decrypt(&dec, &dlen, sk1, f, len), CRYPTO_ERR_TAMPER);
		free(f);
	}
	{
		/* a short chunk that is not the last */
		size_t cl[] = { 100, 10 };
		int last[] = { 0, 1 };
		f = forge(&len, head, plain, cl, last, 2);
		assert_int_equal(age_decrypt(&dec, &dlen, sk1, f, len), CRYPTO_ERR_TAMPER);
		free(f);
	}
	{
		/* the empty file: one empty final chunk is valid */
		size_t cl[] = { 0 };
		int last[] = { 1 };
		f = forge(&len, head, plain, cl, last, 1);
		assert_int_equal(age_decrypt(&dec, &dlen, sk1, f, len), 0);
		assert_int_equal(dlen, 0);
		age_free(dec, dlen);
		/* and without any chunk, or without the nonce */
		assert_int_equal(age_decrypt(&dec, &dlen, sk1, f, len - 16), CRYPTO_ERR_TAMPER);
		assert_int_equal(age_decrypt(&dec, &dlen, sk1, f, len - 32), CRYPTO_ERR_TAMPER);
		free(f);
	}
	free(plain);
}

static void test_not_age(void **state)
{
	uint8_t *dec;
	size_t dlen;
	static const char plain[] = "{\"notification\": {}}\n";

	(void)state;
	assert_false(age_is_age((const uint8_t *)plain, sizeof plain - 1));
	assert_int_equal(age_decrypt(&dec, &dlen, sk1, (const uint8_t *)plain, sizeof plain - 1),
			 CRYPTO_ERR_FORMAT);
	assert_int_equal(age_decrypt(&dec, &dlen, sk1, (const uint8_t *)"", 0), CRYPTO_ERR_FORMAT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hkdf),
		cmocka_unit_test(test_bech32),
		cmocka_unit_test(test_sizes),
		cmocka_unit_test(test_two_recipients),
		cmocka_unit_test(test_every_byte),
		cmocka_unit_test(test_forged_valid),
		cmocka_unit_test(test_forged_header),
		cmocka_unit_test(test_forged_payload),
		cmocka_unit_test(test_not_age),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}
