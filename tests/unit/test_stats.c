/*
 * cdop/stats: the annual report's tables against a golden data set whose
 * every cell was worked out by hand (the working is beside each table),
 * for the board edition and after DfE and NHS disclosure control; totals
 * that must agree across tables; and the cross-table withholding of
 * shared numbers under DfE.
 *
 * The data set is tests/fixtures/report/golden.jsonl (written by
 * golden.py there: read it for each case's details), imported into a
 * fresh register, plus attendance and one meeting without reviews:
 *
 *   meeting  date        year     reviews              attendance (agencies)
 *   M1       2025-03-12  2024-25  P1 P2                police, coroner
 *   M2       2025-07-09  2025-26  P3 P4 C1 C2 C3       police x2, gp, childrens_social_care,
 *                                                      public_health
 *   M3       2026-01-21  2025-26  C4 C5 C6 C7          police, hospital, public_health,
 *                                                      education
 *   M4       2026-04-15  2026-27  C8                   coroner
 *   M5       2026-03-04  2025-26  (none)               (none)
 *
 * Cases (case: notified, death, sex, ethnicity, place, expected, resident,
 * status or review):
 *   P1 2024-06-01 2024-05-30 m A home       unexp  res   M1 cat 3 yes
 *   P2 2024-08-10 2024-08-09 f B hosp_ward  exp    res   M1 cat 5 no
 *   P3 2025-03-20 2025-03-15 m A neonatal   exp    res   M2 cat 8 no   born 2025-03-01
 *   P4 2024-05-20 2024-05-18 f M public_pl  unexp  res   M2 cat 3 yes  born 2010-06-30, referred
 *   P5 2025-02-12 2025-02-10 m C abroad     unexp  res   gathering (never reviewed)
 *   C1 2025-04-01 2025-03-30 m - home       unexp  res   M2 cat 10 yes born 2021-02-14
 *   C2 2025-05-02 2025-04-28 f H hosp_ed    unexp  non   M2 cat 2 yes  born 2009-01-10, referred
 *   C3 2025-06-10 2025-06-08 m D hospice    exp    res   M2 cat 4 no   born 2018-09-09
 *   C4 2025-07-15 2025-07-14 f A home       unexp  (none) M3 cat 10 ins born 2025-05-01
 *   C5 2025-09-03 2025-09-01 m R icu        exp    res   M3 cat 6 no   born 2012-12-12
 *   C6 2025-11-05 2025-11-04 nk Z hosp_ward exp    res   M3 cat 7 no   born 2022-07-07
 *   C7 2025-12-20 2025-12-18 f A neonatal   exp    res   M3 cat 8 no   born 2025-12-10
 *   C8 2025-12-03 2025-12-01 f E home       unexp  res   M4 cat 1 yes (after the year end)
 *   C9 2025-08-22 2025-08-20 m K school     unexp  non   ready
 *   C10 2026-01-05 2026-01-03 f N other_res exp    non   transferred
 *   C11 2026-03-31 2026-03-29 m A not_known exp    res   closed (without review)
 *   C12 2026-04-10 2026-04-08 m A home      unexp  res   (next year)
 *   C13 2026-02-02 2026-01-30 f J hosp_ed   exp    res   scheduled
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "cdop/store/store.h"
#include "cdop/panel/panel.h"
#include "cdop/report/report.h"
#include "crypto/error.h"
#include "crypto/secure.h"
#include "support.h"

#define TODAY "2026-05-20"

static char *g_dir, *g_path;

static int group_setup(void **state)
{
	struct import_opts io;
	struct import_result res;
	struct reg r;
	char err[REG_ERR_MAX];
	int64_t m;
	static const struct {
		int64_t meeting;
		const char *agency;
	} attend[] = {
		{ 1, "police" }, { 1, "coroner" },
		{ 2, "police" }, { 2, "police" }, { 2, "gp" }, { 2, "childrens_social_care" },
		{ 2, "public_health" },
		{ 3, "police" }, { 3, "hospital" }, { 3, "public_health" }, { 3, "education" },
		{ 4, "coroner" },
	};
	int ret;

	(void)state;
	if (crypto_init() != CRYPTO_OK)
		return -1;
	g_dir = t_mkdtemp();
	g_path = t_path(g_dir, T_REG_NAME);
	ret = t_reg_create(g_path, T_ADMIN, T_PASS, NULL, err, sizeof err);
	if (!ret)
		ret = t_reg_open_manager(&r, g_path);
	if (ret)
		return -1;
	r.ss.today = TODAY;
	memset(&io, 0, sizeof io);
	ret = import_file(&r, CDOP_FIXTURES "/report/golden.jsonl", &io, &res);
	/* Meetings 1-4 came with the import, in date order of first use. */
	if (!ret)
		ret = meetings_new(&r, "2026-03-04", NULL, &m);
	for (size_t i = 0; !ret && i < sizeof attend / sizeof attend[0]; i++) {
		char name[32]; /* one name each: the same person twice is refused */

		snprintf(name, sizeof name, "Officer Lanchester %zu", i + 1);
		ret = meetings_attend(&r, attend[i].meeting, name, attend[i].agency, NULL);
	}
	if (ret)
		fprintf(stderr, "golden set-up: %s\n", r.e.msg);
	if (!ret)
		ret = reg_close(&r);
	reg_release(&r);
	return ret ? -1 : 0;
}

static int group_teardown(void **state)
{
	(void)state;
	t_rmtree(g_dir);
	free(g_dir);
	free(g_path);
	return 0;
}

/* Stats for a year, with a disclosure method applied. */
static void compute(struct stats *s, int year, enum dc_method m)
{
	struct reg r;

	assert_int_equal(t_reg_open(&r, g_path, T_REG_MANAGER, T_PASS), 0);
	r.ss.today = TODAY;
	stats_init(s);
	if (stats_compute(&r, year, s) || stats_disclose(&r, s, m))
		fail_msg("stats: %s", r.e.msg);
	reg_release(&r);
}

/* Each expected row is "label: cell cell ...", cells as published. */
static void check_table(const struct stats *s, enum stats_table_id tab,
			const char *const *rows, size_t n)
{
	const struct stats_table *t = &s->tab[tab];
	char got[256];

	assert_int_equal(t->nrows, n);
	for (size_t r = 0; r < n; r++) {
		size_t o = (size_t)snprintf(got, sizeof got, "%s:", t->row_label[r]);

		for (size_t c = 0; c < t->ncols; c++) {
			struct stats_cell cell;

			assert_int_equal(stats_cell_get(s, tab, r, c, &cell), 0);
			o += (size_t)snprintf(got + o, sizeof got - o, " %s", cell.text);
		}
		if (strcmp(got, rows[r]))
			fail_msg("table %s row %zu: got '%s', want '%s'", t->id, r, got, rows[r]);
	}
}

#define CHECK(s, tab, rows) check_table(s, tab, rows, sizeof rows / sizeof rows[0])

/* ---- board: exact counts ------------------------------------------------- */

/*
 * notifications (notified 2025-04-01 .. 2026-03-31): C1-C11 and C13 = 12.
 *   expected:   C3 C5 C6 C7 C11 C13 resident (6); C10 non-resident (1)
 *   unexpected: C1 C4 C8 resident (3; C4 has no resident field: resident);
 *               C2 C9 non-resident (2)
 *   P1-P5 were notified in 2024-25, C12 on 2026-04-10: not counted.
 */
static const char *const board_notifications[] = {
	"expected: 6 1 7",
	"unexpected: 3 2 5",
	"total: 9 3 12",
};

/*
 * Reviews in the year (meeting 2025-04-01 .. 2026-03-31): M2 (P3 P4 C1 C2
 * C3) and M3 (C4 C5 C6 C7) = 9. P1 P2 (M1, 2024-25) and C8 (M4, 2026-27)
 * are out. Modifiable: yes P4 C1 C2 (3); no P3 C3 C5 C6 C7 (5);
 * insufficient C4 (1).
 *   cat 2: C2 yes. cat 3: P4 yes. cat 4: C3 no. cat 6: C5 no. cat 7: C6 no.
 *   cat 8: P3 no, C7 no. cat 10: C1 yes, C4 insufficient.
 */
static const char *const board_category[] = {
	"1: 0 0 0 0", "2: 1 0 0 1", "3: 1 0 0 1", "4: 0 1 0 1", "5: 0 0 0 0",
	"6: 0 1 0 1", "7: 0 1 0 1", "8: 0 2 0 2", "9: 0 0 0 0", "10: 1 0 1 2",
	"total: 3 5 1 9",
};

/*
 * Age at death, completed days/years:
 *   P3 born 2025-03-01 died 2025-03-15: 14 days -> 0-27d (no)
 *   C7 born 2025-12-10 died 2025-12-18: 8 days -> 0-27d (no)
 *   C4 born 2025-05-01 died 2025-07-14: 74 days -> 28-364d (insufficient)
 *   C1 born 2021-02-14 died 2025-03-30: 4 years -> 1-4 (yes)
 *   C6 born 2022-07-07 died 2025-11-04: 3 years -> 1-4 (no)
 *   C3 born 2018-09-09 died 2025-06-08: 6 years (birthday not reached) -> 5-9 (no)
 *   P4 born 2010-06-30 died 2024-05-18: 13 years (birthday not reached) -> 10-14 (yes)
 *   C5 born 2012-12-12 died 2025-09-01: 12 years -> 10-14 (no)
 *   C2 born 2009-01-10 died 2025-04-28: 16 years -> 15-17 (yes)
 */
static const char *const board_age[] = {
	"0-27d: 0 2 0 2", "28-364d: 0 0 1 1", "1-4: 1 1 0 2", "5-9: 0 1 0 1",
	"10-14: 1 1 0 2", "15-17: 1 0 0 1", "total: 3 5 1 9",
};

/* male: P3 no, C1 yes, C3 no, C5 no. female: P4 yes, C2 yes, C4 ins, C7 no.
 * not_known: C6 no. */
static const char *const board_sex[] = {
	"male: 1 3 0 4", "female: 2 1 1 4", "indeterminate: 0 0 0 0", "not_known: 0 1 0 1",
	"total: 3 5 1 9",
};

/* white (A-C): P3 no, C4 ins, C7 no. mixed (D-G): C3 no. asian (H-L): C2 yes.
 * black (M-P): P4 yes. other (R-S): C5 no. not_stated: C1 yes (no code),
 * C6 no (Z). */
static const char *const board_ethnicity[] = {
	"white: 0 2 1 3", "mixed: 0 1 0 1", "asian: 1 0 0 1", "black: 1 0 0 1",
	"other: 0 1 0 1", "not_stated: 1 1 0 2", "total: 3 5 1 9",
};

/* expected: P3 C3 C5 C6 C7, all no. unexpected: P4 C1 C2 yes, C4 ins. */
static const char *const board_expected[] = {
	"expected: 0 5 0 5", "unexpected: 3 0 1 4", "total: 3 5 1 9",
};

/* hospital: P3 (neonatal) no, C2 (ED) yes, C5 (ICU) no, C6 (ward) no, C7
 * (neonatal) no. hospice: C3 no. home: C1 yes, C4 ins. other: P4 (public
 * place) yes. */
static const char *const board_place[] = {
	"hospital: 1 4 0 5", "hospice: 0 1 0 1", "home: 1 0 1 2", "other: 1 0 0 1",
	"not_known: 0 0 0 0", "total: 3 5 1 9",
};

/*
 * Whole calendar months from death to meeting:
 *   P3 2025-03-15 -> 2025-07-09: 3   C1 2025-03-30 -> 2025-07-09: 3
 *   C2 2025-04-28 -> 2025-07-09: 2   C3 2025-06-08 -> 2025-07-09: 1
 *   C5 2025-09-01 -> 2026-01-21: 4   C6 2025-11-04 -> 2026-01-21: 2
 *   C7 2025-12-18 -> 2026-01-21: 1            -> under_6_months: 7
 *   C4 2025-07-14 -> 2026-01-21: 6            -> 6_to_12_months: 1
 *   P4 2024-05-18 -> 2025-07-09: 13           -> over_12_months: 1
 */
static const char *const board_duration[] = {
	"under_6_months: 7", "6_to_12_months: 1", "over_12_months: 1", "total: 9",
};

/*
 * Outstanding at 31 March 2026: notified by then, no review held by then.
 *   P5 gathering, died 2025-02-10: 13 months -> over_12_months
 *   C9 ready, died 2025-08-20: 7 months -> 6_to_12_months
 *   C13 scheduled, died 2026-01-30: 2 months -> under_6_months
 *   C8 reviewed at M4 (2026-04-15, after the year end), died 2025-12-01:
 *      3 months -> under_6_months
 *   Not counted: C10 (transferred), C11 (closed without review), C12
 *   (notified 2026-04-10), every case reviewed at M1-M3.
 */
static const char *const board_outstanding[] = {
	"under_6_months: 2", "6_to_12_months: 1", "over_12_months: 1", "total: 4",
};

/*
 * Unexpected deaths notified in the year: C1 C2 C4 C8 C9 = 5 in every row.
 * Due = death (its time, or 00:00) + target; a date-only "on" counts as
 * 23:59 that day.
 *   information_sharing_meeting (72h): C1 due 04-02T06:00, on 04-01 (23:59) in;
 *     C2 due 05-01T00:00, on 05-01T00:00 in (equal); C4 due 07-17T22:30,
 *     on 07-17 (23:59) late                                  -> 3 done, 2 in
 *   home_visit (24h): C1 due 03-31T06:00 on 03-31 late; C2 due 04-29T00:00
 *     on 04-29 late; C4 due 07-15T22:30 on 07-15 late; C8 due 12-02T12:00
 *     on 12-02T11:00 in                                      -> 4 done, 1 in
 *   police_informed (24h): C1 03-30T09:00 in; C2 04-28T15:00 in; C4
 *     07-14T23:00 in; C8 12-01T13:00 in; C9 due 08-21T16:00 on
 *     08-21T17:00 late                                       -> 5 done, 4 in
 *   coroner_informed (24h): C1, C2 (04-28 = 23:59 <= 04-29T00:00), C4, C8,
 *     C9 (08-20 23:59 <= 08-21T16:00) all in                 -> 5 done, 5 in
 *   key_worker_assigned (48h): C1 due 04-01T06:00 on 04-03 late; C4 due
 *     07-16T22:30 on 07-16T10:00 in                          -> 2 done, 1 in
 *   bereavement_support_offered (7d): C1 04-04 in; C4 07-20 in (C3's is an
 *     expected death: not counted)                           -> 2 done, 2 in
 *   child_death_review_meeting (12w): C2 due 07-21, on 07-10 in -> 1, 1
 *   P1 (2024-25) and C12 (2026-27) actions are out of the year.
 */
static const char *const board_jar[] = {
	"information_sharing_meeting: 5 3 2", "home_visit: 5 4 1", "police_informed: 5 5 4",
	"coroner_informed: 5 5 5", "key_worker_assigned: 5 2 1",
	"bereavement_support_offered: 5 2 2", "child_death_review_meeting: 5 1 1",
};

/* referred: P4, C2. */
static const char *const board_referrals[] = {
	"referred_for_review: 2", "not_referred: 7", "total: 9",
};

/* P3 prematurity; P4 road_safety; C1 safe_sleeping smoking; C2
 * suicide_self_harm mental_health; C4 safe_sleeping; C5 transitions_of_care;
 * C7 prematurity consanguinity. (P1 water_safety and C8 neglect: other years.) */
static const char *const board_themes[] = {
	"safe_sleeping: 2", "smoking: 1", "alcohol_drugs: 0", "road_safety: 1",
	"water_safety: 0", "fire_burns: 0", "suicide_self_harm: 1", "domestic_abuse: 0",
	"neglect: 0", "mental_health: 1", "transitions_of_care: 1", "access_to_services: 0",
	"prematurity: 2", "consanguinity: 1", "other: 0",
};

/*
 * made in the year: P4 (M2) 1, C1 (M2) 1, C2 (M2) 2, C4 (M3) 1 = 5.
 * completed in the year: P1's lifeguard audit 2025-06-15, P4's 2026-02-01,
 *   C4's 2026-03-01 = 3 (C2's second, 2026-04-20, is after the year end).
 * overdue at 31 March 2026 (due by then, not done by then): P1's fencing
 *   (due 2025-09-30, never done), C2's transition lead (due 2026-03-31),
 *   C2's waiting list review (due 2025-10-31, done 2026-04-20) = 3.
 *   Not overdue: C1's (due 2026-06-30), C4's (done on its due day).
 */
static const char *const board_recommendations[] = {
	"made: 5", "completed: 3", "overdue_at_year_end: 3",
};

/*
 * Meetings dated in the year: M2, M3, M5 = 3. With attendance: M2, M3 = 2
 * (66.7%). Per agency, meetings with at least one attendee: police M2 M3
 * (2; two at M2 count once), public_health M2 M3 (2), gp M2, childrens_
 * social_care M2, hospital M3, education M3 (1 each: 33.3%); coroner only
 * at M1 and M4 (0). Percent: tenths = (1000 * attended + 1) / 3.
 */
static const char *const board_meetings[] = {
	"held: 3 2 66.7", "gp: 3 1 33.3", "health_visiting: 3 0 0.0", "midwifery: 3 0 0.0",
	"hospital: 3 1 33.3", "ambulance: 3 0 0.0", "police: 3 2 66.7",
	"childrens_social_care: 3 1 33.3", "education: 3 1 33.3", "mental_health: 3 0 0.0",
	"coroner: 3 0 0.0", "public_health: 3 2 66.7", "other: 3 0 0.0",
};

static void test_board(void **state)
{
	struct stats s;

	(void)state;
	compute(&s, 2025, DC_METHOD_NONE);
	assert_string_equal(s.year_text, "2025-26");
	CHECK(&s, STATS_NOTIFICATIONS, board_notifications);
	CHECK(&s, STATS_BY_CATEGORY, board_category);
	CHECK(&s, STATS_BY_AGE, board_age);
	CHECK(&s, STATS_BY_SEX, board_sex);
	CHECK(&s, STATS_BY_ETHNICITY, board_ethnicity);
	CHECK(&s, STATS_BY_EXPECTED, board_expected);
	CHECK(&s, STATS_BY_PLACE, board_place);
	CHECK(&s, STATS_DURATION, board_duration);
	CHECK(&s, STATS_OUTSTANDING, board_outstanding);
	CHECK(&s, STATS_JAR, board_jar);
	CHECK(&s, STATS_REFERRALS, board_referrals);
	CHECK(&s, STATS_THEMES, board_themes);
	CHECK(&s, STATS_RECOMMENDATIONS, board_recommendations);
	CHECK(&s, STATS_MEETINGS, board_meetings);
	stats_release(&s);
}

/* ---- public, DfE ---------------------------------------------------------- */

/*
 * notifications: primary 1-5: (exp,non)=1, (unexp,res)=3, (unexp,non)=2,
 * (unexp,tot)=5, (tot,non)=3. Line rule, rows then columns:
 *   row expected has one x (1): withhold its smallest interior shown cell,
 *     6 (exp,res);
 *   total row has one x (3): all its cells are totals; smallest shown 9
 *     (tot,res);
 *   total column has one x (5): smallest shown non-grand... both 7 and 12
 *     are totals, smaller is 7 (exp,tot).
 * Pass 2: every line has 0 or >= 2 withheld and none is all-ones; the
 * withheld cells (all but the grand total) form cycles: done. Only 12 shows.
 * unexpected total (5) is withheld, so every joint_agency_response
 * unexpected_deaths cell is forced (already primary: 5).
 */
static const char *const dfe_notifications[] = {
	"expected: x x x", "unexpected: x x x", "total: x x 12",
};

/*
 * reviews_by_*: every interior count and the modifiable totals (3, 5, 1)
 * are 1-5: primary. Zeros stay 0. The grand total 9 is the only other
 * number. No line is exposed: every row and column with a withheld cell
 * has its total withheld too (k >= 2), or (total row, total column) the
 * shown 9 with withheld cells summing to 9, not to their count (3 and 6/7
 * cells). No bridge: e.g. in reviews_by_category rows 2 and 3 (yes, total)
 * make a cycle, rows 4, 6, 7, 8 (no, total) another, row 10 joins yes,
 * insufficient and total, and the total row joins yes, no, insufficient.
 * The shared cells agree in every table (3, 5, 1 withheld; 9 shown), so
 * forcing changes nothing.
 */
static const char *const dfe_category[] = {
	"1: 0 0 0 0", "2: x 0 0 x", "3: x 0 0 x", "4: 0 x 0 x", "5: 0 0 0 0",
	"6: 0 x 0 x", "7: 0 x 0 x", "8: 0 x 0 x", "9: 0 0 0 0", "10: x 0 x x",
	"total: x x x 9",
};
static const char *const dfe_age[] = {
	"0-27d: 0 x 0 x", "28-364d: 0 0 x x", "1-4: x x 0 x", "5-9: 0 x 0 x",
	"10-14: x x 0 x", "15-17: x 0 0 x", "total: x x x 9",
};
static const char *const dfe_sex[] = {
	"male: x x 0 x", "female: x x x x", "indeterminate: 0 0 0 0", "not_known: 0 x 0 x",
	"total: x x x 9",
};
static const char *const dfe_ethnicity[] = {
	"white: 0 x x x", "mixed: 0 x 0 x", "asian: x 0 0 x", "black: x 0 0 x",
	"other: 0 x 0 x", "not_stated: x x 0 x", "total: x x x 9",
};
/* (expected,no) = (expected,total) = (total,no) and (unexpected,yes) =
 * (total,yes) etc.: three unknowns, one equation (they add up to 9). */
static const char *const dfe_expected[] = {
	"expected: 0 x 0 x", "unexpected: x 0 x x", "total: x x x 9",
};
static const char *const dfe_place[] = {
	"hospital: x x 0 x", "hospice: 0 x 0 x", "home: x 0 x x", "other: x 0 0 x",
	"not_known: 0 0 0 0", "total: x x x 9",
};

/* One column with a total: 7, x(1), x(1), 9. The two x cells add up to 2,
 * their count: each must be 1, so the line is exposed; withhold 7 (the
 * interior cell before the total). Then x x x | 9: safe. */
static const char *const dfe_duration[] = {
	"under_6_months: x", "6_to_12_months: x", "over_12_months: x", "total: 9",
};
/* 2, 1, 1 | 4: all 1-5. */
static const char *const dfe_outstanding[] = {
	"under_6_months: x", "6_to_12_months: x", "over_12_months: x", "total: x",
};
/* No totals, so only primary: every cell is 1-5. */
static const char *const dfe_jar[] = {
	"information_sharing_meeting: x x x", "home_visit: x x x", "police_informed: x x x",
	"coroner_informed: x x x", "key_worker_assigned: x x x",
	"bereavement_support_offered: x x x", "child_death_review_meeting: x x x",
};
/* x(2), 7 | 9: one x in the line; withhold 7. */
static const char *const dfe_referrals[] = {
	"referred_for_review: x", "not_referred: x", "total: 9",
};
static const char *const dfe_themes[] = {
	"safe_sleeping: x", "smoking: x", "alcohol_drugs: 0", "road_safety: x",
	"water_safety: 0", "fire_burns: 0", "suicide_self_harm: x", "domestic_abuse: 0",
	"neglect: 0", "mental_health: x", "transitions_of_care: x", "access_to_services: 0",
	"prematurity: x", "consanguinity: x", "other: 0",
};
static const char *const dfe_recommendations[] = {
	"made: x", "completed: x", "overdue_at_year_end: x",
};
/* meetings 3 and attended 1 or 2 are withheld, 0 shown; a percentage
 * from a withheld count is withheld. */
static const char *const dfe_meetings[] = {
	"held: x x x", "gp: x x x", "health_visiting: x 0 x", "midwifery: x 0 x",
	"hospital: x x x", "ambulance: x 0 x", "police: x x x", "childrens_social_care: x x x",
	"education: x x x", "mental_health: x 0 x", "coroner: x 0 x", "public_health: x x x",
	"other: x 0 x",
};

static void test_public_dfe(void **state)
{
	struct stats s;

	(void)state;
	compute(&s, 2025, DC_METHOD_DFE);
	CHECK(&s, STATS_NOTIFICATIONS, dfe_notifications);
	CHECK(&s, STATS_BY_CATEGORY, dfe_category);
	CHECK(&s, STATS_BY_AGE, dfe_age);
	CHECK(&s, STATS_BY_SEX, dfe_sex);
	CHECK(&s, STATS_BY_ETHNICITY, dfe_ethnicity);
	CHECK(&s, STATS_BY_EXPECTED, dfe_expected);
	CHECK(&s, STATS_BY_PLACE, dfe_place);
	CHECK(&s, STATS_DURATION, dfe_duration);
	CHECK(&s, STATS_OUTSTANDING, dfe_outstanding);
	CHECK(&s, STATS_JAR, dfe_jar);
	CHECK(&s, STATS_REFERRALS, dfe_referrals);
	CHECK(&s, STATS_THEMES, dfe_themes);
	CHECK(&s, STATS_RECOMMENDATIONS, dfe_recommendations);
	CHECK(&s, STATS_MEETINGS, dfe_meetings);
	stats_release(&s);
}

/* ---- public, NHS ---------------------------------------------------------- */

/* 1-7 -> "*"; 8 and more rounded to the nearest 5 on their own (9 -> 10,
 * 12 -> 10); 0 stays 0. */
static const char *const nhs_notifications[] = {
	"expected: * * *", "unexpected: * * *", "total: 10 * 10",
};
static const char *const nhs_category[] = {
	"1: 0 0 0 0", "2: * 0 0 *", "3: * 0 0 *", "4: 0 * 0 *", "5: 0 0 0 0",
	"6: 0 * 0 *", "7: 0 * 0 *", "8: 0 * 0 *", "9: 0 0 0 0", "10: * 0 * *",
	"total: * * * 10",
};
static const char *const nhs_age[] = {
	"0-27d: 0 * 0 *", "28-364d: 0 0 * *", "1-4: * * 0 *", "5-9: 0 * 0 *",
	"10-14: * * 0 *", "15-17: * 0 0 *", "total: * * * 10",
};
static const char *const nhs_expected[] = {
	"expected: 0 * 0 *", "unexpected: * 0 * *", "total: * * * 10",
};
/* 7 is "*" (1-7), not rounded to 5. */
static const char *const nhs_duration[] = {
	"under_6_months: *", "6_to_12_months: *", "over_12_months: *", "total: 10",
};
static const char *const nhs_referrals[] = {
	"referred_for_review: *", "not_referred: *", "total: 10",
};
static const char *const nhs_recommendations[] = {
	"made: *", "completed: *", "overdue_at_year_end: *",
};
static const char *const nhs_meetings[] = {
	"held: * * *", "gp: * * *", "health_visiting: * 0 *", "midwifery: * 0 *",
	"hospital: * * *", "ambulance: * 0 *", "police: * * *", "childrens_social_care: * * *",
	"education: * * *", "mental_health: * 0 *", "coroner: * 0 *", "public_health: * * *",
	"other: * 0 *",
};

static void test_public_nhs(void **state)
{
	struct stats s;

	(void)state;
	compute(&s, 2025, DC_METHOD_NHS);
	CHECK(&s, STATS_NOTIFICATIONS, nhs_notifications);
	CHECK(&s, STATS_BY_CATEGORY, nhs_category);
	CHECK(&s, STATS_BY_AGE, nhs_age);
	CHECK(&s, STATS_BY_EXPECTED, nhs_expected);
	CHECK(&s, STATS_DURATION, nhs_duration);
	CHECK(&s, STATS_REFERRALS, nhs_referrals);
	CHECK(&s, STATS_RECOMMENDATIONS, nhs_recommendations);
	CHECK(&s, STATS_MEETINGS, nhs_meetings);
	/* Everything else is 1-7 or 0: "*" exactly where the board has 1-7. */
	{
		struct stats b;

		compute(&b, 2025, DC_METHOD_NONE);
		for (size_t t = 0; t < STATS_NTABLES; t++)
			for (size_t r = 0; r < s.tab[t].nrows; r++)
				for (size_t c = 0; c < s.tab[t].t.cols; c++) {
					long v = dc_table_get(&b.tab[t].t, r, c);
					struct stats_cell cell;

					assert_int_equal(stats_cell_get(&s, t, r, c, &cell), 0);
					if (v >= 1 && v <= 7)
						assert_string_equal(cell.text, "*");
					else if (v == 0)
						assert_string_equal(cell.text, "0");
				}
		stats_release(&b);
	}
	stats_release(&s);
}

/* ---- totals agree across tables ------------------------------------------- */

static long grand(const struct stats *s, enum stats_table_id t)
{
	const struct dc_table *d = &s->tab[t].t;

	return dc_table_get(d, d->rows - 1, d->cols - 1);
}

static void test_totals_consistent(void **state)
{
	/* 2024-25: M1 reviewed P1 and P2; 2025-26: 9; 2026-27: C8. */
	static const struct {
		int year;
		long reviews, notifications;
	} want[] = { { 2024, 2, 5 }, { 2025, 9, 12 }, { 2026, 1, 1 } };

	(void)state;
	for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
		struct stats s;

		compute(&s, want[i].year, DC_METHOD_NONE);
		for (int t = STATS_BY_CATEGORY; t <= STATS_BY_PLACE; t++) {
			const struct dc_table *d = &s.tab[t].t;

			assert_int_equal(dc_table_totals_check(d), 0);
			assert_int_equal(grand(&s, (enum stats_table_id)t), want[i].reviews);
			/* the total row is the same numbers in every reviews_by_* table */
			for (size_t c = 0; c < d->cols; c++)
				assert_int_equal(dc_table_get(d, d->rows - 1, c),
						 dc_table_get(&s.tab[STATS_BY_CATEGORY].t,
							      s.tab[STATS_BY_CATEGORY].t.rows - 1, c));
		}
		assert_int_equal(grand(&s, STATS_DURATION), want[i].reviews);
		assert_int_equal(grand(&s, STATS_REFERRALS), want[i].reviews);
		assert_int_equal(grand(&s, STATS_NOTIFICATIONS), want[i].notifications);
		assert_int_equal(dc_table_totals_check(&s.tab[STATS_NOTIFICATIONS].t), 0);
		assert_int_equal(dc_table_totals_check(&s.tab[STATS_OUTSTANDING].t), 0);
		for (size_t r = 0; r < s.tab[STATS_JAR].nrows; r++)
			assert_int_equal(dc_table_get(&s.tab[STATS_JAR].t, r, 0),
					 dc_table_get(&s.tab[STATS_NOTIFICATIONS].t, 1, 2));
		stats_release(&s);
	}
}

/* The other years, for the outstanding definition. */
static void test_other_years(void **state)
{
	/* 31 March 2025: P4 (died 2024-05-18, reviewed at M2 after the year
	 * end): 10 months; P5 (died 2025-02-10): 1 month; P3 (died
	 * 2025-03-15, reviewed at M2): 0 months. P1, P2 reviewed at M1. */
	static const char *const out_2024[] = {
		"under_6_months: 2", "6_to_12_months: 1", "over_12_months: 0", "total: 3",
	};
	/* 2026-27 is interim on 20 May 2026 (D5): counted as at today, not as
	 * if 31 March 2027 had come. P5 (died 2025-02-10: 15 months), C9
	 * (2025-08-20: 9), C13 (2026-01-30: 3), C12 (notified 2026-04-10,
	 * died 2026-04-08: 1); C8 was reviewed at M4 (2026-04-15), held. */
	static const char *const out_2026[] = {
		"under_6_months: 2", "6_to_12_months: 1", "over_12_months: 1", "total: 4",
	};
	/* 2026-27 so far: made at M4, C8's neglect toolkit; completed, C2's
	 * waiting list review (2026-04-20); overdue by 20 May 2026: P1's
	 * fencing (due 2025-09-30) and C2's lead (2026-03-31); C1's campaign
	 * (due 2026-06-30) is not due yet, nor C8's toolkit. */
	static const char *const recs_2026[] = {
		"made: 1", "completed: 1", "overdue_at_year_end: 2",
	};
	struct stats s;

	(void)state;
	compute(&s, 2024, DC_METHOD_NONE);
	assert_false(s.interim);
	CHECK(&s, STATS_OUTSTANDING, out_2024);
	stats_release(&s);
	compute(&s, 2026, DC_METHOD_NONE);
	assert_true(s.interim);
	assert_string_equal(s.last, TODAY);
	assert_string_equal(s.tab[STATS_RECOMMENDATIONS].row_title[2], "Overdue so far");
	CHECK(&s, STATS_OUTSTANDING, out_2026);
	CHECK(&s, STATS_RECOMMENDATIONS, recs_2026);
	stats_release(&s);
}

/* ---- DfE across tables ------------------------------------------------------ */

/* Every line of every table: no withheld cell, or at least two. */
static void assert_lines_safe(const struct stats *s)
{
	for (size_t t = 0; t < STATS_NTABLES; t++) {
		const struct dc_table *d = &s->tab[t].t;

		for (size_t r = 0; (d->flags & DC_TOTAL_COL) && r < d->rows; r++) {
			int k = 0;

			for (size_t c = 0; c < d->cols; c++)
				k += dc_cell_is_suppressed(d, r, c);
			if (k == 1)
				fail_msg("table %s row %zu has one withheld cell", s->tab[t].id, r);
		}
		for (size_t c = 0; (d->flags & DC_TOTAL_ROW) && c < d->cols; c++) {
			int k = 0;

			for (size_t r = 0; r < d->rows; r++)
				k += dc_cell_is_suppressed(d, r, c);
			if (k == 1)
				fail_msg("table %s column %zu has one withheld cell", s->tab[t].id, c);
		}
	}
}

/*
 * Counts found with a search over dc_apply_dfe: on their own, reviews_by_sex
 * (first three rows below) withholds the total of "yes" (15) while
 * reviews_by_expected (two rows) shows it; published side by side, the
 * shown 15 would give the withheld cells of reviews_by_sex away. And a
 * notifications table whose unexpected total (10) is withheld, while
 * joint_agency_response would print 10 in every row.
 */
static void test_dfe_shared_cells(void **state)
{
	static const long sex[4][3] = { { 13, 8, 1 }, { 1, 0, 14 }, { 1, 0, 1 }, { 0, 0, 0 } };
	static const long expected[2][3] = { { 5, 7, 7 }, { 10, 1, 9 } };
	static const long other[2][3] = { { 9, 4, 8 }, { 6, 4, 8 } };
	struct stats s, alone;
	struct reg r;

	(void)state;
	reg_init(&r);
	stats_init(&s);
	/* every reviews_by_* table: the same totals 15 8 16 | 39 */
	for (size_t i = 0; i < 4; i++)
		for (size_t j = 0; j < 3; j++)
			s.tab[STATS_BY_SEX].acc[i][j] = sex[i][j];
	for (size_t i = 0; i < 2; i++)
		for (size_t j = 0; j < 3; j++)
			s.tab[STATS_BY_EXPECTED].acc[i][j] = expected[i][j];
	for (int t = STATS_BY_CATEGORY; t <= STATS_BY_PLACE; t++) {
		if (t == STATS_BY_SEX || t == STATS_BY_EXPECTED)
			continue;
		for (size_t i = 0; i < 2; i++)
			for (size_t j = 0; j < 3; j++)
				s.tab[t].acc[i][j] = other[i][j];
	}
	s.tab[STATS_DURATION].acc[0][0] = 39;
	s.tab[STATS_REFERRALS].acc[1][0] = 39;
	s.tab[STATS_NOTIFICATIONS].acc[0][1] = 1;
	s.tab[STATS_NOTIFICATIONS].acc[1][1] = 10;
	for (size_t i = 0; i < s.tab[STATS_JAR].nrows; i++) {
		s.tab[STATS_JAR].acc[i][0] = 10;
		s.tab[STATS_JAR].acc[i][1] = 9;
		s.tab[STATS_JAR].acc[i][2] = 8;
	}
	s.tab[STATS_THEMES].acc[0][0] = 20;
	memcpy(&alone, &s, sizeof s);
	assert_int_equal(stats_tables_make(&r, &s), 0);
	assert_int_equal(stats_tables_make(&r, &alone), 0);

	/* Each table on its own, as dc_apply_dfe alone would publish it. */
	for (size_t t = 0; t < STATS_NTABLES; t++)
		assert_int_equal(dc_apply_dfe(&alone.tab[t].t), 0);
	assert_int_equal(dc_cell_is_suppressed(&alone.tab[STATS_BY_SEX].t, 4, 0), 1);
	assert_int_equal(dc_cell_is_suppressed(&alone.tab[STATS_BY_EXPECTED].t, 2, 0), 0);
	assert_int_equal(dc_cell_is_suppressed(&alone.tab[STATS_NOTIFICATIONS].t, 1, 2), 1);
	assert_int_equal(dc_cell_is_suppressed(&alone.tab[STATS_JAR].t, 0, 0), 0);

	assert_int_equal(stats_disclose(&r, &s, DC_METHOD_DFE), 0);
	/* Each shared number is withheld everywhere or nowhere. */
	for (size_t c = 0; c < 4; c++) {
		int first = dc_cell_is_suppressed(&s.tab[STATS_BY_CATEGORY].t,
						  s.tab[STATS_BY_CATEGORY].nrows - 1, c);

		for (int t = STATS_BY_CATEGORY; t <= STATS_BY_PLACE; t++)
			assert_int_equal(dc_cell_is_suppressed(&s.tab[t].t, s.tab[t].nrows - 1, c),
					 first);
		if (c == 0)
			assert_int_equal(first, 1); /* the 15 */
		if (c == 3) {
			assert_int_equal(dc_cell_is_suppressed(&s.tab[STATS_DURATION].t, 3, 0), first);
			assert_int_equal(dc_cell_is_suppressed(&s.tab[STATS_REFERRALS].t, 2, 0), first);
		}
	}
	for (size_t i = 0; i < s.tab[STATS_JAR].nrows; i++) {
		assert_int_equal(dc_cell_is_suppressed(&s.tab[STATS_JAR].t, i, 0), 1);
		assert_int_equal(dc_cell_is_suppressed(&s.tab[STATS_JAR].t, i, 1), 0);
	}
	assert_int_equal(dc_cell_is_suppressed(&s.tab[STATS_THEMES].t, 0, 0), 0);
	assert_lines_safe(&s);
	/* Every table still has consistent exact counts underneath. */
	for (size_t t = 0; t < STATS_NTABLES; t++)
		assert_int_equal(dc_table_totals_check(&s.tab[t].t), 0);
	stats_release(&alone);
	stats_release(&s);
	reg_release(&r);
}

/* The shapes: ids, labels and columns exactly as SPEC §5. */
static void test_shapes(void **state)
{
	static const char *const ids[STATS_NTABLES] = {
		"notifications", "reviews_by_category", "reviews_by_age", "reviews_by_sex",
		"reviews_by_ethnicity", "reviews_by_expected", "reviews_by_place",
		"review_duration", "outstanding", "joint_agency_response", "referrals",
		"themes", "recommendations", "meetings",
	};
	struct stats s;

	(void)state;
	stats_init(&s);
	for (size_t i = 0; i < STATS_NTABLES; i++) {
		assert_string_equal(s.tab[i].id, ids[i]);
		assert_int_equal(stats_table_index(ids[i]), (int)i);
	}
	assert_int_equal(stats_table_index("nope"), -1);
	assert_string_equal(s.tab[STATS_BY_AGE].col_label[2], "insufficient_information");
	assert_string_equal(s.tab[STATS_MEETINGS].col_label[2], "attendance_percent");
	assert_string_equal(s.tab[STATS_JAR].col_label[0], "unexpected_deaths");
	assert_string_equal(s.tab[STATS_JAR].col_label[2], "done_within_target");
	assert_string_equal(s.tab[STATS_OUTSTANDING].col_label[0], "cases");
	assert_string_equal(s.tab[STATS_BY_ETHNICITY].row_label[5], "not_stated");
	stats_release(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_shapes),
		cmocka_unit_test(test_board),
		cmocka_unit_test(test_public_dfe),
		cmocka_unit_test(test_public_nhs),
		cmocka_unit_test(test_totals_consistent),
		cmocka_unit_test(test_other_years),
		cmocka_unit_test(test_dfe_shared_cells),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
