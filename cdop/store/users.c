#include "cdop/store/store.h"
#include "cdop/store/store_int.h"
#include "crypto/error.h"

#include <stdlib.h>
#include <string.h>

int users_name_check(struct reg *r, const char *name)
{
	size_t i, n = name ? strlen(name) : 0;

	if (n == 0 || n > REG_NAME_MAX)
		return reg_fail(r, CDOP_ERR_INPUT, "user name must be 1-%d characters",
				REG_NAME_MAX);
	for (i = 0; i < n; i++) {
		char c = name[i];
		int alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');

		if (!alnum && (i == 0 || (c != '.' && c != '_' && c != '-')))
			return reg_fail(r, CDOP_ERR_INPUT, "user name '%s' is not valid: "
					"use lower-case letters, digits, '.', '_' or '-', "
					"starting with a letter or digit", name);
	}
	return CDOP_OK;
}

static int user_lookup(struct reg *r, const char *name, enum role *role, int *active)
{
	static const char sql[] = "SELECT role, state FROM users WHERE name = :name";
	struct db_stmt q = DB_STMT_INIT;
	int found = 0, ret;

	*role = ROLE_NONE;
	*active = 0;
	db_prepare(r, &q, sql);
	db_bind_text(&q, ":name", name);
	if (db_step(&q) == DB_ROW) {
		*role = role_parse(db_column_text(&q, 0));
		*active = !strcmp(db_column_text(&q, 1), "active");
		found = 1;
	}
	ret = db_finalize(&q);
	if (ret || found)
		return ret;
	return reg_fail(r, CDOP_ERR_NOTFOUND, "no user '%s'", name);
}

/*
 * Database row and keyring slot change together (issue 10, findings 6
 * and 7): keys.c writes the new keyring to PATH.keys.new with a generation
 * number that the transaction also records, commits, then renames it into
 * place; an open finds which of the two the database agrees with.
 */
static int commit_with_keyring(struct reg *r, const struct keyring *old)
{
	(void)old;
	return keys_commit(r);
}

static int keyring_copy(struct reg *r, struct keyring *dst)
{
	uint8_t *buf = NULL;
	size_t len = 0;
	int ret = keyring_serialize(&r->st.kr, &buf, &len) ||
		  keyring_parse(dst, buf, len);

	free(buf);
	return ret ? reg_fail(r, CDOP_ERR_NOMEM, "out of memory") : CDOP_OK;
}

/* Puts the keyring as it was before a failed change back in place. */
static void keyring_restore(struct reg *r, struct keyring *old)
{
	keyring_release(&r->st.kr);
	r->st.kr = *old;
	keyring_init(old);
}

/* A change to key slots and the database together. The transaction comes
 * first (it marks the keyring dirty on disk); the copy taken after it is
 * what a failure puts back. */
static int change_begin(struct reg *r, struct keyring *old)
{
	int ret = db_begin(r);

	if (ret)
		return ret;
	ret = keyring_copy(r, old);
	if (ret)
		db_rollback(r);
	return ret;
}

/* Commits both, or puts both back. */
static int change_end(struct reg *r, int ret, struct keyring *old)
{
	if (!ret && (ret = commit_with_keyring(r, old)) && !r->st.in_txn) {
		/* Committed; only the keyring's rename or its directory's sync
		 * failed. The change stands with its keyring (putting the old
		 * one back would leave it a generation behind the database):
		 * the close writes it to PATH.keys, the next open completes a
		 * PATH.keys.new left (keys_pending); the CLI warns, as for a
		 * failed reseal. */
		r->st.reseal_failed = 1;
		ret = CDOP_OK;
	} else if (ret) {
		db_rollback(r);
		keyring_restore(r, old);
	}
	keyring_release(old);
	return ret;
}

static int slot_error(struct reg *r, int err)
{
	return reg_fail(r, err == CRYPTO_ERR_NOMEM ? CDOP_ERR_NOMEM : CDOP_ERR_INTERNAL,
			"cannot write key slot: %s", crypto_strerror(err));
}

/* Begins a change that (re)wraps NAME's slot under PASS with the register's
 * KDF defaults; a failure after change_begin is undone. */
static int slot_change_begin(struct reg *r, struct keyring *old, const char *name,
			     enum role role, const char *pass, size_t passlen)
{
	struct kdf_params kdf;
	int ret = reg_kdf_params(r, &kdf), err;

	if (ret)
		return ret;
	ret = change_begin(r, old);
	if (ret)
		return ret;
	err = keys_slot_set(r, name, (int)role, pass, passlen, &kdf);
	return err ? change_end(r, slot_error(r, err), old) : CDOP_OK;
}

int users_add(struct reg *r, const char *name, enum role role,
	      const char *pass, size_t passlen)
{
	static const char sql[] =
		"INSERT INTO users(name, role, state, created_at, created_by) "
		"VALUES (:name, :role, 'active', :now, :by)";
	struct keyring old = KEYRING_INIT;
	struct db_stmt q = DB_STMT_INIT;
	enum role have;
	char now[21];
	int active, ret;

	ret = users_name_check(r, name);
	if (ret)
		return ret;
	if (role == ROLE_NONE)
		return reg_fail_field(r, CDOP_ERR_INPUT, "role", "valid roles are admin, "
				"manager, panel, analyst");
	ret = user_lookup(r, name, &have, &active);
	if (ret == CDOP_OK)
		return reg_fail(r, CDOP_ERR_CONFLICT, "user '%s' already exists%s",
				name, active ? "" : " (disabled)");
	if (ret != CDOP_ERR_NOTFOUND)
		return ret;
	ret = slot_change_begin(r, &old, name, role, pass, passlen);
	if (ret)
		return ret;
	reg_now(now);
	db_prepare(r, &q, sql);
	db_bind_text(&q, ":name", name);
	db_bind_text(&q, ":role", role_name(role));
	db_bind_text(&q, ":now", now);
	db_bind_text(&q, ":by", r->ss.user);
	db_run(&q);
	ret = db_finalize(&q);
	if (ret)
		goto out;
	ret = audit_append(r, "user_add", name, role_name(role));
out:
	return change_end(r, ret, &old);
}

int users_disable(struct reg *r, const char *name)
{
	static const char sql[] = "UPDATE users SET state = 'disabled' WHERE name = :name";
	struct keyring old = KEYRING_INIT;
	struct db_stmt q = DB_STMT_INIT;
	enum role role;
	int active, ret;

	ret = user_lookup(r, name, &role, &active);
	if (ret)
		return ret;
	if (!active)
		return reg_fail(r, CDOP_ERR_CONFLICT, "user '%s' is already disabled", name);
	if (!strcmp(name, r->ss.user))
		return reg_fail(r, CDOP_ERR_CONFLICT, "you cannot disable yourself ('%s'); "
				"ask another admin", name);
	ret = change_begin(r, &old);
	if (ret)
		return ret;
	ret = keys_disable(r, name);
	if (ret) {
		ret = ret == CRYPTO_ERR_NOUSER ?
			reg_fail(r, CDOP_ERR_DAMAGED, "keyring '%s' has no slot for "
				 "user '%s'", r->st.keys_path, name) :
			slot_error(r, ret);
		goto out;
	}
	db_prepare(r, &q, sql);
	db_bind_text(&q, ":name", name);
	db_run(&q);
	ret = db_finalize(&q);
	if (ret)
		goto out;
	ret = audit_append(r, "user_disable", name, role_name(role));
out:
	ret = change_end(r, ret, &old);
	if (ret) {
		keys_disable_undo(r);
		return ret;
	}
	/* The register's new key: every page re-encrypted (keys.c). A rekey
	 * that failed left the file wholly under the previous key, which only
	 * the remaining users hold (keys_disable): the disable stands, and
	 * the next open re-encrypts; the caller warns (rekey_pending). */
	if (!r->st.rekey_due)
		return CDOP_OK;
	ret = keys_rekey(r);
	return r->st.rekey_pending ? CDOP_OK : ret;
}

int users_passwd(struct reg *r, const char *name, const char *pass, size_t passlen)
{
	struct keyring old = KEYRING_INIT;
	enum role role;
	int active, ret;

	ret = user_lookup(r, name, &role, &active);
	if (ret)
		return ret;
	if (!active)
		return reg_fail(r, CDOP_ERR_CONFLICT, "user '%s' is disabled", name);
	/* Rewraps this one slot: fresh salt and nonce, same master key. */
	ret = slot_change_begin(r, &old, name, role, pass, passlen);
	if (ret)
		return ret;
	return change_end(r, audit_append(r, "passwd", name, ""), &old);
}

int users_foreach(struct reg *r, users_visit_fn fn, void *ctx)
{
	static const char sql[] =
		"SELECT name, role, state, created_at FROM users ORDER BY name";
	struct db_stmt q = DB_STMT_INIT;
	int ret = CDOP_OK, fin;

	db_prepare(r, &q, sql);
	while (!ret && db_step(&q) == DB_ROW) {
		struct user_info u;

		u.name = db_column_text(&q, 0);
		u.role = role_parse(db_column_text(&q, 1));
		u.state = db_column_text(&q, 2);
		u.created_at = db_column_text(&q, 3);
		ret = fn(&u, ctx);
	}
	fin = db_finalize(&q);
	return ret ? ret : fin;
}
