/*
 * What an agency sends (SPEC §2 `agency receive --age/--attach`, `agency
 * show`): its reporting form sealed to this register, and documents, kept
 * sealed as identifiable through the store (store_seal_identifiable), so
 * the key they are sealed under can change in one place.
 */
#include "cdop/cases/cases.h"
#include "cdop/cases/cases_int.h"
#include "cdop/store/store.h"
#include "crypto/file.h"
#include "crypto/secure.h"
#include "forms/form.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int agency_form_open(struct reg *r, const char *agency, const char *path, json_t **form)
{
	struct form_errors errs = FORM_ERRORS_INIT;
	struct cdate today;
	json_error_t jerr;
	uint8_t *plain = NULL;
	size_t plen = 0;
	json_t *obj = NULL;
	const char *from;
	int ret;

	*form = NULL;
	ret = reg_today_date(r, &today, NULL);
	if (!ret)
		ret = store_age_open_file(r, "age", path, &plain, &plen);
	if (ret)
		goto out;
	obj = json_loadb((const char *)plain, plen, JSON_REJECT_DUPLICATES, &jerr);
	if (!obj || !json_is_object(obj)) {
		ret = obj ? reg_fail_field(r, CDOP_ERR_INPUT, "age", "'%s' holds JSON that is "
					   "not an object; the reporting form is one JSON "
					   "object", path) :
			reg_fail_field(r, CDOP_ERR_INPUT, "age", "'%s' does not hold valid JSON: "
				       "%s at line %d, column %d", path, jerr.text, jerr.line,
				       jerr.column);
		goto out;
	}
	ret = form_validate(&form_agency_reporting, obj, &today, &errs);
	if (ret == FORM_EINVALID)
		ret = cases_invalid(r, "", &errs);
	else if (ret)
		ret = reg_fail(r, CDOP_ERR_NOMEM, "out of memory");
	if (ret)
		goto out;
	from = json_string_value(json_object_get(obj, "agency"));
	if (strcmp(from, agency)) {
		ret = reg_fail_field(r, CDOP_ERR_INPUT, "agency", "the form in '%s' is from "
				     "'%s', not '%s'", path, from, agency);
		goto out;
	}
	*form = form_normalise(&form_agency_reporting, obj);
	if (!*form)
		ret = reg_fail(r, CDOP_ERR_NOMEM, "out of memory");
out:
	form_errors_release(&errs);
	json_decref(obj);
	store_age_free(plain, plen);
	return ret;
}

int agency_files_read(struct reg *r, const char *const *paths, size_t n,
		      struct agency_files *f)
{
	size_t i;
	int ret = CDOP_OK;

	f->v = n ? calloc(n, sizeof *f->v) : NULL;
	f->n = 0;
	if (n && !f->v)
		return reg_fail(r, CDOP_ERR_NOMEM, "out of memory");
	for (i = 0; i < n && !ret; i++) {
		const char *base = file_base(paths[i]);

		if (!*base)
			return reg_fail_field(r, CDOP_ERR_INPUT, "attach", "'%s' is not a "
					      "file name", paths[i]);
		f->n = i + 1;
		ret = store_file_read(r, "attach", paths[i], AGENCY_ATTACH_MAX + 65536,
				      &f->v[i].data, &f->v[i].len);
		if (!ret && !(f->v[i].name = strdup(base)))
			ret = reg_fail(r, CDOP_ERR_NOMEM, "out of memory");
		if (!ret && store_age_is_sealed(f->v[i].data, f->v[i].len)) {
			/* Sealed by the agency to this register: opened and verified
			 * whole; kept under its name without ".age". */
			uint8_t *plain = NULL;
			size_t plen = 0, nl = strlen(f->v[i].name);
			char what[512];

			snprintf(what, sizeof what, "'%s'", paths[i]);
			ret = store_age_open(r, what, f->v[i].data, f->v[i].len, &plain, &plen);
			if (ret)
				break;
			free(f->v[i].data); /* ciphertext */
			f->v[i].data = plain;
			f->v[i].len = plen;
			if (nl > 4 && !strcmp(f->v[i].name + nl - 4, ".age"))
				f->v[i].name[nl - 4] = 0;
		}
		if (!ret && f->v[i].len > AGENCY_ATTACH_MAX)
			ret = reg_fail_field(r, CDOP_ERR_INPUT, "attach", "'%s' is larger than "
					     "%zu MiB", paths[i], AGENCY_ATTACH_MAX >> 20);
	}
	return ret;
}

void agency_files_release(struct agency_files *f)
{
	size_t i;

	for (i = 0; i < f->n; i++) {
		if (f->v[i].data) {
			secure_wipe(f->v[i].data, f->v[i].len);
			free(f->v[i].data);
		}
		if (f->v[i].name) {
			secure_wipe(f->v[i].name, strlen(f->v[i].name));
			free(f->v[i].name);
		}
	}
	free(f->v);
	f->v = NULL;
	f->n = 0;
}

static int report_id(struct reg *r, int64_t case_id, const char *agency, int64_t *id)
{
	static const char sql[] =
		"SELECT id FROM agency_reports WHERE case_id = :case AND agency = :agency";
	struct db_stmt q = DB_STMT_INIT;
	int ret;

	*id = 0;
	db_prepare(r, &q, sql);
	db_bind_int(&q, ":case", case_id);
	db_bind_text(&q, ":agency", agency);
	if (db_step(&q) == DB_ROW)
		*id = db_column_int(&q, 0);
	ret = db_finalize(&q);
	if (!ret && !*id)
		ret = reg_fail_field(r, CDOP_ERR_NOTFOUND, "agency", "no %s report for this "
				     "case", agency);
	return ret;
}

/* One sealed attachment row. */
static int attachment_insert(struct reg *r, int64_t report, const char *name,
			     const uint8_t *data, size_t len, const char *on)
{
	static const char sql[] =
		"INSERT INTO agency_attachments(report_id, name, content, bytes, added_on) "
		"VALUES (:report, :name, :content, :bytes, :on)";
	struct db_stmt q = DB_STMT_INIT;
	uint8_t *sname = NULL, *sdata = NULL;
	size_t nlen = 0, dlen = 0;
	int ret = store_seal_identifiable(r, (const uint8_t *)name, strlen(name), &sname, &nlen);

	if (!ret)
		ret = store_seal_identifiable(r, data, len, &sdata, &dlen);
	if (!ret) {
		db_prepare(r, &q, sql);
		db_bind_int(&q, ":report", report);
		db_bind_blob(&q, ":name", sname, nlen);
		db_bind_blob(&q, ":content", sdata, dlen);
		db_bind_int(&q, ":bytes", (int64_t)len);
		db_bind_text(&q, ":on", on);
		db_run(&q);
		ret = db_finalize(&q);
	}
	free(sname);
	free(sdata);
	return ret;
}

int agency_files_store(struct reg *r, int64_t case_id, const char *agency, const char *on,
		       const struct agency_files *f)
{
	int64_t report;
	size_t i;
	int ret = report_id(r, case_id, agency, &report);

	for (i = 0; !ret && i < f->n; i++)
		ret = attachment_insert(r, report, f->v[i].name, f->v[i].data, f->v[i].len, on);
	return ret;
}

int agency_attachment_add(struct reg *r, int64_t case_id, const char *agency,
			  const char *name, const uint8_t *data, size_t len, const char *on)
{
	int64_t report;
	int ret = report_id(r, case_id, agency, &report);

	return ret ? ret : attachment_insert(r, report, name, data, len, on);
}

/* ---- agency show ------------------------------------------------------------ */

/* A name safe to create in a directory: no path, no control characters,
 * not "." or "..". */
static int plain_name(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	if (!*p || !strcmp(s, ".") || !strcmp(s, "..") || strlen(s) > 200)
		return 0;
	for (; *p; p++)
		if (*p == '/' || *p < 0x20 || *p == 0x7f)
			return 0;
	return 1;
}

void agency_attachment_file(const json_t *list, size_t n, char *out, size_t outlen)
{
	const char *name = json_string_value(json_object_get(json_array_get(list, n - 1),
							     "name"));
	int repeated = 0;
	size_t k;

	if (!name)
		name = "";
	for (k = 0; k + 1 < n; k++) {
		const char *earlier = json_string_value(json_object_get(json_array_get(list, k),
									"name"));

		repeated |= earlier && !strcmp(earlier, name);
	}
	if (plain_name(name) && !repeated)
		snprintf(out, outlen, "%s", name);
	else
		snprintf(out, outlen, "%zu-%s", n, plain_name(name) ? name : "attachment");
}

/* Attachment n of list (its last so far) into dir, named as above. */
static int save_one(struct reg *r, const char *dir, const json_t *list, size_t n,
		    const uint8_t *data, size_t len)
{
	struct outfile o = OUTFILE_INIT;
	char path[4096], file[300];
	int ret, cret;

	agency_attachment_file(list, n, file, sizeof file);
	snprintf(path, sizeof path, "%s/%s", dir, file);
	ret = outfile_open(r, &o, path, OUTFILE_EXCL);
	if (ret)
		return ret;
	if (len && fwrite(data, 1, len, o.f) != len)
		ret = reg_fail(r, CDOP_ERR_IO, "cannot write '%s': %s", path, strerror(errno));
	cret = outfile_close(r, &o, !ret);
	return ret ? ret : cret;
}

/* Opens the attachments of report (names, and contents when dir). */
static int attachments(struct reg *r, int64_t report, const char *dir, json_t *list,
		       size_t *saved)
{
	static const char sql[] =
		"SELECT name, content, bytes, added_on FROM agency_attachments "
		"WHERE report_id = :report ORDER BY id";
	struct db_stmt q = DB_STMT_INIT;
	size_t n = 0;
	int ret = CDOP_OK;

	db_prepare(r, &q, sql);
	db_bind_int(&q, ":report", report);
	while (!ret && db_step(&q) == DB_ROW) {
		uint8_t *name = NULL, *data = NULL;
		size_t nlen = 0, dlen = 0;

		n++;
		const void *b;
		size_t blen = 0;

		b = db_column_blob(&q, 0, &blen);
		ret = store_open_identifiable(r, b, blen, &name, &nlen);
		if (!ret && dir) {
			b = db_column_blob(&q, 1, &blen);
			ret = store_open_identifiable(r, b, blen, &data, &dlen);
		}
		if (!ret && json_array_append_new(list, json_pack("{s:I, s:s, s:I, s:s}",
				"n", (json_int_t)n, "name", (const char *)name,
				"bytes", (json_int_t)db_column_int(&q, 2),
				"added_on", db_column_text(&q, 3))))
			ret = reg_fail(r, CDOP_ERR_NOMEM, "out of memory");
		if (!ret && dir) {
			ret = save_one(r, dir, list, n, data, dlen);
			if (!ret)
				(*saved)++;
		}
		store_age_free(name, nlen);
		store_age_free(data, dlen);
	}
	if (ret) {
		db_finalize(&q);
		return ret;
	}
	return db_finalize(&q);
}

int agency_show(struct reg *r, const char *ref, const char *agency, const char *dir,
		json_t **out, size_t *saved)
{
	static const char sql[] =
		"SELECT id, requested, due, received, form FROM agency_reports "
		"WHERE case_id = :case AND agency = :agency";
	struct db_stmt q = DB_STMT_INIT;
	json_t *obj = NULL, *list = json_array();
	char detail[96];
	int64_t case_id = 0, report = 0;
	char *form = NULL;
	int ret, opened = CDOP_OK;

	*out = NULL;
	*saved = 0;
	if (!list)
		return reg_fail(r, CDOP_ERR_NOMEM, "out of memory");
	ret = db_begin(r);
	if (ret) {
		json_decref(list);
		return ret;
	}
	ret = cases_find(r, ref, &case_id, NULL);
	if (!ret) {
		db_prepare(r, &q, sql);
		db_bind_int(&q, ":case", case_id);
		db_bind_text(&q, ":agency", agency);
		if (db_step(&q) == DB_ROW) {
			report = db_column_int(&q, 0);
			obj = json_pack("{s:s, s:s}", "ref", ref, "agency", agency);
			if (obj) {
				static const char *const k[] = { "requested", "due", "received" };
				for (int i = 0; i < 3; i++)
					if (!db_column_is_null(&q, i + 1))
						json_object_set_new(obj, k[i], json_string(
							db_column_text(&q, i + 1)));
			}
			/* The form is sealed under K_id (keys by role), as
			 * load_report and case show open it. */
			if (obj)
				opened = cases_open_sealed(r, &q, 4, "agency_reports.form",
							agency, case_id, &form);
			if (form) {
				json_object_set_new(obj, "form", json_loads(form, 0, NULL));
				secure_wipe(form, strlen(form));
				free(form);
			}
		}
		ret = db_finalize(&q);
		if (!ret)
			ret = opened;
	}
	if (!ret && !report)
		ret = reg_fail_field(r, CDOP_ERR_NOTFOUND, "agency", "case %s has no report "
				     "from %s", ref, agency);
	if (!ret && !obj)
		ret = reg_fail(r, CDOP_ERR_NOMEM, "out of memory");
	if (!ret)
		ret = attachments(r, report, NULL, list, saved);
	if (!ret && json_object_set(obj, "attachments", list))
		ret = reg_fail(r, CDOP_ERR_NOMEM, "out of memory");
	snprintf(detail, sizeof detail, "%s%s", agency, dir ? ", attachments saved" : "");
	/* Recorded before it is shown, and before any file is written. */
	ret = cases_commit(r, ret, "agency_show", ref, detail);
	if (!ret && dir) {
		json_t *again = json_array();
		ret = again ? attachments(r, report, dir, again, saved) :
			reg_fail(r, CDOP_ERR_NOMEM, "out of memory");
		json_decref(again);
	}
	json_decref(list);
	if (ret)
		json_decref(obj);
	else
		*out = obj;
	return ret;
}
