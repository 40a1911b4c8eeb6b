#include "cdop/cli/cli.h"
#include "cdop/cases/cases.h"
#include "cdop/store/store.h"

#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

static int audit_row(const struct audit_entry *e, void *ctx)
{
	json_t *list = ctx;

	if (list)
		return json_array_append_new(list, json_pack("{s:I, s:s, s:s, s:s, s:s, s:s}",
			"seq", (json_int_t)e->seq, "at", e->at, "user", e->user,
			"action", e->action, "object", e->object, "detail", e->detail)) ?
			CDOP_ERR_NOMEM : 0;
	printf("%6" PRId64 "  %s  %-12s %-16s %-20s %s\n", e->seq, e->at, e->user,
	       e->action, e->object, e->detail);
	return 0;
}

/* audit list [--case REF] [--json]: the admin's whole trail, or one
 * case's entries; a manager only with --case, the sealed values opened
 * (cases_audit). */
int cmd_audit_list(struct cli *c, int argc, char **argv)
{
	json_t *list = NULL, *e;
	const char *ref = NULL;
	int i, json = 0, ret;
	size_t k;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json"))
			json = 1;
		else if (!strcmp(argv[i], "--case") && i + 1 < argc && !ref)
			ref = argv[++i];
		else
			return cli_usage(c);
	}
	if (!ref && c->reg.ss.role != ROLE_ADMIN) {
		(void)audit_record(&c->reg, "denied", "audit list",
				   role_name(c->reg.ss.role));
		return cli_fail(c, CDOP_ERR_ACCESS, "user '%s' has role '%s', which may "
				"list the audit trail of one case only: give --case REF",
				c->reg.ss.user, role_name(c->reg.ss.role));
	}
	if (ref) {
		ret = cases_audit(&c->reg, ref, c->reg.ss.role == ROLE_MANAGER, &list);
		if (ret)
			return ret;
		if (!json) {
			json_array_foreach(list, k, e) {
				struct audit_entry a;

				memset(&a, 0, sizeof a);
				a.seq = json_integer_value(json_object_get(e, "seq"));
				a.at = json_string_value(json_object_get(e, "at"));
				a.user = json_string_value(json_object_get(e, "user"));
				a.action = json_string_value(json_object_get(e, "action"));
				a.object = json_string_value(json_object_get(e, "object"));
				a.detail = json_string_value(json_object_get(e, "detail"));
				audit_row(&a, NULL);
			}
			json_decref(list);
			return CDOP_OK;
		}
	} else {
		if (json)
			list = json_array();
		ret = audit_foreach(&c->reg, audit_row, list);
		if (ret || !list) {
			json_decref(list);
			return ret;
		}
	}
	json_dumpf(list, stdout, JSON_INDENT(2));
	putchar('\n');
	json_decref(list);
	return CDOP_OK;
}

/* A cdop backup starts with its magic "CDOPBKUP". */
static int is_backup(const char *path)
{
	char magic[8];
	FILE *f = fopen(path, "rb");
	int yes = f && fread(magic, 1, sizeof magic, f) == sizeof magic &&
		  !memcmp(magic, "CDOPBKUP", sizeof magic);

	if (f)
		fclose(f);
	return yes;
}

/* --witness FILE.minisig (or the report FILE): the signature is checked
 * with the register's report key, then the audit head its trusted comment
 * states must still be in the trail (a cut tail is found). A backup file
 * witnesses the same way with the head its header states. */
static int witness_one(struct cli *c, const char *arg)
{
	char report[4096], tc[SIGN_TRUSTED_COMMENT_MAX + 1];
	size_t n = strlen(arg);
	int ret;

	if (n >= sizeof report)
		return cli_usage(c);
	memcpy(report, arg, n + 1);
	if (n > 8 && !strcmp(report + n - 8, ".minisig"))
		report[n - 8] = 0;
	if (!strcmp(report, arg) && is_backup(arg)) {
		ret = backup_witness(&c->reg, arg);
	} else {
		ret = signing_verify_file_any(&c->reg, report, tc, sizeof tc);
		if (!ret)
			ret = audit_witness(&c->reg, tc);
	}
	if (!ret)
		printf("witness %s: the trail holds the head it states\n", arg);
	return ret;
}

int cmd_audit_verify(struct cli *c, int argc, char **argv)
{
	int64_t bad = 0;
	int i, ret;

	for (i = 1; i < argc; i++)
		if (strcmp(argv[i], "--witness") || ++i >= argc)
			return cli_usage(c);
	ret = audit_verify(&c->reg, &bad);
	if (!ret)
		printf("audit chain verified\n");
	for (i = 2; !ret && i < argc; i += 2)
		ret = witness_one(c, argv[i]);
	return ret;
}

int cmd_check(struct cli *c, int argc, char **argv)
{
	int ret;

	(void)argv;
	if (argc != 1)
		return cli_usage(c);
	ret = reg_check(&c->reg);
	if (!ret)
		printf("register %s: every page authenticated, keyring consistent, "
		       "audit chain verified\n", c->reg.st.path);
	return ret;
}
