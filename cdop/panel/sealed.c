/*
 * Sealed files out of the register (SPEC §8): the export to age
 * recipients. The JSON Lines are built in memory, sealed whole with
 * crypto/age (through the store), written to a temp file beside the
 * target, and the file is linked into place only after its audit entry
 * has committed.
 */
#include "cdop/panel/panel.h"
#include "cdop/panel/panel_int.h"
#include "cdop/store/store.h"
#include "crypto/secure.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int mem_open(struct reg *r, struct mem_out *m)
{
	memset(m, 0, sizeof *m);
	m->f = open_memstream(&m->buf, &m->len);
	if (!m->f)
		return reg_fail(r, CDOP_ERR_NOMEM, "out of memory");
	return CDOP_OK;
}

int mem_finish(struct reg *r, struct mem_out *m)
{
	int bad = ferror(m->f);

	if (fclose(m->f))
		bad = 1;
	m->f = NULL;
	if (bad || !m->buf)
		return reg_fail(r, CDOP_ERR_NOMEM, "out of memory");
	return CDOP_OK;
}

void mem_release(struct mem_out *m)
{
	if (m->f) {
		fclose(m->f);
		m->f = NULL;
	}
	if (m->buf) {
		secure_wipe(m->buf, m->len);
		free(m->buf);
	}
	m->buf = NULL;
	m->len = 0;
}

int sealed_write(struct reg *r, struct outfile *o, const char *path,
		 const char *const *recipients, size_t n, const struct mem_out *m)
{
	uint8_t (*pks)[STORE_AGE_KEY] = NULL, *sealed = NULL;
	size_t slen = 0;
	int ret = store_age_recipients_parse(r, recipients, n, &pks);

	if (!ret)
		ret = store_age_seal(r, (const uint8_t (*)[STORE_AGE_KEY])pks, n,
				     (const uint8_t *)m->buf, m->len, &sealed, &slen);
	if (!ret && fwrite(sealed, 1, slen, o->f) != slen)
		ret = reg_fail_field(r, CDOP_ERR_IO, "out", "cannot write '%s': %s", path,
				     strerror(errno));
	free(sealed);
	free(pks);
	return ret;
}

int export_sealed(struct reg *r, const char *path, int mode,
		  const char *const *recipients, size_t n, struct export_result *res)
{
	struct outfile o = OUTFILE_INIT;
	struct mem_out m;
	uint8_t (*pks)[STORE_AGE_KEY] = NULL;
	char object[48], detail[96];
	size_t cases = 0;
	int ret, began = 0;

	res->cases = 0;
	memset(&m, 0, sizeof m);
	/* Bad recipients are refused before any work. */
	ret = store_age_recipients_parse(r, recipients, n, &pks);
	free(pks);
	if (!ret) ret = outfile_open(r, &o, path, mode);
	if (!ret) ret = mem_open(r, &m);
	if (!ret) ret = db_begin(r);
	began = !ret;
	if (!ret) ret = export_write_cases(r, m.f, &cases);
	if (!ret) ret = mem_finish(r, &m);
	if (!ret) ret = sealed_write(r, &o, path, recipients, n, &m);
	if (!ret) {
		snprintf(object, sizeof object, "%zu cases", cases);
		snprintf(detail, sizeof detail, "to a file sealed to %zu age recipient%s", n,
			 n == 1 ? "" : "s");
		ret = audit_append(r, "export", object, detail);
	}
	/* The file gets its name only once its audit entry is committed. */
	if (began)
		ret = db_end(r, ret);
	if (o.f) {
		int cret = outfile_close(r, &o, !ret);
		if (!ret)
			ret = cret;
	}
	mem_release(&m);
	if (!ret)
		res->cases = cases;
	return ret;
}
