#ifndef CDOP_USERS_H
#define CDOP_USERS_H
#include <stddef.h>

#include "cdop/role.h"

struct reg;

/* User names: 1-64 of [a-z0-9._-], starting with a letter or digit. */
int users_name_check(struct reg *r, const char *name);

int users_add(struct reg *r, const char *name, enum role role,
	      const char *pass, size_t passlen);
int users_disable(struct reg *r, const char *name);
/* Rewraps the user's slot under a new passphrase. */
int users_passwd(struct reg *r, const char *name, const char *pass, size_t passlen);

struct user_info {
	const char *name;
	enum role role;
	const char *state;
	const char *created_at;
};
typedef int (*users_visit_fn)(const struct user_info *u, void *ctx);
int users_foreach(struct reg *r, users_visit_fn fn, void *ctx);

#endif
