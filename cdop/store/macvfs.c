/*
 * macvfs: a VFS shim (sqlite3_vfs, SQLite's extension point for file
 * access) over the default "unix" VFS, used only by the register's own
 * connection (db_connect). For the main database file it records which
 * byte ranges SQLite writes and where it truncates, in the struct filemac
 * that register.c arms, so the whole-file MAC is resealed by hashing only
 * those chunks again (crypto/filemac.h, docs/security.md §5). SQLCipher
 * encrypts above the VFS: the shim sees ciphertext, and it never keeps
 * page contents, only offsets. Every other call, and every other file
 * (the rollback journal), goes straight to the unix VFS.
 */
#include "cdop/store/store.h"
#include "cdop/store/store_int.h"
#include "crypto/filemac.h"

#include <stddef.h>

struct mac_file {
	sqlite3_file base;
	int main_db;
	sqlite3_file *real; /* the unix VFS's file, allocated right after */
};

static sqlite3_vfs *unix_vfs;
static sqlite3_vfs mac_vfs;
static struct filemac *armed; /* register.c; under the register lock */

void macvfs_arm(struct filemac *t)
{
	armed = t;
}

#define REAL(f) (((struct mac_file *)(f))->real)

static int mac_close(sqlite3_file *f)
{
	int rc = REAL(f)->pMethods->xClose(REAL(f));

	f->pMethods = NULL;
	return rc;
}

static int mac_read(sqlite3_file *f, void *p, int n, sqlite3_int64 off)
{
	return REAL(f)->pMethods->xRead(REAL(f), p, n, off);
}

static int mac_write(sqlite3_file *f, const void *p, int n, sqlite3_int64 off)
{
	/* Recorded before the write: a write that fails half-way is still
	 * hashed again. */
	if (((struct mac_file *)f)->main_db && armed && n > 0 && off >= 0)
		filemac_write(armed, (uint64_t)off, (uint64_t)n);
	return REAL(f)->pMethods->xWrite(REAL(f), p, n, off);
}

static int mac_truncate(sqlite3_file *f, sqlite3_int64 size)
{
	if (((struct mac_file *)f)->main_db && armed && size >= 0)
		filemac_truncate(armed, (uint64_t)size);
	return REAL(f)->pMethods->xTruncate(REAL(f), size);
}

static int mac_sync(sqlite3_file *f, int flags)
{
	return REAL(f)->pMethods->xSync(REAL(f), flags);
}

static int mac_file_size(sqlite3_file *f, sqlite3_int64 *size)
{
	return REAL(f)->pMethods->xFileSize(REAL(f), size);
}

static int mac_lock(sqlite3_file *f, int level)
{
	return REAL(f)->pMethods->xLock(REAL(f), level);
}

static int mac_unlock(sqlite3_file *f, int level)
{
	return REAL(f)->pMethods->xUnlock(REAL(f), level);
}

static int mac_check_reserved(sqlite3_file *f, int *out)
{
	return REAL(f)->pMethods->xCheckReservedLock(REAL(f), out);
}

static int mac_file_control(sqlite3_file *f, int op, void *arg)
{
	sqlite3_int64 before = 0, after = 0;
	int rc, main_db = ((struct mac_file *)f)->main_db && armed;

	/* A size hint may extend the file without xWrite (only with a chunk
	 * size set, which cdop never sets): taken as a write of the gap. */
	if (main_db && op == SQLITE_FCNTL_SIZE_HINT)
		REAL(f)->pMethods->xFileSize(REAL(f), &before);
	rc = REAL(f)->pMethods->xFileControl(REAL(f), op, arg);
	if (main_db && op == SQLITE_FCNTL_SIZE_HINT &&
	    REAL(f)->pMethods->xFileSize(REAL(f), &after) == SQLITE_OK && after > before)
		filemac_write(armed, (uint64_t)before, (uint64_t)(after - before));
	return rc;
}

static int mac_sector_size(sqlite3_file *f)
{
	return REAL(f)->pMethods->xSectorSize(REAL(f));
}

static int mac_device_characteristics(sqlite3_file *f)
{
	return REAL(f)->pMethods->xDeviceCharacteristics(REAL(f));
}

static int mac_shm_map(sqlite3_file *f, int pg, int pgsz, int extend, void volatile **pp)
{
	return REAL(f)->pMethods->xShmMap(REAL(f), pg, pgsz, extend, pp);
}

static int mac_shm_lock(sqlite3_file *f, int offset, int n, int flags)
{
	return REAL(f)->pMethods->xShmLock(REAL(f), offset, n, flags);
}

static void mac_shm_barrier(sqlite3_file *f)
{
	REAL(f)->pMethods->xShmBarrier(REAL(f));
}

static int mac_shm_unmap(sqlite3_file *f, int del)
{
	return REAL(f)->pMethods->xShmUnmap(REAL(f), del);
}

/* Memory-mapped reads only (cdop leaves mmap_size at 0); SQLite writes
 * through xWrite unless built with SQLITE_MMAP_READWRITE. */
static int mac_fetch(sqlite3_file *f, sqlite3_int64 off, int n, void **pp)
{
	return REAL(f)->pMethods->xFetch(REAL(f), off, n, pp);
}

static int mac_unfetch(sqlite3_file *f, sqlite3_int64 off, void *p)
{
	return REAL(f)->pMethods->xUnfetch(REAL(f), off, p);
}

static const sqlite3_io_methods mac_io = {
	3,
	mac_close,
	mac_read,
	mac_write,
	mac_truncate,
	mac_sync,
	mac_file_size,
	mac_lock,
	mac_unlock,
	mac_check_reserved,
	mac_file_control,
	mac_sector_size,
	mac_device_characteristics,
	mac_shm_map,
	mac_shm_lock,
	mac_shm_barrier,
	mac_shm_unmap,
	mac_fetch,
	mac_unfetch,
};

static int mac_open(sqlite3_vfs *vfs, const char *name, sqlite3_file *f, int flags,
		    int *out_flags)
{
	struct mac_file *m = (struct mac_file *)f;
	int rc;

	(void)vfs;
	m->main_db = (flags & SQLITE_OPEN_MAIN_DB) != 0;
	m->real = (sqlite3_file *)(m + 1);
	rc = unix_vfs->xOpen(unix_vfs, name, m->real, flags, out_flags);
	/* SQLite calls xClose only when pMethods is set. */
	f->pMethods = m->real->pMethods ? &mac_io : NULL;
	return rc;
}

const char *macvfs_name(void)
{
	/* Under the register lock, as every connection to the register. */
	if (mac_vfs.zName)
		return mac_vfs.zName;
	unix_vfs = sqlite3_vfs_find("unix");
	if (!unix_vfs || unix_vfs->iVersion < 3)
		return NULL;
	/* The unix VFS's own methods (delete, access, full path, time,
	 * randomness...) with its pAppData, which they read; only opening a
	 * file goes through the shim, and a file is the shim's header then
	 * the unix file. */
	mac_vfs = *unix_vfs;
	mac_vfs.pNext = NULL;
	mac_vfs.szOsFile = (int)sizeof(struct mac_file) + unix_vfs->szOsFile;
	mac_vfs.xOpen = mac_open;
	mac_vfs.zName = "cdop-mac";
	if (sqlite3_vfs_register(&mac_vfs, 0) != SQLITE_OK) {
		mac_vfs.zName = NULL;
		return NULL;
	}
	return mac_vfs.zName;
}
