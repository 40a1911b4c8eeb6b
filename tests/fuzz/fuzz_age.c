/*
 * libFuzzer target: the age reader (crypto/age.c) with a fixed identity
 * (0x42 × 32; the seeds in corpus/age are sealed to its recipient).
 *
 * The first byte picks a mode. Even: the rest is an age file, decrypted
 * as `import` would; whatever happens, a failure reveals nothing and a
 * success hands back a NUL-terminated plaintext. Odd: the rest is split
 * into a plaintext and an edit; the plaintext is sealed with age_encrypt,
 * must come back whole, and after the edit (a truncation or a flipped
 * byte, anywhere) must be refused — mutated files rarely get past the
 * header MAC, so this is how the payload and its chunk flags are reached.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/age.h"
#include "crypto/error.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint8_t fuzz_sk[AGE_KEY_BYTES] = {
	0x42, 0x42, 0x42, 0x42, 0x42, 0x42, 0x42, 0x42,
	0x42, 0x42, 0x42, 0x42, 0x42, 0x42, 0x42, 0x42,
	0x42, 0x42, 0x42, 0x42, 0x42, 0x42, 0x42, 0x42,
	0x42, 0x42, 0x42, 0x42, 0x42, 0x42, 0x42, 0x42,
};

static void as_file(const uint8_t *data, size_t size)
{
	uint8_t *out = (uint8_t *)1;
	size_t n = 1;
	int ret = age_decrypt(&out, &n, fuzz_sk, data, size);

	if (ret) {
		if (out || n)
			abort();
		return;
	}
	if (out[n] != 0 || n > size)
		abort();
	age_free(out, n);
}

static void round_trip(const uint8_t *data, size_t size)
{
	uint8_t pk[AGE_KEY_BYTES], *enc, *dec;
	size_t elen, dlen, at, plen;
	uint32_t edit;

	if (size < 4)
		return;
	edit = (uint32_t)data[0] | (uint32_t)data[1] << 8 | (uint32_t)data[2] << 16;
	plen = size - 3;
	/* a repeated plaintext reaches several chunks from a short input */
	if (data[3] & 0x80)
		plen = (plen * (size_t)(data[3] & 0x7f) * 1024) % (4 * AGE_CHUNK + 3);
	{
		uint8_t *p = malloc(plen + 1);
		size_t i;
		if (!p)
			abort();
		for (i = 0; i < plen; i++)
			p[i] = data[3 + i % (size - 3)];
		if (age_public_key(pk, fuzz_sk) ||
		    age_encrypt(&enc, &elen, (const uint8_t (*)[AGE_KEY_BYTES])pk, 1, p, plen))
			abort();
		if (age_decrypt(&dec, &dlen, fuzz_sk, enc, elen) || dlen != plen ||
		    memcmp(dec, p, plen) != 0)
			abort();
		age_free(dec, dlen);
		free(p);
	}
	at = edit % elen;
	if (edit & 0x800000) {
		if (age_decrypt(&dec, &dlen, fuzz_sk, enc, at) == CRYPTO_OK)
			abort(); /* a truncated file */
	} else {
		enc[at] ^= (uint8_t)(1u << (edit >> 20 & 7));
		if (age_decrypt(&dec, &dlen, fuzz_sk, enc, elen) == CRYPTO_OK)
			abort(); /* a changed byte */
	}
	free(enc);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	if (data[0] & 1)
		round_trip(data + 1, size - 1);
	else
		as_file(data + 1, size - 1);
	return 0;
}
