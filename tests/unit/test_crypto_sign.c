/*
 * crypto/sign: minisign-format signatures, checked against our own verifier
 * and, both ways, against the real minisign tool.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "crypto/sign.h"

#ifndef CDOP_FIXTURES
#define CDOP_FIXTURES "tests/fixtures"
#endif

#define MINISIGN "minisign"

static const char report[] = "<html><body>cdop annual report 2025-26</body></html>\n";

static void seed_fill(uint8_t seed[SIGN_SEED_BYTES], uint8_t start)
{
	for (size_t i = 0; i < SIGN_SEED_BYTES; i++)
		seed[i] = (uint8_t)(start + i);
}

static void key_from(struct sign_key *k, uint8_t start)
{
	uint8_t seed[SIGN_SEED_BYTES];

	seed_fill(seed, start);
	assert_int_equal(sign_keypair_from_seed(k, seed), SIGN_OK);
}

/* The whole file as a NUL-terminated string, or NULL. */
static char *slurp(const char *path, size_t *lenp)
{
	FILE *fp = fopen(path, "rb");
	char *buf = NULL;
	long n;

	if (!fp)
		return NULL;
	if (fseek(fp, 0, SEEK_END) == 0 && (n = ftell(fp)) >= 0 && fseek(fp, 0, SEEK_SET) == 0) {
		buf = malloc((size_t)n + 1);
		if (buf && fread(buf, 1, (size_t)n, fp) == (size_t)n) {
			buf[n] = '\0';
			if (lenp)
				*lenp = (size_t)n;
		} else {
			free(buf);
			buf = NULL;
		}
	}
	fclose(fp);
	return buf;
}

static void spew(const char *path, const void *data, size_t len)
{
	FILE *fp = fopen(path, "wb");

	assert_non_null(fp);
	assert_int_equal(fwrite(data, 1, len, fp), len);
	assert_int_equal(fclose(fp), 0);
}

/* Run argv with no shell, stdio on /dev/null; the exit status or -1. */
static int run(char *const argv[])
{
	int status = 0;
	pid_t pid = fork();

	if (pid < 0)
		return -1;
	if (pid == 0) {
		int fd = open("/dev/null", O_RDWR);
		if (fd >= 0) {
			dup2(fd, 0);
			dup2(fd, 1);
			dup2(fd, 2);
		}
		execvp(argv[0], argv);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

static int have_minisign(void)
{
	char *argv[] = { MINISIGN, "-v", NULL };

	return run(argv) == 0;
}

/* A scratch directory and the files made in it, removed afterwards. */
struct scratch {
	char dir[64];
	char path[8][128];
	size_t n;
};

static void scratch_init(struct scratch *s)
{
	const char *tmp = getenv("TMPDIR");

	memset(s, 0, sizeof *s);
	snprintf(s->dir, sizeof s->dir, "%s/cdop-sign-XXXXXX",
		 tmp && strlen(tmp) < 40 ? tmp : "/tmp");
	assert_non_null(mkdtemp(s->dir));
}

static const char *scratch_path(struct scratch *s, const char *name)
{
	char buf[sizeof s->path[0]];

	assert_true(s->n < 8);
	/* Built aside: gcc cannot see that dir and path[] do not overlap. */
	snprintf(buf, sizeof buf, "%s/%s", s->dir, name);
	memcpy(s->path[s->n], buf, sizeof buf);
	return s->path[s->n++];
}

static void scratch_release(struct scratch *s)
{
	for (size_t i = 0; i < s->n; i++)
		unlink(s->path[i]);
	rmdir(s->dir);
}

static void test_fixed_seed_fixed_pubkey(void **state)
{
	struct sign_key k = SIGN_KEY_INIT;
	struct sign_pubkey parsed;
	char text[SIGN_PUBKEY_TEXT_SIZE], b64[SIGN_PUBKEY_BASE64_SIZE];
	char *expected;

	(void)state;
	key_from(&k, 0);
	expected = slurp(CDOP_FIXTURES "/sign/seed-00-1f.pub", NULL);
	assert_non_null(expected);
	assert_int_equal(sign_pubkey_format(&k.pub, text, sizeof text), SIGN_OK);
	assert_string_equal(text, expected);

	/* The bare line is the second line of the file text. */
	assert_int_equal(sign_pubkey_base64(&k.pub, b64, sizeof b64), SIGN_OK);
	assert_non_null(strstr(expected, b64));
	assert_int_equal(strlen(b64), 56);

	assert_int_equal(sign_pubkey_parse(&parsed, expected), SIGN_OK);
	assert_memory_equal(&parsed, &k.pub, sizeof parsed);
	assert_int_equal(sign_pubkey_parse(&parsed, b64), SIGN_OK);
	assert_memory_equal(&parsed, &k.pub, sizeof parsed);

	assert_int_equal(sign_pubkey_format(&k.pub, text, 20), SIGN_ETOOSMALL);
	assert_int_equal(sign_pubkey_base64(&k.pub, b64, 56), SIGN_ETOOSMALL);
	free(expected);
	sign_key_wipe(&k);
	assert_null(k.sk);
	sign_key_wipe(&k); /* twice is harmless */
}

static void test_keyid_hex_is_little_endian(void **state)
{
	const uint8_t id[SIGN_KEYID_BYTES] = { 0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef };
	char hex[SIGN_KEYID_HEX_SIZE];

	(void)state;
	sign_keyid_hex(id, hex);
	assert_string_equal(hex, "EFCDAB8967452301");
}

static void test_sign_then_verify(void **state)
{
	struct sign_key k = SIGN_KEY_INIT;
	char tc[SIGN_TRUSTED_COMMENT_MAX + 1];
	char *sig = NULL, *sig2 = NULL;

	(void)state;
	key_from(&k, 0);
	assert_int_equal(sign_file_detached(&k, (const uint8_t *)report, strlen(report),
					    "cdop annual report 2025-26 public", &sig),
			 SIGN_OK);
	assert_true(strncmp(sig, "untrusted comment: ", 19) == 0);
	assert_non_null(strstr(sig, "\ntrusted comment: cdop annual report 2025-26 public\n"));
	assert_int_equal(sign_verify(&k.pub, (const uint8_t *)report, strlen(report), sig,
				     tc, sizeof tc),
			 SIGN_OK);
	assert_string_equal(tc, "cdop annual report 2025-26 public");
	/* No comment wanted. */
	assert_int_equal(sign_verify(&k.pub, (const uint8_t *)report, strlen(report), sig,
				     NULL, 0),
			 SIGN_OK);
	/* Ed25519 is deterministic: the same input gives the same text. */
	assert_int_equal(sign_file_detached(&k, (const uint8_t *)report, strlen(report),
					    "cdop annual report 2025-26 public", &sig2),
			 SIGN_OK);
	assert_string_equal(sig, sig2);
	/* Comment buffer too small: refused even though the signature is good. */
	assert_int_equal(sign_verify(&k.pub, (const uint8_t *)report, strlen(report), sig,
				     tc, 10),
			 SIGN_ETOOSMALL);
	free(sig);
	free(sig2);
	sign_key_wipe(&k);
}

static void test_empty_data_and_comment(void **state)
{
	struct sign_key k = SIGN_KEY_INIT;
	char tc[8];
	char *sig = NULL;

	(void)state;
	key_from(&k, 0);
	assert_int_equal(sign_file_detached(&k, NULL, 0, "", &sig), SIGN_OK);
	assert_int_equal(sign_verify(&k.pub, NULL, 0, sig, tc, sizeof tc), SIGN_OK);
	assert_string_equal(tc, "");
	assert_int_equal(sign_verify(&k.pub, (const uint8_t *)"a", 1, sig, NULL, 0),
			 SIGN_EBADSIG);
	free(sig);
	sign_key_wipe(&k);
}

/* Streaming over a file spanning many read chunks agrees with one buffer. */
static void test_stream_matches_buffer(void **state)
{
	struct sign_key k = SIGN_KEY_INIT;
	size_t len = 100000;
	uint8_t *data = malloc(len);
	char *sig_mem = NULL, *sig_fp = NULL;
	FILE *fp;

	(void)state;
	assert_non_null(data);
	for (size_t i = 0; i < len; i++)
		data[i] = (uint8_t)(i * 7 + 3);
	key_from(&k, 0);
	fp = tmpfile();
	assert_non_null(fp);
	assert_int_equal(fwrite(data, 1, len, fp), len);
	rewind(fp);
	assert_int_equal(sign_fp_detached(&k, fp, "big", &sig_fp), SIGN_OK);
	assert_int_equal(sign_file_detached(&k, data, len, "big", &sig_mem), SIGN_OK);
	assert_string_equal(sig_fp, sig_mem);
	rewind(fp);
	assert_int_equal(sign_verify_fp(&k.pub, fp, sig_mem, NULL, 0), SIGN_OK);
	fclose(fp);
	free(sig_mem);
	free(sig_fp);
	free(data);
	sign_key_wipe(&k);
}

static void test_changed_byte_rejected(void **state)
{
	struct sign_key k = SIGN_KEY_INIT;
	char copy[sizeof report];
	char *sig = NULL;

	(void)state;
	key_from(&k, 0);
	assert_int_equal(sign_file_detached(&k, (const uint8_t *)report, strlen(report), "t",
					    &sig),
			 SIGN_OK);
	for (size_t i = 0; i < strlen(report); i += 7) {
		memcpy(copy, report, sizeof report);
		copy[i] ^= 0x01;
		assert_int_equal(sign_verify(&k.pub, (const uint8_t *)copy, strlen(report), sig,
					     NULL, 0),
				 SIGN_EBADSIG);
	}
	/* A shorter file is a different file. */
	assert_int_equal(sign_verify(&k.pub, (const uint8_t *)report, strlen(report) - 1, sig,
				     NULL, 0),
			 SIGN_EBADSIG);
	free(sig);
	sign_key_wipe(&k);
}

/* Replace the first occurrence of from in s (same length or shorter). */
static char *replaced(const char *s, const char *from, const char *to)
{
	const char *at = strstr(s, from);
	size_t n = strlen(s) + strlen(to) + 1;
	char *out = malloc(n);

	assert_non_null(at);
	assert_non_null(out);
	snprintf(out, n, "%.*s%s%s", (int)(at - s), s, to, at + strlen(from));
	return out;
}

static void test_changed_trusted_comment_rejected(void **state)
{
	struct sign_key k = SIGN_KEY_INIT;
	char *sig = NULL, *forged;

	(void)state;
	key_from(&k, 0);
	assert_int_equal(sign_file_detached(&k, (const uint8_t *)report, strlen(report),
					    "edition: public", &sig),
			 SIGN_OK);
	forged = replaced(sig, "edition: public", "edition: board");
	assert_int_equal(sign_verify(&k.pub, (const uint8_t *)report, strlen(report), forged,
				     NULL, 0),
			 SIGN_EBADCOMMENT);
	free(forged);
	/* The untrusted comment is not signed: changing it is allowed. */
	forged = replaced(sig, "signature from", "signed by");
	assert_int_equal(sign_verify(&k.pub, (const uint8_t *)report, strlen(report), forged,
				     NULL, 0),
			 SIGN_OK);
	free(forged);
	free(sig);
	sign_key_wipe(&k);
}

static void test_wrong_key_rejected(void **state)
{
	struct sign_key k = SIGN_KEY_INIT, other = SIGN_KEY_INIT;
	struct sign_pubkey impostor;
	char *sig = NULL;

	(void)state;
	key_from(&k, 0);
	key_from(&other, 100);
	assert_memory_not_equal(k.pub.key_id, other.pub.key_id, SIGN_KEYID_BYTES);
	assert_int_equal(sign_file_detached(&k, (const uint8_t *)report, strlen(report), "t",
					    &sig),
			 SIGN_OK);
	assert_int_equal(sign_verify(&other.pub, (const uint8_t *)report, strlen(report), sig,
				     NULL, 0),
			 SIGN_EKEYID);
	/* The right id on the wrong key still fails, on the signature. */
	impostor = other.pub;
	memcpy(impostor.key_id, k.pub.key_id, SIGN_KEYID_BYTES);
	assert_int_equal(sign_verify(&impostor, (const uint8_t *)report, strlen(report), sig,
				     NULL, 0),
			 SIGN_EBADSIG);
	free(sig);
	sign_key_wipe(&k);
	sign_key_wipe(&other);
}

static void test_malformed_signature_rejected(void **state)
{
	struct sign_key k = SIGN_KEY_INIT;
	char *sig = NULL, *bad;
	size_t len;
	const char *line2;

	(void)state;
	key_from(&k, 0);
	assert_int_equal(sign_file_detached(&k, (const uint8_t *)report, strlen(report), "t",
					    &sig),
			 SIGN_OK);
	len = strlen(sig);

	/* Every truncation short of the last line's end is refused. */
	for (size_t cut = 0; cut < len - 1; cut++) {
		bad = strndup(sig, cut);
		assert_non_null(bad);
		assert_int_equal(sign_verify(&k.pub, (const uint8_t *)report, strlen(report), bad,
					     NULL, 0),
				 SIGN_EFORMAT);
		free(bad);
	}
	/* Without its final newline it is still whole. */
	bad = strndup(sig, len - 1);
	assert_int_equal(sign_verify(&k.pub, (const uint8_t *)report, strlen(report), bad, NULL,
				     0),
			 SIGN_OK);
	free(bad);

	/* A character outside base64 in the signature line. */
	bad = strdup(sig);
	line2 = strchr(sig, '\n') + 1;
	bad[line2 - sig + 10] = '!';
	assert_int_equal(sign_verify(&k.pub, (const uint8_t *)report, strlen(report), bad, NULL,
				     0),
			 SIGN_EFORMAT);
	free(bad);

	/* Wrong line prefixes. */
	bad = replaced(sig, "untrusted comment: ", "comment: ");
	assert_int_equal(sign_verify(&k.pub, (const uint8_t *)report, strlen(report), bad, NULL,
				     0),
			 SIGN_EFORMAT);
	free(bad);
	bad = replaced(sig, "trusted comment: t", "trusted: t");
	assert_int_equal(sign_verify(&k.pub, (const uint8_t *)report, strlen(report), bad, NULL,
				     0),
			 SIGN_EFORMAT);
	free(bad);

	/* Trailing matter after the four lines. */
	len = strlen(sig) + 8;
	bad = malloc(len);
	snprintf(bad, len, "%sextra\n", sig);
	assert_int_equal(sign_verify(&k.pub, (const uint8_t *)report, strlen(report), bad, NULL,
				     0),
			 SIGN_EFORMAT);
	free(bad);

	assert_int_equal(sign_verify(&k.pub, (const uint8_t *)report, strlen(report), "", NULL,
				     0),
			 SIGN_EFORMAT);
	assert_int_equal(sign_verify(&k.pub, (const uint8_t *)report, strlen(report),
				     "untrusted comment: x\nnot base64\n", NULL, 0),
			 SIGN_EFORMAT);
	free(sig);
	sign_key_wipe(&k);
}

/* Rebuild the signature line with another algorithm tag. */
static void test_legacy_algorithm_rejected(void **state)
{
	struct sign_key k = SIGN_KEY_INIT;
	uint8_t blob[74];
	char b64[sodium_base64_ENCODED_LEN(74, sodium_base64_VARIANT_ORIGINAL)];
	char *sig = NULL, *bad;
	const char *line2, *end2;
	size_t binlen = 0;
	char old[128];

	(void)state;
	key_from(&k, 0);
	assert_int_equal(sign_file_detached(&k, (const uint8_t *)report, strlen(report), "t",
					    &sig),
			 SIGN_OK);
	line2 = strchr(sig, '\n') + 1;
	end2 = strchr(line2, '\n');
	assert_int_equal(sodium_base642bin(blob, sizeof blob, line2, (size_t)(end2 - line2), NULL,
					   &binlen, NULL, sodium_base64_VARIANT_ORIGINAL),
			 0);
	assert_int_equal(binlen, 74);
	assert_memory_equal(blob, "ED", 2);
	blob[1] = 'd';
	sodium_bin2base64(b64, sizeof b64, blob, sizeof blob, sodium_base64_VARIANT_ORIGINAL);
	snprintf(old, sizeof old, "%.*s", (int)(end2 - line2), line2);
	bad = replaced(sig, old, b64);
	assert_int_equal(sign_verify(&k.pub, (const uint8_t *)report, strlen(report), bad, NULL,
				     0),
			 SIGN_EALGORITHM);
	free(bad);
	free(sig);
	sign_key_wipe(&k);
}

static void test_crlf_line_ends_accepted(void **state)
{
	struct sign_key k = SIGN_KEY_INIT;
	char *sig = NULL, *crlf;
	size_t n = 0;
	char tc[16];

	(void)state;
	key_from(&k, 0);
	assert_int_equal(sign_file_detached(&k, (const uint8_t *)report, strlen(report), "t",
					    &sig),
			 SIGN_OK);
	crlf = malloc(2 * strlen(sig) + 1);
	for (const char *p = sig; *p; p++) {
		if (*p == '\n')
			crlf[n++] = '\r';
		crlf[n++] = *p;
	}
	crlf[n] = '\0';
	assert_int_equal(sign_verify(&k.pub, (const uint8_t *)report, strlen(report), crlf, tc,
				     sizeof tc),
			 SIGN_OK);
	assert_string_equal(tc, "t");
	free(crlf);
	free(sig);
	sign_key_wipe(&k);
}

static void test_trusted_comment_must_be_one_line(void **state)
{
	struct sign_key k = SIGN_KEY_INIT;
	char *sig = NULL;
	char *longest = malloc(SIGN_TRUSTED_COMMENT_MAX + 2);

	(void)state;
	key_from(&k, 0);
	assert_int_equal(sign_file_detached(&k, (const uint8_t *)report, 3, "a\nb", &sig),
			 SIGN_ECOMMENT);
	assert_null(sig);
	assert_int_equal(sign_file_detached(&k, (const uint8_t *)report, 3, "a\r", &sig),
			 SIGN_ECOMMENT);
	memset(longest, 'c', SIGN_TRUSTED_COMMENT_MAX + 1);
	longest[SIGN_TRUSTED_COMMENT_MAX + 1] = '\0';
	assert_int_equal(sign_file_detached(&k, (const uint8_t *)report, 3, longest, &sig),
			 SIGN_ECOMMENT);
	longest[SIGN_TRUSTED_COMMENT_MAX] = '\0';
	assert_int_equal(sign_file_detached(&k, (const uint8_t *)report, 3, longest, &sig),
			 SIGN_OK);
	free(sig);
	free(longest);
	sign_key_wipe(&k);
}

static void test_bad_arguments(void **state)
{
	struct sign_key k = SIGN_KEY_INIT;
	char *sig = NULL;

	(void)state;
	/* An empty key cannot sign. */
	assert_int_equal(sign_file_detached(&k, (const uint8_t *)report, 3, "t", &sig),
			 SIGN_EINVAL);
	assert_int_equal(sign_keypair_from_seed(NULL, NULL), SIGN_EINVAL);
	assert_string_equal(sign_strerror(SIGN_EKEYID), "signature was made with a different key");
	assert_string_equal(sign_strerror(12345), "unknown signing error");
}

static void test_pubkey_parse_rejects(void **state)
{
	struct sign_key k = SIGN_KEY_INIT;
	struct sign_pubkey pub;
	char b64[SIGN_PUBKEY_BASE64_SIZE], text[256];
	uint8_t blob[42];

	(void)state;
	key_from(&k, 0);
	assert_int_equal(sign_pubkey_base64(&k.pub, b64, sizeof b64), SIGN_OK);

	snprintf(text, sizeof text, "  %s \r\n\n", b64);
	assert_int_equal(sign_pubkey_parse(&pub, text), SIGN_OK);
	assert_memory_equal(&pub, &k.pub, sizeof pub);

	assert_int_equal(sign_pubkey_parse(&pub, ""), SIGN_EPUBKEY);
	assert_int_equal(sign_pubkey_parse(&pub, "untrusted comment: only\n"), SIGN_EPUBKEY);
	assert_int_equal(sign_pubkey_parse(&pub, "not base64 at all"), SIGN_EPUBKEY);
	snprintf(text, sizeof text, "%.40s", b64); /* truncated */
	assert_int_equal(sign_pubkey_parse(&pub, text), SIGN_EPUBKEY);
	snprintf(text, sizeof text, "%s\nmore\n", b64);
	assert_int_equal(sign_pubkey_parse(&pub, text), SIGN_EPUBKEY);

	/* A secret key or signature blob is not a public key. */
	memset(blob, 0, sizeof blob);
	memcpy(blob, "ED", 2);
	sodium_bin2base64(b64, sizeof b64, blob, sizeof blob, sodium_base64_VARIANT_ORIGINAL);
	assert_int_equal(sign_pubkey_parse(&pub, b64), SIGN_EPUBKEY);
	sign_key_wipe(&k);
}

/* Write FILE, FILE.minisig and key.pub; minisign -V must accept them. */
static void test_minisign_accepts_ours(void **state)
{
	struct sign_key k = SIGN_KEY_INIT;
	struct scratch s;
	char pubtext[SIGN_PUBKEY_TEXT_SIZE], b64[SIGN_PUBKEY_BASE64_SIZE];
	char *sig = NULL, *longsig = NULL, *forged;
	char copy[sizeof report];
	char longest[SIGN_TRUSTED_COMMENT_MAX + 1];
	const char *file, *minisig, *pub;

	(void)state;
	if (!have_minisign())
		skip();
	key_from(&k, 0);
	scratch_init(&s);
	file = scratch_path(&s, "report.html");
	minisig = scratch_path(&s, "report.html.minisig");
	pub = scratch_path(&s, "key.pub");

	assert_int_equal(sign_pubkey_format(&k.pub, pubtext, sizeof pubtext), SIGN_OK);
	assert_int_equal(sign_pubkey_base64(&k.pub, b64, sizeof b64), SIGN_OK);
	assert_int_equal(sign_file_detached(&k, (const uint8_t *)report, strlen(report),
					    "cdop annual report 2025-26 edition=public", &sig),
			 SIGN_OK);
	spew(file, report, strlen(report));
	spew(minisig, sig, strlen(sig));
	spew(pub, pubtext, strlen(pubtext));
	{
		char *with_file[] = { MINISIGN, "-Vm", (char *)file, "-p", (char *)pub, NULL };
		char *with_line[] = { MINISIGN, "-Vm", (char *)file, "-P", b64, NULL };
		assert_int_equal(run(with_file), 0);
		assert_int_equal(run(with_line), 0);

		/* A flipped byte in the file. */
		memcpy(copy, report, sizeof report);
		copy[5] ^= 0x20;
		spew(file, copy, strlen(report));
		assert_int_not_equal(run(with_file), 0);
		spew(file, report, strlen(report));
		assert_int_equal(run(with_file), 0);

		/* A changed trusted comment. */
		forged = replaced(sig, "edition=public", "edition=board!");
		spew(minisig, forged, strlen(forged));
		assert_int_not_equal(run(with_file), 0);
		free(forged);

		/* The longest trusted comment we allow. */
		memset(longest, 'c', SIGN_TRUSTED_COMMENT_MAX);
		longest[SIGN_TRUSTED_COMMENT_MAX] = '\0';
		assert_int_equal(sign_file_detached(&k, (const uint8_t *)report, strlen(report),
						    longest, &longsig),
				 SIGN_OK);
		spew(minisig, longsig, strlen(longsig));
		assert_int_equal(run(with_file), 0);
	}
	scratch_release(&s);
	free(longsig);
	free(sig);
	sign_key_wipe(&k);
}

/* A key and signature made by minisign itself pass our verifier. */
static void test_we_accept_minisign(void **state)
{
	struct scratch s;
	struct sign_pubkey pub;
	char tc[SIGN_TRUSTED_COMMENT_MAX + 1];
	char *pubtext, *sig, *legacy;
	const char *file, *minisig, *legacy_sig, *pubfile, *secfile;

	(void)state;
	if (!have_minisign())
		skip();
	scratch_init(&s);
	file = scratch_path(&s, "data.csv");
	minisig = scratch_path(&s, "data.csv.minisig");
	legacy_sig = scratch_path(&s, "data.csv.legacy");
	pubfile = scratch_path(&s, "mini.pub");
	secfile = scratch_path(&s, "mini.key");
	spew(file, report, strlen(report));
	{
		char *gen[] = { MINISIGN, "-G", "-W", "-p", (char *)pubfile, "-s", (char *)secfile,
				NULL };
		char *sgn[] = { MINISIGN, "-S", "-s", (char *)secfile, "-m", (char *)file,
				"-t", "made by minisign", NULL };
		char *sgn_legacy[] = { MINISIGN, "-S", "-l", "-s", (char *)secfile, "-m",
				       (char *)file, "-x", (char *)legacy_sig, NULL };
		assert_int_equal(run(gen), 0);
		assert_int_equal(run(sgn), 0);
		assert_int_equal(run(sgn_legacy), 0);
	}
	pubtext = slurp(pubfile, NULL);
	sig = slurp(minisig, NULL);
	legacy = slurp(legacy_sig, NULL);
	assert_non_null(pubtext);
	assert_non_null(sig);
	assert_non_null(legacy);

	assert_int_equal(sign_pubkey_parse(&pub, pubtext), SIGN_OK);
	assert_int_equal(sign_verify(&pub, (const uint8_t *)report, strlen(report), sig, tc,
				     sizeof tc),
			 SIGN_OK);
	assert_string_equal(tc, "made by minisign");
	assert_int_equal(sign_verify(&pub, (const uint8_t *)report, strlen(report) - 1, sig,
				     NULL, 0),
			 SIGN_EBADSIG);
	assert_int_equal(sign_verify(&pub, (const uint8_t *)report, strlen(report), legacy,
				     NULL, 0),
			 SIGN_EALGORITHM);
	free(legacy);
	free(sig);
	free(pubtext);
	scratch_release(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fixed_seed_fixed_pubkey),
		cmocka_unit_test(test_keyid_hex_is_little_endian),
		cmocka_unit_test(test_sign_then_verify),
		cmocka_unit_test(test_empty_data_and_comment),
		cmocka_unit_test(test_stream_matches_buffer),
		cmocka_unit_test(test_changed_byte_rejected),
		cmocka_unit_test(test_changed_trusted_comment_rejected),
		cmocka_unit_test(test_wrong_key_rejected),
		cmocka_unit_test(test_malformed_signature_rejected),
		cmocka_unit_test(test_legacy_algorithm_rejected),
		cmocka_unit_test(test_crlf_line_ends_accepted),
		cmocka_unit_test(test_trusted_comment_must_be_one_line),
		cmocka_unit_test(test_bad_arguments),
		cmocka_unit_test(test_pubkey_parse_rejects),
		cmocka_unit_test(test_minisign_accepts_ours),
		cmocka_unit_test(test_we_accept_minisign),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
