#include "crypto/secure.h"
#include "crypto/error.h"

#include <sodium.h>
#include <sys/prctl.h>
#include <sys/resource.h>

const char *crypto_strerror(int err)
{
	switch (err) {
	case CRYPTO_OK: return "success";
	case CRYPTO_ERR_NOMEM: return "out of memory";
	case CRYPTO_ERR_IO: return "input/output error";
	case CRYPTO_ERR_FORMAT: return "malformed or truncated data";
	case CRYPTO_ERR_VERSION: return "unsupported format version";
	case CRYPTO_ERR_PARAMS: return "key derivation parameters out of bounds";
	case CRYPTO_ERR_AUTH: return "wrong passphrase or altered key slot";
	case CRYPTO_ERR_NOUSER: return "no such user";
	case CRYPTO_ERR_DISABLED: return "user is disabled";
	case CRYPTO_ERR_EXISTS: return "already exists";
	case CRYPTO_ERR_TAMPER: return "authentication code mismatch";
	case CRYPTO_ERR_ARG: return "invalid argument";
	case CRYPTO_ERR_INIT: return "cannot initialise libsodium";
	}
	return "unknown crypto error";
}

int crypto_init(void)
{
	struct rlimit none = { 0, 0 };

	if (sodium_init() < 0)
		return CRYPTO_ERR_INIT;
	/* A core file would hold the master key and decrypted records. */
	(void)setrlimit(RLIMIT_CORE, &none);
	(void)prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	return CRYPTO_OK;
}

void *secure_alloc(size_t n)
{
	return sodium_malloc(n);
}

void secure_free(void *p)
{
	if (p)
		sodium_free(p); /* sodium_free wipes before releasing */
}

int secure_memcmp(const void *a, const void *b, size_t n)
{
	return sodium_memcmp(a, b, n);
}

void secure_wipe(void *p, size_t n)
{
	sodium_memzero(p, n);
}
