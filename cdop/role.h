#ifndef CDOP_ROLE_H
#define CDOP_ROLE_H

/* Roles, SPEC §2. The numbers are stored in keyring slot headers. */
enum role {
	ROLE_NONE = 0,
	ROLE_ADMIN = 1,   /* accounts, keys, audit, backup; no case identifiers */
	ROLE_MANAGER = 2, /* everything about cases, identifiable */
	ROLE_PANEL = 3,   /* anonymised case views, packs, reviews */
	ROLE_ANALYST = 4, /* reports only */
};

#define ROLE_BIT(r) (1u << (r))
#define ROLES_ANY (ROLE_BIT(ROLE_ADMIN) | ROLE_BIT(ROLE_MANAGER) | \
		   ROLE_BIT(ROLE_PANEL) | ROLE_BIT(ROLE_ANALYST))

const char *role_name(enum role r);
/* ROLE_NONE when the name is not a role. */
enum role role_parse(const char *name);

#endif
