#include "cdop/store/store.h"

#include <string.h>

/*
 * SQLCipher 3.4.1 authenticates each page when it is read, so reading every
 * page is the integrity check. integrity_check walks every b-tree page and
 * the pointer maps; with auto_vacuum = FULL (set at init) there are no free
 * pages left unread.
 */
static int check_pages(struct reg *r)
{
	struct db_stmt q = DB_STMT_INIT;
	int ret = CDOP_OK, fin;

	r->st.allow_pragma = 1;
	db_prepare(r, &q, "PRAGMA integrity_check");
	while (!ret && db_step(&q) == DB_ROW) {
		const char *msg = db_column_text(&q, 0);

		if (strcmp(msg, "ok")) {
			/* SQLite's report: "*** in database main ***\nPage 3: ..." */
			const char *first = strstr(msg, "***\n");
			const char *nl;

			first = first ? first + 4 : msg;
			nl = strchr(first, '\n');
			ret = reg_fail(r, CDOP_ERR_DAMAGED, "register '%s' failed its "
				       "integrity check: %.*s", r->st.path,
				       nl ? (int)(nl - first) : 300, first);
		}
	}
	fin = db_finalize(&q);
	r->st.allow_pragma = 0;
	return ret ? ret : fin;
}

struct slot_ctx {
	struct reg *r;
	size_t seen;
	int ret;
};

static int check_slot(const struct user_info *u, void *vctx)
{
	struct slot_ctx *c = vctx;
	struct keyring_slot *s = keyring_slot_find(&c->r->st.kr, u->name);
	int active = !strcmp(u->state, "active");

	c->seen++;
	if (!s)
		return c->ret = reg_fail(c->r, CDOP_ERR_DAMAGED, "keyring '%s' has "
					 "no slot for user '%s'", c->r->st.keys_path, u->name);
	if (s->role != (uint8_t)u->role ||
	    active != (s->state == KEYRING_SLOT_ACTIVE))
		return c->ret = reg_fail(c->r, CDOP_ERR_DAMAGED, "keyring '%s' and "
					 "register disagree about user '%s'",
					 c->r->st.keys_path, u->name);
	return 0;
}

static int check_keyring(struct reg *r)
{
	struct slot_ctx c = { r, 0, 0 };
	size_t i, user_slots = 0;
	int ret = users_foreach(r, check_slot, &c);

	if (ret)
		return ret;
	for (i = 0; i < r->st.kr.nslots; i++)
		user_slots += r->st.kr.slots[i].kind == KEYRING_SLOT_USER;
	if (user_slots != c.seen)
		return reg_fail(r, CDOP_ERR_DAMAGED, "keyring '%s' has %zu user "
				"slots but the register has %zu users", r->st.keys_path,
				user_slots, c.seen);
	return keyring_mac_check(&r->st.kr, r->st.master) ?
		reg_fail(r, CDOP_ERR_DAMAGED, "keyring '%s' has been altered",
			 r->st.keys_path) : CDOP_OK;
}

static int check_all(struct reg *r)
{
	int64_t bad;
	int ret = check_pages(r);

	if (ret)
		return ret;
	if (r->st.file_mismatch)
		return reg_fail(r, CDOP_ERR_DAMAGED, "register '%s': every page "
			       "authenticates on its own, but the file is not the one "
			       "cdop last closed (its keyed MAC differs from the one in "
			       "'%s'). A page may have been replaced by the same page "
			       "from an older copy, or bytes changed in page padding "
			       "that SQLCipher does not authenticate. Restore from a "
			       "backup.", r->st.path, r->st.keys_path);
	ret = check_keyring(r);
	if (ret)
		return ret;
	return audit_verify(r, &bad);
}

/* A failed check makes the register read-only for the rest of the command:
 * nothing written, migrated, imported or resealed (issue 10, finding 2). */
int reg_check(struct reg *r)
{
	int ret = check_all(r);

	if (ret == CDOP_ERR_DAMAGED)
		r->st.read_only = 1;
	return ret;
}
