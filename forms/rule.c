/* Helpers for the cross-field rules in the form definitions. */
#include "forms/form_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int rule_date(const json_t *obj, const char *path, struct cdate *out)
{
	const json_t *v = form_json_get(obj, path);
	char msg[FORM_MSG_MAX];

	return json_is_string(v) &&
	       value_check_date(span_json(v), out, msg, sizeof(msg)) == FORM_OK;
}

int rule_datetime(const json_t *obj, const char *path, struct cdatetime *out)
{
	const json_t *v = form_json_get(obj, path);
	char msg[FORM_MSG_MAX];

	return json_is_string(v) &&
	       value_check_datetime(span_json(v), out, msg, sizeof(msg)) ==
		       FORM_OK;
}

int rule_int(const json_t *obj, const char *path, json_int_t *out)
{
	const json_t *v = form_json_get(obj, path);
	int ok = json_is_integer(v);

	if (ok)
		*out = json_integer_value(v);
	return ok;
}

int rule_code(const json_t *obj, const char *path, const struct code_list *l,
	      char *out)
{
	const json_t *v = form_json_get(obj, path);
	char msg[FORM_MSG_MAX];
	int ok = 0;

	if (json_is_string(v) &&
	    value_check_code(l, span_json(v), msg, sizeof(msg)) >= 0)
		ok = span_copy(span_json(v), out, FORM_SHORT_MAX) == 0;
	return ok;
}

void rule_error(struct form_errors *e, const char *prefix, const char *rel,
		const char *fmt, ...)
{
	char path[FORM_PATH_MAX], msg[FORM_MSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	path_join(path, sizeof(path), prefix, rel);
	form_errors_add(e, path, "%s", msg);
}

void rule_not_before(struct form_errors *e, const char *prefix,
		     const char *later_rel, const struct cdate *later,
		     const char *earlier_rel, const struct cdate *earlier)
{
	char a[DATE_BUFLEN], b[DATE_BUFLEN], other[FORM_PATH_MAX];

	if (date_compare(later, earlier) < 0) {
		date_format(later, a);
		date_format(earlier, b);
		path_join(other, sizeof(other), prefix, earlier_rel);
		rule_error(e, prefix, later_rel,
			   "%s is before %s (%s); must be on or after it", a,
			   other, b);
	}
}

void rule_item_not_before(struct form_errors *e, const char *prefix,
			  const char *array, size_t i, const char *name,
			  const struct cdate *later, const char *earlier_rel,
			  const struct cdate *earlier)
{
	char item[FORM_PATH_MAX], rel[FORM_PATH_MAX];

	/* The path is made for an error only: an import checks every
	 * member of every array of every line. */
	if (date_compare(later, earlier) >= 0)
		return;
	path_index(item, sizeof(item), array, i);
	path_join(rel, sizeof(rel), item, name);
	rule_not_before(e, prefix, rel, later, earlier_rel, earlier);
}

void rule_not_future(struct form_errors *e, const char *prefix,
		     const char *rel, const struct cdate *d,
		     const struct cdate *today)
{
	char a[DATE_BUFLEN], b[DATE_BUFLEN];

	if (today && date_compare(d, today) > 0) {
		date_format(d, a);
		date_format(today, b);
		rule_error(e, prefix, rel,
			   "%s is after today (%s); must not be in the future",
			   a, b);
	}
}
