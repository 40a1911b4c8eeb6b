/*
 * cdop/stats — the annual report's tables; see stats.h for what is counted
 * and how.
 */
#include "cdop/report/report.h"
#include "cdop/report/report_int.h"
#include "cdop/cases/cases.h"
#include "cdop/store/store.h"
#include "forms/codes.h"
#include "forms/date.h"
#include "forms/groups.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* ---- table shapes --------------------------------------------------------- */

static const char *const modifiable_cols[] = { "yes", "no", "insufficient_information", "total" };
static const char *const modifiable_titles[] = {
	"Modifiable factors", "No modifiable factors", "Insufficient information", "Total",
};
static const char *const age_titles[] = {
	"Under 28 days", "28 days to under 1 year", "1 to 4 years", "5 to 9 years",
	"10 to 14 years", "15 to 17 years",
};
/* Row orders of SPEC §5; they are also the code lists' orders, which the
 * counting relies on (code_list_index). */
static const char *const sex_rows[] = { "male", "female", "indeterminate", "not_known" };
static const char *const sex_titles[] = { "Male", "Female", "Indeterminate", "Not known" };
static const char *const expected_rows[] = { "expected", "unexpected" };
static const char *const ethnicity_titles[] = {
	"White", "Mixed", "Asian or Asian British", "Black or Black British",
	"Other ethnic group", "Not stated",
};
static const char *const expected_titles[] = { "Expected", "Unexpected" };
static const char *const place_titles[] = { "Hospital", "Hospice", "Home", "Other", "Not known" };
static const char *const duration_titles[] = { "Under 6 months", "6 to 12 months",
					       "Over 12 months" };

static void row_add(struct stats_table *t, const char *label, const char *title)
{
	if (t->nrows < STATS_ROWS_MAX) {
		t->row_label[t->nrows] = label;
		t->row_title[t->nrows] = title;
		t->nrows++;
	}
}

static void rows_array(struct stats_table *t, const char *const *labels,
		       const char *const *titles, size_t n)
{
	for (size_t i = 0; i < n; i++)
		row_add(t, labels[i], titles ? titles[i] : labels[i]);
}

static void rows_list(struct stats_table *t, const struct code_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		row_add(t, l->codes[i].code, l->codes[i].label);
}

static void cols(struct stats_table *t, const char *const *labels, const char *const *titles,
		 size_t n)
{
	for (size_t i = 0; i < n && i < STATS_COLS_MAX; i++) {
		t->col_label[i] = labels[i];
		t->col_title[i] = titles[i];
	}
	t->ncols = n < STATS_COLS_MAX ? n : STATS_COLS_MAX;
}

static void one_col(struct stats_table *t, const char *label, const char *title)
{
	t->col_label[0] = label;
	t->col_title[0] = title;
	t->ncols = 1;
}

static struct stats_table *table(struct stats *s, enum stats_table_id id, const char *name,
				 const char *title, const char *note, unsigned flags)
{
	static const char *const heads[STATS_NTABLES] = {
		[STATS_NOTIFICATIONS] = "Death", [STATS_BY_CATEGORY] = "Category of death",
		[STATS_BY_AGE] = "Age at death", [STATS_BY_SEX] = "Sex",
		[STATS_BY_ETHNICITY] = "Ethnic group", [STATS_BY_EXPECTED] = "Death",
		[STATS_BY_PLACE] = "Place of death", [STATS_DURATION] = "Death to review",
		[STATS_OUTSTANDING] = "Time since death", [STATS_JAR] = "Action",
		[STATS_REFERRALS] = "Referral", [STATS_THEMES] = "Theme",
		[STATS_RECOMMENDATIONS] = "Recommendations", [STATS_MEETINGS] = "Meetings",
	};
	struct stats_table *t = &s->tab[id];

	t->row_head = heads[id];
	t->id = name;
	t->title = title;
	t->note = note;
	t->flags = flags;
	t->percent_col = -1;
	return t;
}

/* The reviews_by_* tables: rows by some property, columns by modifiable. */
static void by_modifiable(struct stats *s, enum stats_table_id id, const char *name,
			  const char *title, const char *const *labels,
			  const char *const *titles, size_t n, const struct code_list *list)
{
	struct stats_table *t = table(s, id, name, title,
				      "Reviews completed at panel meetings held in the year.",
				      DC_TOTAL_ROW | DC_TOTAL_COL);

	if (list)
		rows_list(t, list);
	else
		rows_array(t, labels, titles, n);
	row_add(t, "total", "Total");
	cols(t, modifiable_cols, modifiable_titles, NELEM(modifiable_cols));
}

static void define_tables(struct stats *s)
{
	static const char *const notif_cols[] = { "resident", "non_resident", "total" };
	static const char *const notif_titles[] = { "Resident", "Not resident", "Total" };
	static const char *const jar_cols[] = { "unexpected_deaths", "done", "done_within_target" };
	static const char *const jar_titles[] = { "Unexpected deaths", "Done",
						  "Done within target" };
	static const char *const meet_cols[] = { "meetings", "attended", "attendance_percent" };
	static const char *const meet_titles[] = { "Meetings", "Attended", "Attendance (%)" };
	struct stats_table *t;

	t = table(s, STATS_NOTIFICATIONS, "notifications", "Deaths notified",
		  "Deaths notified to the panel in the year (by date notified). A child "
		  "not recorded as living outside the area counts as resident.",
		  DC_TOTAL_ROW | DC_TOTAL_COL);
	rows_array(t, expected_rows, expected_titles, NELEM(expected_rows));
	row_add(t, "total", "Total");
	cols(t, notif_cols, notif_titles, NELEM(notif_cols));

	by_modifiable(s, STATS_BY_CATEGORY, "reviews_by_category",
		      "Reviews by category of death", NULL, NULL, 0, &codes_review_category);
	by_modifiable(s, STATS_BY_AGE, "reviews_by_age", "Reviews by age at death",
		      groups_age_band, age_titles, groups_age_band_n, NULL);
	by_modifiable(s, STATS_BY_SEX, "reviews_by_sex", "Reviews by sex", sex_rows,
		      sex_titles, NELEM(sex_rows), NULL);
	by_modifiable(s, STATS_BY_ETHNICITY, "reviews_by_ethnicity", "Reviews by ethnic group",
		      groups_ethnicity, ethnicity_titles, groups_ethnicity_n, NULL);
	by_modifiable(s, STATS_BY_EXPECTED, "reviews_by_expected",
		      "Reviews by whether the death was expected",
		      expected_rows, expected_titles, NELEM(expected_rows), NULL);
	by_modifiable(s, STATS_BY_PLACE, "reviews_by_place", "Reviews by place of death",
		      groups_place, place_titles, groups_place_n, NULL);

	t = table(s, STATS_DURATION, "review_duration", "Time from death to review",
		  "Reviews completed in the year, by whole calendar months from the death "
		  "to the panel meeting.", DC_TOTAL_ROW);
	rows_array(t, groups_duration_band, duration_titles, groups_duration_band_n);
	row_add(t, "total", "Total");
	one_col(t, "reviews", "Reviews");

	t = table(s, STATS_OUTSTANDING, "outstanding", "Cases awaiting review at the year end",
		  "Cases notified by 31 March and not reviewed at a meeting held by then, "
		  "by time from the death to 31 March. Cases transferred to another panel, "
		  "and cases closed without a review, are not counted.", DC_TOTAL_ROW);
	rows_array(t, groups_duration_band, duration_titles, groups_duration_band_n);
	row_add(t, "total", "Total");
	one_col(t, "cases", "Cases");

	t = table(s, STATS_JAR, "joint_agency_response", "Joint agency response",
		  "Unexpected deaths notified in the year and the joint agency response "
		  "actions recorded as done for them. Within target: done by the target "
		  "time after the death; an action recorded with a date but no time "
		  "counts as done at 23:59 that day.", 0);
	rows_list(t, &codes_rr_action);
	cols(t, jar_cols, jar_titles, NELEM(jar_cols));

	t = table(s, STATS_REFERRALS, "referrals", "Referrals for a safeguarding practice review",
		  "Reviews completed in the year.", DC_TOTAL_ROW);
	row_add(t, "referred_for_review", "Referred for review");
	row_add(t, "not_referred", "Not referred");
	row_add(t, "total", "Total");
	one_col(t, "reviews", "Reviews");

	t = table(s, STATS_THEMES, "themes", "Themes",
		  "Reviews completed in the year that identified each theme; a review "
		  "may have several themes or none.", 0);
	rows_list(t, &codes_theme);
	one_col(t, "reviews", "Reviews");

	t = table(s, STATS_RECOMMENDATIONS, "recommendations", "Recommendations",
		  "Made: at meetings held in the year. Completed: marked done in the "
		  "year. Overdue at the year end: due by 31 March and not done by then.", 0);
	row_add(t, "made", "Made");
	row_add(t, "completed", "Completed");
	row_add(t, "overdue_at_year_end", "Overdue at the year end");
	one_col(t, "count", "Recommendations");

	t = table(s, STATS_MEETINGS, "meetings", "Panel meetings and attendance",
		  "Panel meetings dated in the year. For each agency, the meetings at "
		  "which at least one person attended for it; for meetings held, those "
		  "with any attendance recorded.", 0);
	row_add(t, "held", "Meetings held");
	rows_list(t, &codes_agency);
	cols(t, meet_cols, meet_titles, NELEM(meet_cols));
	t->percent_col = 2;
}

void stats_init(struct stats *s)
{
	memset(s, 0, sizeof *s);
	for (size_t i = 0; i < STATS_NTABLES; i++)
		s->tab[i].t = (struct dc_table)DC_TABLE_INIT;
	define_tables(s);
}

void stats_release(struct stats *s)
{
	for (size_t i = 0; i < STATS_NTABLES; i++)
		dc_table_release(&s->tab[i].t);
}

int stats_table_index(const char *id)
{
	static struct stats shapes;
	static int ready;
	int found = -1;

	if (!ready) {
		stats_init(&shapes);
		ready = 1;
	}
	for (size_t i = 0; id && i < STATS_NTABLES && found < 0; i++)
		if (!strcmp(shapes.tab[i].id, id))
			found = (int)i;
	return found;
}

/* ---- counting --------------------------------------------------------------- */

static int count_cols(const struct stats_table *t)
{
	return (int)t->ncols - (t->percent_col >= 0 ? 1 : 0);
}

static int dc_fail(struct reg *r, const struct stats_table *t, int err)
{
	return reg_fail(r, err == DC_ENOMEM ? CDOP_ERR_NOMEM : CDOP_ERR_INTERNAL,
			"report table %s: %s", t->id, dc_strerror(err));
}

/* The scratch counts become the table; totals are summed from them. */
static int table_finish(struct reg *r, struct stats_table *t)
{
	size_t ncount = (size_t)count_cols(t);
	size_t rows = t->nrows - ((t->flags & DC_TOTAL_ROW) ? 1 : 0);
	size_t cols_in = ncount - ((t->flags & DC_TOTAL_COL) ? 1 : 0);
	int ret = dc_table_init(&t->t, t->nrows, ncount, t->flags);

	for (size_t i = 0; !ret && i < rows; i++)
		for (size_t j = 0; !ret && j < cols_in; j++)
			ret = dc_table_set(&t->t, i, j, t->acc[i][j]);
	if (!ret && t->flags)
		ret = dc_table_totals_fill(&t->t);
	return ret ? dc_fail(r, t, ret) : CDOP_OK;
}

static void bind_year(struct db_stmt *q, const struct stats *s, int with_first)
{
	if (with_first)
		db_bind_text(q, ":first", s->first);
	db_bind_text(q, ":last", s->last);
}

/* The queries on `cases`, their columns named by case_columns (the one
 * list of the columns copied from the notification), made once. */
static struct {
	char notifications[512], notified[256], reviews[512], outstanding[768];
} case_sql;

static const char *col(enum case_column_id i)
{
	return case_columns[i].name;
}

static const char *path(enum case_column_id i)
{
	return case_columns[i].path;
}

static void case_sql_make(void)
{
	if (case_sql.notifications[0])
		return;
	/* A LEFT JOIN keeps the left table in the outer loop, so a case's
	 * action rows come together and a case is counted when its id first
	 * appears. */
	snprintf(case_sql.notifications, sizeof case_sql.notifications,
		 "SELECT c.id, c.ref, c.%s, c.%s, a.action, a.due_at, a.done_on "
		 "FROM cases c LEFT JOIN rr_actions a "
		 "ON a.case_id = c.id AND c.%s = 'unexpected' "
		 "WHERE c.%s BETWEEN :first AND :last",
		 col(CASE_EXPECTED), col(CASE_RESIDENT), col(CASE_EXPECTED),
		 col(CASE_NOTIFIED_DATE));
	/* The same without the actions (a trend's year, stats_compute_trend):
	 * the joint agency response table is not published there. */
	snprintf(case_sql.notified, sizeof case_sql.notified,
		 "SELECT c.id, c.ref, c.%s, c.%s, NULL, NULL, NULL FROM cases c "
		 "WHERE c.%s BETWEEN :first AND :last",
		 col(CASE_EXPECTED), col(CASE_RESIDENT), col(CASE_NOTIFIED_DATE));
	/* The year's reviews by the meeting-date index, each case by its id. */
	snprintf(case_sql.reviews, sizeof case_sql.reviews,
		 "SELECT c.ref, r.category, r.modifiable, r.referred, r.meeting_date, "
		 "c.%s, c.%s, c.%s, c.%s, c.%s, c.%s "
		 "FROM reviews r JOIN cases c ON c.id = r.case_id "
		 "WHERE r.meeting_date BETWEEN :first AND :last",
		 col(CASE_AGE_BAND), col(CASE_DEATH_DATE), col(CASE_SEX),
		 col(CASE_ETHNICITY), col(CASE_EXPECTED), col(CASE_PLACE));
	/* Both parts read only indexes (migration 024): the cases by status
	 * and notified date with their reference and death date
	 * (cases_status), and the reviews' case ids by meeting date
	 * (reviews_meeting_date, built once per part as a list); looking each
	 * case up in `reviews` or `cases` instead read a table page per case. */
	snprintf(case_sql.outstanding, sizeof case_sql.outstanding,
		 "SELECT c.ref, c.%s FROM cases c "
		 "WHERE c.status IN ('notified', 'gathering', 'ready', 'scheduled') "
		 "AND c.%s <= :last AND c.id NOT IN (SELECT r.case_id FROM reviews r "
		 "WHERE r.meeting_date <= :last) "
		 "UNION ALL "
		 "SELECT c.ref, c.%s FROM cases c "
		 "WHERE c.status IN ('reviewed', 'closed') AND c.%s <= :last "
		 "AND c.id IN (SELECT r.case_id FROM reviews r WHERE r.meeting_date > :last)",
		 col(CASE_DEATH_DATE), col(CASE_NOTIFIED_DATE), col(CASE_DEATH_DATE),
		 col(CASE_NOTIFIED_DATE));
}

const char *stats_case_sql(size_t i)
{
	const char *const sql[] = {
		case_sql.notifications, case_sql.notified, case_sql.reviews,
		case_sql.outstanding,
	};

	case_sql_make();
	return i < NELEM(sql) ? sql[i] : NULL;
}

static int uncountable(struct reg *r, const char *ref, const char *field, const char *value)
{
	return reg_fail(r, CDOP_ERR_INTERNAL, "case %s: %s '%s' cannot be counted in the "
			"annual report (not a valid stored value)", ref, field, value);
}

static int index_of(const char *const *labels, size_t n, const char *v)
{
	int found = -1;

	for (size_t i = 0; v && i < n && found < 0; i++)
		if (!strcmp(labels[i], v))
			found = (int)i;
	return found;
}

/* A pass's end: the statement's first error, else the counting's. */
static int pass_end(struct db_stmt *q, int ret)
{
	int rc = db_finalize(q);

	return rc ? rc : ret;
}

/* Notifications of the year and, for the unexpected ones, their joint
 * agency response actions: one pass. */
static int notifications_pass(struct reg *r, struct stats *s)
{
	struct stats_table *n = &s->tab[STATS_NOTIFICATIONS], *j = &s->tab[STATS_JAR];
	struct db_stmt q = DB_STMT_INIT;
	int64_t prev = -1;
	long unexpected = 0;
	int ret = CDOP_OK;

	db_prepare(r, &q, s->trend ? case_sql.notified : case_sql.notifications);
	bind_year(&q, s, 1);
	while (!ret && db_step(&q) == DB_ROW) {
		int64_t id = db_column_int(&q, 0);
		const char *ref = db_column_text(&q, 1);
		int e = code_list_index(&codes_expected, db_column_text(&q, 2)), a;

		if (e < 0) {
			ret = uncountable(r, ref, path(CASE_EXPECTED), db_column_text(&q, 2));
			break;
		}
		if (id != prev) {
			/* resident: NULL (not given) counts as resident */
			int c = !db_column_is_null(&q, 3) && db_column_int(&q, 3) == 0;

			n->acc[e][c]++;
			unexpected += e == 1;
			prev = id;
		}
		if (db_column_is_null(&q, 4))
			continue;
		a = code_list_index(&codes_rr_action, db_column_text(&q, 4));
		if (a < 0) {
			ret = uncountable(r, ref, "rapid_response.action", db_column_text(&q, 4));
			break;
		}
		if (db_column_is_null(&q, 6))
			continue;
		j->acc[a][1]++;
		/* Without a due time nothing says it was in time (D1). */
		if (!db_column_is_null(&q, 5) &&
		    date_done_by(db_column_text(&q, 6), db_column_text(&q, 5)))
			j->acc[a][2]++;
	}
	ret = pass_end(&q, ret);
	for (size_t i = 0; i < j->nrows; i++)
		j->acc[i][0] = unexpected;
	return ret;
}

static int parse_date(struct reg *r, const char *ref, const char *field, const char *v,
		      struct cdate *d)
{
	return date_parse(v, d) ? uncountable(r, ref, field, v) : CDOP_OK;
}

/* One review: its row in every reviews_by_* table, its duration band and
 * its referral. */
static int review_count(struct reg *r, struct stats *s, struct db_stmt *q)
{
	const char *ref = db_column_text(q, 0);
	int64_t cat = db_column_int(q, 1);
	int mod = code_list_index(&codes_modifiable, db_column_text(q, 2));
	int sex = code_list_index(&codes_sex, db_column_text(q, 7));
	int exp = code_list_index(&codes_expected, db_column_text(q, 9));
	const char *eth = db_column_is_null(q, 8) ? NULL : db_column_text(q, 8);
	struct cdate met, dod;
	int age = -1, dur = -1, ethn, place;
	int ret = CDOP_OK;

	if (cat < 1 || cat > (int64_t)codes_review_category.n)
		ret = uncountable(r, ref, "review.category", db_column_text(q, 1));
	else if (mod < 0)
		ret = uncountable(r, ref, "review.modifiable", db_column_text(q, 2));
	else if (sex < 0)
		ret = uncountable(r, ref, path(CASE_SEX), db_column_text(q, 7));
	else if (exp < 0)
		ret = uncountable(r, ref, path(CASE_EXPECTED), db_column_text(q, 9));
	else if (date_parse(db_column_text(q, 4), &met))
		ret = uncountable(r, ref, "meeting date", db_column_text(q, 4));
	else if (date_parse(db_column_text(q, 6), &dod))
		ret = uncountable(r, ref, path(CASE_DEATH_DATE), db_column_text(q, 6));
	if (ret)
		return ret;
	/* Keys by role: the band stored at write time, never the birth date. */
	age = index_of(groups_age_band, groups_age_band_n, db_column_text(q, 5));
	dur = index_of(groups_duration_band, groups_duration_band_n,
		       group_duration_band_of(&dod, &met));
	if (age < 0)
		return uncountable(r, ref, "age at death from child.date_of_birth",
				   db_column_text(q, 5));
	if (dur < 0)
		return uncountable(r, ref, "meeting date (before the death)",
				   db_column_text(q, 4));
	/* Group lookups fall back to not_stated / not_known: never -1. */
	ethn = index_of(groups_ethnicity, groups_ethnicity_n, group_ethnicity_of(eth));
	place = index_of(groups_place, groups_place_n, group_place_of(db_column_text(q, 10)));
	s->tab[STATS_BY_CATEGORY].acc[cat - 1][mod]++;
	s->tab[STATS_BY_AGE].acc[age][mod]++;
	s->tab[STATS_BY_SEX].acc[sex][mod]++;
	s->tab[STATS_BY_ETHNICITY].acc[ethn < 0 ? groups_ethnicity_n - 1 : (size_t)ethn][mod]++;
	s->tab[STATS_BY_EXPECTED].acc[exp][mod]++;
	s->tab[STATS_BY_PLACE].acc[place < 0 ? groups_place_n - 1 : (size_t)place][mod]++;
	s->tab[STATS_DURATION].acc[dur][0]++;
	s->tab[STATS_REFERRALS].acc[db_column_int(q, 3) ? 0 : 1][0]++;
	return CDOP_OK;
}

static int reviews_pass(struct reg *r, struct stats *s)
{
	struct db_stmt q = DB_STMT_INIT;
	int ret = CDOP_OK;

	db_prepare(r, &q, case_sql.reviews);
	bind_year(&q, s, 1);
	while (!ret && db_step(&q) == DB_ROW)
		ret = review_count(r, s, &q);
	return pass_end(&q, ret);
}

/* Reads only the two indexes (meeting date, and the themes' key). */
static int themes_pass(struct reg *r, struct stats *s)
{
	static const char sql[] =
		"SELECT t.theme FROM reviews r JOIN review_themes t ON t.case_id = r.case_id "
		"WHERE r.meeting_date BETWEEN :first AND :last";
	struct stats_table *t = &s->tab[STATS_THEMES];
	struct db_stmt q = DB_STMT_INIT;
	int ret = CDOP_OK;

	db_prepare(r, &q, sql);
	bind_year(&q, s, 1);
	while (!ret && db_step(&q) == DB_ROW) {
		int i = code_list_index(&codes_theme, db_column_text(&q, 0));

		if (i < 0)
			ret = reg_fail(r, CDOP_ERR_INTERNAL, "review theme '%s' cannot be "
				       "counted in the annual report", db_column_text(&q, 0));
		else
			t->acc[i][0]++;
	}
	return pass_end(&q, ret);
}

/*
 * Outstanding at the year end. Statuses are as they are now (no history is
 * kept): a case awaiting review (notified .. scheduled) with no review
 * held by 31 March, or a case reviewed (or closed after review) at a
 * meeting after 31 March. Transferred cases and cases closed without a
 * review are not awaiting this panel's review.
 */
static int outstanding_pass(struct reg *r, struct stats *s)
{
	struct stats_table *t = &s->tab[STATS_OUTSTANDING];
	struct db_stmt q = DB_STMT_INIT;
	struct cdate end, dod;
	int ret = CDOP_OK, band;

	(void)date_parse(s->last, &end);
	db_prepare(r, &q, case_sql.outstanding);
	bind_year(&q, s, 0);
	while (!ret && db_step(&q) == DB_ROW) {
		ret = parse_date(r, db_column_text(&q, 0), path(CASE_DEATH_DATE),
				 db_column_text(&q, 1), &dod);
		if (ret)
			break;
		band = index_of(groups_duration_band, groups_duration_band_n,
				group_duration_band_of(&dod, &end));
		if (band < 0)
			ret = uncountable(r, db_column_text(&q, 0), path(CASE_DEATH_DATE),
					  db_column_text(&q, 1));
		else
			t->acc[band][0]++;
	}
	return pass_end(&q, ret);
}

static int recommendations_pass(struct reg *r, struct stats *s)
{
	static const char sql[] =
		"SELECT count(CASE WHEN made_on BETWEEN :first AND :last THEN 1 END), "
		"count(CASE WHEN substr(done_on, 1, 10) BETWEEN :first AND :last THEN 1 END), "
		"count(CASE WHEN made_on <= :last AND due <= :last AND (done_on IS NULL "
		"OR substr(done_on, 1, 10) > :last) THEN 1 END) FROM recommendations";
	struct stats_table *t = &s->tab[STATS_RECOMMENDATIONS];
	struct db_stmt q = DB_STMT_INIT;

	db_prepare(r, &q, sql);
	bind_year(&q, s, 1);
	if (db_step(&q) == DB_ROW)
		for (int i = 0; i < 3; i++)
			t->acc[i][0] = (long)db_column_int(&q, i);
	return db_finalize(&q);
}

/* Agencies seen at one meeting, as bits in code-list order. */
static void meeting_flush(struct stats_table *t, uint32_t seen)
{
	t->acc[0][0]++;
	if (seen)
		t->acc[0][1]++;
	for (size_t i = 0; i < codes_agency.n; i++) {
		t->acc[i + 1][0]++;
		if (seen & (UINT32_C(1) << i))
			t->acc[i + 1][1]++;
	}
}

static int meetings_pass(struct reg *r, struct stats *s)
{
	static const char sql[] =
		"SELECT m.id, a.agency FROM meetings m "
		"LEFT JOIN attendance a ON a.meeting_id = m.id "
		"WHERE m.date BETWEEN :first AND :last";
	struct stats_table *t = &s->tab[STATS_MEETINGS];
	struct db_stmt q = DB_STMT_INIT;
	int64_t prev = -1;
	uint32_t seen = 0;
	int ret = CDOP_OK;

	db_prepare(r, &q, sql);
	bind_year(&q, s, 1);
	while (!ret && db_step(&q) == DB_ROW) {
		int64_t id = db_column_int(&q, 0);
		int a;

		if (id != prev && prev >= 0)
			meeting_flush(t, seen);
		if (id != prev)
			seen = 0;
		prev = id;
		if (db_column_is_null(&q, 1))
			continue;
		a = code_list_index(&codes_agency, db_column_text(&q, 1));
		if (a < 0 || a >= 32)
			ret = reg_fail(r, CDOP_ERR_INTERNAL, "meeting %lld: attendance agency "
				       "'%s' cannot be counted in the annual report",
				       (long long)id, db_column_text(&q, 1));
		else
			seen |= UINT32_C(1) << a;
	}
	ret = pass_end(&q, ret);
	if (!ret && prev >= 0)
		meeting_flush(t, seen);
	return ret;
}

/*
 * An interim report's tables whose titles speak of the year end: they are
 * counted as at today instead, and say so, so that no figure reads as the
 * year's final one. The SPEC labels (overdue_at_year_end) stay for
 * machines; the JSON says "interim" and the date counted to.
 */
static void interim_titles(struct stats *s)
{
	struct stats_table *o = &s->tab[STATS_OUTSTANDING];
	struct stats_table *rec = &s->tab[STATS_RECOMMENDATIONS];

	o->title = "Cases awaiting review so far (interim)";
	o->note = "Interim: cases notified by the date this report counts to and not "
		  "reviewed at a meeting held by then, by time from the death to that "
		  "date. Cases transferred to another panel, and cases closed without a "
		  "review, are not counted. Not the year-end figure.";
	rec->note = "Interim: made at meetings held in the year so far; completed so "
		    "far; overdue so far: due by the date this report counts to and not "
		    "done by then. Not the year-end figures.";
	rec->row_title[2] = "Overdue so far";
	s->tab[STATS_MEETINGS].note = "Interim: panel meetings held in the year so far "
		"(a meeting dated after the date this report counts to is not counted). "
		"For each agency, the meetings at which at least one person attended "
		"for it; for meetings held, those with any attendance recorded.";
}

static int compute(struct reg *r, int year, int trend, struct stats *s)
{
	static int (*const passes[])(struct reg *, struct stats *) = {
		notifications_pass, reviews_pass, themes_pass, outstanding_pass,
		recommendations_pass, meetings_pass, stats_tables_make,
	};
	/* A trend's year: the notifications (without their actions) and the
	 * reviews, the only tables year_from reads. */
	static int (*const trend_passes[])(struct reg *, struct stats *) = {
		notifications_pass, reviews_pass, stats_tables_make,
	};
	struct cdate first, last, today;
	char today_text[11];
	int ret;

	stats_release(s);
	stats_init(s);
	s->year = year;
	s->trend = trend;
	date_report_year_bounds(year, &first, &last);
	date_format(&first, s->first);
	date_format(&last, s->last);
	date_format(&last, s->year_end);
	date_report_year_format(year, s->year_text);
	ret = reg_today_date(r, &today, today_text);
	if (ret)
		return ret;
	if (strcmp(today_text, s->last) <= 0) {
		/* In-year (D5): count what has happened by today, and say so. */
		s->interim = 1;
		memcpy(s->last, today_text, sizeof s->last);
		interim_titles(s);
	}
	case_sql_make();
	ret = CDOP_OK;
	for (size_t i = 0; !ret && i < (trend ? NELEM(trend_passes) : NELEM(passes)); i++)
		ret = (trend ? trend_passes[i] : passes[i])(r, s);
	return ret;
}

int stats_compute(struct reg *r, int year, struct stats *s)
{
	return compute(r, year, 0, s);
}

int stats_compute_trend(struct reg *r, int year, enum dc_method m, struct stats *s)
{
	/* DfE rules link cells across every table: all are counted. */
	return compute(r, year, m != DC_METHOD_DFE, s);
}

int stats_tables_make(struct reg *r, struct stats *s)
{
	int ret = CDOP_OK;

	for (size_t i = 0; !ret && i < STATS_NTABLES; i++) {
		dc_table_release(&s->tab[i].t);
		ret = table_finish(r, &s->tab[i]);
	}
	return ret;
}

/* ---- disclosure control ----------------------------------------------------- */

/* Cells in different tables that publish the same number. */
struct link {
	size_t n;
	struct {
		int tab;
		size_t r, c;
	} m[STATS_NTABLES + STATS_ROWS_MAX];
};

static void link_add(struct link *l, int tab, size_t r, size_t c)
{
	if (l->n < NELEM(l->m)) {
		l->m[l->n].tab = tab;
		l->m[l->n].r = r;
		l->m[l->n].c = c;
		l->n++;
	}
}

/* The modifiable totals (yes, no, insufficient, grand) of the reviews_by_*
 * tables; the grand total also in review_duration and referrals; the
 * unexpected deaths of notifications and every joint_agency_response row. */
static size_t links_make(const struct stats *s, struct link *links)
{
	size_t n = 0;

	for (size_t k = 0; k < NELEM(modifiable_cols); k++, n++) {
		links[n].n = 0;
		for (int t = STATS_BY_CATEGORY; t <= STATS_BY_PLACE; t++)
			link_add(&links[n], t, s->tab[t].nrows - 1, k);
		if (k == NELEM(modifiable_cols) - 1) {
			link_add(&links[n], STATS_DURATION, s->tab[STATS_DURATION].nrows - 1, 0);
			link_add(&links[n], STATS_REFERRALS, s->tab[STATS_REFERRALS].nrows - 1, 0);
		}
	}
	links[n].n = 0;
	link_add(&links[n], STATS_NOTIFICATIONS, 1, 2);
	for (size_t i = 0; i < s->tab[STATS_JAR].nrows; i++)
		link_add(&links[n], STATS_JAR, i, 0);
	return n + 1;
}

static int dfe_all(struct reg *r, struct stats *s, const int *dirty)
{
	int ret = CDOP_OK;

	for (size_t i = 0; !ret && i < STATS_NTABLES; i++)
		if (dirty[i] && (ret = dc_apply_dfe(&s->tab[i].t)) != DC_OK)
			ret = dc_fail(r, &s->tab[i], ret);
	return ret;
}

/*
 * Apply DfE to every table; withhold in every table each shared number that
 * one table withholds (dc_cell_force); protect the tables that changed
 * again; until nothing changes. Forced cells only ever grow, so it ends.
 */
static int disclose_dfe(struct reg *r, struct stats *s)
{
	struct link links[NELEM(modifiable_cols) + 1];
	int dirty[STATS_NTABLES], changed, ret;
	size_t nl = links_make(s, links);

	for (size_t i = 0; i < STATS_NTABLES; i++)
		dirty[i] = 1;
	ret = dfe_all(r, s, dirty);
	do {
		changed = 0;
		memset(dirty, 0, sizeof dirty);
		for (size_t l = 0; !ret && l < nl; l++) {
			int any = 0;

			for (size_t k = 0; k < links[l].n; k++)
				any |= dc_cell_is_suppressed(&s->tab[links[l].m[k].tab].t,
							     links[l].m[k].r, links[l].m[k].c) == 1;
			for (size_t k = 0; any && k < links[l].n; k++) {
				struct dc_table *t = &s->tab[links[l].m[k].tab].t;
				size_t at = links[l].m[k].r * t->cols + links[l].m[k].c;

				if (t->forced[at] || t->count[at] == 0)
					continue;
				ret = dc_cell_force(t, links[l].m[k].r, links[l].m[k].c);
				if (ret) {
					ret = dc_fail(r, &s->tab[links[l].m[k].tab], ret);
					break;
				}
				dirty[links[l].m[k].tab] = 1;
				changed = 1;
			}
		}
		if (!ret && changed)
			ret = dfe_all(r, s, dirty);
	} while (!ret && changed);
	return ret;
}

int stats_disclose(struct reg *r, struct stats *s, enum dc_method m)
{
	int ret = CDOP_OK;

	if (m == DC_METHOD_DFE) {
		ret = disclose_dfe(r, s);
	} else if (m == DC_METHOD_NHS) {
		for (size_t i = 0; !ret && i < STATS_NTABLES; i++)
			if ((ret = dc_apply_nhs(&s->tab[i].t)) != DC_OK)
				ret = dc_fail(r, &s->tab[i], ret);
	}
	if (!ret)
		s->method = m;
	return ret;
}

/* ---- published cells ------------------------------------------------------ */

int stats_cell_get(const struct stats *s, size_t tab, size_t row, size_t col,
		   struct stats_cell *out)
{
	const struct stats_table *t;
	char *dot;
	int ret;

	memset(out, 0, sizeof *out);
	if (tab >= STATS_NTABLES || row >= s->tab[tab].nrows || col >= s->tab[tab].ncols) {
		ret = DC_ERANGE;
		goto out;
	}
	t = &s->tab[tab];
	if ((int)col != t->percent_col) {
		ret = dc_cell_text(&t->t, row, col, out->text, sizeof out->text);
		if (!ret && dc_cell_is_suppressed(&t->t, row, col) == 1)
			out->kind = STATS_CELL_SUPPRESSED;
		else if (!ret)
			out->value = strtol(out->text, NULL, 10);
		goto out;
	}
	/* attended over meetings, from the published values */
	ret = dc_percent_text(&t->t, row, col - 1, row, 0, out->text, sizeof out->text);
	if (ret)
		goto out;
	if (!strcmp(out->text, "-")) {
		out->kind = STATS_CELL_NONE;
	} else if (out->text[0] < '0' || out->text[0] > '9') {
		out->kind = STATS_CELL_SUPPRESSED;
	} else {
		out->kind = STATS_CELL_PERCENT;
		out->value = strtol(out->text, &dot, 10) * 10;
		if (*dot == '.')
			out->value += strtol(dot + 1, NULL, 10);
	}
out:
	return ret;
}
