/*
 * cdop/audit: the audit trail's keyed hash chain. After a sequence of real
 * commands it verifies; with the key in hand (the triggers dropped, rows
 * changed through the open connection) every alteration, removal or
 * forgery is caught and the first broken entry is named.
 *
 * The template register holds five entries:
 *   1 init, 2 user_add admin, 3 user_add bob, 4 user_disable bob, 5 passwd admin
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "cdop/store/store.h"
#include "crypto/error.h"
#include "crypto/secure.h"
#include "support.h"

#define NEW_PASS "a new passphrase for admin"
#define NENTRIES 5

static char *g_tdir;

struct fix {
	char *dir;
	char *path;
	struct reg r;
};

static int group_setup(void **state)
{
	struct reg r;
	char *path;
	int ret;

	(void)state;
	if (crypto_init() != CRYPTO_OK)
		return -1;
	g_tdir = t_mkdtemp();
	path = t_path(g_tdir, T_REG_NAME);
	ret = t_reg_create(path, T_ADMIN, T_PASS, NULL, NULL, 0);
	if (!ret)
		ret = t_reg_open(&r, path, T_ADMIN, T_PASS);
	if (!ret)
		ret = users_add(&r, "bob", ROLE_MANAGER, "bob pass", 8);
	if (!ret)
		ret = users_disable(&r, "bob");
	if (!ret)
		ret = users_passwd(&r, T_ADMIN, NEW_PASS, strlen(NEW_PASS));
	if (!ret)
		ret = reg_close(&r);
	if (ret)
		fprintf(stderr, "template: %s\n", r.e.msg);
	reg_release(&r);
	free(path);
	return ret ? -1 : 0;
}

static int group_teardown(void **state)
{
	(void)state;
	t_rmtree(g_tdir);
	free(g_tdir);
	return 0;
}

static int setup(void **state)
{
	struct fix *f = calloc(1, sizeof *f);

	if (!f || crypto_init() != CRYPTO_OK)
		return -1;
	f->dir = t_reg_clone(g_tdir, &f->path);
	if (t_reg_open(&f->r, f->path, T_ADMIN, NEW_PASS) != CDOP_OK) {
		fprintf(stderr, "open: %s\n", f->r.e.msg);
		return -1;
	}
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fix *f = *state;

	reg_release(&f->r);
	t_rmtree(f->dir);
	free(f->dir);
	free(f->path);
	free(f);
	return 0;
}

static void exec_ok(struct reg *r, const char *sql)
{
	if (db_exec(r, sql) != CDOP_OK)
		fail_msg("%s: %s", sql, r->e.msg);
}

static int64_t count_rows(struct reg *r)
{
	struct db_stmt q = DB_STMT_INIT;
	int64_t n;

	assert_int_equal(db_prepare(r, &q, "SELECT count(*) FROM audit"), CDOP_OK);
	assert_int_equal(db_step(&q), DB_ROW);
	n = db_column_int(&q, 0);
	db_finalize(&q);
	return n;
}

/* audit_verify must fail at entry want, with want named in the message. */
static void expect_broken(struct reg *r, int64_t want, const char *why)
{
	int64_t bad = -1;
	char name[32];
	int ret = audit_verify(r, &bad);

	if (ret != CDOP_ERR_DAMAGED)
		fail_msg("%s: audit_verify returned %d (%s): %s", why, ret,
			 cdop_strerror(ret), r->e.msg);
	if (bad != want)
		fail_msg("%s: broken at %" PRId64 ", want %" PRId64 ": %s", why, bad, want,
			 r->e.msg);
	snprintf(name, sizeof name, "entry %" PRId64, want);
	if (!strstr(r->e.msg, name) && !(strstr(r->e.msg, "after entry")))
		fail_msg("%s: message does not name the entry: %s", why, r->e.msg);
}

static void expect_intact(struct reg *r)
{
	int64_t bad = -1;
	int ret = audit_verify(r, &bad);

	if (ret != CDOP_OK)
		fail_msg("audit_verify returned %d (%s): %s", ret, cdop_strerror(ret), r->e.msg);
	assert_int_equal(bad, 0);
}

struct list {
	int n;
	char actions[256];
	int64_t last_seq;
};

static int collect(const struct audit_entry *e, void *ctx)
{
	struct list *l = ctx;

	l->n++;
	l->last_seq = e->seq;
	if (e->seq != l->n)
		return -100;
	strncat(l->actions, e->action, sizeof l->actions - strlen(l->actions) - 2);
	strcat(l->actions, " ");
	return 0;
}

/* ---- an honest trail verifies ---------------------------------------------------- */

static void test_verify_after_commands(void **state)
{
	struct fix *f = *state;
	struct list l;

	expect_intact(&f->r);
	memset(&l, 0, sizeof l);
	assert_int_equal(audit_foreach(&f->r, collect, &l), CDOP_OK);
	assert_int_equal(l.n, NENTRIES);
	assert_string_equal(l.actions, "init user_add user_add user_disable passwd ");
	/* and a full check agrees */
	assert_int_equal(reg_check(&f->r), CDOP_OK);
}

static void test_append_and_verify(void **state)
{
	struct fix *f = *state;
	struct reg *r = &f->r;
	struct list l;

	assert_int_equal(db_begin(r), CDOP_OK);
	assert_int_equal(audit_append(r, "case_show", "2025-0001", ""), CDOP_OK);
	assert_int_equal(audit_append_as(r, "2025-06-01T10:00:00Z", "someone", "unlock_failed",
					 "someone", "wrong passphrase"), CDOP_OK);
	/* NULL object and detail are stored as empty text */
	assert_int_equal(audit_append(r, "export", NULL, NULL), CDOP_OK);
	assert_int_equal(db_commit(r), CDOP_OK);
	expect_intact(r);
	memset(&l, 0, sizeof l);
	assert_int_equal(audit_foreach(r, collect, &l), CDOP_OK);
	assert_int_equal(l.n, NENTRIES + 3);
	assert_string_equal(l.actions, "init user_add user_add user_disable passwd "
				       "case_show unlock_failed export ");
}

/* A callback's non-zero return stops the walk and is passed back. */
static int stop_at_two(const struct audit_entry *e, void *ctx)
{
	(void)ctx;
	return e->seq == 2 ? 42 : 0;
}

static void test_foreach_stops(void **state)
{
	struct fix *f = *state;

	assert_int_equal(audit_foreach(&f->r, stop_at_two, NULL), 42);
}

/* ---- the triggers ------------------------------------------------------------------ */

static void test_triggers_block_changes(void **state)
{
	struct fix *f = *state;
	struct reg *r = &f->r;

	assert_int_not_equal(db_exec(r, "UPDATE audit SET detail = 'x' WHERE seq = 3"), CDOP_OK);
	assert_non_null(strstr(r->e.msg, "append-only"));
	assert_int_not_equal(db_exec(r, "DELETE FROM audit WHERE seq = 5"), CDOP_OK);
	assert_non_null(strstr(r->e.msg, "append-only"));
	assert_int_not_equal(db_exec(r, "DELETE FROM audit"), CDOP_OK);
	/* inside a transaction as well */
	assert_int_equal(db_begin(r), CDOP_OK);
	assert_int_not_equal(db_exec(r, "UPDATE audit SET user = 'x'"), CDOP_OK);
	db_rollback(r);
	assert_int_equal(count_rows(r), NENTRIES);
	expect_intact(r);
}

/*
 * Was a bug (fixed; this test keeps it fixed) (cdop/store/schema/001_foundation.sql): INSERT OR REPLACE (or REPLACE INTO)
 * with an existing seq deletes and re-inserts the row without firing
 * audit_no_delete (SQLite fires DELETE triggers for REPLACE only with
 * PRAGMA recursive_triggers = ON), so the "append-only, even for our own
 * code" triggers do not stop a rewrite. The chain still catches it.
 */
static void test_replace_bypasses_triggers(void **state)
{
	struct fix *f = *state;
	struct reg *r = &f->r;
	int ret;

	ret = db_exec(r, "INSERT OR REPLACE INTO audit(seq, at, user, action, object, "
			 "detail, hash) SELECT seq, at, user, action, object, 'x', hash "
			 "FROM audit WHERE seq = 2");
	if (ret == CDOP_OK) {
		/* the hash chain, the second line of defence, holds */
		expect_broken(r, 2, "entry 2 replaced");
		fail_msg("regression: the bug described above is back");
	}
	assert_int_equal(count_rows(r), NENTRIES);
	assert_int_not_equal(db_exec(r, "REPLACE INTO audit(seq, at, user, action, object, "
					 "detail, hash) SELECT seq, at, user, action, object, "
					 "'x', hash FROM audit WHERE seq = 3"), CDOP_OK);
	expect_intact(r);
}

static void test_append_outside_transaction(void **state)
{
	struct fix *f = *state;
	struct reg *r = &f->r;

	assert_int_equal(r->st.in_txn, 0);
	assert_int_equal(audit_append(r, "case_show", "2025-0001", ""), CDOP_ERR_INTERNAL);
	assert_non_null(strstr(r->e.msg, "transaction"));
	assert_int_equal(audit_append_as(r, "2025-06-01T10:00:00Z", "x", "y", "", ""),
			 CDOP_ERR_INTERNAL);
	assert_int_equal(count_rows(r), NENTRIES);
	expect_intact(r);
}

/* ---- with the key in hand: alterations ------------------------------------------- */

static void test_altered_detail(void **state)
{
	struct fix *f = *state;
	struct reg *r = &f->r;

	exec_ok(r, "DROP TRIGGER audit_no_update");
	exec_ok(r, "UPDATE audit SET detail = 'x' WHERE seq = 3");
	expect_broken(r, 3, "detail of entry 3");
	assert_non_null(strstr(r->e.msg, "entry 3"));
	assert_non_null(strstr(r->e.msg, "altered"));
	/* a full check reports it too */
	assert_int_equal(reg_check(r), CDOP_ERR_DAMAGED);
}

/* Each column of an entry, one at a time, each rolled back after. */
static void test_altered_each_column(void **state)
{
	static const struct {
		const char *sql;
		int64_t seq;
	} alter[] = {
		{ "UPDATE audit SET at = '2020-01-01T00:00:00Z' WHERE seq = 1", 1 },
		{ "UPDATE audit SET user = 'mallory' WHERE seq = 2", 2 },
		{ "UPDATE audit SET action = 'user_enable' WHERE seq = 4", 4 },
		{ "UPDATE audit SET object = 'alice' WHERE seq = 3", 3 },
		{ "UPDATE audit SET detail = 'analyst' WHERE seq = 3", 3 },
		{ "UPDATE audit SET detail = detail || ' ' WHERE seq = 5", 5 },
		{ "UPDATE audit SET hash = zeroblob(32) WHERE seq = 2", 2 },
		{ "UPDATE audit SET hash = x'00' WHERE seq = 4", 4 },
		{ "UPDATE audit SET hash = NULL WHERE seq = 5", 5 },
		/* the hashes moved with their rows' contents: still caught */
		{ "UPDATE audit SET hash = (SELECT hash FROM audit WHERE seq = 2) WHERE seq = 3", 3 },
		/* renumbered: a gap where 3 was */
		{ "UPDATE audit SET seq = 30 WHERE seq = 3", 3 },
	};
	struct fix *f = *state;
	struct reg *r = &f->r;
	size_t i;

	for (i = 0; i < sizeof alter / sizeof alter[0]; i++) {
		assert_int_equal(db_begin(r), CDOP_OK);
		exec_ok(r, "DROP TRIGGER audit_no_update");
		if (db_exec(r, alter[i].sql) == CDOP_OK) /* NULL hash: NOT NULL */
			expect_broken(r, alter[i].seq, alter[i].sql);
		db_rollback(r);
		expect_intact(r);
	}
}

/* Two entries' contents swapped (hashes stay): both places break. */
static void test_swapped_entries(void **state)
{
	struct fix *f = *state;
	struct reg *r = &f->r;

	exec_ok(r, "DROP TRIGGER audit_no_update");
	exec_ok(r, "UPDATE audit SET seq = 100 WHERE seq = 3");
	exec_ok(r, "UPDATE audit SET seq = 3 WHERE seq = 4");
	exec_ok(r, "UPDATE audit SET seq = 4 WHERE seq = 100");
	expect_broken(r, 3, "entries 3 and 4 swapped");
}

/* ---- with the key in hand: removals ------------------------------------------- */

static void test_deleted_last_entry(void **state)
{
	struct fix *f = *state;
	struct reg *r = &f->r;

	exec_ok(r, "DROP TRIGGER audit_no_delete");
	exec_ok(r, "DELETE FROM audit WHERE seq = 5");
	/* entries 1-4 chain correctly; the recorded head says there was a 5 */
	expect_broken(r, 5, "last entry deleted");
	assert_non_null(strstr(r->e.msg, "removed"));
}

static void test_deleted_last_two(void **state)
{
	struct fix *f = *state;
	struct reg *r = &f->r;

	exec_ok(r, "DROP TRIGGER audit_no_delete");
	exec_ok(r, "DELETE FROM audit WHERE seq >= 4");
	expect_broken(r, 4, "last two entries deleted");
}

static void test_deleted_middle_entry(void **state)
{
	struct fix *f = *state;
	struct reg *r = &f->r;

	exec_ok(r, "DROP TRIGGER audit_no_delete");
	exec_ok(r, "DELETE FROM audit WHERE seq = 3");
	expect_broken(r, 3, "middle entry deleted");
	assert_non_null(strstr(r->e.msg, "missing"));
}

static void test_deleted_first_entry(void **state)
{
	struct fix *f = *state;
	struct reg *r = &f->r;

	exec_ok(r, "DROP TRIGGER audit_no_delete");
	exec_ok(r, "DELETE FROM audit WHERE seq = 1");
	expect_broken(r, 1, "first entry deleted");
}

/*
 * Was a bug (fixed; this test keeps it fixed) (cdop/audit.c, audit_verify): the head check is skipped when the
 * walk saw no entries (`if (n && strcmp(head, expect))`), so a trail
 * whose every row was deleted verifies, although meta still records a
 * head of 5 entries.
 */
static void test_deleted_all_entries(void **state)
{
	struct fix *f = *state;
	struct reg *r = &f->r;
	int64_t bad = -1;

	exec_ok(r, "DROP TRIGGER audit_no_delete");
	exec_ok(r, "DELETE FROM audit");
	if (audit_verify(r, &bad) == CDOP_OK)
		fail_msg("regression: the bug described above is back");
	expect_broken(r, 1, "every entry deleted");
}

static void test_head_record_removed(void **state)
{
	struct fix *f = *state;
	struct reg *r = &f->r;
	int64_t bad = -1;

	exec_ok(r, "DELETE FROM meta WHERE key = 'audit_head'");
	assert_int_equal(audit_verify(r, &bad), CDOP_ERR_DAMAGED);
	assert_true(bad > 0);
}

/* ---- with the key in hand: forgeries ------------------------------------------- */

static void test_forged_entry_appended(void **state)
{
	struct fix *f = *state;
	struct reg *r = &f->r;

	/* a row with the previous entry's hash */
	assert_int_equal(db_begin(r), CDOP_OK);
	exec_ok(r, "INSERT INTO audit(seq, at, user, action, object, detail, hash) "
		   "SELECT 6, at, user, 'user_add', 'mallory', 'admin', hash "
		   "FROM audit WHERE seq = 5");
	expect_broken(r, 6, "forged entry 6");
	db_rollback(r);

	/* a random hash */
	exec_ok(r, "INSERT INTO audit(seq, at, user, action, object, detail, hash) "
		   "VALUES (6, '2025-06-01T10:00:00Z', 'admin', 'x', '', '', randomblob(32))");
	expect_broken(r, 6, "random entry 6");
}

/* The chain is keyed: the same rows under another master key do not verify. */
static void test_chain_is_keyed(void **state)
{
	struct fix *f = *state;
	struct reg *r = &f->r;
	uint8_t saved[MASTER_KEY_BYTES];
	/* Keyring v2: the chain key is K_audit, granted with K_reg. */
	uint8_t *key = r->st.ks ? r->st.ks->k_audit : r->st.master;

	memcpy(saved, key, sizeof saved);
	key[0] ^= 1;
	expect_broken(r, 1, "another key");
	memcpy(key, saved, sizeof saved);
	secure_wipe(saved, sizeof saved);
	expect_intact(r);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_verify_after_commands),
		T(test_append_and_verify),
		T(test_foreach_stops),
		T(test_triggers_block_changes),
		T(test_replace_bypasses_triggers),
		T(test_append_outside_transaction),
		T(test_altered_detail),
		T(test_altered_each_column),
		T(test_swapped_entries),
		T(test_deleted_last_entry),
		T(test_deleted_last_two),
		T(test_deleted_middle_entry),
		T(test_deleted_first_entry),
		T(test_deleted_all_entries),
		T(test_head_record_removed),
		T(test_forged_entry_appended),
		T(test_chain_is_keyed),
	};

	return cmocka_run_group_tests_name("audit", tests, group_setup, group_teardown);
}
