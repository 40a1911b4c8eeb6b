#ifndef CDOP_EXPORT_H
#define CDOP_EXPORT_H
#include <stddef.h>
#include <stdio.h>

struct reg;

/*
 * Every case as one line of the import format (SPEC §4), in reference
 * order (case id), compact JSON with sorted keys: the same register always
 * gives the same bytes, and `import` of the output into an empty register
 * gives back the same records and references.
 */
struct export_result {
	size_t cases;
};

/*
 * Writes PATH: a temporary file beside it (0600, O_EXCL), fsync'd, then
 * linked into place. An existing PATH is never overwritten
 * (CDOP_ERR_CONFLICT). Audited ("export", "N cases") in the same
 * transaction; on any failure no PATH is left behind and nothing is
 * recorded.
 */
int export_file(struct reg *r, const char *path, struct export_result *res);

/*
 * The same lines to an open stream (`--out -`: standard output, e.g. piped
 * into an encryption tool). The export is recorded before the first byte
 * is written, as a view is.
 */
int export_stream(struct reg *r, FILE *out, struct export_result *res);

#endif
