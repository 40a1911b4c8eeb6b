#ifndef CRYPTO_ERROR_H
#define CRYPTO_ERROR_H

/* Error codes shared by every crypto/ function: 0 is success. */
enum crypto_error {
	CRYPTO_OK = 0,
	CRYPTO_ERR_NOMEM = -1,     /* allocation failed */
	CRYPTO_ERR_IO = -2,        /* read, write, fsync or rename failed (errno kept) */
	CRYPTO_ERR_FORMAT = -3,    /* malformed or truncated data */
	CRYPTO_ERR_VERSION = -4,   /* a format version this build does not know */
	CRYPTO_ERR_PARAMS = -5,    /* KDF parameters outside the accepted bounds */
	CRYPTO_ERR_AUTH = -6,      /* wrong passphrase, or the slot was altered */
	CRYPTO_ERR_NOUSER = -7,    /* no slot for that user */
	CRYPTO_ERR_DISABLED = -8,  /* the slot exists but is disabled */
	CRYPTO_ERR_EXISTS = -9,    /* refusing to overwrite an existing file or slot */
	CRYPTO_ERR_TAMPER = -10,   /* a MAC over authenticated data did not match */
	CRYPTO_ERR_ARG = -11,      /* caller passed an invalid argument */
	CRYPTO_ERR_INIT = -12,     /* libsodium could not be initialised */
};

const char *crypto_strerror(int err);

#endif
