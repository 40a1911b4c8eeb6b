/*
 * dc_property — random small registers for the disclosure property test
 * (issue 11, must-show 2), at the level of the report model: random counts
 * for the 14 tables (as stats_compute would count them), then the public
 * editions exactly as `report annual` makes them (stats_disclose, then
 * stats_audit with the earlier editions of the year), written as the
 * report's JSON (report_write_json). tests/disclosure/attacker.py, which
 * shares no code with the suppression, then tries to pin hidden cells.
 *
 *   dc_property SEED COUNT OUTDIR [rules-only]
 *   dc_property bench NREVIEWS REPEAT [national]    (bench/disclosure/run.sh)
 *
 * rules-only skips the audit (the DfE/NHS rules alone), so that the test
 * can show the attacker does pin cells when nothing stops it.
 * For register i (5-60 reviews in the year) it writes four scenarios into
 * OUTDIR/manifest.json: dfe alone, nhs alone, both policies of the same
 * data (the second audited with the first), and a re-issue after one more
 * case (the same policy, audited with the first issue). Prints the audit's
 * figures on stdout.
 */
#include "cdop/report/report_int.h"
#include "cdop/store/store.h"

#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static unsigned long long rng_state;

static unsigned rnd(unsigned n)
{
	/* xorshift64* */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return n ? (unsigned)((rng_state * 2685821657736338717ULL) >> 33) % n : 0;
}

/* An index drawn with the weights w[0..n-1]. */
static size_t pick(const unsigned *w, size_t n)
{
	unsigned sum = 0, x;

	for (size_t i = 0; i < n; i++)
		sum += w[i];
	x = rnd(sum);
	for (size_t i = 0; i < n; i++) {
		if (x < w[i])
			return i;
		x -= w[i];
	}
	return n - 1;
}

/* Per-register weights, so that some rows are rare and others common. */
struct weights {
	unsigned cat[10], mod[3], age[6], sex[4], eth[6], exp[2], place[5], dur[3];
};

static void weights_make(struct weights *w)
{
	unsigned *all[] = { w->cat, w->mod, w->age, w->sex, w->eth, w->exp, w->place, w->dur };
	size_t lens[] = { 10, 3, 6, 4, 6, 2, 5, 3 };

	for (size_t k = 0; k < 8; k++)
		for (size_t i = 0; i < lens[k]; i++)
			all[k][i] = 1 + rnd(3) * rnd(8);
	w->sex[2] = rnd(3) == 0; /* indeterminate, not_known: rare */
	w->sex[3] = rnd(2);
}

static void add_review(struct stats *s, const struct weights *w)
{
	size_t mod = pick(w->mod, 3);

	s->tab[STATS_BY_CATEGORY].acc[pick(w->cat, 10)][mod]++;
	s->tab[STATS_BY_AGE].acc[pick(w->age, 6)][mod]++;
	s->tab[STATS_BY_SEX].acc[pick(w->sex, 4)][mod]++;
	s->tab[STATS_BY_ETHNICITY].acc[pick(w->eth, 6)][mod]++;
	s->tab[STATS_BY_EXPECTED].acc[pick(w->exp, 2)][mod]++;
	s->tab[STATS_BY_PLACE].acc[pick(w->place, 5)][mod]++;
	s->tab[STATS_DURATION].acc[pick(w->dur, 3)][0]++;
	s->tab[STATS_REFERRALS].acc[rnd(8) == 0 ? 0 : 1][0]++;
	for (size_t t = 0; t < s->tab[STATS_THEMES].nrows; t++)
		if (rnd(9) == 0)
			s->tab[STATS_THEMES].acc[t][0]++;
}

/* A notification; an unexpected death is in every joint agency row. */
static void add_notification(struct stats *s, size_t e)
{
	s->tab[STATS_NOTIFICATIONS].acc[e][rnd(5) == 0]++;
	for (size_t a = 0; e == 1 && a < s->tab[STATS_JAR].nrows; a++)
		s->tab[STATS_JAR].acc[a][0]++;
}

/* Roughly the national shares (NCMD), in per mille, for the bench. */
static void weights_national(struct weights *w)
{
	static const struct weights nat = {
		{ 30, 60, 60, 60, 80, 60, 230, 300, 60, 60 }, { 350, 600, 50 },
		{ 420, 200, 100, 60, 90, 130 }, { 550, 440, 5, 5 },
		{ 600, 60, 170, 70, 30, 70 }, { 600, 400 }, { 750, 50, 150, 40, 10 },
		{ 300, 400, 300 },
	};
	*w = nat;
}

/* nrev reviews (0: 5 to 60 at random); national weights if nat. */
static void generate(struct stats *s, struct weights *w, unsigned nrev, int nat)
{
	struct stats_table *j = &s->tab[STATS_JAR], *m = &s->tab[STATS_MEETINGS];
	unsigned nnot, held, maxa = 0, suma = 0, scale;

	if (!nrev)
		nrev = 5 + rnd(56);
	nnot = nrev + rnd(8 + nrev / 10);
	scale = 1 + nrev / 60;
	held = rnd(13);
	if (nat)
		weights_national(w);
	else
		weights_make(w);
	for (unsigned i = 0; i < nrev; i++)
		add_review(s, w);
	for (unsigned i = 0; i < nnot; i++)
		add_notification(s, pick(w->exp, 2));
	for (size_t a = 0; a < j->nrows; a++) {
		j->acc[a][1] = rnd((unsigned)j->acc[a][0] + 1);
		j->acc[a][2] = rnd((unsigned)j->acc[a][1] + 1);
	}
	for (size_t b = 0; b < 3; b++)
		s->tab[STATS_OUTSTANDING].acc[b][0] = rnd(3) ? rnd(7 * scale) : 0;
	s->tab[STATS_RECOMMENDATIONS].acc[0][0] = rnd(16 * scale);
	s->tab[STATS_RECOMMENDATIONS].acc[1][0] = rnd(10 * scale);
	s->tab[STATS_RECOMMENDATIONS].acc[2][0] = rnd(6 * scale);
	for (size_t a = 1; a < m->nrows; a++) {
		unsigned at = rnd(held + 1);

		m->acc[a][0] = held;
		m->acc[a][1] = at;
		maxa = at > maxa ? at : maxa;
		suma += at;
	}
	m->acc[0][0] = held;
	m->acc[0][1] = maxa + rnd((suma < held ? suma : held) - maxa + 1);
}

/* Scenario bookkeeping and the audit's figures. */
struct run {
	const char *dir;
	FILE *manifest;
	int first;
	int rules_only; /* the rules without the audit: the attacker must win */
	size_t editions, withheld, max_withheld, solves, refused;
	double seconds, max_seconds;
};

static void write_json(struct run *run, const struct stats *s, const char *name)
{
	static struct report_model m;
	char path[4096];
	FILE *f;

	memset(&m, 0, sizeof m);
	m.s = s;
	m.edition = REPORT_PUBLIC;
	m.edition_name = "public";
	m.disclosure_name = s->method == DC_METHOD_NHS ? "nhs" : "dfe";
	m.disclosure_note = "";
	m.file_name = name;
	for (size_t t = 0; t < STATS_NTABLES; t++)
		for (size_t i = 0; i < STATS_ROWS_MAX; i++)
			for (size_t c = 0; c < STATS_COLS_MAX; c++)
				if (stats_cell_get(s, t, i, c, &m.cell[t][i][c]))
					m.cell[t][i][c].kind = STATS_CELL_NONE;
	snprintf(path, sizeof path, "%s/%s", run->dir, name);
	f = fopen(path, "w");
	if (!f) {
		perror(path);
		exit(2);
	}
	report_write_json(&m, f);
	if (fclose(f)) {
		perror(path);
		exit(2);
	}
}

/* One public edition of the counts in s->tab[].acc, audited with the
 * earlier ones; written to NAME and kept in *out. */
static int edition(struct run *run, struct reg *r, struct stats *s, enum dc_method method,
		   const struct stats_edition *earlier, size_t n, const char *name,
		   struct stats_edition *out)
{
	struct stats_audit a;
	int rc;
	struct timespec t0, t1;
	double sec;

	if (getenv("DC_DEBUG"))
		fprintf(stderr, "edition %s\n", name);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (stats_tables_make(r, s) || stats_disclose(r, s, method)) {
		fprintf(stderr, "dc_property: %s: %s\n", name, r->e.msg);
		exit(1);
	}
	if (run->rules_only) {
		memset(&a, 0, sizeof a);
		rc = 0;
	} else {
		rc = stats_audit(r, s, earlier, n, &a);
	}
	if (rc == CDOP_ERR_CONFLICT && n) {
		/* No withholding can protect it given the earlier edition:
		 * refused, as report annual refuses it. */
		printf("refused %s: %s\n", name, r->e.msg);
		run->refused++;
		return 0;
	}
	if (rc) {
		fprintf(stderr, "dc_property: %s: %s\n", name, r->e.msg);
		exit(1);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	sec = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	run->editions++;
	run->withheld += a.withheld;
	run->solves += a.solves;
	run->seconds += sec;
	if (sec > run->max_seconds)
		run->max_seconds = sec;
	if (a.withheld > run->max_withheld)
		run->max_withheld = a.withheld;
	write_json(run, s, name);
	if (stats_edition_take(s, out)) {
		fprintf(stderr, "dc_property: out of memory\n");
		exit(1);
	}
	/* DC_TRUTH=1: the exact counts beside it, for debugging the attacker. */
	if (getenv("DC_TRUTH")) {
		char truth[128];
		enum dc_method keep = s->method;

		snprintf(truth, sizeof truth, "truth-%s", name);
		for (size_t t = 0; t < STATS_NTABLES; t++)
			for (size_t i = 0; i < s->tab[t].t.rows * s->tab[t].t.cols; i++)
				s->tab[t].t.state[i] = DC_CELL_SHOWN;
		s->method = DC_METHOD_DFE;
		write_json(run, s, truth);
		s->method = keep;
	}
	return 1;
}

static void scenario(struct run *run, unsigned reg, const char *kind, const char *link,
		     const char *a, const char *b)
{
	fprintf(run->manifest, "%s\n  {\"register\": %u, \"scenario\": \"%s\", \"link\": \"%s\", "
		"\"editions\": [\"%s\"%s%s%s]}", run->first ? "" : ",", reg, kind, link, a,
		b ? ", \"" : "", b ? b : "", b ? "\"" : "");
	run->first = 0;
}

/*
 * dc_property bench NREVIEWS REPEAT [national]: the audit's time and the
 * cells it withholds beyond the rules, for dfe alone, nhs alone and nhs
 * audited with dfe, on REPEAT registers of NREVIEWS reviews.
 */
static int bench(unsigned nrev, unsigned repeat, int nat)
{
	static const char *const what[] = { "dfe", "nhs", "nhs after dfe" };
	double sec[3] = { 0 }, worst[3] = { 0 }, cpu[3] = { 0 };
	size_t extra[3] = { 0 }, hidden[3] = { 0 }, solves[3] = { 0 };
	struct reg r;

	reg_init(&r);
	for (unsigned i = 0; i < repeat; i++) {
		struct stats s;
		struct weights w;
		struct stats_edition first = STATS_EDITION_INIT;

		stats_init(&s);
		s.year = 2025;
		snprintf(s.year_text, sizeof s.year_text, "2025-26");
		generate(&s, &w, nrev, nat);
		for (int k = 0; k < 3; k++) {
			struct stats_audit a;
			struct timespec t0, t1, c0, c1;
			double d;
			int rc;

			if (stats_tables_make(&r, &s) ||
			    stats_disclose(&r, &s, k == 0 ? DC_METHOD_DFE : DC_METHOD_NHS)) {
				fprintf(stderr, "dc_property: %s\n", r.e.msg);
				return 1;
			}
			for (size_t t = 0; t < STATS_NTABLES; t++)
				for (size_t c = 0; c < s.tab[t].t.rows * s.tab[t].t.cols; c++)
					hidden[k] += s.tab[t].t.state[c] != DC_CELL_SHOWN;
			clock_gettime(CLOCK_MONOTONIC, &t0);
			clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c0);
			rc = stats_audit(&r, &s, k == 2 ? &first : NULL, k == 2, &a);
			clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c1);
			clock_gettime(CLOCK_MONOTONIC, &t1);
			cpu[k] += (double)(c1.tv_sec - c0.tv_sec) +
				  (double)(c1.tv_nsec - c0.tv_nsec) / 1e9;
			if (rc) {
				fprintf(stderr, "dc_property: %s\n", r.e.msg);
				return 1;
			}
			d = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
			sec[k] += d;
			worst[k] = d > worst[k] ? d : worst[k];
			extra[k] += a.withheld;
			solves[k] += a.solves;
			if (k == 0 && stats_edition_take(&s, &first))
				return 1;
		}
		stats_edition_release(&first);
		stats_release(&s);
	}
	printf("%u reviews (%s), %u registers:\n", nrev, nat ? "national shares" : "random shares",
	       repeat);
	for (int k = 0; k < 3; k++)
		printf("  %-14s audit %.3f s mean (CPU %.3f s), %.3f s worst; hidden by the "
		       "rules %.1f, withheld beyond them %.1f cells; %.0f integer programs\n",
		       what[k], sec[k] / repeat, cpu[k] / repeat, worst[k],
		       (double)hidden[k] / repeat,
		       (double)extra[k] / repeat, (double)solves[k] / repeat);
	return 0;
}

int main(int argc, char **argv)
{
	struct run run;
	struct reg r;
	char path[4096];
	unsigned count;

	/* GLPK allocates and frees large blocks on every solve; keep them
	 * in the heap rather than mmap and unmap them each time. */
	mallopt(M_MMAP_THRESHOLD, 64 << 20);
	mallopt(M_TRIM_THRESHOLD, 128 << 20);
	if (argc >= 4 && !strcmp(argv[1], "bench")) {
		rng_state = 12345;
		return bench((unsigned)strtoul(argv[2], NULL, 10),
			     (unsigned)strtoul(argv[3], NULL, 10),
			     argc == 5 && !strcmp(argv[4], "national"));
	}
	if (argc != 4 && !(argc == 5 && !strcmp(argv[4], "rules-only"))) {
		fprintf(stderr, "usage: dc_property SEED COUNT OUTDIR [rules-only]\n");
		return 2;
	}
	memset(&run, 0, sizeof run);
	run.rules_only = argc == 5;
	rng_state = strtoull(argv[1], NULL, 10) * 0x9E3779B97F4A7C15ULL + 1;
	count = (unsigned)strtoul(argv[2], NULL, 10);
	run.dir = argv[3];
	run.first = 1;
	snprintf(path, sizeof path, "%s/manifest.json", run.dir);
	run.manifest = fopen(path, "w");
	if (!run.manifest) {
		perror(path);
		return 2;
	}
	reg_init(&r);
	fputs("[", run.manifest);
	for (unsigned i = 0; i < count; i++) {
		struct stats s;
		struct weights w;
		struct stats_edition dfe = STATS_EDITION_INIT, nhs = STATS_EDITION_INIT;
		struct stats_edition second = STATS_EDITION_INIT, again = STATS_EDITION_INIT;
		enum dc_method first_m = i % 2 ? DC_METHOD_NHS : DC_METHOD_DFE;
		enum dc_method other_m = i % 2 ? DC_METHOD_DFE : DC_METHOD_NHS;
		const struct stats_edition *first = i % 2 ? &nhs : &dfe;
		char n_dfe[64], n_nhs[64], n_both[64], n_re[64];

		stats_init(&s);
		s.year = 2025;
		snprintf(s.year_text, sizeof s.year_text, "2025-26");
		generate(&s, &w, 0, 0);
		snprintf(n_dfe, sizeof n_dfe, "r%04u-dfe.json", i);
		snprintf(n_nhs, sizeof n_nhs, "r%04u-nhs.json", i);
		snprintf(n_both, sizeof n_both, "r%04u-both-%s.json", i,
			 other_m == DC_METHOD_NHS ? "nhs" : "dfe");
		snprintf(n_re, sizeof n_re, "r%04u-reissue-%s.json", i,
			 first_m == DC_METHOD_NHS ? "nhs" : "dfe");
		edition(&run, &r, &s, DC_METHOD_DFE, NULL, 0, n_dfe, &dfe);
		edition(&run, &r, &s, DC_METHOD_NHS, NULL, 0, n_nhs, &nhs);
		scenario(&run, i, "dfe", "same", n_dfe, NULL);
		scenario(&run, i, "nhs", "same", n_nhs, NULL);
		if (edition(&run, &r, &s, other_m, first, 1, n_both, &second))
			scenario(&run, i, "both", "same", first_m == DC_METHOD_NHS ? n_nhs : n_dfe,
				 n_both);
		/* One more case: a review of the year and its notification. */
		{
			size_t e = pick(w.exp, 2);
			add_review(&s, &w);
			add_notification(&s, e);
		}
		if (edition(&run, &r, &s, first_m, first, 1, n_re, &again))
			scenario(&run, i, "reissue", "grew",
				 first_m == DC_METHOD_NHS ? n_nhs : n_dfe, n_re);
		stats_edition_release(&again);
		stats_edition_release(&second);
		stats_edition_release(&nhs);
		stats_edition_release(&dfe);
		stats_release(&s);
	}
	fputs("\n]\n", run.manifest);
	if (fclose(run.manifest)) {
		perror(path);
		return 2;
	}
	printf("dc_property: %u registers, %zu editions audited in %.2f s (max %.3f s), "
	       "%zu integer programs, %zu cells withheld beyond the rules (max %zu in one "
	       "edition), %zu later editions refused\n", count, run.editions, run.seconds,
	       run.max_seconds, run.solves, run.withheld, run.max_withheld, run.refused);
	return 0;
}
