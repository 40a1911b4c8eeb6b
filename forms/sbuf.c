/* A minimal growable string for the dictionary and error formatting. */
#include "forms/form_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void sbuf_init(struct sbuf *b)
{
	b->p = NULL;
	b->len = 0;
	b->cap = 0;
	b->oom = 0;
}

void sbuf_release(struct sbuf *b)
{
	free(b->p);
	sbuf_init(b);
}

/* Room for `extra` more bytes plus the terminator. */
static int sbuf_grow(struct sbuf *b, size_t extra)
{
	size_t want = b->len + extra + 1, cap = b->cap ? b->cap : 256;
	char *p;
	int ret = 0;

	if (b->oom || want < extra) {
		ret = -1;
		goto out;
	}
	if (want <= b->cap)
		goto out;
	while (cap < want)
		cap *= 2;
	p = realloc(b->p, cap);
	if (!p) {
		b->oom = 1;
		ret = -1;
		goto out;
	}
	b->p = p;
	b->cap = cap;
out:
	return ret;
}

void sbuf_adds(struct sbuf *b, const char *s)
{
	size_t n = strlen(s);

	if (sbuf_grow(b, n) == 0) {
		memcpy(b->p + b->len, s, n + 1);
		b->len += n;
	}
}

void sbuf_addf(struct sbuf *b, const char *fmt, ...)
{
	va_list ap, ap2;
	int n;

	va_start(ap, fmt);
	va_copy(ap2, ap);
	n = vsnprintf(NULL, 0, fmt, ap);
	if (n >= 0 && sbuf_grow(b, (size_t)n) == 0) {
		vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap2);
		b->len += (size_t)n;
	}
	va_end(ap2);
	va_end(ap);
}
