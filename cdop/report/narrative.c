/*
 * The report's narrative (`--narrative FILE.md`: foreword, priorities): a
 * small Markdown subset read by this code, nothing else. Headings ("#" to
 * "###"), paragraphs (lines joined until a blank line), bulleted ("- ",
 * "* ") and numbered ("1. ") list items, and inline **strong** and
 * *emphasis* or _emphasis_. No links, images, code or HTML: such text is
 * printed as the characters it is, HTML-escaped.
 */
#include "cdop/report/report_int.h"
#include "cdop/store/store.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

static int block_add(struct narrative *n, enum narrative_kind kind, int level,
		     const char *text, size_t len)
{
	struct narrative_block *p = realloc(n->v, (n->n + 1) * sizeof *p);
	char *t;

	if (!p)
		return -1;
	n->v = p;
	while (len && isspace((unsigned char)*text)) {
		text++;
		len--;
	}
	while (len && isspace((unsigned char)text[len - 1]))
		len--;
	t = malloc(len + 1);
	if (!t)
		return -1;
	memcpy(t, text, len);
	t[len] = 0;
	n->v[n->n].kind = kind;
	n->v[n->n].level = level;
	n->v[n->n].text = t;
	n->n++;
	return 0;
}

void narrative_release(struct narrative *n)
{
	for (size_t i = 0; i < n->n; i++)
		free(n->v[i].text);
	free(n->v);
	n->v = NULL;
	n->n = 0;
}

/* The kind a line starts, and where its text begins. */
static enum narrative_kind line_kind(const char *l, size_t len, int *level, size_t *skip)
{
	size_t i = 0;

	*level = 0;
	*skip = 0;
	while (i < len && i < 3 && l[i] == '#')
		i++;
	if (i && i < len && l[i] == ' ') {
		*level = (int)i;
		*skip = i + 1;
		return NARR_HEADING;
	}
	if (len >= 2 && (l[0] == '-' || l[0] == '*') && l[1] == ' ') {
		*skip = 2;
		return NARR_BULLET;
	}
	for (i = 0; i < len && i < 3 && isdigit((unsigned char)l[i]); i++)
		;
	if (i && i + 1 < len && (l[i] == '.' || l[i] == ')') && l[i + 1] == ' ') {
		*skip = i + 2;
		return NARR_NUMBERED;
	}
	return NARR_PARAGRAPH;
}

int narrative_parse(const char *md, struct narrative *out)
{
	char *para = NULL;
	size_t plen = 0;
	const char *p = md;
	int ret = 0;

	memset(out, 0, sizeof *out);
	while (!ret && p && *p) {
		size_t len = strcspn(p, "\n"), skip, blank = 1;
		const char *line = p;
		int level;
		enum narrative_kind k;

		p += len;
		if (*p)
			p++;
		if (len && line[len - 1] == '\r')
			len--;
		for (size_t i = 0; i < len; i++)
			if (!isspace((unsigned char)line[i]))
				blank = 0;
		k = blank ? NARR_PARAGRAPH : line_kind(line, len, &level, &skip);
		/* A paragraph ends at a blank line or where another block starts. */
		if (plen && (blank || k != NARR_PARAGRAPH)) {
			ret = block_add(out, NARR_PARAGRAPH, 0, para, plen);
			plen = 0;
		}
		if (blank || ret)
			continue;
		if (k != NARR_PARAGRAPH) {
			ret = block_add(out, k, level, line + skip, len - skip);
			continue;
		}
		{
			char *bigger = realloc(para, plen + len + 2);

			if (!bigger) {
				ret = -1;
				break;
			}
			para = bigger;
			if (plen)
				para[plen++] = ' ';
			memcpy(para + plen, line, len);
			plen += len;
		}
	}
	if (!ret && plen)
		ret = block_add(out, NARR_PARAGRAPH, 0, para, plen);
	free(para);
	if (ret)
		narrative_release(out);
	return ret;
}

/* Inline marks: "**" strong, "*" or "_" emphasis, each closed by the
 * same mark later in the text; an unclosed mark is a character. */
enum mark { MARK_NONE, MARK_STRONG, MARK_EM_STAR, MARK_EM_LINE };

static enum mark mark_at(const char *s, size_t *len)
{
	if (s[0] == '*' && s[1] == '*') {
		*len = 2;
		return MARK_STRONG;
	}
	*len = 1;
	if (s[0] == '*')
		return MARK_EM_STAR;
	if (s[0] == '_')
		return MARK_EM_LINE;
	return MARK_NONE;
}

static const char *closing(const char *s, enum mark m)
{
	const char *want = m == MARK_STRONG ? "**" : m == MARK_EM_STAR ? "*" : "_";
	const char *c = strstr(s, want);

	/* "*" must not be half of a "**" */
	while (c && m == MARK_EM_STAR && c[1] == '*')
		c = strstr(c + 2, want);
	return c && c > s ? c : NULL;
}

typedef void put_fn(FILE *f, const char *s, size_t len);

static void walk(FILE *f, const char *s, put_fn *put, const char *const open[4],
		 const char *const close[4])
{
	while (*s) {
		size_t mlen;
		enum mark m = mark_at(s, &mlen);
		const char *end = m ? closing(s + mlen, m) : NULL;

		if (m && end) {
			fputs(open[m], f);
			put(f, s + mlen, (size_t)(end - s - (ptrdiff_t)mlen));
			fputs(close[m], f);
			s = end + mlen;
			continue;
		}
		put(f, s, 1);
		s++;
	}
}

static void put_html(FILE *f, const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		switch (s[i]) {
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '&': fputs("&amp;", f); break;
		case '"': fputs("&quot;", f); break;
		case '\'': fputs("&#39;", f); break;
		default:
			if ((unsigned char)s[i] >= 0x20 || s[i] == '\t')
				fputc(s[i], f);
		}
	}
}

static void put_md(FILE *f, const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (strchr("\\`*_[]<>|&~#!", s[i]))
			fputc('\\', f);
		if ((unsigned char)s[i] >= 0x20)
			fputc(s[i], f);
	}
}

static void put_plain(FILE *f, const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)s[i] >= 0x20)
			fputc(s[i], f);
}

void narrative_inline_html(FILE *f, const char *text)
{
	static const char *const open[4] = { "", "<strong>", "<em>", "<em>" };
	static const char *const close[4] = { "", "</strong>", "</em>", "</em>" };

	walk(f, text, put_html, open, close);
}

void narrative_inline_md(FILE *f, const char *text)
{
	static const char *const open[4] = { "", "**", "*", "*" };

	walk(f, text, put_md, open, open);
}

void narrative_inline_plain(FILE *f, const char *text)
{
	static const char *const none[4] = { "", "", "", "" };

	walk(f, text, put_plain, none, none);
}
