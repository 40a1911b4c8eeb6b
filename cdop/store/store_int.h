#ifndef CDOP_EMBED_H
#define CDOP_EMBED_H
#include <stddef.h>

/* A file compiled into the binary by cmake/embed.cmake. */
struct embedded_file {
	const char *name;          /* base name, e.g. "001_init.sql" */
	const unsigned char *data; /* bytes, NUL-terminated */
	size_t len;                /* length without the NUL */
};

/* meta.audit_head, "SEQ:HASH-IN-HEX" (audit.c); "" when there is none. */
struct reg;
int audit_head_text(struct reg *r, char *out, size_t outlen);

#endif
