/*
 * The benchmark's baseline: the same JSON Lines loaded by plain SQL into an
 * unencrypted SQLite database with the same tables and indexes as the
 * register, in one transaction, with no validation, no encryption and no
 * audit trail. What cdop import adds on top of this is the price of those.
 *
 * usage: baseline FILE.jsonl DB
 *
 * Built by bench/run.sh against the system's plain libsqlite3 (not
 * SQLCipher). Not part of cdop: bench code, kept simple.
 */
#include <jansson.h>
#include <sqlite3.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char schema[] =
	"PRAGMA journal_mode = DELETE;"
	"PRAGMA foreign_keys = ON;"
	"CREATE TABLE cases (id INTEGER PRIMARY KEY, ref TEXT NOT NULL UNIQUE,"
	" status TEXT NOT NULL DEFAULT 'notified', notification TEXT NOT NULL,"
	" nhs_number TEXT, surname_key TEXT NOT NULL, date_of_birth TEXT NOT NULL,"
	" death_date TEXT NOT NULL, death_time TEXT, notified_date TEXT NOT NULL,"
	" expected TEXT NOT NULL, resident INTEGER, sex TEXT NOT NULL, ethnicity TEXT,"
	" place TEXT NOT NULL, created_at TEXT NOT NULL, updated_at TEXT NOT NULL);"
	"CREATE INDEX cases_nhs ON cases(nhs_number);"
	"CREATE INDEX cases_person ON cases(surname_key, date_of_birth, death_date);"
	"CREATE INDEX cases_notified ON cases(notified_date);"
	"CREATE INDEX cases_status ON cases(status);"
	"CREATE TABLE rr_actions (id INTEGER PRIMARY KEY, case_id INTEGER NOT NULL"
	" REFERENCES cases(id), action TEXT NOT NULL, due_at TEXT, done_on TEXT,"
	" done_by TEXT, notes TEXT, UNIQUE (case_id, action));"
	"CREATE INDEX rr_actions_due ON rr_actions(done_on, due_at);"
	"CREATE TABLE agency_reports (id INTEGER PRIMARY KEY, case_id INTEGER NOT NULL"
	" REFERENCES cases(id), agency TEXT NOT NULL, requested TEXT, due TEXT,"
	" received TEXT, form TEXT, UNIQUE (case_id, agency));"
	"CREATE INDEX agency_reports_due ON agency_reports(received, due);"
	"CREATE TABLE meetings (id INTEGER PRIMARY KEY, date TEXT NOT NULL, chair TEXT);"
	"CREATE INDEX meetings_date ON meetings(date);"
	"CREATE TABLE reviews (case_id INTEGER PRIMARY KEY REFERENCES cases(id),"
	" meeting_id INTEGER NOT NULL REFERENCES meetings(id), meeting_date TEXT NOT NULL,"
	" form TEXT NOT NULL, category INTEGER NOT NULL, modifiable TEXT NOT NULL,"
	" referred INTEGER NOT NULL, updated_at TEXT NOT NULL);"
	"CREATE TABLE review_themes (case_id INTEGER NOT NULL REFERENCES cases(id),"
	" theme TEXT NOT NULL, PRIMARY KEY (case_id, theme));"
	"CREATE TABLE recommendations (id INTEGER PRIMARY KEY, case_id INTEGER NOT NULL"
	" REFERENCES cases(id), made_on TEXT NOT NULL, text TEXT NOT NULL,"
	" owner TEXT NOT NULL, due TEXT NOT NULL, done_on TEXT);"
	"CREATE INDEX recommendations_case ON recommendations(case_id);";

enum { INS_CASE, INS_RR, INS_AGENCY, FIND_MEETING, INS_MEETING, INS_REVIEW,
       INS_THEME, INS_REC, NSTMT };

static const char *const sql[NSTMT] = {
	"INSERT INTO cases(ref, status, notification, nhs_number, surname_key,"
	" date_of_birth, death_date, death_time, notified_date, expected, resident,"
	" sex, ethnicity, place, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5,"
	" ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, '2025-01-01T00:00:00Z',"
	" '2025-01-01T00:00:00Z')",
	"INSERT INTO rr_actions(case_id, action, due_at, done_on, done_by, notes)"
	" VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
	"INSERT INTO agency_reports(case_id, agency, requested, due, received, form)"
	" VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
	"SELECT id FROM meetings WHERE date = ?1",
	"INSERT INTO meetings(date) VALUES (?1)",
	"INSERT INTO reviews(case_id, meeting_id, meeting_date, form, category,"
	" modifiable, referred, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7,"
	" '2025-01-01T00:00:00Z')",
	"INSERT INTO review_themes(case_id, theme) VALUES (?1, ?2)",
	"INSERT INTO recommendations(case_id, made_on, text, owner, due, done_on)"
	" VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
};

static const char *const rr_actions[] = {
	"information_sharing_meeting", "home_visit", "police_informed",
	"coroner_informed", "key_worker_assigned", "bereavement_support_offered",
	"child_death_review_meeting",
};

static sqlite3 *db;
static sqlite3_stmt *st[NSTMT];

static void die(const char *what)
{
	fprintf(stderr, "baseline: %s: %s\n", what, sqlite3_errmsg(db));
	exit(1);
}

static const char *str(const json_t *o, const char *path)
{
	char key[64];
	const char *dot;

	while ((dot = strchr(path, '.'))) {
		snprintf(key, sizeof key, "%.*s", (int)(dot - path), path);
		o = json_object_get(o, key);
		path = dot + 1;
	}
	return json_string_value(json_object_get(o, path));
}

static void text(sqlite3_stmt *s, int i, const char *v)
{
	if (v)
		sqlite3_bind_text(s, i, v, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(s, i);
}

static void run(sqlite3_stmt *s, const char *what)
{
	if (sqlite3_step(s) != SQLITE_DONE)
		die(what);
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
}

static sqlite3_int64 meeting(const char *date)
{
	sqlite3_int64 id;

	text(st[FIND_MEETING], 1, date);
	if (sqlite3_step(st[FIND_MEETING]) == SQLITE_ROW) {
		id = sqlite3_column_int64(st[FIND_MEETING], 0);
		sqlite3_reset(st[FIND_MEETING]);
		return id;
	}
	sqlite3_reset(st[FIND_MEETING]);
	text(st[INS_MEETING], 1, date);
	run(st[INS_MEETING], "insert meeting");
	return sqlite3_last_insert_rowid(db);
}

static void load(json_t *line, int *per_year)
{
	json_t *n = json_object_get(line, "notification"), *arr, *v, *review;
	const char *status = str(line, "status");
	char ref[32], nhs[16], surname[128], *ntext;
	sqlite3_int64 id;
	size_t i, j, k;
	int year;

	review = json_object_get(line, "review");
	if (!status)
		status = review ? "reviewed" : "notified";
	year = atoi(str(n, "notified.date"));
	snprintf(ref, sizeof ref, "CDOP-%04d-%04d", year, ++per_year[year % 100]);
	for (i = j = 0; str(n, "child.nhs_number") && str(n, "child.nhs_number")[i] &&
	     j < 10; i++)
		if (str(n, "child.nhs_number")[i] != ' ')
			nhs[j++] = str(n, "child.nhs_number")[i];
	nhs[j] = 0;
	for (i = 0; str(n, "child.surname")[i] && i + 1 < sizeof surname; i++)
		surname[i] = (char)((str(n, "child.surname")[i] >= 'A' &&
				     str(n, "child.surname")[i] <= 'Z') ?
				    str(n, "child.surname")[i] + 32 : str(n, "child.surname")[i]);
	surname[i] = 0;
	ntext = json_dumps(n, JSON_COMPACT | JSON_SORT_KEYS);
	text(st[INS_CASE], 1, ref);
	text(st[INS_CASE], 2, status);
	text(st[INS_CASE], 3, ntext);
	text(st[INS_CASE], 4, j ? nhs : NULL);
	text(st[INS_CASE], 5, surname);
	text(st[INS_CASE], 6, str(n, "child.date_of_birth"));
	text(st[INS_CASE], 7, str(n, "death.date"));
	text(st[INS_CASE], 8, str(n, "death.time"));
	text(st[INS_CASE], 9, str(n, "notified.date"));
	text(st[INS_CASE], 10, str(n, "death.expected"));
	sqlite3_bind_int(st[INS_CASE], 11, json_is_true(json_object_get(
		json_object_get(n, "child"), "resident")));
	text(st[INS_CASE], 12, str(n, "child.sex"));
	text(st[INS_CASE], 13, str(n, "child.ethnicity"));
	text(st[INS_CASE], 14, str(n, "death.place"));
	run(st[INS_CASE], "insert case");
	free(ntext);
	id = sqlite3_last_insert_rowid(db);

	/* The register makes every action for an unexpected death; done ones
	 * carry their dates. One row each here too. */
	arr = json_object_get(line, "rapid_response");
	if (!strcmp(str(n, "death.expected"), "unexpected") || json_array_size(arr)) {
		for (k = 0; k < sizeof rr_actions / sizeof rr_actions[0]; k++) {
			const json_t *done = NULL;

			json_array_foreach(arr, i, v)
				if (!strcmp(str(v, "action"), rr_actions[k]))
					done = v;
			if (!done && strcmp(str(n, "death.expected"), "unexpected"))
				continue;
			sqlite3_bind_int64(st[INS_RR], 1, id);
			text(st[INS_RR], 2, rr_actions[k]);
			text(st[INS_RR], 3, "2025-01-01T00:00");
			text(st[INS_RR], 4, done ? str(done, "on") : NULL);
			text(st[INS_RR], 5, done ? str(done, "by") : NULL);
			text(st[INS_RR], 6, done ? str(done, "notes") : NULL);
			run(st[INS_RR], "insert rr");
		}
	}
	json_array_foreach(json_object_get(line, "agency_reports"), i, v) {
		json_t *form = json_object_get(v, "form");
		char *ftext = form ? json_dumps(form, JSON_COMPACT | JSON_SORT_KEYS) : NULL;

		sqlite3_bind_int64(st[INS_AGENCY], 1, id);
		text(st[INS_AGENCY], 2, str(v, "agency"));
		text(st[INS_AGENCY], 3, str(v, "requested"));
		text(st[INS_AGENCY], 4, str(v, "due"));
		text(st[INS_AGENCY], 5, str(v, "received"));
		text(st[INS_AGENCY], 6, ftext);
		run(st[INS_AGENCY], "insert agency");
		free(ftext);
	}
	if (json_is_object(review)) {
		const char *date = str(review, "meeting_date");
		sqlite3_int64 mid = meeting(date);
		json_t *form = json_deep_copy(review), *recs;
		char *ftext;

		json_object_del(form, "recommendations");
		json_object_del(form, "meeting_date");
		ftext = json_dumps(form, JSON_COMPACT | JSON_SORT_KEYS);
		sqlite3_bind_int64(st[INS_REVIEW], 1, id);
		sqlite3_bind_int64(st[INS_REVIEW], 2, mid);
		text(st[INS_REVIEW], 3, date);
		text(st[INS_REVIEW], 4, ftext);
		sqlite3_bind_int64(st[INS_REVIEW], 5,
				   json_integer_value(json_object_get(review, "category")));
		text(st[INS_REVIEW], 6, str(review, "modifiable"));
		sqlite3_bind_int(st[INS_REVIEW], 7,
				 json_is_true(json_object_get(review, "referred_for_review")));
		run(st[INS_REVIEW], "insert review");
		free(ftext);
		json_decref(form);
		json_array_foreach(json_object_get(review, "themes"), i, v) {
			sqlite3_bind_int64(st[INS_THEME], 1, id);
			text(st[INS_THEME], 2, json_string_value(v));
			run(st[INS_THEME], "insert theme");
		}
		recs = json_object_get(review, "recommendations");
		json_array_foreach(recs, i, v) {
			sqlite3_bind_int64(st[INS_REC], 1, id);
			text(st[INS_REC], 2, date);
			text(st[INS_REC], 3, str(v, "text"));
			text(st[INS_REC], 4, str(v, "owner"));
			text(st[INS_REC], 5, str(v, "due"));
			text(st[INS_REC], 6, str(v, "completed"));
			run(st[INS_REC], "insert recommendation");
		}
	}
}

int main(int argc, char **argv)
{
	FILE *f;
	char *buf = NULL;
	size_t cap = 0, lineno = 0, cases = 0;
	ssize_t len;
	int per_year[100] = { 0 }, i;

	if (argc != 3) {
		fprintf(stderr, "usage: baseline FILE.jsonl DB\n");
		return 2;
	}
	f = fopen(argv[1], "r");
	if (!f) {
		perror(argv[1]);
		return 1;
	}
	if (sqlite3_open(argv[2], &db) != SQLITE_OK)
		die("open");
	if (sqlite3_exec(db, schema, NULL, NULL, NULL) != SQLITE_OK)
		die("schema");
	for (i = 0; i < NSTMT; i++)
		if (sqlite3_prepare_v2(db, sql[i], -1, &st[i], NULL) != SQLITE_OK)
			die(sql[i]);
	if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
		die("begin");
	while ((len = getline(&buf, &cap, f)) > 0) {
		json_error_t err;
		json_t *line;

		lineno++;
		if (len <= 1)
			continue;
		line = json_loadb(buf, (size_t)len, JSON_REJECT_DUPLICATES, &err);
		if (!line) {
			fprintf(stderr, "baseline: line %zu: %s\n", lineno, err.text);
			return 1;
		}
		load(line, per_year);
		json_decref(line);
		cases++;
	}
	if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
		die("commit");
	for (i = 0; i < NSTMT; i++)
		sqlite3_finalize(st[i]);
	sqlite3_close(db);
	free(buf);
	fclose(f);
	printf("loaded %zu cases\n", cases);
	return 0;
}
