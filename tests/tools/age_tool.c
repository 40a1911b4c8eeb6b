/*
 * cdop-age-tool: crypto/age.c on the command line, for the interop tests
 * with the stock age tool (tests/cli/t_age_interop.sh). Not installed.
 *
 *   cdop-age-tool encrypt RECIPIENT... < IN > OUT
 *   cdop-age-tool decrypt IDENTITY_FILE < IN > OUT   (age-keygen's file)
 *   cdop-age-tool recipient IDENTITY_FILE            (prints age1…)
 *   cdop-age-tool identity HEX                       (AGE-SECRET-KEY-1… of
 *                                                    a 32-byte hex key)
 *
 * Exits 0, or 1 with crypto_strerror on stderr; decrypt writes nothing
 * unless the whole file verified.
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/age.h"
#include "crypto/error.h"

static uint8_t *slurp(FILE *f, size_t *n)
{
	size_t cap = 1 << 16, len = 0, got;
	uint8_t *buf = malloc(cap);

	while (buf && (got = fread(buf + len, 1, cap - len, f)) > 0) {
		len += got;
		if (len == cap) {
			uint8_t *nb = realloc(buf, cap *= 2);
			if (!nb)
				free(buf);
			buf = nb;
		}
	}
	*n = len;
	return buf;
}

/* The first line of FILE that starts AGE-SECRET-KEY-1. */
static int identity(uint8_t sk[32], const char *path)
{
	char line[256];
	FILE *f = fopen(path, "r");
	int ret = CRYPTO_ERR_FORMAT;

	if (!f)
		return CRYPTO_ERR_IO;
	while (fgets(line, sizeof line, f)) {
		line[strcspn(line, "\r\n")] = 0;
		if (strncmp(line, "AGE-SECRET-KEY-1", 16) == 0) {
			ret = age_identity_parse(sk, line);
			break;
		}
	}
	fclose(f);
	return ret;
}

int main(int argc, char **argv)
{
	uint8_t (*pks)[32] = NULL, sk[32], *in = NULL, *out = NULL;
	size_t inlen = 0, outlen = 0;
	int i, ret = CRYPTO_ERR_ARG, dec = 0;

	if (sodium_init() < 0 || argc < 3)
		goto out;
	if (strcmp(argv[1], "recipient") == 0) {
		char r[AGE_RECIPIENT_LEN + 1];
		if ((ret = identity(sk, argv[2])) == 0 && (ret = age_public_key(sk, sk)) == 0) {
			age_recipient_encode(r, sk);
			puts(r);
		}
		goto out;
	}
	if (strcmp(argv[1], "identity") == 0) {
		char id[AGE_IDENTITY_LEN + 1];
		if (sodium_hex2bin(sk, 32, argv[2], strlen(argv[2]), NULL, NULL, NULL) == 0) {
			age_identity_encode(id, sk);
			puts(id);
			ret = 0;
		}
		goto out;
	}
	in = slurp(stdin, &inlen);
	if (!in) {
		ret = CRYPTO_ERR_NOMEM;
		goto out;
	}
	if (strcmp(argv[1], "encrypt") == 0) {
		pks = calloc((size_t)argc, 32);
		for (i = 2; i < argc; i++)
			if ((ret = age_recipient_parse(pks[i - 2], argv[i])))
				goto out;
		ret = age_encrypt(&out, &outlen, (const uint8_t (*)[32])pks,
				  (size_t)(argc - 2), in, inlen);
	} else if (strcmp(argv[1], "decrypt") == 0) {
		dec = 1;
		if ((ret = identity(sk, argv[2])) == 0)
			ret = age_decrypt(&out, &outlen, sk, in, inlen);
	}
	if (!ret && fwrite(out, 1, outlen, stdout) != outlen)
		ret = CRYPTO_ERR_IO;
out:
	if (ret)
		fprintf(stderr, "cdop-age-tool: %s\n", crypto_strerror(ret));
	if (dec)
		age_free(out, outlen);
	else
		free(out);
	free(in);
	free(pks);
	sodium_memzero(sk, sizeof sk);
	return ret ? 1 : 0;
}
