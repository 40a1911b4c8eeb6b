/*
 * libFuzzer target: one line of an import file, through the forms layer
 * exactly as cdop/import.c takes it: json_loadb (duplicates rejected),
 * form_validate against the import-line form, form_normalise, and the
 * compact, sorted JSON that is stored. A line that validates must still
 * validate once normalised (what is stored is what was checked).
 */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>

#include "forms/form.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct cdate today = { 2025, 6, 1 };
	struct form_errors errs = FORM_ERRORS_INIT, again = FORM_ERRORS_INIT;
	json_error_t jerr;
	json_t *in, *norm = NULL, *redacted = NULL;
	char msg[2048], *text = NULL;
	int ret;

	in = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, &jerr);
	if (!in)
		return 0;
	ret = form_validate(&form_import_line, in, &today, &errs);
	(void)form_errors_format(&errs, 5, msg, sizeof msg);
	if (ret == FORM_OK) {
		norm = form_normalise(&form_import_line, in);
		if (!norm)
			abort();
		if (form_validate(&form_import_line, norm, &today, &again) != FORM_OK)
			abort(); /* normalising broke a valid line */
		text = json_dumps(norm, JSON_COMPACT | JSON_SORT_KEYS);
		redacted = form_redact(&form_import_line, norm, FIELD_IDENTIFIABLE);
	}
	free(text);
	json_decref(redacted);
	json_decref(norm);
	json_decref(in);
	form_errors_release(&again);
	form_errors_release(&errs);
	return 0;
}
