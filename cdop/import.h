#ifndef CDOP_IMPORT_H
#define CDOP_IMPORT_H
#include <stddef.h>
#include <stdint.h>

struct reg;

/*
 * Bulk load of a JSON Lines file (SPEC §4): one case per line, read a
 * line at a time so memory stays flat in the number of cases; the whole
 * file is one transaction, all or nothing. Every error names its line
 * ("line 17: notification.child.nhs_number: ...") and leaves the register
 * as it was.
 */

/* Bytes of the file read so far, and its size (0 if not a regular file). */
typedef void import_progress_fn(void *ctx, uint64_t done, uint64_t total);

struct import_opts {
	int dry_run;                  /* do everything, then roll back */
	import_progress_fn *progress; /* or NULL; called at most once a line */
	void *progress_ctx;
};

/* The longest line accepted (a case is a few KiB at most). */
#define IMPORT_LINE_MAX (1024 * 1024)
#define IMPORT_RANGES_MAX 512

struct import_result {
	size_t cases;            /* lines imported (or that would be) */
	size_t reviews;
	size_t meetings_created;
	size_t lines;            /* physical lines read, blank ones included */
	/* References given, per year: "CDOP-2024-0001..CDOP-2024-0120, ..." */
	char ranges[IMPORT_RANGES_MAX];
};

/*
 * Imports PATH into the register as the acting user (the caller checked
 * the role). The import is recorded in the audit trail in the same
 * transaction: action "import", object "N cases", detail the references.
 * With dry_run nothing is written and *res says what would have been.
 */
int import_file(struct reg *r, const char *path, const struct import_opts *o,
		struct import_result *res);

#endif
