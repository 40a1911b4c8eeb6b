#ifndef CDOP_OUTFILE_H
#define CDOP_OUTFILE_H
#include <stdio.h>

struct reg;

/*
 * Output files (packs, exports, reports): written to a temp file (0600)
 * beside the target, flushed and fsync'd, then renamed into place, so a
 * reader never sees half a file and a failure leaves nothing behind.
 */
struct outfile {
	FILE *f;
	char *path;
	char *tmp;
};

/* excl: refuse an existing target (CDOP_ERR_CONFLICT). */
int outfile_open(struct reg *r, struct outfile *o, const char *path, int excl);
/* Commits (rename) when ok and no write failed; otherwise removes. */
int outfile_close(struct reg *r, struct outfile *o, int ok);

/* HTML text with <>&"' escaped. */
void html_escape(FILE *f, const char *s);

#endif
