/*
 * Shared helpers for the unit tests: temporary directories, whole-file
 * reads and writes, byte flips. Static inline only, so each test includes
 * what it needs and unused helpers cost nothing.
 *
 * Include <cmocka.h> first. When "cdop/store/store.h" is included before this
 * file, the register helpers at the end are defined too.
 */
#ifndef CDOP_TEST_SUPPORT_H
#define CDOP_TEST_SUPPORT_H

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* A fresh directory under /tmp; the caller frees the string. */
static inline char *t_mkdtemp(void)
{
	char tmpl[] = "/tmp/cdop-test-XXXXXX";
	char *dir = mkdtemp(tmpl);

	assert_non_null(dir);
	dir = strdup(dir);
	assert_non_null(dir);
	return dir;
}

/* Removes a directory and the plain files in it (tests make no subdirs). */
static inline void t_rmtree(const char *dir)
{
	DIR *d;
	struct dirent *e;
	char path[4096];

	if (!dir)
		return;
	d = opendir(dir);
	if (d) {
		while ((e = readdir(d)) != NULL) {
			if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
				continue;
			snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
			unlink(path);
		}
		closedir(d);
	}
	rmdir(dir);
}

/* dir/name, malloc'ed. */
static inline char *t_path(const char *dir, const char *name)
{
	size_t n = strlen(dir) + 1 + strlen(name) + 1;
	char *p = malloc(n);

	assert_non_null(p);
	snprintf(p, n, "%s/%s", dir, name);
	return p;
}

/* Number of entries in dir other than . and .. */
static inline size_t t_count_entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	size_t n = 0;

	assert_non_null(d);
	while ((e = readdir(d)) != NULL)
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			n++;
	closedir(d);
	return n;
}

/* Does any entry of dir start with prefix? */
static inline int t_dir_has_prefix(const char *dir, const char *prefix)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int found = 0;

	assert_non_null(d);
	while ((e = readdir(d)) != NULL)
		if (!strncmp(e->d_name, prefix, strlen(prefix)))
			found = 1;
	closedir(d);
	return found;
}

static inline int t_exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

/* Permission bits of path. */
static inline unsigned t_mode(const char *path)
{
	struct stat st;

	assert_int_equal(stat(path, &st), 0);
	return (unsigned)(st.st_mode & 07777);
}

static inline size_t t_size(const char *path)
{
	struct stat st;

	assert_int_equal(stat(path, &st), 0);
	return (size_t)st.st_size;
}

/* The whole file, malloc'ed (at least one byte so an empty file works). */
static inline uint8_t *t_slurp(const char *path, size_t *lenp)
{
	FILE *fp = fopen(path, "rb");
	uint8_t *buf;
	long n;

	assert_non_null(fp);
	assert_int_equal(fseek(fp, 0, SEEK_END), 0);
	n = ftell(fp);
	assert_true(n >= 0);
	assert_int_equal(fseek(fp, 0, SEEK_SET), 0);
	buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, fp), (size_t)n);
	fclose(fp);
	*lenp = (size_t)n;
	return buf;
}

/* Writes (creating or truncating, mode 0600) exactly len bytes. */
static inline void t_spew(const char *path, const void *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

	assert_true(fd >= 0);
	if (len)
		assert_int_equal(write(fd, data, len), (ssize_t)len);
	assert_int_equal(close(fd), 0);
}

static inline void t_copy(const char *from, const char *to)
{
	size_t len;
	uint8_t *buf = t_slurp(from, &len);

	t_spew(to, buf, len);
	free(buf);
}

/* XORs one byte of a file in place. */
static inline void t_flip(const char *path, size_t off, uint8_t mask)
{
	int fd = open(path, O_RDWR | O_CLOEXEC);
	uint8_t b;

	assert_true(fd >= 0);
	assert_int_equal(pread(fd, &b, 1, (off_t)off), 1);
	b ^= mask;
	assert_int_equal(pwrite(fd, &b, 1, (off_t)off), 1);
	assert_int_equal(close(fd), 0);
}

/* Is needle anywhere in hay? */
static inline int t_contains(const uint8_t *hay, size_t n, const void *needle, size_t m)
{
	size_t i;

	if (m == 0 || m > n)
		return m == 0;
	for (i = 0; i + m <= n; i++)
		if (!memcmp(hay + i, needle, m))
			return 1;
	return 0;
}

static inline int t_all_zero(const void *p, size_t n)
{
	const uint8_t *b = p;
	size_t i;

	for (i = 0; i < n; i++)
		if (b[i])
			return 0;
	return 1;
}

/* A valid NHS number from a 9-digit stem; -1 when the stem has no check
 * digit (the modulus gives 10). */
static inline int t_nhs_of(unsigned stem, char out[11])
{
	int sum = 0, i, check;

	snprintf(out, 11, "%09u", stem);
	for (i = 0; i < 9; i++)
		sum += (out[i] - '0') * (10 - i);
	check = 11 - sum % 11;
	if (check == 11)
		check = 0;
	if (check == 10)
		return -1;
	out[9] = (char)('0' + check);
	out[10] = 0;
	return 0;
}

#ifdef CDOP_STORE_STORE_H
#include "crypto/kdf.h"
/*
 * Register helpers. The Argon2 cost is the "test" profile, which only test
 * builds allow (kdf_allow_test_profile: t_reg_create turns it on for the
 * whole test process); production keeps its bounds.
 */
#define T_ADMIN "admin"
#define T_PASS "correct horse battery staple"
#define T_REG_NAME "register.cdop"
#define T_KEYS_NAME "register.cdop.keys"

/* Creates path (+ .keys) with the admin and T_PASS; code may be NULL. */
static inline int t_reg_create(const char *path, const char *admin, const char *pass,
			       char code[RECOVERY_CODE_TEXT], char *err, size_t errlen)
{
	struct reg r;
	struct reg_create_opts o;
	int ret;

	memset(&o, 0, sizeof o);
	o.path = path;
	o.admin = admin;
	o.pass = pass;
	o.passlen = strlen(pass);
	kdf_allow_test_profile();
	o.kdf_profile = "test";
	reg_init(&r);
	ret = reg_create(&r, &o);
	if (err)
		snprintf(err, errlen, "%s", r.e.msg);
	if (code)
		memcpy(code, o.recovery_code, RECOVERY_CODE_TEXT);
	reg_release(&r);
	return ret;
}

/* reg_init + reg_open with a passphrase; the caller reg_release()s. */
static inline int t_reg_open(struct reg *r, const char *path, const char *user,
			     const char *pass)
{
	struct reg_open_opts o;

	memset(&o, 0, sizeof o);
	o.path = path;
	o.user = user;
	o.pass = pass;
	o.passlen = pass ? strlen(pass) : 0;
	reg_init(r);
	return reg_open(r, &o);
}

/* Keys by role: only a manager can write identifiable data. Adds the user
 * T_REG_MANAGER (manager, T_PASS) to a register made by t_reg_create and
 * opens it as them; the caller reg_release()s. */
#define T_REG_MANAGER "mgr"
static inline int t_reg_open_manager(struct reg *r, const char *path)
{
	int ret = t_reg_open(r, path, T_ADMIN, T_PASS);

	if (!ret)
		ret = users_add(r, T_REG_MANAGER, ROLE_MANAGER, T_PASS, strlen(T_PASS));
	if (!ret)
		ret = reg_close(r);
	reg_release(r);
	return ret ? ret : t_reg_open(r, path, T_REG_MANAGER, T_PASS);
}

/* reg_init + reg_open with the recovery code. */
static inline int t_reg_open_recovery(struct reg *r, const char *path, const char *user,
				      const char *code)
{
	struct reg_open_opts o;

	memset(&o, 0, sizeof o);
	o.path = path;
	o.user = user;
	o.recovery_code = code;
	reg_init(r);
	return reg_open(r, &o);
}

/* A copy of the template register (and keyring) in a fresh directory. */
static inline char *t_reg_clone(const char *template_dir, char **reg_path)
{
	char *dir = t_mkdtemp();
	char *from = t_path(template_dir, T_REG_NAME);
	char *to = t_path(dir, T_REG_NAME);

	t_copy(from, to);
	free(from);
	from = t_path(template_dir, T_KEYS_NAME);
	*reg_path = to;
	to = t_path(dir, T_KEYS_NAME);
	t_copy(from, to);
	free(from);
	free(to);
	return dir;
}

/* On a plain SQLite handle (a schema built from the migrations in
 * memory): run sql, failing the test on an error; the first column of
 * the first row of sql, an integer (-1: no row). */
static inline void t_sql_exec(sqlite3 *db, const char *sql)
{
	char *err = NULL;

	if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK)
		fail_msg("%s: %s", sql, err ? err : "?");
}

static inline int64_t t_sql_count(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *q = NULL;
	int64_t n = -1;

	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &q, NULL), SQLITE_OK);
	if (sqlite3_step(q) == SQLITE_ROW)
		n = sqlite3_column_int64(q, 0);
	sqlite3_finalize(q);
	return n;
}
#endif


/* ==== Template registers with users, notifications (issue 9) ==========
 *
 * For tests that include "cdop/store/store.h" and "cdop/cases/cases.h"
 * before this file. One template per executable (group
 * setup): the admin plus T_MANAGER and T_PANEL, all with T_PASS, made with
 * the "interactive" KDF; each test opens its own file copy of it.
 */
#if defined(CDOP_STORE_STORE_H) && defined(CDOP_CASES_CASES_H)
#include "crypto/secure.h"

#define T_MANAGER "manager"
#define T_PANEL "panel"
#define T_TODAY "2025-06-01"

/* The template's directory (malloc'ed), or NULL on failure. */
static inline char *t_template_users(void)
{
	char *dir = t_mkdtemp(), *path = t_path(dir, T_REG_NAME);
	struct reg r;
	int ret = t_reg_create(path, T_ADMIN, T_PASS, NULL, NULL, 0);

	if (!ret)
		ret = t_reg_open(&r, path, T_ADMIN, T_PASS);
	if (!ret)
		ret = users_add(&r, T_MANAGER, ROLE_MANAGER, T_PASS, strlen(T_PASS));
	if (!ret)
		ret = users_add(&r, T_PANEL, ROLE_PANEL, T_PASS, strlen(T_PASS));
	if (ret)
		fprintf(stderr, "template: %s\n", r.e.msg);
	if (!ret)
		ret = reg_close(&r);
	reg_release(&r);
	free(path);
	if (ret) {
		t_rmtree(dir);
		free(dir);
		return NULL;
	}
	return dir;
}

/* A clone of a template, opened by one user, today fixed at T_TODAY. */
struct t_clone {
	char *dir, *path;
	struct reg r;
};

static inline int t_clone_open(struct t_clone *c, const char *tmpl, const char *user)
{
	memset(c, 0, sizeof *c);
	c->dir = t_reg_clone(tmpl, &c->path);
	if (t_reg_open(&c->r, c->path, user, T_PASS) != 0) {
		fprintf(stderr, "open as %s: %s\n", user, c->r.e.msg);
		return -1;
	}
	c->r.ss.today = T_TODAY;
	return 0;
}

/* Closes the register and opens the same file as another user. */
static inline void t_clone_reopen(struct t_clone *c, const char *user)
{
	assert_int_equal(reg_close(&c->r), 0);
	reg_release(&c->r);
	if (t_reg_open(&c->r, c->path, user, T_PASS) != 0)
		fail_msg("reopen as %s: %s", user, c->r.e.msg);
	c->r.ss.today = T_TODAY;
}

static inline void t_clone_release(struct t_clone *c)
{
	reg_release(&c->r);
	t_rmtree(c->dir);
	free(c->dir);
	free(c->path);
}

/* cmocka fixtures: the group makes the template once; each test gets
 * its own clone opened by the manager (state: struct t_clone *). */
static char *t_g_template;

static inline int t_group_setup(void **state)
{
	(void)state;
	if (crypto_init() != 0)
		return -1;
	t_g_template = t_template_users();
	return t_g_template ? 0 : -1;
}

static inline int t_group_teardown(void **state)
{
	(void)state;
	t_rmtree(t_g_template);
	free(t_g_template);
	return 0;
}

static inline int t_setup_manager(void **state)
{
	struct t_clone *c = calloc(1, sizeof *c);

	if (!c || t_clone_open(c, t_g_template, T_MANAGER)) {
		free(c);
		return -1;
	}
	*state = c;
	return 0;
}

static inline int t_teardown_clone(void **state)
{
	struct t_clone *c = *state;

	t_clone_release(c);
	free(c);
	return 0;
}

#define T_TEST(fn) cmocka_unit_test_setup_teardown(fn, t_setup_manager, t_teardown_clone)

/* A call must fail with want (cdop_error) and, when needle is not NULL,
 * say needle in reg->e.msg. cdop_strerror is in "cdop/store/store.h". */
static inline void t_expect_at(int got, int want, const struct reg *r, const char *needle,
			       const char *call, const char *file, int line)
{
	if (got != want) {
		print_error("%s: got %d, want %d: %s\n", call, got, want, r->e.msg);
		_fail(file, line);
	}
	if (needle && !strstr(r->e.msg, needle)) {
		print_error("%s: message '%s' lacks '%s'\n", call, r->e.msg, needle);
		_fail(file, line);
	}
}
#define t_expect(call, want, r, needle) \
	t_expect_at((call), (want), (r), (needle), #call, __FILE__, __LINE__)

/* A call must succeed; otherwise the test fails with the library's message. */
static inline void t_ok_at(int got, const struct reg *r, const char *call,
			   const char *file, int line)
{
	if (got != 0) {
		print_error("%s: got %d: %s\n", call, got, r->e.msg);
		_fail(file, line);
	}
}
#define t_ok(call, r) t_ok_at((call), (r), #call, __FILE__, __LINE__)

/* The first column of the first row of sql, an integer (-1: no row). */
static inline int64_t t_count(struct reg *r, const char *sql)
{
	struct db_stmt q = DB_STMT_INIT;
	int64_t n = -1;

	assert_int_equal(db_prepare(r, &q, sql), 0);
	if (db_step(&q) == DB_ROW)
		n = db_column_int(&q, 0);
	db_finalize(&q);
	return n;
}

/* Row counts of every table a case command writes, and the audit trail:
 * equal before and after a failing call means nothing was written. */
struct t_counts {
	int64_t cases, refs, rr, agency, meetings, mcases, attendance, reviews,
		themes, recs, audit;
};

static inline struct t_counts t_counts_of(struct reg *r)
{
	struct t_counts k;

	k.cases = t_count(r, "SELECT count(*) FROM cases");
	/* a reference number handed out and then rolled back is a gap */
	k.refs = t_count(r, "SELECT coalesce(sum(last), 0) FROM case_refs");
	k.rr = t_count(r, "SELECT count(*) FROM rr_actions");
	k.agency = t_count(r, "SELECT count(*) FROM agency_reports");
	k.meetings = t_count(r, "SELECT count(*) FROM meetings");
	k.mcases = t_count(r, "SELECT count(*) FROM meeting_cases");
	k.attendance = t_count(r, "SELECT count(*) FROM attendance");
	k.reviews = t_count(r, "SELECT count(*) FROM reviews");
	k.themes = t_count(r, "SELECT count(*) FROM review_themes");
	k.recs = t_count(r, "SELECT count(*) FROM recommendations");
	k.audit = t_count(r, "SELECT count(*) FROM audit");
	return k;
}

#define t_assert_unchanged(r, before)                                            \
	do {                                                                     \
		struct t_counts after_ = t_counts_of(r);                         \
		assert_memory_equal(&(before), &after_, sizeof after_);          \
	} while (0)

/* SPEC §3's example notification with another surname and NHS number
 * (NULL: none); a new reference. */
static inline json_t *t_notification(const char *surname, const char *nhs)
{
	json_t *n = json_pack(
		"{s:{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:b, s:s, s:s, s:s},"
		" s:{s:s, s:s, s:s, s:s, s:s},"
		" s:{s:s, s:s, s:s, s:s}}",
		"child", "forename", "Amy", "surname", surname, "date_of_birth",
		"2024-03-01", "sex", "female", "ethnicity", "A", "address",
		"1 Any Street, Town", "postcode", "SN1 1AA", "resident", 1,
		"local_authority", "Wiltshire", "looked_after", "no",
		"child_protection_plan", "no",
		"death", "date", "2025-05-03", "time", "14:20", "place", "home",
		"expected", "unexpected", "circumstances", "free text",
		"notified", "date", "2025-05-04", "by_name", "Dr A", "by_role",
		"Paediatrician", "by_agency", "hospital");

	assert_non_null(n);
	if (nhs)
		json_object_set_new(json_object_get(n, "child"), "nhs_number",
				    json_string(nhs));
	return n;
}

/* The object holding a dotted path's last member, and that member. */
static inline json_t *t_parent(json_t *obj, const char *path, const char **key)
{
	const char *dot;
	char part[64];

	while ((dot = strchr(path, '.')) != NULL) {
		snprintf(part, sizeof part, "%.*s", (int)(dot - path), path);
		obj = json_object_get(obj, part);
		assert_non_null(obj);
		path = dot + 1;
	}
	*key = path;
	return obj;
}

/* Sets (value NULL: removes) a member by dotted path; steals value. */
static inline void t_set(json_t *obj, const char *path, json_t *value)
{
	const char *key;
	json_t *p = t_parent(obj, path, &key);

	if (value)
		assert_int_equal(json_object_set_new(p, key, value), 0);
	else
		json_object_del(p, key);
}

/* notify; fails the test with the library's message when refused. */
static inline void t_notify(struct reg *r, json_t *n, char ref[CASE_REF_MAX])
{
	int ret = cases_notify(r, n, ref);

	if (ret)
		fail_msg("notify: %d: %s", ret, r->e.msg);
	json_decref(n);
}

/* SPEC §3's example review: category 10, social environment 2, so
 * modifiable "yes"; one recommendation due DUE. */
static inline json_t *t_review(const char *learning, const char *due)
{
	json_t *v = json_pack(
		"{s:i, s:{s:i, s:i, s:i, s:i}, s:s, s:[s, s], s:s, s:b,"
		" s:[{s:s, s:s, s:s}], s:b}",
		"category", 10, "domains", "child", 1, "social_environment", 2,
		"physical_environment", 1, "service_provision", 0,
		"modifiable", "yes", "themes", "safe_sleeping", "smoking",
		"learning", learning, "learning_publishable", 1,
		"recommendations", "text", "Safe sleep leaflet at discharge",
		"owner", "public_health", "due", due, "referred_for_review", 0);

	assert_non_null(v);
	return v;
}

#if defined(CDOP_PANEL_PANEL_H)
/* Moves a notified case to `ready`, onto a new meeting on DATE (*meeting,
 * its id as text in mid) and, when review is not NULL, records it
 * (stealing review). */
static inline void t_to_meeting(struct reg *r, const char *ref, const char *date,
				int64_t *meeting, char mid[24], json_t *review)
{
	const char *refs[1];
	int amended = -1, ret;

	refs[0] = ref;
	ret = cases_set_status(r, ref, "ready");
	if (!ret) ret = meetings_new(r, date, "Chair", meeting);
	if (!ret) ret = meetings_add_cases(r, *meeting, (char *const *)refs, 1, NULL, NULL);
	if (ret)
		fail_msg("to meeting: %d: %s", ret, r->e.msg);
	snprintf(mid, 24, "%lld", (long long)*meeting);
	if (!review)
		return;
	ret = reviews_record(r, ref, mid, review, &amended);
	json_decref(review);
	if (ret)
		fail_msg("review: %d: %s", ret, r->e.msg);
	assert_int_equal(amended, 0);
}
#endif

#endif

#endif
