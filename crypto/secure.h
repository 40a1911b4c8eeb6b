#ifndef CRYPTO_SECURE_H
#define CRYPTO_SECURE_H
#include <stddef.h>
#include <stdint.h>

/*
 * Process-wide set-up: initialise libsodium and make sure secrets cannot
 * leave the process through a core dump or ptrace by a same-uid process.
 * Call once at start-up, before any secret is handled.
 */
int crypto_init(void);

/* Guarded, mlock'ed memory for secrets (libsodium's sodium_malloc). */
void *secure_alloc(size_t n);
/* Wipes and frees; safe on NULL. */
void secure_free(void *p);

/* Wipes memory the compiler may not optimise away. */
void secure_wipe(void *p, size_t n);

/* Constant-time compare; 0 when equal. */
int secure_memcmp(const void *a, const void *b, size_t n);

#endif
