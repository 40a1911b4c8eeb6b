/*
 * `transfer REF --recipient R --out FILE` (SPEC §2, §8): the whole case —
 * notification, joint agency response, agency reports with their forms
 * and attachments, the review with its amendments, and a summary of its
 * audit trail — as one line of the import format with a `transfer`
 * object, sealed to the receiving register. The case becomes
 * `transferred` here, in the same transaction as its audit entry; the file
 * is placed only after that commits. `import FILE` on the receiving
 * register makes it a new case there (import.c).
 */
#include "cdop/panel/panel.h"
#include "cdop/panel/panel_int.h"
#include "cdop/store/store.h"
#include "cdop/cases/cases.h"
#include "crypto/secure.h"
#include "forms/date.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct summary {
	const char *ref;
	json_t *list;
	int nomem;
};

static int summary_row(const struct audit_entry *e, void *ctx)
{
	struct summary *s = ctx;

	if (strcmp(e->object, s->ref))
		return 0;
	if (json_array_append_new(s->list, json_pack("{s:s, s:s, s:s, s:s}", "at", e->at,
						     "user", e->user, "action", e->action,
						     "detail", e->detail)))
		s->nomem = 1;
	return 0;
}

/* The case's entries in this register's audit trail (they name no one:
 * audit details never hold identifiable values). */
static int audit_summary(struct reg *r, const char *ref, json_t **out)
{
	struct summary s = { ref, json_array(), 0 };
	int ret = s.list ? audit_foreach(r, summary_row, &s) : CDOP_ERR_NOMEM;

	if (!ret && s.nomem)
		ret = CDOP_ERR_NOMEM;
	if (ret == CDOP_ERR_NOMEM)
		ret = reg_fail(r, ret, "out of memory");
	if (ret)
		json_decref(s.list);
	else
		*out = s.list;
	return ret;
}

static int mark_transferred(struct reg *r, int64_t id, const char *peer, const char *today)
{
	static const char upd[] =
		"UPDATE cases SET status = 'transferred', updated_at = :now WHERE id = :id";
	static const char ins[] =
		"INSERT INTO case_transfers(case_id, direction, peer, on_date) "
		"VALUES (:id, 'out', :peer, :on)";
	struct db_stmt q = DB_STMT_INIT;
	char now[21];
	int ret;

	reg_now(now);
	db_prepare(r, &q, upd);
	db_bind_text(&q, ":now", now);
	db_bind_int(&q, ":id", id);
	db_run(&q);
	ret = db_finalize(&q);
	if (ret)
		return ret;
	db_prepare(r, &q, ins);
	db_bind_int(&q, ":id", id);
	db_bind_text(&q, ":peer", peer);
	db_bind_text(&q, ":on", today);
	db_run(&q);
	return db_finalize(&q);
}

int transfer_write(struct reg *r, const char *ref, const char *recipient, const char *path,
		   int mode)
{
	struct outfile o = OUTFILE_INIT;
	struct mem_out m;
	uint8_t (*pks)[STORE_AGE_KEY] = NULL;
	char status[24] = "", today[DATE_BUFLEN], mine[80], detail[160];
	json_t *line = NULL, *summary = NULL, *t;
	char *text = NULL;
	struct cdate td;
	int64_t id = 0;
	int ret, began = 0;

	memset(&m, 0, sizeof m);
	ret = store_age_recipients_parse(r, &recipient, 1, &pks);
	free(pks);
	if (!ret) ret = reg_today_date(r, &td, today);
	if (!ret) ret = store_age_recipient_text(r, mine, sizeof mine);
	if (!ret && !strcmp(mine, recipient))
		ret = reg_fail_field(r, CDOP_ERR_INPUT, "recipient", "%s is this register's "
				     "own recipient; give the receiving register's "
				     "('cdop key show --age' there)", recipient);
	if (!ret) ret = outfile_open(r, &o, path, mode);
	if (!ret) ret = db_begin(r);
	began = !ret;
	if (!ret) ret = cases_find(r, ref, &id, status);
	if (!ret && (!strcmp(status, "transferred") || !strcmp(status, "closed")))
		ret = reg_fail(r, CDOP_ERR_CONFLICT, "case %s is %s; only an open case can be "
			       "transferred", ref, status);
	if (!ret) ret = export_case_line(r, id, &line);
	if (!ret) ret = audit_summary(r, ref, &summary);
	if (!ret) {
		t = json_pack("{s:s, s:s, s:s, s:O}", "from_ref", ref, "from_register", mine,
			      "on", today, "audit", summary);
		if (!t || json_object_set_new(line, "transfer", t) ||
		    !(text = json_dumps(line, JSON_COMPACT | JSON_SORT_KEYS)))
			ret = reg_fail(r, CDOP_ERR_NOMEM, "out of memory");
	}
	if (!ret) ret = mem_open(r, &m);
	if (!ret && (fputs(text, m.f) == EOF || putc('\n', m.f) == EOF))
		ret = reg_fail(r, CDOP_ERR_NOMEM, "out of memory");
	if (!ret) ret = mem_finish(r, &m);
	if (!ret) ret = sealed_write(r, &o, path, &recipient, 1, &m);
	if (!ret) ret = mark_transferred(r, id, recipient, today);
	snprintf(detail, sizeof detail, "sealed to %.24s..., was %s", recipient, status);
	/* The file is placed only once the transfer is committed. */
	if (began)
		ret = cases_commit(r, ret, "transfer", ref, detail);
	if (o.f) {
		int cret = outfile_close(r, &o, !ret);
		if (!ret)
			ret = cret;
	}
	if (text) {
		secure_wipe(text, strlen(text));
		free(text);
	}
	mem_release(&m);
	json_decref(line);
	json_decref(summary);
	return ret;
}
