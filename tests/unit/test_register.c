/*
 * cdop/register: creating and opening a register (PATH + PATH.keys), and
 * every way opening must fail cleanly: a missing, empty, plain-SQLite,
 * truncated or altered file, a missing or foreign keyring, a wrong
 * passphrase, a schema from a newer cdop. Never OK, never a crash.
 *
 * A template register is created once for the group; most tests work on a
 * byte copy of it in their own directory. Argon2 uses the "test" profile
 * (support.h).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cdop/store/store.h"
#include "crypto/error.h"
#include "crypto/secure.h"
#include "support.h"

/* A name that would stand out in the bytes of either file. */
#define ADMIN "quentin.zimmerman"
#define PAGE 4096

static char *g_tdir;        /* the template */
static char *g_tpath;
static char g_code[RECOVERY_CODE_TEXT];

struct fix {
	char *dir;
	char *path;     /* the register */
	char *keys;     /* its keyring */
	char *scratch;  /* an empty directory */
};

static int group_setup(void **state)
{
	char err[REG_ERR_MAX];
	int ret;

	(void)state;
	if (crypto_init() != CRYPTO_OK)
		return -1;
	g_tdir = t_mkdtemp();
	g_tpath = t_path(g_tdir, T_REG_NAME);
	ret = t_reg_create(g_tpath, ADMIN, T_PASS, g_code, err, sizeof err);
	if (ret)
		fprintf(stderr, "template: %s\n", err);
	return ret ? -1 : 0;
}

static int group_teardown(void **state)
{
	(void)state;
	t_rmtree(g_tdir);
	free(g_tdir);
	free(g_tpath);
	return 0;
}

/* Each test: a copy of the template in a fresh directory. */
static int setup(void **state)
{
	struct fix *f = calloc(1, sizeof *f);

	if (!f || crypto_init() != CRYPTO_OK)
		return -1;
	f->dir = t_reg_clone(g_tdir, &f->path);
	f->keys = t_path(f->dir, T_KEYS_NAME);
	f->scratch = t_mkdtemp();
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fix *f = *state;

	t_rmtree(f->dir);
	t_rmtree(f->scratch);
	free(f->dir);
	free(f->scratch);
	free(f->path);
	free(f->keys);
	free(f);
	return 0;
}

#define expect_reg(got, want, r)                                                 \
	do {                                                                     \
		int got_ = (got), want_ = (want);                                \
		if (got_ != want_)                                               \
			fail_msg("got %d (%s), want %d (%s): %s", got_,          \
				 cdop_strerror(got_), want_, cdop_strerror(want_),\
				 (r)->e.msg);                                      \
	} while (0)

/* ---- create --------------------------------------------------------------------- */

struct seen {
	int init, user_add, unlock_failed;
	char failed_users[256];
	char failed_details[256];
};

static int visit(const struct audit_entry *e, void *ctx)
{
	struct seen *s = ctx;

	if (!strcmp(e->action, "init"))
		s->init++;
	if (!strcmp(e->action, "user_add"))
		s->user_add++;
	if (!strcmp(e->action, "unlock_failed")) {
		s->unlock_failed++;
		strncat(s->failed_users, e->user,
			sizeof s->failed_users - strlen(s->failed_users) - 2);
		strcat(s->failed_users, ",");
		strncat(s->failed_details, e->detail,
			sizeof s->failed_details - strlen(s->failed_details) - 2);
		strcat(s->failed_details, ",");
	}
	return 0;
}

static void test_create_then_open(void **state)
{
	struct fix *f = *state;
	struct reg r;
	struct kdf_params kdf;
	struct seen s;
	int64_t bad = -1;

	(void)f;
	/* the template was made by reg_create; exactly two files */
	assert_int_equal(t_count_entries(g_tdir), 2);
	assert_true(t_exists(g_tpath));
	assert_int_equal(strlen(g_code), RECOVERY_CODE_TEXT - 1);

	expect_reg(t_reg_open(&r, f->path, ADMIN, T_PASS), CDOP_OK, &r);
	assert_int_equal(r.ss.role, ROLE_ADMIN);
	assert_string_equal(r.ss.user, ADMIN);
	assert_int_equal(reg_kdf_params(&r, &kdf), CDOP_OK);
	assert_string_equal(kdf_profile_name(&kdf), "test"); /* as t_reg_create asked */
	assert_true(reg_schema_latest() >= 1);
	expect_reg(reg_check(&r), CDOP_OK, &r);
	expect_reg(audit_verify(&r, &bad), CDOP_OK, &r);
	assert_int_equal(bad, 0);
	memset(&s, 0, sizeof s);
	assert_int_equal(audit_foreach(&r, visit, &s), CDOP_OK);
	assert_int_equal(s.init, 1);
	assert_int_equal(s.user_add, 1);
	reg_release(&r);
	reg_release(&r); /* twice is harmless */

	/* nothing left behind: no journal, no temp file */
	assert_int_equal(t_count_entries(f->dir), 2);
	/* and it opens again */
	expect_reg(t_reg_open(&r, f->path, ADMIN, T_PASS), CDOP_OK, &r);
	reg_release(&r);
}

static void test_files_private(void **state)
{
	struct fix *f = *state;
	uint8_t *reg, *keys;
	size_t rlen, klen;
	char plain[64];
	size_t i, o = 0;

	(void)f;
	assert_int_equal(t_mode(g_tpath), 0600);
	{
		char *k = t_path(g_tdir, T_KEYS_NAME);

		assert_int_equal(t_mode(k), 0600);
		keys = t_slurp(k, &klen);
		free(k);
	}
	reg = t_slurp(g_tpath, &rlen);
	assert_true(rlen >= PAGE);
	assert_int_equal(rlen % PAGE, 0);
	assert_memory_not_equal(reg, "SQLite format 3", 16);
	/* neither the user's name, nor the passphrase, nor the recovery code,
	 * nor any schema text is in either file */
	assert_false(t_contains(reg, rlen, ADMIN, strlen(ADMIN)));
	assert_false(t_contains(keys, klen, ADMIN, strlen(ADMIN)));
	assert_false(t_contains(reg, rlen, "zimmerman", 9));
	assert_false(t_contains(keys, klen, "zimmerman", 9));
	assert_false(t_contains(reg, rlen, T_PASS, strlen(T_PASS)));
	assert_false(t_contains(keys, klen, T_PASS, strlen(T_PASS)));
	assert_false(t_contains(reg, rlen, "CREATE TABLE", 12));
	assert_false(t_contains(reg, rlen, "user_add", 8));
	for (i = 0; g_code[i]; i++)
		if (g_code[i] != '-')
			plain[o++] = g_code[i];
	plain[o] = 0;
	assert_false(t_contains(keys, klen, g_code, 9));
	assert_false(t_contains(keys, klen, plain, 8));
	free(reg);
	free(keys);
}

static void test_create_refuses_existing_register(void **state)
{
	struct fix *f = *state;
	const char *dir = f->scratch;
	char *path = t_path(dir, T_REG_NAME);
	char *keys = t_path(dir, T_KEYS_NAME), err[REG_ERR_MAX];
	uint8_t *back;
	size_t n;

	t_spew(path, "precious", 8);
	assert_int_equal(t_reg_create(path, ADMIN, T_PASS, NULL, err, sizeof err),
			 CDOP_ERR_CONFLICT);
	assert_non_null(strstr(err, "already exists"));
	back = t_slurp(path, &n);
	assert_int_equal(n, 8);
	assert_memory_equal(back, "precious", 8);
	free(back);
	assert_false(t_exists(keys));
	assert_int_equal(t_count_entries(dir), 1);
	free(path);
	free(keys);
}

static void test_create_refuses_existing_keyring(void **state)
{
	struct fix *f = *state;
	const char *dir = f->scratch;
	char *path = t_path(dir, T_REG_NAME);
	char *keys = t_path(dir, T_KEYS_NAME), err[REG_ERR_MAX];
	uint8_t *back;
	size_t n;

	t_spew(keys, "old keys", 8);
	assert_int_equal(t_reg_create(path, ADMIN, T_PASS, NULL, err, sizeof err),
			 CDOP_ERR_CONFLICT);
	assert_non_null(strstr(err, "keyring"));
	back = t_slurp(keys, &n);
	assert_int_equal(n, 8);
	assert_memory_equal(back, "old keys", 8);
	free(back);
	assert_false(t_exists(path));
	assert_int_equal(t_count_entries(dir), 1);
	free(path);
	free(keys);
}

static void test_create_bad_profile(void **state)
{
	struct fix *f = *state;
	const char *dir = f->scratch;
	char *path = t_path(dir, T_REG_NAME);
	struct reg_create_opts o;
	struct reg r;

	memset(&o, 0, sizeof o);
	o.path = path;
	o.admin = ADMIN;
	o.pass = T_PASS;
	o.passlen = strlen(T_PASS);
	o.kdf_profile = "fast";
	reg_init(&r);
	expect_reg(reg_create(&r, &o), CDOP_ERR_INPUT, &r);
	assert_non_null(strstr(r.e.msg, "fast"));
	reg_release(&r);
	assert_int_equal(t_count_entries(dir), 0);
	free(path);
}

static void test_create_in_missing_directory(void **state)
{
	struct fix *f = *state;
	const char *dir = f->scratch;
	char *path = t_path(dir, "no/such/dir/register.cdop");
	char err[REG_ERR_MAX];

	assert_int_equal(t_reg_create(path, ADMIN, T_PASS, NULL, err, sizeof err), CDOP_ERR_IO);
	assert_non_null(strstr(err, path));
	assert_int_equal(t_count_entries(dir), 0);
	free(path);
}

/* ---- open: files that are not a register ------------------------------------------ */

static void test_open_missing(void **state)
{
	struct fix *f = *state;
	struct reg r;
	char *nope = t_path(f->dir, "nope.cdop");

	expect_reg(t_reg_open(&r, nope, ADMIN, T_PASS), CDOP_ERR_NOTFOUND, &r);
	assert_non_null(strstr(r.e.msg, nope));
	reg_release(&r);
	assert_false(t_exists(nope));
	free(nope);
}

static void test_open_empty(void **state)
{
	struct fix *f = *state;
	struct reg r;

	t_spew(f->path, "", 0);
	expect_reg(t_reg_open(&r, f->path, ADMIN, T_PASS), CDOP_ERR_DAMAGED, &r);
	assert_non_null(strstr(r.e.msg, "empty"));
	reg_release(&r);
	assert_int_equal(t_size(f->path), 0);
}

static void test_open_short(void **state)
{
	struct fix *f = *state;
	struct reg r;

	t_spew(f->path, "0123456789", 10);
	expect_reg(t_reg_open(&r, f->path, ADMIN, T_PASS), CDOP_ERR_DAMAGED, &r);
	reg_release(&r);
}

static void test_open_plain_sqlite(void **state)
{
	struct fix *f = *state;
	sqlite3 *db = NULL;
	struct reg r;

	unlink(f->path);
	assert_int_equal(sqlite3_open_v2(f->path, &db, SQLITE_OPEN_READWRITE |
					 SQLITE_OPEN_CREATE, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "CREATE TABLE meta(key TEXT, value TEXT);"
				      "INSERT INTO meta VALUES ('register_id', 'x')",
				      NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	expect_reg(t_reg_open(&r, f->path, ADMIN, T_PASS), CDOP_ERR_DAMAGED, &r);
	assert_non_null(strstr(r.e.msg, "unencrypted"));
	reg_release(&r);
}

static void test_open_directory(void **state)
{
	struct fix *f = *state;
	struct reg r;

	unlink(f->path);
	assert_int_equal(mkdir(f->path, 0700), 0);
	assert_int_not_equal(t_reg_open(&r, f->path, ADMIN, T_PASS), CDOP_OK);
	reg_release(&r);
	rmdir(f->path);
}

/* ---- open: the keyring ---------------------------------------------------------- */

static void test_open_missing_keyring(void **state)
{
	struct fix *f = *state;
	struct reg r;

	unlink(f->keys);
	expect_reg(t_reg_open(&r, f->path, ADMIN, T_PASS), CDOP_ERR_DAMAGED, &r);
	assert_non_null(strstr(r.e.msg, "missing"));
	reg_release(&r);
	assert_false(t_exists(f->keys));
}

static void test_open_bad_keyring(void **state)
{
	struct fix *f = *state;
	uint8_t *keys;
	size_t klen;
	struct reg r;

	keys = t_slurp(f->keys, &klen);
	/* truncated */
	t_spew(f->keys, keys, klen / 2);
	expect_reg(t_reg_open(&r, f->path, ADMIN, T_PASS), CDOP_ERR_DAMAGED, &r);
	reg_release(&r);
	/* empty */
	t_spew(f->keys, keys, 0);
	expect_reg(t_reg_open(&r, f->path, ADMIN, T_PASS), CDOP_ERR_DAMAGED, &r);
	reg_release(&r);
	/* another format version */
	keys[8] = 3;
	t_spew(f->keys, keys, klen);
	expect_reg(t_reg_open(&r, f->path, ADMIN, T_PASS), CDOP_ERR_DAMAGED, &r);
	reg_release(&r);
	keys[8] = 2;
	/* KDF memory out of bounds in the admin slot: refused before Argon2 */
	keys[KEYRING_HEADER_BYTES + KEYRING_PUBLIC_BYTES + 15] = 0x40;
	t_spew(f->keys, keys, klen);
	expect_reg(t_reg_open(&r, f->path, ADMIN, T_PASS), CDOP_ERR_DAMAGED, &r);
	assert_non_null(strstr(r.e.msg, "bounds"));
	reg_release(&r);
	free(keys);
}

/* The admin and recovery slots swapped: each still opens on its own, but
 * the keyring MAC does not match. */
static void test_open_keyring_slots_swapped(void **state)
{
	struct fix *f = *state;
	uint8_t *keys, tmp[KEYRING_SLOT2_BYTES];
	size_t klen, at = KEYRING_HEADER_BYTES + KEYRING_PUBLIC_BYTES;
	struct reg r;

	keys = t_slurp(f->keys, &klen);
	assert_int_equal(keys[10], 2);
	memcpy(tmp, keys + at, KEYRING_SLOT2_BYTES);
	memmove(keys + at, keys + at + KEYRING_SLOT2_BYTES, KEYRING_SLOT2_BYTES);
	memcpy(keys + at + KEYRING_SLOT2_BYTES, tmp, KEYRING_SLOT2_BYTES);
	t_spew(f->keys, keys, klen);
	free(keys);
	expect_reg(t_reg_open(&r, f->path, ADMIN, T_PASS), CDOP_ERR_DAMAGED, &r);
	assert_non_null(strstr(r.e.msg, "altered"));
	reg_release(&r);
}

static void test_open_wrong_pass(void **state)
{
	struct fix *f = *state;
	struct keyring kr;
	struct reg r;

	expect_reg(t_reg_open(&r, f->path, ADMIN, "not the passphrase"), CDOP_ERR_ACCESS, &r);
	assert_non_null(strstr(r.e.msg, "wrong passphrase"));
	reg_release(&r);
	/* the attempt is sealed into the keyring, which stays 0600 */
	assert_int_equal(keyring_load(&kr, f->keys), CRYPTO_OK);
	assert_int_equal(kr.nfailures, 1);
	keyring_release(&kr);
	assert_int_equal(t_mode(f->keys), 0600);
	assert_int_equal(t_count_entries(f->dir), 2);
}

static void test_open_unknown_user(void **state)
{
	struct fix *f = *state;
	struct reg r;

	expect_reg(t_reg_open(&r, f->path, "mallory", T_PASS), CDOP_ERR_ACCESS, &r);
	assert_non_null(strstr(r.e.msg, "mallory"));
	reg_release(&r);
}

/* Failed attempts reach the audit trail at the next successful unlock. */
static void test_failed_attempts_recorded(void **state)
{
	struct fix *f = *state;
	struct keyring kr;
	struct reg r;
	struct seen s;
	int64_t bad;

	expect_reg(t_reg_open(&r, f->path, ADMIN, "guess"), CDOP_ERR_ACCESS, &r);
	reg_release(&r);
	expect_reg(t_reg_open(&r, f->path, "mallory", "guess"), CDOP_ERR_ACCESS, &r);
	reg_release(&r);

	expect_reg(t_reg_open(&r, f->path, ADMIN, T_PASS), CDOP_OK, &r);
	memset(&s, 0, sizeof s);
	assert_int_equal(audit_foreach(&r, visit, &s), CDOP_OK);
	assert_int_equal(s.unlock_failed, 2);
	/* Unverified claims (issue 10, finding 3): the entry is the importing
	 * user's, at cdop's time; the claim is in the detail. */
	assert_string_equal(s.failed_users, ADMIN "," ADMIN ",");
	assert_non_null(strstr(s.failed_details, "unverified claim: wrong passphrase (claimed time "));
	assert_non_null(strstr(s.failed_details, "unverified claim: unknown user (claimed time "));
	expect_reg(audit_verify(&r, &bad), CDOP_OK, &r);
	reg_release(&r);

	/* imported once: the keyring no longer holds them */
	assert_int_equal(keyring_load(&kr, f->keys), CRYPTO_OK);
	assert_int_equal(kr.nfailures, 0);
	keyring_release(&kr);
}

/* Records that cannot be read or parsed are imported as such, not dropped. */
static void test_odd_failure_records(void **state)
{
	struct fix *f = *state;
	struct keyring kr;
	struct reg r;
	struct seen s;
	int64_t bad;

	assert_int_equal(keyring_load(&kr, f->keys), CRYPTO_OK);
	assert_int_equal(keyring_failure_add(&kr, "no tabs in this record"), CRYPTO_OK);
	assert_int_equal(keyring_failure_add(&kr, "2025-06-01T10:00:00Z\tx\tsealed"), CRYPTO_OK);
	kr.failures[1].sealed[kr.failures[1].len - 1] ^= 1;
	assert_int_equal(keyring_save(&kr, f->keys, KEYRING_SAVE_REPLACE), CRYPTO_OK);
	keyring_release(&kr);

	expect_reg(t_reg_open(&r, f->path, ADMIN, T_PASS), CDOP_OK, &r);
	memset(&s, 0, sizeof s);
	assert_int_equal(audit_foreach(&r, visit, &s), CDOP_OK);
	assert_int_equal(s.unlock_failed, 2);
	assert_string_equal(s.failed_details, "unverified claim: malformed record,"
			    "unverified claim: unreadable record,");
	expect_reg(audit_verify(&r, &bad), CDOP_OK, &r);
	reg_release(&r);
}

/* Two registers with their keyrings swapped: the other register's admin
 * unlocks the keyring, but it is not this register's. */
static void test_keyring_from_other_register(void **state)
{
	struct fix *f = *state;
	const char *dir2 = f->scratch;
	char *path2 = t_path(dir2, T_REG_NAME);
	char *keys2 = t_path(dir2, T_KEYS_NAME);
	struct reg r;

	assert_int_equal(t_reg_create(path2, "other", "other passphrase", NULL, NULL, 0),
			 CDOP_OK);
	t_copy(keys2, f->keys);
	expect_reg(t_reg_open(&r, f->path, "other", "other passphrase"), CDOP_ERR_DAMAGED, &r);
	reg_release(&r);
	/* the register's own admin has no slot in that keyring */
	expect_reg(t_reg_open(&r, f->path, ADMIN, T_PASS), CDOP_ERR_ACCESS, &r);
	reg_release(&r);
	free(path2);
	free(keys2);
}

/* ---- open: the register file altered ------------------------------------------------ */

/*
 * Opens the (altered) register normally, and with REG_OPEN_CHECK followed
 * by reg_check, so SQLCipher's own page authentication is exercised too.
 * Both must end in CDOP_ERR_DAMAGED.
 */
static void expect_damaged(const char *path, const char *what)
{
	struct reg r;
	struct reg_open_opts o;
	int ret;

	ret = t_reg_open(&r, path, ADMIN, T_PASS);
	if (ret == CDOP_OK)
		ret = reg_check(&r);
	if (ret != CDOP_ERR_DAMAGED)
		fail_msg("%s: got %d (%s): %s", what, ret, cdop_strerror(ret), r.e.msg);
	reg_release(&r);

	memset(&o, 0, sizeof o);
	o.path = path;
	o.user = ADMIN;
	o.pass = T_PASS;
	o.passlen = strlen(T_PASS);
	o.flags = REG_OPEN_CHECK;
	reg_init(&r);
	ret = reg_open(&r, &o);
	if (ret == CDOP_OK)
		ret = reg_check(&r);
	if (ret != CDOP_ERR_DAMAGED)
		fail_msg("%s (check mode): got %d (%s): %s", what, ret,
			 cdop_strerror(ret), r.e.msg);
	reg_release(&r);
}

static void test_flipped_byte(void **state)
{
	struct fix *f = *state;
	size_t size = t_size(f->path), npages = size / PAGE, i;
	const struct {
		const char *what;
		size_t off;
	} at[] = {
		{ "first byte (salt)", 0 },
		{ "page 1 content", 100 },
		{ "page 1 reserve (IV)", PAGE - 48 },
		{ "page 2", PAGE + 200 },
		{ "middle page", (npages / 2) * PAGE + 1000 },
		{ "last page content", size - PAGE + 10 },
		{ "last page HMAC", size - 48 + 16 + 3 },
		{ "last byte (page padding)", size - 1 },
	};
	char *work = t_path(f->dir, "work.cdop"), *wkeys = t_path(f->dir, "work.cdop.keys");

	assert_true(npages >= 3);
	for (i = 0; i < sizeof at / sizeof at[0]; i++) {
		t_copy(f->path, work);
		t_copy(f->keys, wkeys);
		t_flip(work, at[i].off, 0x04);
		expect_damaged(work, at[i].what);
	}
	free(work);
	free(wkeys);
}

static void test_truncated_register(void **state)
{
	struct fix *f = *state;
	size_t size = t_size(f->path), i;
	const size_t cut[] = { size - PAGE, size - 1, PAGE, size / 2 + 7, 16 };
	char *work = t_path(f->dir, "work.cdop"), *wkeys = t_path(f->dir, "work.cdop.keys");
	uint8_t *bytes;
	size_t n;

	bytes = t_slurp(f->path, &n);
	for (i = 0; i < sizeof cut / sizeof cut[0]; i++) {
		char what[64];

		t_spew(work, bytes, cut[i]);
		t_copy(f->keys, wkeys);
		snprintf(what, sizeof what, "truncated to %zu of %zu", cut[i], size);
		expect_damaged(work, what);
	}
	free(bytes);
	free(work);
	free(wkeys);
}

/* SQLCipher 3 takes an all-zero page for a short read and does not
 * authenticate it: a page wiped to zeros must still be noticed. */
static void test_zeroed_page(void **state)
{
	struct fix *f = *state;
	size_t size = t_size(f->path), npages = size / PAGE, i;
	/* a sample (each costs two unlocks): the first pages after the
	 * header, one in the middle, the last two */
	const size_t pages[] = { 1, 2, npages / 2, npages - 2, npages - 1 };
	char *work = t_path(f->dir, "work.cdop"), *wkeys = t_path(f->dir, "work.cdop.keys");
	uint8_t *bytes, *copy;
	size_t n;

	assert_true(npages >= 4);
	bytes = t_slurp(f->path, &n);
	copy = malloc(n);
	assert_non_null(copy);
	for (i = 0; i < sizeof pages / sizeof pages[0]; i++) {
		char what[64];

		memcpy(copy, bytes, n);
		memset(copy + pages[i] * PAGE, 0, PAGE);
		t_spew(work, copy, n);
		t_copy(f->keys, wkeys);
		snprintf(what, sizeof what, "page %zu of %zu zeroed", pages[i] + 1, npages);
		expect_damaged(work, what);
	}
	free(copy);
	free(bytes);
	free(work);
	free(wkeys);
}

/* A journal beside a cleanly closed register could roll it back. */
static void test_stale_journal(void **state)
{
	struct fix *f = *state;
	char journal[4200];
	struct reg r;

	snprintf(journal, sizeof journal, "%s-journal", f->path);
	t_spew(journal, "junk", 4);
	expect_reg(t_reg_open(&r, f->path, ADMIN, T_PASS), CDOP_ERR_DAMAGED, &r);
	reg_release(&r);
	assert_true(t_exists(journal)); /* left for the user to look at */
}

/*
 * A process that dies inside a write transaction: the next open rolls
 * the journal back, checks the register and carries on.
 *
 * Was a bug (fixed; this test keeps it fixed) (cdop/register.c, check_file_state/recover_unclean): when the
 * process dies before any page reached the database file, its journal
 * was never synced and its header is zero, so SQLite does not treat it
 * as hot: it neither rolls it back nor deletes it. The recovering open
 * succeeds and its clean close seals the register, but the stale
 * PATH-journal stays, and every later open fails in check_file_state
 * with CDOP_ERR_DAMAGED ("has a journal although cdop closed it
 * cleanly"): an ordinary crash ends as a tamper alarm (exit 4).
 */
static void test_crash_mid_write(void **state)
{
	struct fix *f = *state;
	struct reg r;
	struct seen s;
	pid_t pid;
	int status = 0, ret;
	char journal[4200];

	snprintf(journal, sizeof journal, "%s-journal", f->path);

	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct reg c;
		int cret = t_reg_open(&c, f->path, ADMIN, T_PASS);

		if (!cret)
			cret = db_begin(&c);
		if (!cret)
			cret = audit_append(&c, "init", "never committed", "");
		_exit(cret ? 1 : 0); /* no commit, no close */
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);

	expect_reg(t_reg_open(&r, f->path, ADMIN, T_PASS), CDOP_OK, &r);
	memset(&s, 0, sizeof s);
	assert_int_equal(audit_foreach(&r, visit, &s), CDOP_OK);
	assert_int_equal(s.init, 1); /* the uncommitted entry is gone */
	expect_reg(reg_check(&r), CDOP_OK, &r);
	reg_release(&r);

	/* and the clean close sealed it again: it opens as usual */
	ret = t_reg_open(&r, f->path, ADMIN, T_PASS);
	reg_release(&r);
	if (ret == CDOP_ERR_DAMAGED && t_exists(journal))
		fail_msg("regression: the bug described above is back");
	expect_reg(ret, CDOP_OK, &r);
	assert_int_equal(t_count_entries(f->dir), 2);
}

/* ---- open: versions, locks ------------------------------------------------------- */

static void test_schema_newer(void **state)
{
	struct fix *f = *state;
	struct reg r;

	expect_reg(t_reg_open(&r, f->path, ADMIN, T_PASS), CDOP_OK, &r);
	/* as a newer cdop would leave it: a properly closed write */
	expect_reg(reg_mark_dirty(&r), CDOP_OK, &r);
	r.st.allow_pragma = 1;
	expect_reg(db_exec(&r, "PRAGMA user_version = 99"), CDOP_OK, &r);
	r.st.allow_pragma = 0;
	expect_reg(reg_close(&r), CDOP_OK, &r);
	reg_release(&r);

	expect_reg(t_reg_open(&r, f->path, ADMIN, T_PASS), CDOP_ERR_VERSION, &r);
	assert_non_null(strstr(r.e.msg, "99"));
	reg_release(&r);
}

static void test_busy(void **state)
{
	struct fix *f = *state;
	struct reg a, b;

	expect_reg(t_reg_open(&a, f->path, ADMIN, T_PASS), CDOP_OK, &a);
	expect_reg(t_reg_open(&b, f->path, ADMIN, T_PASS), CDOP_ERR_BUSY, &b);
	reg_release(&b);
	reg_release(&a);
}

static void test_recovery_open(void **state)
{
	struct fix *f = *state;
	struct reg r;
	char wrong[RECOVERY_CODE_TEXT];

	expect_reg(t_reg_open_recovery(&r, f->path, ADMIN, "12-34"), CDOP_ERR_INPUT, &r);
	reg_release(&r);
	snprintf(wrong, sizeof wrong, "%s", g_code);
	wrong[1] = wrong[1] == 'a' ? 'b' : 'a';
	expect_reg(t_reg_open_recovery(&r, f->path, ADMIN, wrong), CDOP_ERR_ACCESS, &r);
	reg_release(&r);
	expect_reg(t_reg_open_recovery(&r, f->path, ADMIN, g_code), CDOP_OK, &r);
	reg_release(&r);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_create_then_open),
		T(test_files_private),
		T(test_create_refuses_existing_register),
		T(test_create_refuses_existing_keyring),
		T(test_create_bad_profile),
		T(test_create_in_missing_directory),
		T(test_open_missing),
		T(test_open_empty),
		T(test_open_short),
		T(test_open_plain_sqlite),
		T(test_open_directory),
		T(test_open_missing_keyring),
		T(test_open_bad_keyring),
		T(test_open_keyring_slots_swapped),
		T(test_open_wrong_pass),
		T(test_open_unknown_user),
		T(test_failed_attempts_recorded),
		T(test_odd_failure_records),
		T(test_keyring_from_other_register),
		T(test_flipped_byte),
		T(test_truncated_register),
		T(test_zeroed_page),
		T(test_stale_journal),
		T(test_crash_mid_write),
		T(test_schema_newer),
		T(test_busy),
		T(test_recovery_open),
	};

	return cmocka_run_group_tests_name("register", tests, group_setup, group_teardown);
}
