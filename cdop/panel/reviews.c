#include "cdop/panel/panel.h"
#include "cdop/panel/panel_int.h"
#include "cdop/store/store.h"
#include "cdop/cases/cases.h"
#include "crypto/secure.h"
#include "forms/form.h"

#include <stdio.h>

#include <stdlib.h>
#include <string.h>

int meetings_find_or_create(struct reg *r, const char *date, int64_t *id)
{
	static const char find[] = "SELECT id FROM meetings WHERE date = :date ORDER BY id LIMIT 1";
	static const char ins[] = "INSERT INTO meetings(date) VALUES (:date)";
	struct db_stmt q = DB_STMT_INIT;
	int ret, found;

	db_prepare(r, &q, find);
	db_bind_text(&q, ":date", date);
	found = db_step(&q) == DB_ROW;
	if (found)
		*id = db_column_int(&q, 0);
	ret = db_finalize(&q);
	if (ret || found)
		return ret;
	db_prepare(r, &q, ins);
	db_bind_text(&q, ":date", date);
	db_run(&q);
	ret = db_finalize(&q);
	if (!ret)
		*id = db_last_id(r);
	return ret;
}

static int store_themes(struct reg *r, int64_t case_id, const json_t *themes)
{
	static const char sql[] = "INSERT INTO review_themes(case_id, theme) VALUES (:case, :theme)";
	struct db_stmt q = DB_STMT_INIT;
	size_t i;
	json_t *t;

	db_prepare(r, &q, sql);
	json_array_foreach(themes, i, t) {
		db_bind_int(&q, ":case", case_id);
		db_bind_text(&q, ":theme", json_string_value(t));
		db_run(&q);
		db_reset(&q);
	}
	return db_finalize(&q);
}

static const char *member(const json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

/* Migration 012: text written with K_id was checked before it was stored
 * (review_text_check, import's check); without it, it waits for a manager
 * (idcheck_pending). */
static const char *text_state(struct reg *r)
{
	return store_has_id(r) ? "checked" : "unchecked";
}

/* The ids of the case's recommendations made at the meeting of MADE_ON,
 * oldest first, in *ids (to free). */
static int recs_made_at(struct reg *r, int64_t case_id, const char *made_on,
			int64_t **ids, size_t *n)
{
	static const char sql[] =
		"SELECT id FROM recommendations WHERE case_id = :case AND made_on = :made "
		"ORDER BY id";
	struct db_stmt q = DB_STMT_INIT;
	size_t cap = 0;
	int ret, oom = 0;

	*ids = NULL;
	*n = 0;
	db_prepare(r, &q, sql);
	db_bind_int(&q, ":case", case_id);
	db_bind_text(&q, ":made", made_on);
	while (!oom && db_step(&q) == DB_ROW) {
		if (*n == cap) {
			int64_t *more = realloc(*ids, (cap ? 2 * cap : 8) * sizeof **ids);

			oom = !more;
			if (oom)
				break;
			*ids = more;
			cap = cap ? 2 * cap : 8;
		}
		(*ids)[(*n)++] = db_column_int(&q, 0);
	}
	ret = db_finalize(&q);
	if (!ret && oom)
		ret = reg_fail(r, CDOP_ERR_NOMEM, "out of memory");
	return ret;
}

/*
 * RECS as the recommendations made at the meeting of MADE_ON. A review
 * recorded again at the same meeting is that meeting's record amended: its
 * list replaces the one stored before, place by place. A recommendation
 * keeps its id (its action number) and done date where the new list has
 * one in its place, and those past the new list's end go. Recommendations
 * made at other meetings are not touched: a later meeting adds its own.
 * A first review (AMENDED 0: import's lines too) has none to look up.
 */
static int store_recommendations(struct reg *r, int64_t case_id, const char *made_on,
				 const json_t *recs, int amended)
{
	static const char ins[] =
		"INSERT INTO recommendations(case_id, made_on, text, owner, due, done_on, "
		"text_check) VALUES (:case, :made, :text, :owner, :due, :done, :check)";
	static const char upd[] =
		"UPDATE recommendations SET text = :text, owner = :owner, due = :due, "
		"done_on = coalesce(:done, done_on), text_check = :check, check_what = NULL "
		"WHERE id = :id";
	static const char del[] = "DELETE FROM recommendations WHERE id = :id";
	struct db_stmt q = DB_STMT_INIT;
	int64_t *old = NULL;
	size_t i, nold = 0;
	json_t *rec;
	int ret = amended ? recs_made_at(r, case_id, made_on, &old, &nold) : CDOP_OK;

	json_array_foreach(recs, i, rec) {
		if (ret)
			break;
		db_prepare(r, &q, i < nold ? upd : ins);
		if (i < nold) {
			db_bind_int(&q, ":id", old[i]);
		} else {
			db_bind_int(&q, ":case", case_id);
			db_bind_text(&q, ":made", made_on);
		}
		db_bind_text(&q, ":check", text_state(r));
		db_bind_text(&q, ":text", member(rec, "text"));
		db_bind_text(&q, ":owner", member(rec, "owner"));
		db_bind_text(&q, ":due", member(rec, "due"));
		db_bind_text(&q, ":done", member(rec, "completed"));
		db_run(&q);
		ret = db_finalize(&q);
	}
	for (i = json_array_size(recs); !ret && i < nold; i++) {
		db_prepare(r, &q, del);
		db_bind_int(&q, ":id", old[i]);
		db_run(&q);
		ret = db_finalize(&q);
	}
	free(old);
	return ret;
}

/* A text member replaced by anonymise_text of it; -1 out of memory. */
static int scrub_member(json_t *obj, const char *key, const json_t *n)
{
	const char *t = json_string_value(json_object_get(obj, key));
	char *clean;
	int ret = 0;

	if (!t)
		return 0;
	clean = anonymise_text(t, n);
	if (!clean || json_object_set_new(obj, key, json_string(clean)))
		ret = -1;
	free(clean);
	return ret;
}

/* The learning and each recommendation's text, scrubbed of the child's
 * identifiers (those of notification n). */
static int review_scrub(json_t *form, json_t *recs, const json_t *n)
{
	json_t *rec;
	size_t i;
	int ret = scrub_member(form, "learning", n);

	json_array_foreach(recs, i, rec)
		if (!ret)
			ret = scrub_member(rec, "text", n);
	return ret;
}

void review_made_release(struct review_made *m)
{
	if (m->form) {
		secure_wipe(m->form, strlen(m->form));
		free(m->form);
	}
	json_decref(m->recs);
	free(m->flags);
	memset(m, 0, sizeof *m);
}

/* One text of the review: noted when it names an identifier of the set. */
static int flag_find(struct review_made *m, const struct idset *s, long k,
		     const char *text, const char *const *allow, size_t nallow)
{
	struct idcheck_match hit;
	int found = idset_find(s, text, allow, nallow, &hit, &m->allowed);
	struct review_flag *more;

	secure_wipe(hit.text, sizeof hit.text);
	if (found <= 0)
		return found;
	more = realloc(m->flags, (m->nflags + 1) * sizeof *more);
	if (!more)
		return -1;
	m->flags = more;
	m->flags[m->nflags].k = k;
	m->flags[m->nflags++].what = hit.what;
	return 0;
}

/* Issue 11: which of the review's texts (the learning, then each
 * recommendation's, its amendments' too, in the order they are stored)
 * name an identifier of its own notification. */
int review_made_flags(struct review_made *m, const json_t *review,
		      const json_t *notification, const char *const *allow, size_t nallow)
{
	struct idset *s = idset_new();
	const json_t *am, *rec;
	size_t i, j;
	long k = 0;
	int ret = s && !idset_add_notification(s, notification) ? 0 : -1;

	if (!ret)
		ret = flag_find(m, s, -1, member(review, "learning"), allow, nallow);
	json_array_foreach(json_object_get(review, "recommendations"), i, rec)
		if (!ret)
			ret = flag_find(m, s, k++, member(rec, "text"), allow, nallow);
	json_array_foreach(json_object_get(review, "amendments"), j, am)
		json_array_foreach(json_object_get(am, "recommendations"), i, rec)
			if (!ret)
				ret = flag_find(m, s, k++, member(rec, "text"), allow, nallow);
	idset_free(s);
	return ret;
}

int review_made_make(const json_t *review, const json_t *notification, int scrub,
		     struct review_made *m)
{
	json_t *form = json_deep_copy(review);
	int ret = form ? 0 : -1;

	memset(m, 0, sizeof *m);
	/* Recommendations live in their own table (with ids and done dates);
	 * meeting_date is the meeting's. The stored form is the rest. */
	if (form) {
		m->recs = json_incref(json_object_get(form, "recommendations"));
		json_object_del(form, "recommendations");
		json_object_del(form, "meeting_date");
		json_object_del(form, "amendments"); /* import: reviews_store_amendment */
	}
	/* Keys by role: the panel and the analyst cannot open the notification
	 * to take the child's identifiers out of this text when they read it,
	 * so a writer holding K_id stores it scrubbed. */
	if (!ret && scrub)
		ret = review_scrub(form, m->recs, notification);
	if (!ret && !(m->form = json_dumps(form, JSON_COMPACT | JSON_SORT_KEYS)))
		ret = -1;
	json_decref(form);
	if (ret)
		review_made_release(m);
	return ret;
}

int reviews_store(struct reg *r, int64_t case_id, int64_t meeting_id,
		  const char *meeting_date, const json_t *review, int *amended)
{
	struct review_made m = REVIEW_MADE_INIT;
	json_t *n = NULL;
	int scrub = store_has_id(r);
	int ret = scrub ? cases_notification(r, case_id, &n) : CDOP_OK;

	if (!ret && review_made_make(review, n, scrub, &m))
		ret = reg_fail(r, CDOP_ERR_NOMEM, "out of memory");
	else if (!ret)
		ret = reviews_store_made(r, case_id, meeting_id, meeting_date, review, &m,
					 amended);
	review_made_release(&m);
	json_decref(n);
	return ret;
}

int reviews_store_made(struct reg *r, int64_t case_id, int64_t meeting_id,
		       const char *meeting_date, const json_t *review,
		       const struct review_made *m, int *amended)
{
	/* INSERT for a first review, UPDATE for an amendment: OR REPLACE would
	 * make SQLite keep a statement journal for every row (foreign keys). */
	static const char ins[] =
		"INSERT INTO reviews(case_id, meeting_id, meeting_date, form, "
		"category, modifiable, referred, updated_at, text_check) VALUES (:case, "
		":meeting, :date, :form, :category, :modifiable, :referred, :now, :check)";
	/* Recorded again at an earlier meeting than its last (to amend
	 * that meeting's record), a review still stands at its latest. */
	static const char upd[] =
		"UPDATE reviews SET meeting_id = CASE WHEN :at >= coalesce((SELECT date "
		"FROM meetings WHERE id = reviews.meeting_id), '') THEN :meeting ELSE "
		"meeting_id END, meeting_date = :date, "
		"form = :form, category = :category, modifiable = :modifiable, "
		"referred = :referred, updated_at = :now, text_check = :check, "
		"check_what = NULL WHERE case_id = :case";
	static const char had[] = "SELECT meeting_date FROM reviews WHERE case_id = :case";
	static const char unthemed[] = "DELETE FROM review_themes WHERE case_id = :case";
	struct db_stmt q = DB_STMT_INIT;
	char now[21], first_date[11];
	const char *completed = meeting_date;
	int ret;

	*amended = 0;
	reg_now(now);
	/* An amendment keeps the review's completion date: the case was
	 * reviewed at its first meeting (SPEC §5 counts it there). */
	db_prepare(r, &q, had);
	db_bind_int(&q, ":case", case_id);
	if (!m->fresh && db_step(&q) == DB_ROW) {
		*amended = 1;
		snprintf(first_date, sizeof first_date, "%s", db_column_text(&q, 0));
		completed = first_date;
	}
	ret = db_finalize(&q);
	/* D6: an amendment is made at the first review's meeting or later. */
	if (!ret && *amended && strcmp(meeting_date, first_date) < 0)
		ret = reg_fail_field(r, CDOP_ERR_INPUT, "meeting", "the meeting of %s is "
				     "before %s, when this case was first reviewed; an "
				     "amendment is made at that meeting or a later one",
				     meeting_date, first_date);
	if (!ret && *amended) {
		/* Recommendations already tracked stay: an amendment adds. */
		db_prepare(r, &q, unthemed);
		db_bind_int(&q, ":case", case_id);
		db_run(&q);
		ret = db_finalize(&q);
	}
	if (ret)
		return ret;
	db_prepare(r, &q, *amended ? upd : ins);
	db_bind_int(&q, ":case", case_id);
	db_bind_int(&q, ":meeting", meeting_id);
	db_bind_text(&q, ":date", completed);
	if (*amended)
		db_bind_text(&q, ":at", meeting_date);
	db_bind_text(&q, ":form", m->form);
	db_bind_int(&q, ":category", json_integer_value(json_object_get(review, "category")));
	db_bind_text(&q, ":modifiable", member(review, "modifiable"));
	db_bind_int(&q, ":referred",
		    json_is_true(json_object_get(review, "referred_for_review")));
	db_bind_text(&q, ":now", now);
	db_bind_text(&q, ":check", text_state(r));
	db_run(&q);
	ret = db_finalize(&q);
	if (!ret)
		ret = store_themes(r, case_id, json_object_get(review, "themes"));
	if (!ret && m->recs)
		ret = store_recommendations(r, case_id, meeting_date, m->recs, *amended);
	return ret;
}

const char *reviews_implied_modifiable(const json_t *review)
{
	static const char *const domains[] = {
		"child", "social_environment", "physical_environment", "service_provision",
	};
	const json_t *d = json_object_get(review, "domains");
	int any2 = 0, any0 = 0;
	size_t i;

	for (i = 0; i < 4; i++) {
		const json_t *v = json_object_get(d, domains[i]);

		if (!json_is_integer(v))
			return NULL;
		any2 |= json_integer_value(v) == 2;
		any0 |= json_integer_value(v) == 0;
	}
	return any2 ? "yes" : any0 ? "insufficient_information" : "no";
}

static int death_not_after(struct reg *r, int64_t case_id, const char *mdate,
			   const char *meeting_arg)
{
	/* The date of death is a clear column (the panel, which records
	 * reviews, holds no key to the sealed notification). */
	static const char sql[] = "SELECT death_date FROM cases WHERE id = :id";
	struct db_stmt q = DB_STMT_INIT;
	char died[16] = "";
	int ret;

	db_prepare(r, &q, sql);
	db_bind_int(&q, ":id", case_id);
	if (db_step(&q) == DB_ROW && db_column_text(&q, 0))
		snprintf(died, sizeof died, "%s", db_column_text(&q, 0));
	ret = db_finalize(&q);
	if (!ret && died[0] && strcmp(died, mdate) > 0)
		ret = reg_fail_field(r, CDOP_ERR_INPUT, "meeting", "meeting %s is on %s, "
				     "before the death (%s): a case is reviewed after it",
				     meeting_arg, mdate, died);
	return ret;
}

/* Learning and every recommendation's text, checked for the identifiers
 * the register holds; *allowed counts words let through. */
static int review_text_check(struct reg *r, const json_t *review, size_t *allowed)
{
	const json_t *recs = json_object_get(review, "recommendations"), *rec;
	struct idset *s = NULL;
	size_t i;
	int ret = idset_load(r, &s);

	if (!ret)
		ret = idcheck_text(r, s, "learning",
				   json_string_value(json_object_get(review, "learning")),
				   allowed);
	json_array_foreach(recs, i, rec) {
		char field[48];

		if (ret)
			break;
		snprintf(field, sizeof field, "recommendations[%zu].text", i);
		ret = idcheck_text(r, s, field, member(rec, "text"), allowed);
	}
	idset_free(s);
	return ret;
}

/* Marks the stored text flagged: the review's learning (k < 0) or the
 * case's k-th recommendation in the order they were stored. */
static int flag_one(struct reg *r, int64_t case_id, long k, const char *what)
{
	static const char learning[] = "UPDATE reviews SET text_check = 'flagged', "
		"check_what = :what WHERE case_id = :case";
	static const char rec[] = "UPDATE recommendations SET text_check = 'flagged', "
		"check_what = :what WHERE id = (SELECT id FROM recommendations WHERE "
		"case_id = :case ORDER BY id LIMIT 1 OFFSET :k)";
	struct db_stmt q = DB_STMT_INIT;

	db_prepare(r, &q, k < 0 ? learning : rec);
	db_bind_int(&q, ":case", case_id);
	db_bind_text(&q, ":what", what);
	if (k >= 0)
		db_bind_int(&q, ":k", k);
	db_run(&q);
	return db_finalize(&q);
}

int reviews_flag_made(struct reg *r, int64_t case_id, const struct review_made *m,
		      size_t *flagged)
{
	int ret = CDOP_OK;

	for (size_t i = 0; !ret && i < m->nflags; i++) {
		(*flagged)++;
		ret = flag_one(r, case_id, m->flags[i].k, m->flags[i].what);
	}
	return ret;
}

/* The case's tracked recommendations, in the order they were stored:
 * [{text, owner, due}] as the trail compares them. */
static int recs_of(struct reg *r, int64_t case_id, json_t **out)
{
	struct db_stmt q = DB_STMT_INIT;
	int ret;

	*out = json_array();
	db_prepare(r, &q, "SELECT text, owner, due FROM recommendations "
		   "WHERE case_id = :c ORDER BY id");
	db_bind_int(&q, ":c", case_id);
	while (db_step(&q) == DB_ROW)
		if (!*out || json_array_append_new(*out, json_pack("{s:s?, s:s?, s:s?}",
			"text", db_column_text(&q, 0), "owner", db_column_text(&q, 1),
			"due", db_column_text(&q, 2)))) {
			json_decref(*out);
			*out = NULL;
		}
	ret = db_finalize(&q);
	if (!ret && !*out)
		ret = reg_fail(r, CDOP_ERR_NOMEM, "out of memory");
	if (ret) {
		json_decref(*out);
		*out = NULL;
	}
	return ret;
}

/* Each recommendation added, changed or removed between OLD and NEW_, by
 * its place: recommendations[i].text sealed (free text), owner and due in
 * clear. */
static void change_recs(struct change_log *log, const json_t *old, const json_t *new_)
{
	static const char *const keys[] = { "text", "owner", "due" };
	size_t i, k, n = json_array_size(old) > json_array_size(new_) ?
		json_array_size(old) : json_array_size(new_);

	for (i = 0; i < n; i++)
		for (k = 0; k < 3; k++) {
			const json_t *a = json_object_get(json_array_get(old, i), keys[k]);
			const json_t *b = json_object_get(json_array_get(new_, i), keys[k]);
			char path[48];

			if ((!a && !b) || (a && b && json_equal((json_t *)a, (json_t *)b)))
				continue;
			snprintf(path, sizeof path, "recommendations[%zu].%s", i, keys[k]);
			change_add(log, path, a, b, k == 0);
		}
}

int reviews_record(struct reg *r, const char *ref, const char *meeting_arg,
		   const json_t *review, int *amended)
{
	static const char reviewed[] =
		"UPDATE cases SET status = 'reviewed', updated_at = :now "
		"WHERE id = :c AND status NOT IN ('reviewed', 'closed')";
	struct form_errors errs = FORM_ERRORS_INIT;
	struct db_stmt q = DB_STMT_INIT;
	struct change_log log;
	char mdate[11], tdate[DATE_BUFLEN], status[24], detail[128] = "", now[21];
	struct cdate today;
	json_t *n = NULL, *before = NULL, *recs_before = NULL, *recs_after = NULL;
	size_t allowed = 0;
	int64_t meeting, case_id;
	int ret, on;

	*amended = 0;
	ret = reg_today_date(r, &today, tdate);
	if (ret)
		return ret;
	ret = form_validate(&form_review, review, &today, &errs);
	if (ret == FORM_EINVALID)
		ret = cases_invalid(r, "", &errs);
	else if (ret)
		ret = reg_fail(r, CDOP_ERR_NOMEM, "out of memory");
	form_errors_release(&errs);
	if (!ret)
		ret = db_begin(r);
	if (ret)
		return ret;
	ret = meetings_find(r, meeting_arg, &meeting, mdate);
	if (!ret)
		ret = cases_find(r, ref, &case_id, status);
	if (ret)
		goto out;
	if (strcmp(mdate, tdate) > 0) {
		ret = reg_fail_field(r, CDOP_ERR_INPUT, "meeting", "meeting %s is on %s, which "
			       "is in the future: a review is recorded at its meeting, "
			       "on or after the meeting date", meeting_arg, mdate);
		goto out;
	}
	/* A review before the death would stop every report of its year (D3). */
	ret = death_not_after(r, case_id, mdate, meeting_arg);
	if (ret)
		goto out;
	on = meetings_has_case(r, meeting, case_id);
	if (on != 1) {
		ret = on < 0 ? on : reg_fail(r, CDOP_ERR_INPUT, "case %s is not on meeting "
					     "%s's agenda; add it first with 'cdop meeting "
					     "add %s %s'", ref, meeting_arg, meeting_arg, ref);
		goto out;
	}
	n = form_normalise(&form_review, review);
	ret = n ? review_text_check(r, n, &allowed) :
		reg_fail(r, CDOP_ERR_NOMEM, "out of memory");
	/* The review before (an amendment): its old values for the trail. */
	if (!ret) {
		db_prepare(r, &q, "SELECT form FROM reviews WHERE case_id = :c");
		db_bind_int(&q, ":c", case_id);
		if (db_step(&q) == DB_ROW)
			before = json_loads(db_column_text(&q, 0), 0, NULL);
		ret = db_finalize(&q);
	}
	if (!ret)
		ret = recs_of(r, case_id, &recs_before);
	if (!ret)
		ret = reviews_store(r, case_id, meeting, mdate, n, amended);
	if (!ret)
		ret = recs_of(r, case_id, &recs_after);
	if (ret)
		goto out;
	reg_now(now);
	db_prepare(r, &q, reviewed);
	db_bind_text(&q, ":now", now);
	db_bind_int(&q, ":c", case_id);
	db_run(&q);
	ret = db_finalize(&q);
	/* Old and new values of the form's fields, learning sealed as free
	 * text (history.c); the meeting and the allowed words beside them. */
	change_log_init(&log);
	if (!ret) {
		json_t *none = before ? NULL : json_object();

		change_form(&log, &form_review, before ? before : none, n);
		json_decref(none);
		change_recs(&log, recs_before, recs_after);
	}
	snprintf(detail, sizeof detail, "meeting %s", meeting_arg);
	change_note(&log, "meeting", detail);
	if (allowed) {
		snprintf(detail, sizeof detail, "%zu identifier word%s in learning or "
			 "recommendations", allowed, allowed == 1 ? "" : "s");
		change_note(&log, "allowed", detail);
	}
	ret = cases_commit_changes(r, ret, *amended ? "review_amend" : "review", ref, &log);
	goto done;
out:
	ret = cases_commit(r, ret, *amended ? "review_amend" : "review", ref, "");
done:
	json_decref(n);
	json_decref(before);
	json_decref(recs_before);
	json_decref(recs_after);
	return ret;
}

int reviews_store_amendment(struct reg *r, int64_t case_id, int64_t meeting_id,
			    const char *meeting_date, const json_t *recs)
{
	static const char sql[] =
		"UPDATE reviews SET meeting_id = :meeting WHERE case_id = :case";
	struct db_stmt q = DB_STMT_INIT;
	int ret = CDOP_OK;

	if (json_array_size(recs))
		ret = store_recommendations(r, case_id, meeting_date, recs, 0);
	if (ret)
		return ret;
	db_prepare(r, &q, sql);
	db_bind_int(&q, ":meeting", meeting_id);
	db_bind_int(&q, ":case", case_id);
	db_run(&q);
	return db_finalize(&q);
}
