#ifndef CDOP_EMBED_H
#define CDOP_EMBED_H
#include <stddef.h>

/* A file compiled into the binary by cmake/embed.cmake. */
struct embedded_file {
	const char *name;          /* base name, e.g. "001_init.sql" */
	const unsigned char *data; /* bytes, NUL-terminated */
	size_t len;                /* length without the NUL */
};

#endif
