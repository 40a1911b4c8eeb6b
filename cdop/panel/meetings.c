#include "cdop/panel/panel.h"
#include "cdop/store/store.h"
#include "cdop/cases/cases.h"
#include "forms/codes.h"
#include "forms/date.h"
#include "forms/form.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int meetings_new(struct reg *r, const char *date, const char *chair, int64_t *id)
{
	static const char sql[] = "INSERT INTO meetings(date, chair) VALUES (:date, :chair)";
	struct db_stmt q = DB_STMT_INIT;
	char idtext[24], iso[DATE_BUFLEN], msg[200];
	int ret;

	ret = reg_date_input(r, "date", date, iso);
	if (ret)
		return ret;
	date = iso;
	if (chair && strlen(chair) > 200)
		return reg_fail_field(r, CDOP_ERR_INPUT, "chair", "at most 200 characters");
	if (chair && form_text_check(chair, 0, 200, msg, sizeof msg))
		return reg_fail_field(r, CDOP_ERR_INPUT, "chair", "%s", msg);
	ret = db_begin(r);
	if (ret)
		return ret;
	db_prepare(r, &q, sql);
	db_bind_text(&q, ":date", date);
	db_bind_text(&q, ":chair", chair);
	db_run(&q);
	ret = db_finalize(&q);
	if (!ret)
		*id = db_last_id(r);
	snprintf(idtext, sizeof idtext, "meeting %" PRId64, ret ? 0 : *id);
	return cases_commit(r, ret, "meeting_new", idtext, date);
}

int meetings_find(struct reg *r, const char *arg, int64_t *id, char date[11])
{
	static const char sql[] = "SELECT date FROM meetings WHERE id = :id";
	struct db_stmt q = DB_STMT_INIT;
	char *end;
	long long v = strtoll(arg, &end, 10);
	int ret, found;

	if (!*arg || *end || v <= 0)
		return reg_fail_field(r, CDOP_ERR_INPUT, "meeting", "'%s' is not a meeting id "
				"(a number, as printed by 'meeting new' and 'meeting list')",
				arg);
	db_prepare(r, &q, sql);
	db_bind_int(&q, ":id", v);
	found = db_step(&q) == DB_ROW;
	if (found && date)
		snprintf(date, 11, "%s", db_column_text(&q, 0));
	ret = db_finalize(&q);
	if (!ret && !found)
		ret = reg_fail(r, CDOP_ERR_NOTFOUND, "no meeting %lld (see 'cdop meeting "
			       "list')", v);
	if (!ret)
		*id = v;
	return ret;
}

int meetings_has_case(struct reg *r, int64_t meeting, int64_t case_id)
{
	static const char sql[] =
		"SELECT 1 FROM meeting_cases WHERE meeting_id = :m AND case_id = :c";
	struct db_stmt q = DB_STMT_INIT;
	int on, ret;

	db_prepare(r, &q, sql);
	db_bind_int(&q, ":m", meeting);
	db_bind_int(&q, ":c", case_id);
	on = db_step(&q) == DB_ROW;
	ret = db_finalize(&q);
	return ret ? ret : on;
}

/* "health_visiting, police" when reports are still awaited. */
static int outstanding_reports(struct reg *r, int64_t case_id, char *out, size_t len)
{
	static const char sql[] =
		"SELECT agency FROM agency_reports WHERE case_id = :c AND received IS NULL "
		"ORDER BY agency";
	struct db_stmt q = DB_STMT_INIT;

	out[0] = 0;
	db_prepare(r, &q, sql);
	db_bind_int(&q, ":c", case_id);
	while (db_step(&q) == DB_ROW)
		snprintf(out + strlen(out), len - strlen(out), "%s%s", *out ? ", " : "",
			 db_column_text(&q, 0));
	return db_finalize(&q);
}

/* One case, inside the caller's transaction. */
static int add_case(struct reg *r, int64_t meeting, const char *ref,
		    char *warning, size_t warnlen)
{
	static const char ins[] =
		"INSERT INTO meeting_cases(meeting_id, case_id) VALUES (:m, :c)";
	static const char sched[] =
		"UPDATE cases SET status = 'scheduled', updated_at = :now WHERE id = :c";
	struct db_stmt q = DB_STMT_INIT;
	char status[24], awaited[256], detail[48], now[21];
	int64_t case_id;
	int ret, on;

	warning[0] = 0;
	ret = cases_find(r, ref, &case_id, status);
	if (ret)
		goto out;
	on = meetings_has_case(r, meeting, case_id);
	if (on < 0) {
		ret = on;
		goto out;
	}
	if (on) {
		ret = reg_fail(r, CDOP_ERR_CONFLICT, "case %s is already on meeting "
			       "%" PRId64, ref, meeting);
		goto out;
	}
	if (!strcmp(status, "notified") || !strcmp(status, "closed") ||
	    !strcmp(status, "transferred")) {
		char how[CASE_REF_MAX + 48] = "";

		if (!strcmp(status, "notified"))
			snprintf(how, sizeof how, "; move it on with 'cdop case status %s "
				 "ready'", ref);
		ret = reg_fail(r, CDOP_ERR_CONFLICT, "case %s is '%s': a case goes to "
			       "a meeting when it is 'ready' (or 'gathering', with "
			       "reports outstanding)%s", ref, status, how);
		goto out;
	}
	ret = outstanding_reports(r, case_id, awaited, sizeof awaited);
	if (ret)
		goto out;
	if (!strcmp(status, "gathering") || *awaited)
		snprintf(warning, warnlen, "case %s %s%s%s", ref,
			 !strcmp(status, "gathering") ? "is still gathering information" :
			 "has reports outstanding", *awaited ? "; awaiting reports from: " : "",
			 awaited);
	db_prepare(r, &q, ins);
	db_bind_int(&q, ":m", meeting);
	db_bind_int(&q, ":c", case_id);
	db_run(&q);
	ret = db_finalize(&q);
	/* Scheduled now, unless it was reviewed and comes back to be amended. */
	if (!ret && strcmp(status, "reviewed")) {
		reg_now(now);
		db_prepare(r, &q, sched);
		db_bind_text(&q, ":now", now);
		db_bind_int(&q, ":c", case_id);
		db_run(&q);
		ret = db_finalize(&q);
	}
	snprintf(detail, sizeof detail, "meeting %" PRId64, meeting);
	if (!ret)
		ret = audit_append(r, "meeting_add", ref, detail);
out:
	return ret;
}

int meetings_add_cases(struct reg *r, int64_t meeting, char *const *refs, size_t n,
		       meetings_warn_fn *warn, void *ctx)
{
	char warning[512];
	size_t i;
	int ret = db_begin(r);

	if (ret)
		return ret;
	for (i = 0; !ret && i < n; i++) {
		ret = add_case(r, meeting, refs[i], warning, sizeof warning);
		if (!ret && *warning && warn)
			warn(warning, ctx);
	}
	if (!ret)
		ret = db_commit(r);
	if (ret)
		db_rollback(r);
	return ret;
}

int meetings_attend(struct reg *r, int64_t meeting, const char *name,
		    const char *agency, const char *role)
{
	static const char sql[] =
		"INSERT INTO attendance(meeting_id, name, agency, role) "
		"VALUES (:m, :name, :agency, :role)";
	struct db_stmt q = DB_STMT_INIT;
	char valid[400], object[32];
	int ret, dup;

	if (!name || !*name || strlen(name) > 200)
		return reg_fail_field(r, CDOP_ERR_INPUT, "name", "give the attendee's name "
				"(1-200 characters)");
	if (form_text_check(name, 0, 200, valid, sizeof valid))
		return reg_fail_field(r, CDOP_ERR_INPUT, "name", "%s", valid);
	if (!code_list_find(&codes_agency, agency)) {
		code_list_join(&codes_agency, valid, sizeof valid);
		return reg_fail_field(r, CDOP_ERR_INPUT, "agency", "'%s' is not an agency "
				"code; valid: %s", agency, valid);
	}
	if (role && strlen(role) > 200)
		return reg_fail_field(r, CDOP_ERR_INPUT, "role", "at most 200 characters");
	if (role && form_text_check(role, 0, 200, valid, sizeof valid))
		return reg_fail_field(r, CDOP_ERR_INPUT, "role", "%s", valid);
	ret = db_begin(r);
	if (ret)
		return ret;
	/* The same person for the same agency once per meeting. */
	db_prepare(r, &q, "SELECT 1 FROM attendance WHERE meeting_id = :m AND "
		   "agency = :agency AND lower(trim(name)) = lower(trim(:name))");
	db_bind_int(&q, ":m", meeting);
	db_bind_text(&q, ":agency", agency);
	db_bind_text(&q, ":name", name);
	dup = db_step(&q) == DB_ROW;
	ret = db_finalize(&q);
	if (!ret && dup)
		ret = reg_fail_field(r, CDOP_ERR_CONFLICT, "name", "%s (%s) is already "
				     "recorded as attending meeting %" PRId64, name, agency,
				     meeting);
	if (ret) {
		db_rollback(r);
		return ret;
	}
	db_prepare(r, &q, sql);
	db_bind_int(&q, ":m", meeting);
	db_bind_text(&q, ":name", name);
	db_bind_text(&q, ":agency", agency);
	db_bind_text(&q, ":role", role);
	db_run(&q);
	ret = db_finalize(&q);
	snprintf(object, sizeof object, "meeting %" PRId64, meeting);
	return cases_commit(r, ret, "meeting_attend", object, agency);
}

static int meeting_row(struct reg *r, struct db_stmt *q, void *ctx, json_t **row)
{
	(void)r;
	(void)ctx;
	*row = json_pack("{s:I, s:s, s:I, s:I, s:I, s:o}",
			 "id", (json_int_t)db_column_int(q, 0), "date", db_column_text(q, 1),
			 "cases", (json_int_t)db_column_int(q, 3),
			 "attended", (json_int_t)db_column_int(q, 4),
			 "reviews", (json_int_t)db_column_int(q, 5),
			 "chair", db_column_is_null(q, 2) ? json_null() :
			 json_string(db_column_text(q, 2)));
	return CDOP_OK;
}

int meetings_list(struct reg *r, json_t **out)
{
	static const char sql[] =
		/* Counted once per table, not once per meeting; the reviews
		 * from their own index (schema 23), not their rows. */
		"SELECT m.id, m.date, m.chair, ifnull(c.n, 0), ifnull(a.n, 0), ifnull(v.n, 0) "
		"FROM meetings m "
		"LEFT JOIN (SELECT meeting_id, count(*) AS n FROM meeting_cases "
		"GROUP BY meeting_id) c ON c.meeting_id = m.id "
		"LEFT JOIN (SELECT meeting_id, count(*) AS n FROM attendance "
		"GROUP BY meeting_id) a ON a.meeting_id = m.id "
		"LEFT JOIN (SELECT meeting_id, count(*) AS n FROM reviews "
		"GROUP BY meeting_id) v ON v.meeting_id = m.id "
		"ORDER BY m.date, m.id";
	struct db_stmt q = DB_STMT_INIT;

	db_prepare(r, &q, sql);
	return cases_rows(r, &q, meeting_row, NULL, out);
}
