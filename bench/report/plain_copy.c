/*
 * bench/report/plain_copy — an unencrypted SQLite copy of a register, for
 * the report benchmark's baseline. Bench code only: it handles the
 * database key outside cdop, which cdop itself never does.
 *
 * usage: plain_copy REGISTER USER PASSPHRASE_FILE OUT.db
 *
 * Unlocks the register as USER (to get the master key), derives the
 * database key, closes the register, then opens the file with SQLCipher
 * directly and exports every table and index into OUT.db with an empty
 * key (sqlcipher_export), which cdop's authorizer would refuse.
 */
#include "cdop/store/store.h"
#include "crypto/secure.h"
#include "crypto/subkey.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* cdop/register.c: fixed for the life of a register. */
#define PAGE_SIZE_PRAGMA "PRAGMA cipher_page_size = 4096"

static int read_pass(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");
	int ok = f && fgets(buf, (int)len, f);

	if (f)
		fclose(f);
	buf[strcspn(buf, "\r\n")] = 0;
	return ok ? 0 : -1;
}

static int exec(sqlite3 *db, const char *sql)
{
	char *err = NULL;
	int rc = sqlite3_exec(db, sql, NULL, NULL, &err);

	if (rc != SQLITE_OK)
		fprintf(stderr, "plain_copy: %s: %s\n", sql, err ? err : sqlite3_errstr(rc));
	sqlite3_free(err);
	return rc;
}

int main(int argc, char **argv)
{
	struct reg r;
	struct reg_open_opts o;
	uint8_t key[SUBKEY_BYTES];
	char pass[512], keytext[3 + 2 * SUBKEY_BYTES + 1], attach[4200];
	sqlite3 *db = NULL;
	int ret = 1;

	if (argc != 5) {
		fprintf(stderr, "usage: plain_copy REGISTER USER PASSPHRASE_FILE OUT.db\n");
		return 2;
	}
	if (crypto_init() || read_pass(argv[3], pass, sizeof pass)) {
		fprintf(stderr, "plain_copy: cannot start or read %s\n", argv[3]);
		return 1;
	}
	memset(&o, 0, sizeof o);
	o.path = argv[1];
	o.user = argv[2];
	o.pass = pass;
	o.passlen = strlen(pass);
	reg_init(&r);
	if (reg_open(&r, &o) || subkey_derive(key, SUBKEY_DATABASE, r.st.master)) {
		fprintf(stderr, "plain_copy: %s\n", r.e.msg);
		reg_release(&r);
		return 1;
	}
	reg_release(&r);
	keytext[0] = 'x';
	keytext[1] = '\'';
	for (size_t i = 0; i < SUBKEY_BYTES; i++)
		snprintf(keytext + 2 + 2 * i, 3, "%02x", key[i]);
	keytext[2 + 2 * SUBKEY_BYTES] = '\'';
	keytext[3 + 2 * SUBKEY_BYTES] = 0;
	secure_wipe(key, sizeof key);
	snprintf(attach, sizeof attach, "ATTACH DATABASE '%s' AS plain KEY ''", argv[4]);
	/* Read-write and create: an attached database gets the main one's
	 * flags (the register exists; only OUT.db is created and written). */
	if (sqlite3_open_v2(argv[1], &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) ==
	    SQLITE_OK &&
	    sqlite3_key(db, keytext, (int)strlen(keytext)) == SQLITE_OK &&
	    exec(db, PAGE_SIZE_PRAGMA) == SQLITE_OK &&
	    exec(db, "PRAGMA temp_store = MEMORY") == SQLITE_OK &&
	    exec(db, attach) == SQLITE_OK &&
	    exec(db, "SELECT sqlcipher_export('plain')") == SQLITE_OK &&
	    exec(db, "DETACH DATABASE plain") == SQLITE_OK)
		ret = 0;
	secure_wipe(keytext, sizeof keytext);
	sqlite3_close(db);
	return ret;
}
