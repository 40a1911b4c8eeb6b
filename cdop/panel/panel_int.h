#ifndef CDOP_PANEL_PANEL_INT_H
#define CDOP_PANEL_PANEL_INT_H
/* What only the panel layer's own files share. */
#include <stddef.h>
#include <stdio.h>

struct reg;

/* export.c: every record of the register as the export's JSON Lines. */
int export_write_cases(struct reg *r, FILE *out, size_t *n);

/*
 * sealed.c: lines written into memory (open_memstream) and sealed. The
 * text is identifiable: mem_release wipes it.
 */
struct mem_out {
	FILE *f;
	char *buf;
	size_t len;
};
int mem_open(struct reg *r, struct mem_out *m);
/* Closes the stream; *buf and len then hold everything written. */
int mem_finish(struct reg *r, struct mem_out *m);
void mem_release(struct mem_out *m);

/* Seals m's text to the recipients into PATH's temp file (o). */
struct outfile;
int sealed_write(struct reg *r, struct outfile *o, const char *path,
		 const char *const *recipients, size_t n, const struct mem_out *m);

#endif
