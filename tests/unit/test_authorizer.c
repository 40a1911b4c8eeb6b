/*
 * cdop/db: the authorizer. Once a register is open its connection runs
 * only the application's own kind of statement: every door out of the
 * encrypted file or into native code (ATTACH, PRAGMA after set-up,
 * sqlcipher_export, extension loading, virtual tables) is denied, and a
 * denied statement leaves no trace.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cdop/store/store.h"
#include "crypto/error.h"
#include "crypto/secure.h"
#include "support.h"

static char *g_tdir;

struct fix {
	char *dir;
	char *path;
	char *attach;   /* where an ATTACH would create a file */
	struct reg r;
};

static int group_setup(void **state)
{
	char *path;
	int ret;

	(void)state;
	if (crypto_init() != CRYPTO_OK)
		return -1;
	g_tdir = t_mkdtemp();
	path = t_path(g_tdir, T_REG_NAME);
	ret = t_reg_create(path, T_ADMIN, T_PASS, NULL, NULL, 0);
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
	f->attach = t_path(f->dir, "x.db");
	if (t_reg_open(&f->r, f->path, T_ADMIN, T_PASS) != CDOP_OK) {
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
	free(f->attach);
	free(f);
	return 0;
}

/* The one-row, one-column answer of sql, read with PRAGMAs let through
 * (as during set-up) so the test can see the connection's settings. */
static void query_text(struct reg *r, const char *sql, char *out, size_t outlen)
{
	struct db_stmt q = DB_STMT_INIT;
	int saved = r->st.allow_pragma;

	r->st.allow_pragma = 1;
	out[0] = 0;
	if (db_prepare(r, &q, sql) != CDOP_OK)
		fail_msg("%s: %s", sql, r->e.msg);
	if (db_step(&q) != DB_ROW)
		fail_msg("%s: no row: %s", sql, r->e.msg);
	snprintf(out, outlen, "%s", db_column_text(&q, 0));
	db_finalize(&q);
	r->st.allow_pragma = saved;
}

/* The connection still works (and reads the encrypted pages). */
static void still_works(struct reg *r, const char *after)
{
	char n[32];

	query_text(r, "SELECT count(*) FROM meta WHERE key = 'register_id'", n, sizeof n);
	if (strcmp(n, "1"))
		fail_msg("after %s: meta has %s register_id rows", after, n);
}

static void expect_denied(struct reg *r, const char *sql)
{
	int ret;

	r->e.msg[0] = 0;
	ret = db_exec(r, sql);
	if (ret == CDOP_OK)
		fail_msg("allowed: %s", sql);
	/* denied by the authorizer, not by accident */
	if (!strstr(r->e.msg, "not authorized"))
		fail_msg("%s: failed, but not by the authorizer: %s", sql, r->e.msg);
	still_works(r, sql);
}

static const char *const denied[] = {
	"DETACH x",
	"DETACH DATABASE main",
	"PRAGMA key = 'x'",
	"PRAGMA main.key = 'x'",
	"pragma KEY = \"x\"",
	"PRAGMA rekey = 'x'",
	"PRAGMA rekey = \"x'0000000000000000000000000000000000000000000000000000000000000000'\"",
	"PRAGMA cipher_page_size = 1024",
	"PRAGMA cipher_use_hmac = OFF",
	"PRAGMA kdf_iter = 1",
	"PRAGMA writable_schema = 1",
	"PRAGMA user_version = 99",
	"PRAGMA user_version",
	"PRAGMA journal_mode = WAL",
	"PRAGMA journal_mode = OFF",
	"PRAGMA temp_store = FILE",
	"PRAGMA temp_store_directory = '/tmp'",
	"PRAGMA secure_delete = OFF",
	"PRAGMA foreign_keys = OFF",
	"PRAGMA integrity_check",
	"PRAGMA table_info(meta)",
	"/* comment */ PRAGMA key = 'x'",
	"SELECT sqlcipher_export('x')",
	"SELECT SQLCipher_Export('main')",
	"SELECT load_extension('x')",
	"SELECT load_extension('/lib/x86_64-linux-gnu/libc.so.6', 'system')",
	"SELECT \"load_extension\"('x')",
	"CREATE VIRTUAL TABLE v USING fts4(a)",
	"CREATE VIRTUAL TABLE v USING fts3(a)",
	"CREATE VIRTUAL TABLE IF NOT EXISTS v USING rtree(id, a, b)",
	"SELECT fts3_tokenizer('simple')",
	"SELECT fts3_tokenizer('simple', x'0000000000000000')",
	"SELECT value FROM meta WHERE value = sqlcipher_export('x')",
};

static void test_denied_statements(void **state)
{
	struct fix *f = *state;
	char sql[4200];
	int had_tmp_x = t_exists("/tmp/x.db");
	size_t i;

	snprintf(sql, sizeof sql, "ATTACH DATABASE '%s' AS x", f->attach);
	expect_denied(&f->r, sql);
	snprintf(sql, sizeof sql, "attach '%s' as y", f->attach);
	expect_denied(&f->r, sql);
	snprintf(sql, sizeof sql, "ATTACH DATABASE '%s' AS x KEY ''", f->attach);
	expect_denied(&f->r, sql);
	expect_denied(&f->r, "ATTACH DATABASE ':memory:' AS m");
	expect_denied(&f->r, "ATTACH DATABASE '/tmp/x.db' AS x");
	for (i = 0; i < sizeof denied / sizeof denied[0]; i++)
		expect_denied(&f->r, denied[i]);
	assert_false(t_exists(f->attach));
	if (!had_tmp_x)
		assert_false(t_exists("/tmp/x.db"));
}

/* Denied means it did not happen: settings, schema and key unchanged. */
static void test_denied_take_no_effect(void **state)
{
	struct fix *f = *state;
	struct reg *r = &f->r;
	char sql[4200], v[64], latest[16];
	size_t i;

	snprintf(sql, sizeof sql, "ATTACH DATABASE '%s' AS x", f->attach);
	(void)db_exec(r, sql);
	for (i = 0; i < sizeof denied / sizeof denied[0]; i++)
		(void)db_exec(r, denied[i]);

	assert_false(t_exists(f->attach));
	assert_null(sqlite3_db_filename(r->st.db, "x"));
	query_text(r, "PRAGMA cipher_page_size", v, sizeof v);
	assert_string_equal(v, "4096");
	query_text(r, "PRAGMA writable_schema", v, sizeof v);
	assert_string_equal(v, "0");
	query_text(r, "PRAGMA user_version", v, sizeof v);
	snprintf(latest, sizeof latest, "%d", reg_schema_latest());
	assert_string_equal(v, latest);
	query_text(r, "PRAGMA journal_mode", v, sizeof v);
	assert_string_equal(v, "delete");
	query_text(r, "PRAGMA temp_store", v, sizeof v);
	assert_string_equal(v, "2"); /* MEMORY */
	query_text(r, "PRAGMA secure_delete", v, sizeof v);
	assert_string_equal(v, "1");
	query_text(r, "PRAGMA foreign_keys", v, sizeof v);
	assert_string_equal(v, "1");
	query_text(r, "SELECT count(*) FROM sqlite_master WHERE name = 'v' OR sql LIKE '%VIRTUAL%'",
		   v, sizeof v);
	assert_string_equal(v, "0");
	still_works(r, "everything");

	/* the key is unchanged: the register reopens with its passphrase */
	reg_release(r);
	assert_int_equal(t_count_entries(f->dir), 2);
	assert_int_equal(t_reg_open(r, f->path, T_ADMIN, T_PASS), CDOP_OK);
	still_works(r, "reopening");
	assert_int_equal(reg_check(r), CDOP_OK);
}

static void test_allowed_statements(void **state)
{
	struct fix *f = *state;
	struct reg *r = &f->r;
	char v[64];

	assert_int_equal(db_exec(r, "SELECT key, value FROM meta"), CDOP_OK);
	assert_int_equal(db_exec(r, "SELECT name, role, state FROM users"), CDOP_OK);
	assert_int_equal(db_exec(r, "SELECT seq, at, user, action FROM audit ORDER BY seq"),
			 CDOP_OK);
	assert_int_equal(db_exec(r, "SELECT lower('X'), hex(randomblob(4)), date('now'), "
				    "count(*) FROM sqlite_master"), CDOP_OK);
	query_text(r, "SELECT value FROM meta WHERE key = 'kdf_ops'", v, sizeof v);
	assert_string_equal(v, "1"); /* the "test" profile (support.h) */
	/* writes of the application's own kind, in a transaction */
	assert_int_equal(db_begin(r), CDOP_OK);
	assert_int_equal(db_exec(r, "INSERT INTO meta(key, value) VALUES ('t', 'v')"), CDOP_OK);
	assert_int_equal(db_exec(r, "DELETE FROM meta WHERE key = 't'"), CDOP_OK);
	assert_int_equal(db_commit(r), CDOP_OK);
}

/* PRAGMAs are a set-up privilege: the flag opens and closes the door. */
static void test_pragma_only_during_setup(void **state)
{
	struct fix *f = *state;
	struct reg *r = &f->r;

	assert_int_equal(r->st.allow_pragma, 0); /* reg_open closed it */
	assert_int_not_equal(db_exec(r, "PRAGMA user_version"), CDOP_OK);
	r->st.allow_pragma = 1;
	assert_int_equal(db_exec(r, "PRAGMA user_version"), CDOP_OK);
	r->st.allow_pragma = 0;
	assert_int_not_equal(db_exec(r, "PRAGMA user_version"), CDOP_OK);
	/* reg_check needs integrity_check, and closes the door behind it */
	assert_int_equal(reg_check(r), CDOP_OK);
	assert_int_equal(r->st.allow_pragma, 0);
	assert_int_not_equal(db_exec(r, "PRAGMA user_version"), CDOP_OK);
}

/* A denied function cannot be smuggled in through a trigger or a view:
 * their bodies are authorised when a statement uses them. */
static void test_no_smuggling_through_triggers_or_views(void **state)
{
	struct fix *f = *state;
	struct reg *r = &f->r;
	char n[16];
	int ret;

	ret = db_exec(r, "CREATE TEMP TRIGGER t AFTER INSERT ON meta BEGIN "
			 "SELECT sqlcipher_export('x'); END");
	if (ret == CDOP_OK) {
		assert_int_not_equal(db_exec(r, "INSERT INTO meta(key, value) "
						 "VALUES ('smuggled', 'x')"), CDOP_OK);
		assert_non_null(strstr(r->e.msg, "not authorized"));
		query_text(r, "SELECT count(*) FROM meta WHERE key = 'smuggled'", n, sizeof n);
		assert_string_equal(n, "0");
	}
	ret = db_exec(r, "CREATE TEMP VIEW lx AS SELECT load_extension('x') AS y");
	if (ret == CDOP_OK) {
		assert_int_not_equal(db_exec(r, "SELECT * FROM lx"), CDOP_OK);
		assert_non_null(strstr(r->e.msg, "not authorized"));
	}
	ret = db_exec(r, "CREATE TEMP VIEW px AS SELECT fts3_tokenizer('simple') AS y");
	if (ret == CDOP_OK) {
		assert_int_not_equal(db_exec(r, "SELECT * FROM px"), CDOP_OK);
		assert_non_null(strstr(r->e.msg, "not authorized"));
	}
	still_works(r, "smuggling");
}

/* Scripts (sqlite3_exec) go through the same authorizer. */
static void test_script_denied(void **state)
{
	struct fix *f = *state;
	struct reg *r = &f->r;
	char sql[4200];

	snprintf(sql, sizeof sql, "SELECT 1; ATTACH DATABASE '%s' AS x; SELECT 2;", f->attach);
	assert_int_not_equal(db_exec_script(r, sql), CDOP_OK);
	assert_int_not_equal(db_exec_script(r, "SELECT 1; PRAGMA rekey = 'x';"), CDOP_OK);
	assert_int_not_equal(db_exec_script(r, "CREATE VIRTUAL TABLE v USING fts4(a);"), CDOP_OK);
	assert_false(t_exists(f->attach));
	still_works(r, "scripts");
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_denied_statements),
		T(test_denied_take_no_effect),
		T(test_allowed_statements),
		T(test_pragma_only_during_setup),
		T(test_no_smuggling_through_triggers_or_views),
		T(test_script_denied),
	};

	return cmocka_run_group_tests_name("authorizer", tests, group_setup, group_teardown);
}
