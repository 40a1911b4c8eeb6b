/*
 * The register's settings (`config show`, `config set`): the panel's name
 * and area, and the population under 18 for rates per 10,000 children.
 * Kept in `meta` as "config.KEY" (no migration needed); each change is
 * audited with its old and new value (none of them identifies anyone).
 */
#include "cdop/store/store.h"

#include <jansson.h>

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct config_key {
	const char *key;
	const char *help;
	int number;       /* a whole number in [1, max] */
	long max;
};

static const struct config_key keys[] = {
	{ "panel.name", "the panel's name as the report prints it, e.g. "
	  "\"Wiltshire and Swindon Child Death Overview Panel\"", 0, 120 },
	{ "panel.area", "the area the panel covers, e.g. \"Wiltshire and Swindon\"", 0, 120 },
	{ "population.under_18", "children under 18 living in the area (for rates "
	  "per 10,000 children)", 1, 20000000 },
};
#define NKEYS (sizeof keys / sizeof keys[0])

static const struct config_key *key_find(const char *key)
{
	for (size_t i = 0; key && i < NKEYS; i++)
		if (!strcmp(keys[i].key, key))
			return &keys[i];
	return NULL;
}

static int unknown(struct reg *r, const char *key)
{
	return reg_fail_field(r, CDOP_ERR_INPUT, "key", "'%s' is not a setting; valid: "
			      "panel.name, panel.area, population.under_18", key ? key : "");
}

int config_get(struct reg *r, const char *key, char *out, size_t outlen)
{
	static const char sql[] = "SELECT value FROM meta WHERE key = :key";
	struct db_stmt q = DB_STMT_INIT;
	char mk[64];

	out[0] = 0;
	if (!key_find(key))
		return unknown(r, key);
	snprintf(mk, sizeof mk, "config.%s", key);
	db_prepare(r, &q, sql);
	db_bind_text(&q, ":key", mk);
	if (db_step(&q) == DB_ROW)
		snprintf(out, outlen, "%s", db_column_text(&q, 0));
	return db_finalize(&q);
}

long config_population(struct reg *r)
{
	char v[32];

	if (config_get(r, "population.under_18", v, sizeof v))
		return 0;
	return strtol(v, NULL, 10);
}

int config_panel_name(struct reg *r, char *out, size_t outlen)
{
	static const char suffix[] = "Child Death Overview Panel";
	char name[128];
	size_t n;
	int ret = config_get(r, "panel.name", name, sizeof name);

	if (ret)
		return ret;
	n = strlen(name);
	if (!n)
		snprintf(out, outlen, "%s", suffix);
	else if (n >= sizeof suffix - 1 && !strcasecmp(name + n - (sizeof suffix - 1), suffix))
		snprintf(out, outlen, "%s", name);
	else
		snprintf(out, outlen, "%s %s", name, suffix);
	return CDOP_OK;
}

/* What would be valid, or "" when v is. */
static int check(struct reg *r, const struct config_key *k, const char *v)
{
	size_t len = strlen(v);

	if (k->number) {
		char *end;
		long n;

		for (size_t i = 0; i < len; i++)
			if (!isdigit((unsigned char)v[i]))
				goto bad_number;
		n = len && len < 10 ? strtol(v, &end, 10) : 0;
		if (n >= 1 && n <= k->max)
			return CDOP_OK;
bad_number:
		return reg_fail_field(r, CDOP_ERR_INPUT, k->key, "'%s' is not valid; give a "
				      "whole number from 1 to %ld: %s", v, k->max, k->help);
	}
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)v[i] < 0x20 || v[i] == 0x7f)
			return reg_fail_field(r, CDOP_ERR_INPUT, k->key, "control characters "
					      "are not allowed; give %s", k->help);
	if (len < 2 || len > (size_t)k->max || isspace((unsigned char)v[0]) ||
	    isspace((unsigned char)v[len - 1]))
		return reg_fail_field(r, CDOP_ERR_INPUT, k->key, "give 2 to %ld characters, "
				      "not starting or ending with a space: %s", k->max, k->help);
	return CDOP_OK;
}

int config_set(struct reg *r, const char *key, const char *value, char *old,
	       size_t oldlen)
{
	static const char del[] = "DELETE FROM meta WHERE key = :key";
	static const char ins[] = "INSERT INTO meta(key, value) VALUES (:key, :v)";
	const struct config_key *k = key_find(key);
	struct db_stmt q = DB_STMT_INIT;
	char mk[64], *detail = NULL;
	json_t *d = NULL;
	int ret;

	if (!k)
		return unknown(r, key);
	/* An empty value takes the setting away. */
	if (*value && (ret = check(r, k, value)) != CDOP_OK)
		return ret;
	ret = db_begin(r);
	if (!ret)
		ret = config_get(r, key, old, oldlen);
	if (ret)
		return db_end(r, ret);
	snprintf(mk, sizeof mk, "config.%s", key);
	db_prepare(r, &q, del);
	db_bind_text(&q, ":key", mk);
	db_run(&q);
	ret = db_finalize(&q);
	if (!ret && *value) {
		db_prepare(r, &q, ins);
		db_bind_text(&q, ":key", mk);
		db_bind_text(&q, ":v", value);
		db_run(&q);
		ret = db_finalize(&q);
	}
	/* The trail's change format (history.c), in clear: no setting
	 * identifies anyone. No value (unset) is null. */
	if (!ret) {
		d = json_pack("{s:[{s:s, s:s?, s:s?}]}", "changes", "path", key,
			      "old", *old ? old : NULL, "new", *value ? value : NULL);
		detail = d ? json_dumps(d, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
		if (!detail)
			ret = reg_fail(r, CDOP_ERR_NOMEM, "out of memory");
	}
	if (!ret)
		ret = audit_append(r, "config_set", key, detail);
	json_decref(d);
	free(detail);
	return db_end(r, ret);
}

const char *config_key_name(size_t i, const char **help)
{
	if (i >= NKEYS)
		return NULL;
	if (help)
		*help = keys[i].help;
	return keys[i].key;
}
